/* Producer benchmark: the evs producer library against raw librdkafka doing identical work.
 *
 * Both sides build the same catalog TaskEvent, pack it with protobuf-c, attach the same CloudEvents header
 * set (ce_specversion, ce_id = a new UUIDv7, ce_source, ce_type, ce_time, ce_dataschema, content-type,
 * ce_schemaversion), key it by user_id, and produce with the same settings (acks=all, idempotence) to a
 * 3-broker embedded cluster, 6 partitions, waiting for every delivery report. Rounds alternate which side
 * goes first. The cluster runs in a child process so that the parent's CPU time is the producer's alone
 * (application thread plus librdkafka's threads).
 *
 * usage: bench_produce [EVENTS (default 1000000)] [ROUNDS (default 4)] */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "events/tasks/v1/task_events.pb-c.h"
#include "evs/kafka.h"
#include "evs/timeutil.h"
#include "evs/uuid.h"

#define TOPIC "bench-events"

static char k_types[4][16] = {"task.created", "task.updated", "task.completed", "task.deleted"};

typedef struct task {
  Evs__Events__Tasks__V1__TaskEvent ev;
  Evs__Events__Tasks__V1__TaskEventData data;
  char user[32], title[32], corr[EVS_UUID_STR_SIZE];
} task;

static void task_make(task *t, int64_t i) {
  evs__events__tasks__v1__task_event__init(&t->ev);
  evs__events__tasks__v1__task_event_data__init(&t->data);
  snprintf(t->user, sizeof t->user, "user-%d", (int)(i % 1000));
  snprintf(t->title, sizeof t->title, "task %lld", (long long)i);
  snprintf(t->corr, sizeof t->corr, "00000000-0000-4000-8000-%012llx", (unsigned long long)i);
  t->data.title = t->title;
  t->data.priority = EVS__EVENTS__TASKS__V1__PRIORITY__high;
  t->ev.event_type = k_types[i % 4];
  t->ev.task_id = i + 1; /* task_id is required: 0 would be unset (and refused) */
  t->ev.user_id = t->user;
  t->ev.task_data = &t->data;
  t->ev.correlation_id = t->corr;
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct result {
  double wall, cpu;
  uint64_t delivered;
} result;

/* ---- evs ---- */

static result run_evs(const char *brokers, int64_t from, int64_t n) {
  evs_producer_options po = {.kafka = {brokers, NULL, 0}, .source = "/bench"};
  evs_producer *p = NULL;
  evs_error err;
  if (evs_producer_new(&po, &p, &err) != EVS_OK) {
    fprintf(stderr, "evs producer: %s\n", err.msg);
    exit(1);
  }
  double w0 = mono_s(), c0 = cpu_s();
  for (int64_t i = from; i < from + n; i++) {
    task t;
    task_make(&t, i);
    if (evs_producer_send(p, NULL, &t.ev.base, &err) != EVS_OK) {
      fprintf(stderr, "send: %s\n", err.msg);
      exit(1);
    }
  }
  if (evs_producer_flush(p, 120000, &err) != EVS_OK) fprintf(stderr, "flush: %s\n", err.msg);
  result r = {mono_s() - w0, cpu_s() - c0, 0};
  evs_producer_stats st;
  evs_producer_stats_get(p, &st);
  r.delivered = st.delivered;
  evs_producer_close(p, 10000);
  return r;
}

/* ---- raw librdkafka, the same work by hand ---- */

static uint64_t g_raw_delivered;

static void raw_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (!m->err) g_raw_delivered++;
}

static result run_raw(const char *brokers, int64_t from, int64_t n) {
  char errstr[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof errstr);
  rd_kafka_conf_set_dr_msg_cb(conf, raw_dr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "raw producer: %s\n", errstr);
    exit(1);
  }
  g_raw_delivered = 0;
  const char *schema = "evs:evs.events.tasks.v1.TaskEvent";
  double w0 = mono_s(), c0 = cpu_s();
  for (int64_t i = from; i < from + n; i++) {
    task t;
    task_make(&t, i);
    size_t size = protobuf_c_message_get_packed_size(&t.ev.base);
    uint8_t *value = malloc(size + 1);
    protobuf_c_message_pack(&t.ev.base, value);
    evs_uuid u;
    char id[EVS_UUID_STR_SIZE], when[EVS_TIME_RFC3339_SIZE];
    if (evs_uuid7_new(&u, NULL) != EVS_OK ||
        evs_time_format_rfc3339_ms(evs_time_now_ms(), when, NULL) != EVS_OK)
      exit(1);
    evs_uuid_format(&u, id);
    rd_kafka_headers_t *h = rd_kafka_headers_new(12);
    rd_kafka_header_add(h, "ce_specversion", -1, "1.0", -1);
    rd_kafka_header_add(h, "ce_id", -1, id, -1);
    rd_kafka_header_add(h, "ce_source", -1, "/bench", -1);
    rd_kafka_header_add(h, "ce_type", -1, t.ev.event_type, -1);
    rd_kafka_header_add(h, "ce_time", -1, when, -1);
    rd_kafka_header_add(h, "ce_dataschema", -1, schema, -1);
    rd_kafka_header_add(h, "content-type", -1, "application/protobuf", -1);
    rd_kafka_header_add(h, "ce_schemaversion", -1, "1.0", -1);
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_KEY(t.user, strlen(t.user)), RD_KAFKA_V_VALUE(value, size),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
      if (!e) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        fprintf(stderr, "producev: %s\n", rd_kafka_err2str(e));
        exit(1);
      }
      rd_kafka_poll(rk, 50);
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  result r = {mono_s() - w0, cpu_s() - c0, g_raw_delivered};
  rd_kafka_destroy(rk);
  return r;
}

/* ---- the cluster, in a child process ---- */

static pid_t start_cluster(char *brokers, size_t n) {
  int fds[2];
  if (pipe(fds) != 0) exit(1);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    evs_mock_broker *b = NULL;
    if (evs_mock_broker_new(3, &b, NULL) != EVS_OK ||
        evs_mock_broker_create_topic(b, TOPIC, 6, NULL) != EVS_OK)
      _exit(1);
    const char *boot = evs_mock_broker_bootstraps(b);
    if (write(fds[1], boot, strlen(boot)) < 0) _exit(1);
    close(fds[1]);
    pause(); /* until the parent's SIGTERM */
    _exit(0);
  }
  close(fds[1]);
  ssize_t got = read(fds[0], brokers, n - 1);
  close(fds[0]);
  if (got <= 0) exit(1);
  brokers[got] = '\0';
  return pid;
}

int main(int argc, char **argv) {
  int64_t total = argc > 1 ? strtoll(argv[1], NULL, 10) : 1000000;
  int rounds = argc > 2 ? atoi(argv[2]) : 4;
  if (total <= 0 || rounds <= 0) return 2;
  char brokers[512];
  pid_t child = start_cluster(brokers, sizeof brokers);
  /* Warm-up: connections, metadata, producer ids. */
  run_evs(brokers, 0, 1000);
  run_raw(brokers, 0, 1000);
  int64_t per = total / rounds;
  result sum_evs = {0, 0, 0}, sum_raw = {0, 0, 0};
  printf("round  side  events   wall_s  events/s   cpu_us/event\n");
  for (int r = 0; r < rounds; r++) {
    for (int k = 0; k < 2; k++) {
      bool evs_side = (k == 0) == (r % 2 == 0);
      result x = evs_side ? run_evs(brokers, (int64_t)r * per, per) : run_raw(brokers, (int64_t)r * per, per);
      printf("%5d  %-4s  %lld  %6.2f  %9.0f  %6.2f\n", r + 1, evs_side ? "evs" : "raw",
             (long long)x.delivered, x.wall, (double)x.delivered / x.wall, x.cpu * 1e6 / (double)per);
      result *s = evs_side ? &sum_evs : &sum_raw;
      s->wall += x.wall;
      s->cpu += x.cpu;
      s->delivered += x.delivered;
    }
  }
  double evs_rate = (double)sum_evs.delivered / sum_evs.wall,
         raw_rate = (double)sum_raw.delivered / sum_raw.wall;
  double evs_cpu = sum_evs.cpu * 1e6 / (double)sum_evs.delivered,
         raw_cpu = sum_raw.cpu * 1e6 / (double)sum_raw.delivered;
  printf("\ntotal  evs  %llu events  %.0f events/s  %.2f cpu_us/event\n",
         (unsigned long long)sum_evs.delivered, evs_rate, evs_cpu);
  printf("total  raw  %llu events  %.0f events/s  %.2f cpu_us/event\n", (unsigned long long)sum_raw.delivered,
         raw_rate, raw_cpu);
  printf("evs/raw: throughput %.1f%%, cpu per event %.1f%% (raw/evs)\n", 100.0 * evs_rate / raw_rate,
         100.0 * raw_cpu / evs_cpu);
  kill(child, SIGTERM);
  waitpid(child, NULL, 0);
  int ok = sum_evs.delivered == (uint64_t)(per * rounds) && sum_raw.delivered == (uint64_t)(per * rounds);
  return ok ? 0 : 1;
}
