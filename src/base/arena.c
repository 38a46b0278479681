/* The block arena (evs/arena.h, base/arena_internal.h): allocation bumps a pointer inside the current block;
 * blocks form a list freed together. */
#include "base/alloc_internal.h"
#include "base/arena_internal.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN (alignof(max_align_t))
_Static_assert(EVS_ARENA_SMALL_ALIGN >= alignof(void *) && EVS_ARENA_SMALL_ALIGN >= alignof(double) &&
                   EVS_ARENA_SMALL_ALIGN >= alignof(uint64_t) &&
                   EVS_ARENA_SMALL_ALIGN <= alignof(max_align_t),
               "EVS_ARENA_SMALL_ALIGN");
#define RAW_FIRST ((size_t)16 << 10)
#define RAW_MAX ((size_t)1 << 20)
#define ZEROED_FIRST ((size_t)64 << 10)
#define ZEROED_MAX ((size_t)4 << 20)

struct evs_arena_block {
  evs_arena_block *next;
  size_t size; /* usable bytes after the header */
};

/* The header is padded so the first allocation in a block is aligned. */
#define BLOCK_HEADER ((sizeof(evs_arena_block) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

/* The only place blocks are allocated and freed. */
static evs_arena_block *block_new(const evs_arena *a, size_t size) {
  if (size > SIZE_MAX - BLOCK_HEADER) return NULL;
  evs_arena_block *b = a->raw ? evs_malloc(BLOCK_HEADER + size) : evs_calloc(1, BLOCK_HEADER + size);
  if (!b) return NULL;
  b->next = NULL;
  b->size = size;
  return b;
}

static void block_free(evs_arena_block *b) {
  evs_free(b);
}

static void use_block(evs_arena *a, evs_arena_block *b) {
  a->cur = (char *)b + BLOCK_HEADER;
  a->end = a->cur + b->size;
}

static size_t second_size(const evs_arena *a) {
  size_t first = a->first_size;
  return first * 2 < a->max_size ? first * 2 : (first > a->max_size ? first : a->max_size);
}

evs_arena *evs_arena_new(size_t block_size) {
  evs_arena *a = evs_malloc(sizeof *a);
  if (!a) return NULL;
  if (block_size == 0) block_size = RAW_FIRST;
  block_size = (block_size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  *a = (evs_arena){.first_size = block_size, .max_size = RAW_MAX, .raw = true};
  a->head = a->first = block_new(a, block_size);
  if (!a->head) {
    evs_free(a);
    return NULL;
  }
  use_block(a, a->head);
  a->next_size = second_size(a);
  return a;
}

void evs_arena_release(evs_arena *a) {
  evs_arena_block *b = a->head;
  while (b) {
    evs_arena_block *next = b->next;
    block_free(b);
    b = next;
  }
  *a = (evs_arena)EVS_ARENA_INIT;
}

void evs_arena_free(evs_arena *a) {
  if (!a) return;
  evs_arena_release(a);
  evs_free(a);
}

void evs_arena_reset(evs_arena *a) {
  if (!a || !a->head) return;
  evs_arena_block *b = a->first;
  for (evs_arena_block *c = a->head; c;) {
    evs_arena_block *next = c->next;
    if (c != b) block_free(c);
    c = next;
  }
  b->next = NULL;
  if (!a->raw) memset((char *)b + BLOCK_HEADER, 0, b->size);
  a->head = b;
  use_block(a, b);
  a->used = 0;
  a->next_size = second_size(a);
}

static void *alloc_slow(evs_arena *a, size_t need) {
  if (!a->first_size) { /* an EVS_ARENA_INIT arena's first block */
    a->first_size = a->next_size = ZEROED_FIRST;
    a->max_size = ZEROED_MAX;
  }
  size_t bsize = need > a->next_size ? need : a->next_size;
  if (bsize > SIZE_MAX - ARENA_ALIGN) return NULL;
  bsize = (bsize + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1); /* keeps every block's end aligned */
  evs_arena_block *b = block_new(a, bsize);
  if (!b) return NULL;
  if (need > a->next_size && a->head) {
    /* An oversized request gets a private block behind the current one, so the current block's free
     * space stays usable. */
    b->next = a->head->next;
    a->head->next = b;
    a->used += need;
    return (char *)b + BLOCK_HEADER;
  }
  b->next = a->head;
  a->head = b;
  if (!a->first) a->first = b;
  use_block(a, b);
  if (a->next_size < a->max_size) a->next_size *= 2;
  void *p = a->cur;
  a->cur += need;
  a->used += need;
  return p;
}

/* align is a power of two <= ARENA_ALIGN. Blocks start and end ARENA_ALIGN-aligned, so rounding cur up
 * never passes end. Inline in every entry point: the protobuf-c allocator below is the JSON decoder's
 * per-message path. The caller checks a. */
static inline void *alloc_aligned(evs_arena *a, size_t size, size_t align) {
  if (size > SIZE_MAX - ARENA_ALIGN) return NULL;
  size_t need = (size + align - 1) & ~(align - 1);
  if (need == 0) need = align;
  char *p = (char *)(((uintptr_t)a->cur + align - 1) & ~(uintptr_t)(align - 1));
  if (!a->cur || (size_t)(a->end - p) < need) return alloc_slow(a, need);
  a->cur = p + need;
  a->used += need;
  return p;
}

void *evs_arena_alloc(evs_arena *a, size_t size) {
  return a ? alloc_aligned(a, size, ARENA_ALIGN) : NULL;
}

void *evs_arena_alloc_small_align(evs_arena *a, size_t size) {
  return a ? alloc_aligned(a, size, EVS_ARENA_SMALL_ALIGN) : NULL;
}

char *evs_arena_alloc_chars(evs_arena *a, size_t n) {
  return a ? alloc_aligned(a, n, 1) : NULL;
}

void *evs_arena_calloc(evs_arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = evs_arena_alloc(a, n * size);
  if (p && a->raw) memset(p, 0, n * size);
  return p;
}

/* Strings need no alignment: packing them saves 7.5 bytes a string on average, which for the millions of
 * names in a large registry load are pages the kernel no longer has to fault in. */
char *evs_arena_strndup(evs_arena *a, const char *s, size_t len) {
  if (len == SIZE_MAX) return NULL;
  char *p = evs_arena_alloc_chars(a, len + 1);
  if (!p) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

char *evs_arena_printf(evs_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = evs_arena_alloc(a, (size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

size_t evs_arena_used(const evs_arena *a) {
  return a ? a->used : 0;
}

static void *arena_pbc_alloc(void *data, size_t size) {
  return data ? alloc_aligned(data, size, ARENA_ALIGN) : NULL;
}

static void arena_pbc_free(void *data, void *p) {
  (void)data;
  (void)p;
}

bool evs_arena_allocator_is(const ProtobufCAllocator *al) {
  return al && al->free == arena_pbc_free;
}

ProtobufCAllocator evs_arena_allocator(evs_arena *a) {
  ProtobufCAllocator al = {arena_pbc_alloc, arena_pbc_free, a};
  return al;
}

/* protobuf-c's unpack takes a scratch array for the fields of every message with more than 16 of them on
 * the wire (1 KiB, then 2, 4 KiB ...) and frees it when the message is done; with a plain arena allocator
 * those arrays were a sixth of a large descriptor set's unpacked memory. Only blocks of those sizes are
 * remembered (the last EVS_UNPACK_RECENT of them), so a free costs a short search and no header. */
static int recycle_class(size_t size) {
  for (int k = 0; k < EVS_UNPACK_CLASSES; k++)
    if (size == (size_t)1024 << k) return k;
  return -1;
}

static void *unpacker_alloc(void *data, size_t size) {
  evs_arena_unpacker *u = data;
  if (size < 1024) { /* nearly every request: a message struct, a string, a short array */
    void *p = alloc_aligned(u->arena, size, EVS_ARENA_SMALL_ALIGN);
    if (!p && size) u->failed = true;
    return p;
  }
  int k = recycle_class(size);
  void *p;
  if (k >= 0 && u->free_[k]) {
    p = u->free_[k];
    memcpy(&u->free_[k], p, sizeof(void *));
  } else {
    p = evs_arena_alloc_small_align(u->arena, size);
    if (!p) {
      if (size) u->failed = true;
      return NULL;
    }
  }
  if (k >= 0) {
    u->recent[u->next_recent].p = p;
    u->recent[u->next_recent].k = (unsigned)k;
    u->next_recent = (u->next_recent + 1) % EVS_UNPACK_RECENT;
  }
  return p;
}

static void unpacker_free(void *data, void *p) {
  evs_arena_unpacker *u = data;
  if (!p) return;
  for (unsigned i = 0; i < EVS_UNPACK_RECENT; i++) {
    unsigned at = (u->next_recent + EVS_UNPACK_RECENT - 1 - i) % EVS_UNPACK_RECENT; /* newest first */
    if (u->recent[at].p != p) continue;
    unsigned k = u->recent[at].k;
    u->recent[at].p = NULL;
    memcpy(p, &u->free_[k], sizeof(void *));
    u->free_[k] = p;
    return;
  }
}

void evs_arena_unpacker_init(evs_arena_unpacker *u, evs_arena *a) {
  memset(u, 0, sizeof *u);
  u->base = (ProtobufCAllocator){unpacker_alloc, unpacker_free, u};
  u->arena = a;
}
