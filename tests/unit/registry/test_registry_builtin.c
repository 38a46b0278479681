/* Registry: the process-wide registry of evs_builtin_catalog. Links with the whole library (the embedded
 * catalog and every gen/ source). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "evs/registry.h"
#include "evs/v1/envelope.pb-c.h"

static void test_builtin_links_every_catalog_type(void **state) {
  (void)state;
  evs_error err;
  evs_error_clear(&err);
  const evs_registry *reg = evs_registry_builtin(&err);
  if (!reg) {
    char buf[512];
    evs_error_format(&err, buf, sizeof buf);
    print_error("builtin registry: %s\n", buf);
  }
  assert_non_null(reg);
  assert_ptr_equal(evs_registry_builtin(NULL), reg);
  const evs_message *env = evs_registry_message_for(reg, &evs__v1__envelope__descriptor);
  assert_non_null(env);
  assert_string_equal(env->full_name, "evs.v1.Envelope");
  assert_ptr_equal(evs_registry_find_message(reg, "evs.v1.Envelope"), env);
  for (size_t i = 0; i < evs_builtin_catalog.n_messages; i++) {
    const evs_message *m = evs_registry_message_for(reg, evs_builtin_catalog.messages[i]);
    assert_non_null(m);
    assert_string_equal(m->full_name, evs_builtin_catalog.messages[i]->name);
  }
  for (size_t i = 0; i < evs_builtin_catalog.n_enums; i++)
    assert_non_null(evs_registry_enum_for(reg, evs_builtin_catalog.enums[i]));
  size_t n;
  evs_registry_event_types(reg, &n);
  assert_true(n > 0);
}

static void *grab(void *arg) {
  (void)arg;
  /* pthread hands back a void *: smuggle the pointer out as an integer. */
  return (void *)(uintptr_t)evs_registry_builtin(NULL);
}

static void test_builtin_from_threads(void **state) {
  (void)state;
  pthread_t th[4];
  void *got[4];
  for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&th[i], NULL, grab, NULL), 0);
  for (int i = 0; i < 4; i++) assert_int_equal(pthread_join(th[i], &got[i]), 0);
  for (int i = 0; i < 4; i++) {
    assert_non_null(got[i]);
    assert_ptr_equal(got[i], got[0]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builtin_from_threads),
      cmocka_unit_test(test_builtin_links_every_catalog_type),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
