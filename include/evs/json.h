/* Canonical protobuf JSON (ProtoJSON, proto3) <-> protobuf-c messages, generic over descriptors.
 *
 * One decoder and one encoder serve every message: they walk the protobuf-c descriptor for the memory
 * layout and the registry's evs_message for what protobuf-c lacks (json_name, map entries, oneof names,
 * well-known types, Any resolution). The codec needs nothing else, whatever built the two.
 *
 * Ownership: a message from evs_json_decode() is allocated entirely through the caller's
 * ProtobufCAllocator (NULL = protobuf-c's default, malloc) and never points into the input text, so
 * protobuf_c_message_free_unpacked(msg, allocator) frees all of it; with evs_arena_allocator() dropping
 * the arena drops the message. Output of evs_json_encode() goes to an evs_buf the caller owns.
 * Thread-safety: both functions are reentrant; the registry is only read. */
#ifndef EVS_JSON_H
#define EVS_JSON_H

#include <protobuf-c/protobuf-c.h>

#include "evs/buf.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"

EVS_EXTERN_C_BEGIN

/* Option flags (bitwise OR). */
enum {
  EVS_JSON_EMIT_DEFAULTS = 1u << 0,    /* encode: print fields without presence even when default */
  EVS_JSON_PROTO_NAMES = 1u << 1,      /* encode: keys are proto field names, not json_name */
  EVS_JSON_ENUMS_AS_NUMBERS = 1u << 2, /* encode: enum values as numbers */
  EVS_JSON_PRETTY = 1u << 3,           /* encode: indent by two spaces, one member per line */
  EVS_JSON_IGNORE_UNKNOWN = 1u << 4    /* decode: skip unknown keys and unknown enum names */
};

/* Default nesting limit (objects + arrays) for decoding, as protobuf's C++ parser. */
#define EVS_JSON_DEFAULT_MAX_DEPTH 100

typedef struct evs_json_options {
  uint32_t flags; /* EVS_JSON_* */
  int max_depth;  /* 0 = EVS_JSON_DEFAULT_MAX_DEPTH */
} evs_json_options;

/* Parses one JSON document (`len` bytes, need not be NUL-terminated) as message type `desc`, which must
 * be known to `reg` (evs_registry_message_for). On success *out owns the new message. On failure *out is
 * NULL, nothing is leaked, and err has the code, the byte offset, line:col, the field path
 * (e.g. "payload.data.tasks[1].id") and what was expected. opts NULL = defaults.
 * Errors: EVS_ERR_SYNTAX (malformed JSON, trailing garbage), EVS_ERR_TYPE, EVS_ERR_RANGE,
 * EVS_ERR_NOT_FOUND (unknown field / enum name / Any type), EVS_ERR_DUPLICATE, EVS_ERR_LIMIT (depth),
 * EVS_ERR_NOMEM, EVS_ERR_INVALID_ARG, EVS_ERR_UNSUPPORTED (e.g. "\u0000" in a string field). */
EVS_API EVS_NODISCARD evs_status evs_json_decode(const evs_registry *reg,
                                                 const ProtobufCMessageDescriptor *desc, const char *json,
                                                 size_t len, const evs_json_options *opts,
                                                 ProtobufCAllocator *allocator, ProtobufCMessage **out,
                                                 evs_error *err);

/* Appends the canonical JSON of msg to out (nothing appended on failure). opts NULL = defaults.
 * Errors: EVS_ERR_RANGE (a Timestamp/Duration out of range, NaN in a Value), EVS_ERR_TYPE (invalid
 * UTF-8 in a string field), EVS_ERR_NOT_FOUND (message type or Any type unknown to reg),
 * EVS_ERR_LIMIT (nesting deeper than the limit), EVS_ERR_NOMEM, EVS_ERR_INVALID_ARG. */
EVS_API EVS_NODISCARD evs_status evs_json_encode(const evs_registry *reg, const ProtobufCMessage *msg,
                                                 const evs_json_options *opts, evs_buf *out, evs_error *err);

EVS_EXTERN_C_END

#endif
