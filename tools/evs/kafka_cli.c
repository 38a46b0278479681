#include "kafka_cli.h"

#include <string.h>

#include "evs/kafka.h"

volatile sig_atomic_t kafka_cli_stop;

static void on_signal(int sig) {
  (void)sig;
  kafka_cli_stop = 1;
}

void kafka_cli_catch_stop(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int kafka_cli_add_prop(const cli_cmd *cmd, kafka_cli_opts *k, const char *arg) {
  if (k->n_props == KAFKA_CLI_MAX_PROPS)
    return cli_usage_error(cmd, "at most %d -X options", KAFKA_CLI_MAX_PROPS);
  if (!strchr(arg, '=') || arg[0] == '=') return cli_usage_error(cmd, "-X takes key=value, not '%s'", arg);
  k->props[k->n_props++] = arg;
  return 0;
}

int kafka_cli_need_brokers(const cli_cmd *cmd, const kafka_cli_opts *k) {
  if (evs_kafka_brokers(k->brokers)) return 0;
  return cli_usage_error(cmd, "no brokers: pass --brokers or set EVS_BROKERS");
}
