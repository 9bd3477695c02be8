# config_errors.sh - an invalid config is exit 2 with one line naming the
# file and the key path, for "config --show" and every other reader.
. tests/cli/lib.sh
for v in $(env | sed -n 's/^\(FLAMEGATE_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
if $FG config --help 2>&1 | grep -q "unknown command 'config'"; then
    skip "the config command is not linked in (src/cli/main.c '#pragma weak')"
fi
d=testdata/config
check() { # FILE MESSAGE
    expect_exit 2 $FG config --show --config "$1"
    contains $TMP/err "flamegate: error: $2"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "more than one line: $(cat "$TMP/err")"
    [ ! -s "$TMP/out" ] || fail "output despite the error"
}
check $d/bad-unknown-key.json "config '$d/bad-unknown-key.json': unknown key 'min_chnage' (did you mean 'min_change'?)"
check $d/bad-type.json "config '$d/bad-type.json': 'rules[2].max_share' must be a number or a string like \"30%\", not an array"
check $d/bad-regex.json "config '$d/bad-regex.json': 'rules[0].match': invalid regular expression 'main.(foo'"
check $d/bad-preset.json "config '$d/bad-preset.json': 'ignore_presets[1]': unknown ignore preset 'go-foo' (known: go-runtime-scheduling, go-gc, jvm-safepoints-gc, glibc-idle, python-runtime, node-runtime)"
check $d/bad-json.json "config '$d/bad-json.json': invalid JSON at line 3, column"
check $d/missing.json "cannot read config '$d/missing.json': No such file or directory"
check $d "cannot read config '$d': is a directory"
FLAMEGATE_CONFIG=$d/bad-unknown-key.json expect_exit 2 $FG config
contains $TMP/err "unknown key 'min_chnage'"
# a broken .flamegate.json is reported, not skipped
mkdir "$TMP/p"
printf '{"alpha": "often"}\n' > "$TMP/p/.flamegate.json"
(cd "$TMP/p" && $FG config) > "$TMP/out" 2> "$TMP/err" && fail "accepted a bad .flamegate.json"
contains $TMP/err "alpha: 'often' is not a number (from config .flamegate.json)"
