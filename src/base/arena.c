/* Block arena: allocation bumps a pointer inside the current block; blocks form a list freed together. */
#include "base/alloc_internal.h"
#include "evs/arena.h"

#include <stdalign.h>
#include <stdlib.h>

#define ARENA_ALIGN (alignof(max_align_t))
#define ARENA_DEFAULT_BLOCK ((size_t)16 << 10)
#define ARENA_MAX_BLOCK ((size_t)1 << 20)

typedef struct arena_block {
  struct arena_block *next;
  size_t size; /* usable bytes after the header */
} arena_block;

/* The header is padded so the first allocation in a block is aligned. */
#define BLOCK_HEADER ((sizeof(arena_block) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

struct evs_arena {
  arena_block *head; /* current block; the first block is last in the list */
  char *cur, *end;
  size_t next_size;
  size_t first_size;
  size_t used;
};

static arena_block *block_new(size_t size) {
  if (size > SIZE_MAX - BLOCK_HEADER) return NULL;
  arena_block *b = evs_malloc(BLOCK_HEADER + size);
  if (!b) return NULL;
  b->next = NULL;
  b->size = size;
  return b;
}

static void use_block(evs_arena *a, arena_block *b) {
  a->cur = (char *)b + BLOCK_HEADER;
  a->end = a->cur + b->size;
}

evs_arena *evs_arena_new(size_t block_size) {
  evs_arena *a = evs_malloc(sizeof *a);
  if (!a) return NULL;
  if (block_size == 0) block_size = ARENA_DEFAULT_BLOCK;
  block_size = (block_size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  a->head = block_new(block_size);
  if (!a->head) {
    evs_free(a);
    return NULL;
  }
  use_block(a, a->head);
  a->first_size = block_size;
  a->next_size = block_size * 2 < ARENA_MAX_BLOCK
                     ? block_size * 2
                     : (block_size > ARENA_MAX_BLOCK ? block_size : ARENA_MAX_BLOCK);
  a->used = 0;
  return a;
}

void evs_arena_free(evs_arena *a) {
  if (!a) return;
  arena_block *b = a->head;
  while (b) {
    arena_block *next = b->next;
    evs_free(b);
    b = next;
  }
  evs_free(a);
}

void evs_arena_reset(evs_arena *a) {
  if (!a) return;
  arena_block *b = a->head;
  while (b->next) {
    arena_block *next = b->next;
    evs_free(b);
    b = next;
  }
  a->head = b;
  use_block(a, b);
  a->used = 0;
  a->next_size = a->first_size * 2 < ARENA_MAX_BLOCK ? a->first_size * 2 : a->first_size;
}

void *evs_arena_alloc(evs_arena *a, size_t size) {
  if (!a) return NULL;
  if (size > SIZE_MAX - ARENA_ALIGN) return NULL;
  size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  if (need == 0) need = ARENA_ALIGN;
  if ((size_t)(a->end - a->cur) < need) {
    size_t bsize = need > a->next_size ? need : a->next_size;
    arena_block *b = block_new(bsize);
    if (!b) return NULL;
    if (need > a->next_size) {
      /* An oversized request gets a private block behind the current one, so the current block's free
       * space stays usable. */
      b->next = a->head->next;
      a->head->next = b;
      a->used += need;
      return (char *)b + BLOCK_HEADER;
    }
    b->next = a->head;
    a->head = b;
    use_block(a, b);
    if (a->next_size < ARENA_MAX_BLOCK) a->next_size *= 2;
  }
  void *p = a->cur;
  a->cur += need;
  a->used += need;
  return p;
}

size_t evs_arena_used(const evs_arena *a) {
  return a ? a->used : 0;
}

static void *arena_pbc_alloc(void *data, size_t size) {
  return evs_arena_alloc(data, size);
}

static void arena_pbc_free(void *data, void *p) {
  (void)data;
  (void)p;
}

ProtobufCAllocator evs_arena_allocator(evs_arena *a) {
  ProtobufCAllocator al = {arena_pbc_alloc, arena_pbc_free, a};
  return al;
}
