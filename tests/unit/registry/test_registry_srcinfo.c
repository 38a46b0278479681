/* Registry: source locations (1-based file:line:col of whole declarations) and comments from
 * SourceCodeInfo. The numbers refer to data/shop/v1/order.proto and data/shop/v1/common.proto. */
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

static void assert_src(const evs_source_info *src, const char *file, uint32_t line, uint32_t col,
                       uint32_t end_line, uint32_t end_col) {
  assert_string_equal(src->file, file);
  assert_int_equal(src->line, line);
  assert_int_equal(src->col, col);
  assert_int_equal(src->end_line, end_line);
  assert_int_equal(src->end_col, end_col);
}

static const evs_field *field(const evs_message *m, const char *name) {
  const evs_field *f = evs_message_find_field(m, name, strlen(name));
  assert_non_null(f);
  return f;
}

static void test_message_location_and_comment(void **state) {
  const evs_message *m = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced");
  assert_src(&m->src, "shop/v1/order.proto", 13, 1, 50, 2);
  /* "//  An order was placed.\n//   Second line..." loses the two spaces both lines share. */
  assert_string_equal(m->src.leading_comment, "An order was placed.\n Second line, indented one more.");
  assert_null(m->src.trailing_comment);
  const evs_message *card = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced.Card");
  assert_src(&card->src, "shop/v1/order.proto", 47, 3, 49, 4);
  assert_string_equal(card->src.leading_comment, "A payment card.");
  const evs_message *plain = evs_registry_find_message(*state, "test.shop.v1.Plain");
  assert_string_equal(plain->src.leading_comment, "Not an event.");
}

static void test_field_location_and_comments(void **state) {
  const evs_message *m = evs_registry_find_message(*state, "test.shop.v1.OrderPlaced");
  const evs_field *id = field(m, "order_id");
  assert_src(&id->src, "shop/v1/order.proto", 22, 3, 22, 81);
  assert_string_equal(id->src.leading_comment, "Order id (a UUIDv7).");
  assert_string_equal(id->src.trailing_comment, "trailing note");
  const evs_field *placed = field(m, "placed_at");
  assert_src(&placed->src, "shop/v1/order.proto", 35, 3, 36, 78);
  assert_null(placed->src.leading_comment);
  const evs_field *card = field(m, "card");
  assert_int_equal(card->src.line, 27);
  assert_int_equal(card->src.col, 5);
  assert_int_equal(m->oneofs[0].src.line, 26);
  assert_int_equal(m->oneofs[0].src.col, 3);
  /* A synthetic oneof has no declaration of its own. */
  assert_int_equal(m->oneofs[2].src.line, 0);
  assert_string_equal(m->oneofs[2].src.file, "shop/v1/order.proto");
}

static void test_enum_locations(void **state) {
  const evs_enum *e = evs_registry_find_enum(*state, "test.shop.v1.Status");
  assert_src(&e->src, "shop/v1/common.proto", 13, 1, 19, 2);
  assert_string_equal(e->src.leading_comment, "Order status; ACTIVE is an alias of OPEN.");
  const evs_enum_value *active = evs_enum_value_by_name(e, "STATUS_ACTIVE", 13);
  assert_src(&active->src, "shop/v1/common.proto", 17, 3, 17, 21);
  assert_string_equal(active->src.trailing_comment, "same as open");
  assert_null(active->src.leading_comment);
  assert_int_equal(e->values[0].src.line, 15);
}

static void test_without_source_info(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "shop/v1/common.proto", RT_NO_SOURCE_INFO);
  const evs_message *m = evs_registry_find_message(reg, "test.shop.v1.Customer");
  assert_non_null(m);
  assert_string_equal(m->src.file, "shop/v1/common.proto");
  assert_int_equal(m->src.line, 0);
  assert_int_equal(m->src.col, 0);
  assert_null(m->src.leading_comment);
  assert_int_equal(m->fields[0].src.line, 0);
  assert_string_equal(m->fields[0].src.file, "shop/v1/common.proto");
  evs_registry_free(reg);
}

static void test_every_view_has_a_file(void **state) {
  size_t n;
  const evs_message *const *msgs = evs_registry_messages(*state, &n);
  for (size_t i = 0; i < n; i++) {
    assert_ptr_equal(msgs[i]->src.file, msgs[i]->file->name);
    for (size_t k = 0; k < msgs[i]->n_fields; k++)
      assert_ptr_equal(msgs[i]->fields[k].src.file, msgs[i]->file->name);
    /* With source info every declared message has a position (map entries borrow their field's). */
    assert_true(msgs[i]->src.line > 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_message_location_and_comment, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_field_location_and_comments, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_enum_locations, setup_shop, teardown_reg),
      cmocka_unit_test(test_without_source_info),
      cmocka_unit_test_setup_teardown(test_every_view_has_a_file, setup_shop, teardown_reg),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
