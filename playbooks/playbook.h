/* playbook.h: incident playbooks: the JSON procedure format, its validation, and where playbook
 * files are found. The format is documented in playbooks/README.md. */
#ifndef PLAYBOOKS_PLAYBOOK_H
#define PLAYBOOKS_PLAYBOOK_H

#include <stddef.h>

#include "lib/err.h"

enum pb_action {
	PB_ACT_NONE,
	PB_ACT_SLOPE,        /* fetch the goroutine series, slope and rule replay */
	PB_ACT_RANK_PODS,    /* fan out over the pods, pick the outlier */
	PB_ACT_SNAPSHOT,     /* take a goroutine profile into the incident directory */
	PB_ACT_WAIT,         /* a countdown */
	PB_ACT_DIFF,         /* diff two snapshot steps */
	PB_ACT_CLASSIFY,     /* leak pattern of the growing groups of a diff (or of one snapshot) */
	PB_ACT_LOOKUP_KNOWN, /* known-leak database lookup of a diff's, classify's or snapshot's groups */
	PB_ACT_NOTE,         /* free text from the responder */
	PB_ACT_REPORT,       /* write report.md and report.json */
};

struct pb_option {
	char *key, *label;
	char *next; /* a step id, or "end" */
};

/* One step. Strings are owned by the playbook. */
struct pb_step {
	char *id, *title;
	char *text; /* guidance; {{STEP.FIELD}} is replaced by a result of an earlier step */
	enum pb_action action;
	/* action parameters (NULL or 0 when not given) */
	int debug;                  /* snapshot: 1 (default) or 2 */
	long seconds;               /* wait */
	char *before, *after;       /* diff: snapshot step ids */
	char *from;                 /* classify, lookup_known: the step whose groups to use */
	char *query, *window, *range, *rule; /* slope */
	long limit;                 /* classify, lookup_known, diff: groups kept (default 5) */
	char *prompt;               /* note, choice */
	int root_cause;             /* finishing this step means the root cause is known */
	/* choice: branches */
	struct pb_option *options;
	int noptions;
	char *deflt; /* the option --yes takes; the first when not given */
	char *next;  /* NULL: the next step in the file; "end": the run ends */
};

struct pb_playbook {
	char *id, *title, *summary, *path;
	long target_minutes;
	struct pb_step *steps;
	int nsteps;
};

/* Parses and validates a playbook; name is used in messages (a path). Every error names the file,
 * the step (id and position) and what is wrong. NULL with e filled. */
struct pb_playbook *pb_playbook_parse(const char *text, size_t len, const char *name, struct err *e);
struct pb_playbook *pb_playbook_load(const char *path, struct err *e);
/* pb_playbook_free(NULL) does nothing. */
void pb_playbook_free(struct pb_playbook *pb);
/* Index of the step with this id, or -1. */
int pb_step_index(const struct pb_playbook *pb, const char *id);
/* The step after step i when it has no choice: its next, or the following one; -1 for the end. */
int pb_step_next(const struct pb_playbook *pb, int i);
/* The index an option leads to; -1 for the end. */
int pb_option_next(const struct pb_playbook *pb, const struct pb_option *o);
const struct pb_option *pb_step_option(const struct pb_step *s, const char *key);
/* The step's option keys as a reader is told them ("yes, no or later") into buf; returns buf. */
const char *pb_step_keys(const struct pb_step *s, char *buf, size_t n);
const char *pb_action_name(enum pb_action a);

/* Where playbooks are looked for, in order: $LEAKSCOPE_PLAYBOOKS (colon-separated directories),
 * $XDG_CONFIG_HOME/leakscope/playbooks, the playbooks/ directory beside the leakscope binary and
 * its parent's, and /usr/local/share/leakscope/playbooks, /usr/share/leakscope/playbooks. Fills
 * dirs (caller frees each and the array) and returns their number. */
int pb_playbook_dirs(char ***dirs);
/* Resolves NAME (an id, a file name without .json, or a path containing '/') to a file. Caller
 * frees; NULL with e filled when none exists. */
char *pb_playbook_resolve(const char *name, struct err *e);
/* Calls fn for every playbook file found (the first of each file name wins). */
void pb_playbook_each(void (*fn)(void *ctx, const char *path), void *ctx);

/* Answers for a scripted run: per step id, a choice key, a note, or an object {"choice":KEY,
 * "note":TEXT,"source":SOURCE}. Validated against pb: unknown steps and options are errors. */
struct pb_answer {
	char *step, *choice, *note, *source;
};
struct pb_answers {
	struct pb_answer *a;
	int n;
};
int pb_answers_load(const char *path, const struct pb_playbook *pb, struct pb_answers *out, struct err *e);
void pb_answers_done(struct pb_answers *a);
const struct pb_answer *pb_answers_get(const struct pb_answers *a, const char *step);

#endif
