/* Events to the row form the server's evs_append() takes, and stored rows back to events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "evs/json.h"
#include "evs/timeutil.h"
#include "google/protobuf/struct.pb-c.h"
#include "store/store_internal.h"

/* Most tags one event may carry. */
#define MAX_TAGS 256

void store_strmap_free(store_strmap *m) {
  if (m->owner) protobuf_c_message_free_unpacked(m->owner, NULL);
  evs_free(m->pairs);
  memset(m, 0, sizeof *m);
}

evs_status store_strmap_parse(const char *json, size_t len, store_strmap *m, evs_error *err) {
  memset(m, 0, sizeof *m);
  const evs_registry *reg = evs_registry_builtin(err);
  if (!reg) return err ? err->code : EVS_ERR_INTERNAL;
  evs_status st =
      evs_json_decode(reg, &google__protobuf__struct__descriptor, json, len, NULL, NULL, &m->owner, err);
  if (st != EVS_OK) return st;
  const Google__Protobuf__Struct *obj = (const Google__Protobuf__Struct *)m->owner;
  m->pairs = evs_calloc(obj->n_fields ? obj->n_fields : 1, sizeof *m->pairs);
  if (!m->pairs) {
    store_strmap_free(m);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < obj->n_fields; i++) {
    const Google__Protobuf__Value *v = obj->fields[i]->value;
    if (!v || v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE) {
      evs_fail(err, EVS_ERR_TYPE, "%.60s: expected a string", obj->fields[i]->key);
      store_strmap_free(m);
      return EVS_ERR_TYPE;
    }
    m->pairs[i].key = obj->fields[i]->key;
    m->pairs[i].value = v->string_value;
  }
  m->n = obj->n_fields;
  return EVS_OK;
}

/* The payload's top-level map<string,string> field `tags`, when it has one, into out[0..*n). Strings held
 * with a length (EVS_FIELD_FLAG_STRING: types without compiled code) are copied, NUL-terminated, into
 * store; one holding U+0000 is an error, as the store's tags are text. */
static evs_status payload_tags(const ProtobufCMessage *msg, evs_tag *out, size_t max, size_t *n_out,
                               evs_buf *store, evs_error *err) {
  *n_out = 0;
  const ProtobufCFieldDescriptor *fd =
      protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "tags");
  if (!fd || fd->label != PROTOBUF_C_LABEL_REPEATED || fd->type != PROTOBUF_C_TYPE_MESSAGE) return EVS_OK;
  const ProtobufCMessageDescriptor *ed = fd->descriptor;
  const ProtobufCFieldDescriptor *kf = protobuf_c_message_descriptor_get_field_by_name(ed, "key");
  const ProtobufCFieldDescriptor *vf = protobuf_c_message_descriptor_get_field_by_name(ed, "value");
  if (!kf || !vf || !evs_field_is_string(kf) || !evs_field_is_string(vf)) return EVS_OK;
  size_t n = *(const size_t *)((const char *)msg + fd->quantifier_offset);
  ProtobufCMessage *const *entries = *(ProtobufCMessage *const *const *)((const char *)msg + fd->offset);
  bool copy = kf->type != PROTOBUF_C_TYPE_STRING || vf->type != PROTOBUF_C_TYPE_STRING;
  size_t k = 0, offs[MAX_TAGS][2];
  for (size_t i = 0; i < n && k < max && k < MAX_TAGS; i++) {
    const ProtobufCFieldDescriptor *parts[2] = {kf, vf};
    for (int j = 0; j < 2; j++) {
      size_t len;
      const char *t = evs_field_string(parts[j], (const char *)entries[i] + parts[j]->offset, &len);
      if (!copy) {
        if (j == 0)
          out[k].key = t;
        else
          out[k].value = t;
        continue;
      }
      if (memchr(t, 0, len))
        return evs_fail(err, EVS_ERR_UNSUPPORTED, "tags: a %s holds U+0000, which a store tag cannot",
                        j ? "value" : "key");
      offs[k][j] = store->len;
      evs_buf_append(store, t, len);
      evs_buf_append_byte(store, '\0');
    }
    k++;
  }
  if (copy) {
    if (evs_buf_status(store) != EVS_OK) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) {
      out[i].key = (const char *)store->data + offs[i][0];
      out[i].value = (const char *)store->data + offs[i][1];
    }
  }
  *n_out = k;
  return EVS_OK;
}

static int tag_cmp(const void *a, const void *b) {
  return strcmp(((const evs_tag *)a)->key, ((const evs_tag *)b)->key);
}

static void member_str(evs_buf *out, bool *first, const char *name, const char *value) {
  if (!value) return;
  evs_buf_append_str(out, *first ? "\"" : ",\"");
  *first = false;
  evs_buf_append_str(out, name);
  evs_buf_append_str(out, "\":");
  evs_json_append_string(out, value, strlen(value));
}

/* Appends text as one field of a COPY text-format row: backslash, tab, newline and carriage return are the
 * format's specials (JSON text from the codec has no raw control characters, but its escapes hold
 * backslashes). */
static void copy_field(evs_buf *out, const char *text, size_t len) {
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : NULL;
    if (!esc) continue;
    evs_buf_append(out, text + run, i - run);
    evs_buf_append_str(out, esc);
    run = i + 1;
  }
  evs_buf_append(out, text + run, len - run);
}

/* Writes one column's JSON: straight into out for a JSON row, through s->row_data and copy_field for COPY. */
static evs_buf *col_open(evs_store *s, store_row_form form, evs_buf *out) {
  if (form == STORE_ROW_JSON) return out;
  evs_buf_reset(&s->row_data);
  return &s->row_data;
}

static void col_close(evs_store *s, store_row_form form, evs_buf *out) {
  if (form == STORE_ROW_JSON) return;
  copy_field(out, (const char *)s->row_data.data, s->row_data.len);
}

evs_status store_event_row(evs_store *s, const evs_store_event *ev, store_row_form form, evs_buf *out,
                           store_keys *keys, evs_error *err) {
  const evs_ce_event *ce = ev->ce;
  int64_t ms = evs_time_now_ms();
  if (ce->time && evs_ce_parse_time(ce->time, strlen(ce->time), &ms, err) != EVS_OK) return err->code;
  char when[EVS_TIME_RFC3339_SIZE];
  evs_status st = evs_time_format_rfc3339_ms(ms, when, NULL);
  if (st != EVS_OK) return evs_fail(err, st, "time: outside the years 0001..9999");

  evs_tag tags[MAX_TAGS];
  size_t n_tags = 0;
  evs_buf tag_store = EVS_BUF_INIT;
  if (ce->tags) {
    st = evs_ce_tags_decode(ce->tags, strlen(ce->tags), tags, MAX_TAGS, &n_tags, &tag_store, err);
    if (st != EVS_OK) {
      evs_buf_free(&tag_store);
      return evs_fail(err, st, "tags: %s", err ? err->msg : "malformed");
    }
    qsort(tags, n_tags, sizeof *tags, tag_cmp);
    for (size_t i = 1; i < n_tags; i++)
      if (strcmp(tags[i].key, tags[i - 1].key) == 0) {
        evs_fail(err, EVS_ERR_DUPLICATE,
                 "tags: key '%.60s' given twice: the store keeps one value per tag key", tags[i].key);
        evs_buf_free(&tag_store);
        return EVS_ERR_DUPLICATE;
      }
  } else {
    st = payload_tags(ev->payload, tags, MAX_TAGS, &n_tags, &tag_store, err);
    if (st != EVS_OK) {
      evs_buf_free(&tag_store);
      return st;
    }
  }

  evs_buf *col;
  if (form == STORE_ROW_JSON) {
    evs_buf_append_str(out, "{\"event_id\":");
    evs_json_append_string(out, ce->id, strlen(ce->id));
    evs_buf_append_str(out, ",\"type\":");
    evs_json_append_string(out, ce->type, strlen(ce->type));
    evs_buf_append_str(out, ",\"time\":\"");
    evs_buf_append_str(out, when);
    evs_buf_append_str(out, "\",\"tags\":");
  } else {
    /* the columns event_id, type, time, tags, metadata, data (of events, and of evs_stage after its ord) */
    copy_field(out, ce->id, strlen(ce->id));
    evs_buf_append_byte(out, '\t');
    copy_field(out, ce->type, strlen(ce->type));
    evs_buf_append_byte(out, '\t');
    evs_buf_append_str(out, when);
    evs_buf_append_byte(out, '\t');
  }
  /* the keys evs_lock_keys gives the event: its type or any, by each of its tags or none */
  for (int any = 0; keys && any < 2; any++) {
    for (size_t i = 0; i < n_tags; i++)
      store_lock_key(keys, false, any ? NULL : ce->type, tags[i].key, tags[i].value);
    store_lock_key(keys, false, any ? NULL : ce->type, NULL, NULL);
  }
  col = col_open(s, form, out);
  evs_buf_append_byte(col, '{');
  for (size_t i = 0; i < n_tags; i++) {
    const char *v = tags[i].value ? tags[i].value : "";
    if (i) evs_buf_append_byte(col, ',');
    evs_json_append_string(col, tags[i].key, strlen(tags[i].key));
    evs_buf_append_byte(col, ':');
    evs_json_append_string(col, v, strlen(v));
  }
  evs_buf_append_byte(col, '}');
  col_close(s, form, out);
  evs_buf_free(&tag_store);
  evs_buf_append_str(out, form == STORE_ROW_JSON ? ",\"metadata\":" : "\t");
  col = col_open(s, form, out);
  evs_buf_append_byte(col, '{');
  bool first = true;
  member_str(col, &first, "source", ce->source);
  member_str(col, &first, "subject", ce->subject);
  member_str(col, &first, "dataschema", ce->dataschema);
  member_str(col, &first, "datacontenttype", ce->content_type);
  member_str(col, &first, "schemaversion", ce->schema_version);
  member_str(col, &first, "correlationid", ce->correlation_id);
  member_str(col, &first, "causationid", ce->causation_id);
  /* the attribute as given, so that a read gives back the event that went in (the tags column may hold the
   * payload's tags instead) */
  member_str(col, &first, "tags", ce->tags);
  evs_buf_append_byte(col, '}');
  col_close(s, form, out);
  evs_buf_append_str(out, form == STORE_ROW_JSON ? ",\"data\":" : "\t");
  if (evs_buf_status(out) != EVS_OK) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  col = col_open(s, form, out);
  st = evs_json_encode(s->reg, ev->payload, NULL, col, err);
  if (st != EVS_OK) return st;
  col_close(s, form, out);
  evs_buf_append_byte(out, form == STORE_ROW_JSON ? '}' : '\n');
  return evs_buf_status(out) == EVS_OK && evs_buf_status(&s->row_data) == EVS_OK
             ? EVS_OK
             : evs_fail(err, EVS_ERR_NOMEM, "out of memory");
}

static const char *meta_get(const store_strmap *m, const char *name) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->pairs[i].key, name) == 0) return m->pairs[i].value;
  return NULL;
}

/* The stored data as the registry's canonical JSON when it knows the type and the data decodes (it was
 * stored that way, so it does unless the schema changed since); else the stored text. */
static void row_data(evs_store *s, const char *type, const char *version, const char *data) {
  evs_buf_reset(&s->row_data);
  const evs_event_type *et = version ? evs_registry_find_event_type_version(s->reg, type, version)
                                     : evs_registry_find_event_type(s->reg, type);
  ProtobufCMessage *msg = NULL;
  if (et &&
      evs_json_decode(s->reg, et->message->c_desc, data, strlen(data), NULL, NULL, &msg, NULL) == EVS_OK &&
      evs_json_encode(s->reg, msg, NULL, &s->row_data, NULL) == EVS_OK) {
    protobuf_c_message_free_unpacked(msg, NULL);
    return;
  }
  if (msg) protobuf_c_message_free_unpacked(msg, NULL);
  evs_buf_reset(&s->row_data);
  evs_buf_append_str(&s->row_data, data);
}

evs_status store_row_event(evs_store *s, const store_row *row, evs_stored_event *ev, store_strmap *meta,
                           evs_error *err) {
  memset(ev, 0, sizeof *ev);
  ev->position = strtoll(row->position, NULL, 10);
  ev->tx = row->tx ? strtoull(row->tx, NULL, 10) : 0;
  evs_status st = store_strmap_parse(row->metadata, strlen(row->metadata), meta, err);
  if (st != EVS_OK) return evs_fail(err, st, "position %s: metadata: %s", row->position, err ? err->msg : "");
  if (evs_time_format_rfc3339_ms(strtoll(row->time_ms, NULL, 10), s->row_time, NULL) != EVS_OK)
    return evs_fail(err, EVS_ERR_RANGE, "position %s: time out of range", row->position);
  evs_ce_event *ce = &ev->ce;
  ce->specversion = "1.0";
  ce->id = row->event_id;
  ce->type = row->type;
  ce->time = s->row_time;
  ce->source = meta_get(meta, "source");
  ce->subject = meta_get(meta, "subject");
  ce->dataschema = meta_get(meta, "dataschema");
  ce->content_type = meta_get(meta, "datacontenttype");
  ce->schema_version = meta_get(meta, "schemaversion");
  ce->correlation_id = meta_get(meta, "correlationid");
  ce->causation_id = meta_get(meta, "causationid");
  ce->tags = meta_get(meta, "tags");
  row_data(s, row->type, ce->schema_version, row->data);
  ce->data_kind = EVS_CE_DATA_JSON;
  ce->data = s->row_data.data;
  ce->data_len = s->row_data.len;
  return EVS_OK;
}
