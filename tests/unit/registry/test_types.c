/* The shared type-traits table (include/evs/types.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "evs/types.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"

static void test_spot_checks(void **state) {
  (void)state;
  const evs_type_traits *t = evs_type_traits_of(EVS_TYPE_INT64);
  assert_non_null(t);
  assert_int_equal(t->type, EVS_TYPE_INT64);
  assert_string_equal(t->name, "int64");
  assert_int_equal(t->wire_type, EVS_WIRE_VARINT);
  assert_int_equal(t->json_kind, EVS_JSON_INT64_STRING);
  assert_int_equal(t->pbc_type, PROTOBUF_C_TYPE_INT64);
  assert_int_equal(t->c_size, 8);
  assert_int_equal(t->bits, 64);
  assert_true(t->is_integer && t->is_signed && t->packable && t->is_map_key_ok);
  assert_false(t->is_float || t->is_zigzag);

  t = evs_type_traits_of(EVS_TYPE_STRING);
  assert_string_equal(t->name, "string");
  assert_int_equal(t->wire_type, EVS_WIRE_LEN);
  assert_int_equal(t->json_kind, EVS_JSON_STRING);
  assert_int_equal(t->c_size, sizeof(char *));
  assert_false(t->packable || t->is_integer);
  assert_true(t->is_map_key_ok);

  t = evs_type_traits_of(EVS_TYPE_BYTES);
  assert_int_equal(t->c_size, sizeof(ProtobufCBinaryData));
  assert_int_equal(t->json_kind, EVS_JSON_BYTES);
  assert_false(t->is_map_key_ok);

  t = evs_type_traits_of(EVS_TYPE_ENUM);
  assert_int_equal(t->c_size, 4);
  assert_int_equal(t->json_kind, EVS_JSON_ENUM);
  assert_true(t->packable);
  assert_false(t->is_integer || t->is_map_key_ok);

  t = evs_type_traits_of(EVS_TYPE_MESSAGE);
  assert_int_equal(t->c_size, sizeof(void *));
  assert_int_equal(t->json_kind, EVS_JSON_MESSAGE);
  assert_int_equal(t->wire_type, EVS_WIRE_LEN);

  t = evs_type_traits_of(EVS_TYPE_SINT32);
  assert_true(t->is_zigzag && t->is_signed);
  assert_int_equal(t->json_kind, EVS_JSON_NUMBER);
  assert_int_equal(t->bits, 32);

  t = evs_type_traits_of(EVS_TYPE_FIXED32);
  assert_int_equal(t->wire_type, EVS_WIRE_I32);
  assert_false(t->is_signed);
  t = evs_type_traits_of(EVS_TYPE_SFIXED64);
  assert_int_equal(t->wire_type, EVS_WIRE_I64);
  assert_true(t->is_signed);
  assert_int_equal(t->json_kind, EVS_JSON_INT64_STRING);

  t = evs_type_traits_of(EVS_TYPE_DOUBLE);
  assert_int_equal(t->wire_type, EVS_WIRE_I64);
  assert_int_equal(t->json_kind, EVS_JSON_FLOAT);
  assert_true(t->is_float && !t->is_integer && !t->is_map_key_ok);
  assert_int_equal(evs_type_traits_of(EVS_TYPE_FLOAT)->c_size, sizeof(float));

  t = evs_type_traits_of(EVS_TYPE_BOOL);
  assert_int_equal(t->c_size, sizeof(protobuf_c_boolean));
  assert_int_equal(t->bits, 1);
  assert_int_equal(t->json_kind, EVS_JSON_BOOL);
  assert_true(t->is_map_key_ok && t->packable);
  assert_false(t->is_integer);

  t = evs_type_traits_of(EVS_TYPE_GROUP);
  assert_int_equal(t->pbc_type, -1);
  assert_int_equal(t->wire_type, EVS_WIRE_SGROUP);
  assert_false(t->packable);

  assert_null(evs_type_traits_of(0));
  assert_null(evs_type_traits_of(19));
  assert_null(evs_type_traits_of(-1));
}

/* Invariants that tie the columns together, so a bad edit to one row fails here. */
static void test_table_consistency(void **state) {
  (void)state;
  for (int type = EVS_TYPE_MIN; type <= EVS_TYPE_MAX; type++) {
    const evs_type_traits *t = evs_type_traits_of(type);
    assert_non_null(t);
    assert_int_equal(t->type, type);
    assert_true(t->name && *t->name);
    assert_true(t->c_size > 0);
    assert_int_equal(t->packable, t->wire_type != EVS_WIRE_LEN && t->wire_type != EVS_WIRE_SGROUP);
    if (t->is_integer) assert_true(t->bits == 32 || t->bits == 64);
    if (t->is_integer || t->is_float) assert_int_equal(t->c_size, t->bits / 8);
    assert_int_equal(t->json_kind == EVS_JSON_INT64_STRING, t->is_integer && t->bits == 64);
    assert_int_equal(t->json_kind == EVS_JSON_NUMBER, t->is_integer && t->bits == 32);
    if (t->wire_type == EVS_WIRE_I32) assert_int_equal(t->bits, 32);
    if (t->wire_type == EVS_WIRE_I64) assert_int_equal(t->bits, 64);
    if (t->pbc_type >= 0) assert_ptr_equal(evs_type_traits_of_pbc((ProtobufCType)t->pbc_type), t);
    for (int other = EVS_TYPE_MIN; other < type; other++)
      assert_true(strcmp(evs_type_traits_of(other)->name, t->name) != 0);
  }
  /* Every protobuf-c type maps back to itself. */
  for (int p = PROTOBUF_C_TYPE_INT32; p <= PROTOBUF_C_TYPE_MESSAGE; p++) {
    const evs_type_traits *t = evs_type_traits_of_pbc((ProtobufCType)p);
    assert_non_null(t);
    assert_int_equal(t->pbc_type, p);
  }
  assert_null(evs_type_traits_of_pbc((ProtobufCType)(PROTOBUF_C_TYPE_MESSAGE + 1)));
  assert_null(evs_type_traits_of_pbc((ProtobufCType)-1));
}

/* The C storage protobuf-c uses for each of its types (protobuf-c.h, and protoc-c's generated structs),
 * written out here independently of the table: c_size and c_align must be these, or the run-time
 * descriptors (src/registry/dynamic.c) lay messages out differently from compiled ones. */
#define PBC_C_TYPE(pt, ctype) \
  { pt, sizeof(ctype), alignof(ctype) }
static const struct {
  ProtobufCType type;
  size_t size, align;
} k_pbc_storage[] = {
    PBC_C_TYPE(PROTOBUF_C_TYPE_INT32, int32_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_SINT32, int32_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_SFIXED32, int32_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_INT64, int64_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_SINT64, int64_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_SFIXED64, int64_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_UINT32, uint32_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_FIXED32, uint32_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_UINT64, uint64_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_FIXED64, uint64_t),
    PBC_C_TYPE(PROTOBUF_C_TYPE_FLOAT, float),
    PBC_C_TYPE(PROTOBUF_C_TYPE_DOUBLE, double),
    PBC_C_TYPE(PROTOBUF_C_TYPE_BOOL, protobuf_c_boolean),
    /* protoc-c gives an enum field its generated C enum type */
    PBC_C_TYPE(PROTOBUF_C_TYPE_ENUM, Google__Protobuf__FieldDescriptorProto__Label),
    PBC_C_TYPE(PROTOBUF_C_TYPE_STRING, char *),
    PBC_C_TYPE(PROTOBUF_C_TYPE_BYTES, ProtobufCBinaryData),
    PBC_C_TYPE(PROTOBUF_C_TYPE_MESSAGE, ProtobufCMessage *),
};

static size_t align_up(size_t n, size_t a) {
  return (n + a - 1) / a * a;
}

static void test_c_layout_matches_protobuf_c(void **state) {
  (void)state;
  size_t n = sizeof k_pbc_storage / sizeof k_pbc_storage[0];
  assert_int_equal(n, PROTOBUF_C_TYPE_MESSAGE + 1);
  for (size_t i = 0; i < n; i++) {
    const evs_type_traits *t = evs_type_traits_of_pbc(k_pbc_storage[i].type);
    assert_non_null(t);
    if (t->c_size != k_pbc_storage[i].size || t->c_align != k_pbc_storage[i].align)
      fail_msg("%s: table says size %u align %u, protobuf-c stores %zu / %zu", t->name, t->c_size, t->c_align,
               k_pbc_storage[i].size, k_pbc_storage[i].align);
  }
  /* Groups are laid out as messages (a pointer). */
  assert_int_equal(evs_type_traits_of(EVS_TYPE_GROUP)->c_size, sizeof(ProtobufCMessage *));
  assert_int_equal(evs_type_traits_of(EVS_TYPE_GROUP)->c_align, alignof(ProtobufCMessage *));

  /* Compiled messages: each wrapper is { ProtobufCMessage base; T value; }, so protoc-c's field offset and
   * struct size follow from the value's size and alignment alone. */
  const ProtobufCMessageDescriptor *wrappers[] = {
      &google__protobuf__double_value__descriptor, &google__protobuf__float_value__descriptor,
      &google__protobuf__int64_value__descriptor,  &google__protobuf__uint64_value__descriptor,
      &google__protobuf__int32_value__descriptor,  &google__protobuf__uint32_value__descriptor,
      &google__protobuf__bool_value__descriptor,   &google__protobuf__string_value__descriptor,
      &google__protobuf__bytes_value__descriptor,
  };
  for (size_t i = 0; i < sizeof wrappers / sizeof wrappers[0]; i++) {
    const ProtobufCMessageDescriptor *d = wrappers[i];
    assert_int_equal(d->n_fields, 1);
    const evs_type_traits *t = evs_type_traits_of_pbc(d->fields[0].type);
    size_t off = align_up(sizeof(ProtobufCMessage), t->c_align);
    size_t align = t->c_align > alignof(ProtobufCMessage) ? t->c_align : alignof(ProtobufCMessage);
    if (d->fields[0].offset != off || d->sizeof_message != align_up(off + t->c_size, align))
      fail_msg("%s: compiled offset %u size %zu, table gives %zu / %zu", d->name, d->fields[0].offset,
               d->sizeof_message, off, align_up(off + t->c_size, align));
  }
  /* An enum and a message field of a compiled struct, by the members' own types. */
  Google__Protobuf__FieldDescriptorProto fdp;
  assert_int_equal(sizeof fdp.label, evs_type_traits_of(EVS_TYPE_ENUM)->c_size);
  assert_int_equal(sizeof fdp.options, evs_type_traits_of(EVS_TYPE_MESSAGE)->c_size);
  assert_int_equal(sizeof fdp.name, evs_type_traits_of(EVS_TYPE_STRING)->c_size);
  assert_int_equal(
      offsetof(Google__Protobuf__FieldDescriptorProto, label) % evs_type_traits_of(EVS_TYPE_ENUM)->c_align,
      0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spot_checks),
      cmocka_unit_test(test_table_consistency),
      cmocka_unit_test(test_c_layout_matches_protobuf_c),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
