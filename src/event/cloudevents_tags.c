/* The evs tags extension: "k1=v1&k2=v2", keys sorted, both sides percent-encoded (RFC 3986 unreserved
 * characters stay as they are). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "base/utf8_internal.h"
#include "event/cloudevents_internal.h"

static bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

static void pct(evs_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (unreserved(*p)) {
      evs_buf_append_byte(out, *p);
    } else {
      uint8_t e[3] = {'%', (uint8_t)hex[*p >> 4], (uint8_t)hex[*p & 15]};
      evs_buf_append(out, e, 3);
    }
  }
}

static int cmp_tag(const void *a, const void *b) {
  const evs_tag *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->value, y->value);
}

evs_status evs_ce_tags_encode(const evs_tag *tags, size_t n, evs_buf *out) {
  if (!out || (!tags && n)) return EVS_ERR_INVALID_ARG;
  if (!n) return evs_buf_status(out);
  evs_tag *sorted = evs_malloc(n * sizeof *sorted);
  if (!sorted) return EVS_ERR_NOMEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (tags[i].key) sorted[m++] = (evs_tag){tags[i].key, tags[i].value ? tags[i].value : ""};
  }
  qsort(sorted, m, sizeof *sorted, cmp_tag);
  for (size_t i = 0; i < m; i++) {
    if (i) evs_buf_append_byte(out, '&');
    pct(out, sorted[i].key);
    evs_buf_append_byte(out, '=');
    pct(out, sorted[i].value);
  }
  evs_free(sorted);
  return evs_buf_status(out);
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes text[from..to) into dec (room for to - from bytes); the decoded length, or -1 with *bad
 * and why on a malformed escape, a NUL or invalid UTF-8. */
static long part(const char *text, size_t from, size_t to, unsigned char *dec, char *why, size_t why_n,
                 size_t *bad) {
  size_t o = 0;
  for (size_t i = from; i < to; i++) {
    unsigned char c = (unsigned char)text[i];
    size_t at = i;
    if (c == '%') {
      int h = i + 1 < to ? hexval((unsigned char)text[i + 1]) : -1;
      int l = h >= 0 && i + 2 < to ? hexval((unsigned char)text[i + 2]) : -1;
      if (l < 0) {
        *bad = i;
        snprintf(why, why_n, "'%%' must be followed by two hex digits");
        return -1;
      }
      c = (unsigned char)(h << 4 | l);
      i += 2;
    }
    if (c == 0) {
      *bad = at;
      snprintf(why, why_n, "a NUL byte in a tag");
      return -1;
    }
    dec[o++] = c;
  }
  size_t u = evs_utf8_check(dec, o);
  if (u != o) {
    *bad = from;
    snprintf(why, why_n, "a tag that is not UTF-8 once decoded");
    return -1;
  }
  return (long)o;
}

evs_status evs_ce_tags_scan(const char *text, size_t len, evs_tag *tags, size_t max, size_t *n_tags,
                            evs_buf *store, char *why, size_t why_n, size_t *bad) {
  if (n_tags) *n_tags = 0;
  if (store) evs_buf_reset(store);
  if (!len) return EVS_OK;
  /* Decoded text is never longer than the text; one scratch for both sides of a pair. */
  unsigned char *dec = evs_malloc(len);
  if (!dec) {
    *bad = 0;
    snprintf(why, why_n, "out of memory");
    return EVS_ERR_NOMEM;
  }
  evs_status st = EVS_OK;
  size_t n = 0, start = 0;
  /* (key offset, value offset) in the store per tag, turned into pointers once the store stops growing */
  size_t *offs = NULL;
  for (;;) {
    size_t amp = start;
    while (amp < len && text[amp] != '&') amp++;
    size_t eq = start;
    while (eq < amp && text[eq] != '=') eq++;
    if (eq == amp || eq == start) {
      *bad = eq == start ? start : amp;
      snprintf(why, why_n, "expected k=v&k=v (percent-encoded), with a non-empty key in every pair");
      st = EVS_ERR_SYNTAX;
      break;
    }
    long kl = part(text, start, eq, dec, why, why_n, bad);
    long vl = kl < 0 ? -1 : part(text, eq + 1, amp, dec + kl, why, why_n, bad);
    if (vl < 0) {
      st = EVS_ERR_SYNTAX;
      break;
    }
    if (store) {
      if (n == max) {
        *bad = start;
        snprintf(why, why_n, "more than %zu tags", max);
        st = EVS_ERR_LIMIT;
        break;
      }
      if (!offs && !(offs = evs_malloc(2 * (max ? max : 1) * sizeof *offs))) {
        st = EVS_ERR_NOMEM;
        break;
      }
      offs[2 * n] = store->len;
      evs_buf_append(store, dec, (size_t)kl);
      evs_buf_append_byte(store, 0);
      offs[2 * n + 1] = store->len;
      evs_buf_append(store, dec + kl, (size_t)vl);
      evs_buf_append_byte(store, 0);
    }
    n++;
    if (amp == len) break;
    start = amp + 1;
  }
  evs_free(dec);
  if (st == EVS_OK && store && evs_buf_status(store) != EVS_OK) st = EVS_ERR_NOMEM;
  if (st == EVS_ERR_NOMEM) {
    *bad = 0;
    snprintf(why, why_n, "out of memory");
  }
  if (st == EVS_OK && store) {
    for (size_t i = 0; i < n; i++) {
      tags[i].key = (const char *)store->data + offs[2 * i];
      tags[i].value = (const char *)store->data + offs[2 * i + 1];
    }
  }
  evs_free(offs);
  if (st == EVS_OK && n_tags) *n_tags = n;
  return st;
}

evs_status evs_ce_tags_decode(const char *text, size_t len, evs_tag *tags, size_t max, size_t *n_tags,
                              evs_buf *store, evs_error *err) {
  if (n_tags) *n_tags = 0;
  if ((!text && len) || !n_tags || (!tags && max) || !store)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "tags: text, tags, n_tags or store is NULL");
  char why[200];
  size_t bad = 0;
  evs_status st = evs_ce_tags_scan(text, len, tags, max, n_tags, store, why, sizeof why, &bad);
  if (st != EVS_OK) return evs_fail_at(err, st, bad, "%s", why);
  return EVS_OK;
}
