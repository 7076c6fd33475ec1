/* classify.h: the leak-pattern catalogue and the classifier that names the kind of bug of a stack
 * group from its frames, its wait states and, when known, its growth. */
#ifndef PLAYBOOKS_CLASSIFY_H
#define PLAYBOOKS_CLASSIFY_H

#include <stddef.h>

#include "analyze/diff.h"
#include "lib/err.h"
#include "analyze/snapshot.h"

#define PB_RULE_MAX 8

/* What a rule asks of the group's growth. */
enum pb_growth_rule {
	PB_GROWTH_ANY,     /* matches whatever the growth */
	PB_GROWTH_GROWING, /* only a group known to grow (a diff, or steady wait ages) */
};

/* One catalogue entry, as playbooks/patterns.json spells it (the format is in playbooks/README.md).
 * Function patterns are exact names or use '*' for any run of characters. A rule matches when
 * every condition it states holds:
 *   states   the group's main wait state is one of these (debug=2); a group without states
 *            (debug=0/1) passes only when frames_alone is set
 *   leaf     the innermost canonical frame matches one of these
 *   any      some frame matches one of these
 *   none     no frame matches any of these
 *   leaf_user the innermost canonical frame is user code (debug=1 hides the runtime call below it)
 * The first matching rule, in catalogue order, names the pattern. */
struct pb_pattern {
	const char *id;          /* stable identifier, used in JSON and in playbooks */
	const char *title;       /* one line */
	const char *explanation; /* what the goroutines are doing and why that leaks */
	const char *advice;      /* how to fix it */
	const char *states[PB_RULE_MAX];
	const char *leaf[PB_RULE_MAX];
	const char *any[PB_RULE_MAX];
	const char *none[PB_RULE_MAX];
	int leaf_user;
	int frames_alone;  /* frames are enough when the format has no states */
	int no_states;     /* matches only groups without states (the debug=0/1 fallbacks) */
	enum pb_growth_rule growth;
	int proven;        /* matches groups with goroutines the runtime proved leaked */
	int leak;          /* a leak shape; 0 for shapes that are normal when stable (worker pools) */
	int alone;         /* suspicious even in one snapshot with no growth known */
};

/* A catalogue: its patterns in match order, and where it came from. Owns its strings. */
struct pb_catalogue {
	char *name; /* the file, or "built-in" */
	struct pb_pattern *patterns;
	size_t n;
};

/* The built-in catalogue: playbooks/patterns.json as it was at build time (playbooks/patterns_data.c,
 * made by playbooks/embed.sh), so the binary needs no file beside it. */
extern const char pb_patterns_json[];
extern const size_t pb_patterns_json_len;

/* Parses and validates a catalogue; name is for messages. NULL with e naming the file, the pattern
 * (id and position) and the fault. */
struct pb_catalogue *pb_catalogue_parse(const char *text, size_t len, const char *name, struct err *e);
/* pb_catalogue_parse on a file. */
struct pb_catalogue *pb_catalogue_load(const char *path, struct err *e);
void pb_catalogue_free(struct pb_catalogue *c);

/* The catalogue classification uses. Until pb_patterns_use is called, the first call picks it:
 * $LEAKSCOPE_PATTERNS when set, else the built-in one. When that file does not load, the built-in
 * catalogue is used and pb_patterns_error says why. */
const struct pb_catalogue *pb_patterns(void);
/* Makes path (NULL: $LEAKSCOPE_PATTERNS when set and not empty, else the built-in catalogue) the
 * one classification uses. -1 with e when it does not load; the catalogue in use stays. Pattern
 * pointers taken from an earlier file catalogue are no longer valid afterwards. */
int pb_patterns_use(const char *path, struct err *e);
/* Why $LEAKSCOPE_PATTERNS was not used by pb_patterns, or NULL. */
const char *pb_patterns_error(void);

/* What is known of a group's growth. */
enum pb_growth { PB_UNKNOWN, PB_GROWING, PB_STABLE };

/* The verdict on one group. Only LEAK and SUSPECT are flagged. */
enum pb_verdict {
	PB_V_LEAK,    /* a leak shape that grows, or that the runtime proved leaked */
	PB_V_SUSPECT, /* a leak shape that is suspicious alone; growth unknown */
	PB_V_UNKNOWN, /* a waiting shape; only growth would tell (diff two snapshots) */
	PB_V_STABLE,  /* not growing: never called a leak */
	PB_V_BENIGN,  /* a runtime or standard-library background goroutine */
};

struct pb_class {
	const struct pb_pattern *pattern; /* borrowed from the catalogue; NULL when none matched */
	enum pb_verdict verdict;
	enum pb_growth growth;
	const char *state; /* the main wait state (borrowed from the snapshot), NULL without states */
	int exact;         /* 0 when the format hid the wait state and the pattern names a family */
};

/* The growth of a diff row (grew or new: growing; otherwise stable), or from one group's wait ages
 * (a steady arrival spread: growing) when row is NULL. */
enum pb_growth pb_growth_of(const struct snap_group *g, const struct diff_row *row);
/* Classifies g. */
struct pb_class pb_classify(const struct snap_group *g, enum pb_growth growth);
/* A catalogue entry by id, or NULL. */
const struct pb_pattern *pb_pattern_find(const char *id);
const char *pb_verdict_name(enum pb_verdict v);
const char *pb_growth_name(enum pb_growth g);
/* Whether the verdict is one to act on (leak or suspect). */
int pb_flagged(enum pb_verdict v);
/* Whether the function pattern p ('*' wildcards) matches s. */
int pb_glob(const char *p, const char *s);

#endif
