#!/usr/bin/env bash
# make demo: two "pods" of a Go service, both leaking goroutines, one five times faster, behind a
# local stand-in for the Kubernetes API server (nginx over HTTPS with its own CA, a bearer token
# in a file, the pod proxy routed to the two fixture processes), and a throwaway kubeconfig that
# points at it. On a terminal the console opens on the pods view: s snapshots the selected pod,
# s again a little later, d shows what grew. Without a terminal (CI, `make demo </dev/null`) it
# prints what the console would show, with the scripted commands: pods, top and diff.
# Everything it starts is stopped by PID on exit; its files live in one temporary directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
LS=$ROOT/leakscope
GO=${DEMO_GO:-1.19}
NS=demo
WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-demo.XXXXXX")
cleanup() {
	apistub_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# the two pods: checkout-0 leaks 2 goroutines a second per pattern, checkout-1 ten
declare -A RATE=([checkout-0]=0.4 [checkout-1]=2)
for pod in checkout-0 checkout-1; do
	apistub_pod "$pod" "$GO" -rate "${RATE[$pod]}" -initial 20 -pool 4 >/dev/null
done

# the API server stand-in: the pod list and the pod proxy, a token required
apistub_init "demo-token-$RANDOM$RANDOM"
mkdir -p "$WORK/state"
apistub_conf "$NS"
apistub_serve
api_port=$APISTUB_API_PORT
apistub_kubeconfig "$WORK/kube/config" demo "$NS"
export KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= XDG_STATE_HOME=$WORK/state

echo "demo: two pods of a Go service leaking goroutines (checkout-1 five times faster) behind a local"
echo "      API server stand-in at https://127.0.0.1:$api_port, kubeconfig $KUBECONFIG"
if [ -t 0 ] && [ -t 1 ]; then
	# the keys to try are shown inside the console, on its status line
	LEAKSCOPE_TUI_HINT="demo: j/k to checkout-1, s, wait, s, d (diff), enter (stack)" \
		"$LS" tui --every 2 || true
	exit 0
fi

# no terminal: what the console would show, with the scripted commands
echo
echo "\$ leakscope pods"
"$LS" pods
"$LS" snapshot pod/checkout-1 -o "$WORK/before.txt" --debug 2 >/dev/null
t0=$(date +%s.%N)
sleep 5
echo
echo "\$ leakscope top --limit 6 pod/checkout-1"
"$LS" top --limit 6 pod/checkout-1
"$LS" snapshot pod/checkout-1 -o "$WORK/after.txt" --debug 2 >/dev/null
t1=$(date +%s.%N)
echo
echo "\$ leakscope diff --limit 6 --before-time $t0 --after-time $t1 before.txt after.txt   # pod/checkout-1, 5 s apart"
"$LS" diff --limit 6 --before-time "$t0" --after-time "$t1" "$WORK/before.txt" "$WORK/after.txt"
echo
echo "demo: on a terminal, 'make demo' opens the console on these two pods instead"
