/* Internal helpers for filling an evs_error (not installed). Every helper accepts err == NULL. */
#ifndef EVS_ERROR_INTERNAL_H
#define EVS_ERROR_INTERNAL_H

#include <stdarg.h>

#include "evs/error.h"

/* Sets err->code and err->msg (printf-style) and returns code, so a failure path reads
 * `return evs_fail(err, EVS_ERR_SYNTAX, "expected ',' after %s", what);`. Location fields are kept. */
evs_status evs_fail(evs_error *err, evs_status code, const char *fmt, ...) EVS_PRINTF(3, 4);

/* evs_fail() with a va_list, for helpers that wrap it (they add their own location afterwards). */
evs_status evs_vfail(evs_error *err, evs_status code, const char *fmt, va_list ap) EVS_PRINTF(3, 0);

/* evs_fail() plus the location in one call: sets err->offset and resets line/col (a caller that knows the
 * line translates later), so no stale location from an earlier error survives. Returns code. */
evs_status evs_fail_at(evs_error *err, evs_status code, size_t offset, const char *fmt, ...) EVS_PRINTF(4, 5);

/* A byte as an error message shows it: 'x' when printable ASCII, else "byte 0xNN". Returns buf. */
const char *evs_describe_byte(char buf[16], char ch);

/* Record where: byte offset and 1-based line/col (0 = unknown). */
void evs_error_at(evs_error *err, size_t offset, uint32_t line, uint32_t col);
/* Record the input file name and/or field path (NULL leaves the field as it is). */
void evs_error_where(evs_error *err, const char *file, const char *path);

#endif
