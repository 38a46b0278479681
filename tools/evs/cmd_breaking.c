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

#if defined(__GLIBC__)
#include <malloc.h>
#endif

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
  const char *paths[MAX_LIST], *exclude_paths[MAX_LIST];
  int n_paths, n_exclude_paths;
  bool exclude_imports, level_set;
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

/* protoc's whole stderr for one input, as protoc wrote it (err carries only its first message): a warning
 * printed first must not hide the error after it. */
static void show_protoc(const char *spec, const char *diag) {
  if (!diag || !*diag) return;
  fprintf(stderr, "evs breaking: protoc on %s said:\n%s", spec, diag);
  if (diag[strlen(diag) - 1] != '\n') fputc('\n', stderr);
}

static int write_set(const cli_cmd *self, const args *a) {
  uint8_t *data = NULL;
  size_t len = 0;
  evs_error err;
  char *diag = NULL;
  evs_status rst =
      evs_compat_input_read_diag(a->newer, a->imports, (size_t)a->n_imports, &data, &len, &diag, &err);
  show_protoc(a->newer, diag);
  free(diag);
  if (rst) return input_error(self, &err);
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
  char *diag;
  evs_status st;
  evs_error err;
} load_job;

static void *load_one(void *arg) {
  load_job *j = arg;
  evs_error_clear(&j->err);
  j->st =
      evs_compat_input_load_diag(j->spec, j->a->imports, (size_t)j->a->n_imports, &j->reg, &j->diag, &j->err);
  return NULL;
}

/* Loads every input into regs[]; on failure reports the first failing input (in command-line order, so
 * the message does not depend on timing), frees what loaded, and returns the exit code. */
static int load_all(const cli_cmd *self, const args *a, evs_registry **regs, const char **labels,
                    int *n_out) {
  int n = a->n_against + 1;
  load_job jobs[MAX_LIST + 1];
#if defined(M_MMAP_THRESHOLD)
  /* glibc raises its mmap threshold after a large block is freed, so the registries' later arena blocks
   * came from the heap and calloc zeroed them by hand (3 % of a large load); a fixed threshold keeps them
   * on mmap, zeroed by the kernel, with untouched tails never faulted in. */
  mallopt(M_MMAP_THRESHOLD, 128 << 10);
#endif
  for (int i = 0; i < n; i++) {
    jobs[i] = (load_job){i < a->n_against ? a->against[i] : a->newer, a, NULL, NULL, EVS_OK, {0}};
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
    show_protoc(jobs[i].spec, jobs[i].diag);
    free(jobs[i].diag);
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

/* Which files belong to an input, and how the working directory sees them. A directory input (or a .proto
 * file's directory) owns the files found under it; protoc and buf name them relative to it, while CI
 * annotations need the repository path: the directory as given (relative to the working directory) joined
 * with the file's name. A descriptor set or git input has no such directory: its files are its own except
 * the well-known types (google/protobuf/), which is how --exclude-imports tells imports there. */
typedef struct side {
  char dir[4096];   /* "" when the input is not on disk as .proto sources */
  char shown[4096]; /* dir as seen from the working directory ("" for the working directory itself) */
} side;

static void side_of(const char *spec, side *s) {
  s->dir[0] = s->shown[0] = '\0';
  struct stat sb;
  if (strncmp(spec, "git:", 4) == 0 || stat(spec, &sb) != 0) return;
  if (S_ISDIR(sb.st_mode)) {
    snprintf(s->dir, sizeof s->dir, "%s", spec);
  } else if (strlen(spec) > 6 && strcmp(spec + strlen(spec) - 6, ".proto") == 0) {
    const char *slash = strrchr(spec, '/');
    snprintf(s->dir, sizeof s->dir, "%.*s", slash ? (int)(slash - spec) : 1, slash ? spec : ".");
  } else {
    return;
  }
  const char *d = s->dir;
  char cwd[4096];
  size_t n = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
  if (n && d[0] == '/' && strncmp(d, cwd, n) == 0 && (d[n] == '/' || !d[n])) d += n;
  while (*d == '/' && d != s->dir) d++;
  for (;;) {
    while (d[0] == '.' && d[1] == '/') d += 2;
    if (!(d[0] == '.' && !d[1])) break;
    d++;
  }
  snprintf(s->shown, sizeof s->shown, "%s", d);
  size_t len = strlen(s->shown);
  while (len && s->shown[len - 1] == '/') s->shown[--len] = '\0';
}

static bool side_owns(const side *s, const char *file) {
  if (!*s->dir) return strncmp(file, "google/protobuf/", 16) != 0;
  char path[8192];
  struct stat sb;
  snprintf(path, sizeof path, "%s/%s", s->dir, file);
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The path a user names the file by: under the working directory when the input owns it. */
static void side_show(const side *s, const char *file, char *out, size_t n) {
  if (*s->shown && *s->dir && side_owns(s, file)) {
    snprintf(out, n, "%s/%s", s->shown, file);
  } else {
    snprintf(out, n, "%s", file);
  }
}

typedef struct filter_ctx {
  const args *a;
  side cur, prev;
} filter_ctx;

static bool path_listed(const char *const *list, int n, const char *file, const char *shown) {
  for (int i = 0; i < n; i++) {
    const char *p = list[i];
    while (p[0] == '.' && p[1] == '/') p += 2;
    char clean[4096];
    snprintf(clean, sizeof clean, "%s", p);
    size_t len = strlen(clean);
    while (len > 1 && clean[len - 1] == '/') clean[--len] = '\0';
    if (evs_compat_path_under(file, clean) || evs_compat_path_under(shown, clean)) return true;
  }
  return false;
}

static bool keep_finding(const evs_compat_finding *f, void *ctx) {
  const filter_ctx *fc = ctx;
  const side *s = f->loc.file ? &fc->cur : &fc->prev;
  const char *file = f->loc.file ? f->loc.file : f->prev_loc.file;
  if (!file) return true;
  if (fc->a->exclude_imports && !side_owns(s, file)) return false;
  char shown[8192];
  side_show(s, file, shown, sizeof shown);
  if (fc->a->n_paths && !path_listed(fc->a->paths, fc->a->n_paths, file, shown)) return false;
  return !path_listed(fc->a->exclude_paths, fc->a->n_exclude_paths, file, shown);
}

/* --path, --exclude-path, --exclude-imports, and for GitHub the paths as the repository has them. */
static evs_status filter_report(const args *a, evs_compat_report *report, evs_error *err) {
  filter_ctx fc = {a, {{0}, {0}}, {{0}, {0}}};
  side_of(a->newer, &fc.cur);
  side_of(a->against[a->n_against - 1], &fc.prev);
  evs_compat_report_retain(report, keep_finding, &fc);
  if (a->format != EVS_COMPAT_FORMAT_GITHUB || !*fc.cur.shown) return EVS_OK;
  size_t n = 0;
  const evs_compat_finding *f = evs_compat_report_findings(report, &n);
  for (size_t i = 0; i < n; i++) {
    char shown[8192], from[4096];
    if (!f[i].loc.file || !side_owns(&fc.cur, f[i].loc.file)) continue;
    snprintf(from, sizeof from, "%s", f[i].loc.file);
    side_show(&fc.cur, from, shown, sizeof shown);
    evs_status st = evs_compat_report_rename_file(report, from, shown, err);
    if (st) return st;
    f = evs_compat_report_findings(report, &n); /* renamed ones sort elsewhere: start over */
    i = (size_t)-1;
  }
  return EVS_OK;
}

/* The config: --config FILE (a buf.yaml or an accepted-breaks file, told apart by content), else a
 * buf.yaml in the NEW directory. */
static int load_config(const cli_cmd *self, args *a, evs_compat_buf_config **buf, const char **allow) {
  char found[8192];
  const char *path = a->config;
  *buf = NULL;
  *allow = NULL;
  if (!path) {
    side s;
    side_of(a->newer, &s);
    struct stat sb;
    snprintf(found, sizeof found, "%s/buf.yaml", s.dir);
    if (!*s.dir || stat(found, &sb) != 0) return CLI_EXIT_OK;
    path = found;
  } else if (!evs_compat_config_is_buf_yaml(path)) {
    *allow = path;
    return CLI_EXIT_OK;
  }
  evs_error err;
  if (evs_compat_buf_config_read(path, buf, &err)) return input_error(self, &err);
  size_t n = 0;
  const char *const *unknown = evs_compat_buf_config_unknown_rules(*buf, &n);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, "evs breaking: %s: rule %s is not one evs checks (evs breaking --list-rules)\n", path,
            unknown[i]);
  if (!a->level_set) {
    a->opts.rules = evs_compat_buf_config_rules(*buf, &n);
    a->opts.n_rules = n;
    if (!n) {
      cli_failf(self, "%s: its breaking section selects no rule evs has", path);
      evs_compat_buf_config_free(*buf);
      *buf = NULL;
      return CLI_EXIT_USAGE;
    }
  }
  return CLI_EXIT_OK;
}

static int check(const cli_cmd *self, args *a) {
  evs_registry *regs[MAX_LIST + 1] = {NULL};
  const char *labels[MAX_LIST + 1];
  int n = 0;
  evs_error err;
  evs_compat_report *report = NULL;
  evs_compat_buf_config *buf = NULL;
  const char *allow = NULL;
  int rc = load_config(self, a, &buf, &allow);
  if (rc == CLI_EXIT_OK) rc = load_all(self, a, regs, labels, &n);
  if (rc == CLI_EXIT_OK) {
    a->opts.messages = a->messages;
    a->opts.n_messages = (size_t)a->n_messages;
    a->opts.packages = a->packages;
    a->opts.n_packages = (size_t)a->n_packages;
    if (evs_compat_check_versions((const evs_registry *const *)regs, labels, (size_t)n, &a->opts, &report,
                                  &err))
      rc = input_error(self, &err);
  }
  if (rc == CLI_EXIT_OK && allow && evs_compat_report_allow_file(report, allow, &err))
    rc = input_error(self, &err);
  if (rc == CLI_EXIT_OK) {
    evs_compat_report_apply_buf_config(report, buf);
    if (filter_report(a, report, &err)) rc = cli_fail(self, &err);
  }
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
  evs_compat_buf_config_free(buf);
  for (int i = 0; i < n; i++) evs_registry_free(regs[i]);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"against", required_argument, NULL, 'a'},      {"level", required_argument, NULL, 'l'},
      {"mode", required_argument, NULL, 'm'},         {"format", required_argument, NULL, 'f'},
      {"message", required_argument, NULL, 'M'},      {"package", required_argument, NULL, 'P'},
      {"import-path", required_argument, NULL, 'I'},  {"config", required_argument, NULL, 'c'},
      {"no-allow-comments", no_argument, NULL, 'n'},  {"write-set", required_argument, NULL, 'w'},
      {"list-rules", no_argument, NULL, 'L'},         {"error-format", required_argument, NULL, 'f'},
      {"exclude-imports", no_argument, NULL, 'x'},    {"path", required_argument, NULL, 'p'},
      {"exclude-path", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0},
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
        a.level_set = true;
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
      case 'x':
        a.exclude_imports = true;
        break;
      case 'p':
        if (a.n_paths == MAX_LIST) return cli_usage_error(self, "at most %d --path options", MAX_LIST);
        a.paths[a.n_paths++] = optarg;
        break;
      case 'e':
        if (a.n_exclude_paths == MAX_LIST)
          return cli_usage_error(self, "at most %d --exclude-path options", MAX_LIST);
        a.exclude_paths[a.n_exclude_paths++] = optarg;
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
    "  --format FORMAT          text (default), json (one object per line), github-actions, junit;\n"
    "                           github-actions names files from the working directory (the input\n"
    "                           directory joined with the file's path in it), as buf does\n"
    "  --error-format FORMAT    the same as --format (buf's name)\n"
    "  --message OLD=NEW        compare only message OLD (full name, old schema) with NEW (new\n"
    "                           schema), with their nested types; repeatable\n"
    "  --package OLD=NEW        pair elements of package OLD with those of package NEW; repeatable\n"
    "  -I, --import-path DIR    extra import root for .proto inputs (repeatable)\n"
    "  --config FILE            a buf.yaml (its breaking section: use, except, ignore, ignore_only),\n"
    "                           or accepted breaks, one per line: RULE_ID PATTERN [reason] (PATTERN a\n"
    "                           glob over the file path or the element's full name); told apart by\n"
    "                           content. Without --config, NEW's directory's buf.yaml is read when\n"
    "                           there is one; --level overrides its use/except\n"
    "  --path PATH              check only files under PATH (repeatable; the file's path in the input\n"
    "                           or from the working directory, as buf's --path)\n"
    "  --exclude-path PATH      skip files under PATH (repeatable)\n"
    "  --exclude-imports        skip imported files: those not under NEW's (or OLD's) directory; in a\n"
    "                           descriptor set or git input, the google/protobuf/ files\n"
    "  --no-allow-comments      ignore `// evs:allow-breaking RULE_ID reason` comments in NEW\n"
    "  --write-set FILE         write NEW as a descriptor set (a schema snapshot) and exit\n"
    "  --list-rules             print every rule: ID, categories, summary\n"
    "  -h, --help               show this help\n"
    "\n"
    "protoc's diagnostics (warnings too) are printed whole on stderr.\n"
    "Accepted breaks are still printed, marked [allowed: reason], and do not fail the check.\n"
    "exit status: 0 compatible, 1 breaking changes found, 2 usage or input error (unreadable input,\n"
    "a .proto protoc rejects, a bad descriptor set) or a report that could not be written.\n",
    run,
};
