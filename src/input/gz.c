/*
 * gz.c - gzip detection, capped inflate, deflate (see gz.h).
 *
 * Inflate takes libdeflate's whole-buffer decoder first: 2-3x faster
 * than zlib's inflate on profiles, and it writes into a buffer of exactly
 * the size the gzip trailer announces, so nothing is reallocated.  It is
 * used only when its answer is certain to be zlib's: a single member whose
 * trailer size is within the cap, decoded without error.  Everything else
 * (several members, a trailer that lies, corrupt or truncated data, a
 * size over the cap) goes to zlib's streaming inflate, which decides and
 * words the error as before; the cap holds on both paths.
 */
#include "input/gz.h"

#include <libdeflate.h>
#include <string.h>
#include <zlib.h>

bool fg_gz_is_gzip(const unsigned char *data, size_t len)
{
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* The gzip trailer's ISIZE (size mod 2^32) is a good first guess for the
 * output size; it is only a hint (concatenated members, >4 GiB). */
static size_t size_hint(const unsigned char *data, size_t len, size_t max)
{
    if (len < 18)
        return 4096;
    const unsigned char *t = data + len - 4;
    size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 |
                   (size_t)t[3] << 24;
    if (isize == 0 || isize > max)
        isize = len * 4 < max ? len * 4 : max;
    return isize + 1;
}

/* libdeflate's answer when it is zlib's (see above): FG_OK with out
 * filled, else -1 and out left reset for the zlib path. */
static int inflate_whole(const unsigned char *data, size_t len, size_t max,
                         struct fg_buf *out)
{
    if (len < 18)
        return -1;
    const unsigned char *t = data + len - 4;
    size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 |
                   (size_t)t[3] << 24;
    /* DEFLATE expands at most 1032:1: a larger claim is a lie (or a
     * member of 4 GiB and more, whose size wrapped). */
    if (isize > max || isize / 1032 > len)
        return -1;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return -1;
    fg_buf_reset(out);
    fg_buf_grow_raw(out, isize + 1);
    size_t in_used = 0, got = 0;
    enum libdeflate_result r = libdeflate_gzip_decompress_ex(
        d, data, len, out->data, isize, &in_used, &got);
    libdeflate_free_decompressor(d);
    /* A second member follows: zlib reads them all. */
    if (r != LIBDEFLATE_SUCCESS || got != isize ||
        (len - in_used >= 2 && fg_gz_is_gzip(data + in_used, len - in_used)))
        return -1;
    out->len = got;
    out->data[got] = '\0';
    return FG_OK;
}

int fg_gz_inflate(const unsigned char *data, size_t len, size_t max,
                  const char *what, struct fg_buf *out, struct fg_error *err)
{
    if (inflate_whole(data, len, max, out) == FG_OK)
        return FG_OK;
    int rc = FG_OK;
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return fg_error_set(err, FG_ENOMEM, "%s: cannot initialise zlib",
                            what);
    fg_buf_reset(out);
    out->max = 0;
    size_t hint = size_hint(data, len, max);
    z.next_in = (unsigned char *)(uintptr_t)data;
    size_t in_left = len;
    for (;;) {
        /* One byte beyond max is allowed in so that "more than max" can
         * be told apart from "exactly max". */
        if (out->cap < out->len + 65537 && out->cap < max + 2) {
            size_t want = out->len < hint ? hint : out->len * 2;
            if (want < out->len + 65537)
                want = out->len + 65537;
            if (want > max + 2)
                want = max + 2;
            fg_buf_grow_raw(out, want);
        }
        size_t room = out->cap - out->len - 1;
        uInt chunk_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
        uInt chunk_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        z.avail_in = chunk_in;
        z.next_out = (unsigned char *)out->data + out->len;
        z.avail_out = chunk_out;
        int zr = inflate(&z, Z_NO_FLUSH);
        in_left -= chunk_in - z.avail_in;
        out->len += chunk_out - z.avail_out;
        if (out->len > max) {
            rc = fg_error_set(err, FG_ELIMIT,
                              "%s: decompresses to more than %zu bytes "
                              "(possible decompression bomb; raise the limit "
                              "with --max-decompressed-size)",
                              what, max);
            goto out;
        }
        if (zr == Z_STREAM_END) {
            /* Concatenated gzip members are valid gzip (RFC 1952). */
            if (in_left >= 2 && fg_gz_is_gzip(z.next_in, in_left)) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (zr == Z_BUF_ERROR && in_left == 0) {
            rc = fg_error_set(err, FG_EFORMAT,
                              "%s: truncated gzip stream (ends after %zu "
                              "compressed bytes)",
                              what, len);
            goto out;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = fg_error_set(err, FG_EFORMAT, "%s: corrupt gzip data (%s)",
                              what, z.msg ? z.msg : "inflate failed");
            goto out;
        }
    }
    out->data[out->len] = '\0';
out:
    inflateEnd(&z);
    if (rc != FG_OK)
        fg_buf_release(out);
    return rc;
}

int fg_gz_deflate(const void *data, size_t len, int level, struct fg_buf *out,
                  struct fg_error *err)
{
    int rc = FG_OK;
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return fg_error_set(err, FG_ENOMEM, "cannot initialise zlib");
    size_t bound = deflateBound(&z, (uLong)len) + 64;
    out->data = fg_buf_grow_raw(out, out->len + bound + 1);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (unsigned char *)out->data + out->len;
    z.avail_out = (uInt)(out->cap - out->len - 1);
    int zr = deflate(&z, Z_FINISH);
    if (zr != Z_STREAM_END) {
        rc = fg_error_set(err, FG_EFORMAT, "gzip compression failed");
        goto out;
    }
    out->len += (size_t)z.total_out;
    out->data[out->len] = '\0';
out:
    deflateEnd(&z);
    return rc;
}
