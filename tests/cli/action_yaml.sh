# action_yaml.sh - action/action.yml is valid YAML and a consistent
# composite action: every inputs.X it references is declared (and every
# declared input used), inputs reach run.sh only through env: (no ${{ }}
# in any run: text), every INPUT_X that run.sh reads is set by the step
# that runs it, every output maps to a step output run.sh writes, and
# every 'flamegate compare' flag run.sh passes exists.  Needs python3
# with PyYAML (Debian: python3-yaml); skipped without it.
. tests/cli/lib.sh

python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"
bash -n action/run.sh || fail "action/run.sh: syntax error"
"$FG_BIN" compare --help >"$TMP/compare-help" 2>&1 || fail "compare --help"

python3 - action/action.yml action/run.sh "$TMP/compare-help" <<'EOF' || fail "action.yml checks"
import re, sys, yaml

action_path, script_path, help_path = sys.argv[1:4]
text = open(action_path).read()
script = open(script_path).read()
compare_help = open(help_path).read()
doc = yaml.safe_load(text)
errors = []

def err(msg):
    errors.append(msg)

for key in ("name", "description", "inputs", "outputs", "runs"):
    if key not in doc:
        err("missing top-level key '%s'" % key)
if doc["runs"].get("using") != "composite":
    err("runs.using is not composite")

inputs = doc["inputs"]
id_re = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
for name, spec in inputs.items():
    if not id_re.match(name):
        err("bad input id '%s'" % name)
    if not isinstance(spec, dict) or not spec.get("description"):
        err("input '%s' has no description" % name)
    elif "default" in spec and not isinstance(spec["default"], str):
        err("input '%s': default %r is not a string" % (name, spec["default"]))

# Every inputs.X anywhere (with:, env:, if:) must be declared.
used = set(re.findall(r"\binputs\.([A-Za-z_][A-Za-z0-9_-]*)", text))
for name in sorted(used - set(inputs)):
    err("inputs.%s is referenced but not declared" % name)
for name in sorted(set(inputs) - used):
    err("input '%s' is declared but never used" % name)

steps = doc["runs"]["steps"]
step_ids = {s.get("id") for s in steps}
env_names = set()
for i, s in enumerate(steps):
    where = "step %d (%s)" % (i, s.get("id", "?"))
    if "run" in s:
        if "shell" not in s:
            err("%s: run without shell" % where)
        if "${{" in s["run"]:
            err("%s: expression spliced into run: text" % where)
    elif "uses" in s:
        if not re.search(r"@v?\d", s["uses"]):
            err("%s: '%s' is not pinned to a version" % (where, s["uses"]))
    else:
        err("%s: neither run nor uses" % where)
    for k, v in (s.get("env") or {}).items():
        env_names.add(k)
        m = re.match(r"^INPUT_([A-Z0-9_]+)$", k)
        if m:
            want = "${{ inputs.%s }}" % m.group(1).lower().replace("_", "-")
            if str(v).strip() != want:
                err("%s: %s is %r, want %r" % (where, k, v, want))

# run.sh reads inputs only as INPUT_X: each must be provided.
for name in sorted(set(re.findall(r"\bINPUT_([A-Z0-9_]+)", script))):
    if "INPUT_" + name not in env_names:
        err("run.sh reads INPUT_%s, which no step sets" % name)

# Outputs: value from a step that exists, and a name run.sh writes.
written = set(re.findall(r'set_output\s+"?([a-z-]+)', script))
written |= {"report-" + n for n in ("markdown", "json", "html", "folded", "text")}
written |= {"regressions", "improvements", "marginal", "new", "vanished"}
for name, spec in doc["outputs"].items():
    m = re.match(r"^\$\{\{ steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+) \}\}$",
                 str(spec.get("value", "")))
    if not spec.get("description") or not m:
        err("output '%s' needs a description and a steps.ID.outputs.X value" % name)
        continue
    if m.group(1) not in step_ids:
        err("output '%s' refers to unknown step '%s'" % (name, m.group(1)))
    if m.group(2) not in written:
        err("output '%s': run.sh never writes '%s'" % (name, m.group(2)))
for ref in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
    if ref[0] not in step_ids:
        err("reference to unknown step '%s'" % ref[0])
    elif ref[0] == "prep" and ref[1] not in written:
        err("steps.prep.outputs.%s is never written" % ref[1])

# Flags run.sh hands to 'flamegate compare' exist.
block = script[script.index("compare_args() {"):script.index("check_choices() {")]
flags = set(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", block))
flags |= set(re.findall(r"^\s+([a-z][a-z-]+) \"\$\{INPUT_", block, re.M))
flags |= set(re.findall(r"\s([a-z][a-z-]+) \"\$\{INPUT_", block))
for f in sorted(flags):
    if not re.search(r"(^|[\s,])--%s(?![A-Za-z0-9-])" % re.escape(f), compare_help):
        err("run.sh passes --%s, which 'flamegate compare --help' does not list" % f)

# The cache: restore before the build, save after it, before the gate.
cache_actions = {}
for part in ("restore", "save"):
    with open("tests/schemas/actions-cache/%s-action.yml" % part) as f:
        cache_actions["actions/cache/" + part] = yaml.safe_load(f)
order = [s.get("id") for s in steps]
by_id = {s.get("id"): s for s in steps}
uses = {}
for s in steps:
    u = s.get("uses", "")
    if u.startswith("actions/cache"):
        name, _, ver = u.partition("@")
        if name not in cache_actions:
            err("step %s: use actions/cache/restore and actions/cache/save, not %s "
                "(the combined action saves only when the job succeeds)" % (s.get("id"), name))
            continue
        if not re.match(r"^v4(\.|$)", ver):
            err("step %s: %s is not pinned to v4" % (s.get("id"), u))
        uses[name] = s
        spec = cache_actions[name]
        for k in (s.get("with") or {}):
            if k not in spec["inputs"]:
                err("step %s: %s has no input '%s'" % (s.get("id"), name, k))
        for k, v in spec["inputs"].items():
            if v.get("required") and k not in (s.get("with") or {}):
                err("step %s: %s needs input '%s'" % (s.get("id"), name, k))
        if not s.get("continue-on-error"):
            err("step %s: a cache outage must not fail the action (continue-on-error)" % s.get("id"))
restore = uses.get("actions/cache/restore")
save = uses.get("actions/cache/save")
if not restore or not save:
    err("the binary is not cached with actions/cache/restore and actions/cache/save")
else:
    rid, sid = restore.get("id"), save.get("id")
    for want in (("prep", rid), (rid, "build"), ("build", sid), (sid, "gate")):
        if want[0] not in order or want[1] not in order or order.index(want[0]) > order.index(want[1]):
            err("step order: %s must come before %s" % want)
    if restore.get("with") != save.get("with"):
        err("restore and save differ in path or key: %r, %r" % (restore.get("with"), save.get("with")))
    cond = " ".join(str(save.get("if", "")).split())
    for need in ("always()", "steps.build.outcome == 'success'",
                 "steps.%s.outputs.cache-hit != 'true'" % rid):
        if need not in cond:
            err("the save step's if: lacks %s (%r)" % (need, cond))
    outs = cache_actions["actions/cache/restore"]["outputs"]
    for ref in re.findall(r"steps\.%s\.outputs\.([A-Za-z0-9_-]+)" % re.escape(rid), text):
        if ref not in outs:
            err("actions/cache/restore has no output '%s'" % ref)
gate_if = " ".join(str(by_id.get("gate", {}).get("if", "")).split())
if "!cancelled()" not in gate_if:
    err("the gate step must run after a failed build (if: !cancelled()), so the outputs say ERROR")

for e in errors:
    print("action.yml: " + e)
sys.exit(1 if errors else 0)
EOF
exit 0
