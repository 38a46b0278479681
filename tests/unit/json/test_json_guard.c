/* The binary input guard (evs_binary_unpack): depth at the cap on a small thread stack, strings that
 * protobuf-c would cut or that are not UTF-8, size, truncation, out of memory, and the budget that keeps
 * nested Any contents from multiplying memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "base/alloc_internal.h"
#include "jtest.h"

static const ProtobufCMessageDescriptor *RE = &evs__test__v1__recursive__descriptor;

/* Recursive{child: ...} with `levels` levels below the root, packed. */
static uint8_t *nested_recursive(int levels, size_t *len) {
  Evs__Test__V1__Recursive *nodes = calloc((size_t)levels + 1, sizeof *nodes);
  for (int i = 0; i <= levels; i++) {
    evs__test__v1__recursive__init(&nodes[i]);
    if (i) nodes[i - 1].child = &nodes[i];
  }
  nodes[levels].value = 7;
  *len = protobuf_c_message_get_packed_size(&nodes[0].base);
  uint8_t *buf = malloc(*len);
  protobuf_c_message_pack(&nodes[0].base, buf);
  free(nodes);
  return buf;
}

/* Binary -> message -> JSON -> message -> binary at EVS_MAX_DEPTH_LIMIT levels: everything that recurses
 * per level (protobuf-c's unpack, pack and free, the codec both ways) runs at the cap. */
static void *roundtrip_at_cap(void *arg) {
  int *ok = arg;
  size_t len;
  uint8_t *bin = nested_recursive(EVS_MAX_DEPTH_LIMIT, &len);
  evs_unpack_options uo = {.max_depth = EVS_MAX_DEPTH_LIMIT};
  ProtobufCMessage *m = NULL;
  evs_error err;
  if (evs_binary_unpack(RE, bin, len, &uo, NULL, &m, &err) != EVS_OK) goto out;
  evs_json_options jo = {.max_depth = EVS_MAX_DEPTH_LIMIT};
  evs_buf json = EVS_BUF_INIT;
  if (evs_json_encode(jt_registry(), m, &jo, &json, &err) != EVS_OK) goto out_free;
  ProtobufCMessage *back = NULL;
  if (evs_json_decode(jt_registry(), RE, (const char *)json.data, json.len, &jo, NULL, &back, &err) != EVS_OK)
    goto out_json;
  size_t len2 = protobuf_c_message_get_packed_size(back);
  uint8_t *bin2 = malloc(len2);
  protobuf_c_message_pack(back, bin2);
  *ok = len2 == len && memcmp(bin, bin2, len) == 0;
  free(bin2);
  protobuf_c_message_free_unpacked(back, NULL);
out_json:
  evs_buf_free(&json);
out_free:
  protobuf_c_message_free_unpacked(m, NULL);
out:
  if (!*ok) fprintf(stderr, "at the cap: %s\n", err.msg);
  free(bin);
  if (!*ok) return NULL;
  /* google.protobuf.Struct at the cap: three levels per JSON object, the codec's deepest recursion */
  *ok = 0;
  int objects = (EVS_MAX_DEPTH_LIMIT - 1) / 3;
  size_t n = (size_t)objects * 8 + 64, o;
  char *text = malloc(n);
  o = (size_t)snprintf(text, n, "{\"anyValue\":");
  for (int i = 0; i < objects; i++) o += (size_t)snprintf(text + o, n - o, "{\"a\":");
  o += (size_t)snprintf(text + o, n - o, "1");
  for (int i = 0; i < objects; i++) text[o++] = '}';
  snprintf(text + o, n - o, "}");
  ProtobufCMessage *sm = NULL, *sback = NULL;
  evs_buf js = EVS_BUF_INIT;
  if (evs_json_decode(jt_registry(), RE, text, strlen(text), &jo, NULL, &sm, &err) == EVS_OK) {
    size_t slen = protobuf_c_message_get_packed_size(sm);
    uint8_t *sbin = malloc(slen);
    protobuf_c_message_pack(sm, sbin);
    if (evs_binary_unpack(RE, sbin, slen, &uo, NULL, &sback, &err) == EVS_OK &&
        evs_json_encode(jt_registry(), sback, &jo, &js, &err) == EVS_OK)
      *ok = strcmp((const char *)js.data, text) == 0;
    protobuf_c_message_free_unpacked(sback, NULL);
    protobuf_c_message_free_unpacked(sm, NULL);
    free(sbin);
  }
  if (!*ok) fprintf(stderr, "Struct at the cap: %s\n", err.msg);
  evs_buf_free(&js);
  free(text);
  return NULL;
}

static void test_depth_cap(void **state) {
  (void)state;
  /* The header promises that a 2 MiB thread stack holds the cap (sanitizer builds included). */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)2 << 20);
  pthread_t t;
  int ok = 0;
  assert_int_equal(pthread_create(&t, &attr, roundtrip_at_cap, &ok), 0);
  pthread_join(t, NULL);
  pthread_attr_destroy(&attr);
  assert_true(ok);

  size_t len;
  uint8_t *bin = nested_recursive(EVS_MAX_DEPTH_LIMIT + 1, &len);
  evs_unpack_options uo = {.max_depth = EVS_MAX_DEPTH_LIMIT};
  ProtobufCMessage *m = NULL;
  evs_error err;
  assert_int_equal(evs_binary_unpack(RE, bin, len, &uo, NULL, &m, &err), EVS_ERR_LIMIT);
  assert_null(m);
  uo.max_depth = EVS_MAX_DEPTH_LIMIT + 1;
  assert_int_equal(evs_binary_unpack(RE, bin, len, &uo, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_binary_depth_check(bin, len, RE, EVS_MAX_DEPTH_LIMIT + 1, &err), EVS_ERR_INVALID_ARG);
  free(bin);
  /* the default: 100 levels */
  bin = nested_recursive(100, &len);
  assert_int_equal(evs_binary_unpack(RE, bin, len, NULL, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  free(bin);
  bin = nested_recursive(101, &len);
  assert_int_equal(evs_binary_unpack(RE, bin, len, NULL, NULL, &m, &err), EVS_ERR_LIMIT);
  free(bin);
}

static void test_strings(void **state) {
  (void)state;
  ProtobufCMessage *m = NULL;
  evs_error err;
  /* AllTypes.f_string is field 14 (tag 0x72) */
  const uint8_t nul[] = {0x72, 0x03, 'a', 0x00, 'b'};
  assert_int_equal(
      evs_binary_unpack(&evs__test__v1__all_types__descriptor, nul, sizeof nul, NULL, NULL, &m, &err),
      EVS_ERR_UNSUPPORTED);
  assert_null(m);
  assert_int_equal(err.offset, 2);
  assert_string_equal(err.path, "f_string");
  const uint8_t bad[] = {0x72, 0x02, 0xc3, 0x28};
  assert_int_equal(
      evs_binary_unpack(&evs__test__v1__all_types__descriptor, bad, sizeof bad, NULL, NULL, &m, &err),
      EVS_ERR_TYPE);
  assert_int_equal(err.offset, 2);
  assert_string_equal(err.path, "f_string");
  /* nested: Recursive.child.child.any_value.string_value (Value field 3) */
  const uint8_t deep[] = {0x0a, 0x09, 0x0a, 0x07, 0x22, 0x05, 0x1a, 0x03, 'x', 0xff, 'y'};
  assert_int_equal(evs_binary_unpack(RE, deep, sizeof deep, NULL, NULL, &m, &err), EVS_ERR_TYPE);
  assert_string_equal(err.path, "child.child.any_value.string_value");
  assert_int_equal(err.offset, 9);
  const uint8_t good[] = {0x72, 0x02, 0xc3, 0xa9};
  assert_int_equal(
      evs_binary_unpack(&evs__test__v1__all_types__descriptor, good, sizeof good, NULL, NULL, &m, &err),
      EVS_OK);
  assert_string_equal(((Evs__Test__V1__AllTypes *)m)->f_string, "\xc3\xa9");
  protobuf_c_message_free_unpacked(m, NULL);
}

static void test_size_truncation_syntax(void **state) {
  (void)state;
  ProtobufCMessage *m = NULL;
  evs_error err;
  const uint8_t v[] = {0x10, 0x05};
  evs_unpack_options uo = {.max_size = 1};
  assert_int_equal(evs_binary_unpack(RE, v, sizeof v, &uo, NULL, &m, &err), EVS_ERR_LIMIT);
  const uint8_t cut[] = {0x0a, 0x05, 0x10};
  assert_int_equal(evs_binary_unpack(RE, cut, sizeof cut, NULL, NULL, &m, &err), EVS_ERR_TRUNCATED);
  assert_int_equal(err.offset, 0);
  /* structurally fine, but field 1 (a message) given as a varint: protobuf-c refuses it */
  const uint8_t wrong[] = {0x08, 0x01};
  assert_int_equal(evs_binary_unpack(RE, wrong, sizeof wrong, NULL, NULL, &m, &err), EVS_ERR_SYNTAX);
  assert_null(m);
  assert_int_equal(evs_binary_unpack(NULL, v, sizeof v, NULL, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_binary_unpack(RE, NULL, 1, NULL, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_binary_unpack(RE, NULL, 0, NULL, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
}

/* A failed allocation is out of memory, never "not a valid message" (it was reported as [syntax]). */
static void test_out_of_memory(void **state) {
  (void)state;
  size_t len;
  uint8_t *bin = nested_recursive(5, &len);
  for (size_t fail_at = 1;; fail_at++) {
    evs_counting_alloc ca;
    evs_counting_alloc_init(&ca, fail_at);
    ProtobufCMessage *m = NULL;
    evs_error err;
    evs_status st = evs_binary_unpack(RE, bin, len, NULL, &ca.base, &m, &err);
    if (st == EVS_OK) {
      protobuf_c_message_free_unpacked(m, &ca.base);
      assert_int_equal(evs_counting_alloc_outstanding(&ca), 0);
      assert_true(fail_at > 1);
      break;
    }
    assert_int_equal(st, EVS_ERR_NOMEM);
    assert_int_equal(evs_counting_alloc_outstanding(&ca), 0);
  }
  free(bin);
}

/* AllTypes{w_any: Any{AllTypes{w_any: ... AllTypes{f_bytes: payload}}}} with `levels` Anys. */
static Evs__Test__V1__AllTypes *nested_any(int levels, size_t payload) {
  static char url[] = "type.googleapis.com/evs.test.v1.AllTypes";
  Evs__Test__V1__AllTypes *m = malloc(sizeof *m);
  evs__test__v1__all_types__init(m);
  m->f_bytes.len = payload;
  m->f_bytes.data = calloc(1, payload);
  for (int i = 0; i < levels; i++) {
    Google__Protobuf__Any *any = malloc(sizeof *any);
    google__protobuf__any__init(any);
    any->type_url = url;
    any->value.len = protobuf_c_message_get_packed_size(&m->base);
    any->value.data = malloc(any->value.len);
    protobuf_c_message_pack(&m->base, any->value.data);
    free(m->f_bytes.data);
    if (m->w_any) {
      free(m->w_any->value.data);
      free(m->w_any);
    }
    free(m);
    m = malloc(sizeof *m);
    evs__test__v1__all_types__init(m);
    m->w_any = any;
  }
  return m;
}

static void free_nested_any(Evs__Test__V1__AllTypes *m) {
  free(m->f_bytes.data);
  if (m->w_any) {
    free(m->w_any->value.data);
    free(m->w_any);
  }
  free(m);
}

static void test_any_budget(void **state) {
  (void)state;
  evs_error err;
  evs_buf out = EVS_BUF_INIT;
  /* 20 nested Anys around 256 KiB: each level's unpack copies about 256 KiB once more (5 MiB in all) */
  Evs__Test__V1__AllTypes *m = nested_any(20, 256 << 10);
  evs_json_options o = {.max_any_bytes = (size_t)4 << 20};
  assert_int_equal(evs_json_encode(jt_registry(), &m->base, &o, &out, &err), EVS_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "budget"));
  assert_int_equal(out.len, 0);
  o.max_any_bytes = 0; /* the default, 64 MiB */
  assert_int_equal(evs_json_encode(jt_registry(), &m->base, &o, &out, &err), EVS_OK);
  free_nested_any(m);
  /* 98 nested Anys around 1 MiB need 98 MiB of copies: refused by the default budget (the depth limit
   * is raised so that it is the budget that stops it: each Any is two levels) */
  m = nested_any(98, 1 << 20);
  evs_buf_reset(&out);
  o.max_depth = EVS_MAX_DEPTH_LIMIT;
  assert_int_equal(evs_json_encode(jt_registry(), &m->base, &o, &out, &err), EVS_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "budget"));
  free_nested_any(m);
  evs_buf_free(&out);
}

/* Decodes bytes as type with the guard and returns its JSON (free it), or NULL with *st set. */
static char *unpack_json(const ProtobufCMessageDescriptor *type, const uint8_t *b, size_t n, evs_status *st) {
  ProtobufCMessage *m = NULL;
  evs_error err;
  *st = evs_binary_unpack(type, b, n, NULL, NULL, &m, &err);
  if (*st != EVS_OK) return NULL;
  char *s = jt_encode(m, 0, &err);
  protobuf_c_message_free_unpacked(m, NULL);
  return s;
}

/* A singular message field given twice is merged, as protobuf's parsers do; protobuf-c's unpack kept only
 * the last oneof member and failed outright on two occurrences carrying repeated fields (the conformance
 * suite's RepeatedScalarMessageMerge and ValidDataOneof.MESSAGE.Merge). */
static void test_message_fields_merged(void **state) {
  (void)state;
  const ProtobufCMessageDescriptor *at = &evs__test__v1__all_types__descriptor;
  evs_status st;
  /* f_nested {a: 1} + f_nested {b: "x"} */
  static const uint8_t plain[] = {0x8a, 0x01, 0x02, 0x08, 0x01, 0x8a, 0x01, 0x03, 0x12, 0x01, 'x'};
  char *s = unpack_json(at, plain, sizeof plain, &st);
  assert_int_equal(st, EVS_OK);
  assert_string_equal(s, "{\"fNested\":{\"a\":1,\"b\":\"x\"}}");
  free(s);
  /* oneof member o_nested {a: 1} + o_nested {child {a: 2}} */
  static const uint8_t oneof[] = {0xca, 0x04, 0x02, 0x08, 0x01, 0xca, 0x04, 0x04, 0x1a, 0x02, 0x08, 0x02};
  s = unpack_json(at, oneof, sizeof oneof, &st);
  assert_int_equal(st, EVS_OK);
  assert_string_equal(s, "{\"oNested\":{\"a\":1,\"child\":{\"a\":2}}}");
  free(s);
  /* ... but another member in between replaces it: o_nested {a: 1}, o_string "s", o_nested {b: "y"} */
  static const uint8_t reset[] = {0xca, 0x04, 0x02, 0x08, 0x01, 0xc2, 0x04, 0x01,
                                  's',  0xca, 0x04, 0x03, 0x12, 0x01, 'y'};
  s = unpack_json(at, reset, sizeof reset, &st);
  assert_int_equal(st, EVS_OK);
  assert_string_equal(s, "{\"oNested\":{\"b\":\"y\"}}");
  free(s);
  /* Recursive child {children: [{}]} twice: the repeated elements add up */
  static const uint8_t rep[] = {0x0a, 0x02, 0x1a, 0x00, 0x0a, 0x04, 0x1a, 0x02, 0x10, 0x07};
  s = unpack_json(RE, rep, sizeof rep, &st);
  assert_int_equal(st, EVS_OK);
  assert_string_equal(s, "{\"child\":{\"children\":[{},{\"value\":7}]}}");
  free(s);
}

/* Merging copies the nested bytes once per level that has a field given twice: when every level has one,
 * a budget bounds the work on hostile input (one duplicate on top of a deep message is linear work). */
static uint8_t *deep_with_dups(size_t big, int levels, bool dup_each_level, size_t *len) {
  size_t cap = big + 8 + (size_t)levels * 16, start = cap;
  uint8_t *b = malloc(cap);
  start -= big;
  memset(b + start, 'x', big);
#define PREPEND(tag)                                          \
  do {                                                        \
    size_t l = cap - start, k = 0;                            \
    uint8_t v[10];                                            \
    do {                                                      \
      v[k++] = (uint8_t)((l & 0x7f) | (l > 0x7f ? 0x80 : 0)); \
      l >>= 7;                                                \
    } while (l);                                              \
    start -= k;                                               \
    memcpy(b + start, v, k);                                  \
    b[--start] = (tag);                                       \
  } while (0)
  PREPEND(0x1a); /* Value.string_value */
  PREPEND(0x22); /* Recursive.any_value */
  for (int i = 0; i < levels; i++) {
    if (dup_each_level) { /* an empty child first: this level's child is given twice */
      b[--start] = 0x00;
      b[--start] = 0x0a;
    }
    PREPEND(0x0a); /* Recursive.child */
  }
#undef PREPEND
  *len = cap - start;
  memmove(b, b + start, *len);
  return b;
}

static void test_merge_budget(void **state) {
  (void)state;
  ProtobufCMessage *m = NULL;
  evs_error err;
  size_t n;
  /* 90 levels around 200 KB, the child given twice at every level: about 90 copies of 200 KB, refused */
  uint8_t *b = deep_with_dups(200000, 90, true, &n);
  assert_int_equal(evs_binary_unpack(RE, b, n, NULL, NULL, &m, &err), EVS_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "merge"));
  assert_null(m);
  free(b);
  /* the same with a few levels merges (the budget is 16 x the input + 1 MiB) */
  b = deep_with_dups(200000, 5, true, &n);
  assert_int_equal(evs_binary_unpack(RE, b, n, NULL, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  free(b);
  /* and without duplicates nothing is merged at all */
  b = deep_with_dups(200000, 90, false, &n);
  assert_int_equal(evs_binary_unpack(RE, b, n, NULL, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_depth_cap),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_size_truncation_syntax),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_any_budget),
      cmocka_unit_test(test_message_fields_merged),
      cmocka_unit_test(test_merge_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
