/* export.c: the Markdown writer of :w and W: the view's own table, or the screen's text. */
#include "tui/app.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/text.h"
#include "tui/draw.h"

void app_md_cell(FILE *f, const char *s)
{
	char clean[1024];
	const char *p;

	text_sanitize(s, clean, sizeof(clean));
	for (p = clean; *p; p++) {
		if (*p == '|' || *p == '\\' || *p == '`' || *p == '*' || *p == '_')
			fputc('\\', f);
		fputc(*p, f);
	}
}

static int screen_markdown(FILE *f)
{
	char line[4096];
	int y, rows = getmaxy(stdscr);

	fputs("```\n", f);
	for (y = 1; y < rows - 1; y++)
		fprintf(f, "%.*s\n", draw_row_text(stdscr, y, line, sizeof(line)), line);
	fputs("```\n", f);
	return 0;
}

void app_write_markdown(struct app *a, const char *path)
{
	struct view *v = app_view(a);
	char name[256], *tmp;
	int fd, ok;
	FILE *f;

	if (!path || !*path) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		snprintf(name, sizeof(name), "leakscope-%s-", v->ops->name);
		strftime(name + strlen(name), sizeof(name) - strlen(name), "%Y%m%dT%H%M%SZ.md", &tm);
		path = name;
	}
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		app_error(a, "%s: %s", path, strerror(errno));
		free(tmp);
		return;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		app_error(a, "%s: %s", path, strerror(errno));
		free(tmp);
		return;
	}
	fprintf(f, "# leakscope: %s\n\n", v->ops->name);
	if (v->ops->markdown)
		v->ops->markdown(a, v, f);
	else
		screen_markdown(f);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		app_error(a, "%s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		app_message(a, "wrote %s", path);
	}
	free(tmp);
}
