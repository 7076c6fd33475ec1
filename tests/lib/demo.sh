#!/usr/bin/env bash
# make demo: starts the leaking Go fixture on 127.0.0.1 and runs leakscope on it, as an on-call
# engineer would: one snapshot, a minute's worth of leaking compressed into a few seconds, another
# snapshot, then what grew.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/fixture.sh"
LS=$ROOT/leakscope
dir=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-demo.XXXXXX")
cleanup() { fixture_stop; rm -rf "$dir"; }
trap cleanup EXIT

port=$(fixture_free_port)
fixture_start 1.19 "$port" -rate 20 -initial 50
url=http://127.0.0.1:$port
echo "demo: a Go service leaking goroutines in five patterns is listening on $url"
echo
t0=$(date +%s.%N)
curl -sf -o "$dir/before.txt" "$url/debug/pprof/goroutine?debug=2"
echo "\$ leakscope top --limit 8 before.txt"
"$LS" top --limit 8 "$dir/before.txt"
if "$LS" --help | grep -q '^  diff '; then
	sleep 5
	t1=$(date +%s.%N)
	curl -sf -o "$dir/after.txt" "$url/debug/pprof/goroutine?debug=2"
	echo
	echo "\$ leakscope diff --limit 8 --before-time $t0 --after-time $t1 before.txt after.txt"
	"$LS" diff --limit 8 --before-time "$t0" --after-time "$t1" "$dir/before.txt" "$dir/after.txt" || true
fi
