/* RFC 3339 timestamps: formatting, strict parsing with offsets, civil-date arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "evs/timeutil.h"

/* ---- helpers -------------------------------------------------------------------------------------- */

static uint64_t g_rng = UINT64_C(0x9E3779B97F4A7C15);

/* splitmix64: a fixed seed keeps failures reproducible. */
static uint64_t next_random(void) {
  uint64_t z = (g_rng += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static int64_t random_between(int64_t lo, int64_t hi) {
  return lo + (int64_t)(next_random() % (uint64_t)(hi - lo + 1));
}

static void expect_format_ms(int64_t ms, const char *want) {
  char out[EVS_TIME_RFC3339_SIZE];
  evs_error e;
  evs_error_clear(&e);
  evs_status st = evs_time_format_rfc3339_ms(ms, out, &e);
  if (st != EVS_OK || strcmp(out, want) != 0) {
    fail_msg("format %lld: status %s, \"%s\", want \"%s\" (%s)", (long long)ms, evs_status_name(st), out,
             want, e.msg);
  }
}

static void expect_parse(const char *s, int64_t want_seconds, int32_t want_nanos) {
  int64_t secs = -7;
  int32_t ns = -7;
  evs_error e;
  evs_error_clear(&e);
  evs_status st = evs_time_parse_rfc3339(s, strlen(s), &secs, &ns, &e);
  if (st != EVS_OK || secs != want_seconds || ns != want_nanos) {
    fail_msg("parse \"%s\": status %s (%s at %zu), got %lld.%09d, want %lld.%09d", s, evs_status_name(st),
             e.msg, e.offset, (long long)secs, (int)ns, (long long)want_seconds, (int)want_nanos);
  }
}

/* Rejected with code, at offset, with a message containing needle; the outputs stay untouched. */
static void expect_reject_len(const char *s, size_t len, evs_status code, size_t offset, const char *needle) {
  int64_t secs = -7;
  int32_t ns = -7;
  evs_error e;
  evs_error_clear(&e);
  evs_status st = evs_time_parse_rfc3339(s, len, &secs, &ns, &e);
  if (st != code || e.code != code || e.offset != offset || strstr(e.msg, needle) == NULL) {
    fail_msg("parse \"%.*s\": got %s at %zu \"%s\"; want %s at %zu containing \"%s\"", (int)len, s,
             evs_status_name(st), e.offset, e.msg, evs_status_name(code), offset, needle);
  }
  assert_int_equal(secs, -7);
  assert_int_equal(ns, -7);
}

static void expect_reject(const char *s, evs_status code, size_t offset, const char *needle) {
  expect_reject_len(s, strlen(s), code, offset, needle);
}

/* ---- formatting ----------------------------------------------------------------------------------- */

static void test_format_known_values(void **state) {
  (void)state;
  expect_format_ms(0, "1970-01-01T00:00:00.000Z");
  expect_format_ms(1, "1970-01-01T00:00:00.001Z");
  expect_format_ms(-1, "1969-12-31T23:59:59.999Z");
  expect_format_ms(-1000, "1969-12-31T23:59:59.000Z");
  expect_format_ms(-1001, "1969-12-31T23:59:58.999Z");
  expect_format_ms(-86400000, "1969-12-31T00:00:00.000Z");
  expect_format_ms(INT64_C(-14182940000), "1969-07-20T20:17:40.000Z"); /* Apollo 11 landing */
  expect_format_ms(INT64_C(951782400000), "2000-02-29T00:00:00.000Z");
  expect_format_ms(INT64_C(1645557742000), "2022-02-22T19:22:22.000Z");
  expect_format_ms(INT64_C(1768386600123), "2026-01-14T10:30:00.123Z");
  expect_format_ms(EVS_TIME_MIN_MS, "0001-01-01T00:00:00.000Z");
  expect_format_ms(EVS_TIME_MAX_MS, "9999-12-31T23:59:59.999Z");
  expect_format_ms(INT64_C(253402214400000), "9999-12-31T00:00:00.000Z");

  const int64_t bad[] = {EVS_TIME_MIN_MS - 1, EVS_TIME_MAX_MS + 1, INT64_MIN, INT64_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char out[EVS_TIME_RFC3339_SIZE] = "junk";
    evs_error e;
    evs_error_clear(&e);
    assert_int_equal(evs_time_format_rfc3339_ms(bad[i], out, &e), EVS_ERR_RANGE);
    assert_string_equal(out, "");
    assert_non_null(strstr(e.msg, "outside the timestamp range"));
  }
  assert_int_equal(evs_time_format_rfc3339_ms(0, NULL, NULL), EVS_ERR_INVALID_ARG);
}

static void test_format_protojson_fractions(void **state) {
  (void)state;
  char out[EVS_TIME_RFC3339_SIZE];
  struct {
    int64_t s;
    int32_t ns;
    const char *want;
  } cases[] = {
      {0, 0, "1970-01-01T00:00:00Z"},
      {0, 120000000, "1970-01-01T00:00:00.120Z"},
      {0, 1000, "1970-01-01T00:00:00.000001Z"},
      {0, 1, "1970-01-01T00:00:00.000000001Z"},
      {-1, 999999999, "1969-12-31T23:59:59.999999999Z"},
      {INT64_C(1768386600), 123456000, "2026-01-14T10:30:00.123456Z"},
      {EVS_TIME_MIN_SECONDS, 0, "0001-01-01T00:00:00Z"},
      {EVS_TIME_MAX_SECONDS, 999999999, "9999-12-31T23:59:59.999999999Z"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(evs_time_format_rfc3339(cases[i].s, cases[i].ns, out, NULL), EVS_OK);
    assert_string_equal(out, cases[i].want);
  }
  assert_true(strlen(out) < EVS_TIME_RFC3339_SIZE);
  evs_error e;
  evs_error_clear(&e);
  assert_int_equal(evs_time_format_rfc3339(0, -1, out, &e), EVS_ERR_RANGE);
  assert_string_equal(out, "");
  assert_non_null(strstr(e.msg, "nanos -1"));
  assert_int_equal(evs_time_format_rfc3339(0, 1000000000, out, &e), EVS_ERR_RANGE);
  assert_int_equal(evs_time_format_rfc3339(EVS_TIME_MIN_SECONDS - 1, 0, out, &e), EVS_ERR_RANGE);
  assert_int_equal(evs_time_format_rfc3339(EVS_TIME_MAX_SECONDS + 1, 0, out, &e), EVS_ERR_RANGE);
  assert_int_equal(evs_time_format_rfc3339(0, 0, NULL, &e), EVS_ERR_INVALID_ARG);
}

/* glibc's gmtime_r (64-bit time_t) as an independent oracle for the calendar math. */
static void test_format_matches_gmtime(void **state) {
  (void)state;
  for (int i = 0; i < 100000; i++) {
    int64_t ms = random_between(EVS_TIME_MIN_MS, EVS_TIME_MAX_MS);
    int64_t secs = ms / 1000 - (ms % 1000 < 0);
    time_t t = (time_t)secs;
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    char want[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - secs * 1000));
    expect_format_ms(ms, want);
  }
}

/* ---- parsing -------------------------------------------------------------------------------------- */

static void test_round_trip_random_ms(void **state) {
  (void)state;
  char out[EVS_TIME_RFC3339_SIZE];
  for (int i = 0; i < 200000; i++) {
    /* Mostly the whole range, sometimes near the epoch where sign handling matters. */
    int64_t ms = (i % 4 == 0) ? random_between(-100000000, 100000000)
                              : random_between(EVS_TIME_MIN_MS, EVS_TIME_MAX_MS);
    assert_int_equal(evs_time_format_rfc3339_ms(ms, out, NULL), EVS_OK);
    assert_int_equal(strlen(out), 24);
    int64_t back = 0, secs = 0;
    int32_t ns = 0;
    assert_int_equal(evs_time_parse_rfc3339_ms(out, 24, &back, NULL), EVS_OK);
    assert_int_equal(back, ms);
    assert_int_equal(evs_time_parse_rfc3339(out, 24, &secs, &ns, NULL), EVS_OK);
    assert_int_equal(secs * 1000 + ns / 1000000, ms);
    assert_int_equal(ns % 1000000, 0);
  }
  for (int i = 0; i < 100000; i++) {
    int64_t s = random_between(EVS_TIME_MIN_SECONDS, EVS_TIME_MAX_SECONDS);
    int32_t n = (int32_t)random_between(0, 999999999);
    if (i % 3 == 1) n -= n % 1000; /* exercise the 6-digit form */
    assert_int_equal(evs_time_format_rfc3339(s, n, out, NULL), EVS_OK);
    int64_t s2 = 0;
    int32_t n2 = 0;
    assert_int_equal(evs_time_parse_rfc3339(out, strlen(out), &s2, &n2, NULL), EVS_OK);
    assert_int_equal(s2, s);
    assert_int_equal(n2, n);
  }
}

static void test_parse_valid(void **state) {
  (void)state;
  expect_parse("1970-01-01T00:00:00Z", 0, 0);
  expect_parse("2026-01-14T10:30:00Z", INT64_C(1768386600), 0);
  expect_parse("2026-01-14T10:30:00.123Z", INT64_C(1768386600), 123000000);
  expect_parse("2026-01-14T10:30:00.1Z", INT64_C(1768386600), 100000000);
  expect_parse("2026-01-14T10:30:00.000000001Z", INT64_C(1768386600), 1);
  expect_parse("2026-01-14T10:30:00.123456789Z", INT64_C(1768386600), 123456789);
  expect_parse("1969-12-31T23:59:59.5Z", -1, 500000000);
  expect_parse("0001-01-01T00:00:00Z", EVS_TIME_MIN_SECONDS, 0);
  expect_parse("9999-12-31T23:59:59.999999999Z", EVS_TIME_MAX_SECONDS, 999999999);

  /* Offsets are normalized to UTC: 10:30+01:00 is 09:30Z. */
  int64_t s1, s2;
  int32_t n1, n2;
  const char *a = "2026-01-14T10:30:00+01:00", *b = "2026-01-14T09:30:00Z";
  assert_int_equal(evs_time_parse_rfc3339(a, strlen(a), &s1, &n1, NULL), EVS_OK);
  assert_int_equal(evs_time_parse_rfc3339(b, strlen(b), &s2, &n2, NULL), EVS_OK);
  assert_int_equal(s1, s2);
  assert_int_equal(n1, n2);
  expect_parse("2026-01-14T10:30:00+01:00", INT64_C(1768386600) - 3600, 0);
  expect_parse("2026-01-14T10:30:00-05:30", INT64_C(1768386600) + 5 * 3600 + 30 * 60, 0);
  expect_parse("2026-01-14T10:30:00.250+23:59", INT64_C(1768386600) - 23 * 3600 - 59 * 60, 250000000);
  expect_parse("2026-01-14T10:30:00-00:00", INT64_C(1768386600), 0);
  expect_parse("2026-01-01T00:30:00+01:00", INT64_C(1767223800), 0); /* crosses into 2025-12-31 */
  /* Offsets may bring an out-of-range local time back into range. */
  expect_parse("0001-01-01T01:00:00+01:00", EVS_TIME_MIN_SECONDS, 0);
  expect_parse("9999-12-31T22:59:59-01:00", EVS_TIME_MAX_SECONDS, 0);

  /* Leap years. */
  expect_parse("2000-02-29T00:00:00Z", INT64_C(951782400), 0);
  expect_parse("2024-02-29T12:00:00Z", INT64_C(1709208000), 0);
  expect_parse("1600-02-29T00:00:00Z", INT64_C(-11670998400), 0);

  /* Only len bytes are read. */
  const char *longer = "2026-01-14T10:30:00Zjunk";
  assert_int_equal(evs_time_parse_rfc3339(longer, 20, &s1, &n1, NULL), EVS_OK);
  assert_int_equal(s1, INT64_C(1768386600));

  int64_t ms = 0;
  const char *sub = "1969-12-31T23:59:59.9999Z"; /* sub-ms digits round toward the past */
  assert_int_equal(evs_time_parse_rfc3339_ms(sub, strlen(sub), &ms, NULL), EVS_OK);
  assert_int_equal(ms, -1);
  sub = "1970-01-01T00:00:00.0009Z";
  assert_int_equal(evs_time_parse_rfc3339_ms(sub, strlen(sub), &ms, NULL), EVS_OK);
  assert_int_equal(ms, 0);
}

static void test_parse_rejects_fields(void **state) {
  (void)state;
  expect_reject("", EVS_ERR_SYNTAX, 0, "empty");
  expect_reject("2026-01-14t10:30:00Z", EVS_ERR_SYNTAX, 10, "only uppercase 'T'");
  expect_reject("2026-01-14 10:30:00Z", EVS_ERR_SYNTAX, 10, "found ' '");
  expect_reject("2026-01-14T10:30:00z", EVS_ERR_SYNTAX, 19, "only uppercase 'Z'");
  expect_reject("2026-01-14T10:30:00.5z", EVS_ERR_SYNTAX, 21, "only uppercase 'Z'");
  expect_reject("26-01-14T10:30:00Z", EVS_ERR_SYNTAX, 2, "4-digit year");
  expect_reject("+2026-01-14T10:30:00Z", EVS_ERR_SYNTAX, 0, "4-digit year");
  expect_reject("12026-01-14T10:30:00Z", EVS_ERR_SYNTAX, 4, "expected '-'");
  expect_reject("20260114T103000Z", EVS_ERR_SYNTAX, 4, "expected '-'");
  expect_reject("2026/01/14T10:30:00Z", EVS_ERR_SYNTAX, 4, "found '/'");
  expect_reject("2026-1-14T10:30:00Z", EVS_ERR_SYNTAX, 6, "2-digit month");
  expect_reject("2026-01-4T10:30:00Z", EVS_ERR_SYNTAX, 9, "2-digit day");
  expect_reject("2026-01-14T1:30:00Z", EVS_ERR_SYNTAX, 12, "2-digit hour");
  expect_reject("2026-01-14T10:3:00Z", EVS_ERR_SYNTAX, 15, "2-digit minute");
  expect_reject("2026-01-14T10:30:0Z", EVS_ERR_SYNTAX, 18, "2-digit second");
  expect_reject("2026-01-14T10:30Z", EVS_ERR_SYNTAX, 16, "expected ':'");
  expect_reject("2026-01-14T10.30:00Z", EVS_ERR_SYNTAX, 13, "expected ':'");
  expect_reject("2026-01-14", EVS_ERR_SYNTAX, 10, "ends early");
  expect_reject("2026-01-14T10:30:00", EVS_ERR_SYNTAX, 19, "expected 'Z' or a UTC offset");
  expect_reject("2026-01-14T10:30:00 Z", EVS_ERR_SYNTAX, 19, "expected '.', 'Z' or a UTC offset");
  expect_reject("2026-01-14T10:30:00,5Z", EVS_ERR_SYNTAX, 19, "found ','");
  expect_reject("2026-01-14T10:30:00\xc2\xb5Z", EVS_ERR_SYNTAX, 19, "byte 0xc2");
  expect_reject_len("2026-01-14T10:30:00\0Z", 21, EVS_ERR_SYNTAX, 19, "byte 0x00");

  /* Field ranges, reported at the field. */
  expect_reject("0000-01-01T00:00:00Z", EVS_ERR_RANGE, 0, "year 0000");
  expect_reject("2026-00-01T00:00:00Z", EVS_ERR_RANGE, 5, "month 00");
  expect_reject("2026-13-01T00:00:00Z", EVS_ERR_RANGE, 5, "month 13 is out of range 01..12");
  expect_reject("2026-01-00T00:00:00Z", EVS_ERR_RANGE, 8, "day 00");
  expect_reject("2026-01-32T00:00:00Z", EVS_ERR_RANGE, 8, "day 32 is out of range for 2026-01 (01..31)");
  expect_reject("2026-04-31T00:00:00Z", EVS_ERR_RANGE, 8, "(01..30)");
  expect_reject("2026-01-14T24:00:00Z", EVS_ERR_RANGE, 11, "hour 24");
  expect_reject("2026-01-14T10:60:00Z", EVS_ERR_RANGE, 14, "minute 60");
  expect_reject("2026-01-14T10:30:60Z", EVS_ERR_RANGE, 17, "leap seconds");
  expect_reject("2026-01-14T99:99:99Z", EVS_ERR_RANGE, 11, "hour 99");

  /* Leap years: 1900 is a century not divisible by 400. */
  expect_reject("1900-02-29T00:00:00Z", EVS_ERR_RANGE, 8, "day 29 is out of range for 1900-02 (01..28)");
  expect_reject("2023-02-29T00:00:00Z", EVS_ERR_RANGE, 8, "(01..28)");
  expect_reject("2024-02-30T00:00:00Z", EVS_ERR_RANGE, 8, "(01..29)");
}

static void test_parse_rejects_fraction_and_offset(void **state) {
  (void)state;
  expect_reject("2026-01-14T10:30:00.Z", EVS_ERR_SYNTAX, 20, "expected a digit after '.'");
  expect_reject("2026-01-14T10:30:00.", EVS_ERR_SYNTAX, 20, "ends early");
  expect_reject("2026-01-14T10:30:00.1234567890Z", EVS_ERR_SYNTAX, 29, "more than 9 fraction digits");
  expect_reject("2026-01-14T10:30:00.12a", EVS_ERR_SYNTAX, 22, "found 'a'");
  expect_reject("2026-01-14T10:30:00+24:00", EVS_ERR_RANGE, 20, "offset hour 24");
  expect_reject("2026-01-14T10:30:00-01:60", EVS_ERR_RANGE, 23, "offset minute 60");
  expect_reject("2026-01-14T10:30:00+0100", EVS_ERR_SYNTAX, 22, "expected ':'");
  expect_reject("2026-01-14T10:30:00+01", EVS_ERR_SYNTAX, 22, "ends early");
  expect_reject("2026-01-14T10:30:00+1:00", EVS_ERR_SYNTAX, 21, "2-digit offset hour");
  expect_reject("2026-01-14T10:30:00+01:0", EVS_ERR_SYNTAX, 24, "2-digit offset minute");
  expect_reject("2026-01-14T10:30:00Z ", EVS_ERR_SYNTAX, 20, "after the end");
  expect_reject("2026-01-14T10:30:00ZZ", EVS_ERR_SYNTAX, 20, "after the end");
  expect_reject("2026-01-14T10:30:00.5+01:00x", EVS_ERR_SYNTAX, 27, "unexpected 'x'");
  expect_reject("2026-01-14T10:30:00Z+01:00", EVS_ERR_SYNTAX, 20, "unexpected '+'");

  /* The instant, after the offset, must stay inside 0001..9999; reported at the offset. */
  expect_reject("0001-01-01T00:30:00+01:00", EVS_ERR_RANGE, 19, "UTC offset moves the instant outside");
  expect_reject("9999-12-31T23:59:59-00:01", EVS_ERR_RANGE, 19, "outside");
  expect_reject("9999-12-31T23:59:59.999999999-01:00", EVS_ERR_RANGE, 29, "outside");

  /* Every proper prefix of a valid timestamp ends early exactly where it stops. */
  const char *full = "2026-01-14T10:30:00.123+01:00";
  for (size_t len = 1; len < strlen(full); len++)
    expect_reject_len(full, len, EVS_ERR_SYNTAX, len, "ends early");

  int64_t secs;
  int32_t ns;
  evs_error e;
  evs_error_clear(&e);
  assert_int_equal(evs_time_parse_rfc3339("x", 1, NULL, &ns, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_time_parse_rfc3339("x", 1, &secs, NULL, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_time_parse_rfc3339(NULL, 5, &secs, &ns, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(e.offset, EVS_NO_OFFSET);
  assert_int_equal(evs_time_parse_rfc3339(NULL, 0, &secs, &ns, &e), EVS_ERR_SYNTAX);
  assert_int_equal(evs_time_parse_rfc3339_ms("x", 1, NULL, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_time_parse_rfc3339("2026", 4, &secs, &ns, NULL), EVS_ERR_SYNTAX); /* err NULL */

  /* The offset reaches the formatted one-line message. */
  evs_error_clear(&e);
  assert_int_equal(evs_time_parse_rfc3339("2026-01-14T10:30:60Z", 20, &secs, &ns, &e), EVS_ERR_RANGE);
  char line[320];
  evs_error_format(&e, line, sizeof line);
  assert_non_null(strstr(line, "offset 17: second 60"));
}

/* ---- civil dates and clock ------------------------------------------------------------------------ */

static void test_civil_days(void **state) {
  (void)state;
  assert_int_equal(evs_time_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(evs_time_days_from_civil(1969, 12, 31), -1);
  assert_int_equal(evs_time_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(evs_time_days_from_civil(1, 1, 1), -719162);
  assert_int_equal(evs_time_days_from_civil(9999, 12, 31), 2932896);
  assert_int_equal(evs_time_days_from_civil(0, 3, 1), -719468);

  /* Every day of 0001..9999 maps back and forth, one calendar step at a time. */
  int32_t y = 1;
  int m = 1, d = 1;
  for (int64_t z = evs_time_days_from_civil(1, 1, 1); z <= evs_time_days_from_civil(9999, 12, 31); z++) {
    int32_t yy;
    int mm, dd;
    assert_true(evs_time_civil_from_days(z, &yy, &mm, &dd));
    if (yy != y || mm != m || dd != d) {
      fail_msg("day %lld: got %d-%d-%d, want %d-%d-%d", (long long)z, (int)yy, mm, dd, (int)y, m, d);
    }
    if (evs_time_days_from_civil(y, m, d) != z)
      fail_msg("days_from_civil(%d-%d-%d) != %lld", (int)y, m, d, (long long)z);
    if (++d > evs_time_days_in_month(y, m)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  assert_int_equal(y, 10000);

  /* The int32 year limits and beyond. */
  int32_t yy = 0;
  int mm = 0, dd = 0;
  int64_t lo = evs_time_days_from_civil(INT32_MIN, 1, 1), hi = evs_time_days_from_civil(INT32_MAX, 12, 31);
  assert_true(evs_time_civil_from_days(lo, &yy, &mm, &dd));
  assert_int_equal(yy, INT32_MIN);
  assert_int_equal(mm, 1);
  assert_int_equal(dd, 1);
  assert_true(evs_time_civil_from_days(hi, &yy, NULL, NULL));
  assert_int_equal(yy, INT32_MAX);
  yy = 42;
  assert_false(evs_time_civil_from_days(lo - 1, &yy, &mm, &dd));
  assert_false(evs_time_civil_from_days(hi + 1, &yy, &mm, &dd));
  assert_false(evs_time_civil_from_days(INT64_MAX, &yy, &mm, &dd));
  assert_false(evs_time_civil_from_days(INT64_MIN, &yy, &mm, &dd));
  assert_int_equal(yy, 42);
  (void)evs_time_days_from_civil(2026, -5, 1000); /* garbage in: a number, no UB (checked by UBSan) */
}

static void test_leap_years_and_month_lengths(void **state) {
  (void)state;
  assert_true(evs_time_is_leap_year(2000));
  assert_true(evs_time_is_leap_year(2024));
  assert_true(evs_time_is_leap_year(0));
  assert_true(evs_time_is_leap_year(-4));
  assert_false(evs_time_is_leap_year(1900));
  assert_false(evs_time_is_leap_year(2023));
  assert_false(evs_time_is_leap_year(-100));
  assert_int_equal(evs_time_days_in_month(2024, 2), 29);
  assert_int_equal(evs_time_days_in_month(2023, 2), 28);
  assert_int_equal(evs_time_days_in_month(1900, 2), 28);
  assert_int_equal(evs_time_days_in_month(2000, 2), 29);
  assert_int_equal(evs_time_days_in_month(2023, 1), 31);
  assert_int_equal(evs_time_days_in_month(2023, 4), 30);
  assert_int_equal(evs_time_days_in_month(2023, 12), 31);
  assert_int_equal(evs_time_days_in_month(2023, 0), 0);
  assert_int_equal(evs_time_days_in_month(2023, 13), 0);
}

static void test_now_ms(void **state) {
  (void)state;
  int64_t a = evs_time_now_ms();
  time_t t = time(NULL);
  int64_t b = evs_time_now_ms();
  assert_true(a > INT64_C(1577836800000)); /* after 2020-01-01: the clock is plausibly set */
  assert_true(a <= b);
  assert_true(a / 1000 <= (int64_t)t && (int64_t)t <= b / 1000 + 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format_known_values),
      cmocka_unit_test(test_format_protojson_fractions),
      cmocka_unit_test(test_format_matches_gmtime),
      cmocka_unit_test(test_round_trip_random_ms),
      cmocka_unit_test(test_parse_valid),
      cmocka_unit_test(test_parse_rejects_fields),
      cmocka_unit_test(test_parse_rejects_fraction_and_offset),
      cmocka_unit_test(test_civil_days),
      cmocka_unit_test(test_leap_years_and_month_lengths),
      cmocka_unit_test(test_now_ms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
