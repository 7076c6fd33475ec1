/* run.c: the playbook engine: incidents, the journal as the run's memory, resuming, notes, advancing. */
#define PB_RUN_INTERNAL
#include "playbooks/run.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch/http.h"
#include "playbooks/journal.h"
#include "playbooks/util.h"

/* ---- small helpers ---- */

static int append(struct pb_run *r, cJSON *ev, struct err *e)
{
	return pb_journal_append(r->fd, ev, e);
}

cJSON *pb_run_result_of(const struct pb_run *r, const char *step)
{
	return cJSON_GetObjectItemCaseSensitive(r->results, step);
}

cJSON *pb_run_data_of(const struct pb_run *r, const char *step)
{
	cJSON *res = pb_run_result_of(r, step);

	return res ? cJSON_GetObjectItemCaseSensitive(res, "data") : NULL;
}

static const struct pb_step *cur_step(const struct pb_run *r)
{
	return r->cur >= 0 ? &r->pb->steps[r->cur] : NULL;
}

char *pb_run_redact(const char *s)
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

char *pb_incidents_root(struct err *e)
{
	return fs_xdg_path("XDG_STATE_HOME", ".local/state", "incidents", e);
}

/* Reads the journal's open event and whether a close follows. Returns the playbook id (caller
 * frees) or NULL. */
static char *journal_state(const char *dir, int *closed, char **opened)
{
	/* an unreadable journal is no incident to offer for resume; opening it says why */
	cJSON *arr = pb_journal_read(dir, NULL, NULL), *ev;
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
	DIR *d = root ? opendir(root) : NULL;
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
	cJSON *arr = pb_journal_read(r->dir, &r->torn, e), *ev;
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
			if (!t || ts_parse_rfc3339_ms(t, &r->opened) < 0)
				r->opened = ts_now_ms();
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
		} else if (strcmp(type, "interrupt") == 0) {
			if (idx == r->cur && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "redo")))
				r->cur_result = 0;
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
	long cut = 0;
	int exists;

	r->pb = pb;
	r->host = *h;
	r->fd = -1;
	r->results = cJSON_CreateObject();
	if (dir) {
		r->dir = xstrdup(dir);
	} else {
		char *root = pb_incidents_root(e), stamp[32];
		time_t t = time(NULL);
		struct tm tm;

		if (!root)
			goto bad;
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		r->dir = xasprintf("%s/%s-%s", root, stamp, pb->id);
		free(root);
	}
	/* a folder someone else could plant links in is refused, not quietly made private */
	if (fs_mkdir_p(r->dir, 0700, e) < 0 || fs_dir_check(r->dir, e) < 0)
		goto bad;
	journal = xasprintf("%s/%s", r->dir, PB_JOURNAL);
	exists = access(journal, F_OK) == 0;
	free(journal);
	r->fd = pb_journal_open(r->dir, &cut, e);
	if (r->fd < 0)
		goto bad;
	if (exists) {
		if (replay(r, e) < 0)
			goto bad;
		r->resumed = 1;
	}
	if (cut > 0) {
		cJSON *ev = pb_journal_event("repair");

		cJSON_AddNumberToObject(ev, "cut_bytes", (double)cut);
		cJSON_AddStringToObject(ev, "why", "the last line was torn (a full disk or a crash mid-write)");
		if (append(r, ev, e) < 0)
			goto bad;
	}
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
		char *src = pb_run_redact(h->source), *prom = pb_run_redact(h->prometheus);

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
		r->opened = ts_now_ms();
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

long pb_run_torn(const struct pb_run *r, long *first)
{
	*first = r->torn.first_line;
	return r->torn.count;
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
	cJSON *res = pb_run_result_of(r, step);

	return res ? pb_jstr(res, "summary") : NULL;
}

int64_t pb_run_wait_until(const struct pb_run *r)
{
	const struct pb_step *s = cur_step(r);
	cJSON *d, *u;
	int64_t until;

	if (!s || s->action != PB_ACT_WAIT || !(d = pb_run_data_of(r, s->id)))
		return 0;
	u = cJSON_GetObjectItemCaseSensitive(d, "until_ms");
	return pb_json_int64(u, &until) == 0 ? until : 0;
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
	if (!o) {
		char keys[200];

		return err_set(e, "step '%s' has no option '%.40s': choose %s", s->id, key,
			       pb_step_keys(s, keys, sizeof(keys)));
	}
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

int pb_run_interrupted(struct pb_run *r, int redo, struct err *e)
{
	cJSON *ev = pb_journal_event("interrupt");
	const struct pb_step *s = cur_step(r);

	if (s)
		cJSON_AddStringToObject(ev, "step", s->id);
	cJSON_AddBoolToObject(ev, "redo", redo);
	if (redo)
		r->cur_result = 0;
	return append(r, ev, e);
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
			res = pb_run_result_of(r, key);
			d = res ? cJSON_GetObjectItemCaseSensitive(res, "data") : NULL;
			if (res && strcmp(dot + 1, "summary") == 0)
				val = pb_jstr(res, "summary");
			else if (d && (v = cJSON_GetObjectItemCaseSensitive(d, dot + 1))) {
				if (cJSON_IsString(v))
					val = v->valuestring;
				else if (cJSON_IsNumber(v)) {
					int64_t whole;

					if (pb_json_int64(v, &whole) == 0)
						snprintf(num, sizeof(num), "%lld", (long long)whole);
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


/* ---- results ---- */

int pb_run_record(struct pb_run *r, int ok, const char *summary, cJSON *data, struct err *e)
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

int pb_run_failed(struct pb_run *r, const char *msg, struct err *e)
{
	struct err je;
	char copy[sizeof(e->msg)];

	snprintf(copy, sizeof(copy), "%s", msg);
	if (pb_run_record(r, 0, copy, cJSON_CreateObject(), &je) < 0)
		return err_set(e, "%s", je.msg);
	return err_set(e, "%s", copy);
}

int pb_run_result_ok(const struct pb_run *r)
{
	const struct pb_step *s = cur_step(r);
	cJSON *res;

	if (!s || !r->cur_result || !(res = pb_run_result_of(r, s->id)))
		return 0;
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok"));
}

const char *pb_run_source(const struct pb_run *r)
{
	int i;

	for (i = 0; i < r->pb->nsteps; i++) {
		const char *src;
		cJSON *d;

		if (r->pb->steps[i].action != PB_ACT_RANK_PODS || !(d = pb_run_data_of(r, r->pb->steps[i].id)))
			continue;
		if ((src = pb_jstr(d, "source")))
			return src;
	}
	return r->host.source;
}
