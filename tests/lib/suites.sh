#!/usr/bin/env bash
# tests/lib/suites.sh NAME=COMMAND... - runs the suites of `make test` one after the other, each
# to its end even when an earlier one failed, and sums them up from their exit statuses:
#   suites: N passed, M failed (failed: NAME...)
# The exit status is 0 when every suite passed, else 1. COMMAND runs with bash -c.
set -u
if [ $# -eq 0 ]; then
	echo "usage: tests/lib/suites.sh NAME=COMMAND..." >&2
	exit 2
fi
pass=0 fail=0 failed=
for s in "$@"; do
	name=${s%%=*} cmd=${s#*=}
	if bash -c "$cmd"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $name"
	fi
done
echo "suites: $pass passed, $fail failed${failed:+ (failed:$failed)}"
[ "$fail" -eq 0 ]
