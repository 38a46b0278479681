/* libFuzzer target: arbitrary bytes as a binary message, the way `evs decode` handles them:
 * evs_binary_unpack() (the guard), evs_json_encode(); tried as
 * evs.test.v1.AllTypes, evs.test.v1.Recursive (depth) and evs.events.workflow.v1.WorkflowEvent.
 *
 * Built by tests/CMakeLists.txt when EVS_FUZZ=ON; ctest runs it briefly with binary seeds made from the
 * JSON goldens (tests/fuzz/run_fuzz.sh). AllTypes is tried once more through run-time descriptors (strings
 * held with a length, groups kept as unknown fields). Invariants, each an abort when broken:
 *   - the guard bounds what unpack sees (no stack exhaustion: ASan would report it);
 *   - every failure fills a code and a message;
 *   - printed JSON reads back AT THE SAME DEPTH LIMIT (depth is one notion, message levels, in the guard
 *     and both directions of the codec), and printing that message gives the same text (canonical). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/catalog.h"
#include "evs/json.h"
#include "evs/registry.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same types from their descriptor sets alone: every descriptor is built at run time. */
static const evs_registry *g_dyn;
static const evs_registry *dyn_registry(void) {
  if (!g_dyn) {
    evs_registry *reg = NULL;
    evs_error err;
    if (evs_registry_new(&reg, &err) != EVS_OK ||
        evs_registry_add_descriptor_set(reg, evs_builtin_catalog.descriptor_set,
                                        evs_builtin_catalog.descriptor_set_len, "builtin", &err) ||
        evs_registry_add_descriptor_set(reg, evs_test_alltypes_catalog.descriptor_set,
                                        evs_test_alltypes_catalog.descriptor_set_len, "alltypes", &err))
      abort();
    g_dyn = reg;
  }
  return g_dyn;
}

/* Packing what was unpacked and unpacking that again packs the same bytes (unknown fields and groups
 * included). */
static void repack_stable(const ProtobufCMessage *msg, int max_depth) {
  size_t n = protobuf_c_message_get_packed_size(msg);
  uint8_t *b1 = malloc(n ? n : 1);
  if (!b1) abort();
  protobuf_c_message_pack(msg, b1);
  evs_error err;
  evs_unpack_options uo = {.max_depth = max_depth};
  ProtobufCMessage *again = NULL;
  evs_fuzz_check(evs_binary_unpack(msg->descriptor, b1, n, &uo, NULL, &again, &err) == EVS_OK,
                 "evs rejects bytes it packed", &err);
  size_t n2 = protobuf_c_message_get_packed_size(again);
  uint8_t *b2 = malloc(n2 ? n2 : 1);
  if (!b2) abort();
  protobuf_c_message_pack(again, b2);
  evs_fuzz_check(n == n2 && memcmp(b1, b2, n) == 0, "packing is not stable", &err);
  protobuf_c_message_free_unpacked(again, NULL);
  free(b1);
  free(b2);
}

static void one_in(const evs_registry *reg, const char *type, const uint8_t *data, size_t size,
                   int max_depth) {
  const evs_message *m = evs_registry_find_message(reg, type);
  evs_error err;
  evs_error_clear(&err);
  evs_unpack_options uo = {.max_depth = max_depth};
  ProtobufCMessage *msg = NULL;
  if (evs_binary_unpack(m->c_desc, data, size, &uo, NULL, &msg, &err) != EVS_OK) {
    evs_fuzz_check(err.code != EVS_OK && err.msg[0] != 0 && !msg, "guard failure without code and message",
                   &err);
    return;
  }
  if (m->c_desc_dynamic) repack_stable(msg, max_depth);
  evs_buf json1 = EVS_BUF_INIT, json2 = EVS_BUF_INIT;
  evs_json_options opts = {.max_depth = max_depth};
  evs_status st = evs_json_encode(reg, msg, &opts, &json1, &err);
  protobuf_c_message_free_unpacked(msg, NULL);
  if (st != EVS_OK) {
    evs_fuzz_check(err.code == st && err.msg[0] != 0 && json1.len == 0,
                   "print failure without code/message, or output", &err);
    evs_buf_free(&json1);
    return;
  }
  ProtobufCMessage *again = NULL;
  if (evs_json_decode(reg, m->c_desc, (const char *)json1.data, json1.len, &opts, NULL, &again, &err) !=
      EVS_OK) {
    evs_fuzz_check(0, "evs rejects its own output", &err);
  } else {
    evs_fuzz_check(evs_json_encode(reg, again, &opts, &json2, &err) == EVS_OK,
                   "the re-read message does not print", &err);
    evs_fuzz_check((json1.len == json2.len && memcmp(json1.data, json2.data, json1.len) == 0) ||
                       evs_fuzz_same_but_negative_zero(&json1, &json2),
                   "printing is not stable", &err);
    protobuf_c_message_free_unpacked(again, NULL);
  }
  evs_buf_free(&json1);
  evs_buf_free(&json2);
}

static void one(const char *type, const uint8_t *data, size_t size, int max_depth) {
  one_in(evs_fuzz_registry(), type, data, size, max_depth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one("evs.test.v1.AllTypes", data, size, 0);
  one_in(dyn_registry(), "evs.test.v1.AllTypes", data, size, 0);
  one("evs.test.v1.Recursive", data, size, 64);
  one("evs.events.workflow.v1.WorkflowEvent", data, size, 0);
  return 0;
}
