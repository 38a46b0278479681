/* The portable pattern dialect (include/evs/pattern.h, docs/validation.md "Patterns"): one recursive-descent
 * scanner checks a pattern against the dialect and, in the same pass, writes it for a target (PCRE2 or
 * ECMA-262 `u`), so the checker and the translators cannot disagree on what a pattern means. Matching runs
 * PCRE2's backtracking matcher (JIT when available) under a step budget and falls back to its DFA matcher,
 * which is linear in the value, when a hostile value exhausts the budget. */
#include "base/alloc_internal.h"
#include "evs/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "base/utf8_internal.h"
#include "validate/pattern_internal.h"

/* Groups nested deeper than this are refused (PCRE2's own default limit is 250). */
#define MAX_DEPTH 64
/* Size of a pattern once its bounded repetitions are unrolled (each atom counts 1, a group the sum of its
 * branches, x{n,m} m times x): bounds the compiled program and the number of DFA states, hence the
 * per-character cost of a match (PCRE2's DFA matcher spends about states^2 per character). `(a{100}){101}`
 * is refused; `^[^@]{1,1000}$` is fine. */
#define MAX_COST 10000
/* Backtracking steps before the match falls back to the DFA matcher. */
#define MATCH_LIMIT 100000
/* Backtracking memory (KiB) of the interpreter (used when JIT is unavailable) before that fallback. */
#define HEAP_LIMIT_KIB 4096
/* The DFA workspace (ints) starts on the stack and grows on PCRE2_ERROR_DFA_WSSIZE up to this size. */
#define DFA_WS_START 512
#define DFA_WS_MAX (1u << 22)

enum target { T_CHECK, T_PCRE2, T_ECMA };

typedef struct scan {
  const uint8_t *s;
  size_t len;
  size_t pos;
  enum target target;
  evs_buf *out; /* NULL when only checking */
  evs_error *err;
  unsigned depth;
} scan;

struct evs_pattern {
  char *src;
  pcre2_code *code;     /* \A-anchored where the pattern has ^, searched otherwise */
  pcre2_code *dfa_code; /* (?s:.)*(?:...) matched anchored: the whole search in one linear DFA pass */
  pcre2_match_context *mctx;
};

static void put(scan *sc, const char *text) {
  if (sc->out) (void)evs_buf_append_str(sc->out, text);
}

static void put_cp(evs_buf *out, uint32_t cp) {
  uint8_t u[4];
  (void)evs_buf_append(out, u, evs_utf8_put(u, cp));
}

/* One literal code point as both targets read it: metacharacters escaped (`-` only inside classes, since
 * ECMA `u` rejects `\-` outside), \n \r \t spelled as escapes, everything else as itself. PCRE2 also
 * reads `[=`, `[:` and `[.` as POSIX syntax even at the opening of a class (`[=*=]`), so in a class every
 * ASCII punctuation character is escaped for it (ECMA `u` would refuse `\=` and `\:`). */
static void put_literal(evs_buf *out, uint32_t cp, bool in_class, enum target target) {
  if (!out) return;
  bool escape =
      cp > 0x20 && cp < 0x7F && !((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') && !(cp >= '0' && cp <= '9');
  if (escape && !(in_class && target == T_PCRE2))
    escape = strchr(in_class ? "\\]^-[" : "\\^$.|?*+()[]{}", (int)cp) != NULL;
  if (cp == '\n' || cp == '\r' || cp == '\t') {
    (void)evs_buf_append_str(out, cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t");
  } else if (escape) {
    (void)evs_buf_append_byte(out, '\\');
    (void)evs_buf_append_byte(out, (uint8_t)cp);
  } else {
    put_cp(out, cp);
  }
}

static int peek(const scan *sc, size_t ahead) {
  return sc->pos + ahead < sc->len ? sc->s[sc->pos + ahead] : -1;
}

static evs_status fail(scan *sc, size_t at, const char *fmt, ...) EVS_PRINTF(3, 4);
static evs_status fail(scan *sc, size_t at, const char *fmt, ...) {
  if (sc->err) {
    va_list ap;
    va_start(ap, fmt);
    (void)evs_vfail(sc->err, EVS_ERR_SYNTAX, fmt, ap);
    va_end(ap);
    evs_error_at(sc->err, at, 0, 0);
  }
  return EVS_ERR_SYNTAX;
}

static uint64_t cost_mul(uint64_t a, uint64_t b) {
  return a > MAX_COST || b > MAX_COST ? MAX_COST + 1 : a * b;
}

/* ------------------------------------------------------------------ escapes */

/* \d \w \s and their complements: not portable (ECMA's \s is Unicode, RE2's ASCII, XSD's different again),
 * so the message gives the explicit class. */
static const char *shorthand_advice(int c) {
  switch (c) {
    case 'd':
      return "\\d is not portable: write [0-9]";
    case 'D':
      return "\\D is not portable: write [^0-9]";
    case 'w':
      return "\\w is not portable: write [A-Za-z0-9_]";
    case 'W':
      return "\\W is not portable: write [^A-Za-z0-9_]";
    case 's':
      return "\\s is not portable: write [ \\t\\n\\r]";
    case 'S':
      return "\\S is not portable: write [^ \\t\\n\\r]";
    default:
      return NULL;
  }
}

/* The reason an escape \c outside the dialect is refused, with the portable spelling. */
static evs_status bad_escape(scan *sc, size_t at, int c) {
  const char *advice = shorthand_advice(c);
  if (advice) return fail(sc, at, "%s", advice);
  switch (c) {
    case 'b':
    case 'B':
      return fail(sc, at, "word boundaries (\\%c) are not portable", c);
    case 'x':
    case 'u':
    case 'U':
    case 'o':
    case 'N':
      return fail(sc, at, "\\%c escapes are not portable: write the character itself (or \\n \\r \\t)", c);
    case 'f':
    case 'v':
    case 'a':
    case 'e':
    case '0':
    case 'c':
      return fail(sc, at, "\\%c is not portable: write the character itself", c);
    case 'k':
    case 'g':
      return fail(sc, at, "back-references (\\%c) are not portable", c);
    case 'A':
    case 'G':
      return fail(sc, at, "\\%c is not portable: write ^ at the start of the pattern", c);
    case 'z':
    case 'Z':
      return fail(sc, at, "\\%c is not portable: write $ at the end of the pattern", c);
    case '$':
      return fail(sc, at, "\\$ is not portable: write [$] for a literal $");
    case -1:
      return fail(sc, at, "the pattern ends with a lone \\: write \\\\ for a literal backslash");
    default:
      break;
  }
  if (c >= '1' && c <= '9') return fail(sc, at, "back-references (\\%c) are not portable", c);
  if (c < 0x80 && c > 0x20 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
    return fail(sc, at, "\\%c is not an escape of the dialect: write %c", c, c);
  if (c < 0x80 && c > 0x20) return fail(sc, at, "unknown escape \\%c", c);
  return fail(sc, at,
              "a \\ must be followed by n, r, t, p{..}, P{..} or one of ( ) * + - . ? [ \\ ] ^ { | }");
}

/* The general categories I-Regexp allows (no scripts, blocks or binary properties). */
static bool known_category(const uint8_t *name, size_t n) {
  static const char *const k_cats[] = {"L",  "Lu", "Ll", "Lt", "Lm", "Lo", "M",  "Mn", "Mc",
                                       "Me", "N",  "Nd", "Nl", "No", "P",  "Pc", "Pd", "Ps",
                                       "Pe", "Pi", "Pf", "Po", "S",  "Sm", "Sc", "Sk", "So",
                                       "Z",  "Zs", "Zl", "Zp", "C",  "Cc", "Cf", "Co", "Cn"};
  for (size_t i = 0; i < sizeof k_cats / sizeof k_cats[0]; i++)
    if (strlen(k_cats[i]) == n && memcmp(k_cats[i], name, n) == 0) return true;
  return false;
}

/* \p{Cat} / \P{Cat}, sc->pos at the p; written as is (both targets spell it the same way). */
static evs_status scan_category(scan *sc) {
  size_t at = sc->pos - 1;
  int p = sc->s[sc->pos];
  if (peek(sc, 1) != '{') return fail(sc, at, "\\%c needs a general category in braces, e.g. \\%c{L}", p, p);
  size_t name = sc->pos + 2, end = name;
  while (end < sc->len && sc->s[end] != '}' && end - name < 32) end++;
  if (end >= sc->len || sc->s[end] != '}') return fail(sc, at, "\\%c{ is not closed by }", p);
  if (end == name) return fail(sc, at, "empty \\%c{}: name a general category such as L, Lu or Nd", p);
  if (!known_category(sc->s + name, end - name))
    return fail(
        sc, at,
        "unknown category \\%c{%.*s}: only general categories (L, Lu, Ll, Lt, Lm, Lo, M, Mn, Mc, Me, N, Nd, "
        "Nl, No, P, Pc, Pd, Ps, Pe, Pi, Pf, Po, S, Sm, Sc, Sk, So, Z, Zs, Zl, Zp, C, Cc, Cf, Co, Cn) are "
        "portable",
        p, (int)(end - name), (const char *)sc->s + name);
  if (sc->out) (void)evs_buf_append(sc->out, sc->s + at, end + 1 - at);
  sc->pos = end + 1;
  return EVS_OK;
}

/* A single-character escape at sc->pos (just after the \): \n \r \t or an escaped metacharacter; its code
 * point goes to *cp. Other escapes are refused by bad_escape(). */
static bool single_char_escape(int c, uint32_t *cp) {
  if (c == 'n' || c == 'r' || c == 't') {
    *cp = c == 'n' ? '\n' : c == 'r' ? '\r' : '\t';
    return true;
  }
  if (c > 0 && strchr("()*+-.?[\\]^{|}", c)) {
    *cp = (uint32_t)c;
    return true;
  }
  return false;
}

/* ------------------------------------------------------------------ classes */

static const char *posix_class_advice(const uint8_t *name, size_t n) {
  static const struct {
    const char *name, *advice;
  } k_posix[] = {
      {"alpha", "A-Za-z (or \\p{L} for letters of every script)"},
      {"digit", "0-9"},
      {"alnum", "A-Za-z0-9"},
      {"upper", "A-Z (or \\p{Lu})"},
      {"lower", "a-z (or \\p{Ll})"},
      {"space", "' ' \\t \\n \\r (e.g. [^@ \\t\\n\\r]; add \\p{Z} for Unicode spaces)"},
      {"blank", "' ' \\t"},
      {"xdigit", "0-9A-Fa-f"},
      {"word", "A-Za-z0-9_"},
      {"punct", "the characters themselves, or \\p{P}\\p{S}"},
      {"cntrl", "\\p{Cc}"},
      {"print", "\\P{C}"},
      {"graph", "\\P{C} without ' '"},
  };
  for (size_t i = 0; i < sizeof k_posix / sizeof k_posix[0]; i++)
    if (strlen(k_posix[i].name) == n && memcmp(k_posix[i].name, name, n) == 0) return k_posix[i].advice;
  return NULL;
}

/* `[` inside a class: a POSIX class, a collating element, or a nested class: all refused. */
static evs_status bad_class_bracket(scan *sc) {
  size_t at = sc->pos;
  int kind = peek(sc, 1);
  if (kind == ':' || kind == '=' || kind == '.') {
    size_t name = at + 2, end = name;
    while (end + 1 < sc->len && !(sc->s[end] == kind && sc->s[end + 1] == ']') && end - name < 16) end++;
    const char *advice = kind == ':' ? posix_class_advice(sc->s + name, end - name) : NULL;
    if (advice)
      return fail(sc, at, "POSIX class [:%.*s:] is not portable: write its characters in the class: %s",
                  (int)(end - name), (const char *)sc->s + name, advice);
    if (kind == ':') return fail(sc, at, "POSIX classes ([:name:]) are not portable: list the characters");
    return fail(sc, at, "collating elements ([%c..%c]) are not portable: write the character", kind, kind);
  }
  return fail(sc, at, "a [ inside a class must be escaped: write \\[ (nested classes are not portable)");
}

/* One class character (CCchar or single-char escape) at sc->pos: *cp, or a category (*is_cat). */
static evs_status class_atom(scan *sc, uint32_t *cp, bool *is_cat) {
  *is_cat = false;
  int c = sc->s[sc->pos];
  if (c == '[') return bad_class_bracket(sc);
  if (c == '\\') {
    int e = peek(sc, 1);
    if (e == 'p' || e == 'P') {
      sc->pos++;
      *is_cat = true;
      return EVS_OK; /* scanned (and written) by the caller, which decides about ranges first */
    }
    if (e == 'b') return fail(sc, sc->pos, "\\b inside a class is not portable: write the character itself");
    if (!single_char_escape(e, cp)) return bad_escape(sc, sc->pos, e);
    sc->pos += 2;
    return EVS_OK;
  }
  size_t l = evs_utf8_get(sc->s + sc->pos, sc->len - sc->pos, cp);
  sc->pos += l; /* the pattern was validated as UTF-8 before the scan */
  return EVS_OK;
}

/* `[...]` / `[^...]`, sc->pos at the [. Items: characters, ranges a-z, \p{..} / \P{..}; a literal `-`
 * only first or last (I-Regexp), ranges in order. */
static evs_status scan_class(scan *sc) {
  size_t open = sc->pos++;
  put(sc, "[");
  if (peek(sc, 0) == '^') {
    sc->pos++;
    put(sc, "^");
  }
  bool negated = sc->pos > open + 1;
  for (bool first = true;; first = false) {
    int c = peek(sc, 0);
    if (c < 0) return fail(sc, open, "unterminated class: [ without a closing ]");
    if (c == ']') {
      if (first && negated)
        return fail(sc, open, "[^] is not portable: for any character including newlines write (.|\\n|\\r)");
      if (first) return fail(sc, open, "empty class []: write \\] for a literal ] or \\[ for a literal [");
      sc->pos++;
      put(sc, "]");
      return EVS_OK;
    }
    if (c == '-') {
      if (peek(sc, 1) < 0) return fail(sc, open, "unterminated class: [ without a closing ]");
      if (first || peek(sc, 1) == ']') {
        sc->pos++;
        put(sc, "\\-");
        continue;
      }
      if (peek(sc, 1) == '[') return fail(sc, sc->pos, "class subtraction -[...] is not portable");
      return fail(sc, sc->pos, "a - inside a class must be first, last or between two characters: write \\-");
    }
    size_t item = sc->pos;
    uint32_t lo = 0;
    bool is_cat;
    evs_status st = class_atom(sc, &lo, &is_cat);
    if (st != EVS_OK) return st;
    if (is_cat) {
      if ((st = scan_category(sc)) != EVS_OK) return st;
      if (peek(sc, 0) == '-' && peek(sc, 1) != ']' && peek(sc, 1) >= 0)
        return fail(sc, sc->pos,
                    "a range cannot start at a category \\p{..}/\\P{..}: write \\- for a literal -");
      continue;
    }
    if (peek(sc, 0) != '-' || peek(sc, 1) == ']' || peek(sc, 1) < 0) {
      put_literal(sc->out, lo, true, sc->target);
      continue;
    }
    sc->pos++; /* the - of a range */
    size_t hi_at = sc->pos;
    if (peek(sc, 0) == '-') return fail(sc, hi_at, "a range cannot end at -: write \\- for a literal -");
    uint32_t hi = 0;
    if ((st = class_atom(sc, &hi, &is_cat)) != EVS_OK) return st;
    if (is_cat) return fail(sc, hi_at - 1, "a range cannot end at a category \\p{..}/\\P{..}");
    if (hi < lo)
      return fail(sc, item, "range out of order: U+%04X-U+%04X (the first must not be above the second)",
                  (unsigned)lo, (unsigned)hi);
    put_literal(sc->out, lo, true, sc->target);
    put(sc, "-");
    put_literal(sc->out, hi, true, sc->target);
  }
}

/* ------------------------------------------------------------------ atoms, pieces, branches */

static evs_status scan_alternation(scan *sc, uint64_t *cost);

/* A `{` at sc->pos: parses {n} / {n,} / {n,m} into *min / *max (max UINT32_MAX for none). false (pos
 * unchanged) when the text is not a quantifier at all. */
static bool read_bound(const scan *sc, size_t *pos, uint32_t *min, uint32_t *max, bool *too_big) {
  size_t p = sc->pos + 1;
  uint64_t n = 0, m = 0;
  size_t digits = 0;
  while (p < sc->len && sc->s[p] >= '0' && sc->s[p] <= '9') {
    if (n <= EVS_PATTERN_MAX_REPEAT) n = n * 10 + (uint64_t)(sc->s[p] - '0');
    p++, digits++;
  }
  if (!digits) return false;
  *too_big = n > EVS_PATTERN_MAX_REPEAT;
  if (p < sc->len && sc->s[p] == '}') {
    *min = *max = (uint32_t)(n > EVS_PATTERN_MAX_REPEAT ? EVS_PATTERN_MAX_REPEAT + 1 : n);
    *pos = p + 1;
    return true;
  }
  if (p >= sc->len || sc->s[p] != ',') return false;
  p++;
  digits = 0;
  while (p < sc->len && sc->s[p] >= '0' && sc->s[p] <= '9') {
    if (m <= EVS_PATTERN_MAX_REPEAT) m = m * 10 + (uint64_t)(sc->s[p] - '0');
    p++, digits++;
  }
  if (p >= sc->len || sc->s[p] != '}') return false;
  *too_big = *too_big || m > EVS_PATTERN_MAX_REPEAT;
  *min = (uint32_t)(n > EVS_PATTERN_MAX_REPEAT ? EVS_PATTERN_MAX_REPEAT + 1 : n);
  *max = digits ? (uint32_t)(m > EVS_PATTERN_MAX_REPEAT ? EVS_PATTERN_MAX_REPEAT + 1 : m) : UINT32_MAX;
  *pos = p + 1;
  return true;
}

static bool at_quantifier(const scan *sc) {
  int c = peek(sc, 0);
  if (c == '*' || c == '+' || c == '?') return true;
  size_t pos;
  uint32_t mn, mx;
  bool big;
  return c == '{' && read_bound(sc, &pos, &mn, &mx, &big);
}

/* For PCRE2, x+ and x{n,} of a single-character atom x become xx* and x{n}x*: PCRE2's DFA matcher keeps
 * a repeat count in each state of a + loop, so `(a+)+` gives one state per start offset and the
 * fallback turns cubic; a * loop has no count. The atom's text is out[mark..). */
static void put_star_copy(scan *sc, size_t mark, size_t n) {
  evs_buf *out = sc->out;
  if (out->failed || evs_buf_reserve(out, n + 1) != EVS_OK) return;
  (void)evs_buf_append(out, out->data + mark, n);
  (void)evs_buf_append_byte(out, '*');
}

/* An optional quantifier after an atom of cost *cost (multiplied by the repetitions), written at
 * out[mark..) (a group when group). */
static evs_status scan_quantifier(scan *sc, uint64_t *cost, size_t mark, bool group) {
  int c = peek(sc, 0);
  size_t at = sc->pos;
  bool unroll = sc->out && sc->target == T_PCRE2 && !group;
  if (c == '*' || c == '+' || c == '?') {
    sc->pos++;
    if (unroll && c == '+')
      put_star_copy(sc, mark, sc->out->len - mark);
    else if (sc->out)
      (void)evs_buf_append_byte(sc->out, (uint8_t)c);
    if (c != '?') *cost = cost_mul(*cost, 2);
  } else if (c == '{') {
    size_t end;
    uint32_t min, max;
    bool too_big;
    if (!read_bound(sc, &end, &min, &max, &too_big)) {
      if (peek(sc, 1) == ',') return fail(sc, at, "{,m} is not portable: write {0,m}");
      return fail(sc, at, "a { must start a quantifier {n}, {n,} or {n,m}: write \\{ for a literal {");
    }
    if (too_big)
      return evs_fail_at(sc->err, EVS_ERR_LIMIT, at, "repetition bound above %d", EVS_PATTERN_MAX_REPEAT);
    if (max != UINT32_MAX && min > max)
      return fail(sc, at, "{%u,%u}: the minimum is above the maximum", (unsigned)min, (unsigned)max);
    if (unroll && max == UINT32_MAX && min == 0) {
      (void)evs_buf_append_byte(sc->out, '*');
    } else if (unroll && max == UINT32_MAX) {
      size_t atom_len = sc->out->len - mark;
      (void)evs_buf_append(sc->out, sc->s + at, end - at - 2); /* "{n" of "{n,}" */
      (void)evs_buf_append_byte(sc->out, '}');
      put_star_copy(sc, mark, atom_len);
    } else if (sc->out) {
      (void)evs_buf_append(sc->out, sc->s + at, end - at);
    }
    sc->pos = end;
    *cost = cost_mul(*cost, max == UINT32_MAX ? (uint64_t)min + 1 : max ? max : 1);
  } else {
    return EVS_OK;
  }
  c = peek(sc, 0);
  if (c == '?') return fail(sc, sc->pos, "lazy quantifiers (*? +? ?? {n,m}?) are not portable: drop the ?");
  if (c == '+')
    return fail(sc, sc->pos, "possessive quantifiers (*+ ++ ?+ {n,m}+) are not portable: drop the +");
  if (at_quantifier(sc))
    return fail(sc, sc->pos, "a quantifier cannot follow another: group the first, as in (a*)*");
  return EVS_OK;
}

/* `(` at sc->pos. */
static evs_status scan_group(scan *sc, uint64_t *cost) {
  size_t open = sc->pos;
  if (peek(sc, 1) == '?') {
    int k = peek(sc, 2);
    if (k == ':') return fail(sc, open, "(?: is not portable: write a plain group (...)");
    if (k == '=' || k == '!') return fail(sc, open, "lookahead (?%c...) is not portable", k);
    if (k == '<' && (peek(sc, 3) == '=' || peek(sc, 3) == '!'))
      return fail(sc, open, "lookbehind (?<%c...) is not portable", peek(sc, 3));
    if (k == '<' || k == 'P' || k == '\'')
      return fail(sc, open, "named groups are not portable: write (...)");
    return fail(sc, open, "(? groups and inline flags such as (?i) are not portable");
  }
  if (++sc->depth > MAX_DEPTH)
    return evs_fail_at(sc->err, EVS_ERR_LIMIT, open, "groups nested deeper than %d", MAX_DEPTH);
  sc->pos++;
  /* Captures play no part in a yes/no match: PCRE2 gets non-capturing groups. */
  put(sc, sc->target == T_PCRE2 ? "(?:" : "(");
  evs_status st = scan_alternation(sc, cost);
  if (st != EVS_OK) return st;
  if (*cost == 0) *cost = 1; /* an empty group repeated still costs code */
  if (peek(sc, 0) != ')') return fail(sc, open, "unclosed group: ( without a matching )");
  sc->pos++;
  sc->depth--;
  put(sc, ")");
  return EVS_OK;
}

static evs_status scan_atom(scan *sc, uint64_t *cost) {
  size_t at = sc->pos;
  int c = sc->s[at];
  *cost = 1;
  switch (c) {
    case '(':
      return scan_group(sc, cost);
    case '[':
      return scan_class(sc);
    case '.':
      sc->pos++;
      put(sc, "[^\\n\\r]"); /* I-Regexp's `.`; ECMA's also excludes U+2028/U+2029, PCRE2's only \n */
      return EVS_OK;
    case '\\': {
      int e = peek(sc, 1);
      if (e == 'p' || e == 'P') {
        sc->pos++;
        return scan_category(sc);
      }
      uint32_t cp;
      if (!single_char_escape(e, &cp)) return bad_escape(sc, at, e);
      sc->pos += 2;
      put_literal(sc->out, cp, false, sc->target);
      return EVS_OK;
    }
    case '^':
      return fail(sc, at, "^ is an anchor only at the start of the pattern: write \\^ for a literal ^");
    case '$':
      if (at + 1 == sc->len && sc->depth == 0) {
        sc->pos++;
        put(sc, sc->target == T_PCRE2 ? "\\z" : "$");
        *cost = 0;
        return EVS_OK;
      }
      return fail(sc, at, "$ is an anchor only at the end of the pattern: write [$] for a literal $");
    case '*':
    case '+':
    case '?':
      return fail(sc, at, "nothing to repeat before %c: write \\%c for a literal %c", c, c, c);
    case '{':
      if (at_quantifier(sc)) return fail(sc, at, "nothing to repeat before {: write \\{ for a literal {");
      return fail(sc, at, "a literal { must be escaped: write \\{");
    case '}':
      return fail(sc, at, "a literal } must be escaped: write \\}");
    case ']':
      return fail(sc, at, "] without [: write \\] for a literal ]");
    default:
      break;
  }
  uint32_t cp = 0;
  sc->pos += evs_utf8_get(sc->s + at, sc->len - at, &cp);
  put_literal(sc->out, cp, false, sc->target);
  return EVS_OK;
}

/* Branches separated by |, up to a `)` (left for the group) or the end. */
static evs_status scan_alternation(scan *sc, uint64_t *cost) {
  *cost = 0;
  for (;;) {
    int c = peek(sc, 0);
    if (c < 0 || c == ')') return EVS_OK;
    if (c == '|') {
      sc->pos++;
      put(sc, "|");
      continue;
    }
    uint64_t piece;
    size_t mark = sc->out ? sc->out->len : 0;
    evs_status st = scan_atom(sc, &piece);
    if (st == EVS_OK) st = scan_quantifier(sc, &piece, mark, c == '(');
    if (st != EVS_OK) return st;
    *cost += piece;
    if (*cost > MAX_COST) *cost = MAX_COST + 1;
  }
}

/* Checks src[0..len) and, with out, writes it for target. */
static evs_status scan_pattern(const char *src, enum target target, evs_buf *out, evs_error *err) {
  if (!src) return evs_fail(err, EVS_ERR_INVALID_ARG, "pattern is NULL");
  size_t len = strlen(src);
  if (len > EVS_PATTERN_MAX_LEN)
    return evs_fail_at(err, EVS_ERR_LIMIT, EVS_PATTERN_MAX_LEN, "pattern longer than %d bytes",
                       EVS_PATTERN_MAX_LEN);
  size_t bad = evs_utf8_check((const uint8_t *)src, len);
  if (bad < len)
    return evs_fail_at(err, EVS_ERR_SYNTAX, bad, "pattern is not valid UTF-8 (at byte %zu)", bad);
  scan sc = {(const uint8_t *)src, len, 0, target, out, err, 0};
  if (len > 0 && src[0] == '^') {
    sc.pos = 1;
    put(&sc, target == T_PCRE2 ? "\\A" : "^");
  }
  uint64_t cost;
  evs_status st = scan_alternation(&sc, &cost);
  if (st != EVS_OK) return st;
  if (sc.pos < len) return fail(&sc, sc.pos, ") without (: write \\) for a literal )");
  if (cost > MAX_COST)
    return evs_fail_at(err, EVS_ERR_LIMIT, 0,
                       "pattern too large once its repetitions are counted (over %d; nested bounds multiply)",
                       MAX_COST);
  if (out && evs_buf_status(out) != EVS_OK) return evs_fail(err, EVS_ERR_NOMEM, "out of memory");
  return EVS_OK;
}

/* ------------------------------------------------------------------ public API */

evs_status evs_pattern_check(const char *src, evs_error *err) {
  return scan_pattern(src, T_CHECK, NULL, err);
}

evs_status evs_pattern_to_ecma(const char *src, evs_buf *out, evs_error *err) {
  if (!out) return evs_fail(err, EVS_ERR_INVALID_ARG, "output buffer is NULL");
  size_t mark = out->len;
  evs_status st = scan_pattern(src, T_ECMA, out, err);
  if (st != EVS_OK && out->data) {
    out->len = mark; /* nothing half-written is left behind */
    out->data[mark] = '\0';
  }
  return st;
}

static evs_status compile_one(const evs_buf *text, pcre2_code **out, evs_error *err) {
  int code;
  PCRE2_SIZE at;
  *out = pcre2_compile(
      text->data ? (PCRE2_SPTR)text->data : (PCRE2_SPTR) "", text->len,
      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_NO_UTF_CHECK | PCRE2_NEVER_BACKSLASH_C, &code, &at,
      NULL);
  if (*out) {
    (void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE); /* the interpreter serves when JIT is unavailable */
    return EVS_OK;
  }
  if (code == PCRE2_ERROR_HEAP_FAILED)
    return evs_fail(err, EVS_ERR_NOMEM, "out of memory compiling a pattern");
  PCRE2_UCHAR msg[120];
  if (pcre2_get_error_message(code, msg, sizeof msg) < 0) strcpy((char *)msg, "unknown error");
  /* The scanner's budgets keep PCRE2's limits out of reach; this is a bug if it happens. */
  return evs_fail(err, EVS_ERR_INTERNAL, "PCRE2 refused the translated pattern: %s (at %zu)",
                  (const char *)msg, (size_t)at);
}

evs_status evs_pattern_compile(const char *src, evs_pattern **out, evs_error *err) {
  if (!out) return evs_fail(err, EVS_ERR_INVALID_ARG, "out is NULL");
  *out = NULL;
  evs_buf text = EVS_BUF_INIT;
  evs_status st = scan_pattern(src, T_PCRE2, &text, err);
  evs_pattern *p = NULL;
  if (st != EVS_OK) goto done;
  st = EVS_ERR_NOMEM;
  if (!(p = evs_calloc(1, sizeof *p)) || !(p->src = evs_strdup(src)) ||
      !(p->mctx = pcre2_match_context_create(NULL)))
    goto nomem;
  pcre2_set_match_limit(p->mctx, MATCH_LIMIT);
  pcre2_set_heap_limit(p->mctx, HEAP_LIMIT_KIB);
  if ((st = compile_one(&text, &p->code, err)) != EVS_OK) goto done;
  /* The DFA form: any prefix, then the pattern, matched anchored at 0, so one left-to-right pass decides
   * the search (pcre2_dfa_match would otherwise restart at every offset: quadratic). */
  evs_buf dfa = EVS_BUF_INIT;
  (void)evs_buf_append_str(&dfa, "(?s:.)*(?:");
  (void)evs_buf_append(&dfa, text.data, text.len);
  (void)evs_buf_append_str(&dfa, ")");
  if (evs_buf_status(&dfa) != EVS_OK) {
    evs_buf_free(&dfa);
    goto nomem;
  }
  st = compile_one(&dfa, &p->dfa_code, err);
  evs_buf_free(&dfa);
  if (st != EVS_OK) goto done;
  *out = p;
  p = NULL;
  goto done;
nomem:
  st = evs_fail(err, EVS_ERR_NOMEM, "out of memory compiling a pattern");
done:
  evs_pattern_free(p);
  evs_buf_free(&text);
  return st;
}

void evs_pattern_free(evs_pattern *p) {
  if (!p) return;
  pcre2_code_free(p->code);
  pcre2_code_free(p->dfa_code);
  pcre2_match_context_free(p->mctx);
  evs_free(p->src);
  evs_free(p);
}

const char *evs_pattern_source(const evs_pattern *p) {
  return p ? p->src : NULL;
}

/* The linear fallback: one anchored DFA pass, stopping at the first match. */
static evs_status dfa_match(const evs_pattern *p, const char *s, size_t len, pcre2_match_data *md,
                            bool *matched, evs_error *err) {
  int stack_ws[DFA_WS_START];
  int *ws = stack_ws;
  size_t n = DFA_WS_START;
  evs_status st = EVS_OK;
  for (;;) {
    int rc = pcre2_dfa_match(p->dfa_code, (PCRE2_SPTR)s, len, 0,
                             PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK | PCRE2_DFA_SHORTEST, md, NULL, ws, n);
    if (rc >= 0) {
      *matched = true;
      break;
    }
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc == PCRE2_ERROR_DFA_WSSIZE && n < DFA_WS_MAX) {
      n *= 2;
      int *bigger = ws == stack_ws ? evs_malloc(n * sizeof *ws) : evs_realloc(ws, n * sizeof *ws);
      if (!bigger) {
        st = evs_fail(err, EVS_ERR_NOMEM, "out of memory matching a pattern");
        break;
      }
      ws = bigger;
      continue;
    }
    PCRE2_UCHAR msg[120];
    if (pcre2_get_error_message(rc, msg, sizeof msg) < 0) strcpy((char *)msg, "unknown error");
    st = evs_fail(err, rc == PCRE2_ERROR_NOMEMORY ? EVS_ERR_NOMEM : EVS_ERR_LIMIT, "pattern match failed: %s",
                  (const char *)msg);
    break;
  }
  if (ws != stack_ws) evs_free(ws);
  return st;
}

evs_status evs_pattern_match(const evs_pattern *p, const char *s, size_t len, bool *matched, evs_error *err) {
  if (matched) *matched = false;
  if (!p || !matched || (!s && len > 0))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "NULL pattern, value or result");
  if (!s) s = "";
  /* Per call: a compiled pattern stays read-only, so threads can share it. */
  pcre2_match_data *md = pcre2_match_data_create(1, NULL);
  if (!md) return evs_fail(err, EVS_ERR_NOMEM, "out of memory matching a pattern");
  evs_status st = EVS_OK;
  int rc = pcre2_match(p->code, (PCRE2_SPTR)s, len, 0, PCRE2_NO_UTF_CHECK, md, p->mctx);
  if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
    *matched = rc >= 0;
  } else if (rc == PCRE2_ERROR_NOMEMORY) {
    st = evs_fail(err, EVS_ERR_NOMEM, "out of memory matching a pattern");
  } else {
    /* Budget spent (match, depth, heap or JIT stack limit): the verdict comes from the linear matcher. */
    st = dfa_match(p, s, len, md, matched, err);
  }
  pcre2_match_data_free(md);
  return st;
}

evs_status evs_pattern_match_dfa(const evs_pattern *p, const char *s, size_t len, bool *matched,
                                 evs_error *err) {
  if (matched) *matched = false;
  if (!p || !matched || (!s && len > 0))
    return evs_fail(err, EVS_ERR_INVALID_ARG, "NULL pattern, value or result");
  pcre2_match_data *md = pcre2_match_data_create(1, NULL);
  if (!md) return evs_fail(err, EVS_ERR_NOMEM, "out of memory matching a pattern");
  evs_status st = dfa_match(p, s ? s : "", len, md, matched, err);
  pcre2_match_data_free(md);
  return st;
}

evs_status evs_pattern_quote(const char *text, size_t len, evs_buf *out) {
  if (!out || (!text && len > 0)) return EVS_ERR_INVALID_ARG;
  if (evs_utf8_check((const uint8_t *)text, len) < len) return EVS_ERR_INVALID_ARG;
  size_t mark = out->len;
  for (size_t i = 0; i < len;) {
    uint32_t cp = 0;
    i += evs_utf8_get((const uint8_t *)text + i, len - i, &cp);
    if (cp == 0) {
      /* The dialect has no escape for U+0000 and a pattern is a C string: the class of everything else,
       * negated, is U+0000 alone. */
      (void)evs_buf_append_str(out, "[^\x01-\xF4\x8F\xBF\xBF]");
    } else if (cp == '$') {
      (void)evs_buf_append_str(out, "[$]"); /* \$ is not an I-Regexp escape */
    } else {
      put_literal(out, cp, false, T_ECMA);
    }
  }
  evs_status st = evs_buf_status(out);
  if (st != EVS_OK && out->data) {
    out->len = mark;
    out->data[mark] = '\0';
  }
  return st;
}
