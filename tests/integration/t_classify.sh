#!/usr/bin/env bash
# `leakscope classify` on real captures of the fixture under every Go version, one check per leak
# pattern: only that pattern leaks between two captures, and its groups come out with the right
# pattern and the verdict "leak", from debug=2 (wait states) and from debug=1 (frames only), while
# the worker pool is never flagged (stable in a diff, not a leak in a single snapshot). top --json
# and diff --json carry the same "pattern" field.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
trap fixture_stop EXIT
export LEAKSCOPE_KNOWN_DB=$WORK/none.db

for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -paused -initial 2 -pool 4
	for pat in chansend select body waitgroup mutex; do
		fixture_capture "$port" 1 "$WORK/$pat-b1"
		fixture_capture "$port" 2 "$WORK/$pat-b2"
		fixture_control "$port" "control/leak?pattern=$pat&n=5" >/dev/null
		fixture_expected "$port" "$WORK/$pat-exp.json"
		fixture_capture "$port" 1 "$WORK/$pat-a1"
		fixture_capture "$port" 2 "$WORK/$pat-a2"
		"$LEAKSCOPE" classify --json --all "$WORK/$pat-b2" "$WORK/$pat-a2" >"$WORK/$pat-22.json"
		"$LEAKSCOPE" classify --json --all "$WORK/$pat-b1" "$WORK/$pat-a2" >"$WORK/$pat-12.json"
		"$LEAKSCOPE" classify --json --all "$WORK/$pat-b1" "$WORK/$pat-a1" >"$WORK/$pat-11.json"
		"$LEAKSCOPE" classify --json --all "$WORK/$pat-a2" >"$WORK/$pat-one2.json"
		"$LEAKSCOPE" classify --json --all "$WORK/$pat-a1" >"$WORK/$pat-one1.json"
		"$LEAKSCOPE" diff --json "$WORK/$pat-b1" "$WORK/$pat-a2" >"$WORK/$pat-diff.json"
		"$LEAKSCOPE" top --json "$WORK/$pat-a2" >"$WORK/$pat-top.json"
		python3 - "$WORK" "$pat" "$v" <<'PY'
import json, sys
w, pat, v = sys.argv[1:]
exp = json.load(open("%s/%s-exp.json" % (w, pat)))
p = exp["patterns"][pat]
# (top, func, pattern from debug=2, pattern from debug=1)
exact = {
    "chansend": "chan-send-no-receiver", "select": "select-no-exit", "body": "http-body-not-closed",
    "waitgroup": "waitgroup-never-done", "mutex": "mutex-never-unlocked",
}[pat]
family = {"chansend": "chan-or-select", "select": "chan-or-select"}.get(pat, exact)
groups = [(p["top"], p["func"], exact, family)]
if pat == "body":
    rel = p["related"]
    groups.append((rel[0]["top"], rel[0]["func"], "http-body-not-closed", "http-body-not-closed"))
    groups.append((rel[1]["top"], rel[1]["func"], "server-read-no-deadline", "server-read-no-deadline"))
pool = exp["pool"]

def find(doc, top, func):
    hits = [g for g in doc["groups"] if g["frames"] and g["frames"][0]["func"] == top
            and any(f["func"] == func for f in g["frames"])]
    assert len(hits) == 1, (top, func, len(hits))
    return hits[0]

for name, want_exact in (("22", True), ("12", True), ("11", False)):
    doc = json.load(open("%s/%s-%s.json" % (w, pat, name)))
    for top, func, ex, fam in groups:
        g = find(doc, top, func)
        want = ex if want_exact else fam
        assert g["pattern"] and g["pattern"]["id"] == want, (v, pat, name, func, g["pattern"], want)
        assert g["verdict"] == "leak", (v, pat, name, func, g["verdict"])
        assert g["delta"] == 5, (v, pat, name, func, g["delta"])
    pg = find(doc, pool["top"], pool["func"])
    assert pg["verdict"] == "stable", (v, pat, name, "pool", pg["verdict"])
    flagged = [g for g in doc["groups"] if g["verdict"] in ("leak", "suspect")]
    assert len(flagged) == len(groups), (v, pat, name, [(g["top"], g["verdict"]) for g in flagged])
# one snapshot: the pool is not flagged either way
for name in ("one1", "one2"):
    doc = json.load(open("%s/%s-%s.json" % (w, pat, name)))
    pg = find(doc, pool["top"], pool["func"])
    assert pg["verdict"] not in ("leak", "suspect"), (v, pat, name, pg)
    if name == "one2":
        g = find(doc, groups[0][0], groups[0][1])
        assert g["pattern"]["id"] in (exact, "select-loop"), (v, pat, g["pattern"])
# the hook in top and diff
d = json.load(open("%s/%s-diff.json" % (w, pat)))
g = find(d, groups[0][0], groups[0][1])
assert g["pattern"]["id"] == exact and g["pattern"]["verdict"] == "leak", g["pattern"]
assert "known" in g and g["known"] is None
t = json.load(open("%s/%s-top.json" % (w, pat)))
g = find(t, groups[0][0], groups[0][1])
assert "pattern" in g and "known" in g
print("ok: Go %s %s: %s from debug=2, %s from debug=1, worker pool not flagged" % (v, pat, exact, family))
# Ranked by growth, then size: never a small group above a larger one that grew as much.
for name in ("one1", "one2", "22", "12"):
    doc = json.load(open("%s/%s-%s.json" % (w, pat, name)))
    keys = [(-(g["delta"] or 0), -g["count"]) for g in doc["groups"]]
    assert keys == sorted(keys), (v, pat, name, keys)
PY
	done
	fixture_stop
done
"$LEAKSCOPE" classify --patterns | grep -q '^idle-receiver .*\[not a leak\]'
echo "ok: classify per pattern under Go $GO_VERSIONS"

# The catalogue is a data file, playbooks/patterns.json, built into the binary: the checked-in C
# that carries it is what playbooks/embed.sh makes of the JSON now, and a lone copy of the binary
# (no file beside it) still has every pattern.
sh "$ROOT/playbooks/embed.sh" "$ROOT/playbooks/patterns.json" | cmp -s - "$ROOT/playbooks/patterns_data.c" || {
	echo "playbooks/patterns_data.c is stale: run playbooks/embed.sh playbooks/patterns.json playbooks/patterns_data.c"
	exit 1
}
mkdir -p "$WORK/lone"
cp "$LEAKSCOPE" "$WORK/lone/leakscope"
n_json=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["patterns"]))' "$ROOT/playbooks/patterns.json")
n_bin=$(cd "$WORK/lone" && env -u LEAKSCOPE_PATTERNS ./leakscope classify --patterns | wc -l)
[ "$n_json" = "$n_bin" ] || { echo "built-in catalogue has $n_bin patterns, patterns.json $n_json"; exit 1; }
echo "ok: built-in catalogue is playbooks/patterns.json ($n_bin patterns), no file needed"

# A malformed catalogue: exit 2, one line naming the file and the pattern, by flag and by environment.
cat >"$WORK/bad.json" <<'JSON'
{"patterns": [
  {"id": "fine", "title": "t", "explanation": "x", "advice": "y", "when": {"states": ["select"]}},
  {"id": "broken", "title": "t", "explanation": "x", "advice": "y", "when": {"states": ["select"], "growth": "sometimes"}}
]}
JSON
printf '{"patterns": [\n  {"id": "a",\n' >"$WORK/notjson.json"
src=$WORK/chansend-a2
for how in flag env; do
	for f in bad notjson; do
		rc=0
		if [ $how = flag ]; then
			"$LEAKSCOPE" classify --patterns-file "$WORK/$f.json" "$src" >"$WORK/out" 2>"$WORK/err" || rc=$?
		else
			LEAKSCOPE_PATTERNS=$WORK/$f.json "$LEAKSCOPE" classify "$src" >"$WORK/out" 2>"$WORK/err" || rc=$?
		fi
		cat "$WORK/err"
		[ $rc -eq 2 ] || { echo "$how $f: exit $rc, wanted 2"; exit 1; }
		[ ! -s "$WORK/out" ] || { echo "$how $f: output on stdout"; exit 1; }
		[ "$(wc -l <"$WORK/err")" -eq 1 ] || { echo "$how $f: not one line"; exit 1; }
		grep -qF "$WORK/$f.json" "$WORK/err"
	done
done
"$LEAKSCOPE" classify --patterns-file "$WORK/bad.json" "$src" 2>"$WORK/err" || true
grep -qF "bad.json: pattern 'broken' (#2): \"growth\" must be \"any\" or \"growing\"" "$WORK/err"
LEAKSCOPE_PATTERNS=$WORK/notjson.json "$LEAKSCOPE" classify "$src" 2>"$WORK/err" || true
grep -qF "notjson.json: not valid JSON (near line " "$WORK/err"
echo "ok: a malformed catalogue exits 2 with one line naming the file and the pattern"

# A team's own catalogue recognises a pattern of its own: the channel-send leak of the fixture,
# named after the function that leaks, by flag and by environment, and --patterns lists it.
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
p = json.load(open("%s/chansend-exp.json" % w))["patterns"]["chansend"]
json.dump({"patterns": [
    {"id": "team-result-send", "title": "result send after the caller left (team runbook R-12)",
     "explanation": "The fetch helper sends its result after the caller timed out.",
     "advice": "Use the buffered result channel from the runbook.", "leak": True, "alone": True,
     "when": {"states": ["chan send"], "any": [p["func"]]}},
    {"id": "team-parked", "title": "parked in user code", "explanation": "x", "advice": "y",
     "when": {"leaf_user": True, "no_states": True, "frames_alone": True}},
]}, open("%s/team.json" % w, "w"), indent=2)
open("%s/team-func" % w, "w").write(p["func"] + "\n" + p["top"] + "\n")
PY
"$LEAKSCOPE" classify --patterns --patterns-file "$WORK/team.json" >"$WORK/team-list"
grep -q "^team-result-send .*team runbook R-12" "$WORK/team-list"
"$LEAKSCOPE" classify --json --all --patterns-file "$WORK/team.json" "$WORK/chansend-b2" "$WORK/chansend-a2" \
	>"$WORK/team-flag.json"
LEAKSCOPE_PATTERNS=$WORK/team.json "$LEAKSCOPE" classify --json --all "$WORK/chansend-a2" >"$WORK/team-env.json"
"$LEAKSCOPE" classify --json --all "$WORK/chansend-a2" >"$WORK/team-none.json"
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
func, top = open("%s/team-func" % w).read().split()
def find(name):
    doc = json.load(open("%s/%s.json" % (w, name)))
    hits = [g for g in doc["groups"] if g["frames"] and g["frames"][0]["func"] == top
            and any(f["func"] == func for f in g["frames"])]
    assert len(hits) == 1, (name, len(hits))
    return hits[0], doc
g, doc = find("team-flag")
assert g["pattern"]["id"] == "team-result-send" and g["verdict"] == "leak", g
ids = {x["pattern"]["id"] for x in doc["groups"] if x["pattern"]}
assert ids <= {"team-result-send", "team-parked"}, ids
g, _ = find("team-env")
assert g["pattern"]["id"] == "team-result-send" and g["verdict"] == "suspect", g
g, _ = find("team-none")
assert g["pattern"]["id"] == "chan-send-no-receiver", g
print("ok: a team catalogue names its own pattern (flag and LEAKSCOPE_PATTERNS); the built-in one otherwise")
PY
