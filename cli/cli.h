/* cli.h: what the subcommands share: loading a SOURCE, option values, errors on stderr. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include "analyze/err.h"
#include "analyze/snapshot.h"

#define CLI_OK 0
#define CLI_GATE 1    /* a gate tripped (growth or budget over the limit) */
#define CLI_TROUBLE 2 /* usage, unreadable input, fetch failure */

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Loads a snapshot from SOURCE (a path, or "-" for standard input). Returns NULL with e filled. */
struct snapshot *cli_load(const char *source, enum snap_by by, struct err *e);

/* Prints "leakscope CMD: MESSAGE" and a hint to --help on stderr; returns CLI_TROUBLE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) XM_PRINTF(2, 3);
/* Prints "leakscope: MESSAGE" on stderr; returns CLI_TROUBLE. */
int cli_error(const char *fmt, ...) XM_PRINTF(1, 2);
/* Parses a whole decimal number in [min, max]; returns 0, or -1 when it is not one. */
int cli_parse_long(const char *s, long min, long max, long *out);
/* Parses "lines" or "funcs". */
int cli_parse_by(const char *s, enum snap_by *by);
/* Parses a time: RFC 3339 ("2026-11-28T15:03:01Z", fractions and offsets allowed) or unix
 * seconds. Returns 0 and seconds since the epoch, or -1. */
int cli_parse_time(const char *s, double *out);
/* Shortens a path for a terminal table: the last n elements. Returns a pointer into path. */
const char *cli_short_path(const char *path, int n);

int cmd_top(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_slope(int argc, char **argv);

#endif
