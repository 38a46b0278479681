/* evs describe: a message (by event type or full name) with its fields, types, rules and comments, and
 * every message and enum it refers to. */
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Types already printed or queued, so a recursive schema terminates and each type prints once. */
typedef struct seen_set {
  const void *items[512];
  size_t n;
} seen_set;

static int seen_add(seen_set *s, const void *p) {
  for (size_t i = 0; i < s->n; i++)
    if (s->items[i] == p) return 0;
  if (s->n == sizeof s->items / sizeof s->items[0]) return 0;
  s->items[s->n++] = p;
  return 1;
}

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

static void type_text(const evs_field *f, char *buf, size_t n) {
  const char *base = f->message_type ? f->message_type->full_name
                     : f->enum_type  ? f->enum_type->full_name
                                     : f->traits->name;
  if (f->is_map) {
    const evs_field *k = &f->message_type->fields[0], *v = &f->message_type->fields[1];
    const char *vt = v->message_type ? v->message_type->full_name
                     : v->enum_type  ? v->enum_type->full_name
                                     : v->traits->name;
    snprintf(buf, n, "map<%s, %s>", k->traits->name, vt);
  } else if (f->is_repeated) {
    snprintf(buf, n, "repeated %s", base);
  } else {
    snprintf(buf, n, "%s", base);
  }
}

static const char *const k_uuid_names[] = {"unspecified", "any", "v4", "v7"};
static const char *const k_precision_names[] = {"unspecified", "seconds", "millis", "micros"};

/* Appends ", <text>" (no comma first) to buf, snprintf-style: stops writing once buf is full. */
static void rule_append(char *buf, size_t n, size_t *used, const char *fmt, ...) EVS_PRINTF(4, 5);
static void rule_append(char *buf, size_t n, size_t *used, const char *fmt, ...) {
  if (*used >= n) return;
  if (*used) *used += (size_t)snprintf(buf + *used, n - *used, ", ");
  if (*used >= n) return;
  va_list ap;
  va_start(ap, fmt);
  *used += (size_t)vsnprintf(buf + *used, n - *used, fmt, ap);
  va_end(ap);
}

static void values_text(char *buf, size_t n, size_t *used, const char *what, const evs_rule_value *v,
                        size_t count) {
  for (size_t i = 0; i < count; i++)
    rule_append(buf, n, used, "%s%s%s", i ? "" : what, v[i].text, i + 1 == count ? "]" : "");
}

static void rules_text(const evs_field_rules *r, char *buf, size_t n, size_t *used) {
  if (!r) return;
  if (r->has_required && r->required) rule_append(buf, n, used, "required");
  if (r->has_const) rule_append(buf, n, used, "const %s", r->const_value.text);
  if (r->pattern) rule_append(buf, n, used, "pattern %s", r->pattern);
  if (r->prefix) rule_append(buf, n, used, "prefix %s", r->prefix);
  if (r->suffix) rule_append(buf, n, used, "suffix %s", r->suffix);
  if (r->contains) rule_append(buf, n, used, "contains %s", r->contains);
  if (r->has_min_len) rule_append(buf, n, used, "min_len %" PRIu64, r->min_len);
  if (r->has_max_len) rule_append(buf, n, used, "max_len %" PRIu64, r->max_len);
  if (r->has_min_bytes) rule_append(buf, n, used, "min_bytes %" PRIu64, r->min_bytes);
  if (r->has_max_bytes) rule_append(buf, n, used, "max_bytes %" PRIu64, r->max_bytes);
  if (r->has_uuid && (unsigned)r->uuid < 4) rule_append(buf, n, used, "uuid %s", k_uuid_names[r->uuid]);
  if (r->has_email && r->email) rule_append(buf, n, used, "email");
  if (r->has_uri && r->uri) rule_append(buf, n, used, "uri");
  if (r->has_int_gte) rule_append(buf, n, used, ">= %" PRId64, r->int_gte);
  if (r->has_int_lte) rule_append(buf, n, used, "<= %" PRId64, r->int_lte);
  if (r->has_double_gte) rule_append(buf, n, used, ">= %g", r->double_gte);
  if (r->has_double_lte) rule_append(buf, n, used, "<= %g", r->double_lte);
  if (r->has_finite && r->finite) rule_append(buf, n, used, "finite");
  if (r->has_defined_only && r->defined_only) rule_append(buf, n, used, "defined values only");
  if (r->has_timestamp_precision && (unsigned)r->timestamp_precision < 4)
    rule_append(buf, n, used, "precision %s", k_precision_names[r->timestamp_precision]);
  if (r->has_within)
    rule_append(buf, n, used, "within %" PRId64 ".%09" PRId32 "s of now", r->within_seconds, r->within_nanos);
  if (r->has_max_future)
    rule_append(buf, n, used, "at most %" PRId64 ".%09" PRId32 "s in the future", r->max_future_seconds,
                r->max_future_nanos);
  if (r->has_min_items) rule_append(buf, n, used, "min_items %" PRIu64, r->min_items);
  if (r->has_max_items) rule_append(buf, n, used, "max_items %" PRIu64, r->max_items);
  if (r->has_unique && r->unique) rule_append(buf, n, used, "unique");
  if (r->has_rfc3339 && r->rfc3339) rule_append(buf, n, used, "rfc3339");
  values_text(buf, n, used, "in [", r->in_values, r->n_in);
  values_text(buf, n, used, "not_in [", r->not_in, r->n_not_in);
  const evs_field_rules *sub[2] = {r->keys, r->values};
  for (int k = 0; k < 2; k++) {
    char inner[512];
    size_t inner_used = 0;
    inner[0] = '\0';
    rules_text(sub[k], inner, sizeof inner, &inner_used);
    if (sub[k]) rule_append(buf, n, used, "%s {%s}", k ? "values" : "keys", inner);
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

static void print_message(const evs_message *m, seen_set *todo) {
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
    type_text(f, type, sizeof type);
    size_t used = 0;
    rules[0] = '\0';
    rules_text(f->rules, rules, sizeof rules, &used);
    printf("  %4" PRIu32 "  %s: %s", f->number, f->name, type);
    if (strcmp(f->json_name, f->name) != 0) printf("  (json \"%s\")", f->json_name);
    if (f->oneof) printf("  (oneof %s%s)", f->oneof->name, f->oneof->required ? ", required" : "");
    if (rules[0]) printf("  [%s]", rules);
    fputc('\n', stdout);
    print_comment(f->src.leading_comment, "        // ");
    const evs_message *sub = f->message_type;
    if (sub && f->is_map) {
      const evs_field *v = &sub->fields[1];
      if (v->message_type && v->message_type->wkt == EVS_WKT_NONE) seen_add(todo, v->message_type);
      if (v->enum_type && v->enum_type->wkt == EVS_WKT_NONE) seen_add(todo, v->enum_type);
    } else if (sub && sub->wkt == EVS_WKT_NONE) {
      seen_add(todo, sub);
    }
    if (f->enum_type && f->enum_type->wkt == EVS_WKT_NONE) seen_add(todo, f->enum_type);
  }
}

/* Prints `root` then every non-well-known type it reaches, breadth first. Enums and messages share one
 * seen list; a pointer tells which by looking it up among the registry's enums. */
static void describe(const evs_registry *reg, const evs_message *root, const evs_enum *root_enum) {
  seen_set todo = {{0}, 0};
  seen_add(&todo, root ? (const void *)root : (const void *)root_enum);
  size_t n_enums = 0;
  const evs_enum *const *enums = evs_registry_enums(reg, &n_enums);
  for (size_t i = 0; i < todo.n; i++) {
    const void *p = todo.items[i];
    const evs_enum *e = NULL;
    for (size_t j = 0; j < n_enums && !e; j++)
      if ((const void *)enums[j] == p) e = enums[j];
    if (e)
      print_enum(e);
    else
      print_message((const evs_message *)p, &todo);
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
    describe(reg, msg, en);
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
    "and each field with number, type, JSON name, oneof and validation rules. Every message and\n"
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
