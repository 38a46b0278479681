/* Base64: table-driven, three bytes <-> four characters per step. */
#include "base/base64_internal.h"

static const char k_enc[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for both alphabets, 64 for '=', 255 for anything else. */
static const uint8_t k_dec[256] = {
    ['A'] = 0,  ['B'] = 1,  ['C'] = 2,  ['D'] = 3,  ['E'] = 4,  ['F'] = 5,  ['G'] = 6,  ['H'] = 7,
    ['I'] = 8,  ['J'] = 9,  ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
    ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
    ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
    ['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63,
    ['-'] = 62, ['_'] = 63, ['='] = 64,
};

/* k_dec maps every unlisted byte to 0, which is also 'A': this marks which bytes are really digits. */
static bool is_b64(unsigned char c) {
  return c == 'A' || k_dec[c] != 0;
}

size_t evs_base64_encoded_len(size_t n) {
  if (n > (SIZE_MAX / 4) * 3 - 2) return 0;
  return (n + 2) / 3 * 4;
}

void evs_base64_encode(const uint8_t *in, size_t n, char *out) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    *out++ = k_enc[v >> 18];
    *out++ = k_enc[(v >> 12) & 63];
    *out++ = k_enc[(v >> 6) & 63];
    *out++ = k_enc[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    *out++ = k_enc[v >> 18];
    *out++ = k_enc[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    *out++ = k_enc[v >> 18];
    *out++ = k_enc[(v >> 12) & 63];
    *out++ = k_enc[(v >> 6) & 63];
    *out++ = '=';
  }
}

size_t evs_base64_decoded_max(size_t n) {
  return n / 4 * 3 + 3;
}

bool evs_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len, size_t *bad) {
  const unsigned char *s = (const unsigned char *)in;
  size_t len = n;
  /* Padding: at most two '=' at the very end, making the length a multiple of 4. */
  size_t pad = 0;
  while (len > 0 && s[len - 1] == '=' && pad < 2) {
    len--;
    pad++;
  }
  if (pad && n % 4 != 0) {
    *bad = n - pad;
    return false;
  }
  if (len % 4 == 1) {
    *bad = len - 1;
    return false;
  }
  if (pad && (len + pad) % 4 != 0) {
    *bad = len;
    return false;
  }
  /* One alphabet per value: '+' '/' (standard) or '-' '_' (URL-safe), not both. */
  int alphabet = 0;
  for (size_t k = 0; k < len; k++) {
    unsigned char c = s[k];
    int a = (c == '+' || c == '/') ? 1 : (c == '-' || c == '_') ? 2 : 0;
    if (a && alphabet && a != alphabet) {
      *bad = k;
      return false;
    }
    if (a) alphabet = a;
  }
  size_t o = 0, i = 0;
  for (; i + 4 <= len; i += 4) {
    for (size_t k = 0; k < 4; k++)
      if (!is_b64(s[i + k]) || s[i + k] == '=') {
        *bad = i + k;
        return false;
      }
    uint32_t v = (uint32_t)k_dec[s[i]] << 18 | (uint32_t)k_dec[s[i + 1]] << 12 |
                 (uint32_t)k_dec[s[i + 2]] << 6 | k_dec[s[i + 3]];
    out[o++] = (uint8_t)(v >> 16);
    out[o++] = (uint8_t)(v >> 8);
    out[o++] = (uint8_t)v;
  }
  size_t rest = len - i;
  if (rest) {
    uint32_t v = 0;
    for (size_t k = 0; k < rest; k++) {
      if (!is_b64(s[i + k]) || s[i + k] == '=') {
        *bad = i + k;
        return false;
      }
      v |= (uint32_t)k_dec[s[i + k]] << (18 - 6 * k);
    }
    out[o++] = (uint8_t)(v >> 16);
    if (rest == 3) out[o++] = (uint8_t)(v >> 8);
  }
  *out_len = o;
  return true;
}
