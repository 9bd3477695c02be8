/*
 * check_overdisp.c - the overdispersion module (overdisp.h): the contract of
 * fg_overdisp_tests on degenerate input and on too few functions to learn
 * the noise, recovery of a known per-stack noise alpha from seeded
 * simulations, robustness of that estimate to new and changed functions,
 * the interval it reports, a small A/A calibration run of the p-values, and
 * the replicate-comparison estimator fg_overdisp_trend.
 */
#include "analysis/overdisp.h"
#include "analysis/stats.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static void setup(void)
{
    fg_stats_init();
}

/* Poison every field so that "left neutral" cannot pass by accident. */
static void poison(struct fg_overdisp_test *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        o[i].log_ratio = 42.0;
        o[i].se = 42.0;
        o[i].z = 42.0;
        o[i].p = 42.0;
        o[i].half = 42.0;
        o[i].alpha = 42.0;
    }
}

static void assert_neutral(const struct fg_overdisp_test *o, size_t i)
{
    ck_assert_msg(o->p == 1.0 && o->z == 0.0 && o->log_ratio == 0.0 &&
                      o->half == 0.0 && o->alpha == 0.0,
                  "entry %zu not neutral: p %g z %g lr %g half %g alpha %g",
                  i, o->p, o->z, o->log_ratio, o->half, o->alpha);
}

static void assert_finite(const struct fg_overdisp_test *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct fg_overdisp_test *t = &o[i];
        ck_assert_msg(isfinite(t->log_ratio) && isfinite(t->se) &&
                          isfinite(t->z) && isfinite(t->p) &&
                          isfinite(t->half) && isfinite(t->alpha),
                      "entry %zu not finite: lr %g se %g z %g p %g half %g "
                      "alpha %g",
                      i, t->log_ratio, t->se, t->z, t->p, t->half, t->alpha);
        ck_assert_msg(t->p >= 0.0 && t->p <= 1.0, "entry %zu: p = %g", i,
                      t->p);
        ck_assert_msg(t->half >= 0.0 && t->alpha >= 0.0 &&
                          t->alpha <= FG_OVERDISP_MAX,
                      "entry %zu: half %g alpha %g", i, t->half, t->alpha);
    }
}

/* Bit-for-bit equal outputs (same arithmetic on the same inputs). */
static void assert_same(const struct fg_overdisp_test *x,
                        const struct fg_overdisp_test *y, size_t i)
{
    ck_assert_msg(x->log_ratio == y->log_ratio && x->se == y->se &&
                      x->z == y->z && x->p == y->p && x->half == y->half &&
                      x->alpha == y->alpha,
                  "entry %zu differs: p %.17g vs %.17g, half %.17g vs %.17g, "
                  "alpha %.17g vs %.17g",
                  i, x->p, y->p, x->half, y->half, x->alpha, y->alpha);
}

static double log_uniform(gsl_rng *rng, double lo, double hi)
{
    return lo * exp(log(hi / lo) * gsl_rng_uniform(rng));
}

/*
 * n functions whose log ratio is exactly the model of overdisp.h: base
 * count a in [200, 5000] (log-uniform), h in [0.1, 2], and
 * ln(b/a) ~ N(0, 1/a + 1/b + h alpha) with b ~ a under "no change", so
 * 2/a stands for 1/a + 1/b; b is rounded to a count.  Drawn from seed.
 */
static void sim_model(unsigned long seed, size_t n, double alpha, double *a,
                      double *b, double *h)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (size_t i = 0; i < n; i++) {
        a[i] = round(log_uniform(rng, 200.0, 5000.0));
        h[i] = 0.1 + 1.9 * gsl_rng_uniform(rng);
        double lr = gsl_ran_gaussian(rng, sqrt(2.0 / a[i] + h[i] * alpha));
        b[i] = round(a[i] * exp(lr));
    }
    gsl_rng_free(rng);
}

/* ---- degenerate input ------------------------------------------------- */

START_TEST(test_empty)
{
    struct fg_overdisp_test o[1];
    poison(o, 1);
    bool est = true;
    double a[1] = {100}, b[1] = {200}, h[1] = {1};
    ck_assert(fg_overdisp_tests(a, b, h, 0, 1.0, 0.05, o, &est) == 0.0);
    ck_assert(!est);
    /* n = 0 means out[0] is not ours to write */
    ck_assert(o[0].p == 42.0);
}
END_TEST

START_TEST(test_bad_ratio)
{
    /* enough informative functions that a valid r would estimate alpha */
    enum { N = 30 };
    double a[N], b[N], h[N];
    sim_model(11, N, 0.05, a, b, h);
    const double bad[] = {NAN, 0.0, -0.0, -1.0, INFINITY, -INFINITY};
    struct fg_overdisp_test o[N];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        poison(o, N);
        bool est = true;
        double al = fg_overdisp_tests(a, b, h, N, bad[k], 0.05, o, &est);
        ck_assert_msg(al == 0.0, "r = %g: alpha %g", bad[k], al);
        ck_assert_msg(!est, "r = %g: estimated", bad[k]);
        for (size_t i = 0; i < N; i++)
            assert_neutral(&o[i], i);
    }
    /* control: the same data with r = 1 does estimate */
    bool est = false;
    double al = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, o, &est);
    ck_assert(est && al > 0.0);
}
END_TEST

START_TEST(test_degenerate_entries)
{
    /* 40 ordinary functions, then the same with bad entries interleaved:
     * the bad ones are neutral and do not touch the others' results */
    enum { N = 40, BAD = 7 };
    double a[N], b[N], h[N];
    sim_model(12, N, 0.03, a, b, h);
    const double ba[BAD] = {-1.0, NAN, 10.0, 0.0, INFINITY, 5.0, -3.0};
    const double bb[BAD] = {10.0, 10.0, NAN, 0.0, 10.0, -2.0, -3.0};
    double A[N + BAD], B[N + BAD], H[N + BAD];
    bool bad[N + BAD] = {false};
    size_t map[N + BAD];
    for (size_t i = 0, j = 0, k = 0; i < N + BAD; i++) {
        if (i % 6 == 2 && k < BAD) {
            A[i] = ba[k];
            B[i] = bb[k];
            H[i] = 1.0;
            bad[i] = true;
            k++;
        } else {
            ck_assert(j < N);
            A[i] = a[j];
            B[i] = b[j];
            H[i] = h[j];
            map[i] = j++;
        }
    }
    struct fg_overdisp_test ref[N], o[N + BAD];
    bool est0 = false, est1 = false;
    double al0 = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, ref, &est0);
    poison(o, N + BAD);
    double al1 = fg_overdisp_tests(A, B, H, N + BAD, 1.0, 0.05, o, &est1);
    ck_assert(est0 && est1);
    ck_assert_msg(al0 == al1, "alpha %.17g vs %.17g", al0, al1);
    size_t nbad = 0;
    for (size_t i = 0; i < N + BAD; i++) {
        if (bad[i]) {
            assert_neutral(&o[i], i);
            nbad++;
        } else {
            assert_same(&o[i], &ref[map[i]], i);
        }
    }
    ck_assert_uint_eq(nbad, BAD);
    assert_finite(o, N + BAD);
}
END_TEST

START_TEST(test_bad_h)
{
    /* a NaN or negative concentration carries no information: exactly the
     * same results as h = 0 for that function */
    enum { N = 30 };
    double a[N], b[N], h[N], h2[N];
    sim_model(13, N, 0.05, a, b, h);
    const double bad[] = {NAN, -1.0, -INFINITY};
    struct fg_overdisp_test ref[N], o[N];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        for (size_t i = 0; i < N; i++)
            h2[i] = h[i];
        h2[3] = 0.0;
        h2[17] = 0.0;
        double al0 = fg_overdisp_tests(a, b, h2, N, 1.0, 0.05, ref, NULL);
        h2[3] = bad[k];
        h2[17] = bad[k];
        double al1 = fg_overdisp_tests(a, b, h2, N, 1.0, 0.05, o, NULL);
        ck_assert_msg(al0 == al1, "h = %g: alpha %.17g vs %.17g", bad[k],
                      al0, al1);
        for (size_t i = 0; i < N; i++)
            assert_same(&o[i], &ref[i], i);
        assert_finite(o, N);
    }
    /* every h bad: nothing informs alpha, plain tests, still finite */
    for (size_t i = 0; i < N; i++)
        h2[i] = i % 2 ? NAN : -0.5;
    bool est = true;
    ck_assert(fg_overdisp_tests(a, b, h2, N, 1.0, 0.05, o, &est) == 0.0);
    ck_assert(!est);
    assert_finite(o, N);
    /* out-of-range large h: finite whatever is done with it */
    for (size_t i = 0; i < N; i++)
        h2[i] = i % 2 ? INFINITY : 5.0;
    fg_overdisp_tests(a, b, h2, N, 1.0, 0.05, o, NULL);
    assert_finite(o, N);
}
END_TEST

START_TEST(test_bad_ci_p)
{
    /* both code paths: estimated (30 functions) and plain (2 functions) */
    enum { N = 30 };
    double a[N], b[N], h[N];
    sim_model(14, N, 0.05, a, b, h);
    const size_t ns[2] = {N, 2};
    const double bad[] = {0.0, 1.0, -0.5, 1.5, NAN, INFINITY, -INFINITY};
    struct fg_overdisp_test ref[N], o[N];
    for (int c = 0; c < 2; c++) {
        size_t n = ns[c];
        bool est = false;
        fg_overdisp_tests(a, b, h, n, 1.0, 0.05, ref, &est);
        ck_assert(est == (n == N));
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            fg_overdisp_tests(a, b, h, n, 1.0, bad[k], o, NULL);
            for (size_t i = 0; i < n; i++) {
                ck_assert_msg(o[i].half == ref[i].half,
                              "n %zu ci_p %g entry %zu: half %.17g vs %.17g",
                              n, bad[k], i, o[i].half, ref[i].half);
                ck_assert(o[i].p == ref[i].p);
            }
        }
        /* control: a valid ci_p is honoured (a 50% interval is narrower) */
        fg_overdisp_tests(a, b, h, n, 1.0, 0.5, o, NULL);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(o[i].half < 0.5 * ref[i].half,
                          "ci_p 0.5: half %g vs %g at 0.05", o[i].half,
                          ref[i].half);
    }
}
END_TEST

START_TEST(test_extremes_finite)
{
    /* counts of zero, one and a trillion, ratios near the double limits */
    double a[8] = {0, 1, 1e12, 3, 0, 1e12, 50, 7};
    double b[8] = {5, 0, 1e12, 0, 1e12, 1, 50, 7e9};
    double h[8] = {2, 1e-300, 1, 2, 0.5, 1, 0, 2};
    const double rs[] = {1.0, 1e-300, 1e300, 4.9e-324, 1.7e308, 0.37};
    struct fg_overdisp_test o[8];
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
        for (size_t n = 1; n <= 8; n++) {
            double al = fg_overdisp_tests(a, b, h, n, rs[k], 0.05, o, NULL);
            ck_assert_msg(isfinite(al) && al >= 0.0 &&
                              al <= FG_OVERDISP_MAX,
                          "r %g n %zu: alpha %g", rs[k], n, al);
            assert_finite(o, n);
        }
    }
}
END_TEST

/* ---- too few functions: no estimate --------------------------------- */

START_TEST(test_too_few)
{
    /* FG_OVERDISP_MIN_FUNCS informative functions plus some that carry no
     * information about alpha (h = 0): the plain test */
    const double a[] = {120, 40, 300, 77, 1000, 0, 5};
    const double b[] = {180, 31, 250, 90, 1400, 12, 5};
    const double h[] = {0.5, 1.0, 2.0, 0, 0, 0, 0};
    const size_t n = sizeof a / sizeof a[0];
    ck_assert_uint_eq(FG_OVERDISP_MIN_FUNCS, 3);
    const double rs[] = {1.0, 0.8, 2.5};
    const double cis[] = {0.05, 0.1, 0.01};
    struct fg_overdisp_test o[7];
    for (size_t k = 0; k < 3; k++) {
        double r = rs[k], ci = cis[k];
        bool est = true;
        poison(o, n);
        double al = fg_overdisp_tests(a, b, h, n, r, ci, o, &est);
        ck_assert(al == 0.0);
        ck_assert(!est);
        double zq = fg_stats_z_quantile(ci / 2.0);
        for (size_t i = 0; i < n; i++) {
            double want_p = fg_stats_binom_p((uint64_t)b[i],
                                             (uint64_t)(a[i] + b[i]),
                                             r / (1.0 + r));
            ck_assert_msg(o[i].p == want_p, "r %g entry %zu: p %.17g, "
                          "binomial %.17g", r, i, o[i].p, want_p);
            /* one side at zero: tested at the expected counts */
            double se = a[i] > 0 && b[i] > 0
                            ? sqrt(1.0 / (a[i] + 0.5) + 1.0 / (b[i] + 0.5))
                            : (1.0 + r) / sqrt(r * (a[i] + b[i] + 1.0));
            double lr = log((b[i] + 0.5) / (a[i] + 0.5)) - log(r);
            CK_REL(o[i].se, se, 1e-14);
            ck_assert(fabs(o[i].log_ratio - lr) <= 1e-14);
            ck_assert(fabs(o[i].z - lr / se) <= 1e-12);
            ck_assert_msg(o[i].half == zq * o[i].se,
                          "entry %zu: half %.17g, z*se %.17g", i, o[i].half,
                          zq * o[i].se);
            ck_assert(o[i].alpha == 0.0);
        }
    }
    /* a NULL flag is allowed */
    ck_assert(fg_overdisp_tests(a, b, h, n, 1.0, 0.05, o, NULL) == 0.0);
    /* one more informative function crosses the threshold: every function
     * then has FG_OVERDISP_MIN_FUNCS others to learn from */
    double h4[7] = {0.5, 1.0, 2.0, 1.5, 0, 0, 0};
    bool est = false;
    fg_overdisp_tests(a, b, h4, n, 1.0, 0.05, o, &est);
    ck_assert(est);
    assert_finite(o, n);
}
END_TEST

/* ---- estimating alpha ------------------------------------------------- */

START_TEST(test_identical_sides)
{
    enum { N = 30 };
    double a[N], b[N], h[N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 21);
    for (size_t i = 0; i < N; i++) {
        a[i] = b[i] = round(log_uniform(rng, 1000.0, 8000.0));
        h[i] = 2.0 * (1.0 - gsl_rng_uniform(rng)); /* (0, 2] */
    }
    gsl_rng_free(rng);
    struct fg_overdisp_test o[N];
    bool est = false;
    double al = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, o, &est);
    ck_assert(est);
    /* no spread at all: alpha is pinned near 0 (the prior alone would give
     * FG_OVERDISP_MAX / 3) */
    ck_assert_msg(al >= 0.0 && al < 1e-3, "alpha = %g", al);
    for (size_t i = 0; i < N; i++) {
        ck_assert_msg(o[i].log_ratio == 0.0, "lr %g", o[i].log_ratio);
        ck_assert_msg(o[i].p >= 0.99, "entry %zu: p = %g", i, o[i].p);
        ck_assert(o[i].z == 0.0);
        ck_assert(o[i].alpha < 1e-3);
    }
}
END_TEST

START_TEST(test_recover_alpha)
{
    /* 400 functions, with sampling noise well below the per-stack noise
     * for most of them: the posterior mean lands near the truth */
    enum { N = 400 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b),
           *h = malloc(N * sizeof *h);
    struct fg_overdisp_test *o = malloc(N * sizeof *o);
    ck_assert(a && b && h && o);
    /* under valgrind only the main case */
    const double truth[] = {0.04, 0.01, 0.2};
    const size_t ntruth = fg_test_under_valgrind() ? 1 : 3;
    for (size_t k = 0; k < ntruth; k++) {
        sim_model(31 + k, N, truth[k], a, b, h);
        bool est = false;
        double al = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, o, &est);
        ck_assert(est);
        CK_REL(al, truth[k], 0.25);
        assert_finite(o, N);
        /* the leave-one-out means are all close to the full one */
        for (size_t i = 0; i < N; i++)
            CK_REL(o[i].alpha, al, 0.1);
    }
    /* no extra noise: alpha comes out small */
    sim_model(39, N, 0.0, a, b, h);
    double al = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, o, NULL);
    ck_assert_msg(al >= 0.0 && al < 1e-3, "alpha %g with none", al);
    free(a);
    free(b);
    free(h);
    free(o);
}
END_TEST

START_TEST(test_posterior_exact)
{
    /*
     * n functions with a = b (log ratio exactly 0), equal counts and equal
     * h: the likelihood is (v + h alpha)^(-n/2) (the "changed" component
     * is e^-8 smaller for counts of 5000) and, with the prior uniform on
     * sqrt(alpha), the posterior mean is v / (h (n - 3)) (a Beta integral;
     * the cap FG_OVERDISP_MAX is thousands of v away).  A prior uniform on
     * alpha itself would give twice that.
     */
    enum { NMAX = 40 };
    double a[NMAX], b[NMAX], h[NMAX];
    struct fg_overdisp_test o[NMAX];
    const size_t ns[] = {10, 40};
    const double hs[] = {1.0, 2.0, 0.25};
    for (size_t k = 0; k < 2; k++) {
        for (size_t l = 0; l < 3; l++) {
            size_t n = ns[k];
            for (size_t i = 0; i < n; i++) {
                a[i] = b[i] = 5000.0;
                h[i] = hs[l];
            }
            double v = 2.0 / 5000.5;
            double al = fg_overdisp_tests(a, b, h, n, 1.0, 0.05, o, NULL);
            CK_REL(al, v / (hs[l] * (double)(n - 3)), 0.01);
            /* leaving one out: n - 1 functions */
            CK_REL(o[0].alpha, v / (hs[l] * (double)(n - 4)), 0.01);
        }
    }
}
END_TEST

START_TEST(test_leave_one_out)
{
    /* out[i].alpha is the posterior mean of the comparison without
     * function i: the same as testing the other functions alone */
    enum { N = 12 };
    double a[N], b[N], h[N], ra[N], rb[N], rh[N];
    sim_model(43, N, 0.05, a, b, h);
    b[4] = round(b[4] * 1.6); /* one function changed a little */
    struct fg_overdisp_test o[N], x[N];
    double al = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, o, NULL);
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0, k = 0; j < N; j++) {
            if (j == i)
                continue;
            ra[k] = a[j];
            rb[k] = b[j];
            rh[k] = h[j];
            k++;
        }
        double want = fg_overdisp_tests(ra, rb, rh, N - 1, 1.0, 0.05, x,
                                        NULL);
        CK_REL(o[i].alpha, want, 1e-6);
        lo = fmin(lo, o[i].alpha);
        hi = fmax(hi, o[i].alpha);
    }
    /* with 12 functions, leaving one out matters: this is not the full
     * posterior repeated */
    ck_assert_msg(hi > 1.05 * lo && (al < lo || al > lo),
                  "leave-one-out alphas [%g, %g], full %g", lo, hi, al);
}
END_TEST

START_TEST(test_uninformative_loo)
{
    /* a function with h = 0 says nothing about alpha, so the posterior
     * without it is the posterior of all functions */
    enum { N = 60 };
    double a[N], b[N], h[N];
    sim_model(41, N, 0.03, a, b, h);
    h[5] = 0.0;
    h[44] = 0.0;
    struct fg_overdisp_test o[N];
    double al = fg_overdisp_tests(a, b, h, N, 1.0, 0.05, o, NULL);
    ck_assert(al > 0.0);
    CK_REL(o[5].alpha, al, 1e-9);
    CK_REL(o[44].alpha, al, 1e-9);
    /* ... and its test has no overdispersion term: se is sampling only */
    CK_REL(o[5].se, sqrt(1.0 / (a[5] + 0.5) + 1.0 / (b[5] + 0.5)), 1e-12);
    /* an informative function's own leave-one-out differs */
    ck_assert(o[6].alpha != al);
}
END_TEST

START_TEST(test_symmetry)
{
    /* swapping base and candidate (and r for 1/r) only flips the sign */
    enum { N = 50 };
    double a[N], b[N], h[N];
    sim_model(42, N, 0.03, a, b, h);
    for (size_t i = 0; i < N; i++)
        b[i] = round(b[i] * 1.3); /* a size factor of about 1.3 */
    a[7] *= 4.0;                  /* and one real change */
    struct fg_overdisp_test x[N], y[N];
    double r = 1.3;
    double al1 = fg_overdisp_tests(a, b, h, N, r, 0.05, x, NULL);
    double al2 = fg_overdisp_tests(b, a, h, N, 1.0 / r, 0.05, y, NULL);
    CK_REL(al2, al1, 1e-9);
    for (size_t i = 0; i < N; i++) {
        ck_assert(fabs(x[i].log_ratio + y[i].log_ratio) <= 1e-12);
        ck_assert_msg(fabs(x[i].p - y[i].p) <= 1e-9 * fmax(x[i].p, 1e-300),
                      "entry %zu: p %.17g vs %.17g", i, x[i].p, y[i].p);
        CK_REL(y[i].half, x[i].half, 1e-9);
        CK_REL(y[i].alpha, x[i].alpha, 1e-9);
    }
    ck_assert_msg(x[7].p < 1e-6, "changed function p = %g", x[7].p);
}
END_TEST

/* ---- robustness ------------------------------------------------------- */

enum { ROB_N = 25 };

/* ROB_N unchanged functions: Poisson counts around 1000-5000 per side. */
static void sim_unchanged(unsigned long seed, double *a, double *b,
                          double *h)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (size_t i = 0; i < ROB_N; i++) {
        double mu = 1000.0 + 4000.0 * gsl_rng_uniform(rng);
        a[i] = gsl_ran_poisson(rng, mu);
        b[i] = gsl_ran_poisson(rng, mu);
        h[i] = 2.0;
    }
    gsl_rng_free(rng);
}

START_TEST(test_robust_new_function)
{
    /* a brand-new function has |z| ~ 6 even with pseudocounts, ~70 by its
     * candidate count alone; it must not be taken for noise */
    double a[ROB_N + 1], b[ROB_N + 1], h[ROB_N + 1];
    sim_unchanged(51, a, b, h);
    struct fg_overdisp_test ref[ROB_N], o[ROB_N + 1];
    double al0 = fg_overdisp_tests(a, b, h, ROB_N, 1.0, 0.05, ref, NULL);
    a[ROB_N] = 0.0;
    b[ROB_N] = 2500.0;
    h[ROB_N] = 2.0;
    bool est = false;
    double al = fg_overdisp_tests(a, b, h, ROB_N + 1, 1.0, 0.05, o, &est);
    ck_assert(est);
    ck_assert_msg(al < 1e-3, "alpha %g (%g without the new function)", al,
                  al0);
    ck_assert_msg(o[ROB_N].p < 1e-6, "new function p = %g", o[ROB_N].p);
    size_t large = 0;
    for (size_t i = 0; i < ROB_N; i++) {
        /* the new function barely moves the unchanged ones' tests */
        ck_assert_msg(fabs(o[i].p - ref[i].p) <= 0.1 * ref[i].p + 1e-6,
                      "entry %zu: p %g, %g without the new function", i,
                      o[i].p, ref[i].p);
        if (o[i].p > 0.05)
            large++;
        if (fabs(a[i] - b[i]) < 1.5 * sqrt(a[i] + b[i]))
            ck_assert_msg(o[i].p > 0.05, "unchanged entry %zu (a %g b %g): "
                          "p = %g", i, a[i], b[i], o[i].p);
    }
    ck_assert_msg(large >= ROB_N - 3, "only %zu of %d unchanged p > 0.05",
                  large, ROB_N);
}
END_TEST

START_TEST(test_robust_tripled)
{
    double a[ROB_N], b[ROB_N], h[ROB_N];
    sim_unchanged(52, a, b, h);
    const size_t t = 9; /* the tripled function */
    /* the unchanged functions alone: what the noise estimate should be */
    double ua[ROB_N - 1], ub[ROB_N - 1], uh[ROB_N - 1];
    for (size_t i = 0, j = 0; i < ROB_N; i++) {
        if (i == t)
            continue;
        ua[j] = a[i];
        ub[j] = b[i];
        uh[j] = h[i];
        j++;
    }
    struct fg_overdisp_test o[ROB_N];
    double al_u = fg_overdisp_tests(ua, ub, uh, ROB_N - 1, 1.0, 0.05, o, NULL);
    b[t] = 3.0 * a[t];
    bool est = false;
    double al = fg_overdisp_tests(a, b, h, ROB_N, 1.0, 0.05, o, &est);
    ck_assert(est);
    ck_assert_msg(al < 1e-3, "alpha %g", al);
    ck_assert_msg(o[t].p < 1e-6, "tripled function p = %g", o[t].p);
    /* the noise that judges the tripled function is learned from the
     * others only ... */
    CK_REL(o[t].alpha, al_u, 1e-3);
    /* ... and the tripled function does not inflate anyone's estimate */
    CK_REL(al, al_u, 0.01);
    /* Leaving out an unchanged function moves the estimate up or down
     * with that function's own residual, so "not larger than every other
     * leave-one-out" is not a property; not larger than the largest and
     * within the others' spread is. */
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < ROB_N; i++) {
        if (i == t)
            continue;
        lo = fmin(lo, o[i].alpha);
        hi = fmax(hi, o[i].alpha);
    }
    ck_assert_msg(o[t].alpha <= hi && o[t].alpha >= lo,
                  "tripled alpha %.6g outside the others' [%.6g, %.6g]",
                  o[t].alpha, lo, hi);
}
END_TEST

/* ---- interval --------------------------------------------------------- */

START_TEST(test_interval)
{
    enum { N = 400 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b),
           *h = malloc(N * sizeof *h);
    struct fg_overdisp_test *o = malloc(N * sizeof *o);
    ck_assert(a && b && h && o);
    sim_model(61, N, 0.03, a, b, h);
    const double cis[] = {0.05, 0.2};
    const size_t ncis = fg_test_under_valgrind() ? 1 : 2;
    for (size_t k = 0; k < ncis; k++) {
        double ci = cis[k], zq = fg_stats_z_quantile(ci / 2.0);
        bool est = false;
        fg_overdisp_tests(a, b, h, N, 1.0, ci, o, &est);
        ck_assert(est);
        size_t covered = 0;
        for (size_t i = 0; i < N; i++) {
            double samp = zq * sqrt(1.0 / (a[i] + 0.5) + 1.0 / (b[i] + 0.5));
            /* the mixture only widens the sampling-only interval */
            ck_assert_msg(o[i].half >= samp * (1.0 - 1e-12),
                          "entry %zu: half %g < %g", i, o[i].half, samp);
            /* alpha is pinned down by 400 functions: the mixture is close
             * to one normal with the posterior-mean variance */
            CK_REL(o[i].half, zq * o[i].se, 0.03);
            /* interval and p-value come from the same mixture */
            if (o[i].p > ci * (1.0 + 1e-6))
                ck_assert(fabs(o[i].log_ratio) < o[i].half);
            if (o[i].p < ci * (1.0 - 1e-6))
                ck_assert(fabs(o[i].log_ratio) > o[i].half);
            if (fabs(o[i].log_ratio) <= o[i].half)
                covered++;
        }
        /* nothing changed, so the interval covers 0 at its nominal rate:
         * binomial sd is about 2.2% of N at 95% */
        double cov = (double)covered / N;
        ck_assert_msg(fabs(cov - (1.0 - ci)) < 0.05,
                      "coverage %.3f of a %.0f%% interval", cov,
                      100.0 * (1.0 - ci));
    }
    free(a);
    free(b);
    free(h);
    free(o);
}
END_TEST

/* ---- A/A calibration -------------------------------------------------- */

enum { AA_F = 40 };

/*
 * One A/A comparison of AA_F functions: true means log-uniform over
 * 30..3000 samples, per-function log-normal noise of variance h alpha / 2
 * on each side (so h alpha between the sides), Poisson sampling on top.
 * Returns whether the smallest Holm-adjusted p is below 0.05.
 */
static bool aa_false_alarm(gsl_rng *rng, double alpha)
{
    double a[AA_F], b[AA_F], h[AA_F], p[AA_F], adj[AA_F];
    struct fg_overdisp_test o[AA_F];
    for (size_t i = 0; i < AA_F; i++) {
        double mu = log_uniform(rng, 30.0, 3000.0);
        h[i] = 0.1 + 1.9 * gsl_rng_uniform(rng);
        double sd = sqrt(h[i] * alpha / 2.0);
        a[i] = gsl_ran_poisson(rng, mu * exp(gsl_ran_gaussian(rng, sd)));
        b[i] = gsl_ran_poisson(rng, mu * exp(gsl_ran_gaussian(rng, sd)));
    }
    fg_overdisp_tests(a, b, h, AA_F, 1.0, 0.05, o, NULL);
    for (size_t i = 0; i < AA_F; i++)
        p[i] = o[i].p;
    fg_stats_holm(p, AA_F, adj);
    double mn = 1.0;
    for (size_t i = 0; i < AA_F; i++)
        mn = fmin(mn, adj[i]);
    return mn < 0.05;
}

START_TEST(test_aa_calibration)
{
    /* The method aims at <= 5% family-wise false alarms; about 4% is
     * measured here (7.5% with alpha plugged in as a point estimate, 100%
     * with alpha = 0).  Under valgrind only a handful of comparisons run,
     * with a bound that still catches alpha = 0. */
    bool vg = fg_test_under_valgrind();
    int reps = vg ? 25 : 120;
    double bound = vg ? 0.2 : 0.08;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 71);
    int alarms = 0;
    for (int k = 0; k < reps; k++)
        alarms += aa_false_alarm(rng, 0.02);
    gsl_rng_free(rng);
    ck_assert_msg((double)alarms <= bound * reps,
                  "%d of %d A/A comparisons alarmed", alarms, reps);
}
END_TEST

/* ---- fg_overdisp_trend ------------------------------------------------ */

enum { TR_N = 500 };

/*
 * TR_N functions from the model of fg_overdisp_trend on df = 4: floors
 * log-uniform over 1e-4..1e-1, h in [0.05, 1]; every outlier_every-th
 * (when not 0) has its variance multiplied by 100.
 */
static void sim_trend(unsigned long seed, double phi, size_t outlier_every,
                      double *s2, double *fl, double *h)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    for (size_t i = 0; i < TR_N; i++) {
        fl[i] = log_uniform(rng, 1e-4, 1e-1);
        h[i] = 0.05 + 0.95 * gsl_rng_uniform(rng);
        s2[i] = (fl[i] + phi * h[i]) * gsl_ran_chisq(rng, 4.0) / 4.0;
        if (outlier_every && i % outlier_every == outlier_every / 2)
            s2[i] *= 100.0;
    }
    gsl_rng_free(rng);
}

START_TEST(test_trend_recover)
{
    double s2[TR_N], fl[TR_N], h[TR_N];
    for (unsigned long seed = 81; seed < 84; seed++) {
        sim_trend(seed, 0.01, 0, s2, fl, h);
        double phi = fg_overdisp_trend(s2, 4.0, fl, h, TR_N);
        CK_REL(phi, 0.01, 0.2);
        sim_trend(seed, 0.1, 0, s2, fl, h);
        phi = fg_overdisp_trend(s2, 4.0, fl, h, TR_N);
        CK_REL(phi, 0.1, 0.2);
    }
}
END_TEST

START_TEST(test_trend_zero)
{
    double s2[TR_N], fl[TR_N], h[TR_N];
    for (unsigned long seed = 85; seed < 88; seed++) {
        sim_trend(seed, 0.0, 0, s2, fl, h);
        double phi = fg_overdisp_trend(s2, 4.0, fl, h, TR_N);
        ck_assert_msg(phi >= 0.0 && phi < 1e-3, "phi %g with none", phi);
    }
}
END_TEST

START_TEST(test_trend_outliers)
{
    /* 5% of functions changed 100-fold in variance: a plain maximum
     * likelihood estimate would follow them up by orders of magnitude */
    double s2[TR_N], fl[TR_N], h[TR_N];
    for (unsigned long seed = 81; seed < 84; seed++) {
        sim_trend(seed, 0.01, 0, s2, fl, h);
        double clean = fg_overdisp_trend(s2, 4.0, fl, h, TR_N);
        sim_trend(seed, 0.01, 20, s2, fl, h);
        double dirty = fg_overdisp_trend(s2, 4.0, fl, h, TR_N);
        /* the outliers stop counting once "outlier" explains them: phi
         * moves by under 2% (measured; +20-25% under the earlier capped
         * likelihood) */
        CK_REL(dirty, clean, 0.05);
    }
}
END_TEST

START_TEST(test_trend_degenerate)
{
    double s2[TR_N + 6], fl[TR_N + 6], h[TR_N + 6];
    sim_trend(89, 0.01, 0, s2, fl, h);
    double ref = fg_overdisp_trend(s2, 4.0, fl, h, TR_N);
    ck_assert(ref > 0.0);
    ck_assert(fg_overdisp_trend(s2, 4.0, fl, h, 0) == 0.0);
    const double dfs[] = {0.0, -1.0, NAN, -INFINITY, INFINITY};
    for (size_t k = 0; k < sizeof dfs / sizeof dfs[0]; k++) {
        double phi = fg_overdisp_trend(s2, dfs[k], fl, h, TR_N);
        ck_assert_msg(isfinite(phi) && phi >= 0.0, "df %g: %g", dfs[k],
                      phi);
        if (!(dfs[k] > 0.0))
            ck_assert_msg(phi == 0.0, "df %g: %g", dfs[k], phi);
    }
    /* unusable entries appended: exactly the same estimate */
    const double bs2[6] = {NAN, -1.0, INFINITY, 1.0, 1.0, 1.0};
    const double bfl[6] = {1e-3, 1e-3, 1e-3, NAN, 0.0, -1.0};
    const double bh[6] = {0.5, 0.5, 0.5, 0.5, 0.0, 0.5};
    for (size_t k = 0; k < 6; k++) {
        s2[TR_N + k] = bs2[k];
        fl[TR_N + k] = bfl[k];
        h[TR_N + k] = bh[k];
    }
    double phi = fg_overdisp_trend(s2, 4.0, fl, h, TR_N + 6);
    ck_assert_msg(phi == ref, "with unusable entries %.17g, without %.17g",
                  phi, ref);
    /* nothing usable at all */
    ck_assert(fg_overdisp_trend(s2 + TR_N, 4.0, fl + TR_N, h + TR_N, 6) ==
              0.0);
    /* no variance at all */
    for (size_t i = 0; i < TR_N; i++)
        s2[i] = 0.0;
    ck_assert(fg_overdisp_trend(s2, 4.0, fl, h, TR_N) == 0.0);
    /* fractional and large df, extreme values: finite and >= 0 */
    sim_trend(90, 0.5, 7, s2, fl, h);
    s2[3] = 1e300;
    s2[4] = 1e-300;
    fl[5] = 1e-300;
    const double dfs2[] = {0.5, 1.0, 4.0, 1e6};
    for (size_t k = 0; k < sizeof dfs2 / sizeof dfs2[0]; k++) {
        phi = fg_overdisp_trend(s2, dfs2[k], fl, h, TR_N);
        ck_assert_msg(isfinite(phi) && phi >= 0.0 && phi <= FG_OVERDISP_MAX,
                      "df %g: %g", dfs2[k], phi);
    }
}
END_TEST

Suite *overdisp_suite(void); /* called from check_main.c */

Suite *overdisp_suite(void)
{
    Suite *s = suite_create("overdisp");
    TCase *tc = tcase_create("contract");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_bad_ratio);
    tcase_add_test(tc, test_degenerate_entries);
    tcase_add_test(tc, test_bad_h);
    tcase_add_test(tc, test_bad_ci_p);
    tcase_add_test(tc, test_extremes_finite);
    tcase_add_test(tc, test_too_few);
    suite_add_tcase(s, tc);

    tc = tcase_create("estimate");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_identical_sides);
    tcase_add_test(tc, test_recover_alpha);
    tcase_add_test(tc, test_posterior_exact);
    tcase_add_test(tc, test_leave_one_out);
    tcase_add_test(tc, test_uninformative_loo);
    tcase_add_test(tc, test_symmetry);
    tcase_add_test(tc, test_robust_new_function);
    tcase_add_test(tc, test_robust_tripled);
    tcase_add_test(tc, test_interval);
    tcase_add_test(tc, test_aa_calibration);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);

    tc = tcase_create("trend");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_trend_recover);
    tcase_add_test(tc, test_trend_zero);
    tcase_add_test(tc, test_trend_outliers);
    tcase_add_test(tc, test_trend_degenerate);
    suite_add_tcase(s, tc);
    return s;
}
