/* The library's own allocation functions, and allocation hooks for tests (not installed).
 *
 * Every module allocates through evs_malloc / evs_calloc / evs_realloc / evs_strdup / evs_strndup and
 * releases with evs_free, so a test can make any one allocation of the library fail (STYLE.md §5) and
 * check that the failure is reported cleanly, leaks nothing and leaves no half-made state.
 *
 * The memory always comes from the C library (malloc and friends): a block from evs_malloc can be released
 * with free() and a block from libc with evs_free(). That matters because blocks cross library borders —
 * librdkafka frees a produced record's value with free() (RD_KAFKA_MSG_F_FREE), protobuf-c frees what it
 * unpacked with free() when it is given no allocator, open_memstream() / realpath() / scandir() hand us
 * libc blocks. So a hook decides whether an allocation is made, it never supplies the memory itself.
 *
 * Out of scope: allocations made inside third-party libraries (librdkafka, libpq, PCRE2, protobuf-c when
 * given no allocator, libuuid) and by libc functions that allocate on their own (open_memstream,
 * realpath, scandir, fopen, ...). Only the library's own requests pass the hook.
 *
 * Thread-safety: evs_alloc_set_hook() is for tests. Call it while no other thread is inside the library
 * (before creating handles, or between calls); evs_malloc and friends may then run on any thread (a
 * producer's delivery callbacks included), and the hook function must be safe for that. The hook is
 * read with one atomic load: with no hook set, an allocation costs one predictable branch more than libc.
 *
 * Also here: a counting ProtobufCAllocator with fail-at-N, for code that takes a caller's allocator (the
 * JSON codec, dynamic descriptors). */
#ifndef EVS_ALLOC_INTERNAL_H
#define EVS_ALLOC_INTERNAL_H

#include <protobuf-c/protobuf-c.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- the library's allocation functions: libc's semantics (NULL and errno ENOMEM on failure) ---- */
void *evs_malloc(size_t size);
void *evs_calloc(size_t n, size_t size);
void *evs_realloc(void *ptr, size_t size); /* on failure ptr stays valid and owned by the caller */
char *evs_strdup(const char *s);
char *evs_strndup(const char *s, size_t n); /* at most n bytes of s, NUL-terminated */
void evs_free(void *ptr);

/* ---- test hook ---- */

/* Called before each allocation the library asks for (size: the bytes requested; for evs_calloc n * size,
 * saturated). Returning false makes that allocation fail as if the system were out of memory. */
typedef struct evs_alloc_hook {
  bool (*admit)(void *ctx, size_t size);
  void *ctx;
} evs_alloc_hook;

/* For code that hands out pieces of larger blocks (the descriptor builder's pool allocations): asks the
 * hook whether one piece of `size` bytes may be had, so that a test can refuse each piece, not only the
 * blocks. True when no hook is set. */
bool evs_alloc_admit(size_t size);

/* Installs hook for the whole library (NULL: none; libc alone). The hook must outlive its use. */
void evs_alloc_set_hook(const evs_alloc_hook *hook);

/* A ready-made hook: counts the library's allocation attempts and refuses the fail_at-th (1-based; 0 =
 * none) and only that one, so cleanup code that allocates still runs. */
typedef struct evs_alloc_failer {
  evs_alloc_hook hook;
  atomic_size_t attempts; /* allocation attempts since install, the refused one included */
  atomic_size_t failed;   /* attempts refused */
  size_t fail_at;
} evs_alloc_failer;

/* Resets f's counters, sets fail_at and installs it (evs_alloc_set_hook). Remove it with
 * evs_alloc_set_hook(NULL). */
void evs_alloc_failer_install(evs_alloc_failer *f, size_t fail_at);

/* ---- a ProtobufCAllocator that notes failures ---- */

/* Wraps `inner` (NULL: evs_malloc / evs_free) so that a failed allocation inside protobuf-c's unpack (which
 * returns NULL for that and for bad input alike) can be told apart: failed is set. Hand &base to
 * protobuf-c; blocks are freed through inner, so the message may later be freed with inner itself. */
typedef struct evs_noting_alloc {
  ProtobufCAllocator base;
  ProtobufCAllocator *inner;
  bool failed;
} evs_noting_alloc;

void evs_noting_alloc_init(evs_noting_alloc *a, ProtobufCAllocator *inner);

/* ---- counting ProtobufCAllocator ---- */

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
