/* Name rules: identifiers, ProtoJSON default json names, schema versions, well-known types, comments. */
#include "registry/registry_internal.h"

#include <string.h>

static bool is_alpha_(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool evs_is_identifier(const char *s) {
  if (!s || !is_alpha_(*s)) return false;
  for (s++; *s; s++)
    if (!is_alpha_(*s) && !is_digit(*s)) return false;
  return true;
}

bool evs_is_dotted_identifier(const char *s) {
  if (!s || !*s) return false;
  for (;;) {
    if (!is_alpha_(*s)) return false;
    for (s++; is_alpha_(*s) || is_digit(*s); s++) continue;
    if (!*s) return true;
    if (*s != '.') return false;
    s++;
  }
}

/* The next character of the default json name of the name at *p (advanced past it), '\0' at its end. */
static char json_name_next(const char **p) {
  bool upper = false;
  for (; **p == '_'; (*p)++) upper = true;
  char c = **p;
  if (!c) return '\0';
  (*p)++;
  return upper && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

char *evs_default_json_name(evs_arena *pool, const char *name) {
  size_t len = strlen(name);
  char *out = evs_arena_alloc_chars(pool, len + 1);
  if (!out) return NULL;
  size_t n = 0;
  for (char c; (c = json_name_next(&name));) out[n++] = c;
  out[n] = '\0';
  return out;
}

bool evs_is_default_json_name(const char *name, const char *json) {
  for (;; json++) {
    char c = json_name_next(&name);
    if (c != *json) return false;
    if (!c) return true;
  }
}

bool evs_is_schema_version(const char *s) {
  if (!s || !is_digit(*s)) return false;
  for (;;) {
    while (is_digit(*s)) s++;
    if (!*s) return true;
    if (*s != '.' || !is_digit(s[1])) return false;
    s++;
  }
}

/* Compares one dot component of each version numerically; advances both. */
static int cmp_component(const char **pa, const char **pb) {
  const char *a = *pa, *b = *pb;
  while (*a == '0') a++;
  while (*b == '0') b++;
  size_t la = 0, lb = 0;
  while (is_digit(a[la])) la++;
  while (is_digit(b[lb])) lb++;
  int c = la < lb ? -1 : la > lb ? 1 : memcmp(a, b, la);
  *pa = a + la;
  *pb = b + lb;
  return c < 0 ? -1 : c > 0;
}

int evs_schema_version_compare(const char *a, const char *b) {
  if (!a) a = "";
  if (!b) b = "";
  if (!*a || !*b) return (*a != '\0') - (*b != '\0');
  bool va = evs_is_schema_version(a), vb = evs_is_schema_version(b);
  if (!va || !vb) {
    if (va != vb) return va ? -1 : 1;
    int c = strcmp(a, b);
    return c < 0 ? -1 : c > 0;
  }
  for (;;) {
    int c = cmp_component(&a, &b);
    if (c) return c;
    if (*a == '.') a++;
    if (*b == '.') b++;
    if (!*a && !*b) return 0;
    /* A missing component counts as 0: "1" == "1.0", "1" < "1.0.1". */
    if (!*a) a = "0";
    if (!*b) b = "0";
  }
}

static const struct {
  const char *name;
  evs_wkt wkt;
} k_wkts[] = {
    {"google.protobuf.Any", EVS_WKT_ANY},
    {"google.protobuf.Timestamp", EVS_WKT_TIMESTAMP},
    {"google.protobuf.Duration", EVS_WKT_DURATION},
    {"google.protobuf.Struct", EVS_WKT_STRUCT},
    {"google.protobuf.Value", EVS_WKT_VALUE},
    {"google.protobuf.ListValue", EVS_WKT_LIST_VALUE},
    {"google.protobuf.NullValue", EVS_WKT_NULL_VALUE},
    {"google.protobuf.FieldMask", EVS_WKT_FIELD_MASK},
    {"google.protobuf.Empty", EVS_WKT_EMPTY},
    {"google.protobuf.DoubleValue", EVS_WKT_DOUBLE_VALUE},
    {"google.protobuf.FloatValue", EVS_WKT_FLOAT_VALUE},
    {"google.protobuf.Int64Value", EVS_WKT_INT64_VALUE},
    {"google.protobuf.UInt64Value", EVS_WKT_UINT64_VALUE},
    {"google.protobuf.Int32Value", EVS_WKT_INT32_VALUE},
    {"google.protobuf.UInt32Value", EVS_WKT_UINT32_VALUE},
    {"google.protobuf.BoolValue", EVS_WKT_BOOL_VALUE},
    {"google.protobuf.StringValue", EVS_WKT_STRING_VALUE},
    {"google.protobuf.BytesValue", EVS_WKT_BYTES_VALUE},
};

const char *evs_wkt_name(evs_wkt wkt) {
  if (wkt == EVS_WKT_NONE) return "";
  for (size_t i = 0; i < sizeof k_wkts / sizeof k_wkts[0]; i++)
    if (k_wkts[i].wkt == wkt) return k_wkts[i].name;
  return NULL;
}

bool evs_wkt_is_wrapper(evs_wkt wkt) {
  /* The wrappers are the enum's last nine values, in one run. */
  return wkt >= EVS_WKT_DOUBLE_VALUE && wkt <= EVS_WKT_BYTES_VALUE;
}

evs_wkt evs_wkt_of_message(const char *full_name) {
  static const char prefix[] = "google.protobuf.";
  if (strncmp(full_name, prefix, sizeof prefix - 1) != 0) return EVS_WKT_NONE;
  for (size_t i = 0; i < sizeof k_wkts / sizeof k_wkts[0]; i++)
    if (k_wkts[i].wkt != EVS_WKT_NULL_VALUE && strcmp(k_wkts[i].name, full_name) == 0) return k_wkts[i].wkt;
  return EVS_WKT_NONE;
}

const char *evs_trim_comment(evs_arena *pool, const char *text, size_t len) {
  if (!text) return NULL;
  while (len &&
         (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
    len--;
  if (!len) return NULL;
  if (!memchr(text, '\n', len)) { /* one line (most comments): its indentation is the common one */
    size_t sp = 0;
    while (text[sp] == ' ') sp++; /* ends: text[len - 1] is not blank */
    char *one = evs_arena_alloc_chars(pool, len - sp + 1);
    if (!one) return NULL;
    memcpy(one, text + sp, len - sp);
    one[len - sp] = '\0';
    return one;
  }
  /* protoc keeps the space after "//" on every line: find the indentation all non-blank lines share. */
  size_t common = SIZE_MAX;
  for (size_t i = 0; i < len;) {
    size_t sp = 0;
    while (i + sp < len && text[i + sp] == ' ') sp++;
    if (i + sp < len && text[i + sp] != '\n' && sp < common) common = sp;
    while (i < len && text[i] != '\n') i++;
    i++;
  }
  if (common == SIZE_MAX) common = 0;
  char *out = evs_arena_alloc_chars(pool, len + 1);
  if (!out) return NULL;
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    size_t sp = 0;
    while (sp < common && i + sp < len && text[i + sp] == ' ') sp++;
    i += sp;
    while (i < len && text[i] != '\n') out[n++] = text[i++];
    if (i < len) out[n++] = text[i++];
  }
  out[n] = '\0';
  return out;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* protoc writes bytes defaults with CEscape (\n, \", \001, ...); \xHH is accepted too. */
size_t evs_c_unescape(const char *s, char *out) {
  size_t n = 0;
  while (*s) {
    if (*s != '\\' || !s[1]) {
      out[n++] = *s++;
      continue;
    }
    s++;
    char c = *s++;
    if (c >= '0' && c <= '7') {
      unsigned v = (unsigned)(c - '0');
      for (int i = 0; i < 2 && *s >= '0' && *s <= '7'; i++) v = v * 8 + (unsigned)(*s++ - '0');
      out[n++] = (char)(v & 0xff);
    } else if ((c == 'x' || c == 'X') && hex_digit(*s) >= 0) {
      unsigned v = 0;
      for (int i = 0; i < 2 && hex_digit(*s) >= 0; i++) v = v * 16 + (unsigned)hex_digit(*s++);
      out[n++] = (char)v;
    } else {
      static const char from[] = "abfnrtv", to[] = "\a\b\f\n\r\t\v";
      const char *k = strchr(from, c);
      out[n++] = k ? to[k - from] : c; /* \\ \' \" \? */
    }
  }
  return n;
}
