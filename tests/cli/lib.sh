# lib.sh - helpers for tests/cli/*.sh (sourced).
# expect_exit CODE CMD...   run CMD, capture stdout/stderr in $TMP/out and
#                           $TMP/err, fail unless it exits with CODE
# need_corpus               skip (exit 77) when the shared corpus is absent
# contains FILE TEXT        fail unless FILE contains TEXT (fixed string)
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "$*"; exit 77; }
need_corpus() { [ -d "$CORPUS/profiles" ] || skip "corpus absent at $CORPUS"; }
expect_exit() {
    local want=$1; shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "command: $*" >&2
        echo "--- stdout" >&2; head -c 3000 "$TMP/out" >&2
        echo "--- stderr" >&2; head -c 3000 "$TMP/err" >&2
        fail "expected exit $want, got $got"
    fi
}
contains() { grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; head -c 3000 "$1" >&2; fail "'$1' lacks '$2'"; }; }
lacks() { ! grep -qF -- "$2" "$1" || fail "'$1' unexpectedly contains '$2'"; }
