/* A bounded window of recently handled event keys (source + id): a ring of the last `window` keys plus the
 * base hash table over it, so lookups stay O(1) and memory stays bounded. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/hash_internal.h"
#include "kafka/kafka_internal.h"

typedef struct slot {
  char *key;  /* source '\0' id '\0'; NULL = empty */
  size_t len; /* bytes of key including both NULs */
} slot;

struct evs_dedupe {
  slot *slots; /* the ring */
  size_t window, head, count;
  evs_hmap index; /* key -> its slot; sized for the whole window at creation, so adding never allocates it */
};

evs_dedupe *evs_dedupe_new(size_t window) {
  if (window == 0 || window > ((size_t)1 << 28)) return NULL;
  evs_dedupe *d = evs_calloc(1, sizeof *d);
  if (!d) return NULL;
  d->window = window;
  evs_hmap_init(&d->index);
  d->slots = evs_calloc(window, sizeof *d->slots);
  if (!d->slots || !evs_hmap_reserve(&d->index, window)) {
    evs_dedupe_free(d);
    return NULL;
  }
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

bool evs_dedupe_seen(const evs_dedupe *d, const char *source, const char *id) {
  if (!d || !id) return false;
  char buf[256];
  size_t len;
  char *k = make_key(source, id, buf, sizeof buf, &len);
  if (!k) return false;
  bool seen = evs_hmap_get(&d->index, k, len) != NULL;
  if (k != buf) evs_free(k);
  return seen;
}

bool evs_dedupe_add(evs_dedupe *d, const char *source, const char *id) {
  if (!d || !id) return false;
  size_t len;
  char *k = make_key(source, id, NULL, 0, &len);
  if (!k) return false;
  if (evs_hmap_get(&d->index, k, len)) {
    evs_free(k);
    return true;
  }
  slot *s = &d->slots[d->head];
  if (s->key) { /* the oldest leaves the window */
    evs_hmap_remove(&d->index, s->key, s->len);
    evs_free(s->key);
  }
  s->key = k;
  s->len = len;
  (void)evs_hmap_put(&d->index, k, len, s);
  d->head = (d->head + 1) % d->window;
  if (d->count < d->window) d->count++;
  return true;
}

void evs_dedupe_free(evs_dedupe *d) {
  if (!d) return;
  for (size_t i = 0; d->slots && i < d->window; i++) evs_free(d->slots[i].key);
  evs_free(d->slots);
  evs_hmap_free(&d->index);
  evs_free(d);
}
