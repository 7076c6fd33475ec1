#!/usr/bin/env bash
# `known import` is one transaction: killed with SIGKILL half way it leaves all of the records or
# none of them, never a part; a file with a bad record imports nothing and says which one.
set -euo pipefail
db=$WORK/known.db
python3 - "$WORK/big.json" <<'PY'
import json, sys
recs = [{"fingerprint": "%012x" % i, "incident": "INC-%d" % i, "fix": None, "note": "n", "pattern": None,
         "func": "main.f%d" % i, "added": "2026-01-01T00:00:00Z"} for i in range(20000)]
json.dump({"version": 1, "known": recs}, open(sys.argv[1], "w"))
PY
count() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from known").fetchone()[0])' "$db"; }
"$LEAKSCOPE" known add 91b6827e760a --incident INC-0-seed --db "$db" >/dev/null
"$LEAKSCOPE" known import "$WORK/big.json" --db "$db" >"$WORK/imp.out" 2>&1 &
pid=$!
sleep 0.3
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
n=$(count)
[ "$n" = 1 ] || [ "$n" = 20001 ] || { echo "FAIL: a killed import left $((n - 1)) of 20000 records"; exit 1; }
echo "ok: a killed import left all or nothing ($((n - 1)) of 20000)"

# a bad record at the end: nothing imported, the record named
python3 - "$WORK/big.json" "$WORK/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["known"] = d["known"][:50] + [{"fingerprint": "91b6827e760a", "incident": "x" * 5000}]
json.dump(d, open(sys.argv[2], "w"))
PY
rm -f "$db"*
"$LEAKSCOPE" known add 91b6827e760a --incident INC-0-seed --db "$db" >/dev/null
rc=0
"$LEAKSCOPE" known import "$WORK/bad.json" --db "$db" >/dev/null 2>"$WORK/bad.err" || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: exit $rc"; cat "$WORK/bad.err"; exit 1; }
grep -q 'known\[50\]' "$WORK/bad.err" || { echo "FAIL: the bad record is not named: $(cat "$WORK/bad.err")"; exit 1; }
[ "$(count)" = 1 ] || { echo "FAIL: a failed import left $(($(count) - 1)) records"; exit 1; }
echo "ok: a bad record imports nothing: $(cat "$WORK/bad.err")"
