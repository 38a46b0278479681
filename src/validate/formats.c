/* The string forms of the uuid, email and uri rules, written out by hand so that each is one exact grammar
 * (docs/validation.md gives them, and the JSON Schema export writes the same grammars as patterns). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "validate/validate_internal.h"

/* 1 for a hex digit, 2 for '-' (the UUID check runs on every id of every event: a table, not branches). */
static const unsigned char k_hex[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['-'] = 2};

static bool is_hex(unsigned char c) {
  return k_hex[c] == 1;
}

static bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t evs_vfmt_code_points(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* Non-zero when the 8 bytes of w are not all hex digits (SWAR: every event id goes through this). Each byte
 * is < 0x80 (checked), then digits are 0x30..0x39 and letters 0x41..0x46 / 0x61..0x66. */
static uint64_t not_hex8(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t ascii = w & high;
  uint64_t x = w & ~high;
  /* digit: x - 0x30 in 0..9 <=> (x + 0x50) has the high bit and (x + 0x46) does not */
  uint64_t digit = (x + (0x80 - 0x30) * ones) & ~(x + (0x80 - 0x3A) * ones) & high;
  uint64_t l = x | 0x20 * ones; /* lower-case letters */
  uint64_t letter = (l + (0x80 - 0x61) * ones) & ~(l + (0x80 - 0x67) * ones) & high;
  return ascii | (~(digit | letter) & high);
}

static uint64_t load8(const char *s) {
  uint64_t w;
  memcpy(&w, s, 8);
  return w;
}

static uint64_t load4(const char *s) {
  uint32_t w;
  memcpy(&w, s, 4);
  return w;
}

/* 8-4-4-4-12 hex digits, either case, any version and variant (protovalidate's string.uuid). The 32 digits
 * are tested as four 8-byte words built in registers (a copy through memory would stall on store
 * forwarding). */
bool evs_vfmt_uuid(const char *s, size_t len) {
  if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
  uint64_t a = load8(s), b = load4(s + 9) | load4(s + 14) << 32, c = load4(s + 19) | load4(s + 24) << 32,
           d = load8(s + 28);
  return !(not_hex8(a) | not_hex8(b) | not_hex8(c) | not_hex8(d));
}

/* The HTML standard's valid e-mail address (protovalidate's string.email):
 *   local  = 1*( ALPHA / DIGIT / one of .!#$%&'*+/=?^_`{|}~- )
 *   label  = ALPHA/DIGIT, then up to 61 ALPHA/DIGIT/"-", ending in ALPHA/DIGIT (1..63 characters)
 *   email  = local "@" label *( "." label ) */
bool evs_vfmt_email(const char *s, size_t len) {
  static const char k_local[] = ".!#$%&'*+/=?^_`{|}~-";
  size_t i = 0;
  while (i < len && s[i] != '@' && (is_alnum((unsigned char)s[i]) || (s[i] && strchr(k_local, s[i])))) i++;
  if (i == 0 || i >= len || s[i] != '@') return false;
  i++;
  for (;;) {
    size_t start = i;
    while (i < len && (is_alnum((unsigned char)s[i]) || s[i] == '-')) i++;
    size_t n = i - start;
    if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-') return false;
    if (i == len) return true;
    if (s[i] != '.') return false;
    i++;
  }
}

/* An absolute URI by the characters RFC 3986 allows:
 *   scheme ":" *( unreserved / pct-encoded / sub-delims / ":" / "@" / "/" / "?" / "[" / "]" )
 *   [ "#" *( unreserved / pct-encoded / sub-delims / ":" / "@" / "/" / "?" ) ]
 * with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). The authority's inner structure (IP literals,
 * ports) is not parsed: a URI with a bad port or host passes. */
static bool uri_char(const char *s, size_t len, size_t *i, bool fragment) {
  static const char k_ok[] = "-._~!$&'()*+,;=:@/?";
  unsigned char c = (unsigned char)s[*i];
  if (is_alnum(c) || (c && strchr(k_ok, c)) || (!fragment && (c == '[' || c == ']'))) {
    (*i)++;
    return true;
  }
  if (c == '%' && *i + 2 < len && is_hex((unsigned char)s[*i + 1]) && is_hex((unsigned char)s[*i + 2])) {
    *i += 3;
    return true;
  }
  return false;
}

bool evs_vfmt_uri(const char *s, size_t len) {
  size_t i = 0;
  if (!len || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  while (i < len && (is_alnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) i++;
  if (i >= len || s[i] != ':') return false;
  i++;
  bool fragment = false;
  while (i < len) {
    if (s[i] == '#' && !fragment) {
      fragment = true;
      i++;
      continue;
    }
    if (!uri_char(s, len, &i, fragment)) return false;
  }
  return true;
}
