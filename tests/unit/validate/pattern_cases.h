/* Patterns × values with the verdict the dialect gives (docs/validation.md, "Patterns"): shared by the unit
 * test (evs's PCRE2 matcher, both paths) and the ECMA-262 oracle (tests/oracles/pattern_ecma.js, through
 * tests/unit/validate/pattern_cases.c), so the table is the one place the dialect's meaning is written down.
 */
#ifndef EVS_TEST_PATTERN_CASES_H
#define EVS_TEST_PATTERN_CASES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pattern_case {
  const char *pattern;
  const char *value;
  size_t len; /* 0: strlen(value); set for values holding U+0000 */
  bool match;
} pattern_case;

static const pattern_case k_pattern_cases[] = {
    /* search unless anchored; $ is the end of the value, not "before a final newline" */
    {"abc", "xxabcxx", 0, true},
    {"^abc", "xabc", 0, false},
    {"^abc", "abcx", 0, true},
    {"abc$", "abcx", 0, false},
    {"abc$", "xabc", 0, true},
    {"^abc$", "abc", 0, true},
    {"^abc$", "abc\n", 0, false},
    {"abc$", "abc\n", 0, false},
    {"^$", "", 0, true},
    {"^$", "\n", 0, false},
    {"", "anything", 0, true},
    {"^", "x", 0, true},
    {"$", "", 0, true},
    {"^a|b$", "xb", 0, true},
    {"^a|b$", "bx", 0, false},
    {"^a|b$", "ax", 0, true},
    {"^(a|b)$", "ab", 0, false},
    {"a|", "zzz", 0, true},
    /* . is any code point but \n and \r (ECMA's own . also refuses U+2028/U+2029) */
    {"^.$", "\n", 0, false},
    {"^.$", "\r", 0, false},
    {"^.$", "\t", 0, true},
    {"^.$", "\xE2\x80\xA8", 0, true},
    {"^.$", "\xF0\x9F\x98\x80", 0, true},
    {"^.{2}$", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 0, true},
    {"^.{2}$", "\xF0\x9F\x98\x80", 0, false},
    {"^.$", "\xC3\xA9", 0, true},
    {"^[\xF0\x9F\x98\x80-\xF0\x9F\x98\x82]$", "\xF0\x9F\x98\x81", 0, true},
    {"^[\xF0\x9F\x98\x80-\xF0\x9F\x98\x82]$", "\xF0\x9F\x98\x83", 0, false},
    {"^[^a]$", "\xF0\x9F\x98\x80", 0, true},
    /* general categories over code points */
    {"^\\p{Lu}+$",
     "\xC3\x80"
     "B",
     0, true},
    {"^\\p{Lu}+$",
     "\xC3\x80"
     "b",
     0, false},
    {"\\P{L}", "abc", 0, false},
    {"\\P{L}", "ab1", 0, true},
    {"^\\p{Nd}$", "\xD9\xA3", 0, true},
    {"^\\p{N}$", "\xE2\x85\xA0", 0, true},
    {"^[\\p{L}\\p{N}]+$", "h\xC3\xA9llo2", 0, true},
    {"^[\\p{L}\\p{N}]+$", "h\xC3\xA9llo 2", 0, false},
    {"^\\p{Zs}$", "\xC2\xA0", 0, true},
    {"^\\p{Cc}$", "\x01", 0, true},
    {"^[^\\p{L}]$", "1", 0, true},
    {"^[^\\P{L}]$", "x", 0, true},
    {"^\\p{L}$", "\xF0\x90\x90\x80", 0, true},
    /* values holding U+0000 */
    {"^a.b$", "a\0b", 3, true},
    {"^[^x]+$", "\0\0", 2, true},
    {"b", "a\0b", 3, true},
    {"^a$", "a\0", 2, false},
    /* escapes */
    {"\\.", "a.b", 0, true},
    {"\\.", "ab", 0, false},
    {"a\\-b", "a-b", 0, true},
    {"a-b", "a-b", 0, true},
    {"[\\-]", "-", 0, true},
    {"\\^", "a^", 0, true},
    {"[$]", "a$", 0, true},
    {"\\n", "a\nb", 0, true},
    {"\\t", "a b", 0, false},
    {"\\\\", "a\\b", 0, true},
    {"\\(\\)\\*\\+\\?\\[\\]\\{\\}\\|", "()*+?[]{}|", 0, true},
    {"/", "a/b", 0, true},
    {"_", "a_b", 0, true},
    /* quantifiers */
    {"^a{2,3}$", "aaaa", 0, false},
    {"^a{2,3}$", "aaa", 0, true},
    {"^a{2,}$", "aaaa", 0, true},
    {"^a{2,}$", "a", 0, false},
    {"^a{2}$", "aa", 0, true},
    {"^(ab)+$", "abab", 0, true},
    {"^(ab)+$", "aba", 0, false},
    {"^a?b*c+$", "cc", 0, true},
    {"^a?b*c+$", "abb", 0, false},
    {"^x{0}$", "", 0, true},
    {"^(a+)+$", "aaaa", 0, true},
    {"^(a|a)*b$", "aab", 0, true},
    {"^([a-z]{1,3}){2}$", "abcd", 0, true},
    {"^([a-z]{1,3}){2}$", "abcdefg", 0, false},
    {"^\\p{L}{3}$", "\xF0\x90\x90\x80\xF0\x90\x90\x80\xF0\x90\x90\x80", 0, true},
    {"^[\\p{L}]+$",
     "\xF0\x90\x90\x80"
     "a",
     0, true},
    /* classes */
    {"^[^a-c]$", "d", 0, true},
    {"^[^a-c]$", "b", 0, false},
    {"^[^\\n]$", "\r", 0, true},
    {"^[a-]$", "-", 0, true},
    {"^[-a]$", "-", 0, true},
    {"^[^-a]$", "b", 0, true},
    {"^[\\]]$", "]", 0, true},
    {"^[\\[]$", "[", 0, true},
    {"^[a^]$", "^", 0, true},
    {"^[\\^]$", "^", 0, true},
    {"^[\xC3\xA9-\xC3\xAB]$", "\xC3\xAA", 0, true},
    {"^[\\n-\\r]$", "\x0B", 0, true},
    {"^[.]$", "x", 0, false},
    {"^[|()*+?{}]+$", "|()*+?{}", 0, true},
    /* PCRE2 reads [= [: [. as POSIX syntax even where a class opens (found by fuzz_pattern) */
    {"^[=*=]$", "*", 0, true},
    {"^[:a:]$", ":", 0, true},
    {"^[.x.]+$", ".x", 0, true},
    {"^[^=a=]$", "=", 0, false},
    /* the catalog's email rewrite (docs/validation.md) */
    {"^[^@ \\t\\n\\r]+@[^@ \\t\\n\\r]+$", "a@b.c", 0, true},
    {"^[^@ \\t\\n\\r]+@[^@ \\t\\n\\r]+$", "a b@c", 0, false},
    {"^[^@ \\t\\n\\r]+@[^@ \\t\\n\\r]+$", "a@b@c", 0, false},
    /* case matters */
    {"abc", "ABC", 0, false},
    {"^[a-z]+(-[a-z]+)*$", "task-created", 0, true},
    {"^[a-z]+(-[a-z]+)*$", "task--created", 0, false},
};

#endif
