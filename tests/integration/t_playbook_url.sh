#!/usr/bin/env bash
# The playbook engine fetches as every other command does: `playbook run goroutine-leak --source
# https://API/api/v1/namespaces/NS/pods/POD:6060/proxy/debug/pprof --token-file F --cacert CA --yes`
# against nginx standing in for the API server over HTTPS (its own CA, the bearer token demanded
# on every request) and the Go fixture behind the pod proxy. The snapshot steps and the slope step
# (Prometheus' answer served behind the same token) go through fetch/source with the command's
# token, CA, --max-bytes and --timeout; LEAKSCOPE_TOKEN serves as well as --token-file. Without the
# token a snapshot step fails with one line that says a token is needed, and the run goes on. The
# token is never in the incident directory or the output.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"

NS=shop
POD=web-0
TOKEN="ls-test-token-$RANDOM$RANDOM-do-not-print"
BG=
fails=0

cleanup() {
    [ -n "$BG" ] && kill "$BG" 2>/dev/null
    apistub_stop
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

leak_in_background() { # PORT: chansend leaks 4 at a time, every pattern 1 at a time, for ~6 s
    local port=$1 i
    for i in $(seq 1 12); do
        fixture_control "$port" 'control/leak?pattern=chansend&n=4' >/dev/null || return 0
        fixture_control "$port" 'control/leak?pattern=all&n=1' >/dev/null || return 0
        sleep 0.5
    done
}

apistub_init "$TOKEN" || exit 1
v=${GO_VERSIONS%% *}
apistub_pod "$POD" "$v" -paused -initial 2 -pool 4 || exit 1
port=${APISTUB_PORT[$POD]}
fixture_expected "$port" "$WORK/exp.json"

# Prometheus' answer to the slope step's instant query: a climb of 2 goroutines per 15 s scrape
# over the last 20 minutes, behind the stand-in's token check like everything it serves.
python3 - "$WORK/prom.json" <<'PY'
import json, sys, time
now = time.time()
values = [[round(now - 1200 + 15 * i, 3), str(100 + 2 * i)] for i in range(80)]
json.dump({"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"__name__": "go_goroutines", "pod": "web-0"}, "values": values}]}}, open(sys.argv[1], "w"))
PY
cat >"$WORK/api/prom.conf" <<EOF
location = /prom/api/v1/query {
    alias $WORK/prom.json;
}
EOF
apistub_conf "$NS" "$WORK/api/prom.conf"
apistub_serve || exit 1
API=https://127.0.0.1:$APISTUB_API_PORT
SRC=$API/api/v1/namespaces/$NS/pods/$POD:6060/proxy/debug/pprof
CA=$WORK/certs/ca.crt

export XDG_STATE_HOME=$WORK/state HOME=$WORK/home LEAKSCOPE_KNOWN_DB=$WORK/known.db LEAKSCOPE_KUBECTL=
export LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
unset LEAKSCOPE_TOKEN KUBECONFIG
mkdir -p "$HOME"

# 1. the whole playbook with --token-file and --cacert
fixture_control "$port" 'control/leak?pattern=chansend&n=8' >/dev/null
leak_in_background "$port" &
BG=$!
"$LEAKSCOPE" playbook run goroutine-leak --source "$SRC" --token-file "$WORK/kube/token" --cacert "$CA" \
    --prometheus "$API/prom" --yes --wait 3 --incident "$WORK/inc" >"$WORK/run.out" 2>"$WORK/run.err"
rc=$?
wait "$BG"
BG=
cat "$WORK/run.out" "$WORK/run.err"
if [ $rc -ne 0 ]; then
    fail "playbook run with --token-file: exit $rc"
else
    python3 - "$WORK/inc" "$WORK/exp.json" "$SRC" <<'PY' || fail "the run's journal and report"
import json, re, sys
d, exp, src = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
ev = [json.loads(l) for l in open(d + "/journal.jsonl")]
res = {e["step"]: e for e in ev if e["ev"] == "result"}
for step in ("before", "after"):
    assert res[step]["ok"], res[step]
    assert res[step]["data"]["source"] == src, res[step]["data"]
assert res["after"]["data"]["format"] == "debug=2", res["after"]["data"]
s = res["confirm"]
assert s["ok"], s
assert abs(s["data"]["per_minute"] - 8.0) < 0.01 and s["data"]["series_count"] == 1, s["data"]
# the pod behind the proxy URL, not the API server's host:port
assert s["data"]["query"] == 'go_goroutines{pod="web-0"}', s["data"]["query"]
rep = json.load(open(d + "/report.json"))
top = rep["groups"][0]
assert top["func"] == exp["patterns"]["chansend"]["func"] and top["delta"] > 0, top
print("ok: snapshots through the API server's pod proxy with the token and the CA; slope %+.1f/min; "
      "the report names %s" % (s["data"]["per_minute"], top["func"]))
PY
fi
head -1 "$WORK/inc/snap-before.txt" | grep -q '^goroutine profile: total ' ||
    fail "snap-before.txt is not a debug=1 profile: $(head -c 200 "$WORK/inc/snap-before.txt")"

# 2. the token from LEAKSCOPE_TOKEN, and --max-bytes honoured by snapshot steps
cat >"$WORK/pb-one.json" <<'JSON'
{"id": "one-snap", "title": "One snapshot", "steps": [
  {"id": "snap", "title": "Snapshot", "action": {"type": "snapshot", "debug": 2}}]}
JSON
LEAKSCOPE_TOKEN=$TOKEN "$LEAKSCOPE" playbook run "$WORK/pb-one.json" --source "$SRC" --cacert "$CA" --yes \
    --incident "$WORK/inc-env" >"$WORK/env.out" 2>&1 || fail "LEAKSCOPE_TOKEN: exit $?: $(cat "$WORK/env.out")"
grep -q '"step":"snap".*"ok":true' "$WORK/inc-env/journal.jsonl" && echo "ok: LEAKSCOPE_TOKEN serves the playbook" ||
    fail "LEAKSCOPE_TOKEN: the snapshot failed: $(cat "$WORK/env.out")"
"$LEAKSCOPE" playbook run "$WORK/pb-one.json" --source "$SRC" --token-file "$WORK/kube/token" --cacert "$CA" \
    --max-bytes 1k --yes --incident "$WORK/inc-max" >"$WORK/max.out" 2>&1 || fail "--max-bytes: exit $?"
grep -q '"step":"snap".*"ok":false.*larger than the 1024-byte limit' "$WORK/inc-max/journal.jsonl" &&
    echo "ok: --max-bytes caps a snapshot step" || fail "--max-bytes: $(cat "$WORK/max.out")"

# 3. without --cacert the stand-in's certificate is refused; with --insecure it is not
"$LEAKSCOPE" playbook run "$WORK/pb-one.json" --source "$SRC" --token-file "$WORK/kube/token" --yes \
    --incident "$WORK/inc-noca" >"$WORK/noca.out" 2>&1
grep -q '"step":"snap".*"ok":false' "$WORK/inc-noca/journal.jsonl" && grep -qi 'certificate' "$WORK/noca.out" &&
    echo "ok: the server's certificate is verified" || fail "no --cacert: $(cat "$WORK/noca.out")"
"$LEAKSCOPE" playbook run "$WORK/pb-one.json" --source "$SRC" --token-file "$WORK/kube/token" --insecure --yes \
    --incident "$WORK/inc-insecure" >"$WORK/insecure.out" 2>&1
grep -q '"step":"snap".*"ok":true' "$WORK/inc-insecure/journal.jsonl" && echo "ok: --insecure reaches the playbook" ||
    fail "--insecure: $(cat "$WORK/insecure.out")"

# 4. without the token: the snapshot step fails with one clear line, and the run goes on
"$LEAKSCOPE" playbook run "$WORK/pb-one.json" --source "$SRC" --cacert "$CA" --yes \
    --incident "$WORK/inc-none" >"$WORK/none.out" 2>"$WORK/none.err" || fail "no token: exit $?"
bang=$(grep -c '^   ! ' "$WORK/none.out")
if [ "$bang" != 1 ]; then
    fail "no token: want one failure line, got $bang: $(cat "$WORK/none.out")"
elif ! grep '^   ! ' "$WORK/none.out" | grep -q 'Unauthorized (401): a token is needed (--token-file or LEAKSCOPE_TOKEN)'; then
    fail "no token: the line does not say a token is needed: $(grep '^   ! ' "$WORK/none.out")"
else
    echo "ok: without the token: $(grep '^   ! ' "$WORK/none.out" | sed 's/^ *//')"
fi
grep -q '"step":"snap".*"ok":false' "$WORK/inc-none/journal.jsonl" || fail "no token: the failure is not journalled"

if grep -rqF "$TOKEN" "$WORK"/inc* "$WORK"/*.out "$WORK/run.err"; then
    fail "the token leaked into an incident or the output"
fi
echo "failures: $fails"
[ "$fails" -eq 0 ]
