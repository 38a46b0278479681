/* Drops the SourceCodeInfo locations a compatibility check never reads before a set is loaded: protoc
 * records, besides each declaration, one location per name, type, number and label (odd-length paths such
 * as [4,0,2,1,5]). The registry keeps only declarations (even-length paths: [4,i], [4,i,2,j], [5,i,2,j], ...)
 * and the checker adds the package [2] and syntax [12] statements; dropping the rest roughly halves the
 * memory and a good part of the load time of a large set (docs/compat.md, Performance).
 *
 * Works on the wire format directly (no unpack). Anything unexpected makes it give up, and the caller loads
 * the original bytes, where the registry reports the problem. */
#include <stdlib.h>
#include <string.h>

#include "compat/compat_internal.h"

typedef struct obuf {
  uint8_t *p;
  size_t n, cap;
} obuf;

static bool ob_put(obuf *b, const uint8_t *d, size_t n) {
  if (b->cap - b->n < n) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->n < n) {
      if (cap > SIZE_MAX / 2) return false;
      cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) return false;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, d, n);
  b->n += n;
  return true;
}

static bool ob_varint(obuf *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return ob_put(b, tmp, n);
}

static bool rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
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

/* One field at *p: its number, wire type, and (for LEN) payload; *p moves past it. */
typedef struct wfield {
  uint32_t number, wt;
  const uint8_t *start, *data;
  size_t len;
} wfield;

static bool next_field(const uint8_t **p, const uint8_t *end, wfield *f) {
  f->start = *p;
  uint64_t tag, v;
  if (!rd_varint(p, end, &tag) || tag >> 3 == 0 || tag >> 3 > UINT32_MAX) return false;
  f->number = (uint32_t)(tag >> 3);
  f->wt = (uint32_t)(tag & 7);
  f->data = NULL;
  f->len = 0;
  switch (f->wt) {
    case 0:
      return rd_varint(p, end, &v);
    case 1:
      if (end - *p < 8) return false;
      *p += 8;
      return true;
    case 5:
      if (end - *p < 4) return false;
      *p += 4;
      return true;
    case 2:
      if (!rd_varint(p, end, &v) || v > (uint64_t)(end - *p)) return false;
      f->data = *p;
      f->len = (size_t)v;
      *p += v;
      return true;
  }
  return false; /* groups do not occur in descriptor protos */
}

/* Path length of a Location and its first element. */
static bool path_of(const uint8_t *d, size_t n, size_t *count, uint64_t *first) {
  const uint8_t *p = d, *end = d + n;
  *count = 0;
  *first = 0;
  while (p < end) {
    wfield f;
    if (!next_field(&p, end, &f)) return false;
    if (f.number != 1) continue;
    if (f.wt == 2) { /* packed */
      const uint8_t *q = f.data, *qe = f.data + f.len;
      while (q < qe) {
        uint64_t v;
        if (!rd_varint(&q, qe, &v)) return false;
        if (!*count) *first = v;
        ++*count;
      }
    } else if (f.wt == 0) {
      const uint8_t *q = f.start;
      uint64_t tag, v;
      if (!rd_varint(&q, end, &tag) || !rd_varint(&q, end, &v)) return false;
      if (!*count) *first = v;
      ++*count;
    }
  }
  return true;
}

static bool keep_location(const uint8_t *d, size_t n, bool *keep) {
  size_t count;
  uint64_t first;
  if (!path_of(d, n, &count, &first)) return false;
  *keep = (count && count % 2 == 0) || (count == 1 && (first == 2 || first == 12));
  return true;
}

static bool filter_sci(const uint8_t *d, size_t n, obuf *out) {
  const uint8_t *p = d, *end = d + n;
  while (p < end) {
    wfield f;
    if (!next_field(&p, end, &f)) return false;
    bool keep = true;
    if (f.number == 1 && f.wt == 2 && !keep_location(f.data, f.len, &keep)) return false;
    if (keep && !ob_put(out, f.start, (size_t)(p - f.start))) return false;
  }
  return true;
}

static bool filter_file(const uint8_t *d, size_t n, obuf *out, obuf *scratch) {
  const uint8_t *p = d, *end = d + n;
  while (p < end) {
    wfield f;
    if (!next_field(&p, end, &f)) return false;
    if (f.number == 9 && f.wt == 2) {
      scratch->n = 0;
      if (!filter_sci(f.data, f.len, scratch) || !ob_varint(out, (9u << 3) | 2) ||
          !ob_varint(out, scratch->n) || !ob_put(out, scratch->p, scratch->n))
        return false;
    } else if (!ob_put(out, f.start, (size_t)(p - f.start))) {
      return false;
    }
  }
  return true;
}

bool evs_compat_trim_source_info(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len) {
  obuf res = {0}, file = {0}, scratch = {0};
  const uint8_t *p = in, *end = in + len;
  bool ok = true;
  while (ok && p < end) {
    wfield f;
    ok = next_field(&p, end, &f);
    if (!ok) break;
    if (f.number == 1 && f.wt == 2) {
      file.n = 0;
      ok = filter_file(f.data, f.len, &file, &scratch) && ob_varint(&res, (1u << 3) | 2) &&
           ob_varint(&res, file.n) && ob_put(&res, file.p, file.n);
    } else {
      ok = ob_put(&res, f.start, (size_t)(p - f.start));
    }
  }
  free(file.p);
  free(scratch.p);
  if (!ok) {
    free(res.p);
    return false;
  }
  *out = res.p;
  *out_len = res.n;
  return true;
}
