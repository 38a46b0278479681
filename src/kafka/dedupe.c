/* A bounded window of recently handled event keys (source + id): a ring of the last `window` keys plus a
 * chained hash index over it, so lookups stay O(1) and memory stays bounded. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "kafka/kafka_internal.h"

typedef struct slot {
  char *key;  /* source '\0' id '\0'; NULL = empty */
  size_t len; /* bytes of key including both NULs */
  uint64_t hash;
  size_t next; /* next slot in the bucket chain, SIZE_MAX = end */
} slot;

struct evs_dedupe {
  slot *slots; /* the ring */
  size_t window, head, count;
  size_t *buckets; /* chain heads, SIZE_MAX = empty */
  size_t n_buckets;
};

static uint64_t fnv1a(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
  return h;
}

evs_dedupe *evs_dedupe_new(size_t window) {
  if (window == 0 || window > ((size_t)1 << 28)) return NULL;
  evs_dedupe *d = evs_calloc(1, sizeof *d);
  if (!d) return NULL;
  d->window = window;
  d->n_buckets = 16;
  while (d->n_buckets < window) d->n_buckets <<= 1;
  d->slots = evs_calloc(window, sizeof *d->slots);
  d->buckets = evs_malloc(d->n_buckets * sizeof *d->buckets);
  if (!d->slots || !d->buckets) {
    evs_dedupe_free(d);
    return NULL;
  }
  for (size_t i = 0; i < d->n_buckets; i++) d->buckets[i] = SIZE_MAX;
  return d;
}

/* Builds "source\0id\0" in buf (or a heap copy when long); returns it and its length. */
static char *make_key(const char *source, const char *id, char *buf, size_t cap, size_t *len) {
  size_t a = strlen(source ? source : ""), b = strlen(id ? id : "");
  *len = a + b + 2;
  char *k = *len <= cap ? buf : evs_malloc(*len);
  if (!k) return NULL;
  memcpy(k, source ? source : "", a);
  k[a] = '\0';
  memcpy(k + a + 1, id ? id : "", b);
  k[a + 1 + b] = '\0';
  return k;
}

static size_t find(const evs_dedupe *d, const char *k, size_t len, uint64_t h) {
  for (size_t i = d->buckets[h & (d->n_buckets - 1)]; i != SIZE_MAX; i = d->slots[i].next) {
    const slot *s = &d->slots[i];
    if (s->hash == h && s->len == len && memcmp(s->key, k, len) == 0) return i;
  }
  return SIZE_MAX;
}

bool evs_dedupe_seen(const evs_dedupe *d, const char *source, const char *id) {
  if (!d || !id) return false;
  char buf[256];
  size_t len;
  char *k = make_key(source, id, buf, sizeof buf, &len);
  if (!k) return false;
  bool seen = find(d, k, len, fnv1a(k, len)) != SIZE_MAX;
  if (k != buf) evs_free(k);
  return seen;
}

static void unlink_slot(evs_dedupe *d, size_t idx) {
  slot *s = &d->slots[idx];
  size_t *link = &d->buckets[s->hash & (d->n_buckets - 1)];
  while (*link != SIZE_MAX && *link != idx) link = &d->slots[*link].next;
  if (*link == idx) *link = s->next;
  evs_free(s->key);
  s->key = NULL;
}

bool evs_dedupe_add(evs_dedupe *d, const char *source, const char *id) {
  if (!d || !id) return false;
  size_t len;
  char *k = make_key(source, id, NULL, 0, &len);
  if (!k) return false;
  uint64_t h = fnv1a(k, len);
  if (find(d, k, len, h) != SIZE_MAX) {
    evs_free(k);
    return true;
  }
  size_t idx = d->head;
  if (d->slots[idx].key) unlink_slot(d, idx); /* the oldest leaves the window */
  slot *s = &d->slots[idx];
  s->key = k;
  s->len = len;
  s->hash = h;
  size_t b = h & (d->n_buckets - 1);
  s->next = d->buckets[b];
  d->buckets[b] = idx;
  d->head = (d->head + 1) % d->window;
  if (d->count < d->window) d->count++;
  return true;
}

void evs_dedupe_free(evs_dedupe *d) {
  if (!d) return;
  for (size_t i = 0; d->slots && i < d->window; i++) evs_free(d->slots[i].key);
  evs_free(d->slots);
  evs_free(d->buckets);
  evs_free(d);
}
