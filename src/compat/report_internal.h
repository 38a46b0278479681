/* The report formatters (one file each) and their dispatcher in report.c (not installed). */
#ifndef EVS_COMPAT_REPORT_INTERNAL_H
#define EVS_COMPAT_REPORT_INTERNAL_H

#include <stdio.h>

#include "compat/compat_internal.h"

/* The location a finding is shown at: the new one, or the old one when there is no new side. */
const evs_compat_loc *evs_report_where(const evs_compat_finding *f);

/* Each returns false when writing failed. */
bool evs_report_write_text(const evs_compat_report *r, FILE *out);
bool evs_report_write_json(const evs_compat_report *r, FILE *out);
bool evs_report_write_github(const evs_compat_report *r, FILE *out);
bool evs_report_write_junit(const evs_compat_report *r, FILE *out);

#endif
