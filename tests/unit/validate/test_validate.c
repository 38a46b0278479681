/* The validator: every rule violated once (path, JSON path, rule id) and missed narrowly once, presence
 * semantics, nesting through lists and maps, fail-fast, the text / JSON forms, compiled catalog types and
 * the CloudEvents envelope. Documents are decoded with the JSON codec (which does not validate) first. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regtest.h"
#include "evs/json.h"
#include "evs/validate.h"

/* The fixed "now" of the time-relative rules: 2023-11-14T22:13:20Z. */
#define NOW_S 1700000000

static void fixed_clock(void *ctx, int64_t *s, int32_t *ns) {
  (void)ctx;
  *s = NOW_S;
  *ns = 0;
}

typedef struct fixture {
  evs_registry *reg;
  evs_validator *v;
  evs_violations vs;
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof *fx);
  fx->reg = rt_registry();
  rt_load_ok(fx->reg, "validate/v.proto", RT_IMPORTS);
  evs_validate_options o = {fixed_clock, NULL};
  evs_error err;
  assert_int_equal(evs_validator_new(fx->reg, &o, &fx->v, &err), EVS_OK);
  evs_violations_init(&fx->vs);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  evs_violations_free(&fx->vs);
  evs_validator_free(fx->v);
  evs_registry_free(fx->reg);
  free(fx);
  return 0;
}

/* Decodes json as type and validates it; returns the status, violations in fx->vs. */
static evs_status run(fixture *fx, const char *type, const char *json, uint32_t flags) {
  const evs_message *m = evs_registry_find_message(fx->reg, type);
  assert_non_null(m);
  ProtobufCMessage *msg = NULL;
  evs_error err;
  evs_status st = evs_json_decode(fx->reg, m->c_desc, json, strlen(json), NULL, NULL, &msg, &err);
  if (st != EVS_OK) print_error("decode %s: %s\n", json, err.msg);
  assert_int_equal(st, EVS_OK);
  evs_violations_reset(&fx->vs);
  st = evs_validate_message(fx->v, msg, flags, &fx->vs, &err);
  protobuf_c_message_free_unpacked(msg, NULL);
  if (st == EVS_ERR_VALIDATION) assert_non_null(strstr(err.msg, "violation"));
  return st;
}

/* The violations as "path|rule_id" lines, for comparisons. */
static const char *summary(const fixture *fx) {
  static char buf[4096];
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < fx->vs.n && used < sizeof buf; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s|%s", i ? "\n" : "", fx->vs.v[i].path,
                             fx->vs.v[i].rule_id);
  return buf;
}

#define BASE                                                                                            \
  "{\"id\":\"018f3e5c-8a7b-7c3d-9e4f-0123456789ab\",\"must\":\"LEVEL_LOW\",\"tags\":[\"a\"],\"main\":{" \
  "\"sku\":"                                                                                            \
  "\"ABC-1\"},\"user\":\"u\""

typedef struct rule_case {
  const char *extra;  /* members added to BASE */
  const char *expect; /* "path|rule_id" lines, "" for valid */
} rule_case;

static void test_each_rule(void **state) {
  fixture *fx = *state;
  static const rule_case cases[] = {
      {"", ""},
      {"\"kind\":\"order.placedx\"", "kind|string.const"},
      {"\"kind\":\"order.placed\"", ""},
      {"\"env\":\"test\"", "env|string.in"},
      {"\"env\":\"prod\"", ""},
      {"\"title\":\"a\"", "title|string.min_len"},
      {"\"title\":\"abcdef\"", "title|string.max_len"},
      {"\"title\":\"\u00e9\u00e9\u00e9\u00e9\u00e9\"", ""}, /* 5 code points, 10 bytes */
      {"\"code\":\"a\"", "code|string.min_bytes"},
      {"\"code\":\"\u00e9\"", ""},
      {"\"code\":\"\u00e9\u00e9\u00e9\"", "code|string.max_bytes"},
      {"\"name\":\"amz\"", "name|string.not_in"},
      {"\"name\":\"bmz\"", "name|string.prefix"},
      {"\"name\":\"amy\"", "name|string.suffix"},
      {"\"name\":\"abz\"", "name|string.contains"},
      {"\"name\":\"ammz\"", ""},
      {"\"mail\":\"a@b\"", ""},
      {"\"mail\":\"a@-b\"", "mail|string.email"},
      {"\"mail\":\"@b.c\"", "mail|string.email"},
      {"\"link\":\"https://x.y/p?q=1#f\"", ""},
      {"\"link\":\"x y\"", "link|string.uri"},
      {"\"link\":\"/relative\"", "link|string.uri"},
      {"\"anyId\":\"00000000-0000-0000-0000-00000000000A\"", ""},
      {"\"anyId\":\"00000000-0000-0000-0000-00000000000\"", "any_id|string.uuid"},
      {"\"v4\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"", ""},
      {"\"v4\":\"018f3e5c-8a7b-7c3d-9e4f-0123456789ab\"", "v4|evs.string.uuid_v4"},
      {"\"id\":\"f47ac10b-58cc-4372-a567-0e02b2c3d479\"", "id|evs.string.uuid_v7"},
      {"\"when\":\"2024-02-29T00:00:00Z\"", ""},
      {"\"when\":\"2023-02-29T00:00:00Z\"", "when|evs.string.rfc3339"},
      {"\"blob\":\"AAAA\"", ""},
      {"\"blob\":\"AAAAAA==\"", "blob|bytes.max_len"},
      {"\"count\":\"-1\"", "count|int64.gte"},
      {"\"count\":\"9223372036854775807\"", ""},
      {"\"small\":3", "small|uint32.in"},
      {"\"small\":2", "small|uint32.not_in"},
      {"\"small\":1", ""},
      {"\"big\":\"-4\"", "big|sint64.const"},
      {"\"big\":\"-5\"", ""},
      {"\"ratio\":1.5", "ratio|double.gte_lte"},
      {"\"ratio\":\"NaN\"", "ratio|double.finite\nratio|double.gte_lte"},
      {"\"ratio\":1", ""},
      {"\"flag\":false", ""}, /* the zero value is unset: only `required` could fail */
      {"\"flag\":true", ""},
      {"\"level\":\"LEVEL_HIGH\"", "level|enum.not_in"},
      {"\"level\":7", "level|enum.defined_only"},
      {"\"level\":\"LEVEL_LOW\"", ""},
      {"\"must\":\"LEVEL_UNSPECIFIED\"", "must|required"},
      {"\"tags\":[\"a\",\"a\"]", "tags|repeated.unique"},
      {"\"tags\":[\"abcd\"]", "tags[0]|string.max_len"},
      {"\"tags\":[\"a\",\"b\",\"c\",\"d\"]", "tags|repeated.max_items"},
      {"\"tags\":[]", "tags|repeated.min_items"},
      {"\"tags\":[\"\"]", ""},
      {"\"nums\":[1,2,1]", "nums|repeated.unique"},
      {"\"nums\":[1,2,3]", ""},
      {"\"counts\":{\"A\":\"1\"}", "counts[\"A\"]|string.pattern"},
      {"\"counts\":{\"a\":\"-1\"}", "counts[\"a\"]|int64.gte"},
      {"\"counts\":{\"a\":1,\"b\":2,\"c\":3}", "counts|map.max_pairs"},
      {"\"lines\":[{\"sku\":\"ABC-1\"},{\"sku\":\"bad\"}]", "lines[1].sku|string.pattern"},
      {"\"lines\":[{\"sku\":\"ABC-1\",\"qty\":100}]", "lines[0].qty|int32.gte_lte"},
      {"\"lines\":[{\"sku\":\"xABC-12\",\"qty\":99}]", "lines[0].sku|string.pattern"},
      {"\"byNum\":{\"5\":{\"sku\":\"x\"}}", "by_num[5].sku|string.pattern"},
      {"\"main\":{\"sku\":\"\"}", "main.sku|required"},
      {"\"at\":\"2024-01-01T00:00:00.000001Z\"", "at|evs.timestamp.precision"},
      {"\"at\":\"2024-01-01T00:00:00.001Z\"", ""},
      {"\"near\":\"2023-11-14T22:14:21Z\"", "near|timestamp.within"},
      {"\"near\":\"2023-11-14T22:12:19Z\"", "near|timestamp.within"},
      {"\"near\":\"2023-11-14T22:14:20Z\"", ""},
      {"\"sent\":\"2023-11-14T22:13:20.000000001Z\"", "sent|evs.timestamp.max_future"},
      {"\"sent\":\"2000-01-01T00:00:00Z\"", ""},
  };
  /* BASE's members, left out when a case gives the same key. */
  static const char *const base[][2] = {{"\"id\"", "\"id\":\"018f3e5c-8a7b-7c3d-9e4f-0123456789ab\""},
                                        {"\"must\"", "\"must\":\"LEVEL_LOW\""},
                                        {"\"tags\"", "\"tags\":[\"a\"]"},
                                        {"\"main\"", "\"main\":{\"sku\":\"ABC-1\"}"},
                                        {"\"user\"", "\"user\":\"u\""}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char json[1024];
    size_t used = (size_t)snprintf(json, sizeof json, "{%s", cases[i].extra);
    for (size_t k = 0; k < sizeof base / sizeof base[0]; k++)
      if (strncmp(cases[i].extra, base[k][0], strlen(base[k][0])) != 0)
        used += (size_t)snprintf(json + used, sizeof json - used, "%s%s", used > 1 ? "," : "", base[k][1]);
    snprintf(json + used, sizeof json - used, "}");
    evs_status st = run(fx, "test.v.Order", json, 0);
    const char *got = summary(fx);
    if (strcmp(got, cases[i].expect) != 0)
      print_error("case %s:\n got  [%s]\n want [%s]\n", cases[i].extra, got, cases[i].expect);
    assert_string_equal(got, cases[i].expect);
    assert_int_equal(st, *cases[i].expect ? EVS_ERR_VALIDATION : EVS_OK);
  }
}

static void test_required_and_order(void **state) {
  fixture *fx = *state;
  assert_int_equal(run(fx, "test.v.Order", "{}", 0), EVS_ERR_VALIDATION);
  assert_string_equal(summary(fx),
                      "id|required\nmust|required\ntags|repeated.min_items\nmain|required\ntarget|required");
  assert_string_equal(fx->vs.v[4].message, "exactly one field is required in oneof");
  assert_null(fx->vs.v[0].value);
  /* Fail-fast: the first one only. */
  assert_int_equal(run(fx, "test.v.Order", "{}", EVS_VALIDATE_FAIL_FAST), EVS_ERR_VALIDATION);
  assert_int_equal(fx->vs.n, 1);
  assert_string_equal(fx->vs.v[0].path, "id");
  /* A set oneof member is checked even when it is the zero value (it has presence). */
  assert_int_equal(run(fx, "test.v.Order",
                       "{\"id\":\"018f3e5c-8a7b-7c3d-9e4f-0123456789ab\",\"must\":1,\"tags\":[\"a\"],"
                       "\"main\":{\"sku\":\"ABC-1\"},\"group\":\"\"}",
                       0),
                   EVS_ERR_VALIDATION);
  assert_string_equal(summary(fx), "group|string.min_len");
}

static void test_paths_values_and_forms(void **state) {
  fixture *fx = *state;
  assert_int_equal(
      run(fx, "test.v.Order",
          BASE ",\"anyId\":\"nope\",\"counts\":{\"Q\\\"x\":\"1\"},\"byNum\":{\"-3\":{\"sku\":\"\"}}}", 0),
      EVS_ERR_VALIDATION);
  assert_int_equal(fx->vs.n, 3);
  assert_string_equal(fx->vs.v[0].path, "any_id");
  assert_string_equal(fx->vs.v[0].json_path, "anyId");
  assert_string_equal(fx->vs.v[0].value, "\"nope\"");
  assert_string_equal(fx->vs.v[1].path, "counts[\"Q\\\"x\"]");
  assert_true(fx->vs.v[1].for_key);
  assert_string_equal(fx->vs.v[2].path, "by_num[-3].sku");
  assert_string_equal(fx->vs.v[2].json_path, "byNum[-3].sku");
  evs_buf b = EVS_BUF_INIT;
  assert_int_equal(evs_violations_text(&fx->vs, false, NULL, NULL, &b), EVS_OK);
  assert_string_equal((const char *)b.data,
                      "any_id: must be a valid UUID [string.uuid]\n"
                      "counts[\"Q\\\"x\"]: does not match regex pattern `^[a-z]+$` [string.pattern]\n"
                      "by_num[-3].sku: value is required [required]\n");
  evs_buf_reset(&b);
  assert_int_equal(evs_violations_json(&fx->vs, &b), EVS_OK);
  assert_non_null(strstr((const char *)b.data,
                         "{\"path\":\"any_id\",\"json_path\":\"anyId\",\"rule_id\":"
                         "\"string.uuid\",\"message\":\"must be a valid UUID\","
                         "\"value\":\"nope\"}"));
  assert_non_null(strstr((const char *)b.data, "\"for_key\":true"));
  evs_buf_reset(&b);
  assert_int_equal(evs_violations_summary(&fx->vs, 40, &b), EVS_OK);
  assert_int_equal(b.len, 40);
  assert_string_equal((const char *)b.data + 37, "...");
  evs_buf_free(&b);

  /* A long value is cut, and stays valid JSON text. */
  char json[2048];
  char longv[700];
  memset(longv, 'x', sizeof longv - 1);
  longv[sizeof longv - 1] = '\0';
  snprintf(json, sizeof json, BASE ",\"env\":\"%s\"}", longv);
  assert_int_equal(run(fx, "test.v.Order", json, 0), EVS_ERR_VALIDATION);
  const char *val = fx->vs.v[0].value;
  assert_true(strlen(val) <= EVS_VIOLATION_VALUE_MAX);
  assert_int_equal(val[0], '"');
  assert_int_equal(val[strlen(val) - 1], '"');
  assert_non_null(strstr(val, "...\""));

  /* Cut inside a run of escapes: whole escapes only (fuzz_validate found a cut after half of "\\"). */
  char esc[1200];
  size_t used = (size_t)snprintf(esc, sizeof esc, BASE ",\"env\":\"a");
  for (int i = 0; i < 300; i++) used += (size_t)snprintf(esc + used, sizeof esc - used, "\\\\");
  snprintf(esc + used, sizeof esc - used, "\"}");
  assert_int_equal(run(fx, "test.v.Order", esc, 0), EVS_ERR_VALIDATION);
  val = fx->vs.v[0].value;
  size_t vl = strlen(val), bs = 0;
  assert_true(vl <= EVS_VIOLATION_VALUE_MAX && vl > 5);
  assert_string_equal(val + vl - 4, "...\"");
  while (bs < vl - 4 && val[vl - 5 - bs] == '\\') bs++;
  assert_int_equal(bs % 2, 0);
}

static void test_plain_and_unknown(void **state) {
  fixture *fx = *state;
  assert_int_equal(run(fx, "test.v.Plain", "{\"a\":\"x\",\"next\":{\"a\":\"y\"}}", 0), EVS_OK);
  assert_int_equal(fx->vs.n, 0);
  /* A message of a type from another registry. */
  const evs_registry *builtin = evs_registry_builtin(NULL);
  const evs_message *env = evs_registry_find_message(builtin, "evs.v1.Envelope");
  ProtobufCMessage *msg = NULL;
  assert_int_equal(evs_registry_new_message(builtin, env->full_name, NULL, &msg, NULL), EVS_OK);
  evs_error err;
  assert_int_equal(evs_validate_message(fx->v, msg, 0, &fx->vs, &err), EVS_ERR_NOT_FOUND);
  protobuf_c_message_free_unpacked(msg, NULL);
}

static void test_compiled_catalog_and_envelope(void **state) {
  (void)state;
  evs_error err;
  const evs_registry *reg = evs_registry_builtin(&err);
  assert_non_null(reg);
  evs_validator *v;
  evs_validate_options o = {fixed_clock, NULL};
  assert_int_equal(evs_validator_new(reg, &o, &v, &err), EVS_OK);
  const evs_event_type *t = evs_registry_find_event_type(reg, "task.created");
  assert_non_null(t);
  assert_false(t->message->c_desc_dynamic);
  ProtobufCMessage *msg = NULL;
  assert_int_equal(evs_json_decode(reg, t->message->c_desc, "{}", 2, NULL, NULL, &msg, &err), EVS_OK);
  evs_violations vs;
  evs_violations_init(&vs);
  assert_int_equal(evs_validate_message(v, msg, 0, &vs, &err), EVS_ERR_VALIDATION);
  assert_true(vs.n >= 2);
  for (size_t i = 0; i < vs.n; i++) assert_string_equal(vs.v[i].rule_id, "required");
  protobuf_c_message_free_unpacked(msg, NULL);

  evs_ce_event ev = {.specversion = "1.0",
                     .id = "f47ac10b-58cc-4372-a567-0e02b2c3d479",
                     .source = "test",
                     .type = "no.such.type",
                     .time = "2024-01-01T00:00:00.0000001Z"};
  evs_violations_reset(&vs);
  assert_int_equal(evs_validate_event(v, &ev, 0, &vs, &err), EVS_ERR_VALIDATION);
  char got[512] = "";
  size_t used = 0;
  for (size_t i = 0; i < vs.n; i++)
    used += (size_t)snprintf(got + used, sizeof got - used, "%s|%s;", vs.v[i].path, vs.v[i].rule_id);
  assert_string_equal(got,
                      "id|evs.string.uuid_v7;type|evs.event.type_registered;time|evs.timestamp.precision;");
  /* A long unregistered type: its value is cut to the documented size (fuzz_validate found it was not). */
  char long_type[200];
  memset(long_type, 'P', sizeof long_type - 1);
  long_type[sizeof long_type - 1] = '\0';
  ev.type = long_type;
  evs_violations_reset(&vs);
  assert_int_equal(evs_validate_event(v, &ev, 0, &vs, &err), EVS_ERR_VALIDATION);
  assert_string_equal(vs.v[1].rule_id, "evs.event.type_registered");
  assert_true(strlen(vs.v[1].value) <= EVS_VIOLATION_VALUE_MAX);
  ev.id = "018f3e5c-8a7b-7c3d-9e4f-0123456789ab";
  ev.type = "task.created";
  ev.time = "2024-01-01T00:00:00.123Z";
  evs_violations_reset(&vs);
  assert_int_equal(evs_validate_event(v, &ev, 0, &vs, &err), EVS_OK);
  ev.source = NULL;
  assert_int_equal(evs_validate_event(v, &ev, 0, &vs, &err), EVS_ERR_VALIDATION);
  assert_string_equal(vs.v[0].path, "source");
  assert_string_equal(vs.v[0].rule_id, "required");
  evs_violations_free(&vs);
  evs_validator_free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_each_rule, setup, teardown),
      cmocka_unit_test_setup_teardown(test_required_and_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_paths_values_and_forms, setup, teardown),
      cmocka_unit_test_setup_teardown(test_plain_and_unknown, setup, teardown),
      cmocka_unit_test(test_compiled_catalog_and_envelope),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
