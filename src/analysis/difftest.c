/*
 * difftest.c - the per-function tests, for flat and cum rows alike: one
 * profile per side (the noise inferred from how all functions moved,
 * overdisp.h), or replicates (a limma-style moderated t on per-run log
 * shares with a concentration trend).
 *
 * The run-to-run noise is always learned from the same set: the flat
 * counts of every function that could be tested (enough samples and share)
 * and is seen on both sides, whatever --ignore/--focus select (they choose
 * what gates, not what is measured: with --focus on one function the
 * noise used to be estimated from that function alone and 36 of 40 A/A
 * comparisons failed), and without the environment-driven families, whose
 * own extra noise is added to their rows instead.  Flat counts partition
 * the samples; cum rows are nested (one leaf regression moves every
 * ancestor) and would both inflate the noise and count it several times.
 */
#include "analysis/work.h"
#include "analysis/overdisp.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs for the moderated t: at least this many on one side (a history of
 * base runs against one candidate run is a prediction interval) and four
 * in all, so the residual variance has two degrees of freedom. */
#define REPLICATE_MIN 3
/* Below this many functions a single-profile noise estimate is vague
 * enough to say so. */
#define FEW_NOISE_FUNCS 10

/* The between-function spread (spread()): the fewest functions it is
 * estimated from, its largest standard deviation (log2), and the median
 * of chi-square with one degree of freedom. */
#define SPREAD_MIN_FUNCS 8
#define SPREAD_MAX 2.0
#define CHI2_1_MEDIAN 0.4549364231
#define SPREAD_Z 1.5

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

const double *fg_work_mat(const struct fg_work *w, enum fg_metric m)
{
    return m == FG_METRIC_CUM ? w->cum : w->flat;
}

const double *fg_work_sq(const struct fg_work *w, enum fg_metric m)
{
    return m == FG_METRIC_CUM ? w->sqcum : w->sqflat;
}

/* Whether union function g's flat counts inform the noise. */
static bool in_noise_set(const struct fg_work *w, size_t g)
{
    const size_t R = w->runs;
    const double *row = w->flat + g * R;
    double a = fg_work_sum(row, 0, w->k), b = fg_work_sum(row, w->k, R);
    double nb = fg_work_sum(w->totals, 0, w->k);
    double nc = fg_work_sum(w->totals, w->k, R);
    double share = fmax(nb > 0 ? a / nb : 0, nc > 0 ? b / nc : 0);
    return w->env[g] < 0 && a > 0 && b > 0 &&
           a + b >= (double)w->o->min_count && share >= w->o->min_share;
}

/* The environment family's extra variance of one run's log count
 * (natural log): cv^2, 0 outside a family or with env noise off. */
static double env_var(const struct fg_work *w, const struct fg_func_result *f)
{
    return w->o->env_noise && f->env_family ? f->env_cv * f->env_cv : 0.0;
}

static void set_noise_var(struct fg_result *r, double v)
{
    r->noise_var = isfinite(v) && v > 0 ? v : 0.0;
}

/* ---- one profile per side ------------------------------------------------ */

static void test_binomial(struct fg_work *w, const struct fg_family *fam)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, R = w->runs, nf = w->names.n;
    double *a = fg_xcalloc(nf + 1, sizeof(double));
    double *b = fg_xcalloc(nf + 1, sizeof(double));
    double *h = fg_xcalloc(nf + 1, sizeof(double));
    bool *in = fg_xcalloc(nf + 1, sizeof(bool));
    size_t n_in = 0;
    for (size_t g = 0; g < nf; g++) {
        const double *row = w->flat + g * R, *sq = w->sqflat + g * R;
        a[g] = fg_work_sum(row, 0, k);
        b[g] = fg_work_sum(row, k, R);
        /* Stack-level noise: a function's extra variance scales with how
         * concentrated it is in few stacks (overdisp.h). */
        h[g] = fg_work_concentration(row, sq, 0, k) +
               fg_work_concentration(row, sq, k, R);
        in[g] = in_noise_set(w, g);
        n_in += in[g];
    }
    struct fg_overdisp_post *q = fg_overdisp_post_new(a, b, h, in, nf, r->r);
    r->overdispersion = fg_overdisp_post_mean(q);
    if (!fg_overdisp_post_estimated(q) && fam->n && !w->warned_noise) {
        w->warned_noise = true;
        fg_work_warn(r, "only %zu function%s can inform the run-to-run "
                        "noise: the test assumes pure sampling noise and may "
                        "over-call; compare several runs per side",
                     n_in, n_in == 1 ? "" : "s");
    } else if (n_in < FEW_NOISE_FUNCS && fam->n && !w->warned_noise) {
        w->warned_noise = true;
        fg_work_warn(r, "the run-to-run noise is inferred from only %zu "
                        "function%s, so only large changes stand out; "
                        "compare several runs per side",
                     n_in, n_in == 1 ? "" : "s");
    }
    /* the noise of the median noise-set function */
    double *hs = fg_xcalloc(nf + 1, sizeof(double));
    size_t nh = 0;
    for (size_t g = 0; g < nf; g++)
        if (in[g])
            hs[nh++] = h[g];
    set_noise_var(r, r->overdispersion * fg_stats_median(hs, nh));
    free(hs);
    for (size_t i = 0; i < fam->n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        size_t g = w->mrow[fam->rows[i]];
        const double *row = fg_work_mat(w, f->metric) + g * R;
        const double *sq = fg_work_sq(w, f->metric) + g * R;
        double hi = fg_work_concentration(row, sq, 0, k) +
                    fg_work_concentration(row, sq, k, R);
        struct fg_overdisp_test t;
        /* the function's own flat term is left out of the noise, for its
         * cum row too (a leaf's cum is its flat) */
        fg_overdisp_test(q, fg_work_sum(row, 0, k), fg_work_sum(row, k, R),
                         hi, 2.0 * env_var(w, f), in[g] ? (long)g : -1,
                         w->o->alpha, &t);
        f->p = t.p;
        f->df = 0.0;
        f->stat = t.z;
        f->ratio = safe_exp(t.log_ratio);
        f->ratio_lo = safe_exp(t.log_ratio - t.half);
        f->ratio_hi = safe_exp(t.log_ratio + t.half);
    }
    fg_overdisp_post_free(q);
    free(a);
    free(b);
    free(h);
    free(in);
}

/* ---- replicates ------------------------------------------------------------- */

/* One row's per-run log2 shares: pooled variance s2 (df = R - 2), mean
 * difference, Poisson floor and mean per-run concentration. */
struct rep_row {
    double s2, diff, floor_v, h;
    double a, b;      /* the row's base and candidate counts */
};

static void rep_row(const struct fg_work *w, const double *row,
                    const double *sq, double *y, struct rep_row *o)
{
    const size_t k = w->k, m = w->m, R = w->runs;
    double hs = 0;
    for (size_t j = 0; j < R; j++)
        hs += fg_work_concentration(row, sq, j, j + 1);
    o->h = fmax(hs / (double)R, 1e-6);
    for (size_t j = 0; j < R; j++)
        y[j] = fg_stats_log_share(row[j], w->L[j]);
    if (fg_stats_pooled_var(y, k, y + k, m, &o->diff, &o->s2))
        o->s2 = 0;
    o->a = fg_work_sum(row, 0, k);
    o->b = fg_work_sum(row, k, R);
    o->floor_v = fg_stats_poisson_floor(row, R);
    if ((o->a > 0) != (o->b > 0)) {
        /* One side at zero: the floor of its runs, 1 / 0.5 each, is the
         * pseudocount's artefact (a debug call new in 6% of the samples
         * of one run tested at p 0.0013 against ten base runs); take it
         * at the counts expected in each run without a change, as the
         * single-profile test does. */
        double lt = fg_work_sum(w->L, 0, R), ln2sq = M_LN2 * M_LN2, f = 0;
        for (size_t j = 0; j < R && lt > 0; j++)
            f += 1.0 / ((o->a + o->b) * w->L[j] / lt + 0.5) / ln2sq;
        if (lt > 0)
            o->floor_v = f / (double)R;
    }
}

/* The squeezed variance of one row's per-run log2 share (rep_row o). */
static double row_var(const struct fg_work *w, const struct rep_row *o,
                      double phi, double s0, double d0, double extra)
{
    double df = (double)(w->runs - 2);
    double wt = o->floor_v + phi * o->h + extra;
    double post = d0 > 0 && wt > 0
                      ? fg_stats_squeeze(o->s2 / wt, df, s0, d0) * wt
                      : fmax(o->s2, wt);
    return post < o->floor_v ? o->floor_v : post;
}

/*
 * The spread of the noise-set functions' mean differences (log2) beyond
 * what their run-to-run noise explains: the tau^2 at which the weighted
 * median of d_g^2 / (v_g + tau^2) is the median of chi-square(1), 0 when
 * it already is without.  Identical runs leave it at 0; a change
 * elsewhere that shifts the shares of unchanged functions unevenly
 * (removing an allocation-heavy stage moved hashing +28% against +0% to
 * +14% for the other functions, consistently in every run, where the
 * runs' own noise was 2-3%) makes it the noise that matters, which
 * replicates cannot see.  A median ignores up to half of the weight in
 * truly changed functions (the allocator cascade of that change); the
 * weights 1 / (v_g + median v) let precise functions count more without
 * letting the hottest one (whose own regression must not hide itself)
 * decide alone.
 */
static double spread(const struct fg_work *w, const struct rep_row *rows,
                     size_t n, double phi, double s0, double d0)
{
    const size_t k = w->k, m = w->m;
    double *d = fg_xcalloc(n + 1, sizeof(double));
    double *v = fg_xcalloc(n + 1, sizeof(double));
    double *wt = fg_xcalloc(n + 1, sizeof(double));
    double *u = fg_xcalloc(n + 1, sizeof(double));
    for (size_t j = 0; j < n; j++) {
        d[j] = rows[j].diff;
        v[j] = row_var(w, &rows[j], phi, s0, d0, 0.0) *
               (1.0 / (double)k + 1.0 / (double)m);
    }
    double tau2 = 0.0;
    if (n >= SPREAD_MIN_FUNCS) {
        double vm = fg_stats_median(v, n), sw = 0, sw2 = 0;
        for (size_t j = 0; j < n; j++) {
            wt[j] = 1.0 / (v[j] + vm);
            sw += wt[j];
            sw2 += wt[j] * wt[j];
        }
        /* Only a spread the median can tell from chance: the sample
         * median of chi-square(1) over n_eff functions (Kish) has a
         * standard error of about 1.06 / sqrt(n_eff), and the target is
         * SPREAD_Z of those above its median.  Without that margin the
         * chance excess of identical synthetic runs (a spread of 3%)
         * cost a fifth of the detections of +25%; with two, one real
         * A/A split of 24 on a loaded machine failed. */
        double n_eff = sw2 > 0 ? sw * sw / sw2 : 1.0;
        double target = CHI2_1_MEDIAN * (1.0 + SPREAD_Z * 2.33 /
                                                   sqrt(fmax(n_eff, 1.0)));
        double lo = 0.0, hi = SPREAD_MAX * SPREAD_MAX;
        for (int it = 0; it < 60; it++) {
            double t2 = it == 0 ? 0.0 : 0.5 * (lo + hi);
            for (size_t j = 0; j < n; j++)
                u[j] = d[j] * d[j] / (v[j] + t2);
            bool wide = fg_stats_weighted_median(u, wt, n) > target;
            if (it == 0 && !wide)
                break;
            if (it > 0 && wide)
                lo = t2;
            else if (it > 0)
                hi = t2;
            tau2 = hi;
        }
    }
    free(d);
    free(v);
    free(wt);
    free(u);
    return tau2;
}

static void test_moderated(struct fg_work *w, const struct fg_family *fam)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, m = w->m, R = w->runs, nf = w->names.n;
    const double df = (double)(R - 2);
    double *y = fg_xcalloc(R, sizeof(double));
    double *s2 = fg_xcalloc(nf + 1, sizeof(double));
    double *dfs = fg_xcalloc(nf + 1, sizeof(double));
    double *floor_v = fg_xcalloc(nf + 1, sizeof(double));
    double *hh = fg_xcalloc(nf + 1, sizeof(double));
    /* the noise set's rows, kept for the spread between functions */
    struct rep_row *rows = fg_xcalloc(nf + 1, sizeof(*rows));
    size_t n = 0;
    for (size_t g = 0; g < nf; g++) {
        if (!in_noise_set(w, g))
            continue;
        struct rep_row *o = &rows[n];
        rep_row(w, w->flat + g * R, w->sqflat + g * R, y, o);
        s2[n] = o->s2;
        dfs[n] = df;
        floor_v[n] = o->floor_v;
        hh[n] = o->h;
        n++;
    }
    /*
     * Variance trend (limma-trend): a function's log-share variance is its
     * Poisson sampling variance (large for small functions) plus a common
     * extra-Poisson part proportional to its concentration.  The prior is
     * fitted to variances scaled by that expectation, so noisy small
     * functions do not inflate the prior of stable hot ones (STATISTICS
     * 9.3), and scaled back per row.  phi is a robust maximum likelihood
     * estimate (overdisp.h).
     */
    double phi = fg_overdisp_trend(s2, df, floor_v, hh, n);
    for (size_t i = 0; i < n; i++) {
        double wt = floor_v[i] + phi * hh[i];
        s2[i] = wt > 0 ? s2[i] / wt : 0.0; /* now: scaled variance */
    }
    double s0 = 0, d0 = 0;
    if (fg_stats_fit_fdist(s2, dfs, n, &s0, &d0) != FG_OK) {
        s0 = 0;
        d0 = 0;
    }
    r->prior_var = s0;
    r->prior_df = d0;
    r->overdispersion = phi * M_LN2 * M_LN2;
    set_noise_var(r, phi * M_LN2 * M_LN2 * fg_stats_median(hh, n) *
                         (1.0 / (double)k + 1.0 / (double)m));
    if (phi == 0.0 && n >= FEW_NOISE_FUNCS && k >= REPLICATE_MIN &&
        m >= REPLICATE_MIN)
        fg_work_warn(r, "the runs of each side vary no more than sampling "
                        "alone explains: if they are copies of one "
                        "recording, the test is overconfident (duplicates "
                        "of a file are dropped, but not a re-encoded copy)");
    double cap = (double)n * df;
    double tau2 = spread(w, rows, n, phi, s0, d0);
    free(rows);
    r->spread_var = tau2 * M_LN2 * M_LN2;
    for (size_t i = 0; i < fam->n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        size_t g = w->mrow[fam->rows[i]];
        struct rep_row o;
        rep_row(w, fg_work_mat(w, f->metric) + g * R,
                fg_work_sq(w, f->metric) + g * R, y, &o);
        /* the expected variance of this row: sampling, the stack noise of
         * its concentration, and its environment family's own noise, never
         * below the Poisson sampling variance (identical runs of a small
         * function must not look infinitely precise); then the spread
         * between functions */
        double post =
            row_var(w, &o, phi, s0, d0, env_var(w, f) / (M_LN2 * M_LN2));
        double se = sqrt(post * (1.0 / (double)k + 1.0 / (double)m) + tau2);
        double dft = fmin(df + d0, cap > 0 ? cap : df);
        double t = se > 0 ? o.diff / se : 0.0;
        f->stat = t;
        f->df = dft;
        f->p = fg_stats_t_p(t, dft);
        /* one side at zero: never below the exact binomial test of the
         * pooled counts without any noise */
        if ((o.a > 0) != (o.b > 0) && o.a + o.b < 9e18 && w->lb + w->lc > 0)
            f->p = fmax(f->p,
                        fg_stats_binom_p((uint64_t)llround(o.b),
                                         (uint64_t)llround(o.a + o.b),
                                         w->lc / (w->lb + w->lc)));
        double tc = fg_stats_t_quantile(w->o->alpha / 2.0, dft);
        f->ratio = safe_exp2(o.diff);
        f->ratio_lo = safe_exp2(o.diff - tc * se);
        f->ratio_hi = safe_exp2(o.diff + tc * se);
    }
    free(y);
    free(s2);
    free(dfs);
    free(floor_v);
    free(hh);
}

void fg_difftest_run(struct fg_work *w, const struct fg_family *fam)
{
    if (w->res->test == FG_TEST_MODERATED)
        test_moderated(w, fam);
    else
        test_binomial(w, fam);
}

void fg_difftest_choose(struct fg_work *w)
{
    struct fg_result *r = w->res;
    enum fg_test t = w->o->test;
    size_t most = w->k > w->m ? w->k : w->m;
    bool replicated = most >= REPLICATE_MIN && w->k + w->m >= 4;
    if (t == FG_TEST_AUTO)
        t = replicated ? FG_TEST_MODERATED : FG_TEST_BINOMIAL;
    if (t == FG_TEST_MODERATED && !replicated) {
        fg_work_warn(r, "the moderated t-test needs at least %d runs on one "
                        "side and 4 in all (have %zu and %zu); used the "
                        "binomial test on merged runs",
                     REPLICATE_MIN, w->k, w->m);
        t = FG_TEST_BINOMIAL;
    }
    if (t == FG_TEST_BINOMIAL && (w->k > 1 || w->m > 1))
        fg_work_warn(r, "runs were merged for the single-profile test (%zu "
                        "base, %zu candidate); with %d or more runs on a "
                        "side the replicate test measures run-to-run noise "
                        "directly",
                     w->k, w->m, REPLICATE_MIN);
    r->test = t;
}
