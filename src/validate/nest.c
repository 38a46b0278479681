/* evs_violations_nest: violations found in a message checked as a part of something larger (an event's
 * payload under "data") get the parent's name in front of their paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "evs/validate.h"

/* name, a '.' unless the path is empty or starts with an index, the path, a NUL. */
static void put_nested(evs_buf *b, const char *name, const char *path) {
  evs_buf_append_str(b, name);
  if (*path && *path != '[') evs_buf_append_byte(b, '.');
  evs_buf_append_str(b, path);
  evs_buf_append_byte(b, '\0');
}

evs_status evs_violations_nest(evs_violations *vs, size_t from, const char *name, const char *json_name) {
  if (!vs || !name || !json_name || from > vs->n) return EVS_ERR_INVALID_ARG;
  if (from == vs->n) return EVS_OK;
  if (evs_buf_status(&vs->text_) != EVS_OK) return EVS_ERR_NOMEM;
  /* The new paths are built apart, then appended to the list's text in one piece; the old ones stay there,
   * unused, until the list is reset. */
  evs_buf fresh = EVS_BUF_INIT;
  for (size_t i = from; i < vs->n; i++) {
    put_nested(&fresh, name, vs->v[i].path);
    put_nested(&fresh, json_name, vs->v[i].json_path);
  }
  /* The text may move when it grows: every string is held as its offset across the append. */
  size_t n_str = vs->n * 4;
  size_t *off = evs_malloc(n_str * sizeof *off);
  if (evs_buf_status(&fresh) != EVS_OK || !off) {
    evs_buf_free(&fresh);
    evs_free(off);
    return EVS_ERR_NOMEM;
  }
  const char *base = (const char *)vs->text_.data;
  for (size_t i = 0; i < vs->n; i++) {
    const char *s[4] = {vs->v[i].path, vs->v[i].json_path, vs->v[i].message, vs->v[i].value};
    for (size_t k = 0; k < 4; k++) off[i * 4 + k] = s[k] ? (size_t)(s[k] - base) : SIZE_MAX;
  }
  size_t start = vs->text_.len;
  evs_status st = evs_buf_append(&vs->text_, fresh.data, fresh.len);
  if (st == EVS_OK) {
    base = (const char *)vs->text_.data;
    for (size_t i = 0; i < vs->n; i++) {
      const char **s[4] = {&vs->v[i].path, &vs->v[i].json_path, &vs->v[i].message, &vs->v[i].value};
      for (size_t k = 0; k < 4; k++) *s[k] = off[i * 4 + k] == SIZE_MAX ? NULL : base + off[i * 4 + k];
    }
    const char *p = base + start;
    for (size_t i = from; i < vs->n; i++) {
      vs->v[i].path = p;
      p += strlen(p) + 1;
      vs->v[i].json_path = p;
      p += strlen(p) + 1;
    }
  } else {
    /* The list is left as it was: the append failed before anything was written. */
    vs->text_.len = start;
    vs->text_.failed = false;
  }
  evs_buf_free(&fresh);
  evs_free(off);
  return st;
}
