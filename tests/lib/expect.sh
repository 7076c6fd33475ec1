# shellcheck shell=bash
# tests/lib/expect.sh - the checks integration tests share. Source it from bash after setting
# fails=0; WORK is the test's scratch directory.
#
# fail MESSAGE...
#     Prints "FAIL: MESSAGE" and counts it in fails.
# expect_rc WANT NAME COMMAND...
#     Runs COMMAND with stdout in $WORK/out and stderr in $WORK/err (both appended to
#     $WORK/printed, for token checks); fails NAME unless it exits WANT.
# one_line_err NAME PATTERN
#     Fails NAME unless $WORK/err is one line holding PATTERN (grep).

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

expect_rc() {
    local want=$1 name=$2 rc
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err"
    rc=$?
    cat "$WORK/out" "$WORK/err" >>"$WORK/printed"
    if [ "$rc" != "$want" ]; then
        fail "$name: exit $rc, want $want; stderr: $(head -c 400 "$WORK/err")"
        return 1
    fi
    echo "ok: $name"
}

one_line_err() { # NAME PATTERN
    if [ "$(wc -l <"$WORK/err")" != 1 ]; then
        fail "$1: stderr is not one line: $(cat "$WORK/err")"
    elif ! grep -q -- "$2" "$WORK/err"; then
        fail "$1: stderr lacks '$2': $(cat "$WORK/err")"
    else
        echo "ok: $1 says: $(cat "$WORK/err")"
    fi
}
