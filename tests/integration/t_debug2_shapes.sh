#!/usr/bin/env bash
# debug=2 dumps shaped to defeat the per-group folding: one stack whose 200,000 goroutines each
# wait in a state of their own, wait ages in descending order, and states and ages that recur far
# apart. Each must read right: the count, goroutines per state, the lowest and highest wait age
# and the goroutines that showed one, as the generator (not leakscope) says. Each must finish
# (a bounded run: a quadratic fold takes many times the bound); how fast goes to make bench.
set -euo pipefail
fails=0
N=200000
for shape in states desc mixed; do
	python3 "$ROOT/tests/lib/gen_debug2.py" "$shape" "$N" "$WORK/$shape.txt" >"$WORK/$shape.want.json"
	if ! timeout 120 "$LEAKSCOPE" top --json "$WORK/$shape.txt" >"$WORK/$shape.json" 2>"$WORK/$shape.err"; then
		echo "FAIL: $shape: top failed: $(head -c 300 "$WORK/$shape.err")"
		fails=$((fails + 1))
		continue
	fi
	python3 - "$WORK/$shape.json" "$WORK/$shape.want.json" "$shape" <<'PY' || fails=$((fails + 1))
import json, sys
top, want, shape = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
assert top["total"] == want["count"], (shape, "total", top["total"])
assert len(top["groups"]) == 1, (shape, "groups", len(top["groups"]))
g = top["groups"][0]
assert g["count"] == want["count"], (shape, "count", g["count"])
assert g["states"] == want["states"], (shape, "states differ", len(g["states"]), len(want["states"]))
if want["aged"]:
    assert g["wait_minutes"] == {"min": want["age_min"], "max": want["age_max"]}, (shape, g["wait_minutes"])
    assert g["ages"]["aged"] == want["aged"], (shape, "aged", g["ages"])
else:
    assert g["wait_minutes"] is None and g["ages"] is None, (shape, "ages where none", g["wait_minutes"])
print("ok: %s: %d goroutines, %d states, ages %s" % (shape, g["count"], len(g["states"]), g["wait_minutes"]))
PY
done
[ "$fails" -eq 0 ]
