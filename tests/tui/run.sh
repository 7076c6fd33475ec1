#!/usr/bin/env bash
# Screen-dump tests of the console: each tests/tui/NAME.script runs in the hidden test mode
# (LEAKSCOPE_TUI_SCRIPT, LEAKSCOPE_TUI_DUMP: curses on /dev/null at a fixed size, the screen read
# back with winnstr) and its dump must equal NAME.screen. Header comments of a script:
#   # args: ARGS...     leakscope tui ARGS (paths relative to tests/tui)
#   # arg: ARG          one more argument, blanks and all, after ARGS (repeatable; e.g. a --rule's)
#   # size: COLSxROWS   the screen (default 80x24)
#   # env: VAR=VALUE    extra environment (repeatable)
#   # file: NAME        a file the script writes (:w NAME) that must equal NAME.NAME.expected
#   # setup: ARGS...    leakscope ARGS run first, in the same directory and environment (repeatable;
#                       e.g. `known add FP --incident INC-1` with an env: LEAKSCOPE_KNOWN_DB=known.db)
#   # api: yes          the kube API stand-in: nginx over HTTPS on 127.0.0.1 (tests/lib/apistub.sh)
#                       serving data/api (a PodList of five pods, namespace shop, and each pod's
#                       canned debug=1 profile through the pod proxy), a kubeconfig pointing at it
#                       with its CA and a token file (KUBECONFIG; kubectl is not asked); in
#                       args, @API_URL@, @TOKEN_FILE@ and @CA@ are its URL, token file and CA
#                       (an env: line may override KUBECONFIG); on the screen its port reads APORT
#   # expect: REGEX      a line of the dump must match REGEX (grep -E), whatever NAME.screen holds
#   # order: A | B | ...  every screen of the dump holds the texts A, B, ... on lines in that order
# The environment is fixed: TERM=xterm-256color, TZ=UTC, LC_ALL=C.UTF-8, a private HOME.
#   tests/tui/run.sh [NAME...]      run all, or the named ones
#   tests/tui/run.sh --update NAME  rewrite the expected files from the current output
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LEAKSCOPE=${LEAKSCOPE:-$ROOT/leakscope}
update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for s in "$HERE"/*.script; do names+=("$(basename "$s" .script)"); done
fi
pass=0 fail=0
# the API stand-in, started for the first script that asks for it and stopped on exit
API_DIR=
api_start() {
	[ -n "$API_DIR" ] && return 0
	API_DIR=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-tui-api.XXXXXX")
	WORK=$API_DIR
	# shellcheck source=../lib/nginx.sh
	. "$ROOT/tests/lib/nginx.sh"
	. "$ROOT/tests/lib/fixture.sh"
	. "$ROOT/tests/lib/apistub.sh"
	apistub_init "tui-test-token-$RANDOM$RANDOM" || return 1
	sed -e "s|@API@|$HERE/data/api|g" -e "s|@TOKEN@|$APISTUB_TOKEN|g" "$HERE/data/api/server.conf.in" >"$API_DIR/server.conf"
	apistub_serve "$API_DIR/server.conf" || return 1
	apistub_kubeconfig "$API_DIR/kube/config" test shop
}
api_stop() {
	[ -n "$API_DIR" ] || return 0
	nginx_stop
	rm -rf "$API_DIR"
}
trap api_stop EXIT
for name in "${names[@]}"; do
	script=$HERE/$name.script
	work=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-tui.XXXXXX")
	mkdir -p "$work/home"
	ln -s "$HERE/data" "$work/data"
	args=$(sed -n 's/^# args: //p' "$script" | head -1)
	size=$(sed -n 's/^# size: //p' "$script" | head -1)
	mapfile -t extra < <(sed -n 's/^# env: //p' "$script")
	mapfile -t more < <(sed -n 's/^# arg: //p' "$script")
	mapfile -t files < <(sed -n 's/^# file: //p' "$script")
	mapfile -t setups < <(sed -n 's/^# setup: //p' "$script")
	if grep -q '^# api: yes' "$script"; then
		if ! api_start; then
			echo "tui: $name FAILED: the API stand-in did not start"
			fail=$((fail + 1))
			continue
		fi
		extra=("KUBECONFIG=$API_DIR/kube/config" "LEAKSCOPE_KUBECTL=" ${extra[@]+"${extra[@]}"})
		args=${args//@API_URL@/https://127.0.0.1:$APISTUB_API_PORT}
		args=${args//@TOKEN_FILE@/$API_DIR/kube/token}
		args=${args//@CA@/$API_DIR/certs/ca.crt}
	fi
	setup_ok=1
	for s in "${setups[@]}"; do
		# shellcheck disable=SC2086
		if ! (cd "$work" && env -i PATH="$PATH" HOME="$work/home" TZ=UTC LC_ALL=C.UTF-8 ${extra[@]+"${extra[@]}"} \
			"$LEAKSCOPE" $s) >>"$work/setup.out" 2>&1; then
			echo "tui: $name FAILED: setup \`leakscope $s\` failed:"
			sed 's/^/    /' "$work/setup.out"
			setup_ok=0
			break
		fi
	done
	if [ $setup_ok -eq 0 ]; then
		fail=$((fail + 1))
		echo "    (kept $work)"
		continue
	fi
	# shellcheck disable=SC2086
	(cd "$work" && env -i PATH="$PATH" HOME="$work/home" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
		LEAKSCOPE_TUI_SIZE="${size:-80x24}" LEAKSCOPE_TUI_SCRIPT="$script" LEAKSCOPE_TUI_DUMP="$work/screen" \
		"${extra[@]}" "$LEAKSCOPE" tui --every 0 $args ${more[@]+"${more[@]}"}) >"$work/out" 2>&1
	rc=$?
	# the stand-in's port (five digits, chosen afresh) is APORT on the screen, same width
	if grep -q '^# api: yes' "$script" && [ -f "$work/screen" ]; then
		sed -i "s/127\.0\.0\.1:$APISTUB_API_PORT/127.0.0.1:APORT/g" "$work/screen"
	fi
	ok=1
	if [ $rc -ne 0 ] || [ ! -s "$work/screen" ]; then
		echo "tui: $name FAILED: exit $rc, no screen"
		sed 's/^/    /' "$work/out"
		ok=0
	fi
	checks=("screen:$name.screen")
	for f in "${files[@]}"; do checks+=("$f:$name.$f.expected"); done
	for c in "${checks[@]}"; do
		got=$work/${c%%:*} want=$HERE/${c#*:}
		[ $ok -eq 1 ] || break
		if [ $update -eq 1 ]; then
			cp "$got" "$want"
		elif ! diff -u "$want" "$got" >"$work/diff" 2>&1; then
			echo "tui: $name FAILED: ${c%%:*} differs from ${c#*:}:"
			sed 's/^/    /' "$work/diff" | head -60
			ok=0
		fi
	done
	# the script's own assertions, independent of the expected screen
	while [ $ok -eq 1 ] && IFS= read -r x; do
		if ! grep -Eq -- "$x" "$work/screen"; then
			echo "tui: $name FAILED: no line matches /$x/"
			ok=0
		fi
	done < <(sed -n 's/^# expect: //p' "$script")
	while [ $ok -eq 1 ] && IFS= read -r x; do
		if ! awk -v want="$x" '
			function check() { if (n && bad == "") for (i = 1; i <= k; i++) if (!(i in at)) bad = "screen " n " lacks " t[i] }
			BEGIN { k = split(want, t, / \| /) }
			/^=== screen / { check(); n++; delete at; next }
			{ for (i = 1; i <= k; i++) if (!(i in at) && index($0, t[i])) { at[i] = NR; if (i > 1 && !((i - 1) in at)) bad = "screen " n ": " t[i] " before " t[i - 1] } }
			END { check(); if (bad != "") { print bad; exit 1 } }' "$work/screen"; then
			echo "tui: $name FAILED: order $x"
			ok=0
		fi
	done < <(sed -n 's/^# order: //p' "$script")
	if [ $ok -eq 1 ] && grep -q -- '--ascii' <<<"$args" && LC_ALL=C grep -q '[^ -~]' "$work/screen"; then
		echo "tui: $name FAILED: --ascii screen has non-ASCII bytes"
		ok=0
	fi
	if [ $ok -eq 1 ]; then
		pass=$((pass + 1))
		echo "tui: $name ok"
		rm -rf "$work"
	else
		fail=$((fail + 1))
		echo "    (kept $work)"
	fi
done
echo "tui: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
