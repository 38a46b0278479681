/* The pieces under the JSON codec: UTF-8 validation, base64, number scanning/printing, and the binary
 * depth pre-scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <float.h>
#include <math.h>

#include <cmocka.h>

#include "base/base64_internal.h"
#include "base/utf8_internal.h"
#include "jtest.h"
#include "json/json_internal.h"

static void test_utf8(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t bad; /* SIZE_MAX = valid */
  } cases[] = {
      {"", SIZE_MAX},
      {"plain ascii text, longer than one word", SIZE_MAX},
      {"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", SIZE_MAX},
      {"abcdefgh\x80", 8},
      {"\xc1\xbf", 0},
      {"a\xc2", 1},
      {"\xe0\x9f\xbf", 0},
      {"\xed\xa0\x80", 0},
      {"\xed\x9f\xbf", SIZE_MAX},
      {"\xf0\x8f\xbf\xbf", 0},
      {"\xf4\x90\x80\x80", 0},
      {"\xf5\x80\x80\x80", 0},
      {"ok\xe2\x82", 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = strlen(cases[i].s);
    size_t got = evs_utf8_check((const uint8_t *)cases[i].s, n);
    assert_int_equal(got, cases[i].bad == SIZE_MAX ? n : cases[i].bad);
  }
  uint8_t out[4];
  assert_int_equal(evs_utf8_put(out, 0x24), 1);
  assert_int_equal(evs_utf8_put(out, 0xE9), 2);
  assert_memory_equal(out, "\xc3\xa9", 2);
  assert_int_equal(evs_utf8_put(out, 0x20AC), 3);
  assert_memory_equal(out, "\xe2\x82\xac", 3);
  assert_int_equal(evs_utf8_put(out, 0x1F600), 4);
  assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
}

static void test_base64(void **state) {
  (void)state;
  static const char *const enc[][2] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
      {"\xfb\xff", "+/8="},
  };
  for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++) {
    size_t n = strlen(enc[i][0]);
    char out[32];
    assert_int_equal(evs_base64_encoded_len(n), strlen(enc[i][1]));
    evs_base64_encode((const uint8_t *)enc[i][0], n, out);
    assert_memory_equal(out, enc[i][1], strlen(enc[i][1]));
    uint8_t dec[32];
    size_t len, bad;
    assert_true(evs_base64_decode(enc[i][1], strlen(enc[i][1]), dec, &len, &bad));
    assert_int_equal(len, n);
    assert_memory_equal(dec, enc[i][0], n);
  }
  static const char *const ok[][2] = {{"Zg", "f"},
                                      {"Zm8", "fo"},
                                      {"-_8", "\xfb\xff"},
                                      {"-_8=", "\xfb\xff"},
                                      {"Zh==", "f"} /* leftover bits ignored */};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    uint8_t dec[32];
    size_t len, bad;
    assert_true(evs_base64_decode(ok[i][0], strlen(ok[i][0]), dec, &len, &bad));
    assert_int_equal(len, strlen(ok[i][1]));
    assert_memory_equal(dec, ok[i][1], len);
  }
  static const struct {
    const char *s;
    size_t bad;
  } bad[] = {{"Z", 0},     {"Zg=", 2},  {"Zg===", 3}, {"Z===", 1}, {"Zg==Zg==", 2},
             {"Zm9v!", 4}, {"Zm 9", 2}, {"=", 0},     {"Zm9vY", 4}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t dec[32];
    size_t len, at = 99;
    assert_false(evs_base64_decode(bad[i].s, strlen(bad[i].s), dec, &len, &at));
    if (at != bad[i].bad) fail_msg("%s: bad at %zu, want %zu", bad[i].s, at, bad[i].bad);
  }
}

static void test_number_scan(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t used;
  } cases[] = {{"0", 1},  {"-0", 2},  {"12,", 2}, {"1.5e+3x", 6}, {"1E5", 3},
               {"01", 0}, {"-", 0},   {"+1", 0},  {".5", 0},      {"1.", 0},
               {"1e", 0}, {"1e+", 0}, {"-a", 0},  {"", 0},        {"123456789012345678901234567890", 30}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    evs_jnum num;
    const char *why = NULL;
    size_t bad = 0;
    size_t used = evs_jnum_scan(cases[i].s, strlen(cases[i].s), &num, &why, &bad);
    if (used != cases[i].used) fail_msg("%s: used %zu, want %zu", cases[i].s, used, cases[i].used);
    if (!used) assert_non_null(why);
  }
  static const struct {
    const char *s;
    evs_status st;
    uint64_t mag;
  } ints[] = {
      {"18446744073709551615", EVS_OK, UINT64_MAX},
      {"18446744073709551616", EVS_ERR_RANGE, 0},
      {"1.8446744073709551615e19", EVS_OK, UINT64_MAX},
      {"1.8446744073709551616e19", EVS_ERR_RANGE, 0},
      {"0.000e5", EVS_OK, 0},
      {"1234.5e1", EVS_OK, 12345},
      {"1234.5", EVS_ERR_TYPE, 0},
      {"100e-2", EVS_OK, 1},
      {"100e-3", EVS_ERR_TYPE, 0},
      {"1e19", EVS_OK, 10000000000000000000ull},
      {"1e20", EVS_ERR_RANGE, 0},
      {"0e999999999999999999", EVS_OK, 0},
      {"5e-999999999999999999", EVS_ERR_TYPE, 0},
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    evs_jnum num;
    const char *why;
    size_t bad;
    assert_int_equal(evs_jnum_scan(ints[i].s, strlen(ints[i].s), &num, &why, &bad), strlen(ints[i].s));
    uint64_t mag = 0;
    evs_status st = evs_jnum_magnitude(&num, &mag);
    if (st != ints[i].st || (st == EVS_OK && mag != ints[i].mag))
      fail_msg("%s: got %s %llu", ints[i].s, evs_status_name(st), (unsigned long long)mag);
  }
}

/* Reading a number gives strtod's double bit for bit (strtod is correctly rounded in glibc): on hard cases
 * (halfway points, the ends of the normal range, 19 and 20 digits) and on pseudo-random decimals of every
 * shape, most of which take the Eisel-Lemire path. */
static uint64_t g_parse_rng = 20261206;
static uint64_t parse_rnd(void) {
  uint64_t z = (g_parse_rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void check_parse(const char *text) {
  size_t len = strlen(text), bad = 0;
  const char *why = NULL;
  evs_jnum num;
  assert_int_equal(evs_jnum_scan(text, len, &num, &why, &bad), len);
  double want = strtod(text, NULL), got = 0;
  evs_status st = evs_jnum_to_double(text, len, &num, &got);
  if (isinf(want)) {
    assert_int_equal(st, EVS_ERR_RANGE);
    return;
  }
  assert_int_equal(st, EVS_OK);
  if (memcmp(&got, &want, sizeof got) != 0) fail_msg("%s: got %.17g, strtod %.17g", text, got, want);
}

static void test_number_parse_exact(void **state) {
  (void)state;
  static const char *const hard[] = {"9007199254740993",
                                     "9007199254740995",
                                     "18014398509481987",
                                     "0.1",
                                     "0.3",
                                     "2.2250738585072011e-308",
                                     "2.2250738585072014e-308",
                                     "1.7976931348623157e308",
                                     "1.7976931348623158e308",
                                     "4.9406564584124654e-324",
                                     "2.4703282292062328e-324",
                                     "1e23",
                                     "8.98846567431158e307",
                                     "9223372036854775807",
                                     "18446744073709551615",
                                     "18446744073709551616",
                                     "1234567890123456789",
                                     "12345678901234567890",
                                     "7.0e-10",
                                     "-0.0",
                                     "0e400",
                                     "1e-400",
                                     "1e400",
                                     "0.000000000000000000000000000001",
                                     "4.35679845e-322",
                                     "123456789012345678e-5",
                                     "1.00000000000000011102230246251565404236316680908203125",
                                     "1.00000000000000011102230246251565404236316680908203124"};
  for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++) check_parse(hard[i]);
  char buf[96];
  for (int i = 0; i < 200000; i++) {
    uint64_t r = parse_rnd(), b = parse_rnd();
    double d;
    switch (i % 4) {
      case 0: /* any finite double at every precision, as printf writes it */
        memcpy(&d, &b, sizeof d);
        if (!isfinite(d)) continue;
        snprintf(buf, sizeof buf, "%.*g", (int)(r % 17) + 1, d);
        break;
      case 1: /* up to 19 digits, any exponent */
        snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)(b % 10000000000000000000ull),
                 (int)(r % 700) - 350);
        break;
      case 2: /* full-precision doubles of everyday size */
        snprintf(buf, sizeof buf, "%.17g", (double)(b >> 11) / 9007199254740992.0 * 1e6);
        break;
      default:
        snprintf(buf, sizeof buf, "%llu.%llue%d", (unsigned long long)(b % 100000000000ull),
                 (unsigned long long)(r % 100000000ull), (int)(r % 640) - 320);
        break;
    }
    check_parse(buf);
  }
}

/* Printing a double gives what the %.{p}g loop gives (the fewest of 15, 16, 17 digits that reads back; from
 * 1 digit for subnormals), on pseudo-random doubles of every exponent and full-precision everyday values:
 * evs_format_double rounds one exact 17-digit printf itself and must agree digit for digit. */
static void test_number_format_matches_printf(void **state) {
  (void)state;
  char got[EVS_JNUM_BUF], want[64];
  for (int i = 0; i < 200000; i++) {
    uint64_t b = parse_rnd();
    double d;
    if (i % 2) {
      memcpy(&d, &b, sizeof d);
      if (!isfinite(d)) continue;
    } else {
      d = (double)(b >> 11) / 9007199254740992.0 * (i % 4 ? 1e6 : 1e-3);
    }
    evs_format_double(d, got);
    for (int p = fabs(d) < DBL_MIN ? 1 : 15; p <= 17; p++) {
      snprintf(want, sizeof want, "%.*g", p, d);
      if (p == 17 || strtod(want, NULL) == d) break;
    }
    if (strcmp(got, want) != 0) fail_msg("%a: got %s, printf %s", d, got, want);
  }
}

static void test_number_format(void **state) {
  (void)state;
  static const struct {
    double v;
    const char *s;
  } dbl[] = {
      {0.0, "0"},
      {-0.0, "-0"},
      {1.0, "1"},
      {-123456789012345.0, "-123456789012345"},
      {1e15, "1e+15"},
      {0.1, "0.1"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1.0 / 3.0, "0.3333333333333333"},
      {2.0 / 3.0, "0.6666666666666666"},
      {DBL_MAX, "1.7976931348623157e+308"},
      {DBL_MIN, "2.2250738585072014e-308"},
      {5e-324, "5e-324"},
      {1e-320, "1e-320"},
      {1e-7, "1e-07"},
      {123.456, "123.456"},
      {9007199254740993.0, "9007199254740992"},
  };
  for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
    char buf[EVS_JNUM_BUF];
    size_t n = evs_format_double(dbl[i].v, buf);
    assert_int_equal(n, strlen(buf));
    if (strcmp(buf, dbl[i].s) != 0) fail_msg("%.17g: got %s, want %s", dbl[i].v, buf, dbl[i].s);
  }
  static const struct {
    float v;
    const char *s;
  } flt[] = {{1.1f, "1.1"},
             {0.1f, "0.1"},
             {FLT_MAX, "3.4028235e+38"},
             {FLT_MIN, "1.1754944e-38"},
             {1e-45f, "1e-45"},
             {16777216.0f, "16777216"},
             {-2.5f, "-2.5"},
             {3.14159274f, "3.1415927"},
             {-0.0f, "-0"},
             {1e6f, "1e+06"}};
  for (size_t i = 0; i < sizeof flt / sizeof flt[0]; i++) {
    char buf[EVS_JNUM_BUF];
    evs_format_float(flt[i].v, buf);
    if (strcmp(buf, flt[i].s) != 0) fail_msg("%.9g: got %s, want %s", (double)flt[i].v, buf, flt[i].s);
  }
  char buf[EVS_JNUM_BUF];
  evs_format_i64(INT64_MIN, buf);
  assert_string_equal(buf, "-9223372036854775808");
  evs_format_u64(UINT64_MAX, buf);
  assert_string_equal(buf, "18446744073709551615");
  evs_format_u64(0, buf);
  assert_string_equal(buf, "0");
  /* every double printed reads back exactly (a sweep over magnitudes and digit counts) */
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double v;
    memcpy(&v, &x, sizeof v);
    if (!isfinite(v)) continue;
    evs_format_double(v, buf);
    if (strtod(buf, NULL) != v) fail_msg("%a printed as %s", v, buf);
    float f = (float)(int32_t)(x >> 40) / 1024.0f;
    evs_format_float(f, buf);
    if (strtof(buf, NULL) != f) fail_msg("%a printed as %s", (double)f, buf);
  }
}

/* The reference: %.15g when it reads back, else %.16g, else %.17g (shortest for normal doubles). */
static void reference_double(double v, char *buf, size_t n) {
  for (int p = 15; p <= 17; p++) {
    snprintf(buf, n, "%.*g", p, v);
    if (strtod(buf, NULL) == v) return;
  }
}

static void reference_float(float v, char *buf, size_t n) {
  for (int p = 6; p <= 9; p++) {
    snprintf(buf, n, "%.*g", p, (double)v);
    if (strtof(buf, NULL) == v) return;
  }
}

static void test_number_format_short_decimals(void **state) {
  (void)state;
  /* The fast path for short decimals must print exactly what the snprintf reference prints. */
  static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e12, 1e15, 1e17};
  uint64_t x = 0x243F6A8885A308D3ull;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int digits = (int)(x % 17) + 1;
    uint64_t p10 = 1;
    for (int d = 0; d < digits; d++) p10 *= 10;
    uint64_t m = (x >> 8) % p10;
    double v = (double)m / scale[(x >> 3) % (sizeof scale / sizeof scale[0])];
    if (x & 4) v = -v;
    char got[EVS_JNUM_BUF], want[64];
    evs_format_double(v, got);
    reference_double(v, want, sizeof want);
    if (strcmp(got, want) != 0 && !(v == 0 && strcmp(got, "0") == 0 && strcmp(want, "0") == 0))
      fail_msg("double %.17g: got %s, want %s", v, got, want);
    float f = (float)v;
    evs_format_float(f, got);
    reference_float(f, want, sizeof want);
    if (strcmp(got, want) != 0) fail_msg("float %.9g: got %s, want %s", (double)f, got, want);
  }
}

/* Integers of every length read eight digits at a time: the magnitude is strtoull's, 20 digits above
 * UINT64_MAX and 21 digits are out of range, a fraction or exponent keeps its meaning. */
static void test_number_magnitude_lengths(void **state) {
  (void)state;
  char buf[64];
  for (int i = 0; i < 100000; i++) {
    uint64_t r = parse_rnd(), b = parse_rnd();
    int len = (int)(r % 21) + 1;
    buf[0] = (char)('1' + b % 9);
    for (int k = 1; k < len; k++) buf[k] = (char)('0' + (parse_rnd() >> 7) % 10);
    buf[len] = '\0';
    if (r & 0x100) snprintf(buf + len, sizeof buf - (size_t)len, "%s", r & 0x200 ? ".000000000" : "0e-1");
    size_t n = strlen(buf), bad = 0;
    const char *why = NULL;
    evs_jnum num;
    assert_int_equal(evs_jnum_scan(buf, n, &num, &why, &bad), n);
    uint64_t mag = 0;
    evs_status st = evs_jnum_magnitude(&num, &mag);
    errno = 0;
    char digits[32];
    memcpy(digits, buf, (size_t)len);
    digits[len] = '\0';
    unsigned long long want = strtoull(digits, NULL, 10);
    if (errno == ERANGE) {
      assert_int_equal(st, EVS_ERR_RANGE);
    } else {
      assert_int_equal(st, EVS_OK);
      if (mag != want) fail_msg("%s: got %llu", buf, (unsigned long long)mag);
    }
  }
}

/* Bit-level neighbours and powers (no libm in the test's link). */
static double dbl_bits(uint64_t b) {
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}
static uint64_t bits_dbl(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}
static float flt_bits(uint32_t b) {
  float v;
  memcpy(&v, &b, sizeof v);
  return v;
}
static uint32_t bits_flt(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}
/* 2^e for -1074 <= e <= 1023 */
static double pow2(int e) {
  return e >= -1022 ? dbl_bits((uint64_t)(e + 1023) << 52) : dbl_bits(1ull << (e + 1074));
}
static float pow2f(int e) {
  return e >= -126 ? flt_bits((uint32_t)(e + 127) << 23) : flt_bits(1u << (e + 149));
}

/* Floats read as strtof reads them, bit for bit; out of range (EVS_ERR_RANGE) from FLT_MAX + half an ulp
 * on, judged on the correctly rounded double as before. Eisel-Lemire for binary32 decides most of them;
 * reading through a double would round twice (the "1.0000000596046448" case). */
static void check_parse_float(const char *text) {
  size_t len = strlen(text), bad = 0;
  const char *why = NULL;
  evs_jnum num;
  assert_int_equal(evs_jnum_scan(text, len, &num, &why, &bad), len);
  float want = strtof(text, NULL), got = 0;
  evs_status st = evs_jnum_to_float(text, len, &num, &got);
  if (fabs(strtod(text, NULL)) >= 0x1.ffffffp127) {
    assert_int_equal(st, EVS_ERR_RANGE);
    return;
  }
  assert_int_equal(st, EVS_OK);
  if (memcmp(&got, &want, sizeof got) != 0)
    fail_msg("%s: got %a, strtof %a", text, (double)got, (double)want);
}

static void test_number_parse_float_exact(void **state) {
  (void)state;
  static const char *const hard[] = {"16777216",
                                     "16777217",
                                     "16777219",
                                     "33554435",
                                     "0.1",
                                     "1.1",
                                     "3.4028234e38",
                                     "3.4028235e38",
                                     "3.4028236e38",
                                     "3.40282356e38",
                                     "3.4028235677973366e38",
                                     "3.4028235677973367e38",
                                     "1e39",
                                     "-1e39",
                                     "1.17549435e-38",
                                     "1.1754942e-38",
                                     "1.4e-45",
                                     "7e-46",
                                     "7.1e-46",
                                     "1e-50",
                                     "1.0000000596046448",
                                     "1.000000059604644775390625",
                                     "1.0000000596046447753906251",
                                     "1.00000005960464477539062499",
                                     "7.038531e-26",
                                     "8.589973e9",
                                     "1.3e10",
                                     "123456789e-5",
                                     "-0",
                                     "0.000000000000000000000000000000000000000000001",
                                     "2.5e-45",
                                     "9999999999999999999",
                                     "18446744073709551615e-20",
                                     "4.7019774e-38"};
  for (size_t i = 0; i < sizeof hard / sizeof hard[0]; i++) check_parse_float(hard[i]);
  char buf[96];
  for (int i = 0; i < 300000; i++) {
    uint64_t r = parse_rnd(), b = parse_rnd();
    uint32_t fb = (uint32_t)b;
    float f, g;
    switch (i % 4) {
      case 0: /* any finite float at every precision */
        memcpy(&f, &fb, sizeof f);
        if (!isfinite(f)) continue;
        snprintf(buf, sizeof buf, "%.*g", (int)(r % 12) + 1, (double)f);
        break;
      case 1: /* up to 19 digits, float exponents */
        snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)(b % 10000000000000000000ull >> (r % 60)),
                 (int)(r % 110) - 65);
        break;
      case 2: /* near the midpoint of two neighbouring floats: where double rounding goes wrong */
        fb &= 0x7F7FFFFFu;
        memcpy(&f, &fb, sizeof f);
        g = flt_bits(fb + 1);
        snprintf(buf, sizeof buf, "%.*g", 15 + (int)(r % 5),
                 ((double)f + (double)g) / 2 * (1 + ((int)(r % 3) - 1) * 1e-16));
        break;
      default: /* short decimals */
        snprintf(buf, sizeof buf, "%llu.%llue%d", (unsigned long long)(b % 100000ull),
                 (unsigned long long)(r % 10000ull), (int)(r % 80) - 45);
        break;
    }
    check_parse_float(buf);
  }
}

/* The printer against the %.{p}g loop where shortest digits are hardest: every power of two and its
 * neighbours (the asymmetric interval), 17-digit ties (1 + 2^-17 = 1.00000762939453125), decimals lying
 * exactly on a rounding boundary (2.8306e21, halfway between two doubles), every subnormal near the
 * bottom, and a sweep of floats. */
static void check_format_double(double v) {
  char got[EVS_JNUM_BUF], want[64];
  evs_format_double(v, got);
  if (v == 0) return;
  reference_double(v, want, sizeof want);
  if (fabs(v) < DBL_MIN) /* subnormals: from 1 digit */
    for (int p = 1; p <= 17; p++) {
      snprintf(want, sizeof want, "%.*g", p, v);
      if (strtod(want, NULL) == v) break;
    }
  if (strcmp(got, want) != 0) fail_msg("%a: got %s, printf %s", v, got, want);
}

static void check_format_float(float v) {
  char got[EVS_JNUM_BUF], want[64];
  evs_format_float(v, got);
  for (int p = fabsf(v) < FLT_MIN ? 1 : 6; p <= 9; p++) {
    snprintf(want, sizeof want, "%.*g", p, (double)v);
    if (strtof(want, NULL) == v) break;
  }
  if (strcmp(got, want) != 0) fail_msg("%a: got %s, printf %s", (double)v, got, want);
}

static void test_number_format_hard(void **state) {
  (void)state;
  for (int e = -1074; e <= 1023; e++) {
    double p = pow2(e);
    check_format_double(p);
    check_format_double(-dbl_bits(bits_dbl(p) - 1));
    if (e < 1023) check_format_double(dbl_bits(bits_dbl(p) + 1));
  }
  for (int e = -149; e <= 127; e++) {
    float p = pow2f(e);
    check_format_float(p);
    check_format_float(flt_bits(bits_flt(p) - 1));
    if (e < 127) check_format_float(-flt_bits(bits_flt(p) + 1));
  }
  check_format_double(1.00000762939453125);
  char buf[EVS_JNUM_BUF];
  evs_format_double(1.00000762939453125, buf);
  assert_string_equal(buf, "1.0000076293945312");
  for (int i = 0; i < 100000; i++) {
    uint64_t r = parse_rnd();
    check_format_double((double)(r >> 11) * pow2(-(int)(r % 70))); /* ties at 17 digits */
    check_format_double((double)(r % 100000) * 1e17);              /* on a boundary */
    char dec[32];
    snprintf(dec, sizeof dec, "%de%d", (int)(r % 1000), (int)(r >> 54) % 300);
    check_format_double(strtod(dec, NULL));
    check_format_double((double)(r >> (r % 40)));
  }
  for (uint64_t b = 1; b < 20000; b++) {
    double v;
    memcpy(&v, &b, sizeof v);
    check_format_double(v);
  }
  for (uint32_t b = 1; b < 0x7F800000u; b += 4099) {
    float f;
    memcpy(&f, &b, sizeof f);
    check_format_float(f);
  }
}

static void test_binary_depth_check(void **state) {
  (void)state;
  const ProtobufCMessageDescriptor *re = &evs__test__v1__recursive__descriptor;
  /* Recursive{child: Recursive{child: ...}} nested `levels` deep, built inside out. */
  uint8_t buf[4096];
  size_t len = 0;
  for (int level = 0; level < 150; level++) {
    uint8_t tmp[4096];
    size_t n = 0;
    tmp[n++] = 0x0a; /* field 1, length-delimited */
    if (len < 128) {
      tmp[n++] = (uint8_t)len;
    } else {
      tmp[n++] = (uint8_t)(0x80 | (len & 0x7f));
      tmp[n++] = (uint8_t)(len >> 7);
    }
    memcpy(tmp + n, buf, len);
    len += n;
    memcpy(buf, tmp, len);
    evs_error err;
    evs_status want = level + 1 <= 100 ? EVS_OK : EVS_ERR_LIMIT;
    assert_int_equal(evs_binary_depth_check(buf, len, re, 0, &err), want);
    if (want == EVS_OK) {
      assert_int_equal(evs_binary_depth_check(buf, len, re, level + 1, &err), EVS_OK);
      assert_int_equal(evs_binary_depth_check(buf, len, re, level, &err), level ? EVS_ERR_LIMIT : EVS_OK);
    } else {
      assert_true(err.msg[0] != '\0');
      assert_true(err.offset != EVS_NO_OFFSET);
    }
  }
  evs_error err;
  const uint8_t truncated[] = {0x0a, 0x05, 0x10};
  assert_int_equal(evs_binary_depth_check(truncated, sizeof truncated, re, 0, &err), EVS_ERR_TRUNCATED);
  const uint8_t bad_wire[] = {0x0f};
  assert_int_equal(evs_binary_depth_check(bad_wire, sizeof bad_wire, re, 0, &err), EVS_ERR_SYNTAX);
  assert_int_equal(evs_binary_depth_check(NULL, 0, re, 0, &err), EVS_OK);
  assert_int_equal(evs_binary_depth_check(NULL, 1, re, 0, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_binary_depth_check(buf, 1, NULL, 0, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_binary_depth_check(buf, 1, re, -1, &err), EVS_ERR_INVALID_ARG);
}

static void test_encode_any_deep_bytes(void **state) {
  (void)state;
  /* An Any whose packed bytes nest deeper than the encoder's limit fails instead of recursing in unpack. */
  uint8_t buf[4096];
  size_t len = 0;
  for (int level = 0; level < 150; level++) {
    uint8_t tmp[4096];
    size_t n = 0;
    tmp[n++] = 0x0a;
    if (len < 128) {
      tmp[n++] = (uint8_t)len;
    } else {
      tmp[n++] = (uint8_t)(0x80 | (len & 0x7f));
      tmp[n++] = (uint8_t)(len >> 7);
    }
    memcpy(tmp + n, buf, len);
    len += n;
    memcpy(buf, tmp, len);
  }
  Google__Protobuf__Any any;
  google__protobuf__any__init(&any);
  char url[] = "type.googleapis.com/evs.test.v1.Recursive";
  any.type_url = url;
  any.value.data = buf;
  any.value.len = len;
  evs_error err;
  char *s = jt_encode(&any.base, 0, &err);
  assert_null(s);
  assert_int_equal(err.code, EVS_ERR_LIMIT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_base64),
      cmocka_unit_test(test_number_scan),
      cmocka_unit_test(test_number_parse_exact),
      cmocka_unit_test(test_number_format_matches_printf),
      cmocka_unit_test(test_number_format),
      cmocka_unit_test(test_number_format_short_decimals),
      cmocka_unit_test(test_number_parse_float_exact),
      cmocka_unit_test(test_number_magnitude_lengths),
      cmocka_unit_test(test_number_format_hard),
      cmocka_unit_test(test_binary_depth_check),
      cmocka_unit_test(test_encode_any_deep_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
