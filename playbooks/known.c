/* known.c: the known-leak database on SQLite (one file per engineer or per host) and on
 * PostgreSQL (one database for a rotation), plus the JSON export and import. */
#include "playbooks/known.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/snapshot.h"
#include "playbooks/util.h"

/* The longest field accepted from an import file or a command line. */
#define KNOWN_MAX_FIELD 4096
/* The largest import file read. */
#define KNOWN_MAX_FILE (64 << 20)

struct pb_kdb {
	int pg;
	sqlite3 *lite;
	PGconn *conn;
};

static const char *const fields[] = {"fingerprint", "incident", "fix", "note", "pattern", "func", "added"};
#define NFIELDS 7

static const char **field_ptr(struct pb_known *k, int i)
{
	const char **p[NFIELDS] = {&k->fingerprint, &k->incident, &k->fix, &k->note, &k->pattern, &k->func, &k->added};

	return p[i];
}

void pb_known_list_init(struct pb_known_list *l)
{
	l->items = NULL;
	l->n = l->cap = 0;
}

void pb_known_list_done(struct pb_known_list *l)
{
	size_t i;
	int f;

	for (i = 0; i < l->n; i++)
		for (f = 0; f < NFIELDS; f++)
			free((void *)*field_ptr(&l->items[i], f));
	free(l->items);
	pb_known_list_init(l);
}

void pb_known_list_add(struct pb_known_list *l, const struct pb_known *k)
{
	struct pb_known *d;
	int f;

	l->items = xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
	d = &l->items[l->n++];
	*d = *k;
	for (f = 0; f < NFIELDS; f++) {
		const char **p = field_ptr(d, f);

		*p = *p ? xstrdup(*p) : NULL;
	}
}

int pb_known_valid_fingerprint(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == SNAP_PRINT_LEN;
}

char *pb_kdb_default(void)
{
	const char *env = getenv("LEAKSCOPE_KNOWN_DB");

	if (env && *env)
		return xstrdup(env);
	return fs_xdg_path("XDG_DATA_HOME", ".local/share", "known.db", NULL);
}

static int is_pg(const char *where)
{
	return strncmp(where, "postgres://", 11) == 0 || strncmp(where, "postgresql://", 13) == 0;
}

/* ---- SQLite ---- */

static const char lite_schema[] =
	"CREATE TABLE IF NOT EXISTS known ("
	" fingerprint TEXT NOT NULL, incident TEXT NOT NULL, fix TEXT, note TEXT, pattern TEXT, func TEXT,"
	" added TEXT NOT NULL, PRIMARY KEY (fingerprint, incident));";

static int lite_err(struct pb_kdb *db, const char *what, struct err *e)
{
	return err_set(e, "known-leak database: %s: %s", what, sqlite3_errmsg(db->lite));
}

static int lite_open(struct pb_kdb *db, const char *path, int create, struct err *e)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
	char *errmsg = NULL;

	if (create) {
		if (fs_mkdir_parents(path, 0700, e) < 0)
			return -1;
		flags |= SQLITE_OPEN_CREATE;
	} else if (access(path, F_OK) != 0) {
		return err_set(e, "known-leak database %s: %s", path, strerror(errno));
	}
	if (sqlite3_open_v2(path, &db->lite, flags, NULL) != SQLITE_OK) {
		err_set(e, "known-leak database %s: %s", path, db->lite ? sqlite3_errmsg(db->lite) : "cannot open");
		return -1;
	}
	/* Two processes adding at once wait for each other instead of failing. */
	sqlite3_busy_timeout(db->lite, 15000);
	if (create) {
		if (sqlite3_exec(db->lite, "PRAGMA journal_mode=WAL;", NULL, NULL, &errmsg) != SQLITE_OK ||
		    sqlite3_exec(db->lite, lite_schema, NULL, NULL, &errmsg) != SQLITE_OK) {
			err_set(e, "known-leak database %s: %s", path, errmsg ? errmsg : "cannot create the table");
			sqlite3_free(errmsg);
			return -1;
		}
		chmod(path, 0600);
	}
	return 0;
}

static int lite_add(struct pb_kdb *db, const struct pb_known *k, const char *added, struct err *e)
{
	static const char sql[] =
		"INSERT INTO known (fingerprint, incident, fix, note, pattern, func, added) VALUES (?,?,?,?,?,?,?)"
		" ON CONFLICT (fingerprint, incident) DO UPDATE SET fix = excluded.fix, note = excluded.note,"
		" pattern = excluded.pattern, func = excluded.func, added = excluded.added";
	const char *v[NFIELDS] = {k->fingerprint, k->incident, k->fix, k->note, k->pattern, k->func, added};
	sqlite3_stmt *st;
	int i, rc;

	if (sqlite3_prepare_v2(db->lite, sql, -1, &st, NULL) != SQLITE_OK)
		return lite_err(db, "add", e);
	for (i = 0; i < NFIELDS; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lite_err(db, "add", e);
	return 0;
}

static int lite_query(struct pb_kdb *db, const char *sql, const char *arg, struct pb_known_list *out,
		      struct err *e)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db->lite, sql, -1, &st, NULL) != SQLITE_OK)
		return lite_err(db, "query", e);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pb_known k;
		int f;

		for (f = 0; f < NFIELDS; f++)
			*field_ptr(&k, f) = (const char *)sqlite3_column_text(st, f);
		pb_known_list_add(out, &k);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lite_err(db, "query", e);
	return n;
}

static int lite_remove(struct pb_kdb *db, const char *fp, const char *incident, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->lite,
			       incident ? "DELETE FROM known WHERE fingerprint = ? AND incident = ?"
					: "DELETE FROM known WHERE fingerprint = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return lite_err(db, "remove", e);
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
	if (incident)
		sqlite3_bind_text(st, 2, incident, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return lite_err(db, "remove", e);
	return sqlite3_changes(db->lite);
}

/* ---- PostgreSQL ---- */

static const char pg_schema[] =
	"CREATE TABLE IF NOT EXISTS leakscope_known ("
	" fingerprint TEXT NOT NULL, incident TEXT NOT NULL, fix TEXT, note TEXT, pattern TEXT, func TEXT,"
	" added TEXT NOT NULL, PRIMARY KEY (fingerprint, incident))";

/* The server's message, first line only; the connection string (it may hold a password) is never
 * part of it. */
static int pg_err(struct pb_kdb *db, const char *what, struct err *e)
{
	char msg[200];
	size_t n;

	snprintf(msg, sizeof(msg), "%s", PQerrorMessage(db->conn));
	n = strcspn(msg, "\n");
	msg[n] = '\0';
	return err_set(e, "known-leak database (postgres): %s: %s", what, msg);
}

static int pg_exec(struct pb_kdb *db, const char *what, const char *sql, int nparams, const char *const *params,
		   PGresult **out, struct err *e)
{
	PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		char msg[200];
		size_t n;

		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		n = strcspn(msg, "\n");
		msg[n] = '\0';
		PQclear(r);
		return err_set(e, "known-leak database (postgres): %s: %s", what, msg);
	}
	if (out)
		*out = r;
	else
		PQclear(r);
	return 0;
}

static int pg_open(struct pb_kdb *db, const char *url, int create, struct err *e)
{
	db->conn = PQconnectdb(url);
	if (PQstatus(db->conn) != CONNECTION_OK)
		return pg_err(db, "connect", e);
	/* CREATE TABLE IF NOT EXISTS can still race with another creator; an advisory lock
	 * serialises the first use. */
	(void)create;
	if (pg_exec(db, "lock", "SELECT pg_advisory_lock(4242001)", 0, NULL, NULL, e) < 0)
		return -1;
	if (pg_exec(db, "create table", pg_schema, 0, NULL, NULL, e) < 0) {
		pg_exec(db, "unlock", "SELECT pg_advisory_unlock(4242001)", 0, NULL, NULL, NULL);
		return -1;
	}
	return pg_exec(db, "unlock", "SELECT pg_advisory_unlock(4242001)", 0, NULL, NULL, e);
}

static int pg_query(struct pb_kdb *db, const char *sql, const char *arg, struct pb_known_list *out, struct err *e)
{
	PGresult *r;
	int i, n;

	if (pg_exec(db, "query", sql, arg ? 1 : 0, &arg, &r, e) < 0)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		struct pb_known k;
		int f;

		for (f = 0; f < NFIELDS; f++)
			*field_ptr(&k, f) = PQgetisnull(r, i, f) ? NULL : PQgetvalue(r, i, f);
		pb_known_list_add(out, &k);
	}
	PQclear(r);
	return n;
}

/* ---- the interface ---- */

struct pb_kdb *pb_kdb_open(const char *where, int create, struct err *e)
{
	struct pb_kdb *db;

	if (!where) {
		err_set(e, "no known-leak database: set LEAKSCOPE_KNOWN_DB, XDG_DATA_HOME or HOME");
		return NULL;
	}
	db = xcalloc(1, sizeof(*db));
	db->pg = is_pg(where);
	if ((db->pg ? pg_open(db, where, create, e) : lite_open(db, where, create, e)) < 0) {
		pb_kdb_free(db);
		return NULL;
	}
	return db;
}

void pb_kdb_free(struct pb_kdb *db)
{
	if (!db)
		return;
	if (db->lite)
		sqlite3_close(db->lite);
	if (db->conn)
		PQfinish(db->conn);
	free(db);
}

const char *pb_kdb_backend(const struct pb_kdb *db)
{
	return db->pg ? "postgres" : "sqlite";
}

static int check_field(const char *name, const char *v, int required, struct err *e)
{
	if (!v)
		return required ? err_set(e, "%s is required", name) : 0;
	if (required && !*v)
		return err_set(e, "%s is empty", name);
	if (strlen(v) > KNOWN_MAX_FIELD)
		return err_set(e, "%s is longer than %d bytes", name, KNOWN_MAX_FIELD);
	return 0;
}

static int check_record(const struct pb_known *k, struct err *e)
{
	int f;

	for (f = 0; f < NFIELDS; f++)
		if (check_field(fields[f], *field_ptr((struct pb_known *)k, f), f < 2, e) < 0)
			return -1;
	if (!pb_known_valid_fingerprint(k->fingerprint))
		return err_set(e, "fingerprint '%.40s' is not %d lowercase hex digits", k->fingerprint,
			       SNAP_PRINT_LEN);
	return 0;
}

int pb_kdb_add(struct pb_kdb *db, const struct pb_known *k, struct err *e)
{
	char now[32];
	const char *added = k->added;

	if (check_record(k, e) < 0)
		return -1;
	if (!added)
		added = ts_format_s(time(NULL), now, sizeof(now));
	if (db->pg) {
		static const char sql[] =
			"INSERT INTO leakscope_known (fingerprint, incident, fix, note, pattern, func, added)"
			" VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (fingerprint, incident) DO UPDATE SET"
			" fix = EXCLUDED.fix, note = EXCLUDED.note, pattern = EXCLUDED.pattern, func = EXCLUDED.func,"
			" added = EXCLUDED.added";
		const char *v[NFIELDS] = {k->fingerprint, k->incident, k->fix, k->note, k->pattern, k->func, added};

		return pg_exec(db, "add", sql, NFIELDS, v, NULL, e);
	}
	return lite_add(db, k, added, e);
}

/* BEGIN, COMMIT or ROLLBACK. */
static int tx(struct pb_kdb *db, const char *sql, struct err *e)
{
	char *errmsg = NULL;

	if (db->pg)
		return pg_exec(db, sql, sql, 0, NULL, NULL, e);
	if (sqlite3_exec(db->lite, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		err_set(e, "known-leak database: %s: %s", sql, errmsg ? errmsg : sqlite3_errmsg(db->lite));
		sqlite3_free(errmsg);
		return -1;
	}
	return 0;
}

int pb_kdb_add_all(struct pb_kdb *db, const struct pb_known_list *l, size_t *bad, struct err *e)
{
	size_t i;

	*bad = l->n;
	if (tx(db, "BEGIN", e) < 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if (pb_kdb_add(db, &l->items[i], e) < 0) {
			*bad = i;
			tx(db, "ROLLBACK", NULL);
			return -1;
		}
	return tx(db, "COMMIT", e);
}

int pb_kdb_lookup(struct pb_kdb *db, const char *fingerprint, struct pb_known_list *out, struct err *e)
{
	if (db->pg)
		return pg_query(db,
				"SELECT fingerprint, incident, fix, note, pattern, func, added FROM leakscope_known"
				" WHERE fingerprint = $1 ORDER BY added DESC, incident",
				fingerprint, out, e);
	return lite_query(db,
			  "SELECT fingerprint, incident, fix, note, pattern, func, added FROM known"
			  " WHERE fingerprint = ? ORDER BY added DESC, incident",
			  fingerprint, out, e);
}

int pb_kdb_list(struct pb_kdb *db, struct pb_known_list *out, struct err *e)
{
	if (db->pg)
		return pg_query(db,
				"SELECT fingerprint, incident, fix, note, pattern, func, added FROM leakscope_known"
				" ORDER BY fingerprint, added, incident",
				NULL, out, e);
	return lite_query(db,
			  "SELECT fingerprint, incident, fix, note, pattern, func, added FROM known"
			  " ORDER BY fingerprint, added, incident",
			  NULL, out, e);
}

int pb_kdb_remove(struct pb_kdb *db, const char *fingerprint, const char *incident, struct err *e)
{
	if (db->pg) {
		const char *v[2] = {fingerprint, incident};
		PGresult *r;
		int n;

		if (pg_exec(db, "remove",
			    incident ? "DELETE FROM leakscope_known WHERE fingerprint = $1 AND incident = $2"
				     : "DELETE FROM leakscope_known WHERE fingerprint = $1",
			    incident ? 2 : 1, v, &r, e) < 0)
			return -1;
		n = (int)strtol(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		return n;
	}
	return lite_remove(db, fingerprint, incident, e);
}

/* ---- files ---- */

char *pb_known_format(const struct pb_known_list *l)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	char *text, *out;
	size_t i;
	int f;

	cJSON_AddNumberToObject(root, "version", 1);
	arr = cJSON_AddArrayToObject(root, "known");
	for (i = 0; i < l->n; i++) {
		cJSON *o = cJSON_CreateObject();

		for (f = 0; f < NFIELDS; f++) {
			const char *v = *field_ptr(&l->items[i], f);

			if (v)
				cJSON_AddStringToObject(o, fields[f], v);
			else
				cJSON_AddNullToObject(o, fields[f]);
		}
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		fatal("out of memory");
	out = xasprintf("%s\n", text);
	cJSON_free(text);
	return out;
}

int pb_known_write_file(const char *path, const struct pb_known_list *l, struct err *e)
{
	char *text = pb_known_format(l);
	int rc = fs_write_file(path, text, strlen(text), NULL, 0600, e);

	free(text);
	return rc;
}

int pb_known_read_file(const char *path, struct pb_known_list *out, struct err *e)
{
	cJSON *root, *arr, *it;
	char *text;
	size_t len;
	int i = 0;
	struct err fe;

	if (fs_read_file(path, KNOWN_MAX_FILE, FS_REGULAR, &text, &len, e) < 0)
		return -1;
	root = cJSON_ParseWithLength(text, len);
	free(text);
	if (!root)
		return err_set(e, "%s: not valid JSON", path);
	arr = cJSON_GetObjectItemCaseSensitive(root, "known");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		return err_set(e, "%s: no \"known\" array", path);
	}
	cJSON_ArrayForEach(it, arr)
	{
		struct pb_known k;
		int f;

		memset(&k, 0, sizeof(k));
		if (!cJSON_IsObject(it)) {
			cJSON_Delete(root);
			return err_set(e, "%s: known[%d] is not an object", path, i);
		}
		for (f = 0; f < NFIELDS; f++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(it, fields[f]);

			if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
				cJSON_Delete(root);
				return err_set(e, "%s: known[%d].%s is not a string", path, i, fields[f]);
			}
			*field_ptr(&k, f) = cJSON_IsString(v) ? v->valuestring : NULL;
		}
		if (check_record(&k, &fe) < 0) {
			cJSON_Delete(root);
			return err_set(e, "%s: known[%d]: %s", path, i, fe.msg);
		}
		pb_known_list_add(out, &k);
		i++;
	}
	cJSON_Delete(root);
	return i;
}
