/*
 * normalize.c - effective library sizes L_j (STATISTICS 3.3, 7.1): what a
 * function's count in run j is divided by before the sides are compared.
 *
 * robust (the default): total samples scaled so that the bulk of the
 * samples' functions keep their share.  For each run, each function's log
 * ratio against the pooled profile is weighted by its precision (about
 * its count); the run's log scale is their weighted median refined by
 * Tukey's biweight (fg_stats_biweight_location), so a function far from
 * the bulk gets no say whatever its size.  DESeq2's median of ratios
 * (`median`) weighs every function alike, so the many small runtime and GC
 * functions that shrink together when an allocation-heavy function is
 * removed outvote the few large unchanged ones and made them look
 * regressed; weighted by precision, the unchanged majority of the samples
 * decides, and one huge changed function (half the samples) is an
 * outlier.  Environment-driven functions, whose share follows the
 * machine, do not vote.
 *
 * total, duration (per second of profile time) and work (per unit of work
 * the caller measured) are fixed denominators; none compares raw counts.
 * Every L is rescaled so that its sum over all runs is the sum of the
 * sample counts: the tests then see L on the scale of samples, whatever
 * the unit of the denominator.
 */
#include "analysis/work.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SF_ROWS 5 /* fewer eligible functions: normalize by total */

/* One value per run from a per-side list (one value: every run). */
static double per_run(const double *v, size_t n, size_t i)
{
    return n == 1 ? v[0] : v[i];
}

/* Fixed denominators; false (with the reason in err) when unusable. */
static int fixed_sizes(struct fg_work *w, double *D)
{
    const struct fg_compare_opts *o = w->o;
    for (size_t j = 0; j < w->runs; j++) {
        bool base = j < w->k;
        size_t i = base ? j : j - w->k;
        if (o->normalize == FG_NORM_DURATION) {
            int64_t ns = w->prof[j]->duration_nanos;
            if (!(ns > 0))
                return fg_error_set(w->err, FG_EUSAGE,
                                    "--normalize duration needs the duration "
                                    "of every profile, and '%s' has none "
                                    "(use --normalize total or work)",
                                    w->prof[j]->source);
            D[j] = (double)ns / 1e9;
        } else {
            const double *v = base ? o->base_work : o->cand_work;
            size_t n = base ? o->n_base_work : o->n_cand_work;
            size_t runs = base ? w->k : w->m;
            if (n != 1 && n != runs)
                return fg_error_set(w->err, FG_EUSAGE,
                                    "--normalize work needs --%s-work once, "
                                    "or once per run (%zu run%s, %zu given)",
                                    base ? "base" : "candidate", runs,
                                    runs == 1 ? "" : "s", n);
            D[j] = per_run(v, n, i);
            if (!(D[j] > 0.0) || !isfinite(D[j]))
                return fg_error_set(w->err, FG_EUSAGE,
                                    "--%s-work must be positive",
                                    base ? "base" : "candidate");
        }
    }
    return FG_OK;
}

/* Whether union function g votes for the scales: on every run, enough
 * samples, and not environment-driven unless env_ok. */
static bool voter(const struct fg_work *w, size_t g, bool env_ok)
{
    const size_t R = w->runs;
    const double *row = w->flat + g * R;
    if ((w->env[g] >= 0 && !env_ok) ||
        !(fg_work_sum(row, 0, R) >= (double)w->o->min_count))
        return false;
    for (size_t j = 0; j < R; j++)
        if (!(row[j] > 0.0))
            return false;
    return true;
}

/* Robust log scale of each run against the pooled profile: c[j], with
 * L_j = N_j exp(c_j).  Environment-driven functions vote only when too
 * few others can.  Returns the number of functions that voted.  The runs
 * go one after the other: on the core pool (a try) they took no less
 * time, since the rows are built on the second core meanwhile, and each
 * biweight's scratch at once raised the peak by 8 MB on two 10^6-stack
 * profiles. */
static size_t robust_scales(struct fg_work *w, size_t nf, double *c)
{
    const size_t R = w->runs;
    uint32_t *voters = fg_xmalloc((nf + 1) * sizeof(uint32_t));
    size_t n = 0;
    for (size_t g = 0; g < nf; g++)
        if (voter(w, g, false))
            voters[n++] = (uint32_t)g;
    if (n < MIN_SF_ROWS) {
        n = 0;
        for (size_t g = 0; g < nf; g++)
            if (voter(w, g, true))
                voters[n++] = (uint32_t)g;
    }
    double ntot = fg_work_sum(w->totals, 0, R);
    double *x = fg_xmalloc((n + 1) * sizeof(double));
    double *wt = fg_xmalloc((n + 1) * sizeof(double));
    for (size_t j = 0; j < R && n >= MIN_SF_ROWS; j++) {
        for (size_t i = 0; i < n; i++) {
            const double *row = w->flat + (size_t)voters[i] * R;
            double ref = fg_work_sum(row, 0, R);
            x[i] = log(row[j] / w->totals[j]) - log(ref / ntot);
            wt[i] = 1.0 / (1.0 / row[j] + 1.0 / ref);
        }
        c[j] = fg_stats_biweight_location(x, wt, n);
    }
    free(x);
    free(wt);
    free(voters);
    return n;
}

/*
 * The scale of the candidate side against the base after the per-run
 * scales: the robust location (precision-weighted median refined by
 * Tukey's biweight) of the functions' log ratios between the sides, as a
 * factor on the candidate's sizes.  The per-run biweight measures each run
 * against the pool of all runs, where a large function that changed is
 * only half as far out as between the sides and still votes: one hot
 * function +40% (a fifth of the samples) moved the location so far that
 * every unchanged function read -18%.  Between the sides it is a single
 * outlier and gets no weight.  (The weighted median alone did as well on
 * real runs but lost a third of the synthetic many-callers detections:
 * it is the noisier estimate.)
 */
static double center_sides(const struct fg_work *w, size_t nf)
{
    const size_t k = w->k, R = w->runs;
    double *x = fg_xcalloc(nf + 1, sizeof(double));
    double *wt = fg_xcalloc(nf + 1, sizeof(double));
    size_t n = 0;
    for (size_t g = 0; g < nf && w->lb > 0 && w->lc > 0; g++) {
        const double *row = w->flat + g * R;
        double a = fg_work_sum(row, 0, k), b = fg_work_sum(row, k, R);
        if (w->env[g] >= 0 || !(a > 0) || !(b > 0) ||
            !(a + b >= (double)w->o->min_count))
            continue;
        x[n] = log((b / w->lc) / (a / w->lb));
        wt[n] = 1.0 / (1.0 / a + 1.0 / b);
        n++;
    }
    double shift = 1.0;
    if (n >= MIN_SF_ROWS)
        shift = exp(fg_stats_biweight_location(x, wt, n));
    free(x);
    free(wt);
    return isfinite(shift) && shift > 0 ? shift : 1.0;
}

void fg_normalize(struct fg_work *w, size_t nf)
{
    struct fg_result *r = w->res;
    const size_t R = w->runs;
    double sf_base = 1.0, sf_cand = 1.0;
    enum fg_normalize how = w->o->normalize;
    r->normalize = how;
    double *c = fg_xcalloc(R, sizeof(double));
    for (size_t j = 0; j < R; j++)
        w->L[j] = w->totals[j];
    if (how == FG_NORM_NONE) {
        /* Shares need a scale: raw counts are compared as if every run
         * had the base's mean size. */
        double gb = fg_work_sum(w->totals, 0, w->k) / (double)w->k;
        for (size_t j = 0; j < R; j++)
            w->L[j] = gb;
    } else if (how == FG_NORM_DURATION || how == FG_NORM_WORK) {
        /* fg_compare checked the denominators before */
        if (fixed_sizes(w, w->L) != FG_OK)
            for (size_t j = 0; j < R; j++)
                w->L[j] = w->totals[j];
    } else if (how == FG_NORM_ROBUST) {
        if (robust_scales(w, nf, c) >= MIN_SF_ROWS) {
            for (size_t j = 0; j < R; j++)
                w->L[j] = w->totals[j] * exp(c[j]);
            sf_base = exp(fg_work_sum(c, 0, w->k) / (double)w->k);
            sf_cand = exp(fg_work_sum(c, w->k, R) / (double)w->m);
        } else {
            r->normalize = FG_NORM_TOTAL;
        }
    } else if (how == FG_NORM_MEDIAN) {
        size_t used = fg_stats_size_factors(w->flat, nf, R,
                                            (double)w->o->min_count,
                                            MIN_SF_ROWS, c);
        if (used >= MIN_SF_ROWS) {
            /* L_j = s_j * geometric mean of the totals (STATISTICS 7.1):
             * L_j = N_j exactly when every function scales with N. */
            double lg = 0;
            for (size_t j = 0; j < R; j++)
                lg += log(fmax(w->totals[j], 1.0));
            double gm = exp(lg / (double)R);
            for (size_t j = 0; j < R; j++)
                w->L[j] = c[j] * gm;
            sf_base = fg_stats_median(c, w->k);
            sf_cand = fg_stats_median(c + w->k, w->m);
        } else {
            r->normalize = FG_NORM_TOTAL;
        }
    }
    if (r->normalize == FG_NORM_TOTAL && how != FG_NORM_TOTAL)
        fg_work_warn(r, "fewer than %d functions are common to every run "
                        "with enough samples; normalized by total samples "
                        "instead",
                     MIN_SF_ROWS);
    /* The sizes on the scale of samples, whatever their unit. */
    double nsum = fg_work_sum(w->totals, 0, R), lsum = fg_work_sum(w->L, 0, R);
    if (how != FG_NORM_NONE && lsum > 0 && nsum > 0)
        for (size_t j = 0; j < R; j++)
            w->L[j] *= nsum / lsum;
    w->lb = fg_work_sum(w->L, 0, w->k);
    w->lc = fg_work_sum(w->L, w->k, R);
    if (r->normalize == FG_NORM_ROBUST) {
        double shift = center_sides(w, nf);
        for (size_t j = w->k; j < R; j++)
            w->L[j] *= shift;
        w->lc *= shift;
        sf_cand *= shift;
    }
    r->r = w->lb > 0 ? w->lc / w->lb : 1.0;
    r->base.size_factor = sf_base;
    r->cand.size_factor = sf_cand;
    free(c);
}

int fg_normalize_check(struct fg_work *w)
{
    double *D = fg_xcalloc(w->runs, sizeof(double));
    int rc = FG_OK;
    if (w->o->normalize == FG_NORM_DURATION ||
        w->o->normalize == FG_NORM_WORK)
        rc = fixed_sizes(w, D);
    free(D);
    return rc;
}
