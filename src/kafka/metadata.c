/* Cluster metadata: brokers, topics, partitions and leaders (evs topics, kcat -L), and the fetch the
 * viewer consumer uses to find a topic's partitions. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "kafka/kafka_internal.h"

evs_status evs_kafka_fetch_metadata(rd_kafka_t *rk, int timeout_ms, const rd_kafka_metadata_t **md,
                                    evs_error *err) {
  *md = NULL;
  /* All topics: asking for one by name lets a broker with auto.create.topics.enable (the mock cluster
   * too) create it, and looking must change nothing. */
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, md, timeout_ms);
  if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT)
    return evs_fail(err, EVS_ERR_TIMEOUT, "no answer from the brokers within %d ms (%s)", timeout_ms,
                    rd_kafka_err2name(e));
  if (e) return evs_kafka_fail(err, e, "metadata");
  return EVS_OK;
}

struct evs_kafka_metadata_owner {
  evs_kafka_metadata pub;
  evs_kafka_broker_info *brokers;
  evs_kafka_topic_info *topics;
  evs_kafka_partition_info *parts;
  const rd_kafka_metadata_t *md;
  rd_kafka_t *rk;
};

void evs_kafka_metadata_free(evs_kafka_metadata *m) {
  if (!m) return;
  struct evs_kafka_metadata_owner *o = (struct evs_kafka_metadata_owner *)m;
  if (o->md) rd_kafka_metadata_destroy(o->md);
  if (o->rk) rd_kafka_destroy(o->rk);
  evs_free(o->brokers);
  evs_free(o->topics);
  evs_free(o->parts);
  evs_free(o);
}

static int cmp_topic(const void *a, const void *b) {
  return strcmp(((const evs_kafka_topic_info *)a)->name, ((const evs_kafka_topic_info *)b)->name);
}

evs_status evs_kafka_metadata_get(const evs_kafka_conf *conf, const char *topic, int timeout_ms,
                                  evs_kafka_metadata **out, evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  if (out) *out = NULL;
  if (!conf || !out) return evs_fail(err, EVS_ERR_INVALID_ARG, "conf or out is NULL");
  struct evs_kafka_metadata_owner *o = evs_calloc(1, sizeof *o);
  if (!o) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  rd_kafka_conf_t *c = evs_kafka_conf_build(conf, NULL, err);
  if (!c || !(o->rk = evs_kafka_new_handle(RD_KAFKA_PRODUCER, c, err)) ||
      evs_kafka_fetch_metadata(o->rk, timeout_ms > 0 ? timeout_ms : 10000, &o->md, err) != EVS_OK) {
    evs_kafka_metadata_free(&o->pub);
    return err->code;
  }
  const rd_kafka_metadata_t *md = o->md;
  size_t n_parts = 0;
  for (int t = 0; t < md->topic_cnt; t++) n_parts += (size_t)md->topics[t].partition_cnt;
  o->brokers = evs_calloc((size_t)md->broker_cnt + 1, sizeof *o->brokers);
  o->topics = evs_calloc((size_t)md->topic_cnt + 1, sizeof *o->topics);
  o->parts = evs_calloc(n_parts + 1, sizeof *o->parts);
  if (!o->brokers || !o->topics || !o->parts) {
    evs_kafka_metadata_free(&o->pub);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < md->broker_cnt; i++)
    o->brokers[i] = (evs_kafka_broker_info){md->brokers[i].id, md->brokers[i].host, md->brokers[i].port};
  size_t nt = 0, np = 0;
  for (int t = 0; t < md->topic_cnt; t++) {
    const rd_kafka_metadata_topic_t *mt = &md->topics[t];
    if (topic && strcmp(mt->topic, topic) != 0) continue;
    evs_kafka_topic_info *ti = &o->topics[nt++];
    ti->name = mt->topic;
    ti->error = mt->err ? rd_kafka_err2str(mt->err) : NULL;
    ti->partitions = &o->parts[np];
    for (int p = 0; p < mt->partition_cnt; p++) {
      const rd_kafka_metadata_partition_t *mp = &mt->partitions[p];
      o->parts[np++] = (evs_kafka_partition_info){
          .id = mp->id,
          .leader = mp->leader,
          .replicas = mp->replicas,
          .n_replicas = (size_t)mp->replica_cnt,
          .isrs = mp->isrs,
          .n_isrs = (size_t)mp->isr_cnt,
          .error = mp->err ? rd_kafka_err2str(mp->err) : NULL,
      };
      ti->n_partitions++;
    }
  }
  if (topic && !nt) {
    evs_kafka_metadata_free(&o->pub);
    return evs_fail(err, EVS_ERR_NOT_FOUND, "topic '%s' does not exist", topic);
  }
  /* Partitions stay in broker order per topic; topics are sorted by name for a stable listing. */
  qsort(o->topics, nt, sizeof *o->topics, cmp_topic);
  o->pub = (evs_kafka_metadata){
      .orig_broker_id = md->orig_broker_id,
      .orig_broker_name = md->orig_broker_name,
      .brokers = o->brokers,
      .n_brokers = (size_t)md->broker_cnt,
      .topics = o->topics,
      .n_topics = nt,
  };
  *out = &o->pub;
  return EVS_OK;
}
