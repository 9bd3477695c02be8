# flamegate compare with pprof's sample filters (a slice of each run),
# --top 0, the gate's own patterns (--gate-only, --gate-ignore), renamed
# config keys, units of percentages, unknown FLAMEGATE_* variables and
# two-count folded files.
. tests/cli/lib.sh
need_corpus
for v in $(env | sed -n 's/^\(FLAMEGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
L="$CORPUS/profiles/go-cpu-labels.pb.gz"
K="$CORPUS/replicates/kafka-java-cpu"
# json_has TEXT: the JSON report in $TMP/out, without blanks, holds TEXT
json_has() {
    tr -d ' \n' <"$TMP/out" | grep -qF -- "$1" || fail "the JSON lacks $1"
}
# --tagfocus compares that slice: the counts are those of the slice
expect_exit 0 $FG compare --format json --min-samples 100 \
    --tagfocus function=slow "$L" "$L"
contains "$TMP/out" '"total": 674'
contains "$TMP/out" "sample filters applied (1, see the settings): 325 of 480 sample records of the base and 325 of 480 of the candidate kept"
# ... and the JSON settings list the filter (only what is set)
json_has '"tagfocus":["function=slow"]'
lacks "$TMP/out" '"focus": ['
lacks "$TMP/out" '"split":'
expect_exit 0 $FG compare --format json --min-samples 100 "$L" "$L"
contains "$TMP/out" '"total": 873'
# --tagignore drops a slice: what has no function label stays
expect_exit 0 $FG compare --format json --min-samples 100 \
    --base "$L" --candidate "$L" --tagignore function=fast
contains "$TMP/out" '"total": 723'
# filters that match nothing say so once for all runs
expect_exit 0 $FG compare --min-samples 1 --tagfocus function=fast \
    --focus 'no such function' "$L" "$L"
contains "$TMP/err" "every run: --focus matched no samples"
# bad filters are usage errors naming the flag
expect_exit 2 $FG compare --tagfocus 'k=(' "$L" "$L"
contains "$TMP/err" "--tagfocus: invalid regular expression '(' in 'k=(': "
expect_exit 2 $FG compare --show-from 'a{1000}' "$L" "$L"
contains "$TMP/err" "--show-from"
# the gate's own patterns: which functions are tested
expect_exit 0 $FG compare --gate-only '^main\.' --gate-ignore '^runtime\.' \
    --focus main --hide '^runtime\.goexit$' \
    --format json --min-samples 100 "$L" "$L"
json_has '"gate_only":["^main\\."]'
json_has '"gate_ignore":["^runtime\\."]'
json_has '"focus":["main"]'
json_has '"hide":["^runtime\\.goexit$"]'
expect_exit 2 $FG compare --gate-only '(' "$L" "$L"
contains "$TMP/err" "invalid regular expression '('"
# --top 0: every row of every table
expect_exit 0 $FG compare -n 1 "$K/cpu-0.pb.gz" "$K/cpu-3.pb.gz"
contains "$TMP/out" "more (raise --top; --top 0 shows all)"
expect_exit 0 $FG compare -n 0 "$K/cpu-0.pb.gz" "$K/cpu-3.pb.gz"
lacks "$TMP/out" "more (raise --top"
expect_exit 0 $FG compare --top 0 --format markdown "$K/cpu-0.pb.gz" "$K/cpu-3.pb.gz"
# percentages: a bare number is percent; min-change refuses 0 < N <= 1
expect_exit 2 $FG compare --min-change 0.5 "$L" "$L"
contains "$TMP/err" "'0.5' for 'min-change' (from command line) is ambiguous: it is in percent; write '0.5%' for 0.5 percent, or '50%' for 50%"
[ "$(grep -c error "$TMP/err")" -eq 1 ] || fail "more than one error line"
expect_exit 0 $FG config --show --min-change 1.5 --min-delta 0.5 --min-share 0.2
grep -qE '^  min-change +1\.5% ' "$TMP/out" || fail "1.5 is not 1.5%"
grep -qE '^  min-share +0\.2% ' "$TMP/out" || fail "0.2 is not 0.2%"
# a mistyped FLAMEGATE_* variable is not ignored silently
FLAMEGATE_MIN_CHNGE=50% expect_exit 0 $FG compare --min-samples 100 "$L" "$L"
contains "$TMP/err" "warning: unknown environment variable FLAMEGATE_MIN_CHNGE is ignored (did you mean FLAMEGATE_MIN_CHANGE?)"
FLAMEGATE_WHATEVER=1 expect_exit 0 $FG config --show
contains "$TMP/err" "unknown environment variable FLAMEGATE_WHATEVER is ignored (no flamegate setting of that name)"
FLAMEGATE_MIN_CHNGE=50% expect_exit 0 $FG compare -q --min-samples 100 "$L" "$L"
lacks "$TMP/err" "FLAMEGATE_MIN_CHNGE"
FLAMEGATE_TAGFOCUS=function=slow FLAMEGATE_BIN=x FLAMEGATE_CONFIG= \
    expect_exit 0 $FG compare --format json --min-samples 100 "$L" "$L"
contains "$TMP/out" '"total": 674'
lacks "$TMP/err" "unknown environment variable"
# config keys whose meaning changed are refused, naming the new ones
printf '{"focus": "^main\\\\."}\n' > "$TMP/old.json"
expect_exit 2 $FG compare --config "$TMP/old.json" "$L" "$L"
contains "$TMP/err" "'focus' is no longer a config key"
contains "$TMP/err" '"gate_only"'
contains "$TMP/err" '"sample_focus"'
printf '{"rules": [{"glob": "main.*", "focus": true}]}\n' > "$TMP/old2.json"
expect_exit 2 $FG compare --config "$TMP/old2.json" "$L" "$L"
contains "$TMP/err" '"focus" is no longer a rule key'
printf '{"sample_focus": "slowFunction", "min_change": "15%%"}\n' > "$TMP/new.json"
expect_exit 0 $FG compare --config "$TMP/new.json" --format json \
    --min-samples 100 "$L" "$L"
contains "$TMP/out" '"total": 696'
# folded files with two counts (flamegate's own --format folded output)
expect_exit 0 $FG compare --format folded --min-samples 1 "$L" "$L"
cp "$TMP/out" "$TMP/diff.folded"
expect_exit 2 $FG compare "$TMP/diff.folded" "$TMP/diff.folded"
contains "$TMP/err" "folded line has two counts"
expect_exit 0 $FG compare --folded-column 2 --min-samples 1 "$TMP/diff.folded" "$TMP/diff.folded"
contains "$TMP/out" "PASS"
expect_exit 0 $FG compare --folded-column 2 --min-samples 1 --format json "$TMP/diff.folded" "$TMP/diff.folded"
contains "$TMP/out" '"folded_column": 2'
# --split: the JSON settings say how many blocks each recording became
C=$(ls "$CORPUS"/formats/cpuprofile/*.cpuprofile 2>/dev/null | head -n 1)
if [ -n "$C" ]; then
    expect_exit 0 $FG compare --split 3 --min-samples 10 --format json "$C" "$C"
    contains "$TMP/out" '"split": 3'
fi
