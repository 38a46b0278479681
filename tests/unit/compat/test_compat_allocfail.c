/* Every allocation of a compatibility check (what `evs breaking` does: read both sides, check, write the
 * report) fails in turn (src/base/alloc.c's hook): each run is a clean EVS_ERR_NOMEM with no report, and
 * the run without a failure gives the same findings as a check made without the hook. ASan's leak check
 * covers "nothing leaked". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "evs/compat.h"

#ifndef EVS_COMPAT_FIXTURES
#error "define EVS_COMPAT_FIXTURES (tests/compat)"
#endif
#ifndef EVS_PROTOC
#error "define EVS_PROTOC"
#endif

/* Fixtures whose two sides differ in several ways (deleted, retyped and moved fields, enum values,
 * messages, files), so that the check makes findings. */
static const struct {
  const char *name;
  evs_compat_level level; /* as the fixture's args say */
} cases[] = {{"FIELD_SAME_TYPE", EVS_COMPAT_LEVEL_PACKAGE},
             {"FIELD_SAME_ONEOF", EVS_COMPAT_LEVEL_WIRE},
             {"ENUM_VALUE_NO_DELETE", EVS_COMPAT_LEVEL_PACKAGE},
             {"MESSAGE_NO_DELETE", EVS_COMPAT_LEVEL_FILE},
             {"FILE_NO_DELETE", EVS_COMPAT_LEVEL_FILE},
             {"FIELD_SAME_JSON_NAME", EVS_COMPAT_LEVEL_WIRE_JSON},
             {"FIELD_WIRE_JSON_COMPATIBLE_TYPE", EVS_COMPAT_LEVEL_WIRE_JSON}};

/* One side of a fixture as a descriptor-set file (protoc runs once here, not in the failing loop). */
static void write_side(const char *name, const char *side, char *path) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s/%s", EVS_COMPAT_FIXTURES, name, side);
  uint8_t *data = NULL;
  size_t len = 0;
  evs_error err;
  evs_status st = evs_compat_input_read(dir, NULL, 0, &data, &len, &err);
  if (st != EVS_OK) fail_msg("read %s: %s", dir, err.msg);
  strcpy(path, "/tmp/evs-compat-allocfail-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  close(fd);
  free(data);
}

/* The `evs breaking` library calls: both sides loaded, checked, the report written as text and JSON. */
static evs_status breaking(const char *prev_path, const char *cur_path, evs_compat_level level, char **text,
                           evs_error *err) {
  evs_registry *prev = NULL, *cur = NULL;
  evs_compat_report *r = NULL;
  *text = NULL;
  evs_status st = evs_compat_input_load(prev_path, NULL, 0, &prev, err);
  if (st == EVS_OK) {
    assert_non_null(prev);
    st = evs_compat_input_load(cur_path, NULL, 0, &cur, err);
  } else {
    assert_null(prev);
  }
  if (st == EVS_OK) {
    assert_non_null(cur);
    evs_compat_options o = {.level = level};
    st = evs_compat_check(prev, cur, &o, &r, err);
    if (st != EVS_OK) assert_null(r);
  } else {
    assert_null(cur);
  }
  if (st == EVS_OK) {
    size_t len = 0;
    FILE *mem = open_memstream(text, &len);
    assert_non_null(mem);
    st = evs_compat_report_write(r, EVS_COMPAT_FORMAT_TEXT, mem, err);
    if (st == EVS_OK) st = evs_compat_report_write(r, EVS_COMPAT_FORMAT_JSON, mem, err);
    assert_int_equal(fclose(mem), 0);
  }
  evs_compat_report_free(r);
  evs_registry_free(prev);
  evs_registry_free(cur);
  return st;
}

static void test_breaking_fails_cleanly_at_every_allocation(void **state) {
  (void)state;
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    char prev[64], cur[64];
    const char *name = cases[c].name;
    write_side(name, "previous", prev);
    write_side(name, "current", cur);
    evs_error err;
    char *want = NULL;
    assert_int_equal(breaking(prev, cur, cases[c].level, &want, &err), EVS_OK);
    assert_non_null(strstr(want, name)); /* the fixture's own rule fires */
    size_t n = 1;
    for (;; n++) {
      evs_alloc_failer f;
      char *got = NULL;
      evs_alloc_failer_install(&f, n);
      evs_status st = breaking(prev, cur, cases[c].level, &got, &err);
      evs_alloc_set_hook(NULL);
      if (atomic_load(&f.failed) == 0) {
        assert_int_equal(st, EVS_OK);
        assert_string_equal(got, want);
        free(got);
        break;
      }
      if (st != EVS_ERR_NOMEM)
        fail_msg("%s: allocation %zu failed, but the check returned %s (%s)", name, n, evs_status_name(st),
                 st == EVS_OK ? "ok" : err.msg);
      assert_true(err.msg[0] != '\0');
      free(got);
    }
    print_message("%s: %zu allocations, each failed once\n", name, n - 1);
    assert_true(n > 20); /* the hook saw the loads and the check */
    free(want);
    unlink(prev);
    unlink(cur);
  }
}

static int setup(void **state) {
  (void)state;
  return setenv("EVS_PROTOC", EVS_PROTOC, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_breaking_fails_cleanly_at_every_allocation),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
