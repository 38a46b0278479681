/* Validation of one event as the producer writes it or the consumer reads it: its envelope attributes and
 * its payload in one list, so that a producer's refusal and a consumer's dead letter say the same. */
#include <stdio.h>

#include "base/error_internal.h"
#include "kafka/kafka_internal.h"

/* Longest summary put into err->msg after its "invalid event: " prefix (err->msg holds 256 bytes). */
#define SUMMARY_MAX 220

evs_status evs_kafka_validate(const evs_validator *v, const evs_ce_event *ev, const ProtobufCMessage *msg,
                              evs_violations *out, evs_error *err) {
  evs_violations_reset(out);
  evs_error e;
  evs_error_clear(&e);
  evs_status st = evs_validate_event(v, ev, 0, out, &e);
  if (st == EVS_OK || st == EVS_ERR_VALIDATION) {
    size_t n_envelope = out->n;
    st = evs_validate_message(v, msg, 0, out, &e);
    /* Payload paths are relative to the payload: nested under "data", as in the event's JSON form, they
     * cannot be taken for the attribute of the same name. */
    if ((st == EVS_OK || st == EVS_ERR_VALIDATION) && out->n > n_envelope &&
        evs_violations_nest(out, n_envelope, "data", "data") != EVS_OK)
      st = EVS_ERR_NOMEM;
  }
  if (st == EVS_ERR_NOMEM) return evs_fail(err, st, "out of memory validating the event");
  if (st != EVS_OK && st != EVS_ERR_VALIDATION) return evs_fail(err, st, "%s", e.msg);
  if (out->n == 0 && !out->truncated) return EVS_OK;
  evs_buf sum = EVS_BUF_INIT;
  if (evs_violations_summary(out, SUMMARY_MAX, &sum) != EVS_OK) {
    evs_buf_free(&sum);
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory validating the event");
  }
  evs_fail(err, EVS_ERR_VALIDATION, "invalid event (%zu violation%s%s): %.*s", out->n, out->n == 1 ? "" : "s",
           out->truncated ? " and more" : "", (int)sum.len, sum.data ? (const char *)sum.data : "");
  evs_buf_free(&sum);
  return EVS_ERR_VALIDATION;
}
