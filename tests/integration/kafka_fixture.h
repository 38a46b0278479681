/* Shared pieces of the Kafka integration tests: an in-process mock cluster, catalog TaskEvents numbered
 * 0..n-1 (task_id = number), delivery bookkeeping and a bounded consume loop. */
#ifndef EVS_KAFKA_FIXTURE_H
#define EVS_KAFKA_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "events/tasks/v1/task_events.pb-c.h"
#include "evs/kafka.h"
#include "evs/uuid.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Events per test; CMake lowers it for sanitizer builds (EVS_TEST_KAFKA_EVENTS). */
#ifndef EVS_TEST_KAFKA_EVENTS
#define EVS_TEST_KAFKA_EVENTS 100000
#endif

/* One TaskEvent and the storage its strings point into. */
typedef struct fx_task {
  Evs__Events__Tasks__V1__TaskEvent ev;
  Evs__Events__Tasks__V1__TaskEventData data;
  char user[32], title[32], corr[EVS_UUID_STR_SIZE];
} fx_task;

/* Fills t as event number i, valid by the catalog's rules: type task.created/updated/completed/deleted by
 * i % 4, task_id i + 1, user "user-<i % 50>". */
void fx_task_make(fx_task *t, int64_t i);

/* The event number of a TaskEvent made by fx_task_make(). */
static inline int64_t fx_task_number(const Evs__Events__Tasks__V1__TaskEvent *ev) {
  return ev->task_id - 1;
}

/* Delivery bookkeeping for events sent with opaque = (void *)(uintptr_t)(i + 1). */
typedef struct fx_deliveries {
  size_t n;
  uint32_t *delivered; /* reports with status OK per event */
  uint32_t *failed;    /* failed reports per event */
  uint64_t spooled;
  evs_status last_status;
} fx_deliveries;

void fx_deliveries_init(fx_deliveries *d, size_t n);
void fx_deliveries_free(fx_deliveries *d);
void fx_on_delivery(const evs_delivery *r, void *ctx);

/* What a consumer saw of events 0..n-1. */
typedef struct fx_seen {
  size_t n;
  uint32_t *count;                /* handler successes per task_id */
  char (*ids)[EVS_UUID_STR_SIZE]; /* ce_id per task_id as seen */
  int32_t user_partition[50];     /* partition of each user's key, -1 until seen */
  uint64_t key_mismatch, partition_mismatch, header_errors, total;
} fx_seen;

void fx_seen_init(fx_seen *s, size_t n);
void fx_seen_free(fx_seen *s);
/* A handler recording TaskEvents into an fx_seen (ctx); checks key, partition stability and headers. */
evs_status fx_record_task(const evs_record *r, void *ctx, evs_error *err);

/* Polls c until `want` records were processed or `deadline_ms` passed; returns the number processed. */
uint64_t fx_consume(evs_consumer *c, uint64_t want, int deadline_ms);

/* A record read back by fx_raw_read(): its value (cut to 256 bytes) and its headers (free them with
 * rd_kafka_headers_destroy). */
typedef struct fx_raw_rec {
  char value[256];
  size_t value_len;
  rd_kafka_headers_t *h;
} fx_raw_rec;

/* Reads up to `max` records of partition 0 of `topic` from the start with a plain librdkafka consumer (no
 * group, no evs code in the way) until deadline_ms passed; returns how many, -1 when it cannot start. */
int fx_raw_read(const char *brokers, const char *topic, fx_raw_rec *out, int max, int deadline_ms);

/* The last value of header `name` (librdkafka NUL-terminates them), NULL when absent. */
const char *fx_hdr(const rd_kafka_headers_t *h, const char *name);

/* Milliseconds of a monotonic clock. */
int64_t fx_now_ms(void);

#endif
