/* evs_error: status names, formatting with and without locations, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/error_internal.h"

static void test_status_names_are_unique_and_known(void **state) {
  (void)state;
  for (int i = 0; i < EVS_STATUS_COUNT; i++) {
    const char *a = evs_status_name((evs_status)i);
    assert_non_null(a);
    assert_string_not_equal(a, "unknown");
    for (int j = i + 1; j < EVS_STATUS_COUNT; j++) assert_string_not_equal(a, evs_status_name((evs_status)j));
  }
  assert_string_equal(evs_status_name((evs_status)EVS_STATUS_COUNT), "unknown");
  assert_string_equal(evs_status_name((evs_status)-1), "unknown");
  assert_string_equal(evs_status_name(EVS_ERR_SYNTAX), "syntax");
}

static void test_fail_fills_code_and_message(void **state) {
  (void)state;
  evs_error err;
  evs_error_clear(&err);
  assert_int_equal(err.offset, EVS_NO_OFFSET);
  assert_int_equal(evs_fail(&err, EVS_ERR_RANGE, "value %d above %s", 300, "int8"), EVS_ERR_RANGE);
  assert_int_equal(err.code, EVS_ERR_RANGE);
  assert_string_equal(err.msg, "value 300 above int8");
  /* NULL err is allowed everywhere and still returns the code. */
  assert_int_equal(evs_fail(NULL, EVS_ERR_IO, "x"), EVS_ERR_IO);
  evs_error_at(NULL, 1, 2, 3);
  evs_error_where(NULL, "f", "p");
}

static void test_format_with_all_locations(void **state) {
  (void)state;
  evs_error err;
  evs_error_clear(&err);
  evs_fail(&err, EVS_ERR_TYPE, "expected a string");
  evs_error_at(&err, 40, 3, 7);
  evs_error_where(&err, "in.json", "payload.tasks[1].id");
  char buf[256];
  size_t n = evs_error_format(&err, buf, sizeof buf);
  assert_string_equal(buf, "in.json:3:7: payload.tasks[1].id: expected a string");
  assert_int_equal(n, strlen(buf));
}

static void test_format_offset_only_and_bare(void **state) {
  (void)state;
  evs_error err;
  evs_error_clear(&err);
  evs_fail(&err, EVS_ERR_TRUNCATED, "length runs past the end");
  char buf[128];
  evs_error_format(&err, buf, sizeof buf);
  assert_string_equal(buf, "length runs past the end");
  evs_error_at(&err, 17, 0, 0);
  evs_error_format(&err, buf, sizeof buf);
  assert_string_equal(buf, "offset 17: length runs past the end");
}

static void test_format_truncates_like_snprintf(void **state) {
  (void)state;
  evs_error err;
  evs_error_clear(&err);
  evs_fail(&err, EVS_ERR_SYNTAX, "unexpected character");
  evs_error_at(&err, 5, 1, 6);
  char full[128];
  size_t need = evs_error_format(&err, full, sizeof full);
  assert_int_equal(need, strlen("1:6: unexpected character"));
  char small[8];
  size_t need2 = evs_error_format(&err, small, sizeof small);
  assert_int_equal(need2, need);
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, full, sizeof small - 1);
  assert_int_equal(evs_error_format(&err, NULL, 0), need);
}

static void test_where_truncates_long_names(void **state) {
  (void)state;
  evs_error err;
  evs_error_clear(&err);
  char longpath[600];
  memset(longpath, 'a', sizeof longpath - 1);
  longpath[sizeof longpath - 1] = '\0';
  evs_error_where(&err, longpath, longpath);
  assert_int_equal(strlen(err.file), sizeof err.file - 1);
  assert_int_equal(strlen(err.path), sizeof err.path - 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_names_are_unique_and_known),
      cmocka_unit_test(test_fail_fills_code_and_message),
      cmocka_unit_test(test_format_with_all_locations),
      cmocka_unit_test(test_format_offset_only_and_bare),
      cmocka_unit_test(test_format_truncates_like_snprintf),
      cmocka_unit_test(test_where_truncates_long_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
