/* UUIDv7 generation with an injected clock and randomness, and UUID text parsing and checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "evs/timeutil.h"
#include "evs/uuid.h"

/* RFC 9562 appendix A.6. */
static const char k_rfc_text[] = "017F22E2-79B0-7CC3-98C4-DC0C0C07398F";
static const int64_t k_rfc_ms = INT64_C(0x017F22E279B0); /* 1645557742000 = 2022-02-22T19:22:22Z */
static const uint8_t k_rfc_bytes[16] = {0x01, 0x7F, 0x22, 0xE2, 0x79, 0xB0, 0x7C, 0xC3,
                                        0x98, 0xC4, 0xDC, 0x0C, 0x0C, 0x07, 0x39, 0x8F};
static const char k_v4_text[] = "9f3c3e1e-6b0c-4b1e-8f5e-2a3b4c5d6e7f";

/* ---- helpers -------------------------------------------------------------------------------------- */

typedef struct fake_env {
  int64_t now;
  uint8_t rnd[16]; /* what every draw returns */
  int draws;
} fake_env;

static int64_t fake_clock(void *ctx) {
  return ((fake_env *)ctx)->now;
}

static void fake_rand(void *ctx, uint8_t out[16]) {
  fake_env *f = ctx;
  memcpy(out, f->rnd, 16);
  f->draws++;
}

/* Random bytes whose rand_a position seeds the counter with `seed` (only its low 11 bits are used). */
static void set_seed(fake_env *f, unsigned seed) {
  f->rnd[6] = (uint8_t)(0x40 | ((seed >> 8) & 0x0F)); /* like libuuid: a v4 nibble above the seed bits */
  f->rnd[7] = (uint8_t)(seed & 0xFF);
}

static unsigned rand_a(const evs_uuid *u) {
  return (unsigned)((u->b[6] & 0x0F) << 8 | u->b[7]);
}

static void assert_v7(const evs_uuid *u) {
  assert_int_equal(evs_uuid_version(u), 7);
  assert_true(evs_uuid_is_rfc_variant(u));
  assert_int_equal(u->b[6] >> 4, 7);
  assert_int_equal(u->b[8] & 0xC0, 0x80);
}

static void assert_id(const evs_uuid *u, int64_t ms, unsigned counter) {
  assert_v7(u);
  assert_int_equal(evs_uuid7_time_ms(u), ms);
  assert_int_equal(rand_a(u), counter);
}

static void assert_less(const evs_uuid *a, const evs_uuid *b) {
  assert_true(memcmp(a->b, b->b, 16) < 0);
  assert_true(evs_uuid_compare(a, b) < 0);
  assert_true(evs_uuid_compare(b, a) > 0);
}

static void expect_err(evs_status got, const evs_error *e, evs_status code, size_t offset,
                       const char *needle) {
  if (got != code || e->code != code || e->offset != offset || strstr(e->msg, needle) == NULL) {
    fail_msg("got status %s offset %zu msg \"%s\"; want %s offset %zu containing \"%s\"",
             evs_status_name(got), e->offset, e->msg, evs_status_name(code), offset, needle);
  }
}

static evs_status parse(const char *s, evs_uuid *u, evs_error *e) {
  evs_error_clear(e);
  return evs_uuid_parse(s, strlen(s), u, e);
}

static evs_status check(const char *s, int version, evs_error *e) {
  evs_error_clear(e);
  return evs_uuid_check(s, strlen(s), version, e);
}

/* ---- generation ----------------------------------------------------------------------------------- */

static void test_rfc_vector(void **state) {
  (void)state;
  fake_env f = {.now = k_rfc_ms};
  memcpy(f.rnd, k_rfc_bytes, 16); /* randomness equal to the vector: only our fields may differ */
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  evs_uuid u;
  evs_error e;
  evs_error_clear(&e);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, &e), EVS_OK);
  assert_int_equal(f.draws, 1);
  /* Timestamp, version and variant as in the vector; rand_a is the counter seed 0xCC3 with the guard bit
   * cleared; rand_b passes through. */
  assert_memory_equal(u.b, k_rfc_bytes, 6);
  assert_id(&u, k_rfc_ms, 0xCC3 & 0x7FF);
  assert_memory_equal(u.b + 8, k_rfc_bytes + 8, 8);
  char text[EVS_UUID_STR_SIZE];
  assert_string_equal(evs_uuid_format(&u, text), "017f22e2-79b0-74c3-98c4-dc0c0c07398f");

  /* The vector itself parses to the same layout. */
  evs_uuid v;
  assert_int_equal(parse(k_rfc_text, &v, &e), EVS_OK);
  assert_memory_equal(v.b, k_rfc_bytes, 16);
  assert_id(&v, k_rfc_ms, 0xCC3);
  assert_int_equal(evs_uuid7_time_ms(&v), INT64_C(1645557742000));
  assert_int_equal(check(k_rfc_text, 7, &e), EVS_OK);
}

static void test_variant_bits_forced(void **state) {
  (void)state;
  fake_env f = {.now = 1000};
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  evs_uuid u;
  memset(f.rnd, 0xFF, 16);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
  assert_int_equal(u.b[8], 0xBF);
  assert_int_equal(rand_a(&u), 0x7FF); /* guard bit cleared */
  for (int i = 9; i < 16; i++) assert_int_equal(u.b[i], 0xFF);
  f.now = 1001;
  memset(f.rnd, 0x00, 16);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
  assert_int_equal(u.b[8], 0x80);
  assert_id(&u, 1001, 0);
}

static void test_same_ms_counter_increments(void **state) {
  (void)state;
  fake_env f = {.now = INT64_C(1768386600123)};
  set_seed(&f, 0x123);
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  evs_uuid ids[5];
  for (int i = 0; i < 5; i++) {
    assert_int_equal(evs_uuid7_gen_next(&gen, &ids[i], NULL), EVS_OK);
    assert_id(&ids[i], f.now, 0x123u + (unsigned)i);
    if (i > 0) assert_less(&ids[i - 1], &ids[i]);
  }
  /* A new millisecond reseeds. */
  f.now++;
  set_seed(&f, 0x005);
  evs_uuid next;
  assert_int_equal(evs_uuid7_gen_next(&gen, &next, NULL), EVS_OK);
  assert_id(&next, f.now, 0x005);
  assert_less(&ids[4], &next);
}

static void test_counter_overflow_advances_ms(void **state) {
  (void)state;
  const int64_t t = INT64_C(1700000000000);
  fake_env f = {.now = t};
  set_seed(&f, 0xFFF); /* the guard bit turns this into 0x7FF: 2049 ids left in the millisecond */
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  evs_uuid prev, u;
  assert_int_equal(evs_uuid7_gen_next(&gen, &prev, NULL), EVS_OK);
  assert_id(&prev, t, 0x7FF);
  for (unsigned c = 0x800; c <= 0xFFF; c++) {
    assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
    assert_id(&u, t, c);
    assert_less(&prev, &u);
    prev = u;
  }
  /* Counter exhausted while the clock still says t: the id moves to t+1 instead of repeating. */
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
  assert_id(&u, t + 1, 0);
  assert_less(&prev, &u);
  prev = u;
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
  assert_id(&u, t + 1, 1);
  assert_less(&prev, &u);
  prev = u;
  /* The clock catching up with the borrowed millisecond continues the counter... */
  f.now = t + 1;
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
  assert_id(&u, t + 1, 2);
  assert_less(&prev, &u);
  prev = u;
  /* ...and passing it reseeds. */
  f.now = t + 2;
  set_seed(&f, 0x042);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, NULL), EVS_OK);
  assert_id(&u, t + 2, 0x042);
  assert_less(&prev, &u);
  assert_int_equal(f.draws, 2049 + 4);
}

static void test_backwards_clock_stays_increasing(void **state) {
  (void)state;
  const int64_t t = INT64_C(1700000000000);
  fake_env f = {.now = t};
  set_seed(&f, 0x010);
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  evs_uuid a, b, c, d;
  assert_int_equal(evs_uuid7_gen_next(&gen, &a, NULL), EVS_OK);
  assert_id(&a, t, 0x010);
  f.now = t - 5000; /* e.g. an NTP step back */
  set_seed(&f, 0x700);
  assert_int_equal(evs_uuid7_gen_next(&gen, &b, NULL), EVS_OK);
  assert_id(&b, t, 0x011);
  f.now = t - 1;
  assert_int_equal(evs_uuid7_gen_next(&gen, &c, NULL), EVS_OK);
  assert_id(&c, t, 0x012);
  f.now = t + 1;
  assert_int_equal(evs_uuid7_gen_next(&gen, &d, NULL), EVS_OK);
  assert_id(&d, t + 1, 0x700);
  assert_less(&a, &b);
  assert_less(&b, &c);
  assert_less(&c, &d);
}

static void test_fill_reserves_a_consecutive_run(void **state) {
  (void)state;
  const int64_t t = INT64_C(1700000000000);
  fake_env f = {.now = t};
  set_seed(&f, 0x7FF);
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  enum { N = 10000 };
  static evs_uuid ids[N];
  evs_error e;
  evs_error_clear(&e);
  assert_int_equal(evs_uuid7_gen_fill(&gen, ids, N, &e), EVS_OK);
  assert_int_equal(f.draws, N);
  for (unsigned i = 0; i < N; i++) {
    uint64_t v = ((uint64_t)t << 12 | 0x7FF) + i;
    assert_id(&ids[i], (int64_t)(v >> 12), (unsigned)(v & 0xFFF));
    if (i > 0) assert_less(&ids[i - 1], &ids[i]);
  }
  /* (10000 - 2049) ids spill over 0xFFF ids per ms: the run ends 2 ms ahead of the clock. */
  assert_int_equal(evs_uuid7_time_ms(&ids[N - 1]), t + 2);
  evs_uuid next;
  assert_int_equal(evs_uuid7_gen_next(&gen, &next, NULL), EVS_OK);
  assert_less(&ids[N - 1], &next);
  /* n == 0 is a no-op, even with out NULL. */
  assert_int_equal(evs_uuid7_gen_fill(&gen, NULL, 0, &e), EVS_OK);
  assert_int_equal(f.draws, N + 1);
}

static void test_generator_errors(void **state) {
  (void)state;
  fake_env f = {.now = -1};
  evs_uuid7_gen gen;
  evs_uuid7_gen_init(&gen, fake_clock, fake_rand, &f);
  evs_uuid u;
  evs_error e;
  memset(f.rnd, 0xAB, 16);

  evs_error_clear(&e);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, &e), EVS_ERR_RANGE);
  assert_non_null(strstr(e.msg, "before 1970"));
  assert_int_equal(e.offset, EVS_NO_OFFSET);
  assert_true(evs_uuid_is_nil(&u)); /* zeroed, not a half-made id */

  f.now = INT64_C(0x1000000000000); /* 2^48: first millisecond UUIDv7 cannot encode */
  evs_error_clear(&e);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, &e), EVS_ERR_RANGE);
  assert_non_null(strstr(e.msg, "48-bit"));

  /* At the last encodable millisecond, seed 0x7FF leaves exactly 2049 ids. */
  f.now = INT64_C(0xFFFFFFFFFFFF);
  set_seed(&f, 0x7FF);
  static evs_uuid run[2050];
  evs_error_clear(&e);
  assert_int_equal(evs_uuid7_gen_fill(&gen, run, 2050, &e), EVS_ERR_RANGE);
  assert_non_null(strstr(e.msg, "exhausted"));
  assert_true(evs_uuid_is_nil(&run[0]) && evs_uuid_is_nil(&run[2049]));
  /* The failed run reserved nothing. */
  assert_int_equal(evs_uuid7_gen_fill(&gen, run, 2049, &e), EVS_OK);
  assert_id(&run[0], INT64_C(0xFFFFFFFFFFFF), 0x7FF);
  assert_id(&run[2048], INT64_C(0xFFFFFFFFFFFF), 0xFFF);
  assert_int_equal(evs_uuid7_gen_next(&gen, &u, &e), EVS_ERR_RANGE);

  evs_error_clear(&e);
  assert_int_equal(evs_uuid7_gen_next(NULL, &u, &e), EVS_ERR_INVALID_ARG);
  assert_true(e.msg[0] != '\0');
  assert_int_equal(evs_uuid7_gen_next(&gen, NULL, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid7_gen_fill(&gen, NULL, 3, NULL), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid7_new(NULL, NULL), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid7_time_ms(NULL), 0);
}

static void test_default_generator(void **state) {
  (void)state;
  enum { N = 1000, M = 5000 };
  static evs_uuid ids[N], batch[M];
  int64_t before = evs_time_now_ms();
  for (int i = 0; i < N; i++) {
    assert_int_equal(evs_uuid7_new(&ids[i], NULL), EVS_OK);
    assert_v7(&ids[i]);
    if (i > 0) assert_less(&ids[i - 1], &ids[i]);
  }
  int64_t after = evs_time_now_ms();
  assert_true(evs_uuid7_time_ms(&ids[0]) >= before);
  assert_true(evs_uuid7_time_ms(&ids[N - 1]) <= after); /* 1000 ids cannot exhaust a millisecond */
  /* rand_b is fresh randomness per id (equal by chance with probability 2^-62). */
  assert_memory_not_equal(ids[0].b + 8, ids[1].b + 8, 8);

  assert_int_equal(evs_uuid7_fill(batch, M, NULL), EVS_OK);
  assert_less(&ids[N - 1], &batch[0]);
  for (int i = 0; i < M; i++) {
    assert_v7(&batch[i]);
    if (i > 0) assert_less(&batch[i - 1], &batch[i]);
  }
  assert_true(evs_uuid7_time_ms(&batch[M - 1]) <= evs_time_now_ms() + 3); /* 5000 ids carry <= 3 ms */
}

/* ---- text ----------------------------------------------------------------------------------------- */

static void test_parse_and_format(void **state) {
  (void)state;
  evs_uuid lower, upper, mixed;
  evs_error e;
  assert_int_equal(parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f", &lower, &e), EVS_OK);
  assert_int_equal(parse(k_rfc_text, &upper, &e), EVS_OK);
  assert_int_equal(parse("017F22e2-79B0-7cC3-98c4-Dc0C0c07398F", &mixed, &e), EVS_OK);
  assert_memory_equal(lower.b, k_rfc_bytes, 16);
  assert_memory_equal(upper.b, k_rfc_bytes, 16);
  assert_memory_equal(mixed.b, k_rfc_bytes, 16);
  char text[EVS_UUID_STR_SIZE];
  assert_string_equal(evs_uuid_format(&upper, text), "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
  assert_int_equal(strlen(text), EVS_UUID_STR_LEN);

  /* Every hex digit value in every position survives the round trip. */
  for (int k = 0; k < 16; k++) {
    evs_uuid u, back;
    for (int i = 0; i < 16; i++) u.b[i] = (uint8_t)(k * 17 + i * 16 + i);
    assert_int_equal(parse(evs_uuid_format(&u, text), &back, &e), EVS_OK);
    assert_memory_equal(u.b, back.b, 16);
  }

  /* s need not be NUL-terminated: only len bytes are read. */
  const char buf[] = "017f22e2-79b0-7cc3-98c4-dc0c0c07398fXYZ";
  assert_int_equal(evs_uuid_parse(buf, 36, &lower, NULL), EVS_OK);
  assert_memory_equal(lower.b, k_rfc_bytes, 16);

  assert_null(evs_uuid_format(&lower, NULL));
  assert_string_equal(evs_uuid_format(NULL, text), "");
}

static void test_parse_every_wrong_length(void **state) {
  (void)state;
  const char *valid = "017f22e2-79b0-7cc3-98c4-dc0c0c07398f";
  evs_uuid u;
  evs_error e;
  for (size_t len = 0; len < 36; len++) {
    evs_error_clear(&e);
    evs_status st = evs_uuid_parse(valid, len, &u, &e);
    expect_err(st, &e, EVS_ERR_SYNTAX, len, len == 0 ? "empty" : "too short");
  }
  char longer[64];
  for (size_t extra = 1; extra <= 20; extra++) {
    snprintf(longer, sizeof longer, "%s%.*s", valid, (int)extra, "0123456789abcdef-xyz");
    evs_error_clear(&e);
    evs_status st = evs_uuid_parse(longer, strlen(longer), &u, &e);
    expect_err(st, &e, EVS_ERR_SYNTAX, 36, "expected exactly 36 characters");
  }
}

static void test_parse_bad_characters(void **state) {
  (void)state;
  const char *valid = "017f22e2-79b0-7cc3-98c4-dc0c0c07398f";
  char s[37];
  evs_uuid u;
  evs_error e;
  for (size_t i = 0; i < 36; i++) {
    bool hyphen = (i == 8 || i == 13 || i == 18 || i == 23);
    memcpy(s, valid, 37);
    s[i] = hyphen ? '0' : 'g';
    evs_error_clear(&e);
    evs_status st = evs_uuid_parse(s, 36, &u, &e);
    expect_err(st, &e, EVS_ERR_SYNTAX, i, hyphen ? "expected '-'" : "expected a hex digit");
    expect_err(st, &e, EVS_ERR_SYNTAX, i, hyphen ? "found '0'" : "found 'g'");
  }
  memcpy(s, valid, 37);
  s[20] = (char)0xC3; /* a UTF-8 lead byte */
  assert_int_equal(evs_uuid_parse(s, 36, &u, &e), EVS_ERR_SYNTAX);
  expect_err(EVS_ERR_SYNTAX, &e, EVS_ERR_SYNTAX, 20, "byte 0xc3");
  s[20] = '\0';
  assert_int_equal(evs_uuid_parse(s, 36, &u, &e), EVS_ERR_SYNTAX);
  expect_err(EVS_ERR_SYNTAX, &e, EVS_ERR_SYNTAX, 20, "byte 0x00");

  /* A failed parse leaves *out untouched. */
  memset(u.b, 0x5A, 16);
  assert_int_equal(parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398g", &u, &e), EVS_ERR_SYNTAX);
  for (int i = 0; i < 16; i++) assert_int_equal(u.b[i], 0x5A);

  /* The offset reaches the formatted message. */
  char line[320];
  evs_error_format(&e, line, sizeof line);
  assert_non_null(strstr(line, "offset 35:"));
}

static void test_parse_near_misses(void **state) {
  (void)state;
  evs_uuid u;
  evs_error e;
  expect_err(parse("017f22e279b07cc398c4dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 8, "without hyphens");
  expect_err(parse("017f22e279b0-7cc3-98c4-dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 8, "found '7'");
  expect_err(parse("017f22e2-79b0-7cc3-98c4dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 23, "expected '-'");
  expect_err(parse("017f22e2_79b0_7cc3_98c4_dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 8, "found '_'");
  expect_err(parse("{017f22e2-79b0-7cc3-98c4-dc0c0c07398f}", &u, &e), &e, EVS_ERR_SYNTAX, 0, "braces");
  expect_err(parse("urn:uuid:017f22e2-79b0-7cc3-98c4-dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 0,
             "'urn:uuid:' prefix");
  expect_err(parse("URN:UUID:017f22e2-79b0-7cc3-98c4-dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 0,
             "'urn:uuid:' prefix");
  expect_err(parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f}", &u, &e), &e, EVS_ERR_SYNTAX, 36, "'}'");
  expect_err(parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f ", &u, &e), &e, EVS_ERR_SYNTAX, 36, "' '");
  expect_err(parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f\n", &u, &e), &e, EVS_ERR_SYNTAX, 36, "byte 0x0a");
  expect_err(parse(" 017f22e2-79b0-7cc3-98c4-dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 0, "found ' '");
  expect_err(parse("0x7f22e2-79b0-7cc3-98c4-dc0c0c07398f", &u, &e), &e, EVS_ERR_SYNTAX, 1, "found 'x'");

  evs_error_clear(&e);
  assert_int_equal(evs_uuid_parse(NULL, 0, &u, &e), EVS_ERR_SYNTAX);
  assert_int_equal(evs_uuid_parse(NULL, 36, &u, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid_parse(k_rfc_text, 36, NULL, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(e.offset, EVS_NO_OFFSET);
  assert_int_equal(evs_uuid_parse("nope", 4, &u, NULL), EVS_ERR_SYNTAX); /* err NULL is fine */
}

static void test_check_versions(void **state) {
  (void)state;
  evs_error e;
  evs_uuid u;
  /* A v4 parses, is RFC variant, and is refused where v7 is required. */
  assert_int_equal(parse(k_v4_text, &u, &e), EVS_OK);
  assert_int_equal(evs_uuid_version(&u), 4);
  assert_true(evs_uuid_is_rfc_variant(&u));
  expect_err(check(k_v4_text, 7, &e), &e, EVS_ERR_VALIDATION, 14, "UUID version 4, expected version 7");
  assert_int_equal(check(k_v4_text, 4, &e), EVS_OK);
  assert_int_equal(check(k_v4_text, 0, &e), EVS_OK);
  assert_int_equal(check(k_rfc_text, 7, &e), EVS_OK);
  expect_err(check(k_rfc_text, 4, &e), &e, EVS_ERR_VALIDATION, 14, "UUID version 7, expected version 4");

  /* Nil and Max are special values, not v7 (nor any version). */
  const char *nil = "00000000-0000-0000-0000-000000000000";
  const char *max = "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF";
  assert_int_equal(parse(nil, &u, &e), EVS_OK);
  assert_true(evs_uuid_is_nil(&u));
  assert_false(evs_uuid_is_max(&u));
  assert_int_equal(evs_uuid_version(&u), 0);
  assert_false(evs_uuid_is_rfc_variant(&u));
  expect_err(check(nil, 7, &e), &e, EVS_ERR_VALIDATION, 0, "nil (all zeros) UUID, expected version 7");
  assert_int_equal(parse(max, &u, &e), EVS_OK);
  assert_true(evs_uuid_is_max(&u));
  assert_int_equal(evs_uuid_version(&u), 15);
  assert_false(evs_uuid_is_rfc_variant(&u));
  expect_err(check(max, 7, &e), &e, EVS_ERR_VALIDATION, 0, "max (all ones) UUID, expected version 7");
  expect_err(check(max, 15, &e), &e, EVS_ERR_VALIDATION, 0, "max (all ones)");
  assert_int_equal(check(nil, 0, &e), EVS_OK);
  assert_int_equal(check(max, 0, &e), EVS_OK);

  /* Right version nibble, wrong variant (Microsoft 110x, NCS 0xxx). */
  expect_err(check("017f22e2-79b0-7cc3-c8c4-dc0c0c07398f", 7, &e), &e, EVS_ERR_VALIDATION, 19, "'c'");
  expect_err(check("017f22e2-79b0-7cc3-78c4-dc0c0c07398f", 7, &e), &e, EVS_ERR_VALIDATION, 19,
             "not the RFC 9562 variant");

  /* Syntax errors come through check unchanged. */
  expect_err(check("017f22e2-79b0-7cc3-98c4-dc0c0c07398", 7, &e), &e, EVS_ERR_SYNTAX, 35, "too short");

  /* The binary check has no text offset. */
  assert_int_equal(parse(k_v4_text, &u, &e), EVS_OK);
  evs_error_clear(&e);
  expect_err(evs_uuid_check_version(&u, 7, &e), &e, EVS_ERR_VALIDATION, EVS_NO_OFFSET,
             "UUID version 4, expected version 7");

  evs_error_clear(&e);
  assert_int_equal(evs_uuid_check(k_rfc_text, 36, -1, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid_check(k_rfc_text, 36, 16, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid_check_version(NULL, 7, &e), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_uuid_version(NULL), 0);
  assert_false(evs_uuid_is_rfc_variant(NULL));
  assert_false(evs_uuid_is_nil(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc_vector),
      cmocka_unit_test(test_variant_bits_forced),
      cmocka_unit_test(test_same_ms_counter_increments),
      cmocka_unit_test(test_counter_overflow_advances_ms),
      cmocka_unit_test(test_backwards_clock_stays_increasing),
      cmocka_unit_test(test_fill_reserves_a_consecutive_run),
      cmocka_unit_test(test_generator_errors),
      cmocka_unit_test(test_default_generator),
      cmocka_unit_test(test_parse_and_format),
      cmocka_unit_test(test_parse_every_wrong_length),
      cmocka_unit_test(test_parse_bad_characters),
      cmocka_unit_test(test_parse_near_misses),
      cmocka_unit_test(test_check_versions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
