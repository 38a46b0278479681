/* Query and condition documents (JSON, the DCB specification's terms) parsed into evs_store_query /
 * evs_store_condition, and queries written as the server functions take them. The JSON text is parsed by
 * the codec as a google.protobuf.Value (the library's one JSON parser); this file only walks the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "evs/json.h"
#include "google/protobuf/struct.pb-c.h"
#include "store/store_internal.h"

typedef Google__Protobuf__Value jvalue;

struct evs_store_spec {
  ProtobufCMessage *doc;
  evs_store_item *items;
  void **blocks; /* per-item arrays and tag keys */
  size_t n_blocks, cap_blocks;
};

void evs_store_spec_free(evs_store_spec *o) {
  if (!o) return;
  for (size_t i = 0; i < o->n_blocks; i++) evs_free(o->blocks[i]);
  evs_free(o->blocks);
  evs_free(o->items);
  if (o->doc) protobuf_c_message_free_unpacked(o->doc, NULL);
  evs_free(o);
}

static void *spec_alloc(evs_store_spec *o, size_t size) {
  if (o->n_blocks == o->cap_blocks) {
    size_t cap = o->cap_blocks ? o->cap_blocks * 2 : 16;
    void **b = evs_realloc(o->blocks, cap * sizeof *b);
    if (!b) return NULL;
    o->blocks = b;
    o->cap_blocks = cap;
  }
  void *p = evs_calloc(1, size ? size : 1);
  if (p) o->blocks[o->n_blocks++] = p;
  return p;
}

static const char *kind_name(const jvalue *v) {
  switch (v ? v->kind_case : GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE:
      return "null";
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
      return "a number";
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
      return "a string";
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
      return "a boolean";
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
      return "an object";
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
      return "an array";
    default:
      return "nothing";
  }
}

static evs_status spec_type_fail(evs_error *err, const char *path, const char *want, const jvalue *got) {
  evs_fail(err, EVS_ERR_TYPE, "%s: expected %s, got %s", path, want, kind_name(got));
  evs_error_where(err, NULL, path);
  return EVS_ERR_TYPE;
}

/* The member `name` of an object value, NULL when absent or null. */
static const jvalue *member(const jvalue *obj, const char *name) {
  const Google__Protobuf__Struct *st = obj->struct_value;
  for (size_t i = 0; st && i < st->n_fields; i++)
    if (strcmp(st->fields[i]->key, name) == 0) {
      const jvalue *v = st->fields[i]->value;
      return v && v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE ? v : NULL;
    }
  return NULL;
}

/* Fails on a member other than the allowed ones: a misspelt "failIfEventMatch" must not read as "none". */
static evs_status only_members(const jvalue *obj, const char *const *allowed, const char *path,
                               evs_error *err) {
  const Google__Protobuf__Struct *st = obj->struct_value;
  for (size_t i = 0; st && i < st->n_fields; i++) {
    bool ok = false;
    for (const char *const *a = allowed; *a; a++) ok = ok || strcmp(st->fields[i]->key, *a) == 0;
    if (!ok) {
      evs_fail(err, EVS_ERR_NOT_FOUND, "%s%sunknown member \"%.60s\"", path, *path ? ": " : "",
               st->fields[i]->key);
      evs_error_where(err, NULL, path);
      return EVS_ERR_NOT_FOUND;
    }
  }
  return EVS_OK;
}

static evs_status parse_item(evs_store_spec *o, const jvalue *v, const char *path, evs_store_item *it,
                             evs_error *err) {
  char sub[240];
  if (v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
    return spec_type_fail(err, path, "a query item {\"types\": [...], \"tags\": [...]}", v);
  static const char *const allowed[] = {"types", "tags", NULL};
  evs_status st = only_members(v, allowed, path, err);
  if (st != EVS_OK) return st;
  const jvalue *types = member(v, "types"), *tags = member(v, "tags");
  if (types) {
    snprintf(sub, sizeof sub, "%s.types", path);
    if (types->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE)
      return spec_type_fail(err, sub, "an array of type names", types);
    size_t n = types->list_value->n_values;
    const char **t = spec_alloc(o, n * sizeof *t);
    if (!t) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      const jvalue *e = types->list_value->values[i];
      snprintf(sub, sizeof sub, "%s.types[%zu]", path, i);
      if (e->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE || !e->string_value[0])
        return spec_type_fail(err, sub, "a non-empty type name", e);
      t[i] = e->string_value;
    }
    it->types = t;
    it->n_types = n;
  }
  if (tags) {
    snprintf(sub, sizeof sub, "%s.tags", path);
    if (tags->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE)
      return spec_type_fail(err, sub, "an array of \"key:value\" tags", tags);
    size_t n = tags->list_value->n_values;
    evs_tag *g = spec_alloc(o, n * sizeof *g);
    if (!g) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      const jvalue *e = tags->list_value->values[i];
      snprintf(sub, sizeof sub, "%s.tags[%zu]", path, i);
      if (e->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
        return spec_type_fail(err, sub, "a \"key:value\" string", e);
      const char *s = e->string_value, *colon = strchr(s, ':');
      if (!colon || colon == s) {
        evs_fail(err, EVS_ERR_VALIDATION,
                 "%s: tag \"%.60s\" is not \"key:value\" (stored tags are key/value pairs)", sub, s);
        evs_error_where(err, NULL, sub);
        return EVS_ERR_VALIDATION;
      }
      char *key = spec_alloc(o, (size_t)(colon - s) + 1);
      if (!key) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
      memcpy(key, s, (size_t)(colon - s));
      g[i].key = key;
      g[i].value = colon + 1;
    }
    it->tags = g;
    it->n_tags = n;
  }
  return EVS_OK;
}

static evs_status parse_query_value(evs_store_spec *o, const jvalue *v, const char *path, evs_store_query *q,
                                    evs_error *err) {
  memset(q, 0, sizeof *q);
  if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE && strcmp(v->string_value, "all") == 0)
    return EVS_OK;
  const jvalue *list = v;
  char sub[160];
  snprintf(sub, sizeof sub, "%s", path);
  if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE) {
    static const char *const allowed[] = {"items", NULL};
    evs_status st = only_members(v, allowed, path, err);
    if (st != EVS_OK) return st;
    list = member(v, "items");
    snprintf(sub, sizeof sub, "%s%sitems", path, *path ? "." : "");
    if (!list) return spec_type_fail(err, sub, "an array of query items", list);
  }
  if (list->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE)
    return spec_type_fail(err, path, "\"all\", an array of query items or {\"items\": [...]}", v);
  size_t n = list->list_value->n_values;
  if (n == 0) {
    evs_fail(err, EVS_ERR_VALIDATION, "%s: a query has at least one item (or is \"all\")", sub);
    evs_error_where(err, NULL, sub);
    return EVS_ERR_VALIDATION;
  }
  o->items = evs_calloc(n, sizeof *o->items);
  if (!o->items) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    char ipath[200];
    snprintf(ipath, sizeof ipath, "%s[%zu]", sub, i);
    evs_status st = parse_item(o, list->list_value->values[i], ipath, &o->items[i], err);
    if (st != EVS_OK) return st;
  }
  q->items = o->items;
  q->n_items = n;
  return EVS_OK;
}

static evs_status parse_doc(const char *json, size_t len, evs_store_spec **owner, jvalue **doc,
                            evs_error *err) {
  *owner = evs_calloc(1, sizeof **owner);
  if (!*owner) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  const evs_registry *reg = evs_registry_builtin(err);
  if (!reg) return err ? err->code : EVS_ERR_INTERNAL;
  ProtobufCMessage *m = NULL;
  evs_status st = evs_json_decode(reg, &google__protobuf__value__descriptor, json, len, NULL, NULL, &m, err);
  if (st != EVS_OK) return st;
  (*owner)->doc = m;
  *doc = (jvalue *)m;
  return EVS_OK;
}

evs_status evs_store_query_parse(const char *json, size_t len, evs_store_query *q, evs_store_spec **owner,
                                 evs_error *err) {
  if (!q || !owner || (!json && len))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_query_parse: NULL");
  jvalue *doc = NULL;
  evs_status st = parse_doc(json, len, owner, &doc, err);
  if (st == EVS_OK) st = parse_query_value(*owner, doc, "", q, err);
  if (st != EVS_OK) {
    evs_store_spec_free(*owner);
    *owner = NULL;
    memset(q, 0, sizeof *q);
  }
  return st;
}

evs_status evs_store_condition_parse(const char *json, size_t len, evs_store_condition *c,
                                     evs_store_spec **owner, evs_error *err) {
  if (!c || !owner || (!json && len))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_condition_parse: NULL");
  memset(c, 0, sizeof *c);
  jvalue *doc = NULL;
  evs_status st = parse_doc(json, len, owner, &doc, err);
  if (st == EVS_OK && doc->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE)
    st = spec_type_fail(err, "", "an object {\"failIfEventsMatch\": ..., \"after\": N}", doc);
  static const char *const allowed[] = {"failIfEventsMatch", "after", NULL};
  if (st == EVS_OK) st = only_members(doc, allowed, "", err);
  if (st == EVS_OK) {
    const jvalue *q = member(doc, "failIfEventsMatch"), *after = member(doc, "after");
    if (!q) {
      st = evs_fail(err, EVS_ERR_VALIDATION, "a condition needs \"failIfEventsMatch\"");
    } else {
      st = parse_query_value(*owner, q, "failIfEventsMatch", &c->fail_if_events_match, err);
    }
    if (st == EVS_OK && after) {
      double d = after->number_value;
      if (after->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE)
        st = spec_type_fail(err, "after", "a position (a whole number >= 0)", after);
      else if (!(d >= 0 && d <= 9007199254740992.0) || (double)(int64_t)d != d)
        st = evs_fail(err, EVS_ERR_RANGE, "after: %g is not a position (a whole number 0..2^53)", d);
      else
        c->after = (int64_t)d;
    }
  }
  if (st != EVS_OK) {
    evs_store_spec_free(*owner);
    *owner = NULL;
    memset(c, 0, sizeof *c);
  }
  return st;
}

/* Whether an item names two values for one key (then no stored event, one value per key, matches it). */
bool store_item_contradicts(const evs_store_item *it) {
  for (size_t i = 0; i < it->n_tags; i++)
    for (size_t j = i + 1; j < it->n_tags; j++)
      if (strcmp(it->tags[i].key, it->tags[j].key) == 0 &&
          strcmp(it->tags[i].value ? it->tags[i].value : "", it->tags[j].value ? it->tags[j].value : "") != 0)
        return true;
  return false;
}

void store_item_types_json(const evs_store_item *it, evs_buf *types) {
  evs_buf_append_byte(types, '[');
  for (size_t t = 0; t < it->n_types; t++) {
    if (t) evs_buf_append_byte(types, ',');
    evs_json_append_string(types, it->types[t], strlen(it->types[t]));
  }
  evs_buf_append_byte(types, ']');
}

void store_item_tags_json(const evs_store_item *it, evs_buf *tags) {
  evs_buf_append_byte(tags, '{');
  bool first_tag = true;
  for (size_t t = 0; t < it->n_tags; t++) {
    /* a tag given twice is written once: an object with a key twice is not JSON evs reads (the item does
     * not contradict itself, so the values are the same) */
    bool seen = false;
    for (size_t u = 0; u < t && !seen; u++) seen = strcmp(it->tags[u].key, it->tags[t].key) == 0;
    if (seen) continue;
    if (!first_tag) evs_buf_append_byte(tags, ',');
    first_tag = false;
    const char *v = it->tags[t].value ? it->tags[t].value : "";
    evs_json_append_string(tags, it->tags[t].key, strlen(it->tags[t].key));
    evs_buf_append_byte(tags, ':');
    evs_json_append_string(tags, v, strlen(v));
  }
  evs_buf_append_byte(tags, '}');
}

evs_status store_query_json(const evs_store_query *q, evs_buf *out) {
  evs_buf_append_str(out, "{\"items\":[");
  if (!q || q->n_items == 0) evs_buf_append_str(out, "{}");
  bool first = true;
  for (size_t i = 0; q && i < q->n_items; i++) {
    const evs_store_item *it = &q->items[i];
    if (store_item_contradicts(it)) continue;
    evs_buf_append_str(out, first ? "{\"types\":" : ",{\"types\":");
    first = false;
    store_item_types_json(it, out);
    evs_buf_append_str(out, ",\"tags\":");
    store_item_tags_json(it, out);
    evs_buf_append_byte(out, '}');
  }
  evs_buf_append_str(out, "]}");
  return evs_buf_status(out);
}

void store_query_lock_keys(const evs_store_query *q, store_keys *keys) {
  if (!q || q->n_items == 0) store_lock_key(keys, true, NULL, NULL, NULL);
  for (size_t i = 0; q && i < q->n_items; i++) {
    const evs_store_item *it = &q->items[i];
    if (store_item_contradicts(it)) continue;
    const evs_tag *first = NULL;
    for (size_t t = 0; t < it->n_tags; t++)
      if (!first || strcmp(it->tags[t].key, first->key) < 0) first = &it->tags[t];
    for (size_t t = 0; t < (it->n_types ? it->n_types : 1); t++)
      store_lock_key(keys, true, it->n_types ? it->types[t] : NULL, first ? first->key : NULL,
                     first ? first->value : NULL);
  }
}
