/* The library's one hash function and hash table (not installed): open addressing with linear probing,
 * keyed by byte strings. The registry's name indexes (and so the JSON decoder's field-name lookup), the
 * compatibility checker's indexes, the JSON codec's map-key duplicate check and the Kafka consumer's
 * dedupe window all use it.
 *
 * The table never owns keys or values: keys point into memory that outlives their slot (arenas, unpacked
 * descriptor protos, the caller's own copies). Two flavours share one lookup:
 *  - growable: evs_hmap_init + evs_hmap_reserve (malloc), released with evs_hmap_free;
 *  - fixed: slots supplied by the caller (from a pool), sized once with evs_hmap_fixed_cap.
 * Inserting never allocates: reserve first, so that a failed reservation leaves the table unchanged. This is
 * what lets a registry load commit all-or-nothing. Reads are thread-safe while no one writes. */
#ifndef EVS_BASE_HASH_INTERNAL_H
#define EVS_BASE_HASH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evs_hslot {
  const char *key; /* NULL = empty slot */
  uint32_t len;
  uint32_t hash;
  const void *value;
} evs_hslot;

typedef struct evs_hmap {
  evs_hslot *slots;
  uint32_t mask; /* capacity - 1; capacity is a power of two */
  uint32_t count;
  bool fixed; /* slots are caller-owned */
} evs_hmap;

/* The hash of len bytes (eight bytes per step: names are short but hashed on every JSON key lookup). */
uint32_t evs_hash_bytes(const void *data, size_t len);

void evs_hmap_init(evs_hmap *m);
/* Makes room for `extra` more keys without allocating on insert. False on out-of-memory or when the table
 * would pass 2^30 slots; the table is unchanged then. A fixed table only checks that the room exists. */
bool evs_hmap_reserve(evs_hmap *m, size_t extra);
void evs_hmap_free(evs_hmap *m);

/* Slots a fixed table for n keys needs (a power of two, at least twice n). */
size_t evs_hmap_fixed_cap(size_t n);
void evs_hmap_init_fixed(evs_hmap *m, evs_hslot *slots, size_t cap);

const void *evs_hmap_get(const evs_hmap *m, const char *key, size_t len);
/* Inserts key -> value unless the key is present. Returns the value already stored under the key, or NULL
 * when the pair was inserted. The caller must have reserved room (keys longer than 4 GiB are refused by
 * returning `value` itself). */
const void *evs_hmap_put(evs_hmap *m, const char *key, size_t len, const void *value);
/* Removes key (backward-shift deletion: no tombstones, so lookups stay as short as before). Returns its
 * value, or NULL when it was not there. Never allocates. */
const void *evs_hmap_remove(evs_hmap *m, const char *key, size_t len);

#endif
