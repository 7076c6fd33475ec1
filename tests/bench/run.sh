#!/usr/bin/env bash
# make bench: grows the Go fixture to ~100k and ~200k goroutines, captures debug=2 (capped by the
# runtime at 64 MiB, and uncapped), debug=1 and debug=0, and times `leakscope top` against its
# peers on the same files in the same run: panicparse and `wc -l`. Prints medians, ratios and
# peak RSS. Timings live here, never in `make test`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/fixture.sh"
LS=$ROOT/leakscope
OUT=${BENCH_DIR:-$ROOT/bench}
GO=${BENCH_GO:-1.27}
RUNS=${BENCH_RUNS:-5}
mkdir -p "$OUT"
trap fixture_stop EXIT

# median wall seconds of RUNS runs of a shell command
median() {
	python3 - "$RUNS" "$1" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2]
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
ts.sort()
print("%.4f" % ts[len(ts) // 2])
PY
}

# peak RSS in KiB of one run
rss() {
	/usr/bin/time -f %M bash -c "$1" 2>&1 >/dev/null | tail -1
}

ratio() { python3 -c "print('%.1f' % ($1 / $2))"; }

capture() { # N-per-pattern tag
	local port
	port=$(fixture_free_port)
	fixture_start "$GO" "$port" -paused -initial "$1" -pool 8 -patterns chansend,select,waitgroup,mutex
	curl -sf -o "$OUT/$2.debug2.txt" "http://127.0.0.1:$port/debug/pprof/goroutine?debug=2"
	curl -sf -o "$OUT/$2.stack.txt" "http://127.0.0.1:$port/debug/stack?debug=2"
	curl -sf -o "$OUT/$2.debug1.txt" "http://127.0.0.1:$port/debug/pprof/goroutine?debug=1"
	curl -sf -o "$OUT/$2.debug0.pb.gz" "http://127.0.0.1:$port/debug/pprof/goroutine?debug=0"
	fixture_stop
}

echo "bench: capturing from the fixture (Go $GO)"
capture 25000 g100k
capture 50000 g200k

printf '\n%-28s %9s %9s %12s %10s %9s\n' "file" "MB" "top s" "panicparse s" "wc -l s" "RSS KiB"
for f in g100k.stack.txt g200k.debug2.txt g200k.stack.txt g200k.debug1.txt g200k.debug0.pb.gz; do
	p=$OUT/$f
	mb=$(python3 -c "import os; print('%.1f' % (os.path.getsize('$p') / 1e6))")
	t_top=$(median "$LS top $p")
	t_wc=$(median "wc -l $p")
	t_pp=-
	case $f in *.txt) [ "${f#*debug1}" = "$f" ] && t_pp=$(BENCH_RUNS=1 RUNS=1 median "panicparse -no-color $p") ;; esac
	r_file=$(rss "$LS top $p")
	printf '%-28s %9s %9s %12s %10s %9s\n' "$f" "$mb" "$t_top" "$t_pp" "$t_wc" "$r_file"
	if [ "$t_pp" != - ]; then
		echo "    top is $(ratio "$t_pp" "$t_top")x faster than panicparse, $(ratio "$t_top" "$t_wc")x the time of wc -l"
	fi
done
big=$OUT/g200k.stack.txt
echo
echo "peak RSS on $(basename "$big"): file $(rss "$LS top $big") KiB, stdin $(rss "$LS top - <$big") KiB"
