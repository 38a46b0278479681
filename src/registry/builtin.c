/* The process-wide registry of evs_builtin_catalog, built once. Kept in its own file so that programs
 * which never call evs_registry_builtin() do not need the embedded catalog. */
#include <pthread.h>

#include "registry/registry_internal.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static evs_registry *g_builtin;
static evs_error g_error;

static void build_builtin(void) {
  evs_error_clear(&g_error);
  evs_registry *reg = NULL;
  evs_status st = evs_registry_new(&reg, &g_error);
  if (!st) st = evs_registry_add_catalog(reg, &evs_builtin_catalog, &g_error);
  if (st) {
    evs_registry_free(reg);
    return;
  }
  g_builtin = reg;
}

const evs_registry *evs_registry_builtin(evs_error *err) {
  pthread_once(&g_once, build_builtin);
  if (!g_builtin && err) *err = g_error;
  return g_builtin;
}
