/* SourceCodeInfo -> views, read straight from the wire bytes.
 *
 * protoc writes one Location per declaration and four or five more per field (name, number, type,
 * label): 70 % of a large set's bytes. Unpacked by protobuf-c that is hundreds of thousands of small
 * objects, most of them never read. So the set is split before the unpack (evs_srcinfo_split): protobuf-c
 * sees it without SourceCodeInfo, and each file's locations are parsed here from the original bytes. A
 * location whose path names a declaration with a view (message, field, oneof, enum, enum value) fills that
 * view's src; the other declarations (package, syntax, services, methods, reserved ranges, extensions,
 * options) are kept per file for evs_file_location; name/number/type spans are dropped. Each path is walked
 * once through the views (paths are field-number/index pairs from the FileDescriptorProto root,
 * protoc-descriptors.md §2): O(locations x path length), no path table. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include "base/grow_internal.h"

#include <stdlib.h>
#include <string.h>

#define LOC_PATH_MAX 64 /* deeper paths (nesting beyond 30 levels) name nothing kept: skipped */

/* ---- wire reading (the bytes passed the scan: a failure here only means "stop") ---- */

static bool rd_varint_long(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    uint8_t c = *(*p)++;
    r |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

/* Tags, lengths, path elements and span numbers mostly fit in one byte. */
static inline bool rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  if (*p < end && **p < 0x80) {
    *v = *(*p)++;
    return true;
  }
  return rd_varint_long(p, end, v);
}

typedef struct wfield {
  uint32_t number, wt;
  uint64_t value; /* varint fields */
  const uint8_t *start, *data;
  size_t len; /* LEN fields */
} wfield;

static inline bool next_field(const uint8_t **p, const uint8_t *end, wfield *f) {
  f->start = *p;
  uint64_t tag;
  if (!rd_varint(p, end, &tag) || tag >> 3 == 0 || tag >> 3 > UINT32_MAX) return false;
  f->number = (uint32_t)(tag >> 3);
  f->wt = (uint32_t)(tag & 7);
  f->data = NULL;
  f->len = 0;
  switch (f->wt) {
    case 0:
      return rd_varint(p, end, &f->value);
    case 1:
      if (end - *p < 8) return false;
      *p += 8;
      return true;
    case 5:
      if (end - *p < 4) return false;
      *p += 4;
      return true;
    case 2:
      if (!rd_varint(p, end, &f->value) || f->value > (uint64_t)(end - *p)) return false;
      f->data = *p;
      f->len = (size_t)f->value;
      *p += f->len;
      return true;
  }
  return false; /* groups do not occur in descriptor protos */
}

static uint8_t *put_varint(uint8_t *o, uint64_t v) {
  while (v > 0x7f) {
    *o++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *o++ = (uint8_t)v;
  return o;
}

/* ---- split ---- */

static bool add_range(evs_batch *b, size_t file_index, const uint8_t *data, size_t len) {
  evs_src_range *r = evs_grow(b->src_ranges, &b->cap_src_ranges, b->n_src_ranges, sizeof *r, 64);
  if (!r) return false;
  b->src_ranges = r;
  r[b->n_src_ranges++] = (evs_src_range){file_index, data, len};
  return true;
}

/* Bytes of one FileDescriptorProto's SourceCodeInfo fields (field 9), tags and lengths included. */
static bool sci_bytes(const uint8_t *d, size_t n, size_t *total) {
  const uint8_t *p = d, *end = d + n;
  *total = 0;
  while (p < end) {
    wfield f;
    if (!next_field(&p, end, &f)) return false;
    if (f.number == 9 && f.wt == 2) *total += (size_t)(p - f.start);
  }
  return true;
}

evs_status evs_srcinfo_split(evs_batch *b, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  /* Removing fields never lengthens a length prefix, so the input size bounds the output. */
  uint8_t *o = evs_malloc(len ? len : 1), *w = o;
  if (!o) return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  const uint8_t *p = data, *end = data + len;
  size_t file_index = 0;
  bool ok = true;
  while (ok && p < end) {
    wfield f;
    if (!(ok = next_field(&p, end, &f))) break;
    size_t removed = 0;
    if (f.number != 1 || f.wt != 2 || !(ok = sci_bytes(f.data, f.len, &removed)) || removed == 0) {
      memcpy(w, f.start, (size_t)(p - f.start));
      w += p - f.start;
      if (f.number == 1 && f.wt == 2) file_index++;
      continue;
    }
    w = put_varint(w, (1u << 3) | 2);
    w = put_varint(w, f.len - removed);
    const uint8_t *q = f.data, *qe = f.data + f.len;
    while (ok && q < qe) {
      wfield g;
      if (!(ok = next_field(&q, qe, &g))) break;
      if (g.number == 9 && g.wt == 2) {
        if (!add_range(b, file_index, g.data, g.len)) {
          evs_free(o);
          return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
        }
      } else {
        memcpy(w, g.start, (size_t)(q - g.start));
        w += q - g.start;
      }
    }
    file_index++;
  }
  if (!ok || b->n_src_ranges == 0) {
    /* Malformed (the scan of the original reports where) or nothing to split: protobuf-c reads the
     * original. */
    evs_free(o);
    b->n_src_ranges = 0;
    return EVS_OK;
  }
  *out = o;
  *out_len = (size_t)(w - o);
  return EVS_OK;
}

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

/* One Location's fields; comments point into the set bytes (not NUL-terminated). */
typedef struct wloc {
  int32_t path[LOC_PATH_MAX];
  size_t n_path;
  int32_t span[4];
  size_t n_span;
  const uint8_t *leading, *trailing;
  size_t leading_len, trailing_len;
  bool too_long;
} wloc;

/* Packed (LEN) or unpacked (VARINT) int32 values of one repeated field: v[*n ..] while they fit (cap), the
 * count in any case. */
static inline bool add_ints(const wfield *f, int32_t *v, size_t cap, size_t *n_io) {
  size_t n = *n_io; /* a local: through the pointer, the compiler would store it for every element */
  if (f->wt == 0) {
    if (n < cap) v[n] = (int32_t)(uint32_t)f->value;
    *n_io = n + 1;
    return true;
  }
  if (f->wt != 2) return true;
  const uint8_t *q = f->data, *qe = f->data + f->len;
  while (q < qe) {
    uint64_t x;
    if (!rd_varint(&q, qe, &x)) return false;
    if (n < cap) v[n] = (int32_t)(uint32_t)x;
    n++;
  }
  *n_io = n;
  return true;
}

/* protoc's own layout, which nearly every location has: the path first (packed, one-byte values, at most 8
 * of them), then the span (packed, at most 8 bytes), then comments, each field once. Read without the
 * general field loop; anything else, malformed bytes included, returns false and parse_location's general
 * walk reads it (with the same result for what this accepts). A third of the reader's time. */
static inline bool parse_protoc_location(const uint8_t *d, size_t n, wloc *l) {
  if (n < 4 || d[0] != 0x0a || d[1] > 8) return false;
  size_t pl = d[1];
  if (pl + 4 > n || d[2 + pl] != 0x12 || d[3 + pl] > 8 || pl + 4 + d[3 + pl] > n) return false;
  const uint8_t *pp = d + 2;
  for (size_t i = 0; i < pl; i++) {
    if (pp[i] & 0x80) return false;
    l->path[i] = pp[i];
  }
  const uint8_t *q = pp + pl + 2, *qe = q + pp[pl + 1];
  size_t n_span = 0;
  while (q < qe) {
    uint64_t x;
    if (!rd_varint(&q, qe, &x)) return false;
    if (n_span < 4) l->span[n_span] = (int32_t)(uint32_t)x;
    n_span++;
  }
  const uint8_t *p = qe, *end = d + n;
  const uint8_t *leading = NULL, *trailing = NULL;
  size_t leading_len = 0, trailing_len = 0;
  while (p < end) {
    wfield f;
    if (!next_field(&p, end, &f) || f.number == 1 || f.number == 2) return false;
    if (f.number == 3 && f.wt == 2) {
      leading = f.data;
      leading_len = f.len;
    } else if (f.number == 4 && f.wt == 2) {
      trailing = f.data;
      trailing_len = f.len;
    }
  }
  l->leading = leading;
  l->leading_len = leading_len;
  l->trailing = trailing;
  l->trailing_len = trailing_len;
  l->too_long = false;
  l->n_path = pl;
  l->n_span = n_span > 4 ? 0 : n_span;
  return true;
}

static bool parse_location(const uint8_t *d, size_t n, wloc *l) {
  if (parse_protoc_location(d, n, l)) return true;
  size_t n_path = 0, n_span = 0;
  l->leading = l->trailing = NULL;
  l->leading_len = l->trailing_len = 0;
  const uint8_t *p = d, *end = d + n;
  while (p < end) {
    wfield f;
    if (!next_field(&p, end, &f)) return false;
    if (f.number == 1) {
      if (!add_ints(&f, l->path, LOC_PATH_MAX, &n_path)) return false;
    } else if (f.number == 2) {
      if (!add_ints(&f, l->span, 4, &n_span)) return false;
    } else if (f.number == 3 && f.wt == 2) {
      l->leading = f.data;
      l->leading_len = f.len;
    } else if (f.number == 4 && f.wt == 2) {
      l->trailing = f.data;
      l->trailing_len = f.len;
    }
  }
  l->too_long = n_path > LOC_PATH_MAX;
  l->n_path = l->too_long ? LOC_PATH_MAX : n_path;
  l->n_span = n_span > 4 ? 0 : n_span; /* more than 4: not a span protoc writes, ignored */
  return true;
}

static bool trim_into(evs_arena *pool, const uint8_t *text, size_t len, const char **out) {
  *out = evs_trim_comment(pool, (const char *)text, len);
  if (*out) return true;
  /* NULL also means "blank": only an allocation failure if there was text to keep. */
  for (size_t i = 0; i < len; i++)
    if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t') return false;
  return true;
}

static bool fill_src(evs_batch *b, const evs_file *file, const wloc *l, evs_source_info *src) {
  const int32_t *sp = l->span;
  int32_t end_line = l->n_span == 4 ? sp[2] : sp[0];
  int32_t end_col = l->n_span == 4 ? sp[3] : sp[2];
  if (sp[0] < 0 || sp[1] < 0 || end_line < 0 || end_col < 0 || sp[0] == INT32_MAX || sp[1] == INT32_MAX ||
      end_line == INT32_MAX || end_col == INT32_MAX)
    return true; /* unusable span: the declaration keeps no location */
  src->file = file->name;
  src->line = (uint32_t)sp[0] + 1;
  src->col = (uint32_t)sp[1] + 1;
  src->end_line = (uint32_t)end_line + 1;
  src->end_col = (uint32_t)end_col + 1;
  return trim_into(b->pool, l->leading, l->leading_len, &src->leading_comment) &&
         trim_into(b->pool, l->trailing, l->trailing_len, &src->trailing_comment);
}

/* Declarations without a view that a reader may still point at: even-length paths ([6,i] service,
 * [6,i,2,j] method, [4,i,9,k] reserved range, [7,i] extension, [8,k] file option, ...), and the package
 * [2] and syntax [12] statements. Odd-length paths are the spans of names, numbers, types and labels. */
static bool keep_extra(const wloc *l) {
  return (l->n_path >= 2 && l->n_path % 2 == 0) || (l->n_path == 1 && (l->path[0] == 2 || l->path[0] == 12));
}

static evs_status nomem(evs_batch *b) {
  return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
}

static evs_status bad_sci(evs_batch *b, const evs_file *file, const uint8_t *at) {
  size_t off = (size_t)(at - b->data);
  evs_status st = evs_batch_fail(
      b, NULL, EVS_ERR_DESCRIPTOR,
      "not a valid FileDescriptorSet: the source info of %s is malformed (byte %zu)", file->name, off);
  evs_error_at(b->err, off, 0, 0);
  return st;
}

typedef struct extra_vec {
  evs_src_extra *v;
  size_t n, cap;
} extra_vec;

static evs_src_extra *extra_push(extra_vec *xs) {
  evs_src_extra *v = evs_grow(xs->v, &xs->cap, xs->n, sizeof *v, 16);
  if (!v) return NULL;
  xs->v = v;
  evs_src_extra *x = &v[xs->n++];
  memset(x, 0, sizeof *x);
  return x;
}

static evs_status apply_range(evs_batch *b, evs_file *file, const evs_src_range *r, extra_vec *extras) {
  const uint8_t *p = r->data, *end = r->data + r->len;
  wloc l;
  while (p < end) {
    wfield f;
    const uint8_t *at = p;
    if (!next_field(&p, end, &f) || (f.number == 1 && f.wt == 2 && !parse_location(f.data, f.len, &l)))
      return bad_sci(b, file, at);
    if (f.number != 1 || f.wt != 2) continue;
    const uint8_t *nul = l.leading ? memchr(l.leading, 0, l.leading_len) : NULL;
    if (!nul && l.trailing) nul = memchr(l.trailing, 0, l.trailing_len);
    if (nul) {
      evs_source_info where = {.file = file->name};
      size_t off = (size_t)(nul - b->data);
      evs_status st = evs_batch_fail(b, &where, EVS_ERR_DESCRIPTOR,
                                     "a comment in %s contains a NUL byte (byte %zu)", file->name, off);
      evs_error_at(b->err, off, 0, 0);
      return st;
    }
    if (!l.n_path || l.too_long || (l.n_span != 3 && l.n_span != 4)) continue;
    /* Odd-length paths (names, numbers, types, labels: most locations) name no view and are not kept:
     * navigate consumes whole (field, index) pairs, and keep_extra takes only [2] and [12] of them. */
    if (l.n_path % 2 && !keep_extra(&l)) continue;
    el_ref ref = navigate(file, l.path, l.n_path);
    evs_source_info *src = ref.consumed == l.n_path ? src_of(ref) : NULL;
    if (src) {
      if (src->line) continue; /* several locations may share a path: the first one wins */
      if (!fill_src(b, file, &l, src)) return nomem(b);
      continue;
    }
    if (!keep_extra(&l)) continue;
    int32_t *path = evs_arena_calloc(b->pool, l.n_path, sizeof *path);
    evs_src_extra *x = path ? extra_push(extras) : NULL;
    if (!x) return nomem(b);
    memcpy(path, l.path, l.n_path * sizeof *path);
    x->path = path;
    x->n_path = l.n_path;
    x->src.file = file->name;
    if (!fill_src(b, file, &l, &x->src)) return nomem(b);
  }
  return EVS_OK;
}

evs_status evs_srcinfo_apply(evs_batch *b, evs_file *file, size_t file_index) {
  extra_vec extras = {0};
  evs_status st = EVS_OK;
  for (size_t i = 0; i < b->n_src_ranges && !st; i++)
    if (b->src_ranges[i].file_index == file_index) st = apply_range(b, file, &b->src_ranges[i], &extras);
  if (!st && extras.n) {
    evs_src_extra *arr = evs_arena_calloc(b->pool, extras.n, sizeof *arr);
    if (!arr) {
      st = nomem(b);
    } else {
      memcpy(arr, extras.v, extras.n * sizeof *arr);
      file->extras_ = arr;
      file->n_extras_ = extras.n;
    }
  }
  evs_free(extras.v);
  return st;
}

bool evs_file_location(const evs_file *file, const int32_t *path, size_t n, evs_source_info *out) {
  memset(out, 0, sizeof *out);
  out->file = file->name;
  el_ref ref = navigate(file, path, n);
  const evs_source_info *src = ref.consumed == n ? src_of(ref) : NULL;
  if (src) {
    if (!src->line) return false;
    *out = *src;
    return true;
  }
  for (size_t i = 0; i < file->n_extras_; i++) {
    const evs_src_extra *x = &file->extras_[i];
    if (x->n_path != n || memcmp(x->path, path, n * sizeof *path) != 0 || !x->src.line) continue;
    *out = x->src;
    return true;
  }
  return false;
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
