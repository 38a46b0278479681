/* The library's one bump allocator, seen from inside (not installed). include/evs/arena.h is its public
 * face (evs_arena_new: blocks from malloc, 16 KiB doubling to 1 MiB); here the struct is visible so that a
 * module can embed an arena by value, plus what the registry and the compatibility checker need: zeroed
 * memory, string copies and formatting.
 *
 * A zero-filled struct (EVS_ARENA_INIT) is an empty arena that takes no memory until its first allocation
 * and gets its blocks zeroed from calloc, doubling from 64 KiB to 4 MiB: a registry load writes its views
 * into them, and calloc hands out large blocks from mmap already zeroed, so zeroing costs nothing there.
 * Release such an arena with evs_arena_release (its blocks; the struct is the caller's). */
#ifndef EVS_BASE_ARENA_INTERNAL_H
#define EVS_BASE_ARENA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "evs/arena.h"

typedef struct evs_arena_block evs_arena_block;

struct evs_arena {
  evs_arena_block *head;  /* current block; the list holds every block */
  evs_arena_block *first; /* the block a reset keeps (not always last: large requests get blocks of their
                           * own, linked behind the current one) */
  char *cur, *end;
  size_t next_size;  /* usable bytes of the next block */
  size_t first_size; /* 0 until the first block of an EVS_ARENA_INIT arena */
  size_t max_size;   /* blocks double up to this */
  size_t used;
  bool raw; /* blocks from malloc (evs_arena_new); else from calloc, so every allocation is zeroed */
};

#define EVS_ARENA_INIT \
  { 0 }

/* Whether `al` is an arena's (evs_arena_allocator): its free does nothing, so one allocation may hold a
 * message and the parts it owns (protobuf_c_message_free_unpacked's frees of the inner pointers are no-ops
 * too). */
bool evs_arena_allocator_is(const ProtobufCAllocator *al);

/* Frees every block; the arena is then EVS_ARENA_INIT again. */
void evs_arena_release(evs_arena *a);

/* Alignment enough for pointers, 64-bit integers and doubles (all a protobuf-c message holds), but not
 * for long double: 8 where max_align_t asks 16. */
#define EVS_ARENA_SMALL_ALIGN 8
/* size bytes aligned to EVS_ARENA_SMALL_ALIGN (zeroed in a zeroed arena), NULL on overflow or out of
 * memory: half the padding of evs_arena_alloc for memory that needs no more. */
void *evs_arena_alloc_small_align(evs_arena *a, size_t size);

/* n bytes with no alignment, for characters (zeroed in a zeroed arena); NULL on overflow or out of
 * memory. */
char *evs_arena_alloc_chars(evs_arena *a, size_t n);

/* Zeroed, max_align_t-aligned memory for n objects of size bytes; NULL on overflow or out of memory. */
void *evs_arena_calloc(evs_arena *a, size_t n, size_t size);
/* A NUL-terminated copy of len bytes of s (packed: strings are not aligned). */
char *evs_arena_strndup(evs_arena *a, const char *s, size_t len);
char *evs_arena_printf(evs_arena *a, const char *fmt, ...) EVS_PRINTF(2, 3);

/* A ProtobufCAllocator for unpacking a large message into an arena: memory aligned to
 * EVS_ARENA_SMALL_ALIGN; a freed block of 1 KiB << k (k < EVS_UNPACK_CLASSES: the sizes of protobuf-c's
 * per-message scratch arrays), among the last EVS_UNPACK_RECENT such blocks handed out, serves the next
 * request of its size; any other free does nothing (the arena frees all at once). `failed` notes an
 * allocation that failed (protobuf-c reports it only as a NULL message). Hand &base to protobuf-c; the
 * struct must stay where it is while in use. */
#define EVS_UNPACK_RECENT 32
#define EVS_UNPACK_CLASSES 8
typedef struct evs_arena_unpacker {
  ProtobufCAllocator base;
  evs_arena *arena;
  bool failed;
  struct {
    void *p;
    unsigned k;
  } recent[EVS_UNPACK_RECENT];
  unsigned next_recent;
  void *free_[EVS_UNPACK_CLASSES]; /* freed blocks by class, linked through their first word */
} evs_arena_unpacker;

void evs_arena_unpacker_init(evs_arena_unpacker *u, evs_arena *a);

#endif
