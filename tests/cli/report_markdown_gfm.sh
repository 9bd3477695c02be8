# The markdown report renders as GitHub-flavoured markdown (cmark-gfm with
# the table extension): tables have every row, hostile names stay inside
# code spans (no raw <script> in the HTML), <details> blocks render, and a
# 100,000-function report stays under GitHub's 65,536-character limit.
. tests/cli/lib.sh
command -v cmark-gfm >/dev/null || skip "cmark-gfm not installed (apt-get install cmark-gfm)"
TOOL="$(dirname "$FG_BIN")/fg-report-check"
[ -x "$TOOL" ] || TOOL=build/fg-report-check
[ -x "$TOOL" ] || skip "fg-report-check not built"
# --unsafe keeps raw HTML, so any markup a name injected would show up.
render() { cmark-gfm --unsafe -e table "$1" > "$2" || fail "cmark-gfm failed on $1"; }
count() { grep -o -- "$2" "$1" | wc -l; }

"$TOOL" sample markdown > "$TMP/sample.md" || fail "fg-report-check sample"
render "$TMP/sample.md" "$TMP/sample.html"
# 2 regressions, 1 marginal, 2 improvements, 1 budget, 2 new, 1 vanished
# and 8 tested: one function cell (left-aligned code span) per row.
got=$(count "$TMP/sample.html" '<td align="left"><code>')
[ "$got" = 17 ] || fail "expected 17 function cells, got $got"
[ "$(count "$TMP/sample.html" '<table>')" = 8 ] || fail "expected 8 tables"
lacks "$TMP/sample.html" "<script"
lacks "$TMP/sample.html" "<b>markup"
contains "$TMP/sample.html" '<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>'
contains "$TMP/sample.html" '<code>`tick``|pipe</code>'
contains "$TMP/sample.html" '<code>bad\xff\xfe name\twith\ttabs\nand a newline</code>'
contains "$TMP/sample.html" '<!-- flamegate:perf-gate -->'
contains "$TMP/sample.html" '<h3>:x: flamegate: <strong>FAIL</strong>'
contains "$TMP/sample.html" '<details><summary>Method and settings</summary>'
[ "$(count "$TMP/sample.html" '</details>')" = 2 ] || fail "details not closed"
# Markdown inside <details> rendered (needs the blank lines).
contains "$TMP/sample.html" '<td align="left">normalization</td>'

"$TOOL" big 100000 markdown > "$TMP/big.md" || fail "fg-report-check big"
size=$(wc -c < "$TMP/big.md")
chars=$(LC_ALL=C.UTF-8 wc -m < "$TMP/big.md")
[ "$size" -lt 65536 ] && [ "$chars" -lt 65536 ] || fail "100,000 functions: $size bytes, $chars characters"
contains "$TMP/big.md" "rows left out to stay under GitHub's 65,536-character limit"
render "$TMP/big.md" "$TMP/big.html"
rows=$(grep -c '^| `' "$TMP/big.md")
cells=$(count "$TMP/big.html" '<td align="left"><code>')
[ "$rows" = "$cells" ] || fail "big: $rows table rows in markdown, $cells rendered"
lacks "$TMP/big.html" "<script"

# A real comparison through the command line.
need_corpus
K=$CORPUS/replicates/kafka-java-cpu
expect_exit 0 $FG compare --format markdown "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
render "$TMP/out" "$TMP/kafka.html"
contains "$TMP/kafka.html" "flamegate: <strong>"
contains "$TMP/kafka.html" "<!-- flamegate:default -->"
lacks "$TMP/kafka.html" "<script"
