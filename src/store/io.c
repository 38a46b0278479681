/* Appends, DCB reads, filtered queries and the follower: each a call of the server functions that
 * migration 2 installs (docs/store.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "evs/timeutil.h"
#include "evs/uuid.h"
#include "kafka/kafka_lib.h"
#include "store/store_internal.h"

/* Larger appends go through COPY (the same count at which the server takes the bulk lock). */
#define STORE_COPY_MIN 64

/* Rows fetched per round trip by evs_store_scan() (the FETCH below says the same number). */
#define QUERY_FETCH 1000

typedef struct id_slot {
  char id[EVS_UUID_STR_SIZE]; /* lower case, as the server prints a uuid */
  size_t index;
  bool seen;
} id_slot;

static int slot_cmp(const void *a, const void *b) {
  const id_slot *x = a, *y = b;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The first slot for id not yet given a row (the same id twice in a batch: the first is stored). */
static id_slot *slot_find(id_slot *slots, size_t n, const char *id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(slots[mid].id, id) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (; lo < n && strcmp(slots[lo].id, id) == 0; lo++)
    if (!slots[lo].seen) return &slots[lo];
  return NULL;
}

evs_status store_check_event(evs_store *s, const evs_store_event *ev, evs_violations *vs, evs_error *err) {
  const evs_ce_event *ce = ev->ce;
  if (!ce || !ev->payload || !ce->id || !ce->type)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "needs an id, a type and a payload");
  evs_uuid u;
  if (evs_uuid_parse(ce->id, strlen(ce->id), &u, NULL) != EVS_OK)
    return evs_fail(err, EVS_ERR_VALIDATION, "id '%.60s' is not a UUID (the store's event_id)", ce->id);
  return evs_kafka_validate(s->validator, ce, ev->payload, vs, err);
}

/* Every event valid (the rules of its envelope and payload) and its id a UUID, else nothing is sent. */
static evs_status validate_all(evs_store *s, const evs_store_event *events, size_t n, evs_violations *vs,
                               size_t *bad, evs_error *err) {
  for (size_t i = 0; i < n; i++) {
    *bad = i;
    evs_error e;
    evs_error_clear(&e);
    evs_status st = store_check_event(s, &events[i], vs, &e);
    if (st != EVS_OK) return evs_fail(err, st, "event %zu: %s", i + 1, e.msg);
  }
  return EVS_OK;
}

static evs_status append_rows(PGresult *r, const evs_store_event *events, size_t n,
                              evs_store_append_result *res, const evs_store_condition *cond, evs_error *err) {
  int rows = PQntuples(r);
  if (rows == 1 && strcmp(PQgetvalue(r, 0, 2), "conflict") == 0) {
    res->conflict_position = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    return evs_fail(
        err, EVS_ERR_CONFLICT,
        "append condition failed: the event at position %lld matches failIfEventsMatch (after %lld)",
        (long long)res->conflict_position, (long long)(cond ? cond->after : 0));
  }
  id_slot *slots = evs_calloc(n, sizeof *slots);
  if (!slots) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < EVS_UUID_STR_SIZE - 1 && events[i].ce->id[k]; k++)
      slots[i].id[k] = (char)tolower((unsigned char)events[i].ce->id[k]);
    slots[i].index = i;
  }
  qsort(slots, n, sizeof *slots, slot_cmp);
  for (int i = 0; i < rows; i++) {
    id_slot *slot = slot_find(slots, n, PQgetvalue(r, i, 0));
    if (!slot) continue;
    slot->seen = true;
    int64_t pos = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    bool dup = strcmp(PQgetvalue(r, i, 2), "duplicate") == 0;
    if (res->positions) res->positions[slot->index] = pos;
    if (res->duplicate) res->duplicate[slot->index] = dup;
    if (!dup) {
      res->appended++;
      if (pos > res->last_position) res->last_position = pos;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (slots[i].seen) continue;
    /* skipped by ON CONFLICT: stored already (or earlier in this batch) */
    if (res->duplicate) res->duplicate[slots[i].index] = true;
  }
  res->duplicates = n - res->appended;
  evs_free(slots);
  return EVS_OK;
}

/* One event in one round trip, no server function: BEGIN; its locks by number (store_keys_finish: sorted,
 * hashed as the server hashes them); one statement that checks the condition and inserts (its snapshot is
 * taken after the locks); COMMIT. The leanest form of the conditional append (bench/store/lean.sh,
 * docs/store.md). Only for no condition or a one-item condition; the check is evs_conflict's static one
 * and scans only the 100 positions after `after`. *out: rows as evs_append_keyed gives them (appended,
 * duplicate, or the conflict), or none when this path cannot tell (the head further than 100 positions
 * past `after`, a duplicate without a condition): the caller then takes evs_append_keyed. -1 = error (err
 * set, rolled back). */
static int append_one_lean(evs_store *s, const evs_store_condition *cond, PGresult **out, evs_error *err) {
  *out = NULL;
  const evs_store_item *it = cond ? cond->fail_if_events_match.items : NULL;
  if (cond && (cond->fail_if_events_match.n_items != 1 || store_item_contradicts(it))) return 0;
  char after[24];
  evs_buf_reset(&s->item_types);
  evs_buf_reset(&s->item_tags);
  if (cond) {
    snprintf(after, sizeof after, "%lld", (long long)cond->after);
    if (it->n_types) store_item_types_json(it, &s->item_types);
    store_item_tags_json(it, &s->item_tags);
    evs_buf_append_byte(&s->item_types, 0);
    evs_buf_append_byte(&s->item_tags, 0);
    if (evs_buf_status(&s->item_types) != EVS_OK || evs_buf_status(&s->item_tags) != EVS_OK) {
      evs_fail(err, EVS_ERR_NOMEM, "out of memory");
      return -1;
    }
  }
  const char *lock[2] = {(const char *)s->lock_ids.data, (const char *)s->lock_modes.data};
  const char *ins[4] = {(const char *)s->text.data, cond ? after : NULL,
                        cond && it->n_types ? (const char *)s->item_types.data : NULL,
                        cond ? (const char *)s->item_tags.data : NULL};
  /* the row from the same JSON the one-call path sends */
#define STORE_LEAN_ROW                                                                                 \
  "SELECT (x.r->>'event_id')::uuid, x.r->>'type', (x.r->>'time')::timestamptz, coalesce(x.r->'tags', " \
  "'{}'), coalesce(x.r->'metadata', '{}'), x.r->'data' FROM x"
  store_stmt stmts[4] = {
      {0, "BEGIN", 0, NULL},
      {STORE_PREPARED_LOCK,
       "SELECT count(CASE WHEN u.x THEN pg_advisory_xact_lock(u.k) ELSE pg_advisory_xact_lock_shared(u.k) "
       "END) FROM unnest($1::bigint[], $2::boolean[]) AS u(k, x)",
       2, lock},
      cond ? (store_stmt){STORE_PREPARED_INSERT_IF,
                          /* the head and the first matching event after `after` (near the head only) */
                          "WITH x AS (SELECT $1::jsonb->0 AS r), "
                          "c AS (SELECT coalesce((SELECT max(e.position) FROM events e), 0) <= $2::bigint + "
                          "100 "
                          "AS near, (SELECT min(e.position) FROM events e WHERE e.position > $2::bigint "
                          "AND e.position <= $2::bigint + 100 AND ($3::jsonb IS NULL OR $3::jsonb ? e.type) "
                          "AND CASE WHEN e.tags @> $4::jsonb THEN true ELSE false END) AS conflict), "
                          "ins AS (INSERT INTO events (event_id, type, time, tags, metadata, "
                          "data) " STORE_LEAN_ROW ", c WHERE c.near AND c.conflict IS NULL "
                          "ON CONFLICT (event_id) DO NOTHING RETURNING position) "
                          /* one row as evs_append_keyed gives it: appended; a stored id (a duplicate,
                           * whatever the condition says); the conflict; none when far from the head */
                          "SELECT (x.r->>'event_id')::uuid::text, coalesce(i.position, d.position, "
                          "c.conflict), CASE WHEN i.position IS NOT NULL THEN 'appended' WHEN d.position IS "
                          "NOT NULL THEN 'duplicate' ELSE 'conflict' END "
                          "FROM x CROSS JOIN c LEFT JOIN ins AS i ON true LEFT JOIN LATERAL (SELECT "
                          "e.position "
                          "FROM events e WHERE e.event_id = (x.r->>'event_id')::uuid) AS d ON true "
                          "WHERE i.position IS NOT NULL OR d.position IS NOT NULL OR (c.near AND c.conflict "
                          "IS "
                          "NOT NULL)",
                          4, ins}
           : (store_stmt){STORE_PREPARED_INSERT,
                          "WITH x AS (SELECT $1::jsonb->0 AS r) "
                          "INSERT INTO events (event_id, type, time, tags, metadata, data) " STORE_LEAN_ROW
                          " ON CONFLICT (event_id) DO NOTHING RETURNING event_id::text, position, "
                          "'appended'::text",
                          1, ins},
      {0, "COMMIT", 0, NULL}};
#undef STORE_LEAN_ROW
  *out = store_pipeline(s, stmts, 4, 2, "append", err);
  return *out ? 0 : -1;
}

evs_status evs_store_append(evs_store *s, const evs_store_event *events, size_t n,
                            const evs_store_condition *cond, evs_store_append_result *res,
                            evs_violations *violations, evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  evs_error_clear(err);
  evs_store_append_result scratch = {0};
  if (!res) res = &scratch;
  int64_t *positions = res->positions;
  bool *duplicate = res->duplicate;
  memset(res, 0, sizeof *res);
  res->positions = positions;
  res->duplicate = duplicate;
  if (!s || !events || n == 0) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_append: no events");
  if (store_ready(s, err) != EVS_OK) return EVS_ERR_DATABASE;
  for (size_t i = 0; positions && i < n; i++) positions[i] = 0;
  for (size_t i = 0; duplicate && i < n; i++) duplicate[i] = false;
  evs_violations *vs = violations ? violations : &s->scratch;
  evs_status st = validate_all(s, events, n, vs, &res->invalid_index, err);
  if (st != EVS_OK) return st;
  /* A batch goes through COPY into the session's staging table (one transaction, migration 4): JSONB
   * parameters of thousands of events cost the server a parse of the whole array plus
   * jsonb_to_recordset, COPY streams rows it parses once. A small append is one call, one round trip. */
  bool copy = n > STORE_COPY_MIN;
  evs_buf_reset(&s->text);
  /* one event: the lock keys hashed here too, for the one-round-trip path */
  bool one = n == 1 && store_hash_agrees(s);
  if (!copy) {
    evs_buf_append_byte(&s->text, '[');
    store_keys_reset(&s->keys, one);
  }
  for (size_t i = 0; i < n; i++) {
    if (i && !copy) evs_buf_append_byte(&s->text, ',');
    evs_error e;
    evs_error_clear(&e);
    st = store_event_row(s, &events[i], copy ? STORE_ROW_COPY : STORE_ROW_JSON, &s->text,
                         copy ? NULL : &s->keys, &e);
    if (st != EVS_OK) {
      res->invalid_index = i;
      return evs_fail(err, st, "event %zu: %s", i + 1, e.msg);
    }
  }
  size_t n_keys = 0;
  if (!copy) {
    evs_buf_append_str(&s->text, "]");
    evs_buf_append_byte(&s->text, 0);
    if (cond) store_query_lock_keys(&cond->fail_if_events_match, &s->keys);
    if (store_keys_finish(&s->keys, cond != NULL, &s->lock_ids, &s->lock_modes, &n_keys) != EVS_OK)
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  evs_buf_reset(&s->cond);
  if (cond) {
    char after[48];
    evs_buf_append_str(&s->cond, "{\"query\":");
    store_query_json(&cond->fail_if_events_match, &s->cond);
    snprintf(after, sizeof after, ",\"after\":%lld}", (long long)cond->after);
    evs_buf_append_str(&s->cond, after);
    evs_buf_append_byte(&s->cond, 0);
  }
  if (evs_buf_status(&s->text) != EVS_OK || evs_buf_status(&s->cond) != EVS_OK)
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  const char *cond_s = cond ? (const char *)s->cond.data : NULL;
  PGresult *r = NULL;
  if (copy) {
    /* straight into events when nothing says otherwise; through the staging table (ON CONFLICT, the
     * idempotent retry) when an id is stored already or the condition failed */
    bool fallback = false;
    r = store_copy_direct(s, &s->text, cond_s, &fallback, err);
    if (!r && fallback) {
      evs_error_clear(err);
      r = store_copy_exec(s, &s->text,
                          "SELECT event_id::text, position, outcome FROM evs_append_staged($1::jsonb)", 1,
                          &cond_s, "append", err);
    }
  } else {
    if (one && n_keys <= 256) {
      if (append_one_lean(s, cond, &r, err) < 0) return EVS_ERR_DATABASE;
      if (PQntuples(r) > 0) {
        st = append_rows(r, events, n, res, cond, err);
        PQclear(r);
        return st;
      }
      PQclear(r);
      r = NULL;
    }
    /* the lock keys computed here: the server's evs_lock_keys cost more than the insert (migration 9) */
    const char *params[4] = {(const char *)s->text.data, cond_s, (const char *)s->keys.shared.data,
                             cond ? (const char *)s->keys.excl.data : NULL};
    r = store_exec_prepared(s, STORE_PREPARED_APPEND,
                            "SELECT event_id::text, position, outcome FROM "
                            "evs_append_keyed($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb)",
                            4, params, "append", err);
  }
  if (!r) return EVS_ERR_DATABASE;
  st = append_rows(r, events, n, res, cond, err);
  PQclear(r);
  return st;
}

/* Hands row i of r (columns from `first`: position, event_id, type, time_ms, tags, metadata, data) to fn. */
static evs_status deliver(evs_store *s, PGresult *r, int i, int first, int tx_col, evs_store_event_fn fn,
                          void *ctx, evs_error *err) {
  store_row row = {.position = PQgetvalue(r, i, first),
                   .tx = tx_col >= 0 ? PQgetvalue(r, i, tx_col) : NULL,
                   .event_id = PQgetvalue(r, i, first + 1),
                   .type = PQgetvalue(r, i, first + 2),
                   .time_ms = PQgetvalue(r, i, first + 3),
                   .tags = PQgetvalue(r, i, first + 4),
                   .metadata = PQgetvalue(r, i, first + 5),
                   .data = PQgetvalue(r, i, first + 6)};
  evs_stored_event ev;
  store_strmap meta;
  evs_status st = store_row_event(s, &row, &ev, &meta, err);
  if (st != EVS_OK) return st;
  st = fn(ctx, &ev, err);
  store_strmap_free(&meta);
  if (st != EVS_OK && err->code == EVS_OK) evs_fail(err, st, "stopped by the caller");
  return st;
}

/* s->cond = the query as the server functions take it, NUL-terminated (a text parameter). */
static evs_status query_param(evs_store *s, const evs_store_query *q, evs_error *err) {
  evs_buf_reset(&s->cond);
  store_query_json(q, &s->cond);
  evs_buf_append_byte(&s->cond, 0);
  return evs_buf_status(&s->cond) == EVS_OK ? EVS_OK : evs_fail(err, EVS_ERR_NOMEM, "out of memory");
}

#define ROW_COLUMNS "position, event_id::text, type, time_ms, tags::text, metadata::text, data::text"

evs_status evs_store_read(evs_store *s, const evs_store_query *q, int64_t after, size_t limit,
                          evs_store_event_fn fn, void *ctx, int64_t *head, evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  evs_error_clear(err);
  if (head) *head = 0;
  if (!s || !fn) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_read: NULL store or callback");
  if (store_ready(s, err) != EVS_OK) return EVS_ERR_DATABASE;
  if (query_param(s, q, err) != EVS_OK) return EVS_ERR_NOMEM;
  char after_s[24], limit_s[24];
  snprintf(after_s, sizeof after_s, "%lld", (long long)after);
  snprintf(limit_s, sizeof limit_s, "%zu", limit);
  const char *params[3] = {(const char *)s->cond.data, after_s, limit ? limit_s : NULL};
  PGresult *r =
      store_exec(s, "SELECT head, " ROW_COLUMNS " FROM evs_read($1::jsonb, $2, $3)", 3, params, "read", err);
  if (!r) return EVS_ERR_DATABASE;
  evs_status st = EVS_OK;
  int rows = PQntuples(r);
  if (rows && head) *head = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  for (int i = 0; i < rows && st == EVS_OK; i++)
    if (!PQgetisnull(r, i, 1)) st = deliver(s, r, i, 1, -1, fn, ctx, err);
  PQclear(r);
  return st;
}

static evs_status exec_command(evs_store *s, const char *sql, const char *what, evs_error *err) {
  PGresult *r = store_exec(s, sql, 0, NULL, what, err);
  if (!r) return EVS_ERR_DATABASE;
  PQclear(r);
  return EVS_OK;
}

evs_status evs_store_scan(evs_store *s, const evs_store_filter *f, evs_store_event_fn fn, void *ctx,
                          evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  evs_error_clear(err);
  if (!s || !f || !fn) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_scan: NULL argument");
  if (store_ready(s, err) != EVS_OK) return EVS_ERR_DATABASE;
  if (query_param(s, f->query, err) != EVS_OK) return EVS_ERR_NOMEM;
  char after_s[24], before_s[24], from_s[EVS_TIME_RFC3339_SIZE], to_s[EVS_TIME_RFC3339_SIZE];
  snprintf(after_s, sizeof after_s, "%lld", (long long)f->after);
  snprintf(before_s, sizeof before_s, "%lld", (long long)f->before);
  if ((f->has_time_from && evs_time_format_rfc3339_ms(f->time_from_ms, from_s, NULL) != EVS_OK) ||
      (f->has_time_to && evs_time_format_rfc3339_ms(f->time_to_ms, to_s, NULL) != EVS_OK))
    return evs_fail(err, EVS_ERR_RANGE, "query: time bound out of range");
  const char *params[5] = {(const char *)s->cond.data, after_s, f->before ? before_s : NULL,
                           f->has_time_from ? from_s : NULL, f->has_time_to ? to_s : NULL};
  evs_status st = exec_command(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "query", err);
  if (st != EVS_OK) return st;
  PGresult *r =
      store_exec(s, "SELECT evs_query_open('evs_query', $1::jsonb, $2, $3, $4::timestamptz, $5::timestamptz)",
                 5, params, "query", err);
  if (!r) st = EVS_ERR_DATABASE;
  PQclear(r);
  while (st == EVS_OK) {
    if (!(r = store_exec(s, "FETCH 1000 FROM evs_query", 0, NULL, "query", err))) {
      st = EVS_ERR_DATABASE;
      break;
    }
    int rows = PQntuples(r);
    for (int i = 0; i < rows && st == EVS_OK; i++) st = deliver(s, r, i, 0, -1, fn, ctx, err);
    PQclear(r);
    if (rows < QUERY_FETCH) break;
  }
  if (st == EVS_OK) return exec_command(s, "COMMIT", "query", err);
  PQclear(PQexec(s->conn, "ROLLBACK"));
  return st;
}

evs_status evs_store_follow(evs_store *s, const evs_store_query *q, evs_store_cursor *cur, size_t limit,
                            evs_store_event_fn fn, void *ctx, size_t *n, evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  evs_error_clear(err);
  if (n) *n = 0;
  if (!s || !cur || !fn) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_follow: NULL argument");
  if (store_ready(s, err) != EVS_OK) return EVS_ERR_DATABASE;
  if (query_param(s, q, err) != EVS_OK) return EVS_ERR_NOMEM;
  char tx_s[24], pos_s[24], limit_s[24];
  snprintf(tx_s, sizeof tx_s, "%llu", (unsigned long long)cur->tx);
  snprintf(pos_s, sizeof pos_s, "%lld", (long long)cur->position);
  snprintf(limit_s, sizeof limit_s, "%zu", limit ? limit : 1000);
  const char *params[4] = {(const char *)s->cond.data, tx_s, pos_s, limit_s};
  PGresult *r = store_exec(s, "SELECT tx::text, " ROW_COLUMNS " FROM evs_follow($1::jsonb, $2::xid8, $3, $4)",
                           4, params, "follow", err);
  if (!r) return EVS_ERR_DATABASE;
  evs_status st = EVS_OK;
  int rows = PQntuples(r);
  for (int i = 0; i < rows && st == EVS_OK; i++) {
    st = deliver(s, r, i, 1, 0, fn, ctx, err);
    if (st != EVS_OK) break;
    /* the cursor moves past an event only once it has been handed over */
    cur->tx = strtoull(PQgetvalue(r, i, 0), NULL, 10);
    cur->position = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    if (n) (*n)++;
  }
  PQclear(r);
  return st;
}

evs_status evs_store_cursor_at(evs_store *s, int64_t position, evs_store_cursor *cur, evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  evs_error_clear(err);
  if (!s || !cur || position < 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_cursor_at: bad argument");
  *cur = (evs_store_cursor){0, 0};
  if (position == 0) return EVS_OK;
  if (store_ready(s, err) != EVS_OK) return EVS_ERR_DATABASE;
  char pos_s[24];
  snprintf(pos_s, sizeof pos_s, "%lld", (long long)position);
  const char *params[1] = {pos_s};
  PGresult *r = store_exec(s, "SELECT tx::text FROM events WHERE position = $1", 1, params, "follow", err);
  if (!r) return EVS_ERR_DATABASE;
  evs_status st = EVS_OK;
  if (PQntuples(r) == 1)
    *cur = (evs_store_cursor){strtoull(PQgetvalue(r, 0, 0), NULL, 10), position};
  else
    st = evs_fail(err, EVS_ERR_NOT_FOUND,
                  "no event is stored at position %lld: a follower resumes after an event it was given",
                  (long long)position);
  PQclear(r);
  return st;
}
