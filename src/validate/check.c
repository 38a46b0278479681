/* The walk over a decoded message and the rule checks for each value (docs/validation.md). Values are read
 * through the protobuf-c field descriptors, so compiled and dynamic messages are checked alike. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64_internal.h"
#include "base/error_internal.h"
#include "evs/json.h"
#include "evs/timeutil.h"
#include "evs/uuid.h"
#include "validate/validate_internal.h"

/* ---- reading values ---- */

static const void *at(const void *msg, unsigned offset) {
  return (const char *)msg + offset;
}

/* Integers and enums of a signed type, by the type-traits table's width (floats are signed too, but not
 * integers). */
static bool read_signed(const ProtobufCFieldDescriptor *fd, const void *slot, int64_t *out) {
  const evs_type_traits *t = evs_type_traits_of_pbc(fd->type);
  if (!t || !t->is_signed || t->is_float) return false;
  *out = t->bits == 64 ? *(const int64_t *)slot : *(const int32_t *)slot;
  return true;
}

static bool read_unsigned(const ProtobufCFieldDescriptor *fd, const void *slot, uint64_t *out) {
  const evs_type_traits *t = evs_type_traits_of_pbc(fd->type);
  if (!t || !t->is_integer || t->is_signed) return false;
  *out = t->bits == 64 ? *(const uint64_t *)slot : *(const uint32_t *)slot;
  return true;
}

static double read_float(const ProtobufCFieldDescriptor *fd, const void *slot) {
  return fd->type == PROTOBUF_C_TYPE_FLOAT ? (double)*(const float *)slot : *(const double *)slot;
}

/* ---- the offending value as short JSON text ---- */

/* A string value: at most about EVS_VIOLATION_VALUE_MAX bytes of it, cut at a code point, quoted. */
void evs_vtext_string(vtext *t, const char *s, size_t len) {
  size_t keep = len;
  bool cut = false;
  if (keep > EVS_VIOLATION_VALUE_MAX - 8) {
    keep = EVS_VIOLATION_VALUE_MAX - 8;
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80) keep--;
    cut = true;
  }
  evs_buf b = EVS_BUF_INIT;
  (void)evs_json_append_string(&b, s, keep);
  t->n = 0;
  t->s[0] = '\0';
  if (evs_buf_status(&b) == EVS_OK) {
    /* Escapes may have made it longer than planned: cut again before the closing quote, at the end of a
     * whole token (an escape sequence or a whole UTF-8 character), found by reading forward. */
    size_t n = b.len - 1; /* without the closing quote */
    if (n > EVS_VIOLATION_VALUE_MAX - 4) {
      size_t pos = 1, limit = EVS_VIOLATION_VALUE_MAX - 4;
      while (pos < n) {
        unsigned char ch = b.data[pos];
        size_t step = ch == '\\'  ? (b.data[pos + 1] == 'u' ? 6 : 2)
                      : ch < 0xC0 ? 1
                      : ch < 0xE0 ? 2
                      : ch < 0xF0 ? 3
                                  : 4;
        if (pos + step > limit) break;
        pos += step;
      }
      n = pos;
      cut = true;
    }
    memcpy(t->s, b.data, n);
    t->n = n;
    if (cut) {
      memcpy(t->s + t->n, "...", 3);
      t->n += 3;
    }
    t->s[t->n++] = '"';
    t->s[t->n] = '\0';
  }
  evs_buf_free(&b);
}

void evs_vtext_value(vtext *t, const evs_field *f, const ProtobufCFieldDescriptor *fd, const void *slot) {
  int64_t i;
  uint64_t u;
  t->n = 0;
  t->s[0] = '\0';
  if (fd->type == PROTOBUF_C_TYPE_ENUM && f->enum_type) {
    const evs_enum_value *ev = evs_enum_value_by_number(f->enum_type, *(const int32_t *)slot);
    if (ev) {
      t->n = (size_t)snprintf(t->s, sizeof t->s, "\"%.*s\"", EVS_VIOLATION_VALUE_MAX - 8, ev->name);
      return;
    }
  }
  if (read_signed(fd, slot, &i)) {
    bool quote = f->traits->bits == 64;
    t->n = (size_t)snprintf(t->s, sizeof t->s, quote ? "\"%" PRId64 "\"" : "%" PRId64, i);
  } else if (read_unsigned(fd, slot, &u)) {
    bool quote = f->traits->bits == 64;
    t->n = (size_t)snprintf(t->s, sizeof t->s, quote ? "\"%" PRIu64 "\"" : "%" PRIu64, u);
  } else if (fd->type == PROTOBUF_C_TYPE_FLOAT || fd->type == PROTOBUF_C_TYPE_DOUBLE) {
    double d = read_float(fd, slot);
    if (isnan(d))
      t->n = (size_t)snprintf(t->s, sizeof t->s, "\"NaN\"");
    else if (isinf(d))
      t->n = (size_t)snprintf(t->s, sizeof t->s, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
      t->n = (size_t)snprintf(t->s, sizeof t->s, "%.17g", d);
  } else if (fd->type == PROTOBUF_C_TYPE_BOOL) {
    t->n = (size_t)snprintf(t->s, sizeof t->s, "%s", *(const protobuf_c_boolean *)slot ? "true" : "false");
  } else if (evs_field_is_string(fd)) {
    size_t n;
    const char *s = evs_field_string(fd, slot, &n);
    evs_vtext_string(t, s, n);
  } else if (fd->type == PROTOBUF_C_TYPE_BYTES) {
    const ProtobufCBinaryData *bd = slot;
    char b64[EVS_VIOLATION_VALUE_MAX];
    size_t take = bd->len > 36 ? 36 : bd->len; /* 48 base64 characters */
    size_t n = evs_base64_encoded_len(take);
    evs_base64_encode(bd->data, take, b64);
    t->n = (size_t)snprintf(t->s, sizeof t->s, "\"%.*s%s\"", (int)n, b64, take < bd->len ? "..." : "");
  }
}

/* Reports rule `id` on the value in `slot` (value text made only now, on failure). */
#define REPORT(c, id, for_key, f, fd, slot, ...)                                                       \
  do {                                                                                                 \
    vtext vt_;                                                                                         \
    evs_vtext_value(&vt_, (f), (fd), (slot));                                                          \
    if (evs_vreport((c), (id), (for_key), (f), vt_.n ? vt_.s : NULL, vt_.n, __VA_ARGS__)) return true; \
  } while (0)

/* ---- rule ids that depend on the type ---- */

/* "int32.gte" etc.: the proto type name, then the rule; a static string from a fixed table. */
static const char *typed_id(const evs_field *f, const char *rule) {
  static const char *const k_rules[] = {"const", "in", "not_in", "gte", "lte", "gte_lte"};
  static char const k_ids[EVS_TYPE_MAX + 1][6][24] = {
#define ROW(t) {t ".const", t ".in", t ".not_in", t ".gte", t ".lte", t ".gte_lte"}
      {{0}},           ROW("double"),   ROW("float"),   ROW("int64"),  ROW("uint64"),
      ROW("int32"),    ROW("fixed64"),  ROW("fixed32"), ROW("bool"),   ROW("string"),
      {{0}},           {{0}},           ROW("bytes"),   ROW("uint32"), ROW("enum"),
      ROW("sfixed32"), ROW("sfixed64"), ROW("sint32"),  ROW("sint64")
#undef ROW
  };
  for (int i = 0; i < 6; i++)
    if (strcmp(k_rules[i], rule) == 0) return k_ids[f->type][i];
  return rule;
}

/* ---- per-type checks ---- */

static void list_text(char *buf, size_t cap, const evs_rule_value *v, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", v[i].text);
  if (used >= cap && cap > 4) memcpy(buf + cap - 4, "...", 4);
}

static bool in_list_signed(const evs_rule_value *v, size_t n, int64_t x) {
  for (size_t i = 0; i < n; i++)
    if (v[i].i64 == x) return true;
  return false;
}

static bool in_list_unsigned(const evs_rule_value *v, size_t n, uint64_t x) {
  for (size_t i = 0; i < n; i++)
    if (v[i].u64 == x) return true;
  return false;
}

static bool in_list_string(const evs_rule_value *v, const size_t *lens, size_t n, const char *s, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (lens[i] == len && memcmp(v[i].text, s, len) == 0) return true;
  return false;
}

/* Whether s[0..len) (which may hold NUL bytes) contains the text `sub`. */
static bool contains(const char *s, size_t len, const char *sub) {
  size_t n = strlen(sub);
  for (size_t i = 0; n <= len && i <= len - n; i++)
    if (memcmp(s + i, sub, n) == 0) return true;
  return false;
}

static bool check_string(vctx *c, const vrules *vr, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                         const void *slot, bool for_key) {
  const evs_field_rules *r = vr->r;
  size_t len;
  const char *s = evs_field_string(fd, slot, &len); /* may hold U+0000 (EVS_FIELD_FLAG_STRING) */
  char list[256];
  uint32_t m = vr->smask;
  if ((m & VS_CONST) && (strlen(r->const_value.text) != len || memcmp(s, r->const_value.text, len) != 0))
    REPORT(c, "string.const", for_key, f, fd, slot, "must equal `%s`", r->const_value.text);
  if ((m & VS_IN) && !in_list_string(r->in_values, vr->in_len, r->n_in, s, len)) {
    list_text(list, sizeof list, r->in_values, r->n_in);
    REPORT(c, "string.in", for_key, f, fd, slot, "must be in list [%s]", list);
  }
  if ((m & VS_NOT_IN) && in_list_string(r->not_in, vr->not_in_len, r->n_not_in, s, len)) {
    list_text(list, sizeof list, r->not_in, r->n_not_in);
    REPORT(c, "string.not_in", for_key, f, fd, slot, "must not be in list [%s]", list);
  }
  if (m & VS_LEN) {
    size_t cps = evs_vfmt_code_points(s, len);
    if (r->has_min_len && cps < r->min_len)
      REPORT(c, "string.min_len", for_key, f, fd, slot, "must be at least %" PRIu64 " characters",
             r->min_len);
    if (r->has_max_len && cps > r->max_len)
      REPORT(c, "string.max_len", for_key, f, fd, slot, "must be at most %" PRIu64 " characters", r->max_len);
  }
  if ((m & VS_BYTES) && r->has_min_bytes && len < r->min_bytes)
    REPORT(c, "string.min_bytes", for_key, f, fd, slot, "must be at least %" PRIu64 " bytes", r->min_bytes);
  if ((m & VS_BYTES) && r->has_max_bytes && len > r->max_bytes)
    REPORT(c, "string.max_bytes", for_key, f, fd, slot, "must be at most %" PRIu64 " bytes", r->max_bytes);
  if (vr->pattern) {
    bool matched = false;
    evs_error perr;
    if (evs_pattern_match(vr->pattern, s, len, &matched, &perr) != EVS_OK) {
      c->fail = perr.code;
      return true;
    }
    if (!matched)
      REPORT(c, "string.pattern", for_key, f, fd, slot, "does not match regex pattern `%s`", r->pattern);
  }
  if (!(m & (VS_AFFIX | VS_FORMAT))) return false;
  if (r->prefix && (strlen(r->prefix) > len || memcmp(s, r->prefix, strlen(r->prefix)) != 0))
    REPORT(c, "string.prefix", for_key, f, fd, slot, "does not have prefix `%s`", r->prefix);
  if (r->suffix) {
    size_t n = strlen(r->suffix);
    if (n > len || memcmp(s + len - n, r->suffix, n) != 0)
      REPORT(c, "string.suffix", for_key, f, fd, slot, "does not have suffix `%s`", r->suffix);
  }
  if (r->contains && !contains(s, len, r->contains))
    REPORT(c, "string.contains", for_key, f, fd, slot, "does not contain substring `%s`", r->contains);
  if (r->has_uuid && r->uuid != EVS_UUID_UNSPECIFIED) {
    if (!len) {
      REPORT(c, "string.uuid_empty", for_key, f, fd, slot, "value is empty, which is not a valid UUID");
    } else if (!evs_vfmt_uuid(s, len)) {
      REPORT(c,
             r->uuid == EVS_UUID_ANY  ? "string.uuid"
             : r->uuid == EVS_UUID_V4 ? "evs.string.uuid_v4"
                                      : "evs.string.uuid_v7",
             for_key, f, fd, slot, "must be a valid UUID");
    } else if (r->uuid != EVS_UUID_ANY) {
      int want = r->uuid == EVS_UUID_V4 ? 4 : 7;
      /* The text form is checked: the version digit and the variant digit decide (the nil and max UUIDs
       * have neither). evs_uuid_check() runs only to word the failure. */
      bool ok = s[14] == '0' + want && strchr("89abAB", s[19]) && s[19];
      evs_error uerr;
      if (!ok && evs_uuid_check(s, len, want, &uerr) != EVS_OK)
        REPORT(c, want == 4 ? "evs.string.uuid_v4" : "evs.string.uuid_v7", for_key, f, fd, slot,
               "must be a version %d UUID (%s)", want, uerr.msg);
    }
  }
  if (r->has_email && r->email) {
    if (!len)
      REPORT(c, "string.email_empty", for_key, f, fd, slot,
             "value is empty, which is not a valid email address");
    else if (!evs_vfmt_email(s, len))
      REPORT(c, "string.email", for_key, f, fd, slot, "must be a valid email address");
  }
  if (r->has_uri && r->uri) {
    if (!len)
      REPORT(c, "string.uri_empty", for_key, f, fd, slot, "value is empty, which is not a valid URI");
    else if (!evs_vfmt_uri(s, len))
      REPORT(c, "string.uri", for_key, f, fd, slot, "must be a valid URI");
  }
  if (r->has_rfc3339 && r->rfc3339) {
    int64_t sec;
    int32_t ns;
    evs_error terr;
    if (evs_time_parse_rfc3339(s, len, &sec, &ns, &terr) != EVS_OK)
      REPORT(c, "evs.string.rfc3339", for_key, f, fd, slot, "must be an RFC 3339 date-time (%s)", terr.msg);
  }
  return false;
}

/* Reports the int_gte / int_lte rule a value breaks (lo: below the lower bound, hi: above the upper one). */
static bool report_int_range(vctx *c, const evs_field_rules *r, const evs_field *f,
                             const ProtobufCFieldDescriptor *fd, const void *slot, bool lo, bool hi,
                             bool for_key) {
  if (!lo && !hi) return false;
  if (r->has_int_gte && r->has_int_lte)
    REPORT(c, typed_id(f, "gte_lte"), for_key, f, fd, slot,
           "must be greater than or equal to %" PRId64 " and less than or equal to %" PRId64, r->int_gte,
           r->int_lte);
  else if (lo)
    REPORT(c, typed_id(f, "gte"), for_key, f, fd, slot, "must be greater than or equal to %" PRId64,
           r->int_gte);
  else
    REPORT(c, typed_id(f, "lte"), for_key, f, fd, slot, "must be less than or equal to %" PRId64, r->int_lte);
  return false;
}

static bool check_integer(vctx *c, const evs_field_rules *r, const evs_field *f,
                          const ProtobufCFieldDescriptor *fd, const void *slot, bool for_key) {
  char list[256];
  int64_t i;
  uint64_t u;
  bool sgn = read_signed(fd, slot, &i);
  if (!sgn && !read_unsigned(fd, slot, &u)) return false;
  if (r->has_const && (sgn ? i != r->const_value.i64 : u != r->const_value.u64))
    REPORT(c, typed_id(f, "const"), for_key, f, fd, slot, "must equal %s", r->const_value.text);
  if (r->n_in &&
      !(sgn ? in_list_signed(r->in_values, r->n_in, i) : in_list_unsigned(r->in_values, r->n_in, u))) {
    list_text(list, sizeof list, r->in_values, r->n_in);
    REPORT(c, typed_id(f, "in"), for_key, f, fd, slot, "must be in list [%s]", list);
  }
  if (r->n_not_in &&
      (sgn ? in_list_signed(r->not_in, r->n_not_in, i) : in_list_unsigned(r->not_in, r->n_not_in, u))) {
    list_text(list, sizeof list, r->not_in, r->n_not_in);
    REPORT(c, typed_id(f, "not_in"), for_key, f, fd, slot, "must not be in list [%s]", list);
  }
  bool lo, hi;
  if (sgn) {
    lo = r->has_int_gte && i < r->int_gte;
    hi = r->has_int_lte && i > r->int_lte;
  } else {
    /* Bounds are int64: a negative lower bound is below every unsigned value, a negative upper one above
     * none. */
    lo = r->has_int_gte && r->int_gte > 0 && u < (uint64_t)r->int_gte;
    hi = r->has_int_lte && (r->int_lte < 0 || u > (uint64_t)r->int_lte);
  }
  return report_int_range(c, r, f, fd, slot, lo, hi, for_key);
}

static bool check_enum(vctx *c, const vrules *vr, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                       const void *slot, bool for_key) {
  const evs_field_rules *r = vr->r;
  char list[256];
  int32_t x = *(const int32_t *)slot;
  if (r->has_const && x != r->const_value.i64)
    REPORT(c, "enum.const", for_key, f, fd, slot, "must equal %s", r->const_value.text);
  if (r->n_in && !in_list_signed(r->in_values, r->n_in, x)) {
    list_text(list, sizeof list, r->in_values, r->n_in);
    REPORT(c, "enum.in", for_key, f, fd, slot, "must be in list [%s]", list);
  }
  if (r->n_not_in && in_list_signed(r->not_in, r->n_not_in, x)) {
    list_text(list, sizeof list, r->not_in, r->n_not_in);
    REPORT(c, "enum.not_in", for_key, f, fd, slot, "must not be in list [%s]", list);
  }
  if (r->has_defined_only && r->defined_only &&
      !(vr->enum_mask_ok ? x >= 0 && x < 64 && (vr->enum_mask >> x & 1)
                         : evs_enum_value_by_number(f->enum_type, x) != NULL))
    REPORT(c, "enum.defined_only", for_key, f, fd, slot, "must be one of the defined enum values");
  return false;
}

static bool check_float(vctx *c, const evs_field_rules *r, const evs_field *f,
                        const ProtobufCFieldDescriptor *fd, const void *slot, bool for_key) {
  double x = read_float(fd, slot);
  if (r->has_finite && r->finite && !isfinite(x)) {
    REPORT(c, fd->type == PROTOBUF_C_TYPE_FLOAT ? "float.finite" : "double.finite", for_key, f, fd, slot,
           "must be finite");
  }
  /* NaN is outside every range. */
  bool lo = r->has_double_gte && !(x >= r->double_gte), hi = r->has_double_lte && !(x <= r->double_lte);
  if (!lo && !hi) return false;
  if (r->has_double_gte && r->has_double_lte)
    REPORT(c, typed_id(f, "gte_lte"), for_key, f, fd, slot,
           "must be greater than or equal to %.17g and less than or equal to %.17g", r->double_gte,
           r->double_lte);
  else if (lo)
    REPORT(c, typed_id(f, "gte"), for_key, f, fd, slot, "must be greater than or equal to %.17g",
           r->double_gte);
  else
    REPORT(c, typed_id(f, "lte"), for_key, f, fd, slot, "must be less than or equal to %.17g", r->double_lte);
  return false;
}

static bool check_bytes(vctx *c, const evs_field_rules *r, const evs_field *f,
                        const ProtobufCFieldDescriptor *fd, const void *slot, bool for_key) {
  size_t len = ((const ProtobufCBinaryData *)slot)->len;
  if (r->has_min_len && len < r->min_len)
    REPORT(c, "bytes.min_len", for_key, f, fd, slot, "must be at least %" PRIu64 " bytes", r->min_len);
  if (r->has_max_len && len > r->max_len)
    REPORT(c, "bytes.max_len", for_key, f, fd, slot, "must be at most %" PRIu64 " bytes", r->max_len);
  return false;
}

static void now(vctx *c, int64_t *s, int32_t *ns) {
  if (!c->have_now) {
    c->v->clock(c->v->clock_ctx, &c->now_s, &c->now_ns);
    c->have_now = true;
  }
  *s = c->now_s;
  *ns = c->now_ns;
}

/* a - b in nanoseconds, saturated (Timestamps span 10,000 years: about 3.2e20 ns, beyond int64). */
static long double diff_ns(int64_t as, int32_t ans, int64_t bs, int32_t bns) {
  return ((long double)as - (long double)bs) * 1e9L + ((long double)ans - (long double)bns);
}

static bool check_timestamp(vctx *c, const evs_field_rules *r, const evs_field *f, const ProtobufCMessage *ts,
                            bool for_key) {
  const ProtobufCMessageDescriptor *d = ts->descriptor;
  int64_t sec = 0;
  int32_t ns = 0;
  for (unsigned i = 0; i < d->n_fields; i++) {
    if (d->fields[i].id == 1) sec = *(const int64_t *)at(ts, d->fields[i].offset);
    if (d->fields[i].id == 2) ns = *(const int32_t *)at(ts, d->fields[i].offset);
  }
  char text[EVS_TIME_RFC3339_SIZE + 2];
  char rfc[EVS_TIME_RFC3339_SIZE];
  evs_error terr;
  if (evs_time_format_rfc3339(sec, ns, rfc, &terr) == EVS_OK)
    snprintf(text, sizeof text, "\"%s\"", rfc);
  else
    snprintf(text, sizeof text, "null");
  size_t tl = strlen(text);
  if (r->has_timestamp_precision) {
    static const int32_t k_unit[] = {1, 1000000000, 1000000, 1000};
    static const char *const k_name[] = {"", "second", "millisecond", "microsecond"};
    evs_timestamp_precision p = r->timestamp_precision;
    if (p != EVS_TS_PRECISION_UNSPECIFIED && ns % k_unit[p] != 0 &&
        evs_vreport(c, "evs.timestamp.precision", for_key, f, text, tl, "must have at most %s precision",
                    k_name[p]))
      return true;
  }
  if (r->has_within || r->has_max_future) {
    int64_t ns_s;
    int32_t ns_ns;
    now(c, &ns_s, &ns_ns);
    long double delta = diff_ns(sec, ns, ns_s, ns_ns);
    if (r->has_within) {
      long double lim = (long double)r->within_seconds * 1e9L + r->within_nanos;
      if ((delta > lim || -delta > lim) &&
          evs_vreport(c, "timestamp.within", for_key, f, text, tl,
                      "must be within %" PRId64 ".%09" PRId32 "s of now", r->within_seconds, r->within_nanos))
        return true;
    }
    if (r->has_max_future) {
      long double lim = (long double)r->max_future_seconds * 1e9L + r->max_future_nanos;
      if (delta > lim && evs_vreport(c, "evs.timestamp.max_future", for_key, f, text, tl,
                                     "must not be more than %" PRId64 ".%09" PRId32 "s in the future",
                                     r->max_future_seconds, r->max_future_nanos))
        return true;
    }
  }
  return false;
}

bool evs_vcheck_value(vctx *c, const vrules *vr, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                      const void *slot, int state, bool for_key) {
  const evs_field_rules *r = vr->r;
  if (!r) return false;
  if (state == VSTATE_UNSET) {
    if (r->required && evs_vreport(c, "required", for_key, f, NULL, 0, "value is required")) return true;
    return false;
  }
  if (state == VSTATE_SET && !vr->value_rules) return false;
  if (state == VSTATE_MAPPART && r->required && evs_vis_zero(fd, slot))
    REPORT(c, "required", for_key, f, fd, slot, "value is required");
  switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
      return check_string(c, vr, f, fd, slot, for_key);
    case PROTOBUF_C_TYPE_BYTES:
      if (fd->flags & EVS_FIELD_FLAG_STRING) return check_string(c, vr, f, fd, slot, for_key);
      return check_bytes(c, r, f, fd, slot, for_key);
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
      return check_float(c, r, f, fd, slot, for_key);
    case PROTOBUF_C_TYPE_BOOL:
      if (r->has_const && (bool)*(const protobuf_c_boolean *)slot != r->const_value.b)
        REPORT(c, "bool.const", for_key, f, fd, slot, "must equal %s", r->const_value.text);
      return false;
    case PROTOBUF_C_TYPE_ENUM:
      return check_enum(c, vr, f, fd, slot, for_key);
    case PROTOBUF_C_TYPE_MESSAGE: {
      const ProtobufCMessage *m = *(ProtobufCMessage *const *)slot;
      if (m && f->message_type && f->message_type->wkt == EVS_WKT_TIMESTAMP)
        return check_timestamp(c, r, f, m, for_key);
      return false;
    }
    default:
      return check_integer(c, r, f, fd, slot, for_key);
  }
}
