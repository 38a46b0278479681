/* Turns the unpacked FileDescriptorSet of a batch into views (structure only: names, numbers, nesting).
 * Nothing here judges the schema; resolve.c does, once source locations are known for its messages. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include <stdlib.h>
#include <string.h>

static evs_status nomem(evs_batch *b) {
  return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
}

static const char *join_name(evs_arena *pool, const char *scope, const char *name) {
  if (!scope || !*scope) return evs_arena_strndup(pool, name, strlen(name));
  /* memcpy, not printf: this runs once per message, field and enum of every set. */
  size_t ls = strlen(scope), ln = strlen(name);
  if (ls > SIZE_MAX - ln - 2) return NULL;
  char *p = evs_arena_alloc_chars(pool, ls + ln + 2);
  if (!p) return NULL;
  memcpy(p, scope, ls);
  p[ls] = '.';
  memcpy(p + ls + 1, name, ln);
  p[ls + ln + 1] = '\0';
  return p;
}

static void set_file(evs_source_info *src, const evs_file *file) {
  src->file = file->name;
}

static evs_status build_enum(evs_batch *b, evs_file *file, evs_message *parent, const char *scope,
                             const Google__Protobuf__EnumDescriptorProto *ed, evs_enum **out) {
  evs_enum *e = evs_arena_calloc(b->pool, 1, sizeof *e);
  if (!e) return nomem(b);
  e->name = ed->name ? ed->name : "";
  e->full_name = join_name(b->pool, scope, e->name);
  if (!e->full_name) return nomem(b);
  e->file = file;
  e->parent = parent;
  e->proto = ed;
  e->closed = file->syntax == EVS_SYNTAX_PROTO2;
  if (ed->options) {
    e->allow_alias = ed->options->has_allow_alias && ed->options->allow_alias;
    e->deprecated = ed->options->has_deprecated && ed->options->deprecated;
  }
  if (strcmp(e->full_name, "google.protobuf.NullValue") == 0) e->wkt = EVS_WKT_NULL_VALUE;
  set_file(&e->src, file);
  evs_enum_value *values = evs_arena_calloc(b->pool, ed->n_value, sizeof *values);
  if (!values && ed->n_value) return nomem(b);
  for (size_t i = 0; i < ed->n_value; i++) {
    const Google__Protobuf__EnumValueDescriptorProto *vd = ed->value[i];
    evs_enum_value *v = &values[i];
    v->name = vd->name ? vd->name : "";
    v->number = vd->has_number ? vd->number : 0;
    v->parent = e;
    v->index = (uint32_t)i;
    v->canonical = v;
    v->deprecated = vd->options && vd->options->has_deprecated && vd->options->deprecated;
    v->proto = vd;
    set_file(&v->src, file);
  }
  e->values = values;
  e->n_values = ed->n_value;
  if (!evs_ptrvec_push(&b->new_enums, e)) return nomem(b);
  *out = e;
  return EVS_OK;
}

static int cmp_field_number(const void *pa, const void *pb) {
  const evs_field *a = pa, *b = pb;
  if (a->number != b->number) return a->number < b->number ? -1 : 1;
  return a->decl_index < b->decl_index ? -1 : a->decl_index > b->decl_index;
}

static evs_status build_fields(evs_batch *b, evs_message *m, const Google__Protobuf__DescriptorProto *dp) {
  size_t n = dp->n_field;
  evs_field *fields = evs_arena_calloc(b->pool, n, sizeof *fields);
  const evs_field **decl = evs_arena_calloc(b->pool, n, sizeof *decl);
  if (n && (!fields || !decl)) return nomem(b);
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__FieldDescriptorProto *fd = dp->field[i];
    evs_field *f = &fields[i];
    f->name = fd->name ? fd->name : "";
    f->full_name = join_name(b->pool, m->full_name, f->name);
    f->json_name = fd->json_name ? fd->json_name : evs_default_json_name(b->pool, f->name);
    if (!f->full_name || !f->json_name) return nomem(b);
    if (fd->json_name) f->has_custom_json_name = !evs_is_default_json_name(f->name, fd->json_name);
    f->parent = m;
    f->number = fd->has_number && fd->number > 0 ? (uint32_t)fd->number : 0;
    f->decl_index = (uint32_t)i;
    f->proto = fd;
    f->default_value = fd->default_value;
    f->deprecated = fd->options && fd->options->has_deprecated && fd->options->deprecated;
    set_file(&f->src, m->file);
  }
  /* Most messages declare their fields in number order: then the (stable) sort would change nothing. */
  size_t sorted = 1;
  while (sorted < n && cmp_field_number(&fields[sorted - 1], &fields[sorted]) < 0) sorted++;
  if (sorted < n) qsort(fields, n, sizeof *fields, cmp_field_number);
  for (size_t i = 0; i < n; i++) {
    fields[i].index = (uint32_t)i;
    decl[fields[i].decl_index] = &fields[i];
  }
  m->fields = fields;
  m->decl_fields = decl;
  m->n_fields = n;
  return EVS_OK;
}

static evs_status build_message(evs_batch *b, evs_file *file, evs_message *parent, const char *scope,
                                const Google__Protobuf__DescriptorProto *dp, evs_message **out) {
  evs_message *m = evs_arena_calloc(b->pool, 1, sizeof *m);
  if (!m) return nomem(b);
  m->name = dp->name ? dp->name : "";
  m->full_name = join_name(b->pool, scope, m->name);
  if (!m->full_name) return nomem(b);
  m->file = file;
  m->parent = parent;
  m->proto = dp;
  m->wkt = evs_wkt_of_message(m->full_name);
  if (dp->options) {
    m->map_entry = dp->options->has_map_entry && dp->options->map_entry;
    m->deprecated = dp->options->has_deprecated && dp->options->deprecated;
  }
  set_file(&m->src, file);
  if (!evs_ptrvec_push(&b->new_msgs, m)) return nomem(b);
  evs_status st = build_fields(b, m, dp);
  if (st) return st;

  evs_oneof *oneofs = evs_arena_calloc(b->pool, dp->n_oneof_decl, sizeof *oneofs);
  if (!oneofs && dp->n_oneof_decl) return nomem(b);
  for (size_t i = 0; i < dp->n_oneof_decl; i++) {
    oneofs[i].name = dp->oneof_decl[i]->name ? dp->oneof_decl[i]->name : "";
    oneofs[i].parent = m;
    oneofs[i].index = (uint32_t)i;
    oneofs[i].proto = dp->oneof_decl[i];
    set_file(&oneofs[i].src, file);
  }
  m->oneofs = oneofs;
  m->n_oneofs = m->n_real_oneofs = dp->n_oneof_decl;

  const evs_message **nested = evs_arena_calloc(b->pool, dp->n_nested_type, sizeof *nested);
  const evs_enum **enums = evs_arena_calloc(b->pool, dp->n_enum_type, sizeof *enums);
  if ((!nested && dp->n_nested_type) || (!enums && dp->n_enum_type)) return nomem(b);
  /* Recursion depth is bounded: the wire scan refused sets nested deeper than EVS_REGISTRY_MAX_DEPTH. */
  for (size_t i = 0; i < dp->n_nested_type; i++) {
    evs_message *sub;
    if ((st = build_message(b, file, m, m->full_name, dp->nested_type[i], &sub))) return st;
    nested[i] = sub;
  }
  for (size_t i = 0; i < dp->n_enum_type; i++) {
    evs_enum *sub;
    if ((st = build_enum(b, file, m, m->full_name, dp->enum_type[i], &sub))) return st;
    enums[i] = sub;
  }
  m->nested = nested;
  m->n_nested = dp->n_nested_type;
  m->enums = enums;
  m->n_enums = dp->n_enum_type;
  *out = m;
  return EVS_OK;
}

static evs_status build_file(evs_batch *b, const Google__Protobuf__FileDescriptorProto *fd) {
  evs_file *file = evs_arena_calloc(b->pool, 1, sizeof *file);
  if (!file) return nomem(b);
  file->name = fd->name;
  file->package = fd->package ? fd->package : "";
  file->origin = b->origin;
  file->proto = fd;
  if (!fd->syntax || !*fd->syntax || strcmp(fd->syntax, "proto2") == 0) {
    file->syntax = EVS_SYNTAX_PROTO2;
  } else if (strcmp(fd->syntax, "proto3") == 0) {
    file->syntax = EVS_SYNTAX_PROTO3;
  } else {
    evs_source_info at = {.file = fd->name};
    return evs_batch_fail(b, &at, EVS_ERR_UNSUPPORTED,
                          "file %s has syntax \"%.40s\"; evs reads proto2 and proto3", fd->name, fd->syntax);
  }
  if (!evs_hmap_reserve(&b->files, 1) || !evs_ptrvec_push(&b->new_files, file)) return nomem(b);
  evs_hmap_put(&b->files, file->name, strlen(file->name), file);

  const evs_message **messages = evs_arena_calloc(b->pool, fd->n_message_type, sizeof *messages);
  const evs_enum **enums = evs_arena_calloc(b->pool, fd->n_enum_type, sizeof *enums);
  if ((!messages && fd->n_message_type) || (!enums && fd->n_enum_type)) return nomem(b);
  evs_status st;
  for (size_t i = 0; i < fd->n_message_type; i++) {
    evs_message *m;
    if ((st = build_message(b, file, NULL, file->package, fd->message_type[i], &m))) return st;
    messages[i] = m;
  }
  for (size_t i = 0; i < fd->n_enum_type; i++) {
    evs_enum *e;
    if ((st = build_enum(b, file, NULL, file->package, fd->enum_type[i], &e))) return st;
    enums[i] = e;
  }
  file->messages = messages;
  file->n_messages = fd->n_message_type;
  file->enums = enums;
  file->n_enums = fd->n_enum_type;
  return EVS_OK;
}

/* Whether two definitions of one file name say the same thing. Source info is not compared (the registry
 * keeps none in the protos: one input may carry it and another not), everything else is, options and
 * unknown fields included: protobuf-c packs fields in number order, so equal messages pack to equal
 * bytes. -1 when out of memory. */
static int same_file(const Google__Protobuf__FileDescriptorProto *a,
                     const Google__Protobuf__FileDescriptorProto *b) {
  size_t na = protobuf_c_message_get_packed_size(&a->base), nb = protobuf_c_message_get_packed_size(&b->base);
  if (na != nb) return 0;
  uint8_t *pa = evs_malloc(na ? na : 1), *pb = evs_malloc(nb ? nb : 1);
  int same = -1;
  if (pa && pb) {
    protobuf_c_message_pack(&a->base, pa);
    protobuf_c_message_pack(&b->base, pb);
    same = memcmp(pa, pb, na) == 0;
  }
  evs_free(pa);
  evs_free(pb);
  return same;
}

evs_status evs_build_files(evs_batch *b) {
  for (size_t i = 0; i < b->set->n_file; i++) {
    const Google__Protobuf__FileDescriptorProto *fd = b->set->file[i];
    if (!fd->name || !*fd->name)
      return evs_batch_fail(b, NULL, EVS_ERR_DESCRIPTOR, "file #%zu of the set has no name", i + 1);
    /* Already known (from an earlier set or earlier in this one): an identical copy is the same file (sets
     * that each include google/protobuf/timestamp.proto combine); a different one is never silently
     * dropped, since which of the two a reader then used would depend on load order. */
    const evs_file *known = evs_batch_find_file(b, fd->name);
    if (known) {
      int same = same_file(known->proto, fd);
      if (same < 0) return nomem(b);
      if (same) continue;
      return evs_batch_fail(b, NULL, EVS_ERR_DUPLICATE,
                            "file %s from %s differs from the one loaded before from %s: two different "
                            "definitions of one file; load only one of them",
                            fd->name, b->origin, known->origin);
    }
    evs_status st = build_file(b, fd);
    if (!st) st = evs_srcinfo_apply(b, (evs_file *)b->new_files.v[b->new_files.n - 1], i);
    if (st) return st;
  }
  return EVS_OK;
}
