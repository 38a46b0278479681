/* UTF-8 validation (not installed): the exact well-formedness rules of Unicode 15 table 3-7 (no
 * overlongs, no surrogates U+D800..U+DFFF, nothing above U+10FFFF). */
#ifndef EVS_UTF8_INTERNAL_H
#define EVS_UTF8_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed sequence at s[0..n), or 0 when it is not well-formed (or n is 0). */
size_t evs_utf8_seq_len(const uint8_t *s, size_t n);

/* Decodes the well-formed sequence at s[0..n) into *cp and returns its length 1..4, or 0 (cp untouched)
 * when it is not well-formed. */
size_t evs_utf8_get(const uint8_t *s, size_t n, uint32_t *cp);

/* Offset of the first byte of the first ill-formed sequence in s[0..n), or n when all of it is valid. */
size_t evs_utf8_check(const uint8_t *s, size_t n);

/* Writes code point cp (<= 0x10FFFF, not a surrogate) as UTF-8 to out; returns the length 1..4. */
size_t evs_utf8_put(uint8_t out[4], uint32_t cp);

#endif
