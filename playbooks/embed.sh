#!/bin/sh
# embed.sh: turns the leak-pattern catalogue into C, so the binary carries it and needs no file:
#   playbooks/embed.sh playbooks/patterns.json playbooks/patterns_data.c
# writes pb_patterns_json (the file's bytes as a string literal, one source line per line of JSON)
# and pb_patterns_json_len. Without OUT it writes to stdout. POSIX sh and awk only, so any host that
# builds leakscope can run it. The output is checked in; the Makefile remakes it when the JSON changes
# and the tests fail when it is stale.
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 patterns.json [patterns_data.c]" >&2
	exit 2
fi
in=$1
out=${2:-}
[ -r "$in" ] || { echo "$0: cannot read $in" >&2; exit 2; }

gen() {
	printf '/* %s: generated from %s by playbooks/embed.sh; edit the JSON, not this file. */\n' \
		"$(basename "${out:-patterns_data.c}")" "$(basename "$in")"
	printf '#include "playbooks/classify.h"\n\n'
	printf 'const char pb_patterns_json[] =\n'
	# Backslash, quote and '?' (no trigraphs) are escaped; tab and carriage return become escapes;
	# other bytes, UTF-8 included, pass as they are. A last line without a newline keeps none.
	LC_ALL=C awk '
		function esc(s) {
			gsub(/\\/, "\\\\", s)
			gsub(/"/, "\\\"", s)
			gsub(/\?/, "\\?", s)
			gsub(/\t/, "\\t", s)
			gsub(/\r/, "\\r", s)
			return s
		}
		{ if (NR > 1) print "\t\"" esc(prev) "\\n\""; prev = $0; n = NR }
		END {
			if (n == 0) { print "\t\"\";"; exit }
			print "\t\"" esc(prev) (nl ? "\\n" : "") "\";"
		}' nl="$(if [ -n "$(tail -c 1 "$in")" ]; then echo 0; else echo 1; fi)" "$in"
	printf '\nconst size_t pb_patterns_json_len = sizeof(pb_patterns_json) - 1;\n'
}

if [ -z "$out" ]; then
	gen
	exit 0
fi
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
gen >"$tmp"
mv "$tmp" "$out"
trap - EXIT
