/* Helpers shared by the registry and validation unit tests: fixture .proto files are compiled to descriptor
 * sets at test time by protoc. The build passes three defines: EVS_PROTOC          path of protoc (3.21.x)
 *   EVS_TEST_DATA_DIR   tests/unit/registry/data (fixture import root)
 *   EVS_PROTO_DIR       proto/ (for evs/v1/options.proto)
 * Include after <cmocka.h>. */
#ifndef EVS_REGTEST_H
#define EVS_REGTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evs/registry.h"

enum {
  RT_IMPORTS = 1,       /* --include_imports */
  RT_NO_SOURCE_INFO = 2 /* leave out --include_source_info */
};

/* Compiles the space-separated fixture files (relative to EVS_TEST_DATA_DIR) and returns the serialized
 * set (malloc'd, *len bytes). Fails the test when protoc fails. */
uint8_t *rt_protoc(const char *protos, int flags, size_t *len);

/* A new empty registry; fails the test when that fails. */
evs_registry *rt_registry(void);

/* Compiles `protos` and loads the set into reg; returns the status and fills err. */
evs_status rt_load(evs_registry *reg, const char *protos, int flags, evs_error *err);

/* Like rt_load but fails the test, printing the error, unless the load succeeds. */
void rt_load_ok(evs_registry *reg, const char *protos, int flags);

/* Reads a whole file (malloc'd); NULL when it cannot. */
uint8_t *rt_read_file(const char *path, size_t *len);

/* "file:line:col: msg" of err in a static buffer (for failure messages and substring checks). */
const char *rt_errstr(const evs_error *err);

/* Asserts that err says code, with this file (suffix match), line and col (0 = do not check), and that its
 * message contains `needle`. */
void rt_assert_error(const evs_error *err, evs_status code, const char *file, uint32_t line, uint32_t col,
                     const char *needle);

#endif
