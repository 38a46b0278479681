/* evs consume: read events from Kafka and print each as one CloudEvents structured JSON object per line. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evs/cloudevents.h"
#include "evs/json.h"
#include "evs/kafka.h"
#include "kafka_cli.h"

/* What --show adds to each line, in this order, as the trailing member "kafka". */
enum {
  SHOW_TOPIC = 1,
  SHOW_PARTITION = 2,
  SHOW_OFFSET = 4,
  SHOW_TIMESTAMP = 8,
  SHOW_KEY = 16,
  SHOW_HEADERS = 32,
};

typedef struct printer {
  FILE *out;
  const evs_registry *reg;
  evs_json_options opts;
  evs_buf json;
  uint64_t base64_fallbacks;
  unsigned show;
  const char *format; /* -f, NULL = one JSON line */
  bool raw, strict;
  uint64_t undecodable, raw_printed, invalid; /* invalid: those of undecodable that broke a rule */
} printer;

static evs_status output_failed(FILE *out, evs_error *err) {
  errno = 0;
  if (fflush(out) == 0 && !ferror(out)) return EVS_OK;
  evs_error_clear(err);
  err->code = EVS_ERR_IO;
  snprintf(err->msg, sizeof err->msg, "writing to stdout failed: %s",
           errno ? strerror(errno) : "write error");
  return EVS_ERR_IO;
}

/* The "kafka" member of --show: the record's coordinates, key and headers. */
static void write_show(FILE *out, unsigned show, const evs_record *r) {
  fputs("\"kafka\":{", out);
  const char *sep = "";
  if (show & SHOW_TOPIC) {
    fputs("\"topic\":", out);
    evs_json_write_string(out, r->topic);
    sep = ",";
  }
  if (show & SHOW_PARTITION) fprintf(out, "%s\"partition\":%d", sep, (int)r->partition), sep = ",";
  if (show & SHOW_OFFSET) fprintf(out, "%s\"offset\":%lld", sep, (long long)r->offset), sep = ",";
  if (show & SHOW_TIMESTAMP) fprintf(out, "%s\"timestamp\":%lld", sep, (long long)r->timestamp_ms), sep = ",";
  if (show & SHOW_KEY) {
    fputs(sep, out);
    evs_kafka_write_json_member(out, "key", r->key, r->key_len);
    sep = ",";
  }
  if (show & SHOW_HEADERS) {
    fprintf(out, "%s\"headers\":[", sep);
    for (size_t i = 0; i < r->n_headers; i++) {
      fputs(i ? ",{\"name\":" : "{\"name\":", out);
      evs_json_write_string(out, r->headers[i].name);
      fputc(',', out);
      evs_kafka_write_json_member(out, "value", r->headers[i].value, r->headers[i].value_len);
      fputc('}', out);
    }
    fputc(']', out);
  }
  fputc('}', out);
}

/* The event as one CloudEvents JSON object (no newline), with the "kafka" member of --show when asked. */
static evs_status write_event(printer *pr, FILE *out, const evs_ce_event *ev, const evs_record *r,
                              evs_error *err) {
  if (!pr->show) return evs_ce_write_json(out, ev, err);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) {
    evs_error_clear(err);
    err->code = EVS_ERR_NOMEM;
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return EVS_ERR_NOMEM;
  }
  evs_status st = evs_ce_write_json(mem, ev, err);
  fclose(mem);
  if (st == EVS_OK && len > 1) {
    fwrite(text, 1, len - 1, out); /* all but the closing brace */
    fputc(',', out);
    write_show(out, pr->show, r);
    fputc('}', out);
  }
  free(text);
  return st;
}

/* kcat's -f: %t topic, %p partition, %o offset, %k key, %s the event's JSON line, %T timestamp (ms),
 * %h headers (name=value,...), %% and the escapes \n \t \\. */
static evs_status write_format(printer *pr, FILE *out, const evs_ce_event *ev, const evs_record *r,
                               evs_error *err) {
  for (const char *f = pr->format; *f; f++) {
    if (*f == '\\' && f[1]) {
      f++;
      fputc(*f == 'n' ? '\n' : *f == 't' ? '\t' : *f, out);
      continue;
    }
    if (*f != '%' || !f[1]) {
      fputc(*f, out);
      continue;
    }
    switch (*++f) {
      case 't':
        fputs(r->topic, out);
        break;
      case 'p':
        fprintf(out, "%d", (int)r->partition);
        break;
      case 'o':
        fprintf(out, "%lld", (long long)r->offset);
        break;
      case 'T':
        fprintf(out, "%lld", (long long)r->timestamp_ms);
        break;
      case 'k':
        if (r->key) fwrite(r->key, 1, r->key_len, out);
        break;
      case 's': {
        unsigned show = pr->show;
        pr->show = 0;
        evs_status st = evs_ce_write_json(out, ev, err);
        pr->show = show;
        if (st != EVS_OK) return st;
        break;
      }
      case 'h':
        for (size_t i = 0; i < r->n_headers; i++) {
          fprintf(out, "%s%s=", i ? "," : "", r->headers[i].name);
          if (r->headers[i].value) fwrite(r->headers[i].value, 1, r->headers[i].value_len, out);
        }
        break;
      default:
        fputc('%', out);
        fputc(*f, out);
    }
  }
  return EVS_OK;
}

static evs_status emit(printer *pr, const evs_ce_event *ev, const evs_record *r, evs_error *err) {
  FILE *out = pr->out;
  evs_status st = pr->format ? write_format(pr, out, ev, r, err) : write_event(pr, out, ev, r, err);
  if (st != EVS_OK && st != EVS_ERR_IO) return st;
  if (!pr->format) fputc('\n', out);
  /* At-least-once: the offset is stored when this returns OK, so the line must have reached the output.
   * A failed write is this process's failure (EVS_ERR_IO): the consumer stops without dead-lettering the
   * event or storing its offset, and it is read again next time. */
  if (output_failed(out, err) != EVS_OK) return EVS_ERR_IO;
  evs_error_clear(err);
  return EVS_OK;
}

static evs_ce_event record_event(const evs_record *r) {
  return (evs_ce_event){
      .specversion = r->specversion ? r->specversion
                     : r->id        ? "1.0"
                                    : NULL,
      .id = r->id,
      .source = r->source,
      .type = r->type,
      .time = r->time,
      .subject = r->subject,
      .dataschema = r->dataschema,
      .content_type = r->content_type,
      .schema_version = r->schema_version,
      .correlation_id = r->correlation_id,
      .causation_id = r->causation_id,
      .tags = r->tags,
  };
}

/* One event as CloudEvents structured JSON: the attributes, the evs extensions and the payload as its
 * canonical JSON in `data` (datacontenttype omitted: JSON is the default), or as data_base64 with
 * datacontenttype when it has no JSON form. */
static evs_status print_event(const evs_record *r, void *ctx, evs_error *err) {
  printer *pr = ctx;
  evs_buf_reset(&pr->json);
  bool as_json = r->msg && evs_json_encode(pr->reg, r->msg, &pr->opts, &pr->json, err) == EVS_OK;
  if (!as_json) pr->base64_fallbacks++;
  evs_ce_event ev = record_event(r);
  if (!ev.specversion) ev.specversion = "1.0";
  if (as_json) {
    ev.content_type = NULL;
    ev.data_kind = EVS_CE_DATA_JSON;
    ev.data = pr->json.data;
    ev.data_len = pr->json.len;
  } else if (r->value) {
    ev.data_kind = EVS_CE_DATA_BINARY;
    ev.data = r->value;
    ev.data_len = r->value_len;
  }
  return emit(pr, &ev, r, err);
}

/* --validate: the error line of an invalid event, then its violations one per line (JSON names, as the
 * printed events use them). */
static void report_invalid(const evs_record *r) {
  const evs_violations *vs = r->violations;
  fprintf(stderr, "evs consume: error: %s[%d]@%lld: invalid event: %zu violation%s%s\n", r->topic,
          (int)r->partition, (long long)r->offset, vs->n, vs->n == 1 ? "" : "s",
          vs->truncated ? " and more" : "");
  kafka_cli_print_violations(vs);
}

/* Viewer: a record that does not decode, or breaks a rule with --validate, is reported with its
 * coordinates (and with --raw printed: an undecodable one with its value as data_base64, an invalid one
 * as any event); reading goes on unless --strict. */
static evs_status on_undecodable(const evs_record *r, const char *why, void *ctx, evs_error *err) {
  printer *pr = ctx;
  pr->undecodable++;
  if (r->violations) {
    pr->invalid++;
    report_invalid(r);
  } else {
    fprintf(stderr, "evs consume: error: %s[%d]@%lld: %s\n", r->topic, (int)r->partition,
            (long long)r->offset, why);
  }
  if (pr->strict) {
    evs_error_clear(err);
    err->code = EVS_ERR_VALIDATION;
    snprintf(err->msg, sizeof err->msg, "%s[%d]@%lld %s (--strict)", r->topic, (int)r->partition,
             (long long)r->offset, r->violations ? "is invalid" : "could not be decoded");
    return EVS_ERR_VALIDATION;
  }
  if (!pr->raw) return EVS_OK;
  if (r->msg) {
    evs_status st = print_event(r, ctx, err);
    if (st == EVS_OK) pr->raw_printed++;
    return st;
  }
  evs_ce_event ev = record_event(r);
  if (r->value) {
    ev.data_kind = EVS_CE_DATA_BINARY;
    ev.data = r->value;
    ev.data_len = r->value_len;
  }
  evs_status st = emit(pr, &ev, r, err);
  if (st == EVS_ERR_VALIDATION || st == EVS_ERR_SYNTAX || st == EVS_ERR_UNSUPPORTED) {
    /* Attributes that are not valid CloudEvents values: the value alone, with the coordinates. */
    evs_ce_event bare = {.data_kind = ev.data_kind, .data = ev.data, .data_len = ev.data_len};
    st = emit(pr, &bare, r, err);
  }
  if (st == EVS_OK) pr->raw_printed++;
  return st;
}

/* kcat's -o: beginning | end | stored | N | -N (N before the end) | s@TIMESTAMP_MS. */
static int parse_offset(const char *s, evs_offset_spec *o, bool *stored) {
  unsigned long long n;
  *stored = false;
  if (strcmp(s, "beginning") == 0) {
    o->kind = EVS_OFFSET_BEGINNING;
  } else if (strcmp(s, "end") == 0) {
    o->kind = EVS_OFFSET_END;
  } else if (strcmp(s, "stored") == 0) {
    *stored = true;
  } else if (strncmp(s, "s@", 2) == 0 && cli_parse_count(s + 2, INT64_MAX, &n) == 0) {
    o->kind = EVS_OFFSET_TIMESTAMP, o->value = (int64_t)n;
  } else if (s[0] == '-' && cli_parse_count(s + 1, INT64_MAX, &n) == 0) {
    o->kind = EVS_OFFSET_TAIL, o->value = (int64_t)n;
  } else if (cli_parse_count(s, INT64_MAX, &n) == 0) {
    o->kind = EVS_OFFSET_ABSOLUTE, o->value = (int64_t)n;
  } else {
    return -1;
  }
  return 0;
}

static int parse_show(const char *s, unsigned *show) {
  static const struct {
    const char *name;
    unsigned bit;
  } names[] = {{"topic", SHOW_TOPIC},
               {"partition", SHOW_PARTITION},
               {"offset", SHOW_OFFSET},
               {"timestamp", SHOW_TIMESTAMP},
               {"key", SHOW_KEY},
               {"headers", SHOW_HEADERS},
               {"all", 63}};
  while (*s) {
    size_t n = strcspn(s, ",");
    size_t i = 0;
    while (i < sizeof names / sizeof names[0] &&
           !(strlen(names[i].name) == n && !strncmp(s, names[i].name, n)))
      i++;
    if (i == sizeof names / sizeof names[0]) return -1;
    *show |= names[i].bit;
    s += n + (s[n] == ',');
  }
  return 0;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"topic", required_argument, NULL, 't'},
      {"group", required_argument, NULL, 'g'},
      {"from-beginning", no_argument, NULL, 'B'},
      {"offset", required_argument, NULL, 'o'},
      {"partition", required_argument, NULL, 'p'},
      {"exit", no_argument, NULL, 'e'},
      {"count", required_argument, NULL, 'c'},
      {"timeout", required_argument, NULL, 'T'},
      {"brokers", required_argument, NULL, 'b'},
      {"dlq", required_argument, NULL, 'D'},
      {"no-dlq", no_argument, NULL, 'N'},
      {"proto-names", no_argument, NULL, 'P'},
      {"show", required_argument, NULL, 'S'},
      {"format", required_argument, NULL, 'f'},
      {"raw", no_argument, NULL, 'R'},
      {"strict", no_argument, NULL, 'Y'},
      {"validate", no_argument, NULL, 'V'},
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  cli_schema schema = {0};
  const char *topics[16];
  size_t n_topics = 0;
  int32_t partitions[64];
  size_t n_partitions = 0;
  kafka_cli_opts k = {0};
  const char *group = NULL, *dlq = NULL, *offset_arg = NULL;
  unsigned long long count = 0, timeout_s = 0;
  bool from_beginning = false, have_count = false, proto_names = false, exit_at_end = false,
       have_timeout = false, stored = false, validate = false;
  evs_offset_spec start = {0};
  printer pr = {.out = stdout, .json = EVS_BUF_INIT};
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":X:t:g:o:p:ec:b:f:" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    int taken = cli_schema_option(self, &schema, c, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) continue;
    unsigned long long n;
    int kafka = kafka_cli_option(self, &k, c, optarg);
    if (kafka < 0) return CLI_EXIT_USAGE;
    if (kafka) continue;
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
      case 'o':
        if (parse_offset(optarg, &start, &stored) != 0)
          return cli_usage_error(self, "-o takes beginning, end, stored, N, -N or s@TIMESTAMP_MS, not '%s'",
                                 optarg);
        offset_arg = optarg;
        break;
      case 'p':
        if (n_partitions == 64) return cli_usage_error(self, "at most 64 -p options");
        if (cli_parse_count(optarg, INT32_MAX, &n) != 0)
          return cli_usage_error(self, "-p takes a partition number, not '%s'", optarg);
        partitions[n_partitions++] = (int32_t)n;
        break;
      case 'e':
        exit_at_end = true;
        break;
      case 'c':
        if (cli_parse_count(optarg, UINT64_MAX, &count) != 0)
          return cli_usage_error(self, "--count takes a number, not '%s'", optarg);
        have_count = true;
        break;
      case 'T':
        if (cli_parse_count(optarg, 86400 * 365, &timeout_s) != 0)
          return cli_usage_error(self, "--timeout takes seconds, not '%s'", optarg);
        have_timeout = true;
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
      case 'S':
        if (parse_show(optarg, &pr.show) != 0)
          return cli_usage_error(self,
                                 "--show takes a list of topic, partition, offset, timestamp, key, "
                                 "headers or all, not '%s'",
                                 optarg);
        break;
      case 'f':
        pr.format = optarg;
        break;
      case 'R':
        pr.raw = true;
        break;
      case 'Y':
        pr.strict = true;
        break;
      case 'V':
        validate = true;
        break;
      default:
        return cli_option_error(self, c, argv);
    }
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  if (!n_topics) return cli_usage_error(self, "--topic is required");
  if (group) {
    /* A group reads from its committed offsets; -o only says where to start without them. */
    if (offset_arg && !stored && start.kind != EVS_OFFSET_BEGINNING && start.kind != EVS_OFFSET_END)
      return cli_usage_error(self, "with --group, -o takes beginning, end or stored");
    if (n_partitions) return cli_usage_error(self, "-p assigns partitions itself: not with --group");
    if (exit_at_end) return cli_usage_error(self, "-e is for reading without --group");
    if (pr.raw || pr.strict)
      return cli_usage_error(self,
                             "--raw and --strict are for reading without --group (with a group, an "
                             "undecodable record goes to the dead-letter topic)");
    if (start.kind == EVS_OFFSET_BEGINNING) from_beginning = true;
  } else {
    if (stored) return cli_usage_error(self, "-o stored needs --group (a viewer has no stored offsets)");
    if (dlq) return cli_usage_error(self, "--dlq and --no-dlq need --group (a viewer writes nothing)");
  }
  if (cli_schema_check(self, &schema)) return CLI_EXIT_USAGE;
  if (kafka_cli_need_brokers(self, &k)) return CLI_EXIT_USAGE;
  if (have_count && count == 0) return CLI_EXIT_OK;

  evs_registry *reg = cli_open_registry(self, &schema);
  if (!reg) return CLI_EXIT_FAIL;
  pr.reg = reg;
  pr.opts.flags = proto_names ? EVS_JSON_PROTO_NAMES : 0;
  evs_consumer_options co = {
      .kafka = {k.brokers, k.props, k.n_props},
      .registry = reg,
      .group_id = group,
      .topics = topics,
      .n_topics = n_topics,
      .from_beginning = from_beginning,
      .dlq_topic = dlq,
      .viewer = !group,
      .partitions = n_partitions ? partitions : NULL,
      .n_partitions = n_partitions,
      .start = start,
      .on_undecodable = on_undecodable,
      .undecodable_ctx = &pr,
      .metadata_timeout_ms =
          have_timeout && timeout_s ? (int)(timeout_s > 600 ? 600000 : timeout_s * 1000) : 10000,
      .validate = validate,
  };
  evs_error err;
  evs_error_clear(&err);
  evs_consumer *c = NULL;
  kafka_cli_catch_stop(true);
  if (evs_consumer_new(&co, &c, &err) != EVS_OK) {
    evs_registry_free(reg);
    return kafka_cli_exit_status(cli_fail(self, &err));
  }
  if (evs_consumer_on(c, "*", print_event, &pr, &err) != EVS_OK) {
    evs_consumer_close(c);
    evs_registry_free(reg);
    return cli_fail(self, &err);
  }

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
      /* librdkafka keeps retrying; say why nothing arrives (brokers down). */
      fprintf(stderr, "evs consume: warning: %s\n", now_st.last_error);
      errors_seen = now_st.errors;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (got) {
      seen++;
      last = now;
    } else if (exit_at_end && evs_consumer_at_end(c)) {
      break;
    } else if (timeout_s && (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000 >=
                                (long long)timeout_s * 1000) {
      if (have_count)
        rc = cli_failf(self, "timed out after %llus with %llu of %llu events", timeout_s,
                       (unsigned long long)seen, count);
      else if (seen == 0 && errors_seen)
        rc = cli_failf(self, "nothing read in %llus: %s", timeout_s, now_st.last_error);
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
  if (pr.undecodable > pr.raw_printed && rc == CLI_EXIT_OK && !pr.strict)
    rc = cli_failf(self, "%llu records could not be decoded%s (reported above%s)",
                   (unsigned long long)(pr.undecodable - pr.raw_printed),
                   pr.invalid ? " or broke a rule" : "", pr.raw ? "" : "; --raw prints them");
  char invalid[48] = "";
  if (validate) snprintf(invalid, sizeof invalid, " (%llu invalid)", (unsigned long long)st.invalid);
  if (st.dead_lettered || st.duplicates || (kafka_cli_signal && group))
    fprintf(stderr, "evs consume: %llu read, %llu printed, %llu dead-lettered%s, %llu duplicates skipped%s\n",
            (unsigned long long)st.received, (unsigned long long)st.handled,
            (unsigned long long)st.dead_lettered, invalid, (unsigned long long)st.duplicates,
            kafka_cli_signal ? " (stopped by a signal; the offsets of printed events are committed)" : "");
  return kafka_cli_exit_status(rc);
}

const cli_cmd cli_cmd_consume = {
    "consume",
    "read events from Kafka and print them as CloudEvents JSON lines",
    "usage: evs consume --topic TOPIC... [-o OFFSET] [-p PARTITION]... [-e] [-c N] [--timeout S]\n"
    "                   [--group G [--dlq TOPIC | --no-dlq]] [--show LIST | -f FORMAT] [--raw]\n"
    "                   [--strict] [--validate] [--brokers HOST:PORT,...] [-X key=value]...\n"
    "                   [--proto-names]\n"
    "                   [--descriptor-set FILE]... [--proto FILE.proto]... [-I DIR]... [--no-builtin]\n"
    "\n"
    "Prints one CloudEvents structured-mode JSON object per event and line: the attributes, the evs\n"
    "extensions (schemaversion, correlationid, causationid, tags) and the payload in canonical protobuf\n"
    "JSON as data (its type from the builtin catalog or the given schemas, by ce_dataschema or ce_type\n"
    "and schemaversion). Every CloudEvents Kafka form is read, content-type deciding: binary mode with\n"
    "protobuf data (plain or Confluent-framed) or JSON data (application/json), and structured mode\n"
    "(application/cloudevents+json: the value is the JSON event, with data or data_base64).\n"
    "\n"
    "Without --group evs consume is a viewer, as kcat -C: it assigns itself every partition of the\n"
    "topics (or those of -p), starting at -o, and changes nothing in Kafka: no offsets are committed,\n"
    "nothing is dead-lettered. A record that cannot be decoded is reported on stderr as\n"
    "'error: TOPIC[PARTITION]@OFFSET: reason' and reading goes on (--strict: stops at once); the run\n"
    "then exits 1 unless --raw printed such records too.\n"
    "\n"
    "With --group G it is the at-least-once consumer of group G: it starts at the group's committed\n"
    "offsets (without them at -o beginning or end), commits an offset only after its event is printed,\n"
    "retries, and sends a record that cannot be decoded to the dead-letter topic TOPIC.dlq. Events\n"
    "repeating the source and id of one printed before are skipped. Each line is flushed before its\n"
    "offset is stored: when the output cannot be written the command stops with exit 1 and that event\n"
    "is read again next time.\n"
    "\n"
    "--validate also checks each decoded event against the rules of its payload's fields and of its\n"
    "envelope (registered type, UUIDv7 id, millisecond time; docs/validation.md); off by default, as\n"
    "the events were written by others. An invalid event is handled like one that cannot be decoded: a\n"
    "viewer reports 'error: TOPIC[PARTITION]@OFFSET: invalid event: N violations' and one line per\n"
    "violation, 'PATH: message [rule_id]' (--raw prints the event too); with --group it goes to the\n"
    "dead-letter topic with the header evs_dlq_violations (the violations as a JSON array).\n"
    "\n"
    "A topic the cluster does not know, a partition it does not have, or brokers that do not answer\n"
    "within --timeout (default 10 s) are an error (exit 1). SIGINT or SIGTERM stops reading and exits\n"
    "with 130 or 143 (with --group, the offsets of the events printed are committed first); a second\n"
    "signal exits at once.\n"
    "\n"
    "options:\n"
    "  -t, --topic TOPIC        topic to read (repeatable; required)\n"
    "  -o, --offset OFFSET      where to start: beginning, end (default), N (that offset), -N (N records\n"
    "                           before the end), s@TIMESTAMP_MS (first record at or after that time);\n"
    "                           with --group only beginning, end or stored (the default)\n"
    "  --from-beginning         the same as -o beginning\n"
    "  -p, --partition N        read only partition N of each topic (repeatable; not with --group)\n"
    "  -e, --exit               stop once every partition is read to its end (not with --group)\n"
    "  -c, --count N            stop after N records\n"
    "  --timeout S              stop when no record arrived for S seconds (with --count: exit 1 if\n"
    "                           fewer than N arrived); also the wait for the cluster's metadata\n"
    "  -g, --group G            consume as group G (see above)\n"
    "  --dlq TOPIC              with --group: dead-letter topic for every source topic (default\n"
    "                           TOPIC.dlq)\n"
    "  --no-dlq                 with --group: no dead-letter topic; an undecodable record stops the\n"
    "                           command\n"
    "  --show LIST              add the member \"kafka\" with the record's topic, partition, offset,\n"
    "                           timestamp, key, headers (comma-separated, or all) to each line; a key\n"
    "                           or header value that is not UTF-8 text is given as key_base64 /\n"
    "                           value_base64\n"
    "  -f, --format FORMAT      print FORMAT per record instead of the JSON line, as kcat -f: %t topic,\n"
    "                           %p partition, %o offset, %k key, %T timestamp (ms), %h headers\n"
    "                           (name=value,...), %s the event's JSON line, %% a percent sign; \\n \\t\n"
    "  --raw                    viewer: also print a record that cannot be decoded, its attributes as\n"
    "                           far as known and its value as data_base64\n"
    "  --strict                 viewer: stop with exit 1 at the first record that cannot be decoded\n"
    "                           (or, with --validate, is invalid)\n"
    "  --validate               check every event's rules; an invalid one is an error (see above)\n"
    "  -b, --brokers LIST       bootstrap servers (default: $EVS_BROKERS)\n"
    "  -X key=value             any librdkafka property (TLS, SASL, ...); secrets are never printed\n"
    "  --proto-names            data keys are proto field names instead of lowerCamel JSON "
    "names\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 done (-e, --count records, or --timeout passed), 1 a failure (a missing topic or\n"
    "partition, brokers not answering, a broker or dead-letter error, output that cannot be written,\n"
    "fewer than --count records, a record that could not be decoded or was invalid), 2 usage error,\n"
    "130 / 143 stopped by SIGINT / SIGTERM.\n",
    run,
};
