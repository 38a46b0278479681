/* JSON codec benchmark, upb side (bench/json/run.sh builds it when a upb source tree has been fetched into
 * bench/json/third_party/, and runs it interleaved with bench_json.c and bench_json_cpp.cc).
 *
 *   bench_json_upb run <descriptor set> <type> <file.jsonl> <rounds-of-the-corpus>
 *       prints "<json2bin ns/msg> <bin2json ns/msg> <messages> <json bytes>"
 *   bench_json_upb dump <descriptor set> <type> <file.jsonl> <out prefix>
 *       writes <prefix>.hex (the binary of each document, hex, one per line) and <prefix>.json (that binary
 *       back to JSON), for run.sh's agreement check
 *
 * Types come from the descriptor set at run time (upb_DefPool, the way upb's own JSON codec works: it is
 * reflection-based); the wire codec runs on the MiniTables the pool builds, as generated code would.
 * json2bin = upb_JsonDecode + upb_Encode, bin2json = upb_Decode + upb_JsonEncode, each message in its own
 * arena (upb_Arena_New / upb_Arena_Free), as upb is used. The binary input of bin2json is upb's own. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "google/protobuf/descriptor.upb.h"
#include "upb/json/decode.h"
#include "upb/json/encode.h"
#include "upb/mem/arena.h"
#include "upb/message/message.h"
#include "upb/reflection/def.h"
#include "upb/wire/decode.h"
#include "upb/wire/encode.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID,
                &ts); /* CPU time: on a shared machine, wall time counts the waits */
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) return NULL;
  fclose(f);
  *len = (size_t)n;
  return p;
}

static void die(const char *what) {
  fprintf(stderr, "bench_json_upb: %s\n", what);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 6 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "dump") != 0)) {
    fprintf(stderr,
            "usage: bench_json_upb run|dump <descriptor set> <type> <file.jsonl> <rounds>|<prefix>\n");
    return 2;
  }
  bool dump = !strcmp(argv[1], "dump");
  size_t set_len = 0;
  char *set = slurp(argv[2], &set_len);
  if (!set) die("cannot read the descriptor set");
  upb_Arena *setup = upb_Arena_New();
  upb_DefPool *pool = upb_DefPool_New();
  google_protobuf_FileDescriptorSet *fds = google_protobuf_FileDescriptorSet_parse(set, set_len, setup);
  if (!fds) die("bad descriptor set");
  size_t nfiles = 0;
  const google_protobuf_FileDescriptorProto *const *files =
      google_protobuf_FileDescriptorSet_file(fds, &nfiles);
  for (size_t i = 0; i < nfiles; i++) {
    upb_Status st;
    upb_Status_Clear(&st);
    if (!upb_DefPool_AddFile(pool, files[i], &st)) die(upb_Status_ErrorMessage(&st));
  }
  const upb_MessageDef *m = upb_DefPool_FindMessageByName(pool, argv[3]);
  if (!m) die("unknown message type");
  const upb_MiniTable *mt = upb_MessageDef_MiniTable(m);

  size_t text_len = 0;
  char *text = slurp(argv[4], &text_len);
  if (!text) die("cannot read the corpus");
  size_t n = 0, cap = 1024, bytes = 0;
  char **json = malloc(cap * sizeof *json);
  size_t *json_len = malloc(cap * sizeof *json_len);
  for (char *p = text, *end = text + text_len; p < end;) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    if (nl > p) {
      if (n == cap) {
        cap *= 2;
        json = realloc(json, cap * sizeof *json);
        json_len = realloc(json_len, cap * sizeof *json_len);
      }
      json[n] = p;
      json_len[n] = (size_t)(nl - p);
      bytes += json_len[n];
      n++;
    }
    p = nl + 1;
  }
  char **bin = calloc(n, sizeof *bin);
  size_t *bin_len = calloc(n, sizeof *bin_len);
  size_t out_cap = 1 << 20;
  char *out = malloc(out_cap);
  FILE *hex = NULL, *js = NULL;
  if (dump) {
    char path[4096];
    snprintf(path, sizeof path, "%s.hex", argv[5]);
    hex = fopen(path, "w");
    snprintf(path, sizeof path, "%s.json", argv[5]);
    js = fopen(path, "w");
    if (!hex || !js) die("cannot write the dump");
  }
  /* Warm-up pass that also produces the binary inputs. */
  for (size_t i = 0; i < n; i++) {
    upb_Arena *a = upb_Arena_New();
    upb_Message *msg = upb_Message_New(mt, a);
    upb_Status st;
    upb_Status_Clear(&st);
    if (!upb_JsonDecode(json[i], json_len[i], msg, m, pool, 0, a, &st)) {
      fprintf(stderr, "bench_json_upb: line %zu: %s\n", i + 1, upb_Status_ErrorMessage(&st));
      return 1;
    }
    char *b;
    size_t bl;
    if (upb_Encode(msg, mt, 0, a, &b, &bl) != kUpb_EncodeStatus_Ok) die("encode failed");
    bin[i] = malloc(bl + 1);
    memcpy(bin[i], b, bl);
    bin_len[i] = bl;
    upb_Arena_Free(a);
    if (dump) {
      for (size_t k = 0; k < bl; k++) fprintf(hex, "%02x", (unsigned char)bin[i][k]);
      fputc('\n', hex);
      a = upb_Arena_New();
      msg = upb_Message_New(mt, a);
      if (upb_Decode(bin[i], bin_len[i], msg, mt, NULL, 0, a) != kUpb_DecodeStatus_Ok) die("decode failed");
      size_t need = upb_JsonEncode(msg, m, pool, 0, out, out_cap, &st);
      if (need >= out_cap) die("JSON output too long");
      fprintf(js, "%s\n", out);
      upb_Arena_Free(a);
    }
  }
  if (dump) return (fclose(hex) | fclose(js)) ? 1 : 0;
  int rounds = atoi(argv[5]);
  double t0 = now_ns();
  /* BENCH_ONLY=j2b or b2j times one direction only (for instruction counts under callgrind). */
  const char *only = getenv("BENCH_ONLY");
  int rounds_j2b = only && !strcmp(only, "b2j") ? 0 : rounds,
      rounds_b2j = only && !strcmp(only, "j2b") ? 0 : rounds;
  for (int r = 0; r < rounds_j2b; r++) {
    for (size_t i = 0; i < n; i++) {
      upb_Arena *a = upb_Arena_New();
      upb_Message *msg = upb_Message_New(mt, a);
      upb_Status st;
      upb_Status_Clear(&st);
      char *b;
      size_t bl;
      if (!upb_JsonDecode(json[i], json_len[i], msg, m, pool, 0, a, &st) ||
          upb_Encode(msg, mt, 0, a, &b, &bl) != kUpb_EncodeStatus_Ok)
        die("json2bin failed");
      upb_Arena_Free(a);
    }
  }
  double t1 = now_ns();
  for (int r = 0; r < rounds_b2j; r++) {
    for (size_t i = 0; i < n; i++) {
      upb_Arena *a = upb_Arena_New();
      upb_Message *msg = upb_Message_New(mt, a);
      upb_Status st;
      upb_Status_Clear(&st);
      if (upb_Decode(bin[i], bin_len[i], msg, mt, NULL, 0, a) != kUpb_DecodeStatus_Ok) die("decode failed");
      size_t need = upb_JsonEncode(msg, m, pool, 0, out, out_cap, &st);
      if (need >= out_cap) die("JSON output too long");
      upb_Arena_Free(a);
    }
  }
  double t2 = now_ns();
  double msgs = (double)n * rounds;
  printf("%.1f %.1f %zu %zu\n", (t1 - t0) / msgs, (t2 - t1) / msgs, n, bytes);
  return 0;
}
