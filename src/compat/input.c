/* Inputs of `evs breaking`: descriptor set files, directories of .proto files (compiled by protoc), and
 * git revisions (git archive / git show into a private temporary directory). Child processes run without a
 * shell (fork + execvp), their stderr captured so that a protoc error becomes an evs_error with its
 * file:line:col. */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <fcntl.h>
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
#include "base/grow_internal.h"
#include "compat/compat_internal.h"
#include "base/protoc_internal.h"

/* First line of a captured stderr, for error messages. */
static void first_line(const char *path, char *buf, size_t n) {
  buf[0] = '\0';
  FILE *fp = fopen(path, "r");
  if (!fp) return;
  if (fgets(buf, (int)n, fp)) buf[strcspn(buf, "\r\n")] = '\0';
  fclose(fp);
}

/* The directory walk. Every directory is read once: its device and inode are remembered, and a path that
 * reaches one again (a symlink loop such as `a -> .`, or a second link to one directory) is an error, not a
 * walk that doubles with every link (protoc would reject the files read twice anyway). A symlink is followed
 * only when it resolves inside the input root, so that a schema never includes - or, from a git tree, leaks -
 * files from elsewhere on the host. Only regular files reach protoc: a FIFO named x.proto would block it. */
typedef struct dir_id {
  dev_t dev;
  ino_t ino;
} dir_id;

typedef struct walk {
  const char *root;
  const char *label; /* how errors name the root: the directory, or the git:REF[:PATH] input */
  char *root_real;   /* realpath of root: every followed link must resolve below it */
  dir_id *seen;
  size_t n_seen, cap_seen;
  evs_strvec *out;
  evs_error *err;
} walk;

/* An error located at <label>/<rel>. */
static evs_status walk_fail(walk *w, const char *rel, evs_status code, const char *fmt, ...) EVS_PRINTF(4, 5);
static evs_status walk_fail(walk *w, const char *rel, evs_status code, const char *fmt, ...) {
  char shown[1024], what[1024];
  snprintf(shown, sizeof shown, "%s%s%s", w->label, *rel ? "/" : "", rel);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  evs_error_where(w->err, shown, NULL);
  return evs_fail(w->err, code, "%s", what);
}

/* The symlink at full (rel below the root) must resolve inside the root; one that resolves nowhere fails
 * only when `strict`. */
static evs_status check_link(walk *w, const char *rel, const char *full, bool strict) {
  char *real = realpath(full, NULL);
  if (!real) {
    if (errno == ENOMEM) return evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
    return strict ? walk_fail(w, rel, EVS_ERR_IO, "symlink leads nowhere (%s)", strerror(errno)) : EVS_OK;
  }
  size_t n = strlen(w->root_real);
  bool inside = n == 1 || (strncmp(real, w->root_real, n) == 0 && (real[n] == '/' || real[n] == '\0'));
  evs_status st = inside ? EVS_OK
                         : walk_fail(w, rel, EVS_ERR_INVALID_ARG,
                                     "symlink leads out of the input directory (to %s); evs does not "
                                     "follow it (give that directory with -I instead)",
                                     real);
  free(real); /* realpath()'s */
  return st;
}

static evs_status walk_enter(walk *w, const struct stat *sb, const char *rel) {
  for (size_t i = 0; i < w->n_seen; i++)
    if (w->seen[i].dev == sb->st_dev && w->seen[i].ino == sb->st_ino)
      return walk_fail(w, rel, EVS_ERR_INVALID_ARG,
                       "symlink leads to a directory already read (a loop, or a second link to "
                       "it); remove the link");
  dir_id *p = evs_grow(w->seen, &w->cap_seen, w->n_seen, sizeof *p, 64);
  if (!p) return evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
  w->seen = p;
  w->seen[w->n_seen++] = (dir_id){sb->st_dev, sb->st_ino};
  return EVS_OK;
}

/* One entry of a directory: a directory to descend into, a .proto file to compile, or nothing. */
static evs_status walk_entry(walk *w, const char *name, const char *child, const char *full, int depth);

static evs_status walk_dir(walk *w, const char *rel, int depth) {
  if (depth > 64) return evs_fail(w->err, EVS_ERR_LIMIT, "directory tree under %s is too deep", w->label);
  char *path = *rel ? evs_path_join(w->root, rel) : evs_strdup(w->root);
  if (!path) return evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
  struct dirent **list = NULL;
  /* Sorted, so that which of two paths to one directory is reported does not depend on the file system. */
  int n = scandir(path, &list, NULL, alphasort);
  if (n < 0) {
    evs_status st = walk_fail(w, rel, EVS_ERR_IO, "cannot read directory: %s", strerror(errno));
    evs_free(path);
    return st;
  }
  evs_status st = EVS_OK;
  for (int i = 0; i < n; i++) {
    const char *name = list[i]->d_name;
    if (!st && name[0] != '.' && strcmp(name, "node_modules") != 0) {
      char *child = *rel ? evs_path_join(rel, name) : evs_strdup(name);
      char *full = child ? evs_path_join(w->root, child) : NULL;
      st = child && full ? walk_entry(w, name, child, full, depth)
                         : evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
      evs_free(child);
      evs_free(full);
    }
    free(list[i]); /* scandir()'s */
  }
  free(list);
  evs_free(path);
  return st;
}

static evs_status walk_entry(walk *w, const char *name, const char *child, const char *full, int depth) {
  struct stat sb;
  if (lstat(full, &sb) != 0) return walk_fail(w, child, EVS_ERR_IO, "cannot read: %s", strerror(errno));
  if (S_ISLNK(sb.st_mode)) {
    /* Only the links the walk would use matter: to a directory, or named .proto. */
    bool used =
        stat(full, &sb) == 0 ? S_ISDIR(sb.st_mode) || evs_is_proto_name(name) : evs_is_proto_name(name);
    evs_status st = used ? check_link(w, child, full, true) : EVS_OK;
    if (st || !used) return st;
  }
  if (S_ISDIR(sb.st_mode)) {
    evs_status st = walk_enter(w, &sb, child);
    return st ? st : walk_dir(w, child, depth + 1);
  }
  if (!evs_is_proto_name(name)) return EVS_OK;
  if (!S_ISREG(sb.st_mode))
    return walk_fail(w, child, EVS_ERR_INVALID_ARG, "%s, not a .proto file: remove or rename it",
                     evs_file_kind(sb.st_mode));
  char *copy = evs_strdup(child);
  return evs_strvec_push(w->out, copy) ? EVS_OK : evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
}

/* A git tree is evs's own to guard as a whole: protoc resolves imports through -I of the tree, so a link
 * anywhere in it (hidden directories and node_modules too) that leads out of the tree is refused, and so is
 * one that leads nowhere (its target, outside the tree, could appear later in a shared $TMPDIR). Links are
 * not followed here, so this walk is bounded by the tree itself. */
static evs_status check_tree_links(walk *w, const char *rel, int depth) {
  if (depth > 64) return evs_fail(w->err, EVS_ERR_LIMIT, "directory tree of %s is too deep", w->label);
  char *path = *rel ? evs_path_join(w->root, rel) : evs_strdup(w->root);
  DIR *d = path ? opendir(path) : NULL;
  if (!d) {
    evs_status st = path ? walk_fail(w, rel, EVS_ERR_IO, "cannot read directory: %s", strerror(errno))
                         : evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
    evs_free(path);
    return st;
  }
  evs_status st = EVS_OK;
  for (struct dirent *e; !st && (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char *child = *rel ? evs_path_join(rel, e->d_name) : evs_strdup(e->d_name);
    char *full = child ? evs_path_join(w->root, child) : NULL;
    struct stat sb;
    if (!child || !full) {
      st = evs_fail(w->err, EVS_ERR_NOMEM, "out of memory");
    } else if (lstat(full, &sb) != 0) {
      st = walk_fail(w, child, EVS_ERR_IO, "cannot read: %s", strerror(errno));
    } else if (S_ISLNK(sb.st_mode)) {
      st = check_link(w, child, full, true);
    } else if (S_ISDIR(sb.st_mode)) {
      st = check_tree_links(w, child, depth + 1);
    }
    evs_free(child);
    evs_free(full);
  }
  closedir(d);
  evs_free(path);
  return st;
}

/* Every .proto under root (paths relative to it) into out; with whole_tree, first every link of the tree is
 * checked (a git tree). */
static evs_status scan(const char *root, const char *label, bool whole_tree, evs_strvec *out,
                       evs_error *err) {
  walk w = {root, label, NULL, NULL, 0, 0, out, err};
  struct stat sb;
  evs_status st = EVS_OK;
  w.root_real = realpath(root, NULL);
  if (!w.root_real || stat(w.root_real, &sb) != 0) {
    evs_error_where(err, label, NULL);
    st = evs_fail(err, errno == ENOMEM ? EVS_ERR_NOMEM : EVS_ERR_IO, "cannot read directory %s: %s", label,
                  strerror(errno));
  }
  if (!st && whole_tree) st = check_tree_links(&w, "", 0);
  if (!st) st = walk_enter(&w, &sb, "");
  if (!st) st = walk_dir(&w, "", 0);
  free(w.root_real); /* realpath()'s */
  evs_free(w.seen);
  return st;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* protoc -I root -I imports... root/files..., with protoc's first diagnostic in err and all of them in
 * *diag_out (when not NULL). */
static evs_status compile(const char *root, evs_strvec *files, const char *const *imports, size_t n_imports,
                          uint8_t **data, size_t *len, char **diag_out, evs_error *err) {
  evs_strvec dirs = {0}, paths = {0};
  bool ok = evs_strvec_push(&dirs, evs_strdup(root));
  for (size_t i = 0; ok && i < n_imports; i++) ok = evs_strvec_push(&dirs, evs_strdup(imports[i]));
  for (size_t i = 0; ok && i < files->n; i++) ok = evs_strvec_push(&paths, evs_path_join(root, files->v[i]));
  char *diag = NULL;
  evs_status st = ok ? evs_protoc_compile((const char *const *)dirs.v, dirs.n, (const char *const *)paths.v,
                                          paths.n, NULL, 0, data, len, &diag, err)
                     : evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (diag_out) {
    *diag_out = diag;
  } else {
    evs_free(diag);
  }
  evs_strvec_free(&dirs);
  evs_strvec_free(&paths);
  return st;
}

/* label names dir in errors; a git tree (whole_tree) has every link checked. */
static evs_status from_dir(const char *dir, const char *label, bool whole_tree, const char *const *imports,
                           size_t n_imports, uint8_t **data, size_t *len, char **diag, evs_error *err) {
  evs_strvec files = {0};
  evs_status st = scan(dir, label, whole_tree, &files, err);
  if (!st && !files.n) {
    evs_error_where(err, label, NULL);
    st = evs_fail(err, EVS_ERR_NOT_FOUND, "no .proto files under %s", label);
  }
  if (!st) {
    qsort(files.v, files.n, sizeof *files.v, cmp_str);
    st = compile(dir, &files, imports, n_imports, data, len, diag, err);
  }
  evs_strvec_free(&files);
  return st;
}

static evs_status from_proto_file(const char *path, const char *const *imports, size_t n_imports,
                                  uint8_t **data, size_t *len, char **diag, evs_error *err) {
  char *dir = evs_strdup(path);
  if (!dir) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  char *slash = strrchr(dir, '/');
  const char *name = slash ? slash + 1 : path;
  if (slash) {
    *slash = '\0';
  } else {
    dir[0] = '.';
    dir[1] = '\0';
  }
  evs_strvec files = {0};
  evs_status st = evs_strvec_push(&files, evs_strdup(name))
                      ? compile(dir, &files, imports, n_imports, data, len, diag, err)
                      : evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  evs_strvec_free(&files);
  evs_free(dir);
  return st;
}

static evs_status from_git(const char *spec, const char *const *imports, size_t n_imports, uint8_t **data,
                           size_t *len, char **diag, evs_error *err) {
  const char *ref = spec + 4;
  const char *colon = strchr(ref, ':');
  char refbuf[512], object[1200];
  size_t nref = colon ? (size_t)(colon - ref) : strlen(ref);
  /* A ref starting with '-' would reach git as an option. */
  if (!nref || nref >= sizeof refbuf || ref[0] == '-')
    return evs_fail(err, EVS_ERR_INVALID_ARG, "bad git input '%s' (want git:REF[:PATH])", spec);
  memcpy(refbuf, ref, nref);
  refbuf[nref] = '\0';
  const char *path = colon && colon[1] ? colon + 1 : "";
  snprintf(object, sizeof object, "%s:%s", refbuf, path);
  evs_tmpdir t;
  evs_status st = evs_tmpdir_make(&t, err);
  if (st) return st;
  char *typef = evs_path_join(t.dir, "type"), *errf = evs_path_join(t.dir, "git.err"),
       *tar = evs_path_join(t.dir, "tree.tar");
  char *tree = evs_path_join(t.dir, "tree"), *blob = evs_path_join(t.dir, "blob.binpb");
  if (!typef || !errf || !tar || !tree || !blob) {
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    goto done;
  }
  const char *cat[] = {"git", "cat-file", "-t", object, NULL};
  int rc = evs_proc_run(cat, typef, errf);
  char kind[64];
  first_line(typef, kind, sizeof kind);
  if (rc != 0) {
    char line[512];
    first_line(errf, line, sizeof line);
    st = evs_fail(err, rc < 0 || rc == 127 ? EVS_ERR_IO : EVS_ERR_NOT_FOUND, "git: no %s: %s", object,
                  *line ? line : "(git failed)");
  } else if (strcmp(kind, "blob") == 0) {
    const char *show[] = {"git", "show", object, NULL};
    if (evs_proc_run(show, blob, errf) != 0) {
      st = evs_fail(err, EVS_ERR_IO, "git show %s failed", object);
    } else {
      st = evs_read_set_file(blob, data, len, err);
    }
  } else {
    const char *archive[] = {"git", "archive", "--format=tar", "-o", tar, object, NULL};
    const char *untar[] = {"tar", "-xf", tar, "-C", tree, NULL};
    if (mkdir(tree, 0700) != 0 || evs_proc_run(archive, NULL, errf) != 0 ||
        evs_proc_run(untar, NULL, errf) != 0) {
      st = evs_fail(err, EVS_ERR_IO, "git archive %s failed", object);
    } else {
      st = from_dir(tree, spec, true, imports, n_imports, data, len, diag, err);
    }
  }
done:
  evs_free(typef);
  evs_free(errf);
  evs_free(tar);
  evs_free(tree);
  evs_free(blob);
  evs_tmpdir_remove(&t);
  return st;
}

static evs_status read_input(const char *spec, const char *const *import_dirs, size_t n_import_dirs,
                             uint8_t **data, size_t *len, char **diag, evs_error *err) {
  evs_error_clear(err);
  if (!spec || !data || !len || (n_import_dirs && !import_dirs))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_input_read: NULL argument");
  *data = NULL;
  *len = 0;
  if (strncmp(spec, "git:", 4) == 0) return from_git(spec, import_dirs, n_import_dirs, data, len, diag, err);
  struct stat sb;
  if (stat(spec, &sb) != 0) {
    evs_error_where(err, spec, NULL);
    return evs_fail(err, EVS_ERR_IO, "cannot open %s: %s", spec, strerror(errno));
  }
  if (spec[0] == '-') { /* keep protoc from reading a path as an option */
    char *safe = evs_strcat2("./", spec);
    if (!safe) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    evs_status st = read_input(safe, import_dirs, n_import_dirs, data, len, diag, err);
    evs_free(safe);
    return st;
  }
  if (S_ISDIR(sb.st_mode))
    return from_dir(spec, spec, false, import_dirs, n_import_dirs, data, len, diag, err);
  if (evs_is_proto_name(spec)) {
    /* A FIFO or device would block protoc or feed it what is not a file. (A descriptor set may come from a
     * pipe: `--against <(protoc ...)`.) */
    if (!S_ISREG(sb.st_mode)) {
      evs_error_where(err, spec, NULL);
      return evs_fail(err, EVS_ERR_INVALID_ARG, "%s is %s, not a .proto file", spec,
                      evs_file_kind(sb.st_mode));
    }
    return from_proto_file(spec, import_dirs, n_import_dirs, data, len, diag, err);
  }
  return evs_read_set_file(spec, data, len, err);
}

evs_status evs_compat_input_read(const char *spec, const char *const *import_dirs, size_t n_import_dirs,
                                 uint8_t **data, size_t *len, evs_error *err) {
  return read_input(spec, import_dirs, n_import_dirs, data, len, NULL, err);
}

evs_status evs_compat_input_read_diag(const char *spec, const char *const *import_dirs, size_t n_import_dirs,
                                      uint8_t **data, size_t *len, char **diag, evs_error *err) {
  if (diag) *diag = NULL;
  return read_input(spec, import_dirs, n_import_dirs, data, len, diag, err);
}

evs_status evs_compat_input_load(const char *spec, const char *const *import_dirs, size_t n_import_dirs,
                                 evs_registry **out, evs_error *err) {
  return evs_compat_input_load_diag(spec, import_dirs, n_import_dirs, out, NULL, err);
}

evs_status evs_compat_input_load_diag(const char *spec, const char *const *import_dirs, size_t n_import_dirs,
                                      evs_registry **out, char **diag, evs_error *err) {
  if (diag) *diag = NULL;
  if (!out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_input_load: out is NULL");
  *out = NULL;
  uint8_t *data = NULL;
  size_t len = 0;
  evs_status st = read_input(spec, import_dirs, n_import_dirs, &data, &len, diag, err);
  if (st) return st;
  evs_registry *reg = NULL;
  st = evs_registry_new(&reg, err);
  if (!st)
    st = evs_registry_add_descriptor_set_flags(
        reg, data, len, spec, EVS_LOAD_NO_EVS_OPTIONS | EVS_LOAD_NO_C_DESC | EVS_LOAD_NO_NAME_INDEX, err);
  evs_free(data);

  if (st) {
    evs_registry_free(reg);
    return st;
  }
  *out = reg;
  return EVS_OK;
}
