/* Groups (wire types 3/4) kept as bytes around protobuf-c 1.4.1, whose unpack refuses them even as unknown
 * fields: lifted out of the input before unpack, put back after it as unknown fields (docs/json.md).
 *
 * A group is addressed by the path of the message it was in: per level the field number, plus the element
 * index for repeated fields. Lifting runs before evs_wire_merge, which keeps repeated fields' elements and
 * folds a singular field's occurrences into one message, so the path still finds that message after
 * unpack. The input was scanned first (evs_wire_scan_message): it is well-formed and nests boundedly. */
#include "base/alloc_internal.h"
#include "base/grow_internal.h"
#include "base/varint_internal.h"
#include "base/wire_internal.h"

#include <stdlib.h>
#include <string.h>

static evs_status add_group(evs_wire_groups *g, const int32_t *path, size_t path_len, uint32_t number,
                            size_t body, size_t body_len) {
  evs_wire_group *v = evs_grow(g->v, &g->cap, g->n, sizeof *v, 8);
  if (!v) return EVS_ERR_NOMEM;
  g->v = v;
  if (path_len) { /* a top-level group has no path: paths may stay NULL */
    int32_t *p = evs_grow_to(g->paths, &g->cap_paths, g->n_paths + path_len, sizeof *p, 64);
    if (!p) return EVS_ERR_NOMEM;
    g->paths = p;
  }
  if (path_len) memcpy(g->paths + g->n_paths, path, path_len * sizeof *path);
  g->v[g->n++] = (evs_wire_group){g->n_paths, path_len, number, body, body_len};
  g->n_paths += path_len;
  return EVS_OK;
}

/* A oneof member replaced by another one keeps nothing of what it held, its groups included (as
 * evs_wire_merge drops its earlier occurrences): marks the groups lifted so far below path + [number] as
 * dropped (number 0). */
static void drop_groups_below(evs_wire_groups *g, const int32_t *path, size_t path_len, uint32_t number) {
  for (size_t i = 0; i < g->n; i++) {
    evs_wire_group *w = &g->v[i];
    if (w->path_len <= path_len) continue; /* g->paths may be NULL then */
    const int32_t *p = g->paths + w->path_at;
    if (w->path_len > path_len && p[path_len] == (int32_t)number &&
        (!path_len || memcmp(p, path, path_len * sizeof *p) == 0))
      w->number = 0;
  }
}

/* Field fd of desc occurs: when it is a member of a oneof whose last member was another one, that one's
 * groups go. member[i]: field i is the member of its oneof seen last. */
static void oneof_occurs(const ProtobufCMessageDescriptor *desc, const ProtobufCFieldDescriptor *fd,
                         bool *member, evs_wire_groups *g, const int32_t *path, size_t path_len) {
  if (!fd || !(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) return;
  size_t idx = (size_t)(fd - desc->fields);
  if (member[idx]) return;
  for (size_t k = 0; k < desc->n_fields; k++)
    if (member[k] && desc->fields[k].quantifier_offset == fd->quantifier_offset) {
      member[k] = false;
      drop_groups_below(g, path, path_len, desc->fields[k].id);
    }
  member[idx] = true;
}

static evs_status lift(const uint8_t *d, size_t start, size_t end, const ProtobufCMessageDescriptor *desc,
                       int32_t *path, size_t path_len, evs_buf *out, evs_wire_groups *g) {
  size_t nf = desc->n_fields ? desc->n_fields : 1;
  size_t *seen = evs_calloc(nf, sizeof *seen); /* elements per field so far */
  bool *member = evs_calloc(nf, sizeof *member);
  if (!seen || !member) {
    evs_free(seen);
    evs_free(member);
    return EVS_ERR_NOMEM;
  }
  evs_status st = EVS_OK;
  size_t pos = start;
  while (st == EVS_OK && pos < end) {
    size_t field_start = pos;
    uint64_t tag = 0, v = 0;
    if (!evs_varint_read(d, &pos, end, &tag)) break; /* not reached: the scan checked the bytes */
    uint32_t number = (uint32_t)(tag >> 3);
    unsigned wire = (unsigned)(tag & 7);
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(desc, number);
    oneof_occurs(desc, fd, member, g, path, path_len);
    if (wire == EVS_WIRE_SGROUP) {
      size_t body = pos;
      const char *why;
      if (evs_wire_skip_group(d, &pos, end, number, (unsigned)-1, &why) != EVS_OK) break; /* not reached */
      st = add_group(g, path, path_len, number, body, pos - body);
      continue;
    }
    if (wire == PROTOBUF_C_WIRE_TYPE_VARINT) {
      if (!evs_varint_read(d, &pos, end, &v)) break;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_64BIT) {
      pos += 8;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_32BIT) {
      pos += 4;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      if (!evs_varint_read(d, &pos, end, &v) || v > end - pos) break;
      if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE) {
        /* a sub-message: its own groups lifted, with its length written anew */
        size_t idx = (size_t)(fd - desc->fields), n = path_len;
        if (n + 2 > EVS_WIRE_PATH_MAX) {
          st = EVS_ERR_LIMIT;
          break;
        }
        path[n++] = (int32_t)number;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) path[n++] = (int32_t)seen[idx]++;
        evs_buf sub = EVS_BUF_INIT;
        st = lift(d, pos, pos + (size_t)v, fd->descriptor, path, n, &sub, g);
        if (st == EVS_OK) st = evs_varint_append(out, tag);
        if (st == EVS_OK) st = evs_varint_append(out, sub.len);
        if (st == EVS_OK && sub.len) st = evs_buf_append(out, sub.data, sub.len);
        evs_buf_free(&sub);
        pos += (size_t)v;
        continue;
      }
      pos += (size_t)v;
    } else {
      break; /* not reached: end-group tags only occur inside groups, which are skipped whole */
    }
    st = evs_buf_append(out, d + field_start, pos - field_start);
  }
  evs_free(seen);
  evs_free(member);
  if (st == EVS_OK && evs_buf_status(out) != EVS_OK) st = EVS_ERR_NOMEM;
  return st;
}

evs_status evs_wire_lift_groups(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                evs_buf *out, evs_wire_groups *g) {
  int32_t path[EVS_WIRE_PATH_MAX];
  return lift(data, 0, len, desc, path, 0, out, g);
}

/* The message at path below root, or NULL when unpack did not keep one there. */
static ProtobufCMessage *resolve(ProtobufCMessage *root, const int32_t *path, size_t n) {
  ProtobufCMessage *m = root;
  for (size_t i = 0; m && i < n; i++) {
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(m->descriptor, (unsigned)path[i]);
    if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE) return NULL;
    const char *base = (const char *)m;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t count = *(const size_t *)(const void *)(base + fd->quantifier_offset);
      size_t k = (size_t)path[++i];
      if (k >= count) return NULL;
      m = (*(ProtobufCMessage *const *const *)(const void *)(base + fd->offset))[k];
      continue;
    }
    if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(const uint32_t *)(const void *)(base + fd->quantifier_offset) != fd->id)
      return NULL;
    m = *(ProtobufCMessage *const *)(const void *)(base + fd->offset);
  }
  return m;
}

static void *a_alloc(ProtobufCAllocator *a, size_t n) {
  return a ? a->alloc(a->allocator_data, n) : evs_malloc(n);
}

static void a_free(ProtobufCAllocator *a, void *p) {
  if (a)
    a->free(a->allocator_data, p);
  else
    evs_free(p);
}

evs_status evs_wire_attach_groups(ProtobufCMessage *msg, const uint8_t *data, const evs_wire_groups *g,
                                  ProtobufCAllocator *allocator) {
  for (size_t i = 0; i < g->n; i++) {
    const evs_wire_group *w = &g->v[i];
    const int32_t *path = w->path_len ? g->paths + w->path_at : NULL; /* no paths at all: g->paths is NULL */
    ProtobufCMessage *m = w->number ? resolve(msg, path, w->path_len) : NULL;
    if (!m) continue;
    ProtobufCMessageUnknownField *u = a_alloc(allocator, (m->n_unknown_fields + 1) * sizeof *u);
    uint8_t *bytes = a_alloc(allocator, w->body_len);
    if (!u || !bytes) {
      if (u) a_free(allocator, u);
      if (bytes) a_free(allocator, bytes);
      return EVS_ERR_NOMEM;
    }
    if (m->n_unknown_fields) memcpy(u, m->unknown_fields, m->n_unknown_fields * sizeof *u);
    memcpy(bytes, data + w->body, w->body_len);
    u[m->n_unknown_fields] =
        (ProtobufCMessageUnknownField){w->number, (ProtobufCWireType)EVS_WIRE_SGROUP, w->body_len, bytes};
    if (m->unknown_fields) a_free(allocator, m->unknown_fields);
    m->unknown_fields = u;
    m->n_unknown_fields++;
  }
  return EVS_OK;
}

void evs_wire_groups_free(evs_wire_groups *g) {
  evs_free(g->v);
  evs_free(g->paths);
  memset(g, 0, sizeof *g);
}
