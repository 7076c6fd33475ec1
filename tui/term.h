/* term.h: the one owner of the terminal: curses start and end, colours, signals and resizes. */
#ifndef TUI_TERM_H
#define TUI_TERM_H

#include <curses.h>

#include "lib/err.h"

struct term_opts {
	int ascii;          /* plain ASCII even where the locale is UTF-8 */
	int test;           /* render to /dev/null at rows x cols (the screen-dump test mode) */
	int rows, cols;
};

/* What things on the screen are, so the colours live in one place. */
enum term_role {
	TERM_NORMAL,
	TERM_TITLE,
	TERM_STATUS,
	TERM_ERROR,
	TERM_SELECT,
	TERM_HEADER,
	TERM_GROW,
	TERM_SHRINK,
	TERM_DIM,
	TERM_SERIES,
	TERM_TREND,
	TERM_MARK,
	TERM_BAR,
	TERM_ROLES
};

/* Takes the terminal: installs the signal handlers and the fatal() hook, starts curses. Returns 0,
 * or -1 with e filled (nothing changed then). */
int term_init(const struct term_opts *o, struct err *e);
/* Gives the terminal back as it was; safe to call twice and without term_init. */
void term_done(void);
/* Whether to draw UTF-8 (braille, block bars): the locale is UTF-8 and --ascii was not given. */
int term_utf8(void);
/* The curses attributes of a role: colour pairs, or bold and reverse without colour. */
int term_attr(enum term_role r);

/* A descriptor that becomes readable when a signal arrived (for poll). */
int term_wake_fd(void);
/* Drains the signal pipe: *quit gets the terminating signal (SIGINT, SIGTERM, SIGHUP) or 0,
 * *resized 1 after a SIGWINCH. */
void term_signals(int *quit, int *resized);
/* The keys a bracketed paste arrives between (curses codes past KEY_MAX). */
#define TERM_PASTE_BEGIN (KEY_MAX + 1)
#define TERM_PASTE_END (KEY_MAX + 2)
/* After a Ctrl-Z (SIGTSTP): gives the terminal back (bracketed paste off, curses ended), stops,
 * and when continued takes it again; returns 1 then (the caller redraws), 0 when none came. */
int term_suspend_due(void);
/* Runs argv (argv[0] looked up in PATH) with the terminal given back to it as it was before the
 * console, waits for it, then takes the terminal again (the caller redraws). Returns its exit
 * status, or -1 with e when it could not be run. */
int term_run(char *const *argv, struct err *e);
/* Asks the terminal to put text into its clipboard (OSC 52, base64); 0, or -1 with e. */
int term_clipboard(const char *text, size_t n, struct err *e);
/* Forgets the terminating signal term_signals reported: the console handled it (a Ctrl-C that
 * cancelled a fetch), so the next one is a first one again. */
void term_quit_clear(void);
/* Re-reads the window size after SIGWINCH and resizes curses. */
void term_resize(void);
/* Test mode: pretends the terminal became rows x cols. */
void term_resize_to(int rows, int cols);

#endif
