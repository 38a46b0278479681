#include "cli.h"

#include "evs/catalog.h"
#include "evs/json.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const cli_cmd *cli_find(const char *name) {
  for (const cli_cmd *const *c = cli_commands; *c; c++) {
    if (strcmp((*c)->name, name) == 0) return *c;
  }
  return NULL;
}

void cli_print_usage(const cli_cmd *cmd, FILE *out) {
  fputs(cmd->usage, out);
}

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "evs %s: ", cmd->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  /* One line and where to look (git / buf style): the whole help would bury the message. */
  fprintf(stderr, "\nsee 'evs %s --help'\n", cmd->name);
  return CLI_EXIT_USAGE;
}

int cli_fail(const cli_cmd *cmd, const evs_error *err) {
  char text[1024];
  evs_error_format(err, text, sizeof text);
  fprintf(stderr, "evs %s: error: %s\n", cmd->name, text);
  return CLI_EXIT_FAIL;
}

int cli_failf(const cli_cmd *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "evs %s: error: ", cmd->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return CLI_EXIT_FAIL;
}

int cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) return 0;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
  }
  return 0;
}

int cli_parse_count(const char *text, unsigned long long max, unsigned long long *out) {
  if (!text || !*text || *text == '-' || *text == '+') return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

static int add_path(const cli_cmd *cmd, const char **paths, int *n, const char *what, const char *path) {
  if (*n == CLI_MAX_SETS) {
    cli_usage_error(cmd, "at most %d %s options", CLI_MAX_SETS, what);
    return -1;
  }
  paths[(*n)++] = path;
  return 1;
}

int cli_schema_option(const cli_cmd *cmd, cli_schema *s, int c, const char *arg) {
  switch (c) {
    case CLI_OPT_DESCRIPTOR_SET:
      return add_path(cmd, s->sets, &s->n_sets, "--descriptor-set", arg);
    case CLI_OPT_PROTO:
      return add_path(cmd, s->protos, &s->n_protos, "--proto", arg);
    case 'I':
      return add_path(cmd, s->dirs, &s->n_dirs, "-I/--proto-path", arg);
    case CLI_OPT_NO_BUILTIN:
      s->no_builtin = true;
      return 1;
    default:
      return 0;
  }
}

int cli_schema_check(const cli_cmd *cmd, const cli_schema *s) {
  if (s->n_dirs && !s->n_protos)
    return cli_usage_error(cmd, "-I/--proto-path is an import root for --proto files: give --proto too");
  if (s->no_builtin && !s->n_sets && !s->n_protos)
    return cli_usage_error(cmd, "--no-builtin leaves no schema: give --descriptor-set or --proto");
  return 0;
}

/* The error of a failed load, with a way out when the user's schema and the builtin catalog disagree. */
static void schema_fail(const cli_cmd *cmd, const cli_schema *s, const evs_error *err) {
  cli_fail(cmd, err);
  if (err->code == EVS_ERR_DUPLICATE && !s->no_builtin && strstr(err->msg, evs_builtin_catalog.name))
    fprintf(stderr,
            "evs %s: hint: your schema redefines a file or type of evs's builtin catalog; --no-builtin "
            "leaves the builtin catalog out (docs/schemas.md)\n",
            cmd->name);
}

static evs_status load_protos(evs_registry *reg, const cli_schema *s, evs_error *err) {
  cli_tmp_guard guard;
  cli_tmp_guard_begin(&guard, "protoc");
  evs_status st =
      evs_registry_load_protos(reg, s->dirs, (size_t)s->n_dirs, s->protos, (size_t)s->n_protos, err);
  /* Every line protoc wrote, as it wrote them (file:line:col: ...), before evs's own summary. */
  fputs(evs_registry_protoc_output(reg), stderr);
  return (evs_status)cli_tmp_guard_end(&guard, (int)st);
}

evs_registry *cli_open_registry(const cli_cmd *cmd, const cli_schema *s) {
  static const cli_schema builtin_only;
  if (!s) s = &builtin_only;
  evs_error err;
  evs_error_clear(&err);
  evs_registry *reg = NULL;
  if (evs_registry_new(&reg, &err) != EVS_OK ||
      (!s->no_builtin && evs_registry_add_catalog(reg, &evs_builtin_catalog, &err) != EVS_OK)) {
    cli_fail(cmd, &err);
    evs_registry_free(reg);
    return NULL;
  }
  for (int i = 0; i < s->n_sets; i++) {
    if (evs_registry_load_file(reg, s->sets[i], &err) != EVS_OK) {
      schema_fail(cmd, s, &err);
      evs_registry_free(reg);
      return NULL;
    }
  }
  if (s->n_protos && load_protos(reg, s, &err) != EVS_OK) {
    schema_fail(cmd, s, &err);
    evs_registry_free(reg);
    return NULL;
  }
  return reg;
}

void cli_json_string(FILE *out, const char *s) {
  evs_json_write_string(out, s ? s : "");
}

int cli_write_output(const cli_cmd *cmd, const char *path, const void *data, size_t len) {
  FILE *f = path && strcmp(path, "-") ? fopen(path, "wb") : stdout;
  if (!f) return cli_failf(cmd, "cannot create %s: %s", path, strerror(errno));
  bool bad = fwrite(data, 1, len, f) != len;
  bad = fflush(f) != 0 || ferror(f) || bad;
  if (f != stdout) bad = fclose(f) != 0 || bad;
  if (bad) return cli_failf(cmd, "writing to %s failed", f == stdout ? "stdout" : path);
  return CLI_EXIT_OK;
}

int cli_option_error(const cli_cmd *cmd, int c, char **argv) {
  if (c == ':') return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
  return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

/* Temporary files. The library puts its temporaries (protoc output, extracted git trees) under $TMPDIR; for
 * the duration of a check $TMPDIR is one private directory, removed on every exit path. SIGINT, SIGTERM and
 * SIGHUP are blocked in every thread and taken by one thread (sigwait) that removes the directory and
 * re-raises the signal with its default action, so that the exit status still tells which signal ended the
 * run. The library's child processes (protoc, git) start with no signal blocked. */
/* `rm -rf dir` unless it is empty, repeated while a dying child may still be creating files in it (each
 * removal of a directory is final: nothing can be created in a removed directory). */
static void remove_tree(const char *dir) {
  struct stat sb;
  if (rmdir(dir) == 0) return; /* the usual case, an empty directory: no rm process to start */
  for (int tries = 0; tries < 100 && lstat(dir, &sb) == 0; tries++) {
    pid_t pid = fork();
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
      _exit(127);
    }
    int status;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (lstat(dir, &sb) == 0) nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
  }
}

static void *cli_tmp_guard_thread(void *arg) {
  cli_tmp_guard *g = arg;
  int sig = 0;
  if (sigwait(&g->sigs, &sig) != 0) return NULL;
  /* From here the run ends by the signal: tmp_guard_end() must not cancel the cleanup half-way. */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  pthread_mutex_lock(&g->mu);
  g->signalled = true;
  pthread_mutex_unlock(&g->mu);
  remove_tree(g->dir);
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL);
  raise(sig);
  _exit(128 + sig); /* not reached: the default action of these signals ends the process */
}

static void restore_tmpdir(const cli_tmp_guard *g) {
  if (g->had_tmpdir)
    setenv("TMPDIR", g->old_tmpdir, 1);
  else
    unsetenv("TMPDIR");
}

/* Without a private directory (TMPDIR not writable) the check still runs: inputs that need temporaries
 * then fail with the library's own error. */
void cli_tmp_guard_begin(cli_tmp_guard *g, const char *name) {
  memset(g, 0, sizeof *g);
  const char *base = getenv("TMPDIR");
  snprintf(g->dir, sizeof g->dir, "%s/evs-%s-XXXXXX", base && *base ? base : "/tmp", name);
  if (base) snprintf(g->old_tmpdir, sizeof g->old_tmpdir, "%s", base);
  g->had_tmpdir = base != NULL;
  if (!mkdtemp(g->dir)) return;
  sigemptyset(&g->sigs);
  sigaddset(&g->sigs, SIGINT);
  sigaddset(&g->sigs, SIGTERM);
  sigaddset(&g->sigs, SIGHUP);
  pthread_mutex_init(&g->mu, NULL);
  if (setenv("TMPDIR", g->dir, 1) != 0 || pthread_sigmask(SIG_BLOCK, &g->sigs, &g->old_mask) != 0) {
    restore_tmpdir(g);
    remove_tree(g->dir);
    return;
  }
  if (pthread_create(&g->thread, NULL, cli_tmp_guard_thread, g) != 0) {
    pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
    restore_tmpdir(g);
    remove_tree(g->dir);
    return;
  }
  g->active = true;
}

int cli_tmp_guard_end(cli_tmp_guard *g, int rc) {
  if (!g->active) return rc;
  pthread_mutex_lock(&g->mu);
  bool signalled = g->signalled;
  pthread_mutex_unlock(&g->mu);
  if (signalled) {
    for (;;) pause(); /* the guard thread is cleaning up and will end the process by the signal */
  }
  pthread_cancel(g->thread);
  pthread_join(g->thread, NULL);
  remove_tree(g->dir);
  restore_tmpdir(g);
  /* A signal that came after the guard stopped is delivered now, with its default action. */
  pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
  pthread_mutex_destroy(&g->mu);
  return rc;
}

static void skip_rest_of_line(FILE *in) {
  for (int c; (c = getc_unlocked(in)) != EOF && c != '\n';) {
  }
}

int cli_lines_next(cli_lines *l, FILE *in, size_t *len) {
  size_t n = 0;
  int c;
  *len = 0;
  while ((c = getc_unlocked(in)) != EOF) {
    if (c == '\n') break;
    if (n >= l->max) {
      skip_rest_of_line(in);
      l->line_no++;
      return ferror(in) ? CLI_LINE_IO : CLI_LINE_TOO_LONG;
    }
    if (n + 1 >= l->cap) {
      size_t want = l->cap ? l->cap * 2 : 4096;
      if (want > l->max + 1) want = l->max + 1;
      char *grown = realloc(l->buf, want);
      if (!grown) {
        skip_rest_of_line(in);
        l->line_no++;
        return ferror(in) ? CLI_LINE_IO : CLI_LINE_NOMEM;
      }
      l->buf = grown;
      l->cap = want;
    }
    l->buf[n++] = (char)c;
  }
  if (ferror(in)) return CLI_LINE_IO;
  if (c == EOF && n == 0) return CLI_LINE_EOF;
  l->line_no++;
  if (!l->buf) {
    l->buf = malloc(1);
    if (!l->buf) return CLI_LINE_NOMEM;
    l->cap = 1;
  }
  l->buf[n] = '\0';
  *len = n;
  return CLI_LINE_OK;
}

void cli_lines_free(cli_lines *l) {
  free(l->buf);
  l->buf = NULL;
  l->cap = 0;
}

size_t cli_bom_len(const char *s, size_t n) {
  return n >= 3 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf
             ? 3
             : 0;
}
