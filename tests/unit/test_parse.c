/* test_parse.c: the parser front end and the debug=0 decoder on bytes built here: format sniffing,
 * packed and unpacked fields, malformed protobufs, gzip damage, size limits, chunk invariance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "analyze/parse.h"

/* ---- a tiny protobuf writer ---- */

struct pb {
	unsigned char *p;
	size_t len, cap;
};

static void pb_byte(struct pb *b, unsigned char c)
{
	b->p = xgrow(b->p, &b->cap, b->len + 1, 1);
	b->p[b->len++] = c;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	while (v >= 0x80) {
		pb_byte(b, (unsigned char)(v | 0x80));
		v >>= 7;
	}
	pb_byte(b, (unsigned char)v);
}

static void pb_bytes(struct pb *b, const void *d, size_t n)
{
	b->p = xgrow(b->p, &b->cap, b->len + n, 1);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void pb_uint(struct pb *b, unsigned field, uint64_t v)
{
	pb_varint(b, field << 3 | 0);
	pb_varint(b, v);
}

static void pb_msg(struct pb *b, unsigned field, const struct pb *m)
{
	pb_varint(b, field << 3 | 2);
	pb_varint(b, m->len);
	pb_bytes(b, m->p, m->len);
}

static void pb_str(struct pb *b, unsigned field, const char *s)
{
	struct pb m = {(unsigned char *)s, strlen(s), 0};

	pb_msg(b, field, &m);
}

static void pb_free(struct pb *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

enum { S_EMPTY, S_GOROUTINE, S_COUNT, S_LEAK, S_FILE, S_MAIN, S_KEY, S_VAL, S_GOPARK, S_NSTR };

struct opts {
	int packed;        /* pack Sample.location_id */
	int64_t bad_str;   /* a Function.name index to use instead of the right one, or 0 */
	uint64_t bad_loc;  /* a location id the sample refers to instead, or 0 */
	int type;          /* sample type string */
};

/* A goroutine profile: 3 goroutines in main.leak (+ runtime.gopark on top) labelled k=v. */
static struct pb profile(const struct opts *o)
{
	static const char *strings[S_NSTR] = {"", "goroutine", "count", "goroutineleak", "/src/a.go", "main.leak",
					       "k", "v", "runtime.gopark"};
	struct pb b = {0}, m = {0}, sub = {0};
	int i;

	pb_uint(&m, 1, (uint64_t)(o->type ? o->type : S_GOROUTINE));
	pb_uint(&m, 2, S_COUNT);
	pb_msg(&b, 1, &m);
	pb_free(&m);
	/* Sample{location_id: [1, 2], value: [3], label: {k: v}} */
	if (o->packed) {
		pb_varint(&sub, 1);
		pb_varint(&sub, o->bad_loc ? o->bad_loc : 2);
		pb_msg(&m, 1, &sub);
		pb_free(&sub);
	} else {
		pb_uint(&m, 1, 1);
		pb_uint(&m, 1, o->bad_loc ? o->bad_loc : 2);
	}
	pb_uint(&m, 2, 3);
	pb_uint(&sub, 1, S_KEY);
	pb_uint(&sub, 2, S_VAL);
	pb_msg(&m, 3, &sub);
	pb_free(&sub);
	pb_msg(&b, 2, &m);
	pb_free(&m);
	/* Locations: 1 → runtime.gopark, 2 → main.leak:13 */
	for (i = 1; i <= 2; i++) {
		pb_uint(&m, 1, (uint64_t)i);
		pb_uint(&sub, 1, (uint64_t)i);
		pb_uint(&sub, 2, i == 1 ? 363 : 13);
		pb_msg(&m, 4, &sub);
		pb_free(&sub);
		pb_msg(&b, 4, &m);
		pb_free(&m);
	}
	for (i = 1; i <= 2; i++) {
		pb_uint(&m, 1, (uint64_t)i);
		pb_uint(&m, 2, (uint64_t)(i == 2 && o->bad_str ? o->bad_str : i == 1 ? S_GOPARK : S_MAIN));
		pb_uint(&m, 4, S_FILE);
		pb_msg(&b, 5, &m);
		pb_free(&m);
	}
	for (i = 0; i < S_NSTR; i++)
		pb_str(&b, 6, strings[i]);
	pb_uint(&b, 9, 1764342000123000000ULL);
	return b;
}

static struct pb gzip(const unsigned char *d, size_t n)
{
	struct pb out = {0};
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	out.cap = deflateBound(&z, n) + 64;
	out.p = xmalloc(out.cap);
	z.next_in = (unsigned char *)d;
	z.avail_in = (uInt)n;
	z.next_out = out.p;
	z.avail_out = (uInt)out.cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Parses d[0..n) fed in pieces of chunk bytes. */
static struct snapshot *parse_chunks(const void *d, size_t n, size_t chunk, enum snap_by by, struct err *e)
{
	struct parser *p = parse_new("test", by);
	struct snapshot *s = NULL;
	size_t off;

	for (off = 0; off < n; off += chunk)
		if (parse_feed(p, (const char *)d + off, n - off < chunk ? n - off : chunk, e) < 0)
			goto out;
	s = parse_finish(p, e);
out:
	parse_free(p);
	return s;
}

static void test_proto_valid(void **state)
{
	int packed;

	(void)state;
	for (packed = 0; packed <= 1; packed++) {
		struct opts o = {.packed = packed};
		struct pb raw = profile(&o), gz = gzip(raw.p, raw.len);
		struct err e = {""};
		struct snapshot *s = parse_chunks(gz.p, gz.len, 1, SNAP_BY_LINES, &e);

		assert_non_null(s);
		assert_int_equal(s->format, SNAP_DEBUG0);
		assert_int_equal(s->profile, SNAP_GOROUTINE);
		assert_int_equal(s->total, 3);
		assert_int_equal(s->ngroups, 1);
		assert_int_equal(s->time_ns, 1764342000123000000LL);
		/* runtime.gopark is dropped from the canonical stack, as debug=2 hides it */
		assert_int_equal(s->groups[0]->nframes, 1);
		assert_string_equal(s->groups[0]->frames[0].func, "main.leak");
		assert_int_equal(s->groups[0]->frames[0].line, 13);
		assert_int_equal(s->groups[0]->nlabelsets, 1);
		assert_string_equal(s->groups[0]->labelsets[0].labels[0].key, "k");
		assert_string_equal(s->groups[0]->labelsets[0].labels[0].value, "v");
		assert_int_equal(s->groups[0]->labelsets[0].count, 3);
		snap_free(s);
		pb_free(&raw);
		pb_free(&gz);
	}
}

static void test_proto_leak_profile(void **state)
{
	struct opts o = {.type = S_LEAK};
	struct pb raw = profile(&o), gz = gzip(raw.p, raw.len);
	struct err e = {""};
	struct snapshot *s = parse_chunks(gz.p, gz.len, 4096, SNAP_BY_LINES, &e);

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->profile, SNAP_GOROUTINELEAK);
	assert_int_equal(s->groups[0]->leaked, 3);
	snap_free(s);
	pb_free(&raw);
	pb_free(&gz);
}

static void expect_error(const void *d, size_t n, const char *want)
{
	struct err e = {""};
	struct snapshot *s = parse_chunks(d, n, 3, SNAP_BY_LINES, &e);

	if (s)
		fail_msg("parsed, but expected an error containing '%s'", want);
	if (!strstr(e.msg, want))
		fail_msg("error '%s' does not contain '%s'", e.msg, want);
}

static void test_proto_bad_string_index(void **state)
{
	struct opts o = {.bad_str = 99};
	struct pb raw = profile(&o), gz = gzip(raw.p, raw.len);

	(void)state;
	expect_error(gz.p, gz.len, "string index 99 out of range");
	pb_free(&raw);
	pb_free(&gz);
}

static void test_proto_missing_location(void **state)
{
	struct opts o = {.bad_loc = 7};
	struct pb raw = profile(&o), gz = gzip(raw.p, raw.len);

	(void)state;
	expect_error(gz.p, gz.len, "missing location 7");
	pb_free(&raw);
	pb_free(&gz);
}

static void test_proto_bad_varint_and_length(void **state)
{
	static const unsigned char varint[] = {0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	static const unsigned char length[] = {0x32, 0xff, 0xff, 0xff, 0x7f, 'a'};
	static const unsigned char group[] = {0x0b, 0x0c};
	struct pb gz;

	(void)state;
	gz = gzip(varint, sizeof(varint));
	expect_error(gz.p, gz.len, "malformed profile.proto");
	pb_free(&gz);
	gz = gzip(length, sizeof(length));
	expect_error(gz.p, gz.len, "field length out of range");
	pb_free(&gz);
	gz = gzip(group, sizeof(group));
	expect_error(gz.p, gz.len, "unsupported wire type");
	pb_free(&gz);
}

static void test_proto_not_goroutine(void **state)
{
	struct opts o = {.type = S_FILE};
	struct pb raw = profile(&o), gz = gzip(raw.p, raw.len);

	(void)state;
	expect_error(gz.p, gz.len, "not a goroutine profile: a /src/a.go profile");
	pb_free(&raw);
	pb_free(&gz);
}

static void test_gzip_truncated_and_corrupt(void **state)
{
	struct opts o = {0};
	struct pb raw = profile(&o), gz = gzip(raw.p, raw.len);

	(void)state;
	expect_error(gz.p, gz.len / 2, "truncated gzip stream");
	expect_error(gz.p, 2, "truncated gzip stream");
	gz.p[12] ^= 0xff;
	gz.p[13] ^= 0x55;
	expect_error(gz.p, gz.len, "");
	pb_free(&raw);
	pb_free(&gz);
}

static void test_empty_and_binary(void **state)
{
	static const unsigned char bin[] = {0x00, 0x01, 0x02, 'g', 'o', 0x00, '\n'};

	(void)state;
	expect_error("", 0, "empty input");
	expect_error(bin, sizeof(bin), "binary data");
}

static void test_long_line(void **state)
{
	size_t n = (size_t)PARSE_MAX_LINE + 10;
	char *big = xmalloc(n);
	size_t chunk;

	(void)state;
	memset(big, 'a', n);
	/* A line over the limit is refused however it arrives. */
	for (chunk = 1000; chunk <= n; chunk *= 1000) {
		struct err e = {""};
		struct snapshot *s = parse_chunks(big, n, chunk, SNAP_BY_LINES, &e);

		assert_null(s);
		assert_non_null(strstr(e.msg, "longer than"));
	}
	free(big);
}

static const char two_builds[] = "goroutine 1 [select]:\n"
				 "main.loop()\n\t/src/v1/a.go:10 +0x1\n\n"
				 "goroutine 2 [select]:\n"
				 "main.loop()\n\t/src/v2/a.go:12 +0x1\n";

static void test_by_funcs(void **state)
{
	struct err e = {""};
	struct snapshot *s;

	(void)state;
	s = parse_chunks(two_builds, strlen(two_builds), 5, SNAP_BY_LINES, &e);
	assert_non_null(s);
	assert_int_equal(s->ngroups, 2);
	assert_string_not_equal(s->groups[0]->key, s->groups[1]->key);
	/* Different lines, same function: one fingerprint however they are grouped. */
	assert_string_equal(s->groups[0]->fingerprint, s->groups[1]->fingerprint);
	snap_free(s);
	s = parse_chunks(two_builds, strlen(two_builds), 5, SNAP_BY_FUNCS, &e);
	assert_non_null(s);
	assert_int_equal(s->ngroups, 1);
	assert_int_equal(s->groups[0]->count, 2);
	snap_free(s);
}

static void test_stack_cap_is_truncation(void **state)
{
	/* Exactly 64 MiB of complete goroutines: runtime.Stack's cap was hit, counts are lower bounds. */
	static const char g[] = "goroutine 5 [select]:\nmain.loop()\n\t/src/a.go:10 +0x1\n\n";
	size_t n = (size_t)PARSE_STACK_CAP, glen = strlen(g), off, m, start;
	char *big = xmalloc(n);
	struct err e = {""};
	struct snapshot *s;

	(void)state;
	for (off = 0; off + glen <= n; off += glen)
		memcpy(big + off, g, glen);
	memset(big + off, '\n', n - off);
	s = parse_chunks(big, n, 1 << 20, SNAP_BY_LINES, &e);
	assert_non_null(s);
	assert_true(s->truncated);
	assert_int_equal(s->total, (long)(n / glen));
	snap_free(s);
	/* One byte less is a dump the runtime did not cut. */
	s = parse_chunks(big, n - 1, 1 << 20, SNAP_BY_LINES, &e);
	assert_non_null(s);
	assert_false(s->truncated);
	assert_int_equal(s->total, (long)(n / glen));
	snap_free(s);
	/* The last goroutine ends at the cap without its blank line: its stack may go on. */
	m = (n + 1) / glen;
	start = n - (m * glen - 1);
	memset(big, '\n', start);
	for (off = start; off + glen <= n; off += glen)
		memcpy(big + off, g, glen);
	memcpy(big + off, g, n - off);
	s = parse_chunks(big, n, 1 << 20, SNAP_BY_LINES, &e);
	assert_non_null(s);
	assert_true(s->truncated);
	assert_int_equal(s->total, (long)m - 1);
	snap_free(s);
	free(big);
}

/* The first line of a debug=1 profile, as the parser, `snapshot`, `pods`, `slope SOURCE` and the
 * console's sampler all read it: goroutineleak counts as much as goroutine. */
static void test_debug1_total(void **state)
{
	static const struct {
		const char *line;
		int ok;
		long total;
		int leak;
	} cases[] = {
		{"goroutine profile: total 41", 1, 41, 0},
		{"goroutineleak profile: total 7", 1, 7, 1},
		{"goroutine profile: total 12\r", 1, 12, 0},
		{"goroutine profile: total 0", 1, 0, 0},
		{"goroutine profile: total ", 0, 0, 0},
		{"goroutine profile: total 12 extra", 0, 0, 0},
		{"goroutine profile: total -3", 0, 0, 0},
		{"heap profile: total 3", 0, 0, 0},
		{"xgoroutine profile: total 3", 0, 0, 0},
		{"goroutine profile: total 99999999999999999999999", 0, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long total = -1;
		int leak = -1;

		assert_int_equal(parse_debug1_total(cases[i].line, strlen(cases[i].line), &total, &leak) == 0,
				 cases[i].ok);
		if (cases[i].ok) {
			assert_int_equal(total, cases[i].total);
			assert_int_equal(leak, cases[i].leak);
		}
	}
}

/* UTF-16 as Windows editors save it: big or little endian, with or without a byte order mark,
 * read the same as the UTF-8 text in any chunking. */
static void test_utf16(void **state)
{
	const char *dump = "goroutine 1 [running]:\r\nmain.main()\r\n\t/src/a.go:3 +0x1\r\n\r\n"
			   "goroutine 2 [select]:\r\nmain.\xc3\xa9t\xc3\xa9()\r\n\t/src/a.go:9 +0x2";
	size_t n = strlen(dump), chunks[] = {1, 3, 4096}, c;
	unsigned char *buf = xmalloc(2 * n + 2);
	int be, bom;

	(void)state;
	for (be = 0; be < 2; be++)
		for (bom = 0; bom < 2; bom++)
			for (c = 0; c < 3; c++) {
				size_t o = 0, i;
				struct err e = {""};
				struct snapshot *s;

				parse_set_mode(0, 1);
				if (bom) {
					buf[o++] = be ? 0xfe : 0xff;
					buf[o++] = be ? 0xff : 0xfe;
				}
				for (i = 0; i < n; i++) {
					unsigned char ch = (unsigned char)dump[i];
					unsigned u = ch;

					if (ch == 0xc3) /* the two-byte UTF-8 of U+00E9 */
						u = 0xc0 | ((unsigned char)dump[++i] & 0x3f);
					buf[o++] = (unsigned char)(be ? u >> 8 : u);
					buf[o++] = (unsigned char)(be ? u : u >> 8);
				}
				s = parse_chunks(buf, o, chunks[c], SNAP_BY_LINES, &e);
				assert_non_null(s);
				assert_int_equal(s->total, 2);
				assert_int_equal(s->ngroups, 2);
				assert_false(s->truncated);
				for (i = 0; i < s->ngroups; i++)
					if (strcmp(s->groups[i]->frames[0].func, "main.\xc3\xa9t\xc3\xa9") == 0)
						break;
				assert_true(i < s->ngroups);
				snap_free(s);
			}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug1_total),
		cmocka_unit_test(test_proto_valid),
		cmocka_unit_test(test_proto_leak_profile),
		cmocka_unit_test(test_proto_bad_string_index),
		cmocka_unit_test(test_proto_missing_location),
		cmocka_unit_test(test_proto_bad_varint_and_length),
		cmocka_unit_test(test_proto_not_goroutine),
		cmocka_unit_test(test_gzip_truncated_and_corrupt),
		cmocka_unit_test(test_empty_and_binary),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_by_funcs),
		cmocka_unit_test(test_stack_cap_is_truncation),
		cmocka_unit_test(test_utf16),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
