#include "cli.h"

#include "evs/catalog.h"
#include "evs/json.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
  fputs("\n\n", stderr);
  cli_print_usage(cmd, stderr);
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

evs_registry *cli_open_registry(const cli_cmd *cmd, const char *const *paths, int n) {
  evs_error err;
  evs_error_clear(&err);
  evs_registry *reg = NULL;
  if (evs_registry_new(&reg, &err) != EVS_OK ||
      evs_registry_add_catalog(reg, &evs_builtin_catalog, &err) != EVS_OK) {
    cli_fail(cmd, &err);
    evs_registry_free(reg);
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    if (evs_registry_load_file(reg, paths[i], &err) != EVS_OK) {
      cli_fail(cmd, &err);
      evs_registry_free(reg);
      return NULL;
    }
  }
  return reg;
}

void cli_json_string(FILE *out, const char *s) {
  evs_json_write_string(out, s ? s : "");
}

int cli_option_error(const cli_cmd *cmd, int c, char **argv) {
  if (c == ':') return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
  return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_add_set(const cli_cmd *cmd, const char **paths, int *n, const char *path) {
  if (*n == CLI_MAX_SETS) return cli_usage_error(cmd, "at most %d --descriptor-set options", CLI_MAX_SETS);
  paths[(*n)++] = path;
  return 0;
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
