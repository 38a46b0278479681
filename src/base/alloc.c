/* Counting allocator with fail-at-N (tests). Each block carries a size header so live bytes are exact. */
#include "base/alloc_internal.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

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
