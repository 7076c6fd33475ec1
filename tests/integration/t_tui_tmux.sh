#!/usr/bin/env bash
# The console in a real terminal: tmux (100x30, TERM=screen-256color) against the leaky fixture.
# Start on its URL, s, leak (one pattern fastest), s, d: the diff view's first row is the fastest
# leaking group with its file:line. q and SIGHUP leave the terminal as it was (stty -a); NO_COLOR=1
# draws no colour, --ascii no byte outside ASCII.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
SOCK=leakscope-tui-$$
. "$ROOT/tests/lib/tmux.sh"
cleanup() {
	tm kill-server 2>/dev/null || true
	fixture_stop
}
trap cleanup EXIT

# the console's pid: the pane shell's child
console_pid() {
	pgrep -P "$(tm display-message -p -t "$PANE" '#{pane_pid}')" -f leakscope | head -1
}
# has_colour FILE: whether capture-pane -e output holds SGR colour parameters (39 and 49, back
# to the default colours, are how tmux ends every run of attributes: not colour)
has_colour() {
	python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], encoding="utf-8", errors="replace").read()
colour = False
for params in re.findall(r"\x1b\[([0-9;:]*)m", data):
    for p in params.replace(":", ";").split(";"):
        if p and int(p) not in (39, 49) and (30 <= int(p) <= 48 or 90 <= int(p) <= 107):
            colour = True
sys.exit(0 if colour else 1)
PY
}

tmux_shell 100 30
run_in_pane "stty -a >$WORK/stty.before"

# --- start on the URL, s, leak, s, d: under every Go version; the rest runs on the last one
last=${GO_VERSIONS##* }
for v in $GO_VERSIONS; do
echo "== Go $v"
port=$(fixture_free_port)
fixture_start "$v" "$port" -paused -initial 2 -pool 3
url=http://127.0.0.1:$port
tm send-keys -t "$PANE" clear Enter
tm send-keys -t "$PANE" "$LEAKSCOPE tui --every 1 $url" Enter
wait_for 'GOROUTINES'
wait_for 'sampling'
tm send-keys -t "$PANE" s
wait_for 'snapshot #1'
fixture_control "$port" 'control/leak?pattern=chansend&n=9' >/dev/null
fixture_control "$port" 'control/leak?pattern=select&n=3' >/dev/null
sleep 1.2
tm send-keys -t "$PANE" s
wait_for 'snapshot #2'
tm send-keys -t "$PANE" d
wait_for 'DELTA'
tm capture-pane -p -t "$PANE" >"$WORK/diff.txt"
tm capture-pane -e -p -t "$PANE" >"$WORK/diff.esc"
cat "$WORK/diff.txt"
top=$(fixture_expected "$port" | python3 -c 'import json,sys; print(json.load(sys.stdin)["patterns"]["chansend"]["top"])')
line=$(curl -sf "$url/debug/pprof/goroutine?debug=1" | grep -F "$top+" | head -1 | sed 's/.*:\([0-9]*\)$/\1/')
first=$(grep -A1 'DELTA' "$WORK/diff.txt" | tail -1)
echo "first row: $first"
echo "$first" | grep -qF "$top" || { echo "the first row is not $top"; exit 1; }
echo "$first" | grep -qF "main.go:$line" || { echo "the first row lacks main.go:$line"; exit 1; }
echo "$first" | grep -qE '^ +\+9 ' || { echo "the first row's delta is not +9"; exit 1; }
grep -q '/min' "$WORK/diff.txt" || { echo "no slope figure above the diff"; exit 1; }
echo "ok: s, s, d: the first row is $top at main.go:$line, +9"
has_colour "$WORK/diff.esc" || { echo "the default screen has no colour (the NO_COLOR check would prove nothing)"; exit 1; }
LC_ALL=C grep -q '[^ -~]' "$WORK/diff.txt" || { echo "the default UTF-8 screen has no braille or bars"; exit 1; }
[ "$v" = "$last" ] && break
tm send-keys -t "$PANE" q
wait_gone "$(console_pid)"
fixture_stop
done

# --- enter opens the stack; q quits and the terminal is as before
tm send-keys -t "$PANE" Enter
wait_for 'frames, innermost first'
tm send-keys -t "$PANE" q
run_in_pane "stty -a >$WORK/stty.after"
diff "$WORK/stty.before" "$WORK/stty.after" || { echo "q left the terminal changed"; exit 1; }
echo "ok: q leaves stty -a unchanged"

# --- SIGHUP restores the terminal
tm send-keys -t "$PANE" "$LEAKSCOPE tui --every 1 $url" Enter
wait_for 'GOROUTINES'
pid=$(console_pid)
[ -n "$pid" ] || { echo "no console process"; exit 1; }
kill -HUP "$pid"
wait_gone "$pid"
run_in_pane "stty -a >$WORK/stty.hup"
diff "$WORK/stty.before" "$WORK/stty.hup" || { echo "SIGHUP left the terminal changed"; exit 1; }
echo "ok: SIGHUP restores the terminal (stty -a unchanged)"

# --- NO_COLOR=1: no colour escapes; --ascii: ASCII only
tm send-keys -t "$PANE" clear Enter
tm send-keys -t "$PANE" "NO_COLOR=1 $LEAKSCOPE tui --every 1 $url" Enter
wait_for 'GOROUTINES'
tm send-keys -t "$PANE" s
wait_for 'snapshot #1'
sleep 1.2
tm send-keys -t "$PANE" s
wait_for 'snapshot #2'
tm send-keys -t "$PANE" d
wait_for 'DELTA'
tm capture-pane -e -p -t "$PANE" >"$WORK/nocolor.esc"
if has_colour "$WORK/nocolor.esc"; then
	echo "NO_COLOR=1 screen has colour escapes:"
	cat -v "$WORK/nocolor.esc" | head -20
	exit 1
fi
tm send-keys -t "$PANE" q
wait_for '$'
echo "ok: NO_COLOR=1 screen has no colour escapes"

tm send-keys -t "$PANE" clear Enter
tm send-keys -t "$PANE" "$LEAKSCOPE tui --ascii --every 1 $url" Enter
wait_for 'GOROUTINES'
tm send-keys -t "$PANE" s
wait_for 'snapshot #1'
sleep 2.2
tm send-keys -t "$PANE" s
wait_for 'snapshot #2'
tm send-keys -t "$PANE" d
wait_for 'DELTA'
tm capture-pane -p -t "$PANE" >"$WORK/ascii.txt"
cat "$WORK/ascii.txt"
if LC_ALL=C grep -n '[^ -~]' "$WORK/ascii.txt"; then
	echo "--ascii screen has non-ASCII bytes (above)"
	exit 1
fi
tm send-keys -t "$PANE" c
wait_for 'least-squares trend'
tm capture-pane -p -t "$PANE" >"$WORK/ascii-slope.txt"
if LC_ALL=C grep -n '[^ -~]' "$WORK/ascii-slope.txt"; then
	echo "--ascii slope chart has non-ASCII bytes (above)"
	exit 1
fi
tm send-keys -t "$PANE" q
echo "ok: --ascii screens (diff, slope chart) are ASCII only"
