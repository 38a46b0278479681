/* A loopback TCP forwarder: connections to 127.0.0.1:PORT are relayed to a target host:port. `evs broker
 * --port N` uses it to give the mock cluster (whose ports librdkafka picks) a fixed bootstrap address. */
#ifndef EVS_TCP_FORWARD_H
#define EVS_TCP_FORWARD_H

#include <stddef.h>

typedef struct tcp_forward tcp_forward;

/* Listens on 127.0.0.1:port and relays every connection to target ("host:port"). 0 on success; -1 with why
 * (e.g. "port 9092 is in use") otherwise. */
int tcp_forward_start(int port, const char *target, tcp_forward **out, char *why, size_t why_n);

/* Stops accepting and frees the forwarder (relays in progress end with the process). NULL is fine. */
void tcp_forward_stop(tcp_forward *f);

#endif
