/* GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=RULE::message` for violations,
 * `::notice` for accepted breaks, escaped as the runner expects (%, CR, LF; plus : and , in properties). */
#include "compat/report_internal.h"

static void escape(FILE *out, const char *s, bool property) {
  for (; s && *s; s++) {
    if (*s == '%') {
      fputs("%25", out);
    } else if (*s == '\r') {
      fputs("%0D", out);
    } else if (*s == '\n') {
      fputs("%0A", out);
    } else if (property && *s == ':') {
      fputs("%3A", out);
    } else if (property && *s == ',') {
      fputs("%2C", out);
    } else {
      fputc(*s, out);
    }
  }
}

bool evs_report_write_github(const evs_compat_report *r, FILE *out) {
  for (size_t i = 0; i < r->n; i++) {
    const evs_compat_finding *f = &r->items[i];
    const evs_compat_loc *w = evs_report_where(f);
    fputs(f->allowed ? "::notice file=" : "::error file=", out);
    escape(out, w->file ? w->file : "", true);
    if (w->line) fprintf(out, ",line=%u,col=%u", w->line, w->col);
    fputs(",title=", out);
    escape(out, f->rule_id, true);
    fputs("::", out);
    escape(out, f->message, false);
    if (f->allowed) {
      fputs(" (allowed", out);
      if (*f->allow_reason) fputs(": ", out);
      escape(out, f->allow_reason, false);
      fputc(')', out);
    }
    fputc('\n', out);
  }
  return !ferror(out);
}
