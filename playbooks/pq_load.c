/* pq_load.c: libpq opened on first use: only a known-leak database on Postgres needs it, and its
 * loading (TLS, Kerberos, LDAP) would cost every command at start. Each function the program calls
 * is defined here under libpq's own name and forwards to it. */
#include <libpq-fe.h>

#include "lib/dl.h"

static struct dl_lib pq = {"libpq.so.5", "libpq5", 0};

DL_FORWARD(pq, PGconn *, PQconnectdb, (const char *conninfo), (conninfo))
DL_FORWARD(pq, ConnStatusType, PQstatus, (const PGconn *c), (c))
DL_FORWARD(pq, char *, PQerrorMessage, (const PGconn *c), (c))
DL_FORWARD_VOID(pq, PQfinish, (PGconn * c), (c))
DL_FORWARD(pq, PGresult *, PQexecParams,
	   (PGconn * c, const char *command, int n, const Oid *types, const char *const *values, const int *lengths,
	    const int *formats, int result_format),
	   (c, command, n, types, values, lengths, formats, result_format))
DL_FORWARD(pq, ExecStatusType, PQresultStatus, (const PGresult *r), (r))
DL_FORWARD(pq, char *, PQresultErrorMessage, (const PGresult *r), (r))
DL_FORWARD(pq, int, PQntuples, (const PGresult *r), (r))
DL_FORWARD(pq, int, PQgetisnull, (const PGresult *r, int row, int field), (r, row, field))
DL_FORWARD(pq, char *, PQgetvalue, (const PGresult *r, int row, int field), (r, row, field))
DL_FORWARD(pq, char *, PQcmdTuples, (PGresult * r), (r))
DL_FORWARD_VOID(pq, PQclear, (PGresult * r), (r))
