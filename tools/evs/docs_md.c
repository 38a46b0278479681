/* The Markdown backend of evs docs (GitHub-flavoured: tables, fenced code, <a id> anchors). */
#include <string.h>

#include "docs.h"

/* Text with Markdown's special characters escaped; inside a table cell a newline would end the row. */
static void esc(FILE *f, const char *s) {
  for (; *s; s++) {
    if (strchr("\\`*_[]<>|#", *s))
      fprintf(f, "\\%c", *s);
    else
      fputc(*s == '\n' ? ' ' : *s, f);
  }
}

static void md_text(docs_out *o, const char *s) {
  esc(o->f, s);
  o->written++;
}

/* A code span: GFM ends one at a backtick run of the same length, so the fence is longer than any run
 * inside; '|' stays escaped because the table parser runs first. */
static void md_code_span(FILE *f, const char *s) {
  size_t run = 0, longest = 0;
  for (const char *p = s; *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  char fence[8] = "`";
  if (longest) snprintf(fence, sizeof fence, "%.*s", (int)(longest + 1 < 7 ? longest + 1 : 7), "```````");
  fputs(fence, f);
  if (longest || *s == '`') fputc(' ', f);
  for (; *s; s++) {
    if (*s == '|')
      fputs("\\|", f);
    else
      fputc(*s == '\n' ? ' ' : *s, f);
  }
  if (longest) fputc(' ', f);
  fputs(fence, f);
}

static void md_code(docs_out *o, const char *s) {
  md_code_span(o->f, s);
  o->written++;
}

static void md_link(docs_out *o, const char *href, const char *s, bool code) {
  fputc('[', o->f);
  if (code)
    md_code_span(o->f, s);
  else
    esc(o->f, s);
  fprintf(o->f, "](%s)", href);
  o->written++;
}

static void md_badge(docs_out *o, const char *s) {
  if (o->written) fputc(' ', o->f);
  md_code(o, s);
}

static void md_heading_begin(docs_out *o, int level, const char *anchor) {
  fprintf(o->f, "\n%.*s ", level > 6 ? 6 : level, "######");
  if (anchor) fprintf(o->f, "<a id=\"%s\"></a>", anchor);
  o->written = 0;
}

static void md_line_end(docs_out *o) {
  fputc('\n', o->f);
}

static void md_para_begin(docs_out *o) {
  fputc('\n', o->f);
  o->written = 0;
}

static void md_table_begin(docs_out *o, const char *const *headers, size_t n) {
  fputs("\n|", o->f);
  for (size_t i = 0; i < n; i++) {
    fputc(' ', o->f);
    esc(o->f, headers[i]);
    fputs(" |", o->f);
  }
  fputs("\n|", o->f);
  for (size_t i = 0; i < n; i++) fputs(" --- |", o->f);
  fputc('\n', o->f);
}

static void md_row_begin(docs_out *o, const char *search) {
  (void)search;
  fputc('|', o->f);
}

static void md_cell_begin(docs_out *o) {
  fputc(' ', o->f);
  o->written = 0;
}

static void md_cell_end(docs_out *o) {
  fputs(" |", o->f);
}

static void md_nothing(docs_out *o) {
  (void)o;
}

static void md_code_block(docs_out *o, const char *lang, const char *text) {
  fprintf(o->f, "\n```%s\n%s\n```\n", lang, text);
}

static void md_item_begin(docs_out *o) {
  if (!o->in_list) fputc('\n', o->f);
  o->in_list = true;
  fputs("- ", o->f);
  o->written = 0;
}

static void md_list_end(docs_out *o) {
  o->in_list = false;
}

const docs_ops docs_md_ops = {
    .text = md_text,
    .code = md_code,
    .link = md_link,
    .badge = md_badge,
    .heading_begin = md_heading_begin,
    .heading_end = md_line_end,
    .para_begin = md_para_begin,
    .para_end = md_line_end,
    .table_begin = md_table_begin,
    .row_begin = md_row_begin,
    .cell_begin = md_cell_begin,
    .cell_end = md_cell_end,
    .row_end = md_line_end,
    .table_end = md_nothing,
    .code_block = md_code_block,
    .item_begin = md_item_begin,
    .item_end = md_line_end,
    .list_end = md_list_end,
};
