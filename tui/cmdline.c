/* cmdline.c: the ':' command line, the filter and prompt editing, and the commands. */
#include "tui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name, *args, *help;
	void (*run)(struct app *a, const char *arg);
};

static void cmd_quit(struct app *a, const char *arg)
{
	(void)arg;
	app_quit(a, 0);
}

static void cmd_quit_now(struct app *a, const char *arg)
{
	(void)arg;
	app_quit(a, 1);
}

static void cmd_snap(struct app *a, const char *arg)
{
	if (*arg) {
		if (strlen(arg) != 1 || arg[0] < '0' || arg[0] > '2') {
			app_error(a, ":snap takes 0, 1 or 2 (the debug= format)");
			return;
		}
		a->debug = arg[0] - '0';
	}
	app_snapshot(a, a->cur_target);
}

static void cmd_diff(struct app *a, const char *arg)
{
	int x, y;

	if (*arg) {
		if (sscanf(arg, "%d %d", &x, &y) != 2 || !app_snap_by_id(a, x) || !app_snap_by_id(a, y)) {
			app_error(a, ":diff takes two snapshot numbers (as the snapshots view shows them)");
			return;
		}
		a->diff_a = x;
		a->diff_b = y;
		app_push(a, &view_diff_ops, &(struct view_diff_arg){x, y});
		return;
	}
	app_diff(a, a->cur_target);
}

static void cmd_open(struct app *a, const char *arg)
{
	struct err e;

	if (!*arg) {
		app_error(a, ":open takes a file");
		return;
	}
	if (app_load_file(a, arg, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	app_message(a, "loaded %s as snapshot #%d", arg, a->next_id);
	app_refresh_top(a);
}

static void cmd_target(struct app *a, const char *arg)
{
	struct err e;

	if (!*arg) {
		app_error(a, ":target takes a URL or pod/NAME");
		return;
	}
	/* resolving a pod reads the kubeconfig and may ask the API server for its port: off the loop */
	if (app_open_async(a, arg, &e) < 0) {
		app_error(a, "%s", e.msg);
		return;
	}
	app_message(a, "opening %.200s (esc cancels)", arg);
}

static void cmd_pod(struct app *a, const char *arg)
{
	char ref[300];

	snprintf(ref, sizeof(ref), "pod/%s", arg);
	cmd_target(a, *arg ? ref : "");
}

static char ns_buf[256];

static void cmd_ns(struct app *a, const char *arg)
{
	snprintf(ns_buf, sizeof(ns_buf), "%s", arg);
	app_source_opts.ns = *arg ? ns_buf : NULL;
	if (a->pods) {
		podlist_set_ns(a->pods, app_source_opts.ns);
		a->next_list = 0; /* as soon as the listing in flight, if any, is done */
		app_message(a, "listing the pods of %s", *arg ? arg : "the context's namespace");
		return;
	}
	app_message(a, "namespace for :pod: %s", *arg ? arg : "(the context's)");
}

static void cmd_write(struct app *a, const char *arg)
{
	app_write_markdown(a, arg);
}

static void cmd_every(struct app *a, const char *arg)
{
	char *end;
	double s = strtod(arg, &end);

	if (!*arg || *end || !(s >= 0) || s > 86400) {
		app_error(a, ":every takes seconds (0 stops sampling)");
		return;
	}
	a->every = s;
	if (s > 0)
		app_message(a, "sampling every %g s", s);
	else
		app_message(a, "sampling stopped");
}

static void cmd_playbook(struct app *a, const char *arg)
{
	char name[256];
	const char *dir;
	size_t n = strcspn(arg, " ");

	if (!n) {
		app_error(a, ":playbook takes a NAME (goroutine-leak, slope-alert, ci-budget, pprof-exposure) and "
			     "optionally an incident directory");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(n < 255 ? n : 255), arg);
	for (dir = arg + n; *dir == ' '; dir++)
		;
	view_playbook_start(a, name, *dir ? dir : NULL);
}

static void cmd_help(struct app *a, const char *arg)
{
	(void)arg;
	app_push(a, &view_help_ops, NULL);
}

static void cmd_targets(struct app *a, const char *arg)
{
	(void)arg;
	while (app_pop(a))
		;
	if (app_view(a)->ops != &view_targets_ops)
		app_push(a, &view_targets_ops, NULL);
}

static void cmd_pods(struct app *a, const char *arg)
{
	(void)arg;
	while (app_pop(a))
		;
	if (app_view(a)->ops != &view_pods_ops)
		app_push(a, &view_pods_ops, NULL);
	if (!a->pods || !a->pods_listed)
		app_pods_list(a);
}

static void cmd_snaps(struct app *a, const char *arg)
{
	(void)arg;
	app_push(a, &view_snaps_ops, NULL);
}

static void cmd_slope(struct app *a, const char *arg)
{
	(void)arg;
	app_push(a, &view_slope_ops, &a->cur_target);
}

static const struct command commands[] = {
	{"snap", "[0|1|2]", "snapshot the selected target (debug=N, default 1)", cmd_snap},
	{"diff", "[A B]", "diff snapshots A and B (default: as d)", cmd_diff},
	{"open", "FILE", "load a saved profile as a snapshot", cmd_open},
	{"target", "URL|pod/NAME", "add a target to sample and snapshot", cmd_target},
	{"pod", "NAME", "add pod NAME of the namespace as a target", cmd_pod},
	{"ns", "NS", "the namespace of the pods view and :pod", cmd_ns},
	{"every", "SECONDS", "sample the targets every SECONDS (0: stop)", cmd_every},
	{"w", "[FILE]", "write the current view as Markdown (atomically)", cmd_write},
	{"pods", "", "the pods view: the Running pods of the namespace", cmd_pods},
	{"targets", "", "the targets view", cmd_targets},
	{"snaps", "", "the snapshots view", cmd_snaps},
	{"slope", "", "the slope chart of the selected target", cmd_slope},
	{"playbook", "NAME [DIR]", "start a playbook in the pane (an open incident is offered for resume)",
	 cmd_playbook},
	{"help", "", "keys and commands", cmd_help},
	{"q", "", "quit (asks when a playbook is open)", cmd_quit},
	{"quit", "", "quit (asks when a playbook is open)", cmd_quit},
	{"q!", "", "quit without asking", cmd_quit_now},
	{"quit!", "", "quit without asking", cmd_quit_now},
};

int app_command_info(size_t i, const char **name, const char **args, const char **help)
{
	if (i >= sizeof(commands) / sizeof(commands[0]))
		return 0;
	*name = commands[i].name;
	*args = commands[i].args;
	*help = commands[i].help;
	return 1;
}

static void run_command(struct app *a, const char *line)
{
	char name[64];
	size_t i, n;

	while (*line == ' ' || *line == ':')
		line++;
	n = strcspn(line, " ");
	if (n == 0)
		return;
	snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), line);
	line += n;
	while (*line == ' ')
		line++;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0) {
			commands[i].run(a, line);
			a->dirty = 1;
			return;
		}
	app_error(a, "unknown command :%s (:help lists them)", name);
}

/* ---- Tab completion of the ':' line ---- */

struct completion {
	const char *cand[64];
	int n;
};

static void offer(struct completion *c, const char *word, const char *cand)
{
	int i;

	if (strncmp(cand, word, strlen(word)) != 0 || c->n == 64)
		return;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->cand[i], cand) == 0)
			return;
	c->cand[c->n++] = cand;
}

/* The candidates for the last word of the line: a command name, or a pod's name after ":pod "
 * and ":target pod/" (the pods listed and the pod targets). *word points at the word. */
static void candidates(const struct app *a, const char *line, const char **word, struct completion *c)
{
	const char *sp = strchr(line, ' ');
	int t, pod;
	size_t i;

	c->n = 0;
	if (!sp) {
		*word = line;
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			offer(c, line, commands[i].name);
		return;
	}
	*word = sp + 1;
	pod = strncmp(line, "pod ", 4) == 0;
	if (!pod && strncmp(line, "target pod/", 11) == 0) {
		*word = line + 11;
		pod = 1;
	}
	for (t = 0; pod && t < a->ntargets; t++)
		if (a->targets[t].kind == APP_TARGET_POD && !a->targets[t].gone)
			offer(c, *word, a->targets[t].name);
}

/* Tab: the word completed as far as the candidates agree; a blank after a whole command name;
 * the choices on the status line when several remain. */
static void complete(struct app *a)
{
	struct completion c;
	const char *word;
	size_t pre, k;
	int i;

	candidates(a, a->input, &word, &c);
	if (!c.n) {
		snprintf(a->choices, sizeof(a->choices), "nothing completes '%.200s'", word);
		return;
	}
	pre = strlen(c.cand[0]);
	for (i = 1; i < c.n; i++)
		for (k = 0; k < pre; k++)
			if (c.cand[i][k] != c.cand[0][k]) {
				pre = k;
				break;
			}
	k = (size_t)(word - a->input);
	if (k + pre + 2 < sizeof(a->input)) {
		memcpy(a->input + k, c.cand[0], pre);
		a->input[k + pre] = '\0';
		if (c.n == 1 && word == a->input) {
			a->input[k + pre] = ' ';
			a->input[k + pre + 1] = '\0';
		}
	}
	if (c.n > 1) {
		size_t o = 0;

		for (i = 0; i < c.n && o < sizeof(a->choices); i++)
			o += (size_t)snprintf(a->choices + o, sizeof(a->choices) - o, "%s%s", i ? " " : "", c.cand[i]);
	}
}

/* ---- the line being edited ---- */

void app_edit_key(struct app *a, int key)
{
	struct view *v = app_view(a);
	char *buf = a->mode == APP_FILTER ? v->filter : a->input;
	size_t cap = a->mode == APP_FILTER ? sizeof(v->filter) : sizeof(a->input), len = strlen(buf);

	a->choices[0] = '\0';
	if (a->mode == APP_PROMPT && a->prompt_yesno) {
		a->mode = APP_NORMAL;
		a->prompt_yesno = 0;
		if (a->prompt_fn)
			a->prompt_fn(a, key == 'y' || key == 'Y' ? "y" : "n");
		a->dirty = 1;
		return;
	}
	if (key == 27) {
		if (a->mode == APP_FILTER)
			snprintf(v->filter, sizeof(v->filter), "%s", a->saved_filter);
		if (a->mode == APP_PROMPT && a->prompt_fn)
			a->prompt_fn(a, NULL);
		a->mode = APP_NORMAL;
	} else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
		enum app_mode m = a->mode;

		a->mode = APP_NORMAL;
		if (m == APP_COMMAND)
			run_command(a, a->input);
		else if (m == APP_PROMPT && a->prompt_fn)
			a->prompt_fn(a, a->input);
		else if (v->filter[0])
			app_message(a, "filter: %s (esc clears)", v->filter);
		a->dirty = 1;
		return;
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (len)
			buf[len - 1] = '\0';
		else if (a->mode == APP_COMMAND)
			a->mode = APP_NORMAL;
	} else if (key == ('u' & 0x1f)) {
		buf[0] = '\0';
	} else if (key == '\t' && a->mode == APP_COMMAND) {
		complete(a);
	} else if (key >= 0x20 && key < 0x7f && len + 1 < cap) {
		buf[len] = (char)key;
		buf[len + 1] = '\0';
	}
	a->inputlen = strlen(a->input);
	if (a->mode == APP_FILTER || buf == v->filter) {
		v->sel = v->top = 0;
		app_refresh_top(a);
	}
	a->dirty = 1;
}

void app_paste_key(struct app *a, int key)
{
	if (a->mode == APP_NORMAL || (a->mode == APP_PROMPT && a->prompt_yesno)) {
		a->paste_ignored++;
		return;
	}
	/* a line break is a blank between words, none at the end of the paste */
	if (key == '\r' || key == '\n' || key == '\t') {
		a->paste_blank = 1;
		return;
	}
	if (key < 0x20 || key >= 0x7f)
		return;
	if (a->paste_blank)
		app_edit_key(a, ' ');
	a->paste_blank = 0;
	app_edit_key(a, key);
}
