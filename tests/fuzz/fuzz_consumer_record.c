/* libFuzzer target: a hostile Kafka record on the consumer's path, after librdkafka hands it over: the
 * headers mapped to CloudEvents attributes, the payload type resolved from them (ce_dataschema, ce_type,
 * ce_schemaversion, content-type), Confluent framing stripped, the value through the binary guard, and
 * the message printed as `evs consume` prints it.
 *
 * Input: byte 0 = number of headers (mod 8); per header a name selector byte, a length byte and that many
 * value bytes; the rest is the record value. Invariants (abort when broken): a failure has a message;
 * printed JSON reads back at the same depth limit.
 *
 * Built by tests/CMakeLists.txt when EVS_FUZZ=ON; ctest runs it briefly (tests/fuzz/run_fuzz.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/catalog.h"
#include "evs/json.h"
#include "evs/registry.h"
#include "kafka/kafka_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const evs_registry *g_reg;

static const char *const k_names[] = {
    "ce_type",        "ce_dataschema", "content-type",  "ce_schemaversion", "ce_id", "ce_source",
    "ce_specversion", "ce_time",       "ce_tags",       "ce_subject",       "other", "ce_correlationid",
    "ce_causationid", "ce_type",       "ce_dataschema", "content-type",
};

/* Values that steer the record to a real type, so the fuzzer reaches the decoder quickly. */
static const char *const k_hints[] = {"task.created",
                                      "workflow.triggered",
                                      "evs:google.protobuf.Value",
                                      "evs:google.protobuf.Any",
                                      "evs:google.protobuf.Struct",
                                      "application/vnd.confluent.protobuf",
                                      "evs:evs.events.tasks.v1.TaskEvent",
                                      "todo.created",
                                      "application/json",
                                      "application/cloudevents+json"};

static void fail(const char *what, const evs_error *err) {
  fprintf(stderr, "invariant broken: %s (%s: %s)\n", what, err ? evs_status_name(err->code) : "-",
          err ? err->msg : "");
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_reg) {
    evs_registry *reg = NULL;
    evs_error err;
    if (evs_registry_new(&reg, &err) != EVS_OK || evs_registry_add_catalog(reg, &evs_builtin_catalog, &err))
      abort();
    g_reg = reg;
  }
  if (size == 0) return 0;
  size_t pos = 1;
  int n = data[0] % 8;
  rd_kafka_headers_t *h = rd_kafka_headers_new(8);
  for (int i = 0; i < n && pos + 2 <= size; i++) {
    const char *name = k_names[data[pos] % 16];
    uint8_t len = data[pos + 1];
    pos += 2;
    if (len >= 0xf6) { /* a known hint instead of raw bytes */
      const char *v = k_hints[len - 0xf6];
      rd_kafka_header_add(h, name, -1, v, (ssize_t)strlen(v));
      continue;
    }
    if (len > size - pos) len = (uint8_t)(size - pos);
    rd_kafka_header_add(h, name, -1, data + pos, len);
    pos += len;
  }
  static evs_buf store = EVS_BUF_INIT;
  evs_ce_event v;
  evs_error herr;
  if (evs_kafka_ce_from_headers(h, &v, &store, &herr) != EVS_OK) {
    /* the consumer dead-letters such a record: the reason must say why */
    if (herr.code == EVS_OK || !herr.msg[0]) fail("header failure without code and message", &herr);
    rd_kafka_headers_destroy(h);
    return 0;
  }
  const evs_message *schema = NULL;
  ProtobufCMessage *msg = NULL;
  char why[400] = "";
  static evs_buf json_store = EVS_BUF_INIT; /* a structured-mode value's attributes */
  evs_status st = evs_consumer_decode_record(g_reg, &v, data + pos, size - pos, &json_store, &schema, &msg,
                                             why, sizeof why);
  if (st != EVS_OK) {
    if (msg || !why[0]) fail("decode failure without a reason, or with a message", NULL);
  } else {
    evs_buf json = EVS_BUF_INIT;
    evs_error err;
    if (evs_json_encode(g_reg, msg, NULL, &json, &err) == EVS_OK) {
      ProtobufCMessage *back = NULL;
      if (evs_json_decode(g_reg, schema->c_desc, (const char *)json.data, json.len, NULL, NULL, &back,
                          &err) != EVS_OK)
        fail("evs consume printed JSON that evs produce refuses", &err);
      protobuf_c_message_free_unpacked(back, NULL);
    } else if (err.code == EVS_OK || !err.msg[0]) {
      fail("print failure without code and message", &err);
    }
    evs_buf_free(&json);
    protobuf_c_message_free_unpacked(msg, NULL);
  }
  rd_kafka_headers_destroy(h);
  return 0;
}
