/* The spool: an append-only file of records that could not be delivered (docs/kafka.md, "Spool").
 *
 *   file   = magic "EVSSPOOL" (8 bytes), version (1 byte, = 1), record*
 *   record = varint body_len, body, crc32 (4 bytes, little-endian, IEEE, of body)
 *   body   = str topic, opt key, varint n_headers, (str name, opt value){n_headers}, opt value, str error
 *   str    = varint len, bytes;  opt = byte 0 (null) | byte 1, varint len, bytes
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "kafka/kafka_internal.h"

#define SPOOL_MAX_BODY ((uint64_t)256 << 20)

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

static void put_varint(evs_buf *b, uint64_t v) {
  while (v >= 0x80) {
    evs_buf_append_byte(b, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  evs_buf_append_byte(b, (uint8_t)v);
}

static void put_str(evs_buf *b, const void *p, size_t n) {
  put_varint(b, n);
  if (n) evs_buf_append(b, p, n);
}

static void put_opt(evs_buf *b, const void *p, size_t n) {
  evs_buf_append_byte(b, p ? 1 : 0);
  if (p) put_str(b, p, n);
}

evs_status evs_spool_append(evs_spool_writer *w, const char *path, const char *topic, const void *key,
                            size_t key_len, const rd_kafka_headers_t *headers, const void *value,
                            size_t value_len, const char *error, evs_error *err) {
  if (!w->f) {
    w->f = fopen(path, "ab");
    if (!w->f) return evs_fail(err, EVS_ERR_IO, "cannot open spool file %s: %s", path, strerror(errno));
    w->path = strdup(path);
    if (ftell(w->f) == 0) {
      uint8_t hdr[9];
      memcpy(hdr, EVS_SPOOL_MAGIC, 8);
      hdr[8] = EVS_SPOOL_VERSION;
      if (fwrite(hdr, 1, sizeof hdr, w->f) != sizeof hdr)
        return evs_fail(err, EVS_ERR_IO, "cannot write spool file %s: %s", path, strerror(errno));
    }
  }
  evs_buf body = EVS_BUF_INIT, rec = EVS_BUF_INIT;
  put_str(&body, topic, strlen(topic));
  put_opt(&body, key, key_len);
  size_t n = headers ? rd_kafka_header_cnt(headers) : 0;
  put_varint(&body, n);
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
  put_varint(&rec, body.len);
  evs_buf_append(&rec, body.data, body.len);
  uint32_t crc = crc32_ieee(body.data, body.len);
  uint8_t c4[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
  evs_buf_append(&rec, c4, 4);
  evs_status st = evs_buf_status(&rec) == EVS_OK && evs_buf_status(&body) == EVS_OK ? EVS_OK : EVS_ERR_NOMEM;
  if (st != EVS_OK) {
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory writing the spool");
  } else if (fwrite(rec.data, 1, rec.len, w->f) != rec.len || fflush(w->f) != 0) {
    st = evs_fail(err, EVS_ERR_IO, "cannot write spool file %s: %s", path, strerror(errno));
  }
  evs_buf_free(&body);
  evs_buf_free(&rec);
  return st;
}

evs_status evs_spool_close(evs_spool_writer *w, evs_error *err) {
  evs_status st = EVS_OK;
  if (w->f) {
    if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
      st = evs_fail(err, EVS_ERR_IO, "cannot sync spool file %s: %s", w->path, strerror(errno));
    if (fclose(w->f) != 0 && st == EVS_OK)
      st = evs_fail(err, EVS_ERR_IO, "cannot close spool file %s: %s", w->path, strerror(errno));
  }
  free(w->path);
  w->f = NULL;
  w->path = NULL;
  return st;
}

/* ---- reading ---- */

evs_status evs_spool_open(evs_spool_reader *r, const char *path, evs_error *err) {
  memset(r, 0, sizeof *r);
  r->path = path;
  r->f = fopen(path, "rb");
  if (!r->f)
    return evs_fail(err, errno == ENOENT ? EVS_ERR_NOT_FOUND : EVS_ERR_IO, "cannot open spool file %s: %s",
                    path, strerror(errno));
  uint8_t hdr[9];
  size_t got = fread(hdr, 1, sizeof hdr, r->f);
  evs_error_where(err, path, NULL);
  if (got < sizeof hdr || memcmp(hdr, EVS_SPOOL_MAGIC, 8) != 0) {
    evs_spool_reader_close(r);
    return evs_fail_at(err, got < sizeof hdr ? EVS_ERR_TRUNCATED : EVS_ERR_SYNTAX, 0,
                       "not an evs spool file");
  }
  if (hdr[8] != EVS_SPOOL_VERSION) {
    evs_spool_reader_close(r);
    return evs_fail_at(err, EVS_ERR_UNSUPPORTED, 8, "spool format version %u, only %u is supported", hdr[8],
                       EVS_SPOOL_VERSION);
  }
  evs_error_where(err, "", NULL);
  r->offset = sizeof hdr;
  return EVS_OK;
}

/* Varint from the file; 0 ok, 1 clean EOF before the first byte, -1 truncated/overlong. */
static int file_varint(evs_spool_reader *r, uint64_t *v) {
  *v = 0;
  for (int i = 0; i < 10; i++) {
    int c = fgetc(r->f);
    if (c == EOF) return i == 0 ? 1 : -1;
    r->offset++;
    *v |= (uint64_t)(c & 0x7f) << (7 * i);
    if (!(c & 0x80)) return 0;
  }
  return -1;
}

typedef struct cursor {
  const uint8_t *p;
  size_t n, pos;
  bool bad;
} cursor;

static uint64_t cur_varint(cursor *c) {
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    if (c->pos >= c->n) break;
    uint8_t b = c->p[c->pos++];
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return v;
  }
  c->bad = true;
  return 0;
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
  if (c->pos >= c->n) {
    c->bad = true;
    return NULL;
  }
  uint8_t flag = c->p[c->pos++];
  *present = flag == 1;
  if (flag > 1) c->bad = true;
  if (!*present || c->bad) return NULL;
  return cur_bytes(c, len);
}

int evs_spool_next(evs_spool_reader *r, evs_spool_record *rec, evs_error *err) {
  uint64_t start = r->offset, len;
  int vr = file_varint(r, &len);
  if (vr == 1) return 0;
  evs_error_where(err, r->path, NULL);
  if (vr < 0)
    return -(int)evs_fail_at(err, EVS_ERR_TRUNCATED, (size_t)start, "spool record length is cut off");
  if (len > SPOOL_MAX_BODY)
    return -(int)evs_fail_at(err, EVS_ERR_LIMIT, (size_t)start, "spool record of %llu bytes is too large",
                             (unsigned long long)len);
  evs_buf_reset(&r->body);
  /* Text fields are made NUL-terminated in place: read the body, then copy names into NUL-ended spans. */
  if (evs_buf_reserve(&r->body, (size_t)len + 4) != EVS_OK)
    return -(int)evs_fail(err, EVS_ERR_NOMEM, "out of memory reading the spool");
  if (fread(r->body.data, 1, (size_t)len + 4, r->f) != (size_t)len + 4)
    return -(int)evs_fail_at(err, EVS_ERR_TRUNCATED, (size_t)start, "spool record is cut off");
  r->offset += len + 4;
  const uint8_t *c4 = r->body.data + len;
  uint32_t want =
      (uint32_t)c4[0] | ((uint32_t)c4[1] << 8) | ((uint32_t)c4[2] << 16) | ((uint32_t)c4[3] << 24);
  if (crc32_ieee(r->body.data, (size_t)len) != want)
    return -(int)evs_fail_at(err, EVS_ERR_SYNTAX, (size_t)start, "spool record checksum mismatch");
  /* Parse into a second buffer so strings can be NUL-terminated: copy spans into `strings`. */
  cursor c = {r->body.data, (size_t)len, 0, false};
  memset(rec, 0, sizeof *rec);
  size_t tlen;
  const uint8_t *topic = cur_bytes(&c, &tlen);
  rec->key = cur_opt(&c, &rec->key_len, &rec->has_key);
  uint64_t nh = cur_varint(&c);
  if (!c.bad && nh > len) c.bad = true;
  if (!c.bad && nh > r->cap_headers) {
    evs_kafka_header *hs = realloc(r->headers, (size_t)nh * sizeof *hs);
    if (hs) r->headers = hs;
    size_t *nl = hs ? realloc(r->name_len, (size_t)nh * sizeof *nl) : NULL;
    if (!nl) return -(int)evs_fail(err, EVS_ERR_NOMEM, "out of memory reading the spool");
    r->name_len = nl;
    r->cap_headers = (size_t)nh;
  }
  /* Names need a terminator: remember spans, then build a string table after the body. */
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
  if (c.bad || c.pos != c.n)
    return -(int)evs_fail_at(err, EVS_ERR_SYNTAX, (size_t)start, "malformed spool record");
  /* String table: topic, names, error, each NUL-terminated, in a buffer after the body. */
  size_t need = tlen + 1 + elen + 1;
  for (uint64_t i = 0; i < nh; i++) need += name_len[i] + 1;
  uint8_t *strings = malloc(need);
  if (!strings) return -(int)evs_fail(err, EVS_ERR_NOMEM, "out of memory reading the spool");
  size_t o = 0;
#define COPY(dst, src, l)            \
  do {                               \
    memcpy(strings + o, src, l);     \
    strings[o + (l)] = 0;            \
    dst = (const char *)strings + o; \
    o += (l) + 1;                    \
  } while (0)
  COPY(rec->topic, topic, tlen);
  for (uint64_t i = 0; i < nh; i++) COPY(r->headers[i].name, r->headers[i].name, name_len[i]);
  COPY(rec->error, error, elen);
#undef COPY
  free(r->strings);
  r->strings = strings;
  rec->headers = r->headers;
  rec->n_headers = (size_t)nh;
  evs_error_where(err, "", NULL);
  return 1;
}

void evs_spool_reader_close(evs_spool_reader *r) {
  if (r->f) fclose(r->f);
  r->f = NULL;
  evs_buf_free(&r->body);
  free(r->headers);
  free(r->name_len);
  free(r->strings);
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
  int k;
  while ((k = evs_spool_next(&r, &rec, err)) == 1) n++;
  evs_spool_reader_close(&r);
  if (k < 0) return (evs_status)-k;
  *count = n;
  return EVS_OK;
}
