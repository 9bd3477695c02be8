/*
 * compare.c - baseline vs candidate (see compare.h and README
 * "Statistics").
 *
 * Steps: choose the analysed sample type and the count used by the tests
 * (sample counts, never nanoseconds or bytes); aggregate every run into a
 * per-function matrix over the union of function names; normalize (median
 * of ratios, falling back to totals); build the test family (a+b >= 20 and
 * max share >= min_share, minus ignored functions); test each function
 * (exact binomial / overdispersed z with one run per side, limma-style
 * moderated t with replicates); correct (Holm for FAIL, BH for the report);
 * apply the effect gates and budgets; decide the verdict.
 */
#include "flamegate/compare.h"
#include "flamegate/aggregate.h"
#include "analysis/overdisp.h"
#include "analysis/stats.h"
#include "flamegate/strtab.h"
#include "core/util.h"

#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SF_ROWS 5    /* fewer eligible functions: normalize by total */
#define MDE_SHARE 0.05   /* MDE is reported for a function at 5% share */
#define MDE_POWER 0.80
#define CRIT_RATIO 1.5   /* critical tier (STATISTICS 5, Kayenta-style) */
#define CRIT_DELTA 0.02
#define REPLICATE_MIN 3  /* runs per side for the moderated t */
/* Below this many tested functions a single-profile noise estimate is
 * vague enough to say so. */
#define FEW_NOISE_FUNCS 10

void fg_compare_opts_default(struct fg_compare_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->metric = FG_METRIC_FLAT;
    o->normalize = FG_NORM_ROBUST;
    o->test = FG_TEST_AUTO;
    o->alpha = 0.05;
    o->min_change = 0.10;
    o->min_delta = 0.005;
    o->min_share = 0.001;
    o->min_count = 20;
    o->min_samples = 500;
}

const char *fg_verdict_name(enum fg_verdict v)
{
    switch (v) {
    case FG_VERDICT_PASS: return "PASS";
    case FG_VERDICT_MARGINAL: return "MARGINAL";
    case FG_VERDICT_FAIL: return "FAIL";
    case FG_VERDICT_INCONCLUSIVE: return "INCONCLUSIVE";
    }
    return "?";
}

const char *fg_metric_name(enum fg_metric m)
{
    switch (m) {
    case FG_METRIC_FLAT: return "flat";
    case FG_METRIC_CUM: return "cum";
    case FG_METRIC_BOTH: return "both";
    }
    return "?";
}

const char *fg_normalize_name(enum fg_normalize n)
{
    switch (n) {
    case FG_NORM_ROBUST: return "robust";
    case FG_NORM_TOTAL: return "total";
    case FG_NORM_NONE: return "none";
    }
    return "?";
}

const char *fg_test_name(enum fg_test t)
{
    switch (t) {
    case FG_TEST_AUTO: return "auto";
    case FG_TEST_BINOMIAL: return "binomial";
    case FG_TEST_MODERATED: return "moderated-t";
    }
    return "?";
}

/* ---- working state ------------------------------------------------------ */

/* How counts are obtained from one profile. */
struct count_spec {
    struct fg_agg_spec spec;
    double scale;       /* multiply aggregated values (1 unless derived) */
    const char *label;  /* description for reports */
};

struct work {
    const struct fg_compare_opts *o;
    struct fg_error *err;
    size_t k, m, runs;        /* runs = k + m; base first */
    struct fg_strtab names;   /* union of function names (borrowed) */
    /* matrices n_funcs x runs, grown as names appear */
    double *flat, *cum;       /* counts */
    double *vflat, *vcum;     /* analysed values */
    double *sqflat, *sqcum;   /* sums of squared stack counts */
    size_t cap;               /* rows allocated */
    size_t zeroed;            /* rows cleared (<= cap) */
    double *totals;           /* count total per run */
    double *vtotals;          /* analysed value total per run */
    double *L;                /* effective library size per run */
    size_t *mrow;             /* result row -> matrix row */
    bool warned_noise;        /* "too few functions" said once */
    struct fg_result *res;
};

static void warn(struct fg_result *r, const char *fmt, ...) FG_PRINTF(2, 3);

static void warn(struct fg_result *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t cap = r->n_warnings;
    r->warnings = fg_xrealloc(r->warnings, (cap + 1) * sizeof(char *));
    r->warnings[r->n_warnings++] = fg_xstrdup(line);
}

/* Make rows [0, need) exist and hold zeros.  Rows are cleared as they
 * come into use, not when allocated: the doubling slack is never touched,
 * which keeps it out of the resident set (megabytes with 10^5+
 * functions). */
static void grow_rows(struct work *w, size_t need)
{
    double **mats[] = {&w->flat,  &w->cum,   &w->vflat,
                       &w->vcum,  &w->sqflat, &w->sqcum};
    if (need > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < need)
            cap *= 2;
        for (size_t i = 0; i < 6; i++)
            *mats[i] = fg_xrealloc(*mats[i], cap * w->runs * sizeof(double));
        w->cap = cap;
    }
    if (need > w->zeroed) {
        for (size_t i = 0; i < 6; i++)
            memset(*mats[i] + w->zeroed * w->runs, 0,
                   (need - w->zeroed) * w->runs * sizeof(double));
        w->zeroed = need;
    }
}

/* ---- sample types and counts -------------------------------------------- */

static bool same_type(const struct fg_value_type *a,
                      const struct fg_value_type *b)
{
    return strcmp(a->type, b->type) == 0 && strcmp(a->unit, b->unit) == 0;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/*
 * The sampling interval of values of type t: the period when it divides
 * every value, else the greatest common divisor of the values (converters
 * such as JFR-to-pprof write a nominal period that does not match the
 * values, which are still whole multiples of the real interval).  0 when
 * the values are not multiples of anything useful (gcd 1 with large
 * values) or the resulting count would be implausible.
 */
static int64_t sampling_interval(const struct fg_profile *p, size_t t)
{
    int64_t g = 0, total = 0;
    size_t records = 0;
    bool period_ok = p->period > 0;
    for (size_t s = 0; s < p->n_samples; s++) {
        int64_t v = p->values[s * p->n_types + t];
        if (v == 0)
            continue;
        if (v < 0)
            v = -v;
        records++;
        g = gcd64(v, g);
        if (period_ok && v % p->period != 0)
            period_ok = false;
        if (total < INT64_MAX - v)
            total += v;
    }
    if (period_ok && strcmp(p->period_type.unit, p->types[t].unit) == 0)
        return p->period;
    /* One sample record rarely stands for more than a thousand events; a
     * larger ratio means the gcd is not a sampling interval. */
    if (g > 1 && records && (double)total / (double)g <= 1000.0 * records)
        return g;
    return 0;
}

/*
 * Decide how to obtain sample counts for the analysed type t of p
 * (STATISTICS 1.1-1.3): the type itself when it counts, samples/count,
 * raw counts recovered from a Go heap profile, value / sampling interval,
 * or as a last resort the values rescaled to the number of sample records
 * (with a warning).
 */
static void choose_counts(const struct fg_profile *p, size_t t,
                          struct count_spec *c, bool *approx)
{
    memset(c, 0, sizeof(*c));
    c->scale = 1.0;
    c->spec.mode = FG_AGG_RAW;
    long ct = fg_profile_count_type(p, t);
    const struct fg_value_type *a = &p->types[t];
    *approx = false;
    if (ct >= 0) {
        const struct fg_value_type *cty = &p->types[ct];
        size_t plen = strcspn(cty->type, "_");
        bool heap = strcmp(a->unit, "bytes") == 0 && p->period > 0 &&
                    strcmp(p->period_type.unit, "bytes") == 0 &&
                    strstr(cty->type, "_objects") != NULL &&
                    strncmp(a->type, cty->type, plen) == 0;
        c->spec.type = (size_t)ct;
        if (heap) {
            c->spec.mode = FG_AGG_HEAP_COUNTS;
            c->spec.aux = t;
            c->spec.rate = (double)p->period;
            c->label = "sampled objects recovered from the heap profile";
        } else {
            c->label = (size_t)ct == t ? "the analysed counts"
                                       : "samples/count";
        }
        return;
    }
    c->spec.type = t;
    int64_t iv = sampling_interval(p, t);
    if (iv > 0) {
        c->scale = 1.0 / (double)iv;
        c->label = "value / sampling interval";
        return;
    }
    *approx = true;
    c->label = "values rescaled to the number of samples";
}

/* ---- aggregation into the union matrix ---------------------------------- */

static int add_run(struct work *w, const struct fg_profile *p, size_t col,
                   size_t t, bool *approx_out)
{
    struct fg_agg counts, vals;
    struct count_spec cs;
    bool approx;
    choose_counts(p, t, &cs, &approx);
    cs.spec.want_sq = true;
    int rc = fg_aggregate(p, &cs.spec, &counts, w->err);
    if (rc)
        return rc;
    /* When the counts are the analysed values themselves (a count type,
     * folded stacks), a second pass would repeat the first exactly. */
    bool same = cs.spec.type == t && cs.spec.mode == FG_AGG_RAW;
    if (same) {
        memset(&vals, 0, sizeof(vals));
    } else if ((rc = fg_aggregate_type(p, t, &vals, w->err))) {
        fg_agg_release(&counts);
        return rc;
    }
    const struct fg_agg *v = same ? &counts : &vals;
    double scale = cs.scale;
    if (approx) {
        /* No counting type and no period: one event per sample record is
         * the most conservative count the data supports. */
        size_t nz = 0;
        for (size_t s = 0; s < p->n_samples; s++)
            nz += p->values[s * p->n_types + t] != 0;
        scale = counts.total > 0 ? (double)nz / (double)counts.total : 1.0;
        *approx_out = true;
    }
    if (!w->res->count_type)
        w->res->count_type = fg_xstrdup(cs.label);
    for (size_t f = 0; f < p->n_funcs; f++) {
        if (counts.flat[f] == 0 && counts.cum[f] == 0 && v->flat[f] == 0 &&
            v->cum[f] == 0)
            continue;
        const char *name = p->func_names[f];
        uint32_t g = fg_strtab_intern(&w->names, name, strlen(name));
        grow_rows(w, (size_t)g + 1);
        size_t i = (size_t)g * w->runs + col;
        /* Counts are non-negative in the tests (delta profiles may hold
         * negative values; they are clamped for counting only). */
        w->flat[i] = fmax(0.0, floor((double)counts.flat[f] * scale + 0.5));
        w->cum[i] = fmax(0.0, floor((double)counts.cum[f] * scale + 0.5));
        w->vflat[i] = (double)v->flat[f];
        w->vcum[i] = (double)v->cum[f];
        w->sqflat[i] = counts.flat_sq[f] * scale * scale;
        w->sqcum[i] = counts.cum_sq[f] * scale * scale;
    }
    w->totals[col] = fmax(0.0, floor((double)counts.total * scale + 0.5));
    w->vtotals[col] = (double)v->total;
    fg_agg_release(&counts);
    fg_agg_release(&vals);
    return FG_OK;
}

static int check_types(struct fg_profile *const *base, size_t k,
                       struct fg_profile *const *cand, size_t m,
                       const struct fg_compare_opts *o, size_t *types,
                       struct fg_error *err)
{
    const struct fg_value_type *ref = NULL;
    const char *ref_src = NULL;
    for (size_t i = 0; i < k + m; i++) {
        const struct fg_profile *p = i < k ? base[i] : cand[i - k];
        int rc = fg_profile_select_type(p, o->sample_type, &types[i], err);
        if (rc)
            return rc;
        const struct fg_value_type *t = &p->types[types[i]];
        if (!ref) {
            ref = t;
            ref_src = p->source;
        } else if (!same_type(ref, t)) {
            return fg_error_set(err, FG_EUSAGE,
                                "profiles have different sample types: "
                                "'%s' is %s/%s but '%s' is %s/%s (choose one "
                                "with --sample-type)",
                                ref_src, ref->type, ref->unit, p->source,
                                t->type, t->unit);
        }
    }
    return FG_OK;
}

/* ---- rules ---------------------------------------------------------------- */

struct compiled_rules {
    regex_t *re;
    bool *ok;
    size_t n;
    bool any_focus;
};

static int compile_rules(const struct fg_compare_opts *o,
                         struct compiled_rules *cr, struct fg_error *err)
{
    cr->n = o->n_rules;
    cr->re = fg_xcalloc(cr->n ? cr->n : 1, sizeof(regex_t));
    cr->ok = fg_xcalloc(cr->n ? cr->n : 1, sizeof(bool));
    cr->any_focus = false;
    for (size_t i = 0; i < cr->n; i++) {
        const struct fg_rule *r = &o->rules[i];
        if (r->kind == FG_RULE_FOCUS)
            cr->any_focus = true;
        if (r->is_glob)
            continue;
        int e = regcomp(&cr->re[i], r->pattern, REG_EXTENDED | REG_NOSUB);
        if (e) {
            char msg[256];
            regerror(e, &cr->re[i], msg, sizeof(msg));
            return fg_error_set(err, FG_EUSAGE,
                                "invalid regular expression '%s'%s%s: %s",
                                r->pattern, r->origin ? " from " : "",
                                r->origin ? r->origin : "", msg);
        }
        cr->ok[i] = true;
    }
    return FG_OK;
}

static void free_rules(struct compiled_rules *cr)
{
    for (size_t i = 0; i < cr->n; i++)
        if (cr->ok[i])
            regfree(&cr->re[i]);
    free(cr->re);
    free(cr->ok);
}

static bool rule_matches(const struct compiled_rules *cr,
                         const struct fg_rule *r, size_t i, const char *name)
{
    if (r->is_glob)
        return fnmatch(r->pattern, name, 0) == 0;
    return cr->ok[i] && regexec(&cr->re[i], name, 0, NULL, 0) == 0;
}

/* Apply rules to one row: ignore/focus, then the first matching threshold
 * rule sets the gates and the budget. */
static void apply_rules(const struct fg_compare_opts *o,
                        const struct compiled_rules *cr,
                        struct fg_func_result *f)
{
    bool focused = !cr->any_focus;
    f->min_change = o->min_change;
    f->min_delta = o->min_delta;
    bool threshold_done = false;
    for (size_t i = 0; i < cr->n; i++) {
        const struct fg_rule *r = &o->rules[i];
        if (!rule_matches(cr, r, i, f->name))
            continue;
        if (r->kind == FG_RULE_IGNORE)
            f->flags |= FG_F_IGNORED;
        else if (r->kind == FG_RULE_FOCUS)
            focused = true;
        else if (!threshold_done) {
            threshold_done = true;
            f->rule = r;
            if (r->min_change >= 0)
                f->min_change = r->min_change;
            if (r->min_delta >= 0)
                f->min_delta = r->min_delta;
        }
    }
    if (!focused)
        f->flags |= FG_F_IGNORED;
}

/* ---- normalization --------------------------------------------------------- */

static void normalize(struct work *w, size_t nf)
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
            warn(r, "fewer than %d functions are common to both sides with "
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

/* ---- per-function tests ---------------------------------------------------- */

static double sum_side(const double *row, size_t from, size_t to)
{
    double s = 0;
    for (size_t j = from; j < to; j++)
        s += row[j];
    return s;
}

/* Concentration of a function's counts over its stacks on runs
 * [from, to): sum of squared stack counts / (sum of counts)^2, in (0, 1];
 * 1 for a function made of a single stack.  0 when it has no counts. */
static double concentration(const double *cnt, const double *sq, size_t from,
                            size_t to)
{
    double c = sum_side(cnt, from, to), q = sum_side(sq, from, to);
    if (!(c > 0))
        return 0.0;
    double h = q / (c * c);
    return h > 1.0 ? 1.0 : h;
}

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

struct family {
    size_t *rows;     /* result row indices */
    size_t n;
};

/* The noise variance of the median tested function's log ratio, per unit
 * of concentration times the median concentration h[0..n), from the first
 * family tested (flat when it is tested). */
static void set_noise_var(struct fg_result *r, double per_h, const double *h,
                          size_t n)
{
    if (r->noise_var > 0 || n == 0)
        return;
    double v = per_h * fg_stats_median(h, n);
    r->noise_var = isfinite(v) && v > 0 ? v : 0.0;
}

static void test_binomial(struct work *w, const struct family *fam,
                          const double *mat, const double *sq)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, R = w->runs;
    size_t n = fam->n;
    if (n == 0)
        return;
    double *a = fg_xcalloc(n, sizeof(double));
    double *b = fg_xcalloc(n, sizeof(double));
    double *h = fg_xcalloc(n, sizeof(double));
    struct fg_overdisp_test *t = fg_xcalloc(n, sizeof(*t));
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        size_t g = w->mrow[fam->rows[i]];
        a[i] = (double)f->base_count;
        b[i] = (double)f->cand_count;
        /* Stack-level noise: a function's extra variance scales with how
         * concentrated it is in few stacks (overdisp.h). */
        h[i] = concentration(mat + g * R, sq + g * R, 0, k) +
               concentration(mat + g * R, sq + g * R, k, R);
    }
    bool estimated = false;
    double alpha = fg_overdisp_tests(a, b, h, n, r->r, w->o->alpha, t,
                                     &estimated);
    if (alpha > r->overdispersion)
        r->overdispersion = alpha;
    if (!estimated && !w->warned_noise) {
        w->warned_noise = true;
        warn(r, "only %zu functions can be tested: too few to estimate "
                "run-to-run noise, so the test assumes pure sampling noise "
                "and may over-call; compare several runs per side",
             n);
    } else if (n < FEW_NOISE_FUNCS && !w->warned_noise) {
        w->warned_noise = true;
        warn(r, "the run-to-run noise is inferred from only %zu functions, "
                "so only large changes stand out; compare several runs per "
                "side",
             n);
    }
    set_noise_var(r, alpha, h, n);
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        f->p = t[i].p;
        f->df = 0.0;
        f->stat = t[i].z;
        f->ratio = safe_exp(t[i].log_ratio);
        f->ratio_lo = safe_exp(t[i].log_ratio - t[i].half);
        f->ratio_hi = safe_exp(t[i].log_ratio + t[i].half);
    }
    free(t);
    free(a);
    free(b);
    free(h);
}

static void test_moderated(struct work *w, const struct family *fam,
                           const double *mat, const double *sq)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, m = w->m, R = w->runs;
    size_t n = fam->n;
    double *y = fg_xcalloc(R, sizeof(double));
    double *s2 = fg_xcalloc(n ? n : 1, sizeof(double));
    double *df = fg_xcalloc(n ? n : 1, sizeof(double));
    double *diff = fg_xcalloc(n ? n : 1, sizeof(double));
    double *floor_v = fg_xcalloc(n ? n : 1, sizeof(double));
    double *hh = fg_xcalloc(n ? n : 1, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *row = mat + w->mrow[fam->rows[i]] * R;
        const double *sqrow = sq + w->mrow[fam->rows[i]] * R;
        /* mean per-run concentration over its stacks (floor 1e-6) */
        double hs = 0;
        for (size_t j = 0; j < R; j++)
            hs += concentration(row, sqrow, j, j + 1);
        hh[i] = fmax(hs / (double)R, 1e-6);
        for (size_t j = 0; j < R; j++)
            y[j] = fg_stats_log_share(row[j], w->L[j]);
        if (fg_stats_pooled_var(y, k, y + k, m, &diff[i], &s2[i]))
            s2[i] = 0;
        df[i] = (double)(R - 2);
        floor_v[i] = fg_stats_poisson_floor(row, R);
    }
    /*
     * Variance trend (limma-trend): a function's log-share variance is its
     * Poisson sampling variance (large for small functions) plus a common
     * extra-Poisson part proportional to its concentration.  The prior is
     * fitted to variances scaled by that expectation, so noisy small
     * functions do not inflate the prior of stable hot ones (STATISTICS
     * 9.3), and scaled back per function.  phi is a robust maximum
     * likelihood estimate (overdisp.h): a median of clipped excesses is 0
     * whenever most functions are dominated by sampling noise, which made
     * A/A comparisons of small noisy profiles fail.
     */
    double phi = fg_overdisp_trend(s2, (double)(R - 2), floor_v, hh, n);
    double *excess = fg_xcalloc(n ? n : 1, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double wt = floor_v[i] + phi * hh[i];
        excess[i] = wt > 0 ? s2[i] / wt : 0.0; /* now: scaled variance */
    }
    double s0 = 0, d0 = 0;
    if (fg_stats_fit_fdist(excess, df, n, &s0, &d0) != FG_OK) {
        s0 = 0;
        d0 = 0;
    }
    if (r->prior_df == 0 || d0 < r->prior_df) {
        r->prior_var = s0;
        r->prior_df = d0;
    }
    r->overdispersion = fmax(r->overdispersion, phi * M_LN2 * M_LN2);
    /* noise in the difference of mean log shares, natural-log units */
    set_noise_var(r, phi * M_LN2 * M_LN2 * (1.0 / (double)k + 1.0 / (double)m),
                  hh, n);
    double cap = (double)n * (double)(R - 2);
    for (size_t i = 0; i < n; i++) {
        struct fg_func_result *f = &r->funcs[fam->rows[i]];
        double wt = floor_v[i] + phi * hh[i];
        double post = d0 > 0 ? fg_stats_squeeze(excess[i], df[i], s0, d0) * wt
                             : s2[i];
        /* Never below the Poisson sampling variance: identical runs of a
         * small function must not look infinitely precise. */
        if (post < floor_v[i])
            post = floor_v[i];
        double se = sqrt(post * (1.0 / (double)k + 1.0 / (double)m));
        double dft = fmin(df[i] + d0, cap);
        double t = se > 0 ? diff[i] / se : 0.0;
        f->stat = t;
        f->df = dft;
        f->p = fg_stats_t_p(t, dft);
        double tc = fg_stats_t_quantile(w->o->alpha / 2.0, dft);
        f->ratio = safe_exp2(diff[i]);
        f->ratio_lo = safe_exp2(diff[i] - tc * se);
        f->ratio_hi = safe_exp2(diff[i] + tc * se);
    }
    free(excess);
    free(hh);
    free(y);
    free(s2);
    free(df);
    free(diff);
    free(floor_v);
}

/* ---- results ------------------------------------------------------------------ */

/* Rows sort in this many groups, row_rank 0 (regressions) first. */
#define N_ROW_RANKS 8

static int row_rank(const struct fg_func_result *f)
{
    if (f->flags & FG_F_REGRESSION)
        return 0;
    if (f->flags & FG_F_BUDGET)
        return 1;
    if (f->flags & FG_F_MARGINAL)
        return 2;
    if (f->flags & FG_F_IMPROVEMENT)
        return 3;
    if (f->flags & FG_F_NEW)
        return 4;
    if (f->flags & FG_F_VANISHED)
        return 5;
    if (f->flags & FG_F_TESTED)
        return 6;
    return N_ROW_RANKS - 1; /* untested */
}

/*
 * Row order: rank, then adjusted p, |statistic|, |delta|, name, metric.
 * The sort runs over compact keys rather than the rows themselves: rows
 * are bucketed by rank, and names are replaced by their rank in byte
 * order (strcmp's order) found by one string sort.  With 10^5+ functions
 * most rows tie on the numbers, and comparing 180-byte rows and long
 * shared name prefixes cost more than all the statistics.  Same order as
 * comparing the rows directly.
 */
struct row_key {
    double p_holm, stat, delta; /* stat and delta as absolute values */
    uint64_t name;              /* rank of the name in byte order << 1,
                                 * | metric: (name, metric) is unique */
};

/* Keys of one row rank; 32 bytes, which qsort moves directly. */
static int cmp_keys(const void *x, const void *y)
{
    const struct row_key *a = x, *b = y;
    if (a->p_holm != b->p_holm)
        return a->p_holm < b->p_holm ? -1 : 1;
    /* p-values may underflow to 0: rank ties by |statistic|. */
    if (a->stat != b->stat)
        return a->stat > b->stat ? -1 : 1;
    if (a->delta != b->delta)
        return a->delta > b->delta ? -1 : 1;
    return a->name < b->name ? -1 : a->name > b->name;
}

struct name_ent {
    const unsigned char *s;
    uint32_t row;
};

struct name_task {
    size_t lo, n, depth;
};

static void swap_ent(struct name_ent *a, size_t i, size_t j)
{
    struct name_ent t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Insertion sort of a[lo..lo+n), whose names agree on their first depth
 * bytes. */
static void sort_names_small(struct name_ent *a, size_t lo, size_t n,
                             size_t depth)
{
    for (size_t i = lo + 1; i < lo + n; i++) {
        struct name_ent x = a[i];
        size_t j = i;
        while (j > lo && strcmp((const char *)a[j - 1].s + depth,
                                (const char *)x.s + depth) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/*
 * Sort names in byte order by three-way radix quicksort (Bentley and
 * Sedgewick): each byte of a shared prefix is looked at about once,
 * where strcmp in a comparison sort rereads it at every comparison.  An
 * explicit task stack instead of recursion: names may share prefixes of
 * any length.
 */
static void sort_names(struct name_ent *a, size_t count)
{
    struct name_task *st = NULL;
    size_t nst = 0, cap = 0;
    st = fg_xgrow(st, &cap, 1, sizeof(*st));
    st[nst++] = (struct name_task){0, count, 0};
    while (nst) {
        struct name_task t = st[--nst];
        size_t lo = t.lo, n = t.n, d = t.depth;
        while (n > 1) {
            if (n < 16) {
                sort_names_small(a, lo, n, d);
                break;
            }
            /* median of three bytes as the pivot */
            int x = a[lo].s[d], y = a[lo + n / 2].s[d],
                z = a[lo + n - 1].s[d];
            int v = x < y ? (y < z ? y : (x < z ? z : x))
                          : (x < z ? x : (y < z ? z : y));
            size_t lt = lo, i = lo, gt = lo + n;
            while (i < gt) {
                int c = a[i].s[d];
                if (c < v)
                    swap_ent(a, lt++, i++);
                else if (c > v)
                    swap_ent(a, i, --gt);
                else
                    i++;
            }
            st = fg_xgrow(st, &cap, nst + 2, sizeof(*st));
            if (lt > lo)
                st[nst++] = (struct name_task){lo, lt - lo, d};
            if (lo + n > gt)
                st[nst++] = (struct name_task){gt, lo + n - gt, d};
            if (v == 0)
                break; /* the middle names are equal: all ended here */
            lo = lt;
            n = gt - lt;
            d++;
        }
    }
    free(st);
}

static void sort_rows(struct fg_result *r)
{
    size_t n = r->n_funcs;
    struct name_ent *names = fg_xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[i].s = (const unsigned char *)r->funcs[i].name;
        names[i].row = (uint32_t)i;
    }
    sort_names(names, n);
    /* name_of[row] = rank of its name; row_of[(name << 1) | metric] =
     * row, to find rows again from the sorted keys. */
    uint64_t *name_of = fg_xcalloc(n ? n : 1, sizeof(uint64_t));
    uint32_t *row_of = fg_xcalloc(2 * n + 2, sizeof(uint32_t));
    uint64_t rank = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp((const char *)names[i - 1].s,
                            (const char *)names[i].s) != 0)
            rank++;
        name_of[names[i].row] = rank;
    }
    free(names);
    /* Bucket by row rank (a counting sort), then sort each bucket. */
    size_t start[N_ROW_RANKS + 1] = {0};
    for (size_t i = 0; i < n; i++)
        start[row_rank(&r->funcs[i]) + 1]++;
    for (size_t b = 1; b <= N_ROW_RANKS; b++)
        start[b] += start[b - 1];
    struct row_key *keys = fg_xcalloc(n ? n : 1, sizeof(*keys));
    size_t fill[N_ROW_RANKS];
    memcpy(fill, start, sizeof(fill));
    for (size_t i = 0; i < n; i++) {
        const struct fg_func_result *f = &r->funcs[i];
        struct row_key *k = &keys[fill[row_rank(f)]++];
        k->p_holm = f->p_holm;
        k->stat = fabs(f->stat);
        k->delta = fabs(f->delta);
        k->name = name_of[i] << 1 | (uint64_t)(f->metric == FG_METRIC_CUM);
        row_of[k->name] = (uint32_t)i;
    }
    free(name_of);
    for (size_t b = 0; b < N_ROW_RANKS; b++)
        qsort(keys + start[b], start[b + 1] - start[b], sizeof(*keys),
              cmp_keys);
    uint32_t *perm = fg_xcalloc(n ? n : 1, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        perm[i] = row_of[keys[i].name];
    free(keys);
    free(row_of);
    /* Apply the permutation in place, one cycle at a time (a second array
     * of rows would add tens of megabytes to the peak). */
    for (size_t i = 0; i < n; i++) {
        if (perm[i] == i)
            continue;
        struct fg_func_result tmp = r->funcs[i];
        size_t j = i;
        while (perm[j] != i) {
            size_t from = perm[j];
            r->funcs[j] = r->funcs[from];
            perm[j] = (uint32_t)j;
            j = from;
        }
        r->funcs[j] = tmp;
        perm[j] = (uint32_t)j;
    }
    free(perm);
}

void fg_result_free(struct fg_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_funcs; i++) {
        free(r->funcs[i].name);
        free(r->funcs[i].base_runs);
        free(r->funcs[i].cand_runs);
    }
    free(r->funcs);
    struct fg_side *sides[2] = {&r->base, &r->cand};
    for (size_t s = 0; s < 2; s++) {
        for (size_t i = 0; i < sides[s]->runs; i++)
            free(sides[s]->sources[i]);
        free(sides[s]->sources);
        free(sides[s]->run_totals);
    }
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    free(r->sample_type);
    free(r->unit);
    free(r->count_type);
    free(r);
}

/* Counts are kept as doubles while summing over runs; reports get int64
 * values saturated at INT64_MAX (converting a larger double is undefined
 * behaviour, and huge synthetic counts must not crash the gate). */
static int64_t to_i64(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= 9.2e18)
        return INT64_MAX;
    return (int64_t)x;
}

static void fill_side(struct fg_side *s, struct fg_profile *const *ps,
                      size_t n, const double *totals, const double *vtotals)
{
    s->runs = n;
    s->sources = fg_xcalloc(n, sizeof(char *));
    s->run_totals = fg_xcalloc(n, sizeof(int64_t));
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        s->sources[i] = fg_xstrdup(ps[i]->source);
        s->run_totals[i] = to_i64(totals[i]);
        sum += totals[i];
        s->value_total += vtotals[i];
    }
    s->total = to_i64(sum);
}

/* Build rows for one metric from the matrices; returns the number added. */
static size_t make_rows(struct work *w, size_t nf, enum fg_metric metric,
                        const double *mat, const double *vmat,
                        struct compiled_rules *cr)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, R = w->runs;
    double nb = sum_side(w->totals, 0, k), nc = sum_side(w->totals, k, R);
    double lb = sum_side(w->L, 0, k), lc = sum_side(w->L, k, R);
    size_t added = 0;
    for (size_t g = 0; g < nf; g++) {
        const double *row = mat + g * R;
        double a = sum_side(row, 0, k), b = sum_side(row, k, R);
        if (a == 0 && b == 0)
            continue;
        struct fg_func_result *f = &r->funcs[r->n_funcs++];
        memset(f, 0, sizeof(*f));
        f->name = fg_xstrdup(w->names.strs[g]);
        f->metric = metric;
        f->base_count = to_i64(a);
        f->cand_count = to_i64(b);
        f->base_value = sum_side(vmat + g * R, 0, k);
        f->cand_value = sum_side(vmat + g * R, k, R);
        f->base_share = nb > 0 ? a / nb : 0;
        f->cand_share = nc > 0 ? b / nc : 0;
        f->delta = (lc > 0 ? b / lc : 0) - (lb > 0 ? a / lb : 0);
        f->p = f->p_holm = f->p_bh = 1.0;
        f->ratio = f->ratio_lo = f->ratio_hi = 1.0;
        w->mrow[r->n_funcs - 1] = g;
        if (a == 0)
            f->flags |= FG_F_NEW;
        if (b == 0)
            f->flags |= FG_F_VANISHED;
        apply_rules(w->o, cr, f);
        added++;
    }
    return added;
}

static void alloc_runs(struct work *w, size_t row, const double *mat)
{
    const size_t k = w->k, R = w->runs;
    struct fg_func_result *f = &w->res->funcs[row];
    size_t g = w->mrow[row];
    f->base_runs = fg_xcalloc(k, sizeof(int64_t));
    f->cand_runs = fg_xcalloc(w->m, sizeof(int64_t));
    for (size_t j = 0; j < R; j++) {
        if (j < k)
            f->base_runs[j] = to_i64(mat[g * R + j]);
        else
            f->cand_runs[j - k] = to_i64(mat[g * R + j]);
    }
}

/*
 * Whether a tested function could pass its --min-delta gate at all, with
 * min_l = min(L_b, L_c) the smaller side's summed library size:
 * |b/L_c - a/L_b| <= (a + b) / min_l, so below that no outcome
 * of the test can make it a regression through Holm.  The bound depends
 * on a + b only, which the conditional test's null distribution does not
 * (STATISTICS 3.1, 4): filtering on it keeps Holm valid and leaves out
 * of the FAIL family functions that only dilute it.
 */
static bool can_reach_delta(const struct fg_func_result *f, double min_l)
{
    if (!(f->min_delta > 0) || !(min_l > 0))
        return true;
    double reach = ((double)f->base_count + (double)f->cand_count) / min_l;
    return reach >= f->min_delta * (1.0 - 1e-12);
}

/*
 * Adjusted p-values of one tested family.  BH runs over every tested
 * function (report, MARGINAL, critical tier).  Holm decides FAIL, so the
 * functions that can reach their --min-delta form its family on their
 * own (the gate family, r->n_gate); the others, which can at most be
 * MARGINAL, are adjusted among all tested functions as before.
 */
static void adjust(struct work *w, const struct family *fam)
{
    struct fg_result *r = w->res;
    size_t n = fam->n, ng = 0;
    double *p = fg_xcalloc(n + 1, sizeof(double));
    double *all = fg_xcalloc(n + 1, sizeof(double));
    double *bh = fg_xcalloc(n + 1, sizeof(double));
    double *gp = fg_xcalloc(n + 1, sizeof(double));
    size_t *gi = fg_xcalloc(n + 1, sizeof(size_t));
    double min_l = fmin(sum_side(w->L, 0, w->k),
                        sum_side(w->L, w->k, w->runs));
    for (size_t i = 0; i < n; i++) {
        const struct fg_func_result *f = &r->funcs[fam->rows[i]];
        p[i] = f->p;
        if (can_reach_delta(f, min_l)) {
            gi[ng] = i;
            gp[ng++] = f->p;
        }
    }
    fg_stats_holm(p, n, all);
    fg_stats_bh(p, n, bh);
    fg_stats_holm(gp, ng, gp);
    for (size_t i = 0; i < n; i++) {
        r->funcs[fam->rows[i]].p_holm = all[i];
        r->funcs[fam->rows[i]].p_bh = bh[i];
    }
    for (size_t j = 0; j < ng; j++)
        r->funcs[fam->rows[gi[j]]].p_holm = gp[j];
    r->n_gate += ng;
    free(p);
    free(all);
    free(bh);
    free(gp);
    free(gi);
}

/* Test the family of one metric, then adjust. */
static void run_family(struct work *w, size_t from, size_t to,
                       const double *mat, const double *sq)
{
    struct fg_result *r = w->res;
    struct family fam = {fg_xcalloc(to - from + 1, sizeof(size_t)), 0};
    for (size_t i = from; i < to; i++) {
        struct fg_func_result *f = &r->funcs[i];
        bool keep = !(f->flags & FG_F_IGNORED) &&
                    (double)f->base_count + (double)f->cand_count >=
                        (double)w->o->min_count &&
                    fmax(f->base_share, f->cand_share) >= w->o->min_share;
        if (keep) {
            f->flags |= FG_F_TESTED;
            fam.rows[fam.n++] = i;
        }
        if (keep || (f->flags & (FG_F_NEW | FG_F_VANISHED)) ||
            f->rule)
            alloc_runs(w, i, mat);
    }
    if (r->test == FG_TEST_MODERATED) {
        test_moderated(w, &fam, mat, sq);
    } else {
        test_binomial(w, &fam, mat, sq);
    }
    adjust(w, &fam);
    r->n_tested += fam.n;
    free(fam.rows);
}

static void classify(struct work *w, struct fg_func_result *f)
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
    if (material)
        f->flags |= FG_F_MATERIAL;
    bool critical = bh && inc && f->ratio >= CRIT_RATIO &&
                    f->delta >= CRIT_DELTA;
    if (inc && ((holm && material) || critical))
        f->flags |= FG_F_REGRESSION;
    else if (inc && (holm || (bh && material)))
        f->flags |= FG_F_MARGINAL;
    else if (!inc && bh && material)
        f->flags |= FG_F_IMPROVEMENT;
}

static void decide(struct work *w)
{
    struct fg_result *r = w->res;
    for (size_t i = 0; i < r->n_funcs; i++) {
        struct fg_func_result *f = &r->funcs[i];
        classify(w, f);
        r->n_regressions += (f->flags & FG_F_REGRESSION) != 0;
        r->n_marginal += (f->flags & FG_F_MARGINAL) != 0;
        r->n_improvements += (f->flags & FG_F_IMPROVEMENT) != 0;
        r->n_budget += (f->flags & FG_F_BUDGET) != 0;
        if (f->metric == FG_METRIC_FLAT || w->o->metric == FG_METRIC_CUM) {
            r->n_new += (f->flags & FG_F_NEW) != 0;
            r->n_vanished += (f->flags & FG_F_VANISHED) != 0;
        }
    }
    const int64_t ms = w->o->min_samples;
    if (r->n_budget > 0) {
        r->verdict = FG_VERDICT_FAIL;
        snprintf(r->reason, sizeof(r->reason),
                 "%zu function%s over a share budget%s", r->n_budget,
                 r->n_budget == 1 ? " is" : "s are",
                 r->n_regressions ? " and regressions were found" : "");
    } else if (r->base.total < ms || r->cand.total < ms) {
        r->verdict = FG_VERDICT_INCONCLUSIVE;
        snprintf(r->reason, sizeof(r->reason),
                 "too few samples: base %lld, candidate %lld (at least %lld "
                 "per side needed; see --min-samples)",
                 (long long)r->base.total, (long long)r->cand.total,
                 (long long)ms);
    } else if (r->n_tested == 0) {
        r->verdict = FG_VERDICT_INCONCLUSIVE;
        snprintf(r->reason, sizeof(r->reason),
                 "no function has enough samples to be tested (a+b >= %lld "
                 "and a share of at least %.2f%%)",
                 (long long)w->o->min_count, w->o->min_share * 100);
    } else if (r->n_regressions > 0) {
        r->verdict = FG_VERDICT_FAIL;
        snprintf(r->reason, sizeof(r->reason),
                 "%zu function%s regressed significantly and materially",
                 r->n_regressions, r->n_regressions == 1 ? "" : "s");
    } else if (r->n_marginal > 0) {
        r->verdict = FG_VERDICT_MARGINAL;
        snprintf(r->reason, sizeof(r->reason),
                 "%zu function%s increased significantly but below the "
                 "thresholds or only under the looser correction",
                 r->n_marginal, r->n_marginal == 1 ? "" : "s");
    } else {
        r->verdict = FG_VERDICT_PASS;
        snprintf(r->reason, sizeof(r->reason),
                 "no significant and material regression among %zu tested "
                 "function%s",
                 r->n_tested, r->n_tested == 1 ? "" : "s");
    }
    r->exit_code = r->verdict == FG_VERDICT_FAIL ? FG_EXIT_FAIL : FG_EXIT_PASS;
}

static void side_mde(struct work *w)
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

static void choose_test(struct work *w)
{
    struct fg_result *r = w->res;
    enum fg_test t = w->o->test;
    bool replicated = w->k >= REPLICATE_MIN && w->m >= REPLICATE_MIN;
    if (t == FG_TEST_AUTO)
        t = replicated ? FG_TEST_MODERATED : FG_TEST_BINOMIAL;
    if (t == FG_TEST_MODERATED && !replicated) {
        warn(r, "the moderated t-test needs at least %d runs per side "
                "(have %zu and %zu); used the binomial test on merged runs",
             REPLICATE_MIN, w->k, w->m);
        t = FG_TEST_BINOMIAL;
    }
    if (t == FG_TEST_BINOMIAL && (w->k > 1 || w->m > 1))
        warn(r, "runs were merged for the single-profile test (%zu base, "
                "%zu candidate); with %d or more runs per side the "
                "replicate test measures run-to-run noise directly",
             w->k, w->m, REPLICATE_MIN);
    r->test = t;
}

int fg_compare(struct fg_profile *const *base, size_t k,
               struct fg_profile *const *cand, size_t m,
               const struct fg_compare_opts *opts, struct fg_result **out,
               struct fg_error *err)
{
    *out = NULL;
    if (k == 0 || m == 0)
        return fg_error_set(err, FG_EUSAGE, "no %s profiles to compare",
                            k == 0 ? "base" : "candidate");
    int rc = FG_OK;
    struct work w;
    memset(&w, 0, sizeof(w));
    w.o = opts;
    w.err = err;
    w.k = k;
    w.m = m;
    w.runs = k + m;
    fg_strtab_init(&w.names);
    size_t *types = fg_xcalloc(w.runs, sizeof(size_t));
    w.totals = fg_xcalloc(w.runs, sizeof(double));
    w.vtotals = fg_xcalloc(w.runs, sizeof(double));
    w.L = fg_xcalloc(w.runs, sizeof(double));
    struct compiled_rules cr = {NULL, NULL, 0, false};
    struct fg_result *r = fg_xcalloc(1, sizeof(*r));
    w.res = r;
    r->opts = *opts;
    if ((rc = check_types(base, k, cand, m, opts, types, err)))
        goto out;
    if ((rc = compile_rules(opts, &cr, err)))
        goto out;
    const struct fg_value_type *t0 = &base[0]->types[types[0]];
    r->sample_type = fg_xstrdup(t0->type);
    r->unit = fg_xstrdup(t0->unit);
    bool approx = false;
    for (size_t i = 0; i < w.runs && !rc; i++)
        rc = add_run(&w, i < k ? base[i] : cand[i - k], i, types[i],
                     &approx);
    if (rc)
        goto out;
    if (approx)
        warn(r, "the profiles carry no sample counts (no count type and no "
                "period); the tests count one event per sample record, "
                "which is conservative");
    size_t nf = w.names.n;
    grow_rows(&w, nf + 1);
    fill_side(&r->base, base, k, w.totals, w.vtotals);
    fill_side(&r->cand, cand, m, w.totals + k, w.vtotals + k);
    normalize(&w, nf);
    choose_test(&w);
    size_t nmetrics = opts->metric == FG_METRIC_BOTH ? 2 : 1;
    r->funcs = fg_xcalloc(nf * nmetrics + 1, sizeof(*r->funcs));
    w.mrow = fg_xcalloc(nf * nmetrics + 1, sizeof(size_t));
    if (opts->metric != FG_METRIC_CUM) {
        size_t from = r->n_funcs;
        make_rows(&w, nf, FG_METRIC_FLAT, w.flat, w.vflat, &cr);
        run_family(&w, from, r->n_funcs, w.flat, w.sqflat);
    }
    if (opts->metric != FG_METRIC_FLAT) {
        size_t from = r->n_funcs;
        make_rows(&w, nf, FG_METRIC_CUM, w.cum, w.vcum, &cr);
        run_family(&w, from, r->n_funcs, w.cum, w.sqcum);
    }
    side_mde(&w);
    decide(&w);
    sort_rows(r);
    if (r->base.total < 10 * opts->min_samples ||
        r->cand.total < 10 * opts->min_samples)
        warn(r, "small profiles (base %lld, candidate %lld samples): only "
                "large changes are detectable; see the minimum detectable "
                "effect",
             (long long)r->base.total, (long long)r->cand.total);
out:
    free_rules(&cr);
    free(types);
    free(w.totals);
    free(w.vtotals);
    free(w.L);
    free(w.flat);
    free(w.cum);
    free(w.vflat);
    free(w.vcum);
    free(w.sqflat);
    free(w.sqcum);
    free(w.mrow);
    fg_strtab_release(&w.names);
    if (rc)
        fg_result_free(r);
    else
        *out = r;
    return rc;
}
