# The HTML report in a real browser (Debian's headless Chromium): the page
# renders without console errors, the DOM has the flame graph frames with
# the expected colours, and a screenshot is taken.  Set FG_SCREENSHOT_DIR
# to keep the PNGs.
. tests/cli/lib.sh
CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
    skip "chromium not installed (apt-get install chromium)"
TOOL="$(dirname "$FG_BIN")/fg-report-check"
[ -x "$TOOL" ] || TOOL=build/fg-report-check
[ -x "$TOOL" ] || skip "fg-report-check not built"

# browser FLAGS... : headless, no network, a fresh profile each time.
browser() {
    rm -rf "$TMP/profile"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync \
        --user-data-dir="$TMP/profile" --window-size=1366,900 \
        --enable-logging=stderr --v=0 --virtual-time-budget=5000 "$@"
}

# check_page NAME FILE: DOM after the script ran, console clean, PNG.
check_page() {
    browser --dump-dom "file://$2" > "$TMP/$1.dom" 2> "$TMP/$1.log" ||
        fail "chromium --dump-dom failed on $1"
    if grep -a 'CONSOLE' "$TMP/$1.log"; then
        fail "$1: console messages"
    fi
    contains "$TMP/$1.dom" 'data-rendered="1"'
    lacks "$TMP/$1.dom" 'data-error='
    browser --screenshot="$TMP/$1.png" "file://$2" 2> "$TMP/$1.shot.log" ||
        fail "chromium --screenshot failed on $1"
    [ "$(wc -c < "$TMP/$1.png")" -gt 10000 ] || fail "$1: screenshot too small"
    if [ -n "${FG_SCREENSHOT_DIR:-}" ]; then
        mkdir -p "$FG_SCREENSHOT_DIR" && cp "$TMP/$1.png" "$FG_SCREENSHOT_DIR/"
    fi
}

# frame NAME DOM: "class r g b" of the frame showing NAME.
frame() {
    grep -o "<div class=\"f [^\"]*\" data-i=\"[0-9]*\" style=\"[^\"]*\">$1</div>" "$2" |
        head -n 1 |
        sed -E 's/.*class="f ([a-z]+)[^"]*".*rgb\(([0-9]+), ([0-9]+), ([0-9]+)\).*/\1 \2 \3 \4/'
}

"$TOOL" sample html > "$TMP/sample.html" || fail "fg-report-check sample"
check_page sample "$TMP/sample.html"
frames=$(grep -o '<div class="f ' "$TMP/sample.dom" | wc -l)
[ "$frames" -ge 10 ] || fail "sample: $frames frames"
read -r cls r g b <<< "$(frame db.query "$TMP/sample.dom")"
[ "$cls" = up ] && [ "$r" -gt $((g + 100)) ] && [ "$r" -gt $((b + 100)) ] ||
    fail "db.query (regression) is not red: $cls $r $g $b"
read -r cls r g b <<< "$(frame cache.get "$TMP/sample.dom")"
[ "$cls" = down ] && [ "$b" -gt $((r + 100)) ] ||
    fail "cache.get (improvement) is not blue: $cls $r $g $b"
read -r cls r g b <<< "$(frame json.encode "$TMP/sample.dom")"
[ "$cls" = ns ] && [ $((r - b)) -lt 40 ] && [ "$r" -gt 180 ] ||
    fail "json.encode (unchanged) is not neutral: $cls $r $g $b"
read -r cls r g b <<< "$(frame new.feature "$TMP/sample.dom")"
[ "$cls" = new ] || fail "new.feature is not marked new: $cls"
# gc.run is significant but grew less: lighter red than db.query.
read -r cls r2 g2 b2 <<< "$(frame gc.run "$TMP/sample.dom")"
[ "$cls" = up ] && [ "$g2" -gt 60 ] || fail "gc.run: $cls $r2 $g2 $b2"
contains "$TMP/sample.dom" '&lt;script&gt;alert(1)&lt;/script&gt;'
lacks "$TMP/sample.dom" '<script>alert'

# A real comparison through the command line.
need_corpus
K=$CORPUS/replicates/kafka-java-cpu
expect_exit 0 $FG compare -o "html=$TMP/kafka.html" --format json \
    "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
check_page kafka "$TMP/kafka.html"
frames=$(grep -o '<div class="f ' "$TMP/kafka.dom" | wc -l)
[ "$frames" -ge 20 ] || fail "kafka: only $frames frames"
