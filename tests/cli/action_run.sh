# action_run.sh - the GitHub Action's logic (action/run.sh gate) in a
# simulated Actions environment: temporary GITHUB_STEP_SUMMARY and
# GITHUB_OUTPUT, a pull_request GITHUB_EVENT_PATH, and GITHUB_API_URL on a
# fake GitHub API (tests/tools/fg-fakegithub) on 127.0.0.1.  Asserts the
# summary, the outputs, the annotations, one comment created then updated,
# no update with comment: on-change when nothing changed, pagination past
# 100 comments, the 403 of a fork pull request, and the step's exit code
# for each fail-on value; the annotation saying why a MARGINAL (fail-on:
# marginal) or INCONCLUSIVE (inconclusive: fail) fails the step, the
# ::warning when on-error: pass lets an error through, the verdict ERROR
# on invalid input or a missing binary, and 'run.sh prepare' / 'run.sh
# build' with a stand-in make ($MAKE): the ::error naming the command when
# installing the dependencies or building fails, a build copied into
# place and then reused.  Profiles are synthetic (tests/tools/fg-gen):
# the candidate has 16 functions regressed 2x.
. tests/cli/lib.sh

tool() {
    local d
    for d in "$(dirname "$FG_BIN")" build; do
        [ -x "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
    done
    return 1
}
FAKE=$(tool fg-fakegithub) || skip "fg-fakegithub not built"
GEN=$(tool fg-gen) || skip "fg-gen not built"
TOKEN=ghs_fake_token_123
EVENTS=$PWD/testdata/github

# ------------------------------------------------------------- profiles
P=$TMP/profiles
mkdir -p "$P/base" "$P/cand" "$P/same" "$P/fb" "$P/fc"
regress=()
for i in $("$GEN" --plain-names --top 16 2>/dev/null | cut -f1); do
    regress+=(--regress "$i:2")
done
[ ${#regress[@]} -eq 32 ] || fail "fg-gen --top gave ${#regress[@]} args"
gen() { "$GEN" --plain-names --samples 40000 --runs 3 "$@" 2>/dev/null || fail "fg-gen $*"; }
gen --run-seed 1 -o "$P/base/b.pb.gz"
gen --run-seed 2 "${regress[@]}" -o "$P/cand/c.pb.gz"
gen --run-seed 3 -o "$P/same/s.pb.gz"
# folded profiles whose regressed function needs workflow-command escaping
for r in 1 2 3; do
    printf 'main;parse%%d,x::y 100\nmain;other 900\nmain;third 500\n' >"$P/fb/r$r.txt"
    printf 'main;parse%%d,x::y 400\nmain;other 900\nmain;third 500\n' >"$P/fc/r$r.txt"
done
# a consistent +5% on one function: significant, below the 10% gate (MARGINAL)
mkdir -p "$P/mb" "$P/mc"
r=0
for d in 0 7 -6; do
    r=$((r + 1))
    printf 'main;hot %d\nmain;a %d\nmain;b %d\nmain;c 15000\nmain;d %d\nmain;e 20000\n' \
        $((10000 + d)) $((20000 - d)) $((20000 + d)) $((15000 + d)) >"$P/mb/r$r.txt"
    printf 'main;hot %d\nmain;a %d\nmain;b %d\nmain;c 15000\nmain;d %d\nmain;e 20000\n' \
        $((10500 - d)) $((20000 + d)) $((20000 - d)) $((15000 - d)) >"$P/mc/r$r.txt"
done

# ------------------------------------------------------ fake GitHub API
FAKES=()
cleanup() {
    local pid
    for pid in "${FAKES[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
trap cleanup EXIT

# start_fake DIR [fg-fakegithub options]: sets PORT
start_fake() {
    local dir=$1
    shift
    mkdir -p "$dir"
    "$FAKE" --dir "$dir" --token "$TOKEN" --repo octo/widgets --pr 7 \
        --idle-exit 60 "$@" 2>"$dir/stderr" &
    FAKES+=($!)
    for _ in $(seq 100); do
        [ -s "$dir/port" ] && break
        sleep 0.05
    done
    [ -s "$dir/port" ] || fail "fake GitHub in $dir did not start"
    PORT=$(cat "$dir/port")
}

count() { grep -c "^$2 " "$1/requests.log" 2>/dev/null || true; }

# ---------------------------------------------------------- the action
# run_action NAME WANT_EXIT [VAR=VALUE ...]: runs action/run.sh gate with a
# clean environment; results in $TMP/NAME/{stdout,stderr,summary,output}.
run_action() {
    local name=$1 want=$2
    shift 2
    R=$TMP/$name
    mkdir -p "$R"
    : >"$R/summary"
    : >"$R/output"
    env -i PATH="$PATH" HOME="$TMP" LC_ALL=C \
        GITHUB_ACTIONS=true GITHUB_EVENT_NAME=pull_request \
        GITHUB_EVENT_PATH="$EVENTS/event-pull_request.json" \
        GITHUB_REPOSITORY=octo/widgets GITHUB_API_URL="http://127.0.0.1:${PORT:-9}" \
        GITHUB_SERVER_URL=https://github.example GITHUB_RUN_ID=42 \
        GITHUB_STEP_SUMMARY="$R/summary" GITHUB_OUTPUT="$R/output" \
        RUNNER_TEMP="$TMP/runner" FLAMEGATE="$FG_BIN" \
        INPUT_BASE="$P/base/*.pb.gz" INPUT_CANDIDATE="$P/cand/*.pb.gz" \
        INPUT_GITHUB_TOKEN="$TOKEN" INPUT_FORMATS=html \
        INPUT_REPORT_DIR="$TMP/report" "$@" \
        bash action/run.sh gate >"$R/stdout" 2>"$R/stderr"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; tail -n 30 "$R/stdout" >&2
        echo "--- stderr" >&2; tail -n 30 "$R/stderr" >&2
        fail "$name: expected exit $want, got $got"
    fi
}

# out NAME: value of output NAME of the last run
out() { awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2) }' "$R/output"; }
expect_out() {
    [ "$(out "$1")" = "$2" ] || { cat "$R/output" >&2; fail "$R: output $1 is '$(out "$1")', want '$2'"; }
}
errors() { grep -c '^::error title=flamegate regression::' "$R/stdout" || true; }
warnings() { grep -c '^::warning title=flamegate regression::' "$R/stdout" || true; }

# ---- 1. first run: FAIL, one comment created, summary/outputs/annotations
start_fake "$TMP/gh1"
run_action run1 1
expect_out verdict FAIL
expect_out exit-code 1
expect_out failed true
# one per FAIL finding, as the JSON report counts them
want_reg=$(bash action/run.sh json-flat "$TMP/report/report.json" |
    awk -F'\t' '$1 == ".summary.regressions" { print $2 }')
[ "$want_reg" -ge 10 ] || fail "only $want_reg findings for 16 doubled functions"
expect_out regressions "$want_reg"
expect_out improvements 0
expect_out comment-status created
expect_out report-markdown "$TMP/report/report.md"
expect_out report-json "$TMP/report/report.json"
expect_out report-html "$TMP/report/report.html"
[ -s "$TMP/report/report.html" ] || fail "no html report"
contains "$R/summary" "flamegate: **FAIL**"
contains "$R/summary" "runtime.scanobject"
contains "$R/summary" "<!-- flamegate:default -->"
[ "$(errors)" = 10 ] || fail "want 10 error annotations (GitHub's limit), got $(errors)"
# one per finding: "NAME: KIND, A%25 -> B%25 of the samples (+D pp) (RULE)"
# ('%' escaped as the workflow command rules say), ten distinct
# findings, largest growth in share first
grep '^::error ' "$R/stdout" | grep -vqE '::[^:]+: (self time|inclusive time|new call path), [0-9.]+%25 -> [0-9.]+%25 of the samples \([-+0-9. ]+pp\) \((Holm|BH) p [0-9.e-]+ .*\)$' &&
    fail "annotation format: $(grep '^::error ' "$R/stdout" | head -n 3)"
[ "$(grep '^::error ' "$R/stdout" | sed 's/: [a-z ]*, [0-9.]*%25 -> .*//' | sort -u | wc -l)" = 10 ] ||
    fail "annotations are not ten distinct findings"
grep '^::error ' "$R/stdout" | sed -E 's/.*, ([0-9.]+)%25 -> ([0-9.]+)%25 .*/\1 \2/' |
    awk '{ d = $2 - $1; if (NR > 1 && d > prev + 1e-9) bad = 1; prev = d } END { exit bad }' ||
    fail "annotations not ordered by growth in share"
while IFS= read -r name; do
    grep -qF "\"function\": \"$name\"" "$TMP/report/report.json" || fail "annotated '$name' is no finding of the report"
done < <(grep '^::error ' "$R/stdout" | sed 's/^::error title=flamegate regression:://; s/: [a-z ]*, [0-9.]*%25 -> .*//')
contains "$R/stdout" "::stop-commands::"
url1=$(out comment-url)
case "$url1" in *'#issuecomment-'*) ;; *) fail "comment-url '$url1'" ;; esac
[ "$(count "$TMP/gh1" POST)" = 1 ] || fail "want 1 POST, got $(count "$TMP/gh1" POST)"
[ "$(count "$TMP/gh1" PATCH)" = 0 ] || fail "PATCH on the first run"
[ "$(ls "$TMP/gh1/comments" | wc -l)" = 1 ] || fail "want exactly one comment"
cfile=$TMP/gh1/comments/$(ls "$TMP/gh1/comments")
head -n 1 "$cfile" | grep -qxF '<!-- flamegate:default -->' || fail "comment lacks the marker first"
cmp -s "$cfile" "$TMP/report/report.md" || fail "comment body differs from the markdown report"

# ---- 2. second run: the same comment is updated, not a new one
run_action run2 1
expect_out comment-status updated
expect_out comment-url "$url1"
[ "$(count "$TMP/gh1" POST)" = 1 ] || fail "a second comment was created"
[ "$(count "$TMP/gh1" PATCH)" = 1 ] || fail "want 1 PATCH, got $(count "$TMP/gh1" PATCH)"
[ "$(ls "$TMP/gh1/comments" | wc -l)" = 1 ] || fail "want exactly one comment"

# ---- 3. comment: on-change with nothing changed: no update
run_action run3 1 INPUT_COMMENT=on-change
expect_out comment-status unchanged
expect_out comment-url "$url1"
[ "$(count "$TMP/gh1" PATCH)" = 1 ] || fail "on-change updated an unchanged comment"

# ---- 4. on-change with a changed report (now PASS): updated, step passes
run_action run4 0 INPUT_COMMENT=on-change INPUT_CANDIDATE="$P/same/*.pb.gz"
expect_out verdict PASS
expect_out exit-code 0
expect_out failed false
expect_out regressions 0
expect_out comment-status updated
[ "$(count "$TMP/gh1" PATCH)" = 2 ] || fail "on-change did not update a changed comment"
[ "$(errors)" = 0 ] || fail "annotations on PASS"
contains "$cfile" "flamegate: **PASS**"
[ "$(count "$TMP/gh1" POST)" = 1 ] || fail "more than one comment created"

# ---- 5. pagination: 150 comments by others, ours lands on page 2
start_fake "$TMP/gh2" --seed 150
run_action page1 1
expect_out comment-status created
run_action page2 1
expect_out comment-status updated
[ "$(count "$TMP/gh2" POST)" = 1 ] || fail "pagination: a second comment was created"
[ "$(count "$TMP/gh2" PATCH)" = 1 ] || fail "pagination: no update"
grep -qF 'GET /repositories/4242/issues/7/comments?per_page=100&page=2 200' "$TMP/gh2/requests.log" ||
    fail "page 2 was not read through the Link header"
grep -qE '^PATCH /repos/octo/widgets/issues/comments/1150 200$' "$TMP/gh2/requests.log" ||
    fail "the comment on page 2 (id 1150) was not the one updated"

# ---- 6. fork pull request: 403, the gate result stands, one line says why
start_fake "$TMP/gh3" --forbid-writes
run_action fork 1 GITHUB_EVENT_PATH="$EVENTS/event-pull_request-fork.json"
expect_out verdict FAIL
expect_out comment-status forbidden
expect_out comment-url ""
grep -q '^::warning title=flamegate PR comment::no comment posted on octo/widgets#7' "$R/stdout" ||
    fail "no warning saying why no comment was posted"
contains "$R/stdout" "contributor/widgets"
contains "$R/summary" "No PR comment was posted"
contains "$R/summary" "flamegate: **FAIL**"
[ "$(ls "$TMP/gh3/comments" | wc -l)" = 0 ] || fail "a comment was stored despite 403"
run_action fork-pass 0 GITHUB_EVENT_PATH="$EVENTS/event-pull_request-fork.json" \
    INPUT_CANDIDATE="$P/same/*.pb.gz"
expect_out comment-status forbidden

# ---- 7. fail-on for each verdict (no comment)
run_action never 0 INPUT_COMMENT=false INPUT_FAIL_ON=never
expect_out verdict FAIL
expect_out failed false
expect_out comment-status disabled
[ "$(errors)" = 0 ] && [ "$(warnings)" = 10 ] || fail "fail-on never: want 10 warnings, no errors"
run_action fail-marginal 1 INPUT_COMMENT=false INPUT_FAIL_ON=marginal
M=(INPUT_COMMENT=false INPUT_BASE="$P/mb" INPUT_CANDIDATE="$P/mc")
run_action marginal-fail 0 "${M[@]}" INPUT_FAIL_ON=fail
expect_out verdict MARGINAL
expect_out marginal 1
expect_out failed false
# no annotation says the step failed when it did not
grep -q '^::error title=flamegate::' "$R/stdout" && fail "marginal-fail: an ::error although the step passes"
run_action marginal-marginal 1 "${M[@]}" INPUT_FAIL_ON=marginal
expect_out verdict MARGINAL
expect_out failed true
# one ::error says why the step failed: the verdict, fail-on, the function
grep -q '^::error title=flamegate::MARGINAL fails the step because fail-on is marginal: 1 significant increase below the thresholds.* (hot); fail-on: fail would pass it$' "$R/stdout" ||
    fail "no ::error saying why MARGINAL failed: $(grep '^::' "$R/stdout")"
[ "$(grep -c '^::error' "$R/stdout")" = 1 ] || fail "marginal-marginal: want exactly one ::error"
run_action marginal-never 0 "${M[@]}" INPUT_FAIL_ON=never
grep -q '^::error' "$R/stdout" && fail "marginal-never: an ::error although the step passes"
# inconclusive: fail makes INCONCLUSIVE fail the step, and says so
run_action inconclusive-fail 1 "${M[@]}" INPUT_INCONCLUSIVE=fail INPUT_ARGS=$'--min-samples\n100000000'
expect_out verdict INCONCLUSIVE
expect_out failed true
grep -q '^::error title=flamegate::INCONCLUSIVE fails the step because inconclusive is fail: ' "$R/stdout" ||
    fail "no ::error saying why INCONCLUSIVE failed: $(grep '^::' "$R/stdout")"
# a materiality gate passed through: 2% is below the +5%, so it FAILs
run_action marginal-gate 1 "${M[@]}" INPUT_FAIL_ON=fail INPUT_MIN_CHANGE=2% INPUT_MIN_DELTA=0.1
expect_out verdict FAIL
run_action pass-marginal 0 INPUT_COMMENT=false INPUT_FAIL_ON=marginal INPUT_CANDIDATE="$P/same/*.pb.gz"
expect_out verdict PASS

# ---- 8. trouble: exit 2 whatever fail-on says, unless on-error: pass
run_action missing 2 INPUT_COMMENT=false INPUT_FAIL_ON=never INPUT_CANDIDATE="$TMP/nope/*.pb.gz"
expect_out verdict ERROR
expect_out exit-code 2
expect_out failed true
grep -q '^::error title=flamegate::flamegate compare failed (exit 2)' "$R/stdout" || fail "no error annotation"
contains "$R/summary" "flamegate: error (exit 2)"
# on-error: pass: a green step, but a ::warning says the gate did not run
run_action missing-pass 0 INPUT_COMMENT=false INPUT_ON_ERROR=pass INPUT_CANDIDATE="$TMP/nope/*.pb.gz"
expect_out verdict ERROR
expect_out exit-code 0
expect_out failed false
grep -q "^::warning title=flamegate::the gate did not run (flamegate would have exited 2): .*nope.*; on-error: pass lets the step pass without a comparison$" "$R/stdout" ||
    fail "no ::warning for an error passed by on-error: $(grep '^::' "$R/stdout")"
grep -q '^::error' "$R/stdout" && fail "missing-pass: an ::error although the step passes"
contains "$R/summary" "flamegate: the gate did not run (on-error: pass)"
# a backend outage (exit 3) passed the same way
run_action outage-pass 0 INPUT_COMMENT=false INPUT_ON_ERROR=pass INPUT_BASE= INPUT_CANDIDATE= \
    INPUT_BACKEND=pyroscope INPUT_URL="http://127.0.0.1:9" INPUT_SELECTOR='{service_name="x"}' \
    INPUT_BASE_VERSION=a INPUT_CANDIDATE_VERSION=b INPUT_ARGS=$'--retries\n0\n--connect-timeout\n2'
expect_out verdict ERROR
grep -q "^::warning title=flamegate::the gate did not run (flamegate would have exited 3): " "$R/stdout" ||
    fail "no ::warning for a fetch failure passed by on-error: $(grep '^::' "$R/stdout")"
# invalid inputs: exit 2, verdict ERROR (never empty), one ::error, summary
run_action bad-fail-on 2 INPUT_FAIL_ON=sometimes
grep -q "^::error title=flamegate::bad fail-on 'sometimes'" "$R/stdout" || fail "bad fail-on not reported"
expect_out verdict ERROR
expect_out exit-code 2
expect_out failed true
expect_out comment-status skipped
contains "$R/summary" "bad fail-on 'sometimes'"
run_action bad-comment 2 INPUT_COMMENT=always
expect_out verdict ERROR
run_action bad-annotations 2 INPUT_ANNOTATIONS=many
expect_out verdict ERROR
run_action bad-format 2 INPUT_FORMATS=pdf
expect_out verdict ERROR
grep -q "^::error title=flamegate::unknown report format 'pdf'" "$R/stdout" || fail "bad format not reported"
run_action nothing 2 INPUT_BASE= INPUT_CANDIDATE=
expect_out verdict ERROR
grep -q "^::error title=flamegate::nothing to compare" "$R/stdout" || fail "nothing to compare not reported"
run_action no-base 2 INPUT_COMMENT=false INPUT_BASE=
expect_out verdict ERROR
expect_out failed true
[ "$(grep -c '^::error title=flamegate::' "$R/stdout")" = 1 ] || fail "no-base: want one ::error"
# a binary that does not run: ERROR, and the ::error names it
run_action no-binary 2 FLAMEGATE="$TMP/no/flamegate"
expect_out verdict ERROR
grep -q "^::error title=flamegate::flamegate '$TMP/no/flamegate' does not run" "$R/stdout" ||
    fail "no ::error for a missing binary: $(grep '^::' "$R/stdout")"

# ---- 9. escaping: '%', ':' and ',' in a symbol, annotations capped by input
run_action escape 1 INPUT_COMMENT=false INPUT_BASE="$P/fb" INPUT_CANDIDATE="$P/fc" INPUT_ANNOTATIONS=3
[ "$(errors)" = 1 ] || fail "want one annotation"
grep -qF '::error title=flamegate regression::parse%25d,x::y: ' "$R/stdout" ||
    fail "message not escaped: $(grep '^::error' "$R/stdout")"

# ---- 10. not a pull request (push): no comment, no API call
start_fake "$TMP/gh4"
run_action push 1 GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$EVENTS/event-push.json"
expect_out comment-status skipped
[ ! -s "$TMP/gh4/requests.log" ] || fail "API called on a push event"
# ... unless a PR number is given (the workflow_run pattern)
run_action push-pr 1 GITHUB_EVENT_NAME=workflow_run \
    GITHUB_EVENT_PATH="$EVENTS/event-workflow_run-fork.json" INPUT_PR_NUMBER=7
expect_out comment-status created

# ---- 11. prepare and build, with a stand-in make ($MAKE)
# run_step NAME WANT_EXIT STEP [VAR=VALUE ...]: action/run.sh STEP
run_step() {
    local name=$1 want=$2 step=$3
    shift 3
    R=$TMP/$name
    mkdir -p "$R"
    : >"$R/output"
    env -i PATH="$PATH" HOME="$TMP" LC_ALL=C GITHUB_ACTIONS=true \
        GITHUB_OUTPUT="$R/output" RUNNER_TEMP="$TMP/runner" RUNNER_OS=Linux "$@" \
        bash action/run.sh "$step" >"$R/stdout" 2>"$R/stderr"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; tail -n 30 "$R/stdout" >&2
        echo "--- stderr" >&2; tail -n 30 "$R/stderr" >&2
        fail "$name: expected exit $want, got $got"
    fi
}
run_step prep 0 prepare
expect_out build true
expect_out use-cache true
expect_out bin "$TMP/runner/flamegate-action/bin/flamegate"
expect_out cache-path "$TMP/runner/flamegate-action/bin"
out cache-key | grep -qE '^flamegate-Linux-X64-[a-z0-9.]+-[0-9a-f]{20}$' || fail "cache key '$(out cache-key)'"
run_step prep-nocache 0 prepare INPUT_CACHE=false
expect_out use-cache false
run_step prep-bin 0 prepare INPUT_FLAMEGATE=/opt/fg
expect_out build false
expect_out bin /opt/fg
run_step prep-mac 2 prepare RUNNER_OS=macOS
grep -q "^::error title=flamegate::the flamegate action builds on Linux runners" "$R/stdout" || fail "macOS not reported"

BIN=$TMP/runner/flamegate-action/bin/flamegate
BDIR=$TMP/runner/flamegate-action/build
MK=$TMP/make
# fake make: logs its arguments; MAKE_FAIL=deps|build fails that part
cat >"$MK" <<'MAKE'
#!/bin/sh
printf '%s\n' "$*" >>"$MAKE_LOG"
case "$*" in
    *" deps") if [ "$MAKE_FAIL" = deps ]; then
                  echo "E: Unable to locate package libprotobuf-c-dev" >&2
                  echo "flamegate: installing the build dependencies failed (apt-get install libprotobuf-c-dev)" >&2
                  exit 2
              fi ;;
    *) if [ "$MAKE_FAIL" = build ]; then
           echo "src/x.c:1:10: fatal error: protobuf-c/protobuf-c.h: No such file or directory" >&2
           exit 2
       fi
       for a in "$@"; do case "$a" in */flamegate) cp "$FAKE_BUILT" "$a" ;; esac; done ;;
esac
MAKE
chmod +x "$MK"
B=(MAKE="$MK" MAKE_LOG="$TMP/make.log" FAKE_BUILT="$FG_BIN" FLAMEGATE_BIN="$BIN" FLAMEGATE_BUILD_DIR="$BDIR")
mkdir -p "$BDIR"
# installing the dependencies fails: ::error naming the command and why
run_step deps-fail 2 build "${B[@]}" MAKE_FAIL=deps
grep -qF "::error title=flamegate::installing the build dependencies failed: '$MK -C $PWD deps' exited 2: flamegate: installing the build dependencies failed (apt-get install libprotobuf-c-dev)" "$R/stdout" ||
    fail "no ::error naming the failed dependency install: $(grep '^::' "$R/stdout")"
contains "$R/stderr" "E: Unable to locate package"
[ ! -e "$BIN" ] || fail "deps failed but a binary is in place"
# the gate step that runs after it: verdict ERROR, no second ::error
run_action after-deps-fail 2 FLAMEGATE="$BIN"
expect_out verdict ERROR
expect_out failed true
grep -q '^::error' "$R/stdout" && fail "the gate annotated the build failure again: $(grep '^::' "$R/stdout")"
contains "$R/summary" "no flamegate binary: installing the build dependencies failed"
# the build fails: ::error naming the make command and the compiler error
run_step build-fail 2 build "${B[@]}" MAKE_FAIL=build
grep -qF "::error title=flamegate::building flamegate failed: '$MK -C $PWD B=$BDIR $BDIR/flamegate' exited 2: src/x.c:1:10: fatal error: protobuf-c/protobuf-c.h: No such file or directory" "$R/stdout" ||
    fail "no ::error naming the failed build: $(grep '^::' "$R/stdout")"
# the build succeeds: the binary is copied into the cached path
: >"$TMP/make.log"
run_step build-ok 0 build "${B[@]}"
[ -x "$BIN" ] && cmp -s "$BIN" "$FG_BIN" || fail "the built binary was not copied to $BIN"
grep -q ' deps$' "$TMP/make.log" || fail "make deps did not run"
grep -q "B=$BDIR $BDIR/flamegate\$" "$TMP/make.log" || fail "make did not build $BDIR/flamegate"
grep -q '^::error' "$R/stdout" && fail "build-ok: an ::error"
# the next run finds it (as after a cache restore): make never runs
: >"$TMP/make.log"
run_step build-cached 0 build "${B[@]}"
[ ! -s "$TMP/make.log" ] || fail "a working cached binary was rebuilt: $(cat "$TMP/make.log")"
contains "$R/stderr" "using cached flamegate"
# and prepare clears the failure left by an earlier run of the action
run_step deps-fail-again 2 build "${B[@]}" MAKE_FAIL=deps FLAMEGATE_BIN="$TMP/other/flamegate"
[ -s "$TMP/runner/flamegate-action/step-error" ] || fail "no step-error state after a failed build"
run_step prep-clears 0 prepare
[ ! -e "$TMP/runner/flamegate-action/step-error" ] || fail "prepare kept a stale step-error"
exit 0
