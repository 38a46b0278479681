/* JSON tokens for the decoder: strings (escapes, surrogates, UTF-8), numbers, literals, skipping whole
 * values, error locations and field paths. Line:col are computed only when an error is reported. */
#include "base/alloc_internal.h"
#include "json/json_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8_internal.h"

#if defined(__SSE2__) && !defined(EVS_NO_SIMD)
#define EVS_JSON_SSE2 1
#include <emmintrin.h>
#endif

evs_status evs_jd_fail(evs_jdec *d, evs_status code, const char *pos, const char *fmt, ...) {
  evs_error *err = d->err;
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  evs_vfail(err, code, fmt, ap);
  va_end(ap);
  if (pos < d->base || pos > d->end) pos = d->p;
  uint32_t line = 1;
  const char *ls = d->base;
  for (const char *q = d->base; (q = memchr(q, '\n', (size_t)(pos - q))) != NULL; q++) {
    line++;
    ls = q + 1;
  }
  evs_error_at(err, (size_t)(pos - d->base), line, (uint32_t)(pos - ls) + 1);
  return code;
}

/* What kind of JSON value starts at p, or NULL when none does (a bare word, a stray ',' or '}', "+1"). */
static const char *value_kind(const evs_jdec *d, const char *p) {
  if (p >= d->end) return NULL;
  size_t left = (size_t)(d->end - p);
  switch (*p) {
    case '{':
      return "an object";
    case '[':
      return "an array";
    case '"':
      return "a string";
    case '-':
      return left > 1 && p[1] >= '0' && p[1] <= '9' ? "a number" : NULL;
    case 't':
    case 'f':
    case 'n': {
      const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
      size_t n = strlen(lit);
      if (left < n || memcmp(p, lit, n) != 0) return NULL;
      if (left > n) {
        char c = p[n];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
          return NULL;
      }
      return lit;
    }
    default:
      return *p >= '0' && *p <= '9' ? "a number" : NULL;
  }
}

const char *evs_jd_value_kind(const evs_jdec *d, const char *p) {
  return value_kind(d, p);
}

bool evs_jd_at_null_slow(const evs_jdec *d) {
  const char *k = value_kind(d, d->p);
  return k && k[0] == 'n';
}

evs_status evs_jd_expected(evs_jdec *d, const char *pos, const char *fmt, ...) {
  char what[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  const char *kind = value_kind(d, pos);
  if (kind) return evs_jd_fail(d, EVS_ERR_TYPE, pos, "expected %s, found %s", what, kind);
  char b[16];
  if (pos >= d->end) return evs_jd_fail(d, EVS_ERR_SYNTAX, pos, "expected %s, found end of input", what);
  return evs_jd_fail(d, EVS_ERR_SYNTAX, pos, "expected %s, found %s, which does not start a JSON value", what,
                     evs_describe_byte(b, *pos));
}

const char *evs_jd_token_name(const evs_jdec *d, char buf[16]) {
  if (d->p >= d->end) return "end of input";
  return evs_describe_byte(buf, *d->p);
}

/* Grows d->sbuf to hold at least need bytes. Internal scratch: plain malloc, not the caller's allocator. */
static bool sbuf_reserve(evs_jdec *d, size_t need) {
  if (need <= d->scap) return true;
  size_t cap = d->scap ? d->scap : 256;
  while (cap < need) cap *= 2;
  char *p = evs_realloc(d->sbuf, cap);
  if (!p) return false;
  d->sbuf = p;
  d->scap = cap;
  return true;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool hex4(const char *p, const char *end, uint32_t *out) {
  if (end - p < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return false;
    v = v << 4 | (uint32_t)h;
  }
  *out = v;
  return true;
}

/* Bit 7 of each byte of the result is set where w holds a '"', a '\\', a control byte (< 0x20) or a
 * non-ASCII byte. Borrows can only mark bytes above a real match, so the lowest mark is exact. */
static inline uint64_t special_mask(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t q = w ^ (ones * '"');
  uint64_t b = w ^ (ones * '\\');
  uint64_t lt = (w - ones * 0x20) & ~w;
  return (((q - ones) & ~q) | ((b - ones) & ~b) | lt | w) & high;
}

/* Scans plain bytes (no quote, backslash, control) from p, validating UTF-8; stops at the first special
 * ASCII byte. Returns NULL on invalid UTF-8 with *bad set. Runs of plain ASCII go 16 bytes at a time with
 * SSE2 (the x86-64 baseline), then 8 at a time; the bytes >= 0x80 are validated one sequence at a time by
 * src/base/utf8.c. */
static inline const char *scan_plain(const char *p, const char *end, const char **bad) {
  for (;;) {
#ifdef EVS_JSON_SSE2
    while (end - p >= 16) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
      /* Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them with the control bytes. */
      __m128i m = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
          _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
      unsigned mask = (unsigned)_mm_movemask_epi8(m);
      if (mask) {
        p += __builtin_ctz(mask);
        goto special;
      }
      p += 16;
    }
#endif
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      uint64_t m = special_mask(w);
      if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        p += (unsigned)__builtin_clzll(m) >> 3; /* the first byte is the most significant */
#else
        p += (unsigned)__builtin_ctzll(m) >> 3; /* little-endian: the lowest byte comes first */
#endif
        break;
      }
      p += 8;
    }
    if (p >= end) return p;
#ifdef EVS_JSON_SSE2
  special:;
#endif
    unsigned char c = (unsigned char)*p;
    if (c >= 0x80) {
      size_t l = evs_utf8_seq_len((const uint8_t *)p, (size_t)(end - p));
      if (!l) {
        *bad = p;
        return NULL;
      }
      p += l;
      continue;
    }
    if (c == '"' || c == '\\' || c < 0x20) return p;
    p++;
  }
}

/* The string at start whose plain prefix ends at p (NULL: invalid UTF-8 at bad), when it has escapes or
 * fails: copies the plain prefix, then unescapes. The output never exceeds the input length. Kept apart
 * from evs_jd_string so that its fast path saves no registers. */
static evs_status __attribute__((noinline))
string_slow(evs_jdec *d, evs_jstr *out, const char *start, const char *p, const char *bad) {
  const char *end = d->end;
  if (!p) return evs_jd_fail(d, EVS_ERR_SYNTAX, bad, "invalid UTF-8 in string");
  size_t len = 0;
  const char *run = start + 1;
  for (;;) {
    if (p >= end) return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "unterminated string");
    size_t n = (size_t)(p - run);
    if (!sbuf_reserve(d, len + n + 4)) return evs_jd_fail(d, EVS_ERR_NOMEM, p, "out of memory");
    memcpy(d->sbuf + len, run, n);
    len += n;
    unsigned char c = (unsigned char)*p;
    if (c == '"') break;
    if (c < 0x20)
      return evs_jd_fail(d, EVS_ERR_SYNTAX, p, "control character (byte 0x%02x) in string: escape it", c);
    /* c == '\\' */
    if (p + 1 >= end) return evs_jd_fail(d, EVS_ERR_SYNTAX, start, "unterminated string");
    char e = p[1];
    char ch;
    switch (e) {
      case '"':
        ch = '"';
        break;
      case '\\':
        ch = '\\';
        break;
      case '/':
        ch = '/';
        break;
      case 'b':
        ch = '\b';
        break;
      case 'f':
        ch = '\f';
        break;
      case 'n':
        ch = '\n';
        break;
      case 'r':
        ch = '\r';
        break;
      case 't':
        ch = '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!hex4(p + 2, end, &cp))
          return evs_jd_fail(d, EVS_ERR_SYNTAX, p, "invalid \\u escape: expected 4 hex digits");
        const char *esc = p;
        p += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return evs_jd_fail(d, EVS_ERR_SYNTAX, esc, "unpaired low surrogate \\u%04X in string",
                             (unsigned)cp);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &lo) || lo < 0xDC00 ||
              lo > 0xDFFF)
            return evs_jd_fail(
                d, EVS_ERR_SYNTAX, esc,
                "unpaired high surrogate \\u%04X in string: expected a \\uDC00..\\uDFFF escape next",
                (unsigned)cp);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        len += evs_utf8_put((uint8_t *)d->sbuf + len, cp);
        goto next_run;
      }
      default:
        if ((unsigned char)e >= 0x20 && (unsigned char)e < 0x7f)
          return evs_jd_fail(d, EVS_ERR_SYNTAX, p, "invalid escape '\\%c' in string", e);
        return evs_jd_fail(d, EVS_ERR_SYNTAX, p, "invalid escape in string");
    }
    d->sbuf[len++] = ch;
    p += 2;
  next_run:
    run = p;
    p = scan_plain(p, end, &bad);
    if (!p) return evs_jd_fail(d, EVS_ERR_SYNTAX, bad, "invalid UTF-8 in string");
  }
  out->s = d->sbuf;
  out->len = len;
  out->start = start;
  out->escaped = true;
  d->p = p + 1;
  return EVS_OK;
}

evs_status evs_jd_string(evs_jdec *d, evs_jstr *out) {
  const char *start = d->p;
  const char *end = d->end;
  const char *bad = NULL;
  const char *p = scan_plain(start + 1, end, &bad);
  if (p && p < end && *p == '"') {
    out->s = start + 1;
    out->len = (size_t)(p - start - 1);
    out->start = start;
    out->escaped = false;
    d->p = p + 1;
    return EVS_OK;
  }
  return string_slow(d, out, start, p, bad);
}

evs_status evs_jd_number(evs_jdec *d, evs_jnum *num, const char **start) {
  const char *why;
  size_t bad;
  *start = d->p;
  size_t n = evs_jnum_scan(d->p, (size_t)(d->end - d->p), num, &why, &bad);
  if (!n) return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p + bad, "invalid number: %s", why);
  d->p += n;
  return EVS_OK;
}

evs_status evs_jd_enter(evs_jdec *d) {
  if (d->depth >= d->max_brackets)
    return evs_jd_fail(d, EVS_ERR_LIMIT, d->p,
                       "JSON arrays and objects nested deeper than %d (twice the message depth limit %d, "
                       "plus two)",
                       d->max_brackets, d->max_depth);
  d->depth++;
  d->p++;
  return EVS_OK;
}

evs_status evs_jd_next_slow(evs_jdec *d, char close, bool *more) {
  evs_jd_ws(d);
  if (d->p < d->end && *d->p == ',') {
    d->p++;
    evs_jd_ws(d);
    if (d->p < d->end && *d->p == close)
      return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "trailing comma before '%c'", close);
    *more = true;
    return EVS_OK;
  }
  if (d->p < d->end && *d->p == close) {
    d->p++;
    d->depth--;
    *more = false;
    return EVS_OK;
  }
  char b[16];
  return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected ',' or '%c', found %s", close,
                     evs_jd_token_name(d, b));
}

evs_status evs_jd_colon_slow(evs_jdec *d) {
  evs_jd_ws(d);
  if (d->p >= d->end || *d->p != ':') {
    char b[16];
    return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected ':' after object key, found %s",
                       evs_jd_token_name(d, b));
  }
  d->p++;
  evs_jd_ws(d);
  return EVS_OK;
}

evs_status evs_jd_skip(evs_jdec *d) {
  evs_jd_ws(d);
  if (d->p >= d->end) return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a value, found end of input");
  char c = *d->p;
  evs_status st;
  bool more;
  if (c == '{') {
    if ((st = evs_jd_enter(d)) != EVS_OK) return st;
    evs_jd_ws(d);
    if (d->p < d->end && *d->p == '}') {
      d->p++;
      d->depth--;
      return EVS_OK;
    }
    do {
      evs_jd_ws(d);
      if (d->p >= d->end || *d->p != '"') {
        char b[16];
        return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a string key, found %s",
                           evs_jd_token_name(d, b));
      }
      evs_jstr k;
      if ((st = evs_jd_string(d, &k)) != EVS_OK) return st;
      if ((st = evs_jd_colon(d)) != EVS_OK) return st;
      if ((st = evs_jd_skip(d)) != EVS_OK) return st;
      if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) return st;
    } while (more);
    return EVS_OK;
  }
  if (c == '[') {
    if ((st = evs_jd_enter(d)) != EVS_OK) return st;
    evs_jd_ws(d);
    if (d->p < d->end && *d->p == ']') {
      d->p++;
      d->depth--;
      return EVS_OK;
    }
    do {
      if ((st = evs_jd_skip(d)) != EVS_OK) return st;
      if ((st = evs_jd_next(d, ']', &more)) != EVS_OK) return st;
    } while (more);
    return EVS_OK;
  }
  if (c == '"') {
    evs_jstr s;
    return evs_jd_string(d, &s);
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    evs_jnum n;
    const char *start;
    return evs_jd_number(d, &n, &start);
  }
  if (evs_jd_literal(d, "true", 4) || evs_jd_literal(d, "false", 5) || evs_jd_literal(d, "null", 4))
    return EVS_OK;
  char b[16];
  return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a JSON value, found %s", evs_jd_token_name(d, b));
}

const char *evs_jd_member_key(evs_jdec *d, const char *obj, size_t index) {
  const char *save = d->p;
  int save_depth = d->depth;
  const char *found = obj;
  d->p = obj + 1;
  for (size_t i = 0;; i++) {
    evs_jd_ws(d);
    evs_jstr k;
    if (d->p >= d->end || *d->p != '"' || evs_jd_string(d, &k) != EVS_OK) break;
    if (i == index) {
      found = k.start;
      break;
    }
    bool more;
    if (evs_jd_colon(d) != EVS_OK || evs_jd_skip(d) != EVS_OK || evs_jd_next(d, '}', &more) != EVS_OK ||
        !more)
      break;
  }
  d->p = save;
  d->depth = save_depth;
  return found;
}

void evs_json_path_prepend(char *path, size_t cap, const char *part, size_t len) {
  size_t old = strlen(path);
  bool sep = old > 0 && path[0] != '[';
  size_t add = len + (sep ? 1 : 0);
  if (add >= cap) return;
  size_t keep = old;
  if (keep + add >= cap) keep = cap - 1 - add;
  memmove(path + add, path, keep);
  path[add + keep] = '\0';
  memcpy(path, part, len);
  if (sep) path[len] = '.';
}

void evs_jd_path_field(evs_jdec *d, const char *name) {
  if (d->err) evs_json_path_prepend(d->err->path, sizeof d->err->path, name, strlen(name));
}

void evs_jd_path_index(evs_jdec *d, size_t index) {
  if (!d->err) return;
  char b[32];
  int n = snprintf(b, sizeof b, "[%zu]", index);
  evs_json_path_prepend(d->err->path, sizeof d->err->path, b, (size_t)n);
}

void evs_jd_path_key(evs_jdec *d, const char *key, size_t len) {
  if (!d->err) return;
  char b[72];
  if (len > 64) len = 64;
  b[0] = '[';
  b[1] = '"';
  memcpy(b + 2, key, len);
  b[len + 2] = '"';
  b[len + 3] = ']';
  evs_json_path_prepend(d->err->path, sizeof d->err->path, b, len + 4);
}

/* The failure paths stay out of line, so that the allocation paths save no registers for them. */
void *__attribute__((noinline)) evs_jd_alloc_failed(evs_jdec *d, size_t size, const char *pos) {
  evs_jd_fail(d, EVS_ERR_NOMEM, pos, "out of memory (allocating %zu bytes)", size);
  return NULL;
}

void *__attribute__((noinline)) evs_jd_too_deep(evs_jdec *d, const char *pos) {
  evs_jd_fail(d, EVS_ERR_LIMIT, pos, "messages nested deeper than the limit of %d levels", d->max_depth);
  return NULL;
}

ProtobufCMessage *evs_jd_new_message(evs_jdec *d, const ProtobufCMessageDescriptor *cd, const char *pos) {
  ProtobufCMessage *m = evs_jd_message_room(d, cd->sizeof_message, pos);
  if (!m) return NULL;
  /* protobuf_c_message_init is this call; run-time descriptors have no message_init */
  if (cd->message_init)
    cd->message_init(m);
  else
    evs_message_init(cd, m);
  return m;
}

size_t evs_jd_push_slow(evs_jdec *d, size_t n, const char *pos) {
  if (d->stk_cap - d->stk_len < n) {
    size_t cap = d->stk_cap ? d->stk_cap : 512;
    while (cap - d->stk_len < n) cap *= 2;
    uint8_t *s = d->stk_heap ? evs_realloc(d->stk, cap) : evs_malloc(cap);
    if (!s) {
      evs_jd_fail(d, EVS_ERR_NOMEM, pos, "out of memory");
      return SIZE_MAX;
    }
    if (!d->stk_heap && d->stk_len) memcpy(s, d->stk, d->stk_len);
    d->stk_heap = true;
    d->stk = s;
    d->stk_cap = cap;
  }
  size_t off = d->stk_len;
  d->stk_len += n;
  return off;
}
