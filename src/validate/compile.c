/* evs_validator_new: the rules of every message type compiled once (patterns included), and for each type
 * the short list of fields the walk has to visit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
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
  evs_free(vr->keys);
  evs_free(vr->values);
  evs_free(vr->in_len);
  evs_free(vr->not_in_len);
}

/* The slot of descriptor d in the open-addressing table (mask = size - 1): a multiplicative hash of the
 * pointer, then linear probing. */
static size_t desc_slot(const ProtobufCMessageDescriptor *d, size_t mask) {
  return (size_t)(((uint64_t)(uintptr_t)d * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

const vmsg *evs_vmsg_for_desc(const evs_validator *v, const ProtobufCMessageDescriptor *d) {
  if (v->desc_mask) {
    for (size_t i = desc_slot(d, v->desc_mask);; i = (i + 1) & v->desc_mask) {
      if (v->by_desc[i].d == d) return v->by_desc[i].vm;
      if (!v->by_desc[i].d) break;
    }
  }
  /* A descriptor the registry maps to a view without it being the view's own (a catalog linked after a
   * dynamic descriptor was built): the registry's lookup by name. */
  const evs_message *m = evs_registry_message_for(v->reg, d);
  return m ? evs_vmsg_find(v, m) : NULL;
}

void evs_validator_free(evs_validator *v) {
  if (!v) return;
  evs_free(v->by_desc);
  for (size_t i = 0; i < v->n_msgs; i++) {
    vmsg *vm = &v->msgs[i];
    for (size_t k = 0; k < vm->n_fields; k++) free_rules(&vm->fields[k].rules);
    evs_free(vm->fields);
    evs_free(vm->required_oneofs);
  }
  evs_free(v->msgs);
  evs_free(v);
}

/* The byte lengths of rule texts, so that most list entries are told apart without comparing bytes. */
static size_t *lengths(const evs_rule_value *v, size_t n) {
  size_t *len = evs_malloc(n * sizeof *len);
  for (size_t i = 0; len && i < n; i++) len[i] = strlen(v[i].text);
  return len;
}

static evs_status compile_rules(const evs_field_rules *r, const evs_field *f, vrules *out, evs_error *err) {
  out->r = r;
  if (!r) return EVS_OK;
  out->value_rules = evs_field_rules_constrain_value(r);
  out->required = r->has_required && r->required;
  out->smask = (r->has_const ? VS_CONST : 0) | (r->n_in ? VS_IN : 0) | (r->n_not_in ? VS_NOT_IN : 0) |
               (r->has_min_len || r->has_max_len ? VS_LEN : 0) |
               (r->has_min_bytes || r->has_max_bytes ? VS_BYTES : 0) |
               (r->prefix || r->suffix || r->contains ? VS_AFFIX : 0) |
               (r->has_uuid || r->has_email || r->has_uri || r->has_rfc3339 ? VS_FORMAT : 0);
  if (r->n_in && !(out->in_len = lengths(r->in_values, r->n_in))) goto nomem;
  if (r->n_not_in && !(out->not_in_len = lengths(r->not_in, r->n_not_in))) goto nomem;
  if (r->has_defined_only && r->defined_only && f->enum_type) {
    out->enum_mask_ok = true;
    for (size_t i = 0; i < f->enum_type->n_values; i++) {
      int32_t n = f->enum_type->values[i].number;
      if (n < 0 || n > 63)
        out->enum_mask_ok = false;
      else
        out->enum_mask |= (uint64_t)1 << n;
    }
  }
  evs_status st;
  evs_error perr;
  if (r->pattern && (st = evs_pattern_compile(r->pattern, &out->pattern, &perr)) != EVS_OK)
    return evs_fail(err, st, "field %s: pattern \"%.80s\": %s", f->full_name, r->pattern, perr.msg);
  const evs_field_rules *sub[2] = {r->keys, r->values};
  vrules **dst[2] = {&out->keys, &out->values};
  for (int i = 0; i < 2; i++) {
    if (!sub[i]) continue;
    *dst[i] = evs_calloc(1, sizeof **dst[i]);
    if (!*dst[i])
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory compiling the rules of %s", f->full_name);
    /* a map's key and value fields: the map entry's fields 0 and 1 */
    const evs_field *part = f->message_type ? &f->message_type->fields[i] : f;
    if ((st = compile_rules(sub[i], part, *dst[i], err)) != EVS_OK) return st;
  }
  return EVS_OK;
nomem:
  return evs_fail(err, EVS_ERR_NOMEM, "out of memory compiling the rules of %s", f->full_name);
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
  if (n && !(vm->fields = evs_calloc(n, sizeof *vm->fields))) goto nomem;
  if (n_oneofs && !(vm->required_oneofs = evs_calloc(n_oneofs, sizeof *vm->required_oneofs))) goto nomem;
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
    const ProtobufCFieldDescriptor *fd = vf->fd;
    vf->shape = f->is_map ? 2 : f->is_repeated ? 1 : 0;
    vf->offset = fd->offset;
    vf->qoffset = fd->quantifier_offset;
    vf->id = fd->id;
    vf->presence = (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ? VPRES_ONEOF
                   : fd->type == PROTOBUF_C_TYPE_MESSAGE     ? VPRES_POINTER
                   : fd->label == PROTOBUF_C_LABEL_REQUIRED  ? VPRES_ALWAYS
                   : fd->label != PROTOBUF_C_LABEL_OPTIONAL  ? VPRES_NONZERO
                   : fd->type == PROTOBUF_C_TYPE_STRING      ? VPRES_OPT_STRING
                                                             : VPRES_HAS;
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
  evs_validator *v = evs_calloc(1, sizeof *v);
  if (!v) return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a validator");
  v->reg = reg;
  v->clock = opts && opts->clock ? opts->clock : system_clock;
  v->clock_ctx = opts ? opts->clock_ctx : NULL;
  v->envelope = evs_registry_find_message(reg, "evs.v1.Envelope");
  size_t n;
  const evs_message *const *all = evs_registry_messages(reg, &n);
  if (n && !(v->msgs = evs_calloc(n, sizeof *v->msgs))) {
    evs_validator_free(v);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a validator");
  }
  v->n_msgs = n;
  for (size_t i = 0; i < n; i++) v->msgs[i].m = all[i];
  qsort(v->msgs, n, sizeof *v->msgs, by_pointer);
  size_t size = 16;
  while (size < 2 * n) size *= 2; /* at most half full: short probes */
  if (n && !(v->by_desc = evs_calloc(size, sizeof *v->by_desc))) {
    evs_validator_free(v);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a validator");
  }
  if (n) v->desc_mask = size - 1;
  for (size_t i = 0; i < n; i++) {
    const ProtobufCMessageDescriptor *d = v->msgs[i].m->c_desc;
    size_t k = desc_slot(d, v->desc_mask);
    while (v->by_desc[k].d) k = (k + 1) & v->desc_mask;
    v->by_desc[k] = (vdesc){d, &v->msgs[i]};
  }
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
