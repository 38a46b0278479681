#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "regtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef EVS_PROTOC
#error "define EVS_PROTOC (path of protoc)"
#endif
#ifndef EVS_TEST_DATA_DIR
#error "define EVS_TEST_DATA_DIR (tests/unit/registry/data)"
#endif
#ifndef EVS_PROTO_DIR
#error "define EVS_PROTO_DIR (proto/)"
#endif

uint8_t *rt_read_file(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    if (n == cap) {
      uint8_t *grown = realloc(buf, cap * 2);
      if (!grown) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, fp);
    if (!got) break;
    n += got;
  }
  fclose(fp);
  *len = n;
  return buf;
}

uint8_t *rt_protoc(const char *protos, int flags, size_t *len) {
  const char *tmp = getenv("TMPDIR");
  char out[512], errf[520], cmd[4096];
  snprintf(out, sizeof out, "%s/evs-regtest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  int fd = mkstemp(out);
  assert_true(fd >= 0);
  close(fd);
  snprintf(errf, sizeof errf, "%s.err", out);
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s' -I . -I '%s' %s %s --descriptor_set_out='%s' %s 2>'%s'",
           EVS_TEST_DATA_DIR, EVS_PROTOC, EVS_PROTO_DIR, flags & RT_IMPORTS ? "--include_imports" : "",
           flags & RT_NO_SOURCE_INFO ? "" : "--include_source_info", out, protos, errf);
  int rc = system(cmd);
  if (rc != 0) {
    size_t n = 0;
    uint8_t *msg = rt_read_file(errf, &n);
    print_error("protoc failed (%d) for %s:\n%.*s\n", rc, protos, (int)n, msg ? (const char *)msg : "");
    free(msg);
  }
  assert_int_equal(rc, 0);
  uint8_t *data = rt_read_file(out, len);
  unlink(out);
  unlink(errf);
  assert_non_null(data);
  return data;
}

evs_registry *rt_registry(void) {
  evs_registry *reg = NULL;
  evs_error err;
  assert_int_equal(evs_registry_new(&reg, &err), EVS_OK);
  assert_non_null(reg);
  return reg;
}

evs_status rt_load(evs_registry *reg, const char *protos, int flags, evs_error *err) {
  size_t len;
  uint8_t *data = rt_protoc(protos, flags, &len);
  evs_status st = evs_registry_add_descriptor_set(reg, data, len, protos, err);
  free(data);
  return st;
}

const char *rt_errstr(const evs_error *err) {
  static char buf[1024];
  evs_error_format(err, buf, sizeof buf);
  return buf;
}

void rt_load_ok(evs_registry *reg, const char *protos, int flags) {
  evs_error err;
  evs_error_clear(&err);
  evs_status st = rt_load(reg, protos, flags, &err);
  if (st) print_error("loading %s failed: %s\n", protos, rt_errstr(&err));
  assert_int_equal(st, EVS_OK);
}

void rt_assert_error(const evs_error *err, evs_status code, const char *file, uint32_t line, uint32_t col,
                     const char *needle) {
  const char *text = rt_errstr(err);
  if (err->code != code || (needle && !strstr(err->msg, needle)))
    print_error("unexpected error (want %s, \"%s\"): %s\n", evs_status_name(code), needle ? needle : "",
                text);
  assert_int_equal(err->code, code);
  assert_true(err->msg[0] != '\0');
  if (needle) assert_non_null(strstr(err->msg, needle));
  if (file) {
    size_t fl = strlen(err->file), wl = strlen(file);
    if (fl < wl || strcmp(err->file + fl - wl, file) != 0)
      print_error("error file %s, want %s\n", err->file, file);
    assert_true(fl >= wl && strcmp(err->file + fl - wl, file) == 0);
  }
  if (line) {
    if (err->line != line || err->col != col)
      print_error("error at %u:%u, want %u:%u: %s\n", err->line, err->col, line, col, text);
    assert_int_equal(err->line, line);
    assert_int_equal(err->col, col);
  }
}
