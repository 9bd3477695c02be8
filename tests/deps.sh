#!/bin/sh
# tests/deps.sh [--check] - the tools the test suite uses beyond the build.
#
# Prints one line per missing package ("missing: PACKAGE", the Debian/Ubuntu
# name, one of the Makefile's TEST_DEB_PKGS) whose tools are not found;
# with --check prints nothing and exits 1 when any is missing ("make
# test-deps" then installs those).  A test whose tool is missing skips and
# names the same package.
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
# JFR recordings (tests/cli/jfr_live.sh): the JDK's java, javac and jfr
need openjdk-17-jdk-headless sh -c 'command -v java && command -v javac && command -v jfr'
# node --cpu-prof (cpuprofile_live.sh), the HTML script (report_html_units.sh)
need nodejs command -v node
# perf record and perf script (perf_live.sh)
need linux-perf command -v perf
exit $missing
