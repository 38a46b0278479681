/* Registry: hostile and broken input. Truncated sets (every prefix), random corruption, hand-made
 * inconsistent descriptors, nesting bombs, size limits, file errors. Each must fail cleanly with a message
 * and leave the registry as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "google/protobuf/descriptor.pb-c.h"
#include "regtest.h"
#include "registry/registry_lib.h"

/* What the compatibility checker loads with (src/compat/input.c). */
#define CHECKER_FLAGS (EVS_LOAD_NO_EVS_OPTIONS | EVS_LOAD_NO_C_DESC | EVS_LOAD_NO_NAME_INDEX)

static size_t n_messages(const evs_registry *reg) {
  size_t n;
  evs_registry_messages(reg, &n);
  return n;
}

static void test_every_prefix_of_a_file(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "evs/v1/options.proto shop/v1/common.proto google/protobuf/timestamp.proto", RT_IMPORTS);
  size_t len;
  uint8_t *data = rt_protoc("shop/v1/order.proto", 0, &len);
  size_t before = n_messages(reg);
  for (size_t cut = 0; cut < len; cut++) {
    /* An exact-size copy, so that ASan sees any read past the prefix. */
    uint8_t *prefix = malloc(cut ? cut : 1);
    memcpy(prefix, data, cut);
    evs_error err;
    evs_status st = evs_registry_add_descriptor_set(reg, prefix, cut, "prefix.binpb", &err);
    free(prefix);
    if (cut == 0) {
      /* Valid protobuf, but no descriptor set is empty: an empty input means a wrong file. */
      assert_int_equal(st, EVS_ERR_DESCRIPTOR);
      assert_non_null(strstr(err.msg, "contains no files"));
      continue;
    }
    if (st != EVS_ERR_DESCRIPTOR) print_error("prefix %zu: %s\n", cut, rt_errstr(&err));
    assert_int_equal(st, EVS_ERR_DESCRIPTOR);
    assert_string_equal(err.file, "prefix.binpb");
    assert_non_null(strstr(err.msg, "not a valid FileDescriptorSet"));
    assert_int_equal(n_messages(reg), before);
  }
  assert_int_equal(evs_registry_add_descriptor_set(reg, data, len, "full", NULL), EVS_OK);
  assert_int_equal(n_messages(reg), before + 6);
  free(data);
  evs_registry_free(reg);
}

static void test_prefixes_of_a_set(void **state) {
  (void)state;
  size_t len;
  uint8_t *data = rt_protoc("shop/v1/order.proto", RT_IMPORTS, &len);
  size_t ok = 0;
  /* Every cut below 64 bytes, then every 61st, and the whole set last. */
  for (size_t cut = 0, step;; cut = cut + step > len ? len : cut + step) {
    step = cut < 64 ? 1 : 61;
    evs_registry *reg = rt_registry();
    uint8_t *prefix = malloc(cut ? cut : 1);
    memcpy(prefix, data, cut);
    evs_error err;
    evs_status st = evs_registry_add_descriptor_set(reg, prefix, cut, "prefix", &err);
    free(prefix);
    /* Cutting between whole files leaves a valid, smaller set (dependencies come first). */
    assert_true(st == EVS_OK || st == EVS_ERR_DESCRIPTOR);
    if (st) assert_true(err.msg[0] != '\0');
    if (st) assert_int_equal(n_messages(reg), 0);
    ok += st == EVS_OK;
    evs_registry_free(reg);
    if (cut == len) break;
  }
  assert_true(ok >= 1);
  free(data);
}

static uint32_t lcg(uint32_t *s) {
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

static void test_random_corruption(void **state) {
  (void)state;
  size_t len;
  uint8_t *data = rt_protoc("shop/v1/order.proto wkt.proto", RT_IMPORTS, &len);
  uint8_t *copy = malloc(len);
  uint32_t seed = 12345;
  size_t loaded = 0;
  for (int round = 0; round < 300; round++) {
    memcpy(copy, data, len);
    int flips = 1 + (int)(lcg(&seed) % 6);
    for (int k = 0; k < flips; k++) copy[lcg(&seed) % len] ^= (uint8_t)(1 + lcg(&seed) % 255);
    size_t n = round % 3 == 0 ? len - lcg(&seed) % len : len;
    evs_registry *reg = rt_registry();
    evs_error err;
    evs_status st = evs_registry_add_descriptor_set(reg, copy, n, "corrupt", &err);
    if (st) {
      assert_true(err.msg[0] != '\0');
      assert_int_equal(n_messages(reg), 0);
    } else {
      /* Whatever loaded must be walkable. */
      size_t nm;
      const evs_message *const *msgs = evs_registry_messages(reg, &nm);
      for (size_t i = 0; i < nm; i++) {
        assert_ptr_equal(evs_registry_find_message(reg, msgs[i]->full_name), msgs[i]);
        for (size_t f = 0; f < msgs[i]->n_fields; f++) {
          const evs_field *fd = &msgs[i]->fields[f];
          assert_ptr_equal(evs_message_find_field(msgs[i], fd->name, strlen(fd->name)), fd);
          assert_non_null(fd->traits);
        }
      }
      loaded++;
    }
    evs_registry_free(reg);
  }
  free(copy);
  free(data);
  (void)loaded;
}

/* ---- hand-made inconsistencies: unpack a good set, break one thing, pack it again ---- */

typedef void (*mutator)(Google__Protobuf__FileDescriptorSet *set, int undo);

static evs_status load_mutated(const char *protos, mutator mut, evs_error *err) {
  size_t len;
  uint8_t *data = rt_protoc(protos, 0, &len);
  Google__Protobuf__FileDescriptorSet *set = google__protobuf__file_descriptor_set__unpack(NULL, len, data);
  assert_non_null(set);
  mut(set, 0);
  size_t n = google__protobuf__file_descriptor_set__get_packed_size(set);
  uint8_t *bad = malloc(n ? n : 1);
  assert_int_equal(google__protobuf__file_descriptor_set__pack(set, bad), n);
  mut(set, 1); /* restore what free_unpacked must free */
  google__protobuf__file_descriptor_set__free_unpacked(set, NULL);
  free(data);
  evs_registry *reg = rt_registry();
  evs_status st = evs_registry_add_descriptor_set(reg, bad, n, "mutated", err);
  if (st) assert_int_equal(n_messages(reg), 0);
  evs_registry_free(reg);
  /* The checker's load skips what it never reads, never a check: the same error, word for word. */
  char first[1024];
  snprintf(first, sizeof first, "%s", st ? rt_errstr(err) : "");
  evs_error err2;
  reg = rt_registry();
  assert_int_equal(evs_registry_add_descriptor_set_flags(reg, bad, n, "mutated", CHECKER_FLAGS, &err2), st);
  if (st) assert_string_equal(rt_errstr(&err2), first);
  evs_registry_free(reg);
  free(bad);
  return st;
}

#define CUSTOMER(set) ((set)->file[0]->message_type[0])
#define CUSTOMER_ID(set) (CUSTOMER(set)->field[0])
#define STATUS(set) ((set)->file[0]->enum_type[0])

static void mut_number_zero(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->number = undo ? 1 : 0;
}
static void mut_number_big(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->number = undo ? 1 : 536870912;
}
static void mut_number_reserved(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->number = undo ? 1 : 19500;
}
static void mut_number_dup(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER(s)->field[1]->number = undo ? 2 : 1;
}
static void mut_name_dup(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char *saved;
  static char id[] = "id";
  if (!undo) saved = CUSTOMER(s)->field[1]->name;
  CUSTOMER(s)->field[1]->name = undo ? saved : id;
}
static void mut_bad_type_name(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char tn[] = ".nope.Missing";
  Google__Protobuf__FieldDescriptorProto *f = CUSTOMER_ID(s);
  f->type = undo ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING
                 : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
  f->type_name = undo ? NULL : tn;
}
static void mut_relative_type_name(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char tn[] = "Customer";
  Google__Protobuf__FieldDescriptorProto *f = CUSTOMER_ID(s);
  f->type = undo ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING
                 : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
  f->type_name = undo ? NULL : tn;
}
static void mut_enum_as_message(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char tn[] = ".test.shop.v1.Status";
  Google__Protobuf__FieldDescriptorProto *f = CUSTOMER_ID(s);
  f->type = undo ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING
                 : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_MESSAGE;
  f->type_name = undo ? NULL : tn;
}
static void mut_no_type(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->has_type = undo;
}
static void mut_bad_type(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->type = undo ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_STRING
                              : (Google__Protobuf__FieldDescriptorProto__Type)19;
}
static void mut_bad_oneof_index(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->has_oneof_index = !undo;
  CUSTOMER_ID(s)->oneof_index = 5;
}
static void mut_map_entry(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static Google__Protobuf__MessageOptions opts = GOOGLE__PROTOBUF__MESSAGE_OPTIONS__INIT;
  opts.has_map_entry = 1;
  opts.map_entry = 1;
  CUSTOMER(s)->options = undo ? NULL : &opts;
}
static void mut_alias_not_allowed(Google__Protobuf__FileDescriptorSet *s, int undo) {
  STATUS(s)->options->allow_alias = undo;
}
static void mut_enum_first_not_zero(Google__Protobuf__FileDescriptorSet *s, int undo) {
  STATUS(s)->value[0]->number = undo ? 0 : 5;
}
static void mut_enum_dup_value_name(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char *saved;
  static char n[] = "STATUS_OPEN";
  if (!undo) saved = STATUS(s)->value[3]->name;
  STATUS(s)->value[3]->name = undo ? saved : n;
}
static void mut_syntax(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char *saved;
  static char ed[] = "editions";
  if (!undo) saved = s->file[0]->syntax;
  s->file[0]->syntax = undo ? saved : ed;
}
static void mut_bad_message_name(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char *saved;
  static char n[] = "Bad Name";
  if (!undo) saved = CUSTOMER(s)->name;
  CUSTOMER(s)->name = undo ? saved : n;
}
static void mut_no_file_name(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char *saved;
  if (!undo) saved = s->file[0]->name;
  s->file[0]->name = undo ? saved : NULL;
}
static void mut_bad_package(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static char *saved;
  static char p[] = "test..shop";
  if (!undo) saved = s->file[0]->package;
  s->file[0]->package = undo ? saved : p;
}
static void mut_duplicate_in_set(Google__Protobuf__FileDescriptorSet *s, int undo) {
  static Google__Protobuf__FileDescriptorProto copy;
  static Google__Protobuf__FileDescriptorProto *files[2];
  static Google__Protobuf__FileDescriptorProto **saved;
  static char name[] = "shop/v1/copy.proto";
  if (undo) {
    s->file = saved;
    s->n_file = 1;
    return;
  }
  copy = *s->file[0];
  copy.name = name;
  files[0] = s->file[0];
  files[1] = &copy;
  saved = s->file;
  s->file = files;
  s->n_file = 2;
}
static void mut_proto3_optional_alone(Google__Protobuf__FileDescriptorSet *s, int undo) {
  CUSTOMER_ID(s)->has_proto3_optional = !undo;
  CUSTOMER_ID(s)->proto3_optional = 1;
}

typedef struct mut_case {
  mutator mut;
  evs_status code;
  uint32_t line, col;
  const char *needle;
} mut_case;

/* Each mutation of `proto` must fail to load with the case's code, location (in `file` unless NULL) and
 * message. */
static void run_mutations(const char *proto, const char *file, const mut_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    evs_error err;
    evs_status st = load_mutated(proto, cases[i].mut, &err);
    if (st != cases[i].code) print_error("%s case %zu: %s\n", proto, i, rt_errstr(&err));
    assert_int_equal(st, cases[i].code);
    rt_assert_error(&err, cases[i].code, file, cases[i].line, cases[i].col, cases[i].needle);
  }
}

static void test_inconsistent_descriptors(void **state) {
  (void)state;
  static const mut_case cases[] = {
      {mut_number_zero, EVS_ERR_DESCRIPTOR, 8, 3,
       "test.shop.v1.Customer.id: number 0 is outside 1..536870911"},
      {mut_number_big, EVS_ERR_DESCRIPTOR, 8, 3, "number 536870912 is outside"},
      {mut_number_reserved, EVS_ERR_DESCRIPTOR, 8, 3, "19500 is in 19000..19999"},
      {mut_number_dup, EVS_ERR_DESCRIPTOR, 9, 3, "display_name reuses number 1 of field id"},
      {mut_name_dup, EVS_ERR_DESCRIPTOR, 9, 3, "field name id is used twice"},
      {mut_bad_type_name, EVS_ERR_DESCRIPTOR, 8, 3,
       "unknown message type .nope.Missing (in shop/v1/common.proto)"},
      {mut_relative_type_name, EVS_ERR_DESCRIPTOR, 8, 3, "\"Customer\" is not fully qualified"},
      {mut_enum_as_message, EVS_ERR_DESCRIPTOR, 8, 3, "unknown message type .test.shop.v1.Status"},
      {mut_no_type, EVS_ERR_DESCRIPTOR, 8, 3, "has no valid type"},
      {mut_bad_type, EVS_ERR_DESCRIPTOR, 8, 3, "has no valid type"},
      {mut_bad_oneof_index, EVS_ERR_DESCRIPTOR, 8, 3, "invalid oneof index 5"},
      {mut_map_entry, EVS_ERR_DESCRIPTOR, 7, 1, "map entry test.shop.v1.Customer must hold exactly"},
      {mut_alias_not_allowed, EVS_ERR_DESCRIPTOR, 17, 3, "STATUS_ACTIVE reuses number 1 of STATUS_OPEN"},
      {mut_enum_first_not_zero, EVS_ERR_DESCRIPTOR, 15, 3, "first value of a proto3 enum must be 0"},
      {mut_enum_dup_value_name, EVS_ERR_DESCRIPTOR, 18, 3, "value name STATUS_OPEN is used twice"},
      {mut_syntax, EVS_ERR_UNSUPPORTED, 0, 0, "syntax \"editions\""},
      {mut_bad_message_name, EVS_ERR_DESCRIPTOR, 7, 1, "invalid message name \"Bad Name\""},
      {mut_no_file_name, EVS_ERR_DESCRIPTOR, 0, 0, "file #1 of the set has no name"},
      {mut_bad_package, EVS_ERR_DESCRIPTOR, 0, 0, "invalid package name \"test..shop\""},
      {mut_duplicate_in_set, EVS_ERR_DUPLICATE, 7, 1, "message test.shop.v1.Customer is defined again"},
      {mut_proto3_optional_alone, EVS_ERR_DESCRIPTOR, 8, 3, "proto3 optional but in no oneof"},
  };
  run_mutations("shop/v1/common.proto", NULL, cases, sizeof cases / sizeof cases[0]);
}

/* JSON name clashes are found without the name index too (EVS_LOAD_NO_NAME_INDEX checks them in a scratch
 * table), with the same error. */
static void test_name_clashes_without_index(void **state) {
  (void)state;
  static const char *const files[] = {"bad/dup_json_name.proto", "bad/json_name_vs_name.proto"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    size_t len;
    uint8_t *data = rt_protoc(files[i], 0, &len);
    evs_error e1, e2;
    evs_registry *r1 = rt_registry(), *r2 = rt_registry();
    assert_int_equal(evs_registry_add_descriptor_set(r1, data, len, "x", &e1), EVS_ERR_DESCRIPTOR);
    char first[1024];
    snprintf(first, sizeof first, "%s", rt_errstr(&e1));
    assert_int_equal(evs_registry_add_descriptor_set_flags(r2, data, len, "x", CHECKER_FLAGS, &e2),
                     EVS_ERR_DESCRIPTOR);
    assert_string_equal(rt_errstr(&e2), first);
    assert_int_equal(n_messages(r2), 0);
    evs_registry_free(r1);
    evs_registry_free(r2);
    free(data);
  }
}

/* A registry loaded without name indexes answers evs_message_find_field exactly as one with them: by proto
 * name and by JSON name (custom ones included), NULL for other names, also those a NUL cuts short. */
static void test_find_field_without_index(void **state) {
  (void)state;
  size_t len;
  uint8_t *data = rt_protoc("names.proto shop/v1/order.proto", RT_IMPORTS, &len);
  evs_error err;
  evs_registry *with = rt_registry(), *without = rt_registry();
  assert_int_equal(evs_registry_add_descriptor_set(with, data, len, "x", &err), EVS_OK);
  assert_int_equal(evs_registry_add_descriptor_set_flags(without, data, len, "x", CHECKER_FLAGS, &err),
                   EVS_OK);
  free(data);
  size_t n, n_fields = 0, n_custom = 0;
  const evs_message *const *msgs = evs_registry_messages(with, &n);
  assert_true(n > 3);
  for (size_t i = 0; i < n; i++) {
    const evs_message *a = msgs[i], *b = evs_registry_find_message(without, a->full_name);
    assert_non_null(b);
    assert_non_null(a->name_index_);
    assert_null(b->name_index_);
    for (size_t k = 0; k < a->n_fields; k++) {
      const evs_field *f = &a->fields[k];
      const char *keys[] = {f->name, f->json_name};
      for (size_t j = 0; j < 2; j++) {
        const evs_field *fa = evs_message_find_field(a, keys[j], strlen(keys[j]));
        const evs_field *fb = evs_message_find_field(b, keys[j], strlen(keys[j]));
        assert_ptr_equal(fa, f);
        assert_non_null(fb);
        assert_string_equal(fb->full_name, f->full_name);
      }
      char cut[256];
      size_t ln = strlen(f->name);
      assert_true(ln + 2 < sizeof cut);
      memcpy(cut, f->name, ln + 1);
      cut[ln + 1] = 'x'; /* "name\0x": not the name */
      assert_null(evs_message_find_field(a, cut, ln + 2));
      assert_null(evs_message_find_field(b, cut, ln + 2));
      assert_null(evs_message_find_field(b, f->name, ln ? ln - 1 : 0));
      n_fields++;
      n_custom += f->has_custom_json_name;
    }
    assert_null(evs_message_find_field(b, "no_such_field", 13));
    assert_null(evs_message_find_field(a, "no_such_field", 13));
  }
  assert_true(n_fields > 10);
  assert_true(n_custom >= 1);
  evs_registry_free(with);
  evs_registry_free(without);
}

/* ---- services, methods, extensions (refs.proto): references the registry keeps no views for ---- */

#define REFS_SVC(set) ((set)->file[0]->service[0])
#define REFS_EXT(set, i) ((set)->file[0]->extension[i])
#define REFS_NESTED_EXT(set) ((set)->file[0]->message_type[2]->extension[0])

/* Sets a char * member to text (NULL: no value) and puts the original back on undo. */
#define STRING_MUTATOR(fn, member, text)                             \
  static void fn(Google__Protobuf__FileDescriptorSet *s, int undo) { \
    static char *saved;                                              \
    static char value[] = text;                                      \
    if (!undo) saved = member;                                       \
    member = undo ? saved : (sizeof value > 1 ? value : NULL);       \
  }

STRING_MUTATOR(mut_method_no_name, REFS_SVC(s)->method[0]->name, "")
STRING_MUTATOR(mut_method_bad_input, REFS_SVC(s)->method[0]->input_type, ".nope.Missing")
STRING_MUTATOR(mut_method_no_input, REFS_SVC(s)->method[0]->input_type, "")
STRING_MUTATOR(mut_method_relative_output, REFS_SVC(s)->method[1]->output_type, "Resp")
STRING_MUTATOR(mut_method_enum_output, REFS_SVC(s)->method[1]->output_type, ".test.refs.Kind")
STRING_MUTATOR(mut_method_dup_name, REFS_SVC(s)->method[1]->name, "Get")
STRING_MUTATOR(mut_service_no_name, REFS_SVC(s)->name, "")
STRING_MUTATOR(mut_service_message_name, REFS_SVC(s)->name, "Req")
STRING_MUTATOR(mut_ext_bad_extendee, REFS_EXT(s, 0)->extendee, ".nope.X")
STRING_MUTATOR(mut_ext_no_extendee, REFS_EXT(s, 0)->extendee, "")
STRING_MUTATOR(mut_ext_enum_extendee, REFS_EXT(s, 0)->extendee, ".test.refs.Kind")
STRING_MUTATOR(mut_ext_bad_type, REFS_EXT(s, 1)->type_name, ".nope.Y")
STRING_MUTATOR(mut_nested_ext_message_as_enum, REFS_NESTED_EXT(s)->type_name, ".test.refs.Req")
STRING_MUTATOR(mut_ext_no_name, REFS_EXT(s, 0)->name, "")
STRING_MUTATOR(mut_ext_dup_name, REFS_EXT(s, 1)->name, "note")

static void mut_ext_number_zero(Google__Protobuf__FileDescriptorSet *s, int undo) {
  REFS_EXT(s, 0)->number = undo ? 100 : 0;
}
static void mut_ext_out_of_range(Google__Protobuf__FileDescriptorSet *s, int undo) {
  REFS_EXT(s, 0)->number = undo ? 100 : 200;
}
static void mut_ext_dup_number(Google__Protobuf__FileDescriptorSet *s, int undo) {
  REFS_EXT(s, 1)->number = undo ? 101 : 100;
}
static void mut_nested_ext_dup_number(Google__Protobuf__FileDescriptorSet *s, int undo) {
  REFS_NESTED_EXT(s)->number = undo ? 102 : 101;
}
static void mut_ext_required(Google__Protobuf__FileDescriptorSet *s, int undo) {
  REFS_EXT(s, 0)->label = undo ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL
                               : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REQUIRED;
}
static void mut_ext_no_label(Google__Protobuf__FileDescriptorSet *s, int undo) {
  REFS_EXT(s, 0)->has_label = undo;
}

/* Before these were checked, such a set loaded, and the compatibility checker (which reads services and
 * extensions from the descriptor protos) then found it "breaking" against itself. */
static void test_unresolved_references(void **state) {
  (void)state;
  static const mut_case cases[] = {
      {mut_method_no_name, EVS_ERR_DESCRIPTOR, 31, 3, "service test.refs.Svc: method #1 has an invalid name"},
      {mut_method_bad_input, EVS_ERR_DESCRIPTOR, 31, 3,
       "input of method test.refs.Svc.Get: unknown message type .nope.Missing (in refs.proto)"},
      {mut_method_no_input, EVS_ERR_DESCRIPTOR, 31, 3,
       "input of method test.refs.Svc.Get: type name \"\" is not fully qualified"},
      {mut_method_relative_output, EVS_ERR_DESCRIPTOR, 32, 3,
       "output of method test.refs.Svc.List: type name \"Resp\" is not fully qualified"},
      {mut_method_enum_output, EVS_ERR_DESCRIPTOR, 32, 3, "unknown message type .test.refs.Kind"},
      {mut_method_dup_name, EVS_ERR_DUPLICATE, 32, 3, "method test.refs.Svc.Get is defined again"},
      {mut_service_no_name, EVS_ERR_DESCRIPTOR, 30, 1, "file refs.proto: service #1 has an invalid name"},
      {mut_service_message_name, EVS_ERR_DUPLICATE, 30, 1, "service test.refs.Req has the name of a message"},
      {mut_ext_bad_extendee, EVS_ERR_DESCRIPTOR, 20, 3,
       "extendee of extension test.refs.note: unknown message type .nope.X"},
      {mut_ext_no_extendee, EVS_ERR_DESCRIPTOR, 20, 3,
       "extendee of extension test.refs.note: type name \"\""},
      {mut_ext_enum_extendee, EVS_ERR_DESCRIPTOR, 20, 3, "unknown message type .test.refs.Kind"},
      {mut_ext_bad_type, EVS_ERR_DESCRIPTOR, 21, 3,
       "extension test.refs.detail: unknown message type .nope.Y"},
      {mut_nested_ext_message_as_enum, EVS_ERR_DESCRIPTOR, 26, 5,
       "extension test.refs.Holder.kind: unknown enum type .test.refs.Req"},
      {mut_ext_no_name, EVS_ERR_DESCRIPTOR, 20, 3, "test.refs: extension with an invalid name"},
      {mut_ext_dup_name, EVS_ERR_DUPLICATE, 21, 3, "extension test.refs.note is defined again"},
      {mut_ext_number_zero, EVS_ERR_DESCRIPTOR, 20, 3, "field test.refs.note: number 0 is outside"},
      {mut_ext_out_of_range, EVS_ERR_DESCRIPTOR, 20, 3,
       "extension test.refs.note: number 200 is not in an extension range of test.refs.Req"},
      {mut_ext_dup_number, EVS_ERR_DUPLICATE, 21, 3,
       "extension test.refs.detail: number 100 of test.refs.Req is already extension test.refs.note"},
      {mut_nested_ext_dup_number, EVS_ERR_DUPLICATE, 26, 5,
       "number 101 of test.refs.Req is already extension"},
      {mut_ext_required, EVS_ERR_DESCRIPTOR, 20, 3, "extension test.refs.note cannot be required"},
      {mut_ext_no_label, EVS_ERR_DESCRIPTOR, 20, 3, "field test.refs.note has no valid label"},
  };
  run_mutations("refs.proto", "refs.proto", cases, sizeof cases / sizeof cases[0]);
  /* The unmutated file loads. */
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "refs.proto", 0);
  evs_registry_free(reg);
}

/* ---- raw bytes ---- */

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  do {
    p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return n;
}

/* A set with one file holding `levels` messages named N, each nested in the previous one. Built backwards
 * from the innermost message. Returns malloc'd bytes. */
static uint8_t *nested_set(size_t levels, size_t *len) {
  size_t cap = levels * 16 + 64;
  uint8_t *buf = malloc(cap);
  size_t start = cap;
  uint8_t tmp[16];
  for (size_t i = 0; i < levels; i++) {
    size_t inner = cap - start;
    if (i) { /* wrap the inner message: nested_type = 3 */
      size_t k = put_varint(tmp, inner);
      start -= k;
      memcpy(buf + start, tmp, k);
      buf[--start] = 0x1a;
    }
    start -= 3;
    memcpy(buf + start, "\x0a\x01N", 3); /* name = "N" */
  }
  size_t msg = cap - start;
  size_t k = put_varint(tmp, msg);
  start -= k;
  memcpy(buf + start, tmp, k);
  buf[--start] = 0x22; /* FileDescriptorProto.message_type = 4 */
  start -= 12;
  memcpy(buf + start,
         "\x0a\x0a"
         "deep.proto",
         12); /* FileDescriptorProto.name = 1 */
  size_t file = cap - start;
  k = put_varint(tmp, file);
  start -= k;
  memcpy(buf + start, tmp, k);
  buf[--start] = 0x0a; /* FileDescriptorSet.file = 1 */
  *len = cap - start;
  memmove(buf, buf + start, *len);
  return buf;
}

static void test_nesting_limits(void **state) {
  (void)state;
  evs_error err;
  size_t len;
  uint8_t *data = nested_set(90, &len);
  evs_registry *reg = rt_registry();
  evs_status st = evs_registry_add_descriptor_set(reg, data, len, "deep", &err);
  if (st) print_error("%s\n", rt_errstr(&err));
  assert_int_equal(st, EVS_OK);
  char name[200];
  for (int i = 0; i < 90; i++) memcpy(name + 2 * i, "N.", 2);
  name[179] = '\0';
  const evs_message *m = evs_registry_find_message(reg, name);
  assert_non_null(m);
  assert_int_equal(m->n_nested, 0);
  evs_registry_free(reg);
  free(data);

  static const size_t too_deep[] = {120, 200000};
  for (size_t i = 0; i < 2; i++) {
    data = nested_set(too_deep[i], &len);
    reg = rt_registry();
    assert_int_equal(evs_registry_add_descriptor_set(reg, data, len, "deep", &err), EVS_ERR_LIMIT);
    rt_assert_error(&err, EVS_ERR_LIMIT, "deep", 0, 0, "nested too deeply");
    assert_true(err.offset != EVS_NO_OFFSET && err.offset < len);
    evs_registry_free(reg);
    free(data);
  }
}

static void test_malformed_bytes(void **state) {
  (void)state;
  static const struct {
    const char *bytes;
    size_t len;
    const char *needle;
    const char *file;
  } cases[] = {
      {"hello world", 11, "not a valid FileDescriptorSet", "bytes"},
      {"\x0b", 1, "without its end-group tag", "bytes"},
      {"\x0a\x05\x0a\x03", 4, "runs past the end", "bytes"},
      {"\x08\x01", 2, "not a valid FileDescriptorSet", "bytes"}, /* file as a varint */
      {"\x0a\x02\x0a\xff", 4, "malformed length", "bytes"},
      {"\x00", 1, "invalid field number", "bytes"},
      {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11, "malformed field tag", "bytes"},
      {"\x0f", 1, "invalid wire type", "bytes"},
      /* {name: "x.proto", package: "p\0"}: protobuf-c would silently cut the package at the NUL. */
      {"\x0a\x0d\x0a\x07x.proto\x12\x02p\x00", 15, "a name or string in file x.proto contains a NUL byte",
       "x.proto"},
      /* The file name itself holds the NUL: no file to name. */
      {"\x0a\x04\x0a\x02\x61\x00", 6, "contains a NUL byte", NULL},
      /* {name: "x.proto", source_code_info: {location: {path: [4, 0], span: [0, 0, 5], leading_comments:
       * "a\0b"}}}: locations are read from the wire, not by protobuf-c, and checked there. */
      {"\x0a\x1b\x0a\x07x.proto\x4a\x10\x0a\x0e\x0a\x02\x04\x00\x12\x03\x00\x00\x05\x1a\x03\x61\x00\x62", 29,
       "a comment in x.proto contains a NUL byte (byte 27)", "x.proto"},
      /* A location whose path tag has no value. */
      {"\x0a\x0e\x0a\x07x.proto\x4a\x03\x0a\x01\x08", 16, "the source info of x.proto is malformed (byte 13)",
       "bytes"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    evs_registry *reg = rt_registry();
    evs_error err;
    uint8_t *copy = malloc(cases[i].len);
    memcpy(copy, cases[i].bytes, cases[i].len);
    evs_status st = evs_registry_add_descriptor_set(reg, copy, cases[i].len, "bytes", &err);
    if (st != EVS_ERR_DESCRIPTOR) print_error("case %zu: %s\n", i, rt_errstr(&err));
    assert_int_equal(st, EVS_ERR_DESCRIPTOR);
    rt_assert_error(&err, EVS_ERR_DESCRIPTOR, cases[i].file, 0, 0, cases[i].needle);
    free(copy);
    evs_registry_free(reg);
  }
}

static void test_size_limit(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  static const uint8_t byte = 0;
  /* The size is refused before a single byte is read. */
  assert_int_equal(evs_registry_add_descriptor_set(reg, &byte, EVS_REGISTRY_MAX_SET_SIZE + 1, "huge", &err),
                   EVS_ERR_LIMIT);
  rt_assert_error(&err, EVS_ERR_LIMIT, "huge", 0, 0, "larger than the 256 MiB limit");
  evs_registry_free(reg);
}

static void test_load_file(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(evs_registry_load_file(reg, "/nonexistent/x.binpb", &err), EVS_ERR_IO);
  rt_assert_error(&err, EVS_ERR_IO, "/nonexistent/x.binpb", 0, 0, "cannot open descriptor set");
  size_t len;
  uint8_t *data = rt_protoc("shop/v1/common.proto", 0, &len);
  char path[] = "/tmp/evs-regtest-load-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  close(fd);
  assert_int_equal(evs_registry_load_file(reg, path, &err), EVS_OK);
  assert_non_null(evs_registry_find_message(reg, "test.shop.v1.Customer"));
  assert_string_equal(evs_registry_find_file(reg, "shop/v1/common.proto")->origin, path);
  /* A truncated file names itself. */
  assert_int_equal(truncate(path, (off_t)len / 2), 0);
  evs_registry *reg2 = rt_registry();
  assert_int_equal(evs_registry_load_file(reg2, path, &err), EVS_ERR_DESCRIPTOR);
  rt_assert_error(&err, EVS_ERR_DESCRIPTOR, path, 0, 0, "not a valid FileDescriptorSet");
  unlink(path);
  free(data);
  evs_registry_free(reg2);
  evs_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_prefix_of_a_file),
      cmocka_unit_test(test_prefixes_of_a_set),
      cmocka_unit_test(test_random_corruption),
      cmocka_unit_test(test_inconsistent_descriptors),
      cmocka_unit_test(test_name_clashes_without_index),
      cmocka_unit_test(test_find_field_without_index),
      cmocka_unit_test(test_unresolved_references),
      cmocka_unit_test(test_nesting_limits),
      cmocka_unit_test(test_malformed_bytes),
      cmocka_unit_test(test_size_limit),
      cmocka_unit_test(test_load_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
