/* RFC 3339 timestamps and civil-date arithmetic (see include/evs/timeutil.h).
 *
 * The parser sits on the JSON codec's hot path (google.protobuf.Timestamp), so it reads fixed positions
 * with hand-written digit loops: no sscanf/strtol, no locale, no timegm. The date algorithms are Howard
 * Hinnant's days_from_civil / civil_from_days (http://howardhinnant.github.io/date_algorithms.html),
 * exact for the whole proleptic Gregorian calendar. */
#include "evs/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "base/error_internal.h"

#define SECONDS_PER_DAY 86400

static const char k_range_text[] = "0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z";

int64_t evs_time_now_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return INT64_MIN;
  /* tv_nsec is never negative, so this rounds toward the past before 1970 too. */
  return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

/* ---- civil dates ----------------------------------------------------------------------------------- */

bool evs_time_is_leap_year(int32_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int evs_time_days_in_month(int32_t year, int month) {
  static const unsigned char k_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && evs_time_is_leap_year(year)) return 29;
  return k_days[month - 1];
}

int64_t evs_time_days_from_civil(int32_t year, int month, int day) {
  /* Unsigned month/day arithmetic: garbage in gives a garbage number, never signed overflow. */
  const unsigned m = (unsigned)month;
  const unsigned d = (unsigned)day;
  const int64_t y = (int64_t)year - (m <= 2); /* the computation's year starts in March */
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);                        /* [0, 399] */
  const unsigned doy = (153u * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
  return era * 146097 + (int64_t)doe - 719468;
}

/* No range check: callers keep days within the int64 arithmetic's comfortable range. */
static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

bool evs_time_civil_from_days(int64_t days, int32_t *year, int *month, int *day) {
  if (days < evs_time_days_from_civil(INT32_MIN, 1, 1) ||
      days > evs_time_days_from_civil(INT32_MAX, 12, 31)) {
    return false;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  if (year) *year = (int32_t)y;
  if (month) *month = (int)m;
  if (day) *day = (int)d;
  return true;
}

/* ---- formatting ------------------------------------------------------------------------------------ */

static void put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

/* Writes "YYYY-MM-DDThh:mm:ss" (19 bytes, no NUL) for seconds already known to be in range. */
static void put_datetime(char *out, int64_t seconds) {
  int64_t days = seconds / SECONDS_PER_DAY;
  int64_t sod = seconds % SECONDS_PER_DAY;
  if (sod < 0) { /* C division truncates; we want the day that contains the instant */
    sod += SECONDS_PER_DAY;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  put2(out, (unsigned)y / 100);
  put2(out + 2, (unsigned)y % 100);
  out[4] = '-';
  put2(out + 5, m);
  out[7] = '-';
  put2(out + 8, d);
  out[10] = 'T';
  put2(out + 11, (unsigned)(sod / 3600));
  out[13] = ':';
  put2(out + 14, (unsigned)(sod / 60 % 60));
  out[16] = ':';
  put2(out + 17, (unsigned)(sod % 60));
}

/* Writes the first `digits` of the 9-digit zero-padded nanos after a '.', then "Z" and NUL. */
static void put_fraction_z(char *p, uint32_t nanos, int digits) {
  if (digits > 0) {
    char nine[9];
    for (int i = 8; i >= 0; i--) {
      nine[i] = (char)('0' + nanos % 10);
      nanos /= 10;
    }
    *p++ = '.';
    for (int i = 0; i < digits; i++) *p++ = nine[i];
  }
  p[0] = 'Z';
  p[1] = '\0';
}

evs_status evs_time_format_rfc3339_ms(int64_t unix_ms, char out[EVS_TIME_RFC3339_SIZE], evs_error *err) {
  if (!out)
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_time_format_rfc3339_ms: out is NULL");
  out[0] = '\0';
  if (unix_ms < EVS_TIME_MIN_MS || unix_ms > EVS_TIME_MAX_MS) {
    return evs_fail_at(err, EVS_ERR_RANGE, EVS_NO_OFFSET,
                       "%lld ms since 1970 is outside the timestamp range 0001-01-01T00:00:00.000Z.."
                       "9999-12-31T23:59:59.999Z",
                       (long long)unix_ms);
  }
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  put_datetime(out, secs);
  put_fraction_z(out + 19, (uint32_t)ms * 1000000u, 3);
  return EVS_OK;
}

evs_status evs_time_format_rfc3339(int64_t seconds, int32_t nanos, char out[EVS_TIME_RFC3339_SIZE],
                                   evs_error *err) {
  if (!out)
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_time_format_rfc3339: out is NULL");
  out[0] = '\0';
  if (nanos < 0 || nanos > 999999999) {
    return evs_fail_at(err, EVS_ERR_RANGE, EVS_NO_OFFSET, "timestamp nanos %ld is outside 0..999999999",
                       (long)nanos);
  }
  if (seconds < EVS_TIME_MIN_SECONDS || seconds > EVS_TIME_MAX_SECONDS) {
    return evs_fail_at(err, EVS_ERR_RANGE, EVS_NO_OFFSET, "timestamp seconds %lld is outside %s",
                       (long long)seconds, k_range_text);
  }
  int digits = 9;
  if (nanos == 0) {
    digits = 0;
  } else if (nanos % 1000000 == 0) {
    digits = 3;
  } else if (nanos % 1000 == 0) {
    digits = 6;
  }
  put_datetime(out, seconds);
  put_fraction_z(out + 19, (uint32_t)nanos, digits);
  return EVS_OK;
}

/* ---- parsing --------------------------------------------------------------------------------------- */

/* Reads exactly n ASCII digits at s[pos..]; `what` names the field for the message. */
static evs_status read_digits(const char *s, size_t len, size_t pos, int n, const char *what, int *out,
                              evs_error *err) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    size_t p = pos + (size_t)i;
    if (p >= len) {
      return evs_fail_at(err, EVS_ERR_SYNTAX, len, "timestamp ends early: expected the %d-digit %s", n, what);
    }
    unsigned dg = (unsigned)(unsigned char)s[p] - '0';
    if (dg > 9) {
      char c[16];
      return evs_fail_at(err, EVS_ERR_SYNTAX, p, "expected a digit of the %d-digit %s, found %s", n, what,
                         evs_describe_byte(c, s[p]));
    }
    v = v * 10 + (int)dg;
  }
  *out = v;
  return EVS_OK;
}

static evs_status expect_char(const char *s, size_t len, size_t pos, char want, const char *where,
                              evs_error *err) {
  if (pos >= len) {
    return evs_fail_at(err, EVS_ERR_SYNTAX, len, "timestamp ends early: expected '%c' %s", want, where);
  }
  if (s[pos] == want) return EVS_OK;
  char c[16];
  bool lower = (want == 'T' && s[pos] == 't');
  return evs_fail_at(err, EVS_ERR_SYNTAX, pos, "expected '%c' %s, found %s%s", want, where,
                     evs_describe_byte(c, s[pos]), lower ? " (only uppercase 'T' is accepted)" : "");
}

static evs_status field_range(int v, int lo, int hi, size_t pos, const char *what, evs_error *err) {
  if (v >= lo && v <= hi) return EVS_OK;
  return evs_fail_at(err, EVS_ERR_RANGE, pos, "%s %02d is out of range %02d..%02d", what, v, lo, hi);
}

/* The fixed "YYYY-MM-DDThh:mm:ss" head: fields at fixed offsets, each checked as soon as it is read. */
static evs_status parse_head(const char *s, size_t len, int64_t *local_seconds, evs_error *err) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  evs_status st;
  if ((st = read_digits(s, len, 0, 4, "year", &y, err)) != EVS_OK) return st;
  if (y == 0) return evs_fail_at(err, EVS_ERR_RANGE, 0, "year 0000 is out of range 0001..9999");
  if ((st = expect_char(s, len, 4, '-', "after the year", err)) != EVS_OK) return st;
  if ((st = read_digits(s, len, 5, 2, "month", &mo, err)) != EVS_OK) return st;
  if ((st = field_range(mo, 1, 12, 5, "month", err)) != EVS_OK) return st;
  if ((st = expect_char(s, len, 7, '-', "after the month", err)) != EVS_OK) return st;
  if ((st = read_digits(s, len, 8, 2, "day", &d, err)) != EVS_OK) return st;
  int dim = evs_time_days_in_month(y, mo);
  if (d < 1 || d > dim) {
    return evs_fail_at(err, EVS_ERR_RANGE, 8, "day %02d is out of range for %04d-%02d (01..%02d)", d, y, mo,
                       dim);
  }
  if ((st = expect_char(s, len, 10, 'T', "between the date and the time", err)) != EVS_OK) return st;
  if ((st = read_digits(s, len, 11, 2, "hour", &h, err)) != EVS_OK) return st;
  if ((st = field_range(h, 0, 23, 11, "hour", err)) != EVS_OK) return st;
  if ((st = expect_char(s, len, 13, ':', "after the hour", err)) != EVS_OK) return st;
  if ((st = read_digits(s, len, 14, 2, "minute", &mi, err)) != EVS_OK) return st;
  if ((st = field_range(mi, 0, 59, 14, "minute", err)) != EVS_OK) return st;
  if ((st = expect_char(s, len, 16, ':', "after the minute", err)) != EVS_OK) return st;
  if ((st = read_digits(s, len, 17, 2, "second", &sec, err)) != EVS_OK) return st;
  if (sec > 59) {
    return evs_fail_at(err, EVS_ERR_RANGE, 17,
                       "second %02d is out of range 00..59 (leap seconds are not representable)", sec);
  }
  *local_seconds = evs_time_days_from_civil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + sec;
  return EVS_OK;
}

/* Optional ".f{1,9}" at *pos: nanoseconds, advancing *pos past it. */
static evs_status parse_fraction(const char *s, size_t len, size_t *pos, int32_t *nanos, evs_error *err) {
  static const int32_t k_scale[10] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                      10000,      1000,      100,      10,      1};
  size_t p = *pos;
  *nanos = 0;
  if (p >= len || s[p] != '.') return EVS_OK;
  size_t start = ++p;
  int32_t v = 0;
  while (p < len && (unsigned)(unsigned char)s[p] - '0' <= 9) {
    if (p - start == 9) {
      return evs_fail_at(err, EVS_ERR_SYNTAX, p,
                         "more than 9 fraction digits (nanoseconds are the finest unit)");
    }
    v = v * 10 + (s[p] - '0');
    p++;
  }
  if (p == start) {
    char c[16];
    if (p >= len)
      return evs_fail_at(err, EVS_ERR_SYNTAX, len, "timestamp ends early: expected a digit after '.'");
    return evs_fail_at(err, EVS_ERR_SYNTAX, p, "expected a digit after '.', found %s",
                       evs_describe_byte(c, s[p]));
  }
  *nanos = v * k_scale[p - start];
  *pos = p;
  return EVS_OK;
}

/* "Z" or "+hh:mm"/"-hh:mm" at *pos: the offset in seconds east of UTC, advancing *pos past it. */
static evs_status parse_zone(const char *s, size_t len, size_t *pos, int *offset_seconds, evs_error *err) {
  size_t p = *pos;
  if (p >= len) {
    return evs_fail_at(err, EVS_ERR_SYNTAX, len,
                       "timestamp ends early: expected 'Z' or a UTC offset (+hh:mm or -hh:mm)");
  }
  char sign = s[p];
  if (sign == 'Z') {
    *offset_seconds = 0;
    *pos = p + 1;
    return EVS_OK;
  }
  if (sign != '+' && sign != '-') {
    char c[16];
    return evs_fail_at(err, EVS_ERR_SYNTAX, p,
                       "expected %s'Z' or a UTC offset (+hh:mm or -hh:mm), found %s%s",
                       p == 19 ? "'.', " : "", evs_describe_byte(c, sign),
                       sign == 'z' ? " (only uppercase 'Z' is accepted)" : "");
  }
  int oh = 0, om = 0; /* set on every success path; zero keeps gcc -O2 from guessing otherwise */
  evs_status st;
  if ((st = read_digits(s, len, p + 1, 2, "offset hour", &oh, err)) != EVS_OK) return st;
  if ((st = field_range(oh, 0, 23, p + 1, "offset hour", err)) != EVS_OK) return st;
  if ((st = expect_char(s, len, p + 3, ':', "between the offset hour and minute", err)) != EVS_OK) return st;
  if ((st = read_digits(s, len, p + 4, 2, "offset minute", &om, err)) != EVS_OK) return st;
  if ((st = field_range(om, 0, 59, p + 4, "offset minute", err)) != EVS_OK) return st;
  *offset_seconds = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  *pos = p + 6;
  return EVS_OK;
}

evs_status evs_time_parse_rfc3339(const char *s, size_t len, int64_t *seconds, int32_t *nanos,
                                  evs_error *err) {
  if (!seconds || !nanos) {
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET,
                       "evs_time_parse_rfc3339: output pointer is NULL");
  }
  if (!s && len)
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_time_parse_rfc3339: s is NULL");
  if (len == 0) {
    return evs_fail_at(err, EVS_ERR_SYNTAX, 0,
                       "empty string: expected an RFC 3339 timestamp such as "
                       "2026-01-14T10:30:00Z");
  }
  int64_t local = 0;
  int32_t ns = 0;
  int offset = 0;
  size_t p = 19;
  evs_status st;
  if ((st = parse_head(s, len, &local, err)) != EVS_OK) return st;
  if ((st = parse_fraction(s, len, &p, &ns, err)) != EVS_OK) return st;
  size_t zone_at = p;
  if ((st = parse_zone(s, len, &p, &offset, err)) != EVS_OK) return st;
  if (p != len) {
    char c[16];
    return evs_fail_at(err, EVS_ERR_SYNTAX, p, "unexpected %s after the end of the timestamp",
                       evs_describe_byte(c, s[p]));
  }
  int64_t utc = local - offset;
  if (utc < EVS_TIME_MIN_SECONDS || utc > EVS_TIME_MAX_SECONDS) {
    return evs_fail_at(err, EVS_ERR_RANGE, zone_at, "the UTC offset moves the instant outside %s",
                       k_range_text);
  }
  *seconds = utc;
  *nanos = ns;
  return EVS_OK;
}

evs_status evs_time_parse_rfc3339_ms(const char *s, size_t len, int64_t *unix_ms, evs_error *err) {
  if (!unix_ms) {
    return evs_fail_at(err, EVS_ERR_INVALID_ARG, EVS_NO_OFFSET, "evs_time_parse_rfc3339_ms: unix_ms is NULL");
  }
  int64_t secs;
  int32_t ns = 0;
  evs_status st = evs_time_parse_rfc3339(s, len, &secs, &ns, err);
  if (st != EVS_OK) return st;
  *unix_ms = secs * 1000 + ns / 1000000;
  return EVS_OK;
}
