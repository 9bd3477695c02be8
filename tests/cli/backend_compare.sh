# backend_compare.sh - comparing through a fake Pyroscope
# (tests/tools/fg-fakepyro) with --runs 4 gives the same verdict and exit
# code as "flamegate compare" of the same profiles read from files: the
# corpus Kafka replicates (A/A; each side maps its windows to the
# replicates in another order) and synthetic runs with a 1.5x regression.
# Two routes: "flamegate fetch --runs 4" of each side into directories
# then "flamegate compare" of those, and "flamegate compare --backend
# pyroscope --runs 4" directly (skipped until compare accepts --backend).
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

T0=1704067200      # 2024-01-01T00:00:00Z; four windows of 100 s
sel=(--backend pyroscope --selector '{service_name="kafka"}'
     --version-label version --base-version v1 --candidate-version v2
     --from $T0 --until $((T0 + 400)) --runs 4)
direct=true
$FG compare --help 2>/dev/null | grep -q -- '--backend' || {
    direct=false
    echo "SKIP: flamegate compare has no --backend yet; fetch route only"
}

verdict() { grep -o '"verdict": *"[A-Z]*"' "$1" | head -n 1 | grep -o '[A-Z]*'; }

# same_verdict NAME BASE_FILES CAND_FILES (comma-separated, window order)
same_verdict() {
    local name=$1 base=$2 cand=$3 i=0 f d=$TMP/$1
    mkdir -p "$d/b" "$d/c"
    for f in ${base//,/ }; do i=$((i + 1)); cp "$f" "$d/b/run-$i.pb.gz"; done
    i=0
    for f in ${cand//,/ }; do i=$((i + 1)); cp "$f" "$d/c/run-$i.pb.gz"; done
    start_pyro "$d/srv" --profiles "v1=$base" --profiles "v2=$cand" \
        --t0 "${T0}000" --window 100000
    $FG compare --format json "$d/b" "$d/c" >"$d/files.json" 2>"$d/files.err"
    local want=$? vw
    vw=$(verdict "$d/files.json")
    [ -n "$vw" ] || { cat "$d/files.err" >&2; fail "$name: no verdict from files"; }

    # Route 1: fetch both sides, compare the directories.
    expect_exit 0 $FG fetch "${sel[@]}" --url "$URL" --side base -o "$d/fb/"
    expect_exit 0 $FG fetch "${sel[@]}" --url "$URL" --side candidate -o "$d/fc/"
    $FG compare --format json "$d/fb" "$d/fc" >"$d/fetched.json" 2>"$d/fetched.err"
    local got=$?
    [ $got = $want ] || fail "$name: exit $got via fetch, $want from files"
    [ "$(verdict "$d/fetched.json")" = "$vw" ] ||
        fail "$name: verdict '$(verdict "$d/fetched.json")' via fetch, '$vw' from files"
    [ "$(log_count "$d/srv" SelectMergeStacktraces)" = 8 ] || fail "$name: expected 8 queries"

    # Route 2: compare straight from the backend.
    if $direct; then
        $FG compare "${sel[@]}" --url "$URL" --format json >"$d/backend.json" 2>"$d/backend.err"
        got=$?
        [ $got = $want ] || { cat "$d/backend.err" >&2; fail "$name: exit $got via --backend, $want from files"; }
        [ "$(verdict "$d/backend.json")" = "$vw" ] ||
            fail "$name: verdict '$(verdict "$d/backend.json")' via --backend, '$vw' from files"
        [ "$(log_count "$d/srv" SelectMergeStacktraces)" = 16 ] || fail "$name: expected 8 more queries"
    fi
    echo "$name: $vw (exit $want)"
}

if [ -d "$CORPUS/replicates/kafka-java-cpu" ]; then
    K=$CORPUS/replicates/kafka-java-cpu
    same_verdict kafka "$K/cpu-0.pb.gz,$K/cpu-1.pb.gz,$K/cpu-2.pb.gz,$K/cpu-3.pb.gz" \
        "$K/cpu-2.pb.gz,$K/cpu-3.pb.gz,$K/cpu-0.pb.gz,$K/cpu-1.pb.gz"
    [ "$(verdict "$TMP/kafka/files.json")" != FAIL ] || fail "kafka A/A failed"
else
    echo "SKIP: corpus absent, Kafka replicates not compared"
fi

GEN=$(tool fg-gen) || skip "fg-gen not built"
mkdir -p "$TMP/gen"
gen() { "$GEN" --plain-names --types 1 --samples 20000 --runs 4 "$@" 2>/dev/null || fail "fg-gen $*"; }
gen --run-seed 11 -o "$TMP/gen/b.pb.gz"
gen --run-seed 12 --regress @0.05:1.5 -o "$TMP/gen/c.pb.gz"
g=$TMP/gen
same_verdict synthetic "$g/b-1.pb.gz,$g/b-2.pb.gz,$g/b-3.pb.gz,$g/b-4.pb.gz" \
    "$g/c-1.pb.gz,$g/c-2.pb.gz,$g/c-3.pb.gz,$g/c-4.pb.gz"
[ "$(verdict "$TMP/synthetic/files.json")" = FAIL ] || fail "synthetic regression not caught"
exit 0
