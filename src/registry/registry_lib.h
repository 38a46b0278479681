/* What the registry offers the library's other modules beyond include/evs/registry.h (not installed):
 * loading without the evs options or C descriptors, the source location of any declaration, and protoc's
 * escaping of bytes defaults. The compatibility checker uses it. */
#ifndef EVS_REGISTRY_LIB_H
#define EVS_REGISTRY_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evs/registry.h"

/* Loads for a reader that never asks for the evs custom options or event types (the compatibility
 * checker): their decoding is skipped, so a registry loaded this way has no event types and every
 * evs_message_options / evs_field_rules is empty. */
#define EVS_LOAD_NO_EVS_OPTIONS 1u
/* ... and never packs or unpacks messages: no dynamic descriptors are built (c_desc stays NULL unless a
 * catalog links compiled code), which keeps a 50,000-field load of the checker fast and small. */
#define EVS_LOAD_NO_C_DESC 2u
/* ... and never looks fields up by name: messages get no name index (a field's name and JSON name are
 * still checked for clashes at load, in a scratch table). evs_message_find_field then scans the fields, so
 * it stays correct but takes time linear in the message's field count. */
#define EVS_LOAD_NO_NAME_INDEX 4u
evs_status evs_registry_add_descriptor_set_flags(evs_registry *reg, const uint8_t *data, size_t len,
                                                 const char *origin, unsigned flags, evs_error *err);

/* Location of the declaration at a SourceCodeInfo path in `file` (e.g. {2} package, {6, 0} first service,
 * {4, 1, 2, 0} a field): from its view, else from the declarations without one. False (out->file set,
 * line 0) when the set had no location for it. */
bool evs_file_location(const evs_file *file, const int32_t *path, size_t n, evs_source_info *out);

/* A bytes default as protoc stores it, C-escaped (\n, \", \001, \xHH), into out (at least strlen(s)
 * bytes); returns the length. A string default is stored as it is. */
size_t evs_c_unescape(const char *s, char *out);

#endif
