/* cli.h: what the subcommands share: loading a SOURCE, option values, errors on stderr. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include "lib/err.h"
#include "analyze/snapshot.h"

#define CLI_OK 0
#define CLI_GATE 1    /* a gate tripped (growth or budget over the limit) */
#define CLI_TROUBLE 2 /* usage, unreadable input, fetch failure */
#define CLI_INTERRUPTED 130 /* Ctrl-C (SIGINT) or SIGTERM, as a shell reports 128 + SIGINT */

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Loads a snapshot from SOURCE: a path, "-" for standard input, an http(s) URL or pod/NAME, with the
 * SOURCE options seen so far (cli_source_option). Prints a note on stderr when the source fell
 * back (e.g. from goroutineleak). Returns NULL with e filled. */
struct snapshot *cli_load(const char *source, enum snap_by by, struct err *e);
/* Loads n SOURCEs at once, one thread per core, into out[0..n). Returns 0, or -1 with the first
 * failing source's message in e and every out[i] NULL. */
int cli_load_all(char *const *sources, int n, enum snap_by by, struct snapshot **out, struct err *e);

/* The options every command that takes a SOURCE shares, for its getopt_long table and its
 * optstring (CLI_SOURCE_SHORT): -n, --context, --kubeconfig, --port, --kube-proxy, --cacert,
 * --insecure, --token-file, --leak-profile, --debug, --max-bytes, --timeout, --via. */
enum {
	CLI_OPT_CONTEXT = 0x1100,
	CLI_OPT_KUBECONFIG,
	CLI_OPT_PORT,
	CLI_OPT_KUBE_PROXY,
	CLI_OPT_CACERT,
	CLI_OPT_INSECURE,
	CLI_OPT_TOKEN_FILE,
	CLI_OPT_LEAK_PROFILE,
	CLI_OPT_DEBUG,
	CLI_OPT_MAX_BYTES,
	CLI_OPT_TIMEOUT,
	CLI_OPT_METRICS_PORT,
	CLI_OPT_METRICS_PATH,
	CLI_OPT_MAX_TARGET_CPU,
	CLI_OPT_VIA,
};
#define CLI_SOURCE_SHORT "n:"
#define CLI_SOURCE_OPTIONS                                                                                            \
	{"namespace", required_argument, NULL, 'n'}, {"context", required_argument, NULL, CLI_OPT_CONTEXT},           \
		{"kubeconfig", required_argument, NULL, CLI_OPT_KUBECONFIG},                                          \
		{"port", required_argument, NULL, CLI_OPT_PORT},                                                      \
		{"kube-proxy", required_argument, NULL, CLI_OPT_KUBE_PROXY},                                          \
		{"cacert", required_argument, NULL, CLI_OPT_CACERT},                                                  \
		{"insecure", no_argument, NULL, CLI_OPT_INSECURE},                                                    \
		{"token-file", required_argument, NULL, CLI_OPT_TOKEN_FILE},                                          \
		{"leak-profile", no_argument, NULL, CLI_OPT_LEAK_PROFILE},                                            \
		{"debug", required_argument, NULL, CLI_OPT_DEBUG},                                                    \
		{"max-bytes", required_argument, NULL, CLI_OPT_MAX_BYTES},                                            \
		{"timeout", required_argument, NULL, CLI_OPT_TIMEOUT}, {"via", required_argument, NULL, CLI_OPT_VIA}, \
		{"metrics-port", required_argument, NULL, CLI_OPT_METRICS_PORT},                                      \
		{"metrics-path", required_argument, NULL, CLI_OPT_METRICS_PATH},                                      \
	{                                                                                                             \
		"max-target-cpu", required_argument, NULL, CLI_OPT_MAX_TARGET_CPU                                     \
	}
/* The --help lines for them. */
extern const char cli_source_help[];

struct source_opts;
/* Takes getopt_long's c and optarg when c is a SOURCE option: returns 1 when it was one, 0 when it
 * is not, or CLI_TROUBLE's negation (-2) after printing a usage error for a bad value. */
int cli_source_option(const char *cmd, int c, const char *arg);
/* The SOURCE options gathered so far (process-wide; commands may adjust them). */
struct source_opts *cli_source_opts(void);
/* Parses a byte count with an optional k, M or G (binary) suffix. */
int cli_parse_bytes(const char *s, unsigned long long *out);

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
int cmd_snapshot(int argc, char **argv);
int cmd_pods(int argc, char **argv);
int cmd_diff(int argc, char **argv);
/* The console (tui/); `leakscope` alone on a terminal runs it with no arguments. */
int cmd_tui(int argc, char **argv);
int cmd_slope(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_budget(int argc, char **argv);

int cmd_classify(int argc, char **argv);
int cmd_known(int argc, char **argv);
int cmd_playbook(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* The server for Alertmanager's webhook (cli/respond*.c). */
int cmd_respond(int argc, char **argv);

struct json;
struct diff_row;
/* Writes the "pattern" (leak pattern and verdict, or null) and "known" (the newest known-leak
 * record of g's fingerprint in the default database, or null) fields of g into the object being
 * written; row gives the growth when g comes from a diff, NULL for one snapshot. */
void cli_group_extra_json(struct json *j, const struct snap_group *g, const struct diff_row *row);

#endif
