/* UTF-8 validation: ASCII runs eight bytes at a time, then one sequence by the table 3-7 ranges. */
#include "base/utf8_internal.h"

#include <string.h>

size_t evs_utf8_seq_len(const uint8_t *s, size_t n) {
  if (n == 0) return 0;
  uint8_t c = s[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0; /* continuation byte or overlong 2-byte lead */
  if (c < 0xE0) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (n < 3 || (s[2] & 0xC0) != 0x80) return 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c == 0xE0)
      lo = 0xA0; /* overlong */
    else if (c == 0xED)
      hi = 0x9F; /* surrogates */
    return s[1] >= lo && s[1] <= hi ? 3 : 0;
  }
  if (c < 0xF5) {
    if (n < 4 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c == 0xF0)
      lo = 0x90; /* overlong */
    else if (c == 0xF4)
      hi = 0x8F; /* above U+10FFFF */
    return s[1] >= lo && s[1] <= hi ? 4 : 0;
  }
  return 0;
}

size_t evs_utf8_get(const uint8_t *s, size_t n, uint32_t *cp) {
  size_t l = evs_utf8_seq_len(s, n);
  if (l == 1) *cp = s[0];
  if (l == 2) *cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
  if (l == 3) *cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
  if (l == 4)
    *cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 |
          (s[3] & 0x3F);
  return l;
}

size_t evs_utf8_check(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    /* Skip ASCII a word at a time: no byte has its top bit set. */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    while (i < n && s[i] < 0x80) i++;
    if (i >= n) break;
    size_t l = evs_utf8_seq_len(s + i, n - i);
    if (!l) return i;
    i += l;
  }
  return n;
}

size_t evs_utf8_put(uint8_t out[4], uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (uint8_t)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (uint8_t)(0xC0 | (cp >> 6));
    out[1] = (uint8_t)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (uint8_t)(0xE0 | (cp >> 12));
    out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (uint8_t)(0xF0 | (cp >> 18));
  out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (uint8_t)(0x80 | (cp & 0x3F));
  return 4;
}
