/* tcp_forward: one accept thread, one relay thread per connection (a demo broker sees a handful). */
#include "tcp_forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct tcp_forward {
  int listen_fd;
  struct sockaddr_storage target;
  socklen_t target_len;
  atomic_bool stop;
  pthread_t acceptor;
};

typedef struct relay {
  int a, b;
} relay;

/* Copies what is readable on from to to; false at EOF or on an error. */
static bool pump(int from, int to) {
  char buf[16384];
  ssize_t n = recv(from, buf, sizeof buf, 0);
  if (n <= 0) return false;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = send(to, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

static void *relay_main(void *arg) {
  relay r = *(relay *)arg;
  free(arg);
  struct pollfd p[2] = {{r.a, POLLIN, 0}, {r.b, POLLIN, 0}};
  for (;;) {
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(r.a, r.b)) break;
    if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(r.b, r.a)) break;
  }
  close(r.a);
  close(r.b);
  return NULL;
}

static void *accept_main(void *arg) {
  tcp_forward *f = arg;
  while (!atomic_load(&f->stop)) {
    struct pollfd p = {f->listen_fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue; /* wakes up to see `stop` */
    int client = accept(f->listen_fd, NULL, NULL);
    if (client < 0) continue;
    int upstream = socket(f->target.ss_family, SOCK_STREAM, 0);
    relay *r = malloc(sizeof *r);
    pthread_t t;
    if (upstream < 0 || !r || connect(upstream, (struct sockaddr *)&f->target, f->target_len) != 0) {
      close(client);
      if (upstream >= 0) close(upstream);
      free(r);
      continue;
    }
    *r = (relay){client, upstream};
    if (pthread_create(&t, NULL, relay_main, r) != 0) {
      close(client);
      close(upstream);
      free(r);
      continue;
    }
    pthread_detach(t);
  }
  return NULL;
}

int tcp_forward_start(int port, const char *target, tcp_forward **out, char *why, size_t why_n) {
  *out = NULL;
  char host[256];
  const char *colon = strrchr(target, ':');
  if (!colon || (size_t)(colon - target) >= sizeof host) {
    snprintf(why, why_n, "bad target address '%s'", target);
    return -1;
  }
  memcpy(host, target, (size_t)(colon - target));
  host[colon - target] = '\0';
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai) {
    snprintf(why, why_n, "cannot resolve '%s'", target);
    return -1;
  }
  tcp_forward *f = calloc(1, sizeof *f);
  if (!f) {
    freeaddrinfo(ai);
    snprintf(why, why_n, "out of memory");
    return -1;
  }
  memcpy(&f->target, ai->ai_addr, ai->ai_addrlen);
  f->target_len = ai->ai_addrlen;
  freeaddrinfo(ai);
  f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (f->listen_fd < 0 || setsockopt(f->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(f->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(f->listen_fd, 64) != 0) {
    snprintf(why, why_n, "cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
    if (f->listen_fd >= 0) close(f->listen_fd);
    free(f);
    return -1;
  }
  if (pthread_create(&f->acceptor, NULL, accept_main, f) != 0) {
    snprintf(why, why_n, "cannot start a thread");
    close(f->listen_fd);
    free(f);
    return -1;
  }
  *out = f;
  return 0;
}

void tcp_forward_stop(tcp_forward *f) {
  if (!f) return;
  atomic_store(&f->stop, true);
  pthread_join(f->acceptor, NULL);
  close(f->listen_fd);
  free(f);
}
