/* find.c: where playbooks live (PLAYBOOK_PATH, the XDG config dir, beside the binary, the
 * installed share dir), resolving a name to a file, and walking every playbook found. */
#include "playbooks/playbook.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "playbooks/util.h"

static void add_dir(char ***dirs, int *n, size_t *cap, char *d)
{
	struct stat st;
	int i;

	if (!d)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*dirs)[i], d) == 0) {
			free(d);
			return;
		}
	if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(d);
		return;
	}
	*dirs = xgrow(*dirs, cap, (size_t)*n + 1, sizeof(char *));
	(*dirs)[(*n)++] = d;
}

int pb_playbook_dirs(char ***dirs)
{
	const char *env = getenv("LEAKSCOPE_PLAYBOOKS");
	char exe[4096], *slash;
	size_t cap = 0;
	ssize_t len;
	int n = 0;

	*dirs = NULL;
	if (env && *env) {
		char *copy = xstrdup(env), *p = copy, *colon;

		for (;;) {
			colon = strchr(p, ':');
			if (colon)
				*colon = '\0';
			if (*p)
				add_dir(dirs, &n, &cap, xstrdup(p));
			if (!colon)
				break;
			p = colon + 1;
		}
		free(copy);
	}
	add_dir(dirs, &n, &cap, fs_xdg_path("XDG_CONFIG_HOME", ".config", "playbooks", NULL));
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			add_dir(dirs, &n, &cap, xasprintf("%s/playbooks", exe));
			slash = strrchr(exe, '/');
			if (slash) {
				*slash = '\0';
				add_dir(dirs, &n, &cap, xasprintf("%s/playbooks", exe));
				add_dir(dirs, &n, &cap, xasprintf("%s/share/leakscope/playbooks", exe));
			}
		}
	}
	add_dir(dirs, &n, &cap, xstrdup("/usr/local/share/leakscope/playbooks"));
	add_dir(dirs, &n, &cap, xstrdup("/usr/share/leakscope/playbooks"));
	return n;
}

static void free_dirs(char **dirs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
}

/* The leak-pattern catalogue ships beside the playbooks, in the same directory, but is not one. */
static int is_catalogue(const char *file)
{
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	return strcmp(base, "patterns.json") == 0 || strcmp(base, "patterns") == 0;
}

char *pb_playbook_resolve(const char *name, struct err *e)
{
	char **dirs;
	int n, i;

	if (!strchr(name, '/') && is_catalogue(name)) {
		err_set(e,
			"patterns.json is the leak-pattern catalogue, not a playbook (see 'leakscope playbook list')");
		return NULL;
	}

	if (strchr(name, '/')) {
		if (access(name, R_OK) == 0)
			return xstrdup(name);
		err_set(e, "no playbook file %s", name);
		return NULL;
	}
	n = pb_playbook_dirs(&dirs);
	for (i = 0; i < n; i++) {
		size_t l = strlen(name);
		char *p = l > 5 && strcmp(name + l - 5, ".json") == 0 ? xasprintf("%s/%s", dirs[i], name)
								      : xasprintf("%s/%s.json", dirs[i], name);

		if (access(p, R_OK) == 0) {
			free_dirs(dirs, n);
			return p;
		}
		free(p);
	}
	free_dirs(dirs, n);
	err_set(e, "no playbook named '%s' (see 'leakscope playbook list')", name);
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void pb_playbook_each(void (*fn)(void *ctx, const char *path), void *ctx)
{
	char **dirs, **seen = NULL;
	size_t nseen = 0, capseen = 0, k;
	int n, i;

	n = pb_playbook_dirs(&dirs);
	for (i = 0; i < n; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;
		char **names = NULL;
		size_t nn = 0, capn = 0, j;

		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);

			if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0 && de->d_name[0] != '.' &&
			    !is_catalogue(de->d_name)) {
				names = xgrow(names, &capn, nn + 1, sizeof(char *));
				names[nn++] = xstrdup(de->d_name);
			}
		}
		closedir(d);
		if (nn > 1)
			qsort(names, nn, sizeof(char *), name_cmp);
		for (j = 0; j < nn; j++) {
			int dup = 0;

			for (k = 0; k < nseen; k++)
				dup |= strcmp(seen[k], names[j]) == 0;
			if (!dup) {
				char *p = xasprintf("%s/%s", dirs[i], names[j]);

				seen = xgrow(seen, &capseen, nseen + 1, sizeof(char *));
				seen[nseen++] = xstrdup(names[j]);
				fn(ctx, p);
				free(p);
			}
			free(names[j]);
		}
		free(names);
	}
	for (k = 0; k < nseen; k++)
		free(seen[k]);
	free(seen);
	free_dirs(dirs, n);
}
