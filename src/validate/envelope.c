/* evs_validate_event: the CloudEvents attributes checked against the rules of the matching evs.v1.Envelope
 * fields (so the envelope's rules live in one place, envelope.proto), plus "the type is registered". */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "evs/json.h"
#include "evs/timeutil.h"
#include "validate/validate_internal.h"

typedef struct attr_map {
  const char *attr;  /* CloudEvents attribute name (the violation path) */
  const char *field; /* evs.v1.Envelope field */
  size_t offset;     /* of the value in evs_ce_event */
} attr_map;

static const attr_map k_attrs[] = {
    {"id", "id", offsetof(evs_ce_event, id)},
    {"source", "source", offsetof(evs_ce_event, source)},
    {"specversion", "spec_version", offsetof(evs_ce_event, specversion)},
    {"type", "type", offsetof(evs_ce_event, type)},
    {"time", "time", offsetof(evs_ce_event, time)},
    {"subject", "subject", offsetof(evs_ce_event, subject)},
    {"dataschema", "data_schema", offsetof(evs_ce_event, dataschema)},
    {"datacontenttype", "data_content_type", offsetof(evs_ce_event, content_type)},
    {"schemaversion", "schema_version", offsetof(evs_ce_event, schema_version)},
    {"correlationid", "correlation_id", offsetof(evs_ce_event, correlation_id)},
    {"causationid", "causation_id", offsetof(evs_ce_event, causation_id)},
};

static const vfield *find_vfield(const vmsg *vm, const char *name) {
  for (size_t i = 0; vm && i < vm->n_fields; i++)
    if (strcmp(vm->fields[i].f->name, name) == 0) return &vm->fields[i];
  return NULL;
}

/* A Timestamp attribute: the parsed instant as a message of the field's Timestamp type, then its rules. */
static bool check_time(vctx *c, const vfield *vf, const char *text) {
  const ProtobufCMessageDescriptor *d = vf->f->message_type ? vf->f->message_type->c_desc : NULL;
  alignas(max_align_t) unsigned char buf[256];
  if (!d || d->sizeof_message > sizeof buf) return false;
  int64_t sec;
  int32_t ns;
  evs_error terr;
  /* An unreadable time is the CloudEvents parser's error, reported before validation. */
  if (evs_time_parse_rfc3339(text, strlen(text), &sec, &ns, &terr) != EVS_OK) return false;
  ProtobufCMessage *ts = (ProtobufCMessage *)buf;
  evs_message_init(d, ts);
  for (unsigned i = 0; i < d->n_fields; i++) {
    if (d->fields[i].id == 1) memcpy(buf + d->fields[i].offset, &sec, sizeof sec);
    if (d->fields[i].id == 2) memcpy(buf + d->fields[i].offset, &ns, sizeof ns);
  }
  const ProtobufCMessage *slot = ts;
  return evs_vcheck_value(c, &vf->rules, vf->f, vf->fd, &slot, VSTATE_SET, false);
}

evs_status evs_validate_event(const evs_validator *v, const evs_ce_event *ev, uint32_t flags,
                              evs_violations *out, evs_error *err) {
  if (!v || !ev || !out)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_validate_event: validator, event and out are required");
  vctx ctx;
  vctx *c = &ctx;
  evs_vctx_init(c, v, out, flags);
  size_t before = out->n;
  const vmsg *vm = v->envelope ? evs_vmsg_find(v, v->envelope) : NULL;
  bool stop = false;
  for (size_t i = 0; !stop && i < sizeof k_attrs / sizeof k_attrs[0]; i++) {
    const vfield *vf = find_vfield(vm, k_attrs[i].field);
    const char *value = *(const char *const *)((const char *)ev + k_attrs[i].offset);
    bool set = value && *value;
    c->path[0] = (vpath_step){.name = k_attrs[i].attr, .kind = VSTEP_FIELD};
    c->depth = 1;
    if (vf && vf->rules.r) {
      /* an envelope loaded from a descriptor set without compiled code holds strings as bytes */
      ProtobufCBinaryData bd = {value ? strlen(value) : 0, (uint8_t *)(uintptr_t)value};
      const void *slot = vf->fd->type == PROTOBUF_C_TYPE_STRING ? (const void *)&value : (const void *)&bd;
      if (evs_field_is_string(vf->fd))
        stop = evs_vcheck_value(c, &vf->rules, vf->f, vf->fd, slot, set ? VSTATE_SET : VSTATE_UNSET, false);
      else if (vf->fd->type == PROTOBUF_C_TYPE_MESSAGE && set)
        stop = check_time(c, vf, value);
      else if (vf->fd->type == PROTOBUF_C_TYPE_MESSAGE)
        stop = evs_vcheck_value(c, &vf->rules, vf->f, vf->fd, &value, VSTATE_UNSET, false);
    }
    if (!stop && strcmp(k_attrs[i].attr, "type") == 0 && set &&
        !evs_registry_find_event_type(v->reg, value)) {
      vtext t;
      evs_vtext_string(&t, value, strlen(value));
      stop = evs_vreport(c, "evs.event.type_registered", false, vf ? vf->f : NULL, t.n ? t.s : NULL, t.n,
                         "event type is not registered");
    }
    c->depth = 0;
  }
  return evs_vfinish(c, before, err);
}
