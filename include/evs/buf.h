/* evs_buf: a growable byte buffer, the one output convention of libevs (encoders append to it).
 * The caller owns the buffer struct; its memory comes from malloc/realloc and is released by
 * evs_buf_free() or handed over by evs_buf_detach(). Not thread-safe: one writer at a time. */
#ifndef EVS_BUF_H
#define EVS_BUF_H

#include "evs/common.h"
#include "evs/error.h"

EVS_EXTERN_C_BEGIN

typedef struct evs_buf {
  uint8_t *data; /* NULL until the first append; NUL-terminated after every successful append */
  size_t len;    /* bytes written, excluding the terminating NUL */
  size_t cap;    /* bytes allocated */
  bool failed;   /* an allocation failed: later appends do nothing, evs_buf_status() reports NOMEM */
} evs_buf;

#define EVS_BUF_INIT \
  { NULL, 0, 0, false }

/* Makes room for `extra` more bytes (plus the NUL). EVS_ERR_NOMEM sets failed. */
EVS_API EVS_NODISCARD evs_status evs_buf_reserve(evs_buf *b, size_t extra);
/* Appends n bytes / a NUL-terminated string / one byte. On failure sets failed and returns EVS_ERR_NOMEM. */
EVS_API evs_status evs_buf_append(evs_buf *b, const void *data, size_t n);
EVS_API evs_status evs_buf_append_str(evs_buf *b, const char *s);
EVS_API evs_status evs_buf_append_byte(evs_buf *b, uint8_t c);
/* EVS_OK, or EVS_ERR_NOMEM when any append failed since the last reset. */
EVS_API evs_status evs_buf_status(const evs_buf *b);
/* Empties the buffer, keeping its memory; clears failed. */
EVS_API void evs_buf_reset(evs_buf *b);
/* Releases the memory; the struct is EVS_BUF_INIT afterwards. NULL is a no-op. */
EVS_API void evs_buf_free(evs_buf *b);
/* Hands the memory to the caller (free() it) and reinitialises b; *len gets the length. NULL when empty. */
EVS_API uint8_t *evs_buf_detach(evs_buf *b, size_t *len);

EVS_EXTERN_C_END

#endif
