/* What the Kafka commands (evs produce, consume, broker) share: the client options --brokers and
 * -X key=value, running until SIGINT or SIGTERM, and how an invalid event's violations are shown. */
#ifndef EVS_KAFKA_CLI_H
#define EVS_KAFKA_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "evs/kafka.h"

/* Up to this many -X options per command. */
#define KAFKA_CLI_MAX_PROPS 64

/* The client options as given: passed on as evs_kafka_options {brokers, props, n_props}. */
typedef struct kafka_cli_opts {
  const char *brokers; /* --brokers; NULL = $EVS_BROKERS */
  const char *props[KAFKA_CLI_MAX_PROPS];
  size_t n_props;
} kafka_cli_opts;

/* Up to this many -H options per command. */
#define KAFKA_CLI_MAX_HEADERS 64

/* Takes the value of one -H name=value option into headers[*n] (pointing into arg; the name is cut at the
 * '=' in place); 0, or a usage error's exit code. */
int kafka_cli_add_header(const cli_cmd *cmd, evs_kafka_header *headers, size_t *n, char *arg);
/* The client options every Kafka command takes the same way: -b/--brokers LIST (getopt code 'b') and
 * -X key=value ('X'). 1 when c was one of them, 0 when not, -1 after a usage error. */
int kafka_cli_option(const cli_cmd *cmd, kafka_cli_opts *k, int c, const char *arg);
/* Takes the value of one -X option (it must look like key=value); 0, or a usage error's exit code. */
int kafka_cli_add_prop(const cli_cmd *cmd, kafka_cli_opts *k, const char *arg);
/* After option parsing: 0 when --brokers or $EVS_BROKERS names brokers, else a usage error's exit code. */
int kafka_cli_need_brokers(const cli_cmd *cmd, const kafka_cli_opts *k);

/* An invalid event's violations on stderr under the line that reported it: one per line, indented, as
 * "  PATH: message [rule_id]" with JSON names (the form the commands read and print events in). */
void kafka_cli_print_violations(const evs_violations *vs);

/* How many SIGINT / SIGTERM arrived (once kafka_cli_catch_stop() has run), and the last one's number. */
extern volatile sig_atomic_t kafka_cli_stop;
extern volatile sig_atomic_t kafka_cli_signal;
/* Turns SIGINT and SIGTERM into kafka_cli_stop, so that a command can stop reading, finish its clients and
 * say what happened. A blocked read returns (no SA_RESTART). second_exits: a second signal ends the
 * process at once (_exit(128 + signal)); otherwise the command watches kafka_cli_stop > 1 itself (evs
 * produce, which must still spool). */
void kafka_cli_catch_stop(bool second_exits);
/* The exit status after a run: 128 + the signal when one stopped it (130 SIGINT, 143 SIGTERM), else rc. */
int kafka_cli_exit_status(int rc);

#endif
