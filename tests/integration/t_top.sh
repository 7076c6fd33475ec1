#!/usr/bin/env bash
# `leakscope top` on fresh captures from the leaking Go fixture, paused so each group has an
# exact count, under every Go version: debug=0, 1 and 2 give the fixture's counts per pattern and
# the same keys; labelled records fold into one group with the right breakdown. Under Go 1.27 the
# goroutineleak profile is recognised and its leaked counts equal the goroutines the runtime
# marked, and header labels (GODEBUG=tracebacklabels=1) are read.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
trap fixture_stop EXIT
check="python3 $ROOT/tests/integration/check_top.py"

for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -paused -initial 4 -pool 5
	fixture_control "$port" 'control/leak?pattern=all&n=3' >/dev/null
	fixture_expected "$port" "$WORK/expected-$v.json"
	for d in 0 1 2; do
		fixture_capture "$port" "$d" "$WORK/$v.debug$d"
		"$LEAKSCOPE" top --json "$WORK/$v.debug$d" >"$WORK/$v.top$d.json"
	done
	$check "$WORK/expected-$v.json" "debug0=$WORK/$v.top0.json" "debug1=$WORK/$v.top1.json" \
		"debug2=$WORK/$v.top2.json" --labels debug0 --labels debug1
	# stdin reads the same as a file
	"$LEAKSCOPE" top --json - <"$WORK/$v.debug2" | sed 's/"source":"-"/"source":"X"/' >"$WORK/stdin.json"
	sed 's/"source":"[^"]*"/"source":"X"/' "$WORK/$v.top2.json" | cmp - "$WORK/stdin.json"
	echo "ok: stdin gives the same result as the file"

	if [ "$v" = 1.27 ]; then
		for d in 0 1 2; do
			fixture_capture "$port" "$d" "$WORK/leak.debug$d" goroutineleak
			"$LEAKSCOPE" top --json "$WORK/leak.debug$d" >"$WORK/leak$d.json"
		done
		python3 - "$WORK" <<'PY'
import json, re, sys
w = sys.argv[1]
tops = [json.load(open("%s/leak%d.json" % (w, d))) for d in (0, 1, 2)]
for d in (0, 1):
    t = tops[d]
    assert t["profile"] == "goroutineleak", (d, t["profile"])
    assert t["total"] > 0, "no leaked goroutines reported"
    assert all(g["leaked"] == g["count"] for g in t["groups"]), d
    assert sum(g["count"] for g in t["groups"]) == t["total"], d
# debug=2 lists every goroutine; the leaked ones are marked in their headers
raw = open(w + "/leak.debug2").read()
marked = len(re.findall(r"^goroutine \d+ \[[^\]]*\(leaked\)", raw, re.M))
leaked2 = {g["key"]: g["leaked"] for g in tops[2]["groups"] if g["leaked"]}
assert sum(leaked2.values()) == marked, (sum(leaked2.values()), marked)
for d in (0, 1):
    per_key = {g["key"]: g["leaked"] for g in tops[d]["groups"]}
    assert per_key == leaked2, ("debug=%d" % d, per_key, leaked2)
print("ok: goroutineleak: %d leaked goroutines, the same groups in debug=0, 1 and 2" % marked)
PY
		fixture_stop
		port=$(fixture_free_port)
		GODEBUG=tracebacklabels=1 fixture_start "$v" "$port" -paused -initial 4 -pool 5
		fixture_expected "$port" "$WORK/expected-labels.json"
		fixture_capture "$port" 2 "$WORK/labels.debug2"
		grep -q '^goroutine [0-9]* \[[^]]*\] {' "$WORK/labels.debug2"
		"$LEAKSCOPE" top --json "$WORK/labels.debug2" >"$WORK/labels.json"
		$check "$WORK/expected-labels.json" "labels-debug2=$WORK/labels.json" --labels labels-debug2
	fi
	fixture_stop
done
