/* evs_binary_depth_check: the registry's iterative wire scan, exposed for callers of
 * protobuf_c_message_unpack() (evs decode). */
#include "evs/json.h"

#include <string.h>

#include "base/error_internal.h"
#include "registry/registry_internal.h"

evs_status evs_binary_depth_check(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                  int max_depth, evs_error *err) {
  evs_error_clear(err);
  if (!desc || (!data && len) || max_depth < 0)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_binary_depth_check: %s",
                    !desc           ? "desc is NULL"
                    : max_depth < 0 ? "max_depth < 0"
                                    : "data is NULL");
  if (max_depth == 0) max_depth = EVS_JSON_DEFAULT_MAX_DEPTH;
  evs_wire_scan scan;
  if (!evs_wire_scan_message(data, len, desc, (unsigned)max_depth, &scan))
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (!scan.why) return EVS_OK;
  evs_status code = EVS_ERR_SYNTAX;
  if (scan.too_deep)
    code = EVS_ERR_LIMIT;
  else if (strstr(scan.why, "truncated") || strstr(scan.why, "past the end"))
    code = EVS_ERR_TRUNCATED;
  if (code == EVS_ERR_LIMIT)
    return evs_fail_at(err, code, scan.bad_offset, "%s %s: more than %d levels",
                       desc->name ? desc->name : "message", scan.why, max_depth);
  return evs_fail_at(err, code, scan.bad_offset, "%s: %s", desc->name ? desc->name : "message", scan.why);
}
