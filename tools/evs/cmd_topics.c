/* evs topics: the cluster's brokers, topics, partitions and leaders, as kcat -L (or JSON). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "evs/json.h"
#include "evs/kafka.h"
#include "kafka_cli.h"

static void print_ids(FILE *out, const int32_t *ids, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%d", i ? "," : "", (int)ids[i]);
}

static void print_text(FILE *out, const evs_kafka_metadata *md, const char *topic) {
  fprintf(out, "Metadata for %s (from broker %d: %s):\n", topic ? topic : "all topics",
          (int)md->orig_broker_id, md->orig_broker_name);
  fprintf(out, " %zu brokers:\n", md->n_brokers);
  for (size_t i = 0; i < md->n_brokers; i++)
    fprintf(out, "  broker %d at %s:%d\n", (int)md->brokers[i].id, md->brokers[i].host, md->brokers[i].port);
  fprintf(out, " %zu topics:\n", md->n_topics);
  for (size_t t = 0; t < md->n_topics; t++) {
    const evs_kafka_topic_info *ti = &md->topics[t];
    fprintf(out, "  topic \"%s\" with %zu partitions:", ti->name, ti->n_partitions);
    if (ti->error) fprintf(out, " error: %s", ti->error);
    fputc('\n', out);
    for (size_t p = 0; p < ti->n_partitions; p++) {
      const evs_kafka_partition_info *pi = &ti->partitions[p];
      fprintf(out, "    partition %d, leader %d, replicas: ", (int)pi->id, (int)pi->leader);
      print_ids(out, pi->replicas, pi->n_replicas);
      fputs(", isrs: ", out);
      print_ids(out, pi->isrs, pi->n_isrs);
      if (pi->error) fprintf(out, ", error: %s", pi->error);
      fputc('\n', out);
    }
  }
}

static void print_json(FILE *out, const evs_kafka_metadata *md) {
  fprintf(out, "{\"originBroker\":%d,\"brokers\":[", (int)md->orig_broker_id);
  for (size_t i = 0; i < md->n_brokers; i++) {
    fprintf(out, "%s{\"id\":%d,\"host\":", i ? "," : "", (int)md->brokers[i].id);
    evs_json_write_string(out, md->brokers[i].host);
    fprintf(out, ",\"port\":%d}", md->brokers[i].port);
  }
  fputs("],\"topics\":[", out);
  for (size_t t = 0; t < md->n_topics; t++) {
    const evs_kafka_topic_info *ti = &md->topics[t];
    fputs(t ? ",{\"name\":" : "{\"name\":", out);
    evs_json_write_string(out, ti->name);
    if (ti->error) {
      fputs(",\"error\":", out);
      evs_json_write_string(out, ti->error);
    }
    fputs(",\"partitions\":[", out);
    for (size_t p = 0; p < ti->n_partitions; p++) {
      const evs_kafka_partition_info *pi = &ti->partitions[p];
      fprintf(out, "%s{\"partition\":%d,\"leader\":%d,\"replicas\":[", p ? "," : "", (int)pi->id,
              (int)pi->leader);
      print_ids(out, pi->replicas, pi->n_replicas);
      fputs("],\"isrs\":[", out);
      print_ids(out, pi->isrs, pi->n_isrs);
      fputc(']', out);
      if (pi->error) {
        fputs(",\"error\":", out);
        evs_json_write_string(out, pi->error);
      }
      fputc('}', out);
    }
    fputs("]}", out);
  }
  fputs("]}\n", out);
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"brokers", required_argument, NULL, 'b'},
      {"topic", required_argument, NULL, 't'},
      {"json", no_argument, NULL, 'j'},
      {"timeout", required_argument, NULL, 'T'},
      {NULL, 0, NULL, 0},
  };
  kafka_cli_opts k = {0};
  const char *topic = NULL;
  bool json = false;
  unsigned long long timeout_s = 10;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":X:b:t:", opts, NULL)) != -1;) {
    int kafka = kafka_cli_option(self, &k, c, optarg);
    if (kafka < 0) return CLI_EXIT_USAGE;
    if (kafka) continue;
    switch (c) {
      case 't':
        topic = optarg;
        break;
      case 'j':
        json = true;
        break;
      case 'T':
        if (cli_parse_count(optarg, 3600, &timeout_s) != 0 || timeout_s == 0)
          return cli_usage_error(self, "--timeout takes seconds (1..3600), not '%s'", optarg);
        break;
      default:
        return cli_option_error(self, c, argv);
    }
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  if (kafka_cli_need_brokers(self, &k)) return CLI_EXIT_USAGE;
  evs_kafka_conf conf = {k.brokers, k.props, k.n_props};
  evs_kafka_metadata *md = NULL;
  evs_error err;
  evs_error_clear(&err);
  if (evs_kafka_metadata_get(&conf, topic, (int)timeout_s * 1000, &md, &err) != EVS_OK)
    return cli_fail(self, &err);
  if (json)
    print_json(stdout, md);
  else
    print_text(stdout, md, topic);
  evs_kafka_metadata_free(md);
  if (fflush(stdout) != 0 || ferror(stdout)) return cli_failf(self, "writing to stdout failed");
  return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_topics = {
    "topics",
    "list a Kafka cluster's brokers, topics, partitions and leaders (kcat -L)",
    "usage: evs topics [--topic TOPIC] [--json] [--timeout S] [--brokers HOST:PORT,...]\n"
    "                  [-X key=value]...\n"
    "\n"
    "Asks the cluster for its metadata and prints it as kcat -L does: the brokers (id, host, port), then\n"
    "each topic (sorted by name) with its partitions, their leader, replicas and in-sync replicas, and any\n"
    "error the broker reports. Looking creates nothing: every topic's metadata is asked for, never one\n"
    "topic by name (which lets a broker auto-create it).\n"
    "\n"
    "options:\n"
    "  -t, --topic TOPIC        only this topic (exit 1 when the cluster does not know it)\n"
    "  --json                   one JSON object: {\"originBroker\", \"brokers\": [{\"id\", \"host\",\n"
    "                           \"port\"}], \"topics\": [{\"name\", \"partitions\": [{\"partition\", "
    "\"leader\",\n"
    "                           \"replicas\", \"isrs\"}]}]} (\"error\" members when the broker reports one)\n"
    "  --timeout S              wait at most S seconds for an answer (default 10)\n"
    "  -b, --brokers LIST       bootstrap servers (default: $EVS_BROKERS)\n"
    "  -X key=value             any librdkafka property (TLS, SASL, ...); secrets are never printed\n"
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 listed, 1 no broker answered or the topic does not exist, 2 usage error.\n",
    run,
};
