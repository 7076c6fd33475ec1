/* slope.h: what the files of `leakscope slope` share: its options, the report, sampling. */
#ifndef CLI_SLOPE_H
#define CLI_SLOPE_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/slope.h"
#include "fetch/prom.h"

/* The most --rule options one run takes. */
#define CLI_SLOPE_MAX_RULES 16

/* The parsed command line. The rules are owned (slope_rule_free); strings are borrowed from argv. */
struct cli_slope_opts {
	const char *url, *query, *file, *save;
	int64_t window, range, at, interval, leak_start;
	int have_at, have_leak_start, json, ascii, tune, left_open, fail_on_empty;
	int have_window, have_range;
	/* sampling SOURCE itself */
	const char *source;
	int64_t every;
	int have_every;
	long count; /* 0: until interrupted */
	int metrics, pprof; /* --metrics, --pprof: the count's source chosen, not probed */
	/* what sampling used, for the report: the count's source, the effective interval and why */
	const char *count_source;
	int64_t sampled_every;
	char cost_reason[160];
	double limit;
	int have_limit;
	struct slope_rule *rules[CLI_SLOPE_MAX_RULES];
	size_t nrules;
};

/* Everything after the samples are in r: the rows, then text or JSON on stdout. The same for
 * Prometheus, a saved answer and sampling. Returns CLI_OK, or CLI_TROUBLE after one stderr line. */
int cli_slope_report(const struct prom_result *r, const struct cli_slope_opts *o, int64_t at);
/* Samples o->source every o->every until o->count samples or an interrupt, then reports them
 * (and saves them with --save). Fills in o's range, window and time when not given. Returns a
 * CLI_ exit status. */
int cli_slope_sample(struct cli_slope_opts *o);

#endif
