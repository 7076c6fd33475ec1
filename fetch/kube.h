/* kube.h: reaching pods the way kubectl does: kubeconfig (kubectl's own view, or the YAML read
 * with libyaml), exec credential plugins, the in-cluster service account, `kubectl proxy`; the
 * API paths of the pod proxy and the pod list; Kubernetes Status errors as one line. */
#ifndef FETCH_KUBE_H
#define FETCH_KUBE_H

#include <stddef.h>

#include "lib/err.h"
#include "fetch/http.h"

/* Everything needed to talk to one API server as one user. Strings are owned (kube_config_done
 * frees them and wipes the secrets). */
struct kube_config {
	char *server;  /* scheme://host[:port][/prefix], without a trailing slash */
	char *context; /* the context's name, "in-cluster" or "kube-proxy" */
	char *ns;      /* the context's namespace, or NULL */
	char *dir;     /* the kubeconfig's directory: relative paths in it are relative to it */
	char *ca_file;
	char *ca_pem;
	size_t ca_pem_len;
	int insecure; /* insecure-skip-tls-verify */
	char *token;  /* secret */
	char *token_file;
	char *cert_file, *key_file;
	char *cert_pem, *key_pem; /* secret (the key) */
	size_t cert_pem_len, key_pem_len;
	/* user.exec: run to get an ExecCredential */
	char *exec_command;
	char *exec_api_version;
	char **exec_args; /* NULL-terminated */
	char **exec_env;  /* NAME=VALUE, NULL-terminated */
};

struct kube_load_opts {
	const char *kubeconfig; /* --kubeconfig; NULL: $KUBECONFIG, else ~/.kube/config */
	const char *context;    /* --context; NULL: current-context */
	const char *kube_proxy; /* --kube-proxy URL: no kubeconfig, no credentials */
	/* kubectl to ask for its view of the config; NULL: $LEAKSCOPE_KUBECTL when set (empty: never
	 * use kubectl), else "kubectl" when it is on PATH */
	const char *kubectl;
	/* service-account directory for in-cluster access; NULL: $LEAKSCOPE_SA_DIR, else
	 * /var/run/secrets/kubernetes.io/serviceaccount */
	const char *sa_dir;
};

/* Finds and reads the configuration as kubectl would, runs an exec plugin if the user has one,
 * and fills kc (caller-owned, kube_config_done). Returns 0 or -1 with e filled. */
int kube_config_load(const struct kube_load_opts *o, struct kube_config *kc, struct err *e);
/* Picks context (NULL: current-context) out of a kubeconfig in JSON (kubectl config view -o json)
 * or YAML; dir resolves relative paths. Does not run exec plugins. */
int kube_config_from_json(const char *text, size_t n, const char *context, const char *dir,
			  struct kube_config *kc, struct err *e);
int kube_config_from_yaml(const char *text, size_t n, const char *context, const char *dir,
			  struct kube_config *kc, struct err *e);
/* One kubeconfig file: its name (for messages), its YAML text, and the directory its relative
 * paths are relative to. All borrowed. */
struct kube_file {
	const char *name;
	const char *text;
	size_t len;
	const char *dir;
};
/* Reads files as one kubeconfig, as kubectl merges $KUBECONFIG: in order, the first file to name a
 * cluster, user or context wins (the whole entry), current-context comes from the first file that
 * sets it, and relative paths (certificate-authority, client-certificate, client-key, tokenFile,
 * an exec command with a slash) resolve against the directory of the file that defined the entry.
 * Then picks context (NULL: current-context) as kube_config_from_yaml does. */
int kube_config_merge_yaml(const struct kube_file *files, size_t n, const char *context, struct kube_config *kc,
			   struct err *e);
/* Runs argv with envp (NULL: ours), LEAKSCOPE_TOKEN left out, stdin from /dev/null; collects
 * stdout (capped) and, when errout is given, the first line of stderr (else stderr goes to
 * ours). Returns the exit status (0..255), or -1 with e filled when it could not run, was killed
 * or printed too much. For fetch/ only. */
int kube_run_capture(char *const argv[], char *const envp[], char **out, size_t *outlen, char *errout, size_t errn,
		     struct err *e);
/* Runs kc's exec plugin (when it has one) and takes the token or client certificate it prints. */
int kube_exec_credential(struct kube_config *kc, struct err *e);
/* kube_config_done(NULL) does nothing. */
void kube_config_done(struct kube_config *kc);
/* Points h at kc's TLS settings and credentials (borrowed from kc), reading token_file into
 * kc->token first. */
int kube_http_opts(struct kube_config *kc, struct http_opts *h, struct err *e);

/* A string member of a JSON object, NULL when absent, empty, null, "null", "~" or not a string.
 * For fetch/ only. */
struct cJSON;
const char *kube_json_str(const struct cJSON *o, const char *key);

/* Converts a YAML document to JSON text (mappings to objects, sequences to arrays, scalars to
 * strings); the caller frees it. For fetch/ only. */
char *kube_yaml_to_json(const char *text, size_t n, struct err *e);

/* ---- API paths ---- */

/* Splits a pod reference "NAME", "NAME:PORT" or "SCHEME:NAME:PORT" (SCHEME http or https), as the
 * API server's pod proxy does. *scheme and *name are owned by the caller; *port is 0 when absent.
 * Returns 0, or -1 with e filled. */
int kube_split_pod(const char *ref, char **scheme, char **name, long *port, struct err *e);
/* SERVER/api/v1/namespaces/NS/pods/NAME */
char *kube_pod_url(const char *server, const char *ns, const char *name);
/* SERVER/api/v1/namespaces/NS/pods/[SCHEME:]NAME:PORT/proxy + path (path starts with '/' and may
 * carry a query, copied as it is). scheme NULL or "http": none written. */
char *kube_proxy_url(const char *server, const char *ns, const char *scheme, const char *name, long port,
		     const char *path);
/* SERVER/api/v1/namespaces/NS/pods?fieldSelector=status.phase%3DRunning&limit=N[&labelSelector=..]
 * [&continue=...] */
char *kube_pods_url(const char *server, const char *ns, const char *selector, long limit, const char *cont);

/* When body is a Kubernetes Status, writes "MESSAGE (CODE)" into out and returns 0; else -1. */
int kube_status_message(const char *body, size_t n, char *out, size_t outn);
/* One line for a failed API call: the Status message, or e's own text, and a hint for 401, 403,
 * 404 and 503 (what = "proxy" for the pod proxy, "api" for other calls). Rewrites e. */
void kube_explain(const struct http_result *r, const char *what, struct err *e);

/* ---- API calls ---- */

struct kube_pod {
	char *name;
	char *phase;
	long port;    /* first containerPort, 0 when none */
	char *podip;
	long metrics_port;  /* the prometheus.io/port annotation, 0 when none (or not a port) */
	char *metrics_path; /* the prometheus.io/path annotation, NULL when none */
};

/* GETs the pod and returns its first containerPort in *port (0 when it declares none). */
int kube_pod_port(const struct kube_config *kc, const struct http_opts *h, const char *ns, const char *name,
		  long *port, struct err *e);
/* Lists the Running pods of ns matching selector (NULL: all), page by page. *pods is owned by
 * the caller (kube_pods_free). */
int kube_list_pods(const struct kube_config *kc, const struct http_opts *h, const char *ns,
		   const char *selector, struct kube_pod **pods, size_t *npods, struct err *e);
void kube_pods_free(struct kube_pod *pods, size_t n);

#endif
