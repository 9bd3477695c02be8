/* util.c - allocation, number parsing, whole-file I/O (see util.h). */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    /* Fatal by design (util.h): the only exit outside the CLI layer. */
    fputs("flamegate: out of memory\n", stderr);
    exit(FG_EXIT_USAGE);
}

/* Blocks from this size up are backed by huge pages where the kernel
 * offers them on request (transparent huge pages in "madvise" mode, the
 * default of Debian and Ubuntu kernels).  A large profile's arrays are
 * touched once each in random order: with 4 KiB pages a fifth of a
 * comparison's CPU went to page faults and the TLB shootdowns between its
 * threads.  Small blocks are left alone: a huge page half used would
 * raise the resident set. */
#define HUGE_FROM ((size_t)2 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n < HUGE_FROM)
        return;
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
    if (hi > lo) /* advice only: a kernel without it changes nothing */
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *fg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    advise_huge(p, n);
    return p;
}

void *fg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    if (n && size && n <= SIZE_MAX / size)
        advise_huge(p, n * size);
    return p;
}

void *fg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    advise_huge(q, n);
    return q;
}

void *fg_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            oom();
        c *= 2;
    }
    if (c > SIZE_MAX / size)
        oom();
    *cap = c;
    return fg_xrealloc(p, c * size);
}

char *fg_xstrdup(const char *s)
{
    return fg_xstrndup(s, strlen(s));
}

char *fg_xstrndup(const char *s, size_t n)
{
    char *p = fg_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *fg_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    char *p = fg_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int fg_parse_double(const char *s, double min, double max, double *out,
                    const char *what, struct fg_error *err)
{
    char *end = NULL;
    if (!s || !*s)
        return fg_error_set(err, FG_EUSAGE, "%s: empty number", what);
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return fg_error_set(err, FG_EUSAGE, "%s: '%s' is not a number",
                            what, s);
    if (v < min || v > max)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: %s is out of range [%g, %g]", what, s, min,
                            max);
    *out = v;
    return FG_OK;
}

int fg_parse_long(const char *s, long min, long max, long *out,
                  const char *what, struct fg_error *err)
{
    char *end = NULL;
    if (!s || !*s)
        return fg_error_set(err, FG_EUSAGE, "%s: empty number", what);
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: '%s' is not a whole number", what, s);
    if (v < min || v > max)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: %s is out of range [%ld, %ld]", what, s, min,
                            max);
    *out = v;
    return FG_OK;
}

int fg_parse_size(const char *s, size_t *out, const char *what,
                  struct fg_error *err)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return fg_error_set(err, FG_EUSAGE, "%s: '%s' is not a size", what,
                            s ? s : "");
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return fg_error_set(err, FG_EUSAGE, "%s: '%s' is not a size", what,
                            s);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B') {
        if (*end == 'i')
            end++;
        if (*end == 'B')
            end++;
    }
    if (*end || (shift && v > (ULLONG_MAX >> shift)) ||
        (v << shift) > SIZE_MAX)
        return fg_error_set(err, FG_EUSAGE,
                            "%s: '%s' is not a size (use N, NK, NM or NG)",
                            what, s);
    *out = (size_t)(v << shift);
    return FG_OK;
}

int fg_read_file(const char *path, size_t max, unsigned char **out,
                 size_t *len, struct fg_error *err)
{
    int rc = FG_OK;
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    unsigned char *data = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return fg_error_set_errno(err, FG_EIO, errno, "cannot open '%s'",
                                  path);
    struct stat st;
    if (!is_stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = fg_error_set(err, FG_EIO, "cannot read '%s': is a directory",
                          path);
        goto out;
    }
    if (!is_stdin && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > 0)
        cap = (size_t)st.st_size + 1;
    data = fg_xmalloc(cap ? cap : 65536);
    if (!cap)
        cap = 65536;
    for (;;) {
        if (n + 1 >= cap) {
            /* Full: usually a regular file read to its known size.  One
             * byte tells whether there is more before the buffer grows
             * (growing first doubled a large profile's buffer and copied
             * it, only to find the end of the file). */
            unsigned char more;
            if (fread(&more, 1, 1, f) == 1) {
                data = fg_xgrow(data, &cap, n + 65536, 1);
                data[n++] = more;
            }
        }
        size_t got = n + 1 < cap ? fread(data + n, 1, cap - n - 1, f) : 0;
        n += got;
        if (n > max) {
            rc = fg_error_set(err, FG_ELIMIT,
                              "'%s' is larger than the input limit of %zu "
                              "bytes (raise it with --max-input-size)",
                              path, max);
            goto out;
        }
        if (got == 0) {
            if (ferror(f)) {
                rc = fg_error_set_errno(err, FG_EIO, errno,
                                        "cannot read '%s'", path);
                goto out;
            }
            break;
        }
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    data = NULL;
out:
    free(data);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int fg_write_file_stage(const char *path, const void *data, size_t len,
                        char **tmp_out, struct fg_error *err)
{
    int rc = FG_OK;
    char *tmp = fg_xasprintf("%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    *tmp_out = NULL;
    if (fd < 0) {
        rc = fg_error_set_errno(err, FG_EIO, errno, "cannot create '%s'",
                                path);
        goto out;
    }
    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = fg_error_set_errno(err, FG_EIO, errno, "cannot write '%s'",
                                    path);
            goto out;
        }
        p += w;
        left -= (size_t)w;
    }
    /* Same permissions a plain fopen would give (mkstemp uses 0600). */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || fsync(fd) != 0) {
        rc = fg_error_set_errno(err, FG_EIO, errno, "cannot write '%s'",
                                path);
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr != 0) {
        rc = fg_error_set_errno(err, FG_EIO, errno, "cannot write '%s'",
                                path);
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != FG_OK) {
        if (fd >= -1)
            unlink(tmp);
        free(tmp);
    } else {
        *tmp_out = tmp;
    }
    return rc;
}

int fg_write_file_commit(const char *tmp, const char *path,
                         struct fg_error *err)
{
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return fg_error_set_errno(err, FG_EIO, e, "cannot rename to '%s'",
                                  path);
    }
    return FG_OK;
}

int fg_write_file_atomic(const char *path, const void *data, size_t len,
                         struct fg_error *err)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return fg_error_set_errno(err, FG_EIO, errno,
                                      "cannot write standard output");
        return FG_OK;
    }
    char *tmp = NULL;
    int rc = fg_write_file_stage(path, data, len, &tmp, err);
    if (rc == FG_OK)
        rc = fg_write_file_commit(tmp, path, err);
    free(tmp);
    return rc;
}

const char *fg_basename(const char *s)
{
    const char *slash = strrchr(s, '/');
    if (slash && slash[1])
        return slash + 1;
    if (!slash)
        return s;
    /* Trailing slash: "dir/" -> "dir/" (rare; keep it simple). */
    return s;
}

double fg_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t fg_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins)
                               : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(prev));
    }
    return prev[lb];
}
