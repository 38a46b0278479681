/* The store's connection and migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "store/migrations.h"
#include "store/store_internal.h"

/* Serializes migrators (any constant distinct from the hashed lock keys of appends would do). */
#define MIGRATION_LOCK "7310993104717565697"

evs_status store_db_fail(evs_store *s, const PGresult *r, evs_error *err, const char *what) {
  const char *msg = r ? PQresultErrorMessage(r) : "";
  if (!msg || !*msg) msg = PQerrorMessage(s->conn);
  if (!msg || !*msg) msg = "no answer from the server";
  size_t len = strlen(msg);
  while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' ')) len--;
  /* a function or table of the store missing: a database never migrated, or migrated by an older evs */
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (state && (strcmp(state, "42883") == 0 || strcmp(state, "42P01") == 0)) {
    const char *nl = memchr(msg, '\n', len);
    if (nl) len = (size_t)(nl - msg);
    evs_fail(err, EVS_ERR_DATABASE,
             "%s: %.*s: the database lacks the store's schema (this evs needs schema version %d): run `evs "
             "store migrate`",
             what, (int)(len > 200 ? 200 : len), msg, EVS_STORE_SCHEMA_VERSION);
    return EVS_ERR_DATABASE;
  }
  evs_fail(err, EVS_ERR_DATABASE, "%s: %.*s", what, (int)(len > 200 ? 200 : len), msg);
  return EVS_ERR_DATABASE;
}

/* Server notices ("relation ... already exists, skipping") are not the caller's business: libpq would
 * print them on stderr. */
static void ignore_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

/* The conditional append relies on READ COMMITTED: each statement of evs_append() sees what committed
 * before it (the check after the locks). A server default of REPEATABLE READ would break that. */
static evs_status session_setup(evs_store *s, evs_error *err) {
  PGresult *r =
      PQexec(s->conn, "SET default_transaction_isolation = 'read committed'; SET client_encoding = 'UTF8'");
  evs_status st =
      PQresultStatus(r) == PGRES_COMMAND_OK ? EVS_OK : store_db_fail(s, r, err, "setting up the session");
  PQclear(r);
  return st;
}

void evs_store_close(evs_store *s) {
  if (!s) return;
  if (s->conn) PQfinish(s->conn);
  evs_validator_free(s->validator);
  evs_violations_free(&s->scratch);
  evs_buf_free(&s->text);
  evs_buf_free(&s->cond);
  store_keys_free(&s->keys);
  evs_buf_free(&s->lock_ids);
  evs_buf_free(&s->lock_modes);
  evs_buf_free(&s->item_types);
  evs_buf_free(&s->item_tags);
  evs_buf_free(&s->row_store);
  evs_buf_free(&s->row_data);
  evs_free(s);
}

evs_status evs_store_open(const evs_store_options *opts, evs_store **out, evs_error *err) {
  if (!out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_open: out is NULL");
  *out = NULL;
  const char *url = opts && opts->url ? opts->url : getenv(EVS_STORE_URL_ENV);
  if (!url || !*url)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "no database given: pass a URL (--db) or set %s",
                    EVS_STORE_URL_ENV);
  evs_store *s = evs_calloc(1, sizeof *s);
  if (!s) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  evs_violations_init(&s->scratch);
  s->reg = opts && opts->registry ? opts->registry : evs_registry_builtin(err);
  if (!s->reg) {
    evs_store_close(s);
    return err ? err->code : EVS_ERR_INTERNAL;
  }
  evs_status st = evs_validator_new(s->reg, NULL, &s->validator, err);
  if (st != EVS_OK) {
    evs_store_close(s);
    return st;
  }
  s->conn = PQconnectdb(url);
  if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
    if (!s->conn)
      st = evs_fail(err, EVS_ERR_NOMEM, "out of memory connecting to the database");
    else
      st = store_db_fail(s, NULL, err, "connecting to the database");
    evs_store_close(s);
    return st;
  }
  PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
  st = session_setup(s, err);
  if (st != EVS_OK) {
    evs_store_close(s);
    return st;
  }
  *out = s;
  return EVS_OK;
}

evs_status store_ready(evs_store *s, evs_error *err) {
  if (PQstatus(s->conn) == CONNECTION_OK) return EVS_OK;
  PQreset(s->conn);
  s->prepared = 0;    /* a new session has none */
  s->hash_agrees = 0; /* and may be another server */
  if (PQstatus(s->conn) != CONNECTION_OK) return store_db_fail(s, NULL, err, "reconnecting to the database");
  return session_setup(s, err);
}

PGresult *store_exec(evs_store *s, const char *sql, int n, const char *const *params, const char *what,
                     evs_error *err) {
  PGresult *r = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType t = PQresultStatus(r);
  if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) return r;
  store_db_fail(s, r, err, what);
  PQclear(r);
  return NULL;
}

/* Prepares the statement `bit` names on the connection's first use of it. */
static bool prepare(evs_store *s, unsigned bit, const char *sql, int n, const char *what, evs_error *err) {
  if (s->prepared & bit) return true;
  char name[24];
  snprintf(name, sizeof name, "evs_stmt_%u", bit);
  PGresult *r = PQprepare(s->conn, name, sql, n, NULL);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) store_db_fail(s, r, err, what);
  PQclear(r);
  if (ok) s->prepared |= bit;
  return ok;
}

PGresult *store_exec_prepared(evs_store *s, unsigned bit, const char *sql, int n, const char *const *params,
                              const char *what, evs_error *err) {
  if (!prepare(s, bit, sql, n, what, err)) return NULL;
  char name[24];
  snprintf(name, sizeof name, "evs_stmt_%u", bit);
  PGresult *r = PQexecPrepared(s->conn, name, n, params, NULL, NULL, 0);
  ExecStatusType t = PQresultStatus(r);
  if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) return r;
  store_db_fail(s, r, err, what);
  PQclear(r);
  return NULL;
}

PGresult *store_pipeline(evs_store *s, const store_stmt *stmts, int n, int want, const char *what,
                         evs_error *err) {
  for (int i = 0; i < n; i++)
    if (stmts[i].bit && !prepare(s, stmts[i].bit, stmts[i].sql, stmts[i].n, what, err)) return NULL;
  if (!PQenterPipelineMode(s->conn)) {
    store_db_fail(s, NULL, err, what);
    return NULL;
  }
  bool sent = true;
  for (int i = 0; i < n && sent; i++) {
    char name[24];
    snprintf(name, sizeof name, "evs_stmt_%u", stmts[i].bit);
    sent = stmts[i].bit
               ? PQsendQueryPrepared(s->conn, name, stmts[i].n, stmts[i].params, NULL, NULL, 0)
               : PQsendQueryParams(s->conn, stmts[i].sql, stmts[i].n, NULL, stmts[i].params, NULL, NULL, 0);
  }
  sent = sent && PQpipelineSync(s->conn);
  bool failed = !sent;
  if (failed) store_db_fail(s, NULL, err, what);
  PGresult *keep = NULL;
  /* each statement's results end with a NULL; then the sync point. After an error the rest come back as
   * PGRES_PIPELINE_ABORTED. A connection that broke gives NULLs only: stop there. */
  for (int ends = 0; sent;) {
    PGresult *r = PQgetResult(s->conn);
    if (!r) {
      if (++ends > n || PQstatus(s->conn) == CONNECTION_BAD) break;
      continue;
    }
    ExecStatusType t = PQresultStatus(r);
    if (t == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    if ((t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK) && ends == want && !keep && !failed) {
      keep = r;
      continue;
    }
    if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK && !failed) {
      failed = true;
      store_db_fail(s, r, err, what);
    }
    PQclear(r);
  }
  if (!PQexitPipelineMode(s->conn)) {
    PQclear(PQgetResult(s->conn)); /* what is left after the sync point, if anything */
    if (!PQexitPipelineMode(s->conn) && !failed) {
      failed = true;
      store_db_fail(s, NULL, err, what);
    }
  }
  if (!failed) return keep;
  PQclear(keep);
  if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
    PQclear(PQexec(s->conn, "ROLLBACK"));
  return NULL;
}

static void rollback(evs_store *s) {
  PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* COPY data goes out in pieces of this size: libpq would otherwise copy a whole batch into its buffer. */
#define COPY_CHUNK ((size_t)1 << 16)

/* Sends rows to the COPY the server waits for and reads its answer. EVS_OK when it took them all; else
 * EVS_ERR_DATABASE, the server's SQLSTATE in sqlstate (may be NULL; "" when there is none). */
static evs_status copy_send(evs_store *s, const evs_buf *rows, const char *what, char sqlstate[6],
                            evs_error *err) {
  if (sqlstate) sqlstate[0] = 0;
  bool sent = true;
  for (size_t off = 0; sent && off < rows->len; off += COPY_CHUNK) {
    size_t len = rows->len - off < COPY_CHUNK ? rows->len - off : COPY_CHUNK;
    sent = PQputCopyData(s->conn, (const char *)rows->data + off, (int)len) == 1;
  }
  if (PQputCopyEnd(s->conn, sent ? NULL : "the client could not send the rows") != 1) sent = false;
  evs_status st = sent ? EVS_OK : store_db_fail(s, NULL, err, what);
  PGresult *r;
  while ((r = PQgetResult(s->conn)) != NULL) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && st == EVS_OK) {
      st = store_db_fail(s, r, err, what);
      const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      if (sqlstate && code) snprintf(sqlstate, 6, "%s", code);
    }
    PQclear(r);
  }
  return st;
}

PGresult *store_copy_exec(evs_store *s, const evs_buf *rows, const char *sql, int n,
                          const char *const *params, const char *what, evs_error *err) {
  /* The staging table lives as long as the session (a reconnect makes it again); ON COMMIT DELETE ROWS
   * empties it at the end of each transaction that used it, and a rollback discards its rows too. */
  PGresult *r =
      PQexec(s->conn,
             "BEGIN; CREATE TEMP TABLE IF NOT EXISTS evs_stage (ord bigint GENERATED ALWAYS AS IDENTITY, "
             "event_id uuid NOT NULL, type text NOT NULL, time timestamptz NOT NULL, tags jsonb NOT "
             "NULL, metadata jsonb NOT NULL, data jsonb NOT NULL) ON COMMIT DELETE ROWS; "
             "COPY evs_stage " STORE_COPY_COLUMNS " FROM STDIN");
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    store_db_fail(s, r, err, what);
    PQclear(r);
    rollback(s);
    return NULL;
  }
  PQclear(r);
  if (copy_send(s, rows, what, NULL, err) != EVS_OK) {
    rollback(s);
    return NULL;
  }
  r = store_exec(s, sql, n, params, what, err);
  if (!r) {
    rollback(s);
    return NULL;
  }
  PGresult *c = store_exec(s, "COMMIT", 0, NULL, what, err);
  if (!c) {
    PQclear(r);
    return NULL;
  }
  PQclear(c);
  return r;
}

/* One migration in one transaction: lock, look, apply, record. *done = whether it was applied now. */
static evs_status migrate_one(evs_store *s, const store_migration *m, bool *done, evs_error *err) {
  *done = false;
  char what[160];
  snprintf(what, sizeof what, "migration %d (%s)", m->version, m->name);
  PGresult *r = store_exec(s, "BEGIN", 0, NULL, what, err);
  if (!r) return EVS_ERR_DATABASE;
  PQclear(r);
  static const char *const setup[] = {
      "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")",
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())",
  };
  for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
    if (!(r = store_exec(s, setup[i], 0, NULL, what, err))) goto fail;
    PQclear(r);
  }
  char version[16];
  snprintf(version, sizeof version, "%d", m->version);
  const char *params[2] = {version, m->name};
  if (!(r = store_exec(s, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, what, err)))
    goto fail;
  bool have = PQntuples(r) > 0;
  PQclear(r);
  if (!have) {
    /* PQexec, not PQexecParams: a migration is several statements. */
    r = PQexec(s->conn, m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      store_db_fail(s, r, err, what);
      PQclear(r);
      goto fail;
    }
    PQclear(r);
    if (!(r = store_exec(s, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, params, what,
                         err)))
      goto fail;
    PQclear(r);
  }
  if (!(r = store_exec(s, "COMMIT", 0, NULL, what, err))) return EVS_ERR_DATABASE;
  PQclear(r);
  *done = !have;
  return EVS_OK;
fail:
  rollback(s);
  return EVS_ERR_DATABASE;
}

evs_status evs_store_migrate(evs_store *s, int *applied, evs_error *err) {
  if (applied) *applied = 0;
  if (!s) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_migrate: s is NULL");
  if (store_ready(s, err) != EVS_OK) return EVS_ERR_DATABASE;
  for (size_t i = 0; i < store_n_migrations; i++) {
    bool done;
    evs_status st = migrate_one(s, &store_migrations[i], &done, err);
    if (st != EVS_OK) return st;
    if (done && applied) (*applied)++;
  }
  return EVS_OK;
}

PGresult *store_copy_direct(evs_store *s, const evs_buf *rows, const char *condition, bool *fallback,
                            evs_error *err) {
  *fallback = false;
  PGresult *r = store_exec(s, "BEGIN", 0, NULL, "append", err);
  if (!r) return NULL;
  PQclear(r);
  /* the locks and the condition first: the rows go in under them */
  r = store_exec(s, "SELECT evs_append_direct_begin($1::jsonb)", 1, &condition, "append", err);
  if (!r) goto fail;
  *fallback = !PQgetisnull(r, 0, 0); /* a conflict, unless every event is a retry: the staged path says */
  PQclear(r);
  if (*fallback) goto fail;
  r = PQexec(s->conn, "COPY events " STORE_COPY_COLUMNS " FROM STDIN");
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    store_db_fail(s, r, err, "append");
    PQclear(r);
    goto fail;
  }
  PQclear(r);
  char code[6];
  if (copy_send(s, rows, "append", code, err) != EVS_OK) {
    *fallback = strcmp(code, "23505") == 0; /* unique_violation: an id is stored already */
    goto fail;
  }
  r = store_exec(s,
                 "SELECT event_id::text, position, 'appended' FROM events WHERE tx = pg_current_xact_id() "
                 "ORDER BY tx, position",
                 0, NULL, "append", err);
  if (!r) goto fail;
  PGresult *c = store_exec(s, "COMMIT", 0, NULL, "append", err);
  if (!c) {
    PQclear(r);
    return NULL;
  }
  PQclear(c);
  return r;
fail:
  rollback(s);
  return NULL;
}
