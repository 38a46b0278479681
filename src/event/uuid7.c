/* UUIDv7 generator: RFC 9562 §5.7 layout, §6.2 method 1 (12-bit rand_a counter, guard bit on seeding).
 *
 * The generator's whole history is one 60-bit number, state = unix_ts_ms << 12 | counter, and the id's
 * octets 0..7 are exactly that number with the version nibble slotted in. Handing out ids is therefore
 * just advancing `state`: a counter overflow carries into the millisecond by itself (never a duplicate),
 * a clock that went backwards simply continues from state + 1, and a batch is a run of consecutive
 * values reserved with one compare-and-swap. A lock-free CAS on one word keeps evs_uuid7_gen free of
 * pthread types and of a destroy call, so a zeroed static is a working generator.
 *
 * The __atomic builtins (gcc, clang) are used instead of <stdatomic.h> because the field sits in a
 * public header that C++ also compiles, where _Atomic is not available. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <uuid/uuid.h>

#include "evs/timeutil.h"
#include "evs/uuid.h"

#include "base/error_internal.h"

#if !defined(__GNUC__)
#error "uuid7.c needs the __atomic builtins of gcc or clang"
#endif

#define MS_MAX UINT64_C(0xFFFFFFFFFFFF) /* 48-bit unix_ts_ms: good until year 10889 */
#define COUNTER_BITS 12
#define STATE_MAX ((MS_MAX << COUNTER_BITS) | 0xFFF)
/* Seeds leave the counter's top bit 0, so at least 2048 ids fit in a millisecond before it carries. */
#define SEED_MASK 0x7FF

static evs_uuid7_gen g_default; /* zeroed: real clock, libuuid randomness */

void evs_uuid7_gen_init(evs_uuid7_gen *gen, evs_uuid7_clock_fn clock_fn, evs_uuid7_rand_fn rand_fn,
                        void *ctx) {
  if (!gen) return;
  gen->clock_fn = clock_fn;
  gen->rand_fn = rand_fn;
  gen->ctx = ctx;
  gen->state = 0;
}

static void draw_random(const evs_uuid7_gen *gen, uint8_t out[16]) {
  if (gen->rand_fn) {
    gen->rand_fn(gen->ctx, out);
  } else {
    uuid_generate_random(out);
  }
}

/* Writes state value v (ms and counter) over the random bytes already in u, plus version and variant. */
static void stamp(evs_uuid *u, uint64_t v) {
  uint64_t ms = v >> COUNTER_BITS;
  unsigned ctr = (unsigned)(v & 0xFFF);
  for (int i = 0; i < 6; i++) u->b[i] = (uint8_t)(ms >> (40 - 8 * i));
  u->b[6] = (uint8_t)(0x70 | (ctr >> 8));
  u->b[7] = (uint8_t)(ctr & 0xFF);
  u->b[8] = (uint8_t)((u->b[8] & 0x3F) | 0x80);
}

/* Zeroes out[0..n-1] (no half-made ids escape) and fills err, location unknown. */
static evs_status fail_fill(evs_uuid *out, size_t n, evs_error *err, evs_status code, const char *fmt, ...)
    EVS_PRINTF(5, 6);
static evs_status fail_fill(evs_uuid *out, size_t n, evs_error *err, evs_status code, const char *fmt, ...) {
  if (out) memset(out, 0, n * sizeof *out);
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  evs_vfail(err, code, fmt, ap);
  va_end(ap);
  evs_error_at(err, EVS_NO_OFFSET, 0, 0);
  return code; /* a constant at each call site, so the compiler sees failure paths as failures */
}

evs_status evs_uuid7_gen_fill(evs_uuid7_gen *gen, evs_uuid *out, size_t n, evs_error *err) {
  if (!gen || (!out && n > 0)) {
    return fail_fill(out, n, err, EVS_ERR_INVALID_ARG, "evs_uuid7_gen_fill: %s is NULL", gen ? "out" : "gen");
  }
  if (n == 0) return EVS_OK;
  /* Randomness and the clock are read before the CAS so that the critical section stays a few
   * instructions; a thread that loses the race just recomputes its values from the new state. */
  for (size_t i = 0; i < n; i++) draw_random(gen, out[i].b);
  int64_t now = gen->clock_fn ? gen->clock_fn(gen->ctx) : evs_time_now_ms();
  if (now < 0) {
    return fail_fill(out, n, err, EVS_ERR_RANGE,
                     "clock reads %lld ms: unavailable or before 1970, which UUIDv7 cannot encode",
                     (long long)now);
  }
  if ((uint64_t)now > MS_MAX) {
    return fail_fill(out, n, err, EVS_ERR_RANGE, "clock reads %lld ms: beyond the 48-bit UUIDv7 timestamp",
                     (long long)now);
  }
  const uint64_t seed = ((uint64_t)(out[0].b[6] & 0x0F) << 8 | out[0].b[7]) & SEED_MASK;
  uint64_t old = __atomic_load_n(&gen->state, __ATOMIC_ACQUIRE);
  uint64_t first;
  do {
    if ((uint64_t)now > (old >> COUNTER_BITS)) {
      first = ((uint64_t)now << COUNTER_BITS) | seed;
    } else {
      first = old + 1; /* same ms, or the clock went back: continue; a counter overflow carries into ms */
    }
    if (first > STATE_MAX || n - 1 > STATE_MAX - first) {
      return fail_fill(out, n, err, EVS_ERR_RANGE,
                       "UUIDv7 timestamp space exhausted: the counter carried past the 48-bit limit "
                       "(%zu ids requested)",
                       n);
    }
  } while (!__atomic_compare_exchange_n(&gen->state, &old, first + (n - 1), true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE));
  for (size_t i = 0; i < n; i++) stamp(&out[i], first + i);
  return EVS_OK;
}

evs_status evs_uuid7_gen_next(evs_uuid7_gen *gen, evs_uuid *out, evs_error *err) {
  return evs_uuid7_gen_fill(gen, out, 1, err);
}

evs_status evs_uuid7_new(evs_uuid *out, evs_error *err) {
  return evs_uuid7_gen_next(&g_default, out, err);
}

evs_status evs_uuid7_fill(evs_uuid *out, size_t n, evs_error *err) {
  return evs_uuid7_gen_fill(&g_default, out, n, err);
}

int64_t evs_uuid7_time_ms(const evs_uuid *u) {
  if (!u) return 0;
  uint64_t ms = 0;
  for (int i = 0; i < 6; i++) ms = ms << 8 | u->b[i];
  return (int64_t)ms;
}
