/* CloudEvents structured mode: writing one event as a JSON object with the library's JSON string writer
 * (evs_json_write_string) and base64. */
#include <string.h>

#include "base/base64_internal.h"
#include "base/error_internal.h"
#include "event/cloudevents_internal.h"
#include "evs/json.h"

/* The bytes as one JSON string of standard base64, in chunks so that no buffer the size of the payload
 * is needed. */
static void write_base64(FILE *out, const uint8_t *p, size_t n) {
  char chunk[4 * 1024];
  fputc('"', out);
  while (n) {
    size_t take = n > 3 * 1024 ? 3 * 1024 : n;
    evs_base64_encode(p, take, chunk);
    fwrite(chunk, 1, evs_base64_encoded_len(take), out);
    p += take;
    n -= take;
  }
  fputc('"', out);
}

evs_status evs_ce_write_json(FILE *out, const evs_ce_event *ev, evs_error *err) {
  if (!out || !ev || (ev->data_kind != EVS_CE_DATA_NONE && !ev->data && ev->data_len))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "out or ev is NULL, or data NULL with a length");
  evs_status st = evs_ce_check_attrs(ev, err);
  if (st != EVS_OK) return st;
  if (ev->data_kind == EVS_CE_DATA_JSON && (!ev->data_len || *(const char *)ev->data != '"') &&
      ev->content_type && !evs_ce_media_is_json(ev->content_type))
    return evs_fail(err, EVS_ERR_TYPE, "data must be a JSON string: datacontenttype '%.60s' is not JSON",
                    ev->content_type);
  bool first = true;
  fputc('{', out);
  for (int i = 0; i < EVS_CE_N_ATTRS; i++) {
    const char *v = evs_ce_get(ev, i);
    if (!v) continue;
    fprintf(out, "%s\"%s\":", first ? "" : ",", evs_ce_attrs[i].name);
    evs_json_write_string(out, v);
    first = false;
  }
  if (ev->data_kind == EVS_CE_DATA_JSON) {
    fputs(first ? "\"data\":" : ",\"data\":", out);
    fwrite(ev->data, 1, ev->data_len, out);
  } else if (ev->data_kind == EVS_CE_DATA_BINARY) {
    fputs(first ? "\"data_base64\":" : ",\"data_base64\":", out);
    write_base64(out, ev->data, ev->data_len);
  }
  fputc('}', out);
  if (ferror(out)) return evs_fail(err, EVS_ERR_IO, "writing the event failed");
  return EVS_OK;
}
