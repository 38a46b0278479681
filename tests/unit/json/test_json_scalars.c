/* JSON codec: every scalar type's exact JSON form in and out (protojson.md §2, §3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jtest.h"

#define AT (&evs__test__v1__all_types__descriptor)

typedef struct rt_case {
  const char *in, *out;
} rt_case;

typedef struct fail_case {
  const char *in;
  evs_status code;
  const char *path;
} fail_case;

static void run_rt(const rt_case *c, size_t n) {
  for (size_t i = 0; i < n; i++) jt_expect_rt(c[i].in, c[i].out);
}

static void run_fail(const fail_case *c, size_t n) {
  for (size_t i = 0; i < n; i++) jt_expect_fail(AT, c[i].in, c[i].code, c[i].path);
}

static void test_integers(void **state) {
  (void)state;
  static const rt_case cases[] = {
      {"{\"fInt32\": -2147483648, \"fUint32\": 4294967295}",
       "{\"fInt32\":-2147483648,\"fUint32\":4294967295}"},
      {"{\"fInt32\": 2147483647, \"fSint32\": -1, \"fSfixed32\": -2147483648, \"fFixed32\": 0}",
       "{\"fInt32\":2147483647,\"fSint32\":-1,\"fSfixed32\":-2147483648}"},
      {"{\"fInt64\": \"-9223372036854775808\", \"fUint64\": \"18446744073709551615\"}",
       "{\"fInt64\":\"-9223372036854775808\",\"fUint64\":\"18446744073709551615\"}"},
      /* bare 64-bit numbers are parsed exactly (2^53+1 survives) */
      {"{\"fInt64\": 9007199254740993, \"fSint64\": 9223372036854775807, \"fSfixed64\": "
       "-9223372036854775808}",
       "{\"fInt64\":\"9007199254740993\",\"fSint64\":\"9223372036854775807\",\"fSfixed64\":\"-"
       "9223372036854775808\"}"},
      {"{\"fUint64\": 18446744073709551615, \"fFixed64\": \"1\"}",
       "{\"fUint64\":\"18446744073709551615\",\"fFixed64\":\"1\"}"},
      /* exponent and zero-fraction forms, quoted or not */
      {"{\"fInt32\": 1e5, \"fUint32\": \"1e5\", \"fInt64\": \"100000.000\", \"fUint64\": 2.147483647e9}",
       "{\"fInt32\":100000,\"fInt64\":\"100000\",\"fUint32\":100000,\"fUint64\":\"2147483647\"}"},
      {"{\"fInt32\": -0, \"fInt64\": \"-0\", \"fSint32\": 0e99999999999}", "{}"},
      {"{\"fInt32\": \"2\\u003147483647\"}", "{\"fInt32\":2147483647}"},
      {"{\"fInt32\": 1.0e0, \"fSint64\": \"-1E+2\"}", "{\"fInt32\":1,\"fSint64\":\"-100\"}"},
  };
  run_rt(cases, sizeof cases / sizeof cases[0]);
  static const fail_case bad[] = {
      {"{\"fInt32\": 2147483648}", EVS_ERR_RANGE, "fInt32"},
      {"{\"fInt32\": -2147483649}", EVS_ERR_RANGE, "fInt32"},
      {"{\"fUint32\": -1}", EVS_ERR_RANGE, "fUint32"},
      {"{\"fUint32\": 4294967296}", EVS_ERR_RANGE, "fUint32"},
      {"{\"fInt64\": \"9223372036854775808\"}", EVS_ERR_RANGE, "fInt64"},
      {"{\"fInt64\": \"-9223372036854775809\"}", EVS_ERR_RANGE, "fInt64"},
      {"{\"fUint64\": \"18446744073709551616\"}", EVS_ERR_RANGE, "fUint64"},
      {"{\"fUint64\": \"-1\"}", EVS_ERR_RANGE, "fUint64"},
      {"{\"fInt64\": \"1e536870000\"}", EVS_ERR_RANGE, "fInt64"},
      {"{\"fInt32\": 0.5}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \"0.5\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt64\": 1e-1}", EVS_ERR_TYPE, "fInt64"},
      {"{\"fInt32\": \"\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \"12abc\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \"12 34\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \"12,34\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \"3x3\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \" 1\"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": \"1 \"}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": true}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt64\": false}", EVS_ERR_TYPE, "fInt64"},
      {"{\"fInt32\": +1}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": 01}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": -01}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": 1.}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": 1e}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": -}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": .5}", EVS_ERR_SYNTAX, "fInt32"},
      {"{\"fInt32\": [1]}", EVS_ERR_TYPE, "fInt32"},
      {"{\"fInt32\": {}}", EVS_ERR_TYPE, "fInt32"},
  };
  run_fail(bad, sizeof bad / sizeof bad[0]);
}

static void test_floats(void **state) {
  (void)state;
  static const rt_case cases[] = {
      {"{\"fFloat\": 1.1, \"fDouble\": 0.30000000000000004}",
       "{\"fFloat\":1.1,\"fDouble\":0.30000000000000004}"},
      {"{\"fDouble\": -0.0}", "{\"fDouble\":-0}"},
      {"{\"fDouble\": 1e-320}", "{\"fDouble\":1e-320}"},
      {"{\"fDouble\": 5e-324}", "{\"fDouble\":5e-324}"},
      {"{\"fDouble\": 2.2250738585072014e-308}", "{\"fDouble\":2.2250738585072014e-308}"},
      {"{\"fDouble\": 1.7976931348623157e308}", "{\"fDouble\":1.7976931348623157e+308}"},
      {"{\"fFloat\": 3.4028234663852886e38}", "{\"fFloat\":3.4028235e+38}"},
      {"{\"fFloat\": 1e-45}", "{\"fFloat\":1e-45}"},
      {"{\"fFloat\": -3.4028235e+38}",
       "{\"fFloat\":-3.4028235e+38}"},                               /* FLT_MAX's shortest text reads back */
      {"{\"fFloat\": 3.40282356e38}", "{\"fFloat\":3.4028235e+38}"}, /* below FLT_MAX + half an ulp */
      {"{\"fFloat\": 16777217}", "{\"fFloat\":16777216}"},
      {"{\"fDouble\": 9007199254740993}", "{\"fDouble\":9007199254740992}"},
      {"{\"fDouble\": 0.1, \"fFloat\": 0.1}", "{\"fFloat\":0.1,\"fDouble\":0.1}"},
      {"{\"fDouble\": 1e15}", "{\"fDouble\":1e+15}"},
      {"{\"fDouble\": 123456789012345}", "{\"fDouble\":123456789012345}"},
      {"{\"fDouble\": 1e-7}", "{\"fDouble\":1e-07}"},
      {"{\"fDouble\": 123456789012345678}", "{\"fDouble\":1.2345678901234568e+17}"},
      {"{\"fDouble\": \"1.5\", \"fFloat\": \"-2.5e3\"}", "{\"fFloat\":-2500,\"fDouble\":1.5}"},
      {"{\"fDouble\": \"NaN\", \"fFloat\": \"Infinity\"}", "{\"fFloat\":\"Infinity\",\"fDouble\":\"NaN\"}"},
      {"{\"fDouble\": \"-Infinity\"}", "{\"fDouble\":\"-Infinity\"}"},
      {"{\"fDouble\": 0.1e1, \"fFloat\": 3.40282346e38}", "{\"fFloat\":3.4028235e+38,\"fDouble\":1}"},
      /* long inputs go through strtod */
      {"{\"fDouble\": 3.14159265358979323846264338327950288}", "{\"fDouble\":3.141592653589793}"},
      {"{\"fDouble\": 0.000000000000000000000000000000000000000000000000001}", "{\"fDouble\":1e-51}"},
  };
  run_rt(cases, sizeof cases / sizeof cases[0]);
  static const fail_case bad[] = {
      {"{\"fFloat\": 3.502823e+38}", EVS_ERR_RANGE, "fFloat"},
      {"{\"fFloat\": -3.502823e+38}", EVS_ERR_RANGE, "fFloat"},
      {"{\"fFloat\": 3.4028236e+38}", EVS_ERR_RANGE, "fFloat"}, /* rounds to infinity */
      {"{\"fDouble\": 1.89769e+308}", EVS_ERR_RANGE, "fDouble"},
      {"{\"fDouble\": -1.89769e+308}", EVS_ERR_RANGE, "fDouble"},
      {"{\"fDouble\": \"1e400\"}", EVS_ERR_RANGE, "fDouble"},
      {"{\"fDouble\": NaN}", EVS_ERR_SYNTAX, "fDouble"},
      {"{\"fDouble\": Infinity}", EVS_ERR_SYNTAX, "fDouble"},
      {"{\"fDouble\": -Infinity}", EVS_ERR_SYNTAX, "fDouble"},
      {"{\"fDouble\": \"nan\"}", EVS_ERR_TYPE, "fDouble"},
      {"{\"fDouble\": \"-NaN\"}", EVS_ERR_TYPE, "fDouble"},
      {"{\"fDouble\": \"0x10\"}", EVS_ERR_TYPE, "fDouble"},
      {"{\"fDouble\": true}", EVS_ERR_TYPE, "fDouble"},
      {"{\"fFloat\": \" 1\"}", EVS_ERR_TYPE, "fFloat"},
  };
  run_fail(bad, sizeof bad / sizeof bad[0]);
}

static void test_bool_string_bytes(void **state) {
  (void)state;
  static const rt_case cases[] = {
      {"{\"fBool\": true}", "{\"fBool\":true}"},
      {"{\"fBool\": false}", "{}"},
      {"{\"fString\": \"h\\u00e9llo \\\"w\\\"\\n\\t\\\\/\\ud83d\\ude00\"}",
       "{\"fString\":\"h\xc3\xa9llo \\\"w\\\"\\n\\t\\\\/\xf0\x9f\x98\x80\"}"},
      {"{\"fString\": \"\\u0001\\u001f\\u007f\\b\\f\\r\"}", "{\"fString\":\"\\u0001\\u001f\x7f\\b\\f\\r\"}"},
      {"{\"fString\": \"\xe2\x82\xac \xf4\x8f\xbf\xbf\"}", "{\"fString\":\"\xe2\x82\xac \xf4\x8f\xbf\xbf\"}"},
      {"{\"fBytes\": \"AQID\"}", "{\"fBytes\":\"AQID\"}"},
      {"{\"fBytes\": \"AQI\"}", "{\"fBytes\":\"AQI=\"}"},
      {"{\"fBytes\": \"AQ==\"}", "{\"fBytes\":\"AQ==\"}"},
      {"{\"fBytes\": \"-_\"}", "{\"fBytes\":\"+w==\"}"},
      {"{\"fBytes\": \"+/+/\"}", "{\"fBytes\":\"+/+/\"}"},
      {"{\"fBytes\": \"\"}", "{}"},
      {"{\"rBytes\": [\"\", \"AA==\"]}", "{\"rBytes\":[\"\",\"AA==\"]}"},
  };
  run_rt(cases, sizeof cases / sizeof cases[0]);
  static const fail_case bad[] = {
      {"{\"fBool\": \"true\"}", EVS_ERR_TYPE, "fBool"},
      {"{\"fBool\": 0}", EVS_ERR_TYPE, "fBool"},
      {"{\"fBool\": 1}", EVS_ERR_TYPE, "fBool"},
      {"{\"fBool\": True}", EVS_ERR_SYNTAX, "fBool"},
      {"{\"fBool\": TRUE}", EVS_ERR_SYNTAX, "fBool"},
      {"{\"fBool\": truex}", EVS_ERR_SYNTAX, "fBool"},
      {"{\"fString\": 12345}", EVS_ERR_TYPE, "fString"},
      {"{\"fString\": null, \"fString\": 1}", EVS_ERR_DUPLICATE, "fString"},
      {"{\"fString\": \"a\\u0000b\"}", EVS_ERR_UNSUPPORTED, "fString"},
      {"{\"rString\": [\"a\", \"\\u0000\"]}", EVS_ERR_UNSUPPORTED, "rString[1]"},
      {"{\"fBytes\": \"A\"}", EVS_ERR_SYNTAX, "fBytes"},
      {"{\"fBytes\": \"AQ=\"}", EVS_ERR_SYNTAX, "fBytes"},
      {"{\"fBytes\": \"A===\"}", EVS_ERR_SYNTAX, "fBytes"},
      {"{\"fBytes\": \"AQ==AQ==\"}", EVS_ERR_SYNTAX, "fBytes"},
      {"{\"fBytes\": \"AQ*D\"}", EVS_ERR_SYNTAX, "fBytes"},
      {"{\"fBytes\": \"AQ D\"}", EVS_ERR_SYNTAX, "fBytes"},
      {"{\"fBytes\": 1}", EVS_ERR_TYPE, "fBytes"},
      {"{\"fBytes\": \"+_8=\"}", EVS_ERR_SYNTAX, "fBytes"}, /* one alphabet per value */
  };
  run_fail(bad, sizeof bad / sizeof bad[0]);
}

static void test_enums(void **state) {
  (void)state;
  static const rt_case cases[] = {
      {"{\"fEnum\": \"COLOR_BLUE\"}", "{\"fEnum\":\"COLOR_BLUE\"}"},
      {"{\"fEnum\": 2}", "{\"fEnum\":\"COLOR_GREEN\"}"},
      {"{\"fEnum\": -1}", "{\"fEnum\":\"COLOR_NEGATIVE\"}"},
      {"{\"fEnum\": 123}", "{\"fEnum\":123}"}, /* open enum: unknown numbers are kept */
      {"{\"fEnum\": \"COLOR_UNSPECIFIED\"}", "{}"},
      {"{\"fAliased\": \"ALIASED_UNO\"}", "{\"fAliased\":\"ALIASED_ONE\"}"}, /* first-declared name */
      {"{\"rEnum\": [\"COLOR_RED\", 7, 0]}", "{\"rEnum\":[\"COLOR_RED\",7,\"COLOR_UNSPECIFIED\"]}"},
      {"{\"pEnum\": \"COLOR_UNSPECIFIED\"}", "{\"pEnum\":\"COLOR_UNSPECIFIED\"}"},
  };
  run_rt(cases, sizeof cases / sizeof cases[0]);
  static const fail_case bad[] = {
      {"{\"fEnum\": \"FOO\"}", EVS_ERR_NOT_FOUND, "fEnum"},
      {"{\"fEnum\": \"color_red\"}", EVS_ERR_NOT_FOUND, "fEnum"},
      {"{\"fEnum\": \"1\"}", EVS_ERR_NOT_FOUND, "fEnum"},
      {"{\"fEnum\": COLOR_RED}", EVS_ERR_SYNTAX, "fEnum"},
      {"{\"fEnum\": true}", EVS_ERR_TYPE, "fEnum"},
      {"{\"fEnum\": [\"COLOR_RED\"]}", EVS_ERR_TYPE, "fEnum"},
      {"{\"fEnum\": [2]}", EVS_ERR_TYPE, "fEnum"},
      {"{\"fEnum\": 1.5}", EVS_ERR_TYPE, "fEnum"},
      {"{\"fEnum\": 2147483648}", EVS_ERR_RANGE, "fEnum"},
      {"{\"rEnum\": [\"COLOR_RED\", \"X\"]}", EVS_ERR_NOT_FOUND, "rEnum[1]"},
  };
  run_fail(bad, sizeof bad / sizeof bad[0]);
}

static void test_enum_options(void **state) {
  (void)state;
  evs_error err;
  /* Unknown names are dropped under IGNORE_UNKNOWN: field unset, array element and map entry removed. */
  char *s = jt_roundtrip(
      AT,
      "{\"fEnum\": \"NOPE\", \"pEnum\": \"NOPE\", \"rEnum\": [\"COLOR_RED\", \"NOPE\", \"COLOR_RED\"],"
      " \"mEnum\": {\"a\": \"NOPE\", \"b\": \"COLOR_BLUE\"}, \"oEnum\": \"NOPE\"}",
      EVS_JSON_IGNORE_UNKNOWN, &err);
  assert_non_null(s);
  assert_string_equal(s, "{\"rEnum\":[\"COLOR_RED\",\"COLOR_RED\"],\"mEnum\":{\"b\":\"COLOR_BLUE\"}}");
  free(s);
  s = jt_roundtrip(
      AT, "{\"fEnum\": \"COLOR_RED\", \"rEnum\": [\"COLOR_BLUE\", 9], \"wNullValue\": null, \"oNull\": null}",
      EVS_JSON_ENUMS_AS_NUMBERS, &err);
  assert_non_null(s);
  assert_string_equal(s, "{\"fEnum\":1,\"rEnum\":[3,9],\"oNull\":null}");
  free(s);
}

static void test_encode_invalid_utf8(void **state) {
  (void)state;
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  char bad[] = "ok\xc3\x28";
  m.f_string = bad;
  evs_error err;
  char *s = jt_encode(&m.base, 0, &err);
  assert_null(s);
  assert_int_equal(err.code, EVS_ERR_TYPE);
  assert_string_equal(err.path, "fString");
  char fine[] = "fine", surrogate[] = "\xed\xa0\x80";
  char *list[] = {fine, surrogate};
  char empty[] = "";
  m.f_string = empty;
  m.n_r_string = 2;
  m.r_string = list;
  s = jt_encode(&m.base, 0, &err);
  assert_null(s);
  assert_int_equal(err.code, EVS_ERR_TYPE);
  assert_string_equal(err.path, "rString[1]");
  /* nothing is appended to a buffer on failure */
  evs_buf b = EVS_BUF_INIT;
  assert_int_equal(evs_buf_append_str(&b, "keep"), EVS_OK);
  assert_int_equal(evs_json_encode(jt_registry(), &m.base, NULL, &b, &err), EVS_ERR_TYPE);
  assert_string_equal((char *)b.data, "keep");
  assert_int_equal(b.len, 4);
  evs_buf_free(&b);
}

static void test_encode_scalars_exact(void **state) {
  (void)state;
  Evs__Test__V1__AllTypes m;
  evs__test__v1__all_types__init(&m);
  m.f_int64 = INT64_MIN;
  m.f_uint64 = UINT64_MAX;
  m.f_sint32 = INT32_MIN;
  m.f_fixed32 = UINT32_MAX;
  m.f_float = -0.0f;
  m.f_double = 0.1 + 0.2;
  m.f_bool = 1;
  m.f_enum = (Evs__Test__V1__Color)42;
  uint8_t raw[] = {0xfb, 0xff, 0x00};
  m.f_bytes.data = raw;
  m.f_bytes.len = 3;
  evs_error err;
  char *s = jt_encode(&m.base, 0, &err);
  assert_non_null(s);
  assert_string_equal(s,
                      "{\"fInt64\":\"-9223372036854775808\",\"fUint64\":\"18446744073709551615\","
                      "\"fSint32\":-2147483648,\"fFixed32\":4294967295,\"fFloat\":-0,"
                      "\"fDouble\":0.30000000000000004,\"fBool\":true,\"fBytes\":\"+/8A\",\"fEnum\":42}");
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_floats),
      cmocka_unit_test(test_bool_string_bytes),
      cmocka_unit_test(test_enums),
      cmocka_unit_test(test_enum_options),
      cmocka_unit_test(test_encode_invalid_utf8),
      cmocka_unit_test(test_encode_scalars_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
