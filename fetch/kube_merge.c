/* kube_merge.c: several kubeconfig files read as one, by kubectl's rules: files in order; the
 * first file to name a cluster, user or context wins, whole; current-context comes from the
 * first file that sets it; relative paths are relative to the file that defined the entry. */
#include "fetch/kube.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmalloc.h"
#include "fetch/secret.h"

/* The named lists, and the member of each item that holds the entry. */
static const char *const kube_lists[][2] = {{"clusters", "cluster"}, {"users", "user"}, {"contexts", "context"}};

/* Makes the string member key of o absolute against dir when it is relative. */
static void absolute(cJSON *o, const char *key, const char *dir)
{
	const char *s = kube_json_str(o, key);
	char *abs;

	if (!s || s[0] == '/' || !dir || !dir[0])
		return;
	abs = xasprintf("%s/%s", dir, s);
	cJSON_ReplaceItemInObjectCaseSensitive(o, key, cJSON_CreateString(abs));
	free(abs);
}

/* The paths client-go resolves: a cluster's CA; a user's certificate, key, token file and an
 * exec command that holds a slash (a bare command is looked up on PATH). */
static void resolve_entry(cJSON *inner, const char *inner_name, const char *dir)
{
	cJSON *exec;
	const char *cmd;

	if (!cJSON_IsObject(inner))
		return;
	if (strcmp(inner_name, "cluster") == 0) {
		absolute(inner, "certificate-authority", dir);
		return;
	}
	if (strcmp(inner_name, "user") != 0)
		return;
	absolute(inner, "client-certificate", dir);
	absolute(inner, "client-key", dir);
	absolute(inner, "tokenFile", dir);
	exec = cJSON_GetObjectItemCaseSensitive(inner, "exec");
	cmd = cJSON_IsObject(exec) ? kube_json_str(exec, "command") : NULL;
	if (cmd && strchr(cmd, '/'))
		absolute(exec, "command", dir);
}

static int has_name(const cJSON *list, const char *name)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
	{
		const char *n = kube_json_str(item, "name");

		if (n && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

/* Moves the entries of one file's list that no earlier file named into the merged list. */
static void merge_list(cJSON *merged, cJSON *tree, const char *list, const char *inner, const char *dir)
{
	cJSON *dst = cJSON_GetObjectItemCaseSensitive(merged, list);
	cJSON *src = cJSON_GetObjectItemCaseSensitive(tree, list);

	if (!cJSON_IsArray(src))
		return;
	while (cJSON_GetArraySize(src) > 0) {
		cJSON *item = cJSON_DetachItemFromArray(src, 0);
		const char *n = kube_json_str(item, "name");

		if (!n || has_name(dst, n)) {
			cJSON_Delete(item);
			continue;
		}
		resolve_entry(cJSON_GetObjectItemCaseSensitive(item, inner), inner, dir);
		cJSON_AddItemToArray(dst, item);
	}
}

/* Nothing but blank lines, comments and document markers: kubectl reads such a file (an empty
 * ~/.kube/config made by touch) as an empty configuration. */
static int blank(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i;

		while (end < len && text[end] != '\n')
			end++;
		while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i < end && text[i] != '#' &&
		    !(end - i >= 3 && (memcmp(text + i, "---", 3) == 0 || memcmp(text + i, "...", 3) == 0)))
			return 0;
		i = end + 1;
	}
	return 1;
}

/* One file's YAML as a tree, its errors naming the file. */
static cJSON *file_tree(const struct kube_file *f, struct err *e)
{
	char *json = kube_yaml_to_json(f->text, f->len, e);
	cJSON *tree;

	if (!json) {
		char msg[sizeof(e->msg)];
		const char *m = e->msg;

		if (strncmp(m, "kubeconfig: ", 12) == 0)
			m += 12;
		snprintf(msg, sizeof(msg), "%s", m);
		err_set(e, "kubeconfig %.100s: %s", f->name, msg);
		return NULL;
	}
	tree = cJSON_Parse(json);
	secret_free(json);
	if (!cJSON_IsObject(tree)) {
		cJSON_Delete(tree);
		err_set(e, "kubeconfig %.100s: not a configuration (no top-level mapping)", f->name);
		return NULL;
	}
	return tree;
}

/* Merges the files into one tree, in order. NULL with e filled when a file is not a kubeconfig. */
static cJSON *merge_trees(const struct kube_file *files, size_t n, struct err *e)
{
	cJSON *merged = cJSON_CreateObject();
	size_t i, l;

	for (l = 0; l < sizeof(kube_lists) / sizeof(kube_lists[0]); l++)
		cJSON_AddItemToObject(merged, kube_lists[l][0], cJSON_CreateArray());
	for (i = 0; i < n; i++) {
		cJSON *tree;
		const char *cur;

		if (blank(files[i].text, files[i].len))
			continue;
		if (!(tree = file_tree(&files[i], e))) {
			cJSON_Delete(merged);
			return NULL;
		}
		for (l = 0; l < sizeof(kube_lists) / sizeof(kube_lists[0]); l++)
			merge_list(merged, tree, kube_lists[l][0], kube_lists[l][1], files[i].dir);
		cur = kube_json_str(tree, "current-context");
		if (cur && !kube_json_str(merged, "current-context"))
			cJSON_AddStringToObject(merged, "current-context", cur);
		cJSON_Delete(tree);
	}
	return merged;
}

int kube_config_merge_yaml(const struct kube_file *files, size_t n, const char *context, struct kube_config *kc,
			   struct err *e)
{
	cJSON *merged;
	char *json;
	size_t i;
	int ret;

	memset(kc, 0, sizeof(*kc));
	for (i = 0; i < n && blank(files[i].text, files[i].len); i++)
		;
	if (n == 0)
		return err_set(e, "kubeconfig: no file to read");
	if (i == n && n == 1)
		return err_set(e, "kubeconfig %.200s: empty", files[0].name);
	if (i == n)
		return err_set(e, "kubeconfig: all %zu files are empty (the first: %.200s)", n, files[0].name);
	merged = merge_trees(files, n, e);
	if (!merged)
		return -1;
	json = cJSON_PrintUnformatted(merged);
	cJSON_Delete(merged);
	if (!json)
		fatal("out of memory");
	/* paths are resolved already: none is made relative to the first file a second time */
	ret = kube_config_from_json(json, strlen(json), context, NULL, kc, e);
	explicit_bzero(json, strlen(json));
	cJSON_free(json);
	if (ret == 0 && files[0].dir)
		kc->dir = xstrdup(files[0].dir);
	return ret;
}
