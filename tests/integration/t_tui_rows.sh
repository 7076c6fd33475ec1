#!/usr/bin/env bash
# Rows the console keeps apart, through the API-server stand-in (nginx over HTTPS serving the
# screen tests' canned cluster, tests/tui/data/api): namespace cart holds three replicas whose
# names differ only at the end, and their profiles hold three groups stopped at the same frame
# (cache.(*Cache).Touch cache/cache.go:46) from different callers.
#   - test mode at 80x24 and 120x36: the three names shown whole and distinct; in the diff of two
#     replicas no two rows read alike and every frame keeps its line number; the stack view keeps
#     the line number of a path longer than the screen;
#   - the CLI's diff and top: a "via" line names the caller that tells those groups apart;
#   - tmux at 80x24, `leakscope tui -n cart` on a real terminal: the names distinct, s on two of
#     them, A and B marked in the snapshots view, d: no two diff rows alike, and the title line of
#     the diff and the stack views names context/namespace and the pod.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/nginx.sh"
. "$ROOT/tests/lib/apistub.sh"

API=$ROOT/tests/tui/data/api
PODS="leaky-5d8c7b9f-2xkqp leaky-5d8c7b9f-7hmzt leaky-5d8c7b9f-q4wnb"
SOCK=leakscope-tui-rows-$$
fails=0
. "$ROOT/tests/lib/tmux.sh"
cleanup() {
	tm kill-server 2>/dev/null
	nginx_stop
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# console SIZE NAME ARGS...: the console in test mode, the script $WORK/NAME.script, the screens in
# $WORK/NAME.screen
console() {
	local size=$1 name=$2
	shift 2
	(cd "$WORK" && env -i PATH="$PATH" HOME="$WORK/home" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
		KUBECONFIG="$WORK/kube/config" LEAKSCOPE_KUBECTL= XDG_STATE_HOME="$WORK/state" \
		LEAKSCOPE_TUI_SIZE="$size" LEAKSCOPE_TUI_SCRIPT="$WORK/$name.script" LEAKSCOPE_TUI_DUMP="$WORK/$name.screen" \
		"$LEAKSCOPE" tui --every 0 "$@") >"$WORK/$name.out" 2>&1 || fail "$name: exit $?: $(cat "$WORK/$name.out")"
}

# check_names FILE WHAT: each pod's whole name starts a row, and on one row only
check_names() {
	local pod
	for pod in $PODS; do
		[ "$(grep -cE "^[* ] $pod " "$1")" = 1 ] || fail "$2: $pod is not on exactly one row: $(head -6 "$1")"
	done
}

# diff_rows FILE: the rows of the (last) diff table, each with the "via" line beneath it joined on
diff_rows() {
	awk '/^  DELTA/ { n = 0; delete rows; on = 1; next }
	     on && /^ *$/ { on = 0 }
	     on && /^ +via / { sub(/^ +/, " "); rows[n - 1] = rows[n - 1] $0; next }
	     on { rows[n++] = $0 }
	     END { for (i = 0; i < n; i++) print rows[i] }' "$1"
}

# check_rows FILE WHAT: no two rows read alike once the counts are left out, and every frame shown
# ends in :LINE (no line number cut)
check_rows() {
	local rows frames
	rows=$(diff_rows "$1")
	[ -n "$rows" ] || {
		fail "$2: no diff rows: $(cat "$1")"
		return
	}
	# the frame column: past the state, from the first "pkg.func" on
	frames=$(sed -E 's/^ *[-+][0-9]+ +[^ ]+ +([^ ]* +)?[^ ]+ +//' <<<"$rows")
	if [ -n "$(sort <<<"$frames" | uniq -d)" ]; then
		fail "$2: rows alike: $(sort <<<"$frames" | uniq -d)"
	fi
	[ "$(grep -c 'Touch cache/cache.go:46' <<<"$rows")" = 3 ] || fail "$2: not three Touch rows: $rows"
	[ "$(grep -c 'Touch cache/cache.go:46 *via ' <<<"$rows")" = 3 ] || fail "$2: a Touch row without its caller: $rows"
	for l in "api/cart.go:88" "api/user.go:31" "api/cart.go:142" "search.go:1234" "transport.go:2392"; do
		grep -qF "$l" <<<"$rows" || fail "$2: $l not shown whole: $rows"
	done
	if grep -vqE ':[0-9]+$' <<<"$rows"; then
		fail "$2: a row whose frame does not end in its line number: $(grep -vE ':[0-9]+$' <<<"$rows")"
	fi
}

mkdir -p "$WORK/home" "$WORK/state"
apistub_init "tui-rows-token-$RANDOM$RANDOM" || exit 1
sed -e "s|@API@|$API|g" -e "s|@TOKEN@|$APISTUB_TOKEN|g" "$API/server.conf.in" >"$WORK/server.conf"
apistub_serve "$WORK/server.conf" || exit 1
apistub_kubeconfig "$WORK/kube/config" test shop

# --- test mode, 80x24 and 120x36
printf ':wait\n:dump\n' >"$WORK/pods.script"
printf 'd\n:dump\nj j\n<Enter>\n:dump\n' >"$WORK/diff.script"
for size in 80x24 120x36; do
	before=$fails
	cp "$WORK/pods.script" "$WORK/pods-$size.script"
	cp "$WORK/diff.script" "$WORK/diff-$size.script"
	console "$size" "pods-$size" -n cart
	check_names "$WORK/pods-$size.screen" "pods view ($size)"
	console "$size" "diff-$size" "$API/cart/leaky-5d8c7b9f-7hmzt.debug1.txt" "$API/cart/leaky-5d8c7b9f-2xkqp.debug1.txt"
	check_rows "$WORK/diff-$size.screen" "diff view ($size)"
	grep -qE '^ +.*/search\.go:1234$' "$WORK/diff-$size.screen" ||
		fail "stack view ($size): the long path lost its line number: $(tail -12 "$WORK/diff-$size.screen")"
	[ "$fails" = "$before" ] && echo "ok: test mode ($size): names whole, no two diff rows alike, line numbers kept"
done

# --- the CLI: diff and top say "via" the caller under each group stopped at the same frame
A=$API/cart/leaky-5d8c7b9f-7hmzt.debug1.txt B=$API/cart/leaky-5d8c7b9f-2xkqp.debug1.txt
"$LEAKSCOPE" diff "$A" "$B" >"$WORK/cli-diff.txt" 2>&1 || fail "diff: exit $?"
"$LEAKSCOPE" top "$B" >"$WORK/cli-top.txt" 2>&1 || fail "top: exit $?"
for f in cli-diff cli-top; do
	vias=$(grep -A1 'cache.(\*Cache).Touch (cache/cache.go:46)' "$WORK/$f.txt" | grep -oE 'via [^ ]+ \([^)]*\)' | sort)
	[ "$(wc -l <<<"$vias")" = 3 ] && [ -z "$(uniq -d <<<"$vias")" ] ||
		fail "$f: the three Touch groups are not told apart by their callers: $(cat "$WORK/$f.txt")"
	grep -q 'via .*lookupAllMatchingDocuments\|via .*worker' "$WORK/$f.txt" && fail "$f: a group alone at its frame got a via line"
done
[ "$fails" = 0 ] && echo "ok: diff and top name the caller of each group stopped at the same frame"

tm -f /dev/null new-session -d -s t -x 80 -y 24 \
	"env -i PATH=$PATH HOME=$WORK/home TERM=screen-256color TZ=UTC LC_ALL=C.UTF-8 KUBECONFIG=$WORK/kube/config LEAKSCOPE_KUBECTL= XDG_STATE_HOME=$WORK/state $LEAKSCOPE tui --every 0 -n cart"
tm set-option -t t status off
if wait_for "3 pods in test/cart: 3 answered"; then
	tm capture-pane -p -t "$PANE" >"$WORK/tmux-pods.txt"
	cat "$WORK/tmux-pods.txt"
	check_names "$WORK/tmux-pods.txt" "tmux pods view"
	tm send-keys -t "$PANE" s
	wait_for "snapshot #1 of leaky-5d8c7b9f-2xkqp" || fail "tmux: s took no snapshot"
	tm send-keys -t "$PANE" j s
	wait_for "snapshot #2 of leaky-5d8c7b9f-" || fail "tmux: j s took no snapshot"
	tm send-keys -t "$PANE" S
	wait_for "SOURCE" || fail "tmux: S opened no snapshots view"
	tm send-keys -t "$PANE" k a j b d
	if wait_for "B #2 against A #1"; then
		tm capture-pane -p -t "$PANE" >"$WORK/tmux-diff.txt"
		cat "$WORK/tmux-diff.txt"
		check_rows "$WORK/tmux-diff.txt" "tmux diff view"
		head -1 "$WORK/tmux-diff.txt" | grep -q "diff | test/cart | leaky-5d8c7b9f-" ||
			fail "tmux: the diff's title names no context/namespace and pod: $(head -1 "$WORK/tmux-diff.txt")"
		tm send-keys -t "$PANE" Enter
		wait_for "frames, innermost first" || fail "tmux: enter opened no stack view"
		tm capture-pane -p -t "$PANE" | head -1 | grep -q "stack | test/cart | leaky-5d8c7b9f-" ||
			fail "tmux: the stack's title names no context/namespace and pod"
		[ "$fails" = 0 ] && echo "ok: tmux 80x24: names distinct, no two diff rows alike, the titles say where"
	else
		fail "tmux: d opened no diff of A and B"
	fi
	tm send-keys -t "$PANE" q
else
	fail "tmux: the pods of cart were not listed"
fi
echo "failures: $fails"
[ "$fails" -eq 0 ]
