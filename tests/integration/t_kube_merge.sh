#!/usr/bin/env bash
# KUBECONFIG with several files and no kubectl (LEAKSCOPE_KUBECTL=): the YAML reader merges them as
# kubectl does, against nginx standing in for the API server over HTTPS with Go fixture pods.
#   - the context in one file, the cluster in a second (its CA path relative to that file), the
#     user in a third (its token file relative to that one), a missing file between them: pods
#     and snapshot reach the stand-in;
#   - a file listed first that defines the same user with a wrong token wins: 401;
#   - --kubeconfig is one file only; every KUBECONFIG file missing is said naming KUBECONFIG.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"
. "$ROOT/tests/lib/expect.sh"

NS=shop
TOKEN="merge-test-token-$RANDOM$RANDOM"
fails=0
trap apistub_stop EXIT

apistub_init "$TOKEN" || exit 1
apistub_replicas "${GO_VERSIONS%% *}" web-1 "web-0 web-1" || exit 1
apistub_conf "$NS"
apistub_serve || exit 1

mkdir -p "$WORK/ctx" "$WORK/cl/pki" "$WORK/usr" "$WORK/evil" "$WORK/home" || exit 1
cp "$WORK/certs/ca.crt" "$WORK/cl/pki/ca.crt" || exit 1
cp "$WORK/kube/token" "$WORK/usr/token" || exit 1
printf 'wrong-token\n' >"$WORK/evil/token"
chmod 600 "$WORK/usr/token" "$WORK/evil/token"
printf '%s\n' "current-context: oncall" "contexts:" "- name: oncall" \
    "  context: {cluster: stand-in, user: me, namespace: $NS}" >"$WORK/ctx/config"
printf '%s\n' "current-context: elsewhere" "clusters:" "- name: stand-in" \
    "  cluster: {server: 'https://127.0.0.1:$APISTUB_API_PORT', certificate-authority: pki/ca.crt}" \
    >"$WORK/cl/config"
printf '%s\n' "users:" "- name: me" "  user: {tokenFile: token}" >"$WORK/usr/config"
cp "$WORK/usr/config" "$WORK/evil/config"

export LEAKSCOPE_KUBECTL="" XDG_STATE_HOME=$WORK/state HOME=$WORK/home
# from another directory, so relative paths cannot resolve against the working one by chance
cd "$WORK/home" || exit 1
merged=$WORK/ctx/config:$WORK/nope:$WORK/cl/config:$WORK/usr/config

if KUBECONFIG=$merged expect_rc 0 "pods through three merged files" "$LEAKSCOPE" pods --json --rate-over 0; then
    grep -q '"web-0"' "$WORK/out" && grep -q '"web-1"' "$WORK/out" ||
        fail "pods: the two pods are not listed: $(head -c 400 "$WORK/out")"
fi
if KUBECONFIG=$merged expect_rc 0 "snapshot through three merged files" \
    "$LEAKSCOPE" snapshot pod/web-1 -o "$WORK/web-1.txt"; then
    grep -q '^goroutine profile: total' "$WORK/web-1.txt" || fail "snapshot: not a goroutine profile"
fi

# the first file to define user "me" wins, whole: its wrong token is refused
KUBECONFIG=$WORK/evil/config:$merged expect_rc 2 "the first definition of a user wins" "$LEAKSCOPE" pods &&
    one_line_err "first user wins" "401"

# --kubeconfig reads that file alone: its context names a cluster it does not define
KUBECONFIG=$merged expect_rc 2 "--kubeconfig is one file" "$LEAKSCOPE" pods --kubeconfig "$WORK/ctx/config" &&
    one_line_err "--kubeconfig alone" "names no known cluster"

KUBECONFIG=$WORK/gone1:$WORK/gone2 expect_rc 2 "every KUBECONFIG file missing" "$LEAKSCOPE" pods &&
    one_line_err "every file missing" "KUBECONFIG names no existing file: $WORK/gone1:$WORK/gone2"

if grep -qF "$TOKEN" "$WORK/printed"; then
    fail "the token was printed"
fi
echo "failures: $fails"
[ "$fails" = 0 ]
