/* The HTML backend of evs docs: one self-contained page (inline CSS and JS, no request to the network,
 * works from file://) with a sidebar, a search box filtering event types, messages and fields as you
 * type, and an anchor on every event type, message and enum. */
#include <string.h>

#include "docs.h"
#include "schema_text.h"

static void esc_n(FILE *f, const char *s, size_t n) {
  for (; n && *s; s++, n--) {
    switch (*s) {
      case '&':
        fputs("&amp;", f);
        break;
      case '<':
        fputs("&lt;", f);
        break;
      case '>':
        fputs("&gt;", f);
        break;
      case '"':
        fputs("&quot;", f);
        break;
      case '\'':
        fputs("&#39;", f);
        break;
      default:
        fputc(*s, f);
    }
  }
}

static void esc(FILE *f, const char *s) {
  esc_n(f, s, (size_t)-1);
}

static void h_text(docs_out *o, const char *s) {
  esc(o->f, s);
}

/* Long dotted names (messages, types) may break after a dot, and only there. */
static void h_code(docs_out *o, const char *s) {
  fputs("<code>", o->f);
  for (const char *dot; (dot = strchr(s, '.')) && dot[1];) {
    esc_n(o->f, s, (size_t)(dot + 1 - s));
    fputs("<wbr>", o->f);
    s = dot + 1;
  }
  esc(o->f, s);
  fputs("</code>", o->f);
}

static void h_link(docs_out *o, const char *href, const char *s, bool code) {
  fputs("<a href=\"", o->f);
  esc(o->f, href);
  fputs("\">", o->f);
  if (code)
    h_code(o, s);
  else
    esc(o->f, s);
  fputs("</a>", o->f);
}

/* Colour by kind: what a producer must do (required), what a reader should know (deprecated, breaking). */
static void h_badge(docs_out *o, const char *s) {
  static const char *const kinds[] = {"required", "deprecated", "optional",
                                      "breaking", "compatible", "oneof"};
  const char *kind = "rule";
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strncmp(s, kinds[i], strlen(kinds[i])) == 0) kind = kinds[i];
  fprintf(o->f, "<span class=\"badge %s\">", kind);
  esc(o->f, s);
  fputs("</span>", o->f);
}

static void h_heading_begin(docs_out *o, int level, const char *anchor) {
  level = level > 6 ? 6 : level;
  snprintf(o->anchor, sizeof o->anchor, "%s", anchor ? anchor : "");
  fprintf(o->f, "<h%d", level);
  if (anchor) {
    fputs(" id=\"", o->f);
    esc(o->f, anchor);
    fputs("\"", o->f);
  }
  fputs(">", o->f);
  o->level = level;
}

static void h_heading_end(docs_out *o) {
  if (o->anchor[0]) {
    fputs(" <a class=\"permalink\" aria-label=\"link to this section\" href=\"#", o->f);
    esc(o->f, o->anchor);
    fputs("\">#</a>", o->f);
  }
  fprintf(o->f, "</h%d>\n", o->level);
}

static void h_para_begin(docs_out *o) {
  fputs("<p>", o->f);
}
static void h_para_end(docs_out *o) {
  fputs("</p>\n", o->f);
}

static void h_table_begin(docs_out *o, const char *const *headers, size_t n) {
  o->n_headers = n < 8 ? n : 8;
  bool named = false;
  for (size_t i = 0; i < o->n_headers; i++) {
    o->headers[i] = headers[i];
    named = named || *headers[i];
  }
  fprintf(o->f, "<div class=\"tw\"><table class=\"%s\">", named ? "grid" : "facts");
  if (named) {
    fputs("<thead><tr>", o->f);
    for (size_t i = 0; i < n; i++) {
      fputs("<th>", o->f);
      esc(o->f, headers[i]);
      fputs("</th>", o->f);
    }
    fputs("</tr></thead>", o->f);
  }
  fputs("<tbody>\n", o->f);
}

static void h_row_begin(docs_out *o, const char *search) {
  fputs("<tr", o->f);
  if (search) {
    fputs(" data-s=\"", o->f);
    esc(o->f, search);
    fputs("\"", o->f);
  }
  fputs(">", o->f);
  o->column = 0;
}

static void h_cell_begin(docs_out *o) {
  const char *label = o->column < o->n_headers ? o->headers[o->column] : "";
  fputs("<td", o->f);
  if (*label) {
    fputs(" data-label=\"", o->f);
    esc(o->f, label);
    fputs("\"", o->f);
  }
  fputs(">", o->f);
  o->column++;
}

static void h_cell_end(docs_out *o) {
  fputs("</td>", o->f);
}
static void h_row_end(docs_out *o) {
  fputs("</tr>\n", o->f);
}
static void h_table_end(docs_out *o) {
  fputs("</tbody></table></div>\n", o->f);
}

static void h_code_block(docs_out *o, const char *lang, const char *text) {
  fprintf(o->f, "<pre class=\"%s\"><code>", lang);
  esc(o->f, text);
  fputs("</code></pre>\n", o->f);
}

static void h_item_begin(docs_out *o) {
  if (!o->in_list) fputs("<ul>", o->f);
  o->in_list = true;
  fputs("<li>", o->f);
}

static void h_item_end(docs_out *o) {
  fputs("</li>\n", o->f);
}

static void h_list_end(docs_out *o) {
  if (o->in_list) fputs("</ul>\n", o->f);
  o->in_list = false;
}

static const docs_ops k_html_ops = {
    .text = h_text,
    .code = h_code,
    .link = h_link,
    .badge = h_badge,
    .heading_begin = h_heading_begin,
    .heading_end = h_heading_end,
    .para_begin = h_para_begin,
    .para_end = h_para_end,
    .table_begin = h_table_begin,
    .row_begin = h_row_begin,
    .cell_begin = h_cell_begin,
    .cell_end = h_cell_end,
    .row_end = h_row_end,
    .table_end = h_table_end,
    .code_block = h_code_block,
    .item_begin = h_item_begin,
    .item_end = h_item_end,
    .list_end = h_list_end,
};

static const char k_css[] =
#include "docs_html_css.inc"
    ;
static const char k_js[] =
#include "docs_html_js.inc"
    ;

/* What the search matches a section by: its names and the names of the fields it shows. */
static void search_text(FILE *f, const char *name, const schema_types *types) {
  fputs(" data-s=\"", f);
  esc(f, name);
  for (size_t i = 0; i < types->n; i++) {
    const evs_message *m = types->items[i].msg;
    const evs_enum *en = types->items[i].en;
    fputc(' ', f);
    esc(f, m ? m->full_name : en->full_name);
    for (size_t k = 0; m && k < m->n_fields; k++) {
      fputc(' ', f);
      esc(f, m->decl_fields[k]->name);
      if (strcmp(m->decl_fields[k]->name, m->decl_fields[k]->json_name) != 0) {
        fputc(' ', f);
        esc(f, m->decl_fields[k]->json_name);
      }
    }
  }
  fputs("\"", f);
}

/* A sidebar entry, found by the search as its section is. */
static void nav_item(FILE *f, const char *href_prefix, const char *name, const char *search_name,
                     const schema_types *search, bool is_enum) {
  char href[600];
  docs_anchor(href, sizeof href, href_prefix, name, NULL);
  fputs("<li", f);
  search_text(f, search_name, search);
  fputs("><a href=\"", f);
  esc(f, href);
  fputs("\">", f);
  esc(f, name);
  fputs(is_enum ? " <small>enum</small></a></li>\n" : "</a></li>\n", f);
}

int docs_write_html(const docs_catalog *c, FILE *f) {
  /* every message and enum the event types reach, sorted by full name (the registry's order) */
  schema_types all = {.n = 0};
  for (size_t i = 0; i < c->n_events; i++)
    for (size_t v = 0; v < c->events[i].n_versions; v++) {
      schema_types reach;
      schema_types_collect(&reach, c->events[i].versions[v].message, NULL);
      for (size_t k = 0; k < reach.n; k++) schema_types_add(&all, reach.items[k].msg, reach.items[k].en);
    }
  size_t n_msgs = 0, n_enums = 0;
  const evs_message *const *msgs = evs_registry_messages(c->reg, &n_msgs);
  const evs_enum *const *enums = evs_registry_enums(c->reg, &n_enums);
  schema_types sorted = {.n = 0};
  for (size_t i = 0; i < n_msgs; i++)
    if (schema_types_has(&all, msgs[i], NULL)) schema_types_add(&sorted, msgs[i], NULL);
  for (size_t i = 0; i < n_enums; i++)
    if (schema_types_has(&all, NULL, enums[i])) schema_types_add(&sorted, NULL, enums[i]);

  fputs(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"evs docs\">\n<title>Event catalog</title>\n<style>\n",
      f);
  fputs(k_css, f);
  fputs(
      "</style>\n</head>\n<body>\n<header class=\"top\"><a class=\"brand\" href=\"#index\">Event catalog</a>"
      "<input id=\"q\" type=\"search\" placeholder=\"Search event types, messages, fields\" "
      "aria-label=\"Search event types, messages and fields\" autocomplete=\"off\">"
      "<span id=\"count\" aria-live=\"polite\"></span></header>\n<div class=\"layout\">\n<nav id=\"nav\">\n"
      "<h2>Event types</h2>\n<ul>\n",
      f);
  for (size_t i = 0; i < c->n_events; i++) {
    const docs_event *e = &c->events[i];
    schema_types reach;
    schema_types_collect(&reach, e->versions[e->n_versions - 1].message, NULL);
    nav_item(f, "#event-", e->name, e->name, &reach, false);
  }
  fputs("</ul>\n<h2>Messages and enums</h2>\n<ul>\n", f);
  for (size_t i = 0; i < sorted.n; i++) {
    const char *name = sorted.items[i].msg ? sorted.items[i].msg->full_name : sorted.items[i].en->full_name;
    schema_types one = {.items = {sorted.items[i]}, .n = 1};
    nav_item(f, "#type-", name, "", &one, sorted.items[i].en != NULL);
  }
  fputs("</ul>\n</nav>\n<main>\n<section id=\"index\" class=\"doc\">\n<h1>Event catalog</h1>\n", f);
  fprintf(
      f,
      "<p>%zu event types. Each section shows the message, its fields and rules, the CloudEvents headers the "
      "event travels with on Kafka, an example that passes <code>evs validate</code> and the version "
      "history. Type in the search box to filter; every heading has a link to share.</p>\n",
      c->n_events);
  docs_out o = {.ops = &k_html_ops, .f = f, .heading_shift = 1};
  docs_write_index(c, &o, NULL);
  fputs("</section>\n", f);
  int rc = CLI_EXIT_OK;
  for (size_t i = 0; rc == CLI_EXIT_OK && i < c->n_events; i++) {
    const docs_event *e = &c->events[i];
    schema_types reach = {.n = 0};
    for (size_t v = 0; v < e->n_versions; v++) {
      schema_types one;
      schema_types_collect(&one, e->versions[v].message, NULL);
      for (size_t k = 0; k < one.n; k++) schema_types_add(&reach, one.items[k].msg, one.items[k].en);
    }
    fputs("<section class=\"doc event\"", f);
    search_text(f, e->name, &reach);
    fputs(">\n", f);
    rc = docs_write_event(c, e, &o, false);
    fputs("</section>\n", f);
  }
  fputs("<h1 class=\"part\">Messages and enums</h1>\n", f);
  for (size_t i = 0; rc == CLI_EXIT_OK && i < sorted.n; i++) {
    schema_types one = {.items = {sorted.items[i]}, .n = 1};
    fputs("<section class=\"doc type\"", f);
    search_text(f, "", &one);
    fputs(">\n", f);
    docs_write_type(c, sorted.items[i].msg, sorted.items[i].en, &o, 1);
    fputs("</section>\n", f);
  }
  fputs("<p id=\"none\" hidden>Nothing matches the search.</p>\n</main>\n</div>\n<script>\n", f);
  fputs(k_js, f);
  fputs("</script>\n</body>\n</html>\n", f);
  return rc;
}
