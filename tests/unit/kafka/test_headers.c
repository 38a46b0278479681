/* CloudEvents binary-mode headers: written in a fixed order and read back; every Kafka form decoded by
 * content-type (binary protobuf / JSON, structured, Confluent); ce_tags encoding; field
 * values for keys and types read from catalog messages; the dedupe window. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "events/dcb/v1/domain_event.pb-c.h"
#include "events/tasks/v1/task_events.pb-c.h"
#include "events/workflow/v1/workflow_events.pb-c.h"
#include "kafka/kafka_internal.h"

static void test_ce_roundtrip(void **state) {
  (void)state;
  evs_ce_event v = {.specversion = "1.0",
                    .id = "0190b0a0-0000-7000-8000-000000000001",
                    .source = "/acme",
                    .type = "task.created",
                    .time = "2025-01-01T00:00:00.000Z",
                    .dataschema = "evs:x.Y",
                    .content_type = "application/protobuf",
                    .correlation_id = "c-1",
                    .tags = "a=1"};
  rd_kafka_headers_t *h = rd_kafka_headers_new(8);
  assert_int_equal(evs_kafka_ce_headers_add(h, &v, NULL), EVS_OK);
  assert_int_equal(rd_kafka_header_cnt(h), 9);
  const char *name;
  const void *val;
  size_t size;
  static const char *const order[] = {"ce_specversion", "ce_id",         "ce_source",    "ce_type",
                                      "ce_time",        "ce_dataschema", "content-type", "ce_correlationid",
                                      "ce_tags"};
  for (size_t i = 0; i < 9; i++) {
    assert_int_equal(rd_kafka_header_get_all(h, i, &name, &val, &size), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_string_equal(name, order[i]);
  }
  evs_ce_event back;
  evs_buf store = EVS_BUF_INIT;
  assert_int_equal(evs_kafka_ce_from_headers(h, &back, &store, NULL), EVS_OK);
  assert_string_equal(back.id, v.id);
  assert_string_equal(back.type, "task.created");
  assert_string_equal(back.content_type, "application/protobuf");
  assert_string_equal(back.correlation_id, "c-1");
  assert_null(back.subject);
  assert_null(back.causation_id);
  /* A value that is not valid UTF-8 or holds a NUL is no attribute: the record is refused, not read with a
   * cut or garbled string. */
  evs_error err;
  rd_kafka_header_add(h, "ce_subject", -1, "a\0b", 3);
  assert_int_equal(evs_kafka_ce_from_headers(h, &back, &store, &err), EVS_ERR_VALIDATION);
  assert_non_null(strstr(err.msg, "ce_subject"));
  assert_null(back.id);
  rd_kafka_headers_destroy(h);
  /* The caller's own invalid value is refused before any header is added. */
  h = rd_kafka_headers_new(8);
  v.subject = "bad\xff";
  assert_int_equal(evs_kafka_ce_headers_add(h, &v, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(rd_kafka_header_cnt(h), 0);
  rd_kafka_headers_destroy(h);
  assert_int_equal(evs_kafka_ce_from_headers(NULL, &back, &store, NULL), EVS_OK);
  assert_null(back.id);
  evs_buf_free(&store);
}

static void test_tags(void **state) {
  (void)state;
  evs_buf b = EVS_BUF_INIT;
  evs_tag tags[] = {{"userId", "u 1"}, {"issueId", "42"}, {"a&b", "x=y%"}};
  assert_int_equal(evs_ce_tags_encode(tags, 3, &b), EVS_OK);
  assert_string_equal((const char *)b.data, "a%26b=x%3Dy%25&issueId=42&userId=u%201");
  evs_buf_free(&b);
}

static void test_field_text(void **state) {
  (void)state;
  const evs_registry *reg = evs_registry_builtin(NULL);
  assert_non_null(reg);
  /* Nested key through a oneof-presence field: metadata.correlation_id. */
  const evs_message *dm = evs_registry_find_message(reg, "evs.events.dcb.v1.DomainEvent");
  const evs_event_options *ev = dm->event;
  assert_int_equal(ev->n_partition_key_path, 2);
  Evs__Events__Dcb__V1__DomainEvent e;
  evs__events__dcb__v1__domain_event__init(&e);
  Evs__Events__Dcb__V1__DomainEventMetadata md;
  evs__events__dcb__v1__domain_event_metadata__init(&md);
  char corr[] = "req-7", type[] = "WORKFLOW.STARTED", user[] = "user-456";
  evs_buf b = EVS_BUF_INIT;
  assert_int_equal(evs_kafka_field_text(&e.base, ev->partition_key_path, 2, &b), 0); /* no metadata */
  e.metadata = &md;
  assert_int_equal(evs_kafka_field_text(&e.base, ev->partition_key_path, 2, &b), 0); /* oneof unset */
  md._correlation_id_case = EVS__EVENTS__DCB__V1__DOMAIN_EVENT_METADATA___CORRELATION_ID_CORRELATION_ID;
  md.correlation_id = corr;
  assert_int_equal(evs_kafka_field_text(&e.base, ev->partition_key_path, 2, &b), 1);
  assert_string_equal((const char *)b.data, "req-7");
  /* The type field. */
  e.type = type;
  evs_buf_reset(&b);
  assert_int_equal(evs_kafka_field_text(&e.base, ev->type_field_path, ev->n_type_field_path, &b), 1);
  assert_string_equal((const char *)b.data, "WORKFLOW.STARTED");
  /* An empty string is "no key". */
  Evs__Events__Tasks__V1__TaskEvent t;
  evs__events__tasks__v1__task_event__init(&t);
  const evs_message *tm = evs_registry_find_message(reg, "evs.events.tasks.v1.TaskEvent");
  evs_buf_reset(&b);
  assert_int_equal(evs_kafka_field_text(&t.base, tm->event->partition_key_path, 1, &b), 0);
  t.user_id = user;
  assert_int_equal(evs_kafka_field_text(&t.base, tm->event->partition_key_path, 1, &b), 1);
  assert_string_equal((const char *)b.data, "user-456");
  /* Integers print in decimal, enums by name. */
  const evs_field *task_id = evs_message_find_field(tm, "task_id", 7);
  t.task_id = -9007199254740993LL;
  evs_buf_reset(&b);
  assert_int_equal(evs_kafka_field_text(&t.base, &task_id, 1, &b), 1);
  assert_string_equal((const char *)b.data, "-9007199254740993");
  const evs_message *wm = evs_registry_find_message(reg, "evs.events.workflow.v1.WorkflowEvent");
  const evs_field *src = evs_message_find_field(wm, "source", 6);
  Evs__Events__Workflow__V1__WorkflowEvent w;
  evs__events__workflow__v1__workflow_event__init(&w);
  w.source = EVS__EVENTS__WORKFLOW__V1__EVENT_SOURCE__langgraph;
  evs_buf_reset(&b);
  assert_int_equal(evs_kafka_field_text(&w.base, &src, 1, &b), 1);
  assert_string_equal((const char *)b.data, "langgraph");
  evs_buf_free(&b);
}

static void test_dedupe(void **state) {
  (void)state;
  evs_dedupe *d = evs_dedupe_new(3);
  assert_non_null(d);
  assert_false(evs_dedupe_seen(d, "/s", "1"));
  assert_true(evs_dedupe_add(d, "/s", "1"));
  assert_true(evs_dedupe_seen(d, "/s", "1"));
  assert_false(evs_dedupe_seen(d, "/other", "1")); /* source + id, as CloudEvents defines uniqueness */
  assert_false(evs_dedupe_seen(d, "/s1", ""));     /* "/s" + "1" differs from "/s1" + "" */
  assert_true(evs_dedupe_add(d, "/s", "2"));
  assert_true(evs_dedupe_add(d, "/s", "3"));
  assert_true(evs_dedupe_add(d, "/s", "3")); /* repeat: no new slot */
  assert_true(evs_dedupe_seen(d, "/s", "1"));
  assert_true(evs_dedupe_add(d, "/s", "4")); /* evicts 1 */
  assert_false(evs_dedupe_seen(d, "/s", "1"));
  assert_true(evs_dedupe_seen(d, "/s", "2"));
  assert_true(evs_dedupe_seen(d, "/s", "4"));
  /* Many more than the window: memory stays bounded, the last 3 are remembered. */
  char id[32];
  for (int i = 0; i < 1000; i++) {
    snprintf(id, sizeof id, "x%d", i);
    assert_true(evs_dedupe_add(d, "/s", id));
  }
  assert_true(evs_dedupe_seen(d, "/s", "x999"));
  assert_true(evs_dedupe_seen(d, "/s", "x997"));
  assert_false(evs_dedupe_seen(d, "/s", "x996"));
  evs_dedupe_free(d);
  assert_null(evs_dedupe_new(0));
}

/* Every CloudEvents Kafka form is decoded, content-type deciding (consumer.c evs_consumer_decode_record). */
static ProtobufCMessage *decode(const char *content_type, const char *type, const void *value, size_t len,
                                evs_ce_event *v, evs_buf *store, evs_status want, const char *why_part) {
  const evs_registry *reg = evs_registry_builtin(NULL);
  assert_non_null(reg);
  *v = (evs_ce_event){
      .specversion = "1.0", .id = "h1", .source = "/h", .type = type, .content_type = content_type};
  const evs_message *schema = NULL;
  ProtobufCMessage *msg = NULL;
  char why[400] = "";
  evs_status st = evs_consumer_decode_record(reg, v, value, len, store, &schema, &msg, why, sizeof why);
  if (st != want) fail_msg("status %s, want %s (%s)", evs_status_name(st), evs_status_name(want), why);
  if (why_part && !strstr(why, why_part)) fail_msg("reason '%s' lacks '%s'", why, why_part);
  if (want == EVS_OK) assert_non_null(msg);
  return msg;
}

static void test_decode_forms(void **state) {
  (void)state;
  evs_buf store = EVS_BUF_INIT;
  evs_ce_event v;
  /* binary mode, protobuf: task.created, task_id 2, user u2 */
  static const uint8_t pb[] = {0x0a, 0x0c, 't', 'a', 's',  'k',  '.',  'c',  'r', 'e',
                               'a',  't',  'e', 'd', 0x10, 0x02, 0x1a, 0x02, 'u', '2'};
  ProtobufCMessage *m =
      decode("application/protobuf", "task.created", pb, sizeof pb, &v, &store, EVS_OK, NULL);
  assert_int_equal(((Evs__Events__Tasks__V1__TaskEvent *)m)->task_id, 2);
  protobuf_c_message_free_unpacked(m, NULL);
  /* binary mode, JSON data (with a charset parameter) */
  const char *json = "{\"eventType\":\"task.created\",\"taskId\":\"5\",\"userId\":\"uj\"}";
  m = decode("application/json; charset=utf-8", "task.created", json, strlen(json), &v, &store, EVS_OK, NULL);
  assert_int_equal(((Evs__Events__Tasks__V1__TaskEvent *)m)->task_id, 5);
  protobuf_c_message_free_unpacked(m, NULL);
  const char *bad = "{\"taskId\":\"x\"}";
  decode("application/json", "task.created", bad, strlen(bad), &v, &store, EVS_ERR_TYPE,
         "JSON data is not a valid");
  /* structured mode: the attributes come from the value, the payload from data or data_base64 */
  const char *sj =
      "{\"specversion\":\"1.0\",\"id\":\"s1\",\"source\":\"/k\",\"type\":\"task.created\","
      "\"data\":{\"eventType\":\"task.created\",\"taskId\":\"6\"}}";
  m = decode("application/cloudevents+json", NULL, sj, strlen(sj), &v, &store, EVS_OK, NULL);
  assert_string_equal(v.id, "s1");
  assert_string_equal(v.source, "/k");
  assert_int_equal(((Evs__Events__Tasks__V1__TaskEvent *)m)->task_id, 6);
  protobuf_c_message_free_unpacked(m, NULL);
  const char *sb =
      "{\"specversion\":\"1.0\",\"id\":\"s2\",\"source\":\"/k\",\"type\":\"task.created\","
      "\"datacontenttype\":\"application/protobuf\",\"data_base64\":\"CgwdGFzay5jcmVhdGVkEAIaAnUy\"}";
  /* (the base64 above is deliberately not pb's: a bad payload inside a good event is a decode error) */
  decode("application/cloudevents+json", NULL, sb, strlen(sb), &v, &store, EVS_ERR_SYNTAX, NULL);
  const char *sb2 =
      "{\"specversion\":\"1.0\",\"id\":\"s2\",\"source\":\"/k\",\"type\":\"task.created\","
      "\"datacontenttype\":\"application/protobuf\",\"data_base64\":\"Cgx0YXNrLmNyZWF0ZWQQAhoCdTI=\"}";
  m = decode("application/cloudevents+json", NULL, sb2, strlen(sb2), &v, &store, EVS_OK, NULL);
  assert_int_equal(((Evs__Events__Tasks__V1__TaskEvent *)m)->task_id, 2);
  protobuf_c_message_free_unpacked(m, NULL);
  decode("application/cloudevents+json", NULL, "{\"id\":\"x\"}", 10, &v, &store, EVS_ERR_VALIDATION,
         "structured-mode value is not a CloudEvent");
  const char *nodata = "{\"specversion\":\"1.0\",\"id\":\"s3\",\"source\":\"/k\",\"type\":\"task.created\"}";
  decode("application/cloudevents+json", NULL, nodata, strlen(nodata), &v, &store, EVS_ERR_VALIDATION,
         "no data");
  /* Confluent framing, by content type */
  uint8_t framed[6 + sizeof pb] = {0, 0, 0, 0, 7, 0};
  memcpy(framed + 6, pb, sizeof pb);
  m = decode(EVS_KAFKA_CONTENT_TYPE_CONFLUENT, "task.created", framed, sizeof framed, &v, &store, EVS_OK,
             NULL);
  assert_int_equal(((Evs__Events__Tasks__V1__TaskEvent *)m)->task_id, 2);
  protobuf_c_message_free_unpacked(m, NULL);
  evs_buf_free(&store);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_forms), cmocka_unit_test(test_ce_roundtrip), cmocka_unit_test(test_tags),
      cmocka_unit_test(test_field_text),   cmocka_unit_test(test_dedupe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
