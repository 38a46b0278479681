/* protobuf-c message -> canonical JSON: field presence, scalars, repeated fields and maps, pretty mode.
 * Output goes straight into the evs_buf's memory after reserving room, so the hot loops do no status
 * checks per byte. */
#include "base/alloc_internal.h"
#include "json/json_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64_internal.h"
#include "base/utf8_internal.h"

evs_status evs_je_nomem(evs_jenc *e) {
  return evs_fail(e->err, EVS_ERR_NOMEM, "out of memory while writing JSON");
}

evs_status evs_je_raw(evs_jenc *e, const char *s, size_t n) {
  if (!evs_je_room(e, n)) return evs_je_nomem(e);
  memcpy(e->out->data + e->out->len, s, n);
  e->out->len += n;
  return EVS_OK;
}

evs_status evs_je_byte(evs_jenc *e, char c) {
  if (!evs_je_room(e, 1)) return evs_je_nomem(e);
  e->out->data[e->out->len++] = (uint8_t)c;
  return EVS_OK;
}

/* 0: copy as is; 1: start of a UTF-8 sequence (validate); else the escape letter ('u' = \\u00XX).
 * One row per 16 bytes: 0x00..0x1F controls, 0x22 '"', 0x5C '\\', 0x80..0xFF non-ASCII. */
static const uint8_t k_esc[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f',  'r', 'u', 'u', 'u', 'u', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 0,    0,   '"', 0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,   0,   0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   1,   1,   1,   1,   1,    1,   1,   1,   1,   1,   1,   1,
    1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,    1,   1,   1,   1,   1,   1,   1,
    1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,    1,   1,   1,   1,   1,   1,   1,
    1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,    1,   1,   1,   1,   1,   1,   1,
    1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,    1,   1,   1,   1,   1,   1,   1,
    1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,    1,   1,   1,   1,   1,   1,   1,
    1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,    1,   1,   1,
};

static inline bool word_plain(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t q = w ^ (ones * '"');
  uint64_t b = w ^ (ones * '\\');
  uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w;
  return (special & high) == 0;
}

evs_status evs_je_string(evs_jenc *e, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const uint8_t *p = (const uint8_t *)s, *end = p + n;
  if (n > SIZE_MAX / 2 || !evs_je_room(e, n + 2)) return evs_je_nomem(e);
  evs_buf *b = e->out;
  uint8_t *o = b->data + b->len;
  *o++ = '"';
  /* Invariant: room for everything left of the input plus the closing quote. */
  while (p < end) {
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (!word_plain(w)) break;
      memcpy(o, p, 8);
      o += 8;
      p += 8;
    }
    if (p >= end) break;
    uint8_t c = *p;
    uint8_t k = k_esc[c];
    if (k == 0) {
      *o++ = c;
      p++;
      continue;
    }
    if (k == 1) {
      size_t l = evs_utf8_seq_len(p, (size_t)(end - p));
      if (!l) {
        b->len = (size_t)(o - b->data);
        return evs_fail(e->err, EVS_ERR_TYPE, "invalid UTF-8 in a string (byte 0x%02x at offset %zu)", c,
                        (size_t)(p - (const uint8_t *)s));
      }
      memcpy(o, p, l);
      o += l;
      p += l;
      continue;
    }
    b->len = (size_t)(o - b->data);
    if (!evs_je_room(e, (size_t)(end - p) + 6 + 1)) return evs_je_nomem(e);
    o = b->data + b->len;
    *o++ = '\\';
    if (k == 'u') {
      *o++ = 'u';
      *o++ = '0';
      *o++ = '0';
      *o++ = (uint8_t)hex[c >> 4];
      *o++ = (uint8_t)hex[c & 15];
    } else {
      *o++ = k;
    }
    p++;
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
  return EVS_OK;
}

evs_status evs_je_double(evs_jenc *e, double v, bool is_float) {
  if (isnan(v)) return evs_je_raw(e, "\"NaN\"", 5);
  if (isinf(v)) return v > 0 ? evs_je_raw(e, "\"Infinity\"", 10) : evs_je_raw(e, "\"-Infinity\"", 11);
  char buf[EVS_JNUM_BUF];
  size_t n = is_float ? evs_format_float((float)v, buf) : evs_format_double(v, buf);
  return evs_je_raw(e, buf, n);
}

evs_status evs_je_newline(evs_jenc *e) {
  size_t n = 1 + 2 * (size_t)e->depth;
  if (!evs_je_room(e, n)) return evs_je_nomem(e);
  uint8_t *o = e->out->data + e->out->len;
  o[0] = '\n';
  memset(o + 1, ' ', n - 1);
  e->out->len += n;
  return EVS_OK;
}

evs_status evs_je_open(evs_jenc *e, char c) {
  e->depth++;
  return evs_je_byte(e, c);
}

evs_status evs_je_level_in(evs_jenc *e) {
  if (e->mdepth >= e->max_depth)
    return evs_fail(e->err, EVS_ERR_LIMIT, "messages nested deeper than the limit of %d levels",
                    e->max_depth);
  e->mdepth++;
  return EVS_OK;
}

evs_status evs_je_close(evs_jenc *e, char c, bool empty) {
  e->depth--;
  if (!empty && (e->flags & EVS_JSON_PRETTY)) {
    evs_status st = evs_je_newline(e);
    if (st != EVS_OK) return st;
  }
  return evs_je_byte(e, c);
}

/* Comma (unless first) and, in pretty mode, the line break before a member or element. */
evs_status evs_je_separator(evs_jenc *e, bool *first) {
  if (!*first) {
    evs_status st = evs_je_byte(e, ',');
    if (st != EVS_OK) return st;
  }
  *first = false;
  return (e->flags & EVS_JSON_PRETTY) ? evs_je_newline(e) : EVS_OK;
}

evs_status evs_je_key(evs_jenc *e, const char *key, size_t n) {
  evs_status st = evs_je_string(e, key, n);
  if (st != EVS_OK) return st;
  return (e->flags & EVS_JSON_PRETTY) ? evs_je_raw(e, ": ", 2) : evs_je_byte(e, ':');
}

void evs_je_path_field(evs_jenc *e, const char *name) {
  if (e->err) evs_json_path_prepend(e->err->path, sizeof e->err->path, name, strlen(name));
}

void evs_je_path_index(evs_jenc *e, size_t index) {
  if (!e->err) return;
  char b[32];
  size_t n = evs_format_u64(index, b + 1) + 1;
  b[0] = '[';
  b[n++] = ']';
  evs_json_path_prepend(e->err->path, sizeof e->err->path, b, n);
}

static evs_status quoted(evs_jenc *e, const char *s, size_t n) {
  if (!evs_je_room(e, n + 2)) return evs_je_nomem(e);
  uint8_t *o = e->out->data + e->out->len;
  o[0] = '"';
  memcpy(o + 1, s, n);
  o[n + 1] = '"';
  e->out->len += n + 2;
  return EVS_OK;
}

static evs_status enum_value(evs_jenc *e, const evs_field *f, int32_t v) {
  char buf[EVS_JNUM_BUF];
  const evs_enum *en = f->enum_type;
  /* NullValue's one value is null; another number (open enum, from binary) prints as that number. */
  if (en && en->wkt == EVS_WKT_NULL_VALUE && v == 0) return evs_je_raw(e, "null", 4);
  if (en && !(e->flags & EVS_JSON_ENUMS_AS_NUMBERS)) {
    const evs_enum_value *ev = evs_enum_value_by_number(en, v);
    if (ev) return evs_je_string(e, ev->name, strlen(ev->name));
  }
  return evs_je_raw(e, buf, evs_format_i64(v, buf));
}

evs_status evs_je_value(evs_jenc *e, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                        const void *slot) {
  char buf[EVS_JNUM_BUF];
  switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
      return evs_je_raw(e, buf, evs_format_i64(*(const int32_t *)slot, buf));
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      return evs_je_raw(e, buf, evs_format_u64(*(const uint32_t *)slot, buf));
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      return quoted(e, buf, evs_format_i64(*(const int64_t *)slot, buf));
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      return quoted(e, buf, evs_format_u64(*(const uint64_t *)slot, buf));
    case PROTOBUF_C_TYPE_FLOAT:
      return evs_je_double(e, *(const float *)slot, true);
    case PROTOBUF_C_TYPE_DOUBLE:
      return evs_je_double(e, *(const double *)slot, false);
    case PROTOBUF_C_TYPE_BOOL:
      return *(const protobuf_c_boolean *)slot ? evs_je_raw(e, "true", 4) : evs_je_raw(e, "false", 5);
    case PROTOBUF_C_TYPE_ENUM:
      return enum_value(e, f, *(const int32_t *)slot);
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(const char *const *)slot;
      return s ? evs_je_string(e, s, strlen(s)) : evs_je_raw(e, "\"\"", 2);
    }
    case PROTOBUF_C_TYPE_BYTES: {
      const ProtobufCBinaryData *bd = slot;
      if (fd->flags & EVS_FIELD_FLAG_STRING)
        return evs_je_string(e, bd->len ? (const char *)bd->data : "", bd->len);
      size_t n = evs_base64_encoded_len(bd->len);
      if ((bd->len && !n) || !evs_je_room(e, n + 2)) return evs_je_nomem(e);
      uint8_t *o = e->out->data + e->out->len;
      o[0] = '"';
      if (bd->len) evs_base64_encode(bd->data, bd->len, (char *)o + 1);
      o[n + 1] = '"';
      e->out->len += n + 2;
      return EVS_OK;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
      evs_status st = evs_je_level_in(e);
      if (st != EVS_OK) return st;
      const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)slot;
      if (sub) {
        st = evs_je_message(e, f->message_type, sub);
      } else {
        /* A NULL element or map value stands for the default message. */
        ProtobufCMessage *tmp =
            evs_malloc(((const ProtobufCMessageDescriptor *)fd->descriptor)->sizeof_message);
        if (!tmp) return evs_je_nomem(e);
        evs_message_init(fd->descriptor, tmp);
        st = evs_je_message(e, f->message_type, tmp);
        evs_free(tmp);
      }
      e->mdepth--;
      return st;
    }
    default:
      return evs_fail(e->err, EVS_ERR_UNSUPPORTED, "unsupported field type %d", (int)fd->type);
  }
}

/* A number that is not a value of a closed (proto2) enum: protobuf's parser keeps it as an unknown field,
 * and JSON cannot carry unknown fields, so it is left out (printing the number made JSON that encode
 * refuses). */
static bool closed_enum_unknown(const evs_field *f, const ProtobufCFieldDescriptor *fd, const void *slot) {
  if (fd->type != PROTOBUF_C_TYPE_ENUM || !f->enum_type || !f->enum_type->closed) return false;
  return evs_enum_value_by_number(f->enum_type, *(const int32_t *)slot) == NULL;
}

static evs_status encode_array(evs_jenc *e, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                               const uint8_t *arr, size_t n) {
  evs_status st = evs_je_open(e, '[');
  if (st != EVS_OK) return st;
  size_t esz = evs_type_traits_of_pbc(fd->type)->c_size;
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (closed_enum_unknown(f, fd, arr + i * esz)) continue;
    if ((st = evs_je_separator(e, &first)) != EVS_OK) return st;
    if ((st = evs_je_value(e, f, fd, arr + i * esz)) != EVS_OK) {
      evs_je_path_index(e, i);
      return st;
    }
  }
  return evs_je_close(e, ']', n == 0);
}

/* A map key as JSON object key text. */
static evs_status map_key(evs_jenc *e, const ProtobufCFieldDescriptor *kfd, const void *slot) {
  char buf[EVS_JNUM_BUF];
  size_t n;
  if (evs_field_is_string(kfd)) {
    const char *s = evs_field_string(kfd, slot, &n);
    return evs_je_key(e, s, n);
  }
  switch (kfd->type) {
    case PROTOBUF_C_TYPE_BOOL:
      return evs_je_key(e, *(const protobuf_c_boolean *)slot ? "true" : "false",
                        *(const protobuf_c_boolean *)slot ? 4 : 5);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      n = evs_format_i64(*(const int64_t *)slot, buf);
      break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      n = evs_format_u64(*(const uint64_t *)slot, buf);
      break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      n = evs_format_u64(*(const uint32_t *)slot, buf);
      break;
    default:
      n = evs_format_i64(*(const int32_t *)slot, buf);
      break;
  }
  return evs_je_key(e, buf, n);
}

/* Entries of a map (or Struct) with each key once: a later entry shadows an earlier one, as in binary. */
evs_status evs_je_map_entries(evs_jenc *e, ProtobufCMessage *const *entries, size_t n, const evs_field *vf,
                              const ProtobufCFieldDescriptor *kfd, const ProtobufCFieldDescriptor *vfd) {
  evs_status st = evs_je_open(e, '{');
  if (st != EVS_OK) return st;
  uint8_t small[16];
  uint8_t *shadowed = NULL;
  if (n > 1) {
    shadowed = n <= sizeof small ? small : evs_malloc(n);
    if (!shadowed) return evs_je_nomem(e);
    memset(shadowed, 0, n);
    if (evs_json_map_shadowed(entries, n, kfd, shadowed) == SIZE_MAX) {
      if (shadowed != small) evs_free(shadowed);
      return evs_je_nomem(e);
    }
  }
  bool first = true;
  for (size_t i = 0; i < n && st == EVS_OK; i++) {
    if (shadowed && shadowed[i]) continue;
    const ProtobufCMessage *entry = entries[i];
    if (closed_enum_unknown(vf, vfd, (const char *)entry + vfd->offset)) continue;
    if ((st = evs_je_separator(e, &first)) != EVS_OK) break;
    if ((st = map_key(e, kfd, (const char *)entry + kfd->offset)) != EVS_OK) break;
    if ((st = evs_je_level_in(e)) != EVS_OK) break; /* the entry is a message level of its own */
    st = evs_je_value(e, vf, vfd, (const char *)entry + vfd->offset);
    e->mdepth--;
    if (st != EVS_OK) {
      if (evs_field_is_string(kfd) && e->err) {
        size_t kl;
        const char *k = evs_field_string(kfd, (const char *)entry + kfd->offset, &kl);
        char b[72];
        if (kl > 64) kl = 64;
        b[0] = '[';
        b[1] = '"';
        if (kl) memcpy(b + 2, k, kl);
        b[kl + 2] = '"';
        b[kl + 3] = ']';
        evs_json_path_prepend(e->err->path, sizeof e->err->path, b, kl + 4);
      } else {
        evs_je_path_index(e, i);
      }
    }
  }
  if (shadowed && shadowed != small) evs_free(shadowed);
  if (st != EVS_OK) return st;
  return evs_je_close(e, '}', first);
}

static bool is_default(const ProtobufCFieldDescriptor *fd, const void *slot) {
  switch (fd->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: {
      uint64_t v; /* bitwise: -0.0 is not the default */
      memcpy(&v, slot, 8);
      return v == 0;
    }
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(const char *const *)slot;
      return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
      return ((const ProtobufCBinaryData *)slot)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
      return *(const void *const *)slot == NULL;
    default: {
      uint32_t v;
      memcpy(&v, slot, 4);
      return v == 0;
    }
  }
}

evs_status evs_je_members(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg, bool *first) {
  const ProtobufCMessageDescriptor *cd = msg->descriptor;
  const char *base = (const char *)msg;
  bool emit_defaults = (e->flags & EVS_JSON_EMIT_DEFAULTS) != 0;
  evs_status st = EVS_OK;
  for (unsigned i = 0; i < cd->n_fields; i++) {
    const ProtobufCFieldDescriptor *fd = &cd->fields[i];
    const evs_field *f = &m->fields[i];
    const void *slot = base + fd->offset;
    size_t count = 0;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
      count = *(const size_t *)(const void *)(base + fd->quantifier_offset);
      if (!count && !emit_defaults) continue;
    } else if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      if (*(const uint32_t *)(const void *)(base + fd->quantifier_offset) != fd->id) continue;
    } else if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
      if (!*(const void *const *)slot) continue;
    } else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL) {
      if (fd->quantifier_offset) {
        if (!*(const protobuf_c_boolean *)(const void *)(base + fd->quantifier_offset)) continue;
      } else if (!*(const void *const *)slot || *(const void *const *)slot == fd->default_value) {
        continue; /* proto2 optional string: presence is the pointer */
      }
    } else if (fd->label == PROTOBUF_C_LABEL_NONE) {
      if (!emit_defaults && is_default(fd, slot)) continue;
    }
    if (fd->label != PROTOBUF_C_LABEL_REPEATED && closed_enum_unknown(f, fd, slot)) continue;
    if ((st = evs_je_separator(e, first)) != EVS_OK) return st;
    const char *key = (e->flags & EVS_JSON_PROTO_NAMES) ? f->name : f->json_name;
    if ((st = evs_je_key(e, key, strlen(key))) != EVS_OK) return st;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
      const uint8_t *arr = *(const uint8_t *const *)slot;
      if (f->is_map)
        st = evs_je_map_entries(e, (ProtobufCMessage *const *)(const void *)arr, count,
                                &f->message_type->fields[1],
                                &((const ProtobufCMessageDescriptor *)fd->descriptor)->fields[0],
                                &((const ProtobufCMessageDescriptor *)fd->descriptor)->fields[1]);
      else
        st = encode_array(e, f, fd, arr, count);
    } else {
      st = evs_je_value(e, f, fd, slot);
    }
    if (st != EVS_OK) {
      evs_je_path_field(e, f->json_name);
      return st;
    }
  }
  if (msg->n_unknown_fields) return evs_je_extensions(e, m, msg, first);
  return EVS_OK;
}

evs_status evs_je_message(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg) {
  if (m->n_fields != msg->descriptor->n_fields)
    return evs_fail(e->err, EVS_ERR_DESCRIPTOR,
                    "C descriptor of %s does not match the registry (%u vs %zu fields)", m->full_name,
                    msg->descriptor->n_fields, m->n_fields);
  if (m->wkt != EVS_WKT_NONE && m->wkt != EVS_WKT_EMPTY) return evs_je_wkt(e, m, msg);
  evs_status st = evs_je_open(e, '{');
  if (st != EVS_OK) return st;
  bool first = true;
  if ((st = evs_je_members(e, m, msg, &first)) != EVS_OK) return st;
  return evs_je_close(e, '}', first);
}

evs_status evs_json_encode(const evs_registry *reg, const ProtobufCMessage *msg, const evs_json_options *opts,
                           evs_buf *out, evs_error *err) {
  evs_error_clear(err);
  if (!reg || !msg || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_json_encode: %s is NULL",
                    !reg   ? "reg"
                    : !msg ? "msg"
                           : "out");
  if (!msg->descriptor || msg->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_json_encode: msg has no valid descriptor");
  if (opts && (opts->max_depth < 0 || opts->max_depth > EVS_MAX_DEPTH_LIMIT))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_json_encode: max_depth %d is outside 0..%d",
                    opts->max_depth, EVS_MAX_DEPTH_LIMIT);
  if (out->failed)
    return evs_fail(err, EVS_ERR_NOMEM, "evs_json_encode: the output buffer has failed before");
  const evs_message *m = evs_json_message_of(reg, msg->descriptor);
  if (!m)
    return evs_fail(err, EVS_ERR_NOT_FOUND, "message type %s is not in the registry",
                    msg->descriptor->name ? msg->descriptor->name : "(unnamed)");
  evs_jenc e;
  e.out = out;
  e.reg = reg;
  e.flags = opts ? opts->flags : 0;
  e.depth = 0;
  e.mdepth = 0;
  e.max_depth = opts && opts->max_depth ? opts->max_depth : EVS_JSON_DEFAULT_MAX_DEPTH;
  e.any_budget = opts && opts->max_any_bytes ? opts->max_any_bytes : EVS_JSON_DEFAULT_MAX_ANY_BYTES;
  e.err = err;
  size_t start = out->len;
  evs_status st = evs_je_message(&e, m, msg);
  if (st != EVS_OK) {
    /* Nothing appended on failure, and a failure of ours does not poison the caller's buffer. */
    out->failed = false;
    out->len = start;
    if (out->data) out->data[start] = '\0';
    return st;
  }
  out->data[out->len] = '\0';
  return EVS_OK;
}
