/*
 * check_numeric.c - numerical robustness of the compare engine and the
 * reports (issue 7): no NaN or infinity reaches a result, a verdict or a
 * report, whatever the counts: zero totals, functions present on one side
 * only, identical runs (zero variance), a single function, counts near
 * INT64_MAX/2, empty runs among replicates, very unequal sides.
 *
 * Every case checks every double of struct fg_result with isfinite, the
 * p-values' range, the verdict's exit code, and the text, markdown and
 * JSON reports (JSON parsed by jansson, which rejects NaN and infinity;
 * text and markdown searched for "nan"/"inf", which no function name used
 * here contains).
 */
#include "flamegate/compare.h"
#include "flamegate/flame.h"
#include "input/folded.h"
#include "flamegate/report.h"
#include "analysis/stats.h"
#include "core/util.h"
#include "testutil.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXRUNS 8

static struct fg_profile *folded(const char *text)
{
    struct fg_profile *p = NULL;
    struct fg_error err;
    int rc = fg_folded_parse(text, strlen(text), "t.folded", NULL, &p, &err);
    ck_assert_msg(rc == FG_OK, "folded: %s", err.msg);
    return p;
}

/* A zero-sample profile: folded text cannot express one, so the samples of
 * a parsed profile are dropped. */
static struct fg_profile *empty_profile(void)
{
    struct fg_profile *p = folded("main;work 1\n");
    p->n_samples = 0;
    return p;
}

static void is_fin(double v, const char *what, size_t row)
{
    ck_assert_msg(isfinite(v), "%s (row %zu) is not finite: %g", what, row,
                  v);
}

static void check_numbers(const struct fg_result *r)
{
    is_fin(r->r, "r", 0);
    is_fin(r->overdispersion, "overdispersion", 0);
    is_fin(r->prior_var, "prior_var", 0);
    is_fin(r->prior_df, "prior_df", 0);
    const struct fg_side *sides[2] = {&r->base, &r->cand};
    for (size_t s = 0; s < 2; s++) {
        is_fin(sides[s]->value_total, "value_total", s);
        is_fin(sides[s]->mde, "mde", s);
        is_fin(sides[s]->size_factor, "size_factor", s);
        ck_assert_msg(sides[s]->mde >= 0, "negative mde");
    }
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        is_fin(f->base_value, "base_value", i);
        is_fin(f->cand_value, "cand_value", i);
        is_fin(f->base_share, "base_share", i);
        is_fin(f->cand_share, "cand_share", i);
        is_fin(f->delta, "delta", i);
        is_fin(f->ratio, "ratio", i);
        is_fin(f->ratio_lo, "ratio_lo", i);
        is_fin(f->ratio_hi, "ratio_hi", i);
        is_fin(f->stat, "stat", i);
        is_fin(f->df, "df", i);
        is_fin(f->p, "p", i);
        is_fin(f->p_holm, "p_holm", i);
        is_fin(f->p_bh, "p_bh", i);
        is_fin(f->min_change, "min_change", i);
        is_fin(f->min_delta, "min_delta", i);
        ck_assert_msg(f->p >= 0 && f->p <= 1 && f->p_holm >= 0 &&
                          f->p_holm <= 1 && f->p_bh >= 0 && f->p_bh <= 1,
                      "row %zu '%s': p out of range", i, f->name);
        ck_assert_msg(f->ratio >= 0 && f->ratio_lo <= f->ratio_hi,
                      "row %zu '%s': ratio %g [%g, %g]", i, f->name, f->ratio,
                      f->ratio_lo, f->ratio_hi);
        ck_assert_msg(f->base_share >= 0 && f->base_share <= 1 &&
                          f->cand_share >= 0 && f->cand_share <= 1,
                      "row %zu '%s': share out of [0, 1]", i, f->name);
    }
    ck_assert_int_eq(r->exit_code, r->verdict == FG_VERDICT_FAIL ? 1 : 0);
    ck_assert_msg(r->reason[0], "verdict without a reason");
}

static bool has_word_ci(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = s; *p; p++) {
        if (strncasecmp(p, w, n) != 0)
            continue;
        bool left = p == s || !isalpha((unsigned char)p[-1]);
        bool right = !isalpha((unsigned char)p[n]) ||
                     strncasecmp(p + n, "inity", 5) == 0;
        if (left && right)
            return true;
    }
    return false;
}

static bool json_finite(json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_real(v))
        return isfinite(json_real_value(v));
    if (json_is_object(v)) {
        json_object_foreach(v, k, x) if (!json_finite(x)) return false;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (!json_finite(x)) return false;
    }
    return true;
}

static void check_reports(const struct fg_result *r,
                          const struct fg_flame *flame)
{
    struct fg_report_ctx ctx;
    fg_report_ctx_init(&ctx, r, flame);
    ctx.version = "test";
    ctx.settings = "flamegate compare a b";
    enum fg_report_format fmts[] = {FG_REPORT_TEXT, FG_REPORT_MARKDOWN,
                                    FG_REPORT_JSON, FG_REPORT_HTML,
                                    FG_REPORT_FOLDED};
    for (size_t i = 0; i < sizeof(fmts) / sizeof(*fmts); i++) {
        if (fmts[i] == FG_REPORT_FOLDED && !flame)
            continue;
        struct fg_buf b;
        struct fg_error err;
        fg_buf_init(&b, 0);
        int rc = fg_report_write(fmts[i], &ctx, &b, &err);
        ck_assert_msg(rc == FG_OK, "%s report: %s",
                      fg_report_format_name(fmts[i]), err.msg);
        const char *s = b.data ? b.data : "";
        if (fmts[i] == FG_REPORT_JSON) {
            json_error_t je;
            json_t *root = json_loadb(s, b.len, 0, &je);
            ck_assert_msg(root != NULL, "JSON report: %s", je.text);
            ck_assert_msg(json_finite(root), "non-finite number in JSON");
            json_decref(root);
        }
        if (fmts[i] != FG_REPORT_HTML) {
            /* HTML embeds a script that spells Infinity and isNaN */
            ck_assert_msg(!has_word_ci(s, "nan") && !has_word_ci(s, "inf"),
                          "%s report shows a NaN or infinity:\n%s",
                          fg_report_format_name(fmts[i]), s);
        }
        fg_buf_release(&b);
    }
}

/*
 * Compare base[0..k) and cand[0..m) (folded texts; NULL stands for an
 * empty profile) with opts (NULL: defaults, min_samples 500).  Returns the
 * verdict, or -1 when fg_compare fails (*rc set); everything is checked.
 */
static int run(const char *const *base, size_t k, const char *const *cand,
               size_t m, const struct fg_compare_opts *opts, int *rc_out)
{
    struct fg_profile *p[2 * MAXRUNS];
    ck_assert(k <= MAXRUNS && m <= MAXRUNS);
    for (size_t i = 0; i < k + m; i++) {
        const char *t = i < k ? base[i] : cand[i - k];
        p[i] = t ? folded(t) : empty_profile();
    }
    struct fg_compare_opts o;
    if (opts)
        o = *opts;
    else
        fg_compare_opts_default(&o);
    struct fg_result *r = NULL;
    struct fg_error err;
    int rc = fg_compare(p, k, p + k, m, &o, &r, &err);
    if (rc_out)
        *rc_out = rc;
    int verdict = -1;
    if (rc == FG_OK) {
        check_numbers(r);
        struct fg_flame *flame = NULL;
        /* the tree sums values over runs: it may overflow where the
         * comparison (which works per run) does not */
        int frc = fg_flame_build(p, k, p + k, m, 0, 0, &flame, &err);
        ck_assert_msg(frc == FG_OK || frc == FG_EFORMAT, "flame: %s",
                      err.msg);
        check_reports(r, flame);
        fg_flame_free(flame);
        verdict = (int)r->verdict;
        fg_result_free(r);
    } else {
        ck_assert_msg(r == NULL, "failed compare returned a result");
        ck_assert_msg(err.msg[0], "failure without a message");
    }
    for (size_t i = 0; i < k + m; i++)
        fg_profile_free(p[i]);
    return verdict;
}

static const char typical[] = "main;serve;db 600\n"
                              "main;serve;json 250\n"
                              "main;serve;cache 100\n"
                              "main;gc 50\n";

START_TEST(zero_totals)
{
    const char *z[] = {NULL};
    const char *t[] = {typical};
    ck_assert_int_eq(run(z, 1, z, 1, NULL, NULL), FG_VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(run(z, 1, t, 1, NULL, NULL), FG_VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(run(t, 1, z, 1, NULL, NULL), FG_VERDICT_INCONCLUSIVE);
    /* with the sample minimum out of the way the engine meets the zero
     * totals themselves */
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.min_samples = 0;
    o.min_count = 0;
    o.min_share = 0;
    for (int norm = 0; norm < 3; norm++) {
        for (int metric = 0; metric < 3; metric++) {
            o.normalize = (enum fg_normalize)norm;
            o.metric = (enum fg_metric)metric;
            run(z, 1, z, 1, &o, NULL);
            run(z, 1, t, 1, &o, NULL);
            run(t, 1, z, 1, &o, NULL);
            const char *z3[] = {NULL, NULL, NULL};
            run(z3, 3, z3, 3, &o, NULL);
        }
    }
}
END_TEST

START_TEST(absent_on_one_side)
{
    const char *b[] = {"main;a 900\nmain;gone 300\n"};
    const char *c[] = {"main;a 900\nmain;new 300\n"};
    ck_assert_int_eq(run(b, 1, c, 1, NULL, NULL), FG_VERDICT_FAIL);
    /* the same with replicates: every run lacks the function */
    const char *b3[] = {b[0], b[0], b[0]};
    const char *c3[] = {c[0], c[0], c[0]};
    ck_assert_int_eq(run(b3, 3, c3, 3, NULL, NULL), FG_VERDICT_FAIL);
    /* present in some runs only */
    const char *c3b[] = {b[0], c[0], b[0]};
    run(b3, 3, c3b, 3, NULL, NULL);
}
END_TEST

START_TEST(identical_runs_pass)
{
    /* 3 vs 3 identical profiles: zero variance everywhere */
    const char *t3[] = {typical, typical, typical};
    ck_assert_int_eq(run(t3, 3, t3, 3, NULL, NULL), FG_VERDICT_PASS);
    ck_assert_int_eq(run(t3, 1, t3, 1, NULL, NULL), FG_VERDICT_PASS);
    for (int norm = 0; norm < 3; norm++) {
        for (int metric = 0; metric < 3; metric++) {
            struct fg_compare_opts o;
            fg_compare_opts_default(&o);
            o.normalize = (enum fg_normalize)norm;
            o.metric = (enum fg_metric)metric;
            o.test = FG_TEST_MODERATED;
            ck_assert_int_eq(run(t3, 3, t3, 3, &o, NULL), FG_VERDICT_PASS);
            o.test = FG_TEST_BINOMIAL;
            ck_assert_int_eq(run(t3, 3, t3, 3, &o, NULL), FG_VERDICT_PASS);
        }
    }
}
END_TEST

START_TEST(single_function)
{
    const char *b[] = {"main 1000\n"}, *c[] = {"main 5000\n"};
    /* every share is 1: nothing can regress */
    int v = run(b, 1, c, 1, NULL, NULL);
    ck_assert_msg(v == FG_VERDICT_PASS || v == FG_VERDICT_INCONCLUSIVE,
                  "single function gave verdict %d", v);
    const char *b3[] = {b[0], b[0], b[0]}, *c3[] = {c[0], c[0], c[0]};
    v = run(b3, 3, c3, 3, NULL, NULL);
    ck_assert_msg(v == FG_VERDICT_PASS || v == FG_VERDICT_INCONCLUSIVE,
                  "single function gave verdict %d", v);
    const char *one[] = {"main 1\n"};
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.min_samples = 1;
    o.min_count = 1;
    run(one, 1, one, 1, &o, NULL);
}
END_TEST

/* Folded text of 12 functions f0..f11 with count each (f0 scaled by
 * first_scale), totalling about 12 * count. */
static char *twelve(int64_t count, double first_scale)
{
    struct fg_buf b;
    fg_buf_init(&b, 0);
    for (int i = 0; i < 12; i++) {
        int64_t c = i == 0 ? (int64_t)((double)count * first_scale) : count;
        ck_assert_int_eq(fg_buf_addf(&b, "main;f%d %lld\n", i, (long long)c),
                         FG_OK);
    }
    return fg_buf_detach(&b, NULL);
}

START_TEST(huge_counts)
{
    /* counts near INT64_MAX/2 per side: shares, ratios and the exact
     * binomial (n beyond UINT_MAX) stay finite, and a 1.5x change of one
     * function in twelve is still found */
    const int64_t q = INT64_MAX / 2 / 13;
    char *b = twelve(q, 1.0), *c = twelve(q, 1.5);
    const char *bb[] = {b}, *cc[] = {c};
    int rc;
    int v = run(bb, 1, cc, 1, NULL, &rc);
    ck_assert_msg(rc == FG_OK, "huge counts rejected");
    ck_assert_int_eq(v, FG_VERDICT_FAIL);
    /* three runs of INT64_MAX/2 overflow a side's total: an error or a
     * finite result, never a wrapped number (UBSan checks the arithmetic
     * in "make asan") */
    const char *b3[] = {b, b, b}, *c3[] = {c, c, c};
    v = run(b3, 3, c3, 3, NULL, &rc);
    ck_assert_msg((rc == FG_OK) == (v != -1), "inconsistent status");
    free(b);
    free(c);
    /* one huge function next to tiny ones */
    char hb[256], hc[256];
    snprintf(hb, sizeof(hb), "main;big %lld\nmain;tiny 1\nmain;small 30\n",
             (long long)(INT64_MAX / 2 - 100));
    snprintf(hc, sizeof(hc), "main;big %lld\nmain;tiny 3\nmain;small 10\n",
             (long long)(INT64_MAX / 2 - 100));
    const char *hbb[] = {hb}, *hcc[] = {hc};
    run(hbb, 1, hcc, 1, NULL, &rc);
    ck_assert_int_eq(rc, FG_OK);
}
END_TEST

START_TEST(empty_run_among_replicates)
{
    /* a replicate with no samples (an idle window of a backend) */
    const char *b3[] = {typical, NULL, typical};
    const char *c3[] = {typical, typical, typical};
    int rc;
    int v = run(b3, 3, c3, 3, NULL, &rc);
    ck_assert_msg((rc == FG_OK) == (v != -1), "inconsistent status");
    const char *z3[] = {NULL, NULL, NULL};
    run(b3, 3, z3, 3, NULL, &rc);
}
END_TEST

START_TEST(unequal_sides)
{
    char big[512];
    snprintf(big, sizeof(big),
             "main;serve;db %lld\nmain;serve;json %lld\nmain;gc %lld\n",
             600000000000LL, 250000000000LL, 50000000000LL);
    const char *b[] = {big}, *c[] = {"main;serve;db 700\nmain;serve;json "
                                     "200\nmain;gc 100\n"};
    run(b, 1, c, 1, NULL, NULL);
    run(c, 1, b, 1, NULL, NULL);
    /* a side where every sample is in a function ignored by a rule */
    struct fg_rule ign = {FG_RULE_IGNORE, "^(main|serve|db|json|gc)$", false,
                          -1, -1, -1, "test", NULL};
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.rules = &ign;
    o.n_rules = 1;
    ck_assert_int_eq(run(b, 1, c, 1, &o, NULL), FG_VERDICT_INCONCLUSIVE);
    o.metric = FG_METRIC_BOTH;
    ck_assert_int_eq(run(b, 1, c, 1, &o, NULL), FG_VERDICT_INCONCLUSIVE);
}
END_TEST

START_TEST(extreme_options)
{
    /* the ends of every range the settings accept (settings.c) */
    const char *b[] = {typical};
    const char *c[] = {"main;serve;db 900\nmain;serve;json 250\n"
                       "main;serve;cache 100\nmain;gc 50\n"};
    const char *b3[] = {typical, typical, c[0]};
    const char *c3[] = {c[0], c[0], typical};
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    double alphas[] = {1e-12, 0.5};
    for (size_t i = 0; i < 2; i++) {
        o.alpha = alphas[i];
        run(b, 1, c, 1, &o, NULL);
        run(b3, 3, c3, 3, &o, NULL);
    }
    fg_compare_opts_default(&o);
    o.min_change = 0;
    o.min_delta = 0;
    o.min_share = 0;
    o.min_count = 0;
    o.min_samples = 0;
    run(b, 1, c, 1, &o, NULL);
    run(b3, 3, c3, 3, &o, NULL);
    o.min_change = 1e4;
    o.min_delta = 1e4;
    o.min_share = 1e4;
    run(b, 1, c, 1, &o, NULL);
    run(b3, 3, c3, 3, &o, NULL);
    fg_compare_opts_default(&o);
    o.min_samples = 1000000000;
    o.min_count = 1000000000;
    ck_assert_int_eq(run(b, 1, c, 1, &o, NULL), FG_VERDICT_INCONCLUSIVE);
}
END_TEST

Suite *numeric_suite(void)
{
    Suite *s = suite_create("numeric");
    TCase *tc = tcase_create("finite");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, fg_stats_init, NULL);
    tcase_add_test(tc, zero_totals);
    tcase_add_test(tc, absent_on_one_side);
    tcase_add_test(tc, identical_runs_pass);
    tcase_add_test(tc, single_function);
    tcase_add_test(tc, huge_counts);
    tcase_add_test(tc, empty_run_among_replicates);
    tcase_add_test(tc, unequal_sides);
    tcase_add_test(tc, extreme_options);
    suite_add_tcase(s, tc);
    return s;
}
