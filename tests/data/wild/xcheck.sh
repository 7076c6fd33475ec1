#!/bin/sh
# cross-check of count.py's group count for text dumps (stdin already unprefixed): function + file:line
# per frame, runtime.[a-z] frames left out unless nothing else remains, innermost 24, created-by left out.
awk '
function flush() { if (started) print (n ? k : a) }
/^goroutine [0-9]+ .*\[/ {flush(); k="G"; a="G"; n=0; started=1; inside=1; skip=0; anc=0; next}
/^\[originating from/ {anc=1; next}
!inside || anc {next}
/^created by/ {skip=1; next}
/^[ \t]+[^ \t]/ { if (skip) {skip=0; next}; f=$1; a=a "|" prev "@" f; if (prev !~ /^runtime\.[a-z_]/ && n < 24) {k=k "|" prev "@" f; n++}; next}
/^$/ {next}
{prev=$0; sub(/\([^()]*\)$/,"",prev)}
END{flush()}' | sort -u | wc -l
