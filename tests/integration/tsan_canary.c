/* The ThreadSanitizer run must be able to fail: this program has the data race #15 removed from the
 * producer (a log callback writing a plain int from librdkafka's threads) and must be reported. Built and
 * run only with EVS_SANITIZE=thread; ctest passes it when TSan's output names the race. If TSan stopped
 * seeing librdkafka's threads (tsan_c11_threads.c) or the options hid evs's own code, this would pass
 * silently no more. */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

static int g_lines; /* deliberately unsynchronised */

static void racy_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  (void)level;
  (void)fac;
  (void)buf;
  g_lines++;
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char errstr[256];
  if (rd_kafka_conf_set(conf, k, v, errstr, sizeof errstr) == RD_KAFKA_CONF_OK) return 0;
  fprintf(stderr, "tsan_canary: %s: %s\n", k, errstr);
  return 1;
}

int main(void) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, racy_log_cb);
  /* An in-handle mock cluster and every debug context: log lines from the main, broker and mock threads. */
  if (set(conf, "test.mock.num.brokers", "1") || set(conf, "debug", "all")) return 2;
  char errstr[256];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "tsan_canary: %s\n", errstr);
    return 2;
  }
  char value[] = "x";
  for (int i = 0; i < 20; i++) {
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("canary"), RD_KAFKA_V_VALUE(value, 1),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    g_lines++;
  }
  rd_kafka_flush(rk, 5000);
  rd_kafka_destroy(rk);
  printf("tsan_canary: %d log lines, no race reported\n", g_lines);
  return 0;
}
