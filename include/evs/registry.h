/* The schema registry: every message, enum and event type from the descriptor sets loaded into it, with
 * what protobuf-c's runtime descriptors lack (json_name, map-entry flag, oneof names, proto3 optional,
 * well-known-type kind, evs custom options, comments and file:line:col source locations).
 *
 * Ownership: an evs_registry owns everything reachable from it. The views below (evs_file, evs_message,
 * evs_field, evs_oneof, evs_enum, evs_enum_value, evs_event_options, evs_field_rules, their strings and
 * arrays) are read-only and stay valid until evs_registry_free(); loading more sets never moves or changes
 * a view already handed out. Every loaded message and enum has a protobuf-c descriptor (`c_desc`):
 * compiled code linked by evs_registry_add_catalog(), or one the registry builds at load, owned by it and
 * freed with it.
 * Callers never free views. Input buffers are copied: the caller may free them once a call returns.
 *
 * Loading is all-or-nothing: when an add/load call fails, the registry is exactly as it was before.
 *
 * Thread-safety: lookups and iteration take a const registry and may run concurrently from any number of
 * threads. Loading (add_*, load_file) must not run concurrently with anything else on the same registry.
 * evs_registry_builtin() is safe to call from any thread.
 *
 * Trust: descriptor sets may come from outside (evs --descriptor-set): every set is size- and
 * depth-checked before it is decoded, and every inconsistency is an error, never a crash
 * (docs/security.md). */
#ifndef EVS_REGISTRY_H
#define EVS_REGISTRY_H

#include <stdbool.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/catalog.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/types.h"

EVS_EXTERN_C_BEGIN

/* Largest descriptor set accepted, in bytes. */
#define EVS_REGISTRY_MAX_SET_SIZE ((size_t)256 << 20)
/* Deepest protobuf nesting accepted inside a descriptor set (set -> file -> message -> nested ...). */
#define EVS_REGISTRY_MAX_DEPTH 100

typedef struct evs_registry evs_registry;
typedef struct evs_file evs_file;
typedef struct evs_message evs_message;
typedef struct evs_field evs_field;
typedef struct evs_oneof evs_oneof;
typedef struct evs_enum evs_enum;
typedef struct evs_enum_value evs_enum_value;

/* The raw descriptor protos (gen/google/protobuf/descriptor.pb-c.h) behind each view, for what the views
 * do not model (reserved ranges, services, extension declarations, other options). */
struct Google__Protobuf__FileDescriptorProto;
struct Google__Protobuf__DescriptorProto;
struct Google__Protobuf__FieldDescriptorProto;
struct Google__Protobuf__OneofDescriptorProto;
struct Google__Protobuf__EnumDescriptorProto;
struct Google__Protobuf__EnumValueDescriptorProto;
struct evs_hmap; /* private name index */

/* Well-known types with a special JSON form (protojson.md §7), computed once at load. */
typedef enum evs_wkt {
  EVS_WKT_NONE = 0,
  EVS_WKT_ANY,
  EVS_WKT_TIMESTAMP,
  EVS_WKT_DURATION,
  EVS_WKT_STRUCT,
  EVS_WKT_VALUE,
  EVS_WKT_LIST_VALUE,
  EVS_WKT_NULL_VALUE, /* an enum: evs_enum.wkt */
  EVS_WKT_FIELD_MASK,
  EVS_WKT_EMPTY,
  EVS_WKT_DOUBLE_VALUE, /* the nine wrappers stay one run, DOUBLE ... BYTES: evs_wkt_is_wrapper */
  EVS_WKT_FLOAT_VALUE,
  EVS_WKT_INT64_VALUE,
  EVS_WKT_UINT64_VALUE,
  EVS_WKT_INT32_VALUE,
  EVS_WKT_UINT32_VALUE,
  EVS_WKT_BOOL_VALUE,
  EVS_WKT_STRING_VALUE,
  EVS_WKT_BYTES_VALUE
} evs_wkt;

/* Full protobuf name of a well-known type ("google.protobuf.Timestamp"), "" for EVS_WKT_NONE, NULL for
 * values outside the enum. Static string. */
EVS_API const char *evs_wkt_name(evs_wkt wkt);

/* True for the nine wrapper types (google.protobuf.DoubleValue ... BytesValue), whose JSON form is their
 * `value` field's. */
EVS_API bool evs_wkt_is_wrapper(evs_wkt wkt);

/* Where a declaration is and what its comments say, from SourceCodeInfo. */
typedef struct evs_source_info {
  const char *file;           /* the .proto file name as in the set, e.g. "acme/v1/order.proto"; never NULL */
  uint32_t line, col;         /* 1-based start of the whole declaration; 0 when the set has no source info */
  uint32_t end_line, end_col; /* 1-based end; end_col is exclusive; 0 when unknown */
  const char *leading_comment;  /* comment block before the declaration, common indentation and the final
                                 * newline removed; NULL when there is none */
  const char *trailing_comment; /* comment after it on the same or next line, trimmed alike; NULL if none */
} evs_source_info;

typedef enum evs_syntax { EVS_SYNTAX_PROTO2 = 2, EVS_SYNTAX_PROTO3 = 3 } evs_syntax;

typedef enum evs_label { EVS_LABEL_OPTIONAL = 1, EVS_LABEL_REQUIRED = 2, EVS_LABEL_REPEATED = 3 } evs_label;

/* (evs.v1.field).uuid and .timestamp_precision; numbered as in proto/evs/v1/options.proto. */
typedef enum evs_uuid_kind {
  EVS_UUID_UNSPECIFIED = 0,
  EVS_UUID_ANY = 1,
  EVS_UUID_V4 = 2,
  EVS_UUID_V7 = 3
} evs_uuid_kind;
typedef enum evs_timestamp_precision {
  EVS_TS_PRECISION_UNSPECIFIED = 0,
  EVS_TS_PRECISION_SECONDS = 1,
  EVS_TS_PRECISION_MILLIS = 2,
  EVS_TS_PRECISION_MICROS = 3
} evs_timestamp_precision;

/* A rule value written as text in the schema (`const`, `in`, `not_in`), read at load for the field's type:
 * strings as written; integers as decimal (i64 for signed types, u64 for unsigned ones, in the field's
 * range); enums by value name, or a decimal number (i64 = the number); bools "true" / "false" (b). */
typedef struct evs_rule_value {
  const char *text; /* as written in the schema */
  int64_t i64;
  uint64_t u64;
  bool b;
} evs_rule_value;

/* A field's (evs.v1.field) rules (FieldRules in options.proto; its comments and docs/validation.md give the
 * meaning). Each has_X says whether the schema set X; strings and pointers are NULL when unset. At load the
 * registry has checked that every set rule fits the field's type (a map takes only required, min/max_items,
 * keys and values; on another repeated field the scalar rules apply to each element), that `pattern` is in
 * the portable dialect (evs_pattern_check), that `const` / `in` / `not_in` texts read as the field's type,
 * that min <= max for each pair and that durations are valid. Patterns are not compiled here (a validator
 * does that). */
typedef struct evs_field_rules {
  bool has_required;
  bool required;
  const char *pattern;
  bool has_min_len;
  uint64_t min_len;
  bool has_max_len;
  uint64_t max_len;
  bool has_uuid;
  evs_uuid_kind uuid;
  bool has_int_gte;
  int64_t int_gte;
  bool has_int_lte;
  int64_t int_lte;
  bool has_double_gte;
  double double_gte;
  bool has_double_lte;
  double double_lte;
  bool has_defined_only;
  bool defined_only;
  bool has_timestamp_precision;
  evs_timestamp_precision timestamp_precision;
  bool has_min_items;
  uint64_t min_items;
  bool has_max_items;
  uint64_t max_items;
  const char *const *in; /* n_in allowed values as written; in_values[i] is in[i] read for the type */
  size_t n_in;
  const evs_rule_value *in_values;
  bool has_rfc3339;
  bool rfc3339;
  bool has_const;
  evs_rule_value const_value;
  const evs_rule_value *not_in; /* n_not_in values */
  size_t n_not_in;
  const char *prefix;
  const char *suffix;
  const char *contains;
  bool has_email;
  bool email;
  bool has_uri;
  bool uri;
  bool has_min_bytes;
  uint64_t min_bytes;
  bool has_max_bytes;
  uint64_t max_bytes;
  bool has_unique;
  bool unique;
  const struct evs_field_rules *keys;   /* maps: rules for each key, NULL when none */
  const struct evs_field_rules *values; /* maps: rules for each value, NULL when none */
  bool has_finite;
  bool finite;
  bool has_within; /* Timestamps: |value - now| <= within */
  int64_t within_seconds;
  int32_t within_nanos;
  bool has_max_future; /* Timestamps: value <= now + max_future */
  int64_t max_future_seconds;
  int32_t max_future_nanos;
} evs_field_rules;

/* True when r (NULL: false) constrains a field's value with a rule other than `required`: what a set
 * singular value or an element is checked against. */
EVS_API bool evs_field_rules_constrain_value(const evs_field_rules *r);

/* A message's (evs.v1.event) options (EventOptions in options.proto). Strings are NULL when unset.
 * Checked at load: schema_version is dotted decimal ("1", "1.10", "2.0.1"); partition_key and type_field
 * name existing fields by dotted proto-name paths through singular message fields, ending at a singular
 * scalar/string/bytes/enum field (type_field: a string); a message with several types sets type_field. */
typedef struct evs_event_options {
  const char *const *types; /* event type names, n_types >= 0 */
  size_t n_types;
  const char *topic;
  const char *partition_key;
  const char *schema_version;
  const char *type_field;
  const evs_field *const *partition_key_path; /* resolved fields, outermost first; NULL/0 when unset */
  size_t n_partition_key_path;
  const evs_field *const *type_field_path;
  size_t n_type_field_path;
} evs_event_options;

struct evs_file {
  const char *name;    /* as in the set, e.g. "evs/v1/options.proto" */
  const char *package; /* "" when the file has none */
  evs_syntax syntax;
  const char *origin;          /* the origin given when it was loaded (file name, catalog name) */
  const evs_file *const *deps; /* imported files, in import order */
  size_t n_deps;
  const evs_message *const *messages; /* top-level messages, declaration order */
  size_t n_messages;
  const evs_enum *const *enums; /* top-level enums, declaration order */
  size_t n_enums;
  /* The file as unpacked, except source_code_info, which is always NULL: the registry reads the locations
   * into each declaration's `src` instead. */
  const struct Google__Protobuf__FileDescriptorProto *proto;
  const struct evs_src_extra *extras_; /* private */
  size_t n_extras_;                    /* private */
};

struct evs_field {
  const char *name;      /* proto name, e.g. "order_id" */
  const char *json_name; /* custom json_name, else the default lowerCamel name; never NULL */
  const char *full_name; /* "pkg.Msg.order_id" */
  const evs_message *parent;
  uint32_t number;
  evs_field_type type;
  evs_label label;
  const evs_type_traits *traits;   /* evs_type_traits_of(type) */
  const evs_message *message_type; /* MESSAGE/GROUP fields (for maps: the entry), else NULL */
  const evs_enum *enum_type;       /* ENUM fields, else NULL */
  const evs_oneof *oneof;          /* containing oneof, synthetic ones included; NULL when none */
  const evs_field_rules *rules;    /* (evs.v1.field) rules, NULL when the field has none */
  const char *default_value;       /* proto2 [default = ...] text as in the descriptor, NULL when none */
  uint32_t index;                  /* position in parent->fields, = index in the protobuf-c descriptor */
  uint32_t decl_index;             /* position in declaration order (parent->decl_fields) */
  bool is_repeated;                /* label REPEATED, maps included */
  bool is_map;                     /* repeated entry message with map_entry: key = message_type->fields[0],
                                    * value = message_type->fields[1] */
  bool is_packed;                  /* repeated scalar written packed (proto3 default, or [packed = true]) */
  bool has_presence;               /* singular message, oneof member, proto3 optional, proto2 optional */
  bool proto3_optional;            /* declared `optional` in proto3 (member of a synthetic oneof) */
  bool has_custom_json_name;       /* json_name differs from the default camel name */
  bool deprecated;
  evs_source_info src;
  const struct Google__Protobuf__FieldDescriptorProto *proto;
};

struct evs_oneof {
  const char *name;
  const evs_message *parent;
  const evs_field *const *fields; /* members in declaration order; n_fields >= 1 */
  size_t n_fields;
  uint32_t index; /* position in parent->oneofs */
  bool synthetic; /* made by protoc for one proto3 `optional` field */
  bool required;  /* (evs.v1.oneof).required: exactly one member must be set */
  evs_source_info src;
  const struct Google__Protobuf__OneofDescriptorProto *proto;
};

struct evs_message {
  const char *full_name; /* "pkg.Outer.Inner", no leading dot (= ProtobufCMessageDescriptor.name) */
  const char *name;      /* "Inner" */
  const evs_file *file;
  const evs_message *parent; /* enclosing message, NULL at top level */
  const evs_field *fields;   /* sorted by number: fields[i] is protobuf-c's c_desc->fields[i] */
  size_t n_fields;
  const evs_field *const *decl_fields; /* the same n_fields fields in declaration order */
  const evs_oneof *oneofs;             /* declaration order; synthetic oneofs come last */
  size_t n_oneofs;
  size_t n_real_oneofs;             /* oneofs[0..n_real_oneofs) are not synthetic */
  const evs_message *const *nested; /* nested messages (map entries included), declaration order */
  size_t n_nested;
  const evs_enum *const *enums; /* nested enums, declaration order */
  size_t n_enums;
  evs_wkt wkt;
  bool map_entry; /* MessageOptions.map_entry: a synthesized XxxEntry (checked: key = 1, value = 2) */
  bool deprecated;
  const evs_event_options *event; /* (evs.v1.event), NULL when the message is not an event */
  evs_source_info src;            /* a map entry (and its key/value) has none: it takes its map field's */
  /* protobuf-c descriptor, never NULL once loaded: the compiled (protoc-c) one linked by
   * evs_registry_add_catalog() in the same call that loaded the type, else one the registry built at load
   * from this view (c_desc_dynamic). protobuf-c's pack/unpack/free_unpacked and the JSON codec treat both
   * alike. A catalog linked later does not replace a dynamic descriptor (callers may hold it and messages
   * made with it): evs_registry_message_for() then maps both descriptors to this view. */
  const ProtobufCMessageDescriptor *c_desc;
  bool c_desc_dynamic; /* c_desc was built at run time (message_init is NULL: use evs_registry_new_message) */
  const struct Google__Protobuf__DescriptorProto *proto;
  const struct evs_hmap *name_index_; /* private */
};

struct evs_enum_value {
  const char *name;
  int32_t number;
  const evs_enum *parent;
  uint32_t index;                  /* position in parent->values (declaration order) */
  const evs_enum_value *canonical; /* first-declared value with this number (itself unless an alias) */
  bool deprecated;
  evs_source_info src;
  const struct Google__Protobuf__EnumValueDescriptorProto *proto;
};

struct evs_enum {
  const char *full_name; /* no leading dot (= ProtobufCEnumDescriptor.name) */
  const char *name;
  const evs_file *file;
  const evs_message *parent;    /* enclosing message, NULL at top level */
  const evs_enum_value *values; /* declaration order, n_values >= 1 */
  size_t n_values;
  const evs_enum_value *const *by_number; /* distinct numbers ascending, first-declared name for aliases */
  size_t n_by_number;
  bool allow_alias;
  bool closed; /* proto2 enum: unknown numbers are not values of the field */
  bool deprecated;
  evs_wkt wkt; /* EVS_WKT_NULL_VALUE for google.protobuf.NullValue */
  evs_source_info src;
  const ProtobufCEnumDescriptor *c_desc; /* never NULL once loaded: compiled or built, as evs_message's */
  bool c_desc_dynamic;
  const struct Google__Protobuf__EnumDescriptorProto *proto;
  const struct evs_hmap *name_index_; /* private */
};

/* One (event type, schema version) -> message mapping. */
typedef struct evs_event_type {
  const char *name;           /* e.g. "workflow.completed" */
  const char *schema_version; /* "" when the message sets none */
  const evs_message *message;
} evs_event_type;

/* ---- lifecycle ---- */

/* Creates an empty registry in *out (set to NULL on failure). Fails only with EVS_ERR_INVALID_ARG (out is
 * NULL) or EVS_ERR_NOMEM. Free it with evs_registry_free(). */
EVS_API EVS_NODISCARD evs_status evs_registry_new(evs_registry **out, evs_error *err);

/* Frees the registry and every view it handed out. NULL is a no-op. */
EVS_API void evs_registry_free(evs_registry *reg);

/* Loads a serialized google.protobuf.FileDescriptorSet (protoc --descriptor_set_out, preferably with
 * --include_imports --include_source_info). `origin` names the input in error messages (a file name,
 * "stdin"); NULL means "descriptor set". The bytes are copied. A set with no files,
 * or with fields FileDescriptorSet does not have, is rejected: such bytes are some other file.
 *
 * A file whose name is already loaded (from an earlier set, the builtin catalog included, or earlier in
 * this one) is compared with the loaded one, source info left out: an identical copy is the same file and
 * is skipped, so sets that each include the google/protobuf or evs/v1 files combine; a different one is
 * EVS_ERR_DUPLICATE naming the file and both inputs (origins). Nothing is ever replaced: to use a user's
 * own version of a builtin file, load it into a registry without the builtin catalog (docs/schemas.md).
 * Every dependency of a new file must be loaded already or be in the same set (any order within the set).
 * Text that is not a set (.proto source given as a set) gets an error that says so.
 *
 * Errors: EVS_ERR_INVALID_ARG (reg NULL, data NULL with len > 0), EVS_ERR_LIMIT (more than
 * EVS_REGISTRY_MAX_SET_SIZE bytes, nesting deeper than EVS_REGISTRY_MAX_DEPTH), EVS_ERR_DESCRIPTOR (not a
 * FileDescriptorSet, truncated, a missing dependency, an unresolvable type name, bad field numbers, clashing
 * names or JSON names, a NUL in a string, a malformed map entry, a rule that does not fit its field, a bad
 * event option), EVS_ERR_DUPLICATE (a full name defined again by another file, naming both files and
 * inputs; a file name loaded before with different contents; an (event type, version) pair given twice),
 * EVS_ERR_UNSUPPORTED (a syntax other than proto2/proto3), EVS_ERR_NOMEM. err->file and line:col point at the
 * offending declaration when the set has source info, else at the origin. */
EVS_API EVS_NODISCARD evs_status evs_registry_add_descriptor_set(evs_registry *reg, const uint8_t *data,
                                                                 size_t len, const char *origin,
                                                                 evs_error *err);

/* Reads a descriptor set file (e.g. "build/events.binpb") and loads it as above, with origin = path.
 * Extra errors: EVS_ERR_INVALID_ARG (path NULL), EVS_ERR_IO (cannot open or read). */
EVS_API EVS_NODISCARD evs_status evs_registry_load_file(evs_registry *reg, const char *path, evs_error *err);

/* Compiles .proto source files with protoc and loads the result as one descriptor set (all-or-nothing, as
 * above; its origin in errors is files[0], with "(and N more .proto files)" when there are several).
 *  - files: paths of .proto files, n_files >= 1; each must be a regular file of text (a binary file, such
 *    as a descriptor set given here by mistake, is refused before protoc runs, saying so);
 *  - import_dirs: protoc's -I roots, in order; every file must lie under one of them (protoc names files
 *    relative to their root: "acme/v1/order.proto"). With n_dirs 0, each file's own directory is its root.
 * Imports resolve against the import dirs first, then against every file already in the registry (passed
 * to protoc as --descriptor_set_in): with the builtin catalog loaded, a .proto may import
 * "evs/v1/options.proto" and "google/protobuf/timestamp.proto" without any -I. The output includes
 * imports and source info (comments, file:line:col).
 * protoc is $EVS_PROTOC, else `protoc` on PATH, run without a shell; it writes into a private directory
 * under $TMPDIR that is removed before returning (a caller that may be killed by a signal points $TMPDIR
 * at a directory of its own and removes it, as the evs program does).
 * Diagnostics: err has protoc's first message with its file:line:col and says how many more lines there
 * are; evs_registry_protoc_output() has protoc's whole output (errors and warnings).
 * Errors: EVS_ERR_INVALID_ARG (NULL or empty arguments, no files, a file that is not a regular file or is
 * binary), EVS_ERR_IO (a missing file, protoc cannot be run), EVS_ERR_SYNTAX (protoc rejected the
 * sources), and those of evs_registry_add_descriptor_set(). */
EVS_API EVS_NODISCARD evs_status evs_registry_load_protos(evs_registry *reg, const char *const *import_dirs,
                                                          size_t n_dirs, const char *const *files,
                                                          size_t n_files, evs_error *err);

/* Everything protoc wrote to stderr during the last evs_registry_load_protos() call on reg, after a failure
 * (every error, not only the first) or a success (warnings such as unused imports); "" when it wrote
 * nothing or reg is NULL. Owned by reg; valid until the next evs_registry_load_protos() or free. */
EVS_API const char *evs_registry_protoc_output(const evs_registry *reg);

/* Loads a catalog's descriptor set (may be empty: descriptor_set_len 0) and links each of its protobuf-c
 * descriptors to the message or enum of the same full name, so that evs_registry_message_for() finds it.
 * A link is checked: same field numbers, names, protobuf-c types, labels and sub-message/enum names for a
 * message; every C enum value present with the same number for an enum. A descriptor linked before is
 * accepted again. Errors: as evs_registry_add_descriptor_set(); EVS_ERR_INVALID_ARG (cat NULL, a NULL
 * descriptor or bad magic); EVS_ERR_DESCRIPTOR (a C descriptor with no match, or one that disagrees with
 * its descriptor-set definition: the C code was generated from a different .proto). */
EVS_API EVS_NODISCARD evs_status evs_registry_add_catalog(evs_registry *reg, const evs_catalog *cat,
                                                          evs_error *err);

/* The process-wide registry of evs_builtin_catalog, built on first use and never freed. Returns NULL when
 * it cannot be built (out of memory), filling err; a failure is not remembered: the next call tries
 * again. Thread-safe. */
EVS_API const evs_registry *evs_registry_builtin(evs_error *err);

/* ---- lookups (NULL arguments give NULL) ---- */

/* Message or enum by full name, with or without the leading dot ("evs.v1.Envelope", ".evs.v1.Envelope").
 * NULL when unknown. O(1). */
EVS_API const evs_message *evs_registry_find_message(const evs_registry *reg, const char *full_name);
EVS_API const evs_enum *evs_registry_find_enum(const evs_registry *reg, const char *full_name);
/* File by name as in the set ("evs/v1/options.proto"). */
EVS_API const evs_file *evs_registry_find_file(const evs_registry *reg, const char *name);

/* Like find_message / find_enum, but an unknown name fills err with EVS_ERR_NOT_FOUND and, where one
 * exists, a suggestion: a name that differs only in letter case or only in package ("did you mean
 * 'acme.v2.OrderPlaced'?"). */
EVS_API const evs_message *evs_registry_require_message(const evs_registry *reg, const char *full_name,
                                                        evs_error *err);
EVS_API const evs_enum *evs_registry_require_enum(const evs_registry *reg, const char *full_name,
                                                  evs_error *err);

/* The message of a protobuf-c descriptor (by pointer, O(1)): a compiled one linked through
 * evs_registry_add_catalog(), or one the registry built (evs_message.c_desc); NULL for any other. */
EVS_API const evs_message *evs_registry_message_for(const evs_registry *reg,
                                                    const ProtobufCMessageDescriptor *desc);
EVS_API const evs_enum *evs_registry_enum_for(const evs_registry *reg, const ProtobufCEnumDescriptor *desc);

/* A new empty message of the loaded type `full_name` (leading dot optional) in *out (NULL on failure),
 * initialised as protoc-c's INIT macro would (proto3 strings "", proto2 explicit defaults), for compiled and
 * dynamic descriptors alike. Memory from `allocator` (NULL = malloc); set fields as protobuf-c's struct
 * layout says (c_desc->fields[i].offset / quantifier_offset), pack with protobuf_c_message_pack(), free
 * with protobuf_c_message_free_unpacked(*out, allocator): strings, bytes, arrays and sub-messages you put
 * in must then come from the same allocator. Errors: EVS_ERR_INVALID_ARG (reg, full_name or out NULL),
 * EVS_ERR_NOT_FOUND (unknown type, with a suggestion), EVS_ERR_NOMEM. Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_registry_new_message(const evs_registry *reg, const char *full_name,
                                                          ProtobufCAllocator *allocator,
                                                          ProtobufCMessage **out, evs_error *err);

/* Initialises `msg` (desc->sizeof_message bytes) as an empty message of `desc`, compiled or dynamic:
 * protobuf_c_message_init() would call a dynamic descriptor's NULL message_init. */
EVS_API void evs_message_init(const ProtobufCMessageDescriptor *desc, ProtobufCMessage *msg);

/* Event types. find_event_type gives the highest schema version of `name` (versions compare numerically
 * by dot components: 1.10 > 1.9), find_event_type_version an exact (name, version) pair ("" = no version).
 * NULL when unknown. O(log n). require_event_type adds EVS_ERR_NOT_FOUND with a case-insensitive
 * suggestion. */
EVS_API const evs_event_type *evs_registry_find_event_type(const evs_registry *reg, const char *name);
EVS_API const evs_event_type *evs_registry_find_event_type_version(const evs_registry *reg, const char *name,
                                                                   const char *schema_version);
EVS_API const evs_event_type *evs_registry_require_event_type(const evs_registry *reg, const char *name,
                                                              evs_error *err);

/* ---- iteration: arrays owned by the registry, valid until the next add/load call or free ---- */

/* All messages (map entries included) / enums sorted by full name (strcmp order). *n gets the count. */
EVS_API const evs_message *const *evs_registry_messages(const evs_registry *reg, size_t *n);
EVS_API const evs_enum *const *evs_registry_enums(const evs_registry *reg, size_t *n);
/* All files in load order (a file after its dependencies within one set when the set lists them so). */
EVS_API const evs_file *const *evs_registry_files(const evs_registry *reg, size_t *n);
/* All event types sorted by name, then by schema version ascending (numeric). */
EVS_API const evs_event_type *evs_registry_event_types(const evs_registry *reg, size_t *n);

/* ---- inside a message or enum ---- */

/* The field whose JSON name or proto name is the `len` bytes at `name` (need not be NUL-terminated), as a
 * ProtoJSON reader accepts keys: the default camel name is not accepted when a custom json_name is set.
 * NULL when none. O(1). */
EVS_API const evs_field *evs_message_find_field(const evs_message *msg, const char *name, size_t len);
/* The field with this number, NULL when none. O(log n). */
EVS_API const evs_field *evs_message_field_by_number(const evs_message *msg, uint32_t number);

/* The value named `name` (`len` bytes), aliases included; NULL when none. O(1). */
EVS_API const evs_enum_value *evs_enum_value_by_name(const evs_enum *e, const char *name, size_t len);
/* The first-declared value with this number, NULL when none (an open enum's unknown number). O(log n). */
EVS_API const evs_enum_value *evs_enum_value_by_number(const evs_enum *e, int32_t number);

/* Compares two schema versions numerically by dot components; missing components count as 0 ("1" equals
 * "1.0"); "" is lower than any other version. Returns <0, 0, >0. Strings that are not dotted decimal
 * compare after all valid ones, by strcmp. NULL counts as "". */
EVS_API int evs_schema_version_compare(const char *a, const char *b);

EVS_EXTERN_C_END

#endif
