/* JSON Schema (draft 2020-12) of the ProtoJSON that evs reads or writes for a message type, with the field
 * rules of (evs.v1.field) / (evs.v1.oneof) mapped to keywords (docs/jsonschema.md).
 *
 * The schema is one bundled document: the root `$ref`s the message's definition in `$defs`, where every
 * message and well-known type it reaches has one entry named by its full name ("acme.v1.Order"), so
 * recursive types work. It compiles under ajv 8 (`Ajv2020`, `strict: true`) with or without ajv-formats:
 * no `format` keyword is written (grammars are patterns, see the docs) and no unknown keyword. Where JSON
 * Schema cannot say what the codec or a rule checks, the definition carries a `$comment` starting with
 * "evs-inexact:" that lists the cases by name; docs/jsonschema.md gives the reason for each.
 *
 * Ownership: output is appended to the caller's evs_buf. Thread-safety: reentrant; the registry is only
 * read. */
#ifndef EVS_JSONSCHEMA_H
#define EVS_JSONSCHEMA_H

#include <stdint.h>

#include "evs/buf.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"

EVS_EXTERN_C_BEGIN

/* Flags (bitwise OR). */
enum {
  /* Only what evs writes (evs_json_encode without options): JSON names, 64-bit integers as decimal strings,
   * enums by name, standard padded base64, UTC timestamps with 0/3/6/9 fraction digits, no null, no
   * default values of fields without presence. Without it: everything the decoder accepts. */
  EVS_JSONSCHEMA_CANONICAL = 1u << 0,
  /* The CloudEvents structured-mode event that `evs produce` reads (specversion, id, source, type, time,
   * ... with the payload as `data`, or `data_base64`); m must be an event message. */
  EVS_JSONSCHEMA_ENVELOPE = 1u << 1,
  /* Indent by two spaces, one member per line. */
  EVS_JSONSCHEMA_PRETTY = 1u << 2,
  /* Leave the field and oneof rules out: the schema of the codec alone (what the decoder accepts). */
  EVS_JSONSCHEMA_NO_RULES = 1u << 3
};

/* Appends the schema of message type m (a message of reg) to out. Errors: EVS_ERR_INVALID_ARG (NULL
 * argument, unknown flag, ENVELOPE for a message that is not an event), EVS_ERR_NOMEM; nothing is appended
 * on failure. */
EVS_API EVS_NODISCARD evs_status evs_jsonschema_write(const evs_registry *reg, const evs_message *m,
                                                      uint32_t flags, evs_buf *out, evs_error *err);

EVS_EXTERN_C_END

#endif
