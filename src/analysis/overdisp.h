/*
 * overdisp.h - run-to-run noise (overdispersion) of sampled profiles: how
 * much more a function's count varies between runs than sampling alone
 * explains, estimated from the functions of one comparison, and the
 * single-profile tests that account for it.
 *
 * Model (STATISTICS 9.2, refined by calibration; see README "Statistics"):
 * every stack's weight varies from run to run with a squared coefficient of
 * variation alpha, so a function's log ratio between base and candidate is
 *   ln R_f ~ N(0, 1/a + 1/b + h_f alpha)
 * with h_f = H_base + H_cand, H the concentration of the function's samples
 * over its stacks (sum of squared stack counts / count^2): a function made
 * of one stack varies like that stack, one spread over many stacks much
 * less.
 *
 * Why a posterior and not a point estimate: with one profile per side and a
 * few thousand samples, alpha is learned mostly from the handful of largest
 * functions, so "no extra noise" and "15% per-stack noise" can fit the same
 * data.  Plugging in a point estimate then fails A/A comparisons whenever
 * the estimate happens to be low.  The tests below average each function's
 * p-value over the posterior of alpha computed from all *other* functions
 * (leaving the tested function out keeps a real regression from inflating
 * the noise estimate that judges it), with a uniform prior on the per-stack
 * coefficient of variation sqrt(alpha) over [0, sqrt(FG_OVERDISP_MAX)].
 * The likelihood is robust: each function is either unchanged (normal with
 * Huber tails) or changed (log ratio anywhere), so a few changed functions
 * or a brand-new one barely move it either.  Calibration is in the README.
 *
 * All functions are pure: arrays are borrowed and only read except the
 * documented outputs; no NaN or infinity is ever returned; fg_stats_init()
 * must have turned GSL's abort handler off.  Out of memory is fatal.
 */
#ifndef FLAMEGATE_OVERDISP_H
#define FLAMEGATE_OVERDISP_H

#include "flamegate/fg.h"

/* Largest alpha considered (per-stack coefficient of variation ~316%). */
#define FG_OVERDISP_MAX 10.0
/* Fewer functions than this carrying information about alpha (a + b > 0,
 * h > 0) besides the tested one: the noise cannot be estimated and
 * fg_overdisp_tests assumes none (alpha = 0); the caller should say so. */
#define FG_OVERDISP_MIN_FUNCS 3

/* One function's single-profile test. */
struct fg_overdisp_test {
    double log_ratio; /* ln((b + 0.5)/(a + 0.5)) - ln r */
    double se;        /* sqrt(1/(a+0.5) + 1/(b+0.5) + h * alpha) */
    double z;         /* log_ratio / se */
    double p;         /* two-sided p averaged over the posterior of alpha */
    double half;      /* half-width of the two-sided (1 - ci_p) interval of
                         log_ratio, from the same posterior mixture */
    double alpha;     /* posterior mean of alpha without this function */
};

/*
 * The posterior of alpha from the functions of one comparison (one
 * profile per side), computed once: function i (base count a[i],
 * candidate count b[i], concentration h[i] = H_base + H_cand in [0, 2])
 * informs it when in[i] (in may be NULL: all), both counts are positive
 * (a function seen on one side only says nothing about the noise of
 * unchanged ones) and h[i] > 0.  r is the size-factor ratio (candidate /
 * base).  Owned by the caller (fg_overdisp_post_free; NULL accepted).
 */
struct fg_overdisp_post;
struct fg_overdisp_post *fg_overdisp_post_new(const double *a,
                                              const double *b,
                                              const double *h,
                                              const bool *in, size_t n,
                                              double r);
void fg_overdisp_post_free(struct fg_overdisp_post *q);
/* More than FG_OVERDISP_MIN_FUNCS functions informed it (else the tests
 * assume pure sampling noise and the caller should say so). */
bool fg_overdisp_post_estimated(const struct fg_overdisp_post *q);
/* Posterior mean of alpha (0 when not estimated). */
double fg_overdisp_post_mean(const struct fg_overdisp_post *q);

/*
 * Test one row (a function's flat or cum counts a, b and concentration h)
 * against the posterior q: p averaged over the posterior of alpha without
 * the function at index self of q's input (its own term left out so a real
 * regression cannot inflate the noise that judges it; -1: none).
 * extra_var (>= 0) is added to the variance of ln R at every alpha: the
 * environment-driven noise of its class.  A row with one side at zero is
 * tested at the counts expected without a change, and its p is never below
 * the exact binomial test's.  Degenerate input (negative or NaN counts,
 * both 0) gives p = 1, z = 0, log_ratio = 0, half = 0.
 */
void fg_overdisp_test(const struct fg_overdisp_post *q, double a, double b,
                      double h, double extra_var, long self, double ci_p,
                      struct fg_overdisp_test *out);

/*
 * All functions of one comparison through one posterior (every function
 * informs it and is tested with itself left out): base
 * count a[f], candidate count b[f], concentration h[f] (H_base + H_cand,
 * in [0, 2]), size-factor ratio r (candidate / base).  Fills out[0..n) and
 * returns the posterior mean of alpha from all functions.
 * Returns 0 and tests with alpha = 0 (normal approximation, p from the
 * doubled-tail exact binomial test) when fewer than FG_OVERDISP_MIN_FUNCS
 * other functions inform alpha; *estimated (may be NULL) says which case
 * applied.  Degenerate entries (negative or NaN counts, both 0) get
 * p = 1, z = 0, log_ratio = 0, half = 0; r not finite and > 0 makes every
 * entry degenerate.  ci_p outside (0, 1) counts as 0.05.
 */
double fg_overdisp_tests(const double *a, const double *b, const double *h,
                         size_t n, double r, double ci_p,
                         struct fg_overdisp_test *out, bool *estimated);

/*
 * Replicate comparisons: per-function pooled variances s2[i] on df degrees
 * of freedom are modelled as s2_i ~ (floor_v[i] + phi * h[i]) chi2_df / df
 * (floor_v: Poisson sampling variance; h: mean per-run concentration).
 * Returns the robust maximum-likelihood phi >= 0 (the extra variance per
 * unit of concentration), searched on a grid up to FG_OVERDISP_MAX and
 * refined between grid points.  Entries with a non-finite or non-positive
 * s2, or floor_v + h not positive, are ignored; 0 when none is usable or
 * df <= 0.  Robust: the likelihood is a mixture in which each function may
 * instead be an outlier with its variance anywhere, so a few functions far
 * noisier than the rest cannot inflate phi.
 */
double fg_overdisp_trend(const double *s2, double df, const double *floor_v,
                         const double *h, size_t n);

#endif
