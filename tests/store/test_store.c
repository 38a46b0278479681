/* The store against a real PostgreSQL server (tests/store/with_pg.sh starts one and sets EVS_DATABASE_URL):
 * migrations twice, round-trip equality, duplicates, invalid events refused, 16 writers released by one
 * barrier (one boundary: exactly one wins per round; disjoint boundaries: all win), the after-the-fact
 * oracle, and a follower that must see an event committed late with a lower position exactly once (a naive
 * position-cursor reader running beside it must miss it, or the scenario did not happen). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evs/cloudevents.h"
#include "evs/json.h"
#include "evs/store.h"
#include "pg_count.h"
#include "evs/timeutil.h"
#include "evs/uuid.h"
#include "store/store_internal.h"

#define WRITERS 16
#define ROUNDS 25
#define ORACLE_APPENDS 25 /* per writer */
#define TYPE_A "ISSUE.ASSIGNED.SUCCESS"
#define TYPE_B "CODE.MERGED.SUCCESS"

static const evs_registry *reg(void) {
  const evs_registry *r = evs_registry_builtin(NULL);
  assert_non_null(r);
  return r;
}

static evs_store *open_store(void) {
  evs_store *s = NULL;
  evs_error err;
  if (evs_store_open(NULL, &s, &err) != EVS_OK) fail_msg("open: %s", err.msg);
  return s;
}

/* A thread's own store (cmocka asserts only in the main thread: a thread records its first error). */
static evs_store *thread_store(int *errors, char *error, size_t n) {
  evs_store *s = NULL;
  evs_error err;
  if (evs_store_open(NULL, &s, &err) != EVS_OK && !(*errors)++) snprintf(error, n, "%s", err.msg);
  return s;
}

/* One DCB domain event: its attributes and payload (a valid evs.events.dcb.v1.DomainEvent). */
typedef struct test_event {
  char id[EVS_UUID_STR_SIZE];
  char time[EVS_TIME_RFC3339_SIZE];
  char tags[256];
  evs_ce_event ce;
  ProtobufCMessage *payload;
} test_event;

/* Thread-safe without cmocka: returns false on failure (threads report, the main thread asserts). */
static bool make_event(test_event *e, const char *type, const char *tags, const char *note) {
  memset(e, 0, sizeof *e);
  evs_uuid u;
  if (evs_uuid7_new(&u, NULL) != EVS_OK) return false;
  evs_uuid_format(&u, e->id);
  if (evs_time_format_rfc3339_ms(evs_time_now_ms(), e->time, NULL) != EVS_OK) return false;
  snprintf(e->tags, sizeof e->tags, "%s", tags);
  char json[1024];
  snprintf(
      json, sizeof json,
      "{\"id\":\"%s\",\"type\":\"%s\",\"timestamp\":\"%s\",\"tags\":{},\"metadata\":{\"workflowVersion\":"
      "\"1.0.0\",\"eventSource\":\"system\"},\"data\":{\"note\":\"%s\"}}",
      e->id, type, e->time, note);
  const evs_event_type *et = evs_registry_find_event_type(evs_registry_builtin(NULL), type);
  if (!et) return false;
  if (evs_json_decode(evs_registry_builtin(NULL), et->message->c_desc, json, strlen(json), NULL, NULL,
                      &e->payload, NULL) != EVS_OK)
    return false;
  e->ce = (evs_ce_event){.specversion = "1.0",
                         .id = e->id,
                         .source = "/test/store",
                         .type = type,
                         .time = e->time,
                         .tags = e->tags[0] ? e->tags : NULL};
  return true;
}

static void free_event(test_event *e) {
  if (e->payload) protobuf_c_message_free_unpacked(e->payload, NULL);
  e->payload = NULL;
}

static evs_status append_one(evs_store *s, test_event *e, const evs_store_condition *c, int64_t *pos,
                             evs_error *err) {
  evs_store_event ev = {.ce = &e->ce, .payload = e->payload};
  evs_store_append_result res = {.positions = pos};
  return evs_store_append(s, &ev, 1, c, &res, NULL, err);
}

/* ---- migrations, round trip, duplicates, invalid input -------------------------------------------- */

static void test_migrate_twice(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  int applied = -1;
  assert_int_equal(evs_store_migrate(s, &applied, &err), EVS_OK);
  assert_int_equal(evs_store_migrate(s, &applied, &err), EVS_OK);
  assert_int_equal(applied, 0);
  assert_int_equal(sql_count("SELECT count(*) FROM schema_migrations"), EVS_STORE_SCHEMA_VERSION);
  assert_int_equal(sql_count("SELECT max(version) FROM schema_migrations"), EVS_STORE_SCHEMA_VERSION);
  /* migration 5 dropped the JSONB sink commit of migration 3; the COPY one (migration 4) stays */
  assert_int_equal(sql_count("SELECT count(*) FROM pg_proc WHERE proname = 'evs_sink_commit'"), 0);
  assert_int_equal(sql_count("SELECT count(*) FROM pg_proc WHERE proname = 'evs_sink_commit_staged'"), 1);
  assert_int_equal(sql_count("SELECT count(*) FROM schema_migrations WHERE version = 5 AND name = 'drop "
                             "evs_sink_commit'"),
                   1);
  /* migration 8: the tags index merges its pending list at 256 kB */
  assert_int_equal(sql_count("SELECT count(*) FROM pg_class WHERE relname = 'idx_events_tags' AND "
                             "'gin_pending_list_limit=256' = ANY (reloptions)"),
                   1);
  evs_store_close(s);
}

typedef struct collected {
  size_t n;
  char ids[64][EVS_UUID_STR_SIZE];
  char data[64][2048];
  char tags[64][256];
  int64_t positions[64];
} collected;

static evs_status collect(void *ctx, const evs_stored_event *ev, evs_error *err) {
  (void)err;
  collected *c = ctx;
  if (c->n == 64) return EVS_ERR_LIMIT;
  snprintf(c->ids[c->n], sizeof c->ids[0], "%s", ev->ce.id);
  snprintf(c->data[c->n], sizeof c->data[0], "%.*s", (int)ev->ce.data_len, (const char *)ev->ce.data);
  snprintf(c->tags[c->n], sizeof c->tags[0], "%s", ev->ce.tags ? ev->ce.tags : "");
  c->positions[c->n] = ev->position;
  c->n++;
  return EVS_OK;
}

/* Packs a message for a byte comparison (the same message packs to the same bytes). */
static uint8_t *pack(const ProtobufCMessage *m, size_t *len) {
  *len = protobuf_c_message_get_packed_size(m);
  uint8_t *b = malloc(*len ? *len : 1);
  protobuf_c_message_pack(m, b);
  return b;
}

/* The lock keys a small append names (migration 9: computed by the client), as the [type, key, value]
 * arrays the server hashes and as the hashes computed here for the one-event path, are the keys the
 * server's evs_lock_keys computes from the same events and condition: the same set of (hash, exclusive), over
 * random events and conditions whose tag keys and values hold what JSON escapes (quotes, backslashes, control
 * characters) and non-ASCII text. A key written differently by the client hashes differently: the append
 * would lock nothing a reader or a bulk append locks. */
static void test_lock_keys_match_server(void **state) {
  (void)state;
  static const char *const values[] = {"plain",         "\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac",
                                       "q\"b\\s",       "t\th\nn\rr",
                                       "c\x01\x1f\x7f", "",
                                       "a/b c&d=e%",    "\xf0\x9f\x98\x80"};
  static const char *const keys[] = {"issueId", "prId", "Z", "\xd0\xba\xd0\xbb", "a\"b", "userId"};
  static const char *const types[] = {TYPE_A, TYPE_B};
  evs_store *s = open_store();
  PGconn *c = pg_connect();
  /* the server hashes as the library does: the one-event path is in use */
  assert_true(store_hash_agrees(s));
  unsigned seed = 11;
  evs_buf rows = EVS_BUF_INIT, q = EVS_BUF_INIT, tagtext = EVS_BUF_INIT, ids = EVS_BUF_INIT,
          modes = EVS_BUF_INIT;
  store_keys lk;
  memset(&lk, 0, sizeof lk);
  for (int round = 0; round < 300; round++) {
    test_event ev[3];
    size_t n = 1 + (size_t)rand_r(&seed) % 3;
    evs_buf_reset(&rows);
    store_keys_reset(&lk, true);
    evs_buf_append_byte(&rows, '[');
    for (size_t i = 0; i < n; i++) {
      evs_tag t[3];
      size_t nt = (size_t)rand_r(&seed) % 4, first = (size_t)rand_r(&seed) % 6;
      for (size_t j = 0; j < nt; j++) /* distinct keys: one value per key */
        t[j] = (evs_tag){keys[(first + j) % 6], values[rand_r(&seed) % 8]};
      evs_buf_reset(&tagtext);
      assert_int_equal(evs_ce_tags_encode(t, nt, &tagtext), EVS_OK);
      evs_buf_append_byte(&tagtext, 0);
      assert_true(tagtext.len < sizeof ev[i].tags);
      assert_true(make_event(&ev[i], types[rand_r(&seed) % 2], (const char *)tagtext.data, "keys"));
      evs_store_event se = {.ce = &ev[i].ce, .payload = ev[i].payload};
      if (i) evs_buf_append_byte(&rows, ',');
      evs_error err;
      assert_int_equal(store_event_row(s, &se, STORE_ROW_JSON, &rows, &lk, &err), EVS_OK);
    }
    evs_buf_append_str(&rows, "]");
    evs_buf_append_byte(&rows, 0);
    /* a condition of 0-3 items (0: all), each of 0-2 types and 0-3 tags, a key now and then given twice
     * (the same value, or a contradiction) */
    evs_store_item items[3];
    evs_tag item_tags[3][3];
    const char *item_types[3][2];
    size_t n_items = (size_t)rand_r(&seed) % 4;
    for (size_t i = 0; i < n_items; i++) {
      items[i] = (evs_store_item){.types = item_types[i], .tags = item_tags[i]};
      items[i].n_types = (size_t)rand_r(&seed) % 3;
      for (size_t j = 0; j < items[i].n_types; j++) item_types[i][j] = types[rand_r(&seed) % 2];
      items[i].n_tags = (size_t)rand_r(&seed) % 4;
      for (size_t j = 0; j < items[i].n_tags; j++)
        item_tags[i][j] = (evs_tag){keys[rand_r(&seed) % 6], values[rand_r(&seed) % 8]};
    }
    evs_store_query query = {.items = items, .n_items = n_items};
    evs_buf_reset(&q);
    store_query_lock_keys(&query, &lk);
    size_t n_keys = 0;
    assert_int_equal(store_keys_finish(&lk, false, &ids, &modes, &n_keys), EVS_OK);
    assert_int_equal(store_query_json(&query, &q), EVS_OK);
    evs_buf_append_byte(&q, 0);
    const char *params[6] = {(const char *)lk.shared.data, (const char *)lk.excl.data,
                             (const char *)rows.data,      (const char *)q.data,
                             (const char *)ids.data,       (const char *)modes.data};
    PGresult *r = PQexecParams(
        c,
        "SELECT (SELECT string_agg(z.k || ':' || z.x, ' ' ORDER BY z.k) FROM (SELECT y.k, bool_or(y.x) AS x "
        "FROM (SELECT hashtextextended(a.v::text, 0) AS k, false AS x FROM jsonb_array_elements($1::jsonb) "
        "AS "
        "a(v) UNION ALL SELECT hashtextextended(a.v::text, 0), true FROM jsonb_array_elements($2::jsonb) AS "
        "a(v)) AS y GROUP BY y.k) AS z), (SELECT string_agg(l.k || ':' || l.excl, ' ' ORDER BY l.k) FROM "
        "evs_lock_keys($3::jsonb, $4::jsonb) AS l), (SELECT string_agg(u.k || ':' || u.x, ' ' ORDER BY u.k) "
        "FROM unnest($5::bigint[], $6::boolean[]) AS u(k, x))",
        6, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("keys: %s", PQresultErrorMessage(r));
    if (strcmp(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1)) != 0 ||
        strcmp(PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 1)))
      fail_msg(
          "round %d: the client's keys differ from evs_lock_keys'\n events %s\n query %s\n client "
          "%s / %s\n %s\n hashed here %s\n server %s",
          round, (const char *)rows.data, (const char *)q.data, (const char *)lk.shared.data,
          (const char *)lk.excl.data, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 1));
    PQclear(r);
    for (size_t i = 0; i < n; i++) free_event(&ev[i]);
  }
  evs_buf_free(&rows);
  store_keys_free(&lk);
  evs_buf_free(&ids);
  evs_buf_free(&modes);
  evs_buf_free(&q);
  evs_buf_free(&tagtext);
  PQfinish(c);
  evs_store_close(s);
}

static void test_roundtrip_and_duplicates(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  test_event e[3];
  assert_true(make_event(&e[0], TYPE_A, "issueId=rt-1&mode=dev", "caf\\u00e9 \\\"quoted\\\""));
  assert_true(make_event(&e[1], TYPE_B, "issueId=rt-1&prId=9", "second"));
  assert_true(make_event(&e[2], TYPE_A, "issueId=rt-2", "third"));
  evs_store_event ev[3] = {{&e[0].ce, e[0].payload}, {&e[1].ce, e[1].payload}, {&e[2].ce, e[2].payload}};
  int64_t pos[3];
  bool dup[3];
  evs_store_append_result res = {.positions = pos, .duplicate = dup};
  assert_int_equal(evs_store_append(s, ev, 3, NULL, &res, NULL, &err), EVS_OK);
  assert_int_equal(res.appended, 3);
  assert_true(pos[0] < pos[1] && pos[1] < pos[2]);

  /* read back: same ids, tags, and data that decodes to the same message */
  const char *types[] = {TYPE_A, TYPE_B};
  evs_tag tag = {"issueId", "rt-1"};
  evs_store_item item = {.types = types, .n_types = 2, .tags = &tag, .n_tags = 1};
  evs_store_query q = {.items = &item, .n_items = 1};
  collected got = {0};
  int64_t head = 0;
  assert_int_equal(evs_store_read(s, &q, 0, 0, collect, &got, &head, &err), EVS_OK);
  assert_int_equal(got.n, 2);
  assert_true(head >= pos[2]);
  assert_string_equal(got.tags[0], "issueId=rt-1&mode=dev");
  for (size_t i = 0; i < 2; i++) {
    assert_string_equal(got.ids[i], e[i].id);
    assert_int_equal(got.positions[i], pos[i]);
    ProtobufCMessage *back = NULL;
    assert_int_equal(evs_json_decode(reg(), e[i].payload->descriptor, got.data[i], strlen(got.data[i]), NULL,
                                     NULL, &back, &err),
                     EVS_OK);
    size_t la, lb;
    uint8_t *a = pack(e[i].payload, &la), *b = pack(back, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    protobuf_c_message_free_unpacked(back, NULL);
  }

  /* the same batch again: all duplicates, same positions, nothing stored */
  long long before = sql_count("SELECT count(*) FROM events");
  int64_t pos2[3];
  res = (evs_store_append_result){.positions = pos2, .duplicate = dup};
  assert_int_equal(evs_store_append(s, ev, 3, NULL, &res, NULL, &err), EVS_OK);
  assert_int_equal(res.appended, 0);
  assert_int_equal(res.duplicates, 3);
  assert_true(dup[0] && dup[1] && dup[2]);
  assert_memory_equal(pos, pos2, sizeof pos);
  /* one new, one old: the new one stored, the old one reported */
  test_event fresh;
  assert_true(make_event(&fresh, TYPE_A, "issueId=rt-3", "fresh"));
  evs_store_event mix[2] = {{&fresh.ce, fresh.payload}, {&e[0].ce, e[0].payload}};
  res = (evs_store_append_result){.positions = pos2, .duplicate = dup};
  assert_int_equal(evs_store_append(s, mix, 2, NULL, &res, NULL, &err), EVS_OK);
  assert_int_equal(res.appended, 1);
  assert_int_equal(res.duplicates, 1);
  assert_false(dup[0]);
  assert_true(dup[1]);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), before + 1);
  /* the stored row keeps the millisecond time and the id as a uuid */
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM events WHERE event_id = '%s' AND time = '%s'::timestamptz AND type = '%s'",
           e[0].id, e[0].time, TYPE_A);
  assert_int_equal(sql_count(sql), 1);
  for (int i = 0; i < 3; i++) free_event(&e[i]);
  free_event(&fresh);
  evs_store_close(s);
}

static void test_invalid_not_stored(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  long long before = sql_count("SELECT count(*) FROM events");
  test_event good, bad;
  assert_true(make_event(&good, TYPE_A, "issueId=inv-1", "good"));
  assert_true(make_event(&bad, TYPE_A, "issueId=inv-1", "bad"));
  /* a payload rule broken: DomainEvent.type must be one of the registered types */
  ProtobufCMessage *p = bad.payload;
  const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(p->descriptor, "type");
  char **slot = (char **)((char *)p + fd->offset);
  free(*slot);
  *slot = strdup("not a type");
  evs_store_event ev[2] = {{&good.ce, good.payload}, {&bad.ce, bad.payload}};
  evs_violations vs;
  evs_violations_init(&vs);
  evs_store_append_result res = {0};
  assert_int_equal(evs_store_append(s, ev, 2, NULL, &res, &vs, &err), EVS_ERR_VALIDATION);
  assert_int_equal(res.invalid_index, 1);
  assert_true(vs.n >= 1);
  assert_non_null(strstr(err.msg, "event 2"));
  evs_violations_free(&vs);
  /* an id that is not a UUIDv7 (the envelope's rule) */
  good.ce.id = "0190b0a0-0001-4000-8000-000000000001";
  assert_int_equal(evs_store_append(s, ev, 1, NULL, &res, NULL, &err), EVS_ERR_VALIDATION);
  /* one tag key twice: the store keeps one value per key */
  good.ce.id = good.id;
  good.ce.tags = "issueId=1&issueId=2";
  assert_int_equal(evs_store_append(s, ev, 1, NULL, &res, NULL, &err), EVS_ERR_DUPLICATE);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), before);
  free_event(&good);
  free_event(&bad);
  evs_store_close(s);
}

/* A DCB read with a limit returns the first `limit` matching events after `after`, in position order, with
 * the head of the whole log (migration 10 finds the boundary as positions and fetches only those). */
static void test_read_limit(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  int64_t pos[12];
  for (int i = 0; i < 12; i++) {
    test_event e;
    /* every other event on the boundary, the rest elsewhere */
    assert_true(make_event(&e, TYPE_A, i % 2 ? "issueId=lim-other" : "issueId=lim-1&userId=u7", "lim"));
    assert_int_equal(append_one(s, &e, NULL, &pos[i], &err), EVS_OK);
    free_event(&e);
  }
  evs_tag t = {"issueId", "lim-1"};
  const char *types[] = {TYPE_A};
  evs_store_item item = {.types = types, .n_types = 1, .tags = &t, .n_tags = 1};
  evs_store_query q = {.items = &item, .n_items = 1};
  collected all = {0}, some = {0}, none = {0};
  int64_t head_all = 0, head_some = 0, head_none = 0;
  assert_int_equal(evs_store_read(s, &q, 0, 0, collect, &all, &head_all, &err), EVS_OK);
  assert_int_equal(all.n, 6);
  assert_int_equal(evs_store_read(s, &q, pos[2], 2, collect, &some, &head_some, &err), EVS_OK);
  assert_int_equal(some.n, 2);
  assert_int_equal(some.positions[0], pos[4]);
  assert_int_equal(some.positions[1], pos[6]);
  assert_string_equal(some.ids[0], all.ids[2]);
  assert_string_equal(some.data[1], all.data[3]);
  assert_int_equal(head_some, head_all);
  assert_true(head_all >= pos[11]);
  /* nothing after the last: no events, the head all the same */
  assert_int_equal(evs_store_read(s, &q, pos[10], 3, collect, &none, &head_none, &err), EVS_OK);
  assert_int_equal(none.n, 0);
  assert_int_equal(head_none, head_all);
  evs_store_close(s);
}

static void test_conditions(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  test_event a, b;
  assert_true(make_event(&a, TYPE_A, "issueId=c-1&userId=u1", "a"));
  assert_true(make_event(&b, TYPE_A, "issueId=c-1", "b"));
  int64_t pa = 0, pb = 0;
  assert_int_equal(append_one(s, &a, NULL, &pa, &err), EVS_OK);
  evs_store_condition c;
  evs_store_spec *o = NULL;
  /* a tag-less item (type only) from before a: fails */
  const char *cj = "{\"failIfEventsMatch\":[{\"types\":[\"" TYPE_A "\"]}]}";
  assert_int_equal(evs_store_condition_parse(cj, strlen(cj), &c, &o, &err), EVS_OK);
  c.after = pa - 1;
  assert_int_equal(append_one(s, &b, &c, &pb, &err), EVS_ERR_CONFLICT);
  evs_store_spec_free(o);
  /* a type-less item on a tag a has, after a: succeeds */
  cj = "{\"failIfEventsMatch\":{\"items\":[{\"tags\":[\"issueId:c-1\",\"userId:u1\"]}]},\"after\":0}";
  assert_int_equal(evs_store_condition_parse(cj, strlen(cj), &c, &o, &err), EVS_OK);
  assert_int_equal(append_one(s, &b, &c, &pb, &err), EVS_ERR_CONFLICT);
  c.after = pa;
  assert_int_equal(append_one(s, &b, &c, &pb, &err), EVS_OK);
  assert_true(pb > pa);
  /* b again (an idempotent retry) under a condition that now fails: a duplicate at its position */
  int64_t again = 0;
  c.after = pa - 1;
  assert_int_equal(append_one(s, &b, &c, &again, &err), EVS_OK);
  assert_int_equal(again, pb);
  /* more than 100 positions after `after`: the condition is built and planned for its values (GIN) rather
   * than the static walk from `after`; it must agree */
  test_event *fill = calloc(120, sizeof *fill);
  evs_store_event *fev = calloc(120, sizeof *fev);
  for (int i = 0; i < 120; i++) {
    char tags[32];
    snprintf(tags, sizeof tags, "issueId=c-fill-%d", i);
    assert_true(make_event(&fill[i], TYPE_A, tags, "filler"));
    fev[i] = (evs_store_event){&fill[i].ce, fill[i].payload};
  }
  assert_int_equal(evs_store_append(s, fev, 120, NULL, NULL, NULL, &err), EVS_OK);
  for (int i = 0; i < 120; i++) free_event(&fill[i]);
  free(fill);
  free(fev);
  test_event late;
  assert_true(make_event(&late, TYPE_A, "issueId=c-1", "late"));
  c.after = pa - 1;
  assert_int_equal(append_one(s, &late, &c, NULL, &err), EVS_ERR_CONFLICT); /* a (both tags) is at pa */
  c.after = pa;
  assert_int_equal(append_one(s, &late, &c, NULL, &err), EVS_OK);
  free_event(&late);
  evs_store_spec_free(o);
  /* two values for one key: matches nothing, so never fails */
  test_event d;
  assert_true(make_event(&d, TYPE_A, "issueId=c-1", "d"));
  cj = "{\"failIfEventsMatch\":[{\"tags\":[\"issueId:c-1\",\"issueId:c-2\"]}]}";
  assert_int_equal(evs_store_condition_parse(cj, strlen(cj), &c, &o, &err), EVS_OK);
  assert_int_equal(append_one(s, &d, &c, NULL, &err), EVS_OK);
  evs_store_spec_free(o);
  /* "all" with after = the head: fails as soon as anything is appended after it */
  test_event f;
  assert_true(make_event(&f, TYPE_B, "", "f"));
  cj = "{\"failIfEventsMatch\":\"all\",\"after\":1}";
  assert_int_equal(evs_store_condition_parse(cj, strlen(cj), &c, &o, &err), EVS_OK);
  assert_int_equal(append_one(s, &f, &c, NULL, &err), EVS_ERR_CONFLICT);
  evs_store_spec_free(o);
  /* malformed conditions */
  static const char *const bad[] = {"{\"failIfEventsMatch\":[]}",
                                    "{\"failIfEventsMatch\":[{\"tags\":[\"nocolon\"]}]}",
                                    "{\"failIfEventsMatch\":\"all\",\"after\":-1}",
                                    "{\"after\":1}",
                                    "{\"failIfEventsMatch\":[{\"typo\":[]}]}",
                                    "[1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_not_equal(evs_store_condition_parse(bad[i], strlen(bad[i]), &c, &o, &err), EVS_OK);
    assert_null(o);
  }
  free_event(&a);
  free_event(&b);
  free_event(&d);
  free_event(&f);
  evs_store_close(s);
}

/* ---- racers ------------------------------------------------------------------------------------------ */

typedef struct racer {
  int id;
  pthread_barrier_t *barrier;
  bool disjoint;
  int wins[ROUNDS];
  int conflicts, errors;
  char error[320];
} racer;

static void *race(void *arg) {
  racer *r = arg;
  evs_error err;
  evs_store *s = thread_store(&r->errors, r->error, sizeof r->error);
  for (int round = 0; round < ROUNDS; round++) {
    char tag[64], tags[96];
    if (r->disjoint)
      snprintf(tag, sizeof tag, "race-d-%d-%d", round, r->id);
    else
      snprintf(tag, sizeof tag, "race-%d", round);
    snprintf(tags, sizeof tags, "issueId=%s&writer=w%d", tag, r->id);
    const char *types[] = {TYPE_A};
    evs_tag t = {"issueId", tag};
    evs_store_item item = {.types = types, .n_types = 1, .tags = &t, .n_tags = 1};
    evs_store_condition c = {.fail_if_events_match = {.items = &item, .n_items = 1}};
    collected seen = {0};
    evs_status st = s ? evs_store_read(s, &c.fail_if_events_match, 0, 0, collect, &seen, &c.after, &err)
                      : EVS_ERR_DATABASE;
    test_event e;
    bool made = make_event(&e, TYPE_A, tags, "race");
    /* every writer has decided (read its boundary) before any appends */
    pthread_barrier_wait(r->barrier);
    if (st == EVS_OK && made)
      st = append_one(s, &e, &c, NULL, &err);
    else if (st == EVS_OK)
      st = EVS_ERR_INTERNAL;
    if (st == EVS_OK)
      r->wins[round] = 1;
    else if (st == EVS_ERR_CONFLICT)
      r->conflicts++;
    else if (!r->errors++)
      snprintf(r->error, sizeof r->error, "%s", err.msg);
    free_event(&e);
    pthread_barrier_wait(r->barrier);
  }
  evs_store_close(s);
  return NULL;
}

static void run_racers(bool disjoint) {
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, WRITERS);
  racer r[WRITERS];
  pthread_t th[WRITERS];
  for (int i = 0; i < WRITERS; i++) {
    r[i] = (racer){.id = i, .barrier = &barrier, .disjoint = disjoint};
    pthread_create(&th[i], NULL, race, &r[i]);
  }
  for (int i = 0; i < WRITERS; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&barrier);
  for (int i = 0; i < WRITERS; i++)
    if (r[i].errors) fail_msg("writer %d: %d errors, first: %s", i, r[i].errors, r[i].error);
  for (int round = 0; round < ROUNDS; round++) {
    int wins = 0;
    for (int i = 0; i < WRITERS; i++) wins += r[i].wins[round];
    if (wins != (disjoint ? WRITERS : 1)) fail_msg("round %d: %d of %d writers won", round, wins, WRITERS);
  }
}

static void test_racers_one_boundary(void **state) {
  (void)state;
  run_racers(false);
  assert_int_equal(sql_count("SELECT count(*) FROM events WHERE tags->>'issueId' LIKE 'race-%' AND "
                             "tags->>'issueId' NOT LIKE 'race-d-%'"),
                   ROUNDS);
}

static void test_racers_disjoint(void **state) {
  (void)state;
  run_racers(true);
  assert_int_equal(sql_count("SELECT count(*) FROM events WHERE tags->>'issueId' LIKE 'race-d-%'"),
                   ROUNDS * WRITERS);
}

/* ---- the after-the-fact oracle ----------------------------------------------------------------------- */

/* A random query over a small tag/type space (so that appends collide), as in bwaidelich's oracle: all,
 * types only, tags only, both, or two items. */
typedef struct oq {
  int kind;            /* 0 all, 1 types, 2 tags, 3 both, 4 two items */
  int type, issue, pr; /* type 0 = A, 1 = B; issue 0..2; pr 0..1 */
} oq;

typedef struct decision {
  oq q;
  int64_t after;    /* the position read up to */
  size_t seen;      /* matching events the read returned */
  int64_t position; /* where the append landed */
} decision;

typedef struct oracle_writer {
  int id;
  unsigned seed;
  decision d[ORACLE_APPENDS];
  int n, errors;
  char error[320];
} oracle_writer;

static const char *const o_types[] = {TYPE_A, TYPE_B};
static const char *const o_issues[] = {"o-1", "o-2", "o-3"};
static const char *const o_prs[] = {"p-1", "p-2"};

static bool oq_matches(const oq *q, int type, int issue, int pr) {
  switch (q->kind) {
    case 0:
      return true;
    case 1:
      return type == q->type;
    case 2:
      return issue == q->issue;
    case 3:
      return type == q->type && issue == q->issue;
    default:
      return (type == q->type && issue == q->issue) || pr == q->pr;
  }
}

/* The store query of q; items/tags storage in the caller. */
static void oq_build(const oq *q, evs_store_item items[2], evs_tag tags[2], evs_store_query *out) {
  memset(items, 0, 2 * sizeof *items);
  tags[0] = (evs_tag){"issueId", o_issues[q->issue]};
  tags[1] = (evs_tag){"prId", o_prs[q->pr]};
  *out = (evs_store_query){.items = items, .n_items = 1};
  switch (q->kind) {
    case 0:
      out->n_items = 0;
      break;
    case 1:
      items[0] = (evs_store_item){.types = &o_types[q->type], .n_types = 1};
      break;
    case 2:
      items[0] = (evs_store_item){.tags = &tags[0], .n_tags = 1};
      break;
    case 3:
      items[0] = (evs_store_item){.types = &o_types[q->type], .n_types = 1, .tags = &tags[0], .n_tags = 1};
      break;
    default:
      items[0] = (evs_store_item){.types = &o_types[q->type], .n_types = 1, .tags = &tags[0], .n_tags = 1};
      items[1] = (evs_store_item){.tags = &tags[1], .n_tags = 1};
      out->n_items = 2;
  }
}

static evs_status count_event(void *ctx, const evs_stored_event *ev, evs_error *err) {
  (void)ev;
  (void)err;
  (*(size_t *)ctx)++;
  return EVS_OK;
}

static void *oracle_run(void *arg) {
  oracle_writer *w = arg;
  evs_error err;
  evs_store *s = thread_store(&w->errors, w->error, sizeof w->error);
  if (!s) return NULL;
  for (int i = 0; i < ORACLE_APPENDS * 4 && w->n < ORACLE_APPENDS; i++) {
    decision d = {.q = {.kind = rand_r(&w->seed) % 5,
                        .type = rand_r(&w->seed) % 2,
                        .issue = rand_r(&w->seed) % 3,
                        .pr = rand_r(&w->seed) % 2}};
    evs_store_item items[2];
    evs_tag tags[2];
    evs_store_condition c = {0};
    oq_build(&d.q, items, tags, &c.fail_if_events_match);
    if (evs_store_read(s, &c.fail_if_events_match, 0, 0, count_event, &d.seen, &d.after, &err) != EVS_OK) {
      if (!w->errors++) snprintf(w->error, sizeof w->error, "read: %s", err.msg);
      continue;
    }
    c.after = d.after;
    int type = rand_r(&w->seed) % 2, issue = rand_r(&w->seed) % 3, pr = rand_r(&w->seed) % 2;
    char tagtext[96];
    snprintf(tagtext, sizeof tagtext, "issueId=%s&prId=%s", o_issues[issue], o_prs[pr]);
    test_event e;
    if (!make_event(&e, o_types[type], tagtext, "oracle")) {
      w->errors++;
      continue;
    }
    evs_status st = append_one(s, &e, &c, &d.position, &err);
    free_event(&e);
    if (st == EVS_OK)
      w->d[w->n++] = d;
    else if (st != EVS_ERR_CONFLICT && !w->errors++)
      snprintf(w->error, sizeof w->error, "append: %s", err.msg);
  }
  evs_store_close(s);
  return NULL;
}

typedef struct log_entry {
  int64_t position;
  int type, issue, pr;
} log_entry;

typedef struct log {
  log_entry *e;
  size_t n, cap;
  bool unordered;
} log;

static int index_of(const char *const *list, size_t n, const char *s) {
  for (size_t i = 0; s && i < n; i++)
    if (strcmp(list[i], s) == 0) return (int)i;
  return -1;
}

static evs_status log_event(void *ctx, const evs_stored_event *ev, evs_error *err) {
  (void)err;
  log *l = ctx;
  if (l->n && ev->position <= l->e[l->n - 1].position) l->unordered = true;
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 1024;
    l->e = realloc(l->e, l->cap * sizeof *l->e);
  }
  /* tags come back as "issueId=o-1&prId=p-2" (keys sorted) */
  int issue = -1, pr = -1;
  const char *t = ev->ce.tags ? ev->ce.tags : "";
  const char *i = strstr(t, "issueId=o-"), *p = strstr(t, "prId=p-");
  if (i) issue = i[10] - '1';
  if (p) pr = p[7] - '1';
  l->e[l->n++] = (log_entry){ev->position, index_of(o_types, 2, ev->ce.type), issue, pr};
  return EVS_OK;
}

static void test_oracle(void **state) {
  (void)state;
  oracle_writer w[WRITERS];
  pthread_t th[WRITERS];
  for (int i = 0; i < WRITERS; i++) {
    w[i] = (oracle_writer){.id = i, .seed = 1234u + (unsigned)i};
    pthread_create(&th[i], NULL, oracle_run, &w[i]);
  }
  for (int i = 0; i < WRITERS; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < WRITERS; i++)
    if (w[i].errors) fail_msg("writer %d: %d errors, first: %s", i, w[i].errors, w[i].error);
  /* one pass over the whole log */
  evs_store *s = open_store();
  evs_error err;
  log l = {0};
  evs_store_filter f = {0};
  assert_int_equal(evs_store_scan(s, &f, log_event, &l, &err), EVS_OK);
  evs_store_close(s);
  assert_false(l.unordered);
  size_t decisions = 0;
  for (int i = 0; i < WRITERS; i++)
    for (int k = 0; k < w[i].n; k++) {
      const decision *d = &w[i].d[k];
      decisions++;
      size_t before = 0;
      for (size_t j = 0; j < l.n; j++) {
        const log_entry *e = &l.e[j];
        /* events of the other tests have other types or tags (-1): they match only what they match */
        if (!oq_matches(&d->q, e->type, e->issue, e->pr)) continue;
        if (e->position <= d->after)
          before++;
        else if (e->position < d->position)
          fail_msg(
              "query kind %d: matching event at %lld appeared between the read (up to %lld) and the append "
              "at %lld",
              d->q.kind, (long long)e->position, (long long)d->after, (long long)d->position);
      }
      /* the read saw every matching event up to its head: none committed late below it */
      if (before != d->seen)
        fail_msg("query kind %d: the read returned %zu events up to %lld, the log has %zu", d->q.kind,
                 d->seen, (long long)d->after, before);
    }
  assert_true(decisions >= WRITERS * 3); /* enough appends got through for the check to mean something */
  free(l.e);
}

/* ---- a follower against a late commit ------------------------------------------------------------------ */

#define FOLLOW_WRITERS 6
#define FOLLOW_EACH 20

typedef struct follow_state {
  pthread_mutex_t mu;
  char (*ids)[EVS_UUID_STR_SIZE];
  size_t n, cap;
  volatile int stop;
  int errors;
  char error[320];
} follow_state;

static evs_status follow_collect(void *ctx, const evs_stored_event *ev, evs_error *err) {
  (void)err;
  follow_state *f = ctx;
  pthread_mutex_lock(&f->mu);
  if (f->n == f->cap) {
    f->cap = f->cap ? f->cap * 2 : 256;
    f->ids = realloc(f->ids, f->cap * sizeof *f->ids);
  }
  snprintf(f->ids[f->n++], EVS_UUID_STR_SIZE, "%s", ev->ce.id);
  pthread_mutex_unlock(&f->mu);
  return EVS_OK;
}

static void *follower(void *arg) {
  follow_state *f = arg;
  evs_error err;
  evs_store *s = thread_store(&f->errors, f->error, sizeof f->error);
  if (!s) return NULL;
  const char *types[] = {TYPE_B};
  evs_tag tag = {"mode", "follow"};
  evs_store_item item = {.types = types, .n_types = 1, .tags = &tag, .n_tags = 1};
  evs_store_query q = {.items = &item, .n_items = 1};
  evs_store_cursor cur = {0, 0};
  while (!f->stop) {
    size_t n = 0;
    if (evs_store_follow(s, &q, &cur, 7, follow_collect, f, &n, &err) != EVS_OK) {
      if (!f->errors++) snprintf(f->error, sizeof f->error, "%s", err.msg);
      break;
    }
    if (!n) nanosleep(&(struct timespec){0, 5 * 1000000L}, NULL);
  }
  evs_store_close(s);
  return NULL;
}

/* The naive reader: "last position seen" as its cursor. */
typedef struct naive_state {
  int64_t last;
  volatile int stop;
  char seen_slow;
} naive_state;

static const char *g_slow_id;

static void *naive(void *arg) {
  naive_state *n = arg;
  PGconn *c = pg_connect();
  while (!n->stop) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT position, event_id FROM events WHERE type = '" TYPE_B
             "' AND tags @> '{\"mode\":\"follow\"}' "
             "AND position > %lld ORDER BY position",
             (long long)n->last);
    PGresult *r = PQexec(c, sql);
    for (int i = 0; i < PQntuples(r); i++) {
      n->last = strtoll(PQgetvalue(r, i, 0), NULL, 10);
      if (strcmp(PQgetvalue(r, i, 1), g_slow_id) == 0) n->seen_slow = 1;
    }
    PQclear(r);
    nanosleep(&(struct timespec){0, 5 * 1000000L}, NULL);
  }
  PQfinish(c);
  return NULL;
}

typedef struct follow_writer {
  int id;
  char ids[FOLLOW_EACH][EVS_UUID_STR_SIZE];
  int errors;
  char error[320];
} follow_writer;

static void *follow_write(void *arg) {
  follow_writer *w = arg;
  evs_error err;
  evs_store *s = thread_store(&w->errors, w->error, sizeof w->error);
  if (!s) return NULL;
  for (int i = 0; i < FOLLOW_EACH; i++) {
    char tags[64];
    snprintf(tags, sizeof tags, "mode=follow&writer=f%d", w->id);
    test_event e;
    if (!make_event(&e, TYPE_B, tags, "follow")) {
      w->errors++;
      break;
    }
    snprintf(w->ids[i], EVS_UUID_STR_SIZE, "%s", e.id);
    if (append_one(s, &e, NULL, NULL, &err) != EVS_OK && !w->errors++)
      snprintf(w->error, sizeof w->error, "%s", err.msg);
    free_event(&e);
  }
  evs_store_close(s);
  return NULL;
}

static void test_follower_late_commit(void **state) {
  (void)state;
  /* the slow writer: its event gets a position, then it waits with the transaction open */
  test_event slow;
  assert_true(make_event(&slow, TYPE_B, "mode=follow&writer=slow", "slow"));
  g_slow_id = slow.id;
  evs_store *ss = open_store();
  PGconn *sc = pg_connect();
  /* the row JSON the store would send, built by a real append on a scratch id then rolled back */
  PQclear(PQexec(sc, "BEGIN"));
  char sql[2048];
  snprintf(sql, sizeof sql,
           "SELECT position FROM evs_append('[{\"event_id\":\"%s\",\"type\":\"" TYPE_B
           "\",\"time\":\"%s\","
           "\"tags\":{\"mode\":\"follow\",\"writer\":\"slow\"},\"metadata\":{\"source\":\"/test/store\"},"
           "\"data\":{\"id\":\"%s\",\"type\":\"" TYPE_B
           "\",\"timestamp\":\"%s\",\"metadata\":{\"workflowVersion\":"
           "\"1.0.0\",\"eventSource\":\"system\"},\"data\":{\"note\":\"slow\"}}}]', NULL)",
           slow.id, slow.time, slow.id, slow.time);
  PGresult *r = PQexec(sc, sql);
  assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
  int64_t slow_pos = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);

  follow_state f = {.mu = PTHREAD_MUTEX_INITIALIZER};
  naive_state nv = {0};
  pthread_t ft, nt, wt[FOLLOW_WRITERS];
  pthread_create(&ft, NULL, follower, &f);
  pthread_create(&nt, NULL, naive, &nv);
  follow_writer w[FOLLOW_WRITERS];
  for (int i = 0; i < FOLLOW_WRITERS; i++) {
    w[i] = (follow_writer){.id = i};
    pthread_create(&wt[i], NULL, follow_write, &w[i]);
  }
  for (int i = 0; i < FOLLOW_WRITERS; i++) pthread_join(wt[i], NULL);
  for (int i = 0; i < FOLLOW_WRITERS; i++)
    if (w[i].errors) fail_msg("writer %d: %s", i, w[i].error);
  /* wait until the naive reader has moved past the slow event's position, then commit it */
  int64_t top = sql_count("SELECT max(position) FROM events");
  assert_true(top > slow_pos);
  for (int i = 0; i < 2000 && nv.last < top; i++) nanosleep(&(struct timespec){0, 5 * 1000000L}, NULL);
  assert_true(nv.last >= top);
  pthread_mutex_lock(&f.mu);
  size_t before_commit = f.n;
  pthread_mutex_unlock(&f.mu);
  /* the horizon held the follower back behind the open transaction */
  assert_int_equal(before_commit, 0);
  r = PQexec(sc, "COMMIT");
  assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
  size_t want = FOLLOW_WRITERS * FOLLOW_EACH + 1;
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&f.mu);
    size_t n = f.n;
    pthread_mutex_unlock(&f.mu);
    if (n >= want) break;
    nanosleep(&(struct timespec){0, 5 * 1000000L}, NULL);
  }
  nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL); /* anything delivered twice shows up meanwhile */
  f.stop = 1;
  pthread_join(ft, NULL);
  /* the naive reader is still polling: it never gets the slow event (that is the bug the horizon fixes) */
  nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
  nv.stop = 1;
  pthread_join(nt, NULL);
  assert_false(nv.seen_slow);
  if (f.errors) fail_msg("follower: %s", f.error);
  assert_int_equal(f.n, want);
  size_t hits = 0;
  for (size_t i = 0; i < f.n; i++) hits += strcmp(f.ids[i], slow.id) == 0;
  assert_int_equal(hits, 1);
  for (int i = 0; i < FOLLOW_WRITERS; i++)
    for (int k = 0; k < FOLLOW_EACH; k++) {
      size_t c = 0;
      for (size_t j = 0; j < f.n; j++) c += strcmp(f.ids[j], w[i].ids[k]) == 0;
      if (c != 1) fail_msg("event %s seen %zu times", w[i].ids[k], c);
    }
  free(f.ids);
  PQfinish(sc);
  free_event(&slow);
  evs_store_close(ss);
}

/* ---- large batches ------------------------------------------------------------------------------------ */

#define BIG 5000

/* 5000 events with distinct tags need 30,000 lock keys, more than the server's lock table holds: the
 * batch takes the one exclusive bulk key instead ("out of shared memory" before). */
static void test_big_batch(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  test_event *e = calloc(BIG, sizeof *e);
  evs_store_event *ev = calloc(BIG, sizeof *ev);
  for (int i = 0; i < BIG; i++) {
    char tags[64];
    snprintf(tags, sizeof tags, "issueId=big-%d&prId=big-%d", i, i);
    assert_true(make_event(&e[i], TYPE_A, tags, "big"));
    ev[i] = (evs_store_event){&e[i].ce, e[i].payload};
  }
  evs_store_append_result res = {0};
  if (evs_store_append(s, ev, BIG, NULL, &res, NULL, &err) != EVS_OK) fail_msg("%s", err.msg);
  assert_int_equal(res.appended, BIG);
  for (int i = 0; i < BIG; i++) free_event(&e[i]);
  free(e);
  free(ev);
  evs_store_close(s);
}

/* A batch of more than 64 events goes through COPY into the staging table (migration 4): the same rules as
 * the one-call path. Payload text with the COPY format's specials (tab, newline, backslash) comes back
 * unchanged, an id twice in the batch and ids stored already are duplicates, positions follow the batch's
 * order, the batch again is all duplicates with the same positions, a failing condition stores nothing. */
#define COPY_N 100
static void test_copy_batch(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  test_event *e = calloc(COPY_N, sizeof *e);
  evs_store_event *ev = calloc(COPY_N, sizeof *ev);
  int64_t *pos = calloc(COPY_N, sizeof *pos), *pos2 = calloc(COPY_N, sizeof *pos2);
  bool *dup = calloc(COPY_N, sizeof *dup);
  /* three events stored first, one at a time */
  for (int i = 0; i < COPY_N; i++) {
    char tags[64];
    snprintf(tags, sizeof tags, "issueId=copy-%d", i % 7);
    assert_true(
        make_event(&e[i], i % 2 ? TYPE_A : TYPE_B, tags,
                   i == 5 ? "tab\\there\\nnewline \\\\ backslash \\\\t not a tab caf\\u00e9" : "copy"));
    ev[i] = (evs_store_event){&e[i].ce, e[i].payload};
  }
  for (int i = 10; i < 13; i++) assert_int_equal(append_one(s, &e[i], NULL, NULL, &err), EVS_OK);
  long long before = sql_count("SELECT count(*) FROM events");
  /* event 40 repeats event 20's id: the first one is stored */
  memcpy(e[40].id, e[20].id, sizeof e[40].id);
  evs_store_append_result res = {.positions = pos, .duplicate = dup};
  if (evs_store_append(s, ev, COPY_N, NULL, &res, NULL, &err) != EVS_OK) fail_msg("%s", err.msg);
  assert_int_equal(res.appended, COPY_N - 4);
  assert_int_equal(res.duplicates, 4);
  assert_true(dup[10] && dup[11] && dup[12] && dup[40]);
  assert_false(dup[20] || dup[0] || dup[99]);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), before + COPY_N - 4);
  int64_t prev = 0;
  for (int i = 0; i < COPY_N; i++) {
    if (dup[i]) continue;
    assert_true(pos[i] > prev);
    prev = pos[i];
  }
  assert_int_equal(res.last_position, prev);
  /* the payload with tab, newline and backslashes reads back equal */
  evs_store_filter f = {.after = pos[5] - 1, .before = pos[5] + 1};
  collected *got = calloc(1, sizeof *got);
  assert_int_equal(evs_store_scan(s, &f, collect, got, &err), EVS_OK);
  assert_int_equal(got->n, 1);
  ProtobufCMessage *back = NULL;
  assert_int_equal(evs_json_decode(reg(), e[5].payload->descriptor, got->data[0], strlen(got->data[0]), NULL,
                                   NULL, &back, &err),
                   EVS_OK);
  size_t la, lb;
  uint8_t *a = pack(e[5].payload, &la), *b = pack(back, &lb);
  assert_int_equal(la, lb);
  assert_memory_equal(a, b, la);
  free(a);
  free(b);
  protobuf_c_message_free_unpacked(back, NULL);
  /* the whole batch again: all duplicates, their stored positions; with a condition that would fail too
   * (an idempotent retry does not look at the condition) */
  const char *types[] = {TYPE_A};
  evs_tag tag = {"issueId", "copy-1"};
  evs_store_item item = {.types = types, .n_types = 1, .tags = &tag, .n_tags = 1};
  evs_store_condition c = {.fail_if_events_match = {.items = &item, .n_items = 1}, .after = 0};
  for (int round = 0; round < 2; round++) {
    res = (evs_store_append_result){.positions = pos2, .duplicate = dup};
    if (evs_store_append(s, ev, COPY_N, round ? &c : NULL, &res, NULL, &err) != EVS_OK)
      fail_msg("%s", err.msg);
    assert_int_equal(res.appended, 0);
    assert_int_equal(res.duplicates, COPY_N);
    for (int i = 0; i < COPY_N; i++)
      if (i != 40) assert_int_equal(pos2[i], i >= 10 && i < 13 ? pos2[i] : pos[i]);
  }
  /* a new batch under a condition that fails: nothing stored; under one that holds: stored */
  for (int i = 0; i < COPY_N; i++) {
    free_event(&e[i]);
    assert_true(make_event(&e[i], TYPE_A, "issueId=copy-1", "copy again"));
    ev[i] = (evs_store_event){&e[i].ce, e[i].payload};
  }
  before = sql_count("SELECT count(*) FROM events");
  res = (evs_store_append_result){0};
  assert_int_equal(evs_store_append(s, ev, COPY_N, &c, &res, NULL, &err), EVS_ERR_CONFLICT);
  assert_true(res.conflict_position > 0);
  assert_int_equal(sql_count("SELECT count(*) FROM events"), before);
  c.after = sql_count("SELECT max(position) FROM events");
  res = (evs_store_append_result){.positions = pos, .duplicate = dup};
  if (evs_store_append(s, ev, COPY_N, &c, &res, NULL, &err) != EVS_OK) fail_msg("%s", err.msg);
  assert_int_equal(res.appended, COPY_N);
  /* this one went straight in (no id stored, the condition held): positions in order, none a duplicate */
  for (int i = 0; i < COPY_N; i++) {
    assert_false(dup[i]);
    assert_true(pos[i] > c.after && (i == 0 || pos[i] > pos[i - 1]));
  }
  assert_int_equal(res.last_position, pos[COPY_N - 1]);
  for (int i = 0; i < COPY_N; i++) free_event(&e[i]);
  free(got);
  free(e);
  free(ev);
  free(pos);
  free(pos2);
  free(dup);
  evs_store_close(s);
}

/* Opens a transaction on its own connection holding a bulk append of 300 events tagged issueId=<tag>-N:
 * its bulk slot stays taken until the caller ends the transaction. */
static PGconn *open_bulk(const char *tag) {
  PGconn *c = pg_connect();
  PQclear(PQexec(c, "BEGIN"));
  char sql[512];
  snprintf(
      sql, sizeof sql,
      "SELECT count(*) FROM evs_append((SELECT jsonb_agg(jsonb_build_object('event_id', "
      "gen_random_uuid(), 'type', '%s', 'time', now(), 'tags', jsonb_build_object('issueId', '%s-' || g), "
      "'data', '{}'::jsonb)) FROM generate_series(1, 300) g), NULL)",
      TYPE_A, tag);
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("bulk: %s", PQresultErrorMessage(r));
  PQclear(r);
  return c;
}

static void end_bulk(PGconn *c) {
  PGresult *r = PQexec(c, "COMMIT");
  assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
  PQfinish(c);
}

typedef struct blocked_append {
  test_event e;
  evs_store_condition c;
  evs_status st;
  volatile int done;
  char error[320];
} blocked_append;

static void *conditional_append(void *arg) {
  blocked_append *b = arg;
  evs_store *s = NULL;
  evs_error err;
  b->st = evs_store_open(NULL, &s, &err);
  if (b->st == EVS_OK) b->st = append_one(s, &b->e, &b->c, NULL, &err);
  if (b->st != EVS_OK) snprintf(b->error, sizeof b->error, "%s", err.msg);
  evs_store_close(s);
  b->done = 1;
  return NULL;
}

/* A bulk append still in flight holds off a conditional append on a boundary it writes to: the conditional
 * append waits, then sees the bulk's matching event and fails. */
static void test_bulk_blocks_condition(void **state) {
  (void)state;
  long long head = sql_count("SELECT max(position) FROM events");
  PGconn *c = open_bulk("bulk");
  blocked_append b = {0};
  assert_true(make_event(&b.e, TYPE_A, "issueId=bulk-7", "after the bulk"));
  const char *types[] = {TYPE_A};
  evs_tag tag = {"issueId", "bulk-7"};
  evs_store_item item = {.types = types, .n_types = 1, .tags = &tag, .n_tags = 1};
  b.c = (evs_store_condition){.fail_if_events_match = {.items = &item, .n_items = 1}, .after = head};
  pthread_t th;
  pthread_create(&th, NULL, conditional_append, &b);
  nanosleep(&(struct timespec){0, 300 * 1000000L}, NULL);
  assert_false(b.done); /* waiting for the bulk append */
  end_bulk(c);
  pthread_join(th, NULL);
  if (b.st != EVS_ERR_CONFLICT) fail_msg("expected a conflict, got %s: %s", evs_status_name(b.st), b.error);
  free_event(&b.e);
}

/* ---- bulk appends side by side ------------------------------------------------------------------------ */

typedef struct bulk_job {
  int n;
  const char *tag;
  evs_store_condition *c; /* NULL: unconditional */
  evs_status st;
  size_t appended;
  volatile int done;
  char error[320];
} bulk_job;

/* A batch of n events (the COPY path from 65 on) through its own store. */
static void *bulk_append(void *arg) {
  bulk_job *j = arg;
  evs_store *s = NULL;
  evs_error err;
  test_event *e = calloc((size_t)j->n, sizeof *e);
  evs_store_event *ev = calloc((size_t)j->n, sizeof *ev);
  j->st = evs_store_open(NULL, &s, &err);
  for (int i = 0; i < j->n && j->st == EVS_OK; i++) {
    char tags[64];
    snprintf(tags, sizeof tags, "issueId=%s-%d", j->tag, i);
    if (!make_event(&e[i], TYPE_A, tags, "parallel bulk")) {
      j->st = EVS_ERR_NOMEM;
      snprintf(err.msg, sizeof err.msg, "making an event failed");
    }
    ev[i] = (evs_store_event){&e[i].ce, e[i].payload};
  }
  evs_store_append_result res = {0};
  if (j->st == EVS_OK) j->st = evs_store_append(s, ev, (size_t)j->n, j->c, &res, NULL, &err);
  j->appended = res.appended;
  if (j->st != EVS_OK) snprintf(j->error, sizeof j->error, "%s", err.msg);
  for (int i = 0; i < j->n; i++) free_event(&e[i]);
  free(e);
  free(ev);
  evs_store_close(s);
  j->done = 1;
  return NULL;
}

static bool wait_done(volatile int *done, int ms) {
  for (int i = 0; i < ms / 10 && !*done; i++) nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
  return *done;
}

typedef struct read_job {
  evs_store_query q;
  int64_t head;
  evs_status st;
  volatile int done;
} read_job;

static void *dcb_read(void *arg) {
  read_job *j = arg;
  evs_store *s = NULL;
  evs_error err;
  j->st = evs_store_open(NULL, &s, &err);
  if (j->st == EVS_OK) j->st = evs_store_read(s, &j->q, 0, 0, count_event, &(size_t){0}, &j->head, &err);
  evs_store_close(s);
  j->done = 1;
  return NULL;
}

/* Bulk appends run side by side (each takes one of the bulk slots): a COPY batch and a JSONB bulk append
 * complete while another bulk append's transaction is open (with one bulk key they waited for it). A
 * conditional append and a DCB read still wait for every bulk append in flight: with two open they go
 * on only after both end, and then see their events. */
static void test_bulk_parallel(void **state) {
  (void)state;
  PGconn *b1 = open_bulk("par-a");
  bulk_job copy = {.n = 100, .tag = "par-copy"};
  pthread_t th;
  pthread_create(&th, NULL, bulk_append, &copy);
  bool ran = wait_done(&copy.done, 5000);
  PGconn *b2 = ran ? open_bulk("par-b") : NULL; /* a second bulk append beside the first */
  if (!ran) end_bulk(b1);
  pthread_join(th, NULL);
  if (!ran) fail_msg("a bulk append waited for another bulk append's transaction");
  if (copy.st != EVS_OK) fail_msg("%s", copy.error);
  assert_int_equal(copy.appended, 100);

  /* two bulk appends open: a conditional append on a tag of the second and a DCB read of the first */
  long long head = sql_count("SELECT max(position) FROM events");
  blocked_append b = {0};
  assert_true(make_event(&b.e, TYPE_A, "issueId=par-b-7", "after the bulks"));
  const char *types[] = {TYPE_A};
  evs_tag tag = {"issueId", "par-b-7"};
  evs_store_item item = {.types = types, .n_types = 1, .tags = &tag, .n_tags = 1};
  b.c = (evs_store_condition){.fail_if_events_match = {.items = &item, .n_items = 1}, .after = head};
  evs_tag rtag = {"issueId", "par-a-9"};
  evs_store_item ritem = {.types = types, .n_types = 1, .tags = &rtag, .n_tags = 1};
  read_job rj = {.q = {.items = &ritem, .n_items = 1}};
  pthread_t tc, tr;
  pthread_create(&tc, NULL, conditional_append, &b);
  pthread_create(&tr, NULL, dcb_read, &rj);
  bool early = wait_done(&b.done, 300) || wait_done(&rj.done, 10);
  end_bulk(b1);
  bool early2 = wait_done(&b.done, 300) || wait_done(&rj.done, 10);
  end_bulk(b2);
  pthread_join(tc, NULL);
  pthread_join(tr, NULL);
  assert_false(early);  /* waiting for both bulk appends */
  assert_false(early2); /* still waiting for the second */
  if (b.st != EVS_ERR_CONFLICT) fail_msg("expected a conflict, got %s: %s", evs_status_name(b.st), b.error);
  assert_int_equal(rj.st, EVS_OK);
  assert_true(rj.head >= sql_count("SELECT max(position) FROM events WHERE tags->>'issueId' LIKE 'par-b-%'"));
  free_event(&b.e);
}

/* Bulk appends with and without conditions, conditional single appends and DCB reads all at once, several
 * rounds: every lock is taken in one order (an unconditional bulk append holds nothing but its slot), so
 * nothing deadlocks and only conditions fail. */
#define MIX_ROUNDS 6
typedef struct mix_job {
  int id;
  int errors;
  int conflicts;
  char error[320];
} mix_job;

static void *mix_worker(void *arg) {
  mix_job *m = arg;
  const char *types[] = {TYPE_A};
  evs_tag tag = {"issueId", "mix-shared-0"};
  evs_store_item item = {.types = types, .n_types = 1, .tags = &tag, .n_tags = 1};
  for (int r = 0; r < MIX_ROUNDS; r++) {
    char name[32];
    snprintf(name, sizeof name, "mix-%d-%d", m->id, r);
    evs_store_condition c = {.fail_if_events_match = {.items = &item, .n_items = 1}};
    if (m->id % 3 != 0) {
      /* a DCB read of the shared boundary, then a conditional append (bulk for id % 3 == 1) */
      read_job rj = {.q = c.fail_if_events_match};
      dcb_read(&rj);
      if (rj.st != EVS_OK && !m->errors++) snprintf(m->error, sizeof m->error, "read failed");
      c.after = rj.head;
    }
    bulk_job j = {.n = m->id % 3 == 2 ? 1 : 100,
                  .tag = m->id % 3 == 0 ? name : "mix-shared",
                  .c = m->id % 3 ? &c : NULL};
    bulk_append(&j);
    if (j.st == EVS_ERR_CONFLICT)
      m->conflicts++;
    else if (j.st != EVS_OK && !m->errors++)
      snprintf(m->error, sizeof m->error, "%s", j.error);
  }
  return NULL;
}

static void test_bulk_mix(void **state) {
  (void)state;
  mix_job m[9];
  pthread_t th[9];
  for (int i = 0; i < 9; i++) {
    m[i] = (mix_job){.id = i};
    pthread_create(&th[i], NULL, mix_worker, &m[i]);
  }
  for (int i = 0; i < 9; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 9; i++)
    if (m[i].errors) fail_msg("worker %d: %s", i, m[i].error);
}

/* The server drops the store's connection (a restart, a network cut): the call that meets it fails with
 * the server's message, and the next call reconnects instead of failing for ever. */
static void test_connection_lost(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_error err;
  collected got = {0};
  int64_t head = 0;
  assert_int_equal(evs_store_read(s, NULL, 0, 1, collect, &got, &head, &err), EVS_OK);
  PGconn *c = pg_connect();
  PGresult *r = PQexec(c,
                       "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> "
                       "pg_backend_pid() AND backend_type = 'client backend'");
  assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
  PQclear(r);
  PQfinish(c);
  got.n = 0;
  assert_int_equal(evs_store_read(s, NULL, 0, 1, collect, &got, &head, &err), EVS_ERR_DATABASE);
  assert_non_null(strstr(err.msg, "read: "));
  got.n = 0;
  if (evs_store_read(s, NULL, 0, 1, collect, &got, &head, &err) != EVS_OK)
    fail_msg("after the loss: %s", err.msg);
  assert_int_equal(got.n, 1);
  evs_store_close(s);
}

static void test_database_down(void **state) {
  (void)state;
  evs_store *s = NULL;
  evs_error err;
  evs_store_options o = {.url = "postgresql:///postgres?host=/nonexistent-evs-dir&connect_timeout=2"};
  assert_int_equal(evs_store_open(&o, &s, &err), EVS_ERR_DATABASE);
  assert_null(s);
  assert_non_null(strstr(err.msg, "connecting to the database"));
  o.url = "";
  const char *saved = getenv(EVS_STORE_URL_ENV);
  char *copy = saved ? strdup(saved) : NULL;
  unsetenv(EVS_STORE_URL_ENV);
  assert_int_equal(evs_store_open(&o, &s, &err), EVS_ERR_INVALID_ARG);
  if (copy) setenv(EVS_STORE_URL_ENV, copy, 1);
  free(copy);
}

/* Every test needs the schema (EVS_TEST_FILTER may leave test_migrate_twice out). */
static int migrate_all(void **state) {
  (void)state;
  evs_store *s = open_store();
  evs_status st = evs_store_migrate(s, NULL, NULL);
  evs_store_close(s);
  return st == EVS_OK ? 0 : -1;
}

int main(void) {
  if (!getenv(EVS_STORE_URL_ENV)) {
    fprintf(stderr, "SKIP: %s is not set (run through tests/store/with_pg.sh)\n", EVS_STORE_URL_ENV);
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_migrate_twice),
      cmocka_unit_test(test_lock_keys_match_server),
      cmocka_unit_test(test_roundtrip_and_duplicates),
      cmocka_unit_test(test_invalid_not_stored),
      cmocka_unit_test(test_conditions),
      cmocka_unit_test(test_read_limit),
      cmocka_unit_test(test_racers_one_boundary),
      cmocka_unit_test(test_racers_disjoint),
      cmocka_unit_test(test_oracle),
      cmocka_unit_test(test_follower_late_commit),
      cmocka_unit_test(test_big_batch),
      cmocka_unit_test(test_copy_batch),
      cmocka_unit_test(test_bulk_blocks_condition),
      cmocka_unit_test(test_bulk_parallel),
      cmocka_unit_test(test_bulk_mix),
      cmocka_unit_test(test_connection_lost),
      cmocka_unit_test(test_database_down),
  };
  if (getenv("EVS_TEST_FILTER")) cmocka_set_test_filter(getenv("EVS_TEST_FILTER"));
  return cmocka_run_group_tests(tests, migrate_all, NULL);
}
