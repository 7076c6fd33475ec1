/* md.c: Markdown and HTML escaping. */
#include "lib/md.h"

#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/xmalloc.h"

struct sb {
	char *p;
	size_t n, cap;
};

static void put(struct sb *b, const char *s, size_t n)
{
	b->p = xgrow(b->p, &b->cap, b->n + n + 1, 1);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void putc_(struct sb *b, char c)
{
	put(b, &c, 1);
}

/* s with control characters and invalid UTF-8 replaced. Caller frees. */
static char *sanitized(const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *out = xmalloc(n);

	return text_sanitize(s ? s : "", out, n);
}

char *md_text(const char *s, int flags)
{
	char *clean = sanitized(s);
	struct sb b = {NULL, 0, 0};
	const char *p;

	put(&b, "", 0);
	for (p = clean; *p; p++) {
		if (*p == '<')
			put(&b, "&lt;", 4);
		else if (*p == '>')
			put(&b, "&gt;", 4);
		else if (*p == '&')
			put(&b, "&amp;", 5);
		else if (strchr("\\`*_[]#~!", *p) || (*p == '|' && (flags & MD_CELL))) {
			putc_(&b, '\\');
			putc_(&b, *p);
		} else {
			putc_(&b, *p);
		}
	}
	free(clean);
	return b.p;
}

/* The longest run of backticks in s. */
static int longest_run(const char *s)
{
	int best = 0, run = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

char *md_code(const char *s, int flags)
{
	char *clean = sanitized(s);
	struct sb b = {NULL, 0, 0};
	int fence = longest_run(clean) + 1, i, pad;
	size_t len = strlen(clean);
	const char *p;

	pad = len && (clean[0] == '`' || clean[len - 1] == '`' || clean[0] == ' ');
	for (i = 0; i < fence; i++)
		putc_(&b, '`');
	if (pad)
		putc_(&b, ' ');
	for (p = clean; *p; p++) {
		if (*p == '|' && (flags & MD_CELL))
			putc_(&b, '\\');
		putc_(&b, *p == '\n' ? ' ' : *p);
	}
	if (pad)
		putc_(&b, ' ');
	for (i = 0; i < fence; i++)
		putc_(&b, '`');
	free(clean);
	return b.p;
}

char *md_fenced(const char *text, const char *info)
{
	struct sb b = {NULL, 0, 0};
	const char *p = text ? text : "", *nl;
	int fence = longest_run(p) + 1, i;

	if (fence < 3)
		fence = 3;
	for (i = 0; i < fence; i++)
		putc_(&b, '`');
	if (info) {
		char *clean = md_text(info, 0);

		put(&b, clean, strlen(clean));
		free(clean);
	}
	putc_(&b, '\n');
	for (;;) {
		size_t n;
		char *line, *clean;

		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		line = xstrndup(p, n);
		clean = sanitized(line);
		put(&b, clean, strlen(clean));
		free(line);
		free(clean);
		if (!nl)
			break;
		putc_(&b, '\n');
		p = nl + 1;
	}
	if (b.n && b.p[b.n - 1] != '\n')
		putc_(&b, '\n');
	for (i = 0; i < fence; i++)
		putc_(&b, '`');
	putc_(&b, '\n');
	return b.p;
}
