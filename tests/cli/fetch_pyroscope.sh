# fetch_pyroscope.sh - "flamegate fetch" end to end through a fake
# Pyroscope (tests/tools/fg-fakepyro, Connect protocol on 127.0.0.1):
# side selection by version label, exact time windows of --runs, the v1.x
# fallback, listings, tenancy, and the written gzipped pprof.
. tests/cli/lib.sh
. tests/cli/fetch_lib.bash

V1=testdata/http/checkout-v1.folded
V2=testdata/http/checkout-v2.folded
SEL='{service_name="checkout"}'
common=(--backend pyroscope --selector "$SEL" --version-label version
        --base-version v1 --candidate-version v2
        --from 2024-01-01T00:00:00Z --until 1704070800)

start_pyro "$TMP/p" --profiles "v1=$V1" --profiles "v2=$V2"

# One window, candidate side: the selector carries version="v2".
expect_exit 0 $FG fetch "${common[@]}" --url "$URL" --side candidate -o "$TMP/c.pb.gz"
log_has "$TMP/p" 'POST /querier.v1.QuerierService/SelectMergeStacktraces {service_name="checkout",version="v2"} 1704067200000 1704070800000'
contains "$TMP/err" "wrote '$TMP/c.pb.gz' (950 samples in 4 records) from pyroscope"
[ "$(head -c 2 "$TMP/c.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "output is not gzip"
expect_exit 0 $FG top --format tsv "$TMP/c.pb.gz"
contains "$TMP/out" "json.parse	600	600"

# Both versions given: --side is required.
expect_exit 2 $FG fetch "${common[@]}" --url "$URL" -o "$TMP/x.pb.gz"
contains "$TMP/err" "--side base|candidate"
[ ! -e "$TMP/x.pb.gz" ] || fail "a failed fetch left a file"

# --runs 3: three windows of 20 minutes, written into a directory.
expect_exit 0 $FG fetch "${common[@]}" --url "$URL" --side base --runs 3 -o "$TMP/runs/"
for w in '1704067200000 1704068399999' '1704068400000 1704069599999' '1704069600000 1704070800000'; do
    log_has "$TMP/p" "{service_name=\"checkout\",version=\"v1\"} $w"
done
ls "$TMP/runs" >"$TMP/ls"
[ "$(cat "$TMP/ls" | tr '\n' ' ')" = "run-01.pb.gz run-02.pb.gz run-03.pb.gz " ] || fail "runs: $(cat "$TMP/ls")"
expect_exit 0 $FG top --format tsv "$TMP/runs/run-02.pb.gz"
contains "$TMP/out" "json.parse	300	300"

# Listings.
expect_exit 0 $FG fetch --backend pyroscope --url "$URL" --selector "$SEL" --list-versions
[ "$(cat "$TMP/out")" = "$(printf 'v1\nv2')" ] || fail "list-versions: $(cat "$TMP/out")"
expect_exit 0 $FG fetch --backend pyroscope --url "$URL" --list-profile-types
[ "$(cat "$TMP/out")" = "process_cpu:cpu:nanoseconds:cpu:nanoseconds" ] || fail "types: $(cat "$TMP/out")"

# A selection that matches nothing is a fetch failure naming the query.
expect_exit 3 $FG fetch --backend pyroscope --url "$URL" --selector "$SEL" -o "$TMP/none.pb.gz"
contains "$TMP/err" 'no profile data for pyroscope process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="checkout"}'
[ ! -e "$TMP/none.pb.gz" ] || fail "a failed fetch left a file"

# A v1.x server (no pprof format): SelectMergeProfile is used instead.
start_pyro "$TMP/old" --profiles "v1=$V1" --profiles "v2=$V2" --v1
expect_exit 0 $FG fetch "${common[@]}" --url "$URL" --side candidate -o "$TMP/old.pb.gz"
log_has "$TMP/old" 'POST /querier.v1.QuerierService/SelectMergeProfile {service_name="checkout",version="v2"} 1704067200000 1704070800000'
cmp -s "$TMP/old.pb.gz" "$TMP/c.pb.gz" || fail "fallback profile differs"

# A multi-tenant server: X-Scope-OrgID is required.
start_pyro "$TMP/mt" --profiles "v1=$V1" --tenant team-a
expect_exit 3 $FG fetch "${common[@]}" --url "$URL" --side base -o "$TMP/t.pb.gz"
contains "$TMP/err" 'HTTP 401 from'
contains "$TMP/err" '{"code":"unauthenticated","message":"no org id"}'
expect_exit 0 $FG fetch "${common[@]}" --url "$URL" --side base --tenant team-a -o "$TMP/t.pb.gz"
exit 0
