# examples_run.sh - the gate command lines of the Kubernetes examples run
# as written, against a fake Pyroscope (tests/tools/fg-fakepyro) on
# 127.0.0.1 instead of http://pyroscope.observability.svc:4040:
#   - Argo Rollouts: the AnalysisTemplate's container command and args
#     (the 'sh -c' wrapper) with its {{args.X}} filled in as the Rollout
#     does (pod-template hashes as versions);
#   - Flagger: the webhook's metadata.cmd through 'bash -c', as the load
#     tester runs it.
# For each: exit 0 with a verdict when nothing regressed, exit 1 on a
# regression; the token semantics documented in the examples: without
# PYROSCOPE_TOKEN (unset or empty, as when the optional secret is absent)
# no --token-env is passed and an open Pyroscope works, one that needs a
# token answers 401 and the gate exits 3 (fails closed); with the token
# the request is authorized; the token never appears in any output.  A
# young canary (the first windows empty) gets a verdict, exit 0, and the
# warning naming the dropped windows; one whose windows hold fewer than
# --min-samples samples is INCONCLUSIVE, exit 0, as the comments say.
# Needs python3 with PyYAML (Debian: python3-yaml) to read the examples.
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed (Debian: apt-get install python3-yaml)"
GEN=$(tool fg-gen) || skip "fg-gen not built"
command -v bash >/dev/null || skip "no bash"
SECRET=pyro_secret_token_4711
EXAMPLE_URL=http://pyroscope.observability.svc:4040

# flamegate on the PATH, as in the image
mkdir -p "$TMP/bin"
ln -s "$FG_BIN" "$TMP/bin/flamegate"

# Profiles: 3 replicates per version; the candidate of 'slow' has one
# function 3x heavier.
P=$TMP/profiles
mkdir -p "$P"
gen() { "$GEN" --plain-names --samples 20000 "$@" 2>/dev/null || fail "fg-gen $*"; }
for i in 1 2 3; do
    gen --run-seed $((10 + i)) -o "$P/base-$i.pb.gz"
    gen --run-seed $((20 + i)) -o "$P/same-$i.pb.gz"
    gen --run-seed $((20 + i)) --regress @0.05:3 -o "$P/slow-$i.pb.gz"
done
files() { printf '%s' "$P/$1-1.pb.gz,$P/$1-2.pb.gz,$P/$1-3.pb.gz"; }
gen --run-seed 30 --samples 300 -o "$P/few.pb.gz"

# The examples' gate commands, argv NUL-separated, with the example's
# Pyroscope URL replaced by @URL@.
python3 - "$TMP" "$EXAMPLE_URL" <<'EOF' || fail "cannot read the examples"
import sys, yaml
tmp, url = sys.argv[1], sys.argv[2]

def docs(path):
    return [d for d in yaml.safe_load_all(open(path)) if d]

def write(name, argv):
    text = "\0".join(argv)
    if url not in text:
        sys.exit("%s: the gate does not use %s" % (name, url))
    with open("%s/%s.argv" % (tmp, name), "w") as f:
        f.write(text.replace(url, "@URL@") + "\0")

argo = docs("examples/argo-rollouts-analysis.yaml")
tmpl = [d for d in argo if d["kind"] == "AnalysisTemplate"][0]
job = tmpl["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]
c = job["containers"][0]
argv = [str(a) for a in c.get("command", []) + c.get("args", [])]
# {{args.X}}: the Rollout's values (pod-template hashes become versions
# v1 and v2 of the fake), else the template's defaults
values = {a["name"]: a.get("value") for a in tmpl["spec"]["args"]}
values.update(service="checkout", stable="v1", canary="v2")
for k, v in values.items():
    argv = [a.replace("{{args.%s}}" % k, v) for a in argv]
if any("{{" in a for a in argv):
    sys.exit("argo: an {{args.X}} is left: %s" % argv)
write("argo", argv)

flagger = docs("examples/flagger-canary.yaml")
canary = [d for d in flagger if d["kind"] == "Canary"][0]
hook = [h for h in canary["spec"]["analysis"]["webhooks"] if "flamegate" in h["metadata"].get("cmd", "")][0]
write("flagger", ["bash", "-c", hook["metadata"]["cmd"]])
EOF

# run_gate NAME URL [VAR=VALUE...]: the example's command in a clean
# environment; output in $TMP/out, $TMP/err
run_gate() {
    local name=$1 url=$2 a
    shift 2
    local -a argv=()
    while IFS= read -r -d '' a; do argv+=("${a//@URL@/$url}"); done <"$TMP/$name.argv"
    env -i PATH="$TMP/bin:$PATH" HOME="$TMP" LC_ALL=C NO_COLOR=1 "$@" "${argv[@]}" \
        >"$TMP/out" 2>"$TMP/err"
}

# expect NAME WANT URL [VAR=VALUE...]
expect() {
    local name=$1 want=$2 url=$3 got
    shift 3
    run_gate "$name" "$url" "$@"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "--- $name $*" >&2
        echo "--- stdout" >&2; head -c 2000 "$TMP/out" >&2
        echo "--- stderr" >&2; head -c 2000 "$TMP/err" >&2
        fail "$name: expected exit $want, got $got"
    fi
    ! grep -qF "$SECRET" "$TMP/out" "$TMP/err" || fail "$name: the token was printed"
}

# window sizes of the examples: Argo 10 min / 6 runs, Flagger 10 min / 4
for ex in argo:100000:version flagger:150000:pod_app; do
    IFS=: read -r name win label <<<"$ex"
    if [ "$name" = argo ]; then base=v1 cand=v2; else base=podinfo-primary cand=podinfo; fi
    open=$TMP/$name-open tok=$TMP/$name-tok slow=$TMP/$name-slow
    start_pyro "$open" --label "$label" --t0 0 --window "$win" \
        --profiles "$base=$(files base)" --profiles "$cand=$(files same)"
    U_OPEN=$URL
    start_pyro "$tok" --label "$label" --t0 0 --window "$win" --token "$SECRET" \
        --profiles "$base=$(files base)" --profiles "$cand=$(files same)"
    U_TOK=$URL
    start_pyro "$slow" --label "$label" --t0 0 --window "$win" \
        --profiles "$base=$(files base)" --profiles "$cand=$(files slow)"
    U_SLOW=$URL

    # no secret (variable unset), Pyroscope without auth: a verdict, exit 0
    expect "$name" 0 "$U_OPEN"
    grep -qE '^(PASS|MARGINAL|INCONCLUSIVE)\b' "$TMP/out" || fail "$name: no verdict: $(head -n 3 "$TMP/out")"
    runs=$( [ "$name" = argo ] && echo 6 || echo 4 )
    [ "$(grep -cF "$label=\"$base\"" "$open/requests.log")" = "$runs" ] ||
        fail "$name: want $runs base windows: $(cat "$open/requests.log")"
    [ "$(grep -cF "$label=\"$cand\"" "$open/requests.log")" = "$runs" ] ||
        fail "$name: want $runs candidate windows: $(cat "$open/requests.log")"
    # the empty variable of an absent optional secret is no token either
    expect "$name" 0 "$U_OPEN" PYROSCOPE_TOKEN=
    # a Pyroscope that needs the token: 401 without it, fail closed (3)
    expect "$name" 3 "$U_TOK"
    contains "$TMP/err" "HTTP 401"
    expect "$name" 3 "$U_TOK" PYROSCOPE_TOKEN=
    # with the token from the secret: authorized
    expect "$name" 0 "$U_TOK" PYROSCOPE_TOKEN="$SECRET"
    grep -qE '^(PASS|MARGINAL|INCONCLUSIVE)\b' "$TMP/out" || fail "$name: no verdict with the token"
    # the token is passed by name, never as an argument
    grep -qF "$SECRET" "$TMP/$name.argv" && fail "$name: the token is in the command line"
    # a regression fails the gate: exit 1, the rollout aborts / the check fails
    expect "$name" 1 "$U_SLOW"
    grep -qE '^FAIL\b' "$TMP/out" || fail "$name: a regression did not FAIL: $(head -n 3 "$TMP/out")"

    # A young canary, as the examples' comments say: the windows before it
    # existed (all but the last 2 here) are dropped with a warning naming
    # them and the others compared: a verdict, exit 0.  The fake's windows
    # start where the gate's range does (now-10m), so window k of the
    # range is file k of the list.
    t0=$(( $(date +%s) * 1000 - 600000 ))
    empty=$(for i in $(seq $((runs - 2))); do printf -- '-,'; done)
    start_pyro "$TMP/$name-young" --label "$label" --t0 "$t0" --window "$win" \
        --profiles "$base=$(files base)" --profiles "$cand=$empty$P/same-1.pb.gz,$P/same-2.pb.gz"
    expect "$name" 0 "$URL"
    grep -qE '^(PASS|MARGINAL)\b' "$TMP/out" || fail "$name: young canary: $(head -n 3 "$TMP/out")"
    contains "$TMP/out" "candidate: 2 of $runs windows have samples; $((runs - 2)) empty windows dropped (1-$((runs - 2)))"
    # ... with fewer than --min-samples (500) samples in its one window
    # with data: INCONCLUSIVE, exit 0 (the rollout continues)
    start_pyro "$TMP/$name-few" --label "$label" --t0 "$t0" --window "$win" \
        --profiles "$base=$(files base)" --profiles "$cand=$empty-,$P/few.pb.gz"
    expect "$name" 0 "$URL"
    grep -qE '^INCONCLUSIVE\b' "$TMP/out" || fail "$name: few samples: $(head -n 3 "$TMP/out")"
    contains "$TMP/out" "candidate 300 (at least 500 per side needed"
done
exit 0
