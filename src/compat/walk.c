/* Pairing: every rule sees matched pairs only. Messages and enums pair by full name (hash lookups in the
 * new registry), fields and enum values by number (both sides are sorted by number, so a linear merge),
 * services by full name, methods by name. Cost: O(elements) lookups, no quadratic step. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compat/compat_internal.h"

void evs_cx_report(evs_cx *cx, const char *element, const evs_source_info *cur, const evs_source_info *prev,
                   const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!evs_report_add(cx->report, cx->rule->info.id, element, msg, cur, prev, cx->against,
                      !cx->opts->ignore_allow_comments))
    cx->nomem = true;
}

static const char *apply(const evs_compat_rename *r, size_t n, const char *name, char *buf, size_t cap) {
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(r[i].from);
    if (strncmp(name, r[i].from, len) != 0 || (name[len] && name[len] != '.')) continue;
    int w = snprintf(buf, cap, "%s%s", r[i].to, name + len);
    if (w >= 0 && (size_t)w < cap) return buf;
  }
  return NULL;
}

const char *evs_cx_map_name(const evs_cx *cx, const char *old_name, char *buf, size_t n) {
  const char *m = apply(cx->opts->messages, cx->opts->n_messages, old_name, buf, n);
  if (!m) m = apply(cx->opts->packages, cx->opts->n_packages, old_name, buf, n);
  return m ? m : old_name;
}

bool evs_cx_same_type_name(const evs_cx *cx, const char *old_name, const char *new_name) {
  char buf[1024];
  return strcmp(evs_cx_map_name(cx, old_name, buf, sizeof buf), new_name) == 0;
}

/* With --message pairs, only those messages and what is nested in them are compared. */
static bool in_scope(const evs_cx *cx, const char *old_name) {
  if (!cx->opts->n_messages) return true;
  for (size_t i = 0; i < cx->opts->n_messages; i++) {
    size_t len = strlen(cx->opts->messages[i].from);
    if (strncmp(old_name, cx->opts->messages[i].from, len) == 0 && (!old_name[len] || old_name[len] == '.'))
      return true;
  }
  return false;
}

typedef struct rule_lists {
  const evs_compat_rule *by_kind[EVS_PAIR_METHOD + 1][64];
  size_t n[EVS_PAIR_METHOD + 1];
} rule_lists;

/* An explicit rule list (a buf.yaml's use / except) replaces the level's categories. */
static bool rule_selected(const evs_cx *cx, const evs_compat_rule *r) {
  if (!cx->opts->n_rules) return (r->info.categories & cx->cats) != 0;
  for (size_t i = 0; i < cx->opts->n_rules; i++)
    if (strcmp(cx->opts->rules[i], r->info.id) == 0) return true;
  return false;
}

static void select_rules(const evs_cx *cx, rule_lists *rl) {
  memset(rl->n, 0, sizeof rl->n);
  for (size_t i = 0; i < evs_k_n_rules; i++) {
    const evs_compat_rule *r = &evs_k_rules[i];
    if (!rule_selected(cx, r)) continue;
    if (rl->n[r->kind] < 64) rl->by_kind[r->kind][rl->n[r->kind]++] = r;
  }
}

static void walk_fields(evs_cx *cx, const rule_lists *rl, const evs_message *pm, const evs_message *cm) {
  size_t nf = rl->n[EVS_PAIR_FIELD];
  if (!nf) return;
  size_t i = 0, j = 0;
  while (i < pm->n_fields && j < cm->n_fields) {
    const evs_field *pf = &pm->fields[i], *cf = &cm->fields[j];
    if (pf->number < cf->number) {
      i++;
    } else if (pf->number > cf->number) {
      j++;
    } else {
      for (size_t k = 0; k < nf; k++) {
        cx->rule = rl->by_kind[EVS_PAIR_FIELD][k];
        cx->rule->fn.field(cx, pf, cf);
      }
      i++;
      j++;
    }
  }
}

static void walk_messages(evs_cx *cx, const rule_lists *rl) {
  if (!rl->n[EVS_PAIR_MESSAGE] && !rl->n[EVS_PAIR_FIELD]) return;
  size_t n = 0;
  const evs_message *const *msgs = evs_registry_messages(cx->prev, &n);
  char buf[1024];
  for (size_t i = 0; i < n && !cx->nomem; i++) {
    const evs_message *pm = msgs[i];
    if (!in_scope(cx, pm->full_name)) continue;
    const evs_message *cm =
        evs_registry_find_message(cx->cur, evs_cx_map_name(cx, pm->full_name, buf, sizeof buf));
    if (!cm) continue;
    for (size_t k = 0; k < rl->n[EVS_PAIR_MESSAGE]; k++) {
      cx->rule = rl->by_kind[EVS_PAIR_MESSAGE][k];
      cx->rule->fn.message(cx, pm, cm);
    }
    walk_fields(cx, rl, pm, cm);
  }
}

static void walk_values(evs_cx *cx, const rule_lists *rl, const evs_enum *pe, const evs_enum *ce) {
  size_t nv = rl->n[EVS_PAIR_VALUE];
  if (!nv) return;
  size_t i = 0, j = 0;
  while (i < pe->n_by_number && j < ce->n_by_number) {
    int32_t a = pe->by_number[i]->number, b = ce->by_number[j]->number;
    if (a < b) {
      i++;
    } else if (a > b) {
      j++;
    } else {
      evs_value_group pg = {pe, pe->by_number[i], a}, cg = {ce, ce->by_number[j], b};
      for (size_t k = 0; k < nv; k++) {
        cx->rule = rl->by_kind[EVS_PAIR_VALUE][k];
        cx->rule->fn.value(cx, &pg, &cg);
      }
      i++;
      j++;
    }
  }
}

static void walk_enums(evs_cx *cx, const rule_lists *rl) {
  if (!rl->n[EVS_PAIR_ENUM] && !rl->n[EVS_PAIR_VALUE]) return;
  size_t n = 0;
  const evs_enum *const *enums = evs_registry_enums(cx->prev, &n);
  char buf[1024];
  for (size_t i = 0; i < n && !cx->nomem; i++) {
    const evs_enum *pe = enums[i];
    if (!in_scope(cx, pe->full_name)) continue;
    const evs_enum *ce = evs_registry_find_enum(cx->cur, evs_cx_map_name(cx, pe->full_name, buf, sizeof buf));
    if (!ce) continue;
    for (size_t k = 0; k < rl->n[EVS_PAIR_ENUM]; k++) {
      cx->rule = rl->by_kind[EVS_PAIR_ENUM][k];
      cx->rule->fn.enm(cx, pe, ce);
    }
    walk_values(cx, rl, pe, ce);
  }
}

static void walk_files(evs_cx *cx, const rule_lists *rl) {
  if (!rl->n[EVS_PAIR_FILE]) return;
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(cx->prev, &n);
  for (size_t i = 0; i < n; i++) {
    const evs_file *cf = evs_registry_find_file(cx->cur, files[i]->name);
    if (!cf) continue;
    for (size_t k = 0; k < rl->n[EVS_PAIR_FILE]; k++) {
      cx->rule = rl->by_kind[EVS_PAIR_FILE][k];
      cx->rule->fn.file(cx, files[i], cf);
    }
  }
}

static void walk_services(evs_cx *cx, const rule_lists *rl) {
  if (!rl->n[EVS_PAIR_SERVICE] && !rl->n[EVS_PAIR_METHOD]) return;
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(cx->prev, &n);
  char buf[1024];
  for (size_t i = 0; i < n && !cx->nomem; i++) {
    const Google__Protobuf__FileDescriptorProto *fd = files[i]->proto;
    for (size_t s = 0; s < fd->n_service; s++) {
      evs_svc ps = {fd->service[s], files[i], NULL, s};
      char name[1024];
      const char *pkg = files[i]->package;
      snprintf(name, sizeof name, "%s%s%s", pkg, *pkg ? "." : "",
               fd->service[s]->name ? fd->service[s]->name : "");
      ps.full_name = name;
      const char *cname = evs_cx_map_name(cx, name, buf, sizeof buf);
      const evs_svc *cs = evs_hmap_get(&cx->cur_services, cname, strlen(cname));
      if (!cs) continue;
      for (size_t k = 0; k < rl->n[EVS_PAIR_SERVICE]; k++) {
        cx->rule = rl->by_kind[EVS_PAIR_SERVICE][k];
        cx->rule->fn.service(cx, &ps, cs);
      }
      for (size_t m = 0; m < ps.proto->n_method; m++) {
        const char *mname = ps.proto->method[m]->name ? ps.proto->method[m]->name : "";
        for (size_t m2 = 0; m2 < cs->proto->n_method; m2++) {
          const char *cname2 = cs->proto->method[m2]->name ? cs->proto->method[m2]->name : "";
          if (strcmp(mname, cname2) != 0) continue;
          evs_method pmeth = {ps.proto->method[m], &ps, m}, cmeth = {cs->proto->method[m2], cs, m2};
          for (size_t k = 0; k < rl->n[EVS_PAIR_METHOD]; k++) {
            cx->rule = rl->by_kind[EVS_PAIR_METHOD][k];
            cx->rule->fn.method(cx, &pmeth, &cmeth);
          }
          break;
        }
      }
    }
  }
}

/* Services of the new schema by full name (services are few; names live in a pool owned by cx). */
static bool index_services(evs_cx *cx, evs_arena *pool) {
  size_t n = 0, total = 0;
  const evs_file *const *files = evs_registry_files(cx->cur, &n);
  for (size_t i = 0; i < n; i++) total += files[i]->proto->n_service;
  evs_hmap_init(&cx->cur_services);
  if (!total) return true;
  cx->svcs = evs_arena_calloc(pool, total, sizeof *cx->svcs);
  if (!cx->svcs || !evs_hmap_reserve(&cx->cur_services, total)) return false;
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__FileDescriptorProto *fd = files[i]->proto;
    for (size_t s = 0; s < fd->n_service; s++) {
      const char *pkg = files[i]->package, *sname = fd->service[s]->name ? fd->service[s]->name : "";
      char *full = evs_arena_printf(pool, "%s%s%s", pkg, *pkg ? "." : "", sname);
      if (!full) return false;
      evs_svc *sv = &cx->svcs[cx->n_svcs++];
      *sv = (evs_svc){fd->service[s], files[i], full, s};
      evs_hmap_put(&cx->cur_services, full, strlen(full), sv);
    }
  }
  return true;
}

void evs_walk(evs_cx *cx) {
  rule_lists rl;
  select_rules(cx, &rl);
  evs_arena pool = EVS_ARENA_INIT;
  if (!cx->opts->n_messages) {
    if (!index_services(cx, &pool)) cx->nomem = true;
    for (size_t k = 0; k < rl.n[EVS_PAIR_SET] && !cx->nomem; k++) {
      cx->rule = rl.by_kind[EVS_PAIR_SET][k];
      cx->rule->fn.set(cx);
    }
    if (!cx->nomem) walk_files(cx, &rl);
    if (!cx->nomem) walk_services(cx, &rl);
  }
  if (!cx->nomem) walk_messages(cx, &rl);
  if (!cx->nomem && !cx->opts->n_messages)
    evs_walk_extensions(cx, rl.by_kind[EVS_PAIR_FIELD], rl.n[EVS_PAIR_FIELD]);
  if (!cx->nomem) walk_enums(cx, &rl);
  evs_hmap_free(&cx->cur_services);
  evs_arena_release(&pool);
  cx->svcs = NULL;
  cx->n_svcs = 0;
}
