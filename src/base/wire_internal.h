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
#include "evs/types.h" /* EVS_WIRE_SGROUP / EVS_WIRE_EGROUP: protobuf-c has no names for groups */

#define EVS_WIRE_PATH_MAX 256

typedef struct evs_wire_scan {
  size_t bad_offset; /* where a structural error was found */
  evs_status code;   /* of a structural error: EVS_ERR_TRUNCATED (a field or length running past its end),
                      * EVS_ERR_LIMIT (nesting deeper than allowed), EVS_ERR_SYNTAX (anything else); EVS_OK */
  const char *why;   /* static text saying what, NULL when the bytes are well-formed */
  bool dup_message;  /* a singular message field occurs twice in one message (merge) */
  bool has_group;    /* a group (wire types 3/4) occurs: evs_wire_lift_groups */
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
/* pos just after the start-group tag of group `number`: moves *pos past its matching end-group tag, over
 * nested groups (at most nest_left levels). EVS_OK when well-formed; else EVS_ERR_TRUNCATED, EVS_ERR_LIMIT
 * (nested too deeply) or EVS_ERR_SYNTAX, with *why saying what and *pos at the offending field. */
evs_status evs_wire_skip_group(const uint8_t *d, size_t *pos, size_t end, uint32_t number, unsigned nest_left,
                               const char **why);

/* Groups (wire types 3/4), which protobuf-c 1.4.1 refuses even as unknown fields (wiregroups.c): each one
 * is lifted out of scanned bytes before unpack and put back after it as an unknown field of the message it
 * was in (tag, wire type 3, the bytes after the start tag through the end tag), which protobuf-c's pack
 * writes back as they were, after the known fields. */
typedef struct evs_wire_group {
  size_t path_at, path_len; /* the message it belongs to: (field number[, element index]) steps in paths */
  uint32_t number;
  size_t body, body_len; /* offsets in the lifted input: after the start tag, through the end tag */
} evs_wire_group;

typedef struct evs_wire_groups {
  evs_wire_group *v;
  size_t n, cap;
  int32_t *paths;
  size_t n_paths, cap_paths;
} evs_wire_groups;

/* Copies well-formed (scanned) bytes of a desc message to out without their groups, which go to *g.
 * EVS_ERR_NOMEM, or EVS_ERR_LIMIT for a group more than EVS_WIRE_PATH_MAX / 2 messages deep. */
evs_status evs_wire_lift_groups(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                evs_buf *out, evs_wire_groups *g);
/* Puts the groups of *g (lifted from data) back into msg as unknown fields, allocated through allocator
 * (NULL: evs_malloc). A group in a message that unpack did not keep (a replaced oneof member) goes with it.
 */
evs_status evs_wire_attach_groups(ProtobufCMessage *msg, const uint8_t *data, const evs_wire_groups *g,
                                  ProtobufCAllocator *allocator);
void evs_wire_groups_free(evs_wire_groups *g);

/* The same walk without the UTF-8 check (bad_utf8_found stays false), for readers that do not judge string
 * contents (a registry load: protoc checked its names; 2 % of a large load). */
evs_status evs_wire_scan_shape(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                               unsigned max_depth, evs_wire_scan *out);

/* The same walk, also looking for proto2 required fields (among each message's first 64) that are missing:
 * run after protobuf-c refused bytes the plain scan passed, to say which field. A missing field is a
 * finding (out->missing_required), not an error. */
evs_status evs_wire_scan_required(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *desc,
                                  unsigned max_depth, evs_wire_scan *out);

#endif
