#!/usr/bin/env bash
# Reaching pprof where it really listens. A Unix socket (`unix:/PATH`), a Go process on this host
# found from /proc (`pid/N`), and a pod whose pprof is bound to 127.0.0.1 inside it, which the pod
# proxy cannot reach: `pod/NAME` falls back to the API server's portforward subresource over a
# WebSocket (tests/lib/pfwd_stub.py speaks v4.channel.k8s.io behind nginx, which gives the TLS and
# demands the token), and `--via` forces either path. Counts are checked against the fixture's own
# /expected answer.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
. "$ROOT/tests/lib/expect.sh"

NS=shop
TOKEN="ls-reach-token-$RANDOM$RANDOM-do-not-print"
fails=0
check="python3 $ROOT/tests/integration/check_top.py"
extra_pids=()

cleanup() {
    local p
    apistub_stop
    fixture_stop
    for p in "${extra_pids[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
trap cleanup EXIT

v=${GO_VERSIONS%% *}

# --- a Unix socket, and the process found by its pid -----------------------------------------
for v in $GO_VERSIONS; do
    echo "== Go $v: unix socket and pid"
    sock=$WORK/pprof-$v.sock
    port=$(fixture_free_port)
    fixture_start "$v" "$port" -paused -initial 3 -pool 4 -unix "$sock"
    fixture_expected "$port" "$WORK/expected-$v.json"
    expect_rc 0 "top unix:$sock" "$LEAKSCOPE" top --json "unix:$sock" && cp "$WORK/out" "$WORK/unix1.json"
    expect_rc 0 "top unix:SOCK:/debug/pprof --debug 2" "$LEAKSCOPE" top --json --debug 2 "unix:$sock:/debug/pprof" &&
        cp "$WORK/out" "$WORK/unix2.json"
    expect_rc 0 "top unix:SOCK:/debug/pprof/goroutine?debug=0" "$LEAKSCOPE" top --json \
        "unix:$sock:/debug/pprof/goroutine?debug=0" && cp "$WORK/out" "$WORK/unix0.json"
    $check "$WORK/expected-$v.json" "unix1=$WORK/unix1.json" "unix2=$WORK/unix2.json" "unix0=$WORK/unix0.json" ||
        fail "unix socket counts differ from the fixture's"
    grep -q '"source":"unix:' "$WORK/unix1.json" || fail "the source is not named unix:...: $(head -c 200 "$WORK/unix1.json")"

    expect_rc 0 "top pid/$FIXTURE_PID" "$LEAKSCOPE" top --json "pid/$FIXTURE_PID" && cp "$WORK/out" "$WORK/pid.json"
    $check "$WORK/expected-$v.json" "pid=$WORK/pid.json" || fail "pid/N counts differ from the fixture's"
    grep -q "\"source\":\"pid/$FIXTURE_PID (leaky" "$WORK/pid.json" || fail "pid source not named: $(head -c 200 "$WORK/pid.json")"
    fixture_stop
done

echo "== what pid/N says when it cannot"
expect_rc 2 "pid/N of a shell" "$LEAKSCOPE" top "pid/$$" && one_line_err "not Go" "is not a Go program"
expect_rc 2 "pid/N gone" "$LEAKSCOPE" top "pid/999999999" && one_line_err "no process" "no such process"
expect_rc 2 "pid/x" "$LEAKSCOPE" top "pid/x" && one_line_err "not a pid" "give a process id"
port=$(fixture_free_port)
fixture_start "$v" "$port" -paused -no-pprof
expect_rc 2 "pid/N without pprof" "$LEAKSCOPE" top "pid/$FIXTURE_PID" &&
    one_line_err "no pprof" "no /debug/pprof/ on .*127.0.0.1:$port" && one_line_err "no SIGQUIT" "never SIGQUIT"
fixture_stop
expect_rc 2 "unix: relative" "$LEAKSCOPE" top "unix:pprof.sock" && one_line_err "relative socket" "absolute path"
expect_rc 2 "unix: nothing there" "$LEAKSCOPE" top "unix:$WORK/none.sock" &&
    one_line_err "no socket" "none.sock: No such file or directory"

# --- port-forward --------------------------------------------------------------------------------
echo "== Go $v: port-forward through the API-server stand-in"
apistub_init "$TOKEN" || exit 1
printf 'wrong-token\n' >"$WORK/kube/bad-token"
apistub_pod web-0 "$v" -paused -initial 2 -pool 3 || exit 1
apistub_pod local-0 "$v" -paused -initial 4 -pool 3 || exit 1
fixture_expected "$PORT_local_0" "$WORK/expected-local.json"
apistub_local local-0
apistub_pfwd_start "$NS" || exit 1
apistub_conf "$NS"
apistub_serve || exit 1
apistub_kubeconfig "$WORK/kube/config" stand-in "$NS"
export KUBECONFIG=$WORK/kube/config
export PATH=/nonexistent-kubectl-free:/usr/bin:/bin # read the kubeconfig ourselves, as without kubectl

expect_rc 0 "pod behind a loopback-only pprof: proxy, then port-forward" "$LEAKSCOPE" top --json pod/local-0 &&
    cp "$WORK/out" "$WORK/pf-auto.json"
grep -q "port-forward" "$WORK/err" || fail "no note that port-forward was used: $(cat "$WORK/err")"
expect_rc 0 "--via port-forward" "$LEAKSCOPE" top --json --via port-forward pod/local-0 && cp "$WORK/out" "$WORK/pf.json"
expect_rc 0 "--via port-forward --debug 2" "$LEAKSCOPE" top --json --via port-forward --debug 2 pod/local-0 &&
    cp "$WORK/out" "$WORK/pf2.json"
expect_rc 0 "--via port-forward --debug 0" "$LEAKSCOPE" top --json --via port-forward --debug 0 pod/local-0 &&
    cp "$WORK/out" "$WORK/pf0.json"
$check "$WORK/expected-local.json" "auto=$WORK/pf-auto.json" "pf=$WORK/pf.json" "pf2=$WORK/pf2.json" "pf0=$WORK/pf0.json" ||
    fail "port-forward counts differ from the fixture's"
expect_rc 0 "a pod the proxy reaches, through port-forward" "$LEAKSCOPE" top --json --via port-forward pod/web-0
expect_rc 2 "--via proxy does not fall back" "$LEAKSCOPE" top --via proxy pod/local-0 &&
    one_line_err "proxy only" "connection refused"
expect_rc 2 "port-forward with a wrong token" "$LEAKSCOPE" top --via port-forward --token-file "$WORK/kube/bad-token" pod/local-0 &&
    one_line_err "wrong token" "Unauthorized (401)"
expect_rc 2 "port-forward with a wrong token, the port given" "$LEAKSCOPE" top --via port-forward \
    --token-file "$WORK/kube/bad-token" pod/local-0:6060 && one_line_err "refused upgrade" "port-forward refused (401)"
expect_rc 2 "port-forward to a port nothing listens on" "$LEAKSCOPE" top --via port-forward --port 7070 pod/local-0
expect_rc 2 "--via nonsense" "$LEAKSCOPE" top --via tunnel pod/local-0 && one_line_err "bad --via" "--via takes"
expect_rc 0 "snapshot through port-forward" "$LEAKSCOPE" snapshot --via port-forward -o "$WORK/snap.txt" pod/local-0
grep -q '^goroutine profile: total' "$WORK/snap.txt" || fail "the snapshot is not a debug=1 profile"

# pods fan-out: every pod through port-forward, concurrently
expect_rc 0 "pods --via port-forward" "$LEAKSCOPE" pods --json --via port-forward
python3 - "$WORK/out" "$WORK/expected-local.json" <<'PY' || fail "pods --via port-forward"
import json, sys
pods = {p["name"]: p for p in json.load(open(sys.argv[1]))["pods"]}
assert set(pods) == {"web-0", "local-0"}, pods
for name, p in pods.items():
    assert p["error"] is None and p["goroutines"], (name, p)
print("ok: pods --via port-forward answered for", ", ".join(sorted(pods)))
PY

# pods without --via: the loopback-only pod is asked again through port-forward, with a note
expect_rc 0 "pods (auto)" "$LEAKSCOPE" pods --json
python3 - "$WORK/out" <<'PY' || fail "pods (auto)"
import json, sys
pods = {p["name"]: p for p in json.load(open(sys.argv[1]))["pods"]}
assert pods["local-0"]["error"] is None and pods["local-0"]["goroutines"], pods
print("ok: pods reads local-0 through port-forward when its proxy cannot connect")
PY
grep -q "local-0 answered through port-forward" "$WORK/err" || fail "pods (auto): no note: $(cat "$WORK/err")"
expect_rc 0 "pods --via proxy" "$LEAKSCOPE" pods --json --via proxy
grep -q '"name":"local-0"[^}]*"goroutines":null' "$WORK/out" || fail "pods --via proxy fell back: $(cat "$WORK/out")"

# the console's pods view: the loopback-only pod answers through port-forward, without a key
printf ':wait\n:wait\n:dump\n' >"$WORK/console.script"
mkdir -p "$WORK/home"
(cd "$WORK" && env -i PATH="$PATH" HOME="$WORK/home" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
    KUBECONFIG="$WORK/kube/config" LEAKSCOPE_KUBECTL= XDG_STATE_HOME="$WORK/state" \
    LEAKSCOPE_TUI_SIZE=120x30 LEAKSCOPE_TUI_SCRIPT="$WORK/console.script" LEAKSCOPE_TUI_DUMP="$WORK/console.screen" \
    "$LEAKSCOPE" tui --every 0) >"$WORK/console.out" 2>&1 || fail "console: exit $?: $(cat "$WORK/console.out")"
cat "$WORK/console.screen"
# the row's count is the pod's goroutine total (the fixture holds its leaks: tens of goroutines)
n=$(awk '$1 == "local-0" || $2 == "local-0" { for (i = 1; i < NF; i++) if ($i == "Running") { print $(i + 1); exit } }' "$WORK/console.screen")
if [ "${n:-0}" -ge 10 ] 2>/dev/null && grep -q "local-0: port-forward: the pod proxy could not connect" "$WORK/console.screen"; then
    echo "ok: the console's pods view reads local-0 ($n goroutines) through port-forward and says so"
else
    fail "console: local-0 has no count: $(grep local-0 "$WORK/console.screen")"
fi

# the token went to the API server only: never to the pod, never printed
if grep -q "$TOKEN" "$WORK/printed"; then fail "the token was printed"; else echo "ok: the token was never printed"; fi
if [ "$(ls /tmp | grep -c '^leakscope-pf\.')" != 0 ]; then
    fail "port-forward sockets left behind: $(ls -d /tmp/leakscope-pf.* | head -3)"
else
    echo "ok: no port-forward socket left behind"
fi

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all reach checks passed"
