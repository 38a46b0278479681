/* The pattern module: what the dialect accepts and refuses (offset and message of each refusal), match
 * verdicts over code points on both matching paths, ECMA-262 translation, quoting, hostile values and
 * threads. The ECMA verdicts themselves are checked by node (tests/oracles/pattern_ecma.js). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evs/pattern.h"
#include "pattern_cases.h"
#include "validate/pattern_internal.h"

static size_t case_len(const pattern_case *c) {
  return c->len ? c->len : strlen(c->value);
}

static void test_match_table_both_paths(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_pattern_cases / sizeof k_pattern_cases[0]; i++) {
    const pattern_case *c = &k_pattern_cases[i];
    evs_error err;
    evs_pattern *p = NULL;
    if (evs_pattern_compile(c->pattern, &p, &err) != EVS_OK)
      fail_msg("case %zu /%s/: %s", i, c->pattern, err.msg);
    bool m = !c->match, d = !c->match;
    assert_int_equal(evs_pattern_match(p, c->value, case_len(c), &m, &err), EVS_OK);
    assert_int_equal(evs_pattern_match_dfa(p, c->value, case_len(c), &d, &err), EVS_OK);
    if (m != c->match || d != c->match)
      fail_msg("case %zu /%s/ on \"%s\": backtracking %d, dfa %d, want %d", i, c->pattern, c->value, m, d,
               c->match);
    assert_string_equal(evs_pattern_source(p), c->pattern);
    evs_pattern_free(p);
  }
}

typedef struct refusal {
  const char *pattern;
  evs_status code;
  size_t offset;
  const char *msg; /* a part of the message */
} refusal;

static const refusal k_refusals[] = {
    {"\\d", EVS_ERR_SYNTAX, 0, "write [0-9]"},
    {"a\\D", EVS_ERR_SYNTAX, 1, "write [^0-9]"},
    {"ab\\w", EVS_ERR_SYNTAX, 2, "[A-Za-z0-9_]"},
    {"\\W", EVS_ERR_SYNTAX, 0, "[^A-Za-z0-9_]"},
    {"[\\s]", EVS_ERR_SYNTAX, 1, "[ \\t\\n\\r]"},
    {"\\S", EVS_ERR_SYNTAX, 0, "[^ \\t\\n\\r]"},
    {"^[^@[:space:]]+$", EVS_ERR_SYNTAX, 4, "[:space:]"},
    {"[[:digit:]]", EVS_ERR_SYNTAX, 1, "0-9"},
    {"[[:foo:]]", EVS_ERR_SYNTAX, 1, "POSIX classes"},
    {"[[=a=]]", EVS_ERR_SYNTAX, 1, "collating"},
    {"[a[b]]", EVS_ERR_SYNTAX, 2, "\\["},
    {"(?i)abc", EVS_ERR_SYNTAX, 0, "(?i)"},
    {"x(?:a)", EVS_ERR_SYNTAX, 1, "plain group"},
    {"a(?=b)", EVS_ERR_SYNTAX, 1, "lookahead"},
    {"a(?!b)", EVS_ERR_SYNTAX, 1, "lookahead"},
    {"(?<=a)b", EVS_ERR_SYNTAX, 0, "lookbehind"},
    {"(?<n>a)", EVS_ERR_SYNTAX, 0, "named groups"},
    {"(a)\\1", EVS_ERR_SYNTAX, 3, "back-references"},
    {"\\k<n>", EVS_ERR_SYNTAX, 0, "back-references"},
    {"\\bword", EVS_ERR_SYNTAX, 0, "word boundaries"},
    {"[\\b]", EVS_ERR_SYNTAX, 1, "\\b inside a class"},
    {"a*?", EVS_ERR_SYNTAX, 2, "lazy"},
    {"a{2,3}?", EVS_ERR_SYNTAX, 6, "lazy"},
    {"a++", EVS_ERR_SYNTAX, 2, "possessive"},
    {"a**", EVS_ERR_SYNTAX, 2, "cannot follow another"},
    {"a{2}{3}", EVS_ERR_SYNTAX, 4, "cannot follow another"},
    {"\\x41", EVS_ERR_SYNTAX, 0, "\\x escapes"},
    {"\\u0041", EVS_ERR_SYNTAX, 0, "\\u escapes"},
    {"\\f", EVS_ERR_SYNTAX, 0, "itself"},
    {"[^]", EVS_ERR_SYNTAX, 0, "[^]"},
    {"[]", EVS_ERR_SYNTAX, 0, "empty class"},
    {"[]a]", EVS_ERR_SYNTAX, 0, "empty class"},
    {"a^", EVS_ERR_SYNTAX, 1, "write \\^"},
    {"^^", EVS_ERR_SYNTAX, 1, "write \\^"},
    {"a$b", EVS_ERR_SYNTAX, 1, "write [$]"},
    {"(a$)", EVS_ERR_SYNTAX, 2, "write [$]"},
    {"a$$", EVS_ERR_SYNTAX, 1, "write [$]"},
    {"\\$", EVS_ERR_SYNTAX, 0, "write [$]"},
    {"(ab", EVS_ERR_SYNTAX, 0, "unclosed group"},
    {"ab)", EVS_ERR_SYNTAX, 2, ") without ("},
    {"[ab", EVS_ERR_SYNTAX, 0, "unterminated class"},
    {"[a-", EVS_ERR_SYNTAX, 0, "unterminated class"},
    {"a]", EVS_ERR_SYNTAX, 1, "write \\]"},
    {"a}", EVS_ERR_SYNTAX, 1, "write \\}"},
    {"a{", EVS_ERR_SYNTAX, 1, "write \\{"},
    {"a{x}", EVS_ERR_SYNTAX, 1, "write \\{"},
    {"a{,3}", EVS_ERR_SYNTAX, 1, "{0,m}"},
    {"*a", EVS_ERR_SYNTAX, 0, "nothing to repeat"},
    {"^*", EVS_ERR_SYNTAX, 1, "nothing to repeat"},
    {"a|+", EVS_ERR_SYNTAX, 2, "nothing to repeat"},
    {"{2}", EVS_ERR_SYNTAX, 0, "nothing to repeat"},
    {"a{3,2}", EVS_ERR_SYNTAX, 1, "minimum is above the maximum"},
    {"a{1001}", EVS_ERR_LIMIT, 1, "above 1000"},
    {"a{1,1001}", EVS_ERR_LIMIT, 1, "above 1000"},
    {"a{99999999999999999999}", EVS_ERR_LIMIT, 1, "above 1000"},
    {"(a{100}){101}", EVS_ERR_LIMIT, 0, "too large"},
    {"(a{1000}){1000}", EVS_ERR_LIMIT, 0, "too large"},
    {"\\p{}", EVS_ERR_SYNTAX, 0, "empty \\p{}"},
    {"x\\P{}", EVS_ERR_SYNTAX, 1, "empty \\P{}"},
    {"\\p{Greek}", EVS_ERR_SYNTAX, 0, "unknown category \\p{Greek}"},
    {"\\p{IsBasicLatin}", EVS_ERR_SYNTAX, 0, "unknown category"},
    {"\\p{L&}", EVS_ERR_SYNTAX, 0, "unknown category"},
    {"\\pL", EVS_ERR_SYNTAX, 0, "\\p{L}"},
    {"\\p{Lu", EVS_ERR_SYNTAX, 0, "not closed"},
    {"[z-a]", EVS_ERR_SYNTAX, 1, "out of order"},
    {"[a-z-0]", EVS_ERR_SYNTAX, 4, "write \\-"},
    {"[--a]", EVS_ERR_SYNTAX, 2, "write \\-"},
    {"[a--]", EVS_ERR_SYNTAX, 3, "cannot end at -"},
    {"[\\p{L}-a]", EVS_ERR_SYNTAX, 6, "cannot start at a category"},
    {"[a-\\p{L}]", EVS_ERR_SYNTAX, 2, "cannot end at a category"},
    {"[a-z-[aeiou]]", EVS_ERR_SYNTAX, 4, "subtraction"},
    {"abc\\", EVS_ERR_SYNTAX, 3, "lone \\"},
    {"\\q", EVS_ERR_SYNTAX, 0, "unknown escape \\q"},
    {"\\/", EVS_ERR_SYNTAX, 0, "write /"},
    {"\\A", EVS_ERR_SYNTAX, 0, "write ^"},
    {"a\\z", EVS_ERR_SYNTAX, 1, "write $"},
    {"ab\xC3", EVS_ERR_SYNTAX, 2, "UTF-8"},
    {"\xED\xA0\x80", EVS_ERR_SYNTAX, 0, "UTF-8"},
};

static void test_refusals_name_construct_and_offset(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_refusals / sizeof k_refusals[0]; i++) {
    const refusal *r = &k_refusals[i];
    evs_error err;
    evs_error_clear(&err);
    evs_status st = evs_pattern_check(r->pattern, &err);
    if (st != r->code || err.offset != r->offset || !strstr(err.msg, r->msg))
      fail_msg("/%s/: got %s at %zu \"%s\", want %s at %zu with \"%s\"", r->pattern, evs_status_name(st),
               err.offset, err.msg, evs_status_name(r->code), r->offset, r->msg);
    /* compile and to_ecma refuse with the same verdict and leave nothing behind */
    evs_pattern *p = (evs_pattern *)&err;
    assert_int_equal(evs_pattern_compile(r->pattern, &p, NULL), r->code);
    assert_null(p);
    evs_buf out = EVS_BUF_INIT;
    assert_int_equal(evs_buf_append_str(&out, "kept"), EVS_OK);
    assert_int_equal(evs_pattern_to_ecma(r->pattern, &out, NULL), r->code);
    assert_string_equal((const char *)out.data, "kept");
    evs_buf_free(&out);
  }
}

static void test_limits_and_arguments(void **state) {
  (void)state;
  evs_error err;
  char *big = malloc(EVS_PATTERN_MAX_LEN + 2);
  assert_non_null(big);
  memset(big, 'a', EVS_PATTERN_MAX_LEN);
  big[EVS_PATTERN_MAX_LEN] = '\0';
  assert_int_equal(evs_pattern_check(big, &err), EVS_OK);
  big[EVS_PATTERN_MAX_LEN] = 'a';
  big[EVS_PATTERN_MAX_LEN + 1] = '\0';
  assert_int_equal(evs_pattern_check(big, &err), EVS_ERR_LIMIT);
  free(big);
  /* nesting: 64 groups are fine, 65 are not */
  char nest[200] = "";
  for (int i = 0; i < 64; i++) strcat(nest, "(");
  strcat(nest, "a");
  for (int i = 0; i < 64; i++) strcat(nest, ")");
  assert_int_equal(evs_pattern_check(nest, &err), EVS_OK);
  memmove(nest + 1, nest, strlen(nest) + 1);
  strcat(nest, ")");
  assert_int_equal(evs_pattern_check(nest, &err), EVS_ERR_LIMIT);
  assert_int_equal(err.offset, 64);
  assert_int_equal(evs_pattern_check("^a{1000}$", &err), EVS_OK);
  assert_int_equal(evs_pattern_check("^(a|b){0,1000}$", &err), EVS_OK);

  assert_int_equal(evs_pattern_check(NULL, &err), EVS_ERR_INVALID_ARG);
  evs_pattern *p = NULL;
  assert_int_equal(evs_pattern_compile(NULL, &p, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_pattern_compile("a", NULL, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_pattern_compile("a", &p, &err), EVS_OK);
  bool m = true;
  assert_int_equal(evs_pattern_match(NULL, "a", 1, &m, &err), EVS_ERR_INVALID_ARG);
  assert_false(m);
  assert_int_equal(evs_pattern_match(p, NULL, 1, &m, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_pattern_match(p, "a", 1, NULL, &err), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_pattern_match(p, NULL, 0, &m, &err), EVS_OK);
  assert_false(m);
  evs_pattern_free(p);
  evs_pattern_free(NULL);
  assert_null(evs_pattern_source(NULL));
  assert_int_equal(evs_pattern_to_ecma("a", NULL, &err), EVS_ERR_INVALID_ARG);
}

static void expect_ecma(const char *src, const char *want) {
  evs_buf out = EVS_BUF_INIT;
  evs_error err;
  if (evs_pattern_to_ecma(src, &out, &err) != EVS_OK) fail_msg("/%s/: %s", src, err.msg);
  if (strcmp(out.data ? (const char *)out.data : "", want) != 0)
    fail_msg("/%s/ as ECMA: %s, want %s", src, out.data ? (const char *)out.data : "", want);
  evs_buf_free(&out);
}

static void test_ecma_translation(void **state) {
  (void)state;
  expect_ecma(".", "[^\\n\\r]");
  expect_ecma("^a.b$", "^a[^\\n\\r]b$");
  expect_ecma("a\\-b", "a-b"); /* \- outside a class is a SyntaxError with u */
  expect_ecma("[\\-a-z]", "[\\-a-z]");
  expect_ecma("[a-]", "[a\\-]");
  expect_ecma("[a^]", "[a\\^]");
  expect_ecma("(a|b)+", "(a|b)+");
  expect_ecma("a+", "a+");
  expect_ecma("\\p{Lu}\\P{Nd}", "\\p{Lu}\\P{Nd}");
  expect_ecma("\\.\\^\\n", "\\.\\^\\n");
  expect_ecma("", "");
  expect_ecma("^$", "^$");
  expect_ecma("\xC3\xA9{2,}", "\xC3\xA9{2,}");
}

static void expect_quote_round_trip(const char *text, size_t len) {
  evs_buf q = EVS_BUF_INIT, anchored = EVS_BUF_INIT;
  assert_int_equal(evs_pattern_quote(text, len, &q), EVS_OK);
  const char *qs = q.data ? (const char *)q.data : "";
  assert_int_equal(evs_buf_append_str(&anchored, "^"), EVS_OK);
  assert_int_equal(evs_buf_append_str(&anchored, qs), EVS_OK);
  assert_int_equal(evs_buf_append_str(&anchored, "$"), EVS_OK);
  evs_error err;
  evs_pattern *p = NULL;
  if (evs_pattern_compile((const char *)anchored.data, &p, &err) != EVS_OK)
    fail_msg("quote of \"%s\" = /%s/: %s", text, qs, err.msg);
  bool m = false;
  assert_int_equal(evs_pattern_match(p, text, len, &m, &err), EVS_OK);
  if (!m) fail_msg("/%s/ does not match its own text \"%s\"", (const char *)anchored.data, text);
  /* and nothing longer: the quoted text is literal, not a pattern */
  char *longer = malloc(len + 2);
  assert_non_null(longer);
  if (len) memcpy(longer, text, len);
  longer[len] = 'x';
  assert_int_equal(evs_pattern_match(p, longer, len + 1, &m, &err), EVS_OK);
  assert_false(m);
  free(longer);
  evs_pattern_free(p);
  evs_buf_free(&q);
  evs_buf_free(&anchored);
}

static void test_quote(void **state) {
  (void)state;
  const char *texts[] = {"plain",
                         "a.b*c+d?e",
                         "^$",
                         "(x)[y]{z}|w",
                         "back\\slash",
                         "a-b/c_d",
                         "tab\there\nnl\rcr",
                         "\xC3\xA9\xF0\x9F\x98\x80",
                         "",
                         "$1.00 (^_^)",
                         "[\\-]",
                         "{1,2}"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    expect_quote_round_trip(texts[i], strlen(texts[i]));
  expect_quote_round_trip("a\0b", 3);
  evs_buf q = EVS_BUF_INIT;
  assert_int_equal(evs_pattern_quote("a.b-c$", 6, &q), EVS_OK);
  assert_string_equal((const char *)q.data, "a\\.b-c[$]");
  assert_int_equal(evs_pattern_quote("\xC3", 1, &q), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_pattern_quote(NULL, 1, &q), EVS_ERR_INVALID_ARG);
  assert_int_equal(evs_pattern_quote("x", 1, NULL), EVS_ERR_INVALID_ARG);
  evs_buf_free(&q);
}

/* Nested quantifiers on a long value that almost matches: backtracking alone takes exponential (or, for
 * PCRE2's DFA with counted + loops, cubic) time here. The test passes by returning at all. */
static void test_hostile_values_return(void **state) {
  (void)state;
  const size_t n = 100 * 1024;
  char *v = malloc(n + 1);
  assert_non_null(v);
  memset(v, 'a', n);
  v[n] = '!';
  const char *hostile[] = {"(a|a)*b",   "(a*)*b",       "^(a+)+$",     "(a|a)*[bc]",       "(a*)*[bc]",
                           "^(a|aa)+$", "(a{2,})+[bc]", "^(.*a){12}$", "^([a-z]+[a-z]+)+$"};
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    evs_pattern *p = NULL;
    evs_error err;
    assert_int_equal(evs_pattern_compile(hostile[i], &p, &err), EVS_OK);
    bool m = true, d = true;
    assert_int_equal(evs_pattern_match(p, v, n + 1, &m, &err), EVS_OK);
    assert_false(m);
    assert_int_equal(evs_pattern_match_dfa(p, v, n + 1, &d, &err), EVS_OK);
    assert_false(d);
    assert_int_equal(evs_pattern_match(p, v, n, &m, &err), EVS_OK); /* all a's: a match for some */
    assert_int_equal(evs_pattern_match_dfa(p, v, n, &d, &err), EVS_OK);
    assert_int_equal(m, d);
    evs_pattern_free(p);
  }
  free(v);
}

typedef struct thread_arg {
  const evs_pattern *p;
  int failures;
} thread_arg;

static void *match_many(void *arg) {
  thread_arg *t = arg;
  for (int i = 0; i < 2000; i++) {
    bool m = false;
    const char *v = i % 2 ? "task-created" : "Task_Created";
    if (evs_pattern_match(t->p, v, strlen(v), &m, NULL) != EVS_OK || m != (i % 2 == 1)) t->failures++;
  }
  return NULL;
}

static void test_one_pattern_many_threads(void **state) {
  (void)state;
  evs_pattern *p = NULL;
  assert_int_equal(evs_pattern_compile("^[a-z]+(-[a-z]+)*$", &p, NULL), EVS_OK);
  pthread_t th[4];
  thread_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (thread_arg){p, 0};
    assert_int_equal(pthread_create(&th[i], NULL, match_many, &args[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(args[i].failures, 0);
  }
  evs_pattern_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_match_table_both_paths),
      cmocka_unit_test(test_refusals_name_construct_and_offset),
      cmocka_unit_test(test_limits_and_arguments),
      cmocka_unit_test(test_ecma_translation),
      cmocka_unit_test(test_quote),
      cmocka_unit_test(test_hostile_values_return),
      cmocka_unit_test(test_one_pattern_many_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
