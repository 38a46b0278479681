/* Confluent Schema Registry wire framing: 0x00, big-endian schema id, zigzag-varint message indexes. */
#include <string.h>

#include "base/error_internal.h"
#include "kafka/kafka_internal.h"

static size_t put_zigzag(uint8_t *out, int32_t v) {
  uint32_t z = ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
  size_t n = 0;
  while (z >= 0x80) {
    out[n++] = (uint8_t)(z | 0x80);
    z >>= 7;
  }
  out[n++] = (uint8_t)z;
  return n;
}

static evs_status get_zigzag(const uint8_t *p, size_t len, size_t *pos, int32_t *v, evs_error *err) {
  uint32_t z = 0;
  for (int i = 0; i < 5; i++) {
    if (*pos >= len)
      return evs_fail_at(err, EVS_ERR_TRUNCATED, *pos,
                         "Confluent framing: message index varint runs off the end");
    uint8_t b = p[(*pos)++];
    if (i == 4 && (b & 0xf0))
      return evs_fail_at(err, EVS_ERR_SYNTAX, *pos - 1,
                         "Confluent framing: message index varint overflows 32 bits");
    z |= (uint32_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *v = (int32_t)((z >> 1) ^ (~(z & 1) + 1));
      return EVS_OK;
    }
  }
  return evs_fail_at(err, EVS_ERR_SYNTAX, *pos,
                     "Confluent framing: message index varint longer than 5 bytes");
}

size_t evs_confluent_message_indexes(const evs_message *msg, int32_t *out, size_t max) {
  if (!msg) return 0;
  int32_t rev[EVS_CONFLUENT_MAX_INDEXES];
  size_t n = 0;
  for (const evs_message *m = msg; m && n < EVS_CONFLUENT_MAX_INDEXES; m = m->parent) {
    const evs_message *const *list = m->parent ? m->parent->nested : m->file->messages;
    size_t count = m->parent ? m->parent->n_nested : m->file->n_messages;
    int32_t idx = 0;
    for (size_t i = 0; i < count; i++) {
      if (list[i] == m) idx = (int32_t)i;
    }
    rev[n++] = idx;
  }
  size_t w = 0;
  for (size_t i = n; i-- > 0 && w < max;) out[w++] = rev[i];
  return n;
}

size_t evs_confluent_write_prefix(uint8_t *out, int32_t schema_id, const int32_t *indexes, size_t n) {
  uint32_t id = (uint32_t)schema_id;
  out[0] = 0;
  out[1] = (uint8_t)(id >> 24);
  out[2] = (uint8_t)(id >> 16);
  out[3] = (uint8_t)(id >> 8);
  out[4] = (uint8_t)id;
  size_t pos = 5;
  if (n == 1 && indexes[0] == 0) {
    out[pos++] = 0; /* the [0] shortcut every Confluent writer uses */
    return pos;
  }
  pos += put_zigzag(out + pos, (int32_t)n);
  for (size_t i = 0; i < n; i++) pos += put_zigzag(out + pos, indexes[i]);
  return pos;
}

evs_status evs_confluent_parse(const uint8_t *data, size_t len, int32_t *schema_id, int32_t *indexes,
                               size_t *n_indexes, size_t *payload_offset, evs_error *err) {
  if (!data && len) return evs_fail(err, EVS_ERR_INVALID_ARG, "Confluent framing: data is NULL");
  if (len < 6)
    return evs_fail_at(err, EVS_ERR_TRUNCATED, len, "Confluent framing: %zu bytes, at least 6 expected", len);
  if (data[0] != 0)
    return evs_fail_at(err, EVS_ERR_SYNTAX, 0, "Confluent framing: unknown magic byte 0x%02x (0x00 expected)",
                       data[0]);
  int32_t id = (int32_t)(((uint32_t)data[1] << 24) | ((uint32_t)data[2] << 16) | ((uint32_t)data[3] << 8) |
                         (uint32_t)data[4]);
  size_t pos = 5;
  int32_t count = 0;
  evs_status st = get_zigzag(data, len, &pos, &count, err);
  if (st != EVS_OK) return st;
  if (count < 0)
    return evs_fail_at(err, EVS_ERR_SYNTAX, 5, "Confluent framing: negative index count %d", count);
  if (count > EVS_CONFLUENT_MAX_INDEXES)
    return evs_fail_at(err, EVS_ERR_LIMIT, 5, "Confluent framing: %d message indexes, at most %d handled",
                       count, EVS_CONFLUENT_MAX_INDEXES);
  size_t n = 0;
  if (count == 0) {
    if (indexes) indexes[0] = 0;
    n = 1;
  }
  for (int32_t i = 0; i < count; i++) {
    size_t at = pos;
    int32_t v = 0;
    st = get_zigzag(data, len, &pos, &v, err);
    if (st != EVS_OK) return st;
    if (v < 0) return evs_fail_at(err, EVS_ERR_SYNTAX, at, "Confluent framing: negative message index %d", v);
    if (indexes) indexes[n] = v;
    n++;
  }
  if (schema_id) *schema_id = id;
  if (n_indexes) *n_indexes = n;
  if (payload_offset) *payload_offset = pos;
  return EVS_OK;
}
