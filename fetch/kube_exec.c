/* kube_exec.c: the child processes of finding the credentials: kubectl and exec plugins, run
 * with a cleaned environment, a cap on what they print and a time limit. */
#include "fetch/kube.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch/secret.h"
#include "lib/xmalloc.h"

extern char **environ;

#define KUBE_CHILD_MAX (4u << 20)   /* what kubectl or a plugin may print */
#define KUBE_CHILD_TIMEOUT_MS 60000 /* a plugin that hangs longer is killed */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* envp without LEAKSCOPE_TOKEN: kubectl and credential plugins have no business with it. The
 * strings stay envp's; free the array. */
static char **child_env(char *const envp[])
{
	size_t n = 0, k = 0, i;
	char **out;

	while (envp[n])
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], "LEAKSCOPE_TOKEN=", 16) != 0)
			out[k++] = envp[i];
	return out;
}

/* A child being run: its pipes, and what it printed so far. */
struct child {
	const char *name;
	pid_t pid;
	int out, err; /* read ends; -1 once closed (err: -1 when stderr stays ours) */
	char *buf;    /* stdout */
	size_t n, cap;
	char *errout; /* the start of stderr, NUL-terminated */
	size_t errn, en;
};

/* Starts argv with envp (LEAKSCOPE_TOKEN left out), stdin from /dev/null, stdout (and stderr
 * when c->errout) into pipes. */
static int spawn(struct child *c, char *const argv[], char *const envp[], struct err *e)
{
	int po[2], pe[2] = {-1, -1}, rc;
	posix_spawn_file_actions_t fa;
	char **env;

	if (pipe2(po, O_CLOEXEC) < 0 || (c->errout && pipe2(pe, O_CLOEXEC) < 0))
		return err_set(e, "cannot run %s: %s", argv[0], strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	if (c->errout)
		posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	env = child_env(envp);
	rc = posix_spawnp(&c->pid, argv[0], &fa, NULL, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	if (c->errout)
		close(pe[1]);
	c->out = po[0];
	c->err = pe[0];
	if (rc) {
		close(c->out);
		if (c->errout)
			close(c->err);
		return err_set(e, "cannot run %s: %s", argv[0], strerror(rc));
	}
	return 0;
}

/* Takes the bytes read from pipe k (0 stdout, 1 stderr): stdout kept up to its cap, stderr's
 * start kept. Returns 0, or -1 with e when stdout is too much. */
static int take(struct child *c, int k, const char *tmp, size_t r, struct err *e)
{
	if (k == 0) {
		if (c->n + r > KUBE_CHILD_MAX)
			return err_set(e, "%s printed more than %u bytes", c->name, KUBE_CHILD_MAX);
		c->buf = xgrow(c->buf, &c->cap, c->n + r + 1, 1);
		memcpy(c->buf + c->n, tmp, r);
		c->n += r;
	} else if (c->en + 1 < c->errn) {
		size_t room = c->errn - 1 - c->en, t = r < room ? r : room;

		memcpy(c->errout + c->en, tmp, t);
		c->en += t;
		c->errout[c->en] = '\0';
	}
	return 0;
}

/* Reads the child's pipes until both close, for KUBE_CHILD_TIMEOUT_MS at most (then it is
 * killed). Returns 0, or -1 with e. */
static int collect(struct child *c, struct err *e)
{
	long deadline = now_ms() + KUBE_CHILD_TIMEOUT_MS;
	int npipes = c->errout ? 2 : 1, open_fds = npipes;

	while (open_fds) {
		struct pollfd pf[2] = {{c->out, POLLIN, 0}, {c->err, POLLIN, 0}};
		long left = deadline - now_ms();
		int k;

		if (left <= 0 || poll(pf, (nfds_t)npipes, (int)left) == 0) {
			kill(c->pid, SIGKILL);
			return err_set(e, "%s did not finish within %d s", c->name, KUBE_CHILD_TIMEOUT_MS / 1000);
		}
		for (k = 0; k < npipes; k++) {
			char tmp[4096];
			ssize_t r;

			if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(pf[k].fd, tmp, sizeof(tmp));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(pf[k].fd);
				*(k == 0 ? &c->out : &c->err) = -1;
				open_fds--;
			} else if (take(c, k, tmp, (size_t)r, e) < 0) {
				kill(c->pid, SIGKILL);
				return -1;
			}
		}
	}
	return 0;
}

/* Runs argv with envp (NULL: ours), LEAKSCOPE_TOKEN left out, stdin from /dev/null; collects
 * stdout (capped) and, when errout is given, the first line of stderr (else stderr goes to
 * ours). Returns the exit status (0..255), or -1 with e filled when it could not run, was killed
 * or printed too much. */
int kube_run_capture(char *const argv[], char *const envp[], char **out, size_t *outlen, char *errout, size_t errn,
		     struct err *e)
{
	struct child c = {argv[0], 0, -1, -1, NULL, 0, 0, errout, errn, 0};
	int status, ret;

	*out = NULL;
	if (errout && errn)
		errout[0] = '\0';
	if (spawn(&c, argv, envp ? envp : environ, e) < 0)
		return -1;
	ret = collect(&c, e);
	if (c.out >= 0)
		close(c.out);
	if (errout && c.err >= 0)
		close(c.err);
	while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR)
		;
	if (errout)
		errout[strcspn(errout, "\r\n")] = '\0';
	if (ret < 0) {
		secret_free(c.buf);
		return -1;
	}
	if (!WIFEXITED(status)) {
		secret_free(c.buf);
		return err_set(e, "%s was killed by signal %d", argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	if (!c.buf)
		c.buf = xstrdup("");
	c.buf[c.n] = '\0';
	*out = c.buf;
	*outlen = c.n;
	return WEXITSTATUS(status);
}

/* The plugin's environment: its own variables from the kubeconfig first, then ours (but those it
 * sets and KUBERNETES_EXEC_INFO), then KUBERNETES_EXEC_INFO. The strings are borrowed but the last
 * one, *info (the caller frees it and the array). */
static char **exec_env(const struct kube_config *kc, char **info)
{
	size_t i, nenv = 0, k = 0;
	char **envp;

	while (environ[nenv])
		nenv++;
	for (i = 0; kc->exec_env && kc->exec_env[i]; i++)
		nenv++;
	envp = xcalloc(nenv + 2, sizeof(*envp));
	for (i = 0; kc->exec_env && kc->exec_env[i]; i++)
		envp[k++] = kc->exec_env[i];
	for (i = 0; environ[i]; i++) {
		size_t j, len = strcspn(environ[i], "=");
		int shadowed = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;

		for (j = 0; kc->exec_env && kc->exec_env[j] && !shadowed; j++)
			shadowed = strncmp(kc->exec_env[j], environ[i], len + 1) == 0;
		if (!shadowed)
			envp[k++] = environ[i];
	}
	*info = xasprintf("KUBERNETES_EXEC_INFO={\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
			  "\"spec\":{\"interactive\":false}}",
			  kc->exec_api_version);
	envp[k++] = *info;
	return envp;
}

/* The ExecCredential's status (n bytes in out) into kc: a token, or a client certificate and key. */
static int exec_status(struct kube_config *kc, const char *out, size_t n, struct err *e)
{
	cJSON *root = cJSON_ParseWithLength(out, n);
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
	const char *s;
	int ret = -1;

	if (!cJSON_IsObject(status)) {
		err_set(e, "exec credential plugin %.100s printed no ExecCredential status", kc->exec_command);
		goto done;
	}
	if ((s = kube_json_str(status, "token"))) {
		secret_free(kc->token);
		kc->token = xstrdup(s);
		free(kc->token_file);
		kc->token_file = NULL;
	}
	if ((s = kube_json_str(status, "clientCertificateData"))) {
		free(kc->cert_pem);
		kc->cert_pem = xstrdup(s);
		kc->cert_pem_len = strlen(s);
	}
	if ((s = kube_json_str(status, "clientKeyData"))) {
		secret_free(kc->key_pem);
		kc->key_pem = xstrdup(s);
		kc->key_pem_len = strlen(s);
	}
	if (!kc->token && !(kc->cert_pem && kc->key_pem)) {
		err_set(e, "exec credential plugin %.100s gave neither a token nor a client certificate and key",
			kc->exec_command);
		goto done;
	}
	ret = 0;
done:
	if (root) {
		/* the token lived in the tree too */
		cJSON *t = cJSON_GetObjectItemCaseSensitive(status, "token");

		if (cJSON_IsString(t))
			explicit_bzero(t->valuestring, strlen(t->valuestring));
		cJSON_Delete(root);
	}
	return ret;
}

int kube_exec_credential(struct kube_config *kc, struct err *e)
{
	char **argv, **envp, *out = NULL, *info;
	size_t n = 0, i, nargs = 0;
	int rc;

	if (!kc->exec_command)
		return 0;
	while (kc->exec_args && kc->exec_args[nargs])
		nargs++;
	argv = xcalloc(nargs + 2, sizeof(*argv));
	argv[0] = kc->exec_command;
	for (i = 0; i < nargs; i++)
		argv[i + 1] = kc->exec_args[i];
	envp = exec_env(kc, &info);
	/* stderr stays ours: plugins print their own guidance (e.g. "run aws sso login") there */
	rc = kube_run_capture(argv, envp, &out, &n, NULL, 0, e);
	free(argv);
	free(envp);
	free(info);
	if (rc < 0) {
		char why[sizeof(e->msg)];

		memcpy(why, e->msg, sizeof(why));
		return err_set(e, "exec credential plugin %.60s: %.180s", kc->exec_command, why);
	}
	if (rc != 0) {
		secret_free(out);
		return err_set(e, "exec credential plugin %.100s failed with exit status %d", kc->exec_command, rc);
	}
	rc = exec_status(kc, out, n, e);
	secret_free(out);
	return rc;
}
