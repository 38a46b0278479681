/* Linked into the kafka-labelled tests of a ThreadSanitizer build only (EVS_SANITIZE=thread).
 *
 * librdkafka (Debian's 2.0.2) runs on C11 threads: thrd_create, mtx_lock, cnd_wait... glibc implements
 * them by calling its internal pthread functions directly, past the pthread_* interceptors, and this
 * TSan runtime (gcc 12, clang 14) has no interceptors for the C11 names. TSan then neither knows
 * librdkafka's threads (its allocator crashes in the first malloc of one) nor sees their locks (every
 * record handed to librdkafka would look like a race). These definitions take the C11 names in the
 * executable, which the dynamic linker prefers to glibc's, and call the intercepted pthread_* functions:
 * the same primitives glibc would use (mtx_t and cnd_t are pthread_mutex_t and pthread_cond_t in size and
 * layout, thrd_t is pthread_t). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a pthread_mutex_t");
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t is a pthread_cond_t");
_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t is a pthread_t");

static int thrd_status(int e) {
  return e == 0           ? thrd_success
         : e == ENOMEM    ? thrd_nomem
         : e == EBUSY     ? thrd_busy
         : e == ETIMEDOUT ? thrd_timedout
                          : thrd_error;
}

typedef struct {
  thrd_start_t func;
  void *arg;
} c11_start;

static void *c11_trampoline(void *p) {
  c11_start s = *(c11_start *)p;
  free(p);
  return (void *)(intptr_t)s.func(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg) {
  c11_start *s = malloc(sizeof *s);
  if (!s) return thrd_nomem;
  s->func = func;
  s->arg = arg;
  int e = pthread_create((pthread_t *)thr, NULL, c11_trampoline, s);
  if (e) free(s);
  return thrd_status(e);
}

int thrd_join(thrd_t thr, int *res) {
  void *v = NULL;
  int e = pthread_join((pthread_t)thr, &v);
  if (!e && res) *res = (int)(intptr_t)v;
  return thrd_status(e);
}

int thrd_detach(thrd_t thr) {
  return thrd_status(pthread_detach((pthread_t)thr));
}

int mtx_init(mtx_t *m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  int e = pthread_mutex_init((pthread_mutex_t *)m, &a);
  pthread_mutexattr_destroy(&a);
  return thrd_status(e);
}

int mtx_lock(mtx_t *m) {
  return thrd_status(pthread_mutex_lock((pthread_mutex_t *)m));
}

int mtx_trylock(mtx_t *m) {
  return thrd_status(pthread_mutex_trylock((pthread_mutex_t *)m));
}

int mtx_unlock(mtx_t *m) {
  return thrd_status(pthread_mutex_unlock((pthread_mutex_t *)m));
}

void mtx_destroy(mtx_t *m) {
  pthread_mutex_destroy((pthread_mutex_t *)m);
}

int cnd_init(cnd_t *c) {
  return thrd_status(pthread_cond_init((pthread_cond_t *)c, NULL));
}

int cnd_signal(cnd_t *c) {
  return thrd_status(pthread_cond_signal((pthread_cond_t *)c));
}

int cnd_broadcast(cnd_t *c) {
  return thrd_status(pthread_cond_broadcast((pthread_cond_t *)c));
}

int cnd_wait(cnd_t *c, mtx_t *m) {
  return thrd_status(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m));
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts) {
  return thrd_status(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts));
}

void cnd_destroy(cnd_t *c) {
  pthread_cond_destroy((pthread_cond_t *)c);
}
