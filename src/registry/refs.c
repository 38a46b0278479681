/* Checks the declarations the registry keeps no views for - services, their methods, extensions - because
 * readers of the raw descriptor protos (the compatibility checker) pair and compare them by name, number
 * and type: a nameless method, an unresolved input type or two extensions of one number would otherwise
 * load and then differ from themselves. The rules are protoc's: identifiers, full names unique among all
 * symbols of the set, type references that resolve (messages for methods and extendees), extension numbers
 * inside an extension range of the extendee and used once per extendee. Names and numbers are checked
 * within the batch and against the messages and enums already in the registry. */
#include "registry/registry_internal.h"

#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN 256 /* the wire scan bounds nesting at EVS_REGISTRY_MAX_DEPTH levels: 2 per level */

typedef struct refs {
  evs_batch *b;
  evs_hmap names; /* full names of services, methods and extensions; "extendee#number" of extensions */
  const evs_file *file;
  int32_t path[PATH_MAX_LEN];
} refs;

static evs_status nomem(evs_batch *b) {
  return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
}

static evs_source_info where(const refs *r, size_t n_path) {
  evs_source_info src;
  if (!evs_file_location(r->file, r->path, n_path, &src)) src.file = r->file->name;
  return src;
}

static const char *scoped(refs *r, const char *scope, const char *name) {
  return evs_arena_printf(r->b->pool, "%s%s%s", scope, *scope ? "." : "", name);
}

/* Records key (pool-owned) -> value; the value already stored under it, NULL when new, or key on OOM. */
static const void *record(refs *r, const char *key, const void *value) {
  if (!evs_hmap_reserve(&r->names, 1)) return key;
  return evs_hmap_put(&r->names, key, strlen(key), value);
}

static evs_status define(refs *r, const char *kind, const char *full, const evs_source_info *src) {
  size_t len = strlen(full);
  if (evs_batch_find_message(r->b, full, len) || evs_batch_find_enum(r->b, full, len))
    return evs_batch_fail(r->b, src, EVS_ERR_DUPLICATE, "%s %s has the name of a message or enum", kind,
                          full);
  const void *old = record(r, full, kind);
  if (old == full) return nomem(r->b);
  if (old)
    return evs_batch_fail(r->b, src, EVS_ERR_DUPLICATE, "%s %s is defined again (first as a %s)", kind, full,
                          (const char *)old);
  return EVS_OK;
}

static evs_status check_method(refs *r, const char *svc, const Google__Protobuf__MethodDescriptorProto *md,
                               size_t index) {
  evs_source_info src = where(r, 4);
  evs_batch *b = r->b;
  if (!md->name || !evs_is_identifier(md->name))
    return evs_batch_fail(b, &src, EVS_ERR_DESCRIPTOR,
                          "service %s: method #%zu has an invalid name \"%.80s\"", svc, index + 1,
                          md->name ? md->name : "");
  const char *full = scoped(r, svc, md->name);
  if (!full) return nomem(b);
  evs_status st = define(r, "method", full, &src);
  char what[320];
  snprintf(what, sizeof what, "input of method %.280s", full);
  if (!st) st = evs_resolve_type_name(b, &src, what, md->input_type, false, NULL, NULL);
  snprintf(what, sizeof what, "output of method %.280s", full);
  if (!st) st = evs_resolve_type_name(b, &src, what, md->output_type, false, NULL, NULL);
  return st;
}

static evs_status check_service(refs *r, const Google__Protobuf__ServiceDescriptorProto *sd, size_t index) {
  evs_source_info src = where(r, 2);
  if (!sd->name || !evs_is_identifier(sd->name))
    return evs_batch_fail(r->b, &src, EVS_ERR_DESCRIPTOR,
                          "file %s: service #%zu has an invalid name \"%.80s\"", r->file->name, index + 1,
                          sd->name ? sd->name : "");
  const char *full = scoped(r, r->file->package, sd->name);
  if (!full) return nomem(r->b);
  evs_status st = define(r, "service", full, &src);
  for (size_t m = 0; !st && m < sd->n_method; m++) {
    r->path[2] = 2;
    r->path[3] = (int32_t)m;
    st = check_method(r, full, sd->method[m], m);
  }
  return st;
}

static bool in_extension_range(const evs_message *m, int32_t number) {
  const Google__Protobuf__DescriptorProto *dp = m->proto;
  for (size_t i = 0; i < dp->n_extension_range; i++) {
    const Google__Protobuf__DescriptorProto__ExtensionRange *er = dp->extension_range[i];
    if (er->has_start && er->has_end && number >= er->start && number < er->end) return true;
  }
  return false;
}

/* path[0 .. n_path) locates the extension. */
static evs_status check_extension(refs *r, const char *scope,
                                  const Google__Protobuf__FieldDescriptorProto *fd, size_t n_path) {
  evs_batch *b = r->b;
  evs_source_info src = where(r, n_path);
  if (!fd->name || !evs_is_identifier(fd->name))
    return evs_batch_fail(b, &src, EVS_ERR_DESCRIPTOR, "%s%s: extension with an invalid name \"%.80s\"",
                          *scope ? "" : "file ", *scope ? scope : r->file->name, fd->name ? fd->name : "");
  const char *full = scoped(r, scope, fd->name);
  if (!full) return nomem(b);
  const evs_type_traits *traits = NULL;
  evs_status st = define(r, "extension", full, &src);
  if (!st) st = evs_check_field_decl(b, &src, full, fd, &traits);
  if (st) return st;
  if (fd->label == GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REQUIRED || fd->has_oneof_index ||
      (fd->has_proto3_optional && fd->proto3_optional))
    return evs_batch_fail(b, &src, EVS_ERR_DESCRIPTOR,
                          "extension %s cannot be required, proto3 optional or in a oneof", full);
  char what[320];
  snprintf(what, sizeof what, "extension %.280s", full);
  bool is_enum = traits->type == EVS_TYPE_ENUM;
  if (is_enum || traits->type == EVS_TYPE_MESSAGE || traits->type == EVS_TYPE_GROUP)
    st = evs_resolve_type_name(b, &src, what, fd->type_name, is_enum, NULL, NULL);
  const evs_message *extendee = NULL;
  snprintf(what, sizeof what, "extendee of extension %.280s", full);
  if (!st) st = evs_resolve_type_name(b, &src, what, fd->extendee, false, &extendee, NULL);
  if (st) return st;
  if (!in_extension_range(extendee, fd->number))
    return evs_batch_fail(b, &src, EVS_ERR_DESCRIPTOR,
                          "extension %s: number %d is not in an extension range of %s", full, fd->number,
                          extendee->full_name);
  const char *key = evs_arena_printf(b->pool, "%s#%d", extendee->full_name, fd->number);
  const void *old = key ? record(r, key, full) : NULL;
  if (!key || old == key) return nomem(b);
  if (old)
    return evs_batch_fail(b, &src, EVS_ERR_DUPLICATE, "extension %s: number %d of %s is already extension %s",
                          full, fd->number, extendee->full_name, (const char *)old);
  return EVS_OK;
}

/* Whether dp or a message nested in it declares an extension: most schemas declare none, and the walk
 * below would otherwise build (in the pool) the full name of every nested message for nothing. */
static bool has_extensions(const Google__Protobuf__DescriptorProto *dp) {
  if (dp->n_extension) return true;
  for (size_t i = 0; i < dp->n_nested_type; i++)
    if (has_extensions(dp->nested_type[i])) return true;
  return false;
}

/* The extensions of message dp (full name `scope`, at path[0 .. depth)) and of its nested messages. */
static evs_status check_message_extensions(refs *r, const char *scope,
                                           const Google__Protobuf__DescriptorProto *dp, size_t depth) {
  if (depth + 2 > PATH_MAX_LEN)
    return evs_batch_fail(r->b, NULL, EVS_ERR_LIMIT, "messages nested too deeply in %s", r->file->name);
  evs_status st = EVS_OK;
  for (size_t i = 0; !st && i < dp->n_extension; i++) {
    r->path[depth] = 6;
    r->path[depth + 1] = (int32_t)i;
    st = check_extension(r, scope, dp->extension[i], depth + 2);
  }
  for (size_t i = 0; !st && i < dp->n_nested_type; i++) {
    if (!has_extensions(dp->nested_type[i])) continue;
    const char *inner = scoped(r, scope, dp->nested_type[i]->name ? dp->nested_type[i]->name : "");
    if (!inner) return nomem(r->b);
    r->path[depth] = 3;
    r->path[depth + 1] = (int32_t)i;
    st = check_message_extensions(r, inner, dp->nested_type[i], depth + 2);
  }
  return st;
}

static evs_status check_file(refs *r, const evs_file *f) {
  const Google__Protobuf__FileDescriptorProto *fd = f->proto;
  r->file = f;
  evs_status st = EVS_OK;
  for (size_t s = 0; !st && s < fd->n_service; s++) {
    r->path[0] = 6;
    r->path[1] = (int32_t)s;
    st = check_service(r, fd->service[s], s);
  }
  for (size_t e = 0; !st && e < fd->n_extension; e++) {
    r->path[0] = 7;
    r->path[1] = (int32_t)e;
    st = check_extension(r, f->package, fd->extension[e], 2);
  }
  for (size_t m = 0; !st && m < fd->n_message_type; m++) {
    if (!has_extensions(fd->message_type[m])) continue;
    r->path[0] = 4;
    r->path[1] = (int32_t)m;
    st = check_message_extensions(r, f->messages[m]->full_name, fd->message_type[m], 2);
  }
  return st;
}

evs_status evs_check_services_extensions(evs_batch *b) {
  refs r;
  memset(&r, 0, sizeof r);
  r.b = b;
  evs_hmap_init(&r.names);
  evs_status st = EVS_OK;
  for (size_t i = 0; !st && i < b->new_files.n; i++) st = check_file(&r, b->new_files.v[i]);
  evs_hmap_free(&r.names);
  return st;
}
