/* parse_norm.c: the tolerant front end: turns a pasted dump (prefixed, re-indented, fenced, quoted,
 * escaped into one log line, framed by go test or goleak) back into the lines the exact parsers read. */
#include "analyze/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"

enum note {
	N_TIMESTAMP,
	N_CLOCK,
	N_KUBECTL,
	N_SHIPPER,
	N_QUOTE,
	N_INDENT,
	N_FENCE,
	N_BOLD,
	N_ESCAPED,
	N_DOUBLE,
	N_GOLEAK,
	N_GOTEST,
	N_RACE,
	N_D1_NOHEADER,
	N_D1_HASH,
	N_D1_SPACES,
	N_COUNT
};

static const char *const note_text[N_COUNT] = {
	"lines start with timestamps: stripped",
	"lines start with [hh:mm:ss] clocks: stripped",
	"lines start with kubectl [pod/NAME/container] prefixes: stripped",
	"lines start with a log shipper's \"NAME container stdout:\" prefix: stripped",
	"lines are Markdown \"> \" quotes: unquoted",
	"indentation was lost or changed (spaces for tabs, a block indented): restored",
	"Markdown code fences: dropped",
	"**bold** markers: dropped",
	"one log line holds the dump with escaped newlines: unescaped",
	"double-spaced lines: joined",
	"looks like a goleak report: reading the goroutines it lists",
	"go test output around the dump: skipped",
	"a race report inside the input: skipped",
	"debug=1 records without a \"goroutine profile: total N\" header: read, total is their sum",
	"debug=1 frame lines without their '#': restored",
	"debug=1 columns padded with spaces instead of tabs: split on white space",
};

enum kind { K_OTHER, K_HEADER, K_FUNC, K_FILE, K_CREATOR };

struct pnorm {
	pnorm_emit emit;
	void *ctx;
	int quiet;
	unsigned notes;
	enum pnorm_fmt fmt;
	int blank;      /* a blank line held back (double-spaced input joins frames across it) */
	enum kind last; /* what the last line handed on was */
	int in_race;    /* between "WARNING: DATA RACE" and its "=====" line */
	int in_running; /* the "running tests:" list of go test */
	int race_seen, gotest_seen, goleak_seen, timeout_seen;
	int profiles;   /* debug=1 "profile: total" headers seen */
	int clean;      /* a clean debug=2 dump so far: its lines may pass straight through */
	long goleak_id; /* a goleak entry waiting for its traceback, -1 when none */
	char goleak_state[128];
	char *buf; /* scratch: one rebuilt line */
	size_t bufcap;
	char *unesc; /* scratch: an unescaped log line */
	size_t unesccap;
};

struct pnorm *pnorm_new(pnorm_emit emit, void *ctx, int quiet)
{
	struct pnorm *z = xcalloc(1, sizeof(*z));

	z->emit = emit;
	z->ctx = ctx;
	z->quiet = quiet;
	z->goleak_id = -1;
	return z;
}

void pnorm_free(struct pnorm *z)
{
	if (!z)
		return;
	free(z->buf);
	free(z->unesc);
	free(z);
}

enum pnorm_fmt pnorm_format(const struct pnorm *z)
{
	return z->fmt;
}

int pnorm_clean(const struct pnorm *z)
{
	return z->notes == 0 && z->clean;
}

int pnorm_saw_race(const struct pnorm *z)
{
	return z->race_seen;
}

int pnorm_saw_timeout(const struct pnorm *z)
{
	return z->timeout_seen;
}

static void note(struct pnorm *z, enum note n)
{
	if (z->notes & (1u << n))
		return;
	z->notes |= 1u << n;
	if (!z->quiet)
		fprintf(stderr, "leakscope: note: %s\n", note_text[n]);
}

static int has_prefix(const char *s, size_t n, const char *pre)
{
	size_t m = strlen(pre);

	return n >= m && memcmp(s, pre, m) == 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static size_t skip_digits(const char *s, size_t n, size_t i)
{
	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

/* "2022-12-25T16:09:45.9555131Z " (GitHub Actions), after an optional log-viewer line number. */
static size_t ts_prefix(const char *s, size_t n)
{
	size_t i = 0, j;

	j = skip_digits(s, n, 0);
	if (j > 0 && j < n && s[j] == ' ' && j + 1 < n && is_digit(s[j + 1]) && j + 5 < n && s[j + 5] == '-')
		i = j + 1;
	if (n - i < 20 || s[i + 4] != '-' || s[i + 7] != '-' || s[i + 10] != 'T' || s[i + 13] != ':' ||
	    !is_digit(s[i]) || !is_digit(s[i + 3]))
		return 0;
	j = i + 19;
	if (j < n && s[j] == '.')
		j = skip_digits(s, n, j + 1);
	if (j < n && (s[j] == 'Z' || s[j] == '+'))
		while (j < n && s[j] != ' ')
			j++;
	if (j < n && s[j] == ' ')
		return j + 1;
	return j == n ? n : 0;
}

/* "[12:03:04] " or "[12:03:04.123] " */
static size_t clock_prefix(const char *s, size_t n)
{
	size_t j;

	if (n < 11 || s[0] != '[' || !is_digit(s[1]) || !is_digit(s[2]) || s[3] != ':' || s[6] != ':')
		return 0;
	j = 9;
	if (j < n && s[j] == '.')
		j = skip_digits(s, n, j + 1);
	return j + 1 < n + 1 && j < n && s[j] == ']' ? (j + 1 < n && s[j + 1] == ' ' ? j + 2 : j + 1) : 0;
}

/* kubectl logs --prefix: "[pod/NAME/container] " */
static size_t kubectl_prefix(const char *s, size_t n)
{
	const char *close;

	if (!has_prefix(s, n, "[pod/"))
		return 0;
	close = memchr(s, ']', n);
	if (!close || (size_t)(close - s) + 1 >= n || close[1] != ' ')
		return 0;
	return (size_t)(close - s) + 2;
}

/* A log shipper's "pod-abc container stdout: " (or stderr). */
static size_t shipper_prefix(const char *s, size_t n)
{
	size_t i = 0, words = 0;

	while (words < 2) {
		size_t start = i;

		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != ':')
			i++;
		if (i == start || i >= n || s[i] != ' ')
			return 0;
		i++;
		words++;
	}
	if (has_prefix(s + i, n - i, "stdout: ") || has_prefix(s + i, n - i, "stderr: "))
		return i + 8;
	return 0;
}

/* Strips every per-line prefix and leading white space; returns the new start. */
static size_t strip_prefixes(struct pnorm *z, const char *s, size_t n, int *indented)
{
	size_t i = 0, k;
	int round;

	for (round = 0; round < 6; round++) {
		size_t before = i;

		while (i < n && (is_space(s[i]) || s[i] == '\v' || s[i] == '\f')) {
			*indented = 1;
			i++;
		}
		if (i < n && s[i] == '>') {
			note(z, N_QUOTE);
			*indented = 0;
			i++;
			continue;
		}
		if (i < n && is_digit(s[i]) && (k = ts_prefix(s + i, n - i)) > 0) {
			note(z, N_TIMESTAMP);
			*indented = 0;
			i += k;
			continue;
		}
		if (i < n && s[i] == '[') {
			if ((k = clock_prefix(s + i, n - i)) > 0) {
				note(z, N_CLOCK);
			} else if ((k = kubectl_prefix(s + i, n - i)) > 0) {
				note(z, N_KUBECTL);
			}
			if (k) {
				*indented = 0;
				i += k;
				continue;
			}
		}
		if (round == 0 && i == 0 && (k = shipper_prefix(s, n)) > 0) {
			note(z, N_SHIPPER);
			i += k;
			continue;
		}
		if (i == before)
			break;
	}
	return i;
}

static int emit(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	return z->emit(z->ctx, s, n, e);
}

static int flush_blank(struct pnorm *z, struct err *e)
{
	if (!z->blank)
		return 0;
	z->blank = 0;
	z->last = K_OTHER;
	return emit(z, "", 0, e);
}

/* Ends whatever block is open: a line that is not part of a goroutine. */
static int boundary(struct pnorm *z, struct err *e)
{
	z->blank = 1;
	z->goleak_id = -1;
	return flush_blank(z, e);
}

/* "/abs/file.go:123", "C:\x\y.go:12 +0x1d", "<autogenerated>:1", with fp=/sp=/pc= after. */
static int looks_file(const char *s, size_t n)
{
	const char *colon;
	size_t i;

	if (n < 3 || s[n - 1] == ')' || s[n - 1] == ':' || has_prefix(s, n, "goroutine ") ||
	    has_prefix(s, n, "created by "))
		return 0;
	colon = NULL;
	for (i = 0; i < n && s[i] != ' '; i++)
		if (s[i] == ':' && i + 1 < n && is_digit(s[i + 1]))
			colon = s + i;
	if (!colon || colon == s)
		return 0;
	i = skip_digits(s, n, (size_t)(colon - s) + 1);
	if (i < n && s[i] != ' ')
		return 0;
	return memchr(s, '/', (size_t)(colon - s)) || memchr(s, '\\', (size_t)(colon - s)) ||
	       memchr(s, '.', (size_t)(colon - s)) || s[0] == '<';
}

static int looks_header(const char *s, size_t n)
{
	return n > 12 && has_prefix(s, n, "goroutine ") && is_digit(s[10]) && s[n - 1] == ':' && memchr(s, '[', n);
}

/* "822 @ 0x5ac2b6 0x5bbfd2" */
static int looks_record(const char *s, size_t n)
{
	size_t i = skip_digits(s, n, 0);

	return i > 0 && has_prefix(s + i, n - i, " @") && (i + 2 == n || s[i + 2] == ' ');
}

/* "0x94e4b4    net/http.(*persistConn).writeLoop+0xf4  /usr/local/go/src/net/http/transport.go:2392" */
static int looks_d1_frame(const char *s, size_t n)
{
	size_t i = 2;

	if (!has_prefix(s, n, "0x"))
		return 0;
	while (i < n && is_hex(s[i]))
		i++;
	return i > 2 && (i == n || is_space(s[i]));
}

/* Rebuilds a debug=1 frame line as "#\tPC\tFUNC\tFILE:LINE" from fields split on white space. */
static int d1_frame(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	size_t i = 0, o = 0, field = 0;

	z->buf = xgrow(z->buf, &z->bufcap, n + 8, 1);
	z->buf[o++] = '#';
	while (i < n) {
		size_t start;

		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			break;
		start = i;
		if (field < 2)
			while (i < n && !is_space(s[i]))
				i++;
		else
			i = n;
		while (i > start && is_space(s[i - 1]))
			i--;
		z->buf[o++] = '\t';
		memcpy(z->buf + o, s + start, i - start);
		o += i - start;
		field++;
		if (field > 2)
			break;
	}
	return emit(z, z->buf, o, e);
}

static int d1_line(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	if (s[0] == '#') {
		size_t i = 1;

		if (has_prefix(s, n, "# labels:"))
			return emit(z, s, n, e);
		while (i < n && is_space(s[i]))
			i++;
		if (!looks_d1_frame(s + i, n - i))
			return emit(z, s, n, e);
		if (s[1] == '\t' && !memchr(s, ' ', n))
			return emit(z, s, n, e); /* as tabwriter wrote it */
		note(z, N_D1_SPACES);
		return d1_frame(z, s + i, n - i, e);
	}
	if (looks_d1_frame(s, n)) {
		note(z, N_D1_HASH);
		return d1_frame(z, s, n, e);
	}
	return emit(z, s, n, e);
}

/* A "X profile: total N" line: the format (or a refusal), and several profiles in one input. */
static int profile_header(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	const char *sp = memchr(s, ' ', n);

	if (!sp || !has_prefix(sp, n - (size_t)(sp - s), " profile: "))
		return 0;
	if (!has_prefix(sp, n - (size_t)(sp - s), " profile: total ") && z->fmt != PNORM_UNKNOWN)
		return 0;
	if (!has_prefix(s, n, "goroutine profile: ") && !has_prefix(s, n, "goroutineleak profile: "))
		return z->fmt == PNORM_UNKNOWN ? err_set(e, "not a goroutine profile: a %.*s profile",
							 (int)(sp - s) > 40 ? 40 : (int)(sp - s), s)
					       : 0;
	if (z->fmt == PNORM_TEXT)
		return 0;
	if (++z->profiles > 1)
		return err_set(e,
			       "several debug=1 profiles concatenated (a second \"%.*s\"): split them into "
			       "one file each",
			       (int)(n > 60 ? 60 : n), s);
	z->fmt = PNORM_COUNT;
	return 1;
}

/* go test's own lines: they end any goroutine block and are no part of one. */
static int gotest_line(struct pnorm *z, const char *s, size_t n)
{
	if (has_prefix(s, n, "panic: test timed out after")) {
		z->timeout_seen = 1;
		return 1;
	}
	if (has_prefix(s, n, "running tests:")) {
		z->in_running = 1;
		return 1;
	}
	if (z->in_running && has_prefix(s, n, "Test") && s[n - 1] == ')')
		return 1;
	z->in_running = 0;
	return has_prefix(s, n, "=== RUN") || has_prefix(s, n, "=== PAUSE") || has_prefix(s, n, "=== CONT") ||
	       has_prefix(s, n, "=== NAME") || has_prefix(s, n, "--- FAIL") || has_prefix(s, n, "--- PASS") ||
	       has_prefix(s, n, "--- SKIP") || (n == 4 && memcmp(s, "FAIL", 4) == 0) ||
	       (n == 4 && memcmp(s, "PASS", 4) == 0) || has_prefix(s, n, "FAIL\t") || has_prefix(s, n, "FAIL ") ||
	       has_prefix(s, n, "ok  \t") || has_prefix(s, n, "ok \t") || has_prefix(s, n, "exit status ");
}

/* " Goroutine 708 in state select, with X on top of the stack:" (older goleak wraps it in "[ ]"). */
static int goleak_entry(struct pnorm *z, const char *s, size_t n)
{
	size_t i = 0, j, st;

	if (i < n && s[i] == '[')
		i++;
	if (!has_prefix(s + i, n - i, "Goroutine ") || !is_digit(s[i + 10 < n ? i + 10 : n - 1]))
		return 0;
	j = skip_digits(s, n, i + 10);
	if (!has_prefix(s + j, n - j, " in state "))
		return 0;
	st = j + 10;
	for (j = st; j < n && s[j] != ','; j++)
		;
	z->goleak_id = 0;
	for (i = i + 10; is_digit(s[i]); i++)
		z->goleak_id = z->goleak_id * 10 + (s[i] - '0');
	snprintf(z->goleak_state, sizeof(z->goleak_state), "%.*s", (int)(j - st), s + st);
	z->goleak_seen = 1;
	note(z, N_GOLEAK);
	return 1;
}

/* The goleak entry had no "goroutine N [..]:" line of its own: make one. */
static int goleak_header(struct pnorm *z, struct err *e)
{
	char h[200];
	int len;

	len = snprintf(h, sizeof(h), "goroutine %ld [%s]:", z->goleak_id, z->goleak_state);
	z->goleak_id = -1;
	z->last = K_HEADER;
	if (z->fmt == PNORM_UNKNOWN)
		z->fmt = PNORM_TEXT;
	return emit(z, h, (size_t)len, e);
}

/* Framing lines that are not part of any dump; returns 1 when s was one (and was handled). */
static int framing(struct pnorm *z, const char *s, size_t n, struct err *e, int *r)
{
	*r = 0;
	if (z->in_race) {
		if (n >= 10 && s[0] == '=' && s[n - 1] == '=')
			z->in_race = 0;
		return 1;
	}
	if (has_prefix(s, n, "WARNING: DATA RACE")) {
		note(z, N_RACE);
		z->in_race = z->race_seen = 1;
		*r = boundary(z, e);
		return 1;
	}
	if (n >= 10 && s[0] == '=' && s[n - 1] == '=' && s[n / 2] == '=') {
		*r = boundary(z, e);
		return 1;
	}
	if (has_prefix(s, n, "```") || has_prefix(s, n, "~~~")) {
		note(z, N_FENCE);
		*r = boundary(z, e);
		return 1;
	}
	if (gotest_line(z, s, n)) {
		note(z, N_GOTEST);
		z->gotest_seen = 1;
		*r = boundary(z, e);
		return 1;
	}
	if (goleak_entry(z, s, n)) {
		long id = z->goleak_id;
		char st[128];

		memcpy(st, z->goleak_state, sizeof(st));
		*r = boundary(z, e);
		z->goleak_id = id;
		memcpy(z->goleak_state, st, sizeof(st));
		return 1;
	}
	if (n == 1 && s[0] == ']') {
		*r = boundary(z, e);
		return 1;
	}
	return 0;
}

static int text_line(struct pnorm *z, const char *s, size_t n, int tabbed, struct err *e)
{
	enum kind k = K_OTHER;

	if (looks_header(s, n))
		k = K_HEADER;
	else if (has_prefix(s, n, "created by "))
		k = K_CREATOR;
	else if (looks_file(s, n))
		k = K_FILE;
	else if (s[n - 1] == ')' || has_prefix(s, n, "..."))
		k = K_FUNC;
	if (z->blank) {
		/* A blank line inside a stack: the input is double-spaced. */
		if ((k == K_FILE && (z->last == K_FUNC || z->last == K_CREATOR)) ||
		    ((k == K_FUNC || k == K_CREATOR) && (z->last == K_FILE || z->last == K_HEADER))) {
			note(z, N_DOUBLE);
			z->blank = 0;
		} else if (flush_blank(z, e) < 0) {
			return -1;
		}
	}
	if (z->goleak_id >= 0 && k != K_HEADER && (k == K_FUNC || k == K_CREATOR) && goleak_header(z, e) < 0)
		return -1;
	z->goleak_id = -1;
	if (z->fmt == PNORM_UNKNOWN && k == K_HEADER)
		z->fmt = PNORM_TEXT;
	z->last = k;
	if (k == K_FILE) {
		if (!tabbed)
			note(z, N_INDENT);
		z->buf = xgrow(z->buf, &z->bufcap, n + 1, 1);
		z->buf[0] = '\t';
		memcpy(z->buf + 1, s, n);
		return emit(z, z->buf, n + 1, e);
	}
	return emit(z, s, n, e);
}

#define PREFIX_NOTES (1u << N_TIMESTAMP | 1u << N_CLOCK | 1u << N_KUBECTL | 1u << N_SHIPPER | 1u << N_QUOTE)

/* A line of a clean debug=2 dump, as the runtime wrote it: handed on as it is, so that a clean
 * capture costs the front end next to nothing. Returns 1 when s is one, 0 when not, -1 on error. */
static int fast_line(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	char c = s[0];

	if (!z->clean)
		return 0;
	if (c == '\t') {
		if (z->blank || s[1] == ' ' || s[1] == '\t')
			return 0;
		z->last = K_FILE;
		return 1;
	}
	if (c == 'g' && looks_header(s, n)) {
		if (z->blank) {
			z->blank = 0;
			if (emit(z, "", 0, e) < 0)
				return -1;
		}
		z->last = K_HEADER;
		return 1;
	}
	if (z->blank)
		return 0;
	if (c >= 'a' && c <= 'z' && s[n - 1] == ')') {
		z->last = K_FUNC;
		return 1;
	}
	if (c == 'c' && has_prefix(s, n, "created by ")) {
		z->last = K_CREATOR;
		return 1;
	}
	return 0;
}

/* Whether the lines to come may take fast_line: nothing of a paste seen, nothing pending. */
static void update_clean(struct pnorm *z)
{
	z->clean = z->fmt == PNORM_TEXT && z->goleak_id < 0 && !z->in_running && !z->in_race &&
		   !(z->notes & PREFIX_NOTES);
}

static int slow_line(struct pnorm *z, const char *s, size_t n, struct err *e);

/* One line with its own prefixes, already unescaped. */
static int norm_line(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	int r = slow_line(z, s, n, e);

	update_clean(z);
	return r;
}

static int slow_line(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	size_t i;
	int indented = 0, r;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n > 1 && (r = fast_line(z, s, n, e)) != 0)
		return r < 0 ? -1 : emit(z, s, n, e);
	i = strip_prefixes(z, s, n, &indented);
	s += i;
	n -= i;
	if (n >= 2 && s[0] == '*' && s[1] == '*') {
		note(z, N_BOLD);
		s += 2;
		n -= 2;
	}
	if (n >= 2 && s[n - 1] == '*' && s[n - 2] == '*') {
		note(z, N_BOLD);
		n -= 2;
	}
	if (n == 0) {
		z->blank = 1;
		return 0;
	}
	if (framing(z, s, n, e, &r))
		return r;
	if ((r = profile_header(z, s, n, e)) != 0) {
		if (r < 0)
			return -1;
		z->blank = 0;
		z->last = K_OTHER;
		return emit(z, s, n, e);
	}
	if (z->fmt == PNORM_UNKNOWN && looks_record(s, n)) {
		note(z, N_D1_NOHEADER);
		z->fmt = PNORM_COUNT;
		z->profiles = 1;
	}
	if (z->fmt == PNORM_COUNT) {
		if (z->blank && (s[0] == '#' || looks_d1_frame(s, n)) && z->last == K_FUNC) {
			note(z, N_DOUBLE);
			z->blank = 0;
		}
		if (flush_blank(z, e) < 0)
			return -1;
		z->last = K_FUNC;
		return d1_line(z, s, n, e);
	}
	return text_line(z, s, n, i == 1 && s[-1] == '\t', e);
}

/* Undoes \n \t \" \\ in a log line holding a whole dump, handing on each line. */
static int unescape_line(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	size_t i, o = 0, start;

	note(z, N_ESCAPED);
	z->unesc = xgrow(z->unesc, &z->unesccap, n + 1, 1);
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 1 < n) {
			char d = s[++i];

			c = d == 'n' ? '\n' : d == 't' ? '\t' : d == 'r' ? '\r' : d;
		}
		z->unesc[o++] = c;
	}
	for (start = 0, i = 0; i <= o; i++)
		if (i == o || z->unesc[i] == '\n') {
			const char *h = memmem(z->unesc + start, i - start, "goroutine ", 10);

			/* "... stack: goroutine 1 [running]:": the dump starts inside the message. */
			if (h && h > z->unesc + start && (size_t)(h - z->unesc) + 10 < i && is_digit(h[10]))
				start = (size_t)(h - z->unesc);
			if (norm_line(z, z->unesc + start, i - start, e) < 0)
				return -1;
			start = i + 1;
		}
	return 0;
}

int pnorm_pass(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	/* A clean dump's line first, before the bigger work of a pasted one. */
	if (n < 2 || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')
		return 0;
	return fast_line(z, s, n, e);
}

int pnorm_line(struct pnorm *z, const char *s, size_t n, struct err *e)
{
	int r;

	if ((r = pnorm_pass(z, s, n, e)) != 0)
		return r < 0 ? -1 : emit(z, s, n, e);
	if (z->fmt == PNORM_UNKNOWN && n > 16 && memchr(s, '\\', n) && memmem(s, n, "goroutine ", 10) &&
	    memmem(s, n, "\\n", 2) && memmem(s, n, "\\n\\t", 4))
		return unescape_line(z, s, n, e);
	return norm_line(z, s, n, e);
}

int pnorm_finish(struct pnorm *z, struct err *e)
{
	return flush_blank(z, e);
}
