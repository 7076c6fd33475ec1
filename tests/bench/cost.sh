#!/usr/bin/env bash
# tests/bench/run.sh cost: what watching costs the watched service. The Go fixture at ~200k
# goroutines (paused, GOGC=off: nothing else runs in it) has its CPU time (utime+stime from
# /proc/PID/stat) read over an idle spell, then over a spell with the console open on it (tmux,
# default settings), then over `slope SOURCE --every 10s`, then with the console's pods view
# open (the fixture is pod web-0 behind tests/lib/apistub.sh's API server stand-in); once with
# /metrics served, once without (-no-metrics: only debug=1 answers). Each line: the extra CPU as a share of one core,
# next to the 0.1% goal, over the whole spell and over the spell less its first BENCH_COST_WARM
# seconds (15: the first sample, which without /metrics must be a debug=1 one). Spells:
# BENCH_COST_IDLE (default 40 s) and BENCH_COST_SPELL (90 s): about 11 minutes in all.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
LS=$ROOT/leakscope
GO=${BENCH_GO:-1.27}
IDLE=${BENCH_COST_IDLE:-40}
SPELL=${BENCH_COST_SPELL:-90}
WARM=${BENCH_COST_WARM:-15}
export FIXTURE_READY_SECONDS=${FIXTURE_READY_SECONDS:-180}
SOCK=leakscope-bench-cost-$$
HZ=$(getconf CLK_TCK)
tm() { tmux -L "$SOCK" "$@"; }
cleanup() {
	tm kill-server 2>/dev/null || true
	apistub_stop
}
trap cleanup EXIT

# the fixture's CPU seconds so far
cpu() { awk -v hz="$HZ" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$FIXTURE_PID/stat"; }
# "WHOLE STEADY": CPU seconds the fixture spends over SECONDS while "$@" runs, and over the same
# spell less its first WARM seconds (the first sample, a debug=1 one included, is behind it); the
# command's output is dropped, and it is stopped (SIGTERM) by its PID at the end
spend() {
	local secs=$1 c0 cw c1 pid
	shift
	c0=$(cpu)
	sh -c 'exec "$@" >/dev/null 2>&1' sh "$@" &
	pid=$!
	sleep "$WARM"
	cw=$(cpu)
	sleep $((secs - WARM))
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	c1=$(cpu)
	echo "$(python3 -c "print('%.3f %.3f' % ($c1 - $c0, $c1 - $cw))")"
}
# the same with the console open on URL (default settings; no URL: its pods view, through the API
# server stand-in) in a detached tmux
console_spend() {
	local secs=$1 url=${2:-} c0 cw c1
	c0=$(cpu)
	tm -f /dev/null new-session -d -s c -x 120 -y 30 \
		"env TERM=screen-256color LC_ALL=C.UTF-8 HOME=$WORK XDG_STATE_HOME=$WORK/state KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= $LS tui $url"
	sleep "$WARM"
	cw=$(cpu)
	sleep $((secs - WARM))
	tm capture-pane -p -t c:0 | head -1 | sed 's/^ */    title: /' >&2
	tm kill-server 2>/dev/null || true
	c1=$(cpu)
	echo "$(python3 -c "print('%.3f %.3f' % ($c1 - $c0, $c1 - $cw))")"
}
report() { # what "whole steady" spell_s idle_rate
	python3 - "$1" $2 "$3" "$4" "$WARM" <<'PY'
import sys
what, cpu, steady, secs, idle, warm = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
def pct(c, s):
    return max(c - idle * s, 0.0) / s * 100
e, st = pct(cpu, secs), pct(steady, secs - warm)
print("  %-34s %5.2f s CPU in %3.0f s: %6.3f%% of a core extra; after the first %.0f s: %6.3f%% (goal 0.1%%: %s)" %
      (what, cpu, secs, e, warm, st, "ok" if e <= 0.1 else "ok after the first sample" if st <= 0.1 else "OVER"))
PY
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-bench-cost.XXXXXX")
# the fixture is pod web-0 behind the API server stand-in too, for the pods view
apistub_init "bench-cost-token-$RANDOM$RANDOM"
echo "bench cost: load $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; spells ${IDLE}s idle, ${SPELL}s watched"
for mode in metrics no-metrics; do
	args=(-paused -initial "${BENCH_COST_INITIAL:-50000}" -pool 8 -patterns chansend,select,waitgroup,mutex)
	[ "$mode" = no-metrics ] && args+=(-no-metrics)
	apistub_pods_stop
	GOGC=off apistub_pod web-0 "$GO" "${args[@]}"
	apistub_conf shop
	apistub_serve >/dev/null
	apistub_kubeconfig "$WORK/kube/config" bench shop
	url=http://127.0.0.1:${APISTUB_PORT[web-0]}
	sleep 10 # let it settle
	n=$(curl -sf "$url/debug/pprof/goroutine?debug=1" | head -1 || true)
	echo "bench cost: fixture with $mode ($n)"
	c0=$(cpu)
	sleep "$IDLE"
	idle=$(python3 -c "print('%.3f' % ($(cpu) - $c0))")
	rate=$(python3 -c "print($idle / $IDLE)")
	echo "  idle: $idle s CPU in $IDLE s"
	report "console (tmux, default settings)" "$(console_spend "$SPELL" "$url")" "$SPELL" "$rate"
	report "slope SOURCE --every 10s" \
		"$(spend "$SPELL" "$LS" slope "$url" --every 10s --count 100000 --json)" "$SPELL" "$rate"
	report "console pods view (API stand-in)" "$(console_spend "$SPELL")" "$SPELL" "$rate"
done
rm -rf "$WORK"
