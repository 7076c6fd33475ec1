#!/usr/bin/env bash
# `leakscope diff` on captures from the fixture under every Go version: paused, captured, made to
# leak a known number per pattern, captured again, in all three formats. Every format pair gives
# exactly the known growth per leaking group and none for the worker pool, leaking groups rank
# above the rest; three snapshots give counts over time and the every-step mark; the gate's exit
# codes; --json parses with the documented fields; --markdown is a table.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
trap fixture_stop EXIT
LEAK=7

for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -paused -initial 5 -pool 6
	fixture_expected "$port" "$WORK/before-$v.json"
	for d in 0 1 2; do fixture_capture "$port" "$d" "$WORK/b$d"; done
	fixture_control "$port" "control/leak?pattern=all&n=$LEAK" >/dev/null
	fixture_expected "$port" "$WORK/after-$v.json"
	for d in 0 1 2; do fixture_capture "$port" "$d" "$WORK/a$d"; done
	for b in 0 1 2; do
		for a in 0 1 2; do
			"$LEAKSCOPE" diff --json "$WORK/b$b" "$WORK/a$a" >"$WORK/d$b$a.json"
		done
	done
	python3 - "$WORK" "$v" "$LEAK" <<'PY'
import json, sys
w, v, leak = sys.argv[1], sys.argv[2], int(sys.argv[3])
exp = json.load(open("%s/after-%s.json" % (w, v)))
leaking = []
for name, p in exp["patterns"].items():
    leaking.append((name, p["top"], p["func"]))
    for k, r in enumerate(p.get("related", [])):
        leaking.append(("%s.related%d" % (name, k), r["top"], r["func"]))
pool = exp["pool"]
for b in range(3):
    for a in range(3):
        d = json.load(open("%s/d%d%d.json" % (w, b, a)))
        for field in ("before", "after", "elapsed_seconds", "total_delta", "groups"):
            assert field in d, field
        for field in ("key", "fingerprint", "status", "before", "after", "delta", "rate_per_minute",
                      "states", "frames", "created_by"):
            assert all(field in g for g in d["groups"]), field
        def find(top, func):
            hits = [g for g in d["groups"] if g["frames"] and g["frames"][0]["func"] == top
                    and any(f["func"] == func for f in g["frames"])]
            assert len(hits) == 1, ("debug=%d -> debug=%d" % (b, a), top, func, len(hits))
            return hits[0]
        ranks = []
        for name, top, func in leaking:
            g = find(top, func)
            assert g["delta"] == leak, (b, a, name, g["delta"])
            assert g["status"] == "grew", (b, a, name, g["status"])
            ranks.append(d["groups"].index(g))
        p = find(pool["top"], pool["func"])
        assert p["delta"] == 0 and p["status"] == "same", (b, a, p)
        others = [i for i, g in enumerate(d["groups"]) if i not in ranks]
        assert max(ranks) < min(others), ("a leaking group ranks below another", b, a)
        deltas = [g["delta"] for g in d["groups"]]
        assert deltas == sorted(deltas, reverse=True)
        # debug=0 carries capture times: the rate is known when both sides are debug=0
        if a == 0 and b == 0:
            assert d["elapsed_seconds"] is not None and d["elapsed_seconds"] >= 0
print("ok: all 9 format pairs give +%d for each of %d leaking groups, 0 for the pool" % (leak, len(leaking)))
PY

	# the gate
	set +e
	"$LEAKSCOPE" diff --fail-on-growth "$LEAK" "$WORK/b1" "$WORK/a2" >/dev/null 2>"$WORK/gate.err"
	rc=$?
	"$LEAKSCOPE" diff --fail-on-growth $((LEAK + 1)) "$WORK/b1" "$WORK/a2" >/dev/null 2>&1
	rc2=$?
	"$LEAKSCOPE" diff "$WORK/b1" "$WORK/nonexistent" >/dev/null 2>"$WORK/trouble.err"
	rc3=$?
	set -e
	[ "$rc" = 1 ] && [ "$(wc -l <"$WORK/gate.err")" = 1 ] || { echo "gate: exit $rc"; cat "$WORK/gate.err"; exit 1; }
	[ "$rc2" = 0 ] || { echo "gate over the growth: exit $rc2"; exit 1; }
	[ "$rc3" = 2 ] && [ "$(wc -l <"$WORK/trouble.err")" = 1 ] || { echo "missing file: exit $rc3"; exit 1; }
	echo "ok: --fail-on-growth exits 1 at +$LEAK, 0 above it; a missing profile exits 2 with one line"

	# markdown: a header, a separator and rows with the same number of cells
	"$LEAKSCOPE" diff --markdown "$WORK/b2" "$WORK/a2" >"$WORK/md"
	python3 - "$WORK/md" <<'PY'
import sys
rows = [l for l in open(sys.argv[1]) if l.startswith("|")]
cells = lambda l: len(l.replace("\\|", "").strip().strip("|").split("|"))
assert len(rows) >= 3 and set(rows[1].replace("|", "").strip()) <= set("-: "), rows[:2]
assert all(cells(r) == cells(rows[0]) for r in rows), [cells(r) for r in rows]
print("ok: --markdown is a table of %d rows" % (len(rows) - 2))
PY

	# three snapshots: counts over time and the every-step mark
	fixture_capture "$port" 1 "$WORK/s1"
	fixture_control "$port" "control/leak?pattern=all&n=2" >/dev/null
	fixture_capture "$port" 1 "$WORK/s2"
	fixture_control "$port" "control/leak?pattern=all&n=3" >/dev/null
	fixture_capture "$port" 1 "$WORK/s3"
	"$LEAKSCOPE" diff --json --times 1000,1060,1120 "$WORK/s1" "$WORK/s2" "$WORK/s3" >"$WORK/three.json"
	python3 - "$WORK/three.json" "$WORK/after-$v.json" <<'PY'
import json, sys
d, exp = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
top = exp["patterns"]["chansend"]["top"]
g = [g for g in d["groups"] if g["frames"][0]["func"] == top][0]
c = g["counts"]
assert c[1] - c[0] == 2 and c[2] - c[1] == 3, c
assert g["grew_every_step"] is True
assert abs(g["slope_per_minute"] - 2.5) < 1e-9, g["slope_per_minute"]
assert abs(g["rate_per_minute"] - 2.5) < 1e-9, g["rate_per_minute"]
pool = [g for g in d["groups"] if g["frames"][0]["func"] == exp["pool"]["top"]][0]
assert pool["grew_every_step"] is False and pool["slope_per_minute"] == 0
print("ok: three snapshots: counts %s, slope 2.5/min, grew at every step" % c)
PY
	fixture_stop
done
