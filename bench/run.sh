#!/usr/bin/env bash
# bench/run.sh - the flamegate benchmark ('make bench'; see bench/README.md).
#
# Generates synthetic pprof profiles with fg-gen into bench/out/, times
# 'flamegate top' and 'flamegate compare' (default settings, text report
# to /dev/null; and with -o html=...) over several runs and reports
# medians, measures peak RSS with GNU time, times the references on the
# same inputs in the same run ('gzip -dc' of every input, the floor; 'go
# tool pprof -top' and '-top -diff_base' when Go is installed, the peer)
# for 1 vs 1, 3 vs 3 and 30 history runs vs 1, measures how time grows
# with stacks, functions and runs (least-squares line, R^2), and prints a
# table and the targets.  It never fails on timing: the exit status is
# non-zero only when a command fails.
#
# Environment:
#   FG=PATH            flamegate binary [./flamegate]
#   GEN=PATH           fg-gen binary [build/fg-gen]
#   BENCH_OUT=DIR      profiles and logs [bench/out]
#   BENCH_QUICK=1      small profiles, one run each: checks that everything
#                      runs (CI), evaluates no target
#   BENCH_RUNS=N       runs per flamegate and gzip measurement [5]
#   BENCH_PPROF_RUNS=N runs per go tool pprof measurement [1]; pprof takes
#                      10-75 s per run on the 27 MB pair, minutes on 3 vs 3
#   BENCH_PPROF_LARGE=1  also run 'go tool pprof -diff_base' on the 100 MB
#                      pair (minutes and about 9 GB of memory)
#   BENCH_NO_PPROF=1   skip go tool pprof even when Go is installed
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

FG=${FG:-./flamegate}
GEN=${GEN:-build/fg-gen}
OUT=${BENCH_OUT:-bench/out}
QUICK=${BENCH_QUICK:-0}
RUNS=${BENCH_RUNS:-5}
PPROF_RUNS=${BENCH_PPROF_RUNS:-1}
PPROF_LARGE=${BENCH_PPROF_LARGE:-0}
if [ "$QUICK" = 1 ]; then
    RUNS=1
    PPROF_RUNS=1
    PPROF_LARGE=0
fi

# A bare name would be looked up in PATH: make it relative to the tree.
case $FG in */*) ;; *) FG=./$FG ;; esac
case $GEN in */*) ;; *) GEN=./$GEN ;; esac

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

for b in "$FG" "$GEN"; do
    [ -x "$b" ] || die "'$b' not found: build first ('make', or set FG and GEN)"
done
mkdir -p "$OUT" || die "cannot create '$OUT'"
T0=${EPOCHREALTIME/,/.}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# ---- tools ------------------------------------------------------------------

GNUTIME=/usr/bin/time
if ! [ -x "$GNUTIME" ] || ! "$GNUTIME" -v true >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        note "installing GNU time (Debian package 'time') for peak RSS"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time \
            >/dev/null 2>&1 || true
    fi
fi
if [ -x "$GNUTIME" ] && "$GNUTIME" -v true >/dev/null 2>&1; then
    HAVE_TIME=1
else
    HAVE_TIME=0
    note "GNU time (/usr/bin/time) missing and not installable: no CPU" \
         "time or peak RSS, wall time only"
fi

PPROF=0
if [ "${BENCH_NO_PPROF:-0}" != 1 ] && command -v go >/dev/null 2>&1; then
    export GOCACHE=${GOCACHE:-$PWD/$OUT/gocache}
    export GOFLAGS=${GOFLAGS:-} GOTOOLCHAIN=${GOTOOLCHAIN:-local}
    if go tool pprof -h >/dev/null 2>&1; then
        PPROF=1
        PPROF_VERSION=$(go version 2>/dev/null | awk '{print $3}')
    fi
fi
if [ "$PPROF" != 1 ] && [ "${BENCH_NO_PPROF:-0}" != 1 ]; then
    note "Go not installed (Debian: golang-go): no go tool pprof reference"
fi

# ---- measuring --------------------------------------------------------------

median() { sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "nan"}'; }

# measure REPS CMD...: runs CMD REPS times (stdout to /dev/null) and sets
# M_WALL and M_CPU (medians, seconds) and M_RSS (largest peak RSS, MB of
# 10^6 bytes).
# A command that exits with a status above 1 (flamegate's 2 and 3 are
# errors; 1 is a FAIL verdict) stops the benchmark.
measure() {
    local reps=$1; shift
    local tf="$OUT/time.txt" ef="$OUT/stderr.txt" i rc t1 t2
    local walls="" cpus="" rss=0
    for ((i = 0; i < reps; i++)); do
        t1=${EPOCHREALTIME/,/.}
        if [ "$HAVE_TIME" = 1 ]; then
            "$GNUTIME" -v -o "$tf" "$@" >/dev/null 2>"$ef"
        else
            "$@" >/dev/null 2>"$ef"
        fi
        rc=$?
        t2=${EPOCHREALTIME/,/.}
        if [ "$rc" -gt 1 ]; then
            cat "$ef" >&2
            die "'$*' failed with exit status $rc"
        fi
        walls="$walls $(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.4f", b - a}')"
        if [ "$HAVE_TIME" = 1 ]; then
            cpus="$cpus $(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.3f", s}' "$tf")"
            local r
            r=$(awk -F': ' '/Maximum resident set size/ {print int($2 * 1024 / 1e6 + 0.5)}' "$tf")
            [ "${r:-0}" -gt "$rss" ] && rss=$r
        fi
    done
    # shellcheck disable=SC2086 # one value per word
    M_WALL=$(printf '%s\n' $walls | median)
    if [ "$HAVE_TIME" = 1 ]; then
        # shellcheck disable=SC2086
        M_CPU=$(printf '%s\n' $cpus | median)
        M_RSS=$rss
    else
        M_CPU=nan
        M_RSS=nan
    fi
}

# Result rows: "group|label|input MB|wall|cpu|rss" in $OUT/results.txt.
RES="$OUT/results.txt"
: >"$RES"
row() { echo "$1|$2|$3|$M_WALL|$M_CPU|$M_RSS" >>"$RES"; }

# a / b with 3 decimals (targets are judged on this, the table rounds).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0 && a == a + 0) printf "%.3f", a / b; else print "nan"}'; }

# ---- profiles ---------------------------------------------------------------

# gen NAME OPTS...: fg-gen OPTS -o $OUT/NAME, skipped when the file exists
# and was made with the same options (the output is a pure function of
# the options).
gen() {
    local name=$1; shift
    local stamp="$OUT/$name.opts"
    if [ -e "$OUT/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$*" ]; then
        return 0
    fi
    "$GEN" -q "$@" -o "$OUT/$name" || die "fg-gen $* failed"
    echo "$*" >"$stamp"
}
# For --runs R: PATH-1 .. PATH-R; the stamp is the first file.
gen_runs() {
    local name=$1 runs=$2; shift 2
    local base=${name%.pb.gz}
    local stamp="$OUT/$base.opts"
    if [ -e "$OUT/$base-$runs.pb.gz" ] &&
       [ "$(cat "$stamp" 2>/dev/null)" = "$* --runs $runs" ]; then
        return 0
    fi
    "$GEN" -q "$@" --runs "$runs" -o "$OUT/$name" || die "fg-gen $* failed"
    echo "$* --runs $runs" >"$stamp"
}
# Sizes are in MB of 10^6 bytes (GNU time's KiB converted likewise).
mb() { gzip -dc "$@" | wc -c | awk '{printf "%.1f", $1 / 1e6}'; }

if [ "$QUICK" = 1 ]; then
    A_OPTS=(--seed 7 --functions 2000 --stacks 10000 --depth 2 --types 1 --all-stacks --samples 100000)
    B_OPTS=(--seed 8 --functions 4000 --stacks 20000 --depth 6 --all-stacks --samples 200000)
    RUN_COUNTS="1 3"
    FUNC_COUNTS="1000 10000"
    STACK_COUNTS="5000 10000 20000"
    STACK_FUNCS=2000
else
    # "27 MB class": 1,000,000 distinct stacks over 200,000 functions.
    # fg-gen's names are realistic Go names (~45 bytes), so 1M stacks
    # cannot be written in less than ~32 MB; see bench/README.md.
    A_OPTS=(--seed 7 --functions 200000 --stacks 1000000 --depth 2 --types 1 --all-stacks --samples 10000000)
    B_OPTS=(--seed 8 --functions 400000 --stacks 2000000 --depth 6 --all-stacks --samples 20000000)
    RUN_COUNTS="1 10 50 100"
    FUNC_COUNTS="1000 10000 100000 1000000"
    STACK_COUNTS="125000 250000 500000 1000000"
    STACK_FUNCS=50000
fi
RUN_OPTS=(--seed 9 --functions 5000 --stacks 28000 --depth 5 --all-stacks --samples 100000)
HIST=30   # history runs against one candidate

note "generating profiles in $OUT (reused when unchanged)"
gen a-base.pb.gz "${A_OPTS[@]}" --run-seed 1
gen a-cand.pb.gz "${A_OPTS[@]}" --run-seed 2 --regress @0.03:1.5
# 3 vs 3 of the 27 MB class: three runs per side
mkdir -p "$OUT/a3"
gen_runs a3/base.pb.gz 3 "${A_OPTS[@]}" --run-seed 3
gen_runs a3/cand.pb.gz 3 "${A_OPTS[@]}" --run-seed 4 --regress @0.03:1.5
gen b-base.pb.gz "${B_OPTS[@]}" --run-seed 1
gen b-cand.pb.gz "${B_OPTS[@]}" --run-seed 2 --regress @0.03:1.5
maxruns=${RUN_COUNTS##* }
[ "$maxruns" -lt "$HIST" ] && maxruns=$HIST
mkdir -p "$OUT/runs"
gen_runs runs/base.pb.gz "$maxruns" "${RUN_OPTS[@]}" --run-seed 11
gen_runs runs/cand.pb.gz "$maxruns" "${RUN_OPTS[@]}" --run-seed 12 --regress @0.03:1.3
for f in $FUNC_COUNTS; do
    fo=(--seed 10 --functions "$f" --stacks $((2 * f)) --depth 3 --types 1 --all-stacks --samples $((10 * f)))
    gen "f$f-base.pb.gz" "${fo[@]}" --run-seed 1
    gen "f$f-cand.pb.gz" "${fo[@]}" --run-seed 2
done
for n in $STACK_COUNTS; do
    so=(--seed 13 --functions "$STACK_FUNCS" --stacks "$n" --depth 3 --types 1 --all-stacks --samples $((10 * n)))
    gen "s$n-base.pb.gz" "${so[@]}" --run-seed 1
    gen "s$n-cand.pb.gz" "${so[@]}" --run-seed 2
done

A1=$OUT/a-base.pb.gz A2=$OUT/a-cand.pb.gz
B1=$OUT/b-base.pb.gz B2=$OUT/b-cand.pb.gz
A1MB=$(mb "$A1")
B1MB=$(mb "$B1")

# ---- comparisons: flamegate (default, -o html) vs gzip -dc vs pprof ----------

HTML="$OUT/report.html"
# gunzip every input, one after the other (what decompressing alone costs)
# shellcheck disable=SC2016 # expanded by the inner shell
GZALL='for f in "$@"; do gzip -dc "$f" >/dev/null || exit 2; done'

# bench_compare CASE PPROF(0/1) BASE... -- CAND...: flamegate compare with
# the default settings and with -o html=..., gzip -dc of every input, and
# go tool pprof -top -diff_base (merging the runs of each side).
bench_compare() {
    local c=$1 pdiff=$2; shift 2
    local base=() cand=() args=() pargs=() side=0 f
    for f in "$@"; do
        if [ "$f" = -- ]; then side=1; continue; fi
        if [ $side = 0 ]; then base+=("$f"); else cand+=("$f"); fi
    done
    for f in "${base[@]}"; do args+=(--base "$f"); pargs+=(-diff_base "$f"); done
    for f in "${cand[@]}"; do args+=(--candidate "$f"); pargs+=("$f"); done
    local mbin
    mbin=$(mb "${base[@]}" "${cand[@]}")
    note "$c: flamegate compare (default, then -o html)"
    measure "$RUNS" "$FG" compare --color=never "${args[@]}"
    row "$c" "flamegate compare" "$mbin"
    measure "$RUNS" "$FG" compare --color=never -o "html=$HTML" "${args[@]}"
    row "$c" "flamegate compare -o html" "$mbin"
    measure "$RUNS" bash -c "$GZALL" gz "${base[@]}" "${cand[@]}"
    row "$c" "gzip -dc (all inputs)" "$mbin"
    if [ "$PPROF" = 1 ] && [ "$pdiff" = 1 ]; then
        note "$c: go tool pprof -top -diff_base"
        measure "$PPROF_RUNS" go tool pprof -top -symbolize=none "${pargs[@]}"
        row "$c" "go tool pprof -diff_base" "$mbin"
    fi
}

bench_top() { # CASE MB FILE
    note "$1: flamegate top"
    measure "$RUNS" "$FG" top "$3"; row "$1" "flamegate top" "$2"
    measure "$RUNS" gzip -dc "$3"; row "$1" "gzip -dc" "$2"
    if [ "$PPROF" = 1 ]; then
        note "$1: go tool pprof -top"
        measure "$PPROF_RUNS" go tool pprof -top -symbolize=none "$3"
        row "$1" "go tool pprof -top" "$2"
    fi
}

a3b=() a3c=() hb=()
for i in 1 2 3; do a3b+=("$OUT/a3/base-$i.pb.gz"); a3c+=("$OUT/a3/cand-$i.pb.gz"); done
for ((i = 1; i <= HIST; i++)); do hb+=("$OUT/runs/base-$i.pb.gz"); done

bench_top "27MB top" "$A1MB" "$A1"
bench_compare "27MB 1v1" 1 "$A1" -- "$A2"
bench_compare "27MB 3v3" "${BENCH_PPROF_3V3:-1}" "${a3b[@]}" -- "${a3c[@]}"
bench_compare "history 30v1" 1 "${hb[@]}" -- "$OUT/runs/cand-1.pb.gz"
bench_top "100MB top" "$B1MB" "$B1"
bench_compare "100MB 1v1" "$PPROF_LARGE" "$B1" -- "$B2"

# ---- growth: stacks, functions, runs -------------------------------------------

for n in $STACK_COUNTS; do
    note "stacks: $n"
    measure "$RUNS" "$FG" compare --color=never "$OUT/s$n-base.pb.gz" "$OUT/s$n-cand.pb.gz"
    row "stacks" "$n stacks" "$(mb "$OUT/s$n-base.pb.gz" "$OUT/s$n-cand.pb.gz")"
done
for f in $FUNC_COUNTS; do
    note "functions: $f"
    measure "$RUNS" "$FG" compare --color=never "$OUT/f$f-base.pb.gz" "$OUT/f$f-cand.pb.gz"
    row "functions" "$f functions" "$(mb "$OUT/f$f-base.pb.gz" "$OUT/f$f-cand.pb.gz")"
done
RUNMB=$(mb "$OUT/runs/base-1.pb.gz")
for n in $RUN_COUNTS; do
    args=()
    for ((i = 1; i <= n; i++)); do
        args+=(--base "$OUT/runs/base-$i.pb.gz" --candidate "$OUT/runs/cand-$i.pb.gz")
    done
    note "runs: $n + $n"
    measure "$RUNS" "$FG" compare --color=never "${args[@]}"
    row "runs" "$((2 * n)) runs ($n + $n)" "$(awk -v a="$RUNMB" -v n="$n" 'BEGIN {printf "%.1f", 2 * n * a}')"
done

# ---- report -----------------------------------------------------------------

T1=${EPOCHREALTIME/,/.}
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
get() { # GROUP LABEL FIELD(3 MB, 4 wall, 5 cpu, 6 rss)
    awk -F'|' -v g="$1" -v l="$2" -v f="$3" '$1 == g && $2 == l {print $f}' "$RES"
}

echo
echo "flamegate benchmark: $(nproc) x ${CPU:-unknown CPU}; load average $LOAD0 at start, $LOAD1 at end"
echo "medians of $RUNS run(s) (go tool pprof: $PPROF_RUNS); peak RSS is the largest of the runs"
echo "input MB: decompressed bytes of every input of the command (MB of 10^6 bytes)"
[ "$QUICK" = 1 ] && echo "BENCH_QUICK=1: small profiles, one run each; no target is evaluated"
echo
printf '%-14s %-28s %9s %9s %9s %9s %7s\n' "case" "command" "input MB" "wall s" "cpu s" "RSS MB" "RSS/in"
awk -F'|' '{printf "%-14s %-28s %9s %9.3f %9s %9s %7s\n", $1, $2, $3, $4, $5, $6,
    ($3 > 0 && $6 == $6 + 0) ? sprintf("%.2f", $6 / $3) : "-"}' "$RES"

echo
echo "targets (wall-clock medians, measured above):"
verdict() { # VALUE OP LIMIT
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
        if (v != v + 0) {print "n/a"; exit}
        ok = op == ">=" ? v >= l : v <= l
        print ok ? "met" : "MISSED"}'
}
target() { # TEXT VALUE OP LIMIT UNIT
    local v
    if [ "$QUICK" = 1 ]; then v="(quick mode)"; else v=$(verdict "$2" "$3" "$4"); fi
    printf '  %-64s %8.2f%s  target %s %s%s: %s\n' "$1" "$2" "$5" "$3" "$4" "$5" "$v"
}
info() { printf '  %-64s %8.2f%s\n' "$1" "$2" "$3"; }
for c in "27MB 1v1" "27MB 3v3" "history 30v1" "100MB 1v1"; do
    fgc=$(get "$c" "flamegate compare" 4)
    [ -n "$fgc" ] || continue
    fgh=$(get "$c" "flamegate compare -o html" 4)
    gz=$(get "$c" "gzip -dc (all inputs)" 4)
    rss=$(get "$c" "flamegate compare" 6)
    rssh=$(get "$c" "flamegate compare -o html" 6)
    mbc=$(get "$c" "flamegate compare" 3)
    pd=$(get "$c" "go tool pprof -diff_base" 4)
    if [ "$c" = "27MB 1v1" ]; then
        [ -n "$pd" ] && target "$c: go tool pprof -top -diff_base / flamegate compare" "$(ratio "$pd" "$fgc")" ">=" 40 x
        target "$c: flamegate compare / gzip -dc of both inputs" "$(ratio "$fgc" "$gz")" "<=" 1 x
        target "$c: peak RSS / decompressed input ($mbc MB)" "$(ratio "$rss" "$mbc")" "<=" 2 x
        target "$c: -o html time / default time" "$(ratio "$fgh" "$fgc")" "<=" 1.5 x
    else
        [ -n "$pd" ] && info "$c: go tool pprof -top -diff_base / flamegate compare" "$(ratio "$pd" "$fgc")" x
        info "$c: flamegate compare / gzip -dc of all inputs" "$(ratio "$fgc" "$gz")" x
        info "$c: peak RSS / decompressed input ($mbc MB)" "$(ratio "$rss" "$mbc")" x
        info "$c: -o html time / default time" "$(ratio "$fgh" "$fgc")" x
    fi
    info "$c: -o html peak RSS / decompressed input" "$(ratio "$rssh" "$mbc")" x
done
for c in "27MB top" "100MB top"; do
    ft=$(get "$c" "flamegate top" 4)
    [ -n "$ft" ] || continue
    info "$c: flamegate top / gzip -dc" "$(ratio "$ft" "$(get "$c" "gzip -dc" 4)")" x
    pt=$(get "$c" "go tool pprof -top" 4)
    [ -n "$pt" ] && info "$c: go tool pprof -top / flamegate top" "$(ratio "$pt" "$ft")" x
    info "$c: peak RSS / decompressed input" "$(ratio "$(get "$c" "flamegate top" 6)" "$(get "$c" "flamegate top" 3)")" x
done

# Least-squares line wall = a + b * N over a group's rows (N: the first
# number of the label, or the runs of both sides), with R^2 and the time
# per unit at each size: linear growth keeps the per-unit time flat.
fit() { # GROUP UNIT SCALE SCALE_NAME
    awk -F'|' -v g="$1" -v unit="$2" -v k="$3" -v kn="$4" '
    BEGIN {n = 0}
    $1 == g {split($2, w, " "); x[n] = w[1] + 0; y[n] = $4 + 0; n++}
    END {
        if (n < 2) exit
        for (i = 0; i < n; i++) {sx += x[i]; sy += y[i]}
        mx = sx / n; my = sy / n
        for (i = 0; i < n; i++) {sxx += (x[i] - mx)^2; sxy += (x[i] - mx) * (y[i] - my); syy += (y[i] - my)^2}
        b = sxy / sxx; c = my - b * mx
        r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1
        printf "  growth in %s: wall = %.4f s + %.4g s x %s (R^2 = %.4f); per %s:", g, c, b, unit, r2, unit
        for (i = 0; i < n; i++) printf " %.3g %s at %d", k * y[i] / x[i], kn, x[i]
        printf "\n"
    }' "$RES"
}
fit stacks stack 1e6 us
fit functions function 1e6 us
fit runs run 1e3 ms

echo
awk -v a="$T0" -v b="$T1" 'BEGIN {printf "bench: done in %.0f s\n", b - a}'
[ "$PPROF" = 1 ] && echo "bench: reference go tool pprof from $PPROF_VERSION"
exit 0
