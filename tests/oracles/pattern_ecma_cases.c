/* Prints, for the ECMA-262 oracle (pattern_ecma.js), one line per case: the ECMA translation of a pattern
 * (evs_pattern_to_ecma), a value and evs's verdict on it (evs_pattern_match), each field as hex of its
 * UTF-8 bytes so that any value (U+0000 included) passes unchanged. Cases: tests/unit/validate/
 * pattern_cases.h, plus quoted texts (evs_pattern_quote) that must match themselves and nothing longer. */
#include <stdio.h>
#include <string.h>

#include "evs/pattern.h"
#include "pattern_cases.h"

static void hex(const char *s, size_t n) {
  if (n == 0) fputs("-", stdout); /* an empty field stays a field */
  for (size_t i = 0; i < n; i++) printf("%02x", (unsigned char)s[i]);
}

/* One line; returns 1 on a failure of evs itself. */
static int line(const char *pattern, const char *value, size_t len) {
  evs_buf ecma = EVS_BUF_INIT;
  evs_error err;
  evs_pattern *p = NULL;
  bool m = false;
  if (evs_pattern_to_ecma(pattern, &ecma, &err) != EVS_OK ||
      evs_pattern_compile(pattern, &p, &err) != EVS_OK ||
      evs_pattern_match(p, value, len, &m, &err) != EVS_OK) {
    fprintf(stderr, "/%s/: %s\n", pattern, err.msg);
    evs_buf_free(&ecma);
    evs_pattern_free(p);
    return 1;
  }
  hex(ecma.data ? (const char *)ecma.data : "", ecma.len);
  putchar(' ');
  hex(value, len);
  printf(" %d\n", m ? 1 : 0);
  evs_buf_free(&ecma);
  evs_pattern_free(p);
  return 0;
}

int main(void) {
  int bad = 0;
  for (size_t i = 0; i < sizeof k_pattern_cases / sizeof k_pattern_cases[0]; i++) {
    const pattern_case *c = &k_pattern_cases[i];
    bad |= line(c->pattern, c->value, c->len ? c->len : strlen(c->value));
  }
  static const struct {
    const char *text;
    size_t len;
  } quoted[] = {{"a.b*c+d?e", 9},
                {"^$", 2},
                {"(x)[y]{z}|w", 11},
                {"back\\slash", 10},
                {"a-b/c_d", 7},
                {"tab\there\nnl\rcr", 15},
                {"\xC3\xA9\xF0\x9F\x98\x80", 6},
                {"$1.00 (^_^)", 11},
                {"a\0b", 3}};
  for (size_t i = 0; i < sizeof quoted / sizeof quoted[0]; i++) {
    evs_buf q = EVS_BUF_INIT;
    char longer[32];
    if (evs_pattern_quote(quoted[i].text, quoted[i].len, &q) != EVS_OK ||
        evs_buf_append_byte(&q, '$') != EVS_OK) {
      bad = 1;
    } else {
      char anchored[128];
      snprintf(anchored, sizeof anchored, "^%s", (const char *)q.data);
      memcpy(longer, quoted[i].text, quoted[i].len);
      longer[quoted[i].len] = 'x';
      bad |= line(anchored, quoted[i].text, quoted[i].len);
      bad |= line(anchored, longer, quoted[i].len + 1);
    }
    evs_buf_free(&q);
  }
  return bad;
}
