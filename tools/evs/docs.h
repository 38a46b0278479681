/* evs docs (cmd_docs.c): the catalog as Markdown pages and as one HTML page. What the two forms share:
 * the example generator (docs_example.c), the document written once against an output interface
 * (docs_write.c) and the two backends (docs_md.c, docs_html.c). */
#ifndef EVS_DOCS_H
#define EVS_DOCS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "evs/buf.h"
#include "evs/registry.h"
#include "evs/validate.h"

/* The instant the examples are set at, and the validator's clock while it checks them, so that the
 * output does not change from run to run and the time-relative rules (within, max_future) still pass. */
#define DOCS_EXAMPLE_TIME "2025-01-27T10:00:00Z"
#define DOCS_EXAMPLE_TIME_MS "2025-01-27T10:00:00.000Z"
#define DOCS_EXAMPLE_UNIX 1737972000

/* A JSON document of event type et that passes the validator (whose clock must read DOCS_EXAMPLE_TIME),
 * pretty canonical ProtoJSON, appended to out. On failure prints why (the violations and the generated
 * document) and returns CLI_EXIT_FAIL. */
int docs_example(const cli_cmd *cmd, const evs_registry *reg, const evs_validator *v,
                 const evs_event_type *et, evs_buf *out);

/* The validator clock for the examples. */
void docs_example_clock(void *ctx, int64_t *seconds, int32_t *nanos);

/* ---- the output interface ---- */

/* Inline pieces are written into the current block (paragraph, cell, heading, list item). */
typedef struct docs_out docs_out;
typedef struct docs_ops {
  void (*text)(docs_out *o, const char *s);                              /* plain text */
  void (*code)(docs_out *o, const char *s);                              /* inline code */
  void (*link)(docs_out *o, const char *href, const char *s, bool code); /* "#anchor" or "page.md" */
  void (*badge)(docs_out *o, const char *s);                             /* a rule */
  void (*heading_begin)(docs_out *o, int level, const char *anchor);
  void (*heading_end)(docs_out *o);
  void (*para_begin)(docs_out *o);
  void (*para_end)(docs_out *o);
  void (*table_begin)(docs_out *o, const char *const *headers, size_t n);
  void (*row_begin)(docs_out *o, const char *search); /* search: the row's words for the HTML filter */
  void (*cell_begin)(docs_out *o);
  void (*cell_end)(docs_out *o);
  void (*row_end)(docs_out *o);
  void (*table_end)(docs_out *o);
  void (*code_block)(docs_out *o, const char *lang, const char *text);
  void (*item_begin)(docs_out *o); /* a bullet list item; consecutive items form one list */
  void (*item_end)(docs_out *o);
  void (*list_end)(docs_out *o);
} docs_ops;

struct docs_out {
  const docs_ops *ops;
  FILE *f;
  int heading_shift; /* added to every heading level (an older version's section sits one level lower) */
  size_t written;    /* inline pieces written into the current block (for separators between badges) */
  bool in_list;
  char anchor[600];         /* HTML: the open heading's anchor (its permalink) */
  int level;                /* HTML: the open heading's level */
  const char *headers[8];   /* HTML: the open table's column names (labels of the cells in a narrow window) */
  size_t n_headers, column; /* HTML: the next cell's column */
};

/* One event type name with all its versions (ascending), from the registry's sorted list. */
typedef struct docs_event {
  const char *name;
  const evs_event_type *versions; /* n_versions consecutive entries */
  size_t n_versions;
} docs_event;

typedef struct docs_catalog {
  const cli_cmd *cmd;
  const evs_registry *reg;
  const evs_validator *validator;
  docs_event *events;
  size_t n_events;
} docs_catalog;

/* Anchors: "event-<name>" for an event type (its newest version), "event-<name>-<version>" for each
 * version, "type-<full name>" for a message or enum; characters other than [A-Za-z0-9._-] become '-'. */
void docs_anchor(char *buf, size_t n, const char *prefix, const char *name, const char *suffix);

/* A comment as one line of text (lines joined by spaces; paragraphs by two spaces), "" for NULL. */
void docs_comment_line(const char *comment, char *buf, size_t n);

/* The whole content of one event type: header facts, description, fields, CloudEvents headers, example,
 * version history, older versions. `with_types`: the messages and enums it reaches follow (Markdown page);
 * else they are left to a types part (HTML). Returns CLI_EXIT_OK or a failure already printed. */
int docs_write_event(const docs_catalog *c, const docs_event *e, docs_out *o, bool with_types);
/* A message or an enum: heading with its anchor, location, description, field or value table. */
void docs_write_type(const docs_catalog *c, const evs_message *m, const evs_enum *en, docs_out *o, int level);
/* The index table of every event type; page_suffix: each name links to "<slug><suffix>" when not NULL
 * (Markdown pages), else to its anchor. */
void docs_write_index(const docs_catalog *c, docs_out *o, const char *page_suffix);
/* The Markdown page of an event type: its name with characters outside [A-Za-z0-9._-] as '-', "-2" ...
 * added when an earlier name differs only in case (case-insensitive file systems), then ".md". */
void docs_page_name(const docs_catalog *c, const docs_event *e, char *buf, size_t n);

extern const docs_ops docs_md_ops;

/* The HTML page (docs_html.c). */
int docs_write_html(const docs_catalog *c, FILE *f);

#endif
