/* The violation list: recording (paths rendered only when a rule fails) and the text / JSON forms. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "base/grow_internal.h"
#include "evs/json.h"
#include "validate/validate_internal.h"

void evs_violations_init(evs_violations *vs) {
  if (vs) memset(vs, 0, sizeof *vs);
}

void evs_violations_reset(evs_violations *vs) {
  if (!vs) return;
  vs->n = 0;
  vs->truncated = false;
  evs_buf_reset(&vs->text_);
}

void evs_violations_free(evs_violations *vs) {
  if (!vs) return;
  evs_free(vs->v);
  evs_buf_free(&vs->text_);
  memset(vs, 0, sizeof *vs);
}

/* Appends s[0..n) and a NUL to the list's text; returns where it starts. */
static size_t put(evs_violations *vs, const char *s, size_t n) {
  size_t off = vs->text_.len;
  evs_buf_append(&vs->text_, s, n);
  evs_buf_append_byte(&vs->text_, '\0');
  return off;
}

/* Renders the path of c's steps: proto names (json = false) or JSON names. */
static void render_path(const vctx *c, const evs_field *extra_f, bool json, evs_buf *out) {
  size_t depth = c->depth < VPATH_MAX ? c->depth : VPATH_MAX;
  (void)extra_f;
  for (size_t i = 0; i < depth; i++) {
    const vpath_step *st = &c->path[i];
    if (st->kind == VSTEP_FIELD) {
      if (out->len) evs_buf_append_byte(out, '.');
      evs_buf_append_str(out, st->name ? st->name : json ? st->f->json_name : st->f->name);
    } else if (st->kind == VSTEP_INDEX) {
      char b[32];
      snprintf(b, sizeof b, "[%zu]", st->index);
      evs_buf_append_str(out, b);
    } else {
      evs_buf_append_byte(out, '[');
      const ProtobufCFieldDescriptor *kfd = st->key_fd;
      if (evs_field_is_string(kfd)) {
        size_t kl;
        const char *k = evs_field_string(kfd, st->key, &kl);
        (void)evs_json_append_string(out, k, kl);
      } else {
        vtext t;
        evs_vtext_value(&t, st->key_field, kfd, st->key);
        /* 64-bit keys are quoted in JSON text; a path shows the number. */
        if (t.n >= 2 && t.s[0] == '"')
          evs_buf_append(out, t.s + 1, t.n - 2);
        else
          evs_buf_append(out, t.s, t.n);
      }
      evs_buf_append_byte(out, ']');
    }
  }
  if (c->depth > VPATH_MAX) evs_buf_append_str(out, "...");
}

static bool grow(evs_violations *vs) {
  evs_violation *v = evs_grow(vs->v, &vs->cap_, vs->n, sizeof *v, 8);
  if (!v) return false;
  vs->v = v;
  return true;
}

/* The strings of every violation are offsets into text_ while it grows; this makes them pointers. Called
 * after each append (cheap: violations are rare), since the buffer may have moved. */
static void fix_pointers(evs_violations *vs, const uint8_t *old_base) {
  const char *base = (const char *)vs->text_.data;
  for (size_t i = 0; i < vs->n; i++) {
    evs_violation *x = &vs->v[i];
    const char **ps[] = {&x->path, &x->json_path, &x->message, &x->value};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
      if (*ps[k]) *ps[k] = base + (*ps[k] - (const char *)old_base);
  }
}

evs_status evs_violations_append_text(evs_violations *vs, const void *data, size_t len, size_t *start) {
  const uint8_t *old = vs->text_.data;
  size_t n0 = vs->text_.len;
  evs_status st = evs_buf_append(&vs->text_, data, len);
  if (st != EVS_OK) {
    vs->text_.len = n0; /* a failed append wrote nothing: the list stays usable */
    vs->text_.failed = false;
    return st;
  }
  if (old && (const uint8_t *)vs->text_.data != old) fix_pointers(vs, old);
  *start = n0;
  return EVS_OK;
}

bool evs_vreport(vctx *c, const char *rule_id, bool for_key, const evs_field *f, const char *value_json,
                 size_t value_len, const char *fmt, ...) {
  evs_violations *vs = c->out;
  c->found++;
  if (vs->n >= EVS_VALIDATE_MAX_VIOLATIONS) {
    vs->truncated = true;
    return (c->flags & EVS_VALIDATE_FAIL_FAST) != 0;
  }
  if (!grow(vs)) {
    c->fail = EVS_ERR_NOMEM;
    return true;
  }
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const uint8_t *old = vs->text_.data;
  size_t n0 = vs->text_.len;
  evs_buf path = EVS_BUF_INIT, jpath = EVS_BUF_INIT;
  render_path(c, f, false, &path);
  render_path(c, f, true, &jpath);
  size_t o_path = put(vs, path.data ? (const char *)path.data : "", path.len);
  size_t o_jpath = put(vs, jpath.data ? (const char *)jpath.data : "", jpath.len);
  size_t o_msg = put(vs, msg, strlen(msg));
  size_t o_val = value_json ? put(vs, value_json, value_len) : 0;
  bool ok = evs_buf_status(&path) == EVS_OK && evs_buf_status(&jpath) == EVS_OK &&
            evs_buf_status(&vs->text_) == EVS_OK;
  evs_buf_free(&path);
  evs_buf_free(&jpath);
  if (!ok) {
    vs->text_.len = n0; /* drop the partial strings; the earlier ones are intact */
    vs->text_.failed = false;
    c->fail = EVS_ERR_NOMEM;
    return true;
  }
  if (old && (const uint8_t *)vs->text_.data != old) fix_pointers(vs, old);
  const char *base = (const char *)vs->text_.data;
  vs->v[vs->n++] = (evs_violation){.path = base + o_path,
                                   .json_path = base + o_jpath,
                                   .rule_id = rule_id,
                                   .message = base + o_msg,
                                   .value = value_json ? base + o_val : NULL,
                                   .for_key = for_key,
                                   .field = f};
  return (c->flags & EVS_VALIDATE_FAIL_FAST) != 0;
}

evs_status evs_violations_text(const evs_violations *vs, bool json_names, const char *line_prefix,
                               const char *path_prefix, evs_buf *out) {
  if (!vs || !out) return EVS_ERR_INVALID_ARG;
  for (size_t i = 0; i < vs->n; i++) {
    const evs_violation *x = &vs->v[i];
    const char *path = json_names ? x->json_path : x->path;
    if (line_prefix) evs_buf_append_str(out, line_prefix);
    if (*path) {
      if (path_prefix) evs_buf_append_str(out, path_prefix);
      evs_buf_append_str(out, path);
      evs_buf_append_str(out, ": ");
    }
    evs_buf_append_str(out, x->message);
    evs_buf_append_str(out, " [");
    evs_buf_append_str(out, x->rule_id);
    evs_buf_append_str(out, "]\n");
  }
  if (vs->truncated) {
    if (line_prefix) evs_buf_append_str(out, line_prefix);
    evs_buf_append_str(out, "(more violations not listed)\n");
  }
  return evs_buf_status(out);
}

evs_status evs_violations_json(const evs_violations *vs, evs_buf *out) {
  if (!vs || !out) return EVS_ERR_INVALID_ARG;
  evs_buf_append_byte(out, '[');
  for (size_t i = 0; i < vs->n; i++) {
    const evs_violation *x = &vs->v[i];
    evs_buf_append_str(out, i ? ",{\"path\":" : "{\"path\":");
    (void)evs_json_append_string(out, x->path, strlen(x->path));
    evs_buf_append_str(out, ",\"json_path\":");
    (void)evs_json_append_string(out, x->json_path, strlen(x->json_path));
    evs_buf_append_str(out, ",\"rule_id\":");
    (void)evs_json_append_string(out, x->rule_id, strlen(x->rule_id));
    evs_buf_append_str(out, ",\"message\":");
    (void)evs_json_append_string(out, x->message, strlen(x->message));
    if (x->value) {
      evs_buf_append_str(out, ",\"value\":");
      evs_buf_append_str(out, x->value);
    }
    if (x->for_key) evs_buf_append_str(out, ",\"for_key\":true");
    evs_buf_append_byte(out, '}');
  }
  evs_buf_append_byte(out, ']');
  return evs_buf_status(out);
}

evs_status evs_violations_summary(const evs_violations *vs, size_t max_len, evs_buf *out) {
  if (!vs || !out || max_len < 16) return EVS_ERR_INVALID_ARG;
  evs_buf all = EVS_BUF_INIT;
  for (size_t i = 0; i < vs->n; i++) {
    const evs_violation *x = &vs->v[i];
    if (i) evs_buf_append_str(&all, "; ");
    if (*x->path) {
      evs_buf_append_str(&all, x->path);
      evs_buf_append_str(&all, ": ");
    }
    evs_buf_append_str(&all, x->message);
    evs_buf_append_str(&all, " [");
    evs_buf_append_str(&all, x->rule_id);
    evs_buf_append_byte(&all, ']');
  }
  evs_status st = evs_buf_status(&all);
  if (st == EVS_OK) {
    if (all.len <= max_len) {
      evs_buf_append(out, all.data, all.len);
    } else {
      size_t keep = max_len - 3;
      while (keep > 0 && (all.data[keep] & 0xC0) == 0x80) keep--; /* never cut a UTF-8 sequence */
      evs_buf_append(out, all.data, keep);
      evs_buf_append_str(out, "...");
    }
    st = evs_buf_status(out);
  }
  evs_buf_free(&all);
  return st;
}
