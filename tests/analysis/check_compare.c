/*
 * check_compare.c - the compare engine end to end on hand-built profiles
 * (the worked examples of STATISTICS.md section 8 as profiles) and on the
 * real A/A replicate series of the corpus.
 */
#include "flamegate/compare.h"
#include "flamegate/report.h"
#include "input/folded.h"
#include "flamegate/source.h"
#include "analysis/stats.h"
#include "core/util.h"
#include "synth.h"
#include "testutil.h"
#include "model/filter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The profile of the folded text written to f, an open_memstream of
 * *text and *len (closed and freed here). */
static struct fg_profile *folded_of(FILE *f, char **text, size_t *len)
{
    fclose(f);
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_msg(fg_folded_parse(*text, *len, "mem", NULL, &p, &err) ==
                      FG_OK,
                  "%s", err.msg);
    free(*text);
    return p;
}

/* A folded profile with one leaf function per count: "main;fI COUNT". */
static struct fg_profile *counts_profile(const char *const *names,
                                         const long *counts, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (size_t i = 0; i < n; i++)
        if (counts[i] > 0)
            fprintf(f, "main;%s %ld\n", names[i], counts[i]);
    return folded_of(f, &text, &len);
}

static struct fg_result *run(struct fg_profile **b, size_t k,
                             struct fg_profile **c, size_t m,
                             const struct fg_compare_opts *o)
{
    struct fg_result *r = NULL;
    struct fg_error err;
    int rc = fg_compare(b, k, c, m, o, &r, &err);
    ck_assert_msg(rc == FG_OK, "compare failed: %s", err.msg);
    return r;
}

static const struct fg_func_result *row(const struct fg_result *r,
                                        const char *name)
{
    for (size_t i = 0; i < r->n_funcs; i++)
        if (strcmp(r->funcs[i].name, name) == 0 &&
            r->funcs[i].metric == FG_METRIC_FLAT)
            return &r->funcs[i];
    ck_abort_msg("no row for %s", name);
    return NULL;
}

static void assert_finite(const struct fg_result *r)
{
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        double v[] = {f->base_share, f->cand_share, f->delta, f->ratio,
                      f->ratio_lo,  f->ratio_hi,   f->stat,  f->df,
                      f->p,         f->p_holm,     f->p_bh};
        for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
            ck_assert_msg(isfinite(v[j]), "%s: value %zu not finite",
                          f->name, j);
    }
    ck_assert(isfinite(r->r) && isfinite(r->base.mde) &&
              isfinite(r->cand.mde) && isfinite(r->overdispersion));
    ck_assert(isfinite(r->noise_var) && r->noise_var >= 0 &&
              isfinite(r->mde_noise) && r->mde_noise >= 0);
}

static const char *const EX_NAMES[] = {"F", "g1", "g2", "g3", "g4", "g5",
                                       "g6", "g7"};

START_TEST(test_identical_passes)
{
    long c[] = {1200, 5000, 8000, 3000, 400, 150, 30000, 12220};
    struct fg_profile *a = counts_profile(EX_NAMES, c, 8);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&a, 1, &a, 1, &o);
    ck_assert_int_eq(r->verdict, FG_VERDICT_PASS);
    ck_assert_int_eq(r->exit_code, 0);
    ck_assert_uint_eq(r->n_regressions, 0);
    ck_assert_uint_eq(r->n_findings, 0);
    /* 8 flat rows and the cum row of main: the leaves' cum rows would
     * repeat their flat rows and are not built */
    ck_assert_uint_eq(r->n_tested, 9);
    ck_assert_double_eq_tol(r->r, 1.0, 1e-12);
    assert_finite(r);
    fg_result_free(r);
    fg_profile_free(a);
}
END_TEST

/* The step times add up to no more than the whole call, none is negative,
 * and together they are not nothing (they are laps of one clock). */
START_TEST(test_step_times)
{
    long c[] = {1200, 5000, 8000, 3000, 400, 150, 30000, 12220};
    struct fg_profile *a = counts_profile(EX_NAMES, c, 8);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    double t = fg_now();
    struct fg_result *r = run(&a, 1, &a, 1, &o);
    double whole = fg_now() - t;
    const double steps[] = {r->times.digests,  r->times.table,
                            r->times.set_aside, r->times.normalize,
                            r->times.tests,    r->times.findings,
                            r->times.rows,     r->times.order};
    double sum = 0.0;
    for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
        ck_assert_msg(steps[i] >= 0.0, "step %zu took %g s", i, steps[i]);
        sum += steps[i];
    }
    ck_assert_msg(sum > 0.0 && sum <= whole, "steps %g s, call %g s", sum,
                  whole);
    fg_result_free(r);
    fg_profile_free(a);
}
END_TEST

/* A folded profile of 10 large functions (big4 doubled in the candidate)
 * and 400 small ones (a few on one side only): most rows are untested. */
static struct fg_profile *many_small(bool cand)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (int i = 0; i < 10; i++)
        fprintf(f, "main;work;big%d %d\n", i, cand && i == 4 ? 10000 : 5000);
    for (int i = 0; i < 400; i++)
        if (!(cand ? i % 97 == 5 : i % 89 == 3))
            fprintf(f, "main;mid;small%d %d\n", i, 1 + (i + cand) % 3);
    return folded_of(f, &text, &len);
}

struct done_ctx {
    struct fg_profile **prof;
    size_t n, calls;
};

static void free_on_done(void *ctx)
{
    struct done_ctx *d = ctx;
    d->calls++;
    for (size_t i = 0; i < d->n; i++) {
        fg_profile_free(d->prof[i]);
        d->prof[i] = NULL;
    }
}

/* profiles_done is called once, and a caller that frees the profiles
 * there gets the same result, row for row, as one that keeps them: the
 * rows built after it (the untested functions) read nothing of the
 * profiles.  The sanitizer and valgrind runs of the suite catch a read
 * after the free.  Those late rows carry their rules, and their change in
 * share (under total normalization, the difference of the shares). */
START_TEST(test_profiles_done)
{
    struct fg_rule rules[] = {
        {FG_RULE_THRESHOLD, "small7", true, 0.5, -1, -1, "test", NULL},
        {FG_RULE_IGNORE, "big9", true, -1, -1, -1, "test", NULL},
        {FG_RULE_IGNORE, "small1*", true, -1, -1, -1, "test", NULL}};
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.rules = rules;
    o.n_rules = 3;
    o.normalize = FG_NORM_TOTAL;
    struct fg_profile *kept[2] = {many_small(false), many_small(true)};
    struct fg_result *r1 = run(&kept[0], 1, &kept[1], 1, &o);
    struct fg_profile *freed[2] = {many_small(false), many_small(true)};
    struct done_ctx d = {freed, 2, 0};
    o.profiles_done = free_on_done;
    o.profiles_done_ctx = &d;
    struct fg_result *r2 = run(&freed[0], 1, &freed[1], 1, &o);
    ck_assert_uint_eq(d.calls, 1);
    ck_assert_ptr_null(freed[0]);
    ck_assert_int_eq(r1->verdict, r2->verdict);
    ck_assert_int_eq(r1->verdict, FG_VERDICT_FAIL);
    ck_assert_uint_eq(r1->n_findings, r2->n_findings);
    ck_assert_uint_eq(r1->n_funcs, r2->n_funcs);
    ck_assert_uint_gt(r1->n_funcs, 400);
    size_t untested = 0;
    for (size_t i = 0; i < r1->n_funcs; i++) {
        const struct fg_func_result *a = &r1->funcs[i], *b = &r2->funcs[i];
        ck_assert_str_eq(a->name, b->name);
        ck_assert_int_eq(a->metric, b->metric);
        ck_assert_int_eq(a->base_count, b->base_count);
        ck_assert_int_eq(a->cand_count, b->cand_count);
        ck_assert_uint_eq(a->flags, b->flags);
        ck_assert(a->delta == b->delta && a->p_holm == b->p_holm);
        ck_assert_uint_eq(a->finding, b->finding);
        ck_assert((a->rule == NULL) == (b->rule == NULL));
        ck_assert(a->min_change == b->min_change);
        untested += !(a->flags & FG_F_TESTED);
        if (strcmp(a->name, "small7") == 0)
            ck_assert_ptr_nonnull(a->rule);
        ck_assert_msg(fabs(b->delta - (b->cand_share - b->base_share)) <
                          1e-15,
                      "%s: delta %g, shares %g -> %g", b->name, b->delta,
                      b->base_share, b->cand_share);
        bool ignored = strcmp(a->name, "big9") == 0 ||
                       strncmp(a->name, "small1", 6) == 0;
        ck_assert_msg(ignored == ((b->flags & FG_F_IGNORED) != 0), "%s",
                      b->name);
    }
    ck_assert_uint_gt(untested, 300);
    fg_result_free(r1);
    fg_result_free(r2);
    fg_profile_free(kept[0]);
    fg_profile_free(kept[1]);
}
END_TEST

/* Example A as profiles: F grows 1200 -> 1404 while everything else
 * scales with the totals (60,000 -> 54,000). */
START_TEST(test_example_a_fails)
{
    long base[] = {1200, 5000, 8000, 3000, 4000, 1500, 30000, 7300};
    long cand[8];
    cand[0] = 1404;
    for (int i = 1; i < 8; i++)
        cand[i] = base[i] * 9 / 10;
    struct fg_profile *b = counts_profile(EX_NAMES, base, 8);
    struct fg_profile *c = counts_profile(EX_NAMES, cand, 8);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    for (int norm = 0; norm < 2; norm++) {
        o.normalize = norm ? FG_NORM_TOTAL : FG_NORM_ROBUST;
        struct fg_result *r = run(&b, 1, &c, 1, &o);
        ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
        ck_assert_int_eq(r->exit_code, 1);
        ck_assert_uint_eq(r->n_regressions, 1);
        const struct fg_func_result *f = &r->funcs[0];
        ck_assert_str_eq(f->name, "F");
        ck_assert(f->flags & FG_F_REGRESSION);
        ck_assert_double_eq_tol(f->base_share, 0.02, 1e-12);
        ck_assert_double_eq_tol(f->cand_share,
                                1404.0 / (double)r->cand.total, 1e-12);
        ck_assert(f->ratio > 1.25 && f->ratio < 1.35);
        ck_assert(f->ratio_lo > 1.0 && f->ratio_hi > f->ratio);
        /* the p-value averages over how noisy the 7 other functions say
         * the runs are: clearly significant, not astronomically so */
        if (norm == 0) /* robust: every other ratio is exactly 0.9 */
            ck_assert(f->p < 1e-3);
        ck_assert(f->p_holm < 0.05);
        /* the unchanged functions are not flagged */
        ck_assert(!(row(r, "g6")->flags & (FG_F_REGRESSION | FG_F_MARGINAL)));
        assert_finite(r);
        fg_result_free(r);
    }
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* Example C: one big optimization must not make the unchanged functions
 * look regressed under the default (robust) normalization. */
START_TEST(test_example_c_compositional)
{
    const char *names[] = {"f1", "f2", "f3", "f4", "f5"};
    long base[] = {30000, 10000, 8000, 7000, 5000};
    long cand[] = {10000, 10000, 8000, 7000, 5000};
    struct fg_profile *b = counts_profile(names, base, 5);
    struct fg_profile *c = counts_profile(names, cand, 5);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    ck_assert_int_eq(r->normalize, FG_NORM_ROBUST);
    ck_assert_double_eq_tol(r->r, 1.0, 1e-9);
    ck_assert_int_ne(r->verdict, FG_VERDICT_FAIL);
    ck_assert(row(r, "f1")->flags & FG_F_IMPROVEMENT);
    ck_assert_double_eq_tol(row(r, "f2")->p, 1.0, 1e-9);
    ck_assert(!(row(r, "f2")->flags & FG_F_REGRESSION));
    fg_result_free(r);
    /* Under plain total normalization the unchanged f2 looks +50%; only
     * the run-to-run noise estimate (every function moved) keeps it from
     * failing here. */
    o.normalize = FG_NORM_TOTAL;
    r = run(&b, 1, &c, 1, &o);
    ck_assert_double_eq_tol(row(r, "f2")->ratio, 1.5, 0.01);
    ck_assert(r->overdispersion > 0.1);
    /* ... and the report says how much that noise costs */
    ck_assert(r->noise_var > 0.1);
    ck_assert(r->mde_noise > 2.0 * fmax(r->base.mde, r->cand.mde));
    fg_result_free(r);
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

START_TEST(test_inconclusive_and_gates)
{
    long base[] = {40, 100, 100, 60};
    long cand[] = {80, 100, 100, 60};
    struct fg_profile *b = counts_profile(EX_NAMES, base, 4);
    struct fg_profile *c = counts_profile(EX_NAMES, cand, 4);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    ck_assert_int_eq(r->verdict, FG_VERDICT_INCONCLUSIVE);
    ck_assert_int_eq(r->exit_code, 0);
    ck_assert_ptr_nonnull(strstr(r->reason, "too few samples"));
    fg_result_free(r);
    /* nothing testable */
    o.min_samples = 10;
    o.min_count = 100000;
    r = run(&b, 1, &c, 1, &o);
    ck_assert_int_eq(r->verdict, FG_VERDICT_INCONCLUSIVE);
    ck_assert_ptr_nonnull(strstr(r->reason, "no function"));
    fg_result_free(r);
    /* a side without any profile (every window of a young canary empty):
     * INCONCLUSIVE with the reason naming the empty side, the other side
     * counted, and every report says which side had no samples */
    for (int empty = 0; empty < 2; empty++) {
        const char *side = empty ? "base" : "candidate";
        r = empty ? run(NULL, 0, &c, 1, &o) : run(&b, 1, NULL, 0, &o);
        ck_assert_int_eq(r->verdict, FG_VERDICT_INCONCLUSIVE);
        ck_assert_int_eq(r->exit_code, 0);
        char want[64];
        snprintf(want, sizeof(want), "the %s has no samples", side);
        ck_assert_msg(strstr(r->reason, want), "%s", r->reason);
        ck_assert_uint_eq(r->base.runs, empty ? 0 : 1);
        ck_assert_uint_eq(r->cand.runs, empty ? 1 : 0);
        ck_assert_int_eq(empty ? r->cand.total : r->base.total,
                         empty ? 340 : 300);
        ck_assert_int_eq(empty ? r->base.total : r->cand.total, 0);
        ck_assert_str_eq(r->count_type, "the analysed counts (samples)");
        fg_result_add_warning(r, "%s: %d of %d windows empty", side, 5, 5);
        ck_assert_uint_eq(r->n_warnings, 1);
        for (int f = FG_REPORT_TEXT; f <= FG_REPORT_HTML; f++) {
            struct fg_report_ctx ctx;
            fg_report_ctx_init(&ctx, r, NULL);
            struct fg_buf out;
            fg_buf_init(&out, 0);
            struct fg_error err;
            ck_assert_int_eq(fg_report_write((enum fg_report_format)f, &ctx,
                                             &out, &err), FG_OK);
            ck_assert_ptr_nonnull(strstr(out.data, "INCONCLUSIVE"));
            ck_assert_ptr_nonnull(strstr(out.data, "windows empty"));
            ck_assert_ptr_nonnull(strstr(out.data, want));
            ck_assert_ptr_null(strstr(out.data, "tests count none"));
            snprintf(want, sizeof(want),
                     f == FG_REPORT_JSON ? "\"empty_side\": \"%s\""
                                         : "no %s samples to compare",
                     side);
            ck_assert_msg(strstr(out.data, want), "%s report lacks '%s'",
                          fg_report_format_name((enum fg_report_format)f),
                          want);
            snprintf(want, sizeof(want), "the %s has no samples", side);
            fg_buf_release(&out);
        }
        fg_result_free(r);
    }
    struct fg_error err;
    ck_assert_int_eq(fg_compare(NULL, 0, NULL, 0, &o, &r, &err), FG_EUSAGE);
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* Example B2: significant but below the 0.5 pp gate -> MARGINAL, not
 * FAIL. */
START_TEST(test_example_b2_marginal)
{
    long base[] = {300, 5000, 8000, 3000, 4000, 1500, 30000, 8200};
    long cand[8];
    cand[0] = 380;
    for (int i = 1; i < 8; i++)
        cand[i] = base[i] * 9 / 10;
    struct fg_profile *b = counts_profile(EX_NAMES, base, 8);
    struct fg_profile *c = counts_profile(EX_NAMES, cand, 8);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    const struct fg_func_result *f = row(r, "F");
    ck_assert(f->flags & FG_F_SIGNIFICANT);
    ck_assert(!(f->flags & FG_F_MATERIAL));
    ck_assert(f->flags & FG_F_MARGINAL);
    ck_assert_int_eq(r->verdict, FG_VERDICT_MARGINAL);
    ck_assert_int_eq(r->exit_code, 0);
    fg_result_free(r);
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* The Holm family that decides FAIL holds only the functions with enough
 * samples that their share could move by --min-delta at all: 20 small
 * functions (20-24 samples per side of ~11,000: at most 0.41 pp) leave it,
 * and the 12 others are adjusted among themselves.  BH and the small
 * functions' Holm stay over everything tested; --min-delta 0 puts every
 * tested function back into the family. */
START_TEST(test_gate_family)
{
    enum { BIG = 12, SMALL = 20, N = BIG + SMALL };
    const char *names[N];
    char buf[N][16];
    long base[N], cand[N];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof(buf[i]), i < BIG ? "big%d" : "small%d", i);
        names[i] = buf[i];
        base[i] = i < BIG ? 800 + 10 * i : 20;
        cand[i] = i < BIG ? 800 + 10 * i + (i % 3 - 1) * 25 : 20 + i % 5;
    }
    cand[0] = 1100; /* +37.5%: a real regression */
    long tb = 0, tc = 0;
    for (int i = 0; i < N; i++) {
        tb += base[i];
        tc += cand[i];
    }
    /* small: (a + b) / min(total) < 0.5%; big: far above */
    ck_assert(44.0 / (double)(tb < tc ? tb : tc) < 0.005);
    struct fg_profile *b = counts_profile(names, base, N);
    struct fg_profile *c = counts_profile(names, cand, N);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.normalize = FG_NORM_TOTAL;
    o.metric = FG_METRIC_FLAT; /* plain Holm: every flat row weighs 1 */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            o.min_delta = 0;
        struct fg_result *r = run(&b, 1, &c, 1, &o);
        ck_assert_uint_eq(r->n_tested, N);
        ck_assert_uint_eq(r->n_gate, pass == 0 ? BIG : N);
        double p_all[N], p_gate[N], holm_all[N], holm_gate[N], bh[N];
        size_t ng = 0;
        for (int i = 0; i < N; i++) {
            p_all[i] = row(r, names[i])->p;
            if (pass == 1 || i < BIG)
                p_gate[ng++] = p_all[i];
        }
        ck_assert_uint_eq(ng, r->n_gate);
        fg_stats_holm(p_all, N, holm_all);
        fg_stats_holm(p_gate, ng, holm_gate);
        fg_stats_bh(p_all, N, bh);
        for (int i = 0; i < N; i++) {
            const struct fg_func_result *f = row(r, names[i]);
            bool gate = pass == 1 || i < BIG;
            double want = gate ? holm_gate[i] : holm_all[i];
            ck_assert_msg(fabs(f->p_holm - want) <= 1e-12 * fmax(want, 1e-300),
                          "%s: p_holm %g, want %g", names[i], f->p_holm, want);
            ck_assert_double_eq_tol(f->p_bh, bh[i], 1e-12 * fmax(bh[i], 1e-300));
        }
        /* the family is smaller, so the regression's adjusted p is too */
        if (pass == 0)
            ck_assert(row(r, "big0")->p_holm < holm_all[0]);
        ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
        ck_assert(row(r, "big0")->flags & FG_F_REGRESSION);
        assert_finite(r);
        fg_result_free(r);
    }
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

START_TEST(test_mismatched_types)
{
    const char *text = "main;f 100\n";
    struct fg_profile *a = NULL, *b = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_folded_parse(text, strlen(text), "a.txt", NULL, &a,
                                     &err),
                     FG_OK);
    ck_assert_int_eq(fg_folded_parse(text, strlen(text), "b.txt", NULL, &b,
                                     &err),
                     FG_OK);
    b->types[0].type = "cpu";
    b->types[0].unit = "nanoseconds";
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = NULL;
    ck_assert_int_eq(fg_compare(&a, 1, &b, 1, &o, &r, &err), FG_EUSAGE);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.msg, "a.txt") && strstr(err.msg, "b.txt") &&
                      strstr(err.msg, "samples/count") &&
                      strstr(err.msg, "cpu/nanoseconds"),
                  "%s", err.msg);
    fg_profile_free(a);
    fg_profile_free(b);
}
END_TEST

/* Replicates: 3 vs 3 runs with ~5% noise use the moderated t; identical
 * behaviour passes, a +25% regression of a 20% function fails. */
START_TEST(test_replicates_moderated)
{
    const long base_runs[3][8] = {
        {2000, 1010, 980, 1500, 1000, 1030, 1200, 1280},
        {2060, 990, 1020, 1460, 1040, 970, 1250, 1210},
        {1950, 1000, 1000, 1540, 960, 1000, 1180, 1300}};
    const long cand_runs[3][8] = {
        {2020, 1000, 1010, 1480, 1010, 1010, 1230, 1240},
        {1980, 1020, 990, 1520, 990, 990, 1190, 1290},
        {2040, 980, 1000, 1500, 1000, 1000, 1210, 1250}};
    struct fg_profile *b[3], *c[3], *reg[3];
    for (int i = 0; i < 3; i++) {
        b[i] = counts_profile(EX_NAMES, base_runs[i], 8);
        c[i] = counts_profile(EX_NAMES, cand_runs[i], 8);
        long x[8];
        memcpy(x, cand_runs[i], sizeof(x));
        x[0] = x[0] * 5 / 4;
        reg[i] = counts_profile(EX_NAMES, x, 8);
    }
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.min_samples = 100;
    struct fg_result *r = run(b, 3, c, 3, &o);
    ck_assert_int_eq(r->test, FG_TEST_MODERATED);
    ck_assert_int_ne(r->verdict, FG_VERDICT_FAIL);
    ck_assert_uint_eq(r->base.runs, 3);
    ck_assert(row(r, "F")->base_runs != NULL);
    ck_assert_int_eq(row(r, "F")->base_runs[1], 2060);
    assert_finite(r);
    fg_result_free(r);
    r = run(b, 3, reg, 3, &o);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert_str_eq(r->funcs[0].name, "F");
    ck_assert(r->funcs[0].df > 4);
    assert_finite(r);
    fg_result_free(r);
    /* identical runs on both sides: no NaN, PASS */
    struct fg_profile *same[3] = {b[0], b[0], b[0]};
    r = run(same, 3, same, 3, &o);
    ck_assert_int_eq(r->verdict, FG_VERDICT_PASS);
    assert_finite(r);
    fg_result_free(r);
    for (int i = 0; i < 3; i++) {
        fg_profile_free(b[i]);
        fg_profile_free(c[i]);
        fg_profile_free(reg[i]);
    }
}
END_TEST

START_TEST(test_rules_and_new_functions)
{
    const char *names[] = {"main.work", "runtime.futex", "g1", "g2",
                           "g3", "g4", "fresh"};
    long base[] = {5000, 1000, 8000, 3000, 4000, 6000, 0};
    long cand[] = {5000, 3000, 8000, 3000, 4000, 6000, 2500};
    struct fg_profile *b = counts_profile(names, base, 7);
    struct fg_profile *c = counts_profile(names, cand, 7);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    /* a new hot function is a regression; runtime.futex tripled, which is
     * within the noise of thread wake-ups (its share follows the machine's
     * load): it needs a larger change and says so */
    ck_assert(row(r, "fresh")->flags & FG_F_NEW);
    ck_assert(row(r, "fresh")->flags & FG_F_REGRESSION);
    const struct fg_func_result *ap = row(r, "runtime.futex");
    ck_assert(ap->flags & FG_F_ENV);
    ck_assert_str_eq(ap->env_family, "go-runtime-scheduling");
    ck_assert(!(ap->flags & FG_F_REGRESSION));
    ck_assert_msg(ap->fail_ratio > 3.0, "fail ratio %g", ap->fail_ratio);
    ck_assert_uint_eq(r->n_env, 1);
    ck_assert(isfinite(row(r, "fresh")->ratio));
    fg_result_free(r);
    /* without the environment model it is an ordinary regression */
    o.env_noise = false;
    r = run(&b, 1, &c, 1, &o);
    ck_assert(row(r, "runtime.futex")->flags & FG_F_REGRESSION);
    ck_assert(row(r, "runtime.futex")->fail_ratio == 0.0 ||
              row(r, "runtime.futex")->flags & FG_F_ENV);
    fg_result_free(r);
    o.env_noise = true;
    struct fg_rule rules[2];
    memset(rules, 0, sizeof(rules));
    rules[0].kind = FG_RULE_IGNORE;
    rules[0].pattern = "^runtime\\.";
    rules[0].min_change = rules[0].min_delta = rules[0].max_share = -1;
    rules[1].kind = FG_RULE_IGNORE;
    rules[1].pattern = "fre*";
    rules[1].is_glob = true;
    rules[1].min_change = rules[1].min_delta = rules[1].max_share = -1;
    o.rules = rules;
    o.n_rules = 2;
    r = run(&b, 1, &c, 1, &o);
    ck_assert(row(r, "runtime.futex")->flags & FG_F_IGNORED);
    ck_assert(!(row(r, "runtime.futex")->flags & FG_F_TESTED));
    ck_assert(row(r, "fresh")->flags & FG_F_IGNORED);
    ck_assert_int_ne(r->verdict, FG_VERDICT_FAIL);
    fg_result_free(r);
    /* a bad regex is a usage error */
    rules[0].pattern = "(";
    struct fg_error err;
    ck_assert_int_eq(fg_compare(&b, 1, &c, 1, &o, &r, &err), FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "invalid regular expression"));
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* Go's preemption frame at the leaf counts as the interrupted function's
 * own time: on a loaded machine it took 27% of a CPU profile, 46% of it
 * inside one hot loop, whose own share then followed the load. */
START_TEST(test_interrupt_frames_charged_to_caller)
{
    const char *base =
        "main;main.hot 7000\nmain;main.hot;runtime.asyncPreempt 1000\n"
        "main;main.cold 2000\nmain;main.other 3000\nmain;main.more 2500\n"
        "main;main.x1 1500\nmain;main.x2 1200\nmain;main.x3 900\n"
        "runtime.asyncPreempt 50\n";
    const char *cand =
        "main;main.hot 3000\nmain;main.hot;runtime.asyncPreempt 5000\n"
        "main;main.cold 2000\nmain;main.other 3000\nmain;main.more 2500\n"
        "main;main.x1 1500\nmain;main.x2 1200\nmain;main.x3 900\n"
        "runtime.asyncPreempt 50\n";
    struct fg_profile *b = NULL, *c = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_folded_parse(base, strlen(base), "b", NULL, &b, &err),
                     FG_OK);
    ck_assert_int_eq(fg_folded_parse(cand, strlen(cand), "c", NULL, &c, &err),
                     FG_OK);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    /* main.hot: 7000 + 1000 and 3000 + 5000, unchanged */
    const struct fg_func_result *hot = NULL, *ap = NULL;
    for (size_t i = 0; i < r->n_funcs; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        if (f->metric != FG_METRIC_FLAT)
            continue;
        if (strcmp(f->name, "main.hot") == 0)
            hot = f;
        if (strcmp(f->name, "runtime.asyncPreempt") == 0)
            ap = f;
    }
    ck_assert_ptr_nonnull(hot);
    ck_assert_int_eq(hot->base_count, 8000);
    ck_assert_int_eq(hot->cand_count, 8000);
    ck_assert(!(hot->flags & FG_F_IMPROVEMENT));
    /* a preemption frame without a caller keeps its own row */
    ck_assert_ptr_nonnull(ap);
    ck_assert_int_eq(ap->base_count, 50);
    ck_assert_int_eq(r->verdict, FG_VERDICT_PASS);
    ck_assert(r->charged_share[0] > 0.05 && r->charged_share[1] > 0.25);
    fg_result_free(r);
    /* --env-noise off: pprof's attribution, and main.hot's self time fell;
     * the preemption frame's rise is significant, but main.hot's inclusive
     * time did not move: time moved within main.hot, not a regression */
    o.env_noise = false;
    r = run(&b, 1, &c, 1, &o);
    ck_assert_int_eq(row(r, "main.hot")->base_count, 7000);
    ck_assert(row(r, "main.hot")->flags & FG_F_IMPROVEMENT);
    ck_assert(row(r, "runtime.asyncPreempt")->flags & FG_F_MOVED);
    ck_assert(row(r, "runtime.asyncPreempt")->flags & FG_F_MARGINAL);
    ck_assert(!(row(r, "runtime.asyncPreempt")->flags & FG_F_REGRESSION));
    ck_assert(r->charged_share[0] == 0.0);
    fg_result_free(r);
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* A function that runs mostly inside the collector's background work is
 * environment-driven itself, and the collector's samples leave the
 * callers' rows. */
START_TEST(test_environment_context)
{
    const char *base =
        "main;main.a 6000\nmain;main.b 4000\nmain;main.c 3000\n"
        "main;main.d 2000\nmain;main.e 1500\nmain;main.f 1000\n"
        "runtime.gcBgMarkWorker;runtime.sweepHelper 100\n"
        "runtime.gcBgMarkWorker;runtime.sweepHelper;runtime.lock2 100\n"
        "main;main.a;runtime.lock2 800\n";
    const char *cand =
        "main;main.a 6000\nmain;main.b 4000\nmain;main.c 3000\n"
        "main;main.d 2000\nmain;main.e 1500\nmain;main.f 1000\n"
        "runtime.gcBgMarkWorker;runtime.sweepHelper 1500\n"
        "runtime.gcBgMarkWorker;runtime.sweepHelper;runtime.lock2 800\n"
        "main;main.a;runtime.lock2 800\n";
    struct fg_profile *b = NULL, *c = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_folded_parse(base, strlen(base), "b", NULL, &b, &err),
                     FG_OK);
    ck_assert_int_eq(fg_folded_parse(cand, strlen(cand), "c", NULL, &c, &err),
                     FG_OK);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    /* sweepHelper is only ever under the mark worker: environment */
    const struct fg_func_result *sh = row(r, "runtime.sweepHelper");
    ck_assert(sh->flags & FG_F_ENV);
    ck_assert_str_eq(sh->env_family, "go-gc");
    ck_assert(!(sh->flags & FG_F_REGRESSION));
    /* lock2 is mostly the user's (1600 of 2500 samples), so it stays
     * code and loses the collector's samples: 800 -> 800 */
    const struct fg_func_result *lk = row(r, "runtime.lock2");
    ck_assert(!(lk->flags & FG_F_ENV));
    ck_assert_int_eq(lk->base_count, 800);
    ck_assert_int_eq(lk->cand_count, 800);
    ck_assert(r->env_share[1] > r->env_share[0]);
    ck_assert_int_ne(r->verdict, FG_VERDICT_FAIL);
    fg_result_free(r);
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* A chain of callers whose inclusive time rose through many small callees
 * none of which crosses the gates alone (the allocator's slow path:
 * nextFree -> refill -> cacheSpan -> allocSpan): one finding at the
 * deepest of them, the others its context. */
START_TEST(test_inclusive_chain_one_finding)
{
    char *text[2] = {NULL, NULL};
    size_t len[2];
    for (int side = 0; side < 2; side++) {
        FILE *f = open_memstream(&text[side], &len[side]);
        fputs("main;main.a 6000\nmain;main.b 4000\nmain;main.c 3000\n"
              "main;main.d 2000\nmain;main.e 1500\nmain;main.f 1000\n"
              "main;main.g 800\nmain;main.h 600\n",
              f);
        for (int l = 0; l < 20; l++)
            fprintf(f, "main;r.top;r.mid;r.low;r.leaf%d %d\n", l,
                    side ? 40 : 12);
        fclose(f);
    }
    struct fg_profile *p[2] = {NULL, NULL};
    struct fg_error err;
    for (int side = 0; side < 2; side++)
        ck_assert_int_eq(fg_folded_parse(text[side], len[side], "chain", NULL,
                                         &p[side], &err),
                         FG_OK);
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *r = run(&p[0], 1, &p[1], 1, &o);
    ck_assert_int_eq(r->verdict, FG_VERDICT_FAIL);
    ck_assert_uint_eq(r->n_findings, 1);
    const struct fg_finding *fd = &r->findings[0];
    ck_assert_str_eq(r->funcs[fd->row].name, "r.low");
    ck_assert_uint_eq(fd->n_context, 2);
    fg_result_free(r);
    for (int side = 0; side < 2; side++) {
        fg_profile_free(p[side]);
        free(text[side]);
    }
}
END_TEST

/* Self time that moved from a callee into its caller (a JVM run that
 * inlined or intrinsified the callee) is not a regression of the caller:
 * its inclusive time did not rise.  The same self-time rise with the
 * callee unchanged is one. */
static struct fg_result *grow_case(const char *grow, struct fg_profile **p)
{
    static const char fill[] =
        "main;main.a 6000\nmain;main.b 4000\nmain;main.c 3000\n"
        "main;main.d 2000\nmain;main.e 1500\nmain;main.f 1000\n";
    const char *side[2] = {"main;jv.grow 300\nmain;jv.grow;jv.copyOf 1400\n",
                           grow};
    struct fg_error err;
    for (int s = 0; s < 2; s++) {
        char *t = fg_xasprintf("%s%s", fill, side[s]);
        ck_assert_int_eq(fg_folded_parse(t, strlen(t), "grow", NULL, &p[s],
                                         &err),
                         FG_OK);
        free(t);
    }
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    return run(&p[0], 1, &p[1], 1, &o);
}

/* grow_case's candidate `grow`: whether the self-time or new-path rise of
 * function `fn` is moved time (flat row at most marginal) or a regression,
 * and whether the comparison fails (moved time can sit beside a real rise
 * of the inclusive time). */
static void grow_check(const char *grow, const char *fn, bool moved,
                       bool fails)
{
    struct fg_profile *p[2];
    struct fg_result *r = grow_case(grow, p);
    const struct fg_func_result *g = row(r, fn);
    if (moved) {
        ck_assert_msg(g->flags & FG_F_MOVED, "%s: not moved", grow);
        ck_assert(!(g->flags & FG_F_REGRESSION));
        ck_assert(!(g->flags & FG_F_MATERIAL));
    } else {
        ck_assert_msg(!(g->flags & FG_F_MOVED), "%s: moved", grow);
        ck_assert(g->flags & FG_F_REGRESSION);
    }
    ck_assert_msg((r->verdict == FG_VERDICT_FAIL) == fails, "%s: verdict %d",
                  grow, (int)r->verdict);
    /* a moved self time is never reported as the function's own change */
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].kind == FG_FINDING_SELF)
            ck_assert(!(row(r, r->funcs[r->findings[i].row].name)->flags &
                        FG_F_MOVED));
    fg_result_free(r);
    fg_profile_free(p[0]);
    fg_profile_free(p[1]);
}

START_TEST(test_self_time_moved_from_callee)
{
    /* grow's inclusive time stays put */
    grow_check("main;jv.grow 1650\nmain;jv.grow;jv.copyOf 50\n", "jv.grow",
               true, false);
    /* inclusive time rose, but by a sixth of the self-time rise: most of
     * it moved; the 200 samples grow's inclusive time did gain are a real
     * rise of it (an inclusive-time finding, not a self-time one) */
    grow_check("main;jv.grow 1650\nmain;jv.grow;jv.copyOf 250\n", "jv.grow",
               true, true);
    /* the callee unchanged: grow's own time rose */
    grow_check("main;jv.grow 1650\nmain;jv.grow;jv.copyOf 1400\n",
               "jv.grow", false, true);
    /* one level down: the copy attributed to another callee of grow (a
     * new call path) while grow's inclusive time stays put */
    grow_check("main;jv.grow 300\nmain;jv.grow;jv.newLength 1400\n",
               "jv.newLength", true, false);
    /* the new call path on top of the old one: grow's time rose */
    grow_check("main;jv.grow 300\nmain;jv.grow;jv.copyOf 1400\n"
               "main;jv.grow;jv.newLength 1400\n",
               "jv.newLength", false, true);
}
END_TEST

/* Runs that repeat another run byte for byte are dropped with a warning:
 * counted twice they would agree perfectly (a p-value of 0.021 became
 * 1.6e-21). */
START_TEST(test_duplicate_runs_dropped)
{
    const char *names[] = {"main.a", "main.b", "main.c", "main.d", "main.e",
                           "main.f"};
    long base[] = {5000, 3000, 2500, 2000, 1500, 1000};
    long cand[] = {5600, 3000, 2500, 2000, 1500, 1000};
    struct fg_profile *b = counts_profile(names, base, 6);
    struct fg_profile *c = counts_profile(names, cand, 6);
    struct fg_profile *bs[3] = {b, b, b}, *cs[3] = {c, c, c};
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    struct fg_result *one = run(&b, 1, &c, 1, &o);
    struct fg_result *three = run(bs, 3, cs, 3, &o);
    /* the same comparison as one run per side: same test, same p */
    ck_assert_uint_eq(three->base.runs, 1);
    ck_assert_uint_eq(three->cand.runs, 1);
    ck_assert_int_eq(three->test, FG_TEST_BINOMIAL);
    ck_assert_double_eq_tol(row(three, "main.a")->p, row(one, "main.a")->p,
                            1e-12);
    bool warned = false;
    for (size_t i = 0; i < three->n_warnings; i++)
        warned = warned || strstr(three->warnings[i], "byte for byte");
    ck_assert(warned);
    fg_result_free(one);
    fg_result_free(three);
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* Fixed denominators: per second of profile time, per unit of work. */
START_TEST(test_normalize_duration_and_work)
{
    const char *names[] = {"main.a", "main.b", "main.c", "main.d", "main.e",
                           "main.f"};
    /* the candidate ran twice as long and did the same per second, except
     * main.a, which did twice as much per second */
    long base[] = {1000, 3000, 2500, 2000, 1500, 1000};
    long cand[] = {4000, 6000, 5000, 4000, 3000, 2000};
    struct fg_profile *b = counts_profile(names, base, 6);
    struct fg_profile *c = counts_profile(names, cand, 6);
    b->duration_nanos = 10 * 1000000000LL;
    c->duration_nanos = 20 * 1000000000LL;
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    o.normalize = FG_NORM_DURATION;
    struct fg_result *r = run(&b, 1, &c, 1, &o);
    ck_assert_int_eq(r->normalize, FG_NORM_DURATION);
    ck_assert_double_eq_tol(row(r, "main.b")->ratio, 1.0, 0.02);
    ck_assert_double_eq_tol(row(r, "main.a")->ratio, 2.0, 0.1);
    ck_assert(row(r, "main.a")->flags & FG_F_REGRESSION);
    fg_result_free(r);
    /* per unit of work: the candidate served twice the requests */
    const double bw[] = {100}, cw[] = {200};
    o.normalize = FG_NORM_WORK;
    o.base_work = bw;
    o.n_base_work = 1;
    o.cand_work = cw;
    o.n_cand_work = 1;
    r = run(&b, 1, &c, 1, &o);
    ck_assert_double_eq_tol(row(r, "main.c")->ratio, 1.0, 0.02);
    ck_assert_double_eq_tol(row(r, "main.a")->ratio, 2.0, 0.1);
    fg_result_free(r);
    /* the denominators are checked: a work list of the wrong length, a
     * profile without a duration */
    const double two[] = {100, 120};
    o.base_work = two;
    o.n_base_work = 2;
    struct fg_error err;
    struct fg_result *bad = NULL;
    ck_assert_int_eq(fg_compare(&b, 1, &c, 1, &o, &bad, &err), FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--base-work"));
    o.normalize = FG_NORM_DURATION;
    c->duration_nanos = 0;
    ck_assert_int_eq(fg_compare(&b, 1, &c, 1, &o, &bad, &err), FG_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "duration"));
    fg_profile_free(b);
    fg_profile_free(c);
}
END_TEST

/* ---- a single function's slice ------------------------------------------ */

/* name as an anchored POSIX ERE that matches only itself. */
static void exact_regex(char *out, size_t cap, const char *name)
{
    size_t n = 0;
    out[n++] = '^';
    for (const char *c = name; *c && n + 3 < cap; c++) {
        if (strchr(".[]()*+?{}|^$\\", *c))
            out[n++] = '\\';
        out[n++] = *c;
    }
    out[n++] = '$';
    out[n] = 0;
}

/*
 * Issue "Verdicts II": with the gate on one function (36 of 40 synthetic
 * A/A pairs once failed when the noise was learned from that function
 * alone) and with pprof's --focus on one function (the profiles cut to
 * the stacks through it), A/A comparisons of 100 pairs fail at most 2.5%
 * of the time.  The functions cycle over those holding 2% or more of the
 * samples (self or inclusive).
 */
START_TEST(test_single_function_aa)
{
    struct fg_synth_opts so;
    fg_synth_opts_default(&so);
    so.seed = 11;
    so.n_funcs = 300;
    so.n_stacks = 2000;
    struct fg_synth_tree *t = NULL;
    struct fg_error err;
    ck_assert_int_eq(fg_synth_tree_new(&so, &t, &err), FG_OK);
    size_t nf = fg_synth_n_funcs(t), n_pick = 0;
    size_t *pick = calloc(nf, sizeof(size_t));
    for (size_t f = 0; f < nf; f++)
        if (fg_synth_cum_weight(t, f) >= 0.02)
            pick[n_pick++] = f;
    ck_assert_uint_ge(n_pick, 10);
    size_t pairs = fg_test_under_valgrind() ? 10 : 100;
    size_t fails[2] = {0, 0};
    for (size_t i = 0; i < pairs; i++) {
        struct fg_synth_run_opts ro;
        fg_synth_run_opts_default(&ro);
        ro.n_samples = 10000;
        ro.cv = 0.05;
        struct fg_profile *b = NULL, *c = NULL;
        ro.seed = fg_synth_seed(5, (uint32_t)(2 * i));
        ck_assert_int_eq(fg_synth_generate(t, &ro, &b, &err), FG_OK);
        ro.seed = fg_synth_seed(5, (uint32_t)(2 * i + 1));
        ck_assert_int_eq(fg_synth_generate(t, &ro, &c, &err), FG_OK);
        char re[600];
        exact_regex(re, sizeof(re),
                    fg_synth_func_name(t, pick[i % n_pick]));
        /* the gate on one function */
        struct fg_rule rule;
        memset(&rule, 0, sizeof(rule));
        rule.kind = FG_RULE_FOCUS;
        rule.pattern = re;
        rule.min_change = rule.min_delta = rule.max_share = -1;
        struct fg_compare_opts o;
        fg_compare_opts_default(&o);
        o.min_samples = 100;
        o.rules = &rule;
        o.n_rules = 1;
        struct fg_result *r = run(&b, 1, &c, 1, &o);
        fails[0] += r->verdict == FG_VERDICT_FAIL;
        fg_result_free(r);
        /* pprof's --focus: only the stacks through it */
        const char *focus[] = {re};
        struct fg_filter_spec fs;
        memset(&fs, 0, sizeof(fs));
        fs.focus = focus;
        fs.n_focus = 1;
        struct fg_filter *flt = NULL;
        ck_assert_int_eq(fg_filter_new(&fs, &flt, &err), FG_OK);
        struct fg_profile *fb = NULL, *fc = NULL;
        ck_assert_int_eq(fg_filter_apply(flt, b, &fb, NULL, &err), FG_OK);
        ck_assert_int_eq(fg_filter_apply(flt, c, &fc, NULL, &err), FG_OK);
        fg_compare_opts_default(&o);
        o.min_samples = 100;
        r = run(&fb, 1, &fc, 1, &o);
        fails[1] += r->verdict == FG_VERDICT_FAIL;
        fg_result_free(r);
        fg_filter_free(flt);
        fg_profile_free(fb);
        fg_profile_free(fc);
        fg_profile_free(b);
        fg_profile_free(c);
    }
    ck_assert_msg(fails[0] * 40 <= pairs, "gate on one function: %zu of %zu "
                  "A/A pairs failed", fails[0], pairs);
    ck_assert_msg(fails[1] * 40 <= pairs, "--focus on one function: %zu of "
                  "%zu A/A pairs failed", fails[1], pairs);
    free(pick);
    fg_synth_tree_free(t);
}
END_TEST

/* ---- the real A/A series ---------------------------------------------- */

static struct fg_profile *load(const char *rel)
{
    char *path = fg_test_corpus_path(rel);
    struct fg_profile *p = NULL;
    struct fg_error err;
    ck_assert_msg(fg_source_load_file(path, NULL, &p, &err) == FG_OK, "%s",
                  err.msg);
    free(path);
    return p;
}

START_TEST(test_kafka_aa_never_fails)
{
    if (!fg_test_corpus()) {
        fg_test_skip("kafka A/A: ../shared/corpus is absent");
        return;
    }
    struct fg_profile *p[4];
    char rel[128];
    for (int i = 0; i < 4; i++) {
        snprintf(rel, sizeof(rel), "replicates/kafka-java-cpu/cpu-%d.pb.gz",
                 i);
        p[i] = load(rel);
    }
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    int pairs = 0;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            if (i == j)
                continue;
            struct fg_result *r = run(&p[i], 1, &p[j], 1, &o);
            ck_assert_msg(r->verdict != FG_VERDICT_FAIL,
                          "A/A cpu-%d vs cpu-%d failed: %s", i, j, r->reason);
            assert_finite(r);
            fg_result_free(r);
            pairs++;
        }
    }
    /* every 2 vs 2 split, both directions */
    static const int splits[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}};
    for (int s = 0; s < 3; s++) {
        for (int dir = 0; dir < 2; dir++) {
            const int *x = splits[s];
            struct fg_profile *b[2] = {p[x[dir ? 2 : 0]], p[x[dir ? 3 : 1]]};
            struct fg_profile *c[2] = {p[x[dir ? 0 : 2]], p[x[dir ? 1 : 3]]};
            struct fg_result *r = run(b, 2, c, 2, &o);
            ck_assert_msg(r->verdict != FG_VERDICT_FAIL,
                          "A/A split %d/%d failed: %s", s, dir, r->reason);
            assert_finite(r);
            fg_result_free(r);
            pairs++;
        }
    }
    ck_assert_int_eq(pairs, 18);
    for (int i = 0; i < 4; i++)
        fg_profile_free(p[i]);
}
END_TEST

/*
 * The counts the tests see are the samples the profiler took, whatever the
 * profile stores (STATISTICS 1.1-1.3): Node.js values are microseconds in
 * 10 ms steps under a declared period of 1 us; .NET CPU is nanoseconds in
 * 1 ms steps under a period of 1 ns, next to an all-zero exception/count;
 * Go heap *_objects hold scaled estimates whichever of the pair is
 * analysed.  Expected totals: the golden totals divided by the step, and
 * for Go the raw counts of STATISTICS Example G over every record.
 */
START_TEST(test_corpus_true_sample_counts)
{
    if (!fg_test_corpus()) {
        fg_test_skip("corpus sample counts: ../shared/corpus is absent");
        return;
    }
    const struct {
        const char *file, *type;
        int64_t total;
        const char *how;
    } cases[] = {
        {"profiles/nodejs-cpu.pb.gz", NULL, 3967, "wall / 10ms"},
        {"profiles/dotnet-labels.pb.gz", "cpu", 9093, "cpu / 1ms"},
        {"profiles/dotnet-labels.pb.gz", "alloc_size", 1880,
         "alloc_samples/count"},
        {"profiles/go-alloc-objects.pb.gz", "alloc_objects", 168395,
         "recovered"},
        {"profiles/go-alloc-objects.pb.gz", "alloc_space", 168395,
         "recovered"},
        {"profiles/go-heap.pb.gz", "inuse_objects", 2195, "recovered"},
        {"profiles/go-large-cpu.pb.gz", "cpu", -1, "samples/count"},
        {"profiles/cpp-bench-contention-legacy.pb.gz", "delay", 3500,
         "contentions/count"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fg_profile *p = load(cases[i].file);
        struct fg_compare_opts o;
        fg_compare_opts_default(&o);
        o.sample_type = cases[i].type;
        struct fg_result *r = run(&p, 1, &p, 1, &o);
        ck_assert_msg(strstr(r->count_type, cases[i].how), "%s %s: %s",
                      cases[i].file, cases[i].type ? cases[i].type : "",
                      r->count_type);
        if (cases[i].total >= 0)
            ck_assert_msg(r->base.total == cases[i].total,
                          "%s %s: %lld samples, want %lld", cases[i].file,
                          cases[i].type ? cases[i].type : "",
                          (long long)r->base.total,
                          (long long)cases[i].total);
        ck_assert_msg(r->verdict == FG_VERDICT_PASS, "%s vs itself: %s",
                      cases[i].file, r->reason);
        /* the public count (top, fetch) is the comparison's */
        size_t t = 0;
        struct fg_error err = {0, ""};
        struct fg_sample_count c;
        ck_assert_int_eq(fg_profile_select_type(p, cases[i].type, &t, &err),
                         FG_OK);
        ck_assert_int_eq(fg_compare_count_samples(p, t, &c, &err), FG_OK);
        ck_assert_str_eq(c.how, r->count_type);
        ck_assert(!c.approx);
        if (cases[i].total >= 0)
            ck_assert_int_eq(c.samples, cases[i].total);
        ck_assert_int_eq(fg_compare_count_samples(p, p->n_types, &c, &err),
                         FG_EUSAGE);
        fg_result_free(r);
        fg_profile_free(p);
    }
}
END_TEST

START_TEST(test_corpus_self_compare_and_heap)
{
    if (!fg_test_corpus()) {
        fg_test_skip("corpus self-compare: ../shared/corpus is absent");
        return;
    }
    const char *files[] = {"profiles/go-heap.pb.gz",
                           "profiles/go-alloc-space-delta.pb.gz",
                           "profiles/go-large-cpu.pb.gz",
                           "profiles/python-cpu.pb.gz",
                           "malformed/invalid-utf8.pb.gz"};
    struct fg_compare_opts o;
    fg_compare_opts_default(&o);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct fg_profile *p = load(files[i]);
        struct fg_result *r = run(&p, 1, &p, 1, &o);
        ck_assert_msg(r->verdict == FG_VERDICT_PASS ||
                          r->verdict == FG_VERDICT_INCONCLUSIVE,
                      "%s vs itself: %s", files[i], r->reason);
        assert_finite(r);
        if (i == 0) /* heap: counts recovered from scaled values */
            ck_assert_ptr_nonnull(strstr(r->count_type, "recovered"));
        fg_result_free(r);
        fg_profile_free(p);
    }
}
END_TEST

Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, fg_stats_init, NULL);
    tcase_add_test(tc, test_identical_passes);
    tcase_add_test(tc, test_step_times);
    tcase_add_test(tc, test_profiles_done);
    tcase_add_test(tc, test_corpus_true_sample_counts);
    tcase_add_test(tc, test_example_a_fails);
    tcase_add_test(tc, test_example_c_compositional);
    tcase_add_test(tc, test_inconclusive_and_gates);
    tcase_add_test(tc, test_example_b2_marginal);
    tcase_add_test(tc, test_gate_family);
    tcase_add_test(tc, test_mismatched_types);
    tcase_add_test(tc, test_replicates_moderated);
    tcase_add_test(tc, test_rules_and_new_functions);
    tcase_add_test(tc, test_interrupt_frames_charged_to_caller);
    tcase_add_test(tc, test_environment_context);
    tcase_add_test(tc, test_single_function_aa);
    tcase_add_test(tc, test_inclusive_chain_one_finding);
    tcase_add_test(tc, test_self_time_moved_from_callee);
    tcase_add_test(tc, test_duplicate_runs_dropped);
    tcase_add_test(tc, test_normalize_duration_and_work);
    tcase_add_test(tc, test_kafka_aa_never_fails);
    tcase_add_test(tc, test_corpus_self_compare_and_heap);
    suite_add_tcase(s, tc);
    return s;
}
