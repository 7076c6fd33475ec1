/* keys.h: the one key table: every binding, the request it makes and its help line. */
#ifndef TUI_KEYS_H
#define TUI_KEYS_H

#include <stddef.h>

/* Requests, each with the help text the ? screen shows and where it applies. */
#define KEYS_REQUESTS(X)                                                                   \
	X(REQ_DOWN, "move down", "lists")                                                  \
	X(REQ_UP, "move up", "lists")                                                      \
	X(REQ_PAGE_DOWN, "page down", "lists")                                             \
	X(REQ_PAGE_UP, "page up", "lists")                                                 \
	X(REQ_FIRST, "first row", "lists")                                                 \
	X(REQ_LAST, "last row", "lists")                                                   \
	X(REQ_ENTER, "open the selected row", "lists")                                     \
	X(REQ_BACK, "back; first cancels a fetch (Ctrl-C too)", "all")                     \
	X(REQ_NEXT_VIEW, "next view: targets (or pods), snapshots, slope, diff", "all")    \
	X(REQ_FILTER, "filter the list (enter keeps, esc clears)", "lists")                \
	X(REQ_COMMAND, "command line, Tab completes (commands below)", "all")              \
	X(REQ_HELP, "this help", "all")                                                    \
	X(REQ_SNAP, "snapshot the selected target now", "pods, targets, snapshots")        \
	X(REQ_DIFF, "diff its two newest snapshots (or A, B)", "pods, targets, snapshots") \
	X(REQ_MARK_A, "mark the snapshot as A (before)", "snapshots")                      \
	X(REQ_MARK_B, "mark the snapshot as B (after)", "snapshots")                       \
	X(REQ_CHART, "slope chart of the selected target", "pods, targets, snapshots")     \
	X(REQ_SNAPSHOTS, "snapshots view", "all")                                          \
	X(REQ_WRITE, "write the view as Markdown into the incident or store", "all")       \
	X(REQ_REFRESH, "sample the targets now, redraw", "all")                            \
	X(REQ_PLAYBOOK, "playbook pane: show or hide (:playbook NAME starts one)", "all")  \
	X(REQ_MATCH_NEXT, "next row the / filter matched (wraps)", "lists")                \
	X(REQ_MATCH_PREV, "previous row the / filter matched (wraps)", "lists")            \
	X(REQ_SORT, "sort by rate, goroutines or name, in turn (rate first)", "pods")      \
	X(REQ_YANK, "copy the stack to the terminal's clipboard (--osc52)", "stack")       \
	X(REQ_EDIT, "open the frame's source line in $EDITOR (--source-root)", "stack")    \
	X(REQ_PB_NEXT, "playbook: run the step's action, then go to the next step", "all") \
	X(REQ_PB_NOTE, "playbook: type a note for the step (journalled at enter)", "all")  \
	X(REQ_PB_OPTION, "playbook: highlight the next option of a choice", "all")         \
	X(REQ_QUIT, "quit (asks while a playbook is open)", "all")

enum req {
	REQ_NONE,
#define KEYS_ENUM(r, help, where) r,
	KEYS_REQUESTS(KEYS_ENUM)
#undef KEYS_ENUM
	REQ_COUNT
};

struct keys_binding {
	int key;          /* a character or a curses KEY_ code */
	const char *name; /* as the help and the test scripts spell it */
	enum req req;
	int alias;        /* left out of the help */
};

/* The request bound to key, or REQ_NONE. */
enum req keys_lookup(int key);
/* The key called name ("j", "<Enter>", "<Down>", "<C-l>"), or -1. */
int keys_by_name(const char *name);
/* Help text and where it applies, for req. */
const char *keys_help(enum req r);
const char *keys_where(enum req r);
/* "j, <Down>": every key bound to r, into out. */
char *keys_names(enum req r, char *out, size_t n);

#endif
