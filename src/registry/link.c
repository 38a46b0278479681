/* Matches a catalog's protobuf-c descriptors to registry views by full name and checks they describe the
 * same thing, so that the JSON codec can rely on fields[i] <-> c_desc->fields[i]. */
#include "registry/registry_internal.h"

#include <string.h>

static evs_status mismatch(evs_batch *b, const evs_catalog *cat, const evs_source_info *src, const char *what,
                           const char *name, const char *detail) {
  return evs_batch_fail(
      b, src, EVS_ERR_DESCRIPTOR,
      "catalog %s: the C code of %s %s disagrees with its descriptor set (%s); regenerate it",
      cat->name ? cat->name : "?", what, name, detail);
}

static evs_status check_message(evs_batch *b, const evs_catalog *cat, const ProtobufCMessageDescriptor *d,
                                const evs_message *m) {
  if (d->n_fields != m->n_fields) return mismatch(b, cat, &m->src, "message", m->full_name, "field count");
  for (size_t i = 0; i < m->n_fields; i++) {
    const ProtobufCFieldDescriptor *cf = &d->fields[i];
    const evs_field *f = &m->fields[i];
    bool same = cf->id == f->number && (!cf->name || strcmp(cf->name, f->name) == 0) &&
                (int)cf->type == f->traits->pbc_type &&
                (cf->label == PROTOBUF_C_LABEL_REPEATED) == f->is_repeated;
    if (same && cf->type == PROTOBUF_C_TYPE_MESSAGE) {
      const ProtobufCMessageDescriptor *sub = cf->descriptor;
      same = sub && sub->name && strcmp(sub->name, f->message_type->full_name) == 0;
    } else if (same && cf->type == PROTOBUF_C_TYPE_ENUM) {
      const ProtobufCEnumDescriptor *sub = cf->descriptor;
      same = sub && sub->name && strcmp(sub->name, f->enum_type->full_name) == 0;
    }
    if (!same) return mismatch(b, cat, &f->src, "message", m->full_name, f->name);
  }
  return EVS_OK;
}

static evs_status check_enum(evs_batch *b, const evs_catalog *cat, const ProtobufCEnumDescriptor *d,
                             const evs_enum *e) {
  for (unsigned i = 0; i < d->n_values; i++) {
    const ProtobufCEnumValue *cv = &d->values[i];
    const evs_enum_value *v = cv->name ? evs_enum_value_by_name(e, cv->name, strlen(cv->name)) : NULL;
    if (!v || v->number != cv->value)
      return mismatch(b, cat, &e->src, "enum", e->full_name, cv->name ? cv->name : "unnamed value");
  }
  return EVS_OK;
}

evs_status evs_link_catalog(evs_batch *b, const evs_catalog *cat) {
  const char *cname = cat->name ? cat->name : "?";
  size_t n = cat->n_messages + cat->n_enums;
  if (n < cat->n_messages || (cat->n_messages && !cat->messages) || (cat->n_enums && !cat->enums))
    return evs_batch_fail(b, NULL, EVS_ERR_INVALID_ARG, "catalog %s: descriptor arrays missing", cname);
  evs_c_link *links = evs_arena_calloc(b->pool, n, sizeof *links);
  if (!links && n)
    return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while linking catalog %s", cname);
  evs_status st;
  size_t k = 0;
  for (size_t i = 0; i < cat->n_messages; i++) {
    const ProtobufCMessageDescriptor *d = cat->messages[i];
    if (!d || d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC || !d->name)
      return evs_batch_fail(b, NULL, EVS_ERR_INVALID_ARG,
                            "catalog %s: message #%zu is not a protobuf-c message descriptor with names "
                            "(NULL, or generated with optimize_for = CODE_SIZE)",
                            cname, i);
    const evs_message *m = evs_batch_find_message(b, d->name, strlen(d->name));
    if (!m)
      return evs_batch_fail(b, NULL, EVS_ERR_DESCRIPTOR,
                            "catalog %s: C message %s is not in its descriptor set", cname, d->name);
    if ((st = check_message(b, cat, d, m))) return st;
    links[k++] = (evs_c_link){d, evs_writable(m), NULL};
  }
  for (size_t i = 0; i < cat->n_enums; i++) {
    const ProtobufCEnumDescriptor *d = cat->enums[i];
    if (!d || d->magic != PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC || !d->name)
      return evs_batch_fail(b, NULL, EVS_ERR_INVALID_ARG,
                            "catalog %s: enum #%zu is not a protobuf-c enum descriptor with names", cname, i);
    const evs_enum *e = evs_batch_find_enum(b, d->name, strlen(d->name));
    if (!e)
      return evs_batch_fail(b, NULL, EVS_ERR_DESCRIPTOR, "catalog %s: C enum %s is not in its descriptor set",
                            cname, d->name);
    if ((st = check_enum(b, cat, d, e))) return st;
    links[k++] = (evs_c_link){d, NULL, evs_writable(e)};
  }
  b->links = links;
  b->n_links = k;
  return EVS_OK;
}
