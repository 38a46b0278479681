/* Pre-scan of protobuf bytes against a protobuf-c descriptor, before protobuf_c_message_unpack() sees them.
 *
 * protobuf-c's unpack recurses once per nested message with no limit, so a hostile descriptor set of
 * nested DescriptorProtos would overflow the stack; it also truncates strings at an embedded NUL without a
 * word. This walk is iterative with a fixed frame budget and allocates nothing per field. */
#include "base/alloc_internal.h"
#include "base/wire_internal.h"

#include "base/utf8_internal.h"
#include "base/varint_internal.h"

#include <stdlib.h>
#include <string.h>

#define COUNTED_FIELDS 32 /* descriptor.proto's widest message (FileOptions) has 21 fields */

typedef struct scan_frame {
  const ProtobufCMessageDescriptor *desc;
  size_t end;
  size_t path_base;
  size_t start;                  /* offset of the message's first byte */
  uint64_t required;             /* required fields (index < 64) seen, when asked for */
  uint64_t msg_seen;             /* singular message fields (index < 64) seen */
  uint32_t seen[COUNTED_FIELDS]; /* occurrences of each repeated field so far = next element index */
} scan_frame;

static void fail(evs_wire_scan *out, size_t offset, evs_status code, const char *why) {
  out->bad_offset = offset;
  out->code = code;
  out->why = why;
}

/* The first required field (index < 64) of f's message it did not hold, or NULL. */
static const ProtobufCFieldDescriptor *missing_required(const scan_frame *f) {
  for (unsigned i = 0; i < f->desc->n_fields && i < 64; i++)
    if (f->desc->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && !(f->required & ((uint64_t)1 << i)))
      return &f->desc->fields[i];
  return NULL;
}

evs_status evs_wire_skip_group(const uint8_t *d, size_t *pos, size_t end, uint32_t number, unsigned nest_left,
                               const char **why) {
  for (;;) {
    size_t at = *pos;
    uint64_t tag, v;
    evs_status code = EVS_OK;
    *why = NULL;
    if (at >= end) {
      *why = "a group without its end-group tag (truncated input?)";
      return EVS_ERR_TRUNCATED;
    }
    if (!evs_varint_read(d, pos, end, &tag)) {
      *pos = at;
      *why = "truncated or malformed field tag";
      return EVS_ERR_TRUNCATED;
    }
    uint64_t n = tag >> 3;
    unsigned wire = (unsigned)(tag & 7);
    if (n == 0 || n > 0x1fffffff) {
      code = EVS_ERR_SYNTAX, *why = "invalid field number";
    } else if (wire == PROTOBUF_C_WIRE_TYPE_VARINT) {
      if (!evs_varint_read(d, pos, end, &v)) code = EVS_ERR_TRUNCATED, *why = "truncated or malformed varint";
    } else if (wire == PROTOBUF_C_WIRE_TYPE_64BIT || wire == PROTOBUF_C_WIRE_TYPE_32BIT) {
      size_t k = wire == PROTOBUF_C_WIRE_TYPE_64BIT ? 8 : 4;
      if (end - *pos < k)
        code = EVS_ERR_TRUNCATED, *why = "field runs past the end of its message (truncated input?)";
      else
        *pos += k;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      if (!evs_varint_read(d, pos, end, &v) || v > end - *pos)
        code = EVS_ERR_TRUNCATED, *why = "field runs past the end of its message (truncated input?)";
      else
        *pos += (size_t)v;
    } else if (wire == EVS_WIRE_SGROUP) {
      if (!nest_left) {
        *pos = at;
        *why = "groups nested too deeply";
        return EVS_ERR_LIMIT;
      }
      code = evs_wire_skip_group(d, pos, end, (uint32_t)n, nest_left - 1, why);
      if (code != EVS_OK) return code;
    } else if (wire == EVS_WIRE_EGROUP) {
      if (n == number) return EVS_OK;
      code = EVS_ERR_SYNTAX,
      *why = "an end-group tag that does not match its start-group tag, or the bytes are of another type";
    } else {
      code = EVS_ERR_SYNTAX, *why = "invalid wire type";
    }
    if (code != EVS_OK) {
      *pos = at;
      return code;
    }
  }
}

/* protobuf_c_message_descriptor_get_field without the library call for descriptors of a few number ranges
 * (every descriptor.proto message): one lookup per length-delimited field was 3 % of a registry load. */
static inline const ProtobufCFieldDescriptor *field_of(const ProtobufCMessageDescriptor *desc,
                                                       uint64_t number) {
  unsigned n = desc->n_field_ranges;
  if (n > 4) return protobuf_c_message_descriptor_get_field(desc, (unsigned)number);
  const ProtobufCIntRange *r = desc->field_ranges; /* ascending; r[n] ends the last range */
  for (unsigned i = 0; i < n; i++) {
    if ((int64_t)number < r[i].start_value) return NULL;
    uint64_t off = number - (uint64_t)r[i].start_value;
    if (off < (uint64_t)(r[i + 1].orig_index - r[i].orig_index)) return &desc->fields[r[i].orig_index + off];
  }
  return NULL;
}

static evs_status scan(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                       unsigned max_depth, bool check_required, bool check_utf8, evs_wire_scan *out) {
  memset(out, 0, sizeof *out);
  scan_frame *frames = evs_calloc((size_t)max_depth + 1, sizeof *frames);
  if (!frames) return EVS_ERR_NOMEM;
  int32_t path[EVS_WIRE_PATH_MAX];
  size_t path_len = 0;
  size_t depth = 0;
  size_t pos = 0;
  frames[0].desc = desc;
  frames[0].end = len;
  for (;;) {
    scan_frame *f = &frames[depth];
    if (pos == f->end) {
      const ProtobufCFieldDescriptor *missing = check_required ? missing_required(f) : NULL;
      if (missing) {
        out->missing_required = missing->name;
        out->missing_in = f->desc->name;
        out->missing_offset = f->start;
        memcpy(out->missing_path, path, path_len * sizeof path[0]);
        out->missing_path_len = path_len;
        break;
      }
      if (depth == 0) break;
      path_len = f->path_base;
      depth--;
      continue;
    }
    size_t field_start = pos;
    uint64_t tag;
    if (!evs_varint_read(data, &pos, f->end, &tag)) {
      fail(out, field_start, EVS_ERR_TRUNCATED, "truncated or malformed field tag");
      break;
    }
    uint64_t number = tag >> 3;
    unsigned wire = (unsigned)(tag & 7);
    if (number == 0 || number > 0x1fffffff) {
      fail(out, field_start, EVS_ERR_SYNTAX, "invalid field number");
      break;
    }
    if (check_required) {
      const ProtobufCFieldDescriptor *rd = field_of(f->desc, number);
      size_t idx = rd ? (size_t)(rd - f->desc->fields) : 64;
      if (idx < 64) f->required |= (uint64_t)1 << idx;
    }
    uint64_t skip = 0;
    if (wire == PROTOBUF_C_WIRE_TYPE_VARINT) {
      if (!evs_varint_read(data, &pos, f->end, &skip)) {
        fail(out, field_start, EVS_ERR_TRUNCATED, "truncated or malformed varint");
        break;
      }
      continue;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_64BIT) {
      skip = 8;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_32BIT) {
      skip = 4;
    } else if (wire == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      if (!evs_varint_read(data, &pos, f->end, &skip)) {
        fail(out, field_start, EVS_ERR_TRUNCATED, "truncated or malformed length");
        break;
      }
    } else if (wire == EVS_WIRE_SGROUP) {
      /* Kept as bytes (evs_wire_lift_groups): only its shape is checked here. A group is a level. */
      const char *why = NULL;
      evs_status code = EVS_ERR_LIMIT;
      if (depth + 1 > max_depth)
        why = "groups nested too deeply";
      else
        code =
            evs_wire_skip_group(data, &pos, f->end, (uint32_t)number, max_depth - (unsigned)depth - 1, &why);
      if (why) {
        fail(out, pos, code, why);
        break;
      }
      out->has_group = true;
      continue;
    } else if (wire == EVS_WIRE_EGROUP) {
      fail(out, field_start, EVS_ERR_SYNTAX,
           "an end-group tag without its start-group tag, or the bytes are of another type");
      break;
    } else {
      fail(out, field_start, EVS_ERR_SYNTAX, "invalid wire type");
      break;
    }
    if (skip > f->end - pos) {
      fail(out, field_start, EVS_ERR_TRUNCATED, "field runs past the end of its message (truncated input?)");
      break;
    }
    if (wire == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
      const ProtobufCFieldDescriptor *fd = field_of(f->desc, number);
      if (fd) {
        size_t idx = (size_t)(fd - f->desc->fields);
        bool repeated = fd->label == PROTOBUF_C_LABEL_REPEATED;
        uint32_t element = 0;
        if (repeated && idx < COUNTED_FIELDS) element = f->seen[idx]++;
        size_t base = path_len;
        if (path_len + 2 <= EVS_WIRE_PATH_MAX) {
          path[path_len++] = (int32_t)number;
          if (repeated) path[path_len++] = (int32_t)element;
        }
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
          /* A singular message field given twice must be merged, which protobuf-c's unpack does not do. */
          if (!repeated) {
            if (idx >= 64 || (f->msg_seen & ((uint64_t)1 << idx))) out->dup_message = true;
            if (idx < 64) f->msg_seen |= (uint64_t)1 << idx;
          }
          if (depth + 1 > max_depth) {
            fail(out, field_start, EVS_ERR_LIMIT, "messages nested too deeply");
            break;
          }
          scan_frame *sub = &frames[++depth];
          const ProtobufCMessageDescriptor *sd = fd->descriptor;
          sub->required = sub->msg_seen = 0;
          memset(sub->seen, 0,
                 (sd->n_fields < COUNTED_FIELDS ? sd->n_fields : COUNTED_FIELDS) * sizeof sub->seen[0]);
          sub->desc = sd;
          sub->end = pos + (size_t)skip;
          sub->path_base = base;
          sub->start = pos;
          continue;
        }
        /* only `char *` strings: those held with a length (EVS_FIELD_FLAG_STRING) keep NUL bytes */
        if (fd->type == PROTOBUF_C_TYPE_STRING && !out->nul_found && skip &&
            memchr(data + pos, 0, (size_t)skip)) {
          out->nul_found = true;
          out->nul_offset = pos;
          memcpy(out->nul_path, path, path_len * sizeof path[0]);
          out->nul_path_len = path_len;
        }
        if (check_utf8 && evs_field_is_string(fd) && !out->bad_utf8_found && skip) {
          size_t bad = evs_utf8_check(data + pos, (size_t)skip);
          if (bad < skip) {
            out->bad_utf8_found = true;
            out->bad_utf8_offset = pos + bad;
            out->bad_utf8_field = fd->name;
            memcpy(out->bad_utf8_path, path, path_len * sizeof path[0]);
            out->bad_utf8_path_len = path_len;
          }
        }
        path_len = base;
      }
    }
    pos += (size_t)skip;
  }
  evs_free(frames);
  return out->code;
}

evs_status evs_wire_scan_message(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                 unsigned max_depth, evs_wire_scan *out) {
  return scan(data, len, desc, max_depth, false, true, out);
}

evs_status evs_wire_scan_shape(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                               unsigned max_depth, evs_wire_scan *out) {
  return scan(data, len, desc, max_depth, false, false, out);
}

evs_status evs_wire_scan_required(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                  unsigned max_depth, evs_wire_scan *out) {
  return scan(data, len, desc, max_depth, true, true, out);
}
