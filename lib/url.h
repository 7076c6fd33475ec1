/* url.h: percent-encoding (RFC 3986: unreserved characters stay, every other byte becomes %XX). */
#ifndef LIB_URL_H
#define LIB_URL_H

#include <stddef.h>

/* Appends s percent-encoded to the growing buffer out (*len used, *cap allocated, kept
 * NUL-terminated). Returns the buffer, which may have moved. */
char *url_escape_append(char *out, size_t *len, size_t *cap, const char *s);
/* s percent-encoded. Caller frees. */
char *url_escape(const char *s);

#endif
