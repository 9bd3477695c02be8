# live_empty_captures.sh - live pprof endpoints (compare with URL sources
# and --runs N) whose captures hold no samples, through a fake server
# (tests/tools/fg-fakepyro: /debug/pprof/...?version=V answers the files
# of V in turn, "-" an empty answer): as backend windows,
#   - captures without samples are dropped with a warning naming the URL
#     (credentials removed) and the captures, the rest compared: exit 0;
#   - a side without samples in any capture is INCONCLUSIVE, exit 0 (1
#     with --inconclusive fail), the report saying which side;
#   - neither side with samples is exit 3 naming the URL.
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

GEN=$(tool fg-gen) || skip "fg-gen not built"
P=$TMP/profiles
mkdir -p "$P"
for i in 1 2 3; do
    "$GEN" --plain-names --samples 20000 --run-seed $((10 + i)) -o "$P/b$i.pb.gz" 2>/dev/null ||
        fail "fg-gen"
    "$GEN" --plain-names --samples 20000 --run-seed $((20 + i)) -o "$P/c$i.pb.gz" 2>/dev/null ||
        fail "fg-gen"
done
B=$P/b1.pb.gz,$P/b2.pb.gz,$P/b3.pb.gz
SECRET=live_secret_4711
# sides URL: the two endpoints (a token in the query, as some servers
# want; it must never be printed)
sides() {
    printf -- '--base\0%s\0--candidate\0%s\0' \
        "$1/debug/pprof/profile?seconds=0&version=v1&token=$SECRET" \
        "$1/debug/pprof/profile?seconds=0&version=v2&token=$SECRET"
}
compare() { # compare URL ARGS...: flamegate compare --runs 3 on both endpoints
    local url=$1 a
    shift
    local -a s=()
    while IFS= read -r -d '' a; do s+=("$a"); done < <(sides "$url")
    $FG compare --runs 3 "${s[@]}" "$@"
}
verdict() { grep -o '"verdict": *"[A-Z]*"' "$1" | head -n 1 | grep -o '[A-Z]*'; }
secret_free() { ! grep -qF "$SECRET" "$TMP/out" "$TMP/err" || fail "the token was printed"; }

# ---- the candidate's first capture is empty: dropped, the rest compared
start_pyro "$TMP/one" --profiles "v1=$B" --profiles "v2=-,$P/c2.pb.gz,$P/c3.pb.gz"
expect_exit 0 compare "$URL" --format json
case "$(verdict "$TMP/out")" in PASS | MARGINAL) ;; *) fail "verdict $(verdict "$TMP/out")" ;; esac
contains "$TMP/out" "candidate $URL/debug/pprof/profile?seconds=0&version=v2&token=REDACTED: 2 of 3 captures have samples; 1 empty capture dropped (1)"
grep -q '"runs": 2,' "$TMP/out" || fail "the candidate should have 2 runs"
grep -q '"runs": 3,' "$TMP/out" || fail "the base should have 3 runs"
lacks "$TMP/out" "base $URL"
[ "$(log_count "$TMP/one" 'GET /debug/pprof/profile')" = 6 ] || fail "want 6 captures"
secret_free
# the text report carries the same warning
expect_exit 0 compare "$URL"
contains "$TMP/out" "2 of 3 captures have samples; 1 empty capture dropped (1)"
secret_free

# ---- no candidate capture has samples: INCONCLUSIVE, never a pass
start_pyro "$TMP/none" --profiles "v1=$B" --profiles "v2=-"
expect_exit 0 compare "$URL" --format json
[ "$(verdict "$TMP/out")" = INCONCLUSIVE ] || fail "no candidate samples: $(verdict "$TMP/out")"
contains "$TMP/out" "the candidate has no samples"
contains "$TMP/out" '"empty_side": "candidate"'
contains "$TMP/out" "0 of 3 captures have samples; 3 empty captures dropped (1-3)"
secret_free
expect_exit 1 compare "$URL" --inconclusive fail
contains "$TMP/out" "INCONCLUSIVE  no candidate samples to compare"

# ---- neither side has samples: an error naming the endpoint (exit 3)
start_pyro "$TMP/empty" --profiles "v1=-" --profiles "v2=-"
expect_exit 3 compare "$URL"
contains "$TMP/err" "neither side has samples in any capture of $URL/debug/pprof/profile?seconds=0&version=v1&token=REDACTED or the other URLs"
[ ! -s "$TMP/out" ] || fail "a report was written without data"
secret_free
# ... which --on-error pass lets through, as any failed fetch
expect_exit 0 compare "$URL" --on-error pass --format json
[ "$(verdict "$TMP/out")" = ERROR ] || fail "on-error pass: $(verdict "$TMP/out")"
exit 0
