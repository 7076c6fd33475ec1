/* journal.h: the incident journal, journal.jsonl: one JSON event per line, appended and fsync'd as
 * it happens. Internal to playbooks/ (it speaks cJSON); the rest of the program reads incidents
 * through run.h and report.h. */
#ifndef PLAYBOOKS_JOURNAL_H
#define PLAYBOOKS_JOURNAL_H

#include <cjson/cJSON.h>

#include "lib/err.h"

#define PB_JOURNAL "journal.jsonl"
/* The largest journal read back. */
#define PB_JOURNAL_MAX (64 << 20)

/* Beside the journal: who holds the incident (pid, user, host, since), for the one who is refused. */
#define PB_JOURNAL_LOCK "journal.lock"

/* Opens dir/journal.jsonl for appending (created 0600) and takes the incident: refuses a directory
 * others could plant links in, a journal that is a link or not a regular file, and an incident
 * another run holds (an exclusive flock on the journal; e says who holds it). A torn last line is
 * cut back to the last newline; *cut is the bytes cut (journal that you did). Returns the
 * descriptor (closing it lets the incident go) or -1 with e. */
int pb_journal_open(const char *dir, long *cut, struct err *e);
/* A new event {"t": now (RFC 3339 UTC, milliseconds), "ev": type}; add fields, then append. */
cJSON *pb_journal_event(const char *type);
/* Writes ev as one line and fsyncs. Takes ownership of ev. Returns 0 or -1 with e. */
int pb_journal_append(int fd, cJSON *ev, struct err *e);
/* Lines of the journal that were not whole events, skipped by the reader. */
struct pb_journal_torn {
	long count, first_line;
};

/* Reads dir/journal.jsonl into an array of events (caller cJSON_Deletes). A line that is not a
 * whole event (torn by a full disk or a crash) is skipped and counted in *torn (when not NULL), so
 * the caller can warn. NULL with e when the file cannot be read. */
cJSON *pb_journal_read(const char *dir, struct pb_journal_torn *torn, struct err *e);
/* The same reading of len bytes of journal text (embedded NULs and all). */
cJSON *pb_journal_parse(const char *text, size_t len, struct pb_journal_torn *torn);
/* The string field key of o, or NULL. */
const char *pb_jstr(const cJSON *o, const char *key);

#endif
