/* readahead.c: a file read a few chunks ahead on its own thread (a ring of RA_SLOTS buffers). */
#include "lib/readahead.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xmalloc.h"

enum { RA_SLOTS = 4, RA_CHUNK = 1 << 20 };

struct ra {
	int fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *buf[RA_SLOTS];
	size_t len[RA_SLOTS];
	unsigned head, tail; /* slots [tail, head) are filled; head's last one may be the end */
	int eof, err;        /* the reader reached the end, or failed with errno err */
	int stop;            /* the consumer gave up: the reader ends */
	int rwait, cwait;    /* the reader or the consumer is waiting: only then is it woken */
};

/* Fills buf with up to RA_CHUNK bytes: less only at end of file. Returns the count or -errno. */
static long fill(int fd, char *buf)
{
	size_t got = 0;

	while (got < RA_CHUNK) {
		ssize_t n = read(fd, buf + got, RA_CHUNK - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

static void *reader(void *arg)
{
	struct ra *r = arg;

	for (;;) {
		unsigned slot;
		long n;

		pthread_mutex_lock(&r->mu);
		while (r->head - r->tail == RA_SLOTS && !r->stop) {
			r->rwait = 1;
			pthread_cond_wait(&r->cv, &r->mu);
			r->rwait = 0;
		}
		slot = r->head % RA_SLOTS;
		if (r->stop) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		pthread_mutex_unlock(&r->mu);
		n = fill(r->fd, r->buf[slot]);
		pthread_mutex_lock(&r->mu);
		if (n < 0)
			r->err = (int)-n;
		else if (n > 0)
			r->len[slot] = (size_t)n, r->head++;
		if (n <= 0 || (size_t)n < RA_CHUNK)
			r->eof = 1;
		if (r->cwait)
			pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (r->eof || r->err)
			return NULL;
	}
}

/* The consumer's side: each filled slot in turn to fn, until the end, an error, or fn stops. */
static int consume(struct ra *r, const char *name, readahead_fn fn, void *ctx, struct err *e)
{
	for (;;) {
		unsigned slot;
		int rc;

		pthread_mutex_lock(&r->mu);
		while (r->head == r->tail && !r->eof && !r->err) {
			r->cwait = 1;
			pthread_cond_wait(&r->cv, &r->mu);
			r->cwait = 0;
		}
		if (r->head == r->tail) {
			int err = r->err;

			pthread_mutex_unlock(&r->mu);
			return err ? err_set(e, "%s: %s", name, strerror(err)) : 0;
		}
		slot = r->tail % RA_SLOTS;
		pthread_mutex_unlock(&r->mu);
		rc = fn(ctx, r->buf[slot], r->len[slot], e);
		pthread_mutex_lock(&r->mu);
		r->tail++;
		if (r->rwait)
			pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (rc < 0)
			return -1;
	}
}

int readahead_each(int fd, const char *name, readahead_fn fn, void *ctx, struct err *e)
{
	struct ra r;
	pthread_t th;
	int i, rc;

	memset(&r, 0, sizeof(r));
	r.fd = fd;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	for (i = 0; i < RA_SLOTS; i++)
		r.buf[i] = xmalloc(RA_CHUNK);
	if (pthread_create(&th, NULL, reader, &r) != 0) {
		rc = err_set(e, "%s: cannot start a reading thread", name);
		goto out;
	}
	rc = consume(&r, name, fn, ctx, e);
	pthread_mutex_lock(&r.mu);
	r.stop = 1;
	pthread_cond_broadcast(&r.cv);
	pthread_mutex_unlock(&r.mu);
	pthread_join(th, NULL);
out:
	for (i = 0; i < RA_SLOTS; i++)
		free(r.buf[i]);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	return rc;
}
