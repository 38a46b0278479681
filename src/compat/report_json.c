/* JSON output: one object per finding per line (JSON Lines), with both locations. */
#include "compat/report_internal.h"

#include "evs/json.h"

static void json_str(FILE *out, const char *s) {
  if (!s) {
    fputs("null", out);
    return;
  }
  evs_json_write_string(out, s);
}

static void loc(FILE *out, const char *key, const evs_compat_loc *l) {
  fprintf(out, ", \"%s\": ", key);
  if (!l->file) {
    fputs("null", out);
    return;
  }
  fputs("{\"file\": ", out);
  json_str(out, l->file);
  fprintf(out, ", \"line\": %u, \"col\": %u}", l->line, l->col);
}

bool evs_report_write_json(const evs_compat_report *r, FILE *out) {
  for (size_t i = 0; i < r->n; i++) {
    const evs_compat_finding *f = &r->items[i];
    fputs("{\"rule\": ", out);
    json_str(out, f->rule_id);
    fputs(", \"message\": ", out);
    json_str(out, f->message);
    fputs(", \"element\": ", out);
    json_str(out, f->element);
    loc(out, "location", &f->loc);
    loc(out, "previousLocation", &f->prev_loc);
    fputs(", \"against\": ", out);
    json_str(out, f->against);
    fprintf(out, ", \"allowed\": %s", f->allowed ? "true" : "false");
    if (f->allowed) {
      fputs(", \"reason\": ", out);
      json_str(out, f->allow_reason);
    }
    fputs("}\n", out);
  }
  return !ferror(out);
}
