# libevs sources, one module per folder. Explicit list (no GLOB): add a file here in the commit that adds it.
set(EVS_LIB_SOURCES
  src/base/error.c
  src/base/version.c
  src/event/uuid.c
  src/event/uuid7.c
  src/event/timeutil.c
)
