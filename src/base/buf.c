#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "evs/buf.h"

evs_status evs_buf_reserve(evs_buf *b, size_t extra) {
  if (b->failed) return EVS_ERR_NOMEM;
  if (extra > SIZE_MAX - b->len - 1) {
    b->failed = true;
    return EVS_ERR_NOMEM;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return EVS_OK;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  uint8_t *p = evs_realloc(b->data, cap);
  if (!p) {
    b->failed = true;
    return EVS_ERR_NOMEM;
  }
  b->data = p;
  b->cap = cap;
  return EVS_OK;
}

evs_status evs_buf_append(evs_buf *b, const void *data, size_t n) {
  if (evs_buf_reserve(b, n) != EVS_OK) return EVS_ERR_NOMEM;
  if (n) memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return EVS_OK;
}

evs_status evs_buf_append_str(evs_buf *b, const char *s) {
  return evs_buf_append(b, s, strlen(s));
}

evs_status evs_buf_append_byte(evs_buf *b, uint8_t c) {
  return evs_buf_append(b, &c, 1);
}

evs_status evs_buf_status(const evs_buf *b) {
  return b->failed ? EVS_ERR_NOMEM : EVS_OK;
}

void evs_buf_reset(evs_buf *b) {
  b->len = 0;
  b->failed = false;
  if (b->data) b->data[0] = '\0';
}

void evs_buf_free(evs_buf *b) {
  if (!b) return;
  evs_free(b->data);
  *b = (evs_buf)EVS_BUF_INIT;
}

uint8_t *evs_buf_detach(evs_buf *b, size_t *len) {
  uint8_t *p = b->data;
  if (len) *len = b->len;
  *b = (evs_buf)EVS_BUF_INIT;
  return p;
}
