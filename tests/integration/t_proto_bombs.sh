#!/usr/bin/env bash
# debug=0 memory bombs: small .pb.gz files, each a well-formed goroutine profile with one table
# blown up to about 240 MB inflated (tests/lib/gen_pb_bomb.py writes the protobuf and gzip by
# hand). Each must be refused with one line on stderr and exit 2, its peak RSS (GNU time %M)
# under 512 MiB; a normal profile, and a big one within the limits, still read, in a few MiB.
# Peak RSS is a resource bound, not a timing; how long they take is for make bench.
set -euo pipefail
. "$ROOT/tests/lib/expect.sh"
fails=0
LIMIT_KIB=$((512 * 1024))

# run_rss NAME WANT_RC FILE...: runs top with GNU time, keeps the peak RSS in $rss
run_rss() {
	local name=$1 want=$2
	shift 2
	set +e
	/usr/bin/time -o "$WORK/rss" -f %M timeout 60 "$LEAKSCOPE" top "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	rss=$(tail -1 "$WORK/rss")
	if [ "$rc" != "$want" ]; then
		fail "$name: exit $rc, want $want; stderr: $(head -c 300 "$WORK/err")"
	elif [ "$rss" -gt "$LIMIT_KIB" ]; then
		fail "$name: peak RSS $rss KiB, over $LIMIT_KIB KiB"
	else
		echo "ok: $name: exit $rc, peak RSS $rss KiB"
	fi
}

gen() { python3 "$ROOT/tests/lib/gen_pb_bomb.py" "$1" "$WORK/$1.pb.gz" >/dev/null; }

for kind in strings samples labels; do
	gen "$kind"
	run_rss "$kind bomb" 2 "$WORK/$kind.pb.gz"
	one_line_err "$kind bomb" "tables need more than 128 MiB"
done
gen groups
run_rss "groups bomb" 2 "$WORK/groups.pb.gz"
one_line_err "groups bomb" "stacks take more than 160 MiB"
gen names
run_rss "names bomb" 2 "$WORK/names.pb.gz"
one_line_err "names bomb" "a name of 8388613 bytes"

# Within the limits: read, and read right.
gen normal
run_rss normal 0 --json "$WORK/normal.pb.gz"
# (a sanitizer build's shadow memory and quarantine put its RSS past a few MiB: 64 MiB there)
few=16
nm "$LEAKSCOPE" 2>/dev/null | grep ' __asan_init$' >/dev/null && few=64 # (no -q: nm must not die of SIGPIPE under pipefail)
[ "$rss" -le $((few * 1024)) ] || fail "normal profile: peak RSS $rss KiB, over $few MiB"
python3 - "$WORK/out" <<'PY' || fail "normal profile read wrong"
import json, sys
top = json.load(open(sys.argv[1]))
counts = sorted(g["count"] for g in top["groups"])
assert top["total"] == 637 and counts == [7, 30, 600], (top["total"], counts)
print("ok: normal profile: 637 goroutines in groups of", counts)
PY
gen frames
run_rss "110,000 samples of 128 frames" 0 --json "$WORK/frames.pb.gz"
python3 - "$WORK/out" <<'PY' || fail "big profile read wrong"
import json, sys
top = json.load(open(sys.argv[1]))
assert top["total"] == 110000 and len(top["groups"]) == 1, (top["total"], len(top["groups"]))
print("ok: 110,000 samples of 128 frames: one group of", top["groups"][0]["count"])
PY
# The runtime's own profiles read as before (their expected groups are checked in t_top).
for f in "$ROOT"/tests/data/*.debug0.pb.gz; do
	run_rss "$(basename "$f")" 0 "$f"
done
[ "$fails" -eq 0 ]
