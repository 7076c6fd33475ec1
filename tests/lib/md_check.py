#!/usr/bin/env python3
"""md_check.py FILE: fails when Markdown text would let HTML, a link or an image through.

A small model of a CommonMark renderer: fenced code blocks (a line of 3 or more backticks, closed
by a line of at least as many) and code spans (a run of N backticks, closed by the next run of
exactly N) are literal; everywhere else a raw '<' (a tag), '](' (a link or image) or an unclosed
span or block is reported. Exit 0 when clean, 1 with the offending line otherwise."""
import re
import sys


def spans_outside(line):
    """The parts of line outside code spans, or None when a span is left open."""
    out, i = [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            out.append("  ")
            i += 2
            continue
        if line[i] != "`":
            out.append(line[i])
            i += 1
            continue
        n = len(re.match(r"`+", line[i:]).group(0))
        j = i + n
        while True:
            m = re.compile(r"`+").search(line, j)
            if not m:
                return None  # never closed: the rest would be literal backticks
            if len(m.group(0)) == n:
                i = m.end()
                break
            j = m.end()
    return "".join(out)


def main(path):
    fence = 0
    for no, line in enumerate(open(path, encoding="utf-8").read().split("\n"), 1):
        m = re.match(r"^(`{3,})", line)
        if fence:
            if m and len(m.group(1)) >= fence and not line[len(m.group(1)):].strip():
                fence = 0
            continue
        if m:
            fence = len(m.group(1))
            continue
        rest = spans_outside(line)
        if rest is None:
            sys.exit("%s:%d: a code span is closed early or never: %s" % (path, no, line))
        if "<" in rest or "](" in rest:
            sys.exit("%s:%d: live HTML or link outside code: %s" % (path, no, line))
    if fence:
        sys.exit("%s: a code block is never closed" % path)


if __name__ == "__main__":
    main(sys.argv[1])
