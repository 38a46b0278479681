/* Example documents for evs docs: a JSON value per field from its type and rules, the whole document
 * decoded by the JSON codec and checked by the validator, so that every example shown passes
 * `evs validate`. Values are fixed (no clock, no randomness): the docs are committed and must not change
 * from run to run. */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docs.h"
#include "evs/json.h"
#include "evs/pattern.h"

/* Deepest message nesting written; deeper optional fields are left out (recursive schemas). */
#define EX_MAX_DEPTH 8

typedef struct ex_gen {
  const evs_event_type *et;
  evs_buf *out;
  unsigned uuids; /* ids handed out so far: each field gets its own */
  const evs_message *stack[EX_MAX_DEPTH + 1];
  int depth;
  const char *problem; /* a rule the generator could not satisfy (the validator will say more) */
} ex_gen;

void docs_example_clock(void *ctx, int64_t *seconds, int32_t *nanos) {
  (void)ctx;
  *seconds = DOCS_EXAMPLE_UNIX;
  *nanos = 0;
}

static void put(ex_gen *g, const char *s) {
  (void)evs_buf_append_str(g->out, s);
}
static void put_string(ex_gen *g, const char *s) {
  (void)evs_json_append_string(g->out, s, strlen(s));
}

static bool in_list(const evs_rule_value *v, size_t n, const char *text) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].text, text) == 0) return true;
  return false;
}

static bool pattern_ok(const char *pattern, const char *s) {
  if (!pattern) return true;
  evs_pattern *p = NULL;
  evs_error err;
  bool matched = false;
  if (evs_pattern_compile(pattern, &p, &err) == EVS_OK &&
      evs_pattern_match(p, s, strlen(s), &matched, &err) != EVS_OK)
    matched = false;
  evs_pattern_free(p);
  return matched;
}

/* prefix + contains + base + suffix, padded to min_len and cut to max_len (ASCII: bytes = characters, so the
 * byte bounds count the same). */
static void compose(const evs_field_rules *r, const char *base, char *buf, size_t n) {
  const char *pre = r && r->prefix ? r->prefix : "", *suf = r && r->suffix ? r->suffix : "";
  const char *mid = r && r->contains ? r->contains : "";
  size_t fixed = strlen(pre) + strlen(mid) + strlen(suf);
  size_t base_len = strlen(base), max = SIZE_MAX, min = 0;
  if (r && r->has_max_len) max = r->max_len;
  if (r && r->has_max_bytes && r->max_bytes < max) max = r->max_bytes;
  if (r && r->has_min_len) min = r->min_len;
  if (r && r->has_min_bytes && r->min_bytes > min) min = r->min_bytes;
  if (fixed + base_len > max) {
    base_len = max > fixed ? max - fixed : 0;
    while (base_len && base[base_len - 1] == ' ') base_len--; /* no dangling space where the cut fell */
  }
  int len = snprintf(buf, n, "%s%s%.*s", pre, mid, (int)base_len, base);
  while (len >= 0 && (size_t)len + strlen(suf) < min && (size_t)len + 1 < n) buf[len++] = 'x';
  if (len >= 0 && (size_t)len < n) snprintf(buf + len, n - (size_t)len, "%s", suf);
}

/* The shortest text a simple pattern matches: literals, escapes, classes (their first character), groups
 * (their first alternative), quantifiers (their minimum, one for + ). Good enough for the patterns event
 * schemas use (`^SKU-[0-9]+$`, `^[A-Z_]+(\.[A-Z_]+)+$`); what it gets wrong the matcher rejects afterwards.
 */
static const char *synth(const char *p, char *out, size_t *len, size_t cap) {
  while (*p && *p != ')' && *p != '|') {
    char ch = 0;
    size_t before = *len;
    if (*p == '^' || *p == '$') {
      p++;
      continue;
    } else if (*p == '(') {
      p = synth(p + 1 + (p[1] == '?' && p[2] == ':' ? 2 : 0), out, len, cap);
      while (*p == '|') { /* skip the other alternatives */
        size_t keep = *len;
        p = synth(p + 1, out, len, cap);
        *len = keep;
      }
      if (*p == ')') p++;
    } else if (*p == '[') {
      p++;
      bool negated = *p == '^';
      if (negated) p++;
      ch = negated ? 'x' : *p == '\\' ? p[1] : *p;
      while (*p && *p != ']') p += *p == '\\' && p[1] ? 2 : 1;
      if (*p) p++;
    } else if (*p == '\\' && p[1]) {
      ch = strchr("dDwWsS", p[1]) ? (p[1] == 'd' ? '0' : p[1] == 's' ? ' ' : 'a') : p[1];
      p += 2;
    } else {
      ch = *p == '.' ? 'a' : *p;
      p++;
    }
    if (ch && *len + 1 < cap) out[(*len)++] = ch;
    size_t piece = *len - before;
    unsigned long lo = 1;
    if (*p == '*' || *p == '?') {
      lo = 0, p++;
    } else if (*p == '+') {
      p++;
    } else if (*p == '{') {
      lo = strtoul(p + 1, NULL, 10);
      while (*p && *p != '}') p++;
      if (*p) p++;
    }
    if (*p == '?') p++; /* lazy */
    if (lo == 0) *len = before;
    for (unsigned long i = 1; i < lo && i < 64 && *len + piece + 1 < cap; i++) {
      memmove(out + *len, out + before, piece);
      *len += piece;
    }
  }
  out[*len] = '\0';
  return p;
}

static void gen_string(ex_gen *g, const evs_field *f, const evs_field_rules *r, unsigned variant) {
  char buf[512];
  if (r && r->has_const) return put_string(g, r->const_value.text);
  if (r && r->n_in) return put_string(g, r->in[variant % r->n_in]);
  if (r && r->has_uuid && r->uuid != EVS_UUID_UNSPECIFIED) {
    unsigned k = ++g->uuids;
    if (r->uuid == EVS_UUID_V4)
      snprintf(buf, sizeof buf, "3f2504e0-4f89-41d3-9a0c-%012x", k);
    else /* v7 (any version passes "any"): the example time in its first 48 bits */
      snprintf(buf, sizeof buf, "0194a734-2500-7000-8000-%012x", k);
    return put_string(g, buf);
  }
  if (r && r->has_email && r->email) return put_string(g, variant ? "user2@example.com" : "user@example.com");
  if (r && r->has_uri && r->uri) {
    snprintf(buf, sizeof buf, "https://example.com/%s", r->contains ? r->contains : "");
    return put_string(g, buf);
  }
  if (r && r->has_rfc3339 && r->rfc3339) return put_string(g, DOCS_EXAMPLE_TIME);
  /* A readable default, then forms common patterns accept; the first that fits every rule wins. */
  char words[160];
  snprintf(words, sizeof words, "example %s", f->name);
  for (char *p = words; *p; p++)
    if (*p == '_') *p = ' ';
  if (variant) snprintf(words + strlen(words), sizeof words - strlen(words), " %u", variant + 1);
  const char *schema_version = g->et->schema_version;
  char shortest[256] = "";
  size_t shortest_len = 0;
  if (r && r->pattern) synth(r->pattern, shortest, &shortest_len, sizeof shortest);
  const char *candidates[] = {words,
                              *schema_version ? schema_version : "1.0",
                              "1.0",
                              "example",
                              "EXAMPLE.VALUE",
                              "example_value",
                              "EXAMPLE",
                              "Example",
                              "example-value",
                              "a",
                              "A",
                              "1",
                              "x1",
                              shortest};
  for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
    compose(r, candidates[i], buf, sizeof buf);
    if (pattern_ok(r ? r->pattern : NULL, buf) && !(r && in_list(r->not_in, r->n_not_in, buf)))
      return put_string(g, buf);
  }
  g->problem = "pattern";
  put_string(g, words);
}

static void gen_bytes(ex_gen *g, const evs_field_rules *r) {
  uint64_t n = 3;
  if (r && r->has_min_bytes && r->min_bytes > n) n = r->min_bytes;
  if (r && r->has_max_bytes && r->max_bytes < n) n = r->max_bytes;
  if (n > 3000) n = 3000;
  put(g, "\"");
  for (uint64_t i = 0; i + 3 <= n; i += 3) put(g, "AAAA"); /* zero bytes, three at a time */
  put(g, n % 3 == 1 ? "AA==\"" : n % 3 == 2 ? "AAA=\"" : "\"");
}

static void gen_int(ex_gen *g, const evs_field *f, const evs_field_rules *r, unsigned variant) {
  char buf[32];
  if (r && r->has_const) return put(g, r->const_value.text);
  if (r && r->n_in) return put(g, r->in[variant % r->n_in]);
  bool is_unsigned = f->type == EVS_TYPE_UINT32 || f->type == EVS_TYPE_UINT64 ||
                     f->type == EVS_TYPE_FIXED32 || f->type == EVS_TYPE_FIXED64;
  int64_t v = 1 + (int64_t)variant;
  if (r && r->has_int_gte && v < r->int_gte) v = r->int_gte + (int64_t)variant;
  if (r && r->has_int_lte && v > r->int_lte) v = r->int_lte;
  for (int tries = 0; tries < 64; tries++) {
    snprintf(buf, sizeof buf, "%" PRId64, v);
    if (!(r && in_list(r->not_in, r->n_not_in, buf))) break;
    v++;
  }
  if (is_unsigned && v < 0) snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)v);
  put(g, buf);
}

static void gen_double(ex_gen *g, const evs_field_rules *r, unsigned variant) {
  char buf[64];
  if (r && r->has_const) return put(g, r->const_value.text);
  if (r && r->n_in) return put(g, r->in[variant % r->n_in]);
  double v = 1.5 + variant;
  if (r && r->has_double_gte && v < r->double_gte) v = r->double_gte;
  if (r && r->has_double_lte && v > r->double_lte) v = r->double_lte;
  snprintf(buf, sizeof buf, "%.17g", v);
  put(g, buf);
}

static void gen_enum(ex_gen *g, const evs_enum *e, const evs_field_rules *r, unsigned variant) {
  if (r && r->has_const) return put_string(g, r->const_value.text);
  if (r && r->n_in) return put_string(g, r->in[variant % r->n_in]);
  /* The zero value is "unset" to required and defined_only: take the variant-th non-zero one. */
  size_t nonzero = 0;
  for (size_t i = 0; i < e->n_values; i++) nonzero += e->values[i].number != 0;
  size_t want = nonzero ? variant % nonzero : 0;
  for (size_t i = 0; i < e->n_values; i++) {
    if (nonzero && e->values[i].number == 0) continue;
    if (want-- == 0) return put_string(g, e->values[i].name);
  }
  put_string(g, e->values[0].name);
}

static void gen_message(ex_gen *g, const evs_message *m);

static void gen_wkt(ex_gen *g, const evs_message *m, unsigned variant) {
  static const char *const k_values[] = {
      [EVS_WKT_TIMESTAMP] = "\"" DOCS_EXAMPLE_TIME "\"",
      [EVS_WKT_DURATION] = "\"60s\"",
      [EVS_WKT_STRUCT] = "{\"key\": \"value\"}",
      [EVS_WKT_VALUE] = "\"example\"",
      [EVS_WKT_LIST_VALUE] = "[\"example\"]",
      [EVS_WKT_FIELD_MASK] = "\"example\"",
      [EVS_WKT_EMPTY] = "{}",
      [EVS_WKT_DOUBLE_VALUE] = "1.5",
      [EVS_WKT_FLOAT_VALUE] = "1.5",
      [EVS_WKT_INT64_VALUE] = "\"1\"",
      [EVS_WKT_UINT64_VALUE] = "\"1\"",
      [EVS_WKT_INT32_VALUE] = "1",
      [EVS_WKT_UINT32_VALUE] = "1",
      [EVS_WKT_BOOL_VALUE] = "true",
      [EVS_WKT_STRING_VALUE] = "\"example\"",
      [EVS_WKT_BYTES_VALUE] = "\"AAAA\"",
      [EVS_WKT_ANY] = "{\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"60s\"}",
  };
  (void)variant;
  if (m->wkt == EVS_WKT_NONE) return gen_message(g, m);
  put(g, (size_t)m->wkt < sizeof k_values / sizeof k_values[0] && k_values[m->wkt] ? k_values[m->wkt] : "{}");
}

static bool is_type_field(const ex_gen *g, const evs_field *f) {
  const evs_event_options *ev = g->et->message->event;
  return ev && ev->n_type_field_path && ev->type_field_path[ev->n_type_field_path - 1] == f;
}

/* One value of f (an element, for a repeated field; the value, for a map), constrained by r. */
static void gen_value(ex_gen *g, const evs_field *f, const evs_field_rules *r, unsigned variant) {
  switch (f->type) {
    case EVS_TYPE_STRING:
      if (is_type_field(g, f)) return put_string(g, g->et->name);
      return gen_string(g, f, r, variant);
    case EVS_TYPE_BYTES:
      return gen_bytes(g, r);
    case EVS_TYPE_BOOL:
      return put(g, r && r->has_const ? r->const_value.text : "true");
    case EVS_TYPE_DOUBLE:
    case EVS_TYPE_FLOAT:
      return gen_double(g, r, variant);
    case EVS_TYPE_ENUM:
      return gen_enum(g, f->enum_type, r, variant);
    case EVS_TYPE_MESSAGE:
    case EVS_TYPE_GROUP:
      return gen_wkt(g, f->message_type, variant);
    default:
      return gen_int(g, f, r, variant);
  }
}

static uint64_t item_count(const evs_field_rules *r) {
  uint64_t n = 1;
  if (r && r->has_min_items && r->min_items > n) n = r->min_items;
  if (r && r->has_max_items && r->max_items < n) n = r->max_items;
  return n > 100 ? 100 : n;
}

static void gen_field(ex_gen *g, const evs_field *f) {
  const evs_field_rules *r = f->rules;
  if (f->is_map) {
    const evs_field *k = &f->message_type->fields[0], *v = &f->message_type->fields[1];
    put(g, "{");
    for (uint64_t i = 0, n = item_count(r); i < n; i++) {
      if (i) put(g, ", ");
      /* JSON map keys are strings whatever the key type. */
      size_t at = g->out->len;
      gen_value(g, k, r ? r->keys : NULL, (unsigned)i);
      if (k->type != EVS_TYPE_STRING) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\"", (const char *)g->out->data + at);
        g->out->len = at;
        put(g, key);
      }
      put(g, ": ");
      gen_value(g, v, r ? r->values : NULL, (unsigned)i);
    }
    put(g, "}");
  } else if (f->is_repeated) {
    put(g, "[");
    for (uint64_t i = 0, n = item_count(r); i < n; i++) {
      if (i) put(g, ", ");
      gen_value(g, f, r, (unsigned)i);
    }
    put(g, "]");
  } else {
    gen_value(g, f, r, 0);
  }
}

static bool on_stack(const ex_gen *g, const evs_message *m) {
  for (int i = 0; i < g->depth; i++)
    if (g->stack[i] == m) return true;
  return false;
}

/* Every field, except: the members of a oneof after its first (one may be set), NullValue fields, and
 * optional message fields that would recurse or nest too deep. */
static void gen_message(ex_gen *g, const evs_message *m) {
  g->stack[g->depth++] = m;
  put(g, "{");
  bool first = true;
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    bool required = f->rules && f->rules->has_required && f->rules->required;
    if (f->oneof && f->oneof->fields[0] != f) continue;
    if (f->enum_type && f->enum_type->wkt == EVS_WKT_NULL_VALUE) continue;
    const evs_message *sub = f->is_map ? f->message_type->fields[1].message_type : f->message_type;
    if (sub && sub->wkt == EVS_WKT_NONE && (on_stack(g, sub) || g->depth >= EX_MAX_DEPTH)) {
      if (required) g->problem = "a required field that recurses";
      continue;
    }
    if (!first) put(g, ", ");
    first = false;
    put_string(g, f->json_name);
    put(g, ": ");
    gen_field(g, f);
  }
  put(g, "}");
  g->depth--;
}

int docs_example(const cli_cmd *cmd, const evs_registry *reg, const evs_validator *v,
                 const evs_event_type *et, evs_buf *out) {
  evs_buf json = EVS_BUF_INIT;
  ex_gen g = {.et = et, .out = &json};
  gen_message(&g, et->message);
  if (evs_buf_status(&json) != EVS_OK) return cli_failf(cmd, "out of memory");
  ProtobufCMessage *msg = NULL;
  evs_error err;
  evs_violations vs;
  evs_violations_init(&vs);
  int rc = CLI_EXIT_OK;
  if (evs_json_decode(reg, et->message->c_desc, (const char *)json.data, json.len, NULL, NULL, &msg, &err) !=
      EVS_OK) {
    rc = cli_failf(cmd, "the example generated for %s %s does not decode: %s\n  %s", et->name,
                   et->schema_version, err.msg, (const char *)json.data);
  } else if (evs_validate_message(v, msg, 0, &vs, &err) != EVS_OK) {
    evs_buf text = EVS_BUF_INIT;
    (void)evs_violations_text(&vs, true, "  ", NULL, &text);
    rc = cli_failf(cmd,
                   "the example generated for %s %s does not pass validation%s%s:\n%s  %s\n"
                   "  (the example generator could not satisfy these rules)",
                   et->name, et->schema_version, g.problem ? "; cannot satisfy: " : "",
                   g.problem ? g.problem : "", text.data ? (const char *)text.data : "",
                   (const char *)json.data);
    evs_buf_free(&text);
  } else {
    evs_json_options o = {.flags = EVS_JSON_PRETTY};
    if (evs_json_encode(reg, msg, &o, out, &err) != EVS_OK) rc = cli_fail(cmd, &err);
  }
  if (msg) protobuf_c_message_free_unpacked(msg, NULL);
  evs_violations_free(&vs);
  evs_buf_free(&json);
  return rc;
}
