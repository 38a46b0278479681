/* libFuzzer target: arbitrary bytes as a binary message, the way `evs decode` handles them:
 * evs_binary_unpack() (the guard), evs_json_encode(); tried as
 * evs.test.v1.AllTypes, evs.test.v1.Recursive (depth) and evs.events.workflow.v1.WorkflowEvent.
 *
 * Built by tests/CMakeLists.txt when EVS_FUZZ=ON; ctest runs it briefly with binary seeds made from the
 * JSON goldens (tests/fuzz/run_fuzz.sh). Invariants, each an abort when broken:
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

static void one(const char *type, const uint8_t *data, size_t size, int max_depth) {
  const evs_registry *reg = evs_fuzz_registry();
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one("evs.test.v1.AllTypes", data, size, 0);
  one("evs.test.v1.Recursive", data, size, 64);
  one("evs.events.workflow.v1.WorkflowEvent", data, size, 0);
  return 0;
}
