/* evs validate: checks documents (JSON lines by default, one JSON document, or binary messages) against
 * the field rules of a type and prints every violation with its field path and rule id. A document that
 * does not decode as the type is invalid too, reported with its position. */
#include <stdlib.h>
#include <string.h>

#include "codec_cli.h"
#include "event_cli.h"

typedef struct checker {
  const codec_io *io;
  evs_violations vs; /* --events: the envelope's, then the payload's under "data" */
  evs_buf line;
  evs_buf ce_store;
  unsigned long long records, invalid;
} checker;

/* "line 3" / "record 3 (byte 120)" / "" for the one record of a single-document input. */
static const char *where_of(const codec_record *rec) {
  return rec->where ? rec->where : "";
}

/* The start of a record's JSON verdict: {"record":N,"line":L, */
static void json_head(evs_buf *b, const codec_record *rec) {
  char head[96];
  snprintf(head, sizeof head, "{\"record\":%llu,", rec->number);
  evs_buf_append_str(b, head);
  if (rec->line) {
    snprintf(head, sizeof head, "\"line\":%llu,", rec->line);
    evs_buf_append_str(b, head);
  }
}

static void emit_error(checker *k, const codec_record *rec, const evs_error *err) {
  evs_buf *b = &k->line;
  evs_buf_reset(b);
  if (k->io->args->format_json) {
    char head[96];
    json_head(b, rec);
    evs_buf_append_str(b, "\"valid\":false,\"error\":{\"code\":");
    const char *code = evs_status_name(err->code);
    (void)evs_json_append_string(b, code, strlen(code));
    evs_buf_append_str(b, ",\"message\":");
    (void)evs_json_append_string(b, err->msg, strlen(err->msg));
    if (err->offset != EVS_NO_OFFSET) {
      snprintf(head, sizeof head, ",\"offset\":%zu", err->offset);
      evs_buf_append_str(b, head);
    }
    if (err->line) {
      snprintf(head, sizeof head, ",\"line\":%u,\"col\":%u", (unsigned)err->line, (unsigned)err->col);
      evs_buf_append_str(b, head);
    }
    if (err->path[0]) {
      evs_buf_append_str(b, ",\"path\":");
      (void)evs_json_append_string(b, err->path, strlen(err->path));
    }
    evs_buf_append_str(b, "}}\n");
  } else {
    char text[1024];
    evs_error_format(err, text, sizeof text);
    const char *w = where_of(rec);
    evs_buf_append_str(b, w);
    evs_buf_append_str(b, *w ? ": " : "");
    evs_buf_append_str(b, "does not decode as the type: ");
    evs_buf_append_str(b, text);
    evs_buf_append_str(b, " [");
    evs_buf_append_str(b, evs_status_name(err->code));
    evs_buf_append_str(b, "]\n");
  }
  if (evs_buf_status(b) == EVS_OK) fwrite(b->data, 1, b->len, k->io->out);
}

/* Prints the record's verdict: the violations (text: one line each, only for invalid records; JSON: one
 * object per record). With --events the envelope's come first, and payload paths start with "data.". */
static evs_status emit_violations(checker *k, const codec_record *rec, evs_error *err) {
  evs_buf *b = &k->line;
  evs_buf_reset(b);
  const evs_violations *vs = &k->vs;
  if (k->io->args->format_json) {
    json_head(b, rec);
    evs_buf_append_str(b, vs->n ? "\"valid\":false,\"violations\":" : "\"valid\":true");
    if (vs->n) (void)evs_violations_json(vs, b);
    evs_buf_append_str(b, "}\n");
  } else {
    char line_prefix[96];
    snprintf(line_prefix, sizeof line_prefix, "%s%s", where_of(rec), *where_of(rec) ? ": " : "");
    (void)evs_violations_text(vs, k->io->args->json_names, line_prefix, NULL, b);
  }
  if (evs_buf_status(b) != EVS_OK) {
    evs_error_clear(err);
    err->code = EVS_ERR_NOMEM;
    snprintf(err->msg, sizeof err->msg, "out of memory writing the result");
    return EVS_ERR_NOMEM;
  }
  if (b->len) fwrite(b->data, 1, b->len, k->io->out); /* a valid record in text form: nothing, data NULL */
  return EVS_OK;
}

/* --events: the line as a CloudEvent; its envelope is checked into k->vs (the payload's violations follow,
 * nested under "data" by check_one). */
static evs_status read_event(checker *k, const codec_record *rec, ProtobufCMessage **msg, evs_error *err) {
  evs_ce_event ce;
  const evs_message *m;
  char why[sizeof err->msg];
  evs_status st = cli_event_read(k->io->reg, (const char *)rec->data, rec->len, 0, NULL, &k->ce_store, &ce,
                                 &m, msg, why, sizeof why);
  if (st != EVS_OK) {
    evs_error_clear(err);
    err->code = st;
    snprintf(err->msg, sizeof err->msg, "%s", why);
    return st;
  }
  st = evs_validate_event(k->io->validator, &ce, k->io->args->fail_fast ? EVS_VALIDATE_FAIL_FAST : 0, &k->vs,
                          err);
  return st == EVS_ERR_VALIDATION ? EVS_OK : st;
}

static evs_status check_one(void *ctx, codec_record *rec, evs_error *err) {
  checker *k = ctx;
  const codec_io *io = k->io;
  k->records++;
  ProtobufCMessage *msg = NULL;
  evs_status st;
  evs_violations_reset(&k->vs);
  if (io->args->events) {
    st = read_event(k, rec, &msg, err);
  } else if (io->args->binary) {
    evs_unpack_options uo = {.max_depth = io->args->opts.max_depth, .max_size = CODEC_MAX_RECORD};
    st = evs_binary_unpack(io->desc, rec->data, rec->len, &uo, NULL, &msg, err);
    if (st != EVS_OK && err->offset != EVS_NO_OFFSET) err->offset += rec->base;
  } else {
    st = evs_json_decode(io->reg, io->desc, (const char *)rec->data, rec->len, &io->args->opts, NULL, &msg,
                         err);
  }
  if (st == EVS_ERR_NOMEM) return st; /* not a verdict on the record */
  rec->reported = true;
  if (st != EVS_OK) {
    k->invalid++;
    emit_error(k, rec, err);
    return st;
  }
  size_t envelope = k->vs.n;
  if (io->args->fail_fast && envelope) {
    st = EVS_ERR_VALIDATION; /* the first violation is the envelope's */
  } else {
    st = evs_validate_message(io->validator, msg, io->args->fail_fast ? EVS_VALIDATE_FAIL_FAST : 0, &k->vs,
                              err);
    if (st == EVS_ERR_VALIDATION && io->args->events &&
        evs_violations_nest(&k->vs, envelope, "data", "data") != EVS_OK) {
      evs_error_clear(err);
      st = err->code = EVS_ERR_NOMEM;
      snprintf(err->msg, sizeof err->msg, "out of memory listing the violations");
    }
  }
  protobuf_c_message_free_unpacked(msg, NULL);
  if (st != EVS_OK && st != EVS_ERR_VALIDATION) {
    rec->reported = false;
    return st;
  }
  if (envelope) st = EVS_ERR_VALIDATION;
  if (st == EVS_ERR_VALIDATION) k->invalid++;
  evs_status wst = emit_violations(k, rec, err);
  if (wst != EVS_OK) {
    rec->reported = false;
    return wst;
  }
  return st;
}

static int convert(const codec_io *io) {
  checker k = {.io = io};
  evs_violations_init(&k.vs);
  int rc = io->args->binary ? codec_binary_records(io, check_one, &k) : codec_json_records(io, check_one, &k);
  evs_violations_free(&k.vs);
  evs_buf_free(&k.line);
  evs_buf_free(&k.ce_store);
  if (rc == CLI_EXIT_OK && !io->args->format_json)
    fprintf(stderr, "evs validate: %llu record%s valid\n", k.records, k.records == 1 ? "" : "s");
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  return codec_run(self, argc, argv, EVS_JSON_IGNORE_UNKNOWN, CODEC_OPT_VALIDATE, convert);
}

const cli_cmd cli_cmd_validate = {
    "validate",
    "check events against the field rules of their type",
    "usage: evs validate (--type TYPE [--document | --binary [--delimited]] | --events)\n"
    "                    [--format text|json]\n"
    "                    [--fail-fast] [--json-names] [--ignore-unknown] [-i FILE] [-o FILE]\n"
    "                    [--max-depth N] [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]...\n"
    "                    [--no-builtin]\n"
    "\n"
    "Checks each record of the input against the validation rules of TYPE ((evs.v1.field) and\n"
    "(evs.v1.oneof) in its schema; docs/validation.md) and reports every violation with the field\n"
    "path, a message and the rule id. A record that does not decode as TYPE is invalid too.\n"
    "TYPE is an event type (task.created) or a message's full name, from the built-in catalog or the\n"
    "given schemas.\n"
    "\n"
    "The input is JSON lines (one document per line, blank lines skipped); --document reads the whole\n"
    "input as one JSON document (it may span lines); --binary reads one protobuf message, and with\n"
    "--delimited a length-delimited stream of them. --events reads CloudEvents structured-mode JSON\n"
    "lines (what evs produce reads): each event's type picks its message, the envelope is checked\n"
    "too (a registered type, id a UUIDv7, time in milliseconds: the rules of evs.v1.Envelope) and\n"
    "payload paths start with \"data.\".\n"
    "\n"
    "Text output (stdout) has one line per violation of an invalid record, e.g.\n"
    "  line 2: title: must be at most 500 characters [string.max_len]\n"
    "  line 3: does not decode as the type: 1:9: priority: ... [not_found]\n"
    "and a count on stderr. --format json writes one object per record, valid or not:\n"
    "  "
    "{\"record\":2,\"line\":2,\"valid\":false,\"violations\":[{\"path\":\"title\",\"json_path\":\"title\",\n"
    "   \"rule_id\":\"string.max_len\",\"message\":\"...\",\"value\":\"...\"}]}\n"
    "  {\"record\":3,\"line\":3,\"valid\":false,\"error\":{\"code\":\"not_found\",\"message\":\"...\",...}}\n"
    "\n"
    "options:\n"
    "  -t, --type TYPE          event type or message full name (required unless --events)\n"
    "  --events                 CloudEvents JSON lines, each naming its type\n"
    "  --document               the JSON input is one document, not JSON lines\n"
    "  --binary                 protobuf binary input (one message)\n"
    "  --delimited              with --binary: a length-delimited stream of messages\n"
    "  --format FORMAT          text (default) or json\n"
    "  --fail-fast              report only the first violation of each record\n"
    "  --json-names             text output: field paths with JSON names (lines[0].skuCode)\n"
    "  --ignore-unknown         skip unknown keys and enum value names instead of failing\n"
    "  -i, --input FILE         read FILE instead of stdin ('-' = stdin)\n"
    "  -o, --output FILE        write the results to FILE instead of stdout\n"
    "  --max-depth N            nesting limit (default 100)\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 every record valid, 1 a record is invalid (or the input could not be read),\n"
    "2 usage error (an unknown type, a bad option).\n",
    run,
};
