/* test_store.c: the snapshot store (names, private modes, atomic files, sidecars) and what
 * sources show of themselves (never a secret). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/parse.h"
#include "fetch/http.h"
#include "fetch/secret.h"
#include "fetch/source.h"
#include "fetch/store.h"

static char root[] = "/tmp/test_store.XXXXXX";

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || strncmp(de->d_name, ".partial", 8) == 0;
	closedir(d);
	return n;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void names(void **state)
{
	char *s;

	(void)state;
	s = store_name((int64_t)1700000000 * 1000000000 + 123456789, SNAP_DEBUG1);
	assert_string_equal(s, "20231114T221320.123Z.debug1.txt");
	free(s);
	s = store_name((int64_t)1700000000 * 1000000000, SNAP_DEBUG0);
	assert_string_equal(s, "20231114T221320.000Z.debug0.pb.gz");
	free(s);
	s = store_dir("/r", "arn:aws:eks:eu/x", "..", "web 0");
	assert_string_equal(s, "/r/arn:aws:eks:eu_x/_./web_0");
	free(s);
	setenv("XDG_STATE_HOME", "/state", 1);
	s = store_root(NULL);
	assert_string_equal(s, "/state/leakscope/snapshots");
	free(s);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/me", 1);
	s = store_root(NULL);
	assert_string_equal(s, "/home/me/.local/state/leakscope/snapshots");
	free(s);
}

static void atomic(void **state)
{
	char *dir, *path;
	struct fs_out *f;
	struct err e;

	(void)state;
	umask(022);
	assert_non_null(mkdtemp(root));
	dir = store_dir(root, "ctx", "ns", "pod");
	f = store_begin(dir, &e);
	assert_non_null(f);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(fs_out_write(f, "goroutine profile: total 1\n", 27, &e), 0);
	assert_int_equal(entries(dir), 1); /* only the temporary file */
	fs_out_abort(f);
	assert_int_equal(entries(dir), 0); /* an abandoned capture leaves nothing */

	f = store_begin(dir, &e);
	assert_int_equal(fs_out_write(f, "abc", 3, &e), 0);
	assert_int_equal(fs_out_bytes(f), 3);
	path = malloc(strlen(dir) + 16);
	snprintf(path, strlen(dir) + 16, "%s/x.txt", dir);
	assert_int_equal(fs_out_commit(f, path, &e), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(entries(dir), 1);
	assert_int_equal(fs_write_file(path, "replaced", 8, NULL, 0600, &e), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(entries(dir), 1);
	free(path);
	free(dir);

	/* a directory that cannot be made */
	assert_null(store_begin("/proc/no/such/dir", &e));
	assert_non_null(strstr(e.msg, "cannot create"));
}

static void sidecar(void **state)
{
	static const char prof[] = "goroutine profile: total 3\n3 @ 0x1 0x2\n#\t0x1\tmain.f+0x1\t/src/main.go:10\n\n";
	struct store_meta m = {0};
	struct snapshot *snap;
	char path[300], *text;
	struct err e;
	size_t n;

	(void)state;
	{
		struct parser *p = parse_new("pod/web-0 (ctx/ns)", SNAP_BY_LINES);

		assert_int_equal(parse_feed(p, prof, strlen(prof), &e), 0);
		snap = parse_finish(p, &e);
		parse_free(p);
	}
	assert_non_null(snap);
	snap->time_ns = (int64_t)1700000000 * 1000000000;
	snprintf(path, sizeof(path), "%s/side.txt", root);
	m.source = "pod/web-0 (ctx/ns)";
	m.context = "ctx";
	m.ns = "ns";
	m.pod = "web-0";
	m.file = path;
	m.snap = snap;
	m.capture_ms = 12;
	m.bytes = strlen(prof);
	assert_int_equal(store_sidecar(path, &m, &e), 0);
	snprintf(path, sizeof(path), "%s/side.txt.json", root);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(secret_read_file(path, 65536, 0, &text, &n, &e), 0);
	assert_non_null(strstr(text, "\"source\":\t\"pod/web-0 (ctx/ns)\""));
	assert_non_null(strstr(text, "\"time\":\t\"2023-11-14T22:13:20.000Z\""));
	assert_non_null(strstr(text, "\"format\":\t\"debug=1\""));
	assert_non_null(strstr(text, "\"total\":\t3"));
	assert_non_null(strstr(text, "\"capture_ms\":\t12"));
	secret_free(text);
	snap_free(snap);
}

/* Two captures the server stamped alike both stay; one without a profile time is named by its fetch
 * time; a sidecar that cannot be written takes its profile back with it. */
static void save_never_replaces(void **state)
{
	static const char prof[] = "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.f+0x1\t/src/main.go:10\n\n";
	struct snapshot snap;
	struct store_meta m = {0};
	char dir[300], *p1, *p2, *p3, *p4, *side, *text;
	struct fs_out *f;
	struct err e;
	size_t n;
	int i;

	(void)state;
	memset(&snap, 0, sizeof(snap));
	snap.format = SNAP_DEBUG1;
	snap.time_ns = (int64_t)1700000000 * 1000000000;
	m.source = "x";
	m.snap = &snap;
	m.fetched_ns = (int64_t)1700000100 * 1000000000;
	snprintf(dir, sizeof(dir), "%s/save", root);
	char **paths[3] = {&p1, &p2, &p3};
	for (i = 0; i < 3; i++) {
		f = store_begin(dir, &e);
		assert_non_null(f);
		assert_int_equal(fs_out_write(f, prof, strlen(prof), &e), 0);
		assert_int_equal(store_save(f, dir, &m, paths[i], &e), 0);
	}
	assert_non_null(strstr(p1, "/20231114T221320.000Z.debug1.txt")); /* the profile's own time */
	assert_non_null(strstr(p2, "/20231114T221500.000Z.debug1.txt")); /* taken: the fetch time */
	assert_non_null(strstr(p3, "/20231114T221500.000Z-2.debug1.txt"));
	for (i = 0; i < 3; i++) {
		side = malloc(strlen(*paths[i]) + 6);
		snprintf(side, strlen(*paths[i]) + 6, "%s.json", *paths[i]);
		assert_int_equal(secret_read_file(side, 65536, 0, &text, &n, &e), 0);
		assert_non_null(strstr(text, *paths[i])); /* each sidecar names its own file */
		secret_free(text);
		free(side);
	}
	/* no profile time: named by the fetch time (taken twice already, so -3) */
	snap.time_ns = 0;
	f = store_begin(dir, &e);
	assert_int_equal(fs_out_write(f, prof, strlen(prof), &e), 0);
	assert_int_equal(store_save(f, dir, &m, &p4, &e), 0);
	assert_non_null(strstr(p4, "/20231114T221500.000Z-3.debug1.txt"));
	free(p4);
	/* the sidecar cannot be written (its name is taken by a directory, as a full disk would fail it):
	 * the profile goes too, nothing half-stored is left */
	m.fetched_ns = (int64_t)1700000200 * 1000000000;
	side = malloc(strlen(dir) + 64);
	snprintf(side, strlen(dir) + 64, "%s/20231114T221640.000Z.debug1.txt.json", dir);
	assert_int_equal(mkdir(side, 0700), 0);
	f = store_begin(dir, &e);
	assert_int_equal(fs_out_write(f, prof, strlen(prof), &e), 0);
	assert_int_equal(store_save(f, dir, &m, &p4, &e), -1);
	assert_null(p4);
	side[strlen(side) - 5] = '\0';
	assert_int_equal(access(side, F_OK), -1);
	free(side);
	assert_int_equal(entries(dir), 9); /* 4 profiles, 4 sidecars, the directory in the way */
	free(p1);
	free(p2);
	free(p3);
}

/* What a source shows of itself (messages, snapshots, sidecars) holds no credentials. */
static void redaction(void **state)
{
	struct source_opts o;
	struct source s;
	char out[256], tokfile[300];
	struct err e;
	FILE *f;

	(void)state;
	assert_string_equal(http_redact("https://user:pw@host:8443/debug/pprof/goroutine?debug=1&token=x", out, sizeof(out)),
			    "https://host:8443/debug/pprof/goroutine");
	assert_string_equal(http_redact("http://h/p#frag", out, sizeof(out)), "http://h/p");

	source_opts_init(&o);
	setenv("LEAKSCOPE_TOKEN", "env-secret", 1);
	assert_int_equal(source_open("https://admin:hunter2@10.0.0.5:6060", &o, &s, &e), 0);
	assert_string_equal(s.url, "https://admin:hunter2@10.0.0.5:6060/debug/pprof/goroutine?debug=1");
	assert_string_equal(s.shown, "https://10.0.0.5:6060/debug/pprof/goroutine?debug=1");
	assert_string_equal(s.pod, "10.0.0.5:6060");
	assert_string_equal(s.http.token, "env-secret");
	source_close(&s);
	unsetenv("LEAKSCOPE_TOKEN");

	snprintf(tokfile, sizeof(tokfile), "%s/tok", root);
	f = fopen(tokfile, "w");
	fputs("file-secret\n", f);
	fclose(f);
	o.token_file = tokfile;
	o.debug = 2;
	o.leak_profile = 1;
	assert_int_equal(source_open("http://h:1/app/", &o, &s, &e), 0);
	assert_string_equal(s.url, "http://h:1/app/debug/pprof/goroutineleak?debug=2");
	assert_string_equal(s.http.token, "file-secret");
	assert_null(strstr(s.shown, "secret"));
	source_close(&s);

	/* a whole profile URL is used as it is */
	assert_int_equal(source_open("http://h:1/debug/pprof/goroutine?debug=0", &o, &s, &e), 0);
	assert_string_equal(s.url, "http://h:1/debug/pprof/goroutine?debug=0");
	assert_int_equal(s.debug, 0);
	assert_int_equal(s.base, 0);
	source_close(&s);

	o.token_file = "/nonexistent/token";
	assert_int_equal(source_open("http://h:1", &o, &s, &e), -1);
	assert_string_equal(e.msg, "cannot read /nonexistent/token: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),     cmocka_unit_test(atomic),
		cmocka_unit_test(sidecar),   cmocka_unit_test(save_never_replaces),
		cmocka_unit_test(redaction),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];

	if (strchr(root, 'X') == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", root);
	}
	return rc;
}
