/* Pieces the decoder and the encoder share: registry lookup of a descriptor, map-key duplicates. */
#include "base/alloc_internal.h"
#include "json/json_internal.h"

#include "base/hash_internal.h"

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

/* The key of a map entry as bytes, in the entry itself (so the pointer stays valid while the entries
 * do): string keys by content, the others by the value's storage (4 or 8 bytes, one width per key field). */
static const char *key_bytes(const ProtobufCMessage *e, const ProtobufCFieldDescriptor *kfd, size_t *len) {
  const char *slot = (const char *)e + kfd->offset;
  if (evs_field_is_string(kfd)) return evs_field_string(kfd, slot, len);
  *len = evs_type_traits_of_pbc(kfd->type)->c_size;
  return slot;
}

static void small_keys_of(ProtobufCMessage *const *entries, size_t n, const ProtobufCFieldDescriptor *kfd,
                          evs_json_small_keys *sk) {
  for (size_t i = 0; i < n; i++) {
    size_t len;
    const char *k = key_bytes(entries[i], kfd, &len);
    evs_json_small_key(sk, i, k, len);
  }
}

static bool small_same(const evs_json_small_keys *sk, size_t i, size_t j) {
  return sk->fp[i] == sk->fp[j] && sk->len[i] == sk->len[j] && memcmp(sk->k[i], sk->k[j], sk->len[i]) == 0;
}

size_t evs_json_small_first_dup(const evs_json_small_keys *sk, size_t n) {
  for (size_t j = 1; j < n; j++)
    for (size_t i = 0; i < j; i++)
      if (small_same(sk, i, j)) return j;
  return n;
}

size_t evs_json_map_shadowed(ProtobufCMessage *const *entries, size_t n, const ProtobufCFieldDescriptor *kfd,
                             uint8_t *shadowed) {
  size_t count = 0;
  if (n < 2) return 0;
  if (n <= EVS_JSON_SMALL_KEYS) {
    evs_json_small_keys sk;
    small_keys_of(entries, n, kfd, &sk);
    for (size_t i = 0; i < n; i++)
      for (size_t j = i + 1; j < n; j++)
        if (small_same(&sk, i, j)) {
          if (shadowed) shadowed[i] = 1;
          count++;
          break;
        }
    return count;
  }
  /* Newest first: an entry whose key is already in the set is shadowed by a later one. */
  evs_hmap seen;
  evs_hmap_init(&seen);
  if (!evs_hmap_reserve(&seen, n)) return SIZE_MAX;
  for (size_t i = n; i-- > 0;) {
    size_t len;
    const char *k = key_bytes(entries[i], kfd, &len);
    if (evs_hmap_put(&seen, k, len, entries[i])) {
      if (shadowed) shadowed[i] = 1;
      count++;
    }
  }
  evs_hmap_free(&seen);
  return count;
}

size_t evs_json_map_first_dup(ProtobufCMessage *const *entries, size_t n,
                              const ProtobufCFieldDescriptor *kfd) {
  if (n < 2) return n;
  if (n <= EVS_JSON_SMALL_KEYS) {
    evs_json_small_keys sk;
    small_keys_of(entries, n, kfd, &sk);
    return evs_json_small_first_dup(&sk, n);
  }
  evs_hmap seen;
  evs_hmap_init(&seen);
  if (!evs_hmap_reserve(&seen, n)) return SIZE_MAX;
  size_t found = n;
  for (size_t j = 0; j < n && found == n; j++) {
    size_t len;
    const char *k = key_bytes(entries[j], kfd, &len);
    if (evs_hmap_put(&seen, k, len, entries[j])) found = j;
  }
  evs_hmap_free(&seen);
  return found;
}
