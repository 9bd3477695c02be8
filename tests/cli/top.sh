# flamegate top: golden TSV for every corpus profile, formats, errors.
. tests/cli/lib.sh
need_corpus
for f in "$CORPUS"/profiles/*.pb.gz; do
    n=$(basename "$f" .pb.gz)
    expect_exit 0 $FG top --format tsv --sample-type all --sort name "$f"
    cmp -s "$TMP/out" "$CORPUS/golden/$n.tsv" || fail "top tsv differs for $n"
done
# --top 0 is every row (pprof's -nodecount=0), in the default order: the
# same rows as pprof's, one check per profile
bad=0
for f in "$CORPUS"/profiles/*.pb.gz; do
    n=$(basename "$f" .pb.gz)
    expect_exit 0 $FG top --format tsv --sample-type all --top 0 "$f"
    awk -F'\t' '/^#sample_type/ { b++; print b "\t0\t" $0; next }
                { print b "\t1\t" $0 }' "$TMP/out" |
        LC_ALL=C sort -t "$(printf '\t')" -k1,1n -k2,2n -k3 | cut -f3- > "$TMP/sorted"
    if ! cmp -s "$TMP/sorted" "$CORPUS/golden/$n.tsv"; then
        echo "FAIL: top --top 0 differs from pprof's values for $n" >&2
        bad=$((bad + 1))
    fi
done
[ "$bad" -eq 0 ] || fail "$bad profiles differ with --top 0"
# --top N picks its rows without sorting them all: they must be the first N
# rows of the full order, in every sort order
bad=0
for f in "$CORPUS"/profiles/*.pb.gz; do
    for sort in flat cum name; do
        expect_exit 0 $FG top --format tsv --sort $sort --top 0 "$f"
        head -n 6 "$TMP/out" > "$TMP/all"
        expect_exit 0 $FG top --format tsv --sort $sort --top 5 "$f"
        cmp -s "$TMP/out" "$TMP/all" || bad=$((bad + 1))
    done
done
[ "$bad" -eq 0 ] || fail "$bad --top 5 listings are not the first 5 rows"
# text: --top 0 shows every function, samples are pprof's count
P="$CORPUS/profiles/go-sample-cpu.pb.gz"
expect_exit 0 $FG top --top 0 "$P"
contains "$TMP/out" "Showing all 14 functions"
[ "$(tail -n +5 "$TMP/out" | wc -l)" -eq 14 ] || fail "--top 0 does not show 14 rows"
contains "$TMP/out" "Samples: 176 (76 records)"
expect_exit 0 $FG top -n 0 --format json "$P"
contains "$TMP/out" '"samples": 176'
contains "$TMP/out" '"records": 76'
# several profiles, a directory or a glob are merged as pprof merges them
mkdir "$TMP/runs"
cp "$P" "$TMP/runs/a.pb.gz"; cp "$P" "$TMP/runs/b.pb.gz"
expect_exit 0 $FG top --format tsv --sort name "$P"
awk -F'\t' 'NR > 1' "$TMP/out" > "$TMP/one"
expect_exit 0 $FG top --format tsv --sort name "$P" "$P"
awk -F'\t' 'NR > 1 { print $1 "\t" $2 / 2 "\t" $3 / 2 }' "$TMP/out" > "$TMP/half"
cmp -s "$TMP/half" "$TMP/one" || fail "two merged copies are not twice one"
contains "$TMP/out" "total	3520000000"
expect_exit 0 $FG top --format tsv "$TMP/runs"
contains "$TMP/out" "total	3520000000"
expect_exit 0 $FG top "$TMP/runs/*.pb.gz"
contains "$TMP/out" "and 1 more (merged)"
expect_exit 2 $FG top "$P" "$CORPUS/profiles/go-heap.pb.gz"
contains "$TMP/err" "cannot merge"
# filters (pprof's semantics: tests/cli/top_pprof.sh against pprof itself)
L="$CORPUS/profiles/go-cpu-labels.pb.gz"
expect_exit 0 $FG top --tagfocus function=slow "$L"
contains "$TMP/out" "Kept by the filters: 6.74s (77.21% of the total)"
contains "$TMP/out" "6.49s   74.34%"
expect_exit 0 $FG top --tagfocus function=nothing "$L"
contains "$TMP/err" "--tagfocus matched no samples"
expect_exit 0 $FG top --tagfocus pod=4242239 "$CORPUS/profiles/dotnet-labels.pb.gz"
contains "$TMP/err" "--tagfocus 'pod=4242239' is read as a numeric range, not a regular expression (as pprof does)"
expect_exit 2 $FG top --focus '(a' "$L"
contains "$TMP/err" "--focus: invalid regular expression"
expect_exit 2 $FG top --focus 'a{1000}' "$L"
contains "$TMP/err" "--focus"
expect_exit 2 $FG top --tagfocus 'k=(' "$L"
contains "$TMP/err" "--tagfocus: invalid regular expression"
# --tags: pprof's -tags (keys and values with their share)
expect_exit 0 $FG top --tags "$L"
contains "$TMP/out" "function: Total 8.24s of 8.73s (94.39%)"
contains "$TMP/out" "6.74s   77.21%  slow"
expect_exit 0 $FG top --tags --format tsv --sample-type samples "$L"
contains "$TMP/out" "function	slow	674"
expect_exit 0 $FG top --tags --format json "$L"
contains "$TMP/out" '"key": "function"'
# folded: two count columns are refused unless one is chosen; rounding
# is said
printf 'main;a 10 30\nmain;b 5 1\n' > "$TMP/diff.folded"
expect_exit 2 $FG top "$TMP/diff.folded"
contains "$TMP/err" "diff.folded:1: folded line has two counts"
contains "$TMP/err" "--folded-column 1 or 2"
expect_exit 0 $FG top --format tsv --folded-column 2 "$TMP/diff.folded"
contains "$TMP/out" "total	31"
contains "$TMP/out" "a	30	30"
expect_exit 0 $FG top --format tsv --folded-column 1 "$TMP/diff.folded"
contains "$TMP/out" "total	15"
expect_exit 2 $FG top --folded-column 3 "$TMP/diff.folded"
printf 'main;a 1.5\nmain;b 2\nmain;c 0.25\n' > "$TMP/frac.folded"
expect_exit 0 $FG top --format tsv "$TMP/frac.folded"
contains "$TMP/err" "frac.folded: 2 lines had a fractional count, rounded to whole samples (first: line 1)"
expect_exit 0 $FG top -q --format tsv "$TMP/frac.folded"
[ ! -s "$TMP/err" ] || fail "--quiet still warns"
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
