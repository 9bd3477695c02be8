# catalogue.sh - the catalogue of bad inputs (issue 7): every case has its
# expected exit code and message, and no case may crash, hang, print a
# sanitizer report or leave a half-written file behind.
#
# Inputs are testdata/corrupt/* (written by tests/tools/fg-mkbad gen; see
# testdata/corrupt/README.md) plus large ones generated here.  Report files
# are checked with fg-mkbad check-json / check-text (JSON parses, no NaN or
# infinity; text is valid UTF-8 without control characters).
#
# A case that fails today because of a known bug in another module is run
# through `known BUG-ID FUNCTION`: it prints "SKIP: known bug ..." while it
# fails and fails the script once it passes, so the marker is removed
# together with the fix.
. tests/cli/lib.sh

tool() {
    local d
    for d in "$(dirname "$FG_BIN")" build; do
        [ -x "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
    done
    return 1
}
MKBAD=$(tool fg-mkbad) || skip "fg-mkbad not built"
C=testdata/corrupt
[ -f $C/empty.pb ] || fail "testdata/corrupt is missing"
under_valgrind=false
case "${EXEC_PREFIX:-}" in *valgrind*) under_valgrind=true ;; esac

# The generator and the committed files agree (the files are its output).
mkdir "$TMP/gen"
"$MKBAD" gen "$TMP/gen" || fail "fg-mkbad gen failed"
for f in "$TMP"/gen/*; do
    cmp -s "$f" "$C/$(basename "$f")" ||
        fail "testdata/corrupt/$(basename "$f") differs from 'fg-mkbad gen' (regenerate it)"
done

# bad EXIT MESSAGE CMD...: exit code and message; nothing on stdout; one
# line on stderr; no sanitizer or allocator noise.
bad() {
    local want=$1 msg=$2
    shift 2
    expect_exit "$want" "$@"
    contains "$TMP/err" "$msg"
    [ ! -s "$TMP/out" ] || fail "output despite the error: $(head -c 200 "$TMP/out")"
    [ "$(grep -cv '^flamegate: warning' "$TMP/err")" -le 2 ] ||
        fail "more than an error line and a hint: $(cat "$TMP/err")"
    lacks "$TMP/err" "out of memory"
    lacks "$TMP/err" "Sanitizer"
    lacks "$TMP/err" "runtime error"
}

known() { # BUG-ID FUNCTION
    local id=$1
    shift
    if ("$@") >"$TMP/known.log" 2>&1; then
        fail "known bug $id no longer reproduces: remove its 'known' marker"
    fi
    echo "SKIP: known bug $id: $(grep -m1 '^FAIL:' "$TMP/known.log" | head -c 300)"
}

# ---- decoding: one message per way a profile can be wrong ---------------
bad 2 "empty.pb: empty file" $FG top $C/empty.pb
bad 2 "<stdin>: empty file" $FG top - </dev/null
bad 2 "sample 0 has 1 values but the profile has 2 sample types" $FG top $C/wrong-value-count.pb
bad 2 "function with id 0" $FG top $C/id-zero-function.pb
bad 2 "location with id 0" $FG top $C/id-zero-location.pb
bad 2 "mapping with id 0" $FG top $C/id-zero-mapping.pb
bad 2 "duplicate function id 2" $FG top $C/duplicate-function-id.pb
bad 2 "duplicate location id 20" $FG top $C/duplicate-location-id.pb
bad 2 "duplicate mapping id 1" $FG top $C/duplicate-mapping-id.pb
bad 2 "sample 0 refers to missing location id 77" $FG top $C/missing-location.pb
bad 2 "location 50 refers to missing function id 55" $FG top $C/missing-function.pb
bad 2 "location 50 refers to missing mapping id 9" $FG top $C/missing-mapping.pb
bad 2 "function.name refers to string 99 but the string table has 9 entries" \
    $FG top $C/string-index-out-of-range.pb
bad 2 "sample_type refers to string -1" $FG top $C/string-index-negative.pb
bad 2 "no-empty-string.pb: not a valid pprof profile: the string table must start with the empty string" \
    $FG top $C/no-empty-string.pb
bad 2 "truncated.pb: not a valid pprof profile: truncated" $FG top $C/truncated.pb
bad 2 "truncated.pb.gz: truncated gzip stream" $FG top $C/truncated.pb.gz
bad 2 "folded-no-count.txt:3: folded stack line has no count" $FG top $C/folded-no-count.txt
bad 2 "not-a-profile.txt: not a profile" $FG top $C/not-a-profile.txt
bad 2 "nul-bytes.bin: not a profile" $FG top $C/nul-bytes.bin
bad 2 "folded-bad-count.txt: not a profile" $FG top $C/folded-bad-count.txt
# Java Flight Recorder: one message per way a recording can be wrong
bad 2 "jfr-truncated.jfr: not a valid JFR file: chunk size past the end of the file" $FG top $C/jfr-truncated.jfr
bad 2 "jfr-bad-version.jfr: JFR version 3.1 is not supported" $FG top $C/jfr-bad-version.jfr
bad 2 "jfr-bad-magic.jfr: not a valid JFR file: no chunk magic" $FG top $C/jfr-bad-magic.jfr
bad 2 "jfr-cp-range.jfr: not a valid JFR file: symbol 99 is not in the constant pool" $FG top $C/jfr-cp-range.jfr
bad 2 "jfr-missing-stack.jfr: not a valid JFR file: 4 of 7 events of the chunk at byte 0 refer to a stack trace that is not in the constant pool (first: stack trace 7)" $FG top $C/jfr-missing-stack.jfr
bad 2 "jfr-huge-count.jfr: not a valid JFR file: array length 2147483647 is negative or past the end" $FG top $C/jfr-huge-count.jfr
bad 2 "jfr-chunk-size.jfr: not a valid JFR file: chunk size past the end of the file" $FG top $C/jfr-chunk-size.jfr
bad 2 "jfr-varint-overflow.jfr: not a valid JFR file: varint overflows a 32-bit int" $FG top $C/jfr-varint-overflow.jfr
bad 2 "jfr-valid.jfr: a stack of 3 frames is deeper than 2" $FG top --max-stack-depth 2 $C/jfr-valid.jfr
bad 2 "jfr-valid.jfr: more than 5 samples" $FG top --max-samples 5 $C/jfr-valid.jfr
expect_exit 0 $FG top -f tsv -t all $C/jfr-valid.jfr
cp "$TMP/out" "$TMP/valid.tsv"
expect_exit 0 $FG top -f tsv -t all $C/jfr-prev-chunk-stack.jfr
cmp -s "$TMP/out" "$TMP/valid.tsv" || fail "a stack trace of the previous chunk is not used"
for f in jfr-valid.jfr jfr-fixed-ints.jfr; do
    expect_exit 0 $FG top -f tsv -t all $C/$f
    contains "$TMP/out" "$(printf 'java/lang/String.indexOf\t')"
done
expect_exit 0 $FG top -f tsv -t all $C/jfr-valid.jfr
contains "$TMP/out" "$(printf '#sample_type\tcpu\tnanoseconds\ttotal\t100000000')"
contains "$TMP/out" "$(printf 'Main.work\t6\t10')"
contains "$TMP/out" "$(printf '#sample_type\tpark_delay\tnanoseconds\ttotal\t10000000')"
# the input formats of issue 18 (tests/lib/badformats.c): cut short,
# references out of range, cyclic parents, huge numbers
bad 2 "flamebearer-truncated.json: invalid JSON" $FG top $C/flamebearer-truncated.json
bad 2 "flamebearer-bad-offsets.json: not valid flame-graph JSON: level 3 node 0: it lies outside its parent" $FG top $C/flamebearer-bad-offsets.json
bad 2 "flamebearer-name-range.json: not valid flame-graph JSON: level 3 node 0: name index 99 but names has 4 entries" $FG top $C/flamebearer-name-range.json
bad 2 "flamebearer-huge-count.json: not valid flame-graph JSON: level 1 node 1: offsets overflow" $FG top $C/flamebearer-huge-count.json
bad 2 "flamebearer-wrong-size.json: not valid flame-graph JSON: level 0 has 4 numbers, not a multiple of 7" $FG top $C/flamebearer-wrong-size.json
bad 2 "cpuprofile-truncated.cpuprofile: invalid JSON" $FG top $C/cpuprofile-truncated.cpuprofile
bad 2 "cpuprofile-cycle.cpuprofile: not a valid cpuprofile: the parents of node 3 form a cycle" $FG top $C/cpuprofile-cycle.cpuprofile
bad 2 "cpuprofile-two-parents.cpuprofile: not a valid cpuprofile: node 3 has two parents (also 2)" $FG top $C/cpuprofile-two-parents.cpuprofile
bad 2 "cpuprofile-missing-node.cpuprofile: not a valid cpuprofile: sample 1 refers to node 99, which is not in nodes" $FG top $C/cpuprofile-missing-node.cpuprofile
bad 2 "cpuprofile-missing-child.cpuprofile: not a valid cpuprofile: node 1 lists child 77, which is not a node" $FG top $C/cpuprofile-missing-child.cpuprofile
bad 2 "cpuprofile-huge-time.cpuprofile: not a valid cpuprofile: sample 0: time overflows" $FG top $C/cpuprofile-huge-time.cpuprofile
bad 2 "speedscope-unbalanced.json: not a valid speedscope file: profile 0: event 2 closes a frame that is not the innermost open one" $FG top $C/speedscope-unbalanced.json
bad 2 "speedscope-unclosed.json: not a valid speedscope file: profile 0: 1 frames are never closed" $FG top $C/speedscope-unclosed.json
bad 2 "speedscope-frame-range.json: not a valid speedscope file: sample 0 refers to frame out of range but shared.frames has 2 entries" $FG top $C/speedscope-frame-range.json
bad 2 "speedscope-huge-weight.json: not a valid speedscope file: profile 0: weight 0 is not a number in range" $FG top $C/speedscope-huge-weight.json
bad 2 "perf-huge-period.txt:1: the period overflows" $FG top $C/perf-huge-period.txt
bad 2 "otlp-truncated.pb: not a valid OpenTelemetry profile: malformed protobuf (truncated or corrupt)" $FG top $C/otlp-truncated.pb
bad 2 "otlp-stack-range.pb: not a valid OpenTelemetry profile: profile 0 sample 0 refers to stack 7 but the stack table has 2 entries" $FG top $C/otlp-stack-range.pb
bad 2 "otlp-string-range.pb: not a valid OpenTelemetry profile: a function's name refers to string 50 but the string table has 5 entries" $FG top $C/otlp-string-range.pb
bad 2 "otlp-location-range.json: not a valid OpenTelemetry profile: stack 1 refers to location 9 but the location table has 2 entries" $FG top $C/otlp-location-range.json
bad 2 "otlp-mismatch.json: not a valid OpenTelemetry profile: profile 0 sample 0 has 2 values but 1 timestamps" $FG top $C/otlp-mismatch.json
bad 2 "otlp-huge-count.pb: sample values overflow a 64-bit sum" $FG top $C/otlp-huge-count.pb
bad 2 "otlp-valid.pb: more than 2 samples (raise the limit with --max-samples)" $FG top --max-samples 2 $C/otlp-valid.pb
bad 2 "otlp-valid.pb: a stack deeper than 1 frames (raise the limit with --max-stack-depth)" $FG top --max-stack-depth 1 $C/otlp-valid.pb
expect_exit 0 $FG top -f tsv -t all $C/otlp-valid.pb
contains "$TMP/out" "$(printf '#sample_type\tcpu\tcount\ttotal\t15')"
contains "$TMP/out" "$(printf 'leaf\t15\t15')"
expect_exit 0 $FG top -f tsv -t all $C/perf-cut.txt
contains "$TMP/out" "$(printf 'hot_loop\t2\t2')"
contains "$TMP/out" "$(printf 'main\t0\t1')"
# a two-sided file: top prints both sides; compare takes it alone, or one
# side per flag; one source holding one profile is a usage error
expect_exit 0 $FG top -f tsv -t all $C/flamebearer-diff.json
contains "$TMP/out" "$(printf '#side\tcandidate')"
contains "$TMP/out" "$(printf 'leaf\t400\t400')"
expect_exit 0 $FG compare $C/flamebearer-diff.json
contains "$TMP/out" "flamebearer-diff.json (candidate side)"
cp "$TMP/out" "$TMP/alone.txt"
expect_exit 0 $FG compare --base $C/flamebearer-diff.json --candidate $C/flamebearer-diff.json
# the same report but for the command line it repeats
diff <(grep -v '^flamegate .*settings:' "$TMP/out") \
    <(grep -v '^flamegate .*settings:' "$TMP/alone.txt") >/dev/null ||
    fail "compare DIFF and --base DIFF --candidate DIFF differ"
bad 2 "a single source must be two-sided" $FG compare $C/types-cpu.pb
# the same errors through compare, on either side
bad 2 "truncated.pb.gz: truncated gzip stream" $FG compare $C/types-cpu.pb $C/truncated.pb.gz
bad 2 "duplicate location id 20" $FG compare $C/duplicate-location-id.pb $C/types-cpu.pb
# shared corpus: real truncated transfers
if [ -d "$CORPUS/malformed" ]; then
    bad 2 "truncated-gzip.pb.gz: truncated gzip stream" $FG top "$CORPUS/malformed/truncated-gzip.pb.gz"
    bad 2 "truncated-protobuf.pb: not a valid pprof profile" $FG top "$CORPUS/malformed/truncated-protobuf.pb"
else
    echo "SKIP: corpus absent: real truncated profiles not checked"
fi

# 100,000 sample types times 100,000 samples in 1 KiB of gzip: the
# decoder must reject it from its size, not try to allocate 80 GB.
types_times_samples() {
    bad 2 "types-times-samples.pb.gz: not a valid pprof profile" \
        $FG top $C/types-times-samples.pb.gz
}
types_times_samples

# ---- values --------------------------------------------------------------
# zero samples: top prints a zero total, compare is INCONCLUSIVE (exit 0)
expect_exit 0 $FG top $C/zero-samples.pb
contains "$TMP/out" "Total: 0   "
expect_exit 0 $FG compare $C/zero-samples.pb $C/zero-samples.pb
contains "$TMP/out" "INCONCLUSIVE"
contains "$TMP/out" "too few samples: base 0, candidate 0"
expect_exit 0 $FG compare -f json -o "json=$TMP/zero.json" $C/zero-samples.pb $C/types-cpu.pb
"$MKBAD" check-json "$TMP/zero.json" || fail "zero-sample JSON"
contains "$TMP/zero.json" '"INCONCLUSIVE"'
expect_exit 1 $FG compare --inconclusive fail $C/zero-samples.pb $C/zero-samples.pb
# negative values (delta profiles): shown as they are, never a NaN
expect_exit 0 $FG top $C/negative-values.pb
contains "$TMP/out" "-210ms"
expect_exit 0 $FG compare -f json $C/negative-values.pb $C/negative-values.pb
"$MKBAD" check-json "$TMP/out" || fail "negative-value JSON"
# a sum that overflows int64 is an error, not a wrapped number
bad 2 "overflow.pb: sample values overflow a 64-bit sum" $FG top -t samples $C/overflow.pb
bad 2 "overflow.pb: sample values overflow a 64-bit sum" $FG compare $C/overflow.pb $C/types-cpu.pb
printf 'a 9000000000000000000\nb 9000000000000000000\n' >"$TMP/ovf.folded"
bad 2 "ovf.folded: sample values overflow a 64-bit sum" $FG top "$TMP/ovf.folded"
# one run fits, but three runs of a side overflow the side's total: the
# counts saturate (compare.c), the verdict is still right and no wrapped
# (negative) total is shown
b=$C/overflow-runs-base.folded c=$C/overflow-runs-cand.folded
expect_exit 1 $FG compare $b $c
contains "$TMP/out" "FAIL"
expect_exit 1 $FG compare -f json -o "text=$TMP/ovr.txt" -b $b -b $b -b $b -c $c -c $c -c $c
"$MKBAD" check-json "$TMP/out" || fail "JSON of overflowing runs"
contains "$TMP/out" '"FAIL"'
lacks "$TMP/out" '"total": -'
lacks "$TMP/ovr.txt" "samples: -"
# mismatched sample types: exit 2 naming both sides
bad 2 "'$C/types-cpu.pb' is cpu/nanoseconds but '$C/types-heap.pb' is alloc_space/bytes" \
    $FG compare $C/types-cpu.pb $C/types-heap.pb

# ---- hostile names: every output stays well formed ---------------------------
for fmt in text markdown json html folded; do
    expect_exit 1 $FG compare -f $fmt $C/names-base.pb $C/names-cand.pb
    cp "$TMP/out" "$TMP/names.$fmt"
done
"$MKBAD" check-json "$TMP/names.json" || fail "JSON report of hostile names"
for fmt in text markdown html folded; do
    "$MKBAD" check-text "$TMP/names.$fmt" || fail "$fmt report of hostile names"
done
contains "$TMP/names.markdown" 'ansi\x1b[31mred'
lacks "$TMP/names.html" "<script>alert(1)</script>"
expect_exit 0 $FG top -f json $C/names-base.pb
"$MKBAD" check-json "$TMP/out" || fail "top JSON of hostile names"
expect_exit 0 $FG top -f text $C/names-base.pb
lacks "$TMP/out" $'\x1b'
# The terminal form of "top" passes U+0085 and U+202E (right-to-left
# override) through; the reports show them as \u{0085} and \u{202E}.
top_display() {
    expect_exit 0 $FG top -f text $C/names-base.pb
    "$MKBAD" check-text "$TMP/out" || fail "top text of hostile names"
}
top_display
if [ -d "$CORPUS/malformed" ]; then
    expect_exit 0 $FG compare -f json --min-samples 1 "$CORPUS/malformed/invalid-utf8.pb.gz" \
        "$CORPUS/malformed/invalid-utf8.pb.gz"
    "$MKBAD" check-json "$TMP/out" || fail "corpus invalid-utf8 JSON"
    expect_exit 0 $FG compare -f markdown --min-samples 1 "$CORPUS/malformed/invalid-utf8.pb.gz" \
        "$CORPUS/malformed/invalid-utf8.pb.gz"
    "$MKBAD" check-text "$TMP/out" || fail "corpus invalid-utf8 markdown"
fi

# ---- deep stacks: 100,000 frames, no stack overflow anywhere ----------------
"$MKBAD" deep 100000 "$TMP/deep.pb.gz" || fail "fg-mkbad deep"
expect_exit 0 $FG top "$TMP/deep.pb.gz"
contains "$TMP/out" "recurse"
for fmt in text markdown json html folded; do
    expect_exit 0 $FG compare --min-samples 1 -f $fmt "$TMP/deep.pb.gz" "$TMP/deep.pb.gz"
done
"$MKBAD" check-text "$TMP/out" || fail "folded report of a deep stack"
bad 2 "sample 0 has a stack of 100001 locations, more than the limit of 1000 (raise it with --max-stack-depth)" \
    $FG top --max-stack-depth 1000 "$TMP/deep.pb.gz"
# distinct functions all the way down (smaller under valgrind: slow, and
# the recursion question is the same)
n=100000
$under_valgrind && n=20000
"$MKBAD" deep $n "$TMP/deepd.pb.gz" distinct || fail "fg-mkbad deep distinct"
expect_exit 0 $FG top --top 5 "$TMP/deepd.pb.gz"
for fmt in json html; do
    expect_exit 0 $FG compare --min-samples 1 -f $fmt -o "folded=$TMP/deepd.folded" \
        "$TMP/deepd.pb.gz" "$TMP/deepd.pb.gz"
done
[ "$(wc -c <"$TMP/deepd.folded")" -gt $((n * 2)) ] || fail "folded report of a deep stack is short"
printf 'f%.0s;' $(seq 100000) >"$TMP/deep.folded"
printf 'leaf 7\nmain 3\n' >>"$TMP/deep.folded"
expect_exit 0 $FG top "$TMP/deep.folded"
contains "$TMP/out" "leaf"

# ---- limits: each names its flag -----------------------------------------------
bad 2 "gzip-bomb.pb.gz: decompresses to more than 1048576 bytes (possible decompression bomb; raise the limit with --max-decompressed-size)" \
    $FG top --max-decompressed-size 1M $C/gzip-bomb.pb.gz
bad 2 "gzip-bomb.pb.gz: decompresses to more than 1048576 bytes" \
    $FG compare --max-decompressed-size 1M $C/types-cpu.pb $C/gzip-bomb.pb.gz
bad 2 "is larger than the input limit of 100 bytes (raise it with --max-input-size)" \
    $FG top --max-input-size 100 $C/names-base.pb
bad 2 "more than 10 bytes of string table (raise the limit with --max-string-table)" \
    $FG compare --max-string-table 10 $C/types-cpu.pb $C/types-cpu.pb
bad 2 "more than 1 samples (raise the limit with --max-samples)" \
    $FG compare --max-samples 1 $C/types-cpu.pb $C/types-cpu.pb
bad 2 "more than 2 locations (raise the limit with --max-locations)" \
    $FG top --max-locations 2 $C/names-base.pb
bad 2 "more than 2 functions (raise the limit with --max-functions)" \
    $FG top --max-functions 2 $C/names-base.pb
bad 2 "sample 0 has 3 labels, more than the limit of 2 (raise it with --max-labels)" \
    $FG top --max-labels 2 $C/labels.pb
mkdir "$TMP/runs"
for i in 1 2 3; do cp $C/types-cpu.pb "$TMP/runs/r$i.pb"; done
bad 2 "base has 3 runs, more than the limit of 2 (raise it with --max-runs)" \
    $FG compare --max-runs 2 "$TMP/runs" $C/types-cpu.pb
bad 2 "--max-samples must be positive" $FG top --max-samples 0 $C/types-cpu.pb
# (--max-response-size: tests/net/check_http.c and tests/net/check_parca.c)

# ---- files and directories ----------------------------------------------------
bad 2 "cannot open '$TMP/missing.pb': No such file or directory" $FG top "$TMP/missing.pb"
# top merges the runs of a directory, as pprof merges its sources
expect_exit 0 $FG top "$TMP/runs"
contains "$TMP/out" "r1.pb and 2 more (merged)"
mkdir "$TMP/empty" "$TMP/hidden"
touch "$TMP/hidden/.keep"
bad 2 "directory '$TMP/empty' contains no profiles" $FG compare "$TMP/empty" $C/types-cpu.pb
bad 2 "directory '$TMP/hidden' contains no profiles" $FG compare $C/types-cpu.pb "$TMP/hidden"
bad 2 "pattern '$TMP/none/*.pb' matches no files" $FG compare "$TMP/none/*.pb" $C/types-cpu.pb
bad 2 "standard input ('-') can be used only once" $FG compare - - <$C/types-cpu.pb
mkdir "$TMP/mixed"
cp $C/types-cpu.pb "$TMP/mixed/a.pb"
cp $C/not-a-profile.txt "$TMP/mixed/b.txt"
bad 2 "$TMP/mixed/b.txt: not a profile" $FG compare "$TMP/mixed" $C/types-cpu.pb
# An unreadable file.  chmod 000 does not stop root (CI runs as root): there
# /proc/self/mem stands in, a file that opens but fails to read (EIO).
cp $C/types-cpu.pb "$TMP/locked.pb"
chmod 000 "$TMP/locked.pb"
if [ "$(id -u)" != 0 ] && ! cat "$TMP/locked.pb" >/dev/null 2>&1; then
    bad 2 "cannot open '$TMP/locked.pb': Permission denied" $FG top "$TMP/locked.pb"
else
    bad 2 "cannot read '/proc/self/mem': Input/output error" $FG top /proc/self/mem
fi
chmod 600 "$TMP/locked.pb"
# standard output that cannot be written (disk full)
if [ -w /dev/full ]; then
    $FG top $C/types-cpu.pb >/dev/full 2>"$TMP/err"
    [ $? = 2 ] || fail "writing to a full disk did not exit 2"
    contains "$TMP/err" "cannot write standard output: No space left on device"
fi

# ---- reports are written atomically; a failed run writes none ------------------
mkdir "$TMP/o"
bad 2 "empty.pb: empty file" $FG compare -o "json=$TMP/o/r.json" -o "markdown=$TMP/o/r.md" \
    $C/empty.pb $C/types-cpu.pb
[ -z "$(ls -A "$TMP/o")" ] || fail "a failed run left files: $(ls -A "$TMP/o")"
expect_exit 2 $FG compare -o "json=$TMP/o/missing-dir/r.json" $C/types-cpu.pb $C/types-cpu.pb
contains "$TMP/err" "cannot create '$TMP/o/missing-dir/r.json"
[ -z "$(ls -A "$TMP/o")" ] || fail "a failed write left files: $(ls -A "$TMP/o")"
# When a later report cannot be written, the earlier ones must not stay
# behind either (a CI step would read a stale or partial set).
partial_outputs() {
    rm -rf "$TMP/o2"
    mkdir "$TMP/o2"
    expect_exit 2 $FG compare -o "json=$TMP/o2/r.json" -o "markdown=$TMP/o2/missing/r.md" \
        $C/types-cpu.pb $C/types-cpu.pb
    [ -z "$(ls -A "$TMP/o2")" ] || fail "a failed run left files: $(ls -A "$TMP/o2")"
}
partial_outputs

# ---- config with wrong types (more in tests/cli/config_errors.sh) -------------
if $FG compare --help 2>/dev/null | grep -q -- '--config'; then
    bad 2 "'rules[2].max_share' must be a number" \
        $FG compare --config testdata/config/bad-type.json $C/types-cpu.pb $C/types-cpu.pb
else
    echo "SKIP: compare has no --config yet"
fi
# A backend that answers with an HTML page: tests/net/check_backend.c
# (pyroscope_html_page_is_a_clear_error), tests/net/check_parca.c and
# tests/net/check_http.c (html_error_shows_title); tests/input/check_catalogue.c
# checks servers that echo the credentials back.
exit 0
