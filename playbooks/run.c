/* run.c: the playbook engine: incident directories, the journal as the run's memory, resuming,
 * and the actions (snapshot, diff, classify, known-leak lookup, slope, wait, note, report). */
#include "playbooks/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/diff.h"
#include "analyze/parse.h"
#include "analyze/slope.h"
#include "analyze/outlier.h"
#include "fetch/fanout.h"
#include "fetch/http.h"
#include "fetch/kube.h"
#include "fetch/prom.h"
#include "fetch/secret.h"
#include "fetch/source.h"
#include "playbooks/classify.h"
#include "playbooks/journal.h"
#include "playbooks/known.h"
#include "playbooks/report.h"
#include "playbooks/util.h"

/* Frames kept per group in results: enough to read the code path in a report. */
#define RUN_FRAMES 8
/* Points of the slope chart kept in a result. */
#define RUN_CHART_POINTS 60

struct pb_run {
	const struct pb_playbook *pb;
	struct pb_host host;
	char *dir;
	int fd;
	int resumed;
	int64_t opened;
	int cur;          /* current step index, -1 at the end */
	int cur_result;   /* the current step has its result */
	int cur_notes;
	char *cur_choice;
	cJSON *results;   /* step id -> {"ok","summary","data"} of its latest result */
	char *scratch;    /* pb_run_summary's answer */
	/* a capture the host's fetch hook is taking (PB_PENDING) */
	char *pending_file, *pending_dest, *pending_src;
};

/* ---- small helpers ---- */

static int append(struct pb_run *r, cJSON *ev, struct err *e)
{
	return pb_journal_append(r->fd, ev, e);
}

static cJSON *result_of(const struct pb_run *r, const char *step)
{
	return cJSON_GetObjectItemCaseSensitive(r->results, step);
}

static cJSON *data_of(const struct pb_run *r, const char *step)
{
	cJSON *res = result_of(r, step);

	return res ? cJSON_GetObjectItemCaseSensitive(res, "data") : NULL;
}

static const struct pb_step *cur_step(const struct pb_run *r)
{
	return r->cur >= 0 ? &r->pb->steps[r->cur] : NULL;
}

/* A URL without userinfo or query; anything else as it is. */
static char *redact(const char *s)
{
	char buf[2048];

	if (!s)
		return NULL;
	if (http_is_url(s))
		return xstrdup(http_redact(s, buf, sizeof(buf)));
	return xstrdup(s);
}

char *pb_scrub(const char *text)
{
	static const char *const keys[] = {"bearer ", "token=", "token:", "password=", "password:", "passwd=",
					   "secret=", "secret:", "apikey=", "api_key=", "authorization:", NULL};
	size_t n = strlen(text), i, o = 0;
	char *out = xmalloc(n * 2 + 16);

	for (i = 0; i < n;) {
		int k, hit = 0;

		for (k = 0; keys[k]; k++) {
			size_t kl = strlen(keys[k]);

			if (i + kl <= n && strncasecmp(text + i, keys[k], kl) == 0) {
				memcpy(out + o, text + i, kl);
				o += kl;
				i += kl;
				while (i < n && text[i] == ' ')
					out[o++] = text[i++];
				if (strcasecmp(keys[k], "authorization:") == 0 && i + 7 <= n &&
				    strncasecmp(text + i, "bearer ", 7) == 0) {
					memcpy(out + o, text + i, 7);
					o += 7;
					i += 7;
				}
				if (i < n && text[i] != ' ' && text[i] != '\n') {
					memcpy(out + o, "[redacted]", 10);
					o += 10;
					while (i < n && text[i] != ' ' && text[i] != '\n' && text[i] != '&' && text[i] != ',')
						i++;
				}
				hit = 1;
				break;
			}
		}
		if (hit)
			continue;
		/* scheme://user:pass@host -> scheme://[redacted]@host */
		if (i + 3 <= n && strncmp(text + i, "://", 3) == 0) {
			size_t j = i + 3;

			while (j < n && text[j] != '@' && text[j] != '/' && text[j] != ' ' && text[j] != '\n')
				j++;
			memcpy(out + o, "://", 3);
			o += 3;
			if (j < n && text[j] == '@') {
				memcpy(out + o, "[redacted]", 10);
				o += 10;
				i = j;
			} else {
				i += 3;
			}
			continue;
		}
		out[o++] = text[i++];
	}
	out[o] = '\0';
	return out;
}

/* ---- incidents ---- */

char *pb_incidents_root(void)
{
	return pb_xdg_path("XDG_STATE_HOME", ".local/state", "incidents");
}

/* Reads the journal's open event and whether a close follows. Returns the playbook id (caller
 * frees) or NULL. */
static char *journal_state(const char *dir, int *closed, char **opened)
{
	struct err e;
	cJSON *arr = pb_journal_read(dir, &e), *ev;
	char *id = NULL;

	*closed = 0;
	if (opened)
		*opened = NULL;
	if (!arr)
		return NULL;
	cJSON_ArrayForEach(ev, arr)
	{
		const char *type = pb_jstr(ev, "ev");

		if (strcmp(type, "open") == 0 && !id && pb_jstr(ev, "playbook")) {
			id = xstrdup(pb_jstr(ev, "playbook"));
			if (opened && pb_jstr(ev, "t"))
				*opened = xstrdup(pb_jstr(ev, "t"));
		} else if (strcmp(type, "close") == 0) {
			*closed = 1;
		}
	}
	cJSON_Delete(arr);
	return id;
}

char *pb_incident_find_open(const char *root, const char *id)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char *best = NULL, *best_t = NULL;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char *dir, *pid, *t;
		int closed;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", root, de->d_name);
		pid = journal_state(dir, &closed, &t);
		if (pid && !closed && strcmp(pid, id) == 0 && t && (!best_t || strcmp(t, best_t) > 0)) {
			free(best);
			free(best_t);
			best = dir;
			best_t = t;
			dir = NULL;
			t = NULL;
		}
		free(pid);
		free(t);
		free(dir);
	}
	closedir(d);
	free(best_t);
	return best;
}

/* Rebuilds the run's state from its journal. */
static int replay(struct pb_run *r, struct err *e)
{
	cJSON *arr = pb_journal_read(r->dir, e), *ev;
	int opened = 0;

	if (!arr)
		return -1;
	cJSON_ArrayForEach(ev, arr)
	{
		const char *type = pb_jstr(ev, "ev"), *step = pb_jstr(ev, "step");
		int idx = step ? pb_step_index(r->pb, step) : -1;

		if (strcmp(type, "open") == 0) {
			const char *id = pb_jstr(ev, "playbook"), *t = pb_jstr(ev, "t");

			if (!id || strcmp(id, r->pb->id) != 0) {
				cJSON_Delete(arr);
				return err_set(e, "%s: an incident of playbook '%s', not '%s'", r->dir, id ? id : "?",
					       r->pb->id);
			}
			r->opened = t ? pb_parse_utc(t) : pb_now_ms();
			opened = 1;
			r->cur = 0;
		} else if (strcmp(type, "close") == 0) {
			cJSON_Delete(arr);
			return err_set(e, "%s: the incident is closed; start a new one", r->dir);
		} else if (step && idx < 0) {
			cJSON_Delete(arr);
			return err_set(e, "%s: the journal names step '%s', which playbook %s does not have", r->dir, step,
				       r->pb->id);
		} else if (strcmp(type, "step") == 0) {
			r->cur = idx;
			r->cur_result = 0;
			r->cur_notes = 0;
			free(r->cur_choice);
			r->cur_choice = NULL;
		} else if (strcmp(type, "result") == 0) {
			cJSON *res = cJSON_CreateObject();
			cJSON *d = cJSON_GetObjectItemCaseSensitive(ev, "data");

			cJSON_AddBoolToObject(res, "ok", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "ok")));
			cJSON_AddStringToObject(res, "summary", pb_jstr(ev, "summary") ? pb_jstr(ev, "summary") : "");
			cJSON_AddItemToObject(res, "data", d ? cJSON_Duplicate(d, 1) : cJSON_CreateObject());
			cJSON_DeleteItemFromObjectCaseSensitive(r->results, step);
			cJSON_AddItemToObject(r->results, step, res);
			if (idx == r->cur)
				r->cur_result = 1;
		} else if (strcmp(type, "note") == 0) {
			if (idx == r->cur)
				r->cur_notes++;
		} else if (strcmp(type, "choice") == 0) {
			if (idx == r->cur && pb_jstr(ev, "option")) {
				free(r->cur_choice);
				r->cur_choice = xstrdup(pb_jstr(ev, "option"));
			}
		} else if (strcmp(type, "done") == 0) {
			const char *next = pb_jstr(ev, "next");

			r->cur = next ? pb_step_index(r->pb, next) : -1;
			r->cur_result = 0;
			r->cur_notes = 0;
			free(r->cur_choice);
			r->cur_choice = NULL;
		}
	}
	cJSON_Delete(arr);
	if (!opened)
		return err_set(e, "%s: the journal has no open event", r->dir);
	return 0;
}

static int start_step(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	cJSON *ev;

	if (!s)
		return 0;
	ev = pb_journal_event("step");
	cJSON_AddStringToObject(ev, "step", s->id);
	cJSON_AddStringToObject(ev, "title", s->title);
	r->cur_result = 0;
	r->cur_notes = 0;
	free(r->cur_choice);
	r->cur_choice = NULL;
	return append(r, ev, e);
}

struct pb_run *pb_run_open(const struct pb_playbook *pb, const char *dir, const struct pb_host *h, struct err *e)
{
	struct pb_run *r = xcalloc(1, sizeof(*r));
	char *journal;
	int exists;

	r->pb = pb;
	r->host = *h;
	r->fd = -1;
	r->results = cJSON_CreateObject();
	if (dir) {
		r->dir = xstrdup(dir);
	} else {
		char *root = pb_incidents_root(), stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		r->dir = xasprintf("%s/%s-%s", root, stamp, pb->id);
		free(root);
	}
	if (pb_mkdir_p(r->dir, e) < 0)
		goto bad;
	chmod(r->dir, 0700);
	journal = xasprintf("%s/%s", r->dir, PB_JOURNAL);
	exists = access(journal, F_OK) == 0;
	free(journal);
	if (exists) {
		if (replay(r, e) < 0)
			goto bad;
		r->resumed = 1;
	}
	r->fd = pb_journal_open(r->dir, e);
	if (r->fd < 0)
		goto bad;
	if (r->resumed) {
		cJSON *ev = pb_journal_event("resume");
		const struct pb_step *s = cur_step(r);

		if (s)
			cJSON_AddStringToObject(ev, "step", s->id);
		if (append(r, ev, e) < 0)
			goto bad;
	} else {
		cJSON *ev = pb_journal_event("open");
		const char *slash = strrchr(r->dir, '/');
		char *src = redact(h->source), *prom = redact(h->prometheus);

		cJSON_AddStringToObject(ev, "playbook", pb->id);
		cJSON_AddStringToObject(ev, "title", pb->title);
		cJSON_AddNumberToObject(ev, "target_minutes", (double)pb->target_minutes);
		cJSON_AddStringToObject(ev, "incident", slash ? slash + 1 : r->dir);
		if (src)
			cJSON_AddStringToObject(ev, "source", src);
		if (prom)
			cJSON_AddStringToObject(ev, "prometheus", prom);
		free(src);
		free(prom);
		r->opened = pb_now_ms();
		r->cur = 0;
		if (append(r, ev, e) < 0 || start_step(r, e) < 0)
			goto bad;
	}
	return r;
bad:
	pb_run_free(r);
	return NULL;
}

void pb_run_free(struct pb_run *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	cJSON_Delete(r->results);
	free(r->cur_choice);
	free(r->scratch);
	free(r->pending_file);
	free(r->pending_dest);
	free(r->pending_src);
	free(r->dir);
	free(r);
}

const char *pb_run_dir(const struct pb_run *r)
{
	return r->dir;
}

int pb_run_resumed(const struct pb_run *r)
{
	return r->resumed;
}

int64_t pb_run_opened(const struct pb_run *r)
{
	return r->opened;
}

const struct pb_step *pb_run_step(const struct pb_run *r)
{
	return cur_step(r);
}

int pb_run_has_result(const struct pb_run *r)
{
	return r->cur_result;
}

int pb_run_notes(const struct pb_run *r)
{
	return r->cur_notes;
}

const char *pb_run_choice(const struct pb_run *r)
{
	return r->cur_choice;
}

const char *pb_run_summary(const struct pb_run *r, const char *step)
{
	cJSON *res = result_of(r, step);

	return res ? pb_jstr(res, "summary") : NULL;
}

int64_t pb_run_wait_until(const struct pb_run *r)
{
	const struct pb_step *s = cur_step(r);
	cJSON *d, *u;

	if (!s || s->action != PB_ACT_WAIT || !(d = data_of(r, s->id)))
		return 0;
	u = cJSON_GetObjectItemCaseSensitive(d, "until_ms");
	return cJSON_IsNumber(u) ? (int64_t)u->valuedouble : 0;
}

int pb_run_note(struct pb_run *r, const char *text, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	cJSON *ev;
	char *clean;

	if (!s)
		return err_set(e, "the run has ended");
	clean = pb_scrub(text);
	ev = pb_journal_event("note");
	cJSON_AddStringToObject(ev, "step", s->id);
	cJSON_AddStringToObject(ev, "text", clean);
	free(clean);
	if (append(r, ev, e) < 0)
		return -1;
	r->cur_notes++;
	return 0;
}

int pb_run_choose(struct pb_run *r, const char *key, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	const struct pb_option *o;
	cJSON *ev;

	if (!s)
		return err_set(e, "the run has ended");
	o = pb_step_option(s, key);
	if (!o)
		return err_set(e, "step '%s' has no option '%s'", s->id, key);
	ev = pb_journal_event("choice");
	cJSON_AddStringToObject(ev, "step", s->id);
	cJSON_AddStringToObject(ev, "option", o->key);
	cJSON_AddStringToObject(ev, "label", o->label);
	if (append(r, ev, e) < 0)
		return -1;
	free(r->cur_choice);
	r->cur_choice = xstrdup(o->key);
	return 0;
}

int pb_run_advance(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	cJSON *ev;
	int next;

	if (!s)
		return err_set(e, "the run has ended");
	if (s->noptions) {
		const struct pb_option *o;

		if (!r->cur_choice)
			return err_set(e, "step '%s' waits for a choice", s->id);
		o = pb_step_option(s, r->cur_choice);
		next = pb_option_next(r->pb, o);
	} else {
		next = pb_step_next(r->pb, r->cur);
	}
	ev = pb_journal_event("done");
	cJSON_AddStringToObject(ev, "step", s->id);
	if (next >= 0)
		cJSON_AddStringToObject(ev, "next", r->pb->steps[next].id);
	else
		cJSON_AddNullToObject(ev, "next");
	if (s->root_cause)
		cJSON_AddBoolToObject(ev, "root_cause", 1);
	if (append(r, ev, e) < 0)
		return -1;
	r->cur = next;
	return start_step(r, e);
}

int pb_run_close(struct pb_run *r, struct err *e)
{
	return append(r, pb_journal_event("close"), e);
}

char *pb_run_render(const struct pb_run *r, const char *text)
{
	size_t cap = 0, n = 0;
	char *out = NULL;
	const char *p = text;

	if (!text)
		return xstrdup("");
	while (*p) {
		const char *open = strstr(p, "{{"), *close;
		char key[160], *dot;
		const char *val = "?";
		char num[64];
		size_t len;

		if (!open || !(close = strstr(open + 2, "}}"))) {
			len = strlen(p);
			out = xgrow(out, &cap, n + len + 1, 1);
			memcpy(out + n, p, len);
			n += len;
			break;
		}
		len = (size_t)(open - p);
		out = xgrow(out, &cap, n + len + 1, 1);
		memcpy(out + n, p, len);
		n += len;
		snprintf(key, sizeof(key), "%.*s", (int)(close - open - 2 < 159 ? close - open - 2 : 159), open + 2);
		dot = strchr(key, '.');
		if (strcmp(key, "incident") == 0) {
			val = strrchr(r->dir, '/') ? strrchr(r->dir, '/') + 1 : r->dir;
		} else if (strcmp(key, "source") == 0) {
			val = pb_run_source(r) ? pb_run_source(r) : "?";
		} else if (dot) {
			cJSON *res, *d, *v;

			*dot = '\0';
			res = result_of(r, key);
			d = res ? cJSON_GetObjectItemCaseSensitive(res, "data") : NULL;
			if (res && strcmp(dot + 1, "summary") == 0)
				val = pb_jstr(res, "summary");
			else if (d && (v = cJSON_GetObjectItemCaseSensitive(d, dot + 1))) {
				if (cJSON_IsString(v))
					val = v->valuestring;
				else if (cJSON_IsNumber(v)) {
					if (v->valuedouble == (double)(long long)v->valuedouble)
						snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
					else
						snprintf(num, sizeof(num), "%.1f", v->valuedouble);
					val = num;
				} else if (cJSON_IsBool(v)) {
					val = cJSON_IsTrue(v) ? "yes" : "no";
				}
			}
		}
		len = strlen(val);
		out = xgrow(out, &cap, n + len + 1, 1);
		memcpy(out + n, val, len);
		n += len;
		p = close + 2;
	}
	out = xgrow(out, &cap, n + 1, 1);
	out[n] = '\0';
	return out;
}

/* ---- actions ---- */

/* Journals a result; takes ownership of data. */
static int record(struct pb_run *r, int ok, const char *summary, cJSON *data, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	cJSON *ev = pb_journal_event("result"), *res = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "step", s->id);
	cJSON_AddStringToObject(ev, "action", pb_action_name(s->action));
	cJSON_AddBoolToObject(ev, "ok", ok);
	cJSON_AddStringToObject(ev, "summary", summary);
	cJSON_AddItemToObject(ev, "data", cJSON_Duplicate(data, 1));
	cJSON_AddBoolToObject(res, "ok", ok);
	cJSON_AddStringToObject(res, "summary", summary);
	cJSON_AddItemToObject(res, "data", data);
	cJSON_DeleteItemFromObjectCaseSensitive(r->results, s->id);
	cJSON_AddItemToObject(r->results, s->id, res);
	r->cur_result = 1;
	return append(r, ev, e);
}

/* Records a failed or unavailable action and returns -1 with e holding msg. */
static int failed(struct pb_run *r, const char *msg, struct err *e)
{
	struct err je;
	char copy[sizeof(e->msg)];

	snprintf(copy, sizeof(copy), "%s", msg);
	if (record(r, 0, copy, cJSON_CreateObject(), &je) < 0)
		return err_set(e, "%s", je.msg);
	return err_set(e, "%s", copy);
}

struct file_sink {
	FILE *f;
};

static int to_file(void *ctx, const void *data, size_t n, struct err *e)
{
	struct file_sink *s = ctx;

	if (fwrite(data, 1, n, s->f) != n)
		return err_set(e, "writing the snapshot failed: %s", strerror(errno));
	return 0;
}

/* The profile URL of a pprof source at the given debug level. */
static char *profile_url(const char *src, int debug)
{
	char *base = xstrdup(src), *q = strchr(base, '?'), *url;
	size_t n;

	if (q)
		*q = '\0';
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	if (strstr(base, "/debug/pprof/goroutine"))
		url = xasprintf("%s?debug=%d", base, debug);
	else if (n >= 12 && strcmp(base + n - 12, "/debug/pprof") == 0)
		url = xasprintf("%s/goroutine?debug=%d", base, debug);
	else
		url = xasprintf("%s/debug/pprof/goroutine?debug=%d", base, debug);
	free(base);
	return url;
}

static int copy_file(const char *from, const char *to, struct err *e)
{
	char *data;
	size_t len;
	int rc;

	if (pb_read_file(from, (size_t)1 << 30, &data, &len, e) < 0)
		return -1;
	rc = pb_write_atomic(to, data, len, NULL, e);
	free(data);
	return rc;
}

/* A pod's profile through the API server's pod proxy (fetch/source.h), into dest. */
static int fetch_pod(struct pb_run *r, const char *src, int debug, const char *dest, struct err *e)
{
	struct source_opts o;
	struct source so;
	struct file_sink fs;
	char *tmp;
	int rc;

	if (r->host.source_opts)
		o = *r->host.source_opts;
	else
		source_opts_init(&o);
	o.debug = debug;
	http_global_init();
	if (source_open(src, &o, &so, e) < 0)
		return -1;
	source_set_debug(&so, debug);
	tmp = xasprintf("%s.part", dest);
	fs.f = fopen(tmp, "wb");
	if (!fs.f) {
		rc = err_set(e, "cannot write %s: %s", tmp, strerror(errno));
	} else {
		rc = source_fetch(&so, to_file, &fs, e);
		if (fclose(fs.f) != 0 && rc == 0)
			rc = err_set(e, "writing %s failed", tmp);
		if (rc == 0 && rename(tmp, dest) < 0)
			rc = err_set(e, "cannot write %s: %s", dest, strerror(errno));
		if (rc < 0)
			unlink(tmp);
	}
	source_close(&so);
	free(tmp);
	return rc;
}

/* A readable file is copied; anything else goes to the host's fetch hook when it has one, else
 * URLs are fetched here and pods through the pod proxy. */
static int fetch_profile(struct pb_run *r, const char *src, int debug, const char *dest, struct err *e)
{
	if (!http_is_url(src) && !source_is_pod(src) && access(src, R_OK) == 0)
		return copy_file(src, dest, e);
	if (r->host.fetch)
		return r->host.fetch(r->host.fetch_ctx, src, debug, dest, e);
	if (source_is_pod(src))
		return fetch_pod(r, src, debug, dest, e);
	if (http_is_url(src)) {
		char *url = profile_url(src, debug), *tmp = xasprintf("%s.part", dest);
		struct http_opts o = {.timeout_ms = 120000};
		struct file_sink s = {fopen(tmp, "wb")};
		long status = 0;
		int rc;

		if (!s.f) {
			err_set(e, "cannot write %s: %s", tmp, strerror(errno));
			free(url);
			free(tmp);
			return -1;
		}
		http_global_init();
		rc = http_get(url, &o, to_file, &s, &status, e);
		if (fclose(s.f) != 0 && rc == 0)
			rc = err_set(e, "writing %s failed", tmp);
		if (rc == 0 && rename(tmp, dest) < 0)
			rc = err_set(e, "cannot write %s: %s", dest, strerror(errno));
		if (rc < 0)
			unlink(tmp);
		free(url);
		free(tmp);
		return rc;
	}
	return err_set(e, "cannot take a snapshot of '%s': not an http(s) URL, pod/NAME nor a readable file", src);
}

static cJSON *frames_json(const struct snap_group *g)
{
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; i < g->nframes && i < RUN_FRAMES; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "func", g->frames[i].func);
		cJSON_AddStringToObject(f, "file", g->frames[i].file);
		cJSON_AddNumberToObject(f, "line", (double)g->frames[i].line);
		cJSON_AddItemToArray(arr, f);
	}
	return arr;
}

static char *frame_text(const struct snap_frame *f)
{
	const char *file, *slash;

	if (!f)
		return xstrdup("(no frames)");
	file = f->file;
	slash = strrchr(file, '/');
	if (slash && slash > file) {
		const char *p = slash - 1;

		while (p > file && *p != '/')
			p--;
		file = *p == '/' ? p + 1 : p;
	}
	return xasprintf("%s (%s:%ld)", f->func, file, f->line);
}

static const char *main_state(const struct snap_group *g)
{
	int i, best = -1;

	for (i = 0; i < g->nstates; i++)
		if (best < 0 || g->states[i].count > g->states[best].count)
			best = i;
	return best >= 0 ? g->states[best].name : NULL;
}

/* A group as results carry it. row NULL: a single snapshot. */
static cJSON *group_json(const struct snap_group *g, const struct diff_row *row, const struct pb_class *c)
{
	cJSON *o = cJSON_CreateObject();
	const struct snap_frame *f = snap_top_frame(g);
	char *ft = frame_text(f);

	cJSON_AddStringToObject(o, "fingerprint", g->fingerprint);
	cJSON_AddStringToObject(o, "key", g->key);
	cJSON_AddNumberToObject(o, "count", (double)(row ? row->after : g->count));
	if (row) {
		cJSON_AddNumberToObject(o, "before", (double)row->before);
		cJSON_AddNumberToObject(o, "delta", (double)row->delta);
		if (isnan(row->rate_per_min))
			cJSON_AddNullToObject(o, "rate_per_minute");
		else
			cJSON_AddNumberToObject(o, "rate_per_minute", row->rate_per_min);
	}
	if (main_state(g))
		cJSON_AddStringToObject(o, "state", main_state(g));
	cJSON_AddStringToObject(o, "top", ft);
	if (f) {
		cJSON_AddStringToObject(o, "func", f->func);
		cJSON_AddStringToObject(o, "file", f->file);
		cJSON_AddNumberToObject(o, "line", (double)f->line);
	}
	if (c) {
		cJSON_AddStringToObject(o, "verdict", pb_verdict_name(c->verdict));
		if (c->pattern) {
			cJSON_AddStringToObject(o, "pattern", c->pattern->id);
			cJSON_AddStringToObject(o, "pattern_title", c->pattern->title);
			cJSON_AddStringToObject(o, "explanation", c->pattern->explanation);
			cJSON_AddStringToObject(o, "advice", c->pattern->advice);
			cJSON_AddBoolToObject(o, "exact", c->exact);
		}
	}
	cJSON_AddItemToObject(o, "frames", frames_json(g));
	free(ft);
	return o;
}

static const char *step_file(const struct pb_run *r, const char *step, int64_t *time_ms)
{
	cJSON *res = result_of(r, step), *d;
	cJSON *t;

	if (!res || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok")))
		return NULL;
	d = cJSON_GetObjectItemCaseSensitive(res, "data");
	t = cJSON_GetObjectItemCaseSensitive(d, "time_ms");
	if (time_ms)
		*time_ms = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : 0;
	return pb_jstr(d, "file");
}

static struct snapshot *load_step(const struct pb_run *r, const char *step, int64_t *time_ms, struct err *e)
{
	const char *file = step_file(r, step, time_ms);
	struct snapshot *s;
	char *path;

	if (!file) {
		err_set(e, "not available: snapshot step '%s' has no snapshot", step);
		return NULL;
	}
	path = xasprintf("%s/%s", r->dir, file);
	s = parse_path(path, SNAP_BY_LINES, e);
	free(path);
	return s;
}

/* Parses the profile now at dir/file and journals it as the snapshot step's result. */
static int snapshot_taken(struct pb_run *r, const char *src, const char *file, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	char *dest = xasprintf("%s/%s", r->dir, file), *red, sum[512];
	struct snapshot *snap;
	cJSON *d;
	struct err fe;
	int64_t t;

	t = pb_now_ms();
	chmod(dest, 0600);
	snap = parse_path(dest, SNAP_BY_LINES, &fe);
	free(dest);
	if (!snap)
		return failed(r, fe.msg, e);
	red = redact(src);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "file", file);
	cJSON_AddStringToObject(d, "source", red);
	cJSON_AddNumberToObject(d, "debug", s->debug);
	cJSON_AddStringToObject(d, "format", snap_format_name(snap->format));
	cJSON_AddNumberToObject(d, "total", (double)snap->total);
	cJSON_AddNumberToObject(d, "groups", (double)snap->ngroups);
	cJSON_AddNumberToObject(d, "time_ms", (double)t);
	snprintf(sum, sizeof(sum), "%ld goroutines in %zu groups (%s), saved as %s", snap->total, snap->ngroups,
		 snap_format_name(snap->format), file);
	free(red);
	snap_free(snap);
	return record(r, 1, sum, d, e);
}

static void pending_clear(struct pb_run *r)
{
	free(r->pending_file);
	free(r->pending_dest);
	free(r->pending_src);
	r->pending_file = r->pending_dest = r->pending_src = NULL;
}

static int act_snapshot(struct pb_run *r, const char *override, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	const char *src = override ? override : pb_run_source(r);
	char *file, *dest;
	struct err fe;
	int rc;

	if (!src)
		return failed(r, "not available: no --source to take a snapshot of", e);
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
		return failed(r, fe.msg, e);
	}
	rc = snapshot_taken(r, src, file, e);
	free(file);
	return rc;
}

int pb_run_pending(const struct pb_run *r)
{
	return r->pending_file != NULL;
}

const char *pb_run_pending_dest(const struct pb_run *r)
{
	return r->pending_dest;
}

int pb_run_fetched(struct pb_run *r, const char *failure, struct err *e)
{
	int rc;

	if (!r->pending_file || !cur_step(r))
		return err_set(e, "no capture is pending");
	if (failure)
		rc = failed(r, failure, e);
	else
		rc = snapshot_taken(r, r->pending_src, r->pending_file, e);
	pending_clear(r);
	return rc;
}

int pb_run_result_ok(const struct pb_run *r)
{
	const struct pb_step *s = cur_step(r);
	cJSON *res;

	if (!s || !r->cur_result || !(res = result_of(r, s->id)))
		return 0;
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok"));
}

const char *pb_run_source(const struct pb_run *r)
{
	int i;

	for (i = 0; i < r->pb->nsteps; i++) {
		const char *src;
		cJSON *d;

		if (r->pb->steps[i].action != PB_ACT_RANK_PODS || !(d = data_of(r, r->pb->steps[i].id)))
			continue;
		if ((src = pb_jstr(d, "source")))
			return src;
	}
	return r->host.source;
}

/* ---- rank_pods ---- */

int pb_run_rank(struct pb_run *r, const struct pb_pod_count *pods, size_t n, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	double *v, *z, med;
	cJSON *d, *arr;
	char sum[1024];
	size_t i, answered = 0;
	long best = -1, pick = -1;

	if (!s || s->action != PB_ACT_RANK_PODS)
		return err_set(e, "the current step does not rank pods");
	if (n == 0)
		return failed(r, "no Running pods to rank (check -n and -l)", e);
	v = xcalloc(n, sizeof(*v));
	z = xcalloc(n, sizeof(*z));
	for (i = 0; i < n; i++)
		v[i] = pods[i].goroutines >= 0 ? (double)pods[i].goroutines : NAN;
	med = outlier_robust_z(v, n, z);
	d = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(d, "pods");
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		int out = outlier_is(z[i]);

		cJSON_AddStringToObject(o, "name", pods[i].name);
		if (pods[i].goroutines >= 0) {
			cJSON_AddNumberToObject(o, "goroutines", (double)pods[i].goroutines);
			answered++;
		} else {
			cJSON_AddNullToObject(o, "goroutines");
		}
		if (isfinite(z[i]))
			cJSON_AddNumberToObject(o, "z", z[i]);
		else if (!isnan(z[i]))
			cJSON_AddNumberToObject(o, "z", z[i] > 0 ? 999 : -999);
		if (pods[i].error && *pods[i].error)
			cJSON_AddStringToObject(o, "error", pods[i].error);
		cJSON_AddBoolToObject(o, "outlier", out);
		cJSON_AddItemToArray(arr, o);
		if (out && z[i] > 0) {
			if (pick < 0 || pods[i].goroutines > pods[pick].goroutines)
				pick = (long)i;
		}
		if (pods[i].goroutines >= 0 && (best < 0 || pods[i].goroutines > pods[best].goroutines))
			best = (long)i;
	}
	cJSON_AddNumberToObject(d, "median", med);
	snprintf(sum, sizeof(sum), "%zu pods, %zu answered, median %.0f goroutines", n, answered, med);
	if (pick >= 0) {
		char *src = xasprintf("pod/%s", pods[pick].name);
		size_t l = strlen(sum);

		cJSON_AddStringToObject(d, "outlier", pods[pick].name);
		cJSON_AddStringToObject(d, "source", src);
		snprintf(sum + l, sizeof(sum) - l, "; outlier: %s (%ld goroutines): the snapshots take %s",
			 pods[pick].name, pods[pick].goroutines, src);
		free(src);
	} else if (best >= 0 && !r->host.source) {
		char *src = xasprintf("pod/%s", pods[best].name);
		size_t l = strlen(sum);

		cJSON_AddNullToObject(d, "outlier");
		cJSON_AddStringToObject(d, "source", src);
		snprintf(sum + l, sizeof(sum) - l, "; no outlier (every replica leaks alike?): the snapshots take the "
			 "largest, %s (%ld goroutines)", src, pods[best].goroutines);
		free(src);
	} else {
		size_t l = strlen(sum);

		cJSON_AddNullToObject(d, "outlier");
		snprintf(sum + l, sizeof(sum) - l, "; no outlier%s", answered ? ": the snapshots keep the given source" : "");
	}
	free(v);
	free(z);
	if (!answered) {
		cJSON_Delete(d);
		return failed(r, "no pod answered: see 'leakscope pods' for each pod's error", e);
	}
	return record(r, 1, sum, d, e);
}

/* Lists the Running pods and fetches every one's goroutine total at once (as `leakscope pods`). */
static int act_rank(struct pb_run *r, struct err *e)
{
	struct source_opts o;
	struct kube_load_opts ko;
	struct kube_config kc;
	struct http_opts h = {0};
	struct kube_pod *pods = NULL;
	struct pb_pod_count *counts;
	struct fan_result *res;
	const char **urls;
	const char *ns;
	size_t n = 0, i;
	struct err fe;
	int rc;

	if (r->host.source_opts)
		o = *r->host.source_opts;
	else
		source_opts_init(&o);
	memset(&ko, 0, sizeof(ko));
	ko.kubeconfig = o.kubeconfig;
	ko.context = o.context;
	ko.kube_proxy = o.kube_proxy;
	memset(&kc, 0, sizeof(kc));
	http_global_init();
	if (kube_config_load(&ko, &kc, &fe) < 0)
		return failed(r, fe.msg, e);
	if (o.token_file) {
		secret_free(kc.token);
		kc.token = NULL;
		if (secret_read_file(o.token_file, SECRET_MAX_FILE, 1, &kc.token, NULL, &fe) < 0)
			goto fail;
	}
	if (kube_http_opts(&kc, &h, &fe) < 0)
		goto fail;
	if (o.cacert) {
		h.cacert = o.cacert;
		h.ca_pem = NULL;
	}
	if (o.insecure)
		h.insecure = 1;
	h.timeout_ms = o.timeout_ms ? o.timeout_ms : SOURCE_TIMEOUT_MS;
	h.connect_timeout_ms = SOURCE_CONNECT_TIMEOUT_MS;
	ns = o.ns ? o.ns : kc.ns ? kc.ns : "default";
	if (kube_list_pods(&kc, &h, ns, r->host.selector, &pods, &n, &fe) < 0)
		goto fail;
	urls = xcalloc(n + 1, sizeof(*urls));
	res = xcalloc(n + 1, sizeof(*res));
	counts = xcalloc(n + 1, sizeof(*counts));
	for (i = 0; i < n; i++)
		urls[i] = kube_proxy_url(kc.server, ns, NULL, pods[i].name, o.port ? o.port : pods[i].port,
					 "/debug/pprof/goroutine?debug=1");
	{
		struct fan_opts fo = {&h, 0, 0, 0, NULL, NULL};

		rc = n ? fan_totals(urls, n, &fo, res, &fe) : 0;
	}
	if (rc == 0) {
		for (i = 0; i < n; i++) {
			counts[i].name = pods[i].name;
			counts[i].goroutines = res[i].goroutines;
			counts[i].error = res[i].error;
		}
		rc = pb_run_rank(r, counts, n, e);
	} else {
		rc = failed(r, fe.msg, e);
	}
	for (i = 0; i < n; i++)
		free((char *)urls[i]);
	free(urls);
	free(res);
	free(counts);
	kube_pods_free(pods, n);
	kube_config_done(&kc);
	return rc;
fail:
	kube_config_done(&kc);
	return failed(r, fe.msg, e);
}

/* The growing rows of the diff of two snapshot steps, classified. */
struct pair {
	struct snapshot *snaps[2];
	struct diff *d;
	double elapsed;
};

static void pair_done(struct pair *p)
{
	diff_free(p->d);
	snap_free(p->snaps[0]);
	snap_free(p->snaps[1]);
}

static int pair_load(const struct pb_run *r, const struct pb_step *ds, struct pair *p, struct err *e)
{
	int64_t t0 = 0, t1 = 0;
	double times[2] = {NAN, NAN};

	memset(p, 0, sizeof(*p));
	p->snaps[0] = load_step(r, ds->before, &t0, e);
	if (!p->snaps[0])
		return -1;
	p->snaps[1] = load_step(r, ds->after, &t1, e);
	if (!p->snaps[1]) {
		pair_done(p);
		return -1;
	}
	if (t0 && t1) {
		times[0] = (double)t0 / 1000.0;
		times[1] = (double)t1 / 1000.0;
	}
	p->d = diff_new(p->snaps, 2, times, NULL);
	if (!p->d) {
		pair_done(p);
		return err_set(e, "the snapshots of '%s' and '%s' cannot be compared", ds->before, ds->after);
	}
	return 0;
}

static int act_diff(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	struct pair p;
	struct err fe;
	cJSON *d, *groups;
	char sum[1024];
	size_t i;
	long kept = 0;
	const struct diff_row *top = NULL;

	if (pair_load(r, s, &p, &fe) < 0)
		return failed(r, fe.msg, e);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "before", s->before);
	cJSON_AddStringToObject(d, "after", s->after);
	cJSON_AddNumberToObject(d, "total_before", (double)p.d->total_before);
	cJSON_AddNumberToObject(d, "total_after", (double)p.d->total_after);
	cJSON_AddNumberToObject(d, "total_delta", (double)(p.d->total_after - p.d->total_before));
	if (isnan(p.d->elapsed))
		cJSON_AddNullToObject(d, "elapsed_seconds");
	else
		cJSON_AddNumberToObject(d, "elapsed_seconds", p.d->elapsed);
	groups = cJSON_AddArrayToObject(d, "groups");
	for (i = 0; i < p.d->nrows && kept < s->limit; i++) {
		const struct diff_row *row = &p.d->rows[i];

		if (row->benign || row->delta <= 0)
			continue;
		if (!top)
			top = row;
		cJSON_AddItemToArray(groups, group_json(row->group, row, NULL));
		kept++;
	}
	if (top) {
		char *ft = frame_text(snap_top_frame(top->group));

		cJSON_AddStringToObject(d, "top_frame", ft);
		cJSON_AddStringToObject(d, "top_fingerprint", top->group->fingerprint);
		cJSON_AddNumberToObject(d, "top_delta", (double)top->delta);
		if (!isnan(top->rate_per_min))
			cJSON_AddNumberToObject(d, "top_rate", top->rate_per_min);
		snprintf(sum, sizeof(sum), "total %ld -> %ld (%+ld)%s; fastest growing: %s %+ld", p.d->total_before,
			 p.d->total_after, p.d->total_after - p.d->total_before, "", ft, top->delta);
		if (!isnan(top->rate_per_min)) {
			size_t l = strlen(sum);

			snprintf(sum + l, sizeof(sum) - l, " (%.1f/min)", top->rate_per_min);
		}
		free(ft);
	} else {
		snprintf(sum, sizeof(sum), "total %ld -> %ld (%+ld); no group grew", p.d->total_before, p.d->total_after,
			 p.d->total_after - p.d->total_before);
	}
	pair_done(&p);
	return record(r, 1, sum, d, e);
}

struct citem {
	const struct snap_group *g;
	const struct diff_row *row;
	struct pb_class c;
};

static int citem_cmp(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;
	int rx = pb_flagged(x->c.verdict) ? (x->c.verdict == PB_V_LEAK ? 0 : 1) : 2;
	int ry = pb_flagged(y->c.verdict) ? (y->c.verdict == PB_V_LEAK ? 0 : 1) : 2;
	long dx = x->row ? x->row->delta : x->g->count, dy = y->row ? y->row->delta : y->g->count;

	if (rx != ry)
		return rx - ry;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->g->key, y->g->key);
}

static int act_classify(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	const struct pb_step *from = &r->pb->steps[pb_step_index(r->pb, s->from)];
	struct pair p = {{NULL, NULL}, NULL, 0};
	struct snapshot *one = NULL;
	struct citem *items;
	size_t n = 0, i;
	struct err fe;
	cJSON *d, *groups;
	char sum[1024];
	long kept = 0;

	if (from->action == PB_ACT_CLASSIFY)
		return failed(r, "classify must come from a diff or snapshot step", e);
	if (from->action == PB_ACT_DIFF) {
		if (pair_load(r, from, &p, &fe) < 0)
			return failed(r, fe.msg, e);
		items = xcalloc(p.d->nrows + 1, sizeof(*items));
		for (i = 0; i < p.d->nrows; i++) {
			const struct diff_row *row = &p.d->rows[i];

			if (row->benign || row->after == 0)
				continue;
			items[n].g = row->group;
			items[n].row = row;
			items[n].c = pb_classify(row->group, pb_growth_of(row->group, row));
			n++;
		}
	} else {
		one = load_step(r, from->id, NULL, &fe);
		if (!one)
			return failed(r, fe.msg, e);
		items = xcalloc(one->ngroups + 1, sizeof(*items));
		for (i = 0; i < one->ngroups; i++) {
			items[n].g = one->groups[i];
			items[n].c = pb_classify(one->groups[i], pb_growth_of(one->groups[i], NULL));
			n++;
		}
	}
	if (n > 1)
		qsort(items, n, sizeof(*items), citem_cmp);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "from", from->id);
	groups = cJSON_AddArrayToObject(d, "groups");
	for (i = 0; i < n && kept < s->limit; i++) {
		if (!pb_flagged(items[i].c.verdict))
			continue;
		cJSON_AddItemToArray(groups, group_json(items[i].g, items[i].row, &items[i].c));
		kept++;
	}
	if (kept) {
		const struct citem *t = &items[0];
		char *ft = frame_text(snap_top_frame(t->g));
		int root = t->c.verdict == PB_V_LEAK && t->c.pattern && t->c.pattern->leak;

		cJSON_AddStringToObject(d, "top_frame", ft);
		cJSON_AddStringToObject(d, "verdict", pb_verdict_name(t->c.verdict));
		cJSON_AddStringToObject(d, "pattern", t->c.pattern ? t->c.pattern->id : "none");
		cJSON_AddStringToObject(d, "pattern_title", t->c.pattern ? t->c.pattern->title : "no pattern in the catalogue");
		cJSON_AddStringToObject(d, "advice", t->c.pattern ? t->c.pattern->advice : "");
		cJSON_AddBoolToObject(d, "root_cause", root);
		snprintf(sum, sizeof(sum), "%s: %s (%s), %s", ft, t->c.pattern ? t->c.pattern->id : "no pattern",
			 t->c.pattern ? t->c.pattern->title : "not in the catalogue", pb_verdict_name(t->c.verdict));
		if (t->row) {
			size_t l = strlen(sum);

			snprintf(sum + l, sizeof(sum) - l, ", %+ld", t->row->delta);
		}
		free(ft);
	} else {
		cJSON_AddStringToObject(d, "pattern", "none");
		cJSON_AddStringToObject(d, "verdict", "none");
		cJSON_AddBoolToObject(d, "root_cause", 0);
		snprintf(sum, sizeof(sum), "no group is a leak or suspect");
	}
	free(items);
	pair_done(&p);
	snap_free(one);
	return record(r, 1, sum, d, e);
}

static int act_lookup(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	const struct pb_step *from = &r->pb->steps[pb_step_index(r->pb, s->from)];
	char *where = r->host.db ? xstrdup(r->host.db) : pb_kdb_default();
	struct pb_kdb *db;
	struct err fe;
	cJSON *d, *matches, *fps = cJSON_CreateArray(), *it;
	char sum[1024];
	int nmatch = 0;

	/* the fingerprints to look up */
	if (from->action == PB_ACT_SNAPSHOT) {
		struct snapshot *snap = load_step(r, from->id, NULL, &fe);
		size_t i;

		if (!snap) {
			cJSON_Delete(fps);
			free(where);
			return failed(r, fe.msg, e);
		}
		for (i = 0; i < snap->ngroups && (long)i < s->limit; i++) {
			cJSON *o = cJSON_CreateObject();
			char *ft = frame_text(snap_top_frame(snap->groups[i]));

			cJSON_AddStringToObject(o, "fingerprint", snap->groups[i]->fingerprint);
			cJSON_AddStringToObject(o, "top", ft);
			cJSON_AddItemToArray(fps, o);
			free(ft);
		}
		snap_free(snap);
	} else {
		cJSON *fd = data_of(r, from->id), *g;

		if (!fd || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result_of(r, from->id), "ok"))) {
			cJSON_Delete(fps);
			free(where);
			snprintf(sum, sizeof(sum), "not available: step '%s' has no result", from->id);
			return failed(r, sum, e);
		}
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(fd, "groups"))
		{
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "fingerprint", pb_jstr(g, "fingerprint") ? pb_jstr(g, "fingerprint") : "");
			cJSON_AddStringToObject(o, "top", pb_jstr(g, "top") ? pb_jstr(g, "top") : "");
			cJSON_AddItemToArray(fps, o);
		}
	}
	db = pb_kdb_open(where, 0, &fe);
	if (!db) {
		snprintf(sum, sizeof(sum), "no known-leak database (%.200s): nothing to compare with", fe.msg);
		cJSON_Delete(fps);
		free(where);
		d = cJSON_CreateObject();
		cJSON_AddArrayToObject(d, "matches");
		cJSON_AddNumberToObject(d, "looked_up", 0);
		return record(r, 1, sum, d, e);
	}
	d = cJSON_CreateObject();
	matches = cJSON_AddArrayToObject(d, "matches");
	sum[0] = '\0';
	cJSON_ArrayForEach(it, fps)
	{
		struct pb_known_list l;
		size_t k;

		pb_known_list_init(&l);
		if (pb_kdb_lookup(db, pb_jstr(it, "fingerprint"), &l, &fe) < 0) {
			pb_known_list_done(&l);
			pb_kdb_free(db);
			cJSON_Delete(fps);
			cJSON_Delete(d);
			free(where);
			return failed(r, fe.msg, e);
		}
		for (k = 0; k < l.n; k++) {
			cJSON *m = cJSON_CreateObject();

			cJSON_AddStringToObject(m, "fingerprint", l.items[k].fingerprint);
			cJSON_AddStringToObject(m, "top", pb_jstr(it, "top"));
			cJSON_AddStringToObject(m, "incident", l.items[k].incident);
			if (l.items[k].fix)
				cJSON_AddStringToObject(m, "fix", l.items[k].fix);
			if (l.items[k].note)
				cJSON_AddStringToObject(m, "note", l.items[k].note);
			if (l.items[k].added)
				cJSON_AddStringToObject(m, "added", l.items[k].added);
			cJSON_AddItemToArray(matches, m);
			if (!nmatch++) {
				snprintf(sum, sizeof(sum), "%s: seen before in incident %s%s%s", pb_jstr(it, "top"),
					 l.items[k].incident, l.items[k].fix ? ", fixed in " : "",
					 l.items[k].fix ? l.items[k].fix : "");
				cJSON_AddStringToObject(d, "incident", l.items[k].incident);
				cJSON_AddStringToObject(d, "fix", l.items[k].fix ? l.items[k].fix : "");
			}
		}
		pb_known_list_done(&l);
	}
	cJSON_AddNumberToObject(d, "looked_up", cJSON_GetArraySize(fps));
	if (!nmatch)
		snprintf(sum, sizeof(sum), "none of the %d groups is a known leak (%s)", cJSON_GetArraySize(fps),
			 pb_kdb_backend(db));
	else if (nmatch > 1) {
		size_t l = strlen(sum);

		snprintf(sum + l, sizeof(sum) - l, " (and %d more matches)", nmatch - 1);
	}
	pb_kdb_free(db);
	cJSON_Delete(fps);
	free(where);
	return record(r, 1, sum, d, e);
}

static int act_slope(struct pb_run *r, struct err *e)
{
	const struct pb_step *s = cur_step(r);
	struct prom_result res;
	struct err fe;
	int64_t win_ms, range_ms, now = pb_now_ms();
	char *q, sum[1024], name[512];
	size_t i, best = 0;
	double best_slope = -INFINITY;
	cJSON *d, *pts;

	if (!r->host.prometheus)
		return failed(r, "not available: no --prometheus URL (run 'leakscope slope' by hand)", e);
	if (slope_parse_duration(s->window, &win_ms) < 0 || slope_parse_duration(s->range, &range_ms) < 0)
		return failed(r, "the step's window or range is not a duration", e);
	q = xasprintf("%s[%s]", s->query, s->range);
	http_global_init();
	{
		struct http_opts o = {.timeout_ms = 60000};

		if (prom_query(r->host.prometheus, q, now, &o, &res, NULL, NULL, &fe) < 0) {
			free(q);
			return failed(r, fe.msg, e);
		}
	}
	free(q);
	if (res.nseries == 0) {
		prom_result_done(&res);
		return failed(r, "the query returned no series", e);
	}
	for (i = 0; i < res.nseries; i++) {
		const struct prom_series *ps = &res.series[i];
		size_t lo, hi;
		double v;

		slope_window(ps->samples, ps->nsamples, now, win_ms, SLOPE_RANGE_CLOSED, &lo, &hi);
		if (slope_deriv(ps->samples + lo, hi - lo, &v) == 0 && v > best_slope) {
			best_slope = v;
			best = i;
		}
	}
	d = cJSON_CreateObject();
	{
		const struct prom_series *ps = &res.series[best];
		size_t step = ps->nsamples > RUN_CHART_POINTS ? (ps->nsamples + RUN_CHART_POINTS - 1) / RUN_CHART_POINTS : 1;
		int64_t start;

		prom_series_name(ps, name, sizeof(name));
		cJSON_AddStringToObject(d, "query", s->query);
		cJSON_AddStringToObject(d, "series", name);
		cJSON_AddStringToObject(d, "window", s->window);
		cJSON_AddStringToObject(d, "range", s->range);
		cJSON_AddNumberToObject(d, "series_count", (double)res.nseries);
		if (isfinite(best_slope))
			cJSON_AddNumberToObject(d, "per_minute", best_slope * 60);
		if (ps->nsamples)
			cJSON_AddNumberToObject(d, "current", ps->samples[ps->nsamples - 1].v);
		pts = cJSON_AddArrayToObject(d, "points");
		for (i = 0; i < ps->nsamples; i += step)
			cJSON_AddItemToArray(pts, cJSON_CreateNumber(ps->samples[i].v));
		if (slope_leak_start(ps->samples, ps->nsamples, &start) == 0) {
			char t[40];

			cJSON_AddStringToObject(d, "leak_start", pb_utc_ms(start, t, sizeof(t)));
		}
		if (s->rule) {
			struct slope_rule *rule = slope_rule_parse(s->rule, &fe);

			cJSON_AddStringToObject(d, "rule", s->rule);
			if (rule && ps->nsamples) {
				struct slope_replay_opts o = {ps->samples[0].t, now, 60000, SLOPE_RANGE_CLOSED};
				struct slope_alert *alerts = NULL;
				size_t nalerts = 0;

				if (slope_replay(rule, ps->samples, ps->nsamples, &o, &alerts, &nalerts, &fe) == 0) {
					cJSON_AddNumberToObject(d, "alerts", (double)nalerts);
					if (nalerts) {
						char t[40];

						cJSON_AddStringToObject(d, "first_fired",
									pb_utc_ms(alerts[0].fired_at, t, sizeof(t)));
					}
				}
				free(alerts);
			}
			slope_rule_free(rule);
		}
		snprintf(sum, sizeof(sum), "%s: %s%.1f/min over %s, now %.0f", name, best_slope >= 0 ? "+" : "",
			 isfinite(best_slope) ? best_slope * 60 : 0.0, s->window,
			 ps->nsamples ? ps->samples[ps->nsamples - 1].v : 0.0);
	}
	prom_result_done(&res);
	return record(r, 1, sum, d, e);
}

int pb_run_act(struct pb_run *r, const char *source_override, struct err *e)
{
	const struct pb_step *s = cur_step(r);

	if (!s)
		return err_set(e, "the run has ended");
	switch (s->action) {
	case PB_ACT_NONE:
	case PB_ACT_NOTE:
		return 0;
	case PB_ACT_SNAPSHOT:
		return act_snapshot(r, source_override, e);
	case PB_ACT_WAIT: {
		cJSON *d = cJSON_CreateObject();
		char sum[128];

		long secs = r->host.wait_seconds > 0 ? r->host.wait_seconds : s->seconds;

		cJSON_AddNumberToObject(d, "seconds", (double)secs);
		cJSON_AddNumberToObject(d, "until_ms", (double)(pb_now_ms() + secs * 1000));
		snprintf(sum, sizeof(sum), "waited %ld s", secs);
		return record(r, 1, sum, d, e);
	}
	case PB_ACT_DIFF:
		return act_diff(r, e);
	case PB_ACT_CLASSIFY:
		return act_classify(r, e);
	case PB_ACT_LOOKUP_KNOWN:
		return act_lookup(r, e);
	case PB_ACT_SLOPE:
		return act_slope(r, e);
	case PB_ACT_RANK_PODS:
		return act_rank(r, e);
	case PB_ACT_REPORT: {
		struct err fe;
		char sum[512];
		cJSON *d;

		if (pb_report_write(r->dir, NULL, NULL, &fe) < 0)
			return failed(r, fe.msg, e);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "markdown", "report.md");
		cJSON_AddStringToObject(d, "json", "report.json");
		snprintf(sum, sizeof(sum), "report.md and report.json written in %.400s", r->dir);
		if (record(r, 1, sum, d, e) < 0)
			return -1;
		/* written again so that the report's own step is in it */
		return pb_report_write(r->dir, NULL, NULL, e);
	}
	}
	return 0;
}
