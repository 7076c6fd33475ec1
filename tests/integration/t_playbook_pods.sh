#!/usr/bin/env bash
# The goroutine-leak playbook end to end against pods, with --yes and no --source: nginx stands in
# for the API server (as in t_fetch_proxy.sh) and five Go fixture processes for five replicas, one
# of them (web-3) far above the others and leaking while the playbook runs. The rank_pods step must
# fan out over the pods, journal the table and pick web-3; the snapshot steps then go through the
# pod proxy (pod/web-3, -n and --kubeconfig passed through), and the report names web-3 and the
# fixture's fastest-leaking group with file:line. Under every Go version in GO_VERSIONS.
#
# Under the first version, Prometheus 2.42 (as in t_slope_prometheus.sh) scrapes web-3's fixture on
# 127.0.0.1 every second, and the run gets --prometheus: the slope step journals the slope, and
# the report shows the slope summary and its chart.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"

NS=shop
TOKEN="ls-test-token-$RANDOM$RANDOM-do-not-print"
PODS="web-0 web-1 web-2 web-3 web-4"
OUTLIER=web-3
PROM_PID=
BG=
fails=0

cleanup() {
    [ -n "$BG" ] && kill "$BG" 2>/dev/null
    if [ -n "$PROM_PID" ]; then
        kill "$PROM_PID" 2>/dev/null
        wait "$PROM_PID" 2>/dev/null
    fi
    apistub_stop
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

apistub_init "$TOKEN" || exit 1

leak_in_background() { # PORT ROUNDS: chansend leaks 4 at a time, every pattern 1 at a time, 2 rounds a second
    local port=$1 i
    for i in $(seq 1 "$2"); do
        fixture_control "$port" 'control/leak?pattern=chansend&n=4' >/dev/null || return 0
        fixture_control "$port" 'control/leak?pattern=all&n=1' >/dev/null || return 0
        sleep 0.5
    done
}

start_prometheus() { # WEB3_PORT WEB0_PORT: both scraped, labelled with their pod as Kubernetes SD does
    local pport i
    pport=$(fixture_free_port)
    cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: web
    static_configs:
      - targets: ['127.0.0.1:$1']
        labels: {pod: web-3, namespace: $NS}
      - targets: ['127.0.0.1:$2']
        labels: {pod: web-0, namespace: $NS}
EOF
    prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
        --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
    PROM_PID=$!
    PROM=http://127.0.0.1:$pport
    for i in $(seq 1 100); do
        curl -sf -o /dev/null "$PROM/-/ready" && return 0
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.2
    done
    tail -5 "$WORK/prometheus.log"
    return 1
}

export XDG_STATE_HOME=$WORK/state HOME=$WORK/home LEAKSCOPE_KNOWN_DB=$WORK/known.db LEAKSCOPE_KUBECTL=
export LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
unset LEAKSCOPE_TOKEN KUBECONFIG
first=${GO_VERSIONS%% *}
for v in $GO_VERSIONS; do
    echo "== Go $v"
    apistub_replicas "$v" "$OUTLIER" "$PODS" -pool 4 || exit 1
    apistub_conf -l "$NS"
    apistub_serve || exit 1
    # the context's namespace is another one: -n must reach the snapshots and the ranking
    apistub_kubeconfig "$WORK/kube/config" test elsewhere \
        "certificate-authority-data: $(base64 -w0 "$WORK/certs/ca.crt")"
    port3=$PORT_web_3
    fixture_expected "$port3" "$WORK/exp-$v.json"
    prom=()
    if [ "$v" = "$first" ]; then
        if command -v prometheus >/dev/null && start_prometheus "$port3" "$PORT_web_0"; then
            prom=(--prometheus "$PROM")
        else
            fail "prometheus did not start"
        fi
    fi
    fixture_control "$port3" 'control/leak?pattern=chansend&n=8' >/dev/null
    # longer under Prometheus: the climb must outlast the scrapes waited for below
    leak_in_background "$port3" $((${#prom[@]} ? 36 : 20)) &
    BG=$!
    # samples for the slope: wait until Prometheus holds six scrapes of the climb
    if [ ${#prom[@]} -gt 0 ]; then
        for _ in $(seq 1 60); do
            n=$(curl -sf "$PROM/api/v1/query" --data-urlencode 'query=count_over_time(go_goroutines{pod="web-3"}[5m])' |
                python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
            [ "${n:-0}" -ge 6 ] && break
            sleep 0.5
        done
        echo "Prometheus holds ${n:-0} samples"
    fi
    "$LEAKSCOPE" playbook run goroutine-leak --yes --wait 4 -l app=web -n "$NS" \
        --kubeconfig "$WORK/kube/config" "${prom[@]}" --incident "$WORK/inc-$v" >"$WORK/run-$v.out" 2>"$WORK/run-$v.err"
    rc=$?
    wait "$BG"
    BG=
    if [ $rc -ne 0 ]; then
        fail "Go $v: playbook run exit $rc: $(cat "$WORK/run-$v.err")"
        continue
    fi
    cat "$WORK/run-$v.out"
    python3 - "$WORK/inc-$v" "$WORK/exp-$v.json" "$v" "$OUTLIER" "${#prom[@]}" <<'PY' || fail "Go $v: report checks"
import json, re, sys
d, exp, v, outlier, prom = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4], int(sys.argv[5])
ev = [json.loads(l) for l in open(d + "/journal.jsonl")]
rank = [e for e in ev if e["ev"] == "result" and e.get("step") == "find-pod"]
assert rank and rank[0]["ok"], rank
pods = {p["name"]: p for p in rank[0]["data"]["pods"]}
assert len(pods) == 5 and all(isinstance(p["goroutines"], (int, float)) for p in pods.values()), pods
assert [n for n, p in pods.items() if p["outlier"]] == [outlier], pods
assert rank[0]["data"]["outlier"] == outlier and rank[0]["data"]["source"] == "pod/" + outlier
snaps = [e for e in ev if e["ev"] == "result" and e.get("action") == "snapshot"]
assert len(snaps) == 2 and all(e["ok"] and e["data"]["source"] == "pod/" + outlier for e in snaps), snaps
rep = json.load(open(d + "/report.json"))
md = open(d + "/report.md").read()
assert "outlier: %s" % outlier in md, md
# the report names where the evidence comes from: the pod, its namespace and context
assert rep["source"] == "pod/" + outlier, rep["source"]
assert rep["target"] == {"pod": outlier, "namespace": "shop", "context": "test"}, rep["target"]
for line in ("- pod: `%s`" % outlier, "- namespace: `shop`", "- context: `test`"):
    assert line in md.split("\n## ", 1)[0], (line, md[:800])
func = exp["patterns"]["chansend"]["func"]
top = rep["groups"][0]
assert top["func"] == func, (v, top["func"])
assert top["pattern"] == "chan-send-no-receiver" and top["delta"] > 0
assert top["file"].endswith("main.go") and top["line"] > 0, top
m = re.search(r"### 1\. `%s \(leaky/main\.go:(\d+)\)`" % re.escape(func), md)
assert m, md[:2000]
print("ok: Go %s: rank_pods picked %s (%d goroutines against a median of %.0f); the report names %s (main.go:%s)"
      % (v, outlier, pods[outlier]["goroutines"], rank[0]["data"]["median"], func, m.group(1)))
if prom:
    slope = [e for e in ev if e["ev"] == "result" and e.get("step") == "confirm"]
    assert slope and slope[0]["ok"], slope
    s = slope[0]["data"]
    assert s["per_minute"] > 0 and len(s["points"]) >= 2 and s["series_count"] >= 1, s
    # the slope is the pod's own: the rank came first, and the query names the pod it chose
    assert s["query"] == 'go_goroutines{pod="%s"}' % outlier and s["series_count"] == 1, s
    assert 'pod="%s"' % outlier in s["series"], s["series"]
    steps = [e["step"] for e in ev if e["ev"] == "result"]
    assert steps.index("find-pod") < steps.index("confirm"), steps
    assert rep["slope"] and rep["slope"]["per_minute"] == s["per_minute"], rep["slope"]
    sec = md.split("## Slope", 1)[1].split("\n## ", 1)[0]
    assert "goroutines per minute over 30m" in sec and "go_goroutines" in sec, sec
    assert re.search(r"^\s+\d+ \|[# ]+$", sec, re.M) and "```" in sec, sec
    print("ok: the slope from Prometheus: %+.1f/min over %d points; the report shows its summary and chart"
          % (s["per_minute"], len(s["points"])))
PY
    if grep -rqF "$TOKEN" "$WORK/inc-$v" "$WORK/run-$v.out" "$WORK/run-$v.err"; then
        fail "Go $v: the token leaked into the incident or the output"
    fi
    if [ -n "$PROM_PID" ]; then
        kill "$PROM_PID" 2>/dev/null
        wait "$PROM_PID" 2>/dev/null
        PROM_PID=
    fi
done

# a pod source given by hand, -n and --kubeconfig passed through; a missing pod fails the step only
"$LEAKSCOPE" playbook run goroutine-leak --yes --wait 1 --source pod/web-1 -n "$NS" --kubeconfig "$WORK/kube/config" \
    --incident "$WORK/inc-src" >"$WORK/src.out" 2>&1 || fail "--source pod/web-1: $(tail -3 "$WORK/src.out")"
grep -q '"step":"before".*"ok":true.*"source":"pod/web-3"' "$WORK/inc-src/journal.jsonl" ||
    fail "--source pod/web-1: the rank's outlier should still win: $(grep '"step":"before"' "$WORK/inc-src/journal.jsonl")"
cat >"$WORK/pb-src.json" <<'JSON'
{"id": "pod-snap", "title": "One pod", "steps": [
  {"id": "snap", "title": "Snapshot", "action": {"type": "snapshot", "debug": 2}},
  {"id": "classify", "title": "Classify", "action": {"type": "classify", "from": "snap"}}]}
JSON
"$LEAKSCOPE" playbook run "$WORK/pb-src.json" --yes --source pod/web-1 -n "$NS" --kubeconfig "$WORK/kube/config" \
    --incident "$WORK/inc-one" >"$WORK/one.out" 2>&1 || fail "pod/web-1 snapshot: $(cat "$WORK/one.out")"
grep -q '"step":"snap".*"ok":true.*"source":"pod/web-1","debug":2' "$WORK/inc-one/journal.jsonl" &&
    head -1 "$WORK/inc-one/snap-snap.txt" | grep -q '^goroutine [0-9]* \[' ||
    fail "pod/web-1 snapshot not taken: $(cat "$WORK/one.out")"
"$LEAKSCOPE" playbook run "$WORK/pb-src.json" --yes --source pod/nope -n "$NS" --kubeconfig "$WORK/kube/config" \
    --incident "$WORK/inc-nope" >"$WORK/nope.out" 2>&1 || fail "pod/nope: exit $?"
grep -q '"step":"snap".*"ok":false' "$WORK/inc-nope/journal.jsonl" && grep -q 'nope' "$WORK/nope.out" ||
    fail "pod/nope: $(cat "$WORK/nope.out")"
[ $fails -eq 0 ] && echo "ok: pod sources by hand"
echo "failures: $fails"
[ "$fails" -eq 0 ]
