/* test_frame.c: reading Go function names, hashing, and sanitizing profile text for the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/frame.h"
#include "analyze/hash.h"
#include "lib/text.h"

static int internal(const char *f)
{
	return frame_is_runtime_internal(f, strlen(f));
}

static void test_runtime_internal(void **state)
{
	(void)state;
	assert_true(internal("runtime.gopark"));
	assert_true(internal("runtime.goexit"));
	assert_true(internal("runtime.chanrecv1"));
	assert_true(internal("runtime.(*mheap).alloc"));
	assert_true(internal("panic"));
	assert_false(internal("runtime.Gosched"));
	assert_false(internal("runtime.(*Func).Name"));
	assert_false(internal("runtime/pprof.writeGoroutine"));
	assert_false(internal("main.runtime"));
	assert_false(internal("sync.runtime_SemacquireMutex"));
}

static void test_user(void **state)
{
	(void)state;
	assert_true(frame_is_user("main.main"));
	assert_true(frame_is_user("main.(*server).handle.func1"));
	assert_true(frame_is_user("example.com/svc/cache.(*Cache[...]).Get"));
	assert_true(frame_is_user("github.com/a/b.F"));
	assert_false(frame_is_user("net/http.(*persistConn).readLoop"));
	assert_false(frame_is_user("sync.(*WaitGroup).Wait"));
	assert_false(frame_is_user("internal/poll.runtime_pollWait"));
	assert_false(frame_is_user("runtime.gopark"));
}

static void strip(const char *line, const char *want)
{
	size_t n = frame_strip_args(line, strlen(line));

	assert_int_equal(n, strlen(want));
	assert_memory_equal(line, want, n);
}

static void test_strip_args(void **state)
{
	(void)state;
	strip("main.f(0xc000010000, {0x4b1e20, 0x5}, 0x1?)", "main.f");
	strip("sync.(*Mutex).Lock(...)", "sync.(*Mutex).Lock");
	strip("example.com/x.(*T[...]).M(0x0)", "example.com/x.(*T[...]).M");
	strip("main.main()", "main.main");
	strip("panic({0x4600e0?, 0x4b8c30?})", "panic");
	strip("no args here", "no args here");
}

static void canon_is(const char *in, const char *want)
{
	char out[256];
	size_t n = frame_canon_generic(in, strlen(in), out);

	out[n] = '\0';
	assert_string_equal(out, want);
}

/* debug=0 names generic instantiations by shape; text dumps print "[...]": the same name. */
static void test_canon_generic(void **state)
{
	(void)state;
	canon_is("main.parallelMap[go.shape.int,go.shape.string]", "main.parallelMap[...]");
	canon_is("main.parallelMap[...]", "main.parallelMap[...]");
	canon_is("main.(*Pool[go.shape.struct { a int }]).Get", "main.(*Pool[...]).Get");
	canon_is("main.F[go.shape.map[string]int].func1", "main.F[...].func1");
	canon_is("main.plain", "main.plain");
	canon_is("main.cut[go.shape", "main.cut[go.shape");
	canon_is("main.x[T]", "main.x[T]");
}

static void test_hash_stable(void **state)
{
	char hex[17];

	(void)state;
	/* Keys are saved in snapshots and the known-leak database: the function must never change. */
	hash_hex(hash_bytes("main.leak", 9, 0), 16, hex);
	assert_string_equal(hex, "d91824fbb398ebec");
	assert_int_not_equal(hash_bytes("ab", 2, 0), hash_bytes("ba", 2, 0));
	assert_int_not_equal(hash_bytes("a", 1, 0), hash_bytes("a", 1, 1));
	assert_int_not_equal(hash_bytes("0123456789abcdefX", 17, 0), hash_bytes("0123456789abcdefY", 17, 0));
}

static void test_sanitize(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(text_sanitize("main.f\x1b[2Jx", out, sizeof(out)), "main.f?[2Jx");
	assert_string_equal(text_sanitize("a\tb\x7f", out, sizeof(out)), "a?b?");
	/* U+009B is a C1 CSI: as dangerous as ESC [ on some terminals */
	assert_string_equal(text_sanitize("x\xc2\x9b" "31m", out, sizeof(out)), "x?31m");
	assert_string_equal(text_sanitize("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9");
	assert_string_equal(text_sanitize("bad\xff\xfe", out, sizeof(out)), "bad??");
	assert_string_equal(text_sanitize("abcdef", out, 4), "abc");
	assert_string_equal(text_sanitize("\xe2\x94\x80\xe2\x94\x80", out, 5), "\xe2\x94\x80");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_internal), cmocka_unit_test(test_user),
		cmocka_unit_test(test_strip_args),       cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_sanitize),         cmocka_unit_test(test_canon_generic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
