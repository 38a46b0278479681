/* What `evs encode` and `evs decode` share: their option parsing, type lookup, input/output files, the
 * varint length prefix of delimited streams, and how a bad record is reported. */
#ifndef EVS_CODEC_CLI_H
#define EVS_CODEC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "cli.h"
#include "evs/json.h"
#include "evs/validate.h"

/* Largest record (one JSON line, one binary message) read: bigger ones fail with EVS_ERR_LIMIT before
 * anything is allocated for them. */
#define CODEC_MAX_RECORD ((size_t)256 << 20)

/* Which of the JSON options a command takes. */
enum {
  CODEC_ENCODE_FLAGS = EVS_JSON_IGNORE_UNKNOWN,
  CODEC_DECODE_FLAGS =
      EVS_JSON_EMIT_DEFAULTS | EVS_JSON_PROTO_NAMES | EVS_JSON_ENUMS_AS_NUMBERS | EVS_JSON_PRETTY
};

/* Options beyond the JSON flags that a command may take (codec_run's `extra`). */
enum {
  CODEC_OPT_NO_VALIDATE = 1u << 0, /* --no-validate (encode) */
  CODEC_OPT_VALIDATE =
      1u << 1 /* --binary, --document, --format, --fail-fast, --json-names, --events (validate) */
};

typedef struct codec_args {
  const char *type;
  const char *input;  /* NULL = stdin */
  const char *output; /* NULL = stdout */
  cli_schema schema;
  evs_json_options opts;
  bool delimited;
  bool keep_going;
  bool no_validate; /* encode: --no-validate */
  bool binary;      /* validate: binary input */
  bool document;    /* validate: the JSON input is one document (not JSON lines) */
  bool format_json; /* validate: --format json */
  bool fail_fast;   /* validate: the first violation of each record only */
  bool json_names;  /* validate: text paths with JSON names */
  bool events;      /* validate: CloudEvents JSON lines, each naming its type (no --type) */
} codec_args;

/* What a conversion has open: the parsed command line, the registry, the message type and the files. */
typedef struct codec_io {
  const cli_cmd *cmd;
  const codec_args *args;
  const evs_registry *reg;
  const ProtobufCMessageDescriptor *desc; /* NULL for validate --events */
  FILE *in;
  FILE *out;
  const evs_validator *validator; /* rules of the registry's types; NULL when the command does not validate */
} codec_io;

/* The whole run of encode/decode around `convert`: parses the command line (`allowed` = the EVS_JSON_*
 * flags the command takes), opens the registry (cli_open_registry: the schema options), the type named
 * by --type (an event type name first, else a message full name) and --input / --output (stdin / stdout
 * when not given), calls convert(), then closes the files and reports a failed write. Returns the exit
 * code: convert()'s, or that of the first failure (each is printed). */
int codec_run(const cli_cmd *cmd, int argc, char **argv, uint32_t allowed, uint32_t extra,
              int (*convert)(const codec_io *io));

/* The registry of the schema options (cli_open_registry), plus the test catalog in the test build of the
 * program. NULL after printing why. */
evs_registry *codec_open_registry(const cli_cmd *cmd, const cli_schema *schema);
/* The message an event type (first) or a message full name names in reg; NULL after printing why, with a
 * suggestion when a close name exists. */
const evs_message *codec_resolve_type(const cli_cmd *cmd, const evs_registry *r, const char *type);

/* The options of the commands that print a document about the schemas (jsonschema, asyncapi): -o/--output
 * FILE, --canonical, --compact and the schema options. */
typedef struct codec_doc_opts {
  cli_schema schema;
  const char *output; /* NULL: stdout */
  bool canonical;
  bool compact;
} codec_doc_opts;
#define CODEC_DOC_OPTIONS                                                          \
  {"output", required_argument, NULL, 'o'}, {"canonical", no_argument, NULL, 'c'}, \
      {"compact", no_argument, NULL, 'C'}, CLI_SCHEMA_OPTIONS
#define CODEC_DOC_SHORT "o:" CLI_SCHEMA_SHORT
/* Takes getopt_long's c (the command's own options handled before): 1 when it is one of CODEC_DOC_OPTIONS,
 * else -CLI_EXIT_USAGE after printing why (an unknown option, a bad schema option). */
int codec_doc_option(const cli_cmd *cmd, codec_doc_opts *d, int c, const char *arg, char **argv);
/* After the options: 0, or CLI_EXIT_USAGE after printing why (the schema options do not fit, an operand). */
int codec_doc_check(const cli_cmd *cmd, const codec_doc_opts *d, int argc, char **argv);

/* One record of the input. */
typedef struct codec_record {
  const uint8_t *data; /* the document or message (not NUL-terminated) */
  size_t len;
  size_t base;               /* its offset in the input stream */
  unsigned long long number; /* 1-based record number */
  unsigned long long line;   /* JSON lines: the line number; 0 otherwise */
  const char *where;         /* "line 5", "record 3 (byte 120)"; NULL for a single-record input */
  bool reported;             /* set by a handler that printed its own failure */
} codec_record;

/* A command's work on one record: EVS_OK, or a failure with err filled (printed by the loop unless the
 * handler set rec->reported). */
typedef evs_status (*codec_record_fn)(void *ctx, codec_record *rec, evs_error *err);

/* The record loops (codec_records.c): JSON (one document, or JSON lines with --delimited) and binary (one
 * message, or a length-delimited stream with --delimited). A failed record stops the loop unless
 * --keep-going; then "N of M records failed" ends the run. Return the exit code. */
int codec_json_records(const codec_io *io, codec_record_fn fn, void *ctx);
int codec_binary_records(const codec_io *io, codec_record_fn fn, void *ctx);

/* True when data reads as a length-delimited stream (varint length, that many bytes, and so on to the end):
 * then a failure to read it as one message most likely means --delimited was forgotten. */
bool codec_looks_delimited(const uint8_t *data, size_t len);

/* Validates msg with io->validator and, when it breaks rules, prints each violation as
 * "evs CMD: error: INPUT: WHERE: PATH: MESSAGE [RULE_ID]" and returns EVS_ERR_VALIDATION with
 * rec->reported set. EVS_OK when valid. */
evs_status codec_validate(const codec_io *io, codec_record *rec, const ProtobufCMessage *msg, evs_error *err);

/* The input's name in messages: the --input path or "stdin". */
const char *codec_input_name(const codec_args *a);

/* Reads the whole stream into *data (malloc'ed, NUL-terminated, *len excludes the NUL). Fails with
 * EVS_ERR_IO, EVS_ERR_LIMIT (more than CODEC_MAX_RECORD bytes) or EVS_ERR_NOMEM. */
evs_status codec_read_all(FILE *in, uint8_t **data, size_t *len, evs_error *err);

/* Reads one varint length prefix at *offset. Returns 1 with *value, 0 at a clean end of input, -1 with
 * err filled (EVS_ERR_TRUNCATED: the stream ends inside the prefix; EVS_ERR_SYNTAX: longer than 10
 * bytes). *offset advances past the bytes read. */
int codec_read_varint(FILE *in, size_t *offset, uint64_t *value, evs_error *err);
/* Appends the varint encoding of v to buf (at most 10 bytes); returns its length. */
size_t codec_put_varint(uint8_t *buf, uint64_t v);

/* Prints "evs CMD: error: INPUT: WHERE: <err>" on stderr, where WHERE names the record ("line 5",
 * "record 3 at byte 120"); WHERE NULL for a single-document input. */
void codec_report(const codec_io *io, const char *where, const evs_error *err);

#endif
