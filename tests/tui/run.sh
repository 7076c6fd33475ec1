#!/usr/bin/env bash
# Screen-dump tests of the console: each tests/tui/NAME.script runs in the hidden test mode
# (LEAKSCOPE_TUI_SCRIPT, LEAKSCOPE_TUI_DUMP: curses on /dev/null at a fixed size, the screen read
# back with winnstr) and its dump must equal NAME.screen. Header comments of a script:
#   # args: ARGS...     leakscope tui ARGS (paths relative to tests/tui)
#   # size: COLSxROWS   the screen (default 80x24)
#   # env: VAR=VALUE    extra environment (repeatable)
#   # file: NAME        a file the script writes (:w NAME) that must equal NAME.NAME.expected
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
for name in "${names[@]}"; do
	script=$HERE/$name.script
	work=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-tui.XXXXXX")
	mkdir -p "$work/home"
	ln -s "$HERE/data" "$work/data"
	args=$(sed -n 's/^# args: //p' "$script" | head -1)
	size=$(sed -n 's/^# size: //p' "$script" | head -1)
	mapfile -t extra < <(sed -n 's/^# env: //p' "$script")
	mapfile -t files < <(sed -n 's/^# file: //p' "$script")
	# shellcheck disable=SC2086
	(cd "$work" && env -i PATH="$PATH" HOME="$work/home" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 \
		LEAKSCOPE_TUI_SIZE="${size:-80x24}" LEAKSCOPE_TUI_SCRIPT="$script" LEAKSCOPE_TUI_DUMP="$work/screen" \
		"${extra[@]}" "$LEAKSCOPE" tui --every 0 $args) >"$work/out" 2>&1
	rc=$?
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
