# report_html_units.sh - the HTML flame graph's tooltips print values as
# the text and markdown reports do (pprof's units: '120s', '1.50s',
# '458.03MB', powers of 1024): the script's unit block (between
# "units: begin" and "units: end" in src/report/report_html_assets.h),
# taken from a real report, run by node (Debian package nodejs) over many
# values and units, must print exactly what the C formatter prints
# (fg-report-check units).
. tests/cli/lib.sh
command -v node >/dev/null 2>&1 || skip "nodejs not installed (node missing; make test-deps installs it)"
TOOL="$(dirname "$FG_BIN")/fg-report-check"
[ -x "$TOOL" ] || TOOL=build/fg-report-check
[ -x "$TOOL" ] || skip "fg-report-check not built"

"$TOOL" sample html >"$TMP/sample.html" || fail "fg-report-check sample html"
sed -n '/units: begin/,/units: end/p' "$TMP/sample.html" >"$TMP/units.js"
[ "$(wc -l <"$TMP/units.js")" -gt 20 ] || fail "no unit block in the HTML report"
grep -q 'KiB\|MiB' "$TMP/sample.html" && fail "the HTML report still prints KiB/MiB"

# VALUE UNIT lines: every unit family, aliases, plurals, case, unknown
# units, counts, negatives, zeros, ties of %.2f (x.125 rounds to even),
# non-integers of unknown units (%.4g), values below every unit
for u in nanoseconds microseconds milliseconds seconds ns us ms s sec hours Bytes bytes b \
    kilobytes megabytes kb MB gigabytes gcu milligcu count objects requests ""; do
    for v in 0 1 -1 0.5 0.001 2.5 7 999 1000 1023 1024 1536 1.125 2.375 1.005 3.875 \
        999.995 12345 -2000000 150000000 1280000000 1500000000 120000000000 \
        7200000000000 480282739 1610612736 1099511627776 12345.678 0.000012345 \
        1e15 1e18 9007199254740993 -0.001; do
        printf '%s %s\n' "$v" "$u"
    done
done >"$TMP/values.txt"
"$TOOL" units <"$TMP/values.txt" >"$TMP/c.txt" || fail "fg-report-check units"
cat >"$TMP/run.js" <<'EOF'
var fs = require('fs');
eval(fs.readFileSync(process.argv[2], 'utf8'));
fs.readFileSync(process.argv[3], 'utf8').split('\n').forEach(function (l) {
  if (!l) return;
  var i = l.indexOf(' ');
  console.log(fmtUnit(Number(l.slice(0, i)), l.slice(i + 1)));
});
EOF
node "$TMP/run.js" "$TMP/units.js" "$TMP/values.txt" >"$TMP/js.txt" 2>"$TMP/node.err" ||
    fail "node: $(head -5 "$TMP/node.err")"
paste -d '|' "$TMP/values.txt" "$TMP/c.txt" "$TMP/js.txt" | awk -F'|' '$2 != $3' >"$TMP/diff.txt"
[ ! -s "$TMP/diff.txt" ] || fail "HTML and C formats differ (value unit|C|JS): $(head -20 "$TMP/diff.txt")"
[ "$(wc -l <"$TMP/js.txt")" = "$(wc -l <"$TMP/values.txt")" ] || fail "line counts differ"
# the conventions themselves
grep -qx '120s' "$TMP/js.txt" && grep -qx '1.50s' "$TMP/js.txt" &&
    grep -qx '458.03MB' "$TMP/js.txt" && grep -qx '1.50kB' "$TMP/js.txt" ||
    fail "pprof's units missing: $(sort -u "$TMP/js.txt" | head -40)"
exit 0
