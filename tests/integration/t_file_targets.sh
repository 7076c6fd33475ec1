#!/usr/bin/env bash
# Where a file goes: `snapshot -o` onto a character device or a FIFO writes straight through and the
# node stays what it is; `-o -` is standard output; a planted link as the target is refused and
# what it points at is untouched; a regular file is replaced whole. `budget` reads only regular
# files as dumps, so "/dev/stdin" or a FIFO cannot hang the gate.
set -euo pipefail
src=$ROOT/tests/data/go127.debug1.txt
cd "$WORK"
fail() { echo "FAIL: $*"; exit 1; }

# a character device (a private copy of /dev/null's node) stays a device
mknod "$WORK/null" c 1 3
"$LEAKSCOPE" snapshot "$src" -o "$WORK/null" >/dev/null
[ -c "$WORK/null" ] || fail "the device node was replaced by $(stat -c %F "$WORK/null")"
echo "ok: -o onto a character device writes through it"

# a FIFO gets the bytes and stays a FIFO
mkfifo "$WORK/fifo"
timeout 20 cat "$WORK/fifo" >"$WORK/from-fifo" &
reader=$!
timeout 20 "$LEAKSCOPE" snapshot "$src" -o "$WORK/fifo" >/dev/null
wait "$reader"
[ -p "$WORK/fifo" ] || fail "the FIFO was replaced"
cmp -s "$src" "$WORK/from-fifo" || fail "the FIFO did not get the profile"
echo "ok: -o onto a FIFO writes through it"

# - is standard output: the profile there, the summary on stderr
"$LEAKSCOPE" snapshot "$src" -o - >"$WORK/stdout" 2>"$WORK/stderr"
cmp -s "$src" "$WORK/stdout" || fail "-o - did not put the profile on standard output"
grep -q 'goroutines in' "$WORK/stderr" || fail "no summary on stderr"
echo "ok: -o - writes the profile to standard output"

# a planted link: refused, its target untouched
echo precious >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/link"
rc=0
"$LEAKSCOPE" snapshot "$src" -o "$WORK/link" >/dev/null 2>"$WORK/link.err" || rc=$?
[ "$rc" = 2 ] || fail "-o onto a link: exit $rc"
grep -q 'symbolic link' "$WORK/link.err" || fail "no reason given: $(cat "$WORK/link.err")"
[ "$(cat "$WORK/victim")" = precious ] || fail "the link was followed"
[ -L "$WORK/link" ] || fail "the link was replaced"
echo "ok: -o onto a planted link is refused: $(cat "$WORK/link.err")"

# a regular file is replaced whole, and no temporary file is left beside it
echo old >"$WORK/plain.txt"
"$LEAKSCOPE" snapshot "$src" -o "$WORK/plain.txt" >/dev/null
cmp -s "$src" "$WORK/plain.txt" || fail "the regular file was not replaced"
[ -z "$(ls -A "$WORK" | grep '^\.')" ] || fail "temporary files left: $(ls -A "$WORK" | grep '^\.')"
echo "ok: a regular file is replaced atomically"

# budget: a dump that is standard input or a FIFO is refused at once
printf '{"pkg":"s","leaks":1,"dump":"/dev/stdin"}\n{"pkg":"f","leaks":1,"dump":"fifo"}\n' >"$WORK/r.jsonl"
rc=0
exec 3< <(sleep 30) # a standard input that never ends
writer=$!
timeout 10 "$LEAKSCOPE" budget "$WORK/r.jsonl" <&3 >/dev/null 2>"$WORK/budget.err" || rc=$?
exec 3<&-
kill "$writer" 2>/dev/null || true
[ "$rc" = 2 ] || fail "budget with a /dev/stdin dump: exit $rc (124: it hung)"
grep -q 'not a regular file' "$WORK/budget.err" || fail "budget: $(cat "$WORK/budget.err")"
printf '{"pkg":"f","leaks":1,"dump":"fifo"}\n' >"$WORK/r2.jsonl"
rc=0
timeout 10 "$LEAKSCOPE" budget "$WORK/r2.jsonl" >/dev/null 2>"$WORK/budget2.err" || rc=$?
[ "$rc" = 2 ] || fail "budget with a FIFO dump: exit $rc (124: it hung)"
echo "ok: budget refuses non-regular dumps: $(cat "$WORK/budget.err")"

# the snapshot store: a store folder others can write to is refused with the reason
export XDG_STATE_HOME=$WORK/state
"$LEAKSCOPE" snapshot "$src" >/dev/null
store=$(dirname "$(find "$WORK/state" -type f -name '*.txt' -print -quit)")
chmod 0777 "$store"
rc=0
"$LEAKSCOPE" snapshot "$src" >/dev/null 2>"$WORK/store.err" || rc=$?
[ "$rc" = 2 ] || fail "snapshot into a folder others can write to: exit $rc"
grep -q 'writable by others' "$WORK/store.err" || fail "no reason given: $(cat "$WORK/store.err")"
[ "$(find "$store" -type f | wc -l)" = 2 ] || fail "a snapshot was written into the shared folder"
echo "ok: a shared store folder is refused: $(cat "$WORK/store.err")"
