#include "evs/evs.h"

#ifndef EVS_VERSION_STRING
#error "the build defines EVS_VERSION_STRING from project(VERSION)"
#endif

/* Catch a CMake project() version bump that forgot the header macros. */
_Static_assert(sizeof(EVS_VERSION_STRING) > 1, "empty version");

const char *evs_version(void) {
  return EVS_VERSION_STRING;
}

uint32_t evs_version_number(void) {
  return (uint32_t)EVS_VERSION_NUMBER;
}
