/* http.h: HTTP(S) GETs (and the odd POST) through libcurl with TLS verified by default, bearer tokens kept out of
 * every log, and a hard cap on what is read. */
#ifndef FETCH_HTTP_H
#define FETCH_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define HTTP_DEFAULT_MAX_BYTES ((uint64_t)1 << 30)

struct http_opts {
	const char *cacert;        /* CA bundle file; NULL: the system's */
	const char *ca_pem;        /* CA certificates in PEM, in memory (kubeconfig data); NULL: none */
	size_t ca_pem_len;
	const char *client_cert;   /* client certificate file (PEM), for mTLS */
	const char *client_key;    /* its key file */
	const char *token;         /* bearer token: sent as a header, never printed or logged */
	int insecure;              /* do not verify the server's certificate */
	long timeout_ms;           /* whole transfer; 0: none */
	long connect_timeout_ms;   /* 0: 10 s */
	uint64_t max_bytes;        /* body cap; 0: HTTP_DEFAULT_MAX_BYTES */
	const char *client_cert_pem; /* client certificate in PEM, in memory (kubeconfig data, exec plugin) */
	size_t client_cert_pem_len;
	const char *client_key_pem;  /* its key in PEM, in memory */
	size_t client_key_pem_len;
	const char *unix_socket;     /* connect to this Unix socket instead of the URL's host */
};

/* The start of an error answer's body, kept for callers that explain it (Kubernetes Status). */
#define HTTP_ERRBODY_MAX 4096
struct http_result {
	long status;                       /* HTTP status, 0 when none came */
	char errbody[HTTP_ERRBODY_MAX + 1]; /* a non-2xx body's first bytes, NUL-terminated */
	size_t errlen;
};

/* Receives the body as it arrives; returns 0 to go on, or -1 (with the message in e) to stop. */
typedef int (*http_sink)(void *ctx, const void *data, size_t n, struct err *e);

/* A body gathered in memory by http_buf_sink: p (NULL until a byte came, then NUL-terminated, the
 * caller frees it) holds len bytes in cap. Start it as {NULL, 0, 0}. */
struct http_buf {
	char *p;
	size_t len, cap;
};
/* The sink that appends to a struct http_buf (ctx). */
int http_buf_sink(void *ctx, const void *data, size_t n, struct err *e);

/* GETs url, streaming a 2xx body into sink. A non-2xx answer is an error whose message names the
 * status and the start of the body. Returns 0 or -1 with e filled; *status gets the HTTP status
 * (0 when none came). */
int http_get(const char *url, const struct http_opts *o, http_sink sink, void *ctx, long *status,
	     struct err *e);
/* http_get that also hands back the status and the start of an error body in r (caller-owned). */
int http_get_ex(const char *url, const struct http_opts *o, http_sink sink, void *ctx, struct http_result *r,
		struct err *e);
/* A request body: data (len bytes, borrowed) of the media type type. */
struct http_post {
	const char *type;
	const char *data;
	size_t len;
};
/* POSTs post to url; the answer's body is read (within the cap) and dropped. As http_get_ex. */
int http_post(const char *url, const struct http_opts *o, const struct http_post *post, struct http_result *r,
	      struct err *e);
/* GETs url into a NUL-terminated buffer the caller frees. */
int http_get_buf(const char *url, const struct http_opts *o, char **body, size_t *len, long *status,
		 struct err *e);
/* Writes url without userinfo or query into out (n bytes), for messages. */
char *http_redact(const char *url, char *out, size_t n);
/* Whether s starts with http:// or https://. */
int http_is_url(const char *s);

/* For curl multi users: sets TLS, auth and limits of o on an easy handle. The handle keeps
 * pointers into o and into the returned header list (free with curl_slist_free_all). */
struct curl_slist;
struct curl_slist *http_setup(void *curl, const struct http_opts *o, char *errbuf);
/* The one line for a 3xx answer on the easy handle curl: its Location (without userinfo or query)
 * and that redirects are not followed. */
void http_redirect_msg(void *curl, long status, char *out, size_t n);
/* From now on every transfer (easy or multi, set up by http_setup) is abandoned within about a
 * second once *flag is not zero: a signal handler's flag, so that Ctrl-C does not wait for a slow
 * server's timeout. NULL: no more. Process-wide. */
void http_cancel_on(volatile sig_atomic_t *flag);
/* Starts libcurl once per process. */
void http_global_init(void);
/* From a signal handler (async-signal-safe): every transfer in progress, and every later one,
 * ends at once with "interrupted" (a Ctrl-C that must not wait for --timeout). */
void http_interrupt(void);

#endif
