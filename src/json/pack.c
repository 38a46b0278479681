/* evs_binary_pack: protobuf-c's pack, byte for byte, in one walk. protobuf_c_message_pack() asks for the
 * size of every nested message before writing it, and that size walks the whole subtree again, at every
 * level: a message n levels deep is sized n times. Here the message is written backwards, last field
 * first (as upb does), so a nested message's length is known when its prefix is written: each field is
 * visited once. Which fields are written, in which order and how, follows protobuf-c 1.4's
 * pack exactly (labels, oneofs, zero-ish proto3 scalars including -0.0, packed arrays, unknown fields);
 * tests/json/test_json_golden.c and tests/fuzz/fuzz_json_decode.c compare the two on every message. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "base/varint_internal.h"
#include "evs/json.h"
#include "evs/types.h"
#include "google/protobuf/struct.pb-c.h"
#include "json/json_lib.h"

/* Writes go backwards, from the end of the buffer down to `ptr`. */
typedef struct packer {
  uint8_t *buf, *ptr, *end;
  bool heap, nomem;
} packer;

static inline size_t varint_len(uint64_t v) {
  return ((unsigned)(63 - __builtin_clzll(v | 1)) * 37 >> 8) + 1; /* floor(bits / 7) + 1, bits < 64 */
}

/* The type-traits table's wire type (its numbers are protobuf-c's). */
static inline unsigned wire_type(ProtobufCType t) {
  const evs_type_traits *tr = evs_type_traits_of_pbc(t);
  return tr ? (unsigned)tr->wire_type : PROTOBUF_C_WIRE_TYPE_VARINT;
}

static inline uint64_t tag(const ProtobufCFieldDescriptor *f, unsigned wire_type) {
  return (uint64_t)f->id << 3 | wire_type;
}

static size_t elem_size(ProtobufCType t) { /* the type-traits table's */
  return evs_type_traits_of_pbc(t)->c_size;
}

/* The varint a scalar of a varint type is written as (int32 and enum sign-extend to 64 bits). */
static inline uint64_t varint_value(ProtobufCType t, const void *p) {
  switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_ENUM:
      return (uint64_t)(int64_t) * (const int32_t *)p;
    case PROTOBUF_C_TYPE_SINT32: {
      int32_t v = *(const int32_t *)p;
      return (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
    }
    case PROTOBUF_C_TYPE_UINT32:
      return *(const uint32_t *)p;
    case PROTOBUF_C_TYPE_SINT64: {
      int64_t v = *(const int64_t *)p;
      return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    }
    case PROTOBUF_C_TYPE_BOOL:
      return *(const protobuf_c_boolean *)p ? 1 : 0;
    default: /* INT64, UINT64 */
      return *(const uint64_t *)p;
  }
}

/* The type-traits table's c_pointer: the C value is a pointer whose NULL means "not set". */
static inline bool is_pointer(ProtobufCType t) {
  const evs_type_traits *tr = evs_type_traits_of_pbc(t);
  return tr && tr->c_pointer;
}

/* protobuf-c's field_is_zeroish: a proto3 field without presence that pack leaves out. */
static inline bool zeroish(const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
      return *(const protobuf_c_boolean *)p == 0;
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
      return *(const uint64_t *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
      return *(const float *)p == 0; /* -0.0 too, as protobuf-c */
    case PROTOBUF_C_TYPE_DOUBLE:
      return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(const char *const *)p;
      return s == NULL || s[0] == '\0';
    }
    case PROTOBUF_C_TYPE_BYTES: /* protobuf-c tests the first word, the length */
      return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
      return *(const void *const *)p == NULL;
    default:
      return *(const uint32_t *)p == 0;
  }
}

/* Room for n more bytes below ptr: a buffer twice as large, the bytes written so far moved to its end. */
static bool grow(packer *k, size_t n) {
  size_t used = (size_t)(k->end - k->ptr), size = (size_t)(k->end - k->buf);
  if (k->nomem) return false;
  size_t want = size;
  while (want - used < n) {
    if (want > SIZE_MAX / 2) {
      k->nomem = true;
      return false;
    }
    want *= 2;
  }
  uint8_t *grown = evs_malloc(want);
  if (!grown) {
    k->nomem = true;
    return false;
  }
  memcpy(grown + want - used, k->ptr, used);
  if (k->heap) evs_free(k->buf);
  k->buf = grown;
  k->end = grown + want;
  k->ptr = k->end - used;
  k->heap = true;
  return true;
}

/* One check covers a tag and a value (or a length): each field checks room once, then writes unchecked. */
#define SLACK (2 * EVS_VARINT_MAX)

static inline bool room(packer *k, size_t n) {
  return (size_t)(k->ptr - k->buf) >= n || grow(k, n);
}

/* Writes v just below ptr (room already checked); returns the new ptr. */
static inline uint8_t *put_varint(uint8_t *ptr, uint64_t v) {
  if (v < 0x80) { /* tags, lengths and small values: most varints */
    *--ptr = (uint8_t)v;
    return ptr;
  }
  ptr -= varint_len(v);
  evs_varint_put(ptr, v);
  return ptr;
}

/* n bytes of data, their length and tag. */
static inline bool put_delimited(packer *k, const void *data, size_t n, uint64_t t) {
  if (!room(k, n + SLACK)) return false;
  k->ptr -= n;
  evs_json_copy(k->ptr, data, n);
  k->ptr = put_varint(put_varint(k->ptr, n), t);
  return true;
}

static bool write_message(packer *k, const ProtobufCMessage *msg);

/* A sub-message (NULL: an empty one, as protobuf-c writes it) with its length and tag. */
static inline bool put_message(packer *k, const ProtobufCMessage *sub, uint64_t t) {
  size_t after = (size_t)(k->end - k->ptr);
  if (sub && !write_message(k, sub)) return false;
  if (!room(k, SLACK)) return false;
  k->ptr = put_varint(put_varint(k->ptr, (size_t)(k->end - k->ptr) - after), t);
  return true;
}

/* One value of f with its tag, written backwards (the value, then its length, then the tag). */
static inline __attribute__((always_inline)) bool write_value(packer *k, const ProtobufCFieldDescriptor *f,
                                                              const void *p) {
  uint64_t t = tag(f, wire_type(f->type));
  switch (f->type) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
      if (!room(k, SLACK)) return false;
      k->ptr -= 4;
      memcpy(k->ptr, p, 4); /* little-endian hosts only, as protobuf-c's own build here */
      break;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
      if (!room(k, SLACK)) return false;
      k->ptr -= 8;
      memcpy(k->ptr, p, 8);
      break;
    case PROTOBUF_C_TYPE_STRING: { /* protobuf-c writes a NULL string as an empty one */
      const char *s = *(char *const *)p;
      return put_delimited(k, s, s ? strlen(s) : 0, t);
    }
    case PROTOBUF_C_TYPE_BYTES: {
      const ProtobufCBinaryData *b = p;
      return put_delimited(k, b->data, b->len, t);
    }
    case PROTOBUF_C_TYPE_MESSAGE:
      return put_message(k, *(ProtobufCMessage *const *)p, t);
    default:
      if (!room(k, SLACK)) return false;
      k->ptr = put_varint(k->ptr, varint_value(f->type, p));
      break;
  }
  k->ptr = put_varint(k->ptr, t);
  return true;
}

static bool write_repeated(packer *k, const ProtobufCFieldDescriptor *f, const char *array, size_t count) {
  size_t es = elem_size(f->type);
  if (!(f->flags & PROTOBUF_C_FIELD_FLAG_PACKED)) {
    for (size_t e = count; e-- > 0;)
      if (!write_value(k, f, array + e * es)) return false;
    return true;
  }
  size_t after = (size_t)(k->end - k->ptr);
  if (wire_type(f->type) != PROTOBUF_C_WIRE_TYPE_VARINT) {
    if (!room(k, count * es)) return false;
    k->ptr -= count * es;
    memcpy(k->ptr, array, count * es);
  } else {
    for (size_t e = count; e-- > 0;) {
      if (!room(k, EVS_VARINT_MAX)) return false;
      k->ptr = put_varint(k->ptr, varint_value(f->type, array + e * es));
    }
  }
  if (!room(k, SLACK)) return false;
  k->ptr = put_varint(put_varint(k->ptr, (size_t)(k->end - k->ptr) - after),
                      tag(f, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED));
  return true;
}

/* google.protobuf.Struct / Value / ListValue with the compiled descriptors (the ones the JSON decoder builds
 * them with): most of a Struct-heavy document, so their known layout is written directly instead of
 * walking six oneof members per Value. The same bytes as the generic walk below: Value writes its one
 * set member (a NULL string or message is not set), an entry its value (NULL: none) then its key ("" or
 * NULL: none), containers their elements (a NULL element as an empty message). Messages with unknown
 * fields take the generic walk. */
static bool write_wkt_value(packer *k, const Google__Protobuf__Value *v) {
  switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
      if (!room(k, SLACK)) return false;
      k->ptr -= 8;
      memcpy(k->ptr, &v->number_value, 8);
      k->ptr = put_varint(k->ptr, 2 << 3 | PROTOBUF_C_WIRE_TYPE_64BIT);
      return true;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
      return !v->string_value || put_delimited(k, v->string_value, strlen(v->string_value),
                                               3 << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE: {
      bool is_bool = v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
      if (!room(k, SLACK)) return false;
      k->ptr =
          put_varint(k->ptr, is_bool ? (uint64_t)(v->bool_value ? 1 : 0) : (uint64_t)(int64_t)v->null_value);
      k->ptr = put_varint(k->ptr, (uint64_t)v->kind_case << 3 | PROTOBUF_C_WIRE_TYPE_VARINT);
      return true;
    }
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
      const ProtobufCMessage *sub = v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE
                                        ? (const ProtobufCMessage *)v->struct_value
                                        : (const ProtobufCMessage *)v->list_value;
      return !sub || put_message(k, sub, (uint64_t)v->kind_case << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
    }
    default:
      return true;
  }
}

static bool write_wkt_entry(packer *k, const Google__Protobuf__Struct__FieldsEntry *e) {
  if (e->value &&
      !put_message(k, (const ProtobufCMessage *)e->value, 2 << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED))
    return false;
  return !e->key || !e->key[0] ||
         put_delimited(k, e->key, strlen(e->key), 1 << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
}

static bool write_wkt_elements(packer *k, ProtobufCMessage *const *elems, size_t n) {
  for (size_t e = n; e-- > 0;)
    if (!put_message(k, elems[e], 1 << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)) return false;
  return true;
}

static bool write_fields(packer *k, const ProtobufCMessage *msg);

static bool write_message(packer *k, const ProtobufCMessage *msg) {
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  if (msg->n_unknown_fields == 0) {
    if (d == &google__protobuf__value__descriptor)
      return write_wkt_value(k, (const Google__Protobuf__Value *)msg);
    if (d == &google__protobuf__struct__fields_entry__descriptor)
      return write_wkt_entry(k, (const Google__Protobuf__Struct__FieldsEntry *)msg);
    if (d == &google__protobuf__struct__descriptor) {
      const Google__Protobuf__Struct *s = (const Google__Protobuf__Struct *)msg;
      return write_wkt_elements(k, (ProtobufCMessage *const *)s->fields, s->n_fields);
    }
    if (d == &google__protobuf__list_value__descriptor) {
      const Google__Protobuf__ListValue *l = (const Google__Protobuf__ListValue *)msg;
      return write_wkt_elements(k, (ProtobufCMessage *const *)l->values, l->n_values);
    }
  }
  return write_fields(k, msg);
}

/* Out of line: the recursion through Struct / Value / ListValue saves none of its registers. */
static __attribute__((noinline)) bool write_fields(packer *k, const ProtobufCMessage *msg) {
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  for (size_t i = msg->n_unknown_fields; i-- > 0;) {
    const ProtobufCMessageUnknownField *u = &msg->unknown_fields[i];
    if (!room(k, u->len + SLACK)) return false;
    k->ptr -= u->len;
    if (u->len) memcpy(k->ptr, u->data, u->len);
    k->ptr = put_varint(k->ptr, (uint64_t)u->tag << 3 | u->wire_type);
  }
  const char *base = (const char *)msg;
  /* The same tests as protobuf_c_message_pack, in its order. */
  for (unsigned i = d->n_fields; i-- > 0;) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const void *p = base + f->offset;
    const void *q = base + f->quantifier_offset;
    ProtobufCLabel label = f->label;
    if (label == PROTOBUF_C_LABEL_REQUIRED) {
      /* always written */
    } else if (label == PROTOBUF_C_LABEL_REPEATED) {
      size_t count = *(const size_t *)q;
      if (count && !write_repeated(k, f, *(const char *const *)p, count)) return false;
      continue;
    } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) { /* OPTIONAL or NONE */
      if (*(const uint32_t *)q != f->id) continue;
      if (is_pointer(f->type)) {
        const void *ptr = *(const void *const *)p;
        if (ptr == NULL || ptr == f->default_value) continue;
      }
    } else if (label == PROTOBUF_C_LABEL_OPTIONAL) {
      if (is_pointer(f->type)) {
        const void *ptr = *(const void *const *)p;
        if (ptr == NULL || ptr == f->default_value) continue;
      } else if (!*(const protobuf_c_boolean *)q) {
        continue;
      }
    } else if (zeroish(f, p)) {
      continue;
    }
    if (!write_value(k, f, p)) return false;
  }
  return true;
}

evs_status evs_binary_pack(const ProtobufCMessage *msg, evs_buf *out, evs_error *err) {
  if (!msg || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_binary_pack: msg and out must not be NULL");
  uint8_t first[2048];
  packer k = {.buf = first, .ptr = first + sizeof first, .end = first + sizeof first, .heap = false};
  evs_status st = EVS_OK;
  if (!write_message(&k, msg) || evs_buf_append(out, k.ptr, (size_t)(k.end - k.ptr)) != EVS_OK)
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory packing a message");
  if (k.heap) evs_free(k.buf);
  return st;
}
