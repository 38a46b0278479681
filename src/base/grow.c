/* Pointer and string vectors over evs_grow_to (grow_internal.h). */
#include "base/alloc_internal.h"
#include "base/grow_internal.h"

#include <string.h>

bool evs_ptrvec_reserve(evs_ptrvec *pv, size_t extra) {
  if (extra <= pv->cap - pv->n) return true; /* also when nothing is asked of an empty vector */
  if (extra > SIZE_MAX - pv->n) return false;
  void **v = evs_grow_to(pv->v, &pv->cap, pv->n + extra, sizeof *v, 16);
  if (!v) return false;
  pv->v = v;
  return true;
}

bool evs_ptrvec_push(evs_ptrvec *pv, void *p) {
  if (!evs_ptrvec_reserve(pv, 1)) return false;
  pv->v[pv->n++] = p;
  return true;
}

void evs_ptrvec_free(evs_ptrvec *pv) {
  evs_free(pv->v);
  memset(pv, 0, sizeof *pv);
}

bool evs_strvec_push(evs_strvec *sv, char *s) {
  if (!s) return false;
  /* One more slot than the strings: the terminating NULL. */
  char **v = sv->n < SIZE_MAX - 1 ? evs_grow_to(sv->v, &sv->cap, sv->n + 2, sizeof *v, 32) : NULL;
  if (!v) {
    evs_free(s);
    return false;
  }
  sv->v = v;
  sv->v[sv->n++] = s;
  sv->v[sv->n] = NULL;
  return true;
}

void evs_strvec_free(evs_strvec *sv) {
  for (size_t i = 0; i < sv->n; i++) evs_free(sv->v[i]);
  evs_free(sv->v);
  memset(sv, 0, sizeof *sv);
}
