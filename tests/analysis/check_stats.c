/*
 * check_stats.c - the statistics module against the worked examples of
 * ../shared/docs/STATISTICS.md section 8 (computed there with GSL 2.7.1 and
 * exact arithmetic), known answers, seeded simulations and degenerate input.
 */
#include "analysis/stats.h"
#include "testutil.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_double.h>

/*
 * True when v rounds to the value printed as s (STATISTICS.md prints 5-10
 * significant digits): |v - s| <= half a unit in the last printed digit.
 * For 7 printed digits that is <= 5e-7 relative.
 */
static bool printed_ok(double v, const char *s)
{
    double want = strtod(s, NULL);
    int sig = 0;
    bool lead = true;
    for (const char *c = s; *c && *c != 'e' && *c != 'E'; c++) {
        if (*c < '0' || *c > '9')
            continue;
        if (*c != '0')
            lead = false;
        if (!lead)
            sig++;
    }
    if (want == 0.0)
        return v == 0.0;
    double unit = pow(10.0, floor(log10(fabs(want))) - (sig - 1));
    return fabs(v - want) <= 0.5 * unit * (1.0 + 1e-9);
}

#define CK_PRINTED(x, s)                                                     \
    do {                                                                     \
        double v_ = (x);                                                     \
        ck_assert_msg(printed_ok(v_, s), "%s = %.12g, STATISTICS.md: %s",    \
                      #x, v_, s);                                            \
    } while (0)

static void setup(void)
{
    fg_stats_init();
}

/* Example A-C totals: q = N_c/(N_b+N_c). */
static const double QA = 54000.0 / 114000.0;

/* ---- GSL sanity values (section 8, last block) ---- */

START_TEST(test_gsl_sanity)
{
    CK_PRINTED(gsl_cdf_tdist_Q(2.5, 4), "3.3383272406e-02");
    CK_PRINTED(fg_stats_t_p(2.5, 4) / 2.0, "3.3383272406e-02");
    CK_PRINTED(gsl_cdf_ugaussian_Q(3), "1.3498980316e-03");
    CK_PRINTED(gsl_cdf_chisq_Q(3.841458820694124, 1), "5.0000000000e-02");
    CK_PRINTED(gsl_sf_lnchoose(2604, 1404), "1792.8010689393");
    CK_PRINTED(gsl_cdf_binomial_Q(900, 0.3, 2000), "1.043981e-45");
    ck_assert(1.0 - gsl_cdf_binomial_P(900, 0.3, 2000) == 0.0);
    /* the wrapper takes the small tail directly */
    CK_PRINTED(fg_stats_binom_p(901, 2000, 0.3) / 2.0, "1.043981e-45");
    CK_PRINTED(gsl_cdf_chisq_Pinv(0.5, 1), "0.4549364231");
}
END_TEST

/* GSL's handler is off: a domain error returns NaN instead of aborting. */
START_TEST(test_gsl_handler_off)
{
    fg_stats_init(); /* idempotent */
    ck_assert(isnan(gsl_cdf_binomial_P(3, 1.5, 10)));
    ck_assert(isnan(gsl_cdf_chisq_Pinv(1.5, 1.0)));
}
END_TEST

/* ---- exact binomial test (Examples A, B, B2, C, C2, D, F) ---- */

START_TEST(test_binom_examples)
{
    /* A: tails and doubled p */
    CK_PRINTED(QA, "0.4736842105");
    CK_PRINTED(gsl_cdf_binomial_Q(1403, QA, 2604), "1.301644e-11");
    ck_assert(gsl_cdf_binomial_P(1404, QA, 2604) > 0.9999995);
    CK_PRINTED(fg_stats_binom_p(1404, 2604, QA), "2.603287e-11");
    /* B, B2 */
    CK_PRINTED(gsl_cdf_binomial_Q(44, QA, 75), "1.893896e-02");
    CK_PRINTED(fg_stats_binom_p(45, 75, QA), "3.787793e-02");
    CK_PRINTED(fg_stats_binom_p(380, 680, QA), "1.054746e-05");
    /* C: total normalization q = 0.4 gives the false regression of f2 */
    CK_PRINTED(fg_stats_binom_p(10000, 20000, 0.4), "1.743686e-179");
    /* C2 with totals */
    CK_PRINTED(fg_stats_binom_p(4600, 9600, QA), "2.866111e-01");
    /* D: the pooled (overconfident) binomial */
    double qd = 150250.0 / (150580.0 + 150250.0);
    CK_PRINTED(qd, "0.49945152");
    CK_PRINTED(fg_stats_binom_p(6952, 6023 + 6952, qd), "1.281697e-16");
}
END_TEST

/* The doubled tail is symmetric in direction: a decrease gives the same p
 * as the mirrored increase when q = 1/2; both tails are tested. */
START_TEST(test_binom_tails)
{
    ck_assert(fg_stats_binom_p(30, 100, 0.5) == fg_stats_binom_p(70, 100, 0.5));
    ck_assert(fg_stats_binom_p(50, 100, 0.5) == 1.0);
    CK_REL(fg_stats_binom_p(0, 10, 0.5), 2.0 * pow(0.5, 10), 1e-12);
    CK_REL(fg_stats_binom_p(10, 10, 0.5), 2.0 * pow(0.5, 10), 1e-12);
    /* small q: p(b=0) = 2 (1-q)^n when that is the smaller tail */
    CK_REL(fg_stats_binom_p(0, 50, 0.1), 2.0 * pow(0.9, 50), 1e-12);
    /* minimum a+b reaching 0.05/M at q = 1/2 (Example F): 12, 16, 18 */
    const size_t ms[] = {100, 1000, 5000};
    const unsigned want[] = {12, 16, 18};
    for (size_t i = 0; i < 3; i++) {
        unsigned n = 1;
        while (fg_stats_binom_p(n, n, 0.5) > 0.05 / (double)ms[i])
            n++;
        ck_assert_uint_eq(n, want[i]);
    }
}
END_TEST

START_TEST(test_binom_degenerate)
{
    ck_assert(fg_stats_binom_p(0, 0, 0.5) == 1.0);
    ck_assert(fg_stats_binom_p(5, 4, 0.5) == 1.0);
    ck_assert(fg_stats_binom_p(3, 10, 0.0) == 1.0);
    ck_assert(fg_stats_binom_p(3, 10, 1.0) == 1.0);
    ck_assert(fg_stats_binom_p(3, 10, -0.5) == 1.0);
    ck_assert(fg_stats_binom_p(3, 10, NAN) == 1.0);
    ck_assert(fg_stats_binom_p(3, 10, INFINITY) == 1.0);
    /* underflow is 0, never NaN (Example C, f1 under median-of-ratios) */
    ck_assert(fg_stats_binom_p(10000, 40000, 0.5) == 0.0);
    ck_assert(fg_stats_binom_p(0, UINT_MAX, 0.5) == 0.0);
}
END_TEST

/* Counts above UINT_MAX use the normal approximation; just below they use
 * GSL's exact CDF.  At b = n q + 3 sd both are close to 2 Q(3). */
START_TEST(test_binom_huge)
{
    const double q = 0.3;
    const uint64_t ns[] = {(uint64_t)UINT_MAX - 1000, (uint64_t)UINT_MAX + 1,
                           (uint64_t)1 << 40};
    for (size_t i = 0; i < 3; i++) {
        uint64_t n = ns[i];
        double sd = sqrt((double)n * q * (1 - q));
        uint64_t b = (uint64_t)((double)n * q + 3.0 * sd);
        double p = fg_stats_binom_p(b, n, q);
        CK_FINITE(p);
        CK_REL(p, 2.0 * gsl_cdf_ugaussian_Q(3.0), 2e-3);
        uint64_t lo = (uint64_t)((double)n * q - 3.0 * sd);
        CK_REL(fg_stats_binom_p(lo, n, q), 2.0 * gsl_cdf_ugaussian_Q(3.0),
               2e-3);
    }
    ck_assert(fg_stats_binom_p((uint64_t)1 << 39, (uint64_t)1 << 40, 0.5) ==
              1.0);
    /* the continuity correction: |b - nq| - 1/2 over the binomial sd */
    const uint64_t n33 = (uint64_t)1 << 33;
    double sd33 = sqrt((double)n33 * 0.25);
    CK_REL(fg_stats_binom_p(n33 / 2 + 1000, n33, 0.5),
           2.0 * gsl_cdf_ugaussian_Q(999.5 / sd33), 1e-12);
    CK_REL(fg_stats_binom_p(n33 / 2 - 1000, n33, 0.5),
           2.0 * gsl_cdf_ugaussian_Q(999.5 / sd33), 1e-12);
    ck_assert(fg_stats_binom_p(UINT64_MAX, UINT64_MAX, 0.5) == 0.0);
    ck_assert(fg_stats_binom_p(UINT64_MAX / 2, UINT64_MAX, 0.5) == 1.0);
}
END_TEST

/* ---- multiple testing (Example E) ---- */

START_TEST(test_adjust_example_e)
{
    const double p[8] = {2.603287e-11, 1.054746e-05, 4.0e-04, 1.928543e-03,
                         3.0e-03,      1.2e-02,      3.787793e-02, 6.5e-01};
    const char *bh[8] = {"2.082630e-10", "4.218984e-05", "1.066667e-03",
                         "3.857086e-03", "4.800000e-03", "1.600000e-02",
                         "4.328906e-02", "6.5e-01"};
    const char *holm[8] = {"2.082630e-10", "7.383222e-05", "2.400000e-03",
                           "9.642716e-03", "1.200000e-02", "3.600000e-02",
                           "7.575586e-02", "6.5e-01"};
    /* shuffled input order: adj[i] must follow p[i] */
    const size_t perm[8] = {6, 2, 7, 0, 4, 1, 5, 3};
    double sp[8], abh[8], aholm[8];
    for (size_t i = 0; i < 8; i++)
        sp[i] = p[perm[i]];
    fg_stats_bh(sp, 8, abh);
    fg_stats_holm(sp, 8, aholm);
    /* Adjusting the printed p-values can move the 7th digit of the table
     * (9.642715e-03 vs 9.642716e-03): 1e-6 relative.
     * test_adjust_example_e_chain feeds the computed p-values instead. */
    for (size_t i = 0; i < 8; i++) {
        CK_REL(abh[i], strtod(bh[perm[i]], NULL), 1e-6);
        CK_REL(aholm[i], strtod(holm[perm[i]], NULL), 1e-6);
    }
    /* the decision column: f_B is BH-significant but not Holm */
    ck_assert(abh[0] < 0.05 && aholm[0] >= 0.05);
    for (size_t i = 1; i < 8; i++)
        ck_assert((abh[i] < 0.05) == (perm[i] != 7));
    for (size_t i = 1; i < 8; i++)
        ck_assert((aholm[i] < 0.05) == (perm[i] < 6));
}
END_TEST

/* Reference adjustments straight from the definitions, O(m^2).  With ties
 * the rank of p_j is the number of p <= p_j (BH) and the number of p < p_j
 * plus one (Holm), which is what the running min/max give for tied runs. */
static void naive_adjust(const double *p, size_t m, double *bh, double *holm)
{
    for (size_t i = 0; i < m; i++) {
        double b = 1.0, h = 0.0;
        for (size_t j = 0; j < m; j++) {
            size_t le = 0, lt = 0;
            for (size_t k = 0; k < m; k++) {
                le += p[k] <= p[j];
                lt += p[k] < p[j];
            }
            if (p[j] >= p[i])
                b = fmin(b, fmin(1.0, (double)m * p[j] / (double)le));
            if (p[j] <= p[i])
                h = fmax(h, fmin(1.0, (double)(m - lt) * p[j]));
        }
        bh[i] = b;
        holm[i] = h;
    }
}

/* fg_stats_bh and fg_stats_holm of p[0..m) into bh and holm, each checked
 * against the definition to within tol. */
static void adjust_checked(const double *p, size_t m, double *bh,
                           double *holm, double tol)
{
    double *rbh = malloc(m * sizeof *rbh), *rholm = malloc(m * sizeof *rholm);
    ck_assert(rbh && rholm);
    fg_stats_bh(p, m, bh);
    fg_stats_holm(p, m, holm);
    naive_adjust(p, m, rbh, rholm);
    for (size_t i = 0; i < m; i++) {
        CK_REL(bh[i], rbh[i], tol);
        CK_REL(holm[i], rholm[i], tol);
    }
    free(rbh);
    free(rholm);
}

START_TEST(test_adjust_ties_zeros)
{
    const double p[] = {0.0, 0.01, 0.01, 0.0, 0.2, 0.01, 0.04, 1.0, 0.04};
    const size_t m = sizeof p / sizeof p[0];
    double bh[9], holm[9];
    adjust_checked(p, m, bh, holm, 1e-15);
    /* zeros stay 0; tied inputs get tied outputs */
    ck_assert(bh[0] == 0.0 && holm[3] == 0.0);
    ck_assert(bh[1] == bh[2] && bh[2] == bh[5]);
    ck_assert(holm[1] == holm[2] && holm[2] == holm[5]);
    /* 3 zeros... the 0.01 block: Holm (9-2)*0.01 = 0.07, BH 9*0.01/5 */
    CK_REL(holm[1], 0.07, 1e-15);
    CK_REL(bh[1], 0.018, 1e-15);
}
END_TEST

START_TEST(test_adjust_random)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    double p[60], bh[60], holm[60];
    for (int rep = 0; rep < 20; rep++) {
        size_t m = 1 + gsl_rng_uniform_int(r, 60);
        for (size_t i = 0; i < m; i++) {
            /* coarse values so that ties happen */
            p[i] = (double)gsl_rng_uniform_int(r, 40) / 400.0;
        }
        adjust_checked(p, m, bh, holm, 1e-14);
        for (size_t i = 0; i < m; i++)
            ck_assert(bh[i] >= p[i] && holm[i] >= bh[i] - 1e-15);
    }
    gsl_rng_free(r);
}
END_TEST

/* The weighted median by the definition: the smallest x whose weight
 * at or below it reaches half of the total. */
static double naive_weighted_median(const double *x, const double *w,
                                    size_t n)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double best = 0.0;
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        double below = 0.0;
        for (size_t j = 0; j < n; j++)
            if (x[j] <= x[i])
                below += w[j];
        if (below >= 0.5 * total * (1 + 1e-12) && (!found || x[i] < best)) {
            best = x[i];
            found = true;
        }
    }
    return best;
}

/*
 * From 64 values up the orders of the adjustments and the weighted median
 * come from a radix sort of the values' bit patterns: negative numbers,
 * both zeros, subnormals, huge values and many ties must sort as numbers.
 */
START_TEST(test_adjust_random_large)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    enum { M = 400 };
    static double p[M], bh[M], holm[M], w[M], x[M], hw[M];
    static const double odd[] = {-0.0, 0.0, 5e-324, -5e-324, 1e300, -1e300,
                                 -1.5, 2.25, 1e-310, -7.0};
    for (int rep = 0; rep < 12; rep++) {
        size_t m = 64 + gsl_rng_uniform_int(r, M - 63);
        for (size_t i = 0; i < m; i++) {
            p[i] = rep % 3 == 0 ? (double)gsl_rng_uniform_int(r, 40) / 400.0
                                : gsl_rng_uniform(r);
            w[i] = 0.5 + gsl_rng_uniform(r);
            x[i] = gsl_rng_uniform_int(r, 4) == 0
                       ? odd[gsl_rng_uniform_int(r, 10)]
                       : (gsl_rng_uniform(r) - 0.5) * 10.0;
        }
        adjust_checked(p, m, bh, holm, 1e-14);
        /* equal weights: the weighted Holm is Holm */
        for (size_t i = 0; i < m; i++)
            hw[i] = 2.0;
        fg_stats_holm_weighted(p, hw, m, hw);
        for (size_t i = 0; i < m; i++)
            CK_REL(hw[i], holm[i], 1e-12);
        double got = fg_stats_weighted_median(x, w, m);
        double want = naive_weighted_median(x, w, m);
        ck_assert_msg(got == want, "rep %d: weighted median %g, want %g", rep,
                      got, want);
    }
    gsl_rng_free(r);
}
END_TEST

/* Tukey's biweight location as fg_stats_biweight_location defines it,
 * written plainly: the weighted median by a sort, then 20 iterations with
 * the scale from GSL's median of the sorted residuals. */
static int cmp_pair(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

static double plain_biweight(const double *x, const double *w, size_t n)
{
    double *pr = malloc(2 * n * sizeof *pr), *ar = malloc(n * sizeof *ar),
           *sr = malloc(n * sizeof *sr);
    ck_assert(pr && ar && sr);
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        pr[2 * i] = x[i];
        pr[2 * i + 1] = w[i];
        total += w[i];
    }
    qsort(pr, n, 2 * sizeof *pr, cmp_pair);
    double c = pr[2 * (n - 1)], at = 0.0;
    for (size_t j = 0; j < n; j++) {
        at += pr[2 * j + 1];
        if (at >= 0.5 * total) {
            c = pr[2 * j];
            break;
        }
    }
    /* the residuals' weights first (0 beyond the cut: adding an exact 0
     * leaves a sum as it is), then the two sums in the same order */
    for (int it = 0; it < 20; it++) {
        for (size_t i = 0; i < n; i++)
            sr[i] = ar[i] = fabs(x[i] - c) * sqrt(w[i]);
        gsl_sort(sr, 1, n);
        double cut = 4.685 * fmax(1.4826 * gsl_stats_median_from_sorted_data(
                                              sr, 1, n),
                                  1.0);
        for (size_t i = 0; i < n; i++) {
            double u = ar[i] / cut, v = 1.0 - u * u;
            ar[i] = u < 1.0 ? v * v * w[i] : 0.0;
        }
        double sw = 0.0, sx = 0.0;
        for (size_t i = 0; i < n; i++)
            sw += ar[i];
        for (size_t i = 0; i < n; i++)
            sx += ar[i] * x[i];
        if (!(sw > 0.0))
            break;
        double before = c;
        c = sx / sw;
        if (fabs(c - before) < 1e-12 * (1.0 + fabs(before)))
            break;
    }
    free(pr);
    free(ar);
    free(sr);
    return c;
}

/* The biweight's medians start from the last iteration's (a partition
 * around it, then a selection): the location must be the plain
 * definition's to the last bit, with ties, outliers and both parities. */
START_TEST(test_biweight_exact)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 23);
    enum { N = 3001 };
    static double x[N], w[N];
    for (int rep = 0; rep < 16; rep++) {
        size_t n = 64 + gsl_rng_uniform_int(r, N - 63);
        for (size_t i = 0; i < n; i++) {
            /* coarse values (ties in the residuals), a tenth far out */
            x[i] = rep % 2 ? (double)gsl_rng_uniform_int(r, 9) / 50.0
                           : gsl_ran_gaussian(r, 0.05);
            if (gsl_rng_uniform(r) < 0.1)
                x[i] += 2.0;
            w[i] = rep % 4 < 2 ? 400.0 : 50.0 + gsl_rng_uniform(r) * 5000.0;
        }
        double got = fg_stats_biweight_location(x, w, n);
        double want = plain_biweight(x, w, n);
        ck_assert_msg(got == want, "rep %d (n %zu): %.17g, want %.17g", rep,
                      n, got, want);
    }
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_adjust_edges)
{
    double adj[4] = {-1, -1, -1, -1};
    fg_stats_bh(NULL, 0, adj);
    fg_stats_holm(NULL, 0, adj);
    ck_assert(adj[0] == -1); /* m = 0: nothing written */

    const double one = 0.03;
    fg_stats_bh(&one, 1, adj);
    ck_assert(adj[0] == 0.03);
    fg_stats_holm(&one, 1, adj);
    ck_assert(adj[0] == 0.03);

    /* NaN counts as 1, out-of-range values are clamped, in place works */
    double p[4] = {NAN, 2.0, -0.5, 0.01};
    fg_stats_holm(p, 4, p);
    ck_assert(p[0] == 1.0 && p[1] == 1.0 && p[2] == 0.0);
    CK_REL(p[3], 0.03, 1e-15);
    double q[4] = {NAN, 2.0, -0.5, 0.01};
    fg_stats_bh(q, 4, q);
    ck_assert(q[0] == 1.0 && q[1] == 1.0 && q[2] == 0.0);
    CK_REL(q[3], 0.02, 1e-15);
}
END_TEST

/* ---- median ---- */

START_TEST(test_median)
{
    double odd[] = {5, 1, 4, 2, 3};
    double even[] = {10, 1, 7, 2};
    ck_assert(fg_stats_median(odd, 5) == 3.0);
    ck_assert(fg_stats_median(even, 4) == 4.5);
    ck_assert(odd[0] == 5 && even[0] == 10); /* not modified */
    ck_assert(fg_stats_median(NULL, 0) == 0.0);
    const double one = -2.5;
    ck_assert(fg_stats_median(&one, 1) == -2.5);
    const double ties[] = {1, 1, 1, 2};
    ck_assert(fg_stats_median(ties, 4) == 1.0);
    /* non-finite values are skipped */
    const double nan3[] = {NAN, 3, INFINITY, 1, -INFINITY, 2};
    ck_assert(fg_stats_median(nan3, 6) == 2.0);
    const double allnan[] = {NAN, NAN};
    ck_assert(fg_stats_median(allnan, 2) == 0.0);
    const double huge[] = {DBL_MAX, DBL_MAX};
    CK_FINITE(fg_stats_median(huge, 2));
}
END_TEST

/* ---- size factors (Examples C, C2) ---- */

START_TEST(test_size_factors_example_c)
{
    const double base[] = {30000, 10000, 8000, 7000, 5000};
    const double cand[] = {10000, 10000, 8000, 7000, 5000};
    double counts[10], sf[2];
    for (size_t f = 0; f < 5; f++) {
        counts[2 * f] = base[f];
        counts[2 * f + 1] = cand[f];
    }
    ck_assert_uint_eq(fg_stats_size_factors(counts, 5, 2, 20, 5, sf), 5);
    CK_PRINTED(sf[0], "1.000000");
    CK_PRINTED(sf[1], "1.000000");
    double r = sf[1] / sf[0];
    double q = r / (1 + r);
    CK_REL(q, 0.5, 1e-12);
    /* unchanged f2 now gets p = 1; f1 (the optimization) underflows to 0 */
    ck_assert(fg_stats_binom_p(10000, 20000, q) == 1.0);
    ck_assert(fg_stats_binom_p(10000, 40000, q) == 0.0);
}
END_TEST

static const double C2_BASE[7] = {1200, 5000, 800, 3000, 400, 150, 0};
static const double C2_CAND[7] = {1404, 4600, 760, 2790, 385, 160, 12};

START_TEST(test_size_factors_example_c2)
{
    double counts[14], sf[2];
    for (size_t f = 0; f < 7; f++) {
        counts[2 * f] = C2_BASE[f];
        counts[2 * f + 1] = C2_CAND[f];
    }
    /* the zero row is excluded: 6 rows, an even count */
    ck_assert_uint_eq(fg_stats_size_factors(counts, 7, 2, 20, 5, sf), 6);
    CK_PRINTED(sf[0], "1.022631");
    CK_PRINTED(sf[1], "0.977870");
    double r = sf[1] / sf[0];
    CK_PRINTED(r, "0.956230");
    CK_REL(r, sqrt(0.95 * 0.9625), 1e-12);
    double q = r / (1 + r);
    CK_PRINTED(q, "0.488813");
    CK_PRINTED(fg_stats_binom_p(1404, 2604, q), "3.029427e-07");
    CK_PRINTED(fg_stats_binom_p(4600, 9600, q), "6.001282e-02");
    CK_PRINTED((1404.0 / 1200.0) / r, "1.22356");
    CK_PRINTED((4600.0 / 5000.0) / r, "0.96211");
    /* totals for contrast */
    CK_PRINTED(fg_stats_binom_p(1404, 2604, QA), "2.603287e-11");
}
END_TEST

START_TEST(test_size_factors_edges)
{
    /* three columns exactly proportional: factors are the scalings over
     * their geometric mean */
    const double scale[3] = {1.0, 2.0, 0.5};
    double counts[5 * 3], sf[3];
    for (size_t f = 0; f < 5; f++) {
        for (size_t j = 0; j < 3; j++)
            counts[f * 3 + j] = (double)(100 * (f + 1)) * scale[j];
    }
    ck_assert_uint_eq(fg_stats_size_factors(counts, 5, 3, 0, 1, sf), 5);
    for (size_t j = 0; j < 3; j++)
        CK_REL(sf[j], scale[j], 1e-12);

    /* too few qualifying rows: every factor is 1, the count is returned */
    const double few[] = {10, 20, 0, 5, 30, 40, 1, 1};
    double sf2[2] = {7, 7};
    ck_assert_uint_eq(fg_stats_size_factors(few, 4, 2, 20, 5, sf2), 2);
    ck_assert(sf2[0] == 1.0 && sf2[1] == 1.0);
    /* min_total filters: only rows summing to >= 60 */
    ck_assert_uint_eq(fg_stats_size_factors(few, 4, 2, 60, 1, sf2), 1);
    CK_REL(sf2[1] / sf2[0], 40.0 / 30.0, 1e-12);

    /* all zeros, NaN, negative and empty input */
    const double bad[] = {0, 0, NAN, 5, -1, 5, INFINITY, 3};
    ck_assert_uint_eq(fg_stats_size_factors(bad, 4, 2, 0, 0, sf2), 0);
    ck_assert(sf2[0] == 1.0 && sf2[1] == 1.0);
    ck_assert_uint_eq(fg_stats_size_factors(NULL, 0, 2, 0, 0, sf2), 0);
    ck_assert(sf2[0] == 1.0 && sf2[1] == 1.0);
    ck_assert_uint_eq(fg_stats_size_factors(NULL, 3, 0, 0, 0, NULL), 0);
    /* huge counts stay finite */
    const double big[] = {1e300, 1e300, 1e299, 1e300, 1e300, 1e301};
    ck_assert_uint_eq(fg_stats_size_factors(big, 3, 2, 0, 1, sf2), 3);
    CK_FINITE(sf2[0]);
    CK_FINITE(sf2[1]);
}
END_TEST

/* ---- z-test with overdispersion (Example A) ---- */

START_TEST(test_ztest_example_a)
{
    struct fg_ztest z;
    const double r = 54000.0 / 60000.0;
    /* section 7.3's assumed-BCV form has no pseudocounts */
    fg_stats_ztest_pseudo(1200, 1404, r, 0.0, 0.0, &z);
    CK_PRINTED(z.z, "6.6736");
    CK_PRINTED(z.p, "2.4965e-11");
    fg_stats_ztest_pseudo(1200, 1404, r, 0.05 * 0.05, 0.0, &z);
    CK_PRINTED(z.z, "3.2429");
    CK_PRINTED(z.p, "1.1833e-03");
    CK_REL(z.se, sqrt(1.0 / 1200 + 1.0 / 1404 + 2 * 0.0025), 1e-14);

    /* the default +0.5 pseudocounts: Example A's display log2 ratio, and
     * the z values within 0.1% */
    fg_stats_ztest(1200, 1404, r, 0.0, &z);
    CK_PRINTED(z.log_ratio / M_LN2, "0.37842");
    CK_REL(z.z, 6.6736, 1e-3);
    CK_REL(z.log_ratio, log(1404.5 / 1200.5) - log(r), 1e-14);
    CK_REL(z.se, sqrt(1 / 1200.5 + 1 / 1404.5), 1e-14);
    fg_stats_ztest(1200, 1404, r, 0.0025, &z);
    CK_REL(z.z, 3.2429, 1e-3);
    ck_assert(z.p > 1e-3 && z.p < 1.4e-3);
}
END_TEST

START_TEST(test_ztest_degenerate)
{
    struct fg_ztest z;
    /* new and vanished functions stay finite with the pseudocounts */
    fg_stats_ztest(0, 50, 1.0, 0.0, &z);
    CK_REL(z.log_ratio, log(50.5 / 0.5), 1e-14);
    CK_REL(z.se, sqrt(1 / 0.5 + 1 / 50.5), 1e-14);
    ck_assert(z.z > 3 && z.p < 2e-3);
    fg_stats_ztest(50, 0, 1.0, 0.01, &z);
    ck_assert(z.z < 0 && isfinite(z.p));
    fg_stats_ztest(0, 0, 1.0, 0.0, &z);
    ck_assert(z.z == 0.0 && z.p == 1.0);
    /* without pseudocounts a zero has no finite log ratio */
    fg_stats_ztest_pseudo(0, 50, 1.0, 0.0, 0.0, &z);
    ck_assert(z.z == 0.0 && z.p == 1.0 && z.se == 0.0);
    /* invalid input */
    const double bad[] = {-1, NAN, INFINITY};
    for (size_t i = 0; i < 3; i++) {
        fg_stats_ztest(bad[i], 10, 1.0, 0.0, &z);
        ck_assert(z.z == 0.0 && z.p == 1.0);
        fg_stats_ztest(10, bad[i], 1.0, 0.0, &z);
        ck_assert(z.z == 0.0 && z.p == 1.0);
        fg_stats_ztest(10, 20, bad[i], 0.0, &z);
        ck_assert(z.z == 0.0 && z.p == 1.0);
        fg_stats_ztest(10, 20, 1.0, bad[i], &z); /* alpha -> 0 */
        CK_REL(z.se, sqrt(1 / 10.5 + 1 / 20.5), 1e-14);
    }
    fg_stats_ztest(10, 20, 0.0, 0.0, &z);
    ck_assert(z.p == 1.0);
    /* huge counts: a 1% shift on 1e15 samples is certain, p underflows */
    fg_stats_ztest(1e15, 1.01e15, 1.0, 0.0, &z);
    CK_FINITE(z.z);
    ck_assert(z.p == 0.0);
    fg_stats_ztest(1e308, 1e308, 1e-300, 1e300, &z);
    CK_FINITE(z.z);
    CK_FINITE(z.se);
}
END_TEST

/* ---- overdispersion (section 9.2) ---- */

START_TEST(test_overdispersion_exact)
{
    /* all terms equal: median = L/(V + 2 alpha) = chi2 median exactly */
    const double a[] = {100, 100, 100, 0, 5};
    const double b[] = {200, 200, 200, 7, 0};
    double L = M_LN2 * M_LN2, V = 1.0 / 100 + 1.0 / 200;
    double want = (L / gsl_cdf_chisq_Pinv(0.5, 1) - V) / 2.0;
    CK_REL(fg_stats_overdispersion(a, b, 5, 1.0), want, 1e-9);
    /* r = 2 makes every log ratio 0: nothing left to explain */
    ck_assert(fg_stats_overdispersion(a, b, 5, 2.0) == 0.0);
    /* fewer than 3 usable entries (zeros are ignored) */
    ck_assert(fg_stats_overdispersion(a + 2, b + 2, 3, 1.0) == 0.0);
    ck_assert(fg_stats_overdispersion(NULL, NULL, 0, 1.0) == 0.0);
    /* invalid r */
    ck_assert(fg_stats_overdispersion(a, b, 5, 0.0) == 0.0);
    ck_assert(fg_stats_overdispersion(a, b, 5, NAN) == 0.0);
    ck_assert(fg_stats_overdispersion(a, b, 5, INFINITY) == 0.0);
    /* NaN and infinite counts are ignored */
    const double an[] = {100, NAN, 100, INFINITY, 100};
    const double bn[] = {200, 200, 200, 200, 200};
    CK_REL(fg_stats_overdispersion(an, bn, 5, 1.0), want, 1e-9);
    /* extreme ratios stay finite */
    const double ax[] = {1, 1, 1};
    const double bx[] = {1e300, 1e300, 1e300};
    double big = fg_stats_overdispersion(ax, bx, 3, 1e-300);
    CK_FINITE(big);
    ck_assert(big > 0 && big <= FG_STATS_ALPHA_MAX);
}
END_TEST


#define OD_F 1000
/* A simulated single-profile comparison: OD_F functions with shares of 1 to
 * 10 units, counts ~ Bin(N, share * exp(sigma eps)) on each side with
 * eps ~ N(0,1).  The log-normal noise adds sigma^2 per side to
 * Var(ln count): a negative binomial alpha = sigma^2. */
static double od_simulate(unsigned long seed, double sigma)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    const unsigned nb = 1000000, nc = 800000;
    double *a = malloc(OD_F * sizeof *a), *b = malloc(OD_F * sizeof *b);
    ck_assert(a && b);
    double w = 0.0;
    for (size_t f = 0; f < OD_F; f++)
        w += (double)(1 + f % 10);
    for (size_t f = 0; f < OD_F; f++) {
        double pi = (double)(1 + f % 10) / w;
        double pa = pi * exp(sigma * gsl_ran_ugaussian(rng));
        double pb = pi * exp(sigma * gsl_ran_ugaussian(rng));
        a[f] = gsl_ran_binomial(rng, fmin(pa, 1.0), nb);
        b[f] = gsl_ran_binomial(rng, fmin(pb, 1.0), nc);
    }
    gsl_rng_free(rng);
    double alpha = fg_stats_overdispersion(a, b, OD_F, (double)nc / nb);
    free(a);
    free(b);
    return alpha;
}

/*
 * Pure binomial sampling: the median z^2 sits at the chi^2(1) median, so the
 * estimate is 0 about half of the time and otherwise a small fraction of the
 * Poisson term 1/a + 1/b (~2.5e-3 here); over 200 seeds it never exceeded
 * 2.3e-4.  With log-normal noise of variance 0.01 (BCV 10%) it stayed
 * within 19% of the truth over 200 seeds, and for 0.04 within 17%.
 */
START_TEST(test_overdispersion_simulated)
{
    int zeros = 0;
    for (unsigned long seed = 1; seed <= 10; seed++) {
        double al = od_simulate(seed, 0.0);
        ck_assert_msg(al >= 0.0 && al < 5e-4, "seed %lu: alpha %g", seed, al);
        zeros += al == 0.0;
    }
    ck_assert_int_ge(zeros, 2);
    for (unsigned long seed = 1; seed <= 3; seed++) {
        CK_REL(od_simulate(seed, 0.1), 0.01, 0.3);
        CK_REL(od_simulate(seed, 0.2), 0.04, 0.3);
    }
}
END_TEST

/* ---- Welch t on log2 shares (Example D) ---- */

static const double D_A[5] = {1205, 1255, 1156, 1270, 1137};
static const double D_NA[5] = {30120, 29870, 30410, 29950, 30230};
static const double D_B[5] = {1451, 1325, 1425, 1347, 1404};
static const double D_NB[5] = {30050, 30310, 29780, 30190, 29920};

static void example_d_y(double *ya, double *yb)
{
    for (size_t i = 0; i < 5; i++) {
        ya[i] = fg_stats_log_share(D_A[i], D_NA[i]);
        yb[i] = fg_stats_log_share(D_B[i], D_NB[i]);
    }
}

START_TEST(test_welch_example_d)
{
    double ya[5], yb[5];
    example_d_y(ya, yb);
    const char *wa[5] = {"-4.643066", "-4.572412", "-4.716756", "-4.559136",
                         "-4.732090"};
    const char *wb[5] = {"-4.371797", "-4.515233", "-4.384852", "-4.485761",
                         "-4.413030"};
    for (size_t i = 0; i < 5; i++) {
        CK_PRINTED(ya[i], wa[i]);
        CK_PRINTED(yb[i], wb[i]);
    }
    CK_PRINTED(gsl_stats_mean(ya, 1, 5), "-4.644692");
    CK_PRINTED(gsl_stats_mean(yb, 1, 5), "-4.434135");
    CK_PRINTED(gsl_stats_variance(ya, 1, 5), "6.3447e-03");
    CK_PRINTED(gsl_stats_variance(yb, 1, 5), "4.0006e-03");
    double fa = fg_stats_poisson_floor(D_A, 5);
    double fb = fg_stats_poisson_floor(D_B, 5);
    CK_PRINTED(fa, "1.7304e-03");
    CK_PRINTED(fb, "1.4982e-03");

    struct fg_ttest t;
    ck_assert_int_eq(fg_stats_welch(ya, 5, yb, 5, fa, fb, &t), FG_OK);
    CK_PRINTED(t.diff, "0.210557");
    CK_PRINTED(pow(2.0, t.diff), "1.15714");
    CK_PRINTED(t.t, "4.628973");
    CK_PRINTED(t.df, "7.609343");
    CK_PRINTED(t.p, "1.928543e-03");
    CK_REL(t.se, t.diff / t.t, 1e-14);
    /* Holm with M = 8 (Example E row f_D) */
    CK_PRINTED(5.0 * t.p, "9.642716e-03");
    /* the other direction flips only the sign */
    struct fg_ttest u;
    ck_assert_int_eq(fg_stats_welch(yb, 5, ya, 5, fb, fa, &u), FG_OK);
    ck_assert(u.t == -t.t && u.p == t.p && u.df == t.df);
}
END_TEST

/* Example E from the p-values this module computes (Examples A, B2, D, B)
 * plus the table's synthetic ones.  The table mixes adjustments of rounded
 * and unrounded p (4.218984e-05 is 4 x the rounded 1.054746e-05, the exact
 * value gives ...985e-05), so both variants are held to 1e-6 relative. */
START_TEST(test_adjust_example_e_chain)
{
    double ya[5], yb[5];
    example_d_y(ya, yb);
    struct fg_ttest t;
    double fa = fg_stats_poisson_floor(D_A, 5);
    double fb = fg_stats_poisson_floor(D_B, 5);
    ck_assert_int_eq(fg_stats_welch(ya, 5, yb, 5, fa, fb, &t), FG_OK);
    const double p[8] = {fg_stats_binom_p(1404, 2604, QA),
                         fg_stats_binom_p(380, 680, QA),
                         4.0e-04,
                         t.p,
                         3.0e-03,
                         1.2e-02,
                         fg_stats_binom_p(45, 75, QA),
                         6.5e-01};
    const char *bh[8] = {"2.082630e-10", "4.218984e-05", "1.066667e-03",
                         "3.857086e-03", "4.800000e-03", "1.600000e-02",
                         "4.328906e-02", "6.5e-01"};
    const char *holm[8] = {"2.082630e-10", "7.383222e-05", "2.400000e-03",
                           "9.642716e-03", "1.200000e-02", "3.600000e-02",
                           "7.575586e-02", "6.5e-01"};
    double abh[8], aholm[8];
    fg_stats_bh(p, 8, abh);
    fg_stats_holm(p, 8, aholm);
    for (size_t i = 0; i < 8; i++) {
        CK_REL(abh[i], strtod(bh[i], NULL), 1e-6);
        CK_REL(aholm[i], strtod(holm[i], NULL), 1e-6);
    }
}
END_TEST

START_TEST(test_welch_floors)
{
    const double y1[] = {1.0, 1.1, 0.9};
    const double y2[] = {2.0, 2.2, 1.8};
    struct fg_ttest t;
    /* floors below the sample variances change nothing */
    ck_assert_int_eq(fg_stats_welch(y1, 3, y2, 3, 0.001, 0.001, &t), FG_OK);
    CK_REL(t.se, sqrt(0.01 / 3 + 0.04 / 3), 1e-12);
    CK_REL(t.df, pow(0.05 / 3, 2) /
                     (pow(0.01 / 3, 2) / 2 + pow(0.04 / 3, 2) / 2), 1e-12);
    /* a binding floor replaces the variance */
    ck_assert_int_eq(fg_stats_welch(y1, 3, y2, 3, 1.0, 0.0, &t), FG_OK);
    CK_REL(t.se, sqrt(1.0 / 3 + 0.04 / 3), 1e-12);
    CK_REL(t.diff, 1.0, 1e-12);
    CK_REL(t.p, fg_stats_t_p(t.t, t.df), 1e-15);
    /* equal floors, constant groups: the floor alone makes the test */
    const double c1[] = {3, 3, 3}, c2[] = {3.5, 3.5};
    ck_assert_int_eq(fg_stats_welch(c1, 3, c2, 2, 0.04, 0.04, &t), FG_OK);
    CK_REL(t.t, 0.5 / sqrt(0.04 / 3 + 0.04 / 2), 1e-12);
}
END_TEST

START_TEST(test_welch_degenerate)
{
    const double y[] = {1, 2, 3};
    const double c[] = {2, 2, 2}, d[] = {5, 5};
    const double bad[] = {1, NAN, 3}, inf[] = {1, INFINITY, 3};
    struct fg_ttest t;
    ck_assert_int_eq(fg_stats_welch(y, 1, y, 3, 0, 0, &t), FG_ESTATS);
    ck_assert(t.p == 1.0 && t.t == 0.0);
    ck_assert_int_eq(fg_stats_welch(y, 3, y, 0, 0, 0, &t), FG_ESTATS);
    ck_assert_int_eq(fg_stats_welch(bad, 3, y, 3, 0, 0, &t), FG_ESTATS);
    ck_assert(t.p == 1.0 && t.t == 0.0 && t.diff == 0.0);
    ck_assert_int_eq(fg_stats_welch(y, 3, inf, 3, 0, 0, &t), FG_ESTATS);
    /* identical values: equal means pass with p = 1, differing means have
     * no defined test without a floor */
    ck_assert_int_eq(fg_stats_welch(c, 3, c, 3, 0, 0, &t), FG_OK);
    ck_assert(t.t == 0.0 && t.p == 1.0 && t.df == 4.0);
    ck_assert_int_eq(fg_stats_welch(c, 3, d, 2, 0, 0, &t), FG_ESTATS);
    ck_assert(t.p == 1.0 && t.t == 0.0 && t.diff == 3.0);
    /* NaN and negative floors count as 0 */
    ck_assert_int_eq(fg_stats_welch(c, 3, d, 2, NAN, -1, &t), FG_ESTATS);
    /* huge values: no infinity escapes */
    const double h1[] = {-1e308, 1e308}, h2[] = {1e308, -1e308, 0};
    int rc = fg_stats_welch(h1, 2, h2, 3, 0, 0, &t);
    ck_assert(rc == FG_OK || rc == FG_ESTATS);
    CK_FINITE(t.t);
    CK_FINITE(t.p);
    CK_FINITE(t.df);
    CK_FINITE(t.se);
    CK_FINITE(t.diff);
    /* tiny variances: the df does not underflow */
    const double s1[] = {1e-150, 2e-150, 3e-150}, s2[] = {0, 1e-150, 2e-150};
    ck_assert_int_eq(fg_stats_welch(s1, 3, s2, 3, 0, 0, &t), FG_OK);
    CK_REL(t.df, 4.0, 1e-12);
    CK_REL(t.t, -1e-150 / sqrt(2e-300 / 3), 1e-9);
}
END_TEST

START_TEST(test_log_share_floor)
{
    CK_REL(fg_stats_log_share(0, 0), -1.0, 1e-15);
    CK_REL(fg_stats_log_share(1205, 30120), log2(1205.5 / 30121), 1e-15);
    CK_REL(fg_stats_log_share(-5, NAN), -1.0, 1e-15);
    CK_FINITE(fg_stats_log_share(INFINITY, 1));
    CK_FINITE(fg_stats_log_share(1, INFINITY));
    ck_assert(fg_stats_poisson_floor(NULL, 0) == 0.0);
    const double z[] = {0, -3, NAN};
    CK_REL(fg_stats_poisson_floor(z, 3), 2.0 / (M_LN2 * M_LN2), 1e-15);
    const double big[] = {INFINITY, 1e300};
    CK_FINITE(fg_stats_poisson_floor(big, 2));
}
END_TEST

/* ---- limma fitFDist, squeezeVar, moderated t ---- */

/* References from limma's formulas evaluated at 40 digits (mpmath); the
 * trigamma inverse stops at 1e-8 relative steps, as limma's does. */
START_TEST(test_fit_fdist_known)
{
    double s0, d0;
    const double x1[] = {0.5, 1.2, 0.3, 2.5, 0.8, 0.05, 1.7, 0.9};
    const double df4[] = {4, 4, 4, 4, 4, 4, 4, 4, 4};
    ck_assert_int_eq(fg_stats_fit_fdist(x1, df4, 8, &s0, &d0), FG_OK);
    CK_REL(s0, 0.5934438290028424, 1e-9);
    CK_REL(d0, 3.206827779100820, 1e-9);

    /* mixed df and a zero variance (offset to 1e-5 * median) */
    const double x2[] = {0.5, 1.2, 0.3, 2.5, 0.8, 0.0, 1.7, 0.9, 0.02};
    const double df2[] = {2, 3, 4, 5, 6, 7, 8, 3, 4};
    ck_assert_int_eq(fg_stats_fit_fdist(x2, df2, 9, &s0, &d0), FG_OK);
    CK_REL(s0, 0.01517765413752435, 1e-9);
    CK_REL(d0, 0.5285778723845367, 1e-9);

    /* more than half exactly zero: limma takes the median as 1 */
    const double x3[] = {0, 0, 0, 1, 2};
    ck_assert_int_eq(fg_stats_fit_fdist(x3, df4, 5, &s0, &d0), FG_OK);
    CK_REL(s0, 1.187079841680045e-05, 1e-9);
    CK_REL(d0, 0.3151412521614748, 1e-9);

    /* spread below what chi2_4 sampling explains: df_prior = "Inf",
     * s2_prior = mean variance */
    const double x4[] = {1.0, 1.1, 0.9, 1.05, 0.95};
    ck_assert_int_eq(fg_stats_fit_fdist(x4, df4, 5, &s0, &d0), FG_OK);
    CK_REL(s0, 1.0, 1e-12);
    ck_assert(d0 == FG_STATS_DF_INF);
    const double x5[] = {2, 2, 2, 2};
    ck_assert_int_eq(fg_stats_fit_fdist(x5, df4, 4, &s0, &d0), FG_OK);
    CK_REL(s0, 2.0, 1e-15);
    ck_assert(d0 == FG_STATS_DF_INF);
}
END_TEST

START_TEST(test_fit_fdist_degenerate)
{
    double s0 = 7, d0 = 7;
    const double x[] = {0.5, 1.2, 0.3, 2.5, 0.8, 0.05, 1.7, 0.9};
    const double df[] = {4, 4, 4, 4, 4, 4, 4, 4};
    ck_assert_int_eq(fg_stats_fit_fdist(x, df, 2, &s0, &d0), FG_ESTATS);
    ck_assert(s0 == 0.0 && d0 == 0.0);
    ck_assert_int_eq(fg_stats_fit_fdist(NULL, NULL, 0, &s0, &d0), FG_ESTATS);
    /* invalid entries are dropped, as limma does: the result equals the
     * fit without them */
    const double xb[] = {0.5, NAN, 1.2, 0.3, -1, 2.5, 0.8, 0.05, 1.7, 0.9,
                         INFINITY, 3.0};
    const double dfb[] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0};
    double s1, d1;
    ck_assert_int_eq(fg_stats_fit_fdist(xb, dfb, 12, &s1, &d1), FG_OK);
    CK_REL(s1, 0.5934438290028424, 1e-9);
    CK_REL(d1, 3.206827779100820, 1e-9);
    /* only two usable entries */
    const double x2[] = {1, NAN, 2, -5};
    ck_assert_int_eq(fg_stats_fit_fdist(x2, df, 4, &s0, &d0), FG_ESTATS);
    /* all zero */
    const double z[] = {0, 0, 0, 0};
    ck_assert_int_eq(fg_stats_fit_fdist(z, df, 4, &s0, &d0), FG_OK);
    CK_FINITE(s0);
    CK_FINITE(d0);
    ck_assert(s0 > 0 && d0 > 0);
    /* extreme spread and magnitudes */
    const double e[] = {1e-300, 1e300, 1, 1e-10, 1e10};
    ck_assert_int_eq(fg_stats_fit_fdist(e, df, 5, &s0, &d0), FG_OK);
    CK_FINITE(s0);
    CK_FINITE(d0);
}
END_TEST

/* 2000 features on 4 df with true variances drawn from the prior
 * s0^2 d0 / chi2_d0 (s0^2 = 0.01, d0 = 6).  Over 200 seeds s2_prior stayed
 * within 9% and df_prior within 25% in 198 (the df estimate is the noisy
 * one). */
START_TEST(test_fit_fdist_simulated)
{
    enum { NF = 2000 };
    double *s2 = malloc(NF * sizeof *s2), *df = malloc(NF * sizeof *df);
    ck_assert(s2 && df);
    for (unsigned long seed = 1; seed <= 3; seed++) {
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(rng, seed);
        for (size_t i = 0; i < NF; i++) {
            double sig2 = 0.01 * 6.0 / gsl_ran_chisq(rng, 6.0);
            s2[i] = sig2 * gsl_ran_chisq(rng, 4.0) / 4.0;
            df[i] = 4.0;
        }
        gsl_rng_free(rng);
        double s0, d0;
        ck_assert_int_eq(fg_stats_fit_fdist(s2, df, NF, &s0, &d0), FG_OK);
        CK_REL(s0, 0.01, 0.25);
        CK_REL(d0, 6.0, 0.25);
    }
    free(s2);
    free(df);
}
END_TEST

START_TEST(test_squeeze)
{
    CK_REL(fg_stats_squeeze(2.0, 4.0, 1.0, 6.0), (8.0 + 6.0) / 10.0, 1e-15);
    ck_assert(fg_stats_squeeze(2.0, 4.0, 1.0, 0.0) == 2.0);
    ck_assert(fg_stats_squeeze(2.0, 4.0, 1.0, INFINITY) == 1.0);
    CK_REL(fg_stats_squeeze(2.0, 4.0, 1.0, FG_STATS_DF_INF), 1.0, 1e-5);
    ck_assert(fg_stats_squeeze(2.0, 0.0, 1.0, 0.0) == 2.0);
    ck_assert(fg_stats_squeeze(2.0, 0.0, 1.0, 3.0) == 1.0);
    ck_assert(fg_stats_squeeze(2.0, NAN, 1.0, NAN) == 2.0);
    ck_assert(fg_stats_squeeze(NAN, 4.0, 1.0, 4.0) == 0.5);
    ck_assert(fg_stats_squeeze(2.0, -1.0, -3.0, 4.0) == 0.0);
    CK_FINITE(fg_stats_squeeze(1e308, 1e308, 1e308, 1e308));
    CK_FINITE(fg_stats_squeeze(INFINITY, INFINITY, INFINITY, INFINITY));
}
END_TEST

START_TEST(test_moderated_t)
{
    double ya[5], yb[5];
    example_d_y(ya, yb);
    double diff, s2;
    ck_assert_int_eq(fg_stats_pooled_var(ya, 5, yb, 5, &diff, &s2), FG_OK);
    CK_REL(s2, (gsl_stats_variance(ya, 1, 5) + gsl_stats_variance(yb, 1, 5))
                   / 2.0, 1e-12);
    CK_PRINTED(diff, "0.210557");

    /* df_prior = 0: Student's t; equal group sizes give Welch's t */
    struct fg_ttest t;
    ck_assert_int_eq(fg_stats_moderated_t(ya, 5, yb, 5, 0.0, 0.0, 0.0, &t),
                     FG_OK);
    CK_PRINTED(t.t, "4.628973");
    ck_assert(t.df == 8.0);
    CK_REL(t.p, 2.0 * gsl_cdf_tdist_Q(t.t, 8.0), 1e-14);
    ck_assert(t.p < 1.928543e-03); /* more df than Welch's 7.6 */

    /* a strong prior replaces the variance and adds its df (capped) */
    ck_assert_int_eq(fg_stats_moderated_t(ya, 5, yb, 5, 0.02, 1e9, 50, &t),
                     FG_OK);
    CK_REL(t.se, sqrt(0.02 * 0.4), 1e-6);
    ck_assert(t.df == 50.0);
    ck_assert_int_eq(fg_stats_moderated_t(ya, 5, yb, 5, 0.02, 12, 0, &t),
                     FG_OK);
    CK_REL(t.se, sqrt((8 * s2 + 12 * 0.02) / 20 * 0.4), 1e-12);
    ck_assert(t.df == 20.0);
    CK_REL(t.p, fg_stats_t_p(t.t, 20.0), 1e-15);

    /* the three-runs case of section 9.3: non-overlapping runs become
     * significant once the prior adds degrees of freedom */
    const double b3[] = {-1.20, -1.22, -1.18}, c3[] = {-0.98, -0.95, -1.00};
    struct fg_ttest w, m;
    ck_assert_int_eq(fg_stats_welch(b3, 3, c3, 3, 0, 0, &w), FG_OK);
    ck_assert_int_eq(fg_stats_moderated_t(b3, 3, c3, 3, 4e-4, 20, 0, &m),
                     FG_OK);
    ck_assert(m.df == 24.0 && m.p < w.p / 10.0);

    /* degenerate */
    ck_assert_int_eq(fg_stats_pooled_var(ya, 1, yb, 1, &diff, &s2),
                     FG_ESTATS);
    ck_assert(diff == 0.0 && s2 == 0.0);
    ck_assert_int_eq(fg_stats_pooled_var(ya, 0, yb, 5, &diff, &s2),
                     FG_ESTATS);
    ck_assert_int_eq(fg_stats_pooled_var(ya, 2, yb, 1, &diff, &s2), FG_OK);
    const double c[] = {1, 1, 1}, d[] = {2, 2, 2}, n[] = {1, NAN};
    ck_assert_int_eq(fg_stats_moderated_t(c, 3, d, 3, 0, 0, 0, &t),
                     FG_ESTATS);
    ck_assert(t.p == 1.0 && t.t == 0.0);
    ck_assert_int_eq(fg_stats_moderated_t(c, 3, d, 3, 0.01, 4, 0, &t), FG_OK);
    CK_REL(t.df, 8.0, 0);
    ck_assert_int_eq(fg_stats_moderated_t(c, 3, c, 3, 0, 0, 0, &t), FG_OK);
    ck_assert(t.t == 0.0 && t.p == 1.0);
    ck_assert_int_eq(fg_stats_moderated_t(n, 2, d, 3, 0.01, 4, 0, &t),
                     FG_ESTATS);
    ck_assert_int_eq(fg_stats_moderated_t(c, 3, d, 3, NAN, NAN, NAN, &t),
                     FG_ESTATS);
    ck_assert_int_eq(fg_stats_moderated_t(c, 3, d, 3, 1, INFINITY, 0, &t),
                     FG_OK);
    CK_FINITE(t.df);
    CK_REL(t.se, sqrt(2.0 / 3.0), 1e-15);
}
END_TEST

/* ---- p-values and quantiles ---- */

START_TEST(test_t_p_quantiles)
{
    CK_REL(fg_stats_t_quantile(0.025, 4), 2.7764451051977987, 1e-9);
    CK_REL(fg_stats_z_quantile(0.025), 1.959963984540054, 1e-12);
    CK_REL(fg_stats_t_quantile(0.025, INFINITY), 1.959963984540054, 1e-12);
    ck_assert(fg_stats_z_quantile(0.5) == 0.0);
    CK_REL(fg_stats_z_quantile(0.975), -1.959963984540054, 1e-12);
    /* round trips */
    const double dfs[] = {1, 2.5, 7.609343, 30, 1000};
    for (size_t i = 0; i < 5; i++) {
        double q = fg_stats_t_quantile(0.005, dfs[i]);
        CK_REL(fg_stats_t_p(q, dfs[i]), 0.01, 1e-8);
    }
    CK_REL(fg_stats_t_p(1.959963984540054, INFINITY), 0.05, 1e-12);
    /* degenerate: always finite */
    ck_assert(fg_stats_t_p(NAN, 4) == 1.0);
    ck_assert(fg_stats_t_p(2, 0) == 1.0);
    ck_assert(fg_stats_t_p(2, -1) == 1.0);
    ck_assert(fg_stats_t_p(2, NAN) == 1.0);
    ck_assert(fg_stats_t_p(INFINITY, 4) == 0.0);
    ck_assert(fg_stats_t_p(-INFINITY, 4) == 0.0);
    ck_assert(fg_stats_t_p(0, 4) == 1.0);
    ck_assert(fg_stats_z_quantile(NAN) == 0.0);
    ck_assert(fg_stats_t_quantile(NAN, 4) == 0.0);
    ck_assert(fg_stats_t_quantile(0.05, 0) == 0.0);
    ck_assert(fg_stats_t_quantile(0.05, NAN) == 0.0);
    const double ps[] = {0, -1, 1, 2, 1e-320, INFINITY};
    const double ds[] = {1e-3, 0.5, 1, 4, 1e300};
    for (size_t i = 0; i < 6; i++) {
        CK_FINITE(fg_stats_z_quantile(ps[i]));
        for (size_t j = 0; j < 5; j++)
            CK_FINITE(fg_stats_t_quantile(ps[i], ds[j]));
    }
    ck_assert(fg_stats_z_quantile(0) > 30.0);
    ck_assert(fg_stats_z_quantile(1) < -5.0);
}
END_TEST

/* ---- power and minimum detectable effect (Example F) ---- */

START_TEST(test_power_example_f)
{
    CK_PRINTED(fg_stats_z_quantile(0.05 / 2000), "4.0556");
    CK_PRINTED(fg_stats_z_quantile(0.05 / 200), "3.4808");
    const struct {
        size_t m;
        double p0, p1;
        double n;
    } f[] = {{1000, 0.05, 0.055, 95429}, {1000, 0.02, 0.025, 42187},
             {1000, 0.10, 0.11, 45065},  {100, 0.05, 0.055, 74340},
             {100, 0.02, 0.025, 32864},  {100, 0.10, 0.11, 35106}};
    for (size_t i = 0; i < 6; i++) {
        double n = fg_stats_samples_needed(f[i].p0, f[i].p1, f[i].m, 0.05,
                                           0.8);
        ck_assert_msg(ceil(n) == f[i].n, "row %zu: %.3f", i, n);
        /* the MDE at exactly that N is the relative change of the row */
        double want = (f[i].p1 - f[i].p0) / f[i].p0;
        CK_REL(fg_stats_mde(n, n, f[i].p0, f[i].m, 0.05, 0.8), want, 1e-9);
        /* one sample more detects a slightly smaller change */
        double d = fg_stats_mde(ceil(n), ceil(n), f[i].p0, f[i].m, 0.05, 0.8);
        ck_assert(d < want && d > 0.999 * want);
    }
}
END_TEST

START_TEST(test_mde_noise)
{
    const double nb = 3000, nc = 1200, p0 = 0.03, z =
        fg_stats_z_quantile(0.05 / 400) + fg_stats_z_quantile(0.2);
    /* the defining equation on the log scale holds at the returned d */
    for (int i = 0; i < 3; i++) {
        double extra = i == 0 ? 0.0 : i == 1 ? 0.01 : 0.2;
        double d = fg_stats_mde_noise(nb, nc, p0, 200, 0.05, 0.8, extra);
        double p1 = p0 * (1 + d);
        CK_REL(log1p(d),
               z * sqrt((1 - p0) / (nb * p0) + (1 - p1) / (nc * p1) + extra),
               1e-9);
    }
    /* without noise it agrees with the linear-scale MDE to a few percent */
    double lin = fg_stats_mde(2000, 2000, 0.05, 100, 0.05, 0.8);
    double lg = fg_stats_mde_noise(2000, 2000, 0.05, 100, 0.05, 0.8, 0.0);
    ck_assert_msg(fabs(lg - lin) < 0.15 * lin, "%g vs %g", lg, lin);
    /* noise only ever raises it, and a lot of noise a lot */
    double d0 = fg_stats_mde_noise(nb, nc, p0, 200, 0.05, 0.8, 0.0);
    double d1 = fg_stats_mde_noise(nb, nc, p0, 200, 0.05, 0.8, 0.01);
    double d2 = fg_stats_mde_noise(nb, nc, p0, 200, 0.05, 0.8, 0.2);
    ck_assert(d0 < d1 && d1 < d2 && d2 > 3.0);
    /* negative and NaN noise count as none */
    ck_assert(fg_stats_mde_noise(nb, nc, p0, 200, 0.05, 0.8, -1) == d0);
    ck_assert(fg_stats_mde_noise(nb, nc, p0, 200, 0.05, 0.8, NAN) == d0);
    /* invalid input and absurd noise: the cap, never infinity */
    ck_assert(fg_stats_mde_noise(0, nc, p0, 1, 0.05, 0.8, 0) ==
              FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde_noise(nb, nc, 1, 1, 0.05, 0.8, 0) ==
              FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde_noise(nb, nc, p0, 1, 0.05, 0.8, 1e6) ==
              FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde_noise(nb, nc, p0, 1, 0.05, 0.8, INFINITY) ==
              FG_STATS_MDE_MAX);
}
END_TEST

START_TEST(test_mde_properties)
{
    /* unequal sides solve the generalised equation */
    const double nb = 3000, nc = 1200, p0 = 0.03;
    double d = fg_stats_mde(nb, nc, p0, 200, 0.05, 0.8);
    double p1 = p0 * (1 + d);
    double z = fg_stats_z_quantile(0.05 / 400) + fg_stats_z_quantile(0.2);
    CK_REL(p0 * d, z * sqrt(p0 * (1 - p0) / nb + p1 * (1 - p1) / nc), 1e-12);
    /* more samples, larger share, fewer tests, less power: smaller MDE */
    ck_assert(fg_stats_mde(6000, 2400, p0, 200, 0.05, 0.8) < d);
    ck_assert(fg_stats_mde(nb, nc, 0.06, 200, 0.05, 0.8) < d);
    ck_assert(fg_stats_mde(nb, nc, p0, 20, 0.05, 0.8) < d);
    ck_assert(fg_stats_mde(nb, nc, p0, 200, 0.05, 0.5) < d);
    /* m = 0 counts as 1 */
    ck_assert(fg_stats_mde(nb, nc, p0, 0, 0.05, 0.8) ==
              fg_stats_mde(nb, nc, p0, 1, 0.05, 0.8));
    /* a typical CI profile: 2000 samples, a 5% function, 100 functions */
    double ci = fg_stats_mde(2000, 2000, 0.05, 100, 0.05, 0.8);
    ck_assert(ci > 0.5 && ci < 1.5);
    /* undetectable or invalid: the cap, never infinity */
    ck_assert(fg_stats_mde(0, 100, p0, 1, 0.05, 0.8) == FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde(100, NAN, p0, 1, 0.05, 0.8) == FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde(100, 100, 0, 1, 0.05, 0.8) == FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde(100, 100, 1, 1, 0.05, 0.8) == FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde(100, 100, p0, 1, 0, 0.8) == FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde(100, 100, p0, 1, 0.05, 1) == FG_STATS_MDE_MAX);
    ck_assert(fg_stats_mde(1, 1, 1e-12, 1000, 0.05, 0.8) ==
              FG_STATS_MDE_MAX);
    CK_FINITE(fg_stats_mde(INFINITY, INFINITY, 0.5, 1, 0.05, 0.8));
    CK_FINITE(fg_stats_mde(1e308, 1e308, 1e-300, SIZE_MAX, 0.05, 0.99));
    /* power below the level: detected with no change */
    ck_assert(fg_stats_mde(100, 100, p0, 1, 0.5, 0.1) == 0.0);
    ck_assert(fg_stats_samples_needed(0.1, 0.1, 1, 0.05, 0.8) == 0.0);
    ck_assert(fg_stats_samples_needed(-0.1, 0.1, 1, 0.05, 0.8) == 0.0);
    ck_assert(fg_stats_samples_needed(0.1, 0.2, 1, NAN, 0.8) == 0.0);
}
END_TEST

/* ---- no NaN or infinity from any function on hostile input ---- */

/* Weighted Holm (Holm 1979): equal weights are plain Holm; a heavier
 * hypothesis is tested at a larger share of alpha; the adjusted values
 * are monotone in the order of p / w. */
START_TEST(test_holm_weighted)
{
    const double p[] = {0.01, 0.04, 0.03, 0.005, 0.5};
    const double one[] = {1, 1, 1, 1, 1};
    double a[5], b[5];
    fg_stats_holm(p, 5, a);
    fg_stats_holm_weighted(p, one, 5, b);
    for (int i = 0; i < 5; i++)
        ck_assert_double_eq_tol(a[i], b[i], 1e-15);
    /* two hypotheses, weights 3 and 1: the first at alpha 3/4, then the
     * second at alpha (p / w * remaining weight) */
    const double q[] = {0.03, 0.02};
    const double w[] = {3, 1};
    double c[2];
    fg_stats_holm_weighted(q, w, 2, c);
    /* p/w: 0.01 and 0.02 -> the first goes first: 0.03 * 4 / 3 = 0.04,
     * then the second alone: max(0.04, 0.02 * 1 / 1) */
    ck_assert_double_eq_tol(c[0], 0.04, 1e-15);
    ck_assert_double_eq_tol(c[1], 0.04, 1e-15);
    /* a small weight sends its hypothesis last: the heavy one is tested
     * at p * 1.1, the light one then with what is left (0.1 of 0.1) */
    const double r[] = {0.001, 0.001};
    const double v[] = {0.1, 1};
    double d[2];
    fg_stats_holm_weighted(r, v, 2, d);
    ck_assert_double_eq_tol(d[1], 0.001 * 1.1, 1e-15);
    ck_assert_double_eq_tol(d[0], 0.001 * 1.1, 1e-15);
    /* ... and alone a light hypothesis pays for its weight */
    const double r1[] = {0.001, 0.5};
    fg_stats_holm_weighted(r1, v, 2, d);
    ck_assert_double_eq_tol(d[0], 0.001 * 1.1 / 0.1, 1e-15);
    /* adjusted values never exceed 1 */
    const double big[] = {0.9, 0.8};
    fg_stats_holm_weighted(big, v, 2, d);
    ck_assert(d[0] <= 1.0 && d[1] <= 1.0);
}
END_TEST

/* The robust locations: a weighted median ignores less than half the
 * weight far away; the biweight keeps its centre in the bulk whatever the
 * weight of one far outlier, and is the weighted mean without one. */
START_TEST(test_robust_locations)
{
    const double x[] = {0.0, 0.1, -0.1, 0.05, 2.0};
    const double w[] = {1, 1, 1, 1, 3.9};
    ck_assert_double_eq(fg_stats_weighted_median(x, w, 5), 0.1);
    const double w2[] = {1, 1, 1, 1, 4.1};
    ck_assert_double_eq(fg_stats_weighted_median(x, w2, 5), 2.0);
    /* non-finite values and non-positive weights are skipped */
    const double xn[] = {NAN, 1.0, 3.0, INFINITY};
    const double wn[] = {1, 1, 1, 1};
    ck_assert_double_eq(fg_stats_weighted_median(xn, wn, 4), 1.0);
    ck_assert_double_eq(fg_stats_weighted_median(xn, wn, 0), 0.0);
    /* biweight: precision weights (1/se^2), one function 40 standard
     * errors out holding 45% of the weight gets no say */
    double bx[12], bw[12];
    for (int i = 0; i < 11; i++) {
        bx[i] = 0.01 * (i - 5) / 5.0; /* within +-1 se of 0 */
        bw[i] = 10000;                /* se 0.01 */
    }
    bx[11] = 0.4;
    bw[11] = 90000;
    double c = fg_stats_biweight_location(bx, bw, 12);
    ck_assert_msg(fabs(c) < 0.005, "biweight %g", c);
    /* without an outlier it is close to the weighted mean */
    const double mx[] = {1.0, 1.2, 0.9, 1.1};
    const double mw[] = {1, 1, 1, 1};
    ck_assert_double_eq_tol(fg_stats_biweight_location(mx, mw, 4), 1.05,
                            0.01);
    ck_assert_double_eq(fg_stats_biweight_location(mx, mw, 0), 0.0);
}
END_TEST

START_TEST(test_no_nan_anywhere)
{
    const double v[] = {0, -1, 1, 0.5, NAN, INFINITY, -INFINITY, 1e308,
                        -1e308, 1e-308, 4.9e-324};
    const size_t nv = sizeof v / sizeof v[0];
    double adj[11], sf[11];
    struct fg_ztest z;
    struct fg_ttest t;
    for (size_t i = 0; i < nv; i++) {
        CK_FINITE(fg_stats_binom_p(3, 10, v[i]));
        CK_FINITE(fg_stats_t_p(v[i], 3));
        CK_FINITE(fg_stats_z_quantile(v[i]));
        CK_FINITE(fg_stats_log_share(v[i], v[i]));
        for (size_t j = 0; j < nv; j++) {
            CK_FINITE(fg_stats_t_p(v[i], v[j]));
            CK_FINITE(fg_stats_t_quantile(v[i], v[j]));
            CK_FINITE(fg_stats_squeeze(v[i], v[j], v[j], v[i]));
            CK_FINITE(fg_stats_squeeze(v[i], 4, v[j], 6));
            CK_FINITE(fg_stats_mde(v[i], v[j], 0.05, 10, 0.05, 0.8));
            CK_FINITE(fg_stats_mde(100, 100, v[i], 10, v[j], 0.8));
            CK_FINITE(fg_stats_samples_needed(v[i], v[j], 10, 0.05, 0.8));
            for (size_t k = 0; k < nv; k++) {
                fg_stats_ztest(v[i], v[j], v[k], v[(i + j) % nv], &z);
                CK_FINITE(z.z);
                CK_FINITE(z.p);
                CK_FINITE(z.se);
                CK_FINITE(z.log_ratio);
                ck_assert(z.p >= 0.0 && z.p <= 1.0);
            }
        }
    }
    /* the array functions on the whole hostile vector */
    fg_stats_bh(v, nv, adj);
    for (size_t i = 0; i < nv; i++)
        ck_assert(adj[i] >= 0.0 && adj[i] <= 1.0);
    fg_stats_holm(v, nv, adj);
    for (size_t i = 0; i < nv; i++)
        ck_assert(adj[i] >= 0.0 && adj[i] <= 1.0);
    CK_FINITE(fg_stats_median(v, nv));
    CK_FINITE(fg_stats_poisson_floor(v, nv));
    for (size_t r = 0; r < nv; r++)
        CK_FINITE(fg_stats_overdispersion(v, v + 1, nv - 1, v[r]));
    fg_stats_size_factors(v, 5, 2, 0, 0, sf);
    CK_FINITE(sf[0]);
    CK_FINITE(sf[1]);
    double s0, d0;
    int rc = fg_stats_fit_fdist(v, v + 1, nv - 1, &s0, &d0);
    ck_assert(rc == FG_OK || rc == FG_ESTATS);
    CK_FINITE(s0);
    CK_FINITE(d0);
    fg_stats_welch(v, 3, v + 3, 4, v[4], v[5], &t);
    CK_FINITE(t.t);
    CK_FINITE(t.p);
    CK_FINITE(t.df);
    fg_stats_moderated_t(v, 2, v + 2, 2, v[5], v[5], v[4], &t);
    CK_FINITE(t.t);
    CK_FINITE(t.p);
    CK_FINITE(t.df);
}
END_TEST

Suite *stats_suite(void); /* called from check_main.c */

Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("examples");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_gsl_sanity);
    tcase_add_test(tc, test_gsl_handler_off);
    tcase_add_test(tc, test_binom_examples);
    tcase_add_test(tc, test_size_factors_example_c);
    tcase_add_test(tc, test_size_factors_example_c2);
    tcase_add_test(tc, test_ztest_example_a);
    tcase_add_test(tc, test_welch_example_d);
    tcase_add_test(tc, test_adjust_example_e);
    tcase_add_test(tc, test_adjust_example_e_chain);
    tcase_add_test(tc, test_power_example_f);
    suite_add_tcase(s, tc);

    tc = tcase_create("units");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_binom_tails);
    tcase_add_test(tc, test_binom_degenerate);
    tcase_add_test(tc, test_binom_huge);
    tcase_add_test(tc, test_adjust_ties_zeros);
    tcase_add_test(tc, test_adjust_random);
    tcase_add_test(tc, test_adjust_random_large);
    tcase_add_test(tc, test_biweight_exact);
    tcase_add_test(tc, test_adjust_edges);
    tcase_add_test(tc, test_median);
    tcase_add_test(tc, test_size_factors_edges);
    tcase_add_test(tc, test_ztest_degenerate);
    tcase_add_test(tc, test_overdispersion_exact);
    tcase_add_test(tc, test_welch_floors);
    tcase_add_test(tc, test_welch_degenerate);
    tcase_add_test(tc, test_log_share_floor);
    tcase_add_test(tc, test_fit_fdist_known);
    tcase_add_test(tc, test_fit_fdist_degenerate);
    tcase_add_test(tc, test_squeeze);
    tcase_add_test(tc, test_moderated_t);
    tcase_add_test(tc, test_t_p_quantiles);
    tcase_add_test(tc, test_mde_properties);
    tcase_add_test(tc, test_mde_noise);
    tcase_add_test(tc, test_no_nan_anywhere);
    tcase_add_test(tc, test_holm_weighted);
    tcase_add_test(tc, test_robust_locations);
    suite_add_tcase(s, tc);

    tc = tcase_create("simulated");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_overdispersion_simulated);
    tcase_add_test(tc, test_fit_fdist_simulated);
    suite_add_tcase(s, tc);
    return s;
}
