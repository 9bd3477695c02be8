# formats_corpus.sh - the real recordings of ../shared/corpus/formats (one
# per input format) through the command line: `flamegate top --format tsv
# --sample-type all --top 0` gives every golden flat and cum exactly
# (tests/cli/formats_reference.py golden), and each file compared against
# itself passes (a two-sided diff: as given alone, its two sides).  The
# Check suite check_formats.c checks the same through the library, with
# the stacks too.  jfr/ is jfr_live.sh's and check_jfr's.
. tests/cli/lib.sh
F=$CORPUS/formats
[ -d "$F" ] || skip "corpus formats absent at $F"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
while read -r file golden; do
    expect_exit 0 $FG top --format tsv --sample-type all --top 0 "$F/$file"
    cp "$TMP/out" "$TMP/fg.tsv"
    python3 tests/cli/formats_reference.py golden "$F/$golden" "$TMP/fg.tsv" \
        >"$TMP/cmp.txt" ||
        fail "$file: top differs from $golden: $(head -20 "$TMP/cmp.txt")"
    case $file in
    *.diff.json) args=("$F/$file") ;;
    *) args=("$F/$file" "$F/$file") ;;
    esac
    expect_exit 0 $FG compare --min-samples 100 "${args[@]}"
    contains "$TMP/out" "PASS"
    echo "$file: golden values and self-compare agree"
done <<'LIST'
cpuprofile/work.cpuprofile cpuprofile/work.golden.tsv
flamebearer/jfr-cpu.single.json flamebearer/jfr-cpu.single.golden.tsv
flamebearer/jfr-cpu.diff.json flamebearer/jfr-cpu.diff.golden.tsv
speedscope/work.evented.speedscope.json speedscope/work.evented.speedscope.golden.tsv
perf/work.perf.script.txt perf/work.perf.golden.tsv
otlp/work-cpu.otlp.pb otlp/work-cpu.otlp.golden.tsv
otlp/work-cpu.otlp.json otlp/work-cpu.otlp.golden.tsv
otlp/work-alloc-total.otlp.pb otlp/work-alloc-total.otlp.golden.tsv
otlp/work-alloc-total.otlp.json otlp/work-alloc-total.otlp.golden.tsv
LIST
