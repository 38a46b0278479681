/* The JSON codec's own declarations (not installed): the message-level decoder and encoder that
 * json_lib.h's scanner and writer drive, and what decode and encode share (common.c). */
#ifndef EVS_JSON_INTERNAL_H
#define EVS_JSON_INTERNAL_H

#include "json/json_lib.h"

/* ------------------------------------------------------------------ decoder */

/* decode.c */
/* The JSON value at d->p (an object, or a well-known type's special form) into msg, an initialised
 * message of type (m, cd). */
evs_status evs_jd_message_value(evs_jdec *d, const evs_message *m, const ProtobufCMessageDescriptor *cd,
                                ProtobufCMessage *msg);
/* The object members of a plain message at d->p ('{'). skip_key: a key to ignore (Any's "@type"). */
evs_status evs_jd_object(evs_jdec *d, const evs_message *m, const ProtobufCMessageDescriptor *cd,
                         ProtobufCMessage *msg, const char *skip_key);
/* One scalar/enum/string/bytes value (not null) for field f (of protobuf-c field fd) into slot.
 * *skipped is set when IGNORE_UNKNOWN dropped an unknown enum name. */
evs_status evs_jd_scalar(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd, void *slot,
                         bool *skipped);

/* After a map or Struct object (at obj) is collected: EVS_ERR_DUPLICATE at the second spelling of a key.
 * dropped: entries were left out (ignore-unknown), so entry i is no longer member i. sk: the keys of the
 * entries as the decoder recorded them (when n <= EVS_JSON_SMALL_KEYS), else NULL: read from the entries. */
struct evs_json_small_keys;
evs_status evs_jd_check_dups(evs_jdec *d, ProtobufCMessage *const *entries, size_t n, const char *obj,
                             bool dropped, const struct evs_json_small_keys *sk);

/* extension.c: the value at d->p of group field f (fd), appended to msg's unknown fields as the group's wire
 * bytes; null leaves it unset. */
evs_status evs_jd_group(evs_jdec *d, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                        ProtobufCMessage *msg);

struct evs_json_ext;
/* extension.c: the value at d->p of extension x, appended to msg's unknown fields as its wire bytes. */
evs_status evs_jd_extension(evs_jdec *d, const struct evs_json_ext *x, ProtobufCMessage *msg,
                            const char *keypos);

/* decode_wkt.c: a well-known type's special JSON value (not null unless the type takes null) into msg. */
evs_status evs_jd_wkt(evs_jdec *d, evs_wkt wkt, const evs_message *m, ProtobufCMessage *msg);
/* Makes a google.protobuf.Value `null_value`. */
evs_status evs_jd_wkt_null(ProtobufCMessage *value);

/* common.c, binary_check.c */

/* binary_check.c: evs_binary_unpack with `levels` sub-message levels allowed below the top (0 = none). */
evs_status evs_json_unpack_guarded(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                                   int levels, size_t max_size, ProtobufCAllocator *allocator,
                                   ProtobufCMessage **out, evs_error *err);

/* The registry view of a protobuf-c descriptor: the linked one, else the one with the same full name when
 * every field has the same number and type. NULL when unknown. */
const evs_message *evs_json_message_of(const evs_registry *reg, const ProtobufCMessageDescriptor *desc);

/* Small maps and Structs (up to 16 entries) compare pairs of keys without a table: each key's bytes and
 * length once, and a fingerprint (length and a few bytes, not a hash: nothing is indexed by it) that
 * spares most memcmp calls. The decoder records the keys as it copies them (it knows their lengths);
 * the encoder reads them from the entries. */
#define EVS_JSON_SMALL_KEYS 16
typedef struct evs_json_small_keys {
  const char *k[EVS_JSON_SMALL_KEYS];
  size_t len[EVS_JSON_SMALL_KEYS];
  uint32_t fp[EVS_JSON_SMALL_KEYS];
} evs_json_small_keys;

/* Key i (i < EVS_JSON_SMALL_KEYS) is k[0..len), which must stay valid while sk is used. */
static inline void evs_json_small_key(evs_json_small_keys *sk, size_t i, const char *k, size_t len) {
  sk->k[i] = k;
  sk->len[i] = len;
  sk->fp[i] =
      (uint32_t)len << 24 ^
      (len ? (uint32_t)(uint8_t)k[0] << 16 ^ (uint32_t)(uint8_t)k[len - 1] << 8 ^ (uint8_t)k[len / 2] : 0);
}
/* The first key of sk[0..n) that an earlier one equals; n when none. */
size_t evs_json_small_first_dup(const evs_json_small_keys *sk, size_t n);

/* Map entries (messages with key = fields[0]) whose key appears again later in entries[0..n): in
 * binary a later entry replaces an earlier one. Marks them in shadowed[i] (when not NULL) and returns
 * how many there are; SIZE_MAX when out of memory. */
size_t evs_json_map_shadowed(ProtobufCMessage *const *entries, size_t n,
                             const ProtobufCFieldDescriptor *key_fd, uint8_t *shadowed);
/* The first entry whose key an earlier entry already has (n when none, SIZE_MAX when out of memory). */
size_t evs_json_map_first_dup(ProtobufCMessage *const *entries, size_t n,
                              const ProtobufCFieldDescriptor *key_fd);

/* ------------------------------------------------------------------ encoder */

/* The JSON of a message of type m (plain or well-known). */
evs_status evs_je_message(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg);
/* Members of a plain message (no braces); *first tracks the comma. */
evs_status evs_je_members(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg, bool *first);

/* extension.c: msg's unknown fields that are known extensions of m, as "[pkg.name]": value members. */
evs_status evs_je_extensions(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg, bool *first);
/* One singular value of field f at slot (not a map/repeated container). */
evs_status evs_je_value(evs_jenc *e, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                        const void *slot);
/* A JSON object of map entries (each key once: later entries shadow earlier ones, as in binary). */
evs_status evs_je_map_entries(evs_jenc *e, ProtobufCMessage *const *entries, size_t n, const evs_field *vf,
                              const ProtobufCFieldDescriptor *kfd, const ProtobufCFieldDescriptor *vfd);

/* encode_wkt.c */
evs_status evs_je_wkt(evs_jenc *e, const evs_message *m, const ProtobufCMessage *msg);

#endif
