/* Umbrella header: the whole public API of libevs, plus its version.
 * EVS_VERSION_* give the version compiled against; evs_version() the one linked at run time. */
#ifndef EVS_EVS_H
#define EVS_EVS_H

#include "evs/common.h"
#include "evs/error.h"
#include "evs/catalog.h"

#define EVS_VERSION_MAJOR 0
#define EVS_VERSION_MINOR 1
#define EVS_VERSION_PATCH 0
/* 0xMMmmpp: comparable as an integer. */
#define EVS_VERSION_NUMBER ((EVS_VERSION_MAJOR << 16) | (EVS_VERSION_MINOR << 8) | EVS_VERSION_PATCH)

EVS_EXTERN_C_BEGIN

/* The library's version as "MAJOR.MINOR.PATCH" (static string) and as EVS_VERSION_NUMBER. */
EVS_API const char *evs_version(void);
EVS_API uint32_t evs_version_number(void);

EVS_EXTERN_C_END

#endif
