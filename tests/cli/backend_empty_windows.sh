# backend_empty_windows.sh - windows without samples, through a fake
# Pyroscope (tests/tools/fg-fakepyro; a "-" file is a window without data):
#   - a young canary (the candidate's first windows are empty): compare
#     --backend exits 0 with a verdict and the report says which windows
#     it used; fetch --runs writes only the windows with samples and names
#     the others;
#   - a candidate without any data: INCONCLUSIVE, exit 0 (1 with
#     --inconclusive fail), every report format saying that the candidate
#     has no samples (JSON: inputs.empty_side) and counting the base;
#   - neither side with data (a wrong selector, say): exit 3 naming the
#     query, for compare and fetch alike.
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

GEN=$(tool fg-gen) || skip "fg-gen not built"
T0=1704067200      # 2024-01-01T00:00:00Z; five windows of 100 s
P=$TMP/profiles
mkdir -p "$P"
for i in 1 2 3 4 5; do
    "$GEN" --plain-names --samples 20000 --run-seed $((10 + i)) -o "$P/b$i.pb.gz" 2>/dev/null ||
        fail "fg-gen"
    "$GEN" --plain-names --samples 20000 --run-seed $((20 + i)) -o "$P/c$i.pb.gz" 2>/dev/null ||
        fail "fg-gen"
done
B=$P/b1.pb.gz,$P/b2.pb.gz,$P/b3.pb.gz,$P/b4.pb.gz,$P/b5.pb.gz
sel=(--backend pyroscope --selector '{service_name="api"}' --version-label version
     --base-version v1 --candidate-version v2
     --from $T0 --until $((T0 + 500)) --runs 5)
verdict() { grep -o '"verdict": *"[A-Z]*"' "$1" | head -n 1 | grep -o '[A-Z]*'; }

# ---- a young canary: candidate windows 1-3 have no data
start_pyro "$TMP/young" --t0 "${T0}000" --window 100000 \
    --profiles "v1=$B" --profiles "v2=-,-,-,$P/c4.pb.gz,$P/c5.pb.gz"
expect_exit 0 $FG compare "${sel[@]}" --url "$URL" --format json
v=$(verdict "$TMP/out")
case "$v" in PASS | MARGINAL | INCONCLUSIVE) ;; *) fail "young canary: verdict '$v'" ;; esac
contains "$TMP/out" 'candidate: 2 of 5 windows have samples; 3 empty windows dropped (1-3) (a canary younger than --from?)'
grep -q '"runs": 2,' "$TMP/out" || fail "the candidate should have 2 runs"
lacks "$TMP/out" "base: "
[ "$(log_count "$TMP/young" SelectMergeStacktraces)" = 10 ] || fail "want 10 queries"
# the text report carries the same warning
expect_exit 0 $FG compare "${sel[@]}" --url "$URL"
contains "$TMP/out" "candidate: 2 of 5 windows have samples"
# fetch writes the windows that have samples and names the others
expect_exit 0 $FG fetch "${sel[@]}" --url "$URL" --side candidate -o "$TMP/cand/"
[ "$(ls "$TMP/cand" | tr '\n' ' ')" = "run-04.pb.gz run-05.pb.gz " ] ||
    fail "fetch wrote: $(ls "$TMP/cand")"
contains "$TMP/err" "windows 1-3 of 5 have no samples: not written (2 written)"
expect_exit 0 $FG compare "$TMP/cand" "$TMP/cand"

# ---- a candidate without any data: INCONCLUSIVE, never a pass
start_pyro "$TMP/none" --t0 "${T0}000" --window 100000 \
    --profiles "v1=$B" --profiles "v2=-"
expect_exit 0 $FG compare "${sel[@]}" --url "$URL" --format json -o "html=$TMP/r.html" \
    -o "markdown=$TMP/r.md" -o "folded=$TMP/r.folded"
[ "$(verdict "$TMP/out")" = INCONCLUSIVE ] || fail "no candidate data: $(verdict "$TMP/out")"
contains "$TMP/out" '"reason": "the candidate has no samples: none of its profiles (or backend windows) holds any, so there is nothing to compare the base with"'
contains "$TMP/out" '"empty_side": "candidate"'
contains "$TMP/out" '"count_type": "samples/count"'
contains "$TMP/out" '"total": 100000,'
contains "$TMP/out" "candidate: 0 of 5 windows have samples; 5 empty windows dropped (1-5)"
contains "$TMP/r.md" "**INCONCLUSIVE**: no candidate samples to compare"
contains "$TMP/r.md" "base: 5 runs, 100,000 samples &middot; candidate: no samples"
contains "$TMP/r.md" "Nothing was compared: the candidate has no samples."
lacks "$TMP/r.md" "tests count none"
contains "$TMP/r.html" "candidate: no samples"
# the text report: which side, why, and no method for a test never made
expect_exit 0 $FG compare "${sel[@]}" --url "$URL"
contains "$TMP/out" "INCONCLUSIVE  no candidate samples to compare"
contains "$TMP/out" "the candidate has no samples"
contains "$TMP/out" "  base        5 runs, 100,000 samples"
contains "$TMP/out" "  candidate   no samples (no profile of this side holds any)"
contains "$TMP/out" "tests count samples/count"
contains "$TMP/out" "Nothing was compared: the candidate has no samples."
lacks "$TMP/out" "0 runs, 0 samples"
lacks "$TMP/out" "No function changed significantly"
[ -s "$TMP/r.html" ] && [ -s "$TMP/r.folded" ] || fail "reports missing"
expect_exit 1 $FG compare "${sel[@]}" --url "$URL" --inconclusive fail
contains "$TMP/out" "INCONCLUSIVE"
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" --side candidate -o "$TMP/nothing/"
contains "$TMP/err" 'no profile data for pyroscope process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api",version="v2"}'
[ -z "$(ls -A "$TMP/nothing" 2>/dev/null)" ] || fail "fetch wrote runs without data"

# ---- neither side has data: the selection is wrong, not young (exit 3)
start_pyro "$TMP/empty" --t0 "${T0}000" --window 100000 \
    --profiles "v1=-" --profiles "v2=-"
expect_exit 3 $FG compare "${sel[@]}" --url "$URL"
contains "$TMP/err" 'error: neither side has samples in any window: no profile data for pyroscope process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api",version="v2"}'
contains "$TMP/err" "check --selector"
[ ! -s "$TMP/out" ] || fail "a report was written without data"
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" --side base -o "$TMP/b.pb.gz"
[ ! -e "$TMP/b.pb.gz" ] || fail "fetch wrote a file without data"
exit 0
