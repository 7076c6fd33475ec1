/* jobs.h: the console's network work on libcurl's multi interface: snapshots streamed into the
 * parser and goroutine-total samples, none of them blocking the keyboard. */
#ifndef TUI_JOBS_H
#define TUI_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "analyze/snapshot.h"
#include "fetch/http.h"
#include "fetch/prom.h"
#include "fetch/source.h"
#include "fetch/store.h"

/* A query is a Prometheus answer asked for the playbook (target -1); an open resolves a target
 * (a pod's kubeconfig, credentials and port) on a worker thread (target -1). */
enum jobs_kind { JOBS_SNAPSHOT, JOBS_SAMPLE, JOBS_QUERY, JOBS_OPEN };

/* What a finished transfer hands back. snap is the caller's (snap_free) when not NULL. */
struct jobs_done {
	enum jobs_kind kind;
	int target, debug;
	int ok, cancelled;
	struct snapshot *snap; /* JOBS_SNAPSHOT */
	struct fs_out *store;  /* the bytes, written as they came: the caller's (fs_out_commit or
				     fs_out_abort) when not NULL; NULL after a failure */
	long total;            /* goroutines: the snapshot's total, the sampled debug=1 header or
				  /metrics' go_goroutines */
	int metrics;           /* a JOBS_SAMPLE of /metrics (jobs_start_metrics) */
	double started, finished; /* unix seconds */
	uint64_t bytes;
	long status;              /* the HTTP status, 0 when none came */
	struct prom_result *prom; /* a Prometheus sample (jobs_start_prom): the parsed answer, the
				     caller's (prom_result_done, free) when not NULL */
	struct source *src;       /* JOBS_OPEN: the opened source, the caller's (source_close, free) when
			       not NULL */
	char arg[300];            /* JOBS_OPEN: the reference as given */
	char msg[512]; /* the error, when !ok */
};

struct jobs;
struct curl_waitfd;
typedef void (*jobs_cb)(void *ctx, struct jobs_done *d);

struct jobs *jobs_new(void);
/* Cancels what is in flight (without callbacks); jobs_free(NULL) does nothing. */
void jobs_free(struct jobs *j);
/* Starts a GET of url (copied) with o (borrowed until the job ends) for target. A sample reads
 * only the first line of a debug=1 profile; a snapshot streams the whole body into the parser
 * (named source) and into tee when not NULL (the job takes ownership: it is handed back in
 * jobs_done.store, or aborted when the transfer fails). Returns 0, or -1 with e (tee aborted). */
int jobs_start(struct jobs *j, enum jobs_kind kind, int target, int debug, const char *url, const char *source,
	       const struct http_opts *o, struct fs_out *tee, struct err *e);
/* Starts a JOBS_SAMPLE of target whose series comes from Prometheus: a GET of url (a query URL,
 * copied) with o (borrowed until the job ends), the whole answer kept in memory and parsed with
 * prom_parse when it ends (jobs_done.prom). Returns 0, or -1 with e. */
int jobs_start_prom(struct jobs *j, int target, const char *url, const struct http_opts *o, struct err *e);
/* Starts a JOBS_SAMPLE of target from url (a /metrics page, copied) with o (borrowed until the
 * job ends): the body kept up to 16 MiB and read for go_goroutines when it ends. 0, or -1 with e. */
int jobs_start_metrics(struct jobs *j, int target, const char *url, const struct http_opts *o, struct err *e);
/* Starts a JOBS_QUERY, as jobs_start_prom but for no target (-1): a playbook step's query. */
int jobs_start_query(struct jobs *j, const char *url, const struct http_opts *o, struct err *e);
/* Starts a JOBS_OPEN of arg (a URL or pod/NAME) with a copy of o: source_open on a worker thread,
 * so that an API server that never answers holds no key. Returns 0, or -1 with e. */
int jobs_start_open(struct jobs *j, const char *arg, const struct source_opts *o, struct err *e);
/* Jobs of kind in flight (of target, or of any when target < 0). */
int jobs_busy(const struct jobs *j, enum jobs_kind kind, int target);
/* Cancels the jobs of kind; each is reported once as cancelled through the next jobs_run. */
int jobs_cancel(struct jobs *j, enum jobs_kind kind);
/* Waits up to timeout_ms for network activity or for one of extra (revents filled), then drives
 * the transfers and calls cb for each one that ended. Returns 0, or -1 with e. */
int jobs_run(struct jobs *j, struct curl_waitfd *extra, unsigned nextra, int timeout_ms, jobs_cb cb, void *ctx,
	     struct err *e);
/* Progress of the first snapshot in flight: "127.0.0.1:8080 debug=2: 1.2 MB, 0.4 s"; "" if none. */
char *jobs_progress(const struct jobs *j, double now, char *out, size_t n);

#endif
