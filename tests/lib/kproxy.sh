# shellcheck shell=bash
# tests/lib/kproxy.sh - a stand-in for `kubectl proxy` (tests/lib/kproxy.py) for integration
# tests that reach a Go fixture through --kube-proxy. Source it from bash after
# tests/lib/fixture.sh (it uses fixture_free_port):
#
#     . tests/lib/fixture.sh
#     . tests/lib/kproxy.sh
#
# kube_proxy_start
#     Starts the stand-in on a free port in the background and waits (10 s at most) until it
#     answers; sets KPROXY_PORT and KPROXY_PID. Plain HTTP on 127.0.0.1, no credentials:
#     /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH is fetched from 127.0.0.1:PORT/PATH.
#
# kube_proxy_stop
#     Kills the stand-in (by KPROXY_PID) and waits for it. Safe to call when it was never
#     started; meant for the test's EXIT trap.

KPROXY_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KPROXY_PID=
KPROXY_PORT=

kube_proxy_start() {
	KPROXY_PORT=$(fixture_free_port)
	python3 "$KPROXY_LIB/kproxy.py" "$KPROXY_PORT" &
	KPROXY_PID=$!
	local deadline=$((SECONDS + 10))
	until curl -s -o /dev/null "http://127.0.0.1:$KPROXY_PORT/"; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "the kubectl proxy stand-in did not start"; return 1; }
		sleep 0.1
	done
}

kube_proxy_stop() {
	if [ -n "$KPROXY_PID" ]; then
		kill "$KPROXY_PID" 2>/dev/null
		wait "$KPROXY_PID" 2>/dev/null || true
	fi
}
