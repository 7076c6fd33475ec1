#!/usr/bin/env bash
# The console's pods view against live replicas: nginx stands in for the API server over HTTPS
# (a CA, a token file, the pod proxy routed to five Go fixture processes, web-3 leaking far more
# than the others), and a throwaway kubeconfig points at it.
#   - test mode, under every Go version: no target lists the five pods, samples each, and stars
#     and names web-3 as the outlier;
#   - tmux, under every Go version: `leakscope` alone on a terminal opens the pods view and finds
#     the outlier; q leaves stty -a as it was;
#   - once: s on a pod writes the snapshot to the store (0600, sidecar); a second console lists it
#     in the snapshots view and d diffs it against a new one, the growing group on top.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"

NS=shop
TOKEN="tui-test-token-$RANDOM$RANDOM"
PODS="web-0 web-1 web-2 web-3 web-4"
OUTLIER=web-3
SOCK=leakscope-tui-pods-$$
fails=0
. "$ROOT/tests/lib/tmux.sh"
cleanup() {
	tm kill-server 2>/dev/null
	apistub_stop
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# console SCRIPT_TEXT NAME: the console in test mode, no target; the screens in $WORK/NAME.screen
console() {
	printf '%s\n' "$1" >"$WORK/$2.script"
	(cd "$WORK" && env -i PATH="$PATH" HOME="$WORK/home" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
		KUBECONFIG="$WORK/kube/config" LEAKSCOPE_KUBECTL= XDG_STATE_HOME="$WORK/state" \
		LEAKSCOPE_TUI_SIZE=100x30 LEAKSCOPE_TUI_SCRIPT="$WORK/$2.script" LEAKSCOPE_TUI_DUMP="$WORK/$2.screen" \
		"$LEAKSCOPE" tui --every 0) >"$WORK/$2.out" 2>&1 || fail "$2: exit $?: $(cat "$WORK/$2.out")"
}


apistub_init "$TOKEN" || exit 1
mkdir -p "$WORK/home"
first=${GO_VERSIONS%% *}
for version in $GO_VERSIONS; do
	echo "== Go $version"
	apistub_replicas "$version" "$OUTLIER" "$PODS" -pool 3 || exit 1
	apistub_conf "$NS"
	apistub_serve || exit 1
	apistub_kubeconfig "$WORK/kube/config" test "$NS"

	# --- test mode: the pods listed and sampled, the outlier starred and named
	console ':wait
:dump' pods
	cat "$WORK/pods.screen"
	grep -q "^\* $OUTLIER " "$WORK/pods.screen" || fail "pods view ($version): $OUTLIER not starred"
	grep -q "5 pods in test/$NS: 5 answered.*outlier: $OUTLIER" "$WORK/pods.screen" ||
		fail "pods view ($version): no summary naming $OUTLIER"
	[ "$(grep -c '^\*' "$WORK/pods.screen")" = 1 ] || fail "pods view ($version): not exactly one pod starred"
	echo "ok: pods view ($version): $OUTLIER starred and named"

	# --- tmux: leakscope alone on a terminal
	tm -f /dev/null new-session -d -s t -x 100 -y 30 \
		"env -i PATH=$PATH HOME=$WORK/home TERM=screen-256color TZ=UTC LC_ALL=C.UTF-8 KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= XDG_STATE_HOME=$WORK/state PS1='$ ' bash --norc --noprofile"
	tm set-option -t t status off
	wait_for '$' || fail "tmux shell"
	run_in_pane "stty -a >$WORK/stty.before"
	tm send-keys -t "$PANE" "$LEAKSCOPE" Enter
	if wait_for "outlier: $OUTLIER"; then
		tm capture-pane -p -t "$PANE" >"$WORK/tmux.txt"
		cat "$WORK/tmux.txt"
		grep -q "^\* $OUTLIER " "$WORK/tmux.txt" || fail "tmux ($version): $OUTLIER row not starred"
		echo "ok: tmux ($version): leakscope with no target finds $OUTLIER"
	else
		fail "tmux ($version): no outlier named"
	fi
	tm send-keys -t "$PANE" q
	run_in_pane "stty -a >$WORK/stty.after"
	diff "$WORK/stty.before" "$WORK/stty.after" >/dev/null || fail "tmux ($version): q left the terminal changed"
	tm kill-server 2>/dev/null
	[ "$version" = "$first" ] || continue

	# --- the store: s on web-3 writes it; a second console lists it and diffs it with a new one
	console ':wait
/web-3
s
:wait
:dump' store1
	dir=$WORK/state/leakscope/snapshots/test/$NS/$OUTLIER
	f=$(ls "$dir"/*.debug1.txt 2>/dev/null | head -1)
	if [ -z "$f" ]; then
		fail "s stored nothing in $dir: $(cat "$WORK/store1.screen")"
	else
		[ "$(stat -c %a "$f")" = 600 ] || fail "stored profile mode $(stat -c %a "$f")"
		[ "$(stat -c %a "$f.json")" = 600 ] || fail "sidecar mode $(stat -c %a "$f.json")"
		[ "$(stat -c %a "$dir")" = 700 ] || fail "store dir mode $(stat -c %a "$dir")"
		python3 - "$f.json" "$f" <<'EOF' || fail "sidecar: $(cat "$f.json")"
import json, os, sys
m = json.load(open(sys.argv[1]))
assert m["source"] == "pod/web-3 (test/shop)", m
assert (m["context"], m["namespace"], m["pod"]) == ("test", "shop", "web-3"), m
assert m["format"] == "debug=1" and m["total"] > 0 and m["bytes"] == os.path.getsize(sys.argv[2]), m
assert m["time"].endswith("Z"), m
print("ok: stored", os.path.basename(sys.argv[2]), m["total"], "goroutines, sidecar as leakscope snapshot writes it")
EOF
		grep -q "stored" "$WORK/store1.screen" || fail "no 'stored' in the status line: $(tail -2 "$WORK/store1.screen")"
	fi
	eval "port=\$PORT_${OUTLIER//-/_}"
	fixture_control "$port" 'control/leak?pattern=chansend&n=25' >/dev/null
	top=$(fixture_expected "$port" | python3 -c 'import json,sys; print(json.load(sys.stdin)["patterns"]["chansend"]["top"])')
	console ':wait
/web-3
S
:dump
<Esc> <Esc> s
:wait
d
:dump' store2
	cat "$WORK/store2.screen"
	# not loaded yet (no number), dated, named by pod and file
	grep -qE "^ +- +debug=1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} .* $OUTLIER $(basename "$f")" \
		"$WORK/store2.screen" || fail "the snapshots view does not list the stored one"
	row=$(grep -A1 'DELTA' "$WORK/store2.screen" | tail -1)
	echo "first diff row: $row"
	echo "$row" | grep -qF "$top" && echo "$row" | grep -qE '^ +\+25 ' ||
		fail "d (stored vs new): the first row is not $top +25: $row"
	echo "ok: the store: listed by a second console, diffed against a new snapshot"
done
echo "failures: $fails"
[ "$fails" -eq 0 ]
