/* parse.c: the parser front end: sniffs the format, splits text into lines, routes bytes to a back end. */
#include "analyze/parse.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/readahead.h"
#include "lib/xmalloc.h"

enum mode { M_SNIFF, M_TEXT, M_COUNT, M_PROTO, M_LOOSE };
enum utf16 { U_NONE, U_LE, U_BE };

static int mode_strict, mode_quiet;

void parse_set_mode(int strict, int quiet)
{
	mode_strict = strict;
	mode_quiet = quiet;
}

#define SNIFF_LEN 64

struct parser {
	struct snapshot *snap;
	enum mode mode;
	unsigned char head[SNIFF_LEN];
	size_t headlen;
	char *carry;
	size_t carrylen, carrycap;
	uint64_t bytes;
	long lineno;
	int failed;
	struct err err;
	struct ptext *text;
	struct pcount *count;
	struct pproto *proto;
	struct pnorm *norm; /* M_LOOSE: the front end for pasted text */
	size_t skip;        /* bytes of a byte order mark at the start */
	enum utf16 utf16;
	unsigned char odd; /* UTF-16: a byte waiting for its pair */
	int has_odd;
	unsigned long high; /* UTF-16: a high surrogate waiting for its low half */
	char *dec;          /* UTF-16 decoded to UTF-8 */
	size_t deccap;
	int quiet; /* no notes on stderr (mode_quiet, or a part of a bigger input) */
};

struct parser *parse_new(const char *source, enum snap_by by)
{
	struct parser *p = xcalloc(1, sizeof(*p));

	p->snap = snap_new(source, by);
	p->quiet = mode_quiet;
	return p;
}

struct parser *parse_part_new(const char *source, enum snap_by by, uint64_t offset)
{
	struct parser *p = parse_new(source, by);

	p->bytes = offset;
	p->quiet = 1;
	return p;
}

int parse_clean(const struct parser *p)
{
	if (p->failed || p->skip || p->utf16 != U_NONE)
		return 0;
	if (p->mode == M_TEXT)
		return 1;
	return p->mode == M_LOOSE && p->text && pnorm_clean(p->norm);
}

void parse_free(struct parser *p)
{
	if (!p)
		return;
	ptext_free(p->text);
	pcount_free(p->count);
	pproto_free(p->proto);
	pnorm_free(p->norm);
	free(p->dec);
	snap_free(p->snap);
	free(p->carry);
	free(p);
}

uint64_t parse_bytes(const struct parser *p)
{
	return p->bytes;
}

static int fail(struct parser *p, struct err *e)
{
	p->failed = 1;
	if (e)
		*e = p->err;
	return -1;
}

static int has_prefix(const unsigned char *s, size_t n, const char *pre)
{
	size_t m = strlen(pre);

	return n >= m && memcmp(s, pre, m) == 0;
}

static int line(struct parser *p, const char *s, size_t n)
{
	p->lineno++;
	if (n > PARSE_MAX_LINE)
		return err_set(&p->err, "line %ld is longer than %d KiB: not a goroutine profile", p->lineno,
			       PARSE_MAX_LINE / 1024);
	if (n && s[n - 1] == '\r')
		n--;
	if (p->mode == M_LOOSE) {
		int r = p->text ? pnorm_pass(p->norm, s, n, &p->err) : 0;

		if (r)
			return r < 0 ? -1 : ptext_line(p->text, s, n, &p->err);
		return pnorm_line(p->norm, s, n, &p->err);
	}
	if (p->mode == M_TEXT)
		return ptext_line(p->text, s, n, &p->err);
	return pcount_line(p->count, s, n, &p->err);
}

/* A line the front end handed on: to the back end of the format it recognized. */
static int loose_emit(void *ctx, const char *s, size_t n, struct err *e)
{
	struct parser *p = ctx;

	if (!p->text && !p->count) {
		enum pnorm_fmt f = pnorm_format(p->norm);

		if (f == PNORM_COUNT) {
			p->snap->format = SNAP_DEBUG1;
			p->count = pcount_new(p->snap);
			if (!has_prefix((const unsigned char *)s, n, "goroutine profile: total ") &&
			    !has_prefix((const unsigned char *)s, n, "goroutineleak profile: total "))
				pcount_headerless(p->count);
		} else if (f == PNORM_TEXT) {
			p->snap->format = SNAP_DEBUG2;
			p->text = ptext_new(p->snap);
			ptext_tolerant(p->text, 1);
		} else {
			return 0;
		}
	}
	if (p->text)
		return ptext_line(p->text, s, n, e);
	return pcount_line(p->count, s, n, e);
}

static int carry_add(struct parser *p, const char *s, size_t n)
{
	if (p->carrylen + n > PARSE_MAX_LINE)
		return err_set(&p->err, "line %ld is longer than %d KiB: not a goroutine profile", p->lineno + 1,
			       PARSE_MAX_LINE / 1024);
	p->carry = xgrow(p->carry, &p->carrycap, p->carrylen + n, 1);
	memcpy(p->carry + p->carrylen, s, n);
	p->carrylen += n;
	return 0;
}

static int feed_lines(struct parser *p, const char *s, size_t n)
{
	const char *end = s + n, *nl;

	if (p->carrylen) {
		nl = memchr(s, '\n', n);
		if (!nl)
			return carry_add(p, s, n);
		if (carry_add(p, s, (size_t)(nl - s)) < 0 || line(p, p->carry, p->carrylen) < 0)
			return -1;
		p->carrylen = 0;
		s = nl + 1;
	}
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			return carry_add(p, s, (size_t)(end - s));
		if (line(p, s, (size_t)(nl - s)) < 0)
			return -1;
		s = nl + 1;
	}
	return 0;
}

static void put_utf8(char *out, size_t *o, unsigned long c);

/* UTF-16 (a Windows editor's save) to UTF-8, a chunk at a time. */
static int route_utf16(struct parser *p, const unsigned char *d, size_t n)
{
	size_t i = 0, o = 0;

	p->dec = xgrow(p->dec, &p->deccap, n * 2 + 8, 1);
	while (i < n) {
		unsigned a, b;
		unsigned long c;

		if (p->has_odd) {
			a = p->odd;
			b = d[i++];
			p->has_odd = 0;
		} else if (i + 1 < n) {
			a = d[i];
			b = d[i + 1];
			i += 2;
		} else {
			p->odd = d[i++];
			p->has_odd = 1;
			break;
		}
		c = p->utf16 == U_LE ? (unsigned long)(a | b << 8) : (unsigned long)(a << 8 | b);
		if (c >= 0xd800 && c < 0xdc00) {
			p->high = c;
			continue;
		}
		if (c >= 0xdc00 && c < 0xe000) {
			c = p->high ? 0x10000 + ((p->high - 0xd800) << 10) + (c - 0xdc00) : 0xfffd;
		}
		p->high = 0;
		put_utf8(p->dec, &o, c);
	}
	return feed_lines(p, p->dec, o);
}

static int route(struct parser *p, const unsigned char *data, size_t n)
{
	if (p->mode == M_PROTO)
		return pproto_feed(p->proto, data, n, &p->err);
	if (p->utf16 != U_NONE)
		return route_utf16(p, data, n);
	return feed_lines(p, (const char *)data, n);
}

/* Pasted text: the encoding from a byte order mark or the zero bytes of UTF-16, then the front end. */
static int sniff_loose(struct parser *p)
{
	const unsigned char *h = p->head;
	size_t n = p->headlen;

	if (n >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff))) {
		p->utf16 = h[0] == 0xff ? U_LE : U_BE;
		p->skip = 2;
	} else if (n >= 4 && h[0] && !h[1] && h[2] && !h[3]) {
		p->utf16 = U_LE;
	} else if (n >= 4 && !h[0] && h[1] && !h[2] && h[3]) {
		p->utf16 = U_BE;
	} else if (n >= 3 && h[0] == 0xef && h[1] == 0xbb && h[2] == 0xbf) {
		p->skip = 3;
		if (!p->quiet)
			fputs("leakscope: note: a UTF-8 byte order mark: dropped\n", stderr);
	} else if (memchr(h, '\0', n)) {
		return err_set(&p->err, "binary data that is not a gzip'd profile: not a goroutine profile");
	}
	if (p->utf16 != U_NONE && !p->quiet)
		fputs("leakscope: note: UTF-16 text: decoded\n", stderr);
	p->mode = M_LOOSE;
	p->norm = pnorm_new(loose_emit, p, p->quiet);
	return 1;
}

/* Whether s[0..n) is printable ASCII, so that it can be quoted in a one-line error message. */
static int printable(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Decides the format from the first bytes; returns 1 when decided, 0 when more bytes are needed. */
static int sniff(struct parser *p, int at_end)
{
	const unsigned char *h = p->head, *sp, *nl;
	size_t n = p->headlen, first;
	struct snapshot *s = p->snap;

	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		p->mode = M_PROTO;
		s->format = SNAP_DEBUG0;
		p->proto = pproto_new(s);
		return 1;
	}
	/* Always the same SNIFF_LEN bytes (or all of a shorter input), however the input was chunked,
	 * so the decision cannot depend on where the chunks end. */
	if (!at_end && n < SNIFF_LEN)
		return 0;
	if (!mode_strict)
		return sniff_loose(p);
	nl = memchr(h, '\n', n);
	first = nl ? (size_t)(nl - h) : n;
	sp = memchr(h, ' ', first);
	if (memchr(h, '\0', n))
		return err_set(&p->err, "binary data that is not a gzip'd profile: not a goroutine profile");
	if (has_prefix(h, n, "goroutine profile: total ") || has_prefix(h, n, "goroutineleak profile: total ")) {
		p->mode = M_COUNT;
		s->format = SNAP_DEBUG1;
		p->count = pcount_new(s);
	} else if (sp && sp > h && has_prefix(sp, first - (size_t)(sp - h), " profile: ") &&
		   printable(h, (size_t)(sp - h))) {
		return err_set(&p->err, "not a goroutine profile: a %.*s profile", (int)(sp - h), (const char *)h);
	} else {
		p->mode = M_TEXT;
		s->format = SNAP_DEBUG2;
		p->text = ptext_new(s);
	}
	return 1;
}

int parse_feed(struct parser *p, const void *data, size_t n, struct err *e)
{
	const unsigned char *d = data;

	if (p->failed)
		return fail(p, e);
	p->bytes += n;
	if (p->mode == M_SNIFF) {
		size_t take = SNIFF_LEN - p->headlen < n ? SNIFF_LEN - p->headlen : n;
		int r;

		memcpy(p->head + p->headlen, d, take);
		p->headlen += take;
		d += take;
		n -= take;
		r = sniff(p, 0);
		if (r < 0)
			return fail(p, e);
		if (r == 0)
			return 0;
		if (route(p, p->head + p->skip, p->headlen - p->skip) < 0)
			return fail(p, e);
	}
	if (n && route(p, d, n) < 0)
		return fail(p, e);
	return 0;
}

/* Why pasted text held no goroutine, in words that say what it was. */
static int loose_refusal(struct parser *p)
{
	if (pnorm_saw_race(p->norm))
		return err_set(&p->err, "a race report, not a goroutine dump: nothing to read");
	if (pnorm_saw_timeout(p->norm))
		return err_set(&p->err, "go test timeout output without any goroutine: nothing to read");
	return err_set(&p->err, "no goroutines found: not a goroutine profile");
}

static int finish_loose(struct parser *p)
{
	int complete = p->carrylen == 0;

	if (p->carrylen && line(p, p->carry, p->carrylen) < 0)
		return -1;
	p->carrylen = 0;
	if (pnorm_finish(p->norm, &p->err) < 0)
		return -1;
	if (p->count)
		return pcount_finish(p->count, 1, &p->err);
	if (!p->text)
		return loose_refusal(p);
	if (p->bytes == PARSE_STACK_CAP) {
		/* Cut by the runtime's cap, not pasted: the last stack may go on, as in strict mode. */
		ptext_tolerant(p->text, 0);
		complete = 0;
	}
	if (ptext_finish(p->text, complete, &p->err) < 0)
		return p->snap->total == 0 && !p->snap->truncated ? loose_refusal(p) : -1;
	return 0;
}

struct snapshot *parse_finish(struct parser *p, struct err *e)
{
	struct snapshot *s;
	int complete, r;

	if (p->failed)
		return fail(p, e), NULL;
	if (p->mode == M_SNIFF) {
		if (p->headlen == 0) {
			err_set(&p->err, "empty input: not a goroutine profile");
			return fail(p, e), NULL;
		}
		r = sniff(p, 1);
		if (r <= 0 || route(p, p->head + p->skip, p->headlen - p->skip) < 0)
			return fail(p, e), NULL;
	}
	if (p->mode == M_PROTO) {
		r = pproto_finish(p->proto, &p->err);
	} else if (p->mode == M_LOOSE) {
		r = finish_loose(p);
	} else {
		complete = p->carrylen == 0;
		if (p->carrylen && line(p, p->carry, p->carrylen) < 0)
			return fail(p, e), NULL;
		p->carrylen = 0;
		if (p->mode == M_TEXT)
			r = ptext_finish(p->text, complete && p->bytes != PARSE_STACK_CAP, &p->err);
		else
			r = pcount_finish(p->count, complete, &p->err);
	}
	if (r < 0)
		return fail(p, e), NULL;
	s = p->snap;
	p->snap = NULL;
	snap_sort(s);
	p->failed = 1;
	err_set(&p->err, "parser already finished");
	return s;
}

struct snapshot *parse_fd(int fd, const char *source, enum snap_by by, struct err *e)
{
	enum { CHUNK = 256 * 1024 };
	struct parser *p = parse_new(source, by);
	struct snapshot *s = NULL;
	char *buf = xmalloc(CHUNK);

	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(e, "%s: %s", source, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (parse_feed(p, buf, (size_t)n, e) < 0)
			goto out;
	}
	s = parse_finish(p, e);
out:
	free(buf);
	parse_free(p);
	return s;
}

static int feed_chunk(void *ctx, const char *data, size_t n, struct err *e)
{
	return parse_feed(ctx, data, n, e);
}

/* The file read ahead on a second thread (lib/readahead.h): the kernel's copy of the next chunk
 * runs beside the parsing of this one. */
static struct snapshot *parse_file(int fd, const char *source, enum snap_by by, struct err *e)
{
	struct parser *p = parse_new(source, by);
	struct snapshot *s = NULL;

	if (readahead_each(fd, source, feed_chunk, p, e) == 0)
		s = parse_finish(p, e);
	parse_free(p);
	return s;
}

/* A regular file is read a window at a time with read(), never mapped: a file cut short by another
 * process while it is read gives a short read, not SIGBUS. Its size and change time are taken
 * before and after, and a file that changed in between is refused rather than half parsed. */
static struct snapshot *parse_regular(int fd, const struct stat *before, const char *source, enum snap_by by,
				      struct err *e)
{
	struct snapshot *s = parse_split(fd, (uint64_t)before->st_size, source, by);
	struct stat after;
	off_t pos;

	if (s)
		lseek(fd, before->st_size, SEEK_SET);
	else if (before->st_size > (4 << 20)) /* a smaller file is read in the time a thread takes to start */
		s = parse_file(fd, source, by, e);
	else
		s = parse_fd(fd, source, by, e);
	pos = lseek(fd, 0, SEEK_CUR);

	/* a parser that refused the input stops early: its own error stands, pos says nothing */
	if (fstat(fd, &after) < 0 || after.st_size != before->st_size || (s && pos != before->st_size) ||
	    after.st_mtim.tv_sec != before->st_mtim.tv_sec || after.st_mtim.tv_nsec != before->st_mtim.tv_nsec) {
		snap_free(s);
		return err_set(e, "%s changed while being read", strcmp(source, "-") ? source : "standard input"), NULL;
	}
	return s;
}

/* Standard input redirected from a file (`top - <dump.txt`) is read as the file would be, when it
 * is read from the start; a pipe, a terminal or a file read part way is read as it comes. */
static struct snapshot *parse_stdin(enum snap_by by, struct err *e)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && lseek(STDIN_FILENO, 0, SEEK_CUR) == 0)
		return parse_regular(STDIN_FILENO, &st, "-", by, e);
	return parse_fd(STDIN_FILENO, "-", by, e);
}

struct snapshot *parse_path(const char *path, enum snap_by by, struct err *e)
{
	struct snapshot *s;
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		return parse_stdin(by, e);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, "%s: %s", path, strerror(errno)), NULL;
	if (fstat(fd, &st) < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, "%s: is a directory", path), NULL;
	}
	if (S_ISREG(st.st_mode))
		s = parse_regular(fd, &st, path, by, e);
	else
		s = parse_fd(fd, path, by, e);
	close(fd);
	return s;
}

/* ---- label sets ---- */

static void put_utf8(char *out, size_t *o, unsigned long c)
{
	if (c < 0x80) {
		out[(*o)++] = (char)c;
	} else if (c < 0x800) {
		out[(*o)++] = (char)(0xc0 | c >> 6);
		out[(*o)++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		out[(*o)++] = (char)(0xe0 | c >> 12);
		out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (c & 0x3f));
	} else {
		out[(*o)++] = (char)(0xf0 | (c >> 18 & 0x7));
		out[(*o)++] = (char)(0x80 | ((c >> 12) & 0x3f));
		out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (c & 0x3f));
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads a bare or Go-quoted token at p[*i] into out (at most n bytes). Bare tokens end at any
 * of stop or the end. Returns the length, or -1 when malformed. */
static long label_token(const char *p, size_t n, size_t *i, char *out, const char *stop)
{
	size_t o = 0;

	if (*i < n && p[*i] == '"') {
		(*i)++;
		while (*i < n && p[*i] != '"') {
			char c = p[(*i)++];
			unsigned long v = 0;
			int k, digits;

			if (c != '\\') {
				out[o++] = c;
				continue;
			}
			if (*i >= n)
				return -1;
			c = p[(*i)++];
			switch (c) {
			case 'n': out[o++] = '\n'; break;
			case 't': out[o++] = '\t'; break;
			case 'r': out[o++] = '\r'; break;
			case 'a': out[o++] = '\a'; break;
			case 'b': out[o++] = '\b'; break;
			case 'f': out[o++] = '\f'; break;
			case 'v': out[o++] = '\v'; break;
			case 'x': case 'u': case 'U':
				digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
				for (k = 0; k < digits; k++) {
					int h = *i < n ? hexval(p[*i]) : -1;

					if (h < 0)
						return -1;
					v = v << 4 | (unsigned long)h;
					(*i)++;
				}
				if (c == 'x')
					out[o++] = (char)v;
				else
					put_utf8(out, &o, v > 0x10ffff ? 0xfffd : v);
				break;
			default:
				if (c >= '0' && c <= '7') {
					v = (unsigned long)(c - '0');
					for (k = 0; k < 2 && *i < n && p[*i] >= '0' && p[*i] <= '7'; k++)
						v = v * 8 + (unsigned long)(p[(*i)++] - '0');
					out[o++] = (char)v;
				} else {
					out[o++] = c;
				}
			}
		}
		if (*i >= n)
			return -1;
		(*i)++;
		return (long)o;
	}
	while (*i < n && !strchr(stop, p[*i]))
		out[o++] = p[(*i)++];
	while (o > 0 && out[o - 1] == ' ')
		o--;
	return (long)o;
}

size_t parse_labels(struct snapshot *s, const char *p, size_t n)
{
	char *key, *val;
	size_t i = 0;
	long kl, vl;

	if (n == 0 || p[0] != '{')
		return 0;
	key = xmalloc(n * 4 + 1);
	val = xmalloc(n * 4 + 1);
	i = 1;
	for (;;) {
		while (i < n && p[i] == ' ')
			i++;
		if (i < n && p[i] == '}') {
			i++;
			break;
		}
		kl = label_token(p, n, &i, key, ":}");
		if (kl < 0 || i >= n || p[i] != ':')
			goto bad;
		i++;
		while (i < n && p[i] == ' ')
			i++;
		vl = label_token(p, n, &i, val, ",}");
		if (vl < 0 || i >= n)
			goto bad;
		snap_label(s, key, (size_t)kl, val, (size_t)vl);
		if (p[i] == ',')
			i++;
		else if (p[i] != '}')
			goto bad;
	}
	free(key);
	free(val);
	return i;
bad:
	free(key);
	free(val);
	return 0;
}
