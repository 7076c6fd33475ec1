/* text.h: making bytes from a profile safe to put on a terminal, cutting text to a width, and
 * base64 for what goes to it. */
#ifndef LIB_TEXT_H
#define LIB_TEXT_H

#include <stddef.h>

/* Copies s into out (size n > 0, always NUL-terminated), replacing C0 and C1 control characters,
 * DEL and bytes that are not valid UTF-8 with '?', so a function name cannot carry an escape
 * sequence to the screen. Returns out. */
char *text_sanitize(const char *s, char *out, size_t n);
/* The same in place: s is rewritten with every control character (C0, C1, DEL) and every byte
 * that is not valid UTF-8 replaced by '?'. For error lines made from what a server sent. Returns s. */
char *text_strip_controls(char *s);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s does not start one. */
int text_utf8_len(const unsigned char *s, size_t n);

/* Standard base64 of data[0..n) (with padding), NUL-terminated; the caller frees. */
char *text_base64(const void *data, size_t n);

/* Cutting text to cols columns, one column a character (identifiers, paths and pod names), with
 * ell (one column: "…", or "~" on an ASCII screen) where text was left out. Each copies into out
 * (size n, always NUL-terminated) and returns out; text that fits is copied whole. */
/* Characters of s (an invalid byte counts as one). */
size_t text_chars(const char *s);
/* s past its first k characters (its end when s is shorter): a horizontal scroll. */
const char *text_skip(const char *s, size_t k);
/* Keeps the start and the end ("leaky-5…2xkqp"): where replicas' names and methods differ. */
char *text_cut_middle(const char *s, int cols, const char *ell, char *out, size_t n);
/* Keeps the end ("…/http/transport.go:2392"). */
char *text_cut_left(const char *s, int cols, const char *ell, char *out, size_t n);
/* Keeps the start ("created by main.w…"). */
char *text_cut_right(const char *s, int cols, const char *ell, char *out, size_t n);
/* "func file:line" in cols: the location (file:line) is cut from the left and never loses its
 * ":line"; the function, cut in the middle, keeps a third of the width when it needs it. */
char *text_frame(const char *func, const char *loc, int cols, const char *ell, char *out, size_t n);

#endif
