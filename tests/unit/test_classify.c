/* test_classify.c: the leak-pattern catalogue, case by case: a goroutine dump (debug=2 or debug=1)
 * with one group of interest, the growth known of it, and the pattern and verdict expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/parse.h"
#include "playbooks/classify.h"
#include "playbooks/util.h"

struct ccase {
	const char *name;
	const char *dump;     /* one group */
	enum pb_growth growth;
	const char *pattern;  /* NULL: none */
	enum pb_verdict verdict;
};

#define G2(state, frames) "goroutine 7 [" state "]:\n" frames "\n"
#define F(fn, file, line) fn "(0x1)\n\t" file ":" #line " +0x10\n"
#define CREATED "created by main.start in goroutine 1\n\t/app/main.go:9 +0x20\n"

static const struct ccase cases[] = {
	{"chan send, debug=2, growing", G2("chan send", F("main.fetch.func1", "/app/main.go", 40) CREATED), PB_GROWING,
	 "chan-send-no-receiver", PB_V_LEAK},
	{"chan send alone is suspect", G2("chan send", F("main.fetch.func1", "/app/main.go", 40)), PB_UNKNOWN,
	 "chan-send-no-receiver", PB_V_SUSPECT},
	{"chan send, stable", G2("chan send", F("main.fetch.func1", "/app/main.go", 40)), PB_STABLE,
	 "chan-send-no-receiver", PB_V_STABLE},
	{"nil channel", G2("chan receive (nil chan)", F("main.wait", "/app/main.go", 12)), PB_UNKNOWN, "nil-channel",
	 PB_V_SUSPECT},
	{"select {}", G2("select (no cases)", F("main.forever", "/app/main.go", 3)), PB_GROWING, "select-empty",
	 PB_V_LEAK},
	{"select loop growing", G2("select", F("main.(*watcher).run", "/app/w.go", 20)), PB_GROWING, "select-no-exit",
	 PB_V_LEAK},
	{"select loop stable", G2("select", F("main.(*watcher).run", "/app/w.go", 20)), PB_STABLE, "select-loop",
	 PB_V_STABLE},
	{"select loop, one snapshot", G2("select", F("main.(*watcher).run", "/app/w.go", 20)), PB_UNKNOWN,
	 "select-loop", PB_V_UNKNOWN},
	{"worker pool never flagged", G2("chan receive", F("main.worker", "/app/pool.go", 8)), PB_UNKNOWN,
	 "idle-receiver", PB_V_UNKNOWN},
	{"worker pool stable", G2("chan receive", F("main.worker", "/app/pool.go", 8)), PB_STABLE, "idle-receiver",
	 PB_V_STABLE},
	{"receive growing", G2("chan receive", F("main.consume", "/app/c.go", 8)), PB_GROWING,
	 "chan-recv-never-closed", PB_V_LEAK},
	{"http body, readLoop", G2("select", F("net/http.(*persistConn).readLoop", "/go/src/net/http/transport.go", 2213)),
	 PB_GROWING, "http-body-not-closed", PB_V_LEAK},
	{"http body, writeLoop, debug=1",
	 "goroutine profile: total 3\n3 @ 0x1 0x2 0x3\n#\t0x3\tnet/http.(*persistConn).writeLoop+0x1\t/go/src/net/http/transport.go:2410\n\n",
	 PB_GROWING, "http-body-not-closed", PB_V_LEAK},
	{"server read without deadline",
	 G2("IO wait", F("internal/poll.runtime_pollWait", "/go/src/runtime/netpoll.go", 343)
			       F("internal/poll.(*pollDesc).wait", "/go/src/internal/poll/fd_poll_runtime.go", 84)
				       F("net.(*conn).Read", "/go/src/net/net.go", 183)
					       F("net/http.(*connReader).Read", "/go/src/net/http/server.go", 782)
						       F("net/http.(*conn).serve", "/go/src/net/http/server.go", 1996)),
	 PB_GROWING, "server-read-no-deadline", PB_V_LEAK},
	{"waitgroup, Go 1.19 state", G2("semacquire", F("sync.runtime_Semacquire", "/go/src/runtime/sema.go", 62)
							     F("sync.(*WaitGroup).Wait", "/go/src/sync/waitgroup.go", 139)
								     F("main.fanout.func1", "/app/f.go", 30)),
	 PB_UNKNOWN, "waitgroup-never-done", PB_V_SUSPECT},
	{"waitgroup, Go 1.25 state", G2("sync.WaitGroup.Wait", F("sync.runtime_SemacquireWaitGroup", "/go/src/runtime/sema.go", 114)
								       F("sync.(*WaitGroup).Wait", "/go/src/sync/waitgroup.go", 206)
									       F("main.fanout.func1", "/app/f.go", 30)),
	 PB_GROWING, "waitgroup-never-done", PB_V_LEAK},
	{"mutex, old Go", G2("semacquire", F("sync.runtime_SemacquireMutex", "/go/src/runtime/sema.go", 77)
						   F("sync.(*Mutex).lockSlow", "/go/src/sync/mutex.go", 171)
							   F("sync.(*Mutex).Lock", "/go/src/sync/mutex.go", 90)
								   F("main.(*cache).get", "/app/c.go", 11)),
	 PB_GROWING, "mutex-never-unlocked", PB_V_LEAK},
	{"rwmutex, new Go", G2("sync.RWMutex.RLock", F("sync.runtime_SemacquireRWMutexR", "/go/src/runtime/sema.go", 82)
							     F("sync.(*RWMutex).RLock", "/go/src/sync/rwmutex.go", 71)
								     F("main.(*cache).get", "/app/c.go", 11)),
	 PB_UNKNOWN, "mutex-never-unlocked", PB_V_SUSPECT},
	{"cond", G2("sync.Cond.Wait", F("sync.runtime_notifyListWait", "/go/src/runtime/sema.go", 597)
					  F("sync.(*Cond).Wait", "/go/src/sync/cond.go", 70) F("main.(*q).pop", "/app/q.go", 5)),
	 PB_GROWING, "cond-never-signalled", PB_V_LEAK},
	{"sleep loop", G2("sleep", F("time.Sleep", "/go/src/runtime/time.go", 195) F("main.poll", "/app/p.go", 5)),
	 PB_GROWING, "sleep-loop", PB_V_LEAK},
	{"net read growing", G2("IO wait", F("internal/poll.runtime_pollWait", "/go/src/runtime/netpoll.go", 343)
						   F("net.(*conn).Read", "/go/src/net/net.go", 183)
							   F("main.readPeer", "/app/p.go", 5)),
	 PB_GROWING, "net-read-no-deadline", PB_V_LEAK},
	{"debug=1 user leaf growing",
	 "goroutine profile: total 3\n3 @ 0x1 0x2 0x3\n#\t0x3\tmain.leakChanSend.func1+0x5d\t/app/main.go:186\n\n",
	 PB_GROWING, "chan-or-select", PB_V_LEAK},
	{"debug=1 pool stable",
	 "goroutine profile: total 4\n4 @ 0x1 0x2 0x3\n#\t0x3\tmain.poolWorker+0x44\t/app/main.go:477\n\n",
	 PB_STABLE, "parked-in-user-code", PB_V_STABLE},
	{"debug=1 pool alone: not flagged",
	 "goroutine profile: total 4\n4 @ 0x1 0x2 0x3\n#\t0x3\tmain.poolWorker+0x44\t/app/main.go:477\n\n",
	 PB_UNKNOWN, "parked-in-user-code", PB_V_UNKNOWN},
	{"running: no pattern", G2("running", F("main.work", "/app/w.go", 5)), PB_UNKNOWN, NULL, PB_V_UNKNOWN},
	{"runtime proved it", "goroutine 9 [chan send (leaked)]:\n" F("main.lost", "/app/l.go", 5) "\n", PB_UNKNOWN,
	 "runtime-proven-leak", PB_V_LEAK},
};

static struct snapshot *parse_text(const char *text)
{
	struct parser *p = parse_new("t", SNAP_BY_LINES);
	struct snapshot *s;
	struct err e;

	if (parse_feed(p, text, strlen(text), &e) < 0)
		fail_msg("parse: %s", e.msg);
	s = parse_finish(p, &e);
	parse_free(p);
	if (!s)
		fail_msg("parse: %s", e.msg);
	return s;
}

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *c = &cases[i];
		struct snapshot *s = parse_text(c->dump);
		struct pb_class k;

		if (s->ngroups != 1)
			fail_msg("%s: %zu groups", c->name, s->ngroups);
		k = pb_classify(s->groups[0], c->growth);
		if (!c->pattern && k.pattern)
			fail_msg("%s: pattern %s, wanted none", c->name, k.pattern->id);
		if (c->pattern && (!k.pattern || strcmp(k.pattern->id, c->pattern) != 0))
			fail_msg("%s: pattern %s, wanted %s", c->name, k.pattern ? k.pattern->id : "none", c->pattern);
		if (k.verdict != c->verdict)
			fail_msg("%s: verdict %s, wanted %s", c->name, pb_verdict_name(k.verdict),
				 pb_verdict_name(c->verdict));
		snap_free(s);
	}
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(pb_glob("net/http.(*persistConn).readLoop", "net/http.(*persistConn).readLoop"));
	assert_true(pb_glob("*.ServeHTTP", "net/http.HandlerFunc.ServeHTTP"));
	assert_true(pb_glob("a*c*e", "abcde"));
	assert_false(pb_glob("a*c*e", "abcdf"));
	assert_false(pb_glob("sync.(*Mutex).Lock", "sync.(*Mutex).Unlock"));
	assert_true(pb_glob("*", ""));
}

static void test_catalogue(void **state)
{
	const struct pb_catalogue *cat = pb_patterns();
	size_t i, j;

	(void)state;
	assert_null(pb_patterns_error());
	assert_string_equal(cat->name, "built-in");
	assert_true(cat->n >= 14);
	for (i = 0; i < cat->n; i++) {
		const struct pb_pattern *p = &cat->patterns[i];

		assert_non_null(p->id);
		assert_non_null(p->title);
		assert_non_null(p->explanation);
		assert_non_null(p->advice);
		assert_ptr_equal(pb_pattern_find(p->id), p);
		for (j = 0; j < i; j++)
			assert_string_not_equal(cat->patterns[j].id, p->id);
	}
	assert_null(pb_pattern_find("no-such-pattern"));
}

/* The catalogue built into the binary is playbooks/patterns.json as it is now: a stale
 * playbooks/patterns_data.c (playbooks/embed.sh not run after an edit) fails here. */
static void test_embedded_fresh(void **state)
{
	const char *data = getenv("LEAKSCOPE_DATA");
	char path[4096];
	char *text;
	size_t len;
	struct err e;

	(void)state;
	if (data) /* tests/lib/unit.sh sets it; otherwise run from the repository root */
		snprintf(path, sizeof(path), "%s/../../playbooks/patterns.json", data);
	else
		snprintf(path, sizeof(path), "playbooks/patterns.json");
	if (fs_read_file(path, 1 << 20, FS_REGULAR, &text, &len, &e) < 0)
		fail_msg("%s", e.msg);
	if (len != pb_patterns_json_len || memcmp(text, pb_patterns_json, len) != 0)
		fail_msg("playbooks/patterns_data.c is stale: run playbooks/embed.sh playbooks/patterns.json "
			 "playbooks/patterns_data.c");
	free(text);
}

/* A malformed catalogue is refused with the file, the pattern and the fault named. */
static void test_malformed(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"{\"patterns\": [", "cat.json: not valid JSON (near line 1)"},
		{"[]", "cat.json: the catalogue must be a JSON object"},
		{"{\"patterns\": []}", "cat.json: \"patterns\" must be an array of 1 to"},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\"}]}",
		 "cat.json: pattern 'a' (#1): missing \"when\""},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {\"states\": [\"select\"], \"growht\": \"growing\"}}]}",
		 "cat.json: pattern 'a' (#1): unknown field \"growht\" in \"when\""},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {\"states\": [\"select\"]}}, {\"id\": \"b\", \"title\": \"t\", \"explanation\": \"x\", "
		 "\"advice\": \"y\", \"when\": {\"growth\": \"sometimes\"}}]}",
		 "cat.json: pattern 'b' (#2): \"growth\" must be \"any\" or \"growing\""},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {\"leaf_user\": true}}, {\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", "
		 "\"advice\": \"y\", \"when\": {\"leaf_user\": true}}]}",
		 "cat.json: pattern 'a' (#2): the id is already used by pattern #1"},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {\"leaf_user\": true}}]}",
		 "cat.json: pattern 'a' (#1): \"title\" is empty"},
		{"{\"patterns\": [{\"id\": \"A b\"}]}", "cat.json: pattern #1: the id \"A b\" must be"},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {}}]}",
		 "cat.json: pattern 'a' (#1): \"when\" states no condition"},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {\"any\": [\"f1\", \"f2\", \"f3\", \"f4\", \"f5\", \"f6\", \"f7\", \"f8\", \"f9\"]}}]}",
		 "cat.json: pattern 'a' (#1): \"any\" must be an array of 1 to 8 strings"},
		{"{\"patterns\": [{\"id\": \"a\", \"title\": \"t\", \"explanation\": \"x\", \"advice\": \"y\", "
		 "\"when\": {\"proven\": true, \"states\": [\"select\"]}}]}",
		 "cat.json: pattern 'a' (#1): \"proven\" stands alone"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = {""};
		struct pb_catalogue *cat = pb_catalogue_parse(bad[i].text, strlen(bad[i].text), "cat.json", &e);

		if (cat)
			fail_msg("case %zu: accepted", i);
		if (strncmp(e.msg, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("case %zu: '%s', wanted '%s...'", i, e.msg, bad[i].want);
		if (strchr(e.msg, '\n'))
			fail_msg("case %zu: more than one line: '%s'", i, e.msg);
	}
}

/* A team's own catalogue replaces the built-in one, and a file that does not load leaves the
 * catalogue in use as it was. */
static void test_custom_catalogue(void **state)
{
	static const char custom[] =
		"{\"patterns\": [\n"
		"  {\"id\": \"queue-consumer-stuck\", \"title\": \"consumer stuck on the job queue\",\n"
		"   \"explanation\": \"x\", \"advice\": \"y\", \"leak\": true, \"alone\": true,\n"
		"   \"when\": {\"states\": [\"chan receive\"], \"any\": [\"example.com/jobs.(*Queue).*\"]}}\n"
		"]}\n";
	const char *dump = G2("chan receive", F("example.com/jobs.(*Queue).next", "/app/q.go", 12)
						      F("main.consume", "/app/c.go", 8));
	char path[] = "/tmp/test_classify.XXXXXX";
	struct snapshot *s = parse_text(dump);
	struct pb_class k;
	struct err e;
	FILE *f;
	int fd;

	(void)state;
	k = pb_classify(s->groups[0], PB_UNKNOWN);
	assert_string_equal(k.pattern->id, "idle-receiver");
	assert_int_equal(k.verdict, PB_V_UNKNOWN);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(custom, f);
	fclose(f);
	if (pb_patterns_use(path, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(pb_patterns()->name, path);
	k = pb_classify(s->groups[0], PB_UNKNOWN);
	assert_non_null(k.pattern);
	assert_string_equal(k.pattern->id, "queue-consumer-stuck");
	assert_int_equal(k.verdict, PB_V_SUSPECT);
	assert_null(pb_pattern_find("idle-receiver"));

	assert_int_equal(pb_patterns_use("/nonexistent/patterns.json", &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/patterns.json"));
	assert_string_equal(pb_patterns()->name, path); /* unchanged */

	unsetenv("LEAKSCOPE_PATTERNS");
	assert_int_equal(pb_patterns_use(NULL, &e), 0);
	assert_string_equal(pb_patterns()->name, "built-in");
	assert_string_equal(pb_classify(s->groups[0], PB_UNKNOWN).pattern->id, "idle-receiver");
	unlink(path);
	snap_free(s);
}

/* Steady wait ages count as growth in a single snapshot. */
static void test_ages_growth(void **state)
{
	char buf[64 * 1024];
	size_t o = 0;
	int m, k, id = 1;
	struct snapshot *s;

	(void)state;
	for (m = 1; m <= 10; m++)
		for (k = 0; k < 3; k++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "goroutine %d [select, %d minutes]:\n" F("main.(*watcher).run", "/app/w.go", 20) "\n",
					      id++, m);
	s = parse_text(buf);
	assert_int_equal(pb_growth_of(s->groups[0], NULL), PB_GROWING);
	assert_string_equal(pb_classify(s->groups[0], PB_GROWING).pattern->id, "select-no-exit");
	snap_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_ages_growth),
		cmocka_unit_test(test_embedded_fresh),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_custom_catalogue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
