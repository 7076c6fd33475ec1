/* snapshot.h: one goroutine profile folded into stack groups, and the record builder the parsers feed. */
#ifndef ANALYZE_SNAPSHOT_H
#define ANALYZE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/arena.h"

enum snap_format { SNAP_FMT_NONE = -1, SNAP_DEBUG0 = 0, SNAP_DEBUG1 = 1, SNAP_DEBUG2 = 2 };
enum snap_profile { SNAP_GOROUTINE, SNAP_GOROUTINELEAK };
/* What makes two stacks the same group: function, file and line of every frame, or functions only
 * (to compare two builds whose line numbers moved). */
enum snap_by { SNAP_BY_LINES, SNAP_BY_FUNCS };

/* Only the innermost frames make the key, so that stacks cut at different depths by the formats
 * (32 or 128 profile frames, 100 or 50+50 text frames) still match. */
#define SNAP_KEY_FRAMES 24
/* Frames kept per group for display; deeper ones are dropped. */
#define SNAP_MAX_FRAMES 128
#define SNAP_KEY_LEN 16
#define SNAP_PRINT_LEN 12
/* Distinct label sets counted per group before the rest go into labels_other. */
#define SNAP_MAX_LABELSETS 256

struct snap_frame {
	const char *func, *file;
	long line;
};

struct snap_state {
	const char *name;
	long count;
};

struct snap_label {
	const char *key, *value;
};

struct snap_labelset {
	const char *id; /* interned canonical form, identity of the set */
	const struct snap_label *labels;
	int nlabels;
	long count;
};

struct snap_age {
	long minutes, count;
};

struct snap_creator {
	const char *func, *file;
	long line;
	long goroutine; /* parent goroutine id, -1 when not printed */
};

/* All pointers point into the snapshot's arena: borrowed until snap_free(). */
struct snap_group {
	char key[SNAP_KEY_LEN + 1];         /* hex hash of the canonical stack */
	char fingerprint[SNAP_PRINT_LEN + 1]; /* hex hash of the top user functions */
	uint64_t hash;
	const struct snap_frame *frames; /* canonical frames, leaf first */
	int nframes;
	int top;     /* index of the top user frame in frames */
	long count;  /* goroutines */
	long leaked; /* goroutines the runtime proved leaked */
	struct snap_state *states;
	int nstates, capstates;
	struct snap_age *ages; /* sorted by minutes (once snap_sort ran) */
	int nages, capages;
	int ages_unsorted;       /* private: ages appended out of order since the last snap_sort */
	long aged;               /* goroutines that showed a wait age (debug=2, one minute or more) */
	long id_min, id_max;     /* goroutine ids, -1 when the format has none */
	const struct snap_creator *creator; /* NULL when the format has none */
	struct snap_labelset *labelsets;
	int nlabelsets, caplabelsets;
	long labels_other; /* goroutines whose label set did not fit SNAP_MAX_LABELSETS */
	const char *canon;  /* the bytes the key hashes */
	size_t canonlen;
};

struct snap_rec;   /* the record being built, private to snapshot.c */
struct snap_pairs; /* an index of per-group buckets, private to snapshot.c */

struct snapshot {
	struct arena *arena;
	struct intern *strings;
	const char *source;
	enum snap_format format;
	enum snap_profile profile;
	enum snap_by by;
	int64_t time_ns; /* capture time, 0 when the format does not say */
	long total;      /* goroutines: the profile's own total for debug=0/1, those read for debug=2 */
	long records;    /* goroutines folded into groups */
	int truncated;   /* the input was cut short: counts are lower bounds */
	struct snap_group **groups; /* sorted by snap_sort(); owned by the snapshot */
	size_t ngroups;
	/* private */
	struct snap_group **table;
	size_t tcap;
	struct snap_pairs *states_ix, *ages_ix; /* (group, state or minutes) -> index, for big groups */
	size_t gcap;
	struct snap_rec *rec;
};

/* A new, empty snapshot; source is copied. */
struct snapshot *snap_new(const char *source, enum snap_by by);
/* snap_free(NULL) does nothing. */
void snap_free(struct snapshot *s);
/* Sorts groups by count, largest first, then by key; label sets likewise. */
void snap_sort(struct snapshot *s);
/* The top user frame of g (the outermost frame when none is user code), or NULL without frames. */
const struct snap_frame *snap_top_frame(const struct snap_group *g);
/* Whether frames a and b are the same call site (function, file and line). */
int snap_frame_same(const struct snap_frame *a, const struct snap_frame *b);
/* The index of g's frame that tells it apart from those of peers[0..n) (g may be among them)
 * whose top frame is the same call site as g's: the first frame where their stacks differ, the
 * deepest over those peers. -1 when no peer shares g's top frame or none differs in g's frames. */
int snap_distinct_frame(const struct snap_group *g, const struct snap_group *const *peers, size_t n);
const char *snap_format_name(enum snap_format f);
const char *snap_profile_name(enum snap_profile p);

/* Adds the goroutines of from, read from the same input just after into's, to into, and sorts it:
 * into then reads as if one parser had read both parts. Returns 0, or -1 when that cannot be
 * done exactly (another format, label sets past SNAP_MAX_LABELSETS): into is then half merged,
 * and only good for snap_free. */
int snap_merge(struct snapshot *into, const struct snapshot *from);

/* The record builder, for parsers: begin, describe one goroutine (or one count record), end.
 * Strings are copied; the caller's buffers may change after each call. */
void snap_begin(struct snapshot *s);
void snap_frame(struct snapshot *s, const char *func, size_t funclen, const char *file, size_t filelen,
		long line);
void snap_state(struct snapshot *s, const char *state, size_t n);
void snap_wait(struct snapshot *s, long minutes);
void snap_id(struct snapshot *s, long id);
void snap_leaked(struct snapshot *s);
void snap_creator(struct snapshot *s, const char *func, size_t funclen, const char *file, size_t filelen,
		  long line, long parent);
void snap_label(struct snapshot *s, const char *key, size_t keylen, const char *value, size_t valuelen);
/* In tracebacks that show every frame (crashes, SIGQUIT), the wrapper the compiler makes for a
 * `go f(x)` statement is the outermost frame, at the go statement's own file:line — the creator's.
 * Other dumps hide it: drops it so both read the same. Call after the creator is known. */
void snap_drop_go_wrapper(struct snapshot *s);
/* Folds the record, count goroutines strong, into its group. */
void snap_end(struct snapshot *s, long count);
/* Folds the record, count goroutines strong, into the group the previous record went to: for a
 * record whose frames and creator the caller knows to repeat that one's, given only its header
 * (state, wait, id, labels). Returns 0, or -1 (the record untouched) when there is no such group. */
int snap_end_repeat(struct snapshot *s, long count);
/* Drops the record being built. */
void snap_abort(struct snapshot *s);

/* ---- groups and their buckets (snapshot_bucket.c), for snapshot*.c only ---- */

/* The group whose canonical bytes are key[0..keylen) (key may be NULL when keylen is 0), or NULL. */
struct snap_group *snap_group_find(const struct snapshot *s, uint64_t h, const char *key, size_t keylen);
/* Puts g, a group made in s's arena, in s's table and list. */
void snap_group_add(struct snapshot *s, struct snap_group *g);
/* count goroutines more in g in state (interned in s), or at an age of minutes. */
void snap_add_state(struct snapshot *s, struct snap_group *g, const char *state, long count);
void snap_add_age(struct snapshot *s, struct snap_group *g, long minutes, long count);
/* Sorts a group's ages appended out of order (snap_sort does, for every group). */
void snap_sort_ages(struct snapshot *s, struct snap_group *g);
/* snap_pairs_free(NULL) does nothing. */
void snap_pairs_free(struct snap_pairs *t);
/* A new label set on g: labels[0..n), their strings interned in s already, copied. */
void snap_add_labelset(struct snapshot *s, struct snap_group *g, const char *id, const struct snap_label *labels, int n,
		       long count);

#endif
