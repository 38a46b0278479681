/* CloudEvents binary content mode for Kafka: attributes <-> (name, value) header pairs. The Kafka client
 * side (rd_kafka_headers_t) is in src/kafka/headers.c. */
#include <stdio.h>
#include <string.h>

#include "base/error_internal.h"
#include "event/cloudevents_internal.h"

evs_status evs_ce_to_headers(const evs_ce_event *ev, evs_ce_header out[EVS_CE_MAX_HEADERS], size_t *n,
                             evs_error *err) {
  if (n) *n = 0;
  if (!ev || !out || !n) return evs_fail(err, EVS_ERR_INVALID_ARG, "ev, out or n is NULL");
  evs_status st = evs_ce_check_attrs(ev, err);
  if (st != EVS_OK) return st;
  size_t k = 0;
  for (int i = 0; i < EVS_CE_N_ATTRS; i++) {
    const char *v = evs_ce_get(ev, i);
    if (v) out[k++] = (evs_ce_header){evs_ce_attrs[i].header, v, strlen(v)};
  }
  *n = k;
  return EVS_OK;
}

evs_status evs_ce_from_headers(const evs_ce_header *headers, size_t n, evs_ce_event *ev, evs_buf *store,
                               evs_error *err) {
  if (ev) memset(ev, 0, sizeof *ev);
  if (!ev || !store || (!headers && n))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "headers, ev or store is NULL");
  evs_buf_reset(store);
  size_t off[EVS_CE_N_ATTRS];
  bool seen[EVS_CE_N_ATTRS] = {false}, set[EVS_CE_N_ATTRS] = {false};
  for (size_t h = 0; h < n; h++) {
    if (!headers[h].name) continue;
    int i = evs_ce_attr_by_header(headers[h].name);
    if (i < 0) continue;
    if (seen[i]) return evs_fail(err, EVS_ERR_DUPLICATE, "header %s given twice", evs_ce_attrs[i].header);
    seen[i] = true;
    if (!headers[h].value) continue; /* a null header value: absent */
    char why[240];
    size_t bad = 0;
    evs_status st = evs_ce_check_value(i, headers[h].value, headers[h].value_len, why, sizeof why, &bad);
    if (st != EVS_OK) {
      memset(ev, 0, sizeof *ev);
      return evs_fail_at(err, st, bad, "header %s: %s", evs_ce_attrs[i].header, why);
    }
    off[i] = store->len;
    set[i] = true;
    evs_buf_append(store, headers[h].value, headers[h].value_len);
    evs_buf_append_byte(store, 0);
  }
  if (evs_buf_status(store) != EVS_OK) return evs_fail(err, EVS_ERR_NOMEM, "out of memory copying headers");
  for (int i = 0; i < EVS_CE_N_ATTRS; i++)
    if (set[i]) *evs_ce_slot(ev, i) = (const char *)store->data + off[i];
  return EVS_OK;
}
