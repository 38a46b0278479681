/* JSON goldens: every tests/golden/json/<Message>/{y_,n_}<case>.json and every JSON example of
 * docs/catalog.md, one cmocka test each, checked against evs and against libprotobuf 3.21 + protoc as
 * independent oracles. tests/golden/json/README.md describes the files, the .expect sidecar and the
 * known_failures.txt ratchet.
 *
 * Defines from the build: EVS_GOLDEN_DIR, EVS_CATALOG_MD, EVS_JT_SETS (descriptor sets, colon-separated),
 * EVS_JSON_ORACLE (json_oracle path, "" when not built), EVS_PROTOC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evs/catalog.h"
#include "evs/json.h"
#include "evs/registry.h"
#include "jt_oracle.h"
#include "jt_tools.h"

extern const evs_catalog evs_test_alltypes_catalog;

typedef enum { CASE_Y, CASE_N, CASE_CATALOG } case_kind;

typedef struct golden_case {
  case_kind kind;
  char id[512];   /* "<Message>/<file>" or "catalog.md:<line>", as known_failures.txt names it */
  char type[256]; /* message full name */
  char *json;     /* the document */
  size_t json_len;
  char *expect;    /* .expect sidecar text ("" when none) */
  char *txtpb;     /* .txtpb sidecar (NULL when none) */
  char *canonical; /* expected output (.canonical sidecar, or the catalog's canonical block); NULL = none */
  uint32_t print;  /* print options for the output checks */
  char *known;     /* reason from known_failures.txt, NULL when not listed */
} golden_case;

static const evs_registry *g_reg;
static golden_case *g_cases;
static size_t g_n_cases;
static char *g_known_text;

/* ------------------------------------------------------------------ helpers */

typedef struct why_buf {
  char text[4096];
} why_buf;

static bool failf(why_buf *w, const char *fmt, ...) EVS_PRINTF(2, 3);
static bool failf(why_buf *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->text, sizeof w->text, fmt, ap);
  va_end(ap);
  return false;
}

static const char *err_text(const evs_error *err) {
  static char buf[1024];
  char tmp[900];
  evs_error_format(err, tmp, sizeof tmp);
  snprintf(buf, sizeof buf, "[%s] %s", evs_status_name(err->code), tmp);
  return buf;
}

static uint32_t parse_flags(const char *list) {
  uint32_t f = 0;
  if (!list) return 0;
  if (strstr(list, "ignore-unknown")) f |= EVS_JSON_IGNORE_UNKNOWN;
  if (strstr(list, "proto-names")) f |= EVS_JSON_PROTO_NAMES;
  if (strstr(list, "emit-defaults")) f |= EVS_JSON_EMIT_DEFAULTS;
  if (strstr(list, "enums-as-numbers")) f |= EVS_JSON_ENUMS_AS_NUMBERS;
  if (strstr(list, "pretty")) f |= EVS_JSON_PRETTY;
  return f;
}

static const evs_message *find_type(const char *type) {
  return evs_registry_find_message(g_reg, type);
}

/* Decodes json as type and packs it. */
static bool evs_to_binary(const char *type, const char *json, size_t len, uint32_t flags, evs_buf *bin,
                          evs_error *err) {
  const evs_message *m = find_type(type);
  evs_json_options opts = {.flags = flags};
  ProtobufCMessage *msg = NULL;
  evs_error_clear(err);
  if (evs_json_decode(g_reg, m->c_desc, json, len, &opts, NULL, &msg, err) != EVS_OK) return false;
  size_t size = protobuf_c_message_get_packed_size(msg);
  evs_buf_reset(bin);
  if (evs_buf_reserve(bin, size + 1) != EVS_OK) abort();
  bin->len = protobuf_c_message_pack(msg, bin->data);
  /* evs's own packer must write exactly protobuf-c's bytes, on every golden document. */
  evs_buf mine = EVS_BUF_INIT;
  bool same = evs_binary_pack(msg, &mine, err) == EVS_OK && mine.len == bin->len &&
              (mine.len == 0 || memcmp(mine.data, bin->data, mine.len) == 0);
  evs_buf_free(&mine);
  protobuf_c_message_free_unpacked(msg, NULL);
  if (!same) {
    snprintf(err->msg, sizeof err->msg, "evs_binary_pack differs from protobuf_c_message_pack");
    err->code = EVS_ERR_INTERNAL;
    return false;
  }
  return true;
}

/* Unpacks binary and prints it as JSON. */
static bool evs_to_json(const char *type, const uint8_t *bin, size_t len, uint32_t flags, evs_buf *json,
                        evs_error *err) {
  const evs_message *m = find_type(type);
  ProtobufCMessage *msg = protobuf_c_message_unpack(m->c_desc, NULL, len, bin);
  evs_error_clear(err);
  if (!msg) {
    snprintf(err->msg, sizeof err->msg, "protobuf-c cannot unpack evs's own output");
    err->code = EVS_ERR_INTERNAL;
    return false;
  }
  evs_json_options opts = {.flags = flags};
  evs_buf_reset(json);
  evs_status st = evs_json_encode(g_reg, msg, &opts, json, err);
  protobuf_c_message_free_unpacked(msg, NULL);
  return st == EVS_OK;
}

static bool same_bytes(const evs_buf *a, const evs_buf *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Binary equality up to map entry order: byte-equal, or equal after the oracle's deterministic
 * re-serialization of both. */
static bool same_message(const char *type, const evs_buf *a, const evs_buf *b) {
  if (same_bytes(a, b)) return true;
  if (!jt_oracle_available()) return false;
  evs_buf ca = EVS_BUF_INIT, cb = EVS_BUF_INIT;
  bool eq = jt_oracle_canon(type, a->data, a->len, &ca) && jt_oracle_canon(type, b->data, b->len, &cb) &&
            same_bytes(&ca, &cb);
  evs_buf_free(&ca);
  evs_buf_free(&cb);
  return eq;
}

static const char *sidecar(const golden_case *c, const char *key, char *buf, size_t n) {
  return jt_sidecar_get(c->expect, key, buf, n);
}

/* ------------------------------------------------------------------ n_ cases */

static bool check_reject(const golden_case *c, why_buf *w) {
  char v[512];
  uint32_t flags = parse_flags(sidecar(c, "options", v, sizeof v));
  const evs_message *m = find_type(c->type);
  evs_json_options opts = {.flags = flags};
  ProtobufCMessage *msg = (ProtobufCMessage *)(uintptr_t)1; /* must be reset to NULL */
  evs_error err;
  evs_error_clear(&err);
  evs_status st = evs_json_decode(g_reg, m->c_desc, c->json, c->json_len, &opts, NULL, &msg, &err);
  if (st == EVS_OK) {
    protobuf_c_message_free_unpacked(msg, NULL);
    return failf(w, "accepted, must be rejected");
  }
  if (msg != NULL) return failf(w, "*out not NULL after a failure");
  if (st != err.code)
    return failf(w, "returned %s but err.code is %s", evs_status_name(st), evs_status_name(err.code));
  const char *code = sidecar(c, "code", v, sizeof v);
  if (!code) return failf(w, "n_ case without 'code:' in its .expect (evs says %s)", err_text(&err));
  if (strcmp(code, evs_status_name(err.code)) != 0)
    return failf(w, "code %s, expected %s: %s", evs_status_name(err.code), code, err_text(&err));
  if (!err.msg[0]) return failf(w, "empty error message");
  if (err.line == 0 || err.col == 0 || err.offset == EVS_NO_OFFSET)
    return failf(w, "error without a location: %s", err_text(&err));
  if (sidecar(c, "at", v, sizeof v)) {
    unsigned line = 0, col = 0;
    if (sscanf(v, "%u:%u", &line, &col) != 2) return failf(w, "bad 'at: %s' (want line:col)", v);
    if (err.line != line || err.col != col)
      return failf(w, "at %u:%u, expected %u:%u: %s", err.line, err.col, line, col, err_text(&err));
  }
  if (sidecar(c, "msg", v, sizeof v) && !strstr(err.msg, v))
    return failf(w, "message lacks \"%s\": %s", v, err_text(&err));
  if (sidecar(c, "path", v, sizeof v) && strcmp(err.path, v) != 0)
    return failf(w, "path \"%s\", expected \"%s\": %s", err.path, v, err_text(&err));
  if (jt_oracle_available()) {
    evs_buf out = EVS_BUF_INIT;
    bool cpp_accepts = jt_oracle_json2bin(c->type, c->json, c->json_len, flags, &out);
    evs_buf_free(&out);
    bool declared = sidecar(c, "oracle", v, sizeof v) && !strncmp(v, "accepts", 7);
    if (cpp_accepts != declared)
      return failf(w, "libprotobuf 3.21 %s this case, but .expect %s (update 'oracle:')",
                   cpp_accepts ? "accepts" : "rejects",
                   declared ? "says it accepts" : "does not declare that");
  }
  return true;
}

/* ------------------------------------------------------------------ y_ and catalog cases */

/* Every print option must give JSON that evs reads back to the same message. */
static bool check_round_trips(const golden_case *c, const evs_buf *bin, why_buf *w) {
  static const uint32_t k_print[] = {
      0,
      EVS_JSON_PROTO_NAMES,
      EVS_JSON_EMIT_DEFAULTS,
      EVS_JSON_ENUMS_AS_NUMBERS,
      EVS_JSON_PRETTY,
      EVS_JSON_PROTO_NAMES | EVS_JSON_EMIT_DEFAULTS | EVS_JSON_ENUMS_AS_NUMBERS};
  evs_buf json = EVS_BUF_INIT, bin2 = EVS_BUF_INIT;
  evs_error err;
  bool ok = true;
  for (size_t i = 0; ok && i < sizeof k_print / sizeof k_print[0]; i++) {
    if (!evs_to_json(c->type, bin->data, bin->len, k_print[i], &json, &err)) {
      ok = failf(w, "evs cannot print what it parsed (print flags %u): %s", k_print[i], err_text(&err));
    } else if (!evs_to_binary(c->type, (const char *)json.data, json.len, 0, &bin2, &err)) {
      ok = failf(w, "evs rejects its own output %s: %s", (char *)json.data, err_text(&err));
    } else if (!same_bytes(bin, &bin2)) {
      ok = failf(w, "round trip (print flags %u) changes the message: %s -> %s", k_print[i],
                 (char *)json.data, jt_hex(bin2.data, bin2.len));
    }
  }
  evs_buf_free(&json);
  evs_buf_free(&bin2);
  return ok;
}

static bool check_against_oracles(const golden_case *c, uint32_t parse_flags_, const evs_buf *bin,
                                  const char *evs_json, size_t evs_json_len, why_buf *w) {
  char v[512];
  const char *decl = sidecar(c, "oracle", v, sizeof v);
  bool rejects = decl && !strncmp(decl, "rejects", 7), differs = decl && !strncmp(decl, "differs", 7);
  char v2[512];
  bool json_differs = sidecar(c, "oracle-json", v2, sizeof v2) != NULL;
  evs_buf cpp = EVS_BUF_INIT, tmp = EVS_BUF_INIT, text = EVS_BUF_INIT;
  bool ok = true;
  bool accepted = jt_oracle_json2bin(c->type, c->json, c->json_len, parse_flags_, &cpp);
  if (accepted == rejects) {
    ok = failf(w, "libprotobuf 3.21 %s the input, but .expect %s (update 'oracle:')",
               accepted ? "accepts" : "rejects", rejects ? "declares a rejection" : "declares nothing");
  } else if (accepted && !differs && !same_message(c->type, bin, &cpp)) {
    ok = failf(w, "binary differs from libprotobuf's: evs %s", jt_hex(bin->data, bin->len));
    size_t at = strlen(w->text);
    snprintf(w->text + at, sizeof w->text - at, ", C++ %s", jt_hex(cpp.data, cpp.len));
  } else if (accepted && !differs) {
    /* protoc --encode of the same content, via the oracle's text format. */
    if (!jt_oracle_json2text(c->type, c->json, c->json_len, parse_flags_, &text)) {
      ok = failf(w, "oracle json2text failed: %s", (char *)text.data);
    } else {
      const evs_message *m = find_type(c->type);
      if (!jt_protoc_encode(c->type, m->file->name, (const char *)text.data, text.len, &tmp))
        ok = failf(w, "%s", (char *)tmp.data);
      else if (!same_message(c->type, bin, &tmp))
        ok = failf(w, "binary differs from protoc --encode: evs %s", jt_hex(bin->data, bin->len));
    }
  }
  /* The oracle prints the message; both printers must agree as JSON, and C++ must read evs's JSON back to
   * the same message. */
  if (ok && !rejects && !json_differs) {
    if (!jt_oracle_bin2json(c->type, bin->data, bin->len, c->print, &cpp)) {
      ok = failf(w, "libprotobuf cannot print evs's binary: %s", (char *)cpp.data);
    } else if (!jt_oracle_jsoncmp(NULL, evs_json, evs_json_len, (const char *)cpp.data, cpp.len, &tmp)) {
      ok = failf(w, "evs JSON %.*s differs from libprotobuf's %.*s: %s", (int)evs_json_len, evs_json,
                 (int)cpp.len, (char *)cpp.data, (char *)tmp.data);
    }
  }
  char v3[512];
  bool reread_differs = sidecar(c, "oracle-reread", v3, sizeof v3) != NULL;
  if (ok && !rejects && !differs && !reread_differs) {
    if (!jt_oracle_json2bin(c->type, evs_json, evs_json_len, 0, &cpp))
      ok = failf(w, "libprotobuf rejects evs's output %.*s: %s", (int)evs_json_len, evs_json,
                 (char *)cpp.data);
    else if (!same_message(c->type, bin, &cpp))
      ok = failf(w, "libprotobuf reads evs's output %.*s as another message", (int)evs_json_len, evs_json);
  }
  evs_buf_free(&cpp);
  evs_buf_free(&tmp);
  evs_buf_free(&text);
  return ok;
}

static bool check_accept(const golden_case *c, why_buf *w) {
  char v[512];
  uint32_t flags = parse_flags(sidecar(c, "options", v, sizeof v));
  evs_buf bin = EVS_BUF_INIT, json = EVS_BUF_INIT, ref = EVS_BUF_INIT, why = EVS_BUF_INIT;
  evs_error err;
  bool ok = true;
  if (!evs_to_binary(c->type, c->json, c->json_len, flags, &bin, &err)) {
    ok = failf(w, "rejected: %s", err_text(&err));
  } else if (!evs_to_json(c->type, bin.data, bin.len, c->print, &json, &err)) {
    ok = failf(w, "cannot print: %s", err_text(&err));
  } else {
    ok = check_round_trips(c, &bin, w);
    if (ok && c->txtpb && jt_oracle_available()) {
      const evs_message *m = find_type(c->type);
      if (!jt_protoc_encode(c->type, m->file->name, c->txtpb, strlen(c->txtpb), &ref))
        ok = failf(w, ".txtpb: %s", (char *)ref.data);
      else if (!same_message(c->type, &bin, &ref))
        ok = failf(w, "binary %s differs from the .txtpb's %s", jt_hex(bin.data, bin.len),
                   jt_hex(ref.data, ref.len));
    }
    if (ok && jt_oracle_available())
      ok = check_against_oracles(c, flags, &bin, (char *)json.data, json.len, w);
    if (ok && c->canonical && jt_oracle_available()) {
      if (!jt_oracle_jsoncmp(NULL, (char *)json.data, json.len, c->canonical, strlen(c->canonical), &why))
        ok = failf(w, "output %s differs from the canonical form: %s", (char *)json.data, (char *)why.data);
    } else if (ok && c->kind == CASE_CATALOG && jt_oracle_available()) {
      /* An input with no canonical block: the output must be the same message. */
      if (!jt_oracle_jsoncmp(c->type, (char *)json.data, json.len, c->json, c->json_len, &why))
        ok = failf(w, "output %s is not the input's message: %s", (char *)json.data, (char *)why.data);
    }
  }
  evs_buf_free(&bin);
  evs_buf_free(&json);
  evs_buf_free(&ref);
  evs_buf_free(&why);
  return ok;
}

/* ------------------------------------------------------------------ the tests */

static void run_case(void **state) {
  golden_case *c = *state;
  why_buf w = {{0}};
  bool pass = c->kind == CASE_N ? check_reject(c, &w) : check_accept(c, &w);
  if (c->known) {
    if (pass) fail_msg("%s passes now: remove it from known_failures.txt", c->id);
    print_message("known failure (%s): %s\n", c->known, w.text);
    skip();
  }
  if (!pass) fail_msg("%s: %s", c->id, w.text);
}

/* Entries of known_failures.txt must name existing cases: a renamed case must not hide in the list. */
static void known_failures_are_cases(void **state) {
  (void)state;
  int stale = 0;
  for (const char *p = g_known_text; p && *p;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    size_t id_len = strcspn(p, " \t#\n");
    if (id_len > len) id_len = len;
    if (id_len && p[0] != '#') {
      bool found = false;
      for (size_t i = 0; i < g_n_cases && !found; i++)
        found = strlen(g_cases[i].id) == id_len && !strncmp(g_cases[i].id, p, id_len);
      if (!found) {
        print_error("known_failures.txt names no case: %.*s\n", (int)id_len, p);
        stale++;
      }
    }
    p = eol ? eol + 1 : NULL;
  }
  assert_int_equal(stale, 0);
}

/* ------------------------------------------------------------------ collecting cases */

static golden_case *new_case(case_kind kind) {
  static size_t cap;
  if (g_n_cases == cap) {
    cap = cap ? cap * 2 : 256;
    g_cases = realloc(g_cases, cap * sizeof *g_cases);
    if (!g_cases) abort();
  }
  golden_case *c = &g_cases[g_n_cases++];
  memset(c, 0, sizeof *c);
  c->kind = kind;
  return c;
}

static bool is_case_file(const char *name) {
  size_t n = strlen(name);
  return (!strncmp(name, "y_", 2) || !strncmp(name, "n_", 2)) && n > 5 && !strcmp(name + n - 5, ".json");
}

static bool is_dir_name(const char *name) {
  return strchr(name, '.') != NULL && !strstr(name, ".txt") && !strstr(name, ".md");
}

static char *read_sidecar(const char *dir, const char *file, const char *ext) {
  char path[2048];
  int n = snprintf(path, sizeof path, "%s/%.*s%s", dir, (int)(strlen(file) - 5), file, ext);
  if (n < 0 || (size_t)n >= sizeof path) abort();
  size_t len;
  return jt_read_file(path, &len);
}

static void collect_goldens(void) {
  size_t n_dirs = 0;
  char **dirs = jt_list_dir(EVS_GOLDEN_DIR, is_dir_name, &n_dirs);
  for (size_t d = 0; d < n_dirs; d++) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", EVS_GOLDEN_DIR, dirs[d]);
    if (!find_type(dirs[d]) || !find_type(dirs[d])->c_desc) {
      fprintf(stderr, "tests/golden/json/%s: not a compiled message type\n", dirs[d]);
      abort();
    }
    size_t n_files = 0;
    char **files = jt_list_dir(dir, is_case_file, &n_files);
    for (size_t f = 0; f < n_files; f++) {
      golden_case *c = new_case(files[f][0] == 'y' ? CASE_Y : CASE_N);
      snprintf(c->id, sizeof c->id, "%s/%s", dirs[d], files[f]);
      snprintf(c->type, sizeof c->type, "%s", dirs[d]);
      char path[1200];
      snprintf(path, sizeof path, "%s/%s", dir, files[f]);
      c->json = jt_read_file(path, &c->json_len);
      c->expect = read_sidecar(dir, files[f], ".expect");
      if (!c->expect) c->expect = strdup("");
      c->txtpb = read_sidecar(dir, files[f], ".txtpb");
      c->canonical = read_sidecar(dir, files[f], ".canonical");
      char v[256];
      c->print = parse_flags(jt_sidecar_get(c->expect, "print", v, sizeof v));
    }
    jt_free_names(files, n_files);
  }
  jt_free_names(dirs, n_dirs);
}

/* docs/catalog.md: `<!-- example: <message> input|canonical -->` then a ```json block. A canonical block
 * is the expected output of the input block before it (seeds 000-003 print proto names, 004 JSON names);
 * a canonical block with no input before it is its own input. */
static void collect_catalog(void) {
  size_t len;
  char *md = jt_read_file(EVS_CATALOG_MD, &len);
  if (!md) {
    fprintf(stderr, "cannot read %s\n", EVS_CATALOG_MD);
    abort();
  }
  golden_case *last_input = NULL;
  unsigned line_no = 1;
  for (char *p = md; *p;) {
    char *eol = strchr(p, '\n');
    char type[256], kind[32];
    if (sscanf(p, "<!-- example: %255s %31s -->", type, kind) == 2) {
      char *start = strstr(p, "```json\n"), *end = start ? strstr(start + 8, "\n```") : NULL;
      if (!start || !end) abort();
      start += 8;
      size_t n = (size_t)(end - start) + 1;
      char *block = strndup(start, n);
      bool canonical = !strcmp(kind, "canonical");
      if (canonical && last_input && !strcmp(last_input->type, type)) {
        last_input->canonical = block;
      } else {
        golden_case *c = new_case(CASE_CATALOG);
        snprintf(c->id, sizeof c->id, "catalog.md:%u", line_no);
        snprintf(c->type, sizeof c->type, "%s", type);
        c->json = block;
        c->json_len = n;
        c->expect = strdup("");
        c->canonical = canonical ? strdup(block) : NULL;
        c->print = strncmp(type, "evs.events.dcb.", 15) ? EVS_JSON_PROTO_NAMES : 0;
        if (!find_type(type) || !find_type(type)->c_desc) {
          fprintf(stderr, "%s: unknown message %s\n", c->id, type);
          abort();
        }
        last_input = canonical ? NULL : c;
      }
    }
    if (!eol) break;
    p = eol + 1;
    line_no++;
  }
  free(md);
}

static void apply_known_failures(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/known_failures.txt", EVS_GOLDEN_DIR);
  size_t len;
  g_known_text = jt_read_file(path, &len);
  if (!g_known_text) g_known_text = strdup("");
  for (const char *p = g_known_text; *p;) {
    const char *eol = strchr(p, '\n');
    size_t len_line = eol ? (size_t)(eol - p) : strlen(p);
    size_t id_len = strcspn(p, " \t#\n");
    if (id_len && p[0] != '#') {
      const char *hash = memchr(p, '#', len_line);
      for (size_t i = 0; i < g_n_cases; i++) {
        if (strlen(g_cases[i].id) == id_len && !strncmp(g_cases[i].id, p, id_len))
          g_cases[i].known =
              hash ? strndup(hash + 1, len_line - (size_t)(hash + 1 - p)) : strdup("no reason");
      }
    }
    if (!eol) break;
    p = eol + 1;
  }
}

int main(void) {
  static evs_registry *reg;
  evs_error err;
  evs_error_clear(&err);
  if (evs_registry_new(&reg, &err) != EVS_OK ||
      evs_registry_add_catalog(reg, &evs_builtin_catalog, &err) != EVS_OK ||
      evs_registry_add_catalog(reg, &evs_test_alltypes_catalog, &err) != EVS_OK) {
    fprintf(stderr, "registry: %s\n", err_text(&err));
    return 1;
  }
  g_reg = reg;
  jt_oracle_init(EVS_JSON_ORACLE, EVS_PROTOC, EVS_JT_SETS);
  if (!jt_oracle_available()) fprintf(stderr, "json_oracle not built: oracle comparisons are skipped\n");
  collect_goldens();
  collect_catalog();
  apply_known_failures();
  struct CMUnitTest *tests = calloc(g_n_cases + 1, sizeof *tests);
  if (!tests) abort();
  for (size_t i = 0; i < g_n_cases; i++) {
    tests[i].name = g_cases[i].id;
    tests[i].test_func = run_case;
    tests[i].initial_state = &g_cases[i];
  }
  tests[g_n_cases].name = "known_failures_are_cases";
  tests[g_n_cases].test_func = known_failures_are_cases;
  int rc = _cmocka_run_group_tests("json_golden", tests, g_n_cases + 1, NULL, NULL);
  for (size_t i = 0; i < g_n_cases; i++) {
    free(g_cases[i].json);
    free(g_cases[i].expect);
    free(g_cases[i].txtpb);
    free(g_cases[i].canonical);
    free(g_cases[i].known);
  }
  free(g_cases);
  free(tests);
  free(g_known_text);
  evs_registry_free(reg);
  jt_cleanup();
  return rc;
}
