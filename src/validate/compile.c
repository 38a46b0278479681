/* evs_validator_new: the rules of every message type compiled once (patterns included), and for each type
 * the short list of fields the walk has to visit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "evs/timeutil.h"
#include "validate/validate_internal.h"

static int by_pointer(const void *pa, const void *pb) {
  uintptr_t a = (uintptr_t)((const vmsg *)pa)->m, b = (uintptr_t)((const vmsg *)pb)->m;
  return a < b ? -1 : a > b;
}

const vmsg *evs_vmsg_find(const evs_validator *v, const evs_message *m) {
  vmsg key = {.m = m};
  return bsearch(&key, v->msgs, v->n_msgs, sizeof *v->msgs, by_pointer);
}

static void free_rules(vrules *vr) {
  if (!vr) return;
  evs_pattern_free(vr->pattern);
  if (vr->keys) free_rules(vr->keys);
  if (vr->values) free_rules(vr->values);
  free(vr->keys);
  free(vr->values);
}

void evs_validator_free(evs_validator *v) {
  if (!v) return;
  for (size_t i = 0; i < v->n_msgs; i++) {
    vmsg *vm = &v->msgs[i];
    for (size_t k = 0; k < vm->n_fields; k++) free_rules(&vm->fields[k].rules);
    free(vm->fields);
    free(vm->required_oneofs);
  }
  free(v->msgs);
  free(v);
}

static evs_status compile_rules(const evs_field_rules *r, const evs_field *f, vrules *out, evs_error *err) {
  out->r = r;
  if (!r) return EVS_OK;
  evs_status st;
  evs_error perr;
  if (r->pattern && (st = evs_pattern_compile(r->pattern, &out->pattern, &perr)) != EVS_OK)
    return evs_fail(err, st, "field %s: pattern \"%.80s\": %s", f->full_name, r->pattern, perr.msg);
  const evs_field_rules *sub[2] = {r->keys, r->values};
  vrules **dst[2] = {&out->keys, &out->values};
  for (int i = 0; i < 2; i++) {
    if (!sub[i]) continue;
    *dst[i] = calloc(1, sizeof **dst[i]);
    if (!*dst[i])
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory compiling the rules of %s", f->full_name);
    if ((st = compile_rules(sub[i], f, *dst[i], err)) != EVS_OK) return st;
  }
  return EVS_OK;
}

/* The message type whose rules apply below field f: its message type, or a map's value message type. */
static const evs_message *below(const evs_field *f) {
  if (!f->message_type) return NULL;
  if (f->is_map) return f->message_type->fields[1].message_type;
  return f->message_type;
}

static bool own_rules(const evs_message *m) {
  for (size_t i = 0; i < m->n_fields; i++)
    if (m->fields[i].rules) return true;
  for (size_t i = 0; i < m->n_oneofs; i++)
    if (m->oneofs[i].required) return true;
  return false;
}

static evs_status build_fields(evs_validator *v, vmsg *vm, evs_error *err) {
  const evs_message *m = vm->m;
  size_t n = 0, n_oneofs = 0;
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    const vmsg *child = below(f) ? evs_vmsg_find(v, below(f)) : NULL;
    n += f->rules || (child && child->active);
  }
  for (size_t i = 0; i < m->n_oneofs; i++) n_oneofs += m->oneofs[i].required;
  if (n && !(vm->fields = calloc(n, sizeof *vm->fields))) goto nomem;
  if (n_oneofs && !(vm->required_oneofs = calloc(n_oneofs, sizeof *vm->required_oneofs))) goto nomem;
  for (size_t i = 0; i < m->n_oneofs; i++)
    if (m->oneofs[i].required) vm->required_oneofs[vm->n_required_oneofs++] = &m->oneofs[i];
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    const vmsg *child = below(f) ? evs_vmsg_find(v, below(f)) : NULL;
    if (!f->rules && !(child && child->active)) continue;
    vfield *vf = &vm->fields[vm->n_fields++];
    vf->f = f;
    vf->fd = &m->c_desc->fields[f->index];
    vf->child = child && child->active ? child : NULL;
    evs_status st = compile_rules(f->rules, f, &vf->rules, err);
    if (st) return st;
  }
  return EVS_OK;
nomem:
  return evs_fail(err, EVS_ERR_NOMEM, "out of memory compiling the rules of %s", m->full_name);
}

static void system_clock(void *ctx, int64_t *seconds, int32_t *nanos) {
  (void)ctx;
  int64_t ms = evs_time_now_ms();
  *seconds = ms / 1000 - (ms % 1000 < 0);
  *nanos = (int32_t)(((ms % 1000) + 1000) % 1000) * 1000000;
}

evs_status evs_validator_new(const evs_registry *reg, const evs_validate_options *opts, evs_validator **out,
                             evs_error *err) {
  if (out) *out = NULL;
  if (!reg || !out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_validator_new: reg and out are required");
  evs_validator *v = calloc(1, sizeof *v);
  if (!v) return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a validator");
  v->reg = reg;
  v->clock = opts && opts->clock ? opts->clock : system_clock;
  v->clock_ctx = opts ? opts->clock_ctx : NULL;
  v->envelope = evs_registry_find_message(reg, "evs.v1.Envelope");
  size_t n;
  const evs_message *const *all = evs_registry_messages(reg, &n);
  if (n && !(v->msgs = calloc(n, sizeof *v->msgs))) {
    evs_validator_free(v);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a validator");
  }
  v->n_msgs = n;
  for (size_t i = 0; i < n; i++) v->msgs[i].m = all[i];
  qsort(v->msgs, n, sizeof *v->msgs, by_pointer);
  /* A type is active when it has rules or reaches one that has: propagate until nothing changes (types
   * may be recursive, so this is a fixed point rather than one depth-first pass). */
  for (size_t i = 0; i < n; i++) v->msgs[i].active = own_rules(v->msgs[i].m);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < n; i++) {
      vmsg *vm = &v->msgs[i];
      for (size_t k = 0; !vm->active && k < vm->m->n_fields; k++) {
        const evs_message *b = below(&vm->m->fields[k]);
        const vmsg *child = b ? evs_vmsg_find(v, b) : NULL;
        if (child && child->active) vm->active = changed = true;
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!v->msgs[i].active) continue;
    evs_status st = build_fields(v, &v->msgs[i], err);
    if (st) {
      evs_validator_free(v);
      return st;
    }
  }
  *out = v;
  return EVS_OK;
}
