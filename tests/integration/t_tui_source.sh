#!/usr/bin/env bash
# The stack view's ways out, in a real terminal (tmux 100x30): e opens the top user frame's line
# in $EDITOR with the build path mapped under --source-root (a stand-in editor records its
# arguments), and the console is drawn again after it; y with --osc52 puts the stack into the
# terminal's clipboard (tmux's buffer, set-clipboard on), and without it says it is off and sends
# nothing.
set -euo pipefail
SOCK=leakscope-src-$$
. "$ROOT/tests/lib/tmux.sh"
cleanup() { tm kill-server 2>/dev/null || true; }
trap cleanup EXIT

profile=$ROOT/tests/tui/data/after.debug2.txt
# the profile's build path of the fixture, and the copy of its tree the engineer has here
build=$(grep -o '/[^ ]*/tests/fixtures/leaky/main.go' "$profile" | head -1)
mkdir -p "$WORK/src/tests/fixtures/leaky"
seq 1 1000 >"$WORK/src/tests/fixtures/leaky/main.go"
cat >"$WORK/editor" <<ED
#!/bin/sh
printf '%s\n' "\$@" >"$WORK/editor.args"
ED
chmod +x "$WORK/editor"

tmux_shell 100 30
tm set-option -s set-clipboard on
tm send-keys -t "$PANE" "export L=$LEAKSCOPE" Enter
tm send-keys -t "$PANE" "EDITOR=$WORK/editor \$L tui --no-store --osc52 --source-root $WORK/src $profile" Enter
wait_for 'FORMAT'
tm send-keys -t "$PANE" Enter
wait_for 'TOP FRAME'
tm send-keys -t "$PANE" Enter
wait_for 'frames, innermost first'
top=$(tm capture-pane -p -t "$PANE" | grep -A1 '^> ' | tail -1 | grep -o 'main.go:[0-9]*' | cut -d: -f2)
[ -n "$top" ] || { tm capture-pane -p -t "$PANE"; echo "no top user frame in main.go on the stack view"; exit 1; }

# --- e: the top user frame's line, the path mapped under --source-root
tm send-keys -t "$PANE" e
wait_for 'back from'
wait_for 'frames, innermost first'
printf '+%s\n%s\n' "$top" "$WORK/src/tests/fixtures/leaky/main.go" | diff - "$WORK/editor.args" ||
	{ echo "the editor got other arguments (build path $build)"; exit 1; }
echo "ok: e opens main.go:$top from --source-root in \$EDITOR, and the stack view is back"

# --- y: the stack into the clipboard
tm send-keys -t "$PANE" y
wait_for 'copied the stack'
tm show-buffer >"$WORK/clip.txt"
grep -qxF "	$build:$top" "$WORK/clip.txt" || { cat "$WORK/clip.txt"; echo "the clipboard lacks $build:$top"; exit 1; }
echo "ok: y with --osc52 puts the stack (with $build:$top) into the terminal's clipboard"
tm send-keys -t "$PANE" q
wait_for '$ '

# --- without --osc52: off, nothing sent
tm delete-buffer
tm send-keys -t "$PANE" clear Enter
tm send-keys -t "$PANE" "\$L tui --no-store $profile" Enter
wait_for 'FORMAT'
tm send-keys -t "$PANE" Enter
wait_for 'TOP FRAME'
tm send-keys -t "$PANE" Enter
wait_for 'frames, innermost first'
tm send-keys -t "$PANE" y
wait_for 'copying to the clipboard is off'
sleep 0.3
if tm show-buffer >/dev/null 2>&1; then
	echo "without --osc52 the clipboard was set"
	exit 1
fi
tm send-keys -t "$PANE" q
echo "ok: without --osc52, y says it is off and sends nothing"
