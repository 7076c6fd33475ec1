#!/usr/bin/env bash
# Generic code across formats: debug=0 names an instantiation by its shapes
# (main.parallelMap[go.shape.int,go.shape.string].func1), text dumps print main.parallelMap[...].func1.
# Every before/after pairing of debug=0, 1 and 2 captures finds the generic leak as one group that
# grew by exactly the leaks made, with the same key and fingerprint, and nothing else grew. Then no
# two different stacks of the fixture share a fingerprint.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
trap fixture_stop EXIT
N=7
for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -paused -initial 0 -pool 2 -patterns generic
	for d in 0 1 2; do fixture_capture "$port" "$d" "$WORK/$v.b$d"; done
	fixture_control "$port" "control/leak?pattern=generic&n=$N" >/dev/null
	fixture_expected "$port" "$WORK/$v.exp.json"
	for d in 0 1 2; do fixture_capture "$port" "$d" "$WORK/$v.a$d"; done
	for b in 0 1 2; do
		for a in 0 1 2; do
			"$LEAKSCOPE" diff --json "$WORK/$v.b$b" "$WORK/$v.a$a" >"$WORK/$v.d$b$a.json"
		done
	done
	python3 - "$WORK" "$v" "$N" <<'PY'
import json, sys
w, v, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
exp = json.load(open("%s/%s.exp.json" % (w, v)))["patterns"]["generic"]
assert exp["count"] == n, exp
keys = set()
for b in "012":
    for a in "012":
        d = json.load(open("%s/%s.d%s%s.json" % (w, v, b, a)))
        grown = [g for g in d["groups"] if g["delta"] != 0]
        hits = [g for g in grown if any(f["func"] == exp["func"] for f in g["frames"])]
        assert len(hits) == 1 and hits[0]["delta"] == n, (v, b, a, [(g["frames"][:1], g["delta"]) for g in grown])
        assert len(grown) == 1, (v, b, a, [(g["frames"][:1], g["delta"]) for g in grown])
        keys.add((hits[0]["key"], hits[0]["fingerprint"]))
assert len(keys) == 1, keys
print("ok: Go %s: the generic leak grew by %d in all 9 format pairings, one key %s" % (v, n, keys))
PY
	fixture_stop
done

# No two different stacks of the fixture share a fingerprint: every pattern leaking (the body
# leak's client readLoop/writeLoop and server conn.serve/backgroundRead among them), in each text format.
for v in $GO_VERSIONS; do
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -paused -initial 3 -pool 2 -patterns all,generic
	for d in 1 2; do
		fixture_capture "$port" "$d" "$WORK/$v.all$d"
		"$LEAKSCOPE" top --json "$WORK/$v.all$d" >"$WORK/$v.all$d.json"
	done
	fixture_stop
	python3 - "$WORK/$v.all1.json" "$WORK/$v.all2.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    seen = {}
    for g in json.load(open(path))["groups"]:
        funcs = tuple(f["func"] for f in g["frames"])
        other = seen.setdefault(g["fingerprint"], funcs)
        assert other == funcs, (path, g["fingerprint"], other, funcs)
    assert len(seen) >= 8, (path, len(seen))
    print("ok: %s: %d fingerprints, one per stack" % (path.rsplit("/", 1)[1], len(seen)))
PY
done
