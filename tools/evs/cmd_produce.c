/* evs produce: JSON lines of events (CloudEvents structured JSON, or bare payloads with --type) decoded,
 * validated by the producer (unless --no-validate), encoded and produced to Kafka; --replay re-sends a
 * spool file. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
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
#include "event_cli.h"
#include "kafka_cli.h"

#define MAX_TAGS 64
#define DEFAULT_SPOOL "evs-produce.spool"
/* Longest line: the largest event a CLI input takes (as evs encode). */
#define LINE_MAX_BYTES ((size_t)256 << 20)

typedef struct producer_cli {
  const cli_cmd *self;
  const evs_registry *reg;
  evs_producer *p;
  char *type;        /* --type: lines are bare payloads of this event type (optarg) */
  const char *topic; /* --topic */
  const char *input_name;
  const char *key;                 /* --key: every record's key */
  const evs_kafka_header *headers; /* -H */
  size_t n_headers;
  bool strict, no_validate;
  evs_violations viol;                           /* why the current line's event was refused */
  evs_buf ce_store, tag_store;                   /* strings of the current line's event and of its tags */
  uint64_t read, rejected, skipped, errors_seen; /* read = sent + rejected + skipped */
  char last_warning[200];
} producer_cli;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Why a line was rejected: printed with its line number; EVS_OK when sent. Kafka-side failures (the
 * producer refused the event) come back as their status with *fatal set. */
static evs_status produce_line(producer_cli *c, char *line, size_t len, char *why, size_t why_n,
                               bool *fatal) {
  evs_ce_event ce;
  evs_error err;
  evs_error_clear(&err);
  evs_violations_reset(&c->viol);
  const evs_message *m; /* the event type's message (the producer finds it again from msg) */
  ProtobufCMessage *msg = NULL;
  /* id, source and time may be missing: the producer fills them in (a UUIDv7, --source, now). */
  evs_status rst =
      cli_event_read(c->reg, line, len, EVS_CE_PARTIAL, c->type, &c->ce_store, &ce, &m, &msg, why, why_n);
  if (rst != EVS_OK) return rst;
  int64_t time_ms = 0;
  if (ce.time && evs_ce_parse_time(ce.time, strlen(ce.time), &time_ms, &err) != EVS_OK) {
    snprintf(why, why_n, "time: %s", err.msg);
    protobuf_c_message_free_unpacked(msg, NULL);
    return err.code;
  }
  evs_tag tags[MAX_TAGS];
  size_t n_tags = 0;
  if (ce.tags &&
      evs_ce_tags_decode(ce.tags, strlen(ce.tags), tags, MAX_TAGS, &n_tags, &c->tag_store, &err) != EVS_OK) {
    snprintf(why, why_n, "tags: %s (expected k=v&k=v, percent-encoded, at most %d)", err.msg, MAX_TAGS);
    protobuf_c_message_free_unpacked(msg, NULL);
    return err.code;
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
                       .topic = c->topic,
                       .key = c->key,
                       .key_len = c->key ? strlen(c->key) : 0,
                       .headers = c->headers,
                       .n_headers = c->n_headers,
                       .violations = &c->viol};
  evs_status st = evs_producer_send(c->p, &a, msg, &err);
  protobuf_c_message_free_unpacked(msg, NULL);
  if (st == EVS_ERR_VALIDATION && c->viol.n) {
    /* The violations themselves follow, one per line (read_lines). */
    snprintf(why, why_n, "invalid event: %zu violation%s%s", c->viol.n, c->viol.n == 1 ? "" : "s",
             c->viol.truncated ? " and more" : "");
  } else if (st != EVS_OK) {
    snprintf(why, why_n, "%s", err.msg);
  }
  /* One event's problem (a bad attribute, a broken rule, too large for the broker) rejects the line;
   * anything else (a fatal producer error, out of memory) ends the run. A full queue (TIMEOUT) is
   * retried. */
  if (st != EVS_OK)
    *fatal =
        st != EVS_ERR_INVALID_ARG && st != EVS_ERR_VALIDATION && st != EVS_ERR_LIMIT && st != EVS_ERR_TIMEOUT;
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

/* Longest stretch evs_producer_send() may wait for room in a full queue before the loop looks at the stop
 * flag again (it then retries the same event). */
#define QUEUE_WAIT_MS 500
/* After SIGINT / SIGTERM, how long delivery may still take before the rest is spooled. */
#define STOP_FLUSH_S 10

static void end_progress(bool *shown) {
  if (*shown) {
    fputc('\n', stderr);
    *shown = false;
  }
}

/* Reads and sends every line until the input ends, a fatal producer error, --strict or a signal. */
static int read_lines(producer_cli *c, FILE *in, bool *shown) {
  cli_lines lines = {.max = LINE_MAX_BYTES};
  int rc = CLI_EXIT_OK;
  bool tty = isatty(STDERR_FILENO) != 0;
  double last = now_s();
  while (!kafka_cli_stop) {
    size_t len = 0;
    int got = cli_lines_next(&lines, in, &len);
    if (got == CLI_LINE_EOF) break;
    if (got == CLI_LINE_IO) {
      /* a signal interrupts the read: that is a stop, not a read error */
      if (!kafka_cli_stop) rc = cli_failf(c->self, "reading %s failed: %s", c->input_name, strerror(errno));
      break;
    }
    char why[768];
    evs_status st;
    bool fatal = false;
    if (got == CLI_LINE_TOO_LONG) {
      st = EVS_ERR_LIMIT;
      snprintf(why, sizeof why, "line longer than %zu bytes (skipped without reading it into memory)",
               (size_t)LINE_MAX_BYTES);
    } else if (got == CLI_LINE_NOMEM) {
      st = EVS_ERR_NOMEM;
      snprintf(why, sizeof why, "out of memory reading the line");
    } else {
      while (len && lines.buf[len - 1] == '\r') len--;
      size_t i = 0;
      while (i < len && (lines.buf[i] == ' ' || lines.buf[i] == '\t')) i++;
      if (i == len) continue;
      /* A full queue (brokers down) is waited out in steps, so that a signal is seen within one. */
      do {
        size_t bom = lines.line_no == 1 ? cli_bom_len(lines.buf, len) : 0;
        st = produce_line(c, lines.buf + bom, len - bom, why, sizeof why, &fatal);
      } while (st == EVS_ERR_TIMEOUT && !kafka_cli_stop);
    }
    c->read++;
    if (st == EVS_OK) goto next;
    if (st == EVS_ERR_TIMEOUT) { /* stopped by a signal while the queue was full: not sent, not rejected */
      c->skipped++;
      break;
    }
    end_progress(shown);
    fprintf(stderr, "evs produce: %s:%llu: %s [%s]\n", c->input_name, lines.line_no, why,
            evs_status_name(st));
    if (st == EVS_ERR_VALIDATION) kafka_cli_print_violations(&c->viol);
    if (fatal) {
      c->skipped++;
      rc = CLI_EXIT_FAIL;
      break;
    }
    c->rejected++;
    if (c->strict) {
      rc = CLI_EXIT_FAIL;
      break;
    }
  next:
    warn_errors(c, shown);
    if (tty && (c->read & 1023) == 0 && now_s() - last > 0.5) {
      last = now_s();
      progress(c, false);
      *shown = true;
    }
  }
  cli_lines_free(&lines);
  return rc;
}

static int run_lines(producer_cli *c, FILE *in, int timeout_s, const char *spool) {
  bool shown = false;
  double t0 = now_s();
  int rc = read_lines(c, in, &shown);
  evs_error err;
  evs_error_clear(&err);
  /* Flush in steps: client errors show up while waiting, and a signal shortens the wait (a second one
   * ends it: the rest is spooled at once). */
  int limit_ms = timeout_s * 1000, waited = 0;
  evs_status fst = EVS_ERR_TIMEOUT;
  for (; fst == EVS_ERR_TIMEOUT && waited < limit_ms && kafka_cli_stop < 2; waited += 100) {
    if (kafka_cli_stop && limit_ms > STOP_FLUSH_S * 1000) {
      limit_ms = STOP_FLUSH_S * 1000;
      if (waited >= limit_ms) break;
    }
    fst = evs_producer_flush(c->p, 100, &err);
    warn_errors(c, &shown);
  }
  if (fst != EVS_OK) {
    end_progress(&shown);
    evs_producer_stats now;
    evs_producer_stats_get(c->p, &now);
    unsigned long long pending = now.sent - now.delivered - now.failed;
    if (fst == EVS_ERR_TIMEOUT)
      fprintf(stderr, "evs produce: %llu events still undelivered after waiting %.1f s%s; spooling them\n",
              pending, waited / 1000.0,
              kafka_cli_stop > 1 ? " (a second signal)"
              : kafka_cli_stop   ? " (after a signal)"
                                 : "");
    else
      fprintf(stderr, "evs produce: %s; spooling the %llu undelivered events\n", err.msg, pending);
  }
  if (shown) progress(c, true);
  evs_producer_stats st;
  uint64_t undelivered = evs_producer_close_stats(c->p, 0, &st);
  c->p = NULL;
  double secs = now_s() - t0;
  fprintf(
      stderr,
      "evs produce: read %llu, sent %llu, delivered %llu, failed %llu, rejected %llu, skipped %llu in %.2f s "
      "(%.0f events/s)%s\n",
      (unsigned long long)c->read, (unsigned long long)st.sent, (unsigned long long)(st.sent - undelivered),
      (unsigned long long)undelivered, (unsigned long long)c->rejected, (unsigned long long)c->skipped, secs,
      secs > 0 ? (double)(st.sent - undelivered) / secs : 0.0,
      c->no_validate ? "; validation was off (--no-validate): events were not checked against their rules"
                     : "");
  if (kafka_cli_signal)
    fprintf(stderr, "evs produce: stopped by %s after line %llu: the lines after it were not read\n",
            kafka_cli_signal == SIGINT ? "SIGINT" : "SIGTERM", (unsigned long long)c->read);
  if (spool_summary(&st, undelivered, spool)) rc = CLI_EXIT_FAIL;
  if (c->rejected || c->skipped) rc = CLI_EXIT_FAIL;
  return kafka_cli_exit_status(rc);
}

static void report_damage(const evs_spool_damage *d, void *ctx) {
  fprintf(stderr, "evs produce: %s: damaged at byte %llu (%llu bytes): %s [%s]\n", (const char *)ctx,
          (unsigned long long)d->offset, (unsigned long long)d->length, d->why, evs_status_name(d->code));
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"brokers", required_argument, NULL, 'b'},
      {"input", required_argument, NULL, 'i'},
      {"type", required_argument, NULL, 't'},
      {"topic", required_argument, NULL, 'T'},
      {"source", required_argument, NULL, 's'},
      {"spool", required_argument, NULL, 'S'},
      {"strict", no_argument, NULL, 'x'},
      {"timeout", required_argument, NULL, 'w'},
      {"replay", required_argument, NULL, 'r'},
      {"mode", required_argument, NULL, 'm'},
      {"key", required_argument, NULL, 'k'},
      {"header", required_argument, NULL, 'H'},
      {"no-validate", no_argument, NULL, 'n'},
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  cli_schema schema = {0};
  kafka_cli_opts k = {0};
  const char *input = NULL, *source = NULL, *spool = DEFAULT_SPOOL, *replay = NULL;
  producer_cli c = {.self = self};
  unsigned long long timeout_s = 60;
  bool structured = false;
  evs_kafka_header headers[KAFKA_CLI_MAX_HEADERS];
  size_t n_headers = 0;
  optind = 1;
  opterr = 0;
  for (int ch; (ch = getopt_long(argc, argv, ":X:H:k:b:" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    int taken = cli_schema_option(self, &schema, ch, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) continue;
    int kafka = kafka_cli_option(self, &k, ch, optarg);
    if (kafka < 0) return CLI_EXIT_USAGE;
    if (kafka) continue;
    switch (ch) {
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
      case 'm':
        if (strcmp(optarg, "binary") != 0 && strcmp(optarg, "structured") != 0)
          return cli_usage_error(self, "--mode takes binary or structured, not '%s'", optarg);
        structured = strcmp(optarg, "structured") == 0;
        break;
      case 'k':
        c.key = optarg;
        break;
      case 'n':
        c.no_validate = true;
        break;
      case 'H':
        if (kafka_cli_add_header(self, headers, &n_headers, optarg)) return CLI_EXIT_USAGE;
        break;
      default:
        return cli_option_error(self, ch, argv);
    }
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  if (kafka_cli_need_brokers(self, &k)) return CLI_EXIT_USAGE;
  if (replay && (input || c.type || structured || c.key || n_headers || c.no_validate))
    return cli_usage_error(self,
                           "--replay re-sends a spool file as it is (no JSON lines, --mode, --key, -H "
                           "or --no-validate)");
  c.headers = headers;
  c.n_headers = n_headers;
  if (cli_schema_check(self, &schema)) return CLI_EXIT_USAGE;

  evs_registry *reg = cli_open_registry(self, &schema);
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
                             .spool_path = replay ? NULL : spool,
                             .queue_full_timeout_ms = QUEUE_WAIT_MS,
                             .structured = structured,
                             .no_validate = c.no_validate};
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
      return cli_failf(self, "cannot open %s: %s", input, strerror(errno));
    }
    c.input_name = input ? input : "stdin";
    /* A replay is killed by a signal as any program (its file is only ever replaced whole); reading lines
     * stops on one and spools what is undelivered. */
    kafka_cli_catch_stop(false);
    rc = run_lines(&c, in, (int)timeout_s, spool);
    if (input) fclose(in);
  }
  evs_buf_free(&c.ce_store);
  evs_buf_free(&c.tag_store);
  evs_violations_free(&c.viol);
  evs_registry_free(reg);
  return rc;
}

const cli_cmd cli_cmd_produce = {
    "produce",
    "produce JSON lines of events to Kafka (or re-send a spool file)",
    "usage: evs produce [--brokers HOST:PORT,...] [-X key=value]... [--input FILE] [--type TYPE]\n"
    "                   [--topic TOPIC] [--key KEY] [-H name=value]... [--mode binary|structured]\n"
    "                   [--source URI] [--spool FILE] [--strict] [--no-validate] [--timeout S]\n"
    "                   [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]... [--no-builtin]\n"
    "       evs produce --replay SPOOL [--brokers ...] [-X key=value]... [--timeout S]\n"
    "\n"
    "Reads one event per line: a CloudEvents structured-mode JSON object (specversion, id, source, type,\n"
    "time, subject, schemaversion, correlationid, causationid, tags, and the payload in canonical\n"
    "protobuf JSON as data, or its binary form as data_base64), or with --type a bare payload. Each\n"
    "event is decoded as its type (builtin catalog or the given schemas), validated against the rules of\n"
    "the payload's fields and of the envelope (registered type, UUIDv7 id, millisecond time; see\n"
    "docs/validation.md) unless --no-validate, and produced in binary content mode: the protobuf payload\n"
    "as the value, ce_* headers, topic and key from the type's event options. With --mode structured the\n"
    "value is the whole event as CloudEvents JSON (the payload in canonical JSON as data) and the only\n"
    "CloudEvents header is content-type: application/cloudevents+json. A missing id is a new UUIDv7, a\n"
    "missing time is now.\n"
    "\n"
    "Invalid lines are reported with their line number and reason and counted; they do not stop the\n"
    "others unless --strict. An event that breaks a rule is reported as 'FILE:LINE: invalid event: N\n"
    "violations' followed by one line per violation, 'PATH: message [rule_id]' (the payload's fields\n"
    "under data., with their JSON names), and is not sent. Events that cannot be delivered (message\n"
    "timeout, broker errors) are appended to the spool file (locked, so producers may share one; a\n"
    "record cut off by a crash at its end is removed first); events that cannot be spooled are reported\n"
    "by count and ce_id range. --replay SPOOL re-sends every intact record and keeps only those that\n"
    "fail again; damaged records are reported with their byte offset and moved to SPOOL.damaged. A line\n"
    "too large for the broker (message.max.bytes) or longer than 256 MiB is rejected like an invalid\n"
    "one. At the end a summary goes to stderr: read = sent + rejected + skipped (skipped: read but not\n"
    "sent because the run was stopped), sent = delivered + failed, and failed = spooled + not spooled\n"
    "(each reported); on a terminal a progress line is shown while reading.\n"
    "\n"
    "SIGINT or SIGTERM stops reading (a blocked read included), waits at most 10 s (or --timeout) for\n"
    "delivery, spools the rest, prints the summary and exits 130 or 143; a second signal stops the wait\n"
    "at once and still spools. A replay is simply ended by a signal: its spool file is replaced only\n"
    "once complete.\n"
    "\n"
    "options:\n"
    "  -b, --brokers LIST       bootstrap servers (default: $EVS_BROKERS)\n"
    "  -X key=value             any librdkafka property (TLS, SASL, linger.ms, ...); secrets are never\n"
    "                           printed\n"
    "  --input FILE             read this file instead of stdin\n"
    "  --type TYPE              lines are bare payloads (the data) of this event type\n"
    "  --topic TOPIC            produce to TOPIC instead of the type's topic\n"
    "  -k, --key KEY            record key of every event instead of the type's partition-key field\n"
    "  -H, --header name=value  one more record header (repeatable); not ce_* or content-type, which\n"
    "                           carry the event's attributes\n"
    "  --mode MODE              binary (default: ce_* headers, protobuf value) or structured (JSON\n"
    "                           event as value)\n"
    "  --source URI             ce_source of events that give none (default /evs)\n"
    "  --spool FILE             where undeliverable events go (default evs-produce.spool)\n"
    "  --strict                 stop at the first invalid line\n"
    "  --no-validate            send events without checking their rules (the summary says so)\n"
    "  --timeout S              wait at most S seconds for delivery at the end (default 60)\n"
    "  --replay SPOOL           re-send the events of a spool file instead of reading JSON\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 every event delivered, 1 an invalid line, an undelivered event or a damaged spool\n"
    "record, 2 usage error, 130 / 143 stopped by SIGINT / SIGTERM (after spooling).\n",
    run,
};
