#!/usr/bin/env bash
# A full disk between the profile and its sidecar (a 64 KiB tmpfs with room for one more page): the
# snapshot fails with one line, exit 2, and leaves no profile without its sidecar.
set -euo pipefail
mnt=$WORK/mnt
mkdir -p "$mnt"
mount -t tmpfs -o size=64k tmpfs "$mnt" || { echo "skip: cannot mount a tmpfs here"; exit 0; }
cleanup() { umount "$mnt" 2>/dev/null || true; }
trap cleanup EXIT
export XDG_STATE_HOME=$mnt
printf 'goroutine profile: total 2\n2 @ 0x1 0x2\n#\t0x1\tmain.f+0x1\t/src/main.go:10\n\n' >"$WORK/small.txt"
"$LEAKSCOPE" snapshot "$WORK/small.txt" >/dev/null # the store's folders exist now
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null || true # fill it up
truncate -s -4096 "$mnt/filler"                           # room for exactly one page: the profile
rc=0
"$LEAKSCOPE" snapshot "$WORK/small.txt" >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: exit $rc on a full disk"; cat "$WORK/err"; exit 1; }
[ "$(wc -l <"$WORK/err")" = 1 ] || { echo "FAIL: not one line"; cat "$WORK/err"; exit 1; }
p=$(find "$mnt/leakscope" -type f -name '*.debug1.txt' | wc -l)
s=$(find "$mnt/leakscope" -type f -name '*.debug1.txt.json' | wc -l)
[ "$p" = "$s" ] || { echo "FAIL: $p profiles but $s sidecars"; find "$mnt/leakscope" -type f; exit 1; }
[ -z "$(find "$mnt/leakscope" -name '.*')" ] || { echo "FAIL: temporary files left"; exit 1; }
grep -q "json" "$WORK/err" || { echo "FAIL: not the sidecar that failed: $(cat "$WORK/err")"; exit 1; }
echo "ok: a full disk at the sidecar leaves no profile without it: $(cat "$WORK/err")"
