# action_run.sh - the GitHub Action's logic (action/run.sh gate) in a
# simulated Actions environment: temporary GITHUB_STEP_SUMMARY and
# GITHUB_OUTPUT, a pull_request GITHUB_EVENT_PATH, and GITHUB_API_URL on a
# fake GitHub API (tests/tools/fg-fakegithub) on 127.0.0.1.  Asserts the
# summary, the outputs, the annotations, one comment created then updated,
# no update with comment: on-change when nothing changed, pagination past
# 100 comments, the 403 of a fork pull request, and the step's exit code
# for each fail-on value.  Profiles are synthetic (tests/tools/fg-gen):
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
expect_out regressions 16
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
# "NAME: A%25 -> B%25 of samples (xR, p=P)" ('%' escaped as the workflow
# command rules say), ten distinct functions, largest growth in share first
grep '^::error ' "$R/stdout" | grep -vqE '::[^:]+: [0-9.]+%25 -> [0-9.]+%25 of samples \(x[0-9.]+, p=[0-9.e-]+\)$' &&
    fail "annotation format: $(grep '^::error ' "$R/stdout" | head -n 3)"
[ "$(grep '^::error ' "$R/stdout" | sed 's/: [0-9.]*%25 -> .*//' | sort -u | wc -l)" = 10 ] ||
    fail "annotations are not ten distinct functions"
grep '^::error ' "$R/stdout" | sed -E 's/.*: ([0-9.]+)%25 -> ([0-9.]+)%25 .*/\1 \2/' |
    awk '{ d = $2 - $1; if (NR > 1 && d > prev + 1e-9) bad = 1; prev = d } END { exit bad }' ||
    fail "annotations not ordered by growth in share"
while IFS= read -r name; do
    grep -qF "\"name\": \"$name\"" "$TMP/report/report.json" || fail "annotated '$name' not in the report"
done < <(grep '^::error ' "$R/stdout" | sed 's/^::error title=flamegate regression:://; s/: [0-9.]*%25 -> .*//')
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
run_action marginal-marginal 1 "${M[@]}" INPUT_FAIL_ON=marginal
expect_out verdict MARGINAL
expect_out failed true
run_action marginal-never 0 "${M[@]}" INPUT_FAIL_ON=never
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
run_action missing-pass 0 INPUT_COMMENT=false INPUT_ON_ERROR=pass INPUT_CANDIDATE="$TMP/nope/*.pb.gz"
run_action bad-fail-on 2 INPUT_FAIL_ON=sometimes
grep -q "^::error title=flamegate::bad fail-on 'sometimes'" "$R/stdout" || fail "bad fail-on not reported"
run_action bad-comment 2 INPUT_COMMENT=always
run_action nothing 2 INPUT_BASE= INPUT_CANDIDATE=

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
exit 0
