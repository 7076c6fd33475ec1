/* prom.c: Prometheus instant queries and their JSON answers, parsed with cJSON into our structs. */
#include "fetch/prom.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/url.h"
#include "lib/text.h"
#include "lib/xmalloc.h"

#define PROM_MAX_FILE ((size_t)1 << 30)

void prom_result_init(struct prom_result *r)
{
	memset(r, 0, sizeof(*r));
}

static void series_done(struct prom_series *s)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++) {
		free(s->labels[i].name);
		free(s->labels[i].value);
	}
	free(s->labels);
	free(s->samples);
}

void prom_result_done(struct prom_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nseries; i++)
		series_done(&r->series[i]);
	free(r->series);
	for (i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	prom_result_init(r);
}

/* A [time, "value"] pair: float seconds (ms resolution) and a string float ("NaN", "+Inf"). */
static int parse_pair(const cJSON *pair, struct slope_sample *out, struct err *e)
{
	const cJSON *t = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);
	char *end;
	double d;

	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(t) || !cJSON_IsString(v))
		return err_set(e, "prometheus answer: a sample is not [time, \"value\"]");
	if (!isfinite(t->valuedouble) || fabs(t->valuedouble) > 1e13)
		return err_set(e, "prometheus answer: bad sample time");
	errno = 0;
	d = strtod(v->valuestring, &end);
	if (end == v->valuestring || *end)
		return err_set(e, "prometheus answer: bad sample value '%.40s'", v->valuestring);
	out->t = (int64_t)llround(t->valuedouble * 1000.0);
	out->v = d;
	return 0;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct slope_sample *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

static int parse_series(const cJSON *item, enum prom_type type, struct prom_series *s, struct err *e)
{
	const cJSON *metric = cJSON_GetObjectItemCaseSensitive(item, "metric"), *l, *pts;
	size_t i = 0, cap = 0;
	int sorted = 1;

	memset(s, 0, sizeof(*s));
	if (metric && !cJSON_IsObject(metric))
		return err_set(e, "prometheus answer: 'metric' is not an object");
	cJSON_ArrayForEach(l, metric)
	{
		if (!cJSON_IsString(l) || !l->string)
			return err_set(e, "prometheus answer: a label value is not a string");
		s->labels = xgrow(s->labels, &cap, s->nlabels + 1, sizeof(*s->labels));
		s->labels[s->nlabels].name = xstrdup(l->string);
		s->labels[s->nlabels].value = xstrdup(l->valuestring);
		s->nlabels++;
	}
	cap = 0;
	if (type == PROM_VECTOR) {
		pts = cJSON_GetObjectItemCaseSensitive(item, "value");
		if (!pts) /* a native histogram sample: not ours to read */
			return 0;
		s->samples = xmalloc(sizeof(*s->samples));
		if (parse_pair(pts, &s->samples[0], e) < 0)
			return -1;
		s->nsamples = 1;
		return 0;
	}
	pts = cJSON_GetObjectItemCaseSensitive(item, "values");
	if (!pts)
		return 0;
	if (!cJSON_IsArray(pts))
		return err_set(e, "prometheus answer: 'values' is not an array");
	s->samples = xmalloc(((size_t)cJSON_GetArraySize(pts) + 1) * sizeof(*s->samples));
	cJSON_ArrayForEach(l, pts)
	{
		if (parse_pair(l, &s->samples[i], e) < 0)
			return -1;
		if (i > 0 && s->samples[i].t <= s->samples[i - 1].t)
			sorted = 0;
		i++;
	}
	s->nsamples = i;
	if (!sorted)
		qsort(s->samples, s->nsamples, sizeof(*s->samples), cmp_sample);
	return 0;
}

static const char *str_item(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Copies printable bytes of s into out (n bytes). */
static void printable(const char *s, char *out, size_t n)
{
	text_sanitize(s, out, n);
}

static int error_answer(const cJSON *root, struct err *e)
{
	const char *type = str_item(root, "errorType"), *msg = str_item(root, "error");
	char t[64], m[200];

	printable(type ? type : "error", t, sizeof(t));
	printable(msg ? msg : "(no message)", m, sizeof(m));
	return err_set(e, "prometheus: %s: %s", t, m);
}

int prom_parse(const char *body, size_t len, struct prom_result *r, struct err *e)
{
	const cJSON *data, *result, *item, *w;
	const char *status, *rtype;
	cJSON *root;
	size_t i = 0, cap = 0;

	prom_result_init(r);
	root = cJSON_ParseWithLength(body, len);
	if (!root)
		return err_set(e, "prometheus answer is not JSON (is the URL a Prometheus server?)");
	status = str_item(root, "status");
	if (!status) {
		cJSON_Delete(root);
		return err_set(e, "prometheus answer has no 'status'");
	}
	if (strcmp(status, "success") != 0) {
		error_answer(root, e);
		cJSON_Delete(root);
		return -1;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	rtype = str_item(data, "resultType");
	result = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!rtype || !result) {
		cJSON_Delete(root);
		return err_set(e, "prometheus answer has no data.resultType or data.result");
	}
	w = cJSON_GetObjectItemCaseSensitive(root, "warnings");
	cJSON_ArrayForEach(item, w)
	{
		if (!cJSON_IsString(item))
			continue;
		r->warnings = xgrow(r->warnings, &cap, r->nwarnings + 1, sizeof(*r->warnings));
		r->warnings[r->nwarnings++] = xstrdup(item->valuestring);
	}
	cap = 0;
	if (strcmp(rtype, "scalar") == 0) {
		r->type = PROM_SCALAR;
		r->series = xcalloc(1, sizeof(*r->series));
		r->series[0].samples = xmalloc(sizeof(struct slope_sample));
		r->nseries = 1;
		if (parse_pair(result, &r->series[0].samples[0], e) < 0)
			goto bad;
		r->series[0].nsamples = 1;
		cJSON_Delete(root);
		return 0;
	}
	if (strcmp(rtype, "vector") == 0) {
		r->type = PROM_VECTOR;
	} else if (strcmp(rtype, "matrix") == 0) {
		r->type = PROM_MATRIX;
	} else {
		err_set(e, "prometheus answered a %.20s, not a vector or a matrix", rtype);
		goto bad;
	}
	if (!cJSON_IsArray(result)) {
		err_set(e, "prometheus answer: data.result is not an array");
		goto bad;
	}
	r->series = xcalloc((size_t)cJSON_GetArraySize(result) + 1, sizeof(*r->series));
	cJSON_ArrayForEach(item, result)
	{
		r->nseries = i + 1;
		if (!cJSON_IsObject(item)) {
			err_set(e, "prometheus answer: a result element is not an object");
			goto bad;
		}
		if (parse_series(item, r->type, &r->series[i], e) < 0)
			goto bad;
		i++;
	}
	cJSON_Delete(root);
	return 0;
bad:
	cJSON_Delete(root);
	prom_result_done(r);
	return -1;
}

/* Pulls "key":"value" out of a possibly cut-short JSON text (an HTTP error message). */
static int scan_field(const char *text, const char *key, char *out, size_t n)
{
	char pat[32];
	const char *p;
	size_t i = 0;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(text, pat);
	if (!p)
		return -1;
	for (p += strlen(pat); *p && *p != '"' && i + 1 < n; p++) {
		if (*p == '\\' && p[1])
			p++;
		out[i++] = ((unsigned char)*p < 0x20) ? '?' : *p;
	}
	out[i] = '\0';
	return 0;
}

char *prom_query_url(const char *base, const char *q, int64_t time_ms)
{
	size_t blen = strlen(base), ulen = 0, ucap = 0;
	char *url = NULL, tbuf[48];

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	url = xgrow(url, &ucap, blen + 32, 1);
	memcpy(url, base, blen);
	ulen = blen;
	memcpy(url + ulen, "/api/v1/query?query=", 21);
	ulen += 20;
	url = url_escape_append(url, &ulen, &ucap, q);
	snprintf(tbuf, sizeof(tbuf), "%lld.%03lld", (long long)(time_ms / 1000), (long long)(time_ms % 1000));
	url = xgrow(url, &ucap, ulen + 8, 1);
	memcpy(url + ulen, "&time=", 7);
	ulen += 6;
	return url_escape_append(url, &ulen, &ucap, tbuf);
}

void prom_explain(long status, struct err *e)
{
	char type[64], msg[200];

	/* the start of an error body is in the message: Prometheus sends
	 * {"status":"error","errorType":...,"error":...} with a 4xx/5xx status */
	if (status >= 400 && scan_field(e->msg, "errorType", type, sizeof(type)) == 0 &&
	    scan_field(e->msg, "error", msg, sizeof(msg)) == 0)
		err_set(e, "prometheus: %s: %s", type, msg);
}

int prom_query(const char *base, const char *q, int64_t time_ms, const struct http_opts *o, struct prom_result *r,
	       char **body, size_t *len, struct err *e)
{
	size_t got = 0;
	char *url, *buf = NULL;
	long status = 0;
	int ret;

	prom_result_init(r);
	if (body)
		*body = NULL;
	url = prom_query_url(base, q, time_ms);
	if (http_get_buf(url, o, &buf, &got, &status, e) < 0) {
		prom_explain(status, e);
		free(url);
		return -1;
	}
	free(url);
	ret = prom_parse(buf, got, r, e);
	if (body && ret == 0) {
		*body = buf;
		if (len)
			*len = got;
	} else {
		free(buf);
	}
	return ret;
}

int prom_load(const char *path, struct prom_result *r, struct err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	prom_result_init(r);
	if (fs_read_file(path, PROM_MAX_FILE, 0, &buf, &len, e) < 0)
		return -1;
	ret = prom_parse(buf, len, r, e);
	if (ret < 0) {
		char msg[sizeof(e->msg)];

		snprintf(msg, sizeof(msg), "%s", e->msg);
		err_set(e, "%s: %s", path, msg);
	}
	free(buf);
	return ret;
}

int prom_save(const char *path, const char *body, size_t len, struct err *e)
{
	return fs_write_file(path, body, len, NULL, 0600, e);
}

const char *prom_label_get(const struct prom_series *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

char *prom_series_name(const struct prom_series *s, char *buf, size_t n)
{
	const char *name = prom_label_get(s, "__name__");
	size_t used = 0, i;
	int w, first = 1;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	w = snprintf(buf, n, "%s{", name ? name : "");
	used = w < 0 ? 0 : (size_t)w;
	for (i = 0; i < s->nlabels && used < n; i++) {
		if (strcmp(s->labels[i].name, "__name__") == 0)
			continue;
		w = snprintf(buf + used, n - used, "%s%s=\"%s\"", first ? "" : ",", s->labels[i].name,
			     s->labels[i].value);
		if (w < 0)
			break;
		used += (size_t)w;
		first = 0;
	}
	if (name && first)
		snprintf(buf, n, "%s", name); /* a bare metric name */
	else if (used < n)
		snprintf(buf + used, n - used, "}");
	return buf;
}

/* ---- a series selector checked before it is sent ---- */

static int name_char(char c, int first)
{
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

/* A quoted label value at *p (", ' or `), moved past; -1 when it is not closed. */
static int quoted(const char **p)
{
	char q = **p;
	const char *s = *p + 1;

	for (; *s && *s != q; s++)
		if (*s == '\\' && q != '`' && s[1])
			s++;
	if (!*s)
		return -1;
	*p = s + 1;
	return 0;
}

/* One `label op "value"` at *p, moved past (or to where it goes wrong); NULL, or what is wrong. */
static const char *matcher(const char **p)
{
	const char *s = *p = skip_blank(*p);

	if (!name_char(*s, 1))
		return "a label name was expected";
	while (name_char(*s, 0))
		s++;
	s = *p = skip_blank(s);
	if (s[0] == '=' && s[1] != '~')
		s++;
	else if ((s[0] == '=' || s[0] == '!') && (s[1] == '~' || (s[0] == '!' && s[1] == '=')))
		s += 2;
	else
		return "a label needs =, !=, =~ or !~";
	s = *p = skip_blank(s);
	if (*s != '"' && *s != '\'' && *s != '`')
		return "a label value must be quoted";
	if (quoted(&s) < 0)
		return "a quoted label value is not closed";
	*p = skip_blank(s);
	return NULL;
}

/* The {...} at *p, moved past (or to where it goes wrong); NULL, or what is wrong. */
static const char *matchers(const char **p)
{
	const char *s = skip_blank(*p + 1), *why = NULL;

	while (!why && *s && *s != '}') {
		if ((why = matcher(&s)))
			break;
		if (*s == ',')
			s = skip_blank(s + 1);
		else if (*s && *s != '}')
			why = "label matchers are separated by ','";
	}
	if (!why && *s != '}')
		why = "'{' is not closed by '}'";
	*p = why ? s : s + 1;
	return why;
}

int prom_selector_check(const char *q, struct err *e)
{
	const char *p = skip_blank(q), *why = NULL;
	int named = name_char(*p, 1);

	while (name_char(*p, 0))
		p++;
	p = skip_blank(p);
	if (*p == '{')
		why = matchers(&p);
	else if (!named)
		why = "a selector starts with a metric name or '{'";
	if (!why && *skip_blank(p))
		why = *skip_blank(p) == '[' ? "no [range]: the range is added from --range/--window"
					    : "only a series selector (a metric name and {label matchers}) is taken";
	if (why)
		return err_set(e, "--query '%.120s': %s (at offset %d)", q, why, (int)(p - q));
	return 0;
}

char *prom_target_selector(const char *query, const char *target, int pod)
{
	const char *q = query ? query : pod ? "go_goroutines{pod=\"$target\"}" : "go_goroutines{instance=~\"$target\"}";
	size_t len = 0, cap = 0, nl = strlen(target);
	char *out = xgrow(NULL, &cap, 1, 1);

	out[0] = '\0';
	while (*q) {
		size_t skip = strncmp(q, "$target", 7) == 0 ? 7 : strncmp(q, "{{pod}}", 7) == 0 ? 7 : 0;

		if (skip) {
			out = xgrow(out, &cap, len + nl + 1, 1);
			memcpy(out + len, target, nl + 1);
			len += nl;
			q += skip;
		} else {
			out = xgrow(out, &cap, len + 2, 1);
			out[len++] = *q++;
			out[len] = '\0';
		}
	}
	return out;
}
