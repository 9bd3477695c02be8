#!/usr/bin/env bash
# Record real Go profiles of the calibration workload (tests/realcal/workload):
# every variant N times, interleaved round-robin, CPU and allocation profiles.
#
#   tests/realcal/record.sh OUTDIR [--runs N] [--none-runs M] [--duration S]
#                           [--busy] [--hogs K] [--hog-duty D]
#                           [--variants "none regex ..."] [--force]
#
# Writes OUTDIR/<variant>/cpu-<i>.pb.gz and OUTDIR/<variant>/alloc-<i>.pb.gz,
# OUTDIR/record.log (one line per run) and OUTDIR/manifest.txt (settings).
# The workload binary is built into OUTDIR/bin.  See tests/realcal/README.md.
set -euo pipefail

usage() {
	cat >&2 <<'EOF'
usage: record.sh OUTDIR [options]
  --runs N            runs of every variant except none (default 5)
  --none-runs M       runs of the unchanged program (default max(12, N))
  --duration S        seconds per run (default 20); "long" runs twice as long
  --busy              run CPU/memory hogs beside every recording
  --hogs K            hog processes with --busy (default 2)
  --hog-duty D        fraction of time each hog is busy (default 0.5)
  --memprofilerate B  runtime.MemProfileRate of the workload (default 65536)
  --variants "V ..."  variants to record (default: all)
  --force             delete existing profiles in OUTDIR first
EOF
	exit 2
}

die() {
	echo "record.sh: $*" >&2
	exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
all_variants="none regex debuglog marshal2 hotleaf manycallers improve long"

[[ $# -ge 1 ]] || usage
outdir=$1
shift
[[ $outdir != -* ]] || usage
runs=5
none_runs=""
duration=20
busy=0
hogs=2
hog_duty=0.5
memrate=65536
variants=$all_variants
force=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) runs=${2:?--runs needs a value}; shift 2 ;;
	--none-runs) none_runs=${2:?--none-runs needs a value}; shift 2 ;;
	--duration) duration=${2:?--duration needs a value}; shift 2 ;;
	--busy) busy=1; shift ;;
	--hogs) hogs=${2:?--hogs needs a value}; shift 2 ;;
	--hog-duty) hog_duty=${2:?--hog-duty needs a value}; shift 2 ;;
	--memprofilerate) memrate=${2:?--memprofilerate needs a value}; shift 2 ;;
	--variants) variants=${2:?--variants needs a value}; shift 2 ;;
	--force) force=1; shift ;;
	-h | --help) usage ;;
	*) echo "record.sh: unknown option $1" >&2; usage ;;
	esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
need_pos() { # NAME VALUE: a positive integer
	if ! is_uint "$2" || (($2 < 1)); then die "$1 must be a positive integer"; fi
}
need_pos --runs "$runs"
if [[ -z $none_runs ]]; then
	none_runs=$((runs > 12 ? runs : 12))
fi
need_pos --none-runs "$none_runs"
need_pos --duration "$duration"
need_pos --memprofilerate "$memrate"
is_uint "$hogs" || die "--hogs must be a non-negative integer"
if [[ ! $hog_duty =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || [[ $hog_duty =~ ^0?\.0*$ ]]; then
	die "--hog-duty must be a number in (0, 1]"
fi
read -r -a vlist <<<"$variants"
((${#vlist[@]} > 0)) || die "--variants is empty"
for v in "${vlist[@]}"; do
	[[ " $all_variants " == *" $v "* ]] || die "unknown variant '$v' (known: $all_variants)"
done

command -v go >/dev/null 2>&1 ||
	die "go not found: apt-get install -y golang-go (Debian's Go, standard library only)"

mkdir -p "$outdir" || die "cannot create $outdir"
outdir=$(cd "$outdir" && pwd)
for v in "${vlist[@]}"; do
	if compgen -G "$outdir/$v/*.pb.gz" >/dev/null; then
		if ((force)); then
			rm -f "$outdir/$v"/cpu-*.pb.gz "$outdir/$v"/alloc-*.pb.gz
		else
			die "$outdir/$v already holds profiles (use --force to replace them)"
		fi
	fi
	mkdir -p "$outdir/$v"
done

# Build (offline: standard library only, no module proxy).
mkdir -p "$outdir/bin"
wl=$outdir/bin/workload
echo "record.sh: building the workload ($(go version | cut -d' ' -f3))" >&2
(cd "$here/workload" && GOFLAGS='' GOPROXY=off CGO_ENABLED=0 go build -o "$wl" .) ||
	die "go build failed in $here/workload"

hog_pids=()
stop_hogs() {
	local p
	for p in "${hog_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${hog_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	hog_pids=()
}
cleanup() {
	stop_hogs
	rm -f "$outdir"/*/.tmp-*.pb.gz
}
trap cleanup EXIT
trap 'echo "record.sh: interrupted" >&2; exit 130' INT TERM

start_hogs() {
	local i
	for ((i = 0; i < hogs; i++)); do
		"$wl" -hog -hog-duty "$hog_duty" &
		hog_pids+=("$!")
	done
	sleep 0.3 # let them reach their steady state
}

runs_of() {
	if [[ $1 == none ]]; then echo "$none_runs"; else echo "$runs"; fi
}

# The schedule, round-robin: every round records the next run of each
# variant due in it, the variants rotated by the round so that no variant
# always follows the same one.  With M rounds (the most runs of any variant),
# a variant with n runs records its run k in round ceil(k*M/n), so its runs
# spread over the whole recording (5 runs in rounds 3, 5, 8, 10, 12 of 12)
# and a slow drift of the machine hits every variant alike.
schedule=()
max_runs=$none_runs
if ((runs > max_runs)); then max_runs=$runs; fi
nv=${#vlist[@]}
for ((r = 1; r <= max_runs; r++)); do
	for ((k = 0; k < nv; k++)); do
		v=${vlist[$(((k + r - 1) % nv))]}
		nr=$(runs_of "$v")
		for ((i = 1; i <= nr; i++)); do
			if (((i * max_runs + nr - 1) / nr == r)); then
				schedule+=("$v:$i")
			fi
		done
	done
done
total=${#schedule[@]}
secs=0
for item in "${schedule[@]}"; do
	if [[ ${item%%:*} == long ]]; then secs=$((secs + 2 * duration)); else secs=$((secs + duration)); fi
done
mode=quiet
busytag=""
if ((busy)); then
	mode="busy ($hogs hogs, duty $hog_duty)"
	busytag=", busy"
fi
echo "record.sh: $total runs, about $((secs / 60))m$((secs % 60))s of recording, $mode, into $outdir" >&2

{
	echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "mode: $mode"
	echo "duration: ${duration}s (long: $((2 * duration))s)"
	echo "runs: none $none_runs, others $runs"
	echo "variants: ${vlist[*]}"
	echo "memprofilerate: $memrate"
	echo "go: $(go version)"
	echo "host: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs"
	echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
} >"$outdir/manifest.txt"
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if ((!busy)) && awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
	echo "record.sh: warning: the machine is not idle (load average $load1); the 'quiet'" \
		"recordings will carry that load (record.log: cores= is the CPU each run got, 2 when idle)" >&2
fi
: >"$outdir/record.log"

t0=$SECONDS
n=0
for item in "${schedule[@]}"; do
	v=${item%%:*}
	r=${item#*:}
	n=$((n + 1))
	d=$duration
	[[ $v == long ]] && d=$((2 * duration))
	el=$((SECONDS - t0))
	printf 'record.sh: [%d/%d] %-11s run %2d (%ds%s)  elapsed %dm%02ds\n' \
		"$n" "$total" "$v" "$r" "$d" "$busytag" $((el / 60)) $((el % 60)) >&2
	cpu_tmp=$outdir/$v/.tmp-cpu-$r.pb.gz
	alloc_tmp=$outdir/$v/.tmp-alloc-$r.pb.gz
	if ((busy)); then start_hogs; fi
	if ! line=$("$wl" -variant "$v" -duration "${d}s" -memprofilerate "$memrate" \
		-cpuprofile "$cpu_tmp" -memprofile "$alloc_tmp" 2>&1); then
		stop_hogs
		die "workload failed (variant $v, run $r): $line"
	fi
	if ((busy)); then stop_hogs; fi
	mv "$cpu_tmp" "$outdir/$v/cpu-$r.pb.gz"
	mv "$alloc_tmp" "$outdir/$v/alloc-$r.pb.gz"
	echo "$v $r $line" >>"$outdir/record.log"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >>"$outdir/manifest.txt"
el=$((SECONDS - t0))
echo "record.sh: done, $total runs in $((el / 60))m$((el % 60))s: $outdir" >&2
