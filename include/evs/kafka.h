/* Kafka: an event producer and consumer over librdkafka, CloudEvents binary content mode, a spool for
 * events that could not be delivered, a dead-letter topic, Confluent Schema Registry framing, and an
 * embedded (mock) broker for demos and tests. docs/kafka.md describes headers, keys, delivery semantics
 * and the spool file format.
 *
 * Ownership: every handle (evs_producer, evs_consumer, evs_mock_broker) is created by its _new call and
 * released by its _close/_free call; views handed to callbacks (evs_delivery, evs_record) are valid only
 * during the call. Strings in option structs are copied by _new: the caller may free them afterwards.
 *
 * Threads: a handle is used from one thread at a time. Callbacks (delivery reports, handlers) run in the
 * thread that calls evs_producer_send/poll/flush/close or evs_consumer_poll, never in a librdkafka thread.
 *
 * Secrets: error messages never contain the value of a property whose name contains "password", "secret",
 * "sasl.oauthbearer.config" or "ssl.key.pem" (evs_kafka_prop_is_secret()). */
#ifndef EVS_KAFKA_H
#define EVS_KAFKA_H

#include <protobuf-c/protobuf-c.h>

#include "evs/cloudevents.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"
#include "evs/validate.h"

EVS_EXTERN_C_BEGIN

/* Environment variable that names the brokers when an option struct leaves `brokers` NULL. */
#define EVS_KAFKA_BROKERS_ENV "EVS_BROKERS"
/* content-type header of a binary-mode event whose value is plain protobuf / Confluent-framed protobuf. */
#define EVS_KAFKA_CONTENT_TYPE "application/protobuf"
#define EVS_KAFKA_CONTENT_TYPE_CONFLUENT "application/vnd.confluent.protobuf"
/* content-type header of a structured-mode event: the value is the JSON event. */
#define EVS_KAFKA_CONTENT_TYPE_STRUCTURED "application/cloudevents+json"
/* Prefix of the ce_dataschema value evs writes: "evs:" + the message's full name. */
#define EVS_KAFKA_DATASCHEMA_PREFIX "evs:"

/* ---- configuration helpers ---------------------------------------------------------------------------- */

/* True when the value of librdkafka property `name` must never be shown (see the top of this header).
 * NULL: false. Thread-safe. */
EVS_API bool evs_kafka_prop_is_secret(const char *name);

/* Splits "key=value" (the -X argument form) at the first '='. Writes pointers into `kv` to *key (NUL not
 * inserted: *key_len bytes) and *value (the rest, NUL-terminated). EVS_ERR_INVALID_ARG when kv is NULL,
 * has no '=' or an empty key. Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_kafka_prop_split(const char *kv, size_t *key_len, const char **value,
                                                      evs_error *err);

/* The brokers to use: `brokers` when not NULL/empty, else $EVS_BROKERS, else NULL. Static or caller
 * memory, not to be freed. */
EVS_API const char *evs_kafka_brokers(const char *brokers);

/* Writes one JSON object member for a record's key or header value to out: "name":"text" when the
 * bytes are valid UTF-8 without NUL, else "name_base64":"<standard base64>"; "name":null for value NULL.
 * For listings of records (evs consume --show). */
EVS_API void evs_kafka_write_json_member(FILE *out, const char *name, const void *value, size_t len);

/* One record header (defined below). */
typedef struct evs_kafka_header evs_kafka_header;

/* ---- producer ----------------------------------------------------------------------------------------- */

typedef struct evs_producer evs_producer;

/* One delivery report: an event finally delivered or finally failed. Valid during the callback only. */
typedef struct evs_delivery {
  const char *event_id; /* the ce_id header, NULL when the record has none (raw records) */
  const char *topic;
  int32_t partition; /* -1 when never assigned */
  int64_t offset;    /* -1 unless delivered */
  evs_status status; /* EVS_OK, EVS_ERR_TIMEOUT (message timed out) or EVS_ERR_KAFKA */
  const char *error; /* "<librdkafka error name>: <text>", NULL when delivered */
  bool spooled;      /* the failed record was appended to the spool file */
  void *opaque;      /* evs_event_attrs.opaque of the send */
} evs_delivery;

/* Delivery callback; runs in the thread calling evs_producer_send/poll/flush/close. It may not call
 * evs_producer_close() on the same producer. */
typedef void (*evs_delivery_fn)(const evs_delivery *d, void *ctx);

/* How producers and consumers connect: brokers plus any librdkafka property ("-X key=value"). */
typedef struct evs_kafka_conf {
  const char *brokers;      /* bootstrap.servers; NULL = $EVS_BROKERS; fails if both are unset */
  const char *const *props; /* n_props "key=value" strings passed to librdkafka in order, after evs's
                             * defaults, so they override them (TLS, SASL, linger.ms, ...) */
  size_t n_props;
} evs_kafka_conf;

typedef struct evs_producer_options {
  evs_kafka_conf kafka;         /* defaults set first: enable.idempotence=true, acks=all */
  const evs_registry *registry; /* types and event options; NULL = evs_registry_builtin(). Must outlive
                                 * the producer. */
  const char *source;           /* default ce_source for events that give none; NULL = "/evs" */
  const char *spool_path;       /* file that finally failed records are appended to (created on first
                                 * use); NULL = no spool (failures reach only the callback and counters) */
  evs_delivery_fn on_delivery;  /* may be NULL */
  void *delivery_ctx;
  /* Longest time evs_producer_send() waits for room in a full local queue (polling meanwhile) before it
   * fails with EVS_ERR_TIMEOUT; 0 = wait as long as it takes. The event is never dropped. */
  int queue_full_timeout_ms;
  /* Confluent Schema Registry framing of values (magic 0, schema id, message indexes) instead of plain
   * protobuf. schema_id_fn gives the registered id of a message (or < 0 to fail the send). */
  bool confluent_framing;
  int32_t (*schema_id_fn)(const evs_message *msg, void *ctx);
  void *schema_id_ctx;
  /* CloudEvents structured content mode instead of binary: the value is the whole event as JSON
   * (evs_ce_write_json: the attributes and the payload's canonical JSON as data, or its protobuf bytes as
   * data_base64 when it has no JSON form), the only CloudEvents header is content-type
   * application/cloudevents+json. Not with confluent_framing. */
  bool structured;
  /* Validation (docs/validation.md) is on unless this is set: evs_producer_send() checks the payload's
   * field rules and the envelope's (registered type, UUIDv7 id, ...) and refuses an invalid event with
   * EVS_ERR_VALIDATION. The producer compiles the rules of its registry once, at evs_producer_new(). */
  bool no_validate;
} evs_producer_options;

/* Envelope attributes of one event; every member may be left 0/NULL. */
typedef struct evs_event_attrs {
  const char *id;             /* ce_id; NULL = a new UUIDv7 */
  const char *source;         /* ce_source; NULL = the producer's source */
  const char *type;           /* ce_type; NULL = the message's only type, or the value of its type_field */
  int64_t time_ms;            /* ce_time in Unix ms; 0 = now */
  const char *subject;        /* ce_subject; NULL = none */
  const char *correlation_id; /* ce_correlationid */
  const char *causation_id;   /* ce_causationid */
  const evs_tag *tags;        /* n_tags tags for ce_tags: one header, "k1=v1&k2=v2" with keys sorted and
                               * both sides percent-encoded (evs_ce_tags_encode(), docs/kafka.md) */
  size_t n_tags;
  const char *topic; /* NULL = the message's (evs.v1.event).topic */
  const void *key;   /* record key; NULL = the value of the partition_key field (none when unset/empty) */
  size_t key_len;    /* bytes at key */
  void *opaque;      /* handed back in evs_delivery.opaque */
  char *id_out;      /* when not NULL, receives the ce_id used (EVS_UUID_STR_SIZE = 37 bytes) */
  /* n_headers more record headers, after the CloudEvents ones. A name starting with "ce_" or equal to
   * "content-type" is EVS_ERR_INVALID_ARG (those carry attributes: set the attribute instead). */
  const struct evs_kafka_header *headers;
  size_t n_headers;
  /* When not NULL (an evs_violations the caller initialised and frees), every validating send resets it
   * and, when it refuses the event with EVS_ERR_VALIDATION, fills it with all the violations: envelope
   * attributes first (paths are attribute names: "id", "type"), then the payload (paths start with
   * "data.": "data.task_data.title", json_path "data.taskData.title"). err->msg has only their summary. */
  evs_violations *violations;
} evs_event_attrs;

/* Producer counters. sent = accepted by send; delivered + failed = reported so far; spooled + spool_errors
 * = failed when a spool is configured (a spool_error's report says why it was not spooled);
 * queue_full_waits = 50 ms waits for room in the local queue. */
typedef struct evs_producer_stats {
  uint64_t sent, delivered, failed, spooled, spool_errors, queue_full_waits;
  uint64_t errors;      /* non-fatal client errors (brokers unreachable, ...): librdkafka retries */
  char last_error[200]; /* "<error name>: <text>" of the latest of those, "" when none */
  /* The spool: why the latest write (or the final sync) failed, "" when none; the ce_id of the first and
   * the latest event that could not be spooled ("" when it had none; cut to fit); whether the final fsync
   * failed (then the spooled events may not survive a crash); bytes of a cut-off last record (a crash
   * while appending) removed from the file before appending behind it. */
  char spool_error[256];
  char spool_error_first_id[80], spool_error_last_id[80];
  bool spool_sync_failed;
  uint64_t spool_tail_cut;
  uint64_t invalid; /* events refused by validation (not sent, not counted in sent) */
} evs_producer_stats;

/* Creates a producer (and, unless no_validate, the validator of its registry, freed by close). Fails with
 * EVS_ERR_INVALID_ARG (out/opts NULL, no brokers, a bad or unknown property, conflicting settings such as
 * acks=1 with idempotence; the message names the property, never a secret value), EVS_ERR_KAFKA
 * (librdkafka refused), EVS_ERR_NOMEM, or the validator's error (evs_validator_new). *out is NULL on
 * failure. */
EVS_API EVS_NODISCARD evs_status evs_producer_new(const evs_producer_options *opts, evs_producer **out,
                                                  evs_error *err);

/* Enqueues one event: msg is packed to the record value (protobuf, or Confluent-framed), attrs (NULL = all
 * defaults) become ce_* headers, topic and key come from attrs or the message's event options. Returns
 * only the enqueue status; delivery is reported later through the callback. A full queue makes it poll
 * and retry (back-pressure). Unless the producer has no_validate, the payload (evs_validate_message) and
 * the envelope about to be written (evs_validate_event: id, source, type, time, ...) are checked first.
 * Errors: EVS_ERR_INVALID_ARG (p/msg NULL, the message unknown to the registry,
 * no topic, a type the message does not carry or that differs from its type field), EVS_ERR_VALIDATION
 * (the event breaks a rule: err->msg is the summary of the violations, attrs->violations receives them
 * all; counted in stats.invalid; this event only, the next one can be sent), EVS_ERR_TIMEOUT
 * (queue_full_timeout_ms passed), EVS_ERR_LIMIT (the record is larger than message.max.bytes: this event
 * only, the next one can be sent), EVS_ERR_KAFKA (librdkafka refused the record, or a fatal
 * producer error: the event was not taken), EVS_ERR_NOMEM. On failure the event is not enqueued and not
 * spooled: the caller still has it.
 */
EVS_API EVS_NODISCARD evs_status evs_producer_send(evs_producer *p, const evs_event_attrs *attrs,
                                                   const ProtobufCMessage *msg, evs_error *err);

/* One header of a raw record. value NULL = a null header value. */
struct evs_kafka_header {
  const char *name;
  const void *value;
  size_t value_len;
};

/* Enqueues a record as is (used by spool replay and for foreign records): topic required, key/value may be
 * NULL (null key / null value). Same back-pressure and error rules as evs_producer_send(); the bytes are
 * not validated (they are no decoded event). */
EVS_API EVS_NODISCARD evs_status evs_producer_send_raw(evs_producer *p, const char *topic, const void *key,
                                                       size_t key_len, const evs_kafka_header *headers,
                                                       size_t n_headers, const void *value, size_t value_len,
                                                       void *opaque, evs_error *err);

/* Serves delivery reports for up to timeout_ms (0 = only what is ready). Returns how many were served. */
EVS_API int evs_producer_poll(evs_producer *p, int timeout_ms);

/* Waits until every enqueued event has its delivery report, up to timeout_ms (< 0 = no limit).
 * EVS_ERR_TIMEOUT when some are still pending (they stay queued). */
EVS_API EVS_NODISCARD evs_status evs_producer_flush(evs_producer *p, int timeout_ms, evs_error *err);

/* Copies the counters into *out. */
EVS_API void evs_producer_stats_get(const evs_producer *p, evs_producer_stats *out);

/* Flushes for up to timeout_ms (< 0 = no limit), then purges whatever is still pending, reporting each as
 * failed (and spooling it), closes the spool (fsync) and frees the producer. Returns the number of events
 * that were never delivered over the producer's life (= stats.failed). NULL: returns 0. A purged in-flight
 * record may still have been written by the broker: consumers deduplicate by event id. */
EVS_API uint64_t evs_producer_close(evs_producer *p, int timeout_ms);

/* evs_producer_close() that also copies the final counters (after the purge and the spool's fsync) into
 * *final (may be NULL). A failed fsync is reported there (spool_sync_failed, spool_error) instead of on
 * stderr. */
EVS_API uint64_t evs_producer_close_stats(evs_producer *p, int timeout_ms, evs_producer_stats *final);

/* The underlying rd_kafka_t * (for metrics or librdkafka calls evs does not wrap). Owned by p. */
EVS_API void *evs_producer_rd_handle(evs_producer *p);

/* ---- spool -------------------------------------------------------------------------------------------- */

/* Result of a replay. */
typedef struct evs_spool_replay_stats {
  uint64_t read, delivered, failed; /* failed records are in the rewritten spool file */
  uint64_t damaged, damaged_bytes;  /* damaged regions skipped (moved to PATH.damaged) and their bytes */
} evs_spool_replay_stats;

/* A damaged region of a spool file: bytes [offset, offset + length) that hold no intact record. */
typedef struct evs_spool_damage {
  uint64_t offset, length;
  evs_status code; /* EVS_ERR_TRUNCATED (cut off), EVS_ERR_SYNTAX (checksum, malformed), EVS_ERR_LIMIT */
  const char *why; /* valid during the call */
} evs_spool_damage;
typedef void (*evs_spool_damage_fn)(const evs_spool_damage *d, void *ctx);

/* Re-sends every intact record of the spool file at `path` through p (topic, key, headers, value as
 * spooled), flushes for up to timeout_ms, and replaces the file with only the records that failed again
 * (removing it when none did). Records are not validated again, whatever the producer's no_validate: they
 * were checked (or deliberately not) when first sent, and refusing them now would strand them. Damaged
 * regions are skipped, reported to on_damaged (may be NULL) and counted, and their bytes appended to
 * PATH.damaged; records after them are still sent. The file is locked for the whole run: producers appending
 * to it wait, and nothing they append is lost. The producer must not have a spool_path equal to `path`. When
 * the rewrite cannot be completed (saving the damaged bytes, writing or syncing the new file, renaming it)
 * the original file is left as it was (its records may then be sent again: consumers deduplicate by ce_id).
 * Errors: EVS_ERR_NOT_FOUND, EVS_ERR_IO, EVS_ERR_SYNTAX / EVS_ERR_TRUNCATED / EVS_ERR_UNSUPPORTED (not a
 * spool file: nothing is sent), EVS_ERR_TIMEOUT (flush did not finish: undelivered records are kept in the
 * file), EVS_ERR_KAFKA (a send failed: the records not sent are kept in the file). */
EVS_API EVS_NODISCARD evs_status evs_spool_replay_ex(evs_producer *p, const char *path, int timeout_ms,
                                                     evs_spool_damage_fn on_damaged, void *ctx,
                                                     evs_spool_replay_stats *stats, evs_error *err);
/* evs_spool_replay_ex() without a damage callback. */
EVS_API EVS_NODISCARD evs_status evs_spool_replay(evs_producer *p, const char *path, int timeout_ms,
                                                  evs_spool_replay_stats *stats, evs_error *err);

/* Number of records in a spool file, checking every record: the first damaged one is the error (with its
 * byte offset). EVS_ERR_NOT_FOUND when it does not exist. */
EVS_API EVS_NODISCARD evs_status evs_spool_count(const char *path, uint64_t *count, evs_error *err);

/* ---- cluster metadata (evs topics, kcat -L) ---------------------------------------------------------- */

typedef struct evs_kafka_broker_info {
  int32_t id;
  const char *host;
  int port;
} evs_kafka_broker_info;

typedef struct evs_kafka_partition_info {
  int32_t id;
  int32_t leader; /* broker id, -1 when none */
  const int32_t *replicas, *isrs;
  size_t n_replicas, n_isrs;
  const char *error; /* librdkafka's text for the partition's error, NULL when none */
} evs_kafka_partition_info;

typedef struct evs_kafka_topic_info {
  const char *name;
  const char *error; /* NULL when none */
  const evs_kafka_partition_info *partitions;
  size_t n_partitions;
} evs_kafka_topic_info;

/* The cluster as one broker describes it; everything is owned by the struct (evs_kafka_metadata_free). */
typedef struct evs_kafka_metadata {
  int32_t orig_broker_id;       /* the broker that answered */
  const char *orig_broker_name; /* its host:port/id */
  const evs_kafka_broker_info *brokers;
  size_t n_brokers;
  const evs_kafka_topic_info *topics; /* sorted by name */
  size_t n_topics;
} evs_kafka_metadata;

/* Connects with conf and asks for the metadata of every topic (never one by name, which lets a broker
 * auto-create it), keeping only `topic` when not NULL. timeout_ms <= 0 = 10000. Errors: EVS_ERR_TIMEOUT
 * (no broker answered), EVS_ERR_NOT_FOUND (topic given and unknown), EVS_ERR_INVALID_ARG (conf, a
 * property), EVS_ERR_KAFKA, EVS_ERR_NOMEM. *out is NULL on failure. */
EVS_API EVS_NODISCARD evs_status evs_kafka_metadata_get(const evs_kafka_conf *conf, const char *topic,
                                                        int timeout_ms, evs_kafka_metadata **out,
                                                        evs_error *err);
/* Frees what evs_kafka_metadata_get() returned. NULL is a no-op. */
EVS_API void evs_kafka_metadata_free(evs_kafka_metadata *md);

/* ---- consumer ----------------------------------------------------------------------------------------- */

typedef struct evs_consumer evs_consumer;

/* A consumed record as the handler sees it. Strings are NUL-terminated, NULL when the header is absent. */
typedef struct evs_record {
  const char *topic;
  int32_t partition;
  int64_t offset;
  int64_t timestamp_ms; /* record timestamp, -1 when none */
  const void *key;      /* NULL for a null key */
  size_t key_len;
  const void *value; /* the raw value (framing included), NULL for a null value */
  size_t value_len;
  const char *id, *source, *type, *specversion, *time, *subject, *dataschema, *content_type;
  const char *correlation_id, *causation_id, *schema_version, *tags;
  const evs_message *schema;       /* the payload's message type */
  const ProtobufCMessage *msg;     /* the decoded payload; owned by the consumer */
  int attempt;                     /* 1 on first delivery to the handler, 2 on the first retry, ... */
  const evs_kafka_header *headers; /* every header of the record, in record order */
  size_t n_headers;
  /* Only in an on_undecodable call for a record refused by validation (evs_consumer_options.validate):
   * its violations (envelope attributes first, then the payload's, paths "data.<field>"); schema and msg
   * are then set too (the record decoded). NULL otherwise. */
  const evs_violations *violations;
} evs_record;

/* Where a viewer (evs_consumer_options.viewer) starts reading each partition it assigns itself. */
typedef enum evs_offset_kind {
  EVS_OFFSET_DEFAULT = 0, /* the oldest record when from_beginning, else the end */
  EVS_OFFSET_BEGINNING,
  EVS_OFFSET_END,
  EVS_OFFSET_ABSOLUTE, /* value = the offset (past the end = the end) */
  EVS_OFFSET_TAIL,     /* value = that many records before the end */
  EVS_OFFSET_TIMESTAMP /* value = Unix ms: the first record with a timestamp at or after it */
} evs_offset_kind;
typedef struct evs_offset_spec {
  evs_offset_kind kind;
  int64_t value;
} evs_offset_spec;

/* A viewer's undecodable record: rec as far as known (msg and schema NULL; the attributes NULL when the
 * headers themselves are invalid), why it could not be decoded. With validate, also a decoded record that
 * breaks a rule (rec->violations set: see evs_record). EVS_OK = go on; anything else stops
 * evs_consumer_poll with that status and err. */
typedef evs_status (*evs_undecodable_fn)(const evs_record *rec, const char *why, void *ctx, evs_error *err);

/* A handler: EVS_OK = processed (the offset may be committed); EVS_ERR_IO or EVS_ERR_NOMEM = the handler's
 * own environment failed (its output cannot be written, memory ran out), not the record: evs_consumer_poll
 * returns that error at once, with no retry and no dead letter, and the record is read again by the next
 * poll; anything else = the record failed, retried after a back-off up to max_attempts times, then
 * dead-lettered with err's message. */
typedef evs_status (*evs_handler_fn)(const evs_record *rec, void *ctx, evs_error *err);

typedef struct evs_consumer_options {
  evs_kafka_conf kafka;
  const evs_registry *registry; /* NULL = evs_registry_builtin(); must outlive the consumer */
  const char *group_id;         /* NULL = "evs-consumer" */
  const char *const *topics;    /* n_topics topics to subscribe to (>= 1) */
  size_t n_topics;
  bool from_beginning; /* auto.offset.reset=earliest (else latest) for a group without commits */
  /* Dead-letter topic for undecodable records and records whose handler kept failing; NULL = each
   * source topic + ".dlq"; "" = none (such a record then stops evs_consumer_poll with an error, its offset
   * not stored, so it is read again next time). */
  const char *dlq_topic;
  int max_attempts;     /* handler calls per record before dead-lettering; 0 = 3 */
  int backoff_ms;       /* wait before the first retry, doubled each time; 0 = 100; < 0 = no wait */
  int max_backoff_ms;   /* cap of the back-off; 0 = 5000 */
  size_t dedupe_window; /* remember this many recently handled event ids (source + id) and skip records
                         * that repeat one; 0 = 10000; SIZE_MAX = off */
  /* Viewer mode: read without a group and change nothing in Kafka. The consumer assigns itself the
   * partitions of the topics (all of them, or those in `partitions`), starting at `start`; it commits and
   * stores no offset, writes no dead letter and does not deduplicate; an undecodable record goes to
   * on_undecodable (NULL = evs_consumer_poll fails with EVS_ERR_VALIDATION) and reading goes on.
   * group_id, dlq_topic and the retries still apply to the handler (a handler that keeps failing is
   * reported to on_undecodable). evs_consumer_at_end() tells when every partition is read to its end. */
  bool viewer;
  const int32_t *partitions; /* viewer: n_partitions partition numbers taken from every topic; NULL = all */
  size_t n_partitions;
  evs_offset_spec start;
  evs_undecodable_fn on_undecodable;
  void *undecodable_ctx;
  /* Longest wait for the cluster's metadata when the consumer is created: a viewer always fetches it (the
   * partitions to assign), a group consumer only when this is > 0 (to fail at once on a missing topic).
   * A topic the cluster does not know is EVS_ERR_NOT_FOUND, no answer in time EVS_ERR_TIMEOUT (brokers
   * unreachable). 0 = 10000 for a viewer. */
  int metadata_timeout_ms;
  /* Check every decoded record against the rules (docs/validation.md): the payload's field rules and the
   * envelope's (registered type, UUIDv7 id, ...). Off by default: a consumer reads events others wrote,
   * and refusing them is a choice. An invalid record is treated as an undecodable one: dead-lettered
   * (stage "validate", evs_dlq_reason = "invalid event: <summary>", evs_dlq_violations = the violations
   * as a JSON array) or, in viewer mode, handed to on_undecodable with rec->violations; never to a
   * handler. The consumer compiles the rules of its registry once, at evs_consumer_new(). */
  bool validate;
  /* Offsets kept outside Kafka (a sink that stores them in one transaction with what it writes; group mode
   * only): on every assignment the consumer asks offset_for for each partition's next offset and starts
   * there (RD_KAFKA_OFFSET_BEGINNING = -2 when none is stored; a value below -2 = the lookup failed: the
   * partition is left unassigned and the caller, told by its own offset_for, should stop); on every
   * revocation, and when the consumer closes, it calls on_revoke first (finish or drop the work of the
   * partitions going away). Both run inside evs_consumer_poll() / evs_consumer_close(). NULL = Kafka's
   * committed offsets. */
  int64_t (*offset_for)(const char *topic, int32_t partition, void *ctx);
  void (*on_revoke)(void *ctx);
  void *offsets_ctx;
} evs_consumer_options;

typedef struct evs_consumer_stats {
  uint64_t received;      /* records read */
  uint64_t handled;       /* handler returned EVS_OK */
  uint64_t retries;       /* handler calls after a failure */
  uint64_t duplicates;    /* skipped by the dedupe window */
  uint64_t unhandled;     /* decoded but no handler for the type (offset stored) */
  uint64_t dead_lettered; /* sent to the dead-letter topic */
  uint64_t decode_errors; /* records that could not be decoded (dead-lettered or stopped the poll) */
  uint64_t errors;        /* non-fatal client errors (unknown topic, broker down, ...): librdkafka retries */
  char last_error[200];   /* "<error name>: <text>" of the latest of those, "" when none */
  uint64_t invalid;       /* decoded records that broke a rule (validate): dead-lettered or reported */
} evs_consumer_stats;

/* Creates a consumer in group opts->group_id subscribed to opts->topics, with at-least-once settings
 * (auto commit of offsets stored only after handling), or a viewer (opts->viewer) with its partitions
 * assigned. Errors as evs_producer_new(), and EVS_ERR_NOT_FOUND (a topic or partition the cluster does not
 * have) / EVS_ERR_TIMEOUT (no metadata in time) when metadata is fetched (see metadata_timeout_ms). */
EVS_API EVS_NODISCARD evs_status evs_consumer_new(const evs_consumer_options *opts, evs_consumer **out,
                                                  evs_error *err);

/* Registers the handler for event type `type` (a ce_type value); NULL or "*" = the handler for every type
 * without its own. A later call for the same type replaces it. EVS_ERR_INVALID_ARG (c or fn NULL),
 * EVS_ERR_NOMEM. */
EVS_API EVS_NODISCARD evs_status evs_consumer_on(evs_consumer *c, const char *type, evs_handler_fn fn,
                                                 void *ctx, evs_error *err);

/* Reads at most one record, waiting up to timeout_ms, and runs it through decode (evs_binary_unpack: a
 * value too deep, too large or malformed is a decode error, dead-lettered), dedupe, handler (with
 * retries) and the dead-letter topic; stores its offset once it is done with. *processed (may be NULL) is
 * 1 when a record was consumed, else 0. When this returns an error for a record, its offset is not stored
 * and the partition is moved back to it, so the next poll reads it again and no later record can commit
 * past it. Errors: EVS_ERR_KAFKA (a consumer error, or the dead-letter produce failed),
 * EVS_ERR_VALIDATION (a record that cannot be handled and no dead-letter topic), EVS_ERR_IO /
 * EVS_ERR_NOMEM (from the handler, or memory ran out decoding). */
EVS_API EVS_NODISCARD evs_status evs_consumer_poll(evs_consumer *c, int timeout_ms, int *processed,
                                                   evs_error *err);

/* Commits the stored offsets now (synchronously). */
EVS_API EVS_NODISCARD evs_status evs_consumer_commit(evs_consumer *c, evs_error *err);

/* The group's committed offset of topic/partition (-1001 = none), asking the broker. */
EVS_API EVS_NODISCARD evs_status evs_consumer_committed(evs_consumer *c, const char *topic, int32_t partition,
                                                        int timeout_ms, int64_t *offset, evs_error *err);

EVS_API void evs_consumer_stats_get(const evs_consumer *c, evs_consumer_stats *out);

/* Viewer: true once every assigned partition has been read to its end (no record since its last
 * end-of-partition event). Always false for a group consumer and for NULL. */
EVS_API bool evs_consumer_at_end(const evs_consumer *c);

/* Commits stored offsets, leaves the group (a viewer: neither) and frees the consumer. NULL is a no-op. */
EVS_API void evs_consumer_close(evs_consumer *c);

/* ---- Confluent Schema Registry framing (docs: shared wire format) ---------------------------------------
 */

/* Longest message-index path handled. */
#define EVS_CONFLUENT_MAX_INDEXES 32

/* The message-index path of msg inside its file: declaration-order positions from the top-level message
 * down. Writes up to max entries to out and returns the path length (0 on NULL). */
EVS_API size_t evs_confluent_message_indexes(const evs_message *msg, int32_t *out, size_t max);

/* Writes the framing prefix (0x00, big-endian schema id, zigzag-varint indexes; [0] as the single byte 0)
 * to out, which must hold 5 + 5 * (n + 1) bytes; returns the prefix length. */
EVS_API size_t evs_confluent_write_prefix(uint8_t *out, int32_t schema_id, const int32_t *indexes, size_t n);

/* Parses a framed value: *schema_id, the index path (up to EVS_CONFLUENT_MAX_INDEXES into indexes, count in
 * *n_indexes; a count of 0 on the wire gives the path [0]) and *payload_offset where the protobuf starts.
 * Errors: EVS_ERR_TRUNCATED (too short, a varint running off the end), EVS_ERR_SYNTAX (magic byte not 0,
 * a varint longer than 5 bytes, a negative index or count), EVS_ERR_LIMIT (more than
 * EVS_CONFLUENT_MAX_INDEXES indexes). */
EVS_API EVS_NODISCARD evs_status evs_confluent_parse(const uint8_t *data, size_t len, int32_t *schema_id,
                                                     int32_t *indexes, size_t *n_indexes,
                                                     size_t *payload_offset, evs_error *err);

/* ---- embedded broker (librdkafka mock cluster, loopback only) --------------------------------------------
 */

typedef struct evs_mock_broker evs_mock_broker;

/* Starts an in-process Kafka cluster of n_brokers (1..16) on 127.0.0.1 with random ports. Errors:
 * EVS_ERR_INVALID_ARG, EVS_ERR_KAFKA. It serves requests from librdkafka threads until freed. */
EVS_API EVS_NODISCARD evs_status evs_mock_broker_new(int n_brokers, evs_mock_broker **out, evs_error *err);
/* The bootstrap.servers string ("127.0.0.1:PORT,..."), owned by the broker. */
EVS_API const char *evs_mock_broker_bootstraps(const evs_mock_broker *b);
/* Creates a topic with `partitions` partitions (replication min(3, brokers)). EVS_ERR_KAFKA on failure. */
EVS_API EVS_NODISCARD evs_status evs_mock_broker_create_topic(evs_mock_broker *b, const char *topic,
                                                              int partitions, evs_error *err);
/* The rd_kafka_mock_cluster_t * for fault injection with rdkafka_mock.h. Owned by b. */
EVS_API void *evs_mock_broker_cluster(evs_mock_broker *b);
/* Stops the cluster. Close every client that uses it first. NULL is a no-op. */
EVS_API void evs_mock_broker_free(evs_mock_broker *b);

EVS_EXTERN_C_END

#endif
