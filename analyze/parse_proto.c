/* parse_proto.c: debug=0 profiles — gzip'd profile.proto — inflated and decoded as bytes arrive. */
#include "analyze/parse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/xmalloc.h"

/* The largest top-level field (one sample, location, function or string) accepted. */
#define MAX_FIELD (16u << 20)
/* What a goroutine profile can need, with room to spare: Go writes one sample per distinct stack
 * and label set, so even a million goroutines make a few MiB of tables. A profile past these is
 * refused as it is read, before it can take the machine's memory or minutes of its time. */
#define MAX_TABLES ((size_t)128 << 20)  /* the decoded tables, in bytes */
#define MAX_STACKS ((size_t)160 << 20)  /* the snapshot's arena while the stacks are resolved */
#define MAX_FRAMES ((uint64_t)32 << 20) /* frames resolved, over all samples */
#define MAX_LABELS 1024                 /* labels on one sample */
#define MAX_NAME (16u << 10)            /* a function name, file name, label key or value */

struct pb_line {
	uint64_t function;
	int64_t line;
};

struct pb_loc {
	uint64_t id;
	size_t first, n; /* into pproto.lines */
};

struct pb_func {
	uint64_t id;
	int64_t name, file;
};

struct pb_label {
	int64_t key, str, num;
};

struct pb_sample {
	uint32_t locs, nlocs;     /* into pproto.ids */
	uint32_t labels, nlabels; /* into pproto.labels */
	int64_t value;
};

struct pproto {
	struct snapshot *snap;
	z_stream z;
	int zinit, zdone;
	unsigned char *buf; /* inflated bytes not yet decoded */
	size_t len, cap;
	uint64_t inflated;
	int64_t sample_type; /* string index of the first sample type, -1 when none */
	struct pb_sample *samples;
	size_t nsamples, capsamples;
	uint32_t *ids; /* location ids: a runtime numbers them from 1 */
	size_t nids, capids;
	struct pb_label *labels;
	size_t nlabels, caplabels;
	struct pb_loc *locs;
	size_t nlocs, caplocs;
	struct pb_line *lines;
	size_t nlines, caplines;
	struct pb_func *funcs;
	size_t nfuncs, capfuncs;
	char *strbuf; /* the string table: every string, each followed by a NUL */
	size_t strbytes, capstrbuf;
	uint32_t *stroff; /* string i starts at strbuf + stroff[i], ends at stroff[i + 1] - 1 */
	size_t nstrings, capstroff;
	size_t mem; /* bytes the tables above hold, against MAX_TABLES */
};

struct pproto *pproto_new(struct snapshot *s)
{
	struct pproto *pp = xcalloc(1, sizeof(*pp));

	pp->snap = s;
	pp->sample_type = -1;
	return pp;
}

void pproto_free(struct pproto *pp)
{
	if (!pp)
		return;
	if (pp->zinit)
		inflateEnd(&pp->z);
	free(pp->strbuf);
	free(pp->stroff);
	free(pp->buf);
	free(pp->samples);
	free(pp->ids);
	free(pp->labels);
	free(pp->locs);
	free(pp->lines);
	free(pp->funcs);
	free(pp);
}

/* Room for need elements of elem bytes in *arr, counted against MAX_TABLES; -1 past it. */
static int grow(struct pproto *pp, void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	size_t before = *cap;

	size_t c = before ? before : 8;

	if (need <= before)
		return 0;
	while (c < need) /* as xgrow grows it */
		c *= 2;
	if (need > UINT32_MAX || pp->mem + (c - before) * elem > MAX_TABLES)
		return -1;
	*p = xgrow(*p, cap, need, elem);
	pp->mem += (*cap - before) * elem;
	return 0;
}

static int too_big(struct err *e)
{
	return err_set(e, "profile.proto tables need more than %zu MiB: far more than any goroutine profile",
		       MAX_TABLES >> 20);
}

/* ---- wire format ---- */

struct rd {
	const unsigned char *p, *end;
};

/* Returns 1 and the value, 0 when more bytes are needed, -1 when malformed. */
static int varint(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	int shift = 0;
	const unsigned char *p = r->p;

	while (p < r->end) {
		unsigned char b = *p++;

		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			r->p = p;
			*v = x;
			return 1;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return 0;
}

/* Reads one field of a complete message; returns 1, 0 at the end, -1 when malformed. For
 * length-delimited fields *sub is the payload; for others *v is the value. */
static int field(struct rd *r, uint32_t *num, int *type, uint64_t *v, struct rd *sub)
{
	uint64_t key;
	int k;

	if (r->p >= r->end)
		return 0;
	if (varint(r, &key) != 1)
		return -1;
	*num = (uint32_t)(key >> 3);
	*type = (int)(key & 7);
	if (*num == 0 || key >> 3 > 0x1fffffff)
		return -1;
	switch (*type) {
	case 0:
		k = varint(r, v);
		return k == 1 ? 1 : -1;
	case 1:
		if (r->end - r->p < 8)
			return -1;
		r->p += 8;
		return 1;
	case 5:
		if (r->end - r->p < 4)
			return -1;
		r->p += 4;
		return 1;
	case 2:
		if (varint(r, v) != 1 || *v > (uint64_t)(r->end - r->p))
			return -1;
		sub->p = r->p;
		sub->end = r->p + *v;
		r->p += *v;
		return 1;
	default:
		return -1;
	}
}

/* Appends a repeated integer field, packed (type 2) or not (type 0), to pp->ids: Go packs only
 * when there are more than two values. Returns 0, -1 when malformed (or an id past 2^32, which no
 * runtime writes), -2 past MAX_TABLES. */
static int add_ids(struct pproto *pp, struct rd *sub, int type, uint64_t v)
{
	if (type == 0) {
		if (v > UINT32_MAX)
			return -1;
		if (grow(pp, &pp->ids, &pp->capids, pp->nids + 1, sizeof(*pp->ids)) < 0)
			return -2;
		pp->ids[pp->nids++] = (uint32_t)v;
		return 0;
	}
	if (type != 2)
		return -1;
	while (sub->p < sub->end) {
		uint64_t x;

		if (varint(sub, &x) != 1 || x > UINT32_MAX)
			return -1;
		if (grow(pp, &pp->ids, &pp->capids, pp->nids + 1, sizeof(*pp->ids)) < 0)
			return -2;
		pp->ids[pp->nids++] = (uint32_t)x;
	}
	return 0;
}

/* The first of a repeated integer field (a goroutine profile has one value per sample). */
static int first_value(struct rd *sub, int type, uint64_t v, uint64_t *first, int *seen)
{
	if (type == 2) {
		if (sub->p == sub->end)
			return 0;
		if (varint(sub, &v) != 1)
			return -1;
	} else if (type != 0) {
		return -1;
	}
	if (!*seen)
		*first = v;
	*seen = 1;
	return 0;
}

static int bad(struct err *e, const char *what)
{
	return err_set(e, "malformed profile.proto: %s", what);
}

static int decode_label(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_label l = {0, 0, 0};
	struct rd sub;
	uint64_t v;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1) {
		if (type != 0)
			continue;
		if (num == 1)
			l.key = (int64_t)v;
		else if (num == 2)
			l.str = (int64_t)v;
		else if (num == 3)
			l.num = (int64_t)v;
	}
	if (k < 0)
		return bad(e, "bad sample label");
	if (grow(pp, &pp->labels, &pp->caplabels, pp->nlabels + 1, sizeof(*pp->labels)) < 0)
		return too_big(e);
	pp->labels[pp->nlabels++] = l;
	return 0;
}

static int decode_sample(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_sample smp = {.locs = (uint32_t)pp->nids, .labels = (uint32_t)pp->nlabels};
	uint64_t v, value = 0;
	struct rd sub;
	uint32_t num;
	int type, k, r = 0, seen = 0;

	while (r == 0 && (k = field(m, &num, &type, &v, &sub)) == 1) {
		if (num == 1)
			r = add_ids(pp, &sub, type, v);
		else if (num == 2)
			r = first_value(&sub, type, v, &value, &seen);
		else if (num == 3 && type == 2 && decode_label(pp, &sub, e) < 0)
			return -1;
	}
	if (r == -2)
		return too_big(e);
	if (r < 0 || k < 0)
		return bad(e, "bad sample");
	if ((int64_t)value < 0)
		return bad(e, "negative goroutine count (a delta profile?)");
	if (pp->nlabels - smp.labels > MAX_LABELS)
		return err_set(e, "malformed profile.proto: a sample with %zu labels (a goroutine has a few)",
			       pp->nlabels - smp.labels);
	if (value == 0) { /* no goroutine: nothing of it is kept */
		pp->nids = smp.locs;
		pp->nlabels = smp.labels;
		return 0;
	}
	smp.nlocs = (uint32_t)(pp->nids - smp.locs);
	smp.nlabels = (uint32_t)(pp->nlabels - smp.labels);
	smp.value = (int64_t)value;
	if (grow(pp, &pp->samples, &pp->capsamples, pp->nsamples + 1, sizeof(*pp->samples)) < 0)
		return too_big(e);
	pp->samples[pp->nsamples++] = smp;
	return 0;
}

static int decode_line(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_line ln = {0, 0};
	struct rd sub;
	uint64_t v;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1) {
		if (type == 0 && num == 1)
			ln.function = v;
		else if (type == 0 && num == 2)
			ln.line = (int64_t)v;
	}
	if (k < 0)
		return bad(e, "bad location line");
	if (grow(pp, &pp->lines, &pp->caplines, pp->nlines + 1, sizeof(*pp->lines)) < 0)
		return too_big(e);
	pp->lines[pp->nlines++] = ln;
	return 0;
}

static int decode_location(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_loc loc = {.first = pp->nlines};
	struct rd sub;
	uint64_t v;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1) {
		if (num == 1 && type == 0)
			loc.id = v;
		else if (num == 4 && type == 2 && decode_line(pp, &sub, e) < 0)
			return -1;
	}
	if (k < 0 || loc.id == 0)
		return bad(e, "bad location");
	loc.n = pp->nlines - loc.first;
	if (grow(pp, &pp->locs, &pp->caplocs, pp->nlocs + 1, sizeof(*pp->locs)) < 0)
		return too_big(e);
	pp->locs[pp->nlocs++] = loc;
	return 0;
}

static int decode_function(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_func f = {0, 0, 0};
	struct rd sub;
	uint64_t v;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1) {
		if (type != 0)
			continue;
		if (num == 1)
			f.id = v;
		else if (num == 2)
			f.name = (int64_t)v;
		else if (num == 4)
			f.file = (int64_t)v;
	}
	if (k < 0 || f.id == 0)
		return bad(e, "bad function");
	if (grow(pp, &pp->funcs, &pp->capfuncs, pp->nfuncs + 1, sizeof(*pp->funcs)) < 0)
		return too_big(e);
	pp->funcs[pp->nfuncs++] = f;
	return 0;
}

/* One string of the table, copied after the others. */
static int decode_string(struct pproto *pp, const unsigned char *p, size_t n, struct err *e)
{
	if (grow(pp, &pp->stroff, &pp->capstroff, pp->nstrings + 2, sizeof(*pp->stroff)) < 0 ||
	    grow(pp, &pp->strbuf, &pp->capstrbuf, pp->strbytes + n + 1, 1) < 0)
		return too_big(e);
	memcpy(pp->strbuf + pp->strbytes, p, n);
	pp->strbuf[pp->strbytes + n] = '\0';
	pp->stroff[pp->nstrings] = (uint32_t)pp->strbytes;
	pp->strbytes += n + 1;
	pp->stroff[++pp->nstrings] = (uint32_t)pp->strbytes;
	return 0;
}

static int decode_value_type(struct pproto *pp, struct rd *m, struct err *e)
{
	struct rd sub;
	uint64_t v;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1)
		if (num == 1 && type == 0 && pp->sample_type < 0)
			pp->sample_type = (int64_t)v;
	return k < 0 ? bad(e, "bad sample type") : 0;
}

/* Decodes the complete top-level fields in buf; keeps a partial one for the next chunk. */
static int decode(struct pproto *pp, int at_end, struct err *e)
{
	struct rd r = {pp->buf, pp->buf + pp->len};

	while (r.p < r.end) {
		const unsigned char *start = r.p;
		uint64_t key, v = 0;
		uint32_t num;
		int type, k;
		struct rd sub;

		k = varint(&r, &key);
		if (k == 0)
			goto partial;
		if (k < 0 || (key >> 3) == 0)
			return bad(e, "bad field key");
		num = (uint32_t)(key >> 3);
		type = (int)(key & 7);
		switch (type) {
		case 0:
			k = varint(&r, &v);
			if (k == 0)
				goto partial;
			if (k < 0)
				return bad(e, "bad varint");
			if (num == 9)
				pp->snap->time_ns = (int64_t)v;
			break;
		case 1:
		case 5:
			if ((size_t)(r.end - r.p) < (type == 1 ? 8u : 4u))
				goto partial;
			r.p += type == 1 ? 8 : 4;
			break;
		case 2:
			k = varint(&r, &v);
			if (k == 0)
				goto partial;
			if (k < 0 || v > MAX_FIELD)
				return bad(e, "field length out of range");
			if (v > (uint64_t)(r.end - r.p))
				goto partial;
			sub.p = r.p;
			sub.end = r.p + v;
			r.p += v;
			if (num == 1 && decode_value_type(pp, &sub, e) < 0)
				return -1;
			if (num == 2 && decode_sample(pp, &sub, e) < 0)
				return -1;
			if (num == 4 && decode_location(pp, &sub, e) < 0)
				return -1;
			if (num == 5 && decode_function(pp, &sub, e) < 0)
				return -1;
			if (num == 6 && decode_string(pp, sub.p, v, e) < 0)
				return -1;
			break;
		default:
			return bad(e, "unsupported wire type");
		}
		continue;
partial:
		if (at_end)
			return bad(e, "truncated field");
		r.p = start;
		break;
	}
	pp->len = (size_t)(r.end - r.p);
	memmove(pp->buf, r.p, pp->len);
	return 0;
}

int pproto_feed(struct pproto *pp, const unsigned char *data, size_t n, struct err *e)
{
	enum { OUT = 64 * 1024 };

	if (!pp->zinit) {
		memset(&pp->z, 0, sizeof(pp->z));
		if (inflateInit2(&pp->z, 16 + MAX_WBITS) != Z_OK)
			return err_set(e, "cannot start gzip decoder");
		pp->zinit = 1;
	}
	if (pp->zdone)
		return 0; /* trailing bytes after the gzip member are ignored */
	pp->z.next_in = (unsigned char *)data;
	pp->z.avail_in = (uInt)n;
	while (pp->z.avail_in > 0 || pp->z.avail_out == 0) {
		int zr;
		size_t got;

		pp->buf = xgrow(pp->buf, &pp->cap, pp->len + OUT, 1);
		pp->z.next_out = pp->buf + pp->len;
		pp->z.avail_out = OUT;
		zr = inflate(&pp->z, Z_NO_FLUSH);
		got = OUT - pp->z.avail_out;
		pp->len += got;
		pp->inflated += got;
		if (zr == Z_STREAM_END) {
			pp->zdone = 1;
		} else if (zr == Z_BUF_ERROR && got == 0) {
			break;
		} else if (zr != Z_OK) {
			return err_set(e, "bad gzip data: %s", pp->z.msg ? pp->z.msg : "inflate failed");
		}
		if (pp->inflated > PARSE_MAX_INFLATED)
			return err_set(e, "profile inflates to more than %llu MiB",
				       (unsigned long long)(PARSE_MAX_INFLATED >> 20));
		if (decode(pp, 0, e) < 0)
			return -1;
		if (pp->zdone)
			break;
	}
	return 0;
}

static int cmp_loc(const void *a, const void *b)
{
	const struct pb_loc *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_func(const void *a, const void *b)
{
	const struct pb_func *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct pb_loc *find_loc(const struct pproto *pp, uint64_t id)
{
	struct pb_loc key = {.id = id};

	if (pp->nlocs == 0) /* locs is NULL then, which bsearch must not be given */
		return NULL;
	return bsearch(&key, pp->locs, pp->nlocs, sizeof(key), cmp_loc);
}

static const struct pb_func *find_func(const struct pproto *pp, uint64_t id)
{
	struct pb_func key = {.id = id};

	if (pp->nfuncs == 0)
		return NULL;
	return bsearch(&key, pp->funcs, pp->nfuncs, sizeof(key), cmp_func);
}

static int str(const struct pproto *pp, int64_t i, const char **s, size_t *n, struct err *e)
{
	if (i < 0 || (uint64_t)i >= pp->nstrings) {
		err_set(e, "malformed profile.proto: string index %lld out of range (table has %zu)", (long long)i,
			pp->nstrings);
		return -1;
	}
	*s = pp->strbuf + pp->stroff[i];
	*n = pp->stroff[i + 1] - pp->stroff[i] - 1;
	return 0;
}

/* A string naming a function, a file or a label: short, or the profile is not a runtime's. */
static int name(const struct pproto *pp, int64_t i, const char **s, size_t *n, struct err *e)
{
	if (str(pp, i, s, n, e) < 0)
		return -1;
	if (*n > MAX_NAME)
		return err_set(e, "malformed profile.proto: a name of %zu bytes (at most %u KiB)", *n, MAX_NAME >> 10);
	return 0;
}

/* The profile's kind from its first sample type: goroutine or goroutineleak, else refused. */
static int check_type(struct pproto *pp, struct err *e)
{
	const char *type;
	size_t typelen, k;

	if (pp->nstrings == 0 || pp->stroff[1] != 1)
		return bad(e, "string table missing or not starting with \"\"");
	if (pp->sample_type < 0)
		return bad(e, "no sample type");
	if (str(pp, pp->sample_type, &type, &typelen, e) < 0)
		return -1;
	if (strcmp(type, "goroutineleak") == 0) {
		pp->snap->profile = SNAP_GOROUTINELEAK;
		return 0;
	}
	if (strcmp(type, "goroutine") == 0)
		return 0;
	/* Quote the name only up to anything unprintable: the message stays one line. */
	for (k = 0; k < typelen && k < 64 && type[k] >= 0x20 && type[k] < 0x7f; k++)
		;
	return err_set(e, "not a goroutine profile: a %.*s profile", (int)k, type);
}

/* The frames of one location, inlined callee first, into the record being built. */
static int resolve_location(struct pproto *pp, const struct pb_loc *loc, struct err *e)
{
	size_t k;

	for (k = 0; k < loc->n; k++) {
		const struct pb_line *ln = &pp->lines[loc->first + k];
		const struct pb_func *f = find_func(pp, ln->function);
		const char *fn, *file;
		size_t nl, fl;

		if (!f)
			return err_set(e, "malformed profile.proto: location refers to missing function %llu",
				       (unsigned long long)ln->function);
		if (name(pp, f->name, &fn, &nl, e) < 0 || name(pp, f->file, &file, &fl, e) < 0)
			return -1;
		snap_frame(pp->snap, fn, nl, file, fl, (long)ln->line);
	}
	return 0;
}

static int resolve_labels(struct pproto *pp, const struct pb_sample *smp, struct err *e)
{
	size_t j;

	for (j = 0; j < smp->nlabels; j++) {
		const struct pb_label *l = &pp->labels[smp->labels + j];
		const char *k, *v;
		size_t kl, vl;
		char num[32];

		if (name(pp, l->key, &k, &kl, e) < 0)
			return -1;
		if (l->str) {
			if (name(pp, l->str, &v, &vl, e) < 0)
				return -1;
		} else {
			vl = (size_t)snprintf(num, sizeof(num), "%lld", (long long)l->num);
			v = num;
		}
		snap_label(pp->snap, k, kl, v, vl);
	}
	return 0;
}

/* One sample folded into the snapshot; *budget counts down the frames still allowed. */
static int resolve_sample(struct pproto *pp, const struct pb_sample *smp, uint64_t *budget, struct err *e)
{
	struct snapshot *s = pp->snap;
	size_t j;

	snap_begin(s);
	for (j = 0; j < smp->nlocs; j++) {
		const struct pb_loc *loc = find_loc(pp, pp->ids[smp->locs + j]);

		if (!loc)
			return err_set(e, "malformed profile.proto: sample refers to missing location %llu",
				       (unsigned long long)pp->ids[smp->locs + j]);
		if (loc->n > *budget)
			return bad(e, "stacks resolve to far more frames than the profile holds");
		*budget -= loc->n;
		if (resolve_location(pp, loc, e) < 0)
			return -1;
	}
	if (resolve_labels(pp, smp, e) < 0)
		return -1;
	if (s->profile == SNAP_GOROUTINELEAK)
		snap_leaked(s);
	snap_end(s, (long)smp->value);
	if (arena_bytes(s->arena) > MAX_STACKS)
		return err_set(e, "profile.proto stacks take more than %zu MiB: far more than any goroutine profile",
			       MAX_STACKS >> 20);
	return 0;
}

int pproto_finish(struct pproto *pp, struct err *e)
{
	struct snapshot *s = pp->snap;
	size_t i;
	long total = 0;
	/* Samples can name one location many times and a location can hold many lines, so a few
	 * KiB could ask for 10^12 frames. A real profile resolves to about one frame per byte of its
	 * samples; a budget of four per inflated byte, and MAX_FRAMES in all, keeps the work linear
	 * in the input and bounded. */
	uint64_t budget = pp->inflated * 4 + (1u << 20);

	if (budget > MAX_FRAMES)
		budget = MAX_FRAMES;
	if (!pp->zinit || !pp->zdone)
		return err_set(e, "truncated gzip stream");
	if (decode(pp, 1, e) < 0 || check_type(pp, e) < 0)
		return -1;
	if (pp->nlocs > 1) /* the arrays are NULL when empty, which qsort must not be given */
		qsort(pp->locs, pp->nlocs, sizeof(*pp->locs), cmp_loc);
	if (pp->nfuncs > 1)
		qsort(pp->funcs, pp->nfuncs, sizeof(*pp->funcs), cmp_func);
	for (i = 0; i < pp->nsamples; i++) {
		const struct pb_sample *smp = &pp->samples[i];

		/* The sums in the snapshot must not overflow. */
		if (smp->value > LONG_MAX - total)
			return err_set(e, "goroutine counts add up to more than %ld", LONG_MAX);
		if (resolve_sample(pp, smp, &budget, e) < 0)
			return -1;
		total += (long)smp->value;
	}
	s->total = total;
	return 0;
}
