/* Base64 for ProtoJSON bytes fields (not installed): standard alphabet with padding out; standard or
 * URL-safe, padded or not, in (protojson.md §2). */
#ifndef EVS_BASE64_INTERNAL_H
#define EVS_BASE64_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters evs_base64_encode writes for n bytes (padded), or 0 if that would overflow size_t. */
size_t evs_base64_encoded_len(size_t n);
/* Writes the padded standard encoding of in[0..n) to out (evs_base64_encoded_len(n) bytes, no NUL). */
void evs_base64_encode(const uint8_t *in, size_t n, char *out);

/* Upper bound of the decoded size of n characters. */
size_t evs_base64_decoded_max(size_t n);
/* Decodes in[0..n): '+/' or '-_' (one alphabet per value: mixing fails), '=' padding optional but, when
 * present, only at the end and exactly to a multiple of 4. Leftover bits of the last character are ignored.
 * Writes *out_len bytes to out (evs_base64_decoded_max(n) bytes). On failure returns false and sets *bad to
 * the offset of the offending character (n when the length is impossible). */
bool evs_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len, size_t *bad);

#endif
