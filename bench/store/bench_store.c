/* Event store benchmark (bench/store/run.sh starts the server and runs the cases; docs/performance.md):
 *   batch N B          evs_store_append of N DCB events in batches of B (validated, one server call each)
 *   pbatch N B W       W writers at once, each N/W events in batches of B (bulk appends side by side)
 *   naive N            one INSERT per event, autocommit: the naive client
 *   ceiling N          the server alone: INSERT ... SELECT of N ready rows with every index (no client)
 *   copyceiling N      the server alone: the last N stored events taken out, then COPYed straight back into
 *                      events by a client that only forwards their text (no staging, no validation)
 *   cond W N disjoint|overlap   W writers, N conditional appends of 1 event each (overlap: a DCB read and
 *                      a conditional append on one of 4 shared boundaries, retried on conflict)
 *   sink N             N DCB events produced to the embedded Kafka cluster (3 partitions), then
 *                      evs_store_sink_run in batches of 1000: events/s from the first batch's commit
 *                      transaction to the last's (created_at), so joining the group is not counted
 *   load N             N realistic rows straight through SQL (for the query case; not the append path)
 *   query Q            Q tag queries (evs_store_scan on issueId) and Q DCB reads: p50 / p99 latency
 * The database is $EVS_DATABASE_URL (migrated). Prints one line per case. The machine is shared, so the
 * batch cases also print the CPU time the server backend and the client spent (read from /proc, the
 * server runs on the same machine): n / backend CPU is what the server could take with a core to itself. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evs/json.h"
#include "evs/store.h"
#include "evs/timeutil.h"
#include "evs/uuid.h"

#define TYPE "ISSUE.ASSIGNED.SUCCESS"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg) {
  fprintf(stderr, "bench_store: %s: %s\n", what, msg);
  exit(1);
}

static double cpu_self(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) process pid has used: fields 14 and 15 of /proc/PID/stat. */
static double cpu_of(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  unsigned long long ut = 0, st = 0;
  /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

typedef struct bev {
  char id[EVS_UUID_STR_SIZE], time[EVS_TIME_RFC3339_SIZE], tags[128];
  evs_ce_event ce;
  ProtobufCMessage *payload;
} bev;

static void make(bev *e, const char *tags) {
  evs_uuid u;
  if (evs_uuid7_new(&u, NULL) != EVS_OK) die("uuid", "failed");
  evs_uuid_format(&u, e->id);
  if (evs_time_format_rfc3339_ms(evs_time_now_ms(), e->time, NULL) != EVS_OK) die("time", "failed");
  snprintf(e->tags, sizeof e->tags, "%s", tags);
  char json[512];
  snprintf(json, sizeof json,
           "{\"id\":\"%s\",\"type\":\"" TYPE
           "\",\"timestamp\":\"%s\",\"metadata\":{\"workflowVersion\":\"1.2.0\","
           "\"eventSource\":\"system\"},\"data\":{\"assignee\":\"evs-bot\",\"attempt\":1}}",
           e->id, e->time);
  const evs_registry *reg = evs_registry_builtin(NULL);
  const evs_event_type *et = evs_registry_find_event_type(reg, TYPE);
  evs_error err;
  if (evs_json_decode(reg, et->message->c_desc, json, strlen(json), NULL, NULL, &e->payload, &err) != EVS_OK)
    die("payload", err.msg);
  e->ce = (evs_ce_event){
      .specversion = "1.0", .id = e->id, .source = "/bench", .type = TYPE, .time = e->time, .tags = e->tags};
}

/* Starts fn on each of n writers (structs of `size` bytes at `args`), releases them together through
 * `barrier` (initialised for n + 1) and returns the seconds until the last one has ended. */
static double run_released(int n, void *(*fn)(void *), void *args, size_t size, pthread_barrier_t *barrier) {
  pthread_t *th = calloc((size_t)n, sizeof *th);
  if (!th) die("threads", "out of memory");
  for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, fn, (char *)args + (size_t)i * size);
  pthread_barrier_wait(barrier);
  double t0 = now_s();
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
  double dt = now_s() - t0;
  free(th);
  return dt;
}

static evs_store *open_store(void) {
  evs_store *s;
  evs_error err;
  if (evs_store_open(NULL, &s, &err) != EVS_OK) die("open", err.msg);
  return s;
}

static PGconn *connect_raw(void);

/* The backend of the connection whose application_name is name (set through $PGAPPNAME before it opened). */
static int backend_pid(const char *name) {
  PGconn *c = connect_raw();
  const char *p[1] = {name};
  PGresult *r = PQexecParams(c, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", 1, NULL, p,
                             NULL, NULL, 0);
  int pid = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  PQfinish(c);
  return pid;
}

/* A store whose backend's CPU can be read: $PGAPPNAME names the backend while it connects. */
static evs_store *open_named(const char *name, int *pid) {
  setenv("PGAPPNAME", name, 1);
  evs_store *s = open_store();
  unsetenv("PGAPPNAME");
  *pid = backend_pid(name);
  return s;
}

static void batch(long n, long b) {
  int pid;
  evs_store *s = open_named("evs_bench_batch", &pid);
  bev *e = calloc((size_t)b, sizeof *e);
  evs_store_event *ev = calloc((size_t)b, sizeof *ev);
  double spent = 0, server = 0, client = 0;
  for (long done = 0; done < n; done += b) {
    for (long i = 0; i < b; i++) {
      char tags[96];
      snprintf(tags, sizeof tags, "issueId=%ld&prId=%ld&userId=u-%ld", (done + i) % 5000, (done + i) % 777,
               (done + i) % 50);
      make(&e[i], tags);
      ev[i] = (evs_store_event){&e[i].ce, e[i].payload};
    }
    evs_error err;
    double t0 = now_s(), s0 = cpu_of(pid), c0 = cpu_self();
    if (evs_store_append(s, ev, (size_t)b, NULL, NULL, NULL, &err) != EVS_OK) die("append", err.msg);
    spent += now_s() - t0;
    server += cpu_of(pid) - s0;
    client += cpu_self() - c0;
    for (long i = 0; i < b; i++) protobuf_c_message_free_unpacked(e[i].payload, NULL);
  }
  printf(
      "batch append: %ld events in batches of %ld: %.2f s, %.0f events/s (validation + encoding included); "
      "CPU: server backend %.2f s (%.0f events per backend CPU second), client %.2f s\n",
      n, b, spent, (double)n / spent, server, server > 0 ? (double)n / server : 0, client);
  free(e);
  free(ev);
  evs_store_close(s);
}

typedef struct pw {
  evs_store *s;
  long n, b;
  bev *e;
  evs_store_event *ev;
  pthread_barrier_t *barrier;
} pw;

static void *pbatch_writer(void *arg) {
  pw *w = arg;
  pthread_barrier_wait(w->barrier);
  for (long done = 0; done < w->n; done += w->b) {
    evs_error err;
    if (evs_store_append(w->s, w->ev + done, (size_t)w->b, NULL, NULL, NULL, &err) != EVS_OK)
      die("append", err.msg);
  }
  return NULL;
}

/* W writers, each its own connection, appending N/W events in batches of B at the same time (bulk appends
 * side by side, docs/store.md): the events are made before the clock starts (the client shares the two
 * cores with the server), so the figure is the appends' alone. */
static void pbatch(long n, long b, int writers) {
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)writers + 1);
  pw *w = calloc((size_t)writers, sizeof *w);
  int *pid = calloc((size_t)writers, sizeof *pid);
  double server = 0;
  for (int i = 0; i < writers; i++) {
    char name[32];
    snprintf(name, sizeof name, "evs_bench_pbatch_%d", i);
    w[i] = (pw){.s = open_named(name, &pid[i]), .n = n / writers, .b = b, .barrier = &barrier};
    w[i].e = calloc((size_t)w[i].n, sizeof *w[i].e);
    w[i].ev = calloc((size_t)w[i].n, sizeof *w[i].ev);
    for (long k = 0; k < w[i].n; k++) {
      long x = i * w[i].n + k;
      char tags[96];
      snprintf(tags, sizeof tags, "issueId=%ld&prId=%ld&userId=u-%ld", x % 5000, x % 777, x % 50);
      make(&w[i].e[k], tags);
      w[i].ev[k] = (evs_store_event){&w[i].e[k].ce, w[i].e[k].payload};
    }
  }
  for (int i = 0; i < writers; i++) server -= cpu_of(pid[i]);
  double dt = run_released(writers, pbatch_writer, w, sizeof *w, &barrier);
  long total = 0;
  for (int i = 0; i < writers; i++) {
    server += cpu_of(pid[i]);
    total += w[i].n;
    for (long k = 0; k < w[i].n; k++) protobuf_c_message_free_unpacked(w[i].e[k].payload, NULL);
    free(w[i].e);
    free(w[i].ev);
    evs_store_close(w[i].s);
  }
  printf(
      "parallel batch append: %d writers, %ld events in batches of %ld: %.2f s, %.0f events/s; CPU: server "
      "backends %.2f s (%.0f events per backend CPU second)\n",
      writers, total, b, dt, (double)total / dt, server, server > 0 ? (double)total / server : 0);
  free(pid);
  free(w);
}

static PGconn *connect_raw(void) {
  PGconn *c = PQconnectdb(getenv(EVS_STORE_URL_ENV));
  if (PQstatus(c) != CONNECTION_OK) die("connect", PQerrorMessage(c));
  return c;
}

static void naive(long n) {
  PGconn *c = connect_raw();
  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    evs_uuid u;
    char id[EVS_UUID_STR_SIZE], sql[768];
    if (evs_uuid7_new(&u, NULL) != EVS_OK) die("uuid", "failed");
    evs_uuid_format(&u, id);
    snprintf(
        sql, sizeof sql,
        "INSERT INTO events (event_id, type, time, tags, metadata, data) VALUES ('%s', '" TYPE
        "', now(), "
        "'{\"issueId\":\"%ld\",\"prId\":\"%ld\"}', '{\"source\":\"/bench\"}', '{\"assignee\":\"evs-bot\"}')",
        id, i % 5000, i % 777);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die("insert", PQresultErrorMessage(r));
    PQclear(r);
  }
  double dt = now_s() - t0;
  printf("naive client: %ld events, one INSERT each (autocommit): %.2f s, %.0f events/s\n", n, dt,
         (double)n / dt);
  PQfinish(c);
}

typedef struct cl {
  PGconn *c;
  long n;
  pthread_barrier_t *barrier;
} cl;

static void *ceiling_writer(void *arg) {
  cl *w = arg;
  pthread_barrier_wait(w->barrier);
  PGresult *r = PQexec(w->c,
                       "INSERT INTO events (event_id, type, time, tags, metadata, data) SELECT * FROM src "
                       "ON CONFLICT (event_id) DO NOTHING");
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die("ceiling", PQresultErrorMessage(r));
  PQclear(r);
  return NULL;
}

/* W sessions side by side, each copying N ready rows of its own temporary table into events inside the
 * server: no client, no parsing, no locks: what the server can insert with every index (W = 2: both cores).
 */
static void ceiling(long n, int writers) {
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)writers + 1);
  cl *w = calloc((size_t)writers, sizeof *w);
  double server = 0;
  char sql[1024];
  snprintf(sql, sizeof sql,
           "CREATE TEMP TABLE src AS SELECT gen_random_uuid() AS event_id, '" TYPE
           "'::text AS type, now() AS time, "
           "jsonb_build_object('issueId', (g %% 5000)::text, 'prId', (g %% 777)::text, 'userId', 'u-' || (g "
           "%% 50)) "
           "AS tags, '{\"source\":\"/bench\",\"schemaversion\":\"1.0\"}'::jsonb AS metadata, "
           "jsonb_build_object('id', gen_random_uuid(), 'data', jsonb_build_object('attempt', g)) AS data "
           "FROM generate_series(1, %ld) g",
           n);
  for (int i = 0; i < writers; i++) {
    w[i] = (cl){.c = connect_raw(), .n = n, .barrier = &barrier};
    PGresult *r = PQexec(w[i].c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die("ceiling", PQresultErrorMessage(r));
    PQclear(r);
    server -= cpu_of(PQbackendPID(w[i].c));
  }
  double dt = run_released(writers, ceiling_writer, w, sizeof *w, &barrier);
  for (int i = 0; i < writers; i++) {
    server += cpu_of(PQbackendPID(w[i].c));
    PQfinish(w[i].c);
  }
  printf(
      "server ceiling: INSERT ... SELECT of %ld ready rows, every index, %d session%s: %.2f s, %.0f rows/s; "
      "CPU: server backends %.2f s (%.0f rows per backend CPU second)\n",
      n * writers, writers, writers == 1 ? "" : "s side by side", dt, (double)(n * writers) / dt, server,
      server > 0 ? (double)(n * writers) / server : 0);
  free(w);
}

/* W connections, each inserting N rows one INSERT per transaction (prepared, autocommit): the row of a
 * conditional append's event with no lock, no condition, no function: what one-event transactions cost
 * this server, the ceiling of any conditional append. */
typedef struct iw {
  int id;
  long n;
  pthread_barrier_t *barrier;
  PGconn *c;
} iw;

static void *insert_writer(void *arg) {
  iw *w = arg;
  PGresult *r = PQprepare(w->c, "ins",
                          "INSERT INTO events (event_id, type, time, tags, metadata, data) VALUES "
                          "($1::uuid, $2, $3::timestamptz, $4::jsonb, $5::jsonb, $6::jsonb)",
                          6, NULL);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die("insert", PQresultErrorMessage(r));
  PQclear(r);
  pthread_barrier_wait(w->barrier);
  for (long i = 0; i < w->n; i++) {
    evs_uuid u;
    char id[EVS_UUID_STR_SIZE], tags[96], when[EVS_TIME_RFC3339_SIZE];
    if (evs_uuid7_new(&u, NULL) != EVS_OK) die("uuid", "failed");
    evs_uuid_format(&u, id);
    if (evs_time_format_rfc3339_ms(evs_time_now_ms(), when, NULL) != EVS_OK) die("time", "failed");
    snprintf(tags, sizeof tags, "{\"issueId\":\"own-%d\",\"userId\":\"u-%d\"}", w->id, w->id);
    const char *p[6] = {
        id,
        TYPE,
        when,
        tags,
        "{\"source\":\"/bench\",\"tags\":\"issueId=own&userId=u\"}",
        "{\"id\":\"01a24c57-e979-72c5-9ba0-5b592d5f3dae\",\"data\":{\"attempt\":1,\"assignee\":"
        "\"evs-bot\"},\"type\":\"" TYPE "\",\"metadata\":{\"eventSource\":\"system\"}}"};
    r = PQexecPrepared(w->c, "ins", 6, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die("insert", PQresultErrorMessage(r));
    PQclear(r);
  }
  return NULL;
}

static void insert_case(int writers, long n) {
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)writers + 1);
  iw *w = calloc((size_t)writers, sizeof *w);
  double server = 0, c0 = cpu_self();
  for (int i = 0; i < writers; i++) {
    w[i] = (iw){.id = i, .n = n, .barrier = &barrier, .c = connect_raw()};
    server -= cpu_of(PQbackendPID(w[i].c));
  }
  double dt = run_released(writers, insert_writer, w, sizeof *w, &barrier), client = cpu_self() - c0;
  for (int i = 0; i < writers; i++) {
    server += cpu_of(PQbackendPID(w[i].c));
    PQfinish(w[i].c);
  }
  long total = n * writers;
  printf(
      "one-event transactions, no lock or condition (the ceiling of conditional appends): %d connections, "
      "%ld INSERTs in %.2f s: %.0f/s; CPU: server backends %.0f us, client %.0f us per insert\n",
      writers, total, dt, (double)total / dt, server * 1e6 / (double)total, client * 1e6 / (double)total);
  free(w);
}

static void copyceiling(long n) {
  PGconn *c = connect_raw();
  char sql[512];
  snprintf(sql, sizeof sql,
           "CREATE TEMP TABLE src AS SELECT event_id, type, time, tags, metadata, data FROM events ORDER BY "
           "position DESC LIMIT %ld",
           n);
  const char *setup[] = {sql, "DELETE FROM events WHERE event_id IN (SELECT event_id FROM src)",
                         "VACUUM events", "CHECKPOINT"};
  for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
    PGresult *r = PQexec(c, setup[i]);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die("copyceiling", PQresultErrorMessage(r));
    PQclear(r);
  }
  /* the rows' COPY text, held by the client */
  PGresult *r = PQexec(c, "COPY src TO STDOUT");
  if (PQresultStatus(r) != PGRES_COPY_OUT) die("copyceiling", PQresultErrorMessage(r));
  PQclear(r);
  size_t cap = 1 << 20, len = 0;
  char *text = malloc(cap), *line;
  int got;
  while ((got = PQgetCopyData(c, &line, 0)) > 0) {
    if (len + (size_t)got > cap) text = realloc(text, cap = (cap + (size_t)got) * 2);
    memcpy(text + len, line, (size_t)got);
    len += (size_t)got;
    PQfreemem(line);
  }
  PQclear(PQgetResult(c));
  double t0 = now_s(), s0 = cpu_of(PQbackendPID(c));
  r = PQexec(c, "COPY events (event_id, type, time, tags, metadata, data) FROM STDIN");
  if (PQresultStatus(r) != PGRES_COPY_IN) die("copyceiling", PQresultErrorMessage(r));
  PQclear(r);
  for (size_t off = 0; off < len; off += 1 << 16)
    if (PQputCopyData(c, text + off, (int)(len - off < (1 << 16) ? len - off : 1 << 16)) != 1)
      die("copyceiling", PQerrorMessage(c));
  if (PQputCopyEnd(c, NULL) != 1) die("copyceiling", PQerrorMessage(c));
  r = PQgetResult(c);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die("copyceiling", PQresultErrorMessage(r));
  PQclear(r);
  double dt = now_s() - t0, server = cpu_of(PQbackendPID(c)) - s0;
  printf(
      "server ceiling: COPY of the same %ld rows straight into events, every index: %.2f s, %.0f rows/s; "
      "CPU: server backend %.2f s (%.0f rows per backend CPU second)\n",
      n, dt, (double)n / dt, server, server > 0 ? (double)n / server : 0);
  free(text);
  PQfinish(c);
}

static void sink_case(long n) {
  evs_error err;
  evs_mock_broker *b = NULL;
  if (evs_mock_broker_new(1, &b, &err) != EVS_OK) die("broker", err.msg);
  if (evs_mock_broker_create_topic(b, "bench-sink", 3, &err) != EVS_OK ||
      evs_mock_broker_create_topic(b, "bench-sink.dlq", 1, &err) != EVS_OK)
    die("topic", err.msg);
  const char *boot = evs_mock_broker_bootstraps(b);
  evs_producer_options po = {.kafka = {.brokers = boot}};
  evs_producer *p = NULL;
  if (evs_producer_new(&po, &p, &err) != EVS_OK) die("producer", err.msg);
  for (long i = 0; i < n; i++) {
    char issue[16], pr[16], user[16];
    snprintf(issue, sizeof issue, "%ld", i % 5000);
    snprintf(pr, sizeof pr, "%ld", i % 777);
    snprintf(user, sizeof user, "u-%ld", i % 50);
    evs_tag tags[3] = {{"issueId", issue}, {"prId", pr}, {"userId", user}};
    bev e;
    make(&e, "");
    /* keyed by issue: the records spread over the 3 partitions. With null keys the sticky partitioner
     * can put most of them on one partition, and the embedded cluster keeps at most 5 MB of a partition
     * (it drops the oldest records beyond that): the sink then found fewer records than were sent. */
    evs_event_attrs a = {.id = e.id,
                         .type = TYPE,
                         .tags = tags,
                         .n_tags = 3,
                         .topic = "bench-sink",
                         .key = issue,
                         .key_len = strlen(issue)};
    if (evs_producer_send(p, &a, e.payload, &err) != EVS_OK) die("send", err.msg);
    protobuf_c_message_free_unpacked(e.payload, NULL);
  }
  if (evs_producer_flush(p, 60000, &err) != EVS_OK) die("flush", err.msg);
  evs_producer_close(p, 5000);
  PGconn *c = connect_raw();
  PGresult *r = PQexec(c, "SELECT coalesce(max(position), 0) FROM events");
  long long before = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  evs_store *s = open_store();
  const char *topics[] = {"bench-sink"};
  evs_store_sink_options o = {.kafka = {.brokers = boot},
                              .topics = topics,
                              .n_topics = 1,
                              .group_id = "bench-sink",
                              .batch_size = 1000,
                              .idle_exit_ms = 5000};
  evs_store_sink_stats st;
  if (evs_store_sink_run(s, &o, &st, &err) != EVS_OK) die("sink", err.msg);
  evs_store_close(s);
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT count(*), extract(epoch FROM max(created_at) - min(created_at)) FROM events WHERE "
           "position > %lld",
           before);
  r = PQexec(c, sql);
  long stored = atol(PQgetvalue(r, 0, 0));
  double span = atof(PQgetvalue(r, 0, 1));
  PQclear(r);
  PQfinish(c);
  printf(
      "sink: %ld events through Kafka (embedded cluster, 3 partitions) into the store (%llu records, %llu "
      "dead letters), %llu batches: %.0f events/s (first to last batch commit)\n",
      stored, st.records, st.dead_lettered, st.batches, span > 0 ? (double)(stored - 1000) / span : 0);
  if (stored != n) die("sink", "not every event was stored");
  evs_mock_broker_free(b);
}

typedef struct cw {
  int id;
  evs_store *s;
  long n;
  bool overlap;
  long ok, conflicts;
  pthread_barrier_t *barrier;
} cw;

static evs_status nothing(void *ctx, const evs_stored_event *ev, evs_error *err) {
  (void)ctx;
  (void)ev;
  (void)err;
  return EVS_OK;
}

static void *cond_writer(void *arg) {
  cw *w = arg;
  evs_store *s = w->s;
  unsigned seed = 99u + (unsigned)w->id;
  int64_t last = 0;
  pthread_barrier_wait(w->barrier);
  bool first = true;
  for (long i = 0; i < w->n;) {
    char key[32], tags[96];
    if (w->overlap)
      snprintf(key, sizeof key, "shared-%u", rand_r(&seed) % 4);
    else
      snprintf(key, sizeof key, "own-%d", w->id);
    snprintf(tags, sizeof tags, "issueId=%s&userId=u-%d", key, w->id);
    const char *types[] = {TYPE};
    evs_tag t = {"issueId", key};
    evs_store_item item = {.types = types, .n_types = 1, .tags = &t, .n_tags = 1};
    evs_store_condition c = {.fail_if_events_match = {.items = &item, .n_items = 1}, .after = last};
    evs_error err;
    /* a disjoint writer reads its boundary once (an earlier run may have written to it) */
    if ((w->overlap || first) &&
        evs_store_read(s, &c.fail_if_events_match, 0, 1, nothing, NULL, &c.after, &err) != EVS_OK)
      die("read", err.msg);
    first = false;
    bev e;
    make(&e, tags);
    int64_t pos = 0;
    evs_store_event ev = {&e.ce, e.payload};
    evs_store_append_result res = {.positions = &pos};
    evs_status st = evs_store_append(s, &ev, 1, &c, &res, NULL, &err);
    protobuf_c_message_free_unpacked(e.payload, NULL);
    if (st == EVS_OK) {
      w->ok++;
      last = pos;
      i++;
    } else if (st == EVS_ERR_CONFLICT) {
      if (!w->overlap) die("append", "a writer on its own boundary failed its condition");
      w->conflicts++;
    } else {
      die("append", err.msg);
    }
  }
  return NULL;
}

static void cond(int writers, long n, bool overlap) {
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)writers + 1);
  cw *w = calloc((size_t)writers, sizeof *w);
  int *pid = calloc((size_t)writers, sizeof *pid);
  double server = 0, c0 = cpu_self();
  for (int i = 0; i < writers; i++) {
    /* opened here, one after the other: $PGAPPNAME names each backend so that its CPU can be read */
    char name[32];
    snprintf(name, sizeof name, "evs_bench_cond_%d", i);
    w[i] = (cw){.id = i, .s = open_named(name, &pid[i]), .n = n, .overlap = overlap, .barrier = &barrier};
    server -= cpu_of(pid[i]);
  }
  double dt = run_released(writers, cond_writer, w, sizeof *w, &barrier), client = cpu_self() - c0;
  for (int i = 0; i < writers; i++) {
    server += cpu_of(pid[i]);
    evs_store_close(w[i].s);
  }
  free(pid);
  long ok = 0, conflicts = 0;
  for (int i = 0; i < writers; i++) {
    ok += w[i].ok;
    conflicts += w[i].conflicts;
  }
  printf(
      "conditional appends, %d writers, %s: %ld appended (1 event each) + %ld conflicts retried in %.2f s: "
      "%.0f appends/s; CPU: server backends %.0f us, client %.0f us per append\n",
      writers, overlap ? "overlapping (4 shared boundaries, DCB read + append)" : "disjoint (own boundary)",
      ok, conflicts, dt, (double)ok / dt, server * 1e6 / (double)(ok + conflicts),
      client * 1e6 / (double)(ok + conflicts));
  free(w);
}

static void load(long n) {
  PGconn *c = connect_raw();
  double t0 = now_s();
  for (long done = 0; done < n; done += 100000) {
    char sql[2048];
    long to = done + 100000 > n ? n : done + 100000;
    /* realistic tags: 50,000 issues, 20,000 PRs (on every third event), 500 users, two modes, four types */
    snprintf(
        sql, sizeof sql,
        "INSERT INTO events (event_id, type, time, tags, metadata, data) "
        "SELECT gen_random_uuid(), (ARRAY['ISSUE.ASSIGNED.SUCCESS','CODE.MERGED.SUCCESS','WORKFLOW.STARTED',"
        "'GATE.TEST.STARTED'])[1 + g %% 4], now() - make_interval(secs => g), "
        "jsonb_strip_nulls(jsonb_build_object('issueId', (g::bigint * 7919 %% 50000)::text, 'prId', CASE "
        "WHEN g %% 3 = 0 "
        "THEN (g %% 20000)::text END, 'userId', 'u-' || (g %% 500), 'mode', CASE WHEN g %% 2 = 0 THEN 'dev' "
        "ELSE "
        "'business' END)), jsonb_build_object('source', '/bench', 'schemaversion', '1.0'), "
        "jsonb_build_object('id', gen_random_uuid(), 'type', 'ISSUE.ASSIGNED.SUCCESS', 'data', "
        "jsonb_build_object('attempt', g)) FROM generate_series(%ld, %ld) g",
        done + 1, to);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die("load", PQresultErrorMessage(r));
    PQclear(r);
  }
  PQclear(PQexec(c, "VACUUM ANALYZE events"));
  printf("loaded %ld rows through SQL in %.1f s\n", n, now_s() - t0);
  PQfinish(c);
}

static int dcmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static evs_status counter(void *ctx, const evs_stored_event *ev, evs_error *err) {
  (void)ev;
  (void)err;
  (*(long *)ctx)++;
  return EVS_OK;
}

static void report(const char *what, double *lat, long q, long rows) {
  qsort(lat, (size_t)q, sizeof *lat, dcmp);
  printf("%s: %ld queries, %.1f rows each: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what, q,
         (double)rows / q, lat[q / 2] * 1e3, lat[(q * 99) / 100] * 1e3, lat[q - 1] * 1e3);
}

static void query(long q) {
  evs_store *s = open_store();
  double *lat = calloc((size_t)q, sizeof *lat);
  unsigned seed = 7;
  long rows = 0;
  for (int kind = 0; kind < 3; kind++) {
    rows = 0;
    for (long i = 0; i < q; i++) {
      char issue[16];
      snprintf(issue, sizeof issue, "%u", rand_r(&seed) % 50000);
      const char *types[] = {"ISSUE.ASSIGNED.SUCCESS", "CODE.MERGED.SUCCESS"};
      evs_tag t = {"issueId", issue};
      evs_store_item item = {
          .types = kind == 1 ? types : NULL, .n_types = kind == 1 ? 2 : 0, .tags = &t, .n_tags = 1};
      evs_store_query qq = {.items = &item, .n_items = 1};
      evs_error err;
      double t0 = now_s();
      if (kind < 2) {
        evs_store_filter f = {.query = &qq};
        if (evs_store_scan(s, &f, counter, &rows, &err) != EVS_OK) die("scan", err.msg);
      } else {
        int64_t head;
        if (evs_store_read(s, &qq, 0, 0, counter, &rows, &head, &err) != EVS_OK) die("read", err.msg);
      }
      lat[i] = now_s() - t0;
    }
    report(kind == 0   ? "tag query (scan, issueId:X)"
           : kind == 1 ? "tag + type query (scan, 2 types, issueId:X)"
                       : "DCB read (locks + events + head, issueId:X)",
           lat, q, rows);
  }
  free(lat);
  evs_store_close(s);
}

int main(int argc, char **argv) {
  if (argc < 3 || !getenv(EVS_STORE_URL_ENV)) {
    fprintf(
        stderr,
        "usage: bench_store batch N B | pbatch N B W | naive N | ceiling N [W] | copyceiling N | insert W N "
        "| cond W N disjoint|overlap | load N | query Q\n"
        "(EVS_DATABASE_URL names a migrated database)\n");
    return 2;
  }
  const char *m = argv[1];
  if (strcmp(m, "batch") == 0 && argc == 4)
    batch(atol(argv[2]), atol(argv[3]));
  else if (strcmp(m, "pbatch") == 0 && argc == 5)
    pbatch(atol(argv[2]), atol(argv[3]), atoi(argv[4]));
  else if (strcmp(m, "naive") == 0)
    naive(atol(argv[2]));
  else if (strcmp(m, "ceiling") == 0)
    ceiling(atol(argv[2]), argc > 3 ? atoi(argv[3]) : 1);
  else if (strcmp(m, "insert") == 0 && argc == 4)
    insert_case(atoi(argv[2]), atol(argv[3]));
  else if (strcmp(m, "copyceiling") == 0)
    copyceiling(atol(argv[2]));
  else if (strcmp(m, "cond") == 0 && argc == 5)
    cond(atoi(argv[2]), atol(argv[3]), strcmp(argv[4], "overlap") == 0);
  else if (strcmp(m, "sink") == 0)
    sink_case(atol(argv[2]));
  else if (strcmp(m, "load") == 0)
    load(atol(argv[2]));
  else if (strcmp(m, "query") == 0)
    query(atol(argv[2]));
  else
    return 2;
  return 0;
}
