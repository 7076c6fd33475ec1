/* test_portfwd.c: the WebSocket pieces of port-forward (RFC 6455) and the source kinds that reach
 * pprof where it listens: unix:/PATH and --via. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fetch/portfwd.h"
#include "fetch/source.h"

/* RFC 6455 section 1.3's own example. */
static void test_accept_key(void **state)
{
	char out[32];

	(void)state;
	pfwd_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* Unmasks a client frame as a server does, checking its header; returns the payload length. */
static size_t unmask(const unsigned char *f, size_t n, unsigned char *payload, int *op)
{
	size_t h = 2, len = f[1] & 0x7f, i;
	const unsigned char *mask;

	assert_true(f[0] & 0x80); /* FIN */
	assert_true(f[1] & 0x80); /* a client masks */
	*op = f[0] & 0x0f;
	if (len == 126) {
		len = (size_t)f[2] << 8 | f[3];
		h = 4;
	} else if (len == 127) {
		len = 0;
		for (i = 0; i < 8; i++)
			len = len << 8 | f[2 + i];
		h = 10;
	}
	mask = f + h;
	h += 4;
	assert_int_equal(h + len, n);
	for (i = 0; i < len; i++)
		payload[i] = f[h + i] ^ mask[i & 3];
	return len;
}

static void test_frames(void **state)
{
	static unsigned char data[70000], frame[70100], back[70100];
	const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
	size_t sizes[] = {0, 5, 124, 125, 126, 65534, 65535, 65536, 69999}, k, n, len;
	int op;

	(void)state;
	for (k = 0; k < sizeof(data); k++)
		data[k] = (unsigned char)(k * 7 + 3);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		/* a data frame on channel 0: the channel byte, then the bytes */
		n = pfwd_ws_frame(2, 0, data, sizes[k], mask, frame);
		len = unmask(frame, n, back, &op);
		assert_int_equal(op, 2);
		assert_int_equal(len, sizes[k] + 1);
		assert_int_equal(back[0], 0);
		assert_memory_equal(back + 1, data, sizes[k]);
	}
	/* a control frame carries no channel byte */
	n = pfwd_ws_frame(10, -1, "ping!", 5, mask, frame);
	len = unmask(frame, n, back, &op);
	assert_int_equal(op, 10);
	assert_int_equal(len, 5);
	assert_memory_equal(back, "ping!", 5);
}

static void test_remote_kinds(void **state)
{
	enum source_via via = SOURCE_VIA_AUTO;

	(void)state;
	assert_true(source_is_remote("unix:/run/app.sock"));
	assert_true(source_is_remote("pid/1234"));
	assert_true(source_is_remote("pod/web-0"));
	assert_true(source_is_remote("https://h:1"));
	assert_false(source_is_remote("dump.txt"));
	assert_false(source_is_remote("unixdump.txt"));
	assert_false(source_is_remote("-"));
	assert_int_equal(source_parse_via("port-forward", &via), 0);
	assert_int_equal(via, SOURCE_VIA_PORTFORWARD);
	assert_int_equal(source_parse_via("proxy", &via), 0);
	assert_int_equal(via, SOURCE_VIA_PROXY);
	assert_int_equal(source_parse_via("tunnel", &via), -1);
}

static void test_unix_urls(void **state)
{
	struct source_opts o;
	struct source s;
	struct err e;

	(void)state;
	source_opts_init(&o);
	assert_int_equal(source_open("unix:/run/app.sock", &o, &s, &e), 0);
	assert_int_equal(s.kind, SOURCE_UNIX);
	assert_string_equal(s.url, "http://localhost/debug/pprof/goroutine?debug=1");
	assert_string_equal(s.http.unix_socket, "/run/app.sock");
	assert_string_equal(s.shown, "unix:/run/app.sock:/debug/pprof/goroutine?debug=1");
	assert_string_equal(s.pod, "app.sock");
	source_close(&s);
	/* dockerd serves pprof on its API socket: a prefix, given as the pprof base itself */
	assert_int_equal(source_open("unix:/var/run/docker.sock:/debug/pprof", &o, &s, &e), 0);
	assert_string_equal(s.url, "http://localhost/debug/pprof/goroutine?debug=1");
	source_close(&s);
	assert_int_equal(source_open("unix:/s.sock:/app/debug/pprof/", &o, &s, &e), 0);
	assert_string_equal(s.url, "http://localhost/app/debug/pprof/goroutine?debug=1");
	source_close(&s);
	/* a whole profile URL is used as given */
	assert_int_equal(source_open("unix:/s.sock:/debug/pprof/goroutine?debug=2", &o, &s, &e), 0);
	assert_string_equal(s.url, "http://localhost/debug/pprof/goroutine?debug=2");
	assert_int_equal(s.debug, 2);
	source_close(&s);
	assert_int_equal(source_open("unix:run/app.sock", &o, &s, &e), -1);
	assert_non_null(strstr(e.msg, "absolute path"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_remote_kinds),
		cmocka_unit_test(test_unix_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
