#!/usr/bin/env bash
# Runs the unit-test binaries in DIR (all, or the one named test_NAME), with a fixed environment.
set -u
dir=$1
only=${2:-}
export TZ=UTC LC_ALL=C.UTF-8 LEAKSCOPE_DATA="$(cd "$(dirname "$0")/../data" && pwd)"
fail=0 ran=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -n "$only" ] && [ "$name" != "test_$only" ] && continue
	ran=$((ran + 1))
	if ! "$t"; then
		echo "unit: $name FAILED"
		fail=$((fail + 1))
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "unit: no test binaries matched" >&2
	exit 1
fi
echo "unit: $((ran - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
