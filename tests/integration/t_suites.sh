#!/usr/bin/env bash
# make test's summary line is counted from what ran: tests/lib/suites.sh runs every suite even
# after one failed, counts passes and failures from the exit statuses, names the failed ones, and
# exits non-zero when any failed.
set -u
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
S=$ROOT/tests/lib/suites.sh
out=$("$S" "a=true" "b=exit 3" "c=echo ran-c >'$WORK/c'" "d=false")
rc=$?
[ "$rc" -eq 1 ] || fail "two failed suites: exit $rc, want 1"
[ "$(tail -1 <<<"$out")" = "suites: 2 passed, 2 failed (failed: b d)" ] || fail "summary: $(tail -1 <<<"$out")"
[ -f "$WORK/c" ] || fail "the suite after a failed one did not run"
out=$("$S" "a=true" "b=:")
rc=$?
[ "$rc" -eq 0 ] && [ "$out" = "suites: 2 passed, 0 failed" ] || fail "all passed: exit $rc, '$out'"
"$S" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no suites: want exit 2"
# the Makefile prints no constant summary of its own
grep -n 'echo "suites:' "$ROOT/Makefile" && fail "the Makefile still echoes a summary"
[ $fails -eq 0 ] && echo "ok: the summary is counted; failures are named and make the exit status non-zero"
[ "$fails" -eq 0 ]
