#!/usr/bin/env bash
# run-cli.sh FLAMEGATE - end-to-end tests of the command line.
#
# Each tests/cli/NAME.sh is a bash script run with $FG pointing at the binary
# (wrapped in $EXEC_PREFIX, e.g. valgrind), $CORPUS at the shared corpus
# (may be absent: scripts call skip), $TMP at a fresh directory and the
# project root as the working directory.  A script fails by exiting non-zero;
# helpers in tests/cli/lib.sh.
set -u
FG_BIN=${1:?usage: run-cli.sh FLAMEGATE}
case "$FG_BIN" in /*) ;; *) FG_BIN="$PWD/$FG_BIN" ;; esac
export FG_BIN
export FG="${EXEC_PREFIX:+$EXEC_PREFIX }$FG_BIN"
export CORPUS=${FG_CORPUS:-../shared/corpus}
export LC_ALL=C NO_COLOR=1
pass=0 fail=0 skip=0
failed=()
for t in tests/cli/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    name=$(basename "$t" .sh)
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/fgcli.XXXXXX")
    export TMP
    out=$(bash "$t" 2>&1)
    rc=$?
    rm -rf "$TMP"
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        grep -h '^SKIP:' <<<"$out" | sed "s/^/$name: /" >&2
    elif [ $rc -eq 77 ]; then
        skip=$((skip + 1))
        echo "SKIP $name: $(tail -n 1 <<<"$out")" >&2
    else
        fail=$((fail + 1))
        failed+=("$name")
        echo "FAIL $name (exit $rc)" >&2
        sed 's/^/    /' <<<"$out" | tail -n 40 >&2
    fi
done
echo "cli: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
