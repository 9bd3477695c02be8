/*
 * buf.h - growable byte buffer with a hard size limit (curl dynbuf, git
 * strbuf).  data is always NUL-terminated; len excludes the NUL.  A
 * buffer that would grow past max fails with FG_ELIMIT and is released.
 * Out of memory is fatal (util.h).
 */
#ifndef FLAMEGATE_BUF_H
#define FLAMEGATE_BUF_H

#include "flamegate/fg.h"

struct fg_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max; /* 0 means unlimited */
};

/* Initialise an empty buffer that may hold at most max bytes (0: no cap). */
void fg_buf_init(struct fg_buf *b, size_t max);
/* Free the storage and reset to empty.  Safe to call twice. */
void fg_buf_release(struct fg_buf *b);
/* Drop the contents, keep the storage. */
void fg_buf_reset(struct fg_buf *b);

int fg_buf_add(struct fg_buf *b, const void *data, size_t len) FG_MUST_CHECK;
int fg_buf_adds(struct fg_buf *b, const char *s) FG_MUST_CHECK;
int fg_buf_addc(struct fg_buf *b, char c) FG_MUST_CHECK;
int fg_buf_addf(struct fg_buf *b, const char *fmt, ...) FG_PRINTF(2, 3)
    FG_MUST_CHECK;

/* Ensure capacity for at least cap bytes (including the NUL) without
 * changing len or applying max; returns b->data.  For writers that fill
 * the storage directly (zlib).  Fatal on out of memory. */
char *fg_buf_grow_raw(struct fg_buf *b, size_t cap);

/* Hand the storage to the caller (who frees it); the buffer becomes empty.
 * Never returns NULL (an empty buffer yields ""). */
char *fg_buf_detach(struct fg_buf *b, size_t *len);

#endif
