/* cli.c: helpers shared by the subcommands. */
#include "cli/cli.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/cost.h"
#include "analyze/parse.h"
#include "lib/text.h"
#include "lib/ts.h"
#include "fetch/source.h"
#include "fetch/store.h"

static struct source_opts src_opts = {.debug = 1, .max_target_cpu = COST_DEFAULT_BUDGET};

const char cli_source_help[] =
	"SOURCE options (for URLs, pods, unix:/PATH and pid/N):\n"
	"  -n, --namespace NS   the pod's namespace (default: the context's, else 'default')\n"
	"  --context CTX        kubeconfig context (default: current-context)\n"
	"  --kubeconfig FILE    that file alone (default: the files of $KUBECONFIG, merged as kubectl\n"
	"                       merges them, else ~/.kube/config, else the pod's service account)\n"
	"  --port N             the pod's pprof port (default: its first containerPort)\n"
	"  --kube-proxy URL     go through `kubectl proxy` at URL instead (e.g. http://127.0.0.1:8001)\n"
	"  --cacert FILE        trust this CA for the server's certificate\n"
	"  --insecure           do not verify the server's certificate (warns)\n"
	"  --token-file FILE    bearer token (URLs also take LEAKSCOPE_TOKEN; never on the command line)\n"
	"  --leak-profile       read goroutineleak (Go 1.26+ experiment, 1.27), else goroutine with a note\n"
	"  --debug 0|1|2        the profile format asked for (default 1)\n"
	"  --max-bytes N        refuse answers larger than N bytes (k, M, G suffixes; default 1G)\n"
	"  --timeout SECONDS    whole-fetch timeout (default 30; connecting: 5)\n"
	"  --via proxy|port-forward\n"
	"                       how a pod is reached: its proxy, or port-forward to its 127.0.0.1\n"
	"                       (default: the proxy, then port-forward when the proxy cannot connect)\n"

	"  --metrics-port N     where /metrics is served, when not on the pprof port\n"
	"  --metrics-path P     the metrics page's path (default /metrics)\n"
	"  --max-target-cpu P   what sampling may cost the target, as a share of one core (default 0.1%)\n";

struct source_opts *cli_source_opts(void)
{
	return &src_opts;
}

int cli_parse_bytes(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1ull << 10;
	else if (*end == 'M')
		mul = 1ull << 20;
	else if (*end == 'G')
		mul = 1ull << 30;
	if (mul > 1)
		end++;
	if (*end == 'B' || *end == 'i')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v == 0 || v > (1ull << 50) / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int cli_source_option(const char *cmd, int c, const char *arg)
{
	struct source_opts *o = &src_opts;
	unsigned long long bytes;
	long v;

	switch (c) {
	case 'n':
		o->ns = arg;
		return 1;
	case CLI_OPT_CONTEXT:
		o->context = arg;
		return 1;
	case CLI_OPT_KUBECONFIG:
		o->kubeconfig = arg;
		return 1;
	case CLI_OPT_PORT:
		if (cli_parse_long(arg, 1, 65535, &v) < 0)
			return -cli_usage_error(cmd, "--port takes a port number, not '%s'", arg);
		o->port = v;
		return 1;
	case CLI_OPT_KUBE_PROXY:
		o->kube_proxy = arg;
		return 1;
	case CLI_OPT_CACERT:
		o->cacert = arg;
		return 1;
	case CLI_OPT_INSECURE:
		if (!o->insecure)
			fputs("leakscope: warning: --insecure: the server's certificate is not verified\n", stderr);
		o->insecure = 1;
		return 1;
	case CLI_OPT_TOKEN_FILE:
		o->token_file = arg;
		return 1;
	case CLI_OPT_LEAK_PROFILE:
		o->leak_profile = 1;
		return 1;
	case CLI_OPT_DEBUG:
		if (cli_parse_long(arg, 0, 2, &v) < 0)
			return -cli_usage_error(cmd, "--debug takes 0, 1 or 2, not '%s'", arg);
		o->debug = (int)v;
		return 1;
	case CLI_OPT_MAX_BYTES:
		if (cli_parse_bytes(arg, &bytes) < 0)
			return -cli_usage_error(cmd, "--max-bytes takes a size such as 500M, not '%s'", arg);
		o->max_bytes = bytes;
		return 1;
	case CLI_OPT_VIA:
		if (source_parse_via(arg, &o->via) < 0)
			return -cli_usage_error(cmd, "--via takes proxy, port-forward or auto, not '%s'", arg);
		return 1;
	case CLI_OPT_TIMEOUT:
		if (cli_parse_long(arg, 1, 86400, &v) < 0)
			return -cli_usage_error(cmd, "--timeout takes whole seconds, not '%s'", arg);
		o->timeout_ms = v * 1000;
		return 1;
	case CLI_OPT_METRICS_PORT:
		if (cli_parse_long(arg, 1, 65535, &v) < 0)
			return -cli_usage_error(cmd, "--metrics-port takes a port number, not '%s'", arg);
		o->metrics_port = v;
		return 1;
	case CLI_OPT_METRICS_PATH:
		if (arg[0] != '/' || strpbrk(arg, "?# \t\r\n"))
			return -cli_usage_error(cmd, "--metrics-path takes a path such as /metrics, not '%s'", arg);
		o->metrics_path = arg;
		return 1;
	case CLI_OPT_MAX_TARGET_CPU:
		o->have_max_target_cpu = 1;
		if (cost_parse_budget(arg, &o->max_target_cpu) < 0)
			return -cli_usage_error(cmd,
						"--max-target-cpu takes a share of one core such as 0.1%%, "
						"not '%s'",
						arg);
		return 1;
	default:
		return 0;
	}
}

struct snapshot *cli_load(const char *source, enum snap_by by, struct err *e)
{
	struct snapshot *snap;
	struct source s;

	if (!source_is_remote(source)) {
		snap = parse_path(source, by, e);
		/* a debug=1 or 2 text has no time of its own; a stored one's sidecar has it */
		if (snap && !snap->time_ns && strcmp(source, "-") != 0)
			snap->time_ns = store_sidecar_time(source);
		return snap;
	}
	if (source_open(source, &src_opts, &s, e) < 0)
		return NULL;
	snap = source_snapshot(&s, by, NULL, NULL, e);
	if (s.note[0])
		fprintf(stderr, "leakscope: note: %s\n", s.note);
	source_close(&s);
	return snap;
}

struct load_job {
	char *const *sources;
	int n, next;
	enum snap_by by;
	struct snapshot **out;
	struct err *errs;
	pthread_mutex_t lock;
};

static void *load_worker(void *arg)
{
	struct load_job *j = arg;

	for (;;) {
		int i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			return NULL;
		j->out[i] = cli_load(j->sources[i], j->by, &j->errs[i]);
	}
}

int cli_load_all(char *const *sources, int n, enum snap_by by, struct snapshot **out, struct err *e)
{
	struct load_job j = {sources, n, 0, by, out, NULL, PTHREAD_MUTEX_INITIALIZER};
	pthread_t threads[8];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = (int)(cores < 1 ? 1 : cores > 8 ? 8 : cores), started = 0, i, failed = -1;

	for (i = 0, started = 0; i < n; i++)
		started += strcmp(sources[i], "-") == 0;
	if (started > 1)
		return err_set(e, "standard input ('-') can be read only once");
	started = 0;
	if (nthreads > n)
		nthreads = n;
	j.errs = xcalloc((size_t)n, sizeof(*j.errs));
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&threads[started], NULL, load_worker, &j) == 0)
			started++;
	load_worker(&j);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < n; i++)
		if (!out[i] && failed < 0)
			failed = i;
	if (failed >= 0) {
		*e = j.errs[failed];
		for (i = 0; i < n; i++) {
			snap_free(out[i]);
			out[i] = NULL;
		}
	}
	free(j.errs);
	pthread_mutex_destroy(&j.lock);
	return failed >= 0 ? -1 : 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "leakscope %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'leakscope %s --help')\n", cmd);
	return CLI_TROUBLE;
}

int cli_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "leakscope: %s\n", text_strip_controls(line));
	return CLI_TROUBLE;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_by(const char *s, enum snap_by *by)
{
	if (strcmp(s, "lines") == 0)
		*by = SNAP_BY_LINES;
	else if (strcmp(s, "funcs") == 0)
		*by = SNAP_BY_FUNCS;
	else
		return -1;
	return 0;
}

int cli_parse_time(const char *s, double *out)
{
	return ts_parse_when(s, out);
}

const char *cli_short_path(const char *path, int n)
{
	const char *p = path + strlen(path);

	while (p > path) {
		if (p[-1] == '/' && --n == 0)
			return p;
		p--;
	}
	return path;
}
