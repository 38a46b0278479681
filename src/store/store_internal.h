/* Internals of the store module (src/store): the connection, the JSON forms sent to the server's
 * functions, and the conversion of stored rows back into events. */
#ifndef EVS_STORE_INTERNAL_H
#define EVS_STORE_INTERNAL_H

#include <libpq-fe.h>

#include "evs/buf.h"
#include "evs/store.h"

struct evs_store {
  PGconn *conn;
  const evs_registry *reg;
  evs_validator *validator;
  evs_violations scratch; /* violations when the caller wants none */
  evs_buf text;           /* the JSON parameters of a call */
  evs_buf cond;
  evs_buf row_store; /* strings of the event handed to a callback */
  evs_buf row_data;  /* its data */
  char row_time[32]; /* its time (EVS_TIME_RFC3339_SIZE) */
};

/* EVS_ERR_DATABASE with what the server said (or libpq, when the connection is gone), prefixed by `what`. */
evs_status store_db_fail(evs_store *s, const PGresult *r, evs_error *err, const char *what);

/* A connection that was lost (the server restarted, a network cut) is opened again before the next call,
 * so one failed call does not make the store unusable. EVS_ERR_DATABASE when that fails. */
evs_status store_ready(evs_store *s, evs_error *err);

/* Runs sql with n text parameters; the result (the caller clears it) when the server ran it, else NULL after
 * failing with EVS_ERR_DATABASE prefixed by `what`. */
PGresult *store_exec(evs_store *s, const char *sql, int n, const char *const *params, const char *what,
                     evs_error *err);

/* Appends the query as the server functions take it: {"items":[{"types":[...],"tags":{"k":"v"}}]}; q NULL
 * or without items = [{}] (all). An item with two values for one tag key can match nothing and is left
 * out (a query of only such items is {"items":[]}: nothing). */
evs_status store_query_json(const evs_store_query *q, evs_buf *out);

/* One event checked as an append checks it: an id that is a UUID, the envelope's and the payload's rules
 * (violations into *vs). */
evs_status store_check_event(evs_store *s, const evs_store_event *ev, evs_violations *vs, evs_error *err);

/* Appends one event as a row object of the server's evs_append(): event_id, type, time, tags, metadata,
 * data (the payload's canonical JSON). */
evs_status store_event_json(evs_store *s, const evs_store_event *ev, evs_buf *out, evs_error *err);

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
