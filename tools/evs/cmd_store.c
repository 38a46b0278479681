/* evs store: the PostgreSQL event store (docs/store.md): migrate, append CloudEvents JSON lines (atomically,
 * validated, with an optional DCB append condition), DCB read (with the position read up to, or --follow),
 * and filtered queries. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "event_cli.h"
#include "evs/store.h"
#include "evs/timeutil.h"
#include "kafka_cli.h"

/* A failed append condition: its own status, distinct from errors (1) and usage (2). */
#define EXIT_CONFLICT 3
/* Longest input line (as evs produce). */
#define LINE_MAX_BYTES ((size_t)256 << 20)
/* Most --type / --tag options of one query. */
#define MAX_TERMS 64

typedef struct store_cli {
  const cli_cmd *self;
  const char *db, *input, *query_json, *condition_json;
  const char *input_name; /* for messages: the file or "stdin" */
  const char *since, *until;
  const char *types[MAX_TERMS];
  size_t n_types;
  char *tag_args[MAX_TERMS];
  size_t n_tags;
  unsigned long long after, before, limit, batch, count, idle_ms, poll_ms, batch_ms, db_retry_ms;
  bool follow;
  const char *sink_topics[MAX_TERMS];
  size_t n_sink_topics;
  const char *group, *dlq;
  const char *cursor_file; /* --follow: where the position followed up to is kept */
  kafka_cli_opts kafka;
  bool kafka_given;
  cli_schema schema;
} store_cli;

static int db_fail(const store_cli *c, const evs_error *err) {
  return cli_fail(c->self, err);
}

static evs_status print_event(void *ctx, const evs_stored_event *ev, evs_error *err) {
  unsigned long long *n = ctx;
  evs_status st = evs_ce_write_json(stdout, &ev->ce, err);
  if (st != EVS_OK) return st;
  if (fputc('\n', stdout) == EOF) {
    evs_error_clear(err);
    err->code = EVS_ERR_IO;
    snprintf(err->msg, sizeof err->msg, "writing to stdout failed: %s", strerror(errno));
    return EVS_ERR_IO;
  }
  (*n)++;
  return EVS_OK;
}

static int open_store(store_cli *c, evs_registry **reg, evs_store **s) {
  *reg = NULL;
  *s = NULL;
  if (c->schema.n_sets || c->schema.n_protos || c->schema.no_builtin) {
    *reg = cli_open_registry(c->self, &c->schema);
    if (!*reg) return CLI_EXIT_FAIL;
  }
  evs_store_options o = {.url = c->db, .registry = *reg};
  evs_error err;
  evs_error_clear(&err);
  evs_status st = evs_store_open(&o, s, &err);
  if (st == EVS_ERR_INVALID_ARG) return cli_usage_error(c->self, "%s", err.msg);
  if (st != EVS_OK) return db_fail(c, &err);
  return CLI_EXIT_OK;
}

static int cmd_migrate(store_cli *c, evs_store *s) {
  evs_error err;
  evs_error_clear(&err);
  int applied = 0;
  if (evs_store_migrate(s, &applied, &err) != EVS_OK) return db_fail(c, &err);
  fprintf(stderr, "evs store: schema at version %d (%d migration%s applied now)\n", EVS_STORE_SCHEMA_VERSION,
          applied, applied == 1 ? "" : "s");
  return CLI_EXIT_OK;
}

/* The lines of one append: each line's text (its events point into it) and decoded payload. */
typedef struct batch {
  char **lines;
  evs_buf *stores;
  evs_ce_event *ce;
  ProtobufCMessage **msgs;
  evs_store_event *events;
  unsigned long long *line_no;
  size_t n, cap;
} batch;

static void batch_clear(batch *b) {
  for (size_t i = 0; i < b->n; i++) {
    free(b->lines[i]);
    evs_buf_free(&b->stores[i]);
    if (b->msgs[i]) protobuf_c_message_free_unpacked(b->msgs[i], NULL);
  }
  b->n = 0;
}

static void batch_free(batch *b) {
  batch_clear(b);
  free(b->lines);
  free(b->stores);
  free(b->ce);
  free(b->msgs);
  free(b->events);
  free(b->line_no);
}

static bool batch_grow(batch *b) {
  if (b->n < b->cap) return true;
  size_t cap = b->cap ? b->cap * 2 : 64;
#define GROW(field)                                      \
  do {                                                   \
    void *p = realloc(b->field, cap * sizeof *b->field); \
    if (!p) return false;                                \
    b->field = p;                                        \
  } while (0)
  GROW(lines);
  GROW(stores);
  GROW(ce);
  GROW(msgs);
  GROW(events);
  GROW(line_no);
#undef GROW
  b->cap = cap;
  return true;
}

/* Appends the batch (one atomic append) and prints one JSON line per event. */
static int append_batch(store_cli *c, evs_store *s, batch *b, const evs_store_condition *cond) {
  if (b->n == 0) return CLI_EXIT_OK;
  for (size_t i = 0; i < b->n; i++) {
    /* ce holds pointers into stores[i]; events[] points at ce[], which may have moved on growth */
    b->events[i].ce = &b->ce[i];
    b->events[i].payload = b->msgs[i];
  }
  int64_t *pos = calloc(b->n, sizeof *pos);
  bool *dup = calloc(b->n, sizeof *dup);
  if (!pos || !dup) {
    free(pos);
    free(dup);
    return cli_failf(c->self, "out of memory");
  }
  evs_store_append_result res = {.positions = pos, .duplicate = dup};
  evs_violations vs;
  evs_violations_init(&vs);
  evs_error err;
  evs_error_clear(&err);
  evs_status st = evs_store_append(s, b->events, b->n, cond, &res, &vs, &err);
  int rc = CLI_EXIT_OK;
  if (st == EVS_OK) {
    for (size_t i = 0; i < b->n; i++) {
      printf("{\"line\":%llu,\"id\":", b->line_no[i]);
      cli_json_string(stdout, b->ce[i].id);
      printf(",\"position\":%lld,\"outcome\":\"%s\"}\n", (long long)pos[i],
             dup[i] ? "duplicate" : "appended");
    }
    fprintf(stderr, "evs store append: %zu appended, %zu duplicate%s\n", res.appended, res.duplicates,
            res.duplicates == 1 ? "" : "s");
  } else if (st == EVS_ERR_CONFLICT) {
    fprintf(stderr, "evs store append: %s; nothing stored\n", err.msg);
    rc = EXIT_CONFLICT;
  } else if (st == EVS_ERR_DATABASE || st == EVS_ERR_NOMEM) {
    rc = db_fail(c, &err);
  } else {
    fprintf(stderr, "evs store append: %s:%llu: %s [%s]; nothing stored\n", c->input_name,
            b->line_no[res.invalid_index], err.msg, evs_status_name(st));
    if (st == EVS_ERR_VALIDATION) kafka_cli_print_violations(&vs);
    rc = CLI_EXIT_FAIL;
  }
  evs_violations_free(&vs);
  free(pos);
  free(dup);
  batch_clear(b);
  return rc;
}

static int cmd_append(store_cli *c, evs_store *s, const evs_registry *reg) {
  evs_store_condition cond;
  evs_store_spec *owner = NULL;
  evs_error err;
  evs_error_clear(&err);
  if (c->condition_json && evs_store_condition_parse(c->condition_json, strlen(c->condition_json), &cond,
                                                     &owner, &err) != EVS_OK) {
    char text[512];
    evs_error_format(&err, text, sizeof text);
    return cli_usage_error(c->self, "--condition: %s", text);
  }
  FILE *in = stdin;
  const char *name = "stdin";
  if (c->input && strcmp(c->input, "-") != 0) {
    in = fopen(c->input, "rb");
    name = c->input;
    if (!in) {
      evs_store_spec_free(owner);
      return cli_failf(c->self, "%s: %s", c->input, strerror(errno));
    }
  }
  c->input_name = name;
  cli_lines lines = {.max = LINE_MAX_BYTES};
  batch b = {0};
  int rc = CLI_EXIT_OK;
  for (;;) {
    size_t len = 0;
    int got = cli_lines_next(&lines, in, &len);
    if (got == CLI_LINE_EOF) break;
    if (got != CLI_LINE_OK) {
      rc = cli_failf(c->self, "%s:%llu: %s; nothing more stored", name, lines.line_no,
                     got == CLI_LINE_TOO_LONG ? "line too long"
                     : got == CLI_LINE_NOMEM  ? "out of memory"
                                              : strerror(errno));
      break;
    }
    while (len && lines.buf[len - 1] == '\r') len--;
    size_t i = 0;
    while (i < len && (lines.buf[i] == ' ' || lines.buf[i] == '\t')) i++;
    if (i == len) continue;
    if (!batch_grow(&b)) {
      rc = cli_failf(c->self, "out of memory");
      break;
    }
    size_t bom = lines.line_no == 1 ? cli_bom_len(lines.buf, len) : 0;
    char *copy = malloc(len - bom + 1);
    if (!copy) {
      rc = cli_failf(c->self, "out of memory");
      break;
    }
    memcpy(copy, lines.buf + bom, len - bom);
    copy[len - bom] = 0;
    size_t k = b.n;
    b.lines[k] = copy;
    b.stores[k] = (evs_buf)EVS_BUF_INIT;
    b.msgs[k] = NULL;
    b.line_no[k] = lines.line_no;
    b.n++;
    const evs_message *m;
    char why[768];
    evs_status st = cli_event_read(reg, copy, len - bom, 0, NULL, &b.stores[k], &b.ce[k], &m, &b.msgs[k], why,
                                   sizeof why);
    if (st != EVS_OK) {
      fprintf(stderr, "evs store append: %s:%llu: %s [%s]; nothing stored\n", name, lines.line_no, why,
              evs_status_name(st));
      rc = CLI_EXIT_FAIL;
      break;
    }
    if (c->batch && b.n >= c->batch) {
      rc = append_batch(c, s, &b, NULL);
      if (rc != CLI_EXIT_OK) break;
    }
  }
  if (rc == CLI_EXIT_OK) rc = append_batch(c, s, &b, c->condition_json ? &cond : NULL);
  batch_free(&b);
  cli_lines_free(&lines);
  if (in != stdin) fclose(in);
  evs_store_spec_free(owner);
  return rc;
}

/* The query of read / query: --query JSON, or one item of the --type and --tag options. */
static int build_query(store_cli *c, evs_store_query *q, evs_store_item *item, evs_tag *tags,
                       evs_store_spec **owner) {
  memset(q, 0, sizeof *q);
  *owner = NULL;
  if (c->query_json) {
    if (c->n_types || c->n_tags) return cli_usage_error(c->self, "--query does not go with --type / --tag");
    evs_error err;
    evs_error_clear(&err);
    if (evs_store_query_parse(c->query_json, strlen(c->query_json), q, owner, &err) != EVS_OK) {
      char text[512];
      evs_error_format(&err, text, sizeof text);
      return cli_usage_error(c->self, "--query: %s", text);
    }
    return CLI_EXIT_OK;
  }
  if (!c->n_types && !c->n_tags) return CLI_EXIT_OK;
  for (size_t i = 0; i < c->n_tags; i++) {
    char *colon = strchr(c->tag_args[i], ':');
    if (!colon || colon == c->tag_args[i])
      return cli_usage_error(c->self, "--tag wants KEY:VALUE, got '%s'", c->tag_args[i]);
    *colon = 0;
    tags[i].key = c->tag_args[i];
    tags[i].value = colon + 1;
  }
  *item = (evs_store_item){.types = c->types, .n_types = c->n_types, .tags = tags, .n_tags = c->n_tags};
  q->items = item;
  q->n_items = 1;
  return CLI_EXIT_OK;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --cursor FILE: the position a follower was last given, one number (0 or no file: the beginning). */
static int cursor_load(store_cli *c, unsigned long long *pos) {
  *pos = 0;
  FILE *f = fopen(c->cursor_file, "r");
  if (!f) {
    if (errno == ENOENT) return CLI_EXIT_OK;
    return cli_failf(c->self, "--cursor %s: %s", c->cursor_file, strerror(errno));
  }
  char text[32] = {0};
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) text[--n] = 0;
  if (cli_parse_count(text, (1ULL << 53), pos) != 0)
    return cli_failf(c->self, "--cursor %s: not a position: '%.20s'", c->cursor_file, text);
  return CLI_EXIT_OK;
}

/* Written beside the file then renamed over it: a crash leaves the old position or the new one. */
static int cursor_save(store_cli *c, int64_t pos) {
  size_t len = strlen(c->cursor_file);
  char *tmp = malloc(len + 5);
  if (!tmp) return cli_failf(c->self, "out of memory");
  memcpy(tmp, c->cursor_file, len);
  memcpy(tmp + len, ".tmp", 5);
  FILE *f = fopen(tmp, "w");
  bool ok = f && fprintf(f, "%lld\n", (long long)pos) > 0;
  if (f && fclose(f) != 0) ok = false;
  if (ok && rename(tmp, c->cursor_file) != 0) ok = false;
  int rc = ok ? CLI_EXIT_OK : cli_failf(c->self, "--cursor %s: %s", c->cursor_file, strerror(errno));
  free(tmp);
  return rc;
}

static int cmd_follow(store_cli *c, evs_store *s, const evs_store_query *q) {
  kafka_cli_catch_stop(true);
  unsigned long long start = c->after;
  int rc = c->cursor_file ? cursor_load(c, &start) : CLI_EXIT_OK;
  if (rc != CLI_EXIT_OK) return rc;
  evs_store_cursor cur;
  evs_error err;
  evs_error_clear(&err);
  if (evs_store_cursor_at(s, (int64_t)start, &cur, &err) != EVS_OK) return db_fail(c, &err);
  unsigned long long n = 0;
  double idle_since = now_s();
  while (!kafka_cli_stop) {
    size_t got = 0;
    evs_error_clear(&err);
    size_t limit = c->count && c->count - n < 1000 ? (size_t)(c->count - n) : 1000;
    evs_status st = evs_store_follow(s, q, &cur, limit, print_event, &n, &got, &err);
    fflush(stdout);
    /* what was printed is followed, even when the poll then failed */
    if (got && c->cursor_file && (rc = cursor_save(c, cur.position)) != CLI_EXIT_OK) return rc;
    if (st != EVS_OK) return db_fail(c, &err);
    if (c->count && n >= c->count) break;
    if (got) {
      idle_since = now_s();
      continue;
    }
    if (c->idle_ms && (now_s() - idle_since) * 1000 >= (double)c->idle_ms) break;
    struct timespec ts = {(time_t)(c->poll_ms / 1000), (long)(c->poll_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  fprintf(stderr, "evs store read: %llu event%s followed; resume with --after %lld\n", n, n == 1 ? "" : "s",
          (long long)cur.position);
  return kafka_cli_exit_status(CLI_EXIT_OK);
}

static int cmd_read(store_cli *c, evs_store *s, bool scan) {
  evs_store_query q;
  evs_store_item item;
  evs_tag tags[MAX_TERMS];
  evs_store_spec *owner = NULL;
  int rc = build_query(c, &q, &item, tags, &owner);
  if (rc != CLI_EXIT_OK) return rc;
  const evs_store_query *qp = q.n_items ? &q : NULL;
  evs_error err;
  evs_error_clear(&err);
  unsigned long long n = 0;
  if (!scan && c->follow) {
    rc = cmd_follow(c, s, qp);
  } else if (!scan) {
    int64_t head = 0;
    if (evs_store_read(s, qp, (int64_t)c->after, (size_t)c->limit, print_event, &n, &head, &err) != EVS_OK)
      rc = err.code == EVS_ERR_IO ? cli_fail(c->self, &err) : db_fail(c, &err);
    else
      fprintf(stderr, "evs store read: %llu event%s; position read up to %lld\n", n, n == 1 ? "" : "s",
              (long long)head);
  } else {
    evs_store_filter f = {.query = qp, .after = (int64_t)c->after, .before = (int64_t)c->before};
    if (c->since) {
      f.has_time_from = true;
      if (evs_ce_parse_time(c->since, strlen(c->since), &f.time_from_ms, &err) != EVS_OK)
        rc = cli_usage_error(c->self, "--since: %s", err.msg);
    }
    if (rc == CLI_EXIT_OK && c->until) {
      f.has_time_to = true;
      if (evs_ce_parse_time(c->until, strlen(c->until), &f.time_to_ms, &err) != EVS_OK)
        rc = cli_usage_error(c->self, "--until: %s", err.msg);
    }
    if (rc == CLI_EXIT_OK && evs_store_scan(s, &f, print_event, &n, &err) != EVS_OK)
      rc = err.code == EVS_ERR_IO ? cli_fail(c->self, &err) : db_fail(c, &err);
    if (rc == CLI_EXIT_OK) fprintf(stderr, "evs store query: %llu event%s\n", n, n == 1 ? "" : "s");
  }
  evs_store_spec_free(owner);
  return rc;
}

static int cmd_sink(store_cli *c, evs_store *s) {
  if (kafka_cli_need_brokers(c->self, &c->kafka) != 0) return CLI_EXIT_USAGE;
  kafka_cli_catch_stop(true);
  evs_store_sink_options o = {
      .kafka = {.brokers = c->kafka.brokers, .props = c->kafka.props, .n_props = c->kafka.n_props},
      .topics = c->sink_topics,
      .n_topics = c->n_sink_topics,
      .group_id = c->group,
      .dlq_topic = c->dlq,
      .batch_size = (size_t)c->batch,
      .batch_ms = (int)c->batch_ms,
      .idle_exit_ms = (int)c->idle_ms,
      .db_retry_ms = (int)c->db_retry_ms,
      /* sig_atomic_t is int on the platforms evs builds on */
      .stop = (volatile int *)&kafka_cli_stop};
  evs_store_sink_stats st;
  evs_error err;
  evs_error_clear(&err);
  evs_status rc = evs_store_sink_run(s, &o, &st, &err);
  fprintf(
      stderr,
      "evs store sink: %llu records, %llu events stored, %llu duplicates skipped, %llu batches, %llu dead "
      "letters, %llu reconnects\n",
      st.records, st.appended, st.duplicates, st.batches, st.dead_lettered, st.reconnects);
  if (rc != EVS_OK) return kafka_cli_exit_status(db_fail(c, &err));
  return kafka_cli_exit_status(CLI_EXIT_OK);
}

enum {
  OPT_DB = 0x200,
  OPT_CONDITION,
  OPT_QUERY,
  OPT_AFTER,
  OPT_BEFORE,
  OPT_LIMIT,
  OPT_BATCH,
  OPT_FOLLOW,
  OPT_COUNT,
  OPT_IDLE,
  OPT_POLL,
  OPT_SINCE,
  OPT_UNTIL,
  OPT_TAG,
  OPT_TOPIC,
  OPT_GROUP,
  OPT_DLQ,
  OPT_BATCH_MS,
  OPT_CURSOR,
  OPT_DB_RETRY
};

static int number(const cli_cmd *self, const char *name, const char *arg, unsigned long long *out) {
  if (cli_parse_count(arg, (1ULL << 53), out) != 0)
    return cli_usage_error(self, "%s wants a whole number, got '%s'", name, arg);
  return CLI_EXIT_OK;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  if (argc < 2) return cli_usage_error(self, "which one: migrate, append, read, query or sink?");
  const char *sub = argv[1];
  static const char *const subs[] = {"migrate", "append", "read", "query", "sink", NULL};
  bool known = false;
  for (const char *const *p = subs; *p; p++) known = known || strcmp(sub, *p) == 0;
  if (!known)
    return cli_usage_error(self, "unknown subcommand '%s' (migrate, append, read, query or sink)", sub);
  static const struct option opts[] = {
      {"db", required_argument, NULL, OPT_DB},
      {"input", required_argument, NULL, 'i'},
      {"condition", required_argument, NULL, OPT_CONDITION},
      {"query", required_argument, NULL, OPT_QUERY},
      {"type", required_argument, NULL, 't'},
      {"tag", required_argument, NULL, OPT_TAG},
      {"after", required_argument, NULL, OPT_AFTER},
      {"before", required_argument, NULL, OPT_BEFORE},
      {"since", required_argument, NULL, OPT_SINCE},
      {"until", required_argument, NULL, OPT_UNTIL},
      {"limit", required_argument, NULL, OPT_LIMIT},
      {"batch-size", required_argument, NULL, OPT_BATCH},
      {"follow", no_argument, NULL, OPT_FOLLOW},
      {"count", required_argument, NULL, OPT_COUNT},
      {"idle-exit-ms", required_argument, NULL, OPT_IDLE},
      {"poll-ms", required_argument, NULL, OPT_POLL},
      {"topic", required_argument, NULL, OPT_TOPIC},
      {"group", required_argument, NULL, OPT_GROUP},
      {"dlq", required_argument, NULL, OPT_DLQ},
      {"batch-ms", required_argument, NULL, OPT_BATCH_MS},
      {"cursor", required_argument, NULL, OPT_CURSOR},
      {"db-retry-ms", required_argument, NULL, OPT_DB_RETRY},
      {"brokers", required_argument, NULL, 'b'},
      CLI_SCHEMA_OPTIONS,
      {NULL, 0, NULL, 0},
  };
  store_cli c = {.self = self, .poll_ms = 100};
  optind = 1;
  opterr = 0;
  for (int ch; (ch = getopt_long(argc - 1, argv + 1, ":i:t:b:X:" CLI_SCHEMA_SHORT, opts, NULL)) != -1;) {
    int taken = cli_schema_option(self, &c.schema, ch, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) continue;
    taken = kafka_cli_option(self, &c.kafka, ch, optarg);
    if (taken < 0) return CLI_EXIT_USAGE;
    if (taken) {
      c.kafka_given = true;
      continue;
    }
    int rc = CLI_EXIT_OK;
    switch (ch) {
      case OPT_DB:
        c.db = optarg;
        break;
      case 'i':
        c.input = optarg;
        break;
      case OPT_CONDITION:
        c.condition_json = optarg;
        break;
      case OPT_QUERY:
        c.query_json = optarg;
        break;
      case 't':
        if (c.n_types == MAX_TERMS) return cli_usage_error(self, "at most %d --type options", MAX_TERMS);
        c.types[c.n_types++] = optarg;
        break;
      case OPT_TAG:
        if (c.n_tags == MAX_TERMS) return cli_usage_error(self, "at most %d --tag options", MAX_TERMS);
        c.tag_args[c.n_tags++] = optarg;
        break;
      case OPT_AFTER:
        rc = number(self, "--after", optarg, &c.after);
        break;
      case OPT_BEFORE:
        rc = number(self, "--before", optarg, &c.before);
        break;
      case OPT_SINCE:
        c.since = optarg;
        break;
      case OPT_UNTIL:
        c.until = optarg;
        break;
      case OPT_LIMIT:
        rc = number(self, "--limit", optarg, &c.limit);
        break;
      case OPT_BATCH:
        rc = number(self, "--batch-size", optarg, &c.batch);
        break;
      case OPT_FOLLOW:
        c.follow = true;
        break;
      case OPT_COUNT:
        rc = number(self, "--count", optarg, &c.count);
        break;
      case OPT_IDLE:
        rc = number(self, "--idle-exit-ms", optarg, &c.idle_ms);
        break;
      case OPT_POLL:
        rc = number(self, "--poll-ms", optarg, &c.poll_ms);
        break;
      case OPT_TOPIC:
        if (c.n_sink_topics == MAX_TERMS)
          return cli_usage_error(self, "at most %d --topic options", MAX_TERMS);
        c.sink_topics[c.n_sink_topics++] = optarg;
        break;
      case OPT_GROUP:
        c.group = optarg;
        break;
      case OPT_DLQ:
        c.dlq = optarg;
        break;
      case OPT_BATCH_MS:
        rc = number(self, "--batch-ms", optarg, &c.batch_ms);
        break;
      case OPT_CURSOR:
        c.cursor_file = optarg;
        break;
      case OPT_DB_RETRY:
        rc = number(self, "--db-retry-ms", optarg, &c.db_retry_ms);
        if (rc == CLI_EXIT_OK && c.db_retry_ms > 86400000ULL)
          rc = cli_usage_error(self, "--db-retry-ms: at most 86400000 (a day)");
        break;
      default:
        return cli_option_error(self, ch, argv + 1);
    }
    if (rc != CLI_EXIT_OK) return rc;
  }
  if (optind < argc - 1) return cli_usage_error(self, "unexpected argument '%s'", argv[optind + 1]);
  if (cli_schema_check(self, &c.schema) != 0) return CLI_EXIT_USAGE;
  bool is_append = strcmp(sub, "append") == 0, is_read = strcmp(sub, "read") == 0,
       is_query = strcmp(sub, "query") == 0, is_sink = strcmp(sub, "sink") == 0;
  if ((c.input || c.condition_json) && !is_append)
    return cli_usage_error(self, "-i and --condition are for 'append'");
  if (c.batch && !is_append && !is_sink)
    return cli_usage_error(self, "--batch-size is for 'append' and 'sink'");
  if ((c.n_sink_topics || c.group || c.dlq || c.batch_ms || c.db_retry_ms || c.kafka_given) && !is_sink)
    return cli_usage_error(
        self, "--topic, --group, --dlq, --batch-ms, --db-retry-ms, --brokers and -X are for 'sink'");
  if (is_sink && !c.n_sink_topics) return cli_usage_error(self, "sink: which --topic?");
  if (c.condition_json && c.batch)
    return cli_usage_error(self, "--condition applies to one atomic append: not with --batch-size");
  if ((c.query_json || c.n_types || c.n_tags || c.after) && !is_read && !is_query)
    return cli_usage_error(self, "--query, --type, --tag and --after are for 'read' and 'query'");
  if ((c.before || c.since || c.until) && !is_query)
    return cli_usage_error(self, "--before, --since and --until are for 'query'");
  if ((c.follow || c.limit) && !is_read) return cli_usage_error(self, "--follow and --limit are for 'read'");
  if (c.count && !c.follow) return cli_usage_error(self, "--count goes with --follow");
  if (c.idle_ms && !c.follow && !is_sink)
    return cli_usage_error(self, "--idle-exit-ms goes with --follow or 'sink'");
  if (c.cursor_file && !c.follow) return cli_usage_error(self, "--cursor goes with --follow");
  if (c.cursor_file && c.after)
    return cli_usage_error(self, "--cursor FILE holds where to start: not with --after");
  evs_registry *reg = NULL;
  evs_store *s = NULL;
  int rc = open_store(&c, &reg, &s);
  if (rc == CLI_EXIT_OK) {
    const evs_registry *r = reg ? reg : evs_registry_builtin(NULL);
    if (strcmp(sub, "migrate") == 0)
      rc = cmd_migrate(&c, s);
    else if (is_append)
      rc = cmd_append(&c, s, r);
    else if (is_sink)
      rc = cmd_sink(&c, s);
    else
      rc = cmd_read(&c, s, is_query);
  }
  evs_store_close(s);
  evs_registry_free(reg);
  return rc;
}

const cli_cmd cli_cmd_store = {
    "store",
    "the PostgreSQL event store: migrate, append, read, query, sink",
    "usage: evs store migrate [--db URL]\n"
    "       evs store append [--db URL] [-i FILE] [--condition JSON | --batch-size N] [schema options]\n"
    "       evs store read [--db URL] [--query JSON | --type T... --tag K:V...] [--after N] [--limit N]\n"
    "       evs store read --follow [--db URL] [--query JSON | --type T... --tag K:V...] [--count N]\n"
    "                      [--after N | --cursor FILE] [--idle-exit-ms MS] [--poll-ms MS]\n"
    "       evs store query [--db URL] [--query JSON | --type T... --tag K:V...] [--after N] [--before N]\n"
    "                       [--since TIME] [--until TIME]\n"
    "       evs store sink [--db URL] --topic T... [-b BROKERS] [-X KEY=VALUE]... [--group G] [--dlq TOPIC]\n"
    "                      [--batch-size N] [--batch-ms MS] [--idle-exit-ms MS] [--db-retry-ms MS]\n"
    "\n"
    "Keeps events in a PostgreSQL table `events` (docs/store.md): a global position, the event id (a\n"
    "UUIDv7, unique), type, time, tags, metadata (the other CloudEvents attributes) and data (the\n"
    "payload's canonical JSON). The database is --db URL or $EVS_DATABASE_URL (a libpq connection\n"
    "string or postgresql:// URI).\n"
    "\n"
    "migrate   creates or upgrades the schema (versioned migrations, each in a transaction; idempotent).\n"
    "append    reads CloudEvents JSON lines (what evs produce reads) and appends them all as ONE atomic\n"
    "          append (--batch-size N: one per N lines). Every event is validated first (its type's\n"
    "          rules and the envelope's); one invalid or malformed line stores nothing. An event whose id\n"
    "          is stored already is a duplicate: skipped, reported. Prints one line per event:\n"
    "            {\"line\":1,\"id\":\"...\",\"position\":7,\"outcome\":\"appended\"}\n"
    "          --condition is a DCB append condition:\n"
    "            {\"failIfEventsMatch\": QUERY, \"after\": POSITION}\n"
    "          the append fails (exit 3, nothing stored) when a stored event after POSITION matches QUERY.\n"
    "read      a DCB read: the events matching the query after --after, in position order, then on stderr\n"
    "          \"position read up to H\": use H as the condition's \"after\" of a decision based on it.\n"
    "          --follow tails the store and never skips an event that commits late with a lower position\n"
    "          (events come in transaction order); it stops on SIGINT/SIGTERM, after --count events or\n"
    "          after --idle-exit-ms without new ones, and prints \"resume with --after P\" on stderr: P is\n"
    "          the position of the last event it gave, --follow --after P goes on right after it (in\n"
    "          transaction order, so nothing is skipped or repeated). --cursor FILE keeps P in FILE\n"
    "          (read at the start, rewritten after every poll that gave events).\n"
    "query     a filtered scan in position order (types, tags, positions, time range), streamed.\n"
    "sink      consumes Kafka topics (every CloudEvents form evs consume reads) into the store: per batch\n"
    "          one transaction stores the events and the partitions' next offsets (table evs_sink_offsets,\n"
    "          key --group); every partition starts at its stored offset, so a crash loses and doubles\n"
    "          nothing. Undecodable or invalid records go to the dead-letter topic (--dlq, default\n"
    "          TOPIC.dlq) with the reason. A lost database connection is waited for (--db-retry-ms): the\n"
    "          sink reconnects, learns from the stored offsets whether the batch committed, and commits\n"
    "          it again if not. Runs until SIGINT/SIGTERM or --idle-exit-ms without records (time spent\n"
    "          re-joining the group or waiting for the database does not count).\n"
    "\n"
    "QUERY: \"all\", or an array of items (OR-ed), each {\"types\": [T, ...], \"tags\": [\"key:value\", "
    "...]}\n"
    "(an event matches an item when its type is one of the types and it has all the tags; either may be\n"
    "left out). Events carry one value per tag key, so \"key:value\" matches tags {\"key\": \"value\"}.\n"
    "Events are written as CloudEvents JSON lines (the form evs consume -o json writes).\n"
    "\n"
    "options:\n"
    "  --db URL                 the database (default $EVS_DATABASE_URL)\n"
    "  -i, --input FILE         append: read FILE instead of stdin ('-' = stdin)\n"
    "  --condition JSON         append: the DCB append condition\n"
    "  --batch-size N           append: one atomic append per N lines instead of one for the input;\n"
    "                           sink: events per transaction (default 1000)\n"
    "  --query JSON             read, query: a DCB query\n"
    "  -t, --type TYPE          read, query: one query item of these types (repeatable)\n"
    "  --tag KEY:VALUE          read, query: ... and these tags (repeatable)\n"
    "  --after N                read, query: only positions > N; --follow: resume after the event at\n"
    "                           position N (a position a follower printed)\n"
    "  --before N               query: only positions < N\n"
    "  --since TIME             query: only events with time >= TIME (RFC 3339)\n"
    "  --until TIME             query: only events with time < TIME\n"
    "  --limit N                read: at most N events\n"
    "  --follow                 read: tail the store\n"
    "  --count N                --follow: stop after N events\n"
    "  --idle-exit-ms MS        --follow, sink: stop after MS milliseconds without a new event\n"
    "  --poll-ms MS             --follow: look for new events every MS milliseconds (default 100)\n"
    "  --cursor FILE            --follow: start after the position in FILE, keep it there\n"
    "  --topic TOPIC            sink: a topic to consume (repeatable)\n"
    "  -b, --brokers LIST       sink: bootstrap servers (default $EVS_BROKERS)\n"
    "  -X KEY=VALUE             sink: a librdkafka property (repeatable)\n"
    "  --group GROUP            sink: consumer group and offsets key (default evs-sink)\n"
    "  --dlq TOPIC              sink: dead-letter topic (default each topic + \".dlq\")\n"
    "  --batch-ms MS            sink: longest a batch stays open (default 500)\n"
    "  --db-retry-ms MS         sink: how long to wait for a lost database (default 30000)\n" CLI_SCHEMA_HELP
    "  -h, --help               show this help\n"
    "\n"
    "exit status: 0 done, 1 failure (bad input: nothing stored; the database failed), 2 usage error,\n"
    "3 the append condition failed (nothing stored).\n",
    run,
};
