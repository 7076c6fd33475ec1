/* prom.h: Prometheus' HTTP query API: instant queries, their JSON answers as our own structs, and
 * saved answers on disk. */
#ifndef FETCH_PROM_H
#define FETCH_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "analyze/slope.h"
#include "fetch/http.h"

struct prom_label {
	char *name, *value;
};

/* One series: its label set and its float samples, oldest first. */
struct prom_series {
	struct prom_label *labels;
	size_t nlabels;
	struct slope_sample *samples;
	size_t nsamples;
};

enum prom_type { PROM_VECTOR, PROM_MATRIX, PROM_SCALAR };

/* A parsed answer. It owns everything it points to; prom_result_done frees it. A scalar comes as
 * one series without labels. */
struct prom_result {
	enum prom_type type;
	struct prom_series *series;
	size_t nseries;
	char **warnings;
	size_t nwarnings;
};

void prom_result_init(struct prom_result *r);
void prom_result_done(struct prom_result *r);

/* Parses a /api/v1/query or /api/v1/query_range answer (len bytes of body) into r (initialised
 * here). A {"status":"error"} answer becomes "prometheus: ERRORTYPE: ERROR". Returns 0 or -1 with e
 * filled (r then holds nothing). Histogram samples are skipped. */
int prom_parse(const char *body, size_t len, struct prom_result *r, struct err *e);

/* Runs the instant query q at time_ms (ms since the epoch) against the Prometheus at base
 * ("http://host:9090", a path prefix allowed) and parses the answer into r. When body is not NULL
 * it gets the raw answer (the caller frees it), e.g. for prom_save. Returns 0 or -1 with e. */
int prom_query(const char *base, const char *q, int64_t time_ms, const struct http_opts *o, struct prom_result *r,
	       char **body, size_t *len, struct err *e);

/* The URL of the instant query q at time_ms against base (as prom_query asks it). Caller frees. */
char *prom_query_url(const char *base, const char *q, int64_t time_ms);
/* Turns a failed query's message in e (which holds the start of the error body) into
 * "prometheus: ERRORTYPE: ERROR" when Prometheus said why; leaves it alone otherwise. */
void prom_explain(long status, struct err *e);

/* Checks that q is one series selector (`name{label="v",...}`), as the query that adds a range to
 * it needs: 0, or -1 with e saying what is wrong where, before Prometheus blames the range. */
int prom_selector_check(const char *q, struct err *e);

/* The selector for one target: query (NULL: go_goroutines{pod="$target"} for a pod, else
 * go_goroutines{instance=~"$target"}) with every $target and {{pod}} replaced by target, the
 * pod's name or the URL's host:port. Caller frees. */
char *prom_target_selector(const char *query, const char *target, int pod);

/* Reads a saved answer from path and parses it into r. Returns 0 or -1 with e. */
int prom_load(const char *path, struct prom_result *r, struct err *e);

/* Writes body to path atomically: a temporary file in the same directory, mode 0600, fsync'd,
 * then renamed over path. Returns 0 or -1 with e. */
int prom_save(const char *path, const char *body, size_t len, struct err *e);

/* The label value of name in s (borrowed), or NULL. */
const char *prom_label_get(const struct prom_series *s, const char *name);
/* Formats s's labels as PromQL does: name{a="b",c="d"}. Returns buf. */
char *prom_series_name(const struct prom_series *s, char *buf, size_t n);

#endif
