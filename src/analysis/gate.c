/*
 * gate.c - from p-values to a verdict.
 *
 * The FAIL family holds flat and cum rows (a default gate that sees
 * inclusive time): the tested rows whose share could move by their
 * --min-delta at all, a cum row only when it differs from its function's
 * flat row (a leaf's cum is its flat and is not built).  Holm is valid
 * under any dependence, so the nested cum values need no model of their
 * correlation; it is weighted (Holm 1979) so that all cum rows together
 * weigh a fifth of the flat rows: what cum adds (a new call path, time that
 * grew across a function's callees) shows as very small p-values, while
 * leaf regressions sit near the threshold and keep most of the power
 * (with an equal weight per row, the many ancestors' cum rows of a small
 * profile doubled the family and cost a third of the leaf detections).  BH runs over every tested row (MARGINAL, the
 * critical tier and the report).
 */
#include "analysis/work.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MDE_SHARE 0.05   /* MDE is reported for a function at 5% share */
#define MDE_POWER 0.80
#define CRIT_RATIO 1.5   /* critical tier (STATISTICS 5, Kayenta-style) */
#define CRIT_DELTA 0.02
/* The cum rows of the gate family share this much Holm weight, relative
 * to the flat rows' (each weighs 1). */
#define CUM_SHARE 0.2
/* fg_gate_fell_short: how many standard errors short, and the run-to-run
 * variation of an inclusive count counted besides sampling (with sampling
 * alone, a new subtree worth 5% of a caller at 40% share was taken for
 * moved time in a fifth to a third of synthetic comparisons of
 * 20,000-50,000 samples) */
#define MOVED_Z 2.5
#define MOVED_CV 0.1

bool fg_gate_fell_short(const struct fg_work *w, double rise, double ca,
                        double cb)
{
    double sa = w->lb > 0 ? ca / w->lb : 0, sb = w->lc > 0 ? cb / w->lc : 0;
    double got = sb - sa;
    double se = sqrt((w->lb > 0 ? sa / w->lb : 0) +
                     (w->lc > 0 ? sb / w->lc : 0) +
                     MOVED_CV * MOVED_CV * (sa * sa + sb * sb));
    return got < 0.5 * rise && rise - got > MOVED_Z * se;
}

/*
 * Whether a tested row could pass its --min-delta gate at all, with
 * min_l = min(L_b, L_c) the smaller side's summed library size:
 * |b/L_c - a/L_b| <= (a + b) / min_l, so below that no outcome
 * of the test can make it a regression through Holm.  The bound depends
 * on a + b only, which the conditional test's null distribution does not
 * (STATISTICS 3.1, 4): filtering on it keeps Holm valid and leaves out
 * of the FAIL family rows that only dilute it.
 */
static bool can_reach_delta(const struct fg_func_result *f, double min_l)
{
    if (!(f->min_delta > 0) || !(min_l > 0))
        return true;
    double reach = ((double)f->base_count + (double)f->cand_count) / min_l;
    return reach >= f->min_delta * (1.0 - 1e-12);
}

void fg_gate_adjust(struct fg_work *w, const struct fg_family *fam)
{
    struct fg_result *r = w->res;
    size_t n = fam->n, ng = 0;
    double *p = fg_xcalloc(n + 1, sizeof(double));
    double *all = fg_xcalloc(n + 1, sizeof(double));
    double *bh = fg_xcalloc(n + 1, sizeof(double));
    double *gp = fg_xcalloc(n + 1, sizeof(double));
    double *gw = fg_xcalloc(n + 1, sizeof(double));
    size_t *gi = fg_xcalloc(n + 1, sizeof(size_t));
    double min_l = fmin(w->lb, w->lc);
    size_t nflat = 0, ncum = 0;
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        p[i] = f->p;
        if (can_reach_delta(f, min_l)) {
            f->flags |= FG_F_GATE;
            gi[ng] = i;
            gp[ng++] = f->p;
            if (f->metric == FG_METRIC_CUM)
                ncum++;
            else
                nflat++;
        }
    }
    double cum_w = nflat && ncum ? CUM_SHARE * (double)nflat / (double)ncum
                                 : 1.0;
    for (size_t j = 0; j < ng; j++)
        gw[j] = r->funcs[fam->rows[gi[j]]].metric == FG_METRIC_CUM ? cum_w
                                                                   : 1.0;
    fg_stats_holm(p, n, all);
    fg_stats_bh(p, n, bh);
    fg_stats_holm_weighted(gp, gw, ng, gp);
    for (size_t i = 0; i < n; i++) {
        r->funcs[fam->rows[i]].p_holm = all[i];
        r->funcs[fam->rows[i]].p_bh = bh[i];
    }
    for (size_t j = 0; j < ng; j++)
        r->funcs[fam->rows[gi[j]]].p_holm = gp[j];
    r->n_gate += ng;
    r->n_tested += n;
    /* For the environment-driven rows: about the ratio at which the row
     * would reach the threshold of the first Holm step (how much more it
     * must move than an ordinary function, and why: the report says). */
    double wsum = 0;
    for (size_t j = 0; j < ng; j++)
        wsum += gw[j];
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        if (!(f->flags & FG_F_ENV) || !(f->stat != 0.0))
            continue;
        double wt = f->metric == FG_METRIC_CUM ? cum_w : 1.0;
        double zc = fg_stats_z_quantile(w->o->alpha * wt /
                                        (2.0 * fmax(wsum, 1.0)));
        double lr = log(fmax(f->ratio, 1e-300));
        double se = fabs(lr / f->stat);
        f->fail_ratio = isfinite(se) && se > 0 ? exp(zc * se) : 0.0;
    }
    free(p);
    free(all);
    free(bh);
    free(gp);
    free(gw);
    free(gi);
}

static void classify(struct fg_work *w, struct fg_func_result *f)
{
    const double alpha = w->o->alpha;
    if (f->ratio > 1.0)
        f->flags |= FG_F_INCREASE;
    /* An ignored function is not gated at all, budgets included. */
    if (f->rule && f->rule->max_share >= 0 && !(f->flags & FG_F_IGNORED) &&
        f->cand_share > f->rule->max_share && f->cand_count > 0)
        f->flags |= FG_F_BUDGET;
    if (!(f->flags & FG_F_TESTED))
        return;
    bool inc = f->flags & FG_F_INCREASE;
    bool holm = f->p_holm < alpha, bh = f->p_bh < alpha;
    if (holm)
        f->flags |= FG_F_SIGNIFICANT;
    if (bh)
        f->flags |= FG_F_BH;
    bool material = inc ? f->ratio >= 1.0 + f->min_change &&
                              f->delta >= f->min_delta
                        : f->ratio <= 1.0 / (1.0 + f->min_change) &&
                              f->delta <= -f->min_delta;
    /* A rise of self time is time spent only when the function's inclusive
     * time rose as well: otherwise the time moved from its callees into it
     * (a JVM run that inlined or intrinsified Arrays.copyOf into
     * ArrayList.grow: grow's self time x3.6, its inclusive time -4.6 pp,
     * between two runs of one build; or +12.9 pp of self time against
     * +2.2 pp inclusive).  The cum row exists only when it differs from
     * the flat one. */
    if (material && inc && f->metric == FG_METRIC_FLAT) {
        size_t c = w->row_of[1][w->mrow[f - w->res->funcs]];
        const struct fg_func_result *cr = c ? &w->res->funcs[c - 1] : NULL;
        if (cr && (cr->delta < f->min_delta ||
                   fg_gate_fell_short(w, f->delta, (double)cr->base_count,
                                      (double)cr->cand_count))) {
            material = false;
            f->flags |= FG_F_MOVED;
        }
    }
    if (material)
        f->flags |= FG_F_MATERIAL;
    bool critical = bh && inc && f->ratio >= CRIT_RATIO &&
                    f->delta >= CRIT_DELTA && !(f->flags & FG_F_MOVED);
    if (inc && holm && material && (f->flags & FG_F_GATE)) {
        f->flags |= FG_F_REGRESSION;
        f->fail_rule = FG_FAIL_HOLM;
    } else if (inc && critical) {
        f->flags |= FG_F_REGRESSION;
        f->fail_rule = FG_FAIL_CRITICAL;
    } else if (inc && (holm || (bh && material))) {
        f->flags |= FG_F_MARGINAL;
    } else if (!inc && bh && material) {
        f->flags |= FG_F_IMPROVEMENT;
    }
}

void fg_gate_classify(struct fg_work *w)
{
    struct fg_result *r = w->res;
    for (size_t i = 0; i < r->n_funcs; i++) {
        struct fg_func_result *f = &r->funcs[i];
        classify(w, f);
        r->n_regressions += (f->flags & FG_F_REGRESSION) != 0;
        r->n_marginal += (f->flags & FG_F_MARGINAL) != 0;
        r->n_improvements += (f->flags & FG_F_IMPROVEMENT) != 0;
        r->n_budget += (f->flags & FG_F_BUDGET) != 0;
        r->n_env += (f->flags & (FG_F_ENV | FG_F_TESTED)) ==
                    (FG_F_ENV | FG_F_TESTED);
        /* new and vanished are about functions, counted once */
        bool counted = f->metric == FG_METRIC_CUM ||
                       w->row_of[1][w->mrow[i]] == 0;
        if (counted) {
            r->n_new += (f->flags & FG_F_NEW) != 0;
            r->n_vanished += (f->flags & FG_F_VANISHED) != 0;
        }
    }
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

void fg_gate_decide(struct fg_work *w)
{
    struct fg_result *r = w->res;
    const int64_t ms = w->o->min_samples;
    if (r->n_budget > 0) {
        r->verdict = FG_VERDICT_FAIL;
        snprintf(r->reason, sizeof(r->reason),
                 "%zu function%s over a share budget%s", r->n_budget,
                 r->n_budget == 1 ? " is" : "s are",
                 r->n_fail_findings ? " and regressions were found" : "");
    } else if (r->base.total < ms || r->cand.total < ms) {
        r->verdict = FG_VERDICT_INCONCLUSIVE;
        snprintf(r->reason, sizeof(r->reason),
                 "too few samples: base %lld, candidate %lld (at least %lld "
                 "per side needed; see --min-samples)",
                 (long long)r->base.total, (long long)r->cand.total,
                 (long long)ms);
    } else if (r->overlap < FG_MIN_OVERLAP) {
        r->verdict = FG_VERDICT_INCONCLUSIVE;
        snprintf(r->reason, sizeof(r->reason),
                 "the profiles share functions for only %.0f%% of their "
                 "samples (under %.0f%%): they do not look like the same "
                 "program",
                 r->overlap * 100, FG_MIN_OVERLAP * 100);
    } else if (r->n_tested == 0) {
        r->verdict = FG_VERDICT_INCONCLUSIVE;
        snprintf(r->reason, sizeof(r->reason),
                 "no function has enough samples to be tested (a+b >= %lld "
                 "and a share of at least %.2f%%)",
                 (long long)w->o->min_count, w->o->min_share * 100);
    } else if (r->n_fail_findings > 0) {
        r->verdict = FG_VERDICT_FAIL;
        snprintf(r->reason, sizeof(r->reason),
                 "%zu regression%s: significant and material", 
                 r->n_fail_findings, plural(r->n_fail_findings));
    } else if (r->n_marginal_findings > 0) {
        r->verdict = FG_VERDICT_MARGINAL;
        snprintf(r->reason, sizeof(r->reason),
                 "%zu significant increase%s below the thresholds or only "
                 "under the looser correction",
                 r->n_marginal_findings,
                 r->n_marginal_findings == 1 ? "" : "s");
    } else {
        r->verdict = FG_VERDICT_PASS;
        snprintf(r->reason, sizeof(r->reason),
                 "no significant and material regression among %zu tested "
                 "function%s",
                 r->n_tested, plural(r->n_tested));
    }
    r->exit_code = r->verdict == FG_VERDICT_FAIL ? FG_EXIT_FAIL : FG_EXIT_PASS;
}

void fg_gate_mde(struct fg_work *w)
{
    struct fg_result *r = w->res;
    /* a function at MDE_SHARE can reach any sensible --min-delta: it
     * faces the gate family's Holm threshold */
    size_t mm = r->n_gate ? r->n_gate : r->n_tested ? r->n_tested : 1;
    r->base.mde = fg_stats_mde((double)r->base.total, (double)r->base.total,
                               MDE_SHARE, mm, w->o->alpha, MDE_POWER);
    r->cand.mde = fg_stats_mde((double)r->cand.total, (double)r->cand.total,
                               MDE_SHARE, mm, w->o->alpha, MDE_POWER);
    r->mde_noise = fg_stats_mde_noise((double)r->base.total,
                                      (double)r->cand.total, MDE_SHARE, mm,
                                      w->o->alpha, MDE_POWER, r->noise_var);
}
