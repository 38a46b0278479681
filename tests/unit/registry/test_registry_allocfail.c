/* Every allocation of a registry load fails in turn (src/base/alloc.c's hook): each run returns
 * EVS_ERR_NOMEM and leaves the registry exactly as it was (registry.h: loading is all-or-nothing), compared
 * through a fingerprint of files, types, event types, view addresses, lookups and a JSON round trip through
 * a type loaded earlier. ASan's leak check covers "nothing leaked". Loads: the builtin catalog into a
 * registry holding a user set, a user set with source info into one holding the catalog, a set without
 * source info (rules, read from a file) the same way; and the process-wide builtin registry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "evs/buf.h"
#include "evs/catalog.h"
#include "evs/json.h"
#include "regtest.h"

/* Names a load adds (taken from the same load into a twin registry): looked up in the fingerprint, so that
 * a failed load that left an entry in a lookup table shows even when the lists are unchanged. */
typedef struct probes {
  char **file, **message, **enm, **event;
  size_t n_file, n_message, n_enm, n_event;
} probes;

static char **dup_names(size_t n, const char *(*name)(size_t i, const void *v), const void *v) {
  char **out = calloc(n ? n : 1, sizeof *out);
  assert_non_null(out);
  for (size_t i = 0; i < n; i++) out[i] = strdup(name(i, v));
  return out;
}

static const char *file_name(size_t i, const void *v) {
  return ((const evs_file *const *)v)[i]->name;
}
static const char *message_name(size_t i, const void *v) {
  return ((const evs_message *const *)v)[i]->full_name;
}
static const char *enum_name(size_t i, const void *v) {
  return ((const evs_enum *const *)v)[i]->full_name;
}
static const char *event_name(size_t i, const void *v) {
  return ((const evs_event_type *)v)[i].name;
}

static void probes_take(probes *p, const evs_registry *reg) {
  const void *v = evs_registry_files(reg, &p->n_file);
  p->file = dup_names(p->n_file, file_name, v);
  v = evs_registry_messages(reg, &p->n_message);
  p->message = dup_names(p->n_message, message_name, v);
  v = evs_registry_enums(reg, &p->n_enm);
  p->enm = dup_names(p->n_enm, enum_name, v);
  v = evs_registry_event_types(reg, &p->n_event);
  p->event = dup_names(p->n_event, event_name, v);
}

static void free_names(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void probes_free(probes *p) {
  free_names(p->file, p->n_file);
  free_names(p->message, p->n_message);
  free_names(p->enm, p->n_enm);
  free_names(p->event, p->n_event);
}

/* Everything a failed load must not change, as text. The addresses of views are part of it: a view handed
 * out must never move. */
static char *fingerprint(const evs_registry *reg, const probes *pr, const char *type, const char *json) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  size_t n;
  const evs_file *const *files = evs_registry_files(reg, &n);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "file %s %p %d\n", files[i]->name, (const void *)files[i],
            evs_registry_find_file(reg, files[i]->name) == files[i]);
  const evs_message *const *msgs = evs_registry_messages(reg, &n);
  for (size_t i = 0; i < n; i++) {
    const evs_message *m = msgs[i];
    fprintf(f, "message %s %p %zu %d %d\n", m->full_name, (const void *)m, m->n_fields,
            evs_registry_find_message(reg, m->full_name) == m, evs_registry_message_for(reg, m->c_desc) == m);
  }
  const evs_enum *const *enums = evs_registry_enums(reg, &n);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "enum %s %p %d\n", enums[i]->full_name, (const void *)enums[i],
            evs_registry_find_enum(reg, enums[i]->full_name) == enums[i]);
  const evs_event_type *ets = evs_registry_event_types(reg, &n);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "event %s %s %s\n", ets[i].name, ets[i].schema_version, ets[i].message->full_name);
  for (size_t i = 0; i < pr->n_file; i++)
    fprintf(f, "probe file %s %p\n", pr->file[i], (const void *)evs_registry_find_file(reg, pr->file[i]));
  for (size_t i = 0; i < pr->n_message; i++)
    fprintf(f, "probe message %s %p\n", pr->message[i],
            (const void *)evs_registry_find_message(reg, pr->message[i]));
  for (size_t i = 0; i < pr->n_enm; i++)
    fprintf(f, "probe enum %s %p\n", pr->enm[i], (const void *)evs_registry_find_enum(reg, pr->enm[i]));
  for (size_t i = 0; i < pr->n_event; i++)
    fprintf(f, "probe event %s %p\n", pr->event[i],
            (const void *)evs_registry_find_event_type(reg, pr->event[i]));

  const evs_message *m = evs_registry_find_message(reg, type);
  assert_non_null(m);
  ProtobufCMessage *msg = NULL;
  evs_error err;
  evs_status st = evs_json_decode(reg, m->c_desc, json, strlen(json), NULL, NULL, &msg, &err);
  if (st != EVS_OK) fail_msg("decode %s: %s", type, err.msg);
  evs_buf out = EVS_BUF_INIT;
  st = evs_json_encode(reg, msg, NULL, &out, &err);
  if (st != EVS_OK) fail_msg("encode %s: %s", type, err.msg);
  fprintf(f, "json %s\n", (const char *)out.data);
  evs_buf_free(&out);
  protobuf_c_message_free_unpacked(msg, NULL);
  assert_int_equal(fclose(f), 0);
  return text;
}

/* One load step; `ctx` carries its input. */
typedef evs_status (*load_fn)(evs_registry *reg, const void *ctx, evs_error *err);

typedef struct set_input {
  const uint8_t *data;
  size_t len;
} set_input;

static evs_status load_catalog(evs_registry *reg, const void *ctx, evs_error *err) {
  (void)ctx;
  return evs_registry_add_catalog(reg, &evs_builtin_catalog, err);
}

static evs_status load_set(evs_registry *reg, const void *ctx, evs_error *err) {
  const set_input *in = ctx;
  return evs_registry_add_descriptor_set(reg, in->data, in->len, "user set", err);
}

static evs_status load_path(evs_registry *reg, const void *ctx, evs_error *err) {
  return evs_registry_load_file(reg, ctx, err);
}

/* Builds the state a load starts from. */
typedef evs_registry *(*prepare_fn)(void);

/* Runs load() on prepare()'s registry with allocation N failing for N = 1 .. (allocations of a successful
 * load); `type` is a type already in that registry and `json` a JSON value of it. Returns the registry after
 * the successful load and the number of allocations it made. */
static evs_registry *fail_every_allocation(prepare_fn prepare, load_fn load, const void *ctx,
                                           const char *type, const char *json, size_t *total) {
  evs_error err;
  evs_registry *twin = prepare();
  if (load(twin, ctx, &err) != EVS_OK) fail_msg("load: %s", rt_errstr(&err));
  probes pr;
  probes_take(&pr, twin);
  evs_registry_free(twin);

  evs_registry *reg = prepare();
  char *before = fingerprint(reg, &pr, type, json);
  evs_alloc_failer f;
  for (size_t n = 1;; n++) {
    evs_alloc_failer_install(&f, n);
    evs_status st = load(reg, ctx, &err);
    evs_alloc_set_hook(NULL);
    if (atomic_load(&f.failed) == 0) {
      /* Past the last allocation: this load ran without a failure. */
      if (st != EVS_OK) fail_msg("load without a failed allocation: %s", rt_errstr(&err));
      *total = n - 1;
      break;
    }
    if (st != EVS_ERR_NOMEM)
      fail_msg("allocation %zu of the load failed, but the load returned %s (%s)", n, evs_status_name(st),
               st == EVS_OK ? "ok" : rt_errstr(&err));
    assert_true(err.msg[0] != '\0');
    char *after = fingerprint(reg, &pr, type, json);
    if (strcmp(before, after) != 0) fail_msg("allocation %zu failed: the registry changed", n);
    free(after);
  }
  print_message("%zu allocations in the load, each failed once\n", *total);
  char *loaded = fingerprint(reg, &pr, type, json);
  assert_string_not_equal(before, loaded); /* the fingerprint sees a load */
  free(loaded);
  free(before);
  probes_free(&pr);
  return reg;
}

/* evs_registry_builtin() failing at an allocation of its first build (creating the registry, loading the
 * catalog; every allocation of a catalog load fails in test_catalog_after_user_set): NULL with
 * EVS_ERR_NOMEM, and the next call tries again (a transient failure must not leave the process without its
 * catalog). Runs first: nothing in this program has built it before. */
static void test_builtin_retries_after_failure(void **state) {
  (void)state;
  for (size_t n = 1; n <= 3; n++) {
    evs_alloc_failer f;
    evs_error err;
    evs_alloc_failer_install(&f, n);
    const evs_registry *reg = evs_registry_builtin(&err);
    evs_alloc_set_hook(NULL);
    assert_int_equal(atomic_load(&f.failed), 1);
    assert_null(reg);
    assert_int_equal(err.code, EVS_ERR_NOMEM);
  }
  evs_error err;
  const evs_registry *reg = evs_registry_builtin(&err);
  assert_non_null(reg);
  assert_non_null(evs_registry_find_message(reg, "evs.events.tasks.v1.TaskEvent"));
  assert_ptr_equal(evs_registry_builtin(&err), reg);
}

static evs_registry *with_user_set(void) {
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "shop/v1/order.proto", RT_IMPORTS);
  return reg;
}

static evs_registry *with_catalog(void) {
  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(evs_registry_add_catalog(reg, &evs_builtin_catalog, &err), EVS_OK);
  return reg;
}

/* The builtin catalog into a registry that holds a user set with source info. */
static void test_catalog_after_user_set(void **state) {
  (void)state;
  size_t total;
  evs_registry *reg = fail_every_allocation(with_user_set, load_catalog, NULL, "test.shop.v1.OrderPlaced",
                                            "{\"orderId\":\"x\",\"amountCents\":\"12\",\"tags\":[\"a\"],"
                                            "\"counts\":{\"k\":3},\"voucherCode\":\"ABCDEFGH\"}",
                                            &total);
  assert_true(total > 100);
  assert_non_null(evs_registry_find_message(reg, "evs.events.tasks.v1.TaskEvent"));
  evs_registry_free(reg);
}

static const char task_json[] = "{\"eventType\":\"task.created\",\"taskId\":\"7\",\"userId\":\"u\"}";

/* A user set with source info and rules into a registry holding the builtin catalog. */
static void test_user_set_after_catalog(void **state) {
  (void)state;
  set_input in;
  uint8_t *data = rt_protoc("shop/v1/order.proto shop/v1/common.proto", RT_IMPORTS, &in.len);
  in.data = data;
  size_t total;
  evs_registry *reg =
      fail_every_allocation(with_catalog, load_set, &in, "evs.events.tasks.v1.TaskEvent", task_json, &total);
  assert_true(total > 50);
  assert_non_null(evs_registry_find_message(reg, "test.shop.v1.OrderPlaced"));
  free(data);
  evs_registry_free(reg);
}

/* A set with every rule kind and no source info, read from a file. */
static void test_rules_set_file_after_catalog(void **state) {
  (void)state;
  size_t len;
  uint8_t *data = rt_protoc("rules/all_rules.proto", RT_IMPORTS | RT_NO_SOURCE_INFO, &len);
  char path[] = "/tmp/evs-allocfail-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  close(fd);
  size_t total;
  evs_registry *reg = fail_every_allocation(with_catalog, load_path, path, "evs.events.tasks.v1.TaskEvent",
                                            task_json, &total);
  unlink(path);
  assert_true(total > 50);
  assert_non_null(evs_registry_find_message(reg, "test.rules.AllRules"));
  free(data);
  evs_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builtin_retries_after_failure),
      cmocka_unit_test(test_catalog_after_user_set),
      cmocka_unit_test(test_user_set_after_catalog),
      cmocka_unit_test(test_rules_set_file_after_catalog),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
