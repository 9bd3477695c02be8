/*
 * check_jfr.c - the Java Flight Recorder reader against the corpus's real
 * recording (formats/jfr/work.jfr, OpenJDK 17): every golden table
 * (*.golden.tsv, computed by `jfr print --json`) must match the flat and
 * cum values of fg_aggregate exactly, function by function, and no other
 * function may carry a value.  Skipped when the corpus is absent.  Also:
 * sample times, truncated copies and damaged headers.
 */
#include "flamegate/aggregate.h"
#include "flamegate/source.h"
#include "input/jfr.h"
#include "core/util.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

/* golden column suffix (after flat_/cum_) -> flamegate sample type */
struct colmap {
    const char *event, *column, *type;
};

static const struct colmap cols[] = {
    {"ExecutionSample", "samples", "samples/count"},
    {"ObjectAllocationSample", "count", "alloc_sample_objects/count"},
    {"ObjectAllocationSample", "weight_bytes", "alloc_sample_bytes/bytes"},
    {"ObjectAllocationInNewTLAB", "count", "alloc_in_new_tlab_objects/count"},
    {"ObjectAllocationInNewTLAB", "tlab_bytes",
     "alloc_in_new_tlab_bytes/bytes"},
    {"ObjectAllocationInNewTLAB", "alloc_bytes",
     "alloc_in_new_tlab_size/bytes"},
};

static const char *type_for(const char *event, const char *column)
{
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (strcmp(cols[i].event, event) == 0 &&
            strcmp(cols[i].column, column) == 0)
            return cols[i].type;
    return NULL;
}

static struct fg_profile *load_corpus_jfr(void)
{
    char *path = fg_test_corpus_path("formats/jfr/work.jfr");
    if (!path || access(path, R_OK) != 0) {
        free(path);
        return NULL;
    }
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_source_load_file(path, NULL, &p, &err);
    ck_assert_msg(rc == FG_OK, "%s", err.msg);
    free(path);
    return p;
}

/* Compare one golden table; returns the number of values checked. */
static size_t check_golden(const struct fg_profile *p, const char *event)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "formats/jfr/work.%s.golden.tsv", event);
    char *path = fg_test_corpus_path(rel);
    ck_assert_ptr_nonnull(path);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[4096];
    char *colv[16];
    size_t ncol = 0, checked = 0, ntotals = 0, nflat = 0;
    long long totals[16];
    long types[16];
    struct fg_agg aggs[16];
    bool seen_funcs[1 << 12] = {false};
    memset(aggs, 0, sizeof(aggs));
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "# total\t", 8) == 0) {
            char *e = line + 8;
            while (*e && ntotals < 16)
                totals[ntotals++] = strtoll(e, &e, 10);
            continue;
        }
        if (line[0] == '#' || !line[0])
            continue;
        char *fields[16] = {NULL};
        size_t nf = 0;
        for (char *s = strtok(line, "\t"); s && nf < 16; s = strtok(NULL, "\t"))
            fields[nf++] = s;
        if (strcmp(fields[0], "function") == 0) {
            ncol = nf;
            for (size_t c = 1; c < nf; c++) {
                colv[c] = fg_xstrdup(fields[c]);
                const char *suffix = strchr(fields[c], '_') + 1;
                const char *t = type_for(event, suffix);
                ck_assert_msg(t != NULL, "no type for column %s of %s",
                              fields[c], event);
                types[c] = fg_profile_find_type(p, t);
                ck_assert_msg(types[c] >= 0, "profile lacks %s", t);
                struct fg_error err;
                ck_assert_int_eq(fg_aggregate_type(p, (size_t)types[c],
                                                   &aggs[c], &err), FG_OK);
                if (strncmp(fields[c], "flat_", 5) == 0) {
                    ck_assert_uint_lt(nflat, ntotals);
                    ck_assert_int_eq(aggs[c].total, totals[nflat]);
                    nflat++;
                }
            }
            continue;
        }
        ck_assert_uint_eq(nf, ncol);
        /* the golden names are jfr print's: generated class names keep
         * their per-run parts, which flamegate replaces by "_" */
        char name[1024];
        const char *dot = strrchr(fields[0], '.');
        ck_assert_ptr_nonnull(dot);
        size_t k = fg_jfr_class_name(fields[0], (size_t)(dot - fields[0]),
                                     name);
        snprintf(name + k, sizeof(name) - k, "%s", dot);
        uint32_t fid = fg_strtab_find(&p->func_index, name, strlen(name));
        ck_assert_msg(fid != UINT32_MAX, "%s: function %s missing", event,
                      fields[0]);
        ck_assert_uint_lt(fid, sizeof(seen_funcs));
        seen_funcs[fid] = true;
        for (size_t c = 1; c < nf; c++) {
            long long want = strtoll(fields[c], NULL, 10);
            bool flat = strncmp(colv[c], "flat_", 5) == 0;
            long long got = flat ? aggs[c].flat[fid] : aggs[c].cum[fid];
            ck_assert_msg(got == want, "%s %s %s: got %lld, golden %lld",
                          event, fields[0], colv[c], got, want);
            checked++;
        }
    }
    fclose(f);
    free(path);
    ck_assert_uint_gt(ncol, 1);
    /* no function outside the golden table carries a value */
    for (size_t c = 1; c < ncol; c++) {
        for (size_t fid = 0; fid < p->n_funcs; fid++)
            ck_assert_msg(seen_funcs[fid] || aggs[c].cum[fid] == 0,
                          "%s: %s has %s %lld, not in the golden table",
                          event, p->func_names[fid], colv[c],
                          (long long)aggs[c].cum[fid]);
        fg_agg_release(&aggs[c]);
        free(colv[c]);
    }
    return checked;
}

START_TEST(golden_tables)
{
    struct fg_profile *p = load_corpus_jfr();
    if (!p) {
        printf("SKIP: corpus formats/jfr absent\n");
        return;
    }
    ck_assert_int_eq(p->format, FG_FORMAT_JFR);
    size_t n = check_golden(p, "ExecutionSample");
    n += check_golden(p, "ObjectAllocationSample");
    n += check_golden(p, "ObjectAllocationInNewTLAB");
    ck_assert_uint_gt(n, 100);
    /* the default is CPU samples; no sampling period without settings */
    ck_assert_str_eq(p->types[p->default_type].type, "samples");
    ck_assert_int_lt(fg_profile_find_type(p, "cpu"), 0);
    /* count types pair with their byte types, not with CPU samples */
    long b = fg_profile_find_type(p, "alloc_in_new_tlab_bytes");
    long o = fg_profile_find_type(p, "alloc_in_new_tlab_objects");
    ck_assert_int_eq(fg_profile_count_type(p, (size_t)b), o);
    b = fg_profile_find_type(p, "alloc_sample_bytes");
    o = fg_profile_find_type(p, "alloc_sample_objects");
    ck_assert_int_eq(fg_profile_count_type(p, (size_t)b), o);
    fg_profile_free(p);
}
END_TEST

START_TEST(sample_times)
{
    struct fg_profile *p = load_corpus_jfr();
    if (!p) {
        printf("SKIP: corpus formats/jfr absent\n");
        return;
    }
    ck_assert_ptr_nonnull(p->sample_time);
    /* 2026-12-03, a 5-second recording: every sample inside the chunk */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t s = 0; s < p->n_samples; s++) {
        if (p->sample_time[s] < lo)
            lo = p->sample_time[s];
        if (p->sample_time[s] > hi)
            hi = p->sample_time[s];
    }
    ck_assert_int_ge(lo, p->time_nanos);
    ck_assert_int_le(hi, p->time_nanos + p->duration_nanos);
    ck_assert_int_gt(hi - lo, 3000000000LL);
    ck_assert_int_gt(lo, 1700000000LL * 1000000000LL);
    fg_profile_free(p);
}
END_TEST

/* Every prefix of the file is a clean error or (past the last chunk) the
 * whole profile; never a crash.  Damaged headers name the problem. */
START_TEST(truncated_and_damaged)
{
    char *path = fg_test_corpus_path("formats/jfr/work.jfr");
    unsigned char *data = NULL;
    size_t len = 0;
    struct fg_error err;
    if (!path || access(path, R_OK) != 0) {
        free(path);
        printf("SKIP: corpus formats/jfr absent\n");
        return;
    }
    ck_assert_int_eq(fg_read_file(path, 1 << 24, &data, &len, &err), FG_OK);
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8) {
        struct fg_profile *p = NULL;
        int rc = fg_source_decode(data, cut, "cut.jfr", NULL, &p, &err);
        ck_assert_msg(rc == FG_EFORMAT, "cut at %zu: rc %d", cut, rc);
        ck_assert_ptr_null(p);
        ck_assert_msg(strstr(err.msg, "cut.jfr") != NULL, "%s", err.msg);
    }
    unsigned char *copy = fg_xmalloc(len);
    struct {
        size_t at;
        unsigned char byte;
        const char *msg;
    } damage[] = {
        {3, 'X', "not a"},               /* magic */
        {7, 9, ""},                      /* minor 2.9: accepted */
        {5, 7, "JFR version 7.1 is not supported"}, /* major */
        {8, 0x7f, "chunk size past the end"},
        {16, 0x7f, "outside the chunk"}, /* constant-pool offset */
    };
    for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
        memcpy(copy, data, len);
        copy[damage[i].at] = damage[i].byte;
        struct fg_profile *p = NULL;
        int rc = fg_source_decode(copy, len, "bad.jfr", NULL, &p, &err);
        if (damage[i].at == 7) { /* minor versions are compatible */
            ck_assert_int_eq(rc, FG_OK);
            fg_profile_free(p);
            continue;
        }
        ck_assert_int_eq(rc, FG_EFORMAT);
        ck_assert_msg(strstr(err.msg, damage[i].msg) != NULL, "%s",
                      err.msg);
    }
    /* a second copy of the chunk: ids restart, values double */
    unsigned char *two = fg_xmalloc(2 * len);
    memcpy(two, data, len);
    memcpy(two + len, data, len);
    struct fg_profile *p1 = NULL, *p2 = NULL;
    ck_assert_int_eq(fg_source_decode(data, len, "one.jfr", NULL, &p1, &err),
                     FG_OK);
    ck_assert_int_eq(fg_source_decode(two, 2 * len, "two.jfr", NULL, &p2,
                                      &err), FG_OK);
    ck_assert_uint_eq(p2->n_samples, 2 * p1->n_samples);
    ck_assert_uint_eq(p2->n_funcs, p1->n_funcs);
    fg_profile_free(p1);
    fg_profile_free(p2);
    free(two);
    free(copy);
    free(data);
    free(path);
}
END_TEST

START_TEST(class_names)
{
    static const char *const cases[][2] = {
        {"Calib$$Lambda$88+0x00007f660c007a08/1790421142", "Calib$$Lambda_"},
        {"a/B$$Lambda$669/0x0000000800fd7318", "a/B$$Lambda_"},
        {"Fib$$Lambda.0x00007ffa600c4da0", "Fib$$Lambda_"},
        {"Fib$$Lambda$12", "Fib$$Lambda_"},
        {"java/lang/invoke/LambdaForm$MH/0x0000000800c08400",
         "java/lang/invoke/LambdaForm$MH_"},
        /* seen in JDK 17 recordings of a string-concatenating loop */
        {"java.lang.invoke.LambdaForm$MH+0x00007fc748009400/927327686",
         "java.lang.invoke.LambdaForm$MH_"},
        {"Foo+0x12", "Foo_"},
        {"Foo+0xZZ", "Foo+0xZZ"},
        {"jdk/internal/reflect/GeneratedMethodAccessor31",
         "jdk/internal/reflect/GeneratedMethodAccessor_"},
        {"jdk/internal/reflect/GeneratedConstructorAccessor7",
         "jdk/internal/reflect/GeneratedConstructorAccessor_"},
        /* unchanged */
        {"java/lang/String", "java/lang/String"},
        {"Foo$$Lambda", "Foo$$Lambda"},
        {"Foo$$Lambda$x", "Foo$$Lambda$x"},
        {"Foo/0xZZ", "Foo/0xZZ"},
        {"Work1", "Work1"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[128];
        size_t n = fg_jfr_class_name(cases[i][0], strlen(cases[i][0]), out);
        out[n] = '\0';
        ck_assert_str_eq(out, cases[i][1]);
    }
}
END_TEST

START_TEST(sniff)
{
    ck_assert(fg_jfr_sniff((const unsigned char *)"FLR\0\0\2", 6));
    ck_assert(!fg_jfr_sniff((const unsigned char *)"FLR", 3));
    ck_assert(!fg_jfr_sniff((const unsigned char *)"FLX\0", 4));
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_jfr_decode((const unsigned char *)"FLR\0\0\2\0\0", 8,
                                   "short.jfr", NULL, &p, &err),
                     FG_EFORMAT);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.msg, "short.jfr: not a valid JFR file: "
                                  "truncated") != NULL, "%s", err.msg);
}
END_TEST

/* Inputs that once broke the fuzz harness (tests/fuzz/regressions/jfr):
 * each is a clean error or a profile, never a crash or a huge
 * allocation. */
START_TEST(fuzz_regressions)
{
    const char *dir = "tests/fuzz/regressions/jfr";
    DIR *dp = opendir(dir);
    ck_assert_msg(dp != NULL, "cannot open %s (run from the repository)",
                  dir);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = fg_xasprintf("%s/%s", dir, e->d_name);
        struct fg_profile *p = NULL;
        struct fg_error err;
        int rc = fg_source_load_file(path, NULL, &p, &err);
        ck_assert_msg(rc == FG_OK || rc == FG_EFORMAT || rc == FG_ELIMIT,
                      "%s: rc %d", path, rc);
        ck_assert_msg(rc == FG_OK || strstr(err.msg, e->d_name), "%s",
                      err.msg);
        fg_profile_free(p);
        free(path);
        n++;
    }
    closedir(dp);
    ck_assert_uint_gt(n, 0);
}
END_TEST

Suite *jfr_suite(void);
Suite *jfr_suite(void)
{
    Suite *s = suite_create("jfr");
    TCase *tc = tcase_create("jfr");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, golden_tables);
    tcase_add_test(tc, sample_times);
    tcase_add_test(tc, truncated_and_damaged);
    tcase_add_test(tc, sniff);
    tcase_add_test(tc, class_names);
    tcase_add_test(tc, fuzz_regressions);
    suite_add_tcase(s, tc);
    return s;
}
