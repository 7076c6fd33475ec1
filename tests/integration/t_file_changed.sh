#!/usr/bin/env bash
# A profile file cut short by another process while leakscope reads it (tests/lib/cut_file.c cuts
# it right after the first read or mapping, so the moment is fixed): `top FILE` says "FILE changed
# while being read" on one line and exits 2, never SIGBUS; in the console, `:open FILE` shows the
# same line on the status line, the console goes on, and q leaves the terminal as it was (out of
# the alternate screen, stty -a unchanged).
set -euo pipefail
fails=0
. "$ROOT/tests/lib/expect.sh"
cd "$WORK"
cc -shared -fPIC -O1 -o "$WORK/cut.so" "$ROOT/tests/lib/cut_file.c" -ldl
src=$ROOT/tests/data/go127.debug2.txt
# a sanitizer runtime must come first; the shim only wraps read and mmap
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# --- top FILE, the file cut to nothing after the first read
for to in 0 100; do
	cp "$src" "$WORK/cut.txt"
	expect_rc 2 "top on a file cut to $to bytes" env CUT_FILE="$WORK/cut.txt" CUT_TO=$to \
		LD_PRELOAD="$WORK/cut.so" "$LEAKSCOPE" top "$WORK/cut.txt" || true
	one_line_err "top on a file cut to $to bytes" "cut.txt changed while being read"
	[ "$(stat -c %s "$WORK/cut.txt")" = "$to" ] || fail "the shim did not cut the file to $to"
done
# --- a big clean dump, read as two parts on two threads (analyze/parse_split.c), and a big paste,
# read ahead on a second thread (lib/readahead.h): each cut after its first read
big=$WORK/big.txt
while [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" -lt $((6 << 20)) ]; do cat "$src" >>"$big"; done
{ echo '$ curl -s localhost:6060/debug/pprof/goroutine?debug=2'; cat "$big"; } >"$WORK/bigpaste.txt"
for f in big bigpaste; do
	cp "$WORK/$f.txt" "$WORK/cut.txt"
	expect_rc 2 "top on a big file ($f) cut while read" env CUT_FILE="$WORK/cut.txt" CUT_TO=100 \
		LD_PRELOAD="$WORK/cut.so" "$LEAKSCOPE" top "$WORK/cut.txt" || true
	one_line_err "top on a big file ($f) cut while read" "cut.txt changed while being read"
	[ "$(stat -c %s "$WORK/cut.txt")" = 100 ] || fail "the shim did not cut the big file ($f)"
done
# standard input redirected from the file is read as the file is: a cut is seen there too
cp "$big" "$WORK/cut.txt"
expect_rc 2 "top - <big file cut while read" env CUT_FILE="$WORK/cut.txt" CUT_TO=100 \
	LD_PRELOAD="$WORK/cut.so" "$LEAKSCOPE" top - <"$WORK/cut.txt" || true
one_line_err "top - <big file cut while read" "standard input changed while being read"
# left alone, it reads whole: every copy of the dump's 47 goroutines
copies=$(grep -c '^goroutine [0-9]* \[' "$big")
for f in big bigpaste; do
	expect_rc 0 "top on a big file ($f) nobody touches" "$LEAKSCOPE" top "$WORK/$f.txt" &&
		grep -q "^$copies goroutines in " "$WORK/out" || fail "the big file ($f): $(head -3 "$WORK/out"), want $copies"
done
# the same file, left alone, reads as before
cp "$src" "$WORK/whole.txt"
expect_rc 0 "top on a file nobody touches" env CUT_FILE="$WORK/cut.txt" LD_PRELOAD="$WORK/cut.so" \
	"$LEAKSCOPE" top "$WORK/whole.txt" && grep -q '47 goroutines' "$WORK/out" ||
	fail "the untouched file did not parse: $(head -3 "$WORK/out")"

# --- the console's :open in a real terminal
SOCK=leakscope-cut-$$
. "$ROOT/tests/lib/tmux.sh"
trap 'tm kill-server 2>/dev/null || true' EXIT
tmux_shell 100 30
run_in_pane "stty -a >$WORK/stty.before"
cp "$src" "$WORK/cut.txt"
tm send-keys -t "$PANE" clear Enter
# the quotes in console-exit''= keep the typed command from reading as its own output
tm send-keys -t "$PANE" "ASAN_OPTIONS=$ASAN_OPTIONS CUT_FILE=$WORK/cut.txt LD_PRELOAD=$WORK/cut.so $LEAKSCOPE tui --every 0 $WORK/whole.txt; echo console-exit''=\$?" Enter
wait_for 'whole.txt'
tm send-keys -t "$PANE" ":open $WORK/cut.txt" Enter
wait_for 'changed while being read'
echo "ok: :open of a file cut while read shows: $(tm capture-pane -p -t "$PANE" | grep -F 'changed while' | head -1)"
tm send-keys -t "$PANE" q
wait_for 'console-exit='
tm capture-pane -p -t "$PANE" | grep -q 'console-exit=0' ||
	fail "the console did not exit 0: $(tm capture-pane -p -t "$PANE" | grep console-exit)"
[ "$(tm display-message -p -t "$PANE" '#{alternate_on}')" = 0 ] || fail "the terminal is left in the alternate screen"
run_in_pane "stty -a >$WORK/stty.after"
diff "$WORK/stty.before" "$WORK/stty.after" || fail "the terminal settings changed"
[ "$fails" = 0 ] && echo "ok: the console survives and restores the terminal"
exit "$fails"
