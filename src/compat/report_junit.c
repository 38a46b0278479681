/* JUnit XML: one test suite, one test case per finding (a failure unless the break is accepted, then
 * skipped), so CI systems that read JUnit show each break. An empty report is one passing case. */
#include "compat/report_internal.h"

static void xml(FILE *out, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
      case '<':
        fputs("&lt;", out);
        break;
      case '>':
        fputs("&gt;", out);
        break;
      case '&':
        fputs("&amp;", out);
        break;
      case '"':
        fputs("&quot;", out);
        break;
      default:
        if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') {
          fputc(' ', out);
        } else {
          fputc(*s, out);
        }
    }
  }
}

bool evs_report_write_junit(const evs_compat_report *r, FILE *out) {
  size_t failures = evs_compat_report_violations(r);
  size_t tests = r->n ? r->n : 1;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
  fprintf(out, "<testsuites tests=\"%zu\" failures=\"%zu\">\n", tests, failures);
  fprintf(out, "  <testsuite name=\"evs breaking\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", tests,
          failures, r->n - failures);
  if (!r->n) fputs("    <testcase classname=\"evs breaking\" name=\"compatible\"/>\n", out);
  for (size_t i = 0; i < r->n; i++) {
    const evs_compat_finding *f = &r->items[i];
    const evs_compat_loc *w = evs_report_where(f);
    fputs("    <testcase classname=\"", out);
    xml(out, w->file ? w->file : "");
    fputs("\" name=\"", out);
    xml(out, f->rule_id);
    fprintf(out, " %u:%u\">\n", w->line, w->col);
    if (f->allowed) {
      fputs("      <skipped message=\"allowed: ", out);
      xml(out, f->allow_reason);
      fputs("\"/>\n", out);
    } else {
      fputs("      <failure type=\"", out);
      xml(out, f->rule_id);
      fputs("\" message=\"", out);
      xml(out, f->message);
      fputs("\">", out);
      xml(out, w->file ? w->file : "");
      fprintf(out, ":%u:%u: ", w->line, w->col);
      xml(out, f->message);
      fputs("</failure>\n", out);
    }
    fputs("    </testcase>\n", out);
  }
  fputs("  </testsuite>\n</testsuites>\n", out);
  return !ferror(out);
}
