/* The event producer: envelope attributes -> CloudEvents headers, payload -> record value, delivery
 * reports -> callback, counters and the spool. STYLE.md §10: errors at creation (errstr), at enqueue
 * (queue full: poll and retry) and at delivery (exactly one report per record). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "evs/json.h"
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
  bool framing, structured;
  int32_t (*schema_id_fn)(const evs_message *msg, void *ctx);
  void *schema_id_ctx;
  evs_producer_stats st;
  evs_buf key, type, tags, schema; /* scratch, reused by every send */
  evs_validator *validator;        /* NULL with no_validate */
  evs_violations viol;             /* scratch for sends whose caller wants no violations */
};

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
  size_t id_len = 0;
  if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      rd_kafka_header_get_last(h, "ce_id", &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR && val) {
    event_id = val;
    id_len = size;
  }
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
      evs_status sst = evs_spool_append(&p->spool, p->spool_path, d.topic, m->key, m->key_len, h, m->payload,
                                        m->len, text, &e);
      p->st.spool_tail_cut += p->spool.tail_cut;
      p->spool.tail_cut = 0;
      if (sst == EVS_OK) {
        p->st.spooled++;
        d.spooled = true;
      } else {
        /* The report says spooled = false and why: the caller knows this event is only in its hands. */
        p->st.spool_errors++;
        snprintf(p->st.spool_error, sizeof p->st.spool_error, "%s", e.msg);
        int n = id_len > INT_MAX ? INT_MAX : (int)id_len;
        if (p->st.spool_errors == 1)
          snprintf(p->st.spool_error_first_id, sizeof p->st.spool_error_first_id, "%.*s", n,
                   event_id ? event_id : "");
        snprintf(p->st.spool_error_last_id, sizeof p->st.spool_error_last_id, "%.*s", n,
                 event_id ? event_id : "");
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
  if (opts->confluent_framing && opts->structured)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "structured mode has no Confluent framing");
  if (opts->confluent_framing && !opts->schema_id_fn)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "confluent_framing needs a schema_id_fn");
  rd_kafka_conf_t *conf = evs_kafka_conf_build(&opts->kafka, evs_kafka_producer_defaults, err);
  if (!conf) return err->code;
  evs_producer *p = evs_calloc(1, sizeof *p);
  if (!p) {
    rd_kafka_conf_destroy(conf);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the producer");
  }
  p->reg = reg;
  p->source = evs_strdup(opts->source && *opts->source ? opts->source : "/evs");
  p->spool_path = opts->spool_path ? evs_strdup(opts->spool_path) : NULL;
  p->on_delivery = opts->on_delivery;
  p->delivery_ctx = opts->delivery_ctx;
  p->queue_full_timeout_ms = opts->queue_full_timeout_ms;
  p->framing = opts->confluent_framing;
  p->structured = opts->structured;
  p->schema_id_fn = opts->schema_id_fn;
  p->schema_id_ctx = opts->schema_id_ctx;
  evs_violations_init(&p->viol);
  if (!p->source || (opts->spool_path && !p->spool_path)) {
    rd_kafka_conf_destroy(conf);
    evs_free(p->source);
    evs_free(p->spool_path);
    evs_free(p);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the producer");
  }
  if (!opts->no_validate && evs_validator_new(reg, NULL, &p->validator, err) != EVS_OK) {
    rd_kafka_conf_destroy(conf);
    evs_free(p->source);
    evs_free(p->spool_path);
    evs_free(p);
    return err->code;
  }
  rd_kafka_conf_set_opaque(conf, p);
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  p->rk = evs_kafka_new_handle(RD_KAFKA_PRODUCER, conf, err);
  if (!p->rk) {
    evs_validator_free(p->validator);
    evs_free(p->source);
    evs_free(p->spool_path);
    evs_free(p);
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

/* Binary mode: the protobuf payload, Confluent-framed when the producer frames. */
static evs_status binary_value(evs_producer *p, const evs_message *em, const ProtobufCMessage *msg,
                               uint8_t **out, size_t *out_len, evs_error *err) {
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
  uint8_t *value = evs_malloc(prefix_len + size + 1);
  if (!value) return evs_fail(err, EVS_ERR_NOMEM, "out of memory packing %s", em->full_name);
  memcpy(value, prefix, prefix_len);
  protobuf_c_message_pack(msg, value + prefix_len);
  *out = value;
  *out_len = prefix_len + size;
  return EVS_OK;
}

/* Structured mode: the event as one JSON object, the payload as its canonical JSON (data_base64 of the
 * protobuf when it has no JSON form). */
static evs_status structured_value(evs_producer *p, const evs_message *em, const ProtobufCMessage *msg,
                                   const evs_ce_event *attrs, uint8_t **out, size_t *out_len,
                                   evs_error *err) {
  evs_ce_event v = *attrs;
  evs_buf json = EVS_BUF_INIT;
  uint8_t *bin = NULL;
  evs_error jerr;
  evs_status jst = evs_json_encode(p->reg, msg, NULL, &json, &jerr);
  if (jst == EVS_ERR_NOMEM) {
    /* Not "no JSON form": falling back to data_base64 would change the event's form behind the caller. */
    evs_buf_free(&json);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory encoding %s as JSON", em->full_name);
  }
  if (jst == EVS_OK) {
    v.content_type = NULL; /* JSON is the default */
    v.data_kind = EVS_CE_DATA_JSON;
    v.data = json.data;
    v.data_len = json.len;
  } else {
    size_t n;
    evs_status st = binary_value(p, em, msg, &bin, &n, err);
    if (st != EVS_OK) {
      evs_buf_free(&json);
      return st;
    }
    v.data_kind = EVS_CE_DATA_BINARY;
    v.data = bin;
    v.data_len = n;
  }
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  evs_status st = mem ? evs_ce_write_json(mem, &v, err) : evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (mem && fclose(mem) != 0 && st == EVS_OK) st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  evs_buf_free(&json);
  evs_free(bin);
  if (st != EVS_OK) {
    free(text); /* open_memstream()'s */
    /* An attribute that breaks its rule came from the caller, as in binary mode. */
    if (st != EVS_ERR_NOMEM) st = EVS_ERR_INVALID_ARG;
    if (err) err->code = st;
    return st;
  }
  *out = (uint8_t *)text;
  *out_len = len;
  return EVS_OK;
}

/* evs_producer_send() in its steps, in the order they run: each fills err and returns its status, and
 * nothing is queued until every step before enqueue() has passed. */

/* The message's registry entry and its topic (attrs.topic, else the event's). */
static evs_status send_target(const evs_producer *p, const evs_event_attrs *attrs,
                              const ProtobufCMessage *msg, const evs_message **em, const char **topic,
                              evs_error *err) {
  *em = evs_registry_message_for(p->reg, msg->descriptor);
  if (!*em)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "message type %s is not in the registry",
                    msg->descriptor->name);
  const evs_event_options *ev = (*em)->event;
  *topic = attrs->topic ? attrs->topic : ev ? ev->topic : NULL;
  if (!*topic || !**topic)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s has no (evs.v1.event).topic and no topic was given",
                    (*em)->full_name);
  return EVS_OK;
}

/* The event type: attrs.type, else the body's type field, else the message's only type. The body's type
 * field, when set, must agree with attrs.type, and the message must carry the type. *type may point into
 * p->type. */
static evs_status send_type(evs_producer *p, const evs_event_attrs *attrs, const evs_message *em,
                            const ProtobufCMessage *msg, const char **type, evs_error *err) {
  const evs_event_options *ev = em->event;
  const char *body_type = NULL;
  if (ev && ev->n_type_field_path) {
    evs_buf_reset(&p->type);
    int r = evs_kafka_field_text(msg, ev->type_field_path, ev->n_type_field_path, &p->type);
    if (r < 0) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    if (r > 0) body_type = (const char *)p->type.data;
  }
  const char *t = attrs->type;
  if (t && body_type && strcmp(t, body_type) != 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "event type '%s' differs from the message's %s '%s'", t,
                    ev->type_field, body_type);
  if (!t) t = body_type;
  if (!t && ev && ev->n_types == 1) t = ev->types[0];
  if (!t)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s: no event type (set attrs.type or %s)", em->full_name,
                    ev && ev->type_field ? ev->type_field : "the type field");
  if (!carries_type(ev, t))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s does not carry event type '%s'", em->full_name, t);
  *type = t;
  return EVS_OK;
}

/* The record key: attrs.key, else the text of the partition-key field (in p->key), else none (NULL). */
static evs_status send_key(evs_producer *p, const evs_event_attrs *attrs, const evs_message *em,
                           const ProtobufCMessage *msg, const void **key, size_t *key_len, evs_error *err) {
  const evs_event_options *ev = em->event;
  *key = attrs->key;
  *key_len = attrs->key_len;
  if (!*key && ev && ev->n_partition_key_path) {
    evs_buf_reset(&p->key);
    int r = evs_kafka_field_text(msg, ev->partition_key_path, ev->n_partition_key_path, &p->key);
    if (r < 0) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    if (r > 0) {
      *key = p->key.data;
      *key_len = p->key.len;
    }
  }
  return EVS_OK;
}

/* The envelope *v: a new UUIDv7 id unless attrs.id (text in idbuf), the time (now unless attrs.time_ms, in
 * timebuf), the dataschema and tags (in p->schema, p->tags); its strings live as long as those buffers. */
static evs_status send_envelope(evs_producer *p, const evs_event_attrs *attrs, const evs_message *em,
                                const char *type, char idbuf[EVS_UUID_STR_SIZE],
                                char timebuf[EVS_TIME_RFC3339_SIZE], evs_ce_event *v, evs_error *err) {
  const evs_event_options *ev = em->event;
  const char *id = attrs->id;
  if (!id) {
    evs_uuid u;
    evs_status st = evs_uuid7_new(&u, err);
    if (st != EVS_OK) return st;
    id = evs_uuid_format(&u, idbuf);
  }
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
  *v = (evs_ce_event){
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
  return EVS_OK;
}

/* The caller's extra headers may not take the names that carry the event's attributes. */
static evs_status check_extra_headers(const evs_event_attrs *attrs, evs_error *err) {
  for (size_t i = 0; i < attrs->n_headers; i++) {
    const char *name = attrs->headers[i].name;
    if (!name || !*name || strncmp(name, "ce_", 3) == 0 || strcmp(name, "content-type") == 0)
      return evs_fail(err, EVS_ERR_INVALID_ARG,
                      "header '%s' is not allowed: ce_* and content-type carry the event's attributes",
                      name ? name : "(null)");
  }
  return EVS_OK;
}

/* The envelope and payload as they would be written, checked before anything is queued (a refused event
 * leaves no trace); counted in st.invalid when they break a rule. EVS_OK when the producer does not
 * validate. */
static evs_status send_validate(evs_producer *p, const evs_event_attrs *attrs, const evs_ce_event *v,
                                const ProtobufCMessage *msg, evs_error *err) {
  if (!p->validator) return EVS_OK;
  evs_violations *out = attrs->violations ? attrs->violations : &p->viol;
  evs_status st = evs_kafka_validate(p->validator, v, msg, out, err);
  if (st == EVS_ERR_VALIDATION) p->st.invalid++;
  return st;
}

/* The record's headers: the binary-mode ce_* attributes (or the structured content-type), then the
 * caller's extra headers. *out is the caller's (rd_kafka_headers_destroy) only on EVS_OK. */
static evs_status send_headers(const evs_producer *p, const evs_event_attrs *attrs, const evs_ce_event *v,
                               rd_kafka_headers_t **out, evs_error *err) {
  rd_kafka_headers_t *h = rd_kafka_headers_new(EVS_CE_MAX_HEADERS + attrs->n_headers);
  if (!h) return evs_fail(err, EVS_ERR_NOMEM, "out of memory building headers");
  evs_status st;
  if (p->structured) {
    st = rd_kafka_header_add(h, "content-type", -1, EVS_KAFKA_CONTENT_TYPE_STRUCTURED, -1)
             ? evs_fail(err, EVS_ERR_NOMEM, "out of memory building headers")
             : EVS_OK;
  } else {
    st = evs_kafka_ce_headers_add(h, v, err);
  }
  for (size_t i = 0; st == EVS_OK && i < attrs->n_headers; i++)
    if (rd_kafka_header_add(h, attrs->headers[i].name, -1, attrs->headers[i].value,
                            attrs->headers[i].value ? (ssize_t)attrs->headers[i].value_len : 0))
      st = evs_fail(err, EVS_ERR_NOMEM, "out of memory building headers");
  if (st != EVS_OK) {
    rd_kafka_headers_destroy(h);
    return st;
  }
  *out = h;
  return EVS_OK;
}

evs_status evs_producer_send(evs_producer *p, const evs_event_attrs *attrs, const ProtobufCMessage *msg,
                             evs_error *err) {
  static const evs_event_attrs none;
  if (!p || !msg) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer or message is NULL");
  if (!attrs) attrs = &none;
  const evs_message *em = NULL;
  const char *topic = NULL, *type = NULL;
  const void *key = NULL;
  size_t key_len = 0;
  char idbuf[EVS_UUID_STR_SIZE];
  char timebuf[EVS_TIME_RFC3339_SIZE];
  evs_ce_event v = {0};
  evs_status st = send_target(p, attrs, msg, &em, &topic, err);
  if (st == EVS_OK) st = send_type(p, attrs, em, msg, &type, err);
  if (st == EVS_OK) st = send_key(p, attrs, em, msg, &key, &key_len, err);
  if (st == EVS_OK) st = send_envelope(p, attrs, em, type, idbuf, timebuf, &v, err);
  if (st == EVS_OK) st = check_extra_headers(attrs, err);
  if (st == EVS_OK) st = send_validate(p, attrs, &v, msg, err);
  if (st != EVS_OK) return st;

  uint8_t *value = NULL;
  size_t value_len = 0;
  st = p->structured ? structured_value(p, em, msg, &v, &value, &value_len, err)
                     : binary_value(p, em, msg, &value, &value_len, err);
  if (st != EVS_OK) return st;
  rd_kafka_headers_t *h = NULL;
  st = send_headers(p, attrs, &v, &h, err);
  if (st == EVS_OK) {
    if (attrs->id_out) snprintf(attrs->id_out, EVS_UUID_STR_SIZE, "%s", v.id);
    st = enqueue(p, topic, key, key_len, h, value, value_len, attrs->opaque, err);
  }
  if (st != EVS_OK) {
    if (h) rd_kafka_headers_destroy(h);
    evs_free(value);
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
    copy = evs_malloc(value_len ? value_len : 1);
    if (!copy) {
      rd_kafka_headers_destroy(h);
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    }
    memcpy(copy, value, value_len);
  }
  evs_status st = enqueue(p, topic, key, key ? key_len : 0, h, copy, value ? value_len : 0, opaque, err);
  if (st != EVS_OK) {
    rd_kafka_headers_destroy(h);
    evs_free(copy);
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
  return evs_producer_close_stats(p, timeout_ms, NULL);
}

uint64_t evs_producer_close_stats(evs_producer *p, int timeout_ms, evs_producer_stats *final) {
  if (final) memset(final, 0, sizeof *final);
  if (!p) return 0;
  rd_kafka_flush(p->rk, timeout_ms < 0 ? -1 : timeout_ms);
  purge_rest(p);
  uint64_t failed = p->st.failed + (uint64_t)rd_kafka_outq_len(p->rk);
  rd_kafka_destroy(p->rk);
  evs_error e;
  if (evs_spool_close(&p->spool, &e) != EVS_OK) {
    p->st.spool_sync_failed = true;
    snprintf(p->st.spool_error, sizeof p->st.spool_error, "%s", e.msg);
    if (!final) fprintf(stderr, "evs: %s\n", e.msg);
  }
  if (final) *final = p->st;
  evs_buf_free(&p->key);
  evs_buf_free(&p->type);
  evs_buf_free(&p->tags);
  evs_buf_free(&p->schema);
  evs_validator_free(p->validator);
  evs_violations_free(&p->viol);
  evs_free(p->source);
  evs_free(p->spool_path);
  evs_free(p);
  return failed;
}

/* ---- spool replay ---- */

typedef struct damage_list {
  evs_spool_damage *d;
  size_t n, cap;
} damage_list;

static bool damage_add(damage_list *l, uint64_t offset, uint64_t length) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    evs_spool_damage *d = evs_realloc(l->d, cap * sizeof *d);
    if (!d) return false;
    l->d = d;
    l->cap = cap;
  }
  l->d[l->n++] = (evs_spool_damage){offset, length, EVS_OK, NULL};
  return true;
}

/* Copies bytes [from, from + n) of the locked spool to `out` (PATH.damaged, appended, synced) or, with a
 * writer, appends them to the new spool. */
static evs_status copy_range(int fd, const char *path, uint64_t from, uint64_t n, int out,
                             const char *out_path, evs_spool_writer *w, evs_error *err) {
  uint8_t chunk[65536];
  while (n) {
    size_t k = n < sizeof chunk ? (size_t)n : sizeof chunk;
    ssize_t got = pread(fd, chunk, k, (off_t)from);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      return evs_fail(err, EVS_ERR_IO, "cannot read spool file %s: %s", path,
                      got < 0 ? strerror(errno) : "short");
    if (w) {
      evs_status st = evs_spool_append_raw(w, out_path, chunk, (size_t)got, err);
      if (st != EVS_OK) return st;
    } else {
      for (ssize_t done = 0; done < got;) {
        ssize_t wr = write(out, chunk + done, (size_t)(got - done));
        if (wr < 0 && errno == EINTR) continue;
        if (wr <= 0)
          return evs_fail(err, EVS_ERR_IO, "cannot write %s: %s", out_path,
                          wr < 0 ? strerror(errno) : "short");
        done += wr;
      }
    }
    from += (uint64_t)got;
    n -= (uint64_t)got;
  }
  return EVS_OK;
}

static evs_status save_damaged(int fd, const char *path, const damage_list *l, evs_error *err) {
  if (!l->n) return EVS_OK;
  size_t plen = strlen(path);
  char *dpath = evs_malloc(plen + 9);
  if (!dpath) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  snprintf(dpath, plen + 9, "%s.damaged", path);
  int out = open(dpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  evs_status st = EVS_OK;
  if (out < 0) st = evs_fail(err, EVS_ERR_IO, "cannot open %s: %s", dpath, strerror(errno));
  for (size_t i = 0; st == EVS_OK && i < l->n; i++)
    st = copy_range(fd, path, l->d[i].offset, l->d[i].length, out, dpath, NULL, err);
  if (out >= 0) {
    if (st == EVS_OK && fsync(out) != 0)
      st = evs_fail(err, EVS_ERR_IO, "cannot sync %s: %s", dpath, strerror(errno));
    if (close(out) != 0 && st == EVS_OK)
      st = evs_fail(err, EVS_ERR_IO, "cannot close %s: %s", dpath, strerror(errno));
  }
  evs_free(dpath);
  return st;
}

evs_status evs_spool_replay(evs_producer *p, const char *path, int timeout_ms, evs_spool_replay_stats *stats,
                            evs_error *err) {
  return evs_spool_replay_ex(p, path, timeout_ms, NULL, NULL, stats, err);
}

evs_status evs_spool_replay_ex(evs_producer *p, const char *path, int timeout_ms,
                               evs_spool_damage_fn on_damaged, void *ctx, evs_spool_replay_stats *stats,
                               evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  if (stats) memset(stats, 0, sizeof *stats);
  if (!p || !path) return evs_fail(err, EVS_ERR_INVALID_ARG, "producer or path is NULL");
  if (p->spool_path && strcmp(p->spool_path, path) == 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "cannot replay %s into itself (the producer spools there)",
                    path);
  /* Held exclusively until the end: appends wait, and the file we replace is the one we read. */
  evs_spool_reader r;
  evs_status st = evs_spool_open_locked(&r, path, true, err);
  if (st != EVS_OK) return st;

  /* Failures during the replay go to a new file that replaces the old one at the end. */
  size_t plen = strlen(path);
  char *tmp = evs_malloc(plen + 16);
  if (!tmp) {
    evs_spool_reader_close(&r);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  snprintf(tmp, plen + 16, "%s.replay", path);
  remove(tmp);
  char *saved_path = p->spool_path;
  evs_spool_writer saved = p->spool;
  p->spool_path = tmp;
  memset(&p->spool, 0, sizeof p->spool);
  uint64_t delivered0 = p->st.delivered, failed0 = p->st.failed, spool_errors0 = p->st.spool_errors;

  damage_list dl = {0};
  evs_spool_record rec;
  bool more = true;
  uint64_t read = 0, stop_at = r.size; /* records from stop_at on were not sent: they stay in the file */
  evs_error derr;
  while (more) {
    evs_status k = evs_spool_next(&r, &rec, &more, &derr);
    if (k == EVS_OK && !more) break;
    if (k != EVS_OK) {
      if (!more) { /* cannot read on (I/O, memory) */
        *err = derr;
        st = k;
        stop_at = r.offset;
        break;
      }
      if (!damage_add(&dl, r.damaged_offset, r.damaged_len)) {
        st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
        stop_at = r.damaged_offset;
        break;
      }
      evs_spool_damage *d = &dl.d[dl.n - 1];
      d->code = k;
      d->why = derr.msg;
      if (on_damaged) on_damaged(d, ctx);
      d->why = NULL;
      continue;
    }
    st = evs_producer_send_raw(p, rec.topic, rec.has_key ? rec.key : NULL, rec.key_len, rec.headers,
                               rec.n_headers, rec.has_value ? rec.value : NULL, rec.value_len, NULL, err);
    if (st != EVS_OK) {
      stop_at = r.rec_offset;
      break;
    }
    read++;
  }
  evs_status fst = evs_producer_flush(p, timeout_ms, st == EVS_OK ? err : NULL);
  if (fst != EVS_OK) {
    purge_rest(p);
    if (st == EVS_OK) st = fst;
  }
  /* Every record sent has its report now (failed ones appended to tmp), unless one is still pending. */
  bool pending = rd_kafka_outq_len(p->rk) > 0;
  evs_error werr;
  evs_status wst = EVS_OK;
  if (!pending && p->st.spool_errors > spool_errors0)
    wst = evs_fail(&werr, EVS_ERR_IO, "%s", p->st.spool_error);
  if (wst == EVS_OK && !pending && stop_at < r.size)
    wst = copy_range(r.fd, path, stop_at, r.size - stop_at, -1, tmp, &p->spool, &werr);
  bool have_new = p->spool.open;
  evs_status cst = evs_spool_close(&p->spool, &werr);
  if (wst == EVS_OK) wst = cst;
  if (wst == EVS_OK && pending)
    wst = evs_fail(&werr, EVS_ERR_TIMEOUT, "%d replayed records still have no delivery report",
                   rd_kafka_outq_len(p->rk));
  p->spool_path = saved_path;
  p->spool = saved;
  if (stats) {
    stats->read = read;
    stats->delivered = p->st.delivered - delivered0;
    stats->failed = p->st.failed - failed0;
  }
  /* Only damage before stop_at is moved out: later bytes are kept whole in the new file. */
  size_t nd = 0;
  uint64_t dbytes = 0;
  while (nd < dl.n && dl.d[nd].offset < stop_at) dbytes += dl.d[nd++].length;
  if (stats) {
    stats->damaged = nd;
    stats->damaged_bytes = dbytes;
  }
  if (wst == EVS_OK) {
    damage_list moved = {dl.d, nd, nd};
    wst = save_damaged(r.fd, path, &moved, &werr);
  }
  if (wst == EVS_OK) {
    if (have_new ? rename(tmp, path) != 0 : remove(path) != 0)
      wst = evs_fail(&werr, EVS_ERR_IO, "cannot %s %s: %s", have_new ? "replace" : "remove", path,
                     strerror(errno));
  }
  if (wst != EVS_OK) {
    /* The original stays as it was: nothing in it is lost (records delivered now will be sent again). */
    remove(tmp);
    snprintf(werr.msg + strlen(werr.msg), sizeof werr.msg - strlen(werr.msg), "; %s left as it was", path);
    if (st == EVS_OK || st == EVS_ERR_TIMEOUT) {
      *err = werr;
      st = werr.code;
    }
  }
  evs_spool_reader_close(&r); /* releases the lock: waiting producers find the new file (or none) */
  evs_free(dl.d);
  evs_free(tmp);
  return st;
}
