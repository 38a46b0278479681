/* evs decode: protobuf binary in (one message, or a length-delimited stream), canonical protobuf JSON
 * out, one document per line. Binary input is untrusted: every message is unpacked by evs_binary_unpack()
 * (size, bounds, wire types, nesting depth, UTF-8, then protobuf-c's unpack, which has no depth limit). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codec_cli.h"

typedef struct decoder {
  const codec_io *io;
  evs_buf json;
} decoder;

/* Converts one binary message that starts at stream offset `base` and writes its JSON line. Offsets in
 * err are made absolute (bytes from the start of the input). */
static evs_status decode_one(decoder *d, const uint8_t *data, size_t len, size_t base, evs_error *err) {
  evs_unpack_options uo = {.max_depth = d->io->args->opts.max_depth, .max_size = CODEC_MAX_RECORD};
  ProtobufCMessage *msg = NULL;
  evs_status st = evs_binary_unpack(d->io->desc, data, len, &uo, NULL, &msg, err);
  if (st == EVS_OK) {
    evs_buf_reset(&d->json);
    st = evs_json_encode(d->io->reg, msg, &d->io->args->opts, &d->json, err);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (st == EVS_OK && evs_buf_append_byte(&d->json, '\n') != EVS_OK) {
      evs_error_clear(err);
      st = err->code = EVS_ERR_NOMEM;
      snprintf(err->msg, sizeof err->msg, "out of memory");
    }
    if (st == EVS_OK) fwrite(d->json.data, 1, d->json.len, d->io->out);
  }
  if (st != EVS_OK && err->offset != EVS_NO_OFFSET) err->offset += base;
  return st;
}

/* True when data reads as a length-delimited stream (varint length, that many bytes, and so on to the end):
 * then a failure to read it as one message most likely means --delimited was forgotten. */
static bool looks_delimited(const uint8_t *data, size_t len) {
  size_t pos = 0, records = 0;
  while (pos < len) {
    uint64_t n = 0;
    unsigned shift = 0;
    for (;;) {
      if (pos >= len || shift > 63) return false;
      uint8_t b = data[pos++];
      n |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (n > len - pos) return false;
    pos += (size_t)n;
    records++;
  }
  return records > 0;
}

static int run_single(decoder *d) {
  uint8_t *data = NULL;
  size_t len = 0;
  evs_error err;
  evs_error_clear(&err);
  bool read_ok = codec_read_all(d->io->in, &data, &len, &err) == EVS_OK;
  if (!read_ok || decode_one(d, data, len, 0, &err) != EVS_OK) {
    codec_report(d->io, NULL, &err);
    if (read_ok &&
        (err.code == EVS_ERR_SYNTAX || err.code == EVS_ERR_TRUNCATED || err.code == EVS_ERR_TYPE) &&
        looks_delimited(data, len))
      fprintf(stderr,
              "evs %s: hint: the input reads as length-delimited messages (a varint length before each): "
              "try --delimited\n",
              d->io->cmd->name);
    free(data);
    return CLI_EXIT_FAIL;
  }
  free(data);
  return CLI_EXIT_OK;
}

/* Reads exactly n bytes, growing *buf as data arrives (a hostile length prefix allocates nothing it
 * cannot fill). Returns how many bytes were read (< n at the end of input); SIZE_MAX when out of memory. */
static size_t read_payload(FILE *in, uint8_t **buf, size_t *cap, size_t n) {
  size_t got = 0;
  while (got < n) {
    if (got == *cap) {
      size_t want = *cap ? *cap * 2 : 4096;
      if (want > n) want = n;
      uint8_t *grown = realloc(*buf, want);
      if (!grown) return SIZE_MAX;
      *buf = grown;
      *cap = want;
    }
    size_t chunk = *cap - got < n - got ? *cap - got : n - got;
    size_t r = fread(*buf + got, 1, chunk, in);
    got += r;
    if (r < chunk) break;
  }
  return got;
}

static int run_delimited(decoder *d) {
  FILE *in = d->io->in;
  uint8_t *buf = NULL;
  size_t cap = 0, offset = 0;
  unsigned long long records = 0, failed = 0;
  int rc = CLI_EXIT_OK;
  for (;;) {
    evs_error err;
    evs_error_clear(&err);
    size_t start = offset;
    uint64_t n = 0;
    char where[96];
    snprintf(where, sizeof where, "record %llu (byte %zu)", records + 1, start);
    int more = codec_read_varint(in, &offset, &n, &err);
    if (more == 0) break;
    records++;
    bool framing_lost = true;
    if (more < 0) {
      /* err is filled */
    } else if (n > CODEC_MAX_RECORD) {
      err.code = EVS_ERR_LIMIT;
      err.offset = start;
      snprintf(err.msg, sizeof err.msg, "length prefix says %llu bytes, more than the %zu-byte limit",
               (unsigned long long)n, CODEC_MAX_RECORD);
    } else {
      size_t got = read_payload(in, &buf, &cap, (size_t)n);
      if (got == SIZE_MAX) {
        err.code = EVS_ERR_NOMEM;
        snprintf(err.msg, sizeof err.msg, "out of memory reading a %llu-byte record", (unsigned long long)n);
      } else if (got < n) {
        err.code = ferror(in) ? EVS_ERR_IO : EVS_ERR_TRUNCATED;
        err.offset = offset + got;
        snprintf(err.msg, sizeof err.msg, "length prefix says %llu bytes, but the input ends after %zu",
                 (unsigned long long)n, got);
      } else {
        size_t base = offset;
        offset += got;
        framing_lost = false;
        if (decode_one(d, buf, got, base, &err) == EVS_OK) continue;
      }
    }
    codec_report(d->io, where, &err);
    failed++;
    rc = CLI_EXIT_FAIL;
    /* After a bad length prefix the next record's start is unknown: nothing more can be read. */
    if (!d->io->args->keep_going || framing_lost) break;
  }
  free(buf);
  if (d->io->args->keep_going && failed)
    fprintf(stderr, "evs %s: %llu of %llu records failed\n", d->io->cmd->name, failed, records);
  return rc;
}

static int convert(const codec_io *io) {
  decoder d = {io, EVS_BUF_INIT};
  int rc = io->args->delimited ? run_delimited(&d) : run_single(&d);
  evs_buf_free(&d.json);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  return codec_run(self, argc, argv, CODEC_DECODE_FLAGS, convert);
}

const cli_cmd cli_cmd_decode = {
    "decode",
    "convert protobuf binary to canonical protobuf JSON",
    "usage: evs decode --type TYPE [--delimited] [--proto-names] [--emit-defaults]\n"
    "                  [--enums-as-numbers] [--pretty] [--keep-going] [-i FILE] [-o FILE]\n"
    "                  [--max-depth N] [--descriptor-set FILE]... [--proto FILE.proto]...\n"
    "                  [-I DIR]... [--no-builtin]\n"
    "\n"
    "Reads events in the protobuf binary format and writes them as canonical protobuf JSON\n"
    "(ProtoJSON), one document per line. TYPE is an event type (workflow.completed) or a message's\n"
    "full name (evs.events.workflow.v1.WorkflowEvent) from the built-in catalog or a --descriptor-set.\n"
    "\n"
    "Without --delimited the whole input is one message. With --delimited it is a stream of\n"
    "messages, each preceded by its length as a varint (protobuf's writeDelimitedTo format, what\n"
    "evs encode --delimited writes). Input is checked before it is unpacked: nesting deeper than\n"
    "--max-depth messages fails with [limit], input that ends early with [truncated]; errors name\n"
    "the record, its byte offset and the offending byte offset, e.g.\n"
    "  evs decode: error: stdin: record 2 (byte 57): offset 70: length prefix ... [truncated]\n"
    "Unknown fields are dropped (JSON cannot carry them).\n"
    "\n"
    "options:\n"
    "  -t, --type TYPE          event type or message full name (required)\n"
    "  --delimited              read a length-delimited stream, write JSON lines\n"
    "  --proto-names            use proto field names (event_id) as keys, not JSON names (eventId)\n"
    "  --emit-defaults          also print fields without presence that hold their default\n"
    "                           (0, \"\", false, [], {}, the zero enum value)\n"
    "  --enums-as-numbers       print enum values as numbers, not names\n"
    "  --pretty                 indent by two spaces, one member per line (not JSON lines)\n"
    "  --keep-going             with --delimited: report every bad record, convert the others, and\n"
    "                           exit 1 at the end if any failed (stops at a broken length prefix)\n"
    "  -i, --input FILE         read FILE instead of stdin ('-' = stdin)\n"
    "  -o, --output FILE        write FILE instead of stdout ('-' = stdout)\n"
    "  --max-depth N            nesting limit in messages (default 100)\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 all records converted, 1 a record or the input failed, 2 usage error.\n",
    run,
};
