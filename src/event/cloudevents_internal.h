/* Shared tables and checks of the CloudEvents module (not installed): which attributes exist, their JSON
 * member and Kafka header names, where they live in evs_ce_event, and the one check of a value per
 * attribute type, used by the JSON reader and writer and by the header mapping alike. */
#ifndef EVS_CLOUDEVENTS_INTERNAL_H
#define EVS_CLOUDEVENTS_INTERNAL_H

#include "evs/cloudevents.h"
#include "event/cloudevents_lib.h"

/* The value rule of an attribute (CloudEvents type system, plus the evs extensions' own forms). */
typedef enum evs_ce_rule {
  EVS_CE_RULE_STRING,      /* String: no forbidden code points */
  EVS_CE_RULE_NONEMPTY,    /* String, non-empty */
  EVS_CE_RULE_SPECVERSION, /* "1.0" */
  EVS_CE_RULE_URI_REF,     /* non-empty URI-reference */
  EVS_CE_RULE_URI,         /* absolute URI */
  EVS_CE_RULE_TIME,        /* RFC 3339 timestamp */
  EVS_CE_RULE_MEDIA,       /* RFC 2046 media type */
  EVS_CE_RULE_TAGS         /* "k=v&k=v" (evs tags) */
} evs_ce_rule;

typedef struct evs_ce_attr {
  const char *name;   /* JSON member / attribute name */
  const char *header; /* Kafka header name in binary mode */
  size_t offset;      /* of the const char * in evs_ce_event */
  evs_ce_rule rule;
} evs_ce_attr;

#define EVS_CE_N_ATTRS 12
/* In the order of evs_ce_event, which is the order of JSON output and of headers. */
extern const evs_ce_attr evs_ce_attrs[EVS_CE_N_ATTRS];

/* Index of the attribute named s[0..n) (JSON member name) / with header name `header`; -1 when none. */
int evs_ce_attr_by_name(const char *s, size_t n);
int evs_ce_attr_by_header(const char *header);

static inline const char **evs_ce_slot(evs_ce_event *ev, int i) {
  return (const char **)(void *)((char *)ev + evs_ce_attrs[i].offset);
}
static inline const char *evs_ce_get(const evs_ce_event *ev, int i) {
  return *(const char *const *)(const void *)((const char *)ev + evs_ce_attrs[i].offset);
}

/* Checks s[0..n) as the value of attribute i. On failure writes the reason to why (without the attribute
 * name unless it helps) and the byte offset of the problem within s to *bad, and returns the status:
 * EVS_ERR_VALIDATION, EVS_ERR_SYNTAX (time, tags), EVS_ERR_RANGE (time), EVS_ERR_UNSUPPORTED
 * (specversion), EVS_ERR_NOMEM (tags). */
evs_status evs_ce_check_value(int i, const char *s, size_t n, char *why, size_t why_n, size_t *bad);

/* Checks every present attribute of ev (for the writers); fills err naming the attribute. */
evs_status evs_ce_check_attrs(const evs_ce_event *ev, evs_error *err);

/* tags.c: scans tags text; with tags/store NULL only checks. Same contract as evs_ce_tags_decode, the
 * reason in why and the offending byte in *bad. */
evs_status evs_ce_tags_scan(const char *text, size_t len, evs_tag *tags, size_t max, size_t *n_tags,
                            evs_buf *store, char *why, size_t why_n, size_t *bad);

#endif
