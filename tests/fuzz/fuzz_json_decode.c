/* libFuzzer target: arbitrary bytes as a JSON document of evs.test.v1.AllTypes (every field type) and of
 * evs.events.workflow.v1.WorkflowEvent (a catalog event with a Struct payload).
 *
 * Built by tests/CMakeLists.txt when EVS_FUZZ=ON (clang -fsanitize=fuzzer,address,undefined); ctest runs
 * it for a short while with the JSON goldens as seeds (tests/fuzz/run_fuzz.sh).
 * Invariants, each an abort when broken:
 *   - a rejection fills a code, a message and a location, and leaves *out NULL (ASan: nothing leaks);
 *   - an accepted document packs with evs_binary_pack to exactly protobuf_c_message_pack's bytes;
 *   - decoding into an evs_arena (where the decoder shares allocations) gives the same result: the same
 *     error (code, message, offset) or the same packed bytes;
 *   - an accepted document prints (evs_json_encode succeeds), and the printed JSON reads back to a message
 *     that prints to the same text (printing is canonical and loses nothing it printed).
 * Reading back is not required to give the same bytes as the first parse (a document may hold what
 * printing normalizes, e.g. "1e2" for 100). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/arena.h"
#include "evs/catalog.h"
#include "evs/json.h"
#include "evs/registry.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *type, const uint8_t *data, size_t size, uint32_t flags) {
  const evs_registry *reg = evs_fuzz_registry();
  const evs_message *m = evs_registry_find_message(reg, type);
  evs_json_options opts = {.flags = flags};
  ProtobufCMessage *msg = (ProtobufCMessage *)(uintptr_t)1, *in_arena = NULL;
  evs_error err, aerr;
  evs_error_clear(&err);
  static evs_arena *arena;
  if (!arena) arena = evs_arena_new(0);
  evs_arena_reset(arena);
  ProtobufCAllocator al = evs_arena_allocator(arena);
  evs_status ast = evs_json_decode(reg, m->c_desc, (const char *)data, size, &opts, &al, &in_arena, &aerr);
  if (evs_json_decode(reg, m->c_desc, (const char *)data, size, &opts, NULL, &msg, &err) != EVS_OK) {
    evs_fuzz_check(ast == err.code && aerr.offset == err.offset && strcmp(aerr.msg, err.msg) == 0,
                   "decoding into an arena fails differently", &aerr);
    evs_fuzz_check(msg == NULL, "*out not NULL after a failure", &err);
    evs_fuzz_check(err.code != EVS_OK && err.msg[0] != 0, "failure without code and message", &err);
    evs_fuzz_check(err.line > 0 && err.col > 0 && err.offset != EVS_NO_OFFSET && err.offset <= size,
                   "failure without a location in the input", &err);
    return;
  }
  evs_buf json1 = EVS_BUF_INIT, json2 = EVS_BUF_INIT;
  size_t packed = protobuf_c_message_get_packed_size(msg);
  uint8_t *theirs = malloc(packed + 1);
  evs_fuzz_check(theirs != NULL && evs_binary_pack(msg, &json1, &err) == EVS_OK && json1.len == packed &&
                     protobuf_c_message_pack(msg, theirs) == packed &&
                     (packed == 0 || !memcmp(theirs, json1.data, packed)),
                 "evs_binary_pack differs from protobuf_c_message_pack", &err);
  free(theirs);
  evs_fuzz_check(ast == EVS_OK && evs_binary_pack(in_arena, &json2, &aerr) == EVS_OK && json2.len == packed &&
                     (packed == 0 || !memcmp(json1.data, json2.data, packed)),
                 "decoding into an arena gives other bytes", &aerr);
  evs_buf_reset(&json1);
  evs_buf_reset(&json2);
  evs_json_options print = {.flags = EVS_JSON_PROTO_NAMES};
  evs_fuzz_check(evs_json_encode(reg, msg, &print, &json1, &err) == EVS_OK,
                 "an accepted document does not print", &err);
  protobuf_c_message_free_unpacked(msg, NULL);
  msg = NULL;
  if (evs_json_decode(reg, m->c_desc, (const char *)json1.data, json1.len, NULL, NULL, &msg, &err) !=
      EVS_OK) {
    evs_fuzz_check(0, "evs rejects its own output", &err);
  } else {
    evs_fuzz_check(evs_json_encode(reg, msg, &print, &json2, &err) == EVS_OK,
                   "the re-read message does not print", &err);
    evs_fuzz_check((json1.len == json2.len && memcmp(json1.data, json2.data, json1.len) == 0) ||
                       evs_fuzz_same_but_negative_zero(&json1, &json2),
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
