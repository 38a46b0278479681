/* Allocation hooks for tests (not installed): a ProtobufCAllocator that counts calls and can fail on
 * the N-th allocation, so every out-of-memory path of a decoder runs in a test (STYLE.md §5). */
#ifndef EVS_ALLOC_INTERNAL_H
#define EVS_ALLOC_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include <stddef.h>

typedef struct evs_counting_alloc {
  ProtobufCAllocator base; /* hand &base to protobuf-c / evs: it points back at this struct */
  size_t allocs;           /* successful allocations */
  size_t frees;            /* frees of non-NULL pointers */
  size_t attempts;         /* alloc calls, failed ones included */
  size_t fail_at;          /* the attempt number (1-based) that fails; 0 = never */
  size_t failed;           /* allocations refused so far */
  size_t live_bytes;       /* bytes allocated and not yet freed */
  size_t peak_bytes;
} evs_counting_alloc;

/* Initializes *c with zero counters; fail_at 0 = never fail, N = the N-th attempt returns NULL (and only
 * that one, so cleanup code that allocates still runs). */
void evs_counting_alloc_init(evs_counting_alloc *c, size_t fail_at);

/* Allocations minus frees: 0 when everything allocated was freed. */
size_t evs_counting_alloc_outstanding(const evs_counting_alloc *c);

#endif
