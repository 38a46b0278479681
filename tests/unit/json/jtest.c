#include "jtest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evs_test_alltypes_catalog.h"

const evs_registry *jt_registry(void) {
  static evs_registry *reg;
  if (reg) return reg;
  evs_error err;
  assert_int_equal(evs_registry_new(&reg, &err), EVS_OK);
  evs_status st = evs_registry_add_catalog(reg, &evs_builtin_catalog, &err);
  if (st != EVS_OK) fail_msg("builtin catalog: %s", err.msg);
  st = evs_registry_add_catalog(reg, &evs_test_alltypes_catalog, &err);
  if (st != EVS_OK) fail_msg("alltypes catalog: %s", err.msg);
  return reg;
}

evs_status jt_decode(const ProtobufCMessageDescriptor *desc, const char *json, uint32_t flags,
                     ProtobufCMessage **out, evs_error *err) {
  evs_json_options o = {.flags = flags};
  return evs_json_decode(jt_registry(), desc, json, strlen(json), &o, NULL, out, err);
}

char *jt_encode(const ProtobufCMessage *msg, uint32_t flags, evs_error *err) {
  evs_json_options o = {.flags = flags};
  evs_buf b = EVS_BUF_INIT;
  if (evs_json_encode(jt_registry(), msg, &o, &b, err) != EVS_OK) {
    evs_buf_free(&b);
    return NULL;
  }
  return (char *)evs_buf_detach(&b, NULL);
}

char *jt_roundtrip(const ProtobufCMessageDescriptor *desc, const char *json, uint32_t flags, evs_error *err) {
  ProtobufCMessage *m = NULL;
  if (jt_decode(desc, json, flags, &m, err) != EVS_OK) return NULL;
  char *s = jt_encode(m, flags, err);
  protobuf_c_message_free_unpacked(m, NULL);
  return s;
}

void jt_expect_fail(const ProtobufCMessageDescriptor *desc, const char *json, evs_status code,
                    const char *path) {
  ProtobufCMessage *m = NULL;
  evs_error err;
  evs_status st = jt_decode(desc, json, 0, &m, &err);
  if (st != code) {
    if (m) protobuf_c_message_free_unpacked(m, NULL);
    fail_msg("decoding %s: expected %s, got %s (%s)", json, evs_status_name(code), evs_status_name(st),
             st ? err.msg : "ok");
  }
  assert_null(m);
  assert_true(err.msg[0] != '\0');
  assert_true(err.offset != EVS_NO_OFFSET);
  assert_true(err.line >= 1 && err.col >= 1);
  if (path && strcmp(path, err.path) != 0)
    fail_msg("decoding %s: expected path '%s', got '%s' (%s)", json, path, err.path, err.msg);
}

void jt_expect_rt(const char *json, const char *want) {
  evs_error err;
  char *got = jt_roundtrip(&evs__test__v1__all_types__descriptor, json, 0, &err);
  if (!got)
    fail_msg("round trip of %s failed: %s: %s (path %s)", json, evs_status_name(err.code), err.msg, err.path);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "input: %s\nwant:  %s\ngot:   %s\n", json, want, got);
    free(got);
    fail_msg("round trip mismatch");
  }
  free(got);
}
