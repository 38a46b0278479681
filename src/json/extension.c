/* proto2 extensions in JSON: the key "[pkg.name]" (ProtoJSON's form for an extension field). protobuf-c keeps
 * extension values as unknown fields, so the decoder appends the value's wire bytes there and the encoder
 * prints unknown fields that are known extensions of the message. Singular scalar and enum extensions only;
 * message-typed and repeated ones are EVS_ERR_UNSUPPORTED in JSON (their bytes still survive binary). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "base/varint_internal.h"
#include "json/json_internal.h"

/* One scalar value as the codec's readers and writers keep it. */
typedef union ext_slot {
  uint64_t u;
  double dv;
  ProtobufCBinaryData b;
  void *p;
} ext_slot;

static bool extends(const Google__Protobuf__FieldDescriptorProto *fd, const evs_message *m) {
  return fd->extendee && fd->extendee[0] == '.' && strcmp(fd->extendee + 1, m->full_name) == 0;
}

static bool names(const char *scope, const char *name, const char *want, size_t len) {
  size_t ls = strlen(scope), ln = strlen(name);
  if (ls)
    return len == ls + 1 + ln && memcmp(want, scope, ls) == 0 && want[ls] == '.' &&
           memcmp(want + ls + 1, name, ln) == 0;
  return len == ln && memcmp(want, name, ln) == 0;
}

static void complete(const evs_registry *reg, evs_json_ext *out) {
  out->traits = evs_type_traits_of(out->proto->type);
  if (out->proto->type == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM &&
      out->proto->type_name && out->proto->type_name[0] == '.')
    out->enum_type = evs_registry_find_enum(reg, out->proto->type_name + 1);
  out->supported = out->traits && out->traits->json_kind != EVS_JSON_MESSAGE &&
                   out->proto->label != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED &&
                   (out->proto->type != GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_ENUM ||
                    (out->enum_type && out->enum_type->c_desc));
}

static bool pick(const Google__Protobuf__FieldDescriptorProto *fd, const char *scope, const evs_message *m,
                 const char *want, size_t len, uint32_t number, evs_json_ext *out) {
  if (!fd || !fd->name || !extends(fd, m)) return false;
  if (want ? !names(scope, fd->name, want, len) : fd->number != (int32_t)number) return false;
  out->proto = fd;
  out->scope = scope;
  return true;
}

bool evs_json_find_extension(const evs_registry *reg, const evs_message *m, const char *want, size_t len,
                             uint32_t number, evs_json_ext *out) {
  memset(out, 0, sizeof *out);
  /* Only a message with extension ranges can be extended (never a proto3 one): the search over every
   * declaration is skipped for the unknown fields of all other messages, which the encoder meets often. */
  if (!m->proto || !m->proto->n_extension_range) return false;
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__FileDescriptorProto *fp = files[i]->proto;
    for (size_t k = 0; fp && k < fp->n_extension; k++)
      if (pick(fp->extension[k], files[i]->package, m, want, len, number, out)) goto found;
  }
  const evs_message *const *msgs = evs_registry_messages(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__DescriptorProto *dp = msgs[i]->proto;
    for (size_t k = 0; dp && k < dp->n_extension; k++)
      if (pick(dp->extension[k], msgs[i]->full_name, m, want, len, number, out)) goto found;
  }
  return false;
found:
  complete(reg, out);
  return true;
}

size_t evs_json_list_extensions(const evs_registry *reg, const evs_message *m, evs_json_ext *out,
                                size_t cap) {
  size_t count = 0;
  if (!m->proto || !m->proto->n_extension_range) return 0;
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__FileDescriptorProto *fp = files[i]->proto;
    for (size_t k = 0; fp && k < fp->n_extension; k++)
      if (fp->extension[k] && fp->extension[k]->name && extends(fp->extension[k], m) && count++ < cap) {
        memset(&out[count - 1], 0, sizeof *out);
        out[count - 1].proto = fp->extension[k];
        out[count - 1].scope = files[i]->package;
        complete(reg, &out[count - 1]);
      }
  }
  const evs_message *const *msgs = evs_registry_messages(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__DescriptorProto *dp = msgs[i]->proto;
    for (size_t k = 0; dp && k < dp->n_extension; k++)
      if (dp->extension[k] && dp->extension[k]->name && extends(dp->extension[k], m) && count++ < cap) {
        memset(&out[count - 1], 0, sizeof *out);
        out[count - 1].proto = dp->extension[k];
        out[count - 1].scope = msgs[i]->full_name;
        complete(reg, &out[count - 1]);
      }
  }
  return count;
}

void evs_json_ext_views(const evs_json_ext *x, evs_field *f, ProtobufCFieldDescriptor *fd) {
  memset(f, 0, sizeof *f);
  memset(fd, 0, sizeof *fd);
  f->name = f->json_name = f->full_name = x->proto->name;
  f->number = (uint32_t)x->proto->number;
  f->type = (evs_field_type)x->proto->type;
  f->traits = x->traits;
  f->enum_type = x->enum_type;
  fd->name = x->proto->name;
  fd->id = (uint32_t)x->proto->number;
  fd->label = PROTOBUF_C_LABEL_OPTIONAL;
  fd->type = (ProtobufCType)x->traits->pbc_type;
  fd->descriptor = x->enum_type ? x->enum_type->c_desc : NULL;
  /* an extension's value lives in unknown-field bytes, not in a `char *`: a string keeps U+0000 */
  if (x->traits->type == EVS_TYPE_STRING) {
    fd->type = PROTOBUF_C_TYPE_BYTES;
    fd->flags = EVS_FIELD_FLAG_STRING;
  }
}

/* The value in slot (as evs_jd_scalar left it) as the bytes that follow the tag on the wire. */
static size_t wire_value(const evs_type_traits *tr, const void *slot, uint8_t small[16], const uint8_t **big,
                         size_t *big_len) {
  *big = NULL;
  if (tr->wire_type == EVS_WIRE_LEN) {
    const ProtobufCBinaryData *bd = slot; /* strings too (evs_json_ext_views) */
    *big = bd->data;
    *big_len = bd->len;
    return evs_varint_put(small, bd->len);
  }
  if (tr->wire_type == EVS_WIRE_I32) {
    memcpy(small, slot, 4); /* little-endian hosts only, as protobuf-c itself */
    return 4;
  }
  if (tr->wire_type == EVS_WIRE_I64) {
    memcpy(small, slot, 8);
    return 8;
  }
  uint64_t v;
  if (tr->bits == 64) {
    memcpy(&v, slot, 8);
    if (tr->is_zigzag) v = (v << 1) ^ (uint64_t)((int64_t)v >> 63);
  } else if (tr->bits == 1) {
    v = *(const protobuf_c_boolean *)slot ? 1 : 0;
  } else {
    int32_t i;
    memcpy(&i, slot, 4);
    if (tr->is_zigzag)
      v = (uint32_t)(((uint32_t)i << 1) ^ (uint32_t)(i >> 31));
    else
      v = tr->is_signed ? (uint64_t)(int64_t)i : (uint64_t)(uint32_t)i;
  }
  return evs_varint_put(small, v);
}

/* Appends an unknown field to msg through the decoder's allocator: tag, wire type, and the bytes
 * p1[0..n1) then p2[0..n2) after the tag. */
static evs_status append_unknown(evs_jdec *d, ProtobufCMessage *msg, uint32_t tag, unsigned wire,
                                 const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2,
                                 const char *pos) {
  size_t total = n1 + n2;
  uint8_t *data = evs_jd_alloc(d, total ? total : 1, pos);
  ProtobufCMessageUnknownField *grown =
      data ? evs_jd_alloc(d, (msg->n_unknown_fields + 1) * sizeof *grown, pos) : NULL;
  if (!data || !grown) {
    if (data) d->alloc->free(d->alloc->allocator_data, data);
    return EVS_ERR_NOMEM;
  }
  if (n1) memcpy(data, p1, n1);
  if (n2) memcpy(data + n1, p2, n2);
  if (msg->n_unknown_fields) memcpy(grown, msg->unknown_fields, msg->n_unknown_fields * sizeof *grown);
  grown[msg->n_unknown_fields] = (ProtobufCMessageUnknownField){
      .tag = tag, .wire_type = (ProtobufCWireType)wire, .len = total, .data = data};
  if (msg->unknown_fields) d->alloc->free(d->alloc->allocator_data, msg->unknown_fields);
  msg->unknown_fields = grown;
  msg->n_unknown_fields++;
  return EVS_OK;
}

/* One JSON object of group field f into msg: built as the group's message, packed, and kept as the
 * group's wire bytes in the unknown fields (docs/json.md: protobuf-c structs have no place for groups). */
static evs_status jd_one_group(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                               ProtobufCMessage *msg) {
  const char *pos = d->p;
  ProtobufCMessage *sub = evs_jd_new_message(d, fd->descriptor, pos);
  if (!sub) return d->err->code;
  d->mdepth++;
  evs_status st = evs_jd_message_value(d, f->message_type, fd->descriptor, sub);
  d->mdepth--;
  if (st == EVS_OK) {
    size_t n = protobuf_c_message_get_packed_size(sub);
    uint8_t *buf = evs_malloc(n ? n : 1);
    if (!buf) {
      st = evs_jd_fail(d, EVS_ERR_NOMEM, pos, "out of memory");
    } else {
      protobuf_c_message_pack(sub, buf);
      uint8_t end[16];
      size_t el = evs_varint_put(end, (uint64_t)fd->id << 3 | EVS_WIRE_EGROUP);
      st = append_unknown(d, msg, fd->id, EVS_WIRE_SGROUP, buf, n, end, el, pos);
      if (st != EVS_OK) st = evs_jd_fail(d, st, pos, "out of memory");
      evs_free(buf);
    }
  }
  protobuf_c_message_free_unpacked(sub, d->alloc);
  return st;
}

evs_status evs_jd_group(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                        ProtobufCMessage *msg) {
  if (evs_jd_literal(d, "null", 4)) return EVS_OK;
  if (!f->is_repeated) return jd_one_group(d, f, fd, msg);
  if (*d->p != '[') return evs_jd_expected(d, d->p, "an array for repeated group field");
  bool has_items;
  evs_status st = evs_jd_open(d, ']', &has_items);
  if (st != EVS_OK || !has_items) return st;
  bool more = true;
  for (size_t i = 0; more; i++) {
    evs_jd_ws(d);
    if ((st = jd_one_group(d, f, fd, msg)) == EVS_OK) st = evs_jd_next(d, ']', &more);
    if (st != EVS_OK) {
      evs_jd_path_index(d, i);
      return st;
    }
  }
  return EVS_OK;
}

evs_status evs_jd_extension(evs_jdec *d, const evs_json_ext *x, ProtobufCMessage *msg, const char *keypos) {
  if (!x->supported)
    return evs_jd_fail(d, EVS_ERR_UNSUPPORTED, keypos,
                       "extension %s%s%s: only singular scalar and enum extensions can be read from JSON",
                       x->scope, *x->scope ? "." : "", x->proto->name);
  evs_field f;
  ProtobufCFieldDescriptor fd;
  evs_json_ext_views(x, &f, &fd);
  ext_slot slot;
  memset(&slot, 0, sizeof slot);
  bool skipped = false;
  evs_status st = evs_jd_scalar(d, &f, &fd, &slot, &skipped);
  if (st != EVS_OK || skipped) return st;
  uint8_t small[16];
  const uint8_t *big;
  size_t big_len = 0, n = wire_value(x->traits, &slot, small, &big, &big_len);
  st = append_unknown(d, msg, fd.id, x->traits->wire_type, small, n, big, big ? big_len : 0, keypos);
  /* the decoded string or bytes were copied into the field's wire bytes */
  if (x->traits->wire_type == EVS_WIRE_LEN) {
    if (slot.b.data) d->alloc->free(d->alloc->allocator_data, slot.b.data);
  }
  return st;
}

/* The group message whose encoding is p[0..n) (a body without its end-group tag), as JSON. */
static evs_status je_group_value(evs_jenc *e, const evs_field *f, const ProtobufCFieldDescriptor *gfd,
                                 const uint8_t *p, size_t n) {
  evs_status st = evs_je_level_in(e);
  if (st != EVS_OK) return st;
  ProtobufCMessage *sub = NULL;
  int levels = e->max_depth - e->mdepth;
  st = evs_json_unpack_guarded(gfd->descriptor, p, n, levels > 0 ? levels : 0, SIZE_MAX, NULL, &sub, e->err);
  if (st == EVS_OK) st = evs_je_message(e, f->message_type, sub);
  if (sub) protobuf_c_message_free_unpacked(sub, NULL);
  e->mdepth--;
  return st;
}

/* Declared group field gfd, whose first occurrence is unknown field `at` of msg: written once, with every
 * occurrence (several of a singular group merge, as their concatenated encodings do). */
static evs_status je_group(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg, unsigned at,
                           const ProtobufCFieldDescriptor *gfd, bool *first) {
  for (unsigned k = 0; k < at; k++)
    if (msg->unknown_fields[k].tag == gfd->id &&
        (unsigned)msg->unknown_fields[k].wire_type == EVS_WIRE_SGROUP)
      return EVS_OK; /* written with the first occurrence */
  const evs_field *f = &m->fields[gfd - msg->descriptor->fields];
  uint8_t end[16];
  size_t el = evs_varint_put(end, (uint64_t)gfd->id << 3 | EVS_WIRE_EGROUP);
  const char *key = (e->flags & EVS_JSON_PROTO_NAMES) ? f->name : f->json_name;
  evs_status st = evs_je_separator(e, first);
  if (st == EVS_OK) st = evs_je_key(e, key, strlen(key));
  if (st == EVS_OK && f->is_repeated) st = evs_je_open(e, '[');
  evs_buf cat = EVS_BUF_INIT;
  bool any = false;
  for (unsigned k = at; st == EVS_OK && k < msg->n_unknown_fields; k++) {
    const ProtobufCMessageUnknownField *u = &msg->unknown_fields[k];
    if (u->tag != gfd->id || (unsigned)u->wire_type != EVS_WIRE_SGROUP || u->len < el) continue;
    if (!f->is_repeated) {
      if (evs_buf_append(&cat, u->data, u->len - el) != EVS_OK) st = evs_je_nomem(e);
      continue;
    }
    bool elem_first = !any;
    if ((st = evs_je_separator(e, &elem_first)) == EVS_OK)
      st = je_group_value(e, f, gfd, u->data, u->len - el);
    any = true;
  }
  if (st == EVS_OK)
    st = f->is_repeated ? evs_je_close(e, ']', !any)
                        : je_group_value(e, f, gfd, cat.data ? cat.data : (const uint8_t *)"", cat.len);
  evs_buf_free(&cat);
  if (st != EVS_OK) evs_je_path_field(e, f->json_name);
  return st;
}

evs_status evs_je_extensions(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg, bool *first) {
  for (unsigned i = 0; i < msg->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &msg->unknown_fields[i];
    if ((unsigned)u->wire_type == EVS_WIRE_SGROUP) {
      /* A group kept as bytes (docs/json.md): a declared one is its field; an undeclared one, or group bytes
       * under the number of a field of another type, an unknown field, which JSON leaves out like any other.
       */
      const ProtobufCFieldDescriptor *gfd = protobuf_c_message_descriptor_get_field(msg->descriptor, u->tag);
      if (!gfd || m->fields[gfd - msg->descriptor->fields].type != EVS_TYPE_GROUP) continue;
      evs_status st = je_group(e, m, msg, i, gfd, first);
      if (st != EVS_OK) return st;
      continue;
    }
    evs_json_ext x;
    if (!evs_json_find_extension(e->reg, m, NULL, 0, u->tag, &x) || !x.supported ||
        (ProtobufCWireType)x.traits->wire_type != u->wire_type)
      continue; /* a plain unknown field: JSON cannot carry it */
    evs_field f;
    ProtobufCFieldDescriptor fd;
    evs_json_ext_views(&x, &f, &fd);
    ext_slot slot;
    memset(&slot, 0, sizeof slot);
    uint64_t v = 0;
    size_t used = 0;
    const evs_type_traits *tr = x.traits;
    if (tr->wire_type == EVS_WIRE_LEN) {
      if (!evs_varint_read(u->data, &used, u->len, &v) || v != u->len - used) continue;
      slot.b.data = u->data + used; /* strings too (evs_json_ext_views) */
      slot.b.len = (size_t)v;
    } else if (tr->wire_type == EVS_WIRE_I32 || tr->wire_type == EVS_WIRE_I64) {
      size_t w = tr->wire_type == EVS_WIRE_I32 ? 4 : 8;
      if (u->len != w) continue;
      memcpy(&slot, u->data, w);
    } else {
      if (!evs_varint_read(u->data, &used, u->len, &v)) continue;
      if (tr->is_zigzag) v = (v >> 1) ^ (uint64_t)(-(int64_t)(v & 1));
      if (tr->bits == 64) {
        memcpy(&slot, &v, 8);
      } else if (tr->bits == 1) {
        protobuf_c_boolean b = v != 0;
        memcpy(&slot, &b, sizeof b);
      } else {
        uint32_t w32 = (uint32_t)v;
        memcpy(&slot, &w32, 4);
      }
    }
    char key[300];
    int kl = snprintf(key, sizeof key, "[%s%s%s]", x.scope, *x.scope ? "." : "", x.proto->name);
    evs_status st = evs_je_separator(e, first);
    if (st == EVS_OK) st = evs_je_key(e, key, kl > 0 && (size_t)kl < sizeof key ? (size_t)kl : strlen(key));
    if (st == EVS_OK) st = evs_je_value(e, &f, &fd, &slot);
    if (st != EVS_OK) return st;
  }
  return EVS_OK;
}
