/* Rules on one pair of fields (same number in paired messages): type, cardinality, oneof, names, default.
 * The compatibility groups follow the protobuf language guide ("Updating a message type") and the ProtoJSON
 * mapping (protoc-descriptors.md §3), grouped as buf groups them so that verdicts agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "compat/compat_internal.h"

/* Types that read each other's binary encoding: same number = same group (index: descriptor type 1..18). */
static const uint8_t k_wire_group[EVS_TYPE_MAX + 1] = {
    [EVS_TYPE_INT32] = 1,    [EVS_TYPE_INT64] = 1,   [EVS_TYPE_UINT32] = 1,   [EVS_TYPE_UINT64] = 1,
    [EVS_TYPE_BOOL] = 1,     [EVS_TYPE_SINT32] = 2,  [EVS_TYPE_SINT64] = 2,   [EVS_TYPE_STRING] = 3,
    [EVS_TYPE_BYTES] = 4,    [EVS_TYPE_FIXED32] = 5, [EVS_TYPE_SFIXED32] = 5, [EVS_TYPE_FIXED64] = 6,
    [EVS_TYPE_SFIXED64] = 6, [EVS_TYPE_DOUBLE] = 7,  [EVS_TYPE_FLOAT] = 8,    [EVS_TYPE_GROUP] = 9,
    [EVS_TYPE_MESSAGE] = 10, [EVS_TYPE_ENUM] = 11,
};

/* Types that read each other's binary AND canonical JSON: the wire groups split where JSON differs (64-bit
 * integers are strings in JSON, bool is not a number, zigzag widths differ in range). */
static const uint8_t k_wire_json_group[EVS_TYPE_MAX + 1] = {
    [EVS_TYPE_INT32] = 1,    [EVS_TYPE_UINT32] = 1,   [EVS_TYPE_INT64] = 2,   [EVS_TYPE_UINT64] = 2,
    [EVS_TYPE_FIXED32] = 3,  [EVS_TYPE_SFIXED32] = 3, [EVS_TYPE_FIXED64] = 4, [EVS_TYPE_SFIXED64] = 4,
    [EVS_TYPE_BOOL] = 5,     [EVS_TYPE_SINT32] = 6,   [EVS_TYPE_SINT64] = 7,  [EVS_TYPE_STRING] = 8,
    [EVS_TYPE_BYTES] = 9,    [EVS_TYPE_DOUBLE] = 10,  [EVS_TYPE_FLOAT] = 11,  [EVS_TYPE_GROUP] = 12,
    [EVS_TYPE_MESSAGE] = 13, [EVS_TYPE_ENUM] = 14,
};

static bool is_extension(const evs_field *f) {
  return f->proto && f->proto->extendee;
}

static const char *desc(const evs_field *f, char *buf, size_t n) {
  snprintf(buf, n, "field \"%s\" (%u) of message %s", f->name, f->number, f->parent->full_name);
  return buf;
}

static const char *type_text(const evs_field *f) {
  if (f->message_type) return f->message_type->full_name;
  if (f->enum_type) return f->enum_type->full_name;
  return f->traits ? f->traits->name : "?";
}

static bool is_named(const evs_field *f) {
  return f->type == EVS_TYPE_MESSAGE || f->type == EVS_TYPE_GROUP || f->type == EVS_TYPE_ENUM;
}

/* A group and a message of the same name differ only in their encoding: say which is which. */
static const char *kind_prefix(const evs_field *f) {
  return f->type == EVS_TYPE_GROUP ? "group " : "";
}

static void changed_type(evs_cx *cx, const evs_field *p, const evs_field *c, const char *why) {
  char d[512];
  evs_cx_report(cx, c->full_name, &c->src, &p->src, "%s changed type from %s%s to %s%s%s",
                desc(c, d, sizeof d), kind_prefix(p), type_text(p), kind_prefix(c), type_text(c), why);
}

static bool named_type_same(const evs_cx *cx, const evs_field *p, const evs_field *c) {
  return evs_cx_same_type_name(cx, type_text(p), type_text(c));
}

/* An enum may be replaced by another enum of the same short name that has every old value (number and
 * name): new values can be added in the same change. */
static bool enum_compatible(const evs_field *p, const evs_field *c) {
  const evs_enum *pe = p->enum_type, *ce = c->enum_type;
  if (!pe || !ce || strcmp(pe->name, ce->name) != 0) return false;
  for (size_t i = 0; i < pe->n_values; i++) {
    const evs_enum_value *v = evs_enum_value_by_name(ce, pe->values[i].name, strlen(pe->values[i].name));
    if (!v || v->number != pe->values[i].number) return false;
  }
  return true;
}

static void compatible_type(evs_cx *cx, const evs_field *p, const evs_field *c, const uint8_t *groups,
                            bool json) {
  if (groups[p->type] != groups[c->type]) {
    if (!json && p->type == EVS_TYPE_STRING && c->type == EVS_TYPE_BYTES && !cx->forward) return;
    if (!json && p->type == EVS_TYPE_BYTES && c->type == EVS_TYPE_STRING && !cx->backward) return;
    changed_type(cx, p, c,
                 json ? ": binary or JSON readers cannot read the other encoding"
                      : ": binary readers cannot read the other encoding");
    return;
  }
  if (!is_named(p) || named_type_same(cx, p, c)) return;
  if (p->type == EVS_TYPE_ENUM && enum_compatible(p, c)) return;
  changed_type(cx, p, c, "");
}

void evs_rule_field_wire_compatible_type(evs_cx *cx, const evs_field *p, const evs_field *c) {
  compatible_type(cx, p, c, k_wire_group, false);
}

void evs_rule_field_wire_json_compatible_type(evs_cx *cx, const evs_field *p, const evs_field *c) {
  compatible_type(cx, p, c, k_wire_json_group, true);
}

void evs_rule_field_same_type(evs_cx *cx, const evs_field *p, const evs_field *c) {
  if (p->type != c->type || (is_named(p) && !named_type_same(cx, p, c))) changed_type(cx, p, c, "");
}

/* ---- cardinality ---- */

evs_cardinality evs_field_cardinality(const evs_field *f) {
  if (f->is_map) return EVS_CARD_MAP;
  if (f->is_repeated) return EVS_CARD_REPEATED;
  if (f->label == EVS_LABEL_REQUIRED) return EVS_CARD_REQUIRED;
  return f->has_presence ? EVS_CARD_OPTIONAL_EXPLICIT : EVS_CARD_OPTIONAL_IMPLICIT;
}

const char *evs_cardinality_name(evs_cardinality c) {
  switch (c) {
    case EVS_CARD_OPTIONAL_EXPLICIT:
      return "optional with explicit presence";
    case EVS_CARD_OPTIONAL_IMPLICIT:
      return "optional with implicit presence";
    case EVS_CARD_REQUIRED:
      return "required";
    case EVS_CARD_REPEATED:
      return "repeated";
    case EVS_CARD_MAP:
      return "map";
  }
  return "?";
}

/* Presence does not change the encoding; required does (readers reject messages without it); a map is a
 * repeated entry message on the wire but an object, not an array, in JSON. */
static const uint8_t k_card_wire[] = {0, 1, 1, 2, 3, 3};
static const uint8_t k_card_wire_json[] = {0, 1, 1, 2, 3, 4};
static const uint8_t k_card_same[] = {0, 1, 2, 3, 4, 5};

static void cardinality(evs_cx *cx, const evs_field *p, const evs_field *c, const uint8_t *groups) {
  /* Entry fields are generated: their presence flags mean nothing. */
  if (p->parent->map_entry && c->parent->map_entry) return;
  evs_cardinality a = evs_field_cardinality(p), b = evs_field_cardinality(c);
  if (groups[a] == groups[b]) return;
  char d[512];
  evs_cx_report(cx, c->full_name, &c->src, &p->src, "%s changed cardinality from %s to %s",
                desc(c, d, sizeof d), evs_cardinality_name(a), evs_cardinality_name(b));
}

void evs_rule_field_wire_compatible_cardinality(evs_cx *cx, const evs_field *p, const evs_field *c) {
  cardinality(cx, p, c, k_card_wire);
}

void evs_rule_field_wire_json_compatible_cardinality(evs_cx *cx, const evs_field *p, const evs_field *c) {
  cardinality(cx, p, c, k_card_wire_json);
}

void evs_rule_field_same_cardinality(evs_cx *cx, const evs_field *p, const evs_field *c) {
  cardinality(cx, p, c, k_card_same);
}

/* ---- oneof membership, names ---- */

static const evs_oneof *real_oneof(const evs_field *f) {
  return f->oneof && !f->oneof->synthetic ? f->oneof : NULL;
}

void evs_rule_field_same_oneof(evs_cx *cx, const evs_field *p, const evs_field *c) {
  if (is_extension(p)) return;
  const evs_oneof *a = real_oneof(p), *b = real_oneof(c);
  char d[512];
  if (!a && !b) return;
  if (a && b) {
    if (strcmp(a->name, b->name) != 0)
      evs_cx_report(cx, c->full_name, &c->src, &p->src, "%s moved from oneof \"%s\" to oneof \"%s\"",
                    desc(c, d, sizeof d), a->name, b->name);
    return;
  }
  evs_cx_report(cx, c->full_name, &c->src, &p->src, "%s moved %s oneof \"%s\"", desc(c, d, sizeof d),
                a ? "out of" : "into", a ? a->name : b->name);
}

void evs_rule_field_same_name(evs_cx *cx, const evs_field *p, const evs_field *c) {
  if (strcmp(p->name, c->name) == 0) return;
  if (is_extension(c)) {
    evs_cx_report(cx, c->full_name, &c->src, &p->src, "extension %u of message %s changed name from %s to %s",
                  c->number, c->parent->full_name, p->name, c->name);
    return;
  }
  evs_cx_report(cx, c->full_name, &c->src, &p->src,
                "field %u of message %s changed name from \"%s\" to \"%s\"", c->number, c->parent->full_name,
                p->name, c->name);
}

void evs_rule_field_same_json_name(evs_cx *cx, const evs_field *p, const evs_field *c) {
  /* An extension's JSON key is its full name in brackets: FIELD_SAME_NAME covers it. */
  if (is_extension(p) || strcmp(p->json_name, c->json_name) == 0) return;
  char d[512];
  evs_cx_report(cx, c->full_name, &c->src, &p->src, "%s changed JSON name from \"%s\" to \"%s\"",
                desc(c, d, sizeof d), p->json_name, c->json_name);
}

/* ---- defaults ---- */

typedef struct dflt {
  bool is_text; /* string/bytes: compare the bytes */
  const char *text;
  size_t text_len;
  char *owned; /* unescaped bytes default, freed by dflt_free */
  bool nan;
  bool is_int; /* exact integer: neg + mag */
  bool neg;
  unsigned long long mag;
  long double num; /* every number, also integers */
  bool is_float32;
  const char *shown;
} dflt;

/* The values are what readers see: a bytes default is unescaped (evs_c_unescape), so "a\001b" as bytes
 * equals the string "a<U+0001>b" (string -> bytes keeps the default), as buf compares them. */
static dflt default_of(const evs_field *f) {
  dflt d;
  memset(&d, 0, sizeof d);
  const char *t = f->default_value;
  d.shown = t;
  if (f->type == EVS_TYPE_STRING || f->type == EVS_TYPE_BYTES) {
    d.is_text = true;
    d.text = t ? t : "";
    d.text_len = strlen(d.text);
    if (!t) d.shown = "\"\"";
    if (t && f->type == EVS_TYPE_BYTES && strchr(t, '\\')) {
      d.owned = evs_malloc(d.text_len + 1);
      if (d.owned) {
        d.text_len = evs_c_unescape(t, d.owned);
        d.text = d.owned;
      }
    }
    return d;
  }
  if (f->type == EVS_TYPE_ENUM) {
    const evs_enum *e = f->enum_type;
    const evs_enum_value *v = NULL;
    if (t && e) v = evs_enum_value_by_name(e, t, strlen(t));
    if (!v && e && e->n_values) v = &e->values[0];
    int32_t n = v ? v->number : 0;
    d.is_int = true;
    d.neg = n < 0;
    d.mag = n < 0 ? (unsigned long long)(-(long long)n) : (unsigned long long)n;
    d.num = n;
    d.shown = v ? v->name : "0";
    return d;
  }
  if (f->type == EVS_TYPE_BOOL) {
    bool b = t && strcmp(t, "true") == 0;
    d.is_int = true;
    d.mag = b;
    d.num = b;
    d.shown = b ? "true" : "false";
    return d;
  }
  if (!t) {
    d.is_int = true;
    d.shown = "0";
    return d;
  }
  if (f->type == EVS_TYPE_FLOAT || f->type == EVS_TYPE_DOUBLE) {
    d.is_float32 = f->type == EVS_TYPE_FLOAT;
    /* The value a reader uses is the text rounded to the field's width: protoc writes it rounded, but
     * other compilers may keep the text as written ("16777217" for a float is 16777216). NaN is told by its
     * value, whatever its spelling ("nan", "NaN", ...: a set may hold any the loader accepts), since it
     * never equals itself as a number. */
    long double v = strtold(t, NULL);
    if (isnan(v))
      d.nan = true;
    else
      d.num = d.is_float32 ? (long double)(float)v : (long double)(double)v;
    return d;
  }
  d.is_int = true;
  d.neg = t[0] == '-';
  d.mag = strtoull(d.neg ? t + 1 : t, NULL, 10);
  d.num = d.neg ? -(long double)d.mag : (long double)d.mag;
  return d;
}

static bool dflt_zero(const dflt *d) {
  if (d->is_text) return !d->text_len;
  return !d->nan && d->num == 0;
}

static bool dflt_equal(const dflt *a, const dflt *b) {
  if (a->is_text || b->is_text)
    return a->is_text && b->is_text && a->text_len == b->text_len &&
           memcmp(a->text, b->text, a->text_len) == 0;
  if (a->nan || b->nan) return a->nan && b->nan;
  if (a->is_int && b->is_int) return (a->mag == 0 && b->mag == 0) || (a->neg == b->neg && a->mag == b->mag);
  /* float <-> double: compare at float precision, or the wider one never equals the narrow one. */
  if (a->is_float32 != b->is_float32 && !a->is_int && !b->is_int) return (float)a->num == (float)b->num;
  return a->num == b->num;
}

void evs_rule_field_same_default(evs_cx *cx, const evs_field *p, const evs_field *c) {
  if (p->is_repeated || c->is_repeated || p->message_type || c->message_type) return;
  dflt a = default_of(p), b = default_of(c);
  if (!dflt_zero(&a) || !dflt_zero(&b)) {
    if (!dflt_equal(&a, &b)) {
      char d[512];
      evs_cx_report(cx, c->full_name, &c->src, &p->src, "%s changed default value from %s to %s",
                    desc(c, d, sizeof d), a.shown ? a.shown : "(none)", b.shown ? b.shown : "(none)");
    }
  }
  evs_free(a.owned);
  evs_free(b.owned);
}
