/* evs consume: read events from Kafka and print each as one CloudEvents structured JSON object per line. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evs/cloudevents.h"
#include "evs/json.h"
#include "evs/kafka.h"
#include "evs/uuid.h"
#include "kafka_cli.h"

typedef struct printer {
  FILE *out;
  const evs_registry *reg;
  evs_json_options opts;
  evs_buf json;
  uint64_t base64_fallbacks;
} printer;

/* One event as CloudEvents structured JSON: the attributes, the evs extensions and the payload as its
 * canonical JSON in `data` (datacontenttype omitted: JSON is the default), or as data_base64 with
 * datacontenttype when it has no JSON form. */
static evs_status print_event(const evs_record *r, void *ctx, evs_error *err) {
  printer *pr = ctx;
  FILE *out = pr->out;
  evs_buf_reset(&pr->json);
  bool as_json = r->msg && evs_json_encode(pr->reg, r->msg, &pr->opts, &pr->json, err) == EVS_OK;
  if (!as_json) pr->base64_fallbacks++;
  evs_ce_event ev = {
      .specversion = r->specversion ? r->specversion : "1.0",
      .id = r->id,
      .source = r->source,
      .type = r->type,
      .time = r->time,
      .subject = r->subject,
      .dataschema = r->dataschema,
      .content_type = as_json ? NULL : r->content_type,
      .schema_version = r->schema_version,
      .correlation_id = r->correlation_id,
      .causation_id = r->causation_id,
      .tags = r->tags,
  };
  if (as_json) {
    ev.data_kind = EVS_CE_DATA_JSON;
    ev.data = pr->json.data;
    ev.data_len = pr->json.len;
  } else if (r->value) {
    ev.data_kind = EVS_CE_DATA_BINARY;
    ev.data = r->value;
    ev.data_len = r->value_len;
  }
  evs_status st = evs_ce_write_json(out, &ev, err);
  if (st != EVS_OK && st != EVS_ERR_IO) return st;
  fputc('\n', out);
  /* At-least-once: the offset is stored when this returns OK, so the line must have reached the output.
   * A failed write is this process's failure (EVS_ERR_IO): the consumer stops without dead-lettering the
   * event or storing its offset, and it is read again next time. */
  errno = 0;
  if (fflush(out) != 0 || ferror(out)) {
    evs_error_clear(err);
    err->code = EVS_ERR_IO;
    snprintf(err->msg, sizeof err->msg, "writing to stdout failed: %s",
             errno ? strerror(errno) : "write error");
    return EVS_ERR_IO;
  }
  evs_error_clear(err);
  return EVS_OK;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"topic", required_argument, NULL, 't'},
      {"group", required_argument, NULL, 'g'},
      {"from-beginning", no_argument, NULL, 'B'},
      {"count", required_argument, NULL, 'c'},
      {"timeout", required_argument, NULL, 'T'},
      {"brokers", required_argument, NULL, 'b'},
      {"dlq", required_argument, NULL, 'D'},
      {"no-dlq", no_argument, NULL, 'N'},
      {"proto-names", no_argument, NULL, 'P'},
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  cli_schema schema = {0};
  const char *topics[16];
  size_t n_topics = 0;
  kafka_cli_opts k = {0};
  const char *group = NULL, *dlq = NULL;
  unsigned long long count = 0, timeout_s = 0;
  bool from_beginning = false, have_count = false, proto_names = false;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":X:" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    int taken = cli_schema_option(self, &schema, c, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) continue;
    switch (c) {
      case 't':
        if (n_topics == 16) return cli_usage_error(self, "at most 16 --topic options");
        topics[n_topics++] = optarg;
        break;
      case 'g':
        group = optarg;
        break;
      case 'B':
        from_beginning = true;
        break;
      case 'c':
        if (cli_parse_count(optarg, UINT64_MAX, &count) != 0)
          return cli_usage_error(self, "--count takes a number, not '%s'", optarg);
        have_count = true;
        break;
      case 'T':
        if (cli_parse_count(optarg, 86400 * 365, &timeout_s) != 0)
          return cli_usage_error(self, "--timeout takes seconds, not '%s'", optarg);
        break;
      case 'b':
        k.brokers = optarg;
        break;
      case 'D':
        dlq = optarg;
        break;
      case 'N':
        dlq = "";
        break;
      case 'P':
        proto_names = true;
        break;
      case 'X':
        if (kafka_cli_add_prop(self, &k, optarg)) return CLI_EXIT_USAGE;
        break;
      default:
        return cli_option_error(self, c, argv);
    }
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  if (!n_topics) return cli_usage_error(self, "--topic is required");
  if (cli_schema_check(self, &schema)) return CLI_EXIT_USAGE;
  if (kafka_cli_need_brokers(self, &k)) return CLI_EXIT_USAGE;
  if (have_count && count == 0) return CLI_EXIT_OK;

  /* A fresh group by default: each run reads on its own instead of taking over another run's offsets. */
  char group_buf[64];
  if (!group) {
    evs_uuid u;
    char text[EVS_UUID_STR_SIZE];
    if (evs_uuid7_new(&u, NULL) != EVS_OK) return cli_failf(self, "cannot make a group id");
    snprintf(group_buf, sizeof group_buf, "evs-consume-%s", evs_uuid_format(&u, text));
    group = group_buf;
  }
  evs_registry *reg = cli_open_registry(self, &schema);
  if (!reg) return CLI_EXIT_FAIL;
  printer pr = {stdout, reg, {.flags = proto_names ? EVS_JSON_PROTO_NAMES : 0}, EVS_BUF_INIT, 0};
  evs_consumer_options co = {
      .kafka = {k.brokers, k.props, k.n_props},
      .registry = reg,
      .group_id = group,
      .topics = topics,
      .n_topics = n_topics,
      .from_beginning = from_beginning,
      .dlq_topic = dlq,
  };
  evs_error err;
  evs_error_clear(&err);
  evs_consumer *c = NULL;
  if (evs_consumer_new(&co, &c, &err) != EVS_OK) {
    evs_registry_free(reg);
    return cli_fail(self, &err);
  }
  if (evs_consumer_on(c, "*", print_event, &pr, &err) != EVS_OK) {
    evs_consumer_close(c);
    evs_registry_free(reg);
    return cli_fail(self, &err);
  }
  kafka_cli_catch_stop(true);

  int rc = CLI_EXIT_OK;
  uint64_t seen = 0;
  struct timespec last;
  clock_gettime(CLOCK_MONOTONIC, &last);
  uint64_t errors_seen = 0;
  while (!kafka_cli_stop && (!have_count || seen < count)) {
    int got = 0;
    if (evs_consumer_poll(c, 200, &got, &err) != EVS_OK) {
      rc = cli_fail(self, &err);
      break;
    }
    evs_consumer_stats now_st;
    evs_consumer_stats_get(c, &now_st);
    if (now_st.errors > errors_seen) {
      /* librdkafka keeps retrying; say why nothing arrives (an unknown topic, brokers down). */
      fprintf(stderr, "evs consume: warning: %s\n", now_st.last_error);
      errors_seen = now_st.errors;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (got) {
      seen++;
      last = now;
    } else if (timeout_s && (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >=
                                (long long)timeout_s * 1000) {
      if (have_count)
        rc = cli_failf(self, "timed out after %llus with %llu of %llu events", timeout_s,
                       (unsigned long long)seen, count);
      break;
    }
  }
  if (rc == CLI_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout)))
    rc = cli_failf(self, "writing to stdout failed");
  evs_consumer_stats st;
  evs_consumer_stats_get(c, &st);
  evs_consumer_close(c);
  evs_buf_free(&pr.json);
  evs_registry_free(reg);
  if (pr.base64_fallbacks)
    fprintf(stderr, "evs consume: %llu events printed as data_base64 (no JSON form)\n",
            (unsigned long long)pr.base64_fallbacks);
  if (st.dead_lettered || st.duplicates || kafka_cli_signal)
    fprintf(stderr, "evs consume: %llu read, %llu printed, %llu dead-lettered, %llu duplicates skipped%s\n",
            (unsigned long long)st.received, (unsigned long long)st.handled,
            (unsigned long long)st.dead_lettered, (unsigned long long)st.duplicates,
            kafka_cli_signal ? " (stopped by a signal; the offsets of printed events are committed)" : "");
  return kafka_cli_exit_status(rc);
}

const cli_cmd cli_cmd_consume = {
    "consume",
    "read events from Kafka and print them as CloudEvents JSON lines",
    "usage: evs consume --topic TOPIC... [--group G] [--from-beginning] [--count N] [--timeout S]\n"
    "                   [--brokers HOST:PORT,...] [-X key=value]... [--dlq TOPIC | --no-dlq]\n"
    "                   [--proto-names] [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]...\n"
    "                   [--no-builtin]\n"
    "\n"
    "Subscribes to the topics and prints one CloudEvents structured-mode JSON object per event and line:\n"
    "the ce_* attributes, the evs extensions (schemaversion, correlationid, causationid, tags) and the\n"
    "payload in canonical protobuf JSON as data (its type from the builtin catalog or the given schemas,\n"
    "by ce_type and schemaversion). Offsets are committed only after an event is printed\n"
    "(at-least-once); a record that cannot be decoded goes to the dead-letter topic TOPIC.dlq and is\n"
    "not printed. Events repeating the source and id of one printed before are skipped. Each line is\n"
    "flushed before its offset is stored: when the output cannot be written the command stops with\n"
    "exit 1 and that event is read again next time.\n"
    "\n"
    "SIGINT or SIGTERM stops reading, commits the offsets of the events printed and exits with 130 or\n"
    "143; a second signal exits at once (uncommitted events are read again next time).\n"
    "\n"
    "options:\n"
    "  --topic TOPIC            topic to read (repeatable; required)\n"
    "  --group G                consumer group (default: a new group per run)\n"
    "  --from-beginning         start at the oldest record when the group has no offsets\n"
    "  --count N                stop after N events\n"
    "  --timeout S              stop when no event arrived for S seconds (with --count: exit 1 if\n"
    "                           fewer than N arrived)\n"
    "  --brokers LIST           bootstrap servers (default: $EVS_BROKERS)\n"
    "  -X key=value             any librdkafka property (TLS, SASL, ...); secrets are never printed\n"
    "  --dlq TOPIC              dead-letter topic for every source topic (default: TOPIC.dlq)\n"
    "  --no-dlq                 no dead-letter topic: an undecodable record stops the command\n"
    "  --proto-names            data keys are proto field names instead of lowerCamel JSON "
    "names\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 done (--count events, or --timeout passed), 1 a failure (a broker or dead-letter\n"
    "error, output that cannot be written, fewer than --count events), 2 usage error, 130 / 143\n"
    "stopped by SIGINT / SIGTERM.\n",
    run,
};
