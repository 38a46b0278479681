/* The compat API: rule table, pairing and levels, directions, version lists, accepted breaks, report
 * order and formats, errors. Schemas come from the tests/compat fixtures, compiled by protoc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat/compat_internal.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "evs/compat.h"

#ifndef EVS_COMPAT_FIXTURES
#error "define EVS_COMPAT_FIXTURES (tests/compat)"
#endif
#ifndef EVS_PROTOC
#error "define EVS_PROTOC"
#endif

static evs_registry *load(const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", EVS_COMPAT_FIXTURES, rel);
  evs_registry *reg = NULL;
  evs_error err;
  evs_status st = evs_compat_input_load(path, NULL, 0, &reg, &err);
  if (st) fprintf(stderr, "load %s: %s\n", path, err.msg);
  assert_int_equal(st, EVS_OK);
  assert_non_null(reg);
  return reg;
}

static evs_compat_report *check_case(const char *name, evs_compat_level level, evs_compat_mode mode) {
  char a[512], b[512];
  snprintf(a, sizeof a, "%s/previous", name);
  snprintf(b, sizeof b, "%s/current", name);
  evs_registry *prev = load(a), *cur = load(b);
  evs_compat_options o;
  memset(&o, 0, sizeof o);
  o.level = level;
  o.mode = mode;
  evs_compat_report *r = NULL;
  evs_error err;
  assert_int_equal(evs_compat_check(prev, cur, &o, &r, &err), EVS_OK);
  evs_registry_free(prev);
  evs_registry_free(cur);
  return r;
}

static char *text_of(const evs_compat_report *r, evs_compat_format f) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  assert_non_null(mem);
  evs_error err;
  assert_int_equal(evs_compat_report_write(r, f, mem, &err), EVS_OK);
  fclose(mem);
  return buf;
}

static int setup(void **state) {
  (void)state;
  return setenv("EVS_PROTOC", EVS_PROTOC, 1);
}

static void test_rule_table(void **state) {
  (void)state;
  size_t n = evs_compat_rule_count();
  assert_true(n >= 40);
  for (size_t i = 0; i < n; i++) {
    const evs_compat_rule_info *r = evs_compat_rule_at(i);
    assert_non_null(r);
    assert_true(r->categories != 0);
    assert_true(strlen(r->summary) > 10);
    if (i) assert_true(strcmp(evs_compat_rule_at(i - 1)->id, r->id) < 0);
    assert_ptr_equal(evs_compat_rule_find(r->id), r);
  }
  assert_null(evs_compat_rule_at(n));
  assert_null(evs_compat_rule_find("NO_SUCH_RULE"));
  assert_null(evs_compat_rule_find(NULL));
  /* buf's categories for a few anchors */
  assert_int_equal(evs_compat_rule_find("FIELD_WIRE_COMPATIBLE_TYPE")->categories, EVS_COMPAT_CAT_WIRE);
  assert_int_equal(evs_compat_rule_find("FIELD_WIRE_JSON_COMPATIBLE_TYPE")->categories,
                   EVS_COMPAT_CAT_WIRE_JSON);
  assert_int_equal(evs_compat_rule_find("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED")->categories,
                   EVS_COMPAT_CAT_WIRE | EVS_COMPAT_CAT_WIRE_JSON);
  assert_int_equal(evs_compat_rule_find("MESSAGE_NO_DELETE")->categories, EVS_COMPAT_CAT_FILE);
}

static void test_wire_type_findings(void **state) {
  (void)state;
  evs_compat_report *r = check_case("FIELD_WIRE_COMPATIBLE_TYPE", EVS_COMPAT_LEVEL_WIRE, EVS_COMPAT_BACKWARD);
  size_t n;
  const evs_compat_finding *f = evs_compat_report_findings(r, &n);
  assert_int_equal(n, 3);
  assert_int_equal(evs_compat_report_violations(r), 3);
  static const char *const elems[] = {"t.M.a", "t.M.b", "t.M.c"};
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(f[i].rule_id, "FIELD_WIRE_COMPATIBLE_TYPE");
    assert_string_equal(f[i].loc.file, "a.proto");
    assert_int_equal(f[i].loc.line, 6 + i);
    assert_int_equal(f[i].loc.col, 3);
    assert_string_equal(f[i].prev_loc.file, "a.proto");
    assert_int_equal(f[i].prev_loc.line, 6 + i);
    assert_string_equal(f[i].element, elems[i]);
    assert_false(f[i].allowed);
  }
  assert_string_equal(
      f[1].message,
      "field \"b\" (2) of message t.M changed type from bytes to string: binary readers cannot "
      "read the other encoding");
  char *text = text_of(r, EVS_COMPAT_FORMAT_TEXT);
  assert_non_null(strstr(text,
                         "a.proto:8:3: FIELD_WIRE_COMPATIBLE_TYPE: field \"c\" (3) of message t.M "
                         "changed type from int32 to sint32"));
  free(text);
  evs_compat_report_free(r);
}

static void test_levels_select_rules(void **state) {
  (void)state;
  /* int32 -> int64 etc. is wire-compatible: the wire level passes, wire-json does not. */
  evs_compat_report *r =
      check_case("FIELD_WIRE_COMPATIBLE_TYPE/ok", EVS_COMPAT_LEVEL_WIRE, EVS_COMPAT_BACKWARD);
  size_t n;
  evs_compat_report_findings(r, &n);
  assert_int_equal(n, 0);
  evs_compat_report_free(r);
  r = check_case("FIELD_WIRE_COMPATIBLE_TYPE/ok", EVS_COMPAT_LEVEL_WIRE_JSON, EVS_COMPAT_BACKWARD);
  const evs_compat_finding *f = evs_compat_report_findings(r, &n);
  assert_int_equal(n, 3); /* int32->int64, string->bytes, sint32->sint64; fixed32->sfixed32 is fine */
  for (size_t i = 0; i < n; i++) assert_string_equal(f[i].rule_id, "FIELD_WIRE_JSON_COMPATIBLE_TYPE");
  assert_int_equal(f[2].loc.line, 9);
  evs_compat_report_free(r);
}

static void test_directions(void **state) {
  (void)state;
  /* string -> bytes: new readers read old strings, old string readers may get non-UTF-8 bytes. */
  size_t n;
  evs_compat_report *r = check_case("cases/direction_backward", EVS_COMPAT_LEVEL_WIRE, EVS_COMPAT_BACKWARD);
  evs_compat_report_findings(r, &n);
  assert_int_equal(n, 0);
  evs_compat_report_free(r);
  r = check_case("cases/direction_backward", EVS_COMPAT_LEVEL_WIRE, EVS_COMPAT_FORWARD);
  evs_compat_report_findings(r, &n);
  assert_int_equal(n, 1);
  evs_compat_report_free(r);
  r = check_case("cases/direction_backward", EVS_COMPAT_LEVEL_WIRE, EVS_COMPAT_FULL_TRANSITIVE);
  evs_compat_report_findings(r, &n);
  assert_int_equal(n, 1);
  evs_compat_report_free(r);
}

static void test_transitive_dedupe(void **state) {
  (void)state;
  evs_registry *v1 = load("FIELD_WIRE_COMPATIBLE_TYPE/previous"),
               *v2 = load("FIELD_WIRE_COMPATIBLE_TYPE/previous");
  evs_registry *v3 = load("FIELD_WIRE_COMPATIBLE_TYPE/current");
  const evs_registry *vs[] = {v1, v2, v3};
  const char *labels[] = {"1.0", "1.1", "2.0"};
  evs_compat_options o;
  memset(&o, 0, sizeof o);
  o.level = EVS_COMPAT_LEVEL_WIRE;
  o.mode = EVS_COMPAT_BACKWARD_TRANSITIVE;
  evs_compat_report *r = NULL;
  evs_error err;
  assert_int_equal(evs_compat_check_versions(vs, labels, 3, &o, &r, &err), EVS_OK);
  size_t n;
  const evs_compat_finding *f = evs_compat_report_findings(r, &n);
  /* The same three breaks against 1.0 and 1.1: reported once each, against the oldest. */
  assert_int_equal(n, 3);
  for (size_t i = 0; i < n; i++) assert_string_equal(f[i].against, "1.0");
  evs_compat_report_free(r);
  o.mode = EVS_COMPAT_BACKWARD;
  assert_int_equal(evs_compat_check_versions(vs, labels, 3, &o, &r, &err), EVS_OK);
  f = evs_compat_report_findings(r, &n);
  assert_int_equal(n, 3);
  assert_string_equal(f[0].against, "1.1");
  evs_compat_report_free(r);
  evs_registry_free(v1);
  evs_registry_free(v2);
  evs_registry_free(v3);
}

static void test_allow_comments_and_config(void **state) {
  (void)state;
  evs_compat_report *r = check_case("cases/allow_comment", EVS_COMPAT_LEVEL_WIRE_JSON, EVS_COMPAT_BACKWARD);
  size_t n;
  const evs_compat_finding *f = evs_compat_report_findings(r, &n);
  assert_int_equal(n, 3);
  assert_string_equal(f[0].rule_id, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED");
  assert_false(f[0].allowed);
  assert_string_equal(f[1].rule_id, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");
  assert_true(f[1].allowed);
  assert_string_equal(f[1].allow_reason, "b was never written by any producer");
  assert_true(f[2].allowed);
  assert_string_equal(f[2].allow_reason, "JSON readers use strings already");
  assert_int_equal(evs_compat_report_violations(r), 1);
  evs_error err;
  assert_int_equal(evs_compat_report_allow(r, "NOT_A_RULE", "*", NULL, &err), EVS_ERR_SYNTAX);
  assert_int_equal(
      evs_compat_report_allow(r, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "other.proto", "x", &err), EVS_OK);
  assert_int_equal(evs_compat_report_violations(r), 1);
  assert_int_equal(
      evs_compat_report_allow(r, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "t.allow.M.*", "gone", &err),
      EVS_OK);
  assert_int_equal(evs_compat_report_violations(r), 0);
  f = evs_compat_report_findings(r, &n);
  assert_string_equal(f[0].allow_reason, "gone");
  char *text = text_of(r, EVS_COMPAT_FORMAT_TEXT);
  assert_non_null(strstr(text, "was deleted without reserving its name [allowed: gone]\n"));
  free(text);
  text = text_of(r, EVS_COMPAT_FORMAT_GITHUB);
  assert_non_null(
      strstr(text, "::notice file=allow.proto,line=6,col=1,title=FIELD_NO_DELETE_UNLESS_NAME_RESERVED::"));
  free(text);
  evs_compat_report_free(r);
}

static void test_message_pairs(void **state) {
  (void)state;
  evs_registry *reg = load("cases/message_pair_breaking/current");
  evs_compat_rename pair = {"t.v1.Created", "t.v2.Created"};
  evs_compat_options o;
  memset(&o, 0, sizeof o);
  o.messages = &pair;
  o.n_messages = 1;
  evs_compat_report *r = NULL;
  evs_error err;
  assert_int_equal(evs_compat_check(reg, reg, &o, &r, &err), EVS_OK);
  size_t n;
  const evs_compat_finding *f = evs_compat_report_findings(r, &n);
  assert_int_equal(n, 1);
  assert_string_equal(f[0].element, "t.v2.Created.id");
  assert_string_equal(f[0].loc.file, "v2.proto");
  assert_string_equal(f[0].prev_loc.file, "v1.proto");
  evs_compat_report_free(r);
  evs_compat_rename bad = {"t.v1.Nope", "t.v2.Created"};
  o.messages = &bad;
  assert_int_equal(evs_compat_check(reg, reg, &o, &r, &err), EVS_ERR_NOT_FOUND);
  assert_null(r);
  evs_registry_free(reg);
}

static void test_errors(void **state) {
  (void)state;
  evs_compat_report *r = (evs_compat_report *)1;
  evs_error err;
  assert_int_equal(evs_compat_check(NULL, NULL, NULL, &r, &err), EVS_ERR_INVALID_ARG);
  assert_null(r);
  evs_registry *reg = NULL;
  assert_int_equal(evs_registry_new(&reg, &err), EVS_OK);
  assert_int_equal(evs_compat_check(reg, reg, NULL, NULL, &err), EVS_ERR_INVALID_ARG);
  const evs_registry *one[] = {reg};
  assert_int_equal(evs_compat_check_versions(one, NULL, 1, NULL, &r, &err), EVS_ERR_INVALID_ARG);
  evs_compat_options o;
  memset(&o, 0, sizeof o);
  o.level = (evs_compat_level)9;
  assert_int_equal(evs_compat_check(reg, reg, &o, &r, &err), EVS_ERR_INVALID_ARG);
  /* Two empty schemas: nothing to report. */
  assert_int_equal(evs_compat_check(reg, reg, NULL, &r, &err), EVS_OK);
  size_t n = 9;
  evs_compat_report_findings(r, &n);
  assert_int_equal(n, 0);
  char *text = text_of(r, EVS_COMPAT_FORMAT_JUNIT);
  assert_non_null(strstr(text, "tests=\"1\" failures=\"0\""));
  free(text);
  evs_compat_report_free(r);
  evs_registry_free(reg);
  evs_registry *out = (evs_registry *)1;
  assert_int_equal(evs_compat_input_load("/nonexistent/schema", NULL, 0, &out, &err), EVS_ERR_IO);
  assert_null(out);
  assert_true(strlen(err.msg) > 0);
  evs_compat_report_free(NULL);
}

static bool blank(const char *t) {
  for (; t && *t; t++)
    if (*t != ' ' && *t != '\n' && *t != '\r' && *t != '\t') return false;
  return true;
}

/* The registry reads SourceCodeInfo straight from the wire (src/registry/srcinfo.c) and protobuf-c never
 * sees it; protobuf-c's own unpack of the same bytes is the oracle for every location the checker can ask
 * for: declarations (with a view or not), package and syntax. Name, number and type spans are dropped. */
static void test_source_info_from_wire(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/cases/multi_file_imports_wire/current", EVS_COMPAT_FIXTURES);
  uint8_t *raw = NULL;
  size_t nraw = 0;
  evs_error err;
  assert_int_equal(evs_compat_input_read(path, NULL, 0, &raw, &nraw, &err), EVS_OK);
  evs_registry *reg = NULL;
  assert_int_equal(evs_registry_new(&reg, &err), EVS_OK);
  assert_int_equal(evs_registry_add_descriptor_set(reg, raw, nraw, "raw", &err), EVS_OK);
  Google__Protobuf__FileDescriptorSet *set = google__protobuf__file_descriptor_set__unpack(NULL, nraw, raw);
  assert_non_null(set);
  size_t kept = 0, dropped = 0;
  for (size_t i = 0; i < set->n_file; i++) {
    const evs_file *f = evs_registry_find_file(reg, set->file[i]->name);
    assert_non_null(f);
    assert_null(f->proto->source_code_info);
    const Google__Protobuf__SourceCodeInfo *sci = set->file[i]->source_code_info;
    assert_non_null(sci);
    for (size_t k = 0; k < sci->n_location; k++) {
      const Google__Protobuf__SourceCodeInfo__Location *loc = sci->location[k];
      size_t n = loc->n_path;
      bool wanted = (n >= 2 && n % 2 == 0) || (n == 1 && (loc->path[0] == 2 || loc->path[0] == 12));
      evs_source_info src;
      if (!wanted) {
        assert_false(evs_file_location(f, loc->path, n, &src));
        dropped++;
        continue;
      }
      size_t first = 0; /* several locations may share a path: the first one counts */
      while (sci->location[first]->n_path != n ||
             memcmp(sci->location[first]->path, loc->path, n * sizeof *loc->path) != 0)
        first++;
      loc = sci->location[first];
      assert_true(evs_file_location(f, loc->path, n, &src));
      assert_string_equal(src.file, f->name);
      assert_int_equal(src.line, (uint32_t)loc->span[0] + 1);
      assert_int_equal(src.col, (uint32_t)loc->span[1] + 1);
      assert_int_equal(src.end_line, (uint32_t)(loc->n_span == 4 ? loc->span[2] : loc->span[0]) + 1);
      assert_int_equal(src.end_col, (uint32_t)(loc->n_span == 4 ? loc->span[3] : loc->span[2]) + 1);
      assert_int_equal(src.leading_comment != NULL, !blank(loc->leading_comments));
      assert_int_equal(src.trailing_comment != NULL, !blank(loc->trailing_comments));
      if (src.leading_comment) assert_non_null(strstr(loc->leading_comments, src.leading_comment));
      kept++;
    }
  }
  assert_true(kept > 10);
  assert_true(dropped > kept); /* most locations are names, types and numbers */
  const evs_message *order = evs_registry_find_message(reg, "t.orders.Order");
  assert_non_null(order);
  assert_true(order->src.line > 0 && order->fields[0].src.line > 0);
  google__protobuf__file_descriptor_set__free_unpacked(set, NULL);
  evs_registry_free(reg);
  free(raw);
}

/* Formats escape what their syntax needs; identical findings collapse; order is by location. */
static void test_report_formats(void **state) {
  (void)state;
  evs_compat_report *r = evs_report_new();
  assert_non_null(r);
  evs_source_info at = {.file = "dir/a,b:c.proto", .line = 3, .col = 5};
  evs_source_info early = {.file = "dir/a,b:c.proto", .line = 1, .col = 2};
  evs_source_info gone = {.file = "old.proto", .line = 1, .col = 1};
  const char *msg = "type \"x\" <a&b> 100%\nnext";
  assert_true(evs_report_add(r, "FIELD_SAME_NAME", "p.M.x", msg, &at, &at, "", true));
  assert_true(evs_report_add(r, "FIELD_SAME_NAME", "p.M.x", msg, &at, &at, "", true)); /* duplicate */
  assert_true(evs_report_add(r, "FIELD_SAME_JSON_NAME", "p.M", "second", &early, NULL, "", true));
  assert_true(
      evs_report_add(r, "FILE_NO_DELETE", "old.proto", "file old.proto was deleted", NULL, &gone, "", true));
  evs_report_finish(r);
  size_t n;
  const evs_compat_finding *f = evs_compat_report_findings(r, &n);
  assert_int_equal(n, 3);
  assert_string_equal(f[0].rule_id, "FIELD_SAME_JSON_NAME"); /* line 1 before line 3 */
  assert_null(f[0].prev_loc.file);
  assert_string_equal(f[2].rule_id, "FILE_NO_DELETE"); /* sorted by its old file */

  char *text = text_of(r, EVS_COMPAT_FORMAT_TEXT);
  assert_string_equal(text,
                      "dir/a,b:c.proto:1:2: FIELD_SAME_JSON_NAME: second\n"
                      "dir/a,b:c.proto:3:5: FIELD_SAME_NAME: type \"x\" <a&b> 100%\nnext\n"
                      "old.proto:1:1: FILE_NO_DELETE: file old.proto was deleted\n");
  free(text);
  text = text_of(r, EVS_COMPAT_FORMAT_JSON);
  assert_non_null(strstr(text, "\"message\": \"type \\\"x\\\" <a&b> 100%\\nnext\""));
  assert_non_null(strstr(text, "\"location\": null, \"previousLocation\": {\"file\": \"old.proto\""));
  assert_non_null(strstr(text, "\"previousLocation\": null"));
  free(text);
  text = text_of(r, EVS_COMPAT_FORMAT_GITHUB);
  assert_non_null(strstr(text,
                         "::error file=dir/a%2Cb%3Ac.proto,line=3,col=5,title=FIELD_SAME_NAME::type \"x\" "
                         "<a&b> 100%25%0Anext\n"));
  free(text);
  text = text_of(r, EVS_COMPAT_FORMAT_JUNIT);
  assert_non_null(strstr(text, "message=\"type &quot;x&quot; &lt;a&amp;b&gt; 100%"));
  assert_non_null(strstr(text, "tests=\"3\" failures=\"3\""));
  free(text);
  evs_error err;
  assert_int_equal(evs_compat_report_write(r, (evs_compat_format)42, stdout, &err), EVS_ERR_INVALID_ARG);
  evs_compat_report_free(r);
}

/* A proto2 set whose double field defaults to NaN spelled `spelling`, packed (built by hand: protoc writes
 * only "nan", but a descriptor set may hold any spelling the loader accepts). */
static uint8_t *nan_default_set(const char *spelling, size_t *len) {
  /* protobuf-c's structs take char *: the strings live in arrays of their own */
  char dflt[16], d[] = "d", m_name[] = "M", file[] = "n.proto", pkg[] = "t", syntax[] = "proto2";
  snprintf(dflt, sizeof dflt, "%s", spelling);
  Google__Protobuf__FieldDescriptorProto fd = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT;
  fd.name = d;
  fd.has_number = 1;
  fd.number = 1;
  fd.has_label = 1;
  fd.label = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL;
  fd.has_type = 1;
  fd.type = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__TYPE__TYPE_DOUBLE;
  fd.default_value = dflt;
  Google__Protobuf__FieldDescriptorProto *fields[] = {&fd};
  Google__Protobuf__DescriptorProto m = GOOGLE__PROTOBUF__DESCRIPTOR_PROTO__INIT;
  m.name = m_name;
  m.n_field = 1;
  m.field = fields;
  Google__Protobuf__DescriptorProto *msgs[] = {&m};
  Google__Protobuf__FileDescriptorProto f = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_PROTO__INIT;
  f.name = file;
  f.package = pkg;
  f.syntax = syntax;
  f.n_message_type = 1;
  f.message_type = msgs;
  Google__Protobuf__FileDescriptorProto *files[] = {&f};
  Google__Protobuf__FileDescriptorSet set = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_SET__INIT;
  set.n_file = 1;
  set.file = files;
  *len = google__protobuf__file_descriptor_set__get_packed_size(&set);
  uint8_t *buf = malloc(*len);
  google__protobuf__file_descriptor_set__pack(&set, buf);
  return buf;
}

/* A NaN default is unchanged against itself, whatever its spelling: NaN never equals itself as a number, so
 * "nAn" was reported as FIELD_SAME_DEFAULT changed "from nAn to nAn" (found by fuzz_compat_self). */
static void test_nan_default_equal_to_itself(void **state) {
  (void)state;
  static const char *const spellings[] = {"nan", "nAn", "NAN", "-nan"};
  for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
    size_t len;
    uint8_t *raw = nan_default_set(spellings[i], &len);
    evs_registry *a = NULL, *b = NULL;
    evs_error err;
    assert_int_equal(evs_registry_new(&a, &err), EVS_OK);
    assert_int_equal(evs_registry_new(&b, &err), EVS_OK);
    assert_int_equal(evs_registry_add_descriptor_set(a, raw, len, "a", &err), EVS_OK);
    assert_int_equal(evs_registry_add_descriptor_set(b, raw, len, "b", &err), EVS_OK);
    evs_compat_options o;
    memset(&o, 0, sizeof o);
    o.level = EVS_COMPAT_LEVEL_FILE;
    evs_compat_report *r = NULL;
    assert_int_equal(evs_compat_check(a, b, &o, &r, &err), EVS_OK);
    size_t total = 99;
    (void)evs_compat_report_findings(r, &total);
    if (total) fail_msg("default %s: %zu findings against itself", spellings[i], total);
    evs_compat_report_free(r);
    evs_registry_free(a);
    evs_registry_free(b);
    free(raw);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rule_table),
      cmocka_unit_test(test_wire_type_findings),
      cmocka_unit_test(test_levels_select_rules),
      cmocka_unit_test(test_directions),
      cmocka_unit_test(test_transitive_dedupe),
      cmocka_unit_test(test_allow_comments_and_config),
      cmocka_unit_test(test_message_pairs),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_source_info_from_wire),
      cmocka_unit_test(test_report_formats),
      cmocka_unit_test(test_nan_default_equal_to_itself),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
