/* The JSON text layer (not installed): numbers, the scanner over JSON text (lexer.c) and the writer, with
 * the state the decoder and encoder share, and proto2 extension lookup. The json module's own codec
 * (json_internal.h) is built on it; other modules use it for JSON that is not a protobuf message: event
 * (CloudEvents' JSON format), schema (the JSON Schema writer).
 *
 * Decoder: a streaming scanner over the input driven by the descriptors (no DOM). Values go straight into
 * protobuf-c structs allocated through the caller's allocator; a message under construction is always in
 * a state protobuf_c_message_free_unpacked() can release, so every failure path just frees the root.
 * Repeated values are collected on a private byte stack and copied into one exactly sized array at the
 * end, as protobuf-c's unpack does. Error paths ("a.b[2].c") are built only on failure, by each level
 * prepending its part while the error propagates out.
 *
 * Encoder: appends to an evs_buf, writing through a reserved window (no per-byte status checks). */
#ifndef EVS_JSON_LIB_H
#define EVS_JSON_LIB_H

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error_internal.h"
#include "evs/buf.h"
#include "evs/json.h"
#include "evs/registry.h"

/* ------------------------------------------------------------------ numbers (number.c) */

/* A JSON number token split into its parts (all pointers into the scanned text). */
typedef struct evs_jnum {
  bool neg;
  const char *int_digits; /* at least one digit; "0" or no leading zero */
  size_t n_int;
  const char *frac_digits; /* NULL when there is no '.' */
  size_t n_frac;
  int64_t exp; /* exponent value, saturated to +-EVS_JNUM_EXP_SAT */
  bool has_exp;
} evs_jnum;

#define EVS_JNUM_EXP_SAT 1000000000LL

/* Powers of ten 1e-348..1e347 to 128 bits (src/json/pow10_table.c), for the Eisel-Lemire parser. */
#define EVS_POW10_128_MIN (-348)
#define EVS_POW10_128_COUNT 696
extern const uint64_t evs_pow10_128[EVS_POW10_128_COUNT][2];

/* Scans a JSON number at s[0..n) (RFC 8259 grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?). On success
 * returns the length used (the number may be followed by anything). On failure returns 0 and sets
 * *why to a static reason and *bad to the offset of the offending byte. */
size_t evs_jnum_scan(const char *s, size_t n, evs_jnum *num, const char **why, size_t *bad);

/* The common case of both, in one pass: s[0..n) starts with a plain integer -?(0|[1-9]\d{0,18}) that no
 * fraction or exponent follows. Returns its length (sign in *neg, magnitude in *mag), 0 for any other
 * text (which evs_jnum_scan then takes, errors included). */
size_t evs_jnum_plain_int(const char *s, size_t n, bool *neg, uint64_t *mag);

/* The exact integer value of num. EVS_ERR_TYPE: it has a non-zero fraction; EVS_ERR_RANGE: magnitude
 * above UINT64_MAX. *mag is the magnitude; the sign is num->neg. */
evs_status evs_jnum_magnitude(const evs_jnum *num, uint64_t *mag);

/* The double nearest to the number text s[0..n) (already scanned into num). EVS_ERR_RANGE when it
 * overflows to infinity. Locale-independent. */
evs_status evs_jnum_to_double(const char *s, size_t n, const evs_jnum *num, double *out);

/* The same for a float field: EVS_ERR_RANGE when the value would round to float infinity. */
evs_status evs_jnum_to_float(const char *s, size_t n, const evs_jnum *num, float *out);

/* Shortest text that reads back as the same value (C++-style %g shapes: "1e+30", "1.5e-07", "-0").
 * Finite values only. Returns the length written to buf (no NUL needed by callers; one is written). */
#define EVS_JNUM_BUF 40
size_t evs_format_double(double v, char buf[EVS_JNUM_BUF]);
size_t evs_format_float(float v, char buf[EVS_JNUM_BUF]);
/* Decimal integers; buf needs 21 bytes (22 for i64) including the NUL. */
size_t evs_format_u64(uint64_t v, char *buf);
size_t evs_format_i64(int64_t v, char *buf);

/* ------------------------------------------------------------------ copies */

/* memcpy for the short texts of keys and small values (most strings a codec copies): up to 16 bytes as
 * overlapping words, without a call; longer ones through memcpy. */
static inline void evs_json_copy(void *dst, const void *src, size_t n) {
  char *d = (char *)dst;
  const char *s = (const char *)src;
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + n - 8, 8);
    memcpy(d, &a, 8);
    memcpy(d + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    memcpy(&a, s, 4);
    memcpy(&b, s + n - 4, 4);
    memcpy(d, &a, 4);
    memcpy(d + n - 4, &b, 4);
  } else if (n > 16) {
    memcpy(d, s, n);
  } else {
    for (size_t i = 0; i < n; i++) d[i] = s[i];
  }
}

/* ------------------------------------------------------------------ decoder */

typedef struct evs_jdec {
  const char *base; /* the whole input */
  const char *p;    /* scan position */
  const char *end;
  const evs_registry *reg;
  ProtobufCAllocator *alloc;
  bool frees_nothing; /* alloc is an arena's (evs_arena_allocator_is): parts may share one allocation */
  uint32_t flags;
  /* depth: open JSON arrays/objects, bounded by max_brackets. mdepth: the message level being filled
   * (root 0, each sub-message, map entry, Struct entry, Value, ListValue and Any content one more),
   * bounded by max_depth: the same count as the binary guard's, so JSON and binary agree on a limit. */
  int depth, max_brackets, mdepth, max_depth;
  evs_error *err;
  /* Unescaped string text (only used for strings with escapes). */
  char *sbuf;
  size_t scap;
  /* Byte stack for repeated values under construction: starts in the caller's buffer (when given), moves
   * to the heap (stk_heap) when it outgrows it. */
  uint8_t *stk;
  size_t stk_len, stk_cap;
  bool stk_heap;
} evs_jdec;

/* A scanned string: s points into the input (no escapes) or into d->sbuf (valid until the next string). */
typedef struct evs_jstr {
  const char *s;
  size_t len;
  const char *start; /* the opening quote in the input */
  bool escaped;      /* s is unescaped text in sbuf (may then hold NUL bytes) */
} evs_jstr;

/* lexer.c */
static inline void evs_jd_ws(evs_jdec *d) {
  const char *p = d->p;
  if (p < d->end && (unsigned char)*p > ' ') return; /* the usual case: no whitespace (all of it is <= ' ') */
  while (p < d->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  d->p = p;
}
/* Fails at input position pos: code, message, offset, line:col. Returns code. */
evs_status evs_jd_fail(evs_jdec *d, evs_status code, const char *pos, const char *fmt, ...) EVS_PRINTF(4, 5);
/* A value of the wrong kind at pos: EVS_ERR_TYPE "expected <what>, found a string" when a JSON value
 * starts there, else EVS_ERR_SYNTAX (a bare word, "+1", a stray ','). fmt/... format <what>. */
evs_status evs_jd_expected(evs_jdec *d, const char *pos, const char *fmt, ...) EVS_PRINTF(3, 4);
/* What JSON value starts at p: "an object", "an array", "a string", "a number", "true", "false", "null";
 * NULL when none does. */
const char *evs_jd_value_kind(const evs_jdec *d, const char *p);
/* True when the literal `null` (complete) is at d->p; consumes nothing. */
bool evs_jd_at_null_slow(const evs_jdec *d);
static inline bool evs_jd_at_null(const evs_jdec *d) {
  return d->p < d->end && *d->p == 'n' && evs_jd_at_null_slow(d);
}
/* Names the current byte for messages ("'x'", "byte 0x01", "end of input"). */
const char *evs_jd_token_name(const evs_jdec *d, char buf[16]);
/* Scans the string at d->p (which must be '"'), validating escapes and UTF-8. */
evs_status evs_jd_string(evs_jdec *d, evs_jstr *out);
/* Scans a number at d->p; num parts point into the input. */
evs_status evs_jd_number(evs_jdec *d, evs_jnum *num, const char **start);
/* Consumes the complete literal `lit` ("true", "false", "null") at d->p and returns true; else false,
 * consuming nothing. Inline: n is a constant, so the comparison is one or two loads. */
static inline bool evs_jd_literal(evs_jdec *d, const char *lit, size_t n) {
  if ((size_t)(d->end - d->p) < n || memcmp(d->p, lit, n) != 0) return false;
  /* "nullx" is not null: the literal must end at a delimiter. */
  if ((size_t)(d->end - d->p) > n) {
    char c = d->p[n];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') return false;
  }
  d->p += n;
  return true;
}
/* Skips one whole JSON value (validating it), respecting the depth limit. */
evs_status evs_jd_skip(evs_jdec *d);
/* d->p at '{' or '[': counts one nesting level. */
evs_status evs_jd_enter(evs_jdec *d);
/* After a member or element: consumes ',' (*more = true; a `close` right after it is a trailing-comma
 * error) or the closing `close` (*more = false, leaves one nesting level). The inline part takes the
 * common shapes; evs_jd_next_slow does the whole job (whitespace, errors). */
evs_status evs_jd_next_slow(evs_jdec *d, char close, bool *more);
static inline evs_status evs_jd_next(evs_jdec *d, char close, bool *more) {
  const char *p = d->p;
  if (p < d->end) {
    if (*p == ',' && p + 1 < d->end && p[1] != close && p[1] > ' ') {
      d->p = p + 1;
      *more = true;
      return EVS_OK;
    }
    if (*p == close) {
      d->p = p + 1;
      d->depth--;
      *more = false;
      return EVS_OK;
    }
  }
  return evs_jd_next_slow(d, close, more);
}
/* d->p at '{' or '[' (closed by `close`): enters it (evs_jd_enter) and skips whitespace; when it is empty,
 * also consumes `close` and leaves it, with *has_items false. */
static inline evs_status evs_jd_open(evs_jdec *d, char close, bool *has_items) {
  evs_status st = evs_jd_enter(d);
  if (st != EVS_OK) return st;
  evs_jd_ws(d);
  *has_items = !(d->p < d->end && *d->p == close);
  if (!*has_items) {
    d->p++;
    d->depth--;
  }
  return EVS_OK;
}
/* Error path only: the opening quote of member `index` of the (already parsed, valid) object at obj. The
 * scan position is restored. */
const char *evs_jd_member_key(evs_jdec *d, const char *obj, size_t index);
/* Expects ':' after an object key (with whitespace around). */
evs_status evs_jd_colon_slow(evs_jdec *d);
static inline evs_status evs_jd_colon(evs_jdec *d) {
  const char *p = d->p;
  if (p < d->end && *p == ':') {
    d->p = p + 1;
    evs_jd_ws(d);
    return EVS_OK;
  }
  return evs_jd_colon_slow(d);
}

/* Prepend a path part to d->err->path: a field name, "[i]", or "[key]" (raw key text). */
void evs_jd_path_field(evs_jdec *d, const char *name);
void evs_jd_path_index(evs_jdec *d, size_t index);
void evs_jd_path_key(evs_jdec *d, const char *key, size_t len);

/* Memory through the caller's allocator; NULL + error on failure. Inline: the decoder's most frequent
 * calls (every message, string and array); the failure paths are out of line. */
void *evs_jd_alloc_failed(evs_jdec *d, size_t size, const char *pos);
static inline void *evs_jd_alloc(evs_jdec *d, size_t size, const char *pos) {
  void *p = d->alloc->alloc(d->alloc->allocator_data, size ? size : 1);
  return p ? p : evs_jd_alloc_failed(d, size, pos);
}
static inline char *evs_jd_strdup(evs_jdec *d, const char *s, size_t len, const char *pos) {
  char *p = (char *)evs_jd_alloc(d, len + 1, pos);
  if (!p) return NULL;
  evs_json_copy(p, s, len);
  p[len] = '\0';
  return p;
}
/* The memory of a new message one level below d->mdepth, not initialised; NULL with d->err set
 * (EVS_ERR_LIMIT when that level is deeper than max_depth, EVS_ERR_NOMEM). */
void *evs_jd_too_deep(evs_jdec *d, const char *pos);
static inline void *evs_jd_message_room(evs_jdec *d, size_t size, const char *pos) {
  if (d->mdepth >= d->max_depth) return evs_jd_too_deep(d, pos);
  return evs_jd_alloc(d, size, pos);
}
/* A new message of type cd, initialised, one level below d->mdepth; NULL with d->err set as
 * evs_jd_message_room. Callers raise d->mdepth while they fill it. */
ProtobufCMessage *evs_jd_new_message(evs_jdec *d, const ProtobufCMessageDescriptor *cd, const char *pos);
/* Reserves n bytes on the value stack; returns the offset of the new room, or SIZE_MAX on NOMEM. The
 * inline part takes the room there is; evs_jd_push_slow grows the stack. */
size_t evs_jd_push_slow(evs_jdec *d, size_t n, const char *pos);
static inline size_t evs_jd_push(evs_jdec *d, size_t n, const char *pos) {
  if (d->stk_cap - d->stk_len < n) return evs_jd_push_slow(d, n, pos);
  size_t off = d->stk_len;
  d->stk_len += n;
  return off;
}

/* ------------------------------------------------------------------ proto2 extensions (extension.c) */

/* An extension of a message, found among the loaded files' and messages' extension declarations. */
typedef struct evs_json_ext {
  const struct Google__Protobuf__FieldDescriptorProto *proto;
  const char *scope; /* package or enclosing message: the JSON key is "[scope.name]" */
  const evs_type_traits *traits;
  const evs_enum *enum_type;
  bool supported; /* singular scalar or enum: readable and printable in JSON */
} evs_json_ext;

/* The extension of m named want[0..len) ("pkg.name", without brackets), or, when want is NULL, the one with
 * field number `number`. False when there is none. */
bool evs_json_find_extension(const evs_registry *reg, const evs_message *m, const char *want, size_t len,
                             uint32_t number, evs_json_ext *out);
/* Every extension of m (known to reg) into out[0..cap); returns how many there are (may exceed cap). */
size_t evs_json_list_extensions(const evs_registry *reg, const evs_message *m, evs_json_ext *out, size_t cap);
/* Views for the codec's scalar readers and writers. */
void evs_json_ext_views(const evs_json_ext *x, evs_field *f, ProtobufCFieldDescriptor *fd);

/* ------------------------------------------------------------------ encoder */

typedef struct evs_jenc {
  evs_buf *out;
  const evs_registry *reg;
  uint32_t flags;
  /* depth: open JSON arrays/objects (indentation); mdepth: message level, as in evs_jdec. */
  int depth, mdepth, max_depth;
  evs_error *err;
  size_t any_budget; /* bytes of Any contents that may still be unpacked (nested Anys copy their bytes) */
} evs_jenc;

/* encode.c */
static inline bool evs_je_room(evs_jenc *e, size_t n) {
  evs_buf *b = e->out;
  if (b->cap - b->len > n) return true;
  return evs_buf_reserve(b, n) == EVS_OK;
}
evs_status evs_je_nomem(evs_jenc *e);
evs_status evs_je_raw(evs_jenc *e, const char *s, size_t n);
evs_status evs_je_byte(evs_jenc *e, char c);
/* A JSON string with escapes; fails with EVS_ERR_TYPE on invalid UTF-8. */
evs_status evs_je_string(evs_jenc *e, const char *s, size_t n);
evs_status evs_je_double(evs_jenc *e, double v, bool is_float);
/* Pretty mode: newline + indentation for the current depth. */
evs_status evs_je_newline(evs_jenc *e);
evs_status evs_je_open(evs_jenc *e, char c);
/* Enters one message level (EVS_ERR_LIMIT past max_depth); the caller lowers e->mdepth when done. */
evs_status evs_je_level_in(evs_jenc *e);
evs_status evs_je_close(evs_jenc *e, char c, bool empty);
/* Writes "key": (with the pretty-mode space). */
evs_status evs_je_key(evs_jenc *e, const char *key, size_t n);
/* The comma before a member unless it is the first (pretty: and the newline). */
evs_status evs_je_separator(evs_jenc *e, bool *first);
void evs_je_path_field(evs_jenc *e, const char *name);
void evs_je_path_index(evs_jenc *e, size_t index);

/* Shared path helper: prepend `part` (len bytes) to path, with a '.' between them when the old path
 * starts with a name (not with '['). Drops the tail when the buffer is full. */
void evs_json_path_prepend(char *path, size_t cap, const char *part, size_t len);

#endif
