/* known.h: the known-leak database: leaks the team has seen before, keyed by group fingerprint,
 * with the incident that found them and the commit that fixed them. SQLite on disk by default;
 * PostgreSQL ("postgres://..." or "postgresql://...") for a database a whole rotation shares. */
#ifndef PLAYBOOKS_KNOWN_H
#define PLAYBOOKS_KNOWN_H

#include <stddef.h>

#include "lib/err.h"

/* One known leak. Strings are owned by whoever holds the record (a list frees its own); fix,
 * note, pattern and func may be NULL. added is RFC 3339 UTC. */
struct pb_known {
	const char *fingerprint, *incident, *fix, *note, *pattern, *func, *added;
};

struct pb_known_list {
	struct pb_known *items;
	size_t n, cap;
};

void pb_known_list_init(struct pb_known_list *l);
/* Frees every record and the array; the list is empty and usable again. */
void pb_known_list_done(struct pb_known_list *l);
/* Appends a deep copy of k. */
void pb_known_list_add(struct pb_known_list *l, const struct pb_known *k);

struct pb_kdb;

/* Where the database is: $LEAKSCOPE_KNOWN_DB, else $XDG_DATA_HOME/leakscope/known.db (XDG_DATA_HOME
 * defaulting to ~/.local/share). Caller frees; NULL when none can be named (pb_kdb_open refuses it). */
char *pb_kdb_default(void);
/* Opens the database at where (a path or a postgres:// URL). create: make the file, its directory
 * (0700) and the table when missing; otherwise a missing SQLite file is an error. where NULL: an error. Returns NULL with
 * e filled. pb_kdb_free(NULL) does nothing. */
struct pb_kdb *pb_kdb_open(const char *where, int create, struct err *e);
void pb_kdb_free(struct pb_kdb *db);
/* The backend's name: "sqlite" or "postgres". */
const char *pb_kdb_backend(const struct pb_kdb *db);
/* Adds k, or replaces the record with the same fingerprint and incident. added NULL means now.
 * Safe against other processes adding at the same time. Returns 0 or -1 with e. */
int pb_kdb_add(struct pb_kdb *db, const struct pb_known *k, struct err *e);
/* Adds every record of l in one transaction: all of them, or (on an error, or when the process is
 * killed half way) none. *bad is the index of the record that failed (l->n when none did). */
int pb_kdb_add_all(struct pb_kdb *db, const struct pb_known_list *l, size_t *bad, struct err *e);
/* Appends the records for fingerprint, newest first, to out. Returns the number found or -1. */
int pb_kdb_lookup(struct pb_kdb *db, const char *fingerprint, struct pb_known_list *out, struct err *e);
/* Appends every record, by fingerprint then added, to out. Returns the number or -1. */
int pb_kdb_list(struct pb_kdb *db, struct pb_known_list *out, struct err *e);
/* Removes the records of fingerprint (all incidents when incident is NULL). Returns the number. */
int pb_kdb_remove(struct pb_kdb *db, const char *fingerprint, const char *incident, struct err *e);

/* Export and import files: {"version":1,"known":[{"fingerprint",...}]}, sorted as pb_kdb_list,
 * so a team can keep the catalogue in git and review changes. */
/* The file's text, newline-terminated; caller frees. */
char *pb_known_format(const struct pb_known_list *l);
int pb_known_write_file(const char *path, const struct pb_known_list *l, struct err *e);
/* Reads a file written by pb_known_write_file (or by hand) into out; the first bad record is an
 * error naming its index and field. */
int pb_known_read_file(const char *path, struct pb_known_list *out, struct err *e);
/* Whether s is a fingerprint: 12 lowercase hex digits (SNAP_PRINT_LEN). */
int pb_known_valid_fingerprint(const char *s);

#endif
