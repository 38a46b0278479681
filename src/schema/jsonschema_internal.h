/* Private to src/schema: the JSON tree the schema is built as (arena-allocated, written once at the end
 * with the JSON encoder's writer) and the regular-expression builders. */
#ifndef EVS_SCHEMA_JSONSCHEMA_INTERNAL_H
#define EVS_SCHEMA_JSONSCHEMA_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "evs/arena.h"
#include "evs/buf.h"
#include "evs/jsonschema.h"

/* Grammars shared by the JSON Schema and AsyncAPI writers (ECMA-262 patterns). */
#define DATE                                                                                                \
  "(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|" \
  "30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579]"   \
  "[26])00)-02-29)"
#define CLOCK "(?:[01][0-9]|2[0-3]):[0-5][0-9]"
#define OFFSET "[+-]" CLOCK
/* Fraction digits the encoder writes: 3, 6 or 9, the last group not 000. */
#define FRACTION_CANONICAL "\\.(?:[0-9]{3}){0,2}(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})"
#define TIMESTAMP_READER "^" DATE "T" CLOCK ":[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|" OFFSET ")$"
#define TIMESTAMP_CANONICAL "^" DATE "T" CLOCK ":[0-5][0-9](?:" FRACTION_CANONICAL ")?Z$"
/* evs_ce_parse_time: the Timestamp form plus lower-case t/z and a leap second. */
#define CE_TIME "^" DATE "[Tt]" CLOCK ":(?:[0-5][0-9]|60)(?:\\.[0-9]{1,9})?(?:[Zz]|" OFFSET ")$"
#define CE_TEXT "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"

typedef enum js_kind { JS_OBJ, JS_ARR, JS_STR, JS_RAW } js_kind;

/* One JSON value; members of an object carry their key. */
typedef struct js_node {
  js_kind kind;
  const char *text; /* JS_STR: the string (UTF-8, may not hold NUL); JS_RAW: a number or literal */
  const char *key;
  struct js_node *first, *last, *next;
} js_node;

typedef struct js_ctx {
  const evs_registry *reg;
  bool canonical;
  bool rules;             /* map the field rules (not EVS_JSONSCHEMA_NO_RULES) */
  const char *ref_prefix; /* where definitions live: "#/$defs/", or "#/components/schemas/" (AsyncAPI) */
  evs_arena *arena;
  bool nomem;
  js_node *defs;            /* the "$defs" object */
  const evs_message **done; /* messages with a definition (made or queued) */
  size_t n_done, cap_done;
  evs_buf tmp;     /* scratch for patterns */
  evs_buf inexact; /* "field: case; ..." of the definition being built */
} js_ctx;

/* ---- tree (jsonschema_tree.c); every constructor returns NULL (and sets c->nomem) when out of memory,
 * and every function taking a node accepts NULL, so callers check c->nomem once at the end. */
char *js_strdup(js_ctx *c, const char *s, size_t n);
js_node *js_obj(js_ctx *c);
js_node *js_arr(js_ctx *c);
js_node *js_str(js_ctx *c, const char *s);
js_node *js_strf(js_ctx *c, const char *fmt, ...) EVS_PRINTF(2, 3);
js_node *js_raw(js_ctx *c, const char *text);
js_node *js_i64(js_ctx *c, int64_t v);
js_node *js_u64(js_ctx *c, uint64_t v);
js_node *js_double(js_ctx *c, double v);
/* Adds `key: val` to obj (key copied) / val to arr; returns val. */
js_node *js_put(js_ctx *c, js_node *obj, const char *key, js_node *val);
js_node *js_add(js_node *arr, js_node *val);
/* {key: val} / obj with key: val added; both return the object. */
js_node *js_kv(js_ctx *c, const char *key, js_node *val);
js_node *js_with(js_ctx *c, js_node *obj, const char *key, js_node *val);
/* {"type": t} */
js_node *js_type(js_ctx *c, const char *t);
/* {"type": "string", "pattern": p} */
js_node *js_pattern(js_ctx *c, const char *p);
/* {"properties": {key: val}, "required": [key]} (ajv strict wants a branch's required keys among its own
 * properties); val NULL means `true`. */
js_node *js_has(js_ctx *c, const char *key, js_node *val);
/* The member `key` of obj, NULL when absent. */
js_node *js_get(js_node *obj, const char *key);
/* Writes n as JSON to out. */
evs_status js_write(const js_node *n, bool pretty, evs_buf *out, evs_error *err);

/* ---- definitions (jsonschema.c) */
/* {"$ref": ref_prefix + m's full name}, queueing m's definition ("false" for NULL m). */
js_node *js_message_ref(js_ctx *c, const evs_message *m);
/* Builds the definitions of every message queued by js_message_ref into c->defs, in order (new ones join the
 * queue). */
void js_build_defs(js_ctx *c);

/* ---- regular expressions (jsonschema_tree.c) */
/* A signed 65-bit integer: -mag when neg. */
typedef struct js_int {
  bool neg;
  uint64_t mag;
} js_int;
js_int js_int_of_i64(int64_t v);
int js_int_cmp(js_int a, js_int b);
/* Appends an ECMA-262 alternation (no anchors, no group) matching exactly the decimal texts of the integers
 * in [lo, hi] as the codec reads them without exponent or fraction: no leading zeros, "-0" for zero. */
void js_range_regex(evs_buf *out, js_int lo, js_int hi);
/* Appends the text of decimal v ("-0" never). */
void js_int_text(evs_buf *out, js_int v);

#endif
