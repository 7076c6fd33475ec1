#!/usr/bin/env bash
# 40 snapshots taken at once of profiles that carry the same (server-controlled) time: every one is
# kept under its own name, each with its sidecar; none replaces another.
set -euo pipefail
export XDG_STATE_HOME=$WORK/state
src=$ROOT/tests/data/go127.debug0.pb.gz
pids=()
for i in $(seq 1 40); do
	"$LEAKSCOPE" snapshot "$src" >"$WORK/out.$i" 2>&1 &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
[ "$rc" = 0 ] || { cat "$WORK"/out.*; exit 1; }
dir=$(dirname "$(find "$WORK/state" -type f -name '*.pb.gz' -print -quit)")
n=$(find "$dir" -type f -name '*.debug0.pb.gz' | wc -l)
s=$(find "$dir" -type f -name '*.debug0.pb.gz.json' | wc -l)
[ "$n" = 40 ] && [ "$s" = 40 ] || { echo "FAIL: $n profiles and $s sidecars for 40 snapshots"; ls "$dir"; exit 1; }
for f in "$dir"/*.pb.gz; do cmp -s "$src" "$f" || { echo "FAIL: $f is not the profile"; exit 1; }; done
[ -z "$(find "$dir" -name '.*')" ] || { echo "FAIL: temporary files left"; exit 1; }
echo "ok: 40 snapshots stamped alike, 40 files and 40 sidecars"
