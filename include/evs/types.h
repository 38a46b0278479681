/* The one table of protobuf field-type facts that the JSON codec, validation, the Kafka field reader, the
 * compatibility checker and the run-time descriptors share: wire type, JSON kind, C storage size and
 * alignment in a protobuf-c message, integer width and signedness. tests/unit/registry/test_types.c
 * checks the C sizes and alignments against protobuf-c's own types and compiled messages.
 *
 * Keyed by the descriptor.proto type number (FieldDescriptorProto.Type, 1..18). Everything here is static,
 * read-only data: nothing to free, safe to use from any thread. Adding a fact means adding a column to the
 * table in src/registry/types.c, never another switch over types. */
#ifndef EVS_TYPES_H
#define EVS_TYPES_H

#include <stdbool.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/common.h"

EVS_EXTERN_C_BEGIN

/* Field types, numbered as in google.protobuf.FieldDescriptorProto.Type. */
typedef enum evs_field_type {
  EVS_TYPE_DOUBLE = 1,
  EVS_TYPE_FLOAT = 2,
  EVS_TYPE_INT64 = 3,
  EVS_TYPE_UINT64 = 4,
  EVS_TYPE_INT32 = 5,
  EVS_TYPE_FIXED64 = 6,
  EVS_TYPE_FIXED32 = 7,
  EVS_TYPE_BOOL = 8,
  EVS_TYPE_STRING = 9,
  EVS_TYPE_GROUP = 10, /* proto2 only; protobuf-c cannot compile groups */
  EVS_TYPE_MESSAGE = 11,
  EVS_TYPE_BYTES = 12,
  EVS_TYPE_UINT32 = 13,
  EVS_TYPE_ENUM = 14,
  EVS_TYPE_SFIXED32 = 15,
  EVS_TYPE_SFIXED64 = 16,
  EVS_TYPE_SINT32 = 17,
  EVS_TYPE_SINT64 = 18
} evs_field_type;

#define EVS_TYPE_MIN 1
#define EVS_TYPE_MAX 18

/* Protobuf wire types (the low three bits of a tag). */
typedef enum evs_wire_type {
  EVS_WIRE_VARINT = 0,
  EVS_WIRE_I64 = 1,
  EVS_WIRE_LEN = 2,
  EVS_WIRE_SGROUP = 3,
  EVS_WIRE_EGROUP = 4,
  EVS_WIRE_I32 = 5
} evs_wire_type;

/* How ProtoJSON writes a value of the type (protojson.md §2, §3, §7). */
typedef enum evs_json_kind {
  EVS_JSON_NUMBER = 1,   /* 32-bit integers: a JSON number (strings accepted on input) */
  EVS_JSON_INT64_STRING, /* 64-bit integers: a decimal string (numbers accepted on input) */
  EVS_JSON_FLOAT,        /* float/double: a number, or "NaN" / "Infinity" / "-Infinity" */
  EVS_JSON_BOOL,         /* true / false */
  EVS_JSON_STRING,       /* a string */
  EVS_JSON_BYTES,        /* standard base64 (URL-safe accepted on input) */
  EVS_JSON_ENUM,         /* the value's name, or its number when it has none */
  EVS_JSON_MESSAGE       /* an object, or the special form of a well-known type */
} evs_json_kind;

/* Facts about one field type. */
typedef struct evs_type_traits {
  evs_field_type type;     /* the key: 1..18 */
  const char *name;        /* as written in .proto: "int64", "string", "message", "group", ... */
  evs_wire_type wire_type; /* of one (unpacked) value; GROUP is EVS_WIRE_SGROUP */
  evs_json_kind json_kind;
  int pbc_type;       /* the matching ProtobufCType, or -1 for GROUP (protobuf-c has none) */
  uint8_t c_size;     /* bytes one value takes in a protobuf-c struct: int64 8, string sizeof(char *),
                       * bytes sizeof(ProtobufCBinaryData), enum 4, bool sizeof(protobuf_c_boolean),
                       * message/group a pointer */
  uint8_t c_align;    /* alignment of such a value in a protobuf-c struct (the C ABI's) */
  uint8_t bits;       /* value width for numbers and enums (32/64), 1 for bool, 0 otherwise */
  bool is_integer;    /* int32/64, uint32/64, sint32/64, fixed32/64, sfixed32/64 (not bool, not enum) */
  bool is_signed;     /* signed integers, float, double, enum */
  bool is_float;      /* float, double */
  bool is_zigzag;     /* sint32, sint64 */
  bool packable;      /* repeated values of this type may use packed encoding (scalars and enums) */
  bool is_map_key_ok; /* allowed as a map key type: integers, bool, string */
  bool c_pointer;     /* the C value is a pointer whose NULL means "not set" (string, message, group); a
                       * default_value in a ProtobufCFieldDescriptor is then the value itself, else it
                       * points at c_size bytes to copy */
} evs_type_traits;

/* Traits of descriptor.proto type number `type` (1..18), or NULL for any other number.
 * The pointer is to static data. */
EVS_API const evs_type_traits *evs_type_traits_of(int type);

/* Traits for a protobuf-c type (ProtobufCType), or NULL for values outside the enum. */
EVS_API const evs_type_traits *evs_type_traits_of_pbc(ProtobufCType type);

/* String fields of run-time (dynamic) descriptors, built from a descriptor set for types without compiled
 * code (docs/schemas.md): protoc-c's `char *` cannot hold U+0000, which protobuf and ProtoJSON allow, so
 * such a field is declared to protobuf-c as PROTOBUF_C_TYPE_BYTES with this flag set, and its C value is a
 * ProtobufCBinaryData of UTF-8 text (len bytes, not NUL-terminated, possibly holding NUL bytes). The wire
 * bytes are the same (length-delimited); evs checks the UTF-8 and writes the value as a JSON string.
 * Compiled (protoc-c) types and the google.protobuf types keep `char *`. protobuf-c ignores the flag. */
#define EVS_FIELD_FLAG_STRING (1u << 16)

/* True when fd is a `string` field, in either representation. */
static inline bool evs_field_is_string(const ProtobufCFieldDescriptor *fd) {
  return fd->type == PROTOBUF_C_TYPE_STRING ||
         (fd->type == PROTOBUF_C_TYPE_BYTES && (fd->flags & EVS_FIELD_FLAG_STRING));
}

/* The text of one value of string field fd stored at slot, in either representation: its bytes (not
 * NUL-terminated in the ProtobufCBinaryData form) and *len; "" when unset. */
static inline const char *evs_field_string(const ProtobufCFieldDescriptor *fd, const void *slot,
                                           size_t *len) {
  if (fd->type == PROTOBUF_C_TYPE_STRING) {
    const char *s = *(const char *const *)slot;
    if (!s) s = "";
    *len = strlen(s);
    return s;
  }
  const ProtobufCBinaryData *bd = (const ProtobufCBinaryData *)slot;
  *len = bd->len;
  return bd->len ? (const char *)bd->data : "";
}

EVS_EXTERN_C_END

#endif
