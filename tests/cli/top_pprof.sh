# flamegate top with pprof's filters equals 'go tool pprof -top' with the
# same filters: the golden files in testdata/golden/pprof/ were written by
# pprof itself (see the README there); every case of cases.tsv is run.
. tests/cli/lib.sh
need_corpus
G=testdata/golden/pprof
# pprof -top text -> "name<TAB>flat<TAB>cum", sorted by name
pprof_rows() {
    awk '
        /^ *flat  flat%/ { body = 1; next }
        !body { next }
        {
            flat = $1; cum = $4
            sub(/[A-Za-z]+$/, "", flat); sub(/[A-Za-z]+$/, "", cum)
            name = $0
            for (i = 0; i < 5; i++) sub(/^ *[^ ]+/, "", name)
            sub(/^ +/, "", name); sub(/ \((partial-)?inline\)$/, "", name)
            print name "\t" flat "\t" cum
        }' "$1" | LC_ALL=C sort
}
n=0 bad=0
while IFS="$(printf '\t')" read -r name profile index unit flags; do
    case "$name" in '#'*|'') continue ;; esac
    n=$((n + 1))
    args=()
    for f in $flags; do
        f=-${f}
        args+=("${f/#--show_from=/--show-from=}")
    done
    $FG top --format tsv --top 0 --sort name --sample-type "$index" \
        "${args[@]}" "$CORPUS/profiles/$profile.pb.gz" > "$TMP/fg" 2> "$TMP/err" ||
        { echo "FAIL $name: flamegate exited $?: $(cat "$TMP/err")"; bad=$((bad + 1)); continue; }
    grep -v '^#' "$TMP/fg" > "$TMP/fg.rows" || true
    pprof_rows "$G/$name.txt" > "$TMP/pp.rows"
    if ! cmp -s "$TMP/fg.rows" "$TMP/pp.rows"; then
        echo "FAIL $name: flamegate top ${args[*]} differs from pprof:"
        diff "$TMP/pp.rows" "$TMP/fg.rows" | head -10
        bad=$((bad + 1))
    fi
done < "$G/cases.tsv"
[ "$n" -ge 20 ] || fail "only $n cases ran"
[ "$bad" -eq 0 ] || fail "$bad of $n filtered tops differ from pprof"
