/* The library's allocation functions and their test hook; a counting ProtobufCAllocator with fail-at-N
 * (tests), whose blocks carry a size header so live bytes are exact. */
#define _POSIX_C_SOURCE 200809L /* strnlen */

#include "base/alloc_internal.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static _Atomic(const evs_alloc_hook *) g_hook;

/* Out of line so the common case stays small at every call site; the hook branch is taken only in tests. */
static bool refused(size_t size) {
  const evs_alloc_hook *h = atomic_load_explicit(&g_hook, memory_order_acquire);
  if (__builtin_expect(h == NULL, 1) || h->admit(h->ctx, size)) return false;
  errno = ENOMEM; /* as malloc would */
  return true;
}

void *evs_malloc(size_t size) {
  return refused(size) ? NULL : malloc(size);
}

void *evs_calloc(size_t n, size_t size) {
  size_t total = size && n > SIZE_MAX / size ? SIZE_MAX : n * size;
  return refused(total) ? NULL : calloc(n, size);
}

void *evs_realloc(void *ptr, size_t size) {
  return refused(size) ? NULL : realloc(ptr, size);
}

char *evs_strndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *d = evs_malloc(len + 1);
  if (!d) return NULL;
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

char *evs_strdup(const char *s) {
  size_t len = strlen(s) + 1;
  char *d = evs_malloc(len);
  return d ? memcpy(d, s, len) : NULL;
}

void evs_free(void *ptr) {
  free(ptr);
}

bool evs_alloc_admit(size_t size) {
  return !refused(size);
}

void evs_alloc_set_hook(const evs_alloc_hook *hook) {
  atomic_store_explicit(&g_hook, hook, memory_order_release);
}

static bool failer_admit(void *ctx, size_t size) {
  (void)size;
  evs_alloc_failer *f = ctx;
  size_t n = atomic_fetch_add(&f->attempts, 1) + 1;
  if (f->fail_at && n == f->fail_at) {
    atomic_fetch_add(&f->failed, 1);
    return false;
  }
  return true;
}

void evs_alloc_failer_install(evs_alloc_failer *f, size_t fail_at) {
  f->hook.admit = failer_admit;
  f->hook.ctx = f;
  atomic_store(&f->attempts, 0);
  atomic_store(&f->failed, 0);
  f->fail_at = fail_at;
  evs_alloc_set_hook(&f->hook);
}

static void *noting_alloc_fn(void *data, size_t size) {
  evs_noting_alloc *a = data;
  void *p = a->inner ? a->inner->alloc(a->inner->allocator_data, size) : evs_malloc(size);
  if (!p && size) a->failed = true;
  return p;
}

static void noting_free_fn(void *data, void *p) {
  evs_noting_alloc *a = data;
  if (a->inner)
    a->inner->free(a->inner->allocator_data, p);
  else
    evs_free(p);
}

void evs_noting_alloc_init(evs_noting_alloc *a, ProtobufCAllocator *inner) {
  *a = (evs_noting_alloc){{noting_alloc_fn, noting_free_fn, a}, inner, false};
}

#define HDR (alignof(max_align_t) > sizeof(size_t) ? alignof(max_align_t) : sizeof(size_t))

static void *counting_alloc(void *data, size_t size) {
  evs_counting_alloc *c = data;
  c->attempts++;
  if (c->fail_at && c->attempts == c->fail_at) {
    c->failed++;
    return NULL;
  }
  if (size > SIZE_MAX - HDR) return NULL;
  char *p = malloc(HDR + size);
  if (!p) return NULL;
  memcpy(p, &size, sizeof size);
  c->allocs++;
  c->live_bytes += size;
  if (c->live_bytes > c->peak_bytes) c->peak_bytes = c->live_bytes;
  return p + HDR;
}

static void counting_free(void *data, void *ptr) {
  evs_counting_alloc *c = data;
  if (!ptr) return;
  char *p = (char *)ptr - HDR;
  size_t size;
  memcpy(&size, p, sizeof size);
  c->frees++;
  c->live_bytes -= size;
  free(p);
}

void evs_counting_alloc_init(evs_counting_alloc *c, size_t fail_at) {
  memset(c, 0, sizeof *c);
  c->base.alloc = counting_alloc;
  c->base.free = counting_free;
  c->base.allocator_data = c;
  c->fail_at = fail_at;
}

size_t evs_counting_alloc_outstanding(const evs_counting_alloc *c) {
  return c->allocs - c->frees;
}
