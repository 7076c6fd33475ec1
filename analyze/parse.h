/* parse.h: the streaming goroutine-profile parser: feed it chunks of any size, get a snapshot. */
#ifndef ANALYZE_PARSE_H
#define ANALYZE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "analyze/snapshot.h"

/* The longest text line accepted; a longer one is an error, not a reason to buffer without end. */
#define PARSE_MAX_LINE (1024 * 1024)
/* The most a debug=0 profile may inflate to. Go aggregates goroutines by stack, so even a process
 * with a million goroutines writes a few megabytes; decoding may take some ten times this. */
#define PARSE_MAX_INFLATED ((uint64_t)256 << 20)
/* runtime.Stack output as net/http/pprof caps it: a debug=2 dump of exactly this size was cut. */
#define PARSE_STACK_CAP ((uint64_t)64 << 20)

struct parser;

/* A parser for one profile; source names it in the snapshot (copied). */
struct parser *parse_new(const char *source, enum snap_by by);
/* parse_free(NULL) does nothing; frees the snapshot too unless parse_finish handed it out. */
void parse_free(struct parser *p);
/* Feeds the next n bytes; the format is sniffed from the first ones. Returns 0, or -1 with e filled;
 * after an error every further call fails the same way. */
int parse_feed(struct parser *p, const void *data, size_t n, struct err *e);
/* Ends the input. Returns the snapshot, sorted, which the caller now owns (snap_free), or NULL
 * with e filled. */
struct snapshot *parse_finish(struct parser *p, struct err *e);
/* Bytes fed so far. */
uint64_t parse_bytes(const struct parser *p);

/* The one reader of a debug=1 profile's first line (n bytes, without its newline; a CR before it
 * is allowed): "goroutine profile: total N" or "goroutineleak profile: total N", N at most about
 * 10^18. Returns 0 with *total (and *leak, when not NULL: 1 for goroutineleak), or -1. */
int parse_debug1_total(const char *s, size_t n, long *total, int *leak);
/* strict: read only clean captures, exactly (no front end for pastes); quiet: no notes on stderr
 * about what the front end normalized. Process-wide, for every parser made after the call. */
void parse_set_mode(int strict, int quiet);

/* Reads fd to its end in chunks and parses it. Returns the snapshot (caller owns) or NULL with e. */
struct snapshot *parse_fd(int fd, const char *source, enum snap_by by, struct err *e);
/* Parses a file by path, "-" meaning standard input. */
struct snapshot *parse_path(const char *path, enum snap_by by, struct err *e);

/* ---- format back ends, for parse*.c only ---- */

/* A parser for the part of an input that starts offset bytes in: no notes on stderr. */
struct parser *parse_part_new(const char *source, enum snap_by by, uint64_t offset);
/* Whether everything fed so far was a clean debug=2 dump: nothing normalized, nothing refused. */
int parse_clean(const struct parser *p);
/* A regular file of size bytes, a clean debug=2 dump, read as two parts on two threads and merged;
 * NULL when it is not one or anything about it is not clean: the caller reads it whole. Leaves the
 * file offset alone. */
struct snapshot *parse_split(int fd, uint64_t size, const char *source, enum snap_by by);
/* Where in s[0..n), at or after from, a part may start: the header line of a goroutine after a
 * blank line (the offset of its 'g'), or 0 when there is none. */
size_t parse_split_point(const char *s, size_t n, size_t from);

struct ptext;
struct ptext *ptext_new(struct snapshot *s);
void ptext_free(struct ptext *t);
int ptext_line(struct ptext *t, const char *line, size_t n, struct err *e);
/* complete: the input ended with a newline and was not cut at the runtime's cap. */
int ptext_finish(struct ptext *t, int complete, struct err *e);

struct pcount;
struct pcount *pcount_new(struct snapshot *s);
void pcount_free(struct pcount *c);
int pcount_line(struct pcount *c, const char *line, size_t n, struct err *e);
int pcount_finish(struct pcount *c, int complete, struct err *e);

struct pproto;
struct pproto *pproto_new(struct snapshot *s);
void pproto_free(struct pproto *pp);
int pproto_feed(struct pproto *pp, const unsigned char *data, size_t n, struct err *e);
int pproto_finish(struct pproto *pp, struct err *e);

/* The tolerant front end (parse_norm.c): normalizes pasted lines and hands each on to emit. */
enum pnorm_fmt { PNORM_UNKNOWN, PNORM_TEXT, PNORM_COUNT };
typedef int (*pnorm_emit)(void *ctx, const char *line, size_t n, struct err *e);
struct pnorm;
/* quiet: no notes on stderr about what was normalized. */
struct pnorm *pnorm_new(pnorm_emit emit, void *ctx, int quiet);
void pnorm_free(struct pnorm *z);
int pnorm_line(struct pnorm *z, const char *line, size_t n, struct err *e);
/* Whether line, of a clean debug=2 dump so far, goes to the parser as it is (1; the caller hands
 * it on), needs pnorm_line (0), or failed (-1). */
int pnorm_pass(struct pnorm *z, const char *line, size_t n, struct err *e);
int pnorm_finish(struct pnorm *z, struct err *e);
/* The format recognized so far: debug=2 text or debug=1 records. */
enum pnorm_fmt pnorm_format(const struct pnorm *z);
int pnorm_saw_race(const struct pnorm *z);
/* Whether the lines so far were a clean debug=2 dump: none normalized (no note was due, printed or
 * not), and the next one would pass as it is. */
int pnorm_clean(const struct pnorm *z);
int pnorm_saw_timeout(const struct pnorm *z);

/* debug=1 records came without their "goroutine profile: total N" line: the total is their sum. */
void pcount_headerless(struct pcount *c);
/* Pasted text: a stack cut after its function line still counts (the input is flagged cut). */
void ptext_tolerant(struct ptext *t, int on);

/* Parses a label set "{k: v, "k 2": "v"}" or {"k":"v"} (bare or Go-quoted keys and values) into
 * snap_label calls. Returns the bytes consumed through the closing brace, or 0 when malformed. */
size_t parse_labels(struct snapshot *s, const char *p, size_t n);

#endif
