/* Reads the text of a (possibly nested) singular field of a protobuf-c message: the partition key and
 * the type field of an event. The path comes from the registry (evs_event_options); field->index is the
 * position in the protobuf-c descriptor, so no name lookup happens per event. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kafka/kafka_internal.h"

static const void *member(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd) {
  return (const char *)m + fd->offset;
}

/* Whether a singular field holds a value (proto2 has_, oneof case, message pointer). */
static bool is_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd) {
  if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    uint32_t which;
    memcpy(&which, (const char *)m + fd->quantifier_offset, sizeof which);
    return which == fd->id;
  }
  if (evs_type_traits_of_pbc(fd->type)->c_pointer) {
    const void *p;
    memcpy(&p, member(m, fd), sizeof p);
    return p != NULL;
  }
  if (fd->label == PROTOBUF_C_LABEL_OPTIONAL) {
    protobuf_c_boolean has;
    memcpy(&has, (const char *)m + fd->quantifier_offset, sizeof has);
    return has != 0;
  }
  return true;
}

static int append_num(evs_buf *out, const char *fmt_text) {
  return evs_buf_append_str(out, fmt_text) == EVS_OK ? 1 : -1;
}

static int scalar_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd, evs_buf *out) {
  const void *p = member(m, fd);
  char tmp[48];
  const evs_type_traits *t = evs_type_traits_of_pbc(fd->type);
  if (t && t->is_integer) {
    uint64_t u;
    if (t->bits == 64) {
      memcpy(&u, p, sizeof u);
    } else {
      uint32_t v;
      memcpy(&v, p, sizeof v);
      u = t->is_signed ? (uint64_t)(int64_t)(int32_t)v : v;
    }
    if (t->is_signed)
      snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)u);
    else
      snprintf(tmp, sizeof tmp, "%" PRIu64, u);
    return append_num(out, tmp);
  }
  switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
      const char *s;
      memcpy(&s, p, sizeof s);
      if (!s || !*s) return 0;
      return evs_buf_append_str(out, s) == EVS_OK ? 1 : -1;
    }
    case PROTOBUF_C_TYPE_BYTES: {
      ProtobufCBinaryData b;
      memcpy(&b, p, sizeof b);
      if (!b.len) return 0;
      return evs_buf_append(out, b.data, b.len) == EVS_OK ? 1 : -1;
    }
    case PROTOBUF_C_TYPE_BOOL: {
      protobuf_c_boolean v;
      memcpy(&v, p, sizeof v);
      return append_num(out, v ? "true" : "false");
    }
    case PROTOBUF_C_TYPE_FLOAT: {
      float v;
      memcpy(&v, p, sizeof v);
      snprintf(tmp, sizeof tmp, "%.9g", (double)v);
      return append_num(out, tmp);
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
      double v;
      memcpy(&v, p, sizeof v);
      snprintf(tmp, sizeof tmp, "%.17g", v);
      return append_num(out, tmp);
    }
    case PROTOBUF_C_TYPE_ENUM: {
      int v;
      memcpy(&v, p, sizeof v);
      const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(fd->descriptor, v);
      if (ev) return append_num(out, ev->name);
      snprintf(tmp, sizeof tmp, "%d", v);
      return append_num(out, tmp);
    }
    default:
      return 0;
  }
}

int evs_kafka_field_text(const ProtobufCMessage *msg, const evs_field *const *path, size_t n, evs_buf *out) {
  const ProtobufCMessage *m = msg;
  for (size_t i = 0; i < n && m; i++) {
    if (path[i]->index >= m->descriptor->n_fields) return 0;
    const ProtobufCFieldDescriptor *fd = &m->descriptor->fields[path[i]->index];
    if (!is_set(m, fd)) return 0;
    if (i + 1 < n) {
      if (fd->type != PROTOBUF_C_TYPE_MESSAGE) return 0;
      const ProtobufCMessage *sub;
      memcpy(&sub, member(m, fd), sizeof sub);
      m = sub;
      continue;
    }
    return scalar_text(m, fd, out);
  }
  return 0;
}
