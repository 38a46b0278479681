/* Private state of the validator (not installed).
 *
 * evs_validator_new() turns the registry's rule views into one vmsg per message type: the fields that have
 * something to check (their own rules, or a message below them that has), each with its compiled pattern,
 * and a pointer to the child vmsg. The walk in check.c only visits those fields, so messages without rules
 * cost one lookup. */
#ifndef EVS_VALIDATE_INTERNAL_H
#define EVS_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include "evs/pattern.h"
#include "evs/validate.h"

typedef struct vmsg vmsg;

/* The rules of one field (or of a map's keys / values) with what the walk needs precomputed. */
typedef struct vrules {
  const evs_field_rules *r;    /* NULL: nothing to check on the value itself */
  evs_pattern *pattern;        /* compiled r->pattern */
  bool value_rules;            /* r has a rule besides `required` (a set value without one needs no look) */
  bool required;               /* r->required, here so that the walk's common tests stay in this struct */
  uint32_t smask;              /* strings: VS_* bits of the rules r sets (no look at r for the others) */
  size_t *in_len, *not_in_len; /* byte lengths of the in / not_in texts */
  bool enum_mask_ok; /* defined_only on an enum whose numbers all lie in 0..63: enum_mask has them */
  uint64_t enum_mask;
  struct vrules *keys, *values;
} vrules;

/* How the walk tells whether a singular field is set (precomputed from its descriptor). */
enum {
  VPRES_ONEOF,      /* the case field at qoffset holds `id` */
  VPRES_POINTER,    /* a message: the pointer is not NULL */
  VPRES_ALWAYS,     /* proto2 required: always there once decoded */
  VPRES_OPT_STRING, /* proto2 optional string: not NULL and not the default's pointer */
  VPRES_HAS,        /* proto2 optional scalar: the has_ flag at qoffset */
  VPRES_NONZERO     /* no presence: set when not the zero value */
};

/* String rules present (vrules.smask). */
enum {
  VS_CONST = 1u << 0,
  VS_IN = 1u << 1,
  VS_NOT_IN = 1u << 2,
  VS_LEN = 1u << 3,
  VS_BYTES = 1u << 4,
  VS_AFFIX = 1u << 5, /* prefix, suffix, contains */
  VS_FORMAT = 1u << 6 /* uuid, email, uri, rfc3339 */
};

typedef struct vfield {
  const evs_field *f;
  const ProtobufCFieldDescriptor *fd;
  vrules rules;
  const vmsg *child; /* message-typed fields (map values too) whose type has something to check */
  /* Copied from f / fd so that the walk reads one struct per field. */
  uint8_t shape;    /* 0 singular, 1 repeated, 2 map */
  uint8_t presence; /* VPRES_* */
  uint32_t offset, qoffset, id;
} vfield;

struct vmsg {
  const evs_message *m;
  vfield *fields; /* only the fields with something to check, declaration order */
  size_t n_fields;
  const evs_oneof **required_oneofs;
  size_t n_required_oneofs;
  bool active; /* has something to check, here or below */
};

/* Root lookup by descriptor pointer (no name hashing per message). */
typedef struct vdesc {
  const ProtobufCMessageDescriptor *d;
  const vmsg *vm;
} vdesc;

struct evs_validator {
  const evs_registry *reg;
  vdesc *by_desc; /* open-addressing table of every message's descriptor, desc_mask + 1 slots */
  size_t desc_mask;
  evs_validate_clock clock;
  void *clock_ctx;
  vmsg *msgs; /* sorted by message pointer, for the root lookup */
  size_t n_msgs;
  const evs_message *envelope; /* evs.v1.Envelope, NULL when the registry has none */
};

/* The vmsg of m, NULL when the validator does not know it. */
const vmsg *evs_vmsg_find(const evs_validator *v, const evs_message *m);
/* The vmsg of the message type a protobuf-c descriptor describes (compiled or dynamic), NULL when none. */
const vmsg *evs_vmsg_for_desc(const evs_validator *v, const ProtobufCMessageDescriptor *d);

/* ---- violations.c ---- */

/* One step of the path from the validated root to a value. */
typedef struct vpath_step {
  const evs_field *f; /* the field entered (NULL for a oneof step, see name) */
  const char *name;   /* set instead of f for oneofs and envelope attributes */
  int kind;           /* VSTEP_FIELD, VSTEP_INDEX, VSTEP_KEY */
  size_t index;       /* VSTEP_INDEX */
  const void *key;    /* VSTEP_KEY: the map entry's key slot */
  const evs_field *key_field;
  const ProtobufCFieldDescriptor *key_fd;
} vpath_step;

enum { VSTEP_FIELD, VSTEP_INDEX, VSTEP_KEY };

#define VPATH_MAX 128 /* deeper paths end in "..." (messages are at most EVS_MAX_DEPTH_LIMIT deep) */

/* The walk's state. */
typedef struct vctx {
  const evs_validator *v;
  evs_violations *out;
  uint32_t flags;
  vpath_step path[VPATH_MAX];
  size_t depth;  /* steps in use (may exceed VPATH_MAX: the rest are not recorded) */
  bool have_now; /* the clock is read once per call, when a rule first needs it */
  int64_t now_s;
  int32_t now_ns;
  size_t found;    /* violations found (may exceed what out lists) */
  evs_status fail; /* EVS_ERR_NOMEM once an append failed */
} vctx;

/* Records a violation at the current path (plus `extra` steps not pushed, may be NULL/0). value_json: the
 * offending value as JSON text (truncated here), NULL for none. message: printf format. Returns true when
 * the walk must stop (fail-fast, a NOMEM, or the list is full and nothing more can be learnt). */
bool evs_vreport(vctx *c, const char *rule_id, bool for_key, const evs_field *f, const char *value_json,
                 size_t value_len, const char *fmt, ...) EVS_PRINTF(7, 8);

/* Appends len bytes to vs's text and keeps every recorded violation's strings pointing into it, wherever
 * the text moves; *start gets the offset of the new bytes. On failure the list is as it was. */
evs_status evs_violations_append_text(evs_violations *vs, const void *data, size_t len, size_t *start);

/* A walk's state for one call (on the caller's stack: about 7 KB). */
void evs_vctx_init(vctx *c, const evs_validator *v, evs_violations *out, uint32_t flags);
/* The status of a finished walk whose violations start at out->v[before]: EVS_OK, EVS_ERR_VALIDATION
 * (err names the count and the first), or the failure that stopped it. */
evs_status evs_vfinish(vctx *c, size_t before, evs_error *err);

/* ---- formats.c: string forms shared by the checker ---- */
bool evs_vfmt_uuid(const char *s, size_t len);
bool evs_vfmt_email(const char *s, size_t len);
bool evs_vfmt_uri(const char *s, size_t len);
/* Code points in valid UTF-8. */
size_t evs_vfmt_code_points(const char *s, size_t len);

/* ---- check.c ---- */

/* How a value is reached, which decides what `required` means for it. */
enum {
  VSTATE_UNSET,   /* a singular field that is not set: only `required` can fail */
  VSTATE_SET,     /* a singular field that is set: every rule but `required` (which it meets) */
  VSTATE_ELEMENT, /* an element of a repeated field: `required` belongs to the list, not the element */
  VSTATE_MAPPART  /* a map key or value: every rule; `required` means non-zero */
};

/* Checks `slot` (a value of field f, or of a map's key/value field) against rules vr. Returns true when
 * the walk must stop. */
bool evs_vcheck_value(vctx *c, const vrules *vr, const evs_field *f, const ProtobufCFieldDescriptor *fd,
                      const void *slot, int state, bool for_key);
/* Whether the value in slot is its type's zero value. Inline: the walk asks for every field it visits. */
static inline bool evs_vis_zero(const ProtobufCFieldDescriptor *fd, const void *slot) {
  switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(char *const *)slot;
      return !s || !*s;
    }
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_ENUM:
      return *(const uint32_t *)slot == 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      return *(const uint64_t *)slot == 0;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
      double d = (fd->type == PROTOBUF_C_TYPE_FLOAT ? (double)*(const float *)slot : *(const double *)slot);
      return d == 0 && !signbit(d); /* proto3 writes -0.0: it is a value */
    }
    case PROTOBUF_C_TYPE_BOOL:
      return !*(const protobuf_c_boolean *)slot;
    case PROTOBUF_C_TYPE_BYTES:
      return ((const ProtobufCBinaryData *)slot)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
      return *(ProtobufCMessage *const *)slot == NULL;
    default:
      return false;
  }
}

/* The value in slot as short JSON text (strings cut at about EVS_VIOLATION_VALUE_MAX bytes). */
typedef struct vtext {
  char s[EVS_VIOLATION_VALUE_MAX + 16];
  size_t n;
} vtext;
void evs_vtext_value(vtext *t, const evs_field *f, const ProtobufCFieldDescriptor *fd, const void *slot);
/* A string value s[0..len) as such text. */
void evs_vtext_string(vtext *t, const char *s, size_t len);

#endif
