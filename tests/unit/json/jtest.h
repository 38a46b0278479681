/* Helpers shared by the JSON codec tests: a registry with the builtin catalog plus the test schema
 * (tests/unit/json/data/alltypes.proto), decode/encode round trips with exact-string checks. */
#ifndef EVS_TEST_JTEST_H
#define EVS_TEST_JTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "alltypes.pb-c.h"
#include "legacy2.pb-c.h"
#include "evs/json.h"

/* The shared registry (built once, never freed). Fails the test when it cannot be built. */
const evs_registry *jt_registry(void);

/* Decodes json as `desc` with flags; returns the status and fills *err. *out gets the message (free with
 * protobuf_c_message_free_unpacked(m, NULL)) or NULL. */
evs_status jt_decode(const ProtobufCMessageDescriptor *desc, const char *json, uint32_t flags,
                     ProtobufCMessage **out, evs_error *err);

/* Encodes msg with flags into a malloc'd string (free it); NULL on failure with *err filled. */
char *jt_encode(const ProtobufCMessage *msg, uint32_t flags, evs_error *err);

/* Decodes `json` as AllTypes and re-encodes it (flags for both); returns the JSON (free it) or NULL. */
char *jt_roundtrip(const ProtobufCMessageDescriptor *desc, const char *json, uint32_t flags, evs_error *err);

/* Asserts that decoding json as desc fails with `code` (and, when path is not NULL, that path). */
void jt_expect_fail(const ProtobufCMessageDescriptor *desc, const char *json, evs_status code,
                    const char *path);

/* Asserts that AllTypes json re-encodes to exactly `want`. */
void jt_expect_rt(const char *json, const char *want);

#endif
