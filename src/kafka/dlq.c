/* Dead-letter topic: a record that cannot be decoded, or whose handler keeps failing, is copied there with
 * its original key, value and headers plus headers saying why; only then is its offset stored. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "evs/timeutil.h"
#include "kafka/kafka_internal.h"

#define DLQ_WAIT_MS 30000

struct evs_dlq {
  rd_kafka_t *rk;
  int pending;
  rd_kafka_resp_err_t last_err;
};

static void dlq_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  evs_dlq *d = opaque;
  d->pending--;
  if (m->err) d->last_err = m->err;
}

evs_dlq *evs_dlq_new(const evs_kafka_conf *kc, evs_error *err) {
  evs_kafka_conf pc = *kc;
  /* Consumer-only properties must not reach the producer; the caller's props are for both, so filter. */
  const char **props = evs_malloc((kc->n_props ? kc->n_props : 1) * sizeof *props);
  if (!props) {
    evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  size_t n = 0;
  static const char *const consumer_only[] = {
      "group.",   "auto.",  "enable.auto", "enable.partition.eof", "isolation.level", "session.timeout",
      "max.poll", "fetch.", "heartbeat.",  "partition.assignment", "check.crcs",      NULL};
  for (size_t i = 0; i < kc->n_props; i++) {
    bool skip = false;
    for (const char *const *c = consumer_only; *c; c++) {
      if (strncmp(kc->props[i], *c, strlen(*c)) == 0) skip = true;
    }
    if (!skip) props[n++] = kc->props[i];
  }
  pc.props = props;
  pc.n_props = n;
  rd_kafka_conf_t *conf = evs_kafka_conf_build(&pc, evs_kafka_producer_defaults, err);
  evs_free(props);
  if (!conf) return NULL;
  evs_dlq *d = evs_calloc(1, sizeof *d);
  if (!d) {
    rd_kafka_conf_destroy(conf);
    evs_fail(err, EVS_ERR_NOMEM, "out of memory");
    return NULL;
  }
  rd_kafka_conf_set_opaque(conf, d);
  rd_kafka_conf_set_dr_msg_cb(conf, dlq_dr);
  d->rk = evs_kafka_new_handle(RD_KAFKA_PRODUCER, conf, err);
  if (!d->rk) {
    evs_free(d);
    return NULL;
  }
  return d;
}

evs_status evs_dlq_send(evs_dlq *d, const char *topic, const rd_kafka_message_t *m, const char *stage,
                        const char *reason, int attempts, const evs_kafka_header *extra, size_t n_extra,
                        evs_error *err) {
  rd_kafka_headers_t *orig = NULL, *h;
  if (rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR && orig) {
    h = rd_kafka_headers_copy(orig);
  } else {
    h = rd_kafka_headers_new(6);
  }
  if (!h) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  char num[32], when[EVS_TIME_RFC3339_SIZE];
  rd_kafka_header_add(h, "evs_dlq_stage", -1, stage, -1);
  rd_kafka_header_add(h, "evs_dlq_reason", -1, reason, -1);
  rd_kafka_header_add(h, "evs_dlq_topic", -1, rd_kafka_topic_name(m->rkt), -1);
  snprintf(num, sizeof num, "%" PRId32, m->partition);
  rd_kafka_header_add(h, "evs_dlq_partition", -1, num, -1);
  snprintf(num, sizeof num, "%" PRId64, m->offset);
  rd_kafka_header_add(h, "evs_dlq_offset", -1, num, -1);
  snprintf(num, sizeof num, "%d", attempts);
  rd_kafka_header_add(h, "evs_dlq_attempts", -1, num, -1);
  if (evs_time_format_rfc3339_ms(evs_time_now_ms(), when, NULL) == EVS_OK)
    rd_kafka_header_add(h, "evs_dlq_time", -1, when, -1);
  for (size_t i = 0; i < n_extra; i++)
    rd_kafka_header_add(h, extra[i].name, -1, extra[i].value, (ssize_t)extra[i].value_len);
  d->last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_resp_err_t e =
      rd_kafka_producev(d->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(m->key, m->key_len),
                        RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
  if (e) {
    rd_kafka_headers_destroy(h);
    return evs_kafka_fail(err, e, "dead-letter produce");
  }
  d->pending++;
  rd_kafka_flush(d->rk, DLQ_WAIT_MS);
  if (d->pending > 0)
    return evs_fail(err, EVS_ERR_TIMEOUT, "dead-letter record to %s not delivered within %d ms", topic,
                    DLQ_WAIT_MS);
  if (d->last_err) return evs_kafka_fail(err, d->last_err, "dead-letter delivery");
  return EVS_OK;
}

void evs_dlq_free(evs_dlq *d) {
  if (!d) return;
  rd_kafka_flush(d->rk, DLQ_WAIT_MS);
  rd_kafka_destroy(d->rk);
  evs_free(d);
}
