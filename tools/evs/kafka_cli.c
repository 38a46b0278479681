#include "kafka_cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evs/kafka.h"

volatile sig_atomic_t kafka_cli_stop;
volatile sig_atomic_t kafka_cli_signal;
static volatile sig_atomic_t g_second_exits;

/* Async-signal-safe: flags, and _exit for a second signal where the command allows it. */
static void on_signal(int sig) {
  if (kafka_cli_stop && g_second_exits) _exit(128 + sig);
  kafka_cli_signal = sig;
  kafka_cli_stop = kafka_cli_stop < 100 ? kafka_cli_stop + 1 : kafka_cli_stop;
}

void kafka_cli_catch_stop(bool second_exits) {
  g_second_exits = second_exits;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: a read blocked on stdin returns (EINTR), so the command notices at once. */
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int kafka_cli_exit_status(int rc) {
  return kafka_cli_signal ? 128 + kafka_cli_signal : rc;
}

int kafka_cli_add_prop(const cli_cmd *cmd, kafka_cli_opts *k, const char *arg) {
  if (k->n_props == KAFKA_CLI_MAX_PROPS)
    return cli_usage_error(cmd, "at most %d -X options", KAFKA_CLI_MAX_PROPS);
  if (!strchr(arg, '=') || arg[0] == '=') return cli_usage_error(cmd, "-X takes key=value, not '%s'", arg);
  k->props[k->n_props++] = arg;
  return 0;
}

int kafka_cli_option(const cli_cmd *cmd, kafka_cli_opts *k, int c, const char *arg) {
  if (c == 'b') {
    k->brokers = arg;
    return 1;
  }
  if (c == 'X') return kafka_cli_add_prop(cmd, k, arg) ? -1 : 1;
  return 0;
}

int kafka_cli_need_brokers(const cli_cmd *cmd, const kafka_cli_opts *k) {
  if (evs_kafka_brokers(k->brokers)) return 0;
  return cli_usage_error(cmd, "no brokers: pass --brokers or set EVS_BROKERS");
}

int kafka_cli_add_header(const cli_cmd *cmd, evs_kafka_header *headers, size_t *n, char *arg) {
  if (*n == KAFKA_CLI_MAX_HEADERS)
    return cli_usage_error(cmd, "at most %d -H options", KAFKA_CLI_MAX_HEADERS);
  char *eq = strchr(arg, '=');
  if (!eq || eq == arg) return cli_usage_error(cmd, "-H takes name=value, not '%s'", arg);
  *eq = '\0';
  headers[(*n)++] = (evs_kafka_header){arg, eq + 1, strlen(eq + 1)};
  return 0;
}

void kafka_cli_print_violations(const evs_violations *vs) {
  evs_buf text = EVS_BUF_INIT;
  if (evs_violations_text(vs, true, "  ", NULL, &text) == EVS_OK && text.data)
    fputs((const char *)text.data, stderr);
  evs_buf_free(&text);
}
