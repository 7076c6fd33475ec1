/* report.h: the incident report: report.md (timeline, time to root cause against the target, slope
 * chart, growing groups with frames, pattern and advice, known-leak matches, notes, decisions and
 * the commands that reproduce each figure) and report.json alongside, both made from the journal
 * alone. Sources are written without userinfo or query and notes were masked when entered, so no
 * secret reaches either file. */
#ifndef PLAYBOOKS_REPORT_H
#define PLAYBOOKS_REPORT_H

#include <stddef.h>

#include "lib/err.h"

/* Writes dir/report.md and dir/report.json (0600, atomically) from dir/journal.jsonl. When md or
 * json is not NULL it gets a copy of that text (caller frees). Returns 0 or -1 with e; on success
 * e->msg is empty, or a warning to show (journal lines that were not whole events were skipped).
 * Every text from the journal is escaped for Markdown and HTML (lib/md.h). */
int pb_report_write(const char *dir, char **md, char **json, struct err *e);
/* The same two texts from len bytes of journal text, written nowhere (dir only names the files the
 * reproduce commands point at). Caller frees *md and *json. */
void pb_report_render(const char *journal, size_t len, const char *dir, char **md, char **json);

#endif
