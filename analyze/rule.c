/* rule.c: the alert-rule language (grammar, parser, evaluation), its replay and tuning sweeps. */
#include "analyze/slope.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/text.h"
#include "lib/xmalloc.h"

/* --- rules ---------------------------------------------------------------------------------- */

enum node_kind { N_NUM, N_VALUE, N_FUNC, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV };
enum func_kind { F_DERIV, F_AVG, F_MIN, F_MAX };
enum cmp_kind { C_GT, C_GE, C_LT, C_LE, C_EQ, C_NE };

struct node {
	enum node_kind kind;
	enum func_kind func;
	double num;
	int64_t window;
	struct node *a, *b;
};

struct cond {
	struct node *lhs, *rhs;
	enum cmp_kind cmp;
};

struct slope_rule {
	char *text;
	struct cond *conds;
	size_t nconds, cap;
	int64_t for_ms, max_window;
};

struct rule_parser {
	const char *p, *start;
	struct slope_rule *r;
	struct err *e;
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n);
}

void slope_rule_free(struct slope_rule *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nconds; i++) {
		node_free(r->conds[i].lhs);
		node_free(r->conds[i].rhs);
	}
	free(r->conds);
	free(r->text);
	free(r);
}

static void skip_ws(struct rule_parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int fail(struct rule_parser *ps, const char *what)
{
	char shown[160];

	/* The rule comes from the command line or a file: no newline or escape reaches the error line. */
	text_sanitize(ps->start, shown, sizeof(shown));
	return err_set(ps->e, "rule '%s': %s at column %d", shown, what, (int)(ps->p - ps->start) + 1);
}

/* Whether the next word is w (followed by a non-identifier character); consumes it if so. */
static int word(struct rule_parser *ps, const char *w)
{
	size_t len = strlen(w);

	skip_ws(ps);
	if (strncmp(ps->p, w, len) == 0 && !isalnum((unsigned char)ps->p[len]) && ps->p[len] != '_') {
		ps->p += len;
		return 1;
	}
	return 0;
}

static struct node *new_node(enum node_kind kind)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	return n;
}

static struct node *parse_expr(struct rule_parser *ps);

static int parse_window(struct rule_parser *ps, int64_t *ms)
{
	const char *q;
	char buf[32];
	size_t len;

	skip_ws(ps);
	if (*ps->p != '[')
		return fail(ps, "expected '[' and a window after the function");
	ps->p++;
	skip_ws(ps);
	q = ps->p;
	while (isalnum((unsigned char)*ps->p))
		ps->p++;
	len = (size_t)(ps->p - q);
	if (len == 0 || len >= sizeof(buf))
		return fail(ps, "expected a duration such as 30m");
	memcpy(buf, q, len);
	buf[len] = '\0';
	if (ts_parse_duration(buf, ms) < 0) {
		ps->p = q;
		return fail(ps, "bad duration (use e.g. 30s, 5m, 1h, 1d)");
	}
	skip_ws(ps);
	if (*ps->p != ']')
		return fail(ps, "expected ']'");
	ps->p++;
	return 0;
}

static struct node *parse_factor(struct rule_parser *ps)
{
	static const struct {
		const char *name;
		enum func_kind kind;
	} funcs[] = {{"deriv", F_DERIV}, {"avg_over_time", F_AVG}, {"min_over_time", F_MIN}, {"max_over_time", F_MAX}};
	struct node *n;
	size_t i;

	skip_ws(ps);
	if (*ps->p == '(') {
		ps->p++;
		n = parse_expr(ps);
		if (!n)
			return NULL;
		skip_ws(ps);
		if (*ps->p != ')') {
			node_free(n);
			fail(ps, "expected ')'");
			return NULL;
		}
		ps->p++;
		return n;
	}
	if (*ps->p == '-') {
		ps->p++;
		n = new_node(N_NEG);
		n->a = parse_factor(ps);
		if (!n->a) {
			free(n);
			return NULL;
		}
		return n;
	}
	if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
		char *end;

		n = new_node(N_NUM);
		errno = 0;
		n->num = strtod(ps->p, &end);
		if (end == ps->p || errno || !isfinite(n->num) || isalpha((unsigned char)*end)) {
			free(n);
			fail(ps, "bad number");
			return NULL;
		}
		ps->p = end;
		return n;
	}
	if (word(ps, "value"))
		return new_node(N_VALUE);
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (word(ps, funcs[i].name)) {
			n = new_node(N_FUNC);
			n->func = funcs[i].kind;
			if (parse_window(ps, &n->window) < 0) {
				free(n);
				return NULL;
			}
			if (n->window > ps->r->max_window)
				ps->r->max_window = n->window;
			return n;
		}
	}
	fail(ps, *ps->p ? "expected a number, 'value', deriv[W], avg_over_time[W], min_over_time[W] or "
			  "max_over_time[W]"
			: "unexpected end");
	return NULL;
}

static struct node *parse_binary(struct rule_parser *ps, int level)
{
	struct node *lhs = level ? parse_factor(ps) : parse_binary(ps, 1);

	while (lhs) {
		char c;
		struct node *n;

		skip_ws(ps);
		c = *ps->p;
		if (level ? (c != '*' && c != '/') : (c != '+' && c != '-'))
			break;
		ps->p++;
		n = new_node(c == '*' ? N_MUL : c == '/' ? N_DIV : c == '+' ? N_ADD : N_SUB);
		n->a = lhs;
		n->b = level ? parse_factor(ps) : parse_binary(ps, 1);
		if (!n->b) {
			node_free(n);
			return NULL;
		}
		lhs = n;
	}
	return lhs;
}

static struct node *parse_expr(struct rule_parser *ps)
{
	return parse_binary(ps, 0);
}

static int parse_cmp(struct rule_parser *ps, enum cmp_kind *cmp)
{
	skip_ws(ps);
	if (strncmp(ps->p, ">=", 2) == 0)
		*cmp = C_GE;
	else if (strncmp(ps->p, "<=", 2) == 0)
		*cmp = C_LE;
	else if (strncmp(ps->p, "==", 2) == 0)
		*cmp = C_EQ;
	else if (strncmp(ps->p, "!=", 2) == 0)
		*cmp = C_NE;
	else if (*ps->p == '>')
		*cmp = C_GT;
	else if (*ps->p == '<')
		*cmp = C_LT;
	else
		return fail(ps, "expected a comparison (> >= < <= == !=)");
	ps->p += (*cmp == C_GT || *cmp == C_LT) ? 1 : 2;
	return 0;
}

struct slope_rule *slope_rule_parse(const char *text, struct err *e)
{
	struct slope_rule *r = xcalloc(1, sizeof(*r));
	struct rule_parser ps = {text, text, r, e};

	r->text = xstrdup(text);
	for (;;) {
		struct cond c = {NULL, NULL, C_GT};

		c.lhs = parse_expr(&ps);
		if (!c.lhs)
			goto bad;
		if (parse_cmp(&ps, &c.cmp) < 0) {
			node_free(c.lhs);
			goto bad;
		}
		c.rhs = parse_expr(&ps);
		if (!c.rhs) {
			node_free(c.lhs);
			goto bad;
		}
		r->conds = xgrow(r->conds, &r->cap, r->nconds + 1, sizeof(*r->conds));
		r->conds[r->nconds++] = c;
		if (!word(&ps, "and"))
			break;
	}
	if (word(&ps, "for")) {
		const char *q;
		char buf[32];
		size_t len;

		skip_ws(&ps);
		q = ps.p;
		while (isalnum((unsigned char)*ps.p))
			ps.p++;
		len = (size_t)(ps.p - q);
		if (len == 0 || len >= sizeof(buf)) {
			fail(&ps, "expected a duration after 'for'");
			goto bad;
		}
		memcpy(buf, q, len);
		buf[len] = '\0';
		if (ts_parse_duration(buf, &r->for_ms) < 0) {
			ps.p = q;
			fail(&ps, "bad duration after 'for' (use e.g. 10m)");
			goto bad;
		}
	}
	skip_ws(&ps);
	if (*ps.p) {
		fail(&ps, "unexpected text (expected 'and', 'for' or the end)");
		goto bad;
	}
	return r;
bad:
	slope_rule_free(r);
	return NULL;
}

const char *slope_rule_text(const struct slope_rule *r)
{
	return r->text;
}

int64_t slope_rule_for(const struct slope_rule *r)
{
	return r->for_ms;
}

/* The value of a constant: a number, or a negated one. */
static int constant(const struct node *n, double *v)
{
	if (n->kind == N_NUM) {
		*v = n->num;
		return 1;
	}
	if (n->kind == N_NEG && n->a && constant(n->a, v)) {
		*v = -*v;
		return 1;
	}
	return 0;
}

int slope_rule_deriv_threshold(const struct slope_rule *r, int64_t *window_ms, double *per_s)
{
	const struct cond *c;

	if (!r || r->nconds != 1)
		return 0;
	c = &r->conds[0];
	if (c->lhs->kind != N_FUNC || c->lhs->func != F_DERIV || (c->cmp != C_GT && c->cmp != C_GE) ||
	    !constant(c->rhs, per_s))
		return 0;
	*window_ms = c->lhs->window;
	return 1;
}

int64_t slope_rule_needs(const struct slope_rule *r)
{
	return r->max_window + r->for_ms;
}

int64_t slope_rule_max_window(const struct slope_rule *r)
{
	return r->max_window > SLOPE_LOOKBACK_MS ? r->max_window : SLOPE_LOOKBACK_MS;
}

/* Evaluates n at t; returns 0 with *out, or -1 when it has no value (as an empty vector). */
static int eval(const struct node *n, const struct slope_sample *s, size_t ns, int64_t t, enum slope_range mode,
		double *out)
{
	double a, b;
	size_t lo, hi;

	switch (n->kind) {
	case N_NUM:
		*out = n->num;
		return 0;
	case N_VALUE:
		/* the instant selector: newest sample in [t - lookback, t] */
		slope_window(s, ns, t, SLOPE_LOOKBACK_MS, SLOPE_RANGE_CLOSED, &lo, &hi);
		if (hi == lo)
			return -1;
		*out = s[hi - 1].v;
		return 0;
	case N_FUNC:
		slope_window(s, ns, t, n->window, mode, &lo, &hi);
		switch (n->func) {
		case F_DERIV:
			return slope_deriv(s + lo, hi - lo, out);
		case F_AVG:
			return slope_avg(s + lo, hi - lo, out);
		case F_MIN:
			return slope_min(s + lo, hi - lo, out);
		case F_MAX:
			return slope_max(s + lo, hi - lo, out);
		}
		return -1;
	case N_NEG:
		if (eval(n->a, s, ns, t, mode, &a) < 0)
			return -1;
		*out = -a;
		return 0;
	default:
		if (eval(n->a, s, ns, t, mode, &a) < 0 || eval(n->b, s, ns, t, mode, &b) < 0)
			return -1;
		*out = n->kind == N_ADD ? a + b : n->kind == N_SUB ? a - b : n->kind == N_MUL ? a * b : a / b;
		return 0;
	}
}

int slope_rule_holds(const struct slope_rule *r, const struct slope_sample *s, size_t n, int64_t t,
		     enum slope_range mode)
{
	size_t i;

	for (i = 0; i < r->nconds; i++) {
		const struct cond *c = &r->conds[i];
		double a, b;
		int ok;

		if (eval(c->lhs, s, n, t, mode, &a) < 0 || eval(c->rhs, s, n, t, mode, &b) < 0)
			return 0;
		switch (c->cmp) {
		case C_GT:
			ok = a > b;
			break;
		case C_GE:
			ok = a >= b;
			break;
		case C_LT:
			ok = a < b;
			break;
		case C_LE:
			ok = a <= b;
			break;
		case C_EQ:
			ok = a == b;
			break;
		default:
			ok = a != b; /* PromQL: NaN != x holds */
			break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* The first multiple of step at or after t. */
static int64_t align_up(int64_t t, int64_t step)
{
	int64_t q = t / step;

	if (q * step < t)
		q++;
	return q * step;
}

int slope_replay(const struct slope_rule *r, const struct slope_sample *s, size_t n,
		 const struct slope_replay_opts *o, struct slope_alert **alerts, size_t *nalerts, struct err *e)
{
	struct slope_alert *out = NULL, cur = {0, 0, 0};
	size_t nout = 0, cap = 0;
	int state = 0; /* 0 inactive, 1 pending, 2 firing */
	int64_t t;

	*alerts = NULL;
	*nalerts = 0;
	if (o->interval_ms <= 0)
		return err_set(e, "the evaluation interval must be positive");
	if (o->to < o->from)
		return 0;
	if ((o->to - o->from) / o->interval_ms > 10000000)
		return err_set(e, "too many evaluations: widen the interval or shorten the range");
	for (t = align_up(o->from, o->interval_ms); t <= o->to; t += o->interval_ms) {
		/* rules/alerting.go Eval: a new element becomes pending with ActiveAt = ts; pending
		 * turns firing once ts - ActiveAt >= for; an absent element is dropped (pending) or
		 * resolved (firing). */
		if (slope_rule_holds(r, s, n, t, o->mode)) {
			if (state == 0) {
				state = 1;
				cur.active_at = t;
				cur.fired_at = 0;
				cur.resolved_at = 0;
			}
			if (state == 1 && t - cur.active_at >= r->for_ms) {
				state = 2;
				cur.fired_at = t;
			}
		} else if (state) {
			if (state == 2) {
				cur.resolved_at = t;
				out = xgrow(out, &cap, nout + 1, sizeof(*out));
				out[nout++] = cur;
			}
			state = 0;
		}
	}
	if (state == 2) {
		cur.resolved_at = 0;
		out = xgrow(out, &cap, nout + 1, sizeof(*out));
		out[nout++] = cur;
	}
	*alerts = out;
	*nalerts = nout;
	return 0;
}

/* --- tuning --------------------------------------------------------------------------------- */

int slope_tune(const struct slope_sample *s, size_t n, const struct slope_replay_opts *o, int64_t leak_start,
	       const int64_t *windows, size_t nw, const double *thresholds, size_t nt, const int64_t *fors,
	       size_t nf, struct slope_tune_row *rows, struct err *e)
{
	double days = (double)(o->to - o->from) / 86400000.0;
	size_t iw, it, iff, row = 0;

	for (iw = 0; iw < nw; iw++)
		for (it = 0; it < nt; it++)
			for (iff = 0; iff < nf; iff++) {
				struct slope_rule rule = {0};
				struct cond c;
				struct node lhs = {0}, rhs = {0};
				struct slope_alert *al;
				struct slope_tune_row *tr = &rows[row++];
				size_t na, i;

				lhs.kind = N_FUNC;
				lhs.func = F_DERIV;
				lhs.window = windows[iw];
				rhs.kind = N_NUM;
				rhs.num = thresholds[it];
				c.lhs = &lhs;
				c.rhs = &rhs;
				c.cmp = C_GT;
				rule.conds = &c;
				rule.nconds = 1;
				rule.for_ms = fors[iff];
				rule.max_window = windows[iw];
				if (slope_replay(&rule, s, n, o, &al, &na, e) < 0)
					return -1;
				memset(tr, 0, sizeof(*tr));
				tr->window_ms = windows[iw];
				tr->threshold = thresholds[it];
				tr->for_ms = fors[iff];
				tr->alerts = na;
				tr->delay_ms = -1;
				for (i = 0; i < na; i++) {
					if (al[i].fired_at < leak_start)
						tr->false_alerts++;
					else if (tr->delay_ms < 0)
						tr->delay_ms = al[i].fired_at - leak_start;
					/* an alert already firing when the leak starts catches it at once */
					if (al[i].fired_at < leak_start &&
					    (al[i].resolved_at == 0 || al[i].resolved_at > leak_start) && tr->delay_ms < 0)
						tr->delay_ms = 0;
				}
				tr->alerts_per_day = days > 0 ? (double)na / days : 0;
				free(al);
			}
	return 0;
}
