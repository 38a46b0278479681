/* What the Kafka module offers the library's other modules beyond include/evs/kafka.h (not installed):
 * the store's sink validates events as the producer does. */
#ifndef EVS_KAFKA_LIB_H
#define EVS_KAFKA_LIB_H

#include "evs/kafka.h"
#include "evs/validate.h"

/* Checks the envelope ev and then the payload msg with v, into *out (reset first; the payload's paths
 * nested under "data"). EVS_OK: valid; EVS_ERR_VALIDATION: err->msg = "invalid event (N violations):
 * <summary>"; EVS_ERR_NOMEM or the validator's error (an unknown message type) otherwise. */
evs_status evs_kafka_validate(const evs_validator *v, const evs_ce_event *ev, const ProtobufCMessage *msg,
                              evs_violations *out, evs_error *err);

#endif
