/* Drives evs-conformance the way protobuf's conformance runner does (length-prefixed ConformanceRequest /
 * ConformanceResponse over pipes to a child process), over evs.test.v1.AllTypes, and checks every answer:
 * each direction of binary and JSON, parse errors, the ignore-unknown category, the FailureSet request,
 * skipped formats, type resolution through descriptor sets, and a broken stream. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alltypes.pb-c.h"
#include "conformance.pb-c.h"

typedef Conformance__ConformanceRequest Req;
typedef Conformance__ConformanceResponse Res;

#define RES_PARSE CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PARSE_ERROR
#define RES_SERIALIZE CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_SERIALIZE_ERROR
#define RES_RUNTIME CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_RUNTIME_ERROR
#define RES_BINARY CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PROTOBUF_PAYLOAD
#define RES_JSON CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_JSON_PAYLOAD
#define RES_SKIPPED CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_SKIPPED

#define ALLTYPES "evs.test.v1.AllTypes"

/* protobuf-c's structs take `char *`; the driver only ever hands them string literals to pack. */
static char *S(const char *s) {
  return (char *)(uintptr_t)s;
}

typedef struct child {
  pid_t pid;
  int to;   /* the child's stdin */
  int from; /* the child's stdout */
} child;

/* The set paths joined by ':' (EVS_CONFORMANCE_SETS), split once. */
static char set_buf[4096];
static const char *set_paths[8];
static int n_set_paths;

/* Starts the testee with `args` (NULL-terminated, after argv[0]) and `env_sets` as
 * EVS_CONFORMANCE_DESCRIPTOR_SET (NULL = unset). */
static child spawn(const char *const *args, const char *env_sets) {
  int in[2], out[2];
  assert_int_equal(pipe(in), 0);
  assert_int_equal(pipe(out), 0);
  child c = {fork(), in[1], out[0]};
  assert_true(c.pid >= 0);
  if (c.pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    if (env_sets)
      setenv("EVS_CONFORMANCE_DESCRIPTOR_SET", env_sets, 1);
    else
      unsetenv("EVS_CONFORMANCE_DESCRIPTOR_SET");
    const char *argv[16] = {EVS_CONFORMANCE_TESTEE};
    for (int i = 0; args && args[i] && i < 14; i++) argv[i + 1] = args[i];
    execv(argv[0], (char *const *)(uintptr_t)argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  return c;
}

/* The testee with every set given as --descriptor-set. */
static child spawn_with_sets(void) {
  const char *args[16];
  int n = 0;
  for (int i = 0; i < n_set_paths; i++) {
    args[n++] = "--descriptor-set";
    args[n++] = set_paths[i];
  }
  args[n] = NULL;
  return spawn(args, NULL);
}

/* Closes the child's stdin and returns its exit status (-1 when it did not exit normally). */
static int finish(child *c) {
  if (c->to >= 0) close(c->to);
  c->to = -1;
  int status = 0;
  assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
  close(c->from);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    assert_true(w > 0);
    p += w;
    n -= (size_t)w;
  }
}

/* Reads n bytes; false at end of input. */
static bool read_all(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

static void send_frame(child *c, const uint8_t *data, size_t len) {
  uint8_t head[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
  write_all(c->to, head, 4);
  write_all(c->to, data, len);
}

static Res *read_response(child *c) {
  uint8_t head[4];
  assert_true(read_all(c->from, head, 4));
  size_t len = (size_t)head[0] | (size_t)head[1] << 8 | (size_t)head[2] << 16 | (size_t)head[3] << 24;
  uint8_t *data = malloc(len ? len : 1);
  assert_non_null(data);
  assert_true(read_all(c->from, data, len));
  Res *res = conformance__conformance_response__unpack(NULL, len, data);
  free(data);
  assert_non_null(res);
  return res;
}

static Res *roundtrip(child *c, const Req *req) {
  size_t n = conformance__conformance_request__get_packed_size(req);
  uint8_t *buf = malloc(n ? n : 1);
  assert_non_null(buf);
  conformance__conformance_request__pack(req, buf);
  send_frame(c, buf, n);
  free(buf);
  return read_response(c);
}

static Req binary_req(const char *type, const uint8_t *data, size_t len, Conformance__WireFormat out) {
  Req r = CONFORMANCE__CONFORMANCE_REQUEST__INIT;
  r.payload_case = CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_PROTOBUF_PAYLOAD;
  r.protobuf_payload.data = (uint8_t *)(uintptr_t)data;
  r.protobuf_payload.len = len;
  r.message_type = S(type);
  r.requested_output_format = out;
  r.test_category = CONFORMANCE__TEST_CATEGORY__BINARY_TEST;
  return r;
}

static Req json_req(const char *type, const char *json, Conformance__WireFormat out) {
  Req r = CONFORMANCE__CONFORMANCE_REQUEST__INIT;
  r.payload_case = CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_JSON_PAYLOAD;
  r.json_payload = S(json);
  r.message_type = S(type);
  r.requested_output_format = out;
  r.test_category = CONFORMANCE__TEST_CATEGORY__JSON_TEST;
  return r;
}

static void expect_case(const Res *res, Conformance__ConformanceResponse__ResultCase want) {
  if (res->result_case != want) {
    const char *text = res->result_case == RES_BINARY ? "(binary)" : res->parse_error;
    fail_msg("answer case %d, expected %d: %s", (int)res->result_case, (int)want, text ? text : "");
  }
}

/* Sends req and checks only the kind of answer. */
static void ask(child *c, const Req *req, Conformance__ConformanceResponse__ResultCase want) {
  Res *res = roundtrip(c, req);
  expect_case(res, want);
  conformance__conformance_response__free_unpacked(res, NULL);
}

/* Sends req and expects these bytes back. */
static void expect_binary(child *c, const Req *req, const uint8_t *bytes, size_t len) {
  Res *res = roundtrip(c, req);
  expect_case(res, RES_BINARY);
  assert_int_equal(res->protobuf_payload.len, len);
  assert_memory_equal(res->protobuf_payload.data, bytes, len);
  conformance__conformance_response__free_unpacked(res, NULL);
}

/* Sends req and expects this JSON text back. */
static void expect_json(child *c, const Req *req, const char *json) {
  Res *res = roundtrip(c, req);
  expect_case(res, RES_JSON);
  assert_string_equal(res->json_payload, json);
  conformance__conformance_response__free_unpacked(res, NULL);
}

/* The sample message: scalars, a string beyond ASCII, repeated, a map, a nested message, a oneof and a
 * well-known type. Packed by protobuf-c, so its bytes are canonical. */
static uint8_t *sample_bytes(size_t *len) {
  Evs__Test__V1__AllTypes m = EVS__TEST__V1__ALL_TYPES__INIT;
  Evs__Test__V1__Nested nested = EVS__TEST__V1__NESTED__INIT;
  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  Evs__Test__V1__AllTypes__MStringEntry ent = EVS__TEST__V1__ALL_TYPES__MSTRING_ENTRY__INIT;
  Evs__Test__V1__AllTypes__MStringEntry *ents[] = {&ent};
  int32_t reps[] = {1, -2, 300};
  m.f_int32 = -5;
  m.f_uint64 = UINT64_MAX;
  m.f_double = 0.25;
  m.f_string = S("h\xc3\xa9llo");
  m.f_enum = EVS__TEST__V1__COLOR__COLOR_BLUE;
  nested.a = 1;
  nested.b = S("x");
  m.f_nested = &nested;
  m.n_r_int32 = 3;
  m.r_int32 = reps;
  ent.key = S("k");
  ent.value = S("v");
  m.n_m_string = 1;
  m.m_string = ents;
  m.choice_case = EVS__TEST__V1__ALL_TYPES__CHOICE_O_STRING;
  m.o_string = S("one");
  ts.seconds = 1767225600;
  ts.nanos = 500000000;
  m.w_timestamp = &ts;
  *len = evs__test__v1__all_types__get_packed_size(&m);
  uint8_t *buf = malloc(*len);
  assert_non_null(buf);
  evs__test__v1__all_types__pack(&m, buf);
  return buf;
}

static void test_failure_set(void **state) {
  (void)state;
  child c = spawn_with_sets();
  Req req = binary_req("conformance.FailureSet", NULL, 0, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  Res *res = roundtrip(&c, &req);
  expect_case(res, RES_BINARY);
  Conformance__FailureSet *fs =
      conformance__failure_set__unpack(NULL, res->protobuf_payload.len, res->protobuf_payload.data);
  assert_non_null(fs);
  assert_int_equal(fs->n_failure, 0);
  conformance__failure_set__free_unpacked(fs, NULL);
  conformance__conformance_response__free_unpacked(res, NULL);
  assert_int_equal(finish(&c), 0);
}

static void test_binary_to_binary(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *bytes = sample_bytes(&len);
  child c = spawn_with_sets();
  Req req = binary_req(ALLTYPES, bytes, len, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  expect_binary(&c, &req, bytes, len);

  /* Unknown fields survive: field 1000 (varint) and field 1001 (length-delimited). */
  static const uint8_t unknown[] = {0x08, 0x07, 0xc0, 0x3e, 0x01, 0xca, 0x3e, 0x02, 'h', 'i'};
  req = binary_req(ALLTYPES, unknown, sizeof unknown, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  expect_binary(&c, &req, unknown, sizeof unknown);
  free(bytes);
  assert_int_equal(finish(&c), 0);
}

static void test_binary_to_json(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *bytes = sample_bytes(&len);
  child c = spawn_with_sets();
  Req req = binary_req(ALLTYPES, bytes, len, CONFORMANCE__WIRE_FORMAT__JSON);
  expect_json(&c, &req,
              "{\"fInt32\":-5,\"fUint64\":\"18446744073709551615\",\"fDouble\":0.25,"
              "\"fString\":\"h\xc3\xa9llo\",\"fEnum\":\"COLOR_BLUE\",\"fNested\":{\"a\":1,\"b\":\"x\"},"
              "\"rInt32\":[1,-2,300],\"mString\":{\"k\":\"v\"},\"oString\":\"one\","
              "\"wTimestamp\":\"2026-01-01T00:00:00.500Z\"}");
  free(bytes);
  assert_int_equal(finish(&c), 0);
}

static void test_json_to_binary(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *bytes = sample_bytes(&len);
  child c = spawn_with_sets();
  /* Proto names, reordered members, numbers as strings: parsed to the same message as the sample. */
  Req req = json_req(ALLTYPES,
                     "{\"w_timestamp\":\"2026-01-01T00:00:00.5Z\",\"oString\":\"one\",\"f_int32\":\"-5\","
                     "\"fUint64\":\"18446744073709551615\",\"fDouble\":0.25,\"fString\":\"h\\u00e9llo\","
                     "\"fEnum\":3,\"fNested\":{\"a\":1,\"b\":\"x\"},\"rInt32\":[1,-2,\"300\"],"
                     "\"mString\":{\"k\":\"v\"}}",
                     CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  expect_binary(&c, &req, bytes, len);
  free(bytes);
  assert_int_equal(finish(&c), 0);
}

static void test_json_to_json(void **state) {
  (void)state;
  child c = spawn_with_sets();
  Req req = json_req(ALLTYPES, " { \"r_string\" : [\"a\", \"b\"], \"f_bool\": true, \"renamed\": \"n\" } ",
                     CONFORMANCE__WIRE_FORMAT__JSON);
  expect_json(&c, &req, "{\"fBool\":true,\"rString\":[\"a\",\"b\"],\"renamed\":\"n\"}");
  /* Empty message both ways. */
  req = json_req(ALLTYPES, "{}", CONFORMANCE__WIRE_FORMAT__JSON);
  expect_json(&c, &req, "{}");
  assert_int_equal(finish(&c), 0);
}

static void test_parse_errors(void **state) {
  (void)state;
  child c = spawn_with_sets();
  static const struct {
    const uint8_t *data;
    size_t len;
  } bad_binary[] = {
      {(const uint8_t *)"\x72\x05"
                        "ab",
       4},                          /* f_string: length past the end */
      {(const uint8_t *)"\x08", 1}, /* f_int32: tag without value */
      {(const uint8_t *)"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12}, /* varint of 11 bytes */
      {(const uint8_t *)"\x0d\x01\x02\x03\x04", 5}, /* f_int32 (varint) sent as fixed32 */
      {(const uint8_t *)"\x72\x02\xc3\x28", 4},     /* f_string: not UTF-8 */
      {(const uint8_t *)"\x00\x01", 2},             /* field number 0 */
  };
  for (size_t i = 0; i < sizeof bad_binary / sizeof bad_binary[0]; i++) {
    Req req = binary_req(ALLTYPES, bad_binary[i].data, bad_binary[i].len, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
    ask(&c, &req, RES_PARSE);
  }
  static const char *const bad_json[] = {
      "{\"fInt32\":",                /* cut */
      "{\"fInt32\":1}x",             /* trailing garbage */
      "{\"fInt32\":\"x\"}",          /* wrong type */
      "{\"fInt32\":2147483648}",     /* out of range */
      "{\"noSuchField\":1}",         /* unknown field outside the ignore-unknown category */
      "{\"fEnum\":\"NO_SUCH\"}",     /* unknown enum name */
      "{\"fInt32\":1,\"fInt32\":2}", /* duplicate */
      "[]",
  };
  for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
    Req req = json_req(ALLTYPES, bad_json[i], CONFORMANCE__WIRE_FORMAT__PROTOBUF);
    ask(&c, &req, RES_PARSE);
  }
  /* A JSON payload that is not UTF-8 is refused before the codec sees it. */
  Req req = json_req(ALLTYPES, "{\"fString\":\"\xc3\x28\"}", CONFORMANCE__WIRE_FORMAT__JSON);
  ask(&c, &req, RES_PARSE);
  assert_int_equal(finish(&c), 0);
}

static void test_serialize_error(void **state) {
  (void)state;
  child c = spawn_with_sets();
  /* w_timestamp seconds = 253402300800 (year 10000): valid binary, no RFC 3339 form. */
  static const uint8_t far[] = {0xaa, 0x06, 0x07, 0x08, 0x80, 0x83, 0xd1, 0xff, 0xaf, 0x07};
  Req req = binary_req(ALLTYPES, far, sizeof far, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  ask(&c, &req, RES_BINARY);
  req = binary_req(ALLTYPES, far, sizeof far, CONFORMANCE__WIRE_FORMAT__JSON);
  ask(&c, &req, RES_SERIALIZE);
  assert_int_equal(finish(&c), 0);
}

static void test_ignore_unknown(void **state) {
  (void)state;
  child c = spawn_with_sets();
  Req req = json_req(ALLTYPES, "{\"noSuchField\":{\"deep\":[1,{}]},\"fInt32\":3,\"fEnum\":\"NO_SUCH\"}",
                     CONFORMANCE__WIRE_FORMAT__JSON);
  req.test_category = CONFORMANCE__TEST_CATEGORY__JSON_IGNORE_UNKNOWN_PARSING_TEST;
  expect_json(&c, &req, "{\"fInt32\":3}");
  /* The same document in the plain JSON category is an error. */
  req.test_category = CONFORMANCE__TEST_CATEGORY__JSON_TEST;
  ask(&c, &req, RES_PARSE);
  assert_int_equal(finish(&c), 0);
}

static void test_skipped(void **state) {
  (void)state;
  child c = spawn_with_sets();
  Req req = CONFORMANCE__CONFORMANCE_REQUEST__INIT;
  req.payload_case = CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_TEXT_PAYLOAD;
  req.text_payload = S("f_int32: 1");
  req.message_type = S(ALLTYPES);
  req.requested_output_format = CONFORMANCE__WIRE_FORMAT__TEXT_FORMAT;
  req.test_category = CONFORMANCE__TEST_CATEGORY__TEXT_FORMAT_TEST;
  ask(&c, &req, RES_SKIPPED);

  req.requested_output_format = CONFORMANCE__WIRE_FORMAT__PROTOBUF;
  ask(&c, &req, RES_SKIPPED);

  req = json_req(ALLTYPES, "{}", CONFORMANCE__WIRE_FORMAT__TEXT_FORMAT);
  ask(&c, &req, RES_SKIPPED);

  req = json_req(ALLTYPES, "{}", CONFORMANCE__WIRE_FORMAT__JSPB);
  ask(&c, &req, RES_SKIPPED);

  req.payload_case = CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_JSPB_PAYLOAD;
  req.jspb_payload = S("[]");
  req.requested_output_format = CONFORMANCE__WIRE_FORMAT__PROTOBUF;
  ask(&c, &req, RES_SKIPPED);
  assert_int_equal(finish(&c), 0);
}

/* Bad requests get an answer and the stream goes on. */
static void test_bad_requests(void **state) {
  (void)state;
  child c = spawn_with_sets();
  Req req = binary_req("evs.test.v1.NoSuchType", NULL, 0, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  Res *res = roundtrip(&c, &req);
  expect_case(res, RES_RUNTIME);
  assert_non_null(strstr(res->runtime_error, "unknown message type"));
  conformance__conformance_response__free_unpacked(res, NULL);

  req = binary_req(ALLTYPES, NULL, 0, CONFORMANCE__WIRE_FORMAT__UNSPECIFIED);
  ask(&c, &req, RES_RUNTIME);

  Req none = CONFORMANCE__CONFORMANCE_REQUEST__INIT;
  none.message_type = S(ALLTYPES);
  none.requested_output_format = CONFORMANCE__WIRE_FORMAT__PROTOBUF;
  ask(&c, &none, RES_RUNTIME);

  static const uint8_t garbage[] = {0xff, 0xff, 0xff};
  send_frame(&c, garbage, sizeof garbage);
  res = read_response(&c);
  expect_case(res, RES_RUNTIME);
  conformance__conformance_response__free_unpacked(res, NULL);

  /* Still answering. */
  req = json_req(ALLTYPES, "{\"fInt32\":1}", CONFORMANCE__WIRE_FORMAT__JSON);
  ask(&c, &req, RES_JSON);
  assert_int_equal(finish(&c), 0);
}

/* evs.conformance.test.OnlyInSet exists only in a descriptor set: with the set it resolves (and answers
 * once the registry has a protobuf-c descriptor for it), without it the type is unknown. */
static void check_only_in_set(child *c, bool expect_known) {
  static const uint8_t bytes[] = {0x0a, 0x03, 'a', 'b', 'c', 0x10, 0x05};
  Req req =
      binary_req("evs.conformance.test.OnlyInSet", bytes, sizeof bytes, CONFORMANCE__WIRE_FORMAT__PROTOBUF);
  Res *res = roundtrip(c, &req);
  if (!expect_known) {
    expect_case(res, RES_RUNTIME);
    assert_non_null(strstr(res->runtime_error, "unknown message type"));
  } else {
    /* a type known only from the set has a run-time descriptor: it round-trips like a compiled one */
    expect_case(res, RES_BINARY);
    assert_int_equal(res->protobuf_payload.len, sizeof bytes);
    assert_memory_equal(res->protobuf_payload.data, bytes, sizeof bytes);
  }
  conformance__conformance_response__free_unpacked(res, NULL);
}

static void test_descriptor_sets(void **state) {
  (void)state;
  child c = spawn_with_sets();
  check_only_in_set(&c, true);
  assert_int_equal(finish(&c), 0);

  c = spawn(NULL, EVS_CONFORMANCE_SETS);
  check_only_in_set(&c, true);
  assert_int_equal(finish(&c), 0);

  c = spawn(NULL, NULL);
  check_only_in_set(&c, false);
  assert_int_equal(finish(&c), 0);
}

static void test_stream_errors(void **state) {
  (void)state;
  /* A clean end of input before any request. */
  child c = spawn_with_sets();
  assert_int_equal(finish(&c), 0);

  /* Input ends inside a frame length, inside a frame, and a frame over the limit. */
  static const struct {
    const uint8_t *data;
    size_t len;
  } broken[] = {
      {(const uint8_t *)"\x05\x00", 2},
      {(const uint8_t *)"\x0a\x00\x00\x00\x22\x00", 6},
      {(const uint8_t *)"\xff\xff\xff\xff", 4},
  };
  for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
    c = spawn_with_sets();
    write_all(c.to, broken[i].data, broken[i].len);
    assert_int_equal(finish(&c), 1);
  }

  /* A descriptor set that cannot be read, and a bad argument. */
  const char *missing[] = {"--descriptor-set", "/nonexistent/set.binpb", NULL};
  c = spawn(missing, NULL);
  assert_int_equal(finish(&c), 1);
  const char *bad[] = {"--bogus", NULL};
  c = spawn(bad, NULL);
  assert_int_equal(finish(&c), 2);
}

/* One child answers a long stream, as it does for the official runner's ~2000 binary+JSON tests. */
static void test_many_requests(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *bytes = sample_bytes(&len);
  child c = spawn_with_sets();
  for (int i = 0; i < 3000; i++) {
    Req req = i % 2 ? binary_req(ALLTYPES, bytes, len, CONFORMANCE__WIRE_FORMAT__JSON)
                    : json_req(ALLTYPES, "{\"rInt32\":[1,2,3],\"fString\":\"s\"}",
                               CONFORMANCE__WIRE_FORMAT__PROTOBUF);
    Res *res = roundtrip(&c, &req);
    expect_case(res, i % 2 ? RES_JSON : RES_BINARY);
    conformance__conformance_response__free_unpacked(res, NULL);
  }
  free(bytes);
  assert_int_equal(finish(&c), 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* a child that exits early must fail a check, not kill the driver */
  snprintf(set_buf, sizeof set_buf, "%s", EVS_CONFORMANCE_SETS);
  for (char *save = NULL, *p = strtok_r(set_buf, ":", &save); p && n_set_paths < 8;
       p = strtok_r(NULL, ":", &save))
    set_paths[n_set_paths++] = p;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_failure_set),     cmocka_unit_test(test_binary_to_binary),
      cmocka_unit_test(test_binary_to_json),  cmocka_unit_test(test_json_to_binary),
      cmocka_unit_test(test_json_to_json),    cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_serialize_error), cmocka_unit_test(test_ignore_unknown),
      cmocka_unit_test(test_skipped),         cmocka_unit_test(test_bad_requests),
      cmocka_unit_test(test_descriptor_sets), cmocka_unit_test(test_stream_errors),
      cmocka_unit_test(test_many_requests),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
