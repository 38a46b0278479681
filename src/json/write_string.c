/* The one JSON string writer for text reports (compat JSON lines, evs list --json, violations). */
#include "evs/json.h"

#include <string.h>

evs_status evs_json_append_string(evs_buf *out, const char *s, size_t len) {
  static const char k_hex[] = "0123456789abcdef";
  evs_buf_append_byte(out, '"');
  const unsigned char *p = (const unsigned char *)s;
  size_t run = 0; /* bytes copied as they are, appended in one go */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    evs_buf_append(out, p + run, i - run);
    run = i + 1;
    char esc[7] = {'\\', 0};
    size_t n = 2;
    switch (c) {
      case '"':
        esc[1] = '"';
        break;
      case '\\':
        esc[1] = '\\';
        break;
      case '\n':
        esc[1] = 'n';
        break;
      case '\r':
        esc[1] = 'r';
        break;
      case '\t':
        esc[1] = 't';
        break;
      default:
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = k_hex[c >> 4];
        esc[5] = k_hex[c & 15];
        n = 6;
    }
    evs_buf_append(out, esc, n);
  }
  evs_buf_append(out, p + run, len - run);
  return evs_buf_append_byte(out, '"');
}

void evs_json_write_string(FILE *out, const char *s) {
  evs_buf b = EVS_BUF_INIT;
  if (evs_json_append_string(&b, s, strlen(s)) == EVS_OK)
    fwrite(b.data, 1, b.len, out);
  else
    fputs("\"\"", out); /* out of memory: still valid JSON */
  evs_buf_free(&b);
}
