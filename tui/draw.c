/* draw.c: drawing helpers: sanitised, clipped text; bars; sparklines; braille or ASCII charts. */
#include "tui/draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "lib/text.h"
#include "tui/term.h"

char *draw_clean(const char *s, int ascii, char *out, size_t n)
{
	size_t i, o = 0;

	text_sanitize(s ? s : "", out, n);
	if (!ascii)
		return out;
	for (i = 0; out[i];) {
		unsigned char c = (unsigned char)out[i];
		int len = c < 0x80 ? 1 : text_utf8_len((const unsigned char *)out + i, strlen(out + i));

		out[o++] = c < 0x80 ? (char)c : '?';
		i += len > 0 ? (size_t)len : 1;
	}
	out[o] = '\0';
	return out;
}

/* Columns of the UTF-8 character at s (len bytes): wcwidth, at least 1 for printable ones. */
static int char_cols(const char *s, int len)
{
	wchar_t wc;
	mbstate_t st;
	int cw;

	if (len == 1)
		return 1;
	memset(&st, 0, sizeof(st));
	if (mbrtowc(&wc, s, (size_t)len, &st) != (size_t)len)
		return 1;
	cw = wcwidth(wc);
	return cw < 0 ? 1 : cw;
}

static int seq_len(const char *s)
{
	int len = text_utf8_len((const unsigned char *)s, strlen(s));

	return len > 0 ? len : 1;
}

int draw_width(const char *s)
{
	int cols = 0;

	while (*s) {
		int len = seq_len(s);

		cols += char_cols(s, len);
		s += len;
	}
	return cols;
}

size_t draw_fit(const char *s, int cols)
{
	size_t i = 0;
	int used = 0;

	while (s[i]) {
		int len = seq_len(s + i), cw = char_cols(s + i, len);

		if (used + cw > cols)
			break;
		used += cw;
		i += (size_t)len;
	}
	return i;
}

int draw_text(WINDOW *w, int y, int x, int maxw, int attr, const char *s)
{
	char clean[2048];
	size_t n;
	int maxx = getmaxx(w), cols;

	if (maxw < 0 || x + maxw > maxx)
		maxw = maxx - x;
	if (maxw <= 0 || y < 0 || y >= getmaxy(w))
		return 0;
	draw_clean(s, !term_utf8(), clean, sizeof(clean));
	n = draw_fit(clean, maxw);
	clean[n] = '\0';
	cols = draw_width(clean);
	wattron(w, attr);
	mvwaddnstr(w, y, x, clean, (int)n);
	wattroff(w, attr);
	return cols;
}

int draw_textf(WINDOW *w, int y, int x, int maxw, int attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return draw_text(w, y, x, maxw, attr, buf);
}

const char *draw_ellipsis(void)
{
	return term_utf8() ? "\u2026" : "~";
}

int draw_wrapped(WINDOW *w, int y, int x, int maxw, int maxrows, int attr, const char *s)
{
	char clean[2048], line[2048];
	const char *p = clean;
	int rows = 0;

	if (maxw <= 0)
		return 0;
	draw_clean(s, !term_utf8(), clean, sizeof(clean));
	while (*p && rows < maxrows) {
		size_t n = draw_fit(p, maxw), k = n;

		if (p[n] && rows == maxrows - 1) {
			text_cut_right(p, maxw, draw_ellipsis(), line, sizeof(line));
			draw_text(w, y + rows++, x, maxw, attr, line);
			break;
		}
		/* break at the last blank that fits, unless the word alone is longer than the line */
		if (p[n]) {
			while (k > 0 && p[k] != ' ')
				k--;
			if (!k)
				k = n;
		}
		snprintf(line, sizeof(line), "%.*s", (int)k, p);
		draw_text(w, y + rows++, x, maxw, attr, line);
		p += k;
		while (*p == ' ')
			p++;
	}
	return rows;
}

void draw_fill(WINDOW *w, int y, int x, int attr)
{
	int maxx = getmaxx(w);

	if (y < 0 || y >= getmaxy(w))
		return;
	wattron(w, attr);
	for (; x < maxx; x++)
		mvwaddch(w, y, x, ' ');
	wattroff(w, attr);
}

/* Appends the UTF-8 encoding of code point cp. */
static size_t put_utf8(char *out, size_t o, size_t n, unsigned cp)
{
	if (cp < 0x80) {
		if (o + 1 < n)
			out[o++] = (char)cp;
	} else if (cp < 0x800) {
		if (o + 2 < n) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	} else if (o + 3 < n) {
		out[o++] = (char)(0xe0 | cp >> 12);
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

char *draw_bar(double frac, int width, int ascii, char *out, size_t n)
{
	size_t o = 0;
	int eighths, i;

	if (!(frac > 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	eighths = (int)lround(frac * width * 8);
	if (frac > 0 && eighths == 0)
		eighths = 1;
	for (i = 0; i < width; i++, eighths -= 8) {
		if (eighths >= 8)
			o = put_utf8(out, o, n, ascii ? '#' : 0x2588);
		else if (eighths > 0)
			o = put_utf8(out, o, n, ascii ? (eighths >= 4 ? '#' : '+') : 0x2590 - (unsigned)eighths);
		else
			o = put_utf8(out, o, n, ' ');
	}
	out[o] = '\0';
	return out;
}

char *draw_spark(const double *v, size_t nv, int width, int ascii, char *out, size_t n)
{
	static const char levels[] = " .:-=+*#";
	size_t first = nv > (size_t)width ? nv - (size_t)width : 0, i, o = 0;
	double lo = INFINITY, hi = -INFINITY;

	for (i = first; i < nv; i++) {
		if (isnan(v[i]))
			continue;
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	for (i = first; i < nv; i++) {
		int lv;

		if (isnan(v[i])) {
			o = put_utf8(out, o, n, ' ');
			continue;
		}
		lv = hi > lo ? (int)lround((v[i] - lo) / (hi - lo) * 7) : 3;
		o = put_utf8(out, o, n, ascii ? (unsigned char)levels[lv] : 0x2581 + (unsigned)lv);
	}
	out[o] = '\0';
	return out;
}

void draw_chart_init(struct draw_chart *c, int w, int h, int ascii, double x0, double x1, double y0, double y1)
{
	c->w = w > 1 ? w : 1;
	c->h = h > 1 ? h : 1;
	c->ascii = ascii;
	c->x0 = x0;
	c->x1 = x1 > x0 ? x1 : x0 + 1;
	c->y0 = y0;
	c->y1 = y1 > y0 ? y1 : y0 + 1;
	c->dots = xcalloc((size_t)c->w * (size_t)c->h, 1);
	c->trend = xcalloc((size_t)c->w * (size_t)c->h, 1);
	c->rule = xcalloc((size_t)c->w * (size_t)c->h, 1);
	c->marks = xcalloc((size_t)c->w, 1);
}

void draw_chart_done(struct draw_chart *c)
{
	free(c->dots);
	free(c->trend);
	free(c->rule);
	free(c->marks);
	c->dots = c->trend = c->rule = NULL;
	c->marks = NULL;
}

/* Braille dot bits by (column 0..1, row 0..3) inside a cell. */
static const unsigned char braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

void draw_chart_point(struct draw_chart *c, int layer, double x, double y)
{
	int dx = c->ascii ? 1 : 2, dy = c->ascii ? 1 : 4;
	int gw = c->w * dx, gh = c->h * dy, gx, gy;
	unsigned char *cells = layer == 2 ? c->rule : layer ? c->trend : c->dots;

	if (!(x >= c->x0 && x <= c->x1 && y >= c->y0 && y <= c->y1))
		return;
	gx = (int)floor((x - c->x0) / (c->x1 - c->x0) * (gw - 1) + 0.5);
	gy = gh - 1 - (int)floor((y - c->y0) / (c->y1 - c->y0) * (gh - 1) + 0.5);
	if (gx < 0 || gx >= gw || gy < 0 || gy >= gh)
		return;
	cells[(gy / dy) * c->w + gx / dx] |= c->ascii ? 1 : braille_bit[gy % dy][gx % dx];
}

void draw_chart_line(struct draw_chart *c, int layer, double xa, double ya, double xb, double yb)
{
	int steps = (c->w * 2 + c->h * 4) * 2, i;

	for (i = 0; i <= steps; i++) {
		double f = (double)i / steps;

		draw_chart_point(c, layer, xa + (xb - xa) * f, ya + (yb - ya) * f);
	}
}

void draw_chart_mark(struct draw_chart *c, double x, char letter)
{
	int col;

	if (!(x >= c->x0 && x <= c->x1))
		return;
	col = (int)floor((x - c->x0) / (c->x1 - c->x0) * (c->w - 1) + 0.5);
	if (col >= 0 && col < c->w)
		c->marks[col] = letter;
}

char *draw_chart_row(const struct draw_chart *c, int r, char *out, size_t n, char *kinds)
{
	size_t o = 0;
	int x;

	for (x = 0; x < c->w; x++) {
		unsigned char s = c->dots[r * c->w + x], t = c->trend[r * c->w + x], l = c->rule[r * c->w + x];
		int kind = s ? 1 : t ? 2 : l ? 3 : 0;

		if (kinds)
			kinds[x] = (char)kind;
		if (c->ascii)
			o = put_utf8(out, o, n, s ? '*' : t ? '.' : l ? '-' : ' ');
		else
			o = put_utf8(out, o, n, kind ? 0x2800u + (unsigned)(s | t | l) : ' ');
	}
	out[o] = '\0';
	return out;
}

char *draw_count(double v, char *out, size_t n)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(out, n, "-");
	else if (a >= 1e6)
		snprintf(out, n, "%.1fM", v / 1e6);
	else if (a >= 1e4)
		snprintf(out, n, "%.1fk", v / 1e3);
	else if (a == floor(a))
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.1f", v);
	return out;
}

static char *utc_format(double t, int date, char *out, size_t n)
{
	time_t tt;
	struct tm tm;

	if (isnan(t) || t <= 0) {
		snprintf(out, n, "-");
		return out;
	}
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	if (n)
		out[0] = '\0';
	if (date)
		strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
	else
		strftime(out, n, "%H:%M:%S", &tm);
	return out;
}

char *draw_clock(double t, char *out, size_t n)
{
	return utc_format(t, 0, out, n);
}

char *draw_datetime(double t, char *out, size_t n)
{
	return utc_format(t, 1, out, n);
}

char *draw_span(double secs, char *out, size_t n)
{
	long s;

	if (isnan(secs) || secs < 0) {
		snprintf(out, n, "-");
		return out;
	}
	s = lround(secs);
	if (s >= 3600)
		snprintf(out, n, "%ldh%02ldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(out, n, "%lds", s);
	return out;
}

int draw_row_text(WINDOW *w, int y, char *out, size_t n)
{
	size_t len;

	if (mvwinnstr(w, y, 0, out, (int)n - 1) == ERR)
		out[0] = '\0';
	len = strlen(out);
	while (len && out[len - 1] == ' ')
		len--;
	return (int)len;
}
