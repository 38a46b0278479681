/* CloudEvents structured mode: reading one JSON event object with the library's JSON lexer
 * (src/json/lexer.c) and base64 (src/base/base64.c). Attribute values are copied into the caller's store
 * by offset and turned into pointers at the end, when the store no longer grows. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/base64_internal.h"
#include "base/grow_internal.h"
#include "event/cloudevents_internal.h"
#include "json/json_lib.h"

/* Members other than the attributes: "data", "data_base64". */
enum { M_DATA = EVS_CE_N_ATTRS, M_DATA_BASE64, M_COUNT };

/* A member name that is no attribute: kept to find duplicates among them too. */
typedef struct unknown_name {
  size_t off, len; /* in the names buffer */
  const char *at;  /* its opening quote in the input */
} unknown_name;

typedef struct ce_parse {
  evs_jdec d;
  evs_buf *store;
  size_t off[EVS_CE_N_ATTRS + 1]; /* store offsets of the attribute values and of the binary data */
  bool set[EVS_CE_N_ATTRS];
  const char *seen[M_COUNT]; /* the opening quote of each known member, NULL until seen */
  evs_buf names;             /* unknown member names, unescaped */
  unknown_name *unknown;
  size_t n_unknown, cap_unknown;
  const char *data_start;
  size_t data_len;
  size_t bin_len;
  bool have_bin;
} ce_parse;

static const char *const k_member[M_COUNT - EVS_CE_N_ATTRS] = {"data", "data_base64"};

static int member_index(const evs_jstr *k) {
  int i = evs_ce_attr_by_name(k->s, k->len);
  if (i >= 0) return i;
  for (int m = 0; m < M_COUNT - EVS_CE_N_ATTRS; m++)
    if (strlen(k_member[m]) == k->len && memcmp(k_member[m], k->s, k->len) == 0) return EVS_CE_N_ATTRS + m;
  return -1;
}

static const char *member_name(int i) {
  return i < EVS_CE_N_ATTRS ? evs_ce_attrs[i].name : k_member[i - EVS_CE_N_ATTRS];
}

/* Where a problem at byte `bad` of the unescaped string s lies in the input: exact when the string had no
 * escapes, else its opening quote. */
static const char *in_input(const evs_jstr *s, size_t bad) {
  return s->escaped ? s->start : s->start + 1 + bad;
}

/* A string value where an attribute (or data_base64) must be; null = absent (*present false). */
static evs_status string_value(ce_parse *ps, int i, evs_jstr *v, bool *present) {
  evs_jdec *d = &ps->d;
  *present = false;
  if (evs_jd_literal(d, "null", 4)) return EVS_OK;
  if (d->p >= d->end || *d->p != '"') {
    const char *kind = evs_jd_value_kind(d, d->p);
    if (!kind) return evs_jd_expected(d, d->p, "a string for \"%s\"", member_name(i));
    return evs_jd_fail(d, EVS_ERR_TYPE, d->p, "attribute values must be strings: \"%s\" is %s",
                       member_name(i), kind);
  }
  evs_status st = evs_jd_string(d, v);
  if (st == EVS_OK) *present = true;
  return st;
}

static evs_status attribute(ce_parse *ps, int i) {
  evs_jstr v;
  bool present;
  evs_status st = string_value(ps, i, &v, &present);
  if (st != EVS_OK || !present) return st;
  char why[240];
  size_t bad = 0;
  st = evs_ce_check_value(i, v.s, v.len, why, sizeof why, &bad);
  if (st != EVS_OK) return evs_jd_fail(&ps->d, st, in_input(&v, bad), "%s", why);
  ps->off[i] = ps->store->len;
  ps->set[i] = true;
  evs_buf_append(ps->store, v.s, v.len);
  evs_buf_append_byte(ps->store, 0);
  return EVS_OK;
}

static evs_status data_base64(ce_parse *ps) {
  evs_jstr v;
  bool present;
  evs_status st = string_value(ps, M_DATA_BASE64, &v, &present);
  if (st != EVS_OK || !present) return st;
  /* CloudEvents Binary is RFC 4648 base64: the standard alphabet, padded. The library's decoder also
   * takes the URL-safe alphabet and missing padding (ProtoJSON does), so those are refused here. */
  size_t bad = SIZE_MAX;
  for (size_t k = 0; k < v.len && bad == SIZE_MAX; k++)
    if (v.s[k] == '-' || v.s[k] == '_') bad = k;
  if (bad == SIZE_MAX && v.len % 4 != 0) bad = v.len;
  if (bad == SIZE_MAX) {
    if (evs_buf_reserve(ps->store, evs_base64_decoded_max(v.len) + 1) != EVS_OK)
      return evs_jd_fail(&ps->d, EVS_ERR_NOMEM, v.start, "out of memory");
    size_t n = 0;
    if (evs_base64_decode(v.s, v.len, ps->store->data + ps->store->len, &n, &bad)) {
      ps->off[EVS_CE_N_ATTRS] = ps->store->len;
      ps->store->len += n;
      evs_buf_append_byte(ps->store, 0);
      ps->bin_len = n;
      ps->have_bin = true;
      return EVS_OK;
    }
  }
  if (bad >= v.len)
    return evs_jd_fail(&ps->d, EVS_ERR_SYNTAX, in_input(&v, v.len),
                       "data_base64 is not padded base64 (RFC 4648): %zu characters, not a multiple of 4",
                       v.len);
  return evs_jd_fail(&ps->d, EVS_ERR_SYNTAX, in_input(&v, bad),
                     "data_base64 is not standard base64 (RFC 4648): character %zu", bad + 1);
}

static evs_status unknown_member(ce_parse *ps, const evs_jstr *k) {
  unknown_name *u = evs_grow(ps->unknown, &ps->cap_unknown, ps->n_unknown, sizeof *u, 16);
  if (!u) return evs_jd_fail(&ps->d, EVS_ERR_NOMEM, k->start, "out of memory");
  ps->unknown = u;
  ps->unknown[ps->n_unknown++] = (unknown_name){ps->names.len, k->len, k->start};
  evs_buf_append(&ps->names, k->s, k->len);
  if (evs_buf_status(&ps->names) != EVS_OK)
    return evs_jd_fail(&ps->d, EVS_ERR_NOMEM, k->start, "out of memory");
  return evs_jd_skip(&ps->d);
}

typedef struct sort_name {
  const uint8_t *s;
  size_t len;
  const char *at;
} sort_name;

static int cmp_name(const void *a, const void *b) {
  const sort_name *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  if (c) return c;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* *dup = the second spelling of an unknown member name given twice, NULL when they are all distinct.
 * Sorting by (name, position) makes repeats neighbours: O(n log n) even for a line of many members. */
static evs_status duplicate_unknown(ce_parse *ps, const char **dup) {
  *dup = NULL;
  size_t n = ps->n_unknown;
  if (n < 2) return EVS_OK;
  sort_name *sorted = evs_malloc(n * sizeof *sorted);
  if (!sorted) return evs_jd_fail(&ps->d, EVS_ERR_NOMEM, ps->d.base, "out of memory");
  for (size_t i = 0; i < n; i++)
    sorted[i] = (sort_name){ps->names.data + ps->unknown[i].off, ps->unknown[i].len, ps->unknown[i].at};
  qsort(sorted, n, sizeof *sorted, cmp_name);
  for (size_t i = 1; i < n; i++) {
    if (sorted[i].len == sorted[i - 1].len && memcmp(sorted[i].s, sorted[i - 1].s, sorted[i].len) == 0 &&
        (!*dup || sorted[i].at < *dup))
      *dup = sorted[i].at;
  }
  evs_free(sorted);
  return EVS_OK;
}

static evs_status members(ce_parse *ps) {
  evs_jdec *d = &ps->d;
  evs_status st;
  bool more = true;
  evs_jd_ws(d);
  if (d->p < d->end && *d->p == '}') return evs_jd_next(d, '}', &more);
  while (more) {
    evs_jd_ws(d);
    if (d->p >= d->end || *d->p != '"') {
      char b[16];
      return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "expected a member name, found %s",
                         evs_jd_token_name(d, b));
    }
    evs_jstr k;
    if ((st = evs_jd_string(d, &k)) != EVS_OK) return st;
    int i = member_index(&k);
    if ((st = evs_jd_colon(d)) != EVS_OK) return st;
    if (i >= 0) {
      if (ps->seen[i])
        return evs_jd_fail(d, EVS_ERR_DUPLICATE, k.start, "\"%s\" given twice", member_name(i));
      ps->seen[i] = k.start;
      int other = i == M_DATA ? M_DATA_BASE64 : i == M_DATA_BASE64 ? M_DATA : -1;
      if (other >= 0 && ps->seen[other])
        return evs_jd_fail(d, EVS_ERR_VALIDATION, k.start, "both data and data_base64 (one payload only)");
    }
    if (i == M_DATA) {
      ps->data_start = d->p;
      st = evs_jd_skip(d);
      ps->data_len = (size_t)(d->p - ps->data_start);
    } else if (i == M_DATA_BASE64) {
      st = data_base64(ps);
    } else if (i >= 0) {
      st = attribute(ps, i);
    } else {
      st = unknown_member(ps, &k);
    }
    if (st != EVS_OK) return st;
    if ((st = evs_jd_next(d, '}', &more)) != EVS_OK) return st;
  }
  return EVS_OK;
}

static evs_status finish(ce_parse *ps, uint32_t flags, const char *json, evs_ce_event *ev) {
  evs_jdec *d = &ps->d;
  evs_jd_ws(d);
  if (d->p != d->end) {
    char b[16];
    return evs_jd_fail(d, EVS_ERR_SYNTAX, d->p, "text after the event object: %s", evs_jd_token_name(d, b));
  }
  const char *dup;
  evs_status st = duplicate_unknown(ps, &dup);
  if (st != EVS_OK) return st;
  if (dup) {
    evs_jstr k;
    d->p = dup;
    if (evs_jd_string(d, &k) != EVS_OK) k.len = 0;
    return evs_jd_fail(d, EVS_ERR_DUPLICATE, dup, "\"%.*s\" given twice", k.len > 64 ? 64 : (int)k.len, k.s);
  }
  if (!(flags & EVS_CE_PARTIAL)) {
    static const int required[] = {0, 1, 2, 3}; /* specversion, id, source, type */
    for (size_t r = 0; r < sizeof required / sizeof *required; r++)
      if (!ps->set[required[r]])
        return evs_jd_fail(d, EVS_ERR_VALIDATION, json, "no \"%s\" (a required attribute)",
                           evs_ce_attrs[required[r]].name);
  }
  int ct = evs_ce_attr_by_name("datacontenttype", 15);
  if (ps->data_start && ps->set[ct] && *ps->data_start != '"' &&
      !evs_ce_media_is_json((const char *)ps->store->data + ps->off[ct]))
    return evs_jd_fail(d, EVS_ERR_TYPE, ps->data_start,
                       "data must be a string: datacontenttype '%.60s' is not JSON",
                       (const char *)ps->store->data + ps->off[ct]);
  if (evs_buf_status(ps->store) != EVS_OK) return evs_jd_fail(d, EVS_ERR_NOMEM, json, "out of memory");
  for (int i = 0; i < EVS_CE_N_ATTRS; i++)
    if (ps->set[i]) *evs_ce_slot(ev, i) = (const char *)ps->store->data + ps->off[i];
  if (ps->data_start) {
    ev->data_kind = EVS_CE_DATA_JSON;
    ev->data = ps->data_start;
    ev->data_len = ps->data_len;
  } else if (ps->have_bin) {
    ev->data_kind = EVS_CE_DATA_BINARY;
    ev->data = ps->store->data + ps->off[EVS_CE_N_ATTRS];
    ev->data_len = ps->bin_len;
  }
  return EVS_OK;
}

evs_status evs_ce_parse_json(const char *json, size_t len, uint32_t flags, evs_ce_event *ev, evs_buf *store,
                             evs_error *err) {
  if (ev) memset(ev, 0, sizeof *ev);
  if (!ev || !store || (!json && len)) return evs_fail(err, EVS_ERR_INVALID_ARG, "json, ev or store is NULL");
  if (!json) json = "";
  evs_buf_reset(store);
  ce_parse ps;
  memset(&ps, 0, sizeof ps);
  ps.store = store;
  ps.names = (evs_buf)EVS_BUF_INIT;
  ps.d.base = json;
  ps.d.p = json;
  ps.d.end = json + len;
  ps.d.err = err;
  /* data is skipped here and decoded later by the JSON codec, whose message-level limit then applies;
   * the skip is bounded by as many arrays and objects as a valid document of that depth can open, plus
   * the event object itself. */
  ps.d.max_depth = EVS_JSON_DEFAULT_MAX_DEPTH;
  ps.d.max_brackets = 2 * EVS_JSON_DEFAULT_MAX_DEPTH + 2 + 1;
  evs_jdec *d = &ps.d;
  evs_status st;
  evs_jd_ws(d);
  if (d->p >= d->end || *d->p != '{') {
    st = evs_jd_expected(d, d->p, "one JSON object (a CloudEvent) per line");
  } else if ((st = evs_jd_enter(d)) == EVS_OK && (st = members(&ps)) == EVS_OK) {
    st = finish(&ps, flags, json, ev);
  }
  evs_free(d->sbuf);
  evs_free(ps.unknown);
  evs_buf_free(&ps.names);
  if (st != EVS_OK) memset(ev, 0, sizeof *ev);
  return st;
}
