/* portfwd.h: reaching a port inside a pod's network namespace (127.0.0.1:PORT there) through
 * the API server's pods/NAME/portforward subresource over a WebSocket (v4.channel.k8s.io), as
 * `kubectl port-forward` does. The tunnel is offered to libcurl as a private Unix socket, so every
 * fetch (blocking or on curl multi) reads it like any other HTTP server. */
#ifndef FETCH_PORTFWD_H
#define FETCH_PORTFWD_H

#include <stddef.h>

#include "analyze/err.h"
#include "fetch/http.h"

struct pfwd;

/* Starts a forwarder for pod ns/pod, port: a Unix socket in a new 0700 directory and a thread that
 * carries each connection made to it over a new WebSocket to server. api (TLS, token, timeouts) is
 * copied; the strings it points to are borrowed and must outlive the forwarder. Returns NULL with e
 * filled. */
struct pfwd *pfwd_start(const char *server, const struct http_opts *api, const char *ns, const char *pod,
			long port, struct err *e);
/* The socket to give libcurl (CURLOPT_UNIX_SOCKET_PATH); borrowed until pfwd_free. */
const char *pfwd_socket(const struct pfwd *f);
/* Copies the last tunnel's failure ("" when none) into out, and forgets it. */
void pfwd_take_error(struct pfwd *f, char *out, size_t n);
/* Stops the thread, closes the tunnel in flight and removes the socket. pfwd_free(NULL) does nothing. */
void pfwd_free(struct pfwd *f);

/* The WebSocket pieces, exposed for their unit test. */
/* The Sec-WebSocket-Accept value for key (RFC 6455 4.2.2) into out (at least 29 bytes). */
void pfwd_ws_accept(const char *key, char *out);
/* Writes a masked client frame (FIN, opcode op) carrying n bytes of p, prefixed by the channel byte
 * when channel >= 0, into out (room for n + 15 bytes). Returns the frame's length. */
size_t pfwd_ws_frame(int op, int channel, const void *p, size_t n, const unsigned char mask[4], unsigned char *out);

#endif
