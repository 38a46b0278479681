/* Reading a whole file into memory (not installed). */
#ifndef EVS_FILE_INTERNAL_H
#define EVS_FILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads fp to its end into a malloc'd buffer (*data, caller frees; never NULL on success, even for an
 * empty file). Sized from fstat when fp is a regular file, so a large file is read without regrowing.
 * Returns 0, ENOMEM, EFBIG (more than `max` bytes; nothing is returned) or the errno of a read error. */
int evs_read_stream(FILE *fp, size_t max, uint8_t **data, size_t *len);

#endif
