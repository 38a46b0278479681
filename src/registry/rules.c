/* (evs.v1.field) and (evs.v1.oneof) rules: copied from the unpacked options into registry views, then
 * checked against the field's type so that a validator never meets a rule it cannot apply (a schema error
 * at load, with the field's file:line:col, instead of a surprise per event). */
#include "registry/registry_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/pattern.h"
#include "evs/v1/options.pb-c.h"

/* Largest |seconds| of a google.protobuf.Duration (10,000 years). */
#define MAX_DURATION_SECONDS 315576000000LL
/* Deepest keys/values nesting: a map's keys and values are scalars, so one level is all that can apply. */
#define MAX_RULE_NESTING 2

static evs_status nomem(evs_batch *b) {
  return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
}

/* Where a rule is being checked: the field (for messages and locations), the field whose type the rules
 * apply to (the field itself, or a map's key or value field), and the rule-name prefix ("keys."). */
typedef struct rule_ctx {
  evs_batch *b;
  const evs_field *f;
  const evs_field *t;
  const char *prefix;
} rule_ctx;

static evs_status rule_error(const rule_ctx *c, const char *rule, const char *needs) {
  char kind[160];
  const evs_field *t = c->t;
  const char *type = t->message_type ? t->message_type->full_name
                     : t->enum_type  ? t->enum_type->full_name
                                     : t->traits->name;
  if (t->is_map)
    snprintf(kind, sizeof kind, "a map");
  else
    snprintf(kind, sizeof kind, "%s%.120s", t->is_repeated ? "repeated " : "", type);
  return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR,
                        "field %s: rule (evs.v1.field).%s%s needs %s, not %s", c->f->full_name, c->prefix,
                        rule, needs, kind);
}

static evs_status value_error(const rule_ctx *c, const char *rule, const char *text, const char *why) {
  return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR,
                        "field %s: rule (evs.v1.field).%s%s: \"%.80s\" %s", c->f->full_name, c->prefix, rule,
                        text, why);
}

/* Reads a rule value (const / in / not_in) written as text for the type of c->t. */
static evs_status read_value(const rule_ctx *c, const char *rule, const char *text, evs_rule_value *out) {
  const evs_field *t = c->t;
  out->text = text;
  if (t->type == EVS_TYPE_STRING) return EVS_OK;
  if (t->type == EVS_TYPE_BOOL) {
    if (strcmp(text, "true") == 0)
      out->b = true;
    else if (strcmp(text, "false") != 0)
      return value_error(c, rule, text, "is not a bool (write \"true\" or \"false\")");
    return EVS_OK;
  }
  if (t->type == EVS_TYPE_ENUM) {
    const evs_enum_value *v = evs_enum_value_by_name(t->enum_type, text, strlen(text));
    if (v) {
      out->i64 = v->number;
      return EVS_OK;
    }
  }
  /* Integers, and enums given by number: plain decimal, no sign on unsigned types, within range. */
  bool is_signed = t->type == EVS_TYPE_ENUM || t->traits->is_signed;
  unsigned bits = t->type == EVS_TYPE_ENUM ? 32 : t->traits->bits;
  const char *p = text;
  bool neg = *p == '-';
  if (neg) p++;
  if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]) || (neg && !is_signed))
    return value_error(c, rule, text,
                       t->type == EVS_TYPE_ENUM ? "names no value of the enum and is not a number"
                                                : "is not a decimal integer of the field's type");
  uint64_t mag = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return value_error(c, rule, text, "is not a decimal integer");
    unsigned d = (unsigned)(*p - '0');
    if (mag > (UINT64_MAX - d) / 10)
      return value_error(c, rule, text, "is out of range for the field's type");
    mag = mag * 10 + d;
  }
  uint64_t max = bits == 64 ? (is_signed ? (uint64_t)INT64_MAX : UINT64_MAX)
                            : (is_signed ? (uint64_t)INT32_MAX : (uint64_t)UINT32_MAX);
  if (mag > max + (neg ? 1u : 0u)) return value_error(c, rule, text, "is out of range for the field's type");
  if (is_signed)
    out->i64 = neg ? (int64_t)(0 - mag) : (int64_t)mag;
  else
    out->u64 = mag;
  return EVS_OK;
}

static evs_status read_values(const rule_ctx *c, const char *rule, char **texts, size_t n,
                              const evs_rule_value **out) {
  *out = NULL;
  if (!n) return EVS_OK;
  evs_rule_value *v = evs_arena_calloc(c->b->pool, n, sizeof *v);
  if (!v) return nomem(c->b);
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    const char *text = evs_batch_dup_str(c->b, texts[i] ? texts[i] : "", &ok);
    if (!ok) return nomem(c->b);
    evs_status st = read_value(c, rule, text, &v[i]);
    if (st) return st;
  }
  *out = v;
  return EVS_OK;
}

static evs_status read_duration(const rule_ctx *c, const char *rule, const Google__Protobuf__Duration *d,
                                int64_t *seconds, int32_t *nanos) {
  if (d->seconds < 0 || d->nanos < 0 || d->seconds > MAX_DURATION_SECONDS || d->nanos > 999999999)
    return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR,
                          "field %s: rule (evs.v1.field).%s%s must be a duration from 0s to %llds "
                          "(seconds %" PRId64 ", nanos %" PRId32 ")",
                          c->f->full_name, c->prefix, rule, (long long)MAX_DURATION_SECONDS, d->seconds,
                          d->nanos);
  *seconds = d->seconds;
  *nanos = d->nanos;
  return EVS_OK;
}

/* A pattern outside the portable dialect is a schema error at load, not a surprise per event. */
static evs_status check_pattern(const rule_ctx *c, const char *pattern) {
  evs_error perr;
  evs_error_clear(&perr);
  if (evs_pattern_check(pattern, &perr) == EVS_OK) return EVS_OK;
  return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR,
                        "field %s: rule (evs.v1.field).%spattern \"%.80s\": %s (at byte %zu of the pattern)",
                        c->f->full_name, c->prefix, pattern, perr.msg,
                        perr.offset == EVS_NO_OFFSET ? (size_t)0 : perr.offset);
}

static evs_status decode_rules(const rule_ctx *c, const Evs__V1__FieldRules *in, int depth,
                               const evs_field_rules **out);

/* Every set rule must fit c->t; pairs must be ordered. */
static evs_status check_fit(const rule_ctx *c, const evs_field_rules *r) {
  const evs_field *t = c->t;
  bool map = t->is_map;
  bool str = !map && t->type == EVS_TYPE_STRING;
  bool str_or_bytes = !map && (t->type == EVS_TYPE_STRING || t->type == EVS_TYPE_BYTES);
  bool integer = !map && t->traits->is_integer;
  bool flt = !map && t->traits->is_float;
  bool enm = !map && t->type == EVS_TYPE_ENUM;
  bool boolean = !map && t->type == EVS_TYPE_BOOL;
  bool ts = !map && t->message_type && t->message_type->wkt == EVS_WKT_TIMESTAMP;
  if (r->pattern && !str) return rule_error(c, "pattern", "a string field");
  if (r->has_uuid && !str) return rule_error(c, "uuid", "a string field");
  if (r->has_rfc3339 && !str) return rule_error(c, "rfc3339", "a string field");
  if (r->prefix && !str) return rule_error(c, "prefix", "a string field");
  if (r->suffix && !str) return rule_error(c, "suffix", "a string field");
  if (r->contains && !str) return rule_error(c, "contains", "a string field");
  if (r->has_email && !str) return rule_error(c, "email", "a string field");
  if (r->has_uri && !str) return rule_error(c, "uri", "a string field");
  if (r->has_min_bytes && !str) return rule_error(c, "min_bytes", "a string field");
  if (r->has_max_bytes && !str) return rule_error(c, "max_bytes", "a string field");
  if (r->n_in && !(str || integer || enm)) return rule_error(c, "in", "a string, integer or enum field");
  if (r->n_not_in && !(str || integer || enm))
    return rule_error(c, "not_in", "a string, integer or enum field");
  if (r->has_const && !(str || integer || enm || boolean))
    return rule_error(c, "const", "a string, integer, enum or bool field");
  if (r->has_min_len && !str_or_bytes) return rule_error(c, "min_len", "a string or bytes field");
  if (r->has_max_len && !str_or_bytes) return rule_error(c, "max_len", "a string or bytes field");
  if (r->has_int_gte && !integer) return rule_error(c, "int_gte", "an integer field");
  if (r->has_int_lte && !integer) return rule_error(c, "int_lte", "an integer field");
  if (r->has_double_gte && !flt) return rule_error(c, "double_gte", "a float or double field");
  if (r->has_double_lte && !flt) return rule_error(c, "double_lte", "a float or double field");
  if (r->has_finite && !flt) return rule_error(c, "finite", "a float or double field");
  if (r->has_defined_only && !enm) return rule_error(c, "defined_only", "an enum field");
  if (r->has_timestamp_precision && !ts)
    return rule_error(c, "timestamp_precision", "a google.protobuf.Timestamp field");
  if (r->has_within && !ts) return rule_error(c, "within", "a google.protobuf.Timestamp field");
  if (r->has_max_future && !ts) return rule_error(c, "max_future", "a google.protobuf.Timestamp field");
  if (r->has_min_items && !t->is_repeated) return rule_error(c, "min_items", "a repeated field or a map");
  if (r->has_max_items && !t->is_repeated) return rule_error(c, "max_items", "a repeated field or a map");
  if (r->has_unique && (!t->is_repeated || map || t->message_type))
    return rule_error(c, "unique", "a repeated scalar, string, bytes or enum field");
  if (r->has_uuid && (r->uuid < EVS_UUID_UNSPECIFIED || r->uuid > EVS_UUID_V7))
    return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR, "field %s: unknown uuid kind %d",
                          c->f->full_name, (int)r->uuid);
  if (r->has_timestamp_precision && (r->timestamp_precision < EVS_TS_PRECISION_UNSPECIFIED ||
                                     r->timestamp_precision > EVS_TS_PRECISION_MICROS))
    return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR, "field %s: unknown timestamp precision %d",
                          c->f->full_name, (int)r->timestamp_precision);
  const char *bad = NULL;
  if (r->has_min_len && r->has_max_len && r->min_len > r->max_len) bad = "min_len > max_len";
  if (r->has_min_bytes && r->has_max_bytes && r->min_bytes > r->max_bytes) bad = "min_bytes > max_bytes";
  if (r->has_int_gte && r->has_int_lte && r->int_gte > r->int_lte) bad = "int_gte > int_lte";
  /* Written so that a NaN bound is rejected too. */
  if ((r->has_double_gte && r->double_gte != r->double_gte) ||
      (r->has_double_lte && r->double_lte != r->double_lte))
    bad = "a double bound is NaN";
  else if (r->has_double_gte && r->has_double_lte && !(r->double_gte <= r->double_lte))
    bad = "double_gte > double_lte";
  if (r->has_min_items && r->has_max_items && r->min_items > r->max_items) bad = "min_items > max_items";
  if (bad)
    return evs_batch_fail(c->b, &c->f->src, EVS_ERR_DESCRIPTOR, "field %s: %s%s", c->f->full_name, c->prefix,
                          bad);
  if (r->pattern) return check_pattern(c, r->pattern);
  return EVS_OK;
}

static evs_status decode_rules(const rule_ctx *c, const Evs__V1__FieldRules *in, int depth,
                               const evs_field_rules **out) {
  evs_batch *b = c->b;
  evs_field_rules *r = evs_arena_calloc(b->pool, 1, sizeof *r);
  if (!r) return nomem(b);
  bool ok = true;
  evs_status st;
  r->has_required = in->has_required;
  r->required = in->required;
  r->pattern = evs_batch_dup_str(b, in->pattern, &ok);
  r->has_min_len = in->has_min_len;
  r->min_len = in->min_len;
  r->has_max_len = in->has_max_len;
  r->max_len = in->max_len;
  r->has_uuid = in->has_uuid;
  r->uuid = (evs_uuid_kind)in->uuid;
  r->has_int_gte = in->has_int_gte;
  r->int_gte = in->int_gte;
  r->has_int_lte = in->has_int_lte;
  r->int_lte = in->int_lte;
  r->has_double_gte = in->has_double_gte;
  r->double_gte = in->double_gte;
  r->has_double_lte = in->has_double_lte;
  r->double_lte = in->double_lte;
  r->has_defined_only = in->has_defined_only;
  r->defined_only = in->defined_only;
  r->has_timestamp_precision = in->has_timestamp_precision;
  r->timestamp_precision = (evs_timestamp_precision)in->timestamp_precision;
  r->has_min_items = in->has_min_items;
  r->min_items = in->min_items;
  r->has_max_items = in->has_max_items;
  r->max_items = in->max_items;
  r->has_rfc3339 = in->has_rfc3339;
  r->rfc3339 = in->rfc3339;
  r->prefix = evs_batch_dup_str(b, in->prefix, &ok);
  r->suffix = evs_batch_dup_str(b, in->suffix, &ok);
  r->contains = evs_batch_dup_str(b, in->contains, &ok);
  r->has_email = in->has_email;
  r->email = in->email;
  r->has_uri = in->has_uri;
  r->uri = in->uri;
  r->has_min_bytes = in->has_min_bytes;
  r->min_bytes = in->min_bytes;
  r->has_max_bytes = in->has_max_bytes;
  r->max_bytes = in->max_bytes;
  r->has_unique = in->has_unique;
  r->unique = in->unique;
  r->has_finite = in->has_finite;
  r->finite = in->finite;
  r->has_const = in->const_ != NULL;
  r->n_in = in->n_in;
  r->n_not_in = in->n_not_in;
  r->has_within = in->within != NULL;
  r->has_max_future = in->max_future != NULL;
  if (!ok) return nomem(b);
  if ((st = check_fit(c, r))) return st;
  /* Values are read after the fit check, so a const on a message field is "needs a string ..." rather than
   * "is not a number". */
  if (in->const_) {
    const char *text = evs_batch_dup_str(b, in->const_, &ok);
    if (!ok) return nomem(b);
    if ((st = read_value(c, "const", text, &r->const_value))) return st;
  }
  if ((st = read_values(c, "in", in->in, in->n_in, &r->in_values))) return st;
  if (in->n_in) {
    const char **texts = evs_arena_calloc(b->pool, in->n_in, sizeof *texts);
    if (!texts) return nomem(b);
    for (size_t i = 0; i < in->n_in; i++) texts[i] = r->in_values[i].text;
    r->in = texts;
  }
  if ((st = read_values(c, "not_in", in->not_in, in->n_not_in, &r->not_in))) return st;
  if (in->within) {
    if ((st = read_duration(c, "within", in->within, &r->within_seconds, &r->within_nanos))) return st;
  }
  if (in->max_future) {
    if ((st = read_duration(c, "max_future", in->max_future, &r->max_future_seconds, &r->max_future_nanos)))
      return st;
  }
  if (in->keys || in->values) {
    if (!c->t->is_map) return rule_error(c, in->keys ? "keys" : "values", "a map");
    if (depth >= MAX_RULE_NESTING)
      return evs_batch_fail(b, &c->f->src, EVS_ERR_DESCRIPTOR, "field %s: rules nested too deeply",
                            c->f->full_name);
    const evs_message *entry = c->t->message_type;
    if (in->keys) {
      rule_ctx kc = {b, c->f, &entry->fields[0], "keys."};
      if ((st = decode_rules(&kc, in->keys, depth + 1, &r->keys))) return st;
    }
    if (in->values) {
      rule_ctx vc = {b, c->f, &entry->fields[1], "values."};
      if ((st = decode_rules(&vc, in->values, depth + 1, &r->values))) return st;
    }
  }
  *out = r;
  return EVS_OK;
}

evs_status evs_rules_decode(evs_batch *b, evs_field *f, const ProtobufCMessage *raw) {
  rule_ctx c = {b, f, f, ""};
  return decode_rules(&c, (const Evs__V1__FieldRules *)raw, 0, &f->rules);
}

evs_status evs_oneof_rules_decode(evs_batch *b, evs_oneof *o, const ProtobufCMessage *raw) {
  const Evs__V1__OneofRules *in = (const Evs__V1__OneofRules *)raw;
  if (o->synthetic && in->has_required && in->required)
    return evs_batch_fail(b, &o->src, EVS_ERR_DESCRIPTOR,
                          "oneof %s.%s: (evs.v1.oneof).required on the oneof of a proto3 optional field "
                          "(use (evs.v1.field).required)",
                          o->parent->full_name, o->name);
  o->required = in->has_required && in->required;
  return EVS_OK;
}

bool evs_field_rules_constrain_value(const evs_field_rules *r) {
  if (!r) return false;
  return r->pattern || r->prefix || r->suffix || r->contains || r->n_in || r->n_not_in || r->has_const ||
         r->has_min_len || r->has_max_len || r->has_uuid || r->has_int_gte || r->has_int_lte ||
         r->has_double_gte || r->has_double_lte || r->has_defined_only || r->has_timestamp_precision ||
         r->has_rfc3339 || r->has_email || r->has_uri || r->has_min_bytes || r->has_max_bytes ||
         r->has_finite || r->has_within || r->has_max_future;
}
