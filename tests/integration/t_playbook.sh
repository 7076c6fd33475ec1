#!/usr/bin/env bash
# The goroutine-leak playbook end to end against the fixture under every Go version with --yes:
# one pattern leaks faster than the others while the playbook takes its two snapshots, and the
# report names that group with file:line, its pattern and the time to root cause. Then a run killed
# with SIGKILL during its wait resumes at the wait with every note kept, and finishes. Malformed
# playbooks and answer files exit 2 naming the file, the step and what is wrong.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
driver=
cleanup() { [ -n "$driver" ] && kill "$driver" 2>/dev/null; fixture_stop; }
trap cleanup EXIT
export XDG_STATE_HOME=$WORK/state LEAKSCOPE_KNOWN_DB=$WORK/known.db
export LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks

leak_in_background() { # PORT: chansend leaks 4 at a time, every pattern 1 at a time, for ~8 s
	local port=$1 i
	for i in $(seq 1 16); do
		fixture_control "$port" 'control/leak?pattern=chansend&n=4' >/dev/null || return 0
		fixture_control "$port" 'control/leak?pattern=all&n=1' >/dev/null || return 0
		sleep 0.5
	done
}

for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -paused -initial 2 -pool 4
	fixture_expected "$port" "$WORK/exp-$v.json"
	# the leak is known from an earlier incident
	"$LEAKSCOPE" known add 91b6827e760a --incident INC-2347 --fix abc123 --db "$WORK/known.db" >/dev/null
	leak_in_background "$port" &
	bg=$!
	"$LEAKSCOPE" playbook run goroutine-leak --source "http://127.0.0.1:$port" --yes --wait 4 \
		--incident "$WORK/inc-$v" >"$WORK/run-$v.out"
	wait "$bg"
	fixture_stop
	test -f "$WORK/inc-$v/report.md" && test -f "$WORK/inc-$v/report.json"
	[ "$(stat -c %a "$WORK/inc-$v")" = 700 ]
	python3 - "$WORK/inc-$v" "$WORK/exp-$v.json" "$v" <<'PY'
import json, re, sys
d, exp, v = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
rep = json.load(open(d + "/report.json"))
md = open(d + "/report.md").read()
func = exp["patterns"]["chansend"]["func"]
top = rep["groups"][0]
assert top["func"] == func, (v, top["func"])
assert top["pattern"] == "chan-send-no-receiver" and top["verdict"] == "leak", top
assert top["delta"] > 0 and top["file"].endswith("main.go") and top["line"] > 0
m = re.search(r"### 1\. `%s \(leaky/main\.go:(\d+)\)`" % re.escape(func), md)
assert m, md[:2000]
assert "**chan-send-no-receiver**" in md
assert re.search(r"time to root cause: \*\*\d+m\d\ds\*\* \(target 15 minutes: met\)", md), md[:600]
assert rep["time_to_root_cause_seconds"] is not None and rep["within_target"] is True
assert rep["closed"] is not None
assert any(k["incident"] == "INC-2347" and k.get("fix") == "abc123" for k in rep["known"]), rep["known"]
assert "seen before in incident INC-2347, fixed in abc123" in md
assert any(c["command"].startswith("leakscope diff ") for c in rep["commands"])
# every pattern leaked: the diff step's conclusion names each group that grew, not the fastest alone
ev = [json.loads(l) for l in open(d + "/journal.jsonl")]
dres = [e for e in ev if e["ev"] == "result" and e.get("step") == "diff"][0]
grew = dres["data"]["grew_every_step"]
assert "grew at every step: " in dres["summary"] and func in dres["summary"].split(",")[0], dres["summary"]
leaking = {p["func"] for p in exp["patterns"].values()}
named = [f for f in leaking if f in dres["summary"]]
assert len(grew) >= 3 and len(named) >= 3, (dres["summary"], grew)
diffcmd = [c["command"] for c in rep["commands"] if c["figure"] == "diff"][0]
assert "--before-time " in diffcmd and "--after-time " in diffcmd, diffcmd
open(d + "/diff.cmd", "w").write(diffcmd + " --json\n")
assert "## Timeline (UTC)" in md
print("ok: Go %s: report names %s (main.go:%s), chan-send-no-receiver, root cause in %.0f s, known INC-2347"
      % (v, func, m.group(1), rep["time_to_root_cause_seconds"]))
PY
	# the reproduce command, run, spans what the journal says the two captures spanned
	(cd "$WORK" && LEAKSCOPE_BIN=$LEAKSCOPE sh -c "$(sed 's/^leakscope /"$LEAKSCOPE_BIN" /' "$WORK/inc-$v/diff.cmd")") \
		>"$WORK/repro-$v.json"
	python3 - "$WORK/inc-$v/journal.jsonl" "$WORK/repro-$v.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
t = {e["step"]: e["data"]["time_ms"] for e in ev if e["ev"] == "result" and e.get("step") in ("before", "after")}
d = json.load(open(sys.argv[2]))
want = (t["after"] - t["before"]) / 1000
assert d["elapsed_seconds"] is not None and abs(d["elapsed_seconds"] - want) < 0.002, (d["elapsed_seconds"], want)
assert d["groups"][0]["rate_per_minute"] is not None, d["groups"][0]
print("ok: the report's diff command carries the capture times: %.3f s apart, %.1f/min on top"
      % (d["elapsed_seconds"], d["groups"][0]["rate_per_minute"]))
PY
done

# resume after kill -9 in the middle of the wait
v=${GO_VERSIONS%% *}
port=$(fixture_free_port)
fixture_start "$v" "$port" -paused -initial 2 -pool 4
cat >"$WORK/answers.json" <<'JSON'
{"symptom": "paged 03:12, api pods, password=hunter2 in the alert text",
 "before": {"note": "first snapshot right after the page"},
 "mitigate": "rollback",
 "handoff": "owner: team-api, ticket OPS-1"}
JSON
"$LEAKSCOPE" playbook run goroutine-leak --source "http://127.0.0.1:$port" --answers "$WORK/answers.json" \
	--yes --wait 30 --incident "$WORK/inc-kill" >"$WORK/kill1.out" 2>&1 &
driver=$!
for i in $(seq 1 200); do
	grep -q '"ev":"result","step":"wait"' "$WORK/inc-kill/journal.jsonl" 2>/dev/null && break
	sleep 0.1
done
grep -q '"ev":"result","step":"wait"' "$WORK/inc-kill/journal.jsonl"
kill -9 "$driver"
wait "$driver" 2>/dev/null || true
driver=
grep -q 'paged 03:12' "$WORK/inc-kill/journal.jsonl"
! grep -q hunter2 "$WORK/inc-kill/journal.jsonl"
fixture_control "$port" 'control/leak?pattern=chansend&n=6' >/dev/null
# restart on the same incident directory
"$LEAKSCOPE" playbook run goroutine-leak --source "http://127.0.0.1:$port" \
	--answers "$WORK/answers.json" --yes --incident "$WORK/inc-kill" >"$WORK/kill2.out" 2>&1
fixture_stop
grep -q '(resumed)' "$WORK/kill2.out"
python3 - "$WORK/inc-kill" "$WORK/kill2.out" <<'PY'
import json, sys
d, out = sys.argv[1], open(sys.argv[2]).read()
ev = [json.loads(l) for l in open(d + "/journal.jsonl")]
kinds = [(e["ev"], e.get("step")) for e in ev]
i = kinds.index(("resume", "wait"))
assert ("result", "before") in kinds[:i] and ("result", "before") not in kinds[i:], "before redone"
assert ("note", "symptom") in kinds[:i] and kinds.count(("note", "symptom")) == 1
assert kinds.count(("note", "before")) == 1
assert kinds.count(("result", "wait")) == 1, "the wait started again"
assert "== 1/15" not in out and "== 5/15" in out, "did not continue at the wait"
assert ("choice", "mitigate") in kinds and ("close", None) in kinds
notes = [e["text"] for e in ev if e["ev"] == "note"]
assert any("paged 03:12" in n and "[redacted]" in n for n in notes), notes
assert any("team-api" in n for n in notes)
rep = json.load(open(d + "/report.json"))
assert [n["step"] for n in rep["notes"]] == ["symptom", "before", "handoff"], rep["notes"]
assert any(c["option"] == "rollback" for c in rep["decisions"])
md = open(d + "/report.md").read()
assert "hunter2" not in md and "hunter2" not in open(d + "/report.json").read()
print("ok: killed during the wait, resumed at the wait with all 2 earlier notes, finished with the rollback")
PY

# malformed playbooks and answers: exit 2, the file, the step, what is wrong
cat >"$WORK/bad.json" <<'JSON'
{"id": "bad", "title": "Bad", "steps": [
  {"id": "one", "title": "One", "action": {"type": "snapshot"}},
  {"id": "two", "title": "Two", "action": "teleport"}]}
JSON
cat >"$WORK/cycle.json" <<'JSON'
{"id": "cycle", "title": "Cycle", "steps": [
  {"id": "a", "title": "A", "next": "b"},
  {"id": "b", "title": "B", "next": "a"}]}
JSON
cat >"$WORK/dangling.json" <<'JSON'
{"id": "dangling", "title": "D", "steps": [
  {"id": "a", "title": "A", "choice": {"options": [{"key": "x", "label": "X", "next": "nowhere"}]}}]}
JSON
echo '{"mitigate": "panic"}' >"$WORK/bad-answers.json"
check2() { # EXPECTED-SUBSTRINGS... -- COMMAND...
	local want=()
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	set +e
	"$@" >/dev/null 2>"$WORK/err"
	local rc=$?
	set -e
	[ "$rc" = 2 ] || { echo "exit $rc from $*"; cat "$WORK/err"; exit 1; }
	[ "$(wc -l <"$WORK/err")" = 1 ] || { echo "not one line:"; cat "$WORK/err"; exit 1; }
	for w in "${want[@]}"; do
		grep -qF -- "$w" "$WORK/err" || { echo "'$w' not in: $(cat "$WORK/err")"; exit 1; }
	done
}
check2 "$WORK/bad.json" "step 'two' (#2)" 'unknown action "teleport"' -- "$LEAKSCOPE" playbook check "$WORK/bad.json"
check2 "$WORK/bad.json" "step 'two'" -- "$LEAKSCOPE" playbook run "$WORK/bad.json" --yes --incident "$WORK/x1"
check2 "$WORK/cycle.json" "step 'a' (#1)" "cycle without exit" -- "$LEAKSCOPE" playbook check "$WORK/cycle.json"
check2 "$WORK/dangling.json" "step 'a'" 'option "x"' "dangling" -- "$LEAKSCOPE" playbook check "$WORK/dangling.json"
check2 "$WORK/bad-answers.json" "step 'mitigate'" '"panic" is not an option' -- \
	"$LEAKSCOPE" playbook run goroutine-leak --answers "$WORK/bad-answers.json" --incident "$WORK/x2"
echo '{"mitigate": ' >"$WORK/broken-answers.json"
check2 "$WORK/broken-answers.json" -- "$LEAKSCOPE" playbook run goroutine-leak --answers "$WORK/broken-answers.json" --incident "$WORK/x3"
check2 "not a terminal" -- "$LEAKSCOPE" playbook run goroutine-leak </dev/null
[ ! -e "$WORK/x1" ] && [ ! -e "$WORK/x2" ]
echo "ok: malformed playbooks and answer files exit 2 with the file, the step and the fault"

"$LEAKSCOPE" playbook list | grep -q '^goroutine-leak '
"$LEAKSCOPE" playbook show goroutine-leak | grep -q 'rollback: roll back'
"$LEAKSCOPE" report "$WORK/inc-kill" --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["playbook"] == "goroutine-leak"'
echo "ok: list, show and report"
