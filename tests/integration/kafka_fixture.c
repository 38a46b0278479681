#include "kafka_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Writable copies: protobuf-c string fields are char *. */
static char k_types[4][16] = {"task.created", "task.updated", "task.completed", "task.deleted"};

void fx_task_make(fx_task *t, int64_t i) {
  evs__events__tasks__v1__task_event__init(&t->ev);
  evs__events__tasks__v1__task_event_data__init(&t->data);
  snprintf(t->user, sizeof t->user, "user-%d", (int)(i % 50));
  snprintf(t->title, sizeof t->title, "task %lld", (long long)i);
  snprintf(t->corr, sizeof t->corr, "00000000-0000-4000-8000-%012llx", (unsigned long long)i);
  t->data.title = t->title;
  t->data.priority = EVS__EVENTS__TASKS__V1__PRIORITY__high;
  t->ev.event_type = k_types[i % 4];
  t->ev.task_id = i + 1; /* task_id is required: 0 would be unset */
  t->ev.user_id = t->user;
  t->ev.task_data = &t->data;
  t->ev.correlation_id = t->corr;
}

void fx_deliveries_init(fx_deliveries *d, size_t n) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->delivered = calloc(n, sizeof *d->delivered);
  d->failed = calloc(n, sizeof *d->failed);
}

void fx_deliveries_free(fx_deliveries *d) {
  free(d->delivered);
  free(d->failed);
}

void fx_on_delivery(const evs_delivery *r, void *ctx) {
  fx_deliveries *d = ctx;
  uintptr_t i = (uintptr_t)r->opaque;
  if (!d || i == 0 || i > d->n) return;
  if (r->status == EVS_OK) {
    d->delivered[i - 1]++;
  } else {
    d->failed[i - 1]++;
    d->last_status = r->status;
    if (r->spooled) d->spooled++;
  }
}

void fx_seen_init(fx_seen *s, size_t n) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->count = calloc(n, sizeof *s->count);
  s->ids = calloc(n, sizeof *s->ids);
  for (int u = 0; u < 50; u++) s->user_partition[u] = -1;
}

void fx_seen_free(fx_seen *s) {
  free(s->count);
  free(s->ids);
}

evs_status fx_record_task(const evs_record *r, void *ctx, evs_error *err) {
  (void)err;
  fx_seen *s = ctx;
  s->total++;
  if (!r->msg || r->msg->descriptor != &evs__events__tasks__v1__task_event__descriptor) {
    s->header_errors++;
    return EVS_OK;
  }
  const Evs__Events__Tasks__V1__TaskEvent *ev = (const Evs__Events__Tasks__V1__TaskEvent *)r->msg;
  int64_t number = fx_task_number(ev);
  if (number < 0 || (size_t)number >= s->n) {
    s->header_errors++;
    return EVS_OK;
  }
  size_t i = (size_t)number;
  s->count[i]++;
  if (r->id) snprintf(s->ids[i], sizeof s->ids[i], "%s", r->id);
  if (!r->key || r->key_len != strlen(ev->user_id) || memcmp(r->key, ev->user_id, r->key_len) != 0)
    s->key_mismatch++;
  int u = (int)(i % 50);
  if (s->user_partition[u] < 0)
    s->user_partition[u] = r->partition;
  else if (s->user_partition[u] != r->partition)
    s->partition_mismatch++;
  if (!r->type || strcmp(r->type, ev->event_type) != 0 || !r->specversion ||
      strcmp(r->specversion, "1.0") != 0 || !r->dataschema ||
      strcmp(r->dataschema, "evs:evs.events.tasks.v1.TaskEvent") != 0 || !r->schema_version ||
      strcmp(r->schema_version, "1.0") != 0 || !r->time || !r->source || !r->content_type)
    s->header_errors++;
  return EVS_OK;
}

int64_t fx_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t fx_consume(evs_consumer *c, uint64_t want, int deadline_ms) {
  uint64_t got = 0;
  int64_t end = fx_now_ms() + deadline_ms;
  while (got < want && fx_now_ms() < end) {
    int p = 0;
    evs_error err;
    if (evs_consumer_poll(c, 100, &p, &err) != EVS_OK) {
      fprintf(stderr, "consumer: %s\n", err.msg);
      break;
    }
    got += (uint64_t)p;
  }
  return got;
}

int fx_raw_read(const char *brokers, const char *topic, fx_raw_rec *out, int max, int deadline_ms) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char errstr[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", "raw", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) return -1;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  int n = e ? -1 : 0;
  int64_t end = fx_now_ms() + deadline_ms;
  while (n >= 0 && n < max && fx_now_ms() < end) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (!m->err) {
      out[n].value_len = m->len < sizeof out[n].value ? m->len : sizeof out[n].value;
      if (m->payload) memcpy(out[n].value, m->payload, out[n].value_len);
      out[n].h = NULL;
      rd_kafka_message_detach_headers(m, &out[n].h);
      n++;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return n;
}

const char *fx_hdr(const rd_kafka_headers_t *h, const char *name) {
  const void *v;
  size_t size;
  if (!h || rd_kafka_header_get_last(h, name, &v, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return NULL;
  return v;
}
