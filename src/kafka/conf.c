/* librdkafka configuration: evs defaults, brokers, -X passthrough; errors with secrets redacted. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "kafka/kafka_internal.h"

static const char *const k_secret_marks[] = {"password", "secret", "sasl.oauthbearer.config", "ssl.key.pem",
                                             NULL};

bool evs_kafka_prop_is_secret(const char *name) {
  if (!name) return false;
  for (const char *const *m = k_secret_marks; *m; m++) {
    if (strstr(name, *m)) return true;
  }
  return false;
}

evs_status evs_kafka_prop_split(const char *kv, size_t *key_len, const char **value, evs_error *err) {
  if (!kv || !key_len || !value) return evs_fail(err, EVS_ERR_INVALID_ARG, "property is NULL");
  const char *eq = strchr(kv, '=');
  if (!eq) return evs_fail(err, EVS_ERR_INVALID_ARG, "property '%.100s' is not key=value", kv);
  if (eq == kv) return evs_fail(err, EVS_ERR_INVALID_ARG, "property with an empty name");
  *key_len = (size_t)(eq - kv);
  *value = eq + 1;
  return EVS_OK;
}

const char *evs_kafka_brokers(const char *brokers) {
  if (brokers && *brokers) return brokers;
  const char *env = getenv(EVS_KAFKA_BROKERS_ENV);
  return env && *env ? env : NULL;
}

/* librdkafka error strings sometimes quote the offending value ("Invalid value "x" for ..."). A secret
 * may also be part of a name=value text in debug output. Redact any token after a secret name. */
void evs_kafka_redact(char *dst, size_t n, const char *src) {
  if (!n) return;
  size_t o = 0;
  for (size_t i = 0; src[i] && o + 1 < n;) {
    size_t name_len = 0;
    for (const char *const *m = k_secret_marks; *m; m++) {
      size_t ml = strlen(*m);
      if (strncmp(src + i, *m, ml) == 0) {
        name_len = ml;
        break;
      }
    }
    if (!name_len) {
      dst[o++] = src[i++];
      continue;
    }
    /* Copy the rest of the property name, then hide what follows '=' up to a separator. The '=' may have
     * spaces around it, as in librdkafka's configuration dump ("  sasl.password = x", debug=conf). */
    while (src[i] && (src[i] != '=' && src[i] != ' ' && src[i] != '"' && src[i] != ',') && o + 1 < n)
      dst[o++] = src[i++];
    size_t eq = i;
    while (src[eq] == ' ') eq++;
    if (src[eq] == '=') {
      size_t j = eq + 1;
      while (src[j] == ' ') j++;
      size_t value_at = j;
      while (src[j] && src[j] != ' ' && src[j] != ',' && src[j] != ';' && src[j] != '\n') j++;
      while (i < value_at && o + 1 < n) dst[o++] = src[i++]; /* " = " as it was */
      const char *r = "[redacted]";
      for (size_t k = 0; r[k] && o + 1 < n; k++) dst[o++] = r[k];
      i = j;
    }
  }
  dst[o] = '\0';
}

static evs_status set_prop(rd_kafka_conf_t *conf, const char *key, const char *value, evs_error *err) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) == RD_KAFKA_CONF_OK) return EVS_OK;
  char safe[512];
  evs_kafka_redact(safe, sizeof safe, errstr);
  /* librdkafka quotes the value in "Invalid value" messages; for a secret drop the whole text. */
  if (evs_kafka_prop_is_secret(key))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "Kafka property '%s': invalid value ([redacted])", key);
  return evs_fail(err, EVS_ERR_INVALID_ARG, "Kafka property '%s': %s", key, safe);
}

const char *const evs_kafka_producer_defaults[] = {"enable.idempotence", "true", "acks", "all", NULL};

/* Whether librdkafka's log lines are shown ($EVS_KAFKA_LOG). Stored when a configuration is made, in the
 * caller's thread; librdkafka's threads only load it, and never read the environment, which the
 * application may be changing. */
static atomic_bool g_log_shown;

void evs_kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  /* librdkafka's own log lines are noise for a CLI (delivery problems reach reports and counters): shown
   * on request only, redacted. */
  if (!atomic_load_explicit(&g_log_shown, memory_order_relaxed)) return;
  char safe[1024];
  evs_kafka_redact(safe, sizeof safe, buf ? buf : "");
  fprintf(stderr, "librdkafka %d %s: %s\n", level, fac ? fac : "", safe);
}

rd_kafka_conf_t *evs_kafka_conf_new(void) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (!conf) return NULL;
  atomic_store_explicit(&g_log_shown, getenv("EVS_KAFKA_LOG") != NULL, memory_order_relaxed);
  rd_kafka_conf_set_log_cb(conf, evs_kafka_log_cb);
  return conf;
}

rd_kafka_conf_t *evs_kafka_conf_build(const evs_kafka_conf *kc, const char *const *defaults, evs_error *err) {
  const char *brokers = evs_kafka_brokers(kc ? kc->brokers : NULL);
  bool brokers_in_props = false;
  for (size_t i = 0; kc && i < kc->n_props; i++) {
    const char *p = kc->props[i];
    if (p && (strncmp(p, "bootstrap.servers=", 18) == 0 || strncmp(p, "metadata.broker.list=", 21) == 0 ||
              strncmp(p, "test.mock.num.brokers=", 22) == 0))
      brokers_in_props = true;
  }
  if (!brokers && !brokers_in_props) {
    evs_fail(err, EVS_ERR_INVALID_ARG, "no Kafka brokers: pass --brokers host:port or set %s",
             EVS_KAFKA_BROKERS_ENV);
    return NULL;
  }
  rd_kafka_conf_t *conf = evs_kafka_conf_new();
  if (!conf) {
    evs_fail(err, EVS_ERR_NOMEM, "out of memory creating the Kafka configuration");
    return NULL;
  }
  for (size_t i = 0; defaults && defaults[i]; i += 2) {
    if (set_prop(conf, defaults[i], defaults[i + 1], err) != EVS_OK) goto fail;
  }
  if (brokers && set_prop(conf, "bootstrap.servers", brokers, err) != EVS_OK) goto fail;
  for (size_t i = 0; kc && i < kc->n_props; i++) {
    size_t klen;
    const char *value;
    if (evs_kafka_prop_split(kc->props[i], &klen, &value, err) != EVS_OK) goto fail;
    char key[256];
    if (klen >= sizeof key) {
      evs_fail(err, EVS_ERR_INVALID_ARG, "Kafka property name too long (%zu bytes)", klen);
      goto fail;
    }
    memcpy(key, kc->props[i], klen);
    key[klen] = '\0';
    if (set_prop(conf, key, value, err) != EVS_OK) goto fail;
  }
  return conf;
fail:
  rd_kafka_conf_destroy(conf);
  return NULL;
}

rd_kafka_t *evs_kafka_new_handle(rd_kafka_type_t type, rd_kafka_conf_t *conf, evs_error *err) {
  char errstr[512];
  rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) {
    char safe[512];
    evs_kafka_redact(safe, sizeof safe, errstr);
    rd_kafka_conf_destroy(conf);
    evs_fail(err, EVS_ERR_INVALID_ARG, "cannot create the Kafka %s: %s",
             type == RD_KAFKA_PRODUCER ? "producer" : "consumer", safe);
  }
  return rk;
}

evs_status evs_kafka_status(rd_kafka_resp_err_t code) {
  switch (code) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return EVS_OK;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return EVS_ERR_TIMEOUT;
    default:
      return EVS_ERR_KAFKA;
  }
}

evs_status evs_kafka_fail(evs_error *err, rd_kafka_resp_err_t code, const char *context) {
  return evs_fail(err, evs_kafka_status(code), "%s: %s: %s", context, rd_kafka_err2name(code),
                  rd_kafka_err2str(code));
}
