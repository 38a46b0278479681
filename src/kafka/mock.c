/* The embedded broker: librdkafka's mock cluster, bound to a helper handle that owns it. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "kafka/kafka_internal.h"

#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h (kafka_internal.h), as it demands */

struct evs_mock_broker {
  rd_kafka_t *rk; /* helper handle; the cluster runs on its threads */
  rd_kafka_mock_cluster_t *mc;
  int n_brokers;
};

evs_status evs_mock_broker_new(int n_brokers, evs_mock_broker **out, evs_error *err) {
  if (out) *out = NULL;
  if (!out || n_brokers < 1 || n_brokers > 16)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "broker count %d outside 1..16", n_brokers);
  evs_mock_broker *b = evs_calloc(1, sizeof *b);
  if (!b) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  rd_kafka_conf_t *conf = evs_kafka_conf_new();
  if (!conf) {
    evs_free(b);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  char errstr[256];
  /* The helper never connects anywhere: keep it from looking for brokers. */
  rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, sizeof errstr);
  b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!b->rk) {
    rd_kafka_conf_destroy(conf);
    evs_free(b);
    return evs_fail(err, EVS_ERR_KAFKA, "cannot create the mock cluster's handle: %s", errstr);
  }
  b->mc = rd_kafka_mock_cluster_new(b->rk, n_brokers);
  if (!b->mc) {
    rd_kafka_destroy(b->rk);
    evs_free(b);
    return evs_fail(err, EVS_ERR_KAFKA, "cannot start a mock cluster of %d brokers", n_brokers);
  }
  b->n_brokers = n_brokers;
  *out = b;
  return EVS_OK;
}

const char *evs_mock_broker_bootstraps(const evs_mock_broker *b) {
  return b ? rd_kafka_mock_cluster_bootstraps(b->mc) : NULL;
}

evs_status evs_mock_broker_create_topic(evs_mock_broker *b, const char *topic, int partitions,
                                        evs_error *err) {
  if (!b || !topic || !*topic || partitions < 1)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "mock broker, topic or partition count missing");
  int repl = b->n_brokers < 3 ? b->n_brokers : 3;
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(b->mc, topic, partitions, repl);
  if (e) return evs_kafka_fail(err, e, "creating topic");
  return EVS_OK;
}

void *evs_mock_broker_cluster(evs_mock_broker *b) {
  return b ? b->mc : NULL;
}

void evs_mock_broker_free(evs_mock_broker *b) {
  if (!b) return;
  rd_kafka_mock_cluster_destroy(b->mc);
  rd_kafka_destroy(b->rk);
  evs_free(b);
}
