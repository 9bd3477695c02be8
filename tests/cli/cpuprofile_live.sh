# cpuprofile_live.sh - a V8 CPU profile recorded here with `node
# --cpu-prof` (Debian package nodejs), read by flamegate and by the
# DevTools protocol's rules (tests/cli/formats_reference.py): every
# function's flat and cum, in samples and in microseconds, must agree
# exactly; the recording against itself passes, also cut into time
# blocks.
. tests/cli/lib.sh
command -v node >/dev/null 2>&1 || skip "nodejs not installed (node missing; make test-deps installs it)"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed (make test-deps installs it)"
node --cpu-prof --cpu-prof-dir "$TMP" --cpu-prof-name work.cpuprofile \
    tests/cli/live/work.js >"$TMP/node.log" 2>&1 ||
    fail "node --cpu-prof failed: $(tail -3 "$TMP/node.log")"
P=$TMP/work.cpuprofile
[ -s "$P" ] || fail "node wrote no profile"
expect_exit 0 $FG top --format tsv --sample-type all "$P"
cp "$TMP/out" "$TMP/fg.tsv"
python3 tests/cli/formats_reference.py cpuprofile "$P" "$TMP/fg.tsv" >"$TMP/cmp.txt" ||
    fail "flamegate and the DevTools rules disagree: $(head -20 "$TMP/cmp.txt")"
cat "$TMP/cmp.txt"
contains "$TMP/fg.tsv" "$(printf '#sample_type\tsamples\tcount')"
contains "$TMP/fg.tsv" "$(printf '#sample_type\twall\tmicroseconds')"
contains "$TMP/fg.tsv" "$(printf 'hotLoop\t')"
contains "$TMP/fg.tsv" "$(printf '(anonymous)\t')"
# the recording against itself passes, also cut into time blocks
# (a low --min-samples: a loaded machine records fewer samples) (the
# samples carry their times)
expect_exit 0 $FG compare --min-samples 10 "$P" "$P"
contains "$TMP/out" "PASS"
expect_exit 0 $FG compare --min-samples 10 --split 3 "$P" "$P"
contains "$TMP/out" "3 runs"
