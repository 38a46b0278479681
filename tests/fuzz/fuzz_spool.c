/* libFuzzer target: arbitrary bytes as a spool file, read and then appended to.
 *
 * Seeds: tests/fuzz/spool_seeds (valid spools, a torn tail, a damaged record; tests/fuzz/spool_seeds.py).
 * Invariants: the reader ends (offsets only move forward, damaged regions lie inside the file and are
 * contiguous with the records around them, every error has a message); the writer either refuses a file
 * that is not a spool (leaving it untouched) or appends a record that then reads back as the last intact
 * one, with every intact record before it still there. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka/kafka_internal.h"

#define check(ok)                                                                 \
  do {                                                                            \
    if (!(ok)) {                                                                  \
      fprintf(stderr, "invariant broken: %s (fuzz_spool.c:%d)\n", #ok, __LINE__); \
      abort();                                                                    \
    }                                                                             \
  } while (0)

static char g_path[64];

static void write_file(const uint8_t *data, size_t size) {
  int fd = open(g_path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
  check(fd >= 0);
  for (size_t done = 0; done < size;) {
    ssize_t k = write(fd, data + done, size - done);
    check(k > 0);
    done += (size_t)k;
  }
  close(fd);
}

/* Reads the whole file: -1 when it is refused, else the number of intact records. *last_is_ours: the
 * last intact record is the one this target appends. */
static long read_all(bool *last_is_ours) {
  int fd = open(g_path, O_RDONLY);
  check(fd >= 0);
  evs_spool_reader r;
  evs_error err;
  long n = -1;
  if (evs_spool_open_fd(&r, fd, g_path, &err) == EVS_OK) {
    n = 0;
    uint64_t pos = r.offset;
    evs_spool_record rec;
    bool more = true;
    *last_is_ours = false;
    for (;;) {
      evs_status k = evs_spool_next(&r, &rec, &more, &err);
      if (k == EVS_OK && !more) break;
      if (k != EVS_OK) {
        check(more && r.damaged_len > 0); /* no I/O or memory failure on a small file */
        check(r.damaged_offset == pos && r.damaged_offset + r.damaged_len == r.offset);
        check(r.offset <= r.size && err.msg[0] != '\0');
        *last_is_ours = false;
      } else {
        check(r.rec_offset == pos && r.offset > pos && r.offset <= r.size);
        check(rec.topic && rec.error);
        for (size_t i = 0; i < rec.n_headers; i++) check(rec.headers[i].name != NULL);
        *last_is_ours = strcmp(rec.topic, "fz") == 0 && rec.has_value && rec.value_len == 4 &&
                        memcmp(rec.value, "fuzz", 4) == 0 && strcmp(rec.error, "e") == 0;
        n++;
      }
      pos = r.offset;
    }
    check(pos == r.size);
    evs_spool_reader_close(&r);
  } else {
    check(err.msg[0] != '\0');
  }
  close(fd);
  return n;
}

static void cleanup(void) {
  remove(g_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_path[0]) {
    /* tmpfs when there is one: the writer fsyncs on close, once per input. */
    snprintf(g_path, sizeof g_path, "%s/evs-fuzz-spool-%d",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
    atexit(cleanup);
  }
  write_file(data, size);
  bool ours = false;
  long before = read_all(&ours);
  uint64_t n = 0;
  evs_error err;
  evs_status cst = evs_spool_count(g_path, &n, &err);
  check(cst != EVS_OK || (long)n == before); /* count is strict: it agrees when nothing is damaged */

  evs_spool_writer w = {0};
  evs_status st = evs_spool_append(&w, g_path, "fz", NULL, 0, NULL, "fuzz", 4, "e", &err);
  check(evs_spool_close(&w, NULL) == EVS_OK);
  static const uint8_t header[9] = {'E', 'V', 'S', 'S', 'P', 'O', 'O', 'L', 1};
  bool header_prefix = size < 9 && (size == 0 || memcmp(data, header, size) == 0);
  if (st != EVS_OK) {
    /* Refused: only a file that is not a spool, and then it is untouched. */
    check(st == EVS_ERR_SYNTAX && before < 0 && !header_prefix);
    struct stat sb;
    check(stat(g_path, &sb) == 0 && (size_t)sb.st_size == size);
    return 0;
  }
  check(before >= 0 || header_prefix);
  long after = read_all(&ours);
  check(after == (before < 0 ? 0 : before) + 1);
  check(ours);
  return 0;
}
