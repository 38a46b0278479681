/* libFuzzer target: arbitrary bytes as a JSON document of evs.test.v1.AllTypes (every field type) and of
 * evs.events.workflow.v1.WorkflowEvent (a catalog event with a Struct payload).
 *
 * Built by tests/CMakeLists.txt when EVS_FUZZ=ON (clang -fsanitize=fuzzer,address,undefined); ctest runs
 * it for a short while with the JSON goldens as seeds (tests/fuzz/run_fuzz.sh).
 * Invariants, each an abort when broken:
 *   - a rejection fills a code, a message and a location, and leaves *out NULL (ASan: nothing leaks);
 *   - an accepted document packs with evs_binary_pack to exactly protobuf_c_message_pack's bytes;
 *   - an accepted document prints (evs_json_encode succeeds), and the printed JSON reads back to a message
 *     that prints to the same text (printing is canonical and loses nothing it printed).
 * Reading back is not required to give the same bytes as the first parse (a document may hold what
 * printing normalizes, e.g. "1e2" for 100). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/catalog.h"
#include "evs/json.h"
#include "evs/registry.h"

extern const evs_catalog evs_test_alltypes_catalog;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const evs_registry *g_reg;

static void check(int ok, const char *what, const evs_error *err) {
  if (ok) return;
  fprintf(stderr, "invariant broken: %s (%s: %s at %u:%u path %s)\n", what, evs_status_name(err->code),
          err->msg, err->line, err->col, err->path);
  abort();
}

/* protobuf-c 1.4.1 drops -0.0 in plain proto3 double/float fields when packing (known_failures.txt,
 * y_double_negative_zero); evs packs the contents of an Any, so a -0 there prints as 0 the second time.
 * Equal up to that: the texts match once every JSON number token -0 is read as 0. */
static int same_but_negative_zero(const evs_buf *a, const evs_buf *b) {
  size_t i = 0, k = 0;
  while (i < a->len && k < b->len) {
    bool after_sep = i > 0 && (a->data[i - 1] == ':' || a->data[i - 1] == ',' || a->data[i - 1] == '[');
    if (after_sep && a->data[i] == '-' && i + 1 < a->len && a->data[i + 1] == '0' && b->data[k] == '0' &&
        (i + 2 == a->len || strchr(",}]", a->data[i + 2]))) {
      i++;
      continue;
    }
    if (a->data[i] != b->data[k]) return 0;
    i++;
    k++;
  }
  return i == a->len && k == b->len;
}

static const evs_registry *registry(void) {
  if (!g_reg) {
    evs_registry *reg = NULL;
    evs_error err;
    if (evs_registry_new(&reg, &err) != EVS_OK || evs_registry_add_catalog(reg, &evs_builtin_catalog, &err) ||
        evs_registry_add_catalog(reg, &evs_test_alltypes_catalog, &err))
      abort();
    g_reg = reg;
  }
  return g_reg;
}

static void one(const char *type, const uint8_t *data, size_t size, uint32_t flags) {
  const evs_registry *reg = registry();
  const evs_message *m = evs_registry_find_message(reg, type);
  evs_json_options opts = {.flags = flags};
  ProtobufCMessage *msg = (ProtobufCMessage *)(uintptr_t)1;
  evs_error err;
  evs_error_clear(&err);
  if (evs_json_decode(reg, m->c_desc, (const char *)data, size, &opts, NULL, &msg, &err) != EVS_OK) {
    check(msg == NULL, "*out not NULL after a failure", &err);
    check(err.code != EVS_OK && err.msg[0] != 0, "failure without code and message", &err);
    check(err.line > 0 && err.col > 0 && err.offset != EVS_NO_OFFSET && err.offset <= size,
          "failure without a location in the input", &err);
    return;
  }
  evs_buf json1 = EVS_BUF_INIT, json2 = EVS_BUF_INIT;
  size_t packed = protobuf_c_message_get_packed_size(msg);
  uint8_t *theirs = malloc(packed + 1);
  check(theirs != NULL && evs_binary_pack(msg, &json1, &err) == EVS_OK && json1.len == packed &&
            protobuf_c_message_pack(msg, theirs) == packed &&
            (packed == 0 || !memcmp(theirs, json1.data, packed)),
        "evs_binary_pack differs from protobuf_c_message_pack", &err);
  free(theirs);
  evs_buf_reset(&json1);
  evs_json_options print = {.flags = EVS_JSON_PROTO_NAMES};
  check(evs_json_encode(reg, msg, &print, &json1, &err) == EVS_OK, "an accepted document does not print",
        &err);
  protobuf_c_message_free_unpacked(msg, NULL);
  msg = NULL;
  if (evs_json_decode(reg, m->c_desc, (const char *)json1.data, json1.len, NULL, NULL, &msg, &err) !=
      EVS_OK) {
    check(0, "evs rejects its own output", &err);
  } else {
    check(evs_json_encode(reg, msg, &print, &json2, &err) == EVS_OK, "the re-read message does not print",
          &err);
    check((json1.len == json2.len && memcmp(json1.data, json2.data, json1.len) == 0) ||
              same_but_negative_zero(&json1, &json2),
          "the printed JSON reads back to a message that prints differently", &err);
    protobuf_c_message_free_unpacked(msg, NULL);
  }
  evs_buf_free(&json1);
  evs_buf_free(&json2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one("evs.test.v1.AllTypes", data, size, 0);
  one("evs.test.v1.AllTypes", data, size, EVS_JSON_IGNORE_UNKNOWN);
  one("evs.events.workflow.v1.WorkflowEvent", data, size, 0);
  return 0;
}
