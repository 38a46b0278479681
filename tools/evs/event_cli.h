/* One CloudEvents structured-mode JSON line read as an evs event: the attributes, the event type's message
 * and the decoded payload. Shared by the commands that read event lines (validate --events; produce). */
#ifndef EVS_EVENT_CLI_H
#define EVS_EVENT_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "evs/buf.h"
#include "evs/cloudevents.h"
#include "evs/registry.h"

/* Parses line[0..len) (evs_ce_parse_json with `ce_flags`), finds its event type (the schemaversion one when
 * given) and decodes its data (JSON, or data_base64 through the binary guard) as that type's message. On
 * success *ce points into `store` / line, *m is the message type and *msg the payload (free it with
 * protobuf_c_message_free_unpacked). On failure returns the status and writes why (with a "data: ..." or
 * attribute prefix where it helps). */
evs_status cli_event_read(const evs_registry *reg, const char *line, size_t len, uint32_t ce_flags,
                          const char *bare_type, evs_buf *store, evs_ce_event *ce, const evs_message **m,
                          ProtobufCMessage **msg, char *why, size_t why_n);

#endif
