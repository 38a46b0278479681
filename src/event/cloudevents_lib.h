/* What the CloudEvents module offers the library's other modules beyond include/evs/cloudevents.h (not
 * installed). The Kafka consumer uses it to tell a JSON payload from a binary one. */
#ifndef EVS_CLOUDEVENTS_LIB_H
#define EVS_CLOUDEVENTS_LIB_H

#include <stdbool.h>

/* True when the media type s (parameters ignored) is JSON: subtype "json" or ending in "+json",
 * case-insensitively. */
bool evs_ce_media_is_json(const char *s);

#endif
