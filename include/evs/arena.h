/* evs_arena: a bump allocator that frees everything at once, and a ProtobufCAllocator over it.
 *
 * Decoding into an arena is the fast path for short-lived messages: evs_json_decode() (or
 * protobuf_c_message_unpack()) with evs_arena_allocator() allocates from the arena, the allocator's free
 * is a no-op, and evs_arena_reset() / evs_arena_free() drop every message built from it in one call.
 * Calling protobuf_c_message_free_unpacked() on such a message is allowed and does nothing.
 *
 * Ownership: the caller owns the arena (evs_arena_new / evs_arena_free); every block comes from malloc.
 * Thread-safety: an arena is not thread-safe; use one per thread. */
#ifndef EVS_ARENA_H
#define EVS_ARENA_H

#include <protobuf-c/protobuf-c.h>

#include "evs/common.h"

EVS_EXTERN_C_BEGIN

typedef struct evs_arena evs_arena;

/* Creates an arena whose first block holds `block_size` bytes (0 = 16 KiB); later blocks double up to
 * 1 MiB, and a request larger than a block gets a block of its own. NULL when out of memory. */
EVS_API evs_arena *evs_arena_new(size_t block_size);

/* Releases every block and the arena. NULL is a no-op. */
EVS_API void evs_arena_free(evs_arena *a);

/* Forgets every allocation but keeps the first block for reuse (the others are released). */
EVS_API void evs_arena_reset(evs_arena *a);

/* `size` bytes aligned for any type (max_align_t), or NULL when out of memory. size 0 gives a valid,
 * unique pointer. The memory lives until evs_arena_reset() or evs_arena_free(). */
EVS_API void *evs_arena_alloc(evs_arena *a, size_t size);

/* Bytes handed out since the last reset (requested sizes rounded up to the alignment). */
EVS_API size_t evs_arena_used(const evs_arena *a);

/* A protobuf-c allocator drawing from `a`: alloc = evs_arena_alloc, free = no-op. The struct is returned
 * by value; keep it alive (e.g. on the stack) while protobuf-c or evs uses a pointer to it. */
EVS_API ProtobufCAllocator evs_arena_allocator(evs_arena *a);

EVS_EXTERN_C_END

#endif
