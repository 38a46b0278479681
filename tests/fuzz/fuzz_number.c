/* libFuzzer target: the JSON number printer and parser (src/json/number.c) against glibc.
 *
 * Seeds: tests/fuzz/number_seeds (hard decimals: halfway cases, subnormals, the range ends, and raw
 * doubles).
 * Invariants: the first 8 bytes as a double and the first 4 as a float print as the %.{p}g loop prints
 * them (p from 15 for doubles, 6 for floats, from 1 for subnormals, the first that reads back): the text
 * reads back with strtod/strtof as the same bits and no shorter %.{N}g does; a text the number scanner
 * accepts converts exactly as strtod and strtof convert it, out of range (EVS_ERR_RANGE) exactly where
 * strtod overflows (doubles) or where its double reaches FLT_MAX + half an ulp (floats). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"

#define check(ok)                                                                  \
  do {                                                                             \
    if (!(ok)) {                                                                   \
      fprintf(stderr, "invariant broken: %s (fuzz_number.c:%d)\n", #ok, __LINE__); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

static void printer_double(double v) {
  if (!isfinite(v)) return;
  char got[EVS_JNUM_BUF], want[64];
  size_t n = evs_format_double(v, got);
  check(n == strlen(got));
  double back = strtod(got, NULL);
  check(memcmp(&back, &v, sizeof v) == 0 || (v == 0 && back == 0));
  int first = fabs(v) < DBL_MIN && v != 0 ? 1 : 15;
  for (int p = first; p <= 17; p++) {
    snprintf(want, sizeof want, "%.*g", p, v);
    if (p == 17 || strtod(want, NULL) == v) break;
  }
  if (v == 0) return; /* "0" / "-0" either way */
  if (strcmp(got, want) != 0) fprintf(stderr, "%a: evs %s, printf %s\n", v, got, want);
  check(strcmp(got, want) == 0);
}

static void printer_float(float v) {
  if (!isfinite(v)) return;
  char got[EVS_JNUM_BUF], want[64];
  evs_format_float(v, got);
  float back = strtof(got, NULL);
  check(back == v);
  for (int p = fabsf(v) < FLT_MIN && v != 0 ? 1 : 6; p <= 9; p++) {
    snprintf(want, sizeof want, "%.*g", p, (double)v);
    if (p == 9 || strtof(want, NULL) == v) break;
  }
  if (v == 0) return;
  if (strcmp(got, want) != 0) fprintf(stderr, "%a: evs %s, printf %s\n", (double)v, got, want);
  check(strcmp(got, want) == 0);
}

static void parser(const uint8_t *data, size_t size) {
  char text[512];
  if (size >= sizeof text) size = sizeof text - 1;
  memcpy(text, data, size);
  evs_jnum num;
  const char *why = NULL;
  size_t bad = 0;
  size_t n = evs_jnum_scan(text, size, &num, &why, &bad);
  if (n == 0) return;
  text[n] = '\0';
  double want = strtod(text, NULL), got = 0;
  evs_status st = evs_jnum_to_double(text, n, &num, &got);
  if (isinf(want)) {
    check(st == EVS_ERR_RANGE);
  } else {
    check(st == EVS_OK);
    check(memcmp(&got, &want, sizeof got) == 0);
  }
  float wantf = strtof(text, NULL), gotf = 0;
  st = evs_jnum_to_float(text, n, &num, &gotf);
  if (fabs(want) >= 0x1.ffffffp127) {
    check(st == EVS_ERR_RANGE);
  } else {
    check(st == EVS_OK);
    check(memcmp(&gotf, &wantf, sizeof gotf) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 8) {
    double v;
    memcpy(&v, data, sizeof v);
    printer_double(v);
  }
  if (size >= 4) {
    float f;
    memcpy(&f, data, sizeof f);
    printer_float(f);
  }
  parser(data, size);
  return 0;
}
