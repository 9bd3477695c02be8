#!/usr/bin/env bash
# split-calibrate.sh OUTDIR [RECORDINGS [SECONDS [BLOCKS...]]] - calibrate
# 'compare --split N' on real recordings (docs/split.md).
#
# Records RECORDINGS (default 8) JFR files of one unchanged workload
# (tests/cli/java/Calib.java, SECONDS each, default 30; OpenJDK 17+ with
# settings=profile: CPU samples every 10 ms per running thread), then:
#  (a) A/A with one recording per side cut into N blocks (N in BLOCKS,
#      default "4 8"): every pair of distinct recordings, the verdicts;
#  (b) the run-to-run noise the moderated t-test estimates (JSON method:
#      overdispersion, prior_var, mde_noise) from blocks within recordings
#      versus from separate recordings (the first half of the recordings
#      against the second half, no --split).
# Needs java, javac, python3 and FG (default ./flamegate).
set -u
out=${1:?usage: split-calibrate.sh OUTDIR [RECORDINGS [SECONDS [BLOCKS...]]]}
R=${2:-8}
S=${3:-30}
shift $(( $# < 3 ? $# : 3 ))
BLOCKS=${*:-4 8}
FG=${FG:-./flamegate}
mkdir -p "$out/java"
javac -d "$out/java" tests/cli/java/Calib.java || exit 2
for i in $(seq 1 "$R"); do
    f=$out/run$i.jfr
    [ -f "$f" ] && continue
    java -XX:StartFlightRecording=filename="$f",settings=profile \
        -cp "$out/java" Calib "$S" >/dev/null 2>&1 || { echo "run $i failed" >&2; exit 2; }
    echo "recorded $f: $($FG top "$f" | sed -n 2p)"
done
method() { # ARGS... -> "verdict overdispersion prior_var mde_noise"
    $FG compare -f json "$@" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = d["method"]
print(d["verdict"], "%.4f" % m["overdispersion"], "%.4f" % m["prior_var"],
      "%.3f" % m["mde_noise"])'
}
echo
echo "(a) A/A, one recording per side cut into N blocks: verdicts over all pairs"
for n in $BLOCKS; do
    : >"$out/aa-$n.txt"
    for i in $(seq 1 "$R"); do
        for j in $(seq $((i + 1)) "$R"); do
            echo "$i $j $(method --split "$n" "$out/run$i.jfr" "$out/run$j.jfr")" >>"$out/aa-$n.txt"
        done
    done
    pairs=$(wc -l <"$out/aa-$n.txt")
    echo "  N=$n: $pairs pairs: $(awk '{print $3}' "$out/aa-$n.txt" | sort | uniq -c | tr '\n' ' ')"
    awk '{o+=$4; v+=$5; m+=$6} END {printf "        mean overdispersion %.4f, prior_var %.4f, mde_noise %.3f\n", o/NR, v/NR, m/NR}' "$out/aa-$n.txt"
done
echo
half=$((R / 2))
base=() cand=()
for i in $(seq 1 "$half"); do base+=(-b "$out/run$i.jfr"); done
for i in $(seq $((half + 1)) $((2 * half))); do cand+=(-c "$out/run$i.jfr"); done
echo "(b) noise from separate recordings ($half per side, no split):"
echo "  verdict overdispersion prior_var mde_noise: $(method "${base[@]}" "${cand[@]}")"
for n in $BLOCKS; do
    echo "  the same recordings, each cut into $n blocks ($((half * n)) runs per side): $(method --split "$n" "${base[@]}" "${cand[@]}")"
done
