#!/usr/bin/env bash
# An incident folder under attack: a second `playbook run` on a held incident is refused naming the
# holder (exit 2); a journal torn by a full disk is cut back and the cut journalled on resume, and
# a torn line anywhere is skipped by `report` with a warning; a planted journal link and a
# folder others can write to are refused; with HOME unset nothing is written under the working
# directory.
set -euo pipefail
export XDG_STATE_HOME=$WORK/state LEAKSCOPE_KNOWN_DB=$WORK/known.db LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
src=$ROOT/tests/data/go127.debug2.txt
first=
cleanup() { [ -n "$first" ] && kill "$first" 2>/dev/null || true; }
trap cleanup EXIT
run() { "$LEAKSCOPE" playbook run goroutine-leak --source "$src" --yes "$@"; }
expect_refused() { # WHAT PATTERN CMD...: exit 2 with PATTERN on stderr
	local what=$1 pat=$2 rc=0
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" = 2 ] || { echo "FAIL: $what: exit $rc, want 2"; cat "$WORK/err"; exit 1; }
	grep -q -- "$pat" "$WORK/err" || { echo "FAIL: $what: stderr lacks '$pat'"; cat "$WORK/err"; exit 1; }
	echo "ok: $what: $(head -1 "$WORK/err")"
}

# 1. the lock: while one run waits, a second one is refused and told who holds the incident
"$LEAKSCOPE" playbook run goroutine-leak --source "$src" --yes --wait 6 --incident "$WORK/inc" >"$WORK/first.out" 2>&1 &
first=$!
for _ in $(seq 1 100); do
	grep -q '"step":"wait"' "$WORK/inc/journal.jsonl" 2>/dev/null && break
	sleep 0.1
done
grep -q '"step":"wait"' "$WORK/inc/journal.jsonl"
lines=$(wc -l <"$WORK/inc/journal.jsonl")
expect_refused "second run on a held incident" "in use by pid $first" run --wait 1 --incident "$WORK/inc"
[ "$(wc -l <"$WORK/inc/journal.jsonl")" = "$lines" ] || { echo "FAIL: the refused run wrote to the journal"; exit 1; }
kill -9 "$first"
wait "$first" 2>/dev/null || true
first=

# 2. a torn last line (ENOSPC mid-line): the resumed run cuts it, says so, and every line is whole
printf '{"t":"2026-12-03T10:00:00.000Z","ev":"no' >>"$WORK/inc/journal.jsonl"
run --wait 1 --incident "$WORK/inc" >"$WORK/resume.out" 2>&1
python3 - "$WORK/inc/journal.jsonl" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]  # raises on a torn line
rep = [e for e in evs if e["ev"] == "repair"]
assert len(rep) == 1 and rep[0]["cut_bytes"] == 40, rep
assert evs[-1]["ev"] == "close", evs[-1]
print("ok: the torn last line was cut (%d bytes) and the cut journalled" % rep[0]["cut_bytes"])
PY
# a torn line in the middle: report skips it with a warning and still writes the report
python3 - "$WORK/inc/journal.jsonl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines(True)
lines.insert(5, '{"t":"2026-12-03T10:00:00.000Z","ev":"res\n')
open(p, "w").write("".join(lines))
PY
rm -f "$WORK/inc/report.md"
"$LEAKSCOPE" report "$WORK/inc" >"$WORK/report.out" 2>"$WORK/report.err"
grep -q 'line 6' "$WORK/report.err" || { echo "FAIL: no warning for the torn line"; cat "$WORK/report.err"; exit 1; }
grep -q '^# Incident' "$WORK/inc/report.md"
echo "ok: report skips a torn line in the middle: $(head -1 "$WORK/report.err")"

# 3. a planted link as the journal: refused, the file it points at untouched
mkdir -m 700 "$WORK/planted"
echo precious >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/planted/journal.jsonl"
expect_refused "journal is a planted link" "symbolic link" run --wait 1 --incident "$WORK/planted"
[ "$(cat "$WORK/victim")" = precious ] || { echo "FAIL: the link was followed"; exit 1; }

# 4. an incident folder others can write to (no sticky bit) is refused with the reason
mkdir "$WORK/shared" && chmod 0777 "$WORK/shared"
expect_refused "folder writable by others" "writable by others" run --wait 1 --incident "$WORK/shared"
[ ! -e "$WORK/shared/journal.jsonl" ] || { echo "FAIL: a journal was written in the shared folder"; exit 1; }

# 5. HOME unset: refused, as snapshot does, and nothing appears under the working directory
mkdir "$WORK/cwd"
(cd "$WORK/cwd" && expect_refused "HOME unset" "HOME" env -u HOME -u XDG_STATE_HOME \
	"$LEAKSCOPE" playbook run goroutine-leak --source "$src" --yes --wait 1 --new)
[ -z "$(ls -A "$WORK/cwd")" ] || { echo "FAIL: files under the working directory: $(ls -A "$WORK/cwd")"; exit 1; }

# 6. the report's temporary file: a link planted where the old predictable name (FILE.tmp.PID)
# would be does not redirect the write (exec keeps the pid the link was named after)
echo precious >"$WORK/victim2"
bash -c 'ln -s "$1" "$2/report.md.tmp.$$" && exec "$3" report "$2"' _ "$WORK/victim2" "$WORK/inc" "$LEAKSCOPE" \
	>/dev/null 2>&1 || true
[ "$(cat "$WORK/victim2")" = precious ] || { echo "FAIL: the report was written through a planted link"; exit 1; }
grep -q '^# Incident' "$WORK/inc/report.md" || { echo "FAIL: no report written"; exit 1; }
echo "ok: a link planted at a predictable temporary name is not followed"

# 7. a journal event without "action" (or without "ev" fields the report expects) is not a crash
printf '{"t":"2026-12-03T10:00:01.000Z","ev":"result","step":"odd","ok":true,"data":{}}\n' >>"$WORK/inc/journal.jsonl"
"$LEAKSCOPE" report "$WORK/inc" >/dev/null 2>"$WORK/odd.err" || { echo "FAIL: report on an event without action"; cat "$WORK/odd.err"; exit 1; }
echo "ok: an event without an action is reported, not a crash"
