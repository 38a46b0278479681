/* Schema compatibility checking: compares an old and a new version of a schema (two registries) and reports
 * every change that breaks readers, as findings with a rule ID, a message and where the change is in both
 * versions (docs/compat.md, one page per rule in docs/compat/<RULE_ID>.md).
 *
 * Rules are those of buf breaking where buf has one (same IDs, same WIRE / WIRE_JSON / PACKAGE / FILE
 * categories); a level selects the categories that run. Modes follow Confluent Schema Registry:
 * backward (the new schema reads data written with the old), forward (the old reads the new), full (both),
 * each optionally transitive over an ordered version list.
 *
 * Ownership: an evs_compat_report owns its findings and every string in them; free it with
 * evs_compat_report_free(). Reports do not point into the registries they were built from, so the
 * registries may be freed first. Rule metadata (evs_compat_rule_at()) is static.
 *
 * Thread-safety: checks only read the registries (which may be shared with other readers); a report must
 * not be changed (evs_compat_report_allow*) while another thread reads it. */
#ifndef EVS_COMPAT_H
#define EVS_COMPAT_H

#include <stdio.h>

#include "evs/common.h"
#include "evs/error.h"
#include "evs/registry.h"

EVS_EXTERN_C_BEGIN

/* Rule categories (bit flags), as in buf: FILE is the strictest, WIRE the most lenient. */
typedef enum evs_compat_category {
  EVS_COMPAT_CAT_WIRE = 1u << 0,      /* breaks binary readers */
  EVS_COMPAT_CAT_WIRE_JSON = 1u << 1, /* breaks binary or canonical-JSON readers */
  EVS_COMPAT_CAT_PACKAGE = 1u << 2,   /* breaks generated code, package by package */
  EVS_COMPAT_CAT_FILE = 1u << 3       /* breaks generated code, file by file */
} evs_compat_category;

/* What readers the check protects. Each level runs the rules of its category. */
typedef enum evs_compat_level {
  EVS_COMPAT_LEVEL_WIRE = 1,      /* binary readers only */
  EVS_COMPAT_LEVEL_WIRE_JSON = 2, /* binary and canonical-JSON readers (the default) */
  EVS_COMPAT_LEVEL_PACKAGE = 3,   /* plus generated code per package */
  EVS_COMPAT_LEVEL_FILE = 4       /* plus generated code per file */
} evs_compat_level;

/* Confluent Schema Registry compatibility modes. */
typedef enum evs_compat_mode {
  EVS_COMPAT_BACKWARD = 0,        /* the new schema reads data written with the latest old one */
  EVS_COMPAT_FORWARD,             /* the latest old schema reads data written with the new one */
  EVS_COMPAT_FULL,                /* both */
  EVS_COMPAT_BACKWARD_TRANSITIVE, /* like BACKWARD against every older version */
  EVS_COMPAT_FORWARD_TRANSITIVE,
  EVS_COMPAT_FULL_TRANSITIVE
} evs_compat_mode;

/* One rule: static metadata. */
typedef struct evs_compat_rule_info {
  const char *id;      /* stable, e.g. "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED" */
  const char *summary; /* one line */
  unsigned categories; /* evs_compat_category bits */
} evs_compat_rule_info;

/* Where something is: file as named in the descriptor set, 1-based line and column (0 when unknown, e.g.
 * a set without source info or an element that does not exist on that side). */
typedef struct evs_compat_loc {
  const char *file; /* NULL when there is no such side (an element added in the new schema) */
  uint32_t line, col;
} evs_compat_loc;

typedef struct evs_compat_finding {
  const char *rule_id;      /* static, from the rule table */
  const char *message;      /* one sentence */
  const char *element;      /* full name of the element the finding is about, e.g. "pkg.Msg.field" */
  evs_compat_loc loc;       /* in the new schema (for a deletion: the enclosing element that remains) */
  evs_compat_loc prev_loc;  /* in the old schema */
  const char *against;      /* label of the old version it was found against ("" when only one) */
  bool allowed;             /* accepted break: reported, but does not fail the check */
  const char *allow_reason; /* why it is accepted (from the comment or config), NULL when not allowed */
} evs_compat_finding;

/* A rename applied to the old schema's names before pairing: `from` -> `to`. It covers the name itself and
 * everything nested under it ("a.v1" -> "a.v2" maps "a.v1.Msg.field" to "a.v2.Msg.field"). */
typedef struct evs_compat_rename {
  const char *from;
  const char *to;
} evs_compat_rename;

typedef struct evs_compat_options {
  evs_compat_level level; /* 0 means EVS_COMPAT_LEVEL_WIRE_JSON */
  evs_compat_mode mode;   /* for evs_compat_check_versions(); evs_compat_check() uses only its direction */
  /* Package renames (old package prefix -> new one), e.g. {"evs.events.todo.v1", "evs.events.todo.v2"}. */
  const evs_compat_rename *packages;
  size_t n_packages;
  /* Message pairs (old full name -> new full name). When any is given, only these messages (with their
   * nested types) are compared, plus their renamed type references. */
  const evs_compat_rename *messages;
  size_t n_messages;
  /* Honour `evs:allow-breaking RULE_ID reason` comments on elements of the new schema (default on; set
   * to true to ignore them). */
  bool ignore_allow_comments;
  /* When n_rules > 0, exactly these rule IDs run and `level` is not used (a buf.yaml's `use` minus
   * `except`: evs_compat_buf_config_rules()). IDs evs does not know are ignored. */
  const char *const *rules;
  size_t n_rules;
} evs_compat_options;

typedef struct evs_compat_report evs_compat_report;

/* The rule table, sorted by ID: evs_compat_rule_at(0 .. count-1); NULL past the end. Static data. */
EVS_API size_t evs_compat_rule_count(void);
EVS_API const evs_compat_rule_info *evs_compat_rule_at(size_t i);
/* A rule by ID, NULL when unknown. */
EVS_API const evs_compat_rule_info *evs_compat_rule_find(const char *id);

/* Compares `prev` (old) with `cur` (new) under opts (NULL: wire-json, backward) and returns the findings
 * in *out (sorted by new file, line, column, rule, message; duplicates removed). The direction comes from
 * opts->mode (transitive modes act as their plain form). Errors: EVS_ERR_INVALID_ARG (NULL registry or
 * out, a --message name unknown on its side: EVS_ERR_NOT_FOUND), EVS_ERR_NOMEM. *out is NULL on error. */
EVS_API EVS_NODISCARD evs_status evs_compat_check(const evs_registry *prev, const evs_registry *cur,
                                                  const evs_compat_options *opts, evs_compat_report **out,
                                                  evs_error *err);

/* Checks versions[n-1] (the newest) against versions[n-2] (non-transitive modes) or against every
 * versions[i], i < n-1 (transitive modes), oldest first. labels[i] names version i in findings (NULL:
 * "#i"; used only when n > 2). n must be >= 2. Errors as evs_compat_check(). */
EVS_API EVS_NODISCARD evs_status evs_compat_check_versions(const evs_registry *const *versions,
                                                           const char *const *labels, size_t n,
                                                           const evs_compat_options *opts,
                                                           evs_compat_report **out, evs_error *err);

/* Findings of a report, sorted; *n gets the count (allowed ones included). */
EVS_API const evs_compat_finding *evs_compat_report_findings(const evs_compat_report *r, size_t *n);
/* Number of findings that are not allowed: 0 means compatible. */
EVS_API size_t evs_compat_report_violations(const evs_compat_report *r);

/* Accepted breaks from a config file: each line is `RULE_ID PATTERN [reason...]`, `#` starts a comment.
 * RULE_ID may be `*`; PATTERN is an fnmatch(3) glob matched against the finding's new file path and
 * against its element full name. Marks matching findings allowed. Errors: EVS_ERR_IO (cannot read),
 * EVS_ERR_SYNTAX (a line without a pattern, an unknown rule ID; err has the line). */
EVS_API EVS_NODISCARD evs_status evs_compat_report_allow_file(evs_compat_report *r, const char *path,
                                                              evs_error *err);
/* One accepted break (as one config line). */
EVS_API EVS_NODISCARD evs_status evs_compat_report_allow(evs_compat_report *r, const char *rule_id,
                                                         const char *pattern, const char *reason,
                                                         evs_error *err);

/* Keeps only the findings for which keep(f, ctx) is true (in order). */
EVS_API void evs_compat_report_retain(evs_compat_report *r,
                                      bool (*keep)(const evs_compat_finding *f, void *ctx), void *ctx);
/* Shows new-side locations in file `from` as `to` (e.g. the path as seen from the working directory
 * rather than from the import root), and sorts again. Errors: EVS_ERR_INVALID_ARG, EVS_ERR_NOMEM. */
EVS_API EVS_NODISCARD evs_status evs_compat_report_rename_file(evs_compat_report *r, const char *from,
                                                               const char *to, evs_error *err);

EVS_API void evs_compat_report_free(evs_compat_report *r);

/* ---- buf.yaml ---- */

/* The `breaking` section of a buf.yaml (version v1beta1, v1 or v2): the rules `use` (rule IDs and the
 * categories WIRE, WIRE_JSON, PACKAGE, FILE; buf's default FILE when absent) minus `except`, and the paths
 * of `ignore` and `ignore_only`. In v2, ignore paths are relative to buf.yaml's directory and a module's
 * `path` is removed from them; the top-level breaking section applies, else the first module's. */
typedef struct evs_compat_buf_config evs_compat_buf_config;

/* Parses the YAML subset buf.yaml uses (block maps and lists, flow lists of scalars, comments, quoted
 * scalars). Errors: EVS_ERR_IO, EVS_ERR_SYNTAX (err has the file and line), EVS_ERR_NOMEM. */
EVS_API EVS_NODISCARD evs_status evs_compat_buf_config_read(const char *path, evs_compat_buf_config **out,
                                                            evs_error *err);
/* True when the file's first significant line is a `key:` line (a buf.yaml), false for an accepted-breaks
 * file (`RULE_ID PATTERN`) or an unreadable one. */
EVS_API bool evs_compat_config_is_buf_yaml(const char *path);
/* The selected rule IDs evs has (for evs_compat_options.rules); the `use` entries evs has no rule for. */
EVS_API const char *const *evs_compat_buf_config_rules(const evs_compat_buf_config *c, size_t *n);
EVS_API const char *const *evs_compat_buf_config_unknown_rules(const evs_compat_buf_config *c, size_t *n);
/* Drops the findings whose file (new side, else old side) is under an `ignore` path, or under an
 * `ignore_only` path of their rule or of one of its categories. */
EVS_API void evs_compat_report_apply_buf_config(evs_compat_report *r, const evs_compat_buf_config *c);
EVS_API void evs_compat_buf_config_free(evs_compat_buf_config *c);
/* file is dir itself or below it ("." and "" hold everything). */
EVS_API bool evs_compat_path_under(const char *file, const char *dir);

/* Output formats. */
typedef enum evs_compat_format {
  EVS_COMPAT_FORMAT_TEXT = 0, /* file:line:col: RULE_ID: message  (sorted, one per line) */
  EVS_COMPAT_FORMAT_JSON,     /* one JSON object per line, both locations */
  EVS_COMPAT_FORMAT_GITHUB,   /* GitHub Actions workflow commands (::error file=...) */
  EVS_COMPAT_FORMAT_JUNIT     /* JUnit XML, one test case per finding */
} evs_compat_format;

/* Writes the report to `out`. Errors: EVS_ERR_INVALID_ARG, EVS_ERR_IO (a write failed). */
EVS_API EVS_NODISCARD evs_status evs_compat_report_write(const evs_compat_report *r, evs_compat_format format,
                                                         FILE *out, evs_error *err);

/* ---- inputs ---- */

/* Reads one side of a comparison as a serialized FileDescriptorSet (with imports and source info):
 *  - "git:REF" or "git:REF:PATH": PATH (a directory of .proto files or a descriptor set file; default the
 *    repository root) as committed at REF, read with `git archive` / `git show` in the current directory's
 *    repository, never touching the working tree;
 *  - a directory: every *.proto file under it (recursively, hidden directories skipped) compiled with
 *    protoc, -I DIR first, then each import_dirs[i];
 *  - a .proto file: that file, compiled with -I of its directory and import_dirs;
 *  - any other file: a descriptor set (protoc --descriptor_set_out, buf build -o).
 * protoc is $EVS_PROTOC or `protoc` on PATH; git is `git` on PATH. *data is malloc'd (free with free()).
 * Directory walks read each directory once and follow a symlink only when it resolves inside the input root
 * (a git tree: every link of the extracted tree must); only regular files reach protoc. Temporaries go
 * into a directory under $TMPDIR that is removed before returning; a caller that may be killed by a
 * signal points $TMPDIR at a directory of its own and removes it (as `evs breaking` does).
 * Errors: EVS_ERR_INVALID_ARG (a symlink loop, a link out of the input root, a FIFO or device named
 * .proto), EVS_ERR_IO (missing path, git or protoc failed to run), EVS_ERR_SYNTAX (protoc rejected a .proto:
 * err has its first message, file, line and column), EVS_ERR_LIMIT (a set file larger than
 * EVS_REGISTRY_MAX_SET_SIZE), EVS_ERR_NOT_FOUND (no .proto files, unknown git
 * ref or path), EVS_ERR_NOMEM. */
EVS_API EVS_NODISCARD evs_status evs_compat_input_read(const char *spec, const char *const *import_dirs,
                                                       size_t n_import_dirs, uint8_t **data, size_t *len,
                                                       evs_error *err);

/* evs_compat_input_read() into a new registry (*out; free with evs_registry_free()), without the
 * SourceCodeInfo locations a check never reads (names, types, numbers), which saves memory and load time.
 * Extra errors: those of evs_registry_add_descriptor_set() (EVS_ERR_DESCRIPTOR for a bad set, an empty
 * one included: it would otherwise compare as "nothing changed"). */
EVS_API EVS_NODISCARD evs_status evs_compat_input_load(const char *spec, const char *const *import_dirs,
                                                       size_t n_import_dirs, evs_registry **out,
                                                       evs_error *err);

/* As evs_compat_input_read() / evs_compat_input_load(), and *diag (when diag is not NULL) gets everything
 * protoc wrote to stderr - all its errors and warnings, where err has only the first - malloc'd (free with
 * free()), NULL when protoc did not run or wrote nothing; set on success (warnings) and on failure. */
EVS_API EVS_NODISCARD evs_status evs_compat_input_read_diag(const char *spec, const char *const *import_dirs,
                                                            size_t n_import_dirs, uint8_t **data, size_t *len,
                                                            char **diag, evs_error *err);
EVS_API EVS_NODISCARD evs_status evs_compat_input_load_diag(const char *spec, const char *const *import_dirs,
                                                            size_t n_import_dirs, evs_registry **out,
                                                            char **diag, evs_error *err);

EVS_EXTERN_C_END

#endif
