#!/usr/bin/env bash
# The real-profile calibration end to end (what `make calibrate-real` runs):
# record the workload's variants on a quiet machine and again beside CPU
# hogs, evaluate flamegate on both, print both tables.
#
#   tests/realcal/run.sh [OUTDIR] [--runs N] [--duration S] [--evaluate-only]
#                        [-- EXTRA FLAMEGATE FLAGS]
#
# OUTDIR defaults to build/realcal; recordings go to OUTDIR/quiet and
# OUTDIR/busy, the tables to OUTDIR/results.md.  The flamegate binary is $FG
# (default: ./flamegate of this repository).  --evaluate-only re-evaluates
# existing recordings (to try the gate's options without recording again).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
outdir=$root/build/realcal
if [[ $# -gt 0 && $1 != -* ]]; then
	outdir=$1
	shift
fi
record_args=()
evaluate_only=0
extra=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs | --duration) record_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	--evaluate-only) evaluate_only=1; shift ;;
	--) shift; extra=("$@"); break ;;
	*)
		sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
done

fg=${FG:-$root/flamegate}
if [[ ! -x $fg ]]; then
	echo "run.sh: flamegate binary not found: $fg (run make first, or set FG=PATH)" >&2
	exit 2
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

t0=$SECONDS
if ((!evaluate_only)); then
	echo "run.sh: recording on a quiet machine into $outdir/quiet" >&2
	"$here/record.sh" "$outdir/quiet" --force "${record_args[@]}"
	echo "run.sh: recording beside CPU hogs into $outdir/busy" >&2
	"$here/record.sh" "$outdir/busy" --force --busy "${record_args[@]}"
fi
t_rec=$((SECONDS - t0))

set +e
{
	rc=0
	for mode in quiet busy; do
		echo "## Real-profile calibration: $mode"
		echo
		if [[ -f $outdir/$mode/manifest.txt ]]; then
			sed 's/^/    /' "$outdir/$mode/manifest.txt"
			echo
		fi
		FG=$fg "$here/evaluate.sh" "$outdir/$mode" --flamegate "$fg" -- "${extra[@]}" || rc=$?
		echo
	done
	exit "$rc"
} | tee "$outdir/results.md"
rc=${PIPESTATUS[0]}
set -e
t_all=$((SECONDS - t0))
echo "run.sh: recording $((t_rec / 60))m$((t_rec % 60))s, total $((t_all / 60))m$((t_all % 60))s; tables in $outdir/results.md" >&2
exit "$rc"
