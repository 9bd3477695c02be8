/* stats.c - statistical primitives (see src/analysis/stats.h). */
#include "analysis/stats.h"
#include "core/util.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* Quantile inputs are clamped here so the inverse CDFs stay finite. */
#define P_MIN 1e-300
#define P_MAX (1.0 - DBL_EPSILON)
#define BIG 1e300

void fg_stats_init(void)
{
    gsl_set_error_handler_off();
}

/* A p-value as returned to callers: NaN -> 1, clamped to [0,1]. */
static double clamp_p(double p)
{
    if (isnan(p))
        return 1.0;
    return p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
}

/* Non-negative finite count: NaN and negatives -> 0, capped at BIG. */
static double count_or_zero(double x)
{
    if (!(x > 0.0))
        return 0.0;
    return x > BIG ? BIG : x;
}

/* Two-sided normal p-value 2*Q(|z|). */
static double normal_p(double z)
{
    return clamp_p(2.0 * gsl_cdf_ugaussian_Q(fabs(z)));
}

/* Normal approximation of the doubled-tail binomial test for counts GSL's
 * unsigned int arguments cannot hold.  The continuity correction moves b
 * half a count toward the mean. */
static double binom_p_normal(uint64_t b, uint64_t n, double q)
{
    double mean = (double)n * q;
    double sd = sqrt((double)n * q * (1.0 - q));
    double d = fabs((double)b - mean) - 0.5;
    if (d <= 0.0 || !(sd > 0.0))
        return 1.0;
    return normal_p(d / sd);
}

double fg_stats_binom_p(uint64_t b, uint64_t n, double q)
{
    if (n == 0 || b > n || !(q > 0.0 && q < 1.0))
        return 1.0;
    if (n > UINT_MAX)
        return binom_p_normal(b, n, q);
    unsigned ub = (unsigned)b, un = (unsigned)n;
    double lo = gsl_cdf_binomial_P(ub, q, un);
    /* P(X >= b) = Q(b-1), taken directly: 1 - P would cancel to 0. */
    double hi = ub ? gsl_cdf_binomial_Q(ub - 1, q, un) : 1.0;
    return clamp_p(2.0 * fmin(clamp_p(lo), clamp_p(hi)));
}

/* The median of v[0..n) (reordered), found starting near guess (NaN:
 * anywhere); defined with the selection below. */
static double median_near(double *v, size_t n, double guess);

/* An order-preserving 64-bit key of a double that is not NaN: unsigned
 * order of the keys is the numeric order (-0 and +0 tie). */
static inline uint64_t order_key(double x)
{
    if (x == 0.0)
        x = 0.0;
    uint64_t u;
    memcpy(&u, &x, sizeof(u));
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

/*
 * ix[0..m) = the permutation that sorts x[0..m) ascending (no NaN), as
 * gsl_sort_index gives it up to the order of ties, which no caller reads:
 * a least-significant-digit radix sort of the keys, 11 bits a pass, a
 * pass skipped when every key has the same digit.  GSL's heap sort took
 * a tenth of a comparison of two 10^6-stack profiles (the weighted
 * medians of the normalization and the Holm orders, 10^5+ values each).
 */
static void sort_index(size_t *ix, const double *x, size_t m)
{
    if (m < 64) {
        gsl_sort_index(ix, x, 1, m);
        return;
    }
    uint64_t *key = fg_xmalloc(m * sizeof *key), *k2 = fg_xmalloc(m * sizeof *k2);
    size_t *i2 = fg_xmalloc(m * sizeof *i2);
    size_t *cnt = fg_xmalloc(RADIX_SIZE * sizeof *cnt);
    for (size_t i = 0; i < m; i++) {
        key[i] = order_key(x[i]);
        ix[i] = i;
    }
    size_t *src_i = ix, *dst_i = i2;
    uint64_t *src_k = key, *dst_k = k2;
    for (unsigned shift = 0; shift < 64; shift += RADIX_BITS) {
        memset(cnt, 0, RADIX_SIZE * sizeof *cnt);
        for (size_t i = 0; i < m; i++)
            cnt[(src_k[i] >> shift) & (RADIX_SIZE - 1)]++;
        if (cnt[(src_k[0] >> shift) & (RADIX_SIZE - 1)] == m)
            continue; /* one digit for all: the pass changes nothing */
        size_t at = 0;
        for (size_t d = 0; d < RADIX_SIZE; d++) {
            size_t c = cnt[d];
            cnt[d] = at;
            at += c;
        }
        for (size_t i = 0; i < m; i++) {
            size_t to = cnt[(src_k[i] >> shift) & (RADIX_SIZE - 1)]++;
            dst_k[to] = src_k[i];
            dst_i[to] = src_i[i];
        }
        uint64_t *tk = src_k;
        src_k = dst_k;
        dst_k = tk;
        size_t *ti = src_i;
        src_i = dst_i;
        dst_i = ti;
    }
    if (src_i != ix)
        memcpy(ix, src_i, m * sizeof *ix);
    free(key);
    free(k2);
    free(i2);
    free(cnt);
}

/* Sanitised copy of p and the permutation sorting it ascending.  Ties need
 * no stable order: tied p-values get equal adjusted values either way. */
static void sort_p(const double *p, size_t m, double **sp, size_t **idx)
{
    double *c = fg_xmalloc(m * sizeof *c);
    size_t *ix = fg_xmalloc(m * sizeof *ix);
    for (size_t i = 0; i < m; i++)
        c[i] = clamp_p(p[i]);
    sort_index(ix, c, m);
    *sp = c;
    *idx = ix;
}

void fg_stats_holm(const double *p, size_t m, double *adj)
{
    if (m == 0)
        return;
    double *c;
    size_t *ix;
    sort_p(p, m, &c, &ix);
    /* adj_(i) = max_{j<=i} min(1, (m-j+1) p_(j)), j counted from 1. */
    double run = 0.0;
    for (size_t j = 0; j < m; j++) {
        double v = fmin(1.0, (double)(m - j) * c[ix[j]]);
        run = fmax(run, v);
        adj[ix[j]] = run;
    }
    free(c);
    free(ix);
}

void fg_stats_holm_weighted(const double *p, const double *w, size_t m,
                            double *adj)
{
    if (m == 0)
        return;
    /* order by p / w; adj_(i) = max_{j<=i} min(1, p_(j) W_j / w_(j)) with
     * W_j the weight of the hypotheses not yet rejected at step j */
    double *c = fg_xmalloc(m * sizeof *c);
    double *key = fg_xmalloc(m * sizeof *key);
    double *wt = fg_xmalloc(m * sizeof *wt);
    size_t *ix = fg_xmalloc(m * sizeof *ix);
    double total = 0.0;
    for (size_t i = 0; i < m; i++) {
        c[i] = clamp_p(p[i]);
        wt[i] = w[i] > 0.0 && isfinite(w[i]) ? w[i] : 1.0;
        key[i] = c[i] / wt[i];
        total += wt[i];
    }
    sort_index(ix, key, m);
    double run = 0.0, left = total;
    for (size_t j = 0; j < m; j++) {
        size_t i = ix[j];
        double v = fmin(1.0, c[i] * left / wt[i]);
        run = fmax(run, v);
        adj[i] = run;
        left -= wt[i];
    }
    free(c);
    free(key);
    free(wt);
    free(ix);
}

/* The weighted median of x[ix[0..n)] sorted ascending. */
static double weighted_median(const double *x, const double *w,
                              const size_t *ix, size_t n, double total)
{
    double at = 0.0;
    for (size_t j = 0; j < n; j++) {
        at += w[ix[j]];
        if (at >= 0.5 * total)
            return x[ix[j]];
    }
    return n ? x[ix[n - 1]] : 0.0;
}

/* Copy the pairs (x[i], w[i]) with a finite x and a finite positive weight
 * into xs and wt; returns their number and sets *total to their weight. */
static size_t usable_pairs(const double *x, const double *w, size_t n,
                           double *xs, double *wt, double *total)
{
    size_t m = 0;
    *total = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(w[i] > 0.0) || !isfinite(w[i]) || !isfinite(x[i]))
            continue;
        xs[m] = x[i];
        wt[m] = w[i];
        *total += w[i];
        m++;
    }
    return m;
}

double fg_stats_weighted_median(const double *x, const double *w, size_t n)
{
    double *xs = fg_xmalloc((n ? n : 1) * sizeof *xs);
    double *wt = fg_xmalloc((n ? n : 1) * sizeof *wt);
    size_t *ix = fg_xmalloc((n ? n : 1) * sizeof *ix);
    double total = 0.0;
    size_t m = usable_pairs(x, w, n, xs, wt, &total);
    double c = 0.0;
    if (m) {
        sort_index(ix, xs, m);
        c = weighted_median(xs, wt, ix, m, total);
    }
    free(xs);
    free(wt);
    free(ix);
    return c;
}

double fg_stats_biweight_location(const double *x, const double *w, size_t n)
{
    if (n == 0)
        return 0.0;
    double *wt = fg_xmalloc(n * sizeof *wt);
    double *xs = fg_xmalloc(n * sizeof *xs);
    double *ar = fg_xmalloc(n * sizeof *ar);
    double *se = fg_xmalloc(n * sizeof *se);
    double *tmp = fg_xmalloc(n * sizeof *tmp);
    size_t *ix = fg_xmalloc(n * sizeof *ix);
    double total = 0.0;
    size_t m = usable_pairs(x, w, n, xs, wt, &total);
    double c = 0.0;
    if (m == 0) {
        c = fg_stats_median(x, n);
        goto out;
    }
    sort_index(ix, xs, m);
    c = weighted_median(xs, wt, ix, m, total);
    /*
     * Tukey's biweight, residuals in standard errors (sqrt of the
     * precision weight): a function far outside the spread of the others
     * gets no say whatever its size, so one large changed function (half
     * the samples) cannot move the location, and many small ones that
     * move together cannot either as long as the bulk of the samples sits
     * in unchanged functions.  The spread is at least 1 (sampling noise).
     */
    /* the standard errors' inverses, once (sqrt is the loop's cost) */
    for (size_t i = 0; i < m; i++)
        se[i] = sqrt(wt[i]);
    double med = NAN; /* the last iteration's median of ar */
    for (int it = 0; it < 20; it++) {
        bool finite = true;
        for (size_t i = 0; i < m; i++) {
            ar[i] = fabs(xs[i] - c) * se[i];
            tmp[i] = ar[i];
            finite = finite && isfinite(ar[i]);
        }
        /* fg_stats_median(ar, m), without its copy when every value is
         * finite, and started from the last median */
        if (finite) {
            med = median_near(tmp, m, med);
            med = isfinite(med) ? med : 0.0;
        } else {
            med = fg_stats_median(ar, m);
        }
        double s = 1.4826 * med;
        if (!(s >= 1.0))
            s = 1.0;
        double sw = 0.0, sx = 0.0;
        for (size_t i = 0; i < m; i++) {
            double u = ar[i] / (4.685 * s);
            if (u >= 1.0)
                continue;
            double b = (1.0 - u * u) * (1.0 - u * u) * wt[i];
            sw += b;
            sx += b * xs[i];
        }
        if (!(sw > 0.0))
            break;
        double next = sx / sw;
        bool done = fabs(next - c) < 1e-12 * (1.0 + fabs(c));
        c = next;
        if (done)
            break;
    }
out:
    free(wt);
    free(xs);
    free(ar);
    free(se);
    free(tmp);
    free(ix);
    return isfinite(c) ? c : 0.0;
}

void fg_stats_bh(const double *p, size_t m, double *adj)
{
    if (m == 0)
        return;
    double *c;
    size_t *ix;
    sort_p(p, m, &c, &ix);
    /* adj_(i) = min_{j>=i} min(1, m p_(j)/j), j counted from 1.  The
     * values are written after the loop: adj may alias p, but c holds the
     * copy that is read. */
    double *out = fg_xmalloc(m * sizeof *out);
    double run = 1.0;
    for (size_t j = m; j-- > 0;) {
        /* m/j first, as R does: the largest p keeps its exact value */
        double v = fmin(1.0, (double)m / (double)(j + 1) * c[ix[j]]);
        run = fmin(run, v);
        out[ix[j]] = run;
    }
    memcpy(adj, out, m * sizeof *adj);
    free(out);
    free(c);
    free(ix);
}

/* Median of v[0..n), sorting v in place; n > 0. */
/* The k-th smallest of v[0..n) (0-based) by selection: v is reordered so
 * that v[i] <= v[k] for i < k and v[i] >= v[k] for i > k.  Hoare
 * partitions around a median of three; after 2 log2(n) + 8 rounds (an
 * adversarial order) the rest is sorted instead, so it stays
 * O(n log n) in the worst case and linear on average.  No NaN in v. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    int budget = 8;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    while (hi > lo) {
        if (budget-- == 0) {
            gsl_sort(v + lo, 1, hi - lo + 1);
            break;
        }
        size_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double piv = a < b ? (b < c ? b : (a < c ? c : a))
                           : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        for (;;) {
            while (v[i] < piv)
                i++;
            while (piv < v[j])
                j--;
            if (i >= j)
                break;
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* v[lo..j] <= piv <= v[j+1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    return v[k];
}

/* The k-th smallest of v[0..n) as select_kth finds it (the same value
 * and the same invariant on v), starting from one partition around guess,
 * a value near it (NaN: none).  The biweight's scale is a median of
 * values that move little from one iteration to the next: around the
 * last one, the selection is left with the few values between. */
static double select_kth_near(double *v, size_t n, size_t k, double guess)
{
    if (isnan(guess) || n < 64)
        return select_kth(v, n, k);
    size_t lt = 0; /* v[0..lt) < guess <= v[lt..i) */
    for (size_t i = 0; i < n; i++) {
        if (v[i] < guess) {
            double t = v[i];
            v[i] = v[lt];
            v[lt++] = t;
        }
    }
    if (k < lt)
        return select_kth(v, lt, k);
    return select_kth(v + lt, n - lt, k - lt);
}

/* The median as gsl_stats_median_from_sorted_data computes it from the
 * sorted data (the mean of the two middle values when n is even), found
 * by selection instead of a sort: this runs 20 times per run over every
 * function in the biweight scale, where sorting took a fifth of a
 * comparison of two 10^6-stack profiles.  v is reordered. */
static double median_near(double *v, size_t n, double guess)
{
    if (n == 0)
        return 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) { /* no order: keep the sort's answer */
            gsl_sort(v, 1, n);
            return gsl_stats_median_from_sorted_data(v, 1, n);
        }
    }
    const size_t rhs = n / 2;
    double hi = select_kth_near(v, n, rhs, guess);
    if (n % 2)
        return hi;
    double lo = v[0]; /* the largest of v[0..rhs): the (rhs-1)-th */
    for (size_t i = 1; i < rhs; i++)
        if (v[i] > lo)
            lo = v[i];
    return (lo + hi) / 2.0;
}

static double median_inplace(double *v, size_t n)
{
    return median_near(v, n, NAN);
}

double fg_stats_median(const double *x, size_t n)
{
    if (n == 0)
        return 0.0;
    double *v = fg_xmalloc(n * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(x[i]))
            v[k++] = x[i];
    }
    /* The mean of two finite middle values can still overflow. */
    double med = k ? median_inplace(v, k) : 0.0;
    free(v);
    return isfinite(med) ? med : 0.0;
}

/* Whether row f qualifies for the size factors (all > 0, sum large). */
static bool sf_row_ok(const double *row, size_t n_cols, double min_total)
{
    double sum = 0.0;
    for (size_t j = 0; j < n_cols; j++) {
        if (!(row[j] > 0.0) || !isfinite(row[j]))
            return false;
        sum += row[j];
    }
    return isfinite(sum) && !(sum < min_total);
}

size_t fg_stats_size_factors(const double *counts, size_t n_rows,
                             size_t n_cols, double min_total,
                             size_t min_rows, double *sf)
{
    if (n_cols == 0)
        return 0;
    size_t *rows = fg_xmalloc((n_rows ? n_rows : 1) * sizeof *rows);
    double *geo = NULL, *v = NULL;
    size_t used = 0;
    for (size_t f = 0; f < n_rows; f++) {
        if (sf_row_ok(counts + f * n_cols, n_cols, min_total))
            rows[used++] = f;
    }
    for (size_t j = 0; j < n_cols; j++)
        sf[j] = 1.0;
    if (used == 0 || used < min_rows)
        goto out;

    /* geo[k]: mean log count of used row k (log of its geometric mean). */
    geo = fg_xmalloc(used * sizeof *geo);
    v = fg_xmalloc(used * sizeof *v);
    for (size_t k = 0; k < used; k++) {
        const double *row = counts + rows[k] * n_cols;
        double s = 0.0;
        for (size_t j = 0; j < n_cols; j++)
            s += log(row[j]);
        geo[k] = s / (double)n_cols;
    }
    for (size_t j = 0; j < n_cols; j++) {
        for (size_t k = 0; k < used; k++)
            v[k] = log(counts[rows[k] * n_cols + j]) - geo[k];
        double s = exp(median_inplace(v, used));
        sf[j] = isfinite(s) && s > 0.0 ? s : 1.0;
    }
out:
    free(rows);
    free(geo);
    free(v);
    return used;
}

/* Inputs of the overdispersion estimator: per usable function the squared
 * log ratio and its sampling variance. */
struct od_data {
    double *lr2, *v;
    size_t k;
    double *tmp;    /* scratch for the median */
};

/* The median of z^2 = lr2/(v + 2 alpha). */
static double od_stat(struct od_data *d, double alpha)
{
    for (size_t f = 0; f < d->k; f++)
        d->tmp[f] = d->lr2[f] / (d->v[f] + 2.0 * alpha);
    return median_inplace(d->tmp, d->k);
}

double fg_stats_overdispersion(const double *a, const double *b, size_t n,
                               double r)
{
    if (n == 0 || !(r > 0.0) || !isfinite(r))
        return 0.0;
    struct od_data d = {fg_xmalloc(n * sizeof(double)),
                        fg_xmalloc(n * sizeof(double)), 0,
                        fg_xmalloc(n * sizeof(double))};
    double alpha = 0.0;
    double lnr = log(r);
    for (size_t f = 0; f < n; f++) {
        if (!(a[f] > 0.0 && b[f] > 0.0 && isfinite(a[f]) && isfinite(b[f])))
            continue;
        double lr = log(b[f]) - log(a[f]) - lnr;
        d.lr2[d.k] = lr * lr;
        d.v[d.k] = 1.0 / a[f] + 1.0 / b[f];
        d.k++;
    }
    const double target = gsl_cdf_chisq_Pinv(0.5, 1.0);
    if (d.k < 3 || !(od_stat(&d, 0.0) > target))
        goto out;
    /* Each term decreases in alpha, so the median does: bracket the root
     * by doubling, then bisect. */
    double lo = 0.0, hi = 1e-8;
    while (od_stat(&d, hi) > target) {
        lo = hi;
        hi *= 2.0;
        if (hi >= FG_STATS_ALPHA_MAX) {
            alpha = FG_STATS_ALPHA_MAX;
            goto out;
        }
    }
    for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        if (od_stat(&d, mid) > target)
            lo = mid;
        else
            hi = mid;
    }
    alpha = 0.5 * (lo + hi);
out:
    free(d.lr2);
    free(d.v);
    free(d.tmp);
    return alpha;
}

void fg_stats_ztest_pseudo(double a, double b, double r, double alpha,
                           double pseudo, struct fg_ztest *out)
{
    out->z = 0.0;
    out->p = 1.0;
    out->log_ratio = 0.0;
    out->se = 0.0;
    if (!(pseudo >= 0.0) || !isfinite(pseudo))
        pseudo = 0.0;
    if (!(alpha >= 0.0) || !isfinite(alpha))
        alpha = 0.0;
    if (!(a >= 0.0 && b >= 0.0 && isfinite(a) && isfinite(b)) ||
        !(r > 0.0) || !isfinite(r))
        return;
    double a1 = a + pseudo, b1 = b + pseudo;
    if (!(a1 > 0.0 && b1 > 0.0))
        return;
    double lr = log(b1) - log(a1) - log(r);
    double se = sqrt(1.0 / a1 + 1.0 / b1 + 2.0 * alpha);
    if (!isfinite(lr) || !(se > 0.0) || !isfinite(se))
        return;
    out->log_ratio = lr;
    out->se = se;
    out->z = lr / se;
    out->p = normal_p(out->z);
}

void fg_stats_ztest(double a, double b, double r, double alpha,
                    struct fg_ztest *out)
{
    fg_stats_ztest_pseudo(a, b, r, alpha, 0.5, out);
}

static bool all_finite(const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return false;
    }
    return true;
}

static void ttest_fail(struct fg_ttest *out, double diff)
{
    out->t = 0.0;
    out->df = 0.0;
    out->p = 1.0;
    out->se = 0.0;
    out->diff = isfinite(diff) ? diff : 0.0;
}

/* Fill out from diff, the squared standard error and df (all checked). */
static int ttest_finish(struct fg_ttest *out, double diff, double se2,
                        double df)
{
    if (!isfinite(diff) || !isfinite(se2) || !(df > 0.0)) {
        ttest_fail(out, diff);
        return FG_ESTATS;
    }
    if (!(se2 > 0.0)) {
        ttest_fail(out, diff);
        if (diff != 0.0)
            return FG_ESTATS;
        out->df = df;
        return FG_OK;
    }
    out->diff = diff;
    out->se = sqrt(se2);
    out->t = diff / out->se;
    out->df = df;
    if (!isfinite(out->t)) {
        ttest_fail(out, diff);
        return FG_ESTATS;
    }
    out->p = fg_stats_t_p(out->t, df);
    return FG_OK;
}

int fg_stats_welch(const double *y1, size_t n1, const double *y2, size_t n2,
                   double floor1, double floor2, struct fg_ttest *out)
{
    if (n1 < 2 || n2 < 2 || !all_finite(y1, n1) || !all_finite(y2, n2)) {
        ttest_fail(out, 0.0);
        return FG_ESTATS;
    }
    double m1 = gsl_stats_mean(y1, 1, n1);
    double m2 = gsl_stats_mean(y2, 1, n2);
    double v1 = gsl_stats_variance_m(y1, 1, n1, m1);
    double v2 = gsl_stats_variance_m(y2, 1, n2, m2);
    if (floor1 > v1 && isfinite(floor1))
        v1 = floor1;
    if (floor2 > v2 && isfinite(floor2))
        v2 = floor2;
    double s1 = v1 / (double)n1, s2 = v2 / (double)n2;
    double se2 = s1 + s2;
    double df = (double)(n1 + n2 - 2);
    if (se2 > 0.0) {
        /* Welch-Satterthwaite with weights summing to 1: squaring the
         * raw terms can underflow for tiny variances. */
        double w1 = s1 / se2, w2 = s2 / se2;
        df = 1.0 / (w1 * w1 / (double)(n1 - 1) + w2 * w2 / (double)(n2 - 1));
    }
    return ttest_finish(out, m2 - m1, se2, df);
}

double fg_stats_log_share(double x, double total)
{
    return log2((count_or_zero(x) + 0.5) / (count_or_zero(total) + 1.0));
}

double fg_stats_poisson_floor(const double *x, size_t n)
{
    if (n == 0)
        return 0.0;
    const double ln2sq = M_LN2 * M_LN2;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += 1.0 / ((count_or_zero(x[i]) + 0.5) * ln2sq);
    return s / (double)n;
}

/* Solve trigamma(y) = x for y (limma trigammaInverse): Newton's method
 * on 1/trigamma, which is convex and > y - 1/2, so the iteration from
 * y = 1/2 + 1/x converges monotonically.  x > 0. */
static double trigamma_inverse(double x)
{
    if (x > 1e7)
        return 1.0 / sqrt(x);
    if (x < 1e-6)
        return 1.0 / x;
    double y = 0.5 + 1.0 / x;
    for (int it = 0; it < 50; it++) {
        double tri = gsl_sf_psi_1(y);
        double dif = tri * (1.0 - tri / x) / gsl_sf_psi_n(2, y);
        y += dif;
        if (!isfinite(y) || -dif / y < 1e-8)
            break;
    }
    return y;
}

int fg_stats_fit_fdist(const double *s2, const double *df, size_t n,
                       double *s2_prior, double *df_prior)
{
    *s2_prior = 0.0;
    *df_prior = 0.0;
    int rc = FG_ESTATS;
    double *x = fg_xmalloc((n ? n : 1) * sizeof *x);
    double *d = fg_xmalloc((n ? n : 1) * sizeof *d);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(s2[i]) || !(s2[i] > -1e-15) || !isfinite(df[i]) ||
            !(df[i] > 1e-15))
            continue;
        x[k] = s2[i] > 0.0 ? s2[i] : 0.0;
        d[k] = df[i];
        k++;
    }
    if (k < 3)
        goto out;

    /* Offset exact zeros (log scale below); limma takes the median as 1
     * when more than half are zero. */
    double med = fg_stats_median(x, k);
    if (med == 0.0)
        med = 1.0;
    double xsum = 0.0, emean = 0.0, trimean = 0.0;
    for (size_t i = 0; i < k; i++) {
        x[i] = fmax(x[i], 1e-5 * med);
        xsum += x[i];
        /* e = log s2 - E[log chi2_d/d], so that E[e] = log s0^2 */
        double e = log(x[i]) - gsl_sf_psi(d[i] / 2.0) + log(d[i] / 2.0);
        emean += e;
        trimean += gsl_sf_psi_1(d[i] / 2.0);
        d[i] = e; /* reuse: d now holds e */
    }
    emean /= (double)k;
    trimean /= (double)k;
    double evar = 0.0;
    for (size_t i = 0; i < k; i++)
        evar += (d[i] - emean) * (d[i] - emean);
    evar = evar / (double)(k - 1) - trimean;

    double s0, d0;
    if (evar > 0.0) {
        d0 = 2.0 * trigamma_inverse(evar);
        s0 = exp(emean + gsl_sf_psi(d0 / 2.0) - log(d0 / 2.0));
        if (d0 > FG_STATS_DF_INF)
            d0 = FG_STATS_DF_INF;
    } else {
        /* limma: df2 = Inf, scale = the pooled (mean) variance */
        d0 = FG_STATS_DF_INF;
        s0 = xsum / (double)k;
    }
    if (!isfinite(s0) || !(s0 > 0.0) || !isfinite(d0) || !(d0 > 0.0))
        goto out;
    *s2_prior = s0;
    *df_prior = d0;
    rc = FG_OK;
out:
    free(x);
    free(d);
    return rc;
}

double fg_stats_squeeze(double s2, double df, double s2_prior,
                        double df_prior)
{
    if (!isfinite(s2) || s2 < 0.0)
        s2 = 0.0;
    if (!isfinite(s2_prior) || s2_prior < 0.0)
        s2_prior = 0.0;
    if (!(df >= 0.0))
        df = 0.0;
    if (!(df_prior >= 0.0))
        df_prior = 0.0;
    if (isinf(df_prior))
        return isinf(df) ? 0.5 * (s2 + s2_prior) : s2_prior;
    if (isinf(df))
        return s2;
    if (df + df_prior == 0.0)
        return s2;
    double post = (df * s2 + df_prior * s2_prior) / (df + df_prior);
    return isfinite(post) ? post : 0.0;
}

double fg_stats_t_p(double t, double df)
{
    if (isnan(t) || !(df > 0.0))
        return 1.0;
    if (isinf(t))
        return 0.0;
    if (isinf(df))
        return normal_p(t);
    return clamp_p(2.0 * gsl_cdf_tdist_Q(fabs(t), df));
}

int fg_stats_pooled_var(const double *y1, size_t n1, const double *y2,
                        size_t n2, double *diff, double *s2)
{
    *diff = 0.0;
    *s2 = 0.0;
    if (n1 == 0 || n2 == 0 || n1 + n2 < 3 || !all_finite(y1, n1) ||
        !all_finite(y2, n2))
        return FG_ESTATS;
    double m1 = gsl_stats_mean(y1, 1, n1);
    double m2 = gsl_stats_mean(y2, 1, n2);
    double ss = 0.0;
    for (size_t i = 0; i < n1; i++)
        ss += (y1[i] - m1) * (y1[i] - m1);
    for (size_t i = 0; i < n2; i++)
        ss += (y2[i] - m2) * (y2[i] - m2);
    double v = ss / (double)(n1 + n2 - 2);
    if (!isfinite(v) || !isfinite(m2 - m1))
        return FG_ESTATS;
    *diff = m2 - m1;
    *s2 = v;
    return FG_OK;
}

int fg_stats_moderated_t(const double *y1, size_t n1, const double *y2,
                         size_t n2, double s2_prior, double df_prior,
                         double df_cap, struct fg_ttest *out)
{
    double diff, s2;
    if (fg_stats_pooled_var(y1, n1, y2, n2, &diff, &s2) != FG_OK) {
        ttest_fail(out, 0.0);
        return FG_ESTATS;
    }
    double dres = (double)(n1 + n2 - 2);
    if (!(df_prior >= 0.0))
        df_prior = 0.0;
    double post = fg_stats_squeeze(s2, dres, s2_prior, df_prior);
    double df = dres + df_prior;
    if (df_cap > 0.0 && df > df_cap)
        df = df_cap;
    if (!isfinite(df))
        df = FG_STATS_DF_INF;
    double se2 = post * (1.0 / (double)n1 + 1.0 / (double)n2);
    return ttest_finish(out, diff, se2, df);
}

static double clamp_q(double p)
{
    return p < P_MIN ? P_MIN : p > P_MAX ? P_MAX : p;
}

static double clamp_big(double x)
{
    if (isnan(x))
        return 0.0;
    return x > BIG ? BIG : x < -BIG ? -BIG : x;
}

double fg_stats_z_quantile(double upper_tail_p)
{
    if (isnan(upper_tail_p))
        return 0.0;
    return clamp_big(gsl_cdf_ugaussian_Qinv(clamp_q(upper_tail_p)));
}

double fg_stats_t_quantile(double upper_tail_p, double df)
{
    if (isnan(upper_tail_p) || !(df > 0.0))
        return 0.0;
    if (isinf(df))
        return fg_stats_z_quantile(upper_tail_p);
    return clamp_big(gsl_cdf_tdist_Qinv(clamp_q(upper_tail_p), df));
}

/* z_{alpha/(2m)} + z_{1-power}, or NaN when the inputs are invalid. */
static double power_z(size_t m, double alpha, double power)
{
    if (!(alpha > 0.0 && alpha < 1.0) || !(power > 0.0 && power < 1.0))
        return NAN;
    double level = alpha / (2.0 * (double)(m ? m : 1));
    return fg_stats_z_quantile(level) + fg_stats_z_quantile(1.0 - power);
}

/* The checks both MDEs share: false with *early set when the answer is
 * known without solving (invalid input: the cap; power at most the level:
 * 0), else true with the z sum in *z. */
static bool mde_setup(double n_base, double n_cand, double p0, size_t m,
                      double alpha, double power, double *z, double *early)
{
    *z = power_z(m, alpha, power);
    *early = FG_STATS_MDE_MAX;
    if (isnan(*z) || !(n_base > 0.0) || !(n_cand > 0.0) ||
        !(p0 > 0.0 && p0 < 1.0))
        return false;
    *early = 0.0;
    return *z > 0.0;
}

double fg_stats_mde(double n_base, double n_cand, double p0, size_t m,
                    double alpha, double power)
{
    double z, early;
    if (!mde_setup(n_base, n_cand, p0, m, alpha, power, &z, &early))
        return early;
    /* (p0 d)^2 = Z (p0(1-p0)/nb + p1(1-p1)/nc), p1 = p0(1+d), i.e.
     * qa d^2 - qb d - qc = 0 with qa > 0 and qc > 0: one positive root. */
    double zz = z * z;
    double nb = fmin(n_base, BIG), nc = fmin(n_cand, BIG);
    double qa = p0 * p0 * (1.0 + zz / nc);
    double qb = zz * p0 * (1.0 - 2.0 * p0) / nc;
    double qc = zz * (p0 * (1.0 - p0) / nb + p0 * (1.0 - p0) / nc);
    double disc = sqrt(qb * qb + 4.0 * qa * qc);
    /* The form without cancellation for either sign of qb. */
    double d = qb >= 0.0 ? (qb + disc) / (2.0 * qa) : 2.0 * qc / (disc - qb);
    if (!(d >= 0.0) || !isfinite(d) || d > FG_STATS_MDE_MAX)
        return FG_STATS_MDE_MAX;
    return d;
}

double fg_stats_mde_noise(double n_base, double n_cand, double p0, size_t m,
                          double alpha, double power, double extra_var)
{
    double z, early;
    if (!mde_setup(n_base, n_cand, p0, m, alpha, power, &z, &early))
        return early;
    if (isinf(extra_var) && extra_var > 0.0)
        return FG_STATS_MDE_MAX;
    double extra = extra_var > 0.0 && isfinite(extra_var) ? extra_var : 0.0;
    double nb = fmin(n_base, BIG), nc = fmin(n_cand, BIG);
    /* ln(1 + d) = z * sd(ln ratio), the sampling part of sd depending on
     * p1 = p0 (1 + d): a contraction, so plain iteration converges. */
    double d = 0.0;
    for (int it = 0; it < 200; it++) {
        double p1 = fmin(p0 * (1.0 + d), 1.0 - 1e-12);
        double v = (1.0 - p0) / (nb * p0) + (1.0 - p1) / (nc * p1) + extra;
        double nd = expm1(fmin(z * sqrt(v), 700.0));
        if (!(nd >= 0.0) || !isfinite(nd) || nd > FG_STATS_MDE_MAX)
            return FG_STATS_MDE_MAX;
        bool done = fabs(nd - d) <= 1e-12 * (1.0 + nd);
        d = nd;
        if (done)
            break;
    }
    return d;
}

double fg_stats_samples_needed(double p0, double p1, size_t m, double alpha,
                               double power)
{
    double z = power_z(m, alpha, power);
    if (isnan(z) || !(p0 >= 0.0 && p0 <= 1.0) || !(p1 >= 0.0 && p1 <= 1.0) ||
        p0 == p1)
        return 0.0;
    double delta = p1 - p0;
    double n = z * z * (p0 * (1.0 - p0) + p1 * (1.0 - p1)) / (delta * delta);
    return isfinite(n) ? n : 0.0;
}
