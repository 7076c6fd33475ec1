/* test_sha1.c: SHA-1 (lib/sha1.h) against the test vectors of FIPS 180-4's examples and RFC 3174,
 * and the lengths where the padding needs a second block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/sha1.h"

static void hex(const unsigned char *d, char *out)
{
	int i;

	for (i = 0; i < SHA1_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check(const char *msg, size_t n, const char *want)
{
	unsigned char d[SHA1_LEN];
	char got[2 * SHA1_LEN + 1];

	sha1(msg, n, d);
	hex(d, got);
	assert_string_equal(got, want);
}

static void vectors(void **state)
{
	(void)state;
	check("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	check("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
	/* 56 bytes: the length no longer fits the first block */
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	      "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* 112 bytes over two blocks */
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrs"
	      "tnopqrstu",
	      112, "a49b2446a02c645bf419f995b67091253a04a259");
}

static void million_a(void **state)
{
	static char a[1000000];

	(void)state;
	memset(a, 'a', sizeof(a));
	check(a, sizeof(a), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors),
		cmocka_unit_test(million_a),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
