/* evs asyncapi: the AsyncAPI 3.0.0 document of the event catalog (include/evs/asyncapi.h, docs/asyncapi.md).
 */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "codec_cli.h"
#include "evs/asyncapi.h"

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"title", required_argument, NULL, 'T'},
      {"doc-version", required_argument, NULL, 'V'},
      CODEC_DOC_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  codec_doc_opts d = {0};
  evs_asyncapi_options ao = {NULL, NULL, 0};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":" CODEC_DOC_SHORT, opts, NULL)) != -1;) {
    switch (c) {
      case 'T':
        ao.title = optarg;
        break;
      case 'V':
        ao.version = optarg;
        break;
      default: {
        int taken = codec_doc_option(self, &d, c, optarg, argv);
        if (taken < 0) return -taken;
      }
    }
  }
  if (codec_doc_check(self, &d, argc, argv)) return CLI_EXIT_USAGE;
  if (d.canonical) ao.flags |= EVS_ASYNCAPI_CANONICAL;
  if (!d.compact) ao.flags |= EVS_ASYNCAPI_PRETTY;
  if ((ao.title && !*ao.title) || (ao.version && !*ao.version))
    return cli_usage_error(self, "--title and --doc-version take a non-empty text");
  evs_registry *reg = codec_open_registry(self, &d.schema);
  if (!reg) return CLI_EXIT_FAIL;
  evs_buf buf = EVS_BUF_INIT;
  evs_error err;
  size_t without = 0;
  int rc;
  if (evs_asyncapi_write(reg, &ao, &buf, &without, &err) != EVS_OK) {
    rc = cli_fail(self, &err);
  } else {
    if (without)
      fprintf(stderr,
              "evs %s: %zu event type%s without a topic left out (listed under x-evs-without-topic)\n",
              self->name, without, without == 1 ? "" : "s");
    rc = cli_write_output(self, d.output, buf.data, buf.len);
  }
  evs_buf_free(&buf);
  evs_registry_free(reg);
  return rc;
}

const cli_cmd cli_cmd_asyncapi = {
    "asyncapi",
    "print an AsyncAPI 3.0 document of the event catalog",
    "usage: evs asyncapi [-o FILE] [--title TEXT] [--doc-version V] [--canonical] [--compact]\n"
    "                    [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]... [--no-builtin]\n"
    "\n"
    "Prints an AsyncAPI 3.0.0 document (JSON) of every event type of the schemas: one channel per\n"
    "Kafka topic (address = topic) with a `send` operation, one message per event type and schema\n"
    "version (id TYPE-vVERSION) with the JSON Schema of the payload's JSON form (as `evs jsonschema`,\n"
    "rules included, in draft-07 form under components.schemas), the CloudEvents ce_* Kafka headers\n"
    "as the headers schema, the partition key as the Kafka key and Kafka bindings 0.5.0. The record\n"
    "value is protobuf (contentType application/protobuf). The same schemas give the same document.\n"
    "Event types without a topic are left out and named under \"x-evs-without-topic\" (docs/asyncapi.md).\n"
    "\n"
    "options:\n"
    "  -o, --output FILE        write to FILE instead of stdout\n"
    "  --title TEXT             info.title (default: evs event catalog)\n"
    "  --doc-version V          info.version (default: evs's version)\n"
    "  --canonical              payload schemas of only what evs writes (`evs decode`), not what it\n"
    "                           reads\n"
    "  --compact                one line instead of indented output\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 ok, 1 a schema that cannot be loaded or an output error, 2 usage error.\n",
    run,
};
