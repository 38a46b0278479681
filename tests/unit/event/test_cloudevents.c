/* The CloudEvents module: structured-mode JSON read strictly (each rejection with its code and byte
 * offset) and written back to the same event; the Kafka binary-mode header mapping both ways; the tags
 * extension. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/cloudevents.h"

#define FULL                                                                                          \
  "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"source\":\"/acme/orders\",\"type\":\"task.created\","    \
  "\"time\":\"2025-01-01T00:00:00.123Z\",\"subject\":\"s\",\"dataschema\":\"evs:x.Y\","               \
  "\"schemaversion\":\"1.0\",\"correlationid\":\"c\",\"causationid\":\"k\",\"tags\":\"a=1&b=x%20y\"," \
  "\"data\":{\"a\":[1,2.5e300,-0,{\"b\":null}],\"t\":\"\\u00e9\"}}"

static evs_status parse(const char *json, size_t len, uint32_t flags, evs_ce_event *ev, evs_buf *store,
                        evs_error *err) {
  evs_error_clear(err);
  return evs_ce_parse_json(json, len, flags, ev, store, err);
}

static void test_parse_full(void **state) {
  (void)state;
  evs_ce_event ev;
  evs_buf store = EVS_BUF_INIT;
  evs_error err;
  assert_int_equal(parse(FULL, strlen(FULL), 0, &ev, &store, &err), EVS_OK);
  assert_string_equal(ev.specversion, "1.0");
  assert_string_equal(ev.id, "e-1");
  assert_string_equal(ev.source, "/acme/orders");
  assert_string_equal(ev.type, "task.created");
  assert_string_equal(ev.time, "2025-01-01T00:00:00.123Z");
  assert_string_equal(ev.tags, "a=1&b=x%20y");
  assert_null(ev.content_type);
  assert_int_equal(ev.data_kind, EVS_CE_DATA_JSON);
  const char *want = "{\"a\":[1,2.5e300,-0,{\"b\":null}],\"t\":\"\\u00e9\"}";
  assert_int_equal(ev.data_len, strlen(want));
  assert_memory_equal(ev.data, want, ev.data_len);
  /* Escapes in attribute values are decoded; whitespace around the object is fine. */
  const char *esc =
      " \t{\"specversion\":\"1.0\",\"id\":\"a\\u00e9\\/b\",\"source\":\"urn:x\",\"type\":\"t\"}\r\n";
  assert_int_equal(parse(esc, strlen(esc), 0, &ev, &store, &err), EVS_OK);
  assert_string_equal(ev.id, "a\xc3\xa9/b");
  assert_int_equal(ev.data_kind, EVS_CE_DATA_NONE);
  evs_buf_free(&store);
}

static void test_parse_partial_and_required(void **state) {
  (void)state;
  evs_ce_event ev;
  evs_buf store = EVS_BUF_INIT;
  evs_error err;
  const char *j = "{\"type\":\"t\",\"data\":1}";
  assert_int_equal(parse(j, strlen(j), 0, &ev, &store, &err), EVS_ERR_VALIDATION);
  assert_non_null(strstr(err.msg, "specversion"));
  assert_int_equal(err.offset, 0);
  assert_null(ev.type); /* zeroed on failure */
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_string_equal(ev.type, "t");
  assert_int_equal(ev.data_len, 1);
  /* null = absent, for attributes and data_base64; `"data": null` is an explicit JSON null payload. */
  j = "{\"id\":null,\"data_base64\":null,\"type\":\"t\"}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_null(ev.id);
  assert_int_equal(ev.data_kind, EVS_CE_DATA_NONE);
  j = "{\"data\":null}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_int_equal(ev.data_kind, EVS_CE_DATA_JSON);
  assert_memory_equal(ev.data, "null", 4);
  evs_buf_free(&store);
}

/* One rejected input: its status and the byte offset of the problem. */
typedef struct reject {
  const char *json;
  size_t len; /* 0 = strlen */
  evs_status code;
  size_t offset;
  const char *msg; /* a part of the message */
} reject;

static void test_parse_rejects(void **state) {
  (void)state;
  static const char nul_data[] = "{\"type\":\"t\",\"data\":\"a\0b\"}";
  static const char nul_unknown[] = "{\"type\":\"t\",\"x\":[\0]}";
  static const char nul_outside[] = "{\"type\":\"t\",\0\"data\":1}";
  static const char nul_name[] = "{\"type\":\"t\",\"x\0\":1}";
  const reject cases[] = {
      {nul_data, sizeof nul_data - 1, EVS_ERR_SYNTAX, 21, "control character (byte 0x00)"},
      {nul_unknown, sizeof nul_unknown - 1, EVS_ERR_SYNTAX, 17, "found byte 0x00"},
      {nul_outside, sizeof nul_outside - 1, EVS_ERR_SYNTAX, 12, "expected a member name, found byte 0x00"},
      {nul_name, sizeof nul_name - 1, EVS_ERR_SYNTAX, 14, "control character"},
      {"{\"type\":\"t\",\"data\":\"\x01\"}", 0, EVS_ERR_SYNTAX, 20, "control character (byte 0x01)"},
      {"{\"type\":\"t\x01\"}", 0, EVS_ERR_SYNTAX, 10, "control character"},
      {"{\"type\":\"t\xff\"}", 0, EVS_ERR_SYNTAX, 10, "invalid UTF-8"},
      {"{\"type\":\"t\xc0\x80\"}", 0, EVS_ERR_SYNTAX, 10, "invalid UTF-8"},
      {"{\"type\":\"t\",\"x\":\"\xed\xa0\x80\"}", 0, EVS_ERR_SYNTAX, 17, "invalid UTF-8"},
      {"{\"type\":\"t\",\"type\":\"u\"}", 0, EVS_ERR_DUPLICATE, 12, "\"type\" given twice"},
      {"{\"x\":1,\"type\":\"t\",\"x\":2}", 0, EVS_ERR_DUPLICATE, 18, "\"x\" given twice"},
      {"{\"x\":1,\"type\":\"t\",\"\\u0078\":2}", 0, EVS_ERR_DUPLICATE, 18, "given twice"},
      {"{\"data\":1,\"type\":\"t\",\"data\":2}", 0, EVS_ERR_DUPLICATE, 21, "\"data\" given twice"},
      {"{\"data\":{},\"type\":\"t\",\"data_base64\":\"AA==\"}", 0, EVS_ERR_VALIDATION, 22,
       "both data and data_base64"},
      {"{\"data_base64\":\"AA==\",\"data\":{}}", 0, EVS_ERR_VALIDATION, 22, "both data and data_base64"},
      {"{\"type\":\"t\",\"data_base64\":\"AA=\"}", 0, EVS_ERR_SYNTAX, 30, "not a multiple of 4"},
      {"{\"type\":\"t\",\"data_base64\":\"A-_A\"}", 0, EVS_ERR_SYNTAX, 28, "character 2"},
      {"{\"type\":\"t\",\"data_base64\":\"A*AA\"}", 0, EVS_ERR_SYNTAX, 28, "character 2"},
      {"{\"type\":\"t\",\"data_base64\":7}", 0, EVS_ERR_TYPE, 26, "must be strings"},
      {"{\"type\":7}", 0, EVS_ERR_TYPE, 8, "attribute values must be strings: \"type\" is a number"},
      {"{\"subject\":{}}", 0, EVS_ERR_TYPE, 11, "is an object"},
      {"{\"subject\":x}", 0, EVS_ERR_SYNTAX, 11, "which does not start a JSON value"},
      {"{\"id\":\"\"}", 0, EVS_ERR_VALIDATION, 7, "empty \"id\""},
      {"{\"subject\":\"a\\u0000b\"}", 0, EVS_ERR_VALIDATION, 11, "U+0000"},
      {"{\"subject\":\"a\\u0085\"}", 0, EVS_ERR_VALIDATION, 11, "U+0085"},
      {"{\"subject\":\"a\xef\xbf\xbe\"}", 0, EVS_ERR_VALIDATION, 13, "U+FFFE"},
      {"{\"specversion\":\"0.3\"}", 0, EVS_ERR_UNSUPPORTED, 16, "specversion '0.3'"},
      {"{\"source\":\"a b\"}", 0, EVS_ERR_VALIDATION, 12, "not a URI-reference"},
      {"{\"source\":\"1a:b\"}", 0, EVS_ERR_VALIDATION, 11, "not a URI-reference"},
      {"{\"source\":\"/%zz\"}", 0, EVS_ERR_VALIDATION, 12, "not a URI-reference"},
      {"{\"dataschema\":\"x.Y\"}", 0, EVS_ERR_VALIDATION, 15, "absolute URI"},
      {"{\"time\":\"yesterday\"}", 0, EVS_ERR_SYNTAX, 9, "time: "},
      {"{\"time\":\"2025-02-30T00:00:00Z\"}", 0, EVS_ERR_RANGE, 17, "time: "},
      {"{\"datacontenttype\":\"json\"}", 0, EVS_ERR_VALIDATION, 24, "not a media type"},
      {"{\"datacontenttype\":\"text/plain\",\"data\":{}}", 0, EVS_ERR_TYPE, 39, "data must be a string"},
      {"{\"tags\":\"novalue\"}", 0, EVS_ERR_SYNTAX, 16, "tags: "},
      {"{\"tags\":\"a=%4\"}", 0, EVS_ERR_SYNTAX, 11, "two hex digits"},
      {"{\"tags\":\"a=%00\"}", 0, EVS_ERR_SYNTAX, 11, "NUL"},
      {"{\"tags\":\"a=%ff\"}", 0, EVS_ERR_SYNTAX, 11, "not UTF-8"},
      {"{\"tags\":\"=1\"}", 0, EVS_ERR_SYNTAX, 9, "non-empty key"},
      {"{\"type\":\"t\",}", 0, EVS_ERR_SYNTAX, 12, "trailing comma"},
      {"{\"type\":\"t\"", 0, EVS_ERR_SYNTAX, 11, "end of input"},
      {"{\"type\":\"t\"} x", 0, EVS_ERR_SYNTAX, 13, "text after the event object"},
      {"[1]", 0, EVS_ERR_TYPE, 0, "one JSON object"},
      {"", 0, EVS_ERR_SYNTAX, 0, "end of input"},
      {"{\"data\":01}", 0, EVS_ERR_SYNTAX, 8, "invalid number"},
      {"{\"data\":1e}", 0, EVS_ERR_SYNTAX, 10, "invalid number"},
      {"{\"data\":[1,]}", 0, EVS_ERR_SYNTAX, 11, "trailing comma"},
      {"{\"data\":tru}", 0, EVS_ERR_SYNTAX, 8, "expected a JSON value"},
  };
  evs_ce_event ev;
  evs_buf store = EVS_BUF_INIT;
  evs_error err;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const reject *c = &cases[i];
    size_t len = c->len ? c->len : strlen(c->json);
    evs_status st = parse(c->json, len, EVS_CE_PARTIAL, &ev, &store, &err);
    if (st != c->code || err.offset != c->offset || !strstr(err.msg, c->msg))
      fail_msg("case %zu (%s): got %s at %zu \"%s\", want %s at %zu \"%s\"", i, c->json, evs_status_name(st),
               err.offset, err.msg, evs_status_name(c->code), c->offset, c->msg);
    assert_true(err.line >= 1 && err.col >= 1);
    assert_null(ev.type);
    assert_int_equal(ev.data_kind, EVS_CE_DATA_NONE);
  }
  evs_buf_free(&store);
}

static void test_parse_nesting_and_numbers(void **state) {
  (void)state;
  evs_ce_event ev;
  evs_buf store = EVS_BUF_INIT;
  evs_error err;
  /* data opens as many arrays and objects as a document of the JSON codec's depth can (2 * 100 + 2: the
   * codec then counts message levels), one more fails with LIMIT. */
  for (int depth = 202; depth <= 203; depth++) {
    size_t n = 10 + 2 * (size_t)depth + 2;
    char *j = malloc(n);
    size_t k = (size_t)snprintf(j, n, "{\"data\":");
    for (int i = 0; i < depth; i++) j[k++] = '[';
    for (int i = 0; i < depth; i++) j[k++] = ']';
    j[k++] = '}';
    evs_status st = parse(j, k, EVS_CE_PARTIAL, &ev, &store, &err);
    assert_int_equal(st, depth == 202 ? EVS_OK : EVS_ERR_LIMIT);
    free(j);
  }
  /* Numbers of any size are JSON: the payload's codec decides what fits. */
  const char *j = "{\"data\":[1e999999999999,-0.0000000000000000000001,123456789012345678901234567890]}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_int_equal(ev.data_len, strlen(j) - 9);
  /* Unknown extension members of any JSON kind are checked and skipped. */
  j = "{\"traceparent\":\"00-x\",\"n\":-1.5,\"b\":true,\"o\":{\"k\":[null]},\"type\":\"t\"}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_string_equal(ev.type, "t");
  /* A string payload with a non-JSON content type; JSON content types with parameters take any value. */
  j = "{\"datacontenttype\":\"text/plain\",\"data\":\"<x/>\"}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  j = "{\"datacontenttype\":\"application/cloudevents+JSON; charset=utf-8\",\"data\":{}}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  evs_buf_free(&store);
}

static void test_base64(void **state) {
  (void)state;
  evs_ce_event ev;
  evs_buf store = EVS_BUF_INIT;
  evs_error err;
  const char *j = "{\"data_base64\":\"AAEC/w==\"}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_int_equal(ev.data_kind, EVS_CE_DATA_BINARY);
  assert_int_equal(ev.data_len, 4);
  assert_memory_equal(ev.data, "\x00\x01\x02\xff", 4);
  j = "{\"data_base64\":\"\"}";
  assert_int_equal(parse(j, strlen(j), EVS_CE_PARTIAL, &ev, &store, &err), EVS_OK);
  assert_int_equal(ev.data_kind, EVS_CE_DATA_BINARY);
  assert_int_equal(ev.data_len, 0);
  evs_buf_free(&store);
}

/* Writes ev and parses the text again. */
static char *write_text(const evs_ce_event *ev, size_t *len) {
  char *text = NULL;
  FILE *f = open_memstream(&text, len);
  assert_non_null(f);
  evs_error err;
  evs_status st = evs_ce_write_json(f, ev, &err);
  fclose(f);
  if (st != EVS_OK) {
    free(text);
    return NULL;
  }
  return text;
}

static void assert_same_event(const evs_ce_event *a, const evs_ce_event *b) {
  const char *const *x = &a->specversion, *const *y = &b->specversion;
  for (int i = 0; i < 12; i++) {
    if (!x[i] || !y[i]) {
      assert_ptr_equal(x[i], y[i]);
    } else {
      assert_string_equal(x[i], y[i]);
    }
  }
  assert_int_equal(a->data_kind, b->data_kind);
  assert_int_equal(a->data_len, b->data_len);
  if (a->data_len) assert_memory_equal(a->data, b->data, a->data_len);
}

static void test_round_trip(void **state) {
  (void)state;
  const char *inputs[] = {
      FULL,
      "{\"specversion\":\"1.0\",\"id\":\"\\\"q\\\\\",\"source\":\"urn:uuid:1\",\"type\":\"t\","
      "\"datacontenttype\":"
      "\"application/protobuf\",\"data_base64\":\"CgN0YXNr\"}",
      "{\"type\":\"t\",\"data\" : [ 1 , \"x\" ] ,\"ext\":{}}",
      "{\"type\":\"\xe2\x82\xac\",\"data\":null}",
      "{}",
  };
  evs_buf s1 = EVS_BUF_INIT, s2 = EVS_BUF_INIT;
  evs_error err;
  for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
    evs_ce_event a, b;
    assert_int_equal(parse(inputs[i], strlen(inputs[i]), EVS_CE_PARTIAL, &a, &s1, &err), EVS_OK);
    size_t len;
    char *text = write_text(&a, &len);
    assert_non_null(text);
    assert_int_equal(parse(text, len, EVS_CE_PARTIAL, &b, &s2, &err), EVS_OK);
    assert_same_event(&a, &b);
    free(text);
  }
  /* The exact output: attribute order of the struct, data last. */
  evs_ce_event a;
  assert_int_equal(parse(inputs[1], strlen(inputs[1]), EVS_CE_PARTIAL, &a, &s1, &err), EVS_OK);
  size_t len;
  char *text = write_text(&a, &len);
  assert_string_equal(text, inputs[1]);
  free(text);
  /* An invalid attribute is refused before anything is written. */
  a.subject = "bad\x01";
  assert_null(write_text(&a, &len));
  a.subject = NULL;
  a.content_type = "text/plain";
  a.data_kind = EVS_CE_DATA_JSON;
  a.data = "{}";
  a.data_len = 2;
  assert_null(write_text(&a, &len));
  evs_buf_free(&s1);
  evs_buf_free(&s2);
}

static void test_headers(void **state) {
  (void)state;
  evs_ce_event a, b;
  evs_buf s1 = EVS_BUF_INIT, s2 = EVS_BUF_INIT;
  evs_error err;
  const char *j =
      "{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"/s\",\"type\":\"t\",\"subject\":\"x\","
      "\"datacontenttype\":\"application/protobuf\",\"tags\":\"a=1\"}";
  assert_int_equal(parse(j, strlen(j), 0, &a, &s1, &err), EVS_OK);
  evs_ce_header h[EVS_CE_MAX_HEADERS];
  size_t n;
  assert_int_equal(evs_ce_to_headers(&a, h, &n, &err), EVS_OK);
  static const char *const names[] = {"ce_specversion", "ce_id",        "ce_source", "ce_type",
                                      "ce_subject",     "content-type", "ce_tags"};
  assert_int_equal(n, 7);
  for (size_t i = 0; i < n; i++) assert_string_equal(h[i].name, names[i]);
  assert_int_equal(h[5].value_len, strlen("application/protobuf"));
  assert_int_equal(evs_ce_from_headers(h, n, &b, &s2, &err), EVS_OK);
  assert_same_event(&a, &b);

  /* Other headers and unknown ce_ extensions are ignored; a null value is absent; values need no NUL. */
  evs_ce_header in[] = {{"ce_traceparent", "00-abc", 6},
                        {"x", "\xff", 1},
                        {"ce_id", "e-7xyz", 3},
                        {"ce_subject", NULL, 0},
                        {"ce_type", "t", 1}};
  assert_int_equal(evs_ce_from_headers(in, 5, &b, &s2, &err), EVS_OK);
  assert_string_equal(b.id, "e-7");
  assert_null(b.subject);
  assert_string_equal(b.type, "t");
  assert_null(b.source);

  /* Bad values: invalid UTF-8, a NUL inside, a bad time, a repeated header. Never a cut or garbled string. */
  const struct {
    evs_ce_header h;
    evs_status code;
    size_t offset;
    const char *msg;
  } bad[] = {
      {{"ce_id", "a\xff", 2}, EVS_ERR_VALIDATION, 1, "header ce_id: \"id\": invalid UTF-8"},
      {{"ce_subject", "a\0b", 3}, EVS_ERR_VALIDATION, 1, "U+0000"},
      {{"ce_time", "2025-01-01", 10}, EVS_ERR_SYNTAX, 10, "header ce_time: time: "},
      {{"content-type", "", 0}, EVS_ERR_VALIDATION, 0, "empty \"datacontenttype\""},
      {{"ce_specversion", "0.3", 3}, EVS_ERR_UNSUPPORTED, 0, "only \"1.0\""},
      {{"ce_tags", "a=%zz", 5}, EVS_ERR_SYNTAX, 2, "header ce_tags: tags: "},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    evs_ce_header two[2] = {{"ce_type", "t", 1}, bad[i].h};
    evs_error_clear(&err);
    evs_status st = evs_ce_from_headers(two, 2, &b, &s2, &err);
    if (st != bad[i].code || err.offset != bad[i].offset || !strstr(err.msg, bad[i].msg))
      fail_msg("header case %zu: got %s at %zu \"%s\"", i, evs_status_name(st), err.offset, err.msg);
    assert_null(b.type);
  }
  evs_ce_header dup[] = {{"ce_id", "1", 1}, {"ce_id", NULL, 0}};
  assert_int_equal(evs_ce_from_headers(dup, 2, &b, &s2, &err), EVS_ERR_DUPLICATE);
  assert_non_null(strstr(err.msg, "ce_id given twice"));

  /* Writing refuses what reading would refuse. */
  a.time = "soon";
  assert_int_equal(evs_ce_to_headers(&a, h, &n, &err), EVS_ERR_SYNTAX);
  assert_int_equal(n, 0);
  evs_buf_free(&s1);
  evs_buf_free(&s2);
}

static void test_tags(void **state) {
  (void)state;
  evs_buf b = EVS_BUF_INIT, store = EVS_BUF_INIT;
  evs_tag tags[] = {
      {"userId", "u 1"}, {"issueId", "42"}, {"a&b", "x=y%"}, {NULL, "skipped"}, {"\xc3\xa9", NULL}};
  assert_int_equal(evs_ce_tags_encode(tags, 5, &b), EVS_OK);
  assert_string_equal((const char *)b.data, "a%26b=x%3Dy%25&issueId=42&userId=u%201&%C3%A9=");
  evs_tag out[8];
  size_t n;
  evs_error err;
  assert_int_equal(evs_ce_tags_decode((const char *)b.data, b.len, out, 8, &n, &store, &err), EVS_OK);
  assert_int_equal(n, 4);
  assert_string_equal(out[0].key, "a&b");
  assert_string_equal(out[0].value, "x=y%");
  assert_string_equal(out[2].value, "u 1");
  assert_string_equal(out[3].key, "\xc3\xa9");
  assert_string_equal(out[3].value, "");
  /* Free order, lower-case hex, a raw '=' in the value; "" is no tags. */
  assert_int_equal(evs_ce_tags_decode("z=%2f&a=b=c", 11, out, 8, &n, &store, &err), EVS_OK);
  assert_int_equal(n, 2);
  assert_string_equal(out[0].value, "/");
  assert_string_equal(out[1].value, "b=c");
  assert_int_equal(evs_ce_tags_decode("", 0, out, 8, &n, &store, &err), EVS_OK);
  assert_int_equal(n, 0);
  /* Malformed: each with the offending byte. */
  const struct {
    const char *text;
    evs_status code;
    size_t offset;
  } bad[] = {
      {"a", EVS_ERR_SYNTAX, 1},          {"=v", EVS_ERR_SYNTAX, 0},    {"a=1&", EVS_ERR_SYNTAX, 4},
      {"a=1&&b=2", EVS_ERR_SYNTAX, 4},   {"a=%", EVS_ERR_SYNTAX, 2},   {"a=%4", EVS_ERR_SYNTAX, 2},
      {"a=%g0", EVS_ERR_SYNTAX, 2},      {"%00=1", EVS_ERR_SYNTAX, 0}, {"a=%c3", EVS_ERR_SYNTAX, 2},
      {"a=1&b=2&c=3", EVS_ERR_LIMIT, 8},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    evs_error_clear(&err);
    evs_status st = evs_ce_tags_decode(bad[i].text, strlen(bad[i].text), out, 2, &n, &store, &err);
    if (st != bad[i].code || err.offset != bad[i].offset)
      fail_msg("tags case %s: got %s at %zu (%s)", bad[i].text, evs_status_name(st), err.offset, err.msg);
    assert_int_equal(n, 0);
  }
  assert_int_equal(evs_ce_tags_decode("a=1", 3, NULL, 2, &n, &store, &err), EVS_ERR_INVALID_ARG);
  evs_buf_free(&b);
  evs_buf_free(&store);
}

/* RFC 3339 as other producers write it: lower-case t / z and a leap second are valid CloudEvents times
 * (they were dead-lettered); the ProtoJSON form is unchanged, and garbage is still refused. */
static void test_time_rfc3339(void **state) {
  (void)state;
  int64_t ms = 0, ref = 0;
  evs_error err;
  assert_int_equal(evs_ce_parse_time("2016-12-31T23:59:59.500Z", 24, &ref, &err), EVS_OK);
  assert_int_equal(evs_ce_parse_time("2016-12-31t23:59:59.500z", 24, &ms, &err), EVS_OK);
  assert_int_equal(ms, ref);
  assert_int_equal(evs_ce_parse_time("2016-12-31T23:59:60.500Z", 24, &ms, &err), EVS_OK);
  assert_int_equal(ms, ref);
  assert_int_not_equal(evs_ce_parse_time("2016-12-31T23:59:61Z", 20, &ms, &err), EVS_OK);
  assert_int_not_equal(evs_ce_parse_time("yesterday", 9, &ms, &err), EVS_OK);
  evs_ce_header h[] = {{"ce_id", "1", 1},
                       {"ce_source", "/s", 2},
                       {"ce_type", "t", 1},
                       {"ce_specversion", "1.0", 3},
                       {"ce_time", "2016-12-31t23:59:60z", 20}};
  evs_ce_event ev;
  evs_buf store = EVS_BUF_INIT;
  assert_int_equal(evs_ce_from_headers(h, 5, &ev, &store, &err), EVS_OK);
  assert_string_equal(ev.time, "2016-12-31t23:59:60z");
  evs_buf_free(&store);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_rfc3339),
      cmocka_unit_test(test_parse_full),
      cmocka_unit_test(test_parse_partial_and_required),
      cmocka_unit_test(test_parse_rejects),
      cmocka_unit_test(test_parse_nesting_and_numbers),
      cmocka_unit_test(test_base64),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_headers),
      cmocka_unit_test(test_tags),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
