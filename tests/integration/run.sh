#!/usr/bin/env bash
# Runs the integration tests (tests/integration/t_*.sh, or the one named t_NAME) against real
# parts on 127.0.0.1: the Go fixture under each Go version, Prometheus, nginx.
# Each test is a bash script that exits 0 when it passes; it gets:
#   LEAKSCOPE   the binary under test          GO_VERSIONS  "1.19 1.27"
#   ROOT        the repository root            WORK         a fresh scratch directory
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ROOT
export LEAKSCOPE=${LEAKSCOPE:-$ROOT/leakscope}
export GO_VERSIONS=${GO_VERSIONS:-"1.19 1.27"}
export TZ=UTC LC_ALL=C.UTF-8
only=${1:-}
pass=0 fail=0 failed=""
mkdir -p "$ROOT/tests/.run"
for t in "$ROOT"/tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$only" ] && [ "$name" != "t_$only" ] && [ "$name" != "$only" ] && continue
	WORK=$(mktemp -d "$ROOT/tests/.run/$name.XXXXXX")
	export WORK
	start=$(date +%s)
	if bash "$t" >"$WORK/log" 2>&1; then
		pass=$((pass + 1))
		echo "integration: $name ok ($(($(date +%s) - start)) s)"
		rm -rf "$WORK"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "integration: $name FAILED ($(($(date +%s) - start)) s); log:"
		sed 's/^/    /' "$WORK/log" | tail -40
	fi
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
