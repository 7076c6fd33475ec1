/* kube.c: finding the API server and the credentials as kubectl does: kubeconfig, exec plugins,
 * in-cluster service account, kubectl proxy. */
#include "fetch/kube.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/xmalloc.h"
#include "fetch/secret.h"

#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void kube_config_done(struct kube_config *kc)
{
	char **p;

	if (!kc)
		return;
	free(kc->server);
	free(kc->context);
	free(kc->ns);
	free(kc->dir);
	free(kc->ca_file);
	free(kc->ca_pem);
	secret_free(kc->token);
	free(kc->token_file);
	free(kc->cert_file);
	free(kc->key_file);
	free(kc->cert_pem);
	secret_free(kc->key_pem);
	free(kc->exec_command);
	free(kc->exec_api_version);
	for (p = kc->exec_args; p && *p; p++)
		free(*p);
	free(kc->exec_args);
	for (p = kc->exec_env; p && *p; p++)
		secret_free(*p);
	free(kc->exec_env);
	memset(kc, 0, sizeof(*kc));
}

/* ---- reading the kubeconfig document ---- */

/* A string member, NULL when absent, null, empty or not a string. */
static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v) || !v->valuestring[0] || strcmp(v->valuestring, "null") == 0 ||
	    strcmp(v->valuestring, "~") == 0)
		return NULL;
	return v->valuestring;
}

const char *kube_json_str(const cJSON *o, const char *key)
{
	return jstr(o, key);
}

/* true/false as JSON (kubectl) or as a YAML scalar. */
static int jbool(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "True") == 0 ||
		       strcmp(v->valuestring, "TRUE") == 0;
	return 0;
}

/* The item of list key whose "name" is name; its member inner ("context", "cluster", "user"). */
static const cJSON *named(const cJSON *root, const char *list, const char *name, const char *inner)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, list))
	{
		const char *n = jstr(item, "name");

		if (n && strcmp(n, name) == 0) {
			const cJSON *in = cJSON_GetObjectItemCaseSensitive(item, inner);

			return cJSON_IsObject(in) ? in : NULL;
		}
	}
	return NULL;
}

static char *resolve_path(const char *dir, const char *p)
{
	if (p[0] == '/' || !dir || !dir[0])
		return xstrdup(p);
	return xasprintf("%s/%s", dir, p);
}

static int take_data(const cJSON *o, const char *key, char **out, size_t *len, const char *what,
		     struct err *e)
{
	const char *s = jstr(o, key);

	if (!s)
		return 0;
	*out = secret_base64_decode(s, len);
	if (!*out)
		return err_set(e, "kubeconfig: %s is not valid base64", what);
	return 0;
}

static char **string_list(const cJSON *arr)
{
	const cJSON *v;
	size_t n = 0, i = 0;
	char **out;

	cJSON_ArrayForEach(v, arr) n++;
	out = xcalloc(n + 1, sizeof(*out));
	cJSON_ArrayForEach(v, arr)
	{
		if (cJSON_IsString(v))
			out[i++] = xstrdup(v->valuestring);
		else if (cJSON_IsNumber(v))
			out[i++] = xasprintf("%g", v->valuedouble);
	}
	return out;
}

/* The cluster's server (without trailing slashes) and its CA. */
static int cluster_of(const cJSON *cluster, const char *cname, const char *dir, struct kube_config *kc, struct err *e)
{
	const char *s = jstr(cluster, "server");

	if (!s)
		return err_set(e, "kubeconfig: cluster \"%.100s\" has no server", cname);
	kc->server = xstrdup(s);
	while (kc->server[0] && kc->server[strlen(kc->server) - 1] == '/')
		kc->server[strlen(kc->server) - 1] = '\0';
	kc->insecure = jbool(cluster, "insecure-skip-tls-verify");
	if ((s = jstr(cluster, "certificate-authority")))
		kc->ca_file = resolve_path(dir, s);
	return take_data(cluster, "certificate-authority-data", &kc->ca_pem, &kc->ca_pem_len,
			 "certificate-authority-data", e);
}

/* The user's exec credential plugin: its command, apiVersion, arguments and environment. */
static int exec_of(const cJSON *exec, const char *uname, const char *dir, struct kube_config *kc, struct err *e)
{
	const cJSON *env;
	const char *s;
	size_t n = 0, i = 0;

	if (!(s = jstr(exec, "command")))
		return err_set(e, "kubeconfig: user \"%.80s\" has an exec plugin without a command", uname);
	/* client-go: a command with a slash is relative to the kubeconfig's directory */
	kc->exec_command = strchr(s, '/') ? resolve_path(dir, s) : xstrdup(s);
	kc->exec_api_version = xstrdup(jstr(exec, "apiVersion") ? jstr(exec, "apiVersion")
								: "client.authentication.k8s.io/v1");
	kc->exec_args = string_list(cJSON_GetObjectItemCaseSensitive(exec, "args"));
	cJSON_ArrayForEach(env, cJSON_GetObjectItemCaseSensitive(exec, "env")) n++;
	kc->exec_env = xcalloc(n + 1, sizeof(*kc->exec_env));
	cJSON_ArrayForEach(env, cJSON_GetObjectItemCaseSensitive(exec, "env"))
	{
		const char *k = jstr(env, "name"), *v = jstr(env, "value");

		if (k)
			kc->exec_env[i++] = xasprintf("%s=%s", k, v ? v : "");
	}
	return 0;
}

/* The user's credentials: a token or token file, a client certificate and key, an exec plugin. */
static int user_of(const cJSON *user, const char *uname, const char *dir, struct kube_config *kc, struct err *e)
{
	const cJSON *exec;
	const char *s;

	if (cJSON_GetObjectItemCaseSensitive(user, "auth-provider"))
		return err_set(e,
			       "kubeconfig: user \"%.80s\" uses an auth-provider, which leakscope does not support "
			       "(use an exec plugin)",
			       uname);
	if ((s = jstr(user, "token")))
		kc->token = xstrdup(s);
	if ((s = jstr(user, "tokenFile")))
		kc->token_file = resolve_path(dir, s);
	if ((s = jstr(user, "client-certificate")))
		kc->cert_file = resolve_path(dir, s);
	if ((s = jstr(user, "client-key")))
		kc->key_file = resolve_path(dir, s);
	if (take_data(user, "client-certificate-data", &kc->cert_pem, &kc->cert_pem_len, "client-certificate-data", e) <
		    0 ||
	    take_data(user, "client-key-data", &kc->key_pem, &kc->key_pem_len, "client-key-data", e) < 0)
		return -1;
	exec = cJSON_GetObjectItemCaseSensitive(user, "exec");
	return cJSON_IsObject(exec) ? exec_of(exec, uname, dir, kc, e) : 0;
}

static int from_tree(const cJSON *root, const char *context, const char *dir, struct kube_config *kc,
		     struct err *e)
{
	const cJSON *ctx, *cluster, *user;
	const char *name = context, *cname, *uname, *s;

	memset(kc, 0, sizeof(*kc));
	if (!cJSON_IsObject(root))
		return err_set(e, "kubeconfig: not a configuration (no top-level mapping)");
	if (!name)
		name = jstr(root, "current-context");
	if (!name)
		return err_set(e, "kubeconfig: no current-context: give --context");
	ctx = named(root, "contexts", name, "context");
	if (!ctx)
		return err_set(e, "kubeconfig: context \"%.100s\" does not exist", name);
	cname = jstr(ctx, "cluster");
	uname = jstr(ctx, "user");
	cluster = cname ? named(root, "clusters", cname, "cluster") : NULL;
	if (!cluster)
		return err_set(e, "kubeconfig: context \"%.80s\" names no known cluster", name);
	user = uname ? named(root, "users", uname, "user") : NULL;
	kc->context = xstrdup(name);
	kc->dir = dir ? xstrdup(dir) : NULL;
	if ((s = jstr(ctx, "namespace")))
		kc->ns = xstrdup(s);
	/* no user: anonymous */
	if (cluster_of(cluster, cname, dir, kc, e) < 0 || (user && user_of(user, uname, dir, kc, e) < 0)) {
		kube_config_done(kc);
		return -1;
	}
	return 0;
}

int kube_config_from_json(const char *text, size_t n, const char *context, const char *dir,
			  struct kube_config *kc, struct err *e)
{
	cJSON *root = cJSON_ParseWithLength(text, n);
	int ret;

	if (!root) {
		memset(kc, 0, sizeof(*kc));
		return err_set(e, "kubeconfig: not valid JSON");
	}
	ret = from_tree(root, context, dir, kc, e);
	cJSON_Delete(root);
	return ret;
}

int kube_config_from_yaml(const char *text, size_t n, const char *context, const char *dir,
			  struct kube_config *kc, struct err *e)
{
	char *json = kube_yaml_to_json(text, n, e);
	int ret;

	if (!json) {
		memset(kc, 0, sizeof(*kc));
		return -1;
	}
	ret = kube_config_from_json(json, strlen(json), context, dir, kc, e);
	secret_free(json);
	return ret;
}

/* ---- finding the configuration ---- */

static int on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (p = path; p && *p;) {
		size_t len = strcspn(p, ":");
		char *f = xasprintf("%.*s/%s", (int)len, p, prog);
		int ok = len && access(f, X_OK) == 0;

		free(f);
		if (ok)
			return 1;
		p += len;
		if (*p == ':')
			p++;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static void paths_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static int listed(char *const *paths, size_t n, const char *f)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(paths[i], f) == 0)
			return 1;
	return 0;
}

/* The existing files of $KUBECONFIG in order, each once; empty entries and missing files are
 * skipped, as kubectl does. */
static char **env_paths(const char *env, size_t *n)
{
	char **paths = xcalloc(strlen(env) / 2 + 2, sizeof(*paths));
	const char *p;

	*n = 0;
	for (p = env; *p;) {
		size_t len = strcspn(p, ":");
		char *f = xstrndup(p, len);

		if (len && access(f, F_OK) == 0 && !listed(paths, *n, f))
			paths[(*n)++] = f;
		else
			free(f);
		p += len;
		if (*p == ':')
			p++;
	}
	return paths;
}

/* The kubeconfig files to read: --kubeconfig alone; else the existing files of $KUBECONFIG;
 * else ~/.kube/config. *n is 0 when there is none. -1 with e filled when a named file is missing:
 * --kubeconfig, or every file of KUBECONFIG (said before kubectl answers about contexts instead). */
static int config_paths(const struct kube_load_opts *o, char ***paths, size_t *n, struct err *e)
{
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");

	*paths = xcalloc(2, sizeof(**paths));
	*n = 0;
	if (o->kubeconfig) {
		if (access(o->kubeconfig, F_OK) != 0)
			return err_set(e, "kubeconfig %.200s: %s (--kubeconfig)", o->kubeconfig, strerror(errno));
		(*paths)[(*n)++] = xstrdup(o->kubeconfig);
		return 0;
	}
	if (env && *env) {
		free(*paths);
		*paths = env_paths(env, n);
		if (*n == 0 && !strchr(env, ':'))
			return err_set(e, "kubeconfig %.200s: %s (KUBECONFIG)", env, strerror(ENOENT));
		if (*n == 0)
			return err_set(e, "KUBECONFIG names no existing file: %.200s", env);
		return 0;
	}
	if (home && *home) {
		char *f = xasprintf("%s/.kube/config", home);

		if (access(f, F_OK) == 0)
			(*paths)[(*n)++] = f;
		else
			free(f);
	}
	return 0;
}

static int in_cluster(const char *sa_dir, struct kube_config *kc, struct err *e)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	char *path, *ns = NULL;

	memset(kc, 0, sizeof(*kc));
	kc->server = xasprintf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
			       port && *port ? port : "443");
	kc->context = xstrdup("in-cluster");
	kc->dir = xstrdup(sa_dir);
	kc->token_file = xasprintf("%s/token", sa_dir);
	kc->ca_file = xasprintf("%s/ca.crt", sa_dir);
	path = xasprintf("%s/namespace", sa_dir);
	if (secret_read_file(path, 4096, 1, &ns, NULL, NULL) == 0 && ns[0])
		kc->ns = ns;
	else
		free(ns);
	free(path);
	if (access(kc->token_file, R_OK) != 0) {
		err_set(e, "in a pod, but the service-account token %s is not readable", kc->token_file);
		kube_config_done(kc);
		return -1;
	}
	return 0;
}

/* `kubectl config view --minify --raw -o json` (with --kubeconfig and --context) into kc. */
static int load_by_kubectl(const char *kubectl, const struct kube_load_opts *o, const char *dir, struct kube_config *kc,
			   struct err *e)
{
	char *argv[12], errline[256], *text = NULL;
	size_t n = 0;
	int k = 0, rc;

	argv[k++] = (char *)kubectl;
	argv[k++] = (char *)"config";
	argv[k++] = (char *)"view";
	argv[k++] = (char *)"--minify";
	argv[k++] = (char *)"--raw";
	argv[k++] = (char *)"-o";
	argv[k++] = (char *)"json";
	if (o->kubeconfig) {
		argv[k++] = (char *)"--kubeconfig";
		argv[k++] = (char *)o->kubeconfig;
	}
	if (o->context) {
		argv[k++] = (char *)"--context";
		argv[k++] = (char *)o->context;
	}
	argv[k] = NULL;
	rc = kube_run_capture(argv, NULL, &text, &n, errline, sizeof(errline), e);
	if (rc != 0) {
		if (rc > 0) {
			secret_free(text);
			err_set(e, "kubectl config view: %.200s", errline[0] ? errline : "failed");
		}
		return -1;
	}
	rc = kube_config_from_json(text, n, NULL, dir, kc, e);
	secret_free(text);
	return rc;
}

/* The kubeconfig files read as YAML and merged into kc (o->context, else the current one). */
static int load_by_yaml(char *const *paths, size_t n, const struct kube_load_opts *o, struct kube_config *kc,
			struct err *e)
{
	struct kube_file *files = xcalloc(n, sizeof(*files));
	char **texts = xcalloc(n, sizeof(*texts)), **dirs = xcalloc(n, sizeof(*dirs));
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		rc = secret_read_file(paths[i], SECRET_MAX_FILE, 0, &texts[i], &files[i].len, e);
		dirs[i] = dir_of(paths[i]);
		files[i].name = paths[i];
		files[i].text = texts[i];
		files[i].dir = dirs[i];
	}
	if (rc == 0)
		rc = kube_config_merge_yaml(files, n, o->context, kc, e);
	for (i = 0; i < n; i++) {
		secret_free(texts[i]);
		free(dirs[i]);
	}
	free(texts);
	free(dirs);
	free(files);
	return rc;
}

/* --kube-proxy: the server is the proxy, which adds the credentials itself. */
static int load_proxy(const struct kube_load_opts *o, struct kube_config *kc, struct err *e)
{
	if (!http_is_url(o->kube_proxy))
		return err_set(e, "--kube-proxy takes an http(s) URL such as http://127.0.0.1:8001");
	kc->server = xstrdup(o->kube_proxy);
	while (kc->server[strlen(kc->server) - 1] == '/')
		kc->server[strlen(kc->server) - 1] = '\0';
	kc->context = xstrdup("kube-proxy");
	return 0;
}

/* No kubeconfig: the pod's service account, when running in one. */
static int load_in_cluster(const struct kube_load_opts *o, const char *sa_dir, struct kube_config *kc, struct err *e)
{
	if (!getenv("KUBERNETES_SERVICE_HOST") || access(sa_dir, F_OK) != 0)
		return err_set(e, "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and not in a pod");
	if (in_cluster(sa_dir, kc, e) < 0)
		return -1;
	if (o->context)
		return err_set(e, "--context needs a kubeconfig; in a pod there is only the service account");
	return 0;
}

int kube_config_load(const struct kube_load_opts *o, struct kube_config *kc, struct err *e)
{
	const char *kubectl = o->kubectl, *sa_dir = o->sa_dir;
	char **paths, *dir;
	size_t n;
	int ret;

	memset(kc, 0, sizeof(*kc));
	if (o->kube_proxy)
		return load_proxy(o, kc, e);
	if (!sa_dir)
		sa_dir = getenv("LEAKSCOPE_SA_DIR") ? getenv("LEAKSCOPE_SA_DIR") : KUBE_SA_DIR;
	if (!kubectl)
		kubectl = getenv("LEAKSCOPE_KUBECTL") ? getenv("LEAKSCOPE_KUBECTL") : "kubectl";
	ret = config_paths(o, &paths, &n, e);
	if (ret == 0 && n == 0)
		ret = load_in_cluster(o, sa_dir, kc, e);
	else if (ret == 0 && *kubectl && on_path(kubectl)) {
		/* kubectl merges $KUBECONFIG itself */
		dir = dir_of(paths[0]);
		ret = load_by_kubectl(kubectl, o, dir, kc, e);
		free(dir);
	} else if (ret == 0)
		ret = load_by_yaml(paths, n, o, kc, e);
	if (ret == 0 && n > 0 && kube_exec_credential(kc, e) < 0) {
		kube_config_done(kc);
		ret = -1;
	}
	paths_free(paths, n);
	return ret;
}

int kube_http_opts(struct kube_config *kc, struct http_opts *h, struct err *e)
{
	if (kc->token_file && !kc->token) {
		/* read on every load: service-account tokens rotate */
		if (secret_read_token(kc->token_file, &kc->token, e) < 0)
			return -1;
	}
	/* a token from the kubeconfig itself or from an exec plugin, as strict as a token file */
	if (kc->token && secret_token_check(kc->token, "the kubeconfig's user", e) < 0)
		return -1;
	h->cacert = kc->ca_file;
	h->ca_pem = kc->ca_pem;
	h->ca_pem_len = kc->ca_pem_len;
	h->insecure = kc->insecure;
	h->token = kc->token;
	h->client_cert = kc->cert_file;
	h->client_key = kc->key_file;
	h->client_cert_pem = kc->cert_pem;
	h->client_cert_pem_len = kc->cert_pem_len;
	h->client_key_pem = kc->key_pem;
	h->client_key_pem_len = kc->key_pem_len;
	return 0;
}
