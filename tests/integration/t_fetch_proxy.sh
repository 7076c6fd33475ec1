#!/usr/bin/env bash
# Fetching through the Kubernetes API server's pod proxy, for real over HTTPS: nginx stands in for
# the API server (a CA and certificates made here with openssl, a bearer token or a client
# certificate required, Status errors as the API server writes them), and Go fixture processes
# stand in for five replicas of a pod, one of them leaking far more than the others.
#
# The fan-out part runs under every Go version in GO_VERSIONS (the fixture binaries are cached,
# so a version costs a few seconds); the snapshot and error checks run once, under the first.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
. "$ROOT/tests/lib/expect.sh"

NS=shop
TOKEN="ls-test-token-$RANDOM$RANDOM-do-not-print"
PODS="web-0 web-1 web-2 web-3 web-4"
OUTLIER=web-3
fails=0

trap apistub_stop EXIT

apistub_init "$TOKEN" || exit 1
printf 'wrong-token\n' >"$WORK/kube/bad-token"

# the Status errors beyond the pods' own: a pod the user may not proxy to, and any other pod
cat >"$WORK/api/errors.conf" <<EOF
location ~ ^/api/v1/namespaces/[^/]+/pods/secret-0 {
    return 403 '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\\\"secret-0\\\\" is forbidden: User \\\\"system:serviceaccount:shop:oncall\\\\" cannot get resource \\\\"pods/proxy\\\\" in API group \\\\"\\\\" in the namespace \\\\"shop\\\\"","reason":"Forbidden","details":{"name":"secret-0","kind":"pods"},"code":403}';
}
location ~ ^/api/v1/namespaces/[^/]+/pods/(?:https?:)?([^/:]+) {
    return 404 '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\\\"\$1\\\\" not found","reason":"NotFound","details":{"name":"\$1","kind":"pods"},"code":404}';
}
EOF

# kubeconfig NAME USER_YAML [CLUSTER_EXTRA_YAML]: a kubeconfig in YAML, with the CA as data unless
# told otherwise.
kubeconfig() {
    local name=$1 user=$2 cluster=${3-"certificate-authority-data: $(base64 -w0 "$WORK/certs/ca.crt")"}
    cat >"$WORK/kube/$name" <<EOF
apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context:
    cluster: stand-in
    user: oncall
    namespace: $NS
- name: other
  context:
    cluster: stand-in
    user: nobody
clusters:
- name: stand-in
  cluster:
    server: https://127.0.0.1:$NGINX_PORT
    $cluster
users:
- name: nobody
  user:
    token: not-this-one
- name: oncall
  user:
$(printf '%s\n' "$user" | sed 's/^/    /')
EOF
}

first=${GO_VERSIONS%% *}
for version in $GO_VERSIONS; do
    echo "== Go $version"
    apistub_replicas "$version" "$OUTLIER" "$PODS" || exit 1
    apistub_conf -c -l "$NS" "$WORK/api/errors.conf"
    apistub_serve || exit 1

    kubeconfig token.yaml "tokenFile: token"
    export KUBECONFIG=$WORK/kube/token.yaml LEAKSCOPE_KUBECTL= XDG_STATE_HOME=$WORK/state HOME=$WORK/home
    unset LEAKSCOPE_TOKEN

    # fan-out: every pod's total, the outlier named
    start=$(date +%s%N)
    if expect_rc 0 "pods --json ($version)" "$LEAKSCOPE" pods -l app=web --json; then
        ms=$((($(date +%s%N) - start) / 1000000))
        python3 - "$WORK/out" "$OUTLIER" <<'EOF' || fail "pods --json ($version): $(cat "$WORK/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
pods = {p["name"]: p for p in doc["pods"]}
assert len(pods) == 5, pods
for name, p in pods.items():
    assert p["phase"] == "Running" and p["error"] is None, p
    assert isinstance(p["goroutines"], int) and p["goroutines"] > 0, p
    assert p["outlier"] == (name == sys.argv[2]), p
    assert p["source"] == "metrics", p  # the fixture serves go_goroutines: the cheap source
assert set(pods[sys.argv[2]]) == {"name", "phase", "goroutines", "rate_per_minute", "source", "fetch_ms", "error",
                                  "outlier"}
print("ok: outlier", sys.argv[2], pods[sys.argv[2]]["goroutines"], "vs", pods["web-0"]["goroutines"])
EOF
        echo "   fan-out of 5 pods took $ms ms"
    fi
    if expect_rc 0 "pods table ($version)" "$LEAKSCOPE" pods; then
        grep -q "outlier: $OUTLIER" "$WORK/out" || fail "pods table: no outlier line: $(cat "$WORK/out")"
        grep -q "^\* $OUTLIER " "$WORK/out" || fail "pods table: $OUTLIER not marked: $(cat "$WORK/out")"
        [ -s "$WORK/err" ] && fail "pods table: stderr is not a terminal, yet: $(cat "$WORK/err")"
    fi
    if expect_rc 0 "pods --metrics ($version)" "$LEAKSCOPE" pods --metrics --json --rate-over 0; then
        grep -q "\"name\":\"$OUTLIER\"[^}]*\"outlier\":true" "$WORK/out" || fail "pods --metrics: $(cat "$WORK/out")"
    fi
    if expect_rc 0 "pods --pprof ($version)" "$LEAKSCOPE" pods --pprof --json --rate-over 0; then
        grep -q "\"name\":\"$OUTLIER\"[^}]*\"source\":\"pprof\"[^}]*\"outlier\":true" "$WORK/out" ||
            fail "pods --pprof: $(cat "$WORK/out")"
        grep -q '"source":"metrics"' "$WORK/out" && fail "pods --pprof read /metrics: $(cat "$WORK/out")"
    fi
    [ "$version" = "$first" ] || continue

    # the rate column: web-1 (neither the first by name nor the largest) leaks between the two
    # readings, the others are paused; web-1 comes first, the paused pods at exactly 0/min, then
    # by count (the outlier's 60 first)
    fixture_control "${APISTUB_PORT[web-1]}" control/resume >/dev/null
    expect_rc 0 "pods rate ($version)" "$LEAKSCOPE" pods --rate-over 3s --json &&
        python3 - "$WORK/out" "$OUTLIER" <<'EOF' || fail "pods rate: $(cat "$WORK/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["rate_seconds"] == 3, doc
names = [p["name"] for p in doc["pods"]]
assert names[0] == "web-1" and names[1] == sys.argv[2], names
assert doc["pods"][0]["rate_per_minute"] > 0, doc["pods"][0]
for p in doc["pods"][1:]:
    assert p["rate_per_minute"] == 0, p
print("ok: pods sorted by rate:", names, "web-1 at %.1f/min" % doc["pods"][0]["rate_per_minute"])
EOF
    expect_rc 0 "pods rate table ($version)" "$LEAKSCOPE" pods --rate-over 2s &&
        { awk 'NR == 1 && !/GOROUTINES +\/MIN/ { exit 1 } NR == 2 && !/^[* ] web-1 .* \+[0-9]+\.[0-9] / { exit 1 }
               NR == 3 && !/^\* web-3 .* \+0\.0 / { exit 1 }' "$WORK/out" &&
            grep -q '/MIN over 2s, fastest first' "$WORK/out" || fail "pods rate table: $(cat "$WORK/out")"; }
    fixture_control "${APISTUB_PORT[web-1]}" control/pause >/dev/null
    expect_rc 0 "pods --rate-over 0 ($version)" "$LEAKSCOPE" pods --rate-over 0 --json &&
        python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["rate_seconds"] is None
assert all(p["rate_per_minute"] is None for p in d["pods"]), d' "$WORK/out" || fail "pods --rate-over 0: $(cat "$WORK/out")"

    # snapshot through the pod proxy, the port from the pod object, the kubeconfig read with libyaml
    if expect_rc 0 "snapshot pod/web-0" "$LEAKSCOPE" snapshot pod/web-0; then
        cat "$WORK/out"
        grep -q "^pod/web-0 (test/$NS): debug=1 goroutine profile, [0-9]* goroutines in [0-9]* groups" "$WORK/out" ||
            fail "snapshot summary: $(cat "$WORK/out")"
        dir=$WORK/state/leakscope/snapshots/test/$NS/web-0
        f=$(ls "$dir"/*.debug1.txt 2>/dev/null | head -1)
        if [ -z "$f" ]; then
            fail "no snapshot in $dir: $(find "$WORK/state" | head)"
        else
            [ "$(stat -c %a "$f")" = 600 ] || fail "profile mode $(stat -c %a "$f")"
            [ "$(stat -c %a "$f.json")" = 600 ] || fail "sidecar mode $(stat -c %a "$f.json")"
            for d in "$dir" "$WORK/state/leakscope/snapshots/test" "$WORK/state/leakscope"; do
                [ "$(stat -c %a "$d")" = 700 ] || fail "dir $d mode $(stat -c %a "$d")"
            done
            head -1 "$f" | grep -q '^goroutine profile: total ' || fail "stored profile: $(head -1 "$f")"
            python3 - "$f.json" "$f" <<'EOF' || fail "sidecar: $(cat "$f.json")"
import json, os, sys
m = json.load(open(sys.argv[1]))
assert m["source"] == "pod/web-0 (test/shop)", m
assert (m["context"], m["namespace"], m["pod"]) == ("test", "shop", "web-0"), m
assert m["format"] == "debug=1" and m["profile"] == "goroutine", m
assert m["total"] > 0 and m["groups"] > 0 and m["capture_ms"] >= 0, m
assert m["bytes"] == os.path.getsize(sys.argv[2]), m
assert m["time"].endswith("Z"), m
print("ok: sidecar", m["total"], "goroutines,", m["bytes"], "bytes")
EOF
        fi
        ls -a "$dir" | grep -q partial && fail "a temporary file was left in $dir"
    fi
    expect_rc 0 "snapshot --debug 2 -o FILE" "$LEAKSCOPE" snapshot pod/web-3 --debug 2 -o "$WORK/web-3.txt" &&
        { head -1 "$WORK/web-3.txt" | grep -q '^goroutine 1 \[' || grep -q '^goroutine [0-9]* \[' "$WORK/web-3.txt"; } ||
        fail "debug=2 file: $(head -2 "$WORK/web-3.txt")"
    LEAKSCOPE_STW_THRESHOLD=10 expect_rc 2 "debug=2 above the threshold, no --yes" \
        "$LEAKSCOPE" snapshot pod/web-3 --debug 2 </dev/null &&
        grep -q "goroutines: a debug=2 capture stops the world: ~[0-9.e-]* s expected (debug=1 took [0-9.e-]* s at [0-9]* goroutines)" "$WORK/err" ||
        fail "no stop-the-world warning with the measured cost: $(cat "$WORK/err")"
    LEAKSCOPE_STW_THRESHOLD=10 expect_rc 0 "debug=2 above the threshold with --yes" \
        "$LEAKSCOPE" snapshot pod/web-3 --debug 2 --yes
    expect_rc 0 "snapshot debug=0" "$LEAKSCOPE" snapshot pod/web-1:6060 --debug 0 &&
        ls "$WORK"/state/leakscope/snapshots/test/$NS/web-1/*.debug0.pb.gz >/dev/null || fail "no .pb.gz"
    expect_rc 0 "top pod/web-3" "$LEAKSCOPE" top pod/web-3 --limit 3 &&
        grep -q "goroutines in" "$WORK/out" || fail "top output: $(cat "$WORK/out")"
    expect_rc 0 "snapshot --leak-profile falls back on Go $version" "$LEAKSCOPE" snapshot pod/web-2 --leak-profile
    cat "$WORK/err"

    # the same through kubectl's view of the kubeconfig, when kubectl is installed
    if command -v kubectl >/dev/null && kubectl config view --kubeconfig "$WORK/kube/token.yaml" >/dev/null 2>&1; then
        LEAKSCOPE_KUBECTL=kubectl expect_rc 0 "snapshot with kubectl config view" "$LEAKSCOPE" snapshot pod/web-0
    else
        echo "skip: kubectl not usable here"
    fi

    # client certificate (data), exec plugin, context and namespace flags
    kubeconfig cert.yaml "client-certificate-data: $(base64 -w0 "$WORK/certs/client.crt")
client-key-data: $(base64 -w0 "$WORK/certs/client.key")"
    KUBECONFIG=$WORK/kube/cert.yaml expect_rc 0 "client certificate" "$LEAKSCOPE" snapshot pod/web-0 -o "$WORK/c.txt"
    cat >"$WORK/kube/plugin.sh" <<EOF
#!/bin/sh
# prints an ExecCredential, as aws eks get-token does; checks that it was told what it is
case "\$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) echo "no KUBERNETES_EXEC_INFO" >&2; exit 1;; esac
[ "\$1" = "--cluster" ] && [ "\$PLUGIN_ENV" = "set" ] || { echo "bad args or env" >&2; exit 1; }
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "\$(cat "$WORK/kube/token")"
EOF
    chmod 755 "$WORK/kube/plugin.sh"
    kubeconfig exec.yaml "exec:
  apiVersion: client.authentication.k8s.io/v1
  command: ./plugin.sh
  args: [\"--cluster\", \"stand-in\"]
  env:
  - name: PLUGIN_ENV
    value: set
  interactiveMode: Never"
    KUBECONFIG=$WORK/kube/exec.yaml expect_rc 0 "exec credential plugin" "$LEAKSCOPE" snapshot pod/web-0 -o "$WORK/e.txt"
    expect_rc 2 "--context other (its user's token is refused)" "$LEAKSCOPE" snapshot pod/web-0 --context other -n "$NS" &&
        one_line_err "401 via --context" "Unauthorized (401)"

    # errors: one line each, exit 2, nothing stored
    before=$(find "$WORK/state" -type f | wc -l)
    kubeconfig noca.yaml "tokenFile: token" ""
    KUBECONFIG=$WORK/kube/noca.yaml expect_rc 2 "TLS without the CA" "$LEAKSCOPE" snapshot pod/web-0 &&
        one_line_err "TLS without the CA" "certificate"
    if KUBECONFIG=$WORK/kube/noca.yaml expect_rc 0 "TLS with --insecure" "$LEAKSCOPE" snapshot pod/web-0 --insecure; then
        grep -q "warning: --insecure" "$WORK/err" || fail "--insecure printed no warning"
    fi
    KUBECONFIG=$WORK/kube/noca.yaml expect_rc 0 "TLS with --cacert" "$LEAKSCOPE" snapshot pod/web-0 --cacert "$WORK/certs/ca.crt" -o "$WORK/ca.txt"
    expect_rc 2 "bad token" "$LEAKSCOPE" snapshot pod/web-0 --token-file "$WORK/kube/bad-token" &&
        one_line_err "bad token" "Unauthorized (401)"
    expect_rc 2 "missing pod" "$LEAKSCOPE" snapshot pod/nope &&
        one_line_err "missing pod" "^leakscope: pod/nope (test/$NS): pods \"nope\" not found (404)$"
    expect_rc 2 "missing pod, port given" "$LEAKSCOPE" snapshot pod/nope --port 6060 &&
        one_line_err "missing pod, port given" "^leakscope: pod/nope (test/$NS): pods \"nope\" not found (404)$"
    expect_rc 2 "missing pod, another namespace" "$LEAKSCOPE" snapshot pod/nope -n prod --port 6060 &&
        one_line_err "missing pod, another namespace" "^leakscope: pod/nope (test/prod): pods \"nope\" not found (404)$"
    expect_rc 2 "forbidden" "$LEAKSCOPE" snapshot pod/secret-0 --port 6060 &&
        one_line_err "forbidden" 'pods "secret-0" is forbidden: .*cannot get resource "pods/proxy".* (403)$'
    expect_rc 2 "bad token, pods" "$LEAKSCOPE" pods --token-file "$WORK/kube/bad-token" &&
        one_line_err "bad token, pods" "Unauthorized (401)"
    expect_rc 2 "no such context" "$LEAKSCOPE" snapshot pod/web-0 --context nope &&
        one_line_err "no such context" 'context "nope" does not exist'
    after=$(find "$WORK/state" -type f | wc -l)
    # the --insecure success added a profile and its sidecar
    [ "$after" = $((before + 2)) ] || fail "failed fetches left files: $before -> $after: $(find "$WORK/state" -type f)"

    # direct URL with a bearer token from the environment (nginx wants it on every path)
    LEAKSCOPE_TOKEN=$TOKEN expect_rc 0 "URL with LEAKSCOPE_TOKEN" "$LEAKSCOPE" snapshot --cacert "$WORK/certs/ca.crt" \
        "https://127.0.0.1:$NGINX_PORT/api/v1/namespaces/$NS/pods/web-4:6060/proxy/debug/pprof/goroutine?debug=1" -o "$WORK/u.txt"
    expect_rc 2 "URL without a token" "$LEAKSCOPE" snapshot --cacert "$WORK/certs/ca.crt" \
        "https://127.0.0.1:$NGINX_PORT/api/v1/namespaces/$NS/pods/web-4:6060/proxy" -o "$WORK/u2.txt" &&
        one_line_err "URL without a token" "Unauthorized (401): a token is needed"
    [ -e "$WORK/u2.txt" ] && fail "a failed fetch left $WORK/u2.txt"

    # the token never shows: not in the store, not in anything printed, not in nginx's logs
    if [ ! -d "$WORK/state" ] || grep -rqF "$TOKEN" "$WORK/state" "$WORK/printed" "$WORK/nginx/logs" "$WORK"/*.txt; then
        fail "the token leaked: $(grep -rlF "$TOKEN" "$WORK/state" "$WORK/printed" "$WORK/nginx/logs" "$WORK"/*.txt)"
    else
        echo "ok: the token appears in no stored file, output or log"
    fi
done

echo "failures: $fails"
[ "$fails" -eq 0 ]
