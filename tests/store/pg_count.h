/* The store tests' look behind the store's back: one number from the fixture's database (cmocka fails
 * the test on an error). Include after cmocka.h. */
#ifndef EVS_TEST_PG_COUNT_H
#define EVS_TEST_PG_COUNT_H

#include <libpq-fe.h>
#include <stdlib.h>

#include "evs/store.h"

static inline PGconn *pg_connect(void) {
  PGconn *c = PQconnectdb(getenv(EVS_STORE_URL_ENV));
  if (PQstatus(c) != CONNECTION_OK) fail_msg("connect: %s", PQerrorMessage(c));
  return c;
}

static inline long long sql_count(const char *sql) {
  PGconn *c = pg_connect();
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
  long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
  PQclear(r);
  PQfinish(c);
  return n;
}

#endif
