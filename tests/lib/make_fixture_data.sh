#!/usr/bin/env bash
# tests/lib/make_fixture_data.sh - regenerate the checked-in goroutine dumps in
# tests/data/ from the leaky fixture (tests/fixtures/leaky).
#
# Usage (from the repository root):  tests/lib/make_fixture_data.sh
#
# Every capture is taken while the fixture is paused, so the goroutine set is
# fixed; next to each capture FILE goes FILE's stem + .expected.json, the
# fixture's /expected answer at that moment. Counts per group:
#
#   pool 4, chansend 5 (/api/a 3, /api/b 2), select 4, body 3 (+3 writeLoop,
#   +3 server conn.serve), waitgroup 6, mutex 7
#
# Files:
#   go119.debug{1,2}.txt go119.debug0.pb.gz        goroutine profile, Go 1.19
#   go127.debug{1,2}.txt go127.debug0.pb.gz        goroutine profile, Go 1.27
#   go127.leak.debug{1,2}.txt go127.leak.debug0.pb.gz
#                                                  goroutineleak profile, Go 1.27
#                                                  (taken after the goroutine ones:
#                                                  it marks goroutines "(leaked)")
#   go127.labels.debug2.txt                        GODEBUG=tracebacklabels=1
#   go119.sigquit.txt                              SIGQUIT dump (GOTRACEBACK default)
#   go127.crash.txt                                SIGQUIT dump, GOTRACEBACK=crash
#
# The signal dumps print every frame with fp/sp/pc, so to stay small they
# run with -initial 1 -pool 2 and one more chansend leak: pool 2, chansend 2
# (/api/a 1, /api/b 1), every other pattern 1.

set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/fixture.sh

out=tests/data
mkdir -p "$out"
trap fixture_stop EXIT

# setup VERSION [ARGS...]: start paused and bring each pattern to its count.
setup() {
    local version=$1
    shift
    FIXTURE_PORT=$(fixture_free_port)
    fixture_start "$version" "$FIXTURE_PORT" -paused -initial 3 -pool 4 "$@"
    fixture_control "$FIXTURE_PORT" 'control/leak?pattern=chansend&n=2' >/dev/null
    fixture_control "$FIXTURE_PORT" 'control/leak?pattern=select&n=1' >/dev/null
    fixture_control "$FIXTURE_PORT" 'control/leak?pattern=waitgroup&n=3' >/dev/null
    fixture_control "$FIXTURE_PORT" 'control/leak?pattern=mutex&n=4' >/dev/null
}

# expect NAME: save /expected for capture NAME (without extension).
expect() {
    fixture_expected "$FIXTURE_PORT" "$out/$1.expected.json"
}

# sigdump VERSION NAME GOTRACEBACK: SIGQUIT the fixture, keep its stderr.
sigdump() {
    local version=$1 name=$2 tb=$3 bin pid port deadline
    bin=$(fixture_build "$version")
    port=$(fixture_free_port)
    (ulimit -c 0; GOTRACEBACK=$tb exec "$bin" -addr "127.0.0.1:$port" -paused -initial 1 -pool 2 \
        2>"$out/$name.txt.tmp") &
    pid=$!
    FIXTURE_PID=$pid FIXTURE_PORT=$port
    deadline=$((SECONDS + 20))
    until curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$port/expected"; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "fixture not ready" >&2; exit 1; }
        sleep 0.1
    done
    fixture_control "$port" 'control/leak?pattern=chansend&n=1' >/dev/null
    expect "$name"
    kill -QUIT "$pid"
    wait "$pid" 2>/dev/null || true
    FIXTURE_PID=
    # Keep the dump only (drop the "listening" line printed at start).
    grep -v '^leaky: ' "$out/$name.txt.tmp" >"$out/$name.txt"
    rm -f "$out/$name.txt.tmp"
}

# Go 1.19: goroutine profiles.
setup 1.19
expect go119.debug1
fixture_capture "$FIXTURE_PORT" 1 "$out/go119.debug1.txt"
expect go119.debug2
fixture_capture "$FIXTURE_PORT" 2 "$out/go119.debug2.txt"
expect go119.debug0
fixture_capture "$FIXTURE_PORT" 0 "$out/go119.debug0.pb.gz"
fixture_stop

# Go 1.27: goroutine profiles first, then goroutineleak (which changes the
# state shown for leaked goroutines in later dumps).
setup 1.27
expect go127.debug1
fixture_capture "$FIXTURE_PORT" 1 "$out/go127.debug1.txt"
expect go127.debug2
fixture_capture "$FIXTURE_PORT" 2 "$out/go127.debug2.txt"
expect go127.debug0
fixture_capture "$FIXTURE_PORT" 0 "$out/go127.debug0.pb.gz"
expect go127.leak.debug1
fixture_capture "$FIXTURE_PORT" 1 "$out/go127.leak.debug1.txt" goroutineleak
expect go127.leak.debug0
fixture_capture "$FIXTURE_PORT" 0 "$out/go127.leak.debug0.pb.gz" goroutineleak
expect go127.leak.debug2
fixture_capture "$FIXTURE_PORT" 2 "$out/go127.leak.debug2.txt" goroutineleak
fixture_stop

# Go 1.27 with pprof labels in the traceback headers.
GODEBUG=tracebacklabels=1 setup 1.27
expect go127.labels.debug2
fixture_capture "$FIXTURE_PORT" 2 "$out/go127.labels.debug2.txt"
fixture_stop

# Signal dumps.
sigdump 1.19 go119.sigquit ""
sigdump 1.27 go127.crash crash

ls -l "$out"
