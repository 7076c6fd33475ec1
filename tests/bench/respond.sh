#!/usr/bin/env bash
# tests/bench/run.sh respond: the time from the page to the root cause, unattended. The Go fixture
# leaks (chansend fastest); Prometheus evaluates `deriv(go_goroutines[30s]) > 1 for 10s` and
# Alertmanager pages `leakscope respond` (tests/lib/alerting.sh), which runs the goroutine-leak
# playbook with a wait of BENCH_RESPOND_WAIT seconds (default 30) between the snapshots. Prints,
# from the report: the alert's startsAt to the report (goal: 60 s at most), split into the alert
# reaching respond and the run; and the run against its peer, `leakscope playbook run
# goroutine-leak --yes` by hand on the same target with the same wait, as a ratio.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/alerting.sh"
LS=$ROOT/leakscope
GO=${BENCH_GO:-1.27}
WAIT=${BENCH_RESPOND_WAIT:-30}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-bench-respond.XXXXXX")
RSP_PID= BG=
cleanup() {
	local p
	for p in $BG $RSP_PID; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	alerting_stop
	fixture_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
export XDG_STATE_HOME=$WORK/state HOME=$WORK LEAKSCOPE_KNOWN_DB=$WORK/known.db LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
unset LEAKSCOPE_TOKEN KUBECONFIG
head -c 24 /dev/urandom | base64 >"$WORK/token"
chmod 600 "$WORK/token"

echo "bench: respond, from Alertmanager's page to the report (wait between the snapshots: $WAIT s)"
fport=$(fixture_free_port)
fixture_start "$GO" "$fport" -paused -pool 4 >/dev/null
pport=$(fixture_free_port)
rport=$(fixture_free_port)
"$LS" respond --listen "$rport" --incidents "$WORK/incidents" --source 'http://{{instance}}' \
	--prometheus "http://127.0.0.1:$pport" --auth-token-file "$WORK/token" --wait "$WAIT" 2>"$WORK/respond.err" &
RSP_PID=$!
alerting_start "$fport" "$pport" "http://127.0.0.1:$rport/alertmanager" "$WORK/token"
sleep 3
(for _ in $(seq 1 400); do
	fixture_control "$fport" 'control/leak?pattern=chansend&n=4' >/dev/null || exit 0
	fixture_control "$fport" 'control/leak?pattern=all&n=1' >/dev/null || exit 0
	sleep 0.5
done) &
BG=$!
report=
for _ in $(seq 1 400); do
	report=$(ls "$WORK"/incidents/*/report.json 2>/dev/null | head -1) || true
	[ -n "$report" ] && break
	sleep 0.5
done
[ -n "$report" ] || { tail -5 "$WORK/respond.err"; echo "  no report within 200 s"; exit 1; }
# the peer: the same playbook by hand, scripted, on the same target with the same wait
t0=$(date +%s%3N)
"$LS" playbook run goroutine-leak --yes --wait "$WAIT" --source "http://127.0.0.1:$fport" \
	--prometheus "http://127.0.0.1:$pport" --incident "$WORK/by-hand" >/dev/null 2>&1
t1=$(date +%s%3N)
python3 - "$report" "$(dirname "$report")/journal.jsonl" $((t1 - t0)) "$WAIT" <<'PY'
import datetime, json, sys
rep, ev, hand_ms = json.load(open(sys.argv[1])), [json.loads(l) for l in open(sys.argv[2])], int(sys.argv[3])
ts = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
a = rep["alert"]
start = ts(a["starts_at"])
opened = ts(ev[0]["t"])
report = next(ts(e["t"]) for e in ev if e["ev"] == "result" and e.get("action") == "report")
total = a["alert_to_report_seconds"]
print("  alert startsAt -> report: %.1f s (goal 60 s): %s" % (total, "ok" if total <= 60 else "OVER"))
print("    startsAt -> respond has it: %.1f s (Prometheus' evaluation and resend, Alertmanager's group_wait 1s)" % (opened - start))
print("    respond's run: %.1f s, of which the wait: %d s" % (report - opened, int(sys.argv[4])))
print("  the run against `playbook run --yes` by hand on the same target: %.1f s vs %.1f s: %.2fx"
      % (report - opened, hand_ms / 1000.0, (report - opened) / (hand_ms / 1000.0)))
print("  top of the report: %s (%s)" % (rep["groups"][0]["func"], rep["groups"][0]["pattern"]))
PY
