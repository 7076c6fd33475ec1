/* script.c: the test mode: LEAKSCOPE_TUI_SCRIPT keys, LEAKSCOPE_TUI_DUMP screens, LEAKSCOPE_TUI_TIMING. */
#include "tui/app.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/term.h"

static double mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A key, and with LEAKSCOPE_TUI_TIMING the redraw it asks for at once, each timed: one line
 * "KEY VIEW HANDLE_US DRAW_US" per key (VIEW: the view on top after the key). */
void app_handle_key(struct app *a, int key)
{
	double t0, t1, t2;
	const char *kn;

	if (!a->timing) {
		app_key(a, key);
		return;
	}
	t0 = mono_us();
	app_key(a, key);
	t1 = mono_us();
	if (a->dirty) {
		app_draw(a);
		a->dirty = 0;
	}
	t2 = mono_us();
	kn = keyname(key);
	fprintf(a->timing, "%s %s %.0f %.0f\n", kn ? kn : "?", app_view(a)->ops->name, t1 - t0, t2 - t1);
}

void app_dump_screen(struct app *a)
{
	char line[4096];
	int y, rows, cols;
	FILE *f;

	if (!a->dump_path)
		return;
	f = fopen(a->dump_path, a->dumps ? "a" : "w");
	if (!f)
		return;
	getmaxyx(stdscr, rows, cols);
	fprintf(f, "=== screen %d (%dx%d) ===\n", ++a->dumps, cols, rows);
	for (y = 0; y < rows; y++)
		fprintf(f, "%.*s\n", draw_row_text(stdscr, y, line, sizeof(line)), line);
	fclose(f);
}

static void type_text(struct app *a, const char *s)
{
	for (; *s; s++)
		app_handle_key(a, (unsigned char)*s);
	app_handle_key(a, '\r');
}

/* TEXT as a terminal's bracketed paste delivers it, a backslash and n standing for a newline. */
static void paste_text(struct app *a, const char *s)
{
	app_handle_key(a, TERM_PASTE_BEGIN);
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			app_handle_key(a, '\n');
			s++;
		} else {
			app_handle_key(a, (unsigned char)*s);
		}
	}
	app_handle_key(a, TERM_PASTE_END);
}

/* One line of the script: ":dump", ":resize ROWS COLS", ":wait" (until no transfer is in
 * flight), ":paste TEXT" (a bracketed paste of TEXT, a backslash and n a newline), ":type TEXT"
 * (TEXT typed with its enter, into a prompt such as a playbook note), a ":command" or "/filter" typed with its enter, or key names separated by blanks.
 * Returns 1 to hold (waiting), 0 after a step, -1 at the end of the script. */
int app_script_step(struct app *a)
{
	char line[1024], *p, *tok, *save;
	int rows, cols;

	if (a->script_wait) {
		if (jobs_busy(a->jobs, JOBS_SNAPSHOT, -1) || jobs_busy(a->jobs, JOBS_SAMPLE, -1) ||
		    jobs_busy(a->jobs, JOBS_QUERY, -1) || jobs_busy(a->jobs, JOBS_OPEN, -1) ||
		    (a->pods && podlist_busy(a->pods)))
			return 1;
		a->script_wait = 0;
	}
	if (!fgets(line, sizeof(line), a->script))
		return -1;
	a->script_line++;
	line[strcspn(line, "\r\n")] = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p || *p == '#')
		return 0;
	if (strcmp(p, ":dump") == 0) {
		if (a->dirty) {
			app_draw(a);
			a->dirty = 0;
		}
		app_dump_screen(a);
		return 0;
	}
	if (sscanf(p, ":resize %d %d", &rows, &cols) == 2) {
		term_resize_to(rows, cols);
		a->dirty = 1;
		return 0;
	}
	if (strcmp(p, ":wait") == 0) {
		a->script_wait = 1;
		return 1;
	}
	if (strncmp(p, ":type ", 6) == 0) {
		type_text(a, p + 6);
		return 0;
	}
	if (strncmp(p, ":paste ", 7) == 0) {
		paste_text(a, p + 7);
		return 0;
	}
	if (*p == ':' || *p == '/') {
		type_text(a, p);
		return 0;
	}
	for (tok = strtok_r(p, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int key = keys_by_name(tok);

		if (key < 0)
			app_error(a, "script line %d: unknown key %s", a->script_line, tok);
		else
			app_handle_key(a, key);
	}
	return 0;
}

static int parse_size(const char *s, int *rows, int *cols)
{
	return s && sscanf(s, "%dx%d", cols, rows) == 2 && *rows > 0 && *cols > 0 ? 0 : -1;
}

int app_test_init(struct app *a, struct term_opts *to, struct err *e)
{
	const char *script = getenv("LEAKSCOPE_TUI_SCRIPT"), *dump = getenv("LEAKSCOPE_TUI_DUMP");
	const char *timing = getenv("LEAKSCOPE_TUI_TIMING");
	int ret = 0;

	if (script && *script) {
		a->test = 1;
		a->script = fopen(script, "r");
		if (!a->script)
			ret = err_set(e, "%s: %s", script, strerror(errno));
		a->dump_path = dump && *dump ? xstrdup(dump) : NULL;
		to->test = 1;
		if (parse_size(getenv("LEAKSCOPE_TUI_SIZE"), &to->rows, &to->cols) < 0) {
			to->rows = 24;
			to->cols = 80;
		}
	}
	if (ret == 0 && timing && *timing) {
		a->timing = fopen(timing, "w");
		if (!a->timing)
			ret = err_set(e, "%s: %s", timing, strerror(errno));
	}
	return ret;
}
