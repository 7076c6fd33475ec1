#!/usr/bin/env bash
# Ctrl-C in `playbook run`: against a source that accepts and never answers, the snapshot step
# hangs; SIGINT ends the fetch at once (not at --timeout), journals an interrupt event for the
# step, prints "incident left open: run again to resume" and exits 130. Run again, the incident
# resumes at that step, takes its snapshot this time, and the run closes.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/silent.sh"
RUN_PID=
cleanup() {
	[ -z "$RUN_PID" ] || kill "$RUN_PID" 2>/dev/null || true
	silent_stop
}
trap cleanup EXIT
export XDG_STATE_HOME=$WORK/state LEAKSCOPE_KNOWN_DB=$WORK/known.db
export LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks

silent_start
port=$SILENT_PORT

inc=$WORK/inc
set +e
"$LEAKSCOPE" playbook run goroutine-leak --source "http://127.0.0.1:$port" --yes --timeout 100 \
	--incident "$inc" >"$WORK/run.out" 2>"$WORK/run.err" &
RUN_PID=$!
set -e
# the snapshot step has started its fetch
for _ in $(seq 1 100); do
	grep -q '"step":"before"' "$inc/journal.jsonl" 2>/dev/null && break
	sleep 0.1
done
grep -q '"step":"before"' "$inc/journal.jsonl" || { echo "the run never reached the snapshot step"; cat "$WORK/run.out"; exit 1; }
sleep 0.5
kill -INT "$RUN_PID"
for _ in $(seq 1 50); do
	kill -0 "$RUN_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$RUN_PID" 2>/dev/null; then
	echo "Ctrl-C did not end the run within 5 s (a fetch with --timeout 100 in progress)"
	exit 1
fi
set +e
wait "$RUN_PID"
rc=$?
set -e
RUN_PID=
cat "$WORK/run.out"
[ "$rc" = 130 ] || { echo "exit status $rc, not 130"; cat "$WORK/run.err"; exit 1; }
grep -q '^incident left open: run again to resume' "$WORK/run.out" || { echo "no 'incident left open' line"; exit 1; }
grep -q 'interrupted (Ctrl-C)' "$WORK/run.out" || { echo "the cut fetch does not say it was interrupted"; exit 1; }
tail -1 "$inc/journal.jsonl" | python3 -c '
import json, sys
ev = json.loads(sys.stdin.read())
assert ev["ev"] == "interrupt" and ev["step"] == "before" and ev["redo"] is True, ev
'
echo "ok: Ctrl-C ends the hung fetch at once, journals the interrupt, exit 130, incident left open"

# resumed with a file as the source: the cut step runs again, and the run closes
"$LEAKSCOPE" playbook run goroutine-leak --source "$ROOT/tests/tui/data/before.debug1.txt" --yes --wait 1 \
	--incident "$inc" >"$WORK/resume.out" 2>"$WORK/resume.err"
grep -q '(resumed)' "$WORK/resume.out" || { cat "$WORK/resume.out"; echo "not resumed"; exit 1; }
grep -q '^incident closed' "$WORK/resume.out" || { cat "$WORK/resume.out"; echo "the resumed run did not close"; exit 1; }
python3 - "$inc/journal.jsonl" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
cut = max(i for i, e in enumerate(evs) if e["ev"] == "interrupt")
again = [e for e in evs[cut:] if e["ev"] == "result" and e.get("step") == "before"]
assert again and again[0]["ok"] is True, again
PY
echo "ok: the resumed run takes the cut step's snapshot again and closes"
