/* podlist.c: pod discovery on a worker thread: kubeconfig, the Running pods, a source per new pod;
 * the result is handed to the console's loop through a pipe. */
#include "tui/podlist.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xmalloc.h"
#include "fetch/kube.h"
#include "fetch/secret.h"

/* What one listing needs: a private copy, so that the thread touches nothing of the caller's. */
struct list_job {
	struct source_opts o;
	char *strs[PODLIST_OPT_STRS]; /* owned copies of o's strings */
	char *selector;
	char **known;
	size_t nknown;
	unsigned gen;
	struct podlist *p;
};

struct podlist {
	pthread_mutex_t mu;
	int fds[2];
	int running, abandoned;
	unsigned gen;
	struct podlist_result *ready;
	struct source_opts o;
	char *strs[PODLIST_OPT_STRS];
	char *selector;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void podlist_opts_copy(struct source_opts *o, char **strs)
{
	const char **fields[PODLIST_OPT_STRS] = {&o->ns,     &o->context,    &o->kubeconfig,  &o->kube_proxy,
						 &o->cacert, &o->token_file, &o->metrics_path};
	int i;

	for (i = 0; i < PODLIST_OPT_STRS; i++) {
		strs[i] = dup_or_null(*fields[i]);
		*fields[i] = strs[i];
	}
}

void podlist_opts_free(char **strs)
{
	int i;

	for (i = 0; i < PODLIST_OPT_STRS; i++)
		free(strs[i]);
}

struct podlist *podlist_new(const struct source_opts *o, const char *selector)
{
	struct podlist *p = xcalloc(1, sizeof(*p));

	if (pipe(p->fds) < 0)
		fatal("pipe: %s", strerror(errno));
	fcntl(p->fds[0], F_SETFL, O_NONBLOCK);
	fcntl(p->fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(p->fds[1], F_SETFD, FD_CLOEXEC);
	pthread_mutex_init(&p->mu, NULL);
	p->o = *o;
	podlist_opts_copy(&p->o, p->strs);
	p->selector = dup_or_null(selector);
	return p;
}

static void destroy(struct podlist *p)
{
	podlist_result_free(p->ready);
	close(p->fds[0]);
	close(p->fds[1]);
	pthread_mutex_destroy(&p->mu);
	podlist_opts_free(p->strs);
	free(p->selector);
	free(p);
}

void podlist_free(struct podlist *p)
{
	int running;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	running = p->running;
	p->abandoned = running;
	pthread_mutex_unlock(&p->mu);
	if (!running)
		destroy(p);
}

void podlist_set_ns(struct podlist *p, const char *ns)
{
	free(p->strs[0]);
	p->strs[0] = dup_or_null(ns && *ns ? ns : NULL);
	p->o.ns = p->strs[0];
}

void podlist_result_free(struct podlist_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->npods; i++) {
		free(r->pods[i].name);
		free(r->pods[i].phase);
		if (r->pods[i].opened)
			source_close(&r->pods[i].src);
	}
	free(r->pods);
	free(r->context);
	free(r->ns);
	free(r);
}

static int is_known(const struct list_job *j, const char *name)
{
	size_t i;

	for (i = 0; i < j->nknown; i++)
		if (strcmp(j->known[i], name) == 0)
			return 1;
	return 0;
}

/* The listing itself, as `leakscope pods` does it; blocking, on the worker thread. */
static void list(struct list_job *j, struct podlist_result *r)
{
	struct kube_config kc;
	struct http_opts h = {0};
	struct kube_pod *pods = NULL;
	size_t n = 0, i;
	struct err e;

	if (source_kube_open(&j->o, &kc, &h, &e) < 0) {
		snprintf(r->msg, sizeof(r->msg), "%s", e.msg);
		return;
	}
	r->context = xstrdup(kc.context ? kc.context : "");
	r->ns = xstrdup(j->o.ns ? j->o.ns : kc.ns ? kc.ns : "default");
	if (kube_list_pods(&kc, &h, r->ns, j->selector, &pods, &n, &e) < 0)
		goto fail;
	r->pods = xcalloc(n ? n : 1, sizeof(*r->pods));
	r->npods = n;
	for (i = 0; i < n; i++) {
		struct podlist_pod *pp = &r->pods[i];
		struct source_opts so = j->o;
		char ref[400];

		pp->name = xstrdup(pods[i].name);
		pp->phase = xstrdup(pods[i].phase ? pods[i].phase : "?");
		pp->port = j->o.port ? j->o.port : pods[i].port;
		if (is_known(j, pp->name))
			continue;
		if (!pp->port) {
			snprintf(pp->err, sizeof(pp->err), "the pod declares no containerPort: give --port");
			continue;
		}
		/* the port is known: opening reads the kubeconfig but asks the API server nothing */
		snprintf(ref, sizeof(ref), "pod/%s:%ld", pp->name, pp->port);
		so.ns = r->ns;
		so.debug = 1;
		if (source_open(ref, &so, &pp->src, &e) < 0)
			snprintf(pp->err, sizeof(pp->err), "%s", e.msg);
		else
			pp->opened = 1;
	}
	r->ok = 1;
	kube_pods_free(pods, n);
	kube_config_done(&kc);
	return;
fail:
	snprintf(r->msg, sizeof(r->msg), "%s", e.msg);
	kube_config_done(&kc);
}

static void job_free(struct list_job *j)
{
	size_t i;

	podlist_opts_free(j->strs);
	free(j->selector);
	for (i = 0; i < j->nknown; i++)
		free(j->known[i]);
	free(j->known);
	free(j);
}

static void *worker(void *arg)
{
	struct list_job *j = arg;
	struct podlist *p = j->p;
	struct podlist_result *r = xcalloc(1, sizeof(*r));
	int abandoned;

	r->gen = j->gen;
	list(j, r);
	job_free(j);
	pthread_mutex_lock(&p->mu);
	abandoned = p->abandoned;
	p->running = 0;
	if (!abandoned) {
		podlist_result_free(p->ready);
		p->ready = r;
		r = NULL;
		if (write(p->fds[1], "x", 1) < 0) {
			/* the pipe is full of earlier wake-ups: the loop wakes anyway */
		}
	}
	pthread_mutex_unlock(&p->mu);
	if (abandoned) {
		podlist_result_free(r);
		destroy(p);
	}
	return NULL;
}

int podlist_start(struct podlist *p, const char *const *known, size_t nknown, struct err *e)
{
	struct list_job *j;
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	size_t i;
	int rc;

	pthread_mutex_lock(&p->mu);
	if (p->running) {
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	p->running = 1;
	pthread_mutex_unlock(&p->mu);
	j = xcalloc(1, sizeof(*j));
	j->o = p->o;
	podlist_opts_copy(&j->o, j->strs);
	j->selector = dup_or_null(p->selector);
	j->known = xcalloc(nknown ? nknown : 1, sizeof(*j->known));
	for (i = 0; i < nknown; i++)
		j->known[i] = xstrdup(known[i]);
	j->nknown = nknown;
	j->gen = ++p->gen;
	j->p = p;
	/* signals stay with the loop's thread: the worker starts with all of them blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &attr, worker, j);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_lock(&p->mu);
		p->running = 0;
		pthread_mutex_unlock(&p->mu);
		job_free(j);
		return err_set(e, "pthread_create: %s", strerror(rc));
	}
	return 1;
}

int podlist_busy(struct podlist *p)
{
	int running;

	pthread_mutex_lock(&p->mu);
	running = p->running;
	pthread_mutex_unlock(&p->mu);
	return running;
}

int podlist_fd(const struct podlist *p)
{
	return p->fds[0];
}

struct podlist_result *podlist_take(struct podlist *p)
{
	struct podlist_result *r;
	char buf[64];

	pthread_mutex_lock(&p->mu);
	while (read(p->fds[0], buf, sizeof(buf)) > 0)
		;
	r = p->ready;
	p->ready = NULL;
	pthread_mutex_unlock(&p->mu);
	return r;
}
