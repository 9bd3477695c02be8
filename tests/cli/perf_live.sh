# perf_live.sh - a `perf record -g` recording made here (Debian package
# linux-perf; C workload tests/cli/live/work.c built with cc), printed by
# `perf script`, read by flamegate and by stackcollapse-perf.pl's rules
# (tests/cli/formats_reference.py): every function's flat and cum, in
# samples and in cpu-clock nanoseconds, must agree exactly; the recording
# against itself passes, also cut into time blocks.  Skipped when the
# kernel refuses perf events (perf_event_paranoid, or a container without
# them).
. tests/cli/lib.sh
command -v perf >/dev/null 2>&1 || skip "linux-perf not installed (perf missing; make test-deps installs it)"
command -v cc >/dev/null 2>&1 || skip "no C compiler: build-essential not installed (make deps installs it)"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed (make test-deps installs it)"
cc -O1 -g -fno-omit-frame-pointer -o "$TMP/work" tests/cli/live/work.c ||
    fail "cc failed"
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo '?')
if ! perf record -e cpu-clock -F 499 -g -o "$TMP/perf.data" -- "$TMP/work" \
        >"$TMP/perf.log" 2>&1; then
    skip "perf record refused (kernel.perf_event_paranoid=$paranoid; run as root or 'sysctl kernel.perf_event_paranoid=1'): $(grep -m1 -iE 'error|permission|denied|not supported' "$TMP/perf.log")"
fi
perf script -i "$TMP/perf.data" >"$TMP/script.txt" 2>"$TMP/script.log" ||
    fail "perf script failed: $(tail -3 "$TMP/script.log")"
[ -s "$TMP/script.txt" ] || skip "perf recorded no samples (kernel.perf_event_paranoid=$paranoid)"
expect_exit 0 $FG top --format tsv --sample-type all "$TMP/script.txt"
cp "$TMP/out" "$TMP/fg.tsv"
python3 tests/cli/formats_reference.py perf "$TMP/script.txt" "$TMP/fg.tsv" >"$TMP/cmp.txt" ||
    fail "flamegate and stackcollapse-perf's rules disagree: $(head -20 "$TMP/cmp.txt")"
cat "$TMP/cmp.txt"
contains "$TMP/fg.tsv" "$(printf '#sample_type\tcpu-clock\tnanoseconds')"
contains "$TMP/fg.tsv" "$(printf 'hot_loop\t')"
contains "$TMP/fg.tsv" "$(printf 'work\t0\t')"
# the recording against itself passes, also cut into time blocks
# (a low --min-samples: a loaded machine records fewer samples)
expect_exit 0 $FG compare --min-samples 10 "$TMP/script.txt" "$TMP/script.txt"
contains "$TMP/out" "PASS"
expect_exit 0 $FG compare --min-samples 10 --split 3 "$TMP/script.txt" "$TMP/script.txt"
contains "$TMP/out" "3 runs"
