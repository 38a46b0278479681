/* evs describe: a message (by event type or full name) with its fields, types, rules and comments, and
 * every message and enum it refers to. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "schema_text.h"

static void print_comment(const char *comment, const char *indent) {
  if (!comment) return;
  const char *p = comment;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    printf("%s%.*s\n", indent, (int)len, p);
    p += len + (nl ? 1 : 0);
  }
}

static void print_location(const evs_source_info *src) {
  if (src->line)
    printf("  defined at %s:%u:%u\n", src->file, (unsigned)src->line, (unsigned)src->col);
  else
    printf("  defined in %s\n", src->file);
}

static void print_enum(const evs_enum *e) {
  printf("\nenum %s\n", e->full_name);
  print_location(&e->src);
  print_comment(e->src.leading_comment, "  // ");
  for (size_t i = 0; i < e->n_values; i++) {
    const evs_enum_value *v = &e->values[i];
    printf("  %4" PRId32 "  %s\n", v->number, v->name);
    print_comment(v->src.leading_comment, "        // ");
  }
}

static void print_message(const evs_message *m) {
  printf("\nmessage %s\n", m->full_name);
  print_location(&m->src);
  print_comment(m->src.leading_comment, "  // ");
  if (m->event) {
    const evs_event_options *ev = m->event;
    fputs("  event types: ", stdout);
    for (size_t i = 0; i < ev->n_types; i++) printf("%s%s", i ? ", " : "", ev->types[i]);
    printf("\n  topic: %s   key: %s   schema version: %s", ev->topic ? ev->topic : "-",
           ev->partition_key ? ev->partition_key : "-", ev->schema_version ? ev->schema_version : "-");
    if (ev->type_field) printf("   type field: %s", ev->type_field);
    fputc('\n', stdout);
  }
  if (m->n_fields == 0) puts("  (no fields)");
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    char type[256], rules[1024];
    schema_type_text(f, type, sizeof type);
    schema_rules_text(f->rules, rules, sizeof rules);
    /* proto3 `optional` as written in the .proto (and as protoc and buf print it): its synthetic oneof is
     * protoc's encoding of presence, not a oneof of the schema. */
    printf("  %4" PRIu32 "  %s: %s%s", f->number, f->name, f->proto3_optional ? "optional " : "", type);
    if (strcmp(f->json_name, f->name) != 0) printf("  (json \"%s\")", f->json_name);
    if (f->oneof && !f->oneof->synthetic)
      printf("  (oneof %s%s)", f->oneof->name, f->oneof->required ? ", required" : "");
    if (rules[0]) printf("  [%s]", rules);
    fputc('\n', stdout);
    print_comment(f->src.leading_comment, "        // ");
  }
}

/* Prints `root` then every non-well-known type it reaches, breadth first. */
static void describe(const evs_message *root, const evs_enum *root_enum) {
  schema_types types;
  schema_types_collect(&types, root, root_enum);
  for (size_t i = 0; i < types.n; i++) {
    if (types.items[i].en)
      print_enum(types.items[i].en);
    else
      print_message(types.items[i].msg);
  }
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  cli_schema schema = {0};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    int taken = cli_schema_option(self, &schema, c, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (!taken) return cli_option_error(self, c, argv);
  }
  if (cli_schema_check(self, &schema)) return CLI_EXIT_USAGE;
  if (optind + 1 != argc)
    return cli_usage_error(self, optind == argc ? "name an event type or a message" : "give one name only");
  const char *name = argv[optind];
  evs_registry *reg = cli_open_registry(self, &schema);
  if (!reg) return CLI_EXIT_FAIL;

  int rc = CLI_EXIT_OK;
  const evs_event_type *et = evs_registry_find_event_type(reg, name);
  const evs_message *msg = et ? et->message : evs_registry_find_message(reg, name);
  const evs_enum *en = msg ? NULL : evs_registry_find_enum(reg, name);
  if (et)
    printf("event type %s (schema version %s)\n", et->name, *et->schema_version ? et->schema_version : "-");
  if (msg || en) {
    describe(msg, en);
  } else {
    /* Either lookup may know a close name: a type differing in case, a message in another package. */
    evs_error by_type, by_name;
    evs_error_clear(&by_type);
    evs_error_clear(&by_name);
    (void)evs_registry_require_event_type(reg, name, &by_type);
    (void)evs_registry_require_message(reg, name, &by_name);
    const char *hint = strstr(by_type.msg, "did you mean");
    if (!hint) hint = strstr(by_name.msg, "did you mean");
    fprintf(stderr, "evs %s: error: '%s' is neither an event type, a message nor an enum", self->name, name);
    if (hint) fprintf(stderr, " (%s)", hint);
    fputs("; `evs list` shows the event types\n", stderr);
    rc = CLI_EXIT_FAIL;
  }
  evs_registry_free(reg);
  if (rc == CLI_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout)))
    return cli_failf(self, "writing to stdout failed");
  return rc;
}

const cli_cmd cli_cmd_describe = {
    "describe",
    "show an event's message: fields, types, rules, comments",
    "usage: evs describe [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]... [--no-builtin]\n"
    "                    <event-type | message | enum>\n"
    "\n"
    "Shows the message that carries an event type (the highest schema version when several do),\n"
    "or a message or enum given by full name: where it is defined, its comments, its event options,\n"
    "and each field with number, type, JSON name, oneof and validation rules (a proto3 `optional`\n"
    "field reads \"optional TYPE\", without the oneof protoc makes for it). Every message and\n"
    "enum it refers to follows (well-known types excepted). \"defined at\" names the file the\n"
    "definition comes from; a schema that redefines a builtin file differently is an error\n"
    "(docs/schemas.md).\n"
    "\n"
    "options:\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 ok, 1 unknown name or a schema that cannot be loaded, 2 usage error.\n",
    run,
};
