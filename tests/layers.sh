#!/bin/sh
# tests/layers.sh - the source tree's layering (src/README.md): every file in
# src/<layer>/ includes only headers of its own layer or of the layers
# below it, and public headers (include/flamegate/) include only public
# headers and compile on their own with only include/ on the path, as a
# program linking libflamegate.a sees them.  Prints each violation and exits
# 1 when there is one.
cd "$(dirname "$0")/.." || exit 2
layers="core model input analysis report net config cli"
rank() { # rank LAYER -> its position, or nothing
    i=0
    for l in $layers; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done
}
# The layer of each public header.
public_layer() {
    case "$1" in
    fg|buf|strtab) echo core ;;
    profile|aggregate|flame) echo model ;;
    source) echo input ;;
    compare) echo analysis ;;
    report) echo report ;;
    backend) echo net ;;
    flamegate) echo cli ;; # the umbrella header: includes everything
    *) echo unknown ;;
    esac
}
bad=0
for f in include/flamegate/*.h src/*/*.c src/*/*.h; do
    case "$f" in
    include/*) me=$(public_layer "$(basename "$f" .h)") ;;
    *) me=$(echo "$f" | cut -d/ -f2) ;;
    esac
    [ "$me" = proto ] && continue
    mine=$(rank "$me")
    [ -n "$mine" ] || { echo "$f: unknown layer '$me'"; bad=1; continue; }
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        case "$inc" in
        flamegate/*) l=$(public_layer "$(basename "$inc" .h)") ;;
        */*) l=${inc%%/*}
             case "$f" in include/*)
                 echo "$f: public header includes internal '$inc'"; bad=1 ;;
             esac ;;
        *.pb-c.h) continue ;;
        *) echo "$f: '$inc' is not named by its layer folder"; bad=1; continue ;;
        esac
        r=$(rank "$l")
        if [ -z "$r" ]; then
            echo "$f: includes '$inc' of unknown layer '$l'"; bad=1
        elif [ "$r" -gt "$mine" ]; then
            echo "$f ($me) includes '$inc' of the higher layer $l"; bad=1
        fi
    done
done
cc=${CC:-cc}
for h in include/flamegate/*.h; do
    echo "#include \"flamegate/$(basename "$h")\"" |
        $cc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iinclude \
            -x c - 2>&1 | sed "s|^|$h: |" | grep . && bad=1
done
exit $bad
