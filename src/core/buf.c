/* buf.c - growable byte buffer (see include/flamegate/buf.h). */
#include "flamegate/buf.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fg_buf_init(struct fg_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void fg_buf_release(struct fg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void fg_buf_reset(struct fg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(struct fg_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1 ||
        (b->max && b->len + extra > b->max)) {
        fg_buf_release(b);
        return FG_ELIMIT;
    }
    size_t need = b->len + extra + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        b->data = fg_xrealloc(b->data, cap);
        b->cap = cap;
    }
    return FG_OK;
}

int fg_buf_add(struct fg_buf *b, const void *data, size_t len)
{
    if (reserve(b, len) != FG_OK)
        return FG_ELIMIT;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return FG_OK;
}

int fg_buf_adds(struct fg_buf *b, const char *s)
{
    return fg_buf_add(b, s, strlen(s));
}

int fg_buf_addc(struct fg_buf *b, char c)
{
    return fg_buf_add(b, &c, 1);
}

int fg_buf_addf(struct fg_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return FG_EFORMAT;
    if ((size_t)n < sizeof(small))
        return fg_buf_add(b, small, (size_t)n);
    if (reserve(b, (size_t)n) != FG_OK)
        return FG_ELIMIT;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return FG_OK;
}

char *fg_buf_grow_raw(struct fg_buf *b, size_t cap)
{
    if (cap > b->cap) {
        b->data = fg_xrealloc(b->data, cap);
        if (b->cap == 0)
            b->data[0] = '\0';
        b->cap = cap;
    }
    return b->data;
}

char *fg_buf_detach(struct fg_buf *b, size_t *len)
{
    char *p = b->data ? b->data : fg_xstrdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
