/* evs broker: an embedded Kafka cluster (librdkafka's mock cluster) on loopback for demos and tests. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evs/kafka.h"
#include "kafka_cli.h"
#include "tcp_forward.h"

#define MAX_TOPICS 256
#define DEFAULT_PARTITIONS 6

typedef struct topic_req {
  const char *name;
  int partitions;
} topic_req;

/* "NAME" or "NAME:PARTITIONS" (1..10000); the name is cut at the colon in place. No count: -1. */
static int parse_topic(char *arg, topic_req *t) {
  char *colon = strrchr(arg, ':');
  t->name = arg;
  t->partitions = -1;
  if (colon) {
    unsigned long long n;
    if (cli_parse_count(colon + 1, 10000, &n) != 0 || n == 0) return -1;
    *colon = '\0';
    t->partitions = (int)n;
  }
  return *t->name ? 0 : -1;
}

static int add_unique(topic_req *ts, int *n, const char *name, int partitions) {
  for (int i = 0; i < *n; i++) {
    if (strcmp(ts[i].name, name) == 0) return 0;
  }
  if (*n == MAX_TOPICS) return -1;
  ts[(*n)++] = (topic_req){name, partitions};
  return 0;
}

/* Writes the bootstrap string to path via a temporary file and rename, so a reader never sees half. */
static int write_port_file(const char *path, const char *bootstraps) {
  size_t n = strlen(path) + 8;
  char *tmp = malloc(n);
  if (!tmp) return -1;
  snprintf(tmp, n, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  int rc = -1;
  if (f) {
    int ok = fprintf(f, "%s\n", bootstraps) > 0;
    if (fclose(f) == 0 && ok && rename(tmp, path) == 0) rc = 0;
  }
  if (rc != 0) remove(tmp);
  free(tmp);
  return rc;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"brokers", required_argument, NULL, 'b'},
      {"topic", required_argument, NULL, 't'},
      {"partitions", required_argument, NULL, 'p'},
      {"port-file", required_argument, NULL, 'f'},
      {"no-default-topics", no_argument, NULL, 'n'},
      {"port", required_argument, NULL, 'P'},
      {NULL, 0, NULL, 0},
  };
  unsigned long long brokers = 3, partitions = DEFAULT_PARTITIONS;
  const char *port_file = NULL;
  unsigned long long port = 0;
  topic_req topics[MAX_TOPICS];
  int n_topics = 0, no_defaults = 0;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":", opts, NULL)) != -1;) {
    switch (c) {
      case 'b':
        if (cli_parse_count(optarg, 16, &brokers) != 0 || brokers == 0)
          return cli_usage_error(self, "--brokers takes a broker count 1..16, not '%s'", optarg);
        break;
      case 'p':
        if (cli_parse_count(optarg, 10000, &partitions) != 0 || partitions == 0)
          return cli_usage_error(self, "--partitions takes 1..10000, not '%s'", optarg);
        break;
      case 't':
        if (n_topics == MAX_TOPICS) return cli_usage_error(self, "at most %d --topic options", MAX_TOPICS);
        if (parse_topic(optarg, &topics[n_topics]) != 0)
          return cli_usage_error(self, "--topic takes NAME or NAME:PARTITIONS (1..10000), not '%s'", optarg);
        n_topics++;
        break;
      case 'f':
        port_file = optarg;
        break;
      case 'n':
        no_defaults = 1;
        break;
      case 'P':
        if (cli_parse_count(optarg, 65535, &port) != 0 || port == 0)
          return cli_usage_error(self, "--port takes a TCP port 1..65535, not '%s'", optarg);
        break;
      default:
        return cli_option_error(self, c, argv);
    }
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  for (int i = 0; i < n_topics; i++) {
    if (topics[i].partitions < 0) topics[i].partitions = (int)partitions;
  }

  evs_error err;
  evs_error_clear(&err);
  const evs_registry *reg = NULL;
  if (!n_topics && !no_defaults) {
    reg = evs_registry_builtin(&err);
    if (!reg) return cli_fail(self, &err);
    size_t n = 0;
    const evs_event_type *types = evs_registry_event_types(reg, &n);
    for (size_t i = 0; i < n; i++) {
      const evs_event_options *ev = types[i].message->event;
      if (ev && ev->topic && add_unique(topics, &n_topics, ev->topic, (int)partitions) != 0)
        return cli_failf(self, "more than %d catalog topics", MAX_TOPICS);
    }
  }
  evs_mock_broker *b = NULL;
  if (evs_mock_broker_new((int)brokers, &b, &err) != EVS_OK) return cli_fail(self, &err);
  /* Each topic gets its dead-letter topic too, so consumers find it without auto-creation. */
  int rc = CLI_EXIT_OK;
  char dlq[512];
  for (int i = 0; i < n_topics && rc == CLI_EXIT_OK; i++) {
    snprintf(dlq, sizeof dlq, "%s.dlq", topics[i].name);
    if (evs_mock_broker_create_topic(b, topics[i].name, topics[i].partitions, &err) != EVS_OK ||
        (!strstr(topics[i].name, ".dlq") && evs_mock_broker_create_topic(b, dlq, 1, &err) != EVS_OK))
      rc = cli_fail(self, &err);
  }
  const char *boot = evs_mock_broker_bootstraps(b);
  /* --port: a fixed bootstrap address relayed to the first broker; clients then reach every broker at the
   * address the cluster's metadata gives (its own ports). */
  char fixed[64], first[128], why[256];
  tcp_forward *fwd = NULL;
  if (rc == CLI_EXIT_OK && port) {
    snprintf(first, sizeof first, "%.*s", (int)strcspn(boot, ","), boot);
    if (tcp_forward_start((int)port, first, &fwd, why, sizeof why) != 0) {
      rc = cli_failf(self, "%s", why);
    } else {
      snprintf(fixed, sizeof fixed, "127.0.0.1:%llu", port);
      boot = fixed;
    }
  }
  if (rc == CLI_EXIT_OK && port_file && write_port_file(port_file, boot) != 0)
    rc = cli_failf(self, "cannot write port file %s: %s", port_file, strerror(errno));
  if (rc == CLI_EXIT_OK) {
    printf("%s\n", boot);
    fflush(stdout);
    fprintf(stderr, "evs broker: %d broker(s) on %s, %d topic(s); stop with Ctrl-C\n", (int)brokers, boot,
            n_topics);
    kafka_cli_catch_stop(true);
    while (!kafka_cli_stop) {
      struct timespec ts = {0, 100 * 1000000L};
      nanosleep(&ts, NULL);
    }
    fprintf(stderr, "evs broker: stopping\n");
  }
  if (port_file && rc == CLI_EXIT_OK) remove(port_file);
  tcp_forward_stop(fwd);
  evs_mock_broker_free(b);
  return rc;
}

const cli_cmd cli_cmd_broker = {
    "broker",
    "run an embedded Kafka cluster on loopback for demos and tests",
    "usage: evs broker [--brokers N] [--topic NAME[:PARTITIONS]]... [--partitions N]\n"
    "                  [--port N] [--port-file FILE] [--no-default-topics]\n"
    "\n"
    "Starts librdkafka's mock Kafka cluster in this process, listening on 127.0.0.1 only, prints its\n"
    "bootstrap address (host:port,...) on stdout and serves until SIGINT or SIGTERM. Point clients at\n"
    "it with --brokers ADDRESS or EVS_BROKERS=ADDRESS. Data lives in memory and is gone on exit.\n"
    "Without --topic it creates every topic the catalog names (evs list); each topic also gets its\n"
    "dead-letter topic NAME.dlq (1 partition). Other topics are created on first use (4 partitions).\n"
    "The brokers' ports are chosen by the system (librdkafka's mock cluster cannot be told one);\n"
    "--port N gives a fixed bootstrap address, 127.0.0.1:N, relayed to the first broker: clients\n"
    "bootstrap there and then reach each broker at the address the cluster's metadata gives.\n"
    "Scripts can also read the address from stdout or --port-file.\n"
    "\n"
    "options:\n"
    "  --brokers N              number of brokers, 1..16 (default 3)\n"
    "  --topic NAME[:PARTS]     create this topic (repeatable); replaces the catalog's topics\n"
    "  --partitions N           partitions of topics given without a count (default 6)\n"
    "  --port N                 a fixed bootstrap address 127.0.0.1:N (exit 1 when N is in use)\n"
    "  --port-file FILE         also write the bootstrap address to FILE (removed on exit)\n"
    "  --no-default-topics      create no topics unless --topic is given\n"
    "  -h, --help               show this help\n",
    run,
};
