/* CloudEvents structured-mode JSON (one event object per line) for `evs produce` and `evs consume`:
 * reading the attributes and the span of `data`, writing an event line. */
#ifndef EVS_CE_JSON_H
#define EVS_CE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "evs/kafka.h"

/* The attributes of one event; strings point into the parsed line (unescaped in place), NULL = absent
 * or JSON null. data / data_base64 are the raw JSON text spans of those members. */
typedef struct ce_json {
  char *specversion, *id, *source, *type, *time, *subject, *dataschema, *datacontenttype;
  char *schemaversion, *correlationid, *causationid, *tags;
  char *data;
  size_t data_len;
  char *data_base64; /* unescaped string */
} ce_json;

/* Parses one JSON object in line[0..len) (modified in place: strings are unescaped where they stand).
 * Unknown members are ignored (CloudEvents: unknown extensions MAY be ignored); the known attributes must
 * be strings or null. Returns 0, or -1 with a reason and *offset (byte in the line). */
int ce_json_parse(char *line, size_t len, ce_json *out, char *why, size_t why_n, size_t *offset);

/* Decodes the tags form "k=v&k=v" (percent-encoded) into at most max tags, in place; returns the count or
 * -1 when malformed or too many. */
int ce_tags_decode(char *text, evs_tag *tags, int max);

/* Decodes standard base64 (padding required) in place; returns the byte count or -1. */
long ce_base64_decode(char *text);

/* Writes `"name":` + a JSON string (with a leading comma unless first). */
void ce_json_member(FILE *out, bool first, const char *name, const char *value);

#endif
