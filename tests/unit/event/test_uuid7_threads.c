/* UUIDv7 generators shared by threads: ids stay unique, ordered per thread and well-formed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "evs/uuid.h"

enum { THREADS = 2 };

typedef struct worker {
  evs_uuid7_gen *gen; /* NULL: the process-wide generator */
  evs_uuid *ids;
  size_t n;
  size_t batch; /* 0: one id per call; else evs_uuid7_fill/evs_uuid7_gen_fill in runs of this size */
  pthread_barrier_t *start;
  evs_status status;
} worker;

static void *run_worker(void *arg) {
  worker *w = arg;
  pthread_barrier_wait(w->start); /* both threads hammer the generator at the same time */
  w->status = EVS_OK;
  for (size_t i = 0; i < w->n && w->status == EVS_OK;) {
    size_t k = w->batch ? w->batch : 1;
    if (k > w->n - i) k = w->n - i;
    if (w->batch) {
      w->status =
          w->gen ? evs_uuid7_gen_fill(w->gen, w->ids + i, k, NULL) : evs_uuid7_fill(w->ids + i, k, NULL);
    } else {
      w->status = w->gen ? evs_uuid7_gen_next(w->gen, w->ids + i, NULL) : evs_uuid7_new(w->ids + i, NULL);
    }
    i += k;
  }
  return NULL;
}

static int cmp_uuid(const void *a, const void *b) {
  return memcmp(a, b, 16);
}

/* Runs THREADS workers of n ids each and checks every property; returns the ids (caller frees). */
static evs_uuid *generate_and_check(evs_uuid7_gen *gen, size_t n, size_t batch) {
  evs_uuid *all = malloc(THREADS * n * sizeof *all);
  assert_non_null(all);
  pthread_barrier_t start;
  assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
  worker w[THREADS];
  pthread_t tid[THREADS];
  for (int t = 0; t < THREADS; t++) {
    w[t] = (worker){.gen = gen, .ids = all + (size_t)t * n, .n = n, .batch = batch, .start = &start};
    assert_int_equal(pthread_create(&tid[t], NULL, run_worker, &w[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) assert_int_equal(pthread_join(tid[t], NULL), 0);
  pthread_barrier_destroy(&start);

  for (int t = 0; t < THREADS; t++) {
    assert_int_equal(w[t].status, EVS_OK);
    const evs_uuid *ids = w[t].ids;
    for (size_t i = 0; i < n; i++) {
      if (evs_uuid_version(&ids[i]) != 7 || !evs_uuid_is_rfc_variant(&ids[i])) {
        fail_msg("thread %d id %zu: version %d, variant byte 0x%02x", t, i, evs_uuid_version(&ids[i]),
                 ids[i].b[8]);
      }
      if (i > 0 && memcmp(&ids[i - 1], &ids[i], 16) >= 0)
        fail_msg("thread %d: id %zu not above id %zu", t, i, i - 1);
    }
  }
  qsort(all, THREADS * n, sizeof *all, cmp_uuid);
  for (size_t i = 1; i < THREADS * n; i++) {
    if (memcmp(&all[i - 1], &all[i], 16) == 0) fail_msg("duplicate id after sorting, at %zu", i);
  }
  return all;
}

static void test_default_generator_million(void **state) {
  (void)state;
  free(generate_and_check(NULL, 500000, 0));
}

static void test_default_generator_batches(void **state) {
  (void)state;
  free(generate_and_check(NULL, 100000, 1000));
}

static int64_t frozen_clock(void *ctx) {
  return *(const int64_t *)ctx;
}

/* A clock that never moves forces every id through the counter and its carry into the next millisecond,
 * under contention: the CAS must hand out each (ms, counter) pair exactly once. */
static void test_frozen_clock_carries_under_contention(void **state) {
  (void)state;
  static int64_t now = INT64_C(1768386600000);
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, frozen_clock, NULL, &now);
  enum { N = 50000 };
  evs_uuid *all = generate_and_check(&gen, N, 0);
  /* Sorted: the first id is in `now`, and the ids are packed, so the last is at most one 2048-id seed gap
   * plus THREADS * N / 4096 milliseconds ahead. */
  assert_int_equal(evs_uuid7_time_ms(&all[0]), now);
  int64_t last = evs_uuid7_time_ms(&all[THREADS * N - 1]);
  assert_true(last >= now + (THREADS * N) / 4096 - 1);
  assert_true(last <= now + (THREADS * N) / 4096 + 1);
  free(all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_generator_million),
      cmocka_unit_test(test_default_generator_batches),
      cmocka_unit_test(test_frozen_clock_carries_under_contention),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
