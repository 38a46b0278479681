/* JSON -> protobuf-c message: objects, fields, repeated fields, maps and scalars, walking the protobuf-c
 * descriptor (memory layout) and the registry's evs_message (JSON names, map entries, well-known types)
 * side by side: m->fields[i] describes cd->fields[i]. */
#include "base/alloc_internal.h"
#include "base/arena_internal.h"
#include "json/json_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64_internal.h"

static const char *type_word(const evs_field *f) {
  return f->traits ? f->traits->name : "value";
}

/* ------------------------------------------------------------------ numbers */

/* A number given as a JSON number or as a string holding one (ProtoJSON accepts both for every numeric
 * field): its parts, and its text as written (inside the quotes) for conversion and error messages. */
typedef struct num_text {
  evs_jnum num;
  const char *text;
  size_t len;
  bool is_word; /* one of the float words "NaN", "Infinity", "-Infinity"; its value is `word` */
  double word;
} num_text;

/* The float words proto3 JSON spells as strings; false for any other string. */
static bool float_word(const evs_jstr *s, double *v) {
  if (s->len == 3 && memcmp(s->s, "NaN", 3) == 0)
    *v = (double)NAN;
  else if (s->len == 8 && memcmp(s->s, "Infinity", 8) == 0)
    *v = (double)INFINITY;
  else if (s->len == 9 && memcmp(s->s, "-Infinity", 9) == 0)
    *v = -(double)INFINITY;
  else
    return false;
  return true;
}

/* Reads a number, bare or quoted, for a field described by `what` ("int64", "enum", ...). With
 * `float_words` (float and double fields) the quoted words NaN/Infinity/-Infinity are taken too and an
 * unquoted one gets its own error. Errors are at the start of the value. */
static evs_status read_number(evs_jdec *d, const char *what, bool float_words, num_text *out) {
  const char *start = d->p;
  out->is_word = false;
  if (*d->p == '"') {
    evs_jstr s;
    evs_status st = evs_jd_string(d, &s);
    if (st != EVS_OK) return st;
    if (float_words && float_word(&s, &out->word)) {
      out->is_word = true;
      return EVS_OK;
    }
    const char *why;
    size_t bad;
    size_t used = evs_jnum_scan(s.s, s.len, &out->num, &why, &bad);
    if (used == 0 || used != s.len)
      return evs_jd_fail(d, EVS_ERR_TYPE, start, "expected a number for a %s field, got the string \"%.*s\"",
                         what, (int)(s.len > 40 ? 40 : s.len), s.s);
    out->text = s.s;
    out->len = s.len;
    return EVS_OK;
  }
  if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) {
    evs_status st = evs_jd_number(d, &out->num, &out->text);
    if (st != EVS_OK) return st;
    out->len = (size_t)(d->p - out->text);
    return EVS_OK;
  }
  if (float_words && (*d->p == 'N' || *d->p == 'I'))
    return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "NaN and Infinity must be quoted: \"NaN\", \"Infinity\"");
  return evs_jd_expected(d, start, "a number for a %s field", what);
}

/* Whether a value of sign `neg` and magnitude `mag` fits an integer field of that signedness and width. */
static bool int_fits(bool neg, uint64_t mag, bool is_signed, bool is64) {
  uint64_t limit_pos = is64 ? (is_signed ? (uint64_t)INT64_MAX : UINT64_MAX)
                            : (is_signed ? (uint64_t)INT32_MAX : (uint64_t)UINT32_MAX);
  uint64_t limit_neg = is_signed ? limit_pos + 1 : 0;
  return neg ? mag <= limit_neg : mag <= limit_pos;
}

/* Reads an integer (a JSON number or a string holding one) of the given width into *out (two's
 * complement bits for signed types). */
static __attribute__((noinline)) evs_status read_integer_any(evs_jdec *d, const char *what, bool is_signed,
                                                             int bits, uint64_t *out) {
  const char *start = d->p;
  uint64_t mag;
  num_text n;
  evs_status st = read_number(d, what, false, &n);
  if (st != EVS_OK) return st;
  st = evs_jnum_magnitude(&n.num, &mag);
  if (st == EVS_ERR_TYPE)
    return evs_jd_fail(d, EVS_ERR_TYPE, start, "%s value %.*s is not an integer", what,
                       (int)(n.len > 40 ? 40 : n.len), n.text);
  if (st == EVS_ERR_RANGE || !int_fits(n.num.neg, mag, is_signed, bits == 64))
    return evs_jd_fail(d, EVS_ERR_RANGE, start, "%s value %.*s is out of range", what,
                       (int)(n.len > 40 ? 40 : n.len), n.text);
  *out = n.num.neg ? (uint64_t)0 - mag : mag;
  return EVS_OK;
}

/* Most integers are plain digits, bare or quoted (int64 as a string without escapes): read in place, in
 * one pass. Anything else, and every error, takes read_integer_any. `what` is only needed there. */
static inline evs_status read_integer(evs_jdec *d, const evs_field *what, bool is_signed, int bits,
                                      uint64_t *out) {
  const char *start = d->p;
  bool quoted = *start == '"', neg;
  const char *text = start + quoted;
  uint64_t mag;
  size_t used = evs_jnum_plain_int(text, (size_t)(d->end - text), &neg, &mag);
  if (used && (!quoted || (text + used < d->end && text[used] == '"')) &&
      int_fits(neg, mag, is_signed, bits == 64)) {
    d->p = text + used + quoted;
    *out = neg ? (uint64_t)0 - mag : mag;
    return EVS_OK;
  }
  return read_integer_any(d, what ? type_word(what) : "enum", is_signed, bits, out);
}

static evs_status read_float(evs_jdec *d, const char *what, bool is_float, double *dv, float *fv) {
  const char *start = d->p;
  num_text n;
  evs_status st = read_number(d, what, true, &n);
  if (st != EVS_OK) return st;
  if (n.is_word) {
    if (is_float)
      *fv = (float)n.word;
    else
      *dv = n.word;
    return EVS_OK;
  }
  st =
      is_float ? evs_jnum_to_float(n.text, n.len, &n.num, fv) : evs_jnum_to_double(n.text, n.len, &n.num, dv);
  if (st == EVS_ERR_NOMEM) return evs_jd_fail(d, st, start, "out of memory");
  if (st != EVS_OK)
    return evs_jd_fail(d, EVS_ERR_RANGE, start, "%s value %.*s is out of range", what,
                       (int)(n.len > 40 ? 40 : n.len), n.text);
  return EVS_OK;
}

/* ------------------------------------------------------------------ scalars */

static evs_status read_enum(evs_jdec *d, const evs_field *f, int32_t *out, bool *skipped) {
  const evs_enum *e = f->enum_type;
  const char *start = d->p;
  if (*d->p == '"') {
    evs_jstr s;
    evs_status st = evs_jd_string(d, &s);
    if (st != EVS_OK) return st;
    const evs_enum_value *v = evs_enum_value_by_name(e, s.s, s.len);
    if (!v) {
      if (d->flags & EVS_JSON_IGNORE_UNKNOWN) {
        *skipped = true;
        return EVS_OK;
      }
      return evs_jd_fail(d, EVS_ERR_NOT_FOUND, start, "unknown value \"%.*s\" for enum %s",
                         (int)(s.len > 60 ? 60 : s.len), s.s, e->full_name);
    }
    *out = v->number;
    return EVS_OK;
  }
  if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) {
    uint64_t bits;
    evs_status st = read_integer(d, NULL, true, 32, &bits);
    if (st != EVS_OK) return st;
    int32_t n = (int32_t)(uint32_t)bits;
    if (e->closed && !evs_enum_value_by_number(e, n))
      return evs_jd_fail(d, EVS_ERR_NOT_FOUND, start, "%d is not a value of closed enum %s", (int)n,
                         e->full_name);
    *out = n;
    return EVS_OK;
  }
  return evs_jd_expected(d, start, "an enum name (a string) or number for enum %s", e->full_name);
}

/* keep_nul: the field is held with a length (EVS_FIELD_FLAG_STRING), so "\u0000" is a character like any. */
static evs_status read_string_value(evs_jdec *d, const char *what, evs_jstr *s, bool keep_nul) {
  const char *start = d->p;
  if (*d->p != '"') {
    return evs_jd_expected(d, start, "a string for %s", what);
  }
  evs_status st = evs_jd_string(d, s);
  if (st != EVS_OK) return st;
  if (!keep_nul && s->escaped && memchr(s->s, 0, s->len))
    return evs_jd_fail(d, EVS_ERR_UNSUPPORTED, start,
                       "\"\\u0000\" in a string: protobuf-c strings are NUL-terminated and cannot hold it");
  return EVS_OK;
}

/* Text into a string held as ProtobufCBinaryData (EVS_FIELD_FLAG_STRING); empty is {0, NULL}, as unpack
 * leaves it. */
static evs_status put_string_bytes(evs_jdec *d, const char *text, size_t len, const char *pos, void *slot) {
  ProtobufCBinaryData bd = {0, NULL};
  if (len) {
    char *copy = evs_jd_strdup(d, text, len, pos);
    if (!copy) return EVS_ERR_NOMEM;
    bd = (ProtobufCBinaryData){len, (uint8_t *)copy};
  }
  memcpy(slot, &bd, sizeof bd);
  return EVS_OK;
}

evs_status evs_jd_scalar(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd, void *slot,
                         bool *skipped) {
  const char *start = d->p;
  if (d->p >= d->end) return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "expected a value, found end of input");
  uint64_t u;
  evs_status st;
  switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
      if ((st = read_integer(d, f, true, 32, &u)) != EVS_OK) return st;
      *(int32_t *)slot = (int32_t)(uint32_t)u;
      return EVS_OK;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      if ((st = read_integer(d, f, false, 32, &u)) != EVS_OK) return st;
      *(uint32_t *)slot = (uint32_t)u;
      return EVS_OK;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      if ((st = read_integer(d, f, true, 64, &u)) != EVS_OK) return st;
      *(int64_t *)slot = (int64_t)u;
      return EVS_OK;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      if ((st = read_integer(d, f, false, 64, &u)) != EVS_OK) return st;
      *(uint64_t *)slot = u;
      return EVS_OK;
    case PROTOBUF_C_TYPE_FLOAT:
      return read_float(d, "float", true, NULL, (float *)slot);
    case PROTOBUF_C_TYPE_DOUBLE:
      return read_float(d, "double", false, (double *)slot, NULL);
    case PROTOBUF_C_TYPE_BOOL:
      if (evs_jd_literal(d, "true", 4)) {
        *(protobuf_c_boolean *)slot = 1;
        return EVS_OK;
      }
      if (evs_jd_literal(d, "false", 5)) {
        *(protobuf_c_boolean *)slot = 0;
        return EVS_OK;
      }
      return evs_jd_expected(d, start, "true or false");
    case PROTOBUF_C_TYPE_ENUM: {
      int32_t v = 0;
      if ((st = read_enum(d, f, &v, skipped)) != EVS_OK) return st;
      if (!*skipped) *(int32_t *)slot = v;
      return EVS_OK;
    }
    case PROTOBUF_C_TYPE_STRING: {
      evs_jstr s;
      if ((st = read_string_value(d, "a string field", &s, false)) != EVS_OK) return st;
      char *copy = evs_jd_strdup(d, s.s, s.len, start);
      if (!copy) return EVS_ERR_NOMEM;
      *(char **)slot = copy;
      return EVS_OK;
    }
    case PROTOBUF_C_TYPE_BYTES: {
      evs_jstr s;
      if (fd->flags & EVS_FIELD_FLAG_STRING) {
        if ((st = read_string_value(d, "a string field", &s, true)) != EVS_OK) return st;
        return put_string_bytes(d, s.s, s.len, start, slot);
      }
      if (*d->p != '"') {
        return evs_jd_expected(d, start, "a base64 string for a bytes field");
      }
      if ((st = evs_jd_string(d, &s)) != EVS_OK) return st;
      ProtobufCBinaryData bd = {0, NULL};
      if (s.len) {
        uint8_t *buf = evs_jd_alloc(d, evs_base64_decoded_max(s.len), start);
        if (!buf) return EVS_ERR_NOMEM;
        size_t bad;
        if (!evs_base64_decode(s.s, s.len, buf, &bd.len, &bad)) {
          d->alloc->free(d->alloc->allocator_data, buf);
          return evs_jd_fail(d, EVS_ERR_SYNTAX, s.escaped ? start : start + 1 + bad,
                             "invalid base64 in bytes field (character %zu)", bad + 1);
        }
        if (bd.len == 0)
          d->alloc->free(d->alloc->allocator_data, buf);
        else
          bd.data = buf;
      }
      *(ProtobufCBinaryData *)slot = bd;
      return EVS_OK;
    }
    default:
      return evs_jd_fail(d, EVS_ERR_UNSUPPORTED, start, "unsupported field type %d", (int)fd->type);
  }
}

/* ------------------------------------------------------------------ containers */

/* Frees n values of fd's type at p (the owned parts: strings, bytes, messages). */
static void free_values(evs_jdec *d, const ProtobufCFieldDescriptor *fd, uint8_t *p, size_t n) {
  ProtobufCAllocator *a = d->alloc;
  for (size_t i = 0; i < n; i++) {
    if (fd->type == PROTOBUF_C_TYPE_STRING) {
      char *s;
      memcpy(&s, p + i * sizeof s, sizeof s);
      if (s) a->free(a->allocator_data, s);
    } else if (fd->type == PROTOBUF_C_TYPE_BYTES) {
      ProtobufCBinaryData b;
      memcpy(&b, p + i * sizeof b, sizeof b);
      if (b.data) a->free(a->allocator_data, b.data);
    } else if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
      ProtobufCMessage *m;
      memcpy(&m, p + i * sizeof m, sizeof m);
      protobuf_c_message_free_unpacked(m, a);
    }
  }
}

/* Moves the n values collected on the stack from `base` into one array owned by msg (n_X, X). */
static evs_status commit_array(evs_jdec *d, const ProtobufCFieldDescriptor *fd, ProtobufCMessage *msg,
                               size_t base, size_t n, const char *pos) {
  if (n == 0) {
    d->stk_len = base;
    return EVS_OK;
  }
  size_t size = n * evs_type_traits_of_pbc(fd->type)->c_size;
  void *arr = evs_jd_alloc(d, size, pos);
  if (!arr) {
    if (n) free_values(d, fd, d->stk + base, n); /* d->stk may still be NULL when n is 0 */
    d->stk_len = base;
    return EVS_ERR_NOMEM;
  }
  memcpy(arr, d->stk + base, size);
  d->stk_len = base;
  *(size_t *)((char *)msg + fd->quantifier_offset) = n;
  *(void **)((char *)msg + fd->offset) = arr;
  return EVS_OK;
}

static bool is_null_value_enum(const evs_field *f) {
  return f->enum_type && f->enum_type->wkt == EVS_WKT_NULL_VALUE;
}

static bool is_value_message(const evs_field *f) {
  return f->message_type && f->message_type->wkt == EVS_WKT_VALUE;
}

/* One value of field f (singular, array element or map value) into slot; `null` must have been handled
 * unless f is a NullValue enum or a Value message. */
static evs_status decode_one(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd, void *slot,
                             bool *skipped) {
  if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
    ProtobufCMessage *sub = evs_jd_new_message(d, fd->descriptor, d->p);
    if (!sub) return d->err->code;
    *(ProtobufCMessage **)slot = sub;
    d->mdepth++;
    evs_status st = evs_jd_message_value(d, f->message_type, fd->descriptor, sub);
    d->mdepth--;
    return st;
  }
  if (is_null_value_enum(f) && evs_jd_literal(d, "null", 4)) {
    *(int32_t *)slot = 0;
    return EVS_OK;
  }
  return evs_jd_scalar(d, f, fd, slot, skipped);
}

static evs_status decode_repeated(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                                  ProtobufCMessage *msg) {
  const char *start = d->p;
  if (*d->p != '[') {
    return evs_jd_expected(d, start, "an array for repeated field");
  }
  bool has_items;
  evs_status st = evs_jd_open(d, ']', &has_items);
  if (st != EVS_OK || !has_items) return st;
  size_t esz = evs_type_traits_of_pbc(fd->type)->c_size;
  size_t base = d->stk_len, n = 0;
  bool more = true;
  while (more) {
    evs_jd_ws(d);
    const char *vpos = d->p;
    if (evs_jd_at_null(d) && !is_null_value_enum(f) && !is_value_message(f)) {
      st = evs_jd_fail(d, EVS_ERR_TYPE, vpos, "null is not allowed inside an array");
      goto fail_at_index;
    }
    union {
      uint64_t u;
      double dv;
      ProtobufCBinaryData b;
      void *p;
    } tmp;
    memset(&tmp, 0, sizeof tmp);
    bool skipped = false;
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
      /* The element is owned by the stack from the start, so a failure inside frees it. */
      size_t off = evs_jd_push(d, esz, vpos);
      if (off == SIZE_MAX) {
        st = EVS_ERR_NOMEM;
        goto fail;
      }
      ProtobufCMessage *sub = evs_jd_new_message(d, fd->descriptor, vpos);
      memcpy(d->stk + off, &sub, sizeof sub);
      if (!sub) {
        d->stk_len = off;
        st = d->err->code;
        goto fail_at_index;
      }
      n++;
      d->mdepth++;
      st = evs_jd_message_value(d, f->message_type, fd->descriptor, sub);
      d->mdepth--;
      if (st != EVS_OK) {
        n--;
        goto fail_at_index_n;
      }
    } else {
      st = decode_one(d, f, fd, &tmp, &skipped);
      if (st != EVS_OK) goto fail_at_index;
      if (!skipped) {
        size_t off = evs_jd_push(d, esz, vpos);
        if (off == SIZE_MAX) {
          free_values(d, fd, (uint8_t *)&tmp, 1);
          st = EVS_ERR_NOMEM;
          goto fail;
        }
        memcpy(d->stk + off, &tmp, esz);
        n++;
      }
    }
    if ((st = evs_jd_next(d, ']', &more)) != EVS_OK) goto fail;
  }
  return commit_array(d, fd, msg, base, n, start);

fail_at_index_n:
  evs_jd_path_index(d, n);
  free_values(d, fd, d->stk + base, n + 1);
  d->stk_len = base;
  return st;
fail_at_index:
  evs_jd_path_index(d, n);
fail:
  if (n) free_values(d, fd, d->stk + base, n); /* d->stk may still be NULL when n is 0 */
  d->stk_len = base;
  return st;
}

/* A map key (the JSON object key text) into the entry's key slot. */
static evs_status decode_map_key(evs_jdec *d, const ProtobufCFieldDescriptor *kfd, const evs_jstr *k,
                                 void *slot) {
  const char *pos = k->start;
  if (evs_field_is_string(kfd) && kfd->type == PROTOBUF_C_TYPE_BYTES)
    return put_string_bytes(d, k->s, k->len, pos, slot);
  if (kfd->type == PROTOBUF_C_TYPE_STRING) {
    if (k->escaped && memchr(k->s, 0, k->len))
      return evs_jd_fail(
          d, EVS_ERR_UNSUPPORTED, pos,
          "\"\\u0000\" in a map key: protobuf-c strings are NUL-terminated and cannot hold it");
    char *copy = evs_jd_strdup(d, k->s, k->len, pos);
    if (!copy) return EVS_ERR_NOMEM;
    *(char **)slot = copy;
    return EVS_OK;
  }
  if (kfd->type == PROTOBUF_C_TYPE_BOOL) {
    if (k->len == 4 && memcmp(k->s, "true", 4) == 0)
      *(protobuf_c_boolean *)slot = 1;
    else if (k->len == 5 && memcmp(k->s, "false", 5) == 0)
      *(protobuf_c_boolean *)slot = 0;
    else
      return evs_jd_fail(d, EVS_ERR_TYPE, pos, "map key \"%.*s\" is not \"true\" or \"false\"",
                         (int)(k->len > 40 ? 40 : k->len), k->s);
    return EVS_OK;
  }
  evs_jnum num;
  const char *why;
  size_t bad;
  size_t used = evs_jnum_scan(k->s, k->len, &num, &why, &bad);
  uint64_t mag;
  evs_status st = used && used == k->len ? evs_jnum_magnitude(&num, &mag) : EVS_ERR_TYPE;
  const evs_type_traits *kt = evs_type_traits_of_pbc(kfd->type);
  bool is64 = kt->bits == 64, is_signed = kt->is_signed;
  if (st == EVS_ERR_TYPE)
    return evs_jd_fail(d, EVS_ERR_TYPE, pos, "map key \"%.*s\" is not an integer",
                       (int)(k->len > 40 ? 40 : k->len), k->s);
  if (st != EVS_OK || !int_fits(num.neg, mag, is_signed, is64))
    return evs_jd_fail(d, EVS_ERR_RANGE, pos, "map key \"%.*s\" is out of range",
                       (int)(k->len > 40 ? 40 : k->len), k->s);
  uint64_t v = num.neg ? (uint64_t)0 - mag : mag;
  if (is64)
    *(uint64_t *)slot = v;
  else
    *(uint32_t *)slot = (uint32_t)v;
  return EVS_OK;
}

/* After a map or Struct object is collected on the stack: fails on a key given twice, at the second
 * one (found by re-scanning the object; when entries were dropped the indexes no longer match members,
 * so the object itself is named). */
evs_status evs_jd_check_dups(evs_jdec *d, ProtobufCMessage *const *entries, size_t n, const char *obj,
                             bool dropped, const evs_json_small_keys *sk) {
  if (n < 2) return EVS_OK;
  size_t j = sk && n <= EVS_JSON_SMALL_KEYS
                 ? evs_json_small_first_dup(sk, n)
                 : evs_json_map_first_dup(entries, n, &entries[0]->descriptor->fields[0]);
  if (j == n) return EVS_OK;
  if (j == SIZE_MAX) return evs_jd_fail(d, EVS_ERR_NOMEM, obj, "out of memory");
  const char *key = dropped ? obj : evs_jd_member_key(d, obj, j);
  evs_jstr k = {NULL, 0, key, false};
  if (key != obj) {
    const char *save = d->p;
    d->p = key;
    if (evs_jd_string(d, &k) != EVS_OK) k.s = NULL;
    d->p = save;
  }
  evs_status st = k.s ? evs_jd_fail(d, EVS_ERR_DUPLICATE, key, "key \"%.*s\" is given twice",
                                    (int)(k.len > 60 ? 60 : k.len), k.s)
                      : evs_jd_fail(d, EVS_ERR_DUPLICATE, key, "the same key is given twice");
  return st;
}

static evs_status decode_map(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                             ProtobufCMessage *msg) {
  const char *start = d->p;
  if (*d->p != '{') {
    return evs_jd_expected(d, start, "an object for map field");
  }
  bool has_items;
  evs_status st = evs_jd_open(d, '}', &has_items);
  if (st != EVS_OK || !has_items) return st;
  const ProtobufCMessageDescriptor *ecd = fd->descriptor;
  const evs_message *em = f->message_type;
  const ProtobufCFieldDescriptor *kfd = &ecd->fields[0], *vfd = &ecd->fields[1];
  const evs_field *vf = &em->fields[1];
  size_t base = d->stk_len, n = 0;
  bool dropped = false;
  /* string keys are recorded as they are copied; the others are read from the entries */
  evs_json_small_keys sk, *keys = kfd->type == PROTOBUF_C_TYPE_STRING ? &sk : NULL;
  bool more = true;
  while (more) {
    evs_jd_ws(d);
    if (d->p >= d->end || *d->p != '"') {
      char b[16];
      st = evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a string key, found %s", evs_jd_token_name(d, b));
      goto fail;
    }
    evs_jstr k;
    if ((st = evs_jd_string(d, &k)) != EVS_OK) goto fail;
    size_t off = evs_jd_push(d, sizeof(ProtobufCMessage *), k.start);
    if (off == SIZE_MAX) {
      st = EVS_ERR_NOMEM;
      goto fail;
    }
    ProtobufCMessage *entry = evs_jd_new_message(d, ecd, k.start);
    memcpy(d->stk + off, &entry, sizeof entry);
    if (!entry) {
      d->stk_len = off;
      st = d->err->code;
      goto fail;
    }
    n++;
    d->mdepth++; /* inside the entry: its value message is one level further down */
    const char *raw_key = k.start + 1;
    size_t raw_len = (size_t)(d->p - k.start) - 2;
    if ((st = decode_map_key(d, kfd, &k, (char *)entry + kfd->offset)) != EVS_OK) goto fail_key;
    if ((st = evs_jd_colon(d)) != EVS_OK) goto fail;
    if (evs_jd_at_null(d) && !is_null_value_enum(vf) && !is_value_message(vf)) {
      st = evs_jd_fail(d, EVS_ERR_TYPE, d->p, "null is not allowed as a map value");
      goto fail_key;
    }
    bool skipped = false;
    if (is_value_message(vf) && evs_jd_literal(d, "null", 4)) {
      ProtobufCMessage *v = evs_jd_new_message(d, vfd->descriptor, d->p);
      if (!v) {
        st = d->err->code;
        goto fail_key;
      }
      *(ProtobufCMessage **)((char *)entry + vfd->offset) = v;
      st = evs_jd_wkt_null(v);
    } else {
      st = decode_one(d, vf, vfd, (char *)entry + vfd->offset, &skipped);
    }
    d->mdepth--;
    if (st != EVS_OK) goto fail_key;
    if (skipped) {
      protobuf_c_message_free_unpacked(entry, d->alloc);
      d->stk_len -= sizeof entry;
      n--;
      dropped = true;
    } else if (keys && n <= EVS_JSON_SMALL_KEYS) {
      evs_json_small_key(keys, n - 1, *(const char **)((char *)entry + kfd->offset), k.len);
    }
    if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) goto fail;
    continue;
  fail_key:
    evs_jd_path_key(d, raw_key, raw_len);
    goto fail;
  }
  {
    if (n > 1 && (st = evs_jd_check_dups(d, (ProtobufCMessage **)(void *)(d->stk + base), n, start, dropped,
                                         keys)) != EVS_OK)
      goto fail;
  }
  return commit_array(d, fd, msg, base, n, start);
fail:
  if (n) free_values(d, fd, d->stk + base, n); /* d->stk may still be NULL when n is 0 */
  d->stk_len = base;
  return st;
}

/* ------------------------------------------------------------------ fields and objects */

static evs_status decode_field(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                               ProtobufCMessage *msg, const char *keypos) {
  void *slot = (char *)msg + fd->offset;
  if (d->p >= d->end) return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a value, found end of input");
  /* protobuf-c 1.4.1 has no groups: they are kept as bytes in the unknown fields (docs/json.md). */
  if (f->type == EVS_TYPE_GROUP) return evs_jd_group(d, f, fd, msg);
  bool is_null = *d->p == 'n' && evs_jd_literal(d, "null", 4);
  if (f->is_repeated) {
    if (is_null) return EVS_OK;
    return f->is_map ? decode_map(d, f, fd, msg) : decode_repeated(d, f, fd, msg);
  }
  uint32_t *oneof_case =
      (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ? (uint32_t *)((char *)msg + fd->quantifier_offset) : NULL;
  if (is_null && !is_null_value_enum(f) && !is_value_message(f)) return EVS_OK; /* null = unset */
  if (oneof_case) {
    if (*oneof_case && *oneof_case != fd->id) {
      const ProtobufCFieldDescriptor *other =
          protobuf_c_message_descriptor_get_field(msg->descriptor, *oneof_case);
      return evs_jd_fail(d, EVS_ERR_DUPLICATE, keypos, "oneof '%s' already has field '%s' set",
                         f->oneof ? f->oneof->name : "?", other ? other->name : "?");
    }
    *oneof_case = fd->id;
  }
  evs_status st;
  bool skipped = false;
  if (is_null) {
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
      ProtobufCMessage *v = evs_jd_new_message(d, fd->descriptor, d->p);
      if (!v) return d->err->code;
      *(ProtobufCMessage **)slot = v;
      st = evs_jd_wkt_null(v);
    } else {
      *(int32_t *)slot = 0;
      st = EVS_OK;
    }
  } else {
    st = decode_one(d, f, fd, slot, &skipped);
  }
  if (st != EVS_OK) return st;
  if (skipped) {
    if (oneof_case) *oneof_case = 0;
    return EVS_OK;
  }
  if (!oneof_case && fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset)
    *(protobuf_c_boolean *)((char *)msg + fd->quantifier_offset) = 1;
  return EVS_OK;
}

/* proto2 required fields must be in the object (ProtoJSON parsers reject the document otherwise); the
 * error is at the object's '{', its path names the field. */
/* name (NUL-terminated) equals key[0..len); never reads name past its NUL (the key may hold a NUL). */
static bool key_is(const char *name, const char *key, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (name[i] != key[i] || name[i] == '\0') return false;
  return name[len] == '\0';
}

static evs_status missing_required(evs_jdec *d, const evs_message *m, const ProtobufCMessageDescriptor *cd,
                                   const uint64_t *seen, const char *start) {
  if (m->file->syntax != EVS_SYNTAX_PROTO2) return EVS_OK;
  for (size_t i = 0; i < m->n_fields; i++)
    if (cd->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && !(seen[i / 64] & ((uint64_t)1 << (i % 64)))) {
      evs_status st = evs_jd_fail(d, EVS_ERR_SYNTAX, start, "required field \"%s\" of message %s is missing",
                                  m->fields[i].json_name, m->full_name);
      evs_jd_path_field(d, m->fields[i].json_name);
      return st;
    }
  return EVS_OK;
}

evs_status evs_jd_object(evs_jdec *d, const evs_message *m, const ProtobufCMessageDescriptor *cd,
                         ProtobufCMessage *msg, const char *skip_key) {
  const char *start = d->p;
  if (d->p >= d->end || *d->p != '{') {
    return evs_jd_expected(d, start, "an object for message %s", m->full_name);
  }
  bool has_items;
  evs_status st = evs_jd_open(d, '}', &has_items);
  if (st != EVS_OK) return st;
  uint64_t seen_small[4] = {0, 0, 0, 0};
  if (!has_items) return missing_required(d, m, cd, seen_small, start);
  uint64_t *seen = seen_small;
  if (m->n_fields > 256) {
    seen = evs_calloc((m->n_fields + 63) / 64, sizeof *seen);
    if (!seen) return evs_jd_fail(d, EVS_ERR_NOMEM, start, "out of memory");
  }
  bool skip_seen = false;
  bool more = true;
  size_t predict = 0;
  evs_json_ext ext;
  while (more) {
    evs_jd_ws(d);
    if (d->p >= d->end || *d->p != '"') {
      char b[16];
      st = evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a string key, found %s", evs_jd_token_name(d, b));
      break;
    }
    evs_jstr k;
    if ((st = evs_jd_string(d, &k)) != EVS_OK) break;
    const char *keypos = k.start;
    /* Documents usually list fields in field-number order: try the field after the last one first, which
     * saves hashing the key (names and JSON names are unique across a message, so a match is the field
     * the index would return). */
    const evs_field *f = NULL;
    if (predict < m->n_fields &&
        (key_is(m->fields[predict].json_name, k.s, k.len) || key_is(m->fields[predict].name, k.s, k.len)))
      f = &m->fields[predict];
    else
      f = evs_message_find_field(m, k.s, k.len);
    if (f) predict = f->index + 1;
    if (!f) {
      if (skip_key && k.len == strlen(skip_key) && memcmp(k.s, skip_key, k.len) == 0) {
        if (skip_seen) {
          st = evs_jd_fail(d, EVS_ERR_DUPLICATE, keypos, "key \"%s\" given twice", skip_key);
          break;
        }
        skip_seen = true;
        if ((st = evs_jd_colon(d)) != EVS_OK || (st = evs_jd_skip(d)) != EVS_OK) break;
      } else if (k.len > 2 && k.s[0] == '[' && k.s[k.len - 1] == ']' &&
                 evs_json_find_extension(d->reg, m, k.s + 1, k.len - 2, 0, &ext)) {
        /* "[pkg.name]": a proto2 extension, kept in the message's unknown fields */
        if ((st = evs_jd_colon(d)) != EVS_OK) break;
        if ((st = evs_jd_extension(d, &ext, msg, keypos)) != EVS_OK) break;
      } else if (d->flags & EVS_JSON_IGNORE_UNKNOWN) {
        if ((st = evs_jd_colon(d)) != EVS_OK || (st = evs_jd_skip(d)) != EVS_OK) break;
      } else {
        st = evs_jd_fail(d, EVS_ERR_NOT_FOUND, keypos, "unknown field \"%.*s\" in message %s",
                         (int)(k.len > 80 ? 80 : k.len), k.s, m->full_name);
        break;
      }
    } else {
      uint32_t i = f->index;
      if (seen[i / 64] & ((uint64_t)1 << (i % 64))) {
        st = evs_jd_fail(d, EVS_ERR_DUPLICATE, keypos, "field \"%s\" given twice (as \"%s\" or \"%s\")",
                         f->json_name, f->json_name, f->name);
        evs_jd_path_field(d, f->json_name);
        break;
      }
      seen[i / 64] |= (uint64_t)1 << (i % 64);
      if ((st = evs_jd_colon(d)) != EVS_OK) break;
      if ((st = decode_field(d, f, &cd->fields[i], msg, keypos)) != EVS_OK) {
        evs_jd_path_field(d, f->json_name);
        break;
      }
    }
    if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) break;
  }
  if (st == EVS_OK) st = missing_required(d, m, cd, seen, start);
  if (seen != seen_small) evs_free(seen);
  return st;
}

evs_status evs_jd_message_value(evs_jdec *d, const evs_message *m, const ProtobufCMessageDescriptor *cd,
                                ProtobufCMessage *msg) {
  /* The codec indexes m->fields and cd->fields in parallel; a C descriptor from another version of the
   * .proto than the registry's must not get that far. */
  if (m->n_fields != cd->n_fields)
    return evs_jd_fail(d, EVS_ERR_DESCRIPTOR, d->p,
                       "C descriptor of %s does not match the registry (%u vs %zu fields)", m->full_name,
                       cd->n_fields, m->n_fields);
  if (m->wkt != EVS_WKT_NONE && m->wkt != EVS_WKT_EMPTY) return evs_jd_wkt(d, m->wkt, m, msg);
  return evs_jd_object(d, m, cd, msg, NULL);
}

/* ------------------------------------------------------------------ entry point */

static void *default_alloc(void *data, size_t size) {
  (void)data;
  return evs_malloc(size);
}

static void default_free(void *data, void *p) {
  (void)data;
  evs_free(p);
}

static ProtobufCAllocator g_default_allocator = {default_alloc, default_free, NULL};

evs_status evs_json_decode(const evs_registry *reg, const ProtobufCMessageDescriptor *desc, const char *json,
                           size_t len, const evs_json_options *opts, ProtobufCAllocator *allocator,
                           ProtobufCMessage **out, evs_error *err) {
  evs_error_clear(err);
  if (out) *out = NULL;
  if (!reg || !desc || !out || (!json && len))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_json_decode: %s is NULL",
                    !reg    ? "reg"
                    : !desc ? "desc"
                    : !out  ? "out"
                            : "json");
  if (desc->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_json_decode: desc is not a message descriptor");
  const evs_message *m = evs_json_message_of(reg, desc);
  if (!m)
    return evs_fail(err, EVS_ERR_NOT_FOUND, "message type %s is not in the registry",
                    desc->name ? desc->name : "(unnamed)");
  if (opts && (opts->max_depth < 0 || opts->max_depth > EVS_MAX_DEPTH_LIMIT))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_json_decode: max_depth %d is outside 0..%d",
                    opts->max_depth, EVS_MAX_DEPTH_LIMIT);
  evs_jdec d;
  memset(&d, 0, sizeof d);
  uint64_t stk0[64]; /* most documents' repeated values fit: no heap stack */
  d.stk = (uint8_t *)stk0;
  d.stk_cap = sizeof stk0;
  d.base = json ? json : "";
  d.p = d.base;
  d.end = d.base + len;
  d.reg = reg;
  d.alloc = allocator ? allocator : &g_default_allocator;
  d.frees_nothing = evs_arena_allocator_is(d.alloc);
  d.flags = opts ? opts->flags : 0;
  d.max_depth = opts && opts->max_depth ? opts->max_depth : EVS_JSON_DEFAULT_MAX_DEPTH;
  /* Valid ProtoJSON opens at most two brackets per message level ('[' of a repeated field, then '{');
   * the bracket limit only bounds skipped unknown values. */
  d.max_brackets = 2 * d.max_depth + 2;
  d.err = err;
  d.mdepth = -1; /* the root is created at level 0 */
  ProtobufCMessage *msg = evs_jd_new_message(&d, desc, d.p);
  if (!msg) return err->code;
  d.mdepth = 0;
  evs_status st = EVS_OK;
  evs_jd_ws(&d);
  if (d.p >= d.end) {
    st = evs_jd_fail(&d, EVS_ERR_SYNTAX, d.p, "empty document: expected a JSON value");
  } else if (m->wkt != EVS_WKT_VALUE && evs_jd_at_null(&d)) {
    st = evs_jd_fail(&d, EVS_ERR_TYPE, d.p, "the document is null: expected %s",
                     m->wkt ? "a value" : "an object");
  } else {
    st = evs_jd_message_value(&d, m, desc, msg);
    if (st == EVS_OK) {
      evs_jd_ws(&d);
      if (d.p < d.end) {
        char b[16];
        st = evs_jd_fail(&d, EVS_ERR_SYNTAX, d.p, "trailing data after the JSON value: %s",
                         evs_jd_token_name(&d, b));
      }
    }
  }
  evs_free(d.sbuf);
  if (d.stk_heap) evs_free(d.stk);
  if (st != EVS_OK) {
    protobuf_c_message_free_unpacked(msg, d.alloc);
    return st;
  }
  *out = msg;
  return EVS_OK;
}
