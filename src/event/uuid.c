/* UUID text form, version and variant checks (see include/evs/uuid.h).
 *
 * The parser accepts only the canonical 36-character form on purpose: ids travel through Kafka keys,
 * JSON and SQL, and one spelling per value keeps them comparable as text. The common near misses
 * (braces, "urn:uuid:", no hyphens) get their own messages because that is what people paste. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "evs/uuid.h"

#include "base/error_internal.h"

/* Text offsets of the four hyphens and of the digits that carry the version and the variant. */
#define VERSION_CHAR 14
#define VARIANT_CHAR 19

static const char k_form[] = "8-4-4-4-12 hex digits, e.g. 017f22e2-79b0-7cc3-98c4-dc0c0c07398f";

static bool is_hyphen_pos(size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

static int hex_value(char ch) {
  unsigned c = (unsigned char)ch;
  if (c - '0' < 10u) return (int)(c - '0');
  c |= 0x20; /* ASCII upper -> lower; maps no non-letter onto a..f */
  if (c - 'a' < 6u) return (int)(c - 'a' + 10);
  return -1;
}

char *evs_uuid_format(const evs_uuid *u, char out[EVS_UUID_STR_SIZE]) {
  static const char k_hex[] = "0123456789abcdef";
  if (!out) return NULL;
  if (!u) {
    out[0] = '\0';
    return out;
  }
  char *p = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = k_hex[u->b[i] >> 4];
    *p++ = k_hex[u->b[i] & 0x0F];
  }
  *p = '\0';
  return out;
}

static bool has_prefix_nocase(const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  if (len < n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

static bool all_hex(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (hex_value(s[i]) < 0) return false;
  }
  return true;
}

evs_status evs_uuid_parse(const char *s, size_t len, evs_uuid *out, evs_error *err) {
  if (!out) return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_uuid_parse: out is NULL");
  if (!s && len) return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_uuid_parse: s is NULL");
  if (len == 0) return evs_fail_at(err, EVS_ERR_SYNTAX, 0, "empty string: expected a UUID (%s)", k_form);
  if (s[0] == '{') {
    return evs_fail_at(err, EVS_ERR_SYNTAX, 0, "braces around a UUID are not accepted: expected the bare %s",
                       k_form);
  }
  if (has_prefix_nocase(s, len, "urn:uuid:")) {
    return evs_fail_at(err, EVS_ERR_SYNTAX, 0, "the 'urn:uuid:' prefix is not accepted: expected the bare %s",
                       k_form);
  }
  if (len == 32 && all_hex(s, len)) {
    return evs_fail_at(err, EVS_ERR_SYNTAX, 8, "UUID without hyphens: expected %s", k_form);
  }
  evs_uuid tmp;
  size_t n = len < EVS_UUID_STR_LEN ? len : EVS_UUID_STR_LEN;
  int nibble = 0;
  for (size_t i = 0; i < n; i++) {
    char c[16];
    if (is_hyphen_pos(i)) {
      if (s[i] != '-') {
        return evs_fail_at(err, EVS_ERR_SYNTAX, i, "expected '-' after a group of the UUID (%s), found %s",
                           k_form, evs_describe_byte(c, s[i]));
      }
      continue;
    }
    int v = hex_value(s[i]);
    if (v < 0) {
      return evs_fail_at(err, EVS_ERR_SYNTAX, i, "expected a hex digit (0-9, a-f, A-F) in the UUID, found %s",
                         evs_describe_byte(c, s[i]));
    }
    if (nibble % 2 == 0) {
      tmp.b[nibble / 2] = (uint8_t)(v << 4);
    } else {
      tmp.b[nibble / 2] |= (uint8_t)v;
    }
    nibble++;
  }
  if (len < EVS_UUID_STR_LEN) {
    return evs_fail_at(err, EVS_ERR_SYNTAX, len, "UUID too short: %zu characters, expected 36 (%s)", len,
                       k_form);
  }
  if (len > EVS_UUID_STR_LEN) {
    char c[16];
    return evs_fail_at(err, EVS_ERR_SYNTAX, EVS_UUID_STR_LEN,
                       "unexpected %s after the UUID: expected exactly 36 characters, got %zu",
                       evs_describe_byte(c, s[EVS_UUID_STR_LEN]), len);
  }
  *out = tmp;
  return EVS_OK;
}

int evs_uuid_version(const evs_uuid *u) {
  return u ? u->b[6] >> 4 : 0;
}

bool evs_uuid_is_rfc_variant(const evs_uuid *u) {
  return u && (u->b[8] & 0xC0) == 0x80;
}

static bool all_bytes(const evs_uuid *u, uint8_t v) {
  if (!u) return false;
  for (int i = 0; i < 16; i++) {
    if (u->b[i] != v) return false;
  }
  return true;
}

bool evs_uuid_is_nil(const evs_uuid *u) {
  return all_bytes(u, 0x00);
}

bool evs_uuid_is_max(const evs_uuid *u) {
  return all_bytes(u, 0xFF);
}

int evs_uuid_compare(const evs_uuid *a, const evs_uuid *b) {
  return memcmp(a->b, b->b, sizeof a->b);
}

/* The text check reports the offset of the digit at fault; the binary one has no text to point into. */
static evs_status check_version(const evs_uuid *u, int required, bool text, evs_error *err) {
  if (!u) return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_uuid_check_version: u is NULL");
  if (required < 0 || required > 15) {
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "required UUID version %d is outside 0..15",
                       required);
  }
  if (required == 0) return EVS_OK;
  if (evs_uuid_is_nil(u) || evs_uuid_is_max(u)) {
    return evs_fail_at(err, EVS_ERR_VALIDATION, text ? 0 : EVS_NO_OFFSET, "%s UUID, expected version %d",
                       evs_uuid_is_nil(u) ? "nil (all zeros)" : "max (all ones)", required);
  }
  int version = evs_uuid_version(u);
  if (version != required) {
    return evs_fail_at(err, EVS_ERR_VALIDATION, text ? VERSION_CHAR : EVS_NO_OFFSET,
                       "UUID version %d, expected version %d", version, required);
  }
  if (!evs_uuid_is_rfc_variant(u)) {
    static const char k_hex[] = "0123456789abcdef";
    return evs_fail_at(
        err, EVS_ERR_VALIDATION, text ? VARIANT_CHAR : EVS_NO_OFFSET,
        "UUID variant digit '%c' is not the RFC 9562 variant (8, 9, a or b), expected an RFC 9562 "
        "version %d UUID",
        k_hex[u->b[8] >> 4], required);
  }
  return EVS_OK;
}

evs_status evs_uuid_check_version(const evs_uuid *u, int required_version, evs_error *err) {
  return check_version(u, required_version, false, err);
}

evs_status evs_uuid_check(const char *s, size_t len, int required_version, evs_error *err) {
  if (required_version < 0 || required_version > 15) {
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "required UUID version %d is outside 0..15",
                       required_version);
  }
  evs_uuid u;
  evs_status st = evs_uuid_parse(s, len, &u, err);
  if (st != EVS_OK) return st;
  return check_version(&u, required_version, true, err);
}
