/* fuzz_common.h: the chunked feeding and snapshot invariants shared by the libFuzzer targets. */
#ifndef TESTS_FUZZ_FUZZ_COMMON_H
#define TESTS_FUZZ_FUZZ_COMMON_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/parse.h"

/* The first FUZZ_SPEC bytes of every input choose the chunk sizes, so chunk boundaries are fuzzed
 * along with the bytes; the rest is the payload. */
#define FUZZ_SPEC 4

struct fuzz_spec {
	unsigned char b[FUZZ_SPEC];
};

/* Splits an input into its chunk spec and payload; short inputs get an all-zero spec. */
static inline void fuzz_split(const uint8_t *data, size_t size, struct fuzz_spec *spec, const uint8_t **payload,
			      size_t *n)
{
	size_t k = size < FUZZ_SPEC ? size : FUZZ_SPEC;

	memset(spec->b, 0, sizeof(spec->b));
	memcpy(spec->b, data, k);
	*payload = data + k;
	*n = size - k;
}

/* Chunk i is sized by spec byte i mod FUZZ_SPEC: 0 → 1 byte, 1..127 → that many bytes,
 * 128..255 → (b - 127) KiB, so both byte-at-a-time and large chunks are reached. */
static inline size_t fuzz_chunk(const struct fuzz_spec *spec, size_t i)
{
	unsigned b = spec->b[i % FUZZ_SPEC];

	if (b == 0)
		return 1;
	if (b < 128)
		return b;
	return (size_t)(b - 127) * 1024;
}

#define FUZZ_CHECK(cond)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* What one parse gave, for comparing two chunkings of the same bytes. */
struct fuzz_result {
	int ok;
	size_t ngroups;
	long records, total;
	int truncated;
	enum snap_format format;
};

static int fuzz_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The invariants every snapshot keeps, whatever the input. */
static inline void fuzz_check_snapshot(const struct snapshot *s)
{
	long sum = 0;
	size_t i;

	FUZZ_CHECK(s->records >= 0);
	FUZZ_CHECK(s->ngroups == 0 || s->groups != NULL);
	for (i = 0; i < s->ngroups; i++) {
		const struct snap_group *g = s->groups[i];
		long states = 0;
		int k;

		FUZZ_CHECK(g != NULL);
		FUZZ_CHECK(g->count > 0);
		if (i > 0)
			FUZZ_CHECK(s->groups[i - 1]->count >= g->count);
		FUZZ_CHECK(strlen(g->key) == SNAP_KEY_LEN);
		for (k = 0; k < SNAP_KEY_LEN; k++)
			FUZZ_CHECK(fuzz_is_hex(g->key[k]));
		FUZZ_CHECK(strlen(g->fingerprint) == SNAP_PRINT_LEN);
		FUZZ_CHECK(g->nframes >= 0 && g->nframes <= SNAP_MAX_FRAMES);
		FUZZ_CHECK(g->nframes == 0 || (g->top >= 0 && g->top < g->nframes));
		for (k = 0; k < g->nframes; k++)
			FUZZ_CHECK(g->frames[k].func != NULL && g->frames[k].file != NULL);
		for (k = 0; k < g->nstates; k++) {
			FUZZ_CHECK(g->states[k].name != NULL && g->states[k].count > 0);
			states += g->states[k].count;
		}
		FUZZ_CHECK(states <= g->count);
		FUZZ_CHECK(g->leaked >= 0 && g->leaked <= g->count);
		FUZZ_CHECK(g->aged >= 0 && g->aged <= g->count);
		FUZZ_CHECK(g->nlabelsets <= SNAP_MAX_LABELSETS);
		FUZZ_CHECK(sum <= LONG_MAX - g->count);
		sum += g->count;
	}
	FUZZ_CHECK(sum == s->records);
}

/* An error is one non-empty line: the command line prints it as the one line on stderr. */
static inline void fuzz_check_err(const struct err *e)
{
	FUZZ_CHECK(e->msg[0] != '\0');
	FUZZ_CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
	FUZZ_CHECK(strchr(e->msg, '\n') == NULL);
}

/* Feeds payload in the chunks spec chooses (or in one chunk when spec is NULL), finishes, checks
 * the snapshot and frees everything. */
static inline struct fuzz_result fuzz_parse(const uint8_t *payload, size_t n, const struct fuzz_spec *spec)
{
	struct fuzz_result res = {0, 0, 0, 0, 0, SNAP_FMT_NONE};
	struct parser *p = parse_new("fuzz", SNAP_BY_LINES);
	struct snapshot *s;
	struct err e;
	size_t off = 0, i = 0;
	int failed = 0;

	memset(&e, 0, sizeof(e));
	while (off < n) {
		size_t c = spec ? fuzz_chunk(spec, i++) : n;

		if (c > n - off)
			c = n - off;
		if (parse_feed(p, payload + off, c, &e) < 0) {
			failed = 1;
			break;
		}
		off += c;
	}
	FUZZ_CHECK(failed || parse_bytes(p) == n);
	if (failed) {
		struct err e2;

		/* After an error every further call fails. */
		fuzz_check_err(&e);
		FUZZ_CHECK(parse_feed(p, "x", 1, &e2) < 0);
		FUZZ_CHECK(parse_finish(p, &e2) == NULL);
		parse_free(p);
		return res;
	}
	s = parse_finish(p, &e);
	parse_free(p);
	if (!s) {
		fuzz_check_err(&e);
		return res;
	}
	fuzz_check_snapshot(s);
	res.ok = 1;
	res.ngroups = s->ngroups;
	res.records = s->records;
	res.total = s->total;
	res.truncated = s->truncated;
	res.format = s->format;
	snap_free(s);
	return res;
}

/* Parses payload chunked as spec says and in one chunk: both must agree. */
static inline void fuzz_both(const uint8_t *payload, size_t n, const struct fuzz_spec *spec)
{
	struct fuzz_result a = fuzz_parse(payload, n, spec);
	struct fuzz_result b = fuzz_parse(payload, n, NULL);

	FUZZ_CHECK(a.ok == b.ok);
	if (!a.ok)
		return;
	FUZZ_CHECK(a.ngroups == b.ngroups);
	FUZZ_CHECK(a.records == b.records);
	FUZZ_CHECK(a.total == b.total);
	FUZZ_CHECK(a.truncated == b.truncated);
	FUZZ_CHECK(a.format == b.format);
}

#endif
