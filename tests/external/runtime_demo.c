/* Schemas at run time: a program with no generated code for acme.orders.v1.OrderPlaced loads its descriptor
 * set, decodes JSON into a message of that type, packs it, produces it to an embedded Kafka broker and reads
 * it back through the consumer. usage: runtime_demo SET.binpb */
#include <stdio.h>
#include <string.h>

#include <evs/catalog.h>
#include <evs/json.h>
#include <evs/kafka.h>
#include <evs/registry.h>

static const char *const k_json =
    "{\"orderId\":\"o-42\",\"total\":{\"currency\":\"EUR\",\"cents\":\"1999\"},"
    "\"placedAt\":\"2026-01-01T00:00:00Z\"}";

typedef struct seen {
  const evs_registry *reg;
  int count;
  char json[256];
} seen;

static evs_status on_order(const evs_record *r, void *ctx, evs_error *err) {
  seen *s = ctx;
  evs_buf out = EVS_BUF_INIT;
  evs_status st = evs_json_encode(s->reg, r->msg, NULL, &out, err);
  if (st == EVS_OK) snprintf(s->json, sizeof s->json, "%s", (const char *)out.data);
  evs_buf_free(&out);
  s->count++;
  return st;
}

static int fail(const char *what, const evs_error *err) {
  fprintf(stderr, "runtime_demo: %s: %s\n", what, err->msg);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: runtime_demo SET.binpb\n");
    return 2;
  }
  evs_error err;
  evs_registry *reg = NULL;
  /* 1. A registry: evs's own schemas (options, well-known types) plus the user's set, loaded at run time. */
  if (evs_registry_new(&reg, &err) != EVS_OK) return fail("registry", &err);
  if (evs_registry_add_catalog(reg, &evs_builtin_catalog, &err) != EVS_OK ||
      evs_registry_load_file(reg, argv[1], &err) != EVS_OK)
    return fail(argv[1], &err);
  /* 2. The type, found by its event type; its protobuf-c descriptor was built at load time. */
  const evs_event_type *et = evs_registry_require_event_type(reg, "acme.order.placed", &err);
  if (!et) return fail("event type", &err);
  const ProtobufCMessageDescriptor *desc = et->message->c_desc;
  if (!et->message->c_desc_dynamic) {
    fprintf(stderr, "runtime_demo: expected a run-time descriptor\n");
    return 1;
  }
  /* 3. JSON in, a message out; packed as any protobuf-c message. */
  ProtobufCMessage *msg = NULL;
  if (evs_json_decode(reg, desc, k_json, strlen(k_json), NULL, NULL, &msg, &err) != EVS_OK)
    return fail("decode", &err);
  uint8_t packed[256];
  size_t n = protobuf_c_message_get_packed_size(msg);
  if (n > sizeof packed) return 1;
  protobuf_c_message_pack(msg, packed);
  /* 4. Produced to an embedded broker (topic and key from the schema's event options) and read back. */
  evs_mock_broker *broker = NULL;
  if (evs_mock_broker_new(1, &broker, &err) != EVS_OK ||
      evs_mock_broker_create_topic(broker, "orders", 1, &err) != EVS_OK)
    return fail("broker", &err);
  const char *boot = evs_mock_broker_bootstraps(broker);
  evs_producer_options po = {.kafka = {.brokers = boot}, .registry = reg};
  evs_producer *p = NULL;
  if (evs_producer_new(&po, &p, &err) != EVS_OK || evs_producer_send(p, NULL, msg, &err) != EVS_OK)
    return fail("produce", &err);
  if (evs_producer_close(p, 10000) != 0) {
    fprintf(stderr, "runtime_demo: the event was not delivered\n");
    return 1;
  }
  const char *topics[] = {"orders"};
  evs_consumer_options co = {.kafka = {.brokers = boot},
                             .registry = reg,
                             .group_id = "runtime-demo",
                             .topics = topics,
                             .n_topics = 1,
                             .from_beginning = true};
  evs_consumer *c = NULL;
  seen s = {reg, 0, ""};
  if (evs_consumer_new(&co, &c, &err) != EVS_OK || evs_consumer_on(c, "*", on_order, &s, &err) != EVS_OK)
    return fail("consumer", &err);
  for (int i = 0; i < 300 && s.count == 0; i++) {
    if (evs_consumer_poll(c, 100, NULL, &err) != EVS_OK) return fail("poll", &err);
  }
  evs_consumer_close(c);
  evs_mock_broker_free(broker);
  evs_buf json = EVS_BUF_INIT;
  if (evs_json_encode(reg, msg, NULL, &json, &err) != EVS_OK) return fail("encode", &err);
  int ok = s.count == 1 && strcmp(s.json, (const char *)json.data) == 0;
  printf("runtime schema %s: %zu bytes packed, consumed back %s\n", et->message->full_name, n,
         ok ? (const char *)json.data : "(different)");
  evs_buf_free(&json);
  protobuf_c_message_free_unpacked(msg, NULL);
  evs_registry_free(reg);
  return ok ? 0 : 1;
}
