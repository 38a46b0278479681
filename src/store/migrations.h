/* The store's schema migrations, in version order (migrations.c). */
#ifndef EVS_STORE_MIGRATIONS_H
#define EVS_STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct store_migration {
  int version;
  const char *name;
  const char *sql;
} store_migration;

extern const store_migration store_migrations[];
extern const size_t store_n_migrations;

#endif
