/* evs encode: canonical protobuf JSON in, protobuf binary out (one message, or a length-delimited
 * stream of messages from JSON lines). */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "codec_cli.h"

typedef struct encoder {
  const codec_io *io;
  uint8_t *packed; /* scratch for packed messages, grown as needed */
  size_t packed_cap;
} encoder;

/* Converts one JSON document to binary, validates it unless --no-validate, and writes it (with a length
 * prefix when delimited). */
static evs_status encode_one(void *ctx, codec_record *rec, evs_error *err) {
  encoder *e = ctx;
  ProtobufCMessage *msg = NULL;
  evs_status st = evs_json_decode(e->io->reg, e->io->desc, (const char *)rec->data, rec->len,
                                  &e->io->args->opts, NULL, &msg, err);
  if (st == EVS_OK && e->io->validator) st = codec_validate(e->io, rec, msg, err);
  if (st != EVS_OK) {
    protobuf_c_message_free_unpacked(msg, NULL);
    /* The usual cause of garbage after a complete document is a JSON-lines file without --delimited. */
    if (!rec->where && st == EVS_ERR_SYNTAX && err->line > 1 && err->offset < rec->len &&
        rec->data[err->offset] == '{') {
      codec_report(e->io, NULL, err);
      fprintf(stderr, "evs %s: hint: several JSON documents (one per line) need --delimited\n",
              e->io->cmd->name);
      rec->reported = true;
    }
    return st;
  }
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

static int convert(const codec_io *io) {
  encoder e = {io, NULL, 0};
  int rc = codec_json_records(io, encode_one, &e);
  free(e.packed);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  return codec_run(self, argc, argv, CODEC_ENCODE_FLAGS, CODEC_OPT_NO_VALIDATE, convert);
}

const cli_cmd cli_cmd_encode = {
    "encode",
    "convert canonical protobuf JSON to protobuf binary",
    "usage: evs encode --type TYPE [--delimited] [--ignore-unknown] [--keep-going] [--no-validate]\n"
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
    "Every record is validated against the field rules of its type (docs/validation.md); a record\n"
    "that breaks one is not written, and each violation is reported as\n"
    "  evs encode: error: stdin: line 2: title: must be at most 500 characters [string.max_len]\n"
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
    "  --no-validate            do not check the field rules (the JSON must still decode)\n"
    "  -i, --input FILE         read FILE instead of stdin ('-' = stdin)\n"
    "  -o, --output FILE        write FILE instead of stdout ('-' = stdout)\n"
    "  --max-depth N            nesting limit of JSON objects and arrays (default 100)\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 all records converted, 1 a record or the input failed, 2 usage error.\n",
    run,
};
