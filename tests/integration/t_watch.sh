#!/usr/bin/env bash
# `leakscope watch` against the fixture leaking at a steady rate, under every Go version:
# --every 1s --count 4 --json gives one JSON line per round in diff --json's shape; in the last one
# every leaking group's counts grow at every step and carry grew_every_step, the worker pool's do
# not; capture times are real and a second apart; --debug 2 brings wait states; text is appended
# round by round when not a terminal and redrawn in place on one; --fail-on-growth trips with exit
# 1; Ctrl-C exits 0 after the round; a bad SOURCE is one line, exit 2.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/kproxy.sh"
. "$ROOT/tests/lib/expect.sh"
fails=0
cleanup() {
	fixture_stop
	kube_proxy_stop
	return 0
}
trap cleanup EXIT
RATE=5

for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -rate "$RATE" -pool 4
	base="http://127.0.0.1:$port"
	fixture_expected "$port" "$WORK/expected-$v.json"

	"$LEAKSCOPE" watch "$base" --every 1s --count 4 --json >"$WORK/watch-$v.jsonl"
	"$LEAKSCOPE" watch "$base" --every 1s --count 3 --json --debug 2 >"$WORK/watch2-$v.jsonl"
	python3 - "$WORK" "$v" <<'PY'
import json, sys
w, v = sys.argv[1], sys.argv[2]
exp = json.load(open("%s/expected-%s.json" % (w, v)))
leaking = []
for name, p in exp["patterns"].items():
    leaking.append((name, p["top"], p["func"], p["state"]))
    for k, r in enumerate(p.get("related", [])):
        leaking.append(("%s.related%d" % (name, k), r["top"], r["func"], r["state"]))
pool = exp["pool"]

def find(d, top, func):
    hits = [g for g in d["groups"] if g["frames"] and g["frames"][0]["func"] == top
            and any(f["func"] == func for f in g["frames"])]
    assert len(hits) == 1, (top, func, len(hits))
    return hits[0]

lines = [json.loads(l) for l in open("%s/watch-%s.jsonl" % (w, v))]
assert len(lines) == 4, len(lines)
assert [d["round"] for d in lines] == [1, 2, 3, 4]
assert lines[0]["groups"] == [] and lines[0]["total_delta"] == 0
assert "counts" not in lines[1]["groups"][0]
last = lines[-1]
for field in ("before", "after", "snapshots", "elapsed_seconds", "total_delta", "groups"):
    assert field in last, field
times = [s["time"] for s in last["snapshots"]]
assert len(times) == 4 and times == sorted(times) and len(set(times)) == 4, times
assert 2.5 <= last["elapsed_seconds"] <= 4.5, last["elapsed_seconds"]
for name, top, func, state in leaking:
    g = find(last, top, func)
    c = g["counts"]
    assert len(c) == 4 and all(b > a for a, b in zip(c, c[1:])), (name, c)
    assert g["grew_every_step"] is True, (name, g)
    assert g["status"] in ("grew", "new") and g["delta"] == c[-1] - c[0], (name, g["status"], g["delta"])
    assert g["slope_per_minute"] > 0 and g["rate_per_minute"] > 0, (name, g)
p = find(last, pool["top"], pool["func"])
assert p["counts"] == [pool["count"]] * 4, p["counts"]
assert p["grew_every_step"] is False and p["delta"] == 0 and p["status"] == "same", p
print("Go %s: %d leaking groups grew at every step, pool steady at %d" % (v, len(leaking), pool["count"]))

# debug=2: the same growth, with wait states
lines = [json.loads(l) for l in open("%s/watch2-%s.jsonl" % (w, v))]
assert len(lines) == 3 and lines[-1]["after"]["format"] == "debug=2"
for name, top, func, state in leaking:
    g = find(lines[-1], top, func)
    assert g["grew_every_step"] is True, (name, g["counts"])
    assert state in g["states"], (name, state, g["states"])
PY

	# pod/NAME through the API server's pod proxy (a kubectl proxy stand-in), under the first Go
	if [ "$v" = "${GO_VERSIONS%% *}" ]; then
		kube_proxy_start
		"$LEAKSCOPE" watch pod/web-0 --kube-proxy "http://127.0.0.1:$KPROXY_PORT" -n shop --port "$port" \
			--every 1s --count 3 --json >"$WORK/pod.jsonl"
		python3 - "$WORK/pod.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, len(lines)
last = lines[-1]
assert last["after"]["source"] == "pod/web-0 (kube-proxy/shop)", last["after"]["source"]
g = [g for g in last["groups"] if g["frames"] and g["frames"][0]["func"] == "main.leakChanSend.func1"]
assert len(g) == 1 and g[0]["grew_every_step"] is True, g
PY
	fi

	# text, not a terminal: rounds appended
	"$LEAKSCOPE" watch "$base" --every 1s --count 3 >"$WORK/watch-$v.txt"
	[ "$(grep -c "^watch $base/debug/pprof/goroutine?debug=1 every 1s: round" "$WORK/watch-$v.txt")" -eq 3 ]
	grep -q "round 3 of 3, 3 snapshots kept" "$WORK/watch-$v.txt"
	grep -q "grew at every step" "$WORK/watch-$v.txt"
	if grep -q $'\033' "$WORK/watch-$v.txt"; then echo "escape sequences in plain output"; exit 1; fi

	# on a terminal: cleared and redrawn
	if command -v script >/dev/null; then
		script -qec "$LEAKSCOPE watch $base --every 1s --count 2" /dev/null >"$WORK/tty-$v.txt" </dev/null
		[ "$(grep -o $'\033\\[H\033\\[2J' "$WORK/tty-$v.txt" | wc -l)" -eq 2 ]
	fi

	# the gate: exit 1 as soon as a group grew by 4 over the kept snapshots
	rc=0
	"$LEAKSCOPE" watch "$base" --every 1s --count 20 --json --fail-on-growth 4 >"$WORK/gate-$v.jsonl" \
		2>"$WORK/gate-$v.err" || rc=$?
	[ "$rc" -eq 1 ] || { echo "gate: exit $rc"; exit 1; }
	n=$(wc -l <"$WORK/gate-$v.jsonl")
	if [ "$n" -lt 2 ] || [ "$n" -gt 4 ]; then echo "gate: $n rounds"; exit 1; fi
	[ "$(wc -l <"$WORK/gate-$v.err")" -eq 1 ]
	grep -q "^leakscope watch: .* grew by [0-9]* (--fail-on-growth 4)$" "$WORK/gate-$v.err"
	# a gate that the pool alone would never trip
	"$LEAKSCOPE" watch "$base" --every 1s --count 2 --json --fail-on-growth 1000000 >/dev/null

	# Ctrl-C: exit 130, the rounds shown intact
	"$LEAKSCOPE" watch "$base" --every 1s --json >"$WORK/int-$v.jsonl" 2>"$WORK/int-$v.err" &
	p=$!
	sleep 2.5
	kill -INT "$p"
	rc=0
	wait "$p" || rc=$?
	[ "$rc" -eq 130 ] || { echo "interrupted: exit $rc"; exit 1; }
	grep -q "^leakscope: interrupted after [0-9]* rounds\?$" "$WORK/int-$v.err" || { cat "$WORK/int-$v.err"; exit 1; }
	n=$(wc -l <"$WORK/int-$v.jsonl")
	if [ "$n" -lt 2 ] || [ "$n" -gt 4 ]; then echo "interrupted: $n rounds"; exit 1; fi
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$WORK/int-$v.jsonl"
	fixture_stop
done

# trouble: one line on stderr, exit 2
dead=$(fixture_free_port)
for args in "http://127.0.0.1:$dead --every 1s --count 2" \
	"$WORK/no-such-file" \
	"http://127.0.0.1:$dead --every never" \
	"http://127.0.0.1:$dead --keep 1" \
	"" \
	"http://127.0.0.1:$dead --debug 3"; do
	# shellcheck disable=SC2086 # the arguments are split on purpose
	expect_rc 2 "watch $args" "$LEAKSCOPE" watch $args && one_line_err "watch $args" .
	[ ! -s "$WORK/out" ] || fail "watch $args printed on stdout"
done
"$LEAKSCOPE" watch --help | grep -q "^usage: leakscope watch SOURCE"
"$LEAKSCOPE" --help | grep -q "^  watch "
[ "$fails" -eq 0 ]
echo "t_watch: ok"
