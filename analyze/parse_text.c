/* parse_text.c: debug=2 dumps — runtime.Stack output, SIGQUIT and panic tracebacks — line by line. */
#include "analyze/parse.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/frame.h"
#include "lib/xmalloc.h"

enum pend { P_NONE, P_FUNC, P_CREATOR };

/* A goroutine's lines after its header, kept to be compared with the next goroutine's. */
struct lines {
	char *buf;
	size_t len, cap;
	size_t *end; /* where each line ends in buf */
	size_t *key; /* each line's line_key */
	size_t n, capn, capk;
};

/* Lines kept per goroutine at most: a longer one is parsed as it comes and not compared. */
#define REPEAT_MAX (256 * 1024)

struct ptext {
	struct snapshot *snap;
	int in_g;      /* inside a goroutine block */
	int ancestors; /* past "[originating from goroutine N]:": frames are not this goroutine's */
	int goexit;    /* runtime.goexit was printed: a traceback showing every frame */
	enum pend pend;
	char *pendbuf; /* the function line waiting for its file line */
	size_t pendlen, pendcap;
	long parent; /* "created by ... in goroutine N" */
	long goroutines;
	int headers; /* goroutine headers seen */
	int tolerant; /* pasted: a stack cut after a function line still counts */
	int cutline;  /* the last line was a file line that did not parse (cut inside it?) */
	/* runtime.Stack prints goroutines one after another, and a leak's thousands of goroutines
	 * mostly in a row: a goroutine whose lines repeat the previous one's is folded into its group
	 * unparsed. prev holds the previous goroutine's lines, cur this one's once it differs. */
	struct lines prev, cur;
	int prev_ok;      /* prev is a whole goroutine that ended at a blank line */
	int prev_cutline; /* what its lines left in cutline and parent */
	long prev_parent;
	int matching; /* this goroutine's lines so far are prev's first matched lines */
	size_t matched;
	int recording; /* cur holds this goroutine's lines (none past REPEAT_MAX) */
};

struct ptext *ptext_new(struct snapshot *s)
{
	struct ptext *t = xcalloc(1, sizeof(*t));

	t->snap = s;
	return t;
}

void ptext_free(struct ptext *t)
{
	if (!t)
		return;
	free(t->pendbuf);
	free(t->prev.buf);
	free(t->prev.end);
	free(t->prev.key);
	free(t->cur.buf);
	free(t->cur.end);
	free(t->cur.key);
	free(t);
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

/* Reads decimal digits at s[*i]; returns -1 when there are none. */
static long digits(const char *s, size_t n, size_t *i)
{
	long v = 0;
	size_t start = *i;

	while (*i < n && is_digit(s[*i])) {
		if (v < 100000000000000000L)
			v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return *i == start ? -1 : v;
}

static int body_line(struct ptext *t, const char *s, size_t n);
static int file_line(const char *s, size_t n, const char **file, size_t *filelen, long *line);

/* What the parser makes of line s, as a key: its length in the low bits, its kind in the top two.
 * The bytes it covers are a function line without the argument values Go prints (they differ from
 * goroutine to goroutine), a file line through its line number (without the pc offset and fp/sp
 * words), any other line whole. Two lines whose keys and key bytes are equal read the same. */
#define KEY_FUNC ((size_t)1 << (sizeof(size_t) * 8 - 1))
#define KEY_FILE ((size_t)1 << (sizeof(size_t) * 8 - 2))
#define KEY_LEN(k) ((k) & ~(KEY_FUNC | KEY_FILE))

static size_t line_key(const char *s, size_t n)
{
	const char *file;
	size_t filelen, i;
	long ln;

	if (s[0] == '\t') {
		if (!file_line(s, n, &file, &filelen, &ln))
			return n;
		for (i = (size_t)(file - s) + filelen + 1; i < n && is_digit(s[i]); i++)
			;
		return i | KEY_FILE;
	}
	if (s[n - 1] != ')' || has_prefix(s, n, "created by ") || has_prefix(s, n, "...") ||
	    has_prefix(s, n, "[originating from goroutine "))
		return n;
	return frame_strip_args(s, n) | KEY_FUNC;
}

static void lines_add(struct lines *l, const char *s, size_t n, size_t key)
{
	l->buf = xgrow(l->buf, &l->cap, l->len + n, 1);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->end = xgrow(l->end, &l->capn, l->n + 1, sizeof(*l->end));
	l->key = xgrow(l->key, &l->capk, l->n + 1, sizeof(*l->key));
	l->key[l->n] = key;
	l->end[l->n++] = l->len;
}

static const char *lines_get(const struct lines *l, size_t i, size_t *n)
{
	size_t start = i ? l->end[i - 1] : 0;

	*n = l->end[i] - start;
	return l->buf + start;
}

/* Whether line s has the key of the previous goroutine's line at t->matched, without working the
 * key out: its key bytes are the same, and what follows them cannot move the key (a file line: no
 * later colon, no more digits; a function line: no later '(', and its closing ')'). */
static int repeats(const struct ptext *t, const char *s, size_t n)
{
	size_t pn, k = t->prev.key[t->matched], len = KEY_LEN(k);
	const char *p = lines_get(&t->prev, t->matched, &pn);

	if (n < len || memcmp(s, p, len) != 0)
		return 0;
	if (k & KEY_FILE)
		return len == n || (s[len] == ' ' && !memchr(s + len, ':', n - len));
	if (k & KEY_FUNC)
		return len < n && s[len] == '(' && s[n - 1] == ')' && !memchr(s + len + 1, '(', n - len - 1);
	return len == n;
}

/* Keeps line s and its line_key for the next goroutine to compare with. */
static void record(struct ptext *t, const char *s, size_t n, size_t key)
{
	if (!t->recording)
		return;
	if (t->cur.len + n > REPEAT_MAX) {
		t->recording = 0;
		return;
	}
	lines_add(&t->cur, s, n, key);
}

/* This goroutine's lines stop repeating prev's: the ones that did are parsed now. */
static void diverge(struct ptext *t)
{
	size_t i, n;

	t->matching = 0;
	for (i = 0; i < t->matched; i++) {
		const char *s = lines_get(&t->prev, i, &n);

		record(t, s, n, t->prev.key[i]);
		body_line(t, s, n);
	}
}

/* The goroutine being read ends: at a blank line, at the next header or at the end of the input. */
static void end_goroutine(struct ptext *t, int at_blank)
{
	if (t->in_g && t->matching && at_blank && t->matched == t->prev.n && snap_end_repeat(t->snap, 1) == 0) {
		t->goroutines++;
		t->cutline = t->prev_cutline;
		t->parent = t->prev_parent;
	} else if (t->in_g) {
		if (t->matching)
			diverge(t);
		t->prev_ok = 0;
		if (t->goexit)
			snap_drop_go_wrapper(t->snap);
		snap_end(t->snap, 1);
		t->goroutines++;
		if (at_blank && t->recording && !t->ancestors) {
			struct lines tmp = t->prev;

			t->prev = t->cur;
			t->cur = tmp;
			t->prev_ok = 1;
			t->prev_cutline = t->cutline;
			t->prev_parent = t->parent;
		}
	}
	t->in_g = 0;
	t->matching = 0;
	t->ancestors = 0;
	t->goexit = 0;
	t->pend = P_NONE;
	t->recording = 0;
}

/* A goroutine's header was read: its lines are compared with the previous one's. */
static void start_goroutine(struct ptext *t)
{
	t->in_g = 1;
	t->matching = t->prev_ok;
	t->matched = 0;
	t->recording = 1;
	t->cur.len = t->cur.n = 0;
}

/* Removes every occurrence of marker from status[0..*n). Returns whether it was there. */
static int cut_marker(char *status, size_t *n, const char *marker)
{
	size_t m = strlen(marker), i;
	int found = 0;

	for (i = 0; i + m <= *n;) {
		if (memcmp(status + i, marker, m) == 0) {
			memmove(status + i, status + i + m, *n - i - m);
			*n -= m;
			found = 1;
		} else {
			i++;
		}
	}
	return found;
}

/* "goroutine 42 [chan receive, 17 minutes, locked to thread]:" and every variant of FORMATS §1. */
static int header(struct ptext *t, const char *s, size_t n)
{
	struct snapshot *snap = t->snap;
	size_t i = 10, close;
	long id;
	char status[256];
	size_t slen;

	id = digits(s, n, &i);
	if (id < 0 || i >= n || (s[i] != ' '))
		return 0;
	/* GOTRACEBACK=system and crashes: " gp=0x... m=N mp=0x..." before the bracket. */
	while (i < n && s[i] != '[')
		i++;
	if (i >= n)
		return 0;
	end_goroutine(t, 0);
	t->headers = 1;
	if (id == 0) {
		/* "goroutine 0 [idle]" in crash output is the signal handler's g0, not a goroutine. */
		t->in_g = 0;
		return 1;
	}
	i++;
	snap_begin(snap);
	start_goroutine(t);
	snap_id(snap, id);
	for (close = i; close < n && s[close] != ',' && s[close] != ']'; close++)
		;
	slen = close - i < sizeof(status) ? close - i : sizeof(status) - 1;
	memcpy(status, s + i, slen);
	if (memchr(status, '(', slen)) {
		if (cut_marker(status, &slen, " (leaked)"))
			snap_leaked(snap);
		cut_marker(status, &slen, " (scan)");
	}
	snap_state(snap, status, slen);
	i = close;
	while (i < n && s[i] == ',') {
		i++;
		while (i < n && s[i] == ' ')
			i++;
		if (i < n && is_digit(s[i])) {
			size_t j = i;
			long v = digits(s, n, &j);

			if (has_prefix(s + j, n - j, " minutes") || has_prefix(s + j, n - j, " minute"))
				snap_wait(snap, v);
		} else if (has_prefix(s + i, n - i, "labels:")) {
			size_t used = parse_labels(snap, s + i + 7, n - i - 7);

			if (used)
				i += 7 + used;
		}
		while (i < n && s[i] != ',' && s[i] != ']')
			i++;
	}
	if (i < n && s[i] == ']')
		i++;
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '{')
		parse_labels(snap, s + i, n - i);
	return 1;
}

/* "\t/abs/file.go:123 +0x1d fp=0x... sp=0x..." → file and line: the line number follows the last
 * colon (hex offsets and fp/sp/pc annotations have none). */
static int file_line(const char *s, size_t n, const char **file, size_t *filelen, long *line)
{
	const char *colon = memrchr(s, ':', n);
	size_t i;

	if (!colon || colon == s)
		return 0;
	i = (size_t)(colon - s) + 1;
	*line = digits(s, n, &i);
	if (*line < 0 || (i < n && s[i] != ' '))
		return 0;
	*file = s + 1;
	*filelen = (size_t)(colon - s - 1);
	return 1;
}

static void set_pending(struct ptext *t, enum pend kind, const char *s, size_t n)
{
	t->pendbuf = xgrow(t->pendbuf, &t->pendcap, n + 1, 1);
	memcpy(t->pendbuf, s, n);
	t->pendlen = n;
	t->pend = kind;
}

int ptext_line(struct ptext *t, const char *s, size_t n, struct err *e)
{
	size_t key;

	(void)e;
	if (n >= 11 && s[0] == 'g' && has_prefix(s, n, "goroutine ") && is_digit(s[10]) && s[n - 1] == ':' &&
	    header(t, s, n))
		return 0;
	if (!t->in_g)
		return 0;
	if (n == 0) {
		end_goroutine(t, 1);
		return 0;
	}
	if (t->matching) {
		if (t->matched < t->prev.n && repeats(t, s, n)) {
			t->matched++;
			return 0;
		}
		diverge(t);
	}
	key = t->recording ? line_key(s, n) : n;
	record(t, s, n, key);
	return body_line(t, s, n);
}

/* A line of the goroutine being read, after its header. */
static int body_line(struct ptext *t, const char *s, size_t n)
{
	if (t->ancestors)
		return 0;
	t->cutline = 0;
	if (s[0] == '\t') {
		const char *file;
		size_t filelen;
		long line;

		t->cutline = 1;
		if (t->pend != P_NONE && file_line(s, n, &file, &filelen, &line)) {
			t->cutline = 0;
			if (t->pend == P_FUNC) {
				if (t->pendlen == 14 && memcmp(t->pendbuf, "runtime.goexit", 14) == 0)
					t->goexit = 1;
				snap_frame(t->snap, t->pendbuf, t->pendlen, file, filelen, line);
			}
			else
				snap_creator(t->snap, t->pendbuf, t->pendlen, file, filelen, line, t->parent);
		}
		t->pend = P_NONE;
		return 0;
	}
	if (has_prefix(s, n, "created by ")) {
		const char *in;
		size_t fl;

		/* "created by pkg.f in goroutine 7": the parent id is the last word. */
		in = memrchr(s, ' ', n);
		if (in && in - s >= 24 && memcmp(in - 13, " in goroutine", 13) == 0)
			in -= 13;
		else
			in = NULL;
		t->parent = -1;
		fl = in ? (size_t)(in - s) - 11 : n - 11;
		if (in) {
			size_t j = (size_t)(in - s) + 14;

			t->parent = digits(s, n, &j);
		}
		set_pending(t, P_CREATOR, s + 11, fl);
		return 0;
	}
	if (s[0] == '.' && has_prefix(s, n, "...")) {
		/* "...additional frames elided..." (≤1.20) or "...N frames elided..." (1.21+) */
		t->pend = P_NONE;
		return 0;
	}
	if (s[0] == '[' && has_prefix(s, n, "[originating from goroutine ")) {
		t->ancestors = 1;
		return 0;
	}
	/* A function line "pkg.f(args)"; anything else (register dumps, messages) is not a frame. */
	if (s[n - 1] == ')') {
		set_pending(t, P_FUNC, s, frame_strip_args(s, n));
		return 0;
	}
	t->pend = P_NONE;
	return 0;
}

void ptext_tolerant(struct ptext *t, int on)
{
	t->tolerant = on;
}

int ptext_finish(struct ptext *t, int complete, struct err *e)
{
	struct snapshot *s = t->snap;

	if (t->in_g && t->matching)
		diverge(t);
	if (t->tolerant && t->in_g && (t->pend == P_FUNC || (!complete && t->cutline))) {
		/* A paste that stops after a function line: the goroutine was there, its stack is cut. */
		t->pend = P_NONE;
		s->truncated = 1;
	}

	if (!t->tolerant && t->in_g && (!complete || t->pend == P_FUNC)) {
		/* The dump stops inside a goroutine: its stack is not whole. */
		snap_abort(s);
		t->in_g = 0;
		s->truncated = 1;
	}
	if (!complete && !t->tolerant)
		s->truncated = 1;
	end_goroutine(t, 0);
	/* A cut dump may have lost its only goroutine, but it still showed a header: text without one
	 * is not a dump, even when it does not end with a newline. */
	if (t->goroutines == 0 && (!s->truncated || !t->headers))
		return err_set(e, "no goroutines found: not a goroutine profile");
	s->total = t->goroutines;
	return 0;
}
