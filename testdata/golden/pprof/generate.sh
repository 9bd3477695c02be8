#!/bin/sh
# generate.sh CORPUS - write the golden files of this folder with pprof
# itself (see README.md); run from this folder.
set -eu
CORPUS=${1:?usage: generate.sh CORPUS (e.g. ../../../../shared/corpus)}
grep -v '^#' cases.tsv | while IFS="$(printf '\t')" read -r name profile index unit flags; do
    # shellcheck disable=SC2086 # flags are space separated on purpose
    go tool pprof -top -nodecount=0 -nodefraction=0 -edgefraction=0 \
        -sample_index="$index" -unit="$unit" $flags \
        "$CORPUS/profiles/$profile.pb.gz" > "$name.txt" 2>/dev/null
done
