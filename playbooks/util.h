/* util.h: small file and time helpers the incident code shares: XDG paths, private directories,
 * atomic writes, bounded reads, UTC timestamps. */
#ifndef PLAYBOOKS_UTIL_H
#define PLAYBOOKS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/err.h"

/* $ENV/leakscope/NAME, or $HOME/FALLBACK/leakscope/NAME when ENV is unset or empty. Caller frees. */
char *pb_xdg_path(const char *env, const char *fallback, const char *name);
/* Makes every missing directory above path (not path itself), mode 0700. */
int pb_mkdir_parents(const char *path, struct err *e);
/* Makes dir and its missing parents, mode 0700. */
int pb_mkdir_p(const char *dir, struct err *e);
/* Writes data (and trailer, when not NULL) to a temporary file beside path, mode 0600, fsyncs it
 * and renames it over path. */
int pb_write_atomic(const char *path, const void *data, size_t len, const char *trailer, struct err *e);
/* Reads a whole file of at most max bytes into a NUL-terminated buffer the caller frees. */
int pb_read_file(const char *path, size_t max, char **out, size_t *len, struct err *e);
struct cJSON;
/* The first field of object o whose name is not in allowed (NULL-terminated), or NULL: the
 * playbook and catalogue readers refuse fields they do not know. Borrowed from o. */
const char *pb_json_unknown_key(const struct cJSON *o, const char *const *allowed);
/* Now as "2026-11-28T15:03:01Z" (with milliseconds when ms is set) into buf. */
char *pb_utc_now(char *buf, size_t n);
char *pb_utc_ms(int64_t ms, char *buf, size_t n);
/* Milliseconds since the epoch, now. */
int64_t pb_now_ms(void);
/* Parses an RFC 3339 UTC time as pb_utc_ms writes it. Returns ms or -1. */
int64_t pb_parse_utc(const char *s);

#endif
