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
LS=$ROOT/leakscope
GO=${DEMO_GO:-1.19}
NS=demo
WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-demo.XXXXXX")
PIDS=()
cleanup() {
	local p
	nginx_stop
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# the two pods: checkout-0 leaks 2 goroutines a second per pattern, checkout-1 ten
declare -A PORT RATE=([checkout-0]=0.4 [checkout-1]=2)
for pod in checkout-0 checkout-1; do
	PORT[$pod]=$(fixture_free_port)
	fixture_start "$GO" "${PORT[$pod]}" -rate "${RATE[$pod]}" -initial 20 -pool 4 >/dev/null
	PIDS+=("$FIXTURE_PID")
done

# the API server stand-in: the pod list and the pod proxy, a token required
token=demo-token-$RANDOM$RANDOM
nginx_certs "$WORK/certs"
mkdir -p "$WORK/api" "$WORK/kube" "$WORK/state"
printf '%s\n' "$token" >"$WORK/kube/token"
chmod 600 "$WORK/kube/token"
{
	printf '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":['
	printf '{"metadata":{"name":"checkout-0","namespace":"%s"},"spec":{"containers":[{"name":"app","ports":[{"containerPort":6060}]}]},"status":{"phase":"Running"}},' "$NS"
	printf '{"metadata":{"name":"checkout-1","namespace":"%s"},"spec":{"containers":[{"name":"app","ports":[{"containerPort":6060}]}]},"status":{"phase":"Running"}}' "$NS"
	printf ']}\n'
} >"$WORK/api/podlist.json"
{
	cat <<EOF
if (\$http_authorization != "Bearer $token") {
    return 401 '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';
}
location = /api/v1/namespaces/$NS/pods {
    alias $WORK/api/podlist.json;
}
EOF
	for pod in checkout-0 checkout-1; do
		printf '{"metadata":{"name":"%s","namespace":"%s"},"spec":{"containers":[{"name":"app","ports":[{"containerPort":6060}]}]},"status":{"phase":"Running"}}\n' \
			"$pod" "$NS" >"$WORK/api/pod-$pod.json"
		cat <<EOF
location = /api/v1/namespaces/$NS/pods/$pod {
    alias $WORK/api/pod-$pod.json;
}
location ~ ^/api/v1/namespaces/$NS/pods/$pod:6060/proxy(/.*)\$ {
    proxy_pass http://127.0.0.1:${PORT[$pod]}\$1\$is_args\$args;
}
EOF
	done
} >"$WORK/api/server.conf"
api_port=$(fixture_free_port)
nginx_start "$api_port" "$WORK/api/server.conf"
cat >"$WORK/kube/config" <<EOF
apiVersion: v1
kind: Config
current-context: demo
contexts:
- name: demo
  context: {cluster: stand-in, user: oncall, namespace: $NS}
clusters:
- name: stand-in
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $WORK/certs/ca.crt
users:
- name: oncall
  user: {tokenFile: token}
EOF
export KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= XDG_STATE_HOME=$WORK/state

echo "demo: two pods of a Go service leaking goroutines (checkout-1 five times faster) behind a local"
echo "      API server stand-in at https://127.0.0.1:$api_port, kubeconfig $KUBECONFIG"
if [ -t 0 ] && [ -t 1 ]; then
	echo
	echo "The console opens on the pods view. Try: j/k to pick checkout-1, s (snapshot), wait a few"
	echo "seconds, s again, d (the diff, the fastest-growing stack on top), enter (its stack), ? help, q."
	sleep 3
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
