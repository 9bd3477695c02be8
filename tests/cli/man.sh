# The man page is generated from every command's --help ('flamegate help
# --man', 'make man') and is up to date; every option of every command's
# getopt table is in its --help, hence in the man page; 'help --help'
# works; an unknown or incomplete option is one error line and the hint.
. tests/cli/lib.sh
expect_exit 0 $FG help --man
cmp -s "$TMP/out" docs/flamegate.1 ||
    fail "docs/flamegate.1 is out of date: run 'make man' (diff: $(diff "$TMP/out" docs/flamegate.1 | head -5))"
grep -q '^\.SH "FLAMEGATE top"' docs/flamegate.1 || fail "no section for top"
# every long option of every command is in its --help
opts_of() {
    grep -o '{"[a-z-]*", *\(required\|no\|optional\)_argument' "$@" |
        sed 's/.*{"\([a-z-]*\)".*/\1/'
}
limits=$(opts_of src/cli/cli.h)
check_cmd() { # CMD OPTION...
    local cmd=$1; shift
    $FG "$cmd" --help > "$TMP/help" 2>&1 || fail "$cmd --help"
    for o in "$@"; do
        grep -q -- "--$o\([^a-z-]\|$\)" "$TMP/help" ||
            fail "'flamegate $cmd --help' does not list --$o"
        grep -q -- "\\\\-\\\\-${o//-/\\\\-}\([^a-z\\\\-]\|$\)" docs/flamegate.1 ||
            fail "docs/flamegate.1 does not list --$o"
    done
}
check_cmd top $(opts_of src/cli/cli_top.c) $limits
check_cmd comment $(opts_of src/cli/cli_comment.c)
check_cmd fetch $(opts_of src/cli/cli_fetch.c) $limits
check_cmd config $(opts_of src/cli/cli_config.c)
# compare: its own flags, every settings key and every backend option
keys=$($FG config --show 2>/dev/null | sed -n '/^settings:/,/^$/p' | awk 'NR > 2 && NF { print $1 }')
[ -n "$keys" ] || fail "no settings keys from config --show"
check_cmd compare $(opts_of src/cli/cli_compare.c) $keys
# help for help; one error line for a bad option
expect_exit 0 $FG help --help
contains "$TMP/out" "usage: flamegate COMMAND"
expect_exit 0 $FG help top
contains "$TMP/out" "usage: flamegate top"
for cmd in top compare fetch config comment; do
    expect_exit 2 $FG $cmd --bogus
    contains "$TMP/err" "flamegate: error: unknown option '--bogus'"
    contains "$TMP/err" "try 'flamegate $cmd --help'"
    [ "$(wc -l < "$TMP/err")" -eq 2 ] || fail "$cmd --bogus: not one error line and the hint"
done
expect_exit 2 $FG top --top
contains "$TMP/err" "option '--top' needs a value"
expect_exit 2 $FG top --tags=1 x
contains "$TMP/err" "option '--tags' takes no value"
expect_exit 2 $FG compare -Z a b
contains "$TMP/err" "unknown option '-Z'"
