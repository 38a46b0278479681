#include "codec_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "evs/catalog.h"

/* A test build of the program (tests/json) links one more compiled catalog, e.g. evs.test.v1.AllTypes, so
 * that the CLI itself can be run against test schemas; the shipped program has only the builtin one. */
#ifdef EVS_CLI_EXTRA_CATALOG
extern const evs_catalog EVS_CLI_EXTRA_CATALOG;
#endif

/* Parses the command line of encode/decode (`allowed` = the EVS_JSON_* flags it takes). Returns -1 when
 * the command should run, else the exit code (usage errors are printed). */
static int parse_args(const cli_cmd *cmd, int argc, char **argv, uint32_t allowed, uint32_t extra,
                      codec_args *a) {
  static const struct option opts[] = {
      {"type", required_argument, NULL, 't'},      {"input", required_argument, NULL, 'i'},
      {"output", required_argument, NULL, 'o'},    {"delimited", no_argument, NULL, 'D'},
      {"keep-going", no_argument, NULL, 'k'},      CLI_SCHEMA_OPTIONS,
      {"max-depth", required_argument, NULL, 'm'}, {"proto-names", no_argument, NULL, 'P'},
      {"emit-defaults", no_argument, NULL, 'E'},   {"enums-as-numbers", no_argument, NULL, 'N'},
      {"pretty", no_argument, NULL, 'p'},          {"ignore-unknown", no_argument, NULL, 'U'},
      {"no-validate", no_argument, NULL, 'V'},     {"binary", no_argument, NULL, 'B'},
      {"document", no_argument, NULL, 'O'},        {"format", required_argument, NULL, 'F'},
      {"fail-fast", no_argument, NULL, 'X'},       {"json-names", no_argument, NULL, 'J'},
      {"events", no_argument, NULL, 'W'},          {NULL, 0, NULL, 0},
  };
  memset(a, 0, sizeof *a);
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":t:i:o:" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    uint32_t flag = 0;
    int taken = cli_schema_option(cmd, &a->schema, c, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) continue;
    uint32_t needs = c == 'V' ? CODEC_OPT_NO_VALIDATE
                     : (c == 'B' || c == 'O' || c == 'F' || c == 'X' || c == 'J' || c == 'W')
                         ? CODEC_OPT_VALIDATE
                         : 0;
    if (needs && !(extra & needs))
      return cli_usage_error(cmd, "option '%s' does not apply to evs %s", argv[optind - 1], cmd->name);
    switch (c) {
      case 'V':
        a->no_validate = true;
        break;
      case 'B':
        a->binary = true;
        break;
      case 'O':
        a->document = true;
        break;
      case 'F':
        if (strcmp(optarg, "json") == 0)
          a->format_json = true;
        else if (strcmp(optarg, "text") != 0)
          return cli_usage_error(cmd, "--format wants 'text' or 'json', not '%s'", optarg);
        break;
      case 'X':
        a->fail_fast = true;
        break;
      case 'J':
        a->json_names = true;
        break;
      case 'W':
        a->events = true;
        break;
      case 't':
        a->type = optarg;
        break;
      case 'i':
        a->input = strcmp(optarg, "-") == 0 ? NULL : optarg;
        break;
      case 'o':
        a->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
        break;
      case 'D':
        a->delimited = true;
        break;
      case 'k':
        a->keep_going = true;
        break;
      case 'm': {
        unsigned long long depth = 0;
        if (cli_parse_count(optarg, EVS_MAX_DEPTH_LIMIT, &depth) != 0 || depth == 0)
          return cli_usage_error(cmd, "--max-depth wants a number from 1 to %d, not '%s'",
                                 EVS_MAX_DEPTH_LIMIT, optarg);
        a->opts.max_depth = (int)depth;
        break;
      }
      case 'P':
        flag = EVS_JSON_PROTO_NAMES;
        break;
      case 'E':
        flag = EVS_JSON_EMIT_DEFAULTS;
        break;
      case 'N':
        flag = EVS_JSON_ENUMS_AS_NUMBERS;
        break;
      case 'p':
        flag = EVS_JSON_PRETTY;
        break;
      case 'U':
        flag = EVS_JSON_IGNORE_UNKNOWN;
        break;
      default:
        return cli_option_error(cmd, c, argv);
    }
    if (flag) {
      /* An option that cannot change the result is more likely a mix-up of encode and decode. */
      if (!(flag & allowed))
        return cli_usage_error(cmd, "option '%s' does not apply to evs %s", argv[optind - 1], cmd->name);
      a->opts.flags |= flag;
    }
  }
  if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
  if (a->events && a->type)
    return cli_usage_error(cmd, "--events takes the type from each event; not with --type");
  if (a->events && (a->binary || a->document))
    return cli_usage_error(cmd, "--events reads JSON lines; not with --binary or --document");
  if (!a->type && !a->events) return cli_usage_error(cmd, "--type is required");
  if (cli_schema_check(cmd, &a->schema)) return CLI_EXIT_USAGE;
  if (extra & CODEC_OPT_VALIDATE) {
    /* validate reads every record and reports each bad one: JSON lines unless --document. */
    if (a->document && (a->binary || a->delimited))
      return cli_usage_error(cmd, "--document is for one JSON document; not with --binary or --delimited");
    if (!a->binary && !a->document) a->delimited = true;
    a->keep_going = a->delimited;
  }
  if (a->keep_going && !a->delimited)
    return cli_usage_error(cmd, "--keep-going needs --delimited (one record)");
  return -1;
}

int codec_doc_option(const cli_cmd *cmd, codec_doc_opts *d, int c, const char *arg, char **argv) {
  switch (c) {
    case 'o':
      d->output = arg;
      return 1;
    case 'c':
      d->canonical = true;
      return 1;
    case 'C':
      d->compact = true;
      return 1;
    default: {
      int taken = cli_schema_option(cmd, &d->schema, c, arg);
      if (taken < 0) return -CLI_EXIT_USAGE;
      if (!taken) return -cli_option_error(cmd, c, argv);
      return 1;
    }
  }
}

int codec_doc_check(const cli_cmd *cmd, const codec_doc_opts *d, int argc, char **argv) {
  if (cli_schema_check(cmd, &d->schema)) return CLI_EXIT_USAGE;
  if (optind != argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
  return 0;
}

evs_registry *codec_open_registry(const cli_cmd *cmd, const cli_schema *schema) {
  evs_registry *r = cli_open_registry(cmd, schema);
  if (!r) return NULL;
#ifdef EVS_CLI_EXTRA_CATALOG
  evs_error cat_err;
  evs_error_clear(&cat_err);
  if (evs_registry_add_catalog(r, &EVS_CLI_EXTRA_CATALOG, &cat_err) != EVS_OK) {
    evs_registry_free(r);
    cli_fail(cmd, &cat_err);
    return NULL;
  }
#endif
  return r;
}

const evs_message *codec_resolve_type(const cli_cmd *cmd, const evs_registry *r, const char *type) {
  const evs_event_type *et = evs_registry_find_event_type(r, type);
  if (et) return et->message;
  evs_error err;
  evs_error_clear(&err);
  const evs_message *msg = evs_registry_require_message(r, type, &err);
  if (!msg) {
    /* an event type's suggestion first: --type usually names one */
    evs_error et_err;
    evs_error_clear(&et_err);
    (void)evs_registry_require_event_type(r, type, &et_err);
    const char *hint = strstr(et_err.msg, "did you mean");
    if (!hint) hint = strstr(err.msg, "did you mean");
    cli_failf(cmd, "'%s' is neither an event type nor a message%s%s", type, hint ? "; " : "",
              hint ? hint : "");
  }
  return msg;
}

/* The registry and the compiled message type named by a->type. On failure prints why and returns
 * CLI_EXIT_FAIL with *reg NULL. */
static int open_type(const cli_cmd *cmd, const codec_args *a, evs_registry **reg,
                     const ProtobufCMessageDescriptor **desc) {
  *reg = NULL;
  *desc = NULL;
  evs_registry *r = codec_open_registry(cmd, &a->schema);
  if (!r) return CLI_EXIT_FAIL;
  if (!a->type) { /* validate --events: each event names its type */
    *reg = r;
    return CLI_EXIT_OK;
  }
  const evs_message *msg = codec_resolve_type(cmd, r, a->type);
  if (!msg) {
    evs_registry_free(r);
    return CLI_EXIT_FAIL;
  }
  if (!msg->c_desc) { /* defensive: the registry gives every loaded message a descriptor */
    int rc = cli_failf(cmd, "message %s has no protobuf-c descriptor", msg->full_name);
    evs_registry_free(r);
    return rc;
  }
  *reg = r;
  *desc = msg->c_desc;
  return CLI_EXIT_OK;
}

const char *codec_input_name(const codec_args *a) {
  return a->input ? a->input : "stdin";
}

/* Opens --input / --output. Returns 0 or prints the error and returns CLI_EXIT_FAIL. */
static int open_files(const cli_cmd *cmd, const codec_args *a, FILE **in, FILE **out) {
  *in = stdin;
  *out = stdout;
  if (a->input) {
    *in = fopen(a->input, "rb");
    if (!*in) return cli_failf(cmd, "cannot open %s: %s", a->input, strerror(errno));
  }
  if (a->output) {
    *out = fopen(a->output, "wb");
    if (!*out) {
      int rc = cli_failf(cmd, "cannot create %s: %s", a->output, strerror(errno));
      if (a->input) fclose(*in);
      return rc;
    }
  }
  return CLI_EXIT_OK;
}

/* Closes the files of open_files(); a failed write is reported and returns CLI_EXIT_FAIL. */
static int close_files(const cli_cmd *cmd, const codec_args *a, FILE *in, FILE *out) {
  int rc = CLI_EXIT_OK;
  if (a->input) fclose(in);
  bool bad = fflush(out) != 0 || ferror(out);
  if (a->output) bad = (fclose(out) != 0) || bad;
  if (bad) rc = cli_failf(cmd, "writing to %s failed", a->output ? a->output : "stdout");
  return rc;
}

int codec_run(const cli_cmd *cmd, int argc, char **argv, uint32_t allowed, uint32_t extra,
              int (*convert)(const codec_io *io)) {
  codec_args args;
  int rc = parse_args(cmd, argc, argv, allowed, extra, &args);
  if (rc >= 0) return rc;
  evs_registry *reg = NULL;
  codec_io io = {cmd, &args, NULL, NULL, NULL, NULL, NULL};
  rc = open_type(cmd, &args, &reg, &io.desc);
  /* An unknown type is a usage error for validate (exit 2): nothing was read. */
  if (rc != CLI_EXIT_OK) return (extra & CODEC_OPT_VALIDATE) ? CLI_EXIT_USAGE : rc;
  io.reg = reg;
  evs_validator *validator = NULL;
  if ((extra & CODEC_OPT_VALIDATE) || ((extra & CODEC_OPT_NO_VALIDATE) && !args.no_validate)) {
    evs_error err;
    evs_error_clear(&err);
    if (evs_validator_new(reg, NULL, &validator, &err) != EVS_OK) {
      evs_registry_free(reg);
      return cli_fail(cmd, &err);
    }
    io.validator = validator;
  }
  rc = open_files(cmd, &args, &io.in, &io.out);
  if (rc == CLI_EXIT_OK) {
    rc = convert(&io);
    int close_rc = close_files(cmd, &args, io.in, io.out);
    if (rc == CLI_EXIT_OK) rc = close_rc;
  }
  evs_validator_free(validator);
  evs_registry_free(reg);
  return rc;
}

evs_status codec_validate(const codec_io *io, codec_record *rec, const ProtobufCMessage *msg,
                          evs_error *err) {
  evs_violations vs;
  evs_violations_init(&vs);
  evs_status st = evs_validate_message(io->validator, msg, 0, &vs, err);
  if (st == EVS_ERR_VALIDATION) {
    char prefix[512];
    snprintf(prefix, sizeof prefix, "evs %s: error: %s: %s%s", io->cmd->name, codec_input_name(io->args),
             rec->where ? rec->where : "", rec->where ? ": " : "");
    evs_buf text = EVS_BUF_INIT;
    if (evs_violations_text(&vs, false, prefix, NULL, &text) == EVS_OK)
      fputs((const char *)text.data, stderr);
    evs_buf_free(&text);
    rec->reported = true;
  }
  evs_violations_free(&vs);
  return st;
}

static evs_status set_err(evs_error *err, evs_status code, size_t offset, const char *msg) {
  evs_error_clear(err);
  err->code = code;
  err->offset = offset;
  snprintf(err->msg, sizeof err->msg, "%s", msg);
  return code;
}

evs_status codec_read_all(FILE *in, uint8_t **data, size_t *len, evs_error *err) {
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  *data = NULL;
  *len = 0;
  if (!buf) return set_err(err, EVS_ERR_NOMEM, EVS_NO_OFFSET, "out of memory reading the input");
  for (;;) {
    if (cap - n < 2) {
      if (cap > CODEC_MAX_RECORD) {
        free(buf);
        return set_err(err, EVS_ERR_LIMIT, CODEC_MAX_RECORD, "input larger than 256 MiB");
      }
      uint8_t *grown = realloc(buf, cap * 2);
      if (!grown) {
        free(buf);
        return set_err(err, EVS_ERR_NOMEM, EVS_NO_OFFSET, "out of memory reading the input");
      }
      buf = grown;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, in);
    n += got;
    if (got == 0) break;
  }
  if (ferror(in)) {
    free(buf);
    return set_err(err, EVS_ERR_IO, n, "reading the input failed");
  }
  buf[n] = 0;
  *data = buf;
  *len = n;
  return EVS_OK;
}

int codec_read_varint(FILE *in, size_t *offset, uint64_t *value, evs_error *err) {
  uint64_t v = 0;
  size_t start = *offset;
  for (unsigned i = 0; i < 10; i++) {
    int c = getc(in);
    if (c == EOF) {
      if (ferror(in)) return set_err(err, EVS_ERR_IO, *offset, "reading the input failed"), -1;
      if (i == 0) return 0;
      set_err(err, EVS_ERR_TRUNCATED, start, "");
      snprintf(err->msg, sizeof err->msg, "input ends inside a length prefix (after %u of its bytes)", i);
      return -1;
    }
    (*offset)++;
    /* The 10th byte holds bit 63 only: anything more is a length of 2^64 or above, not a wrap to 0. */
    if (i == 9 && (c & 0x7f) > 1) {
      set_err(err, EVS_ERR_SYNTAX, start, "length prefix is 2^64 or more: not a length-delimited stream");
      return -1;
    }
    v |= (uint64_t)(c & 0x7f) << (7 * i);
    if (!(c & 0x80)) {
      *value = v;
      return 1;
    }
  }
  set_err(err, EVS_ERR_SYNTAX, start, "length prefix longer than 10 bytes: not a length-delimited stream");
  return -1;
}

size_t codec_put_varint(uint8_t *buf, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  buf[n++] = (uint8_t)v;
  return n;
}

void codec_report(const codec_io *io, const char *where, const evs_error *err) {
  char text[1024];
  evs_error_format(err, text, sizeof text);
  fprintf(stderr, "evs %s: error: %s: %s%s%s [%s]\n", io->cmd->name, codec_input_name(io->args),
          where ? where : "", where ? ": " : "", text, evs_status_name(err->code));
}
