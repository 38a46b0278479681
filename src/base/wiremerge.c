/* Merging repeated occurrences of singular message fields in protobuf bytes (evs_wire_merge).
 *
 * Concatenated encodings are a protobuf idiom (appending one message's bytes to another's merges them), and
 * parsers must merge a message field given twice. protobuf-c 1.4.1's unpack does not: it keeps only the last
 * occurrence of a oneof member and returns NULL for two occurrences whose contents carry repeated fields.
 * So, only when the scan saw such a field twice, the bytes are rewritten with one occurrence per field whose
 * payload is the concatenation of all of them, merged the same way inside. Input is well-formed (scanned
 * first); the work is bounded by a byte budget because a deep message could be copied once per level. */
#include "base/alloc_internal.h"
#include "base/wire_internal.h"

#include "base/varint_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct occ {
  const ProtobufCFieldDescriptor *fd; /* NULL for an unknown field */
  size_t start, end;                  /* the whole field: tag, length, payload */
  size_t payload, payload_len;        /* length-delimited fields only */
  int group;                          /* singular message fields: the group it merges into; else -1 */
} occ;

static bool spend(size_t *budget, size_t n) {
  if (*budget < n) return false;
  *budget -= n;
  return true;
}

static evs_status merge_msg(const uint8_t *d, size_t len, const ProtobufCMessageDescriptor *desc,
                            unsigned levels, evs_buf *out, size_t *budget);

/* Copies one message payload to out: merged when a scan finds a repeated singular message field inside,
 * as is otherwise. */
static evs_status put_payload(const uint8_t *p, size_t n, const ProtobufCMessageDescriptor *desc,
                              unsigned levels, evs_buf *out, size_t *budget) {
  if (!spend(budget, n)) return EVS_ERR_LIMIT;
  evs_wire_scan s;
  if (evs_wire_scan_message(p, n, desc, levels, &s) == EVS_ERR_NOMEM) return EVS_ERR_NOMEM;
  if (!s.dup_message || s.code) return evs_buf_append(out, p, n);
  return merge_msg(p, n, desc, levels, out, budget);
}

/* One length-delimited message field with a (possibly merged) payload: the payload is built in a buffer of
 * its own first, since its length comes before it. */
static evs_status put_message_field(uint32_t number, const uint8_t *p, size_t n,
                                    const ProtobufCMessageDescriptor *desc, unsigned levels, evs_buf *out,
                                    size_t *budget) {
  evs_buf sub = EVS_BUF_INIT;
  evs_status st = levels ? put_payload(p, n, desc, levels - 1, &sub, budget) : evs_buf_append(&sub, p, n);
  if (st == EVS_OK) st = evs_varint_append(out, (uint64_t)number << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED);
  if (st == EVS_OK) st = evs_varint_append(out, sub.len);
  if (st == EVS_OK && sub.len) st = evs_buf_append(out, sub.data, sub.len);
  evs_buf_free(&sub);
  return st;
}

static evs_status merge_msg(const uint8_t *d, size_t len, const ProtobufCMessageDescriptor *desc,
                            unsigned levels, evs_buf *out, size_t *budget) {
  size_t nf = desc->n_fields ? desc->n_fields : 1;
  size_t n = 0, cap = 16;
  occ *o = evs_malloc(cap * sizeof *o);
  size_t *next = NULL;                          /* next occurrence of the same group, SIZE_MAX at the end */
  int *cur = evs_calloc(nf, sizeof *cur);       /* field index -> its open group + 1 (0 = none) */
  size_t *slot = evs_malloc(nf * sizeof *slot); /* oneof members -> the first member's index (the oneof) */
  size_t *member = evs_malloc(nf * sizeof *member); /* per oneof slot: index + 1 of the member seen last */
  size_t *head = NULL, *tail = NULL;
  int groups = 0;
  evs_status st = (o && cur && slot && member) ? EVS_OK : EVS_ERR_NOMEM;
  for (size_t i = 0; st == EVS_OK && i < desc->n_fields; i++) {
    slot[i] = i;
    member[i] = 0;
    if (!(desc->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) continue;
    for (size_t k = 0; k < i; k++)
      if ((desc->fields[k].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
          desc->fields[k].quantifier_offset == desc->fields[i].quantifier_offset) {
        slot[i] = slot[k];
        break;
      }
  }
  /* Pass 1: every field, and for singular message fields the group each occurrence merges into. */
  size_t pos = 0;
  while (st == EVS_OK && pos < len) {
    if (n == cap) {
      occ *grown = evs_realloc(o, (cap *= 2) * sizeof *o);
      if (!grown) {
        st = EVS_ERR_NOMEM;
        break;
      }
      o = grown;
    }
    occ *c = &o[n];
    memset(c, 0, sizeof *c);
    c->start = pos;
    c->group = -1;
    uint64_t tag = 0, v = 0;
    if (!evs_varint_read(d, &pos, len, &tag)) break; /* not reached: the scan checked the bytes */
    unsigned wire = (unsigned)(tag & 7);
    if (wire == PROTOBUF_C_WIRE_TYPE_VARINT) {
      if (!evs_varint_read(d, &pos, len, &v)) break;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_64BIT) {
      pos += 8;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_32BIT) {
      pos += 4;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      if (!evs_varint_read(d, &pos, len, &v) || v > len - pos) break;
      c->payload = pos;
      c->payload_len = (size_t)v;
      pos += (size_t)v;
    } else {
      break;
    }
    if (pos > len) break;
    c->end = pos;
    c->fd = protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3));
    const ProtobufCFieldDescriptor *fd = c->fd;
    if (fd) {
      size_t idx = (size_t)(fd - desc->fields);
      if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && member[slot[idx]] != idx + 1) {
        /* another member of the oneof came between: whatever this member held is replaced, not merged */
        cur[idx] = 0;
        member[slot[idx]] = idx + 1;
      }
      if (fd->type == PROTOBUF_C_TYPE_MESSAGE && fd->label != PROTOBUF_C_LABEL_REPEATED &&
          wire == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
        if (!cur[idx]) cur[idx] = ++groups;
        c->group = cur[idx] - 1;
      }
    }
    n++;
  }
  /* Each group's occurrences, chained in order; the last one carries the merged field. */
  if (st == EVS_OK && groups) {
    next = evs_malloc(n * sizeof *next);
    head = evs_malloc((size_t)groups * sizeof *head);
    tail = evs_malloc((size_t)groups * sizeof *tail);
    if (!next || !head || !tail) st = EVS_ERR_NOMEM;
    for (int g = 0; st == EVS_OK && g < groups; g++) head[g] = tail[g] = SIZE_MAX;
    for (size_t i = 0; st == EVS_OK && i < n; i++) {
      next[i] = SIZE_MAX;
      int g = o[i].group;
      if (g < 0) continue;
      if (tail[g] == SIZE_MAX)
        head[g] = i;
      else
        next[tail[g]] = i;
      tail[g] = i;
    }
  }
  /* Pass 2: write. */
  for (size_t i = 0; st == EVS_OK && i < n; i++) {
    occ *c = &o[i];
    const ProtobufCFieldDescriptor *fd = c->fd;
    if (c->group >= 0) {
      if (tail[c->group] != i) continue;
      evs_buf cat = EVS_BUF_INIT;
      for (size_t k = head[c->group]; k != SIZE_MAX && st == EVS_OK; k = next[k])
        st = evs_buf_append(&cat, d + o[k].payload, o[k].payload_len);
      if (st == EVS_OK && !spend(budget, cat.len)) st = EVS_ERR_LIMIT;
      if (st == EVS_OK)
        st = put_message_field(fd->id, cat.data ? cat.data : (const uint8_t *)"", cat.len, fd->descriptor,
                               levels, out, budget);
      evs_buf_free(&cat);
    } else if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE && c->payload_len) {
      /* a repeated message field (map entries included): each element merged inside */
      st = put_message_field(fd->id, d + c->payload, c->payload_len, fd->descriptor, levels, out, budget);
    } else {
      st = evs_buf_append(out, d + c->start, c->end - c->start);
    }
  }
  evs_free(o);
  evs_free(next);
  evs_free(head);
  evs_free(tail);
  evs_free(cur);
  evs_free(slot);
  evs_free(member);
  if (st == EVS_OK && evs_buf_status(out) != EVS_OK) st = EVS_ERR_NOMEM;
  return st;
}

evs_status evs_wire_merge(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                          unsigned levels, evs_buf *out, size_t *budget) {
  return merge_msg(data, len, desc, levels, out, budget);
}
