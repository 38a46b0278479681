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

#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/buf.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"

EVS_EXTERN_C_BEGIN

/* Option flags (bitwise OR). A flag for the other direction is ignored. */
enum {
  /* encode: print fields without presence (plain proto3 scalars, strings, bytes, enums, repeated fields,
   * maps) even when default: 0, "", false, [], {}, the zero enum name. Message fields and unset oneof
   * members stay absent. */
  EVS_JSON_EMIT_DEFAULTS = 1u << 0,
  EVS_JSON_PROTO_NAMES = 1u << 1,      /* encode: keys are proto field names, not JSON names */
  EVS_JSON_ENUMS_AS_NUMBERS = 1u << 2, /* encode: enum values as numbers (NullValue still prints null) */
  EVS_JSON_PRETTY = 1u << 3,           /* encode: indent by two spaces, one member per line, "key": value */
  /* decode: skip unknown keys (any value, syntax still checked) and unknown enum names (a singular field
   * stays unset, a repeated element or map entry is dropped) */
  EVS_JSON_IGNORE_UNKNOWN = 1u << 4
};

/* Depth is one notion everywhere (JSON decode and encode, the binary guard): message levels below the
 * top-level message. Each sub-message, map entry, google.protobuf.Struct entry, Value, ListValue and the
 * contents of an Any is one level further down, exactly as protobuf-c's unpack recurses. The default is
 * protobuf's binary parser's recursion limit (100), so anything JSON accepts, binary accepts, and back. */
#define EVS_JSON_DEFAULT_MAX_DEPTH 100
/* Highest depth limit accepted: protobuf-c's unpack, pack and free recurse once per level, and so does
 * the codec; at this depth all of them fit in a 2 MiB thread stack, under AddressSanitizer too (tested:
 * tests/unit/json/test_json_guard.c), so any thread with a 2 MiB stack or more is safe. */
#define EVS_MAX_DEPTH_LIMIT 1000
/* Default budget of google.protobuf.Any contents the encoder unpacks per document: each nested Any's
 * contents are copied once more when unpacked, so without a budget 98 nested Anys in 10 MB need 1 GB. */
#define EVS_JSON_DEFAULT_MAX_ANY_BYTES ((size_t)64 << 20)

typedef struct evs_json_options {
  uint32_t flags;       /* EVS_JSON_* */
  int max_depth;        /* message levels, decode and encode (see above); 0 = EVS_JSON_DEFAULT_MAX_DEPTH;
                         * < 0 or > EVS_MAX_DEPTH_LIMIT is EVS_ERR_INVALID_ARG */
  size_t max_any_bytes; /* encode: total bytes of Any contents unpacked per document (EVS_ERR_LIMIT past
                         * it); 0 = EVS_JSON_DEFAULT_MAX_ANY_BYTES */
} evs_json_options;

/* Parses one JSON document (`len` bytes, need not be NUL-terminated) as message type `desc`, which must
 * be known to `reg` (evs_registry_message_for). On success *out owns the new message. On failure *out is
 * NULL, nothing is leaked, and err has the code, the byte offset, line:col, the field path
 * (e.g. "payload.data.tasks[1].id") and what was expected. opts NULL = defaults.
 * Errors: EVS_ERR_SYNTAX (malformed JSON, trailing garbage), EVS_ERR_TYPE, EVS_ERR_RANGE,
 * EVS_ERR_NOT_FOUND (unknown field / enum name / Any type), EVS_ERR_DUPLICATE, EVS_ERR_LIMIT (depth),
 * EVS_ERR_NOMEM, EVS_ERR_INVALID_ARG, EVS_ERR_UNSUPPORTED (e.g. "\u0000" in a string field: protobuf-c
 * strings are NUL-terminated; docs/json.md), EVS_ERR_DESCRIPTOR (a C descriptor that does not match the
 * registry's definition of its type). Full mapping, options and deviations from libprotobuf: docs/json.md. */
EVS_API EVS_NODISCARD evs_status evs_json_decode(const evs_registry *reg,
                                                 const ProtobufCMessageDescriptor *desc, const char *json,
                                                 size_t len, const evs_json_options *opts,
                                                 ProtobufCAllocator *allocator, ProtobufCMessage **out,
                                                 evs_error *err);

/* Appends the canonical JSON of msg (compact unless EVS_JSON_PRETTY, no trailing newline) to out, which
 * stays NUL-terminated. On failure out is exactly as before (not even marked failed) and err has the code
 * and the field path (e.g. "rString[1]"). opts NULL = defaults; the message is only read.
 * Errors: EVS_ERR_RANGE (a Timestamp/Duration out of range or with bad nanos, NaN/Infinity in a Value),
 * EVS_ERR_TYPE (invalid UTF-8 in a string, a FieldMask path that cannot be written in lowerCamelCase, a
 * Value with no kind, Any bytes that do not unpack), EVS_ERR_NOT_FOUND (message type or Any type unknown
 * to reg), EVS_ERR_UNSUPPORTED (an Any type with no compiled C code), EVS_ERR_LIMIT (nesting deeper than
 * the limit), EVS_ERR_DESCRIPTOR (descriptor/registry mismatch), EVS_ERR_NOMEM (out could not grow, or out
 * had failed before), EVS_ERR_INVALID_ARG (reg, msg or out NULL). */
EVS_API EVS_NODISCARD evs_status evs_json_encode(const evs_registry *reg, const ProtobufCMessage *msg,
                                                 const evs_json_options *opts, evs_buf *out, evs_error *err);

/* ---- binary input guard ---- */

/* Largest binary message the guard accepts by default (a Kafka record, a spool record, a CLI input). */
#define EVS_BINARY_DEFAULT_MAX_SIZE ((size_t)256 << 20)

typedef struct evs_unpack_options {
  int max_depth;   /* message levels below the top (as evs_json_options); 0 = EVS_JSON_DEFAULT_MAX_DEPTH;
                    * < 0 or > EVS_MAX_DEPTH_LIMIT is EVS_ERR_INVALID_ARG */
  size_t max_size; /* 0 = EVS_BINARY_DEFAULT_MAX_SIZE */
} evs_unpack_options;

/* The one way evs turns untrusted protobuf bytes into a message: every path that unpacks bytes it did not
 * make (consumer, decode, produce's data_base64, Any contents) calls this, never
 * protobuf_c_message_unpack() directly. Checks, before protobuf-c sees the bytes: size (EVS_ERR_LIMIT),
 * wire structure and truncation (EVS_ERR_SYNTAX, EVS_ERR_TRUNCATED), nesting (EVS_ERR_LIMIT), string
 * fields that are not UTF-8 (EVS_ERR_TYPE) or hold a NUL byte, which protobuf-c's NUL-terminated strings
 * would cut silently (EVS_ERR_UNSUPPORTED); then unpacks through `allocator` (NULL = malloc) and reports
 * a failed allocation as EVS_ERR_NOMEM and bytes protobuf-c still refuses (a known field with the wrong
 * wire type, a missing proto2 required field) as EVS_ERR_SYNTAX. err->offset is the offending byte.
 * Bytes inside Any values are checked when they are unpacked (evs_json_encode does). On success *out
 * owns the message: protobuf_c_message_free_unpacked(*out, allocator). Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_binary_unpack(const ProtobufCMessageDescriptor *desc,
                                                   const uint8_t *data, size_t len,
                                                   const evs_unpack_options *opts,
                                                   ProtobufCAllocator *allocator, ProtobufCMessage **out,
                                                   evs_error *err);

/* Checks protobuf bytes against message type `desc` before protobuf_c_message_unpack() sees them:
 * protobuf-c's unpack recurses once per nested message with no limit, so hostile input could exhaust the
 * stack. Walks the wire format iteratively (no allocation per field, one bounded scratch array): tags,
 * wire types, lengths within their message, and sub-message nesting up to max_depth levels (0 =
 * EVS_JSON_DEFAULT_MAX_DEPTH). Bytes inside google.protobuf.Any values are not entered (evs_json_encode
 * checks them when it unpacks them).
 * Errors: EVS_ERR_LIMIT (nested deeper than max_depth), EVS_ERR_TRUNCATED (a field or length runs past the
 * end), EVS_ERR_SYNTAX (malformed tag, varint or wire type, groups), EVS_ERR_INVALID_ARG (desc NULL, data
 * NULL with len > 0, max_depth < 0), EVS_ERR_NOMEM. err->offset is the byte offset of the offending field.
 * Passing the check does not mean unpack succeeds (e.g. a wrong wire type for a known field); it means
 * unpack cannot recurse deeper than max_depth. Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_binary_depth_check(const uint8_t *data, size_t len,
                                                        const ProtobufCMessageDescriptor *desc, int max_depth,
                                                        evs_error *err);

/* ---- binary output ---- */

/* Appends the protobuf encoding of msg to out: exactly the bytes protobuf_c_message_pack() writes (same
 * fields, order and encodings, unknown fields included), in one walk: written backwards, so the length of a
 * nested message is known when its prefix is written, where protobuf-c sizes a message again at every
 * level above it. The message is only read.
 * Errors: EVS_ERR_NOMEM (out could not grow, or had failed before), EVS_ERR_INVALID_ARG (msg or out NULL). */
EVS_API EVS_NODISCARD evs_status evs_binary_pack(const ProtobufCMessage *msg, evs_buf *out, evs_error *err);

/* Writes the NUL-terminated string s to out as a JSON string literal (quotes included), escaping '"',
 * '\\' and control characters; other bytes are copied as they are. For reports and listings that are
 * written straight to a stream; s must not be NULL. */
EVS_API void evs_json_write_string(FILE *out, const char *s);

/* Appends s[0..len) to out as a JSON string literal, escaped as evs_json_write_string() does (a NUL byte
 * becomes \u0000). EVS_ERR_NOMEM when out fails. */
EVS_API evs_status evs_json_append_string(evs_buf *out, const char *s, size_t len);

EVS_EXTERN_C_END

#endif
