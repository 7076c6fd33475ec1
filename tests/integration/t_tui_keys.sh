#!/usr/bin/env bash
# The console's keys in a real terminal (tmux 100x30): TERM=dumb is refused with one line and
# exit 2; `:target pod/NAME` against an API server that accepts and never answers leaves the keys
# working, and Ctrl-C cancels it without ending the console, as it cancels a snapshot of a target
# that never answers (a second Ctrl-C, a playbook open, asks; a third quits); bracketed
# paste is switched on, off on exit and on Ctrl-Z (the bytes the console wrote, logged by
# script(1)), and a paste is text: "open x" NEWLINE "jjjdq" pasted neither quits nor runs; w
# writes into the store, and into the incident when a playbook is open; quitting then asks.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/silent.sh"
SOCK=leakscope-keys-$$
. "$ROOT/tests/lib/tmux.sh"
cleanup() {
	# script(1) outlives the tmux server with the console under it: end the console first
	[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true
	tm kill-server 2>/dev/null || true
	silent_stop
}
trap cleanup EXIT

# the console under script(1), told apart by the silent server's port
console_pid() {
	pgrep -f "^$LEAKSCOPE tui http://127.0.0.1:$port " | head -1
}

tmux_shell 100 30
tm send-keys -t "$PANE" "export L=$LEAKSCOPE" Enter

# --- TERM=dumb: one line, exit 2
tm send-keys -t "$PANE" 'TERM=dumb $L tui http://127.0.0.1:9 --every 0; echo "exit status $?"' Enter
wait_for "exit status 2"
tm capture-pane -p -t "$PANE" >"$WORK/dumb.txt"
grep -q 'exit status 2' "$WORK/dumb.txt" || { cat "$WORK/dumb.txt"; echo "TERM=dumb did not exit 2"; exit 1; }
n=$(grep -c 'leakscope: ' "$WORK/dumb.txt")
[ "$n" = 1 ] || { cat "$WORK/dumb.txt"; echo "TERM=dumb said $n lines, not one"; exit 1; }
grep -q 'TERM=dumb cannot move the cursor' "$WORK/dumb.txt" || { cat "$WORK/dumb.txt"; exit 1; }
echo "ok: TERM=dumb is refused with one line, exit 2"

# --- an API server that accepts and never answers
silent_start
port=$SILENT_PORT
mkdir -p "$WORK/kube"
cat >"$WORK/kube/config" <<KC
apiVersion: v1
kind: Config
clusters:
- name: silent
  cluster:
    server: https://127.0.0.1:$port
    insecure-skip-tls-verify: true
contexts:
- name: silent
  context:
    cluster: silent
    user: oncall
    namespace: shop
current-context: silent
users:
- name: oncall
  user:
    token: keys-test-token
KC
tm send-keys -t "$PANE" clear Enter
tm send-keys -t "$PANE" "KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= script -qfc '\$L tui http://127.0.0.1:$port --every 0' $WORK/typescript" Enter
wait_for 'GOROUTINES'
pid=$(console_pid)
[ -n "$pid" ] || { echo "no console process"; exit 1; }
tm send-keys -t "$PANE" ':target pod/web-1' Enter
wait_for 'opening pod/web-1'
tm send-keys -t "$PANE" '?'
wait_for 'this help'
echo "ok: while pod/web-1 is being resolved against a silent API server, ? opens the help"
tm send-keys -t "$PANE" C-c
wait_for 'Ctrl-C: cancelled what was in flight'
kill -0 "$pid" || { echo "Ctrl-C during the resolution ended the console"; exit 1; }
echo "ok: Ctrl-C cancels the resolution and the console goes on"

# --- a snapshot of the silent target hangs; Ctrl-C cancels it, the console goes on
tm send-keys -t "$PANE" Escape
tm send-keys -t "$PANE" s
wait_for 'taking a snapshot of'
if tm capture-pane -p -t "$PANE" | grep -qF 'Ctrl-C: cancelled'; then
	echo "the earlier Ctrl-C message is still shown: the check below would prove nothing"
	exit 1
fi
tm send-keys -t "$PANE" C-c
wait_for 'Ctrl-C: cancelled what was in flight'
kill -0 "$pid" || { echo "Ctrl-C during a snapshot ended the console"; exit 1; }
echo "ok: Ctrl-C cancels a snapshot that never comes and the console goes on"

# --- a paste is text
tm send-keys -t "$PANE" Escape
tm set-buffer -b p "$(printf 'open x\njjjdq')"
tm paste-buffer -p -b p -t "$PANE"
wait_for 'paste ignored'
kill -0 "$pid" || { echo "the pasted 'q' quit the console"; exit 1; }
tm send-keys -t "$PANE" ':'
tm paste-buffer -p -b p -t "$PANE"
wait_for ':open x jjjdq'
echo "ok: a paste with no line open is ignored; at ':' it is one line of text"
tm send-keys -t "$PANE" C-u Escape

# --- w writes into the store (the selected target's directory), then into the open incident
tm send-keys -t "$PANE" w
wait_for 'wrote the targets view into the store'
ls "$WORK"/.local/state/leakscope/snapshots/url/*/*/leakscope-targets-*.md >/dev/null ||
	{ find "$WORK/.local" -name '*.md'; echo "w wrote nothing into the store"; exit 1; }
tm send-keys -t "$PANE" ":playbook $ROOT/tests/tui/data/playbooks/pods-drill.json $WORK/inc" Enter
wait_for 'pods-drill: incident'
tm send-keys -t "$PANE" w
wait_for 'wrote the targets view into the incident'
ls "$WORK"/inc/leakscope-targets-*.md >/dev/null || { echo "w wrote nothing into the incident"; exit 1; }
echo "ok: w writes into the store, and into the incident while a playbook is open, and says so"
tm send-keys -t "$PANE" q
wait_for 'quit? [y/N]'
tm send-keys -t "$PANE" n
wait_for 'not quitting'
kill -0 "$pid" || { echo "n at the question quit"; exit 1; }
echo "ok: q with a playbook open asks; n keeps the console"

# --- Ctrl-Z gives the terminal back (bracketed paste off), and it comes back on
grep -c $'\e\[?2004h' "$WORK/typescript" >/dev/null || { echo "bracketed paste was never switched on"; exit 1; }
on_before=$(grep -o $'\e\[?2004[hl]' "$WORK/typescript" | tail -1)
[ "$on_before" = $'\e[?2004h' ] || { echo "bracketed paste is not on while the console runs"; exit 1; }
tm send-keys -t "$PANE" C-z
for _ in $(seq 1 50); do
	last=$(grep -o $'\e\[?2004[hl]' "$WORK/typescript" | wc -l)
	[ "$last" -ge 3 ] && break
	sleep 0.1
done
grep -o $'\e\[?2004[hl]' "$WORK/typescript" | tail -2 | tr -d '\033' >"$WORK/tstp.txt"
printf '[?2004l\n[?2004h\n' | diff - "$WORK/tstp.txt" || { echo "Ctrl-Z did not switch bracketed paste off and on again"; exit 1; }
echo "ok: Ctrl-Z switches bracketed paste off (on again when continued)"

# --- Ctrl-C with nothing in flight and a playbook open asks; a second one quits
tm send-keys -t "$PANE" C-c
wait_for 'quit? [y/N]'
kill -0 "$pid" || { echo "Ctrl-C with a playbook open quit without asking"; exit 1; }
tm send-keys -t "$PANE" C-c
wait_gone "$pid"
last=$(grep -o $'\e\[?2004[hl]' "$WORK/typescript" | tail -1)
[ "$last" = $'\e[?2004l' ] || { echo "bracketed paste left on after the console ended"; exit 1; }
echo "ok: Ctrl-C with a playbook open asks, a second quits; bracketed paste is off after"
