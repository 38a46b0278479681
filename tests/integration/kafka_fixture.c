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
  t->ev.task_id = i;
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
  if (ev->task_id < 0 || (size_t)ev->task_id >= s->n) {
    s->header_errors++;
    return EVS_OK;
  }
  size_t i = (size_t)ev->task_id;
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
