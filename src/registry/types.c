/* The shared type-traits table (include/evs/types.h). */
#include "evs/types.h"

#include <stdalign.h>
#include <stdint.h>

#define PTR_SIZE ((uint8_t)sizeof(void *))
#define PTR_ALIGN ((uint8_t)alignof(void *))
/* 64-bit values align to 8 on most ABIs but to 4 on i386: ask the compiler. */
#define A64 ((uint8_t)alignof(uint64_t))

/* Columns: type, name, wire, json, pbc type, c_size, c_align, bits, integer, signed, float, zigzag,
 * packable, map key, c_pointer. Indexed by the descriptor.proto type number; slot 0 is unused. */
static const evs_type_traits k_traits[EVS_TYPE_MAX + 1] = {
    [EVS_TYPE_DOUBLE] = {EVS_TYPE_DOUBLE, "double", EVS_WIRE_I64, EVS_JSON_FLOAT, PROTOBUF_C_TYPE_DOUBLE, 8,
                         (uint8_t)alignof(double), 64, false, true, true, false, true, false, false},
    [EVS_TYPE_FLOAT] = {EVS_TYPE_FLOAT, "float", EVS_WIRE_I32, EVS_JSON_FLOAT, PROTOBUF_C_TYPE_FLOAT, 4, 4,
                        32, false, true, true, false, true, false, false},
    [EVS_TYPE_INT64] = {EVS_TYPE_INT64, "int64", EVS_WIRE_VARINT, EVS_JSON_INT64_STRING,
                        PROTOBUF_C_TYPE_INT64, 8, A64, 64, true, true, false, false, true, true, false},
    [EVS_TYPE_UINT64] = {EVS_TYPE_UINT64, "uint64", EVS_WIRE_VARINT, EVS_JSON_INT64_STRING,
                         PROTOBUF_C_TYPE_UINT64, 8, A64, 64, true, false, false, false, true, true, false},
    [EVS_TYPE_INT32] = {EVS_TYPE_INT32, "int32", EVS_WIRE_VARINT, EVS_JSON_NUMBER, PROTOBUF_C_TYPE_INT32, 4,
                        4, 32, true, true, false, false, true, true, false},
    [EVS_TYPE_FIXED64] = {EVS_TYPE_FIXED64, "fixed64", EVS_WIRE_I64, EVS_JSON_INT64_STRING,
                          PROTOBUF_C_TYPE_FIXED64, 8, A64, 64, true, false, false, false, true, true, false},
    [EVS_TYPE_FIXED32] = {EVS_TYPE_FIXED32, "fixed32", EVS_WIRE_I32, EVS_JSON_NUMBER, PROTOBUF_C_TYPE_FIXED32,
                          4, 4, 32, true, false, false, false, true, true, false},
    [EVS_TYPE_BOOL] = {EVS_TYPE_BOOL, "bool", EVS_WIRE_VARINT, EVS_JSON_BOOL, PROTOBUF_C_TYPE_BOOL,
                       (uint8_t)sizeof(protobuf_c_boolean), (uint8_t)alignof(protobuf_c_boolean), 1, false,
                       false, false, false, true, true, false},
    [EVS_TYPE_STRING] = {EVS_TYPE_STRING, "string", EVS_WIRE_LEN, EVS_JSON_STRING, PROTOBUF_C_TYPE_STRING,
                         PTR_SIZE, PTR_ALIGN, 0, false, false, false, false, false, true, true},
    [EVS_TYPE_GROUP] = {EVS_TYPE_GROUP, "group", EVS_WIRE_SGROUP, EVS_JSON_MESSAGE, -1, PTR_SIZE, PTR_ALIGN,
                        0, false, false, false, false, false, false, true},
    [EVS_TYPE_MESSAGE] = {EVS_TYPE_MESSAGE, "message", EVS_WIRE_LEN, EVS_JSON_MESSAGE,
                          PROTOBUF_C_TYPE_MESSAGE, PTR_SIZE, PTR_ALIGN, 0, false, false, false, false, false,
                          false, true},
    [EVS_TYPE_BYTES] = {EVS_TYPE_BYTES, "bytes", EVS_WIRE_LEN, EVS_JSON_BYTES, PROTOBUF_C_TYPE_BYTES,
                        (uint8_t)sizeof(ProtobufCBinaryData), (uint8_t)alignof(ProtobufCBinaryData), 0, false,
                        false, false, false, false, false, false},
    [EVS_TYPE_UINT32] = {EVS_TYPE_UINT32, "uint32", EVS_WIRE_VARINT, EVS_JSON_NUMBER, PROTOBUF_C_TYPE_UINT32,
                         4, 4, 32, true, false, false, false, true, true, false},
    [EVS_TYPE_ENUM] = {EVS_TYPE_ENUM, "enum", EVS_WIRE_VARINT, EVS_JSON_ENUM, PROTOBUF_C_TYPE_ENUM, 4, 4, 32,
                       false, true, false, false, true, false, false},
    [EVS_TYPE_SFIXED32] = {EVS_TYPE_SFIXED32, "sfixed32", EVS_WIRE_I32, EVS_JSON_NUMBER,
                           PROTOBUF_C_TYPE_SFIXED32, 4, 4, 32, true, true, false, false, true, true, false},
    [EVS_TYPE_SFIXED64] = {EVS_TYPE_SFIXED64, "sfixed64", EVS_WIRE_I64, EVS_JSON_INT64_STRING,
                           PROTOBUF_C_TYPE_SFIXED64, 8, A64, 64, true, true, false, false, true, true, false},
    [EVS_TYPE_SINT32] = {EVS_TYPE_SINT32, "sint32", EVS_WIRE_VARINT, EVS_JSON_NUMBER, PROTOBUF_C_TYPE_SINT32,
                         4, 4, 32, true, true, false, true, true, true, false},
    [EVS_TYPE_SINT64] = {EVS_TYPE_SINT64, "sint64", EVS_WIRE_VARINT, EVS_JSON_INT64_STRING,
                         PROTOBUF_C_TYPE_SINT64, 8, A64, 64, true, true, false, true, true, true, false},
};

/* ProtobufCType -> descriptor.proto type number. ProtobufCType is dense from 0 (PROTOBUF_C_TYPE_INT32). */
static const uint8_t k_from_pbc[] = {
    [PROTOBUF_C_TYPE_INT32] = EVS_TYPE_INT32,       [PROTOBUF_C_TYPE_SINT32] = EVS_TYPE_SINT32,
    [PROTOBUF_C_TYPE_SFIXED32] = EVS_TYPE_SFIXED32, [PROTOBUF_C_TYPE_INT64] = EVS_TYPE_INT64,
    [PROTOBUF_C_TYPE_SINT64] = EVS_TYPE_SINT64,     [PROTOBUF_C_TYPE_SFIXED64] = EVS_TYPE_SFIXED64,
    [PROTOBUF_C_TYPE_UINT32] = EVS_TYPE_UINT32,     [PROTOBUF_C_TYPE_FIXED32] = EVS_TYPE_FIXED32,
    [PROTOBUF_C_TYPE_UINT64] = EVS_TYPE_UINT64,     [PROTOBUF_C_TYPE_FIXED64] = EVS_TYPE_FIXED64,
    [PROTOBUF_C_TYPE_FLOAT] = EVS_TYPE_FLOAT,       [PROTOBUF_C_TYPE_DOUBLE] = EVS_TYPE_DOUBLE,
    [PROTOBUF_C_TYPE_BOOL] = EVS_TYPE_BOOL,         [PROTOBUF_C_TYPE_ENUM] = EVS_TYPE_ENUM,
    [PROTOBUF_C_TYPE_STRING] = EVS_TYPE_STRING,     [PROTOBUF_C_TYPE_BYTES] = EVS_TYPE_BYTES,
    [PROTOBUF_C_TYPE_MESSAGE] = EVS_TYPE_MESSAGE,
};

const evs_type_traits *evs_type_traits_of(int type) {
  if (type < EVS_TYPE_MIN || type > EVS_TYPE_MAX) return NULL;
  return &k_traits[type];
}

const evs_type_traits *evs_type_traits_of_pbc(ProtobufCType type) {
  unsigned t = (unsigned)type;
  if (t >= sizeof k_from_pbc / sizeof k_from_pbc[0]) return NULL;
  return &k_traits[k_from_pbc[t]];
}
