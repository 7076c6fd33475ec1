/* test_diff.c: the diff of snapshots parsed from text made here, the wait-age estimate, and the
 * frame that tells apart groups with the same top frame. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/diff.h"
#include "analyze/parse.h"

/* A debug=2 dump: for each entry, n goroutines of function fn blocked for minutes m (-1: none). */
struct gspec {
	const char *fn;
	int n;
	int minutes;
};

static struct snapshot *dump(const struct gspec *spec, size_t nspec)
{
	char line[256];
	struct parser *p = parse_new("t", SNAP_BY_LINES);
	struct snapshot *s;
	struct err e;
	size_t i;
	int k, id = 1;

	for (i = 0; i < nspec; i++)
		for (k = 0; k < spec[i].n; k++) {
			int n;

			if (spec[i].minutes >= 1)
				n = snprintf(line, sizeof(line), "goroutine %d [chan send, %d minutes]:\n", id++,
					     spec[i].minutes);
			else
				n = snprintf(line, sizeof(line), "goroutine %d [chan send]:\n", id++);
			assert_int_equal(parse_feed(p, line, (size_t)n, &e), 0);
			n = snprintf(line, sizeof(line), "%s()\n\t/src/app/x.go:%d +0x1\n\n", spec[i].fn,
				     (int)strlen(spec[i].fn));
			assert_int_equal(parse_feed(p, line, (size_t)n, &e), 0);
		}
	s = parse_finish(p, &e);
	parse_free(p);
	assert_non_null(s);
	return s;
}

static const struct diff_row *row_of(const struct diff *d, const char *fn)
{
	size_t r;

	for (r = 0; r < d->nrows; r++)
		if (strcmp(d->rows[r].group->frames[0].func, fn) == 0)
			return &d->rows[r];
	fail_msg("no row for %s", fn);
	return NULL;
}

static void test_rank_and_status(void **state)
{
	const struct gspec a[] = {{"main.leak", 10, -1}, {"main.pool", 4, -1}, {"main.gone", 3, -1}, {"main.shrink", 5, -1}};
	const struct gspec b[] = {{"main.leak", 40, -1}, {"main.pool", 4, -1}, {"main.fresh", 12, -1}, {"main.shrink", 2, -1}};
	struct snapshot *s[2];
	const double times[2] = {1000, 1120};
	struct diff *d;

	(void)state;
	s[0] = dump(a, 4);
	s[1] = dump(b, 4);
	d = diff_new(s, 2, times, NULL);
	assert_non_null(d);
	assert_int_equal(d->nrows, 5);
	assert_string_equal(d->rows[0].group->frames[0].func, "main.leak");
	assert_string_equal(d->rows[1].group->frames[0].func, "main.fresh");
	assert_int_equal(row_of(d, "main.leak")->delta, 30);
	assert_int_equal(row_of(d, "main.leak")->status, DIFF_GREW);
	assert_true(fabs(row_of(d, "main.leak")->rate_per_min - 15.0) < 1e-12);
	assert_true(fabs(row_of(d, "main.leak")->growth_pct - 300.0) < 1e-12);
	assert_int_equal(row_of(d, "main.fresh")->status, DIFF_NEW);
	assert_true(isnan(row_of(d, "main.fresh")->growth_pct));
	assert_int_equal(row_of(d, "main.gone")->status, DIFF_VANISHED);
	assert_int_equal(row_of(d, "main.shrink")->status, DIFF_SHRANK);
	assert_int_equal(row_of(d, "main.pool")->status, DIFF_SAME);
	assert_int_equal(d->total_before, 22);
	assert_int_equal(d->total_after, 58);
	/* growth: +30 and +12; the top one explains 30/42 */
	assert_true(fabs(diff_top_share(d, 1) - 30.0 / 42.0) < 1e-12);
	diff_free(d);
	/* unknown times: no rate */
	d = diff_new(s, 2, NULL, NULL);
	assert_true(isnan(d->elapsed));
	assert_true(isnan(row_of(d, "main.leak")->rate_per_min));
	diff_free(d);
	snap_free(s[0]);
	snap_free(s[1]);
}

static void test_ignore_and_benign(void **state)
{
	const struct gspec a[] = {{"main.leak", 1, -1}, {"os/signal.signal_recv", 1, -1}};
	const struct gspec b[] = {{"main.leak", 3, -1}, {"os/signal.signal_recv", 1, -1}};
	const char *const ign[] = {"main.leak"};
	const struct diff_opts o = {ign, 1};
	struct snapshot *s[2];
	struct diff *d;

	(void)state;
	s[0] = dump(a, 2);
	s[1] = dump(b, 2);
	d = diff_new(s, 2, NULL, &o);
	assert_true(row_of(d, "main.leak")->ignored);
	assert_true(row_of(d, "os/signal.signal_recv")->benign);
	assert_false(row_of(d, "main.leak")->benign);
	assert_true(isnan(diff_top_share(d, 3)));
	diff_free(d);
	snap_free(s[0]);
	snap_free(s[1]);
}

static void test_agerate(void **state)
{
	/* steady: 20 a minute for minutes 1..4, the oldest minute partly filled */
	const struct gspec steady[] = {{"main.leak", 20, -1}, {"main.leak", 20, 1}, {"main.leak", 20, 2},
				       {"main.leak", 20, 3}, {"main.leak", 20, 4}, {"main.leak", 7, 5}};
	const struct gspec burst[] = {{"main.leak", 3, 7}, {"main.leak", 90, 8}, {"main.leak", 2, 9}};
	const struct gspec young[] = {{"main.leak", 9, 1}};
	struct snapshot *s;
	struct diff_agerate a;

	(void)state;
	s = dump(steady, 6);
	a = diff_agerate(s->groups[0]);
	assert_int_equal(a.shape, DIFF_SHAPE_STEADY);
	assert_true(fabs(a.per_minute - 20.0) < 1e-12);
	assert_true(fabs(a.started_min - 6.0) < 1e-12);
	assert_int_equal(a.aged, 87);
	snap_free(s);
	s = dump(burst, 3);
	a = diff_agerate(s->groups[0]);
	assert_int_equal(a.shape, DIFF_SHAPE_BURST);
	snap_free(s);
	s = dump(young, 1);
	a = diff_agerate(s->groups[0]);
	assert_int_equal(a.shape, DIFF_SHAPE_YOUNG);
	snap_free(s);
}

static void test_three(void **state)
{
	const struct gspec a[] = {{"main.leak", 10, -1}, {"main.burst", 5, -1}};
	const struct gspec b[] = {{"main.leak", 20, -1}, {"main.burst", 50, -1}};
	const struct gspec c[] = {{"main.leak", 30, -1}, {"main.burst", 50, -1}};
	const double times[3] = {0, 60, 120};
	struct snapshot *s[3];
	struct diff *d;

	(void)state;
	s[0] = dump(a, 2);
	s[1] = dump(b, 2);
	s[2] = dump(c, 2);
	d = diff_new(s, 3, times, NULL);
	/* the burst grew more, but only the leak grew at every step */
	assert_string_equal(d->rows[0].group->frames[0].func, "main.burst");
	assert_false(row_of(d, "main.burst")->every_step);
	assert_true(row_of(d, "main.leak")->every_step);
	assert_true(fabs(row_of(d, "main.leak")->slope_per_min - 10.0) < 1e-12);
	assert_int_equal(row_of(d, "main.leak")->counts[1], 20);
	diff_free(d);
	assert_null(diff_new(s, 1, NULL, NULL));
	snap_free(s[0]);
	snap_free(s[1]);
	snap_free(s[2]);
}

/* Three groups blocked at cache.go:46, called from two handlers, one of them by two routes, and
 * one elsewhere: each is told apart by its first frame that differs. */
static void test_distinct_frame(void **state)
{
	static const char text[] = "goroutine 1 [chan send]:\n"
				   "main.touch()\n\t/src/app/cache.go:46 +0x1\nmain.get()\n\t/src/app/h.go:10 +0x1\n"
				   "main.routeA()\n\t/src/app/r.go:1 +0x1\n\n"
				   "goroutine 2 [chan send]:\n"
				   "main.touch()\n\t/src/app/cache.go:46 +0x1\nmain.get()\n\t/src/app/h.go:10 +0x1\n"
				   "main.routeB()\n\t/src/app/r.go:2 +0x1\n\n"
				   "goroutine 3 [chan send]:\n"
				   "main.touch()\n\t/src/app/cache.go:46 +0x1\nmain.put()\n\t/src/app/h.go:20 +0x1\n\n"
				   "goroutine 4 [select]:\nmain.other()\n\t/src/app/o.go:3 +0x1\n\n";
	struct parser *p = parse_new("t", SNAP_BY_LINES);
	const struct snap_group *peers[4], *ga = NULL, *gb = NULL, *gc = NULL, *go = NULL;
	struct snapshot *s;
	struct err e;
	size_t i;

	(void)state;
	assert_int_equal(parse_feed(p, text, sizeof(text) - 1, &e), 0);
	s = parse_finish(p, &e);
	parse_free(p);
	assert_non_null(s);
	assert_int_equal(s->ngroups, 4);
	for (i = 0; i < 4; i++) {
		const struct snap_group *g = peers[i] = s->groups[i];
		const char *last = g->frames[g->nframes - 1].func;

		if (strcmp(last, "main.routeA") == 0)
			ga = g;
		else if (strcmp(last, "main.routeB") == 0)
			gb = g;
		else if (strcmp(last, "main.put") == 0)
			gc = g;
		else
			go = g;
	}
	assert_true(ga && gb && gc && go);
	/* A and B share main.get: the route is what differs; C differs from both at its caller */
	assert_int_equal(snap_distinct_frame(ga, peers, 4), 2);
	assert_string_equal(ga->frames[2].func, "main.routeA");
	assert_int_equal(snap_distinct_frame(gb, peers, 4), 2);
	assert_int_equal(snap_distinct_frame(gc, peers, 4), 1);
	assert_string_equal(gc->frames[1].func, "main.put");
	/* nobody else stops at o.go:3 */
	assert_int_equal(snap_distinct_frame(go, peers, 4), -1);
	assert_int_equal(snap_distinct_frame(ga, &ga, 1), -1);
	snap_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_and_status), cmocka_unit_test(test_ignore_and_benign),
		cmocka_unit_test(test_agerate),         cmocka_unit_test(test_three),
		cmocka_unit_test(test_distinct_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
