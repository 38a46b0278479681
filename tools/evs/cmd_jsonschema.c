/* evs jsonschema: the JSON Schema (draft 2020-12) of a message type's ProtoJSON, field rules included
 * (include/evs/jsonschema.h, docs/jsonschema.md), for one type or for every message of the schemas. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "codec_cli.h"
#include "evs/jsonschema.h"

static int one(const cli_cmd *cmd, const evs_registry *reg, const evs_message *m, uint32_t flags,
               const char *path) {
  evs_buf buf = EVS_BUF_INIT;
  evs_error err;
  int rc = CLI_EXIT_OK;
  if (evs_jsonschema_write(reg, m, flags, &buf, &err) != EVS_OK)
    rc = cli_fail(cmd, &err);
  else
    rc = cli_write_output(cmd, path, buf.data, buf.len);
  evs_buf_free(&buf);
  return rc;
}

static int all(const cli_cmd *cmd, const evs_registry *reg, uint32_t flags, const char *dir) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return cli_failf(cmd, "cannot create %s: %s", dir, strerror(errno));
  size_t n = 0, written = 0;
  const evs_message *const *msgs = evs_registry_messages(reg, &n);
  bool envelope = (flags & EVS_JSONSCHEMA_ENVELOPE) != 0;
  for (size_t i = 0; i < n; i++) {
    const evs_message *m = msgs[i];
    if (m->map_entry || (envelope && (!m->event || !m->event->n_types))) continue;
    size_t len = strlen(dir) + strlen(m->full_name) + 64;
    char *path = malloc(len);
    if (!path) return cli_failf(cmd, "out of memory");
    snprintf(path, len, "%s/%s.%sschema.json", dir, m->full_name, envelope ? "cloudevent." : "");
    int rc = one(cmd, reg, m, flags, path);
    free(path);
    if (rc != CLI_EXIT_OK) return rc;
    written++;
  }
  fprintf(stderr, "evs %s: wrote %zu schema%s to %s\n", cmd->name, written, written == 1 ? "" : "s", dir);
  return CLI_EXIT_OK;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"type", required_argument, NULL, 't'},
      {"all", required_argument, NULL, 'a'},
      {"envelope", no_argument, NULL, 'e'},
      {"no-rules", no_argument, NULL, 'R'},
      CODEC_DOC_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  codec_doc_opts d = {0};
  const char *type = NULL, *dir = NULL;
  uint32_t flags = 0;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":t:" CODEC_DOC_SHORT, opts, NULL)) != -1;) {
    switch (c) {
      case 't':
        type = optarg;
        break;
      case 'a':
        dir = optarg;
        break;
      case 'e':
        flags |= EVS_JSONSCHEMA_ENVELOPE;
        break;
      case 'R':
        flags |= EVS_JSONSCHEMA_NO_RULES;
        break;
      default: {
        int taken = codec_doc_option(self, &d, c, optarg, argv);
        if (taken < 0) return -taken;
      }
    }
  }
  if (codec_doc_check(self, &d, argc, argv)) return CLI_EXIT_USAGE;
  if (d.canonical) flags |= EVS_JSONSCHEMA_CANONICAL;
  if (!d.compact) flags |= EVS_JSONSCHEMA_PRETTY;
  if (!type == !dir) return cli_usage_error(self, "give either --type or --all");
  if (dir && d.output) return cli_usage_error(self, "-o names one file: with --all the files go to DIR");
  evs_registry *reg = codec_open_registry(self, &d.schema);
  if (!reg) return CLI_EXIT_FAIL;
  int rc;
  if (dir) {
    rc = all(self, reg, flags, dir);
  } else {
    const evs_message *m = codec_resolve_type(self, reg, type);
    rc = m ? one(self, reg, m, flags, d.output) : CLI_EXIT_FAIL;
  }
  evs_registry_free(reg);
  return rc;
}

const cli_cmd cli_cmd_jsonschema = {
    "jsonschema",
    "print the JSON Schema of an event's or message's JSON",
    "usage: evs jsonschema (--type TYPE | --all DIR) [--envelope] [--canonical] [--no-rules] [--compact] [-o "
    "FILE]\n"
    "                      [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]... [--no-builtin]\n"
    "\n"
    "Prints a JSON Schema (draft 2020-12, one document with a $defs entry per message) of the JSON\n"
    "that `evs encode` accepts for TYPE: JSON and proto field names, null as unset, 64-bit integers\n"
    "as strings or numbers, enums by name or number, base64 bytes, the well-known types' forms and\n"
    "the field rules (required, lengths, patterns, bounds, uuid, ...). Where JSON Schema cannot say\n"
    "what evs checks, a \"$comment\" starting \"evs-inexact:\" names the case (docs/jsonschema.md).\n"
    "The schema compiles under ajv's strict mode; it has no \"format\" keywords.\n"
    "\n"
    "options:\n"
    "  -t, --type TYPE          an event type, or a message by full name (as `evs encode --type`)\n"
    "  --all DIR                one file per message of the schemas: DIR/<full name>.schema.json\n"
    "                           (with --envelope: event messages only, DIR/<full "
    "name>.cloudevent.schema.json)\n"
    "  --envelope               the CloudEvents structured-mode event `evs produce` reads, with the\n"
    "                           payload as \"data\" (or \"data_base64\")\n"
    "  --canonical              only what evs writes (`evs decode`): JSON names, no null, no defaults,\n"
    "                           64-bit integers as strings, enums by name, standard padded base64\n"
    "  --no-rules               leave the field rules out: what the JSON decoder alone accepts\n"
    "  --compact                one line instead of indented output\n"
    "  -o, --output FILE        write to FILE instead of stdout\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 ok, 1 unknown type, a schema that cannot be loaded or an output error, 2 usage error.\n",
    run,
};
