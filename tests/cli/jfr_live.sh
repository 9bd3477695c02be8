# jfr_live.sh - a Java Flight Recorder recording made here, with the JDK
# (OpenJDK 17+: java, javac and jfr, Debian openjdk-17-jdk-headless), read
# by flamegate and by the JDK's own `jfr print --json`: every sample type's
# per-function flat and cum values must agree exactly
# (tests/cli/jfr_reference.py), over two chunks too.
. tests/cli/lib.sh
for tool in java javac jfr; do
    command -v $tool >/dev/null 2>&1 ||
        skip "openjdk-17-jdk-headless not installed ($tool missing; make test-deps installs it)"
done
command -v python3 >/dev/null 2>&1 || skip "python3 not installed (make test-deps installs it)"
events=jdk.ExecutionSample,jdk.ObjectAllocationSample,jdk.ObjectAllocationInNewTLAB,jdk.ObjectAllocationOutsideTLAB,jdk.JavaMonitorEnter,jdk.ThreadPark,jdk.ActiveSetting
mkdir "$TMP/java"
javac -d "$TMP/java" tests/cli/java/Live.java || fail "javac failed"
# settings=profile: CPU samples every 10 ms, allocation samples, monitor
# and park events over 10 ms, and the settings as jdk.ActiveSetting
java -XX:StartFlightRecording=filename="$TMP/live.jfr",settings=profile \
    -cp "$TMP/java" Live 3 >"$TMP/java.log" 2>&1 || fail "java failed: $(tail -3 "$TMP/java.log")"
check() { # FILE [SLACK]
    jfr print --json --stack-depth 4096 --events "$events" "$1" >"$TMP/ref.json" ||
        fail "jfr print failed"
    expect_exit 0 $FG top --format tsv --sample-type all "$1"
    cp "$TMP/out" "$TMP/fg.tsv"
    python3 tests/cli/jfr_reference.py ${2:+--slack $2} "$TMP/ref.json" "$TMP/fg.tsv" >"$TMP/cmp.txt" ||
        fail "flamegate and jfr print disagree on $1: $(head -20 "$TMP/cmp.txt")"
    cat "$TMP/cmp.txt"
}
check "$TMP/live.jfr"
contains "$TMP/fg.tsv" "$(printf '#sample_type\tcpu\tnanoseconds')"
contains "$TMP/fg.tsv" "$(printf 'Live.spin\t')"
contains "$TMP/fg.tsv" "$(printf '#sample_type\tpark_delay\tnanoseconds')"
# several chunks: starting and closing a second recording mid-run rotates
# the chunk each time
cat >"$TMP/java/Two.java" <<'JAVA'
public class Two {
    public static void main(String[] args) throws Exception {
        Thread t = new Thread(() -> {
            try { Live.main(new String[] {"3"}); } catch (Exception e) { throw new RuntimeException(e); }
        });
        t.start();
        Thread.sleep(1500);
        jdk.jfr.Recording r = new jdk.jfr.Recording();
        r.start();
        t.join();
        r.close();
    }
}
JAVA
javac -cp "$TMP/java" -d "$TMP/java" "$TMP/java/Two.java" || fail "javac Two failed"
java -XX:StartFlightRecording=filename="$TMP/two.jfr",settings=profile \
    -cp "$TMP/java" Two >"$TMP/java.log" 2>&1 || fail "java Two failed"
jfr summary "$TMP/two.jfr" >"$TMP/summary.txt"
grep -qE '^ Chunks: [2-9]' "$TMP/summary.txt" ||
    fail "no second chunk: $(head -4 "$TMP/summary.txt")"
# exact but for an event at a chunk rotation now and then (jfr_reference.py)
chunks=$(sed -n 's/^ Chunks: //p' "$TMP/summary.txt")
check "$TMP/two.jfr" $((chunks - 1))
# the recording against itself passes, also cut into time blocks
expect_exit 0 $FG compare --min-samples 50 "$TMP/live.jfr" "$TMP/live.jfr"
contains "$TMP/out" "PASS"
expect_exit 0 $FG compare --min-samples 50 --split 3 "$TMP/live.jfr" "$TMP/live.jfr"
contains "$TMP/out" "3 runs"
