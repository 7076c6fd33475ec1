/* text.h: making bytes from a profile safe to put on a terminal (and base64 for what goes to it). */
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

#endif
