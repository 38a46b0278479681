/* proto2 extensions in JSON: the key "[pkg.name]" (ProtoJSON's form for an extension field). protobuf-c keeps
 * extension values as unknown fields, so the decoder appends the value's wire bytes there and the encoder
 * prints unknown fields that are known extensions of the message. Singular scalar and enum extensions only;
 * message-typed and repeated ones are EVS_ERR_UNSUPPORTED in JSON (their bytes still survive binary). */
#include <stdlib.h>
#include <string.h>

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
  size_t total = n + (big ? big_len : 0);
  uint8_t *data = evs_jd_alloc(d, total ? total : 1, keypos);
  ProtobufCMessageUnknownField *grown =
      data ? evs_jd_alloc(d, (msg->n_unknown_fields + 1) * sizeof *grown, keypos) : NULL;
  if (data && grown) {
    memcpy(data, small, n);
    if (big && big_len) memcpy(data + n, big, big_len);
    if (msg->n_unknown_fields) memcpy(grown, msg->unknown_fields, msg->n_unknown_fields * sizeof *grown);
    grown[msg->n_unknown_fields] = (ProtobufCMessageUnknownField){
        .tag = fd.id, .wire_type = (ProtobufCWireType)x->traits->wire_type, .len = total, .data = data};
    if (msg->unknown_fields) d->alloc->free(d->alloc->allocator_data, msg->unknown_fields);
    msg->unknown_fields = grown;
    msg->n_unknown_fields++;
    data = NULL;
  } else {
    st = EVS_ERR_NOMEM;
  }
  if (data) d->alloc->free(d->alloc->allocator_data, data);
  /* the decoded string or bytes were copied into the field's wire bytes */
  if (x->traits->wire_type == EVS_WIRE_LEN) {
    if (slot.b.data) d->alloc->free(d->alloc->allocator_data, slot.b.data);
  }
  return st;
}

evs_status evs_je_extensions(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg, bool *first) {
  for (unsigned i = 0; i < msg->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &msg->unknown_fields[i];
    if ((unsigned)u->wire_type == EVS_WIRE_SGROUP) {
      /* A group kept as bytes (docs/json.md): an undeclared one is an unknown field like any other, but
       * leaving out a declared one would lose a field of the message without a word. */
      const ProtobufCFieldDescriptor *gfd = protobuf_c_message_descriptor_get_field(msg->descriptor, u->tag);
      if (gfd)
        return evs_fail(e->err, EVS_ERR_UNSUPPORTED,
                        "group field \"%s\" of %s: evs keeps groups as bytes in binary only and cannot write "
                        "them in JSON (docs/json.md)",
                        gfd->name, m->full_name);
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
