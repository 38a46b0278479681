/* Bump allocator for registry views, and a growable pointer array; see registry_internal.h. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct evs_pool_chunk {
  evs_pool_chunk *next;
  size_t used, cap;
  alignas(max_align_t) unsigned char data[];
};

#define POOL_CHUNK_MIN ((size_t)64 * 1024)
#define POOL_CHUNK_MAX ((size_t)4 << 20)
#define POOL_ALIGN (alignof(max_align_t))

void *evs_pool_calloc(evs_pool *pool, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  size_t bytes = n * size;
  if (bytes > SIZE_MAX - 2 * POOL_CHUNK_MIN) return NULL;
  bytes = (bytes + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1);
  evs_pool_chunk *c = pool->head;
  if (!c || c->cap - c->used < bytes) {
    size_t step = pool->next_cap ? pool->next_cap : POOL_CHUNK_MIN;
    bool big = bytes > step - sizeof *c; /* header + data = step, a size malloc serves well */
    size_t cap = big ? bytes : step - sizeof *c;
    /* Zeroed once per chunk, not per allocation: calloc takes a large chunk from mmap already zeroed,
     * so its pages are first touched by the views written into them. */
    c = evs_calloc(1, sizeof *c + cap);
    if (!c) return NULL;
    c->used = 0;
    c->cap = cap;
    /* A big block goes behind the head so the head's free space stays usable. */
    if (pool->head && big) {
      c->next = pool->head->next;
      pool->head->next = c;
    } else {
      c->next = pool->head;
      pool->head = c;
      pool->next_cap = step < POOL_CHUNK_MAX ? step * 2 : step;
    }
  }
  void *p = c->data + c->used;
  c->used += bytes;
  return p;
}

char *evs_pool_strndup(evs_pool *pool, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = evs_pool_calloc(pool, len + 1, 1);
  if (p && len) memcpy(p, s, len);
  return p;
}

char *evs_pool_printf(evs_pool *pool, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = evs_pool_calloc(pool, (size_t)n + 1, 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void evs_pool_free(evs_pool *pool) {
  evs_pool_chunk *c = pool->head;
  while (c) {
    evs_pool_chunk *next = c->next;
    evs_free(c);
    c = next;
  }
  pool->head = NULL;
}

bool evs_ptrvec_reserve(evs_ptrvec *pv, size_t extra) {
  if (extra <= pv->cap - pv->n) return true;
  if (extra > SIZE_MAX / sizeof(void *) - pv->n) return false;
  size_t cap = pv->cap ? pv->cap : 16;
  while (cap < pv->n + extra) cap = cap > SIZE_MAX / 2 / sizeof(void *) ? pv->n + extra : cap * 2;
  void **v = evs_realloc(pv->v, cap * sizeof *v);
  if (!v) return false;
  pv->v = v;
  pv->cap = cap;
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
