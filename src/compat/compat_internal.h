/* Compatibility checker internals (not installed).
 *
 * walk.c pairs the two schemas once (files and messages/enums by full name through hash lookups, fields and
 * enum values by number through a merge of two sorted arrays, services by full name, methods by name) and
 * calls every enabled rule of the pair's kind. A rule function sees one matched pair and only compares; it
 * reports through evs_cx_report(). findings.c owns the finding list (strings in a pool), sorting,
 * deduplication and accepted breaks. */
#ifndef EVS_COMPAT_INTERNAL_H
#define EVS_COMPAT_INTERNAL_H

#include "evs/compat.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "base/arena_internal.h"
#include "base/error_internal.h"
#include "base/hash_internal.h"
#include "registry/registry_lib.h"

typedef enum evs_pair_kind {
  EVS_PAIR_SET,     /* the whole pair of schemas: deletions of files, packages, top-level elements */
  EVS_PAIR_FILE,    /* files paired by name */
  EVS_PAIR_MESSAGE, /* messages paired by full name */
  EVS_PAIR_FIELD,   /* fields paired by number inside paired messages */
  EVS_PAIR_ENUM,    /* enums paired by full name */
  EVS_PAIR_VALUE,   /* enum values paired by number inside paired enums (aliases: one call per number) */
  EVS_PAIR_SERVICE, /* services paired by full name */
  EVS_PAIR_METHOD   /* methods paired by name inside paired services */
} evs_pair_kind;

typedef struct evs_cx evs_cx;

/* A service or method with what a rule needs (the registry has no service views). */
typedef struct evs_svc {
  const Google__Protobuf__ServiceDescriptorProto *proto;
  const evs_file *file;
  const char *full_name;
  size_t index; /* in file->proto->service */
} evs_svc;
typedef struct evs_method {
  const Google__Protobuf__MethodDescriptorProto *proto;
  const evs_svc *svc;
  size_t index;
} evs_method;

/* All values of one enum number (aliases share a number). */
typedef struct evs_value_group {
  const evs_enum *parent;
  const evs_enum_value *first;
  int32_t number;
} evs_value_group;

typedef union evs_rule_fn {
  void (*set)(evs_cx *cx);
  void (*file)(evs_cx *cx, const evs_file *prev, const evs_file *cur);
  void (*message)(evs_cx *cx, const evs_message *prev, const evs_message *cur);
  void (*field)(evs_cx *cx, const evs_field *prev, const evs_field *cur);
  void (*enm)(evs_cx *cx, const evs_enum *prev, const evs_enum *cur);
  void (*value)(evs_cx *cx, const evs_value_group *prev, const evs_value_group *cur);
  void (*service)(evs_cx *cx, const evs_svc *prev, const evs_svc *cur);
  void (*method)(evs_cx *cx, const evs_method *prev, const evs_method *cur);
} evs_rule_fn;

typedef struct evs_compat_rule {
  evs_compat_rule_info info;
  evs_pair_kind kind;
  evs_rule_fn fn;
} evs_compat_rule;

/* The rule table (rules_table.c), sorted by ID. */
extern const evs_compat_rule evs_k_rules[];
extern const size_t evs_k_n_rules;

/* ---- findings (findings.c) ---- */

struct evs_compat_report {
  evs_arena pool; /* every string of every finding */
  evs_compat_finding *items;
  size_t n, cap;
  bool sorted;
};

evs_compat_report *evs_report_new(void);
/* Appends a finding; strings are copied. cur_src (may be NULL) is where allow comments are looked up.
 * False on out-of-memory. */
bool evs_report_add(evs_compat_report *r, const char *rule_id, const char *element, const char *message,
                    const evs_source_info *cur_src, const evs_source_info *prev_src, const char *against,
                    bool use_comments);
/* Sorts and removes duplicates. */
void evs_report_finish(evs_compat_report *r);

/* ---- the check context ---- */

struct evs_cx {
  const evs_registry *prev, *cur;
  const evs_compat_options *opts;
  unsigned cats; /* enabled categories */
  bool backward; /* the new schema reads old data */
  bool forward;  /* the old schema reads new data */
  const char *against;
  evs_compat_report *report;
  const evs_compat_rule *rule; /* the rule running now */
  bool nomem;
  struct evs_hmap cur_services; /* full name -> evs_svc (current side) */
  evs_svc *svcs;                /* storage for both sides' services */
  size_t n_svcs;
};

/* Reports a finding of the running rule: printf-style message; cur/prev may be NULL. */
void evs_cx_report(evs_cx *cx, const char *element, const evs_source_info *cur, const evs_source_info *prev,
                   const char *fmt, ...) EVS_PRINTF(5, 6);

/* The name `old_name` (full name from the old schema) has in the new schema after renames; writes into
 * buf (size n) and returns it, or returns old_name itself when no rename applies. */
const char *evs_cx_map_name(const evs_cx *cx, const char *old_name, char *buf, size_t n);
/* True when old type name (message or enum full name) and new type name denote the same type. */
bool evs_cx_same_type_name(const evs_cx *cx, const char *old_name, const char *new_name);

/* Runs every enabled rule over the pair prev/cur in cx. */
void evs_walk(evs_cx *cx);
/* Runs the given field rules over extensions paired by (extendee, number) (extensions.c). */
void evs_walk_extensions(evs_cx *cx, const evs_compat_rule *const *rules, size_t n_rules);

/* ---- helpers shared by rules ---- */

/* "proto2"-style presence group of a field: see rules_field.c. */
typedef enum evs_cardinality {
  EVS_CARD_OPTIONAL_EXPLICIT = 1,
  EVS_CARD_OPTIONAL_IMPLICIT,
  EVS_CARD_REQUIRED,
  EVS_CARD_REPEATED,
  EVS_CARD_MAP
} evs_cardinality;
evs_cardinality evs_field_cardinality(const evs_field *f);
const char *evs_cardinality_name(evs_cardinality c);

/* Reserved ranges and names of a message (end exclusive) or enum (end inclusive), from the raw protos. */
bool evs_message_number_reserved(const evs_message *m, int32_t number);
bool evs_message_name_reserved(const evs_message *m, const char *name);
bool evs_enum_number_reserved(const evs_enum *e, int32_t number);
bool evs_enum_name_reserved(const evs_enum *e, const char *name);

/* Shared by messages and enums: every old reserved range ([0] to [1], end exclusive) must stay inside the
 * union of the new ones, every old reserved name must stay. */
void evs_reserved_check(evs_cx *cx, const char *kind, const char *full_name, const evs_source_info *csrc,
                        const evs_source_info *psrc, const int64_t (*pr)[2], size_t npr,
                        const int64_t (*cr)[2], size_t ncr, char *const *pnames, size_t npn,
                        char *const *cnames, size_t ncn);

/* Rule functions, by kind (one per rule ID; see rules_table.c for IDs). */
void evs_rule_file_no_delete(evs_cx *cx);
void evs_rule_message_no_delete(evs_cx *cx);
void evs_rule_enum_no_delete(evs_cx *cx);
void evs_rule_service_no_delete(evs_cx *cx);
void evs_rule_package_no_delete(evs_cx *cx);
void evs_rule_package_message_no_delete(evs_cx *cx);
void evs_rule_package_enum_no_delete(evs_cx *cx);
void evs_rule_package_service_no_delete(evs_cx *cx);

void evs_rule_file_same_package(evs_cx *cx, const evs_file *p, const evs_file *c);
void evs_rule_file_same_syntax(evs_cx *cx, const evs_file *p, const evs_file *c);

void evs_rule_field_no_delete(evs_cx *cx, const evs_message *p, const evs_message *c);
void evs_rule_field_no_delete_unless_number_reserved(evs_cx *cx, const evs_message *p, const evs_message *c);
void evs_rule_field_no_delete_unless_name_reserved(evs_cx *cx, const evs_message *p, const evs_message *c);
void evs_rule_message_same_required_fields(evs_cx *cx, const evs_message *p, const evs_message *c);
void evs_rule_reserved_message_no_delete(evs_cx *cx, const evs_message *p, const evs_message *c);
void evs_rule_message_same_json_format(evs_cx *cx, const evs_message *p, const evs_message *c);
void evs_rule_oneof_no_delete(evs_cx *cx, const evs_message *p, const evs_message *c);

void evs_rule_field_same_type(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_wire_compatible_type(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_wire_json_compatible_type(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_same_cardinality(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_wire_compatible_cardinality(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_wire_json_compatible_cardinality(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_same_oneof(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_same_name(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_same_json_name(evs_cx *cx, const evs_field *p, const evs_field *c);
void evs_rule_field_same_default(evs_cx *cx, const evs_field *p, const evs_field *c);

void evs_rule_enum_value_no_delete(evs_cx *cx, const evs_enum *p, const evs_enum *c);
void evs_rule_enum_value_no_delete_unless_number_reserved(evs_cx *cx, const evs_enum *p, const evs_enum *c);
void evs_rule_enum_value_no_delete_unless_name_reserved(evs_cx *cx, const evs_enum *p, const evs_enum *c);
void evs_rule_reserved_enum_no_delete(evs_cx *cx, const evs_enum *p, const evs_enum *c);
void evs_rule_enum_same_json_format(evs_cx *cx, const evs_enum *p, const evs_enum *c);
void evs_rule_enum_same_type(evs_cx *cx, const evs_enum *p, const evs_enum *c);
void evs_rule_enum_value_same_name(evs_cx *cx, const evs_value_group *p, const evs_value_group *c);

void evs_rule_rpc_no_delete(evs_cx *cx, const evs_svc *p, const evs_svc *c);
void evs_rule_rpc_same_request_type(evs_cx *cx, const evs_method *p, const evs_method *c);
void evs_rule_rpc_same_response_type(evs_cx *cx, const evs_method *p, const evs_method *c);
void evs_rule_rpc_same_client_streaming(evs_cx *cx, const evs_method *p, const evs_method *c);
void evs_rule_rpc_same_server_streaming(evs_cx *cx, const evs_method *p, const evs_method *c);
void evs_rule_rpc_same_idempotency_level(evs_cx *cx, const evs_method *p, const evs_method *c);

#endif
