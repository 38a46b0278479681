/* Schema text shared by evs describe and evs docs (schema_text.h). */
#include "schema_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *type_name(const evs_field *f) {
  return f->message_type ? f->message_type->full_name
         : f->enum_type  ? f->enum_type->full_name
                         : f->traits->name;
}

void schema_type_text(const evs_field *f, char *buf, size_t n) {
  if (f->is_map)
    snprintf(buf, n, "map<%s, %s>", f->message_type->fields[0].traits->name,
             type_name(&f->message_type->fields[1]));
  else if (f->is_repeated)
    snprintf(buf, n, "repeated %s", type_name(f));
  else
    snprintf(buf, n, "%s", type_name(f));
}

void schema_field_ref(const evs_field *f, const evs_message **msg, const evs_enum **en) {
  const evs_field *t = f->is_map ? &f->message_type->fields[1] : f;
  *msg = t->message_type && t->message_type->wkt == EVS_WKT_NONE ? t->message_type : NULL;
  *en = t->enum_type && t->enum_type->wkt == EVS_WKT_NONE ? t->enum_type : NULL;
}

static const char *const k_uuid_names[] = {"unspecified", "any", "v4", "v7"};
static const char *const k_precision_names[] = {"unspecified", "seconds", "millis", "micros"};

static void emit(schema_rule_fn fn, void *ctx, const char *fmt, ...) EVS_PRINTF(3, 4);
static void emit(schema_rule_fn fn, void *ctx, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  fn(ctx, text);
}

static void values_rule(schema_rule_fn fn, void *ctx, const char *what, const evs_rule_value *v,
                        size_t count) {
  if (!count) return;
  char text[1024];
  size_t used = (size_t)snprintf(text, sizeof text, "%s [", what);
  for (size_t i = 0; i < count && used < sizeof text; i++)
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? ", " : "", v[i].text);
  if (used < sizeof text) snprintf(text + used, sizeof text - used, "]");
  fn(ctx, text);
}

void schema_rules_each(const evs_field_rules *r, schema_rule_fn fn, void *ctx) {
  if (!r) return;
  if (r->has_required && r->required) emit(fn, ctx, "required");
  if (r->has_const) emit(fn, ctx, "const %s", r->const_value.text);
  if (r->pattern) emit(fn, ctx, "pattern %s", r->pattern);
  if (r->prefix) emit(fn, ctx, "prefix %s", r->prefix);
  if (r->suffix) emit(fn, ctx, "suffix %s", r->suffix);
  if (r->contains) emit(fn, ctx, "contains %s", r->contains);
  if (r->has_min_len) emit(fn, ctx, "min_len %" PRIu64, r->min_len);
  if (r->has_max_len) emit(fn, ctx, "max_len %" PRIu64, r->max_len);
  if (r->has_min_bytes) emit(fn, ctx, "min_bytes %" PRIu64, r->min_bytes);
  if (r->has_max_bytes) emit(fn, ctx, "max_bytes %" PRIu64, r->max_bytes);
  if (r->has_uuid && (unsigned)r->uuid < 4) emit(fn, ctx, "uuid %s", k_uuid_names[r->uuid]);
  if (r->has_email && r->email) emit(fn, ctx, "email");
  if (r->has_uri && r->uri) emit(fn, ctx, "uri");
  if (r->has_int_gte) emit(fn, ctx, ">= %" PRId64, r->int_gte);
  if (r->has_int_lte) emit(fn, ctx, "<= %" PRId64, r->int_lte);
  if (r->has_double_gte) emit(fn, ctx, ">= %g", r->double_gte);
  if (r->has_double_lte) emit(fn, ctx, "<= %g", r->double_lte);
  if (r->has_finite && r->finite) emit(fn, ctx, "finite");
  if (r->has_defined_only && r->defined_only) emit(fn, ctx, "defined values only");
  if (r->has_timestamp_precision && (unsigned)r->timestamp_precision < 4)
    emit(fn, ctx, "precision %s", k_precision_names[r->timestamp_precision]);
  if (r->has_within)
    emit(fn, ctx, "within %" PRId64 ".%09" PRId32 "s of now", r->within_seconds, r->within_nanos);
  if (r->has_max_future)
    emit(fn, ctx, "at most %" PRId64 ".%09" PRId32 "s in the future", r->max_future_seconds,
         r->max_future_nanos);
  if (r->has_min_items) emit(fn, ctx, "min_items %" PRIu64, r->min_items);
  if (r->has_max_items) emit(fn, ctx, "max_items %" PRIu64, r->max_items);
  if (r->has_unique && r->unique) emit(fn, ctx, "unique");
  if (r->has_rfc3339 && r->rfc3339) emit(fn, ctx, "rfc3339");
  values_rule(fn, ctx, "in", r->in_values, r->n_in);
  values_rule(fn, ctx, "not_in", r->not_in, r->n_not_in);
  const evs_field_rules *sub[2] = {r->keys, r->values};
  for (int k = 0; k < 2; k++) {
    if (!sub[k]) continue;
    char inner[512];
    schema_rules_text(sub[k], inner, sizeof inner);
    emit(fn, ctx, "%s {%s}", k ? "values" : "keys", inner);
  }
}

typedef struct joined {
  char *buf;
  size_t n, used;
} joined;

static void join_one(void *ctx, const char *text) {
  joined *j = ctx;
  if (j->used >= j->n) return;
  j->used += (size_t)snprintf(j->buf + j->used, j->n - j->used, "%s%s", j->used ? ", " : "", text);
}

void schema_rules_text(const evs_field_rules *r, char *buf, size_t n) {
  joined j = {buf, n, 0};
  if (n) buf[0] = '\0';
  schema_rules_each(r, join_one, &j);
}

bool schema_types_has(const schema_types *t, const evs_message *m, const evs_enum *e) {
  for (size_t i = 0; i < t->n; i++)
    if (t->items[i].msg == m && t->items[i].en == e) return true;
  return false;
}

void schema_types_add(schema_types *t, const evs_message *m, const evs_enum *e) {
  if (schema_types_has(t, m, e) || t->n == SCHEMA_MAX_TYPES) return;
  t->items[t->n].msg = m;
  t->items[t->n].en = e;
  t->n++;
}

void schema_types_collect(schema_types *out, const evs_message *root, const evs_enum *root_enum) {
  out->n = 0;
  schema_types_add(out, root, root ? NULL : root_enum);
  for (size_t i = 0; i < out->n; i++) {
    const evs_message *m = out->items[i].msg;
    for (size_t k = 0; m && k < m->n_fields; k++) {
      const evs_message *sub;
      const evs_enum *en;
      schema_field_ref(m->decl_fields[k], &sub, &en);
      if (sub) schema_types_add(out, sub, NULL);
      if (en) schema_types_add(out, NULL, en);
    }
  }
}
