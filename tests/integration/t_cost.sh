#!/usr/bin/env bash
# What watching costs the target, decided once per target (analyze/cost) and visible:
#   - a fixture serving /metrics whose goroutine profiles take a minute to answer: `slope SOURCE`
#     and the console both count from /metrics (the samples come back, the JSON and the title
#     say "metrics"), so the slow profile is never waited for;
#   - a fixture without /metrics whose profiles take 300 ms: debug=1 it is, and the interval is
#     stretched so that 300 ms stays within --max-target-cpu (20% here: at least 1.5 s between
#     samples where 1 s was asked; the default 0.1%: at least 300 s), the reason said on stderr,
#     in the JSON and in the console's title;
#   - `watch` says per round what its capture cost (>= 300 ms here) and as what share of a core,
#     keeps --every without a budget and stretches it under --max-target-cpu;
#   - a bad --max-target-cpu is one line, exit 2.
# Lower bounds only (the delay is the fixture's own sleep): nothing here is timed.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
trap fixture_stop EXIT
v=${GO_VERSIONS%% *}

# console NAME ARGS...: the console in test mode on ARGS, once every transfer ended
console() {
	local name=$1
	shift
	printf ':wait\n:dump\n' >"$WORK/$name.script"
	(cd "$WORK" && env -i PATH="$PATH" HOME="$WORK/home" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
		XDG_STATE_HOME="$WORK/state" LEAKSCOPE_TUI_SIZE=120x30 LEAKSCOPE_TUI_SCRIPT="$WORK/$name.script" \
		LEAKSCOPE_TUI_DUMP="$WORK/$name.screen" "$LEAKSCOPE" tui "$@") >"$WORK/$name.out" 2>&1
}

# --- /metrics served, profiles a minute late
port=$(fixture_free_port)
fixture_start "$v" "$port" -pprof-delay 60s -patterns chansend -rate 1
base="http://127.0.0.1:$port"
"$LEAKSCOPE" slope "$base" --every 1s --count 3 --json >"$WORK/m.json" 2>"$WORK/m.err"
cat "$WORK/m.err"
grep -q "counting from /metrics' go_goroutines" "$WORK/m.err"
python3 - "$WORK/m.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sampling"] == {"source": "metrics", "interval_seconds": 1, "reason": None}, d["sampling"]
assert d["series"][0]["samples"] == 3, d["series"][0]
PY
console metrics --every 1 "$base"
cat "$WORK/metrics.screen" | head -3
grep -q "every 1s via /metrics" "$WORK/metrics.screen"
fixture_stop

# --- no /metrics, profiles 300 ms late
port=$(fixture_free_port)
fixture_start "$v" "$port" -no-metrics -pprof-delay 300ms -patterns chansend -rate 1
base="http://127.0.0.1:$port"
"$LEAKSCOPE" slope "$base" --every 1s --count 2 --max-target-cpu 20% --json --save "$WORK/p.saved" \
	>"$WORK/p.json" 2>"$WORK/p.err"
cat "$WORK/p.err"
grep -q "counting from goroutine?debug=1 (.*no /metrics here (HTTP 404))" "$WORK/p.err"
grep -q "sampling every [0-9]*s: debug=1 costs ~0\.[3-9][0-9]* s at [0-9]* goroutines (--max-target-cpu 20%)" \
	"$WORK/p.err"
python3 - "$WORK/p.json" "$WORK/p.saved" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
s = d["sampling"]
assert s["source"] == "pprof", s
assert s["interval_seconds"] >= 2, s  # 0.3 s / 20%, up to a whole second
assert re.match(r"every \d+s: debug=1 costs ~0\.\d+ s at \d+ goroutines$", s["reason"]), s
t = [v[0] for v in json.load(open(sys.argv[2]))["data"]["result"][0]["values"]]
assert len(t) == 2 and t[1] - t[0] >= 1.5, t
print("stretched to %ss: %s; samples %.3f s apart" % (s["interval_seconds"], s["reason"], t[1] - t[0]))
PY
# the default budget: 0.3 s at 0.1% of a core is 300 s or more between samples
"$LEAKSCOPE" slope "$base" --every 10s --count 1 --json >"$WORK/d.json" 2>"$WORK/d.err"
python3 - "$WORK/d.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sampling"]
assert s["source"] == "pprof" and s["interval_seconds"] >= 300, s
assert s["reason"].startswith("every ") and "debug=1 costs" in s["reason"], s
PY
console pprof --every 1 --max-target-cpu 20% "$base"
head -3 "$WORK/pprof.screen"
grep -q "every [0-9]*s: debug=1 costs ~0\.[0-9]* s at [0-9]* goroutines" "$WORK/pprof.screen"
# watch: each round says what its capture cost; the interval stretches only under a given budget
"$LEAKSCOPE" watch "$base" --every 1s --count 2 --json >"$WORK/w.json" 2>"$WORK/w.err"
"$LEAKSCOPE" watch "$base" --every 1s --count 2 --json --max-target-cpu 20% >"$WORK/wb.json" 2>"$WORK/wb.err"
cat "$WORK/wb.err"
grep -q "watching every [0-9]*s: a debug=1 capture costs ~0\.[3-9][0-9]* s at [0-9]* goroutines (--max-target-cpu 20%)" \
	"$WORK/wb.err"
python3 - "$WORK/w.json" "$WORK/wb.json" <<'PY'
import json, sys
w = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert [r["round"] for r in w] == [1, 2] and [r["round"] for r in b] == [1, 2], (w, b)
for r in w + b:
    assert r["capture_seconds"] >= 0.3, r["capture_seconds"]
    assert abs(r["target_cpu_percent"] - 100 * r["capture_seconds"] / r["interval_seconds"]) < 1e-6, r
assert all(r["interval_seconds"] == 1 for r in w), [r["interval_seconds"] for r in w]
assert all(r["interval_seconds"] >= 2 for r in b), [r["interval_seconds"] for r in b]
PY
fixture_stop

# --- a bad budget
rc=0
"$LEAKSCOPE" slope "$base" --max-target-cpu 0 >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/bad.err")" -eq 1 ] && grep -q -- "--max-target-cpu" "$WORK/bad.err"
echo "t_cost: ok"
