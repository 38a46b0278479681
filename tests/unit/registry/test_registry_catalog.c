/* Registry: linking protobuf-c descriptors (the C code in gen/) to registry views through catalogs.
 * Links with gen/evs/v1/{envelope,options}.pb-c.c and gen/google/protobuf/{any,timestamp,descriptor}.pb-c.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "evs/v1/envelope.pb-c.h"
#include "evs/v1/options.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "regtest.h"

static const ProtobufCMessageDescriptor *const k_messages[] = {
    &evs__v1__envelope__descriptor,
    &evs__v1__envelope__tags_entry__descriptor,
    &evs__v1__envelope__extensions_entry__descriptor,
    &evs__v1__event_options__descriptor,
    &evs__v1__field_rules__descriptor,
    &google__protobuf__any__descriptor,
    &google__protobuf__timestamp__descriptor,
    &google__protobuf__file_descriptor_set__descriptor,
    &google__protobuf__field_descriptor_proto__descriptor,
};

static const ProtobufCEnumDescriptor *const k_enums[] = {
    &evs__v1__uuid_kind__descriptor,
    &evs__v1__timestamp_precision__descriptor,
    &google__protobuf__field_descriptor_proto__type__descriptor,
};

typedef struct fixture {
  uint8_t *set;
  size_t len;
  evs_catalog cat;
  evs_registry *reg;
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof *fx);
  fx->set = rt_protoc("evs/v1/envelope.proto", RT_IMPORTS, &fx->len);
  fx->cat = (evs_catalog){"test_envelope",
                          fx->set,
                          fx->len,
                          k_messages,
                          sizeof k_messages / sizeof k_messages[0],
                          k_enums,
                          sizeof k_enums / sizeof k_enums[0]};
  fx->reg = rt_registry();
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  evs_registry_free(fx->reg);
  free(fx->set);
  free(fx);
  return 0;
}

static void assert_linked(const evs_registry *reg, const ProtobufCMessageDescriptor *d) {
  const evs_message *m = evs_registry_message_for(reg, d);
  assert_non_null(m);
  assert_ptr_equal(m, evs_registry_find_message(reg, d->name));
  assert_ptr_equal(m->c_desc, d);
  assert_int_equal(m->n_fields, d->n_fields);
  for (unsigned i = 0; i < d->n_fields; i++) {
    assert_int_equal(m->fields[i].number, d->fields[i].id);
    assert_string_equal(m->fields[i].name, d->fields[i].name);
    assert_int_equal(m->fields[i].traits->pbc_type, (int)d->fields[i].type);
  }
}

static void test_link_catalog(void **state) {
  fixture *fx = *state;
  evs_error err;
  evs_status st = evs_registry_add_catalog(fx->reg, &fx->cat, &err);
  if (st) print_error("%s\n", rt_errstr(&err));
  assert_int_equal(st, EVS_OK);
  for (size_t i = 0; i < fx->cat.n_messages; i++) assert_linked(fx->reg, k_messages[i]);
  for (size_t i = 0; i < fx->cat.n_enums; i++) {
    const evs_enum *e = evs_registry_enum_for(fx->reg, k_enums[i]);
    assert_non_null(e);
    assert_ptr_equal(e->c_desc, k_enums[i]);
    assert_string_equal(e->full_name, k_enums[i]->name);
  }
  /* The JSON codec's path: C descriptor -> message -> field i -> json_name. */
  const evs_message *env = evs_registry_message_for(fx->reg, &evs__v1__envelope__descriptor);
  assert_string_equal(env->fields[3].json_name, "specVersion");
  assert_true(env->fields[11].is_map);
  assert_ptr_equal(env->fields[11].message_type->c_desc, &evs__v1__envelope__tags_entry__descriptor);
  assert_ptr_equal(env->fields[13].message_type->c_desc, &google__protobuf__any__descriptor);
  assert_int_equal(env->fields[13].message_type->wkt, EVS_WKT_ANY);
  assert_false(env->c_desc_dynamic);
  /* Not in the catalog's C list: not linked, but given a dynamic descriptor the registry maps back. */
  const evs_message *fo = evs_registry_find_message(fx->reg, "google.protobuf.FileOptions");
  assert_non_null(fo);
  assert_non_null(fo->c_desc);
  assert_true(fo->c_desc_dynamic);
  assert_ptr_not_equal(fo->c_desc, &google__protobuf__file_options__descriptor);
  assert_ptr_equal(evs_registry_message_for(fx->reg, fo->c_desc), fo);
  assert_null(evs_registry_message_for(fx->reg, &google__protobuf__file_options__descriptor));
}

static void test_link_twice_and_link_only(void **state) {
  fixture *fx = *state;
  evs_error err;
  assert_int_equal(evs_registry_add_catalog(fx->reg, &fx->cat, &err), EVS_OK);
  const evs_message *env = evs_registry_message_for(fx->reg, &evs__v1__envelope__descriptor);
  /* A second catalog with the same files and descriptors: files skipped, links kept. */
  assert_int_equal(evs_registry_add_catalog(fx->reg, &fx->cat, &err), EVS_OK);
  assert_ptr_equal(evs_registry_message_for(fx->reg, &evs__v1__envelope__descriptor), env);
  size_t n;
  evs_registry_files(fx->reg, &n);
  assert_int_equal(n, 6); /* envelope, options, any, timestamp, duration, descriptor */

  /* A catalog without a set links descriptors to what is already loaded. */
  evs_registry *reg = rt_registry();
  assert_int_equal(evs_registry_add_descriptor_set(reg, fx->set, fx->len, "set", &err), EVS_OK);
  assert_null(evs_registry_message_for(reg, &evs__v1__envelope__descriptor));
  const evs_message *dyn = evs_registry_find_message(reg, "evs.v1.Envelope");
  const ProtobufCMessageDescriptor *dyn_desc = dyn->c_desc;
  assert_true(dyn->c_desc_dynamic);
  evs_catalog link_only = {"link_only", NULL, 0, k_messages, 1, NULL, 0};
  assert_int_equal(evs_registry_add_catalog(reg, &link_only, &err), EVS_OK);
  /* The later compiled descriptor maps to the view, but does not replace the dynamic one a caller may
   * hold: both work. */
  assert_ptr_equal(evs_registry_message_for(reg, &evs__v1__envelope__descriptor), dyn);
  assert_ptr_equal(evs_registry_message_for(reg, dyn_desc), dyn);
  assert_ptr_equal(dyn->c_desc, dyn_desc);
  assert_true(dyn->c_desc_dynamic);
  evs_registry_free(reg);
}

static void test_link_errors(void **state) {
  fixture *fx = *state;
  evs_error err;
  /* A C descriptor whose message is not in the set. */
  size_t len;
  uint8_t *shop = rt_protoc("shop/v1/common.proto", 0, &len);
  evs_catalog missing = {"shop", shop, len, k_messages, 1, NULL, 0};
  assert_int_equal(evs_registry_add_catalog(fx->reg, &missing, &err), EVS_ERR_DESCRIPTOR);
  rt_assert_error(&err, EVS_ERR_DESCRIPTOR, "shop", 0, 0,
                  "C message evs.v1.Envelope is not in its descriptor set");
  assert_null(evs_registry_find_message(fx->reg, "test.shop.v1.Customer")); /* all-or-nothing */
  free(shop);

  /* The set defines evs.v1.EventOptions differently from the C code. */
  uint8_t *other = rt_protoc("mismatch/evs/v1/options_like.proto", 0, &len);
  static const ProtobufCMessageDescriptor *const opts[] = {&evs__v1__event_options__descriptor};
  evs_catalog mismatch = {"mismatch", other, len, opts, 1, NULL, 0};
  assert_int_equal(evs_registry_add_catalog(fx->reg, &mismatch, &err), EVS_ERR_DESCRIPTOR);
  rt_assert_error(&err, EVS_ERR_DESCRIPTOR, "mismatch/evs/v1/options_like.proto", 0, 0,
                  "the C code of message evs.v1.EventOptions disagrees with its descriptor set");
  assert_null(evs_registry_find_message(fx->reg, "evs.v1.EventOptions"));
  free(other);

  /* Bad catalogs. */
  static const ProtobufCMessageDescriptor *const nulls[] = {NULL};
  evs_catalog bad = {"bad", fx->set, fx->len, nulls, 1, NULL, 0};
  assert_int_equal(evs_registry_add_catalog(fx->reg, &bad, &err), EVS_ERR_INVALID_ARG);
  rt_assert_error(&err, EVS_ERR_INVALID_ARG, NULL, 0, 0, "catalog bad: message #0");
  static const ProtobufCEnumDescriptor *const wrong[] = {
      (const ProtobufCEnumDescriptor *)&evs__v1__envelope__descriptor};
  evs_catalog bad_enum = {"bad", fx->set, fx->len, NULL, 0, wrong, 1};
  assert_int_equal(evs_registry_add_catalog(fx->reg, &bad_enum, &err), EVS_ERR_INVALID_ARG);
  evs_catalog no_set = {"bad", NULL, 10, NULL, 0, NULL, 0};
  assert_int_equal(evs_registry_add_catalog(fx->reg, &no_set, &err), EVS_ERR_INVALID_ARG);
  size_t n;
  evs_registry_files(fx->reg, &n);
  assert_int_equal(n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_link_catalog, setup, teardown),
      cmocka_unit_test_setup_teardown(test_link_twice_and_link_only, setup, teardown),
      cmocka_unit_test_setup_teardown(test_link_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
