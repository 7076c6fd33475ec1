#!/usr/bin/env bash
# Every goroutine dump of the corpus of real pastes (tests/data/wild) reads right: counts, groups,
# frames, refusals, fingerprints — checked against sidecars established without leakscope.
set -euo pipefail
python3 "$ROOT/tests/integration/check_wild.py" "$LEAKSCOPE" "$ROOT/tests/data/wild"

# What the front end repaired is said on stderr, one line each; --strict reads exactly, as before.
f=$ROOT/tests/data/wild/goleak-ghactions-cilium.txt
"$LEAKSCOPE" top "$f" 2>"$WORK/notes" >/dev/null
grep -qx 'leakscope: note: lines start with timestamps: stripped' "$WORK/notes"
grep -qx 'leakscope: note: looks like a goleak report: reading the goroutines it lists' "$WORK/notes"
rc=0
"$LEAKSCOPE" top --strict "$f" >/dev/null 2>"$WORK/strict" || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/strict")" -eq 1 ] && grep -q 'not a goroutine profile' "$WORK/strict"
echo "ok: notes on stderr, --strict refuses the paste"
