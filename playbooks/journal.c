/* journal.c: appending to and reading back the incident journal. */
#include "playbooks/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "playbooks/util.h"

/* Says who holds the incident, from the lock file the holder wrote. */
static int held(const char *dir, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, PB_JOURNAL_LOCK), *who = NULL;
	size_t n;

	if (fs_read_file(path, 512, FS_REGULAR, &who, &n, NULL) == 0) {
		while (n && (who[n - 1] == '\n' || who[n - 1] == '\r'))
			who[--n] = '\0';
	}
	err_set(e, "incident %.200s is in use by %.200s: let that run finish, or stop it first", dir,
		who && *who ? who : "another leakscope");
	free(who);
	free(path);
	return -1;
}

/* Writes who we are into the lock file (informational: the flock on the journal is the lock). */
static void say_holder(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, PB_JOURNAL_LOCK), host[256] = "?", t[40], *text;
	const char *user = getenv("USER");

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	text = xasprintf("pid %ld (uid %ld%s%s on %s, since %s)\n", (long)getpid(), (long)geteuid(), user ? ", " : "",
			 user ? user : "", host, ts_format_s(time(NULL), t, sizeof(t)));
	fs_write_file(path, text, strlen(text), NULL, 0600, NULL);
	free(text);
	free(path);
}

/* Cuts a torn last line (a write cut short by a full disk or a crash) back to the last newline.
 * Returns the bytes cut, 0 when the journal ends cleanly, -1 on error. */
static long cut_torn(int fd, const char *path, struct err *e)
{
	struct stat st;
	char buf[4096];
	off_t end, pos, keep = 0;

	if (fstat(fd, &st) < 0)
		return err_set(e, "%s: %s", path, strerror(errno));
	end = pos = st.st_size;
	while (pos > 0 && !keep) {
		size_t n = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos, i;
		off_t start = pos - (off_t)n;

		if (pread(fd, buf, n, start) != (ssize_t)n)
			return err_set(e, "%s: cannot read it back", path);
		for (i = n; i > 0 && !keep; i--)
			if (buf[i - 1] == '\n')
				keep = start + (off_t)i;
		pos = start;
	}
	if (keep == end)
		return 0;
	if (ftruncate(fd, keep) < 0 || fsync(fd) < 0)
		return err_set(e, "%s: cannot cut the torn last line: %s", path, strerror(errno));
	return (long)(end - keep);
}

int pb_journal_open(const char *dir, long *cut, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, PB_JOURNAL);
	struct stat st;
	long torn;
	int fd;

	*cut = 0;
	if (fs_dir_check(dir, e) < 0) {
		free(path);
		return -1;
	}
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		err_set(e, "cannot open %s: %s", path, errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		free(path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(e, "cannot open %s: not a regular file", path);
		goto bad;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			held(dir, e);
		else
			err_set(e, "cannot lock %s: %s", path, strerror(errno));
		goto bad;
	}
	torn = cut_torn(fd, path, e);
	if (torn < 0)
		goto bad;
	*cut = torn;
	say_holder(dir);
	free(path);
	return fd;
bad:
	close(fd);
	free(path);
	return -1;
}

cJSON *pb_journal_event(const char *type)
{
	cJSON *ev = cJSON_CreateObject();
	char t[40];

	cJSON_AddStringToObject(ev, "t", ts_format_ms(ts_now_ms(), t, sizeof(t)));
	cJSON_AddStringToObject(ev, "ev", type);
	return ev;
}

int pb_journal_append(int fd, cJSON *ev, struct err *e)
{
	char *text, *line;
	size_t len, off = 0;
	int rc = 0;

	text = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	if (!text)
		fatal("out of memory");
	line = xasprintf("%s\n", text);
	cJSON_free(text);
	len = strlen(line);
	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_set(e, "writing the journal failed: %s", strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = err_set(e, "syncing the journal failed: %s", strerror(errno));
	free(line);
	return rc;
}

cJSON *pb_journal_parse(const char *text, size_t len, struct pb_journal_torn *torn)
{
	const char *p = text, *end = text + len;
	cJSON *arr = cJSON_CreateArray();
	long lineno = 0;

	if (torn)
		memset(torn, 0, sizeof(*torn));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
		cJSON *ev;

		lineno++;
		if (stop > p) {
			ev = cJSON_ParseWithLength(p, (size_t)(stop - p));
			if (!cJSON_IsObject(ev) || !pb_jstr(ev, "ev")) {
				/* a line torn by a full disk or a crash (the events after it are whole) */
				cJSON_Delete(ev);
				if (torn && !torn->count++)
					torn->first_line = lineno;
			} else {
				cJSON_AddItemToArray(arr, ev);
			}
		}
		p = stop + 1;
	}
	return arr;
}

cJSON *pb_journal_read(const char *dir, struct pb_journal_torn *torn, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, PB_JOURNAL), *text;
	cJSON *arr;
	size_t len;

	if (fs_read_file(path, PB_JOURNAL_MAX, FS_REGULAR, &text, &len, e) < 0) {
		free(path);
		return NULL;
	}
	arr = pb_journal_parse(text, len, torn);
	free(text);
	free(path);
	return arr;
}

const char *pb_jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
