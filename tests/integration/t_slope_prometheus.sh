#!/usr/bin/env bash
# runs: beside
# t_slope_prometheus.sh: `leakscope slope` against a real Prometheus (the Debian 2.42 package)
# scraping the leaky fixture every second on 127.0.0.1.
#
# The fixture starts paused (a flat baseline), leaks, pauses, and leaks again, ~80 s in all.
# Then, for several evaluation times T (the newest sample, times between samples, and a T that
# puts a sample exactly on the window's left edge) and windows W:
#   - slope_per_second equals Prometheus' deriv(go_goroutines[W]) at T to a relative error <= 1e-9,
#   - predict_linear.value equals predict_linear(go_goroutines[W], 3600) at T the same way,
#   - window_samples equals count_over_time(go_goroutines[W]) at T (the window's edges);
# the alerts leakscope replays for `deriv[10s] > 0.5 for 5s` every 2 s equal those the test derives
# from Prometheus' own query_range of deriv(go_goroutines[10s]) at the same 2-s step with for:
# applied here; the leak start estimated over the baseline and the first leak is within 2 s of the
# resume; a bad query exits 2 with Prometheus' message; an empty result is an empty list; --save
# then --file gives the same answer.
#
# The slope math does not depend on the Go version the fixture is built with, so one version (the
# first of GO_VERSIONS) is enough here.
#
# Needs: prometheus, curl, python3 (all in the base image). Env: LEAKSCOPE ROOT WORK GO_VERSIONS.
set -euo pipefail

. "$ROOT/tests/lib/fixture.sh"

go_version=${GO_VERSIONS%% *}
# A private copy of the binary under test, so a rebuild elsewhere cannot swap it mid-run.
cp "$LEAKSCOPE" "$WORK/leakscope"
LEAKSCOPE=$WORK/leakscope
PROM_PID=

cleanup() {
	if [ -n "$PROM_PID" ]; then
		kill "$PROM_PID" 2>/dev/null || true
		wait "$PROM_PID" 2>/dev/null || true
		PROM_PID=
	fi
	fixture_stop
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

fport=$(fixture_free_port)
pport=$(fixture_free_port)
while [ "$pport" = "$fport" ]; do pport=$(fixture_free_port); done
PROM=http://127.0.0.1:$pport
SEL='go_goroutines{job="leaky"}'

fixture_start "$go_version" "$fport" -paused -rate 2 || fail "fixture did not start"

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: leaky
    static_configs:
      - targets: ['127.0.0.1:$fport']
EOF
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 1 100); do
	curl -sf -o /dev/null "$PROM/-/ready" && break
	kill -0 "$PROM_PID" 2>/dev/null || { tail -5 "$WORK/prometheus.log"; fail "prometheus exited"; }
	sleep 0.2
done
curl -sf -o /dev/null "$PROM/-/ready" || fail "prometheus not ready"

now_ms() { date +%s%3N; }

# The schedule: 12 s flat, 25 s leaking, 15 s paused, 25 s leaking.
sleep 12
resume1=$(now_ms)
fixture_control "$fport" control/resume >/dev/null
sleep 25
fixture_control "$fport" control/pause >/dev/null
sleep 15
fixture_control "$fport" control/resume >/dev/null
sleep 25
fixture_control "$fport" control/pause >/dev/null
sleep 2
end=$(( $(now_ms) - 1000 ))
echo "schedule done; first resume at $resume1, end $end"

secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# The raw samples Prometheus holds, for picking boundary times.
curl -sf "$PROM/api/v1/query" --data-urlencode "query=$SEL[5m]" --data-urlencode "time=$(secs "$end")" \
	>"$WORK/raw.json" || fail "raw query failed"
python3 - "$WORK/raw.json" >"$WORK/times" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))["data"]["result"][0]["values"]
print(" ".join(str(round(t * 1000)) for t, _ in v))
EOF
read -r -a ts <"$WORK/times"
echo "${#ts[@]} raw samples"
[ "${#ts[@]}" -ge 60 ] || fail "too few samples scraped: ${#ts[@]}"

# compare NAME OURS THEIRS: relative error <= 1e-9 (both absent, or both equal, passes)
compare() {
	python3 - "$@" <<'EOF'
import sys
name, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
if a == "null" or b == "null":
    ok = a == b
    err = 0.0 if ok else float("inf")
else:
    x, y = float(a), float(b)
    err = 0.0 if x == y else abs(x - y) / max(abs(x), abs(y))
    ok = err <= 1e-9
print("%-48s leakscope %-24s prometheus %-24s relerr %.3g %s" % (name, a, b, err, "ok" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
EOF
}

# prom_value EXPR T_MS: the single value of an instant query, or null
prom_value() {
	curl -sf "$PROM/api/v1/query" --data-urlencode "query=$1" --data-urlencode "time=$(secs "$2")" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "null")'
}

# ours T_MS W FIELD: a field of leakscope's JSON for the one series
ours() {
	"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --window "$2" --range 2m --at "$(secs "$1")" --json \
		>"$WORK/ours.json" || fail "leakscope slope failed at T=$1 W=$2"
	python3 - "$WORK/ours.json" "$3" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["series"]
assert len(s) == 1, "expected one series, got %d" % len(s)
v = s[0]
for k in sys.argv[2].split("."):
    v = v[k]
print("null" if v is None else repr(v) if isinstance(v, float) else v)
EOF
}

n=${#ts[@]}
# T: the newest sample; 0.4 s after a sample in the first leak; mid-pause; a second before the end
times=("${ts[$((n - 3))]}" "$((resume1 + 15400))" "$((end - 22000))" "$((end - 1000))")
checks=0
for W in 10s 30s 1m; do
	case $W in 10s) wms=10000 ;; 30s) wms=30000 ;; 1m) wms=60000 ;; esac
	# and a T that puts sample k exactly on the left edge T - W (in the window in Prometheus 2),
	# no later than the newest sample: a T in the future would see samples scraped between the
	# two queries
	k=$((n - 40))
	while [ "$k" -gt 0 ] && [ $(( ${ts[$k]} + wms )) -gt "${ts[$((n - 1))]}" ]; do k=$((k - 1)); done
	edge=$(( ${ts[$k]} + wms ))
	for T in "${times[@]}" "$edge"; do
		compare "deriv[$W] at $T" "$(ours "$T" "$W" slope_per_second)" \
			"$(prom_value "deriv($SEL[$W])" "$T")" || fail "deriv mismatch"
		compare "predict_linear[$W] at $T" "$(ours "$T" "$W" predict_linear.value)" \
			"$(prom_value "predict_linear($SEL[$W], 3600)" "$T")" || fail "predict_linear mismatch"
		compare "window samples [$W] at $T" "$(ours "$T" "$W" window_samples)" \
			"$(prom_value "count_over_time($SEL[$W])" "$T")" || fail "window edge mismatch"
		checks=$((checks + 3))
	done
done
echo "deriv/predict_linear/window: $checks comparisons ok"

# Rule replay against Prometheus' own deriv at the rule's step, with for: applied here.
RULE='deriv[10s] > 0.5 for 5s'
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --range 100s --at "$(secs "$end")" \
	--rule "$RULE" --eval-interval 2s --json >"$WORK/replay.json" || fail "replay failed"
start=$(( (end - 100000 + 1999) / 2000 * 2000 ))
curl -sf "$PROM/api/v1/query_range" --data-urlencode "query=deriv($SEL[10s])" \
	--data-urlencode "start=$(secs "$start")" --data-urlencode "end=$(secs "$end")" \
	--data-urlencode "step=2" >"$WORK/range.json" || fail "query_range failed"
python3 - "$WORK/replay.json" "$WORK/range.json" "$start" "$end" "$resume1" <<'EOF' || fail "replay mismatch"
import json, sys
from datetime import datetime, timezone

ours_doc = json.load(open(sys.argv[1]))
rng = json.load(open(sys.argv[2]))["data"]["result"]
start, end, resume1 = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
step, hold, threshold = 2000, 5000, 0.5

def ms(s):
    if s is None:
        return None
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(d.timestamp() * 1000)

vals = {}
if rng:
    vals = {round(t * 1000): float(v) for t, v in rng[0]["values"]}
# Prometheus' for: (rules/alerting.go): pending at the first evaluation the expression has a
# result, firing once it has been pending `hold`, resolved the first evaluation without a result.
theirs, state, active, fired = [], 0, None, None
t = start
while t <= end:
    holds = t in vals and vals[t] > threshold
    if holds:
        if state == 0:
            state, active = 1, t
        if state == 1 and t - active >= hold:
            state, fired = 2, t
    elif state:
        if state == 2:
            theirs.append((active, fired, t))
        state = 0
    t += step
if state == 2:
    theirs.append((active, fired, None))

series = ours_doc["series"]
assert len(series) == 1
ours = [(ms(a["active_at"]), ms(a["fired_at"]), ms(a["resolved_at"])) for a in series[0]["alerts"]]
print("prometheus-derived alerts:", theirs)
print("leakscope alerts:         ", ours)
if ours != theirs:
    sys.exit("alerts differ")
if len(ours) < 2:
    sys.exit("expected an alert for each leaking phase, got %d" % len(ours))
EOF
echo "replay: alerts equal"

# Leak start: over the flat baseline and the first leak only (flat, then rising), the estimate is
# within a scrape or two of the first resume.
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --range 100s --at "$(secs $((resume1 + 20000)))" \
	--json >"$WORK/start.json" || fail "leak start query failed"
python3 - "$WORK/start.json" "$resume1" <<'EOF' || fail "leak start"
import json, sys
from datetime import datetime, timezone
s = json.load(open(sys.argv[1]))["series"][0]["leak_start"]
ls = round(datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)
resume1 = int(sys.argv[2])
print("leak start estimate %s, %.3f s from the first resume" % (s, (ls - resume1) / 1000))
if abs(ls - resume1) > 2000:
    sys.exit("leak start too far from the first resume")
EOF

# A range that begins inside the first leak: the climb began before the data, and leakscope says
# so instead of naming the first sample as the leak start.
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --range 18s --at "$(secs $((resume1 + 24000)))" \
	--json >"$WORK/before.json" || fail "range inside the leak: query failed"
python3 - "$WORK/before.json" "$resume1" <<'EOF' || fail "range inside the leak: $(cat "$WORK/before.json")"
import json, sys
from datetime import datetime, timezone
s = json.load(open(sys.argv[1]))["series"][0]
assert s["leak_start"] is None, s["leak_start"]
b = round(datetime.strptime(s["leak_started_before"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)
assert b >= int(sys.argv[2]) + 5000, ("the range starts 6 s into the leak", b)
print("leak started before", s["leak_started_before"])
EOF
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --range 18s --at "$(secs $((resume1 + 24000)))" \
	>"$WORK/before.txt" || fail "range inside the leak: text"
grep -q '^  leak start: before the first sample' "$WORK/before.txt" || fail "range inside the leak: $(cat "$WORK/before.txt")"

# Too little data for the rule: ~80 s of samples against deriv[30m] + for 10m cannot answer, and
# no alerts per day is made up; a rule that fits the data is replayed, without a per-day rate
# extrapolated from under a day.
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --at "$(secs "$end")" --rule 'deriv[30m] > 0.5 for 10m' \
	--rule 'deriv[10s] > 0.5 for 5s' --eval-interval 2s --json >"$WORK/little.json" || fail "little data: query failed"
python3 - "$WORK/little.json" <<'EOF' || fail "little data: $(cat "$WORK/little.json")"
import json, sys
s = json.load(open(sys.argv[1]))["series"][0]
long, short = s["rules"]
assert 60 <= s["covered_seconds"] <= 120, s["covered_seconds"]
assert long["answer"] == "too_little_data" and long["alerts_per_day"] is None and long["needs_seconds"] == 2400, long
assert short["answer"] == "under_a_day" and short["alerts_per_day"] is None and short["alerts"] >= 2, short
print("too little data:", long, short)
EOF
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --at "$(secs "$end")" --rule 'deriv[30m] > 0.5 for 10m' \
	--rule 'deriv[10s] > 0.5 for 5s' --eval-interval 2s >"$WORK/little.txt" || fail "little data: text"
cat "$WORK/little.txt"
grep -q "rule deriv\[30m\] > 0.5 for 10m: the data cannot answer: 1m[0-9]*s of samples, and the rule needs 40m" \
	"$WORK/little.txt" || fail "little data: no 'cannot answer'"
grep -q "rule deriv\[10s\] > 0.5 for 5s: [0-9]* alerts in 1m[0-9]*s of samples (under a day: no per-day rate)" \
	"$WORK/little.txt" || fail "little data: the short rule"
! grep -q "per day)" "$WORK/little.txt" || fail "little data: a per-day rate from under a day"

# A query Prometheus refuses (a regexp that does not compile): Prometheus' own message, exit 2.
set +e
"$LEAKSCOPE" slope --prometheus "$PROM" --query 'go_goroutines{job=~"("}' --json >"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
set -e
cat "$WORK/bad.err"
[ "$rc" -eq 2 ] || fail "bad query: exit $rc, want 2"
grep -q '^leakscope: prometheus: bad_data: ' "$WORK/bad.err" || fail "bad query: message"
[ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "bad query: more than one line on stderr"

# A selector that is not closed is said so before it is sent: Prometheus would blame the '[' of
# the range leakscope appends, which was never typed.
set +e
"$LEAKSCOPE" slope --prometheus "$PROM" --query 'go_goroutines{' --json >"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
set -e
cat "$WORK/bad.err"
[ "$rc" -eq 2 ] || fail "unclosed selector: exit $rc, want 2"
grep -q "^leakscope slope: --query 'go_goroutines{': '{' is not closed by '}'" "$WORK/bad.err" ||
	fail "unclosed selector: message"
! grep -q '\[' "$WORK/bad.err" || fail "unclosed selector: the message speaks of a '['"
[ "$(wc -l <"$WORK/bad.err")" -eq 1 ] || fail "unclosed selector: more than one line on stderr"

# Nothing matched: a warning on stderr, exit 0; with --fail-on-empty one line and exit 2.
set +e
"$LEAKSCOPE" slope --prometheus "$PROM" --query 'no_such_metric' >/dev/null 2>"$WORK/empty.err"
rc=$?
"$LEAKSCOPE" slope --prometheus "$PROM" --query 'no_such_metric' --fail-on-empty >"$WORK/empty.out" 2>"$WORK/empty2.err"
rc2=$?
set -e
[ "$rc" -eq 0 ] || fail "empty result: exit $rc, want 0 without --fail-on-empty"
grep -q "^leakscope: WARNING: no series matched --query 'no_such_metric'" "$WORK/empty.err" ||
	fail "empty result: no warning on stderr: $(cat "$WORK/empty.err")"
[ "$rc2" -eq 2 ] || fail "empty result: exit $rc2 under --fail-on-empty, want 2"
[ "$(wc -l <"$WORK/empty2.err")" -eq 1 ] && grep -q "no series matched --query 'no_such_metric'" "$WORK/empty2.err" ||
	fail "empty result under --fail-on-empty: $(cat "$WORK/empty2.err")"
[ ! -s "$WORK/empty.out" ] || fail "empty result under --fail-on-empty: a report on stdout"

# An empty result.
"$LEAKSCOPE" slope --prometheus "$PROM" --query 'no_such_metric' --json >"$WORK/empty.json" 2>/dev/null ||
	fail "empty result: non-zero exit"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["series"] == []' "$WORK/empty.json" ||
	fail "empty result: series not []"

# --save, then --file: the same answer offline; the saved file is private.
"$LEAKSCOPE" slope --prometheus "$PROM" --query "$SEL" --range 100s --at "$(secs "$end")" \
	--rule "$RULE" --eval-interval 2s --json --save "$WORK/saved.json" >"$WORK/online.json"
[ "$(stat -c %a "$WORK/saved.json")" = 600 ] || fail "--save: mode is not 0600"
"$LEAKSCOPE" slope --file "$WORK/saved.json" --range 100s --at "$(secs "$end")" \
	--rule "$RULE" --eval-interval 2s --json >"$WORK/offline.json"
cmp "$WORK/online.json" "$WORK/offline.json" || fail "--file differs from the online answer"
"$LEAKSCOPE" slope --file "$WORK/saved.json" --range 100s --at "$(secs "$end")" --ascii --limit 100000
echo "t_slope_prometheus: all checks passed"
