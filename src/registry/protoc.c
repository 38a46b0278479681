/* evs_registry_load_protos(): .proto files compiled by protoc (src/base/protoc.c) into a descriptor set
 * that imports may take from the files already loaded. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "base/file_internal.h"
#include "base/protoc_internal.h"
#include "registry/registry_internal.h"

_Static_assert(EVS_SET_FILE_MAX == EVS_REGISTRY_MAX_SET_SIZE, "one descriptor set size limit");

/* ---- evs_registry_load_protos ---- */

/* Every file loaded so far as one FileDescriptorSet, so that the new files may import them. NULL (and
 * *len 0) for an empty registry; false when out of memory. */
static bool pack_registry(const evs_registry *reg, uint8_t **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (!reg->file_list.n) return true;
  Google__Protobuf__FileDescriptorSet set = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_SET__INIT;
  set.n_file = reg->file_list.n;
  set.file = evs_malloc(set.n_file * sizeof *set.file);
  if (!set.file) return false;
  for (size_t i = 0; i < set.n_file; i++) {
    const evs_file *f = reg->file_list.v[i];
    /* pack() only reads the message. */
    set.file[i] = (Google__Protobuf__FileDescriptorProto *)(uintptr_t)f->proto;
  }
  *len = protobuf_c_message_get_packed_size(&set.base);
  *out = evs_malloc(*len ? *len : 1);
  if (*out) protobuf_c_message_pack(&set.base, *out);
  evs_free(set.file);
  return *out != NULL;
}

/* The checks before protoc runs: each file a regular, readable .proto source file. */
static evs_status check_source(const char *path, evs_error *err) {
  struct stat sb;
  evs_error_where(err, path, NULL);
  if (stat(path, &sb) != 0) return evs_fail(err, EVS_ERR_IO, "cannot open .proto file: %s", strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "%s, not a .proto file", evs_file_kind(sb.st_mode));
  FILE *fp = fopen(path, "rb");
  if (!fp) return evs_fail(err, EVS_ERR_IO, "cannot open .proto file: %s", strerror(errno));
  uint8_t head[4096];
  size_t n = fread(head, 1, sizeof head, fp);
  bool failed = ferror(fp);
  fclose(fp);
  if (failed) return evs_fail(err, EVS_ERR_IO, "cannot read .proto file: %s", strerror(errno));
  if (n && !evs_looks_like_text(head, n))
    return evs_fail(err, EVS_ERR_INVALID_ARG,
                    "not a .proto file: this is binary data, likely a descriptor set, which is loaded as "
                    "one (evs_registry_load_file, evs --descriptor-set), not compiled");
  evs_error_clear(err);
  return EVS_OK;
}

/* The origin of the compiled set in errors: the file, or the first one and how many more. */
static void origin_of(const char *const *files, size_t n, char *buf, size_t size) {
  if (n == 1)
    snprintf(buf, size, "%s", files[0]);
  else
    snprintf(buf, size, "%s (and %zu more .proto files)", files[0], n - 1);
}

evs_status evs_registry_load_protos(evs_registry *reg, const char *const *import_dirs, size_t n_dirs,
                                    const char *const *files, size_t n_files, evs_error *err) {
  evs_error_clear(err);
  if (!reg || !files || !n_files || (n_dirs && !import_dirs))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_load_protos: %s",
                    !reg                ? "reg is NULL"
                    : n_files && !files ? "files is NULL"
                    : !n_files          ? "no .proto files"
                                        : "import_dirs is NULL");
  evs_free(reg->protoc_output);
  reg->protoc_output = NULL;
  evs_strvec dirs = {0}, paths = {0};
  evs_status st = EVS_OK;
  for (size_t i = 0; !st && i < n_files; i++) {
    if (!files[i] || !*files[i]) {
      st = evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_load_protos: file %zu is empty or NULL", i);
    } else if (!(st = check_source(files[i], err))) {
      /* A path starting with '-' would reach protoc as an option. */
      if (!evs_strvec_push(&paths, files[i][0] == '-' ? evs_strcat2("./", files[i]) : evs_strdup(files[i])))
        st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    }
  }
  for (size_t i = 0; !st && i < n_dirs; i++) {
    if (!import_dirs[i] || !*import_dirs[i])
      st = evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_load_protos: import dir %zu is empty or NULL", i);
    else if (!evs_strvec_push(&dirs, evs_strdup(import_dirs[i])))
      st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  /* Without import dirs each file is compiled with -I of its own directory, as `evs breaking FILE.proto`
   * does (protoc's own default, the current directory, fails for a file given by an absolute path). */
  for (size_t i = 0; !st && !n_dirs && i < paths.n; i++) {
    char *dir = evs_strdup(paths.v[i]);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (dir && slash) {
      slash[slash == dir ? 1 : 0] = '\0';
    } else if (dir) {
      strcpy(dir, ".");
    }
    bool dup = false;
    for (size_t j = 0; dir && j < dirs.n; j++) dup = dup || strcmp(dirs.v[j], dir) == 0;
    if (dup) {
      evs_free(dir);
    } else if (!evs_strvec_push(&dirs, dir)) {
      st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    }
  }
  uint8_t *set_in = NULL, *data = NULL;
  size_t set_in_len = 0, len = 0;
  if (!st && !pack_registry(reg, &set_in, &set_in_len)) st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (!st)
    st = evs_protoc_compile((const char *const *)dirs.v, dirs.n, (const char *const *)paths.v, paths.n,
                            set_in, set_in_len, &data, &len, &reg->protoc_output, err);
  if (!st) {
    char origin[512];
    origin_of(files, n_files, origin, sizeof origin);
    st = evs_registry_add_descriptor_set(reg, data, len, origin, err);
  }
  evs_free(set_in);
  evs_free(data);
  evs_strvec_free(&dirs);
  evs_strvec_free(&paths);
  return st;
}

const char *evs_registry_protoc_output(const evs_registry *reg) {
  return reg && reg->protoc_output ? reg->protoc_output : "";
}
