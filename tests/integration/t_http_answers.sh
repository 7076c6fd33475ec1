#!/usr/bin/env bash
# What a plain HTTP server (tests/lib/answer.py) can send back, on one line of stderr each:
# control characters in an error body (C0, C1 as UTF-8 U+0080..U+009F, raw 0x80..0x9F bytes) never
# reach the terminal; a 3xx names its Location (without userinfo or query) and says redirects are
# not followed. Then Ctrl-C during a fetch that hangs: `watch` stops at once (long before the
# fetch's --timeout), says how many rounds it showed, and exits 130, the rounds shown intact.
set -euo pipefail
fails=0
. "$ROOT/tests/lib/expect.sh"
. "$ROOT/tests/lib/fixture.sh"
A=$WORK/answer
mkdir -p "$A"
port=$(fixture_free_port)
python3 "$ROOT/tests/lib/answer.py" "$port" "$A" &
server=$!
watcher=
cleanup() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	kill "$server" 2>/dev/null
	wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
url=http://127.0.0.1:$port/debug/pprof/goroutine

# --- control characters in an error body
echo 500 >"$A/status"
printf 'boom \xc2\x9b31m raw \x9b\x85 \x1b]0;title\x07 \xc2\x90 end\n' >"$A/body"
expect_rc 2 "a 500 with control characters" "$LEAKSCOPE" top "$url" || true
one_line_err "a 500 with control characters" 'HTTP 500: boom ?31m raw ?? ?]0;title? ? end'
LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\x80-\x9f]' "$WORK/err" && fail "a control byte reached stderr: $(od -c "$WORK/err")"

# --- a redirect
echo 302 >"$A/status"
echo "Location: http://user:secret@127.0.0.1:$port/elsewhere/goroutine?token=hidden" >"$A/headers"
echo moved >"$A/body"
expect_rc 2 "a 302" "$LEAKSCOPE" top "$url" || true
one_line_err "a 302" "HTTP 302 to http://127.0.0.1:$port/elsewhere/goroutine: redirects are not followed"
grep -q 'secret\|hidden' "$WORK/err" && fail "the Location's userinfo or query was shown"
echo 301 >"$A/status"
: >"$A/headers"
expect_rc 2 "a 301 without Location" "$LEAKSCOPE" top "$url" || true
one_line_err "a 301 without Location" "HTTP 301 without a Location: redirects are not followed"

# --- Ctrl-C while watch waits on a server that does not answer
echo 200 >"$A/status"
cp "$ROOT/tests/data/go127.debug1.txt" "$A/body"
: >"$A/requests"
"$LEAKSCOPE" watch "$url" --every 1s --timeout 50 >"$WORK/watch.out" 2>"$WORK/watch.err" &
watcher=$!
for _ in $(seq 1 100); do grep -q 'round 1' "$WORK/watch.out" 2>/dev/null && break; sleep 0.1; done
grep -q 'round 1' "$WORK/watch.out" || fail "watch showed no first round: $(cat "$WORK/watch.err")"
echo 60 >"$A/delay"
# the second fetch has reached the server, which now waits 60 s
for _ in $(seq 1 100); do [ "$(wc -l <"$A/requests")" -ge 2 ] && break; sleep 0.1; done
[ "$(wc -l <"$A/requests")" -ge 2 ] || fail "watch did not start a second fetch"
kill -INT "$watcher"
stopped=
for _ in $(seq 1 100); do # 10 s at most, against a server that answers in 60 and a timeout of 50
	kill -0 "$watcher" 2>/dev/null || { stopped=1; break; }
	sleep 0.1
done
if [ -z "$stopped" ]; then
	fail "watch still waits on the fetch 10 s after Ctrl-C"
else
	rc=0
	wait "$watcher" || rc=$?
	watcher=
	[ "$rc" = 130 ] || fail "watch exited $rc after Ctrl-C, want 130"
	grep -qx 'leakscope: interrupted after 1 round' "$WORK/watch.err" || fail "stderr: $(cat "$WORK/watch.err")"
	[ "$(grep -c 'round' "$WORK/watch.out")" = 1 ] || fail "the rounds shown: $(cat "$WORK/watch.out")"
	grep -q 'goroutines in' "$WORK/watch.out" || fail "the first round is not intact: $(cat "$WORK/watch.out")"
	[ "$fails" = 0 ] && echo "ok: Ctrl-C during a hanging fetch: exit 130, $(cat "$WORK/watch.err")"
fi
exit "$fails"
