#!/usr/bin/env bash
# tests/fuzz/run.sh - build and run the libFuzzer harnesses (make fuzz).
#
# Every tests/fuzz/fuzz_NAME.c is linked against the library compiled with
# clang -fsanitize=fuzzer-no-link,address,undefined into its own build
# directory, seeded from the shared corpus and testdata/, and run for
# FUZZ_SECONDS.  Any crash, sanitizer report, leak, timeout or
# out-of-memory fails the run; the input that caused it is kept under
# $FUZZ_BUILD/artifacts/ and its path printed.  See tests/fuzz/README.md.
#
# Environment:
#   FUZZ_SECONDS   seconds per harness (default 60)
#   FUZZ_TARGETS   space-separated harness names (default: all), e.g.
#                  "pprof folded"
#   FUZZ_JOBS      harnesses run at the same time (default: 2, or 1 on a
#                  one-core machine)
#   FUZZ_BUILD     build directory (default build/fuzz)
#   FUZZ_ARGS      extra libFuzzer flags for every harness
#   FUZZ_CFLAGS    extra compiler flags for the harnesses (e.g.
#                  -DFZ_SKIP_TOKEN_ECHO to keep fuzzing past a known bug)
#   CORPUS         the shared corpus (default ../shared/corpus; optional)
#   FUZZ_CC        the compiler (default clang)
set -u
cd "$(dirname "$0")/../.." || exit 2

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_BUILD=${FUZZ_BUILD:-build/fuzz}
CORPUS=${CORPUS:-../shared/corpus}
CC=${FUZZ_CC:-clang}
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
FUZZ_JOBS=${FUZZ_JOBS:-$(( ncpu > 1 ? 2 : 1 ))}
PKGS="libprotobuf-c zlib libdeflate libcurl gsl jansson"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
WARN="-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla -Wno-format-nonliteral"

die() { echo "fuzz: $*" >&2; exit 2; }

command -v "$CC" >/dev/null 2>&1 ||
    die "'$CC' not found: libFuzzer needs clang (apt-get install clang)"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ (void)d; (void)n; return 0; }' >"${TMPDIR:-/tmp}/fgfuzz-probe.$$.c"
"$CC" -fsanitize=fuzzer -o "${TMPDIR:-/tmp}/fgfuzz-probe.$$" \
    "${TMPDIR:-/tmp}/fgfuzz-probe.$$.c" >/dev/null 2>&1
probe=$?
rm -f "${TMPDIR:-/tmp}/fgfuzz-probe.$$" "${TMPDIR:-/tmp}/fgfuzz-probe.$$.c"
[ $probe -eq 0 ] || die "'$CC -fsanitize=fuzzer' does not link (libFuzzer runtime missing)"

# ---- build -------------------------------------------------------------

echo "fuzz: building the library with $CC into $FUZZ_BUILD"
make -s B="$FUZZ_BUILD" CC="$CC" CFLAGS="-O1 -g" \
    SAN="-fsanitize=fuzzer-no-link $SAN" "$FUZZ_BUILD/libflamegate.a" ||
    die "library build failed"

all_targets=()
for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    all_targets+=("${n#fuzz_}")
done
targets=(${FUZZ_TARGETS:-${all_targets[@]}})

libs=$(pkg-config --libs $PKGS) || die "pkg-config cannot find: $PKGS"
cflags=$(pkg-config --cflags $PKGS)
for t in "${targets[@]}"; do
    src=tests/fuzz/fuzz_$t.c
    [ -f "$src" ] || die "no harness $src"
    extra=
    # harnesses that talk to an in-process fake server link it in
    grep -qE 'fakesrv.h|fuzz_net.h' "$src" && extra=tests/lib/fakesrv.c
    "$CC" -std=c11 -O1 -g $WARN $SAN -fsanitize=fuzzer -Iinclude -Isrc -Itests/lib \
        -I"$FUZZ_BUILD/gen" -Itests -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE \
        $cflags ${FUZZ_CFLAGS:-} -o "$FUZZ_BUILD/fuzz_$t" "$src" $extra \
        "$FUZZ_BUILD/libflamegate.a" $libs -lm -lpthread ||
        die "building $src failed"
done

# ---- seeds ---------------------------------------------------------------

seeds=$FUZZ_BUILD/seeds
rm -rf "$seeds"
mkdir -p "$seeds"

# seed_files NAME FILE...: copy (gunzipping a copy of .gz files too, so the
# decoder is reached without the CRC in the way) into seeds/NAME.
seed_files() {
    local name=$1 f i=0
    shift
    mkdir -p "$seeds/$name"
    for f in "$@"; do
        [ -f "$f" ] || continue
        i=$((i + 1))
        cp "$f" "$seeds/$name/$i-$(basename "$f")"
        case "$f" in
        *.gz) gzip -dc "$f" >"$seeds/$name/$i-raw-$(basename "$f" .gz)" 2>/dev/null ||
              rm -f "$seeds/$name/$i-raw-$(basename "$f" .gz)" ;;
        esac
    done
}

# seed_text NAME FILE CONTENT: one seed written with printf %b.
seed_text() {
    mkdir -p "$seeds/$1"
    printf '%b' "$3" >"$seeds/$1/$2"
}

profiles=()
if [ -d "$CORPUS/profiles" ]; then
    while IFS= read -r f; do profiles+=("$f"); done < <(
        find "$CORPUS/profiles" "$CORPUS/malformed" "$CORPUS/replicates" \
            -type f 2>/dev/null | sort)
else
    echo "fuzz: corpus absent at $CORPUS: seeding from testdata only"
fi
local_data=()
while IFS= read -r f; do local_data+=("$f"); done < <(
    find testdata/corrupt examples/profiles testdata/profiles -type f 2>/dev/null | sort)

folded_seeds='main;a;b 10\nmain;a;c 5\n# comment\n\nmain;d 2.5\n'
seed_files pprof "${profiles[@]}" "${local_data[@]}"
seed_text pprof folded.txt "$folded_seeds"
seed_files folded $(printf '%s\n' "${local_data[@]}" | grep -i -e fold -e '\.txt$')
seed_text folded a.txt "$folded_seeds"
seed_text folded b.txt 'a;b;c 1\na;b 1.5\r\n\ta\t3\n;; 0\n'
seed_text folded c.txt 'x 9223372036854775807\ny 1\n'
# compare: byte 0 options, byte 1 base runs, runs separated by NUL
for opt in '\x00' '\x80' '\xc5' '\x96' '\xaa'; do
    seed_text compare "two-$opt" "$opt\\x01main;a;b 600\nmain;c 400\n\\x00main;a;b 900\nmain;c 380\nmain;new 30\n"
    seed_text compare "six-$opt" "$opt\\x03m;a 500\nm;b 500\n\\x00m;a 520\nm;b 480\n\\x00m;a 490\nm;b 510\n\\x00m;a 700\nm;b 500\n\\x00m;a 720\nm;b 480\n\\x00m;a 690\nm;b 505\n"
done
seed_text compare same '\x80\x01f 1\n\x00f 1\n'
# github: byte 0 picks the parser (0 event JSON, 1 Link header, 2 body,
# 3 comment search and 4 upsert against the fake server)
mkdir -p "$seeds/github"
for f in testdata/github/*.json; do
    [ -f "$f" ] || continue
    { printf '\x00'; cat "$f"; } >"$seeds/github/$(basename "$f")"
done
seed_text github link '\x01<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=5>; rel="last"'
seed_text github body '\x02\x00## flamegate: FAIL\n<!-- flamegate:old -->\n<details><summary>x</summary>\n\n```\ncode\n| a | b |\n|---|---|\n| `x` | 1 |\n'
seed_text github body-more '\x82\x00<!-- flamegate:default -->\n## t\n\n```\n\xff\xfe bad utf8 \xe2\x82\n'
comment='[{"id":11,"body":"<!-- flamegate:default -->\\nold","user":{"login":"github-actions[bot]","type":"Bot"},"html_url":"https://github.com/o/r/pull/7#c11"}]'
seed_text github find "\\x03\\x00\\x81Link: <{URL}/repos/octo/widgets/issues/7/comments?page=2>; rel=\"next\"\r\n\r\n[]@@@@\\x00\\x01$comment"
seed_text github find-403 '\x03\x09\x01{"message":"Resource not accessible by integration fzSECRETtoken0123456789"}'
seed_text github upsert "\\x04\\x00\\x01[]@@@@\\x00\\x01{\"id\":12,\"html_url\":\"https://github.com/o/r/pull/7#c12\"}"
seed_text github upsert-patch "\\x04\\x00\\x01$comment@@@@\\x00\\x01{\"id\":11}"
# connect (Pyroscope): byte 0 picks the call, then the response script
seed_text connect merge '\x00\x00\x00\x2a\x05\x0a\x03\x0a\x01\x00'
seed_text connect merge-fallback '\x01\x05\x01{"code":"unimplemented"}@@@@\x00\x00\x32\x00'
seed_text connect merge-v1 '\x00\x00\x00\x0a\x02\x08\x01@@@@\x00\x00\x32\x00'
seed_text connect error-json '\x00\x07\x01{"code":"invalid_argument","message":"parse error: unexpected token fzSECRETtoken0123456789"}'
seed_text connect html '\x02\x00\x03<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'
# the /render fallback: no querier API (404s, or 0.37's HTML pages), then
# the flame-graph JSON (a pruned one: "other")
fb_json='{"version":1,"flamebearer":{"names":["total","other","main"],"levels":[[0,9,0,0],[0,4,4,1,0,5,5,2]],"numTicks":9,"maxSelf":5},"metadata":{"format":"single","units":"samples","sampleRate":1000000000,"name":"cpu"}}'
seed_text connect render-404 "\\x01\\x05\\x07404 page not found@@@@\\x05\\x07404 page not found@@@@\\x00\\x01$fb_json"
seed_text connect render-037 "\\x00\\x00\\x03<html><title>Pyroscope</title></html>@@@@\\x00\\x03<html></html>@@@@\\x00\\x03<html></html>@@@@\\x00\\x01$fb_json"
seed_text connect types '\x02\x00\x00\x0a\x2f\x0a\x2dprocess_cpu:cpu:nanoseconds:cpu:nanoseconds\x0a\x0c\x12\x03mem\x22\x05alloc'
seed_text connect labels '\x03\x00\x00\x0a\x02v1\x0a\x02v2'
# parca: byte 0 picks (0 unframe, 1 REST, 2 gRPC-Web, 3 two windows,
# 4 types, 5 label values)
seed_text parca unframe-ok '\x00\x00\x00\x00\x00\x00\x05\x0a\x03abc\x80\x00\x00\x00\x10grpc-status: 0\r\n'
seed_text parca unframe-err '\x00\x00\x80\x00\x00\x00\x2bgrpc-status: 5\r\ngrpc-message: not%20found\r\n'
seed_text parca unframe-hdr '\x00\x1fgrpc-status: 3\r\ngrpc-message: x\x00\x00\x00\x00\x00'
seed_text parca rest '\x01\x00\x01{"pprof":"H4sIAAAAAAAA/+JiYGBgZGBkYGRiYOJhAwAAAP//AwAAAP//"}'
seed_text parca rest-err '\x01\x07\x01{"code":3,"message":"bad query","details":[]}'
seed_text parca grpc '\x02\x00\x82grpc-status: 0\r\n\r\n\x00\x00\x00\x00\x04\x12\x02\x0a\x00\x80\x00\x00\x00\x10grpc-status: 0\r\n'
seed_text parca types '\x04\x00\x01{"types":[{"name":"process_cpu","sampleType":"samples","sampleUnit":"count","periodType":"cpu","periodUnit":"nanoseconds","delta":true}]}'
seed_text parca labels '\x05\x00\x01{"labelValues":["v1","v2"]}'
# config: the test and example config files
seed_files config testdata/config/*.json examples/*.json
seed_text config full '{"alpha": 0.01, "min_change": "15%", "metric": "both", "ignore": ["^runtime[.]"], "rules": [{"match": "db.*", "max_share": "30%"}, {"glob": "json.*", "min_change": 0.5}], "ignore_presets": ["go-gc"], "backend": "pyroscope", "url": "http://127.0.0.1:4040", "backends": {"prod": {"url": "https://p:4040", "tenant": "t1"}}, "backend_profile": "prod"}'
seed_text config re1 '!^(runtime|gc)[.](mallocgc|scanobject)$'
seed_text config re2 '!a{1,1000}(b|c){2,3}[[:alpha:]]+'
# jfr: the corpus recording, copies cut short, and the synthetic files of
# testdata/corrupt (two chunks, fixed-width integers, one flaw each)
seed_files jfr "$CORPUS/formats/jfr/work.jfr" testdata/corrupt/jfr-*.jfr
if [ -f "$CORPUS/formats/jfr/work.jfr" ]; then
    for cut in 68 4096 60000 120000; do
        head -c $cut "$CORPUS/formats/jfr/work.jfr" >"$seeds/jfr/cut-$cut.jfr"
    done
fi
# the input formats of issue 18: the corpus recordings (formats/), copies
# cut short, hand-written variants and testdata/corrupt's bad files
F=$CORPUS/formats
seed_files flamebearer "$F"/flamebearer/*.json testdata/corrupt/flamebearer-*
seed_text flamebearer v037.json '{"flamebearer":{"names":["total","main","a","b"],"levels":[[0,30,0,0],[0,30,0,1],[0,20,5,2,0,10,10,3],[0,15,15,3]],"numTicks":30,"maxSelf":15,"spyName":"gospy","sampleRate":100,"units":"samples","format":"single"},"timeline":null}'
seed_text flamebearer objects.json '{"version":1,"flamebearer":{"names":["total","other","main"],"levels":[[0,9,0,0],[0,4,4,1,0,5,5,2]],"numTicks":9,"maxSelf":5},"metadata":{"format":"single","units":"objects","sampleRate":100,"name":"alloc_objects"}}'
seed_files cpuprofile "$F"/cpuprofile/*.cpuprofile testdata/corrupt/cpuprofile-*
seed_text cpuprofile tiny.cpuprofile '{"nodes":[{"id":1,"callFrame":{"functionName":"(root)"},"children":[2,3]},{"id":2,"callFrame":{"functionName":""},"children":[4]},{"id":3,"callFrame":{"functionName":"(garbage collector)"}},{"id":4,"callFrame":{"functionName":"f"},"hitCount":2}],"startTime":100,"endTime":400,"samples":[4,3,4,2],"timeDeltas":[5,10,-2,7]}'
seed_text cpuprofile hits.cpuprofile '{"profile":{"nodes":[{"id":7,"callFrame":{"functionName":"(root)"}},{"id":9,"parent":7,"callFrame":{"functionName":"g"},"hitCount":3}]}}'
seed_files speedscope "$F"/speedscope/*.json testdata/corrupt/speedscope-*
seed_text speedscope pyspy.json '{"$schema":"https://www.speedscope.app/file-format-schema.json","shared":{"frames":[{"name":"main","file":"a.py"},{"name":"f","file":"a.py","line":3}]},"profiles":[{"type":"sampled","name":"MainThread","unit":"none","startValue":0,"endValue":3,"samples":[[0,1],[0],[0,1,1]],"weights":[1,1.0,2.5]},{"type":"sampled","name":"t2","unit":"none","startValue":0,"endValue":1,"samples":[[1]],"weights":[1]}]}'
seed_text speedscope ms.json '{"shared":{"frames":[{"name":"a"},{"name":"b"}]},"profiles":[{"type":"evented","name":"x","unit":"milliseconds","startValue":0.5,"endValue":9,"events":[{"type":"O","frame":0,"at":0.5},{"type":"O","frame":1,"at":1.25},{"type":"C","frame":1,"at":2},{"type":"C","frame":0,"at":9}]}]}'
seed_files perf_script testdata/corrupt/perf-*
if [ -f "$F/perf/work.perf.script.txt" ]; then
    for cut in 2000 20000 60000; do
        head -c $cut "$F/perf/work.perf.script.txt" >"$seeds/perf_script/cut-$cut.txt"
    done
fi
seed_text perf_script inline.txt '# cmdline : /usr/bin/perf record -g ./a.out\njava 123/124 [001] 10.500000: 250000 cycles:u: \n\t7f0 a->b+0x10 (/lib/x.so)\n\t7f1 [unknown] (/tmp/perf-123.map)\n\t7f2 Lcom/x/Y;.run(I)V+0x3 (/tmp/perf-123.map)\n\t0 [unknown] ([unknown])\n\nV8 Worker 5 11.0: 3 instructions:\n\t1 f (x)\n\n'
seed_files otlp "$F"/otlp/*.pb "$F"/otlp/work-cpu.otlp.json testdata/corrupt/otlp-*
if [ -f "$F/otlp/work-alloc-total.otlp.json" ]; then
    head -c 60000 "$F/otlp/work-alloc-total.otlp.json" >"$seeds/otlp/cut-alloc.json"
    head -c 20000 "$F/otlp/work-alloc-total.otlp.pb" >"$seeds/otlp/cut-alloc.pb"
fi
seed_text folded async.txt 'java/lang/Thread.run_[j];Work.main_[i];Work.hot_[0] 5\nWork.main;Work.hot_[1] 2\n__schedule_[k] 1\n'
# inputs that once broke a harness (tests/fuzz/regressions/NAME/) are
# replayed first on every run
for t in "${targets[@]}"; do
    mkdir -p "$seeds/$t"
    for f in tests/fuzz/regressions/$t/*; do
        [ -f "$f" ] && cp "$f" "$seeds/$t/regression-$(basename "$f")"
    done
done

# ---- run -------------------------------------------------------------------

max_len() {
    case $1 in
    pprof) echo 131072 ;;
    jfr) echo 262144 ;;
    compare) echo 16384 ;;
    *) echo 65536 ;;
    esac
}

# Harnesses that go through the fake server allocate in its threads, so
# libFuzzer's per-input leak check would run after every input (10x
# slower); leaks are then found by LeakSanitizer at exit instead, which
# fails the run the same way (without naming the input).
extra_flags() {
    case $1 in
    connect | parca | github) echo -detect_leaks=0 ;;
    esac
}

run_one() {
    local t=$1 log=$FUZZ_BUILD/logs/$t.log work=$FUZZ_BUILD/corpus/$t
    mkdir -p "$work" "$FUZZ_BUILD/logs" "$FUZZ_BUILD/artifacts"
    # The working corpus (first directory) keeps growing across runs; the
    # seed directory is read only.
    "$FUZZ_BUILD/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
        -rss_limit_mb=2048 -max_len="$(max_len "$t")" -print_final_stats=1 \
        -artifact_prefix="$FUZZ_BUILD/artifacts/$t-" $(extra_flags "$t") \
        ${FUZZ_ARGS:-} \
        "$work" "$seeds/$t" >"$log" 2>&1
    local rc=$?
    local runs secs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "fuzz: $t: ok, ${runs:-?} executions in ${secs:-$FUZZ_SECONDS} s, corpus $(ls "$work" | wc -l) inputs"
    else
        echo "fuzz: $t: FAILED (exit $rc) after ${runs:-?} executions; log $log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz invariant|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -n 20 | sed 's/^/    /'
        tail -n 30 "$log" | sed 's/^/    | /'
    fi
    return $rc
}

echo "fuzz: ${#targets[@]} harness(es), $FUZZ_SECONDS s each, $FUZZ_JOBS at a time"
failed=0
pids=()
names=()
wait_some() {
    # wait for the oldest job
    local pid=${pids[0]} name=${names[0]}
    wait "$pid" || failed=$((failed + 1))
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
}
for t in "${targets[@]}"; do
    while [ ${#pids[@]} -ge "$FUZZ_JOBS" ]; do wait_some; done
    run_one "$t" &
    pids+=($!)
    names+=("$t")
done
while [ ${#pids[@]} -gt 0 ]; do wait_some; done
if [ $failed -ne 0 ]; then
    echo "fuzz: $failed harness(es) failed; inputs in $FUZZ_BUILD/artifacts/"
    exit 1
fi
echo "fuzz: all harnesses passed"
