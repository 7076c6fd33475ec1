#!/usr/bin/env bash
# `leakscope slope SOURCE --every 1s --count 15` sampling the fixture itself while it leaks at a
# known rate, under every Go version: from the debug=1 header and from /metrics' go_goroutines
# (both at once), the slope per second is within 15% of the true growth, measured from
# go_goroutines before and after (and that within 15% of patterns x rate); the JSON has the
# Prometheus mode's shape with metric {"instance": SOURCE}; --save then --file gives the same
# output byte for byte; Ctrl-C stops early and still reports; a bad SOURCE is one line, exit 2.
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
RATE=4
PATTERNS=chansend,select,waitgroup # one goroutine per leak each
NPAT=3
COUNT=15

# go_goroutines and the time in ms, on one line
metrics_now() {
	local v
	v=$(curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" | awk '$1 == "go_goroutines" {print $2}')
	echo "$(date +%s%3N) $v"
}

dead_port=$(fixture_free_port)
for v in $GO_VERSIONS; do
	echo "== Go $v"
	port=$(fixture_free_port)
	fixture_start "$v" "$port" -rate "$RATE" -patterns "$PATTERNS" -pool 4
	base="http://127.0.0.1:$port"
	before=$(metrics_now "$port")
	# --pprof: the header even though /metrics is served; a budget a 1 s interval fits in
	"$LEAKSCOPE" slope "$base" --every 1s --count "$COUNT" --pprof --max-target-cpu 50% --json --save "$WORK/header-$v.saved" \
		>"$WORK/header-$v.json" 2>"$WORK/header-$v.err" &
	h=$!
	"$LEAKSCOPE" slope "$base" --every 1s --count "$COUNT" --metrics --json --limit 100000 \
		>"$WORK/metrics-$v.json" 2>"$WORK/metrics-$v.err" &
	m=$!
	wait "$h"
	wait "$m"
	after=$(metrics_now "$port")
	cat "$WORK/header-$v.err"

	# the saved samples read back: the same analysis, byte for byte
	range=$(python3 -c 'import json,sys; print("%dms" % (json.load(open(sys.argv[1]))["range_seconds"] * 1000))' \
		"$WORK/header-$v.json")
	"$LEAKSCOPE" slope --file "$WORK/header-$v.saved" --range "$range" --window "$range" --json \
		>"$WORK/file-$v.json"
	# (but for what sampling alone knows: the source and the interval)
	python3 - "$WORK/header-$v.json" "$WORK/file-$v.json" <<'PY'
import json, re, sys
h, f = open(sys.argv[1]).read(), open(sys.argv[2]).read()
s = json.loads(h)["sampling"]
assert s == {"source": "pprof", "interval_seconds": 1, "reason": None}, s
assert "sampling" not in json.loads(f)
h2 = re.sub(r'"sampling":\{[^{}]*\},', "", h, count=1)
assert h2 == f, (h2[:300], f[:300])
PY
	grep -q "counting from goroutine?debug=1 (--pprof)" "$WORK/header-$v.err"
	grep -q -- "--file $WORK/header-$v.saved --range" "$WORK/header-$v.err"
	[ "$(stat -c %a "$WORK/header-$v.saved")" = 600 ]
	# and as text too
	"$LEAKSCOPE" slope --file "$WORK/header-$v.saved" --range "$range" --window "$range" >"$WORK/file-$v.txt"
	grep -q "^{instance=\"$base\"}" "$WORK/file-$v.txt"
	grep -q "slope +" "$WORK/file-$v.txt"

	python3 - "$WORK" "$v" "$base" "$before" "$after" "$RATE" "$NPAT" "$COUNT" <<'PY'
import json, sys
w, v, base = sys.argv[1], sys.argv[2], sys.argv[3]
t0, g0 = map(float, sys.argv[4].split())
t1, g1 = map(float, sys.argv[5].split())
rate, npat, count = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
truth = (g1 - g0) / ((t1 - t0) / 1000.0)
nominal = rate * npat
print("Go %s: go_goroutines %d -> %d, true growth %.2f/s (nominal %.1f/s)" % (v, g0, g1, truth, nominal))
assert abs(truth - nominal) <= 0.15 * nominal, ("the fixture itself is off its rate", truth, nominal)
for mode in ("header", "metrics"):
    d = json.load(open("%s/%s-%s.json" % (w, mode, v)))
    for k in ("at", "window_seconds", "range_seconds", "series"):
        assert k in d, (mode, k)
    assert len(d["series"]) == 1, (mode, d)
    s = d["series"][0]
    for k in ("metric", "samples", "first", "last", "window_samples", "slope_per_second", "slope_per_minute",
              "predict_linear", "leak_start", "robust_z", "outlier", "alerts", "rules"):
        assert k in s, (mode, k)
    assert s["metric"] == {"instance": base}, (mode, s["metric"])
    assert s["samples"] == count and s["window_samples"] == count, (mode, s["samples"], s["window_samples"])
    assert 13 <= d["range_seconds"] <= 16, (mode, d["range_seconds"])
    assert s["last"] > s["first"], (mode, s)
    slope = s["slope_per_second"]
    print("  %-7s slope %.3f/s (%.1f%% off the truth)" % (mode, slope, 100 * (slope - truth) / truth))
    assert abs(slope - truth) <= 0.15 * truth, (mode, slope, truth)
    assert abs(s["slope_per_minute"] - 60 * slope) < 1e-6 * abs(60 * slope)
    assert s["predict_linear"]["seconds"] == 3600 and s["predict_linear"]["value"] > s["last"]
    assert d["sampling"]["source"] == ("metrics" if mode == "metrics" else "pprof"), d["sampling"]
    if mode == "metrics":
        assert s["time_to_limit_seconds"] > 0, s
    else:
        assert "time_to_limit_seconds" not in s
PY

	# pod/NAME through the API server's pod proxy (a kubectl proxy stand-in), under the first Go
	if [ "$v" = "${GO_VERSIONS%% *}" ]; then
		kube_proxy_start
		for mode in "" --metrics; do
			# shellcheck disable=SC2086 # an empty mode is no argument
			"$LEAKSCOPE" slope pod/web-0 --kube-proxy "http://127.0.0.1:$KPROXY_PORT" -n shop --port "$port" \
				--every 1s --count 6 --json $mode >"$WORK/pod$mode.json"
			python3 - "$WORK/pod$mode.json" "$RATE" "$NPAT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["series"][0]
nominal = float(sys.argv[2]) * int(sys.argv[3])
assert s["metric"] == {"instance": "pod/web-0"}, s["metric"]
assert s["samples"] == 6, s
assert abs(s["slope_per_second"] - nominal) <= 0.2 * nominal, (s["slope_per_second"], nominal)
print("  pod/web-0 %s slope %.3f/s" % (sys.argv[1].split("/")[-1], s["slope_per_second"]))
PY
		done
		rc=0
		"$LEAKSCOPE" slope pod/web-9 --kube-proxy "http://127.0.0.1:$KPROXY_PORT" -n shop --port "$dead_port" \
			--every 1s --count 3 >"$WORK/pod-bad.out" 2>"$WORK/pod-bad.err" || rc=$?
		[ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/pod-bad.err")" -eq 1 ] && [ ! -s "$WORK/pod-bad.out" ]
		grep -q "pod/web-9" "$WORK/pod-bad.err"
	fi

	# Ctrl-C: stops early, still reports, exit 0
	"$LEAKSCOPE" slope "$base" --every 1s --json >"$WORK/int-$v.json" 2>"$WORK/int-$v.err" &
	p=$!
	sleep 3.5
	kill -INT "$p"
	rc=0
	wait "$p" || rc=$?
	[ "$rc" -eq 0 ] || { echo "interrupted: exit $rc"; cat "$WORK/int-$v.err"; exit 1; }
	grep -q "interrupted after" "$WORK/int-$v.err"
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["series"][0]; assert 3 <= s["samples"] <= 5, s' \
		"$WORK/int-$v.json"
	fixture_stop
done

# trouble: one line on stderr, exit 2
dead=$(fixture_free_port)
for args in "http://127.0.0.1:$dead --every 1s --count 3" \
	"http://127.0.0.1:$dead --every 1s --count 3 --metrics" \
	"$WORK/no-such-file --every 1s --count 3" \
	"http://127.0.0.1:$dead --count 0" \
	"http://127.0.0.1:$dead --every soon" \
	"--count 3" \
	"http://127.0.0.1:$dead --prometheus http://127.0.0.1:$dead --query up"; do
	# shellcheck disable=SC2086 # the arguments are split on purpose
	expect_rc 2 "slope $args" "$LEAKSCOPE" slope $args && one_line_err "slope $args" .
	[ ! -s "$WORK/out" ] || fail "slope $args printed on stdout"
done
[ "$fails" -eq 0 ]
echo "t_slope_sample: ok"
