/* term.c: the one owner of the terminal: curses start and end, colours, signals and resizes. */
#include "tui/term.h"

#include "lib/text.h"
#include "lib/xmalloc.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define NCAUGHT 5

static struct {
	int active, ascii, utf8, colour, test;
	SCREEN *screen;
	FILE *out, *in;
	int attrs[TERM_ROLES];
	int pipe[2];
	struct termios saved;
	int have_saved;
	char restore[256]; /* what puts the terminal back, for the second signal */
	size_t restorelen;
	struct sigaction old[NCAUGHT];
	struct sigaction oldfault[5];
} T = {.pipe = {-1, -1}};

static volatile sig_atomic_t quit_signal, suspend_signal;
static const int caught[NCAUGHT] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};
/* bracketed paste: a paste arrives between ESC[200~ and ESC[201~ (term.h TERM_PASTE_*) */
#define PASTE_ON "\033[?2004h"
#define PASTE_OFF "\033[?2004l"

/* A second terminating signal while the first is being handled (a stuck fetch, a huge parse):
 * put the terminal back with async-signal-safe calls only and leave. */
static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (sig == SIGTSTP)
		suspend_signal = 1;
	else if (sig != SIGWINCH) {
		if (quit_signal) {
			if (T.have_saved)
				tcsetattr(STDIN_FILENO, TCSANOW, &T.saved);
			if (T.restorelen && write(STDOUT_FILENO, T.restore, T.restorelen) < 0)
				b = 0;
			_exit(128 + sig);
		}
		quit_signal = sig;
	}
	if (T.pipe[1] >= 0 && write(T.pipe[1], &b, 1) < 0)
		b = 0;
	errno = saved;
}

/* A fault (SIGBUS, SIGSEGV, ...) or an abort while curses owns the terminal: put the terminal
 * back, then let the previous handler (the default, or a sanitizer's) take the signal as it would
 * have: a fault is raised again when the faulting instruction reruns, a sent signal is re-raised. */
static const int faults[5] = {SIGBUS, SIGSEGV, SIGFPE, SIGILL, SIGABRT};

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
	int i;

	(void)uctx;
	if (T.have_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &T.saved);
	if (T.restorelen && write(STDOUT_FILENO, T.restore, T.restorelen) < 0)
		T.restorelen = 0;
	for (i = 0; i < 5; i++)
		if (faults[i] == sig)
			sigaction(sig, &T.oldfault[i], NULL);
	if (info->si_code <= 0)
		raise(sig);
}

static void add_restore(const char *cap)
{
	char *s = tigetstr(cap);
	size_t n;

	if (!s || s == (char *)-1)
		return;
	n = strlen(s);
	if (T.restorelen + n < sizeof(T.restore)) {
		memcpy(T.restore + T.restorelen, s, n);
		T.restorelen += n;
	}
}

static void set_role(enum term_role r, short fg, short bg, int mono)
{
	if (T.colour) {
		init_pair((short)(r + 1), fg, bg);
		T.attrs[r] = COLOR_PAIR(r + 1);
		if (r == TERM_TITLE || r == TERM_HEADER || r == TERM_ERROR)
			T.attrs[r] |= A_BOLD;
	} else {
		T.attrs[r] = mono;
	}
}

static void setup_colours(void)
{
	const char *nc = getenv("NO_COLOR");

	T.colour = has_colors() && !(nc && *nc);
	if (T.colour) {
		start_color();
		use_default_colors();
	}
	memset(T.attrs, 0, sizeof(T.attrs));
	set_role(TERM_TITLE, COLOR_BLACK, COLOR_CYAN, A_REVERSE);
	set_role(TERM_STATUS, COLOR_BLACK, COLOR_WHITE, A_REVERSE);
	set_role(TERM_ERROR, COLOR_RED, -1, A_BOLD);
	set_role(TERM_SELECT, COLOR_BLACK, COLOR_YELLOW, A_REVERSE);
	set_role(TERM_HEADER, COLOR_CYAN, -1, A_BOLD);
	set_role(TERM_GROW, COLOR_RED, -1, A_BOLD);
	set_role(TERM_SHRINK, COLOR_GREEN, -1, 0);
	set_role(TERM_DIM, COLOR_BLUE, -1, 0);
	set_role(TERM_SERIES, COLOR_GREEN, -1, 0);
	set_role(TERM_TREND, COLOR_MAGENTA, -1, 0);
	set_role(TERM_MARK, COLOR_YELLOW, -1, A_BOLD);
	set_role(TERM_BAR, COLOR_RED, -1, 0);
}

/* Whether the terminal of standard output can address the cursor (TERM=dumb, emacs' shell, a
 * printing terminal cannot): 0, or -1 with e saying so in one line. */
static int term_addressable(struct err *e)
{
	const char *term = getenv("TERM");
	const char *shown = term && *term ? term : "(unset)";
	char *cup;
	int rc = 0, ok;

	if (setupterm(NULL, STDOUT_FILENO, &rc) != OK)
		return err_set(e, "TERM=%s: no terminal description for it: the console needs one such as xterm",
			       shown);
	cup = tigetstr("cup");
	ok = cup && cup != (char *)-1 && !tigetflag("hc");
	del_curterm(cur_term);
	if (!ok)
		return err_set(e,
			       "TERM=%s cannot move the cursor: the console needs a terminal such as xterm "
			       "(the commands work without one)",
			       shown);
	return 0;
}

/* Bracketed paste on or off, on the real terminal only. */
static void paste_mode(int on)
{
	const char *s = on ? PASTE_ON : PASTE_OFF;

	if (T.test || !T.active)
		return;
	fflush(stdout);
	if (write(STDOUT_FILENO, s, strlen(s)) < 0) {
		/* the terminal went away: nothing to restore */
	}
}

static void cleanup_hook(void)
{
	term_done();
}

int term_init(const struct term_opts *o, struct err *e)
{
	struct sigaction sa;
	const char *cs;
	int i;

	if (T.active)
		return 0;
	T.test = o->test;
	T.ascii = o->ascii;
	/* the terminal's character set for curses and for the braille; numbers stay in C's format */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	cs = nl_langinfo(CODESET);
	T.utf8 = !o->ascii && cs && strcmp(cs, "UTF-8") == 0;
	if (pipe(T.pipe) < 0)
		return err_set(e, "pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(T.pipe[i], F_SETFL, fcntl(T.pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(T.pipe[i], F_SETFD, FD_CLOEXEC);
	}
	if (o->test) {
		T.out = fopen("/dev/null", "w");
		T.in = fopen("/dev/null", "r");
		if (!T.out || !T.in) {
			term_done();
			return err_set(e, "/dev/null: %s", strerror(errno));
		}
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			term_done();
			return err_set(e, "the console needs a terminal on standard input and output");
		}
		if (term_addressable(e) < 0) {
			term_done();
			return -1;
		}
		if (tcgetattr(STDIN_FILENO, &T.saved) == 0)
			T.have_saved = 1;
	}
	/* ours before curses', so that curses leaves them alone */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &sa, &T.old[i]);
	sa.sa_handler = NULL;
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	for (i = 0; i < 5; i++)
		sigaction(faults[i], &sa, &T.oldfault[i]);
	signal(SIGPIPE, SIG_IGN);
	xmalloc_set_cleanup(cleanup_hook);
	T.screen = newterm(NULL, o->test ? T.out : stdout, o->test ? T.in : stdin);
	if (!T.screen) {
		const char *term = getenv("TERM");

		term_done();
		return err_set(e, "cannot start the console on TERM=%s", term ? term : "(unset)");
	}
	set_term(T.screen);
	T.active = 1;
	if (o->test)
		resizeterm(o->rows, o->cols);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	setup_colours();
	T.restorelen = 0;
	if (!o->test) {
		define_key("\033[200~", TERM_PASTE_BEGIN);
		define_key("\033[201~", TERM_PASTE_END);
		paste_mode(1);
		memcpy(T.restore, PASTE_OFF, strlen(PASTE_OFF));
		T.restorelen = strlen(PASTE_OFF);
	}
	add_restore("sgr0");
	add_restore("cnorm");
	add_restore("rmkx");
	add_restore("rmcup");
	return 0;
}

void term_done(void)
{
	int i;

	if (T.active) {
		paste_mode(0);
		T.active = 0;
		curs_set(1);
		endwin();
		delscreen(T.screen);
		T.screen = NULL;
		for (i = 0; i < NCAUGHT; i++)
			sigaction(caught[i], &T.old[i], NULL);
		for (i = 0; i < 5; i++)
			sigaction(faults[i], &T.oldfault[i], NULL);
		xmalloc_set_cleanup(NULL);
	}
	if (T.out)
		fclose(T.out);
	if (T.in)
		fclose(T.in);
	T.out = T.in = NULL;
	for (i = 0; i < 2; i++)
		if (T.pipe[i] >= 0) {
			close(T.pipe[i]);
			T.pipe[i] = -1;
		}
}

int term_utf8(void)
{
	return T.utf8;
}

int term_attr(enum term_role r)
{
	return r >= 0 && r < TERM_ROLES ? T.attrs[r] : 0;
}

int term_wake_fd(void)
{
	return T.pipe[0];
}

void term_signals(int *quit, int *resized)
{
	unsigned char buf[64];
	ssize_t n, i;

	*resized = 0;
	while (T.pipe[0] >= 0 && (n = read(T.pipe[0], buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			if (buf[i] == SIGWINCH)
				*resized = 1;
	*quit = quit_signal;
}

int term_suspend_due(void)
{
	int due = suspend_signal;

	suspend_signal = 0;
	if (!due || T.test || !T.active)
		return 0;
	paste_mode(0);
	endwin();
	/* stop as the shell expects, with the default action; continued here */
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTSTP, &sa, NULL);
	}
	paste_mode(1);
	term_resize();
	return 1;
}

int term_run(char *const *argv, struct err *e)
{
	int status = 0, sig = quit_signal;
	pid_t pid;

	if (!T.active || T.test)
		return err_set(e, "no terminal to give to %s", argv[0]);
	paste_mode(0);
	def_prog_mode();
	endwin();
	pid = fork();
	if (pid == 0) {
		int i;

		for (i = 0; i < NCAUGHT; i++)
			signal(caught[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* a Ctrl-C typed into the program was the program's */
	if (!sig && quit_signal == SIGINT)
		quit_signal = 0;
	reset_prog_mode();
	paste_mode(1);
	clearok(curscr, TRUE);
	term_resize();
	if (pid < 0)
		return err_set(e, "fork: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return err_set(e, "%s could not be run", argv[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int term_clipboard(const char *text, size_t n, struct err *e)
{
	char *b64, *seq;
	size_t len;
	ssize_t w = 0;

	if (!T.active || T.test)
		return err_set(e, "no terminal");
	b64 = text_base64(text, n);
	seq = xasprintf("\033]52;c;%s\a", b64);
	len = strlen(seq);
	fflush(stdout);
	while (len && (w = write(STDOUT_FILENO, seq + (strlen(seq) - len), len)) > 0)
		len -= (size_t)w;
	free(seq);
	free(b64);
	if (len)
		return err_set(e, "writing to the terminal: %s", strerror(errno));
	return 0;
}

void term_quit_clear(void)
{
	quit_signal = 0;
}

void term_resize(void)
{
	struct winsize ws;

	if (T.test || !T.active)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

void term_resize_to(int rows, int cols)
{
	if (T.active && rows > 0 && cols > 0)
		resizeterm(rows, cols);
}
