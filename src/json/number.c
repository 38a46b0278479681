/* Numbers: the JSON number grammar, exact integers from any number form ("1e5", "100.000"), doubles (an
 * exact fast path for short decimals, strtod under the C locale otherwise) and shortest round-trip
 * printing. strtod/snprintf run under a thread-local "C" locale (uselocale), so the process locale never
 * changes the decimal point. */
#include "base/alloc_internal.h"
#include "json/json_internal.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

size_t evs_jnum_scan(const char *s, size_t n, evs_jnum *num, const char **why, size_t *bad) {
  size_t i = 0;
  memset(num, 0, sizeof *num);
  if (i < n && s[i] == '-') {
    num->neg = true;
    i++;
  }
  if (i >= n || !is_digit(s[i])) {
    *why = i < n && s[i] == '+' ? "a leading '+' is not allowed" : "expected a digit";
    *bad = i;
    return 0;
  }
  num->int_digits = s + i;
  if (s[i] == '0') {
    i++;
    if (i < n && is_digit(s[i])) {
      *why = "leading zeros are not allowed";
      *bad = i - 1;
      return 0;
    }
  } else {
    while (i < n && is_digit(s[i])) i++;
  }
  num->n_int = (size_t)(s + i - num->int_digits);
  if (i < n && s[i] == '.') {
    i++;
    num->frac_digits = s + i;
    while (i < n && is_digit(s[i])) i++;
    num->n_frac = (size_t)(s + i - num->frac_digits);
    if (num->n_frac == 0) {
      *why = "expected a digit after '.'";
      *bad = i;
      return 0;
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n || !is_digit(s[i])) {
      *why = "expected a digit in the exponent";
      *bad = i;
      return 0;
    }
    int64_t e = 0;
    while (i < n && is_digit(s[i])) {
      if (e < EVS_JNUM_EXP_SAT) e = e * 10 + (s[i] - '0');
      i++;
    }
    if (e > EVS_JNUM_EXP_SAT) e = EVS_JNUM_EXP_SAT;
    num->exp = eneg ? -e : e;
    num->has_exp = true;
  }
  return i;
}

evs_status evs_jnum_magnitude(const evs_jnum *num, uint64_t *mag) {
  /* The significant digits are int_digits then frac_digits; value = digits * 10^(exp - n_frac). */
  const char *a = num->int_digits;
  size_t na = num->n_int;
  const char *b = num->frac_digits;
  size_t nb = num->n_frac;
  if (!num->has_exp && nb == 0) { /* the common case: a plain integer */
    if (na > 20) return EVS_ERR_RANGE;
    uint64_t v = 0;
    for (size_t i = 0; i < na; i++) {
      unsigned dg = (unsigned)(a[i] - '0');
      if (v > (UINT64_MAX - dg) / 10) return EVS_ERR_RANGE;
      v = v * 10 + dg;
    }
    *mag = v;
    return EVS_OK;
  }
  /* Skip leading zeros (only possible as "0" in the int part, then in the fraction). */
  size_t total = na + nb;
#define DIGIT(k) ((k) < na ? a[k] : b[(k)-na])
  size_t first = 0;
  while (first < total && DIGIT(first) == '0') first++;
  if (first == total) {
    *mag = 0;
    return EVS_OK;
  }
  size_t last = total; /* one past the last non-zero digit */
  while (DIGIT(last - 1) == '0') last--;
  /* Exponent applying to the digit string [first, last): */
  int64_t e = num->exp - (int64_t)nb + (int64_t)(total - last);
  if (e < 0) return EVS_ERR_TYPE;
  size_t nd = last - first;
  if ((int64_t)nd + e > 20) return EVS_ERR_RANGE;
  uint64_t v = 0;
  for (size_t k = first; k < last; k++) {
    unsigned dg = (unsigned)(DIGIT(k) - '0');
    if (v > (UINT64_MAX - dg) / 10) return EVS_ERR_RANGE;
    v = v * 10 + dg;
  }
#undef DIGIT
  for (int64_t i = 0; i < e; i++) {
    if (v > UINT64_MAX / 10) return EVS_ERR_RANGE;
    v *= 10;
  }
  *mag = v;
  return EVS_OK;
}

/* ---- C locale for strtod/snprintf ---- */

static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;
static locale_t g_c_locale = (locale_t)0;

static void make_c_locale(void) {
  g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Switches this thread to the C locale; returns the previous one to restore (0 when nothing changed). */
static locale_t enter_c_locale(void) {
  pthread_once(&g_c_locale_once, make_c_locale);
  if (!g_c_locale) return (locale_t)0;
  return uselocale(g_c_locale);
}

static void leave_c_locale(locale_t old) {
  if (old) uselocale(old);
}

static const double k_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second", 2021; as Go's strconv and fast_float):
 * the correctly rounded double of w * 10^q for a significand w of up to 19 digits, from one or two 64x64
 * multiplications by a 128-bit truncation of 10^q. When the truncation leaves the rounding undecided (the
 * product is within the approximation's error of a halfway point) or the result is subnormal or out of
 * range, it declines (false) and the caller falls back to strtod: it never guesses. */
static bool eisel_lemire(uint64_t w, int64_t q, bool neg, double *out) {
  typedef unsigned __int128 u128;
  if (w == 0 || q < EVS_POW10_128_MIN || q >= EVS_POW10_128_MIN + EVS_POW10_128_COUNT) return false;
  const uint64_t *t = evs_pow10_128[q - EVS_POW10_128_MIN];
  int lz = __builtin_clzll(w);
  w <<= lz;
  /* floor(q * log2(10)) + 64 + bias - lz: the exponent of the product's top bit */
  uint64_t exp2 = (uint64_t)(((217706 * q) >> 16) + 64 + 1023 - lz);
  u128 x = (u128)w * t[1];
  uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
  if ((hi & 0x1FF) == 0x1FF && lo + w < w) { /* the low word of 10^q could carry into the bits kept */
    u128 y = (u128)w * t[0];
    uint64_t yhi = (uint64_t)(y >> 64), ylo = (uint64_t)y;
    uint64_t mhi = hi, mlo = lo + yhi;
    if (mlo < lo) mhi++;
    if ((mhi & 0x1FF) == 0x1FF && mlo + 1 == 0 && ylo + w < w) return false;
    hi = mhi;
    lo = mlo;
  }
  uint64_t msb = hi >> 63;
  uint64_t mant = hi >> (msb + 9);
  exp2 -= 1 ^ msb;
  if (lo == 0 && (hi & 0x1FF) == 0 && (mant & 3) == 1) return false; /* exactly halfway: undecided */
  mant += mant & 1;
  mant >>= 1;
  if (mant >> 53) {
    mant >>= 1;
    exp2++;
  }
  if (exp2 - 1 >= 0x7FF - 1) return false; /* subnormal, zero or infinite: strtod decides */
  uint64_t bits = exp2 << 52 | (mant & 0x000FFFFFFFFFFFFFu) | (neg ? 0x8000000000000000u : 0);
  memcpy(out, &bits, sizeof bits);
  return true;
}

evs_status evs_jnum_to_double(const char *s, size_t n, const evs_jnum *num, double *out) {
  /* Clinger's fast path: up to 15 significant digits and |exponent| <= 22 are exact in double arithmetic
   * (both operands exact, one correctly rounded operation). */
  const char *a = num->int_digits;
  size_t na = num->n_int, nb = num->n_frac;
  if (na + nb <= 15 && num->exp >= -22 && num->exp <= 22) {
    uint64_t w = 0;
    for (size_t i = 0; i < na; i++) w = w * 10 + (uint64_t)(a[i] - '0');
    for (size_t i = 0; i < nb; i++) w = w * 10 + (uint64_t)(num->frac_digits[i] - '0');
    int64_t e = num->exp - (int64_t)nb;
    if (e >= -22 && e <= 22) {
      double v = (double)w;
      v = e >= 0 ? v * k_pow10[e] : v / k_pow10[-e];
      *out = num->neg ? -v : v;
      return EVS_OK;
    }
  }
  /* Up to 19 significant digits (leading zeros are not significant): Eisel-Lemire. */
  if (num->exp > -EVS_JNUM_EXP_SAT && num->exp < EVS_JNUM_EXP_SAT) {
    uint64_t w = 0;
    size_t digits = 0;
    bool fits = true;
    for (size_t part = 0; part < 2 && fits; part++) {
      const char *d = part ? num->frac_digits : a;
      size_t nd = part ? nb : na;
      for (size_t i = 0; i < nd; i++) {
        if (w == 0 && d[i] == '0') continue;
        if (++digits > 19) {
          fits = false;
          break;
        }
        w = w * 10 + (uint64_t)(d[i] - '0');
      }
    }
    if (fits && w == 0) {
      *out = num->neg ? -0.0 : 0.0;
      return EVS_OK;
    }
    if (fits && eisel_lemire(w, num->exp - (int64_t)nb, num->neg, out)) return EVS_OK;
  }
  char small[64];
  char *buf = small;
  if (n >= sizeof small) {
    buf = evs_malloc(n + 1);
    if (!buf) return EVS_ERR_NOMEM;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
  locale_t old = enter_c_locale();
  double v = strtod(buf, NULL);
  leave_c_locale(old);
  if (buf != small) evs_free(buf);
  if (isinf(v)) return EVS_ERR_RANGE;
  *out = v;
  return EVS_OK;
}

evs_status evs_jnum_to_float(const char *s, size_t n, const evs_jnum *num, float *out) {
  double d;
  evs_status st = evs_jnum_to_double(s, n, num, &d);
  if (st != EVS_OK) return st;
  /* Out of range when it would round to infinity as a float: at or above FLT_MAX + half an ulp
   * (0x1.ffffffp127). A plain `> FLT_MAX` would reject "3.4028235e+38", the shortest text of FLT_MAX. */
  if (fabs(d) >= 0x1.ffffffp127) return EVS_ERR_RANGE;
  /* decimal -> double -> float could round twice; Clinger's fast path in float arithmetic (<= 7 digits,
   * |exponent| <= 10) is exact with one rounding, everything else goes to strtof. */
  int64_t e = num->exp - (int64_t)num->n_frac;
  if (num->n_int + num->n_frac <= 7 && e >= -10 && e <= 10) {
    static const float k_pow10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    uint32_t w = 0;
    for (size_t i = 0; i < num->n_int; i++) w = w * 10 + (uint32_t)(num->int_digits[i] - '0');
    for (size_t i = 0; i < num->n_frac; i++) w = w * 10 + (uint32_t)(num->frac_digits[i] - '0');
    volatile float f = (float)w; /* volatile: keep float precision on any FLT_EVAL_METHOD */
    f = e >= 0 ? f * k_pow10f[e] : f / k_pow10f[-e];
    *out = num->neg ? -f : f;
    return EVS_OK;
  }
  char small[64];
  char *buf = small;
  if (n >= sizeof small) {
    buf = evs_malloc(n + 1);
    if (!buf) return EVS_ERR_NOMEM;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
  locale_t old = enter_c_locale();
  float f = strtof(buf, NULL);
  leave_c_locale(old);
  if (buf != small) evs_free(buf);
  *out = f;
  return EVS_OK;
}

/* ---- printing ---- */

static const char k_digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t evs_format_u64(uint64_t v, char *buf) {
  char tmp[24];
  char *p = tmp + sizeof tmp;
  while (v >= 100) {
    unsigned r = (unsigned)(v % 100);
    v /= 100;
    p -= 2;
    memcpy(p, k_digits2 + 2 * r, 2);
  }
  if (v >= 10) {
    p -= 2;
    memcpy(p, k_digits2 + 2 * v, 2);
  } else {
    *--p = (char)('0' + v);
  }
  size_t n = (size_t)(tmp + sizeof tmp - p);
  memcpy(buf, p, n);
  buf[n] = '\0';
  return n;
}

size_t evs_format_i64(int64_t v, char *buf) {
  if (v < 0) {
    buf[0] = '-';
    return 1 + evs_format_u64((uint64_t)0 - (uint64_t)v, buf + 1);
  }
  return evs_format_u64((uint64_t)v, buf);
}

static const uint64_t k_pow10u[19] = {1ull,
                                      10ull,
                                      100ull,
                                      1000ull,
                                      10000ull,
                                      100000ull,
                                      1000000ull,
                                      10000000ull,
                                      100000000ull,
                                      1000000000ull,
                                      10000000000ull,
                                      100000000000ull,
                                      1000000000000ull,
                                      10000000000000ull,
                                      100000000000000ull,
                                      1000000000000000ull,
                                      10000000000000000ull,
                                      100000000000000000ull,
                                      1000000000000000000ull};

/* Writes r / 10^k in fixed notation ("-12.05"): integer part, '.', k digits (k >= 1). */
static size_t fixed_decimal(bool neg, uint64_t r, int k, char *buf) {
  size_t n = 0;
  if (neg) buf[n++] = '-';
  n += evs_format_u64(r / k_pow10u[k], buf + n);
  buf[n++] = '.';
  uint64_t frac = r % k_pow10u[k];
  for (int i = k; i > 0; i--) {
    buf[n + (size_t)i - 1] = (char)('0' + frac % 10);
    frac /= 10;
  }
  n += (size_t)k;
  buf[n] = '\0';
  return n;
}

#if defined(__SIZEOF_INT128__)
/* %.16g / %.17g for 1e-4 <= a < 1e15 (fixed notation), computed exactly with 128-bit integers instead of
 * snprintf + strtod. a = m * 2^-s with m < 2^53 and 3 <= s <= 67, so a * 10^k = (m * 10^k) / 2^s with
 * m * 10^k < 2^120 for k <= 20. The P-digit decimal is that quotient rounded half-even, as glibc's printf
 * rounds the exact binary value; it reads back as a iff it lies in a's rounding interval (half an ulp each
 * side, a quarter below a power of two; the ends belong to a when m is even: strtod rounds half-even).
 * Returns 0 when a is outside the range this handles. */
static size_t format_double_exact(double v, char buf[EVS_JNUM_BUF]) {
  typedef unsigned __int128 u128;
  double a = fabs(v);
  uint64_t bits;
  memcpy(&bits, &a, sizeof bits);
  int biased = (int)(bits >> 52);
  if (biased == 0) return 0;
  uint64_t m = (bits & ((1ull << 52) - 1)) | (1ull << 52);
  int s = 1075 - biased; /* a = m * 2^-s */
  if (s < 3 || s > 67) return 0;
  int x = -4; /* decimal exponent: 10^x <= a < 10^(x+1); the doubles of 10^-1..10^-4 lie above them */
  while (x < 14 && a >= (x + 1 >= 0 ? k_pow10[x + 1] : 1.0 / k_pow10[-(x + 1)])) x++;
  u128 q = 0;
  int k = 0;
  for (int p = 16; p <= 17; p++) {
    k = p - 1 - x;
    if (k < 0 || k > 20) return 0;
    u128 p10 = 1;
    for (int i = 0; i < k; i++) p10 *= 10;
    u128 num = (u128)m * p10;
    q = num >> s;
    u128 rem = num & (((u128)1 << s) - 1), half = (u128)1 << (s - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    if (p == 17) break;
    /* does q / 10^k read back as a? compare |q * 2^s - num| with half an ulp = 10^k / 2 */
    u128 qs = q << s;
    bool above = qs >= num;
    u128 diff = above ? qs - num : num - qs;
    bool lower_closer = !above && m == (1ull << 52) && biased > 1; /* the gap below a power of two is half */
    u128 lhs = lower_closer ? diff * 4 : diff * 2;
    bool inside = (m & 1) ? lhs < p10 : lhs <= p10;
    if (inside) break;
  }
  /* %g drops trailing zeros */
  while (k > 0 && q % 10 == 0) {
    q /= 10;
    k--;
  }
  if (k == 0 || q >= (u128)1 << 63) return 0;
  uint64_t r = (uint64_t)q;
  if (k > 18) {
    /* more fraction digits than fixed_decimal's table: "0." + zeros + digits */
    size_t n = 0;
    if (v < 0) buf[n++] = '-';
    buf[n++] = '0';
    buf[n++] = '.';
    char digits[24];
    size_t nd = evs_format_u64(r, digits);
    if ((size_t)k < nd) return 0;
    for (size_t i = nd; i < (size_t)k; i++) buf[n++] = '0';
    memcpy(buf + n, digits, nd);
    n += nd;
    buf[n] = '\0';
    return n;
  }
  return fixed_decimal(v < 0, r, k, buf);
}
#endif

/* Whether the printed text reads back as v: through evs_jnum_to_double (Eisel-Lemire, strtod only when it
 * cannot decide), the same reading as the decoder's. */
static bool reads_back(const char *buf, size_t n, double v) {
  evs_jnum num;
  const char *why = NULL;
  size_t bad = 0;
  double back;
  return evs_jnum_scan(buf, n, &num, &why, &bad) == n && evs_jnum_to_double(buf, n, &num, &back) == EVS_OK &&
         back == v;
}

/* Writes the significant digits dig[0..prec) (dig[0] != '0', decimal exponent x of the first digit) the way
 * printf's %.{prec}g writes that rounding: fixed notation when -4 <= x < prec, else d.ddde+XX, trailing
 * zeros of the fraction and a bare point dropped. */
static size_t format_g(bool neg, const char *dig, int prec, int x, char *buf) {
  int nd = prec;
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  size_t n = 0;
  if (neg) buf[n++] = '-';
  if (x >= -4 && x < prec) {
    if (x < 0) {
      buf[n++] = '0';
      buf[n++] = '.';
      for (int i = 0; i < -x - 1; i++) buf[n++] = '0';
      memcpy(buf + n, dig, (size_t)nd);
      n += (size_t)nd;
    } else {
      for (int i = 0; i <= x; i++) buf[n++] = i < nd ? dig[i] : '0';
      if (nd > x + 1) {
        buf[n++] = '.';
        memcpy(buf + n, dig + x + 1, (size_t)(nd - x - 1));
        n += (size_t)(nd - x - 1);
      }
    }
  } else {
    buf[n++] = dig[0];
    if (nd > 1) {
      buf[n++] = '.';
      memcpy(buf + n, dig + 1, (size_t)(nd - 1));
      n += (size_t)(nd - 1);
    }
    buf[n++] = 'e';
    buf[n++] = x < 0 ? '-' : '+';
    int a = x < 0 ? -x : x;
    if (a >= 100) buf[n++] = (char)('0' + a / 100);
    buf[n++] = (char)('0' + a / 10 % 10);
    buf[n++] = (char)('0' + a % 10);
  }
  buf[n] = '\0';
  return n;
}

/* The shortest of v's roundings to start..17 significant digits that reads back as v, as the %.{p}g loop
 * below finds it, but from one exact printf: v to 17 digits (%.16e), rounded to p digits here. Rounding the
 * 17-digit text gives the digits %.{p}g would, except when the dropped digits read exactly 5000...: the
 * exact value may then lie on either side of the halfway point, and 0 tells the caller to use printf. */
static size_t format_double_rounded(double v, int start, char buf[EVS_JNUM_BUF]) {
  char t[48];
  locale_t old = enter_c_locale();
  int len = snprintf(t, sizeof t, "%.16e", v);
  leave_c_locale(old);
  const char *q = t;
  bool neg = *q == '-';
  if (neg) q++;
  if (len < 22 || len >= (int)sizeof t || q[1] != '.' || q[18] != 'e') return 0;
  char d17[17];
  d17[0] = q[0];
  memcpy(d17 + 1, q + 2, 16);
  int x = (int)strtol(q + 19, NULL, 10);
  for (int p = start; p <= 16; p++) {
    int cmp = d17[p] > '5' ? 1 : d17[p] < '5' ? -1 : 0;
    for (int i = p + 1; i < 17 && cmp == 0; i++)
      if (d17[i] != '0') cmp = 1;
    if (cmp == 0) return 0;
    char dig[17];
    int xp = x;
    memcpy(dig, d17, (size_t)p);
    if (cmp > 0) {
      int i = p - 1;
      while (i >= 0 && dig[i] == '9') dig[i--] = '0';
      if (i < 0) {
        dig[0] = '1';
        xp++;
      } else {
        dig[i]++;
      }
    }
    size_t n = format_g(neg, dig, p, xp, buf);
    if (reads_back(buf, n, v)) return n;
  }
  return format_g(neg, d17, 17, x, buf);
}

size_t evs_format_double(double v, char buf[EVS_JNUM_BUF]) {
  /* Integers below 1e15 print as %.15g prints them: plain digits. */
  if (fabs(v) < 1e15 && v == (double)(int64_t)v && !(v == 0 && signbit(v)))
    return evs_format_i64((int64_t)v, buf);
  /* Short decimals in %.15g's fixed-notation range: the fewest fraction digits k such that the integer
   * r = v * 10^k, divided back, gives v. r < 1e15 and 10^k are exact doubles, so r / 10^k is the correctly
   * rounded value of the decimal, i.e. what strtod reads; with at most 15 significant digits it is the
   * one decimal %.15g prints (DBL_DIG = 15: such decimals never share a double). */
  double a = fabs(v);
  bool in_fixed_range = a >= 1e-4 && a < 1e15;
  if (in_fixed_range) {
    /* k up to 18: below 1e-3 a 15-digit decimal needs that many fraction digits. */
    for (int k = 1; k <= 18; k++) {
      double s = a * k_pow10[k];
      if (s >= 1e15) break;
      double r = (double)(uint64_t)(s + 0.5); /* a candidate only: the check below decides */
      if (r / k_pow10[k] == a) return fixed_decimal(v < 0, (uint64_t)r, k, buf);
    }
  }
#if defined(__SIZEOF_INT128__)
  if (in_fixed_range) {
    size_t n = format_double_exact(v, buf);
    if (n) return n;
  }
#endif
  if (fabs(v) >= DBL_MIN && isfinite(v)) {
    size_t n = format_double_rounded(v, in_fixed_range ? 16 : 15, buf);
    if (n) return n;
  }
  locale_t old = enter_c_locale();
  int n = 0;
  /* %.15g when it round-trips (what protobuf's C++ prints, and for normal numbers the shortest: a shorter
   * decimal that reads back as v would be v's 15-digit rounding), else the fewest of 16/17 digits.
   * Subnormals have fewer significant bits, so their shortest form is searched from 1 digit. */
  /* In the fixed range the loop above has tried every decimal of at most 15 significant digits (the
   * rounding of a * 10^k to an integer is off by far less than 0.5), so %.15g cannot read back there. */
  int prec = fabs(v) < DBL_MIN && v != 0 ? 1 : in_fixed_range ? 16 : 15;
  for (; prec <= 17; prec++) {
    n = snprintf(buf, EVS_JNUM_BUF, "%.*g", prec, v);
    if (prec == 17 || reads_back(buf, (size_t)n, v)) break;
  }
  leave_c_locale(old);
  return (size_t)n;
}

size_t evs_format_float(float v, char buf[EVS_JNUM_BUF]) {
  if (fabsf(v) < 1e6f && v == (float)(int32_t)v && !(v == 0 && signbit(v)))
    return evs_format_i64((int64_t)(int32_t)v, buf);
  /* As for doubles, with float arithmetic: r < 1e6 < 2^24 and 10^k (k <= 10) are exact floats, so one
   * float division rounds the decimal correctly; at most 6 digits (FLT_DIG) make it %.6g's output. */
  float a = fabsf(v);
  if (a >= 1e-4f && a < 1e6f) {
    static const float k_pow10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    for (int k = 1; k <= 10; k++) {
      double s = (double)a * (double)k_pow10f[k];
      if (s >= 1e6) break;
      volatile float r = (float)(uint32_t)(s + 0.5);
      volatile float q = r / k_pow10f[k];
      if (q == a) return fixed_decimal(v < 0, (uint64_t)r, k, buf);
    }
  }
  locale_t old = enter_c_locale();
  int n = 0;
  /* %.6g is C++'s first try; more digits until it reads back as the same float. */
  for (int prec = fabsf(v) < FLT_MIN && v != 0 ? 1 : 6; prec <= 9; prec++) {
    n = snprintf(buf, EVS_JNUM_BUF, "%.*g", prec, (double)v);
    if (prec == 9 || strtof(buf, NULL) == v) break;
  }
  leave_c_locale(old);
  return (size_t)n;
}
