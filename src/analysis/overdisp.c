/* overdisp.c - run-to-run noise of profiles (see src/analysis/overdisp.h). */
#include "analysis/overdisp.h"
#include "analysis/stats.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

/*
 * alpha grid: 0, then geometric from 1e-7 to FG_OVERDISP_MAX in steps of
 * about 8%.  Fine enough that the posterior of a comparison with thousands
 * of functions (relative spread of a few percent) still spans several
 * points, coarse enough to stay cheap: every function costs at most GRID
 * log/exp (grid_ll and the pruning skip most of them).
 */
#define GRID 241
#define GRID_MIN 1e-7
/* Huber cut for z^2 (|z| > 2 counts linearly in |z|). */
#define HUBER_Z2 4.0
/* Posterior weights below e^-PRUNE of the largest are skipped. */
#define PRUNE 30.0

struct grid {
    double x[GRID];
    double log_prior[GRID]; /* uniform on sqrt(x) */
};

static void grid_init(struct grid *g)
{
    g->x[0] = 0.0;
    double span = log(FG_OVERDISP_MAX / GRID_MIN);
    for (int j = 1; j < GRID; j++)
        g->x[j] = GRID_MIN * exp(span * (double)(j - 1) / (double)(GRID - 2));
    for (int j = 0; j < GRID; j++) {
        double lo = j > 0 ? 0.5 * (g->x[j - 1] + g->x[j]) : 0.0;
        double hi = j < GRID - 1 ? 0.5 * (g->x[j] + g->x[j + 1]) : g->x[j];
        g->log_prior[j] = log(sqrt(hi) - sqrt(lo));
    }
}

/* ---- single-profile tests ------------------------------------------------- */

/* What one function contributes to the likelihood of alpha. */
struct term {
    double lr2; /* squared log ratio (pseudocounts 0.5) */
    double v;   /* its sampling variance under "no change": (1+r)^2/(r(a+b+1)) */
    double h;
};

/*
 * The sampling variance in the likelihood uses the expected counts under
 * "no change" rather than the observed ones: with the observed ones, z^2 of
 * small functions is stochastically smaller than chi^2(1) (a function that
 * happened to come out low gets a larger variance), which biases alpha
 * down and makes A/A comparisons fail.  With the fitted form E[min(z^2, 4)]
 * stays within 5% of its chi^2 value from 3 samples per side up.
 *
 * Each function is "unchanged" (log ratio ~ N(0, v + h alpha), Huber
 * tails, kappa makes the Huber fit consistent) with probability
 * 1 - CHANGED_P, or "changed" with a log ratio anywhere in
 * [-LOG_RATIO_SPAN, LOG_RATIO_SPAN].  Huber alone is not enough: a new
 * function (0 -> 2500 samples) has |z| ~ 200 and its linear penalty would
 * still drag alpha up by orders of magnitude; under the mixture its term
 * stops depending on alpha once "changed" explains it better.
 */
#define CHANGED_P 0.1
#define LOG_RATIO_SPAN 15.0 /* ln(2e6 / 0.5): counts up to millions */

static double term_ll(const struct term *t, double alpha, double kappa)
{
    double var = t->v + t->h * alpha;
    double u = t->lr2 / var;
    double rho = u <= HUBER_Z2 ? u : 2.0 * sqrt(HUBER_Z2 * u) - HUBER_Z2;
    /* both terms without the common factor 1/sqrt(2 pi) */
    double same = log1p(-CHANGED_P) - 0.5 * log(var) - 0.5 * rho / kappa;
    double changed = log(CHANGED_P) + 0.5 * log(2.0 * M_PI) -
                     log(2.0 * LOG_RATIO_SPAN);
    double mx = fmax(same, changed);
    return mx + log(exp(same - mx) + exp(changed - mx));
}

/* term_ll never falls below this: a function "changed" explains any log
 * ratio equally well. */
static double changed_ll(void)
{
    return log(CHANGED_P) + 0.5 * log(2.0 * M_PI) - log(2.0 * LOG_RATIO_SPAN);
}

/* How much term_ll can vary over alpha (>= 0): a point of the posterior
 * whose log weight is more than PRUNE + spread below the best cannot come
 * within PRUNE of the best once this term is left out. */
static double term_spread(const struct term *t)
{
    double top = log1p(-CHANGED_P) - 0.5 * log(t->v);
    return fmax(top, changed_ll()) - changed_ll();
}

/* The single-profile likelihood's inputs, for grid_ll. */
struct terms {
    const struct term *t;
    const bool *use;
    size_t n;
    double kappa;
};

static double sum_ll(const void *ctx, double alpha)
{
    const struct terms *ts = ctx;
    double s = 0.0;
    for (size_t i = 0; i < ts->n; i++)
        if (ts->use[i])
            s += term_ll(&ts->t[i], alpha, ts->kappa);
    return s;
}

/*
 * A log-likelihood ll(ctx, x) on the grid, coarse to fine: every STRIDE-th
 * point first, then the points between coarse neighbours that come within
 * `window` of the best (and always around the best coarse point).  With
 * thousands of functions the likelihood is sharply peaked and most of the
 * grid is never evaluated; points left out get -INFINITY (weight 0).
 */
#define STRIDE 8
static void grid_ll(const struct grid *g,
                    double (*ll)(const void *ctx, double x), const void *ctx,
                    double window, double *LL)
{
    bool done[GRID] = {false};
    int coarse[GRID], nc = 0;
    for (int j = 0; j < GRID; j++) {
        LL[j] = -INFINITY;
        if (j == 0 || j == GRID - 1 || (j - 1) % STRIDE == 0)
            coarse[nc++] = j;
    }
    int best = 0;
    for (int c = 0; c < nc; c++) {
        int j = coarse[c];
        LL[j] = ll(ctx, g->x[j]);
        done[j] = true;
        if (LL[j] > LL[coarse[best]])
            best = c;
    }
    double top = LL[coarse[best]];
    for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c + 1 < nc; c++) {
            int j1 = coarse[c], j2 = coarse[c + 1];
            bool near_best = c == best || c + 1 == best;
            if (!near_best && fmax(LL[j1], LL[j2]) < top - window)
                continue;
            for (int j = j1 + 1; j < j2; j++) {
                if (done[j])
                    continue;
                LL[j] = ll(ctx, g->x[j]);
                done[j] = true;
                top = fmax(top, LL[j]);
            }
        }
    }
}

static bool valid_counts(double a, double b)
{
    return a >= 0.0 && b >= 0.0 && isfinite(a) && isfinite(b) && a + b > 0.0;
}

static double clamp_h(double h)
{
    return h > 0.0 && isfinite(h) ? fmin(h, 2.0) : 0.0;
}

static void neutral(struct fg_overdisp_test *o)
{
    o->log_ratio = 0.0;
    o->se = 0.0;
    o->z = 0.0;
    o->p = 1.0;
    o->half = 0.0;
    o->alpha = 0.0;
}

/* Two-sided tail of a scale mixture of normals at x >= 0. */
static double mix_tail(const double *w, const double *sd, size_t k, double x)
{
    double p = 0.0;
    for (size_t j = 0; j < k; j++)
        p += w[j] * erfc(x / (sd[j] * M_SQRT2));
    return p;
}

/* The x with mix_tail(x) = tail, between the component quantiles. */
static double mix_quantile(const double *w, const double *sd, size_t k,
                           double tail, double zq)
{
    double lo = sd[0], hi = sd[0];
    for (size_t j = 1; j < k; j++) {
        lo = fmin(lo, sd[j]);
        hi = fmax(hi, sd[j]);
    }
    lo *= zq;
    hi *= zq;
    for (int it = 0; it < 80 && hi - lo > 1e-12 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        if (mix_tail(w, sd, k, mid) > tail)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The posterior of alpha from the functions of one comparison. */
struct fg_overdisp_post {
    struct grid g;
    struct term *t;      /* the noise set's terms, n of them */
    bool *use;
    size_t n, m;         /* entries, used entries */
    double r, kappa;
    double lp[GRID];     /* log posterior (unnormalised) */
    double top;          /* max of lp */
    double mean;         /* posterior mean of alpha */
    bool estimated;      /* enough functions informed alpha */
};

static double huber_kappa(void)
{
    /* consistency of the Huber likelihood: E[rho'(u) u] under chi^2(1) */
    return gsl_cdf_chisq_P(HUBER_Z2, 3.0) +
           2.0 * sqrt(HUBER_Z2) * gsl_ran_ugaussian_pdf(sqrt(HUBER_Z2));
}

/* The expected-count sampling variance of ln R under "no change". */
static double expected_var(double a, double b, double r)
{
    return (1.0 + r) * (1.0 + r) / (r * (a + b + 1.0));
}

struct fg_overdisp_post *fg_overdisp_post_new(const double *a,
                                              const double *b,
                                              const double *h,
                                              const bool *in, size_t n,
                                              double r)
{
    struct fg_overdisp_post *q = fg_xcalloc(1, sizeof(*q));
    grid_init(&q->g);
    q->n = n;
    q->r = r > 0.0 && isfinite(r) ? r : 1.0;
    q->kappa = huber_kappa();
    q->t = fg_xcalloc(n ? n : 1, sizeof(*q->t));
    q->use = fg_xcalloc(n ? n : 1, sizeof(*q->use));
    double spread = 0.0;
    for (size_t i = 0; i < n; i++) {
        /* functions seen on one side only say nothing about the noise of
         * unchanged functions: a brand-new one has |z| of 4-6 at a few
         * dozen samples, and eighty of them flipped the fit to the top
         * of the grid */
        if ((in && !in[i]) || !valid_counts(a[i], b[i]) || !(a[i] > 0.0) ||
            !(b[i] > 0.0))
            continue;
        struct fg_ztest z;
        fg_stats_ztest(a[i], b[i], q->r, 0.0, &z);
        q->t[i].lr2 = z.log_ratio * z.log_ratio;
        q->t[i].v = expected_var(a[i], b[i], q->r);
        q->t[i].h = clamp_h(h ? h[i] : 0.0);
        if (!(q->t[i].h > 0.0) || !(q->t[i].v > 0.0) || !isfinite(q->t[i].v))
            continue;
        q->use[i] = true;
        q->m++;
        spread = fmax(spread, term_spread(&q->t[i]));
    }
    q->estimated = q->m > FG_OVERDISP_MIN_FUNCS;
    if (!q->estimated)
        return q;
    const struct terms ts = {q->t, q->use, n, q->kappa};
    double LL[GRID];
    grid_ll(&q->g, sum_ll, &ts, PRUNE + spread + 10.0, LL);
    q->top = -INFINITY;
    for (int j = 0; j < GRID; j++) {
        q->lp[j] = LL[j] + q->g.log_prior[j];
        q->top = fmax(q->top, q->lp[j]);
    }
    double s = 0.0, am = 0.0;
    for (int j = 0; j < GRID; j++) {
        double x = exp(q->lp[j] - q->top);
        s += x;
        am += x * q->g.x[j];
    }
    q->mean = s > 0.0 && isfinite(am / s) ? am / s : 0.0;
    return q;
}

void fg_overdisp_post_free(struct fg_overdisp_post *q)
{
    if (!q)
        return;
    free(q->t);
    free(q->use);
    free(q);
}

bool fg_overdisp_post_estimated(const struct fg_overdisp_post *q)
{
    return q && q->estimated;
}

double fg_overdisp_post_mean(const struct fg_overdisp_post *q)
{
    return q && q->estimated ? q->mean : 0.0;
}

/* No usable estimate of alpha: pure sampling noise (plus extra_var). */
static void test_plain(double a, double b, double r, double extra_var,
                       double zq, struct fg_overdisp_test *o)
{
    double q = r / (1.0 + r);
    double pb = a + b < 9e18 ? fg_stats_binom_p((uint64_t)llround(b),
                                                 (uint64_t)llround(a + b), q)
                             : erfc(fabs(o->z) / M_SQRT2);
    if (extra_var > 0.0) {
        o->se = sqrt(o->se * o->se + extra_var);
        o->z = o->log_ratio / o->se;
        pb = fmax(pb, erfc(fabs(o->z) / M_SQRT2));
    }
    o->p = pb;
    o->half = zq * o->se;
    o->alpha = 0.0;
}

void fg_overdisp_test(const struct fg_overdisp_post *q, double a, double b,
                      double h, double extra_var, long self, double ci_p,
                      struct fg_overdisp_test *o)
{
    neutral(o);
    if (!q || !valid_counts(a, b))
        return;
    if (!(ci_p > 0.0 && ci_p < 1.0))
        ci_p = 0.05;
    if (!(extra_var > 0.0) || !isfinite(extra_var))
        extra_var = 0.0;
    const double zq = fg_stats_z_quantile(ci_p / 2.0);
    const double r = q->r;
    struct fg_ztest z;
    fg_stats_ztest(a, b, r, 0.0, &z);
    o->log_ratio = z.log_ratio;
    o->se = z.se;
    o->z = z.z;
    /* One side at zero: the plug-in variance 1/(0 + 0.5) is an artefact
     * of the pseudocount; test at the counts expected without a change
     * (0 -> 76 of 2,000 samples: Holm 0.054 with the plug-in), and never
     * below what the exact binomial test without any noise gives. */
    bool one_sided = !(a > 0.0) || !(b > 0.0);
    double v = o->se * o->se;
    if (one_sided && isfinite(expected_var(a, b, r)))
        v = expected_var(a, b, r);
    else
        one_sided = false;
    if (one_sided) {
        o->se = sqrt(v);
        o->z = o->log_ratio / o->se;
    }
    if (!q->estimated) {
        test_plain(a, b, r, extra_var, zq, o);
        return;
    }
    bool leave = self >= 0 && (size_t)self < q->n && q->use[self];
    const struct term *own = leave ? &q->t[self] : NULL;
    double hi = clamp_h(h);
    double lw[GRID], w[GRID], sd[GRID], mx = -INFINITY;
    double cut = q->top - PRUNE - (own ? term_spread(own) : 0.0);
    for (int j = 0; j < GRID; j++) {
        if (!(q->lp[j] >= cut)) {
            lw[j] = -INFINITY;
            continue;
        }
        lw[j] = q->lp[j] - (own ? term_ll(own, q->g.x[j], q->kappa) : 0.0);
        mx = fmax(mx, lw[j]);
    }
    /* posterior without this function, pruned to the relevant points */
    size_t k = 0;
    double s = 0.0, am = 0.0;
    for (int j = 0; j < GRID; j++) {
        if (lw[j] < mx - PRUNE)
            continue;
        w[k] = exp(lw[j] - mx);
        sd[k] = sqrt(v + hi * q->g.x[j] + extra_var);
        s += w[k];
        am += w[k] * q->g.x[j];
        k++;
    }
    if (k == 0 || !(s > 0.0)) {
        test_plain(a, b, r, extra_var, zq, o);
        return;
    }
    for (size_t j = 0; j < k; j++)
        w[j] /= s;
    o->alpha = am / s;
    o->p = fmin(1.0, fmax(0.0, mix_tail(w, sd, k, fabs(o->log_ratio))));
    if (one_sided && a + b < 9e18)
        o->p = fmax(o->p, fg_stats_binom_p((uint64_t)llround(b),
                                           (uint64_t)llround(a + b),
                                           r / (1.0 + r)));
    o->half = mix_quantile(w, sd, k, ci_p, zq);
    o->se = sqrt(v + hi * o->alpha + extra_var);
    o->z = o->log_ratio / o->se;
}

double fg_overdisp_tests(const double *a, const double *b, const double *h,
                         size_t n, double r, double ci_p,
                         struct fg_overdisp_test *out, bool *estimated)
{
    if (estimated)
        *estimated = false;
    for (size_t i = 0; i < n; i++)
        neutral(&out[i]);
    if (n == 0 || !(r > 0.0) || !isfinite(r))
        return 0.0;
    struct fg_overdisp_post *q = fg_overdisp_post_new(a, b, h, NULL, n, r);
    for (size_t i = 0; i < n; i++)
        fg_overdisp_test(q, a[i], b[i], h ? h[i] : 0.0, 0.0, (long)i, ci_p,
                         &out[i]);
    if (estimated)
        *estimated = q->estimated;
    double mean = fg_overdisp_post_mean(q);
    fg_overdisp_post_free(q);
    return mean;
}

/* ---- replicate comparisons ------------------------------------------------ */

struct trend {
    const double *s2, *floor_v, *h;
    size_t n;
    double df;
    double norm;    /* log of the chi2_df/df density's constant */
    double out_ll;  /* log(OUTLIER_P / OUTLIER_SPAN): the outlier density
                     * of ln s2, flat over OUTLIER_SPAN */
};

/*
 * Each function's variance is either typical, s2 ~ var chi2_df / df with
 * var = floor + phi h, or an outlier (a function far noisier than the
 * rest: a garbage collector, a lock, a changed code path) whose ln s2 is
 * anywhere in a range OUTLIER_SPAN wide.  Under the mixture an outlier
 * stops pulling phi once "outlier" explains it better, instead of pulling
 * it logarithmically (5% of functions at 100x the variance moved phi up by
 * about 20% under a capped likelihood, and by under 2% with this one).
 * The typical tail is barely discounted: at 3x its variance a typical
 * function is 98% "typical" on 4 degrees of freedom.
 */
#define OUTLIER_P 0.05
#define TREND_WINDOW 10.0
#define OUTLIER_SPAN 40.0 /* ln units: variances spanning 1e17 */

static double trend_ll(const void *ctx, double phi)
{
    const struct trend *t = ctx;
    double ll = 0.0;
    const double hdf = 0.5 * t->df;
    for (size_t i = 0; i < t->n; i++) {
        double s2 = t->s2[i], fl = t->floor_v[i], h = t->h[i];
        if (!(s2 > 0.0) || !isfinite(s2) || !(fl >= 0.0) || !(h >= 0.0) ||
            !isfinite(fl) || !isfinite(h))
            continue;
        double var = fl + phi * h;
        if (!(var > 0.0))
            continue;
        double u = s2 / var;
        /* log density of ln s2 under "typical": u^(df/2) e^(-df u/2) */
        double typ = log1p(-OUTLIER_P) + t->norm + hdf * log(u) - hdf * u;
        double mx = fmax(typ, t->out_ll);
        ll += mx + log(exp(typ - mx) + exp(t->out_ll - mx));
    }
    return ll;
}

double fg_overdisp_trend(const double *s2, double df, const double *floor_v,
                         const double *h, size_t n)
{
    if (n == 0 || !(df > 0.0) || !isfinite(df))
        return 0.0;
    struct trend t = {s2, floor_v, h, n, df, 0.0, 0.0};
    /* density of ln U for U ~ chi2_df / df: (df/2)^(df/2) / Gamma(df/2)
     * u^(df/2) e^(-df u / 2) */
    t.norm = 0.5 * df * log(0.5 * df) - lgamma(0.5 * df);
    t.out_ll = log(OUTLIER_P / OUTLIER_SPAN);
    if (!isfinite(t.norm))
        return 0.0;
    struct grid *g = fg_xmalloc(sizeof(*g));
    grid_init(g);
    /* the maximum of the grid, coarse to fine as for the single-profile
     * posterior; a second mode within TREND_WINDOW is refined too */
    double LL[GRID];
    grid_ll(g, trend_ll, &t, TREND_WINDOW, LL);
    int best = 0;
    for (int j = 1; j < GRID; j++)
        if (LL[j] > LL[best])
            best = j;
    /* golden-section refinement between the neighbours of the best point */
    double lo = best > 0 ? g->x[best - 1] : 0.0;
    double hi = best < GRID - 1 ? g->x[best + 1] : g->x[best];
    free(g);
    const double gr = 0.5 * (sqrt(5.0) - 1.0);
    double x1 = hi - gr * (hi - lo), x2 = lo + gr * (hi - lo);
    double f1 = trend_ll(&t, x1), f2 = trend_ll(&t, x2);
    for (int it = 0; it < 60 && hi - lo > 1e-9 * hi; it++) {
        if (f1 >= f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - gr * (hi - lo);
            f1 = trend_ll(&t, x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + gr * (hi - lo);
            f2 = trend_ll(&t, x2);
        }
    }
    double phi = 0.5 * (lo + hi);
    /* the golden search only sees the bracket's interior: keep an endpoint
     * (0 in particular) when it is better */
    if (best == 0 && trend_ll(&t, 0.0) >= trend_ll(&t, phi))
        phi = 0.0;
    return isfinite(phi) && phi > 0.0 ? phi : 0.0;
}
