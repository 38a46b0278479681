/* Kafka configuration: -X splitting, secret detection and redaction, errors that name the property but
 * never a secret value, and the brokers fallback to $EVS_BROKERS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evs/kafka.h"
#include "kafka/kafka_internal.h"

static void test_split(void **state) {
  (void)state;
  size_t klen;
  const char *v;
  assert_int_equal(evs_kafka_prop_split("linger.ms=5", &klen, &v, NULL), EVS_OK);
  assert_int_equal(klen, 9);
  assert_string_equal(v, "5");
  assert_int_equal(evs_kafka_prop_split("sasl.jaas=a=b", &klen, &v, NULL), EVS_OK);
  assert_int_equal(klen, 9);
  assert_string_equal(v, "a=b");
  assert_int_equal(evs_kafka_prop_split("x=", &klen, &v, NULL), EVS_OK);
  assert_string_equal(v, "");
  evs_error err;
  assert_int_equal(evs_kafka_prop_split("novalue", &klen, &v, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_kafka_prop_split("=v", &klen, &v, &err), EVS_ERR_INVALID_ARG);
}

static void test_secret_names(void **state) {
  (void)state;
  assert_true(evs_kafka_prop_is_secret("sasl.password"));
  assert_true(evs_kafka_prop_is_secret("ssl.key.password"));
  assert_true(evs_kafka_prop_is_secret("ssl.keystore.password"));
  assert_true(evs_kafka_prop_is_secret("sasl.oauthbearer.client.secret"));
  assert_true(evs_kafka_prop_is_secret("sasl.oauthbearer.config"));
  assert_true(evs_kafka_prop_is_secret("ssl.key.pem"));
  assert_false(evs_kafka_prop_is_secret("sasl.username"));
  assert_false(evs_kafka_prop_is_secret("ssl.certificate.pem"));
  assert_false(evs_kafka_prop_is_secret(NULL));
}

static void test_redact(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"sasl.password=hunter2 linger.ms=5", "sasl.password=[redacted] linger.ms=5"},
      {"a ssl.key.pem=-----BEGIN,x", "a ssl.key.pem=[redacted],x"},
      {"no secrets here", "no secrets here"},
      /* librdkafka's debug=conf dump puts spaces around '='. */
      {"[thrd:app]:   sasl.password = hunter2", "[thrd:app]:   sasl.password = [redacted]"},
      {"ssl.keystore.password =hunter2, x", "ssl.keystore.password =[redacted], x"},
      {"sasl.password is not set", "sasl.password is not set"},
  };
  char out[256];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    evs_kafka_redact(out, sizeof out, cases[i][0]);
    assert_string_equal(out, cases[i][1]);
  }
  evs_kafka_redact(out, 8, "sasl.password=hunter2");
  assert_int_equal(strlen(out), 7);
  assert_null(strstr(out, "hunter2"));
}

/* Runs fn with stderr going to a file; returns what it wrote (static buffer). */
static const char *stderr_of(void (*fn)(void)) {
  static char text[16384];
  char path[] = "/tmp/evs-test-conf-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  assert_true(saved >= 0 && dup2(fd, 2) == 2);
  fn();
  fflush(stderr);
  assert_int_equal(dup2(saved, 2), 2);
  close(saved);
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  close(fd);
  unlink(path);
  text[n > 0 ? n : 0] = '\0';
  return text;
}

static void log_secret_line(void) {
  rd_kafka_conf_t *conf = evs_kafka_conf_new(); /* takes $EVS_KAFKA_LOG */
  assert_non_null(conf);
  rd_kafka_conf_destroy(conf);
  evs_kafka_log_cb(NULL, 7, "CONF", "  sasl.password = hunter2");
}

/* A producer whose librdkafka logs its configuration (debug=conf) on creation. */
static void producer_with_debug(void) {
  const char *props[] = {"debug=conf", "sasl.username=u", "sasl.password=hunter2"};
  evs_producer_options o = {.kafka = {"127.0.0.1:1", props, 3}};
  evs_producer *p = NULL;
  evs_error err;
  assert_int_equal(evs_producer_new(&o, &p, &err), EVS_OK);
  assert_int_equal(evs_producer_close(p, 0), 0);
}

/* librdkafka's lines reach stderr only with $EVS_KAFKA_LOG set, and redacted. */
static void test_log_callback(void **state) {
  (void)state;
  unsetenv("EVS_KAFKA_LOG");
  assert_string_equal(stderr_of(log_secret_line), "");
  assert_null(strstr(stderr_of(producer_with_debug), "librdkafka"));
  setenv("EVS_KAFKA_LOG", "1", 1);
  assert_string_equal(stderr_of(log_secret_line), "librdkafka 7 CONF:   sasl.password = [redacted]\n");
  const char *text = stderr_of(producer_with_debug);
  assert_non_null(strstr(text, "librdkafka 7 CONF: "));
  assert_non_null(strstr(text, "sasl.password"));
  assert_null(strstr(text, "hunter2"));
  unsetenv("EVS_KAFKA_LOG");
}

static void test_errors_hide_secrets(void **state) {
  (void)state;
  /* An unknown secret-named property: the error names it, never the value. */
  const char *props[] = {"ssl.key.password.bogus=hunter2"};
  evs_producer_options o = {.kafka = {"127.0.0.1:1", props, 1}};
  evs_producer *p = NULL;
  evs_error err;
  assert_int_not_equal(evs_producer_new(&o, &p, &err), EVS_OK);
  assert_null(p);
  assert_non_null(strstr(err.msg, "ssl.key.password.bogus"));
  assert_null(strstr(err.msg, "hunter2"));
  /* A bad value of a known secret property. */
  const char *props2[] = {"sasl.mechanisms=PLAIN", "sasl.password=hunter2", "acks=nonsense"};
  o.kafka.props = props2;
  o.kafka.n_props = 3;
  assert_int_equal(evs_producer_new(&o, &p, &err), EVS_ERR_INVALID_ARG);
  assert_non_null(strstr(err.msg, "acks"));
  assert_null(strstr(err.msg, "hunter2"));
  /* Conflicting settings are refused by librdkafka at creation (idempotence needs acks=all). */
  const char *props3[] = {"acks=1"};
  o.kafka.props = props3;
  o.kafka.n_props = 1;
  assert_int_equal(evs_producer_new(&o, &p, &err), EVS_ERR_INVALID_ARG);
  assert_non_null(strstr(err.msg, "acks"));
  /* No property is not key=value. */
  const char *props4[] = {"linger.ms"};
  o.kafka.props = props4;
  assert_int_equal(evs_producer_new(&o, &p, &err), EVS_ERR_INVALID_ARG);
}

static void test_brokers_env(void **state) {
  (void)state;
  unsetenv(EVS_KAFKA_BROKERS_ENV);
  assert_null(evs_kafka_brokers(NULL));
  assert_null(evs_kafka_brokers(""));
  assert_string_equal(evs_kafka_brokers("h:1"), "h:1");
  setenv(EVS_KAFKA_BROKERS_ENV, "env:2", 1);
  assert_string_equal(evs_kafka_brokers(NULL), "env:2");
  assert_string_equal(evs_kafka_brokers("h:1"), "h:1");
  unsetenv(EVS_KAFKA_BROKERS_ENV);
  evs_producer_options o = {0};
  evs_producer *p = NULL;
  evs_error err;
  assert_int_equal(evs_producer_new(&o, &p, &err), EVS_ERR_INVALID_ARG);
  assert_non_null(strstr(err.msg, "EVS_BROKERS"));
  /* With brokers, creation succeeds without connecting (nothing listens on port 1). */
  o.kafka.brokers = "127.0.0.1:1";
  assert_int_equal(evs_producer_new(&o, &p, &err), EVS_OK);
  assert_int_equal(evs_producer_close(p, 0), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split),       cmocka_unit_test(test_secret_names),
      cmocka_unit_test(test_redact),      cmocka_unit_test(test_errors_hide_secrets),
      cmocka_unit_test(test_brokers_env), cmocka_unit_test(test_log_callback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
