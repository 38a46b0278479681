/* The PostgreSQL event store (docs/store.md): the DCB (Dynamic Consistency Boundary, dcb.events) domain
 * events kept in one `events` table with a global position, versioned migrations, appends that are
 * validated and atomic, DCB conditional appends, tag/type/time/position queries and a follower that never
 * skips an event committed late with a lower position.
 *
 * Events go in as CloudEvents attributes plus the decoded payload (evs_ce_event + ProtobufCMessage) and
 * come out as CloudEvents with the payload's canonical JSON as `data`: what evs produce reads and evs consume
 * -o json writes.
 *
 * A lost connection fails the call that meets it (EVS_ERR_DATABASE) and is opened again by the next one.
 *
 * Ownership: an evs_store owns one libpq connection and whatever it hands to callbacks (an evs_stored_event
 * is valid only during the callback). A store is not thread-safe: one per thread (each its own connection).
 * Parsed query / condition documents (evs_store_spec) own their strings until evs_store_spec_free(). */
#ifndef EVS_STORE_H
#define EVS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/cloudevents.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/kafka.h"
#include "evs/registry.h"
#include "evs/validate.h"

EVS_EXTERN_C_BEGIN

/* The environment variable naming the database when no URL is given. */
#define EVS_STORE_URL_ENV "EVS_DATABASE_URL"

/* The schema version evs_store_migrate() brings a database to (the number of migrations). */
#define EVS_STORE_SCHEMA_VERSION 10

typedef struct evs_store evs_store;

typedef struct evs_store_options {
  const char *url;              /* libpq connection string or URI; NULL = $EVS_DATABASE_URL */
  const evs_registry *registry; /* event types; NULL = evs_registry_builtin(). Must outlive the store. */
} evs_store_options;

/* Connects (libpq) and compiles the registry's validation rules. opts may be NULL. EVS_ERR_INVALID_ARG when
 * neither a URL nor $EVS_DATABASE_URL is given; EVS_ERR_DATABASE with the server's (or libpq's) message
 * when the connection fails. *out is NULL on failure. */
EVS_API EVS_NODISCARD evs_status evs_store_open(const evs_store_options *opts, evs_store **out,
                                                evs_error *err);
EVS_API void evs_store_close(evs_store *s);

/* Applies the migrations the database lacks, each in its own transaction together with its row in
 * schema_migrations, under a transaction-scoped advisory lock (concurrent migrators wait, then find it
 * done). Idempotent. *applied (may be NULL) = how many were applied now. */
EVS_API EVS_NODISCARD evs_status evs_store_migrate(evs_store *s, int *applied, evs_error *err);

/* ---- queries (the DCB specification's terms) ---------------------------------------------------------- */

/* A query item matches an event whose type is one of `types` (any type when n_types is 0) and whose tags
 * hold every one of `tags` (any tags when n_tags is 0). A stored event has at most one value per tag key (a
 * JSONB object), so an item with two different values for one key matches nothing. */
typedef struct evs_store_item {
  const char *const *types;
  size_t n_types;
  const evs_tag *tags;
  size_t n_tags;
} evs_store_item;

/* Items OR-ed. n_items 0 = the query "all" (every event). */
typedef struct evs_store_query {
  const evs_store_item *items;
  size_t n_items;
} evs_store_query;

/* failIfEventsMatch + after: the append fails when an event matching the query has a position > after
 * (0 = any matching event fails it). */
typedef struct evs_store_condition {
  evs_store_query fail_if_events_match;
  int64_t after;
} evs_store_condition;

typedef struct evs_store_spec evs_store_spec;

/* Parses a query document: "all", an array of items, or {"items": [...]}; an item is
 * {"types": ["T", ...], "tags": ["key:value", ...]} (both optional; a tag is split at its first ':').
 * *q points into *owner (free with evs_store_spec_free). EVS_ERR_SYNTAX / EVS_ERR_TYPE / EVS_ERR_VALIDATION
 * with the offset or path of the problem. */
EVS_API EVS_NODISCARD evs_status evs_store_query_parse(const char *json, size_t len, evs_store_query *q,
                                                       evs_store_spec **owner, evs_error *err);
/* Parses an append condition {"failIfEventsMatch": <query>, "after": N} (after optional, >= 0). */
EVS_API EVS_NODISCARD evs_status evs_store_condition_parse(const char *json, size_t len,
                                                           evs_store_condition *c, evs_store_spec **owner,
                                                           evs_error *err);
EVS_API void evs_store_spec_free(evs_store_spec *owner);

/* ---- append ------------------------------------------------------------------------------------------- */

/* One event to append: its CloudEvents attributes and its payload, a message of its type's message type.
 * Tags: the `tags` attribute ("k=v&k=v"); when absent, the payload's top-level map<string,string> field
 * named `tags` if it has one (evs.events.dcb.v1.DomainEvent). One value per key. */
typedef struct evs_store_event {
  const evs_ce_event *ce;
  const ProtobufCMessage *payload;
} evs_store_event;

typedef struct evs_store_append_result {
  size_t appended;           /* events stored now */
  size_t duplicates;         /* events whose event_id was already stored (not stored again) */
  int64_t last_position;     /* highest position stored now, 0 when none */
  int64_t conflict_position; /* EVS_ERR_CONFLICT: the first stored event that matches the condition */
  size_t invalid_index;      /* EVS_ERR_VALIDATION and other per-event errors: which event (0-based) */
  int64_t *positions;        /* NULL, or n slots: each event's position (a duplicate's stored one) */
  bool *duplicate;           /* NULL, or n slots: whether the event was a duplicate */
} evs_store_append_result;

/* Appends events[0..n) atomically: every event is validated first (envelope and payload rules,
 * docs/validation.md) and nothing is stored if one is invalid (EVS_ERR_VALIDATION, res->invalid_index, the
 * violations in *violations when not NULL). cond NULL: unconditional. With a condition, fails with
 * EVS_ERR_CONFLICT (nothing stored) when a stored event matches it; the check and the insert run in one
 * server call under transaction-scoped advisory locks (docs/store.md), so two appends deciding on the same
 * boundary cannot both succeed and appends on disjoint boundaries do not wait for each other. An event whose
 * id is stored already is skipped and counted as a duplicate; when every event is a duplicate the append is
 * an idempotent retry and succeeds without looking at the condition. res may be NULL. EVS_ERR_DATABASE
 * with the server's message. */
EVS_API EVS_NODISCARD evs_status evs_store_append(evs_store *s, const evs_store_event *events, size_t n,
                                                  const evs_store_condition *cond,
                                                  evs_store_append_result *res, evs_violations *violations,
                                                  evs_error *err);

/* ---- reading ------------------------------------------------------------------------------------------ */

/* One stored event as handed to a callback (valid during the call only). ce.data is the payload's
 * canonical JSON (re-encoded through the registry when it knows the type, else as stored). */
typedef struct evs_stored_event {
  int64_t position;
  uint64_t tx; /* the writing transaction's id (xid8); evs_store_follow() only, else 0 */
  evs_ce_event ce;
} evs_stored_event;

/* Return EVS_OK to go on; anything else stops the read, which returns it. */
typedef evs_status (*evs_store_event_fn)(void *ctx, const evs_stored_event *ev, evs_error *err);

/* DCB read: the events matching q (NULL = all) with a position > after, in position order, at most limit
 * (0 = no limit), and *head, the position read up to. The read first waits for the appends in flight that
 * could add a matching event (it takes the query's locks), then reads events and head in one snapshot, so
 * every matching event not returned gets a position above *head: `after: *head` in a condition is safe. */
EVS_API EVS_NODISCARD evs_status evs_store_read(evs_store *s, const evs_store_query *q, int64_t after,
                                                size_t limit, evs_store_event_fn fn, void *ctx, int64_t *head,
                                                evs_error *err);

/* A filtered scan, streamed in position order from one snapshot (a server-side cursor): no locks. */
typedef struct evs_store_filter {
  const evs_store_query *query; /* NULL = all */
  int64_t after;                /* position > after (0 = from the start) */
  int64_t before;               /* position < before (0 = no bound) */
  bool has_time_from, has_time_to;
  int64_t time_from_ms; /* time >= this (Unix ms) when has_time_from */
  int64_t time_to_ms;   /* time < this when has_time_to */
} evs_store_filter;

EVS_API EVS_NODISCARD evs_status evs_store_scan(evs_store *s, const evs_store_filter *f,
                                                evs_store_event_fn fn, void *ctx, evs_error *err);

/* Where a follower is: the (transaction id, position) of the last event it was given; {0, 0} = before the
 * first. */
typedef struct evs_store_cursor {
  uint64_t tx;
  int64_t position;
} evs_store_cursor;

/* The cursor of a follower that was last given the event at `position` (what a follower saves to resume
 * from: the position alone; its transaction id is looked up). position 0 = {0, 0}, before the first.
 * EVS_ERR_NOT_FOUND when no event is stored at position (a gap: not a position a follower was given). */
EVS_API EVS_NODISCARD evs_status evs_store_cursor_at(evs_store *s, int64_t position, evs_store_cursor *cur,
                                                     evs_error *err);

/* One poll of a follower: the events matching q (NULL = all) after *cur whose transactions are older than
 * every transaction still running (the xid8 horizon), in (transaction, position) order, at most limit
 * (0 = 1000); advances *cur. An event committed late with a lower position than one already delivered is
 * still delivered (its transaction held the horizon back), and none twice. *n (may be NULL) = how many. */
EVS_API EVS_NODISCARD evs_status evs_store_follow(evs_store *s, const evs_store_query *q,
                                                  evs_store_cursor *cur, size_t limit, evs_store_event_fn fn,
                                                  void *ctx, size_t *n, evs_error *err);

/* ---- the Kafka sink ----------------------------------------------------------------------------------- */

/* Called before and after each batch's commit (tests inject crashes with them): false = stop at once as if
 * the process died there (the open batch is dropped, nothing more is written). */
typedef bool (*evs_store_sink_hook)(void *ctx, unsigned long long batch);

typedef struct evs_store_sink_options {
  evs_kafka_conf kafka;
  const char *const *topics; /* n_topics topics to consume */
  size_t n_topics;
  const char
      *group_id; /* the consumer group, also the key of the offsets in the database; NULL = "evs-sink" */
  const char *dlq_topic; /* dead letters (undecodable or invalid records); NULL = each topic + ".dlq" */
  size_t batch_size;     /* events per transaction; 0 = 1000 */
  int batch_ms;          /* longest a batch stays open; 0 = 500 */
  int idle_exit_ms;      /* stop after this long without a record while partitions are assigned (from the
                          * last record, assignment or commit: a rebalance or a wait for the database does
                          * not count); 0 = run until *stop */
  volatile int *stop;    /* set it (e.g. from a signal handler) to end the run; may be NULL */
  int db_retry_ms;       /* a lost database connection is waited for (the batch committed again, the
                          * stored offsets read again) for up to this long; 0 = 30000 */
  evs_store_sink_hook before_commit, after_commit;
  void *hook_ctx;
} evs_store_sink_options;

typedef struct evs_store_sink_stats {
  unsigned long long records;    /* records handed to the sink */
  unsigned long long appended;   /* events stored */
  unsigned long long duplicates; /* events whose id was stored already (read again after a crash) */
  unsigned long long batches;    /* transactions committed */
  unsigned long long dead_lettered;
  unsigned long long reconnects; /* times the database connection was opened again after a loss */
} evs_store_sink_stats;

/* Consumes the topics into the store (docs/store.md, "Kafka sink"): per batch one transaction stores the
 * events (validated; ids stored already are skipped) and the partitions' next offsets in evs_sink_offsets;
 * on every assignment each partition starts at the offset stored there (the beginning when none), so a
 * crash at any point loses nothing and stores nothing twice. Undecodable or invalid records go to the
 * dead-letter topic with the reason. A lost database connection (a restart, a network cut) is waited for
 * (db_retry_ms): the sink reconnects, reads the batch's stored offsets to learn whether its commit went
 * through, and commits it again if not. Returns at *stop, after idle_exit_ms without records, or on an
 * error (EVS_ERR_DATABASE, EVS_ERR_KAFKA, EVS_ERR_CONFLICT when another consumer moved the offsets; a
 * hook's stop is EVS_ERR_IO "stopped by the hook"). */
EVS_API EVS_NODISCARD evs_status evs_store_sink_run(evs_store *s, const evs_store_sink_options *opts,
                                                    evs_store_sink_stats *stats, evs_error *err);

EVS_EXTERN_C_END

#endif
