/* evs encode: canonical protobuf JSON in, protobuf binary out (one message, or a length-delimited
 * stream of messages from JSON lines). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "codec_cli.h"

typedef struct encoder {
  const codec_io *io;
  uint8_t *packed; /* scratch for packed messages, grown as needed */
  size_t packed_cap;
} encoder;

/* Converts one JSON document to binary and writes it (with a length prefix when delimited). */
static evs_status encode_one(encoder *e, const char *json, size_t len, evs_error *err) {
  ProtobufCMessage *msg = NULL;
  evs_status st = evs_json_decode(e->io->reg, e->io->desc, json, len, &e->io->args->opts, NULL, &msg, err);
  if (st != EVS_OK) return st;
  size_t size = protobuf_c_message_get_packed_size(msg);
  if (size > e->packed_cap) {
    uint8_t *grown = realloc(e->packed, size);
    if (!grown) {
      protobuf_c_message_free_unpacked(msg, NULL);
      evs_error_clear(err);
      err->code = EVS_ERR_NOMEM;
      snprintf(err->msg, sizeof err->msg, "out of memory packing a %zu-byte message", size);
      return EVS_ERR_NOMEM;
    }
    e->packed = grown;
    e->packed_cap = size;
  }
  size_t packed = protobuf_c_message_pack(msg, e->packed);
  protobuf_c_message_free_unpacked(msg, NULL);
  if (e->io->args->delimited) {
    uint8_t prefix[10];
    fwrite(prefix, 1, codec_put_varint(prefix, packed), e->io->out);
  }
  if (packed) fwrite(e->packed, 1, packed, e->io->out);
  return EVS_OK;
}

static bool is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
  return true;
}

/* A single document: the whole input, which may span lines (pretty-printed JSON). */
static int run_single(encoder *e) {
  uint8_t *text = NULL;
  size_t len = 0;
  evs_error err;
  if (codec_read_all(e->io->in, &text, &len, &err) != EVS_OK) {
    codec_report(e->io, NULL, &err);
    return CLI_EXIT_FAIL;
  }
  int rc = CLI_EXIT_OK;
  size_t bom = cli_bom_len((const char *)text, len);
  if (is_blank((const char *)text + bom, len - bom)) {
    rc = cli_failf(e->io->cmd, "%s: no JSON document in the input", codec_input_name(e->io->args));
  } else if (encode_one(e, (const char *)text + bom, len - bom, &err) != EVS_OK) {
    codec_report(e->io, NULL, &err);
    /* The usual cause of garbage after a complete document is a JSON-lines file without --delimited. */
    if (err.code == EVS_ERR_SYNTAX && err.line > 1 && err.offset < len && text[err.offset] == '{')
      fprintf(stderr, "evs %s: hint: several JSON documents (one per line) need --delimited\n",
              e->io->cmd->name);
    rc = CLI_EXIT_FAIL;
  }
  free(text);
  return rc;
}

/* JSON lines: one document per line, blank lines skipped, each written as a length-delimited message. */
static int run_lines(encoder *e) {
  FILE *in = e->io->in;
  cli_lines lines = {.max = CODEC_MAX_RECORD};
  unsigned long long records = 0, failed = 0;
  int rc = CLI_EXIT_OK;
  for (;;) {
    size_t len = 0;
    int got = cli_lines_next(&lines, in, &len);
    if (got == CLI_LINE_EOF || got == CLI_LINE_IO) break;
    evs_error err;
    evs_error_clear(&err);
    evs_status st;
    if (got == CLI_LINE_TOO_LONG) {
      st = err.code = EVS_ERR_LIMIT;
      snprintf(err.msg, sizeof err.msg, "line longer than %zu bytes (skipped without reading it into memory)",
               CODEC_MAX_RECORD);
    } else if (got == CLI_LINE_NOMEM) {
      st = err.code = EVS_ERR_NOMEM;
      snprintf(err.msg, sizeof err.msg, "out of memory reading the line");
    } else {
      if (len && lines.buf[len - 1] == '\r') len--;
      if (is_blank(lines.buf, len)) continue;
      size_t bom = lines.line_no == 1 ? cli_bom_len(lines.buf, len) : 0;
      st = encode_one(e, lines.buf + bom, len - bom, &err);
    }
    records++;
    if (st != EVS_OK) {
      char where[64];
      snprintf(where, sizeof where, "line %llu", lines.line_no);
      codec_report(e->io, where, &err);
      failed++;
      rc = CLI_EXIT_FAIL;
      if (!e->io->args->keep_going) break;
    }
  }
  if (ferror(in))
    rc = cli_failf(e->io->cmd, "reading %s failed: %s", codec_input_name(e->io->args), strerror(errno));
  cli_lines_free(&lines);
  if (e->io->args->keep_going && failed)
    fprintf(stderr, "evs %s: %llu of %llu records failed\n", e->io->cmd->name, failed, records);
  return rc;
}

static int convert(const codec_io *io) {
  encoder e = {io, NULL, 0};
  int rc = io->args->delimited ? run_lines(&e) : run_single(&e);
  free(e.packed);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  return codec_run(self, argc, argv, CODEC_ENCODE_FLAGS, convert);
}

const cli_cmd cli_cmd_encode = {
    "encode",
    "convert canonical protobuf JSON to protobuf binary",
    "usage: evs encode --type TYPE [--delimited] [--ignore-unknown] [--keep-going]\n"
    "                  [-i FILE] [-o FILE] [--max-depth N] [--descriptor-set FILE]...\n"
    "                  [--proto FILE.proto]... [-I DIR]... [--no-builtin]\n"
    "\n"
    "Reads events in canonical protobuf JSON (ProtoJSON) and writes them in the protobuf binary\n"
    "format. TYPE is an event type (workflow.completed) or a message's full name\n"
    "(evs.events.workflow.v1.WorkflowEvent) from the built-in catalog or a --descriptor-set.\n"
    "\n"
    "Without --delimited the whole input is one JSON document (it may span lines) and the output is\n"
    "one binary message. With --delimited the input is JSON lines (one document per line, blank\n"
    "lines skipped) and the output a stream of messages, each preceded by its length as a varint\n"
    "(protobuf's writeDelimitedTo format; evs decode --delimited reads it back).\n"
    "\n"
    "Keys may be JSON names or proto field names; 64-bit integers may be numbers or strings.\n"
    "A bad record stops the run with exit status 1; the error names the line and the position\n"
    "(line:col inside the document) and the field path, e.g.\n"
    "  evs encode: error: stdin: line 3: 1:42: task_data.priority: ... [not_found]\n"
    "where the bracketed word is the error code.\n"
    "\n"
    "options:\n"
    "  -t, --type TYPE          event type or message full name (required)\n"
    "  --delimited              JSON lines in, length-delimited binary stream out\n"
    "  --ignore-unknown         skip unknown keys and unknown enum value names instead of failing\n"
    "  --keep-going             with --delimited: report every bad line, convert the others, and\n"
    "                           exit 1 at the end if any failed\n"
    "  -i, --input FILE         read FILE instead of stdin ('-' = stdin)\n"
    "  -o, --output FILE        write FILE instead of stdout ('-' = stdout)\n"
    "  --max-depth N            nesting limit of JSON objects and arrays (default 100)\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 all records converted, 1 a record or the input failed, 2 usage error.\n",
    run,
};
