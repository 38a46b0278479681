/* evs-conformance: the testee for protobuf's conformance runner (docs/conformance.md).
 *
 * Protocol: the runner writes requests to stdin and reads responses from stdout, each framed as a 4-byte
 * little-endian length followed by a serialized conformance.ConformanceRequest / ConformanceResponse
 * (tests/conformance/conformance.proto); the testee answers every request in order until stdin ends.
 * Types are resolved by full name through an evs registry: the built-in catalog, any compiled catalog
 * linked in with EVS_CONFORMANCE_EXTRA_CATALOG, then the descriptor sets given with --descriptor-set or
 * EVS_CONFORMANCE_DESCRIPTOR_SET. A type is usable when the registry has a protobuf-c descriptor for it;
 * binary input goes through evs_binary_unpack (the guard every untrusted input takes) and JSON through
 * evs_json_decode, as in the library's own paths. Built by the project, never installed. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <evs/buf.h>
#include <evs/catalog.h>
#include <evs/error.h>
#include <evs/json.h>
#include <evs/registry.h>

#include "conformance.pb-c.h"

#ifdef EVS_CONFORMANCE_EXTRA_CATALOG
extern const evs_catalog EVS_CONFORMANCE_EXTRA_CATALOG;
#endif

/* Largest request accepted. The suite's largest payloads are a few kilobytes; a frame past this means
 * the stream is out of step, and reading on would only allocate what the length claims. */
#define CONF_MAX_FRAME ((size_t)64 << 20)
#define CONF_MAX_SETS 16
#define CONF_FAILURE_SET "conformance.FailureSet"

static const char usage[] =
    "usage: evs-conformance [--descriptor-set FILE]...\n"
    "Answers protobuf conformance-test requests on stdin/stdout (length-prefixed ConformanceRequest /\n"
    "ConformanceResponse) until end of input. Message types come from the built-in catalog and the given\n"
    "descriptor sets; EVS_CONFORMANCE_DESCRIPTOR_SET names more sets (colon-separated).\n";

typedef struct conf_state {
  evs_registry *reg;
  unsigned long requests;
} conf_state;

static void report(const char *what, const evs_error *err) {
  char text[1024];
  evs_error_format(err, text, sizeof text);
  fprintf(stderr, "evs-conformance: %s: %s\n", what, text);
}

/* Reads exactly n bytes. Returns 1 on success, 0 at end of input before the first byte, -1 on a read
 * error or an end of input after it (a cut frame). */
static int read_exact(uint8_t *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t r = fread(p + got, 1, n - got, stdin);
    if (r == 0) {
      if (ferror(stdin)) return -1;
      return got == 0 ? 0 : -1;
    }
    got += r;
  }
  return 1;
}

static bool write_frame(const uint8_t *data, size_t len) {
  uint8_t head[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
  return fwrite(head, 1, 4, stdout) == 4 && fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
}

/* The answer when even the answer's text cannot be allocated; never freed. */
static char oom_text[] = "out of memory";

/* The response owns `text` (malloc'd) once set; a failed malloc degrades to oom_text. */
static void set_text(Conformance__ConformanceResponse *res, Conformance__ConformanceResponse__ResultCase c,
                     const char *prefix, const evs_error *err) {
  char body[1024];
  if (err)
    evs_error_format(err, body, sizeof body);
  else
    body[0] = '\0';
  size_t n = strlen(prefix) + strlen(body) + 3;
  char *text = malloc(n);
  if (text) snprintf(text, n, "%s%s%s", prefix, err ? ": " : "", body);
  res->result_case = c;
  /* every string member of the oneof shares one storage slot */
  res->parse_error = text ? text : oom_text;
}

static void set_skipped(Conformance__ConformanceResponse *res, const char *why) {
  set_text(res, CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_SKIPPED, why, NULL);
}

/* Parses the payload as the requested type and serializes the result in the requested format. */
static void run_request(conf_state *st, const Conformance__ConformanceRequest *req,
                        Conformance__ConformanceResponse *res) {
  typedef Conformance__ConformanceResponse__ResultCase rc;
  const rc PARSE = CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PARSE_ERROR;
  const rc SERIALIZE = CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_SERIALIZE_ERROR;
  const rc RUNTIME = CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_RUNTIME_ERROR;
  evs_error err;
  evs_error_clear(&err);

  if (strcmp(req->message_type, CONF_FAILURE_SET) == 0) {
    /* The runner asks once which tests this testee expects to fail: none. The failure list is kept on
     * the runner's side (tests/conformance/failure_list.txt), where a test that starts passing is
     * reported. An empty FailureSet serializes to zero bytes. */
    res->result_case = CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PROTOBUF_PAYLOAD;
    res->protobuf_payload.len = 0;
    res->protobuf_payload.data = NULL;
    return;
  }
  switch (req->payload_case) {
    case CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_PROTOBUF_PAYLOAD:
    case CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_JSON_PAYLOAD:
      break;
    case CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_JSPB_PAYLOAD:
      set_skipped(res, "JSPB input is not supported by evs");
      return;
    case CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_TEXT_PAYLOAD:
      set_skipped(res, "text format input is not supported by evs");
      return;
    default:
      set_text(res, RUNTIME, "request has no payload", NULL);
      return;
  }
  switch (req->requested_output_format) {
    case CONFORMANCE__WIRE_FORMAT__PROTOBUF:
    case CONFORMANCE__WIRE_FORMAT__JSON:
      break;
    case CONFORMANCE__WIRE_FORMAT__JSPB:
      set_skipped(res, "JSPB output is not supported by evs");
      return;
    case CONFORMANCE__WIRE_FORMAT__TEXT_FORMAT:
      set_skipped(res, "text format output is not supported by evs");
      return;
    default:
      set_text(res, RUNTIME, "request names no output format", NULL);
      return;
  }

  const evs_message *m = evs_registry_require_message(st->reg, req->message_type, &err);
  if (!m) {
    set_text(res, RUNTIME, "unknown message type", &err);
    return;
  }
  if (!m->c_desc) {
    char what[512];
    snprintf(what, sizeof what,
             "no protobuf-c descriptor for %s (not compiled; dynamic descriptors not built)", m->full_name);
    set_text(res, RUNTIME, what, NULL);
    return;
  }

  ProtobufCMessage *msg = NULL;
  evs_status s;
  if (req->payload_case == CONFORMANCE__CONFORMANCE_REQUEST__PAYLOAD_PROTOBUF_PAYLOAD) {
    s = evs_binary_unpack(m->c_desc, req->protobuf_payload.data, req->protobuf_payload.len, NULL, NULL, &msg,
                          &err);
  } else {
    evs_json_options jo = {0};
    if (req->test_category == CONFORMANCE__TEST_CATEGORY__JSON_IGNORE_UNKNOWN_PARSING_TEST)
      jo.flags |= EVS_JSON_IGNORE_UNKNOWN;
    s = evs_json_decode(st->reg, m->c_desc, req->json_payload, strlen(req->json_payload), &jo, NULL, &msg,
                        &err);
  }
  if (s != EVS_OK) {
    set_text(res, s == EVS_ERR_NOMEM ? RUNTIME : PARSE, "parse failed", &err);
    return;
  }

  if (req->requested_output_format == CONFORMANCE__WIRE_FORMAT__PROTOBUF) {
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *out = malloc(n ? n : 1);
    if (!out) {
      set_text(res, RUNTIME, "out of memory", NULL);
    } else {
      protobuf_c_message_pack(msg, out);
      res->result_case = CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PROTOBUF_PAYLOAD;
      res->protobuf_payload.data = out;
      res->protobuf_payload.len = n;
    }
  } else {
    evs_buf out = EVS_BUF_INIT;
    if (evs_json_encode(st->reg, msg, NULL, &out, &err) != EVS_OK) {
      set_text(res, err.code == EVS_ERR_NOMEM ? RUNTIME : SERIALIZE, "JSON serialization failed", &err);
    } else {
      size_t len = 0;
      uint8_t *text = evs_buf_detach(&out, &len);
      if (!text) {
        set_text(res, RUNTIME, "out of memory", NULL);
      } else {
        res->result_case = CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_JSON_PAYLOAD;
        res->json_payload = (char *)text;
      }
    }
    evs_buf_free(&out);
  }
  protobuf_c_message_free_unpacked(msg, NULL);
}

/* Frees what run_request put into the response (the static fallback text excepted). */
static void free_response(Conformance__ConformanceResponse *res) {
  if (res->result_case == CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PROTOBUF_PAYLOAD) {
    free(res->protobuf_payload.data);
  } else if (res->result_case != CONFORMANCE__CONFORMANCE_RESPONSE__RESULT__NOT_SET &&
             res->parse_error != oom_text) {
    free(res->parse_error);
  }
}

/* Answers one framed request. Returns 1 to go on, 0 at a clean end of input, -1 on a broken stream. */
static int serve_one(conf_state *st) {
  uint8_t head[4];
  int r = read_exact(head, 4);
  if (r <= 0) {
    if (r < 0) fprintf(stderr, "evs-conformance: input ends inside a frame length\n");
    return r;
  }
  size_t len = (size_t)head[0] | (size_t)head[1] << 8 | (size_t)head[2] << 16 | (size_t)head[3] << 24;
  if (len > CONF_MAX_FRAME) {
    fprintf(stderr, "evs-conformance: request %lu: frame of %zu bytes is over the limit of %zu\n",
            st->requests + 1, len, CONF_MAX_FRAME);
    return -1;
  }
  uint8_t *frame = malloc(len ? len : 1);
  if (!frame) {
    fprintf(stderr, "evs-conformance: out of memory for a %zu-byte frame\n", len);
    return -1;
  }
  if (read_exact(frame, len) != 1) {
    fprintf(stderr, "evs-conformance: request %lu: input ends inside a %zu-byte frame\n", st->requests + 1,
            len);
    free(frame);
    return -1;
  }
  st->requests++;

  Conformance__ConformanceResponse res = CONFORMANCE__CONFORMANCE_RESPONSE__INIT;
  ProtobufCMessage *reqm = NULL;
  evs_error err;
  evs_error_clear(&err);
  evs_status s =
      evs_binary_unpack(&conformance__conformance_request__descriptor, frame, len, NULL, NULL, &reqm, &err);
  free(frame);
  if (s == EVS_OK) {
    run_request(st, (const Conformance__ConformanceRequest *)reqm, &res);
    protobuf_c_message_free_unpacked(reqm, NULL);
  } else if (s == EVS_ERR_TYPE || s == EVS_ERR_UNSUPPORTED) {
    /* The request is well-formed but its json_payload (a string) is not UTF-8 or holds a NUL byte: no
     * JSON parser may accept that, so it is the payload's parse error, not a broken stream. */
    set_text(&res, CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_PARSE_ERROR, "JSON payload", &err);
  } else {
    set_text(&res, CONFORMANCE__CONFORMANCE_RESPONSE__RESULT_RUNTIME_ERROR, "malformed ConformanceRequest",
             &err);
  }

  size_t n = conformance__conformance_response__get_packed_size(&res);
  uint8_t *out = malloc(n ? n : 1);
  bool ok = out != NULL;
  if (ok) {
    conformance__conformance_response__pack(&res, out);
    ok = write_frame(out, n);
    if (!ok) fprintf(stderr, "evs-conformance: writing the response failed: %s\n", strerror(errno));
  } else {
    fprintf(stderr, "evs-conformance: out of memory for a %zu-byte response\n", n);
  }
  free(out);
  free_response(&res);
  return ok ? 1 : -1;
}

static bool load_set(evs_registry *reg, const char *path) {
  evs_error err;
  evs_error_clear(&err);
  if (evs_registry_load_file(reg, path, &err) == EVS_OK) return true;
  report("descriptor set", &err);
  return false;
}

int main(int argc, char **argv) {
  const char *sets[CONF_MAX_SETS];
  int n_sets = 0;
  /* protobuf v21.12's runner passes the program's path once more as the first argument. */
  int first = argc > 1 && strcmp(argv[1], argv[0]) == 0 ? 2 : 1;
  for (int i = first; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    }
    if (strcmp(argv[i], "--descriptor-set") == 0 && i + 1 < argc && n_sets < CONF_MAX_SETS) {
      sets[n_sets++] = argv[++i];
      continue;
    }
    fprintf(stderr, "evs-conformance: bad argument '%s' (at most %d --descriptor-set FILE)\n%s", argv[i],
            CONF_MAX_SETS, usage);
    return 2;
  }

  conf_state st = {0};
  evs_error err;
  evs_error_clear(&err);
  /* Compiled catalogs first: a set that repeats one of their files is then skipped, so compiled types
   * keep their compiled descriptors and only the rest of a set needs descriptors built at run time. */
  if (evs_registry_new(&st.reg, &err) != EVS_OK ||
      evs_registry_add_catalog(st.reg, &evs_builtin_catalog, &err) != EVS_OK) {
    report("built-in catalog", &err);
    evs_registry_free(st.reg);
    return 1;
  }
#ifdef EVS_CONFORMANCE_EXTRA_CATALOG
  if (evs_registry_add_catalog(st.reg, &EVS_CONFORMANCE_EXTRA_CATALOG, &err) != EVS_OK) {
    report("compiled catalog", &err);
    evs_registry_free(st.reg);
    return 1;
  }
#endif
  bool ok = true;
  for (int i = 0; ok && i < n_sets; i++) ok = load_set(st.reg, sets[i]);
  const char *env = getenv("EVS_CONFORMANCE_DESCRIPTOR_SET");
  char *paths = env && *env ? strdup(env) : NULL;
  for (char *save = NULL, *p = paths ? strtok_r(paths, ":", &save) : NULL; ok && p;
       p = strtok_r(NULL, ":", &save))
    ok = load_set(st.reg, p);
  free(paths);
  if (!ok) {
    evs_registry_free(st.reg);
    return 1;
  }

  int r;
  while ((r = serve_one(&st)) == 1) {
  }
  evs_registry_free(st.reg);
  return r == 0 ? 0 : 1;
}
