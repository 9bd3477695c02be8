# fetch_errors.sh - failure handling of "flamegate fetch" against a fake
# Pyroscope: retries on 503/429, a Connect JSON error shown verbatim,
# timeouts, TLS to a plain-HTTP port, refused connections, the response
# size cap and usage errors, each with its exit code and message; and a
# live pprof endpoint whose gzipped body is written as is.
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

V1=testdata/http/checkout-v1.folded
sel=(--backend pyroscope --selector '{service_name="checkout"}' --base-version v1
     --side base --from now-1h --until now)

# 503 twice, then the answer: retried with backoff, success.
start_pyro "$TMP/a" --profiles "v1=$V1" --fail 2:503
expect_exit 0 $FG fetch "${sel[@]}" --url "$URL" --retry-backoff 0.01 -o "$TMP/a.pb.gz"
[ "$(log_count "$TMP/a" SelectMergeStacktraces)" = 3 ] || fail "expected 3 attempts"

# 429 beyond the retries: exit 3 with the attempts and the server's JSON.
start_pyro "$TMP/b" --profiles "v1=$V1" --fail 9:429
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" --retries 1 --retry-backoff 0.01 -o "$TMP/b.pb.gz"
contains "$TMP/err" "HTTP 429 from '$URL/querier.v1.QuerierService/SelectMergeStacktraces' (after 2 attempts): {\"code\":\"resource_exhausted\",\"message\":\"injected failure\"}"

# 400 is not retried.
start_pyro "$TMP/c" --profiles "v1=$V1" --fail 1:400
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" -o "$TMP/c.pb.gz"
contains "$TMP/err" '{"code":"invalid_argument","message":"injected failure"}'
[ "$(log_count "$TMP/c" SelectMergeStacktraces)" = 1 ] || fail "400 was retried"

# A slow server: the per-request timeout.
start_pyro "$TMP/d" --profiles "v1=$V1" --delay 3
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" --timeout 0.5 --retries 0 -o "$TMP/d.pb.gz"
contains "$TMP/err" "timed out fetching '$URL/querier.v1.QuerierService/SelectMergeStacktraces'"

# https to a plain-HTTP port.
start_pyro "$TMP/e" --profiles "v1=$V1"
expect_exit 3 $FG fetch "${sel[@]}" --url "https://127.0.0.1:$PORT" --retries 0 -o "$TMP/e.pb.gz"
contains "$TMP/err" "TLS error connecting to 'https://127.0.0.1:$PORT/"

# The response size cap (a limit: exit 2, naming the flag).
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL" --max-response-size 64 -o "$TMP/f.pb.gz"
contains "$TMP/err" "--max-response-size"

# Nobody listening.
kill "${FAKES[-1]}"; wait "${FAKES[-1]}" 2>/dev/null
expect_exit 3 $FG fetch "${sel[@]}" --url "$URL" --retries 0 -o "$TMP/g.pb.gz"
contains "$TMP/err" "cannot connect to '$URL/"
for f in a b c d e f g; do
    [ "$f" = a ] || [ ! -e "$TMP/$f.pb.gz" ] || fail "failed fetch $f left a file"
done

# Usage errors: exit 2 with a hint.
start_pyro "$TMP/h" --profiles "v1=$V1"
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL"
contains "$TMP/err" "no output file"
contains "$TMP/err" "try 'flamegate fetch --help'"
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL" --header 'Authorization: Bearer abc' -o "$TMP/h.pb.gz"
contains "$TMP/err" "refusing a credential in --header"
lacks "$TMP/err" "abc"
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL" --from yesterday -o "$TMP/h.pb.gz"
contains "$TMP/err" "invalid time 'yesterday' for --from"
expect_exit 2 $FG fetch "${sel[@]}" --url "$URL" --side middle -o "$TMP/h.pb.gz"
expect_exit 2 $FG fetch testdata/http/checkout-v1.folded -o "$TMP/h.pb.gz"
contains "$TMP/err" "http(s) URL"
expect_exit 2 $FG fetch --backend tempo --url "$URL" -o "$TMP/h.pb.gz"
contains "$TMP/err" "unknown backend 'tempo'"
expect_exit 0 $FG fetch --help
contains "$TMP/out" "--list-versions"
contains "$TMP/out" "Examples:"

# A live pprof endpoint: the gzipped body is kept byte for byte.
expect_exit 0 $FG fetch "$URL/debug/pprof/profile?seconds=1" -o "$TMP/ep.pb.gz"
cmp -s "$TMP/ep.pb.gz" "$TMP/h/endpoint.pb.gz" || fail "endpoint profile changed"
expect_exit 0 $FG fetch "$URL/debug/pprof/profile?seconds=1" --runs 2 -o "$TMP/eps"
[ -f "$TMP/eps/run-01.pb.gz" ] && [ -f "$TMP/eps/run-02.pb.gz" ] || fail "endpoint runs"
[ "$(log_count "$TMP/h" 'GET /debug/pprof/profile?seconds=1')" = 3 ] || fail "endpoint captures"
exit 0
