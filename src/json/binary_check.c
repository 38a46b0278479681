/* The binary input guard: evs_binary_depth_check (the registry's iterative wire scan, exposed) and
 * evs_binary_unpack, the one function through which evs unpacks bytes it did not make. */
#include "base/alloc_internal.h"
#include "evs/json.h"

#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "base/wire_internal.h"
#include "json/json_internal.h"

/* Writes the field path of a wire-scan path (field number, then the element index for repeated fields)
 * as "a.b[2].c" with proto field names into err->path. */
static void path_text(const ProtobufCMessageDescriptor *desc, const int32_t *path, size_t n, evs_error *err) {
  size_t o = 0, cap = sizeof err->path;
  if (!err) return;
  err->path[0] = '\0';
  for (size_t i = 0; i < n && desc; i++) {
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(desc, (unsigned)path[i]);
    if (!fd) break;
    int w = snprintf(err->path + o, cap - o, "%s%s", o ? "." : "", fd->name);
    if (w < 0 || (size_t)w >= cap - o) break;
    o += (size_t)w;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED && i + 1 < n) {
      w = snprintf(err->path + o, cap - o, "[%d]", (int)path[++i]);
      if (w < 0 || (size_t)w >= cap - o) break;
      o += (size_t)w;
    }
    desc = fd->type == PROTOBUF_C_TYPE_MESSAGE ? fd->descriptor : NULL;
  }
}

/* Scans data as desc and turns what the scan found into an error (EVS_OK when clean). sub_levels: how
 * many levels of sub-messages below the top are allowed; `limit` is the user-facing limit for messages. */
static evs_status scan_to_status(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                 int limit, bool check_strings, bool *dup_message, bool *has_group,
                                 evs_error *err) {
  evs_wire_scan scan;
  evs_status code = evs_wire_scan_message(data, len, desc, (unsigned)limit, &scan);
  if (code == EVS_ERR_NOMEM) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (dup_message) *dup_message = scan.dup_message;
  if (has_group) *has_group = scan.has_group;
  const char *name = desc->name ? desc->name : "message";
  if (code == EVS_ERR_LIMIT)
    return evs_fail_at(err, code, scan.bad_offset, "%s %s: more than %d levels", name, scan.why, limit);
  if (code) return evs_fail_at(err, code, scan.bad_offset, "%s: %s", name, scan.why);
  if (!check_strings) return EVS_OK;
  /* Report whichever problem comes first in the bytes. */
  evs_status st = EVS_OK;
  if (scan.bad_utf8_found && (!scan.nul_found || scan.bad_utf8_offset < scan.nul_offset)) {
    st = evs_fail_at(err, EVS_ERR_TYPE, scan.bad_utf8_offset, "%s: string field '%s' is not valid UTF-8",
                     name, scan.bad_utf8_field ? scan.bad_utf8_field : "?");
    path_text(desc, scan.bad_utf8_path, scan.bad_utf8_path_len, err);
  } else if (scan.nul_found) {
    st = evs_fail_at(err, EVS_ERR_UNSUPPORTED, scan.nul_offset,
                     "%s: a string field holds a NUL byte, which protobuf-c strings cannot keep (they are "
                     "NUL-terminated)",
                     name);
    path_text(desc, scan.nul_path, scan.nul_path_len, err);
  }
  return st;
}

evs_status evs_binary_depth_check(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                  int max_depth, evs_error *err) {
  evs_error_clear(err);
  if (!desc || (!data && len) || max_depth < 0 || max_depth > EVS_MAX_DEPTH_LIMIT)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_binary_depth_check: %s",
                    !desc           ? "desc is NULL"
                    : max_depth < 0 ? "max_depth < 0"
                    : data || !len  ? "max_depth above EVS_MAX_DEPTH_LIMIT"
                                    : "data is NULL");
  if (max_depth == 0) max_depth = EVS_JSON_DEFAULT_MAX_DEPTH;
  return scan_to_status(data, len, desc, max_depth, false, NULL, NULL, err);
}

evs_status evs_binary_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                             const evs_unpack_options *opts, ProtobufCAllocator *allocator,
                             ProtobufCMessage **out, evs_error *err) {
  evs_error_clear(err);
  if (out) *out = NULL;
  if (!desc || !out || (!data && len))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_binary_unpack: %s is NULL",
                    !desc  ? "desc"
                    : !out ? "out"
                           : "data");
  int depth = opts ? opts->max_depth : 0;
  if (depth < 0 || depth > EVS_MAX_DEPTH_LIMIT)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_binary_unpack: max_depth %d is outside 0..%d", depth,
                    EVS_MAX_DEPTH_LIMIT);
  return evs_json_unpack_guarded(desc, data, len, depth ? depth : EVS_JSON_DEFAULT_MAX_DEPTH,
                                 opts && opts->max_size ? opts->max_size : EVS_BINARY_DEFAULT_MAX_SIZE,
                                 allocator, out, err);
}

evs_status evs_json_unpack_guarded(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                                   int levels, size_t max_size, ProtobufCAllocator *allocator,
                                   ProtobufCMessage **out, evs_error *err) {
  const char *name = desc->name ? desc->name : "message";
  if (len > max_size)
    return evs_fail(err, EVS_ERR_LIMIT, "%s: %zu bytes, more than the limit of %zu", name, len, max_size);
  bool dup = false, has_group = false;
  evs_status st = scan_to_status(data, len, desc, levels, true, &dup, &has_group, err);
  if (st != EVS_OK) return st;
  /* protobuf-c refuses groups: they are unpacked around, and put back as unknown fields after. */
  evs_buf lifted = EVS_BUF_INIT;
  evs_wire_groups groups = {0};
  if (has_group) {
    st = evs_wire_lift_groups(data, len, desc, &lifted, &groups);
    if (st != EVS_OK) {
      evs_buf_free(&lifted);
      evs_wire_groups_free(&groups);
      return st == EVS_ERR_NOMEM
                 ? evs_fail(err, st, "out of memory setting the groups of %s aside", name)
                 : evs_fail(err, st, "%s: a group more than %d messages deep", name, EVS_WIRE_PATH_MAX / 2);
    }
  }
  const uint8_t *src = has_group ? (lifted.data ? lifted.data : (const uint8_t *)"") : data;
  size_t src_len = has_group ? lifted.len : len;
  /* A singular message field given twice must be merged; protobuf-c's unpack does not, so the bytes are
   * rewritten first (bounded work: a deep message could otherwise be copied once per level). */
  evs_buf merged = EVS_BUF_INIT;
  const uint8_t *bytes = src;
  size_t n = src_len;
  if (dup) {
    size_t budget = len > SIZE_MAX / 32 ? SIZE_MAX : 16 * len + ((size_t)1 << 20);
    st = evs_wire_merge(src, src_len, desc, (unsigned)levels, &merged, &budget);
    if (st != EVS_OK) {
      evs_buf_free(&merged);
      evs_buf_free(&lifted);
      evs_wire_groups_free(&groups);
      return st == EVS_ERR_NOMEM
                 ? evs_fail(err, st, "out of memory merging repeated message fields of %s", name)
                 : evs_fail(err, st,
                            "%s: message fields given several times, nested too deep to merge "
                            "within the work limit",
                            name);
    }
    bytes = merged.data ? merged.data : (const uint8_t *)"";
    n = merged.len;
  }
  evs_noting_alloc na;
  evs_noting_alloc_init(&na, allocator);
  ProtobufCMessage *msg = protobuf_c_message_unpack(desc, &na.base, n, bytes);
  evs_buf_free(&merged);
  evs_buf_free(&lifted);
  if (msg && groups.n && evs_wire_attach_groups(msg, data, &groups, allocator) != EVS_OK) {
    protobuf_c_message_free_unpacked(msg, allocator);
    evs_wire_groups_free(&groups);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory keeping the groups of %s", name);
  }
  evs_wire_groups_free(&groups);
  if (!msg) {
    if (na.failed) return evs_fail(err, EVS_ERR_NOMEM, "out of memory unpacking %s (%zu bytes)", name, len);
    evs_wire_scan scan;
    if (evs_wire_scan_required(data, len, desc, (unsigned)levels, &scan) != EVS_ERR_NOMEM &&
        scan.missing_required) {
      st = evs_fail_at(err, EVS_ERR_SYNTAX, scan.missing_offset,
                       "the %zu bytes are not a valid %s: required field \"%s\" of %s is missing", len, name,
                       scan.missing_required, scan.missing_in ? scan.missing_in : "?");
      if (err) {
        path_text(desc, scan.missing_path, scan.missing_path_len, err);
        size_t o = strlen(err->path);
        snprintf(err->path + o, sizeof err->path - o, "%s%s", o ? "." : "", scan.missing_required);
      }
      return st;
    }
    return evs_fail(err, EVS_ERR_SYNTAX,
                    "the %zu bytes are not a valid %s (a field with the wrong wire type, or a required field "
                    "missing)",
                    len, name);
  }
  /* The message keeps pointers to the wrapper only through protobuf-c's free calls, which take the
   * allocator again: callers free with their own allocator, which the wrapper merely forwards to. */
  *out = msg;
  return EVS_OK;
}
