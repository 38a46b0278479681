/* Whole-file reads; see file_internal.h. */
#include "base/alloc_internal.h"
#include "base/file_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int evs_read_stream(FILE *fp, size_t max, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  struct stat sb;
  size_t cap = 64 * 1024;
  /* One byte more than the size, so that end of file shows without growing the buffer. */
  if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0) {
    if ((uint64_t)sb.st_size > max) return EFBIG;
    cap = (size_t)sb.st_size + 1;
  }
  uint8_t *buf = evs_malloc(cap);
  if (!buf) return ENOMEM;
  size_t n = 0;
  for (;;) {
    if (n == cap) {
      if (cap > max) {
        evs_free(buf);
        return EFBIG;
      }
      uint8_t *g = evs_realloc(buf, cap * 2);
      if (!g) {
        evs_free(buf);
        return ENOMEM;
      }
      buf = g;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, fp);
    n += got;
    if (got == 0) break;
  }
  if (ferror(fp)) {
    int e = errno ? errno : EIO;
    evs_free(buf);
    return e;
  }
  if (n > max) {
    evs_free(buf);
    return EFBIG;
  }
  *data = buf;
  *len = n;
  return 0;
}
