/*
 * fg-mkbad - write the bad inputs of the robustness catalogue, and check
 * report files for well-formedness (tests/cli/catalogue.sh).
 *
 *   fg-mkbad gen DIR              write every small bad input into DIR
 *                                 (testdata/corrupt is this output)
 *   fg-mkbad deep N FILE [distinct]
 *                                 a gzipped pprof whose one sample has N
 *                                 frames: one recursive function (N
 *                                 locations of it), or N distinct ones
 *   fg-mkbad check-json FILE      FILE parses as JSON (jansson: NaN and
 *                                 infinity are rejected) with no
 *                                 non-finite number; exit 1 otherwise
 *   fg-mkbad check-text FILE      FILE is valid UTF-8 without control
 *                                 bytes other than newline (and tab with
 *                                 --tabs); exit 1 otherwise, naming the
 *                                 offset
 *
 * The profiles are hand-built protobuf (no encoder is used, so they can be
 * wrong in exactly one way each).  Output is deterministic.
 */
#include "flamegate/buf.h"
#include "input/gz.h"
#include "badformats.h"
#include "jfrwrite.h"
#include "core/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- protobuf writer ------------------------------------------------- */

static void pb_varint(struct fg_buf *b, uint64_t v)
{
    while (v >= 0x80) {
        if (fg_buf_addc(b, (char)(v | 0x80)))
            abort();
        v >>= 7;
    }
    if (fg_buf_addc(b, (char)v))
        abort();
}

static void pb_tag(struct fg_buf *b, unsigned field, unsigned wt)
{
    pb_varint(b, (uint64_t)field << 3 | wt);
}

static void pb_uint(struct fg_buf *b, unsigned field, uint64_t v)
{
    pb_tag(b, field, 0);
    pb_varint(b, v);
}

static void pb_bytes(struct fg_buf *b, unsigned field, const void *p, size_t n)
{
    pb_tag(b, field, 2);
    pb_varint(b, n);
    if (fg_buf_add(b, p, n))
        abort();
}

static void pb_msg(struct fg_buf *b, unsigned field, struct fg_buf *m)
{
    pb_bytes(b, field, m->data ? m->data : "", m->len);
    fg_buf_release(m);
}

static void pb_str(struct fg_buf *b, const char *s)
{
    pb_bytes(b, 6, s, strlen(s));
}

static void value_type(struct fg_buf *b, unsigned field, int64_t type,
                       int64_t unit)
{
    struct fg_buf m;
    fg_buf_init(&m, 0);
    pb_uint(&m, 1, (uint64_t)type);
    pb_uint(&m, 2, (uint64_t)unit);
    pb_msg(b, field, &m);
}

static void function(struct fg_buf *b, uint64_t id, int64_t name)
{
    struct fg_buf m;
    fg_buf_init(&m, 0);
    pb_uint(&m, 1, id);
    pb_uint(&m, 2, (uint64_t)name);
    pb_msg(b, 5, &m);
}

static void mapping(struct fg_buf *b, uint64_t id, int64_t file)
{
    struct fg_buf m;
    fg_buf_init(&m, 0);
    pb_uint(&m, 1, id);
    pb_uint(&m, 5, (uint64_t)file);
    pb_msg(b, 3, &m);
}

/* A location with one line per function id (innermost first). */
static void location(struct fg_buf *b, uint64_t id, uint64_t map,
                     const uint64_t *fids, size_t n)
{
    struct fg_buf m;
    fg_buf_init(&m, 0);
    pb_uint(&m, 1, id);
    if (map)
        pb_uint(&m, 2, map);
    for (size_t i = 0; i < n; i++) {
        struct fg_buf line;
        fg_buf_init(&line, 0);
        pb_uint(&line, 1, fids[i]);
        pb_uint(&line, 2, 1 + i);
        pb_msg(&m, 4, &line);
    }
    pb_msg(b, 4, &m);
}

/* A sample (packed repeated fields) with optional string labels. */
static void sample_l(struct fg_buf *b, const uint64_t *locs, size_t nl,
                     const int64_t *vals, size_t nv, size_t nlabels)
{
    struct fg_buf s, p;
    fg_buf_init(&s, 0);
    fg_buf_init(&p, 0);
    for (size_t i = 0; i < nl; i++)
        pb_varint(&p, locs[i]);
    if (nl)
        pb_msg(&s, 1, &p);
    fg_buf_init(&p, 0);
    for (size_t i = 0; i < nv; i++)
        pb_varint(&p, (uint64_t)vals[i]);
    if (nv)
        pb_msg(&s, 2, &p);
    for (size_t i = 0; i < nlabels; i++) {
        struct fg_buf l;
        fg_buf_init(&l, 0);
        pb_uint(&l, 1, 1); /* key "samples", value "count": any strings */
        pb_uint(&l, 2, 2);
        pb_msg(&s, 3, &l);
    }
    pb_msg(b, 2, &s);
}

static void sample(struct fg_buf *b, const uint64_t *locs, size_t nl,
                   const int64_t *vals, size_t nv)
{
    sample_l(b, locs, nl, vals, nv, 0);
}

/*
 * The standard header: strings 0 "", 1 samples, 2 count, 3 cpu,
 * 4 nanoseconds, 5 main, 6 work, 7 leaf, 8 /usr/lib/libc.so.6;
 * types samples/count and cpu/nanoseconds; period 10 ms of cpu;
 * mapping 1 (libc); functions 1 main, 2 work, 3 leaf; locations 10 main,
 * 20 work, 30 leaf, 40 unsymbolized in libc.
 */
static const char *const std_strings[] = {
    "", "samples", "count", "cpu", "nanoseconds", "main", "work", "leaf",
    "/usr/lib/libc.so.6"};

static void strings(struct fg_buf *b)
{
    for (size_t i = 0; i < sizeof(std_strings) / sizeof(*std_strings); i++)
        pb_str(b, std_strings[i]);
}

static void header_tail(struct fg_buf *b)
{
    value_type(b, 1, 1, 2);
    value_type(b, 1, 3, 4);
    value_type(b, 11, 3, 4);
    pb_uint(b, 12, 10000000);
    mapping(b, 1, 8);
    function(b, 1, 5);
    function(b, 2, 6);
    function(b, 3, 7);
    uint64_t f1[] = {1}, f2[] = {2}, f3[] = {3};
    location(b, 10, 0, f1, 1);
    location(b, 20, 0, f2, 1);
    location(b, 30, 0, f3, 1);
    location(b, 40, 1, NULL, 0);
}

static void header(struct fg_buf *b)
{
    strings(b);
    header_tail(b);
}

static const uint64_t stack3[] = {30, 20, 10};

/* n samples of the standard stack with count c each. */
static void std_samples(struct fg_buf *b, size_t n, int64_t c)
{
    for (size_t i = 0; i < n; i++) {
        int64_t v[] = {c, c * 10000000};
        sample(b, stack3, 3, v, 2);
    }
}

/* ---- output ------------------------------------------------------------- */

static void put(const char *dir, const char *name, const void *data,
                size_t len)
{
    char *path = fg_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fg-mkbad: cannot write '%s'\n", path);
        exit(1);
    }
    free(path);
}

static void put_buf(const char *dir, const char *name, struct fg_buf *b)
{
    put(dir, name, b->data ? b->data : "", b->len);
    fg_buf_release(b);
}

static void put_gz(const char *dir, const char *name, struct fg_buf *b)
{
    struct fg_buf gz;
    struct fg_error err;
    fg_buf_init(&gz, 0);
    if (fg_gz_deflate(b->data ? b->data : "", b->len, 9, &gz, &err)) {
        fprintf(stderr, "fg-mkbad: %s\n", err.msg);
        exit(1);
    }
    /* A fixed gzip header (no mtime) keeps the file byte-stable. */
    if (gz.len > 9)
        memset(gz.data + 4, 0, 4);
    put_buf(dir, name, &gz);
    fg_buf_release(b);
}

static void put_str(const char *dir, const char *name, const char *s)
{
    put(dir, name, s, strlen(s));
}

/* ---- the catalogue ------------------------------------------------------ */

/* fg_badformats_each's callback: one file into the directory ctx. */
static void put_format(const char *name, const void *data, size_t len,
                       void *ctx)
{
    put((const char *)ctx, name, data, len);
}

static void gen_names(const char *dir)
{
    enum { N_STEADY = 12 };
    /* Names no output format may pass through raw: invalid UTF-8, an ANSI
     * escape, a bidi override, C1 control, tab and newline, markdown and
     * HTML syntax, a NUL-free but very long name. */
    static const char *const names[] = {
        "bad\xff\xfe utf8",
        "ansi\x1b[31mred\x1b[0m",
        "bidi\xe2\x80\xae" "evil",
        "c1\xc2\x85next",
        "tab\there\nnewline\rcr",
        "md `tick`` | pipe *star* [link](x) <!-- flamegate:x -->",
        "html <script>alert(1)</script> &amp; \"q\" 'a'",
        "back\\slash\x7f del"};
    const size_t nn = sizeof(names) / sizeof(*names);
    for (int side = 0; side < 2; side++) {
        struct fg_buf b;
        fg_buf_init(&b, 0);
        strings(&b);
        for (size_t i = 0; i < nn; i++)
            pb_str(&b, names[i]);
        char longname[600];
        memset(longname, 'L', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        pb_str(&b, longname);
        /* Plain functions that stay put: with one profile per side the
         * run-to-run noise is judged from the functions that did not
         * change, and four doublings among nine functions would look like
         * noise rather than four regressions. */
        for (size_t i = 0; i < N_STEADY; i++) {
            char plain[32];
            snprintf(plain, sizeof(plain), "steady.f%02zu", i);
            pb_str(&b, plain);
        }
        header_tail(&b);
        const size_t nf = nn + 1 + N_STEADY;
        for (size_t i = 0; i < nf; i++) {
            function(&b, 100 + i, 9 + (int64_t)i);
            uint64_t f[] = {100 + i};
            location(&b, 1000 + i, 0, f, 1);
        }
        /* each odd name doubles on the candidate side: a FAIL with every
         * hostile name in the regression table */
        for (size_t i = 0; i < nf; i++) {
            uint64_t st[] = {1000 + i, 20, 10};
            int64_t c = 400 + 20 * (int64_t)i;
            if (side == 1 && i % 2 == 1 && i <= nn)
                c *= 2;
            int64_t v[] = {c, c * 10000000};
            sample(&b, st, 3, v, 2);
        }
        put_buf(dir, side ? "names-cand.pb" : "names-base.pb", &b);
    }
}

static void gen(const char *dir)
{
    struct fg_buf b;

    put(dir, "empty.pb", "", 0);

    fg_buf_init(&b, 0);
    header(&b);
    put_buf(dir, "zero-samples.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    int64_t one[] = {5};
    sample(&b, stack3, 3, one, 1);
    put_buf(dir, "wrong-value-count.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    std_samples(&b, 3, -7);
    put_buf(dir, "negative-values.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    /* INT64_MAX/2 + 1 twice: each value fits, the sum does not */
    for (int i = 0; i < 2; i++) {
        int64_t v[] = {INT64_MAX / 2 + 1, 1};
        sample(&b, stack3, 3, v, 2);
    }
    put_buf(dir, "overflow.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    function(&b, 0, 5);
    put_buf(dir, "id-zero-function.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    uint64_t f1[] = {1};
    location(&b, 0, 0, f1, 1);
    put_buf(dir, "id-zero-location.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    mapping(&b, 0, 8);
    put_buf(dir, "id-zero-mapping.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    function(&b, 2, 7);
    put_buf(dir, "duplicate-function-id.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    location(&b, 20, 0, f1, 1);
    put_buf(dir, "duplicate-location-id.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    mapping(&b, 1, 5);
    put_buf(dir, "duplicate-mapping-id.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    uint64_t missing[] = {30, 77};
    int64_t v2[] = {1, 1};
    sample(&b, missing, 2, v2, 2);
    put_buf(dir, "missing-location.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    uint64_t f55[] = {55};
    location(&b, 50, 0, f55, 1);
    put_buf(dir, "missing-function.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    location(&b, 50, 9, f1, 1);
    put_buf(dir, "missing-mapping.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    function(&b, 9, 99);
    put_buf(dir, "string-index-out-of-range.pb", &b);

    fg_buf_init(&b, 0);
    strings(&b);
    value_type(&b, 1, -1, 2);
    put_buf(dir, "string-index-negative.pb", &b);

    fg_buf_init(&b, 0);
    pb_str(&b, "x");
    pb_str(&b, "samples");
    value_type(&b, 1, 1, 1);
    put_buf(dir, "no-empty-string.pb", &b);

    fg_buf_init(&b, 0);
    header(&b);
    std_samples(&b, 2, 3);
    struct fg_buf t;
    fg_buf_init(&t, 0);
    if (fg_buf_add(&t, b.data, b.len - 5))
        abort();
    put_buf(dir, "truncated.pb", &t);
    struct fg_buf gz;
    struct fg_error err;
    fg_buf_init(&gz, 0);
    if (fg_gz_deflate(b.data, b.len, 9, &gz, &err))
        abort();
    memset(gz.data + 4, 0, 4);
    put(dir, "truncated.pb.gz", gz.data, gz.len - 10);
    fg_buf_release(&gz);
    fg_buf_release(&b);

    /* 8 MiB of zeros gzip to about 8 KiB */
    size_t big = 8u << 20;
    char *zeros = fg_xcalloc(big, 1);
    fg_buf_init(&b, 0);
    if (fg_buf_add(&b, zeros, big))
        abort();
    free(zeros);
    put_gz(dir, "gzip-bomb.pb.gz", &b);

    /* a sample with 3 labels (for --max-labels) */
    fg_buf_init(&b, 0);
    header(&b);
    int64_t v3[] = {3, 30000000};
    sample_l(&b, stack3, 3, v3, 2, 3);
    put_buf(dir, "labels.pb", &b);

    /* many sample types times many samples: 100,000 x 100,000 values
     * claimed by 400 KB (each value needs at least one byte, so no valid
     * profile of this size can hold them) */
    fg_buf_init(&b, 0);
    pb_str(&b, "");
    for (int i = 0; i < 100000; i++)
        value_type(&b, 1, 0, 0);
    for (int i = 0; i < 100000; i++)
        pb_bytes(&b, 2, "", 0);
    put_gz(dir, "types-times-samples.pb.gz", &b);

    /* two profiles whose sample types differ (cpu vs heap) */
    fg_buf_init(&b, 0);
    header(&b);
    std_samples(&b, 3, 200);
    put_buf(dir, "types-cpu.pb", &b);
    fg_buf_init(&b, 0);
    const char *hs[] = {"", "alloc_objects", "count", "alloc_space", "bytes",
                        "main", "work", "leaf", "/usr/lib/libc.so.6"};
    for (size_t i = 0; i < 9; i++)
        pb_str(&b, hs[i]);
    header_tail(&b);
    std_samples(&b, 3, 200);
    put_buf(dir, "types-heap.pb", &b);

    /* twelve functions of INT64_MAX/2/13: one run fits, three runs of a
     * side overflow its total (compare sums counts over runs) */
    for (int side = 0; side < 2; side++) {
        struct fg_buf f;
        fg_buf_init(&f, 0);
        const int64_t q = INT64_MAX / 2 / 13;
        for (int i = 0; i < 12; i++)
            if (fg_buf_addf(&f, "main;f%d %lld\n", i,
                            (long long)(side && i == 0 ? q / 2 * 3 : q)))
                abort();
        put_buf(dir, side ? "overflow-runs-cand.folded"
                          : "overflow-runs-base.folded",
                &f);
    }

    put_str(dir, "folded-no-count.txt",
            "main;work;leaf 30\nmain;work 20\nmain;work;leaf\n");
    put_str(dir, "folded-bad-count.txt", "main;work 1e400\n");
    put_str(dir, "not-a-profile.txt", "this is not a profile\n");
    put(dir, "nul-bytes.bin", "\x00\x00\x00\x00\x00\x00\x00\x00", 8);

    for (int v = 0; v < JFRW_N; v++) { /* Java Flight Recorder */
        fg_buf_init(&b, 0);
        fg_jfrw_build(&b, (enum jfrw_variant)v);
        put_buf(dir, fg_jfrw_name((enum jfrw_variant)v), &b);
    }

    /* the input formats of issue 18 (tests/lib/badformats.c) */
    fg_badformats_each(put_format, (void *)(uintptr_t)dir);

    gen_names(dir);
}

/* ---- deep stacks -------------------------------------------------------- */

static void deep(size_t n, const char *path, bool distinct)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    pb_str(&b, "");
    pb_str(&b, "samples");
    pb_str(&b, "count");
    pb_str(&b, "recurse");
    pb_str(&b, "leaf");
    value_type(&b, 1, 1, 2);
    size_t nf = distinct ? n : 1;
    for (size_t i = 0; distinct && i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%zu", i);
        pb_str(&b, name);
    }
    function(&b, 1, 4);
    uint64_t leaf[] = {1};
    location(&b, 1, 0, leaf, 1);
    for (size_t i = 0; i < nf; i++) {
        function(&b, 2 + i, distinct ? 5 + (int64_t)i : 3);
        uint64_t f[] = {2 + i};
        location(&b, 2 + i, 0, f, 1);
    }
    uint64_t *locs = fg_xcalloc(n + 1, sizeof(uint64_t));
    locs[0] = 1;
    for (size_t i = 1; i <= n; i++)
        locs[i] = distinct ? 1 + i : 2;
    /* two samples: the deep one and a shallow one, so there is a
     * comparison to make */
    int64_t v[] = {1000};
    sample(&b, locs, n + 1, v, 1);
    uint64_t shallow[] = {1, 2};
    sample(&b, shallow, 2, v, 1);
    free(locs);
    char *dir = fg_xstrdup(path);
    char *slash = strrchr(dir, '/');
    const char *name = path;
    if (slash) {
        *slash = '\0';
        name = slash + 1;
    } else {
        free(dir);
        dir = fg_xstrdup(".");
    }
    put_gz(dir, name, &b);
    free(dir);
}

/* ---- checks ------------------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    unsigned char *d = NULL;
    struct fg_error err;
    if (fg_read_file(path, (size_t)1 << 30, &d, len, &err)) {
        fprintf(stderr, "fg-mkbad: %s\n", err.msg);
        exit(2);
    }
    return d;
}

static bool finite_json(json_t *v)
{
    if (json_is_real(v))
        return isfinite(json_real_value(v));
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach(v, k, x) if (!finite_json(x)) return false;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (!finite_json(x)) return false;
    }
    return true;
}

static int check_json(const char *path)
{
    size_t len;
    unsigned char *d = slurp(path, &len);
    json_error_t je;
    json_t *root = json_loadb((const char *)d, len, 0, &je);
    free(d);
    if (!root) {
        fprintf(stderr, "%s: invalid JSON at line %d column %d: %s\n", path,
                je.line, je.column, je.text);
        return 1;
    }
    bool ok = finite_json(root);
    json_decref(root);
    if (!ok) {
        fprintf(stderr, "%s: a number is not finite\n", path);
        return 1;
    }
    return 0;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        k = 1;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 2;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (k >= n)
        return 0;
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3f);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k + 1;
}

static int check_text(const char *path, bool tabs)
{
    size_t len;
    unsigned char *d = slurp(path, &len);
    int rc = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = d[i];
        if ((c < 0x20 && c != '\n' && !(tabs && c == '\t')) || c == 0x7f) {
            fprintf(stderr, "%s: control byte 0x%02x at offset %zu\n", path,
                    c, i);
            rc = 1;
            break;
        }
        size_t k = utf8_seq(d + i, len - i);
        if (k == 0) {
            fprintf(stderr, "%s: invalid UTF-8 at offset %zu\n", path, i);
            rc = 1;
            break;
        }
        /* C1 controls (U+0080..U+009F) and bidi overrides
         * (U+202A..U+202E, U+2066..U+2069) are as dangerous in a
         * terminal or a review UI as C0 ones. */
        uint32_t cp = 0;
        if (k == 2)
            cp = (uint32_t)(c & 0x1f) << 6 | (d[i + 1] & 0x3f);
        else if (k == 3)
            cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(d[i + 1] & 0x3f) << 6 |
                 (d[i + 2] & 0x3f);
        if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069)) {
            fprintf(stderr, "%s: control character U+%04X at offset %zu\n",
                    path, (unsigned)cp, i);
            rc = 1;
            break;
        }
        i += k;
    }
    free(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "gen") == 0) {
        gen(argv[2]);
        return 0;
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "deep") == 0) {
        long n = strtol(argv[2], NULL, 10);
        if (n < 1)
            return 2;
        deep((size_t)n, argv[3], argc == 5 && strcmp(argv[4], "distinct") == 0);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "check-json") == 0)
        return check_json(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "check-text") == 0)
        return check_text(argv[argc - 1],
                          argc == 4 && strcmp(argv[2], "--tabs") == 0);
    fprintf(stderr,
            "usage: fg-mkbad gen DIR | deep N FILE [distinct] |\n"
            "       check-json FILE | check-text [--tabs] FILE\n");
    return 2;
}
