/* The `breaking` section of a buf.yaml (v1, v1beta1 and v2): `use`, `except`, `ignore`, `ignore_only`.
 * buf.yaml needs only a small part of YAML: block maps, block lists (of scalars or of maps, as v2's
 * `modules`), flow lists of scalars (`use: [FILE]`), comments and quoted scalars. That subset is parsed
 * here rather than adding a YAML library; anything outside it (anchors, multi-line scalars, tabs for
 * indentation) is a syntax error naming the line, never a silently different config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "compat/compat_internal.h"
#include "base/protoc_internal.h"
#include "base/grow_internal.h"

typedef enum ykind { Y_NULL, Y_SCALAR, Y_MAP, Y_LIST } ykind;

typedef struct ynode {
  ykind kind;
  char *scalar;
  char **keys; /* Y_MAP: keys[i] names kids[i] */
  struct ynode **kids;
  size_t n;
  uint32_t line;
} ynode;

typedef struct yline {
  int indent;
  char *text; /* after the indentation, comment and trailing blanks removed */
  uint32_t line;
} yline;

typedef struct yparser {
  yline *lines;
  size_t n, pos;
  const char *path;
  evs_error *err;
  bool failed;
} yparser;

static void ynode_free(ynode *y) {
  if (!y) return;
  for (size_t i = 0; i < y->n; i++) {
    if (y->keys) evs_free(y->keys[i]);
    ynode_free(y->kids[i]);
  }
  evs_free(y->keys);
  evs_free(y->kids);
  evs_free(y->scalar);
  evs_free(y);
}

static ynode *yfail(yparser *p, uint32_t line, const char *what) {
  if (!p->failed) {
    evs_error_where(p->err, p->path, NULL);
    evs_fail(p->err, EVS_ERR_SYNTAX, "buf.yaml: %s", what);
    evs_error_at(p->err, EVS_NO_OFFSET, line, 1);
  }
  p->failed = true;
  return NULL;
}

static ynode *ynew(yparser *p, ykind kind, uint32_t line) {
  ynode *y = evs_calloc(1, sizeof *y);
  if (!y) {
    if (!p->failed) evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
    p->failed = true;
    return NULL;
  }
  y->kind = kind;
  y->line = line;
  return y;
}

static bool yadd(yparser *p, ynode *parent, char *key, ynode *kid) {
  ynode **kids = evs_realloc(parent->kids, (parent->n + 1) * sizeof *kids);
  if (kids) parent->kids = kids;
  char **keys =
      parent->kind == Y_MAP && kids ? evs_realloc(parent->keys, (parent->n + 1) * sizeof *keys) : NULL;
  if (keys) parent->keys = keys;
  if (!kids || (parent->kind == Y_MAP && !keys)) {
    evs_free(key);
    ynode_free(kid);
    if (!p->failed) evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
    p->failed = true;
    return false;
  }
  if (keys) keys[parent->n] = key;
  kids[parent->n++] = kid;
  return true;
}

/* A scalar: quotes removed ('' inside single quotes, \" and \\ inside double quotes). */
static ynode *yscalar(yparser *p, const char *s, size_t len, uint32_t line) {
  ynode *y = ynew(p, Y_SCALAR, line);
  if (!y) return NULL;
  y->scalar = evs_malloc(len + 1);
  if (!y->scalar) {
    ynode_free(y);
    return yfail(p, line, "out of memory");
  }
  char q = len >= 2 && (s[0] == '\'' || s[0] == '"') && s[len - 1] == s[0] ? s[0] : 0;
  size_t w = 0;
  for (size_t i = q ? 1 : 0; i < (q ? len - 1 : len); i++) {
    if (q == '\'' && s[i] == '\'' && s[i + 1] == '\'')
      i++;
    else if (q == '"' && s[i] == '\\' && i + 1 < len - 1)
      i++;
    y->scalar[w++] = s[i];
  }
  y->scalar[w] = '\0';
  if (!q && (s[0] == '&' || s[0] == '*' || s[0] == '|' || s[0] == '>' || s[0] == '{')) {
    ynode_free(y);
    return yfail(p, line, "anchors, aliases, block scalars and flow maps are not supported");
  }
  return y;
}

/* `[a, b, "c"]`: a flow list of scalars. */
static ynode *yflow(yparser *p, const char *s, uint32_t line) {
  size_t len = strlen(s);
  if (len < 2 || s[len - 1] != ']') return yfail(p, line, "a flow list must end with ']' on its line");
  ynode *list = ynew(p, Y_LIST, line);
  const char *q = s + 1, *end = s + len - 1;
  while (list && q < end) {
    while (q < end && (*q == ' ' || *q == ',')) q++;
    if (q >= end) break;
    const char *start = q;
    if (*q == '"' || *q == '\'') {
      char quote = *q++;
      while (q < end && *q != quote) q++;
      if (q < end) q++;
    } else {
      while (q < end && *q != ',') q++;
    }
    size_t n = (size_t)(q - start);
    while (n && start[n - 1] == ' ') n--;
    ynode *item = yscalar(p, start, n, line);
    if (!item || !yadd(p, list, NULL, item)) {
      ynode_free(list);
      return NULL;
    }
  }
  return list;
}

static ynode *yvalue(yparser *p, const char *v, uint32_t line) {
  if (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0) return ynew(p, Y_NULL, line);
  if (*v == '[') return yflow(p, v, line);
  return yscalar(p, v, strlen(v), line);
}

static ynode *yblock(yparser *p, int indent);

/* The value of a key whose line ends in ':': a block below it, a list at the key's own indentation (YAML
 * allows `key:\n- item`), or nothing. */
static ynode *ychild(yparser *p, int indent, uint32_t line) {
  if (p->pos < p->n) {
    yline *l = &p->lines[p->pos];
    if (l->indent > indent ||
        (l->indent == indent && l->text[0] == '-' && (!l->text[1] || l->text[1] == ' ')))
      return yblock(p, l->indent);
  }
  return ynew(p, Y_NULL, line);
}

/* The ':' that ends the key of `key: value` (the key possibly quoted); NULL when there is none. */
static char *ycolon(char *text) {
  char *c = text;
  if (*c == '"' || *c == '\'') {
    char q = *c++;
    while (*c && *c != q) c++;
    if (*c) c++;
  }
  for (; *c; c++)
    if (*c == ':' && (!c[1] || c[1] == ' ')) return c;
  return NULL;
}

/* Splits `key: value`; false when the line is not a map entry. */
static bool ysplit(char *text, char **key, char **value) {
  char *c = ycolon(text);
  if (!c) return false;
  *c = '\0';
  *key = text;
  char *v = c + 1;
  while (*v == ' ') v++;
  *value = v;
  return true;
}

static ynode *yblock(yparser *p, int indent) {
  yline *first = &p->lines[p->pos];
  bool is_list = first->text[0] == '-' && (!first->text[1] || first->text[1] == ' ');
  ynode *y = ynew(p, is_list ? Y_LIST : Y_MAP, first->line);
  while (y && !p->failed && p->pos < p->n) {
    yline *l = &p->lines[p->pos];
    if (l->indent < indent) break;
    if (l->indent > indent) return ynode_free(y), yfail(p, l->line, "unexpected indentation");
    bool item = l->text[0] == '-' && (!l->text[1] || l->text[1] == ' ');
    if (item != is_list) return ynode_free(y), yfail(p, l->line, "a list item and a map key at one level");
    if (is_list) {
      char *rest = l->text + 1;
      while (*rest == ' ') rest++;
      ynode *kid;
      if (!*rest) {
        p->pos++;
        kid = ychild(p, indent, l->line);
      } else if (*rest != '"' && *rest != '\'' && *rest != '[' && ycolon(rest)) {
        /* `- key: value`: a map whose first key sits after the dash; the line is re-read as that key. */
        l->indent = indent + (int)(rest - l->text);
        l->text = rest;
        kid = yblock(p, l->indent);
      } else {
        p->pos++;
        kid = yvalue(p, rest, l->line);
      }
      if (!kid || !yadd(p, y, NULL, kid)) return ynode_free(y), NULL;
    } else {
      char *k, *v;
      if (!ysplit(l->text, &k, &v)) return ynode_free(y), yfail(p, l->line, "expected 'key: value'");
      ynode *ks = yscalar(p, k, strlen(k), l->line);
      if (!ks) return ynode_free(y), NULL;
      char *key = ks->scalar;
      ks->scalar = NULL;
      ynode_free(ks);
      p->pos++;
      ynode *kid = *v ? yvalue(p, v, l->line) : ychild(p, indent, l->line);
      if (!kid || !yadd(p, y, key, kid)) return ynode_free(y), NULL;
    }
  }
  if (p->failed) {
    ynode_free(y);
    return NULL;
  }
  return y;
}

/* Cuts the text into lines: indentation counted, comments (a '#' at the start or after a blank, outside
 * quotes) and trailing blanks removed, blank lines and document markers skipped. */
static bool ylines(yparser *p, char *text) {
  size_t cap = 0;
  uint32_t lineno = 0;
  for (char *line = text; line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    lineno++;
    int indent = 0;
    while (line[indent] == ' ') indent++;
    if (line[indent] == '\t') return yfail(p, lineno, "tabs are not allowed for indentation"), false;
    char *t = line + indent;
    char quote = 0;
    for (char *c = t; *c; c++) {
      if (quote) {
        if (*c == quote) quote = 0;
      } else if (*c == '"' || *c == '\'') {
        if (c == t || c[-1] == ' ' || c[-1] == '[' || c[-1] == ',') quote = *c;
      } else if (*c == '#' && (c == t || c[-1] == ' ')) {
        *c = '\0';
        break;
      }
    }
    size_t len = strlen(t);
    while (len && (t[len - 1] == ' ' || t[len - 1] == '\r' || t[len - 1] == '\t')) t[--len] = '\0';
    if (len && strcmp(t, "---") != 0) {
      yline *v = evs_grow(p->lines, &cap, p->n, sizeof *v, 32);
      if (!v) return yfail(p, lineno, "out of memory"), false;
      p->lines = v;
      p->lines[p->n++] = (yline){indent, t, lineno};
    }
    line = nl ? nl + 1 : NULL;
  }
  return true;
}

static const ynode *yget(const ynode *map, const char *key) {
  if (!map || map->kind != Y_MAP) return NULL;
  for (size_t i = 0; i < map->n; i++)
    if (strcmp(map->keys[i], key) == 0) return map->kids[i];
  return NULL;
}

/* ---- the config ---- */

typedef struct ignore_only {
  char *rule; /* a rule ID or a category (FILE, PACKAGE, WIRE, WIRE_JSON) */
  evs_strvec paths;
} ignore_only;

struct evs_compat_buf_config {
  evs_strvec rules;   /* selected rule IDs evs knows */
  evs_strvec unknown; /* `use` entries evs has no rule for */
  evs_strvec ignore;
  ignore_only *only;
  size_t n_only;
  evs_strvec modules; /* v2 module paths: ignore paths are relative to buf.yaml, file paths to the module */
};

void evs_compat_buf_config_free(evs_compat_buf_config *c) {
  if (!c) return;
  evs_strvec_free(&c->rules);
  evs_strvec_free(&c->unknown);
  evs_strvec_free(&c->ignore);
  for (size_t i = 0; i < c->n_only; i++) {
    evs_free(c->only[i].rule);
    evs_strvec_free(&c->only[i].paths);
  }
  evs_free(c->only);
  evs_strvec_free(&c->modules);
  evs_free(c);
}

static unsigned category_bit(const char *name) {
  if (strcmp(name, "WIRE") == 0) return EVS_COMPAT_CAT_WIRE;
  if (strcmp(name, "WIRE_JSON") == 0) return EVS_COMPAT_CAT_WIRE_JSON;
  if (strcmp(name, "PACKAGE") == 0) return EVS_COMPAT_CAT_PACKAGE;
  if (strcmp(name, "FILE") == 0) return EVS_COMPAT_CAT_FILE;
  return 0;
}

/* A path as buf writes it, without "./" in front or "/" behind. */
static char *clean_path(const char *s) {
  while (s[0] == '.' && s[1] == '/') s += 2;
  char *d = evs_strdup(s);
  size_t n = d ? strlen(d) : 0;
  while (n > 1 && d[n - 1] == '/') d[--n] = '\0';
  return d;
}

static evs_status scalars(yparser *p, const ynode *y, const char *what, evs_strvec *out, bool paths) {
  if (!y || y->kind == Y_NULL) return EVS_OK;
  if (y->kind != Y_LIST) return yfail(p, y->line, what), EVS_ERR_SYNTAX;
  for (size_t i = 0; i < y->n; i++) {
    if (y->kids[i]->kind != Y_SCALAR) return yfail(p, y->kids[i]->line, what), EVS_ERR_SYNTAX;
    const char *s = y->kids[i]->scalar;
    if (!evs_strvec_push(out, paths ? clean_path(s) : evs_strdup(s)))
      return evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
  }
  return EVS_OK;
}

static evs_status interpret(yparser *p, const ynode *root, evs_compat_buf_config *c) {
  if (!root || root->kind != Y_MAP) return yfail(p, 1, "expected a map at the top"), EVS_ERR_SYNTAX;
  const ynode *version = yget(root, "version");
  bool v2 = version && version->kind == Y_SCALAR && strcmp(version->scalar, "v2") == 0;
  if (version && (version->kind != Y_SCALAR ||
                  (!v2 && strcmp(version->scalar, "v1") != 0 && strcmp(version->scalar, "v1beta1") != 0)))
    return yfail(p, version->line, "version must be v1beta1, v1 or v2"), EVS_ERR_SYNTAX;
  const ynode *breaking = yget(root, "breaking");
  const ynode *modules = v2 ? yget(root, "modules") : NULL;
  if (modules && modules->kind == Y_LIST) {
    for (size_t i = 0; i < modules->n; i++) {
      const ynode *path = yget(modules->kids[i], "path");
      if (path && path->kind == Y_SCALAR && !evs_strvec_push(&c->modules, clean_path(path->scalar)))
        return evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
      /* One breaking section applies: the top-level one, else the first module's. */
      if (!breaking) breaking = yget(modules->kids[i], "breaking");
    }
  }
  if (breaking && breaking->kind != Y_MAP && breaking->kind != Y_NULL)
    return yfail(p, breaking->line, "breaking must be a map"), EVS_ERR_SYNTAX;
  evs_strvec use = {0}, except = {0};
  evs_status st =
      scalars(p, yget(breaking, "use"), "use must be a list of rule IDs or categories", &use, false);
  if (!st) st = scalars(p, yget(breaking, "except"), "except must be a list of rule IDs", &except, false);
  if (!st) st = scalars(p, yget(breaking, "ignore"), "ignore must be a list of paths", &c->ignore, true);
  if (!st && !use.n && !evs_strvec_push(&use, evs_strdup("FILE"))) /* buf's default */
    st = evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; !st && i < use.n; i++) {
    if (!category_bit(use.v[i]) && !evs_compat_rule_find(use.v[i]) &&
        !evs_strvec_push(&c->unknown, evs_strdup(use.v[i])))
      st = evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; !v2 && !st && i < use.n; i++) /* a v2 rule named in a v1 config: buf refuses it */
    if (strcmp(use.v[i], "FIELD_SAME_DEFAULT") == 0 && !evs_strvec_push(&c->unknown, evs_strdup(use.v[i])))
      st = evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
  for (size_t r = 0; !st && r < evs_compat_rule_count(); r++) {
    const evs_compat_rule_info *info = evs_compat_rule_at(r);
    /* buf's v1 and v1beta1 rule sets lack FIELD_SAME_DEFAULT (added in v2); the others are the same. */
    if (!v2 && strcmp(info->id, "FIELD_SAME_DEFAULT") == 0) continue;
    bool on = false;
    for (size_t i = 0; i < use.n; i++)
      on = on || strcmp(use.v[i], info->id) == 0 || (category_bit(use.v[i]) & info->categories);
    for (size_t i = 0; i < except.n; i++)
      on = on && strcmp(except.v[i], info->id) != 0 && !(category_bit(except.v[i]) & info->categories);
    if (on && !evs_strvec_push(&c->rules, evs_strdup(info->id)))
      st = evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
  }
  evs_strvec_free(&use);
  evs_strvec_free(&except);
  const ynode *only = yget(breaking, "ignore_only");
  if (!st && only && only->kind != Y_NULL) {
    if (only->kind != Y_MAP)
      return yfail(p, only->line, "ignore_only must map rule IDs to paths"), EVS_ERR_SYNTAX;
    c->only = evs_calloc(only->n ? only->n : 1, sizeof *c->only);
    if (!c->only) return evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < only->n; i++) {
      ignore_only *io = &c->only[c->n_only++];
      io->rule = evs_strdup(only->keys[i]);
      st = io->rule
               ? scalars(p, only->kids[i], "ignore_only entries must be lists of paths", &io->paths, true)
               : evs_fail(p->err, EVS_ERR_NOMEM, "out of memory");
    }
  }
  return st;
}

evs_status evs_compat_buf_config_read(const char *path, evs_compat_buf_config **out, evs_error *err) {
  evs_error_clear(err);
  if (!path || !out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_buf_config_read: NULL argument");
  *out = NULL;
  uint8_t *data = NULL;
  size_t len = 0;
  evs_status st = evs_read_set_file(path, &data, &len, err);
  if (st) return st;
  char *text = evs_realloc(data, len + 1);
  if (!text) {
    evs_free(data);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  text[len] = '\0';
  yparser p = {NULL, 0, 0, path, err, false};
  evs_compat_buf_config *c = evs_calloc(1, sizeof *c);
  ynode *root = NULL;
  if (!c) {
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  } else if (strlen(text) != len) {
    yfail(&p, 1, "contains a NUL byte");
  } else if (ylines(&p, text)) {
    root = p.n ? yblock(&p, p.lines[0].indent) : ynew(&p, Y_MAP, 1);
    if (root && p.pos < p.n) yfail(&p, p.lines[p.pos].line, "unexpected indentation");
    if (!p.failed) st = interpret(&p, root, c);
  }
  if (p.failed && !st) st = err->code ? err->code : EVS_ERR_SYNTAX;
  ynode_free(root);
  evs_free(p.lines);
  evs_free(text);
  if (st) {
    evs_compat_buf_config_free(c);
    return st;
  }
  *out = c;
  return EVS_OK;
}

bool evs_compat_config_is_buf_yaml(const char *path) {
  FILE *fp = path ? fopen(path, "r") : NULL;
  if (!fp) return false;
  char line[1024];
  bool yaml = false;
  while (fgets(line, sizeof line, fp)) {
    char *t = line + strspn(line, " \t");
    if (*t == '#' || *t == '\n' || *t == '\r' || !*t) continue;
    if (strncmp(t, "---", 3) == 0) continue;
    /* An accepted-breaks line starts `RULE_ID PATTERN`; a buf.yaml line starts `key:`. */
    size_t word = strcspn(t, " \t\r\n:");
    yaml = t[word] == ':';
    break;
  }
  fclose(fp);
  return yaml;
}

const char *const *evs_compat_buf_config_rules(const evs_compat_buf_config *c, size_t *n) {
  *n = c ? c->rules.n : 0;
  return c ? (const char *const *)c->rules.v : NULL;
}

const char *const *evs_compat_buf_config_unknown_rules(const evs_compat_buf_config *c, size_t *n) {
  *n = c ? c->unknown.n : 0;
  return c ? (const char *const *)c->unknown.v : NULL;
}

bool evs_compat_path_under(const char *file, const char *dir) {
  size_t n = strlen(dir);
  if (strcmp(dir, ".") == 0 || !n) return true;
  return strncmp(file, dir, n) == 0 && (file[n] == '\0' || file[n] == '/');
}

/* An ignore path names the file: relative to the module (v1) or to buf.yaml's directory (v2, where a
 * module's files sit under its path). */
static bool ignored_by(const evs_compat_buf_config *c, const evs_strvec *paths, const char *file) {
  for (size_t i = 0; i < paths->n; i++) {
    if (evs_compat_path_under(file, paths->v[i])) return true;
    for (size_t m = 0; m < c->modules.n; m++) {
      const char *mod = c->modules.v[m];
      size_t len = strlen(mod);
      if (strcmp(mod, ".") == 0) continue;
      if (strncmp(paths->v[i], mod, len) == 0 && paths->v[i][len] == '/' &&
          evs_compat_path_under(file, paths->v[i] + len + 1))
        return true;
    }
  }
  return false;
}

typedef struct keep_ctx {
  const evs_compat_buf_config *c;
} keep_ctx;

static bool keep_finding(const evs_compat_finding *f, void *ctx) {
  const evs_compat_buf_config *c = ((keep_ctx *)ctx)->c;
  const char *file = f->loc.file ? f->loc.file : f->prev_loc.file;
  if (!file) return true;
  if (ignored_by(c, &c->ignore, file)) return false;
  const evs_compat_rule_info *info = evs_compat_rule_find(f->rule_id);
  for (size_t i = 0; i < c->n_only; i++) {
    bool applies = strcmp(c->only[i].rule, f->rule_id) == 0 ||
                   (info && (category_bit(c->only[i].rule) & info->categories));
    if (applies && ignored_by(c, &c->only[i].paths, file)) return false;
  }
  return true;
}

void evs_compat_report_apply_buf_config(evs_compat_report *r, const evs_compat_buf_config *c) {
  keep_ctx k = {c};
  if (r && c) evs_compat_report_retain(r, keep_finding, &k);
}
