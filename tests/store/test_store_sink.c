/* The Kafka sink against an embedded Kafka cluster and a real PostgreSQL server (with_pg.sh): 300 catalog
 * TaskEvents on 3 partitions plus a poison record; a run that crashes before committing its second batch,
 * a run that crashes right after committing its second batch, then a run to the end. Every event is
 * stored exactly once, no run reads a stored event again (the partitions start at the offsets stored with
 * the events, not at Kafka's commits, which were ahead after each crash), and the poison record is
 * dead-lettered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evs/store.h"
#include "pg_count.h"
#include "kafka_fixture.h"

#define N 300
#define TOPIC "sink-in"

typedef struct crash_at {
  unsigned long long before, after; /* batch numbers of this run; 0 = none */
} crash_at;

static bool before_commit(void *ctx, unsigned long long batch) {
  return ((crash_at *)ctx)->before != batch;
}

static bool after_commit(void *ctx, unsigned long long batch) {
  return ((crash_at *)ctx)->after != batch;
}

static evs_status run_sink_on(const char *boot, const char *topic, const char *group,
                              evs_store_sink_hook before, void *ctx, evs_store_sink_stats *st,
                              evs_error *err) {
  evs_store *s = NULL;
  if (evs_store_open(NULL, &s, err) != EVS_OK) fail_msg("open: %s", err->msg);
  const char *topics[] = {topic};
  static const char *const props[] = {"session.timeout.ms=6000", "heartbeat.interval.ms=500"};
  evs_store_sink_options o = {.kafka = {.brokers = boot, .props = props, .n_props = 2},
                              .topics = topics,
                              .n_topics = 1,
                              .group_id = group,
                              .batch_size = 50,
                              .batch_ms = 60000,
                              .idle_exit_ms = 2000,
                              .db_retry_ms = 20000,
                              .before_commit = before,
                              .hook_ctx = ctx};
  evs_status r = evs_store_sink_run(s, &o, st, err);
  fprintf(stderr, "sink run on %s: %s (%s), %llu records, %llu batches, %llu reconnects\n", topic,
          evs_status_name(r), r == EVS_OK ? "" : err->msg, st->records, st->batches, st->reconnects);
  evs_store_close(s);
  return r;
}

static evs_status run_sink(const char *boot, crash_at *crash, evs_store_sink_stats *st, evs_error *err) {
  evs_store *s = NULL;
  if (evs_store_open(NULL, &s, err) != EVS_OK) fail_msg("open: %s", err->msg);
  const char *topics[] = {TOPIC};
  /* a crashed run's member is dropped by the group only after the session timeout */
  static const char *const props[] = {"session.timeout.ms=6000", "heartbeat.interval.ms=500"};
  evs_store_sink_options o = {.kafka = {.brokers = boot, .props = props, .n_props = 2},
                              .topics = topics,
                              .n_topics = 1,
                              .group_id = "sink-test",
                              .dlq_topic = TOPIC ".dlq",
                              .batch_size = 50,
                              .batch_ms = 60000, /* batches close by size: the crash points are exact */
                              .idle_exit_ms = 2000,
                              .before_commit = before_commit,
                              .after_commit = after_commit,
                              .hook_ctx = crash};
  time_t t0 = time(NULL);
  evs_status r = evs_store_sink_run(s, &o, st, err);
  fprintf(stderr, "sink run: %s, %llu records, %llu batches, %ld s\n", evs_status_name(r), st->records,
          st->batches, (long)(time(NULL) - t0));
  evs_store_close(s);
  return r;
}

static void test_sink_crashes(void **state) {
  (void)state;
  evs_error err;
  evs_store *s = NULL;
  if (evs_store_open(NULL, &s, &err) != EVS_OK) fail_msg("open: %s", err.msg);
  assert_int_equal(evs_store_migrate(s, NULL, &err), EVS_OK);
  evs_store_close(s);

  evs_mock_broker *b = NULL;
  assert_int_equal(evs_mock_broker_new(1, &b, &err), EVS_OK);
  assert_int_equal(evs_mock_broker_create_topic(b, TOPIC, 3, &err), EVS_OK);
  assert_int_equal(evs_mock_broker_create_topic(b, TOPIC ".dlq", 1, &err), EVS_OK);
  const char *boot = evs_mock_broker_bootstraps(b);
  evs_producer_options po = {.kafka = {.brokers = boot}};
  evs_producer *p = NULL;
  assert_int_equal(evs_producer_new(&po, &p, &err), EVS_OK);
  for (int64_t i = 0; i < N; i++) {
    fx_task t;
    fx_task_make(&t, i);
    evs_event_attrs a = {.topic = TOPIC};
    if (evs_producer_send(p, &a, &t.ev.base, &err) != EVS_OK) fail_msg("send: %s", err.msg);
    if (i == N / 2) {
      /* a poison record: CloudEvents headers of a registered type, a value that is not its message */
      evs_kafka_header h[] = {{"ce_specversion", "1.0", 3},
                              {"ce_id", "0190b0a0-0000-7000-8000-0000000000ff", 36},
                              {"ce_source", "/test", 5},
                              {"ce_type", "task.created", 12}};
      assert_int_equal(evs_producer_send_raw(p, TOPIC, "k", 1, h, 4, "\xff\xff\xff", 3, NULL, &err), EVS_OK);
    }
  }
  assert_int_equal(evs_producer_flush(p, 30000, &err), EVS_OK);
  evs_producer_close(p, 5000);

  evs_store_sink_stats st1, st2, st3;
  crash_at c1 = {.before = 2};
  evs_status r1 = run_sink(boot, &c1, &st1, &err);
  assert_int_equal(r1, EVS_ERR_IO);
  assert_int_equal(st1.batches, 1);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), 50);

  crash_at c2 = {.after = 2};
  assert_int_equal(run_sink(boot, &c2, &st2, &err), EVS_ERR_IO);
  assert_int_equal(st2.batches, 2);
  assert_int_equal(st2.duplicates, 0);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), 150);

  crash_at none = {0};
  if (run_sink(boot, &none, &st3, &err) != EVS_OK) fail_msg("run 3: %s", err.msg);
  assert_int_equal(st3.duplicates, 0);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), N);
  assert_int_equal(sql_count("SELECT count(DISTINCT data->>'taskId') FROM events"), N);
  assert_true(st1.dead_lettered + st2.dead_lettered + st3.dead_lettered >= 1);
  /* the stored offsets cover all 301 records of the 3 partitions */
  assert_int_equal(sql_count("SELECT sum(next_offset) FROM evs_sink_offsets WHERE group_id = 'sink-test'"),
                   N + 1);
  evs_mock_broker_free(b);
}

static void produce(const char *boot, const char *topic, int64_t first, int n) {
  evs_error err;
  evs_producer_options po = {.kafka = {.brokers = boot}};
  evs_producer *p = NULL;
  assert_int_equal(evs_producer_new(&po, &p, &err), EVS_OK);
  for (int64_t i = first; i < first + n; i++) {
    fx_task t;
    fx_task_make(&t, i);
    char key[32];
    snprintf(key, sizeof key, "k%lld", (long long)i);
    /* keyed: the records spread over the partitions (null keys stick to one partition for a while) */
    evs_event_attrs a = {.topic = topic, .key = key, .key_len = strlen(key)};
    if (evs_producer_send(p, &a, &t.ev.base, &err) != EVS_OK) fail_msg("send: %s", err.msg);
  }
  assert_int_equal(evs_producer_flush(p, 30000, &err), EVS_OK);
  evs_producer_close(p, 5000);
}

static evs_mock_broker *cluster_with(const char *topic, int partitions, int64_t first, int n);

static evs_store_sink_options sink_options(const char *boot, const char *const *topic, const char *group) {
  static const char *const props[] = {"session.timeout.ms=6000", "heartbeat.interval.ms=500"};
  return (evs_store_sink_options){.kafka = {.brokers = boot, .props = props, .n_props = 2},
                                  .topics = topic,
                                  .n_topics = 1,
                                  .group_id = group,
                                  .batch_size = 50,
                                  .batch_ms = 300,
                                  .idle_exit_ms = 3000,
                                  .db_retry_ms = 20000};
}

static long long count_between(long long first, long long n, bool distinct) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT count(%sdata->>'taskId') FROM events WHERE (data->>'taskId')::bigint > %lld "
           "AND (data->>'taskId')::bigint <= %lld",
           distinct ? "DISTINCT " : "", first, first + n);
  return sql_count(sql);
}

typedef struct member {
  const char *boot;
  evs_store_sink_stats st;
  evs_status r;
  evs_error err;
} member;

static void *member_run(void *arg) {
  member *m = arg;
  evs_store *s = NULL;
  if (evs_store_open(NULL, &s, &m->err) != EVS_OK) {
    m->r = m->err.code;
    return NULL;
  }
  const char *topics[] = {"sink-rebalance"};
  evs_store_sink_options o = sink_options(m->boot, topics, "sink-rebalance");
  m->r = evs_store_sink_run(s, &o, &m->st, &m->err);
  fprintf(stderr, "rebalance member: %s (%s), %llu records, %llu batches\n", evs_status_name(m->r),
          m->r == EVS_OK ? "" : m->err.msg, m->st.records, m->st.batches);
  evs_store_close(s);
  return NULL;
}

#define REBALANCE_FIRST 30000
#define REBALANCE_WAVE 60

/* A second member joins while the first one is running: the group re-joins, which the embedded cluster
 * (like a broker waiting for every member) lets take about session.timeout.ms (6 s here), longer than the
 * idle limit (3 s). The first member must wait for its new partitions rather than count the rebalance as
 * idle time and stop: it then writes its share of the second wave. */
static void test_sink_rebalance_not_idle(void **state) {
  (void)state;
  evs_mock_broker *b = cluster_with("sink-rebalance", 3, REBALANCE_FIRST, REBALANCE_WAVE);
  const char *boot = evs_mock_broker_bootstraps(b);
  member a = {.boot = boot}, m2 = {.boot = boot};
  pthread_t ta, tb;
  pthread_create(&ta, NULL, member_run, &a);
  /* the first wave stored: the first member is on its own, idle */
  for (int i = 0; i < 300 && count_between(REBALANCE_FIRST, REBALANCE_WAVE, false) < REBALANCE_WAVE; i++)
    nanosleep(&(struct timespec){0, 50000000}, NULL);
  assert_int_equal(count_between(REBALANCE_FIRST, REBALANCE_WAVE, false), REBALANCE_WAVE);
  pthread_create(&tb, NULL, member_run, &m2);
  produce(boot, "sink-rebalance", REBALANCE_FIRST + REBALANCE_WAVE, REBALANCE_WAVE);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  if (a.r != EVS_OK) fail_msg("first member: %s", a.err.msg);
  if (m2.r != EVS_OK) fail_msg("second member: %s", m2.err.msg);
  /* the first member was still there after the rebalance: it wrote part of the second wave */
  assert_true(a.st.records > REBALANCE_WAVE);
  assert_true(m2.st.records > 0);
  assert_int_equal(a.st.records + m2.st.records, 2 * REBALANCE_WAVE);
  assert_int_equal(count_between(REBALANCE_FIRST, 2 * REBALANCE_WAVE, false), 2 * REBALANCE_WAVE);
  assert_int_equal(count_between(REBALANCE_FIRST, 2 * REBALANCE_WAVE, true), 2 * REBALANCE_WAVE);
  evs_mock_broker_free(b);
}

static void run_ctl(const char *what) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s/ctl.sh %s", getenv("PG_FIXTURE_DIR"), what);
  if (system(cmd) != 0) fprintf(stderr, "%s failed\n", cmd);
}

/* Starts the server again after arg (intptr_t) seconds. */
static void *start_later(void *arg) {
  nanosleep(&(struct timespec){(time_t)(intptr_t)arg, 0}, NULL);
  run_ctl("start");
  return NULL;
}

/* An embedded cluster with topic (and its dead-letter topic) holding n events numbered from first. */
static evs_mock_broker *cluster_with(const char *topic, int partitions, int64_t first, int n) {
  evs_error err;
  evs_mock_broker *b = NULL;
  assert_int_equal(evs_mock_broker_new(1, &b, &err), EVS_OK);
  char dlq[128];
  snprintf(dlq, sizeof dlq, "%s.dlq", topic);
  assert_int_equal(evs_mock_broker_create_topic(b, topic, partitions, &err), EVS_OK);
  assert_int_equal(evs_mock_broker_create_topic(b, dlq, 1, &err), EVS_OK);
  produce(evs_mock_broker_bootstraps(b), topic, first, n);
  return b;
}

/* The fixture runs with synchronous_commit off, under which an immediate stop can lose commits already
 * acknowledged: a sink would rightly stop (its offsets went back). */
static void durable_commits(void) {
  PGconn *c = pg_connect();
  PQclear(PQexec(c, "ALTER DATABASE postgres SET synchronous_commit = on"));
  PQfinish(c);
}

/* Before the second batch's commit the server goes down (an immediate stop, as a crash) and comes back 2 s
 * later: the sink waits, reconnects, finds the batch not committed (its offsets unchanged) and commits it;
 * the run ends with every event stored once. */
static bool stop_server(void *ctx, unsigned long long batch) {
  if (batch == 2) {
    run_ctl("stop");
    pthread_create((pthread_t *)ctx, NULL, start_later, (void *)(intptr_t)2);
  }
  return true;
}

#define RESTART_FIRST 10000
#define RESTART_N 200

static void test_sink_database_restart(void **state) {
  (void)state;
  if (!getenv("PG_FIXTURE_DIR")) skip();
  evs_error err;
  evs_mock_broker *b = cluster_with("sink-restart", 2, RESTART_FIRST, RESTART_N);
  const char *boot = evs_mock_broker_bootstraps(b);
  durable_commits(); /* the first batch's commit must survive the stop */
  pthread_t starter;
  evs_store_sink_stats st;
  evs_status r = run_sink_on(boot, "sink-restart", "sink-restart", stop_server, &starter, &st, &err);
  pthread_join(starter, NULL);
  if (r != EVS_OK) fail_msg("the sink did not ride out the restart: %s", err.msg);
  assert_true(st.reconnects >= 1);
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE (data->>'taskId')::bigint BETWEEN %d AND %d",
           RESTART_FIRST, RESTART_FIRST + RESTART_N);
  assert_int_equal(sql_count(sql), RESTART_N);
  snprintf(
      sql, sizeof sql,
      "SELECT count(DISTINCT data->>'taskId') FROM events WHERE (data->>'taskId')::bigint BETWEEN %d AND %d",
      RESTART_FIRST, RESTART_FIRST + RESTART_N);
  assert_int_equal(sql_count(sql), RESTART_N);
  assert_int_equal(sql_count("SELECT sum(next_offset) FROM evs_sink_offsets WHERE group_id = 'sink-restart'"),
                   RESTART_N);
  evs_mock_broker_free(b);
}

#define OFFDB_FIRST 40000
#define OFFDB_N 100

/* The server goes down before the sink's first assignment (the embedded cluster takes 3 s to form a new
 * group) and is back 6 s later: the rebalance callback's read of the stored offsets meets the outage and
 * must wait for the database, as a batch commit does, instead of ending the run. */
static void test_sink_offsets_database_away(void **state) {
  (void)state;
  if (!getenv("PG_FIXTURE_DIR")) skip();
  evs_error err;
  evs_mock_broker *b = cluster_with("sink-offdb", 2, OFFDB_FIRST, OFFDB_N);
  const char *boot = evs_mock_broker_bootstraps(b);
  durable_commits();
  evs_store *s = NULL;
  if (evs_store_open(NULL, &s, &err) != EVS_OK) fail_msg("open: %s", err.msg);
  assert_int_equal(evs_store_migrate(s, NULL, &err), EVS_OK);
  const char *topics[] = {"sink-offdb"};
  evs_store_sink_options o = sink_options(boot, topics, "sink-offdb");
  run_ctl("stop");
  pthread_t starter;
  pthread_create(&starter, NULL, start_later, (void *)(intptr_t)6);
  evs_store_sink_stats st;
  evs_status r = evs_store_sink_run(s, &o, &st, &err);
  pthread_join(starter, NULL);
  evs_store_close(s);
  fprintf(stderr, "sink run on sink-offdb: %s (%s), %llu records, %llu reconnects\n", evs_status_name(r),
          r == EVS_OK ? "" : err.msg, st.records, st.reconnects);
  if (r != EVS_OK) fail_msg("the sink did not ride out the outage in the rebalance callback: %s", err.msg);
  assert_true(st.reconnects >= 1);
  assert_int_equal(count_between(OFFDB_FIRST, OFFDB_N, false), OFFDB_N);
  assert_int_equal(count_between(OFFDB_FIRST, OFFDB_N, true), OFFDB_N);
  assert_int_equal(sql_count("SELECT sum(next_offset) FROM evs_sink_offsets WHERE group_id = 'sink-offdb'"),
                   OFFDB_N);
  evs_mock_broker_free(b);
}

/* A zombie: before this sink commits its second batch, another member of the group (the partitions' new
 * owner) commits past it. The zombie's commit must fail and store nothing of its batch, and the new
 * owner's offsets stay. */
static bool new_owner_commits(void *ctx, unsigned long long batch) {
  (void)ctx;
  if (batch == 2) {
    PGconn *c = pg_connect();
    PGresult *r = PQexec(
        c, "UPDATE evs_sink_offsets SET next_offset = next_offset + 1000 WHERE group_id = 'sink-zombie'");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fprintf(stderr, "update: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
  }
  return true;
}

#define ZOMBIE_FIRST 20000

static void test_sink_zombie(void **state) {
  (void)state;
  evs_error err;
  evs_mock_broker *b = cluster_with("sink-zombie", 1, ZOMBIE_FIRST, 150);
  const char *boot = evs_mock_broker_bootstraps(b);
  evs_store_sink_stats st;
  evs_status r = run_sink_on(boot, "sink-zombie", "sink-zombie", new_owner_commits, NULL, &st, &err);
  assert_int_not_equal(r, EVS_OK);
  assert_non_null(strstr(err.msg, "another consumer moved it"));
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE (data->>'taskId')::bigint > %d", ZOMBIE_FIRST);
  assert_int_equal(sql_count(sql), 50); /* the first batch only */
  assert_int_equal(sql_count("SELECT next_offset FROM evs_sink_offsets WHERE group_id = 'sink-zombie'"),
                   1050);
  evs_mock_broker_free(b);
}

int main(void) {
  if (!getenv(EVS_STORE_URL_ENV)) {
    fprintf(stderr, "SKIP: %s is not set (run through tests/store/with_pg.sh)\n", EVS_STORE_URL_ENV);
    return 77;
  }
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sink_crashes), cmocka_unit_test(test_sink_zombie),
                                     cmocka_unit_test(test_sink_database_restart),
                                     cmocka_unit_test(test_sink_offsets_database_away),
                                     cmocka_unit_test(test_sink_rebalance_not_idle)};
  if (getenv("EVS_TEST_FILTER")) cmocka_set_test_filter(getenv("EVS_TEST_FILTER"));
  return cmocka_run_group_tests(tests, NULL, NULL);
}
