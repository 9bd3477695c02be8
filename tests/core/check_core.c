/*
 * check_core.c - decoding, the profile model and aggregation: the corpus
 * golden files (pprof-exact flat/cum for every sample type), malformed
 * inputs, and hand-built protobuf covering the wire-format corners.
 */
#include "flamegate/aggregate.h"
#include "core/arena.h"
#include "flamegate/buf.h"
#include "input/folded.h"
#include "input/gz.h"
#include "input/pprof.h"
#include "flamegate/source.h"
#include "flamegate/strtab.h"
#include "core/util.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny protobuf writer for hand-built profiles --------------------- */

struct pb {
    unsigned char d[8192];
    size_t n;
};

static void pb_varint(struct pb *b, uint64_t v)
{
    while (v >= 0x80) {
        b->d[b->n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b->d[b->n++] = (unsigned char)v;
}

static void pb_tag(struct pb *b, unsigned field, unsigned wt)
{
    pb_varint(b, (uint64_t)field << 3 | wt);
}

static void pb_uint(struct pb *b, unsigned field, uint64_t v)
{
    pb_tag(b, field, 0);
    pb_varint(b, v);
}

static void pb_bytes(struct pb *b, unsigned field, const void *p, size_t n)
{
    pb_tag(b, field, 2);
    pb_varint(b, n);
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void pb_msg(struct pb *b, unsigned field, const struct pb *m)
{
    pb_bytes(b, field, m->d, m->n);
}

static void pb_str(struct pb *b, const char *s)
{
    pb_bytes(b, 6, s, strlen(s));
}

static void pb_packed(struct pb *b, unsigned field, const uint64_t *v,
                      size_t n)
{
    struct pb tmp = {{0}, 0};
    for (size_t i = 0; i < n; i++)
        pb_varint(&tmp, v[i]);
    pb_msg(b, field, &tmp);
}

static void value_type(struct pb *b, unsigned field, uint64_t type,
                       uint64_t unit)
{
    struct pb vt = {{0}, 0};
    pb_uint(&vt, 1, type);
    pb_uint(&vt, 2, unit);
    pb_msg(b, field, &vt);
}

static void function(struct pb *b, uint64_t id, uint64_t name)
{
    struct pb f = {{0}, 0};
    pb_uint(&f, 1, id);
    pb_uint(&f, 2, name);
    pb_msg(b, 5, &f);
}

/* Location with lines (function ids, innermost first). */
static void location(struct pb *b, uint64_t id, uint64_t mapping,
                     const uint64_t *fids, size_t n)
{
    struct pb l = {{0}, 0};
    pb_uint(&l, 1, id);
    if (mapping)
        pb_uint(&l, 2, mapping);
    for (size_t i = 0; i < n; i++) {
        struct pb line = {{0}, 0};
        pb_uint(&line, 1, fids[i]);
        pb_uint(&line, 2, 10 + i);
        pb_msg(&l, 4, &line);
    }
    pb_msg(b, 4, &l);
}

static void sample(struct pb *b, const uint64_t *locs, size_t nl,
                   const int64_t *vals, size_t nv, bool packed)
{
    struct pb s = {{0}, 0};
    if (packed) {
        pb_packed(&s, 1, locs, nl);
        pb_packed(&s, 2, (const uint64_t *)vals, nv);
    } else {
        for (size_t i = 0; i < nl; i++)
            pb_uint(&s, 1, locs[i]);
        for (size_t i = 0; i < nv; i++)
            pb_uint(&s, 2, (uint64_t)vals[i]);
    }
    pb_msg(b, 2, &s);
}

/*
 * The standard test profile.  Strings: 0 "", 1 samples, 2 count, 3 cpu,
 * 4 nanoseconds, 5 main, 6 work, 7 inl, 8 /usr/lib/libc.so.6.
 * Functions 1 main, 2 work, 3 inl, 4 work (a second Function record with
 * the same name).  Mapping 1 = libc.  Locations: 10 main; 20 work with inl
 * inlined into it (lines inl, work); 30 unsymbolized in libc; 40 function
 * id 4 (work again).
 */
static void std_header(struct pb *b)
{
    const char *strs[] = {"",     "samples", "count", "cpu",
                          "nanoseconds", "main", "work", "inl",
                          "/usr/lib/libc.so.6"};
    for (size_t i = 0; i < 9; i++)
        pb_str(b, strs[i]);
    value_type(b, 1, 1, 2);
    value_type(b, 1, 3, 4);
    struct pb m = {{0}, 0};
    pb_uint(&m, 1, 1);
    pb_uint(&m, 5, 8);
    pb_msg(b, 3, &m);
    function(b, 1, 5);
    function(b, 2, 6);
    function(b, 3, 7);
    function(b, 4, 6);
    uint64_t f_main[] = {1}, f_inl[] = {3, 2}, f_work2[] = {4};
    location(b, 10, 0, f_main, 1);
    location(b, 20, 0, f_inl, 2);
    location(b, 30, 1, NULL, 0);
    location(b, 40, 0, f_work2, 1);
}

static struct fg_profile *decode_ok(const struct pb *b)
{
    struct fg_profile *p = NULL;
    struct fg_error err = {0, ""};
    int rc = fg_pprof_decode(b->d, b->n, "test.pb", NULL, &p, &err);
    ck_assert_msg(rc == FG_OK, "decode failed: %s", err.msg);
    return p;
}

static void decode_fails(const struct pb *b, int code, const char *needle)
{
    struct fg_profile *p = NULL;
    struct fg_error err = {0, ""};
    int rc = fg_pprof_decode(b->d, b->n, "bad.pb", NULL, &p, &err);
    ck_assert_int_eq(rc, code);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, needle) != NULL, "message '%s' lacks '%s'",
                  err.msg, needle);
    ck_assert_msg(strstr(err.msg, "bad.pb") != NULL,
                  "message '%s' does not name the file", err.msg);
}

static int64_t func_value(const struct fg_profile *p, const struct fg_agg *a,
                          const char *name, bool cum)
{
    uint32_t id = fg_strtab_find(&p->func_index, name, strlen(name));
    ck_assert_msg(id != UINT32_MAX, "no function '%s'", name);
    return cum ? a->cum[id] : a->flat[id];
}

START_TEST(test_decode_inline_and_unsymbolized)
{
    for (int packed = 0; packed < 2; packed++) {
        struct pb b = {{0}, 0};
        std_header(&b);
        uint64_t s1[] = {20, 10};     /* inl<-work (inlined) <- main */
        uint64_t s2[] = {30, 20, 10}; /* libc <- inl/work <- main */
        uint64_t s3[] = {40, 20, 10}; /* work (2nd record) recursion */
        int64_t v1[] = {3, 30}, v2[] = {5, 50}, v3[] = {7, 70};
        sample(&b, s1, 2, v1, 2, packed);
        sample(&b, s2, 3, v2, 2, packed);
        sample(&b, s3, 3, v3, 2, packed);
        struct fg_profile *p = decode_ok(&b);
        ck_assert_uint_eq(p->n_types, 2);
        ck_assert_str_eq(p->types[1].type, "cpu");
        ck_assert_uint_eq(p->default_type, 1); /* unset: the last */
        ck_assert_uint_eq(p->n_samples, 3);
        /* main, work, inl, [libc.so.6]: "work" from two Function records
         * is one function */
        ck_assert_uint_eq(p->n_funcs, 4);
        struct fg_agg a;
        struct fg_error err;
        ck_assert_int_eq(fg_aggregate_type(p, 0, &a, &err), FG_OK);
        ck_assert_int_eq(a.total, 15);
        ck_assert_int_eq(func_value(p, &a, "inl", false), 3);
        ck_assert_int_eq(func_value(p, &a, "[libc.so.6]", false), 5);
        ck_assert_int_eq(func_value(p, &a, "work", false), 7);
        ck_assert_int_eq(func_value(p, &a, "main", false), 0);
        /* cum once per sample even when "work" appears twice in s3 */
        ck_assert_int_eq(func_value(p, &a, "work", true), 15);
        ck_assert_int_eq(func_value(p, &a, "inl", true), 15);
        ck_assert_int_eq(func_value(p, &a, "main", true), 15);
        fg_agg_release(&a);
        fg_profile_free(p);
    }
}
END_TEST

START_TEST(test_decode_default_type_and_id_gaps)
{
    struct pb b = {{0}, 0};
    std_header(&b);
    pb_uint(&b, 14, 1); /* default_sample_type = "samples" */
    uint64_t s1[] = {10};
    int64_t v1[] = {-4, -40}; /* delta profiles carry negative values */
    sample(&b, s1, 1, v1, 2, true);
    struct fg_profile *p = decode_ok(&b);
    ck_assert_uint_eq(p->default_type, 0);
    size_t idx;
    struct fg_error err;
    ck_assert_int_eq(fg_profile_select_type(p, NULL, &idx, &err), FG_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert_int_eq(fg_profile_select_type(p, "cpu", &idx, &err), FG_OK);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(fg_profile_select_type(p, "cpu/nanoseconds", &idx,
                                            &err),
                     FG_OK);
    ck_assert_int_eq(fg_profile_select_type(p, "wall", &idx, &err),
                     FG_EUSAGE);
    ck_assert_msg(strstr(err.msg, "samples/count, cpu/nanoseconds"),
                  "%s", err.msg);
    struct fg_agg a;
    ck_assert_int_eq(fg_aggregate_type(p, 0, &a, &err), FG_OK);
    ck_assert_int_eq(a.total, -4);
    ck_assert_int_eq(func_value(p, &a, "main", false), -4);
    fg_agg_release(&a);
    fg_profile_free(p);
}
END_TEST

START_TEST(test_decode_sparse_ids)
{
    /* Ids far apart use the hashed map instead of the dense table. */
    struct pb b = {{0}, 0};
    pb_str(&b, "");
    pb_str(&b, "samples");
    pb_str(&b, "count");
    pb_str(&b, "f");
    value_type(&b, 1, 1, 2);
    function(&b, 1ull << 40, 3);
    uint64_t fids[] = {1ull << 40};
    location(&b, 1ull << 50, 0, fids, 1);
    uint64_t s1[] = {1ull << 50};
    int64_t v1[] = {9};
    sample(&b, s1, 1, v1, 1, false);
    struct fg_profile *p = decode_ok(&b);
    struct fg_agg a;
    struct fg_error err;
    ck_assert_int_eq(fg_aggregate_type(p, 0, &a, &err), FG_OK);
    ck_assert_int_eq(func_value(p, &a, "f", false), 9);
    fg_agg_release(&a);
    fg_profile_free(p);
}
END_TEST

START_TEST(test_decode_zero_samples)
{
    struct pb b = {{0}, 0};
    std_header(&b);
    struct fg_profile *p = decode_ok(&b);
    ck_assert_uint_eq(p->n_samples, 0);
    struct fg_agg a;
    struct fg_error err;
    ck_assert_int_eq(fg_aggregate_type(p, 0, &a, &err), FG_OK);
    ck_assert_int_eq(a.total, 0);
    fg_agg_release(&a);
    fg_profile_free(p);
}
END_TEST

START_TEST(test_decode_errors)
{
    struct pb b = {{0}, 0};
    /* string index out of range */
    std_header(&b);
    function(&b, 9, 99);
    decode_fails(&b, FG_EFORMAT, "function.name refers to string 99");

    /* reference to a missing location */
    memset(&b, 0, sizeof(b));
    std_header(&b);
    uint64_t s1[] = {77};
    int64_t v1[] = {1, 1};
    sample(&b, s1, 1, v1, 2, true);
    decode_fails(&b, FG_EFORMAT, "missing location id 77");

    /* wrong number of values */
    memset(&b, 0, sizeof(b));
    std_header(&b);
    uint64_t s2[] = {10};
    int64_t v2[] = {1};
    sample(&b, s2, 1, v2, 1, true);
    decode_fails(&b, FG_EFORMAT, "has 1 values but the profile has 2");

    /* duplicate function id */
    memset(&b, 0, sizeof(b));
    std_header(&b);
    function(&b, 2, 5);
    decode_fails(&b, FG_EFORMAT, "duplicate function id 2");

    /* id zero */
    memset(&b, 0, sizeof(b));
    std_header(&b);
    function(&b, 0, 5);
    decode_fails(&b, FG_EFORMAT, "function with id 0");

    /* missing function referenced by a line */
    memset(&b, 0, sizeof(b));
    std_header(&b);
    uint64_t fids[] = {55};
    location(&b, 99, 0, fids, 1);
    decode_fails(&b, FG_EFORMAT, "missing function id 55");

    /* string table not starting with "" */
    memset(&b, 0, sizeof(b));
    pb_str(&b, "x");
    value_type(&b, 1, 0, 0);
    decode_fails(&b, FG_EFORMAT, "must start with the empty string");

    /* truncated */
    memset(&b, 0, sizeof(b));
    std_header(&b);
    b.n -= 3;
    decode_fails(&b, FG_EFORMAT, "truncated");

    /* empty */
    memset(&b, 0, sizeof(b));
    decode_fails(&b, FG_EFORMAT, "empty");
}
END_TEST

START_TEST(test_decode_limits)
{
    struct pb b = {{0}, 0};
    std_header(&b);
    uint64_t s1[] = {20, 10, 10, 10};
    int64_t v1[] = {1, 1};
    sample(&b, s1, 4, v1, 2, true);
    sample(&b, s1, 4, v1, 2, true);
    struct fg_limits lim;
    fg_limits_default(&lim);
    lim.max_samples = 1;
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_pprof_decode(b.d, b.n, "x", &lim, &p, &err),
                     FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "--max-samples"));
    fg_limits_default(&lim);
    lim.max_depth = 3;
    ck_assert_int_eq(fg_pprof_decode(b.d, b.n, "x", &lim, &p, &err),
                     FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "--max-stack-depth"));
    fg_limits_default(&lim);
    lim.max_functions = 2;
    ck_assert_int_eq(fg_pprof_decode(b.d, b.n, "x", &lim, &p, &err),
                     FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "--max-functions"));
}
END_TEST

START_TEST(test_gzip_roundtrip_and_bomb)
{
    struct pb b = {{0}, 0};
    std_header(&b);
    uint64_t s1[] = {20, 10};
    int64_t v1[] = {3, 30};
    sample(&b, s1, 2, v1, 2, true);
    struct fg_buf gz;
    fg_buf_init(&gz, 0);
    struct fg_error err;
    ck_assert_int_eq(fg_gz_deflate(b.d, b.n, 6, &gz, &err), FG_OK);
    struct fg_profile *p = NULL;
    ck_assert_int_eq(fg_source_decode((unsigned char *)gz.data, gz.len,
                                      "t.pb.gz", NULL, &p, &err),
                     FG_OK);
    ck_assert(p->gzipped);
    fg_profile_free(p);
    /* truncated gzip */
    ck_assert_int_eq(fg_source_decode((unsigned char *)gz.data, gz.len - 6,
                                      "t.pb.gz", NULL, &p, &err),
                     FG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated gzip"));
    fg_buf_release(&gz);
    /* a bomb: 64 MiB of zeros compress to ~64 KiB */
    size_t big = 64u << 20;
    unsigned char *zeros = calloc(big, 1);
    fg_buf_init(&gz, 0);
    ck_assert_int_eq(fg_gz_deflate(zeros, big, 9, &gz, &err), FG_OK);
    free(zeros);
    struct fg_limits lim;
    fg_limits_default(&lim);
    lim.max_inflated = 1u << 20;
    ck_assert_int_eq(fg_source_decode((unsigned char *)gz.data, gz.len,
                                      "bomb.gz", &lim, &p, &err),
                     FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "--max-decompressed-size"));
    fg_buf_release(&gz);
}
END_TEST

/* libdeflate takes the single-member case, zlib every other one: the
 * answers and the cap are the same on both paths (gz.c). */
START_TEST(test_gz_inflate_paths)
{
    size_t n = 300000;
    unsigned char *raw = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        raw[i] = (unsigned char)("abcdefgh"[(x >> 16) & 7]);
    }
    struct fg_buf gz, out;
    struct fg_error err;
    fg_buf_init(&gz, 0);
    fg_buf_init(&out, 0);
    ck_assert_int_eq(fg_gz_deflate(raw, n, 6, &gz, &err), FG_OK);
    /* one member: exact bytes, also with the cap at exactly the size */
    ck_assert_int_eq(fg_gz_inflate((unsigned char *)gz.data, gz.len, n, "g",
                                   &out, &err),
                     FG_OK);
    ck_assert_uint_eq(out.len, n);
    ck_assert(memcmp(out.data, raw, n) == 0);
    ck_assert_int_eq(out.data[n], '\0');
    /* one byte over the cap */
    ck_assert_int_eq(fg_gz_inflate((unsigned char *)gz.data, gz.len, n - 1,
                                   "g", &out, &err),
                     FG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than"));
    /* trailing bytes that are not a member are ignored, as zlib did */
    struct fg_buf two;
    fg_buf_init(&two, 0);
    ck_assert_int_eq(fg_buf_add(&two, gz.data, gz.len), FG_OK);
    ck_assert_int_eq(fg_buf_add(&two, "\0\0\0", 3), FG_OK);
    fg_buf_init(&out, 0);
    ck_assert_int_eq(fg_gz_inflate((unsigned char *)two.data, two.len,
                                   SIZE_MAX / 2, "g", &out, &err),
                     FG_OK);
    ck_assert_uint_eq(out.len, n);
    fg_buf_release(&out);
    /* two members: both, in order */
    fg_buf_reset(&two);
    ck_assert_int_eq(fg_buf_add(&two, gz.data, gz.len), FG_OK);
    ck_assert_int_eq(fg_buf_add(&two, gz.data, gz.len), FG_OK);
    ck_assert_int_eq(fg_gz_inflate((unsigned char *)two.data, two.len,
                                   SIZE_MAX / 2, "g", &out, &err),
                     FG_OK);
    ck_assert_uint_eq(out.len, 2 * n);
    ck_assert(memcmp(out.data + n, raw, n) == 0);
    fg_buf_release(&out);
    /* a trailer that lies about the size: corrupt, whichever way */
    for (int d = -1; d <= 1; d += 2) {
        fg_buf_reset(&two);
        ck_assert_int_eq(fg_buf_add(&two, gz.data, gz.len), FG_OK);
        unsigned char *isz = (unsigned char *)two.data + two.len - 4;
        isz[0] = (unsigned char)(isz[0] + d);
        ck_assert_int_eq(fg_gz_inflate((unsigned char *)two.data, two.len,
                                       SIZE_MAX / 2, "g", &out, &err),
                         FG_EFORMAT);
        ck_assert_ptr_nonnull(strstr(err.msg, "corrupt gzip data"));
    }
    /* truncated */
    ck_assert_int_eq(fg_gz_inflate((unsigned char *)gz.data, gz.len - 9,
                                   SIZE_MAX / 2, "g", &out, &err),
                     FG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated gzip"));
    fg_buf_release(&two);
    fg_buf_release(&out);
    fg_buf_release(&gz);
    free(raw);
}
END_TEST

START_TEST(test_folded)
{
    const char *text = "# comment\n"
                       "main;work;inl 3\n"
                       "main;work 2.6\n"
                       "\n"
                       "main;a b;work 4\n";
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert(fg_folded_sniff((const unsigned char *)text, strlen(text)));
    ck_assert_int_eq(fg_source_decode((const unsigned char *)text,
                                      strlen(text), "f.txt", NULL, &p, &err),
                     FG_OK);
    ck_assert_int_eq(p->format, FG_FORMAT_FOLDED);
    struct fg_agg a;
    ck_assert_int_eq(fg_aggregate_type(p, 0, &a, &err), FG_OK);
    ck_assert_int_eq(a.total, 10); /* 2.6 rounds to 3 */
    ck_assert_int_eq(func_value(p, &a, "inl", false), 3);
    ck_assert_int_eq(func_value(p, &a, "work", false), 7);
    ck_assert_int_eq(func_value(p, &a, "work", true), 10);
    ck_assert_int_eq(func_value(p, &a, "a b", true), 4);
    ck_assert_int_eq(func_value(p, &a, "main", true), 10);
    fg_agg_release(&a);
    fg_profile_free(p);

    const char *bad = "main;work 3\nmain;work\n";
    ck_assert_int_eq(fg_folded_parse(bad, strlen(bad), "f.txt", NULL, &p,
                                     &err),
                     FG_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "f.txt:2"));
}
END_TEST

/* A profile's name hashes are the table's hash of each name, whether they
 * come from its own index or are computed because the index does not hold
 * the names (a hand-built model). */
START_TEST(test_profile_name_hash)
{
    const char *text = "main;work;inl 3\nmain;a b;work 4\n";
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_source_decode((const unsigned char *)text,
                                      strlen(text), "f.txt", NULL, &p, &err),
                     FG_OK);
    ck_assert(p->func_index.strs == p->func_names && p->n_funcs == 4);
    for (size_t f = 0; f < p->n_funcs; f++) {
        const char *name = p->func_names[f];
        size_t len = strlen(name);
        ck_assert_uint_eq(fg_profile_name_hash(p, f, name, len),
                          fg_strtab_hash(name, len));
        /* a shorter C string than the index holds is hashed as given */
        if (len > 1)
            ck_assert_uint_eq(fg_profile_name_hash(p, f, name, len - 1),
                              fg_strtab_hash(name, len - 1));
    }
    /* names the index does not hold: hashed from the name given */
    const char *own[] = {"x", "yy"};
    const char **saved = p->func_names;
    p->func_names = own;
    ck_assert_uint_eq(fg_profile_name_hash(p, 1, own[1], 2),
                      fg_strtab_hash("yy", 2));
    p->func_names = saved;
    fg_profile_free(p);
}
END_TEST

START_TEST(test_heap_raw_count)
{
    /* STATISTICS.md Example G */
    ck_assert_int_eq(fg_heap_raw_count(85, 5577384, 524288), 10);
    ck_assert_int_eq(fg_heap_raw_count(0, 0, 524288), 0);
    ck_assert_int_eq(fg_heap_raw_count(3, 100, 0), 3);
}
END_TEST

/* Intern "fn0".."fn<n-1>" (checking their ids) when add, else check that
 * they are found, every step-th. */
static void check_fns(struct fg_strtab *t, int n, int step, bool add)
{
    char name[32];
    for (int i = 0; i < n; i += step) {
        snprintf(name, sizeof(name), "fn%d", i);
        uint32_t id = add ? fg_strtab_intern_copy(t, name, strlen(name))
                          : fg_strtab_find(t, name, strlen(name));
        ck_assert_uint_eq(id, (uint32_t)i);
    }
}

START_TEST(test_strtab)
{
    struct fg_strtab t;
    fg_strtab_init(&t);
    check_fns(&t, 5000, 1, true);
    check_fns(&t, 5000, 1, false);
    ck_assert_uint_eq(fg_strtab_find(&t, "nope", 4), UINT32_MAX);
    ck_assert_uint_eq(fg_strtab_intern_copy(&t, "", 0), 5000);
    /* a known hash interns the same: found by name, copied, not borrowed */
    char mine[] = "borrowed?";
    uint32_t id = fg_strtab_intern_copy_hashed(
        &t, mine, strlen(mine), fg_strtab_hash(mine, strlen(mine)));
    ck_assert_uint_eq(id, 5001);
    ck_assert_uint_eq(fg_strtab_intern_copy_hashed(
                          &t, "fn7", 3, fg_strtab_hash("fn7", 3)),
                      7);
    mine[0] = 'X';
    ck_assert_str_eq(t.strs[id], "borrowed?");
    ck_assert_uint_eq(fg_strtab_find(&t, "borrowed?", 9), id);
    fg_strtab_release(&t);
}
END_TEST

/* A table whose slots were dropped finds every name by reading its ids,
 * and interning after it builds slots large enough for all of them. */
START_TEST(test_strtab_drop_slots)
{
    struct fg_strtab t;
    fg_strtab_init(&t);
    check_fns(&t, 3000, 1, true);
    fg_strtab_drop_slots(&t);
    ck_assert_ptr_null(t.slots);
    check_fns(&t, 3000, 7, false);
    ck_assert_uint_eq(fg_strtab_find(&t, "fn3000", 6), UINT32_MAX);
    ck_assert_uint_eq(fg_strtab_find(&t, "fn1", 2), UINT32_MAX);
    /* an old name keeps its id; a new one gets the next */
    ck_assert_uint_eq(fg_strtab_intern_copy(&t, "fn12", 4), 12);
    ck_assert_uint_eq(fg_strtab_intern_copy(&t, "new", 3), 3000);
    ck_assert_uint_ge(t.nslots, 2 * (size_t)t.n);
    check_fns(&t, 3000, 1, false);
    ck_assert_uint_eq(fg_strtab_find(&t, "new", 3), 3000);
    fg_strtab_release(&t);
}
END_TEST

/* ---- the corpus ------------------------------------------------------ */

/* Render every sample type of p in the golden TSV format. */
static char *render_golden(const struct fg_profile *p)
{
    struct fg_buf out;
    fg_buf_init(&out, 0);
    for (size_t t = 0; t < p->n_types; t++) {
        struct fg_agg a;
        struct fg_error err;
        ck_assert_int_eq(fg_aggregate_type(p, t, &a, &err), FG_OK);
        ck_assert(!fg_buf_addf(&out, "#sample_type\t%s\t%s\ttotal\t%lld\n",
                               p->types[t].type, p->types[t].unit,
                               (long long)a.total));
        /* rows sorted by name, byte order */
        size_t n = 0;
        uint32_t *ids = calloc(a.n_funcs + 1, sizeof(uint32_t));
        for (size_t f = 0; f < a.n_funcs; f++)
            if (a.flat[f] || a.cum[f])
                ids[n++] = (uint32_t)f;
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && strcmp(p->func_names[ids[j - 1]],
                                               p->func_names[ids[j]]) > 0;
                 j--) {
                uint32_t tmp = ids[j];
                ids[j] = ids[j - 1];
                ids[j - 1] = tmp;
            }
        for (size_t i = 0; i < n; i++)
            ck_assert(!fg_buf_addf(&out, "%s\t%lld\t%lld\n",
                                   p->func_names[ids[i]],
                                   (long long)a.flat[ids[i]],
                                   (long long)a.cum[ids[i]]));
        free(ids);
        fg_agg_release(&a);
    }
    return fg_buf_detach(&out, NULL);
}

static void check_golden(const char *profile, const char *golden)
{
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_source_load_file(profile, NULL, &p, &err);
    ck_assert_msg(rc == FG_OK, "%s: %s", profile, err.msg);
    char *got = render_golden(p);
    char *want = fg_test_read(golden, NULL);
    if (strcmp(got, want) != 0) {
        /* report the first differing line */
        const char *g = got, *w = want;
        while (*g && *g == *w)
            g++, w++;
        while (g > got && g[-1] != '\n')
            g--, w--;
        ck_abort_msg("%s differs from %s at:\n got: %.120s\nwant: %.120s",
                     profile, golden, g, w);
    }
    free(got);
    free(want);
    fg_profile_free(p);
}

START_TEST(test_corpus_golden)
{
    char *dir = fg_test_corpus_path("profiles");
    if (!dir) {
        fg_test_skip("corpus golden test: ../shared/corpus is absent");
        return;
    }
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strcmp(e->d_name + n - 6, ".pb.gz") != 0)
            continue;
        char prof[4096], gold[4096];
        snprintf(prof, sizeof(prof), "%s/%s", dir, e->d_name);
        snprintf(gold, sizeof(gold), "%s/../golden/%.*s.tsv", dir,
                 (int)(n - 6), e->d_name);
        check_golden(prof, gold);
        checked++;
    }
    closedir(d);
    ck_assert_int_ge(checked, 20);
    char *noaddr = fg_test_corpus_path("malformed/no-addr-no-line.pb.gz");
    char *gold = fg_test_corpus_path("golden/malformed-no-addr-no-line.tsv");
    check_golden(noaddr, gold);
    free(noaddr);
    free(gold);
    free(dir);
}
END_TEST

START_TEST(test_corpus_malformed)
{
    const char *bad[] = {"malformed/truncated-gzip.pb.gz",
                         "malformed/truncated-protobuf.pb"};
    char *probe = fg_test_corpus_path(bad[0]);
    if (!probe) {
        fg_test_skip("malformed corpus test: ../shared/corpus is absent");
        return;
    }
    free(probe);
    for (size_t i = 0; i < 2; i++) {
        char *path = fg_test_corpus_path(bad[i]);
        struct fg_profile *p = NULL;
        struct fg_error err;
        ck_assert_int_eq(fg_source_load_file(path, NULL, &p, &err),
                         FG_EFORMAT);
        ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "truncated"),
                      "%s", err.msg);
        free(path);
    }
    /* invalid UTF-8 names decode; every byte value survives */
    char *path = fg_test_corpus_path("malformed/invalid-utf8.pb.gz");
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_source_load_file(path, NULL, &p, &err), FG_OK);
    ck_assert_uint_gt(p->n_funcs, 0);
    fg_profile_free(p);
    free(path);
}
END_TEST

START_TEST(test_corpus_large_fast)
{
    char *path = fg_test_corpus_path("profiles/go-large-cpu.pb.gz");
    if (!path) {
        fg_test_skip("large profile timing: ../shared/corpus is absent");
        return;
    }
    struct fg_profile *p = NULL;
    struct fg_error err;
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
        double t0 = fg_now();
        ck_assert_int_eq(fg_source_load_file(path, NULL, &p, &err), FG_OK);
        struct fg_agg a;
        ck_assert_int_eq(fg_aggregate_type(p, p->default_type, &a, &err),
                         FG_OK);
        double t = fg_now() - t0;
        best = t < best ? t : best;
        fg_agg_release(&a);
        fg_profile_free(p);
    }
    /* well under 100 ms natively (README); generous for sanitizers */
    if (!fg_test_under_valgrind())
        ck_assert_msg(best < 2.0, "decoding took %.3f s", best);
    free(path);
}
END_TEST

Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("decode");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_decode_inline_and_unsymbolized);
    tcase_add_test(tc, test_decode_default_type_and_id_gaps);
    tcase_add_test(tc, test_decode_sparse_ids);
    tcase_add_test(tc, test_decode_zero_samples);
    tcase_add_test(tc, test_decode_errors);
    tcase_add_test(tc, test_decode_limits);
    tcase_add_test(tc, test_gzip_roundtrip_and_bomb);
    tcase_add_test(tc, test_gz_inflate_paths);
    tcase_add_test(tc, test_folded);
    tcase_add_test(tc, test_heap_raw_count);
    tcase_add_test(tc, test_strtab);
    tcase_add_test(tc, test_strtab_drop_slots);
    tcase_add_test(tc, test_profile_name_hash);
    suite_add_tcase(s, tc);
    TCase *corpus = tcase_create("corpus");
    tcase_set_timeout(corpus, 600);
    tcase_add_test(corpus, test_corpus_golden);
    tcase_add_test(corpus, test_corpus_malformed);
    tcase_add_test(corpus, test_corpus_large_fast);
    suite_add_tcase(s, corpus);
    return s;
}
