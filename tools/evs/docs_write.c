/* The content of evs docs, written once against the docs_ops interface: docs_md.c turns it into Markdown
 * pages, docs_html.c into the sections of one HTML page. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docs.h"
#include "evs/cloudevents.h"
#include "evs/compat.h"
#include "schema_text.h"

void docs_anchor(char *buf, size_t n, const char *prefix, const char *name, const char *suffix) {
  int len = snprintf(buf, n, "%s%s%s%s", prefix, name, suffix ? "-" : "", suffix ? suffix : "");
  for (int i = (int)strlen(prefix); len > 0 && i < len && (size_t)i < n; i++) {
    unsigned char ch = (unsigned char)buf[i];
    if (!isalnum(ch) && ch != '.' && ch != '_' && ch != '-') buf[i] = '-';
  }
}

void docs_page_name(const docs_catalog *c, const docs_event *e, char *buf, size_t n) {
  char base[256];
  docs_anchor(base, sizeof base, "", e->name, NULL);
  unsigned same = 0;
  for (const docs_event *p = c->events; p < e; p++) same += strcasecmp(p->name, e->name) == 0;
  if (same)
    snprintf(buf, n, "%s-%u.md", base, same + 1);
  else
    snprintf(buf, n, "%s.md", base);
}

void docs_comment_line(const char *comment, char *buf, size_t n) {
  size_t used = 0;
  if (n) buf[0] = '\0';
  for (const char *p = comment; p && *p && used + 2 < n; p++) {
    if (*p == '\n') {
      /* a blank line ends a paragraph: keep it as two spaces so a reader of the one line still sees it */
      while (used && buf[used - 1] == ' ') used--;
      buf[used++] = ' ';
      if (p[1] == '\n') buf[used++] = ' ';
      while (p[1] == '\n') p++;
    } else {
      buf[used++] = *p;
    }
  }
  if (n) buf[used < n ? used : n - 1] = '\0';
}

static const char *comment_of(const evs_source_info *src) {
  return src->leading_comment ? src->leading_comment : src->trailing_comment;
}

/* A cell or paragraph of plain text from a comment. */
static void comment_text(docs_out *o, const evs_source_info *src) {
  char buf[8192];
  docs_comment_line(comment_of(src), buf, sizeof buf);
  o->ops->text(o, buf);
}

static void heading(docs_out *o, int level, const char *anchor, const char *text, const char *code) {
  o->ops->heading_begin(o, level + o->heading_shift, anchor);
  if (text) o->ops->text(o, text);
  if (code) o->ops->code(o, code);
  o->ops->heading_end(o);
}

static void cell_text(docs_out *o, const char *s) {
  o->ops->cell_begin(o);
  o->ops->text(o, s);
  o->ops->cell_end(o);
}

static void cell_code(docs_out *o, const char *s) {
  o->ops->cell_begin(o);
  if (s && *s) o->ops->code(o, s);
  o->ops->cell_end(o);
}

static void type_link(docs_out *o, const evs_message *m, const evs_enum *en, const char *text) {
  char href[600];
  docs_anchor(href, sizeof href, "#type-", m ? m->full_name : en->full_name, NULL);
  o->ops->link(o, href, text, true);
}

static void badge_cb(void *ctx, const char *text) {
  docs_out *o = ctx;
  o->ops->badge(o, text);
}

static void field_rows(docs_out *o, const evs_message *m) {
  static const char *const cols[] = {"Field", "JSON name", "Type", "Rules", "Description"};
  o->ops->table_begin(o, cols, 5);
  for (size_t i = 0; i < m->n_fields; i++) {
    const evs_field *f = m->decl_fields[i];
    char search[512], type[512];
    snprintf(search, sizeof search, "%s %s", f->name, f->json_name);
    o->ops->row_begin(o, search);
    o->ops->cell_begin(o);
    o->ops->code(o, f->name);
    if (f->deprecated) o->ops->badge(o, "deprecated");
    o->ops->cell_end(o);
    cell_code(o, f->json_name);
    o->ops->cell_begin(o);
    schema_type_text(f, type, sizeof type);
    const evs_message *sub;
    const evs_enum *en;
    schema_field_ref(f, &sub, &en);
    if (sub || en)
      type_link(o, sub, en, type);
    else
      o->ops->code(o, type);
    o->ops->cell_end(o);
    o->ops->cell_begin(o);
    if (f->oneof) {
      /* the catalog's presence idiom (a oneof of one field named _<field>) reads as "optional" */
      char name[300];
      snprintf(name, sizeof name, "_%s", f->name);
      if (f->oneof->synthetic || (f->oneof->n_fields == 1 && strcmp(f->oneof->name, name) == 0)) {
        o->ops->badge(o, "optional");
      } else {
        snprintf(name, sizeof name, "oneof %s%s", f->oneof->name, f->oneof->required ? " (required)" : "");
        o->ops->badge(o, name);
      }
    }
    schema_rules_each(f->rules, badge_cb, o);
    o->ops->cell_end(o);
    o->ops->cell_begin(o);
    comment_text(o, &f->src);
    o->ops->cell_end(o);
    o->ops->row_end(o);
  }
  o->ops->table_end(o);
}

static void location(docs_out *o, const evs_source_info *src, const char *kind, const char *full_name) {
  char where[600];
  o->ops->para_begin(o);
  o->ops->text(o, kind);
  o->ops->code(o, full_name);
  if (src->line)
    snprintf(where, sizeof where, "%s:%u", src->file, (unsigned)src->line);
  else
    snprintf(where, sizeof where, "%s", src->file);
  o->ops->text(o, ", defined in ");
  o->ops->code(o, where);
  if (comment_of(src)) {
    o->ops->text(o, ". ");
    comment_text(o, src);
  }
  o->ops->para_end(o);
}

void docs_write_type(const docs_catalog *c, const evs_message *m, const evs_enum *en, docs_out *o,
                     int level) {
  (void)c;
  char anchor[600];
  docs_anchor(anchor, sizeof anchor, "type-", m ? m->full_name : en->full_name, NULL);
  heading(o, level, anchor, NULL, m ? m->full_name : en->full_name);
  if (m) {
    location(o, &m->src, "Message ", m->full_name);
    if (m->n_fields)
      field_rows(o, m);
    else
      o->ops->para_begin(o), o->ops->text(o, "No fields."), o->ops->para_end(o);
    return;
  }
  location(o, &en->src, "Enum ", en->full_name);
  static const char *const cols[] = {"Value", "Number", "Description"};
  o->ops->table_begin(o, cols, 3);
  for (size_t i = 0; i < en->n_values; i++) {
    const evs_enum_value *v = &en->values[i];
    char num[32];
    snprintf(num, sizeof num, "%d", (int)v->number);
    o->ops->row_begin(o, v->name);
    o->ops->cell_begin(o);
    o->ops->code(o, v->name);
    if (v->deprecated) o->ops->badge(o, "deprecated");
    o->ops->cell_end(o);
    cell_text(o, num);
    o->ops->cell_begin(o);
    comment_text(o, &v->src);
    o->ops->cell_end(o);
    o->ops->row_end(o);
  }
  o->ops->table_end(o);
}

/* ---- CloudEvents headers ---- */

static const struct {
  const char *header, *meaning;
} k_header_meaning[] = {
    {"ce_specversion", "CloudEvents version"},
    {"ce_id",
     "unique id of the event: a new UUIDv7 unless the producer gives one; consumers deduplicate on "
     "(ce_source, ce_id)"},
    {"ce_source", "the producer's source (evs default: /evs)"},
    {"ce_type", "the event type"},
    {"ce_time", "when the event happened: RFC 3339, UTC, milliseconds"},
    {"ce_subject", "only when the producer gives one"},
    {"ce_dataschema", "evs: and the message's full name"},
    {"content-type",
     "the record value is the protobuf encoding of the message "
     "(application/vnd.confluent.protobuf when Confluent-framed)"},
    {"ce_schemaversion", "the message's schema version (evs extension)"},
    {"ce_correlationid", "only when given: the correlation id (evs extension)"},
    {"ce_causationid", "only when given: the id of the event that caused this one (evs extension)"},
    {"ce_tags", "only when given: k=v pairs joined by &, keys sorted, percent-encoded (evs extension)"},
};

static int headers_section(const docs_catalog *c, const evs_event_type *et, docs_out *o) {
  char dataschema[600];
  snprintf(dataschema, sizeof dataschema, "evs:%s", et->message->full_name);
  evs_ce_event ev = {
      .specversion = "1.0",
      .id = "0194a734-2500-7000-8000-000000000000",
      .source = "/evs",
      .type = et->name,
      .time = DOCS_EXAMPLE_TIME_MS,
      .subject = "example-subject",
      .dataschema = dataschema,
      .content_type = "application/protobuf",
      .schema_version = *et->schema_version ? et->schema_version : NULL,
      .correlation_id = "0194a734-2500-7000-8000-0000000000c0",
      .causation_id = "0194a734-2500-7000-8000-0000000000ca",
      .tags = "env=prod",
  };
  evs_ce_header hs[EVS_CE_MAX_HEADERS];
  size_t n = 0;
  evs_error err;
  evs_violations vs;
  evs_violations_init(&vs);
  /* the same checks the producer applies: the header mapping's and the envelope's rules */
  if (evs_ce_to_headers(&ev, hs, &n, &err) != EVS_OK) return cli_fail(c->cmd, &err);
  evs_status st = evs_validate_event(c->validator, &ev, 0, &vs, &err);
  evs_violations_free(&vs);
  if (st != EVS_OK)
    return cli_failf(c->cmd, "the example headers of %s break the envelope's rules: %s", et->name, err.msg);

  heading(o, 2, NULL, "CloudEvents headers", NULL);
  o->ops->para_begin(o);
  o->ops->text(o,
               "The Kafka record carries the event in CloudEvents binary content mode: the value is the "
               "message's protobuf encoding, the key is the ");
  const evs_event_options *opt = et->message->event;
  if (opt && opt->partition_key) {
    o->ops->code(o, opt->partition_key);
    o->ops->text(o, " field's value");
  } else {
    o->ops->text(o, "producer's choice (no partition key field)");
  }
  o->ops->text(o, ", and these headers, in this order, hold the attributes (example values):");
  o->ops->para_end(o);
  static const char *const cols[] = {"Header", "Example", "Meaning"};
  o->ops->table_begin(o, cols, 3);
  for (size_t i = 0; i < n; i++) {
    char value[512];
    snprintf(value, sizeof value, "%.*s", (int)hs[i].value_len, (const char *)hs[i].value);
    o->ops->row_begin(o, hs[i].name);
    cell_code(o, hs[i].name);
    cell_code(o, value);
    const char *meaning = "";
    for (size_t k = 0; k < sizeof k_header_meaning / sizeof k_header_meaning[0]; k++)
      if (strcmp(k_header_meaning[k].header, hs[i].name) == 0) meaning = k_header_meaning[k].meaning;
    cell_text(o, meaning);
    o->ops->row_end(o);
  }
  o->ops->table_end(o);
  return CLI_EXIT_OK;
}

/* ---- version history ---- */

static void fields_diff(docs_out *o, const evs_message *a, const evs_message *b, bool added) {
  const evs_message *from = added ? b : a, *other = added ? a : b;
  bool any = false;
  for (size_t i = 0; i < from->n_fields; i++) {
    const evs_field *f = from->decl_fields[i];
    if (evs_message_field_by_number(other, f->number)) continue;
    if (!any) {
      o->ops->item_begin(o);
      o->ops->text(o, added ? "Fields added: " : "Fields removed: ");
    } else {
      o->ops->text(o, ", ");
    }
    any = true;
    char num[300];
    snprintf(num, sizeof num, "%s = %u", f->name, (unsigned)f->number);
    o->ops->code(o, num);
  }
  if (any) o->ops->item_end(o);
}

static int compat_item(const docs_catalog *c, docs_out *o, const evs_event_type *old,
                       const evs_event_type *new, evs_compat_mode mode) {
  evs_compat_rename pair = {old->message->full_name, new->message->full_name};
  evs_compat_options opts = {.mode = mode, .messages = &pair, .n_messages = 1};
  evs_compat_report *rep = NULL;
  evs_error err;
  if (evs_compat_check(c->reg, c->reg, &opts, &rep, &err) != EVS_OK) return cli_fail(c->cmd, &err);
  size_t n = 0;
  const evs_compat_finding *fs = evs_compat_report_findings(rep, &n);
  size_t bad = evs_compat_report_violations(rep);
  char text[512];
  bool backward = mode == EVS_COMPAT_BACKWARD;
  snprintf(text, sizeof text, " %s: a %s reader %s %s events", backward ? "Backward" : "Forward",
           backward ? new->schema_version : old->schema_version, bad ? "cannot read all" : "reads",
           backward ? old->schema_version : new->schema_version);
  o->ops->item_begin(o);
  o->ops->badge(o, bad ? "breaking" : "compatible");
  o->ops->text(o, text);
  for (size_t i = 0; i < n; i++) {
    o->ops->text(o, i ? "; " : ": ");
    o->ops->code(o, fs[i].rule_id);
    o->ops->text(o, " ");
    o->ops->text(o, fs[i].message);
  }
  o->ops->text(o, ".");
  o->ops->item_end(o);
  evs_compat_report_free(rep);
  return CLI_EXIT_OK;
}

static int history_section(const docs_catalog *c, const docs_event *e, docs_out *o) {
  heading(o, 2, NULL, "Version history", NULL);
  o->ops->para_begin(o);
  o->ops->text(o, "What ");
  o->ops->code(o, "evs breaking");
  o->ops->text(o, " (level wire-json: binary and JSON readers) says between consecutive versions:");
  o->ops->para_end(o);
  for (size_t i = e->n_versions - 1; i > 0; i--) {
    const evs_event_type *old = &e->versions[i - 1], *new = &e->versions[i];
    char title[256];
    snprintf(title, sizeof title, "%s to %s", old->schema_version, new->schema_version);
    heading(o, 3, NULL, title, NULL);
    o->ops->item_begin(o);
    o->ops->code(o, old->message->full_name);
    o->ops->text(o, " to ");
    o->ops->code(o, new->message->full_name);
    o->ops->item_end(o);
    fields_diff(o, old->message, new->message, true);
    fields_diff(o, old->message, new->message, false);
    int rc = compat_item(c, o, old, new, EVS_COMPAT_BACKWARD);
    if (rc == CLI_EXIT_OK) rc = compat_item(c, o, old, new, EVS_COMPAT_FORWARD);
    o->ops->list_end(o);
    if (rc != CLI_EXIT_OK) return rc;
  }
  return CLI_EXIT_OK;
}

/* ---- one event type ---- */

static void fact_row(docs_out *o, const char *name, const char *code) {
  o->ops->row_begin(o, NULL);
  cell_text(o, name);
  cell_code(o, code ? code : "");
  o->ops->row_end(o);
}

static void facts(const docs_catalog *c, const docs_event *e, const evs_event_type *et, docs_out *o) {
  (void)c;
  const evs_event_options *opt = et->message->event;
  static const char *const cols[] = {"", ""};
  o->ops->table_begin(o, cols, 2);
  fact_row(o, "Event type", et->name);
  o->ops->row_begin(o, NULL);
  cell_text(o, "Schema version");
  o->ops->cell_begin(o);
  o->ops->code(o, *et->schema_version ? et->schema_version : "-");
  for (size_t i = e->n_versions, shown = 0; i-- > 0;) {
    const evs_event_type *v = &e->versions[i];
    if (v == et) continue;
    o->ops->text(o, shown++ ? ", " : " (also ");
    char href[600];
    docs_anchor(href, sizeof href, "#event-", e->name,
                v == &e->versions[e->n_versions - 1] ? NULL : v->schema_version);
    o->ops->link(o, href, v->schema_version, false);
    if (i == 0 || (i == 1 && &e->versions[0] == et)) o->ops->text(o, ")");
  }
  o->ops->cell_end(o);
  o->ops->row_end(o);
  o->ops->row_begin(o, NULL);
  cell_text(o, "Message");
  o->ops->cell_begin(o);
  type_link(o, et->message, NULL, et->message->full_name);
  o->ops->cell_end(o);
  o->ops->row_end(o);
  fact_row(o, "Topic", opt ? opt->topic : NULL);
  fact_row(o, "Partition key", opt ? opt->partition_key : NULL);
  if (opt && opt->type_field) fact_row(o, "Type field", opt->type_field);
  if (opt && opt->n_types > 1) {
    char n[64];
    snprintf(n, sizeof n, "%zu event types", opt->n_types);
    o->ops->row_begin(o, NULL);
    cell_text(o, "Message carries");
    cell_text(o, n);
    o->ops->row_end(o);
  }
  o->ops->table_end(o);
}

static int write_version(const docs_catalog *c, const docs_event *e, const evs_event_type *et, docs_out *o,
                         bool with_types, schema_types *written) {
  int rc = CLI_EXIT_OK;
  facts(c, e, et, o);
  if (comment_of(&et->message->src)) {
    o->ops->para_begin(o);
    comment_text(o, &et->message->src);
    o->ops->para_end(o);
  }
  char anchor[600];
  docs_anchor(anchor, sizeof anchor, "type-", et->message->full_name, NULL);
  bool first = with_types && !schema_types_has(written, et->message, NULL);
  heading(o, 2, first ? anchor : NULL, "Fields of ", et->message->full_name);
  if (first) schema_types_add(written, et->message, NULL);
  field_rows(o, et->message);
  if (with_types) {
    schema_types reach;
    schema_types_collect(&reach, et->message, NULL);
    bool any = false;
    for (size_t i = 1; i < reach.n; i++) {
      if (schema_types_has(written, reach.items[i].msg, reach.items[i].en)) continue;
      if (!any) heading(o, 2, NULL, "Nested types", NULL);
      any = true;
      schema_types_add(written, reach.items[i].msg, reach.items[i].en);
      docs_write_type(c, reach.items[i].msg, reach.items[i].en, o, 3);
    }
  }
  if ((rc = headers_section(c, et, o)) != CLI_EXIT_OK) return rc;
  heading(o, 2, NULL, "Example", NULL);
  evs_buf ex = EVS_BUF_INIT;
  rc = docs_example(c->cmd, c->reg, c->validator, et, &ex);
  if (rc == CLI_EXIT_OK) {
    o->ops->para_begin(o);
    o->ops->text(o, "A payload in canonical JSON that passes ");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "evs validate --type %s", et->message->full_name);
    o->ops->code(o, cmd);
    o->ops->text(o, " (generated from the rules; times are " DOCS_EXAMPLE_TIME "):");
    o->ops->para_end(o);
    o->ops->code_block(o, "json", (const char *)ex.data);
  }
  evs_buf_free(&ex);
  return rc;
}

int docs_write_event(const docs_catalog *c, const docs_event *e, docs_out *o, bool with_types) {
  const evs_event_type *newest = &e->versions[e->n_versions - 1];
  char anchor[600];
  schema_types written = {.n = 0};
  docs_anchor(anchor, sizeof anchor, "event-", e->name, NULL);
  heading(o, 1, anchor, NULL, e->name);
  int rc = write_version(c, e, newest, o, with_types, &written);
  if (rc == CLI_EXIT_OK && e->n_versions > 1) rc = history_section(c, e, o);
  for (size_t i = e->n_versions - 1; rc == CLI_EXIT_OK && i-- > 0;) {
    const evs_event_type *et = &e->versions[i];
    char title[300];
    docs_anchor(anchor, sizeof anchor, "event-", e->name, et->schema_version);
    snprintf(title, sizeof title, "Schema version %s", et->schema_version);
    heading(o, 2, anchor, title, NULL);
    o->heading_shift++;
    rc = write_version(c, e, et, o, with_types, &written);
    o->heading_shift--;
  }
  return rc;
}

/* The first sentence of a comment. */
static void first_sentence(const char *comment, char *buf, size_t n) {
  docs_comment_line(comment, buf, n);
  char *dot = strstr(buf, ". ");
  if (dot) dot[1] = '\0';
}

void docs_write_index(const docs_catalog *c, docs_out *o, const char *page_suffix) {
  static const char *const cols[] = {"Event type", "Versions", "Message", "Topic", "Key", "Description"};
  o->ops->table_begin(o, cols, 6);
  for (size_t i = 0; i < c->n_events; i++) {
    const docs_event *e = &c->events[i];
    const evs_event_type *newest = &e->versions[e->n_versions - 1];
    const evs_event_options *opt = newest->message->event;
    char href[600], versions[256], desc[2048];
    if (page_suffix)
      docs_page_name(c, e, href, sizeof href);
    else
      docs_anchor(href, sizeof href, "#event-", e->name, NULL);
    size_t used = 0;
    versions[0] = '\0';
    for (size_t k = 0; k < e->n_versions && used < sizeof versions; k++)
      used += (size_t)snprintf(versions + used, sizeof versions - used, "%s%s", k ? ", " : "",
                               *e->versions[k].schema_version ? e->versions[k].schema_version : "-");
    o->ops->row_begin(o, e->name);
    o->ops->cell_begin(o);
    o->ops->link(o, href, e->name, true);
    o->ops->cell_end(o);
    cell_text(o, versions);
    cell_code(o, newest->message->full_name);
    cell_code(o, opt ? opt->topic : NULL);
    cell_code(o, opt ? opt->partition_key : NULL);
    first_sentence(comment_of(&newest->message->src), desc, sizeof desc);
    cell_text(o, desc);
    o->ops->row_end(o);
  }
  o->ops->table_end(o);
}
