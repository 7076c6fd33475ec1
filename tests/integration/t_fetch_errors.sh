#!/usr/bin/env bash
# Fetch failures produced for real, and what t_fetch_proxy.sh leaves out: nginx over HTTPS stands
# in for the API server (tests/lib/apistub.sh), with locations answering 401, 403, 404 (a Status,
# and a pod's own 404), 500, 503, an upstream that closes in the middle of the body, one slowed by
# limit_rate against --timeout, and a CA leakscope does not trust. Each must be one line on stderr,
# exit 2, nothing in the snapshot store. Then --kube-proxy against a plain-HTTP nginx laid out like
# `kubectl proxy`, the fan-out's wall time with delayed pods, and the token kept out of every
# process's argv (an exec credential plugin, a token file) while leakscope runs.
#
# The misbehaving upstreams are tests/fetch/upstream.py. --kube-proxy and the fan-out run under
# every Go version in GO_VERSIONS (a few seconds each); the error and token checks depend on
# nginx and leakscope only, so they run once, under the first.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"

NS=shop
TOKEN="ls-err-token-$RANDOM$RANDOM-never-shown"
PODS="web-0 web-1 web-2 web-3 web-4"
OUTLIER=web-3
SLOW=web-2   # its upstream waits 1.5 s before answering
SLOW_S=1.5
OTHERS_S=0.5 # the other pods' upstreams wait this long, so that a serial fan-out would be obvious
fails=0
UP_PID=

stop_all() {
    apistub_stop
    if [ -n "$UP_PID" ]; then
        kill "$UP_PID" 2>/dev/null
        wait "$UP_PID" 2>/dev/null
        UP_PID=
    fi
    return 0
}
trap stop_all EXIT

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# expect_rc WANT NAME COMMAND...: runs COMMAND with stdout in $WORK/out, stderr in $WORK/err, its
# wall time in MS.
expect_rc() {
    local want=$1 name=$2 rc t0
    shift 2
    t0=$(now_ms)
    "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    MS=$(($(now_ms) - t0))
    cat "$WORK/out" "$WORK/err" >>"$WORK/printed"
    if [ "$rc" != "$want" ]; then
        fail "$name: exit $rc, want $want; stdout: $(head -c 300 "$WORK/out"); stderr: $(head -c 400 "$WORK/err")"
        return 1
    fi
    echo "ok: $name ($MS ms)"
}

store_list() { find "$WORK/state" "$WORK/out-files" -type f 2>/dev/null | sort; }

# expect_error NAME PATTERN COMMAND...: exit 2, one line on stderr matching PATTERN (grep -E),
# nothing on stdout, no file added to the snapshot store or left in $WORK/out-files.
expect_error() {
    local name=$1 pattern=$2 before
    shift 2
    before=$(store_list)
    expect_rc 2 "$name" "$@" || return 1
    if [ "$(wc -l <"$WORK/err")" != 1 ]; then
        fail "$name: stderr is not one line: $(cat "$WORK/err")"
    elif ! grep -Eq -- "$pattern" "$WORK/err"; then
        fail "$name: stderr lacks /$pattern/: $(cat "$WORK/err")"
    else
        echo "    $(cat "$WORK/err")"
    fi
    [ -s "$WORK/out" ] && fail "$name: printed on stdout: $(head -c 300 "$WORK/out")"
    [ "$(store_list)" = "$before" ] || fail "$name: left files: $(comm -13 <(echo "$before") <(store_list))"
    return 0
}

apistub_init "$TOKEN" || exit 1
mkdir -p "$WORK/errs" "$WORK/out-files" "$WORK/home"
printf 'not-the-token\n' >"$WORK/kube/bad-token"
printf '%s\n' "$TOKEN" >"$WORK/token.pat" # for grep -f: the token never goes into an argv here
# a second CA, which signed nothing nginx shows
(cd "$WORK/certs" && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
    -keyout other-ca.key -out other-ca.crt 2>/dev/null) || { echo "openssl failed"; exit 1; }

export KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= XDG_STATE_HOME=$WORK/state HOME=$WORK/home
unset LEAKSCOPE_TOKEN

status_json() { # CODE REASON MESSAGE (quotes in MESSAGE as \\" for nginx's return)
    printf '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"%s","reason":"%s","code":%s}' "$3" "$2" "$1"
}

# start_upstreams: tests/fetch/upstream.py in front of the current fixtures; sets UP_* ports.
start_upstreams() {
    local pod specs=() p
    if [ -n "$UP_PID" ]; then
        kill "$UP_PID" 2>/dev/null
        wait "$UP_PID" 2>/dev/null
    fi
    declare -gA UP_DELAY=()
    for pod in $PODS; do
        p=$(fixture_free_port) || return 1
        UP_DELAY[$pod]=$p
        if [ "$pod" = "$SLOW" ]; then
            specs+=("$p:delay:$SLOW_S:${APISTUB_PORT[$pod]}")
        else
            specs+=("$p:delay:$OTHERS_S:${APISTUB_PORT[$pod]}")
        fi
    done
    UP_CUTCL=$(fixture_free_port) && specs+=("$UP_CUTCL:cutcl:0.5:${APISTUB_PORT[$OUTLIER]}")
    UP_CUTEOF=$(fixture_free_port) && specs+=("$UP_CUTEOF:cuteof:0.5:${APISTUB_PORT[$OUTLIER]}")
    rm -f "$WORK/up.ready"
    python3 "$ROOT/tests/fetch/upstream.py" "$WORK/up.ready" "${specs[@]}" 2>"$WORK/up.log" &
    UP_PID=$!
    for _ in $(seq 1 100); do
        [ -e "$WORK/up.ready" ] && return 0
        kill -0 "$UP_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "upstream.py did not start: $(cat "$WORK/up.log")"
    return 1
}

# write_conf: the error locations and the delayed pods ahead of the stub's own locations (among
# regex locations the first match wins), and a plain-HTTP server shaped like `kubectl proxy` on
# KPROXY_PORT straight to the fixtures, refusing any request that carries credentials.
write_conf() {
    local pod p=/api/v1/namespaces/$NS/pods
    {
        cat <<EOF
location ~ ^$p/unauth-0 {
    return 401 '$APISTUB_STATUS_401';
}
location ~ ^$p/secret-0 {
    return 403 '$(status_json 403 Forbidden 'pods \\"secret-0\\" is forbidden: User \\"oncall\\" cannot get resource \\"pods/proxy\\" in API group \\"\\" in the namespace \\"shop\\"')';
}
location ~ ^$p/nopprof-0:6060/proxy {
    default_type text/plain;
    return 404 '404 page not found\n';
}
location ~ ^$p/broken-0 {
    return 500 '$(status_json 500 InternalError 'Internal error occurred: etcdserver: request timed out')';
}
location ~ ^$p/panicky-0:6060/proxy {
    default_type text/plain;
    return 500 'runtime error: invalid memory address or nil pointer dereference\n';
}
location ~ ^$p/down-0 {
    return 503 '$(status_json 503 ServiceUnavailable 'error trying to reach service: dial tcp 10.0.0.9:6060: connect: connection refused')';
}
location ~ ^$p/cut-0:6060/proxy(/.*)\$ {
    proxy_pass http://127.0.0.1:$UP_CUTCL\$1\$is_args\$args;
}
location ~ ^$p/cuteof-0:6060/proxy(/.*)\$ {
    proxy_pass http://127.0.0.1:$UP_CUTEOF\$1\$is_args\$args;
}
location ~ ^$p/crawl-0:6060/proxy(/.*)\$ {
    limit_rate 512;
    proxy_pass http://127.0.0.1:${APISTUB_PORT[$OUTLIER]}\$1\$is_args\$args;
}
EOF
        for pod in $PODS; do
            cat <<EOF
location ~ ^$p/$pod:6060/proxy(/.*)\$ {
    proxy_pass http://127.0.0.1:${UP_DELAY[$pod]}\$1\$is_args\$args;
}
EOF
        done
        echo "include $WORK/api/server.conf;"
        # any other pod: the API server's NotFound, naming it
        cat <<EOF
location ~ ^$p/(?:https?:)?([^/:]+) {
    return 404 '$(status_json 404 NotFound 'pods \\"$1\\" not found')';
}
EOF
    } >"$WORK/errs/server.conf"
    {
        echo "include $WORK/api/http.conf;"
        cat <<EOF
server {
    listen 127.0.0.1:$KPROXY_PORT;
    if (\$http_authorization) {
        return 400 'credentials sent to kubectl proxy';
    }
    location = $p {
        alias $WORK/api/podlist.json;
    }
EOF
        for pod in $PODS; do
            cat <<EOF
    location = $p/$pod {
        alias $WORK/api/pod-$pod.json;
    }
    location ~ ^$p/$pod:6060/proxy(/.*)\$ {
        proxy_pass http://127.0.0.1:${APISTUB_PORT[$pod]}\$1\$is_args\$args;
    }
EOF
        done
        cat <<EOF
    location / {
        return 404 '$(status_json 404 NotFound 'the server could not find the requested resource')';
    }
}
EOF
    } >"$WORK/errs/http.conf"
}

KPROXY_PORT=$(fixture_free_port) || exit 1
first=${GO_VERSIONS%% *}
for version in $GO_VERSIONS; do
    echo "== Go $version"
    apistub_replicas "$version" "$OUTLIER" "$PODS" || exit 1
    apistub_conf -l "$NS"
    start_upstreams || exit 1
    write_conf
    apistub_serve "$WORK/errs/server.conf" "$WORK/errs/http.conf" || exit 1
    apistub_kubeconfig "$WORK/kube/config" test "$NS"
    KP=http://127.0.0.1:$KPROXY_PORT

    # --kube-proxy: no kubeconfig at all, no credentials sent (the server answers 400 to any)
    if KUBECONFIG=$WORK/nowhere expect_rc 0 "top via --kube-proxy ($version)" \
        "$LEAKSCOPE" top pod/$OUTLIER -n "$NS" --kube-proxy "$KP" --limit 3; then
        grep -q "goroutines in" "$WORK/out" || fail "top via --kube-proxy: $(head -5 "$WORK/out")"
    fi
    # with the token kubeconfig around, still nothing is sent to the proxy
    expect_rc 0 "snapshot via --kube-proxy, a kubeconfig present ($version)" \
        "$LEAKSCOPE" snapshot pod/web-0:6060 -n "$NS" --kube-proxy "$KP/" -o "$WORK/kp.txt" &&
        { head -1 "$WORK/kp.txt" | grep -q '^goroutine profile: total ' || fail "kube-proxy snapshot: $(head -1 "$WORK/kp.txt")"; }
    if KUBECONFIG=$WORK/nowhere expect_rc 0 "pods via --kube-proxy ($version)" \
        "$LEAKSCOPE" pods -n "$NS" -l app=web --kube-proxy "$KP" --json; then
        python3 - "$WORK/out" "$OUTLIER" <<'EOF' || fail "pods via --kube-proxy: $(cat "$WORK/out")"
import json, sys
pods = {p["name"]: p for p in json.load(open(sys.argv[1]))["pods"]}
assert len(pods) == 5, pods
for name, p in pods.items():
    assert p["error"] is None and p["goroutines"] > 0, p
    assert p["outlier"] == (name == sys.argv[2]), p
print("    outlier", sys.argv[2], pods[sys.argv[2]]["goroutines"], "vs", pods["web-0"]["goroutines"])
EOF
    fi
    KUBECONFIG=$WORK/nowhere expect_rc 0 "pods table via --kube-proxy ($version)" \
        "$LEAKSCOPE" pods -n "$NS" --kube-proxy "$KP" &&
        { grep -q "outlier: $OUTLIER" "$WORK/out" || fail "kube-proxy pods table: $(cat "$WORK/out")"; }
    KUBECONFIG=$WORK/nowhere expect_error "missing pod via --kube-proxy ($version)" '404' \
        "$LEAKSCOPE" snapshot pod/nope:6060 -n "$NS" --kube-proxy "$KP"

    # fan-out: every pod answers after 0.5 s, SLOW after 1.5 s; the wall time must be close to the
    # slowest single fetch and far from the sum of all of them
    expect_rc 0 "single fetch of $SLOW ($version)" "$LEAKSCOPE" snapshot pod/$SLOW:6060 -o "$WORK/slow.txt"
    single=$MS
    if expect_rc 0 "pods fan-out with a slow pod ($version)" "$LEAKSCOPE" pods -l app=web --json --rate-over 0; then
        python3 - "$WORK/out" "$OUTLIER" "$SLOW" "$MS" "$single" <<'EOF' || fail "fan-out: $(cat "$WORK/out")"
import json, sys
pods = {p["name"]: p for p in json.load(open(sys.argv[1]))["pods"]}
outlier, slow, wall, single = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
assert len(pods) == 5, pods
for name, p in pods.items():
    assert p["error"] is None and p["goroutines"] > 0, p
    assert p["outlier"] == (name == outlier), p
    assert p["fetch_ms"] >= 450, p
assert pods[slow]["fetch_ms"] >= 1450, pods[slow]
total = sum(p["fetch_ms"] for p in pods.values())
print("    wall %d ms; slowest single fetch %d ms; sum of the fetches %d ms" % (wall, single, total))
assert wall < 1.5 * single, "the fan-out took %d ms, the slowest fetch alone %d ms" % (wall, single)
assert wall < 0.7 * total, "the fan-out took %d ms, the fetches %d ms together" % (wall, total)
EOF
    fi

    [ "$version" = "$first" ] || continue

    # every failure: one line, exit 2, nothing stored
    expect_rc 0 "a good snapshot first" "$LEAKSCOPE" snapshot pod/web-0 || exit 1
    expect_error "401, a refused token" 'Unauthorized \(401\)' \
        "$LEAKSCOPE" snapshot pod/web-0 --token-file "$WORK/kube/bad-token"
    expect_error "401 on the proxy path" 'Unauthorized \(401\)' "$LEAKSCOPE" snapshot pod/unauth-0:6060
    expect_error "403" 'pods "secret-0" is forbidden: .*pods/proxy.*\(403\)' "$LEAKSCOPE" snapshot pod/secret-0:6060
    expect_error "404, a Status: no such pod, and where it was looked for" \
        '^leakscope: pod/gone-0 \([^/ ]+/'"$NS"'\): pods "gone-0" not found \(404\)' "$LEAKSCOPE" snapshot pod/gone-0
    expect_error "404 from the pod: no pprof" '404.*is net/http/pprof registered, and on this port \(--port\)\?$' "$LEAKSCOPE" snapshot pod/nopprof-0:6060
    expect_error "500, a Status" 'etcdserver: request timed out.*500|500.*etcdserver' "$LEAKSCOPE" snapshot pod/broken-0:6060
    expect_error "500 from the pod" '500' "$LEAKSCOPE" snapshot pod/panicky-0:6060
    expect_error "503" 'connection refused.*503.*port|503.*--port' "$LEAKSCOPE" snapshot pod/down-0:6060
    expect_error "503, top" 'connection refused.*503.*port|503.*--port' "$LEAKSCOPE" top pod/down-0:6060
    expect_error "truncated body (Content-Length not met)" 'transfer closed|bytes remaining|truncat|cut short|partial' \
        "$LEAKSCOPE" snapshot pod/cut-0:6060
    expect_error "truncated body, -o FILE" 'transfer closed|bytes remaining|truncat|cut short|partial' \
        "$LEAKSCOPE" snapshot pod/cut-0:6060 --debug 2 -o "$WORK/out-files/cut.txt"
    expect_error "truncated body, top" 'transfer closed|bytes remaining|truncat|cut short|partial' \
        "$LEAKSCOPE" top pod/cut-0:6060

    # a cut HTTP cannot see (the end of the body is the close): never a complete snapshot
    for d in 1 2; do
        before=$(store_list)
        "$LEAKSCOPE" snapshot pod/cuteof-0:6060 --debug "$d" >"$WORK/out" 2>"$WORK/err"
        rc=$?
        new=$(comm -13 <(echo "$before") <(store_list) | grep '\.json$')
        if [ "$rc" = 2 ]; then
            [ "$(wc -l <"$WORK/err")" = 1 ] || fail "cut at the close, debug=$d: stderr: $(cat "$WORK/err")"
            [ -z "$new" ] || fail "cut at the close, debug=$d: exit 2 but left $new"
            echo "ok: cut at the close, debug=$d: exit 2: $(cat "$WORK/err")"
        elif [ "$rc" = 0 ] && grep -q "cut short" "$WORK/out" && [ -n "$new" ] &&
            python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["truncated"] is True else 1)' "$new"; then
            echo "ok: cut at the close, debug=$d: stored as truncated: $(tail -1 "$WORK/out")"
        else
            fail "cut at the close, debug=$d: exit $rc, taken as complete? stdout: $(cat "$WORK/out"); stderr: $(cat "$WORK/err"); sidecar: $(cat $new 2>/dev/null)"
        fi
    done

    # slow: limit_rate 512 bytes/s on a debug=2 dump of the outlier; --timeout 2 must end it
    expect_error "slow body against --timeout 2" '[Tt]imed? ?out|timeout' \
        "$LEAKSCOPE" snapshot pod/crawl-0:6060 --debug 2 --timeout 2
    [ "$MS" -lt 5000 ] || fail "--timeout 2 took $MS ms"
    expect_error "slow body against --timeout 2, top" '[Tt]imed? ?out|timeout' \
        "$LEAKSCOPE" top pod/crawl-0:6060 --debug 2 --timeout 2
    [ "$MS" -lt 5000 ] || fail "--timeout 2 (top) took $MS ms"

    # a CA that did not sign nginx's certificate
    expect_error "wrong CA (--cacert)" 'certificate|SSL|TLS' \
        "$LEAKSCOPE" snapshot pod/web-0 --cacert "$WORK/certs/other-ca.crt"
    apistub_kubeconfig "$WORK/kube/wrongca.yaml" test "$NS" \
        "certificate-authority-data: $(base64 -w0 "$WORK/certs/other-ca.crt")"
    KUBECONFIG=$WORK/kube/wrongca.yaml expect_error "wrong CA (kubeconfig data)" 'certificate|SSL|TLS' \
        "$LEAKSCOPE" snapshot pod/web-0
    expect_error "wrong CA (URL)" 'certificate|SSL|TLS' \
        "$LEAKSCOPE" snapshot --cacert "$WORK/certs/other-ca.crt" --token-file "$WORK/kube/token" \
        "https://127.0.0.1:$APISTUB_API_PORT/api/v1/namespaces/$NS/pods/web-4:6060/proxy" -o "$WORK/out-files/u.txt"
    KUBECONFIG=$WORK/kube/wrongca.yaml expect_error "wrong CA, pods" 'certificate|SSL|TLS' "$LEAKSCOPE" pods

    # tokens in no argv: an exec plugin and a token file, leakscope kept busy by SLOW's 1.5 s
    cat >"$WORK/kube/plugin.sh" <<EOF
#!/bin/sh
# an exec credential plugin: records how it was run, waits a little, prints an ExecCredential
for a in "\$0" "\$@"; do printf '%s\n' "\$a"; done >>"$WORK/plugin.argv"
env >>"$WORK/plugin.env"
sleep 0.5
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "\$(cat "$WORK/kube/token")"
EOF
    chmod 755 "$WORK/kube/plugin.sh"
    cat >"$WORK/kube/exec.yaml" <<EOF
apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {cluster: stand-in, user: oncall, namespace: $NS}
clusters:
- name: stand-in
  cluster:
    server: https://127.0.0.1:$APISTUB_API_PORT
    certificate-authority: $WORK/certs/ca.crt
users:
- name: oncall
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin.sh
      args: ["--cluster", "stand-in"]
      interactiveMode: Never
EOF
    printf 'plugin.sh\n' >"$WORK/plugin.pat"
    : >"$WORK/plugin.argv"
    : >"$WORK/plugin.env"
    # watch_argv NAME COMMAND...: runs COMMAND in the background and reads every process's
    # cmdline until it ends (the patterns come from files, so grep's own argv holds no token).
    watch_argv() {
        local name=$1 pid n=0 rc
        shift
        : >"$WORK/argv.hits"
        : >"$WORK/argv.plugin"
        "$@" >"$WORK/out" 2>"$WORK/err" &
        pid=$!
        while kill -0 "$pid" 2>/dev/null; do
            grep -alF -f "$WORK/token.pat" /proc/[0-9]*/cmdline >>"$WORK/argv.hits" 2>/dev/null
            grep -alF -f "$WORK/plugin.pat" /proc/[0-9]*/cmdline >>"$WORK/argv.plugin" 2>/dev/null
            n=$((n + 1))
        done
        wait "$pid"
        rc=$?
        cat "$WORK/out" "$WORK/err" >>"$WORK/printed"
        [ "$rc" = 0 ] || fail "$name: exit $rc: $(cat "$WORK/err")"
        if [ -s "$WORK/argv.hits" ]; then
            fail "$name: the token is in the argv of: $(sort -u "$WORK/argv.hits" | while read -r f; do tr '\0' ' ' <"$f"; echo; done)"
        else
            echo "ok: $name: the token in no process's argv ($n samples)"
        fi
        grep -qF -f "$WORK/token.pat" "$WORK/err" && fail "$name: the token is on stderr"
    }
    KUBECONFIG=$WORK/kube/exec.yaml watch_argv "exec plugin" "$LEAKSCOPE" snapshot pod/$SLOW
    # the sampler saw the plugin run, so it would have seen the token in its argv
    grep -q . "$WORK/argv.plugin" || fail "exec plugin: the sampler never saw the plugin running"
    [ "$(grep -c -- '--cluster' "$WORK/plugin.argv")" -ge 1 ] || fail "the plugin did not run: $(cat "$WORK/plugin.argv")"
    grep -qF -f "$WORK/token.pat" "$WORK/plugin.argv" && fail "the token is in the plugin's argv"
    grep -qF -f "$WORK/token.pat" "$WORK/plugin.env" && fail "the token is in the plugin's environment"
    echo "    the plugin ran as: $(tr '\n' ' ' <"$WORK/plugin.argv")"
    if kubectl config view --kubeconfig "$WORK/kube/exec.yaml" >/dev/null 2>&1; then
        KUBECONFIG=$WORK/kube/exec.yaml LEAKSCOPE_KUBECTL=kubectl \
            watch_argv "exec plugin, kubeconfig through kubectl" "$LEAKSCOPE" snapshot pod/$SLOW
        grep -qF -f "$WORK/token.pat" "$WORK/plugin.argv" && fail "the token is in the plugin's argv (kubectl)"
    else
        echo "skip: kubectl not usable here"
    fi
    watch_argv "--token-file" "$LEAKSCOPE" snapshot pod/$SLOW --token-file "$WORK/kube/token"
    KUBECONFIG=$WORK/kube/exec.yaml watch_argv "pods with the exec plugin" "$LEAKSCOPE" pods

    # and nowhere else: the store, the output, nginx's logs
    if grep -rqF -f "$WORK/token.pat" "$WORK/state" "$WORK/printed" "$WORK/nginx/logs" "$WORK/out-files"; then
        fail "the token leaked into: $(grep -rlF -f "$WORK/token.pat" "$WORK/state" "$WORK/printed" "$WORK/nginx/logs" "$WORK/out-files")"
    else
        echo "ok: the token appears in no stored file, output or log"
    fi
done

echo "failures: $fails"
[ "$fails" -eq 0 ]
