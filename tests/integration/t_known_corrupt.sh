#!/usr/bin/env bash
# A known-leak database that is there but does not open (a corrupt file) is said, once, on
# stderr by top, diff and classify, which go on without known marks; no database at all is the
# normal start and says nothing.
set -u
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
P=$ROOT/tests/tui/data/before.debug2.txt
Q=$ROOT/tests/tui/data/after.debug2.txt
printf 'this is not a database, it only lies where one should be\n%.0s' $(seq 1 200) >"$WORK/corrupt.db"
for cmd in "top --json $P" "diff --json $P $Q" "classify --json $P"; do
    # shellcheck disable=SC2086
    LEAKSCOPE_KNOWN_DB=$WORK/corrupt.db "$LEAKSCOPE" $cmd >"$WORK/out" 2>"$WORK/err"
    rc=$?
    [ $rc -eq 0 ] || fail "$cmd: exit $rc: $(cat "$WORK/err")"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out" || fail "$cmd: not JSON"
    if [ "$(wc -l <"$WORK/err")" != 1 ] || ! grep -Eq '^leakscope: warning: known-leak (database|lookup)[^;]*: .*; known leaks are not marked$' "$WORK/err"; then
        fail "$cmd: want one warning line, got: $(cat "$WORK/err")"
    else
        echo "ok: ${cmd%% *}: $(cat "$WORK/err")"
    fi
    # shellcheck disable=SC2086
    LEAKSCOPE_KNOWN_DB=$WORK/none.db "$LEAKSCOPE" $cmd >/dev/null 2>"$WORK/err2"
    [ -s "$WORK/err2" ] && fail "$cmd: no database should say nothing: $(cat "$WORK/err2")"
done
grep -q '"known": *null' "$WORK/out" || grep -q '"known":null' "$WORK/out" || fail "known is not null"
echo "failures: $fails"
[ "$fails" -eq 0 ]
