/* JSON encoder edges: messages built in C (not from JSON), as binary input can produce them: duplicate
 * map keys, NULL map values, invalid content inside maps, argument errors, unlinked descriptors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evs_test_alltypes_catalog.h"
#include "jtest.h"

static void test_map_many_duplicates(void **state) {
  (void)state;
  /* 40 entries over 20 distinct int64 keys: the hashed path keeps the last value of each key */
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  Evs__Test__V1__AllTypes__MInt64Entry e[40];
  Evs__Test__V1__AllTypes__MInt64Entry *ep[40];
  for (int i = 0; i < 40; i++) {
    evs__test__v1__all_types__mint64_entry__init(&e[i]);
    e[i].key = i % 20;
    e[i].value = i;
    ep[i] = &e[i];
  }
  m.n_m_int64 = 40;
  m.m_int64 = ep;
  evs_error err;
  char *s = jt_encode(&m.base, 0, &err);
  assert_non_null(s);
  char want[1024];
  size_t o = (size_t)snprintf(want, sizeof want, "{\"mInt64\":{");
  for (int i = 20; i < 40; i++)
    o += (size_t)snprintf(want + o, sizeof want - o, "%s\"%d\":\"%d\"", i > 20 ? "," : "", i - 20, i);
  snprintf(want + o, sizeof want - o, "}}");
  assert_string_equal(s, want);
  free(s);
}

static void test_map_values_from_binary(void **state) {
  (void)state;
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  /* a message-valued entry without its value prints the default message */
  Evs__Test__V1__AllTypes__MNestedEntry ne;
  Evs__Test__V1__AllTypes__MNestedEntry *nep = &ne;
  evs__test__v1__all_types__mnested_entry__init(&ne);
  char k[] = "k";
  ne.key = k;
  m.n_m_nested = 1;
  m.m_nested = &nep;
  evs_error err;
  char *s = jt_encode(&m.base, EVS_JSON_EMIT_DEFAULTS, &err);
  assert_non_null(s);
  assert_non_null(strstr(s, "\"mNested\":{\"k\":{\"a\":0,\"b\":\"\"}}"));
  free(s);
  /* invalid UTF-8 inside a map value names the key; inside an int-keyed map the index */
  m.n_m_nested = 0;
  Evs__Test__V1__AllTypes__MStringEntry se;
  Evs__Test__V1__AllTypes__MStringEntry *sep = &se;
  evs__test__v1__all_types__mstring_entry__init(&se);
  char bad[] = "\xff", key[] = "name";
  se.key = key;
  se.value = bad;
  m.n_m_string = 1;
  m.m_string = &sep;
  s = jt_encode(&m.base, 0, &err);
  assert_null(s);
  assert_int_equal(err.code, EVS_ERR_TYPE);
  assert_string_equal(err.path, "mString[\"name\"]");
  se.value = key;
  se.key = bad;
  s = jt_encode(&m.base, 0, &err);
  assert_null(s);
  assert_int_equal(err.code, EVS_ERR_TYPE);
  m.n_m_string = 0;
  Evs__Test__V1__AllTypes__MInt32Entry ie;
  Evs__Test__V1__AllTypes__MInt32Entry *iep = &ie;
  evs__test__v1__all_types__mint32_entry__init(&ie);
  Evs__Test__V1__AllTypes__MValueEntry ve;
  Evs__Test__V1__AllTypes__MValueEntry *vep = &ve;
  evs__test__v1__all_types__mvalue_entry__init(&ve);
  Google__Protobuf__Value nokind;
  google__protobuf__value__init(&nokind);
  ve.key = key;
  ve.value = &nokind;
  m.n_m_value = 1;
  m.m_value = &vep;
  s = jt_encode(&m.base, 0, &err);
  assert_null(s);
  assert_string_equal(err.path, "mValue[\"name\"]");
  (void)iep;
}

static void test_arguments(void **state) {
  (void)state;
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  evs_buf b = EVS_BUF_INIT;
  evs_error err;
  assert_int_equal(evs_json_encode(NULL, &m.base, NULL, &b, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_json_encode(jt_registry(), NULL, NULL, &b, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_json_encode(jt_registry(), &m.base, NULL, NULL, &err), EVS_ERR_INVALID_ARG);
  evs_json_options neg = {.max_depth = -1};
  assert_int_equal(evs_json_encode(jt_registry(), &m.base, &neg, &b, &err), EVS_ERR_INVALID_ARG);
  ProtobufCMessage bogus = {NULL, 0, NULL};
  assert_int_equal(evs_json_encode(jt_registry(), &bogus, NULL, &b, &err), EVS_ERR_INVALID_ARG);
  b.failed = true;
  assert_int_equal(evs_json_encode(jt_registry(), &m.base, NULL, &b, &err), EVS_ERR_NOMEM);
  b.failed = false;
  /* a registry without the test schema does not know the type */
  const evs_registry *builtin = evs_registry_builtin(&err);
  assert_non_null(builtin);
  assert_int_equal(evs_json_encode(builtin, &m.base, NULL, &b, &err), EVS_ERR_NOT_FOUND);
  ProtobufCMessage *out = NULL;
  assert_int_equal(
      evs_json_decode(builtin, &evs__test__v1__all_types__descriptor, "{}", 2, NULL, NULL, &out, &err),
      EVS_ERR_NOT_FOUND);
  assert_int_equal(evs_buf_status(&b), EVS_OK);
  assert_int_equal(b.len, 0);
  /* appending after existing content */
  assert_int_equal(evs_buf_append_str(&b, "x="), EVS_OK);
  m.f_int32 = 3;
  assert_int_equal(evs_json_encode(jt_registry(), &m.base, NULL, &b, &err), EVS_OK);
  assert_string_equal((char *)b.data, "x={\"fInt32\":3}");
  evs_buf_free(&b);
}

static void test_unlinked_descriptor_set(void **state) {
  (void)state;
  /* A registry loaded from the descriptor set alone (no C descriptors linked) still serves the codec for
   * a C descriptor whose fields match its definition by number and type. */
  evs_registry *reg = NULL;
  evs_error err;
  assert_int_equal(evs_registry_new(&reg, &err), EVS_OK);
  assert_int_equal(
      evs_registry_add_descriptor_set(reg, evs_test_alltypes_catalog.descriptor_set,
                                      evs_test_alltypes_catalog.descriptor_set_len, "alltypes", &err),
      EVS_OK);
  assert_null(evs_registry_message_for(reg, &evs__test__v1__nested__descriptor));
  ProtobufCMessage *m = NULL;
  const char *in = "{\"a\": 5, \"b\": \"x\", \"child\": {\"a\": 1}}";
  assert_int_equal(
      evs_json_decode(reg, &evs__test__v1__nested__descriptor, in, strlen(in), NULL, NULL, &m, &err), EVS_OK);
  evs_buf b = EVS_BUF_INIT;
  assert_int_equal(evs_json_encode(reg, m, NULL, &b, &err), EVS_OK);
  assert_string_equal((char *)b.data, "{\"a\":5,\"b\":\"x\",\"child\":{\"a\":1}}");
  evs_buf_free(&b);
  protobuf_c_message_free_unpacked(m, NULL);
  /* a descriptor of another shape with the same name is refused */
  ProtobufCMessageDescriptor fake = evs__test__v1__recursive__descriptor;
  fake.name = "evs.test.v1.Nested";
  fake.n_fields = 3;
  assert_int_equal(evs_json_decode(reg, &fake, "{}", 2, NULL, NULL, &m, &err), EVS_ERR_NOT_FOUND);
  evs_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_many_duplicates),
      cmocka_unit_test(test_map_values_from_binary),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_unlinked_descriptor_set),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
