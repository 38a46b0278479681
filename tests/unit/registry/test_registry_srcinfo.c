/* Registry: source locations (1-based file:line:col of whole declarations) and comments from
 * SourceCodeInfo. The numbers refer to data/shop/v1/order.proto and data/shop/v1/common.proto. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "google/protobuf/descriptor.pb-c.h"
#include "registry/registry_lib.h"
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

/* ---- a hand-made SourceCodeInfo: what protoc writes, and what it may (unpacked paths, long varints) ---- */

typedef struct bytes {
  uint8_t v[4096];
  size_t n;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
  assert_true(b->n + n <= sizeof b->v);
  memcpy(b->v + b->n, p, n);
  b->n += n;
}

static void put_varint(bytes *b, uint64_t v) {
  uint8_t c[10];
  size_t n = 0;
  for (; v > 0x7f; v >>= 7) c[n++] = (uint8_t)(v | 0x80);
  c[n++] = (uint8_t)v;
  put(b, c, n);
}

static void put_len(bytes *b, uint32_t number, const bytes *inner) {
  put_varint(b, (uint64_t)number << 3 | 2);
  put_varint(b, inner->n);
  put(b, inner->v, inner->n);
}

static void put_string(bytes *b, uint32_t number, const char *s) {
  bytes t = {.n = 0};
  put(&t, s, strlen(s));
  put_len(b, number, &t);
}

/* One Location: path packed (or as separate varints), span packed, comments when not NULL. */
static void location(bytes *sci, const int32_t *path, size_t n_path, bool packed, const int32_t *span,
                     size_t n_span, const char *leading, const char *trailing) {
  bytes loc = {.n = 0}, ints = {.n = 0};
  for (size_t i = 0; i < n_path; i++) {
    if (!packed) put_varint(&loc, 1u << 3);
    put_varint(packed ? &ints : &loc, (uint64_t)(uint32_t)path[i]);
  }
  if (packed) put_len(&loc, 1, &ints);
  ints.n = 0;
  for (size_t i = 0; i < n_span; i++) put_varint(&ints, (uint64_t)(uint32_t)span[i]);
  put_len(&loc, 2, &ints);
  if (leading) put_string(&loc, 3, leading);
  if (trailing) put_string(&loc, 4, trailing);
  put_len(sci, 1, &loc);
}

#define LOC(path, packed, span, leading, trailing)                                                    \
  location(&sci, path, sizeof path / sizeof *path, packed, span, sizeof span / sizeof *span, leading, \
           trailing)

static void test_hand_made_locations(void **state) {
  (void)state;
  /* message M { string d = 3 [json_name "custom"]; int32 a = 1; int32 b_c = 2; int32 x__y_ = 4; } */
  Google__Protobuf__FieldDescriptorProto f[4] = {
      GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT,
      GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT, GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT};
  /* protobuf-c's structs hold char *: writable copies */
  char names[4][8] = {"d", "a", "b_c", "x__y_"}, json[4][8] = {"custom", "a", "bC", "xY"};
  char m_name[] = "M", file_name[] = "hand.proto", package[] = "hand", syntax[] = "proto3";
  int numbers[4] = {3, 1, 2, 4};
  Google__Protobuf__FieldDescriptorProto *fp[4];
  for (int i = 0; i < 4; i++) {
    f[i].name = names[i];
    f[i].json_name = json[i];
    f[i].has_number = f[i].has_label = f[i].has_type = true;
    f[i].number = numbers[i];
    f[i].label = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL;
    f[i].type = i ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_INT32
                  : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING;
    fp[i] = &f[i];
  }
  Google__Protobuf__DescriptorProto m = GOOGLE__PROTOBUF__DESCRIPTOR_PROTO__INIT, *mp = &m;
  m.name = m_name;
  m.n_field = 4;
  m.field = fp;
  Google__Protobuf__FileDescriptorProto fd = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_PROTO__INIT;
  fd.name = file_name;
  fd.package = package;
  fd.syntax = syntax;
  fd.n_message_type = 1;
  fd.message_type = &mp;
  bytes file = {.n = 0};
  file.n = google__protobuf__file_descriptor_proto__get_packed_size(&fd);
  assert_true(file.n < sizeof file.v);
  google__protobuf__file_descriptor_proto__pack(&fd, file.v);

  bytes sci = {.n = 0};
  const int32_t msg[] = {4, 0}, msg_span[] = {200, 0, 210, 1}; /* line 201: two-byte varints */
  LOC(msg, true, msg_span, "  one line \t\n", NULL);
  /* The name span of field a (an odd path) comes before a's own location: it must not become a's. */
  const int32_t a_name[] = {4, 0, 2, 1, 1}, a_name_span[] = {201, 8, 9};
  LOC(a_name, true, a_name_span, "not a's", NULL);
  const int32_t a[] = {4, 0, 2, 1}, a_span[] = {201, 2, 14};
  LOC(a, true, a_span, " first\n  second\n", " t ");
  const int32_t b_c[] = {4, 0, 2, 2}, b_c_span[] = {202, 2, 16}; /* path as separate varints */
  LOC(b_c, false, b_c_span, NULL, NULL);
  const int32_t d[] = {4, 0, 2, 0}, five[] = {203, 2, 3, 4, 5}; /* five span numbers: not a span */
  LOC(d, true, five, "ignored", NULL);
  const int32_t pkg[] = {2}, pkg_span[] = {1, 0, 14}, syn[] = {12}, syn_span[] = {0, 0, 18};
  LOC(pkg, true, pkg_span, NULL, NULL);
  LOC(syn, true, syn_span, NULL, NULL);
  const int32_t odd[] = {4}, odd_span[] = {5, 0, 1};
  LOC(odd, true, odd_span, NULL, NULL);
  int32_t deep[66];
  for (size_t i = 0; i < 66; i++) deep[i] = i % 2 ? 0 : 3; /* longer than the reader keeps */
  deep[0] = 4;
  LOC(deep, true, pkg_span, NULL, NULL);

  bytes set = {.n = 0}, whole = {.n = 0};
  put(&whole, file.v, file.n);
  put_len(&whole, 9, &sci); /* FileDescriptorProto.source_code_info */
  put_len(&set, 1, &whole);

  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(evs_registry_add_descriptor_set(reg, set.v, set.n, "hand", &err), EVS_OK);
  const evs_message *mv = evs_registry_find_message(reg, "hand.M");
  assert_non_null(mv);
  assert_src(&mv->src, "hand.proto", 201, 1, 211, 2);
  assert_string_equal(mv->src.leading_comment, "one line");
  const evs_field *fa = field(mv, "a");
  assert_src(&fa->src, "hand.proto", 202, 3, 202, 15);
  assert_string_equal(fa->src.leading_comment, "first\n second");
  assert_string_equal(fa->src.trailing_comment, "t");
  assert_src(&field(mv, "b_c")->src, "hand.proto", 203, 3, 203, 17);
  assert_int_equal(field(mv, "d")->src.line, 0);
  assert_null(field(mv, "d")->src.leading_comment);
  /* Fields by number, declarations in their order; json names against the defaults. */
  for (size_t i = 0; i < 4; i++) assert_int_equal(mv->fields[i].number, i + 1);
  assert_string_equal(mv->decl_fields[0]->name, "d");
  assert_true(field(mv, "d")->has_custom_json_name);
  assert_false(fa->has_custom_json_name);
  assert_false(field(mv, "b_c")->has_custom_json_name);
  assert_false(field(mv, "x__y_")->has_custom_json_name);

  const evs_file *file_view = evs_registry_find_file(reg, "hand.proto");
  assert_non_null(file_view);
  evs_source_info at;
  assert_true(evs_file_location(file_view, pkg, 1, &at));
  assert_src(&at, "hand.proto", 2, 1, 2, 15);
  assert_true(evs_file_location(file_view, syn, 1, &at));
  assert_src(&at, "hand.proto", 1, 1, 1, 19);
  assert_false(evs_file_location(file_view, odd, 1, &at));
  assert_false(evs_file_location(file_view, deep, 64, &at));
  evs_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_message_location_and_comment, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_field_location_and_comments, setup_shop, teardown_reg),
      cmocka_unit_test_setup_teardown(test_enum_locations, setup_shop, teardown_reg),
      cmocka_unit_test(test_without_source_info),
      cmocka_unit_test_setup_teardown(test_every_view_has_a_file, setup_shop, teardown_reg),
      cmocka_unit_test(test_hand_made_locations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
