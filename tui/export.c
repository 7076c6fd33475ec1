/* export.c: the Markdown writer of :w and W: the view's own table, or the screen's text. */
#include "tui/app.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/md.h"
#include "tui/draw.h"

void app_md_cell(FILE *f, const char *s)
{
	char *cell = md_text(s, MD_CELL);

	fputs(cell, f);
	free(cell);
}

static int screen_markdown(FILE *f)
{
	char line[4096];
	int y, rows = getmaxy(stdscr);
	char *text = NULL, *block;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);

	if (!m)
		fatal("out of memory");
	for (y = 1; y < rows - 1; y++)
		fprintf(m, "%.*s\n", draw_row_text(stdscr, y, line, sizeof(line)), line);
	if (fclose(m) != 0)
		fatal("out of memory");
	block = md_fenced(text, NULL);
	fputs(block, f);
	free(block);
	free(text);
	return 0;
}

/* Where `w` writes: the open incident, the selected target's store directory, or the exports
 * directory of the state home (made 0700 and checked like the store's). NULL with e. */
static char *default_dir(struct app *a, const char **what, struct err *e)
{
	const char *inc = view_playbook_dir(a);
	char *dir = NULL;
	struct err se;

	if (inc) {
		*what = "the incident";
		return xstrdup(inc);
	}
	if (a->ntargets && a->cur_target < a->ntargets && (dir = app_store_dir(a, a->cur_target, &se)))
		*what = "the store";
	if (!dir) {
		dir = fs_xdg_path("XDG_STATE_HOME", ".local/state", "exports", e);
		*what = "the exports";
	}
	if (!dir) {
		err_set(e, "%s: :w FILE names one", e->msg);
		return NULL;
	}
	if (fs_mkdir_p(dir, 0700, e) < 0 || fs_dir_check(dir, e) < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

void app_write_markdown(struct app *a, const char *path)
{
	struct view *v = app_view(a);
	char name[256], *text = NULL, *dir = NULL, *chosen = NULL;
	const char *what = NULL;
	size_t len = 0;
	struct err e;
	FILE *f;

	if (!path || !*path) {
		time_t now = time(NULL);
		struct tm tm;

		if (!(dir = default_dir(a, &what, &e))) {
			app_error(a, "%s", e.msg);
			return;
		}
		gmtime_r(&now, &tm);
		snprintf(name, sizeof(name), "leakscope-%s-", v->ops->name);
		strftime(name + strlen(name), sizeof(name) - strlen(name), "%Y%m%dT%H%M%SZ.md", &tm);
		chosen = xasprintf("%s/%s", dir, name);
		path = chosen;
	}
	f = open_memstream(&text, &len);
	if (!f)
		fatal("out of memory");
	fprintf(f, "# leakscope: %s\n\n", v->ops->name);
	if (v->ops->markdown)
		v->ops->markdown(a, v, f);
	else
		screen_markdown(f);
	if (fclose(f) != 0)
		fatal("out of memory");
	if (fs_write_file(path, text, len, NULL, 0644, &e) < 0)
		app_error(a, "%s", e.msg);
	else if (what)
		app_message(a, "wrote the %s view into %s: %s", v->ops->name, what, path);
	else
		app_message(a, "wrote %s", path);
	free(text);
	free(chosen);
	free(dir);
}
