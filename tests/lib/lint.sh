#!/usr/bin/env bash
# tests/lib/lint.sh [BASE] - what `make lint` checks: no banned call anywhere (strcpy, sprintf,
# strtok, atoi, gets: curl's checksrc list), and every line of C changed since BASE formatted as
# .clang-format says. BASE defaults to the commit that brought .clang-format: lines older than it
# keep their shape until they change, so that the style arrived without one commit rewriting every
# file under everyone's feet. `git clang-format BASE` formats what it finds. Exit 0 clean, 1 not.
set -u
cd "$(dirname "$0")/../.." || exit 2
rc=0
if git grep -nE '\b(strcpy|sprintf|strtok|atoi|gets)\s*\(' -- '*.c' '*.h'; then
	echo "lint: banned calls above (snprintf, strtok_r, strtol and fgets do the same safely)"
	rc=1
fi
if ! command -v git-clang-format >/dev/null; then
	echo "lint: git-clang-format is missing (Debian's clang-format; make deps installs it)"
	exit 2
fi
base=${1:-$(git log --format=%H -n1 --diff-filter=A -- .clang-format)}
[ -n "$base" ] || base=HEAD
out=$(git clang-format --diff --extensions c,h "$base" -- '*.c' '*.h' 2>&1)
case $out in
"" | "no modified files to format" | "clang-format did not modify any files") ;;
*)
	printf '%s\n' "$out"
	echo "lint: lines changed since ${base:0:12} are not formatted as .clang-format says (git clang-format ${base:0:12})"
	rc=1
	;;
esac
[ $rc -eq 0 ] && echo "lint: clean (banned calls; the format of what changed since ${base:0:12})"
exit $rc
