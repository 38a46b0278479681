/* Internal to the pattern module and its tests (not installed). */
#ifndef EVS_PATTERN_INTERNAL_H
#define EVS_PATTERN_INTERNAL_H

#include "evs/pattern.h"

/* evs_pattern_match() through the linear fallback alone (PCRE2's DFA matcher), which the public call only
 * reaches when a value exhausts the backtracking budget: tests compare both paths on every case. */
evs_status evs_pattern_match_dfa(const evs_pattern *p, const char *s, size_t len, bool *matched,
                                 evs_error *err);

#endif
