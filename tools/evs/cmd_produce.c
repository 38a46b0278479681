/* evs produce: JSON lines of events (CloudEvents structured JSON, or bare payloads with --type) validated,
 * encoded and produced to Kafka; --replay re-sends a spool file. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "evs/cloudevents.h"
#include "evs/json.h"
#include "evs/kafka.h"
#include "evs/timeutil.h"
#include "kafka_cli.h"

#define MAX_TAGS 64
#define DEFAULT_SPOOL "evs-produce.spool"

typedef struct producer_cli {
  const cli_cmd *self;
  const evs_registry *reg;
  evs_producer *p;
  char *type;        /* --type: lines are bare payloads of this event type (optarg) */
  const char *topic; /* --topic */
  const char *input_name;
  bool strict;
  evs_buf ce_store, tag_store; /* strings of the current line's event and of its tags */
  uint64_t read, rejected, errors_seen;
  char last_warning[200];
} producer_cli;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The payload of a data_base64 event: its bytes unpacked as m; NULL with why when they are no valid m. */
/* data_base64 is untrusted binary: the guard checks size, structure, depth and string fields (UTF-8, NUL)
 * before protobuf-c unpacks it, as for any record the consumer reads. */
static evs_status unpack_base64(const evs_message *m, const uint8_t *bytes, size_t len,
                                ProtobufCMessage **msg, char *why, size_t why_n) {
  evs_error err;
  evs_status st = evs_binary_unpack(m->c_desc, bytes, len, NULL, NULL, msg, &err);
  if (st != EVS_OK) {
    char text[400];
    evs_error_format(&err, text, sizeof text);
    snprintf(why, why_n, "data_base64 is not a valid %s: %s", m->full_name, text);
  }
  return st;
}

static bool is_json_null(const evs_ce_event *ce) {
  return ce->data_kind == EVS_CE_DATA_JSON && ce->data_len == 4 && memcmp(ce->data, "null", 4) == 0;
}

/* Why a line was rejected: printed with its line number; EVS_OK when sent. Kafka-side failures (the
 * producer refused the event) come back as their status with *fatal set. */
static evs_status produce_line(producer_cli *c, char *line, size_t len, char *why, size_t why_n,
                               bool *fatal) {
  evs_ce_event ce;
  memset(&ce, 0, sizeof ce);
  evs_error err;
  evs_error_clear(&err);
  if (c->type) {
    ce.type = c->type;
    ce.data_kind = EVS_CE_DATA_JSON;
    ce.data = line;
    ce.data_len = len;
  } else if (evs_ce_parse_json(line, len, EVS_CE_PARTIAL, &ce, &c->ce_store, &err) != EVS_OK) {
    /* id, source and time may be missing: the producer fills them in (a UUIDv7, --source, now). */
    snprintf(why, why_n, "%s (byte %zu)", err.msg, err.offset + 1);
    return err.code;
  }
  if (!ce.type) {
    snprintf(why, why_n, "no \"type\" attribute (or pass --type for bare payloads)");
    return EVS_ERR_VALIDATION;
  }
  const evs_event_type *et = ce.schema_version
                                 ? evs_registry_find_event_type_version(c->reg, ce.type, ce.schema_version)
                                 : evs_registry_require_event_type(c->reg, ce.type, &err);
  if (!et) {
    if (ce.schema_version) {
      snprintf(why, why_n, "unknown event type '%.100s' version '%.20s'", ce.type, ce.schema_version);
    } else {
      snprintf(why, why_n, "%s", err.msg);
    }
    return EVS_ERR_NOT_FOUND;
  }
  const evs_message *m = et->message;
  if (!m->c_desc) {
    snprintf(why, why_n, "%s has no protobuf-c descriptor",
             m->full_name); /* defensive: never for a loaded type */
    return EVS_ERR_UNSUPPORTED;
  }
  if (ce.dataschema && (strncmp(ce.dataschema, EVS_KAFKA_DATASCHEMA_PREFIX, 4) != 0 ||
                        strcmp(ce.dataschema + 4, m->full_name) != 0)) {
    snprintf(why, why_n, "dataschema '%.100s' is not evs:%s, the schema of type %s", ce.dataschema,
             m->full_name, ce.type);
    return EVS_ERR_VALIDATION;
  }
  int64_t time_ms = 0;
  if (ce.time && evs_ce_parse_time(ce.time, strlen(ce.time), &time_ms, &err) != EVS_OK) {
    snprintf(why, why_n, "time: %s", err.msg);
    return err.code;
  }
  evs_tag tags[MAX_TAGS];
  size_t n_tags = 0;
  if (ce.tags &&
      evs_ce_tags_decode(ce.tags, strlen(ce.tags), tags, MAX_TAGS, &n_tags, &c->tag_store, &err) != EVS_OK) {
    snprintf(why, why_n, "tags: %s (expected k=v&k=v, percent-encoded, at most %d)", err.msg, MAX_TAGS);
    return err.code;
  }
  ProtobufCMessage *msg = NULL;
  if (ce.data_kind == EVS_CE_DATA_JSON && !is_json_null(&ce)) {
    if (evs_json_decode(c->reg, m->c_desc, ce.data, ce.data_len, NULL, NULL, &msg, &err) != EVS_OK) {
      char text[512];
      evs_error_format(&err, text, sizeof text);
      snprintf(why, why_n, "data: %s", text);
      return err.code;
    }
  } else if (ce.data_kind == EVS_CE_DATA_BINARY) {
    evs_status st = unpack_base64(m, ce.data, ce.data_len, &msg, why, why_n);
    if (st != EVS_OK) return st;
  } else {
    snprintf(why, why_n, "no \"data\"");
    return EVS_ERR_VALIDATION;
  }
  evs_event_attrs a = {.id = ce.id,
                       .source = ce.source,
                       .type = ce.type,
                       .time_ms = time_ms,
                       .subject = ce.subject,
                       .correlation_id = ce.correlation_id,
                       .causation_id = ce.causation_id,
                       .tags = tags,
                       .n_tags = n_tags,
                       .topic = c->topic};
  evs_status st = evs_producer_send(c->p, &a, msg, &err);
  protobuf_c_message_free_unpacked(msg, NULL);
  if (st != EVS_OK) {
    snprintf(why, why_n, "%s", err.msg);
    *fatal = st != EVS_ERR_INVALID_ARG;
  }
  return st;
}

static void progress(producer_cli *c, bool final) {
  evs_producer_stats st;
  evs_producer_stats_get(c->p, &st);
  fprintf(stderr, "\r%llu read, %llu sent, %llu delivered, %llu failed, %llu rejected%s",
          (unsigned long long)c->read, (unsigned long long)st.sent, (unsigned long long)st.delivered,
          (unsigned long long)st.failed, (unsigned long long)c->rejected, final ? "\n" : "");
}

/* Prints librdkafka's client errors (brokers unreachable, ...) as warnings, once each time they change. */
static void warn_errors(producer_cli *c, bool *shown) {
  evs_producer_stats st;
  evs_producer_stats_get(c->p, &st);
  if (st.errors == c->errors_seen) return;
  c->errors_seen = st.errors;
  if (strcmp(st.last_error, c->last_warning) == 0) return;
  snprintf(c->last_warning, sizeof c->last_warning, "%s", st.last_error);
  if (*shown) {
    fputc('\n', stderr);
    *shown = false;
  }
  fprintf(stderr, "evs produce: warning: %s\n", st.last_error);
}

/* What happened to the undelivered events: only those whose record reached the spool file are said to be
 * in it. True when any event was not delivered. */
static bool spool_summary(const evs_producer_stats *st, uint64_t undelivered, const char *spool) {
  if (st->spool_tail_cut)
    fprintf(stderr,
            "evs produce: warning: %s ended in a cut-off record (a crash while writing?): removed its %llu "
            "bytes before appending\n",
            spool, (unsigned long long)st->spool_tail_cut);
  if (st->spooled) {
    fprintf(stderr, "evs produce: %llu undelivered events are in %s; re-send them with --replay %s\n",
            (unsigned long long)st->spooled, spool, spool);
    if (st->spool_sync_failed)
      fprintf(stderr, "evs produce: error: %s: they may not survive a crash\n", st->spool_error);
  }
  if (st->spool_errors)
    fprintf(stderr, "evs produce: error: %llu undelivered events were NOT spooled (ce_id %s .. %s): %s\n",
            (unsigned long long)st->spool_errors, *st->spool_error_first_id ? st->spool_error_first_id : "?",
            *st->spool_error_last_id ? st->spool_error_last_id : "?", st->spool_error);
  uint64_t accounted = st->spooled + st->spool_errors;
  if (undelivered > accounted)
    fprintf(stderr,
            "evs produce: error: %llu undelivered events got no delivery report and were not spooled\n",
            (unsigned long long)(undelivered - accounted));
  return undelivered > 0 || st->spool_sync_failed;
}

static int run_lines(producer_cli *c, FILE *in, int timeout_s, const char *spool) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  uint64_t lineno = 0;
  int rc = CLI_EXIT_OK;
  bool tty = isatty(STDERR_FILENO) != 0, shown = false;
  double t0 = now_s(), last = t0;
  while ((n = getline(&line, &cap, in)) > 0) {
    lineno++;
    size_t len = (size_t)n;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i == len) continue;
    c->read++;
    char why[768];
    bool fatal = false;
    evs_status st = produce_line(c, line, len, why, sizeof why, &fatal);
    if (st != EVS_OK) {
      if (shown) {
        fputc('\n', stderr);
        shown = false;
      }
      fprintf(stderr, "evs produce: %s:%llu: %s [%s]\n", c->input_name, (unsigned long long)lineno, why,
              evs_status_name(st));
      if (fatal) {
        rc = CLI_EXIT_FAIL;
        break;
      }
      c->rejected++;
      if (c->strict) {
        rc = CLI_EXIT_FAIL;
        break;
      }
    }
    warn_errors(c, &shown);
    if (tty && (c->read & 1023) == 0 && now_s() - last > 0.5) {
      last = now_s();
      progress(c, false);
      shown = true;
    }
  }
  free(line);
  if (ferror(in)) rc = cli_failf(c->self, "reading %s failed", c->input_name);
  evs_error err;
  /* Flush in steps so that client errors show up while waiting. */
  evs_status fst = EVS_ERR_TIMEOUT;
  for (int waited = 0; fst == EVS_ERR_TIMEOUT && waited < timeout_s * 1000; waited += 500) {
    fst = evs_producer_flush(c->p, 500, &err);
    warn_errors(c, &shown);
  }
  if (fst != EVS_OK) fprintf(stderr, "evs produce: %s; spooling the rest\n", err.msg);
  if (shown) progress(c, true);
  evs_producer_stats st;
  uint64_t undelivered = evs_producer_close_stats(c->p, 1000, &st);
  c->p = NULL;
  double secs = now_s() - t0;
  fprintf(stderr,
          "evs produce: read %llu, sent %llu, delivered %llu, failed %llu, rejected %llu in %.2f s (%.0f "
          "events/s)\n",
          (unsigned long long)c->read, (unsigned long long)st.sent,
          (unsigned long long)(st.sent - undelivered), (unsigned long long)undelivered,
          (unsigned long long)c->rejected, secs, secs > 0 ? (double)(st.sent - undelivered) / secs : 0.0);
  if (spool_summary(&st, undelivered, spool)) rc = CLI_EXIT_FAIL;
  if (c->rejected) rc = CLI_EXIT_FAIL;
  return rc;
}

static void report_damage(const evs_spool_damage *d, void *ctx) {
  fprintf(stderr, "evs produce: %s: damaged at byte %llu (%llu bytes): %s [%s]\n", (const char *)ctx,
          (unsigned long long)d->offset, (unsigned long long)d->length, d->why, evs_status_name(d->code));
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"brokers", required_argument, NULL, 'b'}, {"input", required_argument, NULL, 'i'},
      {"type", required_argument, NULL, 't'},    {"topic", required_argument, NULL, 'T'},
      {"source", required_argument, NULL, 's'},  {"spool", required_argument, NULL, 'S'},
      {"strict", no_argument, NULL, 'x'},        {"timeout", required_argument, NULL, 'w'},
      {"replay", required_argument, NULL, 'r'},  {NULL, 0, NULL, 0},
  };
  kafka_cli_opts k = {0};
  const char *input = NULL, *source = NULL, *spool = DEFAULT_SPOOL, *replay = NULL;
  producer_cli c = {.self = self};
  unsigned long long timeout_s = 60;
  optind = 1;
  opterr = 0;
  for (int ch; (ch = getopt_long(argc, argv, ":X:", opts, NULL)) != -1;) {
    switch (ch) {
      case 'b':
        k.brokers = optarg;
        break;
      case 'i':
        input = optarg;
        break;
      case 't':
        c.type = optarg;
        break;
      case 'T':
        c.topic = optarg;
        break;
      case 's':
        source = optarg;
        break;
      case 'S':
        spool = optarg;
        break;
      case 'x':
        c.strict = true;
        break;
      case 'r':
        replay = optarg;
        break;
      case 'w':
        if (cli_parse_count(optarg, 86400, &timeout_s) != 0)
          return cli_usage_error(self, "--timeout takes seconds, not '%s'", optarg);
        break;
      case 'X':
        if (kafka_cli_add_prop(self, &k, optarg)) return CLI_EXIT_USAGE;
        break;
      default:
        return cli_option_error(self, ch, argv);
    }
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  if (kafka_cli_need_brokers(self, &k)) return CLI_EXIT_USAGE;
  if (replay && (input || c.type))
    return cli_usage_error(self, "--replay reads a spool file, not JSON lines");

  evs_registry *reg = cli_open_registry(self, NULL, 0);
  if (!reg) return CLI_EXIT_FAIL;
  c.reg = reg;
  evs_error err;
  evs_error_clear(&err);
  if (c.type && !evs_registry_require_event_type(reg, c.type, &err)) {
    evs_registry_free(reg);
    return cli_fail(self, &err);
  }
  evs_producer_options po = {.kafka = {k.brokers, k.props, k.n_props},
                             .registry = reg,
                             .source = source,
                             .spool_path = replay ? NULL : spool};
  if (evs_producer_new(&po, &c.p, &err) != EVS_OK) {
    evs_registry_free(reg);
    return cli_fail(self, &err);
  }
  int rc;
  if (replay) {
    evs_spool_replay_stats rs;
    evs_status st = evs_spool_replay_ex(c.p, replay, (int)timeout_s * 1000, report_damage,
                                        (void *)(uintptr_t)replay, &rs, &err);
    evs_producer_close(c.p, 1000);
    fprintf(stderr, "evs produce: replayed %llu, delivered %llu, failed %llu%s\n",
            (unsigned long long)rs.read, (unsigned long long)rs.delivered, (unsigned long long)rs.failed,
            rs.failed ? " (still in the spool file)" : "");
    if (rs.damaged)
      fprintf(stderr, "evs produce: error: %llu damaged regions (%llu bytes) skipped, moved to %s.damaged\n",
              (unsigned long long)rs.damaged, (unsigned long long)rs.damaged_bytes, replay);
    rc = st != EVS_OK ? cli_fail(self, &err) : rs.failed || rs.damaged ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  } else {
    FILE *in = input ? fopen(input, "r") : stdin;
    if (!in) {
      evs_producer_close(c.p, 0);
      evs_registry_free(reg);
      return cli_failf(self, "cannot open %s", input);
    }
    c.input_name = input ? input : "stdin";
    rc = run_lines(&c, in, (int)timeout_s, spool);
    if (input) fclose(in);
  }
  evs_buf_free(&c.ce_store);
  evs_buf_free(&c.tag_store);
  evs_registry_free(reg);
  return rc;
}

const cli_cmd cli_cmd_produce = {
    "produce",
    "produce JSON lines of events to Kafka (or re-send a spool file)",
    "usage: evs produce [--brokers HOST:PORT,...] [-X key=value]... [--input FILE] [--type TYPE]\n"
    "                   [--topic TOPIC] [--source URI] [--spool FILE] [--strict] [--timeout S]\n"
    "       evs produce --replay SPOOL [--brokers ...] [-X key=value]... [--timeout S]\n"
    "\n"
    "Reads one event per line: a CloudEvents structured-mode JSON object (specversion, id, source,\n"
    "type, time, subject, schemaversion, correlationid, causationid, tags, and the payload in canonical\n"
    "protobuf JSON as data, or its binary form as data_base64), or with --type a bare payload. Each\n"
    "event is validated against its catalog type and produced in binary content mode: the protobuf\n"
    "payload as the value, ce_* headers, topic and key from the type's event options. A missing id is a\n"
    "new UUIDv7, a missing time is now.\n"
    "\n"
    "Invalid lines are reported with their line number and reason and counted; they do not stop the\n"
    "others unless --strict. Events that cannot be delivered (message timeout, broker errors) are\n"
    "appended to the spool file (locked, so producers may share one; a record cut off by a crash at its\n"
    "end is removed first); events that cannot be spooled are reported by count and ce_id range.\n"
    "--replay SPOOL re-sends every intact record and keeps only those that fail again; damaged records\n"
    "are reported with their byte offset and moved to SPOOL.damaged.\n"
    "At the end a summary (read, sent, delivered, failed, rejected, events/s) goes to stderr; on a\n"
    "terminal a progress line is shown while reading.\n"
    "\n"
    "options:\n"
    "  --brokers LIST           bootstrap servers (default: $EVS_BROKERS)\n"
    "  -X key=value             any librdkafka property (TLS, SASL, linger.ms, ...); secrets are never\n"
    "                           printed\n"
    "  --input FILE             read this file instead of stdin\n"
    "  --type TYPE              lines are bare payloads (the data) of this event type\n"
    "  --topic TOPIC            produce to TOPIC instead of the type's topic\n"
    "  --source URI             ce_source of events that give none (default /evs)\n"
    "  --spool FILE             where undeliverable events go (default evs-produce.spool)\n"
    "  --strict                 stop at the first invalid line\n"
    "  --timeout S              wait at most S seconds for delivery at the end (default 60)\n"
    "  --replay SPOOL           re-send the events of a spool file instead of reading JSON\n"
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 every event delivered, 1 an invalid line, an undelivered event or a damaged spool\n"
    "record, 2 usage error.\n",
    run,
};
