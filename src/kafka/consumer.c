/* The event consumer: at-least-once (an offset is stored only once its record is handled, dead-lettered or
 * skipped as a duplicate), decoding by ce_dataschema / ce_type through the registry, per-type handlers
 * with retries and back-off, a dead-letter topic and a dedupe window over event ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "event/cloudevents_lib.h"
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
  evs_validator *validator; /* NULL unless opts.validate */
  evs_violations viol;      /* the current record's violations */
  evs_buf viol_json;        /* ... as the evs_dlq_violations header */
  evs_buf ce_store;         /* the current record's attribute strings */
  evs_buf ce_json_store;    /* ... those of a structured-mode value */
  evs_kafka_header *hdrs;   /* the current record's headers */
  size_t hdrs_cap;
  evs_consumer_stats st;
  /* Viewer mode: the partitions assigned, each with whether its end was reached since its last record. */
  bool viewer;
  evs_undecodable_fn on_undecodable;
  void *undecodable_ctx;
  struct viewer_part {
    char *topic;
    int32_t partition;
    bool eof;
  } * parts;
  size_t n_parts;
  /* Offsets kept outside Kafka (evs_consumer_options.offset_for). */
  int64_t (*offset_for)(const char *topic, int32_t partition, void *ctx);
  void (*on_revoke)(void *ctx);
  void *offsets_ctx;
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
  for (size_t i = 0; i < c->n_handlers; i++) evs_free(c->handlers[i].type);
  evs_free(c->handlers);
  evs_free(c->dlq_topic);
  evs_dedupe_free(c->dedupe);
  evs_validator_free(c->validator);
  evs_violations_free(&c->viol);
  evs_buf_free(&c->viol_json);
  evs_buf_free(&c->ce_store);
  evs_buf_free(&c->ce_json_store);
  evs_free(c->hdrs);
  for (size_t i = 0; i < c->n_parts; i++) evs_free(c->parts[i].topic);
  evs_free(c->parts);
  evs_free(c);
}

/* The cluster's metadata and the entry of `topic` in it. A topic the cluster does not know is
 * EVS_ERR_NOT_FOUND; brokers that do not answer in time are EVS_ERR_TIMEOUT. */
static evs_status topic_metadata(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                 const rd_kafka_metadata_t **md, const rd_kafka_metadata_topic_t **mt,
                                 evs_error *err) {
  *mt = NULL;
  evs_status st = evs_kafka_fetch_metadata(rk, timeout_ms, md, err);
  if (st != EVS_OK) return st;
  for (int i = 0; i < (*md)->topic_cnt; i++)
    if (strcmp((*md)->topics[i].topic, topic) == 0) *mt = &(*md)->topics[i];
  rd_kafka_resp_err_t e = *mt ? (*mt)->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  if (!e) return EVS_OK;
  rd_kafka_metadata_destroy(*md);
  *md = NULL;
  if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    return evs_fail(err, EVS_ERR_NOT_FOUND, "topic '%s' does not exist", topic);
  return evs_kafka_fail(err, e, topic);
}

static int64_t start_offset(const evs_consumer_options *o) {
  switch (o->start.kind) {
    case EVS_OFFSET_BEGINNING:
      return RD_KAFKA_OFFSET_BEGINNING;
    case EVS_OFFSET_END:
      return RD_KAFKA_OFFSET_END;
    case EVS_OFFSET_ABSOLUTE:
    case EVS_OFFSET_TIMESTAMP:
      return o->start.value;
    case EVS_OFFSET_TAIL:
      return RD_KAFKA_OFFSET_TAIL(o->start.value);
    default:
      return o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
  }
}

/* Viewer: assigns the partitions of every topic (or the ones asked for) at the start offset. */
static evs_status assign_partitions(evs_consumer *c, const evs_consumer_options *o, int timeout_ms,
                                    evs_error *err) {
  if (o->start.kind == EVS_OFFSET_TAIL && o->start.value < 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "a tail offset counts records back: it cannot be negative");
  if (o->start.kind == EVS_OFFSET_ABSOLUTE && o->start.value < 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "offset %lld is negative", (long long)o->start.value);
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(16);
  evs_status st = EVS_OK;
  for (size_t t = 0; t < o->n_topics && st == EVS_OK; t++) {
    const rd_kafka_metadata_t *md;
    const rd_kafka_metadata_topic_t *mt;
    if ((st = topic_metadata(c->rk, o->topics[t], timeout_ms, &md, &mt, err)) != EVS_OK) break;
    for (size_t i = 0; i < (o->partitions ? o->n_partitions : (size_t)mt->partition_cnt); i++) {
      int32_t p = o->partitions ? o->partitions[i] : mt->partitions[i].id;
      bool known = false;
      for (int k = 0; k < mt->partition_cnt; k++) known = known || mt->partitions[k].id == p;
      if (!known) {
        st = evs_fail(err, EVS_ERR_NOT_FOUND, "topic '%s' has no partition %d (it has %d)", o->topics[t],
                      (int)p, mt->partition_cnt);
        break;
      }
      rd_kafka_topic_partition_list_add(list, o->topics[t], p)->offset = start_offset(o);
    }
    rd_kafka_metadata_destroy(md);
  }
  if (st == EVS_OK && o->start.kind == EVS_OFFSET_TIMESTAMP) {
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(c->rk, list, timeout_ms);
    if (e) st = evs_kafka_fail(err, e, "offsets for the timestamp");
    /* No record at or after the timestamp: start at the end, for what comes next. */
    for (int i = 0; st == EVS_OK && i < list->cnt; i++)
      if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
  }
  if (st == EVS_OK && list->cnt > 0 && !(c->parts = evs_calloc((size_t)list->cnt, sizeof *c->parts)))
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory assigning partitions");
  for (int i = 0; st == EVS_OK && i < list->cnt; i++) {
    if (!(c->parts[i].topic = evs_strdup(list->elems[i].topic)))
      st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    c->parts[i].partition = list->elems[i].partition;
    c->n_parts++;
  }
  if (st == EVS_OK) {
    rd_kafka_resp_err_t e = rd_kafka_assign(c->rk, list);
    if (e) st = evs_kafka_fail(err, e, "assign");
  }
  rd_kafka_topic_partition_list_destroy(list);
  return st;
}

static struct viewer_part *find_part(evs_consumer *c, const char *topic, int32_t partition) {
  for (size_t i = 0; i < c->n_parts; i++)
    if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0) return &c->parts[i];
  return NULL;
}

bool evs_consumer_at_end(const evs_consumer *c) {
  if (!c || !c->viewer) return false;
  for (size_t i = 0; i < c->n_parts; i++)
    if (!c->parts[i].eof) return false;
  return true;
}

/* Offsets kept outside Kafka: each assigned partition starts where offset_for says (the consumer API's
 * "storing offsets outside Kafka": seek on every assignment), cooperative or eager. */
static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
  evs_consumer *c = opaque;
  bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  rd_kafka_error_t *ce = NULL;
  if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_topic_partition_list_t *ok = rd_kafka_topic_partition_list_new(parts->cnt);
    for (int i = 0; i < parts->cnt; i++) {
      int64_t off = c->offset_for(parts->elems[i].topic, parts->elems[i].partition, c->offsets_ctx);
      if (off < RD_KAFKA_OFFSET_BEGINNING) continue; /* the lookup failed: the caller stops */
      rd_kafka_topic_partition_list_add(ok, parts->elems[i].topic, parts->elems[i].partition)->offset = off;
    }
    if (coop)
      ce = rd_kafka_incremental_assign(rk, ok);
    else
      rd_kafka_assign(rk, ok);
    rd_kafka_topic_partition_list_destroy(ok);
  } else {
    if (c->on_revoke) c->on_revoke(c->offsets_ctx);
    if (coop)
      ce = rd_kafka_incremental_unassign(rk, parts);
    else
      rd_kafka_assign(rk, NULL);
  }
  if (ce) {
    c->st.errors++;
    snprintf(c->st.last_error, sizeof c->st.last_error, "rebalance: %s", rd_kafka_error_string(ce));
    rd_kafka_error_destroy(ce);
  }
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
  /* A viewer commits nothing and wants to hear where each partition ends. librdkafka's consumer API
   * wants a group.id even for assign(); a viewer never joins that group nor commits to it. */
  const char *viewer_defaults[] = {"group.id",
                                   opts->group_id && *opts->group_id ? opts->group_id : "evs-viewer",
                                   "enable.auto.commit",
                                   "false",
                                   "enable.auto.offset.store",
                                   "false",
                                   "enable.partition.eof",
                                   "true",
                                   "auto.offset.reset",
                                   opts->from_beginning ? "earliest" : "latest",
                                   NULL};
  rd_kafka_conf_t *conf = evs_kafka_conf_build(&opts->kafka, opts->viewer ? viewer_defaults : defaults, err);
  if (!conf) return err->code;
  evs_consumer *c = evs_calloc(1, sizeof *c);
  if (!c) {
    rd_kafka_conf_destroy(conf);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the consumer");
  }
  c->reg = reg;
  evs_violations_init(&c->viol);
  if (opts->validate && evs_validator_new(reg, NULL, &c->validator, err) != EVS_OK) {
    rd_kafka_conf_destroy(conf);
    evs_consumer_close(c);
    return err->code;
  }
  c->viewer = opts->viewer;
  c->on_undecodable = opts->on_undecodable;
  c->undecodable_ctx = opts->undecodable_ctx;
  c->max_attempts = opts->max_attempts > 0 ? opts->max_attempts : 3;
  c->backoff_ms = opts->backoff_ms == 0 ? 100 : opts->backoff_ms < 0 ? 0 : opts->backoff_ms;
  c->max_backoff_ms = opts->max_backoff_ms > 0 ? opts->max_backoff_ms : 5000;
  if (opts->dlq_topic && !*opts->dlq_topic) {
    c->dlq_off = true;
  } else if (opts->dlq_topic && !(c->dlq_topic = evs_strdup(opts->dlq_topic))) {
    rd_kafka_conf_destroy(conf);
    evs_consumer_close(c);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the consumer");
  }
  if (opts->dedupe_window != SIZE_MAX && !opts->viewer) {
    c->dedupe = evs_dedupe_new(opts->dedupe_window ? opts->dedupe_window : 10000);
    if (!c->dedupe) {
      rd_kafka_conf_destroy(conf);
      evs_consumer_close(c);
      return evs_fail(err, EVS_ERR_INVALID_ARG, "dedupe window of %zu ids is not possible",
                      opts->dedupe_window);
    }
  }
  rd_kafka_conf_set_error_cb(conf, error_cb);
  if (opts->offset_for && !opts->viewer) {
    c->offset_for = opts->offset_for;
    c->on_revoke = opts->on_revoke;
    c->offsets_ctx = opts->offsets_ctx;
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  }
  rd_kafka_conf_set_opaque(conf, c);
  c->rk = evs_kafka_new_handle(RD_KAFKA_CONSUMER, conf, err);
  if (!c->rk) {
    evs_consumer_close(c);
    return err->code;
  }
  rd_kafka_poll_set_consumer(c->rk);
  int md_timeout = opts->metadata_timeout_ms > 0 ? opts->metadata_timeout_ms : opts->viewer ? 10000 : 0;
  if (opts->viewer) {
    if (assign_partitions(c, opts, md_timeout, err) != EVS_OK) {
      evs_consumer_close(c);
      return err->code;
    }
    *out = c;
    return EVS_OK;
  }
  for (size_t i = 0; md_timeout && i < opts->n_topics; i++) {
    const rd_kafka_metadata_t *md;
    const rd_kafka_metadata_topic_t *mt;
    if (topic_metadata(c->rk, opts->topics[i], md_timeout, &md, &mt, err) != EVS_OK) {
      evs_consumer_close(c);
      return err->code;
    }
    rd_kafka_metadata_destroy(md);
  }
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
  handler *hs = evs_realloc(c->handlers, (c->n_handlers + 1) * sizeof *hs);
  if (!hs) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  c->handlers = hs;
  char *copy = type ? evs_strdup(type) : NULL;
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
  if (c->viewer) return EVS_OK;
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

/* True when the media type s (parameters ignored) is `want`, case-insensitively. */
static bool media_is(const char *s, const char *want) {
  size_t n = strlen(want);
  return s && strncasecmp(s, want, n) == 0 && (s[n] == 0 || s[n] == ';' || s[n] == ' ' || s[n] == '\t');
}

evs_status evs_consumer_decode_record(const evs_registry *reg, evs_ce_event *v, const uint8_t *value,
                                      size_t len, evs_buf *store, const evs_message **schema,
                                      ProtobufCMessage **out, char *why, size_t n) {
  *out = NULL;
  *schema = NULL;
  bool json = v->content_type && evs_ce_media_is_json(v->content_type);
  if (media_is(v->content_type, "application/cloudevents+json")) {
    /* Structured mode: the value is the whole event; its attributes replace the (non-ce) headers'. */
    evs_error e;
    evs_error_clear(&e);
    evs_status st = evs_ce_parse_json((const char *)value, value ? len : 0, 0, v, store, &e);
    if (st != EVS_OK) {
      char text[300];
      evs_error_format(&e, text, sizeof text);
      snprintf(why, n, "structured-mode value is not a CloudEvent: %s", text);
      return st;
    }
    value = v->data;
    len = v->data_len;
    json = v->data_kind == EVS_CE_DATA_JSON;
    if (v->data_kind == EVS_CE_DATA_NONE) {
      snprintf(why, n, "structured-mode event has no data");
      return EVS_ERR_VALIDATION;
    }
  }
  if (!json) return evs_consumer_decode_value(reg, v, value, len, schema, out, why, n);
  *schema = resolve(reg, v, why, n);
  if (!*schema) return EVS_ERR_NOT_FOUND;
  if (!(*schema)->c_desc) {
    snprintf(why, n, "%s has no compiled C type", (*schema)->full_name);
    return EVS_ERR_UNSUPPORTED;
  }
  evs_error e;
  evs_error_clear(&e);
  evs_status st =
      evs_json_decode(reg, (*schema)->c_desc, (const char *)value, value ? len : 0, NULL, NULL, out, &e);
  if (st != EVS_OK) {
    char text[300];
    evs_error_format(&e, text, sizeof text);
    snprintf(why, n, "JSON data is not a valid %s: %s", (*schema)->full_name, text);
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
                              const char *reason, int attempts, const evs_kafka_header *extra, size_t n_extra,
                              evs_error *err) {
  if (c->dlq_off)
    return evs_fail(err, EVS_ERR_VALIDATION, "%s[%d]@%lld: %s (no dead-letter topic; offset not stored)",
                    rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, reason);
  char topic[512];
  snprintf(topic, sizeof topic, "%s", c->dlq_topic ? c->dlq_topic : rd_kafka_topic_name(m->rkt));
  if (!c->dlq_topic) strncat(topic, ".dlq", sizeof topic - strlen(topic) - 1);
  evs_status st = evs_dlq_send(c->dlq, topic, m, stage, reason, attempts, extra, n_extra, err);
  if (st != EVS_OK) return st;
  c->st.dead_lettered++;
  return store_offset(c, m, err);
}

/* The record as a handler or on_undecodable sees it: coordinates, key, value, headers, attributes.
 * EVS_ERR_NOMEM when its headers do not fit in memory (a record is never shown with some left out). */
static evs_status make_record(evs_consumer *c, const rd_kafka_message_t *m, const evs_ce_event *v,
                              evs_record *out, evs_error *err) {
  rd_kafka_headers_t *h = NULL;
  size_t n = 0;
  if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h) n = rd_kafka_header_cnt(h);
  if (n > c->hdrs_cap) {
    evs_kafka_header *more = evs_realloc(c->hdrs, n * sizeof *more);
    if (!more) return evs_fail(err, EVS_ERR_NOMEM, "out of memory reading %zu headers", n);
    c->hdrs = more;
    c->hdrs_cap = n;
  }
  size_t k = 0;
  for (size_t i = 0; i < n && k < c->hdrs_cap; i++) {
    const char *name;
    const void *val;
    size_t size;
    if (rd_kafka_header_get_all(h, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR)
      c->hdrs[k++] = (evs_kafka_header){name, val, val ? size : 0};
  }
  static const evs_ce_event none;
  if (!v) v = &none;
  *out = (evs_record){
      .topic = rd_kafka_topic_name(m->rkt),
      .partition = m->partition,
      .offset = m->offset,
      .timestamp_ms = rd_kafka_message_timestamp(m, NULL),
      .key = m->key,
      .key_len = m->key_len,
      .value = m->payload,
      .value_len = m->payload ? m->len : 0,
      .id = v->id,
      .source = v->source,
      .type = v->type,
      .specversion = v->specversion,
      .time = v->time,
      .subject = v->subject,
      .dataschema = v->dataschema,
      .content_type = v->content_type,
      .correlation_id = v->correlation_id,
      .causation_id = v->causation_id,
      .schema_version = v->schema_version,
      .tags = v->tags,
      .headers = c->hdrs,
      .n_headers = k,
  };
  return EVS_OK;
}

/* Longest evs_dlq_violations header: the JSON array of as many violations as fit (a Kafka header has no
 * fixed limit, but a dead letter must not grow past message.max.bytes because its event was very bad). */
#define DLQ_VIOLATIONS_MAX 16384

/* The violations of the current record as a JSON array, of the first ones that fit DLQ_VIOLATIONS_MAX
 * bytes (the reason header gives the count). EVS_ERR_NOMEM, else EVS_OK. */
static evs_status violations_header(evs_consumer *c, evs_kafka_header *out) {
  evs_violations view = c->viol; /* read-only: a prefix of the list, for the array to fit */
  for (;;) {
    evs_buf_reset(&c->viol_json);
    if (evs_violations_json(&view, &c->viol_json) != EVS_OK) return EVS_ERR_NOMEM;
    if (c->viol_json.len <= DLQ_VIOLATIONS_MAX || view.n <= 1) break;
    view.n /= 2;
  }
  *out = (evs_kafka_header){"evs_dlq_violations", c->viol_json.data, c->viol_json.len};
  return EVS_OK;
}

/* A record that cannot be processed: a viewer reports it and goes on, a group consumer dead-letters it.
 * schema/msg: the decoded payload of a record refused by validation (then c->viol holds the violations),
 * else NULL. */
static evs_status reject(evs_consumer *c, const rd_kafka_message_t *m, const evs_ce_event *v,
                         const evs_message *schema, const ProtobufCMessage *msg, const char *stage,
                         const char *why, int attempts, evs_error *err) {
  if (!c->viewer) {
    evs_kafka_header extra;
    size_t n_extra = 0;
    if (msg) {
      if (violations_header(c, &extra) != EVS_OK)
        return evs_fail(err, EVS_ERR_NOMEM, "out of memory writing the violations");
      n_extra = 1;
    }
    return dead_letter(c, m, stage, why, attempts, &extra, n_extra, err);
  }
  if (!c->on_undecodable)
    return evs_fail(err, EVS_ERR_VALIDATION, "%s[%d]@%lld: %s", rd_kafka_topic_name(m->rkt),
                    (int)m->partition, (long long)m->offset, why);
  evs_record rec;
  if (make_record(c, m, v, &rec, err) != EVS_OK) return EVS_ERR_NOMEM;
  if (msg) {
    rec.schema = schema;
    rec.msg = msg;
    rec.violations = &c->viol;
  }
  evs_error_clear(err);
  evs_status st = c->on_undecodable(&rec, why, c->undecodable_ctx, err);
  if (st != EVS_OK && err && err->code == EVS_OK) evs_fail(err, st, "%s", why);
  return st;
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
    return reject(c, m, NULL, NULL, NULL, "decode", why, 0, err);
  }
  const evs_message *schema = NULL;
  ProtobufCMessage *msg = NULL;
  evs_status st = evs_consumer_decode_record(c->reg, &v, m->payload, m->payload ? m->len : 0,
                                             &c->ce_json_store, &schema, &msg, why, sizeof why);
  if (st == EVS_ERR_NOMEM) return evs_fail(err, st, "%s", why);
  if (st != EVS_OK) {
    c->st.decode_errors++;
    return reject(c, m, &v, NULL, NULL, "decode", why, 0, err);
  }
  if (c->validator) {
    evs_error verr;
    evs_error_clear(&verr);
    st = evs_kafka_validate(c->validator, &v, msg, &c->viol, &verr);
    if (st == EVS_ERR_VALIDATION) {
      c->st.invalid++;
      st = reject(c, m, &v, schema, msg, "validate", verr.msg, 0, err);
      goto done;
    }
    if (st != EVS_OK) {
      st = evs_fail(err, st, "%s", verr.msg);
      goto done;
    }
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
  evs_record rec;
  if ((st = make_record(c, m, &v, &rec, err)) != EVS_OK) goto done;
  rec.schema = schema;
  rec.msg = msg;
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
      st = reject(c, m, &v, NULL, NULL, "handler", why, attempt, err);
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
  struct viewer_part *eof_part =
      c->viewer && m->rkt ? find_part(c, rd_kafka_topic_name(m->rkt), m->partition) : NULL;
  if (eof_part && !m->err) eof_part->eof = false;
  if (m->err) {
    rd_kafka_resp_err_t e = m->err;
    char detail[sizeof c->st.last_error];
    snprintf(detail, sizeof detail, "%s: %s", rd_kafka_err2name(e), rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
    char reason[256];
    if (e == RD_KAFKA_RESP_ERR__FATAL || rd_kafka_fatal_error(c->rk, reason, sizeof reason))
      return evs_kafka_fail(err, e, "consumer");
    if (e == RD_KAFKA_RESP_ERR__PARTITION_EOF && eof_part) eof_part->eof = true;
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
