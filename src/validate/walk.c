/* evs_validate_message: a depth-first walk over the fields that have something to check, in declaration
 * order, elements in order: the stable order of violations. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "validate/validate_internal.h"

static void push(vctx *c, vpath_step step) {
  if (c->depth < VPATH_MAX) c->path[c->depth] = step;
  c->depth++;
}

/* The common step, written field by field (cheaper than a whole compound literal per field). */
static void push_field(vctx *c, const evs_field *f) {
  if (c->depth < VPATH_MAX) {
    vpath_step *st = &c->path[c->depth];
    st->f = f;
    st->name = NULL;
    st->kind = VSTEP_FIELD;
  }
  c->depth++;
}

static void pop(vctx *c) {
  c->depth--;
}

static const void *at(const void *msg, unsigned offset) {
  return (const char *)msg + offset;
}

/* ---- unique: sort element indices, then compare neighbours (n log n whatever the input) ---- */

typedef struct uniq {
  const ProtobufCFieldDescriptor *fd;
  const char *base;
  size_t size;
} uniq;

static int cmp_elems(const uniq *u, size_t a, size_t b) {
  const void *x = u->base + a * u->size, *y = u->base + b * u->size;
  switch (u->fd->type) {
    case PROTOBUF_C_TYPE_STRING:
      return strcmp(*(char *const *)x, *(char *const *)y);
    case PROTOBUF_C_TYPE_BYTES: {
      const ProtobufCBinaryData *p = x, *q = y;
      size_t n = p->len < q->len ? p->len : q->len;
      int r = n ? memcmp(p->data, q->data, n) : 0;
      return r ? r : (p->len > q->len) - (p->len < q->len);
    }
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
      double p = u->fd->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)x : *(const double *)x;
      double q = u->fd->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)y : *(const double *)y;
      /* NaN sorts last and equals nothing, not even itself (as CEL's unique()). */
      if (isnan(p) || isnan(q)) return isnan(p) && isnan(q) ? (a > b) - (a < b) : isnan(p) ? 1 : -1;
      return (p > q) - (p < q);
    }
    default: /* integers, enums, bools: the bytes as one unsigned or signed number of their width */
      break;
  }
  const evs_type_traits *t = evs_type_traits_of_pbc(u->fd->type);
  int64_t i, j;
  if (t->bits == 64 && !t->is_signed) {
    uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
    return (p > q) - (p < q);
  }
  if (t->bits == 64) {
    i = *(const int64_t *)x, j = *(const int64_t *)y;
  } else if (t->type == EVS_TYPE_BOOL) {
    i = *(const protobuf_c_boolean *)x != 0, j = *(const protobuf_c_boolean *)y != 0;
  } else if (t->is_signed) {
    i = *(const int32_t *)x, j = *(const int32_t *)y;
  } else {
    i = *(const uint32_t *)x, j = *(const uint32_t *)y;
  }
  return (i > j) - (i < j);
}

/* Bottom-up merge sort of idx[0..n) (tmp: n more); stable, so the first duplicate found is the later one. */
static void sort_idx(const uniq *u, size_t *idx, size_t *tmp, size_t n) {
  for (size_t w = 1; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) tmp[k++] = cmp_elems(u, idx[b], idx[a]) < 0 ? idx[b++] : idx[a++];
      while (a < mid) tmp[k++] = idx[a++];
      while (b < hi) tmp[k++] = idx[b++];
    }
    memcpy(idx, tmp, n * sizeof *idx);
  }
}

/* The index of an element equal to an earlier one, or SIZE_MAX; *nomem on allocation failure. */
static size_t find_duplicate(const ProtobufCFieldDescriptor *fd, const void *base, size_t size, size_t n,
                             bool *nomem) {
  *nomem = false;
  if (n < 2) return SIZE_MAX;
  uniq u = {fd, base, size};
  if (n <= 16) {
    for (size_t b = 1; b < n; b++)
      for (size_t a = 0; a < b; a++)
        if (cmp_elems(&u, a, b) == 0) return b;
    return SIZE_MAX;
  }
  size_t *idx = evs_malloc(2 * n * sizeof *idx);
  if (!idx) {
    *nomem = true;
    return SIZE_MAX;
  }
  for (size_t i = 0; i < n; i++) idx[i] = i;
  sort_idx(&u, idx, idx + n, n);
  size_t dup = SIZE_MAX;
  for (size_t i = 1; i < n; i++)
    if (cmp_elems(&u, idx[i - 1], idx[i]) == 0 && (dup == SIZE_MAX || idx[i] < dup))
      dup = idx[i] > idx[i - 1] ? idx[i] : idx[i - 1];
  evs_free(idx);
  return dup;
}

/* ---- the walk ---- */

static bool walk(vctx *c, const vmsg *vm, const ProtobufCMessage *msg);

static bool count_rules(vctx *c, const evs_field *f, size_t n, bool map) {
  const evs_field_rules *r = f->rules;
  if (!r) return false;
  if (r->required && n == 0 && evs_vreport(c, "required", false, f, NULL, 0, "value is required"))
    return true;
  if (r->has_min_items && n < r->min_items &&
      evs_vreport(c, map ? "map.min_pairs" : "repeated.min_items", false, f, NULL, 0,
                  map ? "map must be at least %" PRIu64 " entries (has %zu)"
                      : "must contain at least %" PRIu64 " item(s) (has %zu)",
                  r->min_items, n))
    return true;
  if (r->has_max_items && n > r->max_items &&
      evs_vreport(c, map ? "map.max_pairs" : "repeated.max_items", false, f, NULL, 0,
                  map ? "map must be at most %" PRIu64 " entries (has %zu)"
                      : "must contain no more than %" PRIu64 " item(s) (has %zu)",
                  r->max_items, n))
    return true;
  return false;
}

static bool walk_map(vctx *c, const vfield *vf, const ProtobufCMessage *msg) {
  const evs_field *f = vf->f;
  size_t n = *(const size_t *)at(msg, vf->fd->quantifier_offset);
  ProtobufCMessage *const *entries = *(ProtobufCMessage *const *const *)at(msg, vf->fd->offset);
  if (count_rules(c, f, n, true)) return true;
  const evs_message *em = f->message_type;
  const evs_field *kf = &em->fields[0], *vfld = &em->fields[1];
  for (size_t i = 0; i < n; i++) {
    const ProtobufCMessage *e = entries[i];
    const ProtobufCFieldDescriptor *kfd = &e->descriptor->fields[0], *vfd = &e->descriptor->fields[1];
    const void *kslot = at(e, kfd->offset), *vslot = at(e, vfd->offset);
    push(c, (vpath_step){.f = f, .kind = VSTEP_KEY, .key = kslot, .key_field = kf, .key_fd = kfd});
    bool stop =
        (vf->rules.keys && evs_vcheck_value(c, vf->rules.keys, kf, kfd, kslot, VSTATE_MAPPART, true)) ||
        (vf->rules.values && evs_vcheck_value(c, vf->rules.values, vfld, vfd, vslot, VSTATE_MAPPART, false));
    if (!stop && vf->child) {
      const ProtobufCMessage *sub = *(ProtobufCMessage *const *)vslot;
      if (sub) stop = walk(c, vf->child, sub);
    }
    pop(c);
    if (stop) return true;
  }
  return false;
}

static bool walk_repeated(vctx *c, const vfield *vf, const ProtobufCMessage *msg) {
  const evs_field *f = vf->f;
  size_t n = *(const size_t *)at(msg, vf->fd->quantifier_offset);
  const char *arr = *(const char *const *)at(msg, vf->fd->offset);
  size_t size = evs_type_traits_of_pbc(vf->fd->type)->c_size; /* strings may be held as bytes */
  if (count_rules(c, f, n, false)) return true;
  const evs_field_rules *r = f->rules;
  if (r && r->unique && n > 1) {
    bool nomem;
    size_t dup = find_duplicate(vf->fd, arr, size, n, &nomem);
    if (nomem) {
      c->fail = EVS_ERR_NOMEM;
      return true;
    }
    if (dup != SIZE_MAX) {
      vtext t;
      evs_vtext_value(&t, f, vf->fd, arr + dup * size);
      if (evs_vreport(c, "repeated.unique", false, f, t.n ? t.s : NULL, t.n,
                      "repeated value must contain unique items (element %zu repeats an earlier one)", dup))
        return true;
    }
  }
  for (size_t i = 0; i < n; i++) {
    push(c, (vpath_step){.f = f, .kind = VSTEP_INDEX, .index = i});
    const void *slot = arr + i * size;
    bool stop = vf->rules.r && evs_vcheck_value(c, &vf->rules, f, vf->fd, slot, VSTATE_ELEMENT, false);
    if (!stop && vf->child) {
      const ProtobufCMessage *sub = *(ProtobufCMessage *const *)slot;
      if (sub) stop = walk(c, vf->child, sub);
    }
    pop(c);
    if (stop) return true;
  }
  return false;
}

/* Whether singular field vf of msg is set (docs/validation.md "When rules are checked"). */
static bool is_set(const vfield *vf, const ProtobufCMessage *msg) {
  const void *slot = at(msg, vf->offset);
  switch (vf->presence) {
    case VPRES_ONEOF:
      return *(const uint32_t *)at(msg, vf->qoffset) == vf->id;
    case VPRES_POINTER:
      return *(ProtobufCMessage *const *)slot != NULL;
    case VPRES_ALWAYS:
      return true;
    case VPRES_OPT_STRING: {
      const char *s = *(char *const *)slot;
      return s && s != (const char *)vf->fd->default_value;
    }
    case VPRES_HAS:
      return *(const protobuf_c_boolean *)at(msg, vf->qoffset);
    default:
      return !evs_vis_zero(vf->fd, slot);
  }
}

static bool walk(vctx *c, const vmsg *vm, const ProtobufCMessage *msg) {
  for (size_t i = 0; i < vm->n_fields; i++) {
    const vfield *vf = &vm->fields[i];
    const evs_field *f = vf->f;
    push_field(c, f);
    bool stop;
    if (vf->shape == 2) {
      stop = walk_map(c, vf, msg);
    } else if (vf->shape == 1) {
      stop = walk_repeated(c, vf, msg);
    } else {
      bool set = is_set(vf, msg);
      const void *slot = at(msg, vf->offset);
      /* The common cases decided here: an unset field without `required`, a set one with nothing more. */
      stop = vf->rules.r && (set ? vf->rules.value_rules : vf->rules.required) &&
             evs_vcheck_value(c, &vf->rules, f, vf->fd, slot, set ? VSTATE_SET : VSTATE_UNSET, false);
      if (!stop && set && vf->child) stop = walk(c, vf->child, *(ProtobufCMessage *const *)slot);
    }
    pop(c);
    if (stop) return true;
  }
  for (size_t i = 0; i < vm->n_required_oneofs; i++) {
    const evs_oneof *o = vm->required_oneofs[i];
    const ProtobufCFieldDescriptor *fd = &vm->m->c_desc->fields[o->fields[0]->index];
    if (*(const uint32_t *)at(msg, fd->quantifier_offset) != 0) continue;
    push(c, (vpath_step){.name = o->name, .kind = VSTEP_FIELD});
    bool stop = evs_vreport(c, "required", false, NULL, NULL, 0, "exactly one field is required in oneof");
    pop(c);
    if (stop) return true;
  }
  return false;
}

void evs_vctx_init(vctx *c, const evs_validator *v, evs_violations *out, uint32_t flags) {
  /* Field by field: the path steps are written before they are read, and zeroing them all costs more than
   * validating a small message. */
  c->v = v;
  c->out = out;
  c->flags = flags;
  c->depth = 0;
  c->have_now = false;
  c->now_s = 0;
  c->now_ns = 0;
  c->found = 0;
  c->fail = EVS_OK;
}

evs_status evs_vfinish(vctx *c, size_t before, evs_error *err) {
  if (c->fail)
    return evs_fail(err, c->fail, "out of memory while validating (%zu violation(s) found so far)", c->found);
  if (!c->found) return EVS_OK;
  if (before >= c->out->n) return evs_fail(err, EVS_ERR_VALIDATION, "%zu violation(s)", c->found);
  const evs_violation *first = &c->out->v[before];
  return evs_fail(err, EVS_ERR_VALIDATION, "%zu violation(s); first: %s%s%s [%s]", c->found, first->path,
                  *first->path ? ": " : "", first->message, first->rule_id);
}

evs_status evs_validate_message(const evs_validator *v, const ProtobufCMessage *msg, uint32_t flags,
                                evs_violations *out, evs_error *err) {
  if (!v || !msg || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG,
                    "evs_validate_message: validator, message and out are required");
  const vmsg *vm = evs_vmsg_for_desc(v, msg->descriptor);
  if (!vm)
    return evs_fail(err, EVS_ERR_NOT_FOUND, "message type %s is not in the validator's registry",
                    msg->descriptor && msg->descriptor->name ? msg->descriptor->name : "(unnamed)");
  if (!vm->active) return EVS_OK;
  vctx c;
  evs_vctx_init(&c, v, out, flags);
  size_t before = out->n;
  walk(&c, vm, msg);
  return evs_vfinish(&c, before, err);
}
