#include "base/error_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const k_status_names[EVS_STATUS_COUNT] = {
    [EVS_OK] = "ok",
    [EVS_ERR_INVALID_ARG] = "invalid-argument",
    [EVS_ERR_NOMEM] = "out-of-memory",
    [EVS_ERR_IO] = "io",
    [EVS_ERR_SYNTAX] = "syntax",
    [EVS_ERR_TRUNCATED] = "truncated",
    [EVS_ERR_TYPE] = "type",
    [EVS_ERR_RANGE] = "range",
    [EVS_ERR_NOT_FOUND] = "not-found",
    [EVS_ERR_DUPLICATE] = "duplicate",
    [EVS_ERR_DESCRIPTOR] = "descriptor",
    [EVS_ERR_LIMIT] = "limit",
    [EVS_ERR_VALIDATION] = "validation",
    [EVS_ERR_UNSUPPORTED] = "unsupported",
    [EVS_ERR_KAFKA] = "kafka",
    [EVS_ERR_TIMEOUT] = "timeout",
    [EVS_ERR_DATABASE] = "database",
    [EVS_ERR_CONFLICT] = "conflict",
    [EVS_ERR_INTERNAL] = "internal",
};

const char *evs_status_name(evs_status code) {
  if ((int)code < 0 || (int)code >= EVS_STATUS_COUNT) return "unknown";
  return k_status_names[code];
}

void evs_error_clear(evs_error *err) {
  if (!err) return;
  /* Field by field, strings by their first byte: zeroing the whole ~650-byte struct cost a small JSON
   * decode (which clears one per call and per well-known value) about 4 % of its time. */
  err->code = EVS_OK;
  err->msg[0] = '\0';
  err->offset = EVS_NO_OFFSET;
  err->line = 0;
  err->col = 0;
  err->file[0] = '\0';
  err->path[0] = '\0';
}

static void set_message(evs_error *err, evs_status code, const char *fmt, va_list ap) EVS_PRINTF(3, 0);
static void set_message(evs_error *err, evs_status code, const char *fmt, va_list ap) {
  err->code = code;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  if (err->msg[0] == '\0') snprintf(err->msg, sizeof err->msg, "%s error", evs_status_name(code));
}

evs_status evs_vfail(evs_error *err, evs_status code, const char *fmt, va_list ap) {
  if (!err) return code;
  set_message(err, code, fmt, ap);
  return code;
}

evs_status evs_fail(evs_error *err, evs_status code, const char *fmt, ...) {
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  set_message(err, code, fmt, ap);
  va_end(ap);
  return code;
}

evs_status evs_fail_at(evs_error *err, evs_status code, size_t offset, const char *fmt, ...) {
  if (!err) return code;
  va_list ap;
  va_start(ap, fmt);
  set_message(err, code, fmt, ap);
  va_end(ap);
  evs_error_at(err, offset, 0, 0);
  return code; /* a constant at each call site, so the compiler sees failure paths as failures */
}

const char *evs_describe_byte(char buf[16], char ch) {
  unsigned char c = (unsigned char)ch;
  if (c >= 0x20 && c < 0x7f) {
    snprintf(buf, 16, "'%c'", c);
  } else {
    snprintf(buf, 16, "byte 0x%02x", c);
  }
  return buf;
}

void evs_error_at(evs_error *err, size_t offset, uint32_t line, uint32_t col) {
  if (!err) return;
  err->offset = offset;
  err->line = line;
  err->col = col;
}

static void copy_trunc(char *dst, size_t n, const char *src) {
  size_t len = strlen(src);
  if (len >= n) len = n - 1;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

void evs_error_where(evs_error *err, const char *file, const char *path) {
  if (!err) return;
  if (file) copy_trunc(err->file, sizeof err->file, file);
  if (path) copy_trunc(err->path, sizeof err->path, path);
}

/* snprintf into buf at *total, counting on past the end so the caller learns the full length. */
static void append(char *buf, size_t n, size_t *total, const char *fmt, ...) EVS_PRINTF(4, 5);
static void append(char *buf, size_t n, size_t *total, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + (*total < n ? *total : n), *total < n ? n - *total : 0, fmt, ap);
  va_end(ap);
  if (w > 0) *total += (size_t)w;
}

size_t evs_error_format(const evs_error *err, char *buf, size_t n) {
  char tmp[1];
  if (!buf || n == 0) {
    buf = tmp;
    n = 0;
  }
  if (!err) return (size_t)snprintf(buf, n, "no error");
  size_t total = 0;
  if (err->file[0]) append(buf, n, &total, "%s:", err->file);
  if (err->line) {
    append(buf, n, &total, "%u:%u:", (unsigned)err->line, (unsigned)err->col);
  } else if (err->offset != EVS_NO_OFFSET) {
    append(buf, n, &total, "offset %zu:", err->offset);
  }
  if (total) append(buf, n, &total, " ");
  if (err->path[0]) append(buf, n, &total, "%s: ", err->path);
  append(buf, n, &total, "%s", err->msg[0] ? err->msg : evs_status_name(err->code));
  return total;
}
