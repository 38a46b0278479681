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

/* True when msg and every message below it have no unknown fields: the bytes fit the type exactly. */
static bool fits(const ProtobufCMessage *msg, int depth) {
  if (msg->n_unknown_fields || depth > 64) return false;
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *fd = &d->fields[i];
    if (fd->type != PROTOBUF_C_TYPE_MESSAGE) continue;
    const char *base = (const char *)msg + fd->offset;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)((const char *)msg + fd->quantifier_offset);
      ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)base;
      for (size_t k = 0; k < n; k++)
        if (!fits(v[k], depth + 1)) return false;
    } else if (*(ProtobufCMessage *const *)base && !fits(*(ProtobufCMessage *const *)base, depth + 1)) {
      return false;
    }
  }
  return true;
}

/* Bytes that are not the named type: which event types they read as exactly (no unknown field anywhere) and
 * validly (every rule kept), as a hint. Only the error path pays for it. */
static void suggest_types(const codec_io *io, const uint8_t *data, size_t len) {
  size_t n;
  const evs_event_type *types = evs_registry_event_types(io->reg, &n);
  evs_validator *v = NULL;
  evs_error err;
  if (!len || evs_validator_new(io->reg, NULL, &v, &err) != EVS_OK) return;
  evs_violations vs;
  evs_violations_init(&vs);
  char list[512] = "";
  size_t used = 0, found = 0;
  const evs_message *seen[64];
  size_t n_seen = 0;
  for (size_t i = 0; i < n && found < 4 && n_seen < 64; i++) {
    const evs_message *m = types[i].message;
    bool dup = m->c_desc == io->desc;
    for (size_t k = 0; k < n_seen && !dup; k++) dup = seen[k] == m;
    if (dup) continue; /* a message carrying several event types is tried once */
    seen[n_seen++] = m;
    ProtobufCMessage *msg = NULL;
    if (evs_binary_unpack(m->c_desc, data, len, NULL, NULL, &msg, &err) != EVS_OK) continue;
    evs_violations_reset(&vs);
    if (fits(msg, 0) && evs_validate_message(v, msg, EVS_VALIDATE_FAIL_FAST, &vs, &err) == EVS_OK &&
        used < sizeof list) {
      if (m->event && m->event->n_types == 1)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s (%s)", found ? ", " : "",
                                 types[i].name, m->full_name);
      else
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", found ? ", " : "", m->full_name);
      found++;
    }
    protobuf_c_message_free_unpacked(msg, NULL);
  }
  if (found)
    fprintf(stderr, "evs %s: hint: the bytes read exactly and validly as %s%s\n", io->cmd->name, list,
            found == 4 ? ", ..." : "");
  evs_violations_free(&vs);
  evs_validator_free(v);
}

/* Converts one binary message and writes its JSON line. Offsets in err are made absolute (bytes from the
 * start of the input). */
static evs_status decode_one(void *ctx, codec_record *rec, evs_error *err) {
  decoder *d = ctx;
  evs_unpack_options uo = {.max_depth = d->io->args->opts.max_depth, .max_size = CODEC_MAX_RECORD};
  ProtobufCMessage *msg = NULL;
  evs_status st = evs_binary_unpack(d->io->desc, rec->data, rec->len, &uo, NULL, &msg, err);
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
  if (st != EVS_OK && err->offset != EVS_NO_OFFSET) err->offset += rec->base;
  if (st != EVS_OK && !rec->where &&
      (st == EVS_ERR_SYNTAX || st == EVS_ERR_TRUNCATED || st == EVS_ERR_TYPE) &&
      codec_looks_delimited(rec->data, rec->len)) {
    codec_report(d->io, NULL, err);
    fprintf(stderr,
            "evs %s: hint: the input reads as length-delimited messages (a varint length before each): "
            "try --delimited\n",
            d->io->cmd->name);
    rec->reported = true;
  } else if (st != EVS_OK && !rec->where &&
             (st == EVS_ERR_SYNTAX || st == EVS_ERR_TRUNCATED || st == EVS_ERR_TYPE ||
              st == EVS_ERR_UNSUPPORTED)) {
    codec_report(d->io, NULL, err);
    suggest_types(d->io, rec->data, rec->len);
    rec->reported = true;
  }
  return st;
}

static int convert(const codec_io *io) {
  decoder d = {io, EVS_BUF_INIT};
  int rc = codec_binary_records(io, decode_one, &d);
  evs_buf_free(&d.json);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  return codec_run(self, argc, argv, CODEC_DECODE_FLAGS, 0, convert);
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
