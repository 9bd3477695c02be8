# fetch_secrets.sh - credentials: a bearer token from an environment
# variable or a file reaches the server, and never appears in any output,
# verbose trace or error message.
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

TOKEN=tok_PLANTED_5f1e2d3c4b
V1=testdata/http/checkout-v1.folded
sel=(--backend pyroscope --selector '{service_name="checkout"}' --base-version v1
     --side base --retries 0)
start_pyro "$TMP/p" --profiles "v1=$V1" --token "$TOKEN"

check_clean() {
    lacks "$TMP/out" "$TOKEN"
    lacks "$TMP/err" "$TOKEN"
    lacks "$TMP/err" "PLANTED"
}

# From the environment, with the verbose trace.
export FG_TEST_TOKEN=$TOKEN
expect_exit 0 $FG fetch "${sel[@]}" --url "$URL" --token-env FG_TEST_TOKEN -v -o "$TMP/a.pb.gz"
check_clean
contains "$TMP/err" "> Authorization: <redacted>"
contains "$TMP/err" "> POST /querier.v1.QuerierService/SelectMergeStacktraces"

# From a file (trailing newline ignored).
printf '%s\n' "$TOKEN" >"$TMP/token"
expect_exit 0 $FG fetch "${sel[@]}" --url "$URL" --token-file "$TMP/token" -v -o "$TMP/b.pb.gz"
check_clean

# A wrong token: exit 3, and neither token is shown.
export FG_TEST_BAD=bad_PLANTED_token
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" --token-env FG_TEST_BAD -v -o "$TMP/c.pb.gz"
check_clean
lacks "$TMP/err" "bad_PLANTED_token"
contains "$TMP/err" "invalid token"

# Unset variable: a usage error naming the variable, not a value.
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL" --token-env FG_TEST_NOT_SET -o "$TMP/d.pb.gz"
contains "$TMP/err" "environment variable 'FG_TEST_NOT_SET' (from --token-env) is not set"

# Basic auth: the password only from the environment or a file.
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL" --user 12345 -o "$TMP/e.pb.gz"
contains "$TMP/err" "--user needs --password-env or --password-file"

# Credentials in the URL are stripped from messages.
expect_exit 3 $FG fetch "${sel[@]}" --url "http://user:$TOKEN@127.0.0.1:$PORT" -o "$TMP/f.pb.gz"
check_clean
exit 0
