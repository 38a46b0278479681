/* Running protoc (and other helper programs) for the registry and the compatibility checker (not
 * installed; src/base/protoc.c). One implementation of: child processes without a shell, the private
 * temporary directory, reading a descriptor set file, and the protoc invocation with its diagnostics. */
#ifndef EVS_PROTOC_INTERNAL_H
#define EVS_PROTOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/alloc_internal.h"
#include "base/grow_internal.h"
#include "evs/error.h"

/* evs_malloc'd copies: a followed by b; a "/" b. NULL when out of memory (evs_strdup: base/alloc_internal.h).
 */
char *evs_strcat2(const char *a, const char *b);
char *evs_path_join(const char *a, const char *b);

/* Runs argv (no shell; argv[0] looked up on PATH) with stdout to out_path and stderr to err_path (NULL:
 * /dev/null). The child starts with no signal blocked and (Linux) dies with its parent. Returns the exit
 * status (127: the program could not be started), -1 when it could not be forked or was killed. */
int evs_proc_run(const char *const *argv, const char *out_path, const char *err_path);

/* A private directory under $TMPDIR (/tmp without it), evs-XXXXXX, mode 0700. */
typedef struct evs_tmpdir {
  char dir[512];
} evs_tmpdir;
evs_status evs_tmpdir_make(evs_tmpdir *t, evs_error *err);
/* Removes the directory and everything in it; a no-op for one never made. */
void evs_tmpdir_remove(evs_tmpdir *t);

/* The descriptor set size limit (EVS_REGISTRY_MAX_SET_SIZE, include/evs/registry.h, which src/registry/
 * protoc.c checks is the same number). */
#define EVS_SET_FILE_MAX ((size_t)256 << 20)

/* Reads a descriptor set file (at most EVS_SET_FILE_MAX bytes) into *data (malloc'd). Errors name
 * the path: EVS_ERR_IO, EVS_ERR_LIMIT, EVS_ERR_NOMEM. */
evs_status evs_read_set_file(const char *path, uint8_t **data, size_t *len, evs_error *err);

/* "a FIFO", "a socket", "a device" or "not a regular file", for errors about a special file. */
const char *evs_file_kind(mode_t mode);
/* The name ends in ".proto" (and is more than that). */
bool evs_is_proto_name(const char *name);

/* protoc -I dirs[0] ... [--descriptor_set_in=<set_in>] --include_imports --include_source_info
 *   --descriptor_set_out=<tmp> files...
 * protoc is $EVS_PROTOC or `protoc` on PATH; set_in (may be NULL) is a serialized FileDescriptorSet whose
 * files imports may name (protoc reads -I first). On success *data (malloc'd) holds the set. *diag gets
 * everything protoc wrote to stderr (malloc'd, NUL-terminated; NULL when it wrote nothing), on success
 * (warnings) and on failure. Errors: EVS_ERR_IO (protoc cannot run), EVS_ERR_SYNTAX (protoc failed: err has
 * its first message with file, line and column, and says how many more lines *diag holds), EVS_ERR_NOMEM,
 * and those of evs_read_set_file. */
evs_status evs_protoc_compile(const char *const *dirs, size_t n_dirs, const char *const *files,
                              size_t n_files, const uint8_t *set_in, size_t set_in_len, uint8_t **data,
                              size_t *len, char **diag, evs_error *err);

/* How input bytes look, for telling a descriptor set given as .proto source from the reverse: text when
 * the first 4 KiB hold no control byte other than whitespace (and are not empty). */
bool evs_looks_like_text(const uint8_t *data, size_t len);
/* Text with a line that starts with a .proto keyword (syntax, package, import, message, ...) followed by a
 * blank or '=': what a FileDescriptorSet never is. */
bool evs_looks_like_proto_source(const uint8_t *data, size_t len);

#endif
