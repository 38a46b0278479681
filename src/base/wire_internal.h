/* The wire scanner and merger (not installed): protobuf bytes walked against a protobuf-c descriptor
 * without unpacking them, iteratively and with bounded memory. The registry checks descriptor sets with it
 * before unpacking, the JSON codec's binary input guard (evs_binary_depth_check, evs_binary_unpack) every
 * message it did not make. */
#ifndef EVS_BASE_WIRE_INTERNAL_H
#define EVS_BASE_WIRE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/buf.h"
#include "evs/error.h"

#define EVS_WIRE_PATH_MAX 256

typedef struct evs_wire_scan {
  size_t bad_offset; /* where a structural error was found */
  evs_status code;   /* of a structural error: EVS_ERR_TRUNCATED (a field or length running past its end),
                      * EVS_ERR_LIMIT (nesting deeper than allowed), EVS_ERR_SYNTAX (anything else); EVS_OK */
  const char *why;   /* static text saying what, NULL when the bytes are well-formed */
  bool dup_message;  /* a singular message field occurs twice in one message (merge) */
  bool nul_found;    /* a string field holds a NUL byte */
  size_t nul_offset; /* of that string's first byte */
  int32_t nul_path[EVS_WIRE_PATH_MAX]; /* SourceCodeInfo-style path of the string from the root */
  size_t nul_path_len;
  bool bad_utf8_found;        /* a string field is not well-formed UTF-8 */
  size_t bad_utf8_offset;     /* of its first ill-formed byte */
  const char *bad_utf8_field; /* that field's name (from the descriptor) */
  int32_t bad_utf8_path[EVS_WIRE_PATH_MAX];
  size_t bad_utf8_path_len;
  const char *missing_required; /* evs_wire_scan_required: name of a required field not there, else NULL */
  const char *missing_in;       /* full name of its message */
  size_t missing_offset;        /* first byte of that message */
  int32_t missing_path[EVS_WIRE_PATH_MAX];
  size_t missing_path_len;
} evs_wire_scan;

/* Walks `data` as a `desc` message without building it: bounds, wire types, nesting depth (max_depth
 * levels of sub-messages), NUL bytes and ill-formed UTF-8 in string fields. Needs no memory beyond a bounded
 * scratch array. Results in *out; returns out->code, or EVS_ERR_NOMEM when the scratch cannot be allocated
 * (*out then holds nothing). NUL bytes and ill-formed UTF-8 are findings in *out, not errors. */
evs_status evs_wire_scan_message(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                 unsigned max_depth, evs_wire_scan *out);

/* Rewrites well-formed bytes of a `desc` message (checked by the scan first, `levels` deep at most) so that
 * every singular message field occurs once per message, holding the merge of all its occurrences (their
 * encodings concatenated, merged again inside), as protobuf's parsers do and protobuf-c's unpack does not:
 * it keeps only the last occurrence of a oneof member and fails on two occurrences that carry repeated
 * fields. A oneof member's occurrences merge only until another member of the oneof occurs. Everything
 * else is copied as it is, in order. Work is bounded: *budget bytes of scanning and copying, decremented.
 * Returns EVS_OK, EVS_ERR_NOMEM, or EVS_ERR_LIMIT when the budget runs out. */
evs_status evs_wire_merge(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                          unsigned levels, evs_buf *out, size_t *budget);
/* The same walk, also looking for proto2 required fields (among each message's first 64) that are missing:
 * run after protobuf-c refused bytes the plain scan passed, to say which field. A missing field is a
 * finding (out->missing_required), not an error. */
evs_status evs_wire_scan_required(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                  unsigned max_depth, evs_wire_scan *out);

#endif
