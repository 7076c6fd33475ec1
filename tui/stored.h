/* stored.h: the snapshots already in the store for one target (ROOT/CONTEXT/NS/POD), read from
 * their sidecars so that listing them parses no profile. */
#ifndef TUI_STORED_H
#define TUI_STORED_H

#include <stddef.h>

#include "analyze/snapshot.h"

struct stored {
	char *path;     /* the profile */
	double time;    /* its capture time, unix seconds; NAN when unknown */
	enum snap_format format;
	long total;     /* goroutines, -1 when the sidecar does not say */
	long groups;
	int truncated;
};

/* The profiles in dir that have a readable sidecar, oldest first. *out (stored_free) is the
 * caller's; a missing dir gives none. Returns the number found. */
size_t stored_scan(const char *dir, struct stored **out);
/* Frees n entries and the array; stored_free(NULL, 0) does nothing. */
void stored_free(struct stored *s, size_t n);

#endif
