/*
 * stats.h - statistical primitives (GSL wrappers): pure functions on double
 * arrays, no profile types.  compare.c builds the verdict from them; the
 * method is ../shared/docs/STATISTICS.md (section numbers below refer to it).
 *
 * Method choices:
 * - n=1 vs n=1 uses the exact conditional binomial test with the doubled
 *   smaller tail (edgeR exactTestDoubleTail): two GSL calls, slightly
 *   conservative, and within 10% of the "minlike" p (section 3.1).
 * - Real profiles vary more than binomially (section 9.2).  Section 9.2's
 *   estimator (the alpha that makes the median z^2 equal the median of
 *   chi^2(1)) is here as the reference; comparisons use overdisp.h, which
 *   accounts for the estimate's uncertainty.
 * - With few replicates a per-function variance is too noisy for Welch's t
 *   (section 9.3), so variances are moderated toward a prior fitted across
 *   functions (limma fitFDist/squeezeVar), which gives back degrees of freedom.
 *
 * Contract common to every function: no NaN or infinity is ever returned or
 * stored.  Invalid input (NaN, negative counts, n = 0, ...) yields the
 * documented neutral value (mostly p = 1, a statistic of 0), never an abort:
 * fg_stats_init() must have turned GSL's abort-on-error handler off.  All
 * array arguments are borrowed and only read, except the documented outputs.
 * Out of memory is fatal (util.h).
 */
#ifndef FLAMEGATE_STATS_H
#define FLAMEGATE_STATS_H

#include "flamegate/fg.h"

/* Finite stand-in for limma's df_prior = +Inf ("no per-function spread
 * beyond sampling"): squeezing with it returns the prior variance to within
 * df/1e6 relative. */
#define FG_STATS_DF_INF 1e6
/* Upper bound of fg_stats_mde (meaning "undetectable") and of
 * fg_stats_overdispersion. */
#define FG_STATS_MDE_MAX 1e6
#define FG_STATS_ALPHA_MAX 1e6

/* Turn GSL's abort-on-error handler off (GSL then returns NaN or an error
 * code, which the functions below never let through).  Idempotent; call it
 * once before any other fg_stats_* function (main and the tests do).  This
 * sets GSL's process-wide handler. */
void fg_stats_init(void);

/*
 * Two-sided exact conditional binomial test, doubled smaller tail (section
 * 7.2): b ~ Bin(n, q), p = min(1, 2*min(P(X<=b), P(X>=b))).
 * Degenerate input returns 1 (no evidence): n = 0, b > n, q outside (0,1)
 * or NaN.  GSL's discrete CDFs take unsigned int: for n > UINT_MAX the
 * normal approximation with continuity correction is used instead
 * (accurate at such sizes unless n*q*(1-q) is tiny).  A tail below about
 * 1e-308 underflows to p = 0 (section 6), which ranks as a tie at the top.
 */
double fg_stats_binom_p(uint64_t b, uint64_t n, double q);

/*
 * Holm (FWER) and Benjamini-Hochberg (FDR) adjusted p-values, as R's
 * p.adjust: adj[i] belongs to p[i].  Ties and zeros are fine, m = 0 does
 * nothing, adj may be the same array as p.  NaN p-values count as 1 and
 * values outside [0,1] are clamped.
 */
void fg_stats_holm(const double *p, size_t m, double *adj);
void fg_stats_bh(const double *p, size_t m, double *adj);

/*
 * Weighted Holm (Holm 1979): hypothesis i gets weight w[i] > 0 (others
 * count as 1); step by step, the smallest p/w is rejected when p <= alpha
 * w / (the weight of the hypotheses still in).  FWER <= alpha under any
 * dependence; all weights equal is fg_stats_holm.  adj[i] belongs to p[i]
 * (may alias p).
 */
void fg_stats_holm_weighted(const double *p, const double *w, size_t m,
                            double *adj);

/*
 * A robust weighted location: the weighted median of x (weights w, e.g.
 * the precision of each value), refined by Tukey's biweight on residuals
 * measured in standard errors (|x - c| sqrt(w)) with a spread of at least
 * 1.  Values far from the bulk get no weight whatever their w.
 * Non-finite x or non-positive w are skipped; none left gives the median
 * of x; n = 0 gives 0.
 */
double fg_stats_biweight_location(const double *x, const double *w,
                                  size_t n);

/* The weighted median of x[0..n) with weights w (the smallest x at
 * which the cumulative weight reaches half the total); non-finite x and
 * non-positive w are skipped; 0 when none is left. */
double fg_stats_weighted_median(const double *x, const double *w, size_t n);

/* Median of the finite values of x[0..n) (x is not modified; NaN and
 * infinities are skipped); 0 when there are none.  Even count: the mean of
 * the two middle values. */
double fg_stats_median(const double *x, size_t n);

/*
 * DESeq2 median-of-ratios size factors (estimateSizeFactorsForMatrix,
 * type = "ratio").  counts is row-major n_rows x n_cols (counts[f*n_cols+j]).
 * A row is used when every entry is finite and > 0 and the row sum is
 * finite and >= min_total.
 * sf[j] = exp(median_f(log x_fj - mean_j' log x_fj')); with two columns
 * sf[1]/sf[0] = exp(median_f log(x_f1/x_f0)).  Returns the
 * number of rows used; when that is below min_rows (or 0) every sf[j] = 1.
 * sf has n_cols entries (caller-owned output).
 */
size_t fg_stats_size_factors(const double *counts, size_t n_rows,
                             size_t n_cols, double min_total,
                             size_t min_rows, double *sf);

/*
 * Overdispersion alpha >= 0 from the cross-function spread (section 9.2):
 * the root of median_f (ln R_f)^2 / (1/a_f + 1/b_f + 2 alpha) =
 * gsl_cdf_chisq_Pinv(0.5, 1), R_f = (b_f/a_f)/r, found by bisection, over
 * the entries with finite a_f > 0 and b_f > 0 (others are ignored).
 * Returns 0 when the median is already at or below the target at alpha = 0,
 * when fewer than 3 entries are usable, or when r is not finite and > 0;
 * at most FG_STATS_ALPHA_MAX.
 */
double fg_stats_overdispersion(const double *a, const double *b, size_t n,
                               double r);

/*
 * z-test of one function with overdispersion (sections 3.2, 7.3):
 *   log_ratio = ln((b+0.5)/(a+0.5)) - ln r
 *   se = sqrt(1/(a+0.5) + 1/(b+0.5) + 2 alpha),  z = log_ratio/se,
 *   p = 2*Q(|z|) (standard normal).
 * The +0.5 pseudocounts keep a function that is absent on one side
 * (a = 0 or b = 0, i.e. new or vanished) finite instead of an infinite log
 * ratio, and damp the variance of very small counts; for the counts that pass
 * the a+b >= 20 filter they move z by well under 1%.
 * Degenerate input (a or b negative or NaN, r not finite and > 0) gives
 * z = 0, p = 1, log_ratio = 0, se = 0.  alpha < 0 or NaN counts as 0.
 */
struct fg_ztest {
    double z, p, log_ratio, se;
};
void fg_stats_ztest(double a, double b, double r, double alpha,
                    struct fg_ztest *out);
/* The same with an explicit pseudocount (>= 0; NaN or negative counts as
 * 0).  pseudo = 0 is the plain Wald/assumed-BCV form z = ln(R)/sqrt(1/a +
 * 1/b + 2 alpha) of section 7.3 (Example A's z values); then a = 0 or b = 0
 * has no finite log ratio and gives the degenerate result above. */
void fg_stats_ztest_pseudo(double a, double b, double r, double alpha,
                           double pseudo, struct fg_ztest *out);

/*
 * Welch t-test of y2 against y1 (section 7.2) with per-group variance floors
 * (variance = max(sample variance, floor); negative or NaN floors count as
 * 0).  diff = mean2 - mean1, se = sqrt(v1/n1 + v2/n2), Welch-Satterthwaite
 * df, p = 2*P(T_df > |t|).
 * Returns FG_OK, or FG_ESTATS when n1 < 2, n2 < 2, a value is not finite,
 * or both variances are 0 while the means differ (the test is undefined;
 * give positive floors).  Two constant groups with equal means give t = 0,
 * p = 1, df = n1+n2-2.  On FG_ESTATS out holds t = 0, p = 1, se = 0,
 * df = 0 and diff (0 when not finite).
 */
struct fg_ttest {
    double t, df, p, diff, se;
};
int fg_stats_welch(const double *y1, size_t n1, const double *y2, size_t n2,
                   double floor1, double floor2, struct fg_ttest *out);

/* Per-run log2 normalized share of section 7.2: log2((x+0.5)/(total+1)).
 * x and total below 0 or NaN count as 0, and both are capped at 1e300. */
double fg_stats_log_share(double x, double total);
/* Poisson floor of the variance of those log2 shares: mean over i of
 * 1/((x_i+0.5) ln^2 2) (x_i below 0 or NaN count as 0); 0 when n = 0. */
double fg_stats_poisson_floor(const double *x, size_t n);

/*
 * limma fitFDist (bioc/limma R/fitFDist.R, no covariate; section 9.4):
 * given per-feature variances s2[i] on df[i] degrees of freedom, moment
 * estimates on the log scale of the prior variance s2_prior and prior
 * degrees of freedom df_prior.  Entries with s2 not finite or below
 * -1e-15, or df not finite or <= 1e-15, are dropped (as limma does).
 * Zero variances are offset to 1e-5 * median (median taken as 1 when more
 * than half are 0), as limma does.  When the spread is no larger than
 * sampling alone explains, limma's df_prior = +Inf is returned as
 * FG_STATS_DF_INF with s2_prior = mean variance; finite estimates above
 * FG_STATS_DF_INF are capped to it.
 * Returns FG_OK, or FG_ESTATS when fewer than 3 entries are usable or the
 * computation fails; then *s2_prior = 0 and *df_prior = 0 (squeezing with
 * df_prior = 0 leaves variances unchanged).
 */
int fg_stats_fit_fdist(const double *s2, const double *df, size_t n,
                       double *s2_prior, double *df_prior);

/*
 * Posterior variance (df*s2 + df_prior*s2_prior)/(df + df_prior) (limma
 * squeezeVar).  df_prior = +Inf returns s2_prior.  df or df_prior negative
 * or NaN count as 0; when both are 0 the result is s2.  A non-finite or
 * negative s2 or s2_prior gives 0 for its term.
 */
double fg_stats_squeeze(double s2, double df, double s2_prior,
                        double df_prior);

/* Two-sided t p-value 2*P(T_df > |t|), for the moderated t with
 * df = min(df_residual + df_prior, cap).  df = +Inf uses the normal.
 * NaN t or df <= 0 (or NaN) gives 1; |t| = Inf gives 0. */
double fg_stats_t_p(double t, double df);

/*
 * Pooled two-group variance, as limma's residual variance for a two-group
 * design: s2 = (sum (y1-mean1)^2 + sum (y2-mean2)^2)/(n1+n2-2), on
 * n1+n2-2 degrees of freedom; diff = mean2 - mean1.  Returns FG_ESTATS
 * (and 0s) when n1 or n2 is 0, n1+n2 < 3, or a value is not finite.
 */
int fg_stats_pooled_var(const double *y1, size_t n1, const double *y2,
                        size_t n2, double *diff, double *s2);

/*
 * limma-style moderated t for two groups: the pooled variance (above) is
 * squeezed toward (s2_prior, df_prior), t = diff/sqrt(s2_post (1/n1 + 1/n2))
 * on df = min(n1+n2-2 + df_prior, df_cap) (df_cap <= 0 or NaN: no cap; limma
 * caps at the pooled residual df of all features).  df_prior = 0 is the
 * ordinary Student t-test.  Returns FG_ESTATS as fg_stats_pooled_var, or when
 * the posterior variance is 0 while the means differ; out then holds t = 0,
 * p = 1, se = 0, df = 0.
 */
int fg_stats_moderated_t(const double *y1, size_t n1, const double *y2,
                         size_t n2, double s2_prior, double df_prior,
                         double df_cap, struct fg_ttest *out);

/*
 * Quantiles for confidence intervals: the x with P(T_df > x) = p, resp.
 * P(Z > x) = p.  p is clamped into [1e-300, 1 - 2^-52] (so the result is
 * finite); NaN p gives 0.  t: df = +Inf uses the normal; df <= 0 or NaN
 * gives 0; results are clamped to +-1e300.
 */
double fg_stats_t_quantile(double upper_tail_p, double df);
double fg_stats_z_quantile(double upper_tail_p);

/*
 * Minimum detectable relative increase (section 5): the smallest d >= 0
 * such that a function at share p0 rising to p1 = p0*(1+d) is detected with
 * the given power by a two-sided test at level alpha/m, from the
 * two-proportion approximation generalised to unequal sample counts:
 *   p0*d = (z_{alpha/(2m)} + z_{1-power}) *
 *          sqrt(p0(1-p0)/n_base + p1(1-p1)/n_cand).
 * where z_x is the upper-x normal quantile (fg_stats_z_quantile).
 * Squaring gives a quadratic in d with exactly one positive root, which is
 * computed in closed form (no iteration needed).  Returns FG_STATS_MDE_MAX
 * when the inputs make detection impossible (n_base or n_cand <= 0 or NaN,
 * p0 outside (0,1), alpha or power outside (0,1)) and caps the result there;
 * d > 1/p0 - 1 means even the whole profile would not be enough.  m = 0
 * counts as 1.  Returns 0 when power <= the level (z sum <= 0).
 */
double fg_stats_mde(double n_base, double n_cand, double p0, size_t m,
                    double alpha, double power);

/*
 * The same question on the log scale with run-to-run noise: the smallest
 * d >= 0 with ln(1 + d) = (z_{alpha/(2m)} + z_{1-power}) *
 * sqrt((1-p0)/(n_base p0) + (1-p1)/(n_cand p1) + extra_var), p1 = p0(1+d),
 * where extra_var is the noise variance of the function's log ratio (e.g.
 * h * alpha for the single-profile test).  With extra_var = 0 it is within
 * a few percent of fg_stats_mde.  Same degenerate cases and cap; extra_var
 * negative or NaN counts as 0, +Inf gives the cap.
 */
double fg_stats_mde_noise(double n_base, double n_cand, double p0, size_t m,
                          double alpha, double power, double extra_var);

/* The inverse for equal sides (section 5, Example F): samples per side
 * N = (z_{alpha/(2m)} + z_{1-power})^2 (p0(1-p0) + p1(1-p1)) / (p1-p0)^2,
 * unrounded.  Invalid input (p0 or p1 outside [0,1], p0 == p1, alpha or
 * power outside (0,1)) gives 0. */
double fg_stats_samples_needed(double p0, double p1, size_t m, double alpha,
                               double power);

#endif
