# config_show.sh - "flamegate config --show": every value with its origin
# (default, config file, environment, command line), the rules in order,
# the backend options with the profile, and how the file is found.
. tests/cli/lib.sh
for v in $(env | sed -n 's/^\(FLAMEGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
if $FG config --help 2>&1 | grep -q "unknown command 'config'"; then
    skip "the config command is not linked in (src/cli/main.c '#pragma weak')"
fi
# has_row FILE KEY VALUE ORIGIN: a table row, columns separated by spaces
has_row() {
    grep -qE "^  $2 +$3 +$4\$" "$1" ||
        { echo "--- $1:" >&2; cat "$1" >&2; fail "no row '$2 | $3 | $4'"; }
}
cfg=testdata/config/show.json

FLAMEGATE_MIN_CHANGE=12% FLAMEGATE_TIMEOUT=30 PYROSCOPE_TOKEN=tok \
    expect_exit 0 $FG config --show --config $cfg --min-delta 0.8 \
    --url http://127.0.0.1:9999 base.pb cand.pb
out=$TMP/out
contains $out "config file: $cfg (from --config)"
# defaults < file < environment < flags
has_row $out min-share '0\.1%' default
has_row $out alpha 0\\.01 "config $cfg"
has_row $out top 30 "config $cfg"
has_row $out min-change 12% "environment FLAMEGATE_MIN_CHANGE"
has_row $out min-delta '0\.8 \(percentage points\)' "command line"
has_row $out base base\\.pb "command line"
has_row $out candidate cand\\.pb "command line"
has_row $out gate-ignore '\^main\\\.debugHook\$' "config $cfg"
# rules in evaluation order, each with where it came from
contains $out "  1. gate-ignore regex '^main\\.debugHook\$'"
contains $out "  2. gate-ignore preset 'go-runtime-scheduling' = regex '^(runtime\\.(asyncPreempt2?|"
contains $out "     from config $cfg, ignore_presets[0]"
contains $out "  3. threshold glob 'main.encode*': min change 25%, budget 30%"
contains $out "     from config $cfg, rules[0]"
contains $out "  4. threshold regex '^compress/flate\\.': min change 20%"
# backend: the file's default profile, the environment, the flags
contains $out "backend profile: prod (from config $cfg)"
has_row $out backend pyroscope "config $cfg, backend profile prod"
has_row $out version-label version "config $cfg, backend profile prod"
has_row $out timeout '30 s' "environment FLAMEGATE_TIMEOUT"
has_row $out url 'http://127\.0\.0\.1:9999' "command line"
has_row $out header 'X-Team: \(hidden\)' "config $cfg, backend profile prod"
lacks $out "perf"
lacks $out "http://127.0.0.1:4040"

# the flag beats FLAMEGATE_BACKEND_PROFILE, which beats the file
FLAMEGATE_BACKEND_PROFILE=nope expect_exit 2 $FG config --config $cfg
contains $TMP/err "unknown backend profile 'nope' (from environment FLAMEGATE_BACKEND_PROFILE); config '$cfg' has: prod"
FLAMEGATE_BACKEND_PROFILE=nope expect_exit 0 $FG config --config $cfg --backend-profile prod
contains $TMP/out "backend profile: prod (from command line)"

# FLAMEGATE_CONFIG, and .flamegate.json in the working directory
FLAMEGATE_CONFIG=$cfg expect_exit 0 $FG config
contains $TMP/out "config file: $cfg (from FLAMEGATE_CONFIG)"
root=$PWD
mkdir "$TMP/proj"
printf '{"min_samples": 200, "ignore_presets": ["go-gc"]}\n' > "$TMP/proj/.flamegate.json"
(cd "$TMP/proj" && $FG config --show) > "$TMP/out2" 2>&1 || fail "config in a project"
contains $TMP/out2 "config file: .flamegate.json (from the working directory)"
has_row $TMP/out2 min-samples 200 "config .flamegate.json"
contains $TMP/out2 "gate-ignore preset 'go-gc' = regex"
contains $TMP/out2 "from config .flamegate.json, ignore_presets[0]"
cd "$root"

# no file at all: defaults, and no backend
mkdir "$TMP/empty"
(cd "$TMP/empty" && $FG config) > "$TMP/out3" 2>&1 || fail "config without a file"
contains $TMP/out3 "config file: none"
has_row $TMP/out3 alpha 0\\.05 default
contains $TMP/out3 "rules: none"
contains $TMP/out3 "backend: none"

# presets are described, with -v their regular expressions
expect_exit 0 $FG config --list-presets
for p in go-runtime-scheduling go-gc jvm-safepoints-gc glibc-idle; do
    contains $TMP/out "$p: "
done
contains $TMP/out "runtime.asyncPreempt"
lacks $TMP/out "regex: "
expect_exit 0 $FG config --list-presets -v
contains $TMP/out "regex: ^(runtime\\.(asyncPreempt2?|"

expect_exit 0 $FG config --help
contains $TMP/out "usage: flamegate config"
expect_exit 0 $FG help config
expect_exit 2 $FG config --no-such-flag
expect_exit 2 $FG config --show --list-presets
expect_exit 2 $FG config --min-change lots
contains $TMP/err "min-change"

# pprof's sample filters, the gate's own patterns, --top 0 and the folded
# column are settings like any other
expect_exit 0 $FG config --show --config $cfg --tagfocus endpoint=/x \
    --focus '^main\.' --gate-only '^main\.' --top 0 --folded-column 2
has_row $TMP/out tagfocus endpoint=/x "command line"
has_row $TMP/out focus '\^main\\\.' "command line"
has_row $TMP/out gate-only '\^main\\\.' "command line"
has_row $TMP/out top '0 \(every row\)' "command line"
has_row $TMP/out folded-column 2 "command line"
contains $TMP/out "gate-only regex '^main\\.'"
FLAMEGATE_TAGIGNORE='k=(' expect_exit 2 $FG config --show --config $cfg
contains $TMP/err "(from environment FLAMEGATE_TAGIGNORE)"
