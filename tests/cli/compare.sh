# flamegate compare: exit codes, sources, policies, outputs.
. tests/cli/lib.sh
need_corpus
K="$CORPUS/replicates/kafka-java-cpu"
L="$CORPUS/profiles/go-large-cpu.pb.gz"
# A profile against itself passes.
expect_exit 0 $FG compare "$L" "$L"
contains "$TMP/out" "PASS"
# Directories and globs: each file one run.
mkdir -p "$TMP/b" "$TMP/c"
cp "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz" "$TMP/b/"
cp "$K/cpu-2.pb.gz" "$K/cpu-3.pb.gz" "$TMP/c/"
expect_exit 0 $FG compare "$TMP/b" "$TMP/c"
contains "$TMP/out" "2 runs"
expect_exit 0 $FG compare --base "$TMP/b/*.pb.gz" --candidate "$TMP/c/*.pb.gz" --format json
contains "$TMP/out" '"schema_version": 2'
# Too few samples: INCONCLUSIVE, exit 0 by default, 1 with --inconclusive fail.
expect_exit 0 $FG compare "$CORPUS/profiles/go-sample-cpu.pb.gz" "$CORPUS/profiles/go-sample-cpu.pb.gz"
contains "$TMP/out" "INCONCLUSIVE"
expect_exit 1 $FG compare --inconclusive fail "$CORPUS/profiles/go-sample-cpu.pb.gz" "$CORPUS/profiles/go-sample-cpu.pb.gz"
# Mismatched sample types: exit 2 naming both.
expect_exit 2 $FG compare "$CORPUS/profiles/go-heap.pb.gz" "$L"
contains "$TMP/err" "different sample types"
# --on-error pass turns 2 into 0 with a warning.
expect_exit 0 $FG compare --on-error pass "$CORPUS/malformed/truncated-gzip.pb.gz" "$L"
contains "$TMP/err" "--on-error pass"
# Several reports in one run, written atomically.
expect_exit 0 $FG compare -o markdown="$TMP/r.md" -o json="$TMP/r.json" "$L" "$L"
contains "$TMP/r.md" "<!-- flamegate:default -->"
contains "$TMP/r.json" '"verdict": "PASS"'
ls "$TMP" | grep -q 'tmp\.' && fail "temporary file left behind"
# A failed run leaves no report behind.
expect_exit 2 $FG compare -o json="$TMP/bad.json" "$CORPUS/malformed/truncated-gzip.pb.gz" "$L"
[ ! -e "$TMP/bad.json" ] || fail "report written on failure"
# Usage errors.
expect_exit 2 $FG compare "$L"
contains "$TMP/err" "give BASE CANDIDATE"
expect_exit 2 $FG compare --alpha 2 "$L" "$L"
contains "$TMP/err" "alpha"
expect_exit 2 $FG compare --ignore '(' "$L" "$L"
contains "$TMP/err" "invalid regular expression"
expect_exit 2 $FG compare "$TMP/empty-dir-does-not-exist" "$L"
mkdir "$TMP/empty"
expect_exit 2 $FG compare "$TMP/empty" "$L"
contains "$TMP/err" "contains no profiles"
# Environment settings apply; flags win.
FLAMEGATE_FORMAT=json expect_exit 0 $FG compare "$L" "$L"
contains "$TMP/out" '"schema_version"'
FLAMEGATE_FORMAT=json expect_exit 0 $FG compare --format markdown "$L" "$L"
contains "$TMP/out" "<!-- flamegate:"
expect_exit 0 $FG compare --help
contains "$TMP/out" "Exit codes"
# -vv: the time of each step on standard error; the report is the same
# (apart from the settings line, which repeats the command line)
expect_exit 0 $FG compare -f json "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
grep -v '"settings":' "$TMP/out" > "$TMP/quiet.json"
lacks "$TMP/err" "time:"
expect_exit 0 $FG compare -v -f json "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
lacks "$TMP/err" "time:"
contains "$TMP/err" "compared 1 base and 1 candidate run(s) in"
expect_exit 0 $FG compare -vv -f json -o html="$TMP/t.html" "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
grep -v '"settings":' "$TMP/out" | cmp -s - "$TMP/quiet.json" ||
    fail "-vv changed the report"
contains "$TMP/err" "time: loading "
contains "$TMP/err" "time: comparison: digests "
contains "$TMP/err" ", other rows "
contains "$TMP/err" ", row order "
contains "$TMP/err" "time: flame tree "
contains "$TMP/err" "time: reports "
# every step's time is a number of seconds
grep -o '[a-z -]* [0-9]*\.[0-9]* s' "$TMP/err" | grep -c ' s$' > "$TMP/n"
[ "$(cat "$TMP/n")" -ge 10 ] || fail "-vv printed $(cat "$TMP/n") step times"
