/* libFuzzer target: arbitrary bytes as a DCB append condition and as a query (evs_store_condition_parse,
 * evs_store_query_parse: the JSON `evs store append --condition` and `--query` take).
 *
 * Seeds: tests/fuzz/store_spec_seeds (conditions and queries of every shape, and refused ones).
 * Invariants: a refusal has a message and leaves nothing to free; an accepted document has non-empty type
 * names, tags with a non-empty key and a value, `after` >= 0; written back in the DCB form it parses again
 * to the same items; the server form (store_query_json) is valid JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/json.h"
#include "evs/registry.h"
#include "google/protobuf/struct.pb-c.h"
#include "store/store_internal.h"

#define check(ok)                                                                      \
  do {                                                                                 \
    if (!(ok)) {                                                                       \
      fprintf(stderr, "invariant broken: %s (fuzz_store_spec.c:%d)\n", #ok, __LINE__); \
      abort();                                                                         \
    }                                                                                  \
  } while (0)

static void str(evs_buf *out, const char *s) {
  evs_json_append_string(out, s, strlen(s));
}

/* The query in the DCB form the parser reads: [{"types":[...],"tags":["key:value",...]},...]. */
static void write_dcb(const evs_store_query *q, evs_buf *out) {
  if (q->n_items == 0) {
    evs_buf_append_str(out, "\"all\"");
    return;
  }
  evs_buf_append_byte(out, '[');
  for (size_t i = 0; i < q->n_items; i++) {
    const evs_store_item *it = &q->items[i];
    evs_buf_append_str(out, i ? ",{\"types\":[" : "{\"types\":[");
    for (size_t t = 0; t < it->n_types; t++) {
      if (t) evs_buf_append_byte(out, ',');
      str(out, it->types[t]);
    }
    evs_buf_append_str(out, "],\"tags\":[");
    for (size_t t = 0; t < it->n_tags; t++) {
      evs_buf tag = EVS_BUF_INIT;
      evs_buf_append_str(&tag, it->tags[t].key);
      evs_buf_append_byte(&tag, ':');
      evs_buf_append_str(&tag, it->tags[t].value);
      if (t) evs_buf_append_byte(out, ',');
      evs_json_append_string(out, (const char *)tag.data, tag.len);
      evs_buf_free(&tag);
    }
    evs_buf_append_str(out, "]}");
  }
  evs_buf_append_byte(out, ']');
}

static void check_items(const evs_store_query *q) {
  check(q->n_items == 0 || q->items);
  for (size_t i = 0; i < q->n_items; i++) {
    const evs_store_item *it = &q->items[i];
    for (size_t t = 0; t < it->n_types; t++) check(it->types[t] && it->types[t][0]);
    for (size_t t = 0; t < it->n_tags; t++)
      check(it->tags[t].key && it->tags[t].key[0] && it->tags[t].value && !strchr(it->tags[t].key, ':'));
  }
}

static bool same(const evs_store_query *a, const evs_store_query *b) {
  if (a->n_items != b->n_items) return false;
  for (size_t i = 0; i < a->n_items; i++) {
    const evs_store_item *x = &a->items[i], *y = &b->items[i];
    if (x->n_types != y->n_types || x->n_tags != y->n_tags) return false;
    for (size_t t = 0; t < x->n_types; t++)
      if (strcmp(x->types[t], y->types[t]) != 0) return false;
    for (size_t t = 0; t < x->n_tags; t++)
      if (strcmp(x->tags[t].key, y->tags[t].key) != 0 || strcmp(x->tags[t].value, y->tags[t].value) != 0)
        return false;
  }
  return true;
}

static void accepted(const evs_store_query *q) {
  check_items(q);
  evs_buf dcb = EVS_BUF_INIT;
  write_dcb(q, &dcb);
  check(evs_buf_status(&dcb) == EVS_OK);
  evs_store_query again;
  evs_store_spec *owner = NULL;
  evs_error err;
  check(evs_store_query_parse((const char *)dcb.data, dcb.len, &again, &owner, &err) == EVS_OK);
  check(same(q, &again));
  evs_store_spec_free(owner);
  evs_buf_free(&dcb);
  evs_buf server = EVS_BUF_INIT;
  check(store_query_json(q, &server) == EVS_OK);
  ProtobufCMessage *m = NULL;
  check(evs_json_decode(evs_registry_builtin(NULL), &google__protobuf__value__descriptor,
                        (const char *)server.data, server.len, NULL, NULL, &m, &err) == EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  evs_buf_free(&server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *json = size ? (const char *)data : "";
  evs_error err;
  evs_store_condition c;
  evs_store_spec *owner = (evs_store_spec *)1;
  evs_status st = evs_store_condition_parse(json, size, &c, &owner, &err);
  if (st == EVS_OK) {
    check(owner);
    check(c.after >= 0);
    accepted(&c.fail_if_events_match);
    evs_store_spec_free(owner);
  } else {
    check(owner == NULL);
    check(err.msg[0] != '\0');
  }
  evs_store_query q;
  owner = (evs_store_spec *)1;
  st = evs_store_query_parse(json, size, &q, &owner, &err);
  if (st == EVS_OK) {
    check(owner);
    accepted(&q);
    evs_store_spec_free(owner);
  } else {
    check(owner == NULL);
    check(err.msg[0] != '\0');
  }
  return 0;
}
