/* evs breaking: compare a new schema version with older ones and report changes that break readers.
 * Exit codes: 0 compatible (accepted breaks only), 1 violations, 2 usage or input error (an input that
 * cannot be read never passes as compatible). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "evs/compat.h"

#define MAX_LIST 64

typedef struct args {
  const char *newer;
  const char *against[MAX_LIST];
  int n_against;
  const char *imports[MAX_LIST];
  int n_imports;
  evs_compat_rename messages[MAX_LIST], packages[MAX_LIST];
  int n_messages, n_packages;
  const char *config;
  const char *write_set;
  evs_compat_options opts;
  evs_compat_format format;
  int list_rules;
} args;

/* Lower-cases and turns '_' into '-', so buf's and Confluent's spellings (WIRE_JSON, FULL_TRANSITIVE) work.
 */
static int normalize(const char *s, char *out, size_t n) {
  size_t len = strlen(s);
  if (len >= n) return -1;
  for (size_t i = 0; i <= len; i++)
    out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i] == '_' ? '-' : s[i];
  return 0;
}

static int parse_level(const char *s, evs_compat_level *out) {
  static const char *const names[] = {"wire", "wire-json", "package", "file"};
  char low[32];
  if (normalize(s, low, sizeof low)) return -1;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(low, names[i]) == 0) return *out = (evs_compat_level)(EVS_COMPAT_LEVEL_WIRE + (int)i), 0;
  return -1;
}

static int parse_mode(const char *s, evs_compat_mode *out) {
  static const char *const names[] = {"backward",           "forward",        "full", "backward-transitive",
                                      "forward-transitive", "full-transitive"};
  char low[32];
  if (normalize(s, low, sizeof low)) return -1;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(low, names[i]) == 0) return *out = (evs_compat_mode)i, 0;
  return -1;
}

static int parse_format(const char *s, evs_compat_format *out) {
  if (strcmp(s, "text") == 0) return *out = EVS_COMPAT_FORMAT_TEXT, 0;
  if (strcmp(s, "json") == 0) return *out = EVS_COMPAT_FORMAT_JSON, 0;
  if (strcmp(s, "github-actions") == 0) return *out = EVS_COMPAT_FORMAT_GITHUB, 0;
  if (strcmp(s, "junit") == 0) return *out = EVS_COMPAT_FORMAT_JUNIT, 0;
  return -1;
}

/* OLD=NEW into a rename (points into argv). */
static int parse_pair(char *s, evs_compat_rename *out) {
  char *eq = strchr(s, '=');
  if (!eq || eq == s || !eq[1]) return -1;
  *eq = '\0';
  out->from = s[0] == '.' ? s + 1 : s;
  out->to = eq[1] == '.' ? eq + 2 : eq + 1;
  return 0;
}

static void list_rules(void) {
  static const char *const cats[] = {"WIRE", "WIRE_JSON", "PACKAGE", "FILE"};
  for (size_t i = 0; i < evs_compat_rule_count(); i++) {
    const evs_compat_rule_info *r = evs_compat_rule_at(i);
    char buf[64] = "";
    for (int c = 0; c < 4; c++) {
      if (!(r->categories & (1u << c))) continue;
      if (*buf) strcat(buf, ",");
      strcat(buf, cats[c]);
    }
    printf("%-44s %-30s %s\n", r->id, buf, r->summary);
  }
}

static int input_error(const cli_cmd *self, const evs_error *err) {
  cli_fail(self, err);
  return CLI_EXIT_USAGE;
}

static int write_set(const cli_cmd *self, const args *a) {
  uint8_t *data = NULL;
  size_t len = 0;
  evs_error err;
  if (evs_compat_input_read(a->newer, a->imports, (size_t)a->n_imports, &data, &len, &err))
    return input_error(self, &err);
  /* Loading it once proves the set is usable as a future --against. */
  evs_registry *reg = NULL;
  evs_status st = evs_registry_new(&reg, &err);
  if (!st) st = evs_registry_add_descriptor_set(reg, data, len, a->newer, &err);
  evs_registry_free(reg);
  if (st) {
    free(data);
    return input_error(self, &err);
  }
  FILE *fp = fopen(a->write_set, "wb");
  bool ok = fp && fwrite(data, 1, len, fp) == len;
  if (fp && fclose(fp) != 0) ok = false;
  free(data);
  if (!ok) {
    cli_failf(self, "cannot write %s", a->write_set);
    return CLI_EXIT_USAGE;
  }
  fprintf(stderr, "evs breaking: wrote %s (%zu bytes)\n", a->write_set, len);
  return CLI_EXIT_OK;
}

/* One input to load; loads run two at a time, because loading the sets dominates a check of two large
 * schemas and the registries are independent of each other. */
typedef struct load_job {
  const char *spec;
  const args *a;
  evs_registry *reg;
  evs_status st;
  evs_error err;
} load_job;

static void *load_one(void *arg) {
  load_job *j = arg;
  evs_error_clear(&j->err);
  j->st = evs_compat_input_load(j->spec, j->a->imports, (size_t)j->a->n_imports, &j->reg, &j->err);
  return NULL;
}

/* Loads every input into regs[]; on failure reports the first failing input (in command-line order, so
 * the message does not depend on timing), frees what loaded, and returns the exit code. */
static int load_all(const cli_cmd *self, const args *a, evs_registry **regs, const char **labels,
                    int *n_out) {
  int n = a->n_against + 1;
  load_job jobs[MAX_LIST + 1];
  for (int i = 0; i < n; i++) {
    jobs[i] = (load_job){i < a->n_against ? a->against[i] : a->newer, a, NULL, EVS_OK, {0}};
  }
  for (int i = 0; i < n; i += 2) {
    pthread_t helper;
    bool threaded = i + 1 < n && pthread_create(&helper, NULL, load_one, &jobs[i + 1]) == 0;
    load_one(&jobs[i]);
    if (threaded) {
      pthread_join(helper, NULL);
    } else if (i + 1 < n) {
      load_one(&jobs[i + 1]);
    }
  }
  int rc = CLI_EXIT_OK;
  for (int i = 0; i < n; i++) {
    if (jobs[i].st != EVS_OK && rc == CLI_EXIT_OK) rc = input_error(self, &jobs[i].err);
    regs[i] = jobs[i].reg;
    labels[i] = jobs[i].spec;
  }
  if (rc != CLI_EXIT_OK) {
    for (int i = 0; i < n; i++) evs_registry_free(regs[i]);
    for (int i = 0; i < n; i++) regs[i] = NULL;
    n = 0;
  }
  *n_out = n;
  return rc;
}

static int check(const cli_cmd *self, args *a) {
  evs_registry *regs[MAX_LIST + 1] = {NULL};
  const char *labels[MAX_LIST + 1];
  int n = 0;
  evs_error err;
  evs_compat_report *report = NULL;
  int rc = load_all(self, a, regs, labels, &n);
  if (rc == CLI_EXIT_OK) {
    a->opts.messages = a->messages;
    a->opts.n_messages = (size_t)a->n_messages;
    a->opts.packages = a->packages;
    a->opts.n_packages = (size_t)a->n_packages;
    if (evs_compat_check_versions((const evs_registry *const *)regs, labels, (size_t)n, &a->opts, &report,
                                  &err))
      rc = input_error(self, &err);
  }
  if (rc == CLI_EXIT_OK && a->config && evs_compat_report_allow_file(report, a->config, &err))
    rc = input_error(self, &err);
  if (rc == CLI_EXIT_OK) {
    evs_status wst = evs_compat_report_write(report, a->format, stdout, &err);
    errno = 0;
    if (wst == EVS_OK && (fflush(stdout) != 0 || ferror(stdout))) {
      /* The report did not reach its reader: a failure of this run, not of the inputs (never "error: ok"). */
      cli_failf(self, "writing the report to stdout failed: %s", errno ? strerror(errno) : "write error");
      rc = CLI_EXIT_USAGE; /* "could not check", never mistaken for "breaking" (1) */
    } else if (wst != EVS_OK) {
      rc = wst == EVS_ERR_IO ? cli_fail(self, &err) : input_error(self, &err);
    } else {
      size_t total = 0, bad = evs_compat_report_violations(report);
      (void)evs_compat_report_findings(report, &total);
      if (a->format == EVS_COMPAT_FORMAT_TEXT && total)
        fprintf(stderr, "evs breaking: %zu breaking change%s, %zu accepted\n", bad, bad == 1 ? "" : "s",
                total - bad);
      rc = bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    }
  }
  evs_compat_report_free(report);
  for (int i = 0; i < n; i++) evs_registry_free(regs[i]);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"against", required_argument, NULL, 'a'},     {"level", required_argument, NULL, 'l'},
      {"mode", required_argument, NULL, 'm'},        {"format", required_argument, NULL, 'f'},
      {"message", required_argument, NULL, 'M'},     {"package", required_argument, NULL, 'P'},
      {"import-path", required_argument, NULL, 'I'}, {"config", required_argument, NULL, 'c'},
      {"no-allow-comments", no_argument, NULL, 'n'}, {"write-set", required_argument, NULL, 'w'},
      {"list-rules", no_argument, NULL, 'L'},        {NULL, 0, NULL, 0},
  };
  args a;
  memset(&a, 0, sizeof a);
  a.opts.level = EVS_COMPAT_LEVEL_WIRE_JSON;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":I:", opts, NULL)) != -1;) {
    switch (c) {
      case 'a':
        if (a.n_against == MAX_LIST) return cli_usage_error(self, "at most %d --against options", MAX_LIST);
        a.against[a.n_against++] = optarg;
        break;
      case 'l':
        if (parse_level(optarg, &a.opts.level))
          return cli_usage_error(self, "unknown level '%s' (wire, wire-json, package, file)", optarg);
        break;
      case 'm':
        if (parse_mode(optarg, &a.opts.mode)) return cli_usage_error(self, "unknown mode '%s'", optarg);
        break;
      case 'f':
        if (parse_format(optarg, &a.format))
          return cli_usage_error(self, "unknown format '%s' (text, json, github-actions, junit)", optarg);
        break;
      case 'M':
        if (a.n_messages == MAX_LIST || parse_pair(optarg, &a.messages[a.n_messages++]))
          return cli_usage_error(self, "--message needs OLD_FULL_NAME=NEW_FULL_NAME");
        break;
      case 'P':
        if (a.n_packages == MAX_LIST || parse_pair(optarg, &a.packages[a.n_packages++]))
          return cli_usage_error(self, "--package needs OLD_PACKAGE=NEW_PACKAGE");
        break;
      case 'I':
        if (a.n_imports == MAX_LIST) return cli_usage_error(self, "at most %d import paths", MAX_LIST);
        a.imports[a.n_imports++] = optarg;
        break;
      case 'c':
        a.config = optarg;
        break;
      case 'n':
        a.opts.ignore_allow_comments = true;
        break;
      case 'w':
        a.write_set = optarg;
        break;
      case 'L':
        a.list_rules = 1;
        break;
      case ':':
        return cli_usage_error(self, "option '%s' needs a value", argv[optind - 1]);
      default:
        return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (a.list_rules) {
    if (optind < argc) return cli_usage_error(self, "--list-rules takes no input");
    list_rules();
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  }
  if (optind >= argc) return cli_usage_error(self, "missing the new schema (NEW)");
  if (optind + 1 < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
  a.newer = argv[optind];
  if (a.write_set && a.n_against)
    return cli_usage_error(self, "--write-set does not compare: drop --against");
  if (!a.write_set && !a.n_against) return cli_usage_error(self, "missing --against OLD");
  cli_tmp_guard guard;
  cli_tmp_guard_begin(&guard, "breaking");
  return cli_tmp_guard_end(&guard, a.write_set ? write_set(self, &a) : check(self, &a));
}

const cli_cmd cli_cmd_breaking = {
    "breaking",
    "report schema changes that break binary or JSON readers",
    "usage: evs breaking NEW --against OLD [--against NEWER_OLD]... [options]\n"
    "       evs breaking NEW --write-set FILE\n"
    "       evs breaking --list-rules\n"
    "\n"
    "Compares the NEW schema with older versions and reports every change that breaks readers, one per\n"
    "line: `file.proto:LINE:COL: RULE_ID: message` (sorted; the location is in NEW). Rules and their\n"
    "fixes: docs/compat.md and docs/compat/<RULE_ID>.md.\n"
    "\n"
    "Each input (NEW, OLD) is one of:\n"
    "  a descriptor set file       protoc --descriptor_set_out (--include_imports --include_source_info)\n"
    "  a directory                 every .proto under it, compiled with protoc -I DIR\n"
    "  a .proto file               that file, compiled with -I of its directory\n"
    "  git:REF[:PATH]              PATH (directory or descriptor set) as committed at REF\n"
    "Directories are walked without leaving them: a symlink out of the input, a symlink loop or a\n"
    "FIFO named .proto is an input error. Temporary files are removed on exit, SIGINT/SIGTERM/SIGHUP\n"
    "included.\n"
    "Give --against several times, oldest first, for a version list: the plain modes check NEW against\n"
    "the last one, the -transitive modes against all of them.\n"
    "\n"
    "options:\n"
    "  --against OLD            an older version (repeatable)\n"
    "  --level LEVEL            wire (binary readers), wire-json (binary and canonical-JSON readers;\n"
    "                           the default), package or file (also generated code); buf's category\n"
    "                           names (WIRE_JSON, ...) are accepted too\n"
    "  --mode MODE              backward (NEW reads data written with OLD; the default), forward (OLD\n"
    "                           reads NEW data), full (both); backward-transitive, forward-transitive,\n"
    "                           full-transitive check against every --against (Confluent's names, e.g.\n"
    "                           FULL_TRANSITIVE, are accepted too)\n"
    "  --format FORMAT          text (default), json (one object per line), github-actions, junit\n"
    "  --message OLD=NEW        compare only message OLD (full name, old schema) with NEW (new\n"
    "                           schema), with their nested types; repeatable\n"
    "  --package OLD=NEW        pair elements of package OLD with those of package NEW; repeatable\n"
    "  -I, --import-path DIR    extra import root for .proto inputs (repeatable)\n"
    "  --config FILE            accepted breaks, one per line: RULE_ID PATTERN [reason]; PATTERN is a\n"
    "                           glob over the file path or the element's full name\n"
    "  --no-allow-comments      ignore `// evs:allow-breaking RULE_ID reason` comments in NEW\n"
    "  --write-set FILE         write NEW as a descriptor set (a schema snapshot) and exit\n"
    "  --list-rules             print every rule: ID, categories, summary\n"
    "  -h, --help               show this help\n"
    "\n"
    "Accepted breaks are still printed, marked [allowed: reason], and do not fail the check.\n"
    "exit status: 0 compatible, 1 breaking changes found, 2 usage or input error (unreadable input,\n"
    "a .proto protoc rejects, a bad descriptor set) or a report that could not be written.\n",
    run,
};
