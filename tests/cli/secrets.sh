# secrets.sh - a planted secret never reaches any output (issue 7).
#
# The token is planted where flamegate takes secrets from: an environment
# variable named by --token-env (also through FLAMEGATE_TOKEN_ENV), a
# --token-file, a --password-env / --password-file for basic auth, a
# "token" query parameter of a live pprof URL, and GITHUB_TOKEN.  Commands
# are run verbosely (-v: the request trace), succeeding and failing, and
# with every report format written to files; then stdout, stderr, every
# report and every other file the runs left in $TMP are searched for it.
#
# Coverage elsewhere (not repeated here): tests/cli/fetch_secrets.sh (fetch
# with --token-env/--token-file, a wrong token, URL credentials),
# tests/cli/action_comment.sh (comment: success, 401, 403 output),
# tests/input/check_catalogue.c (servers that echo the secret back),
# tests/fuzz/fuzz_{connect,parca,github}.c (the same, fuzzed).
. tests/cli/lib.sh

tool() {
    local d
    for d in "$(dirname "$FG_BIN")" build; do
        [ -x "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
    done
    return 1
}

SECRET=PLANTEDsecret_7f3a9c1e
PASS=PLANTEDpass_b2d4
printf '%s\n' "$SECRET" >"$TMP/token"
printf '%s\n' "$PASS" >"$TMP/password"
export FLAMEGATE_TEST_TOKEN=$SECRET FLAMEGATE_TEST_PASSWORD=$PASS
ran=0

# scan: no file under $TMP (but the planted ones and the fake servers'
# own state) contains a secret
scan() {
    local hits
    hits=$(grep -rlF -e "$SECRET" -e "$PASS" "$TMP" 2>/dev/null |
        grep -v -e "^$TMP/token$" -e "^$TMP/password$" -e "^$TMP/srv/" -e "^$TMP/gh/")
    [ -z "$hits" ] || {
        for f in $hits; do echo "--- $f" >&2; grep -F -e "$SECRET" -e "$PASS" "$f" | head -c 600 >&2; done
        fail "a secret appears in: $hits"
    }
}

# run NAME EXIT CMD...: run, keep stdout/stderr as $TMP/NAME.out/.err
run() {
    local name=$1 want=$2
    shift 2
    expect_exit "$want" "$@"
    mv "$TMP/out" "$TMP/$name.out"
    mv "$TMP/err" "$TMP/$name.err"
    ran=$((ran + 1))
}

# ---- Pyroscope and live pprof endpoints (fg-fakepyro) ---------------------
PYRO=$(tool fg-fakepyro) || PYRO=
have_fetch=false
$FG fetch --help >/dev/null 2>&1 && have_fetch=true
if [ -n "$PYRO" ] && $have_fetch; then
    mkdir -p "$TMP/srv"
    "$PYRO" --dir "$TMP/srv" --profiles "v1=testdata/http/checkout-v1.folded" \
        --profiles "v2=testdata/http/checkout-v2.folded" --token "$SECRET" \
        --idle-exit 60 2>"$TMP/srv/stderr" &
    pid=$!
    trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
    for i in $(seq 200); do [ -s "$TMP/srv/port" ] && break; sleep 0.05; done
    [ -s "$TMP/srv/port" ] || fail "fg-fakepyro did not start"
    URL="http://127.0.0.1:$(cat "$TMP/srv/port")"
    sel=(--backend pyroscope --url "$URL" --selector '{service_name="checkout"}'
         --version-label version --base-version v1 --candidate-version v2
         --retries 0)

    # fetch, the secret from each source, verbose, succeeding
    run fetch-env 0 $FG fetch -v "${sel[@]}" --side base --token-env FLAMEGATE_TEST_TOKEN -o "$TMP/f1.pb.gz"
    contains "$TMP/fetch-env.err" "Authorization: <redacted>"
    run fetch-file 0 $FG fetch -v "${sel[@]}" --side base --token-file "$TMP/token" -o "$TMP/f2.pb.gz"
    # through FLAMEGATE_TOKEN_ENV (the environment form of --token-env):
    # it either works or fails without showing anything secret
    FLAMEGATE_TOKEN_ENV=FLAMEGATE_TEST_TOKEN $FG fetch -v "${sel[@]}" --side base \
        -o "$TMP/f3.pb.gz" >"$TMP/fetch-flenv.out" 2>"$TMP/fetch-flenv.err"
    case $? in 0 | 3) ;; *) fail "FLAMEGATE_TOKEN_ENV: exit $?" ;; esac
    # failing: a wrong token (401), a server that is down, basic auth
    run fetch-401 3 env WRONG="x$SECRET" $FG fetch -v "${sel[@]}" --side base --token-env WRONG -o "$TMP/f4.pb.gz"
    run fetch-down 3 $FG fetch -v "${sel[@]/$URL/http://127.0.0.1:9}" --side base \
        --token-env FLAMEGATE_TEST_TOKEN --timeout 5 -o "$TMP/f5.pb.gz"
    run fetch-basic 3 $FG fetch -v "${sel[@]}" --side base --user gate \
        --password-env FLAMEGATE_TEST_PASSWORD -o "$TMP/f6.pb.gz"
    run fetch-basic-file 3 $FG fetch -v "${sel[@]}" --side base --user gate \
        --password-file "$TMP/password" -o "$TMP/f7.pb.gz"
    # a live endpoint authenticated by a query parameter
    run fetch-url 0 $FG fetch -v "$URL/debug/pprof/profile?seconds=1&token=$SECRET" -o "$TMP/f8.pb.gz"
    run fetch-url-bad 3 $FG fetch -v "http://127.0.0.1:9/debug/pprof/profile?token=$SECRET" \
        --retries 0 --timeout 5 -o "$TMP/f9.pb.gz"
    [ ! -e "$TMP/f9.pb.gz" ] || fail "a failed fetch left its output"

    # compare straight from the backend, every report written
    if $FG compare --help 2>/dev/null | grep -q -- '--backend'; then
        run cmp-backend 0 $FG compare -v "${sel[@]}" --token-env FLAMEGATE_TEST_TOKEN \
            -o "text=$TMP/r.txt" -o "markdown=$TMP/r.md" -o "json=$TMP/r.json" \
            -o "html=$TMP/r.html" -o "folded=$TMP/r.folded" --inconclusive pass
        run cmp-backend-401 3 env WRONG="x$SECRET" $FG compare -v "${sel[@]}" --token-env WRONG \
            -o "json=$TMP/r401.json"
        [ ! -e "$TMP/r401.json" ] || fail "a failed compare wrote a report"
        # A live endpoint whose URL carries the token: the reports' settings
        # line repeats the command line, which must not carry it into a PR
        # comment.
        mkdir "$TMP/url"
        expect_exit 0 $FG compare -v -o "markdown=$TMP/url/u.md" -o "json=$TMP/url/u.json" \
            -o "html=$TMP/url/u.html" --inconclusive pass \
            "$URL/debug/pprof/profile?seconds=1&token=$SECRET" testdata/http/checkout-v1.folded
        mv "$TMP/out" "$TMP/url/cmp-url.out"
        mv "$TMP/err" "$TMP/url/cmp-url.err"
        ! grep -rlF "$SECRET" "$TMP/url" || fail "the URL's token is in the reports"
        rm -rf "$TMP/url"
    else
        echo "SKIP: compare has no --backend yet: reports from backends not checked"
    fi
    # config --show names where secrets come from, never their values
    if $FG config --help >/dev/null 2>&1; then
        run config-show 0 env FLAMEGATE_TOKEN_ENV=FLAMEGATE_TEST_TOKEN $FG config --show
        if $FG config --help 2>/dev/null | grep -q -- '--token-file'; then
            run config-show-file 0 $FG config --show --token-file "$TMP/token"
        fi
    fi
else
    echo "SKIP: fetch not linked or fg-fakepyro not built: backend secrets not checked"
fi

# ---- GitHub comments (fg-fakegithub) ---------------------------------------
GHF=$(tool fg-fakegithub) || GHF=
if [ -n "$GHF" ] && $FG comment --help >/dev/null 2>&1; then
    mkdir -p "$TMP/gh"
    "$GHF" --dir "$TMP/gh" --token "$SECRET" --repo octo/widgets --pr 7 \
        --idle-exit 60 2>"$TMP/gh/stderr" &
    ghpid=$!
    trap 'kill ${pid:-} $ghpid 2>/dev/null; wait 2>/dev/null' EXIT
    for i in $(seq 200); do [ -s "$TMP/gh/port" ] && break; sleep 0.05; done
    [ -s "$TMP/gh/port" ] || fail "fg-fakegithub did not start"
    export GITHUB_API_URL="http://127.0.0.1:$(cat "$TMP/gh/port")"
    printf '<!-- flamegate:default -->\n### flamegate\n\nPASS\n' >"$TMP/report.md"
    run gh-ok 0 env GITHUB_TOKEN="$SECRET" $FG comment --repo octo/widgets --pr 7 "$TMP/report.md"
    run gh-env 0 env FLAMEGATE_TEST_TOKEN="$SECRET" $FG comment --token-env FLAMEGATE_TEST_TOKEN \
        --repo octo/widgets --pr 7 --if-changed "$TMP/report.md"
    run gh-401 3 env GITHUB_TOKEN="x$SECRET" $FG comment --repo octo/widgets --pr 7 "$TMP/report.md"
    run gh-404 3 env GITHUB_TOKEN="$SECRET" $FG comment --repo octo/widgets --pr 8 "$TMP/report.md"
    # the comment itself must not carry the token either
    ! grep -rqF "$SECRET" "$TMP/gh/comments" 2>/dev/null || fail "the token is in a posted comment"
else
    echo "SKIP: comment not linked or fg-fakegithub not built"
fi

# ---- local compare: settings from FLAMEGATE_* never echo unrelated secrets --
run cmp-local 1 env FLAMEGATE_TOKEN_ENV=FLAMEGATE_TEST_TOKEN FLAMEGATE_TOKEN_FILE="$TMP/token" \
    $FG compare -v -o "markdown=$TMP/l.md" -o "json=$TMP/l.json" -o "html=$TMP/l.html" \
    testdata/corrupt/names-base.pb testdata/corrupt/names-cand.pb
run cmp-local-bad 2 env FLAMEGATE_TOKEN_ENV=FLAMEGATE_TEST_TOKEN \
    $FG compare -v testdata/corrupt/empty.pb testdata/corrupt/names-cand.pb

scan
echo "secrets: $ran runs checked"
exit 0
