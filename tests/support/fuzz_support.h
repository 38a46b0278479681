/* Helpers the libFuzzer targets share (tests/fuzz/): the invariant check, the test registry, and the
 * comparison of printed JSON up to protobuf-c's -0. Header-only: each target is one source file. */
#ifndef EVS_TESTS_FUZZ_SUPPORT_H
#define EVS_TESTS_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/buf.h"
#include "evs/catalog.h"
#include "evs/error.h"
#include "evs/registry.h"

extern const evs_catalog evs_test_alltypes_catalog;

/* Aborts (the fuzzer's crash) when an invariant is broken, saying which and what err held. */
static inline void evs_fuzz_check(int ok, const char *what, const evs_error *err) {
  if (ok) return;
  fprintf(stderr, "invariant broken: %s (%s: %s at offset %zu, %u:%u, path %s)\n", what,
          evs_status_name(err->code), err->msg, err->offset, err->line, err->col, err->path);
  abort();
}

/* The built-in catalog plus the test schema (evs.test.v1.AllTypes, every field type), made once. */
static inline const evs_registry *evs_fuzz_registry(void) {
  static const evs_registry *reg;
  if (!reg) {
    evs_registry *r = NULL;
    evs_error err;
    if (evs_registry_new(&r, &err) != EVS_OK || evs_registry_add_catalog(r, &evs_builtin_catalog, &err) ||
        evs_registry_add_catalog(r, &evs_test_alltypes_catalog, &err))
      abort();
    reg = r;
  }
  return reg;
}

/* protobuf-c 1.4.1 drops -0.0 in plain proto3 double/float fields when packing (known_failures.txt,
 * y_double_negative_zero); evs packs the contents of an Any, so a -0 there prints as 0 the second time.
 * Equal up to that: the texts match once every JSON number token -0 is read as 0. */
static inline bool evs_fuzz_same_but_negative_zero(const evs_buf *a, const evs_buf *b) {
  size_t i = 0, k = 0;
  while (i < a->len && k < b->len) {
    bool after_sep = i > 0 && (a->data[i - 1] == ':' || a->data[i - 1] == ',' || a->data[i - 1] == '[');
    if (after_sep && a->data[i] == '-' && i + 1 < a->len && a->data[i + 1] == '0' && b->data[k] == '0' &&
        (i + 2 == a->len || strchr(",}]", a->data[i + 2]))) {
      i++;
      continue;
    }
    if (a->data[i] != b->data[k]) return false;
    i++;
    k++;
  }
  return i == a->len && k == b->len;
}

#endif
