/* SourceCodeInfo -> views: each location's path is walked once through the file's views (paths are
 * field-number/index pairs from the FileDescriptorProto root, protoc-descriptors.md §2), so applying all
 * locations costs O(locations x path length) with no path table. */
#include "registry/registry_internal.h"

#include <string.h>

typedef enum el_kind { EL_FILE, EL_MESSAGE, EL_FIELD, EL_ONEOF, EL_ENUM, EL_VALUE } el_kind;

typedef struct el_ref {
  el_kind kind;
  const void *p;
  size_t consumed; /* path elements walked */
} el_ref;

static el_ref navigate(const evs_file *file, const int32_t *path, size_t n) {
  el_ref cur = {EL_FILE, file, 0};
  size_t i = 0;
  while (i + 1 < n) {
    int32_t step = path[i], idx = path[i + 1];
    if (idx < 0) break;
    size_t k = (size_t)idx;
    el_ref next = {EL_FILE, NULL, 0};
    if (cur.kind == EL_FILE) {
      const evs_file *f = cur.p;
      if (step == 4 && k < f->n_messages) next = (el_ref){EL_MESSAGE, f->messages[k], 0};
      if (step == 5 && k < f->n_enums) next = (el_ref){EL_ENUM, f->enums[k], 0};
    } else if (cur.kind == EL_MESSAGE) {
      const evs_message *m = cur.p;
      if (step == 2 && k < m->n_fields) next = (el_ref){EL_FIELD, m->decl_fields[k], 0};
      if (step == 3 && k < m->n_nested) next = (el_ref){EL_MESSAGE, m->nested[k], 0};
      if (step == 4 && k < m->n_enums) next = (el_ref){EL_ENUM, m->enums[k], 0};
      if (step == 8 && k < m->n_oneofs) next = (el_ref){EL_ONEOF, &m->oneofs[k], 0};
    } else if (cur.kind == EL_ENUM) {
      const evs_enum *e = cur.p;
      if (step == 2 && k < e->n_values) next = (el_ref){EL_VALUE, &e->values[k], 0};
    }
    if (!next.p) break;
    cur = next;
    i += 2;
  }
  cur.consumed = i;
  return cur;
}

static evs_source_info *src_of(el_ref r) {
  switch (r.kind) {
    case EL_MESSAGE:
      return &((evs_message *)evs_writable(r.p))->src;
    case EL_FIELD:
      return &((evs_field *)evs_writable(r.p))->src;
    case EL_ONEOF:
      return &((evs_oneof *)evs_writable(r.p))->src;
    case EL_ENUM:
      return &((evs_enum *)evs_writable(r.p))->src;
    case EL_VALUE:
      return &((evs_enum_value *)evs_writable(r.p))->src;
    case EL_FILE:
      break;
  }
  return NULL;
}

static bool trim_into(evs_pool *pool, const char *text, const char **out) {
  *out = evs_trim_comment(pool, text);
  if (*out) return true;
  /* NULL also means "blank": only an allocation failure if there was text to keep. */
  for (const char *p = text; p && *p; p++)
    if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') return false;
  return true;
}

evs_status evs_srcinfo_apply(evs_batch *b, evs_file *file, const Google__Protobuf__FileDescriptorProto *fd) {
  const Google__Protobuf__SourceCodeInfo *sci = fd->source_code_info;
  if (!sci) return EVS_OK;
  for (size_t i = 0; i < sci->n_location; i++) {
    const Google__Protobuf__SourceCodeInfo__Location *loc = sci->location[i];
    if (!loc->n_path || (loc->n_span != 3 && loc->n_span != 4)) continue;
    el_ref r = navigate(file, loc->path, loc->n_path);
    evs_source_info *src = r.consumed == loc->n_path ? src_of(r) : NULL;
    if (!src || src->line) continue; /* several locations may share a path: the first one wins */
    const int32_t *sp = loc->span;
    int32_t end_line = loc->n_span == 4 ? sp[2] : sp[0];
    int32_t end_col = loc->n_span == 4 ? sp[3] : sp[2];
    if (sp[0] < 0 || sp[1] < 0 || end_line < 0 || end_col < 0 || sp[0] == INT32_MAX || sp[1] == INT32_MAX ||
        end_line == INT32_MAX || end_col == INT32_MAX)
      continue;
    src->line = (uint32_t)sp[0] + 1;
    src->col = (uint32_t)sp[1] + 1;
    src->end_line = (uint32_t)end_line + 1;
    src->end_col = (uint32_t)end_col + 1;
    if (!trim_into(b->pool, loc->leading_comments, &src->leading_comment) ||
        !trim_into(b->pool, loc->trailing_comments, &src->trailing_comment))
      return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  }
  return EVS_OK;
}

static const char *kind_name(el_kind k) {
  switch (k) {
    case EL_MESSAGE:
      return "message";
    case EL_FIELD:
      return "field";
    case EL_ONEOF:
      return "oneof";
    case EL_ENUM:
      return "enum";
    case EL_VALUE:
      return "enum value";
    case EL_FILE:
      break;
  }
  return "file";
}

static const char *el_name(el_ref r) {
  switch (r.kind) {
    case EL_MESSAGE:
      return ((const evs_message *)r.p)->full_name;
    case EL_FIELD:
      return ((const evs_field *)r.p)->full_name;
    case EL_ONEOF:
      return ((const evs_oneof *)r.p)->name;
    case EL_ENUM:
      return ((const evs_enum *)r.p)->full_name;
    case EL_VALUE:
      return ((const evs_enum_value *)r.p)->name;
    case EL_FILE:
      break;
  }
  return ((const evs_file *)r.p)->name;
}

evs_status evs_srcinfo_report_nul(evs_batch *b) {
  const evs_wire_scan *s = &b->scan;
  if (!s->nul_found) return EVS_OK;
  /* Path from the set root: [1 (file), index, ...rest as in SourceCodeInfo]. */
  const evs_file *file = NULL;
  if (s->nul_path_len >= 2 && s->nul_path[0] == 1 && s->nul_path[1] >= 0 &&
      (size_t)s->nul_path[1] < b->set->n_file) {
    const char *fname = b->set->file[s->nul_path[1]]->name;
    if (fname) file = evs_batch_find_file(b, fname);
  }
  if (!file)
    return evs_batch_fail(b, NULL, EVS_ERR_DESCRIPTOR,
                          "a string in the descriptor set contains a NUL byte (offset %zu)", s->nul_offset);
  el_ref r = navigate(file, s->nul_path + 2, s->nul_path_len - 2);
  const int32_t *tail = s->nul_path + 2 + r.consumed;
  size_t n_tail = s->nul_path_len - 2 - r.consumed;
  evs_source_info at = {.file = file->name};
  const evs_source_info *src = src_of(r);
  if (!src) src = &at;
  if (r.kind == EL_FIELD && n_tail == 1 && tail[0] == 10)
    return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "json_name of field %s contains a NUL byte",
                          el_name(r));
  return evs_batch_fail(b, src, EVS_ERR_DESCRIPTOR, "a name or string in %s %s contains a NUL byte",
                        kind_name(r.kind), el_name(r));
}
