/*
 * normalize.c - effective library sizes: median of ratios (DESeq2), by
 * total samples, or none (STATISTICS 3.3, 7.1).
 */
#include "analysis/work.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SF_ROWS 5    /* fewer eligible functions: normalize by total */

void fg_normalize(struct fg_work *w, size_t nf)
{
    struct fg_result *r = w->res;
    const size_t R = w->runs;
    double sf_base = 1.0, sf_cand = 1.0;
    r->normalize = w->o->normalize;
    if (w->o->normalize == FG_NORM_NONE) {
        for (size_t j = 0; j < R; j++)
            w->L[j] = 1.0;
        /* Shares need a scale: raw counts are compared as if both sides
         * had the base's size. */
        double gb = 0;
        for (size_t j = 0; j < w->k; j++)
            gb += w->totals[j];
        for (size_t j = 0; j < R; j++)
            w->L[j] = gb / (double)w->k;
    } else {
        for (size_t j = 0; j < R; j++)
            w->L[j] = w->totals[j];
    }
    if (w->o->normalize == FG_NORM_ROBUST) {
        double *sf = fg_xcalloc(R, sizeof(double));
        size_t used = fg_stats_size_factors(w->flat, nf, R,
                                            (double)w->o->min_count,
                                            MIN_SF_ROWS, sf);
        if (used >= MIN_SF_ROWS) {
            /* L_j = s_j * geometric mean of the totals (STATISTICS 7.1):
             * L_j = N_j exactly when every function scales with N. */
            double lg = 0;
            for (size_t j = 0; j < R; j++)
                lg += log(fmax(w->totals[j], 1.0));
            double gm = exp(lg / (double)R);
            for (size_t j = 0; j < R; j++)
                w->L[j] = sf[j] * gm;
            sf_base = fg_stats_median(sf, w->k);
            sf_cand = fg_stats_median(sf + w->k, w->m);
        } else {
            r->normalize = FG_NORM_TOTAL;
            fg_work_warn(r, "fewer than %d functions are common to both sides with "
                    "enough samples; normalized by total samples instead "
                    "of median-of-ratios",
                 MIN_SF_ROWS);
        }
        free(sf);
    }
    double lb = 0, lc = 0;
    for (size_t j = 0; j < w->k; j++)
        lb += w->L[j];
    for (size_t j = w->k; j < R; j++)
        lc += w->L[j];
    r->r = lb > 0 ? lc / lb : 1.0;
    r->base.size_factor = sf_base;
    r->cand.size_factor = sf_cand;
}
