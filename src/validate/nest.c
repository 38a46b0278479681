/* evs_violations_nest: violations found in a message checked as a part of something larger (an event's
 * payload under "data") get the parent's name in front of their paths. */
#include <string.h>

#include "evs/validate.h"
#include "validate/validate_internal.h"

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
  size_t start = 0;
  evs_status st = evs_buf_status(&fresh);
  if (st == EVS_OK) st = evs_violations_append_text(vs, fresh.data, fresh.len, &start);
  if (st == EVS_OK) {
    const char *p = (const char *)vs->text_.data + start;
    for (size_t i = from; i < vs->n; i++) {
      vs->v[i].path = p;
      p += strlen(p) + 1;
      vs->v[i].json_path = p;
      p += strlen(p) + 1;
    }
  }
  evs_buf_free(&fresh);
  return st;
}
