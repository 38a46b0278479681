/* An AsyncAPI 3.0.0 document of a registry's event catalog (docs/asyncapi.md): one channel per Kafka topic,
 * one `send` operation per channel, one message per event type and schema version, with the JSON Schema of
 * the payload's JSON form (evs_jsonschema_write's schema, as AsyncAPI Schema objects under
 * components.schemas), the CloudEvents `ce_*` Kafka headers as the message headers, the partition key as
 * the Kafka message key and Kafka bindings 0.5.0.
 *
 * The output is deterministic: channels by topic, messages by event type then schema version, schemas in
 * the order they are first referenced.
 *
 * Ownership: output is appended to the caller's evs_buf. Thread-safety: reentrant; the registry is only
 * read. */
#ifndef EVS_ASYNCAPI_H
#define EVS_ASYNCAPI_H

#include <stdint.h>

#include "evs/buf.h"
#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"

EVS_EXTERN_C_BEGIN

/* Flags (bitwise OR). */
enum {
  /* Indent by two spaces, one member per line. */
  EVS_ASYNCAPI_PRETTY = 1u << 0,
  /* Payload schemas of only what evs writes (EVS_JSONSCHEMA_CANONICAL); default: what evs reads. */
  EVS_ASYNCAPI_CANONICAL = 1u << 1
};

typedef struct evs_asyncapi_options {
  const char *title;   /* info.title; NULL: "evs event catalog" */
  const char *version; /* info.version; NULL: the evs library version (evs_version()) */
  uint32_t flags;
} evs_asyncapi_options;

/* Appends the document of every event type of reg that has a topic to out; event types without a topic are
 * listed under the root's "x-evs-without-topic" and counted in *n_without_topic (may be NULL). opts NULL:
 * the defaults. Errors: EVS_ERR_INVALID_ARG (NULL reg or out, unknown flag), EVS_ERR_NOMEM; nothing is
 * appended on failure. */
EVS_API EVS_NODISCARD evs_status evs_asyncapi_write(const evs_registry *reg, const evs_asyncapi_options *opts,
                                                    evs_buf *out, size_t *n_without_topic, evs_error *err);

EVS_EXTERN_C_END

#endif
