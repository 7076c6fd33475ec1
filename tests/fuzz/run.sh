#!/usr/bin/env bash
# tests/fuzz/run.sh - build every libFuzzer target in tests/fuzz/ and run each one.
#
# Usage (any directory):  tests/fuzz/run.sh SECONDS
#
# The layers below the console (lib/, analyze/, fetch/, playbooks/) are built once with clang,
# ASan and UBSan into build/fuzz/obj/libfuzz.a (by the Makefile, so only what changed is rebuilt);
# each tests/fuzz/fuzz_NAME.c is linked against it with libFuzzer into build/fuzz/fuzz_NAME, then
# run for SECONDS over a fresh copy of
# tests/fuzz/corpus/NAME/ in build/fuzz/corpus/NAME/ (the checked-in seeds never grow).
# A crash, leak, timeout, out-of-memory or sanitizer report fails the target: its
# reproducer and log paths are printed. One line per target, then
#
#     fuzz: N passed, M failed
#
# Exit status: 0 when every target passed, 1 when one failed, 2 on bad usage.
# CC overrides the compiler (default clang).

set -uo pipefail

usage() { echo "usage: tests/fuzz/run.sh SECONDS" >&2; exit 2; }
[ $# -eq 1 ] || usage
secs=$1
[[ $secs =~ ^[1-9][0-9]*$ ]] || usage

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2

cc=${CC:-clang}
# make exports CC=cc by default; libFuzzer needs clang.
case $cc in *clang*) ;; *) cc=clang ;; esac
out=build/fuzz
mkdir -p "$out"

# The defines match the Makefile's CFLAGS (analyze/ uses GNU extensions such as memrchr).
san=(-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined)
cflags=("${san[@]}" -fsanitize=fuzzer -I. -D_DEFAULT_SOURCE -D_GNU_SOURCE)
pkgs="libcurl libcjson zlib sqlite3 libpq yaml-0.1 libcrypto"
# shellcheck disable=SC2207
libs=($(pkg-config --libs $pkgs) -lm -lpthread -ldl)
# shellcheck disable=SC2207
cflags+=($(pkg-config --cflags $pkgs))
objdir=$out/obj
if ! make --no-print-directory -j2 BUILD="$objdir" CC="$cc" CFLAGS="${san[*]} -fsanitize=fuzzer-no-link" \
	LDFLAGS= fuzz-lib >"$out/lib.build.log" 2>&1; then
	echo "fuzz: the library failed to build (see $out/lib.build.log)"
	exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
shopt -s nullglob
targets=(tests/fuzz/fuzz_*.c)
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no targets in tests/fuzz/" >&2
	exit 1
fi

for src in "${targets[@]}"; do
	name=$(basename "$src" .c)       # fuzz_text
	kind=${name#fuzz_}               # text
	bin=$out/$name
	log=$out/$name.log
	work=$out/corpus/$kind
	artifacts=$out/artifacts/$kind/

	if ! "$cc" "${cflags[@]}" -o "$bin" "$src" "$objdir/libfuzz.a" "${libs[@]}" >"$out/$name.build.log" 2>&1; then
		echo "$name: FAILED to build (see $out/$name.build.log)"
		failed=$((failed + 1))
		continue
	fi

	rm -rf "$work" "$artifacts"
	mkdir -p "$work" "$artifacts"
	if [ -d "tests/fuzz/corpus/$kind" ]; then
		cp -R "tests/fuzz/corpus/$kind/." "$work/"
	fi

	"$bin" "$work" -max_total_time="$secs" -rss_limit_mb=512 -timeout=10 -max_len=262144 \
		-artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(grep -o 'DONE *cov: .*' "$log" | sed -n 's/.*#\([0-9]*\).*/\1/p' | tail -n 1)
	[ -n "$execs" ] || execs="?"
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)

	if [ $rc -eq 0 ] && [ -z "$repro" ]; then
		echo "$name: passed, $execs runs in ${secs}s, $(find "$work" -type f | wc -l) corpus inputs"
		passed=$((passed + 1))
	else
		what=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]+|runtime error: .*|fuzz invariant failed: .*' "$log")
		echo "$name: FAILED after $execs runs: ${what:-exit status $rc}; reproducer ${repro:-none}; log $log"
		failed=$((failed + 1))
	fi
done

echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
