/* Dispatch to the formatter of the requested output format. */
#include "compat/report_internal.h"

evs_status evs_compat_report_write(const evs_compat_report *r, evs_compat_format format, FILE *out,
                                   evs_error *err) {
  if (!r || !out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_report_write: NULL argument");
  bool ok;
  switch (format) {
    case EVS_COMPAT_FORMAT_TEXT:
      ok = evs_report_write_text(r, out);
      break;
    case EVS_COMPAT_FORMAT_JSON:
      ok = evs_report_write_json(r, out);
      break;
    case EVS_COMPAT_FORMAT_GITHUB:
      ok = evs_report_write_github(r, out);
      break;
    case EVS_COMPAT_FORMAT_JUNIT:
      ok = evs_report_write_junit(r, out);
      break;
    default:
      return evs_fail(err, EVS_ERR_INVALID_ARG, "unknown report format %d", (int)format);
  }
  return ok ? EVS_OK : evs_fail(err, EVS_ERR_IO, "writing the report failed");
}
