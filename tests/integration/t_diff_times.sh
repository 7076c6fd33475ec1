#!/usr/bin/env bash
# t_diff_times.sh: a stored debug=1 baseline keeps its time. `leakscope snapshot URL` stores the
# profile with its sidecar; `diff STORED URL` takes BEFORE's time from the sidecar (a debug=1 text
# has none of its own), so the rate per minute is known, and it equals the sidecar's time to the
# millisecond. The same bytes copied without a sidecar stay "time unknown"; --before-time still
# wins over the sidecar. Env: LEAKSCOPE ROOT WORK GO_VERSIONS.
set -u
. "$ROOT/tests/lib/fixture.sh"
. "$ROOT/tests/lib/expect.sh"
trap fixture_stop EXIT
fails=0
export XDG_STATE_HOME=$WORK/state HOME=$WORK/home TZ=UTC
mkdir -p "$HOME"

v=${GO_VERSIONS%% *}
port=$(fixture_free_port)
fixture_start "$v" "$port" -paused -initial 5 || exit 1
url=http://127.0.0.1:$port

expect_rc 0 "snapshot into the store" "$LEAKSCOPE" snapshot "$url" || exit 1
stored=$(find "$WORK/state" -name '*.debug1.txt' | head -1)
[ -n "$stored" ] && [ -f "$stored.json" ] || { fail "no stored profile with a sidecar: $(find "$WORK/state")"; exit 1; }
cp "$stored" "$WORK/bare.debug1.txt"
fixture_control "$port" "control/leak?pattern=all&n=3" >/dev/null
sleep 1

expect_rc 0 "diff STORED URL" "$LEAKSCOPE" diff --json "$stored" "$url" &&
	python3 - "$WORK/out" "$stored.json" <<'EOF' || fail "diff STORED URL: $(head -c 600 "$WORK/out")"
import json, sys
from datetime import datetime
d, side = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def ms(s):
    return round(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
assert d["before"]["time"] is not None, d["before"]
want = side["time"] or side["fetched"]
assert ms(d["before"]["time"]) == ms(want), (d["before"]["time"], want)
assert d["elapsed_seconds"] is not None and d["elapsed_seconds"] >= 1, d["elapsed_seconds"]
assert any(g.get("rate_per_minute") for g in d["groups"]), "no rate per minute with both times known"
print("ok: the stored baseline's time came from its sidecar:", d["before"]["time"])
EOF
expect_rc 0 "diff STORED URL, text" "$LEAKSCOPE" diff "$stored" "$url" &&
	{ ! grep -q "time unknown" "$WORK/out" || fail "diff STORED URL says time unknown: $(head -5 "$WORK/out")"; }

expect_rc 0 "diff BARE URL" "$LEAKSCOPE" diff --json "$WORK/bare.debug1.txt" "$url" &&
	python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["before"]["time"] is None, d["before"]' \
		"$WORK/out" || fail "a copy without a sidecar got a time: $(head -c 300 "$WORK/out")"

expect_rc 0 "--before-time over the sidecar" "$LEAKSCOPE" diff --json --before-time 2026-01-02T03:04:05Z "$stored" "$url" &&
	python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["before"]["time"].startswith("2026-01-02T03:04:05"), d["before"]' \
		"$WORK/out" || fail "--before-time lost to the sidecar: $(head -c 300 "$WORK/out")"

[ "$fails" -eq 0 ]
