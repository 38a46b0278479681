/* libFuzzer target: arbitrary bytes as a FileDescriptorSet loaded into a fresh registry.
 *
 * Build with clang -fsanitize=fuzzer,address,undefined from src/base/error.c, the src/registry sources
 * except builtin.c, gen/google/protobuf/descriptor.pb-c.c, gen/evs/v1/options.pb-c.c and this file
 * (-Iinclude -Isrc -Igen -lprotobuf-c).
 * Seeds: tests/unit/registry/data/make.sh <dir> writes descriptor sets of the registry fixtures.
 * A load must either fail with a message or give views that every lookup agrees with. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evs/registry.h"

static void check(int ok) {
  if (!ok) abort();
}

static void walk(const evs_registry *reg) {
  size_t n;
  const evs_message *const *msgs = evs_registry_messages(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const evs_message *m = msgs[i];
    check(evs_registry_find_message(reg, m->full_name) == m);
    for (size_t k = 0; k < m->n_fields; k++) {
      const evs_field *f = &m->fields[k];
      check(evs_message_find_field(m, f->name, strlen(f->name)) == f);
      check(evs_message_find_field(m, f->json_name, strlen(f->json_name)) == f);
      check(evs_message_field_by_number(m, f->number) == f);
      check(f->traits == evs_type_traits_of(f->type));
      check(!f->is_map || (f->message_type && f->message_type->n_fields == 2));
    }
    for (size_t k = 0; k < m->n_oneofs; k++) check(m->oneofs[k].n_fields > 0);
  }
  const evs_enum *const *enums = evs_registry_enums(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const evs_enum *e = enums[i];
    for (size_t k = 0; k < e->n_values; k++) {
      const evs_enum_value *v = &e->values[k];
      check(evs_enum_value_by_name(e, v->name, strlen(v->name)) == v);
      check(evs_enum_value_by_number(e, v->number) == v->canonical);
    }
  }
  const evs_event_type *types = evs_registry_event_types(reg, &n);
  for (size_t i = 0; i < n; i++) check(evs_registry_find_event_type(reg, types[i].name) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  evs_registry *reg = NULL;
  evs_error err;
  if (evs_registry_new(&reg, &err) != EVS_OK) return 0;
  evs_status st = evs_registry_add_descriptor_set(reg, data, size, "fuzz", &err);
  if (st == EVS_OK) {
    walk(reg);
  } else {
    check(err.code == st && err.msg[0] != '\0');
  }
  evs_registry_free(reg);
  return 0;
}
