/* Pieces the decoder and the encoder share: registry lookup of a descriptor, map-key duplicates. */
#include "json/json_internal.h"

#include <stdlib.h>
#include <string.h>

const evs_message *evs_json_message_of(const evs_registry *reg, const ProtobufCMessageDescriptor *desc) {
  const evs_message *m = evs_registry_message_for(reg, desc);
  if (m) return m;
  /* Not linked through a catalog: the descriptor set may still define it. Accept it only when every field
   * has the same number and type, since the codec indexes both field arrays in parallel. */
  m = desc->name ? evs_registry_find_message(reg, desc->name) : NULL;
  if (!m || m->n_fields != desc->n_fields) return NULL;
  for (size_t i = 0; i < m->n_fields; i++)
    if (m->fields[i].number != desc->fields[i].id ||
        ((int)m->fields[i].traits->pbc_type != (int)desc->fields[i].type &&
         !(m->fields[i].type == EVS_TYPE_STRING && evs_field_is_string(&desc->fields[i]))))
      return NULL;
  return m;
}

/* The key of a map entry as bytes: string keys by content, the others by value (8 bytes). */
static const char *key_bytes(const ProtobufCMessage *e, const ProtobufCFieldDescriptor *kfd, uint64_t *tmp,
                             size_t *len) {
  const char *slot = (const char *)e + kfd->offset;
  if (evs_field_is_string(kfd)) return evs_field_string(kfd, slot, len);
  switch (kfd->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      memcpy(tmp, slot, 8);
      break;
    default: {
      uint32_t v;
      memcpy(&v, slot, 4);
      *tmp = v;
      break;
    }
  }
  *len = 8;
  return (const char *)tmp;
}

static bool same_key(const ProtobufCMessage *a, const ProtobufCMessage *b,
                     const ProtobufCFieldDescriptor *kfd) {
  uint64_t ta, tb;
  size_t la, lb;
  const char *ka = key_bytes(a, kfd, &ta, &la);
  const char *kb = key_bytes(b, kfd, &tb, &lb);
  return la == lb && memcmp(ka, kb, la) == 0;
}

static uint32_t hash_key(const char *k, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 16777619u;
  return h;
}

/* A cheap fingerprint for the small-map pairwise check: length and the first and last two bytes. */
static uint32_t quick_hash(const char *k, size_t n) {
  uint32_t h = (uint32_t)n * 0x9E3779B1u;
  if (n) {
    h ^= (uint32_t)(uint8_t)k[0] << 24 ^ (uint32_t)(uint8_t)k[n - 1] << 16;
    h ^= (uint32_t)(uint8_t)k[n / 2] << 8 ^ (uint32_t)(uint8_t)k[(n - 1) / 3];
  }
  return h;
}

size_t evs_json_map_shadowed(ProtobufCMessage *const *entries, size_t n, const ProtobufCFieldDescriptor *kfd,
                             uint8_t *shadowed) {
  size_t count = 0;
  if (n < 2) return 0;
  if (n <= 16) {
    /* Hash each key once; compare bytes only on equal hashes. */
    uint32_t h[16];
    for (size_t i = 0; i < n; i++) {
      uint64_t t;
      size_t len;
      const char *k = key_bytes(entries[i], kfd, &t, &len);
      h[i] = quick_hash(k, len);
    }
    for (size_t i = 0; i < n; i++)
      for (size_t j = i + 1; j < n; j++)
        if (h[i] == h[j] && same_key(entries[i], entries[j], kfd)) {
          if (shadowed) shadowed[i] = 1;
          count++;
          break;
        }
    return count;
  }
  /* Open addressing over entry indexes, newest first: an entry whose key is already in the set is
   * shadowed by a later one. */
  size_t cap = 32;
  while (cap < n * 2) cap *= 2;
  uint32_t *slots = calloc(cap, sizeof *slots);
  if (!slots) return SIZE_MAX;
  for (size_t i = n; i-- > 0;) {
    uint64_t t;
    size_t len;
    const char *k = key_bytes(entries[i], kfd, &t, &len);
    size_t h = hash_key(k, len) & (cap - 1);
    bool dup = false;
    while (slots[h]) {
      if (same_key(entries[slots[h] - 1], entries[i], kfd)) {
        dup = true;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
    if (dup) {
      if (shadowed) shadowed[i] = 1;
      count++;
    } else {
      slots[h] = (uint32_t)i + 1;
    }
  }
  free(slots);
  return count;
}

size_t evs_json_map_first_dup(ProtobufCMessage *const *entries, size_t n,
                              const ProtobufCFieldDescriptor *kfd) {
  if (n < 2) return n;
  if (n <= 16) {
    /* Each key's bytes, length and hash once; then pairs compare hashes first. */
    const char *k[16];
    size_t len[16];
    uint32_t h[16];
    uint64_t tmp[16];
    for (size_t i = 0; i < n; i++) {
      k[i] = key_bytes(entries[i], kfd, &tmp[i], &len[i]);
      h[i] = quick_hash(k[i], len[i]);
    }
    for (size_t j = 1; j < n; j++)
      for (size_t i = 0; i < j; i++)
        if (h[i] == h[j] && len[i] == len[j] && memcmp(k[i], k[j], len[i]) == 0) return j;
    return n;
  }
  size_t cap = 32;
  while (cap < n * 2) cap *= 2;
  uint32_t *slots = calloc(cap, sizeof *slots);
  if (!slots) return SIZE_MAX;
  size_t found = n;
  for (size_t j = 0; j < n && found == n; j++) {
    uint64_t t;
    size_t len;
    const char *k = key_bytes(entries[j], kfd, &t, &len);
    size_t h = hash_key(k, len) & (cap - 1);
    while (slots[h]) {
      if (same_key(entries[slots[h] - 1], entries[j], kfd)) {
        found = j;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
    if (found == n) slots[h] = (uint32_t)j + 1;
  }
  free(slots);
  return found;
}
