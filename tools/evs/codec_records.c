/* The record loops of encode, decode and validate: JSON input (one document, or JSON lines) and binary
 * input (one message, or a length-delimited stream), each record handed to the command's handler, failures
 * reported with where they are (line N, record N at byte B) and counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec_cli.h"

static bool is_blank(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
  return true;
}

/* Runs fn on one record; reports a failure unless fn did. Returns true when it failed. */
static bool handle(const codec_io *io, codec_record *rec, codec_record_fn fn, void *ctx) {
  evs_error err;
  evs_error_clear(&err);
  rec->reported = false;
  if (fn(ctx, rec, &err) == EVS_OK) return false;
  if (!rec->reported) codec_report(io, rec->where, &err);
  return true;
}

static void summary(const codec_io *io, unsigned long long failed, unsigned long long records) {
  if (io->args->keep_going && failed)
    fprintf(stderr, "evs %s: %llu of %llu records failed\n", io->cmd->name, failed, records);
}

/* A single JSON document: the whole input, which may span lines (pretty-printed JSON). */
static int json_single(const codec_io *io, codec_record_fn fn, void *ctx) {
  uint8_t *text = NULL;
  size_t len = 0;
  evs_error err;
  if (codec_read_all(io->in, &text, &len, &err) != EVS_OK) {
    codec_report(io, NULL, &err);
    return CLI_EXIT_FAIL;
  }
  int rc = CLI_EXIT_OK;
  size_t bom = cli_bom_len((const char *)text, len);
  codec_record rec = {.data = text + bom, .len = len - bom, .base = bom, .number = 1};
  if (is_blank((const char *)text + bom, len - bom)) {
    rc = cli_failf(io->cmd, "%s: no JSON document in the input", codec_input_name(io->args));
  } else if (handle(io, &rec, fn, ctx)) {
    rc = CLI_EXIT_FAIL;
  }
  free(text);
  return rc;
}

/* JSON lines: one document per line, blank lines skipped. */
static int json_lines(const codec_io *io, codec_record_fn fn, void *ctx) {
  FILE *in = io->in;
  cli_lines lines = {.max = CODEC_MAX_RECORD};
  unsigned long long records = 0, failed = 0;
  int rc = CLI_EXIT_OK;
  for (;;) {
    size_t len = 0;
    int got = cli_lines_next(&lines, in, &len);
    if (got == CLI_LINE_EOF || got == CLI_LINE_IO) break;
    char where[64];
    snprintf(where, sizeof where, "line %llu", lines.line_no);
    evs_error err;
    evs_error_clear(&err);
    bool bad;
    if (got == CLI_LINE_TOO_LONG || got == CLI_LINE_NOMEM) {
      err.code = got == CLI_LINE_TOO_LONG ? EVS_ERR_LIMIT : EVS_ERR_NOMEM;
      if (got == CLI_LINE_TOO_LONG)
        snprintf(err.msg, sizeof err.msg,
                 "line longer than %zu bytes (skipped without reading it into memory)", CODEC_MAX_RECORD);
      else
        snprintf(err.msg, sizeof err.msg, "out of memory reading the line");
      codec_report(io, where, &err);
      bad = true;
    } else {
      if (len && lines.buf[len - 1] == '\r') len--;
      if (is_blank(lines.buf, len)) continue;
      size_t bom = lines.line_no == 1 ? cli_bom_len(lines.buf, len) : 0;
      codec_record rec = {.data = (const uint8_t *)lines.buf + bom,
                          .len = len - bom,
                          .base = bom,
                          .number = records + 1,
                          .line = lines.line_no,
                          .where = where};
      bad = handle(io, &rec, fn, ctx);
    }
    records++;
    if (bad) {
      failed++;
      rc = CLI_EXIT_FAIL;
      if (!io->args->keep_going) break;
    }
  }
  if (ferror(in))
    rc = cli_failf(io->cmd, "reading %s failed: %s", codec_input_name(io->args), strerror(errno));
  cli_lines_free(&lines);
  summary(io, failed, records);
  return rc;
}

int codec_json_records(const codec_io *io, codec_record_fn fn, void *ctx) {
  return io->args->delimited ? json_lines(io, fn, ctx) : json_single(io, fn, ctx);
}

/* One binary message: the whole input. */
static int binary_single(const codec_io *io, codec_record_fn fn, void *ctx) {
  uint8_t *data = NULL;
  size_t len = 0;
  evs_error err;
  evs_error_clear(&err);
  if (codec_read_all(io->in, &data, &len, &err) != EVS_OK) {
    codec_report(io, NULL, &err);
    return CLI_EXIT_FAIL;
  }
  codec_record rec = {.data = data, .len = len, .number = 1};
  int rc = handle(io, &rec, fn, ctx) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  free(data);
  return rc;
}

/* Reads exactly n bytes, growing *buf as data arrives (a hostile length prefix allocates nothing it
 * cannot fill). Returns how many bytes were read (< n at the end of input); SIZE_MAX when out of memory. */
static size_t read_payload(FILE *in, uint8_t **buf, size_t *cap, size_t n) {
  size_t got = 0;
  while (got < n) {
    if (got == *cap) {
      size_t want = *cap ? *cap * 2 : 4096;
      if (want > n) want = n;
      uint8_t *grown = realloc(*buf, want);
      if (!grown) return SIZE_MAX;
      *buf = grown;
      *cap = want;
    }
    size_t chunk = *cap - got < n - got ? *cap - got : n - got;
    size_t r = fread(*buf + got, 1, chunk, in);
    got += r;
    if (r < chunk) break;
  }
  return got;
}

/* A length-delimited stream: a varint length before each message. */
static int binary_delimited(const codec_io *io, codec_record_fn fn, void *ctx) {
  FILE *in = io->in;
  uint8_t *buf = NULL;
  size_t cap = 0, offset = 0;
  unsigned long long records = 0, failed = 0;
  int rc = CLI_EXIT_OK;
  for (;;) {
    evs_error err;
    evs_error_clear(&err);
    size_t start = offset;
    uint64_t n = 0;
    char where[96];
    snprintf(where, sizeof where, "record %llu (byte %zu)", records + 1, start);
    int more = codec_read_varint(in, &offset, &n, &err);
    if (more == 0) break;
    records++;
    bool framing_lost = true;
    if (more < 0) {
      /* err is filled */
    } else if (n > CODEC_MAX_RECORD) {
      err.code = EVS_ERR_LIMIT;
      err.offset = start;
      snprintf(err.msg, sizeof err.msg, "length prefix says %llu bytes, more than the %zu-byte limit",
               (unsigned long long)n, CODEC_MAX_RECORD);
    } else {
      size_t got = read_payload(in, &buf, &cap, (size_t)n);
      if (got == SIZE_MAX) {
        err.code = EVS_ERR_NOMEM;
        snprintf(err.msg, sizeof err.msg, "out of memory reading a %llu-byte record", (unsigned long long)n);
      } else if (got < n) {
        err.code = ferror(in) ? EVS_ERR_IO : EVS_ERR_TRUNCATED;
        err.offset = offset + got;
        snprintf(err.msg, sizeof err.msg, "length prefix says %llu bytes, but the input ends after %zu",
                 (unsigned long long)n, got);
      } else {
        codec_record rec = {.data = buf, .len = got, .base = offset, .number = records, .where = where};
        offset += got;
        framing_lost = false;
        if (!handle(io, &rec, fn, ctx)) continue;
        failed++;
        rc = CLI_EXIT_FAIL;
        if (!io->args->keep_going) break;
        continue;
      }
    }
    codec_report(io, where, &err);
    failed++;
    rc = CLI_EXIT_FAIL;
    /* After a bad length prefix the next record's start is unknown: nothing more can be read. */
    if (!io->args->keep_going || framing_lost) break;
  }
  free(buf);
  summary(io, failed, records);
  return rc;
}

int codec_binary_records(const codec_io *io, codec_record_fn fn, void *ctx) {
  return io->args->delimited ? binary_delimited(io, fn, ctx) : binary_single(io, fn, ctx);
}

/* True when data reads as a length-delimited stream (varint length, that many bytes, and so on to the end):
 * then a failure to read it as one message most likely means --delimited was forgotten. */
bool codec_looks_delimited(const uint8_t *data, size_t len) {
  size_t pos = 0, records = 0;
  while (pos < len) {
    uint64_t n = 0;
    unsigned shift = 0;
    for (;;) {
      if (pos >= len || shift > 63) return false;
      uint8_t b = data[pos++];
      n |= (uint64_t)(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (n > len - pos) return false;
    pos += (size_t)n;
    records++;
  }
  return records > 0;
}
