/* Validation of the field rules ((evs.v1.field), (evs.v1.oneof); docs/validation.md) on decoded messages,
 * compiled or dynamic, and of the CloudEvents envelope of an event.
 *
 * A validator compiles the rules of every message type of a registry once (patterns included) and is then
 * read-only: evs_validate_message() may run on it from any number of threads at once. It borrows the
 * registry, which must outlive it. Violations are collected into an evs_violations the caller owns (init,
 * reuse across messages with reset, free); every string a violation holds belongs to it.
 *
 * Semantics (docs/validation.md): a field with presence is checked only when set; a field without presence
 * holding its zero value is unset. An unset field fails `required` and passes every other rule. Repeated
 * fields and maps are always checked. Violations come in a stable order: fields in declaration order, depth
 * first, elements in order, a field's rules in the order of docs/validation.md. */
#ifndef EVS_VALIDATE_H
#define EVS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/buf.h"
#include "evs/cloudevents.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"

EVS_EXTERN_C_BEGIN

/* Longest offending value kept in a violation, in bytes of its JSON text (longer ones end in "..."). */
#define EVS_VIOLATION_VALUE_MAX 64

/* One broken rule. */
typedef struct evs_violation {
  const char *path;       /* proto names from the validated message: "lines[2].sku", "labels[\"env\"]", ""
                           * for the message itself; for an envelope rule the attribute ("id", "time") */
  const char *json_path;  /* the same path with JSON names ("lines[2].sku", "labels[\"env\"]") */
  const char *rule_id;    /* stable id: "required", "string.max_len", "evs.string.uuid_v7", ... (static) */
  const char *message;    /* "must be at most 500 characters" */
  const char *value;      /* the offending value as JSON text, truncated to EVS_VIOLATION_VALUE_MAX bytes;
                           * NULL when there is none (an unset required field, a oneof) */
  bool for_key;           /* the rule is on a map key (path ends in the key) */
  const evs_field *field; /* the field the rule belongs to; NULL for oneof and envelope rules */
} evs_violation;

/* A list of violations. Zero-initialise it or call evs_violations_init(). */
typedef struct evs_violations {
  evs_violation *v;
  size_t n;
  size_t cap_;    /* private */
  evs_buf text_;  /* private: the strings */
  bool truncated; /* more violations were found than EVS_VALIDATE_MAX_VIOLATIONS: the rest are not listed */
} evs_violations;

/* At most this many violations are listed per message (the first ones in the stable order). */
#define EVS_VALIDATE_MAX_VIOLATIONS 1000

EVS_API void evs_violations_init(evs_violations *vs);
/* Empties the list, keeping its memory for the next message. */
EVS_API void evs_violations_reset(evs_violations *vs);
EVS_API void evs_violations_free(evs_violations *vs);

/* Appends one line per violation, "<line_prefix><path_prefix><path>: <message> [<rule_id>]" (no path part
 * when the path is empty), each ending in '\n'. json_names: print json_path instead of path. The prefixes
 * may be NULL (e.g. line_prefix "line 3: ", path_prefix "data." for an event's payload). */
EVS_API evs_status evs_violations_text(const evs_violations *vs, bool json_names, const char *line_prefix,
                                       const char *path_prefix, evs_buf *out);

/* Appends a JSON array of objects {"path", "json_path", "rule_id", "message", "value"?, "for_key"?} (value
 * is the JSON text itself, not a string holding it; for_key only when true). */
EVS_API evs_status evs_violations_json(const evs_violations *vs, evs_buf *out);

/* The violations as one line (for an error message or a Kafka header): "<path>: <message> [<rule_id>]"
 * joined by "; ", cut at max_len bytes with "..." (max_len >= 16). */
EVS_API evs_status evs_violations_summary(const evs_violations *vs, size_t max_len, evs_buf *out);

/* The three forms above return EVS_OK, EVS_ERR_NOMEM (out is then marked failed: evs_buf_status() tells
 * too) or EVS_ERR_INVALID_ARG. */

typedef struct evs_validator evs_validator;

/* Clock for the time-relative rules (within, max_future): the current time as Unix seconds + nanos. */
typedef void (*evs_validate_clock)(void *ctx, int64_t *seconds, int32_t *nanos);

typedef struct evs_validate_options {
  evs_validate_clock clock; /* NULL: the system clock (CLOCK_REALTIME) */
  void *clock_ctx;
} evs_validate_options;

/* Compiles the rules of every message of reg into *out (NULL on failure). opts may be NULL. Fails with
 * EVS_ERR_NOMEM, EVS_ERR_INVALID_ARG (NULL reg/out), or the error of a pattern that does not compile (cannot
 * happen for a registry that loaded it: the registry checks patterns at load). Messages loaded into reg
 * after this call are not known to the validator: create a new one. */
EVS_API EVS_NODISCARD evs_status evs_validator_new(const evs_registry *reg, const evs_validate_options *opts,
                                                   evs_validator **out, evs_error *err);
EVS_API void evs_validator_free(evs_validator *v);

/* Flags for evs_validate_message / evs_validate_event. */
enum {
  EVS_VALIDATE_FAIL_FAST = 1u << 0 /* stop at the first violation */
};

/* Checks msg (a message of a type of the validator's registry: compiled or dynamic descriptor) and every
 * message below it. Appends the violations to *out (which is not reset first). EVS_OK: none found;
 * EVS_ERR_VALIDATION: at least one, and err says how many and the first one; EVS_ERR_NOMEM (what was found
 * so far is in *out); EVS_ERR_NOT_FOUND for a message type the validator does not know; EVS_ERR_INVALID_ARG
 * for NULL arguments. */
EVS_API EVS_NODISCARD evs_status evs_validate_message(const evs_validator *v, const ProtobufCMessage *msg,
                                                      uint32_t flags, evs_violations *out, evs_error *err);

/* Checks the envelope of an event as evs_validate_message() checks a message: the type is an event type of
 * the registry (rule "evs.event.type_registered"), and the attributes obey the rules of the matching fields
 * of evs.v1.Envelope in the registry (id: a UUIDv7, time: millisecond precision, ... as the builtin
 * envelope.proto declares; none when the registry has no evs.v1.Envelope). Paths are attribute names. The
 * payload is not looked at: validate it with evs_validate_message(). */
EVS_API EVS_NODISCARD evs_status evs_validate_event(const evs_validator *v, const evs_ce_event *ev,
                                                    uint32_t flags, evs_violations *out, evs_error *err);

/* Makes the violations v[from..n) relative to a parent, for a message checked as a part of something
 * larger (an event's payload under "data"): `name` / `json_name` go in front of their proto / JSON paths
 * ("title" -> "data.title", "" -> "data", "[2]" -> "data[2]"). EVS_ERR_NOMEM (the list is left as it
 * was), EVS_ERR_INVALID_ARG (NULL arguments, from > n). */
EVS_API EVS_NODISCARD evs_status evs_violations_nest(evs_violations *vs, size_t from, const char *name,
                                                     const char *json_name);

EVS_EXTERN_C_END

#endif
