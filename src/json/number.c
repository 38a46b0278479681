/* Numbers: the JSON number grammar, exact integers from any number form ("1e5", "100.000"), correctly
 * rounded doubles and floats (Clinger's exact fast path, Eisel-Lemire, strtod/strtof only where those
 * cannot decide) and shortest round-trip printing (Schubfach-style, printf only for the few values it
 * declines). strtod/strtof/snprintf run under a thread-local "C" locale (uselocale), so the process locale
 * never changes the decimal point. */
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

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The eight digits at p (already scanned) as a number: one load, three multiplications (SWAR; the first
 * digit is the lowest byte). */
static uint64_t value8_of(uint64_t x) {
  x -= 0x3030303030303030u;
  x = x * 10 + (x >> 8); /* byte pairs: 2-digit values in the even bytes */
  x = ((x & 0x000000FF000000FFu) * (100 + (1000000ull << 32)) +
       ((x >> 16) & 0x000000FF000000FFu) * (1 + (10000ull << 32))) >>
      32;
  return x;
}

static uint64_t value8(const char *p) {
  uint64_t x;
  memcpy(&x, p, sizeof x);
  return value8_of(x);
}

/* The bytes of x (the first in the lowest byte) that are not digits, as non-zero bytes: a digit
 * 0x30..0x39 keeps high nibble 3 before and after adding 6; the first byte failing that is exact, as
 * nothing below it carries. */
static inline uint64_t non_digits(uint64_t x) {
  return ((x & 0xF0F0F0F0F0F0F0F0u) | (((x + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) >> 4)) ^
         0x3333333333333333u;
}
#endif

/* The end of the run of digits from s[i]: eight bytes per step (SWAR), one at a time in the last eight
 * bytes of the text. */
static size_t skip_digits(const char *s, size_t i, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (n - i >= 8) {
    uint64_t x;
    memcpy(&x, s + i, sizeof x);
    uint64_t bad = non_digits(x);
    if (bad) return i + ((unsigned)__builtin_ctzll(bad) >> 3);
    i += 8;
  }
#endif
  while (i < n && is_digit(s[i])) i++;
  return i;
}

/* v * 10^n + the n digits at p (already scanned): eight at a time while eight are left. */
static inline uint64_t fold_digits(uint64_t v, const char *p, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; n >= 8; n -= 8, p += 8) v = v * 100000000u + value8(p);
#endif
  for (; n > 0; n--) v = v * 10 + (uint64_t)(*p++ - '0');
  return v;
}

size_t evs_jnum_plain_int(const char *s, size_t n, bool *neg, uint64_t *mag) {
  size_t i = 0;
  *neg = n > 0 && s[0] == '-';
  i += *neg;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (n - i >= 8) { /* up to 7 digits and the byte after them in one load: their value from the same word */
    uint64_t x;
    memcpy(&x, s + i, sizeof x);
    uint64_t bad = non_digits(x);
    size_t nd = bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
    if (nd > 0 && nd < 8) {
      char next = s[i + nd];
      if ((s[i] == '0' && nd > 1) || next == '.' || next == 'e' || next == 'E') return 0;
      /* the digits moved to the top of the word, '0's below them */
      *mag = value8_of(x << (64 - 8 * nd) | 0x3030303030303030u >> (8 * nd));
      return i + nd;
    }
  }
#endif
  size_t end = skip_digits(s, i, n);
  size_t nd = end - i;
  /* "0" alone or no leading zero; at most 19 digits (no overflow); not followed by a fraction or an
   * exponent: then evs_jnum_scan would stop at the same place with this integer. */
  if (nd == 0 || nd > 19 || (s[i] == '0' && nd > 1)) return 0;
  if (end < n && (s[end] == '.' || s[end] == 'e' || s[end] == 'E')) return 0;
  *mag = fold_digits(0, s + i, nd);
  return end;
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
    i = skip_digits(s, i, n);
  }
  num->n_int = (size_t)(s + i - num->int_digits);
  if (i < n && s[i] == '.') {
    i++;
    num->frac_digits = s + i;
    i = skip_digits(s, i, n);
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
    if (na <= 19) {               /* below 10^19 < 2^64: no overflow to check */
      *mag = fold_digits(0, a, na);
      return EVS_OK;
    }
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

/* The two binary formats the parsers and printers handle. */
typedef struct {
  int mant_bits;  /* explicit significand bits: 52 or 23 */
  int bias;       /* exponent bias: 1023 or 127 */
  int max_biased; /* all-ones exponent: 0x7FF or 0xFF */
  int sign_bit;   /* 63 or 31 */
} fp_format;

static const fp_format k_binary64 = {52, 1023, 0x7FF, 63};
static const fp_format k_binary32 = {23, 127, 0xFF, 31};

/* Eisel-Lemire (Lemire, "Number Parsing at a Gigabyte per Second", 2021; as Go's strconv and fast_float):
 * the correctly rounded binary64 or binary32 of w * 10^q for a significand w of up to 19 digits, from one
 * or two 64x64 multiplications by a 128-bit truncation of 10^q. When the truncation leaves the rounding
 * undecided (the product is within the approximation's error of a halfway point) or the result is
 * subnormal or out of range, it declines (false) and the caller falls back to strtod/strtof: it never
 * guesses. Returns the bits of the result (sign included) in *out. */
static bool eisel_lemire(uint64_t w, int64_t q, bool neg, const fp_format *f, uint64_t *out) {
  typedef unsigned __int128 u128;
  if (w == 0 || q < EVS_POW10_128_MIN || q >= EVS_POW10_128_MIN + EVS_POW10_128_COUNT) return false;
  const uint64_t *t = evs_pow10_128[q - EVS_POW10_128_MIN];
  int lz = __builtin_clzll(w);
  w <<= lz;
  /* floor(q * log2(10)) + 64 + bias - lz: the exponent of the product's top bit */
  uint64_t exp2 = (uint64_t)(((217706 * q) >> 16) + 64 + f->bias - lz);
  /* the product keeps mant_bits + 3 bits (1 implicit, 1 to round, 1 for where the top bit falls); the
   * rest, below, only matters when it is all ones (a carry from the low word could reach the kept bits) */
  int drop = 64 - f->mant_bits - 3;
  uint64_t below = (1ull << drop) - 1;
  u128 x = (u128)w * t[1];
  uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
  if ((hi & below) == below && lo + w < w) { /* the low word of 10^q could carry into the bits kept */
    u128 y = (u128)w * t[0];
    uint64_t yhi = (uint64_t)(y >> 64), ylo = (uint64_t)y;
    uint64_t mhi = hi, mlo = lo + yhi;
    if (mlo < lo) mhi++;
    if ((mhi & below) == below && mlo + 1 == 0 && ylo + w < w) return false;
    hi = mhi;
    lo = mlo;
  }
  uint64_t msb = hi >> 63;
  uint64_t mant = hi >> (msb + (uint64_t)drop);
  exp2 -= 1 ^ msb;
  if (lo == 0 && (hi & below) == 0 && (mant & 3) == 1) return false; /* exactly halfway: undecided */
  mant += mant & 1;
  mant >>= 1;
  if (mant >> (f->mant_bits + 1)) {
    mant >>= 1;
    exp2++;
  }
  if (exp2 - 1 >= (uint64_t)f->max_biased - 1) return false; /* subnormal, zero or infinite: strtod decides */
  uint64_t sign = neg ? 1ull << f->sign_bit : 0;
  *out = exp2 << f->mant_bits | (mant & ((1ull << f->mant_bits) - 1)) | sign;
  return true;
}

/* The significand of num as an integer when it has at most 19 significant digits (leading zeros do not
 * count); *e10 is the power of ten that applies to it. false when there are more digits. */
static inline bool jnum_significand(const evs_jnum *num, uint64_t *w, int64_t *e10) {
  *e10 = num->exp - (int64_t)num->n_frac;
  if (num->n_int + num->n_frac <= 19) { /* the common case; leading zeros add nothing */
    *w = fold_digits(fold_digits(0, num->int_digits, num->n_int), num->frac_digits, num->n_frac);
    return true;
  }
  uint64_t v = 0;
  size_t digits = 0;
  for (size_t part = 0; part < 2; part++) {
    const char *d = part ? num->frac_digits : num->int_digits;
    size_t nd = part ? num->n_frac : num->n_int;
    for (size_t i = 0; i < nd; i++) {
      if (v == 0 && d[i] == '0') continue;
      if (++digits > 19) return false;
      v = v * 10 + (uint64_t)(d[i] - '0');
    }
  }
  *w = v;
  return true;
}

/* strtod / strtof of s[0..n) under the C locale (the slow path for what the algorithms above decline). */
static evs_status strto_c(const char *s, size_t n, double *d, float *f) {
  char small[64];
  char *buf = small;
  if (n >= sizeof small) {
    buf = evs_malloc(n + 1);
    if (!buf) return EVS_ERR_NOMEM;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
  locale_t old = enter_c_locale();
  if (d) *d = strtod(buf, NULL);
  if (f) *f = strtof(buf, NULL);
  leave_c_locale(old);
  if (buf != small) evs_free(buf);
  return EVS_OK;
}

/* The double nearest to num without strtod (Clinger, then Eisel-Lemire); false when they cannot decide. */
static bool fast_double(const evs_jnum *num, double *out) {
  uint64_t w;
  int64_t e;
  if (num->exp <= -EVS_JNUM_EXP_SAT || num->exp >= EVS_JNUM_EXP_SAT || !jnum_significand(num, &w, &e))
    return false;
  if (w == 0) {
    *out = num->neg ? -0.0 : 0.0;
    return true;
  }
  /* Clinger's fast path: a significand up to 2^53 and 10^|e| <= 10^22 are exact doubles, and one
   * multiplication or division rounds correctly. */
  if (w <= (1ull << 53) && e >= -22 && e <= 22) {
    double v = (double)w;
    v = e >= 0 ? v * k_pow10[e] : v / k_pow10[-e];
    *out = num->neg ? -v : v;
    return true;
  }
  uint64_t bits;
  if (!eisel_lemire(w, e, num->neg, &k_binary64, &bits)) return false;
  memcpy(out, &bits, sizeof bits);
  return true;
}

evs_status evs_jnum_to_double(const char *s, size_t n, const evs_jnum *num, double *out) {
  if (fast_double(num, out)) return EVS_OK;
  double v;
  evs_status st = strto_c(s, n, &v, NULL);
  if (st != EVS_OK) return st;
  if (isinf(v)) return EVS_ERR_RANGE;
  *out = v;
  return EVS_OK;
}

/* Out of range for a float: the value would round to float infinity, at or above FLT_MAX + half an ulp
 * (0x1.ffffffp127), judged on the correctly rounded double. A plain `> FLT_MAX` would reject
 * "3.4028235e+38", the shortest text of FLT_MAX. */
static bool float_overflows(double d) {
  return fabs(d) >= 0x1.ffffffp127;
}

/* The float nearest to the decimal whose nearest double is d. Rounding twice (decimal -> double -> float)
 * is exact unless d lies exactly halfway between two floats: a float midpoint strictly between the decimal
 * and d would be a double nearer to the decimal than d. false in that one case. */
static bool float_of_double(double d, float *out) {
  float f = (float)d;
  if ((double)f != d) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    uint32_t mag = b & 0x7FFFFFFFu; /* the float on d's other side: one step up or down in magnitude */
    uint32_t gb = (b & 0x80000000u) | (fabs((double)f) < fabs(d) ? mag + 1 : mag - 1);
    float g;
    memcpy(&g, &gb, sizeof g);
    if (((double)f + (double)g) / 2 == d) return false;
  }
  *out = f;
  return true;
}

evs_status evs_jnum_to_float(const char *s, size_t n, const evs_jnum *num, float *out) {
  uint64_t w;
  int64_t e;
  if (num->exp > -EVS_JNUM_EXP_SAT && num->exp < EVS_JNUM_EXP_SAT && jnum_significand(num, &w, &e)) {
    if (w == 0) {
      *out = num->neg ? -0.0f : 0.0f;
      return EVS_OK;
    }
    /* Clinger's fast path in float arithmetic: a significand up to 2^24 and 10^|e| <= 10^10 are exact
     * floats, one operation rounds once. */
    if (w <= (1u << 24) && e >= -10 && e <= 10) {
      static const float k_pow10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
      volatile float f = (float)w; /* volatile: keep float precision on any FLT_EVAL_METHOD */
      f = e >= 0 ? f * k_pow10f[e] : f / k_pow10f[-e];
      *out = num->neg ? -f : f;
      return EVS_OK;
    }
    uint64_t bits;
    /* FLT_MAX itself is left to the double below: whether a value just under FLT_MAX + half an ulp is out
     * of range is decided on its double, as it always was. */
    if (eisel_lemire(w, e, num->neg, &k_binary32, &bits) && (bits & 0x7FFFFFFFu) != 0x7F7FFFFFu) {
      uint32_t b32 = (uint32_t)bits;
      memcpy(out, &b32, sizeof b32);
      return EVS_OK;
    }
  }
  double d;
  bool have_d = fast_double(num, &d); /* exact decimals the binary32 product cannot show, 4151.39111328125 */
  if (!have_d) {
    evs_status st = evs_jnum_to_double(s, n, num, &d);
    if (st != EVS_OK) return st;
  }
  if (float_overflows(d)) return EVS_ERR_RANGE;
  if (float_of_double(d, out)) return EVS_OK;
  float f;
  evs_status st = strto_c(s, n, NULL, &f);
  if (st != EVS_OK) return st;
  *out = f;
  return EVS_OK;
}

/* ---- printing ---- */

static const char k_digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v's decimal digits, two at a time, so that they end just before end; returns where they start. */
static char *digits_before(uint64_t v, char *end) {
  char *p = end;
  while (v >= 100) {
    p -= 2;
    memcpy(p, k_digits2 + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    p -= 2;
    memcpy(p, k_digits2 + 2 * v, 2);
  } else {
    *--p = (char)('0' + v);
  }
  return p;
}

size_t evs_format_u64(uint64_t v, char *buf) {
  char tmp[24];
  char *p = digits_before(v, tmp + sizeof tmp);
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

/* ---- shortest round-trip digits ----
 *
 * The method is Schubfach's (R. Giulietti, "The Schubfach way to render doubles", 2020), written here from
 * the paper's idea with exactness made explicit instead of proved away. v = c * 2^q. Every decimal in
 * v's rounding interval [v - ulp/2, v + ulp/2] (closed when c is even: strtod rounds ties to even; the
 * lower half-gap is ulp/4 just above a power of two) reads back as v. Pick k with 10^k <= 2^q < 10^(k+1)
 * and scale by 10^-k: u = v * 10^-k lies in [c, 10c), the interval is u -+ delta with 1 <= 2 delta < 10.
 * So the interval holds at least one integer (a decimal with k as last exponent) and at most one
 * multiple of ten. If it holds a multiple of ten, that is the only candidate one digit shorter or less,
 * hence the shortest. Otherwise the integers in it all have as many digits as floor(u); the closest of
 * floor(u) and floor(u) + 1 (ties to even) is the nearest decimal of that length, which is what printf's
 * %.{p}g rounds to.
 *
 * u and delta come from one 128-bit power of ten (evs_pow10_128, truncated), so they are known up to a
 * bound: each test below either is decided outside that bound or is exact (the table entry is exact for
 * 10^0..10^52, and u is an exact integer when 5^k divides c). A test that is neither returns "unsure" and
 * the caller prints with printf instead; Schubfach's analysis shows 126 bits always decide, so with 123
 * this does not happen, but nothing here depends on that. */

typedef unsigned __int128 u128;

enum { OUT = 0, IN = 1, UNSURE = 2 };

/* Whether a distance d, known to lie in [lo, hi], is within the half-interval delta, known to lie in
 * [dl, dl + derr] (d == delta counts when the interval is closed). */
static int within(u128 lo, u128 hi, u128 dl, u128 derr, bool closed) {
  if (hi < dl) return IN;
  if (lo > dl + derr) return OUT;
  if (lo == hi && derr == 0) return closed ? IN : OUT; /* exactly on the boundary */
  return UNSURE;
}

/* The decision, on u = si + fr2 / one and the half-interval delta = dl / one, where the true fraction
 * lies in [fr2, fr2 + eu] and the true dl in [dl, dl + derr] (all zero errors: exact). Sets *out to the
 * chosen integer at u's scale (trailing zeros not yet stripped); false when a test is unsure. */
static bool decide(uint64_t si, u128 fr2, u128 eu, u128 one, u128 dl, u128 derr, bool closed, bool irregular,
                   uint64_t *out) {
  /* the lower half-gap is delta / 2 just above a power of two: compare twice the distance */
  int lsh = irregular ? 1 : 0;
#define BELOW(lo, hi) within((lo) << lsh, (hi) << lsh, dl, derr, closed)
#define ABOVE(lo, hi) within((lo), (hi), dl, derr, closed)
  uint64_t r = si % 10;
  int sp = OUT, tp;
  if (si >= 10) {
    u128 a = r * one + fr2;
    sp = BELOW(a, a + eu);
    if (sp == UNSURE) return false;
  }
  u128 b = (10 - r) * one - fr2;
  tp = ABOVE(b - eu, b);
  if (tp == UNSURE) return false;
  if (sp == IN || tp == IN) {
    *out = sp == IN ? si - r : si - r + 10;
    return true;
  }
  int sin = BELOW(fr2, fr2 + eu), tin = ABOVE(one - fr2 - eu, one - fr2);
#undef BELOW
#undef ABOVE
  if (sin == UNSURE || tin == UNSURE) return false;
  if (sin == IN && tin == IN) {
    u128 half = one >> 1;
    if (fr2 + eu < half)
      *out = si;
    else if (fr2 > half)
      *out = si + 1;
    else if (eu == 0 && fr2 == half)
      *out = si + (si & 1); /* a tie: the even one */
    else
      return false;
    return true;
  }
  if (sin == OUT && tin == OUT) return false; /* no integer inside: only possible above a power of two */
  *out = sin == IN ? si : si + 1;
  return true;
}

/* 5^k for k <= 27, the powers below 2^63 */
static const uint64_t k_pow5[28] = {1ull,
                                    5ull,
                                    25ull,
                                    125ull,
                                    625ull,
                                    3125ull,
                                    15625ull,
                                    78125ull,
                                    390625ull,
                                    1953125ull,
                                    9765625ull,
                                    48828125ull,
                                    244140625ull,
                                    1220703125ull,
                                    6103515625ull,
                                    30517578125ull,
                                    152587890625ull,
                                    762939453125ull,
                                    3814697265625ull,
                                    19073486328125ull,
                                    95367431640625ull,
                                    476837158203125ull,
                                    2384185791015625ull,
                                    11920928955078125ull,
                                    59604644775390625ull,
                                    298023223876953125ull,
                                    1490116119384765625ull,
                                    7450580596923828125ull};

/* The shortest decimal *d * 10^*e10 (no trailing zero in *d) that reads back as the positive finite value
 * with significand c and exponent q; among the shortest, the nearest (ties to even). false when a test is
 * unsure, or just above a power of two (asymmetric interval) when the result would need more than
 * `unique` digits: below that many digits a decimal in the interval is the only one of its length, above
 * it printf's %.{p}g nearest rounding may lie outside the short lower half-gap. */
static bool shortest(uint64_t c, int q, bool irregular, int unique, uint64_t *d, int *e10) {
  int k = (q * 78913) >> 18; /* floor(q * log10(2)), exact for |q| <= 1650 */
  int e = -k;                /* u = c * 2^q * 10^e */
  const uint64_t *t = evs_pow10_128[e - EVS_POW10_128_MIN];
  /* t = floor(10^e * 2^s) with the top bit set, s = 127 - floor(e * log2(10)); 5 bits dropped leave room
   * for the sums in decide(): T = floor(10^e * 2^(s-5)) < 2^123, exact for 10^0..10^52 */
  u128 T = ((u128)t[1] << 64 | t[0]) >> 5;
  int s = 127 - (int)((217706 * (int64_t)e) >> 16);
  int F = s - 5 - q; /* u = c * T / 2^F, 119 <= F <= 122 */
  bool exact = e >= 0 && e <= 52;
  u128 lo = (u128)c * (uint64_t)T, hi = (u128)c * (uint64_t)(T >> 64);
  u128 mid = (lo >> 64) + (uint64_t)hi; /* c * T = hi * 2^64 + lo, as 192 bits [top:mid:low] */
  uint64_t top = (uint64_t)(hi >> 64) + (uint64_t)(mid >> 64);
  u128 low128 = (mid << 64) | (uint64_t)lo;
  uint64_t si = (uint64_t)(top << (128 - F)) | (uint64_t)(low128 >> F);
  u128 fr = low128 & (((u128)1 << F) - 1);
  bool closed = (c & 1) == 0;
  uint64_t out;
  /* delta = T / 2^(F+1): in units of 2^-(F+1), dl = T; u's fraction is 2 fr (c * T_true < c * T + c) */
  bool ok =
      (exact || fr + c < (u128)1 << F) && decide(si, fr << 1, exact ? 0 : 2 * (u128)c, (u128)1 << (F + 1), T,
                                                 exact ? 0 : 1, closed, irregular, &out);
  if (!ok) {
    /* Unsure happens when u or a bound is an exact integer or half-integer that the truncated table
     * cannot show: for 1 <= k <= 27 (5^k | c, or 5^k | 2c +- 1). There everything is exact in units of
     * 1/(2 * 5^k): 2 * 5^k * u = c * 2^(q-k+1) < 2^120, 2 * 5^k * delta = 2^(q-k). */
    if (k < 1 || k > 27) return false;
    u128 one = 2 * (u128)k_pow5[k], uu = (u128)c << (q - k + 1);
    if (!decide((uint64_t)(uu / one), uu % one, 0, one, (u128)1 << (q - k), 0, closed, irregular, &out))
      return false;
  }
  int x = k; /* strip the trailing zeros: short decimals have a dozen at this scale */
  while (out % 100000000 == 0) {
    out /= 100000000;
    x += 8;
  }
  if (out % 10000 == 0) {
    out /= 10000;
    x += 4;
  }
  if (out % 100 == 0) {
    out /= 100;
    x += 2;
  }
  if (out % 10 == 0) {
    out /= 10;
    x += 1;
  }
  if (irregular) {
    int nd = 1;
    for (uint64_t v = out; v >= 10; v /= 10) nd++;
    if (nd > unique) return false;
  }
  *d = out;
  *e10 = x;
  return true;
}

/* Writes the significant digits dig[0..nd) (dig[0] != '0', no trailing zero, decimal exponent x of the
 * first digit) the way printf's %.{prec}g writes them: fixed notation when -4 <= x < prec, else
 * d.ddde+XX (at least two exponent digits). */
static size_t format_g(bool neg, const char *dig, int nd, int prec, int x, char *buf) {
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

static const uint64_t k_pow10u[20] = {1ull,
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
                                      1000000000000000000ull,
                                      10000000000000000000ull};

/* Prints d * 10^e10 (d > 0, no trailing zero) as %.{p}g prints it, p = max(min_prec, digits of d). */
static size_t format_decimal(bool neg, uint64_t d, int e10, int min_prec, char buf[EVS_JNUM_BUF]) {
  /* the digit count from the bit length (* log10(2) ~ 1233 / 4096), off by at most one */
  int t = ((64 - __builtin_clzll(d | 1)) * 1233) >> 12;
  int nd = t + 1 - (d < k_pow10u[t]);
  char dig[20];
  digits_before(d, dig + nd);
  return format_g(neg, dig, nd, nd < min_prec ? min_prec : nd, e10 + nd - 1, buf);
}

/* The shortest digits of a finite non-zero value, printed as the %.{p}g loop of the fallbacks below
 * prints them: p = max(min_prec, number of digits) for normal values (min_prec 15 for doubles, 6 for
 * floats: below that many digits the shortest is also printf's rounding), from 1 digit for subnormals.
 * Returns 0 when shortest() declines. */
static size_t format_shortest(bool neg, uint64_t mant, int biased, const fp_format *f, int min_prec,
                              char buf[EVS_JNUM_BUF]) {
  uint64_t c = biased ? mant | 1ull << f->mant_bits : mant;
  int q = (biased ? biased : 1) - f->bias - f->mant_bits;
  bool irregular = biased > 1 && mant == 0;
  uint64_t d;
  int e10;
  if (!shortest(c, q, irregular, min_prec, &d, &e10)) return 0;
  return format_decimal(neg, d, e10, biased ? min_prec : 1, buf);
}

/* Whether the printed text reads back as v (the fallback's test). */
static bool reads_back(const char *buf, size_t n, double v) {
  evs_jnum num;
  const char *why = NULL;
  size_t bad = 0;
  double back;
  return evs_jnum_scan(buf, n, &num, &why, &bad) == n && evs_jnum_to_double(buf, n, &num, &back) == EVS_OK &&
         back == v;
}

size_t evs_format_double(double v, char buf[EVS_JNUM_BUF]) {
  /* Integers below 1e15 print as %.15g prints them: plain digits. */
  if (fabs(v) < 1e15 && v == (double)(int64_t)v && !(v == 0 && signbit(v)))
    return evs_format_i64((int64_t)v, buf);
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  int biased = (int)(bits >> 52 & 0x7FF);
  uint64_t mant = bits & ((1ull << 52) - 1);
  if (biased == 0 && mant == 0) {
    memcpy(buf, "-0", 3); /* +0 took the integer path */
    return 2;
  }
  /* Decimals with up to three fraction digits (prices, readings: 12.99, -2502.803): r = |v| * 10^k rounded
   * is a candidate, and when r / 10^k == |v| (r < 1e15 and 10^k are exact doubles, so that division rounds
   * the decimal r * 10^-k exactly as strtod does) it is v's one decimal of at most 15 digits (DBL_DIG),
   * the shortest. Cheaper than the search below for these. */
  double a = fabs(v);
  if (a >= 1e-3 && a < 1e12) { /* r < 1e15 */
    for (int k = 1; k <= 3; k++) {
      double r = (double)(uint64_t)(a * k_pow10[k] + 0.5);
      if (r / k_pow10[k] == a) {
        uint64_t d = (uint64_t)r;
        int e10 = -k;
        while (d % 10 == 0) {
          d /= 10;
          e10++;
        }
        return format_decimal(bits >> 63, d, e10, 15, buf);
      }
    }
  }
  if (biased != 0x7FF) {
    size_t n = format_shortest(bits >> 63, mant, biased, &k_binary64, 15, buf);
    if (n) return n;
  }
  /* Fallback (non-finite values, and what format_shortest declines): %.15g when it round-trips (what
   * protobuf's C++ prints, and for normal numbers the shortest), else the fewest of 16/17 digits;
   * subnormals from 1 digit. */
  locale_t old = enter_c_locale();
  int n = 0;
  for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
    n = snprintf(buf, EVS_JNUM_BUF, "%.*g", prec, v);
    if (prec == 17 || reads_back(buf, (size_t)n, v)) break;
  }
  leave_c_locale(old);
  return (size_t)n;
}

size_t evs_format_float(float v, char buf[EVS_JNUM_BUF]) {
  if (fabsf(v) < 1e6f && v == (float)(int32_t)v && !(v == 0 && signbit(v)))
    return evs_format_i64((int64_t)(int32_t)v, buf);
  uint32_t bits;
  memcpy(&bits, &v, sizeof bits);
  int biased = (int)(bits >> 23 & 0xFF);
  uint32_t mant = bits & ((1u << 23) - 1);
  if (biased == 0 && mant == 0) {
    memcpy(buf, "-0", 3);
    return 2;
  }
  if (biased != 0xFF) {
    size_t n = format_shortest(bits >> 31, mant, biased, &k_binary32, 6, buf);
    if (n) return n;
  }
  /* Fallback as for doubles: %.6g is C++'s first try; more digits until it reads back as the same float. */
  locale_t old = enter_c_locale();
  int n = 0;
  for (int prec = fabsf(v) < FLT_MIN && v != 0 ? 1 : 6; prec <= 9; prec++) {
    n = snprintf(buf, EVS_JNUM_BUF, "%.*g", prec, (double)v);
    if (prec == 9 || strtof(buf, NULL) == v) break;
  }
  leave_c_locale(old);
  return (size_t)n;
}
