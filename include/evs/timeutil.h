/* Time helpers: the wall clock in milliseconds, RFC 3339 timestamps in the strict form ProtoJSON uses for
 * google.protobuf.Timestamp, and proleptic Gregorian civil-date arithmetic.
 *
 * Everything here works on plain integers and caller buffers: nothing allocates, nothing to free, no
 * global state, no dependence on the locale, the TZ variable or timegm(), so every call is thread-safe.
 * Timestamps are UTC, leap seconds are not represented (as in Unix time and Protobuf), and the supported
 * range is Protobuf's: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z. Calls that take an
 * `evs_error *err` accept NULL; on failure they fill code, msg and, for text input, the byte offset of the
 * problem relative to the start of `s`. */
#ifndef EVS_TIMEUTIL_H
#define EVS_TIMEUTIL_H

#include <stdbool.h>

#include "evs/common.h"
#include "evs/error.h"

EVS_EXTERN_C_BEGIN

/* Buffer size for every formatter here: the longest output, "9999-12-31T23:59:59.999999999Z", plus NUL,
 * rounded up. */
#define EVS_TIME_RFC3339_SIZE 32

/* Seconds since 1970-01-01T00:00:00Z of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z. */
#define EVS_TIME_MIN_SECONDS (-62135596800LL)
#define EVS_TIME_MAX_SECONDS 253402300799LL
/* The same range in milliseconds (the last millisecond of 9999 included). */
#define EVS_TIME_MIN_MS (EVS_TIME_MIN_SECONDS * 1000LL)
#define EVS_TIME_MAX_MS (EVS_TIME_MAX_SECONDS * 1000LL + 999LL)

/* CLOCK_REALTIME in milliseconds since the Unix epoch, rounded down (also before 1970). Returns INT64_MIN
 * if the clock cannot be read. */
EVS_API int64_t evs_time_now_ms(void);

/* Writes unix_ms as "YYYY-MM-DDThh:mm:ss.fffZ" (always 3 fraction digits and 'Z', 24 characters) plus NUL
 * to out, which must hold EVS_TIME_RFC3339_SIZE bytes. Fails with EVS_ERR_RANGE outside
 * EVS_TIME_MIN_MS..EVS_TIME_MAX_MS and with EVS_ERR_INVALID_ARG if out is NULL; out is "" on failure. */
EVS_API EVS_NODISCARD evs_status evs_time_format_rfc3339_ms(int64_t unix_ms, char out[EVS_TIME_RFC3339_SIZE],
                                                            evs_error *err);

/* Writes (seconds, nanos) in ProtoJSON's canonical Timestamp form: 'Z', and 0, 3, 6 or 9 fraction digits,
 * the fewest that represent nanos exactly ("1970-01-01T00:00:00Z", "...00.120Z", "...00.000001Z").
 * nanos must be 0..999999999 and the instant within the supported range, else EVS_ERR_RANGE; out (of
 * EVS_TIME_RFC3339_SIZE bytes) NULL: EVS_ERR_INVALID_ARG. out is "" on failure. */
EVS_API EVS_NODISCARD evs_status evs_time_format_rfc3339(int64_t seconds, int32_t nanos,
                                                         char out[EVS_TIME_RFC3339_SIZE], evs_error *err);

/* Parses s[0..len-1] (need not be NUL-terminated), which must be exactly
 *     YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)
 * with uppercase 'T' and 'Z', two-digit fields (four for the year), a real calendar date (leap years
 * included), hour 00..23, minute and second 00..59 (no leap second 60), offset hour 00..23 and minute
 * 00..59. The offset is applied, so *seconds and *nanos describe the instant in UTC; the result must lie in
 * the supported range. Format problems fail with EVS_ERR_SYNTAX, field values and the final instant out
 * of range with EVS_ERR_RANGE, both with err->offset at the offending byte or field (len when the text
 * ends early). EVS_ERR_INVALID_ARG if seconds or nanos is NULL, or s is NULL with len > 0. The outputs are
 * written only on success; *nanos is 0..999999999. */
EVS_API EVS_NODISCARD evs_status evs_time_parse_rfc3339(const char *s, size_t len, int64_t *seconds,
                                                        int32_t *nanos, evs_error *err);

/* evs_time_parse_rfc3339() converted to milliseconds since the epoch; digits finer than a millisecond are
 * dropped (rounding toward the past, also before 1970). unix_ms NULL: EVS_ERR_INVALID_ARG. */
EVS_API EVS_NODISCARD evs_status evs_time_parse_rfc3339_ms(const char *s, size_t len, int64_t *unix_ms,
                                                           evs_error *err);

/* ---- Civil dates (proleptic Gregorian, year 0 exists, no range limit beyond the types) ---------------- */

/* True for years divisible by 4, except centuries not divisible by 400. */
EVS_API bool evs_time_is_leap_year(int32_t year);

/* 28..31 for month 1..12 of year; 0 for any other month. */
EVS_API int evs_time_days_in_month(int32_t year, int month);

/* Days from 1970-01-01 to year-month-day (negative before). Not validated: month must be 1..12 and day
 * 1..31 for a meaningful result (other values give an unspecified number, never undefined behaviour).
 * Defined for every int32_t year. */
EVS_API int64_t evs_time_days_from_civil(int32_t year, int month, int day);

/* The inverse: the date `days` after 1970-01-01. Returns false, leaving the outputs untouched, if the year
 * would not fit an int32_t. Any output pointer may be NULL. */
EVS_API bool evs_time_civil_from_days(int64_t days, int32_t *year, int *month, int *day);

EVS_EXTERN_C_END

#endif
