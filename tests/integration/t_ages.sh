#!/usr/bin/env bash
# runs: beside
# The leak rate from a single debug=2 snapshot: the fixture leaks at a known rate for several
# minutes, with a GC every few seconds so the runtime records wait ages; the rate leakscope
# estimates from the ages alone is within 25% of the true one, and the shape reads "steady".
# Both Go versions run side by side, so the wait is paid once.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
RATE=0.5          # leaks per second per pattern: 30 a minute
SECONDS_LEAKING=${AGES_SECONDS:-200}
pids=()
ports=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

for v in $GO_VERSIONS; do
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -rate "$RATE" -pool 2 -patterns chansend,waitgroup
	pids+=("$FIXTURE_PID")
	ports+=("$port")
	FIXTURE_PID=
done
early=$((SECONDS + 100)) end=$((SECONDS + SECONDS_LEAKING))
while [ "$SECONDS" -lt "$end" ]; do
	for port in "${ports[@]}"; do fixture_control "$port" control/gc >/dev/null; done
	if [ -n "$early" ] && [ "$SECONDS" -ge "$early" ]; then
		# under two minutes of ages: too young for an upper bound
		i=0
		for v in $GO_VERSIONS; do
			fixture_capture "${ports[$i]}" 2 "$WORK/young-$v.txt"
			i=$((i + 1))
		done
		early=
	fi
	sleep 5
done
i=0
for v in $GO_VERSIONS; do
	port=${ports[$i]}
	fixture_control "$port" control/gc >/dev/null
	fixture_capture "$port" 2 "$WORK/ages-$v.txt"
	fixture_expected "$port" "$WORK/expected-$v.json"
	"$LEAKSCOPE" top --json "$WORK/ages-$v.txt" >"$WORK/ages-$v.json"
	python3 - "$WORK/ages-$v.json" "$WORK/expected-$v.json" "$RATE" "$v" <<'PY'
import json, sys
top, exp, rate, v = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3]), sys.argv[4]
want = rate * 60
for name in ("chansend", "waitgroup"):
    p = exp["patterns"][name]
    g = [g for g in top["groups"] if g["frames"][0]["func"] == p["top"]
         and any(f["func"] == p["func"] for f in g["frames"])][0]
    a = g["ages"]
    assert a is not None, (v, name, "no ages")
    err = abs(a["per_minute"] - want) / want
    print("Go %s %s: %d goroutines, ages %s, estimate %.1f/min (true %.1f/min, error %.0f%%), %s" % (
        v, name, g["count"], g["wait_minutes"], a["per_minute"], want, 100 * err, a["shape"]))
    assert err <= 0.25, "estimate off by more than 25%"
    assert a["shape"] == "steady", a["shape"]
    assert a["per_minute_low"] <= want <= a["per_minute_high"], ("the true rate is outside the range", a)
    print("  range %.1f-%.1f/min holds the true %.1f/min" % (a["per_minute_low"], a["per_minute_high"], want))
PY
	"$LEAKSCOPE" top --json "$WORK/young-$v.txt" >"$WORK/young-$v.json"
	"$LEAKSCOPE" top "$WORK/young-$v.txt" >"$WORK/young-$v.out"
	python3 - "$WORK/young-$v.json" "$WORK/expected-$v.json" "$RATE" "$v" <<'PY'
import json, sys
top, exp, rate, v = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3]), sys.argv[4]
want = rate * 60
for name in ("chansend", "waitgroup"):
    p = exp["patterns"][name]
    g = [g for g in top["groups"] if g["frames"][0]["func"] == p["top"]
         and any(f["func"] == p["func"] for f in g["frames"])][0]
    a = g["ages"]
    assert a is not None and a["shape"] == "young", (v, name, a)
    assert a["per_minute_high"] is None, ("a young leak got an upper bound", a)
    assert a["per_minute_low"] <= want, ("the lower bound is above the true rate", a, want)
    print("Go %s %s young: at least %.1f/min (true %.1f/min)" % (v, name, a["per_minute_low"], want))
PY
	grep -q "young, at least [0-9.]*/min (too young to bound)" "$WORK/young-$v.out" ||
		{ echo "FAIL: top does not say the young rate is a lower bound: $(cat "$WORK/young-$v.out")"; exit 1; }
	i=$((i + 1))
done
echo "ok: the rate from one snapshot's wait ages is within 25% of the truth under Go $GO_VERSIONS"
