#!/usr/bin/env bash
# A profile from a hostile pod names its function main.x`<img src=x onerror=alert(1)>`[a](http://e.vil),
# and a note holds a script tag and a fence: `diff --markdown` and the incident's report.md keep all of
# it as text (code spans with a longer fence, entities and escapes elsewhere) so nothing goes live
# when the Markdown is rendered.
set -euo pipefail
export XDG_STATE_HOME=$WORK/state LEAKSCOPE_KNOWN_DB=$WORK/known.db LEAKSCOPE_PLAYBOOKS=$ROOT/playbooks
fn='main.x`<img src=x onerror=alert(1)>`[a](http://e.vil)'
printf 'goroutine profile: total 1\n1 @ 0x1 0x2\n#\t0x1\t%s+0x1\t/src/main.go:10\n\n' "$fn" >"$WORK/before.txt"
printf 'goroutine profile: total 9\n9 @ 0x1 0x2\n#\t0x1\t%s+0x1\t/src/main.go:10\n\n' "$fn" >"$WORK/after.txt"

"$LEAKSCOPE" diff --markdown "$WORK/before.txt" "$WORK/after.txt" >"$WORK/diff.md"
grep -qF 'onerror=alert(1)' "$WORK/diff.md" # the name is there, as text
python3 "$ROOT/tests/lib/md_check.py" "$WORK/diff.md"
echo "ok: diff --markdown keeps the hostile name inert"

cat >"$WORK/answers.json" <<'JSON'
{"before": {"source": "BEFORE"}, "after": {"source": "AFTER"},
 "symptom": {"note": "<script>alert(1)</script> [x](javascript:alert(1)) ```"}}
JSON
sed -i "s|BEFORE|$WORK/before.txt|; s|AFTER|$WORK/after.txt|" "$WORK/answers.json"
"$LEAKSCOPE" playbook run goroutine-leak --source "$WORK/before.txt" --answers "$WORK/answers.json" --yes --wait 1 \
	--incident "$WORK/inc" >"$WORK/run.out" 2>&1 || { cat "$WORK/run.out"; exit 1; }
grep -qF 'onerror=alert(1)' "$WORK/inc/report.md"
grep -qF 'alert(1)&lt;/script&gt;' "$WORK/inc/report.md"
python3 "$ROOT/tests/lib/md_check.py" "$WORK/inc/report.md"
echo "ok: report.md keeps the hostile name and note inert"
