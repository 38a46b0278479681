/* Internal plumbing of the Kafka module (not installed): configuration, headers, spool records, the
 * field reader for keys and types, and the dedupe window. */
#ifndef EVS_KAFKA_INTERNAL_H
#define EVS_KAFKA_INTERNAL_H

#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "evs/buf.h"
#include "evs/kafka.h"
#include "kafka/kafka_lib.h"

/* ---- conf.c ---- */

/* A new rd_kafka_conf_t with evs's defaults (`defaults`, NULL-terminated key/value pairs), then brokers,
 * then the user's properties. NULL on failure (err filled, secrets redacted). */
rd_kafka_conf_t *evs_kafka_conf_build(const evs_kafka_conf *kc, const char *const *defaults, evs_error *err);
/* rd_kafka_conf_new() with evs's log callback: every handle evs makes (producer, consumer, dead-letter
 * producer, metadata, mock cluster) starts from it. Reads $EVS_KAFKA_LOG, in the caller's thread. NULL when
 * out of memory. */
rd_kafka_conf_t *evs_kafka_conf_new(void);
/* The one librdkafka log callback: silent unless $EVS_KAFKA_LOG was set when the last configuration was
 * made (evs_kafka_conf_new), then "librdkafka <level> <facility>: <line>" on stderr, redacted
 * (evs_kafka_redact). Safe from any librdkafka thread: it keeps no state and reads only an atomic flag. */
void evs_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf);
/* Producer defaults (key, value pairs, NULL-terminated): idempotence and acks=all. */
extern const char *const evs_kafka_producer_defaults[];
/* rd_kafka_new() that fills err (with the redacted errstr) and destroys conf on failure. */
rd_kafka_t *evs_kafka_new_handle(rd_kafka_type_t type, rd_kafka_conf_t *conf, evs_error *err);
/* EVS_ERR_TIMEOUT for timeouts, else EVS_ERR_KAFKA, with "<name>: <text>" and a context prefix. */
evs_status evs_kafka_fail(evs_error *err, rd_kafka_resp_err_t code, const char *context);
/* The status an rd_kafka error maps to. */
evs_status evs_kafka_status(rd_kafka_resp_err_t code);
/* Copies src to dst (n bytes) with the value after "key=" (or "key = ") replaced by "[redacted]" wherever a
 * secret property name appears in src (librdkafka errstr texts quote property values, its debug=conf log
 * lines list them). */
void evs_kafka_redact(char *dst, size_t n, const char *src);

/* ---- metadata.c ---- */

/* The metadata of every topic (never asked for one by name: that may auto-create it). EVS_ERR_TIMEOUT when
 * no broker answers within timeout_ms; free *md with rd_kafka_metadata_destroy. */
evs_status evs_kafka_fetch_metadata(rd_kafka_t *rk, int timeout_ms, const rd_kafka_metadata_t **md,
                                    evs_error *err);

/* ---- fieldval.c ---- */

/* Appends the text of the field at path (outermost first) inside msg to out: strings and bytes as is,
 * integers in decimal, bools as true/false, enums by value name (number when unnamed). Returns 1 when the
 * value is present and non-empty, 0 when absent (unset sub-message, unset oneof member, empty string),
 * -1 on allocation failure. */
int evs_kafka_field_text(const ProtobufCMessage *msg, const evs_field *const *path, size_t n, evs_buf *out);

/* ---- headers.c ---- */

/* The CloudEvents attributes of a record's headers (evs_ce_from_headers() over them): strings in store.
 * A NULL h is a record without headers (no attributes). Fails as evs_ce_from_headers(). */
evs_status evs_kafka_ce_from_headers(const rd_kafka_headers_t *h, evs_ce_event *v, evs_buf *store,
                                     evs_error *err);
/* Adds the binary-mode headers of v's attributes (evs_ce_to_headers(), same order and checks) to h.
 * EVS_ERR_INVALID_ARG when an attribute breaks its rule (a caller's value), EVS_ERR_NOMEM. */
evs_status evs_kafka_ce_headers_add(rd_kafka_headers_t *h, const evs_ce_event *v, evs_error *err);

/* consumer.c: the record path after the headers, for the consumer and its fuzz target. Resolves the
 * payload's type from the attributes (ce_dataschema, ce_type, ce_schemaversion), strips Confluent framing
 * and unpacks through evs_binary_unpack. EVS_OK with *out (free with protobuf_c_message_free_unpacked(..,
 * NULL)), else the status with `why` (*schema is set once the type is known). */
evs_status evs_consumer_decode_value(const evs_registry *reg, const evs_ce_event *v, const uint8_t *data,
                                     size_t len, const evs_message **schema, ProtobufCMessage **out,
                                     char *why, size_t n);

/* consumer.c: the whole record after the headers (v: their attributes). content-type decides the form:
 * application/cloudevents+json = structured mode (the value is a JSON event parsed into *v, strings in
 * store; its `data` or `data_base64` is the payload), a JSON media type = binary mode with JSON data
 * (evs_json_decode against the type), anything else = protobuf as evs_consumer_decode_value(). */
evs_status evs_consumer_decode_record(const evs_registry *reg, evs_ce_event *v, const uint8_t *value,
                                      size_t len, evs_buf *store, const evs_message **schema,
                                      ProtobufCMessage **out, char *why, size_t n);

/* ---- validate.c: evs_kafka_validate is in kafka_lib.h ---- */

/* ---- spool.c ---- */

#define EVS_SPOOL_MAGIC "EVSSPOOL"
#define EVS_SPOOL_VERSION 1

/* Appends records to a spool file, shared safely with other writers (see spool.c). Zero-initialise. */
typedef struct evs_spool_writer {
  int fd;
  bool open, regular, checked; /* checked: the file up to `end` was read back and is appendable */
  char *path;
  uint64_t end;      /* the file's size after our last append or check, while we hold the lock */
  uint64_t tail_cut; /* bytes of cut-off records removed before appending (the caller may reset it) */
} evs_spool_writer;

/* Appends one record (opening the file, and writing the file header when it is empty). EVS_OK only when
 * the whole record reached the file; on failure nothing of it stays there. EVS_ERR_SYNTAX when the file
 * is not a spool file (nothing is written to it). */
evs_status evs_spool_append(evs_spool_writer *w, const char *path, const char *topic, const void *key,
                            size_t key_len, const rd_kafka_headers_t *headers, const void *value,
                            size_t value_len, const char *error, evs_error *err);
/* Appends n bytes of already framed records (copied from another spool file) in one locked write. */
evs_status evs_spool_append_raw(evs_spool_writer *w, const char *path, const void *records, size_t n,
                                evs_error *err);
/* fsync (regular files) + close; resets *w. */
evs_status evs_spool_close(evs_spool_writer *w, evs_error *err);

/* One record read back; pointers into the reader's buffer, valid until the next read. */
typedef struct evs_spool_record {
  const char *topic;
  const uint8_t *key;
  size_t key_len;
  bool has_key;
  evs_kafka_header *headers;
  size_t n_headers;
  const uint8_t *value;
  size_t value_len;
  bool has_value;
  const char *error;
} evs_spool_record;

typedef struct evs_spool_reader {
  int fd; /* -1 when closed */
  bool own_fd;
  const char *path;
  uint64_t offset, size;
  uint64_t rec_offset; /* where the record last returned starts */
  uint64_t damaged_offset,
      damaged_len; /* the region the last error skipped; len 0 = the error stops reading */
  evs_buf body;
  evs_kafka_header *headers;
  size_t cap_headers;
  size_t *name_len;
  uint8_t *strings; /* NUL-terminated topic, header names and error of the current record */
  uint64_t win_off; /* bytes [win_off, win_off + win_len) of the file are in win */
  size_t win_len;
  uint8_t win[4096];
} evs_spool_reader;

/* Opens and locks a spool file for reading (shared lock; exclusive for a replay, which rewrites it) and
 * checks its header. The lock is held until evs_spool_reader_close(). */
evs_status evs_spool_open_locked(evs_spool_reader *r, const char *path, bool exclusive, evs_error *err);
/* evs_spool_open_locked(r, path, false, err). */
evs_status evs_spool_open(evs_spool_reader *r, const char *path, evs_error *err);
/* Reads an already open fd (not locked, not closed by the reader; for the fuzzer and tests). */
evs_status evs_spool_open_fd(evs_spool_reader *r, int fd, const char *path, evs_error *err);
/* Reads the next record. *more says whether reading may go on:
 *   EVS_OK, *more = true:    *rec is the next record (valid until the next call).
 *   EVS_OK, *more = false:   end of file.
 *   an error, *more = true:  a damaged region was skipped (err filled, with its offset; r->damaged_offset
 *                            and r->damaged_len > 0 say where): the next call returns the next intact record.
 *   an error, *more = false: reading must stop (I/O, memory; err filled). */
evs_status evs_spool_next(evs_spool_reader *r, evs_spool_record *rec, bool *more, evs_error *err);
void evs_spool_reader_close(evs_spool_reader *r);

/* ---- dedupe.c ---- */

typedef struct evs_dedupe evs_dedupe;
evs_dedupe *evs_dedupe_new(size_t window);
/* True when key (source + '\0' + id) was added within the last `window` adds. */
bool evs_dedupe_seen(const evs_dedupe *d, const char *source, const char *id);
/* Remembers the key, forgetting the oldest when the window is full. false on allocation failure. */
bool evs_dedupe_add(evs_dedupe *d, const char *source, const char *id);
void evs_dedupe_free(evs_dedupe *d);

/* ---- dlq.c ---- */

typedef struct evs_dlq evs_dlq;
/* A producer for dead letters (idempotent, acks=all), connected like the consumer. */
evs_dlq *evs_dlq_new(const evs_kafka_conf *kc, evs_error *err);
/* Produces m's key, value and headers plus evs_dlq_* error headers and the n_extra headers `extra` to
 * `topic` and waits for its delivery report (up to 30 s). EVS_OK only once the broker has the record. */
evs_status evs_dlq_send(evs_dlq *d, const char *topic, const rd_kafka_message_t *m, const char *stage,
                        const char *reason, int attempts, const evs_kafka_header *extra, size_t n_extra,
                        evs_error *err);
void evs_dlq_free(evs_dlq *d);

#endif
