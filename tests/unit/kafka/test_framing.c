/* Confluent Schema Registry framing: the byte vectors of the wire-format reference, parse errors, and the
 * message-index path computed from the registry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "evs/kafka.h"

static void check_prefix(const int32_t *idx, size_t n, int32_t id, const uint8_t *want, size_t want_len) {
  uint8_t out[5 + 5 * (EVS_CONFLUENT_MAX_INDEXES + 1)];
  size_t len = evs_confluent_write_prefix(out, id, idx, n);
  assert_int_equal(len, want_len);
  assert_memory_equal(out, want, want_len);
  /* And back. */
  int32_t got_id = -1, got[EVS_CONFLUENT_MAX_INDEXES];
  size_t got_n = 0, off = 0;
  uint8_t framed[64];
  memcpy(framed, out, len);
  framed[len] = 0x08; /* a payload byte */
  assert_int_equal(evs_confluent_parse(framed, len + 1, &got_id, got, &got_n, &off, NULL), EVS_OK);
  assert_int_equal(got_id, id);
  assert_int_equal(got_n, n);
  for (size_t i = 0; i < n; i++) assert_int_equal(got[i], idx[i]);
  assert_int_equal(off, len);
}

static void test_reference_vectors(void **state) {
  (void)state;
  /* Schema id 42, first message: 00 00 00 00 2A 00. */
  static const int32_t p0[] = {0};
  static const uint8_t w0[] = {0, 0, 0, 0, 0x2a, 0x00};
  check_prefix(p0, 1, 42, w0, sizeof w0);
  static const int32_t p1[] = {1};
  static const uint8_t w1[] = {0, 0, 0, 0, 0x2a, 0x02, 0x02};
  check_prefix(p1, 1, 42, w1, sizeof w1);
  static const int32_t p02[] = {0, 2};
  static const uint8_t w02[] = {0, 0, 0, 0, 0x2a, 0x04, 0x00, 0x04};
  check_prefix(p02, 2, 42, w02, sizeof w02);
  static const int32_t p301[] = {3, 0, 1};
  static const uint8_t w301[] = {0, 0x01, 0x02, 0x03, 0x04, 0x06, 0x06, 0x00, 0x02};
  check_prefix(p301, 3, 0x01020304, w301, sizeof w301);
  static const int32_t p64[] = {64};
  static const uint8_t w64[] = {0, 0, 0, 0, 7, 0x02, 0x80, 0x01};
  check_prefix(p64, 1, 7, w64, sizeof w64);
}

static void test_parse_errors(void **state) {
  (void)state;
  evs_error err;
  size_t off;
  static const uint8_t short5[] = {0, 0, 0, 0, 1};
  assert_int_equal(evs_confluent_parse(short5, sizeof short5, NULL, NULL, NULL, &off, &err),
                   EVS_ERR_TRUNCATED);
  static const uint8_t magic1[] = {1, 0, 0, 0, 1, 0};
  assert_int_equal(evs_confluent_parse(magic1, sizeof magic1, NULL, NULL, NULL, &off, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "magic byte 0x01"));
  assert_int_equal(err.offset, 0);
  static const uint8_t neg_count[] = {0, 0, 0, 0, 1, 0x01};
  assert_int_equal(evs_confluent_parse(neg_count, sizeof neg_count, NULL, NULL, NULL, &off, &err),
                   EVS_ERR_SYNTAX);
  static const uint8_t cut[] = {0, 0, 0, 0, 1, 0x04, 0x02};
  assert_int_equal(evs_confluent_parse(cut, sizeof cut, NULL, NULL, NULL, &off, &err), EVS_ERR_TRUNCATED);
  static const uint8_t overlong[] = {0, 0, 0, 0, 1, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  assert_int_equal(evs_confluent_parse(overlong, sizeof overlong, NULL, NULL, NULL, &off, &err),
                   EVS_ERR_SYNTAX);
  /* A 5-byte count of 2^32 + 2 must not wrap to 2 (then 1 index) and be taken. */
  static const uint8_t wraps[] = {0, 0, 0, 0, 1, 0x82, 0x80, 0x80, 0x80, 0x10, 0x02};
  assert_int_equal(evs_confluent_parse(wraps, sizeof wraps, NULL, NULL, NULL, &off, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "overflows 32 bits"));
  assert_int_equal(err.offset, 9);
  static const uint8_t many[] = {0, 0, 0, 0, 1, 0x42}; /* 33 indexes */
  assert_int_equal(evs_confluent_parse(many, sizeof many, NULL, NULL, NULL, &off, &err), EVS_ERR_LIMIT);
  /* Count 0 means [0]; an empty payload is allowed. */
  static const uint8_t empty[] = {0, 0, 0, 0, 9, 0x00};
  int32_t id, idx[4];
  size_t n;
  assert_int_equal(evs_confluent_parse(empty, sizeof empty, &id, idx, &n, &off, &err), EVS_OK);
  assert_int_equal(id, 9);
  assert_int_equal(n, 1);
  assert_int_equal(idx[0], 0);
  assert_int_equal(off, 6);
}

static void test_message_indexes(void **state) {
  (void)state;
  const evs_registry *reg = evs_registry_builtin(NULL);
  assert_non_null(reg);
  /* TaskEventData is declared after TaskEvent in task_events.proto; find both positions by walking the file.
   */
  const evs_message *m = evs_registry_find_message(reg, "evs.events.tasks.v1.TaskEvent");
  assert_non_null(m);
  size_t pos = SIZE_MAX;
  for (size_t i = 0; i < m->file->n_messages; i++) {
    if (m->file->messages[i] == m) pos = i;
  }
  int32_t idx[EVS_CONFLUENT_MAX_INDEXES];
  assert_int_equal(evs_confluent_message_indexes(m, idx, EVS_CONFLUENT_MAX_INDEXES), 1);
  assert_int_equal(idx[0], (int32_t)pos);
  /* A map entry is a nested message: path [outer, nested]. */
  const evs_message *dcb = evs_registry_find_message(reg, "evs.events.dcb.v1.DomainEvent");
  assert_non_null(dcb);
  assert_true(dcb->n_nested >= 1);
  const evs_message *entry = dcb->nested[dcb->n_nested - 1];
  size_t outer = SIZE_MAX;
  for (size_t i = 0; i < dcb->file->n_messages; i++) {
    if (dcb->file->messages[i] == dcb) outer = i;
  }
  assert_int_equal(evs_confluent_message_indexes(entry, idx, EVS_CONFLUENT_MAX_INDEXES), 2);
  assert_int_equal(idx[0], (int32_t)outer);
  assert_int_equal(idx[1], (int32_t)(dcb->n_nested - 1));
  assert_int_equal(evs_confluent_message_indexes(NULL, idx, 4), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_vectors),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_message_indexes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
