/* libFuzzer target: arbitrary bytes as one CloudEvents structured-mode JSON line (evs_ce_parse_json), in
 * strict and partial mode, and every accepted event through the Kafka header mapping.
 *
 * Built by tests/CMakeLists.txt when EVS_FUZZ=ON; ctest runs it briefly seeded with the event lines of
 * tests/integration/data (tests/fuzz/run_fuzz.sh). Invariants, each an abort when broken:
 *   - a rejection has a code, a message and a byte offset inside the input, and leaves the event zeroed;
 *   - an accepted event writes (evs_ce_write_json), and the written line parses back to the same
 *     attributes and payload;
 *   - its binary-mode headers (evs_ce_to_headers) read back (evs_ce_from_headers) to the same attributes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/cloudevents.h"
#include "fuzz_support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_string(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_attrs(const evs_ce_event *a, const evs_ce_event *b) {
  return same_string(a->specversion, b->specversion) && same_string(a->id, b->id) &&
         same_string(a->source, b->source) && same_string(a->type, b->type) &&
         same_string(a->time, b->time) && same_string(a->subject, b->subject) &&
         same_string(a->dataschema, b->dataschema) && same_string(a->content_type, b->content_type) &&
         same_string(a->schema_version, b->schema_version) &&
         same_string(a->correlation_id, b->correlation_id) && same_string(a->causation_id, b->causation_id) &&
         same_string(a->tags, b->tags);
}

static int same_payload(const evs_ce_event *a, const evs_ce_event *b) {
  return a->data_kind == b->data_kind && a->data_len == b->data_len &&
         (!a->data_len || memcmp(a->data, b->data, a->data_len) == 0);
}

static void one(const uint8_t *data, size_t size, uint32_t flags) {
  evs_buf s1 = EVS_BUF_INIT, s2 = EVS_BUF_INIT;
  evs_ce_event a, b;
  evs_error err;
  evs_error_clear(&err);
  if (evs_ce_parse_json((const char *)data, size, flags, &a, &s1, &err) != EVS_OK) {
    evs_fuzz_check(err.code != EVS_OK && err.msg[0] != 0, "failure without code and message", &err);
    evs_fuzz_check(err.offset != EVS_NO_OFFSET && err.offset <= size && err.line > 0,
                   "failure without a location", &err);
    evs_fuzz_check(!a.type && !a.id && a.data_kind == EVS_CE_DATA_NONE && !a.data,
                   "event not zeroed after a failure", &err);
    evs_buf_free(&s1);
    return;
  }
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) abort();
  evs_status st = evs_ce_write_json(f, &a, &err);
  fclose(f);
  evs_fuzz_check(st == EVS_OK, "an accepted event does not write", &err);
  evs_fuzz_check(evs_ce_parse_json(text, len, flags, &b, &s2, &err) == EVS_OK,
                 "evs rejects the line it wrote", &err);
  evs_fuzz_check(same_attrs(&a, &b), "the written line reads back to other attributes", &err);
  evs_fuzz_check(same_payload(&a, &b), "the written line reads back to another payload", &err);
  free(text);

  evs_ce_header h[EVS_CE_MAX_HEADERS];
  size_t n = 0;
  evs_fuzz_check(evs_ce_to_headers(&a, h, &n, &err) == EVS_OK, "an accepted event has no headers", &err);
  evs_fuzz_check(evs_ce_from_headers(h, n, &b, &s2, &err) == EVS_OK, "its headers do not read back", &err);
  evs_fuzz_check(same_attrs(&a, &b), "its headers read back to other attributes", &err);
  evs_buf_free(&s1);
  evs_buf_free(&s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one(data, size, 0);
  one(data, size, EVS_CE_PARTIAL);
  return 0;
}
