/* evs_jsonschema_write: the JSON Schema of what the evs JSON decoder accepts (or, canonical, what the
 * encoder writes) for a message type, field rules included. Each choice is the decoder's (src/json/
 * decode.c, decode_wkt.c, number.c, src/base/base64.c, src/event/timeutil.c); docs/jsonschema.md explains
 * them and lists what a schema cannot say. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error_internal.h"
#include "evs/pattern.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "json/json_lib.h"
#include "schema/jsonschema_internal.h"

#define NO_NUL "^[^\\u0000]*$"
/* The JSON number grammar, for numbers given as strings. */
#define NUMBER_TEXT "-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
/* Zero in every spelling the decoder reads as a number ("0", "-0", "0.00", "0e7"). */
#define ZERO_TEXT "^-?0(?:\\.0+)?(?:[eE][+-]?[0-9]+)?$"
#define B64_STD "[A-Za-z0-9+/]"
#define B64_URL "[A-Za-z0-9_-]"
#define B64(A) "(?:" A "{4})*(?:" A "{2}(?:==)?|" A "{3}=?)?"
/* What src/base/base64.c decodes: one alphabet per value, '=' padding optional but complete. */
#define BYTES_READER "^" B64(B64_STD) "$|^" B64(B64_URL) "$"
/* What the encoder writes: standard alphabet, padded, leftover bits zero. */
#define BYTES_CANONICAL "^(?:" B64_STD "{4})*(?:" B64_STD "[AQgw]==|" B64_STD "{2}[AEIMQUYcgkosw048]=)?$"
#define DURATION_MAX_SECONDS 315576000000ULL
#define HEX "[0-9a-fA-F]"
#define UUID_ANY "^" HEX "{8}-" HEX "{4}-" HEX "{4}-" HEX "{4}-" HEX "{12}$"
#define UUID_V(v) "^" HEX "{8}-" HEX "{4}-" v HEX "{3}-[89abAB]" HEX "{3}-" HEX "{12}$"
/* The HTML standard's valid e-mail address (protovalidate's string.email). */
#define EMAIL                                                                                           \
  "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:" \
  "[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
/* The uri rule's grammar (src/validate/formats.c): a scheme, then RFC 3986 characters, one optional fragment
 * without brackets. */
#define URI_CHAR "[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2}"
#define URI "^[A-Za-z][A-Za-z0-9+.-]*:(?:" URI_CHAR "|[\\[\\]])*(?:#(?:" URI_CHAR ")*)?$"

static const char k_schema_uri[] = "https://json-schema.org/draft/2020-12/schema";

static js_node *value_schema(js_ctx *c, const evs_field *f, const evs_field_rules *r, const char *path);

static void inexact(js_ctx *c, const char *path, const char *what) {
  if (c->inexact.len) evs_buf_append_str(&c->inexact, "; ");
  evs_buf_append_str(&c->inexact, path);
  evs_buf_append_str(&c->inexact, ": ");
  evs_buf_append_str(&c->inexact, what);
}

static bool is_null_value(const evs_field *f) {
  return f->enum_type && f->enum_type->wkt == EVS_WKT_NULL_VALUE;
}

static bool is_value(const evs_field *f) {
  return f->message_type && f->message_type->wkt == EVS_WKT_VALUE;
}

/* {"anyOf": [a, b]} */
static js_node *any_of2(js_ctx *c, js_node *a, js_node *b) {
  js_node *o = js_obj(c);
  js_node *l = js_put(c, o, "anyOf", js_arr(c));
  js_add(l, a);
  js_add(l, b);
  return o;
}

/* Adds s to obj's allOf (made on first use). */
static void all_of(js_ctx *c, js_node *obj, js_node *s) {
  js_node *l = js_get(obj, "allOf");
  if (!l) l = js_put(c, obj, "allOf", js_arr(c));
  js_add(l, s);
}

/* ------------------------------------------------------------------ integers */

typedef struct int_type {
  js_int lo, hi;
  bool is64;
} int_type;

static int_type int_range(const evs_type_traits *t) {
  int_type r;
  r.is64 = t->bits == 64;
  if (t->is_signed) {
    r.lo.neg = true;
    r.lo.mag = r.is64 ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT32_MAX + 1;
    r.hi.neg = false;
    r.hi.mag = r.is64 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX;
  } else {
    r.lo.neg = false;
    r.lo.mag = 0;
    r.hi.neg = false;
    r.hi.mag = r.is64 ? UINT64_MAX : UINT32_MAX;
  }
  return r;
}

static js_node *int_number(js_ctx *c, js_int v) {
  char b[32];
  snprintf(b, sizeof b, "%s%" PRIu64, v.neg && v.mag ? "-" : "", v.mag);
  return js_raw(c, b);
}

static js_int rule_int(const evs_field *f, const evs_rule_value *v) {
  if (f->traits->is_signed) return js_int_of_i64(v->i64);
  js_int r = {false, v->u64};
  return r;
}

/* ^(?:v1|v2...)FRAC$ for a set of integer values. */
static js_node *int_set_pattern(js_ctx *c, const evs_field *f, const evs_rule_value *vals, size_t n,
                                const char *frac) {
  evs_buf_reset(&c->tmp);
  evs_buf_append_str(&c->tmp, "^(?:");
  for (size_t i = 0; i < n; i++) {
    if (i) evs_buf_append_byte(&c->tmp, '|');
    js_int v = rule_int(f, &vals[i]);
    if (v.mag == 0)
      evs_buf_append_str(&c->tmp, "-?0");
    else
      js_int_text(&c->tmp, v);
  }
  evs_buf_append_str(&c->tmp, ")");
  evs_buf_append_str(&c->tmp, frac);
  evs_buf_append_str(&c->tmp, "$");
  return js_str(c, (const char *)c->tmp.data);
}

static js_node *int_set_numbers(js_ctx *c, const evs_field *f, const evs_rule_value *vals, size_t n) {
  js_node *a = js_arr(c);
  for (size_t i = 0; i < n; i++) js_add(a, int_number(c, rule_int(f, &vals[i])));
  return a;
}

static js_node *int_schema(js_ctx *c, const evs_field *f, const evs_field_rules *r, bool key) {
  int_type t = int_range(f->traits);
  js_int lo = t.lo, hi = t.hi;
  if (r && r->has_int_gte && js_int_cmp(js_int_of_i64(r->int_gte), lo) > 0) lo = js_int_of_i64(r->int_gte);
  if (r && r->has_int_lte && js_int_cmp(js_int_of_i64(r->int_lte), hi) < 0) hi = js_int_of_i64(r->int_lte);
  const evs_rule_value *set = NULL;
  size_t n_set = 0;
  if (r && r->has_const) {
    set = &r->const_value;
    n_set = 1;
  } else if (r && r->n_in) {
    set = r->in_values;
    n_set = r->n_in;
  }
  const char *frac = c->canonical ? "" : "(?:\\.0+)?";
  js_node *num = NULL, *str = NULL;
  if (!key && (!c->canonical || !t.is64)) {
    num = js_type(c, "integer");
    js_put(c, num, "minimum", int_number(c, lo));
    js_put(c, num, "maximum", int_number(c, hi));
    if (n_set) js_put(c, num, "enum", int_set_numbers(c, f, set, n_set));
    if (r && r->n_not_in) {
      js_node *no = js_put(c, num, "not", js_obj(c));
      js_put(c, no, "enum", int_set_numbers(c, f, r->not_in, r->n_not_in));
    }
  }
  if (key || !c->canonical || t.is64) {
    evs_buf_reset(&c->tmp);
    evs_buf_append_str(&c->tmp, "^(?:");
    js_range_regex(&c->tmp, lo, hi);
    evs_buf_append_str(&c->tmp, ")");
    evs_buf_append_str(&c->tmp, frac);
    evs_buf_append_str(&c->tmp, "$");
    str = js_pattern(c, (const char *)c->tmp.data);
    if (n_set) all_of(c, str, js_kv(c, "pattern", int_set_pattern(c, f, set, n_set, frac)));
    if (r && r->n_not_in) {
      js_node *no = js_put(c, str, "not", js_obj(c));
      js_put(c, no, "pattern", int_set_pattern(c, f, r->not_in, r->n_not_in, frac));
    }
  }
  if (num && str) return any_of2(c, num, str);
  return num ? num : str;
}

/* ------------------------------------------------------------------ floats */

static js_node *float_schema(js_ctx *c, const evs_field *f, const evs_field_rules *r, const char *path) {
  bool is_float = f->traits->type == EVS_TYPE_FLOAT;
  js_node *num = js_type(c, "number");
  if (is_float) {
    /* evs_jnum_to_float: out of range from FLT_MAX + half an ulp on (it would round to infinity) */
    js_put(c, num, "exclusiveMinimum", js_double(c, -0x1.ffffffp127));
    js_put(c, num, "exclusiveMaximum", js_double(c, 0x1.ffffffp127));
  }
  bool gte = r && r->has_double_gte, lte = r && r->has_double_lte, finite = r && r->has_finite && r->finite;
  if (gte) js_put(c, num, "minimum", js_double(c, r->double_gte));
  if (lte) js_put(c, num, "maximum", js_double(c, r->double_lte));
  js_node *l = js_obj(c);
  js_node *alts = js_put(c, l, "anyOf", js_arr(c));
  js_add(alts, num);
  /* The words NaN / Infinity / -Infinity: NaN compares false with any bound; each infinity passes the bound
   * on its own side only. */
  js_node *words = js_arr(c);
  if (!finite && !gte && !lte) js_add(words, js_str(c, "NaN"));
  if (!finite && !lte) js_add(words, js_str(c, "Infinity"));
  if (!finite && !gte) js_add(words, js_str(c, "-Infinity"));
  if (words && words->first) {
    js_node *w = js_type(c, "string");
    js_put(c, w, "enum", words);
    js_add(alts, w);
  }
  if (!c->canonical) {
    js_add(alts, js_pattern(c, "^" NUMBER_TEXT "$"));
    if (gte || lte) inexact(c, path, "double bounds on numbers written as strings");
    inexact(c, path, "number strings beyond the type's range");
  }
  return l;
}

/* ------------------------------------------------------------------ enums */

static js_node *enum_schema(js_ctx *c, const evs_field *f, const evs_field_rules *r) {
  const evs_enum *e = f->enum_type;
  if (e->wkt == EVS_WKT_NULL_VALUE) {
    if (c->canonical) return js_type(c, "null");
    js_node *o = js_obj(c);
    js_node *l = js_put(c, o, "anyOf", js_arr(c));
    js_add(l, js_type(c, "null"));
    js_node *name = js_type(c, "string");
    js_put(c, name, "const", js_str(c, "NULL_VALUE"));
    js_add(l, name);
    js_node *num = js_type(c, "integer");
    js_put(c, num, "minimum", js_i64(c, INT32_MIN));
    js_put(c, num, "maximum", js_i64(c, INT32_MAX));
    js_add(l, num);
    return o;
  }
  /* The allowed numbers: every value, or those of const / in, less not_in, less undeclared ones when the
   * enum is closed or defined_only is set. */
  bool declared_only = e->closed || (r && r->has_defined_only && r->defined_only);
  const evs_rule_value *set = NULL;
  size_t n_set = 0;
  if (r && r->has_const) {
    set = &r->const_value;
    n_set = 1;
  } else if (r && r->n_in) {
    set = r->in_values;
    n_set = r->n_in;
  }
  js_node *names = js_arr(c), *nums = js_arr(c);
  for (size_t i = 0; i < e->n_values; i++) {
    const evs_enum_value *v = &e->values[i];
    bool ok = !n_set;
    for (size_t k = 0; k < n_set; k++)
      if (set[k].i64 == v->number) ok = true;
    for (size_t k = 0; r && k < r->n_not_in; k++)
      if (r->not_in[k].i64 == v->number) ok = false;
    if (!ok) continue;
    if (!c->canonical || v->canonical == v) js_add(names, js_str(c, v->name));
  }
  js_node *o = js_obj(c);
  js_node *l = js_put(c, o, "anyOf", js_arr(c));
  if (names && names->first) {
    js_node *s = js_type(c, "string");
    js_put(c, s, "enum", names);
    js_add(l, s);
  }
  js_node *num = js_type(c, "integer");
  if (c->canonical) {
    /* Numbers are written only for values without a name. */
    if (declared_only) return o;
    if (n_set) {
      for (size_t k = 0; k < n_set; k++) {
        bool ok = !evs_enum_value_by_number(e, (int32_t)set[k].i64);
        for (size_t j = 0; r && j < r->n_not_in; j++)
          if (r->not_in[j].i64 == set[k].i64) ok = false;
        if (ok) js_add(nums, js_i64(c, set[k].i64));
      }
      if (!nums->first) return o;
      js_put(c, num, "enum", nums);
    } else {
      js_put(c, num, "minimum", js_i64(c, INT32_MIN));
      js_put(c, num, "maximum", js_i64(c, INT32_MAX));
      js_node *no = js_put(c, num, "not", js_obj(c));
      js_node *bad = js_put(c, no, "enum", js_arr(c));
      for (size_t i = 0; i < e->n_by_number; i++) js_add(bad, js_i64(c, e->by_number[i]->number));
      for (size_t k = 0; r && k < r->n_not_in; k++) js_add(bad, js_i64(c, r->not_in[k].i64));
    }
  } else if (declared_only || n_set) {
    for (size_t i = 0; i < e->n_by_number; i++) {
      int32_t v = e->by_number[i]->number;
      bool ok = !n_set;
      for (size_t k = 0; k < n_set; k++)
        if (set[k].i64 == v) ok = true;
      for (size_t k = 0; r && k < r->n_not_in; k++)
        if (r->not_in[k].i64 == v) ok = false;
      if (ok) js_add(nums, js_i64(c, v));
    }
    /* an undeclared number in const / in of an open enum */
    for (size_t k = 0; !declared_only && k < n_set; k++)
      if (!evs_enum_value_by_number(e, (int32_t)set[k].i64)) js_add(nums, js_i64(c, set[k].i64));
    if (!nums->first) return o;
    js_put(c, num, "enum", nums);
  } else {
    js_put(c, num, "minimum", js_i64(c, INT32_MIN));
    js_put(c, num, "maximum", js_i64(c, INT32_MAX));
    if (r && r->n_not_in) {
      js_node *no = js_put(c, num, "not", js_obj(c));
      js_node *bad = js_put(c, no, "enum", js_arr(c));
      for (size_t k = 0; k < r->n_not_in; k++) js_add(bad, js_i64(c, r->not_in[k].i64));
    }
  }
  js_add(l, num);
  return o;
}

/* ------------------------------------------------------------------ strings, bytes, bools */

/* Adds {"pattern": ...} of an evs pattern / a quoted literal to s's allOf. */
static void add_pattern(js_ctx *c, js_node *s, const char *pre, const char *text, bool quote,
                        const char *post, const char *path) {
  evs_buf_reset(&c->tmp);
  evs_buf_append_str(&c->tmp, pre);
  evs_error err;
  if (quote) {
    if (evs_pattern_quote(text, strlen(text), &c->tmp) != EVS_OK) c->nomem = true;
  } else if (evs_pattern_to_ecma(text, &c->tmp, &err) != EVS_OK) {
    /* cannot happen for a loaded registry: it checked the pattern */
    inexact(c, path, "a pattern evs could not translate");
    return;
  }
  evs_buf_append_str(&c->tmp, post);
  if (evs_buf_status(&c->tmp) != EVS_OK) {
    c->nomem = true;
    return;
  }
  all_of(c, s, js_kv(c, "pattern", js_str(c, (const char *)c->tmp.data)));
}

/* Whether string field f keeps U+0000: a run-time type holds it with a length (EVS_FIELD_FLAG_STRING);
 * compiled types refuse it. */
static bool keeps_nul(const evs_field *f) {
  const ProtobufCMessageDescriptor *cd = f->parent->c_desc;
  return cd && f->index < cd->n_fields && (cd->fields[f->index].flags & EVS_FIELD_FLAG_STRING);
}

static js_node *string_schema(js_ctx *c, const evs_field *f, const evs_field_rules *r, const char *path) {
  js_node *s = keeps_nul(f) ? js_type(c, "string") : js_pattern(c, NO_NUL);
  if (!r) return s;
  if (r->has_const) js_put(c, s, "const", js_str(c, r->const_value.text));
  if (r->n_in) {
    js_node *l = js_put(c, s, "enum", js_arr(c));
    for (size_t i = 0; i < r->n_in; i++) js_add(l, js_str(c, r->in[i]));
  }
  if (r->n_not_in) {
    js_node *l = js_put(c, js_put(c, s, "not", js_obj(c)), "enum", js_arr(c));
    for (size_t i = 0; i < r->n_not_in; i++) js_add(l, js_str(c, r->not_in[i].text));
  }
  if (r->has_min_len) js_put(c, s, "minLength", js_u64(c, r->min_len));
  if (r->has_max_len) js_put(c, s, "maxLength", js_u64(c, r->max_len));
  if (r->pattern) add_pattern(c, s, "", r->pattern, false, "", path);
  if (r->prefix) add_pattern(c, s, "^", r->prefix, true, "", path);
  if (r->suffix) add_pattern(c, s, "", r->suffix, true, "$", path);
  if (r->contains) add_pattern(c, s, "", r->contains, true, "", path);
  if (r->has_uuid && r->uuid != EVS_UUID_UNSPECIFIED)
    all_of(c, s,
           js_kv(c, "pattern",
                 js_str(c, r->uuid == EVS_UUID_V4   ? UUID_V("4")
                           : r->uuid == EVS_UUID_V7 ? UUID_V("7")
                                                    : UUID_ANY)));
  if (r->has_email && r->email) all_of(c, s, js_kv(c, "pattern", js_str(c, EMAIL)));
  if (r->has_uri && r->uri) all_of(c, s, js_kv(c, "pattern", js_str(c, URI)));
  if (r->has_rfc3339 && r->rfc3339) {
    all_of(c, s, js_kv(c, "pattern", js_str(c, TIMESTAMP_READER)));
    inexact(c, path, "string.rfc3339 (offsets that move the instant out of years 0001..9999)");
  }
  if (r->has_min_bytes) inexact(c, path, "string.min_bytes (JSON Schema counts characters, not bytes)");
  if (r->has_max_bytes) inexact(c, path, "string.max_bytes (JSON Schema counts characters, not bytes)");
  return s;
}

static js_node *bytes_schema(js_ctx *c, const evs_field_rules *r, const char *path) {
  js_node *s = js_pattern(c, c->canonical ? BYTES_CANONICAL : BYTES_READER);
  js_put(c, s, "contentEncoding", js_str(c, c->canonical ? "base64" : "base64 or base64url"));
  if (r && (r->has_min_len || r->has_max_len))
    inexact(c, path, "bytes length (counted after base64 decoding)");
  if (r && r->has_const) inexact(c, path, "bytes const");
  return s;
}

static js_node *bool_schema(js_ctx *c, const evs_field_rules *r) {
  js_node *s = js_type(c, "boolean");
  if (r && r->has_const) js_put(c, s, "const", js_raw(c, r->const_value.b ? "true" : "false"));
  return s;
}

/* The zero value of a field without presence in every spelling the decoder reads (it is "unset"). */
static js_node *zero_schema(js_ctx *c, const evs_field *f) {
  const evs_type_traits *t = f->traits;
  js_node *o = js_obj(c);
  if (t->is_integer || t->is_float) {
    js_node *l = js_put(c, o, "anyOf", js_arr(c));
    js_add(l, js_with(c, js_type(c, "number"), "const", js_raw(c, "0")));
    js_add(l, js_pattern(c, ZERO_TEXT));
  } else if (t->json_kind == EVS_JSON_BOOL) {
    js_put(c, o, "const", js_raw(c, "false"));
  } else if (t->json_kind == EVS_JSON_ENUM) {
    js_node *l = js_put(c, o, "enum", js_arr(c));
    for (size_t i = 0; i < f->enum_type->n_values; i++)
      if (f->enum_type->values[i].number == 0) js_add(l, js_str(c, f->enum_type->values[i].name));
    js_add(l, js_raw(c, "0"));
  } else {
    js_put(c, o, "const", js_str(c, ""));
  }
  return o;
}

/* What the encoder leaves out as the default of a field without presence (canonical schemas). */
static js_node *canonical_default(js_ctx *c, const evs_field *f) {
  const evs_type_traits *t = f->traits;
  js_node *o = js_obj(c);
  if (t->is_integer && t->bits == 64)
    js_put(c, o, "const", js_str(c, "0"));
  else if (t->is_integer || t->is_float)
    js_put(c, o, "const", js_raw(c, "0"));
  else if (t->json_kind == EVS_JSON_BOOL)
    js_put(c, o, "const", js_raw(c, "false"));
  else if (t->json_kind == EVS_JSON_ENUM) {
    const evs_enum_value *z = evs_enum_value_by_number(f->enum_type, 0);
    if (z)
      js_put(c, o, "const", js_str(c, z->name));
    else
      js_put(c, o, "const", js_raw(c, "0"));
  } else
    js_put(c, o, "const", js_str(c, ""));
  return o;
}

/* ------------------------------------------------------------------ one value */

static js_node *value_schema(js_ctx *c, const evs_field *f, const evs_field_rules *r, const char *path) {
  const evs_type_traits *t = f->traits;
  if (f->message_type) {
    js_node *s = js_message_ref(c, f->message_type);
    if (r && f->message_type->wkt == EVS_WKT_TIMESTAMP) {
      if (r->has_timestamp_precision && r->timestamp_precision != EVS_TS_PRECISION_UNSPECIFIED) {
        /* a non-zero digit after the allowed ones */
        const char *p = r->timestamp_precision == EVS_TS_PRECISION_SECONDS  ? "\\.0*[1-9]"
                        : r->timestamp_precision == EVS_TS_PRECISION_MILLIS ? "\\.[0-9]{3}0*[1-9]"
                                                                            : "\\.[0-9]{6}0*[1-9]";
        js_put(c, s, "type", js_str(c, "string"));
        js_put(c, js_put(c, s, "not", js_obj(c)), "pattern", js_str(c, p));
      }
      if (r->has_within) inexact(c, path, "timestamp.within (depends on the current time)");
      if (r->has_max_future) inexact(c, path, "timestamp.max_future (depends on the current time)");
    }
    return s;
  }
  if (f->enum_type) return enum_schema(c, f, r);
  if (t->is_integer) return int_schema(c, f, r, false);
  if (t->is_float) return float_schema(c, f, r, path);
  switch (t->json_kind) {
    case EVS_JSON_BOOL:
      return bool_schema(c, r);
    case EVS_JSON_BYTES:
      return bytes_schema(c, r, path);
    default:
      return string_schema(c, f, r, path);
  }
}

/* A map key (always a JSON string) of key field kf. */
static js_node *key_schema(js_ctx *c, const evs_field *kf, const evs_field_rules *r, const char *path) {
  const evs_type_traits *t = kf->traits;
  if (t->json_kind == EVS_JSON_BOOL) {
    js_node *s = js_type(c, "string");
    js_node *l = js_put(c, s, "enum", js_arr(c));
    if (!(r && r->has_const && !r->const_value.b)) js_add(l, js_str(c, "true"));
    if (!(r && r->has_const && r->const_value.b)) js_add(l, js_str(c, "false"));
    return s;
  }
  if (t->is_integer) {
    /* keys are read like numbers in strings: the string branch of the integer schema */
    return int_schema(c, kf, r, true);
  }
  return string_schema(c, kf, r, path);
}

/* ------------------------------------------------------------------ fields */

/* `required`, or a list or map that must have elements: then absent, null and empty all fail alike. */
static bool must_be_set(const evs_field *f, const evs_field_rules *r) {
  return r && ((r->has_required && r->required) || (f->is_repeated && r->has_min_items && r->min_items > 0));
}

static js_node *field_schema(js_ctx *c, const evs_field *f) {
  const evs_field_rules *r = c->rules ? f->rules : NULL;
  bool required = must_be_set(f, r);
  const char *path = f->name;
  js_node *s;
  if (f->is_map) {
    const evs_field *kf = &f->message_type->fields[0], *vf = &f->message_type->fields[1];
    s = js_type(c, "object");
    js_put(c, s, "propertyNames", key_schema(c, kf, r ? r->keys : NULL, path));
    js_put(c, s, "additionalProperties", value_schema(c, vf, r ? r->values : NULL, path));
    uint64_t min = r && r->has_min_items ? r->min_items : 0;
    if ((required || c->canonical) && min < 1) min = 1;
    if (min) js_put(c, s, "minProperties", js_u64(c, min));
    if (r && r->has_max_items) js_put(c, s, "maxProperties", js_u64(c, r->max_items));
    if (kf->traits->is_integer)
      inexact(c, path, "map keys given twice in different spellings (\"1\" and \"1.0\")");
  } else if (f->is_repeated) {
    s = js_type(c, "array");
    js_put(c, s, "items", value_schema(c, f, r, path));
    uint64_t min = r && r->has_min_items ? r->min_items : 0;
    if ((required || c->canonical) && min < 1) min = 1;
    if (min) js_put(c, s, "minItems", js_u64(c, min));
    if (r && r->has_max_items) js_put(c, s, "maxItems", js_u64(c, r->max_items));
    if (r && r->has_unique && r->unique) {
      js_put(c, s, "uniqueItems", js_raw(c, "true"));
      const evs_type_traits *t = f->traits;
      bool one_spelling = t->json_kind == EVS_JSON_STRING || t->json_kind == EVS_JSON_BOOL ||
                          (c->canonical && (t->is_integer || t->json_kind == EVS_JSON_ENUM));
      if (!one_spelling) inexact(c, path, "repeated.unique (a value has several spellings)");
    }
  } else {
    s = value_schema(c, f, r, path);
    if (c->canonical) {
      if (!f->has_presence && !is_null_value(f)) {
        js_node *w = js_obj(c);
        all_of(c, w, s);
        js_put(c, w, "not", canonical_default(c, f));
        s = w;
      }
      return s;
    }
    if (!f->has_presence && !f->message_type && (required || evs_field_rules_constrain_value(r))) {
      if (required) {
        js_node *w = js_obj(c);
        all_of(c, w, s);
        js_put(c, w, "not", zero_schema(c, f));
        s = w;
      } else {
        s = any_of2(c, zero_schema(c, f), s);
      }
    }
    if (required || is_null_value(f) || is_value(f)) return s;
  }
  if (c->canonical || required) return s;
  return any_of2(c, js_type(c, "null"), s);
}

/* ------------------------------------------------------------------ messages */

/* "key present and set": for a field whose null means unset, the value must not be null. */
static js_node *member_set(js_ctx *c, const evs_field *f, const char *key) {
  js_node *val = NULL;
  if (!c->canonical && !is_null_value(f) && !is_value(f)) {
    val = js_obj(c);
    js_put(c, val, "not", js_type(c, "null"));
  }
  return js_has(c, key, val);
}

/* Any spelling of f present and set (null counts as set when keep_null: proto2 required fields). */
static js_node *field_set(js_ctx *c, const evs_field *f, bool keep_null) {
  bool two = !c->canonical && strcmp(f->name, f->json_name) != 0;
  js_node *a = keep_null ? js_has(c, f->json_name, NULL) : member_set(c, f, f->json_name);
  if (!two) return a;
  js_node *b = keep_null ? js_has(c, f->name, NULL) : member_set(c, f, f->name);
  return any_of2(c, a, b);
}

static void describe(js_ctx *c, js_node *o, const char *comment) {
  if (comment && *comment) js_put(c, o, "description", js_str(c, comment));
}

static js_node *plain_message(js_ctx *c, const evs_message *m) {
  js_node *o = js_type(c, "object");
  js_node *props = js_put(c, o, "properties", js_obj(c));
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    js_node *s = js_put(c, props, f->json_name, field_schema(c, f));
    describe(c, s, f->src.leading_comment);
    if (!c->canonical && strcmp(f->name, f->json_name) != 0) {
      size_t mark = c->inexact.len; /* the same notes again: keep them once */
      js_put(c, props, f->name, field_schema(c, f));
      c->inexact.len = mark;
      if (c->inexact.data) c->inexact.data[mark] = 0;
      /* the decoder refuses a field given twice, in either spelling */
      js_node *both = js_obj(c);
      js_node *bp = js_put(c, both, "properties", js_obj(c));
      js_put(c, bp, f->name, js_raw(c, "true"));
      js_put(c, bp, f->json_name, js_raw(c, "true"));
      js_node *req = js_put(c, both, "required", js_arr(c));
      js_add(req, js_str(c, f->name));
      js_add(req, js_str(c, f->json_name));
      all_of(c, o, js_kv(c, "not", both));
    }
    bool proto2_required = f->label == EVS_LABEL_REQUIRED;
    bool rule_required = c->rules && must_be_set(f, f->rules);
    if (proto2_required || rule_required) all_of(c, o, field_set(c, f, proto2_required && !rule_required));
  }
  /* proto2 extensions, keyed "[scope.name]": singular scalars and enums only (the codec's rule) */
  evs_json_ext ext[64];
  size_t n_ext = evs_json_list_extensions(c->reg, m, ext, 64);
  for (size_t i = 0; i < n_ext && i < 64; i++) {
    if (!ext[i].supported) continue;
    evs_field ef;
    ProtobufCFieldDescriptor efd;
    evs_json_ext_views(&ext[i], &ef, &efd);
    char key[512];
    snprintf(key, sizeof key, "[%s%s%s]", ext[i].scope, *ext[i].scope ? "." : "", ext[i].proto->name);
    js_node *v = value_schema(c, &ef, NULL, key);
    js_put(c, props, key, c->canonical ? v : any_of2(c, js_type(c, "null"), v));
  }
  js_put(c, o, "additionalProperties", js_raw(c, "false"));
  for (size_t i = 0; i < m->n_real_oneofs; i++) {
    const evs_oneof *oo = &m->oneofs[i];
    /* at most one member set (the decoder refuses a second one; null does not set a member) */
    for (size_t a = 0; a < oo->n_fields; a++)
      for (size_t b = a + 1; b < oo->n_fields; b++) {
        js_node *both = js_obj(c);
        js_node *l = js_put(c, both, "allOf", js_arr(c));
        js_add(l, field_set(c, oo->fields[a], false));
        js_add(l, field_set(c, oo->fields[b], false));
        all_of(c, o, js_kv(c, "not", both));
      }
    if (c->rules && oo->required) {
      js_node *one = js_obj(c);
      js_node *l = js_put(c, one, "anyOf", js_arr(c));
      for (size_t a = 0; a < oo->n_fields; a++) js_add(l, field_set(c, oo->fields[a], false));
      all_of(c, o, one);
    }
  }
  return o;
}

static js_node *wkt_schema(js_ctx *c, const evs_message *m) {
  if (evs_wkt_is_wrapper(m->wkt)) return value_schema(c, &m->fields[0], NULL, "value");
  switch (m->wkt) {
    case EVS_WKT_TIMESTAMP:
      return js_pattern(c, c->canonical ? TIMESTAMP_CANONICAL : TIMESTAMP_READER);
    case EVS_WKT_DURATION: {
      evs_buf_reset(&c->tmp);
      js_int one = {false, 1}, max = {false, DURATION_MAX_SECONDS};
      if (c->canonical) {
        evs_buf_append_str(&c->tmp, "^(?:-?(?:");
        js_range_regex(&c->tmp, one, max);
        evs_buf_append_str(&c->tmp, ")(?:" FRACTION_CANONICAL ")?|-?0" FRACTION_CANONICAL "|0)s$");
      } else {
        evs_buf_append_str(&c->tmp, "^-?0*(?:0|");
        js_range_regex(&c->tmp, one, max);
        evs_buf_append_str(&c->tmp, ")(?:\\.[0-9]{1,9})?s$");
      }
      return js_pattern(c, (const char *)c->tmp.data);
    }
    case EVS_WKT_FIELD_MASK:
      return js_pattern(c, "^[^_\\u0000]*$");
    case EVS_WKT_STRUCT: {
      js_node *o = js_type(c, "object");
      js_put(c, o, "propertyNames", js_kv(c, "pattern", js_str(c, NO_NUL)));
      js_put(c, o, "additionalProperties",
             js_message_ref(c, evs_registry_find_message(c->reg, "google.protobuf.Value")));
      return o;
    }
    case EVS_WKT_LIST_VALUE: {
      js_node *o = js_type(c, "array");
      js_put(c, o, "items", js_message_ref(c, evs_registry_find_message(c->reg, "google.protobuf.Value")));
      return o;
    }
    case EVS_WKT_VALUE: {
      js_node *o = js_obj(c);
      js_node *l = js_put(c, o, "anyOf", js_arr(c));
      js_add(l, js_type(c, "null"));
      js_add(l, js_type(c, "boolean"));
      js_add(l, js_type(c, "number"));
      js_add(l, js_pattern(c, NO_NUL));
      const evs_message *sm = evs_registry_find_message(c->reg, "google.protobuf.Struct");
      const evs_message *lm = evs_registry_find_message(c->reg, "google.protobuf.ListValue");
      if (sm) js_add(l, js_message_ref(c, sm));
      if (lm) js_add(l, js_message_ref(c, lm));
      return o;
    }
    case EVS_WKT_ANY: {
      /* {} (an empty Any), or "@type" naming a message of the registry after its last '/' */
      js_node *o = js_type(c, "object");
      js_node *l = js_put(c, o, "anyOf", js_arr(c));
      js_add(l, js_kv(c, "maxProperties", js_raw(c, "0")));
      evs_buf_reset(&c->tmp);
      evs_buf_append_str(&c->tmp, "^[^\\u0000]*/(?:");
      size_t n = 0;
      const evs_message *const *all = evs_registry_messages(c->reg, &n);
      for (size_t i = 0; i < n; i++) {
        if (i) evs_buf_append_byte(&c->tmp, '|');
        if (evs_pattern_quote(all[i]->full_name, strlen(all[i]->full_name), &c->tmp) != EVS_OK)
          c->nomem = true;
      }
      evs_buf_append_str(&c->tmp, ")$");
      js_add(l, js_has(c, "@type", js_pattern(c, (const char *)c->tmp.data)));
      inexact(c, "@type", "the members beside \"@type\" are not checked against the named type");
      return o;
    }
    default:
      return plain_message(c, m);
  }
}

js_node *js_message_ref(js_ctx *c, const evs_message *m) {
  if (!m) return js_raw(c, "false");
  bool known = false;
  for (size_t i = 0; i < c->n_done && !known; i++) known = c->done[i] == m;
  if (!known) {
    if (c->n_done == c->cap_done) {
      size_t cap = c->cap_done ? 2 * c->cap_done : 16;
      const evs_message **p = evs_arena_alloc(c->arena, cap * sizeof *p);
      if (!p) {
        c->nomem = true;
        return NULL;
      }
      if (c->n_done) memcpy(p, c->done, c->n_done * sizeof *p);
      c->done = p;
      c->cap_done = cap;
    }
    c->done[c->n_done++] = m;
  }
  js_node *o = js_obj(c);
  js_put(c, o, "$ref", js_strf(c, "%s%s", c->ref_prefix, m->full_name));
  return o;
}

void js_build_defs(js_ctx *c) {
  for (size_t i = 0; i < c->n_done && !c->nomem; i++) {
    const evs_message *m = c->done[i];
    evs_buf_reset(&c->inexact);
    js_node *d = wkt_schema(c, m);
    js_node *def = js_obj(c);
    js_put(c, def, "title", js_str(c, m->full_name));
    describe(c, def, m->src.leading_comment);
    if (c->inexact.len)
      js_put(c, def, "$comment", js_strf(c, "evs-inexact: %s", (const char *)c->inexact.data));
    for (js_node *k = d ? d->first : NULL, *next; k; k = next) {
      next = k->next;
      k->next = NULL;
      js_put(c, def, k->key, k);
    }
    js_put(c, c->defs, m->full_name, def);
  }
}

/* ------------------------------------------------------------------ the document */

static js_node *nullable_text(js_ctx *c, const char *pattern, bool non_empty) {
  js_node *s = js_pattern(c, pattern);
  if (non_empty) js_put(c, s, "minLength", js_raw(c, "1"));
  return c->canonical ? s : any_of2(c, js_type(c, "null"), s);
}

/* The CloudEvents structured-mode event `evs produce` reads (evs_ce_parse_json with EVS_CE_PARTIAL, then
 * tools/evs/cmd_produce.c): the attributes, and the payload as data (or data_base64). */
static js_node *envelope(js_ctx *c, const evs_message *m, js_node *payload) {
  js_node *o = js_type(c, "object");
  js_node *p = js_put(c, o, "properties", js_obj(c));
  js_node *spec = js_type(c, "string");
  js_put(c, spec, "const", js_str(c, "1.0"));
  js_put(c, p, "specversion", c->canonical ? spec : any_of2(c, js_type(c, "null"), spec));
  js_put(c, p, "id", nullable_text(c, CE_TEXT, true));
  js_put(c, p, "source", nullable_text(c, CE_TEXT, true));
  js_node *types = js_type(c, "string");
  js_node *tl = js_put(c, types, "enum", js_arr(c));
  for (size_t i = 0; i < m->event->n_types; i++) js_add(tl, js_str(c, m->event->types[i]));
  js_put(c, p, "type", types);
  js_put(c, p, "time", nullable_text(c, CE_TIME, false));
  js_put(c, p, "subject", nullable_text(c, CE_TEXT, true));
  evs_buf_reset(&c->tmp);
  evs_buf_append_str(&c->tmp, "^evs:");
  if (evs_pattern_quote(m->full_name, strlen(m->full_name), &c->tmp) != EVS_OK) c->nomem = true;
  evs_buf_append_str(&c->tmp, "$");
  js_put(c, p, "dataschema", nullable_text(c, (const char *)c->tmp.data, false));
  js_put(c, p, "datacontenttype",
         nullable_text(c, "^[^/\\u0000-\\u001f]+/(?:[^;]*\\+)?json(?:;.*)?$", false));
  js_put(c, p, "schemaversion", nullable_text(c, CE_TEXT, false));
  js_put(c, p, "correlationid", nullable_text(c, CE_TEXT, false));
  js_put(c, p, "causationid", nullable_text(c, CE_TEXT, false));
  js_put(c, p, "tags", nullable_text(c, CE_TEXT, false));
  js_put(c, p, "data", payload);
  js_put(c, p, "data_base64", js_pattern(c, "^(?:" B64_STD "{4})*(?:" B64_STD "{2}==|" B64_STD "{3}=)?$"));
  js_node *req = js_put(c, o, "required", js_arr(c));
  js_add(req, js_str(c, "type"));
  js_node *one = js_put(c, o, "anyOf", js_arr(c));
  js_add(one, js_has(c, "data", NULL));
  js_add(one, js_has(c, "data_base64", NULL));
  js_node *both = js_obj(c);
  js_node *bp = js_put(c, both, "properties", js_obj(c));
  js_put(c, bp, "data", js_raw(c, "true"));
  js_put(c, bp, "data_base64", js_raw(c, "true"));
  js_node *breq = js_put(c, both, "required", js_arr(c));
  js_add(breq, js_str(c, "data"));
  js_add(breq, js_str(c, "data_base64"));
  js_put(c, o, "not", both);
  js_put(c, o, "$comment",
         js_str(c,
                "evs-inexact: source (URI-reference syntax), attribute texts (Unicode noncharacters), "
                "schemaversion (must name a version of the type), datacontenttype (media-type syntax), "
                "tags (k=v&k=v syntax), data_base64 (the bytes are not checked against the type)"));
  return o;
}

evs_status evs_jsonschema_write(const evs_registry *reg, const evs_message *m, uint32_t flags, evs_buf *out,
                                evs_error *err) {
  evs_error_clear(err);
  if (!reg || !m || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_jsonschema_write: %s is NULL",
                    !reg ? "reg"
                    : !m ? "m"
                         : "out");
  if (flags & ~(uint32_t)(EVS_JSONSCHEMA_CANONICAL | EVS_JSONSCHEMA_ENVELOPE | EVS_JSONSCHEMA_PRETTY |
                          EVS_JSONSCHEMA_NO_RULES))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_jsonschema_write: unknown flags 0x%x", (unsigned)flags);
  if ((flags & EVS_JSONSCHEMA_ENVELOPE) && (!m->event || !m->event->n_types))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s is not an event message: it has no envelope", m->full_name);
  js_ctx c;
  memset(&c, 0, sizeof c);
  c.reg = reg;
  c.canonical = (flags & EVS_JSONSCHEMA_CANONICAL) != 0;
  c.ref_prefix = "#/$defs/";
  c.rules = (flags & EVS_JSONSCHEMA_NO_RULES) == 0;
  c.arena = evs_arena_new(0);
  if (!c.arena) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  bool env = (flags & EVS_JSONSCHEMA_ENVELOPE) != 0;
  js_node *root = js_obj(&c);
  js_put(&c, root, "$schema", js_str(&c, k_schema_uri));
  js_put(&c, root, "$id",
         js_strf(&c, "urn:evs:%s%s:%s", env ? "cloudevent" : "json", c.canonical ? "-canonical" : "",
                 m->full_name));
  js_put(&c, root, "title",
         env ? js_strf(&c, "CloudEvent carrying %s", m->full_name) : js_str(&c, m->full_name));
  describe(&c, root, m->src.leading_comment);
  if (!env)
    js_put(
        &c, root, "$comment",
        js_str(&c, c.canonical
                       ? "evs-inexact: see docs/jsonschema.md (canonical)"
                       : "evs-inexact: duplicate keys, lone surrogates, nesting depth, numbers beyond "
                         "double precision, numbers in strings with an exponent (see docs/jsonschema.md)"));
  js_node *ref = js_message_ref(&c, m);
  if (env) {
    js_node *e = envelope(&c, m, ref);
    for (js_node *k = e ? e->first : NULL, *next; k; k = next) {
      next = k->next;
      k->next = NULL;
      js_put(&c, root, k->key, k);
    }
  } else {
    js_put(&c, root, "$ref", js_get(ref, "$ref"));
  }
  c.defs = js_put(&c, root, "$defs", js_obj(&c));
  js_build_defs(&c);
  evs_status st = EVS_OK;
  if (c.nomem || evs_buf_status(&c.tmp) != EVS_OK || evs_buf_status(&c.inexact) != EVS_OK)
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory while building the JSON Schema");
  else
    st = js_write(root, (flags & EVS_JSONSCHEMA_PRETTY) != 0, out, err);
  evs_buf_free(&c.tmp);
  evs_buf_free(&c.inexact);
  evs_arena_free(c.arena);
  return st;
}
