# config_fetch.sh - "flamegate fetch" takes its backend from a config
# profile; the environment and flags override it.  Nothing listens on
# 127.0.0.1:9, so a fetch that gets as far as connecting fails with exit 3
# and names the URL it used.
. tests/cli/lib.sh
for v in $(env | sed -n 's/^\(FLAMEGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
$FG fetch --help | grep -q -- '--config FILE' ||
    skip "fetch does not read config files yet"
cfg=testdata/config/show.json   # profile prod: pyroscope at 127.0.0.1:4040

# the profile's token_env must be set: proves the profile was applied
expect_exit 2 $FG fetch --config $cfg --side base --base-version v1 -o $TMP/x.pb.gz
contains $TMP/err "'PYROSCOPE_TOKEN'"
# the environment overrides the profile's URL, a flag overrides both
PYROSCOPE_TOKEN=t FLAMEGATE_URL=http://127.0.0.1:9 expect_exit 3 \
    $FG fetch --config $cfg --side base --base-version v1 --retries 0 -o $TMP/x.pb.gz
contains $TMP/err "http://127.0.0.1:9/querier.v1.QuerierService"
PYROSCOPE_TOKEN=t FLAMEGATE_URL=http://127.0.0.1:7 expect_exit 3 \
    $FG fetch --config $cfg --side base --base-version v1 --retries 0 \
    --url http://127.0.0.1:9 -o $TMP/x.pb.gz
contains $TMP/err "http://127.0.0.1:9/"
[ ! -e $TMP/x.pb.gz ] || fail "a failed fetch left a file"
# an unknown profile names the defined ones
expect_exit 2 $FG fetch --config $cfg --backend-profile nope --side base -o $TMP/x
contains $TMP/err "unknown backend profile 'nope' (from command line); config '$cfg' has: prod"
expect_exit 0 $FG fetch --help
