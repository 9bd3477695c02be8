# examples_yaml.sh - every YAML example parses (all documents), has the
# shape its tool expects, and every flamegate command line in the examples
# uses only flags that 'flamegate COMMAND --help' lists:
#   - GitHub workflows: on/jobs/steps, expressions only outside run: text,
#     'with:' of the flamegate action only names declared inputs, and the
#     outputs they read exist;
#   - Argo Rollouts: an AnalysisTemplate (Job provider, backoffLimit 0,
#     restartPolicy Never, every {{args.X}} declared) and a Rollout whose
#     analysis steps name it and pass every required arg; the worst-case
#     run time of the gate fits the Job's activeDeadlineSeconds;
#   - Flagger: a Canary whose webhook runs the gate as a blocking 'bash'
#     task on a load tester Service defined alongside, with no webhook
#     retries, and time bounds that nest: flamegate's worst case < the
#     load tester's -timeout < the webhook timeout < the interval; a
#     NetworkPolicy that admits only Flagger's controller to the load
#     tester;
#   - every pod: the restricted Pod Security Standard settings, a
#     read-only root, no service account token; every image pinned by
#     digest or commented with the pinning recipe of examples/README.md;
#   - the token: an optional secret goes with a conditional
#     ${VAR:+--token-env VAR}, a required one with a plain --token-env;
#   - the Dockerfile: a build stage that runs 'make deps' before make, a
#     runtime stage without compilers or -dev packages, a non-root user,
#     a loadtester stage with the load tester, and the gate as the default
#     (last) stage.
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

for path in ("examples/github-benchmark.yml", "examples/github-fork-safe.yml",
             "examples/github-history.yml"):
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
    """flamegate command lines of the containers; also the texts to look
    for --token-env in ([(where, container, text)])."""
    texts = []
    for c in containers(podspec):
        argv = [str(a) for a in list(c.get("command") or []) + list(c.get("args") or [])]
        if not argv:
            continue
        if os.path.basename(argv[0]) == "flamegate":
            commands.append((where, argv[1:]))
            texts.append((where, c, shlex.join(argv)))
        elif os.path.basename(argv[0]) in ("sh", "bash") and len(argv) >= 3 and argv[1] == "-c":
            # sh -c 'exec flamegate compare "$@" ...' $0 ARGS...: the
            # script with its positional parameters put in place.
            script = argv[2].replace('"$@"', shlex.join(argv[4:]))
            shell_commands(where, script)
            texts.append((where, c, script))
    return texts

def duration(where, v):
    """Go/Flagger duration (90s, 2m, 1h, 1m30s) in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(v))
    if not parts or "".join(a + b for a, b in parts) != str(v):
        err(where, "cannot read the duration %r" % v)
        return None
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(a) * scale[b] for a, b in parts)

def flag(argv, name, default):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default

def gate_worst(argv, retry_wait):
    """Worst-case seconds of one 'flamegate compare' over a backend:
    every request takes its full --timeout on every attempt, with
    retry_wait between attempts; the windows of a side go --parallel at a
    time and the two sides one after the other (flamegate's defaults:
    timeout 60, retries 3, parallel 4)."""
    t = float(flag(argv, "--timeout", 60))
    r = int(flag(argv, "--retries", 3))
    n = int(flag(argv, "--runs", 1))
    p = int(flag(argv, "--parallel", 4))
    per_request = (r + 1) * t + sum(retry_wait(k) for k in range(1, r + 1))
    return 2 * -(-n // p) * per_request

# flamegate's backoff before retry k: at most 0.5 * 2^(k-1) s, capped at
# 30 s; a Retry-After answer is honoured up to the same 30 s cap.
def backoff(k):
    return min(30.0, 0.5 * 2 ** (k - 1))

def retry_after(k):
    return 30.0

def check_pod(where, pod, needs_api=False):
    """The restricted Pod Security Standard, a read-only root file
    system, and no service account token unless the pod needs the API."""
    psc = pod.get("securityContext") or {}
    if not needs_api and pod.get("automountServiceAccountToken") is not False:
        err(where, "pod mounts a service account token (automountServiceAccountToken: false)")
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(k):
            err(where, "pod sets %s" % k)
    for c in list(pod.get("initContainers") or []) + containers(pod):
        cw = "%s container %s" % (where, c.get("name"))
        csc = c.get("securityContext") or {}
        nonroot = csc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        if nonroot is not True:
            err(cw, "runAsNonRoot is not true")
        if csc.get("runAsUser", psc.get("runAsUser")) == 0:
            err(cw, "runs as uid 0")
        seccomp = (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            err(cw, "seccompProfile.type is %r, not RuntimeDefault" % seccomp)
        if csc.get("allowPrivilegeEscalation") is not False:
            err(cw, "allowPrivilegeEscalation is not false")
        if csc.get("privileged"):
            err(cw, "privileged")
        caps = csc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            err(cw, "capabilities.drop lacks ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            err(cw, "adds capabilities %s" % caps.get("add"))
        if csc.get("readOnlyRootFilesystem") is not True:
            err(cw, "readOnlyRootFilesystem is not true")

def check_token(where, container, text):
    """An optional secret: --token-env only when the variable is set; a
    required one: --token-env always."""
    optional = {}
    for e in container.get("env") or []:
        ref = ((e.get("valueFrom") or {}).get("secretKeyRef")) or None
        if ref is not None:
            optional[e["name"]] = bool(ref.get("optional"))
    for var in re.findall(r"--token-env[ =]([A-Za-z_][A-Za-z0-9_]*)", text):
        guarded = re.search(r"\$\{%s:\+--token-env %s\}" % (var, var), text)
        if var not in optional:
            err(where, "--token-env %s: no secret provides %s" % (var, var))
        elif optional[var] and not guarded:
            err(where, "%s comes from an optional secret but --token-env %s is unconditional "
                "(flamegate exits 2 when the variable is unset): use ${%s:+--token-env %s}" % (var, var, var, var))
        elif not optional[var] and guarded:
            err(where, "%s comes from a required secret: the conditional --token-env is dead code" % var)
    for var, opt in optional.items():
        if var not in text:
            err(where, "the secret in %s is never used" % var)

def check_images(path):
    """Every image: pinned by digest, or the pinning recipe named just above."""
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\s*image:\s*(\S+)", line)
        if not m:
            continue
        ref = m.group(1)
        if re.search(r"@sha256:[0-9a-f]{64}$", ref):
            continue
        if "@" in ref:
            err(path, "line %d: image %s: a digest is sha256:<64 hex digits>" % (i + 1, ref))
        above = "\n".join(lines[max(0, i - 3):i])
        if "Pinning images by digest" not in above:
            err(path, "line %d: image %s is not pinned and no comment just above points to "
                "the pinning recipe (examples/README.md, \"Pinning images by digest\")" % (i + 1, ref))

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
        before = len(commands)
        for w, c, text in container_commands(path + " AnalysisTemplate", pod):
            check_token(w, c, text)
        check_pod(path + " AnalysisTemplate Job", pod)
        deadline = spec.get("activeDeadlineSeconds")
        for w, argv in commands[before:]:
            if "--backend" not in argv:
                continue
            worst = gate_worst(argv, retry_after)
            if not deadline:
                err(w, "the Job has no activeDeadlineSeconds")
            elif worst > deadline:
                err(w, "the gate may take %g s, over the Job's activeDeadlineSeconds %d" % (worst, deadline))
    if not ok:
        err(path, "no metric uses the Job provider")
    check_pod(path + " Rollout", rollouts[0]["spec"]["template"]["spec"])
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
    analysis = canaries[0]["spec"]["analysis"]
    interval = duration(path, analysis.get("interval", "60s"))
    lt = None
    for d in deployments:
        pod = d["spec"]["template"]["spec"]
        check_pod(path + " Deployment " + d["metadata"]["name"], pod)
        for c in containers(pod):
            argv = [str(a) for a in list(c.get("command") or []) + list(c.get("args") or [])]
            if "loadtester" not in " ".join(argv):
                err(path, "Deployment %s does not run the load tester" % d["metadata"]["name"])
                continue
            lt = (d, c)
            # the load tester's bound for a bash task (default 1h)
            lt_timeout = duration(path, flag(argv, "-timeout", "1h"))
    if not lt:
        err(path, "no load tester Deployment")
    hook_sum = 0
    for h in hooks:
        if h.get("type") == "rollout":
            hook_sum += duration(path, h.get("timeout", "10s")) or 0
    if interval is not None and hook_sum >= interval:
        err(path, "the rollout hooks' timeouts (%g s) must add up to less than the interval (%g s)" % (hook_sum, interval))
    for h in gates:
        md = h["metadata"]
        hw = path + " webhook " + h["name"]
        if md.get("type") != "bash":
            err(path, "webhook '%s': type must be bash (blocking); cmd tasks run in the background" % h["name"])
        if h.get("type") not in ("pre-rollout", "rollout", "confirm-promotion", "confirm-rollout"):
            err(path, "webhook '%s': type '%s' cannot gate" % (h["name"], h.get("type")))
        if h.get("retries"):
            err(hw, "retries: Flagger retries a 500, which would run the gate again")
        host = re.match(r"^https?://([^./:]+)", h["url"])
        if not host or host.group(1) not in services:
            err(path, "webhook url '%s' is not a Service of this file" % h["url"])
        before = len(commands)
        shell_commands(hw, md["cmd"])
        if lt:
            check_token(hw, lt[1], md["cmd"])
        hook_timeout = duration(hw, h.get("timeout", "10s"))
        for w, argv in commands[before:]:
            worst = gate_worst(argv, backoff)
            if lt and not (worst < lt_timeout < hook_timeout):
                err(w, "time bounds do not nest: the gate's worst case %g s < the load tester's "
                    "-timeout %g s < the webhook timeout %g s" % (worst, lt_timeout, hook_timeout))
    # The load tester runs any command posted to it: only Flagger may.
    pols = by_kind(docs, "NetworkPolicy")
    if lt:
        labels = lt[0]["spec"]["template"]["metadata"]["labels"]
        ports = {p.get("containerPort") for p in lt[1].get("ports") or []}
        guarded = False
        for pol in pols:
            sel = (pol["spec"].get("podSelector") or {}).get("matchLabels") or {}
            if not sel or any(labels.get(k) != v for k, v in sel.items()):
                continue
            if "Ingress" not in (pol["spec"].get("policyTypes") or ["Ingress"]):
                continue
            guarded = True
            for rule in pol["spec"].get("ingress") or []:
                peers = rule.get("from") or []
                if not peers:
                    err(path, "NetworkPolicy %s: an ingress rule without 'from' admits everyone" % pol["metadata"]["name"])
                for peer in peers:
                    ns = (peer.get("namespaceSelector") or {}).get("matchLabels") or {}
                    pods = (peer.get("podSelector") or {}).get("matchLabels") or {}
                    if "ipBlock" in peer or not ns or not pods:
                        err(path, "NetworkPolicy %s: every peer must name Flagger's namespace and pods" % pol["metadata"]["name"])
                    elif "flagger" not in " ".join(list(ns.values()) + list(pods.values())):
                        err(path, "NetworkPolicy %s: peer %s is not Flagger's controller" % (pol["metadata"]["name"], peer))
                for port in rule.get("ports") or []:
                    if port.get("port") not in ports and port.get("port") not in [p.get("name") for p in lt[1].get("ports") or []]:
                        err(path, "NetworkPolicy %s: port %s is not the load tester's" % (pol["metadata"]["name"], port.get("port")))
        if not guarded:
            err(path, "no NetworkPolicy restricts who reaches the load tester (it runs any posted command)")

for path in ("examples/argo-rollouts-analysis.yaml", "examples/flagger-canary.yaml"):
    check_images(path)

# ---------------------------------------------------------- Dockerfile
path = "examples/Dockerfile"
stages, cur, args, last = {}, None, {}, None
for line in re.sub(r"\\\n", " ", open(path).read()).splitlines():
    m = re.match(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)", line)
    if m and cur is None:
        args[m.group(1)] = m.group(2)
    m = re.match(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
    if m:
        cur = m.group(2) or "?"
        base = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda a: args.get(a.group(1), a.group(0)), m.group(1))
        stages[cur] = {"from": base, "lines": []}
        last = cur
    elif cur and not re.match(r"^\s*(#|$)", line):
        stages[cur]["lines"].append(line)
for s in ("build", "runtime", "loadtester", "gate"):
    if s not in stages:
        err(path, "no '%s' stage" % s)
if stages and last != "gate":
    err(path, "the default (last) stage is '%s', not gate" % last)

def user_of(stage):
    """The USER a stage runs as, following FROM <stage> chains."""
    while stage in stages:
        users = [l.split()[1] for l in stages[stage]["lines"] if re.match(r"^USER\s", l)]
        if users:
            return users[-1]
        stage = stages[stage]["from"]
    return None

if "build" in stages:
    body = stages["build"]["lines"]
    deps = [i for i, l in enumerate(body) if re.search(r"\bmake deps\b", l)]
    build = [i for i, l in enumerate(body) if re.search(r"\bmake\b.*\bflamegate\b", l)]
    if not deps:
        err(path, "the build stage does not run 'make deps' (the Makefile's package list)")
    elif not build or min(build) < min(deps):
        err(path, "the build stage must run 'make deps' before building flamegate")
if "runtime" in stages:
    body = " ".join(stages["runtime"]["lines"])
    if "-slim" not in stages["runtime"]["from"]:
        err(path, "runtime stage is not a slim image")
    if re.search(r"-dev\b|build-essential|pkg-config|protobuf-c-compiler|\bmake\b", body):
        err(path, "runtime stage installs build dependencies")
    if "COPY --from=build" not in body:
        err(path, "runtime stage does not copy the built binary")
for s in ("runtime", "loadtester", "gate"):
    u = user_of(s)
    if u is None or not re.match(r"^[1-9][0-9]*(:[0-9]+)?$", u):
        err(path, "stage '%s' runs as %r, not a numeric non-root user (runAsNonRoot needs one)" % (s, u))
if "loadtester" in stages:
    body = " ".join(stages["loadtester"]["lines"])
    if stages["loadtester"]["from"] != "runtime":
        err(path, "the loadtester stage is not built on the runtime stage (it must contain flamegate)")
    if not re.search(r"COPY --from=\S+ \S*loadtester \S*loadtester", body):
        err(path, "the loadtester stage does not copy Flagger's load tester")

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
for f in ("github-benchmark.yml", "github-fork-safe.yml", "github-history.yml",
          "argo-rollouts-analysis.yaml",
          "flagger-canary.yaml", "Dockerfile"):
    if f not in readme:
        err("examples/README.md", "does not describe %s" % f)

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
exit 0
