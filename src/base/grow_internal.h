/* Growing a malloc'd array one element at a time (not installed). */
#ifndef EVS_GROW_INTERNAL_H
#define EVS_GROW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/alloc_internal.h"

/* Room for element n of array v (cap elements of elem bytes): returns v, or a larger copy (capacity
 * doubled, `first` for an empty array; *cap updated). NULL on out of memory or overflow, v unchanged then
 * (the caller still owns it). */
static inline void *evs_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first) {
  if (n < *cap) return v;
  size_t c = *cap ? *cap : first;
  if (*cap) {
    if (c > SIZE_MAX / 2 / elem) return NULL;
    c *= 2;
  }
  void *p = evs_realloc(v, c * elem);
  if (p) *cap = c;
  return p;
}

#endif
