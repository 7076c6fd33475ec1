/* test_known.c: the known-leak database on SQLite: add, replace, lookup, list, remove, export and
 * import without loss, bad records, and processes adding at the same time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "playbooks/known.h"

static char dir[] = "/tmp/leakscope-test-known.XXXXXX";

static char *path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static struct pb_kdb *open_db(const char *name)
{
	char *p = path(name);
	struct err e;
	struct pb_kdb *db = pb_kdb_open(p, 1, &e);

	if (!db)
		fail_msg("%s", e.msg);
	free(p);
	return db;
}

static void test_round_trip(void **state)
{
	struct pb_known a = {.fingerprint = "91b6827e760a", .incident = "INC-2347", .fix = "abc123",
			     .note = "handler timeout leaves the sender", .pattern = "chan-send-no-receiver",
			     .func = "main.leakChanSend.func1", .added = "2026-01-02T03:04:05Z"};
	struct pb_known b = {.fingerprint = "91b6827e760a", .incident = "INC-2400", .added = "2026-02-01T00:00:00Z"};
	struct pb_known c = {.fingerprint = "00216fa83613", .incident = "INC-1", .note = "quote \" and\nnewline ü"};
	struct pb_kdb *db = open_db("a.db");
	struct pb_known_list l;
	struct err e;

	(void)state;
	assert_int_equal(pb_kdb_add(db, &a, &e), 0);
	assert_int_equal(pb_kdb_add(db, &b, &e), 0);
	assert_int_equal(pb_kdb_add(db, &c, &e), 0);
	a.fix = "def456"; /* same fingerprint and incident: replaced */
	assert_int_equal(pb_kdb_add(db, &a, &e), 0);
	pb_known_list_init(&l);
	assert_int_equal(pb_kdb_lookup(db, "91b6827e760a", &l, &e), 2);
	assert_string_equal(l.items[0].incident, "INC-2400"); /* newest first */
	assert_null(l.items[0].fix);
	assert_string_equal(l.items[1].fix, "def456");
	assert_string_equal(l.items[1].pattern, "chan-send-no-receiver");
	pb_known_list_done(&l);
	assert_int_equal(pb_kdb_lookup(db, "ffffffffffff", &l, &e), 0);
	assert_int_equal(pb_kdb_list(db, &l, &e), 3);
	assert_string_equal(l.items[0].fingerprint, "00216fa83613");
	assert_non_null(l.items[0].added); /* filled in */
	pb_known_list_done(&l);
	assert_int_equal(pb_kdb_remove(db, "91b6827e760a", "INC-2400", &e), 1);
	assert_int_equal(pb_kdb_list(db, &l, &e), 2);
	pb_known_list_done(&l);
	pb_kdb_free(db);
}

static void test_export_import_lossless(void **state)
{
	struct pb_kdb *db = open_db("a.db"), *db2;
	struct pb_known_list l, l2, l3;
	char *f1 = path("export.json"), *f2 = path("export2.json"), *t1, *t2;
	struct err e;
	size_t i;

	(void)state;
	pb_known_list_init(&l);
	pb_known_list_init(&l2);
	pb_known_list_init(&l3);
	assert_true(pb_kdb_list(db, &l, &e) >= 2);
	assert_int_equal(pb_known_write_file(f1, &l, &e), 0);
	assert_int_equal(pb_known_read_file(f1, &l2, &e), (int)l.n);
	db2 = open_db("b.db");
	for (i = 0; i < l2.n; i++)
		assert_int_equal(pb_kdb_add(db2, &l2.items[i], &e), 0);
	assert_int_equal(pb_kdb_list(db2, &l3, &e), (int)l.n);
	assert_int_equal(pb_known_write_file(f2, &l3, &e), 0);
	t1 = pb_known_format(&l);
	t2 = pb_known_format(&l3);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	pb_known_list_done(&l);
	pb_known_list_done(&l2);
	pb_known_list_done(&l3);
	pb_kdb_free(db);
	pb_kdb_free(db2);
	free(f1);
	free(f2);
}

static void test_bad_records(void **state)
{
	struct pb_known bad = {.fingerprint = "XYZ", .incident = "INC-1"};
	struct pb_known noinc = {.fingerprint = "91b6827e760a"};
	struct pb_kdb *db = open_db("a.db");
	struct pb_known_list l;
	char *f = path("bad.json");
	struct err e;
	FILE *fp;

	(void)state;
	assert_int_equal(pb_kdb_add(db, &bad, &e), -1);
	assert_non_null(strstr(e.msg, "fingerprint"));
	assert_int_equal(pb_kdb_add(db, &noinc, &e), -1);
	assert_non_null(strstr(e.msg, "incident"));
	pb_kdb_free(db);
	fp = fopen(f, "w");
	fputs("{\"known\":[{\"fingerprint\":\"91b6827e760a\",\"incident\":\"A\"},{\"fingerprint\":\"91b6827e760a\",\"incident\":7}]}", fp);
	fclose(fp);
	pb_known_list_init(&l);
	assert_int_equal(pb_known_read_file(f, &l, &e), -1);
	assert_non_null(strstr(e.msg, "known[1].incident"));
	pb_known_list_done(&l);
	free(f);
	{
		char *missing = path("nope.db");

		assert_null(pb_kdb_open(missing, 0, &e));
		free(missing);
	}
}

/* Four processes add 50 records each at once: all 200 are there. */
static void test_concurrent_adds(void **state)
{
	struct pb_kdb *db = open_db("c.db");
	struct pb_known_list l;
	struct err e;
	int k, status;

	(void)state;
	pb_kdb_free(db);
	for (k = 0; k < 4; k++) {
		if (fork() == 0) {
			struct pb_kdb *mine = open_db("c.db");
			int i;

			for (i = 0; i < 50; i++) {
				char fp[13], inc[32];
				struct pb_known r = {.fingerprint = fp, .incident = inc};

				snprintf(fp, sizeof(fp), "%012x", k * 1000 + i);
				snprintf(inc, sizeof(inc), "INC-%d", k);
				if (pb_kdb_add(mine, &r, &e) < 0) {
					fprintf(stderr, "%s\n", e.msg);
					_exit(1);
				}
			}
			pb_kdb_free(mine);
			_exit(0);
		}
	}
	for (k = 0; k < 4; k++) {
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	db = open_db("c.db");
	pb_known_list_init(&l);
	assert_int_equal(pb_kdb_list(db, &l, &e), 200);
	pb_known_list_done(&l);
	pb_kdb_free(db);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_export_import_lossless),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_concurrent_adds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
