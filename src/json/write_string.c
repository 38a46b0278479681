/* The one JSON string writer for text reports (compat JSON lines, evs list --json, violations). */
#include "evs/json.h"

#include <stdio.h>
#include <string.h>

/* Where the escaped text goes: a buffer, or straight into a stream, which needs no memory (an out-of-memory
 * report line must not come out with an emptied string). */
typedef void (*sink_fn)(void *ctx, const void *p, size_t n);

static void put_buf(void *ctx, const void *p, size_t n) {
  evs_buf_append(ctx, p, n);
}

static void put_file(void *ctx, const void *p, size_t n) {
  if (n) fwrite(p, 1, n, ctx);
}

static void escape(const char *s, size_t len, sink_fn put, void *out) {
  static const char k_hex[] = "0123456789abcdef";
  put(out, "\"", 1);
  const unsigned char *p = (const unsigned char *)s;
  size_t run = 0; /* bytes copied as they are, appended in one go */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    put(out, p + run, i - run);
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
    put(out, esc, n);
  }
  put(out, p + run, len - run);
  put(out, "\"", 1);
}

evs_status evs_json_append_string(evs_buf *out, const char *s, size_t len) {
  escape(s, len, put_buf, out);
  return evs_buf_status(out);
}

void evs_json_write_string(FILE *out, const char *s) {
  escape(s, strlen(s), put_file, out);
}
