/* JSON codec: every well-known type in and out (protojson.md §6, §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "jtest.h"

#define AT (&evs__test__v1__all_types__descriptor)

static void encode_fails(const ProtobufCMessage *m, evs_status code, const char *path) {
  evs_error err;
  char *s = jt_encode(m, 0, &err);
  if (s) fail_msg("encoding should fail, got %s", s);
  assert_int_equal(err.code, code);
  assert_true(err.msg[0] != '\0');
  if (path) assert_string_equal(err.path, path);
}

static void test_timestamp(void **state) {
  (void)state;
  jt_expect_rt("{\"wTimestamp\": \"1970-01-01T00:00:00Z\"}", "{\"wTimestamp\":\"1970-01-01T00:00:00Z\"}");
  jt_expect_rt("{\"wTimestamp\": \"2024-02-29T12:34:56.010Z\"}",
               "{\"wTimestamp\":\"2024-02-29T12:34:56.010Z\"}");
  jt_expect_rt("{\"wTimestamp\": \"2024-01-01T00:00:00.000001Z\"}",
               "{\"wTimestamp\":\"2024-01-01T00:00:00.000001Z\"}");
  jt_expect_rt("{\"wTimestamp\": \"2024-01-01T00:00:00.1234Z\"}",
               "{\"wTimestamp\":\"2024-01-01T00:00:00.123400Z\"}");
  jt_expect_rt("{\"wTimestamp\": \"1970-01-01T00:00:00+08:00\"}",
               "{\"wTimestamp\":\"1969-12-31T16:00:00Z\"}");
  jt_expect_rt("{\"wTimestamp\": \"0001-01-01T00:00:00Z\"}", "{\"wTimestamp\":\"0001-01-01T00:00:00Z\"}");
  jt_expect_rt("{\"wTimestamp\": \"9999-12-31T23:59:59.999999999Z\"}",
               "{\"wTimestamp\":\"9999-12-31T23:59:59.999999999Z\"}");
  jt_expect_rt("{\"rwTimestamp\": [\"1970-01-01T00:00:01Z\", \"1970-01-01T00:00:00.5-00:00\"]}",
               "{\"rwTimestamp\":[\"1970-01-01T00:00:01Z\",\"1970-01-01T00:00:00.500Z\"]}");
  static const char *bad_syntax[] = {
      "1970-01-01t00:00:00Z",  "1970-01-01T00:00:00z",     "1970-01-01 00:00:00Z",
      "1970-01-01T00:00:00",   "1970-01-01T00:00:00+0800", "197-01-01T00:00:00Z",
      "1970-1-01T00:00:00Z",   "1970-01-1T00:00:00Z",      "1970-01-01T00:00:00.0123456789Z",
      "1970-01-01T00:00:00.Z", "1970-01-01T00:00:00.1aZ",  "",
  };
  for (size_t i = 0; i < sizeof bad_syntax / sizeof bad_syntax[0]; i++) {
    char in[128];
    snprintf(in, sizeof in, "{\"wTimestamp\": \"%s\"}", bad_syntax[i]);
    jt_expect_fail(AT, in, EVS_ERR_SYNTAX, "wTimestamp");
  }
  static const char *bad_range[] = {
      "1970-00-01T00:00:00Z",      "1970-13-01T00:00:00Z",      "1970-01-00T00:00:00Z",
      "1970-01-32T00:00:00Z",      "2023-02-29T00:00:00Z",      "1970-01-01T24:00:00Z",
      "1970-01-01T00:60:00Z",      "1970-01-01T00:00:60Z",      "1970-01-01T00:00:00+24:00",
      "1970-01-01T00:00:00+00:60", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
      "0000-01-01T00:00:00Z",
  };
  for (size_t i = 0; i < sizeof bad_range / sizeof bad_range[0]; i++) {
    char in[128];
    snprintf(in, sizeof in, "{\"wTimestamp\": \"%s\"}", bad_range[i]);
    jt_expect_fail(AT, in, EVS_ERR_RANGE, "wTimestamp");
  }
  jt_expect_fail(AT, "{\"wTimestamp\": 0}", EVS_ERR_TYPE, "wTimestamp");
  jt_expect_fail(AT, "{\"wTimestamp\": {}}", EVS_ERR_TYPE, "wTimestamp");
  /* printing an out-of-range Timestamp fails */
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  Google__Protobuf__Timestamp ts;
  google__protobuf__timestamp__init(&ts);
  m.w_timestamp = &ts;
  ts.seconds = 253402300800LL;
  encode_fails(&m.base, EVS_ERR_RANGE, "wTimestamp");
  ts.seconds = 0;
  ts.nanos = -1;
  encode_fails(&m.base, EVS_ERR_RANGE, "wTimestamp");
  ts.nanos = 1000000000;
  encode_fails(&m.base, EVS_ERR_RANGE, "wTimestamp");
}

static void test_duration(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"0s", "0s"},
      {"1s", "1s"},
      {"-0.5s", "-0.500s"},
      {"1.5s", "1.500s"},
      {"1.010s", "1.010s"},
      {"1.000001s", "1.000001s"},
      {"1.000000001s", "1.000000001s"},
      {"-1.1s", "-1.100s"},
      {"0.0s", "0s"},
      {"-0s", "0s"},
      {"315576000000.999999999s", "315576000000.999999999s"},
      {"-315576000000.999999999s", "-315576000000.999999999s"},
      {"00010s", "10s"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char in[128], want[128];
    snprintf(in, sizeof in, "{\"wDuration\": \"%s\"}", cases[i][0]);
    snprintf(want, sizeof want, "{\"wDuration\":\"%s\"}", cases[i][1]);
    jt_expect_rt(in, want);
  }
  static const char *bad[] = {"1",    "1S", "s",   "-s", "1.s", ".5s", "+1s", " 1s", "1s ", "1.0000000001s",
                              "1e3s", "",   "--1s"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[128];
    snprintf(in, sizeof in, "{\"wDuration\": \"%s\"}", bad[i]);
    jt_expect_fail(AT, in, EVS_ERR_SYNTAX, "wDuration");
  }
  jt_expect_fail(AT, "{\"wDuration\": \"315576000001s\"}", EVS_ERR_RANGE, "wDuration");
  jt_expect_fail(AT, "{\"wDuration\": \"-99999999999999999999s\"}", EVS_ERR_RANGE, "wDuration");
  jt_expect_fail(AT, "{\"wDuration\": 1}", EVS_ERR_TYPE, "wDuration");
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  Google__Protobuf__Duration du;
  google__protobuf__duration__init(&du);
  m.w_duration = &du;
  du.seconds = 1;
  du.nanos = -1;
  encode_fails(&m.base, EVS_ERR_RANGE, "wDuration");
  du.seconds = -1;
  du.nanos = 1;
  encode_fails(&m.base, EVS_ERR_RANGE, "wDuration");
  du.seconds = 315576000001LL;
  du.nanos = 0;
  encode_fails(&m.base, EVS_ERR_RANGE, "wDuration");
  du.seconds = 0;
  du.nanos = 1000000000;
  encode_fails(&m.base, EVS_ERR_RANGE, "wDuration");
  du.nanos = -5000;
  evs_error err;
  char *s = jt_encode(&m.base, 0, &err);
  assert_string_equal(s, "{\"wDuration\":\"-0.000005s\"}");
  free(s);
}

static void test_field_mask(void **state) {
  (void)state;
  jt_expect_rt("{\"wFieldMask\": \"fooBar,baz.quxQuux,a\"}", "{\"wFieldMask\":\"fooBar,baz.quxQuux,a\"}");
  jt_expect_rt("{\"wFieldMask\": \"\"}", "{\"wFieldMask\":\"\"}");
  jt_expect_fail(AT, "{\"wFieldMask\": \"foo,bar_bar\"}", EVS_ERR_SYNTAX, "wFieldMask");
  jt_expect_fail(AT, "{\"wFieldMask\": [\"foo\"]}", EVS_ERR_TYPE, "wFieldMask");
  /* the decoded paths are snake_case */
  ProtobufCMessage *pm = NULL;
  evs_error err;
  assert_int_equal(jt_decode(AT, "{\"wFieldMask\": \"fooBar,x.yZ\"}", 0, &pm, &err), EVS_OK);
  Evs__Test__V1__AllTypes *at = (Evs__Test__V1__AllTypes *)pm;
  assert_int_equal(at->w_field_mask->n_paths, 2);
  assert_string_equal(at->w_field_mask->paths[0], "foo_bar");
  assert_string_equal(at->w_field_mask->paths[1], "x.y_z");
  protobuf_c_message_free_unpacked(pm, NULL);
  /* paths that cannot survive the camelCase round trip fail on output */
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  Google__Protobuf__FieldMask fm;
  google__protobuf__field_mask__init(&fm);
  m.w_field_mask = &fm;
  char p0[] = "ok_path", p1[] = "fooBar", p2[] = "foo_3_bar", p3[] = "foo__bar", p4[] = "foo_";
  char *paths[2] = {p0, NULL};
  fm.paths = paths;
  fm.n_paths = 2;
  char *bad[] = {p1, p2, p3, p4};
  for (int i = 0; i < 4; i++) {
    paths[1] = bad[i];
    encode_fails(&m.base, EVS_ERR_TYPE, "wFieldMask[1]");
  }
  fm.n_paths = 1;
  char *s = jt_encode(&m.base, 0, &err);
  assert_string_equal(s, "{\"wFieldMask\":\"okPath\"}");
  free(s);
}

static void test_wrappers(void **state) {
  (void)state;
  jt_expect_rt(
      "{\"wDoubleValue\": 0, \"wFloatValue\": 0, \"wInt64Value\": 0, \"wUint64Value\": \"0\","
      " \"wInt32Value\": \"0\", \"wUint32Value\": 0, \"wBoolValue\": false, \"wStringValue\": \"\","
      " \"wBytesValue\": \"\"}",
      "{\"wDoubleValue\":0,\"wFloatValue\":0,\"wInt64Value\":\"0\",\"wUint64Value\":\"0\",\"wInt32Value\":0,"
      "\"wUint32Value\":0,\"wBoolValue\":false,\"wStringValue\":\"\",\"wBytesValue\":\"\"}");
  jt_expect_rt(
      "{\"wDoubleValue\": \"NaN\", \"wInt64Value\": \"-5\", \"wStringValue\": \"s\", \"wBytesValue\": \"AQ\","
      " \"rwInt32Value\": [1, 0]}",
      "{\"wDoubleValue\":\"NaN\",\"wInt64Value\":\"-5\",\"wStringValue\":\"s\",\"wBytesValue\":\"AQ==\","
      "\"rwInt32Value\":[1,0]}");
  jt_expect_rt("{\"wInt32Value\": null, \"wStringValue\": null}", "{}");
  jt_expect_fail(AT, "{\"wInt32Value\": {\"value\": 1}}", EVS_ERR_TYPE, "wInt32Value");
  jt_expect_fail(AT, "{\"wInt32Value\": 2147483648}", EVS_ERR_RANGE, "wInt32Value");
  jt_expect_fail(AT, "{\"wBoolValue\": \"true\"}", EVS_ERR_TYPE, "wBoolValue");
  jt_expect_fail(AT, "{\"rwInt32Value\": [1, null]}", EVS_ERR_TYPE, "rwInt32Value[1]");
  /* a wrapper document */
  evs_error err;
  char *s = jt_roundtrip(&google__protobuf__int64_value__descriptor, "\"12\"", 0, &err);
  assert_string_equal(s, "\"12\"");
  free(s);
  ProtobufCMessage *m = NULL;
  assert_int_equal(jt_decode(&google__protobuf__int64_value__descriptor, "null", 0, &m, &err), EVS_ERR_TYPE);
}

static void test_struct_value_list(void **state) {
  (void)state;
  jt_expect_rt(
      "{\"wStruct\": {\"n\": 1.5, \"s\": \"x\", \"b\": false, \"z\": null, \"l\": [1, [], {}],"
      " \"o\": {\"p\": {\"q\": -0}}}}",
      "{\"wStruct\":{\"n\":1.5,\"s\":\"x\",\"b\":false,\"z\":null,\"l\":[1,[],{}],\"o\":{\"p\":{\"q\":-0}}}"
      "}");
  jt_expect_rt("{\"wStruct\": {}}", "{\"wStruct\":{}}");
  jt_expect_rt("{\"wValue\": 1e300}", "{\"wValue\":1e+300}");
  jt_expect_rt("{\"wValue\": \"s\"}", "{\"wValue\":\"s\"}");
  jt_expect_rt("{\"wValue\": true}", "{\"wValue\":true}");
  jt_expect_rt("{\"wValue\": null}", "{\"wValue\":null}"); /* a Value given null is a set null_value */
  jt_expect_rt("{\"wValue\": {}}", "{\"wValue\":{}}");
  jt_expect_rt("{\"wValue\": []}", "{\"wValue\":[]}");
  jt_expect_rt("{\"wListValue\": [null, 0, \"\", [null]]}", "{\"wListValue\":[null,0,\"\",[null]]}");
  jt_expect_rt("{\"wListValue\": []}", "{\"wListValue\":[]}");
  jt_expect_rt("{\"rwValue\": [null, {\"a\": 1}]}", "{\"rwValue\":[null,{\"a\":1}]}");
  jt_expect_rt("{\"rwStruct\": [{}, {\"a\": [true]}]}", "{\"rwStruct\":[{},{\"a\":[true]}]}");
  jt_expect_rt("{\"wNullValue\": null, \"rwNullValue\": [null, \"NULL_VALUE\", 0]}",
               "{\"rwNullValue\":[null,null,null]}");
  jt_expect_fail(AT, "{\"wStruct\": []}", EVS_ERR_TYPE, "wStruct");
  jt_expect_fail(AT, "{\"wStruct\": 1}", EVS_ERR_TYPE, "wStruct");
  jt_expect_fail(AT, "{\"wListValue\": {}}", EVS_ERR_TYPE, "wListValue");
  jt_expect_fail(AT, "{\"wStruct\": {\"a\": 1, \"a\": 2}}", EVS_ERR_DUPLICATE, "wStruct");
  jt_expect_fail(AT, "{\"wValue\": NaN}", EVS_ERR_SYNTAX, "wValue");
  jt_expect_fail(AT, "{\"wValue\": 1e999}", EVS_ERR_RANGE, "wValue");
  jt_expect_fail(AT, "{\"wNullValue\": \"NULL\"}", EVS_ERR_NOT_FOUND, "wNullValue");
  /* a NullValue number other than 0 (possible in binary: open enum) prints as that number */
  Evs__Test__V1__AllTypes at;
  evs__test__v1__all_types__init(&at);
  at.w_null_value = (Google__Protobuf__NullValue)3;
  char *js = jt_encode(&at.base, 0, NULL);
  assert_string_equal(js, "{\"wNullValue\":3}");
  free(js);
  /* Value documents: null is a value there */
  evs_error err;
  char *s = jt_roundtrip(&google__protobuf__value__descriptor, " null ", 0, &err);
  assert_string_equal(s, "null");
  free(s);
  s = jt_roundtrip(&google__protobuf__list_value__descriptor, "[1,{\"a\":\"b\"}]", 0, &err);
  assert_string_equal(s, "[1,{\"a\":\"b\"}]");
  free(s);
  s = jt_roundtrip(&google__protobuf__struct__descriptor, "{\"k\":[]}", EVS_JSON_PRETTY, &err);
  assert_string_equal(s, "{\n  \"k\": []\n}");
  free(s);
  /* Values JSON cannot carry fail on output */
  Google__Protobuf__Value v;
  google__protobuf__value__init(&v);
  encode_fails(&v.base, EVS_ERR_TYPE, "");
  v.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
  v.number_value = NAN;
  encode_fails(&v.base, EVS_ERR_RANGE, "");
  v.number_value = -INFINITY;
  encode_fails(&v.base, EVS_ERR_RANGE, "");
  /* a Struct holding the same key twice (possible in binary) prints it once, last wins */
  Google__Protobuf__Struct st;
  google__protobuf__struct__init(&st);
  Google__Protobuf__Struct__FieldsEntry e[2];
  Google__Protobuf__Struct__FieldsEntry *ep[2] = {&e[0], &e[1]};
  Google__Protobuf__Value v1, v2;
  google__protobuf__value__init(&v1);
  google__protobuf__value__init(&v2);
  v1.kind_case = v2.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
  v1.bool_value = 0;
  v2.bool_value = 1;
  char key[] = "k";
  for (int i = 0; i < 2; i++) {
    google__protobuf__struct__fields_entry__init(&e[i]);
    e[i].key = key;
  }
  e[0].value = &v1;
  e[1].value = &v2;
  st.n_fields = 2;
  st.fields = ep;
  s = jt_encode(&st.base, 0, &err);
  assert_string_equal(s, "{\"k\":true}");
  free(s);
  e[1].value = NULL;
  encode_fails(&st.base, EVS_ERR_TYPE, "k");
}

static void test_any(void **state) {
  (void)state;
  const char *t = "type.googleapis.com/";
  (void)t;
  /* a plain message: its members next to @type, which may come anywhere */
  jt_expect_rt("{\"wAny\": {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\", \"a\": 1, \"b\": \"x\"}}",
               "{\"wAny\":{\"@type\":\"type.googleapis.com/evs.test.v1.Nested\",\"a\":1,\"b\":\"x\"}}");
  jt_expect_rt(
      "{\"wAny\": {\"a\": 1, \"child\": {\"a\": 2}, \"@type\": \"type.googleapis.com/evs.test.v1.Nested\"}}",
      "{\"wAny\":{\"@type\":\"type.googleapis.com/evs.test.v1.Nested\",\"a\":1,\"child\":{\"a\":2}}}");
  /* any URL prefix */
  jt_expect_rt("{\"wAny\": {\"@type\": \"example.com/x/evs.test.v1.Nested\"}}",
               "{\"wAny\":{\"@type\":\"example.com/x/evs.test.v1.Nested\"}}");
  /* well-known types go under "value" */
  static const char *const wkt[][2] = {
      {"google.protobuf.Duration", "\"1.500s\""},
      {"google.protobuf.Timestamp", "\"1970-01-01T00:00:00Z\""},
      {"google.protobuf.FieldMask", "\"a,bC\""},
      {"google.protobuf.Int32Value", "5"},
      {"google.protobuf.StringValue", "\"\""},
      {"google.protobuf.Struct", "{\"a\":[1]}"},
      {"google.protobuf.Value", "null"},
      {"google.protobuf.ListValue", "[1,\"x\"]"},
      {"google.protobuf.Any", "{\"@type\":\"type.googleapis.com/google.protobuf.Int32Value\",\"value\":5}"},
      {"google.protobuf.Any", "{\"@type\":\"type.googleapis.com/evs.test.v1.Nested\",\"a\":3}"},
  };
  for (size_t i = 0; i < sizeof wkt / sizeof wkt[0]; i++) {
    char in[256], want[256];
    snprintf(in, sizeof in, "{\"wAny\": {\"value\": %s, \"@type\": \"type.googleapis.com/%s\"}}", wkt[i][1],
             wkt[i][0]);
    snprintf(want, sizeof want, "{\"wAny\":{\"@type\":\"type.googleapis.com/%s\",\"value\":%s}}", wkt[i][0],
             wkt[i][1]);
    jt_expect_rt(in, want);
  }
  /* an Any of a Value without "value" holds a Value with no kind: it prints back the same way */
  jt_expect_rt("{\"wAny\": {\"@type\": \"type.googleapis.com/google.protobuf.Value\"}}",
               "{\"wAny\":{\"@type\":\"type.googleapis.com/google.protobuf.Value\"}}");
  /* Empty is an ordinary message */
  jt_expect_rt("{\"wAny\": {\"@type\": \"type.googleapis.com/google.protobuf.Empty\"}}",
               "{\"wAny\":{\"@type\":\"type.googleapis.com/google.protobuf.Empty\"}}");
  jt_expect_rt("{\"wAny\": {}}", "{\"wAny\":{}}");
  jt_expect_rt("{\"rwAny\": [{}, {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\"}]}",
               "{\"rwAny\":[{},{\"@type\":\"type.googleapis.com/evs.test.v1.Nested\"}]}");
  jt_expect_fail(AT, "{\"wAny\": {\"a\": 1}}", EVS_ERR_TYPE, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": \"\"}}", EVS_ERR_SYNTAX, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": \"not_a_url\"}}", EVS_ERR_SYNTAX, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": \"type.googleapis.com/\"}}", EVS_ERR_SYNTAX, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": 5}}", EVS_ERR_TYPE, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": \"type.googleapis.com/no.Such\"}}", EVS_ERR_NOT_FOUND, "wAny");
  jt_expect_fail(AT,
                 "{\"wAny\": {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\","
                 " \"@type\": \"type.googleapis.com/evs.test.v1.Nested\"}}",
                 EVS_ERR_DUPLICATE, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\", \"zz\": 1}}",
                 EVS_ERR_NOT_FOUND, "wAny");
  jt_expect_fail(
      AT, "{\"wAny\": {\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"1\"}}",
      EVS_ERR_SYNTAX, "wAny.value");
  jt_expect_fail(AT,
                 "{\"wAny\": {\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"1s\","
                 " \"x\": 1}}",
                 EVS_ERR_NOT_FOUND, "wAny");
  jt_expect_fail(AT, "{\"wAny\": {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\", \"a\": [}}",
                 EVS_ERR_SYNTAX, "wAny");
  /* the packed bytes are the binary of the inner message */
  ProtobufCMessage *pm = NULL;
  evs_error err;
  assert_int_equal(
      jt_decode(AT, "{\"wAny\": {\"a\": 150, \"@type\": \"type.googleapis.com/evs.test.v1.Nested\"}}", 0, &pm,
                &err),
      EVS_OK);
  Evs__Test__V1__AllTypes *at = (Evs__Test__V1__AllTypes *)pm;
  assert_string_equal(at->w_any->type_url, "type.googleapis.com/evs.test.v1.Nested");
  assert_int_equal(at->w_any->value.len, 3);
  assert_memory_equal(at->w_any->value.data, "\x08\x96\x01", 3);
  protobuf_c_message_free_unpacked(pm, NULL);
  /* output errors: unknown type, garbage bytes, a value without type */
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  Google__Protobuf__Any any;
  google__protobuf__any__init(&any);
  m.w_any = &any;
  char url[] = "type.googleapis.com/no.Such", url2[] = "type.googleapis.com/evs.test.v1.Nested", none[] = "";
  any.type_url = url;
  encode_fails(&m.base, EVS_ERR_NOT_FOUND, "wAny");
  any.type_url = url2;
  uint8_t garbage[] = {0x0a, 0x05, 'x'};
  any.value.data = garbage;
  any.value.len = sizeof garbage;
  encode_fails(&m.base, EVS_ERR_TYPE, "wAny");
  any.type_url = none;
  encode_fails(&m.base, EVS_ERR_TYPE, "wAny");
}

/* evs_binary_pack writes Struct / Value / ListValue from their layout: hand-built shapes the decoder never
 * makes (NULL members with their case set, an empty key, unknown fields) must still give
 * protobuf-c's bytes. */
static void expect_same_pack(const ProtobufCMessage *m) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *want = malloc(n ? n : 1);
  assert_non_null(want);
  assert_int_equal(protobuf_c_message_pack(m, want), n);
  evs_buf got = EVS_BUF_INIT;
  evs_error err;
  assert_int_equal(evs_binary_pack(m, &got, &err), EVS_OK);
  assert_int_equal(got.len, n);
  if (n) assert_memory_equal(got.data, want, n);
  evs_buf_free(&got);
  free(want);
}

static void test_pack_struct_shapes(void **state) {
  (void)state;
  Google__Protobuf__Value v[8];
  for (int i = 0; i < 8; i++) google__protobuf__value__init(&v[i]);
  Google__Protobuf__Struct st, inner;
  google__protobuf__struct__init(&st);
  google__protobuf__struct__init(&inner);
  Google__Protobuf__ListValue lv;
  google__protobuf__list_value__init(&lv);
  Google__Protobuf__Struct__FieldsEntry e[4];
  for (int i = 0; i < 4; i++) google__protobuf__struct__fields_entry__init(&e[i]);
  char k0[] = "a", k1[] = "", s0[] = "", s1[] = "text";
  v[0].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE; /* NULL string: not written */
  v[1].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
  v[1].string_value = s0;                                      /* "" is written in a oneof */
  v[2].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE; /* NULL struct: not written */
  v[3].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
  v[4].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
  v[4].bool_value = 0;
  v[5].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
  v[5].number_value = -0.0;
  v[6].kind_case = (Google__Protobuf__Value__KindCase)9; /* no member: nothing */
  v[7].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
  v[7].struct_value = &inner;
  ProtobufCMessage *elems[] = {&v[0].base, &v[1].base, &v[2].base, &v[3].base,
                               &v[4].base, &v[5].base, &v[6].base, &v[7].base};
  lv.values = (Google__Protobuf__Value **)elems;
  lv.n_values = sizeof elems / sizeof elems[0];
  e[0].key = k0; /* value NULL: key only */
  e[1].key = k1; /* empty key: value only */
  Google__Protobuf__Value lvv;
  google__protobuf__value__init(&lvv);
  lvv.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
  lvv.list_value = &lv;
  e[1].value = &lvv;
  e[2].value = &v[1]; /* NULL key */
  Google__Protobuf__Value uv;
  google__protobuf__value__init(&uv);
  uv.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
  uv.string_value = s1;
  uint8_t unknown_bytes[] = {0x05};
  ProtobufCMessageUnknownField unknown = {
      .tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT, .len = 1, .data = unknown_bytes};
  uv.base.n_unknown_fields = 1; /* the generic walk writes these */
  uv.base.unknown_fields = &unknown;
  e[3].key = k0;
  e[3].value = &uv;
  Google__Protobuf__Struct__FieldsEntry *entries[] = {&e[0], &e[1], &e[2], &e[3]};
  st.fields = entries;
  st.n_fields = sizeof entries / sizeof entries[0];
  expect_same_pack(&st.base);
  expect_same_pack(&lv.base);
  for (int i = 0; i < 8; i++) expect_same_pack(&v[i].base);
  expect_same_pack(&e[0].base);
  expect_same_pack(&inner.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_timestamp),          cmocka_unit_test(test_duration),
      cmocka_unit_test(test_field_mask),         cmocka_unit_test(test_wrappers),
      cmocka_unit_test(test_struct_value_list),  cmocka_unit_test(test_any),
      cmocka_unit_test(test_pack_struct_shapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
