#!/usr/bin/env bash
# tests/realcal/runtimes.sh - A/A and a slowdown on real JVM and Node.js
# recordings (JFR from OpenJDK, node --cpu-prof), 1 vs 1 over every ordered
# pair and 3 vs 3 over a few splits.  The Go calibration (run.sh) is the
# main one; this checks that what it found holds for two other runtimes
# whose run-to-run noise differs (a JIT decides per process what to inline).
#
#   tests/realcal/runtimes.sh [OUTDIR] [--runs N] [--seconds S] [-- FLAGS]
#
# Needs java/javac (openjdk-17-jdk-headless) and node (nodejs); a runtime
# that is missing is skipped with a message.  FLAGS go to every compare.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fg=${FG:-$here/../../flamegate}
out=${1:-build/realcal-runtimes}
[[ $# -gt 0 && $1 != -* ]] && shift
runs=6 secs=8
extra=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "runtimes.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[[ -x $fg ]] || { echo "runtimes.sh: $fg not found (run make first, or set FG)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# pairs EXT: every ordered pair of 'none' runs (A/A) and none x slow
pairs() {
	local ext=$1 aa=0 aaf=0 det=0 n=0 rc
	for ((i = 1; i <= runs; i++)); do
		for ((j = 1; j <= runs; j++)); do
			((i == j)) && continue
			rc=0; "$fg" compare "${extra[@]}" "$out/none-$i.$ext" "$out/none-$j.$ext" >/dev/null 2>&1 || rc=$?
			((aa += 1)); ((rc == 1)) && ((aaf += 1))
		done
	done
	for ((i = 1; i <= 3; i++)); do
		for ((j = 1; j <= 3; j++)); do
			rc=0; "$fg" compare "${extra[@]}" "$out/none-$i.$ext" "$out/slow-$j.$ext" >/dev/null 2>&1 || rc=$?
			((n += 1)); ((rc == 1)) && ((det += 1))
		done
	done
	local s3=0 s3f=0
	for split in "1 2 3:4 5 6" "4 5 6:1 2 3" "1 3 5:2 4 6" "2 4 6:1 3 5"; do
		local b=() c=()
		for i in ${split%%:*}; do b+=(--base "$out/none-$i.$ext"); done
		for i in ${split##*:}; do c+=(--candidate "$out/none-$i.$ext"); done
		rc=0; "$fg" compare "${extra[@]}" "${b[@]}" "${c[@]}" >/dev/null 2>&1 || rc=$?
		((s3 += 1)); ((rc == 1)) && ((s3f += 1))
	done
	echo "| $ext | $aaf/$aa | $s3f/$s3 | $det/$n |"
}

echo "| recordings | 1 vs 1 A/A false FAIL | 3 vs 3 A/A false FAIL | 1 vs 1 slowdown FAIL |"
echo "|---|---|---|---|"
if command -v javac >/dev/null && command -v java >/dev/null; then
	javac -d "$out" "$here/runtimes/Work.java"
	for v in none slow; do
		n=$runs; [[ $v == slow ]] && n=3
		for ((i = 1; i <= n; i++)); do
			java -cp "$out" -XX:StartFlightRecording=filename="$out/$v-$i.jfr",settings=profile \
				Work "$v" "$secs" >/dev/null 2>&1
		done
	done
	pairs jfr
else
	echo "runtimes.sh: java/javac not installed (apt-get install openjdk-17-jdk-headless): JVM skipped" >&2
fi
if command -v node >/dev/null; then
	for v in none slow; do
		n=$runs; [[ $v == slow ]] && n=3
		for ((i = 1; i <= n; i++)); do
			node --cpu-prof --cpu-prof-dir="$out" --cpu-prof-name="$v-$i.cpuprofile" \
				"$here/runtimes/work.js" "$v" "$secs" >/dev/null
		done
	done
	pairs cpuprofile
else
	echo "runtimes.sh: node not installed (apt-get install nodejs): Node.js skipped" >&2
fi
