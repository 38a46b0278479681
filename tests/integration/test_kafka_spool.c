/* Spool replay against damage and concurrency, on the mock cluster: a damaged record does not stop the
 * others from being sent (it is reported, counted and moved to PATH.damaged); when the rewrite cannot be
 * completed the file is left as it was; records appended by another process while a replay runs are never
 * lost by its rewrite. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evs/kafka.h"
#include "kafka/kafka_internal.h"

static char g_path[96], g_damaged[112];

static int setup(void **state) {
  (void)state;
  snprintf(g_path, sizeof g_path, "/tmp/evs-spool-replay-%d.spool", (int)getpid());
  snprintf(g_damaged, sizeof g_damaged, "%s.damaged", g_path);
  remove(g_path);
  remove(g_damaged);
  rmdir(g_damaged);
  return 0;
}

static int teardown(void **state) {
  return setup(state);
}

static long size_of(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Appends record i (topic "t", ce_id "id-<i>") and returns the file size before it. */
static long append(int i) {
  long before = size_of(g_path);
  evs_spool_writer w = {0};
  rd_kafka_headers_t *h = rd_kafka_headers_new(1);
  char id[32], value[32];
  snprintf(id, sizeof id, "id-%d", i);
  snprintf(value, sizeof value, "value-%d", i);
  rd_kafka_header_add(h, "ce_id", -1, id, -1);
  assert_int_equal(evs_spool_append(&w, g_path, "t", id, strlen(id), h, value, strlen(value), "x", NULL),
                   EVS_OK);
  assert_int_equal(evs_spool_close(&w, NULL), EVS_OK);
  rd_kafka_headers_destroy(h);
  return before < 0 ? 9 : before;
}

static void poke(long at, int byte) {
  FILE *f = fopen(g_path, "r+b");
  assert_non_null(f);
  fseek(f, at, SEEK_SET);
  fputc(byte, f);
  fclose(f);
}

typedef struct broker {
  evs_mock_broker *b;
  evs_producer *p;
} broker;

static void broker_up(broker *k) {
  evs_error err;
  assert_int_equal(evs_mock_broker_new(1, &k->b, &err), EVS_OK);
  assert_int_equal(evs_mock_broker_create_topic(k->b, "t", 1, &err), EVS_OK);
  const char *props[] = {"message.timeout.ms=20000"};
  evs_producer_options po = {.kafka = {evs_mock_broker_bootstraps(k->b), props, 1}};
  assert_int_equal(evs_producer_new(&po, &k->p, &err), EVS_OK);
}

static void broker_down(broker *k) {
  assert_int_equal(evs_producer_close(k->p, 5000), 0);
  evs_mock_broker_free(k->b);
}

typedef struct seen {
  int n;
  uint64_t offsets[8], lengths[8];
} seen;

static void on_damaged(const evs_spool_damage *d, void *ctx) {
  seen *s = ctx;
  assert_non_null(d->why);
  if (s->n < 8) {
    s->offsets[s->n] = d->offset;
    s->lengths[s->n] = d->length;
  }
  s->n++;
}

/* Records 1 and 3 of 0..4 damaged (a checksum, a length running off the end): 0, 2 and 4 are sent. */
static void test_replay_skips_damage(void **state) {
  (void)state;
  long at[6];
  for (int i = 0; i < 5; i++) at[i] = append(i);
  at[5] = size_of(g_path);
  poke(at[1] + 5, 'Z'); /* inside record 1's body */
  poke(at[3], 0xff);    /* record 3's length: a 3-byte varint far beyond the end */
  poke(at[3] + 1, 0xff);
  poke(at[3] + 2, 0x7f);
  broker k;
  broker_up(&k);
  evs_spool_replay_stats rs;
  evs_error err;
  seen s = {0};
  assert_int_equal(evs_spool_replay_ex(k.p, g_path, 20000, on_damaged, &s, &rs, &err), EVS_OK);
  assert_int_equal(rs.read, 3);
  assert_int_equal(rs.delivered, 3);
  assert_int_equal(rs.failed, 0);
  assert_int_equal(rs.damaged, 2);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.offsets[0], at[1]);
  assert_int_equal(s.lengths[0], at[2] - at[1]);
  assert_int_equal(s.offsets[1], at[3]);
  assert_int_equal(s.lengths[1], at[4] - at[3]);
  assert_int_equal(rs.damaged_bytes, (at[2] - at[1]) + (at[4] - at[3]));
  assert_int_equal(size_of(g_damaged), (long)rs.damaged_bytes); /* nothing silently lost */
  assert_int_equal(size_of(g_path), -1);                        /* all intact records delivered */
  broker_down(&k);
}

/* When the damaged bytes cannot be saved, the spool is left exactly as it was. */
static void test_replay_rewrite_fails_keeps_file(void **state) {
  (void)state;
  long at[4];
  for (int i = 0; i < 3; i++) at[i] = append(i);
  at[3] = size_of(g_path);
  poke(at[1] + 5, 'Z');
  FILE *f = fopen(g_path, "rb");
  static uint8_t before[4096], after[4096];
  size_t n0 = fread(before, 1, sizeof before, f);
  fclose(f);
  assert_int_equal(mkdir(g_damaged, 0700), 0); /* PATH.damaged cannot be opened for writing */
  broker k;
  broker_up(&k);
  evs_spool_replay_stats rs;
  evs_error err;
  assert_int_equal(evs_spool_replay(k.p, g_path, 20000, &rs, &err), EVS_ERR_IO);
  assert_non_null(strstr(err.msg, "left as it was"));
  assert_int_equal(rs.read, 2);
  f = fopen(g_path, "rb");
  assert_non_null(f);
  size_t n1 = fread(after, 1, sizeof after, f);
  fclose(f);
  assert_int_equal(n1, n0);
  assert_memory_equal(after, before, n0);
  char tmp[128];
  snprintf(tmp, sizeof tmp, "%s.replay", g_path);
  assert_int_equal(access(tmp, F_OK), -1);
  broker_down(&k);
}

/* Another process appends while replays run: every record it appended is either delivered by a replay or
 * still in the file at the end, never dropped by a rewrite. */
static void test_replay_during_appends(void **state) {
  (void)state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    close(fds[0]);
    int n = 0;
    struct timespec pause = {0, 2000000};
    for (; n < 400; n++) {
      evs_spool_writer w = {0};
      char id[32];
      snprintf(id, sizeof id, "c-%d", n);
      if (evs_spool_append(&w, g_path, "t", id, strlen(id), NULL, id, strlen(id), "x", NULL) != EVS_OK) break;
      if (evs_spool_close(&w, NULL) != EVS_OK) break;
      nanosleep(&pause, NULL);
    }
    if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n) _exit(2);
    _exit(0);
  }
  close(fds[1]);
  broker k;
  broker_up(&k);
  uint64_t delivered = 0;
  int replays = 0, status;
  evs_error err;
  while (waitpid(child, &status, WNOHANG) == 0) {
    evs_spool_replay_stats rs;
    evs_status st = evs_spool_replay(k.p, g_path, 20000, &rs, &err);
    if (st != EVS_OK && st != EVS_ERR_NOT_FOUND) fail_msg("replay: %s", err.msg);
    assert_int_equal(rs.failed + rs.damaged, 0);
    delivered += rs.delivered;
    replays += st == EVS_OK;
    struct timespec pause = {0, 50000000};
    nanosleep(&pause, NULL);
  }
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  int appended = 0;
  assert_int_equal(read(fds[0], &appended, sizeof appended), (ssize_t)sizeof appended);
  close(fds[0]);
  assert_int_equal(appended, 400);
  uint64_t left = 0;
  if (access(g_path, F_OK) == 0) assert_int_equal(evs_spool_count(g_path, &left, &err), EVS_OK);
  if (delivered + left != (uint64_t)appended)
    fail_msg("appended %d, delivered %llu by %d replays, %llu left in the file", appended,
             (unsigned long long)delivered, replays, (unsigned long long)left);
  assert_true(replays > 1);
  broker_down(&k);
}

typedef struct reports {
  int n, spooled;
  char last_error[512];
} reports;

static void on_report(const evs_delivery *d, void *ctx) {
  reports *r = ctx;
  r->n++;
  r->spooled += d->spooled;
  if (d->error) snprintf(r->last_error, sizeof r->last_error, "%s", d->error);
}

/* A spool that cannot be written (a full disk): every failed event is counted as a spool error, its
 * report says spooled = false and why, and the counters add up (failed = spooled + spool_errors). */
static void test_spool_errors_counted(void **state) {
  (void)state;
  reports rep = {0};
  const char *props[] = {"message.timeout.ms=500"};
  evs_producer_options po = {.kafka = {"127.0.0.1:1", props, 1},
                             .spool_path = "/dev/full",
                             .on_delivery = on_report,
                             .delivery_ctx = &rep};
  evs_producer *p = NULL;
  evs_error err;
  assert_int_equal(evs_producer_new(&po, &p, &err), EVS_OK);
  for (int i = 0; i < 5; i++) {
    char id[16];
    snprintf(id, sizeof id, "id-%d", i);
    evs_kafka_header h = {"ce_id", id, strlen(id)};
    assert_int_equal(evs_producer_send_raw(p, "t", NULL, 0, &h, 1, "v", 1, NULL, &err), EVS_OK);
  }
  assert_int_equal(evs_producer_flush(p, 10000, &err), EVS_OK); /* every report is in */
  evs_producer_stats st;
  assert_int_equal(evs_producer_close_stats(p, 1000, &st), 5);
  assert_int_equal(rep.n, 5);
  assert_int_equal(rep.spooled, 0);
  assert_non_null(
      strstr(rep.last_error, "not spooled: cannot write spool file /dev/full: No space left on device"));
  assert_int_equal(st.failed, 5);
  assert_int_equal(st.spooled, 0);
  assert_int_equal(st.spool_errors, 5);
  assert_int_equal(st.failed, st.spooled + st.spool_errors);
  assert_string_equal(st.spool_error_first_id, "id-0");
  assert_string_equal(st.spool_error_last_id, "id-4");
  assert_non_null(strstr(st.spool_error, "No space left on device"));
  assert_false(st.spool_sync_failed); /* a device is not fsynced */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_replay_skips_damage, setup, teardown),
      cmocka_unit_test_setup_teardown(test_replay_rewrite_fails_keeps_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_replay_during_appends, setup, teardown),
      cmocka_unit_test_setup_teardown(test_spool_errors_counted, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
