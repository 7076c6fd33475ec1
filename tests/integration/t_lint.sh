#!/usr/bin/env bash
# make lint is not advisory: in a clone of this checkout, it passes as committed, and fails (exit
# 1, the offending lines shown) on a changed line that .clang-format would reformat, on a new
# file that is not formatted, and on a banned call; lines older than .clang-format are left alone.
set -u
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
command -v git-clang-format >/dev/null || { echo "FAIL: git-clang-format missing"; exit 1; }
git clone -q "$ROOT" "$WORK/repo" || exit 1
cd "$WORK/repo" || exit 1
git config user.email lint@example.invalid
git config user.name lint
tests/lib/lint.sh >"$WORK/out" 2>&1 || fail "the clone as committed: $(tail -5 "$WORK/out")"
# a changed line, badly formatted
printf 'static int lint_probe(int a,int b){return a+b;}\n' >>lib/err.c
tests/lib/lint.sh >"$WORK/out" 2>&1
[ $? -eq 1 ] && grep -q 'lint_probe' "$WORK/out" && echo "ok: a changed line that is not formatted fails" ||
    fail "an unformatted changed line: $(tail -5 "$WORK/out")"
git checkout -q -- lib/err.c
# a new file, committed, not formatted
printf '/* x.c */\nint  lint_new( void ) { return 1; }\n' >analyze/lint_new.c
git add analyze/lint_new.c && git commit -qm probe
tests/lib/lint.sh >"$WORK/out" 2>&1
[ $? -eq 1 ] && echo "ok: an unformatted new file fails" || fail "an unformatted new file: $(tail -5 "$WORK/out")"
git reset -q --hard HEAD^
# a banned call, formatted
printf 'static void lint_ban(char *d)\n{\n\tsprintf(d, "x");\n}\n' >>lib/err.c
tests/lib/lint.sh >"$WORK/out" 2>&1
[ $? -eq 1 ] && grep -q 'banned calls' "$WORK/out" && echo "ok: a banned call fails" ||
    fail "a banned call: $(tail -5 "$WORK/out")"
git checkout -q -- lib/err.c
tests/lib/lint.sh >/dev/null 2>&1 || fail "clean again"
echo "failures: $fails"
[ "$fails" -eq 0 ]
