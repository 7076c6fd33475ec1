#!/usr/bin/env bash
# No core file carries a token off: with `ulimit -c unlimited`, a leakscope that holds a bearer
# token (LEAKSCOPE_TOKEN, sent to a server that takes the request and never answers) and is then
# killed with SIGSEGV leaves no core behind, and its core limit is 0. It is not dumpable either,
# so no other process of its user reads its memory: the /proc files of an undumpable process
# belong to root (seen when it runs as another user; as root, setpriv drops it to nobody).
set -u
fails=0
SRV=
cleanup() { [ -n "$SRV" ] && kill "$SRV" 2>/dev/null; }
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

TOKEN="ls-core-token-$RANDOM$RANDOM"
# a server that takes connections, notes whether the token came, and never answers (for 30 s)
python3 - "$WORK/port" "$WORK/got" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
deadline = time.time() + 30
held = []
while time.time() < deadline:
    s.settimeout(max(0.1, deadline - time.time()))
    try:
        c, _ = s.accept()
    except OSError:
        break
    held.append(c)
    c.settimeout(5)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            data += c.recv(4096)
    except OSError:
        pass
    if not held[1:]:
        open(sys.argv[2], "w").write("authorization" if b"Authorization: Bearer" in data else "none")
PY
SRV=$!
for _ in $(seq 1 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
port=$(cat "$WORK/port")
mkdir -p "$WORK/cwd"
chmod 755 "$WORK"
chmod 777 "$WORK/cwd"
cd "$WORK/cwd" || exit 1
ulimit -c unlimited
LEAKSCOPE_TOKEN=$TOKEN "$LEAKSCOPE" top "http://127.0.0.1:$port" --timeout 25 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$WORK/got" ] && break; sleep 0.1; done
[ "$(cat "$WORK/got" 2>/dev/null)" = authorization ] || fail "the token was not sent: $(cat "$WORK/got" 2>/dev/null)"
limit=$(awk '/^Max core file size/ {print $5 " " $6}' "/proc/$pid/limits")
[ "$limit" = "0 0" ] && echo "ok: the core limit is 0" || fail "core limit: '$limit', want '0 0'"
kill -SEGV "$pid"
wait "$pid" 2>/dev/null
rc=$?
[ "$rc" -eq 139 ] || fail "leakscope did not die of SIGSEGV: exit $rc"
if ls "$WORK/cwd" | grep -q core; then
    fail "a core file was written: $(ls -la "$WORK/cwd")"
    if grep -qaF "$TOKEN" "$WORK"/cwd/core*; then fail "and it holds the token"; fi
else
    echo "ok: no core file after SIGSEGV with ulimit -c unlimited"
fi

as_user=()
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
    LEAKSCOPE_TOKEN=$TOKEN "${as_user[@]}" "$LEAKSCOPE" top "http://127.0.0.1:$port" --timeout 25 >/dev/null 2>&1 &
    pid=$!
    sleep 0.5
    owner=$(stat -c %u "/proc/$pid/mem" 2>/dev/null)
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ "$owner" = 0 ] && echo "ok: not dumpable: /proc/PID/mem belongs to root, not to its user" ||
        fail "dumpable: /proc/PID/mem belongs to uid '$owner'"
fi
echo "failures: $fails"
[ "$fails" -eq 0 ]
