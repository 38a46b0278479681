/* Support for the JSON golden and differential tests: running external programs (the libprotobuf oracle
 * tests/oracles/json_oracle, protoc) on in-memory input, temporary files, and reading test data.
 * Everything here aborts the process on an internal failure (out of memory, fork failing): a test helper
 * that cannot run must not pass. Not thread-safe. */
#ifndef EVS_JT_TOOLS_H
#define EVS_JT_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evs/buf.h"

/* Runs argv[0] (a path) with argv, feeding in[0..in_len) on stdin. stdout goes to *out (reset first; may be
 * NULL to discard), stderr to *err_out (may be NULL). Returns the exit status, or -1 when the program
 * died by a signal or could not be started. */
int jt_run(const char *const *argv, const void *in, size_t in_len, evs_buf *out, evs_buf *err_out);

/* A scratch directory created on first use and removed by jt_cleanup(). */
const char *jt_tmpdir(void);
void jt_cleanup(void);
/* Writes data to <tmpdir>/<name> and returns that path (static storage per name slot: valid until the
 * next call with the same slot, 0..7). */
const char *jt_tmpfile(int slot, const char *name, const void *data, size_t len);

/* Reads a whole file (malloc'd, NUL-terminated, *len excludes the NUL); NULL when it cannot. */
char *jt_read_file(const char *path, size_t *len);

/* Sorted names of the entries of dir that satisfy keep (NULL = all but "." and ".."). *n gets the count;
 * free with jt_free_names(). */
char **jt_list_dir(const char *dir, bool (*keep)(const char *name), size_t *n);
void jt_free_names(char **names, size_t n);

/* "key: value" lines ('#' starts a comment line). Returns the value of the first line with this key
 * (copied into buf, trailing spaces removed), or NULL. */
const char *jt_sidecar_get(const char *text, const char *key, char *buf, size_t n);

/* Lowercase hex of data, for failure messages (one of two static buffers, used in turn; truncated at
 * ~200 bytes). */
const char *jt_hex(const uint8_t *data, size_t len);

#endif
