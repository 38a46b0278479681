/* libFuzzer target: arbitrary bytes as a CloudEvents JSON line (as `evs validate --events` reads), its
 * payload decoded as its event type's message from the builtin catalog, then validated with the envelope.
 *
 * Invariants, each an abort when broken:
 *   - validation returns EVS_OK with no violations or EVS_ERR_VALIDATION with at least one (never another
 *     code on a decoded message: the catalog's rules all compile);
 *   - every violation has a rule id, a message and paths; its value, when present, is one JSON value
 *     (it reads back as google.protobuf.Value) of at most EVS_VIOLATION_VALUE_MAX bytes;
 *   - the JSON form reads back as a google.protobuf.ListValue, and fail-fast finds exactly the first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/cloudevents.h"
#include "evs/json.h"
#include "evs/registry.h"
#include "evs/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const evs_registry *g_reg;
static evs_validator *g_v;

static void check(int ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "invariant broken: %s\n", what);
  abort();
}

/* Fixed "now", so that runs repeat. */
static void clock_fn(void *ctx, int64_t *s, int32_t *ns) {
  (void)ctx;
  *s = 1735689600;
  *ns = 0;
}

static void reads_as(const char *type, const char *json, size_t len) {
  const evs_message *m = evs_registry_find_message(g_reg, type);
  ProtobufCMessage *msg = NULL;
  evs_error err;
  check(evs_json_decode(g_reg, m->c_desc, json, len, NULL, NULL, &msg, &err) == EVS_OK, type);
  protobuf_c_message_free_unpacked(msg, NULL);
}

static void check_list(const evs_violations *vs) {
  for (size_t i = 0; i < vs->n; i++) {
    const evs_violation *x = &vs->v[i];
    check(x->rule_id && *x->rule_id && x->message && *x->message && x->path && x->json_path,
          "violation fields");
    if (x->value) {
      check(strlen(x->value) <= EVS_VIOLATION_VALUE_MAX, "value length");
      reads_as("google.protobuf.Value", x->value, strlen(x->value));
    }
  }
  evs_buf b = EVS_BUF_INIT;
  check(evs_violations_json(vs, &b) == EVS_OK, "violations json");
  reads_as("google.protobuf.ListValue", (const char *)b.data, b.len);
  evs_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  evs_error err;
  if (!g_reg) {
    g_reg = evs_registry_builtin(&err);
    evs_validate_options o = {clock_fn, NULL};
    check(g_reg && evs_validator_new(g_reg, &o, &g_v, &err) == EVS_OK, "setup");
  }
  evs_buf store = EVS_BUF_INIT;
  evs_ce_event ce;
  if (evs_ce_parse_json((const char *)data, size, EVS_CE_PARTIAL, &ce, &store, &err) != EVS_OK) goto out;
  evs_violations vs;
  evs_violations_init(&vs);
  evs_status st = evs_validate_event(g_v, &ce, 0, &vs, &err);
  check(st == EVS_OK ? vs.n == 0 : (st == EVS_ERR_VALIDATION && vs.n > 0), "envelope verdict");
  check_list(&vs);
  const evs_event_type *et = ce.type ? evs_registry_find_event_type(g_reg, ce.type) : NULL;
  ProtobufCMessage *msg = NULL;
  if (et && ce.data_kind == EVS_CE_DATA_JSON &&
      evs_json_decode(g_reg, et->message->c_desc, ce.data, ce.data_len, NULL, NULL, &msg, &err) == EVS_OK) {
    evs_violations_reset(&vs);
    st = evs_validate_message(g_v, msg, 0, &vs, &err);
    check(st == EVS_OK ? vs.n == 0 : (st == EVS_ERR_VALIDATION && vs.n > 0), "payload verdict");
    check_list(&vs);
    evs_violations one;
    evs_violations_init(&one);
    evs_status st1 = evs_validate_message(g_v, msg, EVS_VALIDATE_FAIL_FAST, &one, &err);
    check(st1 == st && one.n == (vs.n ? 1u : 0u), "fail-fast count");
    if (one.n)
      check(strcmp(one.v[0].rule_id, vs.v[0].rule_id) == 0 && strcmp(one.v[0].path, vs.v[0].path) == 0,
            "fail-fast finds the first");
    evs_violations_free(&one);
    protobuf_c_message_free_unpacked(msg, NULL);
  }
  evs_violations_free(&vs);
out:
  evs_buf_free(&store);
  return 0;
}
