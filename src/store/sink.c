/* The Kafka sink: records from an evs consumer appended to the store in batches, each batch one transaction
 * with the partitions' next offsets (evs_sink_commit_staged, migration 4); partitions start where the
 * database says on every assignment ("storing offsets outside Kafka"), so Kafka's own commits never decide
 * what is read again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "evs/json.h"
#include "store/store_internal.h"

typedef struct sink_part {
  char *topic;
  int32_t partition;
  int64_t from; /* the stored next offset this batch started at (-2: none stored) */
  int64_t next; /* after the last record in the batch */
  bool dirty;
} sink_part;

typedef struct sink {
  evs_store *s;
  const evs_store_sink_options *o;
  const char *group;
  evs_buf batch; /* COPY rows for evs_stage */
  size_t n;
  double opened; /* when the batch got its first record */
  sink_part *parts;
  size_t n_parts;
  evs_store_sink_stats st;
  evs_violations vs;
  bool crashed;      /* a hook stopped the run: write nothing more */
  bool assigned;     /* partitions came and none has been revoked since: only then does idle time count */
  double idle_since; /* the last record, assignment or commit: the time waiting for the database or for
                      * the group is not the topics' idleness */
  evs_status failed; /* the first database error (offset lookups and commits in callbacks) */
  evs_error err;
} sink;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sink_part *part_of(sink *k, const char *topic, int32_t partition, bool add) {
  for (size_t i = 0; i < k->n_parts; i++)
    if (k->parts[i].partition == partition && strcmp(k->parts[i].topic, topic) == 0) return &k->parts[i];
  if (!add) return NULL;
  sink_part *p = evs_realloc(k->parts, (k->n_parts + 1) * sizeof *p);
  if (!p) return NULL;
  k->parts = p;
  char *t = evs_strdup(topic);
  if (!t) return NULL;
  k->parts[k->n_parts] = (sink_part){t, partition, -2, -2, false};
  return &k->parts[k->n_parts++];
}

static void fail_once(sink *k, evs_status st, const evs_error *e) {
  if (k->failed != EVS_OK) return;
  k->failed = st;
  k->err = *e;
}

/* The database went away (the connection is gone): wait for it, up to db_retry_ms in all from the first
 * failure, reconnecting with a growing pause. EVS_OK once connected again. */
static evs_status sink_reconnect(sink *k, double since, evs_error *err) {
  int limit = k->o->db_retry_ms > 0 ? k->o->db_retry_ms : 30000;
  double pause = 0.1;
  for (;;) {
    if (k->o->stop && *k->o->stop)
      return evs_fail(err, EVS_ERR_DATABASE, "stopped while the database was away");
    if ((now_s() - since) * 1000 >= limit) return EVS_ERR_DATABASE;
    struct timespec ts = {(time_t)pause, (long)((pause - (double)(time_t)pause) * 1e9)};
    nanosleep(&ts, NULL);
    pause = pause * 2 > 2 ? 2 : pause * 2;
    if (store_ready(k->s, err) == EVS_OK) {
      k->st.reconnects++;
      return EVS_OK;
    }
  }
}

/* Whether the statement that just failed lost the connection. libpq can report a connection the server
 * dropped (an immediate shutdown while the session was idle) and still say CONNECTION_OK: a probe tells. */
static bool connection_lost(evs_store *s) {
  if (PQstatus(s->conn) != CONNECTION_OK) return true;
  PGresult *r = PQexec(s->conn, "SELECT 1");
  bool lost = PQresultStatus(r) != PGRES_TUPLES_OK;
  PQclear(r);
  return lost;
}

/* After a statement failed (err says why): EVS_OK when the connection was lost and is back (the caller
 * tries again), else the failure. *since is when the database first went away (0: not yet). */
static evs_status sink_wait_db(sink *k, double *since, evs_error *err) {
  /* only a lost connection is waited for; what the server refused stays refused */
  if (!connection_lost(k->s)) return EVS_ERR_DATABASE;
  if (*since == 0) *since = now_s();
  evs_error lost = *err;
  if (sink_reconnect(k, *since, err) == EVS_OK) return EVS_OK;
  if (!(k->o->stop && *k->o->stop))
    evs_fail(err, EVS_ERR_DATABASE, "%s (gave up after %d ms without the database)", lost.msg,
             k->o->db_retry_ms > 0 ? k->o->db_retry_ms : 30000);
  return EVS_ERR_DATABASE;
}

/* The partition's next offset stored in the database, -2 when none is; a lost connection is waited for as
 * a batch commit waits (the rebalance callback must not end the run where a commit would ride it out). */
static evs_status stored_offset(sink *k, const char *topic, int32_t partition, int64_t *off, evs_error *err) {
  char part[16];
  snprintf(part, sizeof part, "%d", (int)partition);
  const char *params[3] = {k->group, topic, part};
  double since = 0;
  for (;;) {
    PGresult *r =
        store_exec(k->s,
                   "SELECT next_offset FROM evs_sink_offsets WHERE group_id = $1 AND topic = $2 AND "
                   "kafka_partition = $3",
                   3, params, "sink: reading the stored offsets", err);
    if (r) {
      *off = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -2;
      PQclear(r);
      return EVS_OK;
    }
    if (sink_wait_db(k, &since, err) != EVS_OK) return EVS_ERR_DATABASE;
  }
}

static int64_t offset_for(const char *topic, int32_t partition, void *ctx) {
  sink *k = ctx;
  if (k->crashed || k->failed != EVS_OK) return -1000;
  evs_error e;
  evs_error_clear(&e);
  int64_t off;
  if (stored_offset(k, topic, partition, &off, &e) != EVS_OK) {
    fail_once(k, EVS_ERR_DATABASE, &e);
    return -1000;
  }
  k->assigned = true;
  k->idle_since = now_s();
  sink_part *p = part_of(k, topic, partition, true);
  if (!p) {
    evs_fail(&e, EVS_ERR_NOMEM, "out of memory");
    fail_once(k, EVS_ERR_NOMEM, &e);
    return -1000;
  }
  p->from = p->next = off;
  p->dirty = false;
  return off;
}

/* After a lost commit: whether it committed (every dirty partition's stored offset is its `next`), did
 * not (every one is still its `from`), or another consumer moved one (EVS_ERR_CONFLICT). */
static evs_status batch_outcome(sink *k, bool *committed, evs_error *err) {
  int at_next = 0, at_from = 0, dirty = 0;
  for (size_t i = 0; i < k->n_parts; i++) {
    sink_part *p = &k->parts[i];
    if (!p->dirty) continue;
    dirty++;
    int64_t off;
    if (stored_offset(k, p->topic, p->partition, &off, err) != EVS_OK) return EVS_ERR_DATABASE;
    at_next += off == p->next;
    at_from += off == p->from;
  }
  *committed = dirty > 0 && at_next == dirty;
  if (*committed || at_from == dirty) return EVS_OK;
  return evs_fail(err, EVS_ERR_CONFLICT,
                  "sink: after reconnecting, the stored offsets are neither the batch's start nor its end: "
                  "another consumer moved them");
}

static int part_cmp(const void *a, const void *b) {
  const sink_part *x = a, *y = b;
  int c = strcmp(x->topic, y->topic);
  return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Commits the open batch with its offsets (one statement: one transaction). */
static evs_status flush(sink *k, evs_error *err) {
  if (k->crashed) return EVS_ERR_IO;
  bool any = k->n > 0;
  for (size_t i = 0; i < k->n_parts; i++) any = any || k->parts[i].dirty;
  if (!any) return EVS_OK;
  unsigned long long no = k->st.batches + 1;
  if (k->o->before_commit && !k->o->before_commit(k->o->hook_ctx, no)) {
    k->crashed = true;
    return evs_fail(err, EVS_ERR_IO, "stopped by the hook before committing batch %llu", no);
  }
  /* offsets in one order: two sinks of a group never wait for each other's rows in a cycle */
  qsort(k->parts, k->n_parts, sizeof *k->parts, part_cmp);
  evs_buf offsets = EVS_BUF_INIT;
  evs_buf_append_byte(&offsets, '[');
  bool first = true;
  for (size_t i = 0; i < k->n_parts; i++) {
    const sink_part *p = &k->parts[i];
    if (!p->dirty) continue;
    char text[96];
    evs_buf_append_str(&offsets, first ? "{\"topic\":" : ",{\"topic\":");
    first = false;
    evs_json_append_string(&offsets, p->topic, strlen(p->topic));
    snprintf(text, sizeof text, ",\"partition\":%d,\"from\":%lld,\"next\":%lld}", (int)p->partition,
             (long long)p->from, (long long)p->next);
    evs_buf_append_str(&offsets, text);
  }
  evs_buf_append_str(&offsets, "]");
  evs_buf_append_byte(&offsets, 0);
  evs_status st = evs_buf_status(&offsets) == EVS_OK && evs_buf_status(&k->batch) == EVS_OK
                      ? EVS_OK
                      : evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  PGresult *r = NULL;
  bool committed = false;
  double since = 0;
  while (st == EVS_OK && !committed) {
    const char *params[2] = {k->group, (const char *)offsets.data};
    r = store_copy_exec(k->s, &k->batch,
                        "SELECT appended, duplicates FROM evs_sink_commit_staged($1, $2::jsonb)", 2, params,
                        "sink: committing a batch", err);
    if (r) break;
    st = sink_wait_db(k, &since, err);
    if (st != EVS_OK) break;
    /* the commit may have gone through before the connection went: the stored offsets say */
    st = batch_outcome(k, &committed, err);
  }
  evs_buf_free(&offsets);
  evs_buf_reset(&k->batch);
  size_t n = k->n;
  k->n = 0;
  k->idle_since = now_s();
  if (st != EVS_OK) return st;
  if (r) {
    k->st.appended += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    k->st.duplicates += strtoull(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
  } else {
    k->st.appended += n; /* the lost commit's: its counts never came back */
  }
  k->st.batches++;
  for (size_t i = 0; i < k->n_parts; i++) {
    k->parts[i].from = k->parts[i].next;
    k->parts[i].dirty = false;
  }
  if (k->o->after_commit && !k->o->after_commit(k->o->hook_ctx, no)) {
    k->crashed = true;
    return evs_fail(err, EVS_ERR_IO, "stopped by the hook after committing batch %llu", no);
  }
  return EVS_OK;
}

static void on_revoke(void *ctx) {
  sink *k = ctx;
  /* the group re-joins: no record can come until the next assignment, however long that takes */
  k->assigned = false;
  if (k->crashed || k->failed != EVS_OK) {
    /* a crash writes nothing more: the batch is read again from the stored offsets */
    evs_buf_reset(&k->batch);
    k->n = 0;
    return;
  }
  evs_error e;
  evs_error_clear(&e);
  evs_status st = flush(k, &e);
  if (st != EVS_OK) fail_once(k, st, &e);
}

/* A record into the open batch. Records that are not events of the store (invalid) go to the dead-letter
 * topic through the consumer (a failing handler is dead-lettered with its message). */
static evs_status handle(const evs_record *rec, void *ctx, evs_error *err) {
  sink *k = ctx;
  if (k->crashed || k->failed != EVS_OK) return evs_fail(err, EVS_ERR_IO, "the sink has stopped");
  k->st.records++;
  evs_ce_event ce = {.specversion = rec->specversion,
                     .id = rec->id,
                     .source = rec->source,
                     .type = rec->type,
                     .time = rec->time,
                     .subject = rec->subject,
                     .dataschema = rec->dataschema,
                     .content_type = rec->content_type,
                     .schema_version = rec->schema_version,
                     .correlation_id = rec->correlation_id,
                     .causation_id = rec->causation_id,
                     .tags = rec->tags};
  /* the store keeps the payload's JSON: the Kafka content type does not describe it */
  ce.content_type = NULL;
  evs_store_event ev = {&ce, rec->msg};
  evs_status st = store_check_event(k->s, &ev, &k->vs, err);
  if (st != EVS_OK) return st;
  size_t mark = k->batch.len;
  st = store_event_row(k->s, &ev, STORE_ROW_COPY, &k->batch, NULL, err);
  if (st != EVS_OK) {
    k->batch.len = mark;
    return st;
  }
  sink_part *p = part_of(k, rec->topic, rec->partition, true);
  if (!p) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  if (!k->n) k->opened = now_s();
  k->n++;
  p->next = rec->offset + 1;
  p->dirty = true;
  if (k->n >= (k->o->batch_size ? k->o->batch_size : 1000)) {
    st = flush(k, err);
    /* the consumer must not go on past a batch that is not stored: its records are read again */
    if (st != EVS_OK) {
      fail_once(k, st, err);
      return EVS_ERR_IO;
    }
  }
  return EVS_OK;
}

evs_status evs_store_sink_run(evs_store *s, const evs_store_sink_options *o, evs_store_sink_stats *stats,
                              evs_error *err) {
  evs_error local;
  if (!err) err = &local;
  evs_error_clear(err);
  if (stats) memset(stats, 0, sizeof *stats);
  if (!s || !o || !o->n_topics) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_store_sink_run: no topic");
  sink k = {.s = s, .o = o, .group = o->group_id && *o->group_id ? o->group_id : "evs-sink"};
  evs_violations_init(&k.vs);
  evs_consumer_options co = {.kafka = o->kafka,
                             .registry = s->reg,
                             .group_id = k.group,
                             .topics = o->topics,
                             .n_topics = o->n_topics,
                             .from_beginning = true,
                             .dlq_topic = o->dlq_topic,
                             .max_attempts = 1,
                             .backoff_ms = -1,
                             .dedupe_window = SIZE_MAX,
                             .validate = true,
                             .offset_for = offset_for,
                             .on_revoke = on_revoke,
                             .offsets_ctx = &k};
  evs_consumer *c = NULL;
  evs_status st = evs_consumer_new(&co, &c, err);
  if (st == EVS_OK) st = evs_consumer_on(c, "*", handle, &k, err);
  k.idle_since = now_s();
  int batch_ms = o->batch_ms > 0 ? o->batch_ms : 500;
  while (st == EVS_OK && !(o->stop && *o->stop)) {
    int got = 0;
    st = evs_consumer_poll(c, 100, &got, err);
    if (k.failed != EVS_OK || k.crashed) {
      if (k.failed != EVS_OK) {
        *err = k.err;
        st = k.failed;
      } else if (st == EVS_OK) {
        st = evs_fail(err, EVS_ERR_IO, "stopped by the hook");
      }
      break;
    }
    if (st != EVS_OK) break;
    if (got || !k.assigned) k.idle_since = now_s();
    if (k.n && (now_s() - k.opened) * 1000 >= batch_ms) st = flush(&k, err);
    if (o->idle_exit_ms > 0 && (now_s() - k.idle_since) * 1000 >= o->idle_exit_ms) break;
  }
  if (st == EVS_OK) st = flush(&k, err);
  if (st != EVS_OK && k.failed == EVS_OK && !k.crashed) k.crashed = true; /* write nothing more on close */
  if (c) {
    evs_consumer_stats cs;
    evs_consumer_stats_get(c, &cs);
    k.st.dead_lettered = cs.dead_lettered;
    evs_consumer_close(c);
  }
  if (st == EVS_OK && k.failed != EVS_OK) {
    *err = k.err;
    st = k.failed;
  }
  if (stats) *stats = k.st;
  for (size_t i = 0; i < k.n_parts; i++) evs_free(k.parts[i].topic);
  evs_free(k.parts);
  evs_buf_free(&k.batch);
  evs_violations_free(&k.vs);
  return st;
}
