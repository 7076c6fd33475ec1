#!/bin/sh
# cli/man.sh: writes the leakscope(1) manual page to standard output, made from the program's own
# help: `leakscope --help` for the synopsis and the list of commands, then `leakscope COMMAND --help`
# for every command that list names. The page cannot disagree with --help: it is --help, typeset.
#
# Usage: cli/man.sh ./leakscope > leakscope.1        (exit 2 when the binary gives no help)
set -eu

bin=${1:?usage: cli/man.sh LEAKSCOPE}
[ -x "$bin" ] || { echo "man.sh: $bin is not an executable" >&2; exit 2; }

top=$("$bin" --help) || { echo "man.sh: $bin --help failed" >&2; exit 2; }
version=$("$bin" --version 2>/dev/null | sed -n '1s/^leakscope //p')
# The command names: the indented first words of the "commands:" paragraph of --help.
commands=$(printf '%s\n' "$top" | awk '/^commands:$/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || { echo "man.sh: $bin --help lists no commands" >&2; exit 2; }

# Help text to roff. Prose is filled; "  --opt ARG   text" lines become tagged paragraphs (their
# continuation lines, indented deeper, join the text); other indented lines (examples, tables)
# stay as they are; "heading:" lines are bold. Backslashes, leading dots and quotes, and hyphens
# are escaped.
roff() {
	awk '
	function esc(s) {
		gsub(/\\/, "\\e", s)
		gsub(/-/, "\\-", s)
		if (s ~ /^[.'\'']/) s = "\\&" s
		return s
	}
	function mode(m) {
		if (m == cur) return
		if (cur == "pre") print ".fi"
		if (m == "pre") print ".nf"
		cur = m
	}
	BEGIN { cur = "prose" }
	/^usage: / { usage = 1 }
	usage && /^$/ { usage = 0; next }
	usage { next }
	/^$/ { mode("prose"); print ".PP"; next }
	/^[^ ].*:$/ { mode("prose"); print ".PP"; print "\\fB" esc($0) "\\fR"; next }
	/^  +-/ {
		line = $0
		sub(/^ +/, "", line)
		if (match(line, /   */)) {
			tag = substr(line, 1, RSTART - 1); text = substr(line, RSTART + RLENGTH)
		} else {
			tag = line; text = ""
		}
		mode("opt"); print ".TP"; print "\\fB" esc(tag) "\\fR"
		if (text != "") print esc(text)
		next
	}
	cur == "opt" && /^      +[^ ]/ { line = $0; sub(/^ +/, "", line); print esc(line); next }
	/^ / { mode("pre"); print esc($0); next }
	{ mode("prose"); print esc($0) }
	END { mode("prose") }
	'
}

# The synopsis lines of one --help text: its "usage:" paragraph, the prefix taken off.
synopsis() {
	awk '/^usage: / { on = 1 } on && /^$/ { exit } on { print substr($0, 8) }' | sed 's/\\/\\e/g; s/-/\\-/g'
}

printf '.TH LEAKSCOPE 1 "" "leakscope %s" "User Commands"\n.nh\n.ad l\n' "${version:-}"
printf '.SH NAME\nleakscope \\- from a goroutine-leak page to the leaking stack, its file:line and its kind\n'
printf '.SH SYNOPSIS\n.nf\n'
for c in $commands; do
	"$bin" "$c" --help 2>/dev/null | synopsis
done
printf '.fi\n.SH DESCRIPTION\n'
printf '%s\n' "$top" | sed '/^commands:$/,/^$/d' | roff
printf '.SH COMMANDS\n'
for c in $commands; do
	help=$("$bin" "$c" --help 2>/dev/null) || { echo "man.sh: $bin $c --help failed" >&2; exit 2; }
	printf '.SS %s\n' "$c"
	printf '%s\n' "$(printf '%s\n' "$top" | awk -v c="$c" '$1 == c { sub(/^  [^ ]+ +/, ""); print; exit }')" | roff
	printf '.PP\n.nf\n'
	printf '%s\n' "$help" | synopsis
	printf '.fi\n.PP\n'
	printf '%s\n' "$help" | roff
done
cat <<'EOF'
.SH ENVIRONMENT
.TP
\fBLEAKSCOPE_TOKEN\fR
bearer token for URL sources and Prometheus, when \fB\-\-token\-file\fR is not given
.TP
\fBKUBECONFIG\fR
the kubeconfig, as kubectl reads it
.TP
\fBLEAKSCOPE_PLAYBOOKS\fR
colon\-separated directories searched for playbooks first
.TP
\fBXDG_STATE_HOME\fR, \fBXDG_CONFIG_HOME\fR, \fBXDG_CACHE_HOME\fR
where snapshots and incidents, your own playbooks, and the pod names for shell completion are kept
.SH EXIT STATUS
0 done and no gate tripped; 1 a gate tripped; 2 trouble (usage, unreadable input, fetch failure),
with one line on standard error.
.SH SEE ALSO
README.md in the source tree; \fBkubectl\fR(1), \fBgo\fR(1).
EOF
