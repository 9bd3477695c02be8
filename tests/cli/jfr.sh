# jfr.sh - Java Flight Recorder input and --split on the command line: the
# corpus recording (formats/jfr, OpenJDK 17) against itself, its time
# blocks, and the errors of --split.
. tests/cli/lib.sh
C=testdata/corrupt
J=$C/jfr-valid.jfr
# --split: every recording becomes N runs of equal time span
expect_exit 0 $FG compare --min-samples 1 --split 2 -f json $J $J
contains "$TMP/out" "jfr-valid.jfr [1/2]"
contains "$TMP/out" "jfr-valid.jfr [2/2]"
expect_exit 2 $FG compare --split 3 $C/types-cpu.pb $J
contains "$TMP/err" "types-cpu.pb: a pprof profile has no time per sample, so it cannot be split into time blocks (formats that carry one: JFR, cpuprofile, perf script, evented speedscope, OTLP)"
expect_exit 2 $FG compare --split 0 $J $J
contains "$TMP/err" "invalid value '0' for 'split'"
expect_exit 2 $FG compare --split 1001 $J $J
FLAMEGATE_SPLIT=2 expect_exit 0 $FG compare --min-samples 1 -f json $J $J
contains "$TMP/out" "jfr-valid.jfr [2/2]"
expect_exit 0 $FG compare --help
contains "$TMP/out" "--split N"
expect_exit 0 $FG config --split 4
grep -qE "^ *split +4 " "$TMP/out" || fail "config shows no split 4: $(grep split "$TMP/out")"
# the real recording
F=$CORPUS/formats/jfr/work.jfr
[ -f "$F" ] || skip "corpus absent: formats/jfr/work.jfr"
expect_exit 0 $FG top --format tsv --sample-type all --top 0 "$F"
contains "$TMP/out" "$(printf 'Work.hotLoop\t385\t385')"
if command -v python3 >/dev/null 2>&1; then
    python3 tests/cli/jfr_golden.py "$TMP/out" "$CORPUS"/formats/jfr/*.golden.tsv ||
        fail "top differs from the golden tables"
else
    echo "SKIP: python3 not installed: golden tables checked by check_jfr only"
fi
expect_exit 0 $FG compare --min-samples 100 "$F" "$F"
contains "$TMP/out" "PASS"
expect_exit 0 $FG compare --min-samples 50 --split 4 "$F" "$F"
contains "$TMP/out" "4 runs, 454 samples"
contains "$TMP/out" "PASS"
