/* local.c: pid/N — a Go process on this host: is it Go, what does it listen on (TCP from
 * /proc/N/net/tcp{,6}, Unix from /proc/N/net/unix, both matched to its own descriptors in
 * /proc/N/fd), and which listener answers /debug/pprof/. Never signals the process: SIGQUIT,
 * the usual way to a dump, ends a Go program. */
#include "fetch/local.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/xmalloc.h"
#include "fetch/http.h"

#define MAX_INODES 4096
#define MAX_CANDS 16
#define PROBE_TIMEOUT_MS 3000L
#define GO_MAGIC "\xff Go buildinf:"
#define GO_MAGIC_LEN 14

struct cands {
	struct local_found c[MAX_CANDS];
	size_t n;
};

static void first_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* 1 when the executable carries Go's build information, 0 when not, -1 when it cannot be read. */
static int is_go(const char *pid)
{
	char path[64], *buf = xmalloc((1 << 20) + GO_MAGIC_LEN);
	size_t keep = 0;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, buf + keep, 1 << 20);
		size_t n;

		if (r <= 0)
			break;
		n = keep + (size_t)r;
		if (memmem(buf, n, GO_MAGIC, GO_MAGIC_LEN)) {
			found = 1;
			break;
		}
		keep = n < GO_MAGIC_LEN - 1 ? n : GO_MAGIC_LEN - 1;
		memmove(buf, buf + n - keep, keep);
	}
	close(fd);
	free(buf);
	return found;
}

/* The socket inodes among the process' descriptors; -1 when /proc/N/fd cannot be read. */
static long socket_inodes(const char *pid, unsigned long *out, size_t max)
{
	char path[64], link[96], target[64];
	struct dirent *d;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && (size_t)n < max) {
		ssize_t len;
		unsigned long ino;

		snprintf(link, sizeof(link), "%s/%.20s", path, d->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%lu]", &ino) == 1)
			out[n++] = ino;
	}
	closedir(dir);
	return n;
}

static int has_inode(const unsigned long *set, long n, unsigned long ino)
{
	long i;

	for (i = 0; i < n; i++)
		if (set[i] == ino)
			return 1;
	return 0;
}

static void add(struct cands *c, const char *source, const char *listener)
{
	if (c->n == MAX_CANDS)
		return;
	snprintf(c->c[c->n].source, sizeof(c->c[c->n].source), "%s", source);
	snprintf(c->c[c->n].listener, sizeof(c->c[c->n].listener), "%s", listener);
	c->n++;
}

/* /proc/net/tcp6 prints each 32-bit word of the address as the host reads it. */
static void hex_addr(const char *hex, unsigned char *out, size_t words)
{
	size_t w, i;

	for (w = 0; w < words; w++) {
		char part[9];
		unsigned long v;

		memcpy(part, hex + 8 * w, 8);
		part[8] = '\0';
		v = strtoul(part, NULL, 16);
		for (i = 0; i < 4; i++)
			out[4 * w + i] = (unsigned char)(v >> (8 * i));
	}
}

/* The address to connect to for a listener bound to addr: loopback for the wildcard. */
static void dial_addr(const unsigned char *a, int v6, char *out, size_t n)
{
	static const unsigned char zero[16], mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char text[INET6_ADDRSTRLEN];

	if (v6 && memcmp(a, mapped, 12) == 0) {
		a += 12;
		v6 = 0;
	}
	if (!v6 && memcmp(a, zero, 4) == 0) {
		snprintf(out, n, "127.0.0.1");
	} else if (v6 && memcmp(a, zero, 16) == 0) {
		snprintf(out, n, "127.0.0.1"); /* Go listens dual-stack: IPv4 loopback reaches it */
	} else {
		inet_ntop(v6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
		snprintf(out, n, v6 ? "[%s]" : "%s", text);
	}
}

static void tcp_listeners(const char *pid, const char *table, const unsigned long *inodes, long ninodes,
			  struct cands *c)
{
	char path[64], line[512];
	int v6 = strcmp(table, "tcp6") == 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/net/%s", pid, table);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char hex[33], host[64], src[160], shown[140];
		unsigned char a[16];
		unsigned int port, state;
		unsigned long ino;

		if (sscanf(line, " %*d: %32[0-9A-Fa-f]:%X %*[0-9A-Fa-f]:%*X %X %*s %*s %*s %*d %*d %lu", hex, &port,
			   &state, &ino) != 4)
			continue;
		if (state != 0x0A || strlen(hex) != (v6 ? 32u : 8u) || !has_inode(inodes, ninodes, ino))
			continue; /* not listening, or another process' socket in the same namespace */
		hex_addr(hex, a, v6 ? 4 : 1);
		dial_addr(a, v6, host, sizeof(host));
		snprintf(src, sizeof(src), "http://%s:%u", host, port);
		snprintf(shown, sizeof(shown), "%s:%u", host, port);
		add(c, src, shown);
	}
	fclose(f);
}

static void unix_listeners(const char *pid, const unsigned long *inodes, long ninodes, struct cands *c)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/net/unix", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long flags, ino;
		unsigned int type, st;
		char sock[110] = "", src[160];

		if (sscanf(line, "%*s %*s %*s %lx %x %x %lu %109s", &flags, &type, &st, &ino, sock) < 4)
			continue;
		/* listening (__SO_ACCEPTCON), a stream, with a path (not abstract), and the process' own */
		if (!(flags & 0x10000) || type != 1 || sock[0] != '/' || !has_inode(inodes, ninodes, ino))
			continue;
		snprintf(src, sizeof(src), "unix:%s", sock);
		add(c, src, sock);
	}
	fclose(f);
}

/* Whether the listener answers the pprof index. */
static int serves_pprof(const struct local_found *c)
{
	struct http_opts o = {.timeout_ms = PROBE_TIMEOUT_MS, .connect_timeout_ms = 1000, .max_bytes = 1 << 20};
	char *url, *body = NULL;
	long status = 0;
	struct err e;
	int ok;

	if (strncmp(c->source, "unix:", 5) == 0) {
		o.unix_socket = c->source + 5;
		url = xstrdup("http://localhost/debug/pprof/");
	} else {
		url = xasprintf("%s/debug/pprof/", c->source);
	}
	/* a probe: its failure is the answer (not pprof), so e is not shown */
	ok = http_get_buf(url, &o, &body, NULL, &status, &e) == 0 && strstr(body, "goroutine") != NULL;
	free(url);
	free(body);
	return ok;
}

static int same_netns(const char *pid)
{
	char a[64], b[64], path[64];
	ssize_t la, lb;

	snprintf(path, sizeof(path), "/proc/%s/ns/net", pid);
	la = readlink(path, a, sizeof(a));
	lb = readlink("/proc/self/ns/net", b, sizeof(b));
	return la <= 0 || lb <= 0 || (la == lb && memcmp(a, b, (size_t)la) == 0);
}

static int none_found(const char *pid, const char *comm, const struct cands *c, struct err *e)
{
	char list[120] = "";
	size_t i, used = 0;

	if (!same_netns(pid))
		return err_set(e, "pid/%s (%s) is in another network namespace: run leakscope inside it "
				  "(nsenter -t %s -n leakscope top pid/%s)", pid, comm, pid, pid);
	for (i = 0; i < c->n && i < 3 && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.50s", i ? ", " : "", c->c[i].listener);
	return err_set(e, "pid/%s (%s): %s%s%s; for a dump without stopping it serve net/http/pprof on 127.0.0.1 "
			  "or attach a debugger (dlv attach %s, goroutines -t), never SIGQUIT (it ends a Go program)",
		       pid, comm, c->n ? "no /debug/pprof/ on " : "listens on no TCP or Unix socket", list,
		       c->n > 3 ? ", ..." : "", pid);
}

int local_find_pprof(const char *pid, struct local_found *out, struct err *e)
{
	char path[64], comm[32];
	unsigned long *inodes;
	struct cands *c;
	long ninodes;
	size_t i;
	int go, ret = -1;

	if (!*pid || strspn(pid, "0123456789") != strlen(pid) || strlen(pid) > 10)
		return err_set(e, "pid/%.20s: give a process id (pid/1234)", pid);
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	first_line(path, comm, sizeof(comm));
	if (!comm[0])
		return err_set(e, "pid/%s: no such process", pid);
	for (i = 0; comm[i]; i++)
		if ((unsigned char)comm[i] < 0x20 || comm[i] == 0x7f)
			comm[i] = '?';
	go = is_go(pid);
	if (go == 0)
		return err_set(e, "pid/%s (%s) is not a Go program (no Go build information in its executable)", pid,
			       comm);
	inodes = xmalloc(MAX_INODES * sizeof(*inodes));
	c = xcalloc(1, sizeof(*c));
	ninodes = socket_inodes(pid, inodes, MAX_INODES);
	if (ninodes < 0) {
		err_set(e, "pid/%s (%s): cannot read /proc/%s/fd: %s (run as its user or root)", pid, comm, pid,
			strerror(errno));
		goto out;
	}
	tcp_listeners(pid, "tcp", inodes, ninodes, c);
	tcp_listeners(pid, "tcp6", inodes, ninodes, c);
	unix_listeners(pid, inodes, ninodes, c);
	for (i = 0; i < c->n; i++) {
		if (serves_pprof(&c->c[i])) {
			*out = c->c[i];
			snprintf(out->comm, sizeof(out->comm), "%s", comm);
			ret = 0;
			goto out;
		}
	}
	none_found(pid, comm, c, e);
out:
	free(inodes);
	free(c);
	return ret;
}
