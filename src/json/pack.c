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

/* Writes go backwards, from the end of the buffer down to `ptr`. */
typedef struct packer {
  uint8_t *buf, *ptr, *end;
  bool heap, nomem;
} packer;

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static uint64_t tag(const ProtobufCFieldDescriptor *f, unsigned wire_type) {
  return (uint64_t)f->id << 3 | wire_type;
}

static unsigned wire_type(ProtobufCType t) {
  switch (t) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
      return PROTOBUF_C_WIRE_TYPE_32BIT;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
      return PROTOBUF_C_WIRE_TYPE_64BIT;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
      return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
    default:
      return PROTOBUF_C_WIRE_TYPE_VARINT;
  }
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

/* protobuf-c writes a NULL string or message as an empty one. */
static size_t string_len(const char *s) {
  return s ? strlen(s) : 0;
}

/* What protobuf-c's pack skips: the count of values of f to write (1 for a singular field). */
static inline size_t present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const void *p) {
  const char *q = (const char *)msg + f->quantifier_offset;
  bool pointer = f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING;
  switch (f->label) {
    case PROTOBUF_C_LABEL_REQUIRED:
      return 1;
    case PROTOBUF_C_LABEL_REPEATED:
      return *(const size_t *)q;
    default:
      break;
  }
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    if (*(const uint32_t *)q != f->id) return 0;
    if (pointer) {
      const void *ptr = *(const void *const *)p;
      return ptr != NULL && ptr != f->default_value;
    }
    return 1;
  }
  if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
    if (pointer) {
      const void *ptr = *(const void *const *)p;
      return ptr != NULL && ptr != f->default_value;
    }
    return *(const protobuf_c_boolean *)q ? 1 : 0;
  }
  switch (f->type) { /* proto3 without presence: protobuf-c's field_is_zeroish */
    case PROTOBUF_C_TYPE_BOOL:
      return *(const protobuf_c_boolean *)p != 0;
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
      return *(const uint64_t *)p != 0;
    case PROTOBUF_C_TYPE_FLOAT:
      return *(const float *)p != 0; /* -0.0 too, as protobuf-c */
    case PROTOBUF_C_TYPE_DOUBLE:
      return *(const double *)p != 0;
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(const char *const *)p;
      return s != NULL && s[0] != '\0';
    }
    case PROTOBUF_C_TYPE_BYTES: /* protobuf-c tests the first word, the length */
      return ((const ProtobufCBinaryData *)p)->len != 0;
    case PROTOBUF_C_TYPE_MESSAGE:
      return *(const void *const *)p != NULL;
    default:
      return *(const uint32_t *)p != 0;
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

static inline bool room(packer *k, size_t n) {
  return (size_t)(k->ptr - k->buf) >= n || grow(k, n);
}

static inline bool put_varint(packer *k, uint64_t v) {
  if (v < 0x80 && k->ptr > k->buf) { /* tags, lengths and small values: most varints */
    *--k->ptr = (uint8_t)v;
    return true;
  }
  size_t n = varint_len(v);
  if (!room(k, n)) return false;
  k->ptr -= n;
  evs_varint_put(k->ptr, v);
  return true;
}

static inline bool put_bytes(packer *k, const void *data, size_t n) {
  if (!room(k, n)) return false;
  k->ptr -= n;
  if (n) memcpy(k->ptr, data, n);
  return true;
}

static bool write_message(packer *k, const ProtobufCMessage *msg);

/* One value of f with its tag, written backwards (the value, then its length, then the tag). */
static bool write_value(packer *k, const ProtobufCFieldDescriptor *f, const void *p) {
  bool ok;
  switch (f->type) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
      ok = put_bytes(k, p, 4); /* little-endian hosts only, as protobuf-c's own build here */
      break;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
      ok = put_bytes(k, p, 8);
      break;
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(char *const *)p;
      size_t n = string_len(s);
      ok = put_bytes(k, s, n) && put_varint(k, n);
      break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
      const ProtobufCBinaryData *b = p;
      ok = put_bytes(k, b->data, b->len) && put_varint(k, b->len);
      break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
      const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
      size_t after = (size_t)(k->end - k->ptr);
      ok = (!sub || write_message(k, sub)) && put_varint(k, (size_t)(k->end - k->ptr) - after);
      break;
    }
    default:
      ok = put_varint(k, varint_value(f->type, p));
      break;
  }
  return ok && put_varint(k, tag(f, wire_type(f->type)));
}

static bool write_message(packer *k, const ProtobufCMessage *msg) {
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  for (size_t i = msg->n_unknown_fields; i-- > 0;) {
    const ProtobufCMessageUnknownField *u = &msg->unknown_fields[i];
    if (!put_bytes(k, u->data, u->len) || !put_varint(k, (uint64_t)u->tag << 3 | u->wire_type)) return false;
  }
  for (unsigned i = d->n_fields; i-- > 0;) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    /* The members of a oneof that is not set to them are most fields of a google.protobuf.Value: leave
     * them first. */
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)((const char *)msg + f->quantifier_offset) != f->id)
      continue;
    const void *p = (const char *)msg + f->offset;
    size_t count = present(msg, f, p);
    if (!count) continue;
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
      if (!write_value(k, f, p)) return false;
      continue;
    }
    const char *array = *(const char *const *)p;
    size_t es = elem_size(f->type);
    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_PACKED)) {
      for (size_t e = count; e-- > 0;)
        if (!write_value(k, f, array + e * es)) return false;
      continue;
    }
    size_t after = (size_t)(k->end - k->ptr);
    if (wire_type(f->type) != PROTOBUF_C_WIRE_TYPE_VARINT) {
      if (!put_bytes(k, array, count * es)) return false;
    } else {
      for (size_t e = count; e-- > 0;)
        if (!put_varint(k, varint_value(f->type, array + e * es))) return false;
    }
    if (!put_varint(k, (size_t)(k->end - k->ptr) - after) ||
        !put_varint(k, tag(f, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)))
      return false;
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
