/* The process-wide registry of evs_builtin_catalog, built on first use. Kept in its own file so that
 * programs which never call evs_registry_builtin() do not need the embedded catalog. */
#include <pthread.h>
#include <stdatomic.h>

#include "registry/registry_internal.h"

/* Not pthread_once: a build that fails (out of memory) must not be remembered, or one transient failure
 * would leave the process without its catalog for good. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(evs_registry *) g_builtin;

const evs_registry *evs_registry_builtin(evs_error *err) {
  evs_registry *reg = atomic_load_explicit(&g_builtin, memory_order_acquire);
  if (reg) return reg;
  pthread_mutex_lock(&g_lock);
  reg = atomic_load_explicit(&g_builtin, memory_order_relaxed);
  if (!reg) {
    evs_error local;
    evs_status st = evs_registry_new(&reg, err ? err : &local);
    if (!st) st = evs_registry_add_catalog(reg, &evs_builtin_catalog, err ? err : &local);
    if (st) {
      evs_registry_free(reg);
      reg = NULL;
    } else {
      atomic_store_explicit(&g_builtin, reg, memory_order_release);
    }
  }
  pthread_mutex_unlock(&g_lock);
  return reg;
}
