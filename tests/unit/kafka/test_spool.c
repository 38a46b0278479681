/* The spool file: records written with their headers read back byte for byte; damaged files are refused
 * by count with the offset of the bad record, while the reader skips damaged regions and goes on; a
 * cut-off tail is removed before appending (never an intact record); a file that is no spool is never
 * appended to; concurrent appenders (processes) never interleave; write errors are errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
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

/* evs_spool_next()'s four outcomes (kafka_internal.h): a record, the end, a skipped damaged region, a stop.
 */
static void expect_record(evs_spool_reader *r, evs_spool_record *rec, evs_error *err) {
  bool more = false;
  assert_int_equal(evs_spool_next(r, rec, &more, err), EVS_OK);
  assert_true(more);
}

static void expect_end(evs_spool_reader *r, evs_spool_record *rec, evs_error *err) {
  bool more = true;
  assert_int_equal(evs_spool_next(r, rec, &more, err), EVS_OK);
  assert_false(more);
}

static void expect_damage(evs_spool_reader *r, evs_spool_record *rec, evs_error *err, evs_status code) {
  bool more = false;
  assert_int_equal(evs_spool_next(r, rec, &more, err), code);
  assert_true(more);
  assert_true(r->damaged_len > 0);
}

static void test_roundtrip(void **state) {
  (void)state;
  write_two();
  evs_spool_reader r;
  assert_int_equal(evs_spool_open(&r, g_path, NULL), EVS_OK);
  evs_spool_record rec;
  expect_record(&r, &rec, NULL);
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
  expect_record(&r, &rec, NULL);
  assert_string_equal(rec.topic, "t2");
  assert_false(rec.has_key);
  assert_false(rec.has_value);
  assert_int_equal(rec.n_headers, 0);
  assert_string_equal(rec.error, "");
  expect_end(&r, &rec, NULL);
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

static void write_bytes(const void *p, size_t n) {
  FILE *f = fopen(g_path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  fclose(f);
}

static size_t read_all(uint8_t *buf, size_t cap) {
  FILE *f = fopen(g_path, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

static int append_one(const char *topic, const char *value, size_t value_len, evs_error *err) {
  evs_spool_writer w = {0};
  evs_status st = evs_spool_append(&w, g_path, topic, NULL, 0, NULL, value, value_len, "e", err);
  evs_status cst = evs_spool_close(&w, NULL);
  return st != EVS_OK ? (int)st : (int)cst;
}

/* A 10-byte length varint equal to 2^64 + 11 once read as 11 (the bit above 63 dropped): a record that
 * is not there was returned. It is refused now, at its offset. */
static void test_varint_overflow(void **state) {
  (void)state;
  static const uint8_t file[] = {'E',  'V',  'S',  'S',  'P',  'O',  'O',  'L',  0x01,       /* header */
                                 0x8b, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, /* 2^64+11 */
                                 0x01, 't',  0x01, 0x01, 'k',  0x00, 0x01, 0x01, 'v',  0x01,
                                 'e',  0xad, 0xb9, 0xa8, 0xf6};
  write_bytes(file, sizeof file);
  uint64_t n = 99;
  evs_error err;
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_ERR_SYNTAX);
  assert_int_equal(err.offset, 9);
  assert_non_null(strstr(err.msg, "varint"));
  /* The same record with its 1-byte length is fine (the bytes above are otherwise valid). */
  uint8_t ok[sizeof file];
  memcpy(ok, file, 9);
  ok[9] = 0x0b;
  memcpy(ok + 10, file + 19, sizeof file - 19);
  write_bytes(ok, sizeof file - 9);
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_OK);
  assert_int_equal(n, 1);
}

/* A crash while appending leaves a cut-off record: the next append removes it (and says how many bytes)
 * instead of writing behind it, so every record stays readable. */
static void test_torn_tail_truncated(void **state) {
  (void)state;
  write_two();
  long size = file_size();
  assert_int_equal(truncate(g_path, size - 2), 0);
  evs_spool_writer w = {0};
  assert_int_equal(evs_spool_append(&w, g_path, "t3", NULL, 0, NULL, "v", 1, NULL, NULL), EVS_OK);
  /* The second record of write_two is 12 bytes long (length, 7-byte body, crc); 10 of them were left. */
  assert_int_equal(w.tail_cut, 10);
  assert_int_equal(evs_spool_append(&w, g_path, "t4", NULL, 0, NULL, "v", 1, NULL, NULL), EVS_OK);
  assert_int_equal(w.tail_cut, 10);
  assert_int_equal(evs_spool_close(&w, NULL), EVS_OK);
  uint64_t n = 0;
  evs_error err;
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_OK);
  assert_int_equal(n, 3);
  /* A header cut off before any record: the file starts again. */
  write_bytes("EVSSP", 5);
  assert_int_equal(append_one("t", "v", 1, &err), EVS_OK);
  assert_int_equal(evs_spool_count(g_path, &n, &err), EVS_OK);
  assert_int_equal(n, 1);
}

/* A damaged length that runs past the end of the file, followed by intact records, is no torn tail:
 * appending keeps every byte and the intact records stay readable. */
static void test_intact_never_truncated(void **state) {
  (void)state;
  write_two();
  write_two(); /* 4 records */
  uint8_t before[512];
  size_t n0 = read_all(before, sizeof before);
  FILE *f = fopen(g_path, "r+b");
  fseek(f, 9, SEEK_SET);
  fputc(0xff, f); /* the first record's length: now a 2-byte varint far beyond the end */
  fputc(0x7f, f);
  fclose(f);
  evs_spool_writer w = {0};
  assert_int_equal(evs_spool_append(&w, g_path, "t5", NULL, 0, NULL, "v", 1, NULL, NULL), EVS_OK);
  assert_int_equal(w.tail_cut, 0);
  assert_int_equal(evs_spool_close(&w, NULL), EVS_OK);
  uint8_t after[512];
  size_t n1 = read_all(after, sizeof after);
  assert_true(n1 > n0);
  assert_memory_equal(after + 11, before + 11, n0 - 11);
  /* The reader reports the damaged first record and returns the 4 intact ones after it. */
  evs_spool_reader r;
  evs_error err;
  assert_int_equal(evs_spool_open(&r, g_path, &err), EVS_OK);
  evs_spool_record rec;
  expect_damage(&r, &rec, &err, EVS_ERR_SYNTAX);
  assert_int_equal(r.damaged_offset, 9);
  assert_true(r.damaged_len > 0);
  assert_int_equal(err.offset, 9);
  const char *want[] = {"t2", "t1", "t2", "t5"};
  for (int i = 0; i < 4; i++) {
    expect_record(&r, &rec, &err);
    assert_string_equal(rec.topic, want[i]);
  }
  expect_end(&r, &rec, &err);
  evs_spool_reader_close(&r);
}

/* A checksum mismatch in the middle: skipped by its length, the records around it are returned. */
static void test_reader_skips_damage(void **state) {
  (void)state;
  write_two();
  write_two();
  FILE *f = fopen(g_path, "r+b");
  fseek(f, 12, SEEK_SET); /* inside the first record's body */
  int c = fgetc(f);
  fseek(f, 12, SEEK_SET);
  fputc(c ^ 0x40, f);
  fclose(f);
  evs_spool_reader r;
  evs_error err;
  assert_int_equal(evs_spool_open(&r, g_path, &err), EVS_OK);
  evs_spool_record rec;
  expect_damage(&r, &rec, &err, EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "checksum"));
  assert_int_equal(r.damaged_offset, 9);
  uint64_t first_len = r.damaged_len;
  expect_record(&r, &rec, &err);
  assert_string_equal(rec.topic, "t2");
  assert_int_equal(r.rec_offset, 9 + first_len);
  expect_record(&r, &rec, &err);
  assert_string_equal(rec.topic, "t1");
  expect_record(&r, &rec, &err);
  expect_end(&r, &rec, &err);
  evs_spool_reader_close(&r);
  /* A cut-off tail is reported as such, after the intact records. */
  long size = file_size();
  assert_int_equal(truncate(g_path, size - 1), 0);
  assert_int_equal(evs_spool_open(&r, g_path, &err), EVS_OK);
  int n = 0;
  for (bool more = true; more;) {
    evs_status k = evs_spool_next(&r, &rec, &more, &err);
    if (k == EVS_OK && more)
      n++;
    else if (k != EVS_OK)
      assert_true(more && r.damaged_len > 0);
  }
  assert_int_equal(n, 2);
  assert_int_equal(err.code, EVS_ERR_TRUNCATED);
  evs_spool_reader_close(&r);
}

/* A file that is not a spool is never appended to. */
/* A read that fails (here: the descriptor is gone) stops reading: the error, with *more false. */
static void test_read_error_stops(void **state) {
  (void)state;
  write_two();
  int fd = open(g_path, O_RDONLY);
  assert_true(fd >= 0);
  evs_spool_reader r;
  evs_error err;
  assert_int_equal(evs_spool_open_fd(&r, fd, g_path, &err), EVS_OK);
  close(fd);
  evs_spool_record rec;
  bool more = true;
  assert_int_equal(evs_spool_next(&r, &rec, &more, &err), EVS_ERR_IO);
  assert_false(more);
  assert_int_equal(err.code, EVS_ERR_IO);
  assert_int_equal(r.damaged_len, 0);
  evs_spool_reader_close(&r);
}

static void test_foreign_file_untouched(void **state) {
  (void)state;
  write_bytes("hello world, this is not a spool\n", 33);
  evs_error err;
  assert_int_equal(append_one("t", "v", 1, &err), EVS_ERR_SYNTAX);
  assert_non_null(strstr(err.msg, "not an evs spool file"));
  uint8_t buf[64];
  assert_int_equal(read_all(buf, sizeof buf), 33);
  assert_memory_equal(buf, "hello world, this is not a spool\n", 33);
}

/* Write errors are errors with the reason: a full disk (/dev/full), a missing directory, a directory. */
static void test_write_errors(void **state) {
  (void)state;
  evs_spool_writer w = {0};
  evs_error err;
  assert_int_equal(evs_spool_append(&w, "/dev/full", "t", NULL, 0, NULL, "v", 1, NULL, &err), EVS_ERR_IO);
  assert_non_null(strstr(err.msg, "No space left on device"));
  evs_spool_close(&w, NULL);
  assert_int_equal(
      evs_spool_append(&w, "/nonexistent-dir-evs/x.spool", "t", NULL, 0, NULL, "v", 1, NULL, &err),
      EVS_ERR_IO);
  assert_non_null(strstr(err.msg, "No such file or directory"));
  evs_spool_close(&w, NULL);
  assert_int_equal(evs_spool_append(&w, "/tmp", "t", NULL, 0, NULL, "v", 1, NULL, &err), EVS_ERR_IO);
  assert_non_null(strstr(err.msg, "Is a directory"));
  evs_spool_close(&w, NULL);
}

/* Several processes appending to one spool at once, records small and large (several write() calls
 * each): every record is intact and each process's records are all there, in its order. */
static void test_concurrent_appenders(void **state) {
  (void)state;
  enum { PROCS = 4, RECS = 60 };
  static char big[200000];
  memset(big, 'x', sizeof big);
  pid_t pids[PROCS];
  for (int p = 0; p < PROCS; p++) {
    pids[p] = fork();
    assert_true(pids[p] >= 0);
    if (pids[p] == 0) {
      evs_spool_writer w = {0};
      char topic[16];
      snprintf(topic, sizeof topic, "p%d", p);
      int bad = 0;
      for (int i = 0; i < RECS; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", i);
        size_t len = (i % 5 == 0) ? sizeof big - (size_t)(i * 7 + p) : (size_t)(i * 13 % 300);
        if (evs_spool_append(&w, g_path, topic, key, strlen(key), NULL, big, len, NULL, NULL) != EVS_OK)
          bad++;
      }
      if (evs_spool_close(&w, NULL) != EVS_OK) bad++;
      _exit(bad ? 1 : 0);
    }
  }
  for (int p = 0; p < PROCS; p++) {
    int status;
    assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  evs_spool_reader r;
  evs_error err;
  assert_int_equal(evs_spool_open(&r, g_path, &err), EVS_OK);
  int next[PROCS] = {0};
  evs_spool_record rec;
  bool more;
  evs_status k;
  while ((k = evs_spool_next(&r, &rec, &more, &err)) == EVS_OK && more) {
    int p = rec.topic[1] - '0';
    assert_true(p >= 0 && p < PROCS);
    char key[16];
    snprintf(key, sizeof key, "%d", next[p]);
    assert_int_equal(rec.key_len, strlen(key));
    assert_memory_equal(rec.key, key, rec.key_len);
    next[p]++;
  }
  if (k != EVS_OK) fail_msg("record after %d/%d/%d/%d: %s", next[0], next[1], next[2], next[3], err.msg);
  evs_spool_reader_close(&r);
  for (int p = 0; p < PROCS; p++) assert_int_equal(next[p], RECS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
      cmocka_unit_test_setup_teardown(test_format_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_varint_overflow, setup, teardown),
      cmocka_unit_test_setup_teardown(test_torn_tail_truncated, setup, teardown),
      cmocka_unit_test_setup_teardown(test_intact_never_truncated, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reader_skips_damage, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_error_stops, setup, teardown),
      cmocka_unit_test_setup_teardown(test_foreign_file_untouched, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_concurrent_appenders, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
