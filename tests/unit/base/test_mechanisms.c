/* The base mechanisms other modules share (docs/architecture.md, "Base mechanisms"): the hash table's
 * removal, the two arena flavours (and their packed strings and the unpacking allocator), the growable
 * arrays, the wire scan. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena_internal.h"
#include "base/grow_internal.h"
#include "base/hash_internal.h"
#include "base/wire_internal.h"
#include "google/protobuf/descriptor.pb-c.h"

/* Keys removed from the middle of probe runs: every key still present must stay reachable and every
 * removed one gone, checked against a plain array after each step. A table of 64 slots holding up to 40
 * keys has long runs. */
static void test_hmap_remove_keeps_probe_runs(void **state) {
  (void)state;
  enum { N = 40 };
  char keys[N][8];
  bool in[N] = {false};
  evs_hslot slots[64];
  memset(slots, 0, sizeof slots);
  evs_hmap m;
  evs_hmap_init_fixed(&m, slots, 64);
  for (int i = 0; i < N; i++) snprintf(keys[i], sizeof keys[i], "k%d", i);
  uint32_t rng = 12345;
  for (int step = 0; step < 4000; step++) {
    rng = rng * 1103515245u + 12345u;
    int i = (int)((rng >> 8) % N);
    size_t len = strlen(keys[i]);
    if (in[i]) {
      assert_ptr_equal(evs_hmap_remove(&m, keys[i], len), keys[i]);
      in[i] = false;
    } else {
      assert_null(evs_hmap_put(&m, keys[i], len, keys[i]));
      in[i] = true;
    }
    size_t count = 0;
    for (int k = 0; k < N; k++) {
      const void *v = evs_hmap_get(&m, keys[k], strlen(keys[k]));
      if (in[k]) {
        assert_ptr_equal(v, keys[k]);
        count++;
      } else {
        assert_null(v);
      }
    }
    assert_int_equal(m.count, count);
  }
  assert_null(evs_hmap_remove(&m, "absent", 6));
}

/* The growable flavour: reserve once, insert and remove without allocating. */
static void test_hmap_growable(void **state) {
  (void)state;
  evs_hmap m;
  evs_hmap_init(&m);
  assert_null(evs_hmap_get(&m, "a", 1));
  assert_null(evs_hmap_remove(&m, "a", 1));
  assert_true(evs_hmap_reserve(&m, 3));
  assert_null(evs_hmap_put(&m, "a", 1, "A"));
  assert_string_equal(evs_hmap_put(&m, "a", 1, "B"), "A"); /* present: the stored value, unchanged */
  assert_string_equal(evs_hmap_remove(&m, "a", 1), "A");
  assert_null(evs_hmap_get(&m, "a", 1));
  assert_int_equal(m.count, 0);
  evs_hmap_free(&m);
}

static bool all_zero(const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++)
    if (c[i]) return false;
  return true;
}

/* An EVS_ARENA_INIT arena takes nothing until used, hands out zeroed memory (also after a reset, and in a
 * block of its own for a large request), copies and formats strings. */
static void test_arena_zeroed_flavour(void **state) {
  (void)state;
  evs_arena a = EVS_ARENA_INIT;
  assert_int_equal(evs_arena_used(&a), 0);
  char *p = evs_arena_calloc(&a, 100, 1);
  assert_non_null(p);
  assert_true(all_zero(p, 100));
  memset(p, 0xab, 100);
  char *big = evs_arena_calloc(&a, 1, (size_t)1 << 20);
  assert_non_null(big);
  assert_true(all_zero(big, (size_t)1 << 20));
  char *after = evs_arena_alloc(&a, 16); /* the first block still serves small requests */
  assert_non_null(after);
  assert_true(after > p && after < p + 4096);
  assert_string_equal(evs_arena_strndup(&a, "hello world", 5), "hello");
  assert_string_equal(evs_arena_printf(&a, "%s.%d", "x", 42), "x.42");
  assert_null(evs_arena_calloc(&a, SIZE_MAX / 2, 4));
  evs_arena_reset(&a);
  char *q = evs_arena_alloc(&a, 100);
  assert_ptr_equal(q, p); /* the first block again, zeroed by the reset */
  assert_true(all_zero(q, 100));
  evs_arena_release(&a);
  assert_null(a.head);
  assert_int_equal(evs_arena_used(&a), 0);
}

/* The public flavour zeroes only on request. */
static void test_arena_public_flavour(void **state) {
  (void)state;
  evs_arena *a = evs_arena_new(64);
  assert_non_null(a);
  char *p = evs_arena_alloc(a, 48);
  memset(p, 0xcd, 48);
  evs_arena_reset(a);
  char *z = evs_arena_calloc(a, 6, 8);
  assert_ptr_equal(z, p);
  assert_true(all_zero(z, 48));
  for (int i = 0; i < 100; i++) assert_non_null(evs_arena_alloc(a, 100)); /* later blocks grow */
  evs_arena_free(a);
}

static void test_vectors(void **state) {
  (void)state;
  evs_ptrvec pv = {0};
  assert_true(evs_ptrvec_reserve(&pv, 0));
  for (size_t i = 0; i < 100; i++) assert_true(evs_ptrvec_push(&pv, (void *)(i + 1)));
  assert_int_equal(pv.n, 100);
  assert_true(pv.cap >= 100);
  assert_ptr_equal(pv.v[99], (void *)100);
  evs_ptrvec_free(&pv);
  assert_null(pv.v);

  evs_strvec sv = {0};
  assert_false(evs_strvec_push(&sv, NULL)); /* a failed copy */
  char name[16];
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "s%d", i);
    assert_true(evs_strvec_push(&sv, strdup(name)));
    assert_null(sv.v[sv.n]); /* argv-style terminator */
  }
  assert_string_equal(sv.v[39], "s39");
  evs_strvec_free(&sv);

  int *arr = NULL;
  size_t cap = 0;
  arr = evs_grow_to(arr, &cap, 10, sizeof *arr, 4);
  assert_non_null(arr);
  assert_int_equal(cap, 16);
  assert_null(evs_grow_to(arr, &cap, SIZE_MAX, sizeof *arr, 4)); /* overflow: arr unchanged, still ours */
  assert_int_equal(cap, 16);
  free(arr);
}

/* Strings are packed (no padding between them), other allocations keep their alignment after them, and
 * both flavours still give zeroed memory where they promise it. */
static void test_arena_packing(void **state) {
  (void)state;
  evs_arena z = EVS_ARENA_INIT;
  char *a = evs_arena_strndup(&z, "abc", 3), *b = evs_arena_strndup(&z, "de", 2);
  assert_string_equal(a, "abc");
  assert_string_equal(b, "de");
  assert_ptr_equal(b, a + 4);
  char *c = evs_arena_alloc_chars(&z, 3);
  assert_ptr_equal(c, b + 3);
  assert_memory_equal(c, "\0\0\0", 3); /* zeroed flavour */
  void *p = evs_arena_alloc(&z, 8);
  assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
  evs_arena_alloc_chars(&z, 1);
  uint64_t *q = evs_arena_alloc_small_align(&z, sizeof *q);
  assert_int_equal((uintptr_t)q % EVS_ARENA_SMALL_ALIGN, 0);
  assert_int_equal(*q, 0);
  evs_arena_release(&z);
  evs_arena *r = evs_arena_new(64); /* raw flavour: a string longer than the block gets its own */
  char *s1 =
      evs_arena_strndup(r, "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", 72);
  assert_int_equal(strlen(s1), 72);
  char *s2 = evs_arena_strndup(r, "x", 1);
  assert_string_equal(s2, "x");
  assert_int_equal((uintptr_t)evs_arena_alloc(r, 1) % alignof(max_align_t), 0);
  evs_arena_free(r);
}

/* protobuf-c's per-message scratch arrays (1 KiB << k, freed when a message is done) are handed out again;
 * any other freed block is not (the arena cannot tell its size). */
static void test_arena_unpacker_recycles(void **state) {
  (void)state;
  evs_arena *a = evs_arena_new(0);
  evs_arena_unpacker u;
  evs_arena_unpacker_init(&u, a);
  ProtobufCAllocator *al = &u.base;
  void *p = al->alloc(al->allocator_data, 1024);
  void *kept = al->alloc(al->allocator_data, 2048);
  al->free(al->allocator_data, p);
  assert_ptr_equal(al->alloc(al->allocator_data, 1024), p);
  assert_ptr_not_equal(al->alloc(al->allocator_data, 1024), p);
  void *odd = al->alloc(al->allocator_data, 1500);
  al->free(al->allocator_data, odd);
  assert_ptr_not_equal(al->alloc(al->allocator_data, 1500), odd);
  void *small = al->alloc(al->allocator_data, 24);
  assert_int_equal((uintptr_t)small % EVS_ARENA_SMALL_ALIGN, 0);
  al->free(al->allocator_data, small);
  assert_ptr_not_equal(al->alloc(al->allocator_data, 24), small);
  al->free(al->allocator_data, NULL);
  assert_false(u.failed);
  (void)kept;
  evs_arena_free(a);

  /* A real unpack: a message of 40 fields, twice, takes less memory than through the plain allocator and
   * gives the same message. */
  Google__Protobuf__DescriptorProto msgs[2];
  Google__Protobuf__DescriptorProto *mp[2] = {&msgs[0], &msgs[1]};
  Google__Protobuf__FieldDescriptorProto fields[40];
  Google__Protobuf__FieldDescriptorProto *fp[40];
  char names[40][8];
  for (int i = 0; i < 40; i++) {
    google__protobuf__field_descriptor_proto__init(&fields[i]);
    snprintf(names[i], sizeof names[i], "f%d", i);
    fields[i].name = names[i];
    fields[i].has_number = 1;
    fields[i].number = i + 1;
    fp[i] = &fields[i];
  }
  static char mname[] = "M";
  for (int i = 0; i < 2; i++) {
    google__protobuf__descriptor_proto__init(&msgs[i]);
    msgs[i].name = mname;
    msgs[i].n_field = 40;
    msgs[i].field = fp;
  }
  Google__Protobuf__FileDescriptorProto file = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_PROTO__INIT;
  static char fname[] = "a.proto";
  file.name = fname;
  file.n_message_type = 2;
  file.message_type = mp;
  size_t n = google__protobuf__file_descriptor_proto__get_packed_size(&file);
  uint8_t *bytes = malloc(n);
  assert_non_null(bytes);
  google__protobuf__file_descriptor_proto__pack(&file, bytes);
  evs_arena *plain = evs_arena_new(0), *recycling = evs_arena_new(0);
  ProtobufCAllocator pa = evs_arena_allocator(plain);
  evs_arena_unpacker_init(&u, recycling);
  Google__Protobuf__FileDescriptorProto *x = google__protobuf__file_descriptor_proto__unpack(&pa, n, bytes);
  Google__Protobuf__FileDescriptorProto *y =
      google__protobuf__file_descriptor_proto__unpack(&u.base, n, bytes);
  assert_non_null(x);
  assert_non_null(y);
  assert_true(evs_arena_used(recycling) + 1024 <= evs_arena_used(plain));
  uint8_t *again = malloc(n);
  assert_non_null(again);
  assert_int_equal(google__protobuf__file_descriptor_proto__pack(y, again), n);
  assert_memory_equal(again, bytes, n);
  free(again);
  free(bytes);
  evs_arena_free(plain);
  evs_arena_free(recycling);
}

/* evs_wire_scan_shape finds what evs_wire_scan_message finds (here a NUL in a field's name, at the same
 * path through descriptors of several number ranges), except ill-formed UTF-8. */
static void test_wire_scan_shape(void **state) {
  (void)state;
  Google__Protobuf__FieldDescriptorProto f0 = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT,
                                         f1 = GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__INIT;
  Google__Protobuf__FieldDescriptorProto *fp[2] = {&f0, &f1};
  static char n0[] = "ok", json[] = "bad\xff";
  f0.name = n0;
  f1.name = n0;
  f1.json_name = json;
  f1.has_proto3_optional = 1; /* field 17: a second number range */
  f1.proto3_optional = 1;
  Google__Protobuf__DescriptorProto m = GOOGLE__PROTOBUF__DESCRIPTOR_PROTO__INIT;
  Google__Protobuf__DescriptorProto *mp[1] = {&m};
  m.name = n0;
  m.n_field = 2;
  m.field = fp;
  Google__Protobuf__FileDescriptorProto file = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_PROTO__INIT;
  Google__Protobuf__FileDescriptorProto *filep[1] = {&file};
  static char fname[] = "a.proto", syntax[] = "proto3";
  file.name = fname;
  file.syntax = syntax; /* field 12 */
  file.n_message_type = 1;
  file.message_type = mp;
  Google__Protobuf__FileDescriptorSet set = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_SET__INIT;
  set.n_file = 1;
  set.file = filep;
  size_t n = google__protobuf__file_descriptor_set__get_packed_size(&set);
  uint8_t *bytes = malloc(n);
  assert_non_null(bytes);
  google__protobuf__file_descriptor_set__pack(&set, bytes);
  /* A NUL in the second field's name: protobuf-c packs "ok" as bytes 'o' 'k'; make it "o\0". */
  uint8_t *hit = NULL;
  for (size_t i = 0; i + 4 < n; i++)
    if (memcmp(bytes + i, "\x0a\x02ok", 4) == 0) hit = bytes + i + 3; /* the last "ok" string: f1's name */
  assert_non_null(hit);
  *hit = 0;
  evs_wire_scan full, shape;
  assert_int_equal(
      evs_wire_scan_message(bytes, n, &google__protobuf__file_descriptor_set__descriptor, 10, &full), EVS_OK);
  assert_int_equal(
      evs_wire_scan_shape(bytes, n, &google__protobuf__file_descriptor_set__descriptor, 10, &shape), EVS_OK);
  assert_true(full.bad_utf8_found);
  assert_false(shape.bad_utf8_found);
  static const int32_t path[] = {1, 0, 4, 0, 2, 1, 1}; /* file 0, message 0, field 1, name */
  assert_true(full.nul_found);
  assert_true(shape.nul_found);
  assert_int_equal(shape.nul_offset, full.nul_offset);
  assert_int_equal(shape.nul_path_len, 7);
  assert_memory_equal(shape.nul_path, path, sizeof path);
  assert_memory_equal(full.nul_path, path, sizeof path);
  assert_int_equal(full.bad_utf8_path_len, 7);
  assert_int_equal(full.bad_utf8_path[6], 10); /* json_name */
  free(bytes);
  /* Field numbers at the edge of a range: DescriptorProto's 10 (reserved_name, a string) is looked at,
   * 11 (no such field) is not. Set { file { message_type { <field> = "a\0" } } }. */
  uint8_t edge[] = {0x0a, 0x06, 0x22, 0x04, 0x52, 0x02, 'a', 0x00};
  assert_int_equal(
      evs_wire_scan_shape(edge, sizeof edge, &google__protobuf__file_descriptor_set__descriptor, 10, &shape),
      EVS_OK);
  assert_true(shape.nul_found);
  edge[4] = 0x5a;
  assert_int_equal(
      evs_wire_scan_shape(edge, sizeof edge, &google__protobuf__file_descriptor_set__descriptor, 10, &shape),
      EVS_OK);
  assert_false(shape.nul_found);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hmap_remove_keeps_probe_runs),
      cmocka_unit_test(test_hmap_growable),
      cmocka_unit_test(test_arena_zeroed_flavour),
      cmocka_unit_test(test_arena_public_flavour),
      cmocka_unit_test(test_vectors),
      cmocka_unit_test(test_arena_packing),
      cmocka_unit_test(test_arena_unpacker_recycles),
      cmocka_unit_test(test_wire_scan_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
