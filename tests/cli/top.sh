# flamegate top: golden TSV for every corpus profile, formats, errors.
. tests/cli/lib.sh
need_corpus
for f in "$CORPUS"/profiles/*.pb.gz; do
    n=$(basename "$f" .pb.gz)
    expect_exit 0 $FG top --format tsv --sample-type all --sort name "$f"
    cmp -s "$TMP/out" "$CORPUS/golden/$n.tsv" || fail "top tsv differs for $n"
done
expect_exit 0 $FG top --top 5 "$CORPUS/profiles/go-sample-cpu.pb.gz"
contains "$TMP/out" "runtime.mapiternext"
contains "$TMP/out" "1.28s"
[ "$(grep -c '%' "$TMP/out")" -ge 5 ] || fail "too few rows"
expect_exit 0 $FG top --format json "$CORPUS/profiles/go-heap.pb.gz"
contains "$TMP/out" '"unit": "bytes"'
# stdin
expect_exit 0 $FG top - < "$CORPUS/profiles/go-fib-cpu.pb.gz"
contains "$TMP/out" "File: <stdin>"
# malformed: exit 2, one line naming the file
expect_exit 2 $FG top "$CORPUS/malformed/truncated-gzip.pb.gz"
contains "$TMP/err" "truncated-gzip.pb.gz: truncated gzip stream"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "error is not one line"
expect_exit 2 $FG top "$CORPUS/malformed/truncated-protobuf.pb"
contains "$TMP/err" "truncated-protobuf.pb: not a valid pprof profile"
# invalid UTF-8 names: terminal output has no raw control bytes
expect_exit 0 $FG top --top 1000 "$CORPUS/malformed/invalid-utf8.pb.gz"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/out"; then fail "control bytes in output"; fi
expect_exit 0 $FG top --format json "$CORPUS/malformed/invalid-utf8.pb.gz"
# usage errors
expect_exit 2 $FG top
contains "$TMP/err" "no profile given"
expect_exit 2 $FG top --format xml x
contains "$TMP/err" "unknown format 'xml'"
expect_exit 2 $FG top --sample-type nope "$CORPUS/profiles/go-heap.pb.gz"
contains "$TMP/err" "no sample type 'nope' (available: alloc_objects/count"
expect_exit 2 $FG top /nonexistent/x.pb.gz
contains "$TMP/err" "cannot open '/nonexistent/x.pb.gz'"
expect_exit 0 $FG top --help
contains "$TMP/out" "usage: flamegate top"
expect_exit 0 $FG --version
contains "$TMP/out" "flamegate "
