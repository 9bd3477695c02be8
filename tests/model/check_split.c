/*
 * check_split.c - time blocks of one recording (model/split.h): every
 * sample lands in exactly one block, blocks follow time, values and
 * stacks are kept, and a profile without sample times is a clear error.
 */
#include "flamegate/aggregate.h"
#include "flamegate/source.h"
#include "input/folded.h"
#include "model/split.h"
#include "jfrwrite.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static struct fg_profile *valid_jfr(void)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    fg_jfrw_build(&b, JFRW_VALID);
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_source_decode((const unsigned char *)b.data, b.len,
                              "valid.jfr", NULL, &p, &err);
    ck_assert_msg(rc == FG_OK, "%s", err.msg);
    fg_buf_release(&b);
    return p;
}

/* Sum of type t's flat values of function name over the blocks. */
static int64_t flat_sum(struct fg_profile **blocks, unsigned n,
                        const char *name, const char *type)
{
    int64_t sum = 0;
    for (unsigned i = 0; i < n; i++) {
        struct fg_agg a;
        struct fg_error err;
        long t = fg_profile_find_type(blocks[i], type);
        ck_assert_int_ge(t, 0);
        ck_assert_int_eq(fg_aggregate_type(blocks[i], (size_t)t, &a, &err),
                         FG_OK);
        uint32_t f = fg_strtab_find(&blocks[i]->func_index, name,
                                    strlen(name));
        if (f != UINT32_MAX)
            sum += a.flat[f];
        fg_agg_release(&a);
    }
    return sum;
}

START_TEST(counts_preserved)
{
    struct fg_profile *p = valid_jfr();
    ck_assert_uint_eq(p->n_samples, 14);
    for (unsigned n = 1; n <= 16; n++) {
        struct fg_profile **blocks = NULL;
        struct fg_error err;
        ck_assert_int_eq(fg_profile_split_time(p, n, &blocks, &err), FG_OK);
        size_t total = 0;
        for (unsigned i = 0; i < n; i++) {
            total += blocks[i]->n_samples;
            ck_assert_uint_eq(blocks[i]->n_types, p->n_types);
            ck_assert_uint_eq(blocks[i]->n_funcs, p->n_funcs);
            ck_assert_ptr_nonnull(strstr(blocks[i]->source, "valid.jfr ["));
        }
        ck_assert_uint_eq(total, p->n_samples);
        ck_assert_int_eq(flat_sum(blocks, n, "Main.work", "samples"), 6);
        ck_assert_int_eq(flat_sum(blocks, n, "java/lang/String.indexOf",
                                  "samples"),
                         4);
        ck_assert_int_eq(flat_sum(blocks, n, "java/lang/String.indexOf",
                                  "alloc_sample_bytes"),
                         8192);
        ck_assert_int_eq(flat_sum(blocks, n, "Main.work", "park_delay"),
                         10000000);
        fg_profile_split_free(blocks, n);
    }
    fg_profile_free(p);
}
END_TEST

START_TEST(blocks_by_time)
{
    /* chunk 1: samples at 0, .1, ..., .6 s; chunk 2 the same 10 s later:
     * t0 = start, span = 10.6 s + 1 ns */
    struct fg_profile *p = valid_jfr();
    struct fg_profile **blocks = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_profile_split_time(p, 2, &blocks, &err), FG_OK);
    ck_assert_uint_eq(blocks[0]->n_samples, 7);
    ck_assert_uint_eq(blocks[1]->n_samples, 7);
    ck_assert_int_eq(blocks[0]->time_nanos, JFRW_START_NANOS);
    ck_assert_int_eq(blocks[1]->time_nanos,
                     JFRW_START_NANOS + 5300000000LL);
    for (unsigned i = 0; i < 2; i++)
        for (size_t s = 0; s < blocks[i]->n_samples; s++) {
            int64_t t = blocks[i]->sample_time[s];
            ck_assert_int_ge(t, blocks[i]->time_nanos);
            ck_assert_int_lt(t, blocks[i]->time_nanos +
                                    blocks[i]->duration_nanos);
        }
    fg_profile_split_free(blocks, 2);
    /* 106 blocks of 100 ms (the last one 1 ns longer): one sample in
     * each block that starts at a sample time, except the last, which
     * holds the samples at 10.5 s and 10.6 s; the rest empty */
    ck_assert_int_eq(fg_profile_split_time(p, 106, &blocks, &err), FG_OK);
    size_t nonempty = 0;
    for (unsigned i = 0; i < 106; i++) {
        ck_assert_uint_le(blocks[i]->n_samples, i == 105 ? 2 : 1);
        nonempty += blocks[i]->n_samples;
    }
    ck_assert_uint_eq(nonempty, 14);
    ck_assert_uint_eq(blocks[0]->n_samples, 1);
    ck_assert_uint_eq(blocks[105]->n_samples, 2);
    ck_assert_uint_eq(blocks[100]->n_samples, 1);
    ck_assert_uint_eq(blocks[50]->n_samples, 0);
    fg_profile_split_free(blocks, 106);
    fg_profile_free(p);
}
END_TEST

START_TEST(no_time_is_an_error)
{
    struct fg_profile *p = NULL, **blocks = NULL;
    struct fg_error err;
    const char *text = "main;a 3\nmain;b 2\n";
    ck_assert_int_eq(fg_folded_parse(text, strlen(text), "x.folded", NULL,
                                     &p, &err),
                     FG_OK);
    ck_assert_int_eq(fg_profile_split_time(p, 4, &blocks, &err), FG_EUSAGE);
    ck_assert_ptr_null(blocks);
    ck_assert_ptr_nonnull(strstr(err.msg, "x.folded: a folded profile has "
                                          "no time per sample"));
    ck_assert_ptr_nonnull(strstr(err.msg, "JFR, cpuprofile, perf script"));
    fg_profile_free(p);
    p = valid_jfr();
    ck_assert_int_eq(fg_profile_split_time(p, 0, &blocks, &err), FG_EUSAGE);
    ck_assert_int_eq(fg_profile_split_time(p, FG_SPLIT_MAX + 1, &blocks,
                                           &err),
                     FG_EUSAGE);
    fg_profile_free(p);
}
END_TEST

Suite *split_suite(void);
Suite *split_suite(void)
{
    Suite *s = suite_create("split");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, counts_preserved);
    tcase_add_test(tc, blocks_by_time);
    tcase_add_test(tc, no_time_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}
