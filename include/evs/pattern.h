/* Regular expressions for the `pattern` rule, in one portable dialect so that evs, JSON Schema validators
 * (ECMA-262) and any reader of a schema give the same verdict (docs/validation.md, "Patterns").
 *
 * The dialect is I-Regexp (RFC 9485) plus an optional leading `^` and trailing `$`, with search semantics
 * (as protovalidate and JSON Schema `pattern`): the pattern must match somewhere in the value unless
 * anchored. evs_pattern_check() accepts exactly that and names anything else; evs_pattern_compile() turns
 * it into a PCRE2 pattern (matching over UTF-8 code points, compiled once); evs_pattern_to_ecma() gives the
 * same language as an ECMA-262 pattern for JSON Schema (to be used with the `u` flag, as ajv does).
 *
 * Ownership: an evs_pattern is owned by the caller of evs_pattern_compile() and freed with
 * evs_pattern_free(). Thread-safety: a compiled pattern is read-only; evs_pattern_match() may run on it from
 * any number of threads at once. */
#ifndef EVS_PATTERN_H
#define EVS_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "evs/buf.h"
#include "evs/common.h"
#include "evs/error.h"

EVS_EXTERN_C_BEGIN

/* Longest pattern accepted, in bytes, and the largest repetition bound ({n}, {n,m}). */
#define EVS_PATTERN_MAX_LEN 4096
#define EVS_PATTERN_MAX_REPEAT 1000

typedef struct evs_pattern evs_pattern;

/* Checks that src (NUL-terminated) is in the dialect. EVS_ERR_SYNTAX with err->offset at the offending byte
 * and a message that names the construct and, where there is one, the portable way to write it (e.g. "\d is
 * not portable: write [0-9]"); EVS_ERR_LIMIT for a pattern longer than EVS_PATTERN_MAX_LEN or a bound above
 * EVS_PATTERN_MAX_REPEAT; EVS_ERR_INVALID_ARG for NULL. Does not allocate. */
EVS_API EVS_NODISCARD evs_status evs_pattern_check(const char *src, evs_error *err);

/* Checks src as evs_pattern_check() does and compiles it into *out (NULL on failure). EVS_ERR_NOMEM when
 * memory runs out. */
EVS_API EVS_NODISCARD evs_status evs_pattern_compile(const char *src, evs_pattern **out, evs_error *err);

/* Frees p (NULL is fine). */
EVS_API void evs_pattern_free(evs_pattern *p);

/* The source text p was compiled from. */
EVS_API const char *evs_pattern_source(const evs_pattern *p);

/* Whether p matches somewhere in s[0..len), which must be valid UTF-8 (it may hold U+0000). Linear in len
 * whatever the pattern (no catastrophic backtracking on hostile values; the cost per character is bounded
 * by the pattern's size, docs/validation.md). EVS_ERR_NOMEM, EVS_ERR_LIMIT if the linear matcher's
 * workspace would pass its cap (not seen within the size limit), or EVS_ERR_INVALID_ARG for NULL p /
 * matched or s NULL with len > 0; *matched is false on failure. */
EVS_API EVS_NODISCARD evs_status evs_pattern_match(const evs_pattern *p, const char *s, size_t len,
                                                   bool *matched, evs_error *err);

/* Appends to out the ECMA-262 pattern (for the `u` flag) that matches exactly what src matches, e.g. `.`
 * becomes `[^\n\r]`. src is checked first, as evs_pattern_check() does. EVS_ERR_NOMEM when out fails. */
EVS_API EVS_NODISCARD evs_status evs_pattern_to_ecma(const char *src, evs_buf *out, evs_error *err);

/* Appends to out text[0..len) with every character that is special in the dialect escaped, so that the
 * result matches exactly that text in evs and, unchanged, as an ECMA-262 `u` pattern (for prefix / suffix /
 * contains rules in JSON Schema); `$` is written `[$]`, U+0000 as a class of it alone. EVS_ERR_NOMEM when
 * out fails, EVS_ERR_INVALID_ARG for NULL out, NULL text with len > 0, or text that is not valid UTF-8
 * (out is then left as it was). */
EVS_API EVS_NODISCARD evs_status evs_pattern_quote(const char *text, size_t len, evs_buf *out);

EVS_EXTERN_C_END

#endif
