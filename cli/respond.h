/* respond.h: what the files of `leakscope respond` share: the server's settings, one alert as a
 * job, the work queue, and the notify hook. Internal to cli/respond*.c. */
#ifndef CLI_RESPOND_H
#define CLI_RESPOND_H

#include <pthread.h>
#include <stdint.h>

#include "lib/err.h"
#include "playbooks/playbook.h"

struct source_opts;

/* Request bodies larger than this are refused (413). */
#define RSP_MAX_BODY (1 << 20)
/* Alerts waiting for a worker beyond this are refused (503: Alertmanager sends them again). */
#define RSP_QUEUE_MAX 256
/* The most labels an alert keeps. */
#define RSP_MAX_LABELS 32

struct rsp_config {
	const char *listen;           /* ADDR as given */
	const char *incidents;        /* DIR */
	const char *source;           /* TEMPLATE of the target */
	const char *ns;               /* TEMPLATE of the pod's namespace (NULL: -n, else {{namespace}}) */
	const char *prometheus;       /* --prometheus URL or NULL */
	const char *query;            /* TEMPLATE of the slope's series selector */
	const char *notify;           /* --notify URL or NULL */
	const char *external;         /* the base of links in notifications */
	const struct pb_playbook *pb; /* the playbook run for each alert */
	const char *db;               /* --db */
	char *token;                  /* --auth-token-file's token (secret) or NULL */
	long max_concurrent;
	long wait_seconds;              /* 0: the playbook's */
	long stw_guard;                 /* above this many goroutines the second snapshot stays debug=1 */
	const struct source_opts *opts; /* the SOURCE options (borrowed) */
};

/* One firing alert, from intake to report. */
struct rsp_job {
	char id[96]; /* the incident: STARTSAT-FINGERPRINT */
	char *dir;   /* incidents/ID */
	char *alertname, *fingerprint, *starts_at, *summary;
	char *target;                         /* the SOURCE */
	char *ns;                             /* for pod targets: the namespace */
	char *query;                          /* the slope's series selector, or NULL */
	struct source_opts *opts;             /* the SOURCE options with the pod's namespace (owned) */
	char *profile;                        /* the link to the target's profile, or NULL */
	char *labels[2 * RSP_MAX_LABELS + 1]; /* name, value, ..., NULL */
	int64_t received_ms;
	enum { RSP_QUEUED, RSP_RUNNING, RSP_DONE, RSP_FAILED, RSP_STOPPED } state;
	int resolved; /* a resolved notification came while the job was not done */
	char *resolved_at;
	void *run; /* the engine's run (struct pb_run), owned by the job until done */
	int resolved_journalled;
	long count;               /* the count check's goroutines, -1 unknown */
	double count_cost;        /* what it took, seconds */
	int noted;                /* the alert's note is in */
	char *pending_q;          /* the slope query the engine handed over */
	struct rsp_job *all_next; /* every job of this process */
	struct rsp_job *next;
};

/* ---- respond_alert.c: the webhook payload ---- */

/* Takes the body of one POST /alertmanager: opens an incident per new firing alert, journals
 * resolved ones. Returns the HTTP status to answer (200; 400 with e for a malformed payload;
 * 503 when the queue was full for some alert). */
int rsp_alerts_take(const char *body, size_t len, struct err *e);
/* {{label}} in tmpl replaced by the labels' values (NULL on a missing label or a value that does
 * not fit a target, e naming it); quote: escape for a PromQL string. Caller frees. */
char *rsp_template(const char *tmpl, char *const *labels, int quote, struct err *e);
void rsp_job_free(struct rsp_job *j);

/* ---- respond_work.c: the queue and its workers ---- */

/* Starts the workers (cfg borrowed for the server's life). */
int rsp_work_start(const struct rsp_config *cfg, struct err *e);
/* With the lock held: whether the queue has room for one more job. */
int rsp_work_room(void);
/* With the lock held: queues j (taking it) and wakes a worker. */
void rsp_work_push(struct rsp_job *j);
/* With the lock held: the job of incident id (this process's), or NULL. */
struct rsp_job *rsp_work_find(const char *id);
void rsp_work_lock(void);
void rsp_work_unlock(void);
/* The engine's hooks (struct pb_host; ctx is the job): a snapshot that stays debug=1 above the
 * stop-the-world guard, and the slope query narrowed to the alert's series. */
int rsp_work_fetch(void *ctx, const char *source, int debug, const char *dest, struct err *e);
int rsp_work_query(void *ctx, const char *prometheus, const char *q, int64_t time_ms, struct err *e);
/* Asks every worker to stop at its next step, journals the runs in flight and the queued ones as
 * stopped, and joins the workers. */
void rsp_work_stop(void);
/* The state's name, for GET /incidents. */
const char *rsp_state_name(int state);
/* The settings (set by rsp_work_start). */
const struct rsp_config *rsp_cfg(void);

/* ---- respond_notify.c ---- */

/* POSTs {"text": ...} with the run's root-cause stack, pattern, known-leak match and the report's
 * link to --notify. Failures are logged, not fatal. */
void rsp_notify(const struct rsp_job *j, void *run);

/* ---- respond_http.c: the server ---- */

struct rsp_server;
/* Listens on cfg->listen (borrowed). NULL with e. */
struct rsp_server *rsp_server_start(const struct rsp_config *cfg, struct err *e);
/* The address it listens on ("127.0.0.1:PORT"). */
const char *rsp_server_addr(const struct rsp_server *s);
/* Stops accepting, lets requests in progress finish. rsp_server_stop(NULL) does nothing. */
void rsp_server_stop(struct rsp_server *s);

/* One line on stderr, "leakscope respond: ...", sanitised. */
void rsp_log(const char *fmt, ...) XM_PRINTF(1, 2);

#endif
