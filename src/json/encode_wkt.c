/* Well-known types on output (protojson.md §7). Values JSON cannot carry fail instead of printing
 * something that would not read back: Timestamps/Durations out of range, NaN/Infinity in a Value,
 * FieldMask paths that do not survive the lowerCamel round trip. */
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

static evs_status encode_timestamp(evs_jenc *e, const ProtobufCMessage *msg) {
  const Google__Protobuf__Timestamp *t = (const Google__Protobuf__Timestamp *)msg;
  char buf[EVS_TIME_RFC3339_SIZE + 2];
  evs_error terr;
  if (evs_time_format_rfc3339(t->seconds, t->nanos, buf + 1, &terr) != EVS_OK)
    return evs_fail(
        e->err, EVS_ERR_RANGE,
        "google.protobuf.Timestamp {seconds: %lld, nanos: %d} is outside 0001-01-01..9999-12-31 or has "
        "nanos outside 0..999999999",
        (long long)t->seconds, (int)t->nanos);
  size_t n = strlen(buf + 1);
  buf[0] = '"';
  buf[n + 1] = '"';
  return evs_je_raw(e, buf, n + 2);
}

/* Fraction digits as ProtoJSON prints them: none, 3, 6 or 9. Returns the length written. */
static size_t fraction(uint32_t nanos, char *out) {
  if (nanos == 0) return 0;
  int digits = nanos % 1000000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
  uint32_t v = digits == 3 ? nanos / 1000000 : digits == 6 ? nanos / 1000 : nanos;
  out[0] = '.';
  for (int i = digits; i > 0; i--) {
    out[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return (size_t)digits + 1;
}

static evs_status encode_duration(evs_jenc *e, const ProtobufCMessage *msg) {
  const Google__Protobuf__Duration *du = (const Google__Protobuf__Duration *)msg;
  int64_t s = du->seconds;
  int32_t n = du->nanos;
  if (s > DURATION_MAX_SECONDS || s < -DURATION_MAX_SECONDS || n > 999999999 || n < -999999999 ||
      (s > 0 && n < 0) || (s < 0 && n > 0))
    return evs_fail(e->err, EVS_ERR_RANGE,
                    "google.protobuf.Duration {seconds: %lld, nanos: %d} is out of range or mixes signs",
                    (long long)s, (int)n);
  char buf[48];
  size_t len = 0;
  buf[len++] = '"';
  if (s < 0 || n < 0) buf[len++] = '-';
  len += evs_format_u64(s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s, buf + len);
  len += fraction((uint32_t)(n < 0 ? -n : n), buf + len);
  buf[len++] = 's';
  buf[len++] = '"';
  return evs_je_raw(e, buf, len);
}

static evs_status encode_field_mask(evs_jenc *e, const ProtobufCMessage *msg) {
  const Google__Protobuf__FieldMask *fm = (const Google__Protobuf__FieldMask *)msg;
  size_t total = 0;
  for (size_t i = 0; i < fm->n_paths; i++) total += (fm->paths[i] ? strlen(fm->paths[i]) : 0) + 1;
  char *buf = evs_malloc(total + 1);
  if (!buf) return evs_je_nomem(e);
  size_t o = 0;
  for (size_t i = 0; i < fm->n_paths; i++) {
    const char *p = fm->paths[i] ? fm->paths[i] : "";
    if (i) buf[o++] = ',';
    for (size_t k = 0; p[k]; k++) {
      char c = p[k];
      if (c >= 'A' && c <= 'Z') {
        evs_free(buf);
        evs_je_path_index(e, i);
        return evs_fail(
            e->err, EVS_ERR_TYPE,
            "google.protobuf.FieldMask path \"%.80s\" has an upper-case letter: it cannot be written "
            "as lowerCamelCase JSON",
            p);
      }
      if (c == '_') {
        char next = p[k + 1];
        if (!(next >= 'a' && next <= 'z')) {
          evs_free(buf);
          evs_je_path_index(e, i);
          return evs_fail(
              e->err, EVS_ERR_TYPE,
              "google.protobuf.FieldMask path \"%.80s\": '_' must be followed by a lower-case letter "
              "to be written as lowerCamelCase JSON",
              p);
        }
        buf[o++] = (char)(next - 'a' + 'A');
        k++;
        continue;
      }
      buf[o++] = c;
    }
  }
  evs_status st = evs_je_string(e, buf, o);
  evs_free(buf);
  return st;
}

static evs_status encode_value(evs_jenc *e, const Google__Protobuf__Value *v);

static evs_status encode_struct(evs_jenc *e, const Google__Protobuf__Struct *s) {
  evs_status st = evs_je_open(e, '{');
  if (st != EVS_OK) return st;
  size_t n = s->n_fields;
  uint8_t small[16];
  uint8_t *shadowed = NULL;
  if (n > 1) {
    shadowed = n <= sizeof small ? small : evs_malloc(n);
    if (!shadowed) return evs_je_nomem(e);
    memset(shadowed, 0, n);
    if (evs_json_map_shadowed((ProtobufCMessage *const *)s->fields, n,
                              &google__protobuf__struct__fields_entry__descriptor.fields[0],
                              shadowed) == SIZE_MAX) {
      if (shadowed != small) evs_free(shadowed);
      return evs_je_nomem(e);
    }
  }
  bool first = true;
  for (size_t i = 0; i < n && st == EVS_OK; i++) {
    if (shadowed && shadowed[i]) continue;
    const Google__Protobuf__Struct__FieldsEntry *entry = s->fields[i];
    if (!first) st = evs_je_byte(e, ',');
    first = false;
    if (st == EVS_OK && (e->flags & EVS_JSON_PRETTY)) st = evs_je_newline(e);
    const char *k = entry->key ? entry->key : "";
    if (st == EVS_OK) st = evs_je_key(e, k, strlen(k));
    if (st != EVS_OK) break;
    /* entry and Value: two message levels, as the decoder and the binary guard count them */
    if (!entry->value) {
      st = evs_fail(e->err, EVS_ERR_TYPE, "google.protobuf.Value has no kind set");
    } else if ((st = evs_je_level_in(e)) == EVS_OK) {
      if ((st = evs_je_level_in(e)) == EVS_OK) {
        st = encode_value(e, entry->value);
        e->mdepth--;
      }
      e->mdepth--;
    }
    if (st != EVS_OK) evs_je_path_field(e, k);
  }
  if (shadowed && shadowed != small) evs_free(shadowed);
  if (st != EVS_OK) return st;
  return evs_je_close(e, '}', first);
}

static evs_status encode_list(evs_jenc *e, const Google__Protobuf__ListValue *l) {
  evs_status st = evs_je_open(e, '[');
  if (st != EVS_OK) return st;
  for (size_t i = 0; i < l->n_values; i++) {
    if (i && (st = evs_je_byte(e, ',')) != EVS_OK) return st;
    if ((e->flags & EVS_JSON_PRETTY) && (st = evs_je_newline(e)) != EVS_OK) return st;
    if (!l->values[i]) {
      evs_je_path_index(e, i);
      return evs_fail(e->err, EVS_ERR_TYPE, "google.protobuf.Value has no kind set");
    }
    if ((st = evs_je_level_in(e)) == EVS_OK) {
      st = encode_value(e, l->values[i]);
      e->mdepth--;
    }
    if (st != EVS_OK) {
      evs_je_path_index(e, i);
      return st;
    }
  }
  return evs_je_close(e, ']', l->n_values == 0);
}

static evs_status encode_value(evs_jenc *e, const Google__Protobuf__Value *v) {
  static const Google__Protobuf__Struct empty_struct = GOOGLE__PROTOBUF__STRUCT__INIT;
  static const Google__Protobuf__ListValue empty_list = GOOGLE__PROTOBUF__LIST_VALUE__INIT;
  switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
      return evs_je_raw(e, "null", 4);
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
      if (!isfinite(v->number_value))
        return evs_fail(e->err, EVS_ERR_RANGE, "google.protobuf.Value cannot hold %s in JSON",
                        isnan(v->number_value) ? "NaN" : "Infinity");
      return evs_je_double(e, v->number_value, false);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
      return evs_je_string(e, v->string_value ? v->string_value : "",
                           v->string_value ? strlen(v->string_value) : 0);
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
      return v->bool_value ? evs_je_raw(e, "true", 4) : evs_je_raw(e, "false", 5);
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE: {
      evs_status st = evs_je_level_in(e);
      if (st != EVS_OK) return st;
      if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
        st = encode_struct(e, v->struct_value ? v->struct_value : &empty_struct);
      else
        st = encode_list(e, v->list_value ? v->list_value : &empty_list);
      e->mdepth--;
      return st;
    }
    default:
      return evs_fail(e->err, EVS_ERR_TYPE, "google.protobuf.Value has no kind set");
  }
}

static evs_status encode_any(evs_jenc *e, const ProtobufCMessage *msg) {
  const Google__Protobuf__Any *any = (const Google__Protobuf__Any *)msg;
  const char *url = any->type_url ? any->type_url : "";
  if (!*url) {
    if (any->value.len)
      return evs_fail(e->err, EVS_ERR_TYPE, "google.protobuf.Any has a value but no type_url");
    evs_status st = evs_je_open(e, '{');
    return st != EVS_OK ? st : evs_je_close(e, '}', true);
  }
  const char *slash = strrchr(url, '/');
  const char *name = slash ? slash + 1 : NULL;
  if (!name || !*name)
    return evs_fail(e->err, EVS_ERR_TYPE, "google.protobuf.Any type_url \"%.100s\" has no '/type.Name'", url);
  const evs_message *im = evs_registry_find_message(e->reg, name);
  if (!im)
    return evs_fail(e->err, EVS_ERR_NOT_FOUND, "google.protobuf.Any: unknown message type %.100s", name);
  if (!im->c_desc)
    return evs_fail(e->err, EVS_ERR_UNSUPPORTED,
                    "google.protobuf.Any: message type %.100s has no protobuf-c descriptor in this registry",
                    name);
  /* The packed bytes are untrusted like any binary input. Their contents are one message level below
   * the Any; each unpack copies the nested bytes once more, so a budget bounds the memory of nested Anys. */
  if (any->value.len > e->any_budget)
    return evs_fail(e->err, EVS_ERR_LIMIT,
                    "google.protobuf.Any contents (%zu bytes) exceed what is left of the budget for Any "
                    "contents per document (%zu bytes; nested Anys count each level again)",
                    any->value.len, e->any_budget);
  e->any_budget -= any->value.len;
  evs_status st = evs_je_level_in(e);
  if (st != EVS_OK) return st;
  ProtobufCMessage *inner = NULL;
  st = evs_json_unpack_guarded(im->c_desc, any->value.data, any->value.len, e->max_depth - e->mdepth,
                               SIZE_MAX, NULL, &inner, e->err);
  if (st != EVS_OK) {
    char why[sizeof e->err->msg];
    snprintf(why, sizeof why, "%s", e->err->msg);
    evs_status code = st == EVS_ERR_SYNTAX || st == EVS_ERR_TRUNCATED ? EVS_ERR_TYPE : st;
    return evs_fail(e->err, code, "google.protobuf.Any value is not a valid %.100s: %s", name, why);
  }
  st = evs_je_open(e, '{');
  bool first = true;
  if (st == EVS_OK && (e->flags & EVS_JSON_PRETTY)) st = evs_je_newline(e);
  if (st == EVS_OK) st = evs_je_key(e, "@type", 5);
  if (st == EVS_OK) st = evs_je_string(e, url, strlen(url));
  first = false;
  if (st == EVS_OK) {
    /* A Value with no kind has no JSON; an Any holding one prints (and reads back) without "value". */
    bool no_value = im->wkt == EVS_WKT_VALUE && ((const Google__Protobuf__Value *)inner)->kind_case ==
                                                    GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET;
    if (no_value) {
      /* nothing after "@type" */
    } else if (im->wkt != EVS_WKT_NONE && im->wkt != EVS_WKT_EMPTY) {
      st = evs_je_byte(e, ',');
      if (st == EVS_OK && (e->flags & EVS_JSON_PRETTY)) st = evs_je_newline(e);
      if (st == EVS_OK) st = evs_je_key(e, "value", 5);
      if (st == EVS_OK) st = evs_je_wkt(e, im, inner);
      if (st != EVS_OK) evs_je_path_field(e, "value");
    } else {
      st = evs_je_members(e, im, inner, &first);
    }
  }
  if (st == EVS_OK) st = evs_je_close(e, '}', false);
  protobuf_c_message_free_unpacked(inner, NULL);
  e->mdepth--;
  return st;
}

static evs_status encode_wrapper(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg) {
  const ProtobufCFieldDescriptor *fd = &msg->descriptor->fields[0];
  return evs_je_value(e, &m->fields[0], fd, (const char *)msg + fd->offset);
}

evs_status evs_je_wkt(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg) {
  if (evs_wkt_is_wrapper(m->wkt)) return encode_wrapper(e, m, msg);
  switch (m->wkt) {
    case EVS_WKT_TIMESTAMP:
      return encode_timestamp(e, msg);
    case EVS_WKT_DURATION:
      return encode_duration(e, msg);
    case EVS_WKT_FIELD_MASK:
      return encode_field_mask(e, msg);
    case EVS_WKT_STRUCT:
      return encode_struct(e, (const Google__Protobuf__Struct *)msg);
    case EVS_WKT_VALUE:
      return encode_value(e, (const Google__Protobuf__Value *)msg);
    case EVS_WKT_LIST_VALUE:
      return encode_list(e, (const Google__Protobuf__ListValue *)msg);
    case EVS_WKT_ANY:
      return encode_any(e, msg);
    default: {
      evs_status st = evs_je_open(e, '{');
      bool first = true;
      if (st == EVS_OK) st = evs_je_members(e, m, msg, &first);
      return st != EVS_OK ? st : evs_je_close(e, '}', first);
    }
  }
}
