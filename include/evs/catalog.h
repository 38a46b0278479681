/* A compiled catalog: the FileDescriptorSet of a group of .proto files plus the protobuf-c descriptors
 * of the messages and enums that were compiled to C from them.
 *
 * evs_protobuf_generate(... CATALOG <name>) writes one `const evs_catalog <name>` per library; evs's own
 * is evs_builtin_catalog. Everything in it is static, read-only data owned by the program image: nothing
 * to free, safe to share between threads. Hand it to evs_registry_add_catalog() to make its types known. */
#ifndef EVS_CATALOG_H
#define EVS_CATALOG_H

#include <protobuf-c/protobuf-c.h>

#include "evs/common.h"

EVS_EXTERN_C_BEGIN

typedef struct evs_catalog {
  const char *name;              /* the CATALOG name given to the generator */
  const uint8_t *descriptor_set; /* serialized google.protobuf.FileDescriptorSet, imports + source info */
  size_t descriptor_set_len;
  const ProtobufCMessageDescriptor *const *messages; /* every message compiled into this catalog */
  size_t n_messages;
  const ProtobufCEnumDescriptor *const *enums; /* every enum compiled into this catalog */
  size_t n_enums;
} evs_catalog;

/* evs's own catalog: proto/evs/v1 and the event catalogs under proto/events, plus the well-known types. */
extern EVS_API const evs_catalog evs_builtin_catalog;

EVS_EXTERN_C_END

#endif
