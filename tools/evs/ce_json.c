#include "ce_json.h"

#include <stdint.h>
#include <string.h>

#include "cli.h"

typedef struct scan {
  char *p, *end, *base;
  const char *why;
} scan;

static void ws(scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int hex4(const char *p, const char *end, uint32_t *v) {
  if (end - p < 4) return -1;
  *v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return -1;
    *v = *v << 4 | (uint32_t)h;
  }
  return 0;
}

static char *put_utf8(char *w, uint32_t c) {
  if (c < 0x80) {
    *w++ = (char)c;
  } else if (c < 0x800) {
    *w++ = (char)(0xc0 | c >> 6);
    *w++ = (char)(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    *w++ = (char)(0xe0 | c >> 12);
    *w++ = (char)(0x80 | ((c >> 6) & 0x3f));
    *w++ = (char)(0x80 | (c & 0x3f));
  } else {
    *w++ = (char)(0xf0 | c >> 18);
    *w++ = (char)(0x80 | ((c >> 12) & 0x3f));
    *w++ = (char)(0x80 | ((c >> 6) & 0x3f));
    *w++ = (char)(0x80 | (c & 0x3f));
  }
  return w;
}

/* A string at s->p (on the quote): unescaped in place, NUL-terminated; never longer than its escaped
 * form, so writing never overtakes reading. */
static char *string(scan *s) {
  char *r = s->p + 1, *w = s->p, *start = s->p;
  while (r < s->end && *r != '"') {
    unsigned char c = (unsigned char)*r;
    if (c < 0x20) {
      s->why = "control character in a string";
      s->p = r;
      return NULL;
    }
    if (c != '\\') {
      *w++ = *r++;
      continue;
    }
    if (++r >= s->end) break;
    char e = *r++;
    switch (e) {
      case '"':
        *w++ = '"';
        break;
      case '\\':
        *w++ = '\\';
        break;
      case '/':
        *w++ = '/';
        break;
      case 'b':
        *w++ = '\b';
        break;
      case 'f':
        *w++ = '\f';
        break;
      case 'n':
        *w++ = '\n';
        break;
      case 'r':
        *w++ = '\r';
        break;
      case 't':
        *w++ = '\t';
        break;
      case 'u': {
        uint32_t cp, lo;
        if (hex4(r, s->end, &cp) != 0) goto bad_escape;
        r += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (s->end - r < 6 || r[0] != '\\' || r[1] != 'u' || hex4(r + 2, s->end, &lo) != 0 || lo < 0xdc00 ||
              lo > 0xdfff)
            goto bad_escape;
          r += 6;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
          goto bad_escape;
        }
        if (cp == 0) {
          s->why = "\\u0000 in an attribute";
          s->p = r;
          return NULL;
        }
        w = put_utf8(w, cp);
        break;
      }
      default:
      bad_escape:
        s->why = "bad escape in a string";
        s->p = r;
        return NULL;
    }
  }
  if (r >= s->end) {
    s->why = "unterminated string";
    s->p = r;
    return NULL;
  }
  *w = '\0';
  s->p = r + 1;
  return start;
}

/* Skips any JSON value (without checking numbers and literals closely: the codec parses data itself). */
static int skip_value(scan *s) {
  int depth = 0;
  do {
    ws(s);
    if (s->p >= s->end) {
      s->why = "unexpected end of line";
      return -1;
    }
    char c = *s->p;
    if (c == '"') {
      /* Skip without unescaping: data is handed to the JSON codec as written. */
      char *r = s->p + 1;
      while (r < s->end && *r != '"') r += *r == '\\' ? 2 : 1;
      if (r >= s->end) {
        s->why = "unterminated string";
        return -1;
      }
      s->p = r + 1;
    } else if (c == '{' || c == '[') {
      depth++;
      s->p++;
      continue;
    } else if (c == '}' || c == ']') {
      if (depth == 0) {
        s->why = "unbalanced bracket";
        return -1;
      }
      depth--;
      s->p++;
    } else if (c == ',' || c == ':') {
      s->p++;
      continue;
    } else {
      while (s->p < s->end && !strchr(",:]} \t\r\n", *s->p)) s->p++;
    }
  } while (depth > 0);
  return 0;
}

int ce_json_parse(char *line, size_t len, ce_json *out, char *why, size_t why_n, size_t *offset) {
  memset(out, 0, sizeof *out);
  scan s = {line, line + len, line, NULL};
  ws(&s);
  if (s.p >= s.end || *s.p != '{') {
    s.why = "a line must hold one JSON object";
    goto fail;
  }
  s.p++;
  ws(&s);
  if (s.p < s.end && *s.p == '}') {
    s.p++;
    goto done;
  }
  for (;;) {
    ws(&s);
    if (s.p >= s.end || *s.p != '"') {
      s.why = "expected a member name";
      goto fail;
    }
    char *name = string(&s);
    if (!name) goto fail;
    ws(&s);
    if (s.p >= s.end || *s.p != ':') {
      s.why = "expected ':'";
      goto fail;
    }
    s.p++;
    ws(&s);
    char *vstart = s.p;
    if (strcmp(name, "data") == 0) {
      if (skip_value(&s) != 0) goto fail;
      if (!(s.p - vstart == 4 && memcmp(vstart, "null", 4) == 0)) {
        out->data = vstart;
        out->data_len = (size_t)(s.p - vstart);
      }
    } else {
      static const struct {
        const char *name;
        size_t off;
      } attrs[] = {
          {"specversion", offsetof(ce_json, specversion)},
          {"id", offsetof(ce_json, id)},
          {"source", offsetof(ce_json, source)},
          {"type", offsetof(ce_json, type)},
          {"time", offsetof(ce_json, time)},
          {"subject", offsetof(ce_json, subject)},
          {"dataschema", offsetof(ce_json, dataschema)},
          {"datacontenttype", offsetof(ce_json, datacontenttype)},
          {"schemaversion", offsetof(ce_json, schemaversion)},
          {"correlationid", offsetof(ce_json, correlationid)},
          {"causationid", offsetof(ce_json, causationid)},
          {"tags", offsetof(ce_json, tags)},
          {"data_base64", offsetof(ce_json, data_base64)},
      };
      char **slot = NULL;
      for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++) {
        if (strcmp(name, attrs[i].name) == 0) slot = (char **)(void *)((char *)out + attrs[i].off);
      }
      if (!slot) {
        if (skip_value(&s) != 0) goto fail;
      } else if (s.p < s.end && *s.p == '"') {
        char *v = string(&s);
        if (!v) goto fail;
        if (*slot) {
          s.p = vstart;
          s.why = "attribute given twice";
          goto fail;
        }
        *slot = v;
      } else if (s.end - s.p >= 4 && memcmp(s.p, "null", 4) == 0) {
        s.p += 4;
      } else {
        s.why = "attribute values must be strings";
        goto fail;
      }
    }
    ws(&s);
    if (s.p < s.end && *s.p == ',') {
      s.p++;
      continue;
    }
    if (s.p < s.end && *s.p == '}') {
      s.p++;
      break;
    }
    s.why = "expected ',' or '}'";
    goto fail;
  }
done:
  ws(&s);
  if (s.p != s.end) {
    s.why = "text after the event object";
    goto fail;
  }
  if (out->data && out->data_base64) {
    s.p = line;
    s.why = "both data and data_base64";
    goto fail;
  }
  return 0;
fail:
  snprintf(why, why_n, "%s", s.why ? s.why : "malformed JSON");
  if (offset) *offset = (size_t)(s.p - s.base);
  return -1;
}

int ce_tags_decode(char *text, evs_tag *tags, int max) {
  int n = 0;
  char *p = text;
  while (*p) {
    if (n == max) return -1;
    char *amp = strchr(p, '&');
    if (amp) *amp = '\0';
    char *eq = strchr(p, '=');
    if (!eq || eq == p) return -1;
    *eq = '\0';
    /* Percent-decode key and value in place. */
    for (char *part = p;; part = eq + 1) {
      char *r = part, *w = part;
      while (*r) {
        if (*r == '%') {
          int h = r[1] ? hexval(r[1]) : -1, l = h >= 0 && r[2] ? hexval(r[2]) : -1;
          if (h < 0 || l < 0) return -1;
          *w++ = (char)(h << 4 | l);
          r += 3;
        } else {
          *w++ = *r++;
        }
      }
      *w = '\0';
      if (part != p) break;
    }
    tags[n].key = p;
    tags[n].value = eq + 1;
    n++;
    if (!amp) break;
    p = amp + 1;
  }
  return n;
}

long ce_base64_decode(char *text) {
  size_t len = strlen(text);
  if (len % 4) return -1;
  unsigned char *w = (unsigned char *)text;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++) {
      char c = text[i + k];
      v[k] = c >= 'A' && c <= 'Z'                 ? c - 'A'
             : c >= 'a' && c <= 'z'               ? c - 'a' + 26
             : c >= '0' && c <= '9'               ? c - '0' + 52
             : c == '+'                           ? 62
             : c == '/'                           ? 63
             : c == '=' && i + 4 == len && k >= 2 ? -2
                                                  : -1;
      if (v[k] == -1) return -1;
    }
    if (v[2] == -2 && v[3] != -2) return -1;
    *w++ = (unsigned char)(v[0] << 2 | v[1] >> 4);
    if (v[2] != -2) *w++ = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
    if (v[3] != -2) *w++ = (unsigned char)((v[2] & 3) << 6 | v[3]);
  }
  return (long)((char *)w - text);
}

void ce_json_member(FILE *out, bool first, const char *name, const char *value) {
  if (!value) return;
  fprintf(out, "%s\"%s\":", first ? "" : ",", name);
  cli_json_string(out, value);
}
