/* The spool: an append-only file of records that could not be delivered (docs/kafka.md, "Spool").
 *
 *   file   = magic "EVSSPOOL" (8 bytes), version (1 byte, = 1), record*
 *   record = varint body_len, body, crc32 (4 bytes, little-endian, IEEE, of body)
 *   body   = str topic, opt key, varint n_headers, (str name, opt value){n_headers}, opt value, str error
 *   str    = varint len, bytes;  opt = byte 0 (null) | byte 1, varint len, bytes
 *
 * Several producers (processes or handles) may share one file, so every append holds an exclusive flock()
 * on it: the tail is checked (a record cut off by a crash is removed, never an intact one), the header is
 * written only into an empty file, and the whole record goes out in one write loop on an O_APPEND fd. A
 * failed write is cut back off, so a record is either all there or not at all. Readers hold a shared
 * lock; a replay holds an exclusive one for its whole run. A replay replaces the file by rename, so whoever
 * gets the lock checks that its fd still names the file at `path` and opens it again when not.
 *
 * Reading survives damage: after a bad record, reading goes on at the next offset where an intact record
 * (length, checksum and body) starts; the bytes in between are one damaged region. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "base/varint_internal.h"
#include "kafka/kafka_internal.h"

#define SPOOL_MAX_BODY ((uint64_t)256 << 20)
#define SPOOL_HDR_LEN 9
/* A replay that replaces the file between our open and our lock makes us open again; more than this many
 * times in a row means something keeps replacing it. */
#define SPOOL_REOPEN_TRIES 100

/* Bitwise CRC-32 (IEEE 802.3, reflected, as zlib): the spool is written only for failed events, so a
 * table (and its thread-safe initialisation) is not worth it. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

static void put_str(evs_buf *b, const void *p, size_t n) {
  (void)evs_varint_append(b, n);
  if (n) evs_buf_append(b, p, n);
}

static void put_opt(evs_buf *b, const void *p, size_t n) {
  evs_buf_append_byte(b, p ? 1 : 0);
  if (p) put_str(b, p, n);
}

static void spool_header(uint8_t hdr[SPOOL_HDR_LEN]) {
  memcpy(hdr, EVS_SPOOL_MAGIC, 8);
  hdr[8] = EVS_SPOOL_VERSION;
}

/* ---- locking ---- */

static int lock_fd(int fd, int how) {
  int r;
  do r = flock(fd, how);
  while (r != 0 && errno == EINTR);
  return r;
}

/* After the lock is granted: does fd still name the file at path (a replay may have renamed a new file over
 * it, or removed it)? 1 yes, 0 no, -1 error (errno). */
static int still_there(int fd, const char *path) {
  struct stat a, b;
  if (fstat(fd, &a) != 0) return -1;
  if (stat(path, &b) != 0) return errno == ENOENT ? 0 : -1;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- reading ---- */

/* 0 = all n bytes read, 1 = the file ended first, -1 = error (errno). */
static int read_at(int fd, uint64_t off, void *buf, size_t n) {
  uint8_t *p = buf;
  while (n) {
    ssize_t k = pread(fd, p, n, (off_t)off);
    if (k < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (k == 0) return 1;
    p += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 0;
}

/* Parses a varint from p[0..n): bytes used, 0 when n ends inside it, -1 when it is longer than 10 bytes or
 * overflows 64 bits (a 10-byte varint equal to 2^64 must not wrap to 0). */
static int parse_varint(const uint8_t *p, size_t n, uint64_t *v) {
  *v = 0;
  for (size_t i = 0; i < 10; i++) {
    if (i == n) return 0;
    if (i == 9 && p[i] > 1) return -1;
    *v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (!(p[i] & 0x80)) return (int)i + 1;
  }
  return -1;
}

/* read_at() through the reader's window: scanning a damaged region looks at every offset, and most looks
 * are a few bytes, so they are served from one buffered block instead of a system call each. */
static int reader_read(evs_spool_reader *r, uint64_t off, void *buf, size_t n) {
  if (n > sizeof r->win) return read_at(r->fd, off, buf, n);
  if (!(r->win_len && off >= r->win_off && off + n <= r->win_off + r->win_len)) {
    size_t want = r->size - off < sizeof r->win ? (size_t)(r->size - off) : sizeof r->win;
    if (want < n) return 1;
    int rr = read_at(r->fd, off, r->win, want);
    if (rr != 0) {
      r->win_len = 0;
      return rr;
    }
    r->win_off = off;
    r->win_len = want;
  }
  memcpy(buf, r->win + (off - r->win_off), n);
  return 0;
}

typedef struct cursor {
  const uint8_t *p;
  size_t n, pos;
  bool bad;
} cursor;

static uint64_t cur_varint(cursor *c) {
  uint64_t v = 0;
  int used = parse_varint(c->p + c->pos, c->n - c->pos, &v);
  if (used <= 0) {
    c->bad = true;
    return 0;
  }
  c->pos += (size_t)used;
  return v;
}

static const uint8_t *cur_bytes(cursor *c, size_t *len) {
  uint64_t n = cur_varint(c);
  if (c->bad || n > c->n - c->pos) {
    c->bad = true;
    *len = 0;
    return NULL;
  }
  const uint8_t *p = c->p + c->pos;
  c->pos += (size_t)n;
  *len = (size_t)n;
  return p;
}

static const uint8_t *cur_opt(cursor *c, size_t *len, bool *present) {
  *len = 0;
  *present = false;
  if (c->bad || c->pos >= c->n) {
    c->bad = true;
    return NULL;
  }
  uint8_t flag = c->p[c->pos++];
  *present = flag == 1;
  if (flag > 1) c->bad = true;
  if (!*present || c->bad) return NULL;
  return cur_bytes(c, len);
}

/* Parses the body in r->body (len bytes) into rec: 1 ok, 0 malformed, -1 out of memory. */
static int parse_body(evs_spool_reader *r, size_t len, evs_spool_record *rec) {
  cursor c = {r->body.data, len, 0, false};
  memset(rec, 0, sizeof *rec);
  size_t tlen;
  const uint8_t *topic = cur_bytes(&c, &tlen);
  rec->key = cur_opt(&c, &rec->key_len, &rec->has_key);
  uint64_t nh = cur_varint(&c);
  /* Each header takes at least 2 bytes: a larger count is a lie that must not size an allocation. */
  if (!c.bad && nh > (c.n - c.pos) / 2) c.bad = true;
  if (c.bad) return 0;
  if (nh > r->cap_headers) {
    evs_kafka_header *hs = evs_realloc(r->headers, (size_t)nh * sizeof *hs);
    if (hs) r->headers = hs;
    size_t *nl = hs ? evs_realloc(r->name_len, (size_t)nh * sizeof *nl) : NULL;
    if (!nl) return -1;
    r->name_len = nl;
    r->cap_headers = (size_t)nh;
  }
  size_t *name_len = r->name_len;
  for (uint64_t i = 0; !c.bad && i < nh; i++) {
    r->headers[i].name = (const char *)cur_bytes(&c, &name_len[i]);
    bool present;
    size_t vl;
    const uint8_t *v = cur_opt(&c, &vl, &present);
    r->headers[i].value = present ? v : NULL;
    r->headers[i].value_len = vl;
  }
  rec->value = cur_opt(&c, &rec->value_len, &rec->has_value);
  size_t elen;
  const uint8_t *error = cur_bytes(&c, &elen);
  if (c.bad || c.pos != c.n) return 0;
  /* Topic, names and error need terminators: copy them, NUL-ended, into a string table. */
  size_t need = tlen + 1 + elen + 1;
  for (uint64_t i = 0; i < nh; i++) need += name_len[i] + 1;
  uint8_t *strings = evs_malloc(need);
  if (!strings) return -1;
  size_t o = 0;
#define COPY(dst, src, l)               \
  do {                                  \
    if (l) memcpy(strings + o, src, l); \
    strings[o + (l)] = 0;               \
    dst = (const char *)strings + o;    \
    o += (l) + 1;                       \
  } while (0)
  COPY(rec->topic, topic, tlen);
  for (uint64_t i = 0; i < nh; i++) COPY(r->headers[i].name, r->headers[i].name, name_len[i]);
  COPY(rec->error, error, elen);
#undef COPY
  evs_free(r->strings);
  r->strings = strings;
  rec->headers = r->headers;
  rec->n_headers = (size_t)nh;
  return 1;
}

typedef enum { FRAME_OK, FRAME_CUT, FRAME_BAD, FRAME_FAIL } frame_res;

/* Reads and checks the record at off. FRAME_OK: rec filled, *next after it. FRAME_CUT: the file ends
 * inside it. FRAME_BAD: not a record (*code, why; not set for a probe). FRAME_FAIL: I/O error or out of
 * memory (err filled). *next is set (else 0) whenever the length was readable and the record fits the file,
 * so that a record with a bad checksum can be skipped. */
static frame_res frame_at(evs_spool_reader *r, uint64_t off, bool probe, evs_spool_record *rec,
                          uint64_t *next, evs_status *code, char *why, size_t why_n, evs_error *err) {
  *next = 0;
  uint8_t lb[10];
  size_t avail = r->size - off < sizeof lb ? (size_t)(r->size - off) : sizeof lb;
  if (reader_read(r, off, lb, avail) != 0) {
    evs_fail_at(err, EVS_ERR_IO, (size_t)off, "cannot read spool file %s: %s", r->path, strerror(errno));
    return FRAME_FAIL;
  }
  uint64_t len;
  int used = parse_varint(lb, avail, &len);
  if (used == 0) {
    *code = EVS_ERR_TRUNCATED;
    snprintf(why, why_n, "spool record length is cut off");
    return FRAME_CUT;
  }
  if (used < 0) {
    *code = EVS_ERR_SYNTAX;
    snprintf(why, why_n, "spool record length is not a valid varint (over 64 bits)");
    return FRAME_BAD;
  }
  if (len > SPOOL_MAX_BODY) {
    *code = EVS_ERR_LIMIT;
    snprintf(why, why_n, "spool record of %llu bytes is too large", (unsigned long long)len);
    return FRAME_BAD;
  }
  uint64_t body_at = off + (uint64_t)used;
  if (len + 4 > r->size - body_at) {
    *code = EVS_ERR_TRUNCATED;
    snprintf(why, why_n, "spool record is cut off (%llu of its %llu bytes are there)",
             (unsigned long long)(r->size - off), (unsigned long long)(len + 4 + (uint64_t)used));
    return FRAME_CUT;
  }
  *next = body_at + len + 4;
  evs_buf_reset(&r->body);
  if (evs_buf_reserve(&r->body, (size_t)len + 4) != EVS_OK) {
    evs_fail(err, EVS_ERR_NOMEM, "out of memory reading the spool");
    return FRAME_FAIL;
  }
  int rr = reader_read(r, body_at, r->body.data, (size_t)len + 4);
  if (rr != 0) {
    /* The size was checked under the lock: a short read means the file shrank, which is an I/O fault. */
    evs_fail_at(err, EVS_ERR_IO, (size_t)off, "cannot read spool file %s: %s", r->path,
                rr < 0 ? strerror(errno) : "it shrank while locked");
    return FRAME_FAIL;
  }
  /* The body's structure first: it rejects garbage after a few bytes, the checksum only after all. */
  int pb = parse_body(r, (size_t)len, rec);
  if (pb < 0) {
    evs_fail(err, EVS_ERR_NOMEM, "out of memory reading the spool");
    return FRAME_FAIL;
  }
  const uint8_t *c4 = r->body.data + len;
  uint32_t want =
      (uint32_t)c4[0] | ((uint32_t)c4[1] << 8) | ((uint32_t)c4[2] << 16) | ((uint32_t)c4[3] << 24);
  /* A probe needs no reason; a reported record says "checksum" whenever its bytes changed. */
  if (pb == 0 && probe) return FRAME_BAD;
  *code = EVS_ERR_SYNTAX;
  if (crc32_ieee(r->body.data, (size_t)len) != want) {
    snprintf(why, why_n, "spool record checksum mismatch");
    return FRAME_BAD;
  }
  if (pb == 0) {
    snprintf(why, why_n, "malformed spool record");
    return FRAME_BAD;
  }
  return FRAME_OK;
}

static void reader_init(evs_spool_reader *r, int fd, bool own, const char *path, uint64_t from,
                        uint64_t size) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
  r->own_fd = own;
  r->path = path;
  r->offset = from;
  r->size = size;
}

/* Checks the file header of a locked fd; EVS_OK with *size set. */
static evs_status check_header(int fd, const char *path, uint64_t *size, evs_error *err) {
  struct stat sb;
  if (fstat(fd, &sb) != 0)
    return evs_fail(err, EVS_ERR_IO, "cannot read spool file %s: %s", path, strerror(errno));
  *size = (uint64_t)sb.st_size;
  uint8_t hdr[SPOOL_HDR_LEN];
  int rr = read_at(fd, 0, hdr, sizeof hdr);
  if (rr < 0) return evs_fail(err, EVS_ERR_IO, "cannot read spool file %s: %s", path, strerror(errno));
  evs_error_where(err, path, NULL);
  if (rr > 0 || *size < SPOOL_HDR_LEN)
    return evs_fail_at(err, EVS_ERR_TRUNCATED, 0, "not an evs spool file (shorter than its header)");
  if (memcmp(hdr, EVS_SPOOL_MAGIC, 8) != 0)
    return evs_fail_at(err, EVS_ERR_SYNTAX, 0, "not an evs spool file");
  if (hdr[8] != EVS_SPOOL_VERSION)
    return evs_fail_at(err, EVS_ERR_UNSUPPORTED, 8, "spool format version %u, only %u is supported", hdr[8],
                       EVS_SPOOL_VERSION);
  evs_error_where(err, "", NULL);
  return EVS_OK;
}

evs_status evs_spool_open_fd(evs_spool_reader *r, int fd, const char *path, evs_error *err) {
  reader_init(r, -1, false, path, 0, 0);
  uint64_t size;
  evs_status st = check_header(fd, path, &size, err);
  if (st != EVS_OK) return st;
  reader_init(r, fd, false, path, SPOOL_HDR_LEN, size);
  return EVS_OK;
}

evs_status evs_spool_open_locked(evs_spool_reader *r, const char *path, bool exclusive, evs_error *err) {
  reader_init(r, -1, false, path, 0, 0);
  for (int tries = 0; tries < SPOOL_REOPEN_TRIES; tries++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return evs_fail(err, errno == ENOENT ? EVS_ERR_NOT_FOUND : EVS_ERR_IO, "cannot open spool file %s: %s",
                      path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
      close(fd);
      return evs_fail(err, EVS_ERR_IO, "cannot read spool file %s: not a regular file", path);
    }
    int there = lock_fd(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 ? -1 : still_there(fd, path);
    if (there < 0) {
      int e = errno;
      close(fd);
      return evs_fail(err, EVS_ERR_IO, "cannot lock spool file %s: %s", path, strerror(e));
    }
    if (there == 0) { /* replaced or removed by a replay while we waited */
      close(fd);
      continue;
    }
    uint64_t size;
    evs_status st = check_header(fd, path, &size, err);
    if (st != EVS_OK) {
      close(fd);
      return st;
    }
    reader_init(r, fd, true, path, SPOOL_HDR_LEN, size);
    return EVS_OK;
  }
  return evs_fail(err, EVS_ERR_IO, "cannot open spool file %s: it keeps being replaced", path);
}

evs_status evs_spool_open(evs_spool_reader *r, const char *path, evs_error *err) {
  return evs_spool_open_locked(r, path, false, err);
}

evs_status evs_spool_next(evs_spool_reader *r, evs_spool_record *rec, bool *more, evs_error *err) {
  r->damaged_len = 0;
  *more = false;
  if (r->fd < 0 || r->offset >= r->size) return EVS_OK;
  uint64_t start = r->offset, next;
  evs_status code = EVS_ERR_SYNTAX;
  char why[160];
  frame_res fr = frame_at(r, start, false, rec, &next, &code, why, sizeof why, err);
  if (fr == FRAME_OK) {
    r->rec_offset = start;
    r->offset = next;
    *more = true;
    return EVS_OK;
  }
  if (fr == FRAME_FAIL) return err ? err->code : EVS_ERR_IO;
  /* Damaged: intact records start again at the first later offset where one is found. Not the end its
   * length claims: that length may be the damage, and the earliest intact record is the one that no
   * later append can hide (the region ends where it ends whatever follows). */
  evs_spool_record probe;
  evs_status pcode;
  char pwhy[160];
  uint64_t end = r->size, pnext;
  for (uint64_t y = start + 1; y < r->size; y++) {
    frame_res pr = frame_at(r, y, true, &probe, &pnext, &pcode, pwhy, sizeof pwhy, err);
    if (pr == FRAME_FAIL) return err ? err->code : EVS_ERR_IO;
    if (pr == FRAME_OK) {
      end = y;
      break;
    }
  }
  if (fr == FRAME_CUT && end < r->size) {
    /* Intact records follow: the length itself is damaged, this is no cut-off tail. */
    code = EVS_ERR_SYNTAX;
    snprintf(why, sizeof why, "spool record length is damaged (it runs past the end of the file)");
  }
  r->offset = end;
  r->damaged_offset = start;
  r->damaged_len = end - start;
  evs_error_where(err, r->path, NULL);
  *more = true;
  return evs_fail_at(err, code, (size_t)start, "%s; %llu bytes skipped", why,
                     (unsigned long long)r->damaged_len);
}

void evs_spool_reader_close(evs_spool_reader *r) {
  if (r->own_fd && r->fd >= 0) close(r->fd); /* releases the lock */
  r->fd = -1;
  r->own_fd = false;
  evs_buf_free(&r->body);
  evs_free(r->headers);
  evs_free(r->name_len);
  evs_free(r->strings);
  r->name_len = NULL;
  r->headers = NULL;
  r->strings = NULL;
  r->cap_headers = 0;
}

evs_status evs_spool_count(const char *path, uint64_t *count, evs_error *err) {
  if (!path || !count) return evs_fail(err, EVS_ERR_INVALID_ARG, "path or count is NULL");
  evs_spool_reader r;
  evs_status st = evs_spool_open(&r, path, err);
  if (st != EVS_OK) return st;
  uint64_t n = 0;
  evs_spool_record rec;
  bool more;
  while ((st = evs_spool_next(&r, &rec, &more, err)) == EVS_OK && more) n++;
  evs_spool_reader_close(&r);
  if (st != EVS_OK) return st;
  *count = n;
  return EVS_OK;
}

/* ---- writing ---- */

/* Opens (or reopens) the file, takes the exclusive lock and makes the tail appendable. On success the
 * caller holds the lock (writer_unlock) and w->end is the file's size. */
static evs_status writer_lock(evs_spool_writer *w, const char *path, evs_error *err);

static void writer_drop(evs_spool_writer *w) {
  if (w->open) close(w->fd);
  w->open = false;
  w->checked = false;
  w->end = 0;
}

/* The tail from w->end (or the header) to size: a cut-off last record is removed. */
static evs_status writer_check(evs_spool_writer *w, uint64_t size, evs_error *err) {
  uint64_t from = w->checked && size >= w->end ? w->end : 0;
  if (from == 0 && size > 0) {
    uint8_t hdr[SPOOL_HDR_LEN], want[SPOOL_HDR_LEN];
    spool_header(want);
    size_t n = size < SPOOL_HDR_LEN ? (size_t)size : SPOOL_HDR_LEN;
    if (read_at(w->fd, 0, hdr, n) != 0)
      return evs_fail(err, EVS_ERR_IO, "cannot read spool file %s: %s", w->path, strerror(errno));
    if (memcmp(hdr, want, n) != 0)
      return evs_fail(err, EVS_ERR_SYNTAX, "%s is not an evs spool file (version %u): not appending to it",
                      w->path, EVS_SPOOL_VERSION);
    if (n < SPOOL_HDR_LEN) { /* a header cut off by a crash: start the file again */
      if (ftruncate(w->fd, 0) != 0)
        return evs_fail(err, EVS_ERR_IO, "cannot truncate spool file %s: %s", w->path, strerror(errno));
      w->tail_cut += size;
      size = 0;
    } else {
      from = SPOOL_HDR_LEN;
    }
  }
  if (from < size) {
    evs_spool_reader r;
    reader_init(&r, w->fd, false, w->path, from, size);
    evs_spool_record rec;
    evs_error e;
    bool more = true;
    uint64_t cut_at = size;
    while (more) {
      evs_status k = evs_spool_next(&r, &rec, &more, &e);
      if (k != EVS_OK && !more) {
        evs_spool_reader_close(&r);
        if (err) *err = e;
        return k;
      }
      /* Only a cut-off region with no intact record after it is a torn tail; other damage stays. */
      if (k == EVS_ERR_TRUNCATED) cut_at = r.damaged_offset;
    }
    evs_spool_reader_close(&r);
    if (cut_at < size) {
      if (ftruncate(w->fd, (off_t)cut_at) != 0)
        return evs_fail(err, EVS_ERR_IO, "cannot remove the cut-off tail of spool file %s: %s", w->path,
                        strerror(errno));
      w->tail_cut += size - cut_at;
      size = cut_at;
    }
  }
  w->end = size;
  w->checked = true;
  return EVS_OK;
}

static evs_status writer_lock(evs_spool_writer *w, const char *path, evs_error *err) {
  if (!w->path) {
    w->path = evs_strdup(path);
    if (!w->path) return evs_fail(err, EVS_ERR_NOMEM, "out of memory writing the spool");
  }
  for (int tries = 0; tries < SPOOL_REOPEN_TRIES; tries++) {
    if (!w->open) {
      /* O_RDWR: the tail is read back to check it. */
      int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0) return evs_fail(err, EVS_ERR_IO, "cannot open spool file %s: %s", path, strerror(errno));
      struct stat sb;
      const char *bad = fstat(fd, &sb) != 0                            ? strerror(errno)
                        : !S_ISREG(sb.st_mode) && !S_ISCHR(sb.st_mode) ? "not a regular file"
                                                                       : NULL;
      if (bad) {
        close(fd);
        return evs_fail(err, EVS_ERR_IO, "cannot open spool file %s: %s", path, bad);
      }
      w->fd = fd;
      w->open = true;
      w->regular = S_ISREG(sb.st_mode) != 0;
      w->checked = false;
      w->end = 0;
    }
    if (!w->regular) return EVS_OK; /* a device (/dev/null, /dev/full): nothing to lock or check */
    int there = lock_fd(w->fd, LOCK_EX) != 0 ? -1 : still_there(w->fd, path);
    if (there < 0) {
      evs_status st = evs_fail(err, EVS_ERR_IO, "cannot lock spool file %s: %s", path, strerror(errno));
      writer_drop(w);
      return st;
    }
    if (there == 0) { /* a replay replaced or removed it */
      writer_drop(w);
      continue;
    }
    struct stat sb;
    if (fstat(w->fd, &sb) != 0) {
      evs_status st = evs_fail(err, EVS_ERR_IO, "cannot read spool file %s: %s", path, strerror(errno));
      lock_fd(w->fd, LOCK_UN);
      return st;
    }
    evs_status st = writer_check(w, (uint64_t)sb.st_size, err);
    if (st != EVS_OK) lock_fd(w->fd, LOCK_UN);
    return st;
  }
  return evs_fail(err, EVS_ERR_IO, "cannot open spool file %s: it keeps being replaced", path);
}

/* Writes framed records (buf holds room for the file header in its first SPOOL_HDR_LEN bytes) under the
 * lock; a failed write is cut back off so no torn record stays behind. */
static evs_status spool_write(evs_spool_writer *w, const char *path, uint8_t *buf, size_t n, evs_error *err) {
  evs_status st = writer_lock(w, path, err);
  if (st != EVS_OK) return st;
  const uint8_t *p = buf + SPOOL_HDR_LEN;
  size_t left = n - SPOOL_HDR_LEN;
  if (w->end == 0) {
    spool_header(buf);
    p = buf;
    left = n;
  }
  size_t total = left;
  while (left) {
    ssize_t k = write(w->fd, p, left);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      int e = k < 0 ? errno : EIO;
      /* Best effort: the next append's tail check removes it too. */
      if (w->regular && total != left && ftruncate(w->fd, (off_t)w->end) != 0) w->checked = false;
      if (w->regular) lock_fd(w->fd, LOCK_UN);
      return evs_fail(err, EVS_ERR_IO, "cannot write spool file %s: %s", path, strerror(e));
    }
    p += k;
    left -= (size_t)k;
  }
  w->end += total;
  if (w->regular) lock_fd(w->fd, LOCK_UN);
  return EVS_OK;
}

evs_status evs_spool_append(evs_spool_writer *w, const char *path, const char *topic, const void *key,
                            size_t key_len, const rd_kafka_headers_t *headers, const void *value,
                            size_t value_len, const char *error, evs_error *err) {
  evs_buf body = EVS_BUF_INIT, rec = EVS_BUF_INIT;
  put_str(&body, topic, strlen(topic));
  put_opt(&body, key, key_len);
  size_t n = headers ? rd_kafka_header_cnt(headers) : 0;
  (void)evs_varint_append(&body, n);
  for (size_t i = 0; i < n; i++) {
    const char *name;
    const void *val;
    size_t size;
    if (rd_kafka_header_get_all(headers, i, &name, &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
    put_str(&body, name, strlen(name));
    put_opt(&body, val, size);
  }
  put_opt(&body, value, value_len);
  put_str(&body, error ? error : "", error ? strlen(error) : 0);
  uint8_t room[SPOOL_HDR_LEN] = {0};
  evs_buf_append(&rec, room, sizeof room);
  (void)evs_varint_append(&rec, body.len);
  evs_buf_append(&rec, body.data, body.len);
  uint32_t crc = crc32_ieee(body.data, body.len);
  uint8_t c4[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
  evs_buf_append(&rec, c4, 4);
  evs_status st = evs_buf_status(&rec) == EVS_OK && evs_buf_status(&body) == EVS_OK ? EVS_OK : EVS_ERR_NOMEM;
  if (st != EVS_OK) {
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory writing the spool");
  } else {
    st = spool_write(w, path, rec.data, rec.len, err);
  }
  evs_buf_free(&body);
  evs_buf_free(&rec);
  return st;
}

evs_status evs_spool_append_raw(evs_spool_writer *w, const char *path, const void *records, size_t n,
                                evs_error *err) {
  evs_buf rec = EVS_BUF_INIT;
  uint8_t room[SPOOL_HDR_LEN] = {0};
  evs_buf_append(&rec, room, sizeof room);
  evs_buf_append(&rec, records, n);
  evs_status st = evs_buf_status(&rec) != EVS_OK
                      ? evs_fail(err, EVS_ERR_NOMEM, "out of memory writing the spool")
                      : spool_write(w, path, rec.data, rec.len, err);
  evs_buf_free(&rec);
  return st;
}

evs_status evs_spool_close(evs_spool_writer *w, evs_error *err) {
  evs_status st = EVS_OK;
  if (w->open) {
    if (w->regular && fsync(w->fd) != 0)
      st = evs_fail(err, EVS_ERR_IO, "cannot sync spool file %s: %s", w->path, strerror(errno));
    if (close(w->fd) != 0 && st == EVS_OK)
      st = evs_fail(err, EVS_ERR_IO, "cannot close spool file %s: %s", w->path, strerror(errno));
  }
  evs_free(w->path);
  memset(w, 0, sizeof *w);
  return st;
}
