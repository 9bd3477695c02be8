# action_comment.sh - 'flamegate comment' against a fake GitHub API on
# 127.0.0.1 (tests/tools/fg-fakegithub): target from the event payload or
# flags, exit codes (0 done, 2 usage, 3 API failure), the 403 of a fork
# with and without --tolerate-forbidden, a lost POST answer not turning
# into two comments, a GitHub Enterprise base URL, the 65,536 cap, and
# the token never appearing in any output.
. tests/cli/lib.sh

tool() {
    local d
    for d in "$(dirname "$FG_BIN")" build; do
        [ -x "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
    done
    return 1
}
FAKE=$(tool fg-fakegithub) || skip "fg-fakegithub not built"
TOKEN=ghs_secret_value_987
EVENTS=$PWD/testdata/github
FAKES=()
cleanup() {
    local pid
    for pid in "${FAKES[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
trap cleanup EXIT
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
# gh ENV... -- ARGS...: flamegate comment in a clean environment
gh() {
    local -a envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    env -i PATH="$PATH" LC_ALL=C GITHUB_API_URL="http://127.0.0.1:$PORT" \
        "${envs[@]}" $FG comment "$@"
}
secret_free() {
    ! grep -qF "$TOKEN" "$TMP/out" "$TMP/err" || fail "the token was printed"
}

printf '<!-- flamegate:default -->\n### report\n\nbody\n' >"$TMP/r.md"
start_fake "$TMP/a"

# ---- target from the event payload; created, then updated
expect_exit 0 gh GITHUB_TOKEN=$TOKEN GITHUB_REPOSITORY=octo/widgets \
    GITHUB_EVENT_PATH="$EVENTS/event-pull_request.json" -- "$TMP/r.md"
grep -qE '^http://127\.0\.0\.1:[0-9]+/octo/widgets/pull/7#issuecomment-1000$' "$TMP/out" ||
    fail "stdout is not the comment URL: $(cat "$TMP/out")"
contains "$TMP/err" "created comment 1000 on octo/widgets#7"
secret_free
expect_exit 0 gh GITHUB_TOKEN=$TOKEN GITHUB_EVENT_PATH="$EVENTS/event-pull_request.json" -- "$TMP/r.md"
contains "$TMP/err" "updated comment 1000"
expect_exit 0 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 --if-changed -q "$TMP/r.md"
[ ! -s "$TMP/err" ] || fail "-q printed: $(cat "$TMP/err")"
[ "$(count "$TMP/a" POST)" = 1 ] && [ "$(count "$TMP/a" PATCH)" = 1 ] ||
    fail "want 1 POST and 1 PATCH: $(cat "$TMP/a/requests.log")"
# another id is another comment; the report's own marker is replaced
printf '<!-- flamegate:default -->\n### other\n' >"$TMP/o.md"
expect_exit 0 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 --id heap "$TMP/o.md"
contains "$TMP/err" "created comment 1001"
head -n 1 "$TMP/a/comments/1001.md" | grep -qxF '<!-- flamegate:heap -->' || fail "marker not rewritten"
lacks "$TMP/a/comments/1001.md" "flamegate:default"
# token from another variable
expect_exit 0 gh MY_TOKEN=$TOKEN -- --token-env MY_TOKEN --repo octo/widgets --pr 7 --id heap "$TMP/o.md"
contains "$TMP/err" "updated comment 1001"

# ---- usage errors: exit 2, nothing sent
before=$(wc -l <"$TMP/a/requests.log")
expect_exit 2 gh GITHUB_REPOSITORY=octo/widgets -- --pr 7 "$TMP/r.md"
contains "$TMP/err" "no GitHub token: set GITHUB_TOKEN"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN GITHUB_REPOSITORY=octo/widgets \
    GITHUB_EVENT_PATH="$EVENTS/event-push.json" -- "$TMP/r.md"
contains "$TMP/err" "no pull request number"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo 'octo/../x' --pr 7 "$TMP/r.md"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 0 "$TMP/r.md"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 --id 'a b' "$TMP/r.md"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 --token-env 'X;Y' "$TMP/r.md"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 "$TMP/missing.md"
expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7
expect_exit 2 gh GITHUB_TOKEN=$TOKEN GITHUB_EVENT_PATH="$EVENTS/event-bad-number.json" -- "$TMP/r.md"
# only a flamegate markdown report is posted: a JSON report (cut to at
# most 65,536 characters), a text report, an empty file or a marker left
# open is refused, naming the file and how to write a markdown report
FGM=${FG_BIN:-flamegate}
"$FGM" compare --format json examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz \
    >"$TMP/full.json" 2>/dev/null
head -c 65536 "$TMP/full.json" >"$TMP/cut.json"
[ -s "$TMP/cut.json" ] || fail "no JSON report to try"
"$FGM" compare examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz >"$TMP/r.txt" 2>/dev/null
: >"$TMP/empty.md"
printf '### flamegate\n\nPASS\n<!-- flamegate: not closed\n' >"$TMP/hand.md"
for f in cut.json r.txt empty.md hand.md; do
    expect_exit 2 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 "$TMP/$f"
    contains "$TMP/err" "error: '$TMP/$f' is not a flamegate markdown report"
    contains "$TMP/err" "'flamegate compare -o markdown=FILE'"
    [ "$(wc -l <"$TMP/err")" = 1 ] || fail "more than one line: $(cat "$TMP/err")"
done
[ "$(wc -l <"$TMP/a/requests.log")" = "$before" ] || fail "a usage error reached the API"
# a real markdown report is accepted (CRLF line ends too)
"$FGM" compare -o "markdown=$TMP/real.md" examples/profiles/base.pb.gz examples/profiles/candidate.pb.gz \
    >/dev/null 2>&1
expect_exit 0 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 --id real "$TMP/real.md"
sed 's/$/\r/' "$TMP/real.md" >"$TMP/crlf.md"
expect_exit 0 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 --id real "$TMP/crlf.md"
before=$(wc -l <"$TMP/a/requests.log")
expect_exit 0 $FG comment --help
contains "$TMP/out" "--tolerate-forbidden"

# ---- API failures: exit 3, token never shown
expect_exit 3 gh GITHUB_TOKEN=ghs_wrong_value_555 -- --repo octo/widgets --pr 7 "$TMP/r.md"
contains "$TMP/err" "HTTP 401: Bad credentials"
! grep -qF ghs_wrong_value_555 "$TMP/out" "$TMP/err" || fail "the token was printed"
expect_exit 3 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 8 "$TMP/r.md"
contains "$TMP/err" "HTTP 404"

# ---- fork: 403 is exit 3, or 0 with --tolerate-forbidden, and says why
start_fake "$TMP/f" --forbid-writes
F=("GITHUB_TOKEN=$TOKEN" GITHUB_REPOSITORY=octo/widgets GITHUB_EVENT_PATH="$EVENTS/event-pull_request-fork.json")
expect_exit 3 gh "${F[@]}" -- "$TMP/r.md"
contains "$TMP/err" "error: no comment posted on octo/widgets#7: GitHub answered HTTP 403 'Resource not accessible by integration'"
contains "$TMP/err" "fork 'contributor/widgets'"
expect_exit 0 gh "${F[@]}" -- --tolerate-forbidden "$TMP/r.md"
contains "$TMP/err" "warning: no comment posted on octo/widgets#7"
[ ! -s "$TMP/out" ] || fail "a URL was printed although nothing was posted"
secret_free

# ---- a POST whose answer is lost is not repeated blindly
start_fake "$TMP/l" --fail-post 1
expect_exit 0 gh GITHUB_TOKEN=$TOKEN -- --repo octo/widgets --pr 7 "$TMP/r.md"
[ "$(ls "$TMP/l/comments" | wc -l)" = 1 ] || fail "a lost answer made two comments"
[ "$(count "$TMP/l" POST)" = 1 ] || fail "POST repeated"

# ---- GitHub Enterprise: GITHUB_API_URL=https://HOST/api/v3 style base
start_fake "$TMP/e" --prefix /api/v3 --seed 120
expect_exit 0 env -i PATH="$PATH" GITHUB_TOKEN=$TOKEN \
    GITHUB_API_URL="http://127.0.0.1:$PORT/api/v3/" $FG comment --repo octo/widgets --pr 7 "$TMP/r.md"
expect_exit 0 env -i PATH="$PATH" GITHUB_TOKEN=$TOKEN \
    GITHUB_API_URL="http://127.0.0.1:$PORT/api/v3" $FG comment --repo octo/widgets --pr 7 "$TMP/r.md"
contains "$TMP/err" "updated comment 1120"
contains "$TMP/e/requests.log" "GET /api/v3/repositories/4242/issues/7/comments?per_page=100&page=2 200"

# ---- a report over the cap is cut to fit (the fake answers 422 beyond it)
awk 'BEGIN { print "<!-- flamegate:default -->"; print "### big"; print ""; print "<details><summary>all</summary>"; print "";
             for (i = 0; i < 20000; i++) printf "| `fn%d` | 1.00%% | \xe2\x82\xac |\n", i;
             print ""; print "</details>" }' >"$TMP/big.md"
expect_exit 0 env -i PATH="$PATH" GITHUB_TOKEN=$TOKEN GITHUB_SERVER_URL=https://github.example \
    GITHUB_REPOSITORY=octo/widgets GITHUB_RUN_ID=99 GITHUB_API_URL="http://127.0.0.1:$PORT/api/v3" \
    $FG comment --pr 7 --id big "$TMP/big.md"
contains "$TMP/err" "truncated to 65536 characters"
body=$TMP/e/comments/$(sed -n 's|.*#issuecomment-||p' "$TMP/out").md
[ "$(wc -c <"$body")" -le 65536 ] || fail "body over the cap: $(wc -c <"$body")"
contains "$body" "(https://github.example/octo/widgets/actions/runs/99)"
contains "$body" "</details>"
exit 0
