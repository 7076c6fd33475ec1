#!/usr/bin/env bash
# `leakscope budget` end to end under every Go version: the example packages in
# tests/fixtures/leakbudget run their tests with the leakbudget TestMain helper, which appends one
# line per package to a report (clean: 0 leaks; leaky: 3 goroutines blocked on a channel send, with
# a dump); the gate trips on the default budget, naming the package and the leaking function,
# passes with a warning on a looser one, writes the documented --json, and exits 2 with one line
# naming the report's line on malformed reports.
set -euo pipefail
. "$ROOT/tests/lib/fixture.sh"
src=$ROOT/tests/fixtures/leakbudget

# expect CODE OUT ERR CMD...: runs CMD, stdout to OUT and stderr to ERR, and checks its exit code.
expect() {
	local want=$1 out=$2 err=$3 rc=0
	shift 3
	"$@" >"$out" 2>"$err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: '$*' exited $rc, want $want; stdout:"
		cat "$out"
		echo "stderr:"
		cat "$err"
		exit 1
	fi
}

# trouble NAME MATCH: the report $WORK/bad/NAME.jsonl exits 2 with one stderr line matching MATCH.
trouble() {
	local name=$1 match=$2 err=$WORK/bad/$1.err
	expect 2 "$WORK/bad/$name.out" "$err" "$LEAKSCOPE" budget "$WORK/bad/$name.jsonl"
	[ "$(wc -l <"$err")" -eq 1 ] || { echo "FAIL: $name: not one line on stderr:"; cat "$err"; exit 1; }
	grep -q -- "$match" "$err" || { echo "FAIL: $name: stderr does not match '$match':"; cat "$err"; exit 1; }
	[ ! -s "$WORK/bad/$name.out" ] || { echo "FAIL: $name: output on stdout"; exit 1; }
	echo "ok: $name: $(cat "$err")"
}

for v in $GO_VERSIONS; do
	echo "== Go $v"
	go=$(fixture_go "$v")
	dir=$(cd "$WORK" && pwd)/go$v
	mkdir -p "$dir"
	report=$dir/report.jsonl
	(cd "$src" &&
		GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on GOPROXY=off GOWORK=off \
		GOCACHE="$FIXTURE_RUN/gocache-$v" GOPATH="$FIXTURE_RUN/gopath" \
		LEAKSCOPE_BUDGET_REPORT=$report LEAKBUDGET_GRACE=300ms \
		"$go" test -count=1 ./...)

	python3 - "$report" <<'PY'
import json, os, sys
report = sys.argv[1]
lines = [json.loads(l) for l in open(report) if l.strip()]
assert len(lines) == 2, lines
by = {l["pkg"]: l for l in lines}
assert set(by) == {"leakbudget/example/clean", "leakbudget/example/leaky"}, by
assert by["leakbudget/example/clean"] == {"pkg": "leakbudget/example/clean", "leaks": 0}, by
leaky = by["leakbudget/example/leaky"]
assert leaky["leaks"] == 3, leaky
dump = os.path.join(os.path.dirname(report), leaky["dump"])
assert open(dump).read().count("[chan send]") == 3, dump
print("ok: report: clean 0, leaky 3 with a dump")
PY

	# the default budget: nothing may leak
	expect 1 "$dir/default.out" "$dir/default.err" "$LEAKSCOPE" budget "$report"
	cat "$dir/default.out"
	grep -q '^leakbudget/example/leaky  *3  over$' "$dir/default.out"
	grep -q '^leakbudget/example/clean  *0  within$' "$dir/default.out"
	# worst first
	[ "$(sed -n 2p "$dir/default.out" | cut -d' ' -f1)" = leakbudget/example/leaky ]
	grep -q '^ *3  chan send  *leakbudget/example/leaky\.First\.func1 (leaky/leaky\.go:[0-9]*)$' "$dir/default.out"
	grep -q 'created by leakbudget/example/leaky\.First (leaky/leaky\.go:[0-9]*)$' "$dir/default.out"
	tail -n 1 "$dir/default.out" | grep -q '^over budget: leakbudget/example/leaky leaks 3 goroutines, --per-package allows 0; 1 package leaks goroutines, --packages allows 0$'
	echo "ok: the default budget trips, naming the package and the leaking function"

	# only the package limit
	expect 1 "$dir/packages.out" "$dir/packages.err" "$LEAKSCOPE" budget "$report" --per-package 3
	tail -n 1 "$dir/packages.out" | grep -q '^over budget: 1 package leaks goroutines, --packages allows 0$'
	# only the per-package limit
	expect 1 "$dir/per.out" "$dir/per.err" "$LEAKSCOPE" budget "$report" --per-package 2 --packages 1
	tail -n 1 "$dir/per.out" | grep -q '^over budget: leakbudget/example/leaky leaks 3 goroutines, --per-package allows 2$'
	echo "ok: the last line names the limit that tripped"

	# within a looser budget: exit 0 and a warning
	expect 0 "$dir/loose.out" "$dir/loose.err" "$LEAKSCOPE" budget "$report" --per-package 3 --packages 1
	[ "$(wc -l <"$dir/loose.err")" -eq 1 ]
	grep -q '^leakscope budget: warning: 1 package leaks 3 goroutines' "$dir/loose.err"
	grep -q '^leakbudget/example/leaky  *3  within$' "$dir/loose.out"
	echo "ok: within --per-package 3 --packages 1, with a warning: $(cat "$dir/loose.err")"

	# --top 0 hides the stacks; the report read from stdin resolves dumps against the current directory
	expect 1 "$dir/top0.out" "$dir/top0.err" "$LEAKSCOPE" budget --top 0 "$report"
	! grep -q 'chan send' "$dir/top0.out"
	(cd "$dir" && expect 1 "$dir/stdin.out" "$dir/stdin.err" "$LEAKSCOPE" budget - <"$report")
	grep -q 'leaky\.First\.func1' "$dir/stdin.out"
	echo "ok: --top 0, and the report on standard input"

	# --json
	expect 1 "$dir/budget.json" "$dir/json.err" "$LEAKSCOPE" budget --json "$report"
	expect 0 "$dir/loose.json" "$dir/loose-json.err" "$LEAKSCOPE" budget --json --per-package 3 --packages 1 "$report"
	python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
j = json.load(open(d + "/budget.json"))
assert set(j) == {"packages", "per_package", "packages_limit", "over_budget"}, j.keys()
assert j["per_package"] == 0 and j["packages_limit"] == 0 and j["over_budget"] is True, j
pk = j["packages"]
assert [p["pkg"] for p in pk] == ["leakbudget/example/leaky", "leakbudget/example/clean"], pk
for p in pk:
    assert set(p) == {"pkg", "leaks", "dump", "over", "groups"}, p.keys()
leaky, clean = pk
assert leaky["leaks"] == 3 and leaky["over"] is True, leaky
assert os.path.isfile(leaky["dump"]), leaky["dump"]
assert clean == {"pkg": "leakbudget/example/clean", "leaks": 0, "dump": None, "over": False, "groups": []}, clean
assert len(leaky["groups"]) == 1, leaky["groups"]
g = leaky["groups"][0]
assert g["count"] == 3 and g["states"] == {"chan send": 3}, g
assert g["frames"][0]["func"] == "leakbudget/example/leaky.First.func1", g["frames"]
assert g["frames"][0]["file"].endswith("/leaky/leaky.go") and g["frames"][0]["line"] > 0, g["frames"]
assert g["created_by"]["func"] == "leakbudget/example/leaky.First", g["created_by"]
loose = json.load(open(d + "/loose.json"))
assert loose["per_package"] == 3 and loose["packages_limit"] == 1 and loose["over_budget"] is False, loose
assert loose["packages"][0]["over"] is False, loose
print("ok: --json has the documented fields")
PY
done

# an empty report (blank lines only) is within the budget, with a note
mkdir -p "$WORK/bad"
printf '\n  \n' >"$WORK/empty.jsonl"
expect 0 "$WORK/empty.out" "$WORK/empty.err" "$LEAKSCOPE" budget "$WORK/empty.jsonl"
grep -q 'lists no packages' "$WORK/empty.err"
expect 0 "$WORK/empty.json" "$WORK/empty.err" "$LEAKSCOPE" budget --json "$WORK/empty.jsonl"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["packages"]==[] and j["over_budget"] is False' "$WORK/empty.json"
echo "ok: an empty report passes with a note"

# malformed reports: exit 2, one line on stderr naming the line
good='{"pkg":"a","leaks":0}'
printf '%s\n\n{"pkg":"b","leaks":1\n' "$good" >"$WORK/bad/json.jsonl"
trouble json 'bad/json.jsonl:3: not valid JSON'
printf '%s\n{"pkg":"b","leaks":-1}\n' "$good" >"$WORK/bad/negative.jsonl"
trouble negative 'bad/negative.jsonl:2: "leaks" must be a non-negative integer$'
printf '{"pkg":"b","leaks":2.5}\n' >"$WORK/bad/fraction.jsonl"
trouble fraction 'bad/fraction.jsonl:1: "leaks" must be a non-negative integer$'
printf '{"pkg":"b","leaks":"2"}\n' >"$WORK/bad/string.jsonl"
trouble string 'bad/string.jsonl:1: "leaks" must be a non-negative integer$'
printf '%s\n{"leaks":1}\n' "$good" >"$WORK/bad/nopkg.jsonl"
trouble nopkg 'bad/nopkg.jsonl:2: "pkg" is missing$'
printf '{"pkg":"","leaks":1}\n' >"$WORK/bad/emptypkg.jsonl"
trouble emptypkg 'bad/emptypkg.jsonl:1: "pkg" must be a non-empty string$'
printf '{"pkg":"b"}\n' >"$WORK/bad/noleaks.jsonl"
trouble noleaks 'bad/noleaks.jsonl:1: "leaks" is missing$'
printf '[1,2]\n' >"$WORK/bad/array.jsonl"
trouble array 'bad/array.jsonl:1: not a JSON object$'
printf '{"pkg":"b","leaks":1} x\n' >"$WORK/bad/trailing.jsonl"
trouble trailing 'bad/trailing.jsonl:1: not valid JSON'
printf '{"pkg":"b","leaks":1,"dump":7}\n' >"$WORK/bad/dumptype.jsonl"
trouble dumptype 'bad/dumptype.jsonl:1: "dump" must be'
printf '%s\n{"pkg":"a","leaks":2}\n' "$good" >"$WORK/bad/twice.jsonl"
trouble twice 'bad/twice.jsonl:2: package a is already on line 1'
{
	echo "$good"
	python3 -c 'import sys; sys.stdout.write("{\"pkg\":\"" + "x" * (2 << 20) + "\",\"leaks\":0}\n")'
} >"$WORK/bad/long.jsonl"
trouble long 'bad/long.jsonl:2: the line is longer than 1024 KiB$'
printf '%s\n{"pkg":"b","leaks":1,"dump":"missing.txt"}\n' "$good" >"$WORK/bad/nodump.jsonl"
trouble nodump "bad/nodump.jsonl:2: cannot read the dump $WORK/bad/missing.txt: No such file or directory$"
printf 'not a goroutine dump\n' >"$WORK/bad/notdump.txt"
printf '{"pkg":"b","leaks":1,"dump":"notdump.txt"}\n' >"$WORK/bad/notdump.jsonl"
trouble notdump "bad/notdump.jsonl:1: cannot read the dump $WORK/bad/notdump.txt: .*not a goroutine profile"
# a dump is always a file next to the report: never a URL, a pod or standard input
mkdir -p "$WORK/bad/pod" "$WORK/bad/http:"
cp "$WORK/go${GO_VERSIONS##* }"/leakbudget-*.leaked.txt "$WORK/bad/pod/x.txt"
cp "$WORK/bad/pod/x.txt" "$WORK/bad/http:/x.txt"
printf '{"pkg":"p","leaks":3,"dump":"pod/x.txt"}\n{"pkg":"h","leaks":3,"dump":"http://x.txt"}\n' >"$WORK/bad/files.jsonl"
(cd "$WORK/bad" && expect 0 files.out files.err "$LEAKSCOPE" budget --per-package 3 --packages 2 files.jsonl)
[ "$(grep -c 'leaky\.First\.func1' "$WORK/bad/files.out")" -eq 2 ]
printf '{"pkg":"s","leaks":1,"dump":"-"}\n' >"$WORK/bad/stdin.jsonl"
(cd "$WORK/bad" && expect 2 stdin.out stdin.err "$LEAKSCOPE" budget stdin.jsonl </dev/null)
grep -q 'cannot read the dump ./-: No such file' "$WORK/bad/stdin.err"
echo "ok: dumps named pod/..., http://... and - are files"
expect 2 "$WORK/bad/nofile.out" "$WORK/bad/nofile.err" "$LEAKSCOPE" budget "$WORK/bad/nofile.jsonl"
grep -q 'nofile.jsonl: No such file or directory' "$WORK/bad/nofile.err"
expect 2 "$WORK/bad/usage.out" "$WORK/bad/usage.err" "$LEAKSCOPE" budget "$WORK/empty.jsonl" --packages -1
expect 0 "$WORK/help.out" "$WORK/help.err" "$LEAKSCOPE" budget --help
grep -q '^usage: leakscope budget REPORT.jsonl' "$WORK/help.out"
echo "ok: malformed reports, a missing report and bad options exit 2"
