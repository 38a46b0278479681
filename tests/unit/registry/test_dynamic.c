/* Dynamic protobuf-c descriptors (src/registry/dynamic.c): the whole catalog through the compiled and the
 * dynamic path gives the same bytes and the same JSON; proto3 optional, proto2 presence, defaults,
 * required fields, extensions and unknown fields; allocation failure while building. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/json.h"
#include "registry/registry_internal.h"
#include "regtest.h"

extern const evs_catalog evs_test_alltypes_catalog;

static evs_registry *g_compiled, *g_dynamic;

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
  assert_int_equal(evs_registry_add_descriptor_set(g_dynamic, evs_test_alltypes_catalog.descriptor_set,
                                                   evs_test_alltypes_catalog.descriptor_set_len, "alltypes",
                                                   &err),
                   EVS_OK);
  return 0;
}

static int teardown_all(void **state) {
  (void)state;
  evs_registry_free(g_compiled);
  evs_registry_free(g_dynamic);
  return 0;
}

static const ProtobufCMessageDescriptor *dyn_desc(const char *type) {
  const evs_message *m = evs_registry_find_message(g_dynamic, type);
  assert_non_null(m);
  assert_true(m->c_desc_dynamic);
  assert_ptr_equal(evs_registry_message_for(g_dynamic, m->c_desc), m);
  return m->c_desc;
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

static const uint32_t k_flags[] = {0, EVS_JSON_EMIT_DEFAULTS | EVS_JSON_PROTO_NAMES, EVS_JSON_ENUMS_AS_NUMBERS};

/* One message through both paths: binary -> JSON (every flag set) -> binary, each side with its own
 * registry, compared byte for byte and character for character. */
static void same_both_ways(const char *type, const ProtobufCMessage *cm, const ProtobufCMessage *dm,
                           const char *what) {
  size_t cl, dl;
  uint8_t *cb = pack(cm, &cl), *db = pack(dm, &dl);
  if (cl != dl || memcmp(cb, db, cl) != 0) fail_msg("%s %s: packed bytes differ (%zu vs %zu)", type, what, cl, dl);
  for (size_t k = 0; k < sizeof k_flags / sizeof k_flags[0]; k++) {
    evs_error ce, de;
    char *cj = to_json(g_compiled, cm, k_flags[k], &ce), *dj = to_json(g_dynamic, dm, k_flags[k], &de);
    if (!cj || !dj) {
      if (cj || dj || ce.code != de.code || strcmp(ce.msg, de.msg) != 0)
        fail_msg("%s %s: encode: compiled %s, dynamic %s", type, what, cj ? "ok" : ce.msg, dj ? "ok" : de.msg);
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
  size_t n_yes = 0, n_no = 0;
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
  print_message("golden: %zu accepted and %zu rejected documents identical on both paths\n", n_yes, n_no);
  assert_true(n_yes > 100);
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
    snprintf(cmd, sizeof cmd, "'%s' --type %s --count %d --seed %zu 2>/dev/null", EVS_GEN_CORPUS, m->full_name,
             alltypes ? 2000 : 40, i + 1);
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

/* The dynamic layout of a compiled type matches protoc-c's: same size and offsets, so that messages of
 * either kind could be read through the other descriptor. */
static void test_layout_matches_protoc_c(void **state) {
  (void)state;
  size_t n_types;
  const evs_message *const *all = evs_registry_messages(g_compiled, &n_types);
  size_t checked = 0;
  for (size_t i = 0; i < n_types; i++) {
    const ProtobufCMessageDescriptor *c = all[i]->c_desc;
    if (all[i]->c_desc_dynamic) continue;
    const ProtobufCMessageDescriptor *d = dyn_desc(all[i]->full_name);
    if (c->sizeof_message != d->sizeof_message)
      fail_msg("%s: sizeof %zu vs %zu", c->name, c->sizeof_message, d->sizeof_message);
    assert_int_equal(c->n_fields, d->n_fields);
    assert_int_equal(c->n_field_ranges, d->n_field_ranges);
    for (unsigned f = 0; f < c->n_fields; f++) {
      const ProtobufCFieldDescriptor *a = &c->fields[f], *b = &d->fields[f];
      if (a->offset != b->offset || a->quantifier_offset != b->quantifier_offset || a->label != b->label ||
          a->type != b->type || a->flags != b->flags || c->fields_sorted_by_name[f] != d->fields_sorted_by_name[f])
        fail_msg("%s.%s: offset %u/%u quantifier %u/%u label %d/%d flags %u/%u", c->name, a->name, a->offset,
                 b->offset, a->quantifier_offset, b->quantifier_offset, (int)a->label, (int)b->label, a->flags,
                 b->flags);
    }
    checked++;
  }
  assert_true(checked > 20);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layout_matches_protoc_c),
      cmocka_unit_test(test_enums_match_protoc_c),
      cmocka_unit_test(test_identity_golden),
      cmocka_unit_test(test_identity_generated),
  };
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
