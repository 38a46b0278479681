/* Registry lifecycle and loading: run a batch through every stage, then commit it all-or-nothing. */
#include "base/alloc_internal.h"
#include "registry/registry_internal.h"

#include "base/file_internal.h"
#include "base/protoc_internal.h"
#include "evs/arena.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

evs_status evs_batch_fail(evs_batch *b, const evs_source_info *src, evs_status code, const char *fmt, ...) {
  if (!b->err) return code;
  char msg[sizeof b->err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  evs_error_clear(b->err);
  evs_fail(b->err, code, "%s", msg);
  if (src && src->file) {
    evs_error_where(b->err, src->file, NULL);
    evs_error_at(b->err, EVS_NO_OFFSET, src->line, src->col);
  } else {
    evs_error_where(b->err, b->origin, NULL);
  }
  return code;
}

const evs_message *evs_batch_find_message(const evs_batch *b, const char *full_name, size_t len) {
  const evs_message *m = evs_hmap_get(&b->messages, full_name, len);
  return m ? m : evs_hmap_get(&b->reg->messages, full_name, len);
}

const evs_enum *evs_batch_find_enum(const evs_batch *b, const char *full_name, size_t len) {
  const evs_enum *e = evs_hmap_get(&b->enums, full_name, len);
  return e ? e : evs_hmap_get(&b->reg->enums, full_name, len);
}

const evs_file *evs_batch_find_file(const evs_batch *b, const char *name) {
  size_t len = strlen(name);
  const evs_file *f = evs_hmap_get(&b->files, name, len);
  return f ? f : evs_hmap_get(&b->reg->files, name, len);
}

evs_status evs_registry_new(evs_registry **out, evs_error *err) {
  if (!out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_new: out is NULL");
  *out = evs_calloc(1, sizeof **out);
  if (!*out) return evs_fail(err, EVS_ERR_NOMEM, "out of memory creating a registry");
  return EVS_OK;
}

void evs_registry_free(evs_registry *reg) {
  if (!reg) return;
  for (size_t i = 0; i < reg->pools.n; i++) evs_arena_free(reg->pools.v[i]);
  for (size_t i = 0; i < reg->sets.n; i++) evs_arena_free(reg->sets.v[i]);
  evs_hmap_free(&reg->files);
  evs_hmap_free(&reg->messages);
  evs_hmap_free(&reg->enums);
  evs_hmap_free(&reg->c_messages);
  evs_hmap_free(&reg->c_enums);
  evs_ptrvec_free(&reg->file_list);
  evs_ptrvec_free(&reg->msg_sorted);
  evs_ptrvec_free(&reg->enum_sorted);
  evs_ptrvec_free(&reg->pools);
  evs_ptrvec_free(&reg->sets);
  evs_free(reg->events);
  evs_free(reg->protoc_output);
  evs_free(reg);
}

static int cmp_message_name(const void *a, const void *b) {
  return strcmp((*(const evs_message *const *)a)->full_name, (*(const evs_message *const *)b)->full_name);
}

static int cmp_enum_name(const void *a, const void *b) {
  return strcmp((*(const evs_enum *const *)a)->full_name, (*(const evs_enum *const *)b)->full_name);
}

static void insert_all(evs_hmap *table, const evs_ptrvec *views, const char *(*key)(const void *)) {
  for (size_t i = 0; i < views->n; i++) {
    const char *k = key(views->v[i]);
    evs_hmap_put(table, k, strlen(k), views->v[i]);
  }
}

static const char *file_key(const void *p) {
  return ((const evs_file *)p)->name;
}
static const char *message_key(const void *p) {
  return ((const evs_message *)p)->full_name;
}
static const char *enum_key(const void *p) {
  return ((const evs_enum *)p)->full_name;
}

/* Every allocation happens before the first change to reg; after that nothing can fail. */
static evs_status commit(evs_batch *b) {
  evs_registry *reg = b->reg;
  bool keep = b->new_files.n || b->n_links;
  evs_event_type *events = NULL;
  size_t n_events = reg->n_events + b->n_events;
  if (b->n_events) {
    events = evs_malloc(n_events * sizeof *events);
    if (!events)
      return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  }
  if (!evs_hmap_reserve(&reg->files, b->new_files.n) || !evs_hmap_reserve(&reg->messages, b->new_msgs.n) ||
      !evs_hmap_reserve(&reg->enums, b->new_enums.n) || !evs_hmap_reserve(&reg->c_messages, b->n_links) ||
      !evs_hmap_reserve(&reg->c_enums, b->n_links) || !evs_ptrvec_reserve(&reg->file_list, b->new_files.n) ||
      !evs_ptrvec_reserve(&reg->msg_sorted, b->new_msgs.n) ||
      !evs_ptrvec_reserve(&reg->enum_sorted, b->new_enums.n) || !evs_ptrvec_reserve(&reg->pools, 1) ||
      !evs_ptrvec_reserve(&reg->sets, 1)) {
    evs_free(events);
    return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  }
  insert_all(&reg->files, &b->new_files, file_key);
  insert_all(&reg->messages, &b->new_msgs, message_key);
  insert_all(&reg->enums, &b->new_enums, enum_key);
  for (size_t i = 0; i < b->new_files.n; i++) reg->file_list.v[reg->file_list.n++] = b->new_files.v[i];
  for (size_t i = 0; i < b->new_msgs.n; i++) reg->msg_sorted.v[reg->msg_sorted.n++] = b->new_msgs.v[i];
  for (size_t i = 0; i < b->new_enums.n; i++) reg->enum_sorted.v[reg->enum_sorted.n++] = b->new_enums.v[i];
  if (b->new_msgs.n) qsort(reg->msg_sorted.v, reg->msg_sorted.n, sizeof(void *), cmp_message_name);
  if (b->new_enums.n) qsort(reg->enum_sorted.v, reg->enum_sorted.n, sizeof(void *), cmp_enum_name);
  for (size_t i = 0; i < b->n_links; i++) {
    evs_c_link *l = &b->links[i];
    /* The key is the descriptor's address, stored in the link record the pool keeps alive. */
    evs_hmap *table = l->msg ? &reg->c_messages : &reg->c_enums;
    if (evs_hmap_put(table, (const char *)&l->desc, sizeof l->desc, l->msg ? (void *)l->msg : (void *)l->enm))
      continue;
    if (l->msg && !l->msg->c_desc) l->msg->c_desc = l->desc;
    if (l->enm && !l->enm->c_desc) l->enm->c_desc = l->desc;
  }
  if (events) {
    if (reg->n_events) memcpy(events, reg->events, reg->n_events * sizeof *events);
    memcpy(events + reg->n_events, b->events, b->n_events * sizeof *events);
    qsort(events, n_events, sizeof *events, evs_event_type_cmp);
    evs_free(reg->events);
    reg->events = events;
    reg->n_events = n_events;
  }
  if (keep) {
    reg->pools.v[reg->pools.n++] = b->pool;
    reg->sets.v[reg->sets.n++] = b->arena;
    b->pool = NULL;
    b->set = NULL;
    b->arena = NULL;
  }
  return EVS_OK;
}

static evs_status scan(evs_batch *b, const uint8_t *data, size_t len) {
  return evs_wire_scan_shape(data, len, &google__protobuf__file_descriptor_set__descriptor,
                             EVS_REGISTRY_MAX_DEPTH, &b->scan);
}

/* Splits off the source info (srcinfo.c), checks the rest with the wire scan and unpacks it into b->set.
 * A problem the scan finds in the split bytes is looked for again in the original, so that offsets in the
 * error are the caller's. */
static evs_status unpack(evs_batch *b, const uint8_t *data, size_t len) {
  uint8_t *stripped = NULL;
  size_t stripped_len = 0;
  evs_status st = evs_srcinfo_split(b, data, len, &stripped, &stripped_len);
  if (st) return st;
  const uint8_t *in = stripped ? stripped : data;
  size_t in_len = stripped ? stripped_len : len;
  st = scan(b, in, in_len);
  if (st != EVS_ERR_NOMEM && stripped && (st || b->scan.nul_found)) st = scan(b, data, len);
  if (st == EVS_ERR_NOMEM) {
    evs_free(stripped);
    return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  }
  if (st) {
    evs_free(stripped);
    st = evs_batch_fail(b, NULL, st == EVS_ERR_LIMIT ? EVS_ERR_LIMIT : EVS_ERR_DESCRIPTOR,
                        "not a valid FileDescriptorSet: %s (byte %zu of %zu)", b->scan.why,
                        b->scan.bad_offset, len);
    evs_error_at(b->err, b->scan.bad_offset, 0, 0);
    return st;
  }
  /* One arena per set: a large set unpacks into hundreds of thousands of small objects, and malloc/free
   * of each was a fifth of the load time. Block size ~ the set's size keeps the block count small. */
  b->arena = evs_arena_new(in_len < 65536 ? 65536 : in_len);
  if (!b->arena) {
    evs_free(stripped);
    return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  }
  evs_arena_unpacker alloc;
  evs_arena_unpacker_init(&alloc, b->arena);
  b->set = google__protobuf__file_descriptor_set__unpack(&alloc.base, in_len, in);
  evs_free(stripped);
  /* The scan passed: a NULL set here is out of memory, not bad input. */
  if (alloc.failed)
    return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  return EVS_OK;
}

static evs_status run_batch(evs_batch *b, const uint8_t *data, size_t len, const evs_catalog *cat) {
  static const uint8_t empty[1];
  if (!data) data = empty;
  b->data = data;
  evs_status st = unpack(b, data, len);
  if (st) return st;
  if (!b->set)
    return evs_batch_fail(
        b, NULL, EVS_ERR_DESCRIPTOR,
        "not a valid FileDescriptorSet (a field has the wrong wire type, or a required field is missing)");
  /* Short garbage often parses as a message of unknown fields only: protoc never writes those. */
  if (b->set->base.n_unknown_fields > 0)
    return evs_batch_fail(b, NULL, EVS_ERR_DESCRIPTOR,
                          "not a FileDescriptorSet: it holds field %u, which FileDescriptorSet does not have",
                          (unsigned)b->set->base.unknown_fields[0].tag);
  if (b->set->n_file == 0 && !cat)
    return evs_batch_fail(b, NULL, EVS_ERR_DESCRIPTOR, "not a FileDescriptorSet: it contains no files");
  b->pool = evs_calloc(1, sizeof *b->pool);
  b->origin = b->pool ? evs_arena_strndup(b->pool, b->origin, strlen(b->origin)) : NULL;
  if (!b->origin) {
    b->origin = "descriptor set";
    return evs_batch_fail(b, NULL, EVS_ERR_NOMEM, "out of memory while loading the descriptor set");
  }
  if ((st = evs_build_files(b)) || (st = evs_srcinfo_report_nul(b)) || (st = evs_resolve_files(b)) ||
      (!(b->flags & EVS_LOAD_NO_EVS_OPTIONS) && (st = evs_decode_options(b))))
    return st;
  if ((cat && (st = evs_link_catalog(b, cat))) ||
      (!(b->flags & EVS_LOAD_NO_C_DESC) && (st = evs_build_dynamic(b))))
    return st;
  return commit(b);
}

static evs_status load(evs_registry *reg, const uint8_t *data, size_t len, const char *origin,
                       const evs_catalog *cat, unsigned flags, evs_error *err) {
  evs_batch b;
  memset(&b, 0, sizeof b);
  b.flags = flags;
  b.reg = reg;
  b.origin = origin;
  b.err = err;
  evs_status st = run_batch(&b, data, len, cat);
  evs_arena_free(b.arena); /* also frees b.set; NULL after a commit */
  evs_arena_free(b.pool);  /* NULL after a commit */
  evs_hmap_free(&b.files);
  evs_hmap_free(&b.messages);
  evs_hmap_free(&b.enums);
  evs_ptrvec_free(&b.new_files);
  evs_ptrvec_free(&b.new_msgs);
  evs_ptrvec_free(&b.new_enums);
  evs_free(b.src_ranges);
  evs_free(b.name_scratch);
  return st;
}

static evs_status check_size(const char *origin, size_t len, evs_error *err) {
  if (len <= EVS_REGISTRY_MAX_SET_SIZE) return EVS_OK;
  evs_error_clear(err);
  evs_error_where(err, origin, NULL);
  return evs_fail(err, EVS_ERR_LIMIT, "descriptor set of %zu bytes is larger than the %zu MiB limit", len,
                  EVS_REGISTRY_MAX_SET_SIZE >> 20);
}

evs_status evs_registry_add_descriptor_set_flags(evs_registry *reg, const uint8_t *data, size_t len,
                                                 const char *origin, unsigned flags, evs_error *err) {
  if (!reg || (!data && len)) {
    evs_error_clear(err);
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_add_descriptor_set: %s is NULL",
                    reg ? "data" : "reg");
  }
  if (!origin) origin = "descriptor set";
  evs_status st = check_size(origin, len, err);
  if (!st) st = load(reg, data, len, origin, NULL, flags, err);
  /* A serialized set is never text (its first bytes are tags and lengths below 0x20): text that reads
   * like .proto source is the file the set was to be compiled from. */
  if (st == EVS_ERR_DESCRIPTOR && evs_looks_like_proto_source(data, len)) {
    evs_error_clear(err);
    evs_error_where(err, origin, NULL);
    st = evs_fail(err, EVS_ERR_DESCRIPTOR,
                  "not a descriptor set: this is .proto source text; a .proto file is compiled "
                  "(evs_registry_load_protos, evs --proto), a descriptor set is protoc's binary "
                  "--descriptor_set_out");
  }
  return st;
}

evs_status evs_registry_add_descriptor_set(evs_registry *reg, const uint8_t *data, size_t len,
                                           const char *origin, evs_error *err) {
  return evs_registry_add_descriptor_set_flags(reg, data, len, origin, 0, err);
}

evs_status evs_registry_add_catalog(evs_registry *reg, const evs_catalog *cat, evs_error *err) {
  if (!reg || !cat || (!cat->descriptor_set && cat->descriptor_set_len)) {
    evs_error_clear(err);
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_add_catalog: %s is NULL",
                    !reg   ? "reg"
                    : !cat ? "cat"
                           : "cat->descriptor_set");
  }
  const char *origin = cat->name ? cat->name : "catalog";
  evs_status st = check_size(origin, cat->descriptor_set_len, err);
  return st ? st : load(reg, cat->descriptor_set, cat->descriptor_set_len, origin, cat, 0, err);
}

evs_status evs_registry_load_file(evs_registry *reg, const char *path, evs_error *err) {
  if (!reg || !path) {
    evs_error_clear(err);
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_registry_load_file: %s is NULL", reg ? "path" : "reg");
  }
  evs_error_clear(err);
  evs_error_where(err, path, NULL);
  FILE *fp = fopen(path, "rb");
  if (!fp) return evs_fail(err, EVS_ERR_IO, "cannot open descriptor set: %s", strerror(errno));
  uint8_t *buf = NULL;
  size_t len = 0;
  int e = evs_read_stream(fp, EVS_REGISTRY_MAX_SET_SIZE, &buf, &len);
  fclose(fp);
  evs_status st = EVS_OK;
  if (e == ENOMEM)
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory reading the descriptor set");
  else if (e == EFBIG)
    st = evs_fail(err, EVS_ERR_LIMIT, "descriptor set is larger than the %zu MiB limit",
                  EVS_REGISTRY_MAX_SET_SIZE >> 20);
  else if (e)
    st = evs_fail(err, EVS_ERR_IO, "cannot read descriptor set: %s", strerror(e));
  if (!st) st = evs_registry_add_descriptor_set(reg, buf, len, path, err);
  evs_free(buf);
  return st;
}
