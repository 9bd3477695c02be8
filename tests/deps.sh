#!/bin/sh
# tests/deps.sh [--check] - the tools the test suite uses beyond the build.
#
# Prints one line per missing tool with the Debian/Ubuntu package that
# provides it; with --check prints nothing and exits 1 when any is missing
# ("make test-deps" then installs TEST_DEB_PKGS).  A test whose tool is
# missing skips and names the same package.
missing=0
need() { # need PACKAGE TEST-COMMAND...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then
        missing=1
        [ "${quiet:-0}" = 1 ] || echo "missing: $pkg"
    fi
}
[ "${1:-}" = --check ] && quiet=1
need chromium sh -c 'command -v chromium || command -v chromium-browser'
need cmark-gfm command -v cmark-gfm
need python3 command -v python3
need python3-yaml python3 -c 'import yaml'
need python3-jsonschema python3 -c 'import jsonschema'
exit $missing
