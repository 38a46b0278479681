/* Internals of the store module (src/store): the connection, the JSON forms sent to the server's
 * functions, and the conversion of stored rows back into events. */
#ifndef EVS_STORE_INTERNAL_H
#define EVS_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "evs/buf.h"
#include "evs/store.h"

/* The advisory-lock keys of one append (src/store/keys.c): as JSON arrays of [type, tag key, tag value]
 * (evs_lock_given hashes the server's text of each) and as those hashes computed here. */
typedef struct store_keys {
  evs_buf shared; /* JSON array: the events' keys */
  evs_buf excl;   /* JSON array: the condition's */
  evs_buf ids;    /* (hash, exclusive) pairs */
  evs_buf text;   /* scratch: one key's text */
  bool hash;      /* ids wanted (store_keys_reset) */
} store_keys;

struct evs_store {
  PGconn *conn;
  const evs_registry *reg;
  evs_validator *validator;
  evs_violations scratch; /* violations when the caller wants none */
  evs_buf text;           /* the JSON parameters of a call */
  evs_buf cond;
  store_keys keys;         /* the lock keys of a small append (store_event_row, store_query_lock_keys) */
  evs_buf lock_ids;        /* as the array literals the one-event path sends: the keys, sorted */
  evs_buf lock_modes;      /* and whether each is exclusive */
  evs_buf item_types;      /* the one-event path's condition item: its types (JSON array) */
  evs_buf item_tags;       /* and tags (JSON object) */
  evs_buf row_store;       /* strings of the event handed to a callback */
  evs_buf row_data;        /* its data */
  char row_time[32];       /* its time (EVS_TIME_RFC3339_SIZE) */
  unsigned prepared;       /* STORE_PREPARED_* bits: statements this connection has prepared */
  signed char hash_agrees; /* store_hash_agrees: 0 not asked on this connection, 1 yes, -1 no */
};

/* The statements prepared once per connection (the per-call ones: parsing and planning them was a
 * noticeable share of a one-event append). */
enum {
  STORE_PREPARED_APPEND = 1u,
  STORE_PREPARED_LOCK = 2u,
  STORE_PREPARED_INSERT = 4u,
  STORE_PREPARED_INSERT_IF = 8u
};

/* One statement of a pipeline: prepared under `bit` (0: sent as it is, unprepared). */
typedef struct store_stmt {
  unsigned bit;
  const char *sql;
  int n;
  const char *const *params;
} store_stmt;

/* Sends the statements in one round trip (libpq's pipeline mode) and returns the result of statement
 * `want` (caller clears); NULL when any failed (err set, an open transaction rolled back). */
PGresult *store_pipeline(evs_store *s, const store_stmt *stmts, int n, int want, const char *what,
                         evs_error *err);

/* EVS_ERR_DATABASE with what the server said (or libpq, when the connection is gone), prefixed by `what`. */
evs_status store_db_fail(evs_store *s, const PGresult *r, evs_error *err, const char *what);

/* A connection that was lost (the server restarted, a network cut) is opened again before the next call,
 * so one failed call does not make the store unusable. EVS_ERR_DATABASE when that fails. */
evs_status store_ready(evs_store *s, evs_error *err);

/* Runs sql with n text parameters; the result (the caller clears it) when the server ran it, else NULL after
 * failing with EVS_ERR_DATABASE prefixed by `what`. */
PGresult *store_exec(evs_store *s, const char *sql, int n, const char *const *params, const char *what,
                     evs_error *err);

/* As store_exec, through the statement `bit` names, prepared from sql on the connection's first use. */
PGresult *store_exec_prepared(evs_store *s, unsigned bit, const char *sql, int n, const char *const *params,
                              const char *what, evs_error *err);

/* Appends the query as the server functions take it: {"items":[{"types":[...],"tags":{"k":"v"}}]}; q NULL
 * or without items = [{}] (all). An item with two values for one tag key can match nothing and is left
 * out (a query of only such items is {"items":[]}: nothing). */
evs_status store_query_json(const evs_store_query *q, evs_buf *out);

/* One event checked as an append checks it: an id that is a UUID, the envelope's and the payload's rules
 * (violations into *vs). */
evs_status store_check_event(evs_store *s, const evs_store_event *ev, evs_violations *vs, evs_error *err);

/* The two forms of an event row: an object of the JSONB array evs_append() takes, or a line of the COPY
 * text format for evs_stage (the batch path, migration 4). */
typedef enum store_row_form { STORE_ROW_JSON, STORE_ROW_COPY } store_row_form;

/* Appends one event as a row in `form`: event_id, type, time, tags, metadata, data (the payload's canonical
 * JSON). Uses s->row_data. keys (NULL: not wanted): the event's shared lock keys are added. */
evs_status store_event_row(evs_store *s, const evs_store_event *ev, store_row_form form, evs_buf *out,
                           store_keys *keys, evs_error *err);

/* Empties keys and opens its two JSON arrays; `hash`: also compute each key's hash (the one-event path). */
void store_keys_reset(store_keys *keys, bool hash);
void store_keys_free(store_keys *keys);

/* Adds one key, shared or exclusive: [type, tag key, tag value], NULL for any type / no tag. */
void store_lock_key(store_keys *keys, bool excl, const char *type, const char *key, const char *value);

/* Closes the JSON arrays (NUL-terminated) and, when hashing, writes the hashes, with the four bulk slots
 * shared when `slots` (a condition), merged (exclusive wins) and sorted, as PostgreSQL array literals into
 * ids and modes; *n = how many (0 when not hashing). EVS_ERR_NOMEM. */
evs_status store_keys_finish(store_keys *keys, bool slots, evs_buf *ids, evs_buf *modes, size_t *n);

/* hashtextextended(text, 0) of these bytes, as a little-endian server computes it. */
int64_t store_pg_hash(const void *data, size_t len);

/* Whether the server hashes as store_pg_hash does (a big-endian one does not): asked once per connection,
 * on the first one-event append; false while the question cannot be asked. */
bool store_hash_agrees(evs_store *s);

/* The exclusive lock keys of a condition's query: per item, each of its types (or any) by its first tag
 * in byte order (or none); [null,null,null] for "all", none when no item can match. Any one tag of an
 * item would do: every event the item matches carries all of them, and its append takes a shared key for
 * each. */
void store_query_lock_keys(const evs_store_query *q, store_keys *keys);

/* An item's types as a JSON array; its tags as a JSON object (a key given twice written once). */
void store_item_types_json(const evs_store_item *it, evs_buf *types);
void store_item_tags_json(const evs_store_item *it, evs_buf *tags);

/* Whether an item names two values for one key (then it matches nothing). */
bool store_item_contradicts(const evs_store_item *it);

/* The columns of events a COPY row (STORE_ROW_COPY) fills. */
#define STORE_COPY_COLUMNS "(event_id, type, time, tags, metadata, data)"

/* A batch COPYed straight into events (no staging) in one transaction, under the locks of
 * evs_append_direct_begin (migration 4) and after its check of `condition` (NULL = none): the rows
 * (event_id, position, 'appended') stored. NULL with *fallback set when the staged path must decide (an id
 * stored already, or the condition failed, which an idempotent retry ignores); NULL with *fallback clear
 * after failing with EVS_ERR_DATABASE. Rolled back whenever NULL. */
PGresult *store_copy_direct(evs_store *s, const evs_buf *rows, const char *condition, bool *fallback,
                            evs_error *err);

/* Rows (COPY text lines) into evs_stage and `sql` (the call that moves them into events, with n params)
 * in one transaction: BEGIN, COPY, sql, COMMIT. The result of sql when everything committed (the caller
 * clears it), else NULL after rolling back and failing with EVS_ERR_DATABASE prefixed by `what`. */
PGresult *store_copy_exec(evs_store *s, const evs_buf *rows, const char *sql, int n,
                          const char *const *params, const char *what, evs_error *err);

/* The columns of a stored row (text form, NUL-terminated) turned into *ev. */
typedef struct store_row {
  const char *position, *tx, *event_id, *type, *time_ms, *tags, *metadata, *data;
} store_row;
typedef struct store_strmap store_strmap;
/* meta receives the parsed metadata that ev's attributes point into: free it after using ev. */
evs_status store_row_event(evs_store *s, const store_row *row, evs_stored_event *ev, store_strmap *meta,
                           evs_error *err);

/* A JSON object whose members are all strings (tags, metadata) as (key, value) pairs; NULL = none, for
 * tags it is an error. Strings point into *owner (free with protobuf_c_message_free_unpacked). */
struct store_strmap {
  ProtobufCMessage *owner;
  evs_tag *pairs;
  size_t n;
};
evs_status store_strmap_parse(const char *json, size_t len, store_strmap *m, evs_error *err);
void store_strmap_free(store_strmap *m);

#endif
