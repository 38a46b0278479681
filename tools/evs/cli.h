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

/* Prints "evs NAME: <message>" and "see 'evs NAME --help'" on stderr; returns CLI_EXIT_USAGE. */
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

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "evs/registry.h"

/* Up to this many --descriptor-set, --proto and -I options each per command. */
#define CLI_MAX_SETS 16

/* The schema options every command that names a schema takes (docs/schemas.md). */
typedef struct cli_schema {
  const char *sets[CLI_MAX_SETS]; /* --descriptor-set FILE */
  int n_sets;
  const char *protos[CLI_MAX_SETS]; /* --proto FILE.proto */
  int n_protos;
  const char *dirs[CLI_MAX_SETS]; /* -I/--proto-path DIR */
  int n_dirs;
  bool no_builtin; /* --no-builtin */
} cli_schema;

/* getopt_long codes of the schema options, above every character a command uses ('I' is -I). */
enum { CLI_OPT_DESCRIPTOR_SET = 0x100, CLI_OPT_PROTO, CLI_OPT_NO_BUILTIN };

/* The schema options' rows of a command's `struct option` table, and their short option ("I:" goes into
 * the getopt_long option string). */
#define CLI_SCHEMA_OPTIONS                                                                               \
  {"descriptor-set", required_argument, NULL, CLI_OPT_DESCRIPTOR_SET},                                   \
      {"proto", required_argument, NULL, CLI_OPT_PROTO}, {"proto-path", required_argument, NULL, 'I'}, { \
    "no-builtin", no_argument, NULL, CLI_OPT_NO_BUILTIN                                                  \
  }
#define CLI_SCHEMA_SHORT "I:"

/* The schema options' lines of a command's --help text (one text for every command). */
#define CLI_SCHEMA_HELP                                                                                \
  "  --descriptor-set FILE    also load this FileDescriptorSet (protoc --descriptor_set_out\n"         \
  "                           --include_imports --include_source_info); repeatable\n"                  \
  "  --proto FILE.proto       also load this .proto file, compiled by protoc ($EVS_PROTOC); imports\n" \
  "                           resolve against -I, then the loaded schemas; repeatable\n"               \
  "  -I, --proto-path DIR     import root for --proto (default: each file's directory); repeatable\n"  \
  "  --no-builtin             leave evs's builtin catalog out: only the given schemas are loaded\n"

/* Takes getopt_long's result c (with optarg) when it is a schema option: returns 1 when it was one, 0 when
 * it is not, or -1 after printing a usage error (the command then exits with CLI_EXIT_USAGE). */
int cli_schema_option(const cli_cmd *cmd, cli_schema *s, int c, const char *arg);
/* After option parsing: 0, or CLI_EXIT_USAGE after printing why the schema options do not fit together
 * (-I without --proto, --no-builtin with no schema at all). */
int cli_schema_check(const cli_cmd *cmd, const cli_schema *s);

/* A registry with evs's builtin catalog (unless s->no_builtin), each --descriptor-set in order, then the
 * --proto files (one protoc run, under a private $TMPDIR removed on exit and on SIGINT/SIGTERM/SIGHUP).
 * protoc's whole output (warnings, every error) is copied to stderr. s NULL: the builtin catalog only. On
 * failure prints the error (which file, what is wrong, and a hint when a user schema redefines a builtin
 * file or type) and returns NULL. Free with evs_registry_free(). */
evs_registry *cli_open_registry(const cli_cmd *cmd, const cli_schema *s);

/* The library writes temporaries (protoc's output, git trees) under $TMPDIR: for the guard's duration
 * $TMPDIR is a private directory $TMPDIR/evs-NAME-XXXXXX, removed by cli_tmp_guard_end() and, when
 * SIGINT, SIGTERM or SIGHUP arrives meanwhile, by a guard thread that then ends the process by that
 * signal. end restores $TMPDIR and the signal mask and returns rc. */
typedef struct cli_tmp_guard {
  char dir[4096];
  char old_tmpdir[4096];
  bool had_tmpdir;
  sigset_t sigs, old_mask;
  pthread_t thread;
  pthread_mutex_t mu;
  bool signalled, active;
} cli_tmp_guard;
void cli_tmp_guard_begin(cli_tmp_guard *g, const char *name);
int cli_tmp_guard_end(cli_tmp_guard *g, int rc);

/* Handles getopt_long's ':' (missing value) and '?' (unknown option) results as usage errors: call it from
 * the default branch of a command's option switch. Returns CLI_EXIT_USAGE. */
int cli_option_error(const cli_cmd *cmd, int c, char **argv);
/* Writes len bytes to path ("-" or NULL: stdout), flushed and closed: CLI_EXIT_OK, or CLI_EXIT_FAIL after
 * printing why. */
int cli_write_output(const cli_cmd *cmd, const char *path, const void *data, size_t len);
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
/* Bytes of a UTF-8 byte-order mark at the start of s[0..n) (3), else 0: RFC 8259 lets a JSON parser ignore
 * one, and editors on some systems write it. */
size_t cli_bom_len(const char *s, size_t n);
#endif
