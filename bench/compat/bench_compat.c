/* Times the phases of a compatibility check on two descriptor sets: registry loads, the check itself,
 * and report writing; best of N runs. Not a test (bench/ is outside ctest).
 * Usage: bench_compat NEW.binpb OLD.binpb [runs] [wire|wire-json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evs/compat.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static evs_registry *load(const char *path) {
  evs_registry *reg = NULL;
  evs_error err;
  /* The same path as `evs breaking`: read, load (the registry reads the source info from the wire). */
  if (evs_compat_input_load(path, NULL, 0, &reg, &err)) {
    fprintf(stderr, "%s: %s\n", path, err.msg);
    exit(2);
  }
  return reg;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_compat NEW.binpb OLD.binpb [runs] [wire|wire-json]\n");
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  evs_compat_options o;
  memset(&o, 0, sizeof o);
  o.level = argc > 4 && strcmp(argv[4], "wire") == 0 ? EVS_COMPAT_LEVEL_WIRE : EVS_COMPAT_LEVEL_WIRE_JSON;
  double best_load = 1e18, best_check = 1e18, best_total = 1e18;
  size_t findings = 0;
  for (int i = 0; i < runs; i++) {
    double t0 = now_ms();
    evs_registry *cur = load(argv[1]), *prev = load(argv[2]);
    double t1 = now_ms();
    evs_compat_report *r = NULL;
    evs_error err;
    if (evs_compat_check(prev, cur, &o, &r, &err)) {
      fprintf(stderr, "check: %s\n", err.msg);
      return 2;
    }
    FILE *null = fopen("/dev/null", "w");
    if (!null || evs_compat_report_write(r, EVS_COMPAT_FORMAT_TEXT, null, &err)) return 2;
    fclose(null);
    double t2 = now_ms();
    evs_compat_report_findings(r, &findings);
    evs_compat_report_free(r);
    evs_registry_free(cur);
    evs_registry_free(prev);
    double t3 = now_ms();
    if (t1 - t0 < best_load) best_load = t1 - t0;
    if (t2 - t1 < best_check) best_check = t2 - t1;
    if (t3 - t0 < best_total) best_total = t3 - t0;
  }
  printf("load both sets %.1f ms, check + report %.1f ms, total with frees %.1f ms, %zu findings\n",
         best_load, best_check, best_total, findings);
  return 0;
}
