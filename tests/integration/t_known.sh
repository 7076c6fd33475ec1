#!/usr/bin/env bash
# The known-leak database through the command line, on SQLite and on a PostgreSQL server started
# here on 127.0.0.1: add, lookup against a real fixture capture, list, export -> import into an
# empty database -> export again is byte-identical, eight processes adding at once lose nothing,
# and diff/top --json carry the "known" field. Bad input exits 2 with one line.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
PGPID=
PGDATA=
cleanup() {
	fixture_stop
	if [ -n "$PGDATA" ] && [ -f "$PGDATA/postmaster.pid" ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
v=${GO_VERSIONS%% *}
port=$(fixture_free_port)
fixture_start "$v" "$port" -paused -initial 3 -pool 4
fixture_capture "$port" 1 "$WORK/before"
fixture_control "$port" 'control/leak?pattern=chansend&n=4' >/dev/null
fixture_capture "$port" 2 "$WORK/after"
fixture_stop
fp=$("$LEAKSCOPE" classify --json "$WORK/before" "$WORK/after" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([g for g in d["groups"] if g["verdict"] == "leak"][0]["fingerprint"])')
echo "leaking fingerprint: $fp"

roundtrip() { # DB LABEL
	local db=$1 label=$2
	"$LEAKSCOPE" known add "$fp" --incident INC-2347 --fix abc123 --note 'handler timeout' \
		--pattern chan-send-no-receiver --func main.leakChanSend.func1 --db "$db"
	"$LEAKSCOPE" known add 00216fa83613 --incident INC-1 --note "quote ' and \" and ü" --db "$db"
	"$LEAKSCOPE" known lookup "$WORK/after" --db "$db" >"$WORK/lookup-$label.txt"
	grep -q "seen before in incident INC-2347, fixed in abc123" "$WORK/lookup-$label.txt"
	"$LEAKSCOPE" known lookup --json "$WORK/after" --db "$db" | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = [x for x in d["matches"] if x["known"][0]["incident"] == "INC-2347"]
assert len(m) == 1 and m[0]["known"][0]["fix"] == "abc123", d'
	"$LEAKSCOPE" known export "$WORK/export-$label.json" --db "$db"
	"$LEAKSCOPE" known import "$WORK/export-$label.json" --db "$3" >/dev/null
	"$LEAKSCOPE" known export "$WORK/export2-$label.json" --db "$3"
	cmp "$WORK/export-$label.json" "$WORK/export2-$label.json"
	echo "ok: $label: add, lookup, export -> import -> export is lossless"
	# eight processes adding 25 records each at the same time
	local pids=() k
	for k in 1 2 3 4 5 6 7 8; do
		( for i in $(seq 1 25); do
			"$LEAKSCOPE" known add "$(printf '%012x' $((k * 100 + i)))" --incident "INC-C$k" --db "$db" || exit 1
		done ) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	n=$("$LEAKSCOPE" known list --json --db "$db" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["known"]))')
	[ "$n" = 202 ] || { echo "$label: $n records after concurrent adds, want 202"; exit 1; }
	echo "ok: $label: 8 processes x 25 concurrent adds, nothing lost"
}

roundtrip "$WORK/known.db" sqlite "$WORK/known2.db"

# the "known" field of diff and top, through the default database
LEAKSCOPE_KNOWN_DB=$WORK/known.db "$LEAKSCOPE" diff --json "$WORK/before" "$WORK/after" | python3 -c '
import json, sys
d = json.load(sys.stdin)
g = [g for g in d["groups"] if g["fingerprint"] == sys.argv[1]][0]
assert g["known"]["incident"] == "INC-2347" and g["known"]["fix"] == "abc123", g["known"]' "$fp"
LEAKSCOPE_KNOWN_DB=$WORK/known.db "$LEAKSCOPE" top --json "$WORK/after" | grep -q '"incident":"INC-2347"'
echo "ok: diff and top --json carry the known-leak match"

# bad input
set +e
"$LEAKSCOPE" known add XYZ --incident I --db "$WORK/known.db" 2>"$WORK/e1"; r1=$?
"$LEAKSCOPE" known add "$fp" --db "$WORK/known.db" 2>"$WORK/e2"; r2=$?
echo '{"known":[{"fingerprint":"zz","incident":"x"}]}' >"$WORK/bad.json"
"$LEAKSCOPE" known import "$WORK/bad.json" --db "$WORK/known.db" 2>"$WORK/e3"; r3=$?
set -e
[ "$r1$r2$r3" = 222 ] || { echo "bad input exits $r1 $r2 $r3"; exit 1; }
grep -q 'known\[0\]' "$WORK/e3"
echo "ok: bad fingerprints, missing --incident and bad import files exit 2"

# PostgreSQL: a private server on 127.0.0.1
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not installed (Debian postgresql)"; exit 1; }
PGDATA=$WORK/pg/data
mkdir -p "$WORK/pg"
chown postgres "$WORK/pg"
chmod 755 "$WORK" "$ROOT/tests/.run" 2>/dev/null || true
pgport=$(fixture_free_port)
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg/log" -w -o "-p $pgport -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$pgport" -U postgres leakscope
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$pgport" -U postgres leakscope2
roundtrip "postgres://postgres@127.0.0.1:$pgport/leakscope" postgres "postgresql://postgres@127.0.0.1:$pgport/leakscope2"
# an unreachable server is one line and exit 2, without the connection string's password
set +e
"$LEAKSCOPE" known list --db "postgres://u:sekrit@127.0.0.1:1/x" 2>"$WORK/e4"; r4=$?
set -e
[ "$r4" = 2 ] && [ "$(wc -l <"$WORK/e4")" = 1 ] && ! grep -q sekrit "$WORK/e4" || { cat "$WORK/e4"; exit 1; }
echo "ok: postgres unreachable: exit 2, one line, no password"
