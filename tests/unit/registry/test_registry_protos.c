/* evs_registry_load_protos: .proto files compiled by protoc into the registry (import roots, imports from
 * files already loaded, protoc's complete diagnostics, inputs that are no .proto files), and what the
 * registry does with a file name loaded twice (identical copy: one file; different: an error naming both
 * inputs) and with .proto text given as a descriptor set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evs/catalog.h"
#include "regtest.h"

#define DATA EVS_TEST_DATA_DIR

static char g_dir[512]; /* a scratch directory per test */

static int setup(void **state) {
  (void)state;
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/evs-protos-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  assert_non_null(mkdtemp(g_dir));
  setenv("EVS_PROTOC", EVS_PROTOC, 1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  assert_int_equal(system(cmd), 0);
  return 0;
}

/* Writes text to g_dir/name; returns the path (static buffer, one at a time). */
static const char *write_file(const char *name, const void *text, size_t len) {
  static char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(text, 1, len, fp), len);
  assert_int_equal(fclose(fp), 0);
  return path;
}

static void make_dir(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  assert_int_equal(mkdir(path, 0700), 0);
}

static size_t n_files(const evs_registry *reg) {
  size_t n = 0;
  evs_registry_files(reg, &n);
  return n;
}

static void test_loads_with_import_dirs(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  const char *dirs[] = {DATA, EVS_PROTO_DIR};
  const char *files[] = {DATA "/shop/v1/order.proto"};
  evs_error err;
  if (evs_registry_load_protos(reg, dirs, 2, files, 1, &err) != EVS_OK) print_error("%s\n", rt_errstr(&err));
  assert_int_equal(err.code, EVS_OK);
  const evs_message *m = evs_registry_find_message(reg, "test.shop.v1.OrderPlaced");
  assert_non_null(m);
  /* Named relative to the import root, with source info (protoc ran with --include_source_info). */
  assert_string_equal(m->file->name, "shop/v1/order.proto");
  assert_int_equal(m->src.line, 13);
  assert_non_null(m->src.leading_comment);
  assert_string_equal(m->file->origin, DATA "/shop/v1/order.proto");
  assert_non_null(evs_registry_find_message(reg, "test.shop.v1.Customer")); /* an import */
  assert_string_equal(evs_registry_protoc_output(reg), "");
  evs_registry_free(reg);
}

static void test_imports_from_the_loaded_catalog(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(evs_registry_add_catalog(reg, &evs_builtin_catalog, &err), EVS_OK);
  size_t before = n_files(reg);
  /* No -I for evs/v1/options.proto or google/protobuf: they come from the registry (--descriptor_set_in),
   * and the copies in protoc's output are the same files. */
  const char *dirs[] = {DATA};
  const char *files[] = {DATA "/shop/v1/order.proto"};
  if (evs_registry_load_protos(reg, dirs, 1, files, 1, &err) != EVS_OK) print_error("%s\n", rt_errstr(&err));
  assert_int_equal(err.code, EVS_OK);
  assert_int_equal(n_files(reg), before + 2); /* order.proto and common.proto */
  const evs_message *m = evs_registry_find_message(reg, "test.shop.v1.OrderPlaced");
  assert_non_null(m);
  assert_non_null(m->event); /* evs options read through the builtin options.proto */
  evs_registry_free(reg);
}

static void test_default_root_is_the_file_directory(void **state) {
  (void)state;
  const char text[] = "syntax = \"proto3\";\npackage t;\nmessage Solo { string a = 1; }\n";
  const char *path = write_file("solo.proto", text, sizeof text - 1);
  evs_registry *reg = rt_registry();
  const char *files[] = {path};
  evs_error err;
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_OK);
  assert_non_null(evs_registry_find_file(reg, "solo.proto"));
  evs_registry_free(reg);
}

static void test_full_diagnostics(void **state) {
  (void)state;
  const char text[] =
      "syntax = \"proto3\";\npackage t;\nmessage Bad {\n  NoSuch a = 1;\n  Missing b = 2;\n"
      "  string c = 2;\n}\n";
  const char *path = write_file("bad.proto", text, sizeof text - 1);
  evs_registry *reg = rt_registry();
  const char *files[] = {path};
  evs_error err;
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_ERR_SYNTAX);
  rt_assert_error(&err, EVS_ERR_SYNTAX, "bad.proto", 4, 3, "\"NoSuch\" is not defined");
  assert_non_null(strstr(err.msg, "(and 2 more lines from protoc)"));
  const char *out = evs_registry_protoc_output(reg);
  assert_non_null(strstr(out, "bad.proto:4:3: \"NoSuch\" is not defined."));
  assert_non_null(strstr(out, "bad.proto:5:3: \"Missing\" is not defined."));
  assert_non_null(strstr(out, "bad.proto:6:14: Field number 2 has already been used"));
  assert_int_equal(n_files(reg), 0); /* nothing loaded */
  /* The next call starts afresh. */
  const char good[] = "syntax = \"proto3\";\npackage u;\nmessage Good {}\n";
  files[0] = write_file("good.proto", good, sizeof good - 1);
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_OK);
  assert_string_equal(evs_registry_protoc_output(reg), "");
  evs_registry_free(reg);
}

static void test_warnings_are_kept(void **state) {
  (void)state;
  const char text[] =
      "syntax = \"proto3\";\npackage w;\nimport \"google/protobuf/timestamp.proto\";\n"
      "message W {}\n";
  const char *path = write_file("w.proto", text, sizeof text - 1);
  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(evs_registry_add_catalog(reg, &evs_builtin_catalog, &err), EVS_OK);
  const char *files[] = {path};
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_OK);
  assert_non_null(strstr(evs_registry_protoc_output(reg), "google/protobuf/timestamp.proto is unused"));
  evs_registry_free(reg);
}

static void test_inputs_that_are_no_proto(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  size_t len = 0;
  uint8_t *set = rt_protoc("shop/v1/common.proto", 0, &len);
  const char *files[] = {write_file("set.proto", set, len)};
  free(set);
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_ERR_INVALID_ARG);
  rt_assert_error(&err, EVS_ERR_INVALID_ARG, "set.proto", 0, 0, "binary data, likely a descriptor set");

  char fifo[600];
  snprintf(fifo, sizeof fifo, "%s/fifo.proto", g_dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  files[0] = fifo;
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_ERR_INVALID_ARG);
  rt_assert_error(&err, EVS_ERR_INVALID_ARG, "fifo.proto", 0, 0, "a FIFO, not a .proto file");

  files[0] = DATA "/no/such.proto";
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_ERR_IO);
  rt_assert_error(&err, EVS_ERR_IO, "such.proto", 0, 0, "cannot open");

  setenv("EVS_PROTOC", "/nonexistent/protoc", 1);
  files[0] = DATA "/conflict/a.proto";
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 1, &err), EVS_ERR_IO);
  assert_non_null(strstr(err.msg, "cannot run protoc ('/nonexistent/protoc')"));
  setenv("EVS_PROTOC", EVS_PROTOC, 1);

  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, NULL, 1, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_registry_load_protos(reg, NULL, 0, files, 0, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_registry_load_protos(reg, NULL, 1, files, 1, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_registry_load_protos(NULL, NULL, 0, files, 1, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(n_files(reg), 0);
  assert_string_equal(evs_registry_protoc_output(NULL), "");
  evs_registry_free(reg);
}

static void test_proto_text_given_as_a_set(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  size_t len = 0;
  uint8_t *text = rt_read_file(DATA "/shop/v1/order.proto", &len);
  assert_non_null(text);
  assert_int_equal(evs_registry_add_descriptor_set(reg, text, len, "order.binpb", &err), EVS_ERR_DESCRIPTOR);
  rt_assert_error(&err, EVS_ERR_DESCRIPTOR, "order.binpb", 0, 0,
                  "not a descriptor set: this is .proto source text");
  free(text);
  /* Other text keeps the decoder's own message. */
  assert_int_equal(evs_registry_add_descriptor_set(reg, (const uint8_t *)"hello world", 11, "x", &err),
                   EVS_ERR_DESCRIPTOR);
  assert_non_null(strstr(err.msg, "not a valid FileDescriptorSet"));
  evs_registry_free(reg);
}

static void test_same_file_twice(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  /* Without and with source info: still the same file. */
  rt_load_ok(reg, "conflict/a.proto", RT_NO_SOURCE_INFO);
  const evs_message *thing = evs_registry_find_message(reg, "test.conflict.Thing");
  const char *dirs[] = {DATA};
  const char *files[] = {DATA "/conflict/a.proto"};
  assert_int_equal(evs_registry_load_protos(reg, dirs, 1, files, 1, &err), EVS_OK);
  assert_int_equal(n_files(reg), 1);
  assert_ptr_equal(evs_registry_find_message(reg, "test.conflict.Thing"), thing);

  /* The same name with other contents: an error naming the file and both inputs; nothing changes. */
  const char other[] =
      "syntax = \"proto3\";\npackage test.conflict;\nmessage Thing { string a = 1; string z = 2; }\n";
  make_dir("conflict");
  files[0] = write_file("conflict/a.proto", other, sizeof other - 1);
  dirs[0] = g_dir;
  assert_int_equal(evs_registry_load_protos(reg, dirs, 1, files, 1, &err), EVS_ERR_DUPLICATE);
  rt_assert_error(&err, EVS_ERR_DUPLICATE, "conflict/a.proto", 0, 0, "file conflict/a.proto from ");
  assert_non_null(strstr(err.msg, "differs from the one loaded before from conflict/a.proto"));
  assert_int_equal(n_files(reg), 1);
  assert_int_equal(evs_registry_find_message(reg, "test.conflict.Thing")->n_fields, 1);
  evs_registry_free(reg);
}

static void test_builtin_file_redefined(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  evs_error err;
  assert_int_equal(evs_registry_add_catalog(reg, &evs_builtin_catalog, &err), EVS_OK);
  size_t before = n_files(reg);
  const char mine[] = "syntax = \"proto3\";\npackage evs.v1;\nmessage Envelope { string id = 1; }\n";
  make_dir("evs");
  make_dir("evs/v1");
  const char *files[] = {write_file("evs/v1/envelope.proto", mine, sizeof mine - 1)};
  const char *dirs[] = {g_dir};
  assert_int_equal(evs_registry_load_protos(reg, dirs, 1, files, 1, &err), EVS_ERR_DUPLICATE);
  assert_non_null(strstr(err.msg, "file evs/v1/envelope.proto from "));
  assert_non_null(strstr(err.msg, "differs from the one loaded before from evs_builtin_catalog"));
  assert_int_equal(n_files(reg), before);

  /* The same type in a file of another name: both files and both inputs named. */
  const char again[] = "syntax = \"proto3\";\npackage evs.v1;\nmessage Envelope { string id = 1; }\n";
  files[0] = write_file("mine.proto", again, sizeof again - 1);
  assert_int_equal(evs_registry_load_protos(reg, dirs, 1, files, 1, &err), EVS_ERR_DUPLICATE);
  rt_assert_error(&err, EVS_ERR_DUPLICATE, "mine.proto", 3, 1,
                  "message evs.v1.Envelope is defined again (first defined in evs/v1/envelope.proto from "
                  "evs_builtin_catalog; again from ");
  evs_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_loads_with_import_dirs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_imports_from_the_loaded_catalog, setup, teardown),
      cmocka_unit_test_setup_teardown(test_default_root_is_the_file_directory, setup, teardown),
      cmocka_unit_test_setup_teardown(test_full_diagnostics, setup, teardown),
      cmocka_unit_test_setup_teardown(test_warnings_are_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(test_inputs_that_are_no_proto, setup, teardown),
      cmocka_unit_test_setup_teardown(test_proto_text_given_as_a_set, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_file_twice, setup, teardown),
      cmocka_unit_test_setup_teardown(test_builtin_file_redefined, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
