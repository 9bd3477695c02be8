# fetch_lib.bash - helpers for the backend tests (tests/cli/fetch_*.sh,
# backend_compare.sh), sourced after lib.sh.  Not a test itself (the
# runner only picks up *.sh).
#
# tool NAME                  path of a test tool next to $FG_BIN or in build/
# start_pyro DIR [OPTS...]   start tests/tools/fg-fakepyro on 127.0.0.1 with
#                            its state in DIR; sets PORT and URL; stopped at
#                            exit
# log_has DIR TEXT           fail unless DIR/requests.log contains TEXT
# log_count DIR TEXT         number of lines of DIR/requests.log with TEXT

tool() {
    local d
    for d in "$(dirname "$FG_BIN")" build; do
        [ -x "$d/$1" ] && { printf '%s\n' "$d/$1"; return 0; }
    done
    return 1
}

PYRO=$(tool fg-fakepyro) || skip "fg-fakepyro not built"
FAKES=()
stop_fakes() {
    local pid
    for pid in "${FAKES[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
trap stop_fakes EXIT

start_pyro() {
    local dir=$1 i
    shift
    mkdir -p "$dir"
    "$PYRO" --dir "$dir" --idle-exit 60 "$@" 2>"$dir/stderr" &
    FAKES+=($!)
    for i in $(seq 200); do
        [ -s "$dir/port" ] && break
        sleep 0.05
    done
    [ -s "$dir/port" ] || { cat "$dir/stderr" >&2; fail "fg-fakepyro did not start"; }
    PORT=$(cat "$dir/port")
    URL="http://127.0.0.1:$PORT"
}

log_has() { contains "$1/requests.log" "$2"; }
log_count() { grep -cF -- "$2" "$1/requests.log" 2>/dev/null || true; }

$FG fetch --help >/dev/null 2>&1 ||
    skip "flamegate fetch is not linked in (src/cli/main.c: drop '#pragma weak fg_cmd_fetch')"
