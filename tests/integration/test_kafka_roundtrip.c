/* Produce EVS_TEST_KAFKA_EVENTS catalog TaskEvents through the evs producer to a 3-broker mock cluster and
 * read them back with the evs consumer: every event delivered and consumed exactly once, with its id,
 * headers, key and a stable partition per key; committed offsets add up to the event count. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_fixture.h"

#define N EVS_TEST_KAFKA_EVENTS
#define TOPIC "task-events"
/* The mock cluster keeps at most 5 MiB per partition (older record batches are dropped): 100,000 events of
 * ~420 bytes (headers included) need more than the catalog's 6 partitions. */
#define PARTS 16

static void test_roundtrip(void **state) {
  (void)state;
  evs_error err;
  evs_mock_broker *b = NULL;
  assert_int_equal(evs_mock_broker_new(3, &b, &err), EVS_OK);
  assert_int_equal(evs_mock_broker_create_topic(b, TOPIC, PARTS, &err), EVS_OK);
  const char *boot = evs_mock_broker_bootstraps(b);

  fx_deliveries d;
  fx_deliveries_init(&d, N);
  const char *props[] = {"linger.ms=5"};
  evs_producer_options po = {.kafka = {boot, props, 1},
                             .on_delivery = fx_on_delivery,
                             .delivery_ctx = &d,
                             .source = "/tests/roundtrip"};
  evs_producer *p = NULL;
  assert_int_equal(evs_producer_new(&po, &p, &err), EVS_OK);
  char(*ids)[EVS_UUID_STR_SIZE] = calloc(N, sizeof *ids);
  int64_t t0 = fx_now_ms();
  for (int64_t i = 0; i < N; i++) {
    fx_task t;
    fx_task_make(&t, i);
    evs_event_attrs a = {.opaque = (void *)(uintptr_t)(i + 1), .id_out = ids[i], .correlation_id = t.corr};
    evs_status st = evs_producer_send(p, &a, &t.ev.base, &err);
    if (st != EVS_OK) fail_msg("send %lld: %s", (long long)i, err.msg);
  }
  assert_int_equal(evs_producer_flush(p, 60000, &err), EVS_OK);
  int64_t t1 = fx_now_ms();
  evs_producer_stats ps;
  evs_producer_stats_get(p, &ps);
  assert_int_equal(ps.sent, N);
  assert_int_equal(ps.delivered, N);
  assert_int_equal(ps.failed, 0);
  for (size_t i = 0; i < N; i++) {
    if (d.delivered[i] != 1 || d.failed[i] != 0)
      fail_msg("event %zu: %u delivered, %u failed", i, d.delivered[i], d.failed[i]);
    if (evs_uuid_check(ids[i], strlen(ids[i]), 7, NULL) != EVS_OK)
      fail_msg("event %zu: id '%s' is not a UUIDv7", i, ids[i]);
    if (i && strcmp(ids[i - 1], ids[i]) >= 0) fail_msg("ids not increasing at %zu", i);
  }
  assert_int_equal(evs_producer_close(p, 10000), 0);

  fx_seen s;
  fx_seen_init(&s, N);
  const char *topics[] = {TOPIC};
  evs_consumer_options co = {
      .kafka = {boot, NULL, 0}, .group_id = "rt", .topics = topics, .n_topics = 1, .from_beginning = true};
  evs_consumer *c = NULL;
  assert_int_equal(evs_consumer_new(&co, &c, &err), EVS_OK);
  static const char *const types[] = {"task.created", "task.updated", "task.completed", "task.deleted"};
  for (int k = 0; k < 4; k++)
    assert_int_equal(evs_consumer_on(c, types[k], fx_record_task, &s, &err), EVS_OK);
  uint64_t got = fx_consume(c, N, 90000);
  int64_t t2 = fx_now_ms();
  assert_int_equal(got, N);
  assert_int_equal(s.total, N);
  assert_int_equal(s.key_mismatch, 0);
  assert_int_equal(s.partition_mismatch, 0);
  assert_int_equal(s.header_errors, 0);
  for (size_t i = 0; i < N; i++) {
    if (s.count[i] != 1) fail_msg("event %zu consumed %u times", i, s.count[i]);
    if (strcmp(s.ids[i], ids[i]) != 0)
      fail_msg("event %zu: id %s consumed, %s produced", i, s.ids[i], ids[i]);
  }
  /* Keys spread over partitions: 50 users use more than one. */
  int used[PARTS] = {0}, n_used = 0;
  for (int u = 0; u < 50; u++) used[s.user_partition[u]] = 1;
  for (int k = 0; k < PARTS; k++) n_used += used[k];
  assert_true(n_used > 1);
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t total = 0;
  for (int32_t part = 0; part < PARTS; part++) {
    int64_t off = -1;
    assert_int_equal(evs_consumer_committed(c, TOPIC, part, 10000, &off, &err), EVS_OK);
    if (off > 0) total += off;
  }
  assert_int_equal(total, N);
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.received, N);
  assert_int_equal(cs.handled, N);
  assert_int_equal(cs.duplicates + cs.dead_lettered + cs.decode_errors + cs.retries + cs.unhandled, 0);
  evs_consumer_close(c);
  fprintf(stderr, "roundtrip: %d events produced in %lld ms, consumed in %lld ms\n", N, (long long)(t1 - t0),
          (long long)(t2 - t1));
  fx_seen_free(&s);
  free(ids);
  fx_deliveries_free(&d);
  evs_mock_broker_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
