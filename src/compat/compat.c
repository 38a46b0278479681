/* The engine's entry points: options -> categories and directions, one check per (old, new) pair, version
 * lists for the transitive modes. */
#include <stdio.h>
#include <string.h>

#include "compat/compat_internal.h"

static unsigned level_categories(evs_compat_level level) {
  switch (level) {
    case EVS_COMPAT_LEVEL_WIRE:
      return EVS_COMPAT_CAT_WIRE;
    case EVS_COMPAT_LEVEL_PACKAGE:
      return EVS_COMPAT_CAT_PACKAGE;
    case EVS_COMPAT_LEVEL_FILE:
      return EVS_COMPAT_CAT_FILE;
    case EVS_COMPAT_LEVEL_WIRE_JSON:
      break;
  }
  return EVS_COMPAT_CAT_WIRE_JSON;
}

static evs_status check_options(const evs_compat_options *o, evs_error *err) {
  if (o->level && (o->level < EVS_COMPAT_LEVEL_WIRE || o->level > EVS_COMPAT_LEVEL_FILE))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "unknown compatibility level %d", (int)o->level);
  if (o->mode < EVS_COMPAT_BACKWARD || o->mode > EVS_COMPAT_FULL_TRANSITIVE)
    return evs_fail(err, EVS_ERR_INVALID_ARG, "unknown compatibility mode %d", (int)o->mode);
  if (o->n_rules && !o->rules) return evs_fail(err, EVS_ERR_INVALID_ARG, "n_rules without rules");
  for (size_t i = 0; i < o->n_messages; i++)
    if (!o->messages[i].from || !o->messages[i].to)
      return evs_fail(err, EVS_ERR_INVALID_ARG, "message pair %zu has a NULL name", i + 1);
  for (size_t i = 0; i < o->n_packages; i++)
    if (!o->packages[i].from || !o->packages[i].to)
      return evs_fail(err, EVS_ERR_INVALID_ARG, "package pair %zu has a NULL name", i + 1);
  return EVS_OK;
}

static evs_status check_pair(const evs_registry *prev, const evs_registry *cur, const evs_compat_options *o,
                             const char *against, evs_compat_report *report, evs_error *err) {
  for (size_t i = 0; i < o->n_messages; i++) {
    if (!evs_registry_require_message(prev, o->messages[i].from, err)) {
      evs_error_where(err, against && *against ? against : "old schema", NULL);
      return EVS_ERR_NOT_FOUND;
    }
    if (!evs_registry_require_message(cur, o->messages[i].to, err)) {
      evs_error_where(err, "new schema", NULL);
      return EVS_ERR_NOT_FOUND;
    }
  }
  evs_cx cx;
  memset(&cx, 0, sizeof cx);
  cx.prev = prev;
  cx.cur = cur;
  cx.opts = o;
  cx.cats = level_categories(o->level);
  evs_compat_mode base = o->mode >= EVS_COMPAT_BACKWARD_TRANSITIVE ? o->mode - 3 : o->mode;
  cx.backward = base == EVS_COMPAT_BACKWARD || base == EVS_COMPAT_FULL;
  cx.forward = base == EVS_COMPAT_FORWARD || base == EVS_COMPAT_FULL;
  cx.against = against;
  cx.report = report;
  evs_walk(&cx);
  if (cx.nomem) return evs_fail(err, EVS_ERR_NOMEM, "out of memory while comparing schemas");
  return EVS_OK;
}

evs_status evs_compat_check_versions(const evs_registry *const *versions, const char *const *labels, size_t n,
                                     const evs_compat_options *opts, evs_compat_report **out,
                                     evs_error *err) {
  evs_error_clear(err);
  if (!out) return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_check_versions: out is NULL");
  *out = NULL;
  if (!versions || n < 2) return evs_fail(err, EVS_ERR_INVALID_ARG, "need at least two schema versions");
  for (size_t i = 0; i < n; i++)
    if (!versions[i]) return evs_fail(err, EVS_ERR_INVALID_ARG, "schema version %zu is NULL", i + 1);
  evs_compat_options dflt;
  memset(&dflt, 0, sizeof dflt);
  const evs_compat_options *o = opts ? opts : &dflt;
  evs_status st = check_options(o, err);
  if (st) return st;
  evs_compat_report *report = evs_report_new();
  if (!report) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  bool transitive = o->mode >= EVS_COMPAT_BACKWARD_TRANSITIVE;
  for (size_t i = transitive ? 0 : n - 2; i + 1 < n && !st; i++) {
    /* Findings name the old version only when there are several to tell apart. */
    char label[32] = "";
    const char *against = label;
    if (n > 2) {
      snprintf(label, sizeof label, "#%zu", i + 1);
      if (labels && labels[i]) against = labels[i];
    }
    st = check_pair(versions[i], versions[n - 1], o, against, report, err);
  }
  if (st) {
    evs_compat_report_free(report);
    return st;
  }
  evs_report_finish(report);
  *out = report;
  return EVS_OK;
}

evs_status evs_compat_check(const evs_registry *prev, const evs_registry *cur, const evs_compat_options *opts,
                            evs_compat_report **out, evs_error *err) {
  if (!prev || !cur) {
    evs_error_clear(err);
    if (out) *out = NULL;
    return evs_fail(err, EVS_ERR_INVALID_ARG, "evs_compat_check: %s registry is NULL", prev ? "new" : "old");
  }
  const evs_registry *pair[2] = {prev, cur};
  return evs_compat_check_versions(pair, NULL, 2, opts, out, err);
}
