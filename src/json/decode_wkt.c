/* Well-known types on input (protojson.md §7): Timestamp, Duration, FieldMask, the wrappers, Struct /
 * Value / ListValue and Any. The generated google.protobuf structs are used directly: their layout is
 * fixed by the .proto files, whichever copy of the descriptors built the message. */
#include "base/alloc_internal.h"
#include "json/json_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evs/timeutil.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define DURATION_MAX_SECONDS 315576000000LL

static evs_status expect_string(evs_jdec *d, const char *type, evs_jstr *s) {
  if (d->p >= d->end || *d->p != '"') {
    return evs_jd_expected(d, d->p, "a string for %s", type);
  }
  return evs_jd_string(d, s);
}

/* Error position inside a string value: exact when the text had no escapes. */
static const char *in_string(const evs_jstr *s, size_t off) {
  return s->escaped ? s->start : s->start + 1 + off;
}

static evs_status decode_timestamp(evs_jdec *d, ProtobufCMessage *msg) {
  evs_jstr s;
  evs_status st = expect_string(d, "google.protobuf.Timestamp", &s);
  if (st != EVS_OK) return st;
  int64_t sec;
  int32_t nanos;
  evs_error terr;
  evs_error_clear(&terr);
  st = evs_time_parse_rfc3339(s.s, s.len, &sec, &nanos, &terr);
  if (st != EVS_OK) {
    size_t off = terr.offset == EVS_NO_OFFSET ? 0 : terr.offset;
    return evs_jd_fail(d, st, in_string(&s, off), "invalid google.protobuf.Timestamp \"%.*s\": %s",
                       (int)(s.len > 40 ? 40 : s.len), s.s, terr.msg);
  }
  Google__Protobuf__Timestamp *t = (Google__Protobuf__Timestamp *)msg;
  t->seconds = sec;
  t->nanos = nanos;
  return EVS_OK;
}

static evs_status decode_duration(evs_jdec *d, ProtobufCMessage *msg) {
  evs_jstr s;
  evs_status st = expect_string(d, "google.protobuf.Duration", &s);
  if (st != EVS_OK) return st;
  const char *p = s.s, *end = s.s + s.len;
  bool neg = false;
  if (p < end && *p == '-') {
    neg = true;
    p++;
  }
  int64_t sec = 0;
  int32_t nanos = 0;
  const char *digits = p;
  while (p < end && *p >= '0' && *p <= '9') {
    if (sec <= DURATION_MAX_SECONDS) sec = sec * 10 + (*p - '0'); /* saturates above the maximum */
    p++;
  }
  if (p == digits)
    return evs_jd_fail(d, EVS_ERR_SYNTAX, in_string(&s, (size_t)(p - s.s)),
                       "invalid google.protobuf.Duration \"%.*s\": expected digits, like \"1.5s\"",
                       (int)(s.len > 40 ? 40 : s.len), s.s);
  if (p < end && *p == '.') {
    p++;
    int nd = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (nd == 9)
        return evs_jd_fail(d, EVS_ERR_SYNTAX, in_string(&s, (size_t)(p - s.s)),
                           "invalid google.protobuf.Duration: more than 9 fraction digits");
      nanos = nanos * 10 + (*p - '0');
      nd++;
      p++;
    }
    if (nd == 0)
      return evs_jd_fail(d, EVS_ERR_SYNTAX, in_string(&s, (size_t)(p - s.s)),
                         "invalid google.protobuf.Duration: expected a digit after '.'");
    for (; nd < 9; nd++) nanos *= 10;
  }
  if (p >= end || *p != 's' || p + 1 != end)
    return evs_jd_fail(
        d, EVS_ERR_SYNTAX, in_string(&s, (size_t)(p - s.s)),
        "invalid google.protobuf.Duration \"%.*s\": expected seconds ending in 's', like \"1.5s\"",
        (int)(s.len > 40 ? 40 : s.len), s.s);
  if (sec > DURATION_MAX_SECONDS)
    return evs_jd_fail(d, EVS_ERR_RANGE, s.start,
                       "google.protobuf.Duration \"%.*s\" is out of range (+-%lld s)",
                       (int)(s.len > 40 ? 40 : s.len), s.s, (long long)DURATION_MAX_SECONDS);
  Google__Protobuf__Duration *du = (Google__Protobuf__Duration *)msg;
  du->seconds = neg ? -sec : sec;
  du->nanos = neg ? -nanos : nanos;
  return EVS_OK;
}

static evs_status decode_field_mask(evs_jdec *d, ProtobufCMessage *msg) {
  evs_jstr s;
  evs_status st = expect_string(d, "google.protobuf.FieldMask", &s);
  if (st != EVS_OK) return st;
  Google__Protobuf__FieldMask *fm = (Google__Protobuf__FieldMask *)msg;
  if (s.len == 0) return EVS_OK;
  if (s.escaped && memchr(s.s, 0, s.len))
    return evs_jd_fail(d, EVS_ERR_UNSUPPORTED, s.start, "\"\\u0000\" in a google.protobuf.FieldMask");
  size_t n = 1;
  for (size_t i = 0; i < s.len; i++) {
    if (s.s[i] == ',') n++;
    if (s.s[i] == '_')
      return evs_jd_fail(d, EVS_ERR_SYNTAX, in_string(&s, i),
                         "google.protobuf.FieldMask paths are lowerCamelCase in JSON: '_' is not allowed");
  }
  /* Each path grows by one '_' per upper-case letter; count them to size every copy exactly. */
  char **paths = evs_jd_alloc(d, n * sizeof *paths, s.start);
  if (!paths) return EVS_ERR_NOMEM;
  size_t k = 0;
  const char *p = s.s, *end = s.s + s.len;
  while (k < n) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *stop = comma ? comma : end;
    size_t extra = 0;
    for (const char *q = p; q < stop; q++)
      if (*q >= 'A' && *q <= 'Z') extra++;
    char *out = evs_jd_alloc(d, (size_t)(stop - p) + extra + 1, s.start);
    if (!out) {
      for (size_t i = 0; i < k; i++) d->alloc->free(d->alloc->allocator_data, paths[i]);
      d->alloc->free(d->alloc->allocator_data, paths);
      return EVS_ERR_NOMEM;
    }
    size_t o = 0;
    for (const char *q = p; q < stop; q++) {
      if (*q >= 'A' && *q <= 'Z') {
        out[o++] = '_';
        out[o++] = (char)(*q - 'A' + 'a');
      } else {
        out[o++] = *q;
      }
    }
    out[o] = '\0';
    paths[k++] = out;
    p = stop + 1;
  }
  fm->n_paths = n;
  fm->paths = paths;
  return EVS_OK;
}

/* ------------------------------------------------------------------ Struct, Value, ListValue */

static evs_status decode_struct(evs_jdec *d, Google__Protobuf__Struct *s);
static evs_status decode_list(evs_jdec *d, Google__Protobuf__ListValue *l);

/* Most of a Struct-heavy document is these four messages: each new one is a copy of its initialised
 * template (what its generated __init writes), inline, instead of evs_jd_new_message's calls. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual" /* the entry's __INIT: (char *)protobuf_c_empty_string */
static const Google__Protobuf__Struct k_struct = GOOGLE__PROTOBUF__STRUCT__INIT;
static const Google__Protobuf__Struct__FieldsEntry k_entry = GOOGLE__PROTOBUF__STRUCT__FIELDS_ENTRY__INIT;
static const Google__Protobuf__Value k_value = GOOGLE__PROTOBUF__VALUE__INIT;
static const Google__Protobuf__ListValue k_list = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
#pragma GCC diagnostic pop

static inline void *new_wkt(evs_jdec *d, const void *init, size_t size, const char *pos) {
  void *m = evs_jd_message_room(d, size, pos);
  if (m) memcpy(m, init, size);
  return m;
}

evs_status evs_jd_wkt_null(ProtobufCMessage *value) {
  Google__Protobuf__Value *v = (Google__Protobuf__Value *)value;
  v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
  v->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
  return EVS_OK;
}

static evs_status decode_value(evs_jdec *d, Google__Protobuf__Value *v) {
  const char *start = d->p;
  if (d->p >= d->end) return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "expected a value, found end of input");
  char c = *d->p;
  if (c == '"') {
    evs_jstr s;
    evs_status st = evs_jd_string(d, &s);
    if (st != EVS_OK) return st;
    if (s.escaped && memchr(s.s, 0, s.len))
      return evs_jd_fail(d, EVS_ERR_UNSUPPORTED, start,
                         "\"\\u0000\" in a string: protobuf-c strings are NUL-terminated and cannot hold it");
    char *copy = evs_jd_strdup(d, s.s, s.len, start);
    if (!copy) return EVS_ERR_NOMEM;
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
    v->string_value = copy;
    return EVS_OK;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    bool neg;
    uint64_t mag;
    size_t used = evs_jnum_plain_int(d->p, (size_t)(d->end - d->p), &neg, &mag);
    if (used && mag <= (uint64_t)1 << 53) { /* an integer a double holds exactly (-0 included) */
      d->p += used;
      v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
      v->number_value = neg ? -(double)mag : (double)mag;
      return EVS_OK;
    }
    evs_jnum num;
    const char *text;
    evs_status st = evs_jd_number(d, &num, &text);
    if (st != EVS_OK) return st;
    double dv;
    st = evs_jnum_to_double(text, (size_t)(d->p - text), &num, &dv);
    if (st == EVS_ERR_NOMEM) return evs_jd_fail(d, st, start, "out of memory");
    if (st != EVS_OK)
      return evs_jd_fail(d, EVS_ERR_RANGE, start, "number %.*s is out of the range of a double",
                         (int)(d->p - text > 40 ? 40 : d->p - text), text);
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
    v->number_value = dv;
    return EVS_OK;
  }
  if (c == '{') {
    Google__Protobuf__Struct *s = new_wkt(d, &k_struct, sizeof k_struct, start);
    if (!s) return d->err->code;
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
    v->struct_value = s;
    d->mdepth++;
    evs_status st = decode_struct(d, s);
    d->mdepth--;
    return st;
  }
  if (c == '[') {
    Google__Protobuf__ListValue *l = new_wkt(d, &k_list, sizeof k_list, start);
    if (!l) return d->err->code;
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
    v->list_value = l;
    d->mdepth++;
    evs_status st = decode_list(d, l);
    d->mdepth--;
    return st;
  }
  bool is_true = c == 't' && evs_jd_literal(d, "true", 4);
  if (is_true || (c == 'f' && evs_jd_literal(d, "false", 5))) {
    v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
    v->bool_value = is_true;
    return EVS_OK;
  }
  if (c == 'n' && evs_jd_literal(d, "null", 4)) return evs_jd_wkt_null(&v->base);
  char b[16];
  if (c == 'N' || c == 'I')
    return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "NaN and Infinity are not JSON values");
  return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "expected a JSON value, found %s", evs_jd_token_name(d, b));
}

static void free_stacked(evs_jdec *d, size_t base, size_t n) {
  for (size_t i = 0; i < n; i++) {
    ProtobufCMessage *m;
    memcpy(&m, d->stk + base + i * sizeof m, sizeof m);
    protobuf_c_message_free_unpacked(m, d->alloc);
  }
  d->stk_len = base;
}

static evs_status commit_messages(evs_jdec *d, size_t base, size_t n, size_t *count, void *field,
                                  const char *pos) {
  if (n == 0) {
    d->stk_len = base;
    return EVS_OK;
  }
  void *arr = evs_jd_alloc(d, n * sizeof(ProtobufCMessage *), pos);
  if (!arr) {
    free_stacked(d, base, n);
    return EVS_ERR_NOMEM;
  }
  memcpy(arr, d->stk + base, n * sizeof(ProtobufCMessage *));
  d->stk_len = base;
  *count = n;
  memcpy(field, &arr, sizeof arr);
  return EVS_OK;
}

static evs_status decode_struct(evs_jdec *d, Google__Protobuf__Struct *s) {
  const char *start = d->p;
  if (d->p >= d->end || *d->p != '{') {
    return evs_jd_expected(d, start, "an object for google.protobuf.Struct");
  }
  bool has_items;
  evs_status st = evs_jd_open(d, '}', &has_items);
  if (st != EVS_OK || !has_items) return st;
  size_t base = d->stk_len, n = 0;
  evs_json_small_keys sk;
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
    const char *raw_key = k.start + 1;
    size_t raw_len = (size_t)(d->p - k.start) - 2;
    if (k.escaped && memchr(k.s, 0, k.len)) {
      st = evs_jd_fail(d, EVS_ERR_UNSUPPORTED, k.start,
                       "\"\\u0000\" in a google.protobuf.Struct key: protobuf-c strings cannot hold it");
      goto fail;
    }
    size_t off = evs_jd_push(d, sizeof(ProtobufCMessage *), k.start);
    if (off == SIZE_MAX) {
      st = EVS_ERR_NOMEM;
      goto fail;
    }
    /* With an arena's allocator (it frees nothing) the entry, its Value and its key are one allocation;
     * both levels must then be within the depth limit, else the separate allocations report which one
     * is not. */
    bool one_block = d->frees_nothing && d->mdepth + 1 < d->max_depth;
    Google__Protobuf__Struct__FieldsEntry *e;
    Google__Protobuf__Value *v = NULL;
    char *key = NULL;
    if (one_block) {
      char *blk = evs_jd_alloc(d, sizeof k_entry + sizeof k_value + k.len + 1, k.start);
      e = (Google__Protobuf__Struct__FieldsEntry *)(void *)blk;
      if (blk) {
        v = (Google__Protobuf__Value *)(void *)(blk + sizeof k_entry);
        key = blk + sizeof k_entry + sizeof k_value;
        memcpy(e, &k_entry, sizeof k_entry);
        memcpy(v, &k_value, sizeof k_value);
        evs_json_copy(key, k.s, k.len);
        key[k.len] = '\0';
      }
    } else {
      e = new_wkt(d, &k_entry, sizeof k_entry, k.start);
    }
    memcpy(d->stk + off, &e, sizeof e);
    if (!e) {
      d->stk_len = off;
      st = d->err->code;
      goto fail;
    }
    n++;
    if (!key && !(key = evs_jd_strdup(d, k.s, k.len, k.start))) {
      st = EVS_ERR_NOMEM;
      goto fail;
    }
    e->key = key;
    if (n <= EVS_JSON_SMALL_KEYS) evs_json_small_key(&sk, n - 1, key, k.len);
    if ((st = evs_jd_colon(d)) != EVS_OK) goto fail;
    d->mdepth++; /* the entry's level */
    if (!v && !(v = new_wkt(d, &k_value, sizeof k_value, d->p))) {
      st = d->err->code;
      goto fail;
    }
    e->value = v;
    d->mdepth++;
    st = decode_value(d, v);
    d->mdepth -= 2;
    if (st != EVS_OK) {
      evs_jd_path_key(d, raw_key, raw_len);
      goto fail;
    }
    if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) goto fail;
  }
  if ((st = evs_jd_check_dups(d, (ProtobufCMessage *const *)(void *)(d->stk + base), n, start, false, &sk)) !=
      EVS_OK)
    goto fail;
  return commit_messages(d, base, n, &s->n_fields, &s->fields, start);
fail:
  free_stacked(d, base, n);
  return st;
}

static evs_status decode_list(evs_jdec *d, Google__Protobuf__ListValue *l) {
  const char *start = d->p;
  if (d->p >= d->end || *d->p != '[') {
    return evs_jd_expected(d, start, "an array for google.protobuf.ListValue");
  }
  bool has_items;
  evs_status st = evs_jd_open(d, ']', &has_items);
  if (st != EVS_OK || !has_items) return st;
  size_t base = d->stk_len, n = 0;
  bool more = true;
  while (more) {
    evs_jd_ws(d);
    size_t off = evs_jd_push(d, sizeof(ProtobufCMessage *), d->p);
    if (off == SIZE_MAX) {
      st = EVS_ERR_NOMEM;
      goto fail;
    }
    Google__Protobuf__Value *v = new_wkt(d, &k_value, sizeof k_value, d->p);
    memcpy(d->stk + off, &v, sizeof v);
    if (!v) {
      d->stk_len = off;
      st = d->err->code;
      goto fail;
    }
    n++;
    d->mdepth++;
    st = decode_value(d, v);
    d->mdepth--;
    if (st != EVS_OK) {
      evs_jd_path_index(d, n - 1);
      goto fail;
    }
    if ((st = evs_jd_next(d, ']', &more)) != EVS_OK) goto fail;
  }
  return commit_messages(d, base, n, &l->n_values, &l->values, start);
fail:
  free_stacked(d, base, n);
  return st;
}

/* ------------------------------------------------------------------ wrappers */

static evs_status decode_wrapper(evs_jdec *d, const evs_message *m, ProtobufCMessage *msg) {
  const ProtobufCFieldDescriptor *fd = &msg->descriptor->fields[0];
  bool skipped = false;
  if (evs_jd_at_null(d)) return evs_jd_fail(d, EVS_ERR_TYPE, d->p, "null is not a value of %s", m->full_name);
  return evs_jd_scalar(d, &m->fields[0], fd, (char *)msg + fd->offset, &skipped);
}

/* ------------------------------------------------------------------ Any */

/* Finds "@type" among the members of the object at d->p without building anything; d->p is restored.
 * *type gets a copy (malloc) of its value, NULL when the object has no "@type"; *n_members counts the
 * members. */
static evs_status find_type(evs_jdec *d, char **type, size_t *type_len, const char **type_pos,
                            size_t *n_members) {
  const char *save = d->p;
  int save_depth = d->depth;
  *type = NULL;
  *n_members = 0;
  evs_status st = evs_jd_enter(d);
  if (st != EVS_OK) return st;
  evs_jd_ws(d);
  bool more = !(d->p < d->end && *d->p == '}');
  while (more) {
    evs_jd_ws(d);
    if (d->p >= d->end || *d->p != '"') {
      char b[16];
      st = evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a string key, found %s", evs_jd_token_name(d, b));
      break;
    }
    evs_jstr k;
    if ((st = evs_jd_string(d, &k)) != EVS_OK) break;
    (*n_members)++;
    bool is_type = k.len == 5 && memcmp(k.s, "@type", 5) == 0;
    const char *keypos = k.start;
    if ((st = evs_jd_colon(d)) != EVS_OK) break;
    if (is_type) {
      if (*type) {
        st = evs_jd_fail(d, EVS_ERR_DUPLICATE, keypos, "\"@type\" given twice");
        break;
      }
      evs_jstr v;
      if ((st = expect_string(d, "\"@type\"", &v)) != EVS_OK) break;
      *type_pos = v.start;
      *type = evs_malloc(v.len + 1);
      if (!*type) {
        st = evs_jd_fail(d, EVS_ERR_NOMEM, v.start, "out of memory");
        break;
      }
      memcpy(*type, v.s, v.len);
      (*type)[v.len] = '\0';
      *type_len = v.len;
    } else if ((st = evs_jd_skip(d)) != EVS_OK) {
      break;
    }
    if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) break;
  }
  if (st != EVS_OK) {
    evs_free(*type);
    *type = NULL;
    return st;
  }
  d->p = save;
  d->depth = save_depth;
  return EVS_OK;
}

/* The members of an Any holding a well-known type: "@type" (skipped) and "value". */
static evs_status decode_any_wkt_members(evs_jdec *d, const evs_message *im, ProtobufCMessage *inner) {
  evs_status st = evs_jd_enter(d);
  if (st != EVS_OK) return st;
  bool more = true, seen_type = false, seen_value = false;
  while (more) {
    evs_jd_ws(d);
    evs_jstr k;
    if ((st = evs_jd_string(d, &k)) != EVS_OK) return st; /* find_type validated the shape */
    const char *keypos = k.start;
    bool is_type = k.len == 5 && memcmp(k.s, "@type", 5) == 0;
    bool is_value = k.len == 5 && memcmp(k.s, "value", 5) == 0;
    if ((st = evs_jd_colon(d)) != EVS_OK) return st;
    if (is_type && !seen_type) {
      seen_type = true;
      if ((st = evs_jd_skip(d)) != EVS_OK) return st;
    } else if (is_value) {
      if (seen_value) return evs_jd_fail(d, EVS_ERR_DUPLICATE, keypos, "\"value\" given twice");
      seen_value = true;
      if ((st = evs_jd_wkt(d, im->wkt, im, inner)) != EVS_OK) {
        evs_jd_path_field(d, "value");
        return st;
      }
    } else if (d->flags & EVS_JSON_IGNORE_UNKNOWN) {
      if ((st = evs_jd_skip(d)) != EVS_OK) return st;
    } else {
      return evs_jd_fail(
          d, EVS_ERR_NOT_FOUND, keypos,
          "unknown key \"%.*s\" in a google.protobuf.Any holding %s: expected \"@type\" and \"value\"",
          (int)(k.len > 60 ? 60 : k.len), k.s, im->full_name);
    }
    if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) return st;
  }
  return EVS_OK;
}

static evs_status decode_any(evs_jdec *d, ProtobufCMessage *msg) {
  Google__Protobuf__Any *any = (Google__Protobuf__Any *)msg;
  const char *start = d->p;
  if (d->p >= d->end || *d->p != '{') {
    return evs_jd_expected(d, start, "an object for google.protobuf.Any");
  }
  char *type = NULL;
  size_t type_len = 0, n_members = 0;
  const char *type_pos = start;
  evs_status st = find_type(d, &type, &type_len, &type_pos, &n_members);
  if (st != EVS_OK) return st;
  if (!type) {
    if (n_members == 0) return evs_jd_skip(d); /* {} is an empty Any */
    return evs_jd_fail(d, EVS_ERR_TYPE, start, "google.protobuf.Any object without \"@type\"");
  }
  const char *slash = strrchr(type, '/');
  const char *name = slash ? slash + 1 : NULL;
  const evs_message *im = NULL;
  if (!name || !*name || memchr(type, 0, type_len)) {
    st = evs_jd_fail(d, EVS_ERR_SYNTAX, type_pos,
                     "invalid \"@type\" \"%.80s\": expected a URL like "
                     "\"type.googleapis.com/pkg.Message\"",
                     type);
    goto out;
  }
  im = evs_registry_find_message(d->reg, name);
  if (!im) {
    st = evs_jd_fail(d, EVS_ERR_NOT_FOUND, type_pos, "\"@type\": unknown message type %.100s", name);
    goto out;
  }
  if (!im->c_desc) {
    st = evs_jd_fail(d, EVS_ERR_UNSUPPORTED, type_pos,
                     "\"@type\": message type %.100s has no protobuf-c descriptor in this registry", name);
    goto out;
  }
  /* The contents count one level below the Any, as the encoder counts them when it unpacks the bytes. */
  ProtobufCMessage *inner = evs_jd_new_message(d, im->c_desc, start);
  if (!inner) {
    st = d->err->code;
    goto out;
  }
  d->mdepth++;
  if (im->wkt != EVS_WKT_NONE && im->wkt != EVS_WKT_EMPTY)
    st = decode_any_wkt_members(d, im, inner);
  else
    st = evs_jd_object(d, im, im->c_desc, inner, "@type");
  d->mdepth--;
  if (st == EVS_OK) {
    size_t size = protobuf_c_message_get_packed_size(inner);
    uint8_t *buf = NULL;
    if (size) {
      buf = evs_jd_alloc(d, size, start);
      if (!buf)
        st = EVS_ERR_NOMEM;
      else
        protobuf_c_message_pack(inner, buf);
    }
    char *url = st == EVS_OK ? evs_jd_strdup(d, type, type_len, type_pos) : NULL;
    if (st == EVS_OK && !url) {
      st = EVS_ERR_NOMEM;
      if (buf) d->alloc->free(d->alloc->allocator_data, buf);
    }
    if (st == EVS_OK) {
      any->type_url = url;
      any->value.len = size;
      any->value.data = buf;
    }
  }
  protobuf_c_message_free_unpacked(inner, d->alloc);
out:
  evs_free(type);
  return st;
}

/* ------------------------------------------------------------------ dispatch */

evs_status evs_jd_wkt(evs_jdec *d, evs_wkt wkt, const evs_message *m, ProtobufCMessage *msg) {
  if (evs_wkt_is_wrapper(wkt)) return decode_wrapper(d, m, msg);
  switch (wkt) {
    case EVS_WKT_TIMESTAMP:
      return decode_timestamp(d, msg);
    case EVS_WKT_DURATION:
      return decode_duration(d, msg);
    case EVS_WKT_FIELD_MASK:
      return decode_field_mask(d, msg);
    case EVS_WKT_STRUCT:
      return decode_struct(d, (Google__Protobuf__Struct *)msg);
    case EVS_WKT_VALUE:
      return decode_value(d, (Google__Protobuf__Value *)msg);
    case EVS_WKT_LIST_VALUE:
      return decode_list(d, (Google__Protobuf__ListValue *)msg);
    case EVS_WKT_ANY:
      return decode_any(d, msg);
    default:
      return evs_jd_object(d, m, msg->descriptor, msg, NULL);
  }
}
