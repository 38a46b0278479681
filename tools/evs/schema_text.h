/* How the CLI shows a schema to people (evs describe, evs docs): a field's type as text, its rules as
 * short phrases, and the non-well-known types a message reaches. */
#ifndef EVS_SCHEMA_TEXT_H
#define EVS_SCHEMA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "evs/registry.h"

/* "string", "repeated pkg.Msg", "map<string, pkg.Enum>" into buf (n bytes, truncated, NUL-terminated). */
void schema_type_text(const evs_field *f, char *buf, size_t n);

/* The message or enum a field refers to that has a section of its own (for a map: its value type);
 * NULL for scalars and well-known types. One of *msg / *en is set, or neither. */
void schema_field_ref(const evs_field *f, const evs_message **msg, const evs_enum **en);

/* Calls fn once per rule of r (NULL: none), in docs/validation.md's order, with a short phrase:
 * "required", "max_len 500", "uuid v7", "in [low, high]", "keys {min_len 1}". */
typedef void (*schema_rule_fn)(void *ctx, const char *text);
void schema_rules_each(const evs_field_rules *r, schema_rule_fn fn, void *ctx);
/* The same phrases joined by ", " into buf (n bytes, truncated). */
void schema_rules_text(const evs_field_rules *r, char *buf, size_t n);

/* A message or an enum (exactly one set). */
typedef struct schema_type {
  const evs_message *msg;
  const evs_enum *en;
} schema_type;

/* The root type, then every non-well-known message and enum it reaches, breadth first in field
 * declaration order, each once (so a recursive schema terminates). At most SCHEMA_MAX_TYPES. */
#define SCHEMA_MAX_TYPES 512
typedef struct schema_types {
  schema_type items[SCHEMA_MAX_TYPES];
  size_t n;
} schema_types;
void schema_types_collect(schema_types *out, const evs_message *root, const evs_enum *root_enum);
/* Whether t holds the type; adds it when not (and there is room). */
bool schema_types_has(const schema_types *t, const evs_message *m, const evs_enum *e);
void schema_types_add(schema_types *t, const evs_message *m, const evs_enum *e);

#endif
