/* The event consumer: at-least-once (an offset is stored only once its record is handled, dead-lettered or
 * skipped as a duplicate), decoding by ce_dataschema / ce_type through the registry, per-type handlers
 * with retries and back-off, a dead-letter topic and a dedupe window over event ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error_internal.h"
#include "evs/json.h"
#include "kafka/kafka_internal.h"

typedef struct handler {
  char *type; /* NULL = the default handler */
  evs_handler_fn fn;
  void *ctx;
} handler;

struct evs_consumer {
  rd_kafka_t *rk;
  evs_dlq *dlq;
  const evs_registry *reg;
  char *dlq_topic; /* NULL = per source topic */
  bool dlq_off;
  handler *handlers;
  size_t n_handlers;
  int max_attempts, backoff_ms, max_backoff_ms;
  evs_dedupe *dedupe;
  evs_buf ce_store; /* the current record's attribute strings */
  evs_consumer_stats st;
};

/* Client-level errors (brokers unreachable, ...) arrive here, in the thread calling evs_consumer_poll()
 * (rd_kafka_poll_set_consumer forwards the main queue): counted and kept for the caller. */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk;
  evs_consumer *c = opaque;
  char text[sizeof c->st.last_error];
  snprintf(text, sizeof text, "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
  c->st.errors++;
  evs_kafka_redact(c->st.last_error, sizeof c->st.last_error, text);
}

void evs_consumer_close(evs_consumer *c) {
  if (!c) return;
  if (c->rk) {
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
  }
  evs_dlq_free(c->dlq);
  for (size_t i = 0; i < c->n_handlers; i++) free(c->handlers[i].type);
  free(c->handlers);
  free(c->dlq_topic);
  evs_dedupe_free(c->dedupe);
  evs_buf_free(&c->ce_store);
  free(c);
}

evs_status evs_consumer_new(const evs_consumer_options *opts, evs_consumer **out, evs_error *err) {
  evs_error local; /* the helpers report through err: keep their status even when the caller passes NULL */
  if (!err) err = &local;
  if (out) *out = NULL;
  if (!opts || !out) return evs_fail(err, EVS_ERR_INVALID_ARG, "consumer options or out is NULL");
  if (!opts->n_topics || !opts->topics) return evs_fail(err, EVS_ERR_INVALID_ARG, "no topic to consume");
  const evs_registry *reg = opts->registry ? opts->registry : evs_registry_builtin(err);
  if (!reg) return err->code;
  const char *defaults[] = {"group.id",
                            opts->group_id && *opts->group_id ? opts->group_id : "evs-consumer",
                            "enable.auto.commit",
                            "true",
                            "enable.auto.offset.store",
                            "false",
                            "auto.offset.reset",
                            opts->from_beginning ? "earliest" : "latest",
                            NULL};
  rd_kafka_conf_t *conf = evs_kafka_conf_build(&opts->kafka, defaults, err);
  if (!conf) return err->code;
  evs_consumer *c = calloc(1, sizeof *c);
  if (!c) {
    rd_kafka_conf_destroy(conf);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the consumer");
  }
  c->reg = reg;
  c->max_attempts = opts->max_attempts > 0 ? opts->max_attempts : 3;
  c->backoff_ms = opts->backoff_ms == 0 ? 100 : opts->backoff_ms < 0 ? 0 : opts->backoff_ms;
  c->max_backoff_ms = opts->max_backoff_ms > 0 ? opts->max_backoff_ms : 5000;
  if (opts->dlq_topic && !*opts->dlq_topic) {
    c->dlq_off = true;
  } else if (opts->dlq_topic && !(c->dlq_topic = strdup(opts->dlq_topic))) {
    rd_kafka_conf_destroy(conf);
    evs_consumer_close(c);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the consumer");
  }
  if (opts->dedupe_window != SIZE_MAX) {
    c->dedupe = evs_dedupe_new(opts->dedupe_window ? opts->dedupe_window : 10000);
    if (!c->dedupe) {
      rd_kafka_conf_destroy(conf);
      evs_consumer_close(c);
      return evs_fail(err, EVS_ERR_INVALID_ARG, "dedupe window of %zu ids is not possible",
                      opts->dedupe_window);
    }
  }
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_opaque(conf, c);
  c->rk = evs_kafka_new_handle(RD_KAFKA_CONSUMER, conf, err);
  if (!c->rk) {
    evs_consumer_close(c);
    return err->code;
  }
  rd_kafka_poll_set_consumer(c->rk);
  if (!c->dlq_off && !(c->dlq = evs_dlq_new(&opts->kafka, err))) {
    evs_consumer_close(c);
    return err->code;
  }
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)opts->n_topics);
  for (size_t i = 0; i < opts->n_topics; i++)
    rd_kafka_topic_partition_list_add(list, opts->topics[i], RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) {
    evs_consumer_close(c);
    return evs_kafka_fail(err, e, "subscribe");
  }
  *out = c;
  return EVS_OK;
}

evs_status evs_consumer_on(evs_consumer *c, const char *type, evs_handler_fn fn, void *ctx, evs_error *err) {
  if (!c || !fn) return evs_fail(err, EVS_ERR_INVALID_ARG, "consumer or handler is NULL");
  if (type && strcmp(type, "*") == 0) type = NULL;
  for (size_t i = 0; i < c->n_handlers; i++) {
    handler *h = &c->handlers[i];
    if ((!type && !h->type) || (type && h->type && strcmp(type, h->type) == 0)) {
      h->fn = fn;
      h->ctx = ctx;
      return EVS_OK;
    }
  }
  handler *hs = realloc(c->handlers, (c->n_handlers + 1) * sizeof *hs);
  if (!hs) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  c->handlers = hs;
  char *copy = type ? strdup(type) : NULL;
  if (type && !copy) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  hs[c->n_handlers++] = (handler){copy, fn, ctx};
  return EVS_OK;
}

static const handler *find_handler(const evs_consumer *c, const char *type) {
  const handler *def = NULL;
  for (size_t i = 0; i < c->n_handlers; i++) {
    const handler *h = &c->handlers[i];
    if (!h->type)
      def = h;
    else if (type && strcmp(h->type, type) == 0)
      return h;
  }
  return def;
}

static evs_status store_offset(evs_consumer *c, const rd_kafka_message_t *m, evs_error *err) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset + 1;
  rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, list);
  if (!e) e = list->elems[0].err;
  rd_kafka_topic_partition_list_destroy(list);
  /* _STATE: the partition was revoked meanwhile; its next owner reads the record again (at-least-once). */
  if (e && e != RD_KAFKA_RESP_ERR__STATE) return evs_kafka_fail(err, e, "storing the offset");
  return EVS_OK;
}

static void sleep_ms(int ms) {
  if (ms <= 0) return;
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* The payload's message type: ce_dataschema "evs:<full name>", else ce_type (+ ce_schemaversion). */
static const evs_message *resolve(const evs_registry *reg, const evs_ce_event *v, char *why, size_t n) {
  size_t plen = strlen(EVS_KAFKA_DATASCHEMA_PREFIX);
  if (v->dataschema && strncmp(v->dataschema, EVS_KAFKA_DATASCHEMA_PREFIX, plen) == 0) {
    const evs_message *m = evs_registry_find_message(reg, v->dataschema + plen);
    if (m) return m;
  }
  if (v->type) {
    const evs_event_type *t =
        v->schema_version ? evs_registry_find_event_type_version(reg, v->type, v->schema_version) : NULL;
    if (!t) t = evs_registry_find_event_type(reg, v->type);
    if (t) return t->message;
    snprintf(why, n, "unknown event type '%.100s'", v->type);
  } else {
    snprintf(why, n, "record has no ce_type header");
  }
  return NULL;
}

evs_status evs_consumer_decode_value(const evs_registry *reg, const evs_ce_event *v, const uint8_t *data,
                                     size_t len, const evs_message **schema, ProtobufCMessage **out,
                                     char *why, size_t n) {
  *out = NULL;
  *schema = resolve(reg, v, why, n);
  if (!*schema) return EVS_ERR_NOT_FOUND;
  if (!(*schema)->c_desc) {
    snprintf(why, n, "%s has no protobuf-c descriptor",
             (*schema)->full_name); /* defensive: never for a loaded type */
    return EVS_ERR_UNSUPPORTED;
  }
  if (!data) len = 0;
  bool framed = (v->content_type && strcmp(v->content_type, EVS_KAFKA_CONTENT_TYPE_CONFLUENT) == 0) ||
                (len > 0 && data[0] == 0);
  evs_error e;
  evs_error_clear(&e);
  if (framed) {
    size_t off;
    evs_status st = evs_confluent_parse(data, len, NULL, NULL, NULL, &off, &e);
    if (st != EVS_OK) {
      snprintf(why, n, "%s", e.msg);
      return st;
    }
    data += off;
    len -= off;
  }
  /* The value is untrusted: size, structure, depth and strings are checked before protobuf-c unpacks. */
  evs_status st = evs_binary_unpack((*schema)->c_desc, data, len, NULL, NULL, out, &e);
  if (st != EVS_OK) {
    char text[300];
    evs_error_format(&e, text, sizeof text);
    snprintf(why, n, "value is not a valid %s (%zu bytes): %s", (*schema)->full_name, len, text);
  }
  return st;
}

/* A record the consumer could not finish (the handler's environment failed, or a dead letter could not
 * be written) is read again: its offset is not stored, and the partition goes back to it so that later
 * records cannot commit past it. */
static void rewind_to(evs_consumer *c, const rd_kafka_message_t *m) {
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset;
  rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, list, 5000);
  if (e) {
    c->st.errors++;
    snprintf(c->st.last_error, sizeof c->st.last_error, "seeking back to %s[%d]@%lld: %s",
             rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  }
  rd_kafka_topic_partition_list_destroy(list);
}

/* Failures that belong to this process, not to the record: never retried into a dead letter. */
static bool environment_failure(evs_status st) {
  return st == EVS_ERR_IO || st == EVS_ERR_NOMEM;
}

static evs_status dead_letter(evs_consumer *c, const rd_kafka_message_t *m, const char *stage,
                              const char *reason, int attempts, evs_error *err) {
  if (c->dlq_off)
    return evs_fail(err, EVS_ERR_VALIDATION, "%s[%d]@%lld: %s (no dead-letter topic; offset not stored)",
                    rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, reason);
  char topic[512];
  snprintf(topic, sizeof topic, "%s", c->dlq_topic ? c->dlq_topic : rd_kafka_topic_name(m->rkt));
  if (!c->dlq_topic) strncat(topic, ".dlq", sizeof topic - strlen(topic) - 1);
  evs_status st = evs_dlq_send(c->dlq, topic, m, stage, reason, attempts, err);
  if (st != EVS_OK) return st;
  c->st.dead_lettered++;
  return store_offset(c, m, err);
}

static evs_status handle(evs_consumer *c, const rd_kafka_message_t *m, evs_error *err) {
  rd_kafka_headers_t *h = NULL;
  if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR) h = NULL;
  evs_ce_event v;
  char why[400];
  evs_error herr;
  evs_error_clear(&herr);
  /* Headers that are no valid CloudEvents attributes (bad UTF-8, a NUL, a bad time...) make the record
   * undecodable: dead-lettered like a bad value, never passed on with attributes silently dropped. */
  if (evs_kafka_ce_from_headers(h, &v, &c->ce_store, &herr) != EVS_OK) {
    c->st.decode_errors++;
    snprintf(why, sizeof why, "invalid CloudEvents header: %s", herr.msg);
    return dead_letter(c, m, "decode", why, 0, err);
  }
  const evs_message *schema = NULL;
  ProtobufCMessage *msg = NULL;
  evs_status st = evs_consumer_decode_value(c->reg, &v, m->payload, m->payload ? m->len : 0, &schema, &msg,
                                            why, sizeof why);
  if (st == EVS_ERR_NOMEM) return evs_fail(err, st, "%s", why);
  if (st != EVS_OK) {
    c->st.decode_errors++;
    return dead_letter(c, m, "decode", why, 0, err);
  }
  if (c->dedupe && v.id && evs_dedupe_seen(c->dedupe, v.source, v.id)) {
    c->st.duplicates++;
    st = store_offset(c, m, err);
    goto done;
  }
  const handler *hd = find_handler(c, v.type);
  if (!hd) {
    c->st.unhandled++;
    st = store_offset(c, m, err);
    goto done;
  }
  evs_record rec = {
      .topic = rd_kafka_topic_name(m->rkt),
      .partition = m->partition,
      .offset = m->offset,
      .timestamp_ms = rd_kafka_message_timestamp(m, NULL),
      .key = m->key,
      .key_len = m->key_len,
      .value = m->payload,
      .value_len = m->payload ? m->len : 0,
      .id = v.id,
      .source = v.source,
      .type = v.type,
      .specversion = v.specversion,
      .time = v.time,
      .subject = v.subject,
      .dataschema = v.dataschema,
      .content_type = v.content_type,
      .correlation_id = v.correlation_id,
      .causation_id = v.causation_id,
      .schema_version = v.schema_version,
      .tags = v.tags,
      .schema = schema,
      .msg = msg,
  };
  int wait = c->backoff_ms;
  for (int attempt = 1;; attempt++) {
    rec.attempt = attempt;
    evs_error_clear(&herr);
    if (attempt > 1) c->st.retries++;
    evs_status hst = hd->fn(&rec, hd->ctx, &herr);
    if (hst == EVS_OK) {
      c->st.handled++;
      if (c->dedupe && v.id) evs_dedupe_add(c->dedupe, v.source, v.id);
      st = store_offset(c, m, err);
      break;
    }
    if (environment_failure(hst)) {
      st = evs_fail(err, hst, "handler: %s", herr.msg[0] ? herr.msg : evs_status_name(hst));
      break;
    }
    if (attempt >= c->max_attempts) {
      snprintf(why, sizeof why, "handler failed %d times: %s", attempt,
               herr.msg[0] ? herr.msg : "(no message)");
      st = dead_letter(c, m, "handler", why, attempt, err);
      break;
    }
    sleep_ms(wait);
    wait = wait * 2 > c->max_backoff_ms ? c->max_backoff_ms : wait * 2;
  }
done:
  protobuf_c_message_free_unpacked(msg, NULL);
  return st;
}

evs_status evs_consumer_poll(evs_consumer *c, int timeout_ms, int *processed, evs_error *err) {
  if (processed) *processed = 0;
  if (!c) return evs_fail(err, EVS_ERR_INVALID_ARG, "consumer is NULL");
  rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
  if (!m) return EVS_OK;
  if (m->err) {
    rd_kafka_resp_err_t e = m->err;
    char detail[sizeof c->st.last_error];
    snprintf(detail, sizeof detail, "%s: %s", rd_kafka_err2name(e), rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
    char reason[256];
    if (e == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_fatal_error(c->rk, reason, sizeof reason))
      return evs_kafka_fail(err, e, "consumer");
    /* Partition EOF, an unknown topic, transport hiccups: librdkafka recovers by itself; count them. */
    if (e != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      c->st.errors++;
      evs_kafka_redact(c->st.last_error, sizeof c->st.last_error, detail);
    }
    return EVS_OK;
  }
  if (processed) *processed = 1;
  c->st.received++;
  evs_status st = handle(c, m, err);
  if (st != EVS_OK) rewind_to(c, m);
  rd_kafka_message_destroy(m);
  return st;
}

evs_status evs_consumer_commit(evs_consumer *c, evs_error *err) {
  if (!c) return evs_fail(err, EVS_ERR_INVALID_ARG, "consumer is NULL");
  rd_kafka_resp_err_t e = rd_kafka_commit(c->rk, NULL, 0);
  if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) return evs_kafka_fail(err, e, "commit");
  return EVS_OK;
}

evs_status evs_consumer_committed(evs_consumer *c, const char *topic, int32_t partition, int timeout_ms,
                                  int64_t *offset, evs_error *err) {
  if (!c || !topic || !offset) return evs_fail(err, EVS_ERR_INVALID_ARG, "consumer, topic or offset is NULL");
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic, partition);
  rd_kafka_resp_err_t e = rd_kafka_committed(c->rk, list, timeout_ms);
  if (!e) e = list->elems[0].err;
  *offset = list->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(list);
  if (e) return evs_kafka_fail(err, e, "committed offsets");
  return EVS_OK;
}

void evs_consumer_stats_get(const evs_consumer *c, evs_consumer_stats *out) {
  if (!out) return;
  if (!c) {
    memset(out, 0, sizeof *out);
    return;
  }
  *out = c->st;
}
