/* The event producer: envelope attributes -> CloudEvents headers, payload -> record value, delivery
 * reports -> callback, counters and the spool. STYLE.md §10: errors at creation (errstr), at enqueue
 * (queue full: poll and retry) and at delivery (exactly one report per record). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "evs/timeutil.h"
#include "evs/uuid.h"
#include "kafka/kafka_internal.h"

struct evs_producer {
  rd_kafka_t *rk;
  const evs_registry *reg;
  char *source;
  char *spool_path; /* NULL = no spool */
  evs_spool_writer spool;
  evs_delivery_fn on_delivery;
  void *delivery_ctx;
  int queue_full_timeout_ms;
  bool framing;
  int32_t (*schema_id_fn)(const evs_message *msg, void *ctx);
  void *schema_id_ctx;
  evs_producer_stats st;
  evs_buf key, type, tags, schema; /* scratch, reused by every send */
};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  /* librdkafka's own log lines are noise for a CLI (delivery problems reach the reports); show them on
   * request only, redacted. */
  static int enabled = -1;
  if (enabled < 0) enabled = getenv("EVS_KAFKA_LOG") != NULL;
  if (!enabled) return;
  char safe[1024];
  evs_kafka_redact(safe, sizeof safe, buf);
  fprintf(stderr, "librdkafka %d %s: %s\n", level, fac, safe);
}

/* Client-level errors, from rd_kafka_poll() in the caller's thread: counted and kept for the caller. A
 * fatal one also shows up as the error of every later send. */
static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk;
  evs_producer *p = opaque;
  char text[sizeof p->st.last_error];
  snprintf(text, sizeof text, "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
  p->st.errors++;
  evs_kafka_redact(p->st.last_error, sizeof p->st.last_error, text);
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  evs_producer *p = opaque;
  rd_kafka_headers_t *h = NULL;
  const char *event_id = NULL;
  const void *val;
  size_t size;
  if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      rd_kafka_header_get_last(h, "ce_id", &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR)
    event_id = val;
  evs_delivery d = {event_id,   rd_kafka_topic_name(m->rkt), m->partition, -1, EVS_OK, NULL, false,
                    m->_private};
  char text[512];
  if (!m->err) {
    p->st.delivered++;
    d.offset = m->offset;
  } else {
    p->st.failed++;
    d.status = evs_kafka_status(m->err);
    snprintf(text, sizeof text, "%s: %s", rd_kafka_err2name(m->err), rd_kafka_err2str(m->err));
    d.error = text;
    if (p->spool_path) {
      evs_error e;
      evs_error_clear(&e);
      if (evs_spool_append(&p->spool, p->spool_path, d.topic, m->key, m->key_len, h, m->payload, m->len, text,
                           &e) == EVS_OK) {
        p->st.spooled++;
        d.spooled = true;
      } else {
        /* The report says spooled = false and why: the caller knows this event is only in its hands. */
        p->st.spool_errors++;
        snprintf(text + strlen(text), sizeof text - strlen(text), "; not spooled: %s", e.msg);
      }
    }
  }
  if (p->on_delivery) p->on_delivery(&d, p->delivery_ctx);
}

evs_status evs_producer_new(const evs_producer_options *opts, evs_producer **out, evs_error *err) {
  evs_error local; /* the helpers report through err: keep their status even when the caller passes NULL */
  if (!err) err = &local;
  if (out) *out = NULL;
  if (!opts || !out) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer options or out is NULL");
  const evs_registry *reg = opts->registry ? opts->registry : evs_registry_builtin(err);
  if (!reg) return err->code;
  if (opts->confluent_framing && !opts->schema_id_fn)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "confluent_framing needs a schema_id_fn");
  static const char *const defaults[] = {"enable.idempotence", "true", "acks", "all", NULL};
  rd_kafka_conf_t *conf = evs_kafka_conf_build(&opts->kafka, defaults, err);
  if (!conf) return err->code;
  evs_producer *p = calloc(1, sizeof *p);
  if (!p) {
    rd_kafka_conf_destroy(conf);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the producer");
  }
  p->reg = reg;
  p->source = strdup(opts->source && *opts->source ? opts->source : "/evs");
  p->spool_path = opts->spool_path ? strdup(opts->spool_path) : NULL;
  p->on_delivery = opts->on_delivery;
  p->delivery_ctx = opts->delivery_ctx;
  p->queue_full_timeout_ms = opts->queue_full_timeout_ms;
  p->framing = opts->confluent_framing;
  p->schema_id_fn = opts->schema_id_fn;
  p->schema_id_ctx = opts->schema_id_ctx;
  if (!p->source || (opts->spool_path && !p->spool_path)) {
    rd_kafka_conf_destroy(conf);
    free(p->source);
    free(p->spool_path);
    free(p);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the producer");
  }
  rd_kafka_conf_set_opaque(conf, p);
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  p->rk = evs_kafka_new_handle(RD_KAFKA_PRODUCER, conf, err);
  if (!p->rk) {
    free(p->source);
    free(p->spool_path);
    free(p);
    return err->code;
  }
  *out = p;
  return EVS_OK;
}

/* producev with back-pressure: a full queue is drained by polling (serving delivery reports) until there
 * is room or the configured wait is over. Takes ownership of hdrs and value only on success. */
static evs_status enqueue(evs_producer *p, const char *topic, const void *key, size_t key_len,
                          rd_kafka_headers_t *hdrs, void *value, size_t value_len, void *opaque,
                          evs_error *err) {
  int64_t waited = 0;
  /* RD_KAFKA_V_KEY casts its argument to void * (librdkafka copies the key): hand it one. */
  void *k = (void *)(uintptr_t)key;
  for (;;) {
    rd_kafka_resp_err_t e =
        rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(k, key_len),
                          RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
                          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      p->st.sent++;
      rd_kafka_poll(p->rk, 0);
      return EVS_OK;
    }
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (e == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[256];
        rd_kafka_resp_err_t fe = rd_kafka_fatal_error(p->rk, reason, sizeof reason);
        return evs_fail(err, EVS_ERR_KAFKA, "producing to %s: fatal producer error %s: %s", topic,
                        rd_kafka_err2name(fe), reason);
      }
      /* Too large is this event's problem, not the producer's: the caller can go on with the next. */
      if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        return evs_fail(err, EVS_ERR_LIMIT,
                        "producing to %s: the record (%zu bytes of value) is larger than message.max.bytes",
                        topic, value_len);
      char ctx[300];
      snprintf(ctx, sizeof ctx, "producing to %s", topic);
      return evs_kafka_fail(err, e, ctx);
    }
    if (p->queue_full_timeout_ms > 0 && waited >= p->queue_full_timeout_ms)
      return evs_fail(err, EVS_ERR_TIMEOUT, "producing to %s: local queue still full after %d ms", topic,
                      p->queue_full_timeout_ms);
    p->st.queue_full_waits++;
    rd_kafka_poll(p->rk, 50);
    waited += 50;
  }
}

static bool carries_type(const evs_event_options *ev, const char *type) {
  if (!ev || !ev->n_types) return true;
  for (size_t i = 0; i < ev->n_types; i++) {
    if (strcmp(ev->types[i], type) == 0) return true;
  }
  return false;
}

evs_status evs_producer_send(evs_producer *p, const evs_event_attrs *attrs, const ProtobufCMessage *msg,
                             evs_error *err) {
  static const evs_event_attrs none;
  if (!p || !msg) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer or message is NULL");
  if (!attrs) attrs = &none;
  const evs_message *em = evs_registry_message_for(p->reg, msg->descriptor);
  if (!em)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "message type %s is not in the registry",
                    msg->descriptor->name);
  const evs_event_options *ev = em->event;
  const char *topic = attrs->topic ? attrs->topic : ev ? ev->topic : NULL;
  if (!topic || !*topic)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s has no (evs.v1.event).topic and no topic was given",
                    em->full_name);

  /* The body's type field, when the message has one, must agree with the envelope's type. */
  const char *body_type = NULL;
  if (ev && ev->n_type_field_path) {
    evs_buf_reset(&p->type);
    int r = evs_kafka_field_text(msg, ev->type_field_path, ev->n_type_field_path, &p->type);
    if (r < 0) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    if (r > 0) body_type = (const char *)p->type.data;
  }
  const char *type = attrs->type;
  if (type && body_type && strcmp(type, body_type) != 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "event type '%s' differs from the message's %s '%s'", type,
                    ev->type_field, body_type);
  if (!type) type = body_type;
  if (!type && ev && ev->n_types == 1) type = ev->types[0];
  if (!type)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s: no event type (set attrs.type or %s)", em->full_name,
                    ev && ev->type_field ? ev->type_field : "the type field");
  if (!carries_type(ev, type))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s does not carry event type '%s'", em->full_name, type);

  const void *key = attrs->key;
  size_t key_len = attrs->key_len;
  if (!key && ev && ev->n_partition_key_path) {
    evs_buf_reset(&p->key);
    int r = evs_kafka_field_text(msg, ev->partition_key_path, ev->n_partition_key_path, &p->key);
    if (r < 0) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    if (r > 0) {
      key = p->key.data;
      key_len = p->key.len;
    }
  }

  char idbuf[EVS_UUID_STR_SIZE];
  const char *id = attrs->id;
  if (!id) {
    evs_uuid u;
    evs_status st = evs_uuid7_new(&u, err);
    if (st != EVS_OK) return st;
    id = evs_uuid_format(&u, idbuf);
  }
  char timebuf[EVS_TIME_RFC3339_SIZE];
  evs_status st =
      evs_time_format_rfc3339_ms(attrs->time_ms ? attrs->time_ms : evs_time_now_ms(), timebuf, err);
  if (st != EVS_OK) return st;
  evs_buf_reset(&p->schema);
  evs_buf_append_str(&p->schema, EVS_KAFKA_DATASCHEMA_PREFIX);
  evs_buf_append_str(&p->schema, em->full_name);
  evs_buf_reset(&p->tags);
  if (attrs->n_tags && evs_ce_tags_encode(attrs->tags, attrs->n_tags, &p->tags) != EVS_OK)
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (evs_buf_status(&p->schema) != EVS_OK) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");

  evs_ce_event v = {
      .specversion = "1.0",
      .id = id,
      .source = attrs->source ? attrs->source : p->source,
      .type = type,
      .time = timebuf,
      .subject = attrs->subject,
      .dataschema = (const char *)p->schema.data,
      .content_type = p->framing ? EVS_KAFKA_CONTENT_TYPE_CONFLUENT : EVS_KAFKA_CONTENT_TYPE,
      .schema_version = ev && ev->schema_version ? ev->schema_version : NULL,
      .correlation_id = attrs->correlation_id,
      .causation_id = attrs->causation_id,
      .tags = attrs->n_tags ? (const char *)p->tags.data : NULL,
  };

  uint8_t prefix[5 + 5 * (EVS_CONFLUENT_MAX_INDEXES + 1)];
  size_t prefix_len = 0;
  if (p->framing) {
    int32_t schema_id = p->schema_id_fn(em, p->schema_id_ctx);
    if (schema_id < 0) return evs_fail(err, EVS_ERR_NOT_FOUND, "no schema registry id for %s", em->full_name);
    int32_t idx[EVS_CONFLUENT_MAX_INDEXES];
    size_t n = evs_confluent_message_indexes(em, idx, EVS_CONFLUENT_MAX_INDEXES);
    if (n > EVS_CONFLUENT_MAX_INDEXES)
      return evs_fail(err, EVS_ERR_LIMIT, "%s is nested too deeply for Confluent framing", em->full_name);
    prefix_len = evs_confluent_write_prefix(prefix, schema_id, idx, n);
  }
  size_t size = protobuf_c_message_get_packed_size(msg);
  uint8_t *value = malloc(prefix_len + size + 1);
  if (!value) return evs_fail(err, EVS_ERR_NOMEM, "out of memory packing %s", em->full_name);
  memcpy(value, prefix, prefix_len);
  protobuf_c_message_pack(msg, value + prefix_len);

  rd_kafka_headers_t *h = rd_kafka_headers_new(EVS_CE_MAX_HEADERS);
  if (!h) {
    free(value);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory building headers");
  }
  if ((st = evs_kafka_ce_headers_add(h, &v, err)) != EVS_OK) {
    rd_kafka_headers_destroy(h);
    free(value);
    return st;
  }
  if (attrs->id_out) snprintf(attrs->id_out, EVS_UUID_STR_SIZE, "%s", id);
  st = enqueue(p, topic, key, key_len, h, value, prefix_len + size, attrs->opaque, err);
  if (st != EVS_OK) {
    rd_kafka_headers_destroy(h);
    free(value);
  }
  return st;
}

evs_status evs_producer_send_raw(evs_producer *p, const char *topic, const void *key, size_t key_len,
                                 const evs_kafka_header *headers, size_t n_headers, const void *value,
                                 size_t value_len, void *opaque, evs_error *err) {
  if (!p || !topic || !*topic) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer or topic is NULL");
  rd_kafka_headers_t *h = rd_kafka_headers_new(n_headers ? n_headers : 1);
  if (!h) return evs_fail(err, EVS_ERR_NOMEM, "out of memory building headers");
  for (size_t i = 0; i < n_headers; i++) {
    if (rd_kafka_header_add(h, headers[i].name, -1, headers[i].value, (ssize_t)headers[i].value_len)) {
      rd_kafka_headers_destroy(h);
      return evs_fail(err, EVS_ERR_INVALID_ARG, "bad header '%s'",
                      headers[i].name ? headers[i].name : "(null)");
    }
  }
  void *copy = NULL;
  if (value) {
    copy = malloc(value_len ? value_len : 1);
    if (!copy) {
      rd_kafka_headers_destroy(h);
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    }
    memcpy(copy, value, value_len);
  }
  evs_status st = enqueue(p, topic, key, key ? key_len : 0, h, copy, value ? value_len : 0, opaque, err);
  if (st != EVS_OK) {
    rd_kafka_headers_destroy(h);
    free(copy);
  }
  return st;
}

int evs_producer_poll(evs_producer *p, int timeout_ms) {
  return p ? rd_kafka_poll(p->rk, timeout_ms) : 0;
}

evs_status evs_producer_flush(evs_producer *p, int timeout_ms, evs_error *err) {
  if (!p) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer is NULL");
  rd_kafka_resp_err_t e = rd_kafka_flush(p->rk, timeout_ms < 0 ? -1 : timeout_ms);
  if (e == RD_KAFKA_RESP_ERR__TIMED_OUT)
    return evs_fail(err, EVS_ERR_TIMEOUT, "flush: %d events still undelivered after %d ms",
                    rd_kafka_outq_len(p->rk), timeout_ms);
  if (e) return evs_kafka_fail(err, e, "flush");
  return EVS_OK;
}

void evs_producer_stats_get(const evs_producer *p, evs_producer_stats *out) {
  if (!out) return;
  if (!p) {
    memset(out, 0, sizeof *out);
    return;
  }
  *out = p->st;
}

void *evs_producer_rd_handle(evs_producer *p) {
  return p ? p->rk : NULL;
}

/* Purges what is still queued or in flight; each purged record gets its (failed) report and is spooled. */
static void purge_rest(evs_producer *p) {
  if (rd_kafka_outq_len(p->rk) == 0) return;
  rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  /* Reports for purged records arrive on the next polls; bounded so close always returns. */
  for (int i = 0; i < 100 && rd_kafka_outq_len(p->rk) > 0; i++) rd_kafka_poll(p->rk, 50);
  rd_kafka_poll(p->rk, 0);
}

uint64_t evs_producer_close(evs_producer *p, int timeout_ms) {
  if (!p) return 0;
  rd_kafka_flush(p->rk, timeout_ms < 0 ? -1 : timeout_ms);
  purge_rest(p);
  uint64_t failed = p->st.failed + (uint64_t)rd_kafka_outq_len(p->rk);
  rd_kafka_destroy(p->rk);
  evs_error e;
  if (evs_spool_close(&p->spool, &e) != EVS_OK) fprintf(stderr, "evs: %s\n", e.msg);
  evs_buf_free(&p->key);
  evs_buf_free(&p->type);
  evs_buf_free(&p->tags);
  evs_buf_free(&p->schema);
  free(p->source);
  free(p->spool_path);
  free(p);
  return failed;
}

/* ---- spool replay ---- */

evs_status evs_spool_replay(evs_producer *p, const char *path, int timeout_ms, evs_spool_replay_stats *stats,
                            evs_error *err) {
  if (stats) memset(stats, 0, sizeof *stats);
  if (!p || !path) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer or path is NULL");
  if (p->spool_path && strcmp(p->spool_path, path) == 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "cannot replay %s into itself (the producer spools there)",
                    path);
  uint64_t n = 0;
  evs_status st = evs_spool_count(path, &n, err); /* a damaged file is refused before anything is sent */
  if (st != EVS_OK) return st;

  /* Failures during the replay go to a new file that replaces the old one at the end. */
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  snprintf(tmp, plen + 16, "%s.replay", path);
  remove(tmp);
  char *saved_path = p->spool_path;
  evs_spool_writer saved = p->spool;
  p->spool_path = tmp;
  memset(&p->spool, 0, sizeof p->spool);
  uint64_t delivered0 = p->st.delivered, failed0 = p->st.failed;

  evs_spool_reader r;
  st = evs_spool_open(&r, path, err);
  evs_spool_record rec;
  int k = 0;
  uint64_t read = 0;
  while (st == EVS_OK && (k = evs_spool_next(&r, &rec, err)) == 1) {
    st = evs_producer_send_raw(p, rec.topic, rec.has_key ? rec.key : NULL, rec.key_len, rec.headers,
                               rec.n_headers, rec.has_value ? rec.value : NULL, rec.value_len, NULL, err);
    if (st == EVS_OK) read++;
  }
  if (st == EVS_OK && k < 0) st = (evs_status)-k;
  if (r.f) evs_spool_reader_close(&r);
  evs_status fst = evs_producer_flush(p, timeout_ms, st == EVS_OK ? err : NULL);
  if (fst != EVS_OK) {
    purge_rest(p);
    if (st == EVS_OK) st = fst;
  }
  evs_error cerr;
  evs_status cst = evs_spool_close(&p->spool, &cerr);
  bool wrote_failures = p->st.failed > failed0;
  p->spool_path = saved_path;
  p->spool = saved;
  if (stats) {
    stats->read = read;
    stats->delivered = p->st.delivered - delivered0;
    stats->failed = p->st.failed - failed0;
  }
  if (cst != EVS_OK) {
    free(tmp);
    if (err) *err = cerr;
    return cst;
  }
  if (st != EVS_OK && read < n && !wrote_failures) {
    /* Stopped before sending everything and nothing failed: keep the original file as it is. */
    remove(tmp);
    free(tmp);
    return st;
  }
  if (read < n) {
    /* Some records were never sent: keep them by appending the unsent tail to the new file. Simplest
     * correct choice: keep the whole original file (records may then be sent twice; ids dedupe). */
    remove(tmp);
    free(tmp);
    return st;
  }
  if (wrote_failures) {
    if (rename(tmp, path) != 0) st = evs_fail(err, EVS_ERR_IO, "cannot replace %s with %s", path, tmp);
  } else {
    remove(tmp);
    if (remove(path) != 0) st = evs_fail(err, EVS_ERR_IO, "cannot remove replayed spool %s", path);
  }
  free(tmp);
  return st;
}
