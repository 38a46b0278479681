/* Dynamic protobuf-c descriptors: a ProtobufCMessageDescriptor / ProtobufCEnumDescriptor built from the
 * registry's views for every type of a batch that has no compiled (protoc-c) code, so that protobuf-c's
 * pack, unpack and free_unpacked and the JSON codec work on any loaded type.
 *
 * Built eagerly while the batch loads (docs/performance.md has the numbers that chose eager over lazy):
 * the descriptors live in the batch's pool, are never written once committed, and so are safe to share
 * between threads with no lock; a failed load drops them with the rest of the batch.
 *
 * Struct layout follows protoc-c 1.4: the ProtobufCMessage header, then the fields outside real oneofs in
 * declaration order (`size_t n_x; T *x;` when repeated, `protobuf_c_boolean has_x; T x;` for explicit
 * presence of a non-pointer value), then per oneof `uint32_t x_case;` and a union of its members. Sizes and
 * alignment come from the type-traits table. proto3 `optional` (a synthetic oneof) is laid out as a proto2
 * optional field: a has_ flag, or a NULL pointer for messages. One departure: string fields are
 * ProtobufCBinaryData (EVS_FIELD_FLAG_STRING), so that they keep U+0000; with evs_dynamic_char_strings
 * set the layout is protoc-c's exactly. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

bool evs_dynamic_char_strings;

/* Whether string field f is held as ProtobufCBinaryData (EVS_FIELD_FLAG_STRING, include/evs/types.h), so
 * that it keeps U+0000. The google.protobuf types keep `char *`: the JSON codec reads their special forms
 * through protoc-c's structs. */
static bool string_as_bytes(const evs_field *f) {
  return f->type == EVS_TYPE_STRING && !evs_dynamic_char_strings &&
         !(f->parent->file->package && strcmp(f->parent->file->package, "google.protobuf") == 0);
}

/* The traits of f's C representation: bytes for strings held as ProtobufCBinaryData. */
static const evs_type_traits *c_traits(const evs_field *f) {
  return string_as_bytes(f) ? evs_type_traits_of(EVS_TYPE_BYTES) : f->traits;
}

typedef struct dyn {
  evs_batch *b;
} dyn;

static void *dyn_alloc(dyn *d, size_t n, size_t size) {
  if (!evs_alloc_admit(n * size)) return NULL; /* each piece can be refused in a test, not only pool blocks */
  return evs_arena_calloc(d->b->pool, n, size);
}

static evs_status nomem(dyn *d, const char *name) {
  return evs_batch_fail(d->b, NULL, EVS_ERR_NOMEM, "out of memory building the protobuf-c descriptor of %s",
                        name);
}

static size_t align_up(size_t off, size_t a) {
  return (off + a - 1) / a * a;
}

/* Runs of consecutive numbers over `n` ascending values, with protobuf-c's closing sentinel. */
static ProtobufCIntRange *ranges_of(dyn *d, const int32_t *nums, size_t n, unsigned *n_ranges) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || nums[i] != nums[i - 1] + 1) k++;
  ProtobufCIntRange *r = dyn_alloc(d, k + 1, sizeof *r);
  if (!r) return NULL;
  k = 0;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || nums[i] != nums[i - 1] + 1) r[k++] = (ProtobufCIntRange){nums[i], (unsigned)i};
  r[k] = (ProtobufCIntRange){0, (unsigned)n};
  *n_ranges = (unsigned)k;
  return r;
}

/* qsort context-free comparators over index arrays need the names: sort (name, index) pairs instead. */
typedef struct name_ix {
  const char *name;
  unsigned index;
} name_ix;

static int cmp_name_ix(const void *a, const void *b) {
  return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

static evs_status build_enum(dyn *d, evs_enum *e) {
  ProtobufCEnumDescriptor *cd = dyn_alloc(d, 1, sizeof *cd);
  ProtobufCEnumValue *vals = dyn_alloc(d, e->n_by_number, sizeof *vals);
  int32_t *nums = dyn_alloc(d, e->n_by_number, sizeof *nums);
  ProtobufCEnumValueIndex *by_name = dyn_alloc(d, e->n_values, sizeof *by_name);
  name_ix *tmp = evs_malloc(e->n_values * sizeof *tmp);
  if (!cd || !vals || !nums || !by_name || !tmp) {
    evs_free(tmp);
    return nomem(d, e->full_name);
  }
  /* values: one per distinct number, ascending, as protoc-c writes them (aliases only by name). */
  for (size_t i = 0; i < e->n_by_number; i++) {
    const evs_enum_value *v = e->by_number[i];
    vals[i] = (ProtobufCEnumValue){v->name, v->name, v->number};
    nums[i] = v->number;
  }
  for (size_t i = 0; i < e->n_values; i++) {
    const evs_enum_value *v = &e->values[i];
    size_t lo = 0, hi = e->n_by_number;
    while (lo < hi) { /* index of v's number in vals */
      size_t mid = lo + (hi - lo) / 2;
      if (nums[mid] < v->number)
        lo = mid + 1;
      else
        hi = mid;
    }
    tmp[i] = (name_ix){v->name, (unsigned)lo};
  }
  qsort(tmp, e->n_values, sizeof *tmp, cmp_name_ix);
  for (size_t i = 0; i < e->n_values; i++) by_name[i] = (ProtobufCEnumValueIndex){tmp[i].name, tmp[i].index};
  evs_free(tmp);
  unsigned n_ranges = 0;
  ProtobufCIntRange *ranges = ranges_of(d, nums, e->n_by_number, &n_ranges);
  if (!ranges) return nomem(d, e->full_name);
  cd->magic = PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC;
  cd->name = e->full_name;
  cd->short_name = e->name;
  cd->c_name = e->full_name;
  cd->package_name = e->file->package;
  cd->n_values = (unsigned)e->n_by_number;
  cd->values = vals;
  cd->n_value_names = (unsigned)e->n_values;
  cd->values_by_name = by_name;
  cd->n_value_ranges = n_ranges;
  cd->value_ranges = ranges;
  e->c_desc = cd;
  e->c_desc_dynamic = true;
  return EVS_OK;
}

/* protoc-c's label for a field: proto3 singular fields without presence are LABEL_NONE. */
static ProtobufCLabel label_of(const evs_field *f) {
  if (f->is_repeated) return PROTOBUF_C_LABEL_REPEATED;
  if (f->label == EVS_LABEL_REQUIRED) return PROTOBUF_C_LABEL_REQUIRED;
  /* A map entry's key and value are always there for the reader, also in proto2 (a has_ flag the JSON
   * decoder never sets would drop them). */
  if (f->parent->map_entry) return PROTOBUF_C_LABEL_NONE;
  if (f->parent->file->syntax == EVS_SYNTAX_PROTO2 || f->proto3_optional) return PROTOBUF_C_LABEL_OPTIONAL;
  return PROTOBUF_C_LABEL_NONE;
}

/* The C value of a proto2 default (descriptor text: strings as they are, bytes C-escaped, enums by name,
 * numbers in decimal, "inf"/"-inf"/"nan"); an enum without one defaults to its first value. NULL with
 * *ok true when the field has no default. */
static const void *default_of(dyn *d, const evs_field *f, bool *ok) {
  const char *t = f->default_value;
  const evs_type_traits *tr = c_traits(f);
  *ok = true;
  if (f->type == EVS_TYPE_ENUM && f->enum_type) {
    const evs_enum_value *v = t ? evs_enum_value_by_name(f->enum_type, t, strlen(t)) : NULL;
    if (!v) v = &f->enum_type->values[0];
    int32_t *p = dyn_alloc(d, 1, sizeof *p);
    if (p) *p = v->number;
    *ok = p != NULL;
    return p;
  }
  if (!t) return NULL;
  if (f->type == EVS_TYPE_STRING && !string_as_bytes(f)) return t; /* NUL-terminated, owned by the set */
  if (tr->c_pointer) return NULL;                                  /* messages and groups have no default */
  void *p = dyn_alloc(d, 1, tr->c_size);
  if (!p) {
    *ok = false;
    return NULL;
  }
  if (f->type == EVS_TYPE_STRING) { /* the descriptor's text as it is, owned by the set */
    ProtobufCBinaryData bd = {strlen(t), (uint8_t *)(uintptr_t)t};
    memcpy(p, &bd, sizeof bd);
  } else if (f->type == EVS_TYPE_BYTES) {
    size_t len = strlen(t);
    uint8_t *data = dyn_alloc(d, len + 1, 1);
    if (!data) {
      *ok = false;
      return NULL;
    }
    ProtobufCBinaryData bd = {evs_c_unescape(t, (char *)data), data};
    memcpy(p, &bd, sizeof bd);
  } else if (f->type == EVS_TYPE_BOOL) {
    protobuf_c_boolean v = strcmp(t, "true") == 0;
    memcpy(p, &v, sizeof v);
  } else if (tr->is_float) {
    double v = strcmp(t, "nan") == 0 || strcmp(t, "-nan") == 0 ? NAN : strtod(t, NULL);
    float fv = (float)v;
    memcpy(p, tr->bits == 32 ? (const void *)&fv : (const void *)&v, tr->c_size);
  } else if (tr->is_signed) {
    long long v = strtoll(t, NULL, 10);
    int32_t v32 = (int32_t)v;
    memcpy(p, tr->bits == 32 ? (const void *)&v32 : (const void *)&v, tr->c_size);
  } else {
    unsigned long long v = strtoull(t, NULL, 10);
    uint32_t v32 = (uint32_t)v;
    memcpy(p, tr->bits == 32 ? (const void *)&v32 : (const void *)&v, tr->c_size);
  }
  return p;
}

static const void *sub_descriptor(const evs_field *f) {
  if (f->message_type) return f->message_type->c_desc;
  if (f->enum_type) return f->enum_type->c_desc;
  return NULL;
}

/* Places a field outside real oneofs at *off: quantifier (n_ or has_) first, then the value. */
static void place(ProtobufCFieldDescriptor *fd, const evs_field *f, size_t *off, size_t *max_align) {
  const evs_type_traits *tr = c_traits(f);
  if (f->is_repeated) {
    *off = align_up(*off, alignof(size_t));
    fd->quantifier_offset = (unsigned)*off;
    *off += sizeof(size_t);
    *off = align_up(*off, alignof(void *));
    fd->offset = (unsigned)*off;
    *off += sizeof(void *);
    if (alignof(size_t) > *max_align) *max_align = alignof(size_t);
    if (alignof(void *) > *max_align) *max_align = alignof(void *);
    return;
  }
  if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && !tr->c_pointer) {
    *off = align_up(*off, alignof(protobuf_c_boolean));
    fd->quantifier_offset = (unsigned)*off;
    *off += sizeof(protobuf_c_boolean);
    if (alignof(protobuf_c_boolean) > *max_align) *max_align = alignof(protobuf_c_boolean);
  }
  *off = align_up(*off, tr->c_align);
  fd->offset = (unsigned)*off;
  *off += tr->c_size;
  if (tr->c_align > *max_align) *max_align = tr->c_align;
}

/* What protobuf-c's message_init_generic does (it is static there): zero, descriptor, defaults. */
static void init_fields(const ProtobufCMessageDescriptor *desc, ProtobufCMessage *msg) {
  memset(msg, 0, desc->sizeof_message);
  msg->descriptor = desc;
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *fd = &desc->fields[i];
    if (!fd->default_value || fd->label == PROTOBUF_C_LABEL_REPEATED) continue;
    const evs_type_traits *tr = evs_type_traits_of_pbc(fd->type);
    char *slot = (char *)msg + fd->offset;
    if (tr->c_pointer)
      memcpy(slot, &fd->default_value, sizeof(void *));
    else
      memcpy(slot, fd->default_value, tr->c_size);
  }
}

static evs_status fill_message(dyn *d, evs_message *m) {
  ProtobufCMessageDescriptor *cd = evs_writable(m->c_desc);
  size_t n = m->n_fields;
  ProtobufCFieldDescriptor *fds = dyn_alloc(d, n ? n : 1, sizeof *fds);
  unsigned *sorted = dyn_alloc(d, n ? n : 1, sizeof *sorted);
  int32_t *nums = dyn_alloc(d, n ? n : 1, sizeof *nums);
  name_ix *tmp = evs_malloc((n ? n : 1) * sizeof *tmp);
  if (!fds || !sorted || !nums || !tmp) {
    evs_free(tmp);
    return nomem(d, m->full_name);
  }
  for (size_t i = 0; i < n; i++) {
    const evs_field *f = &m->fields[i];
    ProtobufCFieldDescriptor *fd = &fds[i];
    bool in_oneof = f->oneof && !f->oneof->synthetic;
    fd->name = f->name;
    fd->id = f->number;
    fd->label = label_of(f);
    /* protobuf-c has no groups: a group field is described as a message so that the descriptor keeps one
     * entry per field (the JSON codec indexes both arrays in parallel). Its slot stays NULL: group bytes
     * are kept as unknown fields around unpack (wiregroups.c) and the JSON codec refuses group fields. */
    fd->type = f->type == EVS_TYPE_GROUP ? PROTOBUF_C_TYPE_MESSAGE : (ProtobufCType)c_traits(f)->pbc_type;
    fd->descriptor = sub_descriptor(f);
    fd->flags =
        (string_as_bytes(f) ? EVS_FIELD_FLAG_STRING : 0) | (f->is_packed ? PROTOBUF_C_FIELD_FLAG_PACKED : 0) |
        (f->deprecated ? PROTOBUF_C_FIELD_FLAG_DEPRECATED : 0) | (in_oneof ? PROTOBUF_C_FIELD_FLAG_ONEOF : 0);
    if (in_oneof || f->is_repeated) {
      fd->default_value = NULL; /* a union slot takes no default: protobuf-c would free it as a value */
    } else if (fd->label == PROTOBUF_C_LABEL_NONE) {
      fd->default_value = fd->type == PROTOBUF_C_TYPE_STRING ? protobuf_c_empty_string : NULL;
    } else {
      bool ok;
      fd->default_value = default_of(d, f, &ok);
      if (!ok) {
        evs_free(tmp);
        return nomem(d, m->full_name);
      }
    }
    nums[i] = (int32_t)f->number;
    tmp[i] = (name_ix){f->name, (unsigned)i};
  }
  qsort(tmp, n, sizeof *tmp, cmp_name_ix);
  for (size_t i = 0; i < n; i++) sorted[i] = tmp[i].index;
  evs_free(tmp);

  size_t off = sizeof(ProtobufCMessage), max_align = alignof(ProtobufCMessage);
  for (size_t i = 0; i < n; i++) {
    const evs_field *f = m->decl_fields[i];
    if (!f->oneof || f->oneof->synthetic) place(&fds[f->index], f, &off, &max_align);
  }
  for (size_t k = 0; k < m->n_real_oneofs; k++) {
    const evs_oneof *o = &m->oneofs[k];
    off = align_up(off, alignof(uint32_t));
    size_t case_off = off;
    off += sizeof(uint32_t);
    size_t ua = 1, us = 0;
    for (size_t j = 0; j < o->n_fields; j++) {
      const evs_type_traits *tr = c_traits(o->fields[j]);
      if (tr->c_align > ua) ua = tr->c_align;
      if (tr->c_size > us) us = tr->c_size;
    }
    off = align_up(off, ua);
    for (size_t j = 0; j < o->n_fields; j++) {
      ProtobufCFieldDescriptor *fd = &fds[o->fields[j]->index];
      fd->quantifier_offset = (unsigned)case_off;
      fd->offset = (unsigned)off;
    }
    off += us;
    if (ua > max_align) max_align = ua;
  }
  unsigned n_ranges = 0;
  ProtobufCIntRange *ranges = ranges_of(d, nums, n, &n_ranges);
  if (!ranges) return nomem(d, m->full_name);
  cd->magic = PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC;
  cd->name = m->full_name;
  cd->short_name = m->name;
  cd->c_name = m->full_name;
  cd->package_name = m->file->package;
  cd->sizeof_message = align_up(off, max_align);
  cd->n_fields = (unsigned)n;
  cd->fields = fds;
  cd->fields_sorted_by_name = sorted;
  cd->n_field_ranges = n_ranges;
  cd->field_ranges = ranges;
  cd->message_init = NULL; /* protobuf-c's unpack then initialises from the defaults (evs_message_init) */
  /* An initialised message to copy: evs_message_init is then one memcpy, as protoc-c's INIT template is
   * (the per-field loop made small messages 10 % slower to decode from JSON). protobuf-c never reads
   * reserved1. */
  ProtobufCMessage *tpl = dyn_alloc(d, 1, cd->sizeof_message);
  if (!tpl) return nomem(d, m->full_name);
  init_fields(cd, tpl);
  cd->reserved1 = tpl;
  return EVS_OK;
}

evs_status evs_build_dynamic(evs_batch *b) {
  dyn d = {b};
  /* Compiled code linked in this very load wins: set it first so that dynamic types point at it. A view
   * committed earlier keeps the descriptor it has. */
  for (size_t i = 0; i < b->n_links; i++) {
    evs_c_link *l = &b->links[i];
    if (l->msg && !l->msg->c_desc) l->msg->c_desc = l->desc;
    if (l->enm && !l->enm->c_desc) l->enm->c_desc = l->desc;
  }
  size_t n_dyn = 0;
  for (size_t i = 0; i < b->new_enums.n; i++) {
    evs_enum *e = b->new_enums.v[i];
    if (e->c_desc) continue;
    evs_status st = build_enum(&d, e);
    if (st) return st;
    n_dyn++;
  }
  /* Every message descriptor exists before any field points at one (types refer to each other). */
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    evs_message *m = b->new_msgs.v[i];
    if (m->c_desc) continue;
    ProtobufCMessageDescriptor *cd = dyn_alloc(&d, 1, sizeof *cd);
    if (!cd) return nomem(&d, m->full_name);
    m->c_desc = cd;
    m->c_desc_dynamic = true;
    n_dyn++;
  }
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    evs_message *m = b->new_msgs.v[i];
    if (!m->c_desc_dynamic) continue;
    evs_status st = fill_message(&d, m);
    if (st) return st;
  }
  if (!n_dyn) return EVS_OK;
  /* The commit files built descriptors like linked ones, so that evs_registry_message_for() knows them. */
  evs_c_link *links = dyn_alloc(&d, b->n_links + n_dyn, sizeof *links);
  if (!links) return nomem(&d, "the descriptor set");
  if (b->n_links) memcpy(links, b->links, b->n_links * sizeof *links);
  size_t k = b->n_links;
  for (size_t i = 0; i < b->new_enums.n; i++) {
    evs_enum *e = b->new_enums.v[i];
    if (e->c_desc_dynamic) links[k++] = (evs_c_link){e->c_desc, NULL, e};
  }
  for (size_t i = 0; i < b->new_msgs.n; i++) {
    evs_message *m = b->new_msgs.v[i];
    if (m->c_desc_dynamic) links[k++] = (evs_c_link){m->c_desc, m, NULL};
  }
  b->links = links;
  b->n_links = k;
  return EVS_OK;
}

void evs_message_init(const ProtobufCMessageDescriptor *desc, ProtobufCMessage *msg) {
  if (desc->message_init)
    protobuf_c_message_init(desc, msg);
  else if (desc->reserved1) /* a descriptor of ours: its template */
    memcpy(msg, desc->reserved1, desc->sizeof_message);
  else
    init_fields(desc, msg);
}
evs_status evs_registry_new_message(const evs_registry *reg, const char *full_name,
                                    ProtobufCAllocator *allocator, ProtobufCMessage **out, evs_error *err) {
  evs_error_clear(err);
  if (out) *out = NULL;
  if (!reg || !full_name || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_new_message: %s is NULL",
                    !reg         ? "reg"
                    : !full_name ? "full_name"
                                 : "out");
  const evs_message *m = evs_registry_require_message(reg, full_name, err);
  if (!m) return err ? err->code : EVS_ERR_NOT_FOUND;
  if (!m->c_desc) /* defensive: every loaded message has one */
    return evs_fail(err, EVS_ERR_UNSUPPORTED, "message %s has no protobuf-c descriptor", m->full_name);
  size_t size = m->c_desc->sizeof_message;
  void *p = allocator ? allocator->alloc(allocator->allocator_data, size) : evs_malloc(size);
  if (!p) return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a %s", m->full_name);
  evs_message_init(m->c_desc, p);
  *out = p;
  return EVS_OK;
}
