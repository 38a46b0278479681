#include "jt_tools.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  perror(what);
  abort();
}

static char g_tmpdir[256];

const char *jt_tmpdir(void) {
  if (!g_tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(g_tmpdir, sizeof g_tmpdir, "%s/evs-jt-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_tmpdir)) die("mkdtemp");
  }
  return g_tmpdir;
}

void jt_cleanup(void) {
  if (!g_tmpdir[0]) return;
  size_t n = 0;
  char **names = jt_list_dir(g_tmpdir, NULL, &n);
  for (size_t i = 0; i < n; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_tmpdir, names[i]);
    unlink(path);
  }
  jt_free_names(names, n);
  rmdir(g_tmpdir);
  g_tmpdir[0] = 0;
}

const char *jt_tmpfile(int slot, const char *name, const void *data, size_t len) {
  static char paths[8][512];
  char *path = paths[slot & 7];
  snprintf(path, 512, "%s/%s", jt_tmpdir(), name);
  FILE *f = fopen(path, "wb");
  if (!f) die(path);
  if (len && fwrite(data, 1, len, f) != len) die(path);
  if (fclose(f) != 0) die(path);
  return path;
}

/* Copies a temporary file into a buffer. */
static void slurp_fd(int fd, evs_buf *out) {
  if (lseek(fd, 0, SEEK_SET) < 0) die("lseek");
  char chunk[65536];
  for (ssize_t got; (got = read(fd, chunk, sizeof chunk)) != 0;) {
    if (got < 0) die("read");
    if (out && evs_buf_append(out, chunk, (size_t)got) != EVS_OK) die("evs_buf_append");
  }
}

static int temp_fd(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/io-XXXXXX", jt_tmpdir());
  int fd = mkstemp(path);
  if (fd < 0) die("mkstemp");
  unlink(path);
  return fd;
}

int jt_run(const char *const *argv, const void *in, size_t in_len, evs_buf *out, evs_buf *err_out) {
  /* Files, not pipes: no deadlock however much each side writes, and no threads needed. */
  int fd_in = temp_fd(), fd_out = temp_fd(), fd_err = temp_fd();
  if (in_len && write(fd_in, in, in_len) != (ssize_t)in_len) die("write");
  if (lseek(fd_in, 0, SEEK_SET) < 0) die("lseek");
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    if (dup2(fd_in, 0) < 0 || dup2(fd_out, 1) < 0 || dup2(fd_err, 2) < 0) _exit(127);
    execv(argv[0], (char *const *)(uintptr_t)argv);
    fprintf(stderr, "cannot run %s\n", argv[0]);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) die("waitpid");
  if (out) evs_buf_reset(out);
  if (err_out) evs_buf_reset(err_out);
  slurp_fd(fd_out, out);
  slurp_fd(fd_err, err_out);
  close(fd_in);
  close(fd_out);
  close(fd_err);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *jt_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  evs_buf b = EVS_BUF_INIT;
  char chunk[65536];
  for (size_t got; (got = fread(chunk, 1, sizeof chunk, f)) > 0;)
    if (evs_buf_append(&b, chunk, got) != EVS_OK) die("evs_buf_append");
  fclose(f);
  char *text = (char *)evs_buf_detach(&b, len);
  if (!text) { /* an empty file */
    text = calloc(1, 1);
    if (!text) die("calloc");
    *len = 0;
  }
  return text;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **jt_list_dir(const char *dir, bool (*keep)(const char *name), size_t *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  size_t cap = 64;
  char **names = malloc(cap * sizeof *names);
  if (!names) die("malloc");
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (keep && !keep(e->d_name)) continue;
    if (*n == cap) {
      cap *= 2;
      names = realloc(names, cap * sizeof *names);
      if (!names) die("realloc");
    }
    names[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, *n, sizeof *names, cmp_names);
  return names;
}

void jt_free_names(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

const char *jt_sidecar_get(const char *text, const char *key, char *buf, size_t n) {
  size_t klen = strlen(key);
  for (const char *p = text; p && *p;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > klen && p[0] != '#' && !strncmp(p, key, klen) && p[klen] == ':') {
      const char *v = p + klen + 1;
      while (*v == ' ') v++;
      size_t vlen = len - (size_t)(v - p);
      while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\r')) vlen--;
      snprintf(buf, n, "%.*s", (int)vlen, v);
      return buf;
    }
    p = eol ? eol + 1 : NULL;
  }
  return NULL;
}

const char *jt_hex(const uint8_t *data, size_t len) {
  static char bufs[2][420]; /* two calls may share one printf */
  static int which;
  char *out = bufs[which ^= 1];
  static const char k[] = "0123456789abcdef";
  size_t i = 0, o = 0;
  for (; i < len && o + 4 < sizeof bufs[0]; i++) {
    out[o++] = k[data[i] >> 4];
    out[o++] = k[data[i] & 15];
  }
  if (i < len) out[o++] = '+';
  out[o] = 0;
  return out;
}
