#!/usr/bin/env bash
# t_cli_messages.sh: the messages a newcomer meets first, each one line that names the real fault:
# a kubeconfig that is not there (not kubectl's "current-context must exist"), options given
# without a command (they are the console's: its own option errors, its screen), the leak-pattern
# catalogue that lives beside the playbooks (never listed or shown as one), and a key typed at a
# playbook choice that is not one of its options (the valid keys are listed, on a real terminal).
# Needs: python3 (its pty module). Env: LEAKSCOPE ROOT WORK.
set -u
. "$ROOT/tests/lib/expect.sh"
fails=0
export HOME=$WORK/home TZ=UTC LC_ALL=C.UTF-8 LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
mkdir -p "$HOME"

# a missing kubeconfig, by option and by KUBECONFIG; kubectl, when installed, is never reached
expect_rc 2 "pods --kubeconfig missing" "$LEAKSCOPE" pods --kubeconfig "$WORK/nope"
one_line_err "pods --kubeconfig missing" "^leakscope: kubeconfig $WORK/nope: No such file or directory (--kubeconfig)$"
KUBECONFIG=$WORK/nope2 expect_rc 2 "KUBECONFIG missing" "$LEAKSCOPE" pods
one_line_err "KUBECONFIG missing" "kubeconfig $WORK/nope2: No such file or directory (KUBECONFIG)"
expect_rc 2 "snapshot pod/x --kubeconfig missing" "$LEAKSCOPE" snapshot pod/x --kubeconfig "$WORK/nope"
one_line_err "snapshot pod/x --kubeconfig missing" "kubeconfig $WORK/nope: No such file"

# options without a command: the console's options, not "unknown command"
expect_rc 2 "options without a command: a bad value" "$LEAKSCOPE" --every soon </dev/null
one_line_err "options without a command: a bad value" "^leakscope tui: --every takes seconds, not 'soon'"
expect_rc 2 "options without a command: no terminal" "$LEAKSCOPE" --kubeconfig "$WORK/nope" </dev/null
one_line_err "options without a command: no terminal" "the console needs a terminal"
expect_rc 2 "an unknown word is still an unknown command" "$LEAKSCOPE" frobnicate
one_line_err "an unknown word is still an unknown command" "unknown command 'frobnicate'"
# ... and the console opens with them: its pods view says what is wrong with that kubeconfig
printf ':wait\n:dump\n' >"$WORK/console.script"
(cd "$WORK" && TERM=xterm-256color LEAKSCOPE_TUI_SIZE=120x24 LEAKSCOPE_TUI_SCRIPT="$WORK/console.script" \
	LEAKSCOPE_TUI_DUMP="$WORK/console.screen" timeout 30 "$LEAKSCOPE" --every 0 --kubeconfig nope \
	</dev/null >"$WORK/out" 2>"$WORK/err")
rc=$?
if [ "$rc" != 0 ]; then
	fail "console from options alone: exit $rc: $(cat "$WORK/err")"
elif ! grep -q "kubeconfig nope: No such file or directory (--kubeconfig)" "$WORK/console.screen"; then
	fail "console from options alone: the pods view does not name the kubeconfig: $(cat "$WORK/console.screen")"
else
	echo "ok: 'leakscope --kubeconfig F' opens the console with F"
fi

# the catalogue beside the playbooks is not a playbook
expect_rc 0 "playbook list" "$LEAKSCOPE" playbook list
[ -s "$WORK/err" ] && fail "playbook list: stderr: $(cat "$WORK/err")"
grep -q '^goroutine-leak ' "$WORK/out" || fail "playbook list: no goroutine-leak: $(cat "$WORK/out")"
grep -q 'patterns' "$WORK/out" "$WORK/err" && fail "playbook list names the catalogue"
expect_rc 0 "playbook show" "$LEAKSCOPE" playbook show goroutine-leak
[ -s "$WORK/err" ] && fail "playbook show: stderr: $(cat "$WORK/err")"
expect_rc 2 "playbook show patterns" "$LEAKSCOPE" playbook show patterns
one_line_err "playbook show patterns" "patterns.json is the leak-pattern catalogue, not a playbook"

# a key that is not an option, typed on a terminal: the valid keys are listed, and the prompt
# asks again
cat >"$WORK/pick.json" <<'JSON'
{"id": "pick", "title": "Pick", "steps": [
  {"id": "decide", "title": "Decide", "text": "Which one?",
   "choice": {"options": [{"key": "restart", "label": "restart it", "next": "end"},
                          {"key": "rollback", "label": "roll it back", "next": "end"},
                          {"key": "none", "label": "nothing", "next": "end"}]}}]}
JSON
python3 - "$LEAKSCOPE" "$WORK/pick.json" "$WORK/inc-pick" >"$WORK/pty.out" 2>&1 <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "playbook", "run", sys.argv[2], "--incident", sys.argv[3]])
out, sent, deadline = b"", 0, time.time() + 30
answers = [b"2\n", b"rollback\n"]
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    if sent < len(answers) and out.count(b"choice> ") > sent:
        os.write(fd, answers[sent])
        sent += 1
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
EOF
if ! grep -q "'2' is not an option: type restart, rollback or none (enter: restart)" "$WORK/pty.out"; then
	fail "a wrong key at a choice: the valid keys are not listed: $(cat "$WORK/pty.out")"
elif ! grep -q -- "-> roll it back" "$WORK/pty.out"; then
	fail "a wrong key at a choice: the prompt did not take the right one after it: $(cat "$WORK/pty.out")"
else
	echo "ok: a wrong key at a choice lists restart, rollback or none"
fi

[ "$fails" -eq 0 ]
