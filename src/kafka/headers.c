/* CloudEvents binary content mode <-> rd_kafka_headers_t: the adapter between librdkafka's headers and the
 * mapping of the event module (src/event/cloudevents_headers.c). */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/base64_internal.h"
#include "base/error_internal.h"
#include "base/utf8_internal.h"
#include "evs/json.h"
#include "kafka/kafka_internal.h"

evs_status evs_kafka_ce_from_headers(const rd_kafka_headers_t *h, evs_ce_event *v, evs_buf *store,
                                     evs_error *err) {
  size_t n = h ? rd_kafka_header_cnt(h) : 0;
  if (!n) return evs_ce_from_headers(NULL, 0, v, store, err);
  evs_ce_header *pairs = evs_malloc(n * sizeof *pairs);
  if (!pairs) {
    memset(v, 0, sizeof *v);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory reading %zu headers", n);
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const char *name;
    const void *val;
    size_t size;
    if (rd_kafka_header_get_all(h, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR)
      pairs[k++] = (evs_ce_header){name, val, val ? size : 0};
  }
  evs_status st = evs_ce_from_headers(pairs, k, v, store, err);
  evs_free(pairs);
  return st;
}

evs_status evs_kafka_ce_headers_add(rd_kafka_headers_t *h, const evs_ce_event *v, evs_error *err) {
  evs_ce_header pairs[EVS_CE_MAX_HEADERS];
  size_t n;
  evs_status st = evs_ce_to_headers(v, pairs, &n, err);
  if (st != EVS_OK) {
    /* A value that breaks its attribute's rule came from the caller (evs_event_attrs, --source). */
    if (st != EVS_ERR_NOMEM) st = EVS_ERR_INVALID_ARG;
    if (err) err->code = st;
    return st;
  }
  for (size_t i = 0; i < n; i++) {
    if (rd_kafka_header_add(h, pairs[i].name, -1, pairs[i].value, (ssize_t)pairs[i].value_len))
      return evs_fail(err, EVS_ERR_NOMEM, "out of memory building headers");
  }
  return EVS_OK;
}

void evs_kafka_write_json_member(FILE *out, const char *name, const void *value, size_t len) {
  const uint8_t *v = value;
  if (!v) {
    fprintf(out, "\"%s\":null", name);
  } else if (evs_utf8_check(v, len) == len && !memchr(v, 0, len)) {
    fprintf(out, "\"%s\":", name);
    /* NUL-terminated copy for the JSON writer; a short value stays on the stack. */
    char small[256];
    char *s = len < sizeof small ? small : evs_malloc(len + 1);
    if (!s) {
      fputs("null", out);
      return;
    }
    memcpy(s, v, len);
    s[len] = 0;
    evs_json_write_string(out, s);
    if (s != small) evs_free(s);
  } else {
    fprintf(out, "\"%s_base64\":\"", name);
    char chunk[4 * 64];
    for (size_t i = 0; i < len; i += 192) {
      size_t n = len - i < 192 ? len - i : 192;
      evs_base64_encode(v + i, n, chunk);
      fwrite(chunk, 1, evs_base64_encoded_len(n), out);
    }
    fputc('"', out);
  }
}
