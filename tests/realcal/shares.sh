#!/usr/bin/env bash
# Measure what each variant of the calibration workload changes: shares of
# the functions involved, from `go tool pprof -top` on every recorded run.
#
#   tests/realcal/shares.sh DATADIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -ne 1 || $1 == -* ]]; then
	echo "usage: shares.sh DATADIR (a directory record.sh wrote)" >&2
	exit 2
fi
[[ -d $1/none ]] || { echo "shares.sh: no recordings in $1 (no $1/none)" >&2; exit 2; }
command -v go >/dev/null 2>&1 || { echo "shares.sh: go not found: apt-get install -y golang-go" >&2; exit 2; }
command -v python3 >/dev/null 2>&1 || { echo "shares.sh: python3 not found: apt-get install -y python3" >&2; exit 2; }
exec python3 "$here/realcal.py" shares "$(cd "$1" && pwd)"
