/* podlist.h: the console's pod discovery: the Running pods of a namespace listed, and a source
 * opened for each new one, on a worker thread that hands its result to the loop through a pipe
 * (the kubeconfig, an exec credential plugin and the API server may each take seconds). */
#ifndef TUI_PODLIST_H
#define TUI_PODLIST_H

#include <stddef.h>

#include "lib/err.h"
#include "fetch/source.h"

struct podlist_pod {
	char *name, *phase;
	long port;         /* first containerPort (or --port), 0 when none */
	int opened;        /* src is open (a pod the caller did not know yet) */
	struct source src; /* taken by the caller (set opened to 0) or closed by podlist_result_free */
	char err[256];     /* why src could not be opened, or "" */
};

/* One listing. Everything is owned by it (podlist_result_free). */
struct podlist_result {
	unsigned gen;        /* the podlist_start call it answers */
	int ok;              /* the list came; else msg says why */
	char msg[512];
	char *context, *ns;  /* as resolved from the kubeconfig and -n */
	struct podlist_pod *pods;
	size_t npods;
};

struct podlist;

/* The strings of a source_opts (ns, context, kubeconfig, kube_proxy, cacert, token_file,
 * metrics_path), for a worker thread's private copy. */
#define PODLIST_OPT_STRS 7
/* Points o's strings at owned copies in strs[PODLIST_OPT_STRS] (podlist_opts_free frees them). */
void podlist_opts_copy(struct source_opts *o, char **strs);
void podlist_opts_free(char **strs);

/* A lister for the pods of o->ns (NULL: the context's namespace) matching selector (NULL: all);
 * o's strings and selector are copied. */
struct podlist *podlist_new(const struct source_opts *o, const char *selector);
/* Stops caring about a listing in flight (its thread frees what it made); podlist_free(NULL)
 * does nothing. */
void podlist_free(struct podlist *p);
/* Changes the namespace of the next listings (NULL: the context's). */
void podlist_set_ns(struct podlist *p, const char *ns);
/* Starts a listing on a worker thread unless one is in flight; the pods named in known[0..nknown)
 * (copied) get no source. Returns 1 started, 0 already running, -1 with e. */
int podlist_start(struct podlist *p, const char *const *known, size_t nknown, struct err *e);
/* Whether a listing is in flight. */
int podlist_busy(struct podlist *p);
/* A descriptor that becomes readable when a result is ready (for poll). */
int podlist_fd(const struct podlist *p);
/* The finished listing, or NULL (never blocks). The caller owns it. */
struct podlist_result *podlist_take(struct podlist *p);
/* podlist_result_free(NULL) does nothing. */
void podlist_result_free(struct podlist_result *r);

#endif
