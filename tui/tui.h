/* tui.h: the console's entry point, for cli/tui.c. */
#ifndef TUI_TUI_H
#define TUI_TUI_H

#include "lib/err.h"
#include "fetch/source.h"

struct tui_opts {
	const char *const *targets; /* URLs, pod/NAME and files, as given */
	int ntargets;
	double every;       /* seconds between samples of each URL target; 0: no sampling */
	int ascii;          /* --ascii */
	int debug;          /* debug=N of `s` snapshots (default 1) */
	const char *series; /* a saved Prometheus answer (leakscope slope --file): the first series */
	const struct source_opts *source; /* borrowed */
	const char *selector; /* -l: the pods view's label selector (NULL: every Running pod) */
	int no_store;         /* --no-store: snapshots stay in memory only */
	/* --prometheus: the targets' series come from there, not from sampling them */
	const char *prometheus; /* base URL ("http://host:9090", a path prefix allowed), or NULL */
	const char *query;      /* --query: the selector, $target standing for the target's name; NULL:
				   go_goroutines{pod="$target"} / go_goroutines{instance=~"$target"} */
	const char *const *rules; /* --rule: alert rules replayed over the series (the first drawn) */
	int nrules;
	int osc52;               /* --osc52: y copies a stack to the terminal's clipboard */
	const char *source_root; /* --source-root DIR: e opens a frame's file from there */
	const char *hint;        /* a first line for the status line (LEAKSCOPE_TUI_HINT), or NULL */
};

/* Runs the console until the user quits. The test mode (LEAKSCOPE_TUI_SCRIPT and
 * LEAKSCOPE_TUI_DUMP) reads keys from a script and renders to /dev/null. Returns 0, or -1 with e
 * filled (the terminal is given back before). */
int tui_run(const struct tui_opts *o, struct err *e);

#endif
