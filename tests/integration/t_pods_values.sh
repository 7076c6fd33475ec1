#!/usr/bin/env bash
# pods against pods whose answers are hostile numbers, through a `kubectl proxy` stand-in
# (tests/lib/podstub.py): go_goroutines +Inf, -Inf, NaN, 1e308 and 9.3e18 each give that pod one
# clear error ("go_goroutines is +Inf, not a goroutine count") and no count, while the sane pods
# are counted; a debug=1 total of 99999999999999999999999 is refused for that pod and never makes
# it the outlier. Under build/asan (make asan) the same run must not trip UBSan.
set -euo pipefail
fails=0
. "$ROOT/tests/lib/expect.sh"
. "$ROOT/tests/lib/fixture.sh"
mkdir -p "$WORK/pods" "$WORK/home"
for i in 0 1 2 3 4; do echo "go_goroutines 4$i" >"$WORK/pods/web-$i.metrics"; done
printf '# TYPE go_goroutines gauge\ngo_goroutines +Inf\n' >"$WORK/pods/inf-0.metrics"
echo 'go_goroutines{pod="x"} -Inf' >"$WORK/pods/ninf-0.metrics"
echo 'go_goroutines NaN' >"$WORK/pods/nan-0.metrics"
echo 'go_goroutines 1e308' >"$WORK/pods/big-0.metrics"
echo 'go_goroutines 9.3e18 1700000000000' >"$WORK/pods/over-0.metrics"
printf 'goroutine profile: total 99999999999999999999999\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/x.go:1\n\n' \
	>"$WORK/pods/huge-0.debug1"
port=$(fixture_free_port)
python3 "$ROOT/tests/lib/podstub.py" "$port" "$WORK/pods" &
stub=$!
trap 'kill $stub 2>/dev/null; wait $stub 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
export HOME=$WORK/home UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

check() { # NAME: the pods --json answer in $WORK/out against what each pod should show
	python3 - "$WORK/out" <<'PY' || fail "$1"
import json, sys
pods = {p["name"]: p for p in json.load(open(sys.argv[1]))["pods"]}
want = {"inf-0": "+Inf", "ninf-0": "-Inf", "nan-0": "NaN", "big-0": "1e308", "over-0": "9.3e18"}
for name, value in want.items():
    p = pods[name]
    assert p["goroutines"] is None, p
    assert p["error"] == "go_goroutines is %s, not a goroutine count" % value, p
    assert not p["outlier"], p
for i in range(5):
    p = pods["web-%d" % i]
    assert p["goroutines"] == 40 + i and p["error"] is None, p
h = pods["huge-0"]
assert h["goroutines"] is None and h["error"] and not h["outlier"], h
assert not any(p["outlier"] for p in pods.values()), pods
print("ok: each hostile value is that pod's error:", "; ".join("%s: %s" % (n, pods[n]["error"]) for n in sorted(want)))
PY
}
expect_rc 0 "pods --metrics" "$LEAKSCOPE" pods --kube-proxy "http://127.0.0.1:$port" --metrics --json && check "pods --metrics"
grep -q 'runtime error' "$WORK/err" && fail "UBSan: $(cat "$WORK/err")"
# the default: /metrics first, debug=1 for the pods without it (huge-0)
expect_rc 0 "pods" "$LEAKSCOPE" pods --kube-proxy "http://127.0.0.1:$port" --json && check "pods"
python3 -c 'import json,sys; p={p["name"]:p for p in json.load(open(sys.argv[1]))["pods"]}["huge-0"]; assert "debug=1" in p["error"], p' \
	"$WORK/out" || fail "the debug=1 total is not refused: $(cat "$WORK/out")"
# the table says the same, on the pod's own row
expect_rc 0 "pods (table)" "$LEAKSCOPE" pods --kube-proxy "http://127.0.0.1:$port" --metrics
grep -q '^  inf-0 .* go_goroutines is +Inf, not a goroutine count$' "$WORK/out" || fail "table: $(cat "$WORK/out")"
grep -q 'no outlier' "$WORK/out" || fail "an outlier was starred: $(tail -1 "$WORK/out")"
exit "$fails"
