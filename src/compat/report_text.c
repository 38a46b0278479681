/* Text output: `path/to/file.proto:LINE:COL: RULE_ID: message`, one finding per line, in report order
 * (sorted). A finding with no new-side location (a deleted file) shows the old one. */
#include "compat/report_internal.h"

const evs_compat_loc *evs_report_where(const evs_compat_finding *f) {
  return f->loc.file ? &f->loc : &f->prev_loc;
}

bool evs_report_write_text(const evs_compat_report *r, FILE *out) {
  for (size_t i = 0; i < r->n; i++) {
    const evs_compat_finding *f = &r->items[i];
    const evs_compat_loc *w = evs_report_where(f);
    fprintf(out, "%s:%u:%u: %s: %s", w->file ? w->file : "?", w->line, w->col, f->rule_id, f->message);
    if (f->against && *f->against) fprintf(out, " (against %s)", f->against);
    if (f->allowed) fprintf(out, " [allowed%s%s]", *f->allow_reason ? ": " : "", f->allow_reason);
    fputc('\n', out);
  }
  return !ferror(out);
}
