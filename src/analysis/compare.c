/*
 * compare.c - baseline vs candidate (see compare.h and README
 * "Statistics"): the steps of one comparison, each in its own unit:
 * duplicated runs dropped and counts (counts.c) aggregated into the
 * per-function table (table.c), rules (rules.c) and environment classes
 * (envnoise.c), normalization (normalize.c), flat and cum rows tested
 * (difftest.c), corrections and gates (gate.c), the findings
 * (findings.c), the verdict (gate.c), row order (rank.c).
 */
#include "analysis/envnoise.h"
#include "analysis/work.h"
#include "flamegate/strtab.h"
#include "core/pool.h"
#include "core/strsort.h"
#include "core/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fg_compare_opts_default(struct fg_compare_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->metric = FG_METRIC_BOTH;
    o->normalize = FG_NORM_ROBUST;
    o->env_noise = true;
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
    case FG_NORM_MEDIAN: return "median";
    case FG_NORM_DURATION: return "duration";
    case FG_NORM_WORK: return "work";
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

void fg_result_add_warning(struct fg_result *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fg_work_warn(r, "%s", line);
}

void fg_result_free(struct fg_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_funcs; i++) {
        if (!r->name_pool)
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
    fg_findings_free(r);
    free(r->name_pool);
    free(r->sample_type);
    free(r->unit);
    free(r->count_type);
    free(r);
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
        s->run_totals[i] = fg_work_i64(totals[i]);
        sum += totals[i];
        s->value_total += vtotals[i];
    }
    s->total = fg_work_i64(sum);
}

/* Whether union function g's cum counts equal its flat counts in every
 * run: a function that never calls anything, whose cum row would repeat
 * its flat row. */
static bool cum_is_flat(const struct fg_work *w, size_t g)
{
    const double *f = w->flat + g * w->runs, *c = w->cum + g * w->runs;
    for (size_t j = 0; j < w->runs; j++)
        if (f[j] != c[j])
            return false;
    return true;
}

/* Build rows for one metric from the matrices; returns the number added.
 * "new" and "vanished" are about the function (absent from every stack of
 * a side), whichever metric the row is. */
static size_t make_rows(struct fg_work *w, size_t nf, enum fg_metric metric,
                        struct fg_rules *cr, bool late)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, R = w->runs;
    const double *mat = fg_work_mat(w, metric);
    const double *vmat = metric == FG_METRIC_CUM ? w->vcum : w->vflat;
    double nb = fg_work_sum(w->totals, 0, k), nc = fg_work_sum(w->totals, k, R);
    size_t added = 0;
    for (size_t g = 0; g < nf; g++) {
        const double *row = mat + g * R;
        double a = fg_work_sum(row, 0, k), b = fg_work_sum(row, k, R);
        if ((a == 0 && b == 0) || w->early[g] == late)
            continue;
        if (metric == FG_METRIC_CUM && w->row_of[0][g] && cum_is_flat(w, g))
            continue;
        struct fg_func_result *f = &r->funcs[r->n_funcs++];
        memset(f, 0, sizeof(*f));
        /* an early row is named when the pool is built (build_pool) */
        f->name = r->name_pool ? r->name_pool + w->name_at[g] : NULL;
        f->metric = metric;
        f->base_count = fg_work_i64(a);
        f->cand_count = fg_work_i64(b);
        f->base_value = fg_work_sum(vmat + g * R, 0, k);
        f->cand_value = fg_work_sum(vmat + g * R, k, R);
        f->base_share = nb > 0 ? a / nb : 0;
        f->cand_share = nc > 0 ? b / nc : 0;
        /* delta: once the normalization is done (fill_deltas) */
        f->p = f->p_holm = f->p_bh = 1.0;
        f->ratio = f->ratio_lo = f->ratio_hi = 1.0;
        w->mrow[r->n_funcs - 1] = g;
        w->row_of[metric == FG_METRIC_CUM][g] = r->n_funcs;
        const double *cum = w->cum + g * R;
        if (fg_work_sum(cum, 0, k) == 0)
            f->flags |= FG_F_NEW;
        if (fg_work_sum(cum, k, R) == 0)
            f->flags |= FG_F_VANISHED;
        if (w->env[g] >= 0) {
            f->flags |= FG_F_ENV;
            f->env_family = fg_envnoise_family(w->env[g])->name;
            f->env_cv = fg_envnoise_cv(w->env[g]);
        }
        fg_rules_apply(w->o, cr, f->name ? f->name : w->names.strs[g], f);
        added++;
    }
    return added;
}

static void alloc_runs(struct fg_work *w, size_t row)
{
    const double *mat = fg_work_mat(w, w->res->funcs[row].metric);
    const size_t k = w->k, R = w->runs;
    struct fg_func_result *f = &w->res->funcs[row];
    size_t g = w->mrow[row];
    f->base_runs = fg_xcalloc(k, sizeof(int64_t));
    f->cand_runs = fg_xcalloc(w->m, sizeof(int64_t));
    for (size_t j = 0; j < R; j++) {
        if (j < k)
            f->base_runs[j] = fg_work_i64(mat[g * R + j]);
        else
            f->cand_runs[j - k] = fg_work_i64(mat[g * R + j]);
    }
}

/* Mark the tested rows (flat and cum: one family) into fam and give them
 * (and the new, vanished and rule rows) their per-run counts. */
static void mark_tested(struct fg_work *w, struct fg_family *fam)
{
    struct fg_result *r = w->res;
    fam->rows = fg_xcalloc(r->n_funcs + 1, sizeof(size_t));
    fam->n = 0;
    for (size_t i = 0; i < r->n_funcs; i++) {
        struct fg_func_result *f = &r->funcs[i];
        bool keep = !(f->flags & FG_F_IGNORED) &&
                    (double)f->base_count + (double)f->cand_count >=
                        (double)w->o->min_count &&
                    fmax(f->base_share, f->cand_share) >= w->o->min_share;
        if (keep) {
            f->flags |= FG_F_TESTED;
            fam->rows[fam->n++] = i;
        }
        if (keep || (f->flags & (FG_F_NEW | FG_F_VANISHED)) || f->rule)
            alloc_runs(w, i);
    }
}

/* The change in share after normalization (w->lb, w->lc) of the rows
 * from row `from` on. */
static void fill_deltas(struct fg_work *w, size_t from)
{
    struct fg_result *r = w->res;
    const size_t k = w->k, R = w->runs;
    for (size_t i = from; i < r->n_funcs; i++) {
        struct fg_func_result *f = &r->funcs[i];
        const double *row = fg_work_mat(w, f->metric) + w->mrow[i] * R;
        double a = fg_work_sum(row, 0, k), b = fg_work_sum(row, k, R);
        f->delta = (w->lc > 0 ? b / w->lc : 0) - (w->lb > 0 ? a / w->lb : 0);
    }
}

struct digest_job {
    struct fg_profile *const *ps;
    uint64_t *h;
};

static void digest_item(void *ctx, size_t i)
{
    struct digest_job *d = ctx;
    d->h[i] = fg_table_digest(d->ps[i]);
}

/* Drop runs of one side that repeat an earlier run byte for byte (the
 * same file given twice, a URL that served the same body): counted twice
 * they look like runs that agree perfectly, and made a p-value of 0.021
 * into 1.6e-21.  Returns the kept runs (malloc'd) in *out and their
 * number; *dropped names the first duplicate. */
static size_t dedup(struct fg_profile *const *ps, const uint64_t *h,
                    size_t n, struct fg_profile ***out, size_t *dropped,
                    const char **dup_of, const char **dup)
{
    struct fg_profile **keep = fg_xcalloc(n ? n : 1, sizeof(*keep));
    size_t kept = 0;
    *dropped = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && h[j] != h[i])
            j++;
        if (j < i) {
            if (!*dropped) {
                *dup_of = ps[j]->source;
                *dup = ps[i]->source;
            }
            (*dropped)++;
            continue;
        }
        keep[kept++] = ps[i];
    }
    *out = keep;
    return kept;
}

/* Share of each side's samples in functions present on both sides; the
 * smaller of the two. */
static double overlap(const struct fg_work *w, size_t nf)
{
    const size_t k = w->k, R = w->runs;
    double in[2] = {0, 0};
    for (size_t g = 0; g < nf; g++) {
        const double *c = w->cum + g * R, *f = w->flat + g * R;
        if (!(fg_work_sum(c, 0, k) > 0) || !(fg_work_sum(c, k, R) > 0))
            continue;
        in[0] += fg_work_sum(f, 0, k);
        in[1] += fg_work_sum(f, k, R);
    }
    double nb = fg_work_sum(w->totals, 0, k), nc = fg_work_sum(w->totals, k, R);
    double ob = nb > 0 ? in[0] / nb : 1, oc = nc > 0 ? in[1] / nc : 1;
    return fmin(1.0, fmin(ob, oc));
}

/*
 * One side has no profile at all (e.g. every window of a young canary was
 * empty): nothing can be judged, which is INCONCLUSIVE, never a pass.  The
 * other side is counted as a comparison would count it; the reports tell
 * the empty side by its 0 runs.
 */
static int one_side_empty(struct fg_profile *const *ps, size_t n, bool base,
                          const struct fg_compare_opts *opts,
                          struct fg_result **out, struct fg_error *err)
{
    struct fg_result *r = fg_xcalloc(1, sizeof(*r));
    r->opts = *opts;
    size_t *types = fg_xcalloc(n, sizeof(size_t));
    int rc = fg_table_check_types(ps, n, NULL, 0, opts, types, err);
    struct fg_side *have = base ? &r->base : &r->cand;
    have->runs = n;
    have->sources = fg_xcalloc(n, sizeof(char *));
    have->run_totals = fg_xcalloc(n, sizeof(int64_t));
    double sum = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct fg_sample_count c;
        rc = fg_compare_count_samples(ps[i], types[i], &c, err);
        have->sources[i] = fg_xstrdup(ps[i]->source);
        have->run_totals[i] = c.samples;
        sum += (double)c.samples;
        for (size_t s = 0; s < ps[i]->n_samples; s++)
            have->value_total +=
                (double)ps[i]->values[s * ps[i]->n_types + types[i]];
        if (!r->count_type)
            r->count_type = fg_xstrdup(c.how);
    }
    have->total = fg_work_i64(sum);
    if (rc) {
        free(types);
        fg_result_free(r);
        return rc;
    }
    r->sample_type = fg_xstrdup(ps[0]->types[types[0]].type);
    r->unit = fg_xstrdup(ps[0]->types[types[0]].unit);
    free(types);
    r->test = opts->test;
    r->normalize = opts->normalize;
    r->r = 1.0;
    r->verdict = FG_VERDICT_INCONCLUSIVE;
    r->exit_code = FG_EXIT_PASS;
    snprintf(r->reason, sizeof(r->reason),
             "the %s has no samples: none of its profiles (or backend "
             "windows) holds any, so there is nothing to compare the %s "
             "with",
             base ? "candidate" : "base", base ? "base" : "candidate");
    *out = r;
    return FG_OK;
}

/* What only the walks over the profiles' samples read (per-sample marks,
 * per-run function maps) and the union's hash slots, once the findings
 * are done: the name pool is built in their place. */
static void release_sample_state(struct fg_work *w)
{
    for (size_t j = 0; j < w->runs; j++) {
        free(w->sout ? w->sout[j] : NULL);
        free(w->fmap[j]);
        w->fmap[j] = NULL;
    }
    free(w->sout);
    w->sout = NULL;
    fg_strtab_drop_slots(&w->names);
}

/* The count matrices, once nothing reads them (the row order's
 * temporaries need not sit on top of them). */
static void release_matrices(struct fg_work *w)
{
    double **mats[] = {&w->flat,  &w->cum,    &w->vflat,
                       &w->vcum,  &w->sqflat, &w->sqcum};
    for (size_t i = 0; i < 6; i++) {
        free(*mats[i]);
        *mats[i] = NULL;
    }
}

static void work_release(struct fg_work *w)
{
    free(w->totals);
    free(w->vtotals);
    free(w->L);
    free(w->flat);
    free(w->cum);
    free(w->vflat);
    free(w->vcum);
    free(w->sqflat);
    free(w->sqcum);
    free(w->mrow);
    free(w->cs);
    for (size_t j = 0; w->fmap && j < w->runs; j++)
        free(w->fmap[j]);
    free(w->fmap);
    free(w->env);
    free(w->leaf_out);
    free(w->charge);
    free(w->internal);
    for (size_t j = 0; w->sout && j < w->runs; j++)
        free(w->sout[j]);
    free(w->sout);
    free(w->row_of[0]);
    free(w->row_of[1]);
    free(w->early);
    free(w->name_at);
    fg_strtab_release(&w->names);
}

/* The environment class, rule and interrupt flags of union functions
 * [lo, hi), by name; en is the calling thread's own (regexec serializes
 * callers of one compiled pattern). */
static void classify_range(struct fg_work *w, const struct fg_rules *cr,
                           const struct fg_envnoise *en, size_t lo,
                           size_t hi)
{
    const struct fg_compare_opts *opts = w->o;
    for (size_t g = lo; g < hi; g++) {
        const char *name = w->names.strs[g];
        w->internal[g] = fg_envnoise_internal(name);
        w->env[g] = (int)fg_envnoise_classify(en, name);
        w->leaf_out[g] = fg_rules_ignores(opts, cr, name);
        /* an ignore rule that names it keeps its samples apart */
        w->charge[g] = opts->env_noise && !w->leaf_out[g] &&
                       fg_envnoise_interrupts(name);
    }
}

/* Names are classified in blocks of this many, a block per thread. */
#define CLASSIFY_MIN 4096

struct classify_job {
    struct fg_work *w;
    const struct fg_rules *cr;
    size_t nf, parts;
    struct fg_envnoise **en;
};

static void classify_item(void *ctx, size_t i)
{
    struct classify_job *c = ctx;
    size_t lo = c->nf * i / c->parts, hi = c->nf * (i + 1) / c->parts;
    classify_range(c->w, c->cr, c->en[i], lo, hi);
}

static int classify_all(struct fg_work *w, const struct fg_rules *cr,
                        size_t nf)
{
    size_t parts = fg_parallel_cpus();
    if (parts > nf / CLASSIFY_MIN)
        parts = nf / CLASSIFY_MIN;
    if (parts < 1)
        parts = 1;
    struct fg_envnoise **en = fg_xcalloc(parts, sizeof(*en));
    int rc = FG_OK;
    for (size_t i = 0; i < parts && !rc; i++)
        rc = fg_envnoise_new(&en[i], w->err);
    if (!rc) {
        struct classify_job c = {w, cr, nf, parts, en};
        fg_parallel_for(parts, (unsigned)parts, classify_item, &c);
    }
    for (size_t i = 0; i < parts; i++)
        fg_envnoise_free(en[i]);
    free(en);
    return rc;
}

/* The rank of every union name in byte order (names are distinct), for
 * the row order: one sort of the union's names instead of one of the
 * rows' (flat and cum rows share names), done while the normalization
 * runs. */
static void rank_union_names(const struct fg_strtab *names, uint32_t *rank)
{
    size_t n = names->n;
    struct fg_strsort_ent *e = fg_xmalloc((n ? n : 1) * sizeof(*e));
    for (size_t g = 0; g < n; g++) {
        e[g].s = (const unsigned char *)names->strs[g];
        e[g].id = (uint32_t)g;
    }
    fg_strsort(e, n);
    for (size_t i = 0; i < n; i++)
        rank[e[i].id] = (uint32_t)i;
    free(e);
}

/* Whether a row of these counts could be tested (mark_tested, before
 * the ignore rules). */
static bool may_test(const struct fg_work *w, double a, double b, double nb,
                     double nc)
{
    double sb = nb > 0 ? a / nb : 0, sc = nc > 0 ? b / nc : 0;
    return (double)fg_work_i64(a) + (double)fg_work_i64(b) >=
               (double)w->o->min_count &&
           fmax(sb, sc) >= w->o->min_share;
}

/* Which union functions get their rows before the tests (w->early): when
 * the caller frees the profiles, a superset of those whose rows the
 * tests, the gate and the findings read.
 * Both rows of a function go together (the gate reads a flat row's cum
 * row, the findings both rows of a flagged function).  On a large profile
 * nine functions in ten are too small to test: their 200+ bytes a row
 * wait until the profiles are released. */
static void choose_early(struct fg_work *w, size_t nf, struct fg_rules *cr)
{
    const size_t k = w->k, R = w->runs;
    double nb = fg_work_sum(w->totals, 0, k), nc = fg_work_sum(w->totals, k, R);
    w->early = fg_xcalloc(nf + 1, sizeof(bool));
    /* Profiles that stay (no profiles_done) leave nothing to gain: every
     * row is built beside the normalization, on the second core. */
    for (size_t g = 0; g < nf && !w->o->profiles_done; g++)
        w->early[g] = true;
    for (size_t g = 0; g < nf && w->o->profiles_done; g++) {
        const double *f = w->flat + g * R, *c = w->cum + g * R;
        double ca = fg_work_sum(c, 0, k), cb = fg_work_sum(c, k, R);
        w->early[g] =
            ca == 0 || cb == 0 || /* new, vanished (or no row at all) */
            may_test(w, ca, cb, nb, nc) ||
            may_test(w, fg_work_sum(f, 0, k), fg_work_sum(f, k, R), nb, nc) ||
            fg_rules_threshold(w->o, cr, w->names.strs[g]);
    }
}

/* The result rows that the tests, gate and findings read (choose_early),
 * and the tested ones marked (fam): everything about them that does not
 * depend on the normalization.  build_late adds the other rows. */
static void build_rows(struct fg_work *w, size_t nf, struct fg_rules *cr,
                       struct fg_family *fam)
{
    struct fg_result *r = w->res;
    const struct fg_compare_opts *opts = w->o;
    size_t nmetrics = opts->metric == FG_METRIC_BOTH ? 2 : 1;
    /* room for every row; the pages of rows not yet built are untouched */
    r->funcs = fg_xcalloc(nf * nmetrics + 1, sizeof(*r->funcs));
    w->mrow = fg_xcalloc(nf * nmetrics + 1, sizeof(size_t));
    w->row_of[0] = fg_xcalloc(nf + 1, sizeof(size_t));
    w->row_of[1] = fg_xcalloc(nf + 1, sizeof(size_t));
    choose_early(w, nf, cr);
    if (opts->metric != FG_METRIC_CUM)
        make_rows(w, nf, FG_METRIC_FLAT, cr, false);
    if (opts->metric != FG_METRIC_FLAT)
        make_rows(w, nf, FG_METRIC_CUM, cr, false);
    mark_tested(w, fam);
}

/* Every union name once in the result's name pool, for the rows of both
 * metrics (a copy per row was 16 MB and 335,000 allocations for two
 * 10^6-stack profiles), and the rows built so far named from it.  Done
 * when the union's names are read no more, before the profiles that hold
 * them are released. */
static void build_pool(struct fg_work *w, size_t nf)
{
    struct fg_result *r = w->res;
    size_t bytes = 0;
    w->name_at = fg_xmalloc((nf + 1) * sizeof(size_t));
    for (size_t g = 0; g < nf; g++) {
        w->name_at[g] = bytes;
        bytes += (size_t)w->names.lens[g] + 1;
    }
    r->name_pool = fg_xmalloc(bytes ? bytes : 1);
    for (size_t g = 0; g < nf; g++)
        memcpy(r->name_pool + w->name_at[g], w->names.strs[g],
               (size_t)w->names.lens[g] + 1);
    for (size_t i = 0; i < r->n_funcs; i++)
        r->funcs[i].name = r->name_pool + w->name_at[w->mrow[i]];
}

/* The rows build_rows left out, after the early ones (fg_rank_rows
 * orders them all by their keys, which are distinct). */
static void build_late(struct fg_work *w, size_t nf, struct fg_rules *cr)
{
    size_t from = w->res->n_funcs;
    if (w->o->metric != FG_METRIC_CUM)
        make_rows(w, nf, FG_METRIC_FLAT, cr, true);
    if (w->o->metric != FG_METRIC_FLAT)
        make_rows(w, nf, FG_METRIC_CUM, cr, true);
    fill_deltas(w, from);
}

/* Two independent steps run side by side: the normalization (and what
 * only reads it), and the ranking of the union's names with the rows
 * (which read the matrices, not the normalization; the normalization
 * does not read the rows). */
struct norm_job {
    struct fg_work *w;
    size_t nf;
    uint32_t *name_rank;
    struct fg_rules *cr;
    struct fg_family fam;
};

static void norm_item(void *ctx, size_t i)
{
    struct norm_job *j = ctx;
    if (i == 1) {
        rank_union_names(&j->w->names, j->name_rank);
        build_rows(j->w, j->nf, j->cr, &j->fam);
        return;
    }
    fg_normalize(j->w, j->nf);
    fg_difftest_choose(j->w);
    j->w->res->overlap = overlap(j->w, j->nf);
}

/* Seconds since *t, and *t moved to now: the time of the step that just
 * ended. */
static double lap(double *t)
{
    double now = fg_now();
    double d = now - *t;
    *t = now;
    return d;
}

/* The steps after the table is built (base and candidate deduplicated). */
static int analyse(struct fg_work *w, struct fg_profile *const *base,
                   struct fg_profile *const *cand, const size_t *types,
                   struct fg_rules *cr)
{
    struct fg_result *r = w->res;
    const struct fg_compare_opts *opts = w->o;
    const size_t k = w->k, m = w->m;
    int rc = FG_OK;
    bool approx = false;
    double t = fg_now();
    rc = fg_table_add_runs(w, types, &approx);
    if (rc)
        return rc;
    if (approx)
        fg_work_warn(r, "the profiles carry no sample counts (no count type "
                        "and no period); the tests count one event per "
                        "sample record, which is conservative");
    size_t nf = w->names.n;
    fg_table_grow(w, nf + 1);
    w->env = fg_xcalloc(nf + 1, sizeof(int));
    w->leaf_out = fg_xcalloc(nf + 1, sizeof(bool));
    w->charge = fg_xcalloc(nf + 1, sizeof(bool));
    w->internal = fg_xcalloc(nf + 1, sizeof(bool));
    r->times.table = lap(&t);
    if ((rc = classify_all(w, cr, nf)))
        return rc;
    w->types = types;
    fg_table_charge_interrupts(w);
    fg_table_set_aside(w);
    fill_side(&r->base, base, k, w->totals, w->vtotals);
    fill_side(&r->cand, cand, m, w->totals + k, w->vtotals + k);
    for (int s = 0; s < 2; s++) {
        double n = s ? (double)r->cand.total : (double)r->base.total;
        r->env_share[s] = n > 0 ? w->aside[s] / n : 0.0;
        r->charged_share[s] = n > 0 ? w->charged[s] / n : 0.0;
    }
    struct norm_job nj = {w, nf, fg_xmalloc((nf + 1) * sizeof(uint32_t)), cr,
                          {NULL, 0}};
    r->times.set_aside = lap(&t);
    fg_parallel_for(2, fg_parallel_cpus(), norm_item, &nj);
    r->times.normalize = lap(&t);
    fill_deltas(w, 0);
    fg_difftest_run(w, &nj.fam);
    fg_gate_adjust(w, &nj.fam);
    free(nj.fam.rows);
    fg_gate_mde(w);
    fg_gate_classify(w);
    r->times.tests = lap(&t);
    fg_findings_build(w);
    fg_gate_decide(w);
    r->times.findings = lap(&t);
    /* the profiles and the union's name table are read no more once the
     * names are in the pool (their ranks are in nj.name_rank) */
    release_sample_state(w);
    build_pool(w, nf);
    w->prof = NULL;
    if (opts->profiles_done)
        opts->profiles_done(opts->profiles_done_ctx);
    fg_strtab_release(&w->names);
    build_late(w, nf, cr);
    r->times.rows = lap(&t);
    release_matrices(w);
    size_t *moved = fg_xcalloc(r->n_funcs + 1, sizeof(size_t));
    /* the rank of each row's name: row i's is union name mrow[i] */
    uint32_t *row_rank = fg_xmalloc((r->n_funcs + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < r->n_funcs; i++)
        row_rank[i] = nj.name_rank[w->mrow[i]];
    free(nj.name_rank);
    fg_rank_rows(r, row_rank, moved);
    free(row_rank);
    fg_findings_remap(r, moved);
    free(moved);
    r->times.order = lap(&t);
    if (r->overlap < FG_WARN_OVERLAP)
        fg_work_warn(r, "the two sides share functions for only %.0f%% of "
                        "their samples: are they the same program? (under "
                        "%.0f%% the verdict is INCONCLUSIVE)",
                     r->overlap * 100, FG_MIN_OVERLAP * 100);
    if (r->base.total < 10 * opts->min_samples ||
        r->cand.total < 10 * opts->min_samples)
        fg_work_warn(r, "small profiles (base %lld, candidate %lld samples): "
                        "only large changes are detectable; see the minimum "
                        "detectable effect",
                     (long long)r->base.total, (long long)r->cand.total);
    return FG_OK;
}

int fg_compare(struct fg_profile *const *base, size_t k,
               struct fg_profile *const *cand, size_t m,
               const struct fg_compare_opts *opts, struct fg_result **out,
               struct fg_error *err)
{
    *out = NULL;
    if (k == 0 && m == 0)
        return fg_error_set(err, FG_EUSAGE, "no profiles to compare");
    if (k == 0 || m == 0)
        return one_side_empty(k ? base : cand, k ? k : m, k != 0, opts, out,
                              err);
    struct fg_profile **bk = NULL, **ck = NULL;
    size_t drop[2];
    const char *dup_of[2] = {NULL, NULL}, *dup[2] = {NULL, NULL};
    /* the digests of both sides' runs at once, on the core pool */
    struct fg_profile **both = fg_xcalloc(k + m, sizeof(*both));
    memcpy(both, base, k * sizeof(*both));
    memcpy(both + k, cand, m * sizeof(*both));
    uint64_t *h = fg_xcalloc(k + m, sizeof(uint64_t));
    struct digest_job dj = {both, h};
    double t_digests = fg_now();
    fg_parallel_for(k + m, fg_parallel_cpus(), digest_item, &dj);
    t_digests = fg_now() - t_digests;
    free(both);
    size_t k0 = k;
    k = dedup(base, h, k, &bk, &drop[0], &dup_of[0], &dup[0]);
    m = dedup(cand, h + k0, m, &ck, &drop[1], &dup_of[1], &dup[1]);
    free(h);
    int rc = FG_OK;
    struct fg_work w;
    memset(&w, 0, sizeof(w));
    w.o = opts;
    w.err = err;
    w.k = k;
    w.m = m;
    w.runs = k + m;
    fg_strtab_init(&w.names);
    size_t *types = fg_xcalloc(w.runs, sizeof(size_t));
    struct fg_profile **all = fg_xcalloc(w.runs, sizeof(*all));
    memcpy(all, bk, k * sizeof(*all));
    memcpy(all + k, ck, m * sizeof(*all));
    w.prof = all;
    w.totals = fg_xcalloc(w.runs, sizeof(double));
    w.vtotals = fg_xcalloc(w.runs, sizeof(double));
    w.L = fg_xcalloc(w.runs, sizeof(double));
    w.cs = fg_xcalloc(w.runs, sizeof(*w.cs));
    w.fmap = fg_xcalloc(w.runs, sizeof(*w.fmap));
    struct fg_rules cr = {NULL, NULL, 0, false};
    struct fg_result *r = fg_xcalloc(1, sizeof(*r));
    w.res = r;
    r->opts = *opts;
    r->times.digests = t_digests;
    if ((rc = fg_table_check_types(bk, k, ck, m, opts, types, err)) ||
        (rc = fg_normalize_check(&w)) ||
        (rc = fg_rules_compile(opts, &cr, err)))
        goto out;
    const struct fg_value_type *t0 = &bk[0]->types[types[0]];
    r->sample_type = fg_xstrdup(t0->type);
    r->unit = fg_xstrdup(t0->unit);
    for (int s = 0; s < 2; s++)
        if (drop[s])
            fg_work_warn(r, "%zu %s run%s dropped: '%s' repeats '%s' byte "
                            "for byte (a duplicate would count as a run that "
                            "agrees perfectly)",
                         drop[s], s ? "candidate" : "base",
                         drop[s] == 1 ? "" : "s", dup[s], dup_of[s]);
    rc = analyse(&w, bk, ck, types, &cr);
out:
    fg_rules_free(&cr);
    free(types);
    free(all);
    free(bk);
    free(ck);
    work_release(&w);
    if (rc)
        fg_result_free(r);
    else
        *out = r;
    return rc;
}
