/* local.h: pid/N — finding the pprof listener of a Go process on this host from /proc. */
#ifndef FETCH_LOCAL_H
#define FETCH_LOCAL_H

#include "analyze/err.h"

struct local_found {
	char source[160];  /* a SOURCE for it: "http://127.0.0.1:6060" or "unix:/run/app.sock" */
	char listener[140]; /* for messages: "127.0.0.1:6060" or the socket's path */
	char comm[32];     /* the process' name */
};

/* Finds where the process pid (decimal text) serves /debug/pprof/: its listening TCP sockets
 * (loopback or any address) and Unix sockets, from /proc/PID/net and /proc/PID/fd, each asked for
 * the pprof index. Returns 0 with *out filled, or -1 with e saying what the process is and
 * exposes, and how to get a dump without stopping it. */
int local_find_pprof(const char *pid, struct local_found *out, struct err *e);

#endif
