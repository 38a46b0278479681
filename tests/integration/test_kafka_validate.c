/* Validation on the Kafka paths (issue 11), on a 1-broker mock cluster with single-partition topics: the
 * producer refuses an event that breaks a payload or envelope rule (EVS_ERR_VALIDATION, nothing written,
 * stats.invalid, every violation handed back) and sends a valid one; with no_validate it sends the invalid
 * one; a consumer with validate dead-letters an invalid record with its violations in a header and
 * handles the valid one, a viewer reports it to on_undecodable with the violations, and a consumer
 * without validate (the default) handles both. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_fixture.h"

static evs_mock_broker *g_broker;
static const char *g_boot;

static int setup(void **state) {
  (void)state;
  if (evs_mock_broker_new(1, &g_broker, NULL) != EVS_OK) return -1;
  g_boot = evs_mock_broker_bootstraps(g_broker);
  static const char *const topics[] = {"v-send", "v-off", "v-consume", "v-consume.dlq"};
  for (size_t i = 0; i < sizeof topics / sizeof *topics; i++)
    if (evs_mock_broker_create_topic(g_broker, topics[i], 1, NULL) != EVS_OK) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  evs_mock_broker_free(g_broker);
  return 0;
}

static evs_producer *producer(bool no_validate) {
  evs_producer_options po = {.kafka = {g_boot, NULL, 0}, .no_validate = no_validate};
  evs_producer *p = NULL;
  evs_error err;
  if (evs_producer_new(&po, &p, &err) != EVS_OK) fail_msg("producer: %s", err.msg);
  return p;
}

/* TaskEvent number i whose task has no title: the catalog marks TaskEventData.title required. */
static void make_untitled(fx_task *t, int64_t i) {
  fx_task_make(t, i);
  t->title[0] = '\0';
}

static void test_producer_refuses_invalid(void **state) {
  (void)state;
  evs_error err;
  evs_producer *p = producer(false);
  evs_violations vs;
  evs_violations_init(&vs);
  fx_task t;
  make_untitled(&t, 0);
  /* Two rules broken: the envelope's id is no UUIDv7, the payload's title is empty. */
  evs_event_attrs a = {.topic = "v-send", .id = "not-a-uuid", .violations = &vs};
  assert_int_equal(evs_producer_send(p, &a, &t.ev.base, &err), EVS_ERR_VALIDATION);
  assert_int_equal(err.code, EVS_ERR_VALIDATION);
  assert_non_null(strstr(err.msg, "data.task_data.title: "));
  assert_non_null(strstr(err.msg, "[required]"));
  assert_non_null(strstr(err.msg, "id: "));
  assert_int_equal(vs.n, 2);
  assert_string_equal(vs.v[0].path, "id"); /* the envelope first */
  assert_string_equal(vs.v[1].path, "data.task_data.title");
  assert_string_equal(vs.v[1].json_path, "data.taskData.title");
  assert_string_equal(vs.v[1].rule_id, "required");

  /* Without a list to fill the refusal is the same. */
  a.violations = NULL;
  assert_int_equal(evs_producer_send(p, &a, &t.ev.base, &err), EVS_ERR_VALIDATION);

  /* A valid event goes through, and a validating send empties the caller's list. */
  fx_task ok;
  fx_task_make(&ok, 1);
  char id[EVS_UUID_STR_SIZE] = "";
  evs_event_attrs b = {.topic = "v-send", .id_out = id, .violations = &vs};
  assert_int_equal(evs_producer_send(p, &b, &ok.ev.base, &err), EVS_OK);
  assert_int_equal(vs.n, 0);
  evs_producer_stats st;
  assert_int_equal(evs_producer_close_stats(p, 10000, &st), 0);
  assert_int_equal(st.invalid, 2);
  assert_int_equal(st.sent, 1);
  assert_int_equal(st.delivered, 1);
  evs_violations_free(&vs);

  /* Only the valid event reached the topic. */
  fx_raw_rec r[3];
  assert_int_equal(fx_raw_read(g_boot, "v-send", r, 3, 3000), 1);
  assert_string_equal(fx_hdr(r[0].h, "ce_id"), id);
  rd_kafka_headers_destroy(r[0].h);
}

static void test_no_validate_sends_invalid(void **state) {
  (void)state;
  evs_error err;
  evs_producer *p = producer(true);
  fx_task t;
  make_untitled(&t, 0);
  evs_event_attrs a = {.topic = "v-off", .id = "not-a-uuid"};
  assert_int_equal(evs_producer_send(p, &a, &t.ev.base, &err), EVS_OK);
  evs_producer_stats st;
  assert_int_equal(evs_producer_close_stats(p, 10000, &st), 0);
  assert_int_equal(st.invalid, 0);
  assert_int_equal(st.delivered, 1);
  fx_raw_rec r[1];
  assert_int_equal(fx_raw_read(g_boot, "v-off", r, 1, 20000), 1);
  assert_string_equal(fx_hdr(r[0].h, "ce_id"), "not-a-uuid");
  rd_kafka_headers_destroy(r[0].h);
}

static evs_consumer *consumer(const char *group, bool validate, bool viewer, void *undecodable_ctx);

typedef struct seen_invalid {
  int calls;
  size_t n_violations;
  char first_path[64], why[256];
  bool had_msg;
} seen_invalid;

static evs_status on_invalid(const evs_record *rec, const char *why, void *ctx, evs_error *err) {
  (void)err;
  seen_invalid *s = ctx;
  s->calls++;
  snprintf(s->why, sizeof s->why, "%s", why);
  s->had_msg = rec->msg != NULL && rec->schema != NULL;
  if (rec->violations) {
    s->n_violations = rec->violations->n;
    if (rec->violations->n) snprintf(s->first_path, sizeof s->first_path, "%s", rec->violations->v[0].path);
  }
  return EVS_OK;
}

static evs_consumer *consumer(const char *group, bool validate, bool viewer, void *undecodable_ctx) {
  const char *topics[] = {"v-consume"};
  evs_consumer_options co = {.kafka = {g_boot, NULL, 0},
                             .group_id = group,
                             .topics = topics,
                             .n_topics = 1,
                             .from_beginning = true,
                             .backoff_ms = 10,
                             .validate = validate,
                             .viewer = viewer,
                             .start = {EVS_OFFSET_BEGINNING, 0},
                             .on_undecodable = on_invalid,
                             .undecodable_ctx = undecodable_ctx};
  evs_consumer *c = NULL;
  evs_error err;
  if (evs_consumer_new(&co, &c, &err) != EVS_OK) fail_msg("consumer: %s", err.msg);
  return c;
}

static void test_consumer_validates(void **state) {
  (void)state;
  evs_error err;
  /* Written without validation, as a foreign producer would: task 0 has no title, task 1 is valid. */
  evs_producer *p = producer(true);
  fx_task bad, good;
  make_untitled(&bad, 0);
  fx_task_make(&good, 1);
  evs_event_attrs a = {.topic = "v-consume"};
  assert_int_equal(evs_producer_send(p, &a, &bad.ev.base, &err), EVS_OK);
  assert_int_equal(evs_producer_send(p, &a, &good.ev.base, &err), EVS_OK);
  assert_int_equal(evs_producer_close(p, 10000), 0);

  /* validate on: the invalid record is dead-lettered, never handled; the valid one is handled. */
  fx_seen s;
  fx_seen_init(&s, 2);
  evs_consumer *c = consumer("g-validate", true, false, NULL);
  assert_int_equal(evs_consumer_on(c, "*", fx_record_task, &s, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 2, 30000), 2);
  assert_int_equal(s.count[0], 0);
  assert_int_equal(s.count[1], 1);
  evs_consumer_stats cs;
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.invalid, 1);
  assert_int_equal(cs.dead_lettered, 1);
  assert_int_equal(cs.decode_errors, 0);
  assert_int_equal(cs.handled, 1);
  assert_int_equal(evs_consumer_commit(c, &err), EVS_OK);
  int64_t off = -1;
  assert_int_equal(evs_consumer_committed(c, "v-consume", 0, 10000, &off, &err), EVS_OK);
  assert_int_equal(off, 2);
  evs_consumer_close(c);
  fx_seen_free(&s);

  fx_raw_rec r[1];
  assert_int_equal(fx_raw_read(g_boot, "v-consume.dlq", r, 1, 20000), 1);
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_stage"), "validate");
  assert_string_equal(fx_hdr(r[0].h, "evs_dlq_offset"), "0");
  const char *reason = fx_hdr(r[0].h, "evs_dlq_reason");
  assert_non_null(reason);
  assert_non_null(strstr(reason, "data.task_data.title: "));
  assert_non_null(strstr(reason, "[required]"));
  const char *json = fx_hdr(r[0].h, "evs_dlq_violations");
  assert_non_null(json);
  assert_non_null(strstr(json,
                         "[{\"path\":\"data.task_data.title\",\"json_path\":\"data.taskData.title\","
                         "\"rule_id\":\"required\""));
  rd_kafka_headers_destroy(r[0].h);

  /* A viewer with validate reports it to on_undecodable, decoded and with its violations. */
  seen_invalid si = {0};
  fx_seen_init(&s, 2);
  c = consumer(NULL, true, true, &si);
  assert_int_equal(evs_consumer_on(c, "*", fx_record_task, &s, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 2, 30000), 2);
  assert_int_equal(si.calls, 1);
  assert_int_equal(si.n_violations, 1);
  assert_string_equal(si.first_path, "data.task_data.title");
  assert_true(si.had_msg);
  assert_non_null(strstr(si.why, "invalid event"));
  assert_int_equal(s.count[1], 1);
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.invalid, 1);
  evs_consumer_close(c);
  fx_seen_free(&s);

  /* validate is off by default: both records are handled. */
  fx_seen_init(&s, 2);
  c = consumer("g-novalidate", false, false, NULL);
  assert_int_equal(evs_consumer_on(c, "*", fx_record_task, &s, &err), EVS_OK);
  assert_int_equal(fx_consume(c, 2, 30000), 2);
  assert_int_equal(s.count[0], 1);
  assert_int_equal(s.count[1], 1);
  evs_consumer_stats_get(c, &cs);
  assert_int_equal(cs.invalid, 0);
  assert_int_equal(cs.dead_lettered, 0);
  evs_consumer_close(c);
  fx_seen_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_producer_refuses_invalid),
      cmocka_unit_test(test_no_validate_sends_invalid),
      cmocka_unit_test(test_consumer_validates),
  };
  return cmocka_run_group_tests_name("kafka validation", tests, setup, teardown);
}
