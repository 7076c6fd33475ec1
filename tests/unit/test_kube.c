/* test_kube.c: kubeconfig reading (YAML and kubectl's JSON), exec plugins, pod references, API
 * paths, Status errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fetch/kube.h"
#include "lib/url.h"
#include "lib/xmalloc.h"
#include "fetch/http.h"
#include "fetch/secret.h"

/* base64 of "-----BEGIN CERTIFICATE-----\nCA\n" and of "CERT\n", "KEY\n" */
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg=="
#define CERT_B64 "Q0VSVAo="
#define KEY_B64 "S0VZCg=="

static const char yaml_config[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: prod\n"
	"preferences: {}\n"
	"contexts:\n"
	"- name: staging\n"
	"  context: {cluster: staging, user: dev}\n"
	"- name: prod\n"
	"  context:\n"
	"    cluster: prod-eu\n"
	"    user: oncall\n"
	"    namespace: payments\n"
	"clusters:\n"
	"- name: staging\n"
	"  cluster:\n"
	"    server: https://staging.example:6443/\n"
	"    insecure-skip-tls-verify: true\n"
	"- name: prod-eu\n"
	"  cluster:\n"
	"    server: https://10.0.0.1:6443\n"
	"    certificate-authority-data: " CA_B64 "\n"
	"users:\n"
	"- name: dev\n"
	"  user:\n"
	"    tokenFile: secrets/dev-token\n"
	"    client-certificate: /abs/dev.crt\n"
	"    client-key: dev.key\n"
	"- name: oncall\n"
	"  user:\n"
	"    token: s3cr3t-token\n"
	"    client-certificate-data: " CERT_B64 "\n"
	"    client-key-data: " KEY_B64 "\n";

static void yaml_current_context(void **state)
{
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_int_equal(kube_config_from_yaml(yaml_config, strlen(yaml_config), NULL, "/home/me/.kube", &kc, &e), 0);
	assert_string_equal(kc.context, "prod");
	assert_string_equal(kc.server, "https://10.0.0.1:6443");
	assert_string_equal(kc.ns, "payments");
	assert_string_equal(kc.token, "s3cr3t-token");
	assert_null(kc.token_file);
	assert_int_equal(kc.insecure, 0);
	assert_int_equal(kc.ca_pem_len, strlen("-----BEGIN CERTIFICATE-----\nCA\n"));
	assert_string_equal(kc.ca_pem, "-----BEGIN CERTIFICATE-----\nCA\n");
	assert_string_equal(kc.cert_pem, "CERT\n");
	assert_string_equal(kc.key_pem, "KEY\n");
	assert_null(kc.exec_command);
	kube_config_done(&kc);
}

static void yaml_other_context(void **state)
{
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_int_equal(kube_config_from_yaml(yaml_config, strlen(yaml_config), "staging", "/home/me/.kube", &kc, &e), 0);
	assert_string_equal(kc.server, "https://staging.example:6443"); /* trailing slash dropped */
	assert_null(kc.ns);
	assert_int_equal(kc.insecure, 1);
	assert_null(kc.token);
	assert_string_equal(kc.token_file, "/home/me/.kube/secrets/dev-token"); /* relative to the kubeconfig */
	assert_string_equal(kc.cert_file, "/abs/dev.crt");
	assert_string_equal(kc.key_file, "/home/me/.kube/dev.key");
	assert_null(kc.ca_pem);
	kube_config_done(&kc);
}

static void yaml_errors(void **state)
{
	static const char bad_b64[] = "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u}\n"
				      "clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: '%%%'}\n";
	static const char no_current[] = "contexts: []\nclusters: []\n";
	static const char broken[] = "contexts: [\n";
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_int_equal(kube_config_from_yaml(yaml_config, strlen(yaml_config), "nope", ".", &kc, &e), -1);
	assert_string_equal(e.msg, "kubeconfig: context \"nope\" does not exist");
	assert_int_equal(kube_config_from_yaml(bad_b64, strlen(bad_b64), NULL, ".", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "certificate-authority-data is not valid base64"));
	assert_int_equal(kube_config_from_yaml(no_current, strlen(no_current), NULL, ".", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "no current-context"));
	assert_int_equal(kube_config_from_yaml(broken, strlen(broken), NULL, ".", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "YAML error"));
	/* the secret never shows in a message */
	assert_int_equal(kube_config_from_yaml(yaml_config, strlen(yaml_config), "nope", ".", &kc, &e), -1);
	assert_null(strstr(e.msg, "s3cr3t"));
}

/* What `kubectl config view --minify --raw -o json` prints: booleans are JSON booleans. */
/* Nested aliases ("billion laughs") would expand to 2^40 nodes: refused at a node budget, at once. */
static void yaml_alias_bomb(void **state)
{
	struct kube_config kc;
	struct err e;
	char text[2048];
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "a0: &a0 [x, x]\n");
	for (i = 1; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1, i - 1);
	assert_true(n < sizeof(text));
	assert_int_equal(kube_config_from_yaml(text, n, NULL, ".", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "YAML nodes"));
}

static void json_minified(void **state)
{
	static const char json[] =
		"{\"kind\":\"Config\",\"apiVersion\":\"v1\",\"preferences\":{},"
		"\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://127.0.0.1:6443\","
		"\"insecure-skip-tls-verify\":true,\"certificate-authority\":\"ca.crt\"}}],"
		"\"users\":[{\"name\":\"u\",\"user\":{\"exec\":{\"command\":\"aws\",\"args\":[\"eks\",\"get-token\"],"
		"\"env\":[{\"name\":\"AWS_PROFILE\",\"value\":\"prod\"}],\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
		"\"provideClusterInfo\":false,\"interactiveMode\":\"IfAvailable\"}}}],"
		"\"contexts\":[{\"name\":\"ctx\",\"context\":{\"cluster\":\"c\",\"user\":\"u\",\"namespace\":\"web\"}}],"
		"\"current-context\":\"ctx\"}";
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_int_equal(kube_config_from_json(json, strlen(json), NULL, "/etc/kube", &kc, &e), 0);
	assert_int_equal(kc.insecure, 1);
	assert_string_equal(kc.ca_file, "/etc/kube/ca.crt");
	assert_string_equal(kc.ns, "web");
	assert_string_equal(kc.exec_command, "aws"); /* no slash: looked up on PATH */
	assert_string_equal(kc.exec_args[0], "eks");
	assert_string_equal(kc.exec_args[1], "get-token");
	assert_null(kc.exec_args[2]);
	assert_string_equal(kc.exec_env[0], "AWS_PROFILE=prod");
	assert_null(kc.exec_env[1]);
	assert_string_equal(kc.exec_api_version, "client.authentication.k8s.io/v1beta1");
	kube_config_done(&kc);
}

static char tmpdir[] = "/tmp/test_kube.XXXXXX";

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static const char plugin_yaml[] =
	"current-context: eks\n"
	"contexts:\n- name: eks\n  context: {cluster: c, user: u}\n"
	"clusters:\n- name: c\n  cluster: {server: 'https://eks.example'}\n"
	"users:\n- name: u\n  user:\n    exec:\n"
	"      apiVersion: client.authentication.k8s.io/v1\n"
	"      command: ./plugin.sh\n"
	"      args: [\"--region\", \"eu-west-1\"]\n"
	"      env:\n      - name: PLUGIN_MODE\n        value: %s\n";

/* A small plugin: checks its arguments, environment and KUBERNETES_EXEC_INFO, prints an
 * ExecCredential (a token, or a client certificate and key) or fails. */
static const char plugin_sh[] =
	"#!/bin/sh\n"
	"[ \"$1 $2\" = \"--region eu-west-1\" ] || { echo bad args >&2; exit 3; }\n"
	"case \"$KUBERNETES_EXEC_INFO\" in *'\"kind\":\"ExecCredential\"'*) ;; *) exit 4;; esac\n"
	"case \"$PLUGIN_MODE\" in\n"
	"token) echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-plugin\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}';;\n"
	"cert) echo '{\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"PEMCERT\",\"clientKeyData\":\"PEMKEY\"}}';;\n"
	"empty) echo '{\"kind\":\"ExecCredential\",\"status\":{}}';;\n"
	"noenv) [ -z \"${LEAKSCOPE_TOKEN+x}\" ] || exit 9\n"
	"       echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-plugin\"}}';;\n"
	"*) exit 7;;\n"
	"esac\n";

static int load_with_plugin(const char *mode, struct kube_config *kc, struct err *e)
{
	char text[2048];

	snprintf(text, sizeof(text), plugin_yaml, mode);
	if (kube_config_from_yaml(text, strlen(text), NULL, tmpdir, kc, e) < 0)
		return -1;
	return kube_exec_credential(kc, e);
}

static void exec_plugin(void **state)
{
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	write_file("plugin.sh", plugin_sh, 0755);

	assert_int_equal(load_with_plugin("token", &kc, &e), 0);
	assert_string_equal(kc.token, "from-plugin");
	kube_config_done(&kc);

	assert_int_equal(load_with_plugin("cert", &kc, &e), 0);
	assert_null(kc.token);
	assert_string_equal(kc.cert_pem, "PEMCERT");
	assert_string_equal(kc.key_pem, "PEMKEY");
	kube_config_done(&kc);

	assert_int_equal(load_with_plugin("empty", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "neither a token nor a client certificate"));
	kube_config_done(&kc);

	assert_int_equal(load_with_plugin("fail", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "failed with exit status 7"));
	kube_config_done(&kc);

	/* LEAKSCOPE_TOKEN is ours: the plugin does not see it */
	setenv("LEAKSCOPE_TOKEN", "ours-not-the-plugin-s", 1);
	assert_int_equal(load_with_plugin("noenv", &kc, &e), 0);
	assert_string_equal(kc.token, "from-plugin");
	kube_config_done(&kc);
	unsetenv("LEAKSCOPE_TOKEN");
}

/* kubectl is asked for its view of the config without LEAKSCOPE_TOKEN in its environment. */
static void kubectl_env(void **state)
{
	static const char view[] =
		"{\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://127.0.0.1:6443\"}}],"
		"\"users\":[{\"name\":\"u\",\"user\":{\"token\":\"kube-token\"}}],"
		"\"contexts\":[{\"name\":\"ctx\",\"context\":{\"cluster\":\"c\",\"user\":\"u\"}}],"
		"\"current-context\":\"ctx\"}";
	char kubectl[256], config[256], script[512];
	struct kube_load_opts o = {0};
	struct kube_config kc;
	struct err e;

	(void)state;
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n[ -z \"${LEAKSCOPE_TOKEN+x}\" ] || { echo 'LEAKSCOPE_TOKEN seen' >&2; exit 9; }\n"
		 "cat '%s/view.json'\n",
		 tmpdir);
	write_file("kubectl.sh", script, 0755);
	write_file("view.json", view, 0600);
	snprintf(kubectl, sizeof(kubectl), "%s/kubectl.sh", tmpdir);
	snprintf(config, sizeof(config), "%s/view.json", tmpdir);
	o.kubectl = kubectl;
	o.kubeconfig = config;
	setenv("LEAKSCOPE_TOKEN", "ours-not-kubectl-s", 1);
	assert_int_equal(kube_config_load(&o, &kc, &e), 0);
	assert_string_equal(kc.token, "kube-token");
	kube_config_done(&kc);
	unsetenv("LEAKSCOPE_TOKEN");
}

/* Tokens with a line break inside would inject headers: refused from files, the variable and
 * the kubeconfig alike; one trailing newline (LF or CR LF) is fine. */
static void token_line_breaks(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* NULL: refused */
	} cases[] = {
		{"tok\n", "tok"},           {"tok\r\n", "tok"},       {"tok", "tok"},    {"tok  \n", "tok"},
		{"tok\nX-Evil: 1\n", NULL}, {"tok\rX-Evil: 1", NULL}, {"tok\n\n", NULL}, {"\n", NULL},
		{"to\x01k\n", NULL},
	};
	struct kube_config kc;
	struct http_opts h = {0};
	char path[256], *tok;
	struct err e;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/tokfile", tmpdir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file("tokfile", cases[i].text, 0600);
		if (cases[i].want) {
			assert_int_equal(secret_bearer_token(path, &tok, &e), 0);
			assert_string_equal(tok, cases[i].want);
			secret_free(tok);
		} else {
			assert_int_equal(secret_bearer_token(path, &tok, &e), -1);
			assert_null(tok);
			assert_non_null(strstr(e.msg, path));
			assert_null(strstr(e.msg, "X-Evil"));
		}
	}
	setenv("LEAKSCOPE_TOKEN", "tok\r\nX-Evil: 1", 1);
	assert_int_equal(secret_bearer_token(NULL, &tok, &e), -1);
	assert_non_null(strstr(e.msg, "LEAKSCOPE_TOKEN: the token holds a line break"));
	unsetenv("LEAKSCOPE_TOKEN");
	memset(&kc, 0, sizeof(kc));
	kc.token = xstrdup("tok\nX-Evil: 1");
	assert_int_equal(kube_http_opts(&kc, &h, &e), -1);
	assert_non_null(strstr(e.msg, "line break"));
	kube_config_done(&kc);
}

/* kube_config_load without kubectl: --kubeconfig, then KUBECONFIG, with the token file read by
 * kube_http_opts; and the in-cluster service account. */
static void load_files(void **state)
{
	char path[256], cfg[1024], sa[256];
	struct kube_load_opts o = {.kubectl = ""};
	struct http_opts h = {0};
	struct kube_config kc;
	struct err e;

	(void)state;
	snprintf(cfg, sizeof(cfg),
		 "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, user: u, namespace: ns1}\n"
		 "clusters:\n- name: c\n  cluster: {server: 'https://api:6443', certificate-authority: ca.pem}\n"
		 "users:\n- name: u\n  user: {tokenFile: tok}\n");
	write_file("config", cfg, 0600);
	write_file("tok", "file-token\n", 0600);
	snprintf(path, sizeof(path), "%s/config", tmpdir);
	o.kubeconfig = path;
	assert_int_equal(kube_config_load(&o, &kc, &e), 0);
	assert_string_equal(kc.ns, "ns1");
	assert_int_equal(kube_http_opts(&kc, &h, &e), 0);
	assert_string_equal(h.token, "file-token"); /* newline trimmed */
	snprintf(sa, sizeof(sa), "%s/ca.pem", tmpdir);
	assert_string_equal(h.cacert, sa);
	kube_config_done(&kc);

	o.kubeconfig = NULL;
	setenv("KUBECONFIG", path, 1);
	assert_int_equal(kube_config_load(&o, &kc, &e), 0);
	assert_string_equal(kc.context, "a");
	kube_config_done(&kc);

	o.kubeconfig = "/nonexistent/config";
	assert_int_equal(kube_config_load(&o, &kc, &e), -1);
	assert_non_null(strstr(e.msg, "/nonexistent/config"));

	/* in a pod: no kubeconfig anywhere, the service account directory */
	o.kubeconfig = NULL;
	unsetenv("KUBECONFIG");
	setenv("HOME", tmpdir, 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	o.sa_dir = tmpdir;
	write_file("token", "sa-token\n", 0600);
	write_file("namespace", "kube-apps\n", 0644);
	assert_int_equal(kube_config_load(&o, &kc, &e), 0);
	assert_string_equal(kc.server, "https://10.96.0.1:443");
	assert_string_equal(kc.context, "in-cluster");
	assert_string_equal(kc.ns, "kube-apps");
	assert_int_equal(kube_http_opts(&kc, &h, &e), 0);
	assert_string_equal(h.token, "sa-token");
	kube_config_done(&kc);

	o.kube_proxy = "http://127.0.0.1:8001/";
	assert_int_equal(kube_config_load(&o, &kc, &e), 0);
	assert_string_equal(kc.server, "http://127.0.0.1:8001");
	assert_null(kc.token);
	kube_config_done(&kc);
}

/* Three files as kubectl merges them: the context in the first, the cluster in the second, the
 * user in the third; a name defined twice takes the first file's entry whole; current-context
 * comes from the first file that sets one; relative paths follow the file that defined them. */
static const char merge_a[] = "current-context: ~\n"
			      "contexts:\n- name: oncall\n  context: {cluster: prod, user: me, namespace: shop}\n"
			      "users:\n- name: me\n  user: {tokenFile: a-token}\n";
static const char merge_b[] =
	"current-context: oncall\n"
	"clusters:\n- name: prod\n  cluster: {server: 'https://b:6443', certificate-authority: ca/b.pem}\n"
	"contexts:\n- name: oncall\n  context: {cluster: other, user: other}\n";
static const char merge_c[] =
	"current-context: later\n"
	"clusters:\n- name: prod\n  cluster: {server: 'https://c:6443', insecure-skip-tls-verify: true}\n"
	"users:\n- name: me\n  user: {token: c-token, client-key: c.key}\n"
	"- name: plug\n  user: {exec: {command: bin/plug, args: [x]}}\n";

static void merge_texts(void **state)
{
	const struct kube_file files[] = {
		{.name = "/k/a/config", .text = merge_a, .len = sizeof(merge_a) - 1, .dir = "/k/a"},
		{.name = "/k/b/config", .text = merge_b, .len = sizeof(merge_b) - 1, .dir = "/k/b"},
		{.name = "/k/c/config", .text = merge_c, .len = sizeof(merge_c) - 1, .dir = "/k/c"},
	};
	static const char ctx_plug[] = "contexts:\n- name: p\n  context: {cluster: prod, user: plug}\n";
	const struct kube_file two[] = {
		files[2], {.name = "/k/d/config", .text = ctx_plug, .len = sizeof(ctx_plug) - 1, .dir = "/k/d"}};
	const struct kube_file bad[] = {files[0], {.name = "/k/e/config", .text = "a: [", .len = 4, .dir = "/k/e"}};
	struct kube_config kc;
	struct err e;

	(void)state;
	assert_int_equal(kube_config_merge_yaml(files, 3, NULL, &kc, &e), 0);
	assert_string_equal(kc.context, "oncall"); /* the first file's "~" sets none */
	assert_string_equal(kc.ns, "shop");        /* a's context, not b's */
	assert_string_equal(kc.server, "https://b:6443");
	assert_int_equal(kc.insecure, 0); /* c's "prod" is discarded whole */
	assert_string_equal(kc.ca_file, "/k/b/ca/b.pem");
	assert_string_equal(kc.token_file, "/k/a/a-token");
	assert_null(kc.token); /* c's "me" is discarded whole */
	assert_null(kc.key_file);
	kube_config_done(&kc);

	/* the exec command resolves against the file of the user, not of the context */
	assert_int_equal(kube_config_merge_yaml(two, 2, "p", &kc, &e), 0);
	assert_string_equal(kc.exec_command, "/k/c/bin/plug");
	assert_string_equal(kc.server, "https://c:6443");
	kube_config_done(&kc);

	assert_int_equal(kube_config_merge_yaml(files, 3, "nope", &kc, &e), -1);
	assert_non_null(strstr(e.msg, "\"nope\" does not exist"));
	/* an empty file (touch ~/.kube/config) is an empty configuration, as for kubectl */
	{
		const struct kube_file blanks[] = {
			{.name = "/k/0/config", .text = "# nothing\n---\n  \n", .len = 17, .dir = "/k/0"},
			files[0],
			files[1],
			files[2]};

		assert_int_equal(kube_config_merge_yaml(blanks, 4, NULL, &kc, &e), 0);
		assert_string_equal(kc.server, "https://b:6443");
		kube_config_done(&kc);
		assert_int_equal(kube_config_merge_yaml(blanks, 1, NULL, &kc, &e), -1);
		assert_string_equal(e.msg, "kubeconfig /k/0/config: empty");
	}
	assert_int_equal(kube_config_merge_yaml(bad, 2, NULL, &kc, &e), -1);
	assert_non_null(strstr(e.msg, "kubeconfig /k/e/config: YAML error"));
}

/* KUBECONFIG=a:missing:b:c without kubectl: the files merged, the missing one skipped; every file
 * missing is said naming KUBECONFIG; --kubeconfig is one file only. */
static void load_merged(void **state)
{
	char env[1024], path[300];
	struct kube_load_opts o = {.kubectl = ""};
	struct kube_config kc;
	struct err e;

	(void)state;
	snprintf(path, sizeof(path), "%s/a", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/b", tmpdir);
	mkdir(path, 0700);
	write_file("a/config", merge_a, 0600);
	write_file("b/config", merge_b, 0600);
	write_file("c.yaml", merge_c, 0600);
	snprintf(env, sizeof(env), "%s/a/config:%s/missing::%s/b/config:%s/c.yaml:%s/a/config", tmpdir, tmpdir, tmpdir,
		 tmpdir, tmpdir);
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(kube_config_load(&o, &kc, &e), 0);
	assert_string_equal(kc.context, "oncall");
	assert_string_equal(kc.server, "https://b:6443");
	snprintf(path, sizeof(path), "%s/b/ca/b.pem", tmpdir);
	assert_string_equal(kc.ca_file, path);
	snprintf(path, sizeof(path), "%s/a/a-token", tmpdir);
	assert_string_equal(kc.token_file, path);
	kube_config_done(&kc);

	/* --kubeconfig: that file alone, so b's cluster is unknown */
	snprintf(path, sizeof(path), "%s/a/config", tmpdir);
	o.kubeconfig = path;
	assert_int_equal(kube_config_load(&o, &kc, &e), -1);
	assert_non_null(strstr(e.msg, "no current-context"));
	o.kubeconfig = NULL;

	snprintf(env, sizeof(env), "%s/gone1:%s/gone2", tmpdir, tmpdir);
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(kube_config_load(&o, &kc, &e), -1);
	assert_non_null(strstr(e.msg, "KUBECONFIG names no existing file"));
	assert_non_null(strstr(e.msg, "gone2"));
	unsetenv("KUBECONFIG");
}

static void split_pod(void **state)
{
	char *scheme, *name;
	long port;
	struct err e;

	(void)state;
	assert_int_equal(kube_split_pod("web-0", &scheme, &name, &port, &e), 0);
	assert_null(scheme);
	assert_string_equal(name, "web-0");
	assert_int_equal(port, 0);
	free(name);
	assert_int_equal(kube_split_pod("web-0:6060", &scheme, &name, &port, &e), 0);
	assert_null(scheme);
	assert_string_equal(name, "web-0");
	assert_int_equal(port, 6060);
	free(name);
	assert_int_equal(kube_split_pod("https:web-0:8443", &scheme, &name, &port, &e), 0);
	assert_string_equal(scheme, "https");
	assert_string_equal(name, "web-0");
	assert_int_equal(port, 8443);
	free(scheme);
	free(name);
	assert_int_equal(kube_split_pod("ftp:web-0:21", &scheme, &name, &port, &e), -1);
	assert_int_equal(kube_split_pod("web-0:http", &scheme, &name, &port, &e), -1);
	assert_int_equal(kube_split_pod("web-0:70000", &scheme, &name, &port, &e), -1);
	assert_int_equal(kube_split_pod(":80", &scheme, &name, &port, &e), -1);
	assert_int_equal(kube_split_pod("", &scheme, &name, &port, &e), -1);
	assert_int_equal(kube_split_pod("a:b:c:d", &scheme, &name, &port, &e), -1);
}

static void urls(void **state)
{
	char *u;

	(void)state;
	u = kube_proxy_url("https://k:6443", "shop", NULL, "web-0", 6060, "/debug/pprof/goroutine?debug=1");
	assert_string_equal(u, "https://k:6443/api/v1/namespaces/shop/pods/web-0:6060/proxy/debug/pprof/goroutine?debug=1");
	free(u);
	u = kube_proxy_url("https://k", "shop", "https", "web-0", 8443, "/metrics");
	assert_string_equal(u, "https://k/api/v1/namespaces/shop/pods/https:web-0:8443/proxy/metrics");
	free(u);
	u = kube_proxy_url("https://k", "shop", "http", "web-0", 0, "/x");
	assert_string_equal(u, "https://k/api/v1/namespaces/shop/pods/web-0/proxy/x");
	free(u);
	/* whatever a user types, it stays one path element */
	u = kube_pod_url("https://k", "a/b", "x y?z#");
	assert_string_equal(u, "https://k/api/v1/namespaces/a%2Fb/pods/x%20y%3Fz%23");
	free(u);
	u = kube_pods_url("https://k", "shop", "app=web,tier in (a,b)", 500, NULL);
	assert_string_equal(u, "https://k/api/v1/namespaces/shop/pods?fieldSelector=status.phase%3DRunning&limit=500"
			       "&labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29");
	free(u);
	u = kube_pods_url("https://k", "shop", NULL, 2, "eyJ2Ijoi+/=");
	assert_string_equal(u, "https://k/api/v1/namespaces/shop/pods?fieldSelector=status.phase%3DRunning&limit=2"
			       "&continue=eyJ2Ijoi%2B%2F%3D");
	free(u);
	u = url_escape("AZaz09-._~");
	assert_string_equal(u, "AZaz09-._~");
	free(u);
}

static void status(void **state)
{
	static const char forbidden[] =
		"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
		"\"message\":\"pods \\\"x\\\" is forbidden: User \\\"bob\\\" cannot get resource \\\"pods/proxy\\\"\","
		"\"reason\":\"Forbidden\",\"code\":403}";
	struct http_result r = {.status = 403};
	char out[256];
	struct err e;

	(void)state;
	assert_int_equal(kube_status_message(forbidden, strlen(forbidden), out, sizeof(out)), 0);
	assert_string_equal(out, "pods \"x\" is forbidden: User \"bob\" cannot get resource \"pods/proxy\" (403)");
	assert_int_equal(kube_status_message("404 page not found\n", 19, out, sizeof(out)), -1);
	assert_int_equal(kube_status_message("{\"kind\":\"Pod\"}", 14, out, sizeof(out)), -1);

	/* no Status body from behind the proxy: the hint says what to check */
	r.status = 404;
	snprintf(r.errbody, sizeof(r.errbody), "404 page not found");
	r.errlen = strlen(r.errbody);
	snprintf(e.msg, sizeof(e.msg), "https://k/...: HTTP 404: 404 page not found");
	kube_explain(&r, "proxy", &e);
	assert_non_null(strstr(e.msg, "is net/http/pprof registered"));
	r.status = 403;
	snprintf(r.errbody, sizeof(r.errbody), "%s", forbidden);
	r.errlen = strlen(r.errbody);
	kube_explain(&r, "proxy", &e);
	assert_string_equal(e.msg, "pods \"x\" is forbidden: User \"bob\" cannot get resource \"pods/proxy\" (403)");
}

static void base64(void **state)
{
	size_t n;
	char *s;

	(void)state;
	s = secret_base64_decode("aGVs\nbG8=", &n);
	assert_string_equal(s, "hello");
	assert_int_equal(n, 5);
	secret_free(s);
	assert_null(secret_base64_decode("a$b", &n));
	assert_null(secret_base64_decode("aGVs=bG8", &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(yaml_current_context),
		cmocka_unit_test(yaml_other_context),
		cmocka_unit_test(yaml_errors),
		cmocka_unit_test(yaml_alias_bomb),
		cmocka_unit_test(json_minified),
		cmocka_unit_test(exec_plugin),
		cmocka_unit_test(load_files),
		cmocka_unit_test(merge_texts),
		cmocka_unit_test(load_merged),
		cmocka_unit_test(kubectl_env),
		cmocka_unit_test(token_line_breaks),
		cmocka_unit_test(split_pod),
		cmocka_unit_test(urls),
		cmocka_unit_test(status),
		cmocka_unit_test(base64),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];

	if (strchr(tmpdir, 'X') == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return rc;
}
