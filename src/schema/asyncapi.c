/* evs_asyncapi_write: the catalog as an AsyncAPI 3.0.0 document (docs/asyncapi.md). Payload schemas come from
 * the JSON Schema writer (jsonschema.c) with their definitions under components.schemas; AsyncAPI's Schema
 * Object is a draft-07 superset, so the few places where draft 2020-12 and draft-07 read the same schema
 * differently are rewritten (draft07 below). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "evs/asyncapi.h"
#include "evs/evs.h"
#include "schema/jsonschema_internal.h"

#define KAFKA_BINDING_VERSION "0.5.0"

/* AsyncAPI component and map keys must match ^[a-zA-Z0-9.\-_]+$ and are used inside JSON pointers: other
 * bytes become '_'; a key already taken gets "-2", "-3", ... */
static const char *key_of(js_ctx *c, js_node *taken, const char *text) {
  if (!text) return NULL;
  size_t n = strlen(text);
  char *k = evs_arena_alloc(c->arena, n + 24);
  if (!k) {
    c->nomem = true;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    char ch = text[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '-' || ch == '_';
    k[i] = ok ? ch : '_';
  }
  if (!n) k[n++] = '_';
  k[n] = 0;
  for (unsigned dup = 2; js_get(taken, k); dup++) snprintf(k + n, 24, "-%u", dup);
  return k;
}

/* In draft 2020-12 the keywords beside "$ref" apply; draft-07 (and so AsyncAPI) ignores them: move each such
 * "$ref" into an "allOf" of its own, which both drafts read alike. */
static void draft07(js_ctx *c, js_node *n) {
  if (!n || (n->kind != JS_OBJ && n->kind != JS_ARR)) return;
  for (js_node *k = n->first; k; k = k->next) draft07(c, k);
  if (n->kind != JS_OBJ || !n->first || !n->first->next) return;
  js_node *prev = NULL, *ref = n->first;
  while (ref && strcmp(ref->key, "$ref") != 0) {
    prev = ref;
    ref = ref->next;
  }
  if (!ref) return;
  if (prev)
    prev->next = ref->next;
  else
    n->first = ref->next;
  if (n->last == ref) n->last = prev;
  ref->next = NULL;
  js_node *all = js_get(n, "allOf");
  if (!all) all = js_put(c, n, "allOf", js_arr(c));
  js_add(all, js_kv(c, "$ref", ref));
}

/* The first sentence (or line) of a comment. */
static js_node *summary_of(js_ctx *c, const char *comment) {
  size_t n = 0;
  while (comment[n] && comment[n] != '\n' &&
         !(comment[n] == '.' && (comment[n + 1] == ' ' || !comment[n + 1])))
    n++;
  if (comment[n] == '.') n++;
  const char *s = js_strdup(c, comment, n);
  return s ? js_str(c, s) : NULL;
}

static js_node *text_header(js_ctx *c, const char *description, bool non_empty) {
  js_node *s = js_pattern(c, CE_TEXT);
  if (non_empty) js_put(c, s, "minLength", js_raw(c, "1"));
  js_put(c, s, "description", js_str(c, description));
  return s;
}

/* The text of a js_strf result, NULL when it could not be made (c->nomem is then set). */
static const char *text_of(const js_node *n) {
  return n ? n->text : NULL;
}

static js_node *const_header(js_ctx *c, const char *value, const char *description) {
  if (!value) return NULL;
  js_node *s = js_type(c, "string");
  js_put(c, s, "const", js_str(c, value));
  js_put(c, s, "description", js_str(c, description));
  return s;
}

/* The binary-mode CloudEvents headers the evs producer writes (docs/kafka.md), with the values fixed by the
 * event type; required: the four attributes CloudEvents requires. */
static js_node *headers(js_ctx *c, const evs_event_type *t) {
  const evs_message *m = t->message;
  js_node *o = js_type(c, "object");
  js_node *p = js_put(c, o, "properties", js_obj(c));
  js_put(c, p, "ce_specversion", const_header(c, "1.0", "CloudEvents spec version."));
  js_put(c, p, "ce_id",
         text_header(c,
                     "Event id, unique per source; consumers deduplicate on (ce_source, ce_id). evs writes a "
                     "UUIDv7 and its validation requires one.",
                     true));
  js_put(c, p, "ce_source",
         text_header(c, "URI-reference of the producer, e.g. /evs (evs's default).", true));
  js_put(c, p, "ce_type", const_header(c, t->name, "The event type."));
  js_node *time = js_pattern(c, CE_TIME);
  js_put(c, time, "description",
         js_str(c,
                "When the event happened, RFC 3339; evs writes milliseconds and UTC "
                "(2025-01-27T10:00:00.000Z)."));
  js_put(c, p, "ce_time", time);
  js_put(c, p, "ce_subject", text_header(c, "Subject of the event in the context of its source.", true));
  js_put(c, p, "ce_dataschema",
         const_header(c, text_of(js_strf(c, "evs:%s", m->full_name)), "The payload's protobuf message."));
  js_node *ct = js_type(c, "string");
  js_node *cts = js_put(c, ct, "enum", js_arr(c));
  js_add(cts, js_str(c, "application/protobuf"));
  js_add(cts, js_str(c, "application/vnd.confluent.protobuf"));
  js_add(cts, js_str(c, "application/json"));
  js_put(c, ct, "description",
         js_str(c,
                "The payload's encoding: protobuf (what evs writes), protobuf in the Confluent Schema "
                "Registry framing (the library producer's confluent_framing option), or the JSON form of the "
                "payload schema."));
  js_put(c, p, "content-type", ct);
  if (t->schema_version[0])
    js_put(c, p, "ce_schemaversion",
           const_header(c, t->schema_version, "The message's schema_version (evs extension)."));
  js_put(c, p, "ce_correlationid", text_header(c, "Correlation id for tracing (evs extension).", false));
  js_put(c, p, "ce_causationid",
         text_header(c, "Id of the event that caused this one (evs extension).", false));
  js_put(c, p, "ce_tags",
         text_header(c, "k1=v1&k2=v2, keys sorted, percent-encoded (evs extension).", false));
  js_node *req = js_put(c, o, "required", js_arr(c));
  js_add(req, js_str(c, "ce_specversion"));
  js_add(req, js_str(c, "ce_id"));
  js_add(req, js_str(c, "ce_source"));
  js_add(req, js_str(c, "ce_type"));
  return o;
}

static js_node *kafka_binding(js_ctx *c, js_node *fields) {
  js_node *k = fields ? fields : js_obj(c);
  js_put(c, k, "bindingVersion", js_str(c, KAFKA_BINDING_VERSION));
  return js_kv(c, "kafka", k);
}

static js_node *message(js_ctx *c, const evs_event_type *t) {
  const evs_message *m = t->message;
  const evs_event_options *ev = m->event;
  const char *comment = m->src.leading_comment;
  js_node *o = js_obj(c);
  js_put(c, o, "name", js_str(c, t->name));
  js_put(c, o, "title",
         t->schema_version[0] ? js_strf(c, "%s %s", t->name, t->schema_version) : js_str(c, t->name));
  if (comment && *comment) js_put(c, o, "summary", summary_of(c, comment));
  js_put(c, o, "description",
         js_strf(c,
                 "%s%sThe Kafka record value is the protobuf message %s (content-type application/protobuf); "
                 "the payload schema is the JSON form of that message (ProtoJSON), which `evs encode` and "
                 "`evs produce` read and `evs decode` writes.",
                 comment ? comment : "", comment && *comment ? "\n\n" : "", m->full_name));
  js_put(c, o, "contentType", js_str(c, "application/protobuf"));
  js_put(c, o, "headers", headers(c, t));
  js_put(c, o, "payload", js_message_ref(c, m));
  js_node *corr = js_kv(c, "location", js_str(c, "$message.header#/ce_correlationid"));
  js_put(c, corr, "description", js_str(c, "The ce_correlationid header, when the producer sets one."));
  js_put(c, o, "correlationId", corr);
  js_node *kb = js_obj(c);
  if (ev->partition_key) {
    js_node *key = js_type(c, "string");
    js_put(c, key, "description",
           js_strf(c,
                   "The text of the payload's %s field (strings as they are, integers in decimal, enums by "
                   "value name); a null key when it is unset or empty.",
                   ev->partition_key));
    js_put(c, kb, "key", key);
  }
  js_put(c, o, "bindings", kafka_binding(c, kb));
  js_put(c, o, "x-evs-message", js_str(c, m->full_name));
  if (t->schema_version[0]) js_put(c, o, "x-evs-schema-version", js_str(c, t->schema_version));
  if (ev->partition_key) js_put(c, o, "x-evs-partition-key", js_str(c, ev->partition_key));
  return o;
}

static int topic_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

evs_status evs_asyncapi_write(const evs_registry *reg, const evs_asyncapi_options *opts, evs_buf *out,
                              size_t *n_without_topic, evs_error *err) {
  evs_error_clear(err);
  if (n_without_topic) *n_without_topic = 0;
  if (!reg || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_asyncapi_write: %s is NULL", !reg ? "reg" : "out");
  evs_asyncapi_options defaults = {0};
  if (!opts) opts = &defaults;
  if (opts->flags & ~(uint32_t)(EVS_ASYNCAPI_PRETTY | EVS_ASYNCAPI_CANONICAL))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_asyncapi_write: unknown flags 0x%x",
                    (unsigned)opts->flags);
  js_ctx c;
  memset(&c, 0, sizeof c);
  c.reg = reg;
  c.canonical = (opts->flags & EVS_ASYNCAPI_CANONICAL) != 0;
  c.rules = true;
  c.ref_prefix = "#/components/schemas/";
  c.arena = evs_arena_new(0);
  if (!c.arena) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");

  size_t n = 0, n_topics = 0, skipped = 0;
  const evs_event_type *types = evs_registry_event_types(reg, &n);
  const char **topics = n ? evs_arena_alloc(c.arena, n * sizeof *topics) : NULL;
  if (n && !topics) c.nomem = true;
  for (size_t i = 0; i < n && topics; i++) {
    const char *topic = types[i].message->event->topic;
    if (topic && *topic) topics[n_topics++] = topic;
  }
  if (n_topics) qsort(topics, n_topics, sizeof *topics, topic_cmp);

  js_node *root = js_obj(&c);
  js_put(&c, root, "asyncapi", js_str(&c, "3.0.0"));
  js_node *info = js_put(&c, root, "info", js_obj(&c));
  js_put(&c, info, "title", js_str(&c, opts->title ? opts->title : "evs event catalog"));
  js_put(&c, info, "version", js_str(&c, opts->version ? opts->version : evs_version()));
  js_put(&c, info, "description",
         js_str(&c,
                "The event types of the catalog: one channel per Kafka topic, one message per event type "
                "and schema version. Records carry the protobuf payload as the value, the CloudEvents "
                "attributes as ce_* headers (binary content mode) and the partition key as the key. "
                "Written by `evs asyncapi`."));
  js_put(&c, root, "defaultContentType", js_str(&c, "application/protobuf"));
  js_node *channels = js_put(&c, root, "channels", js_obj(&c));
  js_node *operations = js_put(&c, root, "operations", js_obj(&c));
  js_node *components = js_put(&c, root, "components", js_obj(&c));
  js_node *comp_messages = js_put(&c, components, "messages", js_obj(&c));
  c.defs = js_put(&c, components, "schemas", js_obj(&c));
  js_node *without = NULL;

  for (size_t i = 0; i < n; i++) {
    const char *topic = types[i].message->event->topic;
    if (topic && *topic) continue;
    if (!without) without = js_arr(&c);
    js_add(without, js_str(&c, types[i].name));
    skipped++;
  }
  for (size_t ti = 0; ti < n_topics && !c.nomem; ti++) {
    const char *topic = topics[ti];
    if (ti && !strcmp(topic, topics[ti - 1])) continue;
    const char *cid = key_of(&c, channels, topic);
    const char *oid = key_of(&c, operations, text_of(js_strf(&c, "send.%s", cid ? cid : "")));
    if (!cid || !oid) break;
    js_node *ch = js_put(&c, channels, cid, js_obj(&c));
    js_put(&c, ch, "address", js_str(&c, topic));
    js_put(&c, ch, "title", js_str(&c, topic));
    js_put(&c, ch, "description", js_strf(&c, "The Kafka topic %s.", topic));
    js_node *ch_msgs = js_put(&c, ch, "messages", js_obj(&c));
    js_put(&c, ch, "bindings", kafka_binding(&c, js_kv(&c, "topic", js_str(&c, topic))));
    js_node *op = js_put(&c, operations, oid, js_obj(&c));
    js_put(&c, op, "action", js_str(&c, "send"));
    js_put(&c, op, "channel", js_kv(&c, "$ref", js_strf(&c, "#/channels/%s", cid)));
    js_put(&c, op, "summary", js_strf(&c, "Producers send these events to %s.", topic));
    js_node *op_msgs = js_put(&c, op, "messages", js_arr(&c));
    js_put(&c, op, "bindings", kafka_binding(&c, NULL));
    for (size_t i = 0; i < n; i++) {
      const evs_event_type *t = &types[i];
      if (!t->message->event->topic || strcmp(t->message->event->topic, topic)) continue;
      const char *mid =
          key_of(&c, comp_messages,
                 t->schema_version[0] ? text_of(js_strf(&c, "%s-v%s", t->name, t->schema_version)) : t->name);
      if (!mid) break;
      js_put(&c, comp_messages, mid, message(&c, t));
      js_put(&c, ch_msgs, mid, js_kv(&c, "$ref", js_strf(&c, "#/components/messages/%s", mid)));
      js_add(op_msgs, js_kv(&c, "$ref", js_strf(&c, "#/channels/%s/messages/%s", cid, mid)));
    }
  }
  js_build_defs(&c);
  draft07(&c, c.defs);
  if (without) js_put(&c, root, "x-evs-without-topic", without);

  evs_status st = EVS_OK;
  if (c.nomem || evs_buf_status(&c.tmp) != EVS_OK || evs_buf_status(&c.inexact) != EVS_OK)
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory while building the AsyncAPI document");
  else
    st = js_write(root, (opts->flags & EVS_ASYNCAPI_PRETTY) != 0, out, err);
  evs_buf_free(&c.tmp);
  evs_buf_free(&c.inexact);
  evs_arena_free(c.arena);
  if (st == EVS_OK && n_without_topic) *n_without_topic = skipped;
  return st;
}
