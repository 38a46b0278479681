/* CloudEvents attributes: the table of names, and the value rules of the CloudEvents type system
 * (String, URI-reference, URI, Timestamp) plus specversion, datacontenttype and the evs tags form. */
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/error_internal.h"
#include "base/utf8_internal.h"
#include "event/cloudevents_internal.h"
#include "evs/timeutil.h"

#define A(name, header, member, rule) \
  { name, header, offsetof(evs_ce_event, member), rule }
const evs_ce_attr evs_ce_attrs[EVS_CE_N_ATTRS] = {
    A("specversion", "ce_specversion", specversion, EVS_CE_RULE_SPECVERSION),
    A("id", "ce_id", id, EVS_CE_RULE_NONEMPTY),
    A("source", "ce_source", source, EVS_CE_RULE_URI_REF),
    A("type", "ce_type", type, EVS_CE_RULE_NONEMPTY),
    A("time", "ce_time", time, EVS_CE_RULE_TIME),
    A("subject", "ce_subject", subject, EVS_CE_RULE_NONEMPTY),
    A("dataschema", "ce_dataschema", dataschema, EVS_CE_RULE_URI),
    A("datacontenttype", "content-type", content_type, EVS_CE_RULE_MEDIA),
    A("schemaversion", "ce_schemaversion", schema_version, EVS_CE_RULE_STRING),
    A("correlationid", "ce_correlationid", correlation_id, EVS_CE_RULE_STRING),
    A("causationid", "ce_causationid", causation_id, EVS_CE_RULE_STRING),
    A("tags", "ce_tags", tags, EVS_CE_RULE_TAGS),
};
#undef A

int evs_ce_attr_by_name(const char *s, size_t n) {
  for (int i = 0; i < EVS_CE_N_ATTRS; i++)
    if (strlen(evs_ce_attrs[i].name) == n && memcmp(evs_ce_attrs[i].name, s, n) == 0) return i;
  return -1;
}

int evs_ce_attr_by_header(const char *header) {
  for (int i = 0; i < EVS_CE_N_ATTRS; i++)
    if (strcmp(evs_ce_attrs[i].header, header) == 0) return i;
  return -1;
}

/* CloudEvents String: UTF-8 without U+0000..U+001F, U+007F..U+009F and noncharacters (unpaired surrogates
 * cannot be encoded in well-formed UTF-8). */
static evs_status check_string(const char *name, const char *s, size_t n, char *why, size_t why_n,
                               size_t *bad) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0;
    size_t l = evs_utf8_get(u + i, n - i, &cp);
    if (!l) {
      *bad = i;
      snprintf(why, why_n, "\"%s\": invalid UTF-8", name);
      return EVS_ERR_VALIDATION;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
        (cp & 0xfffe) == 0xfffe) {
      *bad = i;
      snprintf(why, why_n, "\"%s\": U+%04X is not allowed in a CloudEvents string", name, (unsigned)cp);
      return EVS_ERR_VALIDATION;
    }
    i += l;
  }
  return EVS_OK;
}

static bool is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
static bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986: the characters a URI may hold (unreserved, gen-delims, sub-delims; '%' only as %XX), and a
 * scheme before the first ':' when that ':' comes before any '/', '?' or '#' (else the reference would be a
 * relative path whose first segment has a colon, which §4.2 forbids). *has_scheme tells which. */
static bool uri_chars(const char *s, size_t n, size_t *bad, bool *has_scheme) {
  static const char other[] = "-._~:/?#[]@!$&'()*+,;=";
  const unsigned char *u = (const unsigned char *)s;
  size_t colon = n;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = u[i];
    if (c == '%') {
      if (i + 2 >= n || !is_hex(u[i + 1]) || !is_hex(u[i + 2])) {
        *bad = i;
        return false;
      }
      i += 2;
      continue;
    }
    if (!is_alpha(c) && !is_digit(c) && (c == 0 || !strchr(other, c))) {
      *bad = i;
      return false;
    }
    if (colon == n && (c == '/' || c == '?' || c == '#')) colon = n + 1; /* a path came first: no scheme */
    if (colon == n && c == ':') colon = i;
  }
  *has_scheme = colon < n;
  if (*has_scheme) {
    bool ok = colon > 0 && is_alpha(u[0]);
    for (size_t i = 1; ok && i < colon; i++) ok = is_alpha(u[i]) || is_digit(u[i]) || strchr("+-.", u[i]);
    if (!ok) {
      *bad = 0;
      return false;
    }
  }
  return true;
}

/* RFC 2045 token character (no space, control or tspecial). */
static bool is_token(unsigned char c) {
  return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

bool evs_ce_media_is_json(const char *s) {
  const char *slash = strchr(s, '/');
  if (!slash) return false;
  size_t n = strcspn(slash + 1, "; \t");
  const char *sub = slash + 1;
  if (n >= 4 && strncasecmp(sub + n - 4, "json", 4) == 0) return n == 4 || sub[n - 5] == '+';
  return false;
}

evs_status evs_ce_parse_time(const char *s, size_t n, int64_t *unix_ms, evs_error *err) {
  evs_status st = evs_time_parse_rfc3339_ms(s, n, unix_ms, err);
  if (st == EVS_OK || n >= 64) return st;
  /* evs's parser takes the ProtoJSON Timestamp form (upper-case T and Z, no leap second). RFC 3339, which
   * CloudEvents names, also allows 't' / 'z' and a leap second 60: other producers' events using them are
   * valid, so they are read in their normalised form (a leap second as :59). */
  char norm[64];
  memcpy(norm, s, n);
  bool changed = false;
  if (n > 10 && norm[10] == 't') norm[10] = 'T', changed = true;
  if (n && norm[n - 1] == 'z') norm[n - 1] = 'Z', changed = true;
  if (n >= 19 && norm[16] == ':' && norm[17] == '6' && norm[18] == '0')
    norm[17] = '5', norm[18] = '9', changed = true;
  evs_error e2;
  if (changed && evs_time_parse_rfc3339_ms(norm, n, unix_ms, &e2) == EVS_OK) {
    evs_error_clear(err);
    return EVS_OK;
  }
  return st;
}

evs_status evs_ce_check_value(int i, const char *s, size_t n, char *why, size_t why_n, size_t *bad) {
  const char *name = evs_ce_attrs[i].name;
  evs_status st = check_string(name, s, n, why, why_n, bad);
  if (st != EVS_OK) return st;
  evs_ce_rule rule = evs_ce_attrs[i].rule;
  *bad = 0;
  if (n == 0 && rule != EVS_CE_RULE_STRING && rule != EVS_CE_RULE_TAGS) {
    snprintf(why, why_n, "empty \"%s\"", name);
    return EVS_ERR_VALIDATION;
  }
  bool has_scheme;
  switch (rule) {
    case EVS_CE_RULE_STRING:
    case EVS_CE_RULE_NONEMPTY:
      return EVS_OK;
    case EVS_CE_RULE_SPECVERSION:
      if (n == 3 && memcmp(s, "1.0", 3) == 0) return EVS_OK;
      snprintf(why, why_n, "specversion '%.*s', only \"1.0\" is supported", n > 40 ? 40 : (int)n, s);
      return EVS_ERR_UNSUPPORTED;
    case EVS_CE_RULE_URI_REF:
    case EVS_CE_RULE_URI:
      if (!uri_chars(s, n, bad, &has_scheme)) {
        snprintf(why, why_n, "%s is not a URI%s (RFC 3986)", name,
                 rule == EVS_CE_RULE_URI ? "" : "-reference");
        return EVS_ERR_VALIDATION;
      }
      if (rule == EVS_CE_RULE_URI && !has_scheme) {
        snprintf(why, why_n, "%s must be an absolute URI (scheme:...)", name);
        return EVS_ERR_VALIDATION;
      }
      return EVS_OK;
    case EVS_CE_RULE_TIME: {
      int64_t ms;
      evs_error e;
      evs_error_clear(&e);
      st = evs_ce_parse_time(s, n, &ms, &e);
      if (st == EVS_OK) return EVS_OK;
      *bad = e.offset == EVS_NO_OFFSET ? 0 : e.offset;
      snprintf(why, why_n, "time: %s", e.msg);
      return st;
    }
    case EVS_CE_RULE_MEDIA: {
      size_t k = 0;
      while (k < n && is_token((unsigned char)s[k])) k++;
      if (k > 0 && k < n && s[k] == '/') {
        size_t t = ++k;
        while (k < n && is_token((unsigned char)s[k])) k++;
        if (k > t && (k == n || s[k] == ';' || s[k] == ' ' || s[k] == '\t')) return EVS_OK;
      }
      *bad = k;
      snprintf(why, why_n, "datacontenttype is not a media type (type/subtype)");
      return EVS_ERR_VALIDATION;
    }
    case EVS_CE_RULE_TAGS: {
      char inner[200];
      st = evs_ce_tags_scan(s, n, NULL, 0, NULL, NULL, inner, sizeof inner, bad);
      if (st != EVS_OK) snprintf(why, why_n, "tags: %s", inner);
      return st;
    }
  }
  return EVS_OK;
}

evs_status evs_ce_check_attrs(const evs_ce_event *ev, evs_error *err) {
  for (int i = 0; i < EVS_CE_N_ATTRS; i++) {
    const char *v = evs_ce_get(ev, i);
    if (!v) continue;
    char why[240];
    size_t bad = 0;
    evs_status st = evs_ce_check_value(i, v, strlen(v), why, sizeof why, &bad);
    if (st != EVS_OK) return evs_fail_at(err, st, bad, "%s", why);
  }
  return EVS_OK;
}
