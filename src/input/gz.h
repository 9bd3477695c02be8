/*
 * gz.h - gzip detection, capped streaming inflate, and deflate.
 */
#ifndef FLAMEGATE_GZ_H
#define FLAMEGATE_GZ_H

#include "flamegate/buf.h"

/* True when data starts with the gzip magic bytes 1f 8b. */
bool fg_gz_is_gzip(const unsigned char *data, size_t len);

/*
 * Inflate a gzip stream (concatenated members accepted) into out, which is
 * reset first.  At most max bytes are produced: beyond that the result is
 * FG_ELIMIT ("decompresses to more than N bytes"), so a decompression bomb
 * is an error rather than an out-of-memory.  A truncated or corrupt stream
 * is FG_EFORMAT.  what names the input in messages.
 */
int fg_gz_inflate(const unsigned char *data, size_t len, size_t max,
                  const char *what, struct fg_buf *out,
                  struct fg_error *err) FG_MUST_CHECK;

/* Gzip-compress data (level 1-9, or -1 for the default) into out. */
int fg_gz_deflate(const void *data, size_t len, int level, struct fg_buf *out,
                  struct fg_error *err) FG_MUST_CHECK;

#endif
