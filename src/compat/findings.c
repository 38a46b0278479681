/* The finding list: strings copied into the report's pool, sorted and deduplicated once at the end so that
 * no hash or walk order reaches the output; accepted breaks from comments and config files. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/grow_internal.h"
#include "compat/compat_internal.h"

evs_compat_report *evs_report_new(void) {
  return evs_calloc(1, sizeof(evs_compat_report));
}

void evs_compat_report_free(evs_compat_report *r) {
  if (!r) return;
  evs_arena_release(&r->pool);
  evs_free(r->items);
  evs_free(r);
}

static const char *dup(evs_compat_report *r, const char *s, bool *ok) {
  if (!s) return NULL;
  char *d = evs_arena_strndup(&r->pool, s, strlen(s));
  if (!d) *ok = false;
  return d;
}

/* Looks for `evs:allow-breaking RULE_ID reason...` on a line of `comment`; returns the reason (pool copy;
 * "" when none was given) or NULL when the comment does not accept rule_id. */
static const char *comment_allows(evs_compat_report *r, const char *comment, const char *rule_id, bool *ok) {
  static const char tag[] = "evs:allow-breaking";
  if (!comment) return NULL;
  size_t idlen = strlen(rule_id);
  for (const char *p = strstr(comment, tag); p; p = strstr(p + 1, tag)) {
    const char *q = p + sizeof tag - 1;
    while (*q == ' ' || *q == '\t') q++;
    const char *id = q;
    while (*q && *q != ' ' && *q != '\t' && *q != '\n') q++;
    if ((size_t)(q - id) != idlen || strncmp(id, rule_id, idlen) != 0) continue;
    while (*q == ' ' || *q == '\t') q++;
    const char *end = q;
    while (*end && *end != '\n') end++;
    while (end > q && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
    char *reason = evs_arena_strndup(&r->pool, q, (size_t)(end - q));
    if (!reason) *ok = false;
    return reason ? reason : "";
  }
  return NULL;
}

static evs_compat_loc loc_of(evs_compat_report *r, const evs_source_info *s, bool *ok) {
  evs_compat_loc l = {NULL, 0, 0};
  if (!s) return l;
  l.file = dup(r, s->file, ok);
  l.line = s->line;
  l.col = s->col;
  return l;
}

bool evs_report_add(evs_compat_report *r, const char *rule_id, const char *element, const char *message,
                    const evs_source_info *cur_src, const evs_source_info *prev_src, const char *against,
                    bool use_comments) {
  evs_compat_finding *items = evs_grow(r->items, &r->cap, r->n, sizeof *items, 64);
  if (!items) return false;
  r->items = items;
  bool ok = true;
  evs_compat_finding f;
  memset(&f, 0, sizeof f);
  f.rule_id = rule_id;
  f.element = dup(r, element ? element : "", &ok);
  f.message = dup(r, message, &ok);
  f.loc = loc_of(r, cur_src, &ok);
  f.prev_loc = loc_of(r, prev_src, &ok);
  f.against = dup(r, against ? against : "", &ok);
  if (use_comments && cur_src) {
    const char *why = comment_allows(r, cur_src->leading_comment, rule_id, &ok);
    if (!why) why = comment_allows(r, cur_src->trailing_comment, rule_id, &ok);
    if (why) {
      f.allowed = true;
      f.allow_reason = why;
    }
  }
  if (!ok) return false;
  r->items[r->n++] = f;
  r->sorted = false;
  return true;
}

static int cmp_str(const char *a, const char *b) {
  return strcmp(a ? a : "", b ? b : "");
}

static int cmp_u32(uint32_t a, uint32_t b) {
  return a < b ? -1 : a > b;
}

static int cmp_finding(const void *pa, const void *pb) {
  const evs_compat_finding *a = pa, *b = pb;
  /* Sorted by where each is shown: a finding without a new-side file (a deleted file) at its old place. */
  const evs_compat_loc *la = a->loc.file ? &a->loc : &a->prev_loc, *lb = b->loc.file ? &b->loc : &b->prev_loc;
  int c;
  if ((c = cmp_str(la->file, lb->file)) || (c = cmp_u32(la->line, lb->line)) ||
      (c = cmp_u32(la->col, lb->col)) || (c = strcmp(a->rule_id, b->rule_id)) ||
      (c = cmp_str(a->message, b->message)) || (c = cmp_str(a->element, b->element)) ||
      (c = cmp_str(a->against, b->against)))
    return c;
  return 0;
}

void evs_report_finish(evs_compat_report *r) {
  if (r->sorted || !r->n) return;
  qsort(r->items, r->n, sizeof *r->items, cmp_finding);
  size_t w = 0;
  for (size_t i = 0; i < r->n; i++) {
    /* Transitive checks find one break against several old versions: keep the first (oldest label). */
    if (w && strcmp(r->items[w - 1].rule_id, r->items[i].rule_id) == 0 &&
        cmp_str(r->items[w - 1].message, r->items[i].message) == 0 &&
        cmp_str(r->items[w - 1].loc.file, r->items[i].loc.file) == 0 &&
        r->items[w - 1].loc.line == r->items[i].loc.line && r->items[w - 1].loc.col == r->items[i].loc.col) {
      if (r->items[i].allowed && !r->items[w - 1].allowed) r->items[w - 1] = r->items[i];
      continue;
    }
    r->items[w++] = r->items[i];
  }
  r->n = w;
  r->sorted = true;
}

const evs_compat_finding *evs_compat_report_findings(const evs_compat_report *r, size_t *n) {
  if (n) *n = r ? r->n : 0;
  return r ? r->items : NULL;
}

size_t evs_compat_report_violations(const evs_compat_report *r) {
  size_t v = 0;
  for (size_t i = 0; r && i < r->n; i++) v += !r->items[i].allowed;
  return v;
}

evs_status evs_compat_report_allow(evs_compat_report *r, const char *rule_id, const char *pattern,
                                   const char *reason, evs_error *err) {
  if (!r || !rule_id || !pattern)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_report_allow: NULL argument");
  bool any = strcmp(rule_id, "*") == 0;
  if (!any && !evs_compat_rule_find(rule_id))
    return evs_fail(err, EVS_ERR_SYNTAX, "unknown rule ID '%s' (evs breaking --list-rules)", rule_id);
  const char *why = NULL;
  for (size_t i = 0; i < r->n; i++) {
    evs_compat_finding *f = &r->items[i];
    if (f->allowed || (!any && strcmp(f->rule_id, rule_id) != 0)) continue;
    const char *file = f->loc.file ? f->loc.file : f->prev_loc.file;
    if ((file && fnmatch(pattern, file, 0) == 0) || fnmatch(pattern, f->element, 0) == 0) {
      if (!why) {
        why = evs_arena_strndup(&r->pool, reason ? reason : "", reason ? strlen(reason) : 0);
        if (!why) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
      }
      f->allowed = true;
      f->allow_reason = why;
    }
  }
  return EVS_OK;
}

evs_status evs_compat_report_allow_file(evs_compat_report *r, const char *path, evs_error *err) {
  if (!r || !path) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_report_allow_file: NULL argument");
  FILE *fp = fopen(path, "r");
  if (!fp) {
    evs_error_where(err, path, NULL);
    return evs_fail(err, EVS_ERR_IO, "cannot open accepted-breaks file: %s", strerror(errno));
  }
  char line[2048];
  uint32_t lineno = 0;
  evs_status st = EVS_OK;
  while (!st && fgets(line, sizeof line, fp)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *save = NULL;
    char *id = strtok_r(line, " \t\r\n", &save);
    if (!id) continue;
    char *pattern = strtok_r(NULL, " \t\r\n", &save);
    char *reason = strtok_r(NULL, "\r\n", &save);
    while (reason && (*reason == ' ' || *reason == '\t')) reason++;
    if (!pattern) {
      st = evs_fail(err, EVS_ERR_SYNTAX, "expected 'RULE_ID PATTERN [reason]'");
    } else {
      st = evs_compat_report_allow(r, id, pattern, reason, err);
    }
    if (st) {
      evs_error_where(err, path, NULL);
      evs_error_at(err, EVS_NO_OFFSET, lineno, 1);
    }
  }
  if (!st && ferror(fp)) st = evs_fail(err, EVS_ERR_IO, "cannot read accepted-breaks file %s", path);
  fclose(fp);
  return st;
}

void evs_compat_report_retain(evs_compat_report *r, bool (*keep)(const evs_compat_finding *f, void *ctx),
                              void *ctx) {
  if (!r || !keep) return;
  size_t w = 0;
  for (size_t i = 0; i < r->n; i++)
    if (keep(&r->items[i], ctx)) r->items[w++] = r->items[i];
  r->n = w;
}

evs_status evs_compat_report_rename_file(evs_compat_report *r, const char *from, const char *to,
                                         evs_error *err) {
  if (!r || !from || !to)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_report_rename_file: NULL argument");
  const char *copy = NULL;
  for (size_t i = 0; i < r->n; i++) {
    if (!r->items[i].loc.file || strcmp(r->items[i].loc.file, from) != 0) continue;
    if (!copy && !(copy = evs_arena_strndup(&r->pool, to, strlen(to))))
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    r->items[i].loc.file = copy;
  }
  /* Sorted by file, the report may now be out of order: sort again, as every report is. */
  r->sorted = false;
  evs_report_finish(r);
  return EVS_OK;
}
