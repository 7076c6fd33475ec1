#!/usr/bin/env bash
# runs: beside
# t_respond.sh: `leakscope respond` takes the page from a real Alertmanager and has the report
# ready. Debian's prometheus scrapes the leaky fixture every second and evaluates
# `deriv(go_goroutines[30s]) > 1 for 10s`; Debian's prometheus-alertmanager (gossip off, group_wait
# 1s, re-sent every few seconds) posts its webhook with a bearer token from credentials_file to
# respond, which runs the goroutine-leak playbook unattended (source http://{{instance}}).
# Asserted:
#   - without the token, or with a wrong one, every route answers 401;
#   - the report names the alert, its instance, the fastest-growing stack with the file:line of
#     the fixture's leaking send (found in its source here, not by leakscope) and its pattern,
#     the slope of the alert's series, and the time from startsAt to the report;
#   - Alertmanager's re-notifications open no second incident; the resolved notification (the
#     leak stopped) is journalled in the incident and shown in its report;
#   - GET /incidents lists it, GET /incidents/ID serves the Markdown and an HTML page;
#   - a body over 1 MiB gets 413; SIGTERM exits 0; no token in any log or file.
# Then through the API-server stand-in (nginx, tests/lib/apistub.sh) with the default source
# pod/{{pod}} in namespace {{namespace}}: a webhook posted by hand; the snapshots go through the
# pod proxy, --notify posts the summary to a webhook stand-in, /pods/NS/NAME/goroutine serves the profile, and a SIGTERM during the wait journals
# the run in flight (the incident stays open) and exits 0.
# Also: deploy/'s Alertmanager receiver passes amtool check-config, its PrometheusRule promtool.
# Needs: prometheus, prometheus-alertmanager, nginx, openssl, curl, python3 (with yaml).
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
. "$ROOT/tests/lib/alerting.sh"

cp "$LEAKSCOPE" "$WORK/leakscope"
LEAKSCOPE=$WORK/leakscope
go_version=${GO_VERSIONS%% *}
AUTH="respond-test-$RANDOM$RANDOM-secret"
KTOKEN="ls-test-token-$RANDOM$RANDOM-do-not-print"
RSP_PID= BG= HOOK_PID=
fails=0

cleanup() {
	local p
	for p in $BG $RSP_PID $HOOK_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	alerting_stop
	fixture_stop
	apistub_stop
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

wait_ready() { # URL PID WHAT LOG
	local i
	for i in $(seq 1 100); do
		curl -s -o /dev/null "$1" && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.2
	done
	tail -5 "$4"
	echo "FAIL: $3 did not start"
	exit 1
}

export XDG_STATE_HOME=$WORK/state HOME=$WORK/home LEAKSCOPE_KNOWN_DB=$WORK/known.db LEAKSCOPE_KUBECTL=
export LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
unset LEAKSCOPE_TOKEN KUBECONFIG
mkdir -p "$HOME"
printf '%s\n' "$AUTH" >"$WORK/auth-token"
chmod 600 "$WORK/auth-token"

# deploy/: the Alertmanager receiver and the PrometheusRule's rules are what the tools accept
amtool check-config "$ROOT/deploy/alertmanager-receiver.yaml" >"$WORK/amtool.out" 2>&1 ||
	fail "deploy/alertmanager-receiver.yaml: $(tail -3 "$WORK/amtool.out")"
python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"))' \
	"$ROOT/deploy/prometheusrule.yaml" "$WORK/rule.json" && promtool check rules "$WORK/rule.json" >"$WORK/promtool.out" 2>&1 ||
	fail "deploy/prometheusrule.yaml: $(tail -3 "$WORK/promtool.out")"

# The line of the leaking send, from the fixture's source.
LINE=$(grep -n 'ch <- v // leaks: the handler has returned' "$ROOT/tests/fixtures/leaky/main.go" | cut -d: -f1)
[ -n "$LINE" ] || { echo "FAIL: the fixture's chansend line is not found"; exit 1; }

fport=$(fixture_free_port)
fixture_start "$go_version" "$fport" -paused -pool 4 || exit 1
fixture_expected "$fport" "$WORK/expected.json"
pport=$(fixture_free_port)
rport=$(fixture_free_port)
while [ "$rport" = "$pport" ]; do rport=$(fixture_free_port); done
# --max-target-cpu 50%: the waits are the ones asked; a slow build (the sanitizers') would otherwise
# stretch them past the test's patience, as a costly target should.
"$LEAKSCOPE" respond --listen "127.0.0.1:$rport" --incidents "$WORK/incidents" --source 'http://{{instance}}' \
	--prometheus "http://127.0.0.1:$pport" --auth-token-file "$WORK/auth-token" --wait 4 --max-target-cpu 50% \
	>"$WORK/respond.out" 2>"$WORK/respond.err" &
RSP_PID=$!
wait_ready "http://127.0.0.1:$rport/healthz" "$RSP_PID" respond "$WORK/respond.err"
alerting_start "$fport" "$pport" "http://127.0.0.1:$rport/alertmanager" "$WORK/auth-token" ||
	{ echo "FAIL: prometheus or alertmanager did not start"; exit 1; }

# The token check, before anything is posted.
R=http://127.0.0.1:$rport
for path in /healthz /incidents /alertmanager; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$R$path")
	[ "$code" = 401 ] || fail "$path without the token: HTTP $code, not 401"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' -X POST -d '{}' "$R$path")
	[ "$code" = 401 ] || fail "$path with a wrong token: HTTP $code, not 401"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AUTH" "$R/healthz")
[ "$code" = 200 ] || fail "/healthz with the token: HTTP $code"

# A few flat scrapes, then the leak: chansend fastest, every pattern a little, until the report.
sleep 3
leak() {
	local i
	for i in $(seq 1 240); do
		fixture_control "$fport" 'control/leak?pattern=chansend&n=4' >/dev/null || return 0
		fixture_control "$fport" 'control/leak?pattern=all&n=1' >/dev/null || return 0
		sleep 0.5
	done
}
leak &
BG=$!
report=
for _ in $(seq 1 240); do
	report=$(ls "$WORK"/incidents/*/report.md 2>/dev/null | head -1)
	[ -n "$report" ] && break
	sleep 0.5
done
kill "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
BG=
[ -n "$report" ] || { cat "$WORK/respond.err"; echo "FAIL: no report within 120 s"; exit 1; }
inc=$(dirname "$report")
id=$(basename "$inc")
echo "report: $id"

# Re-notifications (repeat_interval 4s) and the resolution (the leak has stopped): wait for both.
for _ in $(seq 1 180); do
	grep -q "re-notification of incident $id" "$WORK/respond.err" &&
		grep -q '"ev":"alert".*"status":"resolved"' "$inc/journal.jsonl" && break
	sleep 0.5
done
grep -q "re-notification of incident $id" "$WORK/respond.err" || fail "Alertmanager sent no re-notification"
n=$(ls -d "$WORK"/incidents/*/ | wc -l)
[ "$n" = 1 ] || fail "$n incidents for one alert: $(ls "$WORK/incidents")"
grep -q '"ev":"alert".*"status":"resolved"' "$inc/journal.jsonl" || fail "the resolved notification is not journalled"

python3 - "$inc" "$WORK/expected.json" "$LINE" "127.0.0.1:$fport" <<'PY' || fail "report checks"
import json, re, sys
d, exp, line, inst = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
rep = json.load(open(d + "/report.json"))
md = open(d + "/report.md").read()
a = rep["alert"]
assert a["alertname"] == "GoroutineLeak" and a["labels"]["instance"] == inst, a
assert a["target"] == "http://" + inst and a["status"] == "firing", a
assert [n["status"] for n in a["notifications"]][0] == "firing" and "resolved" in [n["status"] for n in a["notifications"]], a
secs = a["alert_to_report_seconds"]
assert isinstance(secs, (int, float)) and 0 < secs < 120, secs
func = exp["patterns"]["chansend"]["func"]
top = rep["groups"][0]
assert top["func"] == func and top["pattern"] == "chan-send-no-receiver" and top["delta"] > 0, top
assert top["line"] == int(line), (top["line"], line)
assert "### 1. `%s (leaky/main.go:%s)`" % (func, line) in md, md[:3000]
assert "chan-send-no-receiver" in md
sec = md.split("## Alert", 1)[1].split("\n## ", 1)[0]
assert "`GoroutineLeak`" in sec and "instance: `%s`" % inst in sec and "- resolved:" in sec, sec
assert re.search(r"alert to report: \*\*\d+ s\*\*", sec), sec
assert rep["slope"] and rep["slope"]["per_minute"] > 60, rep["slope"]
assert 'instance="%s"' % inst in rep["slope"]["series"] or inst in json.dumps(rep["slope"]), rep["slope"]
ev = [json.loads(l) for l in open(d + "/journal.jsonl")]
assert [e for e in ev if e["ev"] == "close"], "not closed"
snaps = [e for e in ev if e["ev"] == "result" and e.get("action") == "snapshot"]
assert len(snaps) == 2 and all(s["ok"] for s in snaps) and snaps[1]["data"]["format"] != snaps[0]["data"]["format"], snaps
print("ok: report names %s (main.go:%s), chan-send-no-receiver, instance %s; alert to report %.0f s; slope %+.0f/min"
      % (func, line, inst, secs, rep["slope"]["per_minute"]))
PY

H="Authorization: Bearer $AUTH"
curl -s -H "$H" "$R/incidents" | python3 -c '
import json, sys
l = json.load(sys.stdin)
assert len(l) == 1 and l[0]["id"] == sys.argv[1] and l[0]["report"] and l[0]["state"] == "done", l
' "$id" || fail "GET /incidents"
curl -s -D "$WORK/h.md" -H "$H" "$R/incidents/$id" | cmp -s - "$inc/report.md" || fail "GET /incidents/ID is not report.md"
grep -qi '^content-type: text/markdown' "$WORK/h.md" || fail "report content type: $(cat "$WORK/h.md")"
curl -s -H "$H" -H 'Accept: text/html' "$R/incidents/$id" | grep -q '^<!doctype html>' || fail "no HTML page"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "$R/incidents/..%2Fauth-token")
[ "$code" = 404 ] || fail "a path out of the incidents: HTTP $code"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$WORK/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" -H 'Content-Type: application/json' --data-binary @"$WORK/big" "$R/alertmanager")
[ "$code" = 413 ] || fail "a 1.1 MB body: HTTP $code, not 413"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" -d 'not json' "$R/alertmanager")
[ "$code" = 400 ] || fail "a malformed payload: HTTP $code, not 400"

kill -TERM "$RSP_PID"
wait "$RSP_PID"
rc=$?
RSP_PID=
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
grep -q 'SIGTERM: stopping' "$WORK/respond.err" || fail "no stop line: $(tail -3 "$WORK/respond.err")"
alerting_stop
fixture_stop
[ $fails -eq 0 ] && echo "ok: Prometheus -> Alertmanager -> respond: 401, one incident, resolved journalled, SIGTERM exit 0"

# ---- pods through the API-server stand-in, the default source pod/{{pod}} ----
NS=shop
apistub_init "$KTOKEN" || exit 1
apistub_pod web-0 "$go_version" -paused -pool 4 || exit 1
apistub_conf "$NS"
apistub_serve || exit 1
apistub_kubeconfig "$WORK/kube/config" test elsewhere
p0=${APISTUB_PORT[web-0]}
rport=$(fixture_free_port)
R=http://127.0.0.1:$rport
hport=$(fixture_free_port)
python3 "$ROOT/tests/lib/hook_stub.py" "$hport" "$WORK/hook.jsonl" &
HOOK_PID=$!
"$LEAKSCOPE" respond --listen "$rport" --incidents "$WORK/pods" --kubeconfig "$WORK/kube/config" \
	--auth-token-file "$WORK/auth-token" --wait 3 --max-target-cpu 50% --notify "http://127.0.0.1:$hport/services/T0/B0/hooksecret" \
	>"$WORK/pods.out" 2>"$WORK/pods.err" &
RSP_PID=$!
wait_ready "$R/healthz" "$RSP_PID" respond "$WORK/pods.err"
payload() { # STATUS FINGERPRINT STARTSAT
	printf '{"version":"4","status":"%s","receiver":"leakscope","groupKey":"{}:{alertname=\\"GoroutineLeak\\"}",' "$1"
	printf '"alerts":[{"status":"%s","labels":{"alertname":"GoroutineLeak","pod":"web-0","namespace":"%s",' "$1" "$NS"
	printf '"instance":"10.0.0.1:6060"},"annotations":{},"startsAt":"%s","endsAt":"0001-01-01T00:00:00Z",' "$3"
	printf '"fingerprint":"%s"}]}' "$2"
}
fixture_control "$p0" 'control/leak?pattern=chansend&n=8' >/dev/null
(for _ in $(seq 1 40); do
	fixture_control "$p0" 'control/leak?pattern=chansend&n=4' >/dev/null || exit 0
	sleep 0.25
done) &
BG=$!
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
code=$(payload firing 00000000000000a1 "$now" | curl -s -o /dev/null -w '%{http_code}' -H "$H" --data-binary @- "$R/alertmanager")
[ "$code" = 200 ] || fail "pods: webhook HTTP $code"
report=
for _ in $(seq 1 120); do
	report=$(ls "$WORK"/pods/*/report.md 2>/dev/null | head -1)
	[ -n "$report" ] && break
	sleep 0.5
done
kill "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
BG=
if [ -z "$report" ]; then
	fail "pods: no report: $(tail -5 "$WORK/pods.err")"
else
	python3 - "$(dirname "$report")" "$LINE" "$NS" <<'PY' || fail "pods: report checks"
import json, sys
d, line, ns = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ev = [json.loads(l) for l in open(d + "/journal.jsonl")]
snaps = [e for e in ev if e["ev"] == "result" and e.get("action") == "snapshot"]
assert len(snaps) == 2 and all(s["ok"] and s["data"]["source"] == "pod/web-0" for s in snaps), snaps
rep = json.load(open(d + "/report.json"))
top = rep["groups"][0]
assert top["pattern"] == "chan-send-no-receiver" and top["line"] == line, top
a = rep["alert"]
assert a["labels"]["pod"] == "web-0" and a["labels"]["namespace"] == ns and a["target"] == "pod/web-0", a
assert a["profile"].endswith("/pods/%s/web-0/goroutine?debug=2" % ns), a
md = open(d + "/report.md").read()
assert "pod: `web-0`" in md and "namespace: `%s`" % ns in md, md[:1500]
print("ok: pods: the snapshots went through the pod proxy; report names main.go:%d, chan-send-no-receiver, pod web-0" % line)
PY
fi
for _ in $(seq 1 20); do
	[ -s "$WORK/hook.jsonl" ] && break
	sleep 0.25
done
python3 - "$WORK/hook.jsonl" "$LINE" "$rport" <<'PY' || fail "--notify: $(cat "$WORK/hook.jsonl" 2>/dev/null)"
import json, re, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
assert len(posts) == 1, posts
p = posts[0]
assert p["path"] == "/services/T0/B0/hooksecret" and p["type"] == "application/json" and p["auth"] is None, p
text = json.loads(p["body"])["text"]
assert "GoroutineLeak on pod/web-0" in text and "chan-send-no-receiver" in text, text
assert re.search(r"main\.leakChanSend\.func1 \(\S*main\.go:%s\)" % sys.argv[2], text), text
assert re.search(r"report: http://127\.0\.0\.1:%s/incidents/\d{8}T\d{6}Z-00000000000000a1$" % sys.argv[3], text), text
print("ok: --notify posted %r" % text)
PY
grep -q hooksecret "$WORK/pods.err" && fail "the webhook's secret path is in the log"
curl -s -H "$H" "$R/pods/$NS/web-0/goroutine?debug=1" | head -1 | grep -q '^goroutine profile: total [0-9]' ||
	fail "GET /pods/$NS/web-0/goroutine: $(curl -s -H "$H" "$R/pods/$NS/web-0/goroutine?debug=1" | head -2)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$H" "$R/pods/$NS/web-9/goroutine")
[ "$code" = 502 ] || fail "a missing pod's profile: HTTP $code, not 502"
# a run in flight at SIGTERM: it stops at its wait, journals it, and the incident stays open
kill -TERM "$RSP_PID"
wait "$RSP_PID"
RSP_PID=
"$LEAKSCOPE" respond --listen "$rport" --incidents "$WORK/pods" --kubeconfig "$WORK/kube/config" \
	--auth-token-file "$WORK/auth-token" --wait 60 >>"$WORK/pods.out" 2>>"$WORK/pods.err" &
RSP_PID=$!
wait_ready "$R/healthz" "$RSP_PID" respond "$WORK/pods.err"
payload firing 00000000000000b2 "$now" | curl -s -o /dev/null -H "$H" --data-binary @- "$R/alertmanager"
for _ in $(seq 1 40); do
	grep -q '"step":"wait"' "$WORK"/pods/*-00000000000000b2/journal.jsonl 2>/dev/null && break
	sleep 0.25
done
kill -TERM "$RSP_PID"
wait "$RSP_PID"
rc=$?
RSP_PID=
[ $rc -eq 0 ] || fail "SIGTERM with a run in flight: exit $rc"
j=$(ls "$WORK"/pods/*-00000000000000b2/journal.jsonl)
grep -q 'stopped before the run ended' "$j" && ! grep -q '"ev":"close"' "$j" ||
	fail "the run in flight is not journalled as stopped: $(tail -3 "$j")"

if grep -rqF -e "$AUTH" -e "$KTOKEN" "$WORK/incidents" "$WORK/pods" "$WORK/respond.out" "$WORK/respond.err" \
	"$WORK/pods.out" "$WORK/pods.err"; then
	fail "a token leaked into an incident or a log"
fi
echo "failures: $fails"
[ "$fails" -eq 0 ]
