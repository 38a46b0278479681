/* Attributes and linkage macros shared by every public evs header.
 * Owns nothing at run time; include it first (evs.h does). */
#ifndef EVS_COMMON_H
#define EVS_COMMON_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#if defined(_WIN32)
#define EVS_API
#elif defined(__GNUC__)
/* The library is built with -fvisibility=hidden: only functions marked EVS_API are exported. */
#define EVS_API __attribute__((visibility("default")))
#else
#define EVS_API
#endif

#if defined(__GNUC__)
#define EVS_NODISCARD __attribute__((warn_unused_result))
#define EVS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define EVS_NODISCARD
#define EVS_PRINTF(fmt, args)
#endif

#ifdef __cplusplus
#define EVS_EXTERN_C_BEGIN extern "C" {
#define EVS_EXTERN_C_END }
#else
#define EVS_EXTERN_C_BEGIN
#define EVS_EXTERN_C_END
#endif

#endif
