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

/* Opens dir/journal.jsonl for appending (created 0600). Returns the descriptor or -1 with e. */
int pb_journal_open(const char *dir, struct err *e);
/* A new event {"t": now (RFC 3339 UTC, milliseconds), "ev": type}; add fields, then append. */
cJSON *pb_journal_event(const char *type);
/* Writes ev as one line and fsyncs. Takes ownership of ev. Returns 0 or -1 with e. */
int pb_journal_append(int fd, cJSON *ev, struct err *e);
/* Reads dir/journal.jsonl into an array of events (caller cJSON_Deletes). A last line cut short by
 * a crash is dropped; a bad line elsewhere is an error naming it. NULL with e. */
cJSON *pb_journal_read(const char *dir, struct err *e);
/* The string field key of o, or NULL. */
const char *pb_jstr(const cJSON *o, const char *key);

#endif
