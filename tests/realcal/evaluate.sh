#!/usr/bin/env bash
# Run `flamegate compare` over the designs of the real-profile calibration
# and print false FAIL and detection rates as a markdown table.
#
#   tests/realcal/evaluate.sh DATADIR [--flamegate PATH] [--kinds cpu,alloc]
#       [--designs 1v1,3v3,5v5,hist10v1] [--variants "none regex ..."]
#       [--pairs N] [--jobs J] [--keep DIR] [-- EXTRA FLAMEGATE FLAGS]
#
# DATADIR is what record.sh wrote (DATADIR/<variant>/{cpu,alloc}-<i>.pb.gz).
# Extra flags after -- go to every compare call (e.g. -- --metric both).
# Exit status: 0, or 1 when a comparison ended in an error (exit 2/3).
set -euo pipefail

# Internal: run one planned comparison (called through xargs).
if [[ ${1:-} == --run-job ]]; then
	work=$2
	fg=$3
	id=$4
	mapfile -d '' -t args <"$work/jobs/$id.args"
	mapfile -d '' -t extra <"$work/extra.args"
	rc=0
	"$fg" compare "${args[@]}" "${extra[@]}" --format json \
		>"$work/out/$id.json" 2>"$work/out/$id.err" || rc=$?
	echo "$rc" >"$work/out/$id.rc"
	exit 0
fi

usage() {
	sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

die() {
	echo "evaluate.sh: $*" >&2
	exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")

[[ $# -ge 1 && $1 != -* ]] || usage
datadir=$1
shift
fg=${FG:-$here/../../flamegate}
kinds=cpu,alloc
designs=1v1,3v3,5v5,hist10v1
variants="none long improve regex debuglog marshal2 hotleaf manycallers"
pairs=5
jobs=2
keep=""
extra=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--flamegate) fg=${2:?--flamegate needs a path}; shift 2 ;;
	--kinds) kinds=${2:?--kinds needs a value}; shift 2 ;;
	--designs) designs=${2:?--designs needs a value}; shift 2 ;;
	--variants) variants=${2:?--variants needs a value}; shift 2 ;;
	--pairs) pairs=${2:?--pairs needs a value}; shift 2 ;;
	--jobs) jobs=${2:?--jobs needs a value}; shift 2 ;;
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) usage ;;
	*) echo "evaluate.sh: unknown option $1" >&2; usage ;;
	esac
done

[[ -d $datadir ]] || die "no such data directory: $datadir (record one with tests/realcal/record.sh)"
datadir=$(cd "$datadir" && pwd)
[[ -x $fg ]] || die "flamegate binary not found or not executable: $fg (build it with make, or pass --flamegate PATH)"
fg=$(cd "$(dirname "$fg")" && pwd)/$(basename "$fg")
command -v python3 >/dev/null 2>&1 || die "python3 not found: apt-get install -y python3"
[[ $pairs =~ ^[1-9][0-9]*$ ]] || die "--pairs must be a positive integer"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive integer"

if [[ -n $keep ]]; then
	mkdir -p "$keep" || die "cannot create $keep"
	work=$(cd "$keep" && pwd)
	rm -rf "$work/jobs" "$work/out"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/realcal-eval.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/jobs" "$work/out"
: >"$work/extra.args"
for a in "${extra[@]}"; do
	printf '%s\0' "$a" >>"$work/extra.args"
done

n=$(python3 "$here/realcal.py" plan "$datadir" "$work" --kinds "$kinds" \
	--designs "$designs" --variants "$variants" --pairs "$pairs")
((n > 0)) || die "nothing to compare in $datadir"
echo "evaluate.sh: $n comparisons with $fg ${extra[*]} ($jobs at a time)" >&2
t0=$SECONDS
xargs -0 -P "$jobs" -n 1 "$self" --run-job "$work" "$fg" <"$work/ids"
echo "evaluate.sh: done in $((SECONDS - t0))s" >&2

echo "flamegate: \`$("$fg" --version 2>/dev/null | head -n 1)\`${extra[*]:+, extra flags: \`${extra[*]}\`}"
echo
rc=0
python3 "$here/realcal.py" summarize "$work" || rc=$?
exit "$rc"
