/* yank.c: a stack out of the console: into the terminal's clipboard (OSC 52, off unless asked
 * for) and its source line into $EDITOR when the file is there locally (--source-root maps the
 * build's paths). */
#include "tui/app.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/text.h"
#include "tui/term.h"

void app_yank_stack(struct app *a, const struct snap_group *g)
{
	char *text = NULL;
	size_t len = 0;
	struct err e;
	FILE *f;
	int i;

	if (!a->osc52) {
		app_message(a, "copying to the clipboard is off: --osc52 or LEAKSCOPE_OSC52=1 turns it on");
		return;
	}
	f = open_memstream(&text, &len);
	if (!f)
		fatal("out of memory");
	/* as Go prints a goroutine's stack, control characters made harmless */
	for (i = 0; i < g->nframes; i++) {
		char fn[1024], file[1024];

		fprintf(f, "%s\n\t%s:%ld\n", text_sanitize(g->frames[i].func, fn, sizeof(fn)),
			text_sanitize(g->frames[i].file, file, sizeof(file)), g->frames[i].line);
	}
	if (fclose(f) != 0)
		fatal("out of memory");
	if (term_clipboard(text, len, &e) < 0)
		app_error(a, "clipboard: %s", e.msg);
	else
		app_message(a, "copied the stack (%d frames, %zu bytes) to the clipboard", g->nframes, len);
	free(text);
}

static int regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *app_source_path(const struct app *a, const char *file)
{
	const char *p;

	/* a profile names the file: never one outside --source-root through ".." */
	if (strcmp(file, "..") == 0 || strncmp(file, "../", 3) == 0 || strstr(file, "/../") ||
	    (strlen(file) >= 3 && strcmp(file + strlen(file) - 3, "/..") == 0))
		return NULL;

	/* the build path under --source-root, dropping leading directories until one is there */
	for (p = file; a->source_root && p && *p;) {
		char *cand;

		while (*p == '/')
			p++;
		cand = xasprintf("%s/%s", a->source_root, p);
		if (*p && regular(cand))
			return cand;
		free(cand);
		p = strchr(p, '/');
	}
	if (file[0] == '/' && regular(file))
		return xstrdup(file);
	return NULL;
}

void app_edit_frame(struct app *a, const struct snap_frame *fr)
{
	const char *editor = getenv("VISUAL");
	char *path, line[32], sh[] = "/bin/sh", dash_c[] = "-c", name[] = "sh", *argv[7];
	struct err e;
	int rc;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	if (!(path = app_source_path(a, fr->file))) {
		char clean[512];

		app_error(a, "%s is not here%s", text_sanitize(fr->file, clean, sizeof(clean)),
			  a->source_root ? " (nor under --source-root)" : ": --source-root DIR maps the build's paths");
		return;
	}
	/* the editor as the shell splits it; the line and the file are arguments, never parsed */
	snprintf(line, sizeof(line), "+%ld", fr->line > 0 ? fr->line : 1);
	argv[0] = sh;
	argv[1] = dash_c;
	argv[2] = xasprintf("exec %s \"$@\"", editor);
	argv[3] = name;
	argv[4] = line;
	argv[5] = path;
	argv[6] = NULL;
	rc = term_run(argv, &e);
	free(argv[2]);
	a->dirty = 1;
	if (rc < 0)
		app_error(a, "%s", e.msg);
	else if (rc)
		app_error(a, "%s %s %s exited %d", editor, line, path, rc);
	else
		app_message(a, "back from %s %s %s", editor, line, path);
	free(path);
}
