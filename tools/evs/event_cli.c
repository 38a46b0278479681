/* cli_event_read: a CloudEvents JSON line as an evs event (event_cli.h). */
#include "event_cli.h"

#include <stdio.h>
#include <string.h>

#include "evs/json.h"
#include "evs/kafka.h"

static bool is_json_null(const evs_ce_event *ce) {
  return ce->data_kind == EVS_CE_DATA_JSON && ce->data_len == 4 && memcmp(ce->data, "null", 4) == 0;
}

evs_status cli_event_read(const evs_registry *reg, const char *line, size_t len, uint32_t ce_flags,
                          const char *bare_type, evs_buf *store, evs_ce_event *ce, const evs_message **m,
                          ProtobufCMessage **msg, char *why, size_t why_n) {
  *m = NULL;
  *msg = NULL;
  memset(ce, 0, sizeof *ce);
  evs_error err;
  evs_error_clear(&err);
  if (bare_type) {
    ce->type = bare_type;
    ce->data_kind = EVS_CE_DATA_JSON;
    ce->data = line;
    ce->data_len = len;
  } else if (evs_ce_parse_json(line, len, ce_flags, ce, store, &err) != EVS_OK) {
    snprintf(why, why_n, "%s (byte %zu)", err.msg, err.offset + 1);
    return err.code;
  }
  if (!ce->type) {
    snprintf(why, why_n, "no \"type\" attribute (or pass --type for bare payloads)");
    return EVS_ERR_VALIDATION;
  }
  const evs_event_type *et = ce->schema_version
                                 ? evs_registry_find_event_type_version(reg, ce->type, ce->schema_version)
                                 : evs_registry_require_event_type(reg, ce->type, &err);
  if (!et) {
    if (ce->schema_version)
      snprintf(why, why_n, "unknown event type '%.100s' version '%.20s'", ce->type, ce->schema_version);
    else
      snprintf(why, why_n, "%s", err.msg);
    return EVS_ERR_NOT_FOUND;
  }
  const evs_message *type = et->message;
  if (ce->dataschema && (strncmp(ce->dataschema, EVS_KAFKA_DATASCHEMA_PREFIX, 4) != 0 ||
                         strcmp(ce->dataschema + 4, type->full_name) != 0)) {
    snprintf(why, why_n, "dataschema '%.100s' is not evs:%s, the schema of type %s", ce->dataschema,
             type->full_name, ce->type);
    return EVS_ERR_VALIDATION;
  }
  evs_status st;
  if (ce->data_kind == EVS_CE_DATA_JSON && !is_json_null(ce)) {
    st = evs_json_decode(reg, type->c_desc, ce->data, ce->data_len, NULL, NULL, msg, &err);
  } else if (ce->data_kind == EVS_CE_DATA_BINARY) {
    /* data_base64 is untrusted binary: the guard checks it before protobuf-c unpacks it. */
    st = evs_binary_unpack(type->c_desc, ce->data, ce->data_len, NULL, NULL, msg, &err);
  } else {
    snprintf(why, why_n, "no \"data\"");
    return EVS_ERR_VALIDATION;
  }
  if (st != EVS_OK) {
    char text[512];
    evs_error_format(&err, text, sizeof text);
    if (ce->data_kind == EVS_CE_DATA_BINARY)
      snprintf(why, why_n, "data_base64 is not a valid %s: %s", type->full_name, text);
    else
      snprintf(why, why_n, "data: %s", text);
    return st;
  }
  *m = type;
  return EVS_OK;
}
