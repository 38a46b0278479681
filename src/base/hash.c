/* Open addressing with linear probing; see hash_internal.h. */
#include "base/alloc_internal.h"
#include "base/hash_internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h) {
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 29;
  return h;
}

uint32_t evs_hash_bytes(const void *data, size_t len) {
  const unsigned char *p = data;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)len;
  while (len >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    h = mix(h ^ v);
    p += 8;
    len -= 8;
  }
  if (len) {
    /* The last 1..7 bytes without a variable-length copy: two overlapping 4-byte loads, or three single
     * bytes (the length is already in h, so overlaps cannot make two keys alike). */
    uint64_t v;
    if (len >= 4) {
      uint32_t a, b;
      memcpy(&a, p, 4);
      memcpy(&b, p + len - 4, 4);
      v = (uint64_t)a << 32 | b;
    } else {
      v = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 | p[len - 1];
    }
    h = mix(h ^ v ^ 0xa5);
  }
  h *= 0x94d049bb133111ebull;
  return (uint32_t)(h ^ (h >> 32));
}

void evs_hmap_init(evs_hmap *m) {
  memset(m, 0, sizeof *m);
}

size_t evs_hmap_fixed_cap(size_t n) {
  size_t cap = 4;
  while (cap < 2 * n) cap *= 2;
  return cap;
}

void evs_hmap_init_fixed(evs_hmap *m, evs_hslot *slots, size_t cap) {
  m->slots = slots;
  m->mask = (uint32_t)(cap - 1);
  m->count = 0;
  m->fixed = true;
}

static void place(evs_hslot *slots, uint32_t mask, const evs_hslot *s) {
  uint32_t i = s->hash & mask;
  while (slots[i].key) i = (i + 1) & mask;
  slots[i] = *s;
}

bool evs_hmap_reserve(evs_hmap *m, size_t extra) {
  size_t cap = m->slots ? (size_t)m->mask + 1 : 0;
  size_t need = (size_t)m->count + extra;
  if (need < extra || need > ((size_t)1 << 29)) return false;
  if (m->fixed) return need * 2 <= cap;
  if (need * 4 <= cap * 3) return true;
  size_t ncap = cap ? cap : 16;
  while (need * 4 > ncap * 3) ncap *= 2;
  evs_hslot *slots = evs_calloc(ncap, sizeof *slots);
  if (!slots) return false;
  for (size_t i = 0; i < cap; i++)
    if (m->slots[i].key) place(slots, (uint32_t)(ncap - 1), &m->slots[i]);
  evs_free(m->slots);
  m->slots = slots;
  m->mask = (uint32_t)(ncap - 1);
  return true;
}

void evs_hmap_free(evs_hmap *m) {
  if (!m->fixed) evs_free(m->slots);
  memset(m, 0, sizeof *m);
}

const void *evs_hmap_get(const evs_hmap *m, const char *key, size_t len) {
  if (!m->count) return NULL;
  uint32_t h = evs_hash_bytes(key, len);
  for (uint32_t i = h & m->mask;; i = (i + 1) & m->mask) {
    const evs_hslot *s = &m->slots[i];
    if (!s->key) return NULL;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s->value;
  }
}

const void *evs_hmap_put(evs_hmap *m, const char *key, size_t len, const void *value) {
  /* One slot always stays empty so that probing ends. */
  if (len > UINT32_MAX || !m->slots || m->count + 1 > m->mask) return value;
  uint32_t h = evs_hash_bytes(key, len);
  uint32_t i = h & m->mask;
  for (;; i = (i + 1) & m->mask) {
    const evs_hslot *s = &m->slots[i];
    if (!s->key) break;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s->value;
  }
  m->slots[i] = (evs_hslot){key, (uint32_t)len, h, value};
  m->count++;
  return NULL;
}

const void *evs_hmap_remove(evs_hmap *m, const char *key, size_t len) {
  if (!m->count) return NULL;
  uint32_t h = evs_hash_bytes(key, len);
  uint32_t i = h & m->mask;
  for (;; i = (i + 1) & m->mask) {
    const evs_hslot *s = &m->slots[i];
    if (!s->key) return NULL;
    if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) break;
  }
  const void *value = m->slots[i].value;
  /* Pull later members of the probe run back over the hole, unless their home slot lies cyclically in
   * (hole, j]: moving those would put them before their home. */
  for (uint32_t j = (i + 1) & m->mask; m->slots[j].key; j = (j + 1) & m->mask) {
    uint32_t home = m->slots[j].hash & m->mask;
    bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    m->slots[i] = m->slots[j];
    i = j;
  }
  m->slots[i].key = NULL;
  m->count--;
  return value;
}
