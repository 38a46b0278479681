/* The consumer's failure paths on a 1-broker mock cluster with single-partition topics (exact offsets):
 * poison records go to the dead-letter topic with their original bytes and headers plus the reason, and
 * consumption goes on; a handler that fails twice then succeeds sees the event three times and it is
 * committed once; a handler that keeps failing dead-letters the record; duplicates (same source + id) are
 * skipped; Confluent-framed values decode; without a dead-letter topic a poison record is not committed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_fixture.h"

typedef struct env {
  evs_mock_broker *b;
  const char *boot;
} env;

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  if (evs_mock_broker_new(1, &e->b, NULL) != EVS_OK) return -1;
  e->boot = evs_mock_broker_bootstraps(e->b);
  static const char *const topics[] = {"poison", "poison.dlq", "retry", "giveup", "giveup.dlq",
                                       "dups",   "framed",     "nodlq", "ioerr",  "ioerr.dlq"};
  for (size_t i = 0; i < sizeof topics / sizeof *topics; i++) {
    if (evs_mock_broker_create_topic(e->b, topics[i], 1, NULL) != EVS_OK) return -1;
  }
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  evs_mock_broker_free(e->b);
  free(e);
  return 0;
}

static evs_producer *producer(env *e, bool framing);

static int32_t schema_id_42(const evs_message *m, void *ctx) {
  (void)ctx;
  return strcmp(m->full_name, "evs.events.tasks.v1.TaskEvent") == 0 ? 42 : -1;
}

static evs_producer *producer(env *e, bool framing) {
  evs_producer_options po = {.kafka = {e->boot, NULL, 0},
                             .confluent_framing = framing,
                             .schema_id_fn = framing ? schema_id_42 : NULL};
  evs_producer *p = NULL;
  evs_error err;
  if (evs_producer_new(&po, &p, &err) != EVS_OK) fail_msg("producer: %s", err.msg);
  return p;
}

static void send_task(evs_producer *p, const char *topic, int64_t i, const char *id, const char *source) {
  fx_task t;
  fx_task_make(&t, i);
  evs_event_attrs a = {.topic = topic, .id = id, .source = source};
  evs_error err;
  if (evs_producer_send(p, &a, &t.ev.base, &err) != EVS_OK) fail_msg("send: %s", err.msg);
}

static evs_consumer *consumer(env *e, const char *topic, const char *group, const char *dlq) {
  const char *topics[] = {topic};
  evs_consumer_options co = {.kafka = {e->boot, NULL, 0},
                             .group_id = group,
                             .topics = topics,
                             .n_topics = 1,
                             .from_beginning = true,
                             .dlq_topic = dlq,
                             .backoff_ms = 10};
  evs_consumer *c = NULL;
  evs_error err;
  if (evs_consumer_new(&co, &c, &err) != EVS_OK) fail_msg("consumer: %s", err.msg);
  return c;
}

/* Builds protobuf bytes back to front in buf[0..cap): prepend() puts a length-delimited field before what
 * is there. */
typedef struct backbuf {
  uint8_t *buf;
  size_t cap, start;
} backbuf;

static void prepend(backbuf *b, uint8_t tag) {
  size_t len = b->cap - b->start;
  uint8_t v[10];
  size_t n = 0;
  do {
    v[n++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
    len >>= 7;
  } while (len);
  assert_true(b->start >= n + 1);
  b->start -= n;
  memcpy(b->buf + b->start, v, n);
  b->buf[--b->start] = tag;
}

/* google.protobuf.Value{list_value: {values: [Value{list_value: ...}]}} nested `levels` times: tens of KB
 * that made protobuf-c's unpack overflow the stack of every consumer. */
static void deep_value(backbuf *b, int levels) {
  for (int i = 0; i < levels; i++) {
    prepend(b, 0x0a); /* ListValue.values */
    prepend(b, 0x32); /* Value.list_value */
  }
}

static void test_poison_to_dlq(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, false);
  send_task(p, "poison", 0, NULL, NULL);
  static const uint8_t garbage[] = {0xff, 0xff, 0xff};
  evs_kafka_header hs[] = {{"ce_specversion", "1.0", 3},
                           {"ce_id", "bad-1", 5},
                           {"ce_type", "task.created", 12},
                           {"ce_dataschema", "evs:evs.events.tasks.v1.TaskEvent", 33}};
  assert_int_equal(evs_producer_send_raw(p, "poison", "k", 1, hs, 4, garbage, sizeof garbage, NULL, &err),
                   EVS_OK);
  evs_kafka_header unknown[] = {{"ce_id", "bad-2", 5}, {"ce_type", "no.such.type", 12}};
  assert_int_equal(evs_producer_send_raw(p, "poison", NULL, 0, unknown, 2, "\x08\x01", 2, NULL, &err),
                   EVS_OK);
  /* Records that crashed every consumer (stack overflow in protobuf-c's unpack): a 10,000-deep Value named
   * by ce_dataschema, and a catalog type (workflow.triggered) whose Struct payload nests as deep. */
  backbuf deep = {malloc(200000), 200000, 200000};
  deep_value(&deep, 10000);
  evs_kafka_header by_schema[] = {{"ce_id", "bad-3", 5}, {"ce_dataschema", "evs:google.protobuf.Value", 25}};
  assert_int_equal(evs_producer_send_raw(p, "poison", NULL, 0, by_schema, 2, deep.buf + deep.start,
                                         deep.cap - deep.start, NULL, &err),
                   EVS_OK);
  prepend(&deep, 0x12); /* Struct.FieldsEntry.value */
  prepend(&deep, 0x0a); /* Struct.fields */
  prepend(&deep, 0x0a); /* WorkflowEventPayload.data */
  prepend(&deep, 0x3a); /* WorkflowEvent.payload */
  evs_kafka_header by_type[] = {{"ce_id", "bad-4", 5}, {"ce_type", "workflow.triggered", 18}};
  assert_int_equal(evs_producer_send_raw(p, "poison", NULL, 0, by_type, 2, deep.buf + deep.start,
                                         deep.cap - deep.start, NULL, &err),
                   EVS_OK);
  free(deep.buf);
  /* A valid TaskEvent value, but a header value holding a NUL: not a CloudEvent (no cut string). */
  evs_kafka_header nul[] = {{"ce_id", "bad-5", 5},
                            {"ce_type", "task.created", 12},
                            {"ce_subject", "a\0b", 3},
                            {"ce_dataschema", "evs:evs.events.tasks.v1.TaskEvent", 33}};
  assert_int_equal(evs_producer_send_raw(p, "poison", NULL, 0, nul, 4, "\x10\x05", 2, NULL, &err), EVS_OK);
  send_task(p, "poison", 1, NULL, NULL);
  assert_int_equal(evs_producer_close(p, 10000), 0);

  fx_seen s;
  fx_seen_init(&s, 2);
  evs_consumer *c = consumer(e, "poison", "g-poison", NULL);
  assert_int_equal(evs_consumer_on(c, "*", fx_record_task, &s, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 7, 30000), 7);
  assert_int_equal(s.count[0], 1);
  assert_int_equal(s.count[1], 1); /* consumption went on after the poison records */
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.received, 7);
  assert_int_equal(cs.handled, 2);
  assert_int_equal(cs.decode_errors, 5);
  assert_int_equal(cs.dead_lettered, 5);
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t off = -1;
  assert_int_equal(evs_consumer_committed(c, "poison", 0, 10000, &off, &err), EVS_OK);
  assert_int_equal(off, 7);
  evs_consumer_close(c);

  fx_raw_rec r[5];
  assert_int_equal(fx_raw_read(e->boot, "poison.dlq", r, 5, 20000), 5);
  assert_string_equal(fx_hdr(r[2].h, "ce_id"), "bad-3");
  assert_string_equal(fx_hdr(r[3].h, "ce_id"), "bad-4");
  for (int i = 2; i < 4; i++) {
    assert_string_equal(fx_hdr(r[i].h, "evs_dlq_stage"), "decode");
    assert_non_null(strstr(fx_hdr(r[i].h, "evs_dlq_reason"), "nested too deeply"));
  }
  assert_int_equal(r[0].value_len, sizeof garbage);
  assert_memory_equal(r[0].value, garbage, sizeof garbage);
  assert_string_equal(fx_hdr(r[0].h, "ce_id"), "bad-1");
  assert_string_equal(fx_hdr(r[0].h, "ce_type"), "task.created");
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_stage"), "decode");
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_topic"), "poison");
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_offset"), "1");
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_partition"), "0");
  assert_non_null(strstr(fx_hdr(r[0].h, "evs_dlq_reason"), "not a valid evs.events.tasks.v1.TaskEvent"));
  assert_string_equal(fx_hdr(r[1].h, "ce_id"), "bad-2");
  assert_string_equal(fx_hdr(r[1].h, "evs_dlq_offset"), "2");
  assert_non_null(strstr(fx_hdr(r[1].h, "evs_dlq_reason"), "unknown event type 'no.such.type'"));
  assert_int_equal(r[1].value_len, 2);
  assert_string_equal(fx_hdr(r[4].h, "ce_id"), "bad-5");
  assert_non_null(strstr(fx_hdr(r[4].h, "evs_dlq_reason"), "invalid CloudEvents header: header ce_subject:"));
  for (int i = 0; i < 5; i++) rd_kafka_headers_destroy(r[i].h);
  fx_seen_free(&s);
}

typedef struct flaky {
  int calls, fail_first, attempts[8];
  int64_t fail_task; /* fail only this event number (-1 = all) */
} flaky;

static evs_status flaky_handler(const evs_record *r, void *ctx, evs_error *err) {
  flaky *f = ctx;
  const Evs__Events__Tasks__V1__TaskEvent *ev = (const Evs__Events__Tasks__V1__TaskEvent *)r->msg;
  if (f->calls < 8) f->attempts[f->calls] = r->attempt;
  f->calls++;
  if ((f->fail_task < 0 || fx_task_number(ev) == f->fail_task) &&
      (f->fail_first < 0 || r->attempt <= f->fail_first)) {
    snprintf(err->msg, sizeof err->msg, "downstream unavailable (attempt %d)", r->attempt);
    return EVS_ERR_VALIDATION;
  }
  return EVS_OK;
}

static void test_retry_then_success(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, false);
  send_task(p, "retry", 7, NULL, NULL);
  assert_int_equal(evs_producer_close(p, 10000), 0);
  flaky f = {.fail_first = 2, .fail_task = -1};
  evs_consumer *c = consumer(e, "retry", "g-retry", NULL);
  assert_int_equal(evs_consumer_on(c, "task.deleted", flaky_handler, &f, &err), EVS_OK); /* 7 % 4 = 3 */
  assert_int_equal(fx_consume(c, 1, 30000), 1);
  assert_int_equal(f.calls, 3);
  assert_int_equal(f.attempts[0], 1);
  assert_int_equal(f.attempts[1], 2);
  assert_int_equal(f.attempts[2], 3);
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.handled, 1);
  assert_int_equal(cs.retries, 2);
  assert_int_equal(cs.dead_lettered, 0);
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t off = -1;
  assert_int_equal(evs_consumer_committed(c, "retry", 0, 10000, &off, &err), EVS_OK);
  assert_int_equal(off, 1);
  evs_consumer_close(c);
  /* The same group reads nothing more: the event was committed once. */
  flaky g = {.fail_first = 0, .fail_task = -1};
  c = consumer(e, "retry", "g-retry", NULL);
  assert_int_equal(evs_consumer_on(c, NULL, flaky_handler, &g, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 1, 5000), 0);
  assert_int_equal(g.calls, 0);
  evs_consumer_close(c);
}

static void test_handler_gives_up(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, false);
  send_task(p, "giveup", 0, NULL, NULL);
  send_task(p, "giveup", 1, NULL, NULL);
  assert_int_equal(evs_producer_close(p, 10000), 0);
  flaky f = {.fail_first = -1, .fail_task = 0};
  evs_consumer *c = consumer(e, "giveup", "g-giveup", NULL);
  assert_int_equal(evs_consumer_on(c, NULL, flaky_handler, &f, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 2, 30000), 2);
  assert_int_equal(f.calls, 4); /* 3 attempts for task 0, 1 for task 1 */
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.handled, 1);
  assert_int_equal(cs.dead_lettered, 1);
  assert_int_equal(cs.retries, 2);
  evs_consumer_close(c);
  fx_raw_rec r[1];
  assert_int_equal(fx_raw_read(e->boot, "giveup.dlq", r, 1, 20000), 1);
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_stage"), "handler");
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_attempts"), "3");
  assert_string_equal(fx_hdr(r[0].h, "ce_type"), "task.created");
  assert_non_null(strstr(fx_hdr(r[0].h, "evs_dlq_reason"), "downstream unavailable (attempt 3)"));
  rd_kafka_headers_destroy(r[0].h);
}

static void test_duplicates_suppressed(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, false);
  const char *id = "0190b0a0-0000-7000-8000-00000000d0d0";
  send_task(p, "dups", 0, id, "/a");
  send_task(p, "dups", 0, id, "/a"); /* a re-send of the same event */
  send_task(p, "dups", 1, id, "/b"); /* same id from another source: a different event */
  assert_int_equal(evs_producer_close(p, 10000), 0);
  fx_seen s;
  fx_seen_init(&s, 2);
  evs_consumer *c = consumer(e, "dups", "g-dups", NULL);
  assert_int_equal(evs_consumer_on(c, NULL, fx_record_task, &s, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 3, 30000), 3);
  assert_int_equal(s.count[0], 1);
  assert_int_equal(s.count[1], 1);
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.duplicates, 1);
  assert_int_equal(cs.handled, 2);
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t off = -1;
  assert_int_equal(evs_consumer_committed(c, "dups", 0, 10000, &off, &err), EVS_OK);
  assert_int_equal(off, 3); /* the skipped duplicate is committed too */
  evs_consumer_close(c);
  fx_seen_free(&s);
}

static void test_confluent_framing(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, true);
  send_task(p, "framed", 5, NULL, NULL);
  assert_int_equal(evs_producer_close(p, 10000), 0);
  fx_raw_rec r[1];
  assert_int_equal(fx_raw_read(e->boot, "framed", r, 1, 20000), 1);
  const evs_message *m =
      evs_registry_find_message(evs_registry_builtin(NULL), "evs.events.tasks.v1.TaskEvent");
  int32_t idx[4];
  assert_int_equal(evs_confluent_message_indexes(m, idx, 4), 1);
  assert_true(r[0].value_len > 6);
  static const uint8_t head[] = {0, 0, 0, 0, 42};
  assert_memory_equal(r[0].value, head, 5);
  int32_t id = 0, got[4];
  size_t n = 0, payload = 0;
  assert_int_equal(
      evs_confluent_parse((const uint8_t *)r[0].value, r[0].value_len, &id, got, &n, &payload, &err), EVS_OK);
  assert_int_equal(n, 1);
  assert_int_equal(got[0], idx[0]);
  Evs__Events__Tasks__V1__TaskEvent *ev = evs__events__tasks__v1__task_event__unpack(
      NULL, r[0].value_len - payload, (const uint8_t *)r[0].value + payload);
  assert_non_null(ev);
  assert_int_equal(fx_task_number(ev), 5);
  evs__events__tasks__v1__task_event__free_unpacked(ev, NULL);
  assert_string_equal(fx_hdr(r[0].h, "content-type"), EVS_KAFKA_CONTENT_TYPE_CONFLUENT);
  rd_kafka_headers_destroy(r[0].h);
  /* The evs consumer unframes it. */
  fx_seen s;
  fx_seen_init(&s, 6);
  evs_consumer *c = consumer(e, "framed", "g-framed", NULL);
  assert_int_equal(evs_consumer_on(c, NULL, fx_record_task, &s, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 1, 30000), 1);
  assert_int_equal(s.count[5], 1);
  evs_consumer_close(c);
  fx_seen_free(&s);
}

static void test_no_dlq_stops(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, false);
  evs_kafka_header hs[] = {{"ce_type", "task.created", 12}};
  assert_int_equal(evs_producer_send_raw(p, "nodlq", NULL, 0, hs, 1, "\xff", 1, NULL, &err), EVS_OK);
  assert_int_equal(evs_producer_close(p, 10000), 0);
  evs_consumer *c = consumer(e, "nodlq", "g-nodlq", "");
  fx_seen s;
  fx_seen_init(&s, 1);
  assert_int_equal(evs_consumer_on(c, NULL, fx_record_task, &s, &err), EVS_OK);
  evs_status st = EVS_OK;
  int64_t end = fx_now_ms() + 30000;
  int got = 0;
  while (st == EVS_OK && !got && fx_now_ms() < end) st = evs_consumer_poll(c, 100, &got, &err);
  assert_int_equal(st, EVS_ERR_VALIDATION);
  assert_non_null(strstr(err.msg, "offset not stored"));
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t off = 0;
  assert_int_equal(evs_consumer_committed(c, "nodlq", 0, 10000, &off, &err), EVS_OK);
  assert_int_equal(off, RD_KAFKA_OFFSET_INVALID);
  evs_consumer_close(c);
  fx_seen_free(&s);
}

/* A handler whose own environment fails (output not writable: EVS_ERR_IO) stops the poll at once: no
 * retry, no dead letter, nothing committed, and the same record comes back on the next poll, so that no
 * later record can commit past it (evs consume > /dev/full committed its offsets before). */
typedef struct io_fail {
  int calls;
  int64_t task_ids[4]; /* event numbers seen */
  bool fail;
} io_fail;

static evs_status io_handler(const evs_record *r, void *ctx, evs_error *err) {
  io_fail *f = ctx;
  const Evs__Events__Tasks__V1__TaskEvent *ev = (const Evs__Events__Tasks__V1__TaskEvent *)r->msg;
  if (f->calls < 4) f->task_ids[f->calls] = fx_task_number(ev);
  f->calls++;
  if (!f->fail) return EVS_OK;
  snprintf(err->msg, sizeof err->msg, "writing to stdout failed: No space left on device");
  return EVS_ERR_IO;
}

static void test_handler_io_error_stops(void **state) {
  env *e = *state;
  evs_error err;
  evs_producer *p = producer(e, false);
  send_task(p, "ioerr", 7, NULL, NULL);
  send_task(p, "ioerr", 8, NULL, NULL);
  assert_int_equal(evs_producer_close(p, 10000), 0);
  evs_consumer *c = consumer(e, "ioerr", "g-ioerr", NULL);
  io_fail f = {.fail = true};
  assert_int_equal(evs_consumer_on(c, NULL, io_handler, &f, &err), EVS_OK);
  evs_status st = EVS_OK;
  int64_t end = fx_now_ms() + 30000;
  int got = 0;
  while (st == EVS_OK && !got && fx_now_ms() < end) st = evs_consumer_poll(c, 100, &got, &err);
  assert_int_equal(st, EVS_ERR_IO);
  assert_int_equal(f.calls, 1); /* not retried */
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.dead_lettered, 0);
  assert_int_equal(cs.retries, 0);
  /* the output works again: the same record first, then the next */
  f.fail = false;
  got = 0;
  st = EVS_OK;
  while (st == EVS_OK && f.calls < 3 && fx_now_ms() < end) st = evs_consumer_poll(c, 100, &got, &err);
  assert_int_equal(st, EVS_OK);
  assert_int_equal(f.calls, 3);
  assert_int_equal(f.task_ids[0], 7);
  assert_int_equal(f.task_ids[1], 7);
  assert_int_equal(f.task_ids[2], 8);
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t off = 0;
  assert_int_equal(evs_consumer_committed(c, "ioerr", 0, 10000, &off, &err), EVS_OK);
  assert_int_equal(off, 2);
  evs_consumer_close(c);
}

/* Each consumer's first group join takes the mock cluster 3 s, so the cases are built as two programs
 * (EVS_CONSUMER_PART 1 and 2) that ctest can run side by side. */
#ifndef EVS_CONSUMER_PART
#define EVS_CONSUMER_PART 0 /* both */
#endif

int main(void) {
  const struct CMUnitTest dead_letters[] = {
      cmocka_unit_test_setup_teardown(test_poison_to_dlq, setup, teardown),
      cmocka_unit_test_setup_teardown(test_handler_gives_up, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_dlq_stops, setup, teardown),
      cmocka_unit_test_setup_teardown(test_handler_io_error_stops, setup, teardown),
  };
  const struct CMUnitTest delivery[] = {
      cmocka_unit_test_setup_teardown(test_retry_then_success, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicates_suppressed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_confluent_framing, setup, teardown),
  };
  int failed = 0;
  if (EVS_CONSUMER_PART != 2) failed += cmocka_run_group_tests_name("dead letters", dead_letters, NULL, NULL);
  if (EVS_CONSUMER_PART != 1) failed += cmocka_run_group_tests_name("delivery", delivery, NULL, NULL);
  return failed;
}
