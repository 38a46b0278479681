/* JSON decode under allocation failure: count the allocations of a decode, then fail each one in turn.
 * Every run must end in EVS_ERR_NOMEM with nothing left allocated (the counter checks, and LSan too).
 * Also: decoding into an arena, and protobuf_c_message_free_unpacked() on decoded messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/alloc_internal.h"
#include "evs/arena.h"
#include "jtest.h"

#define AT (&evs__test__v1__all_types__descriptor)

/* Touches every kind of allocation: strings, bytes, sub-messages, repeated arrays, maps, oneofs, every
 * well-known type, Any with @type last (two passes) and nested Any. */
static const char k_doc[] =
    "{\"fInt32\": 1, \"fString\": \"s\\u00e9\", \"fBytes\": \"AQID\", \"fNested\": {\"b\": \"x\", \"child\": "
    "{\"a\": 2}},"
    " \"rString\": [\"a\", \"b\", \"c\"], \"rBytes\": [\"AA\", \"\"], \"rNested\": [{\"b\": \"y\"}, {}],"
    " \"rInt64\": [\"1\", 2], \"rEnum\": [\"COLOR_RED\"],"
    " \"mString\": {\"k\": \"v\", \"k2\": \"v2\"}, \"mNested\": {\"n\": {\"b\": \"z\"}}, \"mBytes\": {\"b\": "
    "\"AQ\"},"
    " \"mInt64\": {\"5\": \"6\"}, \"mValue\": {\"v\": [1, \"x\"]},"
    " \"oString\": \"one\", \"pString\": \"p\","
    " \"wTimestamp\": \"2024-01-01T00:00:00Z\", \"wDuration\": \"1s\","
    " \"wStruct\": {\"a\": {\"b\": [1, true, null, \"s\"]}, \"c\": \"d\"},"
    " \"wValue\": [{}], \"wListValue\": [1, [2]], \"wFieldMask\": \"aB,c\","
    " \"wAny\": {\"b\": \"in\", \"child\": {\"b\": \"deep\"}, \"@type\": "
    "\"type.googleapis.com/evs.test.v1.Nested\"},"
    " \"rwAny\": [{\"@type\": \"type.googleapis.com/google.protobuf.Any\", \"value\":"
    " {\"@type\": \"type.googleapis.com/google.protobuf.StringValue\", \"value\": \"v\"}}],"
    " \"wEmpty\": {}, \"wStringValue\": \"w\", \"wBytesValue\": \"AQ\", \"wInt64Value\": \"3\","
    " \"rwValue\": [null, {\"x\": []}], \"rwStruct\": [{\"q\": 1}], \"rwTimestamp\": "
    "[\"1970-01-01T00:00:00Z\"]}";

static void test_fail_every_allocation(void **state) {
  (void)state;
  evs_counting_alloc c;
  evs_counting_alloc_init(&c, 0);
  ProtobufCMessage *m = NULL;
  evs_error err;
  assert_int_equal(evs_json_decode(jt_registry(), AT, k_doc, strlen(k_doc), NULL, &c.base, &m, &err), EVS_OK);
  size_t total = c.attempts;
  assert_true(total > 50);
  /* the message re-encodes, and protobuf-c frees it completely through the same allocator */
  char *json = jt_encode(m, 0, &err);
  assert_non_null(json);
  free(json);
  protobuf_c_message_free_unpacked(m, &c.base);
  assert_int_equal(evs_counting_alloc_outstanding(&c), 0);
  assert_int_equal(c.live_bytes, 0);
  for (size_t i = 1; i <= total; i++) {
    evs_counting_alloc_init(&c, i);
    m = NULL;
    evs_status st = evs_json_decode(jt_registry(), AT, k_doc, strlen(k_doc), NULL, &c.base, &m, &err);
    if (st != EVS_ERR_NOMEM)
      fail_msg("failing allocation %zu of %zu: got %s (%s)", i, total, evs_status_name(st), err.msg);
    assert_null(m);
    assert_int_equal(err.code, EVS_ERR_NOMEM);
    assert_int_equal(c.failed, 1);
    if (evs_counting_alloc_outstanding(&c) != 0)
      fail_msg("failing allocation %zu: %zu blocks leaked", i, evs_counting_alloc_outstanding(&c));
  }
}

static void test_failure_frees_partial_message(void **state) {
  (void)state;
  /* errors deep inside, after many allocations, leave nothing behind */
  static const char *bad[] = {
      "{\"fString\": \"a\", \"rNested\": [{\"b\": \"x\"}, {\"b\": 1}]}",
      "{\"mString\": {\"a\": \"b\", \"c\": 1}}",
      "{\"wStruct\": {\"a\": {\"b\": [1, \"x\", {\"c\": tru}]}}}",
      "{\"rString\": [\"a\", \"b\", 3]}",
      "{\"rBytes\": [\"AQ\", \"!\"]}",
      "{\"wAny\": {\"b\": \"x\", \"@type\": \"type.googleapis.com/evs.test.v1.Nested\", \"a\": \"bad\"}}",
      "{\"oString\": \"x\", \"oNested\": {}}",
      "{\"wFieldMask\": \"a,b\", \"wListValue\": [1, ]}",
      "{\"mNested\": {\"a\": {\"b\": \"x\"}, \"a\": {}}}",
      "{\"fString\": \"x\"} trailing",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    evs_counting_alloc c;
    evs_counting_alloc_init(&c, 0);
    ProtobufCMessage *m = NULL;
    evs_error err;
    evs_status st = evs_json_decode(jt_registry(), AT, bad[i], strlen(bad[i]), NULL, &c.base, &m, &err);
    assert_int_not_equal(st, EVS_OK);
    assert_null(m);
    assert_true(c.allocs > 0);
    if (evs_counting_alloc_outstanding(&c) != 0)
      fail_msg("%s: %zu blocks leaked", bad[i], evs_counting_alloc_outstanding(&c));
  }
}

static void test_arena(void **state) {
  (void)state;
  evs_arena *a = evs_arena_new(256); /* small blocks: force several, and an oversized request */
  assert_non_null(a);
  ProtobufCAllocator al = evs_arena_allocator(a);
  for (int round = 0; round < 3; round++) {
    ProtobufCMessage *m = NULL;
    evs_error err;
    assert_int_equal(evs_json_decode(jt_registry(), AT, k_doc, strlen(k_doc), NULL, &al, &m, &err), EVS_OK);
    assert_true(evs_arena_used(a) > 1000);
    char *json = jt_encode(m, 0, &err);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"fString\":\"s\xc3\xa9\""));
    free(json);
    protobuf_c_message_free_unpacked(m, &al); /* a no-op on arena memory */
    evs_arena_reset(a);
    assert_int_equal(evs_arena_used(a), 0);
  }
  /* alignment and distinct pointers */
  void *p1 = evs_arena_alloc(a, 1), *p2 = evs_arena_alloc(a, 0), *p3 = evs_arena_alloc(a, 100000);
  assert_non_null(p1);
  assert_non_null(p2);
  assert_non_null(p3);
  assert_true(p1 != p2);
  assert_int_equal((uintptr_t)p2 % _Alignof(max_align_t), 0);
  assert_int_equal((uintptr_t)p3 % _Alignof(max_align_t), 0);
  memset(p3, 0xab, 100000);
  void *p4 = evs_arena_alloc(a, 8); /* the current block is still used after an oversized request */
  assert_non_null(p4);
  assert_null(evs_arena_alloc(a, SIZE_MAX - 4));
  assert_null(evs_arena_alloc(NULL, 1));
  evs_arena_free(a);
  evs_arena_free(NULL);
}

/* With an arena's allocator the decoder puts a Struct entry, its Value and its key in one allocation: the
 * same messages (packed bytes) and the same errors (code, message, offset, path) as with malloc, at every
 * depth limit around the nesting (the shared block takes two levels at once). */
static void test_arena_struct_same_as_malloc(void **state) {
  (void)state;
  static const char *docs[] = {
      "{\"wStruct\": {\"a\": {\"b\": {\"c\": [1, {\"d\": \"x\", \"e\": null}]}}, \"f\": true}}",
      "{\"rwStruct\": [{\"q\": {\"r\": {}}}, {}], \"mValue\": {\"v\": {\"w\": [{\"x\": 1}]}}}",
      "{\"wStruct\": {\"a\": 1, \"b\": {\"c\": 2, \"c\": 3}}}",
      "{\"wStruct\": {\"a\": {\"b\" 1}}}",
      "{\"wValue\": {\"k\": {\"\": {\"k\\u00e9y\": [[{\"z\": 0}]]}}}}",
  };
  evs_arena *a = evs_arena_new(256);
  assert_non_null(a);
  ProtobufCAllocator al = evs_arena_allocator(a);
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    for (int depth = 1; depth <= 12; depth++) {
      evs_json_options opts = {0, depth, 0};
      ProtobufCMessage *m1 = NULL, *m2 = NULL;
      evs_error e1, e2;
      evs_status s1 = evs_json_decode(jt_registry(), AT, docs[i], strlen(docs[i]), &opts, NULL, &m1, &e1);
      evs_status s2 = evs_json_decode(jt_registry(), AT, docs[i], strlen(docs[i]), &opts, &al, &m2, &e2);
      if (s1 != s2)
        fail_msg("%s, depth %d: %s vs %s (%s)", docs[i], depth, e1.msg, e2.msg, evs_status_name(s2));
      if (s1 != EVS_OK) {
        assert_string_equal(e1.msg, e2.msg);
        assert_string_equal(e1.path, e2.path);
        assert_int_equal(e1.offset, e2.offset);
        continue;
      }
      evs_buf b1 = EVS_BUF_INIT, b2 = EVS_BUF_INIT;
      assert_int_equal(evs_binary_pack(m1, &b1, &e1), EVS_OK);
      assert_int_equal(evs_binary_pack(m2, &b2, &e2), EVS_OK);
      assert_int_equal(b1.len, b2.len);
      assert_memory_equal(b1.data, b2.data, b1.len);
      evs_buf_free(&b1);
      evs_buf_free(&b2);
      protobuf_c_message_free_unpacked(m1, NULL);
      evs_arena_reset(a);
    }
  }
  evs_arena_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fail_every_allocation),
      cmocka_unit_test(test_failure_frees_partial_message),
      cmocka_unit_test(test_arena),
      cmocka_unit_test(test_arena_struct_same_as_malloc),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
