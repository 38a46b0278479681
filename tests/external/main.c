/* Packs and unpacks a downstream message and checks libevs and the generated catalog are usable. */
#include <stdio.h>
#include <string.h>

#include <evs/evs.h>

#include "acme/orders/v1/order_placed.pb-c.h"
#include "acme_catalog.h"

int main(void) {
  Acme__Orders__V1__OrderPlaced msg = ACME__ORDERS__V1__ORDER_PLACED__INIT;
  Acme__Orders__V1__Money total = ACME__ORDERS__V1__MONEY__INIT;
  Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  msg.order_id = "o-42";
  total.currency = "EUR";
  total.cents = 1999;
  at.seconds = 1767225600;
  msg.total = &total;
  msg.placed_at = &at;
  uint8_t buf[128];
  size_t n = acme__orders__v1__order_placed__pack(&msg, buf);
  Acme__Orders__V1__OrderPlaced *back = acme__orders__v1__order_placed__unpack(NULL, n, buf);
  if (!back || strcmp(back->order_id, "o-42") != 0 || back->total->cents != 1999 ||
      back->placed_at->seconds != 1767225600) {
    fprintf(stderr, "round trip failed\n");
    return 1;
  }
  acme__orders__v1__order_placed__free_unpacked(back, NULL);
  if (acme_catalog.n_messages != 2 || acme_catalog.descriptor_set_len == 0) {
    fprintf(stderr, "catalog: %zu messages, %zu bytes\n", acme_catalog.n_messages,
            acme_catalog.descriptor_set_len);
    return 1;
  }
  if (strcmp(evs_version(), "0.1.0") != 0 || evs_builtin_catalog.n_messages == 0) {
    fprintf(stderr, "libevs: version %s, %zu builtin messages\n", evs_version(),
            evs_builtin_catalog.n_messages);
    return 1;
  }
  printf("external project ok: %zu bytes packed, evs %s, %zu catalog messages\n", n, evs_version(),
         acme_catalog.n_messages);
  return 0;
}
