/* keys.c: the one key table: every binding, the request it makes and its help line. */
#include "tui/keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)

/* The bindings; the ? screen is generated from this and KEYS_REQUESTS, nothing else. */
static const struct keys_binding bindings[] = {
	{'j', "j", REQ_DOWN, 0},
	{KEY_DOWN, "<Down>", REQ_DOWN, 0},
	{'k', "k", REQ_UP, 0},
	{KEY_UP, "<Up>", REQ_UP, 0},
	{KEY_NPAGE, "<PgDn>", REQ_PAGE_DOWN, 0},
	{CTRL('f'), "<C-f>", REQ_PAGE_DOWN, 1},
	{' ', "<Space>", REQ_PAGE_DOWN, 0},
	{KEY_PPAGE, "<PgUp>", REQ_PAGE_UP, 0},
	{CTRL('b'), "<C-b>", REQ_PAGE_UP, 1},
	{'g', "g", REQ_FIRST, 0},
	{KEY_HOME, "<Home>", REQ_FIRST, 0},
	{'G', "G", REQ_LAST, 0},
	{KEY_END, "<End>", REQ_LAST, 0},
	{'\r', "<Enter>", REQ_ENTER, 0},
	{'\n', "<C-j>", REQ_ENTER, 1},
	{KEY_ENTER, "<KEnter>", REQ_ENTER, 1},
	{KEY_RIGHT, "<Right>", REQ_ENTER, 0},
	{'l', "l", REQ_ENTER, 0},
	{27, "<Esc>", REQ_BACK, 0},
	{KEY_LEFT, "<Left>", REQ_BACK, 0},
	{'h', "h", REQ_BACK, 0},
	{'\t', "<Tab>", REQ_NEXT_VIEW, 0},
	{'/', "/", REQ_FILTER, 0},
	{':', ":", REQ_COMMAND, 0},
	{'?', "?", REQ_HELP, 0},
	{KEY_F(1), "<F1>", REQ_HELP, 0},
	{'s', "s", REQ_SNAP, 0},
	{'d', "d", REQ_DIFF, 0},
	{'a', "a", REQ_MARK_A, 0},
	{'b', "b", REQ_MARK_B, 0},
	{'c', "c", REQ_CHART, 0},
	{'S', "S", REQ_SNAPSHOTS, 0},
	{'w', "w", REQ_WRITE, 0},
	{'r', "r", REQ_REFRESH, 0},
	{CTRL('l'), "<C-l>", REQ_REFRESH, 0},
	{'p', "p", REQ_PLAYBOOK, 0},
	{'n', "n", REQ_MATCH_NEXT, 0},
	{'N', "N", REQ_MATCH_PREV, 0},
	{'O', "O", REQ_SORT, 0},
	{'y', "y", REQ_YANK, 0},
	{'e', "e", REQ_EDIT, 0},
	{'x', "x", REQ_PB_NEXT, 0},
	{'i', "i", REQ_PB_NOTE, 0},
	{'o', "o", REQ_PB_OPTION, 0},
	{'q', "q", REQ_QUIT, 0},
};

static const struct {
	const char *help, *where;
} info[REQ_COUNT] = {
	[REQ_NONE] = {"", ""},
#define KEYS_INFO(r, h, w) [r] = {h, w},
	KEYS_REQUESTS(KEYS_INFO)
#undef KEYS_INFO
};

/* Keys a script may name that are not bindings (typed into the filter or command line). */
static const struct {
	int key;
	const char *name;
} extra[] = {
	{KEY_BACKSPACE, "<BS>"},
	{CTRL('u'), "<C-u>"},
	{KEY_RESIZE, "<Resize>"},
};

enum req keys_lookup(int key)
{
	size_t i;

	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++)
		if (bindings[i].key == key)
			return bindings[i].req;
	return REQ_NONE;
}

int keys_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++)
		if (strcmp(bindings[i].name, name) == 0)
			return bindings[i].key;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (strcmp(extra[i].name, name) == 0)
			return extra[i].key;
	if (strlen(name) == 1)
		return (unsigned char)name[0];
	return -1;
}

const char *keys_help(enum req r)
{
	return r > REQ_NONE && r < REQ_COUNT ? info[r].help : "";
}

const char *keys_where(enum req r)
{
	return r > REQ_NONE && r < REQ_COUNT ? info[r].where : "";
}

char *keys_names(enum req r, char *out, size_t n)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
		if (bindings[i].req != r || bindings[i].alias)
			continue;
		o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? ", " : "", bindings[i].name);
		if (o >= n)
			break;
	}
	return out;
}
