/* Dynamic protobuf-c descriptors (src/registry/dynamic.c): the whole catalog through the compiled and the
 * dynamic path gives the same bytes and the same JSON; proto3 optional, proto2 presence, defaults,
 * required fields, extensions and unknown fields; allocation failure while building. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "evs/json.h"
#include "evs/validate.h"
#include "registry/registry_internal.h"
#include "regtest.h"

extern const evs_catalog evs_test_alltypes_catalog;

static evs_registry *g_compiled, *g_dynamic, *g_dynamic_char;

static int setup_all(void **state) {
  (void)state;
  evs_error err;
  g_compiled = rt_registry();
  assert_int_equal(evs_registry_add_catalog(g_compiled, &evs_builtin_catalog, &err), EVS_OK);
  assert_int_equal(evs_registry_add_catalog(g_compiled, &evs_test_alltypes_catalog, &err), EVS_OK);
  /* The same descriptor sets, no C code: every descriptor is built at load. */
  g_dynamic = rt_registry();
  assert_int_equal(evs_registry_add_descriptor_set(g_dynamic, evs_builtin_catalog.descriptor_set,
                                                   evs_builtin_catalog.descriptor_set_len, "builtin", &err),
                   EVS_OK);
  assert_int_equal(
      evs_registry_add_descriptor_set(g_dynamic, evs_test_alltypes_catalog.descriptor_set,
                                      evs_test_alltypes_catalog.descriptor_set_len, "alltypes", &err),
      EVS_OK);
  /* Once more with protoc-c's `char *` strings, to compare the layout algorithm with protoc-c's. */
  g_dynamic_char = rt_registry();
  evs_dynamic_char_strings = true;
  assert_int_equal(evs_registry_add_descriptor_set(g_dynamic_char, evs_builtin_catalog.descriptor_set,
                                                   evs_builtin_catalog.descriptor_set_len, "builtin", &err),
                   EVS_OK);
  assert_int_equal(
      evs_registry_add_descriptor_set(g_dynamic_char, evs_test_alltypes_catalog.descriptor_set,
                                      evs_test_alltypes_catalog.descriptor_set_len, "alltypes", &err),
      EVS_OK);
  evs_dynamic_char_strings = false;
  return 0;
}

static int teardown_all(void **state) {
  (void)state;
  evs_registry_free(g_compiled);
  evs_registry_free(g_dynamic);
  evs_registry_free(g_dynamic_char);
  return 0;
}

static const ProtobufCMessageDescriptor *dyn_desc_in(const evs_registry *reg, const char *type) {
  const evs_message *m = evs_registry_find_message(reg, type);
  assert_non_null(m);
  assert_true(m->c_desc_dynamic);
  assert_ptr_equal(evs_registry_message_for(reg, m->c_desc), m);
  return m->c_desc;
}

static const ProtobufCMessageDescriptor *dyn_desc(const char *type) {
  return dyn_desc_in(g_dynamic, type);
}

static const ProtobufCMessageDescriptor *compiled_desc(const char *type) {
  const evs_message *m = evs_registry_find_message(g_compiled, type);
  assert_non_null(m);
  assert_false(m->c_desc_dynamic);
  return m->c_desc;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len) {
  *len = protobuf_c_message_get_packed_size(m);
  uint8_t *b = malloc(*len ? *len : 1);
  assert_non_null(b);
  assert_int_equal(protobuf_c_message_pack(m, b), *len);
  return b;
}

/* The JSON of m, or NULL with *err filled (random top-level Any or FieldMask values may not print). */
static char *to_json(const evs_registry *reg, const ProtobufCMessage *m, uint32_t flags, evs_error *err) {
  evs_json_options o = {.flags = flags};
  evs_buf b = EVS_BUF_INIT;
  if (evs_json_encode(reg, m, &o, &b, err) != EVS_OK) {
    evs_buf_free(&b);
    return NULL;
  }
  return (char *)evs_buf_detach(&b, NULL);
}

static const uint32_t k_flags[] = {0, EVS_JSON_EMIT_DEFAULTS | EVS_JSON_PROTO_NAMES,
                                   EVS_JSON_ENUMS_AS_NUMBERS};

/* One message through both paths: binary -> JSON (every flag set) -> binary, each side with its own
 * registry, compared byte for byte and character for character. */
static void same_both_ways(const char *type, const ProtobufCMessage *cm, const ProtobufCMessage *dm,
                           const char *what) {
  size_t cl, dl;
  uint8_t *cb = pack(cm, &cl), *db = pack(dm, &dl);
  if (cl != dl || memcmp(cb, db, cl) != 0)
    fail_msg("%s %s: packed bytes differ (%zu vs %zu)", type, what, cl, dl);
  for (size_t k = 0; k < sizeof k_flags / sizeof k_flags[0]; k++) {
    evs_error ce, de;
    char *cj = to_json(g_compiled, cm, k_flags[k], &ce), *dj = to_json(g_dynamic, dm, k_flags[k], &de);
    if (!cj || !dj) {
      if (cj || dj || ce.code != de.code || strcmp(ce.msg, de.msg) != 0)
        fail_msg("%s %s: encode: compiled %s, dynamic %s", type, what, cj ? "ok" : ce.msg,
                 dj ? "ok" : de.msg);
      free(cj);
      free(dj);
      continue;
    }
    if (strcmp(cj, dj) != 0) fail_msg("%s %s: JSON differs:\n compiled %s\n dynamic  %s", type, what, cj, dj);
    /* JSON -> binary on each path gives the bytes again. */
    evs_error err;
    ProtobufCMessage *c2 = NULL, *d2 = NULL;
    if (evs_json_decode(g_compiled, cm->descriptor, cj, strlen(cj), NULL, NULL, &c2, &err) != EVS_OK)
      fail_msg("%s %s: compiled decode of %s: %s", type, what, cj, err.msg);
    if (evs_json_decode(g_dynamic, dm->descriptor, dj, strlen(dj), NULL, NULL, &d2, &err) != EVS_OK)
      fail_msg("%s %s: dynamic decode of %s: %s", type, what, dj, err.msg);
    size_t c2l, d2l;
    uint8_t *c2b = pack(c2, &c2l), *d2b = pack(d2, &d2l);
    if (c2l != d2l || memcmp(c2b, d2b, c2l) != 0) fail_msg("%s %s: bytes from JSON differ", type, what);
    free(c2b);
    free(d2b);
    protobuf_c_message_free_unpacked(c2, NULL);
    protobuf_c_message_free_unpacked(d2, NULL);
    free(cj);
    free(dj);
  }
  /* The bytes of one path unpack on the other to the same message. */
  evs_error err;
  ProtobufCMessage *x = NULL;
  assert_int_equal(evs_binary_unpack(dm->descriptor, cb, cl, NULL, NULL, &x, &err), EVS_OK);
  size_t xl;
  uint8_t *xb = pack(x, &xl);
  assert_int_equal(xl, cl);
  assert_memory_equal(xb, cb, cl);
  free(xb);
  protobuf_c_message_free_unpacked(x, NULL);
  free(cb);
  free(db);
}

static ProtobufCMessage *decode_ok(const evs_registry *reg, const ProtobufCMessageDescriptor *d,
                                   const char *json);

static char *read_text(const char *path, size_t *len) {
  uint8_t *b = rt_read_file(path, len);
  if (!b) return NULL;
  char *s = realloc(b, *len + 1);
  assert_non_null(s);
  s[*len] = '\0';
  return s;
}

/* Every golden document: accepted ones convert identically both ways, rejected ones fail alike. */
static void test_identity_golden(void **state) {
  (void)state;
  DIR *top = opendir(EVS_GOLDEN_DIR);
  assert_non_null(top);
  struct dirent *t;
  size_t n_yes = 0, n_no = 0, n_nul = 0;
  while ((t = readdir(top))) {
    if (t->d_name[0] == '.' || !strchr(t->d_name, '.')) continue;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", EVS_GOLDEN_DIR, t->d_name);
    DIR *dd = opendir(dir);
    if (!dd) continue;
    const ProtobufCMessageDescriptor *cd = compiled_desc(t->d_name), *dy = dyn_desc(t->d_name);
    struct dirent *c;
    while ((c = readdir(dd))) {
      size_t nl = strlen(c->d_name);
      bool yes = strncmp(c->d_name, "y_", 2) == 0, no = strncmp(c->d_name, "n_", 2) == 0;
      if ((!yes && !no) || nl < 5 || strcmp(c->d_name + nl - 5, ".json") != 0) continue;
      char path[2048], expect[2048];
      snprintf(path, sizeof path, "%s/%s", dir, c->d_name);
      snprintf(expect, sizeof expect, "%s/%.*s.expect", dir, (int)(nl - 5), c->d_name);
      size_t len, elen = 0;
      char *json = read_text(path, &len);
      assert_non_null(json);
      char *ex = read_text(expect, &elen);
      evs_json_options o = {.flags = ex && strstr(ex, "ignore-unknown") ? EVS_JSON_IGNORE_UNKNOWN : 0u};
      free(ex);
      evs_error ce, de;
      ProtobufCMessage *cm = NULL, *dm = NULL;
      evs_status cs = evs_json_decode(g_compiled, cd, json, len, &o, NULL, &cm, &ce);
      evs_status ds = evs_json_decode(g_dynamic, dy, json, len, &o, NULL, &dm, &de);
      /* The one difference on purpose: run-time types keep U+0000 in strings, compiled ones refuse it. */
      if (cs == EVS_ERR_UNSUPPORTED && ds == EVS_OK && strstr(ce.msg, "NUL-terminated")) {
        char *dj = to_json(g_dynamic, dm, 0, &de);
        if (!dj) fail_msg("%s: dynamic encode: %s", path, de.msg);
        ProtobufCMessage *back = decode_ok(g_dynamic, dy, dj);
        size_t l1, l2;
        uint8_t *b1 = pack(dm, &l1), *b2 = pack(back, &l2);
        if (l1 != l2 || memcmp(b1, b2, l1) != 0 || !memchr(b1, 0, l1)) fail_msg("%s: U+0000 not kept", path);
        free(b1);
        free(b2);
        free(dj);
        protobuf_c_message_free_unpacked(back, NULL);
        protobuf_c_message_free_unpacked(dm, NULL);
        free(json);
        n_nul++;
        continue;
      }
      if (cs != ds || (cs && (ce.offset != de.offset || strcmp(ce.msg, de.msg) != 0)))
        fail_msg("%s: compiled %s (%s), dynamic %s (%s)", path, evs_status_name(cs), cs ? ce.msg : "",
                 evs_status_name(ds), ds ? de.msg : "");
      if (!cs) {
        same_both_ways(t->d_name, cm, dm, c->d_name);
        n_yes++;
      } else {
        n_no++;
      }
      protobuf_c_message_free_unpacked(cm, NULL);
      protobuf_c_message_free_unpacked(dm, NULL);
      free(json);
    }
    closedir(dd);
  }
  closedir(top);
  print_message(
      "golden: %zu accepted and %zu rejected documents identical on both paths, %zu with U+0000 "
      "kept by the dynamic path only\n",
      n_yes, n_no, n_nul);
  assert_true(n_yes > 100);
  assert_true(n_nul > 0);
}

/* gen_corpus's random messages of every catalog message type (map entries aside). */
static void test_identity_generated(void **state) {
  (void)state;
  size_t n_types;
  const evs_message *const *all = evs_registry_messages(g_compiled, &n_types);
  size_t n_msgs = 0, n_checked_types = 0;
  for (size_t i = 0; i < n_types; i++) {
    const evs_message *m = all[i];
    if (m->map_entry || m->c_desc_dynamic) continue;
    bool alltypes = strcmp(m->full_name, "evs.test.v1.AllTypes") == 0;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' --type %s --count %d --seed %zu 2>/dev/null", EVS_GEN_CORPUS,
             m->full_name, alltypes ? 2000 : 40, i + 1);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + len, 1, cap - len, p)) > 0) {
      len += r;
      if (len == cap) buf = realloc(buf, cap *= 2);
    }
    int rc = pclose(p);
    if (rc != 0) { /* a type gen_corpus cannot make (proto2 descriptor.proto messages with groups...) */
      free(buf);
      continue;
    }
    n_checked_types++;
    const ProtobufCMessageDescriptor *dy = dyn_desc(m->full_name);
    for (size_t off = 0; off < len;) {
      uint64_t n = 0;
      for (int s = 0; off < len; s += 7) {
        uint8_t byte = buf[off++];
        n |= (uint64_t)(byte & 0x7f) << s;
        if (!(byte & 0x80)) break;
      }
      assert_true(n <= len - off);
      evs_error ce, de;
      ProtobufCMessage *cm = NULL, *dm = NULL;
      evs_status cs = evs_binary_unpack(m->c_desc, buf + off, n, NULL, NULL, &cm, &ce);
      evs_status ds = evs_binary_unpack(dy, buf + off, n, NULL, NULL, &dm, &de);
      assert_int_equal(cs, ds);
      if (!cs) same_both_ways(m->full_name, cm, dm, "generated");
      protobuf_c_message_free_unpacked(cm, NULL);
      protobuf_c_message_free_unpacked(dm, NULL);
      off += n;
      n_msgs++;
    }
    free(buf);
  }
  print_message("generated: %zu messages of %zu types identical on both paths\n", n_msgs, n_checked_types);
  assert_true(n_checked_types > 20);
  assert_true(n_msgs > 2000);
}

/* With `char *` strings (evs_dynamic_char_strings) the dynamic layout of a compiled type is protoc-c's:
 * same size and offsets, so that messages of either kind could be read through the other descriptor. */
static void test_layout_matches_protoc_c(void **state) {
  (void)state;
  size_t n_types;
  const evs_message *const *all = evs_registry_messages(g_compiled, &n_types);
  size_t checked = 0;
  for (size_t i = 0; i < n_types; i++) {
    const ProtobufCMessageDescriptor *c = all[i]->c_desc;
    if (all[i]->c_desc_dynamic) continue;
    const ProtobufCMessageDescriptor *d = dyn_desc_in(g_dynamic_char, all[i]->full_name);
    if (c->sizeof_message != d->sizeof_message)
      fail_msg("%s: sizeof %zu vs %zu", c->name, c->sizeof_message, d->sizeof_message);
    assert_int_equal(c->n_fields, d->n_fields);
    assert_int_equal(c->n_field_ranges, d->n_field_ranges);
    for (unsigned f = 0; f < c->n_fields; f++) {
      const ProtobufCFieldDescriptor *a = &c->fields[f], *b = &d->fields[f];
      if (a->offset != b->offset || a->quantifier_offset != b->quantifier_offset || a->label != b->label ||
          a->type != b->type || a->flags != b->flags ||
          c->fields_sorted_by_name[f] != d->fields_sorted_by_name[f])
        fail_msg("%s.%s: offset %u/%u quantifier %u/%u label %d/%d flags %u/%u", c->name, a->name, a->offset,
                 b->offset, a->quantifier_offset, b->quantifier_offset, (int)a->label, (int)b->label,
                 a->flags, b->flags);
    }
    checked++;
  }
  assert_true(checked > 20);
}

/* What differs on purpose from protoc-c: string fields are bytes flagged as strings (so that they keep
 * U+0000), except in the google.protobuf types, which the JSON codec reads through protoc-c's structs. */
static void test_strings_held_as_bytes(void **state) {
  (void)state;
  size_t n_types;
  const evs_message *const *all = evs_registry_messages(g_compiled, &n_types);
  size_t n_strings = 0;
  for (size_t i = 0; i < n_types; i++) {
    const ProtobufCMessageDescriptor *c = all[i]->c_desc;
    if (all[i]->c_desc_dynamic) continue;
    const ProtobufCMessageDescriptor *d = dyn_desc(all[i]->full_name);
    bool wkt = strncmp(c->name, "google.protobuf.", 16) == 0;
    for (unsigned f = 0; f < c->n_fields; f++) {
      const ProtobufCFieldDescriptor *a = &c->fields[f], *b = &d->fields[f];
      assert_true(evs_field_is_string(a) == evs_field_is_string(b));
      if (a->type == PROTOBUF_C_TYPE_STRING && !wkt) {
        if (b->type != PROTOBUF_C_TYPE_BYTES || b->flags != (a->flags | EVS_FIELD_FLAG_STRING))
          fail_msg("%s.%s: type %d flags %u", c->name, a->name, (int)b->type, b->flags);
        n_strings++;
      } else if (a->type != b->type || a->flags != b->flags) {
        fail_msg("%s.%s: type %d/%d flags %u/%u", c->name, a->name, (int)a->type, (int)b->type, a->flags,
                 b->flags);
      }
    }
  }
  assert_true(n_strings > 20);
}

static void test_enums_match_protoc_c(void **state) {
  (void)state;
  size_t n;
  const evs_enum *const *all = evs_registry_enums(g_compiled, &n);
  for (size_t i = 0; i < n; i++) {
    const ProtobufCEnumDescriptor *c = all[i]->c_desc;
    if (all[i]->c_desc_dynamic) continue;
    const evs_enum *de = evs_registry_find_enum(g_dynamic, all[i]->full_name);
    assert_non_null(de);
    assert_true(de->c_desc_dynamic);
    assert_ptr_equal(evs_registry_enum_for(g_dynamic, de->c_desc), de);
    const ProtobufCEnumDescriptor *d = de->c_desc;
    assert_int_equal(c->n_values, d->n_values);
    assert_int_equal(c->n_value_names, d->n_value_names);
    assert_int_equal(c->n_value_ranges, d->n_value_ranges);
    for (unsigned k = 0; k < c->n_values; k++) {
      assert_int_equal(c->values[k].value, d->values[k].value);
      assert_string_equal(c->values[k].name, d->values[k].name);
    }
    for (unsigned k = 0; k < c->n_value_names; k++) {
      assert_string_equal(c->values_by_name[k].name, d->values_by_name[k].name);
      assert_int_equal(c->values_by_name[k].index, d->values_by_name[k].index);
    }
    for (unsigned k = 0; k <= c->n_value_ranges; k++) {
      assert_int_equal(c->value_ranges[k].start_value, d->value_ranges[k].start_value);
      assert_int_equal(c->value_ranges[k].orig_index, d->value_ranges[k].orig_index);
    }
  }
}

/* ---- fixtures only known from descriptor sets (tests/unit/registry/data/dynamic/) ---- */

static const ProtobufCMessageDescriptor *load_desc(evs_registry *reg, const char *type) {
  const evs_message *m = evs_registry_find_message(reg, type);
  assert_non_null(m);
  assert_non_null(m->c_desc);
  assert_true(m->c_desc_dynamic);
  return m->c_desc;
}

static ProtobufCMessage *decode_ok(const evs_registry *reg, const ProtobufCMessageDescriptor *d,
                                   const char *json) {
  evs_error err;
  ProtobufCMessage *m = NULL;
  if (evs_json_decode(reg, d, json, strlen(json), NULL, NULL, &m, &err) != EVS_OK)
    fail_msg("decode %s: %s (path %s)", json, err.msg, err.path);
  return m;
}

static void expect_json(const evs_registry *reg, const ProtobufCMessage *m, const char *want) {
  evs_error err;
  char *got = to_json(reg, m, 0, &err);
  if (!got) fail_msg("encode: %s", err.msg);
  if (strcmp(got, want) != 0) fail_msg("JSON:\n got  %s\n want %s", got, want);
  free(got);
}

/* Packs m, checks the bytes, unpacks them again and checks that they pack the same and print `json`. */
static void expect_bytes(const evs_registry *reg, const ProtobufCMessage *m, const uint8_t *want,
                         size_t want_len, const char *json) {
  size_t len;
  uint8_t *b = pack(m, &len);
  assert_int_equal(len, want_len);
  if (len) assert_memory_equal(b, want, len);
  evs_error err;
  ProtobufCMessage *back = NULL;
  assert_int_equal(evs_binary_unpack(m->descriptor, b, len, NULL, NULL, &back, &err), EVS_OK);
  size_t len2;
  uint8_t *b2 = pack(back, &len2);
  assert_int_equal(len2, len);
  if (len) assert_memory_equal(b2, b, len);
  if (json) expect_json(reg, back, json);
  free(b2);
  protobuf_c_message_free_unpacked(back, NULL);
  free(b);
}

static void *member(ProtobufCMessage *m, const char *field, bool quantifier) {
  const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
  assert_non_null(fd);
  return (char *)m + (quantifier ? fd->quantifier_offset : fd->offset);
}

static void test_proto3_optional(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "dynamic/opt3.proto", RT_IMPORTS);
  const ProtobufCMessageDescriptor *d = load_desc(reg, "test.dyn.v1.Opt3");
  /* Zero values of optional fields are present: written and printed; the plain field's zero is not. */
  const char *zeros =
      "{\"oInt32\":0,\"oString\":\"\",\"oKind\":\"KIND_UNSPECIFIED\",\"oBool\":false,\"oDouble\":0,"
      "\"oBytes\":\"\",\"oInner\":{},\"plain\":0,\"cInt64\":\"0\",\"oUint64\":\"0\"}";
  ProtobufCMessage *m = decode_ok(reg, d, zeros);
  const char *want =
      "{\"oInt32\":0,\"oString\":\"\",\"oKind\":\"KIND_UNSPECIFIED\",\"oBool\":false,\"oDouble\":0,"
      "\"oBytes\":\"\",\"oInner\":{},\"cInt64\":\"0\",\"oUint64\":\"0\"}";
  expect_json(reg, m, want);
  static const uint8_t zb[] = {0x08, 0, 0x12, 0, 0x18, 0, 0x20, 0, 0x29, 0, 0,    0, 0,
                               0,    0, 0,    0, 0x32, 0, 0x3a, 0, 0x50, 0, 0x78, 0};
  expect_bytes(reg, m, zb, sizeof zb, want);
  protobuf_c_message_free_unpacked(m, NULL);
  /* Unset optional fields stay out. */
  m = decode_ok(reg, d, "{}");
  expect_json(reg, m, "{}");
  expect_bytes(reg, m, NULL, 0, "{}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* Oneof, map of messages, packed and unpacked repeated, nested and imported types. */
  const char *full =
      "{\"oKind\":\"KIND_B\",\"oInner\":{\"x\":3},\"cInner\":{\"x\":0},\"inners\":{\"k\":{\"x\":1}},"
      "\"packed\":[1,-2],\"unpacked\":[3,-4]}";
  m = decode_ok(reg, d, full);
  expect_json(reg, m, full);
  static const uint8_t fb[] = {0x18, 2,    0x3a, 2, 0x08, 3,    0x5a, 2, 0x08, 0,    0x62, 7,    0x0a, 1,
                               'k',  0x12, 2,    8, 1,    0x6a, 2,    2, 3,    0x70, 6,    0x70, 7};
  expect_bytes(reg, m, fb, sizeof fb, full);
  protobuf_c_message_free_unpacked(m, NULL);
  /* An empty message by name, filled through the descriptor's layout. */
  evs_error err;
  assert_int_equal(evs_registry_new_message(reg, ".test.dyn.v1.Opt3", NULL, &m, &err), EVS_OK);
  assert_ptr_equal(m->descriptor, d);
  assert_int_equal(*(int32_t *)member(m, "plain", false), 0);
  assert_int_equal(*(protobuf_c_boolean *)member(m, "o_int32", true), 0);
  *(protobuf_c_boolean *)member(m, "o_int32", true) = 1;
  static const uint8_t one[] = {0x08, 0};
  expect_bytes(reg, m, one, sizeof one, "{\"oInt32\":0}");
  protobuf_c_message_free_unpacked(m, NULL);
  assert_int_equal(evs_registry_new_message(reg, "test.dyn.v1.opt3", NULL, &m, &err), EVS_ERR_NOT_FOUND);
  assert_null(m);
  assert_non_null(strstr(err.msg, "did you mean"));
  evs_registry_free(reg);
}

static void test_proto2_defaults_presence_required(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "dynamic/legacy.proto", RT_IMPORTS);
  const ProtobufCMessageDescriptor *d = load_desc(reg, "test.dyn.v1.Legacy");
  evs_error err;
  ProtobufCMessage *m = NULL;
  assert_int_equal(evs_registry_new_message(reg, "test.dyn.v1.Legacy", NULL, &m, &err), EVS_OK);
  assert_int_equal(*(int32_t *)member(m, "d_int32", false), -42);
  const ProtobufCBinaryData *ds = member(m, "d_string", false); /* a string held with its length */
  assert_int_equal(ds->len, 10);
  assert_memory_equal(ds->data, "hi \"there\"", 10);
  ProtobufCBinaryData *bd = member(m, "d_bytes", false);
  assert_int_equal(bd->len, 4);
  assert_memory_equal(bd->data, "a\001\377b", 4);
  assert_int_equal(*(int32_t *)member(m, "d_level", false), 2);
  assert_true(isinf(*(float *)member(m, "d_float", false)));
  assert_true(*(double *)member(m, "d_double", false) == -1.5);
  assert_int_equal(*(protobuf_c_boolean *)member(m, "d_bool", false), 1);
  assert_true(*(uint64_t *)member(m, "d_uint64", false) == UINT64_MAX);
  assert_int_equal(*(int32_t *)member(m, "d_sint32", false), -7);
  assert_true(isnan(*(double *)member(m, "d_nan", false)));
  assert_int_equal(*(int32_t *)member(m, "no_default", false), 1); /* a closed enum's first value */
  assert_int_equal(*(protobuf_c_boolean *)member(m, "d_int32", true), 0);
  /* Defaults are not set values: only the required field is written. */
  static const uint8_t req0[] = {0x68, 0};
  expect_bytes(reg, m, req0, sizeof req0, "{\"req\":0}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* has_ presence: a set default-valued field is written. */
  m = decode_ok(reg, d, "{\"plain\":0,\"dInt32\":-42,\"req\":1}");
  assert_int_equal(*(protobuf_c_boolean *)member(m, "plain", true), 1);
  static const uint8_t pres[] = {0x08, 0xd6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0x01, 0x60, 0,    0x68, 1};
  expect_bytes(reg, m, pres, sizeof pres, "{\"dInt32\":-42,\"plain\":0,\"req\":1}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* A missing required field is named, in JSON and in binary, nested too. */
  assert_int_equal(evs_json_decode(reg, d, "{\"plain\":1}", 11, NULL, NULL, &m, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "required field \"req\" of message test.dyn.v1.Legacy is missing"));
  assert_string_equal(err.path, "req");
  assert_int_equal(evs_json_decode(reg, d, "{\"req\":1,\"child\":{}}", 20, NULL, NULL, &m, &err),
                   EVS_ERR_SYNTAX);
  assert_string_equal(err.path, "child.req");
  static const uint8_t no_req[] = {0x60, 0x01};
  assert_int_equal(evs_binary_unpack(d, no_req, sizeof no_req, NULL, NULL, &m, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "required field \"req\" of test.dyn.v1.Legacy is missing"));
  assert_string_equal(err.path, "req");
  evs_registry_free(reg);
}

static void test_extensions_and_unknown_fields_kept(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "dynamic/legacy.proto dynamic/opt3.proto", RT_IMPORTS);
  evs_error err;
  ProtobufCMessage *m = NULL;
  /* req = 1, ext_int (100) = 7, ext_str (101) = "hi": the extensions are unknown fields to protobuf-c. */
  static const uint8_t ext[] = {0x68, 0x01, 0xa0, 0x06, 0x07, 0xaa, 0x06, 0x02, 'h', 'i'};
  const ProtobufCMessageDescriptor *d = load_desc(reg, "test.dyn.v1.Legacy");
  assert_int_equal(evs_binary_unpack(d, ext, sizeof ext, NULL, NULL, &m, &err), EVS_OK);
  assert_int_equal(m->n_unknown_fields, 2);
  /* in JSON they are "[pkg.name]" members (ProtoJSON's form for extensions), and read back to the same bytes
   */
  static const char ext_json[] = "{\"req\":1,\"[test.dyn.v1.ext_int]\":7,\"[test.dyn.v1.ext_str]\":\"hi\"}";
  expect_bytes(reg, m, ext, sizeof ext, ext_json);
  protobuf_c_message_free_unpacked(m, NULL);
  m = decode_ok(reg, d, ext_json);
  expect_bytes(reg, m, ext, sizeof ext, ext_json);
  protobuf_c_message_free_unpacked(m, NULL);
  /* a string extension keeps U+0000 both ways (its value lives in unknown-field bytes) */
  static const uint8_t extn[] = {0x68, 0x01, 0xaa, 0x06, 0x03, 'h', 0, 'i'};
  static const char extn_json[] = "{\"req\":1,\"[test.dyn.v1.ext_str]\":\"h\\u0000i\"}";
  assert_int_equal(evs_binary_unpack(d, extn, sizeof extn, NULL, NULL, &m, &err), EVS_OK);
  expect_bytes(reg, m, extn, sizeof extn, extn_json);
  protobuf_c_message_free_unpacked(m, NULL);
  m = decode_ok(reg, d, extn_json);
  expect_bytes(reg, m, extn, sizeof extn, extn_json);
  protobuf_c_message_free_unpacked(m, NULL);
  /* an extension of another message, or an unknown one, is an unknown field */
  assert_int_equal(evs_json_decode(reg, d, "{\"[test.dyn.v1.nope]\":1}", 24, NULL, NULL, &m, &err),
                   EVS_ERR_NOT_FOUND);
  /* proto3: plain = 5, field 999 = 1 (unknown), in a nested message too. */
  static const uint8_t unk[] = {0x3a, 0x05, 0x08, 0x02, 0xb8, 0x3e, 0x01, 0x40, 0x05, 0xb8, 0x3e, 0x01};
  d = load_desc(reg, "test.dyn.v1.Opt3");
  assert_int_equal(evs_binary_unpack(d, unk, sizeof unk, NULL, NULL, &m, &err), EVS_OK);
  assert_int_equal(m->n_unknown_fields, 1);
  expect_bytes(reg, m, unk, sizeof unk, "{\"oInner\":{\"x\":2},\"plain\":5}");
  protobuf_c_message_free_unpacked(m, NULL);
  evs_registry_free(reg);
}

/* U+0000 in strings: valid protobuf and ProtoJSON, kept on run-time types in every kind of string field,
 * through JSON and binary both ways and through validation (compiled types refuse it: test_json_*). */
static void test_strings_keep_nul(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "dynamic/nul.proto", RT_IMPORTS);
  const ProtobufCMessageDescriptor *d = load_desc(reg, "test.dyn.v1.Nul");
  static const char json[] =
      "{\"s\":\"a\\u0000b\",\"rs\":[\"\\u0000\",\"x\"],\"m\":{\"k\\u0000\":\"v\\u0000\"},"
      "\"os\":\"\\u0000\",\"cs\":\"z\\u0000\"}";
  static const uint8_t bin[] = {0x0a, 3,   'a', 0,    'b', 0x12, 1, 0,    0x12, 1, 'x',  0x1a, 8,   0x0a,
                                2,    'k', 0,   0x12, 2,   'v',  0, 0x22, 1,    0, 0x2a, 2,    'z', 0};
  ProtobufCMessage *m = decode_ok(reg, d, json);
  const ProtobufCBinaryData *s = member(m, "s", false);
  assert_int_equal(s->len, 3);
  assert_memory_equal(s->data, "a\0b", 3);
  expect_json(reg, m, json);
  expect_bytes(reg, m, bin, sizeof bin, json); /* binary -> message -> binary and JSON */
  protobuf_c_message_free_unpacked(m, NULL);
  /* invalid UTF-8 is still refused in binary input, and a NUL byte is not taken for the end */
  evs_error err;
  static const uint8_t bad[] = {0x0a, 3, 'a', 0, 0xff};
  assert_int_equal(evs_binary_unpack(d, bad, sizeof bad, NULL, NULL, &m, &err), EVS_ERR_TYPE);
  assert_non_null(strstr(err.msg, "not valid UTF-8"));
  assert_int_equal(err.offset, 4);
  /* validation counts characters and compares affixes over the whole text */
  evs_validator *v = NULL;
  assert_int_equal(evs_validator_new(reg, NULL, &v, &err), EVS_OK);
  m = decode_ok(reg, d, "{\"limited\":\"a\\u0000b\",\"keyed\":{\"\\u0000\\u0000\":1}}");
  evs_violations vs;
  evs_violations_init(&vs);
  assert_int_equal(evs_validate_message(v, m, 0, &vs, &err), EVS_OK);
  protobuf_c_message_free_unpacked(m, NULL);
  m = decode_ok(reg, d, "{\"limited\":\"a\\u0000bc\",\"keyed\":{\"\\u0000\\u0000\\u0000\":1}}");
  assert_int_equal(evs_validate_message(v, m, 0, &vs, &err), EVS_ERR_VALIDATION);
  assert_int_equal(vs.n, 3);
  assert_string_equal(vs.v[0].rule_id, "string.max_len");
  assert_string_equal(vs.v[0].value, "\"a\\u0000bc\"");
  assert_string_equal(vs.v[1].rule_id, "string.suffix");
  assert_string_equal(vs.v[2].rule_id, "string.max_len");
  assert_true(vs.v[2].for_key);
  assert_string_equal(vs.v[2].path, "keyed[\"\\u0000\\u0000\\u0000\"]");
  evs_violations_free(&vs);
  protobuf_c_message_free_unpacked(m, NULL);
  evs_validator_free(v);
  evs_registry_free(reg);
}

/* Groups, which protobuf-c 1.4.1 refuses even as unknown fields: kept as bytes through a binary round trip
 * (declared or not, nested in sub-messages and in each other); a declared one is a message field in JSON. */
static void test_groups_kept_as_bytes(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "dynamic/legacy.proto", RT_IMPORTS);
  const ProtobufCMessageDescriptor *d = load_desc(reg, "test.dyn.v1.WithGroup");
  evs_error err;
  ProtobufCMessage *m = NULL;
  /* a = 1, declared group G (2) { b = 5 } */
  static const uint8_t grp[] = {0x08, 0x01, 0x13, 0x18, 0x05, 0x14};
  assert_int_equal(evs_binary_unpack(d, grp, sizeof grp, NULL, NULL, &m, &err), EVS_OK);
  assert_int_equal(m->n_unknown_fields, 1);
  assert_int_equal(m->unknown_fields[0].tag, 2);
  /* in JSON a declared group is a message field named like the group in lower case (ProtoJSON) */
  expect_bytes(reg, m, grp, sizeof grp, "{\"a\":1,\"g\":{\"b\":5}}");
  protobuf_c_message_free_unpacked(m, NULL);
  m = decode_ok(reg, d, "{\"a\":1,\"g\":{\"b\":5}}");
  expect_bytes(reg, m, grp, sizeof grp, "{\"a\":1,\"g\":{\"b\":5}}");
  protobuf_c_message_free_unpacked(m, NULL);
  m = decode_ok(reg, d, "{\"a\":1,\"g\":null}");
  static const uint8_t a1[] = {0x08, 0x01};
  expect_bytes(reg, m, a1, sizeof a1, "{\"a\":1}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* a repeated group: one element per occurrence, each string keeping U+0000 */
  static const char rj[] = "{\"a\":1,\"r\":[{\"s\":\"x\"},{\"s\":\"y\\u0000\"}]}";
  static const uint8_t rb[] = {0x08, 0x01, 0x23, 0x2a, 0x01, 'x', 0x24, 0x23, 0x2a, 0x02, 'y', 0, 0x24};
  m = decode_ok(reg, d, rj);
  expect_bytes(reg, m, rb, sizeof rb, rj);
  protobuf_c_message_free_unpacked(m, NULL);
  m = decode_ok(reg, d, "{\"r\":[]}");
  expect_bytes(reg, m, NULL, 0, "{}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* group bytes under the number of a field of another type are an unknown field: kept, not printed */
  static const uint8_t wrong[] = {0x08, 0x01, 0x0b, 0x0c};
  assert_int_equal(evs_binary_unpack(d, wrong, sizeof wrong, NULL, NULL, &m, &err), EVS_OK);
  expect_bytes(reg, m, wrong, sizeof wrong, "{\"a\":1}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* two occurrences of a singular group merge, as concatenated encodings do */
  static const uint8_t two[] = {0x13, 0x18, 0x05, 0x14, 0x13, 0x18, 0x06, 0x14};
  assert_int_equal(evs_binary_unpack(d, two, sizeof two, NULL, NULL, &m, &err), EVS_OK);
  expect_json(reg, m, "{\"g\":{\"b\":6}}");
  protobuf_c_message_free_unpacked(m, NULL);
  assert_int_equal(evs_json_decode(reg, d, "{\"g\":{\"b\":\"x\"}}", 15, NULL, NULL, &m, &err), EVS_ERR_TYPE);
  assert_string_equal(err.path, "g.b");
  /* an undeclared group holding a nested group and a string, in the repeated sub-message of Legacy; a
   * scalar after it. Unknown fields are written after the known ones, so that is where the group goes. */
  d = load_desc(reg, "test.dyn.v1.Legacy");
  static const uint8_t in[] = {0x68, 0x01,                                                /* req = 1 */
                               0x72, 0x0d, 0x68, 0x02, 0xfb, 0x01, 0x0b, 0x0a, 0x01, 'x', /* child {req 2, */
                               0x0c, 0x18, 0x07, 0xfc, 0x01, /* g31 {g1{"x"} 3:7} */
                               0x78, 0x09};                  /* r = 9 */
  assert_int_equal(evs_binary_unpack(d, in, sizeof in, NULL, NULL, &m, &err), EVS_OK);
  expect_bytes(reg, m, in, sizeof in, "{\"req\":1,\"child\":{\"req\":2},\"r\":[9]}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* a group follows its message through merging: kept when a oneof member's occurrences merge, gone with
   * a member that another member replaced (c_inner {group 5}, [c_int64 = 1,] c_inner {x = 2}) */
  evs_registry_free(reg);
  reg = rt_registry();
  rt_load_ok(reg, "dynamic/legacy.proto dynamic/opt3.proto", RT_IMPORTS);
  d = load_desc(reg, "test.dyn.v1.Opt3");
  static const uint8_t merged[] = {0x5a, 0x02, 0x2b, 0x2c, 0x5a, 0x02, 0x08, 0x02};
  static const uint8_t merged_out[] = {0x5a, 0x04, 0x08, 0x02, 0x2b, 0x2c};
  assert_int_equal(evs_binary_unpack(d, merged, sizeof merged, NULL, NULL, &m, &err), EVS_OK);
  expect_bytes(reg, m, merged_out, sizeof merged_out, NULL);
  protobuf_c_message_free_unpacked(m, NULL);
  static const uint8_t replaced[] = {0x5a, 0x02, 0x2b, 0x2c, 0x50, 0x01, 0x5a, 0x02, 0x08, 0x02};
  static const uint8_t replaced_out[] = {0x5a, 0x02, 0x08, 0x02};
  assert_int_equal(evs_binary_unpack(d, replaced, sizeof replaced, NULL, NULL, &m, &err), EVS_OK);
  expect_bytes(reg, m, replaced_out, sizeof replaced_out, "{\"cInner\":{\"x\":2}}");
  protobuf_c_message_free_unpacked(m, NULL);
  /* malformed groups are still refused, where they go wrong */
  static const uint8_t no_end[] = {0x08, 0x01, 0x13, 0x18, 0x05};
  assert_int_equal(
      evs_binary_unpack(load_desc(reg, "test.dyn.v1.WithGroup"), no_end, sizeof no_end, NULL, NULL, &m, &err),
      EVS_ERR_TRUNCATED);
  assert_non_null(strstr(err.msg, "end-group tag"));
  static const uint8_t mismatch[] = {0x13, 0x18, 0x05, 0x1c};
  assert_int_equal(evs_binary_unpack(load_desc(reg, "test.dyn.v1.WithGroup"), mismatch, sizeof mismatch, NULL,
                                     NULL, &m, &err),
                   EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "does not match its start-group tag"));
  assert_int_equal(err.offset, 3);
  static const uint8_t stray[] = {0x08, 0x01, 0x14};
  assert_int_equal(
      evs_binary_unpack(load_desc(reg, "test.dyn.v1.WithGroup"), stray, sizeof stray, NULL, NULL, &m, &err),
      EVS_ERR_SYNTAX);
  assert_int_equal(err.offset, 2);
  evs_registry_free(reg);
}

/* Every allocation of a load that builds descriptors fails in turn, the builder's pool pieces included: the
 * load fails with EVS_ERR_NOMEM and leaves the registry as it was (ASan's leak check covers "nothing
 * leaked"). */
static void test_build_allocation_failures(void **state) {
  (void)state;
  evs_registry *reg = rt_registry();
  rt_load_ok(reg, "dynamic/opt3.proto", RT_IMPORTS);
  size_t n_before, e_before;
  evs_registry_messages(reg, &n_before);
  evs_registry_enums(reg, &e_before);
  size_t len;
  uint8_t *set = rt_protoc("dynamic/legacy.proto", RT_IMPORTS, &len);
  size_t fail_at = 1, in_builder = 0;
  for (;; fail_at++) {
    evs_error err;
    evs_alloc_failer f;
    evs_alloc_failer_install(&f, fail_at);
    evs_status st = evs_registry_add_descriptor_set(reg, set, len, "legacy", &err);
    evs_alloc_set_hook(NULL);
    if (!atomic_load(&f.failed)) {
      assert_int_equal(st, EVS_OK);
      break;
    }
    assert_int_equal(st, EVS_ERR_NOMEM);
    if (strstr(err.msg, "out of memory building the protobuf-c descriptor")) in_builder++;
    size_t n, e;
    evs_registry_messages(reg, &n);
    evs_registry_enums(reg, &e);
    assert_int_equal(n, n_before);
    assert_int_equal(e, e_before);
    assert_null(evs_registry_find_message(reg, "test.dyn.v1.Legacy"));
    assert_null(evs_registry_find_file(reg, "dynamic/legacy.proto"));
  }
  assert_true(in_builder > 10); /* every builder allocation was failed once */
  load_desc(reg, "test.dyn.v1.Legacy");
  free(set);
  evs_registry_free(reg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layout_matches_protoc_c),
      cmocka_unit_test(test_strings_held_as_bytes),
      cmocka_unit_test(test_enums_match_protoc_c),
      cmocka_unit_test(test_identity_golden),
      cmocka_unit_test(test_identity_generated),
      cmocka_unit_test(test_proto3_optional),
      cmocka_unit_test(test_proto2_defaults_presence_required),
      cmocka_unit_test(test_extensions_and_unknown_fields_kept),
      cmocka_unit_test(test_strings_keep_nul),
      cmocka_unit_test(test_groups_kept_as_bytes),
      cmocka_unit_test(test_build_allocation_failures),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
