/*
 * difftest.c - the per-function tests: one profile per side (exact
 * binomial with the run-to-run noise inferred from the other functions,
 * overdisp.h), or replicates (limma-style moderated t on per-run log
 * shares with a concentration trend).
 */
#include "analysis/work.h"
#include "analysis/overdisp.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLICATE_MIN 3  /* runs per side for the moderated t */
/* Below this many tested functions a single-profile noise estimate is
 * vague enough to say so. */
#define FEW_NOISE_FUNCS 10

/* exp/exp2 that never overflow: extreme options (tiny alpha, few degrees
 * of freedom) give huge interval half-widths, and reports must never see
 * an infinity. */
static double safe_exp(double x)
{
    return exp(fmax(-700.0, fmin(700.0, x)));
}

static double safe_exp2(double x)
{
    return exp2(fmax(-1000.0, fmin(1000.0, x)));
}

/* The noise variance of the median tested function's log ratio, per unit
 * of concentration times the median concentration h[0..n), from the first
 * family tested (flat when it is tested). */
static void set_noise_var(struct fg_result *r, double per_h, const double *h,
                          size_t n)
{
    if (r->noise_var > 0 || n == 0)
        return;
    double v = per_h * fg_stats_median(h, n);
    r->noise_var = isfinite(v) && v > 0 ? v : 0.0;
}

void fg_difftest_binomial(struct fg_work *w, const struct fg_family *fam,
                          const double *mat, const double *sq)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, R = w->runs;
    size_t n = fam->n;
    if (n == 0)
        return;
    double *a = fg_xcalloc(n, sizeof(double));
    double *b = fg_xcalloc(n, sizeof(double));
    double *h = fg_xcalloc(n, sizeof(double));
    struct fg_overdisp_test *t = fg_xcalloc(n, sizeof(*t));
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        size_t g = w->mrow[fam->rows[i]];
        a[i] = (double)f->base_count;
        b[i] = (double)f->cand_count;
        /* Stack-level noise: a function's extra variance scales with how
         * concentrated it is in few stacks (overdisp.h). */
        h[i] = fg_work_concentration(mat + g * R, sq + g * R, 0, k) +
               fg_work_concentration(mat + g * R, sq + g * R, k, R);
    }
    bool estimated = false;
    double alpha = fg_overdisp_tests(a, b, h, n, r->r, w->o->alpha, t,
                                     &estimated);
    if (alpha > r->overdispersion)
        r->overdispersion = alpha;
    if (!estimated && !w->warned_noise) {
        w->warned_noise = true;
        fg_work_warn(r, "only %zu functions can be tested: too few to estimate "
                "run-to-run noise, so the test assumes pure sampling noise "
                "and may over-call; compare several runs per side",
             n);
    } else if (n < FEW_NOISE_FUNCS && !w->warned_noise) {
        w->warned_noise = true;
        fg_work_warn(r, "the run-to-run noise is inferred from only %zu functions, "
                "so only large changes stand out; compare several runs per "
                "side",
             n);
    }
    set_noise_var(r, alpha, h, n);
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        f->p = t[i].p;
        f->df = 0.0;
        f->stat = t[i].z;
        f->ratio = safe_exp(t[i].log_ratio);
        f->ratio_lo = safe_exp(t[i].log_ratio - t[i].half);
        f->ratio_hi = safe_exp(t[i].log_ratio + t[i].half);
    }
    free(t);
    free(a);
    free(b);
    free(h);
}

void fg_difftest_moderated(struct fg_work *w, const struct fg_family *fam,
                           const double *mat, const double *sq)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, m = w->m, R = w->runs;
    size_t n = fam->n;
    double *y = fg_xcalloc(R, sizeof(double));
    double *s2 = fg_xcalloc(n ? n : 1, sizeof(double));
    double *df = fg_xcalloc(n ? n : 1, sizeof(double));
    double *diff = fg_xcalloc(n ? n : 1, sizeof(double));
    double *floor_v = fg_xcalloc(n ? n : 1, sizeof(double));
    double *hh = fg_xcalloc(n ? n : 1, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *row = mat + w->mrow[fam->rows[i]] * R;
        const double *sqrow = sq + w->mrow[fam->rows[i]] * R;
        /* mean per-run concentration over its stacks (floor 1e-6) */
        double hs = 0;
        for (size_t j = 0; j < R; j++)
            hs += fg_work_concentration(row, sqrow, j, j + 1);
        hh[i] = fmax(hs / (double)R, 1e-6);
        for (size_t j = 0; j < R; j++)
            y[j] = fg_stats_log_share(row[j], w->L[j]);
        if (fg_stats_pooled_var(y, k, y + k, m, &diff[i], &s2[i]))
            s2[i] = 0;
        df[i] = (double)(R - 2);
        floor_v[i] = fg_stats_poisson_floor(row, R);
    }
    /*
     * Variance trend (limma-trend): a function's log-share variance is its
     * Poisson sampling variance (large for small functions) plus a common
     * extra-Poisson part proportional to its concentration.  The prior is
     * fitted to variances scaled by that expectation, so noisy small
     * functions do not inflate the prior of stable hot ones (STATISTICS
     * 9.3), and scaled back per function.  phi is a robust maximum
     * likelihood estimate (overdisp.h): a median of clipped excesses is 0
     * whenever most functions are dominated by sampling noise, which made
     * A/A comparisons of small noisy profiles fail.
     */
    double phi = fg_overdisp_trend(s2, (double)(R - 2), floor_v, hh, n);
    double *excess = fg_xcalloc(n ? n : 1, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double wt = floor_v[i] + phi * hh[i];
        excess[i] = wt > 0 ? s2[i] / wt : 0.0; /* now: scaled variance */
    }
    double s0 = 0, d0 = 0;
    if (fg_stats_fit_fdist(excess, df, n, &s0, &d0) != FG_OK) {
        s0 = 0;
        d0 = 0;
    }
    if (r->prior_df == 0 || d0 < r->prior_df) {
        r->prior_var = s0;
        r->prior_df = d0;
    }
    r->overdispersion = fmax(r->overdispersion, phi * M_LN2 * M_LN2);
    /* noise in the difference of mean log shares, natural-log units */
    set_noise_var(r, phi * M_LN2 * M_LN2 * (1.0 / (double)k + 1.0 / (double)m),
                  hh, n);
    double cap = (double)n * (double)(R - 2);
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        double wt = floor_v[i] + phi * hh[i];
        double post = d0 > 0 ? fg_stats_squeeze(excess[i], df[i], s0, d0) * wt
                             : s2[i];
        /* Never below the Poisson sampling variance: identical runs of a
         * small function must not look infinitely precise. */
        if (post < floor_v[i])
            post = floor_v[i];
        double se = sqrt(post * (1.0 / (double)k + 1.0 / (double)m));
        double dft = fmin(df[i] + d0, cap);
        double t = se > 0 ? diff[i] / se : 0.0;
        f->stat = t;
        f->df = dft;
        f->p = fg_stats_t_p(t, dft);
        double tc = fg_stats_t_quantile(w->o->alpha / 2.0, dft);
        f->ratio = safe_exp2(diff[i]);
        f->ratio_lo = safe_exp2(diff[i] - tc * se);
        f->ratio_hi = safe_exp2(diff[i] + tc * se);
    }
    free(excess);
    free(hh);
    free(y);
    free(s2);
    free(df);
    free(diff);
    free(floor_v);
}

void fg_difftest_choose(struct fg_work *w)
{
    struct fg_result *r = w->res;
    enum fg_test t = w->o->test;
    bool replicated = w->k >= REPLICATE_MIN && w->m >= REPLICATE_MIN;
    if (t == FG_TEST_AUTO)
        t = replicated ? FG_TEST_MODERATED : FG_TEST_BINOMIAL;
    if (t == FG_TEST_MODERATED && !replicated) {
        fg_work_warn(r, "the moderated t-test needs at least %d runs per side "
                "(have %zu and %zu); used the binomial test on merged runs",
             REPLICATE_MIN, w->k, w->m);
        t = FG_TEST_BINOMIAL;
    }
    if (t == FG_TEST_BINOMIAL && (w->k > 1 || w->m > 1))
        fg_work_warn(r, "runs were merged for the single-profile test (%zu base, "
                "%zu candidate); with %d or more runs per side the "
                "replicate test measures run-to-run noise directly",
             w->k, w->m, REPLICATE_MIN);
    r->test = t;
}
