/* Extensions (`extend` blocks) pair like fields: by extendee and number, across the whole schema. The
 * registry keeps no views for them, so each side's extensions become field views here (in a pool owned by
 * the caller), and the field rules run on the pairs unchanged. As in buf, an extension is known by its
 * full name (FIELD_SAME_NAME compares full names) and has no settable JSON name and no oneof. */
#include <stdio.h>
#include <string.h>

#include "compat/compat_internal.h"

typedef struct ext_side {
  evs_field *fields;
  size_t n;
  evs_hmap index; /* "extendee#number" -> evs_field */
} ext_side;

static size_t count_in(const Google__Protobuf__DescriptorProto *dp) {
  size_t n = dp->n_extension;
  for (size_t i = 0; i < dp->n_nested_type; i++) n += count_in(dp->nested_type[i]);
  return n;
}

static const char *strip_dot(const char *s) {
  return s && s[0] == '.' ? s + 1 : (s ? s : "");
}

/* One extension as a field view; false when its extendee is unknown (then it is skipped). */
static bool make(const evs_registry *reg, evs_arena *pool, const evs_file *file, const char *scope,
                 const Google__Protobuf__FieldDescriptorProto *fd, const int32_t *path, size_t npath,
                 evs_field *f) {
  memset(f, 0, sizeof *f);
  const evs_message *extendee = evs_registry_find_message(reg, strip_dot(fd->extendee));
  if (!extendee || !fd->name || !fd->has_number || !fd->has_type) return false;
  f->full_name = evs_arena_printf(pool, "%s%s%s", scope, *scope ? "." : "", fd->name);
  if (!f->full_name) return false;
  f->name = f->full_name;
  f->json_name = f->full_name;
  f->parent = extendee;
  f->number = (uint32_t)fd->number;
  f->type = (evs_field_type)fd->type;
  f->traits = evs_type_traits_of((int)fd->type);
  if (!f->traits) return false;
  f->label = fd->has_label ? (evs_label)fd->label : EVS_LABEL_OPTIONAL;
  f->is_repeated = f->label == EVS_LABEL_REPEATED;
  f->has_presence = !f->is_repeated;
  f->default_value = fd->default_value;
  if (f->type == EVS_TYPE_MESSAGE || f->type == EVS_TYPE_GROUP)
    f->message_type = evs_registry_find_message(reg, strip_dot(fd->type_name));
  if (f->type == EVS_TYPE_ENUM) f->enum_type = evs_registry_find_enum(reg, strip_dot(fd->type_name));
  f->proto = fd;
  if (!evs_file_location(file, path, npath, &f->src)) f->src.file = file->name;
  return true;
}

static bool collect_in(const evs_registry *reg, evs_arena *pool, const evs_file *file, const char *scope,
                       const Google__Protobuf__DescriptorProto *dp, int32_t *path, size_t depth,
                       ext_side *side) {
  if (depth + 4 > 128) return true;
  for (size_t i = 0; i < dp->n_extension; i++) {
    path[depth] = 6;
    path[depth + 1] = (int32_t)i;
    if (make(reg, pool, file, scope, dp->extension[i], path, depth + 2, &side->fields[side->n])) side->n++;
  }
  for (size_t i = 0; i < dp->n_nested_type; i++) {
    const char *name = dp->nested_type[i]->name ? dp->nested_type[i]->name : "";
    char *inner = evs_arena_printf(pool, "%s%s%s", scope, *scope ? "." : "", name);
    if (!inner) return false;
    path[depth] = 3;
    path[depth + 1] = (int32_t)i;
    if (!collect_in(reg, pool, file, inner, dp->nested_type[i], path, depth + 2, side)) return false;
  }
  return true;
}

static bool collect(const evs_registry *reg, evs_arena *pool, ext_side *side) {
  size_t nf = 0, total = 0;
  const evs_file *const *files = evs_registry_files(reg, &nf);
  for (size_t i = 0; i < nf; i++) {
    const Google__Protobuf__FileDescriptorProto *fd = files[i]->proto;
    total += fd->n_extension;
    for (size_t m = 0; m < fd->n_message_type; m++) total += count_in(fd->message_type[m]);
  }
  evs_hmap_init(&side->index);
  if (!total) return true;
  side->fields = evs_arena_calloc(pool, total, sizeof *side->fields);
  if (!side->fields) return false;
  int32_t path[128];
  for (size_t i = 0; i < nf; i++) {
    const Google__Protobuf__FileDescriptorProto *fd = files[i]->proto;
    for (size_t e = 0; e < fd->n_extension; e++) {
      path[0] = 7;
      path[1] = (int32_t)e;
      if (make(reg, pool, files[i], files[i]->package, fd->extension[e], path, 2, &side->fields[side->n]))
        side->n++;
    }
    for (size_t m = 0; m < fd->n_message_type; m++) {
      const char *name = fd->message_type[m]->name ? fd->message_type[m]->name : "";
      const char *pkg = files[i]->package;
      char *scope = evs_arena_printf(pool, "%s%s%s", pkg, *pkg ? "." : "", name);
      path[0] = 4;
      path[1] = (int32_t)m;
      if (!scope || !collect_in(reg, pool, files[i], scope, fd->message_type[m], path, 2, side)) return false;
    }
  }
  return evs_hmap_reserve(&side->index, side->n);
}

static const char *key_of(evs_arena *pool, const char *extendee, uint32_t number) {
  return evs_arena_printf(pool, "%s#%u", extendee, number);
}

void evs_walk_extensions(evs_cx *cx, const evs_compat_rule *const *rules, size_t n_rules) {
  if (!n_rules) return;
  evs_arena pool = EVS_ARENA_INIT;
  ext_side prev, cur;
  memset(&prev, 0, sizeof prev);
  memset(&cur, 0, sizeof cur);
  if (!collect(cx->prev, &pool, &prev) || !collect(cx->cur, &pool, &cur)) {
    cx->nomem = true;
  } else {
    for (size_t i = 0; i < cur.n; i++) {
      const char *k = key_of(&pool, cur.fields[i].parent->full_name, cur.fields[i].number);
      if (!k) {
        cx->nomem = true;
        break;
      }
      evs_hmap_put(&cur.index, k, strlen(k), &cur.fields[i]);
    }
    char buf[1024];
    for (size_t i = 0; i < prev.n && !cx->nomem; i++) {
      const evs_field *pf = &prev.fields[i];
      const char *ext = evs_cx_map_name(cx, pf->parent->full_name, buf, sizeof buf);
      char key[1100];
      snprintf(key, sizeof key, "%s#%u", ext, pf->number);
      const evs_field *cf = evs_hmap_get(&cur.index, key, strlen(key));
      if (!cf) continue;
      for (size_t r = 0; r < n_rules; r++) {
        cx->rule = rules[r];
        cx->rule->fn.field(cx, pf, cf);
      }
    }
  }
  evs_hmap_free(&prev.index);
  evs_hmap_free(&cur.index);
  evs_arena_release(&pool);
}
