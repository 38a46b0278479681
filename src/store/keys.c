/* The advisory-lock keys of an append (docs/store.md, "Who computes the keys"), in the two forms the server
 * takes: the [type, tag key, tag value] arrays evs_lock_given hashes, and the hashes themselves, computed
 * here as the server computes them (hashtextextended(jsonb_build_array(...)::text, 0)), for the one-event
 * path that takes its locks by number. test_lock_keys_match_server checks both against evs_lock_keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/json.h"
#include "store/store_internal.h"

/* One key of store_keys.ids. */
typedef struct store_key {
  int64_t k;
  bool excl;
} store_key;

void store_keys_reset(store_keys *keys, bool hash) {
  keys->hash = hash;
  evs_buf_reset(&keys->shared);
  evs_buf_reset(&keys->excl);
  evs_buf_reset(&keys->ids);
  evs_buf_append_byte(&keys->shared, '[');
  evs_buf_append_byte(&keys->excl, '[');
}

void store_keys_free(store_keys *keys) {
  evs_buf_free(&keys->shared);
  evs_buf_free(&keys->excl);
  evs_buf_free(&keys->ids);
  evs_buf_free(&keys->text);
}

static uint32_t rot32(uint32_t x, int k) {
  return (x << k) | (x >> (32 - k));
}

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bob Jenkins' lookup3 mixing as PostgreSQL's hash_bytes_extended uses it with seed 0 (the result of
 * hashtextextended(text, 0) for a text in a deterministic collation) on a little-endian server; a
 * big-endian one reads the words the other way round, which store_hash_agrees finds. */
int64_t store_pg_hash(const void *data, size_t len) {
  const unsigned char *k = data;
  uint32_t a, b, c;
  a = b = c = 0x9e3779b9u + (uint32_t)len + 3923095u;
#define STORE_MIX()                                                                                       \
  do {                                                                                                    \
    a -= c, a ^= rot32(c, 4), c += b, b -= a, b ^= rot32(a, 6), a += c, c -= b, c ^= rot32(b, 8), b += a; \
    a -= c, a ^= rot32(c, 16), c += b, b -= a, b ^= rot32(a, 19), a += c, c -= b, c ^= rot32(b, 4);       \
    b += a;                                                                                               \
  } while (0)
  for (; len >= 12; k += 12, len -= 12) {
    a += le32(k), b += le32(k + 4), c += le32(k + 8);
    STORE_MIX();
  }
#undef STORE_MIX
  /* the tail: c's lowest byte stays free, as in the server's code */
  switch (len) {
    case 11:
      c += (uint32_t)k[10] << 24; /* fall through */
    case 10:
      c += (uint32_t)k[9] << 16; /* fall through */
    case 9:
      c += (uint32_t)k[8] << 8; /* fall through */
    case 8:
      b += le32(k + 4), a += le32(k);
      break;
    case 7:
      b += (uint32_t)k[6] << 16; /* fall through */
    case 6:
      b += (uint32_t)k[5] << 8; /* fall through */
    case 5:
      b += k[4]; /* fall through */
    case 4:
      a += le32(k);
      break;
    case 3:
      a += (uint32_t)k[2] << 16; /* fall through */
    case 2:
      a += (uint32_t)k[1] << 8; /* fall through */
    case 1:
      a += k[0];
      break;
    default:
      break;
  }
  c ^= b, c -= rot32(b, 14), a ^= c, a -= rot32(c, 11), b ^= a, b -= rot32(a, 25), c ^= b, c -= rot32(b, 16);
  a ^= c, a -= rot32(c, 4), b ^= a, b -= rot32(a, 14), c ^= b, c -= rot32(b, 24);
  return (int64_t)(((uint64_t)b << 32) | c);
}

/* A string as PostgreSQL's JSON output writes it (escape_json): quotes, backslash, \b \f \n \r \t, other
 * control characters as \u00xx (lower-case hex), every other byte as it is. */
static void pg_json_string(evs_buf *out, const char *s) {
  static const char hex[] = "0123456789abcdef";
  evs_buf_append_byte(out, '"');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    const char *esc = ch == '"'    ? "\\\""
                      : ch == '\\' ? "\\\\"
                      : ch == '\b' ? "\\b"
                      : ch == '\f' ? "\\f"
                      : ch == '\n' ? "\\n"
                      : ch == '\r' ? "\\r"
                      : ch == '\t' ? "\\t"
                                   : NULL;
    if (esc) {
      evs_buf_append_str(out, esc);
    } else if (ch < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
      evs_buf_append(out, u, sizeof u);
    } else {
      evs_buf_append_byte(out, ch);
    }
  }
  evs_buf_append_byte(out, '"');
}

static void json_or_null(evs_buf *out, const char *s) {
  if (s)
    evs_json_append_string(out, s, strlen(s));
  else
    evs_buf_append_str(out, "null");
}

void store_lock_key(store_keys *keys, bool excl, const char *type, const char *key, const char *value) {
  if (key && !value) value = "";
  evs_buf *out = excl ? &keys->excl : &keys->shared;
  evs_buf_append_str(out, out->len > 1 ? ",[" : "[");
  json_or_null(out, type);
  evs_buf_append_byte(out, ',');
  json_or_null(out, key);
  evs_buf_append_byte(out, ',');
  json_or_null(out, key ? value : NULL);
  evs_buf_append_byte(out, ']');
  if (!keys->hash) return;
  /* the server's text of the same array: ["T", "k", "v"] */
  evs_buf *t = &keys->text;
  evs_buf_reset(t);
  const char *parts[3] = {type, key, key ? value : NULL};
  evs_buf_append_byte(t, '[');
  for (int i = 0; i < 3; i++) {
    if (i) evs_buf_append_str(t, ", ");
    if (parts[i])
      pg_json_string(t, parts[i]);
    else
      evs_buf_append_str(t, "null");
  }
  evs_buf_append_byte(t, ']');
  store_key id = {store_pg_hash(t->data, t->len), excl};
  evs_buf_append(&keys->ids, &id, sizeof id);
}

static int key_cmp(const void *a, const void *b) {
  const store_key *x = a, *y = b;
  return (x->k > y->k) - (x->k < y->k);
}

evs_status store_keys_finish(store_keys *keys, bool slots, evs_buf *ids, evs_buf *modes, size_t *n_out) {
  evs_buf_append_str(&keys->shared, "]");
  evs_buf_append_byte(&keys->shared, 0);
  evs_buf_append_str(&keys->excl, "]");
  evs_buf_append_byte(&keys->excl, 0);
  *n_out = 0;
  if (!keys->hash)
    return evs_buf_status(&keys->shared) == EVS_OK && evs_buf_status(&keys->excl) == EVS_OK ? EVS_OK
                                                                                            : EVS_ERR_NOMEM;
  /* conditional appends and DCB reads hold off bulk appends: the four bulk slots shared (migration 6) */
  for (int g = 1; slots && g <= 4; g++) {
    store_key id = {-g, false};
    evs_buf_append(&keys->ids, &id, sizeof id);
  }
  if (evs_buf_status(&keys->ids) != EVS_OK) return EVS_ERR_NOMEM;
  store_key *k = (store_key *)(void *)keys->ids.data;
  size_t n = keys->ids.len / sizeof *k, m = 0;
  if (n) qsort(k, n, sizeof *k, key_cmp);
  /* each key once, in its strongest mode, in sorted order: the one lock order of every append */
  for (size_t i = 0; i < n; i++) {
    if (m && k[m - 1].k == k[i].k)
      k[m - 1].excl |= k[i].excl;
    else
      k[m++] = k[i];
  }
  evs_buf_reset(ids);
  evs_buf_reset(modes);
  evs_buf_append_byte(ids, '{');
  evs_buf_append_byte(modes, '{');
  for (size_t i = 0; i < m; i++) {
    char num[24];
    int len = snprintf(num, sizeof num, "%s%lld", i ? "," : "", (long long)k[i].k);
    evs_buf_append(ids, num, (size_t)len);
    evs_buf_append_str(modes, i ? (k[i].excl ? ",t" : ",f") : (k[i].excl ? "t" : "f"));
  }
  evs_buf_append_str(ids, "}");
  evs_buf_append_byte(ids, 0);
  evs_buf_append_str(modes, "}");
  evs_buf_append_byte(modes, 0);
  *n_out = m;
  return evs_buf_status(ids) == EVS_OK && evs_buf_status(modes) == EVS_OK &&
                 evs_buf_status(&keys->shared) == EVS_OK && evs_buf_status(&keys->excl) == EVS_OK
             ? EVS_OK
             : EVS_ERR_NOMEM;
}

bool store_hash_agrees(evs_store *s) {
  if (s->hash_agrees == 0) {
    const char *sample = "[\"evs\", null, null]";
    char mine[24];
    snprintf(mine, sizeof mine, "%lld", (long long)store_pg_hash(sample, strlen(sample)));
    PGresult *r = PQexec(s->conn, "SELECT hashtextextended('[\"evs\", null, null]', 0)");
    if (PQresultStatus(r) == PGRES_TUPLES_OK)
      s->hash_agrees = strcmp(PQgetvalue(r, 0, 0), mine) == 0 ? 1 : -1;
    PQclear(r);
  }
  return s->hash_agrees > 0;
}
