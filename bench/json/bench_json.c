/* JSON codec benchmark, evs side (bench/json/run.sh runs it interleaved with bench_json_cpp.cc).
 *
 *   bench_json gen <dir> [n]          writes <dir>/workflow.jsonl and <dir>/task.jsonl, n events each
 *                                     (default 2000), deterministic
 *   bench_json run <type> <file> <rounds-of-the-corpus> [--arena] [--dynamic] [--set <descriptor set>]
 *                                     prints "<json2bin ns/msg> <bin2json ns/msg> <messages> <json bytes>"
 *   bench_json dump <type> <file> <out prefix> [--dynamic] [--set <descriptor set>]
 *                                     writes <prefix>.hex (the binary of each document, hex, one per line)
 *                                     and <prefix>.json (that binary back to JSON), for run.sh's agreement
 *                                     check
 *   bench_json validate <type> <file> <rounds> [--dynamic]
 *                                     prints "<decode ns/msg> <validate ns/msg> <validate/decode> <invalid>":
 *                                     passes of JSON decode (+ free) alternate with passes of decode +
 *                                     evs_validate_message; validate/decode = the median over pairs of
 *                                     neighbouring passes of (both - decode) / decode
 *
 * json2bin = evs_json_decode + evs_binary_pack (+ free); bin2json = protobuf_c_message_unpack +
 * evs_json_encode (+ free). The binary input of bin2json is what json2bin produced. --arena allocates the
 * decoded messages from an evs_arena reset per message instead of malloc. --dynamic loads the catalog's
 * descriptor set without its C code, so the registry's run-time descriptors are used (docs/json.md); --set
 * loads another descriptor set that way (the bench-only types of bench/json/proto). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "evs/arena.h"
#include "evs/catalog.h"
#include "evs/json.h"
#include "evs/registry.h"
#include "evs/validate.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
                &ts); /* CPU time: on a shared machine, wall time counts the waits */
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t g_rng = 42;
static uint64_t rnd(void) { /* splitmix64: the same corpus every time */
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void uuid(char out[37]) {
  uint64_t a = rnd(), b = rnd();
  snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
           (unsigned)a & 0xfff, (unsigned)(0x8000 | (b >> 48 & 0x3fff)),
           (unsigned long long)(b & 0xffffffffffffull));
}

/* A workflow event with a Struct payload of a dozen keys and a nested list: about 800 bytes. */
static void workflow_event(FILE *f, unsigned i) {
  static const char *const types[] = {"workflow.triggered", "workflow.completed", "workflow.failed"};
  static const char *const sources[] = {"airflow", "langgraph", "fastapi"};
  static const char *const envs[] = {"dev", "staging", "prod"};
  char id[37], run[37];
  uuid(id);
  uuid(run);
  fprintf(
      f,
      "{\"event_id\":\"%s\",\"event_type\":\"%s\",\"timestamp\":\"2025-01-27T10:%02u:%02u.%03uZ\","
      "\"source\":\"%s\",\"workflow_id\":\"etl_dag_%u\",\"workflow_run_id\":\"run_%s\",\"payload\":{\"data\":"
      "{"
      "\"status\":\"success\",\"tasks_completed\":%u,\"duration_seconds\":%.3f,\"retry_count\":%u,"
      "\"input\":{\"symbol\":\"AAPL\",\"timeframe\":\"1h\",\"limit\":%u},\"workflow_type\":\"analysis\","
      "\"owner\":\"team-data-%u\",\"priority\":%u,\"dry_run\":false,\"tags\":[\"nightly\",\"etl\",\"v%u\"],"
      "\"tasks\":[{\"id\":1,\"status\":\"completed\",\"ms\":%u},{\"id\":2,\"status\":\"completed\",\"ms\":%u}"
      ","
      "{\"id\":3,\"status\":\"running\",\"ms\":null}],\"error\":null}},"
      "\"metadata\":{\"environment\":\"%s\",\"version\":\"1.0\"}}\n",
      id, types[i % 3], (i / 60) % 60, i % 60, (unsigned)(rnd() % 1000), sources[i % 3], i % 97, run,
      (unsigned)(rnd() % 50), (double)(rnd() % 1000000) / 1000.0, (unsigned)(rnd() % 4),
      (unsigned)(rnd() % 500), i % 13, (unsigned)(rnd() % 5), i % 7, (unsigned)(rnd() % 100000),
      (unsigned)(rnd() % 100000), envs[i % 3]);
}

/* A flat task event with a 64-bit id above 2^53: about 400 bytes. */
static void task_event(FILE *f, unsigned i) {
  static const char *const prios[] = {"low", "medium", "high", "urgent"};
  char corr[37];
  uuid(corr);
  fprintf(f,
          "{\"event_type\":\"task.created\",\"task_id\":\"%llu\",\"user_id\":\"user-%u\",\"task_data\":{"
          "\"title\":\"Buy groceries %u\",\"description\":\"Milk, bread, eggs and a few other things\","
          "\"completed\":%s,\"priority\":\"%s\",\"due_date\":\"2026-01-15T14:00:00Z\","
          "\"tags\":[\"shopping\",\"personal\",\"weekly\"],\"recurring_pattern\":\"weekly\"},"
          "\"timestamp\":\"2026-01-14T10:30:%02u.%03uZ\",\"correlation_id\":\"%s\"}\n",
          9007199254740993ull + rnd() % 1000000000000ull, (unsigned)(rnd() % 100000), i,
          i % 2 ? "true" : "false", prios[i % 4], i % 60, (unsigned)(rnd() % 1000), corr);
}

static int gen(const char *dir, unsigned n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/workflow.jsonl", dir);
  FILE *w = fopen(path, "w");
  snprintf(path, sizeof path, "%s/task.jsonl", dir);
  FILE *t = fopen(path, "w");
  if (!w || !t) return 1;
  for (unsigned i = 0; i < n; i++) {
    workflow_event(w, i);
    task_event(t, i);
  }
  return (fclose(w) | fclose(t)) ? 1 : 0;
}

typedef struct corpus {
  char **json;
  size_t *json_len;
  uint8_t **bin;
  size_t *bin_len;
  size_t n, bytes;
} corpus;

static int load(const char *file, corpus *c) {
  FILE *f = fopen(file, "r");
  if (!f) return 1;
  size_t cap = 0;
  char *line = NULL;
  size_t lcap = 0;
  for (ssize_t got; (got = getline(&line, &lcap, f)) > 1;) {
    if (c->n == cap) {
      cap = cap ? cap * 2 : 1024;
      c->json = realloc(c->json, cap * sizeof *c->json);
      c->json_len = realloc(c->json_len, cap * sizeof *c->json_len);
      if (!c->json || !c->json_len) return 1;
    }
    c->json_len[c->n] = (size_t)got - 1;
    c->json[c->n] = strndup(line, (size_t)got - 1);
    c->bytes += (size_t)got - 1;
    c->n++;
  }
  free(line);
  fclose(f);
  c->bin = calloc(c->n, sizeof *c->bin);
  c->bin_len = calloc(c->n, sizeof *c->bin_len);
  return c->n == 0 || !c->bin || !c->bin_len;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Validation against decoding, as a producer does it: each document decoded and then validated while it is
 * in the cache. Passes alternate between decoding alone and decoding + validating; the cost of validation is
 * the difference of the medians. */
static int bench_validate(const evs_registry *reg, const evs_message *m, const corpus *c, int rounds) {
  evs_error err;
  evs_validator *v = NULL;
  if (evs_validator_new(reg, NULL, &v, &err) != EVS_OK) return 1;
  double *dec = calloc((size_t)rounds, sizeof *dec), *both = calloc((size_t)rounds, sizeof *both);
  if (!dec || !both) return 1;
  evs_violations vs;
  evs_violations_init(&vs);
  size_t invalid = 0;
  for (int r = 0; r < 2 * rounds; r++) {
    bool validate = r % 2 == 1;
    double t0 = now_ns();
    for (size_t i = 0; i < c->n; i++) {
      ProtobufCMessage *msg = NULL;
      if (evs_json_decode(reg, m->c_desc, c->json[i], c->json_len[i], NULL, NULL, &msg, &err) != EVS_OK)
        return 1;
      if (validate) {
        evs_violations_reset(&vs);
        evs_status st = evs_validate_message(v, msg, 0, &vs, &err);
        if (st != EVS_OK && st != EVS_ERR_VALIDATION) return 1;
        if (r == 1) invalid += st == EVS_ERR_VALIDATION;
      }
      protobuf_c_message_free_unpacked(msg, NULL);
    }
    double t = (now_ns() - t0) / (double)c->n;
    if (validate)
      both[r / 2] = t;
    else
      dec[r / 2] = t;
  }
  /* The ratio of each pair of neighbouring passes (they see the same machine), then the median: steadier
   * than the difference of two medians on a machine whose speed drifts. */
  double *ratio = calloc((size_t)rounds, sizeof *ratio);
  if (!ratio) return 1;
  for (int r = 0; r < rounds; r++) ratio[r] = (both[r] - dec[r]) / dec[r];
  qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_double);
  qsort(dec, (size_t)rounds, sizeof *dec, cmp_double);
  double d = dec[rounds / 2], q = ratio[rounds / 2];
  printf("%.0f %.1f %.4f %zu\n", d, q * d, q, invalid);
  free(ratio);
  evs_violations_free(&vs);
  evs_validator_free(v);
  free(dec);
  free(both);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "gen")) return gen(argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 2000);
  bool validate = argc >= 2 && !strcmp(argv[1], "validate");
  bool dump = argc >= 2 && !strcmp(argv[1], "dump");
  if (argc < 5 || (strcmp(argv[1], "run") != 0 && !validate && !dump)) {
    fprintf(stderr,
            "usage: bench_json gen <dir> [n] | bench_json run <type> <file.jsonl> <rounds> [--arena]\n");
    return 2;
  }
  int rounds = dump ? 0 : atoi(argv[4]);
  bool use_arena = false, dynamic = false;
  const char *set_file = NULL;
  for (int i = 5; i < argc; i++) {
    use_arena |= !strcmp(argv[i], "--arena");
    dynamic |= !strcmp(argv[i], "--dynamic");
    if (!strcmp(argv[i], "--set") && i + 1 < argc) set_file = argv[++i];
  }
  evs_error err;
  evs_registry *own = NULL;
  const uint8_t *set = evs_builtin_catalog.descriptor_set;
  size_t set_len = evs_builtin_catalog.descriptor_set_len;
  uint8_t *set_buf = NULL;
  if (set_file) {
    FILE *f = fopen(set_file, "rb");
    set_buf = malloc(1 << 24);
    if (!f || !set_buf) return 1;
    set_len = fread(set_buf, 1, 1 << 24, f);
    fclose(f);
    set = set_buf;
    dynamic = true;
  }
  if (dynamic &&
      (evs_registry_new(&own, &err) ||
       evs_registry_add_descriptor_set(own, set, set_len, set_file ? set_file : "catalog", &err))) {
    fprintf(stderr, "bench_json: %s\n", err.msg);
    return 1;
  }
  const evs_registry *reg = dynamic ? own : evs_registry_builtin(&err);
  const evs_message *m = reg ? evs_registry_find_message(reg, argv[2]) : NULL;
  corpus c = {0};
  if (!m || !m->c_desc || load(argv[3], &c)) {
    fprintf(stderr, "bench_json: cannot load %s / %s\n", argv[2], argv[3]);
    return 1;
  }
  if (validate) return bench_validate(reg, m, &c, rounds);
  evs_arena *arena = use_arena ? evs_arena_new(1 << 16) : NULL;
  ProtobufCAllocator arena_alloc;
  ProtobufCAllocator *alloc = NULL;
  if (arena) {
    arena_alloc = evs_arena_allocator(arena);
    alloc = &arena_alloc;
  }
  FILE *hex = NULL, *js = NULL;
  if (dump) {
    char path[4096];
    snprintf(path, sizeof path, "%s.hex", argv[4]);
    hex = fopen(path, "w");
    snprintf(path, sizeof path, "%s.json", argv[4]);
    js = fopen(path, "w");
    if (!hex || !js) return 1;
  }
  evs_buf out = EVS_BUF_INIT;
  evs_buf json = EVS_BUF_INIT;
  /* Warm-up pass that also produces the binary inputs. */
  for (size_t i = 0; i < c.n; i++) {
    ProtobufCMessage *msg = NULL;
    if (evs_json_decode(reg, m->c_desc, c.json[i], c.json_len[i], NULL, NULL, &msg, &err) != EVS_OK) {
      fprintf(stderr, "bench_json: line %zu: %s\n", i + 1, err.msg);
      return 1;
    }
    c.bin_len[i] = protobuf_c_message_get_packed_size(msg);
    c.bin[i] = malloc(c.bin_len[i] + 1);
    protobuf_c_message_pack(msg, c.bin[i]);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (dump) {
      for (size_t k = 0; k < c.bin_len[i]; k++) fprintf(hex, "%02x", c.bin[i][k]);
      fputc('\n', hex);
      msg = protobuf_c_message_unpack(m->c_desc, NULL, c.bin_len[i], c.bin[i]);
      evs_buf_reset(&json);
      if (!msg || evs_json_encode(reg, msg, NULL, &json, &err) != EVS_OK) return 1;
      fprintf(js, "%s\n", (const char *)json.data);
      protobuf_c_message_free_unpacked(msg, NULL);
    }
  }
  if (dump) return (fclose(hex) | fclose(js)) ? 1 : 0;
  double t0 = now_ns();
  /* BENCH_ONLY=j2b or b2j times one direction only (for instruction counts under callgrind). */
  const char *only = getenv("BENCH_ONLY");
  int rounds_j2b = only && !strcmp(only, "b2j") ? 0 : rounds,
      rounds_b2j = only && !strcmp(only, "j2b") ? 0 : rounds;
  for (int r = 0; r < rounds_j2b; r++) {
    for (size_t i = 0; i < c.n; i++) {
      ProtobufCMessage *msg = NULL;
      if (evs_json_decode(reg, m->c_desc, c.json[i], c.json_len[i], NULL, alloc, &msg, &err) != EVS_OK)
        return 1;
      evs_buf_reset(&out);
      if (evs_binary_pack(msg, &out, &err) != EVS_OK) return 1;
      if (arena)
        evs_arena_reset(arena);
      else
        protobuf_c_message_free_unpacked(msg, NULL);
    }
  }
  double t1 = now_ns();
  for (int r = 0; r < rounds_b2j; r++) {
    for (size_t i = 0; i < c.n; i++) {
      ProtobufCMessage *msg = protobuf_c_message_unpack(m->c_desc, alloc, c.bin_len[i], c.bin[i]);
      evs_buf_reset(&json);
      if (!msg || evs_json_encode(reg, msg, NULL, &json, &err) != EVS_OK) return 1;
      if (arena)
        evs_arena_reset(arena);
      else
        protobuf_c_message_free_unpacked(msg, NULL);
    }
  }
  double t2 = now_ns();
  double msgs = (double)c.n * rounds;
  printf("%.1f %.1f %zu %zu\n", (t1 - t0) / msgs, (t2 - t1) / msgs, c.n, c.bytes);
  evs_buf_free(&json);
  evs_buf_free(&out);
  evs_arena_free(arena);
  evs_registry_free(own);
  for (size_t i = 0; i < c.n; i++) {
    free(c.json[i]);
    free(c.bin[i]);
  }
  free(c.json);
  free(c.json_len);
  free(c.bin);
  free(c.bin_len);
  return 0;
}
