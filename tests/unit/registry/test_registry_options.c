/* Registry: (evs.v1.field) rules, (evs.v1.event) options, the event-type index and schema versions, and
 * the load errors for rules and options that do not fit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "regtest.h"

static int setup_shop(void **state) {
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "shop/v1/order.proto", RT_IMPORTS);
  *state = reg;
  return 0;
}

static int teardown_reg(void **state) {
  evs_registry_free(*state);
  return 0;
}

static const evs_field_rules *rules(const evs_message *m, const char *name) {
  const evs_field *f = evs_message_find_field(m, name, strlen(name));
  assert_non_null(f);
  assert_non_null(f->rules);
  return f->rules;
}

/* Counts the has_ flags that are set, so each case can check that nothing else was. */
static int n_set(const evs_field_rules *r) {
  return r->has_required + r->has_min_len + r->has_max_len + r->has_uuid + r->has_int_gte + r->has_int_lte +
         r->has_double_gte + r->has_double_lte + r->has_defined_only + r->has_timestamp_precision +
         r->has_min_items + r->has_max_items + r->has_rfc3339 + (r->pattern != NULL) + (r->n_in != 0);
}

static void test_field_rules(void **state) {
  const evs_message *m = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced");
  const evs_field_rules *r = rules(m, "order_id");
  assert_true(r->has_required && r->required);
  assert_true(r->has_uuid);
  assert_int_equal(r->uuid, EVS_UUID_V7);
  assert_int_equal(n_set(r), 2);

  r = rules(m, "total_cents");
  assert_true(r->has_int_gte && r->has_int_lte);
  assert_int_equal(r->int_gte, -5);
  assert_int_equal(r->int_lte, 1000000);
  assert_int_equal(n_set(r), 2);

  r = rules(m, "counts");
  assert_true(r->has_required);
  assert_false(r->required); /* proto2 presence: "required: false" is set, and false */
  assert_true(r->has_max_items);
  assert_int_equal(r->max_items, 10);
  assert_int_equal(n_set(r), 2);

  r = rules(m, "voucher_code");
  assert_string_equal(r->pattern, "^[A-Z]{8}$");
  assert_int_equal(r->min_len, 8);
  assert_int_equal(r->max_len, 8);
  assert_int_equal(n_set(r), 3);

  r = rules(m, "note");
  assert_int_equal(r->n_in, 2);
  assert_string_equal(r->in[0], "a");
  assert_string_equal(r->in[1], "b");
  assert_int_equal(n_set(r), 1);

  r = rules(m, "tags");
  assert_int_equal(r->min_items, 1);
  assert_int_equal(r->max_items, 5);
  assert_int_equal(r->min_len, 1);
  assert_int_equal(n_set(r), 3);

  r = rules(m, "placed_at");
  assert_true(r->has_timestamp_precision);
  assert_int_equal(r->timestamp_precision, EVS_TS_PRECISION_MILLIS);
  assert_int_equal(n_set(r), 1);

  r = rules(m, "status");
  assert_true(r->has_defined_only && r->defined_only);
  assert_int_equal(n_set(r), 1);

  r = rules(m, "ratio");
  assert_true(r->double_gte == 0.5 && r->double_lte == 1.5);
  assert_int_equal(n_set(r), 2);

  r = rules(m, "blob");
  assert_int_equal(r->min_len, 1);
  assert_int_equal(r->max_len, 64);
  assert_int_equal(n_set(r), 2);

  r = rules(m, "created");
  assert_true(r->has_rfc3339 && r->rfc3339);
  assert_int_equal(n_set(r), 1);

  assert_null(evs_message_find_field(m, "customer", 8)->rules);
  assert_null(evs_message_find_field(m, "sizes", 5)->rules);
}

static void test_new_rules(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "rules/all_rules.proto", RT_IMPORTS);
  const evs_message *m = evs_registry_find_message(reg, "test.rules.AllRules");
  assert_non_null(m);
  const evs_field_rules *r = rules(m, "kind");
  assert_true(r->has_const);
  assert_string_equal(r->const_value.text, "task.created");
  r = rules(m, "small");
  assert_int_equal(r->n_in, 2);
  assert_string_equal(r->in[0], "-3");
  assert_int_equal(r->in_values[0].i64, -3);
  assert_int_equal(r->in_values[1].i64, 7);
  assert_int_equal(r->n_not_in, 1);
  assert_int_equal(r->not_in[0].i64, 0);
  r = rules(m, "big");
  assert_true(r->const_value.u64 == UINT64_MAX);
  r = rules(m, "low");
  assert_true(r->const_value.i64 == INT64_MIN);
  r = rules(m, "level");
  assert_int_equal(r->in_values[0].i64, 1); /* by name */
  assert_int_equal(r->in_values[1].i64, 2); /* by number */
  assert_int_equal(r->not_in[0].i64, 0);
  r = rules(m, "flag");
  assert_true(r->has_const && r->const_value.b);
  r = rules(m, "name");
  assert_string_equal(r->prefix, "a");
  assert_string_equal(r->suffix, "z");
  assert_string_equal(r->contains, "mid");
  assert_true(r->has_min_bytes && r->min_bytes == 3 && r->has_max_bytes && r->max_bytes == 40);
  assert_string_equal(r->not_in[0].text, "amidz");
  assert_true(rules(m, "mail")->has_email && rules(m, "mail")->email);
  assert_true(rules(m, "link")->has_uri && rules(m, "link")->uri);
  r = rules(m, "tags");
  assert_true(r->has_unique && r->unique && r->max_len == 10);
  r = rules(m, "counts");
  assert_int_equal(r->max_items, 3);
  assert_non_null(r->keys);
  assert_string_equal(r->keys->pattern, "^[a-z]+$");
  assert_int_equal(r->keys->min_len, 1);
  assert_non_null(r->values);
  assert_true(r->values->has_int_gte && r->values->int_gte == 0);
  assert_true(rules(m, "ratio")->has_finite);
  r = rules(m, "at");
  assert_true(r->has_within && r->within_seconds == 3600 && r->within_nanos == 0);
  r = rules(m, "sent");
  assert_true(r->has_max_future && r->max_future_seconds == 5 && r->max_future_nanos == 500);
  assert_true(m->oneofs[0].required);
  assert_string_equal(m->oneofs[0].name, "target");
  assert_false(m->oneofs[1].required);
  evs_registry_free(reg);
}

static void test_event_options(void **state) {
  const evs_registry *reg = *state;
  const evs_message *m = evs_registry_find_message(reg, "test.shop.v1.OrderPlaced");
  const evs_event_options *ev = m->event;
  assert_non_null(ev);
  assert_int_equal(ev->n_types, 1);
  assert_string_equal(ev->types[0], "shop.order.placed");
  assert_string_equal(ev->topic, "orders");
  assert_string_equal(ev->schema_version, "1.9");
  assert_string_equal(ev->partition_key, "customer.id");
  assert_int_equal(ev->n_partition_key_path, 2);
  assert_ptr_equal(ev->partition_key_path[0], evs_message_find_field(m, "customer", 8));
  assert_string_equal(ev->partition_key_path[1]->full_name, "test.shop.v1.Customer.id");
  assert_null(ev->type_field);
  assert_null(ev->type_field_path);

  const evs_message *multi = evs_registry_find_message(reg, "test.shop.v1.OrderEvent");
  ev = multi->event;
  assert_non_null(ev);
  assert_int_equal(ev->n_types, 2);
  assert_string_equal(ev->types[0], "shop.order.shipped");
  assert_string_equal(ev->types[1], "shop.order.cancelled");
  assert_null(ev->topic);
  assert_string_equal(ev->type_field, "meta.type");
  assert_int_equal(ev->n_type_field_path, 2);
  assert_string_equal(ev->type_field_path[0]->name, "meta");
  assert_string_equal(ev->type_field_path[1]->full_name, "test.shop.v1.OrderEvent.Meta.type");
  assert_int_equal(ev->n_partition_key_path, 1);
  assert_string_equal(ev->partition_key_path[0]->name, "order_id");

  assert_null(evs_registry_find_message(reg, "test.shop.v1.Plain")->event);
}

static void test_event_types_and_versions(void **state) {
  evs_registry *reg = *state;
  const evs_message *v1 = evs_registry_find_message(reg, "test.shop.v1.OrderPlaced");
  const evs_event_type *t = evs_registry_find_event_type(reg, "shop.order.placed");
  assert_non_null(t);
  assert_ptr_equal(t->message, v1);
  rt_load_ok(reg, "shop/v2/order.proto", 0);
  const evs_message *v2 = evs_registry_find_message(reg, "test.shop.v2.OrderPlaced");
  assert_non_null(v2);
  /* 1.10 is newer than 1.9: versions compare by number, not as text. */
  t = evs_registry_find_event_type(reg, "shop.order.placed");
  assert_ptr_equal(t->message, v2);
  assert_string_equal(t->schema_version, "1.10");
  assert_ptr_equal(evs_registry_find_event_type_version(reg, "shop.order.placed", "1.9")->message, v1);
  assert_ptr_equal(evs_registry_find_event_type_version(reg, "shop.order.placed", "1.9.0")->message, v1);
  assert_null(evs_registry_find_event_type_version(reg, "shop.order.placed", "1.8"));
  assert_null(evs_registry_find_event_type(reg, "shop.order"));
  assert_ptr_equal(evs_registry_find_event_type(reg, "shop.order.cancelled")->message,
                   evs_registry_find_message(reg, "test.shop.v1.OrderEvent"));

  size_t n;
  const evs_event_type *all = evs_registry_event_types(reg, &n);
  static const char *const want[][2] = {{"shop.order.cancelled", "2.0"},
                                        {"shop.order.placed", "1.9"},
                                        {"shop.order.placed", "1.10"},
                                        {"shop.order.shipped", "2.0"}};
  assert_int_equal(n, 4);
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(all[i].name, want[i][0]);
    assert_string_equal(all[i].schema_version, want[i][1]);
  }
}

static void test_event_types_load_order(void **state) {
  (void)state;
  /* Loading the newer version first must not change the answer. */
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "shop/v2/order.proto", RT_IMPORTS);
  rt_load_ok(reg, "shop/v1/order.proto", RT_IMPORTS);
  const evs_event_type *t = evs_registry_find_event_type(reg, "shop.order.placed");
  assert_string_equal(t->message->full_name, "test.shop.v2.OrderPlaced");
  evs_registry_free(reg);
}

static void test_duplicate_event_type_across_sets(void **state) {
  evs_registry *reg = *state;
  evs_error err;
  assert_int_equal(rt_load(reg, "bad/dup_other_version.proto", 0, &err), EVS_ERR_DUPLICATE);
  rt_assert_error(&err, EVS_ERR_DUPLICATE, "bad/dup_other_version.proto", 8, 1, "test.shop.v1.OrderPlaced");
  size_t n;
  evs_registry_event_types(reg, &n);
  assert_int_equal(n, 3);
  assert_null(evs_registry_find_message(reg, "test.bad.dup_other_version.Again"));
}

typedef struct bad_case {
  const char *file;
  evs_status code;
  uint32_t line, col;
  const char *needle;
} bad_case;

static void test_bad_rules_and_options(void **state) {
  (void)state;
  static const bad_case cases[] = {
      {"bad/rule_maxlen_int.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "max_len needs a string or bytes field, not int32"},
      {"bad/rule_uuid_int64.proto", EVS_ERR_DESCRIPTOR, 9, 3, "uuid needs a string field, not int64"},
      {"bad/rule_intgte_string.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "int_gte needs an integer field, not string"},
      {"bad/rule_defined_only_string.proto", EVS_ERR_DESCRIPTOR, 9, 3, "defined_only needs an enum field"},
      {"bad/rule_ts_precision_duration.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "needs a google.protobuf.Timestamp field, not google.protobuf.Duration"},
      {"bad/rule_min_items_singular.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "min_items needs a repeated field or a map"},
      {"bad/rule_pattern_on_map.proto", EVS_ERR_DESCRIPTOR, 9, 3, "pattern needs a string field, not a map"},
      {"bad/rule_double_on_int.proto", EVS_ERR_DESCRIPTOR, 9, 3, "double_gte needs a float or double field"},
      {"bad/rule_min_gt_max.proto", EVS_ERR_DESCRIPTOR, 9, 3, "min_len > max_len"},
      {"bad/partition_key_missing.proto", EVS_ERR_DESCRIPTOR, 8, 1,
       "\"customer.nope\" names no field (at \"nope\")"},
      {"bad/partition_key_repeated.proto", EVS_ERR_DESCRIPTOR, 8, 1, "not a singular message field"},
      {"bad/partition_key_message.proto", EVS_ERR_DESCRIPTOR, 8, 1, "must end at a singular scalar"},
      {"bad/type_field_not_string.proto", EVS_ERR_DESCRIPTOR, 8, 1,
       "type_field \"kind\" must be a string field"},
      {"bad/multi_type_no_field.proto", EVS_ERR_DESCRIPTOR, 8, 1,
       "carries 2 event types but sets no type_field"},
      {"bad/schema_version.proto", EVS_ERR_DESCRIPTOR, 8, 1, "\"v1\" is not dotted decimal"},
      {"bad/dup_event.proto", EVS_ERR_DUPLICATE, 11, 1,
       "event type bad.x version \"1\" of test.bad.dup_event.N"},
      {"bad/dup_type_in_message.proto", EVS_ERR_DUPLICATE, 8, 1,
       "bad.x version \"\" of test.bad.dup_type_in_message.M is already carried by "
       "test.bad.dup_type_in_message.M"},
      {"bad/dup_json_name.proto", EVS_ERR_DESCRIPTOR, 10, 3, "JSON name \"x\" collides with field a"},
      {"bad/json_name_vs_name.proto", EVS_ERR_DESCRIPTOR, 10, 3, "JSON name \"b\" collides with field b"},
      {"bad/nul_json_name.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "json_name of field test.bad.nul_json_name.M.a contains a NUL byte"},
      {"bad/rule_const_not_int.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "(evs.v1.field).const: \"12a\" is not a decimal integer"},
      {"bad/rule_in_out_of_range.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "(evs.v1.field).in: \"4294967296\" is out of range for the field's type"},
      {"bad/rule_enum_unknown_name.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "not_in: \"LEVEL_NOPE\" names no value of the enum and is not a number"},
      {"bad/rule_const_on_double.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "const needs a string, integer, enum or bool field, not double"},
      {"bad/rule_unique_on_messages.proto", EVS_ERR_DESCRIPTOR, 10, 3,
       "unique needs a repeated scalar, string, bytes or enum field, not repeated google.protobuf.Timestamp"},
      {"bad/rule_keys_not_map.proto", EVS_ERR_DESCRIPTOR, 9, 3, "keys needs a map, not repeated string"},
      {"bad/rule_values_wrong_type.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "(evs.v1.field).values.prefix needs a string field, not int64"},
      {"bad/rule_within_negative.proto", EVS_ERR_DESCRIPTOR, 10, 3, "within must be a duration from 0s"},
      {"bad/rule_within_on_string.proto", EVS_ERR_DESCRIPTOR, 9, 3,
       "within needs a google.protobuf.Timestamp field, not string"},
      {"bad/rule_bool_const.proto", EVS_ERR_DESCRIPTOR, 9, 3, "\"yes\" is not a bool"},
      {"bad/rule_min_bytes_gt_max.proto", EVS_ERR_DESCRIPTOR, 9, 3, "min_bytes > max_bytes"},
      {"bad/rule_pattern_not_portable.proto", EVS_ERR_DESCRIPTOR, 9, 3, "write [0-9]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const bad_case *c = &cases[i];
    evs_registry *reg = rt_registry();
    evs_error err;
    evs_status st = rt_load(reg, c->file, RT_IMPORTS, &err);
    if (st != c->code) print_error("%s: %s\n", c->file, rt_errstr(&err));
    assert_int_equal(st, c->code);
    rt_assert_error(&err, c->code, c->file, c->line, c->col, c->needle);
    size_t n;
    evs_registry_files(reg, &n);
    assert_int_equal(n, 0);
    evs_registry_free(reg);
  }
}

static void test_schema_version_compare(void **state) {
  (void)state;
  assert_true(evs_schema_version_compare("1.10", "1.9") > 0);
  assert_true(evs_schema_version_compare("1.9", "1.10") < 0);
  assert_int_equal(evs_schema_version_compare("1", "1.0"), 0);
  assert_int_equal(evs_schema_version_compare("1.0.0", "1"), 0);
  assert_int_equal(evs_schema_version_compare("01.2", "1.02"), 0);
  assert_true(evs_schema_version_compare("1.0.1", "1") > 0);
  assert_true(evs_schema_version_compare("2", "10") < 0);
  assert_true(evs_schema_version_compare("123456789012345678901234567890", "9") > 0);
  assert_true(evs_schema_version_compare("", "0") < 0);
  assert_int_equal(evs_schema_version_compare(NULL, ""), 0);
  assert_true(evs_schema_version_compare("v1", "9") > 0); /* invalid strings sort after valid ones */
  assert_true(evs_schema_version_compare("1.", "1") > 0);
  assert_true(evs_schema_version_compare("a", "b") < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_rules),
      cmocka_unit_test_setup_teardown(test_field_rules, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_event_options, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_event_types_and_versions, setup_shop, teardown_reg),
      cmocka_unit_test(test_event_types_load_order),
      cmocka_unit_test_setup_teardown(test_duplicate_event_type_across_sets, setup_shop, teardown_reg),
      cmocka_unit_test(test_bad_rules_and_options),
      cmocka_unit_test(test_schema_version_compare),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
