/* The JSON tree a schema is built as, written with the JSON encoder's own writer (one string escaper), and
 * the integer-range regular expressions that let a pattern say "a decimal string in [lo, hi]". */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/error_internal.h"
#include "json/json_lib.h"
#include "schema/jsonschema_internal.h"

static js_node *node(js_ctx *c, js_kind kind, const char *text) {
  js_node *n = evs_arena_alloc(c->arena, sizeof *n);
  if (!n) {
    c->nomem = true;
    return NULL;
  }
  memset(n, 0, sizeof *n);
  n->kind = kind;
  n->text = text;
  return n;
}

char *js_strdup(js_ctx *c, const char *s, size_t n) {
  char *p = evs_arena_alloc(c->arena, n + 1);
  if (!p) {
    c->nomem = true;
    return NULL;
  }
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

js_node *js_obj(js_ctx *c) {
  return node(c, JS_OBJ, NULL);
}

js_node *js_arr(js_ctx *c) {
  return node(c, JS_ARR, NULL);
}

js_node *js_str(js_ctx *c, const char *s) {
  const char *copy = js_strdup(c, s, strlen(s));
  return copy ? node(c, JS_STR, copy) : NULL;
}

js_node *js_strf(js_ctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = evs_arena_alloc(c->arena, (size_t)n + 1);
  if (!p) {
    c->nomem = true;
    return NULL;
  }
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return node(c, JS_STR, p);
}

js_node *js_raw(js_ctx *c, const char *text) {
  const char *copy = js_strdup(c, text, strlen(text));
  return copy ? node(c, JS_RAW, copy) : NULL;
}

js_node *js_i64(js_ctx *c, int64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%" PRId64, v);
  return js_raw(c, b);
}

js_node *js_u64(js_ctx *c, uint64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%" PRIu64, v);
  return js_raw(c, b);
}

js_node *js_double(js_ctx *c, double v) {
  char b[EVS_JNUM_BUF];
  evs_format_double(v, b);
  return js_raw(c, b);
}

js_node *js_put(js_ctx *c, js_node *obj, const char *key, js_node *val) {
  if (!obj || !val) return val;
  val->key = js_strdup(c, key, strlen(key));
  if (!val->key) return NULL;
  if (obj->last)
    obj->last->next = val;
  else
    obj->first = val;
  obj->last = val;
  return val;
}

js_node *js_add(js_node *arr, js_node *val) {
  if (!arr || !val) return val;
  if (arr->last)
    arr->last->next = val;
  else
    arr->first = val;
  arr->last = val;
  return val;
}

js_node *js_type(js_ctx *c, const char *t) {
  js_node *o = js_obj(c);
  js_put(c, o, "type", js_str(c, t));
  return o;
}

js_node *js_pattern(js_ctx *c, const char *p) {
  js_node *o = js_type(c, "string");
  js_put(c, o, "pattern", js_str(c, p));
  return o;
}

js_node *js_has(js_ctx *c, const char *key, js_node *val) {
  js_node *o = js_obj(c);
  js_node *props = js_put(c, o, "properties", js_obj(c));
  js_put(c, props, key, val ? val : js_raw(c, "true"));
  js_add(js_put(c, o, "required", js_arr(c)), js_str(c, key));
  return o;
}

js_node *js_get(js_node *obj, const char *key) {
  for (js_node *n = obj ? obj->first : NULL; n; n = n->next)
    if (strcmp(n->key, key) == 0) return n;
  return NULL;
}

static evs_status write_node(evs_jenc *e, const js_node *n) {
  evs_status st;
  switch (n->kind) {
    case JS_STR:
      return evs_je_string(e, n->text, strlen(n->text));
    case JS_RAW:
      return evs_je_raw(e, n->text, strlen(n->text));
    case JS_OBJ:
    case JS_ARR: {
      bool obj = n->kind == JS_OBJ;
      if ((st = evs_je_open(e, obj ? '{' : '[')) != EVS_OK) return st;
      bool first = true;
      for (const js_node *k = n->first; k; k = k->next) {
        if ((st = evs_je_separator(e, &first)) != EVS_OK) return st;
        if (obj && (st = evs_je_key(e, k->key, strlen(k->key))) != EVS_OK) return st;
        if ((st = write_node(e, k)) != EVS_OK) return st;
      }
      return evs_je_close(e, obj ? '}' : ']', first);
    }
  }
  return EVS_OK;
}

evs_status js_write(const js_node *n, bool pretty, evs_buf *out, evs_error *err) {
  evs_jenc e;
  memset(&e, 0, sizeof e);
  e.out = out;
  e.flags = pretty ? EVS_JSON_PRETTY : 0;
  e.err = err;
  size_t start = out->len;
  evs_status st = write_node(&e, n);
  if (st == EVS_OK) st = evs_buf_append_byte(out, '\n');
  if (st != EVS_OK) {
    out->failed = false;
    out->len = start;
    if (out->data) out->data[start] = '\0';
    if (st == EVS_ERR_NOMEM) return evs_fail(err, st, "out of memory while writing the JSON Schema");
  }
  return st;
}

/* ------------------------------------------------------------------ integer ranges */

js_int js_int_of_i64(int64_t v) {
  js_int r = {v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v};
  return r;
}

int js_int_cmp(js_int a, js_int b) {
  if (a.mag == 0) a.neg = false;
  if (b.mag == 0) b.neg = false;
  if (a.neg != b.neg) return a.neg ? -1 : 1;
  int m = a.mag < b.mag ? -1 : a.mag > b.mag ? 1 : 0;
  return a.neg ? -m : m;
}

void js_int_text(evs_buf *out, js_int v) {
  char b[32];
  snprintf(b, sizeof b, "%s%" PRIu64, v.neg && v.mag ? "-" : "", v.mag);
  evs_buf_append_str(out, b);
}

static void digit_class(evs_buf *out, char lo, char hi) {
  if (lo == hi) {
    evs_buf_append_byte(out, (uint8_t)lo);
    return;
  }
  char b[8];
  snprintf(b, sizeof b, "[%c-%c]", lo, hi);
  evs_buf_append_str(out, b);
}

static void any_digits(evs_buf *out, size_t n) {
  if (n == 0) return;
  evs_buf_append_str(out, "[0-9]");
  if (n > 1) {
    char b[32];
    snprintf(b, sizeof b, "{%zu}", n);
    evs_buf_append_str(out, b);
  }
}

static bool all_of(const char *s, size_t n, char ch) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ch) return false;
  return true;
}

/* Digit strings of length n between x and y (x <= y, both n digits, leading zeros allowed inside). */
static void same_len(evs_buf *out, const char *x, const char *y, size_t n);

/* same_len in a group unless it is one character class. */
static void same_len_group(evs_buf *out, const char *x, const char *y, size_t n) {
  if (n == 1) {
    same_len(out, x, y, n);
    return;
  }
  evs_buf_append_str(out, "(?:");
  same_len(out, x, y, n);
  evs_buf_append_byte(out, ')');
}

static void same_len(evs_buf *out, const char *x, const char *y, size_t n) {
  if (n == 0) return;
  if (x[0] == y[0]) {
    evs_buf_append_byte(out, (uint8_t)x[0]);
    if (n == 1) return;
    if (memcmp(x + 1, y + 1, n - 1) == 0) {
      evs_buf_append(out, x + 1, n - 1);
    } else if (all_of(x + 1, n - 1, '0') && all_of(y + 1, n - 1, '9')) {
      any_digits(out, n - 1);
    } else {
      same_len_group(out, x + 1, y + 1, n - 1);
    }
    return;
  }
  bool low_full = all_of(x + 1, n - 1, '0'), high_full = all_of(y + 1, n - 1, '9');
  char mid_lo = low_full ? x[0] : (char)(x[0] + 1), mid_hi = high_full ? y[0] : (char)(y[0] - 1);
  bool alt = false;
  char nines[24], zeros[24];
  memset(nines, '9', sizeof nines);
  memset(zeros, '0', sizeof zeros);
  if (!low_full) {
    evs_buf_append_byte(out, (uint8_t)x[0]);
    same_len_group(out, x + 1, nines, n - 1);
    alt = true;
  }
  if (mid_lo <= mid_hi) {
    if (alt) evs_buf_append_byte(out, '|');
    digit_class(out, mid_lo, mid_hi);
    any_digits(out, n - 1);
    alt = true;
  }
  if (!high_full) {
    if (alt) evs_buf_append_byte(out, '|');
    evs_buf_append_byte(out, (uint8_t)y[0]);
    same_len_group(out, zeros, y + 1, n - 1);
  }
}

/* Magnitudes a..b, 1 <= a <= b, without leading zeros. */
static void mag_range(evs_buf *out, uint64_t a, uint64_t b) {
  char as[24], bs[24];
  int la = snprintf(as, sizeof as, "%" PRIu64, a), lb = snprintf(bs, sizeof bs, "%" PRIu64, b);
  bool alt = false;
  /* lengths strictly between la and lb hold every number of their length: one [1-9][0-9]{m,n} */
  for (int len = la; len <= lb; len++) {
    if (len > la && len < lb) {
      if (len == la + 1) {
        char t[48];
        if (la + 1 == lb - 1)
          snprintf(t, sizeof t, la == 1 ? "%s[1-9][0-9]" : "%s[1-9][0-9]{%d}", alt ? "|" : "", la);
        else
          snprintf(t, sizeof t, "%s[1-9][0-9]{%d,%d}", alt ? "|" : "", la, lb - 2);
        evs_buf_append_str(out, t);
        alt = true;
      }
      continue;
    }
    char lo[24], hi[24];
    if (len == la)
      memcpy(lo, as, (size_t)len);
    else {
      lo[0] = '1';
      memset(lo + 1, '0', (size_t)len - 1);
    }
    if (len == lb)
      memcpy(hi, bs, (size_t)len);
    else
      memset(hi, '9', (size_t)len);
    if (alt) evs_buf_append_byte(out, '|');
    same_len(out, lo, hi, (size_t)len);
    alt = true;
  }
}

void js_range_regex(evs_buf *out, js_int lo, js_int hi) {
  if (js_int_cmp(lo, hi) > 0) {
    evs_buf_append_str(out, "(?!)");
    return;
  }
  bool alt = false;
  js_int zero = {false, 0};
  if (js_int_cmp(lo, zero) < 0) {
    /* negative part: magnitudes from max(1, -min(hi, -1)) to -lo */
    uint64_t top = lo.mag;
    uint64_t bottom = js_int_cmp(hi, zero) < 0 ? hi.mag : 1;
    evs_buf_append_str(out, "-(?:");
    mag_range(out, bottom, top);
    evs_buf_append_byte(out, ')');
    alt = true;
  }
  if (js_int_cmp(lo, zero) <= 0 && js_int_cmp(hi, zero) >= 0) {
    if (alt) evs_buf_append_byte(out, '|');
    evs_buf_append_str(out, "-?0");
    alt = true;
  }
  if (js_int_cmp(hi, zero) > 0) {
    if (alt) evs_buf_append_byte(out, '|');
    mag_range(out, js_int_cmp(lo, zero) > 0 ? lo.mag : 1, hi.mag);
  }
}

js_node *js_with(js_ctx *c, js_node *obj, const char *key, js_node *val) {
  js_put(c, obj, key, val);
  return obj;
}

js_node *js_kv(js_ctx *c, const char *key, js_node *val) {
  return js_with(c, js_obj(c), key, val);
}
