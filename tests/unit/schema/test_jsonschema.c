/* evs_jsonschema_write on builtin types, and the integer-range regular expressions behind its patterns.
 * What the schemas accept is tested against ajv and the decoder by tests/jsonschema/ajv_contract.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evs/jsonschema.h"
#include "schema/jsonschema_internal.h"

static const evs_registry *reg(void) {
  evs_error err;
  const evs_registry *r = evs_registry_builtin(&err);
  assert_non_null(r);
  return r;
}

static void range(js_int lo, js_int hi, const char *want) {
  evs_buf b = EVS_BUF_INIT;
  js_range_regex(&b, lo, hi);
  assert_string_equal((const char *)b.data, want);
  evs_buf_free(&b);
}

static void test_range_regex(void **state) {
  (void)state;
  js_int m5 = {true, 5}, zero = {false, 0}, n7 = {false, 7}, n10 = {false, 10}, n255 = {false, 255},
         n1000 = {false, 1000}, n123 = {false, 123}, n99999 = {false, 99999};
  range(zero, n7, "-?0|[1-7]");
  range(m5, n10, "-(?:[1-5])|-?0|[1-9]|10");
  range(zero, n255, "-?0|[1-9]|[1-9][0-9]|1[0-9]{2}|2(?:[0-4][0-9]|5[0-5])");
  range(n123, n1000, "1(?:2[3-9]|[3-9][0-9])|[2-9][0-9]{2}|1000");
  range(n10, n99999, "[1-9][0-9]|[1-9][0-9]{2,3}|[1-9][0-9]{4}");
  range(n10, m5, "(?!)");
}

static char *schema_of(const char *type, uint32_t flags) {
  const evs_registry *r = reg();
  const evs_event_type *et = evs_registry_find_event_type(r, type);
  const evs_message *m = et ? et->message : evs_registry_find_message(r, type);
  assert_non_null(m);
  evs_buf b = EVS_BUF_INIT;
  evs_error err;
  assert_int_equal(evs_jsonschema_write(r, m, flags, &b, &err), EVS_OK);
  size_t len;
  return (char *)evs_buf_detach(&b, &len);
}

static void test_task_event(void **state) {
  (void)state;
  char *s = schema_of("evs.events.tasks.v1.TaskEvent", 0);
  assert_non_null(strstr(s, "\"$schema\":\"https://json-schema.org/draft/2020-12/schema\""));
  assert_non_null(strstr(s, "\"$id\":\"urn:evs:json:evs.events.tasks.v1.TaskEvent\""));
  assert_non_null(strstr(s, "\"$ref\":\"#/$defs/evs.events.tasks.v1.TaskEvent\""));
  /* both spellings, and not both at once */
  assert_non_null(strstr(s, "\"taskId\":"));
  assert_non_null(strstr(s, "\"task_id\":"));
  assert_non_null(strstr(s, "\"required\":[\"task_id\",\"taskId\"]"));
  assert_non_null(strstr(s, "\"additionalProperties\":false"));
  /* the Timestamp's own definition, and no format keyword anywhere */
  assert_non_null(strstr(s, "\"google.protobuf.Timestamp\":{"));
  assert_null(strstr(s, "\"format\""));
  free(s);
  s = schema_of("evs.events.tasks.v1.TaskEvent", EVS_JSONSCHEMA_NO_RULES);
  assert_null(strstr(s, "\"enum\":[\"task.created\""));
  free(s);
}

static void test_canonical(void **state) {
  (void)state;
  char *s = schema_of("evs.events.tasks.v1.TaskEvent", EVS_JSONSCHEMA_CANONICAL);
  assert_non_null(strstr(s, "\"$id\":\"urn:evs:json-canonical:"));
  assert_null(strstr(s, "\"task_id\":")); /* JSON names only */
  assert_null(strstr(s, "\"type\":\"null\""));
  free(s);
}

static void test_envelope(void **state) {
  (void)state;
  char *s = schema_of("evs.events.tasks.v1.TaskEvent", EVS_JSONSCHEMA_ENVELOPE);
  assert_non_null(strstr(s, "\"specversion\":"));
  assert_non_null(strstr(s, "\"data\":{\"$ref\":\"#/$defs/evs.events.tasks.v1.TaskEvent\"}"));
  assert_non_null(strstr(s, "\"data_base64\":"));
  free(s);
  /* a message that carries no event type has no envelope */
  const evs_registry *r = reg();
  const evs_message *ts = evs_registry_find_message(r, "google.protobuf.Timestamp");
  evs_buf b = EVS_BUF_INIT;
  evs_error err;
  assert_int_equal(evs_jsonschema_write(r, ts, EVS_JSONSCHEMA_ENVELOPE, &b, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(b.len, 0);
  assert_int_equal(evs_jsonschema_write(r, ts, 1u << 20, &b, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_jsonschema_write(NULL, ts, 0, &b, &err), EVS_ERR_INVALID_ARG);
  /* a well-known type at the top: its string form */
  assert_int_equal(evs_jsonschema_write(r, ts, 0, &b, &err), EVS_OK);
  assert_non_null(strstr((const char *)b.data, "\"pattern\":\"^(?!0000)"));
  evs_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_range_regex),
      cmocka_unit_test(test_task_event),
      cmocka_unit_test(test_canonical),
      cmocka_unit_test(test_envelope),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
