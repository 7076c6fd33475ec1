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
	size_t locs, nlocs;     /* into pproto.ids */
	size_t labels, nlabels; /* into pproto.labels */
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
	uint64_t *ids;
	size_t nids, capids;
	struct pb_label *labels;
	size_t nlabels, caplabels;
	struct pb_loc *locs;
	size_t nlocs, caplocs;
	struct pb_line *lines;
	size_t nlines, caplines;
	struct pb_func *funcs;
	size_t nfuncs, capfuncs;
	char **strings; /* the string table; each string owned here */
	size_t *strlens;
	size_t nstrings, capstrings, capstrlens;
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
	size_t i;

	if (!pp)
		return;
	if (pp->zinit)
		inflateEnd(&pp->z);
	for (i = 0; i < pp->nstrings; i++)
		free(pp->strings[i]);
	free(pp->strings);
	free(pp->strlens);
	free(pp->buf);
	free(pp->samples);
	free(pp->ids);
	free(pp->labels);
	free(pp->locs);
	free(pp->lines);
	free(pp->funcs);
	free(pp);
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

/* A repeated integer field, packed (type 2) or not (type 0): Go packs only when there are more
 * than two values. */
static int repeated(struct rd *sub, int type, uint64_t v, uint64_t **arr, size_t *n, size_t *cap)
{
	if (type == 0) {
		*arr = xgrow(*arr, cap, *n + 1, sizeof(**arr));
		(*arr)[(*n)++] = v;
		return 0;
	}
	if (type != 2)
		return -1;
	while (sub->p < sub->end) {
		uint64_t x;

		if (varint(sub, &x) != 1)
			return -1;
		*arr = xgrow(*arr, cap, *n + 1, sizeof(**arr));
		(*arr)[(*n)++] = x;
	}
	return 0;
}

static int bad(struct err *e, const char *what)
{
	return err_set(e, "malformed profile.proto: %s", what);
}

static int decode_sample(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_sample smp = {.locs = pp->nids, .labels = pp->nlabels};
	uint64_t *values = NULL, v;
	size_t nvalues = 0, capvalues = 0;
	struct rd sub;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1) {
		if (num == 1) {
			if (repeated(&sub, type, v, &pp->ids, &pp->nids, &pp->capids) < 0)
				goto fail;
		} else if (num == 2) {
			if (repeated(&sub, type, v, &values, &nvalues, &capvalues) < 0)
				goto fail;
		} else if (num == 3 && type == 2) {
			struct pb_label l = {0, 0, 0};
			struct rd lsub;

			while ((k = field(&sub, &num, &type, &v, &lsub)) == 1) {
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
				goto fail;
			pp->labels = xgrow(pp->labels, &pp->caplabels, pp->nlabels + 1, sizeof(*pp->labels));
			pp->labels[pp->nlabels++] = l;
		}
	}
	if (k < 0)
		goto fail;
	smp.nlocs = pp->nids - smp.locs;
	smp.nlabels = pp->nlabels - smp.labels;
	smp.value = nvalues ? (int64_t)values[0] : 0;
	free(values);
	pp->samples = xgrow(pp->samples, &pp->capsamples, pp->nsamples + 1, sizeof(*pp->samples));
	pp->samples[pp->nsamples++] = smp;
	return 0;
fail:
	free(values);
	return bad(e, "bad sample");
}

static int decode_location(struct pproto *pp, struct rd *m, struct err *e)
{
	struct pb_loc loc = {.first = pp->nlines};
	struct rd sub, lsub;
	uint64_t v;
	uint32_t num;
	int type, k;

	while ((k = field(m, &num, &type, &v, &sub)) == 1) {
		if (num == 1 && type == 0) {
			loc.id = v;
		} else if (num == 4 && type == 2) {
			struct pb_line ln = {0, 0};

			while ((k = field(&sub, &num, &type, &v, &lsub)) == 1) {
				if (type == 0 && num == 1)
					ln.function = v;
				else if (type == 0 && num == 2)
					ln.line = (int64_t)v;
			}
			if (k < 0)
				return bad(e, "bad location line");
			pp->lines = xgrow(pp->lines, &pp->caplines, pp->nlines + 1, sizeof(*pp->lines));
			pp->lines[pp->nlines++] = ln;
		}
	}
	if (k < 0 || loc.id == 0)
		return bad(e, "bad location");
	loc.n = pp->nlines - loc.first;
	pp->locs = xgrow(pp->locs, &pp->caplocs, pp->nlocs + 1, sizeof(*pp->locs));
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
	pp->funcs = xgrow(pp->funcs, &pp->capfuncs, pp->nfuncs + 1, sizeof(*pp->funcs));
	pp->funcs[pp->nfuncs++] = f;
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
			if (num == 6) {
				pp->strings = xgrow(pp->strings, &pp->capstrings, pp->nstrings + 1, sizeof(*pp->strings));
				pp->strlens = xgrow(pp->strlens, &pp->capstrlens, pp->nstrings + 1, sizeof(*pp->strlens));
				pp->strings[pp->nstrings] = xstrndup((const char *)sub.p, v);
				pp->strlens[pp->nstrings++] = v;
			}
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
	*s = pp->strings[i];
	*n = pp->strlens[i];
	return 0;
}

int pproto_finish(struct pproto *pp, struct err *e)
{
	struct snapshot *s = pp->snap;
	const char *type;
	size_t i, j, typelen;
	long total = 0;
	/* Samples can name one location many times and a location can hold many lines, so a few
	 * KiB could ask for 10^12 frames. A real profile resolves to about one frame per byte of its
	 * samples; a budget of four per inflated byte keeps the work linear in the input. */
	uint64_t budget = pp->inflated * 4 + (1u << 20);

	if (!pp->zinit || !pp->zdone)
		return err_set(e, "truncated gzip stream");
	if (decode(pp, 1, e) < 0)
		return -1;
	if (pp->nstrings == 0 || pp->strlens[0] != 0)
		return bad(e, "string table missing or not starting with \"\"");
	if (pp->sample_type < 0)
		return bad(e, "no sample type");
	if (str(pp, pp->sample_type, &type, &typelen, e) < 0)
		return -1;
	if (strcmp(type, "goroutineleak") == 0) {
		s->profile = SNAP_GOROUTINELEAK;
	} else if (strcmp(type, "goroutine") != 0) {
		size_t k;

		/* Quote the name only up to anything unprintable: the message stays one line. */
		for (k = 0; k < typelen && k < 64 && type[k] >= 0x20 && type[k] < 0x7f; k++)
			;
		return err_set(e, "not a goroutine profile: a %.*s profile", (int)k, type);
	}
	if (pp->nlocs > 1) /* the arrays are NULL when empty, which qsort must not be given */
		qsort(pp->locs, pp->nlocs, sizeof(*pp->locs), cmp_loc);
	if (pp->nfuncs > 1)
		qsort(pp->funcs, pp->nfuncs, sizeof(*pp->funcs), cmp_func);
	for (i = 0; i < pp->nsamples; i++) {
		const struct pb_sample *smp = &pp->samples[i];

		if (smp->value < 0)
			return bad(e, "negative goroutine count (a delta profile?)");
		/* The sums in the snapshot must not overflow. */
		if (smp->value > LONG_MAX - total)
			return err_set(e, "goroutine counts add up to more than %ld", LONG_MAX);
		snap_begin(s);
		for (j = 0; j < smp->nlocs; j++) {
			const struct pb_loc *loc = find_loc(pp, pp->ids[smp->locs + j]);
			size_t k;

			if (!loc)
				return err_set(e, "malformed profile.proto: sample refers to missing location %llu",
					       (unsigned long long)pp->ids[smp->locs + j]);
			if (loc->n > budget)
				return bad(e, "stacks resolve to far more frames than the profile holds");
			budget -= loc->n;
			for (k = 0; k < loc->n; k++) {
				const struct pb_line *ln = &pp->lines[loc->first + k];
				const struct pb_func *f = find_func(pp, ln->function);
				const char *name, *file;
				size_t nl, fl;

				if (!f)
					return err_set(e, "malformed profile.proto: location refers to missing function %llu",
						       (unsigned long long)ln->function);
				if (str(pp, f->name, &name, &nl, e) < 0 || str(pp, f->file, &file, &fl, e) < 0)
					return -1;
				snap_frame(s, name, nl, file, fl, (long)ln->line);
			}
		}
		for (j = 0; j < smp->nlabels; j++) {
			const struct pb_label *l = &pp->labels[smp->labels + j];
			const char *k, *v;
			size_t kl, vl;
			char num[32];

			if (str(pp, l->key, &k, &kl, e) < 0)
				return -1;
			if (l->str) {
				if (str(pp, l->str, &v, &vl, e) < 0)
					return -1;
			} else {
				vl = (size_t)snprintf(num, sizeof(num), "%lld", (long long)l->num);
				v = num;
			}
			snap_label(s, k, kl, v, vl);
		}
		if (s->profile == SNAP_GOROUTINELEAK)
			snap_leaked(s);
		snap_end(s, (long)smp->value);
		total += (long)smp->value;
	}
	s->total = total;
	return 0;
}
