/* Every allocation of the library inside evs_producer_send() fails in turn (src/base/alloc.c's hook), on a
 * producer connected to the embedded mock cluster: each failing send returns EVS_ERR_NOMEM and queues
 * nothing (no delivery report for it, stats.sent unchanged), the event is never silently lost (a send that
 * returned EVS_OK is delivered exactly once), and nothing leaks (ASan). Binary mode (validated, tags,
 * extra headers, key from the partition-key field), Confluent framing and structured mode; and
 * evs_producer_new() failing at each of its allocations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "evs/validate.h"
#include "kafka_fixture.h"

#define TOPIC "task-events"
static int32_t schema_id(const evs_message *msg, void *ctx) {
  (void)msg;
  (void)ctx;
  return 42;
}

typedef struct mode {
  const char *name;
  bool structured, framing, no_validate;
} mode;

/* One send with the failer installed (it counts on across sends): EVS_OK and delivered exactly once, or
 * EVS_ERR_NOMEM after a refused allocation, not queued and never reported. Returns whether it was sent. */
static bool send_one(evs_producer *p, size_t k, evs_alloc_failer *f, const char *what) {
  static const evs_tag tags[] = {{"team", "a b"}, {"env", "dev"}};
  static const evs_kafka_header hdrs[] = {{"x-trace", "t-1", 3}, {"x-null", NULL, 0}};
  fx_task t;
  fx_task_make(&t, (int64_t)k);
  char id[EVS_UUID_STR_SIZE] = "";
  evs_violations viol;
  evs_violations_init(&viol);
  evs_event_attrs a = {.opaque = (void *)(uintptr_t)(k + 1),
                       .id_out = id,
                       .correlation_id = t.corr,
                       .subject = "s",
                       .tags = tags,
                       .n_tags = 2,
                       .headers = hdrs,
                       .n_headers = 2,
                       .violations = k % 2 ? &viol : NULL};
  evs_producer_stats before, after;
  evs_producer_stats_get(p, &before);
  size_t refused_before = atomic_load(&f->failed);
  evs_error err;
  evs_status st = evs_producer_send(p, &a, &t.ev.base, &err);
  bool refused = atomic_load(&f->failed) != refused_before;
  evs_producer_stats_get(p, &after);
  evs_violations_free(&viol);
  /* A refused allocation the send went on without would change the record behind the caller's back. */
  if (refused != (st != EVS_OK) || (refused && st != EVS_ERR_NOMEM))
    fail_msg("%s: send %zu returned %s after %s refused allocation: %s", what, k, evs_status_name(st),
             refused ? "a" : "no", err.msg);
  assert_int_equal(after.sent, before.sent + (st == EVS_OK)); /* nothing half-queued */
  return st == EVS_OK;
}

/* For N = 1, 2, ...: a new producer makes two sends with allocation N of the two failing, until N is past
 * their last allocation; the first send grows the producer's scratch buffers, the second reuses them. */
static void send_fails_cleanly(const char *boot, const mode *m) {
  size_t n = 1;
  for (;; n++) {
    fx_deliveries d;
    fx_deliveries_init(&d, 2);
    const char *props[] = {"linger.ms=0"};
    evs_producer_options po = {.kafka = {boot, props, 1},
                               .on_delivery = fx_on_delivery,
                               .delivery_ctx = &d,
                               .source = "/tests/allocfail",
                               .structured = m->structured,
                               .confluent_framing = m->framing,
                               .schema_id_fn = m->framing ? schema_id : NULL,
                               .no_validate = m->no_validate};
    evs_producer *p = NULL;
    evs_error err;
    if (evs_producer_new(&po, &p, &err) != EVS_OK) fail_msg("producer: %s", err.msg);
    evs_alloc_failer f;
    evs_alloc_failer_install(&f, n);
    bool sent[2];
    for (size_t k = 0; k < 2; k++) sent[k] = send_one(p, k, &f, m->name);
    evs_alloc_set_hook(NULL);
    bool refused = atomic_load(&f.failed) != 0;
    assert_true(refused || (sent[0] && sent[1]));
    /* Every report arrives now: one for a sent event, none for a refused one. */
    assert_int_equal(evs_producer_flush(p, 10000, &err), EVS_OK);
    for (size_t k = 0; k < 2; k++)
      if (d.delivered[k] != sent[k] || d.failed[k])
        fail_msg("%s: allocation %zu refused: send %zu %s, %u delivered, %u failed", m->name, n, k,
                 sent[k] ? "returned ok" : "was refused", d.delivered[k], d.failed[k]);
    evs_producer_stats ps;
    evs_producer_stats_get(p, &ps);
    assert_int_equal(ps.sent, (uint64_t)sent[0] + sent[1]);
    assert_int_equal(ps.delivered, ps.sent);
    assert_int_equal(evs_producer_close(p, 10000), 0);
    fx_deliveries_free(&d);
    if (!refused) break; /* past the last allocation of the two sends */
  }
  print_message("%s: %zu allocations in two sends, each failed once\n", m->name, n - 1);
  assert_true(n > 5); /* the hook saw the sends' own allocations */
}

static void test_send(void **state) {
  const char *boot = evs_mock_broker_bootstraps(*state);
  static const mode modes[] = {{"binary", false, false, false},
                               {"binary unvalidated", false, false, true},
                               {"framed", false, true, false},
                               {"structured", true, false, false}};
  for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) send_fails_cleanly(boot, &modes[i]);
}

/* evs_producer_new() failing at each of its own allocations: EVS_ERR_NOMEM, *out NULL, nothing leaked. */
static void test_new(void **state) {
  const char *boot = evs_mock_broker_bootstraps(*state);
  evs_producer_options po = {
      .kafka = {boot, NULL, 0}, .source = "/tests/allocfail", .spool_path = "/nonexistent"};
  size_t n = 1;
  for (;; n++) {
    evs_producer *p = (evs_producer *)&n;
    evs_error err;
    evs_alloc_failer f;
    evs_alloc_failer_install(&f, n);
    evs_status st = evs_producer_new(&po, &p, &err);
    evs_alloc_set_hook(NULL);
    if (!atomic_load(&f.failed)) {
      if (st != EVS_OK) fail_msg("producer: %s", err.msg);
      assert_int_equal(evs_producer_close(p, 1000), 0);
      break;
    }
    if (st != EVS_ERR_NOMEM)
      fail_msg("allocation %zu failed, evs_producer_new returned %s: %s", n, evs_status_name(st), err.msg);
    assert_null(p);
  }
  assert_true(n > 5);
}

static evs_mock_broker *b;

static int setup(void **state) {
  evs_error err;
  if (evs_mock_broker_new(1, &b, &err) != EVS_OK) return -1;
  if (evs_mock_broker_create_topic(b, TOPIC, 1, &err) != EVS_OK) return -1;
  *state = b;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  evs_mock_broker_free(b);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new),
      cmocka_unit_test(test_send),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
