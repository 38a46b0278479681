/* Status codes and the error record every fallible evs call fills.
 *
 * An evs_error lives in caller memory (usually on the stack) and holds no heap pointers, so running out
 * of memory can still be reported. Every function that takes an `evs_error *err` accepts NULL (no details
 * wanted) and, on failure, fills code and msg plus whatever location it knows: a byte offset, a 1-based
 * line:col, a file name and a field path. Fields it does not know are left at their "unknown" values
 * (offset EVS_NO_OFFSET, line/col 0, empty strings). Thread-safe: no global state. */
#ifndef EVS_ERROR_H
#define EVS_ERROR_H

#include "evs/common.h"

EVS_EXTERN_C_BEGIN

/* One status enum for every fallible call. docs/errors.md has an example input for each code. */
typedef enum evs_status {
  EVS_OK = 0,
  EVS_ERR_INVALID_ARG, /* a caller-side mistake: NULL where a value is needed, bad option */
  EVS_ERR_NOMEM,       /* an allocation failed */
  EVS_ERR_IO,          /* reading or writing a file or stream failed */
  EVS_ERR_SYNTAX,      /* malformed text: JSON, a UUID, a timestamp, a command line */
  EVS_ERR_TRUNCATED,   /* binary input ended early or a length runs past the end */
  EVS_ERR_TYPE,        /* a value of the wrong kind for its field */
  EVS_ERR_RANGE,       /* a number or date outside what the field can hold */
  EVS_ERR_NOT_FOUND,   /* an unknown message, enum, field or event type name */
  EVS_ERR_DUPLICATE,   /* the same key, name or definition twice */
  EVS_ERR_DESCRIPTOR,  /* a descriptor set that is malformed or inconsistent */
  EVS_ERR_LIMIT,       /* a safety budget was exceeded: nesting depth, size, count */
  EVS_ERR_VALIDATION,  /* a value breaks a field rule from the schema */
  EVS_ERR_UNSUPPORTED, /* valid input that evs does not handle */
  EVS_ERR_KAFKA,       /* the Kafka client or broker reported an error */
  EVS_ERR_TIMEOUT,     /* an operation did not finish in time */
  EVS_ERR_DATABASE,    /* the event store's database reported an error */
  EVS_ERR_CONFLICT,    /* an append condition failed: an event matching it is stored already */
  EVS_ERR_INTERNAL     /* a bug in evs: please report it */
} evs_status;

#define EVS_STATUS_COUNT ((int)EVS_ERR_INTERNAL + 1)
#define EVS_NO_OFFSET ((size_t)-1)

typedef struct evs_error {
  evs_status code;
  char msg[256];  /* what went wrong and what was expected; never empty on failure */
  size_t offset;  /* byte offset into the input, or EVS_NO_OFFSET */
  uint32_t line;  /* 1-based line, 0 when unknown */
  uint32_t col;   /* 1-based column, 0 when unknown */
  char file[128]; /* input file name (e.g. a .proto), empty when unknown */
  char path[256]; /* field path such as "payload.data.tasks[1].id", empty when unknown */
} evs_error;

/* Stable lower-case name of a status, e.g. "syntax" for EVS_ERR_SYNTAX; "unknown" for values outside
 * the enum. The string is static. */
EVS_API const char *evs_status_name(evs_status code);

/* Resets *err to "no error" (code EVS_OK, empty strings, unknown location). NULL is allowed. */
EVS_API void evs_error_clear(evs_error *err);

/* Formats err for a human in one line: "file:line:col: path: msg" with the parts that are known
 * ("offset N" stands in for line:col when only the offset is known). Writes at most n bytes including
 * the NUL and returns the length the full text needs (snprintf semantics). */
EVS_API size_t evs_error_format(const evs_error *err, char *buf, size_t n);

EVS_EXTERN_C_END

#endif
