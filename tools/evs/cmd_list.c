/* evs list: every registered event type with its message, topic and key field. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char *or_dash(const char *s) {
  return s && *s ? s : "-";
}

static void print_text(const evs_event_type *types, size_t n) {
  int w_type = 4, w_ver = 7, w_msg = 7, w_topic = 5;
  for (size_t i = 0; i < n; i++) {
    const evs_event_options *ev = types[i].message->event;
    int a = (int)strlen(types[i].name), b = (int)strlen(or_dash(types[i].schema_version));
    int c = (int)strlen(types[i].message->full_name), d = (int)strlen(or_dash(ev ? ev->topic : NULL));
    if (a > w_type) w_type = a;
    if (b > w_ver) w_ver = b;
    if (c > w_msg) w_msg = c;
    if (d > w_topic) w_topic = d;
  }
  printf("%-*s  %-*s  %-*s  %-*s  %s\n", w_type, "TYPE", w_ver, "VERSION", w_msg, "MESSAGE", w_topic, "TOPIC",
         "KEY");
  for (size_t i = 0; i < n; i++) {
    const evs_event_options *ev = types[i].message->event;
    printf("%-*s  %-*s  %-*s  %-*s  %s\n", w_type, types[i].name, w_ver, or_dash(types[i].schema_version),
           w_msg, types[i].message->full_name, w_topic, or_dash(ev ? ev->topic : NULL),
           or_dash(ev ? ev->partition_key : NULL));
  }
  printf("%zu event types\n", n);
}

static void print_json(const evs_event_type *types, size_t n) {
  fputs("[\n", stdout);
  for (size_t i = 0; i < n; i++) {
    const evs_event_options *ev = types[i].message->event;
    fputs("  {\"type\": ", stdout);
    cli_json_string(stdout, types[i].name);
    fputs(", \"schemaVersion\": ", stdout);
    cli_json_string(stdout, types[i].schema_version);
    fputs(", \"message\": ", stdout);
    cli_json_string(stdout, types[i].message->full_name);
    fputs(", \"topic\": ", stdout);
    cli_json_string(stdout, ev ? ev->topic : NULL);
    fputs(", \"partitionKey\": ", stdout);
    cli_json_string(stdout, ev ? ev->partition_key : NULL);
    fputs(", \"file\": ", stdout);
    cli_json_string(stdout, types[i].message->src.file);
    fputs(i + 1 < n ? "},\n" : "}\n", stdout);
  }
  fputs("]\n", stdout);
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"json", no_argument, NULL, 'j'},
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  int json = 0;
  cli_schema schema = {0};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    int taken = cli_schema_option(self, &schema, c, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) continue;
    switch (c) {
      case 'j':
        json = 1;
        break;
      default:
        return cli_option_error(self, c, argv);
    }
  }
  if (cli_schema_check(self, &schema)) return CLI_EXIT_USAGE;
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  evs_registry *reg = cli_open_registry(self, &schema);
  if (!reg) return CLI_EXIT_FAIL;
  size_t n = 0;
  const evs_event_type *types = evs_registry_event_types(reg, &n);
  if (json) {
    print_json(types, n);
  } else {
    print_text(types, n);
  }
  evs_registry_free(reg);
  if (fflush(stdout) != 0 || ferror(stdout)) return cli_failf(self, "writing to stdout failed");
  return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_list = {
    "list",
    "list every registered event type with its message, topic and key",
    "usage: evs list [--json] [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]...\n"
    "                [--no-builtin]\n"
    "\n"
    "Lists every event type of the builtin catalog (and of the given descriptor sets and .proto\n"
    "files; only theirs with --no-builtin), sorted by type and schema version: the message that\n"
    "carries it, its Kafka topic and partition-key field.\n"
    "\n"
    "options:\n"
    "  --json                   print a JSON array of {type, schemaVersion, message, topic,\n"
    "                           partitionKey, file} objects instead of a table\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n",
    run,
};
