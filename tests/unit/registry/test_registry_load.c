/* Registry: loading fixture sets, lookups, JSON names, maps, oneofs, well-known types, proto2, iteration,
 * duplicate and missing files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "regtest.h"

#define SHOP "shop/v1/order.proto"

static int setup_shop(void **state) {
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, SHOP, RT_IMPORTS);
  *state = reg;
  return 0;
}

static int teardown_reg(void **state) {
  evs_registry_free(*state);
  return 0;
}

static const evs_field *field(const evs_message *m, const char *name) {
  const evs_field *f = evs_message_find_field(m, name, strlen(name));
  assert_non_null(f);
  assert_string_equal(f->name, name);
  return f;
}

static void test_find_message_and_fields(void **state) {
  const evs_registry *reg = *state;
  const evs_message *m = evs_registry_find_message(reg, "test.shop.v1.OrderPlaced");
  assert_non_null(m);
  assert_ptr_equal(evs_registry_find_message(reg, ".test.shop.v1.OrderPlaced"), m);
  assert_string_equal(m->name, "OrderPlaced");
  assert_string_equal(m->full_name, "test.shop.v1.OrderPlaced");
  assert_string_equal(m->file->name, SHOP);
  assert_string_equal(m->file->package, "test.shop.v1");
  assert_int_equal(m->file->syntax, EVS_SYNTAX_PROTO3);
  assert_null(m->parent);
  assert_non_null(m->c_desc); /* built at load: the set has no compiled code */
  assert_true(m->c_desc_dynamic);
  assert_int_equal(m->n_fields, 18);
  /* fields[] is in number order (protobuf-c's order), decl_fields[] in declaration order. */
  for (size_t i = 1; i < m->n_fields; i++) assert_true(m->fields[i - 1].number < m->fields[i].number);
  for (size_t i = 0; i < m->n_fields; i++) {
    assert_int_equal(m->fields[i].index, i);
    assert_ptr_equal(m->decl_fields[m->fields[i].decl_index], &m->fields[i]);
    assert_ptr_equal(m->fields[i].parent, m);
    assert_ptr_equal(m->fields[i].traits, evs_type_traits_of(m->fields[i].type));
  }
  assert_string_equal(m->fields[16].name, "weight");
  assert_string_equal(m->fields[17].name, "quantity");
  assert_string_equal(m->decl_fields[16]->name, "quantity");
  assert_string_equal(m->decl_fields[17]->name, "weight");

  const evs_field *customer = field(m, "customer");
  assert_int_equal(customer->type, EVS_TYPE_MESSAGE);
  assert_ptr_equal(customer->message_type, evs_registry_find_message(reg, "test.shop.v1.Customer"));
  assert_string_equal(customer->full_name, "test.shop.v1.OrderPlaced.customer");
  const evs_field *status = field(m, "status");
  assert_int_equal(status->type, EVS_TYPE_ENUM);
  assert_ptr_equal(status->enum_type, evs_registry_find_enum(reg, "test.shop.v1.Status"));
  assert_null(status->message_type);
  assert_ptr_equal(evs_message_field_by_number(m, 3), field(m, "total_cents"));
  assert_ptr_equal(evs_message_field_by_number(m, 21), field(m, "quantity"));
  assert_null(evs_message_field_by_number(m, 17));
  assert_null(evs_message_field_by_number(m, 0));
  assert_int_equal(field(m, "deltas")->type, EVS_TYPE_SINT64);
  assert_int_equal(field(m, "weight")->traits->json_kind, EVS_JSON_FLOAT);

  const evs_message *card = evs_registry_find_message(reg, "test.shop.v1.OrderPlaced.Card");
  assert_non_null(card);
  assert_ptr_equal(card->parent, m);
  assert_string_equal(card->name, "Card");
  assert_ptr_equal(field(m, "card")->message_type, card);

  assert_null(evs_registry_find_message(reg, "test.shop.v1.Status")); /* an enum, not a message */
  assert_null(evs_registry_find_message(reg, "test.shop.v1.Nope"));
  assert_null(evs_registry_find_message(reg, "OrderPlaced"));
  assert_null(evs_registry_find_enum(reg, "test.shop.v1.OrderPlaced"));
  assert_null(evs_message_find_field(m, "nope", 4));
}

static void test_enum_values_and_aliases(void **state) {
  const evs_enum *e = evs_registry_find_enum(*state, ".test.shop.v1.Status");
  assert_non_null(e);
  assert_string_equal(e->name, "Status");
  assert_true(e->allow_alias);
  assert_false(e->closed);
  assert_int_equal(e->wkt, EVS_WKT_NONE);
  assert_int_equal(e->n_values, 4);
  assert_int_equal(e->n_by_number, 3);
  assert_string_equal(e->values[2].name, "STATUS_ACTIVE");
  assert_int_equal(e->values[2].number, 1);
  assert_ptr_equal(e->values[2].canonical, &e->values[1]);
  assert_ptr_equal(e->values[1].canonical, &e->values[1]);
  assert_string_equal(evs_enum_value_by_number(e, 1)->name, "STATUS_OPEN");
  assert_string_equal(evs_enum_value_by_number(e, 2)->name, "STATUS_CLOSED");
  assert_string_equal(evs_enum_value_by_number(e, 0)->name, "STATUS_UNSPECIFIED");
  assert_null(evs_enum_value_by_number(e, 7));
  assert_null(evs_enum_value_by_number(e, -1));
  assert_ptr_equal(evs_enum_value_by_name(e, "STATUS_ACTIVE", 13), &e->values[2]);
  assert_ptr_equal(evs_enum_value_by_name(e, "STATUS_CLOSEDX", 13), &e->values[3]);
  assert_null(evs_enum_value_by_name(e, "STATUS_OPEN", 6));
  for (size_t i = 0; i < e->n_values; i++) assert_ptr_equal(e->values[i].parent, e);
}

static void test_json_names(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "names.proto", 0);
  const evs_message *m = evs_registry_find_message(reg, "test.names.Names");
  assert_non_null(m);
  static const char *const want[][2] = {{"field_name1", "fieldName1"},
                                        {"FieldName8", "FieldName8"},
                                        {"_field_name3", "FieldName3"},
                                        {"field__name4_", "fieldName4"},
                                        {"field_0_name6", "field0Name6"},
                                        {"custom", "my-Custom"},
                                        {"same", "same"}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const evs_field *f = m->decl_fields[i];
    assert_string_equal(f->name, want[i][0]);
    assert_string_equal(f->json_name, want[i][1]);
    assert_int_equal(f->has_custom_json_name, i == 5);
    assert_ptr_equal(evs_message_find_field(m, want[i][1], strlen(want[i][1])), f);
    assert_ptr_equal(evs_message_find_field(m, want[i][0], strlen(want[i][0])), f);
  }
  /* Keys need no NUL terminator. */
  assert_ptr_equal(evs_message_find_field(m, "fieldName1XYZ", 10), m->decl_fields[0]);
  evs_registry_free(reg);

  const evs_message *order = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced");
  const evs_field *total = field(order, "total_cents");
  assert_string_equal(total->json_name, "amountCents");
  assert_true(total->has_custom_json_name);
  assert_ptr_equal(evs_message_find_field(order, "amountCents", 11), total);
  /* ProtoJSON: with a custom json_name the default camel name is not accepted. */
  assert_null(evs_message_find_field(order, "totalCents", 10));
  assert_string_equal(field(order, "order_id")->json_name, "orderId");
  assert_false(field(order, "order_id")->has_custom_json_name);
}

static void test_maps(void **state) {
  const evs_message *m = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced");
  const evs_field *counts = field(m, "counts");
  assert_true(counts->is_map);
  assert_true(counts->is_repeated);
  assert_false(counts->is_packed);
  const evs_message *entry = counts->message_type;
  assert_true(entry->map_entry);
  assert_string_equal(entry->full_name, "test.shop.v1.OrderPlaced.CountsEntry");
  assert_int_equal(entry->n_fields, 2);
  assert_string_equal(entry->fields[0].name, "key");
  assert_int_equal(entry->fields[0].type, EVS_TYPE_STRING);
  assert_string_equal(entry->fields[1].name, "value");
  assert_int_equal(entry->fields[1].type, EVS_TYPE_INT32);
  /* A map entry has no location of its own: it carries its field's. */
  assert_int_equal(entry->src.line, counts->src.line);
  assert_int_equal(entry->src.col, counts->src.col);
  assert_int_equal(entry->fields[1].src.line, counts->src.line);
  assert_null(entry->fields[1].src.leading_comment);
  assert_false(field(m, "tags")->is_map);
  assert_true(field(m, "tags")->is_repeated);
  assert_false(field(m, "customer")->is_map);
  assert_false(field(m, "card")->message_type->map_entry);
  assert_false(m->map_entry);
}

static void test_oneofs_and_presence(void **state) {
  const evs_message *m = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced");
  assert_int_equal(m->n_oneofs, 3);
  assert_int_equal(m->n_real_oneofs, 2);
  const evs_oneof *payment = &m->oneofs[0];
  assert_string_equal(payment->name, "payment");
  assert_false(payment->synthetic);
  assert_int_equal(payment->n_fields, 2);
  assert_ptr_equal(payment->fields[0], field(m, "card"));
  assert_ptr_equal(payment->fields[1], field(m, "voucher_code"));
  assert_ptr_equal(payment->parent, m);
  assert_ptr_equal(field(m, "voucher_code")->oneof, payment);
  const evs_oneof *lonely = &m->oneofs[1];
  assert_string_equal(lonely->name, "lonely");
  assert_false(lonely->synthetic);
  assert_int_equal(lonely->n_fields, 1);
  assert_ptr_equal(lonely->fields[0], field(m, "only_member"));
  assert_false(field(m, "only_member")->proto3_optional);
  const evs_oneof *syn = &m->oneofs[2];
  assert_string_equal(syn->name, "_note");
  assert_true(syn->synthetic);
  assert_int_equal(syn->index, 2);
  const evs_field *note = field(m, "note");
  assert_true(note->proto3_optional);
  assert_ptr_equal(note->oneof, syn);

  assert_true(note->has_presence);
  assert_true(field(m, "card")->has_presence);
  assert_true(field(m, "only_member")->has_presence);
  assert_true(field(m, "customer")->has_presence);
  assert_false(field(m, "order_id")->has_presence);
  assert_false(field(m, "tags")->has_presence);
  assert_null(field(m, "order_id")->oneof);

  assert_false(field(m, "sizes")->is_packed); /* [packed = false] */
  assert_true(field(m, "deltas")->is_packed); /* proto3 default */
  assert_false(field(m, "tags")->is_packed);  /* strings never pack */
}

static void test_well_known_types(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "wkt.proto", RT_IMPORTS);
  const evs_message *m = evs_registry_find_message(reg, "test.wkt.AllWkt");
  assert_non_null(m);
  static const evs_wkt want[] = {EVS_WKT_ANY,          EVS_WKT_TIMESTAMP,    EVS_WKT_DURATION,
                                 EVS_WKT_STRUCT,       EVS_WKT_VALUE,        EVS_WKT_LIST_VALUE,
                                 EVS_WKT_NULL_VALUE,   EVS_WKT_FIELD_MASK,   EVS_WKT_EMPTY,
                                 EVS_WKT_DOUBLE_VALUE, EVS_WKT_FLOAT_VALUE,  EVS_WKT_INT64_VALUE,
                                 EVS_WKT_UINT64_VALUE, EVS_WKT_INT32_VALUE,  EVS_WKT_UINT32_VALUE,
                                 EVS_WKT_BOOL_VALUE,   EVS_WKT_STRING_VALUE, EVS_WKT_BYTES_VALUE};
  assert_int_equal(m->n_fields, 18);
  for (size_t i = 0; i < 18; i++) {
    const evs_field *f = &m->fields[i];
    evs_wkt got = f->message_type ? f->message_type->wkt : f->enum_type->wkt;
    assert_int_equal(got, want[i]);
    const char *full = f->message_type ? f->message_type->full_name : f->enum_type->full_name;
    assert_string_equal(evs_wkt_name(want[i]), full);
    /* A wrapper is a type named google.protobuf.*Value holding one field named "value"; Value is not one. */
    bool wrapper = strstr(full, "Value") && want[i] != EVS_WKT_VALUE && want[i] != EVS_WKT_LIST_VALUE &&
                   want[i] != EVS_WKT_NULL_VALUE;
    assert_int_equal(evs_wkt_is_wrapper(want[i]), wrapper);
  }
  assert_false(evs_wkt_is_wrapper(EVS_WKT_NONE));
  assert_int_equal(m->wkt, EVS_WKT_NONE);
  assert_int_equal(evs_registry_find_message(reg, "google.protobuf.Struct.FieldsEntry")->wkt, EVS_WKT_NONE);
  assert_string_equal(evs_wkt_name(EVS_WKT_NONE), "");
  assert_null(evs_wkt_name((evs_wkt)99));
  evs_registry_free(reg);
}

static void test_proto2(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "legacy.proto", 0);
  const evs_message *m = evs_registry_find_message(reg, "test.legacy.Old");
  assert_non_null(m);
  assert_int_equal(m->file->syntax, EVS_SYNTAX_PROTO2);
  assert_true(field(m, "a")->has_presence);
  assert_string_equal(field(m, "a")->default_value, "7");
  assert_string_equal(field(m, "color")->default_value, "GREEN");
  assert_null(field(m, "id")->default_value);
  assert_int_equal(field(m, "id")->label, EVS_LABEL_REQUIRED);
  assert_int_equal(field(m, "a")->label, EVS_LABEL_OPTIONAL);
  assert_true(field(m, "packed_nums")->is_packed);
  assert_false(field(m, "plain_nums")->is_packed);
  assert_int_equal(field(m, "plain_nums")->label, EVS_LABEL_REPEATED);
  const evs_enum *color = evs_registry_find_enum(reg, "test.legacy.Color");
  assert_true(color->closed);
  assert_null(evs_enum_value_by_number(color, 0));
  evs_registry_free(reg);
}

static void test_iteration_order(void **state) {
  const evs_registry *reg = *state;
  size_t n;
  const evs_message *const *msgs = evs_registry_messages(reg, &n);
  /* descriptor.proto, timestamp.proto, duration.proto, options.proto, 7 in the fixture */
  assert_int_equal(n, 27 + 1 + 1 + 3 + 7);
  for (size_t i = 1; i < n; i++) assert_true(strcmp(msgs[i - 1]->full_name, msgs[i]->full_name) < 0);
  size_t found = 0;
  for (size_t i = 0; i < n; i++) found += evs_registry_find_message(reg, msgs[i]->full_name) == msgs[i];
  assert_int_equal(found, n);
  const evs_enum *const *enums = evs_registry_enums(reg, &n);
  assert_true(n >= 5);
  for (size_t i = 1; i < n; i++) assert_true(strcmp(enums[i - 1]->full_name, enums[i]->full_name) < 0);

  const evs_file *const *files = evs_registry_files(reg, &n);
  assert_int_equal(n, 6);
  assert_string_equal(files[n - 1]->name, SHOP);
  const evs_file *shop = evs_registry_find_file(reg, SHOP);
  assert_ptr_equal(shop, files[n - 1]);
  assert_int_equal(shop->n_deps, 3);
  assert_string_equal(shop->deps[0]->name, "evs/v1/options.proto");
  assert_string_equal(shop->deps[1]->name, "google/protobuf/timestamp.proto");
  assert_string_equal(shop->deps[2]->name, "shop/v1/common.proto");
  assert_int_equal(shop->n_messages, 3);
  assert_string_equal(shop->messages[1]->name, "OrderEvent");
  assert_int_equal(shop->n_enums, 0);
  assert_string_equal(shop->origin, SHOP);
  /* Dependencies come first within a set. */
  for (size_t i = 0; i < n; i++)
    for (size_t d = 0; d < files[i]->n_deps; d++) {
      size_t k = 0;
      while (files[k] != files[i]->deps[d]) k++;
      assert_true(k < i);
    }
}

static void test_duplicate_files_skipped(void **state) {
  evs_registry *reg = *state;
  const evs_message *ts = evs_registry_find_message(reg, "google.protobuf.Timestamp");
  size_t n_before;
  evs_registry_messages(reg, &n_before);
  /* Same set again: every file is known, nothing changes. */
  rt_load_ok(reg, SHOP, RT_IMPORTS);
  size_t n;
  evs_registry_messages(reg, &n);
  assert_int_equal(n, n_before);
  evs_registry_files(reg, &n);
  assert_int_equal(n, 6);
  /* A set that shares google/protobuf files combines with the first. */
  rt_load_ok(reg, "wkt.proto", RT_IMPORTS);
  assert_ptr_equal(evs_registry_find_message(reg, "google.protobuf.Timestamp"), ts);
  assert_non_null(evs_registry_find_message(reg, "test.wkt.AllWkt"));
  assert_non_null(evs_registry_find_message(reg, "google.protobuf.Duration"));
  evs_registry_files(reg, &n);
  assert_int_equal(n, 5 + 7); /* wkt.proto + 6 new google/protobuf files (timestamp.proto was loaded) */
}

static void test_conflicting_duplicate(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "conflict/a.proto", 0);
  evs_error err;
  assert_int_equal(rt_load(reg, "conflict/b.proto", 0, &err), EVS_ERR_DUPLICATE);
  rt_assert_error(&err, EVS_ERR_DUPLICATE, "conflict/b.proto", 5, 1, "test.conflict.Thing");
  assert_non_null(strstr(err.msg, "conflict/a.proto"));
  /* All-or-nothing: nothing of b.proto was kept. */
  assert_null(evs_registry_find_file(reg, "conflict/b.proto"));
  const evs_message *thing = evs_registry_find_message(reg, "test.conflict.Thing");
  assert_string_equal(thing->fields[0].name, "a");
  size_t n;
  evs_registry_files(reg, &n);
  assert_int_equal(n, 1);
  evs_registry_free(reg);
}

static void test_missing_dependency(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(rt_load(reg, SHOP, 0, &err), EVS_ERR_DESCRIPTOR);
  rt_assert_error(&err, EVS_ERR_DESCRIPTOR, SHOP, 0, 0, "imports evs/v1/options.proto, which is not loaded");
  assert_non_null(strstr(err.msg, SHOP));
  size_t n;
  evs_registry_files(reg, &n);
  assert_int_equal(n, 0);
  /* Dependencies may come from an earlier set. */
  rt_load_ok(reg, "shop/v1/common.proto evs/v1/options.proto google/protobuf/timestamp.proto", RT_IMPORTS);
  rt_load_ok(reg, SHOP, 0);
  assert_non_null(evs_registry_find_message(reg, "test.shop.v1.OrderPlaced"));
  evs_registry_free(reg);
}

static void test_require_suggestions(void **state) {
  const evs_registry *reg = *state;
  evs_error err;
  assert_non_null(evs_registry_require_message(reg, "test.shop.v1.OrderPlaced", &err));
  assert_null(evs_registry_require_message(reg, "test.shop.v1.orderplaced", &err));
  rt_assert_error(&err, EVS_ERR_NOT_FOUND, NULL, 0, 0, "did you mean 'test.shop.v1.OrderPlaced'?");
  assert_null(evs_registry_require_message(reg, "test.shop.v9.Customer", &err));
  rt_assert_error(&err, EVS_ERR_NOT_FOUND, NULL, 0, 0, "did you mean 'test.shop.v1.Customer'?");
  assert_null(evs_registry_require_message(reg, "nothing.Like.This", &err));
  rt_assert_error(&err, EVS_ERR_NOT_FOUND, NULL, 0, 0, "unknown message 'nothing.Like.This'");
  assert_null(strstr(err.msg, "did you mean"));
  assert_null(evs_registry_require_enum(reg, "other.Status", &err));
  rt_assert_error(&err, EVS_ERR_NOT_FOUND, NULL, 0, 0, "did you mean 'test.shop.v1.Status'?");
  assert_null(evs_registry_require_event_type(reg, "SHOP.ORDER.PLACED", &err));
  rt_assert_error(&err, EVS_ERR_NOT_FOUND, NULL, 0, 0, "did you mean 'shop.order.placed'?");
  assert_null(evs_registry_require_message(NULL, "x", &err));
  assert_int_equal(err.code, EVS_ERR_INVALID_ARG);
}

static void test_null_arguments(void **state) {
  (void)state;
  evs_error err;
  assert_int_equal(evs_registry_new(NULL, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_registry_add_descriptor_set(NULL, (const uint8_t *)"", 0, NULL, &err),
                   EVS_ERR_INVALID_ARG);
  assert_true(err.msg[0] != '\0');
  evs_registry *reg = rt_registry();
  assert_int_equal(evs_registry_add_descriptor_set(reg, NULL, 3, NULL, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_registry_add_descriptor_set(reg, NULL, 0, NULL, NULL),
                   EVS_ERR_DESCRIPTOR); /* no files */
  assert_int_equal(evs_registry_load_file(reg, NULL, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_registry_add_catalog(reg, NULL, &err), EVS_ERR_INVALID_ARG);
  assert_null(evs_registry_find_message(NULL, "a"));
  assert_null(evs_registry_find_message(reg, NULL));
  assert_null(evs_registry_find_enum(NULL, "a"));
  assert_null(evs_registry_find_file(reg, NULL));
  assert_null(evs_registry_find_event_type(reg, "x"));
  assert_null(evs_registry_message_for(reg, NULL));
  assert_null(evs_message_find_field(NULL, "a", 1));
  assert_null(evs_enum_value_by_number(NULL, 1));
  size_t n = 7;
  assert_null(evs_registry_messages(NULL, &n));
  assert_int_equal(n, 0);
  evs_registry_event_types(reg, &n);
  assert_int_equal(n, 0);
  evs_registry_free(reg);
  evs_registry_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_find_message_and_fields, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_enum_values_and_aliases, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_json_names, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_maps, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_oneofs_and_presence, setup_shop, teardown_reg),
      cmocka_unit_test(test_well_known_types),
      cmocka_unit_test(test_proto2),
      cmocka_unit_test_setup_teardown(test_iteration_order, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_duplicate_files_skipped, setup_shop, teardown_reg),
      cmocka_unit_test(test_conflicting_duplicate),
      cmocka_unit_test(test_missing_dependency),
      cmocka_unit_test_setup_teardown(test_require_suggestions, setup_shop, teardown_reg),
      cmocka_unit_test(test_null_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
