/* The rule table: ID, summary, categories, what it pairs, and its function. Sorted by ID (the meta-test and
 * evs_compat_rule_find() rely on it). Categories follow buf's v2 configuration for every rule buf has. */
#include <stdlib.h>
#include <string.h>

#include "compat/compat_internal.h"

enum {
  W = EVS_COMPAT_CAT_WIRE,
  WJ = EVS_COMPAT_CAT_WIRE_JSON,
  P = EVS_COMPAT_CAT_PACKAGE,
  F = EVS_COMPAT_CAT_FILE,
};

#define SET(f)    \
  EVS_PAIR_SET, { \
    .set = f      \
  }
#define FILE_(f)   \
  EVS_PAIR_FILE, { \
    .file = f      \
  }
#define MSG(f)        \
  EVS_PAIR_MESSAGE, { \
    .message = f      \
  }
#define FIELD(f)    \
  EVS_PAIR_FIELD, { \
    .field = f      \
  }
#define ENUM(f)    \
  EVS_PAIR_ENUM, { \
    .enm = f       \
  }
#define VALUE(f)    \
  EVS_PAIR_VALUE, { \
    .value = f      \
  }
#define SVC(f)        \
  EVS_PAIR_SERVICE, { \
    .service = f      \
  }
#define METHOD(f)    \
  EVS_PAIR_METHOD, { \
    .method = f      \
  }

const evs_compat_rule evs_k_rules[] = {
    {{"ENUM_NO_DELETE", "an enum is not deleted from its file", F}, SET(evs_rule_enum_no_delete)},
    {{"ENUM_SAME_JSON_FORMAT", "an enum keeps full JSON support (proto3 -> proto2 loses it)", WJ | P | F},
     ENUM(evs_rule_enum_same_json_format)},
    {{"ENUM_SAME_TYPE", "an enum stays open or closed (proto3 vs proto2 semantics)", P | F},
     ENUM(evs_rule_enum_same_type)},
    {{"ENUM_VALUE_NO_DELETE", "an enum value is not deleted", P | F}, ENUM(evs_rule_enum_value_no_delete)},
    {{"ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", "a deleted enum value has its name reserved", WJ},
     ENUM(evs_rule_enum_value_no_delete_unless_name_reserved)},
    {{"ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", "a deleted enum value has its number reserved", W | WJ},
     ENUM(evs_rule_enum_value_no_delete_unless_number_reserved)},
    {{"ENUM_VALUE_SAME_NAME", "an enum number keeps its name(s): JSON writes enum values by name",
      WJ | P | F},
     VALUE(evs_rule_enum_value_same_name)},
    {{"FIELD_NO_DELETE", "a field is not deleted", P | F}, MSG(evs_rule_field_no_delete)},
    {{"FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "a deleted field has its name reserved", WJ},
     MSG(evs_rule_field_no_delete_unless_name_reserved)},
    {{"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", "a deleted field has its number reserved", W | WJ},
     MSG(evs_rule_field_no_delete_unless_number_reserved)},
    {{"FIELD_SAME_CARDINALITY", "a field keeps its cardinality (optional, required, repeated, map)", P | F},
     FIELD(evs_rule_field_same_cardinality)},
    {{"FIELD_SAME_DEFAULT", "a field keeps its default value", W | WJ | P | F},
     FIELD(evs_rule_field_same_default)},
    {{"FIELD_SAME_JSON_NAME", "a field keeps its JSON name", WJ | P | F},
     FIELD(evs_rule_field_same_json_name)},
    {{"FIELD_SAME_NAME", "a field keeps its name", WJ | P | F}, FIELD(evs_rule_field_same_name)},
    {{"FIELD_SAME_ONEOF", "a field stays in (or out of) the same oneof", W | WJ | P | F},
     FIELD(evs_rule_field_same_oneof)},
    {{"FIELD_SAME_TYPE", "a field keeps its exact type", P | F}, FIELD(evs_rule_field_same_type)},
    {{"FIELD_WIRE_COMPATIBLE_CARDINALITY", "a field's cardinality changes only in wire-compatible ways", W},
     FIELD(evs_rule_field_wire_compatible_cardinality)},
    {{"FIELD_WIRE_COMPATIBLE_TYPE", "a field's type changes only in wire-compatible ways", W},
     FIELD(evs_rule_field_wire_compatible_type)},
    {{"FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
      "a field's cardinality changes only in wire- and JSON-compatible ways", WJ},
     FIELD(evs_rule_field_wire_json_compatible_cardinality)},
    {{"FIELD_WIRE_JSON_COMPATIBLE_TYPE", "a field's type changes only in wire- and JSON-compatible ways", WJ},
     FIELD(evs_rule_field_wire_json_compatible_type)},
    {{"FILE_NO_DELETE", "a file is not deleted", F}, SET(evs_rule_file_no_delete)},
    {{"FILE_SAME_PACKAGE", "a file keeps its package", W | WJ | P | F}, FILE_(evs_rule_file_same_package)},
    {{"FILE_SAME_SYNTAX", "a file keeps its syntax (proto2 / proto3)", P | F},
     FILE_(evs_rule_file_same_syntax)},
    {{"MESSAGE_NO_DELETE", "a message is not deleted from its file", F}, SET(evs_rule_message_no_delete)},
    {{"MESSAGE_SAME_JSON_FORMAT", "a message keeps full JSON support (proto3 -> proto2 loses it)",
      WJ | P | F},
     MSG(evs_rule_message_same_json_format)},
    {{"MESSAGE_SAME_REQUIRED_FIELDS", "no required field is added or deleted", W | WJ | P | F},
     MSG(evs_rule_message_same_required_fields)},
    {{"ONEOF_NO_DELETE", "a oneof is not deleted", P | F}, MSG(evs_rule_oneof_no_delete)},
    {{"PACKAGE_ENUM_NO_DELETE", "an enum is not deleted from its package", P},
     SET(evs_rule_package_enum_no_delete)},
    {{"PACKAGE_MESSAGE_NO_DELETE", "a message is not deleted from its package", P},
     SET(evs_rule_package_message_no_delete)},
    {{"PACKAGE_NO_DELETE", "a package is not deleted", P}, SET(evs_rule_package_no_delete)},
    {{"PACKAGE_SERVICE_NO_DELETE", "a service is not deleted from its package", P},
     SET(evs_rule_package_service_no_delete)},
    {{"RESERVED_ENUM_NO_DELETE", "an enum's reserved numbers and names stay reserved", W | WJ | P | F},
     ENUM(evs_rule_reserved_enum_no_delete)},
    {{"RESERVED_MESSAGE_NO_DELETE", "a message's reserved numbers and names stay reserved", W | WJ | P | F},
     MSG(evs_rule_reserved_message_no_delete)},
    {{"RPC_NO_DELETE", "an RPC is not deleted from its service", P | F}, SVC(evs_rule_rpc_no_delete)},
    {{"RPC_SAME_CLIENT_STREAMING", "an RPC keeps client streaming on or off", W | WJ | P | F},
     METHOD(evs_rule_rpc_same_client_streaming)},
    {{"RPC_SAME_IDEMPOTENCY_LEVEL", "an RPC keeps its idempotency level", W | WJ | P | F},
     METHOD(evs_rule_rpc_same_idempotency_level)},
    {{"RPC_SAME_REQUEST_TYPE", "an RPC keeps its request type", W | WJ | P | F},
     METHOD(evs_rule_rpc_same_request_type)},
    {{"RPC_SAME_RESPONSE_TYPE", "an RPC keeps its response type", W | WJ | P | F},
     METHOD(evs_rule_rpc_same_response_type)},
    {{"RPC_SAME_SERVER_STREAMING", "an RPC keeps server streaming on or off", W | WJ | P | F},
     METHOD(evs_rule_rpc_same_server_streaming)},
    {{"SERVICE_NO_DELETE", "a service is not deleted from its file", F}, SET(evs_rule_service_no_delete)},
};
const size_t evs_k_n_rules = sizeof evs_k_rules / sizeof evs_k_rules[0];

size_t evs_compat_rule_count(void) {
  return evs_k_n_rules;
}

const evs_compat_rule_info *evs_compat_rule_at(size_t i) {
  return i < evs_k_n_rules ? &evs_k_rules[i].info : NULL;
}

static int cmp_id(const void *key, const void *elem) {
  return strcmp(key, ((const evs_compat_rule *)elem)->info.id);
}

const evs_compat_rule_info *evs_compat_rule_find(const char *id) {
  if (!id) return NULL;
  const evs_compat_rule *r = bsearch(id, evs_k_rules, evs_k_n_rules, sizeof evs_k_rules[0], cmp_id);
  return r ? &r->info : NULL;
}
