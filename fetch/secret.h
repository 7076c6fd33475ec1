/* secret.h: small files that hold secrets (tokens, keys): read with a cap, wiped when freed. */
#ifndef FETCH_SECRET_H
#define FETCH_SECRET_H

#include <stddef.h>

#include "analyze/err.h"

/* The most a token, certificate or kubeconfig file may hold. */
#define SECRET_MAX_FILE (4u << 20)

/* Reads path whole (at most max bytes) into a NUL-terminated buffer the caller frees with
 * secret_free. trim: drop trailing whitespace (tokens). Returns 0, or -1 with e naming the path
 * but never the content. */
int secret_read_file(const char *path, size_t max, int trim, char **out, size_t *len, struct err *e);
/* Reads a bearer token from path: one trailing newline (LF or CR LF) and trailing blanks are
 * dropped. An empty token, or one with a CR, LF or other control character left in it, is refused:
 * it would inject headers into the request. The caller frees it with secret_free. Returns 0, or
 * -1 with e naming the path but never the content. */
int secret_read_token(const char *path, char **out, struct err *e);
/* 0 when token (from what: a file name or a variable's) is fit for an Authorization header;
 * -1 with e when it holds a control character (CR and LF inject headers). */
int secret_token_check(const char *token, const char *what, struct err *e);
/* The bearer token a user gave: the content of token_file (secret_read_token) when it is not
 * NULL, else the LEAKSCOPE_TOKEN variable (refused with a control character in it), else none (*out NULL). The caller frees
 * it with secret_free. Returns 0, or -1 with e naming the file but never the token. */
int secret_bearer_token(const char *token_file, char **out, struct err *e);
/* Overwrites s with zeros, then frees it; secret_free(NULL) does nothing. */
void secret_free(char *s);
/* Decodes standard base64 (whitespace ignored) into a NUL-terminated buffer the caller frees.
 * Returns NULL when s is not base64. */
char *secret_base64_decode(const char *s, size_t *len);

#endif
