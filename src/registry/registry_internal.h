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

#include "base/error_internal.h"
#include "evs/buf.h"
#include "evs/registry.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "registry/hash_internal.h"

/* Views are built in a batch's pool and stay writable until the batch commits (c_desc until a later
 * catalog links it), but the public structs hold const pointers to each other. Dropping the qualifier
 * happens here and nowhere else. */
static inline void *evs_writable(const void *view) {
  return (void *)(uintptr_t)view;
}

/* ---- pool: bump allocator, freed as a whole ---- */

typedef struct evs_pool_chunk evs_pool_chunk;
typedef struct evs_pool {
  evs_pool_chunk *head;
  size_t next_cap; /* chunks double from 64 KiB to 4 MiB: few chunks for a large load */
} evs_pool;

/* Zeroed, max_align_t-aligned memory for n objects of size bytes; NULL on overflow or out of memory. */
void *evs_pool_calloc(evs_pool *pool, size_t n, size_t size);
char *evs_pool_strndup(evs_pool *pool, const char *s, size_t len);
char *evs_pool_printf(evs_pool *pool, const char *fmt, ...) EVS_PRINTF(2, 3);
void evs_pool_free(evs_pool *pool);

/* ---- wire pre-scan (wirescan.c) ---- */

#define EVS_WIRE_PATH_MAX 256

typedef struct evs_wire_scan {
  size_t bad_offset;                   /* where a structural error was found */
  const char *why;                     /* static text, NULL when the bytes are well-formed */
  bool too_deep;                       /* why is a depth error (EVS_ERR_LIMIT) */
  bool truncated;                      /* why is a field or length running past its end */
  bool dup_message;                    /* a singular message field occurs twice in one message (merge) */
  bool has_group;                      /* a group (wire types 3/4) occurs: evs_wire_lift_groups */
  bool nul_found;                      /* a string field holds a NUL byte */
  size_t nul_offset;                   /* of that string's first byte */
  int32_t nul_path[EVS_WIRE_PATH_MAX]; /* SourceCodeInfo-style path of the string from the root */
  size_t nul_path_len;
  bool bad_utf8_found;        /* a string field is not well-formed UTF-8 */
  size_t bad_utf8_offset;     /* of its first ill-formed byte */
  const char *bad_utf8_field; /* that field's name (from the descriptor) */
  int32_t bad_utf8_path[EVS_WIRE_PATH_MAX];
  size_t bad_utf8_path_len;
  const char *missing_required; /* evs_wire_scan_required: name of a required field not there, else NULL */
  const char *missing_in;       /* full name of its message */
  size_t missing_offset;        /* first byte of that message */
  int32_t missing_path[EVS_WIRE_PATH_MAX];
  size_t missing_path_len;
} evs_wire_scan;

/* Walks `data` as a `desc` message without building it: bounds, wire types, nesting depth (max_depth
 * levels of sub-messages), NUL bytes and ill-formed UTF-8 in string fields. Needs no memory beyond a bounded
 * scratch array; returns false only when that scratch cannot be allocated. Results in *out. */
bool evs_wire_scan_message(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                           unsigned max_depth, evs_wire_scan *out);

/* Rewrites well-formed bytes of a `desc` message (checked by the scan first, `levels` deep at most) so that
 * every singular message field occurs once per message, holding the merge of all its occurrences (their
 * encodings concatenated, merged again inside), as protobuf's parsers do and protobuf-c's unpack does not:
 * it keeps only the last occurrence of a oneof member and fails on two occurrences that carry repeated
 * fields. A oneof member's occurrences merge only until another member of the oneof occurs. Everything
 * else is copied as it is, in order. Work is bounded: *budget bytes of scanning and copying, decremented.
 * Returns EVS_OK, EVS_ERR_NOMEM, or EVS_ERR_LIMIT when the budget runs out. */
evs_status evs_wire_merge(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                          unsigned levels, evs_buf *out, size_t *budget);
/* pos just after the start-group tag of group `number`: moves *pos past its matching end-group tag, over
 * nested groups (at most nest_left levels). NULL when well-formed; else why, with *pos at the offending
 * field and *too_deep / *truncated set when that is the reason. */
const char *evs_wire_skip_group(const uint8_t *d, size_t *pos, size_t end, uint32_t number,
                                unsigned nest_left, bool *too_deep, bool *truncated);

/* Groups (wire types 3/4), which protobuf-c 1.4.1 refuses even as unknown fields (wiregroups.c): each one
 * is lifted out of scanned bytes before unpack and put back after it as an unknown field of the message it
 * was in (tag, wire type 3, the bytes after the start tag through the end tag), which protobuf-c's pack
 * writes back as they were, after the known fields. */
typedef struct evs_wire_group {
  size_t path_at, path_len; /* the message it belongs to: (field number[, element index]) steps in paths */
  uint32_t number;
  size_t body, body_len; /* offsets in the lifted input: after the start tag, through the end tag */
} evs_wire_group;

typedef struct evs_wire_groups {
  evs_wire_group *v;
  size_t n, cap;
  int32_t *paths;
  size_t n_paths, cap_paths;
} evs_wire_groups;

/* Copies well-formed (scanned) bytes of a desc message to out without their groups, which go to *g.
 * EVS_ERR_NOMEM, or EVS_ERR_LIMIT for a group more than EVS_WIRE_PATH_MAX / 2 messages deep. */
evs_status evs_wire_lift_groups(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                evs_buf *out, evs_wire_groups *g);
/* Puts the groups of *g (lifted from data) back into msg as unknown fields, allocated through allocator
 * (NULL: malloc). A group in a message that unpack did not keep (a replaced oneof member) goes with it. */
evs_status evs_wire_attach_groups(ProtobufCMessage *msg, const uint8_t *data, const evs_wire_groups *g,
                                  ProtobufCAllocator *allocator);
void evs_wire_groups_free(evs_wire_groups *g);

/* The same walk, also looking for proto2 required fields (among each message's first 64) that are missing:
 * run after protobuf-c refused bytes the plain scan passed, to say which field. */
bool evs_wire_scan_required(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                            unsigned max_depth, evs_wire_scan *out);

/* ---- names (names.c) ---- */

bool evs_is_identifier(const char *s);
bool evs_is_dotted_identifier(const char *s); /* "a.b.c"; "" is not */
/* ProtoJSON's default json name: drop '_' and upper-case the letter after it. */
char *evs_default_json_name(evs_pool *pool, const char *name);
bool evs_is_schema_version(const char *s);
/* A bytes default as protoc stores it, C-escaped (\n, \", \001, \xHH), into out (at least strlen(s)
 * bytes); returns the length. A string default is stored as it is. */
size_t evs_c_unescape(const char *s, char *out);
evs_wkt evs_wkt_of_message(const char *full_name);
/* Strips protoc's comment text (len bytes, not NUL-terminated): the indentation common to all lines and
 * trailing newlines. NULL for NULL or blank input. */
const char *evs_trim_comment(evs_pool *pool, const char *text, size_t len);

/* ---- the batch ---- */

typedef struct evs_c_link {
  const void *desc; /* ProtobufCMessageDescriptor or ProtobufCEnumDescriptor; also the pointer-map key */
  evs_message *msg; /* one of msg / enm */
  evs_enum *enm;
} evs_c_link;

/* Growable array of pointers (malloc). */
typedef struct evs_ptrvec {
  void **v;
  size_t n, cap;
} evs_ptrvec;
bool evs_ptrvec_reserve(evs_ptrvec *pv, size_t extra); /* room for extra pushes that cannot fail */
bool evs_ptrvec_push(evs_ptrvec *pv, void *p);
void evs_ptrvec_free(evs_ptrvec *pv);

struct evs_registry {
  evs_hmap files, messages, enums; /* by name */
  evs_hmap c_messages, c_enums;    /* by protobuf-c descriptor address */
  evs_ptrvec file_list;            /* evs_file *, load order */
  evs_ptrvec msg_sorted, enum_sorted;
  evs_event_type *events; /* sorted by (name, version) */
  size_t n_events;
  evs_ptrvec pools;    /* evs_pool * of committed batches */
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
  evs_pool *pool;
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
/* Location of the declaration at a SourceCodeInfo path in `file` (e.g. {2} package, {6, 0} first service,
 * {4, 1, 2, 0} a field): from its view, else from the declarations without one. False (out->file set,
 * line 0) when the set had no location for it. */
bool evs_file_location(const evs_file *file, const int32_t *path, size_t n, evs_source_info *out);
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
 * built ones join b->links). evs_dynamic_fail_at is a test hook: the N-th allocation of the builder fails
 * (0 = never; set it only while no other thread loads). */
evs_status evs_build_dynamic(evs_batch *b);
extern size_t evs_dynamic_fail_at;
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

/* Loads for a reader that never asks for the evs custom options or event types (the compatibility
 * checker): their decoding is skipped, so a registry loaded this way has no event types and every
 * evs_message_options / evs_field_rules is empty. */
#define EVS_LOAD_NO_EVS_OPTIONS 1u
/* ... and never packs or unpacks messages: no dynamic descriptors are built (c_desc stays NULL unless a
 * catalog links compiled code), which keeps a 50,000-field load of the checker fast and small. */
#define EVS_LOAD_NO_C_DESC 2u
evs_status evs_registry_add_descriptor_set_flags(evs_registry *reg, const uint8_t *data, size_t len,
                                                 const char *origin, unsigned flags, evs_error *err);

#endif
