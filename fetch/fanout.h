/* fanout.h: the goroutine total of many pods at once, over libcurl's multi interface, with
 * bounded parallelism and a timeout per pod. */
#ifndef FETCH_FANOUT_H
#define FETCH_FANOUT_H

#include <stddef.h>

#include "lib/err.h"
#include "fetch/http.h"

struct fan_opts {
	const struct http_opts *http; /* TLS and credentials shared by every transfer (borrowed) */
	int parallel;                 /* transfers at once; 0: 16 */
	long timeout_ms;              /* per transfer; 0: 10 s */
	int metrics;                  /* the URLs are /metrics pages: read go_goroutines, not a debug=1 header */
	/* called after each transfer ends (may be NULL) */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *ctx;
	const struct http_opts *const *each; /* when not NULL, urls[i]'s own in place of http (port-forward) */
};

struct fan_result {
	long goroutines; /* -1 when the fetch failed */
	long fetch_ms;
	long status;     /* HTTP status, 0 when none came */
	char error[256]; /* "" when it worked */
	int refused;     /* an answer came, but its count is none (go_goroutines +Inf): no retry helps */
};

/* Fetches every urls[i] into res[i] (caller-owned, n entries). A pod that fails has its error in
 * res[i].error; the call itself fails (-1, e) only when the transfers cannot be started. */
int fan_totals(const char *const *urls, size_t n, const struct fan_opts *o, struct fan_result *res,
	       struct err *e);

#endif
