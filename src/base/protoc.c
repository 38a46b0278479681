/* Helper programs and protoc: the child process (fork + execvp, no shell, stderr captured), the private
 * temporary directory, and the protoc invocation that evs_registry_load_protos() (src/registry/protoc.c)
 * and `evs breaking` (src/compat/input.c) both use. */
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

#include "base/error_internal.h"
#include "base/grow_internal.h"

/* protoc's stderr is read whole (every diagnostic reaches the caller), up to this much. */
#define PROTOC_DIAG_MAX ((size_t)1 << 20)

static char *join3(const char *a, const char *sep, const char *b) {
  size_t na = strlen(a), ns = strlen(sep), nb = strlen(b);
  char *d = evs_malloc(na + ns + nb + 1);
  if (!d) return NULL;
  memcpy(d, a, na);
  memcpy(d + na, sep, ns);
  memcpy(d + na + ns, b, nb + 1);
  return d;
}

char *evs_strcat2(const char *a, const char *b) {
  return join3(a, "", b);
}

char *evs_path_join(const char *a, const char *b) {
  return join3(a, "/", b);
}

int evs_proc_run(const char *const *argv, const char *out_path, const char *err_path) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    /* The caller may block signals (evs takes them on one thread); the child starts clean, and dies with
     * its parent rather than write into a temporary directory being removed. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    int o = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(126);
    close(o);
    close(e);
    /* execvp's prototype predates const; it does not modify the strings. */
    execvp(argv[0], (char *const *)(uintptr_t)argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (!WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

evs_status evs_tmpdir_make(evs_tmpdir *t, evs_error *err) {
  const char *base = getenv("TMPDIR");
  snprintf(t->dir, sizeof t->dir, "%s/evs-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(t->dir)) {
    t->dir[0] = '\0';
    return evs_fail(err, EVS_ERR_IO, "cannot create a temporary directory: %s", strerror(errno));
  }
  return EVS_OK;
}

void evs_tmpdir_remove(evs_tmpdir *t) {
  if (!t->dir[0]) return;
  const char *argv[] = {"rm", "-rf", "--", t->dir, NULL};
  (void)evs_proc_run(argv, NULL, NULL);
  t->dir[0] = '\0';
}

evs_status evs_read_set_file(const char *path, uint8_t **data, size_t *len, evs_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    evs_error_where(err, path, NULL);
    return evs_fail(err, EVS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  }
  int e = evs_read_stream(fp, EVS_SET_FILE_MAX, data, len);
  fclose(fp);
  if (e == ENOMEM) return evs_fail(err, EVS_ERR_NOMEM, "out of memory reading %s", path);
  if (!e) return EVS_OK;
  evs_error_where(err, path, NULL);
  if (e == EFBIG)
    return evs_fail(err, EVS_ERR_LIMIT, "%s is larger than the %zu MiB descriptor set limit", path,
                    EVS_SET_FILE_MAX >> 20);
  return evs_fail(err, EVS_ERR_IO, "cannot read %s: %s", path, strerror(e));
}

const char *evs_file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

bool evs_is_proto_name(const char *name) {
  size_t n = strlen(name);
  return n > 6 && strcmp(name + n - 6, ".proto") == 0;
}

bool evs_looks_like_text(const uint8_t *data, size_t len) {
  if (!len) return false;
  size_t n = len < 4096 ? len : 4096;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = data[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
    if (c == 0x7f) return false;
  }
  return true;
}

bool evs_looks_like_proto_source(const uint8_t *data, size_t len) {
  static const char *const k_words[] = {"syntax", "edition", "package", "import",
                                        "option", "message", "enum",    "service"};
  if (!evs_looks_like_text(data, len)) return false;
  size_t n = len < 4096 ? len : 4096;
  for (size_t i = 0; i < n; i++) {
    if (i && data[i - 1] != '\n') continue;
    size_t j = i;
    while (j < n && (data[j] == ' ' || data[j] == '\t')) j++;
    for (size_t k = 0; k < sizeof k_words / sizeof k_words[0]; k++) {
      size_t w = strlen(k_words[k]);
      if (j + w < n && memcmp(data + j, k_words[k], w) == 0 &&
          (data[j + w] == ' ' || data[j + w] == '\t' || data[j + w] == '='))
        return true;
    }
  }
  return false;
}

/* protoc's whole stderr (NULL when empty or unreadable: the caller then says "no message"). */
static char *read_diag(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  uint8_t *text = NULL;
  size_t len = 0;
  int e = evs_read_stream(fp, PROTOC_DIAG_MAX, &text, &len);
  fclose(fp);
  if (e || !len) {
    evs_free(text);
    return NULL;
  }
  char *s = evs_realloc(text, len + 1);
  if (!s) {
    evs_free(text);
    return NULL;
  }
  s[len] = '\0';
  return s;
}

/* err from protoc's first diagnostic, which it writes as `file:line:col: message` (gcc's format), or as a
 * bare line (a missing file, a bad option). */
static evs_status protoc_error(const char *diag, evs_error *err) {
  char line[sizeof err->msg];
  size_t n = diag ? strcspn(diag, "\r\n") : 0;
  if (n >= sizeof line) n = sizeof line - 1;
  memcpy(line, diag ? diag : "", n);
  line[n] = '\0';
  size_t more = 0;
  for (const char *p = diag ? diag + strcspn(diag, "\n") : ""; *p; p++)
    if (*p == '\n' && p[1] && p[1] != '\n') more++;
  char tail[64] = "";
  if (more) snprintf(tail, sizeof tail, " (and %zu more line%s from protoc)", more, more == 1 ? "" : "s");
  char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
  if (c1 && c2 && c3 && c2 - c1 > 1 && c3 - c2 > 1 && strspn(c1 + 1, "0123456789") == (size_t)(c2 - c1 - 1)) {
    *c1 = '\0';
    evs_error_where(err, line, NULL);
    evs_error_at(err, EVS_NO_OFFSET, (uint32_t)strtoul(c1 + 1, NULL, 10),
                 (uint32_t)strtoul(c2 + 1, NULL, 10));
    return evs_fail(err, EVS_ERR_SYNTAX, "protoc: %s%s", c3[1] == ' ' ? c3 + 2 : c3 + 1, tail);
  }
  return evs_fail(err, EVS_ERR_SYNTAX, "protoc failed: %s%s", *line ? line : "(no message)", tail);
}

evs_status evs_protoc_compile(const char *const *dirs, size_t n_dirs, const char *const *files,
                              size_t n_files, const uint8_t *set_in, size_t set_in_len, uint8_t **data,
                              size_t *len, char **diag, evs_error *err) {
  *diag = NULL;
  evs_tmpdir t;
  evs_status st = evs_tmpdir_make(&t, err);
  if (st) return st;
  evs_strvec argv = {0};
  const char *protoc = getenv("EVS_PROTOC");
  char *out = evs_path_join(t.dir, "set.binpb"), *errf = evs_path_join(t.dir, "protoc.err");
  char *in = set_in ? evs_path_join(t.dir, "in.binpb") : NULL;
  bool ok = out && errf && (!set_in || in) &&
            evs_strvec_push(&argv, evs_strdup(protoc && *protoc ? protoc : "protoc"));
  for (size_t i = 0; ok && i < n_dirs; i++) ok = evs_strvec_push(&argv, evs_strcat2("-I", dirs[i]));
  if (ok && set_in) {
    FILE *fp = fopen(in, "wb");
    bool written = fp && fwrite(set_in, 1, set_in_len, fp) == set_in_len;
    if (fp && fclose(fp) != 0) written = false;
    if (!written) {
      st = evs_fail(err, EVS_ERR_IO, "cannot write %s: %s", in, strerror(errno));
      ok = false;
    } else {
      ok = evs_strvec_push(&argv, evs_strcat2("--descriptor_set_in=", in));
    }
  }
  ok = ok && evs_strvec_push(&argv, evs_strdup("--include_imports")) &&
       evs_strvec_push(&argv, evs_strdup("--include_source_info")) &&
       evs_strvec_push(&argv, evs_strcat2("--descriptor_set_out=", out));
  for (size_t i = 0; ok && i < n_files; i++) ok = evs_strvec_push(&argv, evs_strdup(files[i]));
  if (st) {
    /* err is filled */
  } else if (!ok) {
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  } else {
    int rc = evs_proc_run((const char *const *)argv.v, NULL, errf);
    *diag = read_diag(errf);
    if (rc == 127 || rc < 0) {
      st = evs_fail(err, EVS_ERR_IO, "cannot run protoc ('%s'): set EVS_PROTOC or install protobuf-compiler",
                    argv.v[0]);
    } else if (rc != 0) {
      st = protoc_error(*diag, err);
    } else {
      st = evs_read_set_file(out, data, len, err);
    }
  }
  evs_strvec_free(&argv);
  evs_free(out);
  evs_free(errf);
  evs_free(in);
  evs_tmpdir_remove(&t);
  return st;
}
