/* draw.h: drawing helpers: sanitised, clipped text; bars; sparklines; braille or ASCII charts. */
#ifndef TUI_DRAW_H
#define TUI_DRAW_H

#include <curses.h>
#include <stddef.h>

#include "lib/xmalloc.h"

/* Copies s into out (n bytes) safe for the screen: control characters and invalid UTF-8 become
 * '?' (text_sanitize), and in ASCII mode every non-ASCII character becomes one '?'. Returns out. */
char *draw_clean(const char *s, int ascii, char *out, size_t n);
/* Screen columns s takes (s already clean). */
int draw_width(const char *s);
/* The byte length of the longest prefix of s that fits in cols columns. */
size_t draw_fit(const char *s, int cols);

/* Writes s (cleaned here) at y, x, clipped to maxw columns, with attributes attr. Returns the
 * columns written. Every string from a profile reaches the screen through this. */
int draw_text(WINDOW *w, int y, int x, int maxw, int attr, const char *s);
int draw_textf(WINDOW *w, int y, int x, int maxw, int attr, const char *fmt, ...) XM_PRINTF(6, 7);
/* The one-column mark of text left out: "…" in UTF-8, "~" on an ASCII screen (lib/text.h cuts). */
const char *draw_ellipsis(void);
/* Writes s (cleaned here) from y, x on in lines of at most maxw columns, broken at blanks where
 * it can, on at most maxrows rows; the last row ends in the ellipsis when s does not fit. Returns
 * the rows written. */
int draw_wrapped(WINDOW *w, int y, int x, int maxw, int maxrows, int attr, const char *s);
/* Fills the rest of row y from x on with blanks in attr. */
void draw_fill(WINDOW *w, int y, int x, int attr);

/* A horizontal bar of frac (0..1) of width cells into out: eighth blocks in UTF-8, '#' in ASCII. */
char *draw_bar(double frac, int width, int ascii, char *out, size_t n);
/* A sparkline of v[0..nv) over width cells (the last width values, scaled min..max). */
char *draw_spark(const double *v, size_t nv, int width, int ascii, char *out, size_t n);

/* A chart canvas: w x h cells; a dot grid of 2x4 per cell in braille, 1x1 in ASCII. Three layers:
 * the series, the trend line and the alert threshold, the earlier winning where they share a cell. */
struct draw_chart {
	int w, h, ascii;
	double x0, x1, y0, y1; /* the value ranges mapped to the canvas */
	unsigned char *dots;   /* per cell: bits 0..7 series dots, in braille order */
	unsigned char *trend;  /* per cell: bits 0..7 trend dots */
	unsigned char *rule;   /* per cell: bits 0..7 of the alert threshold's line (layer 2) */
	char *marks;           /* per column: a mark letter under the chart, or 0 */
};

void draw_chart_init(struct draw_chart *c, int w, int h, int ascii, double x0, double x1, double y0, double y1);
void draw_chart_done(struct draw_chart *c);
/* Plots one point (layer 0: series, 1: trend, 2: threshold). Points outside the ranges are dropped. */
void draw_chart_point(struct draw_chart *c, int layer, double x, double y);
/* A straight segment, sampled finely enough to leave no gaps. */
void draw_chart_line(struct draw_chart *c, int layer, double xa, double ya, double xb, double yb);
/* Marks column of x with a letter ('A', 'B'). */
void draw_chart_mark(struct draw_chart *c, double x, char letter);
/* Row r of the canvas as text (UTF-8 braille or ASCII '*', '.' and '-'), into out; *kinds (w bytes,
 * may be NULL) gets per cell 0 empty, 1 series, 2 trend, 3 threshold. */
char *draw_chart_row(const struct draw_chart *c, int r, char *out, size_t n, char *kinds);

/* "12.3k", "4.5M" or "123" into out. */
char *draw_count(double v, char *out, size_t n);
/* "HH:MM:SS" UTC of unix seconds t, or "-" when t is NAN. */
char *draw_clock(double t, char *out, size_t n);
/* "YYYY-MM-DD HH:MM:SS" UTC of unix seconds t (the date always, as the CLI prints times), or "-"
 * when t is NAN. */
char *draw_datetime(double t, char *out, size_t n);
/* "1h05m", "3m20s", "45s" of seconds, or "-" when NAN. */
char *draw_span(double secs, char *out, size_t n);

/* Row y of w as text read back from the window (winnstr) into out (n bytes), trailing blanks
 * left out; returns its length. Markdown export and the test mode's screen dumps use it. */
int draw_row_text(WINDOW *w, int y, char *out, size_t n);

#endif
