# shellcheck shell=bash
# tests/lib/apistub.sh - a stand-in for the Kubernetes API server for integration tests and the
# demo: nginx over HTTPS on 127.0.0.1 (tests/lib/nginx.sh) with its own CA, a bearer token in a
# file, the pod list, the pod objects and the pod proxy routed to Go fixture processes
# (tests/lib/fixture.sh), one per pod. Source it from bash; everything lives in $WORK:
#
#     . tests/lib/fixture.sh
#     . tests/lib/nginx.sh
#     . tests/lib/apistub.sh
#
# apistub_init TOKEN
#     Makes the certificates in $WORK/certs (nginx_certs), $WORK/api and $WORK/kube, and the token
#     file $WORK/kube/token (mode 0600) holding TOKEN.
#
# apistub_pod POD VERSION [ARGS...]
#     Starts a fixture for POD on a free port (fixture_start VERSION PORT ARGS) and records it:
#     POD appended to APISTUB_PODS (in order), its port in APISTUB_PORT[POD] and in PORT_POD
#     (dashes as underscores: PORT_web_3), its PID in APISTUB_PIDS.
#
# apistub_replicas VERSION OUTLIER PODS [ARGS...]
#     Stops the recorded pods, then starts one paused fixture per pod in PODS (a space-separated
#     list) with apistub_pod: OUTLIER with 60 initial leaks, the others with 3, all with ARGS.
#
# apistub_conf [-c] [-l] NS [EXTRA_CONF]
#     Writes the server for the recorded pods in namespace NS: $WORK/api/podlist.json, one
#     $WORK/api/pod-POD.json each, $WORK/api/http.conf and $WORK/api/server.conf. Without the
#     token every request is a 401 Status; /api/v1/namespaces/NS/pods is the PodList,
#     .../pods/POD the pod object, .../pods/POD:6060/proxy/PATH is proxied to the fixture.
#     EXTRA_CONF, a file of further locations, is included last (after the pods' own).
#       -c  a client certificate signed by the CA is accepted in place of the token
#       -l  the pods carry the label app=web, a port named pprof and a pod IP (10.0.0.N, N the
#           pod's place in the list from 0)
#
# apistub_local POD
#     Marks a recorded POD as serving pprof on its loopback only: its pod proxy answers 503 with
#     the Status the real API server gives when the pod's port refuses the connection.
#
# apistub_pfwd_start NS
#     Starts the port-forward stand-in (tests/lib/pfwd_stub.py) on a free port for the recorded
#     pods in NS, each forwarded "inside the pod" to its fixture; apistub_conf then routes
#     .../pods/POD/portforward to it (WebSocket upgrade through nginx). Sets APISTUB_PFWD_PORT and
#     APISTUB_PFWD_PID. Call it after the pods are recorded and before apistub_conf.
#
# apistub_serve [SERVER_CONF [HTTP_CONF]]
#     (Re)starts nginx with SERVER_CONF and HTTP_CONF (default: apistub_conf's two files) on
#     APISTUB_API_PORT, a free port chosen on the first call and kept after.
#
# apistub_kubeconfig FILE CONTEXT NS [CA_LINE]
#     Writes a kubeconfig to FILE: one context CONTEXT (cluster stand-in, user oncall, namespace
#     NS) and the user's token from tokenFile: token (relative to FILE's directory). CA_LINE
#     (default certificate-authority: $WORK/certs/ca.crt) is the cluster's CA entry.
#
# apistub_pods_stop
#     Kills the recorded fixtures (by PID), waits for them and forgets them.
#
# apistub_stop
#     nginx_stop and apistub_pods_stop; safe to call twice, meant for the EXIT trap.

APISTUB_PODS=
APISTUB_LOCAL_PODS=
APISTUB_PFWD_PORT=
APISTUB_PFWD_PID=
APISTUB_PIDS=()
APISTUB_API_PORT=
declare -gA APISTUB_PORT=()
APISTUB_STATUS_401='{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'

apistub_init() {
    APISTUB_TOKEN=$1
    nginx_certs "$WORK/certs" || return 1
    mkdir -p "$WORK/api" "$WORK/kube" || return 1
    printf '%s\n' "$APISTUB_TOKEN" >"$WORK/kube/token"
    chmod 600 "$WORK/kube/token"
}

apistub_pod() {
    local pod=$1 version=$2 port
    shift 2
    port=$(fixture_free_port) || return 1
    fixture_start "$version" "$port" "$@" || return 1
    APISTUB_PIDS+=("$FIXTURE_PID")
    APISTUB_PORT[$pod]=$port
    APISTUB_PODS="${APISTUB_PODS:+$APISTUB_PODS }$pod"
    printf -v "PORT_${pod//-/_}" '%s' "$port"
}

apistub_replicas() {
    local version=$1 outlier=$2 pods=$3 pod
    shift 3
    apistub_pods_stop
    for pod in $pods; do
        if [ "$pod" = "$outlier" ]; then
            apistub_pod "$pod" "$version" -paused -initial 60 "$@" || return 1
        else
            apistub_pod "$pod" "$version" -paused -initial 3 "$@" || return 1
        fi
    done
}

apistub_local() {
    APISTUB_LOCAL_PODS="$APISTUB_LOCAL_PODS $1 "
}

apistub_pfwd_start() {
    local ns=$1 pod maps=() i
    for pod in $APISTUB_PODS; do maps+=("$pod=${APISTUB_PORT[$pod]}"); done
    APISTUB_PFWD_PORT=$(fixture_free_port) || return 1
    python3 "$ROOT/tests/lib/pfwd_stub.py" "$APISTUB_PFWD_PORT" "$ns" "${maps[@]}" 2>"$WORK/pfwd_stub.log" &
    APISTUB_PFWD_PID=$!
    for i in $(seq 50); do
        grep -q listening "$WORK/pfwd_stub.log" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "apistub_pfwd_start: the stand-in did not start" >&2
    return 1
}

apistub_conf() {
    local OPTIND opt certs=0 labels=0 ns extra pod i=0 first=1 meta ports ip
    while getopts cl opt; do
        case $opt in
            c) certs=1 ;;
            l) labels=1 ;;
            *) return 1 ;;
        esac
    done
    shift $((OPTIND - 1))
    ns=$1 extra=${2:-}
    {
        printf '{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":['
        for pod in $APISTUB_PODS; do
            [ $first = 1 ] || printf ','
            first=0
            meta= ports='{"containerPort":6060}' ip=
            if [ $labels = 1 ]; then
                meta=',"labels":{"app":"web"}'
                ports='{"name":"pprof","containerPort":6060,"protocol":"TCP"}'
                ip=",\"podIP\":\"10.0.0.$i\""
            fi
            printf '{"metadata":{"name":"%s","namespace":"%s"%s},' "$pod" "$ns" "$meta"
            printf '"spec":{"containers":[{"name":"app","ports":[%s]}]},' "$ports"
            printf '"status":{"phase":"Running"%s}}' "$ip"
            i=$((i + 1))
        done
        printf ']}\n'
    } >"$WORK/api/podlist.json"
    {
        if [ $certs = 1 ]; then
            echo 'map_hash_bucket_size 256;'
            echo 'map "$http_authorization:$ssl_client_verify" $auth_ok {'
            echo '    default 0;'
            echo "    \"Bearer $APISTUB_TOKEN:NONE\" 1;"
            echo "    \"Bearer $APISTUB_TOKEN:SUCCESS\" 1;"
            echo '    ":SUCCESS" 1;'
        else
            echo 'map $http_authorization $auth_ok {'
            echo '    default 0;'
            echo "    \"Bearer $APISTUB_TOKEN\" 1;"
        fi
        echo '}'
    } >"$WORK/api/http.conf"
    {
        cat <<EOF
if (\$auth_ok = 0) {
    return 401 '$APISTUB_STATUS_401';
}
location = /api/v1/namespaces/$ns/pods {
    alias $WORK/api/podlist.json;
}
EOF
        for pod in $APISTUB_PODS; do
            printf '{"metadata":{"name":"%s","namespace":"%s"},"spec":{"containers":[{"name":"app","ports":[{"containerPort":6060}]}]},"status":{"phase":"Running"}}\n' \
                "$pod" "$ns" >"$WORK/api/pod-$pod.json"
            cat <<EOF
location = /api/v1/namespaces/$ns/pods/$pod {
    alias $WORK/api/pod-$pod.json;
}
EOF
            if [ "${APISTUB_LOCAL_PODS#* $pod }" != "$APISTUB_LOCAL_PODS" ]; then
                cat <<EOF
location ~ ^/api/v1/namespaces/$ns/pods/$pod(:6060)?/proxy(/.*)\$ {
    default_type application/json;
    return 503 '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"error trying to reach service: dial tcp 10.0.0.9:6060: connect: connection refused","reason":"ServiceUnavailable","code":503}';
}
EOF
            else
                cat <<EOF
location ~ ^/api/v1/namespaces/$ns/pods/$pod:6060/proxy(/.*)\$ {
    proxy_pass http://127.0.0.1:${APISTUB_PORT[$pod]}\$1\$is_args\$args;
}
EOF
            fi
            [ -z "$APISTUB_PFWD_PORT" ] || cat <<EOF
location = /api/v1/namespaces/$ns/pods/$pod/portforward {
    proxy_pass http://127.0.0.1:$APISTUB_PFWD_PORT;
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_read_timeout 60s;
}
EOF
        done
        [ -z "$extra" ] || echo "include $extra;"
    } >"$WORK/api/server.conf"
}

apistub_serve() {
    local conf=${1:-$WORK/api/server.conf} http=${2:-}
    [ $# -gt 0 ] || http=$WORK/api/http.conf
    if [ -z "$APISTUB_API_PORT" ]; then
        APISTUB_API_PORT=$(fixture_free_port) || return 1
    fi
    nginx_stop
    nginx_start "$APISTUB_API_PORT" "$conf" "$http"
}

apistub_kubeconfig() {
    local file=$1 context=$2 ns=$3 ca=${4:-"certificate-authority: $WORK/certs/ca.crt"}
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
current-context: $context
contexts:
- name: $context
  context: {cluster: stand-in, user: oncall, namespace: $ns}
clusters:
- name: stand-in
  cluster:
    server: https://127.0.0.1:$APISTUB_API_PORT
    $ca
users:
- name: oncall
  user: {tokenFile: token}
EOF
}

apistub_pods_stop() {
    local p
    for p in "${APISTUB_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    APISTUB_PIDS=()
    APISTUB_PODS=
    APISTUB_PORT=()
    return 0
}

apistub_stop() {
    nginx_stop
    if [ -n "$APISTUB_PFWD_PID" ]; then
        kill "$APISTUB_PFWD_PID" 2>/dev/null || true
        wait "$APISTUB_PFWD_PID" 2>/dev/null || true
        APISTUB_PFWD_PID=
    fi
    apistub_pods_stop
}
