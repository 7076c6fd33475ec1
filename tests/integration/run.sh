#!/usr/bin/env bash
# Runs the integration tests (tests/integration/t_*.sh, or the one named t_NAME) against real
# parts on 127.0.0.1: the Go fixture under each Go version, Prometheus, nginx.
# Each test is a bash script that exits 0 when it passes; it gets:
#   LEAKSCOPE   the binary under test          GO_VERSIONS  "1.19 1.27"
#   ROOT        the repository root            WORK         a fresh scratch directory
# A test whose first lines hold "# runs: beside" mostly waits (a leak growing for minutes, a
# Prometheus filling its window): it starts first, in the background, beside the others.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ROOT
export LEAKSCOPE=${LEAKSCOPE:-$ROOT/leakscope}
export GO_VERSIONS=${GO_VERSIONS:-"1.19 1.27"}
export TZ=UTC LC_ALL=C.UTF-8
only=${1:-}
pass=0 fail=0
mkdir -p "$ROOT/tests/.run"

# The binary under test is copied, so that a rebuild while the tests run cannot change it.
bin=$(mktemp "$ROOT/tests/.run/leakscope.XXXXXX")
cp "$LEAKSCOPE" "$bin"
chmod 755 "$bin"
LEAKSCOPE=$bin
trap 'rm -f "$bin"' EXIT

# Build the fixture for every Go version first, so parallel tests do not build it twice.
. "$ROOT/tests/lib/fixture.sh"
for v in $GO_VERSIONS; do fixture_build "$v" >/dev/null || exit 1; done

selected() {
	local name=$1
	[ -z "$only" ] || [ "$name" = "t_$only" ] || [ "$name" = "$only" ]
}

# report NAME WORK RC SECONDS
report() {
	if [ "$3" -eq 0 ]; then
		pass=$((pass + 1))
		echo "integration: $1 ok ($4 s)"
		rm -rf "$2"
	else
		fail=$((fail + 1))
		echo "integration: $1 FAILED ($4 s); log:"
		sed 's/^/    /' "$2/log" | tail -40
	fi
}

declare -A bg_pid bg_work bg_start
for t in "$ROOT"/tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	selected "$name" || continue
	head -5 "$t" | grep -q '^# runs: beside' || continue
	WORK=$(mktemp -d "$ROOT/tests/.run/$name.XXXXXX")
	# The exit status goes to a file: over minutes of forks the PID can be reused, and bash
	# then forgets the status that "wait PID" would have returned.
	(
		export WORK
		bash "$t" >"$WORK/log" 2>&1
		echo $? >"$WORK/rc"
	) &
	bg_pid[$name]=$!
	bg_work[$name]=$WORK
	bg_start[$name]=$(date +%s)
done

for t in "$ROOT"/tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	selected "$name" || continue
	[ -n "${bg_pid[$name]:-}" ] && continue
	WORK=$(mktemp -d "$ROOT/tests/.run/$name.XXXXXX")
	export WORK
	start=$(date +%s)
	bash "$t" >"$WORK/log" 2>&1
	report "$name" "$WORK" $? $(($(date +%s) - start))
done

wait
for name in "${!bg_pid[@]}"; do
	w=${bg_work[$name]}
	rc=$(cat "$w/rc" 2>/dev/null || echo 1)
	end=$(stat -c %Y "$w/rc" 2>/dev/null || date +%s)
	report "$name" "$w" "$rc" $((end - ${bg_start[$name]}))
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
