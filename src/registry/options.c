/* evs custom options: (evs.v1.event) on messages, (evs.v1.field) on fields.
 *
 * The registry reads descriptor.proto without our extensions, so protobuf-c keeps the options as unknown
 * fields of MessageOptions/FieldOptions: tag 50100/50101, wire type 2, data = length varint + payload
 * (protoc-descriptors.md §4). Occurrences are concatenated (protobuf merges repeated message-typed
 * extensions), scanned like the set itself, unpacked with the generated code and copied into evs structs.
 * (evs.v1.oneof) on oneofs likewise (tag 50102); rules.c reads and checks the rules. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/v1/options.pb-c.h"

#define EVS_EVENT_OPTION_TAG 50100
#define EVS_FIELD_OPTION_TAG 50101
#define EVS_ONEOF_OPTION_TAG 50102

static evs_status nomem(evs_batch *b) {
  return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
}

/* Where the payload of a length-prefixed unknown field starts and how long it is (its data begins with
 * the length varint). */
static bool payload_of(const ProtobufCMessageUnknownField *u, size_t *off, size_t *n) {
  if (u->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) return false;
  uint64_t v = 0;
  size_t pos = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (pos >= u->len || shift > 63) return false;
    uint8_t byte = u->data[pos++];
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  if (v != u->len - pos) return false;
  *off = pos;
  *n = (size_t)v;
  return true;
}

/* Concatenates the payloads of every occurrence of `tag` (two passes, so that many occurrences cost one
 * allocation). *out is malloc'd, NULL when the option is absent. False with *why set when an occurrence is
 * malformed, with *why NULL when memory runs out. */
static bool collect_option(const ProtobufCMessage *opts, uint32_t tag, uint8_t **out, size_t *len,
                           bool *present, const char **why) {
  *out = NULL;
  *len = 0;
  *present = false;
  *why = NULL;
  if (!opts) return true;
  size_t total = 0, off, n;
  for (unsigned i = 0; i < opts->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &opts->unknown_fields[i];
    if (u->tag != tag) continue;
    *present = true;
    if (!payload_of(u, &off, &n)) {
      *why = "is not a length-delimited message";
      return false;
    }
    total += n; /* cannot overflow: every payload lies in the unpacked set */
  }
  if (!*present) return true;
  *out = evs_malloc(total ? total : 1);
  if (!*out) return false;
  for (unsigned i = 0; i < opts->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &opts->unknown_fields[i];
    if (u->tag != tag || !payload_of(u, &off, &n)) continue;
    memcpy(*out + *len, u->data + off, n);
    *len += n;
  }
  return true;
}

/* Decodes option `tag` of `opts` as a `desc` message into *out (NULL when absent; free with
 * protobuf_c_message_free_unpacked). */
static evs_status unpack_option(evs_batch *b, const ProtobufCMessage *opts, uint32_t tag,
                                const ProtobufCMessageDescriptor *desc, const char *what, const char *owner,
                                const evs_source_info *src, ProtobufCMessage **out) {
  uint8_t *data;
  size_t len;
  bool present;
  const char *why;
  *out = NULL;
  if (!collect_option(opts, tag, &data, &len, &present, &why))
    return why ? evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "%s of %s %s", what, owner, why) : nomem(b);
  if (!present) return EVS_OK;
  evs_wire_scan scan;
  evs_status st = evs_wire_scan_message(data, len, desc, 4, &scan);
  if (st == EVS_ERR_NOMEM) {
    evs_free(data);
    return nomem(b);
  }
  evs_noting_alloc alloc; /* a failed allocation is not a malformed option */
  evs_noting_alloc_init(&alloc, NULL);
  if (!st && !scan.nul_found) *out = protobuf_c_message_unpack(desc, &alloc.base, len, data);
  evs_free(data);
  if (alloc.failed) return nomem(b);
  if (!*out)
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "%s of %s is malformed%s", what, owner,
                          scan.nul_found ? " (a string holds a NUL byte)" : "");
  return EVS_OK;
}

const char *evs_batch_dup_str(evs_batch *b, const char *s, bool *ok) {
  if (!s) return NULL;
  const char *p = evs_arena_strndup(b->pool, s, strlen(s));
  if (!p) *ok = false;
  return p;
}

static const char *const *dup_strv(evs_batch *b, char **v, size_t n, bool *ok) {
  if (!n) return NULL;
  const char **out = evs_arena_calloc(b->pool, n, sizeof *out);
  if (!out) {
    *ok = false;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) out[i] = evs_batch_dup_str(b, v[i] ? v[i] : "", ok);
  return out;
}

/* ---- field and oneof rules (rules.c reads them) ---- */

static evs_status decode_field_rules(evs_batch *b, evs_field *f) {
  const Google__Protobuf__FieldOptions *fo = f->proto->options;
  ProtobufCMessage *raw;
  evs_status st =
      unpack_option(b, fo ? &fo->base : NULL, EVS_FIELD_OPTION_TAG, &evs__v1__field_rules__descriptor,
                    "option (evs.v1.field)", f->full_name, &f->src, &raw);
  if (st || !raw) return st;
  st = evs_rules_decode(b, f, raw);
  protobuf_c_message_free_unpacked(raw, NULL);
  return st;
}

static evs_status decode_oneof_rules(evs_batch *b, evs_oneof *o) {
  const Google__Protobuf__OneofOptions *oo = o->proto->options;
  ProtobufCMessage *raw;
  evs_status st =
      unpack_option(b, oo ? &oo->base : NULL, EVS_ONEOF_OPTION_TAG, &evs__v1__oneof_rules__descriptor,
                    "option (evs.v1.oneof)", o->name, &o->src, &raw);
  if (st || !raw) return st;
  st = evs_oneof_rules_decode(b, o, raw);
  protobuf_c_message_free_unpacked(raw, NULL);
  return st;
}

/* ---- event options ---- */

/* Resolves a dotted proto-name path from m. Intermediate fields must be singular messages. */
static evs_status resolve_path(evs_batch *b, const evs_message *m, const char *path, const char *what,
                               const evs_field *const **out, size_t *n_out) {
  size_t n = 1;
  for (const char *p = path; *p; p++) n += *p == '.';
  const evs_field **fields = evs_arena_calloc(b->pool, n, sizeof *fields);
  if (!fields) return nomem(b);
  const evs_message *cur = m;
  const char *seg = path;
  for (size_t i = 0; i < n; i++) {
    const char *dot = strchr(seg, '.');
    size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
    const evs_field *f = cur ? evs_message_find_field(cur, seg, len) : NULL;
    if (f && (strlen(f->name) != len || memcmp(f->name, seg, len) != 0)) f = NULL; /* proto names only */
    if (!f)
      return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR,
                            "message %s: %s \"%s\" names no field (at \"%.*s\")", m->full_name, what, path,
                            (int)len, seg);
    bool last = i + 1 == n;
    if (!last && (f->is_repeated || !f->message_type))
      return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR,
                            "message %s: %s \"%s\" passes through %s, which is not a singular message field",
                            m->full_name, what, path, f->name);
    if (last && (f->is_repeated || f->message_type))
      return evs_batch_fail(
          b, &m->src, EVS_ERR_DESCRIPTOR,
          "message %s: %s \"%s\" must end at a singular scalar, string, bytes or enum field", m->full_name,
          what, path);
    fields[i] = f;
    cur = f->message_type;
    seg = dot ? dot + 1 : seg + len;
  }
  *out = fields;
  *n_out = n;
  return EVS_OK;
}

static evs_status check_event(evs_batch *b, const evs_message *m, evs_event_options *ev) {
  evs_status st;
  if (ev->schema_version && !evs_is_schema_version(ev->schema_version))
    return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR,
                          "message %s: schema_version \"%.40s\" is not dotted decimal (e.g. \"1.0\")",
                          m->full_name, ev->schema_version);
  /* A type listed twice is caught with all other duplicates in collect_events (sorted, not pairwise). */
  for (size_t i = 0; i < ev->n_types; i++)
    if (!*ev->types[i])
      return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR, "message %s: an event type name is empty",
                            m->full_name);
  if (ev->partition_key && (st = resolve_path(b, m, ev->partition_key, "partition_key",
                                              &ev->partition_key_path, &ev->n_partition_key_path)))
    return st;
  if (ev->type_field) {
    if ((st = resolve_path(b, m, ev->type_field, "type_field", &ev->type_field_path, &ev->n_type_field_path)))
      return st;
    if (ev->type_field_path[ev->n_type_field_path - 1]->type != EVS_TYPE_STRING)
      return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR,
                            "message %s: type_field \"%s\" must be a string field", m->full_name,
                            ev->type_field);
  }
  if (ev->n_types > 1 && !ev->type_field)
    return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR,
                          "message %s carries %zu event types but sets no type_field to tell them apart",
                          m->full_name, ev->n_types);
  return EVS_OK;
}

static evs_status decode_event_options(evs_batch *b, evs_message *m) {
  const Google__Protobuf__MessageOptions *mo = m->proto->options;
  ProtobufCMessage *raw;
  evs_status st =
      unpack_option(b, mo ? &mo->base : NULL, EVS_EVENT_OPTION_TAG, &evs__v1__event_options__descriptor,
                    "option (evs.v1.event)", m->full_name, &m->src, &raw);
  if (st || !raw) return st;
  const Evs__V1__EventOptions *in = (const Evs__V1__EventOptions *)raw;
  evs_event_options *ev = evs_arena_calloc(b->pool, 1, sizeof *ev);
  bool ok = ev != NULL;
  if (ev) {
    ev->types = dup_strv(b, in->types, in->n_types, &ok);
    ev->n_types = in->n_types;
    ev->topic = evs_batch_dup_str(b, in->topic, &ok);
    ev->partition_key = evs_batch_dup_str(b, in->partition_key, &ok);
    ev->schema_version = evs_batch_dup_str(b, in->schema_version, &ok);
    ev->type_field = evs_batch_dup_str(b, in->type_field, &ok);
  }
  protobuf_c_message_free_unpacked(raw, NULL);
  if (!ok) return nomem(b);
  m->event = ev;
  return check_event(b, m, ev);
}

int evs_event_type_cmp(const void *pa, const void *pb) {
  const evs_event_type *a = pa, *b = pb;
  int c = strcmp(a->name, b->name);
  return c ? c : evs_schema_version_compare(a->schema_version, b->schema_version);
}

static evs_status collect_events(evs_batch *b) {
  size_t n = 0;
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    const evs_message *m = b->new_msgs.v[i];
    if (m->event) n += m->event->n_types;
  }
  if (!n) return EVS_OK;
  evs_event_type *ev = evs_arena_calloc(b->pool, n, sizeof *ev);
  if (!ev) return nomem(b);
  size_t k = 0;
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    const evs_message *m = b->new_msgs.v[i];
    for (size_t t = 0; m->event && t < m->event->n_types; t++)
      ev[k++] =
          (evs_event_type){m->event->types[t], m->event->schema_version ? m->event->schema_version : "", m};
  }
  qsort(ev, n, sizeof *ev, evs_event_type_cmp);
  for (size_t i = 0; i < n; i++) {
    const evs_event_type *old = NULL;
    if (i && evs_event_type_cmp(&ev[i - 1], &ev[i]) == 0) old = &ev[i - 1];
    if (!old) old = evs_registry_find_event_type_version(b->reg, ev[i].name, ev[i].schema_version);
    if (old)
      return evs_batch_fail(b, &ev[i].message->src, EVS_ERR_DUPLICATE,
                            "event type %s version \"%s\" of %s is already carried by %s", ev[i].name,
                            ev[i].schema_version, ev[i].message->full_name, old->message->full_name);
  }
  b->events = ev;
  b->n_events = n;
  return EVS_OK;
}

evs_status evs_decode_options(evs_batch *b) {
  evs_status st;
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    evs_message *m = b->new_msgs.v[i];
    for (size_t k = 0; k < m->n_fields; k++)
      if ((st = decode_field_rules(b, evs_writable(m->decl_fields[k])))) return st;
    for (size_t k = 0; k < m->n_oneofs; k++)
      if ((st = decode_oneof_rules(b, evs_writable(&m->oneofs[k])))) return st;
  }
  for (size_t i = 0; i < b->new_msgs.n; i++)
    if ((st = decode_event_options(b, b->new_msgs.v[i]))) return st;
  return collect_events(b);
}
