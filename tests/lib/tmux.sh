# tmux.sh: a real terminal for console tests. A private tmux server ($SOCK, set per test before
# sourcing) with one window t whose pane ($PANE) runs a bare shell with a clean environment.
#   tm ARGS...          tmux on this test's server
#   tmux_shell W H      start the server, the shell at W×H columns×rows, and wait for its prompt
#   wait_for TEXT       wait (20 s at most) until the pane shows TEXT; prints the pane when not
#   run_in_pane CMD     run CMD in the pane's shell and wait (20 s at most) for it to finish
#   wait_gone PID       wait (10 s at most) until PID has exited; prints the pane when not
SOCK=${SOCK:-leakscope-$$}
PANE=${PANE:-t:0}

tm() { tmux -L "$SOCK" "$@"; }

tmux_shell() {
	tm -f /dev/null new-session -d -s t -x "$1" -y "$2" \
		"env -i PATH=$PATH HOME=$WORK TERM=screen-256color TZ=UTC LC_ALL=C.UTF-8 PS1='$ ' bash --norc --noprofile"
	tm set-option -t t status off
	wait_for '$'
}

wait_for() {
	local i
	for i in $(seq 1 200); do
		tm capture-pane -p -t "$PANE" | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$1'; the pane:"
	tm capture-pane -p -t "$PANE"
	return 1
}

run_in_pane() {
	rm -f "$WORK/done"
	tm send-keys -t "$PANE" "$1; touch $WORK/done" Enter
	for _ in $(seq 1 200); do [ -e "$WORK/done" ] && return 0; sleep 0.1; done
	echo "pane command did not finish: $1"
	return 1
}

wait_gone() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "pid $1 did not exit; the pane:"
	tm capture-pane -p -t "$PANE"
	return 1
}
