# examples_schema.sh - every example document, and action/action.yml,
# validates against the real schemas of the platform that reads it,
# vendored in tests/schemas/ (sources and versions in its README.md):
#   - Argo Rollouts AnalysisTemplate and Rollout: the openAPIV3Schema of
#     Argo Rollouts' CRDs;
#   - Flagger Canary: the openAPIV3Schema of Flagger's CRD;
#   - Deployment, Service, NetworkPolicy: the Kubernetes API's JSON
#     Schemas (strict: unknown fields are errors); the pod templates inside
#     the Argo resources are also checked against Kubernetes' own
#     PodTemplateSpec, and every object's metadata against ObjectMeta;
#   - GitHub workflows and the action: SchemaStore's github-workflow.json
#     and github-action.json.
# A CRD schema only prunes unknown fields when the API server applies it;
# here every object schema that does not say
# x-kubernetes-preserve-unknown-fields gets additionalProperties: false,
# so a misspelt field is an error, as 'kubectl apply --validate=strict'
# reports it.  The workflows are read as YAML 1.2, as GitHub does ('on'
# is a key, not true).  A self-test first checks that misspelt fields are
# caught in each kind of document.
# Needs python3 with PyYAML and jsonschema (Debian: python3-yaml,
# python3-jsonschema); skipped without them.
. tests/cli/lib.sh

python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed (Debian: apt-get install python3-yaml)"
python3 -c 'import jsonschema' 2>/dev/null ||
    skip "python3-jsonschema not installed (Debian: apt-get install python3-jsonschema)"

python3 - <<'EOF' || fail "schema validation"
import copy, glob, json, re, sys
import jsonschema, yaml

S = "tests/schemas/"
errors = []

def err(where, msg):
    errors.append("%s: %s" % (where, msg))

# ------------------------------------------------------------- loading
class Yaml12(yaml.SafeLoader):
    """YAML 1.2 core scalars: only true/false are booleans, no dates."""

Yaml12.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12.add_implicit_resolver("tag:yaml.org,2002:bool",
                             re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

def load_all(path, loader=yaml.SafeLoader):
    with open(path) as f:
        return [d for d in yaml.load_all(f, Loader=loader) if d is not None]

# ------------------------------------------------- CRD -> JSON Schema
def strict(node):
    """An openAPIV3Schema node as a strict JSON Schema (draft 4)."""
    if isinstance(node, list):
        return [strict(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == "properties":
            out[k] = {p: strict(s) for p, s in v.items()}
        elif k in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[k] = strict(v)
        else:
            out[k] = v
    if (node.get("type") == "object" and "properties" in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
            and "additionalProperties" not in node):
        out["additionalProperties"] = False
    if node.get("nullable") and isinstance(node.get("type"), str):
        out["type"] = [node["type"], "null"]
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    return out

k8s = {}
for name in ("deployment-apps-v1", "service-v1", "networkpolicy-networking-v1"):
    with open(S + "kubernetes/%s.json" % name) as f:
        k8s[name] = json.load(f)
object_meta = k8s["deployment-apps-v1"]["properties"]["metadata"]
pod_template = k8s["deployment-apps-v1"]["properties"]["spec"]["properties"]["template"]

schemas = {}  # (apiVersion, kind) -> (validator class, schema)
for name, s in k8s.items():
    for gvk in s["x-kubernetes-group-version-kind"]:
        api = gvk["version"] if not gvk["group"] else "%s/%s" % (gvk["group"], gvk["version"])
        schemas[(api, gvk["kind"])] = (jsonschema.Draft4Validator, s)
for path in glob.glob(S + "argo-rollouts/*-crd.yaml") + [S + "flagger/crd.yaml"]:
    for crd in load_all(path):
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for v in crd["spec"]["versions"]:
            if not v.get("served"):
                continue
            s = strict(v["schema"]["openAPIV3Schema"])
            s["properties"]["metadata"] = object_meta
            schemas[("%s/%s" % (group, v["name"]), kind)] = (jsonschema.Draft4Validator, s)
with open(S + "schemastore/github-workflow.json") as f:
    workflow_schema = json.load(f)
with open(S + "schemastore/github-action.json") as f:
    action_schema = json.load(f)

def problems(cls, schema, doc):
    out = []
    for e in sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path)):
        if e.context:
            e = jsonschema.exceptions.best_match(e.context)
        where = "/".join(str(p) for p in e.absolute_path) or "(document)"
        out.append("%s: %s" % (where, e.message[:300]))
    return out

def validate_k8s(where, doc):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in schemas:
        err(where, "no vendored schema for %s %s (add it to tests/schemas/)" % key)
        return
    cls, schema = schemas[key]
    for p in problems(cls, schema, doc):
        err(where, p)
    # Pod templates inside custom resources: Kubernetes' own schema too.
    for tpath, tmpl in pod_templates(doc):
        for p in problems(jsonschema.Draft4Validator, pod_template, tmpl):
            err(where, "%s (Kubernetes PodTemplateSpec): %s" % (tpath, p))

def pod_templates(doc):
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind == "Rollout":
        yield "spec/template", spec.get("template")
    if kind == "AnalysisTemplate":
        for i, m in enumerate(spec.get("metrics") or []):
            job = (m.get("provider") or {}).get("job")
            if job:
                yield "spec/metrics/%d/provider/job/spec/template" % i, job["spec"]["template"]

def validate_workflow(where, doc):
    for p in problems(jsonschema.Draft7Validator, workflow_schema, doc):
        err(where, p)

def validate_action(where, doc):
    for p in problems(jsonschema.Draft7Validator, action_schema, doc):
        err(where, p)

# ---------------------------------------------------------- self-test
# A misspelt field must be an error in each kind of document, or the
# checks below prove nothing.
def must_fail(label, validate, doc, mutate):
    d = copy.deepcopy(doc)
    mutate(d)
    before = len(errors)
    validate("self-test " + label, d)
    caught = len(errors) > before
    del errors[before:]
    if not caught:
        err("self-test", "a misspelt field in %s went unnoticed" % label)

argo = load_all("examples/argo-rollouts-analysis.yaml")
flagger = load_all("examples/flagger-canary.yaml")
by_kind = lambda docs, k: [d for d in docs if d.get("kind") == k][0]
tmpl = by_kind(argo, "AnalysisTemplate")
job_pod = lambda d: d["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]
must_fail("an Argo Job container's securityContext", validate_k8s, tmpl,
          lambda d: job_pod(d)["containers"][0]["securityContext"].update(readOnlyRootFileSystem=True))
must_fail("an Argo Job pod's securityContext", validate_k8s, tmpl,
          lambda d: job_pod(d)["securityContext"].update(seccompProfiles={"type": "RuntimeDefault"}))
must_fail("an Argo Job spec", validate_k8s, tmpl,
          lambda d: d["spec"]["metrics"][0]["provider"]["job"]["spec"].update(backOffLimit=0))
must_fail("an Argo metric", validate_k8s, tmpl, lambda d: d["spec"]["metrics"][0].update(failureLimits=0))
must_fail("Argo metadata", validate_k8s, tmpl, lambda d: d["metadata"].update(label={"a": "b"}))
must_fail("a Rollout step", validate_k8s, by_kind(argo, "Rollout"),
          lambda d: d["spec"]["strategy"]["canary"]["steps"][0].update(setWeigth=20))
must_fail("a Canary webhook", validate_k8s, by_kind(flagger, "Canary"),
          lambda d: d["spec"]["analysis"]["webhooks"][0].update(timeOut="90s"))
must_fail("a Deployment container", validate_k8s, by_kind(flagger, "Deployment"),
          lambda d: d["spec"]["template"]["spec"]["containers"][0].update(securityContex={}))
must_fail("a Deployment pod", validate_k8s, by_kind(flagger, "Deployment"),
          lambda d: d["spec"]["template"]["spec"].update(automountServiceAccountTokens=False))
must_fail("a NetworkPolicy peer", validate_k8s, by_kind(flagger, "NetworkPolicy"),
          lambda d: d["spec"]["ingress"][0]["from"][0].update(namespaceSelectors={}))
must_fail("a Service", validate_k8s, by_kind(flagger, "Service"), lambda d: d["spec"].update(selectors={}))
wf = load_all("examples/github-benchmark.yml", Yaml12)[0]
must_fail("a workflow step", validate_workflow, wf, lambda d: d["jobs"]["profile"]["steps"][0].update(wiht={}))
act = load_all("action/action.yml", Yaml12)[0]
must_fail("the action's steps", validate_action, act, lambda d: d["runs"]["steps"][0].update(shel="bash"))

# ------------------------------------------------------------ examples
n = 0
for path in sorted(glob.glob("examples/*.yaml")):
    for i, doc in enumerate(load_all(path)):
        validate_k8s("%s[%d] %s" % (path, i, doc.get("kind")), doc)
        n += 1
for path in sorted(glob.glob("examples/*.yml")):
    for i, doc in enumerate(load_all(path, Yaml12)):
        validate_workflow("%s[%d]" % (path, i), doc)
        n += 1
validate_action("action/action.yml", act)
n += 1
if n < 10:
    err("examples", "only %d documents found" % n)

for e in errors:
    print(e)
print("%d documents validated, %d problems" % (n, len(errors)), file=sys.stderr)
sys.exit(1 if errors else 0)
EOF
exit 0
