/* escape.c - output escaping of untrusted names (see escape.h). */
#include "flamegate/escape.h"

#include <stdio.h>
#include <string.h>

size_t fg_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

static uint32_t codepoint(const unsigned char *s, size_t l)
{
    uint32_t cp = l == 2 ? s[0] & 0x1f : l == 3 ? s[0] & 0x0f : s[0] & 0x07;
    for (size_t i = 1; i < l; i++)
        cp = (cp << 6) | (s[i] & 0x3f);
    return cp;
}

/* C1 controls and the bidirectional overrides/isolates: valid UTF-8 that
 * can hide or reorder text on a terminal ("Trojan Source"). */
static bool invisible(const unsigned char *s, size_t l)
{
    uint32_t cp = codepoint(s, l);
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
           cp == 0x061c;
}

static int escape(struct fg_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t l = fg_utf8_seq_len(s + i, n - i);
        int rc;
        if (c == '\\') {
            rc = fg_buf_add(b, "\\\\", 2);
        } else if (l >= 2 && invisible(s + i, l)) {
            char e[16];
            snprintf(e, sizeof(e), "\\u{%04X}", codepoint(s + i, l));
            rc = fg_buf_adds(b, e);
        } else if (l == 0 || c < 0x20 || c == 0x7f) {
            char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            rc = fg_buf_add(b, e, 4);
            l = 1;
        } else {
            rc = fg_buf_add(b, s + i, l);
        }
        if (rc)
            return rc;
        i += l ? l : 1;
    }
    return FG_OK;
}

int fg_escape_term(struct fg_buf *b, const char *s)
{
    return escape(b, s);
}

int fg_escape_tsv(struct fg_buf *b, const char *str)
{
    for (const char *s = str; *s; s++) {
        int rc = *s == '\n'   ? fg_buf_add(b, "\\n", 2)
                 : *s == '\r' ? fg_buf_add(b, "\\r", 2)
                               : fg_buf_addc(b, *s);
        if (rc)
            return rc;
    }
    return FG_OK;
}

int fg_escape_utf8(struct fg_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    for (size_t i = 0; i < n;) {
        size_t l = fg_utf8_seq_len(s + i, n - i);
        int rc = l ? fg_buf_add(b, s + i, l)
                   : fg_buf_add(b, "\xef\xbf\xbd", 3);
        if (rc)
            return rc;
        i += l ? l : 1;
    }
    return FG_OK;
}
