/* CloudEvents binary content mode <-> Kafka record headers. */
#include <stdlib.h>
#include <string.h>

#include "kafka/kafka_internal.h"

/* Header name of each evs_ce_view member, in the order they are written. */
#define CE_FIELDS(X)                    \
  X(specversion, "ce_specversion")      \
  X(id, "ce_id")                        \
  X(source, "ce_source")                \
  X(type, "ce_type")                    \
  X(time, "ce_time")                    \
  X(subject, "ce_subject")              \
  X(dataschema, "ce_dataschema")        \
  X(content_type, "content-type")       \
  X(schema_version, "ce_schemaversion") \
  X(correlation_id, "ce_correlationid") \
  X(causation_id, "ce_causationid")     \
  X(tags, "ce_tags")

void evs_ce_view_from_headers(const rd_kafka_headers_t *h, evs_ce_view *v) {
  memset(v, 0, sizeof *v);
  if (!h) return;
  const void *val;
  size_t size;
  /* librdkafka NUL-terminates returned values; a NULL value stays NULL (absent). */
#define X(member, name) \
  if (rd_kafka_header_get_last(h, name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR && val) v->member = val;
  CE_FIELDS(X)
#undef X
}

rd_kafka_resp_err_t evs_ce_headers_add(rd_kafka_headers_t *h, const evs_ce_view *v) {
  rd_kafka_resp_err_t e;
#define X(member, name)                                                                                  \
  if (v->member) {                                                                                       \
    e = rd_kafka_header_add(h, name, (ssize_t)(sizeof name - 1), v->member, (ssize_t)strlen(v->member)); \
    if (e) return e;                                                                                     \
  }
  CE_FIELDS(X)
#undef X
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

static bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

static void pct(evs_buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (unreserved(*p)) {
      evs_buf_append_byte(out, *p);
    } else {
      uint8_t e[3] = {'%', (uint8_t)hex[*p >> 4], (uint8_t)hex[*p & 15]};
      evs_buf_append(out, e, 3);
    }
  }
}

static int cmp_tag(const void *a, const void *b) {
  const evs_tag *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->value, y->value);
}

int evs_kafka_tags_encode(const evs_tag *tags, size_t n, evs_buf *out) {
  evs_tag *sorted = malloc(n * sizeof *sorted);
  if (!sorted) return -1;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (tags[i].key) sorted[m++] = (evs_tag){tags[i].key, tags[i].value ? tags[i].value : ""};
  }
  qsort(sorted, m, sizeof *sorted, cmp_tag);
  for (size_t i = 0; i < m; i++) {
    if (i) evs_buf_append_byte(out, '&');
    pct(out, sorted[i].key);
    evs_buf_append_byte(out, '=');
    pct(out, sorted[i].value);
  }
  free(sorted);
  return evs_buf_status(out) == EVS_OK ? 0 : -1;
}
