/* Rules on one pair of enums and on one enum number's values: deleted values, reserved ranges (end
 * inclusive in EnumDescriptorProto) and names, value names (JSON writes names), open/closed semantics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "compat/compat_internal.h"

bool evs_enum_number_reserved(const evs_enum *e, int32_t number) {
  const Google__Protobuf__EnumDescriptorProto *ed = e->proto;
  for (size_t i = 0; i < ed->n_reserved_range; i++)
    if (number >= ed->reserved_range[i]->start && number <= ed->reserved_range[i]->end) return true;
  return false;
}

bool evs_enum_name_reserved(const evs_enum *e, const char *name) {
  const Google__Protobuf__EnumDescriptorProto *ed = e->proto;
  for (size_t i = 0; i < ed->n_reserved_name; i++)
    if (ed->reserved_name[i] && strcmp(ed->reserved_name[i], name) == 0) return true;
  return false;
}

typedef enum keep { KEEP_NOTHING, KEEP_NUMBER, KEEP_NAME } keep;

/* All names of value number `v->number` (aliases exist only with allow_alias). */
static bool all_names_reserved(const evs_enum *old, const evs_enum_value *v, const evs_enum *cur) {
  if (!old->allow_alias) return evs_enum_name_reserved(cur, v->name);
  for (size_t i = 0; i < old->n_values; i++)
    if (old->values[i].number == v->number && !evs_enum_name_reserved(cur, old->values[i].name)) return false;
  return true;
}

static void value_deletions(evs_cx *cx, const evs_enum *p, const evs_enum *c, keep k) {
  size_t j = 0;
  for (size_t i = 0; i < p->n_by_number; i++) {
    const evs_enum_value *pv = p->by_number[i];
    while (j < c->n_by_number && c->by_number[j]->number < pv->number) j++;
    if (j < c->n_by_number && c->by_number[j]->number == pv->number) continue;
    if (k == KEEP_NUMBER && evs_enum_number_reserved(c, pv->number)) continue;
    if (k == KEEP_NAME && all_names_reserved(p, pv, c)) continue;
    char element[1024];
    snprintf(element, sizeof element, "%s.%s", p->full_name, pv->name);
    evs_cx_report(cx, element, &c->src, &pv->src, "value %s (%d) of enum %s was deleted%s", pv->name,
                  (int)pv->number, c->full_name,
                  k == KEEP_NUMBER ? " without reserving its number"
                  : k == KEEP_NAME ? " without reserving its name"
                                   : "");
  }
}

void evs_rule_enum_value_no_delete(evs_cx *cx, const evs_enum *p, const evs_enum *c) {
  value_deletions(cx, p, c, KEEP_NOTHING);
}

void evs_rule_enum_value_no_delete_unless_number_reserved(evs_cx *cx, const evs_enum *p, const evs_enum *c) {
  value_deletions(cx, p, c, KEEP_NUMBER);
}

void evs_rule_enum_value_no_delete_unless_name_reserved(evs_cx *cx, const evs_enum *p, const evs_enum *c) {
  value_deletions(cx, p, c, KEEP_NAME);
}

static int64_t (*enum_ranges(const evs_enum *e, size_t *n))[2] {
  const Google__Protobuf__EnumDescriptorProto *ed = e->proto;
  *n = ed->n_reserved_range;
  int64_t(*r)[2] = evs_calloc(*n ? *n : 1, sizeof *r);
  for (size_t i = 0; r && i < *n; i++) {
    r[i][0] = ed->reserved_range[i]->start;
    r[i][1] = (int64_t)ed->reserved_range[i]->end + 1;
  }
  return r;
}

void evs_rule_reserved_enum_no_delete(evs_cx *cx, const evs_enum *p, const evs_enum *c) {
  if (!p->proto->n_reserved_range && !p->proto->n_reserved_name) return;
  size_t npr, ncr;
  int64_t(*pr)[2] = enum_ranges(p, &npr);
  int64_t(*cr)[2] = enum_ranges(c, &ncr);
  if (!pr || !cr) {
    cx->nomem = true;
  } else {
    evs_reserved_check(cx, "enum", c->full_name, &c->src, &p->src, (const int64_t(*)[2])pr, npr,
                       (const int64_t(*)[2])cr, ncr, p->proto->reserved_name, p->proto->n_reserved_name,
                       c->proto->reserved_name, c->proto->n_reserved_name);
  }
  evs_free(pr);
  evs_free(cr);
}

void evs_rule_enum_same_json_format(evs_cx *cx, const evs_enum *p, const evs_enum *c) {
  if (p->file->syntax == EVS_SYNTAX_PROTO3 && c->file->syntax != EVS_SYNTAX_PROTO3)
    evs_cx_report(cx, c->full_name, &c->src, &p->src,
                  "enum %s changed JSON support from full (proto3) to best-effort (proto2)", c->full_name);
}

void evs_rule_enum_same_type(evs_cx *cx, const evs_enum *p, const evs_enum *c) {
  if (p->closed == c->closed) return;
  evs_cx_report(cx, c->full_name, &c->src, &p->src,
                "enum %s changed from %s to %s: unknown numbers are %s by readers of the new schema",
                c->full_name, p->closed ? "closed (proto2)" : "open (proto3)",
                c->closed ? "closed (proto2)" : "open (proto3)", c->closed ? "dropped" : "kept");
}

/* Every name the number had must stay a name of it (aliases may be added): a JSON reader of the new schema
 * must accept every name an old writer may have printed. */
static bool has_name(const evs_value_group *g, const char *name) {
  const evs_enum *e = g->parent;
  if (!e->allow_alias) return strcmp(g->first->name, name) == 0;
  for (size_t i = 0; i < e->n_values; i++)
    if (e->values[i].number == g->number && strcmp(e->values[i].name, name) == 0) return true;
  return false;
}

void evs_rule_enum_value_same_name(evs_cx *cx, const evs_value_group *p, const evs_value_group *c) {
  const evs_enum *pe = p->parent, *ce = c->parent;
  size_t from = pe->allow_alias ? 0 : p->first->index;
  size_t to = pe->allow_alias ? pe->n_values : p->first->index + 1;
  for (size_t i = from; i < to; i++) {
    const evs_enum_value *v = &pe->values[i];
    if (v->number != p->number || has_name(c, v->name)) continue;
    char element[1024];
    snprintf(element, sizeof element, "%s.%s", ce->full_name, c->first->name);
    evs_cx_report(cx, element, &c->first->src, &v->src, "value %d of enum %s changed name from %s to %s",
                  (int)c->number, ce->full_name, v->name, c->first->name);
  }
}
