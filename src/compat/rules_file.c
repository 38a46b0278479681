/* Rules over whole schemas and files: deleted files, packages and top-level elements (generated-code
 * levels), a file's package and syntax, and services and RPCs (read from the raw descriptor protos: the
 * registry has no service views). */
#include <stdio.h>
#include <string.h>

#include "compat/compat_internal.h"

static evs_source_info file_src(const evs_file *f) {
  evs_source_info s;
  memset(&s, 0, sizeof s);
  s.file = f->name;
  s.line = 1;
  s.col = 1;
  return s;
}

/* Where a deleted element's report goes in the new schema: its nearest enclosing message that still
 * exists in the same file, else the file itself, else nowhere (the file is gone too). */
static evs_source_info deleted_at(const evs_cx *cx, const evs_message *old_parent, const char *old_file) {
  char buf[1024];
  for (const evs_message *m = old_parent; m; m = m->parent) {
    const evs_message *cm =
        evs_registry_find_message(cx->cur, evs_cx_map_name(cx, m->full_name, buf, sizeof buf));
    if (cm && strcmp(cm->file->name, old_file) == 0) return cm->src;
  }
  const evs_file *cf = evs_registry_find_file(cx->cur, old_file);
  if (cf) return file_src(cf);
  evs_source_info none;
  memset(&none, 0, sizeof none);
  return none;
}

void evs_rule_file_no_delete(evs_cx *cx) {
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(cx->prev, &n);
  for (size_t i = 0; i < n; i++) {
    if (evs_registry_find_file(cx->cur, files[i]->name)) continue;
    evs_source_info ps = file_src(files[i]);
    evs_cx_report(cx, files[i]->name, NULL, &ps, "file %s was deleted", files[i]->name);
  }
}

/* kind: 0 = per file, 1 = per package. */
static void messages_deleted(evs_cx *cx, int per_package) {
  size_t n = 0;
  const evs_message *const *msgs = evs_registry_messages(cx->prev, &n);
  char buf[1024], pkg[1024];
  for (size_t i = 0; i < n; i++) {
    const evs_message *pm = msgs[i];
    if (pm->map_entry) continue; /* deleting the map field is reported on the field */
    const evs_message *cm =
        evs_registry_find_message(cx->cur, evs_cx_map_name(cx, pm->full_name, buf, sizeof buf));
    if (per_package) {
      const char *want = evs_cx_map_name(cx, pm->file->package, pkg, sizeof pkg);
      if (cm && strcmp(cm->file->package, want) == 0) continue;
    } else if ((cm && strcmp(cm->file->name, pm->file->name) == 0) ||
               !evs_registry_find_file(cx->cur, pm->file->name)) {
      continue; /* per file: a deleted file is FILE_NO_DELETE's */
    }
    evs_source_info at = deleted_at(cx, pm->parent, pm->file->name);
    evs_cx_report(cx, pm->full_name, at.file ? &at : NULL, &pm->src, "message %s was deleted from %s %s",
                  pm->full_name, per_package ? "package" : "file",
                  per_package ? pm->file->package : pm->file->name);
  }
}

static void enums_deleted(evs_cx *cx, int per_package) {
  size_t n = 0;
  const evs_enum *const *enums = evs_registry_enums(cx->prev, &n);
  char buf[1024], pkg[1024];
  for (size_t i = 0; i < n; i++) {
    const evs_enum *pe = enums[i];
    const evs_enum *ce = evs_registry_find_enum(cx->cur, evs_cx_map_name(cx, pe->full_name, buf, sizeof buf));
    if (per_package) {
      const char *want = evs_cx_map_name(cx, pe->file->package, pkg, sizeof pkg);
      if (ce && strcmp(ce->file->package, want) == 0) continue;
    } else if ((ce && strcmp(ce->file->name, pe->file->name) == 0) ||
               !evs_registry_find_file(cx->cur, pe->file->name)) {
      continue;
    }
    evs_source_info at = deleted_at(cx, pe->parent, pe->file->name);
    evs_cx_report(cx, pe->full_name, at.file ? &at : NULL, &pe->src, "enum %s was deleted from %s %s",
                  pe->full_name, per_package ? "package" : "file",
                  per_package ? pe->file->package : pe->file->name);
  }
}

void evs_rule_message_no_delete(evs_cx *cx) {
  messages_deleted(cx, 0);
}
void evs_rule_package_message_no_delete(evs_cx *cx) {
  messages_deleted(cx, 1);
}
void evs_rule_enum_no_delete(evs_cx *cx) {
  enums_deleted(cx, 0);
}
void evs_rule_package_enum_no_delete(evs_cx *cx) {
  enums_deleted(cx, 1);
}

static bool package_exists(const evs_registry *reg, const char *package) {
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(reg, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(files[i]->package, package) == 0) return true;
  return false;
}

void evs_rule_package_no_delete(evs_cx *cx) {
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(cx->prev, &n);
  char pkg[1024];
  for (size_t i = 0; i < n; i++) {
    bool first = true; /* report each package once: at its first file */
    for (size_t k = 0; k < i && first; k++) first = strcmp(files[k]->package, files[i]->package) != 0;
    if (!first || package_exists(cx->cur, evs_cx_map_name(cx, files[i]->package, pkg, sizeof pkg))) continue;
    evs_source_info ps = file_src(files[i]);
    evs_cx_report(cx, files[i]->package, NULL, &ps, "package \"%s\" was deleted", files[i]->package);
  }
}

static evs_source_info service_src(const evs_file *f, size_t index) {
  evs_source_info s;
  int32_t path[2] = {6, (int32_t)index};
  if (!evs_file_location(f, path, 2, &s)) s = file_src(f);
  return s;
}

static evs_source_info method_src(const evs_method *m) {
  evs_source_info s;
  int32_t path[4] = {6, (int32_t)m->svc->index, 2, (int32_t)m->index};
  if (!evs_file_location(m->svc->file, path, 4, &s)) s = service_src(m->svc->file, m->svc->index);
  return s;
}

static void services_deleted(evs_cx *cx, int per_package) {
  size_t n = 0;
  const evs_file *const *files = evs_registry_files(cx->prev, &n);
  char name[1024], buf[1024], pkg[1024];
  for (size_t i = 0; i < n; i++) {
    const Google__Protobuf__FileDescriptorProto *fd = files[i]->proto;
    for (size_t s = 0; s < fd->n_service; s++) {
      const char *p = files[i]->package;
      snprintf(name, sizeof name, "%s%s%s", p, *p ? "." : "",
               fd->service[s]->name ? fd->service[s]->name : "");
      const char *cname = evs_cx_map_name(cx, name, buf, sizeof buf);
      const evs_svc *cs = evs_hmap_get(&cx->cur_services, cname, strlen(cname));
      if (per_package) {
        if (cs && strcmp(cs->file->package, evs_cx_map_name(cx, p, pkg, sizeof pkg)) == 0) continue;
      } else if ((cs && strcmp(cs->file->name, files[i]->name) == 0) ||
                 !evs_registry_find_file(cx->cur, files[i]->name)) {
        continue;
      }
      evs_source_info ps = service_src(files[i], s);
      const evs_file *cf = evs_registry_find_file(cx->cur, files[i]->name);
      evs_source_info at = cf ? file_src(cf) : ps;
      evs_cx_report(cx, name, cf ? &at : NULL, &ps, "service %s was deleted from %s %s", name,
                    per_package ? "package" : "file", per_package ? p : files[i]->name);
    }
  }
}

void evs_rule_service_no_delete(evs_cx *cx) {
  services_deleted(cx, 0);
}
void evs_rule_package_service_no_delete(evs_cx *cx) {
  services_deleted(cx, 1);
}

/* ---- file pairs ---- */

static evs_source_info file_step_src(const evs_file *f, int32_t step) {
  evs_source_info s;
  if (!evs_file_location(f, &step, 1, &s)) s = file_src(f);
  return s;
}

void evs_rule_file_same_package(evs_cx *cx, const evs_file *p, const evs_file *c) {
  char pkg[1024];
  if (strcmp(evs_cx_map_name(cx, p->package, pkg, sizeof pkg), c->package) == 0) return;
  evs_source_info cs = file_step_src(c, 2), ps = file_step_src(p, 2);
  evs_cx_report(cx, c->name, &cs, &ps, "file %s changed package from \"%s\" to \"%s\"", c->name, p->package,
                c->package);
}

void evs_rule_file_same_syntax(evs_cx *cx, const evs_file *p, const evs_file *c) {
  if (p->syntax == c->syntax) return;
  evs_source_info cs = file_step_src(c, 12), ps = file_step_src(p, 12);
  evs_cx_report(cx, c->name, &cs, &ps, "file %s changed syntax from proto%d to proto%d", c->name,
                (int)p->syntax, (int)c->syntax);
}

/* ---- services ---- */

void evs_rule_rpc_no_delete(evs_cx *cx, const evs_svc *p, const evs_svc *c) {
  for (size_t m = 0; m < p->proto->n_method; m++) {
    const char *name = p->proto->method[m]->name ? p->proto->method[m]->name : "";
    bool found = false;
    for (size_t k = 0; k < c->proto->n_method && !found; k++)
      found = c->proto->method[k]->name && strcmp(c->proto->method[k]->name, name) == 0;
    if (found) continue;
    evs_method pm = {p->proto->method[m], p, m};
    evs_source_info cs = service_src(c->file, c->index), ps = method_src(&pm);
    evs_cx_report(cx, c->full_name, &cs, &ps, "RPC %s of service %s was deleted", name, c->full_name);
  }
}

static const char *type_or_empty(const char *t) {
  return t ? (t[0] == '.' ? t + 1 : t) : "";
}

static void rpc_type(evs_cx *cx, const evs_method *p, const evs_method *c, bool request) {
  const char *a = type_or_empty(request ? p->proto->input_type : p->proto->output_type);
  const char *b = type_or_empty(request ? c->proto->input_type : c->proto->output_type);
  if (evs_cx_same_type_name(cx, a, b)) return;
  evs_source_info cs = method_src(c), ps = method_src(p);
  evs_cx_report(cx, c->svc->full_name, &cs, &ps, "RPC %s of service %s changed %s type from %s to %s",
                c->proto->name, c->svc->full_name, request ? "request" : "response", a, b);
}

void evs_rule_rpc_same_request_type(evs_cx *cx, const evs_method *p, const evs_method *c) {
  rpc_type(cx, p, c, true);
}

void evs_rule_rpc_same_response_type(evs_cx *cx, const evs_method *p, const evs_method *c) {
  rpc_type(cx, p, c, false);
}

static void streaming(evs_cx *cx, const evs_method *p, const evs_method *c, bool client) {
  bool a = client ? p->proto->has_client_streaming && p->proto->client_streaming
                  : p->proto->has_server_streaming && p->proto->server_streaming;
  bool b = client ? c->proto->has_client_streaming && c->proto->client_streaming
                  : c->proto->has_server_streaming && c->proto->server_streaming;
  if (a == b) return;
  evs_source_info cs = method_src(c), ps = method_src(p);
  evs_cx_report(cx, c->svc->full_name, &cs, &ps, "RPC %s of service %s changed from %s %s to %s %s",
                c->proto->name, c->svc->full_name, client ? "client" : "server", a ? "streaming" : "unary",
                client ? "client" : "server", b ? "streaming" : "unary");
}

void evs_rule_rpc_same_client_streaming(evs_cx *cx, const evs_method *p, const evs_method *c) {
  streaming(cx, p, c, true);
}

void evs_rule_rpc_same_server_streaming(evs_cx *cx, const evs_method *p, const evs_method *c) {
  streaming(cx, p, c, false);
}

static int idempotency(const evs_method *m) {
  const Google__Protobuf__MethodOptions *o = m->proto->options;
  return o && o->has_idempotency_level ? (int)o->idempotency_level : 0;
}

void evs_rule_rpc_same_idempotency_level(evs_cx *cx, const evs_method *p, const evs_method *c) {
  static const char *const names[] = {"IDEMPOTENCY_UNKNOWN", "NO_SIDE_EFFECTS", "IDEMPOTENT"};
  int a = idempotency(p), b = idempotency(c);
  if (a == b) return;
  evs_source_info cs = method_src(c), ps = method_src(p);
  evs_cx_report(cx, c->svc->full_name, &cs, &ps,
                "RPC %s of service %s changed idempotency level from %s to %s", c->proto->name,
                c->svc->full_name, a >= 0 && a < 3 ? names[a] : "?", b >= 0 && b < 3 ? names[b] : "?");
}
