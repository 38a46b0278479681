/* Rules on one pair of messages: deleted fields (with or without reservations), required fields, reserved
 * ranges and names, JSON support, oneofs. Reserved ranges come from the raw DescriptorProto (end
 * exclusive); enum ranges are end inclusive (rules_enum.c). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "compat/compat_internal.h"

bool evs_message_number_reserved(const evs_message *m, int32_t number) {
  const Google__Protobuf__DescriptorProto *dp = m->proto;
  for (size_t i = 0; i < dp->n_reserved_range; i++) {
    const Google__Protobuf__DescriptorProto__ReservedRange *r = dp->reserved_range[i];
    if (number >= r->start && number < r->end) return true;
  }
  return false;
}

bool evs_message_name_reserved(const evs_message *m, const char *name) {
  const Google__Protobuf__DescriptorProto *dp = m->proto;
  for (size_t i = 0; i < dp->n_reserved_name; i++)
    if (dp->reserved_name[i] && strcmp(dp->reserved_name[i], name) == 0) return true;
  return false;
}

typedef enum keep { KEEP_NOTHING, KEEP_NUMBER, KEEP_NAME } keep;

static void field_deletions(evs_cx *cx, const evs_message *p, const evs_message *c, keep k) {
  size_t j = 0;
  for (size_t i = 0; i < p->n_fields; i++) {
    const evs_field *pf = &p->fields[i];
    while (j < c->n_fields && c->fields[j].number < pf->number) j++;
    if (j < c->n_fields && c->fields[j].number == pf->number) continue;
    if (k == KEEP_NUMBER && evs_message_number_reserved(c, (int32_t)pf->number)) continue;
    if (k == KEEP_NAME && evs_message_name_reserved(c, pf->name)) continue;
    evs_cx_report(cx, pf->full_name, &c->src, &pf->src, "field \"%s\" (%u) of message %s was deleted%s",
                  pf->name, pf->number, c->full_name,
                  k == KEEP_NUMBER ? " without reserving its number"
                  : k == KEEP_NAME ? " without reserving its name"
                                   : "");
  }
}

void evs_rule_field_no_delete(evs_cx *cx, const evs_message *p, const evs_message *c) {
  field_deletions(cx, p, c, KEEP_NOTHING);
}

void evs_rule_field_no_delete_unless_number_reserved(evs_cx *cx, const evs_message *p, const evs_message *c) {
  field_deletions(cx, p, c, KEEP_NUMBER);
}

void evs_rule_field_no_delete_unless_name_reserved(evs_cx *cx, const evs_message *p, const evs_message *c) {
  field_deletions(cx, p, c, KEEP_NAME);
}

void evs_rule_message_same_required_fields(evs_cx *cx, const evs_message *p, const evs_message *c) {
  for (size_t i = 0; i < p->n_fields; i++) {
    const evs_field *pf = &p->fields[i];
    if (pf->label != EVS_LABEL_REQUIRED) continue;
    const evs_field *cf = evs_message_field_by_number(c, pf->number);
    if (cf && cf->label == EVS_LABEL_REQUIRED) continue;
    evs_cx_report(cx, pf->full_name, cf ? &cf->src : &c->src, &pf->src,
                  "required field \"%s\" (%u) of message %s is no longer required: readers of the old schema "
                  "reject messages without it",
                  pf->name, pf->number, c->full_name);
  }
  for (size_t i = 0; i < c->n_fields; i++) {
    const evs_field *cf = &c->fields[i];
    if (cf->label != EVS_LABEL_REQUIRED) continue;
    const evs_field *pf = evs_message_field_by_number(p, cf->number);
    if (pf && pf->label == EVS_LABEL_REQUIRED) continue;
    evs_cx_report(cx, cf->full_name, &cf->src, pf ? &pf->src : NULL,
                  "required field \"%s\" (%u) was added to message %s: the new schema rejects data written "
                  "without it",
                  cf->name, cf->number, c->full_name);
  }
}

/* Is every number of [start, end) inside the union of `ranges` (given as start/end pairs, end exclusive)? */
static bool covered(int64_t start, int64_t end, const int64_t (*ranges)[2], size_t n) {
  int64_t at = start;
  bool progress = true;
  while (at < end && progress) {
    progress = false;
    for (size_t i = 0; i < n; i++) {
      if (ranges[i][0] <= at && ranges[i][1] > at) {
        at = ranges[i][1];
        progress = true;
      }
    }
  }
  return at >= end;
}

void evs_reserved_check(evs_cx *cx, const char *kind, const char *full_name, const evs_source_info *csrc,
                        const evs_source_info *psrc, const int64_t (*pr)[2], size_t npr,
                        const int64_t (*cr)[2], size_t ncr, char *const *pnames, size_t npn,
                        char *const *cnames, size_t ncn) {
  for (size_t i = 0; i < npr; i++) {
    if (covered(pr[i][0], pr[i][1], cr, ncr)) continue;
    if (pr[i][1] - pr[i][0] == 1)
      evs_cx_report(cx, full_name, csrc, psrc, "reserved number %lld of %s %s is no longer reserved",
                    (long long)pr[i][0], kind, full_name);
    else
      evs_cx_report(cx, full_name, csrc, psrc, "reserved range %lld to %lld of %s %s is no longer reserved",
                    (long long)pr[i][0], (long long)pr[i][1] - 1, kind, full_name);
  }
  for (size_t i = 0; i < npn; i++) {
    bool found = false;
    for (size_t k = 0; k < ncn && !found; k++)
      found = pnames[i] && cnames[k] && strcmp(pnames[i], cnames[k]) == 0;
    if (!found && pnames[i])
      evs_cx_report(cx, full_name, csrc, psrc, "reserved name \"%s\" of %s %s is no longer reserved",
                    pnames[i], kind, full_name);
  }
}

static int64_t (*message_ranges(const evs_message *m, size_t *n))[2] {
  const Google__Protobuf__DescriptorProto *dp = m->proto;
  *n = dp->n_reserved_range;
  int64_t(*r)[2] = evs_calloc(*n ? *n : 1, sizeof *r);
  for (size_t i = 0; r && i < *n; i++) {
    r[i][0] = dp->reserved_range[i]->start;
    r[i][1] = dp->reserved_range[i]->end;
  }
  return r;
}

void evs_rule_reserved_message_no_delete(evs_cx *cx, const evs_message *p, const evs_message *c) {
  if (!p->proto->n_reserved_range && !p->proto->n_reserved_name) return;
  size_t npr, ncr;
  int64_t(*pr)[2] = message_ranges(p, &npr);
  int64_t(*cr)[2] = message_ranges(c, &ncr);
  if (!pr || !cr) {
    cx->nomem = true;
  } else {
    evs_reserved_check(cx, "message", c->full_name, &c->src, &p->src, (const int64_t(*)[2])pr, npr,
                       (const int64_t(*)[2])cr, ncr, p->proto->reserved_name, p->proto->n_reserved_name,
                       c->proto->reserved_name, c->proto->n_reserved_name);
  }
  evs_free(pr);
  evs_free(cr);
}

/* proto3 messages have full JSON support (ALLOW); proto2 ones only best-effort (LEGACY_BEST_EFFORT), as
 * the json_format feature resolves for each syntax. */
void evs_rule_message_same_json_format(evs_cx *cx, const evs_message *p, const evs_message *c) {
  if (p->file->syntax == EVS_SYNTAX_PROTO3 && c->file->syntax != EVS_SYNTAX_PROTO3)
    evs_cx_report(cx, c->full_name, &c->src, &p->src,
                  "message %s changed JSON support from full (proto3) to best-effort (proto2)", c->full_name);
}

void evs_rule_oneof_no_delete(evs_cx *cx, const evs_message *p, const evs_message *c) {
  for (size_t i = 0; i < p->n_real_oneofs; i++) {
    bool found = false;
    for (size_t k = 0; k < c->n_real_oneofs && !found; k++)
      found = strcmp(p->oneofs[i].name, c->oneofs[k].name) == 0;
    if (!found)
      evs_cx_report(cx, c->full_name, &c->src, &p->oneofs[i].src, "oneof \"%s\" of message %s was deleted",
                    p->oneofs[i].name, c->full_name);
  }
}
