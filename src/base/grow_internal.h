/* The library's one growable array (not installed): evs_grow_to / evs_grow for typed arrays kept in a
 * struct's own fields, and on top of them evs_ptrvec (pointers) and evs_strvec (malloc'd strings, kept
 * NULL-terminated for argv). Capacity doubles; the evs_realloc below is the only one. */
#ifndef EVS_GROW_INTERNAL_H
#define EVS_GROW_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/alloc_internal.h"

/* Room for `need` elements in array v (cap elements of elem bytes): returns v, or a larger copy (capacity
 * doubled until it fits, from `first` for an empty array; *cap updated). NULL on out of memory or
 * overflow, v unchanged then (the caller still owns it). */
static inline void *evs_grow_to(void *v, size_t *cap, size_t need, size_t elem, size_t first) {
  if (need <= *cap) return v;
  if (need > SIZE_MAX / elem) return NULL;
  size_t c = *cap ? *cap : first;
  while (c < need) c = c > SIZE_MAX / 2 / elem ? need : c * 2;
  void *p = evs_realloc(v, c * elem);
  if (p) *cap = c;
  return p;
}

/* Room for element n. */
static inline void *evs_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first) {
  return n < SIZE_MAX ? evs_grow_to(v, cap, n + 1, elem, first) : NULL;
}

/* Growable array of pointers (malloc). */
typedef struct evs_ptrvec {
  void **v;
  size_t n, cap;
} evs_ptrvec;
bool evs_ptrvec_reserve(evs_ptrvec *pv, size_t extra); /* room for extra pushes that cannot fail */
bool evs_ptrvec_push(evs_ptrvec *pv, void *p);
void evs_ptrvec_free(evs_ptrvec *pv);

/* A NULL-terminated, growable vector of malloc'd strings (it owns them). */
typedef struct evs_strvec {
  char **v;
  size_t n, cap;
} evs_strvec;
/* Appends s (taking it; a NULL s means an allocation failed). False when out of memory (s is freed). */
bool evs_strvec_push(evs_strvec *sv, char *s);
void evs_strvec_free(evs_strvec *sv);

#endif
