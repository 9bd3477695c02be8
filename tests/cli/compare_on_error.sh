# compare_on_error.sh - "flamegate compare --on-error pass":
#   - an error it passes (unusable input: exit 2; a failed fetch: exit 3)
#     exits 0 with the warning, and a JSON consumer still gets a document:
#     standard output with --format json and every -o json=PATH carry
#     verdict ERROR, the error and the exit code it would have been
#     (docs/json-schema.md, "Error document"; checked against
#     docs/json-schema.json when python3-jsonschema is installed);
#   - usage errors are never passed: bad flags, bad values, a broken
#     config file, and settings that fail before any profile is read exit
#     2 with the usage message, whether --on-error pass comes from a flag,
#     FLAMEGATE_ON_ERROR or the config file.
. tests/cli/lib.sh

B=examples/profiles/base.pb.gz
C=examples/profiles/candidate.pb.gz
BAD=testdata/corrupt/empty.pb
[ -f "$B" ] && [ -f "$BAD" ] || fail "test profiles missing"

# field FILE KEY: a top-level (or error.KEY) scalar of a JSON document
field() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)
EOF
}
command -v python3 >/dev/null || skip "python3 not installed, needed to read the JSON (make test-deps installs it)"
# schema FILE: valid against docs/json-schema.json (when jsonschema exists)
have_jsonschema=false
python3 -c 'import jsonschema' 2>/dev/null && have_jsonschema=true
schema() {
    $have_jsonschema || return 0
    python3 - "$1" <<'EOF' || fail "$1 does not match docs/json-schema.json"
import json, sys, jsonschema
schema = json.load(open("docs/json-schema.json"))
v = jsonschema.Draft202012Validator(schema)
for e in v.iter_errors(json.load(open(sys.argv[1]))):
    sys.exit("%s: %s" % (list(e.absolute_path), e.message[:300]))
EOF
}

# A normal report, for its schema_version.
expect_exit 0 $FG compare --format json "$B" "$B"
cp "$TMP/out" "$TMP/report.json"
schema "$TMP/report.json"

# ---- unusable input, passed: exit 0, warning, the error document
expect_exit 0 $FG compare --on-error pass --format json -o "json=$TMP/e.json" \
    -o "markdown=$TMP/e.md" "$BAD" "$C"
contains "$TMP/err" "--on-error pass: exiting 0 although the comparison could not be made (exit code would have been 2)"
cp "$TMP/out" "$TMP/stdout.json"
cmp -s "$TMP/stdout.json" "$TMP/e.json" || fail "stdout and -o json differ"
[ ! -e "$TMP/e.md" ] || fail "a markdown report was written for an error"
[ "$(field "$TMP/e.json" verdict)" = ERROR ] || fail "verdict: $(cat "$TMP/e.json")"
[ "$(field "$TMP/e.json" exit_code)" = 0 ] || fail "exit_code"
[ "$(field "$TMP/e.json" error.exit_code)" = 2 ] || fail "error.exit_code"
[ "$(field "$TMP/e.json" on_error)" = pass ] || fail "on_error"
[ "$(field "$TMP/e.json" schema_version)" = "$(field "$TMP/report.json" schema_version)" ] ||
    fail "schema_version differs from the report's"
field "$TMP/e.json" error.message | grep -qF "$BAD" || fail "the message does not name the file"
[ "$(field "$TMP/e.json" reason)" = "$(field "$TMP/e.json" error.message)" ] || fail "reason"
field "$TMP/e.json" generator.settings | grep -qF -- "--on-error pass" || fail "settings"
schema "$TMP/e.json"
# text output: the error is on stderr, nothing on stdout
expect_exit 0 $FG compare --on-error pass "$BAD" "$C"
[ ! -s "$TMP/out" ] || fail "text output for an error"
# without --on-error pass nothing is written, exit 2
expect_exit 2 $FG compare --format json -o "json=$TMP/f.json" "$BAD" "$C"
[ ! -s "$TMP/out" ] && [ ! -e "$TMP/f.json" ] || fail "output for an error without --on-error pass"

# ---- a failed fetch (nothing listens on port 9), passed: kind fetch, 3
expect_exit 0 $FG compare --on-error pass --format json --backend pyroscope \
    --url http://127.0.0.1:9 --selector '{service_name="x"}' --base-version a \
    --candidate-version b --retries 0 --connect-timeout 2
[ "$(field "$TMP/out" error.kind)" = fetch ] || fail "kind: $(cat "$TMP/out")"
[ "$(field "$TMP/out" error.exit_code)" = 3 ] || fail "fetch exit_code"
schema "$TMP/out"

# ---- usage errors are never passed
usage() {
    expect_exit 2 "$@"
    contains "$TMP/err" "try 'flamegate compare --help'"
    [ ! -s "$TMP/out" ] || fail "output for a usage error: $(head -c 300 "$TMP/out")"
    lacks "$TMP/err" "exiting 0"
}
usage $FG compare --on-error pass --format json --nonsense "$B" "$C"
usage $FG compare --on-error pass --format json --alpha 7 "$B" "$C"
usage $FG compare --on-error pass --format json --ignore '(' "$B" "$C"
usage $FG compare --on-error pass --format json
usage $FG compare --on-error pass - -
usage $FG compare --on-error pass --backend pyroscope --selector '{a="b"}'
usage $FG compare --on-error pass --backend pyroscope --url http://127.0.0.1:9 \
    --base-version a --candidate-version a
printf '{"alpha": 0.05, "nonsense": 1}' >"$TMP/bad.json"
usage $FG compare --on-error pass --config "$TMP/bad.json" "$B" "$C"
printf '{"on_error": "pass", "alpha": 7}' >"$TMP/pass.json"
usage $FG compare --config "$TMP/pass.json" "$B" "$C"
usage env FLAMEGATE_ON_ERROR=pass $FG compare --min-change lots "$B" "$C"
exit 0
