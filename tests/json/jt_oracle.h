/* The independent implementations the JSON tests compare evs with, wrapped for C tests:
 * tests/oracles/json_oracle (libprotobuf 3.21 C++, see its header for modes) and protoc --encode.
 * jt_oracle_init() names the descriptor sets both load; a NULL/empty oracle path means "not built", and
 * then jt_oracle_available() is false and the tests skip the comparisons that need it. */
#ifndef EVS_JT_ORACLE_H
#define EVS_JT_ORACLE_H

#include <stdbool.h>

#include "evs/buf.h"

/* sets: colon-separated descriptor set paths (protoc's --descriptor_set_in syntax). */
void jt_oracle_init(const char *oracle_path, const char *protoc_path, const char *sets);
bool jt_oracle_available(void);

/* Oracle modes on one record. `flags` are EVS_JSON_* (ignore-unknown for parsing, the print options for
 * bin2json). Return true on success with the result in *out; false with the oracle's reason in *out. */
bool jt_oracle_json2bin(const char *type, const char *json, size_t len, uint32_t flags, evs_buf *out);
bool jt_oracle_json2text(const char *type, const char *json, size_t len, uint32_t flags, evs_buf *out);
bool jt_oracle_bin2json(const char *type, const uint8_t *bin, size_t len, uint32_t flags, evs_buf *out);
/* Deterministic re-serialization (map entries sorted by key) of a binary message. */
bool jt_oracle_canon(const char *type, const uint8_t *bin, size_t len, evs_buf *out);
/* protoc --encode=type of a text-format message; proto_file is the file of type as named in the sets. */
bool jt_protoc_encode(const char *type, const char *proto_file, const char *text, size_t len, evs_buf *out);
/* Compares two JSON documents (one line each): jsoncmp = as plain JSON with per-number tolerance for
 * float formatting, msgcmp = as messages of type (type NULL for jsoncmp). True when equal, else *why. */
bool jt_oracle_jsoncmp(const char *type, const char *a, size_t alen, const char *b, size_t blen,
                       evs_buf *why);

#endif
