/* evs new: scaffolds a documented event message from a short field list (seed 003's /gen.event-schema
 * grammar) into a catalog .proto file (docs/new-event.md). The choices (types, rules, presence) are the
 * catalog's own conventions, see proto/events/todo/v1/todo_events.proto. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "codec_cli.h"

#define VALID_TYPES                                                                                \
  "UUID, str, int, float, bool, datetime, Any, list[T], dict[str, T] (T one of the first seven), " \
  "each with an optional ? suffix"
#define MAX_FIELDS 1000
#define MAX_NAME 128

typedef enum base_type { B_UUID, B_STR, B_INT, B_FLOAT, B_BOOL, B_DATETIME, B_ANY, B_COUNT } base_type;
typedef enum shape { SCALAR, LIST, DICT } shape;

static const char *const k_base_names[B_COUNT] = {"UUID", "str", "int", "float", "bool", "datetime", "Any"};
static const char *const k_base_proto[B_COUNT] = {
    "string", "string", "int64", "double", "bool", "google.protobuf.Timestamp", "google.protobuf.Value"};
static const char *const k_base_desc[B_COUNT] = {"a UUID",        "text",        "an integer",    "a number",
                                                 "true or false", "a timestamp", "any JSON value"};

typedef struct new_field {
  char name[MAX_NAME + 1];
  char json[MAX_NAME + 1];
  shape shape;
  base_type base;
  bool optional;
} new_field;

typedef struct new_spec {
  const char *name; /* message name = event type */
  new_field *fields;
  size_t n;
  const char *key; /* partition key field, NULL: none */
  const char *topic;
} new_spec;

/* protoc-c keeps field names as C struct members: a C keyword would not compile. */
static const char *const k_c_keywords[] = {"auto",       "break",     "case",           "char",
                                           "const",      "continue",  "default",        "do",
                                           "double",     "else",      "enum",           "extern",
                                           "float",      "for",       "goto",           "if",
                                           "inline",     "int",       "long",           "register",
                                           "restrict",   "return",    "short",          "signed",
                                           "sizeof",     "static",    "struct",         "switch",
                                           "typedef",    "union",     "unsigned",       "void",
                                           "volatile",   "while",     "_Alignas",       "_Alignof",
                                           "_Atomic",    "_Bool",     "_Complex",       "_Generic",
                                           "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local",
                                           "base"};

static bool is_ident(const char *s, size_t n) {
  if (!n || n > MAX_NAME || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
          s[i] == '_'))
      return false;
  return true;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* protoc's default JSON name: underscores dropped, the letter after one upper-cased. */
static void json_name(const char *name, char *out) {
  bool up = false;
  size_t j = 0;
  for (size_t i = 0; name[i]; i++) {
    if (name[i] == '_') {
      up = true;
      continue;
    }
    out[j++] = up && name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 'a' + 'A') : name[i];
    up = false;
  }
  out[j] = 0;
}

/* A base type name (exact spelling); -1 when unknown, with *near set to a case-insensitive match if any. */
static int base_of(const char *s, size_t n, const char **near) {
  for (int b = 0; b < B_COUNT; b++)
    if (strlen(k_base_names[b]) == n && !memcmp(k_base_names[b], s, n)) return b;
  for (int b = 0; b < B_COUNT; b++)
    if (strlen(k_base_names[b]) == n && !strncasecmp(k_base_names[b], s, n)) *near = k_base_names[b];
  return -1;
}

static void trim(const char **s, size_t *n) {
  while (*n && is_space(**s)) (*s)++, (*n)--;
  while (*n && is_space((*s)[*n - 1])) (*n)--;
}

/* Parses the type text of field number pos (1-based) into f; prints the error and returns false. */
static bool parse_type(const cli_cmd *cmd, int pos, const char *item, size_t item_len, const char *t,
                       size_t n, new_field *f) {
  const char *near = NULL;
  trim(&t, &n);
  if (n && t[n - 1] == '?') {
    f->optional = true;
    n--;
    trim(&t, &n);
  }
  f->shape = SCALAR;
  const char *inner = t;
  size_t inner_n = n;
  if (n > 5 && !memcmp(t, "list[", 5) && t[n - 1] == ']') {
    f->shape = LIST;
    inner = t + 5;
    inner_n = n - 6;
  } else if (n > 5 && !memcmp(t, "dict[", 5) && t[n - 1] == ']') {
    f->shape = DICT;
    const char *comma = memchr(t, ',', n);
    const char *k = t + 5;
    size_t kn = comma ? (size_t)(comma - k) : 0;
    trim(&k, &kn);
    if (!comma || kn != 3 || memcmp(k, "str", 3)) {
      cli_usage_error(cmd, "field %d (%.*s): dict keys must be str: dict[str, T]", pos, (int)item_len, item);
      return false;
    }
    inner = comma + 1;
    inner_n = (size_t)(t + n - 1 - inner);
  }
  trim(&inner, &inner_n);
  if (f->shape != SCALAR && inner_n && (inner[inner_n - 1] == '?' || inner[inner_n - 1] == ']')) {
    cli_usage_error(
        cmd,
        "field %d (%.*s): the element type of a list or dict is one of UUID, str, int, float, bool, "
        "datetime, Any (no ?, no nested list or dict)",
        pos, (int)item_len, item);
    return false;
  }
  int b = base_of(inner, inner_n, &near);
  if (b < 0) {
    if (near)
      cli_usage_error(cmd, "field %d (%.*s): unknown type '%.*s' (did you mean %s?)", pos, (int)item_len,
                      item, (int)inner_n, inner, near);
    else
      cli_usage_error(cmd, "field %d (%.*s): unknown type '%.*s'; valid types: " VALID_TYPES, pos,
                      (int)item_len, item, (int)inner_n, inner);
    return false;
  }
  f->base = (base_type)b;
  return true;
}

/* "name (type), name (type?), ..." into spec->fields; prints the first error and returns false. */
static bool parse_fields(const cli_cmd *cmd, const char *list, new_spec *spec) {
  size_t len = strlen(list), cap = 0;
  int pos = 0;
  for (size_t i = 0; i <= len;) {
    /* one item: up to a comma outside brackets */
    size_t start = i;
    int depth = 0;
    for (; i < len && (depth || list[i] != ','); i++) {
      if (list[i] == '(' || list[i] == '[') depth++;
      if ((list[i] == ')' || list[i] == ']') && --depth < 0) break;
    }
    pos++;
    const char *item = list + start;
    size_t item_n = i - start;
    if (depth || (i < len && list[i] != ',')) {
      size_t rest_n = len - start;
      trim(&item, &rest_n);
      cli_usage_error(cmd, "field %d (%.*s): unbalanced brackets", pos, (int)rest_n, item);
      return false;
    }
    i++; /* past the comma */
    trim(&item, &item_n);
    if (!item_n) {
      cli_usage_error(
          cmd, "field %d is empty: the list is \"name (type), name (type?), ...\" (a comma too many?)", pos);
      return false;
    }
    size_t nl = 0;
    while (nl < item_n && !is_space(item[nl]) && item[nl] != '(') nl++;
    const char *open = memchr(item, '(', item_n);
    if (!open || item[item_n - 1] != ')') {
      cli_usage_error(cmd, "field %d (%.*s): a field is written name (type), e.g. user_id (UUID)", pos,
                      (int)item_n, item);
      return false;
    }
    const char *rest = item + nl;
    while (rest < open && is_space(*rest)) rest++;
    if (rest != open) {
      cli_usage_error(cmd, "field %d (%.*s): a field is written name (type), e.g. user_id (UUID)", pos,
                      (int)item_n, item);
      return false;
    }
    if (!is_ident(item, nl)) {
      cli_usage_error(
          cmd,
          "field %d (%.*s): '%.*s' is not a valid field name (a letter or _, then letters, digits or _; at "
          "most %d characters)",
          pos, (int)item_n, item, (int)nl, item, MAX_NAME);
      return false;
    }
    if ((size_t)pos > MAX_FIELDS) {
      cli_usage_error(cmd, "more than %d fields", MAX_FIELDS);
      return false;
    }
    if ((size_t)pos > cap) {
      cap = cap ? 2 * cap : 16;
      new_field *p = realloc(spec->fields, cap * sizeof *p);
      if (!p) {
        cli_failf(cmd, "out of memory");
        return false;
      }
      spec->fields = p;
    }
    new_field *f = &spec->fields[spec->n];
    memset(f, 0, sizeof *f);
    memcpy(f->name, item, nl);
    json_name(f->name, f->json);
    if (!parse_type(cmd, pos, item, item_n, open + 1, (size_t)(item + item_n - 1 - (open + 1)), f))
      return false;
    for (size_t k = 0; k < sizeof k_c_keywords / sizeof *k_c_keywords; k++)
      if (!strcmp(f->name, k_c_keywords[k])) {
        cli_usage_error(cmd,
                        "field %d (%.*s): '%s' is a C keyword: the code protoc-c generates would not compile",
                        pos, (int)item_n, item, f->name);
        return false;
      }
    for (size_t k = 0; k < spec->n; k++) {
      const new_field *g = &spec->fields[k];
      if (!strcmp(g->name, f->name)) {
        cli_usage_error(cmd, "field %d (%.*s): the name %s is taken by field %zu", pos, (int)item_n, item,
                        f->name, k + 1);
        return false;
      }
      if (!strcmp(g->json, f->json)) {
        cli_usage_error(cmd, "field %d (%.*s): its JSON name %s is also field %zu's (%s)", pos, (int)item_n,
                        item, f->json, k + 1, g->name);
        return false;
      }
      /* presence oneofs are named _<field> */
      if ((f->name[0] == '_' && g->optional && !strcmp(f->name + 1, g->name)) ||
          (g->name[0] == '_' && f->optional && !strcmp(g->name + 1, f->name))) {
        cli_usage_error(
            cmd, "field %d (%.*s): %s and %s clash: an optional field's presence oneof is named _<field>",
            pos, (int)item_n, item, f->name, g->name);
        return false;
      }
    }
    spec->n++;
    if (i > len) break;
  }
  return true;
}

/* ------------------------------------------------------------------ the .proto text */

/* "user_id" -> "User id", "createdAt" -> "Created at". */
static void words(FILE *out, const char *name) {
  bool first = true, space = false;
  for (const char *p = name; *p; p++) {
    char c = *p;
    if (c == '_') {
      space = !first;
      continue;
    }
    if (c >= 'A' && c <= 'Z' && !first && p[-1] != '_' && !(p[-1] >= 'A' && p[-1] <= 'Z')) space = true;
    if (space) fputc(' ', out);
    space = false;
    if (first && c >= 'a' && c <= 'z')
      c = (char)(c - 'a' + 'A');
    else if (!first && c >= 'A' && c <= 'Z' && !(p[1] >= 'A' && p[1] <= 'Z'))
      c = (char)(c - 'A' + 'a');
    fputc(c, out);
    first = false;
  }
}

static const char *proto_type(const new_field *f) {
  if (f->base == B_ANY && f->shape == LIST) return "google.protobuf.ListValue";
  if (f->base == B_ANY && f->shape == DICT) return "google.protobuf.Struct";
  return k_base_proto[f->base];
}

/* required: a non-optional singular string, UUID, datetime or Any; proto3 cannot tell 0 or false from "not
 * sent", and an empty list from an absent one, so other fields get no required rule (docs/new-event.md). */
static bool is_required(const new_field *f) {
  return !f->optional && f->shape == SCALAR && f->base != B_INT && f->base != B_FLOAT && f->base != B_BOOL;
}

/* A one-member oneof gives presence to optional scalars (what protoc makes of proto3 `optional`, which
 * protoc-c 1.4.1 refuses); messages have presence already. */
static bool needs_oneof(const new_field *f) {
  return f->optional && f->shape == SCALAR && f->base != B_DATETIME && f->base != B_ANY;
}

static void write_field(FILE *out, const new_field *f, unsigned number) {
  const char *ind = needs_oneof(f) ? "    " : "  ";
  if (needs_oneof(f)) {
    fprintf(out,
            "  // Presence of %s: proto3 `optional` as a one-member oneof (protoc-c rejects `optional`).\n",
            f->name);
    fprintf(out, "  oneof _%s {\n", f->name);
  }
  fprintf(out, "%s// ", ind);
  words(out, f->name);
  if (f->shape == LIST && f->base != B_ANY)
    fprintf(out, ": a list, each element %s", k_base_desc[f->base]);
  else if (f->shape == LIST)
    fprintf(out, ": a list of any JSON values");
  else if (f->shape == DICT)
    fprintf(out, ": an object from text keys to %s", k_base_desc[f->base]);
  else
    fprintf(out, ": %s%s", k_base_desc[f->base], f->base == B_DATETIME ? " (UTC)" : "");
  fprintf(out, "%s.\n", f->optional ? "; optional: absent (JSON null) when not set" : "");
  fputs(ind, out);
  if (f->shape == LIST && f->base != B_ANY) fputs("repeated ", out);
  if (f->shape == DICT && f->base != B_ANY)
    fprintf(out, "map<string, %s>", proto_type(f));
  else
    fputs(proto_type(f), out);
  fprintf(out, " %s = %u", f->name, number);
  bool req = is_required(f), uuid = f->base == B_UUID;
  if (req || uuid) {
    fputs(" [(evs.v1.field) = { ", out);
    if (req) fputs(uuid ? "required: true, " : "required: true", out);
    if (uuid) fputs(f->shape == DICT ? "values: { uuid: UUID_KIND_ANY }" : "uuid: UUID_KIND_ANY", out);
    fputs(" }]", out);
  }
  fputs(";\n", out);
  if (needs_oneof(f)) fputs("  }\n", out);
}

static void write_message(FILE *out, const new_spec *s) {
  fprintf(out, "// The %s event (scaffolded by `evs new`): say when it is emitted and by whom.\n", s->name);
  fprintf(out, "message %s {\n  option (evs.v1.event) = {\n    types: [ \"%s\" ]\n    topic: \"%s\"\n",
          s->name, s->name, s->topic);
  if (s->key) fprintf(out, "    partition_key: \"%s\"\n", s->key);
  fputs("    schema_version: \"1.0\"\n  };\n\n", out);
  for (size_t i = 0; i < s->n; i++) write_field(out, &s->fields[i], (unsigned)i + 1);
  fputs("}\n", out);
}

/* The imports the message needs, in sorted order. */
static size_t imports_of(const new_spec *s, const char *out[3]) {
  bool ts = false, st = false;
  for (size_t i = 0; i < s->n; i++) {
    ts |= s->fields[i].base == B_DATETIME;
    st |= s->fields[i].base == B_ANY;
  }
  size_t n = 0;
  out[n++] = "evs/v1/options.proto";
  if (st) out[n++] = "google/protobuf/struct.proto";
  if (ts) out[n++] = "google/protobuf/timestamp.proto";
  return n;
}

/* ------------------------------------------------------------------ the target file */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 8192;
      char *p = realloc(buf, cap);
      if (!p) break;
      buf = p;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (!got) break;
  }
  bool bad = ferror(f) || !buf;
  fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

/* The start of the line holding `word` as a whole token after `prefix` ("message Foo", "package x.y;"), or
 * NULL. */
static const char *find_decl(const char *text, const char *prefix, const char *word) {
  bool whole = is_ident(word, 1);
  size_t pn = strlen(prefix), wn = strlen(word);
  for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    const char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (strncmp(p, prefix, pn) != 0) continue;
    p += pn;
    while (*p == ' ' || *p == '\t') p++;
    if (!strncmp(p, word, wn) && (!whole || (!is_ident(p + wn, 1) && !(p[wn] >= '0' && p[wn] <= '9'))))
      return line;
  }
  return NULL;
}

/* The package a .proto file declares, into out (empty when none). */
static void package_of(const char *text, char *out, size_t cap) {
  out[0] = 0;
  const char *line = find_decl(text, "package ", "");
  if (!line) return;
  const char *p = strstr(line, "package") + 7;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = strcspn(p, " \t;\r\n");
  if (n < cap) {
    memcpy(out, p, n);
    out[n] = 0;
  }
}

/* The topic every event of the file names, NULL when none or they differ. Returned in a static buffer. */
static const char *topic_of(const char *text) {
  static char topic[256];
  topic[0] = 0;
  for (const char *p = strstr(text, "topic:"); p; p = strstr(p + 6, "topic:")) {
    const char *q = strchr(p, '"');
    const char *e = q ? strchr(q + 1, '"') : NULL;
    if (!e || (size_t)(e - q - 1) >= sizeof topic) return NULL;
    if (topic[0] && (strncmp(topic, q + 1, (size_t)(e - q - 1)) || topic[e - q - 1])) return NULL;
    memcpy(topic, q + 1, (size_t)(e - q - 1));
    topic[e - q - 1] = 0;
  }
  return topic[0] ? topic : NULL;
}

/* The existing file with the imports the message needs added (each in sorted position among the import
 * lines, else after the package line) and the message appended after a blank line. */
static void write_appended(FILE *out, const char *text, const new_spec *s) {
  const char *imps[3];
  size_t n_imps = imports_of(s, imps);
  bool done[3] = {false, false, false};
  for (size_t k = 0; k < n_imps; k++) {
    char line[128];
    snprintf(line, sizeof line, "\"%s\"", imps[k]);
    if (find_decl(text, "import", line)) done[k] = true;
  }
  bool any_import = find_decl(text, "import", "\"") != NULL;
  const char *line = text;
  while (*line) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line + 1) : strlen(line);
    bool is_import = !strncmp(line, "import \"", 8);
    for (size_t k = 0; k < n_imps && is_import; k++)
      if (!done[k] && strncmp(line + 8, imps[k], strlen(imps[k])) > 0) {
        fprintf(out, "import \"%s\";\n", imps[k]);
        done[k] = true;
      }
    fwrite(line, 1, n, out);
    const char *next = line + n;
    bool last_import = is_import && strncmp(next, "import \"", 8) != 0;
    bool after_package = !any_import && !strncmp(line, "package ", 8);
    if (last_import || after_package) {
      if (after_package) fputc('\n', out);
      for (size_t k = 0; k < n_imps; k++)
        if (!done[k]) {
          fprintf(out, "import \"%s\";\n", imps[k]);
          done[k] = true;
        }
    }
    line = next;
  }
  if (*text && text[strlen(text) - 1] != '\n') fputc('\n', out);
  fputc('\n', out);
  write_message(out, s);
}

static void write_new_file(FILE *out, const char *package, const new_spec *s) {
  fprintf(out,
          "// Events of %s, scaffolded by `evs new` (docs/new-event.md): describe the messages and fields,\n"
          "// then check them with `evs breaking`.\n"
          "syntax = \"proto3\";\n\npackage %s;\n\n",
          package, package);
  const char *imps[3];
  size_t n_imps = imports_of(s, imps);
  for (size_t k = 0; k < n_imps; k++) fprintf(out, "import \"%s\";\n", imps[k]);
  fputc('\n', out);
  write_message(out, s);
}

static bool is_package(const char *p) {
  for (;;) {
    size_t n = strcspn(p, ".");
    if (!is_ident(p, n)) return false;
    if (!p[n]) return true;
    p += n + 1;
  }
}

static bool is_topic(const char *t) {
  size_t n = strlen(t);
  if (!n || n > 249 || !strcmp(t, ".") || !strcmp(t, "..")) return false;
  return strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int mkdirs(const char *path) {
  char *p = strdup(path);
  if (!p) return -1;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = '/';
  }
  free(p);
  return 0;
}

/* The default file: ROOT/<the package's directory>/<NAME's first word, lower case>_events.proto; the
 * package's directory is that of a file of the package in reg, else the package with dots as slashes. */
static char *default_file(const evs_registry *reg, const char *root, const char *package, const char *name) {
  size_t nf = 0;
  const evs_file *const *files = evs_registry_files(reg, &nf);
  const char *dir = NULL;
  size_t dir_n = 0;
  for (size_t i = 0; i < nf && !dir; i++)
    if (!strcmp(files[i]->package, package) && strrchr(files[i]->name, '/')) {
      dir = files[i]->name;
      dir_n = (size_t)(strrchr(dir, '/') - dir);
    }
  size_t word = 1;
  while (name[word] && !(name[word] >= 'A' && name[word] <= 'Z') && name[word] != '_') word++;
  size_t cap = strlen(root) + strlen(package) + strlen(name) + 32;
  char *path = malloc(cap);
  if (!path) return NULL;
  int n = snprintf(path, cap, "%s/", root);
  if (dir) {
    n += snprintf(path + n, cap - (size_t)n, "%.*s/", (int)dir_n, dir);
  } else {
    for (const char *p = package; *p; p++) path[n++] = *p == '.' ? '/' : *p;
    path[n++] = '/';
  }
  for (size_t i = 0; i < word; i++) {
    char c = name[i];
    path[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
  }
  snprintf(path + n, cap - (size_t)n, "_events.proto");
  return path;
}

/* The partition key: --key (a singular UUID, str, int or bool field), else the first required UUID field,
 * else the first required str field, else none. NULL key with *rc set on error. */
static const char *pick_key(const cli_cmd *cmd, const new_spec *s, const char *given, int *rc) {
  *rc = CLI_EXIT_OK;
  if (given) {
    for (size_t i = 0; i < s->n; i++) {
      const new_field *f = &s->fields[i];
      if (strcmp(f->name, given)) continue;
      if (f->shape != SCALAR || f->base == B_FLOAT || f->base == B_DATETIME || f->base == B_ANY) {
        *rc = cli_usage_error(cmd, "--key %s: field %zu is %s%s; a key is a UUID, str, int or bool field",
                              given, i + 1,
                              f->shape == LIST   ? "a list of "
                              : f->shape == DICT ? "a dict of "
                                                 : "",
                              k_base_names[f->base]);
        return NULL;
      }
      return f->name;
    }
    *rc = cli_usage_error(cmd, "--key %s: no such field in the list", given);
    return NULL;
  }
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < s->n; i++)
      if (is_required(&s->fields[i]) && s->fields[i].base == (pass ? B_STR : B_UUID))
        return s->fields[i].name;
  return NULL;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"package", required_argument, NULL, 'p'},
      {"file", required_argument, NULL, 'f'},
      {"topic", required_argument, NULL, 't'},
      {"key", required_argument, NULL, 'k'},
      {"dry-run", no_argument, NULL, 'n'},
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  cli_schema schema = {0};
  const char *package = NULL, *file = NULL, *topic = NULL, *key = NULL;
  bool dry = false;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":p:f:t:k:n" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    switch (c) {
      case 'p':
        package = optarg;
        break;
      case 'f':
        file = optarg;
        break;
      case 't':
        topic = optarg;
        break;
      case 'k':
        key = optarg;
        break;
      case 'n':
        dry = true;
        break;
      default: {
        int taken = cli_schema_option(self, &schema, c, optarg);
        if (taken < 0) return CLI_EXIT_USAGE;
        if (!taken) return cli_option_error(self, c, argv);
      }
    }
  }
  if (argc - optind != 2) return cli_usage_error(self, "give the message name and the field list");
  new_spec spec = {argv[optind], NULL, 0, NULL, NULL};
  const char *list = argv[optind + 1];
  if (!is_ident(spec.name, strlen(spec.name)) || !(spec.name[0] >= 'A' && spec.name[0] <= 'Z'))
    return cli_usage_error(
        self,
        "'%s' is not a valid message name: an upper-case letter, then letters, digits or _ "
        "(at most %d characters), e.g. TodoCreated",
        spec.name, MAX_NAME);
  if (package && !is_package(package))
    return cli_usage_error(self, "--package %s: not a valid package (dot-separated identifiers)", package);
  if (topic && !is_topic(topic))
    return cli_usage_error(self, "--topic %s: not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)",
                           topic);

  int rc = CLI_EXIT_FAIL;
  char *path = NULL, *text = NULL, *out_text = NULL;
  size_t text_len = 0, out_len = 0;
  evs_registry *reg = NULL;
  evs_error err;
  if (!parse_fields(self, list, &spec)) {
    rc = CLI_EXIT_USAGE;
    goto done;
  }
  spec.key = pick_key(self, &spec, key, &rc);
  if (rc != CLI_EXIT_OK) goto done;
  rc = CLI_EXIT_FAIL;

  if (schema.no_builtin && !schema.n_sets && !schema.n_protos) {
    if (evs_registry_new(&reg, &err) != EVS_OK) {
      rc = cli_fail(self, &err);
      goto done;
    }
  } else {
    /* -I names the catalog root here; it is an import root only with --proto */
    int n_dirs = schema.n_dirs;
    if (!schema.n_protos) schema.n_dirs = 0;
    reg = codec_open_registry(self, &schema);
    schema.n_dirs = n_dirs;
    if (!reg) goto done;
  }
  /* Names are global: an event type is one name on every topic, a message one full name. */
  const evs_event_type *et = evs_registry_find_event_type(reg, spec.name);
  if (et) {
    cli_failf(self, "event type %s already exists: message %s (%s:%u); choose another name", spec.name,
              et->message->full_name, et->message->src.file, (unsigned)et->message->src.line);
    goto done;
  }
  struct stat sb;
  const char *root = schema.n_dirs                                    ? schema.dirs[0]
                     : stat("proto", &sb) == 0 && S_ISDIR(sb.st_mode) ? "proto"
                                                                      : ".";
  char file_package[512] = "";
  if (file) {
    path = strdup(file);
  } else {
    if (!package) {
      rc = cli_usage_error(self, "give --package (or --file naming an existing .proto file)");
      goto done;
    }
    path = default_file(reg, root, package, spec.name);
  }
  if (!path) {
    cli_failf(self, "out of memory");
    goto done;
  }
  bool exists = stat(path, &sb) == 0;
  if (exists) {
    text = read_file(path, &text_len);
    if (!text) {
      cli_failf(self, "cannot read %s: %s", path, strerror(errno));
      goto done;
    }
    if (memchr(text, 0, text_len)) {
      cli_failf(self, "%s is not a .proto text file (it holds a NUL byte)", path);
      goto done;
    }
    /* the message is proto3 (unlabelled fields, oneof presence) */
    if (!find_decl(text, "syntax", "= \"proto3\"") && !find_decl(text, "syntax", "= 'proto3'") &&
        !find_decl(text, "syntax", "=\"proto3\"")) {
      cli_failf(self, "%s is not a proto3 file (no syntax = \"proto3\";): evs new writes proto3", path);
      goto done;
    }
    package_of(text, file_package, sizeof file_package);
    if (!package) package = file_package;
    if (strcmp(package, file_package)) {
      cli_failf(self, "%s is package '%s', not %s: give another --file or leave --package out", path,
                file_package, package);
      goto done;
    }
    if (!package[0]) {
      cli_failf(self, "%s declares no package", path);
      goto done;
    }
    if (find_decl(text, "message", spec.name)) {
      cli_failf(self, "message %s already exists in %s", spec.name, path);
      goto done;
    }
  } else if (!package) {
    rc = cli_usage_error(self, "%s does not exist yet: give --package for the new file", path);
    goto done;
  }
  if (!topic && exists) topic = topic_of(text);
  if (!topic) {
    rc = cli_usage_error(self, "give --topic: %s",
                         exists ? "the file's events do not name one topic" : "a new file");
    goto done;
  }
  spec.topic = topic;

  size_t full_cap = strlen(package) + strlen(spec.name) + 2;
  char *full = malloc(full_cap);
  if (!full) {
    cli_failf(self, "out of memory");
    goto done;
  }
  snprintf(full, full_cap, "%s.%s", package, spec.name);
  const evs_message *m = evs_registry_find_message(reg, full);
  free(full);
  if (m) {
    cli_failf(self, "message %s already exists (%s:%u); choose another name", m->full_name, m->src.file,
              (unsigned)m->src.line);
    goto done;
  }

  FILE *mem = open_memstream(&out_text, &out_len);
  if (!mem) {
    cli_failf(self, "out of memory");
    goto done;
  }
  if (exists)
    write_appended(mem, text, &spec);
  else
    write_new_file(mem, package, &spec);
  if (fclose(mem) != 0 || !out_text) {
    cli_failf(self, "out of memory");
    goto done;
  }
  if (dry) {
    fprintf(stderr, "evs %s: --dry-run: would %s %s with message %s.%s\n", self->name,
            exists ? "rewrite" : "create", path, package, spec.name);
    rc = cli_write_output(self, NULL, out_text, out_len);
    goto done;
  }
  if (!exists && mkdirs(path) != 0) {
    cli_failf(self, "cannot create the directories of %s: %s", path, strerror(errno));
    goto done;
  }
  /* a temporary beside the file, renamed over it: a failed write leaves the file as it was */
  size_t tmp_cap = strlen(path) + 16;
  char *tmp = malloc(tmp_cap);
  if (!tmp) {
    cli_failf(self, "out of memory");
    goto done;
  }
  snprintf(tmp, tmp_cap, "%s.evs-new", path);
  rc = cli_write_output(self, tmp, out_text, out_len);
  if (rc == CLI_EXIT_OK && rename(tmp, path) != 0)
    rc = cli_failf(self, "cannot replace %s: %s", path, strerror(errno));
  if (rc != CLI_EXIT_OK) remove(tmp);
  free(tmp);
  if (rc == CLI_EXIT_OK)
    fprintf(stderr, "evs %s: %s %s.%s (event type %s, topic %s, key %s, schema version 1.0) %s %s\n",
            self->name, exists ? "appended" : "wrote", package, spec.name, spec.name, topic,
            spec.key ? spec.key : "none", exists ? "to" : "in", path);
done:
  free(spec.fields);
  free(path);
  free(text);
  free(out_text);
  evs_registry_free(reg);
  return rc;
}

const cli_cmd cli_cmd_new = {
    "new",
    "scaffold a documented event message from a field list",
    "usage: evs new NAME \"field (type), field (type?), ...\" [--package PKG] [--file FILE] [--topic T]\n"
    "               [--key FIELD] [--dry-run] [-I DIR] [--descriptor-set FILE]... [--proto FILE.proto]...\n"
    "               [--no-builtin]\n"
    "\n"
    "Writes a proto3 message NAME for the event type NAME with one field per list entry (numbered\n"
    "in order, each with a comment to complete), its (evs.v1.event) options (types [NAME], topic,\n"
    "partition_key, schema_version \"1.0\") and the rules the types imply: uuid for UUID, required\n"
    "for fields without ? that can tell unset from set (str, UUID, datetime, Any). Types:\n"
    "  UUID -> string (uuid)   str -> string   int -> int64   float -> double   bool -> bool\n"
    "  datetime -> google.protobuf.Timestamp   Any -> google.protobuf.Value\n"
    "  list[T] -> repeated T (list[Any]: ListValue)   dict[str, T] -> map<string, T> (dict[str, Any]:\n"
    "  Struct); T? -> optional: presence through a one-member oneof _NAME (as the catalog does)\n"
    "The message is appended to FILE (imports added as needed) or FILE is created. Without --file:\n"
    "DIR/<package dir>/<first word of NAME>_events.proto, DIR = the first -I (default: ./proto when\n"
    "it exists, else .). NAME must be new: no event type and no message of that name in the schemas\n"
    "(the builtin catalog unless --no-builtin, plus --proto/--descriptor-set) or in FILE. Then:\n"
    "rebuild, or try it with `evs describe --proto FILE`; docs/new-event.md.\n"
    "\n"
    "options:\n"
    "  --package PKG            the proto package (default: FILE's, when FILE exists)\n"
    "  --file FILE              the .proto file to append to or create\n"
    "  --topic T                the Kafka topic (default: the one topic FILE's events name)\n"
    "  --key FIELD              the partition key (default: the first UUID field without ?, else the\n"
    "                           first str field without ?, else none)\n"
    "  --dry-run                print the whole file that would be written instead of writing it\n"
    "  -I, --proto-path DIR     the catalog root (and an import root for --proto)\n"
    "  --descriptor-set FILE    also load this FileDescriptorSet for the name checks; repeatable\n"
    "  --proto FILE.proto       also load this .proto file for the name checks; repeatable\n"
    "  --no-builtin             leave evs's builtin catalog out of the name checks\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 written (or printed), 1 the name exists, a file cannot be read or written, 2 usage\n"
    "error or a bad field list (the message names the field by its position).\n",
    run,
};
