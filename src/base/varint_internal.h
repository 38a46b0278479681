/* Protobuf base-128 varints (not installed): the one reader and writer of the library's wire code (the
 * pre-scan, the merge of repeated message fields, extensions in JSON, the spool). */
#ifndef EVS_VARINT_INTERNAL_H
#define EVS_VARINT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evs/buf.h"

/* Longest encoding of a 64-bit value. */
#define EVS_VARINT_MAX 10

/* Reads the varint at d[*pos] (not past end) into *out and advances *pos. False when it runs past end, is
 * longer than 10 bytes or does not fit 64 bits (a 10th byte above 1): *pos is then unspecified. */
static inline bool evs_varint_read(const uint8_t *d, size_t *pos, size_t end, uint64_t *out) {
  if (*pos < end && d[*pos] < 0x80) { /* tags, lengths and small numbers: most varints are one byte */
    *out = d[(*pos)++];
    return true;
  }
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (*pos >= end) return false;
    uint8_t byte = d[(*pos)++];
    if (shift == 63 && byte > 1) return false;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

/* Writes v to out (EVS_VARINT_MAX bytes of room); returns the length, 1..10. */
static inline size_t evs_varint_put(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

/* Appends v to b (the buffer's sticky failure reports a failed allocation). */
static inline evs_status evs_varint_append(evs_buf *b, uint64_t v) {
  uint8_t tmp[EVS_VARINT_MAX];
  return evs_buf_append(b, tmp, evs_varint_put(tmp, v));
}

#endif
