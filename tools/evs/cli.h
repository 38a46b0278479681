/* Shared plumbing of the evs program: the subcommand table, usage and error printing, exit codes.
 * Subcommands use only the public libevs API plus these helpers. */
#ifndef EVS_CLI_H
#define EVS_CLI_H

#include <stdio.h>

#include "evs/error.h"

/* Exit codes of every subcommand. */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_FAIL = 1, /* the command ran and failed (bad input, findings, broker down, ...) */
  CLI_EXIT_USAGE = 2 /* the command line itself was wrong */
};

typedef struct cli_cmd {
  const char *name;
  const char *summary; /* one line for `evs --help` */
  const char *usage;   /* the whole `evs NAME --help` text; docs/cli/evs-NAME.md repeats it */
  int (*run)(const struct cli_cmd *self, int argc, char **argv); /* argv[0] is the command name */
} cli_cmd;

/* All subcommands, in `evs --help` order, NULL-terminated. */
extern const cli_cmd *const cli_commands[];
const cli_cmd *cli_find(const char *name);

/* Prints the `evs --help` text (command list) to `out`. */
void cli_print_main_usage(FILE *out);
/* `evs help`: main() treats it like any other command but does not intercept its --help. */
extern const cli_cmd cli_cmd_help;

/* Prints "evs NAME: <message>" and the command's usage on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...) EVS_PRINTF(2, 3);
/* Prints "evs NAME: error: <formatted err>" on stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const cli_cmd *cmd, const evs_error *err);
/* Prints "evs NAME: error: <message>" on stderr; returns CLI_EXIT_FAIL. */
int cli_failf(const cli_cmd *cmd, const char *fmt, ...) EVS_PRINTF(2, 3);
/* Prints the usage text to `out`. */
void cli_print_usage(const cli_cmd *cmd, FILE *out);
/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);
/* Parses a non-negative decimal count with an upper bound; 0 on success, -1 on bad text. */
int cli_parse_count(const char *text, unsigned long long max, unsigned long long *out);

#include "evs/registry.h"

/* Up to this many --descriptor-set options per command. */
#define CLI_MAX_SETS 16

/* A registry with evs's builtin catalog plus each descriptor set file in `paths` (n of them). On failure
 * prints the error (which file, what is wrong) and returns NULL. Free with evs_registry_free(). */
evs_registry *cli_open_registry(const cli_cmd *cmd, const char *const *paths, int n);
/* Handles getopt_long's ':' (missing value) and '?' (unknown option) results as usage errors: call it from
 * the default branch of a command's option switch. Returns CLI_EXIT_USAGE. */
int cli_option_error(const cli_cmd *cmd, int c, char **argv);
/* Appends a --descriptor-set value to paths (at most CLI_MAX_SETS); 0, or a usage error's exit code. */
int cli_add_set(const cli_cmd *cmd, const char **paths, int *n, const char *path);
/* Writes s as a JSON string literal (quotes included) with the escapes JSON requires. */
void cli_json_string(FILE *out, const char *s);

/* Reads input one line at a time with a bound: a line longer than `max` bytes is skipped to its end
 * without being held in memory (getline would grow to the line's size first). */
typedef struct cli_lines {
  char *buf;
  size_t cap, max;
  unsigned long long line_no; /* of the line just returned */
} cli_lines;

enum { CLI_LINE_EOF = 0, CLI_LINE_OK = 1, CLI_LINE_TOO_LONG = -1, CLI_LINE_NOMEM = -2, CLI_LINE_IO = -3 };

/* The next line (without its '\n', NUL-terminated; it may hold NUL bytes) in l->buf, *len bytes.
 * CLI_LINE_OK; CLI_LINE_EOF at the end; CLI_LINE_TOO_LONG (the line was skipped; reading may go on);
 * CLI_LINE_NOMEM (the buffer could not grow; the rest of the line is skipped too); CLI_LINE_IO (a read
 * error: stop). */
int cli_lines_next(cli_lines *l, FILE *in, size_t *len);
void cli_lines_free(cli_lines *l);
#endif
