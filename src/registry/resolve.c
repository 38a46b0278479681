/* Checks and links a batch's views: symbol names, imports, field numbers and types, oneofs, JSON names,
 * map entries, enum values. Every error names the declaration and its file:line:col. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_NUMBER_MAX 0x1fffffff
#define RESERVED_FIRST 19000 /* 19000..19999 belong to the protobuf implementation */
#define RESERVED_LAST 19999

static evs_status nomem(evs_batch *b) {
  return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
}

static const evs_file *file_of_symbol(const evs_batch *b, const char *full_name) {
  size_t len = strlen(full_name);
  const evs_message *m = evs_batch_find_message(b, full_name, len);
  if (m) return m->file;
  const evs_enum *e = evs_batch_find_enum(b, full_name, len);
  return e ? e->file : NULL;
}

static evs_status define_symbol(evs_batch *b, const char *kind, const char *full_name,
                                const evs_source_info *src, evs_hmap *table, const void *view) {
  size_t len = strlen(full_name);
  if (evs_batch_find_message(b, full_name, len) || evs_batch_find_enum(b, full_name, len)) {
    /* Both definitions by file and by input: the two may come from different sets (a user's set and the
     * builtin catalog). */
    const evs_file *first = file_of_symbol(b, full_name);
    return evs_batch_fail(b, src, EVS_ERR_DUPLICATE,
                          "%s %s is defined again (first defined in %s from %s; again from %s)", kind,
                          full_name, first ? first->name : "?", first ? first->origin : "?", b->origin);
  }
  if (!evs_hmap_reserve(table, 1)) return nomem(b);
  evs_hmap_put(table, full_name, len, view);
  return EVS_OK;
}

static evs_status define_symbols(evs_batch *b) {
  evs_status st;
  for (size_t i = 0; i < b->new_files.n; i++) {
    const evs_file *f = b->new_files.v[i];
    evs_source_info at = {.file = f->name};
    if (*f->package && !evs_is_dotted_identifier(f->package))
      return evs_batch_fail(b, &at, EVS_ERR_DESCRIPTOR, "file %s has an invalid package name \"%.80s\"",
                            f->name, f->package);
  }
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    const evs_message *m = b->new_msgs.v[i];
    if (!evs_is_identifier(m->name))
      return evs_batch_fail(b, &m->src, EVS_ERR_DESCRIPTOR, "invalid message name \"%.80s\"", m->name);
    if ((st = define_symbol(b, "message", m->full_name, &m->src, &b->messages, m))) return st;
  }
  for (size_t i = 0; i < b->new_enums.n; i++) {
    const evs_enum *e = b->new_enums.v[i];
    if (!evs_is_identifier(e->name))
      return evs_batch_fail(b, &e->src, EVS_ERR_DESCRIPTOR, "invalid enum name \"%.80s\"", e->name);
    if ((st = define_symbol(b, "enum", e->full_name, &e->src, &b->enums, e))) return st;
  }
  return EVS_OK;
}

static evs_status link_deps(evs_batch *b) {
  for (size_t i = 0; i < b->new_files.n; i++) {
    evs_file *f = b->new_files.v[i];
    const Google__Protobuf__FileDescriptorProto *fd = f->proto;
    const evs_file **deps = evs_arena_calloc(b->pool, fd->n_dependency, sizeof *deps);
    if (!deps && fd->n_dependency) return nomem(b);
    for (size_t k = 0; k < fd->n_dependency; k++) {
      const char *name = fd->dependency[k] ? fd->dependency[k] : "";
      deps[k] = evs_batch_find_file(b, name);
      if (!deps[k]) {
        evs_source_info at = {.file = f->name};
        return evs_batch_fail(
            b, &at, EVS_ERR_DESCRIPTOR,
            "file %s imports %s, which is not loaded (load a set that contains it first, or "
            "build the set with --include_imports)",
            f->name, name);
      }
    }
    f->deps = deps;
    f->n_deps = fd->n_dependency;
  }
  return EVS_OK;
}

evs_status evs_resolve_type_name(evs_batch *b, const evs_source_info *src, const char *what, const char *tn,
                                 bool want_enum, const evs_message **msg, const evs_enum **enm) {
  if (!tn || tn[0] != '.')
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "%s: type name \"%.80s\" is not fully qualified", what,
                          tn ? tn : "");
  size_t len = strlen(tn + 1);
  const evs_message *m = want_enum ? NULL : evs_batch_find_message(b, tn + 1, len);
  const evs_enum *e = want_enum ? evs_batch_find_enum(b, tn + 1, len) : NULL;
  if (!m && !e)
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "%s: unknown %s type %s (in %s)", what,
                          want_enum ? "enum" : "message", tn, src && src->file ? src->file : "?");
  if (msg) *msg = m;
  if (enm) *enm = e;
  return EVS_OK;
}

static evs_status resolve_type(evs_batch *b, evs_field *f) {
  bool wants_enum = f->type == EVS_TYPE_ENUM;
  bool wants_msg = f->type == EVS_TYPE_MESSAGE || f->type == EVS_TYPE_GROUP;
  if (!wants_enum && !wants_msg) return EVS_OK;
  /* "field %.280s", without printf's cost for every typed field */
  char what[300] = "field ";
  size_t n = strnlen(f->full_name, 280);
  memcpy(what + 6, f->full_name, n);
  what[6 + n] = '\0';
  return evs_resolve_type_name(b, &f->src, what, f->proto->type_name, wants_enum, &f->message_type,
                               &f->enum_type);
}

evs_status evs_check_field_decl(evs_batch *b, const evs_source_info *src, const char *full_name,
                                const Google__Protobuf__FieldDescriptorProto *fd,
                                const evs_type_traits **traits) {
  if (!fd->has_number || fd->number < 1 || fd->number > FIELD_NUMBER_MAX)
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "field %s: number %d is outside 1..%d", full_name,
                          fd->has_number ? fd->number : 0, FIELD_NUMBER_MAX);
  if (fd->number >= RESERVED_FIRST && fd->number <= RESERVED_LAST)
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR,
                          "field %s: number %d is in 19000..19999, reserved for the protobuf implementation",
                          full_name, fd->number);
  if (!fd->has_label || fd->label < 1 || fd->label > 3)
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "field %s has no valid label", full_name);
  *traits = fd->has_type ? evs_type_traits_of((int)fd->type) : NULL;
  if (!*traits) return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "field %s has no valid type", full_name);
  return EVS_OK;
}

static evs_status check_field(evs_batch *b, evs_field *f) {
  const Google__Protobuf__FieldDescriptorProto *fd = f->proto;
  const evs_message *m = f->parent;
  if (!evs_is_identifier(f->name))
    return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR, "message %s: invalid field name \"%.80s\"",
                          m->full_name, f->name);
  evs_status st = evs_check_field_decl(b, &f->src, f->full_name, fd, &f->traits);
  if (st) return st;
  f->label = (evs_label)fd->label;
  f->type = f->traits->type;
  if (!*f->json_name)
    return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR, "field %s has an empty json_name", f->full_name);
  if ((st = resolve_type(b, f))) return st;
  f->is_repeated = f->label == EVS_LABEL_REPEATED;
  if (fd->has_oneof_index) {
    if (fd->oneof_index < 0 || (size_t)fd->oneof_index >= m->n_oneofs || f->is_repeated)
      return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR, "field %s: invalid oneof index %d", f->full_name,
                            fd->oneof_index);
    f->oneof = &m->oneofs[fd->oneof_index];
  }
  f->proto3_optional = fd->has_proto3_optional && fd->proto3_optional;
  if (f->proto3_optional && !f->oneof)
    return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR, "field %s is proto3 optional but in no oneof",
                          f->full_name);
  if (f->is_repeated) {
    bool packed_opt = fd->options && fd->options->has_packed;
    f->is_packed =
        f->traits->packable && (packed_opt ? fd->options->packed : m->file->syntax == EVS_SYNTAX_PROTO3);
  } else {
    f->has_presence = f->oneof || f->message_type || m->file->syntax == EVS_SYNTAX_PROTO2;
  }
  if (f->number && f->index > 0 && m->fields[f->index - 1].number == f->number)
    return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR, "field %s reuses number %u of field %s",
                          f->full_name, f->number, m->fields[f->index - 1].name);
  return EVS_OK;
}

static evs_status check_oneof(evs_batch *b, const evs_message *m, evs_oneof *o, size_t *n_real) {
  if (!evs_is_identifier(o->name))
    return evs_batch_fail(b, &o->src, EVS_ERR_DESCRIPTOR, "message %s: invalid oneof name \"%.80s\"",
                          m->full_name, o->name);
  if (o->n_fields == 0)
    return evs_batch_fail(b, &o->src, EVS_ERR_DESCRIPTOR, "oneof %s.%s has no fields", m->full_name, o->name);
  o->synthetic = o->fields[0]->proto3_optional;
  if (o->synthetic && o->n_fields != 1)
    return evs_batch_fail(b, &o->src, EVS_ERR_DESCRIPTOR, "synthetic oneof %s.%s holds %zu fields",
                          m->full_name, o->name, o->n_fields);
  if (!o->synthetic && (*n_real)++ != o->index)
    return evs_batch_fail(b, &o->src, EVS_ERR_DESCRIPTOR, "oneof %s.%s comes after a synthetic oneof",
                          m->full_name, o->name);
  for (size_t i = 0; i < o->n_fields; i++)
    if (o->fields[i]->proto3_optional != o->synthetic)
      return evs_batch_fail(b, &o->fields[i]->src, EVS_ERR_DESCRIPTOR,
                            "field %s: proto3 optional fields must be alone in their oneof",
                            o->fields[i]->full_name);
  return EVS_OK;
}

/* Members of all oneofs share one array, each oneof a slice of it: one pass over the fields. */
static evs_status link_oneofs(evs_batch *b, evs_message *m) {
  evs_oneof *oneofs = evs_writable(m->oneofs);
  size_t n_members = 0;
  for (size_t i = 0; i < m->n_fields; i++)
    if (m->fields[i].oneof) {
      evs_oneof *o = evs_writable(m->fields[i].oneof);
      o->n_fields++;
      n_members++;
    }
  const evs_field **members = evs_arena_calloc(b->pool, n_members, sizeof *members);
  if (!members && n_members) return nomem(b);
  size_t start = 0;
  for (size_t k = 0; k < m->n_oneofs; k++) {
    oneofs[k].fields = members + start;
    start += oneofs[k].n_fields;
    oneofs[k].n_fields = 0; /* refilled below, as the cursor into the slice */
  }
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    if (!f->oneof) continue;
    evs_oneof *o = evs_writable(f->oneof);
    members[o->fields - members + (ptrdiff_t)o->n_fields++] = f;
  }
  size_t n_real = 0;
  for (size_t k = 0; k < m->n_oneofs; k++) {
    evs_status st = check_oneof(b, m, &oneofs[k], &n_real);
    if (st) return st;
  }
  m->n_real_oneofs = n_real;
  return EVS_OK;
}

/* Proto names and JSON names share one index, since a ProtoJSON reader accepts either: any key naming two
 * different fields would make input ambiguous (protoc 3.21 lets duplicate custom json_names through). */
static evs_status index_field_names(evs_batch *b, evs_message *m) {
  /* Sized for the keys it will hold: a JSON name equal to the proto name is one key, not two (a large
   * schema has thousands of these indexes, and their pages are a good part of its load time). */
  size_t n_keys = m->n_fields;
  for (size_t i = 0; i < m->n_fields; i++) n_keys += strcmp(m->fields[i].json_name, m->fields[i].name) != 0;
  size_t cap = evs_hmap_fixed_cap(n_keys);
  evs_hmap scratch, *index;
  evs_hslot *slots;
  if (b->flags & EVS_LOAD_NO_NAME_INDEX) {
    /* Nobody will look names up: check them in one reused table instead of a kept one per message. */
    if (cap > b->cap_name_scratch) {
      evs_hslot *more = evs_realloc(b->name_scratch, cap * sizeof *more);
      if (!more) return nomem(b);
      b->name_scratch = more;
      b->cap_name_scratch = cap;
    }
    slots = b->name_scratch;
    memset(slots, 0, cap * sizeof *slots);
    index = &scratch;
  } else {
    slots = evs_arena_calloc(b->pool, cap, sizeof *slots);
    index = evs_arena_calloc(b->pool, 1, sizeof *index);
    if (!slots || !index) return nomem(b);
  }
  evs_hmap_init_fixed(index, slots, cap);
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    const evs_field *old = evs_hmap_put(index, f->name, strlen(f->name), f);
    if (old)
      return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR, "message %s: field name %s is used twice",
                            m->full_name, f->name);
  }
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    const evs_field *old = evs_hmap_put(index, f->json_name, strlen(f->json_name), f);
    if (old && old != f)
      return evs_batch_fail(b, &f->src, EVS_ERR_DESCRIPTOR,
                            "field %s: JSON name \"%s\" collides with field %s", f->full_name, f->json_name,
                            old->name);
  }
  if (index != &scratch) m->name_index_ = index;
  return EVS_OK;
}

static evs_status check_map_entry(evs_batch *b, const evs_message *m) {
  const evs_field *k = m->n_fields == 2 ? &m->fields[0] : NULL;
  const evs_field *v = m->n_fields == 2 ? &m->fields[1] : NULL;
  if (!k || k->number != 1 || v->number != 2 || strcmp(k->name, "key") != 0 ||
      strcmp(v->name, "value") != 0 || k->is_repeated || v->is_repeated || !k->traits->is_map_key_ok ||
      v->type == EVS_TYPE_GROUP || m->n_oneofs)
    return evs_batch_fail(
        b, &m->src, EVS_ERR_DESCRIPTOR,
        "map entry %s must hold exactly `key = 1` (integer, bool or string) and `value = 2`", m->full_name);
  return EVS_OK;
}

static evs_status resolve_message(evs_batch *b, evs_message *m) {
  evs_status st;
  for (size_t i = 0; i < m->n_fields; i++)
    if ((st = check_field(b, evs_writable(&m->fields[i])))) return st;
  if ((st = link_oneofs(b, m))) return st;
  return index_field_names(b, m);
}

/* Needs every message resolved: map_entry of the entry type, and the entry's location. */
static evs_status finish_maps(evs_batch *b, evs_message *m) {
  evs_status st;
  if (m->map_entry && (st = check_map_entry(b, m))) return st;
  for (size_t i = 0; i < m->n_fields; i++) {
    evs_field *f = evs_writable(&m->fields[i]);
    f->is_map = f->is_repeated && f->type == EVS_TYPE_MESSAGE && f->message_type->map_entry;
    evs_message *entry = evs_writable(f->message_type);
    /* Synthesized entries have no location: they (and their key/value) take the map field's. Only
     * entries built in this batch are still writable. */
    if (f->is_map && entry->file == m->file && !entry->src.line) {
      entry->src = f->src;
      for (size_t k = 0; k < entry->n_fields; k++) {
        evs_field *kf = evs_writable(&entry->fields[k]);
        evs_source_info *ks = &kf->src;
        if (!ks->line)
          *ks = (evs_source_info){f->src.file,    f->src.line, f->src.col, f->src.end_line,
                                  f->src.end_col, NULL,        NULL};
      }
    }
  }
  return EVS_OK;
}

static int cmp_value_number(const void *pa, const void *pb) {
  const evs_enum_value *a = *(const evs_enum_value *const *)pa, *b = *(const evs_enum_value *const *)pb;
  if (a->number != b->number) return a->number < b->number ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static evs_status resolve_enum(evs_batch *b, evs_enum *e) {
  if (!e->n_values)
    return evs_batch_fail(b, &e->src, EVS_ERR_DESCRIPTOR, "enum %s has no values", e->full_name);
  if (e->file->syntax == EVS_SYNTAX_PROTO3 && e->values[0].number != 0)
    return evs_batch_fail(b, &e->values[0].src, EVS_ERR_DESCRIPTOR,
                          "enum %s: the first value of a proto3 enum must be 0", e->full_name);
  size_t cap = evs_hmap_fixed_cap(e->n_values);
  evs_hslot *slots = evs_arena_calloc(b->pool, cap, sizeof *slots);
  evs_hmap *index = evs_arena_calloc(b->pool, 1, sizeof *index);
  const evs_enum_value **sorted = evs_arena_calloc(b->pool, e->n_values, sizeof *sorted);
  if (!slots || !index || !sorted) return nomem(b);
  evs_hmap_init_fixed(index, slots, cap);
  for (size_t i = 0; i < e->n_values; i++) {
    const evs_enum_value *v = &e->values[i];
    if (!evs_is_identifier(v->name))
      return evs_batch_fail(b, &v->src, EVS_ERR_DESCRIPTOR, "enum %s: invalid value name \"%.80s\"",
                            e->full_name, v->name);
    if (evs_hmap_put(index, v->name, strlen(v->name), v))
      return evs_batch_fail(b, &v->src, EVS_ERR_DESCRIPTOR, "enum %s: value name %s is used twice",
                            e->full_name, v->name);
    sorted[i] = v;
  }
  qsort(sorted, e->n_values, sizeof *sorted, cmp_value_number);
  size_t n = 0;
  for (size_t i = 0; i < e->n_values; i++) {
    evs_enum_value *v = evs_writable(sorted[i]);
    if (n && sorted[n - 1]->number == v->number) {
      if (!e->allow_alias)
        return evs_batch_fail(
            b, &v->src, EVS_ERR_DESCRIPTOR,
            "enum %s: value %s reuses number %d of %s (set allow_alias to make it an alias)", e->full_name,
            v->name, (int)v->number, sorted[n - 1]->name);
      v->canonical = sorted[n - 1];
    } else {
      sorted[n++] = v;
    }
  }
  e->by_number = sorted;
  e->n_by_number = n;
  e->name_index_ = index;
  return EVS_OK;
}

evs_status evs_resolve_files(evs_batch *b) {
  evs_status st;
  if ((st = define_symbols(b)) || (st = link_deps(b))) return st;
  for (size_t i = 0; i < b->new_enums.n; i++)
    if ((st = resolve_enum(b, b->new_enums.v[i]))) return st;
  for (size_t i = 0; i < b->new_msgs.n; i++)
    if ((st = resolve_message(b, b->new_msgs.v[i]))) return st;
  for (size_t i = 0; i < b->new_msgs.n; i++)
    if ((st = finish_maps(b, b->new_msgs.v[i]))) return st;
  return evs_check_services_extensions(b);
}
