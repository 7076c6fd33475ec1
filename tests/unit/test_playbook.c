/* test_playbook.c: playbook validation (each malformed case names the file, the step and what is
 * wrong), answer files, the bundled playbooks, and the engine's journal: a run stopped half way
 * resumes at the right step with every note kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "playbooks/journal.h"
#include "playbooks/playbook.h"
#include "playbooks/report.h"
#include "playbooks/run.h"
#include "playbooks/util.h"

static char dir[] = "/tmp/leakscope-test-playbook.XXXXXX";

#define HEAD "{\"id\":\"t\",\"title\":\"T\",\"steps\":["
#define TAIL "]}"

struct bad {
	const char *json;
	const char *want[3]; /* substrings of the message */
};

static const struct bad bad_cases[] = {
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"action\":\"explode\"}" TAIL, {"step 'a' (#1)", "unknown action \"explode\""}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"next\":\"zzz\"}" TAIL, {"step 'a' (#1)", "\"zzz\", which does not exist", "dangling"}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"choice\":{\"options\":[{\"key\":\"x\",\"label\":\"X\",\"next\":\"nope\"}]}}" TAIL,
	 {"step 'a'", "option \"x\"", "dangling"}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\"},{\"id\":\"b\",\"title\":\"B\",\"next\":\"a\"}" TAIL, {"step 'a' (#1)", "cycle without exit"}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\"},{\"id\":\"a\",\"title\":\"B\"}" TAIL, {"step 'a' (#2)", "appears twice"}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"colour\":\"red\"}" TAIL, {"step 'a'", "unknown field \"colour\""}},
	{HEAD "{\"id\":\"a\"}" TAIL, {"step 'a' (#1)", "missing \"title\""}},
	{HEAD "{\"title\":\"A\"}" TAIL, {"step #1", "missing \"id\""}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"action\":{\"type\":\"wait\"}}" TAIL, {"step 'a'", "needs \"seconds\""}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"action\":\"note\"},{\"id\":\"d\",\"title\":\"D\",\"action\":{\"type\":\"diff\",\"before\":\"a\",\"after\":\"a\"}}" TAIL,
	 {"step 'd' (#2)", "must name a snapshot step"}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"choice\":{\"default\":\"q\",\"options\":[{\"key\":\"x\",\"label\":\"X\",\"next\":\"end\"}]}}" TAIL,
	 {"step 'a'", "default \"q\""}},
	{"{\"id\":\"t\",\"title\":\"T\",\n\"steps\":[\n{\"id\":\"a\",,}]}", {"not valid JSON", "line 3"}},
	{"{\"id\":\"t\",\"title\":\"T\",\"steps\":[]}", {"\"steps\" must be a non-empty array"}},
	{HEAD "{\"id\":\"a\",\"title\":\"A\",\"action\":{\"type\":\"wait\",\"seconds\":-5}}" TAIL, {"step 'a'", "\"seconds\" must be a whole number"}},
};

static void test_malformed(void **state)
{
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct err e;
		struct pb_playbook *pb = pb_playbook_parse(bad_cases[i].json, strlen(bad_cases[i].json), "bad.json", &e);

		if (pb)
			fail_msg("case %zu parsed", i);
		if (strncmp(e.msg, "bad.json: ", 10) != 0)
			fail_msg("case %zu: no file name: %s", i, e.msg);
		for (k = 0; k < 3 && bad_cases[i].want[k]; k++)
			if (!strstr(e.msg, bad_cases[i].want[k]))
				fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad_cases[i].want[k]);
	}
}

/* A loop is fine as long as some branch leaves it. */
static void test_loop_with_exit(void **state)
{
	const char *j = HEAD "{\"id\":\"a\",\"title\":\"A\"},{\"id\":\"b\",\"title\":\"B\",\"choice\":{\"options\":["
			"{\"key\":\"again\",\"label\":\"again\",\"next\":\"a\"},{\"key\":\"done\",\"label\":\"done\",\"next\":\"end\"}]}}" TAIL;
	struct err e;
	struct pb_playbook *pb = pb_playbook_parse(j, strlen(j), "loop.json", &e);

	(void)state;
	if (!pb)
		fail_msg("%s", e.msg);
	assert_int_equal(pb->nsteps, 2);
	assert_int_equal(pb_step_next(pb, 0), 1);
	assert_int_equal(pb_option_next(pb, pb_step_option(&pb->steps[1], "again")), 0);
	assert_int_equal(pb_option_next(pb, pb_step_option(&pb->steps[1], "done")), -1);
	pb_playbook_free(pb);
}

static void test_bundled(void **state)
{
	static const char *const names[] = {"goroutine-leak", "slope-alert", "ci-budget", "pprof-exposure"};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		char *p = xasprintf("playbooks/%s.json", names[i]);
		struct err e;
		struct pb_playbook *pb = pb_playbook_load(p, &e);

		if (!pb)
			fail_msg("%s", e.msg);
		assert_string_equal(pb->id, names[i]);
		assert_int_equal(pb->target_minutes, 15);
		pb_playbook_free(pb);
		free(p);
	}
}

static const char run_pb[] =
	"{\"id\":\"drill\",\"title\":\"Drill\",\"target_minutes\":5,\"steps\":["
	"{\"id\":\"symptom\",\"title\":\"S\",\"action\":\"note\"},"
	"{\"id\":\"wait\",\"title\":\"W\",\"text\":\"after {{symptom.summary}}\",\"action\":{\"type\":\"wait\",\"seconds\":1}},"
	"{\"id\":\"pick\",\"title\":\"P\",\"choice\":{\"default\":\"b\",\"options\":["
	"{\"key\":\"a\",\"label\":\"A\",\"next\":\"end\"},{\"key\":\"b\",\"label\":\"B\",\"next\":\"last\"}]}},"
	"{\"id\":\"last\",\"title\":\"L\",\"action\":\"note\",\"root_cause\":true},"
	"{\"id\":\"report\",\"title\":\"R\",\"action\":\"report\"}]}";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_answers(void **state)
{
	struct err e;
	struct pb_playbook *pb = pb_playbook_parse(run_pb, strlen(run_pb), "drill.json", &e);
	struct pb_answers a;
	char *p = xasprintf("%s/answers.json", dir);

	(void)state;
	assert_non_null(pb);
	write_file(p, "{\"symptom\":\"paged at 03:00\",\"pick\":\"a\",\"last\":{\"note\":\"done\"}}");
	assert_int_equal(pb_answers_load(p, pb, &a, &e), 0);
	assert_string_equal(pb_answers_get(&a, "pick")->choice, "a");
	assert_string_equal(pb_answers_get(&a, "symptom")->note, "paged at 03:00");
	assert_null(pb_answers_get(&a, "wait"));
	pb_answers_done(&a);
	write_file(p, "{\"pick\":\"zzz\"}");
	assert_int_equal(pb_answers_load(p, pb, &a, &e), -1);
	assert_non_null(strstr(e.msg, "step 'pick'"));
	assert_non_null(strstr(e.msg, "options: a, b"));
	write_file(p, "{\"nosuch\":\"x\"}");
	assert_int_equal(pb_answers_load(p, pb, &a, &e), -1);
	assert_non_null(strstr(e.msg, "\"nosuch\" is not in playbook drill"));
	write_file(p, "[1]");
	assert_int_equal(pb_answers_load(p, pb, &a, &e), -1);
	assert_non_null(strstr(e.msg, p));
	free(p);
	pb_playbook_free(pb);
}

static int count_events(const char *d, const char *type, const char *step)
{
	struct err e;
	cJSON *arr = pb_journal_read(d, NULL, &e), *ev;
	int n = 0;

	assert_non_null(arr);
	cJSON_ArrayForEach(ev, arr)
		n += strcmp(pb_jstr(ev, "ev"), type) == 0 && (!step || (pb_jstr(ev, "step") && strcmp(pb_jstr(ev, "step"), step) == 0));
	cJSON_Delete(arr);
	return n;
}

/* A run dropped in the middle of the wait resumes at the wait, with its note and deadline. */
static void test_resume(void **state)
{
	struct err e;
	struct pb_playbook *pb = pb_playbook_parse(run_pb, strlen(run_pb), "drill.json", &e);
	struct pb_host h = {0};
	char *d = xasprintf("%s/incident", dir), *md = NULL;
	struct pb_run *r;
	int64_t until;

	(void)state;
	assert_non_null(pb);
	r = pb_run_open(pb, d, &h, &e);
	assert_non_null(r);
	assert_false(pb_run_resumed(r));
	assert_string_equal(pb_run_step(r)->id, "symptom");
	assert_int_equal(pb_run_note(r, "paged: token=s3cr3t in the log, see https://bob:pw@host/x", &e), 0);
	assert_int_equal(pb_run_advance(r, &e), 0);
	assert_string_equal(pb_run_step(r)->id, "wait");
	assert_int_equal(pb_run_act(r, NULL, &e), 0);
	until = pb_run_wait_until(r);
	assert_true(until > 0);
	pb_run_free(r); /* dropped: no advance, no close */

	r = pb_run_open(pb, d, &h, &e);
	if (!r)
		fail_msg("%s", e.msg);
	assert_true(pb_run_resumed(r));
	assert_string_equal(pb_run_step(r)->id, "wait");
	assert_true(pb_run_has_result(r));
	assert_int_equal(pb_run_wait_until(r), until);
	assert_int_equal(pb_run_advance(r, &e), 0);
	assert_string_equal(pb_run_step(r)->id, "pick");
	assert_int_equal(pb_run_advance(r, &e), -1); /* a choice first */
	assert_int_equal(pb_run_choose(r, "b", &e), 0);
	pb_run_free(r); /* dropped after choosing */

	r = pb_run_open(pb, d, &h, &e);
	assert_non_null(r);
	assert_string_equal(pb_run_step(r)->id, "pick");
	assert_string_equal(pb_run_choice(r), "b");
	assert_int_equal(pb_run_advance(r, &e), 0);
	assert_string_equal(pb_run_step(r)->id, "last");
	assert_int_equal(pb_run_note(r, "owner: team-x", &e), 0);
	assert_int_equal(pb_run_advance(r, &e), 0);
	assert_int_equal(pb_run_act(r, NULL, &e), 0);
	assert_int_equal(pb_run_advance(r, &e), 0);
	assert_null(pb_run_step(r));
	assert_int_equal(pb_run_close(r, &e), 0);
	pb_run_free(r);

	assert_int_equal(count_events(d, "note", "symptom"), 1);
	assert_int_equal(count_events(d, "result", "wait"), 1);
	assert_int_equal(count_events(d, "resume", NULL), 2);
	assert_int_equal(pb_report_write(d, &md, NULL, &e), 0);
	assert_non_null(strstr(md, "owner: team-x"));
	assert_non_null(strstr(md, "token=\\[redacted\\]") /* brackets escaped for Markdown */);
	assert_null(strstr(md, "s3cr3t"));
	assert_null(strstr(md, "bob:pw"));
	assert_non_null(strstr(md, "time to root cause: **"));
	assert_non_null(strstr(md, "target 5 minutes: met"));
	free(md);
	/* closed: no resume */
	assert_null(pb_run_open(pb, d, &h, &e));
	assert_non_null(strstr(e.msg, "closed"));
	free(d);
	pb_playbook_free(pb);
}

static void test_render_and_scrub(void **state)
{
	struct err e;
	struct pb_playbook *pb = pb_playbook_parse(run_pb, strlen(run_pb), "drill.json", &e);
	struct pb_host h = {.source = "http://127.0.0.1:1"};
	char *d = xasprintf("%s/render", dir), *t;
	struct pb_run *r = pb_run_open(pb, d, &h, &e);

	(void)state;
	assert_non_null(r);
	assert_int_equal(pb_run_advance(r, &e), 0);
	assert_int_equal(pb_run_act(r, NULL, &e), 0);
	t = pb_run_render(r, "{{wait.summary}} / {{wait.seconds}} / {{nope.x}} / {{source}}");
	assert_string_equal(t, "waited 1 s / 1 / ? / http://127.0.0.1:1");
	free(t);
	t = pb_scrub("Authorization: Bearer abc.def password=hunter2 ok");
	assert_string_equal(t, "Authorization: Bearer [redacted] password=[redacted] ok");
	free(t);
	pb_run_free(r);
	free(d);
	pb_playbook_free(pb);
}

static const char rank_pb[] =
	"{\"id\":\"pods\",\"title\":\"Pods\",\"steps\":["
	"{\"id\":\"rank\",\"title\":\"R\",\"action\":\"rank_pods\"},"
	"{\"id\":\"snap\",\"title\":\"S\",\"text\":\"of {{rank.outlier}} via {{source}}\",\"action\":\"snapshot\"}]}";

struct hook {
	char source[64], dest[512];
	int debug, calls;
};

/* A host that only starts captures (as the console does): the profile comes later. */
static int pending_fetch(void *ctx, const char *source, int debug, const char *dest, struct err *e)
{
	struct hook *h = ctx;

	(void)e;
	snprintf(h->source, sizeof(h->source), "%s", source);
	snprintf(h->dest, sizeof(h->dest), "%s", dest);
	h->debug = debug;
	h->calls++;
	return PB_PENDING;
}

/* rank_pods from the host's counts picks the outlier as the source of later snapshots, across a
 * resume; a snapshot handed to the host's hook stays pending until pb_run_fetched. */
static void test_rank_and_pending_snapshot(void **state)
{
	struct err e;
	struct pb_playbook *pb = pb_playbook_parse(rank_pb, strlen(rank_pb), "pods.json", &e);
	struct hook hk = {.calls = 0};
	struct pb_host h = {.source = "pod/given", .fetch = pending_fetch, .fetch_ctx = &hk};
	const struct pb_pod_count pods[] = {{"web-0", 41, NULL}, {"web-1", 40, NULL}, {"web-2", 42, NULL},
					    {"web-3", 440, NULL}, {"web-4", -1, "timed out"}};
	char *d = xasprintf("%s/rank", dir), *t;
	struct pb_run *r;

	(void)state;
	assert_non_null(pb);
	r = pb_run_open(pb, d, &h, &e);
	assert_non_null(r);
	assert_string_equal(pb_run_source(r), "pod/given");
	assert_int_equal(pb_run_rank(r, pods, 0, &e), -1); /* nothing to rank: a failed result */
	assert_false(pb_run_result_ok(r));
	assert_int_equal(pb_run_rank(r, pods, 5, &e), 0);
	assert_true(pb_run_result_ok(r));
	assert_non_null(strstr(pb_run_summary(r, "rank"), "outlier: web-3 (440 goroutines)"));
	assert_string_equal(pb_run_source(r), "pod/web-3");
	assert_int_equal(pb_run_advance(r, &e), 0);
	pb_run_free(r);

	r = pb_run_open(pb, d, &h, &e); /* resumed: the pick is kept */
	assert_non_null(r);
	assert_string_equal(pb_run_source(r), "pod/web-3");
	t = pb_run_render(r, pb_run_step(r)->text);
	assert_string_equal(t, "of web-3 via pod/web-3");
	free(t);
	assert_int_equal(pb_run_rank(r, pods, 5, &e), -1); /* not a rank step */
	assert_int_equal(pb_run_act(r, NULL, &e), PB_PENDING);
	assert_int_equal(hk.calls, 1);
	assert_string_equal(hk.source, "pod/web-3");
	assert_int_equal(hk.debug, 1);
	assert_true(pb_run_pending(r));
	assert_false(pb_run_has_result(r));
	assert_string_equal(pb_run_pending_dest(r), hk.dest);
	assert_int_equal(pb_run_fetched(r, "cancelled", &e), -1);
	assert_false(pb_run_pending(r));
	assert_true(pb_run_has_result(r));
	assert_false(pb_run_result_ok(r));
	assert_int_equal(pb_run_fetched(r, NULL, &e), -1); /* nothing pending */
	assert_int_equal(pb_run_act(r, NULL, &e), PB_PENDING);
	write_file(hk.dest, "goroutine profile: total 3\n3 @ 0x1 0x2\n#\t0x1\tmain.f+0x1\t/app/main.go:10\n\n");
	assert_int_equal(pb_run_fetched(r, NULL, &e), 0);
	assert_true(pb_run_result_ok(r));
	assert_non_null(strstr(pb_run_summary(r, "snap"), "3 goroutines"));
	assert_int_equal(count_events(d, "result", "snap"), 2);
	assert_int_equal(count_events(d, "result", "rank"), 2);
	pb_run_free(r);
	free(d);
	pb_playbook_free(pb);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* Numbers beyond long in a playbook, or beyond int64_t in a journal, are refused, never converted
 * (the conversion is undefined: the fuzz target found 6e91 as a step's "seconds"). */
static void test_huge_numbers(void **state)
{
	static const char *const nums[] = {"6.05556e+91", "-1e300", "9223372036854775808", "1.5"};
	char text[512];
	struct err e;
	int64_t v = 7;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"id\":\"w\",\"title\":\"w\","
			 "\"action\":{\"type\":\"wait\",\"seconds\":%s}}]}",
			 nums[i]);
		assert_null(pb_playbook_parse(text, strlen(text), "f.json", &e));
		assert_non_null(strstr(e.msg, "\"seconds\" must be a whole number"));
	}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		cJSON *n = cJSON_Parse(nums[i]);

		assert_int_equal(pb_json_int64(n, &v), -1);
		cJSON_Delete(n);
	}
	{
		cJSON *n = cJSON_Parse("-9007199254740992");

		assert_int_equal(pb_json_int64(n, &v), 0);
		assert_true(v == -9007199254740992LL);
		cJSON_Delete(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_loop_with_exit),
		cmocka_unit_test(test_bundled),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_render_and_scrub),
		cmocka_unit_test(test_rank_and_pending_snapshot),
		cmocka_unit_test(test_huge_numbers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
