/* Registry internals shared by the src/registry sources (not installed).
 *
 * A load runs as a batch: the set is size/depth-checked (wirescan.c), unpacked, turned into views in the
 * batch's own pool and name tables (build.c), given source info (srcinfo.c), resolved and checked
 * (resolve.c), its options decoded (options.c) and C descriptors matched (link.c). Only when all of that
 * succeeds does registry.c commit it: every allocation the commit needs is made before the first change,
 * so a failed load leaves the registry untouched. */
#ifndef EVS_REGISTRY_INTERNAL_H
#define EVS_REGISTRY_INTERNAL_H

#include <stdarg.h>

#include "base/arena_internal.h"
#include "base/error_internal.h"
#include "base/grow_internal.h"
#include "evs/buf.h"
#include "evs/registry.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "registry/registry_lib.h"
#include "base/hash_internal.h"
#include "base/wire_internal.h"

/* Views are built in a batch's pool and stay writable until the batch commits (c_desc until a later
 * catalog links it), but the public structs hold const pointers to each other. Dropping the qualifier
 * happens here and nowhere else. */
static inline void *evs_writable(const void *view) {
  return (void *)(uintptr_t)view;
}

/* ---- names (names.c) ---- */

bool evs_is_identifier(const char *s);
bool evs_is_dotted_identifier(const char *s); /* "a.b.c"; "" is not */
/* ProtoJSON's default json name: drop '_' and upper-case the letter after it. */
char *evs_default_json_name(evs_arena *pool, const char *name);
/* Whether json is name's default json name (evs_default_json_name, without building it). */
bool evs_is_default_json_name(const char *name, const char *json);
bool evs_is_schema_version(const char *s);
evs_wkt evs_wkt_of_message(const char *full_name);
/* Strips protoc's comment text (len bytes, not NUL-terminated): the indentation common to all lines and
 * trailing newlines. NULL for NULL or blank input. */
const char *evs_trim_comment(evs_arena *pool, const char *text, size_t len);

/* ---- the batch ---- */

typedef struct evs_c_link {
  const void *desc; /* ProtobufCMessageDescriptor or ProtobufCEnumDescriptor; also the pointer-map key */
  evs_message *msg; /* one of msg / enm */
  evs_enum *enm;
} evs_c_link;

struct evs_registry {
  evs_hmap files, messages, enums; /* by name */
  evs_hmap c_messages, c_enums;    /* by protobuf-c descriptor address */
  evs_ptrvec file_list;            /* evs_file *, load order */
  evs_ptrvec msg_sorted, enum_sorted;
  evs_event_type *events; /* sorted by (name, version) */
  size_t n_events;
  evs_ptrvec pools;    /* evs_arena * of committed batches */
  evs_ptrvec sets;     /* evs_arena * holding each unpacked FileDescriptorSet, alive for the views' strings */
  char *protoc_output; /* protoc's stderr from the last evs_registry_load_protos(), malloc'd or NULL */
};

/* A file's SourceCodeInfo bytes inside the set being loaded (srcinfo.c). */
typedef struct evs_src_range {
  size_t file_index; /* position of the file in the set */
  const uint8_t *data;
  size_t len;
} evs_src_range;

/* A declaration's location that no view holds (package, service, reserved range, ...). */
typedef struct evs_src_extra {
  const int32_t *path;
  size_t n_path;
  evs_source_info src;
} evs_src_extra;

typedef struct evs_batch {
  evs_registry *reg;
  const char *origin;
  evs_error *err;
  evs_arena *pool;
  Google__Protobuf__FileDescriptorSet *set; /* unpacked into `arena`: dropping the arena frees it */
  struct evs_arena *arena;
  evs_hmap files, messages, enums; /* new names, growable */
  evs_ptrvec new_files, new_msgs, new_enums;
  evs_event_type *events; /* new event types */
  size_t n_events;
  evs_c_link *links;
  size_t n_links;
  evs_wire_scan scan;
  unsigned flags;            /* EVS_LOAD_* */
  const uint8_t *data;       /* the bytes being loaded (offsets in errors are from here) */
  evs_src_range *src_ranges; /* malloc'd; point into `data` */
  size_t n_src_ranges, cap_src_ranges;
  evs_hslot *name_scratch; /* EVS_LOAD_NO_NAME_INDEX: the one table every message's names are checked in */
  size_t cap_name_scratch;
} evs_batch;

/* Fails the batch: fills err (code, printf message) and the location of src (file, line:col) or, when src
 * is NULL, the batch origin. Returns code. */
evs_status evs_batch_fail(evs_batch *b, const evs_source_info *src, evs_status code, const char *fmt, ...)
    EVS_PRINTF(4, 5);

const evs_message *evs_batch_find_message(const evs_batch *b, const char *full_name, size_t len);
const evs_enum *evs_batch_find_enum(const evs_batch *b, const char *full_name, size_t len);
const evs_file *evs_batch_find_file(const evs_batch *b, const char *name);

/* build.c: views and name tables for every file of b->set not loaded yet. */
evs_status evs_build_files(evs_batch *b);
/* srcinfo.c: evs_srcinfo_split copies the set without its SourceCodeInfo into *out (malloc'd; NULL when
 * there is nothing to split: load the original) and records where each file's locations are;
 * evs_srcinfo_apply gives one new file (the set's file_index-th) its locations and comments;
 * evs_srcinfo_report_nul reports a NUL string found by the scan. */
evs_status evs_srcinfo_split(evs_batch *b, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len);
evs_status evs_srcinfo_apply(evs_batch *b, evs_file *file, size_t file_index);
evs_status evs_srcinfo_report_nul(evs_batch *b);
/* resolve.c: dependencies, type names, field checks, name indexes, maps. */
evs_status evs_resolve_files(evs_batch *b);
/* resolve.c, shared with refs.c: a fully qualified type name (".pkg.Msg") to a message (or, want_enum, an
 * enum) of the batch or the registry, failing at src with "<what>: ..."; the number, label and type of a
 * field or extension declaration (*traits on success). */
evs_status evs_resolve_type_name(evs_batch *b, const evs_source_info *src, const char *what, const char *tn,
                                 bool want_enum, const evs_message **msg, const evs_enum **enm);
evs_status evs_check_field_decl(evs_batch *b, const evs_source_info *src, const char *full_name,
                                const Google__Protobuf__FieldDescriptorProto *fd,
                                const evs_type_traits **traits);
/* dynamic.c: protobuf-c descriptors for every new type without compiled code (after evs_link_catalog; the
 * built ones join b->links). */
evs_status evs_build_dynamic(evs_batch *b);
/* Test hook: build string fields as protoc-c's `char *` (to compare the layout with protoc-c's). */
extern bool evs_dynamic_char_strings;
/* refs.c: the declarations without views (services, methods, extensions) of the batch's new files. */
evs_status evs_check_services_extensions(evs_batch *b);
/* options.c: (evs.v1.event), (evs.v1.field) and (evs.v1.oneof) of every new message; collects b->events. */
evs_status evs_decode_options(evs_batch *b);
/* A copy of s (NULL for NULL) in the batch's pool; on failure *ok becomes false. */
const char *evs_batch_dup_str(evs_batch *b, const char *s, bool *ok);
/* rules.c: f->rules / o->required from the unpacked evs.v1.FieldRules / evs.v1.OneofRules, checked against
 * the field's type (and the pattern dialect). */
evs_status evs_rules_decode(evs_batch *b, evs_field *f, const ProtobufCMessage *raw);
evs_status evs_oneof_rules_decode(evs_batch *b, evs_oneof *o, const ProtobufCMessage *raw);
/* link.c: checks a catalog's C descriptors against the batch and the registry, fills b->links. */
evs_status evs_link_catalog(evs_batch *b, const evs_catalog *cat);

int evs_event_type_cmp(const void *a, const void *b);

#endif
