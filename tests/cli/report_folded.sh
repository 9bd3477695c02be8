# The folded diff parses the way flamegraph.pl's differential mode parses
# it (its two regular expressions, applied with perl): every data line
# gives a stack and two counts, the counts add up to the side totals, and
# only the '#' header line is ignored.
. tests/cli/lib.sh
command -v perl >/dev/null || skip "perl not installed"
TOOL="$(dirname "$FG_BIN")/fg-report-check"
[ -x "$TOOL" ] || TOOL=build/fg-report-check
[ -x "$TOOL" ] || skip "fg-report-check not built"

# Prints "lines ignored base_total cand_total frames".
parse() {
    perl -ne '
        chomp;
        my ($stack, $samples) = (/^(.*)\s+?(\d+(?:\.\d*)?)$/);
        my $samples2;
        if (defined $stack && $stack =~ /^(.*)\s+?(\d+(?:\.\d*)?)$/) {
            $samples2 = $samples;
            ($stack, $samples) = ($1, $2);
        }
        unless (defined $samples && defined $samples2) { $ign++; next; }
        $n++; $b += $samples; $c += $samples2;
        $f += scalar(split /;/, $stack);
        END { printf "%d %d %d %d %d\n", $n, $ign, $b, $c, $f }' "$1"
}

"$TOOL" sample folded > "$TMP/sample.folded" || fail "fg-report-check"
read -r n ign b c f <<< "$(parse "$TMP/sample.folded")"
[ "$n $ign $b $c $f" = "8 1 1900 2160 20" ] ||
    fail "sample: lines $n ignored $ign base $b cand $c frames $f"
head -n 1 "$TMP/sample.folded" | grep -q '^# flamegate ' || fail "no header"

need_corpus
K=$CORPUS/replicates/kafka-java-cpu
expect_exit 0 $FG compare --format folded "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
read -r n ign b c f <<< "$(parse "$TMP/out")"
[ "$ign" = 1 ] && [ "$n" -gt 100 ] || fail "kafka: $n lines, $ign ignored"
# The totals are the profiles' totals of the analysed type.
expect_exit 0 $FG compare --format json "$K/cpu-0.pb.gz" "$K/cpu-1.pb.gz"
grep -q "\"value_total\": $b," "$TMP/out" || fail "kafka: base total $b not in the JSON"
