/* The spool file: records written with their headers read back byte for byte; damaged files are refused
 * with the offset of the bad record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/kafka_internal.h"

static char g_path[64];

static int setup(void **state) {
  (void)state;
  snprintf(g_path, sizeof g_path, "/tmp/evs-spool-test-%d.spool", (int)getpid());
  remove(g_path);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  remove(g_path);
  return 0;
}

static void write_two(void) {
  evs_spool_writer w = {0};
  rd_kafka_headers_t *h = rd_kafka_headers_new(4);
  rd_kafka_header_add(h, "ce_id", -1, "id-1", -1);
  rd_kafka_header_add(h, "nullhdr", -1, NULL, 0);
  rd_kafka_header_add(h, "bin", -1, "\0\1\2", 3);
  static const uint8_t value[] = {0x08, 0x00, 0xff};
  assert_int_equal(
      evs_spool_append(&w, g_path, "t1", "k1", 2, h, value, sizeof value, "_MSG_TIMED_OUT: x", NULL), EVS_OK);
  /* Null key, null value, no headers. */
  assert_int_equal(evs_spool_append(&w, g_path, "t2", NULL, 0, NULL, NULL, 0, NULL, NULL), EVS_OK);
  assert_int_equal(evs_spool_close(&w, NULL), EVS_OK);
  rd_kafka_headers_destroy(h);
}

static void test_roundtrip(void **state) {
  (void)state;
  write_two();
  evs_spool_reader r;
  assert_int_equal(evs_spool_open(&r, g_path, NULL), EVS_OK);
  evs_spool_record rec;
  assert_int_equal(evs_spool_next(&r, &rec, NULL), 1);
  assert_string_equal(rec.topic, "t1");
  assert_true(rec.has_key);
  assert_int_equal(rec.key_len, 2);
  assert_memory_equal(rec.key, "k1", 2);
  assert_int_equal(rec.n_headers, 3);
  assert_string_equal(rec.headers[0].name, "ce_id");
  assert_int_equal(rec.headers[0].value_len, 4);
  assert_memory_equal(rec.headers[0].value, "id-1", 4);
  assert_string_equal(rec.headers[1].name, "nullhdr");
  assert_null(rec.headers[1].value);
  assert_string_equal(rec.headers[2].name, "bin");
  assert_int_equal(rec.headers[2].value_len, 3);
  assert_memory_equal(rec.headers[2].value, "\0\1\2", 3);
  assert_true(rec.has_value);
  assert_int_equal(rec.value_len, 3);
  assert_int_equal(rec.value[2], 0xff);
  assert_string_equal(rec.error, "_MSG_TIMED_OUT: x");
  assert_int_equal(evs_spool_next(&r, &rec, NULL), 1);
  assert_string_equal(rec.topic, "t2");
  assert_false(rec.has_key);
  assert_false(rec.has_value);
  assert_int_equal(rec.n_headers, 0);
  assert_string_equal(rec.error, "");
  assert_int_equal(evs_spool_next(&r, &rec, NULL), 0);
  evs_spool_reader_close(&r);
  uint64_t n = 0;
  assert_int_equal(evs_spool_count(g_path, &n, NULL), EVS_OK);
  assert_int_equal(n, 2);
  /* Appending to an existing file adds records, not a second file header. */
  write_two();
  assert_int_equal(evs_spool_count(g_path, &n, NULL), EVS_OK);
  assert_int_equal(n, 4);
}

static long file_size(void) {
  FILE *f = fopen(g_path, "rb");
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

static void test_damaged(void **state) {
  (void)state;
  write_two();
  long size = file_size();
  /* Cut the last record short. */
  assert_int_equal(truncate(g_path, size - 2), 0);
  uint64_t n = 0;
  evs_error err;
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_ERR_TRUNCATED);
  assert_true(err.offset > 9 && err.offset < (size_t)size);
  assert_string_equal(err.file, g_path);
  /* Flip a byte inside the first record's body: the checksum catches it. */
  remove(g_path);
  write_two();
  FILE *f = fopen(g_path, "r+b");
  fseek(f, 12, SEEK_SET);
  int c = fgetc(f);
  fseek(f, 12, SEEK_SET);
  fputc(c ^ 0x40, f);
  fclose(f);
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "checksum"));
  assert_int_equal(err.offset, 9);
  /* Not a spool at all; a missing file. */
  f = fopen(g_path, "wb");
  fputs("hello world", f);
  fclose(f);
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_ERR_SYNTAX);
  remove(g_path);
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_ERR_NOT_FOUND);
}

/* The documented layout, byte for byte (the checksum agrees with zlib's crc32 of the body). */
static void test_format_bytes(void **state) {
  (void)state;
  evs_spool_writer w = {0};
  assert_int_equal(evs_spool_append(&w, g_path, "t", "k", 1, NULL, "v", 1, "e", NULL), EVS_OK);
  assert_int_equal(evs_spool_close(&w, NULL), EVS_OK);
  static const uint8_t want[] = {'E',  'V',  'S',  'S', 'P', 'O', 'O', 'L', 0x01, /* magic, version */
                                 0x0b,                                            /* body length 11 */
                                 0x01, 't',                                       /* topic */
                                 0x01, 0x01, 'k',                                 /* key present, "k" */
                                 0x00,                                            /* no headers */
                                 0x01, 0x01, 'v',                                 /* value present, "v" */
                                 0x01, 'e',                                       /* error */
                                 0xad, 0xb9, 0xa8, 0xf6};                         /* crc32 0xf6a8b9ad */
  uint8_t got[64];
  FILE *f = fopen(g_path, "rb");
  assert_non_null(f);
  size_t n = fread(got, 1, sizeof got, f);
  fclose(f);
  assert_int_equal(n, sizeof want);
  assert_memory_equal(got, want, sizeof want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
      cmocka_unit_test_setup_teardown(test_format_bytes, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
