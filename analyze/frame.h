/* frame.h: reading Go function names: which frames the canonical stack drops, which are user code. */
#ifndef ANALYZE_FRAME_H
#define ANALYZE_FRAME_H

#include <stddef.h>

/* Runtime-internal frames that debug=2 hides (unexported runtime.*, runtime.goexit, and debug=2's
 * "panic" for runtime.gopanic): never part of a canonical stack. */
int frame_is_runtime_internal(const char *func, size_t n);
/* Any runtime.* frame: debug=1 hides these at the leaf end, so the canonical stack does too. */
int frame_is_runtime(const char *func, size_t n);
/* User code: package main, or a package whose import path starts with a domain (has a dot in
 * its first element) — not the standard library. */
int frame_is_user(const char *func);
/* Length of the function name in a debug=2 frame line "pkg.f(args)": the text before the last
 * top-level parenthesised group. Returns n when there is none. */
size_t frame_strip_args(const char *line, size_t n);
/* The name with every type-argument list written "[...]", as text dumps print a generic
 * instantiation ("main.parallelMap[go.shape.int,go.shape.string]" in debug=0 becomes
 * "main.parallelMap[...]"), so the formats name it alike. Writes at most n bytes to out (n is
 * enough: the result is never longer) and returns the length. */
size_t frame_canon_generic(const char *func, size_t n, char *out);

#endif
