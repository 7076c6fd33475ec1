#!/usr/bin/env bash
# A journal written by hand or by another program: a result event without "action" is reported
# (as a step with no command behind it), never a crash.
set -euo pipefail
inc=$WORK/inc-noaction
mkdir -p "$inc"
printf '%s\n' \
	'{"ev":"start","playbook":"goroutine-leak","t":"2026-01-01T00:00:00.000Z"}' \
	'{"ev":"result","step":"s1","ok":true,"t":"2026-01-01T00:00:01.000Z","data":{}}' \
	'{"ev":"result","step":"s2","ok":true,"t":"2026-01-01T00:00:02.000Z","data":{"from":"s1"},"action":"classify"}' \
	>"$inc/journal.jsonl"
rc=0
"$LEAKSCOPE" report "$inc" >"$WORK/out.md" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 0 ] || { echo "report exit $rc: $(cat "$WORK/err")"; exit 1; }
grep -q '^# Incident' "$WORK/out.md" || { echo "no report written"; exit 1; }
rc=0
"$LEAKSCOPE" report "$inc" --json >"$WORK/out.json" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 0 ] || { echo "report --json exit $rc: $(cat "$WORK/err")"; exit 1; }
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out.json"
echo "report: journal without action reported"
