# examples_yaml.sh - every YAML example parses (all documents), has the
# shape its tool expects, and every flamegate command line in the examples
# uses only flags that 'flamegate COMMAND --help' lists:
#   - GitHub workflows: on/jobs/steps, expressions only outside run: text,
#     'with:' of the flamegate action only names declared inputs, and the
#     outputs they read exist;
#   - Argo Rollouts: an AnalysisTemplate (Job provider, backoffLimit 0,
#     restartPolicy Never, every {{args.X}} declared) and a Rollout whose
#     analysis steps name it and pass every required arg;
#   - Flagger: a Canary whose webhook runs the gate as a blocking 'bash'
#     task on a load tester Service defined alongside;
#   - the Dockerfile: a build stage, a runtime stage without compilers or
#     -dev packages, and the gate as the default (last) stage.
# Needs python3 with PyYAML (Debian: python3-yaml); skipped without it.
. tests/cli/lib.sh

python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"
for c in compare comment; do
    "$FG_BIN" "$c" --help >"$TMP/help-$c" 2>&1 || fail "flamegate $c --help"
done

python3 - "$TMP" <<'EOF' || fail "example checks"
import glob, os, re, shlex, sys, yaml

tmp = sys.argv[1]
helps = {c: open(os.path.join(tmp, "help-" + c)).read() for c in ("compare", "comment")}
action = yaml.safe_load(open("action/action.yml"))
errors = []
commands = []  # (where, [argv...])

def err(where, msg):
    errors.append("%s: %s" % (where, msg))

def load(path):
    try:
        docs = [d for d in yaml.safe_load_all(open(path))]
    except yaml.YAMLError as e:
        err(path, "not valid YAML: %s" % e)
        return []
    for i, d in enumerate(docs):
        if not isinstance(d, dict):
            err(path, "document %d is empty or not a mapping" % i)
    return [d for d in docs if isinstance(d, dict)]

def shell_commands(where, text):
    """flamegate invocations in shell text (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", text)
    for line in text.splitlines():
        m = re.search(r"(^|[\s/])flamegate\s+(compare|comment)\b(.*)", line)
        if m:
            try:
                argv = shlex.split(m.group(2) + m.group(3), comments=True)
            except ValueError as e:
                err(where, "cannot split '%s': %s" % (line.strip(), e))
                continue
            commands.append((where, argv))

# ---------------------------------------------------------- workflows
def check_workflow(path, wf, n):
    where = "%s[%d]" % (path, n)
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare 'on' as true
    if not on or not wf.get("jobs") or not wf.get("name"):
        err(where, "a workflow needs name, on and jobs")
        return
    if "permissions" not in wf:
        err(where, "no top-level permissions (the token would get defaults)")
    for jname, job in wf["jobs"].items():
        if "runs-on" not in job or not job.get("steps"):
            err(where, "job %s needs runs-on and steps" % jname)
            continue
        ids = {}
        for i, s in enumerate(job["steps"]):
            sw = "%s job %s step %d" % (where, jname, i)
            if ("run" in s) == ("uses" in s):
                err(sw, "needs exactly one of run and uses")
            if "run" in s:
                if "${{" in s["run"]:
                    err(sw, "expression spliced into run: text (use env:)")
                shell_commands(sw, s["run"])
            if "uses" in s:
                if not re.search(r"@v?\d", s["uses"]):
                    err(sw, "'%s' is not pinned" % s["uses"])
                if re.search(r"/action@", s["uses"]):
                    for k in (s.get("with") or {}):
                        if k not in action["inputs"]:
                            err(sw, "flamegate action has no input '%s'" % k)
                    if s.get("id"):
                        ids[s["id"]] = True
        text = yaml.safe_dump(job)
        for sid, out in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
            if sid in ids and out not in action["outputs"]:
                err(where, "flamegate action has no output '%s'" % out)

for path in ("examples/github-benchmark.yml", "examples/github-fork-safe.yml"):
    docs = load(path)
    if not docs:
        err(path, "missing or empty")
    for n, wf in enumerate(docs):
        check_workflow(path, wf, n)
fork = load("examples/github-fork-safe.yml")
if len(fork) != 2:
    err("examples/github-fork-safe.yml", "want two workflows (pull_request, workflow_run)")
else:
    if "workflow_run" not in (fork[1].get("on") or fork[1].get(True) or {}):
        err("examples/github-fork-safe.yml", "second workflow is not on workflow_run")
    if not any(c[1][0] == "comment" for c in commands if "fork-safe" in c[0]):
        err("examples/github-fork-safe.yml", "workflow_run does not run 'flamegate comment'")

# ----------------------------------------------------------- k8s helpers
def by_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]

def containers(podspec):
    return (podspec or {}).get("containers") or []

def container_commands(where, podspec):
    for c in containers(podspec):
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        if argv and os.path.basename(str(argv[0])) == "flamegate":
            commands.append((where, [str(a) for a in argv[1:]]))

# ---------------------------------------------------------------- Argo
path = "examples/argo-rollouts-analysis.yaml"
docs = load(path)
tmpls = by_kind(docs, "AnalysisTemplate")
rollouts = by_kind(docs, "Rollout")
if len(tmpls) != 1 or len(rollouts) != 1:
    err(path, "want one AnalysisTemplate and one Rollout")
else:
    t = tmpls[0]
    declared = {a["name"]: a for a in t["spec"].get("args", [])}
    used = set(re.findall(r"\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}", yaml.safe_dump(t)))
    for a in sorted(used - set(declared)):
        err(path, "{{args.%s}} is not declared in spec.args" % a)
    ok = False
    for m in t["spec"]["metrics"]:
        job = (m.get("provider") or {}).get("job")
        if not job:
            continue
        ok = True
        spec = job["spec"]
        if spec.get("backoffLimit") != 0:
            err(path, "Job backoffLimit should be 0 (retries hide failures)")
        pod = spec["template"]["spec"]
        if pod.get("restartPolicy") != "Never":
            err(path, "Job pods need restartPolicy: Never")
        container_commands(path + " AnalysisTemplate", pod)
    if not ok:
        err(path, "no metric uses the Job provider")
    required = {n for n, a in declared.items() if "value" not in a and "valueFrom" not in a}
    steps = rollouts[0]["spec"]["strategy"]["canary"]["steps"]
    analyses = [s["analysis"] for s in steps if "analysis" in s]
    if not analyses:
        err(path, "the Rollout has no analysis step")
    for a in analyses:
        names = {x["templateName"] for x in a["templates"]}
        if t["metadata"]["name"] not in names:
            err(path, "analysis step does not use the AnalysisTemplate")
        given = {x["name"] for x in a.get("args", [])}
        for g in sorted(given - set(declared)):
            err(path, "analysis step passes undeclared arg '%s'" % g)
        for r in sorted(required - given):
            err(path, "analysis step does not pass required arg '%s'" % r)

# ------------------------------------------------------------- Flagger
path = "examples/flagger-canary.yaml"
docs = load(path)
canaries = by_kind(docs, "Canary")
services = {d["metadata"]["name"] for d in by_kind(docs, "Service")}
deployments = by_kind(docs, "Deployment")
if len(canaries) != 1:
    err(path, "want one Canary")
else:
    hooks = canaries[0]["spec"]["analysis"].get("webhooks") or []
    gates = [h for h in hooks if "flamegate" in str((h.get("metadata") or {}).get("cmd", ""))]
    if not gates:
        err(path, "no webhook runs flamegate")
    for h in gates:
        md = h["metadata"]
        if md.get("type") != "bash":
            err(path, "webhook '%s': type must be bash (blocking); cmd tasks run in the background" % h["name"])
        if h.get("type") not in ("pre-rollout", "rollout", "confirm-promotion", "confirm-rollout"):
            err(path, "webhook '%s': type '%s' cannot gate" % (h["name"], h.get("type")))
        host = re.match(r"^https?://([^./:]+)", h["url"])
        if not host or host.group(1) not in services:
            err(path, "webhook url '%s' is not a Service of this file" % h["url"])
        shell_commands(path + " webhook " + h["name"], md["cmd"])
    for d in deployments:
        for c in containers(d["spec"]["template"]["spec"]):
            if "loadtester" not in " ".join(map(str, c.get("command") or [])):
                err(path, "Deployment %s does not run the load tester" % d["metadata"]["name"])

# ---------------------------------------------------------- Dockerfile
path = "examples/Dockerfile"
stages, cur = {}, None
for line in re.sub(r"\\\n", " ", open(path).read()).splitlines():
    m = re.match(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
    if m:
        cur = m.group(2) or "?"
        stages[cur] = {"from": m.group(1), "lines": []}
        last = cur
    elif cur:
        stages[cur]["lines"].append(line)
for s in ("build", "runtime", "loadtester", "gate"):
    if s not in stages:
        err(path, "no '%s' stage" % s)
if stages and last != "gate":
    err(path, "the default (last) stage is '%s', not gate" % last)
if "runtime" in stages:
    body = " ".join(stages["runtime"]["lines"])
    if "-slim" not in stages["runtime"]["from"]:
        err(path, "runtime stage is not a slim image")
    if re.search(r"-dev\b|build-essential|pkg-config|protobuf-c-compiler", body):
        err(path, "runtime stage installs build dependencies")
    if "COPY --from=build" not in body:
        err(path, "runtime stage does not copy the built binary")

# ------------------------------------------------------------- flags
if not commands:
    err("examples", "no flamegate command lines found")
for where, argv in commands:
    if not argv or argv[0] not in helps:
        err(where, "unknown flamegate command %r" % argv[:1])
        continue
    for a in argv[1:]:
        m = re.match(r"^(--[a-z][a-z-]*)", a)
        if m and not re.search(r"(^|[\s,])%s(?![A-Za-z0-9-])" % re.escape(m.group(1)), helps[argv[0]]):
            err(where, "'flamegate %s' has no flag %s" % (argv[0], m.group(1)))

readme = open("examples/README.md").read()
for f in ("github-benchmark.yml", "github-fork-safe.yml", "argo-rollouts-analysis.yaml",
          "flagger-canary.yaml", "Dockerfile"):
    if f not in readme:
        err("examples/README.md", "does not describe %s" % f)

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
exit 0
