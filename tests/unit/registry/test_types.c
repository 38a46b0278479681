/* The shared type-traits table (include/evs/types.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "evs/types.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spot_checks),
      cmocka_unit_test(test_table_consistency),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
