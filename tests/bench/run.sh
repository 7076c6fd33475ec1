#!/usr/bin/env bash
# make bench: grows the Go fixture to ~100k and ~200k goroutines, captures debug=2 (capped by the
# runtime at 64 MiB, and uncapped), debug=1 and debug=0, and times `leakscope top` against its
# peers on the same files in the same run: panicparse (-parse=false: it only groups, as top does;
# by default it also reads every source file it can find) and `wc -l`. Prints medians, ratios and
# peak RSS. Timings live here, never in `make test`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/fixture.sh"
LS=$ROOT/leakscope
OUT=${BENCH_DIR:-$ROOT/bench}
GO=${BENCH_GO:-1.27}
export FIXTURE_READY_SECONDS=${FIXTURE_READY_SECONDS:-180}
RUNS=${BENCH_RUNS:-5}
mkdir -p "$OUT"
trap fixture_stop EXIT
# one case alone: tests/bench/run.sh cost (or respond)
case ${1:-} in
cost) exec "$ROOT/tests/bench/cost.sh" ;;
respond) exec "$ROOT/tests/bench/respond.sh" ;;
"") ;;
*)
	echo "usage: tests/bench/run.sh [cost|respond]" >&2
	exit 2
	;;
esac

# The corpus of real pastes: how many dumps each tool reads right (no timing). `run.sh wild` runs
# this case alone.
wild() {
	echo "bench: the corpus of real pastes (tests/data/wild), leakscope against panicparse"
	python3 "$ROOT/tests/bench/wild.py" "$LS" "$ROOT/tests/data/wild"
}
if [ "${1:-}" = wild ]; then
	wild
	exit 0
fi

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
capture 2500 g10k
capture 25000 g100k
capture 50000 g200k

# panicparse slows down more than linearly on these dumps: past PP_TIMEOUT seconds it is stopped
# and its time is a lower bound.
PP_TIMEOUT=${PP_TIMEOUT:-120}
pp_time() {
	local t0 t1
	t0=$(date +%s.%N)
	if timeout "$PP_TIMEOUT" panicparse -no-color -parse=false "$1" >/dev/null 2>&1; then
		t1=$(date +%s.%N)
		python3 -c "print('%.4f' % ($t1 - $t0))"
	else
		echo ">$PP_TIMEOUT"
	fi
}

printf '\n%-22s %7s %9s %12s %9s %9s %9s\n' "file" "MB" "top s" "panicparse s" "wc -l s" "x pp" "x wc"
for f in g10k.stack.txt g100k.stack.txt g200k.debug2.txt g200k.stack.txt g200k.debug1.txt g200k.debug0.pb.gz; do
	p=$OUT/$f
	mb=$(python3 -c "import os; print('%.1f' % (os.path.getsize('$p') / 1e6))")
	t_top=$(median "$LS top $p")
	t_wc=$(median "wc -l $p")
	t_pp=- x_pp=-
	case $f in *stack.txt | *debug2.txt) t_pp=$(pp_time "$p") ;; esac
	case $t_pp in
	-) ;;
	'>'*) x_pp=">$(ratio "${t_pp#>}" "$t_top")" ;;
	*) x_pp=$(ratio "$t_pp" "$t_top") ;;
	esac
	printf '%-22s %7s %9s %12s %9s %9s %9s\n' "$f" "$mb" "$t_top" "$t_pp" "$t_wc" "$x_pp" "$(ratio "$t_top" "$t_wc")"
done
echo "(x pp: how many times faster top is than panicparse; x wc: top's time over wc -l's)"
big=$OUT/g200k.stack.txt
echo
echo "peak RSS on $(basename "$big"): file $(rss "$LS top $big") KiB, a pipe $(rss "cat $big | $LS top -") KiB"

# The same dump pasted with its tabs turned to spaces: the front end restores them, and a file that
# is not a clean dump is read whole (the two-part read gives up at once), as a pipe is.
sed 's/^\t/    /' "$big" >"$OUT/g200k.spaces.txt"
t_paste=$(median "$LS top $OUT/g200k.spaces.txt")
t_pipe=$(median "cat $OUT/g200k.spaces.txt | $LS top -")
t_wc=$(median "wc -l $OUT/g200k.spaces.txt")
echo "g200k pasted with spaces for tabs: file $t_paste s, a pipe $t_pipe s ($(ratio "$t_paste" "$t_pipe")x), wc -l $t_wc s ($(ratio "$t_paste" "$t_wc")x)"

# diff: two 200k-goroutine debug=2 dumps against one top of one of them (target: 2.2x at most);
# two debug=0 profiles against go tool pprof -top -diff_base on the same pair (target: faster).
echo
a=$OUT/g200k.debug2.txt b=$OUT/g200k.stack.txt
t_diff=$(median "$LS diff $a $b")
t_top=$(median "$LS top $b")
echo "diff of two 200k debug=2 dumps: $t_diff s; top of one: $t_top s; ratio $(ratio "$t_diff" "$t_top") (target <= 2.2)"
a0=$OUT/g100k.debug0.pb.gz b0=$OUT/g200k.debug0.pb.gz
t_diff0=$(median "$LS diff $a0 $b0")
t_pprof=$(median "go tool pprof -top -diff_base=$a0 $b0")
echo "diff of two debug=0 profiles: $t_diff0 s; go tool pprof -top -diff_base: $t_pprof s; pprof/diff $(ratio "$t_pprof" "$t_diff0") (target > 1)"

# debug=2 dumps shaped to be hostile (a wait state of its own per goroutine, ages descending) against
# an ordinary one of the same count: each shape's top time over the ordinary one's, and over wc -l
# (target: about 1x the ordinary one).
echo
echo "bench: hostile debug=2 shapes, 200k goroutines on one stack (tests/lib/gen_debug2.py)"
python3 "$ROOT/tests/lib/gen_debug2.py" normal 200000 "$OUT/shape-normal.txt" >/dev/null
t_normal=$(median "$LS top $OUT/shape-normal.txt")
for shape in states desc mixed; do
	python3 "$ROOT/tests/lib/gen_debug2.py" "$shape" 200000 "$OUT/shape-$shape.txt" >/dev/null
	t_shape=$(median "$LS top $OUT/shape-$shape.txt")
	t_wc=$(median "wc -l $OUT/shape-$shape.txt")
	echo "  $shape: $t_shape s, ordinary $t_normal s: $(ratio "$t_shape" "$t_normal")x the ordinary one, $(ratio "$t_shape" "$t_wc")x wc -l"
done

# The console: from a key to the finished redraw in the diff view, with the 200k-goroutine
# snapshot loaded (B) against the 100k one (A). The test mode renders to /dev/null at 120x40;
# LEAKSCOPE_TUI_TIMING makes the console write, per key, the microseconds it took to handle it
# and to redraw. Target: 20 ms.
echo
echo "bench: console, diff view of g100k.stack.txt -> g200k.stack.txt"
tui=$(mktemp -d "${TMPDIR:-/tmp}/leakscope-bench-tui.XXXXXX")
{
	echo d
	# down and back up, so that every key moves the cursor and redraws
	for _ in $(seq 1 40); do echo j j j j k k k k; done
	echo G
	echo g
	echo '<PgDn>'
	echo '<PgUp>'
	echo c
	echo '<Esc>'
	echo '<Tab> <Tab> <Tab>'
	echo '/main'
	echo '<Esc>'
} >"$tui/script"
env -i PATH="$PATH" HOME="$tui" TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 LEAKSCOPE_TUI_SIZE=120x40 \
	LEAKSCOPE_TUI_SCRIPT="$tui/script" LEAKSCOPE_TUI_TIMING="$tui/timing" \
	"$LS" tui --every 0 "$OUT/g100k.stack.txt" "$OUT/g200k.stack.txt"
python3 - "$tui/timing" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
# KEY VIEW HANDLE_US DRAW_US; the first key (d) computes the diff and opens the view
first, rest = rows[0], rows[1:]
tot = lambda r: (int(r[2]) + int(r[3])) / 1000.0
diff = [tot(r) for r in rest if r[1] == "diff" and int(r[3]) > 0]
other = [tot(r) for r in rest if r[1] != "diff"]
print("  d (diff 100k -> 200k, open the view): %.2f ms (handle %.2f, draw %.2f)"
      % (tot(first), int(first[2]) / 1000.0, int(first[3]) / 1000.0))
print("  keys redrawing the diff view: %d, median %.3f ms, max %.3f ms (target 20 ms): %s"
      % (len(diff), statistics.median(diff), max(diff), "ok" if max(diff) <= 20 else "OVER"))
if other:
    print("  keys in other views (slope chart, tab cycle): %d, median %.3f ms, max %.3f ms"
          % (len(other), statistics.median(other), max(other)))
PY
rm -rf "$tui"

"$ROOT/tests/bench/cost.sh"
echo
"$ROOT/tests/bench/respond.sh"
echo
wild | tail -1
