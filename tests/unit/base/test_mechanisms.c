/* The base mechanisms other modules share (docs/architecture.md, "Base mechanisms"): the hash table's
 * removal, the two arena flavours, the growable arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/arena_internal.h"
#include "base/grow_internal.h"
#include "base/hash_internal.h"

/* Keys removed from the middle of probe runs: every key still present must stay reachable and every
 * removed one gone, checked against a plain array after each step. A table of 64 slots holding up to 40
 * keys has long runs. */
static void test_hmap_remove_keeps_probe_runs(void **state) {
  (void)state;
  enum { N = 40 };
  char keys[N][8];
  bool in[N] = {false};
  evs_hslot slots[64];
  memset(slots, 0, sizeof slots);
  evs_hmap m;
  evs_hmap_init_fixed(&m, slots, 64);
  for (int i = 0; i < N; i++) snprintf(keys[i], sizeof keys[i], "k%d", i);
  uint32_t rng = 12345;
  for (int step = 0; step < 4000; step++) {
    rng = rng * 1103515245u + 12345u;
    int i = (int)((rng >> 8) % N);
    size_t len = strlen(keys[i]);
    if (in[i]) {
      assert_ptr_equal(evs_hmap_remove(&m, keys[i], len), keys[i]);
      in[i] = false;
    } else {
      assert_null(evs_hmap_put(&m, keys[i], len, keys[i]));
      in[i] = true;
    }
    size_t count = 0;
    for (int k = 0; k < N; k++) {
      const void *v = evs_hmap_get(&m, keys[k], strlen(keys[k]));
      if (in[k]) {
        assert_ptr_equal(v, keys[k]);
        count++;
      } else {
        assert_null(v);
      }
    }
    assert_int_equal(m.count, count);
  }
  assert_null(evs_hmap_remove(&m, "absent", 6));
}

/* The growable flavour: reserve once, insert and remove without allocating. */
static void test_hmap_growable(void **state) {
  (void)state;
  evs_hmap m;
  evs_hmap_init(&m);
  assert_null(evs_hmap_get(&m, "a", 1));
  assert_null(evs_hmap_remove(&m, "a", 1));
  assert_true(evs_hmap_reserve(&m, 3));
  assert_null(evs_hmap_put(&m, "a", 1, "A"));
  assert_string_equal(evs_hmap_put(&m, "a", 1, "B"), "A"); /* present: the stored value, unchanged */
  assert_string_equal(evs_hmap_remove(&m, "a", 1), "A");
  assert_null(evs_hmap_get(&m, "a", 1));
  assert_int_equal(m.count, 0);
  evs_hmap_free(&m);
}

static bool all_zero(const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++)
    if (c[i]) return false;
  return true;
}

/* An EVS_ARENA_INIT arena takes nothing until used, hands out zeroed memory (also after a reset, and in a
 * block of its own for a large request), copies and formats strings. */
static void test_arena_zeroed_flavour(void **state) {
  (void)state;
  evs_arena a = EVS_ARENA_INIT;
  assert_int_equal(evs_arena_used(&a), 0);
  char *p = evs_arena_calloc(&a, 100, 1);
  assert_non_null(p);
  assert_true(all_zero(p, 100));
  memset(p, 0xab, 100);
  char *big = evs_arena_calloc(&a, 1, (size_t)1 << 20);
  assert_non_null(big);
  assert_true(all_zero(big, (size_t)1 << 20));
  char *after = evs_arena_alloc(&a, 16); /* the first block still serves small requests */
  assert_non_null(after);
  assert_true(after > p && after < p + 4096);
  assert_string_equal(evs_arena_strndup(&a, "hello world", 5), "hello");
  assert_string_equal(evs_arena_printf(&a, "%s.%d", "x", 42), "x.42");
  assert_null(evs_arena_calloc(&a, SIZE_MAX / 2, 4));
  evs_arena_reset(&a);
  char *q = evs_arena_alloc(&a, 100);
  assert_ptr_equal(q, p); /* the first block again, zeroed by the reset */
  assert_true(all_zero(q, 100));
  evs_arena_release(&a);
  assert_null(a.head);
  assert_int_equal(evs_arena_used(&a), 0);
}

/* The public flavour zeroes only on request. */
static void test_arena_public_flavour(void **state) {
  (void)state;
  evs_arena *a = evs_arena_new(64);
  assert_non_null(a);
  char *p = evs_arena_alloc(a, 48);
  memset(p, 0xcd, 48);
  evs_arena_reset(a);
  char *z = evs_arena_calloc(a, 6, 8);
  assert_ptr_equal(z, p);
  assert_true(all_zero(z, 48));
  for (int i = 0; i < 100; i++) assert_non_null(evs_arena_alloc(a, 100)); /* later blocks grow */
  evs_arena_free(a);
}

static void test_vectors(void **state) {
  (void)state;
  evs_ptrvec pv = {0};
  assert_true(evs_ptrvec_reserve(&pv, 0));
  for (size_t i = 0; i < 100; i++) assert_true(evs_ptrvec_push(&pv, (void *)(i + 1)));
  assert_int_equal(pv.n, 100);
  assert_true(pv.cap >= 100);
  assert_ptr_equal(pv.v[99], (void *)100);
  evs_ptrvec_free(&pv);
  assert_null(pv.v);

  evs_strvec sv = {0};
  assert_false(evs_strvec_push(&sv, NULL)); /* a failed copy */
  char name[16];
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "s%d", i);
    assert_true(evs_strvec_push(&sv, strdup(name)));
    assert_null(sv.v[sv.n]); /* argv-style terminator */
  }
  assert_string_equal(sv.v[39], "s39");
  evs_strvec_free(&sv);

  int *arr = NULL;
  size_t cap = 0;
  arr = evs_grow_to(arr, &cap, 10, sizeof *arr, 4);
  assert_non_null(arr);
  assert_int_equal(cap, 16);
  assert_null(evs_grow_to(arr, &cap, SIZE_MAX, sizeof *arr, 4)); /* overflow: arr unchanged, still ours */
  assert_int_equal(cap, 16);
  free(arr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hmap_remove_keeps_probe_runs),
      cmocka_unit_test(test_hmap_growable),
      cmocka_unit_test(test_arena_zeroed_flavour),
      cmocka_unit_test(test_arena_public_flavour),
      cmocka_unit_test(test_vectors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
