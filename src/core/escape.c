/* escape.c - output escaping of untrusted names (see escape.h). */
#include "core/escape.h"

#include <stdio.h>
#include <string.h>

size_t fg_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    unsigned lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

bool fg_escape_invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

static int escape(struct fg_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        uint32_t cp = 0;
        size_t l = fg_utf8_next(s + i, n - i, &cp);
        int rc;
        if (c == '\\') {
            rc = fg_buf_add(b, "\\\\", 2);
        } else if (l >= 2 && fg_escape_invisible(cp)) {
            char e[16];
            snprintf(e, sizeof(e), "\\u{%04X}", (unsigned)cp);
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
        uint32_t cp;
        size_t l = fg_utf8_next(s + i, n - i, &cp);
        int rc = l ? fg_buf_add(b, s + i, l)
                   : fg_buf_add(b, "\xef\xbf\xbd", 3);
        if (rc)
            return rc;
        i += l ? l : 1;
    }
    return FG_OK;
}
