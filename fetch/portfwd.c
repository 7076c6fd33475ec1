/* portfwd.c: a pod's loopback port through pods/NAME/portforward over a WebSocket (RFC 6455,
 * subprotocol v4.channel.k8s.io: every message starts with a channel byte, port i has data
 * channel 2i and error channel 2i+1, and the first two bytes of each channel are the port,
 * little-endian). libcurl connects (TLS, client certificates, CA) and we speak the upgrade and
 * the frames over its socket with curl_easy_send/recv. */
#include "fetch/portfwd.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fetch/kube.h"
#include "lib/sha1.h"
#include "lib/text.h"
#include "lib/xmalloc.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_PROTOCOL "v4.channel.k8s.io"
#define HEAD_MAX 16384
#define CHUNK 32768
#define IDLE_MS_DEFAULT 30000

struct pfwd {
	char dir[64], path[96];
	int lfd, wake[2];
	pthread_t th;
	int started;
	char *url; /* the portforward URL */
	long port;
	struct http_opts api;
	pthread_mutex_t mu;
	char err[256];
};

/* One WebSocket carrying one connection from libcurl. */
struct tunnel {
	struct pfwd *f;
	CURL *h;
	curl_socket_t sock;
	int local;
	long idle_ms;
	/* the frame being read */
	unsigned char hdr[14];
	size_t hlen, hneed;
	uint64_t left;
	int in_payload, op, fin, msg_op, channel;
	unsigned char ctl[125];
	size_t ctl_len;
	/* per channel 0 and 1: the port prefix read so far */
	unsigned char portb[2][2];
	int portn[2];
	int closed;
	char chan_err[200];
	size_t chan_errlen;
};

static void set_error(struct pfwd *f, const char *fmt, ...) XM_PRINTF(2, 3);
static void set_error(struct pfwd *f, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&f->mu);
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&f->mu);
}

void pfwd_take_error(struct pfwd *f, char *out, size_t n)
{
	pthread_mutex_lock(&f->mu);
	snprintf(out, n, "%s", f->err);
	f->err[0] = '\0';
	pthread_mutex_unlock(&f->mu);
}

const char *pfwd_socket(const struct pfwd *f)
{
	return f->path;
}

void pfwd_ws_accept(const char *key, char *out)
{
	unsigned char digest[SHA1_LEN];
	char buf[128], *b64;
	int n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);

	sha1(buf, (size_t)n, digest);
	b64 = text_base64(digest, sizeof(digest));
	memcpy(out, b64, strlen(b64) + 1);
	free(b64);
}

size_t pfwd_ws_frame(int op, int channel, const void *p, size_t n, const unsigned char mask[4], unsigned char *out)
{
	size_t len = n + (channel >= 0), h = 0, i;
	const unsigned char *src = p;

	out[h++] = (unsigned char)(0x80 | op);
	if (len < 126) {
		out[h++] = (unsigned char)(0x80 | len);
	} else if (len <= 0xffff) {
		out[h++] = 0x80 | 126;
		out[h++] = (unsigned char)(len >> 8);
		out[h++] = (unsigned char)len;
	} else {
		out[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[h++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	memcpy(out + h, mask, 4);
	h += 4;
	for (i = 0; i < len; i++) {
		unsigned char b = channel >= 0 ? (i == 0 ? (unsigned char)channel : src[i - 1]) : src[i];

		out[h + i] = b ^ mask[i & 3];
	}
	return h + len;
}

/* Waits until fd is ready for events or the forwarder is told to stop. Returns 1 ready, 0 timed
 * out, -1 stopping. */
static int wait_fd(struct tunnel *t, int fd, short events, long ms)
{
	struct pollfd p[2] = {{fd, events, 0}, {t->f->wake[0], POLLIN, 0}};
	int r;

	do
		r = poll(p, 2, (int)ms);
	while (r < 0 && errno == EINTR);
	if (r < 0 || p[1].revents)
		return -1;
	return r > 0;
}

static int ws_send_raw(struct tunnel *t, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(t->h, s, n, &sent);

		if (rc == CURLE_AGAIN) {
			if (wait_fd(t, t->sock, POLLOUT, t->idle_ms) <= 0)
				return -1;
			continue;
		}
		if (rc != CURLE_OK)
			return -1;
		s += sent;
		n -= sent;
	}
	return 0;
}

static int ws_send(struct tunnel *t, int op, int channel, const void *p, size_t n)
{
	unsigned char mask[4], *frame = xmalloc(n + 16);
	size_t len;
	int ret;

	if (getrandom(mask, sizeof(mask), 0) != (ssize_t)sizeof(mask))
		memset(mask, 0x5a, sizeof(mask));
	len = pfwd_ws_frame(op, channel, p, n, mask, frame);
	ret = ws_send_raw(t, frame, len);
	free(frame);
	return ret;
}

static int write_local(struct tunnel *t, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = send(t->local, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1; /* libcurl hung up: nothing more to deliver */
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Message bytes of channel ch, after the channel byte. */
static int channel_bytes(struct tunnel *t, int ch, const unsigned char *p, size_t n)
{
	if (ch > 1)
		return 0; /* a port we did not ask for */
	while (n && t->portn[ch] < 2) {
		t->portb[ch][t->portn[ch]++] = *p++;
		n--;
		if (t->portn[ch] == 2 && (long)(t->portb[ch][0] | t->portb[ch][1] << 8) != t->f->port) {
			set_error(t->f, "port-forward: the server opened port %d, not %ld",
				  t->portb[ch][0] | t->portb[ch][1] << 8, t->f->port);
			return -1;
		}
	}
	if (ch == 0)
		return n ? write_local(t, p, n) : 0;
	while (n && t->chan_errlen < sizeof(t->chan_err) - 1) {
		unsigned char c = *p++;

		t->chan_err[t->chan_errlen++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		n--;
	}
	t->chan_err[t->chan_errlen] = '\0';
	return 0;
}

static int frame_payload(struct tunnel *t, const unsigned char *p, size_t n)
{
	if (t->op >= 8) {
		memcpy(t->ctl + t->ctl_len, p, n);
		t->ctl_len += n;
		return 0;
	}
	if (t->msg_op != 2) {
		set_error(t->f, "port-forward: the server sent a text frame (base64 channels are not spoken)");
		return -1;
	}
	if (t->channel < 0 && n) {
		t->channel = *p++;
		n--;
	}
	return channel_bytes(t, t->channel, p, n);
}

static int frame_done(struct tunnel *t)
{
	t->in_payload = 0;
	t->hlen = 0;
	t->hneed = 2;
	if (t->op == 8) {
		t->closed = 1;
	} else if (t->op == 9) {
		return ws_send(t, 10, -1, t->ctl, t->ctl_len);
	}
	return 0;
}

/* A frame header is complete in t->hdr: check it and start its payload. */
static int frame_start(struct tunnel *t)
{
	unsigned char len7 = t->hdr[1] & 0x7f;
	size_t i;

	t->fin = t->hdr[0] & 0x80;
	t->op = t->hdr[0] & 0x0f;
	if (t->hdr[1] & 0x80) {
		set_error(t->f, "port-forward: the server sent a masked frame");
		return -1;
	}
	if (len7 < 126) {
		t->left = len7;
	} else if (len7 == 126) {
		t->left = (uint64_t)t->hdr[2] << 8 | t->hdr[3];
	} else {
		t->left = 0;
		for (i = 0; i < 8; i++)
			t->left = t->left << 8 | t->hdr[2 + i];
	}
	if (t->op >= 8 && (t->left > sizeof(t->ctl) || !t->fin)) {
		set_error(t->f, "port-forward: a malformed control frame");
		return -1;
	}
	if (t->op == 1 || t->op == 2) {
		t->msg_op = t->op;
		t->channel = -1;
	} else if (t->op == 0 && !t->msg_op) {
		set_error(t->f, "port-forward: a continuation frame outside a message");
		return -1;
	} else if (t->op != 0 && t->op < 8) {
		set_error(t->f, "port-forward: unknown frame opcode %d", t->op);
		return -1;
	}
	t->ctl_len = 0;
	t->in_payload = 1;
	return t->left ? 0 : frame_done(t);
}

/* Feeds bytes read from the WebSocket to the frame reader. */
static int ws_feed(struct tunnel *t, const unsigned char *p, size_t n)
{
	while (n && !t->closed) {
		if (!t->in_payload) {
			t->hdr[t->hlen++] = *p++;
			n--;
			if (t->hlen == 2) {
				unsigned char len7 = t->hdr[1] & 0x7f;

				t->hneed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (t->hdr[1] & 0x80 ? 4 : 0);
			}
			if (t->hlen == t->hneed && frame_start(t) < 0)
				return -1;
			continue;
		}
		{
			size_t k = n < t->left ? n : (size_t)t->left;

			if (frame_payload(t, p, k) < 0)
				return -1;
			p += k;
			n -= k;
			t->left -= k;
			if (!t->left && frame_done(t) < 0)
				return -1;
		}
	}
	return 0;
}

/* The value of header name in a response head, or NULL; *len gets its length. */
static const char *head_value(const char *head, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2] != '\r') {
		const char *line = p + 2, *end = strstr(line, "\r\n");

		if (!end)
			return NULL;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			*len = (size_t)(end - v);
			while (*len && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
				(*len)--;
			return v;
		}
		p = end;
	}
	return NULL;
}

static int head_is(const char *head, const char *name, const char *want)
{
	size_t len;
	const char *v = head_value(head, name, &len);

	return v && len == strlen(want) && strncasecmp(v, want, len) == 0;
}

/* Reads the answer to the upgrade: its head into head (NUL-terminated), any bytes after it stay
 * in head + *used. Returns the head's length, or -1. */
static long read_head(struct tunnel *t, char *head, size_t cap, size_t *used)
{
	size_t n = 0;

	for (;;) {
		size_t got = 0;
		CURLcode rc = curl_easy_recv(t->h, head + n, cap - 1 - n, &got);
		char *end;

		if (rc == CURLE_AGAIN) {
			int w = wait_fd(t, t->sock, POLLIN, t->idle_ms);

			if (w <= 0)
				return set_error(t->f, "port-forward: %s", w ? "stopped" : "no answer to the upgrade"), -1;
			continue;
		}
		if (rc != CURLE_OK || got == 0)
			return set_error(t->f, "port-forward: the server closed the connection during the upgrade"), -1;
		n += got;
		head[n] = '\0';
		end = strstr(head, "\r\n\r\n");
		if (end) {
			*used = n;
			return end + 4 - head;
		}
		if (n >= cap - 1)
			return set_error(t->f, "port-forward: the upgrade answer's head is too large"), -1;
	}
}

/* A refused upgrade: the status and the API server's Status message when the body holds one. */
static void refused(struct tunnel *t, const char *head, long headlen, size_t used)
{
	char msg[160] = "";
	long status = strtol(head + 9, NULL, 10);

	if (kube_status_message(head + headlen, used - (size_t)headlen, msg, sizeof(msg)) < 0)
		msg[0] = '\0';
	if (status == 401 || status == 403)
		set_error(t->f, "port-forward refused (%ld)%s%s%s", status, msg[0] ? ": " : "", msg,
			  status == 403 ? " (needs create on pods/portforward)" : "");
	else
		set_error(t->f, "port-forward: HTTP %ld%s%s", status, msg[0] ? ": " : "", msg);
}

static char *upgrade_request(const struct pfwd *f, const char *key)
{
	const char *auth = strstr(f->url, "://") + 3, *path = auth + strcspn(auth, "/");
	const char *at = memchr(auth, '@', (size_t)(path - auth));

	if (at)
		auth = at + 1;
	return xasprintf("GET %s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: leakscope/0.1\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
			 "Sec-WebSocket-Protocol: %s\r\n%s%s%s\r\n",
			 path, (int)(path - auth), auth, key, WS_PROTOCOL, f->api.token ? "Authorization: Bearer " : "",
			 f->api.token ? f->api.token : "", f->api.token ? "\r\n" : "");
}

/* Connects, upgrades and checks the answer; bytes after the head are fed to the frame reader. */
static int ws_open(struct tunnel *t)
{
	unsigned char raw[16];
	char key[32], want[32], errbuf[CURL_ERROR_SIZE] = "", *req, *head, *b64;
	struct curl_slist *hdrs;
	curl_socket_t sockfd = CURL_SOCKET_BAD;
	long headlen;
	size_t used = 0, len;
	const char *v;
	CURLcode rc;
	int ret;

	t->h = curl_easy_init();
	if (!t->h)
		return set_error(t->f, "port-forward: cannot start a transfer"), -1;
	hdrs = http_setup(t->h, &t->f->api, errbuf);
	curl_easy_setopt(t->h, CURLOPT_URL, t->f->url);
	curl_easy_setopt(t->h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(t->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	rc = curl_easy_perform(t->h);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK)
		return set_error(t->f, "port-forward: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc)), -1;
	curl_easy_getinfo(t->h, CURLINFO_ACTIVESOCKET, &sockfd);
	t->sock = sockfd;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return set_error(t->f, "port-forward: no random bytes for the key"), -1;
	b64 = text_base64(raw, sizeof(raw));
	memcpy(key, b64, strlen(b64) + 1);
	free(b64);
	req = upgrade_request(t->f, key);
	ret = ws_send_raw(t, req, strlen(req));
	memset(req, 0, strlen(req)); /* it holds the token */
	free(req);
	if (ret < 0)
		return set_error(t->f, "port-forward: cannot send the upgrade request"), -1;
	head = xmalloc(HEAD_MAX);
	headlen = read_head(t, head, HEAD_MAX, &used);
	ret = -1;
	if (headlen < 0)
		goto out;
	if (strncmp(head, "HTTP/1.1 101", 12) != 0 && strncmp(head, "HTTP/1.0 101", 12) != 0) {
		refused(t, head, headlen, used);
		goto out;
	}
	pfwd_ws_accept(key, want);
	v = head_value(head, "Sec-WebSocket-Accept", &len);
	if (!head_is(head, "Upgrade", "websocket") || !v || len != strlen(want) || memcmp(v, want, len) != 0) {
		set_error(t->f, "port-forward: the server's answer is not a WebSocket upgrade");
		goto out;
	}
	v = head_value(head, "Sec-WebSocket-Protocol", &len);
	if (v && !(len == strlen(WS_PROTOCOL) && memcmp(v, WS_PROTOCOL, len) == 0)) {
		set_error(t->f, "port-forward: the server chose subprotocol %.*s", (int)(len > 40 ? 40 : len), v);
		goto out;
	}
	ret = ws_feed(t, (unsigned char *)head + headlen, used - (size_t)headlen);
out:
	free(head);
	return ret;
}

/* Carries bytes both ways until either side closes. */
static void pump(struct tunnel *t)
{
	unsigned char *buf = xmalloc(CHUNK);

	int first = 1;

	while (!t->closed) {
		struct pollfd p[3] = {{t->local, POLLIN, 0}, {t->sock, POLLIN, 0}, {t->f->wake[0], POLLIN, 0}};
		int r = poll(p, 3, first ? 0 : (int)t->idle_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if ((r <= 0 && !first) || p[2].revents)
			break;
		/* the TLS layer may hold bytes the socket no longer shows: drain it first, then on readiness */
		if (p[1].revents || first) {
			first = 0;
			for (;;) {
				size_t got = 0;
				CURLcode rc = curl_easy_recv(t->h, buf, CHUNK, &got);

				if (rc == CURLE_AGAIN)
					break;
				if (rc != CURLE_OK || got == 0 || ws_feed(t, buf, got) < 0) {
					t->closed = 1;
					break;
				}
			}
		}
		if (!t->closed && p[0].revents) {
			ssize_t n = read(t->local, buf, CHUNK);

			if (n <= 0 || ws_send(t, 2, 0, buf, (size_t)n) < 0)
				break;
		}
	}
	free(buf);
}

static void tunnel(struct pfwd *f, int local)
{
	struct tunnel t = {.f = f, .local = local, .hneed = 2, .channel = -1};

	t.idle_ms = f->api.timeout_ms ? f->api.timeout_ms : IDLE_MS_DEFAULT;
	set_error(f, "%s", ""); /* a new connection: the last one's failure is told already or moot */
	if (ws_open(&t) == 0) {
		pump(&t);
		if (t.chan_errlen)
			set_error(f, "port-forward to port %ld inside the pod: %s", f->port, t.chan_err);
		ws_send(&t, 8, -1, "\x03\xe8", 2); /* close, 1000: normal */
	}
	if (t.h)
		curl_easy_cleanup(t.h);
}

static void *accept_loop(void *arg)
{
	struct pfwd *f = arg;

	for (;;) {
		struct pollfd p[2] = {{f->lfd, POLLIN, 0}, {f->wake[0], POLLIN, 0}};
		int c;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		tunnel(f, c);
		close(c);
	}
	return NULL;
}

static int listen_private(struct pfwd *f, struct err *e)
{
	const char *tmp = getenv("TMPDIR");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(f->dir, sizeof(f->dir), "%s/leakscope-pf.XXXXXX", tmp);
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return err_set(e, "port-forward: cannot make a private directory in %s: %s", tmp, strerror(errno));
	}
	snprintf(f->path, sizeof(f->path), "%s/s", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(f->lfd, 8) < 0)
		return err_set(e, "port-forward: cannot listen on %s: %s", f->path, strerror(errno));
	return 0;
}

struct pfwd *pfwd_start(const char *server, const struct http_opts *api, const char *ns, const char *pod,
			long port, struct err *e)
{
	struct pfwd *f = xcalloc(1, sizeof(*f));
	char *base = kube_pod_url(server, ns, pod);

	f->lfd = f->wake[0] = f->wake[1] = -1;
	pthread_mutex_init(&f->mu, NULL);
	f->url = xasprintf("%s/portforward?ports=%ld", base, port);
	free(base);
	f->port = port;
	f->api = *api;
	if (listen_private(f, e) < 0 || pipe2(f->wake, O_CLOEXEC) < 0) {
		if (f->lfd >= 0 && f->wake[0] < 0)
			err_set(e, "port-forward: %s", strerror(errno));
		pfwd_free(f);
		return NULL;
	}
	http_global_init();
	if (pthread_create(&f->th, NULL, accept_loop, f) != 0) {
		err_set(e, "port-forward: cannot start its thread");
		pfwd_free(f);
		return NULL;
	}
	f->started = 1;
	return f;
}

void pfwd_free(struct pfwd *f)
{
	if (!f)
		return;
	if (f->started) {
		ssize_t w = write(f->wake[1], "x", 1);

		(void)w;
		pthread_join(f->th, NULL);
	}
	if (f->lfd >= 0)
		close(f->lfd);
	if (f->wake[0] >= 0)
		close(f->wake[0]);
	if (f->wake[1] >= 0)
		close(f->wake[1]);
	if (f->path[0])
		unlink(f->path);
	if (f->dir[0])
		rmdir(f->dir);
	pthread_mutex_destroy(&f->mu);
	free(f->url);
	free(f);
}
