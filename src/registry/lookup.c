/* Read-only queries on a registry and its views; "did you mean" suggestions for unknown names. */
#include "registry/registry_internal.h"

#include <string.h>
#include <strings.h>

static const char *strip_dot(const char *name) {
  return name[0] == '.' ? name + 1 : name;
}

const evs_message *evs_registry_find_message(const evs_registry *reg, const char *full_name) {
  if (!reg || !full_name) return NULL;
  full_name = strip_dot(full_name);
  return evs_hmap_get(&reg->messages, full_name, strlen(full_name));
}

const evs_enum *evs_registry_find_enum(const evs_registry *reg, const char *full_name) {
  if (!reg || !full_name) return NULL;
  full_name = strip_dot(full_name);
  return evs_hmap_get(&reg->enums, full_name, strlen(full_name));
}

const evs_file *evs_registry_find_file(const evs_registry *reg, const char *name) {
  if (!reg || !name) return NULL;
  return evs_hmap_get(&reg->files, name, strlen(name));
}

const evs_message *evs_registry_message_for(const evs_registry *reg, const ProtobufCMessageDescriptor *desc) {
  if (!reg || !desc) return NULL;
  return evs_hmap_get(&reg->c_messages, (const char *)&desc, sizeof desc);
}

const evs_enum *evs_registry_enum_for(const evs_registry *reg, const ProtobufCEnumDescriptor *desc) {
  if (!reg || !desc) return NULL;
  return evs_hmap_get(&reg->c_enums, (const char *)&desc, sizeof desc);
}

static const char *simple_name(const char *full_name) {
  const char *dot = strrchr(full_name, '.');
  return dot ? dot + 1 : full_name;
}

/* Levenshtein distance of a and b, or `cap` + 1 once it is known to exceed cap (names are short; longer
 * ones are not compared). */
static size_t distance(const char *a, const char *b, size_t cap) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 128 || lb > 128 || (la > lb ? la - lb : lb - la) > cap) return cap + 1;
  size_t row[129];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0], best = row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t v = diag + (a[i - 1] != b[j - 1]);
      if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
      if (up + 1 < v) v = up + 1;
      row[j] = v;
      diag = up;
      if (v < best) best = v;
    }
    if (best > cap) return cap + 1;
  }
  return row[lb];
}

/* First name (in sorted order) that equals `want` ignoring case, else the first with the same simple name
 * in another package, else the closest within two edits (a typo: task.create for task.created). */
static const char *suggest(const evs_ptrvec *sorted, const char *(*name_of)(const void *), const char *want) {
  const char *same_simple = NULL, *close = NULL;
  size_t close_d = 3;
  for (size_t i = 0; i < sorted->n; i++) {
    const char *name = name_of(sorted->v[i]);
    if (strcasecmp(name, want) == 0) return name;
    if (!same_simple && strcmp(simple_name(name), simple_name(want)) == 0) same_simple = name;
    size_t d = distance(name, want, 2);
    if (d < close_d) close = name, close_d = d;
  }
  return same_simple ? same_simple : close;
}

static const char *message_name(const void *p) {
  return ((const evs_message *)p)->full_name;
}

static const char *enum_name(const void *p) {
  return ((const evs_enum *)p)->full_name;
}

static void not_found(evs_error *err, const char *what, const char *name, const char *hint) {
  evs_error_clear(err);
  if (hint)
    evs_fail(err, EVS_ERR_NOT_FOUND, "unknown %s '%.100s'; did you mean '%.100s'?", what, name, hint);
  else
    evs_fail(err, EVS_ERR_NOT_FOUND, "unknown %s '%.100s'", what, name);
}

const evs_message *evs_registry_require_message(const evs_registry *reg, const char *full_name,
                                                evs_error *err) {
  const evs_message *m = evs_registry_find_message(reg, full_name);
  if (m) return m;
  if (!reg || !full_name) {
    evs_error_clear(err);
    evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_require_message: %s is NULL", reg ? "name" : "reg");
    return NULL;
  }
  not_found(err, "message", full_name, suggest(&reg->msg_sorted, message_name, strip_dot(full_name)));
  return NULL;
}

const evs_enum *evs_registry_require_enum(const evs_registry *reg, const char *full_name, evs_error *err) {
  const evs_enum *e = evs_registry_find_enum(reg, full_name);
  if (e) return e;
  if (!reg || !full_name) {
    evs_error_clear(err);
    evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_require_enum: %s is NULL", reg ? "name" : "reg");
    return NULL;
  }
  not_found(err, "enum", full_name, suggest(&reg->enum_sorted, enum_name, strip_dot(full_name)));
  return NULL;
}

/* Index of the first event type whose name is >= name. */
static size_t events_lower_bound(const evs_registry *reg, const char *name) {
  size_t lo = 0, hi = reg->n_events;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(reg->events[mid].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const evs_event_type *evs_registry_find_event_type(const evs_registry *reg, const char *name) {
  if (!reg || !name) return NULL;
  size_t i = events_lower_bound(reg, name);
  const evs_event_type *best = NULL;
  for (; i < reg->n_events && strcmp(reg->events[i].name, name) == 0; i++) best = &reg->events[i];
  return best;
}

const evs_event_type *evs_registry_find_event_type_version(const evs_registry *reg, const char *name,
                                                           const char *schema_version) {
  if (!reg || !name) return NULL;
  for (size_t i = events_lower_bound(reg, name); i < reg->n_events && strcmp(reg->events[i].name, name) == 0;
       i++)
    if (evs_schema_version_compare(reg->events[i].schema_version, schema_version) == 0)
      return &reg->events[i];
  return NULL;
}

const evs_event_type *evs_registry_require_event_type(const evs_registry *reg, const char *name,
                                                      evs_error *err) {
  const evs_event_type *t = evs_registry_find_event_type(reg, name);
  if (t) return t;
  if (!reg || !name) {
    evs_error_clear(err);
    evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_require_event_type: %s is NULL", reg ? "name" : "reg");
    return NULL;
  }
  const char *hint = NULL;
  size_t best = 3;
  for (size_t i = 0; i < reg->n_events && best; i++) {
    if (strcasecmp(reg->events[i].name, name) == 0) {
      hint = reg->events[i].name;
      break;
    }
    size_t d = distance(reg->events[i].name, name, 2);
    if (d < best) hint = reg->events[i].name, best = d;
  }
  not_found(err, "event type", name, hint);
  return NULL;
}

const evs_message *const *evs_registry_messages(const evs_registry *reg, size_t *n) {
  if (n) *n = reg ? reg->msg_sorted.n : 0;
  return reg ? (const evs_message *const *)reg->msg_sorted.v : NULL;
}

const evs_enum *const *evs_registry_enums(const evs_registry *reg, size_t *n) {
  if (n) *n = reg ? reg->enum_sorted.n : 0;
  return reg ? (const evs_enum *const *)reg->enum_sorted.v : NULL;
}

const evs_file *const *evs_registry_files(const evs_registry *reg, size_t *n) {
  if (n) *n = reg ? reg->file_list.n : 0;
  return reg ? (const evs_file *const *)reg->file_list.v : NULL;
}

const evs_event_type *evs_registry_event_types(const evs_registry *reg, size_t *n) {
  if (n) *n = reg ? reg->n_events : 0;
  return reg ? reg->events : NULL;
}

static bool names(const char *s, const char *name, size_t len) {
  return strlen(s) == len && memcmp(s, name, len) == 0;
}

const evs_field *evs_message_find_field(const evs_message *msg, const char *name, size_t len) {
  if (!msg || !name) return NULL;
  if (msg->name_index_) return evs_hmap_get(msg->name_index_, name, len);
  /* Loaded without a name index (EVS_LOAD_NO_NAME_INDEX). The load refused any key naming two fields, so
   * the first match is the only one. */
  for (size_t i = 0; i < msg->n_fields; i++) {
    const evs_field *f = &msg->fields[i];
    if (names(f->name, name, len) || names(f->json_name, name, len)) return f;
  }
  return NULL;
}

const evs_field *evs_message_field_by_number(const evs_message *msg, uint32_t number) {
  if (!msg) return NULL;
  size_t lo = 0, hi = msg->n_fields;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (msg->fields[mid].number < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < msg->n_fields && msg->fields[lo].number == number ? &msg->fields[lo] : NULL;
}

const evs_enum_value *evs_enum_value_by_name(const evs_enum *e, const char *name, size_t len) {
  if (!e || !name || !e->name_index_) return NULL;
  return evs_hmap_get(e->name_index_, name, len);
}

const evs_enum_value *evs_enum_value_by_number(const evs_enum *e, int32_t number) {
  if (!e) return NULL;
  size_t lo = 0, hi = e->n_by_number;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e->by_number[mid]->number < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < e->n_by_number && e->by_number[lo]->number == number ? e->by_number[lo] : NULL;
}
