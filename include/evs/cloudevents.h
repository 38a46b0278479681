/* CloudEvents 1.0 (docs/cloudevents.md): one event's attributes and payload; the structured-mode JSON
 * event format in both directions (one event object per line); the Kafka binary-mode header mapping in
 * both directions, as plain (name, value, length) pairs so that this module needs no Kafka client; and the
 * evs `tags` extension ("k=v&k=v", percent-encoded, keys sorted).
 *
 * Ownership: evs_ce_event holds only borrowed pointers. What evs_ce_parse_json(), evs_ce_from_headers()
 * and evs_ce_tags_decode() fill points into the `store` buffer the caller passes (valid until the store is
 * next written to, reset or freed) or, for JSON `data` and header values, into the caller's input; the
 * functions say which. Nothing here allocates anything the caller must free other than that store.
 * Thread-safety: every function is reentrant; none has global state. */
#ifndef EVS_CLOUDEVENTS_H
#define EVS_CLOUDEVENTS_H

#include <stdio.h>

#include "evs/buf.h"
#include "evs/common.h"
#include "evs/error.h"

EVS_EXTERN_C_BEGIN

/* The payload of an event. */
typedef enum evs_ce_data_kind {
  EVS_CE_DATA_NONE = 0, /* no `data` / `data_base64` member (binary mode: a null record value) */
  EVS_CE_DATA_JSON,     /* `data`: data[0..data_len) is one JSON value as written (`null` included) */
  EVS_CE_DATA_BINARY    /* `data_base64`: data[0..data_len) are the decoded bytes */
} evs_ce_data_kind;

/* One event. Attribute strings are NUL-terminated UTF-8; NULL = absent. Member names follow the C API
 * (evs_record, evs_event_attrs); the CloudEvents attribute name is in the comment. */
typedef struct evs_ce_event {
  const char *specversion;    /* specversion: "1.0" */
  const char *id;             /* id: non-empty */
  const char *source;         /* source: a non-empty URI-reference */
  const char *type;           /* type: non-empty */
  const char *time;           /* time: RFC 3339 (evs_time_parse_rfc3339's form) */
  const char *subject;        /* subject: non-empty */
  const char *dataschema;     /* dataschema: an absolute URI ("evs:" + message name for evs events) */
  const char *content_type;   /* datacontenttype (Kafka header content-type): "type/subtype..." */
  const char *schema_version; /* schemaversion (evs extension) */
  const char *correlation_id; /* correlationid (evs extension) */
  const char *causation_id;   /* causationid (evs extension) */
  const char *tags;           /* tags (evs extension): "k=v&k=v", see evs_ce_tags_decode() */
  evs_ce_data_kind data_kind;
  const void *data;
  size_t data_len;
} evs_ce_event;

/* Parse flags (bitwise OR). */
enum {
  /* The required attributes specversion, id, source and type may be missing (present ones are still
   * checked): for callers that fill them in, as `evs produce` does (a new id, its --source, "1.0"). */
  EVS_CE_PARTIAL = 1u << 0
};

/* Parses one structured-mode JSON event object (application/cloudevents+json) in json[0..len) (need not be
 * NUL-terminated; whitespace around the object is allowed, nothing else). Strict:
 *   - the JSON grammar of RFC 8259, strings valid UTF-8, no raw control byte (NUL included) anywhere;
 *   - every member at most once (unknown ones too): EVS_ERR_DUPLICATE at the second;
 *   - the attributes above must be JSON strings (or null = absent): EVS_ERR_TYPE; their values must obey the
 *     CloudEvents type rules (no U+0000..U+001F, U+007F..U+009F or noncharacters; non-empty id, source,
 *     type, subject; URI-reference / URI / timestamp / media-type syntax; specversion "1.0", else
 *     EVS_ERR_UNSUPPORTED; tags well-formed): EVS_ERR_VALIDATION (EVS_ERR_SYNTAX for time and tags);
 *   - specversion, id, source and type present unless EVS_CE_PARTIAL: EVS_ERR_VALIDATION;
 *   - `data` any JSON value (nested up to EVS_JSON_DEFAULT_MAX_DEPTH levels below the event, else
 *     EVS_ERR_LIMIT), but a JSON string when datacontenttype is given and is not JSON (its subtype,
 *     parameters stripped, is neither `json` nor `...+json`): EVS_ERR_TYPE; `data_base64` a standard, padded
 * base64 string: EVS_ERR_SYNTAX; not both: EVS_ERR_VALIDATION;
 *   - any other member (an extension, e.g. traceparent) is checked as JSON and skipped.
 * On success fills *ev: attribute strings and BINARY data are copies in `store` (which is reset first);
 * JSON data points into `json`. On failure *ev is zeroed and err has the code, a message and the byte
 * offset (with line:col) of the problem. EVS_ERR_NOMEM when the store cannot grow; EVS_ERR_INVALID_ARG for
 * NULL ev/store or json NULL with len > 0. */
EVS_API EVS_NODISCARD evs_status evs_ce_parse_json(const char *json, size_t len, uint32_t flags,
                                                   evs_ce_event *ev, evs_buf *store, evs_error *err);

/* Writes ev as one structured-mode JSON object (no newline) to out: the present attributes in the order of
 * the struct (content_type as datacontenttype), then `data` (the JSON text as given) or `data_base64`
 * (standard base64 of the bytes). Every attribute is first checked as evs_ce_parse_json() checks it (not
 * the required ones), so what is written parses back to the same event: EVS_ERR_VALIDATION / _SYNTAX /
 * _UNSUPPORTED otherwise, with nothing written. JSON data must be one valid JSON value (not checked).
 * EVS_ERR_IO when the stream reports an error afterwards. */
EVS_API EVS_NODISCARD evs_status evs_ce_write_json(FILE *out, const evs_ce_event *ev, evs_error *err);

/* ---- Kafka binary content mode --------------------------------------------------------------------------
 */

/* A record header as a (name, value) pair; value_len bytes at value (no NUL needed), value NULL = a Kafka
 * null header value. Same layout as evs_kafka_header. */
typedef struct evs_ce_header {
  const char *name;
  const void *value;
  size_t value_len;
} evs_ce_header;

/* How many headers evs_ce_to_headers() can write at most. */
#define EVS_CE_MAX_HEADERS 12

/* The binary-mode headers of ev in a fixed order: ce_specversion, ce_id, ce_source, ce_type, ce_time,
 * ce_subject, ce_dataschema, content-type (datacontenttype), ce_schemaversion, ce_correlationid,
 * ce_causationid, ce_tags; one per present attribute. Values point at ev's strings. Every attribute is
 * checked as evs_ce_write_json() does, so no header holds invalid UTF-8 or a NUL; on failure nothing is
 * written and *n is 0. The payload is the record value and is not looked at. */
EVS_API EVS_NODISCARD evs_status evs_ce_to_headers(const evs_ce_event *ev,
                                                   evs_ce_header out[EVS_CE_MAX_HEADERS], size_t *n,
                                                   evs_error *err);

/* The attributes carried by headers[0..n) (any order; other headers are ignored, and so are ce_ headers of
 * unknown extensions). Header names compare exactly (Kafka header names are case-sensitive). A null value
 * means absent. Each value is copied NUL-terminated into `store` (reset first) and checked as
 * evs_ce_parse_json() checks the attribute: a value that is not valid UTF-8, holds a NUL or a control
 * character, or breaks its attribute's rule fails with EVS_ERR_VALIDATION (EVS_ERR_SYNTAX for time and
 * tags), a header given twice with EVS_ERR_DUPLICATE; err->msg names the header and err->offset is the
 * byte within its value. On failure *ev is zeroed: the record is not a valid CloudEvent. Required attributes
 * are not demanded (a record may carry none: a raw record). */
EVS_API EVS_NODISCARD evs_status evs_ce_from_headers(const evs_ce_header *headers, size_t n, evs_ce_event *ev,
                                                     evs_buf *store, evs_error *err);

/* ---- the tags extension -----------------------------------------------------------------------------------
 */

/* One tag; key and value are NUL-terminated UTF-8. */
typedef struct evs_tag {
  const char *key;
  const char *value; /* NULL is written as "" */
} evs_tag;

/* A CloudEvents `time` (RFC 3339) as Unix milliseconds: the ProtoJSON Timestamp form, plus what RFC 3339
 * also allows (lower-case 't' / 'z', a leap second 60, read as 59). Errors as evs_time_parse_rfc3339_ms. */
EVS_API EVS_NODISCARD evs_status evs_ce_parse_time(const char *s, size_t len, int64_t *unix_ms,
                                                   evs_error *err);

/* Appends "k1=v1&k2=v2" to out: tags sorted by key then value, both sides percent-encoded (every byte but
 * the RFC 3986 unreserved characters A-Z a-z 0-9 - . _ ~ as %XX, upper-case hex). Tags with a NULL key are
 * left out. EVS_ERR_NOMEM (out marked failed); EVS_ERR_INVALID_ARG for NULL out or tags NULL with n > 0. */
EVS_API EVS_NODISCARD evs_status evs_ce_tags_encode(const evs_tag *tags, size_t n, evs_buf *out);

/* Decodes the tags text[0..len): "" is no tags; otherwise '&'-separated pairs "key=value" with a non-empty
 * key, the first '=' separating key from value, and every '%' followed by two hex digits. The decoded key
 * and value must be valid UTF-8 without NUL. Order is free (the encoder sorts). Appends the decoded
 * strings to `store` (reset first) and points tags[i] at them;
 * *n_tags = the count. EVS_ERR_SYNTAX (err->offset = the offending byte of text), EVS_ERR_LIMIT when there
 * are more than max tags, EVS_ERR_NOMEM, EVS_ERR_INVALID_ARG (text NULL with len > 0, n_tags or store
 * NULL, tags NULL with max > 0). */
EVS_API EVS_NODISCARD evs_status evs_ce_tags_decode(const char *text, size_t len, evs_tag *tags, size_t max,
                                                    size_t *n_tags, evs_buf *store, evs_error *err);

EVS_EXTERN_C_END

#endif
