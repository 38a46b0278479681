/* gen_corpus: a deterministic corpus of protobuf binary messages for the JSON differential test.
 *
 * usage: gen_corpus [--type FULL_NAME] [--seed N] [--count N] [--dup-keys] [--avoid flt-max] > corpus.bin
 * Writes a varint-length-delimited stream (protobuf's writeDelimitedTo): first one message per edge value
 * of every top-level field of the type (one field set, e.g. f_int64 = INT64_MIN), then `count` random
 * messages (default 3000) with each field set with probability 1/3. The type defaults to
 * evs.test.v1.AllTypes; any message compiled into the test (builtin catalog or alltypes.proto) works.
 *
 * Messages are written straight in wire format from the protobuf-c descriptors, so every field type is
 * covered without per-field code, and so are wire shapes protobuf-c itself never writes: duplicate map
 * keys and a oneof set twice with --dup-keys (last wins; off by default because libprotobuf 3.21 then
 * prints the key or both members), unpacked repeated scalars. Every value is valid
 * ProtoJSON content: Timestamps and Durations in range, FieldMask paths that round-trip, Any packing a
 * known type, finite numbers in google.protobuf.Value, canonical quiet NaNs elsewhere (JSON has one NaN),
 * UTF-8 without NUL (protobuf-c strings end at a NUL). The same seed always gives the same bytes. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/catalog.h"
#include "evs/registry.h"

extern const evs_catalog evs_test_alltypes_catalog;

/* ------------------------------------------------------------------ output buffer */

typedef struct wbuf {
  uint8_t *d;
  size_t n, cap;
} wbuf;

static void put(wbuf *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->n + n) cap *= 2;
    b->d = realloc(b->d, cap);
    if (!b->d) abort();
    b->cap = cap;
  }
  if (n) memcpy(b->d + b->n, p, n);
  b->n += n;
}

static void put_varint(wbuf *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  put(b, tmp, n);
}

static void put_tag(wbuf *b, uint32_t number, unsigned wire) {
  put_varint(b, ((uint64_t)number << 3) | wire);
}

static void put_fixed(wbuf *b, uint64_t v, size_t width) {
  uint8_t tmp[8];
  for (size_t i = 0; i < width; i++) tmp[i] = (uint8_t)(v >> (8 * i));
  put(b, tmp, width);
}

static void put_len(wbuf *b, uint32_t number, const wbuf *payload) {
  put_tag(b, number, 2);
  put_varint(b, payload->n);
  put(b, payload->d, payload->n);
}

/* ------------------------------------------------------------------ randomness */

static uint64_t g_state;

static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (g_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) {
  return n ? rnd() % n : 0;
}

static bool chance(unsigned one_in) {
  return below(one_in) == 0;
}

/* ------------------------------------------------------------------ edge values */

static const int64_t k_i32[] = {INT32_MIN, INT32_MAX, 0, -1, 1, 100000, -2147483647};
static const int64_t k_i64[] = {INT64_MIN,
                                INT64_MAX,
                                0,
                                -1,
                                1,
                                (1ll << 53) - 1,
                                1ll << 53,
                                (1ll << 53) + 1,
                                -((1ll << 53) + 1),
                                1000000000000000000ll};
static const uint64_t k_u32[] = {0, UINT32_MAX, 1u << 31, 1};
static const uint64_t k_u64[] = {0, UINT64_MAX, 1ull << 63, (1ull << 53) + 1, 1, 18446744073709549568ull};

static float float_edge(size_t i) {
  const float v[] = {0.0f,      -0.0f, FLT_MIN, 1.4e-45f,    FLT_MAX,     -FLT_MAX, NAN,    INFINITY,
                     -INFINITY, 0.1f,  1.1f,    16777217.0f, 123456.789f, 1e-10f,   3.0e38f};
  return v[i % (sizeof v / sizeof v[0])];
}
#define N_FLOAT_EDGES 15

static double double_edge(size_t i) {
  const double v[] = {0.0,
                      -0.0,
                      DBL_MIN,
                      4.9406564584124654e-324,
                      DBL_MIN / 2,
                      DBL_MAX,
                      -DBL_MAX,
                      NAN,
                      INFINITY,
                      -INFINITY,
                      0.1,
                      0.1 + 0.2,
                      1e21,
                      1e-7,
                      1e22,
                      9007199254740993.0,
                      123456789012345678.0,
                      1.0 / 3,
                      5e-324,
                      -1.5};
  return v[i % (sizeof v / sizeof v[0])];
}
#define N_DOUBLE_EDGES 20

static bool g_avoid_flt_max;

static uint32_t float_bits(float f) {
  if (isnan(f)) return 0x7fc00000u; /* the one NaN JSON can carry */
  if (g_avoid_flt_max && fabsf(f) == FLT_MAX) f = copysignf(3.0e38f, f);
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static uint64_t double_bits(double d) {
  if (isnan(d)) return 0x7ff8000000000000ull;
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}

static float random_float(void) {
  if (chance(3)) return float_edge((size_t)below(N_FLOAT_EDGES));
  uint32_t u = (uint32_t)rnd();
  float f;
  memcpy(&f, &u, 4);
  return isnan(f) ? 1.5f : f;
}

static double random_double(bool finite) {
  double d;
  if (chance(3)) {
    d = double_edge((size_t)below(N_DOUBLE_EDGES));
  } else if (chance(2)) {
    uint64_t u = rnd();
    memcpy(&d, &u, 8);
  } else {
    d = (double)(int64_t)rnd() / (double)(1 + below(1000000));
  }
  if (finite && !isfinite(d)) d = 0.25;
  if (isnan(d)) d = 2.5;
  return d;
}

/* Valid UTF-8, no NUL: ASCII, escapes JSON must write (quotes, backslash, controls), 2-, 3- and 4-byte
 * characters, U+2028, U+FFFF, U+10FFFF. */
static void put_utf8(wbuf *b, uint32_t cp) {
  uint8_t t[4];
  size_t n;
  if (cp < 0x80) {
    t[0] = (uint8_t)cp;
    n = 1;
  } else if (cp < 0x800) {
    t[0] = (uint8_t)(0xc0 | (cp >> 6));
    t[1] = (uint8_t)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    t[0] = (uint8_t)(0xe0 | (cp >> 12));
    t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    t[2] = (uint8_t)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    t[0] = (uint8_t)(0xf0 | (cp >> 18));
    t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    t[3] = (uint8_t)(0x80 | (cp & 0x3f));
    n = 4;
  }
  put(b, t, n);
}

static uint32_t random_codepoint(void) {
  static const uint32_t special[] = {'"',    '\\',    '/',     1,        8,      9,      10,     12,
                                     13,     0x1f,    0x7f,    0xe9,     0x20ac, 0x2028, 0x2029, 0xfeff,
                                     0xffff, 0x1f600, 0x10000, 0x10ffff, '<',    '&',    0x4e2d};
  switch (below(4)) {
    case 0:
      return special[below(sizeof special / sizeof special[0])];
    case 1: {
      uint32_t cp = 0x80 + (uint32_t)below(0x10ffff - 0x80);
      return cp >= 0xd800 && cp <= 0xdfff ? 0xe000 : cp;
    }
    default:
      return 0x20 + (uint32_t)below(0x5f);
  }
}

static void random_string(wbuf *b, size_t max_chars) {
  size_t n = chance(8) ? 0 : (size_t)below(max_chars + 1);
  if (chance(200)) n = 3000;
  for (size_t i = 0; i < n; i++) put_utf8(b, random_codepoint());
}

static void random_bytes(wbuf *b) {
  size_t n = chance(8) ? 0 : (size_t)below(40);
  if (chance(50)) n = 256;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = n == 256 ? (uint8_t)i : (uint8_t)rnd();
    put(b, &c, 1);
  }
}

/* FieldMask paths must survive snake_case -> lowerCamel -> snake_case: lower-case words joined by single
 * underscores, no digits after an underscore. */
static void random_path(wbuf *b) {
  size_t segs = 1 + (size_t)below(3);
  for (size_t s = 0; s < segs; s++) {
    if (s) put(b, ".", 1);
    size_t words = 1 + (size_t)below(3);
    for (size_t w = 0; w < words; w++) {
      if (w) put(b, "_", 1);
      /* Later words have 2+ letters: "a_b_c" prints as "aBC", which libprotobuf 3.21 reads as "a_bc". */
      size_t len = (w ? 2 : 1) + (size_t)below(4);
      for (size_t i = 0; i < len; i++) {
        char c = (char)('a' + below(26));
        put(b, &c, 1);
      }
    }
  }
}

/* ------------------------------------------------------------------ map keys */

/* Keys already used in the map being written: binary maps may repeat a key (the last entry wins), but
 * libprotobuf 3.21 then prints the key twice, so the differential corpus has unique keys unless
 * --dup-keys asks for repeats. */
typedef struct key_set {
  wbuf keys[64];
  size_t n;
} key_set;

static bool g_dup_keys;
static int g_in_any; /* > 0 while writing the payload of a google.protobuf.Any */

static bool key_fresh(key_set *ks, const wbuf *key) {
  if (g_dup_keys) return true;
  for (size_t i = 0; i < ks->n; i++)
    if (ks->keys[i].n == key->n && (key->n == 0 || !memcmp(ks->keys[i].d, key->d, key->n))) return false;
  if (ks->n < 64) {
    wbuf copy = {0};
    put(&copy, key->d, key->n);
    ks->keys[ks->n++] = copy;
  }
  return true;
}

static void key_set_free(key_set *ks) {
  for (size_t i = 0; i < ks->n; i++) free(ks->keys[i].d);
  ks->n = 0;
}

/* ------------------------------------------------------------------ messages */

static const evs_registry *g_reg;
static void random_message(wbuf *b, const ProtobufCMessageDescriptor *d, int depth);

static bool is(const ProtobufCMessageDescriptor *d, const char *name) {
  return strcmp(d->name, name) == 0;
}

static void random_value(wbuf *b, int depth); /* google.protobuf.Value */

static void random_struct(wbuf *b, int depth) {
  size_t n = (size_t)below(depth > 2 ? 2 : 5);
  key_set ks = {.n = 0};
  for (size_t i = 0; i < n; i++) {
    wbuf entry = {0}, key = {0}, val = {0};
    random_string(&key, 8);
    if (!key_fresh(&ks, &key)) {
      free(key.d);
      continue;
    }
    put_len(&entry, 1, &key);
    random_value(&val, depth + 1);
    put_len(&entry, 2, &val);
    put_len(b, 1, &entry);
    free(entry.d);
    free(key.d);
    free(val.d);
  }
  key_set_free(&ks);
}

static void random_list(wbuf *b, int depth) {
  size_t n = (size_t)below(depth > 2 ? 2 : 5);
  for (size_t i = 0; i < n; i++) {
    wbuf val = {0};
    random_value(&val, depth + 1);
    put_len(b, 1, &val);
    free(val.d);
  }
}

static void random_value(wbuf *b, int depth) {
  wbuf sub = {0};
  switch (below(depth > 3 ? 4 : 6)) {
    case 0:
      put_tag(b, 1, 0);
      put_varint(b, 0);
      break;
    case 1:
      put_tag(b, 2, 1);
      put_fixed(b, double_bits(random_double(true)), 8);
      break;
    case 2:
      random_string(&sub, 12);
      put_len(b, 3, &sub);
      break;
    case 3:
      put_tag(b, 4, 0);
      put_varint(b, below(2));
      break;
    case 4:
      random_struct(&sub, depth);
      put_len(b, 5, &sub);
      break;
    default:
      random_list(&sub, depth);
      put_len(b, 6, &sub);
  }
  free(sub.d);
}

static void random_any(wbuf *b, int depth) {
  static const char *const types[] = {"evs.test.v1.Nested",          "google.protobuf.Timestamp",
                                      "google.protobuf.Duration",    "google.protobuf.Int32Value",
                                      "google.protobuf.Struct",      "google.protobuf.Empty",
                                      "google.protobuf.StringValue", "google.protobuf.FieldMask",
                                      "google.protobuf.Value",       "evs.test.v1.AllTypes"};
  size_t n_types = sizeof types / sizeof types[0] - (depth > 1 ? 1 : 0);
  const char *t = types[below(n_types)];
  const evs_message *m = evs_registry_find_message(g_reg, t);
  if (!m || !m->c_desc) abort();
  wbuf url = {0}, val = {0};
  put(&url, "type.googleapis.com/", 20);
  put(&url, t, strlen(t));
  put_len(b, 1, &url);
  g_in_any++;
  /* A well-known type holding its default (0, "", empty Struct or FieldMask) packs to no bytes, and
   * libprotobuf 3.21 then prints no "value". */
  bool wrapper = !strncmp(t, "google.protobuf.", 16) && strcmp(t, "google.protobuf.Empty") != 0;
  for (int tries = 0; tries < 1000; tries++) {
    val.n = 0;
    random_message(&val, m->c_desc, depth + 1);
    if (val.n || !wrapper) break;
  }
  g_in_any--;
  if (val.n) put_len(b, 2, &val);
  free(url.d);
  free(val.d);
}

static void random_wkt_time(wbuf *b, bool duration) {
  int64_t s;
  int32_t ns;
  if (duration) {
    static const int64_t edges[] = {315576000000ll, -315576000000ll, 0, 1, -1};
    s = chance(4) ? edges[below(5)] : (int64_t)below(631152000001ull) - 315576000000ll;
    ns = chance(3) ? 0 : (int32_t)below(1000000000);
    if (s < 0 || (s == 0 && chance(2))) ns = -ns;
  } else {
    static const int64_t edges[] = {-62135596800ll, 253402300799ll, 0, -1, 1737972000};
    s = chance(4) ? edges[below(5)] : (int64_t)below(253402300799ull + 62135596801ull) - 62135596800ll;
    static const int32_t ns_edges[] = {0, 999999999, 1, 1000000, 10000000, 123456000, 500000000};
    ns = chance(2) ? ns_edges[below(7)] : (int32_t)below(1000000000);
  }
  if (s) {
    put_tag(b, 1, 0);
    put_varint(b, (uint64_t)s);
  }
  if (ns) {
    put_tag(b, 2, 0);
    put_varint(b, (uint64_t)(int64_t)ns);
  }
}

/* One value of field f (no tag) for a scalar type; returns the wire type. */
static unsigned scalar(wbuf *b, const ProtobufCFieldDescriptor *f, int edge) {
  size_t e = edge >= 0 ? (size_t)edge : 0;
  bool pick = edge >= 0 || chance(3);
#define EDGE(arr) (arr[(edge >= 0 ? e : below(sizeof arr / sizeof arr[0])) % (sizeof arr / sizeof arr[0])])
  switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
      put_varint(b, (uint64_t)(pick ? EDGE(k_i32) : (int64_t)(int32_t)rnd()));
      return 0;
    case PROTOBUF_C_TYPE_SINT32: {
      int32_t v = (int32_t)(pick ? EDGE(k_i32) : (int32_t)rnd());
      put_varint(b, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
      return 0;
    }
    case PROTOBUF_C_TYPE_SFIXED32:
      put_fixed(b, (uint32_t)(int32_t)(pick ? EDGE(k_i32) : (int32_t)rnd()), 4);
      return 5;
    case PROTOBUF_C_TYPE_INT64:
      put_varint(b, (uint64_t)(pick ? EDGE(k_i64) : (int64_t)rnd()));
      return 0;
    case PROTOBUF_C_TYPE_SINT64: {
      int64_t v = pick ? EDGE(k_i64) : (int64_t)rnd();
      put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
      return 0;
    }
    case PROTOBUF_C_TYPE_SFIXED64:
      put_fixed(b, (uint64_t)(pick ? EDGE(k_i64) : (int64_t)rnd()), 8);
      return 1;
    case PROTOBUF_C_TYPE_UINT32:
      put_varint(b, pick ? EDGE(k_u32) : (uint32_t)rnd());
      return 0;
    case PROTOBUF_C_TYPE_FIXED32:
      put_fixed(b, pick ? EDGE(k_u32) : (uint32_t)rnd(), 4);
      return 5;
    case PROTOBUF_C_TYPE_UINT64:
      put_varint(b, pick ? EDGE(k_u64) : rnd());
      return 0;
    case PROTOBUF_C_TYPE_FIXED64:
      put_fixed(b, pick ? EDGE(k_u64) : rnd(), 8);
      return 1;
    case PROTOBUF_C_TYPE_FLOAT:
      put_fixed(b, float_bits(edge >= 0 ? float_edge(e) : random_float()), 4);
      return 5;
    case PROTOBUF_C_TYPE_DOUBLE:
      put_fixed(b, double_bits(edge >= 0 ? double_edge(e) : random_double(false)), 8);
      return 1;
    case PROTOBUF_C_TYPE_BOOL:
      put_varint(b, edge >= 0 ? e % 2 : below(2));
      return 0;
    case PROTOBUF_C_TYPE_ENUM: {
      const ProtobufCEnumDescriptor *ed = f->descriptor;
      int64_t v;
      if (!strcmp(ed->name, "google.protobuf.NullValue")) {
        v = 0;
      } else if (edge >= 0) {
        v = e < ed->n_values ? ed->values[e].value : (e % 2 ? 123 : -77); /* open enums: unknown numbers */
      } else if (chance(6)) {
        v = (int32_t)below(1000) - 500;
      } else {
        v = ed->values[below(ed->n_values)].value;
      }
      put_varint(b, (uint64_t)v);
      return 0;
    }
    default:
      abort();
  }
#undef EDGE
}

static size_t n_edges(const ProtobufCFieldDescriptor *f) {
  switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
      return sizeof k_i32 / sizeof k_i32[0];
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
      return sizeof k_i64 / sizeof k_i64[0];
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
      return sizeof k_u32 / sizeof k_u32[0];
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      return sizeof k_u64 / sizeof k_u64[0];
    case PROTOBUF_C_TYPE_FLOAT:
      return N_FLOAT_EDGES;
    case PROTOBUF_C_TYPE_DOUBLE:
      return N_DOUBLE_EDGES;
    case PROTOBUF_C_TYPE_BOOL:
      return 2;
    case PROTOBUF_C_TYPE_ENUM:
      return ((const ProtobufCEnumDescriptor *)f->descriptor)->n_values + 2;
    default:
      return 1;
  }
}

/* A plain proto3 field (no presence) whose value bytes mean the default. */
static bool implicit_default(const ProtobufCFieldDescriptor *f, const wbuf *v) {
  if (f->label != PROTOBUF_C_LABEL_NONE || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) return false;
  for (size_t i = 0; i < v->n; i++)
    if (v->d[i]) return false;
  return true; /* zero varint, zero fixed bits, or an empty string/bytes value */
}

/* -0.0 in a plain proto3 float/double field: protobuf-c 1.4.1 compares with == 0 when packing and drops
 * it, so it cannot survive a round trip through evs (tests/golden/json/known_failures.txt). */
static void no_negative_zero(const ProtobufCFieldDescriptor *f, wbuf *v) {
  if (f->label != PROTOBUF_C_LABEL_NONE || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) return;
  if ((f->type == PROTOBUF_C_TYPE_DOUBLE && v->n == 8) || (f->type == PROTOBUF_C_TYPE_FLOAT && v->n == 4))
    v->d[v->n - 1] &= 0x7f; /* clears the sign: -0.0 becomes 0.0, other values change sign */
}

/* Writes one occurrence of field f (tag included); edge >= 0 picks that edge value for scalars. Inside an
 * Any, plain fields holding their default are left out: libprotobuf 3.21 prints Any contents from the wire
 * and would show them. */
static void one_field(wbuf *b, const ProtobufCFieldDescriptor *f, int depth, int edge) {
  wbuf sub = {0};
  switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
      random_string(&sub, 20);
      if (!(g_in_any && implicit_default(f, &sub))) put_len(b, f->id, &sub);
      break;
    case PROTOBUF_C_TYPE_BYTES:
      random_bytes(&sub);
      if (!(g_in_any && implicit_default(f, &sub))) put_len(b, f->id, &sub);
      break;
    case PROTOBUF_C_TYPE_MESSAGE:
      random_message(&sub, f->descriptor, depth + 1);
      put_len(b, f->id, &sub);
      break;
    default: {
      unsigned wire = scalar(&sub, f, edge);
      no_negative_zero(f, &sub);
      if (g_in_any && implicit_default(f, &sub)) break;
      put_tag(b, f->id, wire);
      put(b, sub.d, sub.n);
    }
  }
  free(sub.d);
}

static bool is_packable(const ProtobufCFieldDescriptor *f) {
  return f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES &&
         f->type != PROTOBUF_C_TYPE_MESSAGE;
}

static bool is_map_entry(const ProtobufCMessageDescriptor *d) {
  size_t len = strlen(d->name);
  return d->n_fields == 2 && len > 5 && !strcmp(d->name + len - 5, "Entry") && d->fields[0].id == 1 &&
         d->fields[1].id == 2;
}

static void map_field(wbuf *b, const ProtobufCFieldDescriptor *f, int depth) {
  const ProtobufCMessageDescriptor *entry_desc = f->descriptor;
  size_t n = (size_t)below(depth > 2 ? 2 : 5);
  key_set ks = {.n = 0};
  for (size_t i = 0; i < n; i++) {
    wbuf key = {0}, entry = {0};
    one_field(&key, &entry_desc->fields[0], depth, -1);
    if (key_fresh(&ks, &key)) {
      put(&entry, key.d, key.n);
      size_t before = entry.n;
      one_field(&entry, &entry_desc->fields[1], depth, -1);
      /* Inside an Any, libprotobuf 3.21 does not print an entry whose value is left out (the default). */
      if (!g_in_any || entry.n > before) put_len(b, f->id, &entry);
    }
    free(key.d);
    free(entry.d);
  }
  key_set_free(&ks);
}

static void repeated_field(wbuf *b, const ProtobufCFieldDescriptor *f, int depth, bool all_edges) {
  if (f->type == PROTOBUF_C_TYPE_MESSAGE && is_map_entry(f->descriptor)) return map_field(b, f, depth);
  size_t n = all_edges ? n_edges(f) : (size_t)below(depth > 2 ? 2 : 5);
  if (is_packable(f) && (all_edges || !chance(4))) { /* packed, as proto3 writes; sometimes not */
    wbuf packed = {0};
    for (size_t i = 0; i < n; i++) scalar(&packed, f, all_edges ? (int)i : -1);
    if (n) put_len(b, f->id, &packed);
    free(packed.d);
    return;
  }
  for (size_t i = 0; i < n; i++) one_field(b, f, depth, all_edges ? (int)i : -1);
}

static void random_message(wbuf *b, const ProtobufCMessageDescriptor *d, int depth) {
  if (is(d, "google.protobuf.Timestamp") || is(d, "google.protobuf.Duration")) {
    random_wkt_time(b, is(d, "google.protobuf.Duration"));
    return;
  }
  if (is(d, "google.protobuf.Value")) return random_value(b, depth);
  if (is(d, "google.protobuf.Struct")) return random_struct(b, depth);
  if (is(d, "google.protobuf.ListValue")) return random_list(b, depth);
  if (is(d, "google.protobuf.Any")) return random_any(b, depth);
  if (is(d, "google.protobuf.FieldMask")) {
    for (size_t i = below(4); i > 0; i--) {
      wbuf p = {0};
      random_path(&p);
      put_len(b, 1, &p);
      free(p.d);
    }
    return;
  }
  bool map_entry = is_map_entry(d);
  unsigned oneof_seen = 0;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    bool self = f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor == d;
    if (self && depth > 3) continue;
    if (!map_entry && !chance(depth > 1 ? 5 : 3)) continue;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      /* Another member of a oneof already set: with --dup-keys it is sometimes overwritten (last wins). */
      if (oneof_seen == f->quantifier_offset && !(g_dup_keys && chance(10))) continue;
      oneof_seen = f->quantifier_offset;
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      repeated_field(b, f, depth, false);
      /* A second run of entries: with --dup-keys some keys repeat (the last entry wins). */
      if (g_dup_keys && f->type == PROTOBUF_C_TYPE_MESSAGE && chance(5)) repeated_field(b, f, depth, false);
    } else {
      one_field(b, f, depth, -1);
    }
  }
}

/* One message per edge value of each top-level field (only that field set); repeated scalar fields get
 * all edge values in one message. */
static void edge_messages(const ProtobufCMessageDescriptor *d, wbuf *out, size_t *count) {
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    size_t n = f->label == PROTOBUF_C_LABEL_REPEATED ? 1 : n_edges(f);
    for (size_t e = 0; e < n; e++) {
      wbuf m = {0};
      if (f->label == PROTOBUF_C_LABEL_REPEATED)
        repeated_field(&m, f, 0, is_packable(f));
      else
        one_field(&m, f, 0, (int)e);
      put_varint(out, m.n);
      put(out, m.d, m.n);
      free(m.d);
      (*count)++;
    }
  }
}

int main(int argc, char **argv) {
  const char *type = "evs.test.v1.AllTypes";
  unsigned long long seed = 1, count = 3000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--type") && i + 1 < argc) {
      type = argv[++i];
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--avoid") && i + 1 < argc && !strcmp(argv[i + 1], "flt-max")) {
      g_avoid_flt_max = true;
      i++;
    } else if (!strcmp(argv[i], "--dup-keys")) {
      g_dup_keys = true;
    } else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
      count = strtoull(argv[++i], NULL, 10);
    } else {
      fprintf(stderr,
              "usage: gen_corpus [--type FULL_NAME] [--seed N] [--count N] [--dup-keys] [--avoid flt-max]\n");
      return 2;
    }
  }
  evs_registry *reg = NULL;
  evs_error err;
  if (evs_registry_new(&reg, &err) != EVS_OK || evs_registry_add_catalog(reg, &evs_builtin_catalog, &err) ||
      evs_registry_add_catalog(reg, &evs_test_alltypes_catalog, &err)) {
    fprintf(stderr, "gen_corpus: registry: %s\n", err.msg);
    return 1;
  }
  g_reg = reg;
  const evs_message *m = evs_registry_find_message(reg, type);
  if (!m || !m->c_desc) {
    fprintf(stderr, "gen_corpus: no compiled message %s\n", type);
    evs_registry_free(reg);
    return 2;
  }
  g_state = seed;
  wbuf out = {0};
  size_t n = 0;
  edge_messages(m->c_desc, &out, &n);
  for (unsigned long long i = 0; i < count; i++, n++) {
    wbuf msg = {0};
    random_message(&msg, m->c_desc, 0);
    put_varint(&out, msg.n);
    put(&out, msg.d, msg.n);
    free(msg.d);
  }
  fwrite(out.d, 1, out.n, stdout);
  fprintf(stderr, "gen_corpus: %zu %s messages, %zu bytes (seed %llu)\n", n, type, out.n, seed);
  free(out.d);
  evs_registry_free(reg);
  return fflush(stdout) == 0 ? 0 : 1;
}
