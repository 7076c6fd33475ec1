/* test_classify.c: the leak-pattern catalogue, case by case: a goroutine dump (debug=2 or debug=1)
 * with one group of interest, the growth known of it, and the pattern and verdict expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/parse.h"
#include "playbooks/classify.h"

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
	size_t i, j;

	(void)state;
	assert_true(pb_npatterns >= 14);
	for (i = 0; i < pb_npatterns; i++) {
		const struct pb_pattern *p = &pb_patterns[i];

		assert_non_null(p->id);
		assert_non_null(p->title);
		assert_non_null(p->explanation);
		assert_non_null(p->advice);
		assert_ptr_equal(pb_pattern_find(p->id), p);
		for (j = 0; j < i; j++)
			assert_string_not_equal(pb_patterns[j].id, p->id);
	}
	assert_null(pb_pattern_find("no-such-pattern"));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
