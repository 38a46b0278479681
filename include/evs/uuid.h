/* UUIDs: RFC 9562 version 7 generation, canonical text parsing and formatting, version checks.
 *
 * An evs_uuid is 16 plain bytes in network order (octet 0 first), so memcmp() orders v7 ids by creation
 * time. Nothing in this header allocates: every value lives in caller memory and there is nothing to
 * free. Calls that take an `evs_error *err` accept NULL (no details wanted); on failure they fill code,
 * msg and, for text input, the byte offset of the problem relative to the start of `s`.
 *
 * Generation. libuuid 2.38 has no v7 generator, so evs builds v7 from uuid_generate_random() bytes and a
 * millisecond CLOCK_REALTIME clock, using RFC 9562 §6.2 method 1: the 12-bit rand_a field is a counter,
 * seeded with 11 random bits (top bit 0 as a rollover guard) on each new millisecond and incremented for
 * every further id in that millisecond; rand_b (62 bits) is fresh randomness for every id. Ids from one
 * generator are strictly increasing (memcmp) across all threads that share it:
 *  - counter overflow carries into the timestamp, i.e. the stored time runs up to a few ms ahead of the
 *    clock rather than repeat an id;
 *  - a clock that goes backwards keeps the last timestamp and continues its counter.
 * Across processes (and after fork(), which copies the generator state) uniqueness rests on the 62 random
 * bits of rand_b, as RFC 9562 intends. */
#ifndef EVS_UUID_H
#define EVS_UUID_H

#include <stdbool.h>

#include "evs/common.h"
#include "evs/error.h"

EVS_EXTERN_C_BEGIN

/* A UUID as 16 bytes, network order. The all-zero value is the Nil UUID. */
typedef struct evs_uuid {
  uint8_t b[16];
} evs_uuid;

/* Size of the buffer evs_uuid_format() writes: 36 characters plus the NUL. */
#define EVS_UUID_STR_SIZE 37
/* Length of the canonical text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
#define EVS_UUID_STR_LEN 36

/* ---- UUIDv7 generation -------------------------------------------------------------------------- */

/* Returns the current Unix time in milliseconds, or a negative value when no time is available (the
 * generator then fails with EVS_ERR_RANGE). Called without any lock held, possibly from several threads at
 * once when the generator is shared. */
typedef int64_t (*evs_uuid7_clock_fn)(void *ctx);
/* Fills out with 16 random bytes (a CSPRNG in production). Same threading rules as the clock. */
typedef void (*evs_uuid7_rand_fn)(void *ctx, uint8_t out[16]);

/* A UUIDv7 generator: a clock, a source of randomness and the last (timestamp, counter) it handed out.
 * A zero-initialised evs_uuid7_gen is ready to use with the real clock and libuuid randomness; the
 * process-wide one behind evs_uuid7_new() is such a static. Separate generators do not coordinate with one
 * another. The fields are public only so that the struct can live on the stack or in static storage: set
 * them through evs_uuid7_gen_init() and never touch `state`. */
typedef struct evs_uuid7_gen {
  evs_uuid7_clock_fn clock_fn; /* NULL: evs_time_now_ms() (CLOCK_REALTIME) */
  evs_uuid7_rand_fn rand_fn;   /* NULL: uuid_generate_random() from libuuid */
  void *ctx;                   /* passed to both functions */
  uint64_t state;              /* private: (last unix_ts_ms << 12) | last counter, updated atomically */
} evs_uuid7_gen;

/* Sets up gen with the given clock and randomness (NULL selects the real one) and an empty history.
 * gen NULL: does nothing. Not thread-safe: call it before the generator is shared. */
EVS_API void evs_uuid7_gen_init(evs_uuid7_gen *gen, evs_uuid7_clock_fn clock_fn, evs_uuid7_rand_fn rand_fn,
                                void *ctx);

/* Writes one new UUIDv7 to *out, greater (memcmp) than every id gen produced before.
 * Fails with EVS_ERR_INVALID_ARG if gen or out is NULL, and with EVS_ERR_RANGE if the clock reports a
 * time before 1970 or after the 48-bit limit (year 10889), or the counter has carried the timestamp past
 * that limit. *out is zeroed on failure. Thread-safe: any number of threads may share one generator. */
EVS_API EVS_NODISCARD evs_status evs_uuid7_gen_next(evs_uuid7_gen *gen, evs_uuid *out, evs_error *err);

/* Writes n new UUIDv7s to out[0..n-1], strictly increasing and greater than every id gen produced before,
 * reading the clock once and reserving the whole run with one atomic update (no other thread's ids fall
 * between them). A run longer than the 2048..4096 ids left in the current millisecond carries into the next
 * milliseconds, so a very large n produces timestamps ahead of the clock (about 1 ms per 4096 ids).
 * n == 0 succeeds without touching out (which may then be NULL). Errors as evs_uuid7_gen_next(); out is
 * zeroed on failure. Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_uuid7_gen_fill(evs_uuid7_gen *gen, evs_uuid *out, size_t n,
                                                    evs_error *err);

/* evs_uuid7_gen_next() and evs_uuid7_gen_fill() on the process-wide generator (real clock, libuuid). */
EVS_API EVS_NODISCARD evs_status evs_uuid7_new(evs_uuid *out, evs_error *err);
EVS_API EVS_NODISCARD evs_status evs_uuid7_fill(evs_uuid *out, size_t n, evs_error *err);

/* The 48-bit unix_ts_ms field (octets 0-5) of u, in milliseconds since 1970-01-01T00:00:00Z. Meaningful
 * only for version 7 (check evs_uuid_version() first); 0 when u is NULL. Thread-safe. */
EVS_API int64_t evs_uuid7_time_ms(const evs_uuid *u);

/* ---- Text, version and variant ------------------------------------------------------------------ */

/* Writes the canonical lowercase form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus NUL to out, which must
 * hold EVS_UUID_STR_SIZE bytes, and returns out. out NULL: returns NULL; u NULL: writes "". Thread-safe. */
EVS_API char *evs_uuid_format(const evs_uuid *u, char out[EVS_UUID_STR_SIZE]);

/* Parses exactly the canonical 36-character form (8-4-4-4-12 hex digits, either case, '-' separators) from
 * s[0..len-1]; s need not be NUL-terminated. Braces, a "urn:uuid:" prefix, missing hyphens, other lengths
 * and trailing bytes are rejected with EVS_ERR_SYNTAX, err->offset at the first offending byte (or at len
 * when the text is too short) and a message saying what was expected. Any version and variant is accepted
 * (see evs_uuid_check()). Fails with EVS_ERR_INVALID_ARG if out is NULL, or s is NULL with len > 0.
 * *out is written only on success. Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_uuid_parse(const char *s, size_t len, evs_uuid *out, evs_error *err);

/* The version nibble (high 4 bits of octet 6): 7 for UUIDv7, 4 for random, 0 for Nil, 15 for Max.
 * 0 when u is NULL. Thread-safe. */
EVS_API int evs_uuid_version(const evs_uuid *u);

/* True if the variant bits (top 2 bits of octet 8) are 10, the RFC 9562 variant. Nil and Max are not.
 * False when u is NULL. Thread-safe. */
EVS_API bool evs_uuid_is_rfc_variant(const evs_uuid *u);

/* True for the Nil (all zeros) and Max (all ones) special values. False when u is NULL. Thread-safe. */
EVS_API bool evs_uuid_is_nil(const evs_uuid *u);
EVS_API bool evs_uuid_is_max(const evs_uuid *u);

/* memcmp() order of a and b: negative, 0 or positive. Both must be non-NULL. Thread-safe. */
EVS_API int evs_uuid_compare(const evs_uuid *a, const evs_uuid *b);

/* Checks that u is an RFC 9562 UUID of the given version (1..15): Nil and Max fail, as do other variants
 * and other versions, with EVS_ERR_VALIDATION and a message such as "UUID version 4, expected version 7".
 * required_version 0 accepts any value. EVS_ERR_INVALID_ARG if u is NULL or required_version is outside
 * 0..15. Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_uuid_check_version(const evs_uuid *u, int required_version,
                                                        evs_error *err);

/* evs_uuid_parse() followed by evs_uuid_check_version(): validates text such as an event id. A version or
 * variant mismatch reports the offset of the hex digit that carries it (14 or 19). Thread-safe. */
EVS_API EVS_NODISCARD evs_status evs_uuid_check(const char *s, size_t len, int required_version,
                                                evs_error *err);

EVS_EXTERN_C_END

#endif
