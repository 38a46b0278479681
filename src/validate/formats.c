/* The string forms of the uuid, email and uri rules, written out by hand so that each is one exact grammar
 * (docs/validation.md gives them, and the JSON Schema export writes the same grammars as patterns). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "validate/validate_internal.h"

static bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t evs_vfmt_code_points(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* 8-4-4-4-12 hex digits, either case, any version and variant (protovalidate's string.uuid). */
bool evs_vfmt_uuid(const char *s, size_t len) {
  if (len != 36) return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex((unsigned char)s[i])) return false;
  }
  return true;
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
