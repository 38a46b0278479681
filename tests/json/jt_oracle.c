#include "jt_oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/json.h"
#include "jt_tools.h"

#define MAX_SETS 8

static const char *g_oracle, *g_protoc;
static char g_sets_arg[2048]; /* for protoc: --descriptor_set_in=a:b */
static char g_set_paths[MAX_SETS][512];
static int g_n_sets;

void jt_oracle_init(const char *oracle_path, const char *protoc_path, const char *sets) {
  g_oracle = oracle_path && *oracle_path ? oracle_path : NULL;
  g_protoc = protoc_path && *protoc_path ? protoc_path : NULL;
  snprintf(g_sets_arg, sizeof g_sets_arg, "--descriptor_set_in=%s", sets);
  g_n_sets = 0;
  for (const char *p = sets; *p && g_n_sets < MAX_SETS;) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    snprintf(g_set_paths[g_n_sets++], sizeof g_set_paths[0], "%.*s", (int)len, p);
    p += len + (colon ? 1 : 0);
  }
}

bool jt_oracle_available(void) {
  return g_oracle != NULL && g_protoc != NULL;
}

/* argv: oracle, --descriptor-set X ..., --type T, mode, options..., NULL */
static bool oracle(const char *type, const char *mode, uint32_t flags, const char *extra1, const char *extra2,
                   const void *in, size_t in_len, evs_buf *out) {
  const char *argv[40];
  int n = 0;
  argv[n++] = g_oracle;
  for (int i = 0; i < g_n_sets; i++) {
    argv[n++] = "--descriptor-set";
    argv[n++] = g_set_paths[i];
  }
  if (type) {
    argv[n++] = "--type";
    argv[n++] = type;
  }
  argv[n++] = mode;
  if (flags & EVS_JSON_IGNORE_UNKNOWN) argv[n++] = "--ignore-unknown";
  if (flags & EVS_JSON_PROTO_NAMES) argv[n++] = "--proto-names";
  if (flags & EVS_JSON_EMIT_DEFAULTS) argv[n++] = "--emit-defaults";
  if (flags & EVS_JSON_ENUMS_AS_NUMBERS) argv[n++] = "--enums-as-numbers";
  if (extra1) argv[n++] = extra1;
  if (extra2) argv[n++] = extra2;
  argv[n] = NULL;
  evs_buf err = EVS_BUF_INIT;
  int rc = jt_run(argv, in, in_len, out, &err);
  if (rc != 0 && err.len) { /* the reason is on stderr; compare modes print theirs on stdout */
    evs_buf_reset(out);
    if (evs_buf_append(out, err.data, err.len) != EVS_OK) abort();
  }
  evs_buf_free(&err);
  if (rc > 1 || rc < 0) {
    fprintf(stderr, "json_oracle %s failed (status %d): %s\n", mode, rc, out->data ? (char *)out->data : "");
    abort(); /* a broken oracle must not look like a rejection */
  }
  return rc == 0;
}

bool jt_oracle_json2bin(const char *type, const char *json, size_t len, uint32_t flags, evs_buf *out) {
  return oracle(type, "json2bin", flags & EVS_JSON_IGNORE_UNKNOWN, NULL, NULL, json, len, out);
}

bool jt_oracle_json2text(const char *type, const char *json, size_t len, uint32_t flags, evs_buf *out) {
  return oracle(type, "json2text", flags & EVS_JSON_IGNORE_UNKNOWN, NULL, NULL, json, len, out);
}

bool jt_oracle_bin2json(const char *type, const uint8_t *bin, size_t len, uint32_t flags, evs_buf *out) {
  return oracle(type, "bin2json", flags & ~(uint32_t)EVS_JSON_IGNORE_UNKNOWN, NULL, NULL, bin, len, out);
}

bool jt_oracle_canon(const char *type, const uint8_t *bin, size_t len, evs_buf *out) {
  return oracle(type, "canon", 0, NULL, NULL, bin, len, out);
}

bool jt_oracle_jsoncmp(const char *type, const char *a, size_t alen, const char *b, size_t blen,
                       evs_buf *why) {
  /* One document per line for the comparer: pretty or multi-line input is folded (JSON allows a newline
   * only where a space may be). */
  char *fa = malloc(alen + 2), *fb = malloc(blen + 2);
  if (!fa || !fb) abort();
  for (size_t i = 0; i < alen; i++) fa[i] = a[i] == '\n' || a[i] == '\r' ? ' ' : a[i];
  for (size_t i = 0; i < blen; i++) fb[i] = b[i] == '\n' || b[i] == '\r' ? ' ' : b[i];
  fa[alen] = '\n';
  fb[blen] = '\n';
  const char *pa = jt_tmpfile(0, "cmp-a.jsonl", fa, alen + 1);
  const char *pb = jt_tmpfile(1, "cmp-b.jsonl", fb, blen + 1);
  free(fa);
  free(fb);
  return oracle(type, type ? "msgcmp" : "jsoncmp", 0, pa, pb, NULL, 0, why);
}

bool jt_protoc_encode(const char *type, const char *proto_file, const char *text, size_t len, evs_buf *out) {
  char encode[300];
  snprintf(encode, sizeof encode, "--encode=%s", type);
  const char *argv[] = {g_protoc, g_sets_arg, encode, proto_file, NULL};
  evs_buf err = EVS_BUF_INIT;
  int rc = jt_run(argv, text, len, out, &err);
  if (rc != 0) {
    evs_buf_reset(out);
    evs_buf_append_str(out, "protoc --encode failed: ");
    if (evs_buf_append(out, err.data ? err.data : (const uint8_t *)"", err.len) != EVS_OK) abort();
  }
  evs_buf_free(&err);
  return rc == 0;
}
