/* journal.c: appending to and reading back the incident journal. */
#include "playbooks/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "playbooks/util.h"

int pb_journal_open(const char *dir, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, PB_JOURNAL);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		err_set(e, "cannot open %s: %s", path, strerror(errno));
	free(path);
	return fd;
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

cJSON *pb_journal_read(const char *dir, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, PB_JOURNAL), *text, *p;
	cJSON *arr;
	size_t len;
	long lineno = 0;

	if (fs_read_file(path, PB_JOURNAL_MAX, FS_REGULAR, &text, &len, e) < 0) {
		free(path);
		return NULL;
	}
	arr = cJSON_CreateArray();
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		cJSON *ev;

		lineno++;
		if (!nl) {
			/* cut short by a crash mid-write: the event never completed */
			break;
		}
		*nl = '\0';
		if (*p) {
			ev = cJSON_Parse(p);
			if (!cJSON_IsObject(ev) || !pb_jstr(ev, "ev")) {
				cJSON_Delete(ev);
				if (!nl[1])
					break; /* a torn last line */
				err_set(e, "%s: line %ld is not a journal event", path, lineno);
				cJSON_Delete(arr);
				free(text);
				free(path);
				return NULL;
			}
			cJSON_AddItemToArray(arr, ev);
		}
		p = nl + 1;
	}
	free(text);
	free(path);
	return arr;
}

const char *pb_jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
