/* libFuzzer target: arbitrary bytes as a pattern (up to the first NUL), and as a text to quote.
 *
 * Seeds: tests/fuzz/pattern_seeds (accepted patterns of every construct, and refused ones).
 * Invariants: check, compile and to_ecma agree on accept/refuse, and a refusal has a message and an offset
 * inside the pattern; an accepted pattern matches a few values (the input itself among them) with the same
 * verdict on the backtracking path and on the DFA fallback; a quoted text compiles and, anchored, matches
 * exactly itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8_internal.h"
#include "validate/pattern_internal.h"

#define check(ok)                                                                   \
  do {                                                                              \
    if (!(ok)) {                                                                    \
      fprintf(stderr, "invariant broken: %s (fuzz_pattern.c:%d)\n", #ok, __LINE__); \
      abort();                                                                      \
    }                                                                               \
  } while (0)

static void same_verdicts(const evs_pattern *p, const char *v, size_t n) {
  if (evs_utf8_check((const uint8_t *)v, n) < n) return; /* callers guarantee UTF-8 values */
  bool m = false, d = false;
  check(evs_pattern_match(p, v, n, &m, NULL) == EVS_OK);
  check(evs_pattern_match_dfa(p, v, n, &d, NULL) == EVS_OK);
  check(m == d);
}

static void quote_round_trip(const char *text, size_t n) {
  evs_buf q = EVS_BUF_INIT;
  if (evs_pattern_quote(text, n, &q) != EVS_OK) {
    check(evs_utf8_check((const uint8_t *)text, n) < n);
    return;
  }
  evs_buf anchored = EVS_BUF_INIT;
  (void)evs_buf_append_byte(&anchored, '^');
  if (q.len) (void)evs_buf_append(&anchored, q.data, q.len);
  (void)evs_buf_append_byte(&anchored, '$');
  check(evs_buf_status(&anchored) == EVS_OK);
  evs_pattern *p = NULL;
  evs_status st = evs_pattern_compile((const char *)anchored.data, &p, NULL);
  if (st == EVS_ERR_LIMIT) goto done; /* a long text can be longer than a pattern may be */
  check(st == EVS_OK);
  bool m = false;
  check(evs_pattern_match(p, text, n, &m, NULL) == EVS_OK && m);
  evs_pattern_free(p);
done:
  evs_buf_free(&q);
  evs_buf_free(&anchored);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > EVS_PATTERN_MAX_LEN + 16) size = EVS_PATTERN_MAX_LEN + 16;
  char *src = malloc(size + 1);
  check(src);
  memcpy(src, data, size);
  src[size] = '\0';
  size_t len = strlen(src);

  evs_error err;
  evs_status checked = evs_pattern_check(src, &err);
  if (checked != EVS_OK) {
    check(err.msg[0] != '\0');
    check(err.offset <= len);
  }
  evs_pattern *p = NULL;
  evs_status compiled = evs_pattern_compile(src, &p, &err);
  check(compiled == checked);
  evs_buf ecma = EVS_BUF_INIT;
  check(evs_pattern_to_ecma(src, &ecma, &err) == checked);
  evs_buf_free(&ecma);
  if (p) {
    check(strcmp(evs_pattern_source(p), src) == 0);
    static const char *const values[] = {"", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "A-z_0 9\n\r\t",
                                         "\xC3\xA9\xF0\x9F\x98\x80"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
      same_verdicts(p, values[i], strlen(values[i]));
    same_verdicts(p, (const char *)data, size < 256 ? size : 256);
    evs_pattern_free(p);
  }
  quote_round_trip((const char *)data, size < 512 ? size : 512);
  free(src);
  return 0;
}
