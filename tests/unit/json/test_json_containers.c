/* JSON codec: messages, repeated fields, maps (every key type), oneofs, presence, null, duplicates,
 * unknown keys and the printing options (protojson.md §1, §4-§6, §8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jtest.h"

#define AT (&evs__test__v1__all_types__descriptor)

static void rt_flags(const char *in, uint32_t flags, const char *want) {
  evs_error err;
  char *got = jt_roundtrip(AT, in, flags, &err);
  if (!got) fail_msg("%s: %s (%s)", in, err.msg, err.path);
  if (strcmp(got, want) != 0) fail_msg("%s\nwant %s\ngot  %s", in, want, got);
  free(got);
}

static void test_names(void **state) {
  (void)state;
  /* JSON name and proto name are both accepted; output uses the JSON name, or the proto name on request. */
  jt_expect_rt("{\"f_int32\": 1, \"fieldName1\": 2, \"_leading\": 3, \"trailing__x_\": 4}",
               "{\"fInt32\":1,\"fieldName1\":2,\"Leading\":3,\"trailingX\":4}");
  jt_expect_rt("{\"renamed\": \"a\"}", "{\"renamed\":\"a\"}");
  jt_expect_rt("{\"custom_named\": \"a\"}", "{\"renamed\":\"a\"}");
  jt_expect_rt("{\"fInt\\u0033\\u0032\": 7}", "{\"fInt32\":7}"); /* escaped key */
  rt_flags("{\"fInt32\": 1, \"renamed\": \"x\", \"rNested\": [{\"a\": 1}], \"Leading\": 5}",
           EVS_JSON_PROTO_NAMES,
           "{\"f_int32\":1,\"r_nested\":[{\"a\":1}],\"custom_named\":\"x\",\"_leading\":5}");
  /* with a custom json_name the default camel name is not a name of the field */
  jt_expect_fail(AT, "{\"customNamed\": \"a\"}", EVS_ERR_NOT_FOUND, "");
  jt_expect_fail(AT, "{\"FInt32\": 1}", EVS_ERR_NOT_FOUND, "");
}

static void test_duplicates(void **state) {
  (void)state;
  jt_expect_fail(AT, "{\"fInt32\": 1, \"fInt32\": 2}", EVS_ERR_DUPLICATE, "fInt32");
  jt_expect_fail(AT, "{\"f_int32\": 1, \"fInt32\": 1}", EVS_ERR_DUPLICATE, "fInt32");
  jt_expect_fail(AT, "{\"renamed\": \"a\", \"custom_named\": \"b\"}", EVS_ERR_DUPLICATE, "renamed");
  jt_expect_fail(AT, "{\"fNested\": {}, \"fNested\": {}}", EVS_ERR_DUPLICATE, "fNested");
  jt_expect_fail(AT, "{\"fNested\": {\"a\": 1, \"a\": 1}}", EVS_ERR_DUPLICATE, "fNested.a");
  jt_expect_fail(AT, "{\"mString\": {\"a\": \"1\", \"a\": \"2\"}}", EVS_ERR_DUPLICATE, "mString");
  jt_expect_fail(AT, "{\"mInt32\": {\"1\": 1, \"1e0\": 2}}", EVS_ERR_DUPLICATE, "mInt32");
  /* the error names the second spelling of the key */
  ProtobufCMessage *m = NULL;
  evs_error err;
  assert_int_equal(jt_decode(AT, "{\"mInt32\": {\"1\": 1, \"\\u0031\": 2}}", 0, &m, &err), EVS_ERR_DUPLICATE);
  assert_int_equal(err.offset, 20);
  assert_string_equal(err.path, "mInt32");
  assert_string_equal(err.msg, "key \"1\" is given twice");
  assert_int_equal(jt_decode(AT, "{\"wStruct\": {\"a\": 1, \"b\": {}, \"a\": 2}}", 0, &m, &err),
                   EVS_ERR_DUPLICATE);
  assert_int_equal(err.offset, 30);
  assert_string_equal(err.path, "wStruct");
  /* more than 16 keys: the hashed duplicate check */
  jt_expect_fail(
      AT,
      "{\"mInt64\": {\"1\":\"0\",\"2\":\"0\",\"3\":\"0\",\"4\":\"0\",\"5\":\"0\",\"6\":\"0\",\"7\":\"0\","
      "\"8\":\"0\",\"9\":\"0\",\"10\":\"0\",\"11\":\"0\",\"12\":\"0\",\"13\":\"0\",\"14\":\"0\",\"15\":\"0\","
      "\"16\":\"0\",\"17\":\"0\",\"3\":\"1\"}}",
      EVS_ERR_DUPLICATE, "mInt64");
}

static void test_unknown_keys(void **state) {
  (void)state;
  evs_error err;
  ProtobufCMessage *m = NULL;
  assert_int_equal(jt_decode(AT, "{\"fInt32\": 1,\n  \"nope\": null}", 0, &m, &err), EVS_ERR_NOT_FOUND);
  assert_null(m);
  assert_int_equal(err.offset, 16);
  assert_int_equal(err.line, 2);
  assert_int_equal(err.col, 3);
  assert_string_equal(err.msg, "unknown field \"nope\" in message evs.test.v1.AllTypes");
  rt_flags(
      "{\"a\": 1, \"b\": \"x\", \"c\": true, \"d\": null, \"e\": {\"x\": [1, {\"y\": []}]}, \"f\": [], "
      "\"fInt32\": 5, \"fNested\": {\"zz\": 1, \"a\": 2}}",
      EVS_JSON_IGNORE_UNKNOWN, "{\"fInt32\":5,\"fNested\":{\"a\":2}}");
  /* unknown keys are still checked for syntax */
  assert_int_equal(jt_decode(AT, "{\"a\": [1,], \"fInt32\": 5}", EVS_JSON_IGNORE_UNKNOWN, &m, &err),
                   EVS_ERR_SYNTAX);
}

static void test_repeated(void **state) {
  (void)state;
  jt_expect_rt(
      "{\"rInt32\": [1, -2, 3], \"rInt64\": [\"1\", 2], \"rUint32\": [4294967295], \"rUint64\": [\"5\"],"
      " \"rSint32\": [-1], \"rSint64\": [\"-2\"], \"rFixed32\": [7], \"rFixed64\": [\"8\"],"
      " \"rSfixed32\": [-9], \"rSfixed64\": [\"-10\"], \"rFloat\": [1.5, \"NaN\"], \"rDouble\": [0.1, -0.0],"
      " \"rBool\": [true, false], \"rString\": [\"a\", \"\"], \"rEnum\": [\"COLOR_RED\"],"
      " \"rNested\": [{}, {\"a\": 1, \"child\": {\"b\": \"x\"}}]}",
      "{\"rInt32\":[1,-2,3],\"rInt64\":[\"1\",\"2\"],\"rUint32\":[4294967295],\"rUint64\":[\"5\"],"
      "\"rSint32\":[-1],\"rSint64\":[\"-2\"],\"rFixed32\":[7],\"rFixed64\":[\"8\"],\"rSfixed32\":[-9],"
      "\"rSfixed64\":[\"-10\"],\"rFloat\":[1.5,\"NaN\"],\"rDouble\":[0.1,-0],\"rBool\":[true,false],"
      "\"rString\":[\"a\",\"\"],\"rEnum\":[\"COLOR_RED\"],\"rNested\":[{},{\"a\":1,\"child\":{\"b\":\"x\"}}]"
      "}");
  jt_expect_rt("{\"rInt32\": [], \"rNested\": null, \"rString\": []}", "{}");
  /* a large array grows the value stack */
  char big[8192];
  size_t o = (size_t)snprintf(big, sizeof big, "{\"rInt32\":[");
  for (int i = 0; i < 1000; i++) o += (size_t)snprintf(big + o, sizeof big - o, i ? ",%d" : "%d", i);
  snprintf(big + o, sizeof big - o, "]}");
  evs_error err;
  char *s = jt_roundtrip(AT, big, 0, &err);
  assert_non_null(s);
  assert_string_equal(s, big);
  free(s);
  jt_expect_fail(AT, "{\"rInt32\": 1}", EVS_ERR_TYPE, "rInt32");
  jt_expect_fail(AT, "{\"rInt32\": {}}", EVS_ERR_TYPE, "rInt32");
  jt_expect_fail(AT, "{\"rInt32\": [1, null]}", EVS_ERR_TYPE, "rInt32[1]");
  jt_expect_fail(AT, "{\"rNested\": [{}, null]}", EVS_ERR_TYPE, "rNested[1]");
  jt_expect_fail(AT, "{\"rInt32\": [1,]}", EVS_ERR_SYNTAX, "rInt32");
  jt_expect_fail(AT, "{\"rInt32\": [1 2]}", EVS_ERR_SYNTAX, "rInt32");
  jt_expect_fail(AT, "{\"rInt32\": [,1]}", EVS_ERR_SYNTAX, "rInt32[0]");
  jt_expect_fail(AT, "{\"rString\": [\"a\", 1]}", EVS_ERR_TYPE, "rString[1]");
  jt_expect_fail(AT, "{\"rNested\": [{\"a\": 1}, {\"b\": 5}]}", EVS_ERR_TYPE, "rNested[1].b");
  jt_expect_fail(AT, "{\"rNested\": [{\"child\": {\"child\": {\"a\": \"x\"}}}]}", EVS_ERR_TYPE,
                 "rNested[0].child.child.a");
}

static void test_maps(void **state) {
  (void)state;
  jt_expect_rt(
      "{\"mInt32\": {\"-1\": 1, \"2147483647\": -2}, \"mInt64\": {\"-9223372036854775808\": \"1\"},"
      " \"mUint32\": {\"4294967295\": 3}, \"mUint64\": {\"18446744073709551615\": \"4\"},"
      " \"mSint32\": {\"-5\": -5}, \"mSint64\": {\"6\": \"-6\"}, \"mFixed32\": {\"7\": 7},"
      " \"mFixed64\": {\"8\": \"8\"}, \"mSfixed32\": {\"-9\": -9}, \"mSfixed64\": {\"10\": \"10\"},"
      " \"mBool\": {\"true\": true, \"false\": false}, \"mString\": {\"\": \"empty\", \"k\": \"v\"}}",
      "{\"mInt32\":{\"-1\":1,\"2147483647\":-2},\"mInt64\":{\"-9223372036854775808\":\"1\"},"
      "\"mUint32\":{\"4294967295\":3},\"mUint64\":{\"18446744073709551615\":\"4\"},\"mSint32\":{\"-5\":-5},"
      "\"mSint64\":{\"6\":\"-6\"},\"mFixed32\":{\"7\":7},\"mFixed64\":{\"8\":\"8\"},\"mSfixed32\":{\"-9\":-9}"
      ","
      "\"mSfixed64\":{\"10\":\"10\"},\"mBool\":{\"true\":true,\"false\":false},"
      "\"mString\":{\"\":\"empty\",\"k\":\"v\"}}");
  jt_expect_rt(
      "{\"mBytes\": {\"a\": \"AQ\"}, \"mEnum\": {\"x\": \"COLOR_RED\", \"y\": 9},"
      " \"mNested\": {\"n\": {\"a\": 1}, \"e\": {}}, \"mDouble\": {\"d\": \"Infinity\"},"
      " \"mFloat\": {\"f\": 1.1}, \"mValue\": {\"v\": null, \"w\": [1]}}",
      "{\"mBytes\":{\"a\":\"AQ==\"},\"mEnum\":{\"x\":\"COLOR_RED\",\"y\":9},"
      "\"mNested\":{\"n\":{\"a\":1},\"e\":{}},\"mDouble\":{\"d\":\"Infinity\"},\"mFloat\":{\"f\":1.1},"
      "\"mValue\":{\"v\":null,\"w\":[1]}}");
  /* key escapes are decoded before use */
  jt_expect_rt("{\"mInt32\": {\"\\u0031\": 1}, \"mBool\": {\"tr\\u0075e\": true}}",
               "{\"mInt32\":{\"1\":1},\"mBool\":{\"true\":true}}");
  jt_expect_fail(AT, "{\"mInt32\": {\"01\": 1}}", EVS_ERR_TYPE, "mInt32[\"01\"]");
  jt_expect_fail(AT, "{\"mInt32\": {\"1.5\": 1}}", EVS_ERR_TYPE, "mInt32[\"1.5\"]");
  jt_expect_fail(AT, "{\"mInt32\": {\"2147483648\": 1}}", EVS_ERR_RANGE, "mInt32[\"2147483648\"]");
  jt_expect_fail(AT, "{\"mUint64\": {\"-1\": \"1\"}}", EVS_ERR_RANGE, "mUint64[\"-1\"]");
  jt_expect_fail(AT, "{\"mBool\": {\"True\": true}}", EVS_ERR_TYPE, "mBool[\"True\"]");
  jt_expect_fail(AT, "{\"mBool\": {\"1\": true}}", EVS_ERR_TYPE, "mBool[\"1\"]");
  jt_expect_fail(AT, "{\"mInt32\": {1: 2}}", EVS_ERR_SYNTAX, "mInt32");
  jt_expect_fail(AT, "{\"mString\": {\"a\": null}}", EVS_ERR_TYPE, "mString[\"a\"]");
  jt_expect_fail(AT, "{\"mNested\": {\"a\": null}}", EVS_ERR_TYPE, "mNested[\"a\"]");
  jt_expect_fail(AT, "{\"mString\": {\"a\": 1}}", EVS_ERR_TYPE, "mString[\"a\"]");
  jt_expect_fail(AT, "{\"mString\": []}", EVS_ERR_TYPE, "mString");
  jt_expect_fail(AT, "{\"mString\": {\"a\\u0000\": \"x\"}}", EVS_ERR_UNSUPPORTED, "mString[\"a\\u0000\"]");
  jt_expect_fail(AT, "{\"mNested\": {\"n\": {\"a\": true}}}", EVS_ERR_TYPE, "mNested[\"n\"].a");
}

static void test_map_encode_last_wins(void **state) {
  (void)state;
  /* Binary maps may hold a key twice: the later entry wins and each key is printed once. */
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  Evs__Test__V1__AllTypes__MStringEntry e[3];
  Evs__Test__V1__AllTypes__MStringEntry *ep[3] = {&e[0], &e[1], &e[2]};
  char k1[] = "a", k2[] = "b", v1[] = "1", v2[] = "2", v3[] = "3";
  for (int i = 0; i < 3; i++) evs__test__v1__all_types__mstring_entry__init(&e[i]);
  e[0].key = k1;
  e[0].value = v1;
  e[1].key = k2;
  e[1].value = v2;
  e[2].key = k1;
  e[2].value = v3;
  m.n_m_string = 3;
  m.m_string = ep;
  evs_error err;
  char *s = jt_encode(&m.base, 0, &err);
  assert_non_null(s);
  assert_string_equal(s, "{\"mString\":{\"b\":\"2\",\"a\":\"3\"}}");
  free(s);
}

static void test_oneofs(void **state) {
  (void)state;
  jt_expect_rt("{\"oUint32\": 0}", "{\"oUint32\":0}"); /* a set member prints even when default */
  jt_expect_rt("{\"oString\": \"\"}", "{\"oString\":\"\"}");
  jt_expect_rt("{\"oBool\": false}", "{\"oBool\":false}");
  jt_expect_rt("{\"oNested\": {}}", "{\"oNested\":{}}");
  jt_expect_rt("{\"oBytes\": \"\"}", "{\"oBytes\":\"\"}");
  jt_expect_rt("{\"oEnum\": \"COLOR_UNSPECIFIED\"}", "{\"oEnum\":\"COLOR_UNSPECIFIED\"}");
  jt_expect_rt("{\"oDouble\": 0}", "{\"oDouble\":0}");
  jt_expect_rt("{\"oNull\": null}", "{\"oNull\":null}");
  jt_expect_rt("{\"oNull\": \"NULL_VALUE\"}", "{\"oNull\":null}");
  jt_expect_rt("{\"oUint32\": null, \"oString\": \"test\"}", "{\"oString\":\"test\"}");
  jt_expect_rt("{\"oString\": \"test\", \"oUint32\": null}", "{\"oString\":\"test\"}");
  jt_expect_fail(AT, "{\"oUint32\": 1, \"oString\": \"x\"}", EVS_ERR_DUPLICATE, "oString");
  jt_expect_fail(AT, "{\"oNested\": {\"a\": 1}, \"oBool\": true}", EVS_ERR_DUPLICATE, "oBool");
  jt_expect_fail(AT, "{\"oUint32\": 1, \"o_uint32\": 1}", EVS_ERR_DUPLICATE, "oUint32");
  /* a failed member leaves nothing behind (ASan checks the string is freed) */
  jt_expect_fail(AT, "{\"oNested\": {\"b\": \"s\", \"a\": \"x\"}}", EVS_ERR_TYPE, "oNested.a");
}

static void test_presence(void **state) {
  (void)state;
  /* one-member oneofs (= proto3 optional) print when set, even with the default value */
  jt_expect_rt(
      "{\"pInt32\": 0, \"pString\": \"\", \"pEnum\": 0, \"pBool\": false, \"pDouble\": 0, \"pInt64\": \"0\","
      " \"pBytes\": \"\"}",
      "{\"pInt32\":0,\"pString\":\"\",\"pEnum\":\"COLOR_UNSPECIFIED\",\"pBool\":false,\"pDouble\":0,"
      "\"pInt64\":\"0\",\"pBytes\":\"\"}");
  /* implicit presence: defaults are not printed */
  jt_expect_rt(
      "{\"fInt32\": 0, \"fString\": \"\", \"fBool\": false, \"fEnum\": \"COLOR_UNSPECIFIED\","
      " \"fDouble\": 0, \"fBytes\": \"\", \"rInt32\": [], \"mString\": {}}",
      "{}");
  /* message fields print when set, even empty */
  jt_expect_rt("{\"fNested\": {}}", "{\"fNested\":{}}");
  /* null = unset for every field kind */
  jt_expect_rt(
      "{\"fInt32\": null, \"fString\": null, \"fNested\": null, \"rInt32\": null, \"mString\": null,"
      " \"pInt32\": null, \"fEnum\": null, \"wTimestamp\": null, \"wInt32Value\": null, \"wAny\": null,"
      " \"wStruct\": null, \"wListValue\": null, \"wDuration\": null, \"wFieldMask\": null}",
      "{}");
}

static void test_emit_defaults(void **state) {
  (void)state;
  evs_error err;
  char *s = jt_roundtrip(&evs__test__v1__nested__descriptor, "{}", EVS_JSON_EMIT_DEFAULTS, &err);
  assert_non_null(s);
  assert_string_equal(s, "{\"a\":0,\"b\":\"\"}");
  free(s);
  s = jt_roundtrip(AT, "{\"oUint32\": 5}", EVS_JSON_EMIT_DEFAULTS, &err);
  assert_non_null(s);
  /* every implicit-presence field appears; message fields and unset oneof members do not */
  assert_non_null(strstr(s, "\"fInt32\":0,\"fInt64\":\"0\","));
  assert_non_null(strstr(s, "\"fBytes\":\"\",\"fEnum\":\"COLOR_UNSPECIFIED\","));
  assert_non_null(strstr(s, "\"rInt32\":[],"));
  assert_non_null(strstr(s, "\"mString\":{},"));
  assert_non_null(strstr(s, "\"oUint32\":5,"));
  assert_non_null(strstr(s, "\"wNullValue\":null,"));
  assert_null(strstr(s, "fNested"));
  assert_null(strstr(s, "oString"));
  assert_null(strstr(s, "pInt32"));
  assert_null(strstr(s, "\"wTimestamp\""));
  free(s);
}

static void test_pretty(void **state) {
  (void)state;
  evs_error err;
  char *s = jt_roundtrip(AT,
                         "{\"fInt32\": 1, \"rInt32\": [1, 2], \"fNested\": {}, \"mString\": {\"k\": \"v\"},"
                         " \"rNested\": [{\"a\": 1}], \"wStruct\": {\"a\": [], \"b\": {}, \"c\": [true]},"
                         " \"wAny\": {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\", \"a\": 2}}",
                         EVS_JSON_PRETTY, &err);
  assert_non_null(s);
  assert_string_equal(s,
                      "{\n"
                      "  \"fInt32\": 1,\n"
                      "  \"fNested\": {},\n"
                      "  \"rInt32\": [\n"
                      "    1,\n"
                      "    2\n"
                      "  ],\n"
                      "  \"rNested\": [\n"
                      "    {\n"
                      "      \"a\": 1\n"
                      "    }\n"
                      "  ],\n"
                      "  \"mString\": {\n"
                      "    \"k\": \"v\"\n"
                      "  },\n"
                      "  \"wStruct\": {\n"
                      "    \"a\": [],\n"
                      "    \"b\": {},\n"
                      "    \"c\": [\n"
                      "      true\n"
                      "    ]\n"
                      "  },\n"
                      "  \"wAny\": {\n"
                      "    \"@type\": \"type.googleapis.com/evs.test.v1.Nested\",\n"
                      "    \"a\": 2\n"
                      "  }\n"
                      "}");
  /* pretty output reads back to the same message */
  char *again = jt_roundtrip(AT, s, 0, &err);
  assert_non_null(again);
  assert_string_equal(
      again,
      "{\"fInt32\":1,\"fNested\":{},\"rInt32\":[1,2],\"rNested\":[{\"a\":1}],\"mString\":{\"k\":\"v\"},"
      "\"wStruct\":{\"a\":[],\"b\":{},\"c\":[true]},"
      "\"wAny\":{\"@type\":\"type.googleapis.com/evs.test.v1.Nested\",\"a\":2}}");
  free(again);
  free(s);
}

static void test_proto2(void **state) {
  (void)state;
  const ProtobufCMessageDescriptor *lg = &evs__test__v1__legacy__descriptor;
  evs_error err;
  /* optional scalars print when their has_ flag is set, default or not; required fields always print */
  char *s = jt_roundtrip(lg, "{\"i\": 0, \"big\": \"5\", \"b\": \"\", \"req\": 0}", 0, &err);
  assert_non_null(s);
  assert_string_equal(s, "{\"i\":0,\"big\":\"5\",\"b\":\"\",\"req\":0}");
  free(s);
  ProtobufCMessage *m = NULL;
  assert_int_equal(
      jt_decode(lg,
                "{\"s\": \"x\", \"sDef\": \"y\", \"child\": {\"req\": 2}, \"req\": 0, \"e\": \"CLOSED_B\"}",
                0, &m, &err),
      EVS_OK);
  Evs__Test__V1__Legacy *l = (Evs__Test__V1__Legacy *)m;
  assert_false(l->has_i);
  assert_true(l->has_e);
  assert_int_equal(l->e, EVS__TEST__V1__CLOSED__CLOSED_B);
  assert_string_equal(l->s_def, "y");
  s = jt_encode(m, 0, &err);
  assert_string_equal(s, "{\"s\":\"x\",\"sDef\":\"y\",\"child\":{\"req\":2},\"req\":0,\"e\":\"CLOSED_B\"}");
  free(s);
  protobuf_c_message_free_unpacked(m, NULL);
  /* unset strings keep their default pointer and are not printed */
  s = jt_roundtrip(lg, "{\"req\": 0}", 0, &err);
  assert_string_equal(s, "{\"req\":0}");
  free(s);
  /* a closed enum rejects numbers it does not define */
  jt_expect_fail(lg, "{\"e\": 3}", EVS_ERR_NOT_FOUND, "e");
  s = jt_roundtrip(lg, "{\"e\": 1, \"req\": 0}", 0, &err);
  assert_string_equal(s, "{\"req\":0,\"e\":\"CLOSED_A\"}");
  free(s);
  /* ... and an unknown number from binary (req = 1, e = 3, r = [5]) is what protobuf's parser makes an
   * unknown field: left out of the JSON, which encode then accepts (it printed 3, which encode refused) */
  static const uint8_t bin[] = {0x38, 0x01, 0x48, 0x03, 0x40, 0x05};
  assert_int_equal(evs_binary_unpack(lg, bin, sizeof bin, NULL, NULL, &m, &err), EVS_OK);
  s = jt_encode(m, 0, &err);
  assert_string_equal(s, "{\"req\":1,\"r\":[5]}");
  protobuf_c_message_free_unpacked(m, NULL);
  ProtobufCMessage *back = NULL;
  assert_int_equal(jt_decode(lg, s, 0, &back, &err), EVS_OK);
  protobuf_c_message_free_unpacked(back, NULL);
  free(s);
  /* a missing required field is named, in JSON (at the object, path to the field) and in binary */
  jt_expect_fail(lg, "{}", EVS_ERR_SYNTAX, "req");
  jt_expect_fail(lg, "{\"req\": 1, \"child\": {\"i\": 2}}", EVS_ERR_SYNTAX, "child.req");
  static const uint8_t no_req[] = {0x38, 0x01, 0x32, 0x02, 0x08, 0x02}; /* req = 1, child {i = 2} */
  assert_int_equal(evs_binary_unpack(lg, no_req, sizeof no_req, NULL, NULL, &m, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "required field \"req\" of evs.test.v1.Legacy is missing"));
  assert_string_equal(err.path, "child.req");
  assert_int_equal(err.offset, 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),         cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_unknown_keys),  cmocka_unit_test(test_repeated),
      cmocka_unit_test(test_maps),          cmocka_unit_test(test_map_encode_last_wins),
      cmocka_unit_test(test_oneofs),        cmocka_unit_test(test_presence),
      cmocka_unit_test(test_emit_defaults), cmocka_unit_test(test_pretty),
      cmocka_unit_test(test_proto2),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
