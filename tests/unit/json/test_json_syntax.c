/* JSON codec: malformed JSON, string escapes, UTF-8, depth limits and error locations (protojson.md §8). */
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
#define RE (&evs__test__v1__recursive__descriptor)

typedef struct syntax_case {
  const char *in;
  evs_status code;
  size_t offset;
} syntax_case;

static void check(const ProtobufCMessageDescriptor *desc, const char *in, size_t len, evs_status code,
                  size_t offset) {
  ProtobufCMessage *m = NULL;
  evs_error err;
  evs_status st = evs_json_decode(jt_registry(), desc, in, len, NULL, NULL, &m, &err);
  if (st != code || err.offset != offset) {
    if (m) protobuf_c_message_free_unpacked(m, NULL);
    fail_msg("%.*s: want %s at %zu, got %s at %zu (%s)", (int)len, in, evs_status_name(code), offset,
             evs_status_name(st), err.offset, err.msg);
  }
  assert_null(m);
  assert_true(err.msg[0] != '\0');
}

static void test_malformed(void **state) {
  (void)state;
  static const syntax_case cases[] = {
      {"", EVS_ERR_SYNTAX, 0},
      {"   ", EVS_ERR_SYNTAX, 3},
      {"null", EVS_ERR_TYPE, 0},
      {" \n null", EVS_ERR_TYPE, 3},
      {"[]", EVS_ERR_TYPE, 0},
      {"1", EVS_ERR_TYPE, 0},
      {"{", EVS_ERR_SYNTAX, 1},
      {"{\"fInt32\": 1", EVS_ERR_SYNTAX, 12},
      {"{\"fInt32\": 1}}", EVS_ERR_SYNTAX, 13},
      {"{\"fInt32\": 1} x", EVS_ERR_SYNTAX, 14},
      {"{} {}", EVS_ERR_SYNTAX, 3},
      {"{\"fInt32\": 1,}", EVS_ERR_SYNTAX, 13},
      {"{\"fInt32\" 1}", EVS_ERR_SYNTAX, 10},
      {"{\"fInt32\": 1 \"fUint32\": 2}", EVS_ERR_SYNTAX, 13},
      {"{fInt32: 1}", EVS_ERR_SYNTAX, 1},
      {"{'fInt32': 1}", EVS_ERR_SYNTAX, 1},
      {"{\"fString\": 'x'}", EVS_ERR_SYNTAX, 12},
      {"// c\n{}", EVS_ERR_SYNTAX, 0},
      {"{/* c */}", EVS_ERR_SYNTAX, 1},
      {"{\"fInt32\": 1 // c\n}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"abc}", EVS_ERR_SYNTAX, 12},
      {"{\"fString\": \"a\nb\"}", EVS_ERR_SYNTAX, 14},
      {"{\"fString\": \"a\tb\"}", EVS_ERR_SYNTAX, 14},
      {"{\"wValue\": [1,]}", EVS_ERR_SYNTAX, 14},
      {"{\"wValue\": [1 2]}", EVS_ERR_SYNTAX, 14},
      {"{\"wValue\": {\"a\" 1}}", EVS_ERR_SYNTAX, 16},
      {"{\"wValue\": nul}", EVS_ERR_SYNTAX, 11},
      {"{\"wValue\": True}", EVS_ERR_SYNTAX, 11},
      {"{\"wValue\": -}", EVS_ERR_SYNTAX, 12},
      {"{\"wValue\": +1}", EVS_ERR_SYNTAX, 11},
      {"{\"wValue\": 01}", EVS_ERR_SYNTAX, 11},
      {"{\"wValue\": .1}", EVS_ERR_SYNTAX, 11},
      {"{\"wValue\": 1.e5}", EVS_ERR_SYNTAX, 13},
      {"{\"wValue\": 0x1F}", EVS_ERR_SYNTAX, 12},
      {"\xef\xbb\xbf{}", EVS_ERR_SYNTAX, 0}, /* a byte-order mark is not JSON */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check(AT, cases[i].in, strlen(cases[i].in), cases[i].code, cases[i].offset);
  /* the input need not be NUL-terminated, and a NUL byte is not whitespace */
  check(AT, "{}\0", 3, EVS_ERR_SYNTAX, 2);
  ProtobufCMessage *m = NULL;
  evs_error err;
  assert_int_equal(evs_json_decode(jt_registry(), AT, "{}xyz", 2, NULL, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
}

static void test_escapes(void **state) {
  (void)state;
  jt_expect_rt("{\"fString\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "{\"fString\":\"\\\"\\\\/\\b\\f\\n\\r\\t\"}");
  jt_expect_rt("{\"fString\": \"\\u00E9\\u20AC\\uD83D\\uDE00\\uffff\"}",
               "{\"fString\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf\"}");
  static const syntax_case cases[] = {
      {"{\"fString\": \"\\U8C37\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\uXXXX\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\u8C3\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\u8C\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\x41\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\'\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\\"}", EVS_ERR_SYNTAX, 12},
      {"{\"fString\": \"\\uD800\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\uDC00\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\uDE01\\uD83D\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\uD83D\\u0041\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\uD83Dx\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fString\": \"\\uD83D\\uD83D\"}", EVS_ERR_SYNTAX, 13},
      {"{\"fStr\\ing\": 1}", EVS_ERR_SYNTAX, 6},
      /* \u0000 decodes, but a protobuf-c string cannot hold it */
      {"{\"fString\": \"a\\u0000\"}", EVS_ERR_UNSUPPORTED, 12},
      {"{\"wValue\": \"\\u0000\"}", EVS_ERR_UNSUPPORTED, 11},
      {"{\"wStruct\": {\"\\u0000\": 1}}", EVS_ERR_UNSUPPORTED, 13},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check(AT, cases[i].in, strlen(cases[i].in), cases[i].code, cases[i].offset);
  /* an unknown key with \u0000 is only an unknown key */
  check(AT, "{\"a\\u0000\": 1}", 14, EVS_ERR_NOT_FOUND, 1);
}

static void test_invalid_utf8_input(void **state) {
  (void)state;
  static const char *bad[] = {
      "\x80",             /* continuation without a lead */
      "\xc0\xaf",         /* overlong '/' */
      "\xc3",             /* truncated */
      "\xc3\x28",         /* bad continuation */
      "\xe0\x80\xaf",     /* overlong */
      "\xed\xa0\x80",     /* surrogate U+D800 */
      "\xf4\x90\x80\x80", /* above U+10FFFF */
      "\xf8\x88\x80\x80\x80",
      "\xff",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[64];
    int n = snprintf(in, sizeof in, "{\"fString\": \"ok%s\"}", bad[i]);
    check(AT, in, (size_t)n, EVS_ERR_SYNTAX, 15);
    n = snprintf(in, sizeof in, "{\"abcdefgh%s\": 1}", bad[i]); /* in a key, after a full word */
    check(AT, in, (size_t)n, EVS_ERR_SYNTAX, 10);
  }
  /* valid multi-byte text at every alignment around the word-at-a-time scan */
  for (int pad = 0; pad < 9; pad++) {
    char in[96], want[96];
    snprintf(in, sizeof in, "{\"fString\": \"%.*s\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z\"}", pad, "aaaaaaaaa");
    snprintf(want, sizeof want, "{\"fString\":\"%.*s\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z\"}", pad,
             "aaaaaaaaa");
    jt_expect_rt(in, want);
  }
}

static char *nested_struct(int levels) {
  /* {"anyValue": {"a": {"a": ... 1 ... }}} : levels Struct objects inside the Value */
  size_t n = (size_t)levels * 8 + 64;
  char *s = malloc(n);
  size_t o = (size_t)snprintf(s, n, "{\"anyValue\": ");
  for (int i = 0; i < levels; i++) o += (size_t)snprintf(s + o, n - o, "{\"a\": ");
  o += (size_t)snprintf(s + o, n - o, "1");
  for (int i = 0; i < levels; i++) s[o++] = '}';
  snprintf(s + o, n - o, "}");
  return s;
}

static char *nested_messages(int levels) {
  size_t n = (size_t)levels * 12 + 64;
  char *s = malloc(n);
  size_t o = 0;
  for (int i = 0; i < levels; i++) o += (size_t)snprintf(s + o, n - o, "{\"child\":");
  o += (size_t)snprintf(s + o, n - o, "{}");
  for (int i = 0; i < levels; i++) s[o++] = '}';
  s[o] = '\0';
  return s;
}

/* Depth is counted in message levels below the root, the same way by the JSON decoder, the encoder and
 * the binary guard: a Struct object costs three (Struct, its entry, the entry's Value). */
static void test_depth(void **state) {
  (void)state;
  ProtobufCMessage *m = NULL;
  evs_error err;
  char *ok = nested_struct(25);
  assert_int_equal(jt_decode(RE, ok, 0, &m, &err), EVS_OK);
  char *out = jt_encode(m, 0, &err);
  assert_non_null(out);
  protobuf_c_message_free_unpacked(m, NULL);
  free(out);
  free(ok);
  /* 33 Struct objects: the innermost Value is at level 3 * 33 + 1 = 100, the limit; JSON, binary and the
   * encoder all accept it (encode accepted a 34-deep Struct that decode then refused, before). */
  char *at_struct = nested_struct(33);
  assert_int_equal(jt_decode(RE, at_struct, 0, &m, &err), EVS_OK);
  size_t size = protobuf_c_message_get_packed_size(m);
  uint8_t *bin = malloc(size);
  protobuf_c_message_pack(m, bin);
  assert_int_equal(evs_binary_depth_check(bin, size, RE, 0, &err), EVS_OK);
  ProtobufCMessage *back = NULL;
  assert_int_equal(evs_binary_unpack(RE, bin, size, NULL, NULL, &back, &err), EVS_OK);
  out = jt_encode(back, 0, &err);
  assert_non_null(out);
  free(out);
  protobuf_c_message_free_unpacked(back, NULL);
  free(bin);
  protobuf_c_message_free_unpacked(m, NULL);
  free(at_struct);
  char *deep = nested_struct(34);
  assert_int_equal(jt_decode(RE, deep, 0, &m, &err), EVS_ERR_LIMIT);
  assert_null(m);
  assert_int_equal(err.offset, 13 + 6 * 33); /* the 34th Struct object: level 101 */
  free(deep);
  deep = nested_struct(200);
  assert_int_equal(jt_decode(RE, deep, 0, &m, &err), EVS_ERR_LIMIT);
  assert_int_equal(err.offset, 13 + 6 * 33);
  free(deep);
  /* exactly the limit: 100 levels below the root parse, 101 do not */
  char *at = nested_messages(100);
  assert_int_equal(jt_decode(RE, at, 0, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  free(at);
  char *over = nested_messages(101);
  assert_int_equal(jt_decode(RE, over, 0, &m, &err), EVS_ERR_LIMIT);
  free(over);
  /* skipped unknown values are bounded too: 2 * max_depth + 2 arrays and objects */
  evs_json_options o = {.flags = EVS_JSON_IGNORE_UNKNOWN, .max_depth = 3};
  const char *skip = "{\"x\": [[[[[[[[1]]]]]]]]}";
  assert_int_equal(evs_json_decode(jt_registry(), RE, skip, strlen(skip), &o, NULL, &m, &err), EVS_ERR_LIMIT);
  o.max_depth = 4;
  assert_int_equal(evs_json_decode(jt_registry(), RE, skip, strlen(skip), &o, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  /* the encoder has the same limit */
  char *fifty = nested_messages(50);
  assert_int_equal(jt_decode(RE, fifty, 0, &m, &err), EVS_OK);
  evs_buf b = EVS_BUF_INIT;
  o.flags = 0;
  o.max_depth = 49;
  assert_int_equal(evs_json_encode(jt_registry(), m, &o, &b, &err), EVS_ERR_LIMIT);
  assert_int_equal(b.len, 0);
  o.max_depth = 50;
  assert_int_equal(evs_json_encode(jt_registry(), m, &o, &b, &err), EVS_OK);
  assert_string_equal((char *)b.data, fifty);
  evs_buf_free(&b);
  protobuf_c_message_free_unpacked(m, NULL);
  /* and so does JSON decode */
  o.max_depth = 49;
  assert_int_equal(evs_json_decode(jt_registry(), RE, fifty, strlen(fifty), &o, NULL, &m, &err),
                   EVS_ERR_LIMIT);
  o.max_depth = 50;
  assert_int_equal(evs_json_decode(jt_registry(), RE, fifty, strlen(fifty), &o, NULL, &m, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  free(fifty);
  /* above the cap is a caller error */
  o.max_depth = EVS_MAX_DEPTH_LIMIT + 1;
  assert_int_equal(evs_json_decode(jt_registry(), RE, "{}", 2, &o, NULL, &m, &err), EVS_ERR_INVALID_ARG);
}

static void test_error_location(void **state) {
  (void)state;
  const char *in = "{\n  \"fNested\": {\n    \"child\": {\"a\": \"x\"}\n  }\n}";
  ProtobufCMessage *m = NULL;
  evs_error err;
  assert_int_equal(jt_decode(AT, in, 0, &m, &err), EVS_ERR_TYPE);
  assert_int_equal(err.offset, (size_t)(strstr(in, "\"x\"") - in));
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 20);
  assert_string_equal(err.path, "fNested.child.a");
  assert_string_equal(err.msg, "expected a number for a int32 field, got the string \"x\"");
  char buf[512];
  evs_error_format(&err, buf, sizeof buf);
  assert_non_null(strstr(buf, "3:20"));
  /* paths through arrays, maps, Struct and Any */
  jt_expect_fail(AT, "{\"wStruct\": {\"a\": {\"b\": [{\"c\": 1}, {\"d\": x}]}}}", EVS_ERR_SYNTAX,
                 "wStruct[\"a\"][\"b\"][1][\"d\"]");
  jt_expect_fail(AT, "{\"rwAny\": [{}, {\"@type\": \"type.googleapis.com/evs.test.v1.Nested\", \"b\": 1}]}",
                 EVS_ERR_TYPE, "rwAny[1].b");
  jt_expect_fail(AT, "{\"mNested\": {\"k\": {\"child\": {\"b\": 2}}}}", EVS_ERR_TYPE,
                 "mNested[\"k\"].child.b");
  /* invalid arguments */
  assert_int_equal(evs_json_decode(NULL, AT, "{}", 2, NULL, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_json_decode(jt_registry(), NULL, "{}", 2, NULL, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_json_decode(jt_registry(), AT, NULL, 2, NULL, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_json_decode(jt_registry(), AT, "{}", 2, NULL, NULL, NULL, &err), EVS_ERR_INVALID_ARG);
  evs_json_options neg = {.max_depth = -1};
  assert_int_equal(evs_json_decode(jt_registry(), AT, "{}", 2, &neg, NULL, &m, &err), EVS_ERR_INVALID_ARG);
  /* err may be NULL */
  assert_int_equal(evs_json_decode(jt_registry(), AT, "{\"x\":1}", 7, NULL, NULL, &m, NULL),
                   EVS_ERR_NOT_FOUND);
  assert_null(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_malformed),          cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_invalid_utf8_input), cmocka_unit_test(test_depth),
      cmocka_unit_test(test_error_location),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
