/* capture.c: the snapshot action: a profile copied, fetched or handed to the host, then journalled. */
#define PB_RUN_INTERNAL
#include "playbooks/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/parse.h"
#include "fetch/http.h"
#include "fetch/source.h"
#include "playbooks/journal.h"
#include "playbooks/util.h"

static int copy_file(const char *from, const char *to, struct err *e)
{
	char *data;
	size_t len;
	int rc;

	if (fs_read_file(from, (size_t)1 << 30, FS_REGULAR, &data, &len, e) < 0)
		return -1;
	rc = fs_write_file(to, data, len, NULL, 0600, e);
	free(data);
	return rc;
}

/* Fetches src into dest through fetch/source; with r, a pod's context and namespace are kept in
 * it for the snapshot's journal event. */
static int capture_fetch(struct pb_run *r, const struct source_opts *opts, const char *src, int debug, const char *dest,
			 struct err *e)
{
	struct source_opts o;
	struct source so;
	struct fs_out *out;
	int rc;

	if (opts)
		o = *opts;
	else
		source_opts_init(&o);
	o.debug = debug;
	http_global_init();
	if (source_open(src, &o, &so, e) < 0)
		return -1;
	if (r && so.kind == SOURCE_POD) {
		snprintf(r->place_context, sizeof(r->place_context), "%s", so.context);
		snprintf(r->place_ns, sizeof(r->place_ns), "%s", so.ns);
	}
	source_set_debug(&so, debug);
	out = fs_out_open(dest, 0600, e);
	if (!out) {
		rc = -1;
	} else if (source_fetch(&so, fs_out_sink, out, e) < 0) {
		fs_out_abort(out);
		rc = -1;
	} else {
		rc = fs_out_commit(out, NULL, e);
	}
	source_close(&so);
	return rc;
}

int pb_capture_fetch(const struct source_opts *opts, const char *src, int debug, const char *dest, struct err *e)
{
	return capture_fetch(NULL, opts, src, debug, dest, e);
}

/* A readable file is copied; anything else goes to the host's fetch hook when it has one, else
 * through fetch/source here. */
static int fetch_profile(struct pb_run *r, const char *src, int debug, const char *dest, struct err *e)
{
	if (!source_is_remote(src) && access(src, R_OK) == 0)
		return copy_file(src, dest, e);
	if (r->host.fetch)
		return r->host.fetch(r->host.fetch_ctx, src, debug, dest, e);
	if (source_is_remote(src))
		return capture_fetch(r, r->host.source_opts, src, debug, dest, e);
	return err_set(e,
		       "cannot take a snapshot of '%s': not an http(s) URL, pod/NAME, unix:/PATH, pid/N nor a "
		       "readable file",
		       src);
}

/* The pod a capture went to, and its context and namespace when the capture found them out. */
static void add_place(struct pb_run *r, const char *src, cJSON *d)
{
	char pod[256];

	if (source_target_name(src, pod, sizeof(pod)) == SOURCE_TARGET_POD)
		cJSON_AddStringToObject(d, "pod", pod);
	if (r->place_context[0])
		cJSON_AddStringToObject(d, "context", r->place_context);
	if (r->place_ns[0])
		cJSON_AddStringToObject(d, "namespace", r->place_ns);
	r->place_context[0] = r->place_ns[0] = '\0';
}

/* Parses the profile now at dir/file and journals it as the snapshot step's result. */
static int snapshot_taken(struct pb_run *r, const char *src, const char *file, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	char *dest = xasprintf("%s/%s", r->dir, file), *red, sum[512];
	struct snapshot *snap;
	cJSON *d;
	struct err fe;
	int64_t t;

	t = ts_now_ms();
	chmod(dest, 0600);
	snap = parse_path(dest, SNAP_BY_LINES, &fe);
	free(dest);
	if (!snap)
		return pb_run_failed(r, fe.msg, e);
	red = pb_run_redact(src);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "file", file);
	cJSON_AddStringToObject(d, "source", red);
	cJSON_AddNumberToObject(d, "debug", s->debug);
	cJSON_AddStringToObject(d, "format", snap_format_name(snap->format));
	cJSON_AddNumberToObject(d, "total", (double)snap->total);
	cJSON_AddNumberToObject(d, "groups", (double)snap->ngroups);
	cJSON_AddNumberToObject(d, "time_ms", (double)t);
	add_place(r, src, d);
	snprintf(sum, sizeof(sum), "%ld goroutines in %zu groups (%s), saved as %s", snap->total, snap->ngroups,
		 snap_format_name(snap->format), file);
	free(red);
	snap_free(snap);
	return pb_run_record(r, 1, sum, d, e);
}

static void pending_clear(struct pb_run *r)
{
	free(r->pending_file);
	free(r->pending_dest);
	free(r->pending_src);
	r->pending_file = r->pending_dest = r->pending_src = NULL;
}

int pb_run_capture(struct pb_run *r, const char *override, struct err *e)
{
	const struct pb_step *s = pb_run_step(r);
	const char *src = override ? override : pb_run_source(r);
	char *file, *dest;
	struct err fe;
	int rc;

	if (!src)
		return pb_run_failed(r, "not available: no --source to take a snapshot of", e);
	pending_clear(r);
	file = xasprintf("snap-%s.%s", s->id, s->debug == 0 ? "pb.gz" : "txt");
	dest = xasprintf("%s/%s", r->dir, file);
	rc = fetch_profile(r, src, s->debug, dest, &fe);
	if (rc == PB_PENDING) {
		r->pending_file = file;
		r->pending_dest = dest;
		r->pending_src = xstrdup(src);
		return PB_PENDING;
	}
	free(dest);
	if (rc < 0) {
		free(file);
		return pb_run_failed(r, fe.msg, e);
	}
	rc = snapshot_taken(r, src, file, e);
	free(file);
	return rc;
}

int pb_run_pending(const struct pb_run *r)
{
	return r->pending_file != NULL || r->pending_query;
}

const char *pb_run_pending_dest(const struct pb_run *r)
{
	return r->pending_dest;
}

int pb_run_fetched(struct pb_run *r, const char *failure, struct err *e)
{
	int rc;

	if (!r->pending_file || !pb_run_step(r))
		return err_set(e, "no capture is pending");
	if (failure)
		rc = pb_run_failed(r, failure, e);
	else
		rc = snapshot_taken(r, r->pending_src, r->pending_file, e);
	pending_clear(r);
	return rc;
}
