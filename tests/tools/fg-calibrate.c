/*
 * fg-calibrate - statistical calibration of the gate (make calibrate).
 *
 * For every configuration (runs per side, per-stack noise, samples per
 * run) it draws synthetic profiles from one call tree (fg_synth) and runs
 * the real comparison (fg_compare with the default settings):
 *  - A/A: base and candidate from the same distribution; every FAIL is a
 *    false alarm;
 *  - injected regressions: the candidate's stacks ending in one function of
 *    at least 5% share are multiplied by a factor (x1.25 and x2); a FAIL
 *    that names that function is a detection.  Two targets, because how
 *    much a function varies between runs depends on how its samples spread
 *    over call paths: "concentrated" is the function nearest 5% share
 *    (most of its samples come from one stack), "spread" the function of at
 *    least 5% share whose samples are spread over the most stacks.
 * It prints the false-FAIL, MARGINAL and detection rates.  Deterministic:
 * the same --seed gives the same table.
 */
#include "flamegate/compare.h"
#include "analysis/stats.h"
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cell {
    size_t runs;
    double cv;
    size_t samples;
};

#define N_TARGETS 2
#define N_FACTORS 2

struct tally {
    size_t aa, aa_fail, aa_marginal, aa_inconclusive;
    size_t reg[N_TARGETS][N_FACTORS], det[N_TARGETS][N_FACTORS];
};

static void die(const char *what, const struct fg_error *err)
{
    fprintf(stderr, "fg-calibrate: %s: %s\n", what, err->msg);
    exit(2);
}

static void draw(const struct fg_synth_tree *t, const struct cell *c,
                 uint32_t seed, const struct fg_synth_regression *reg,
                 struct fg_profile **out)
{
    struct fg_synth_run_opts ro;
    fg_synth_run_opts_default(&ro);
    ro.n_samples = c->samples;
    ro.cv = c->cv;
    ro.n_types = 1;
    ro.regress = reg;
    ro.n_regress = reg ? 1 : 0;
    for (size_t i = 0; i < c->runs; i++) {
        struct fg_error err;
        ro.seed = fg_synth_seed(seed, (uint32_t)i);
        if (fg_synth_generate(t, &ro, &out[i], &err))
            die("generate", &err);
    }
}

static void free_runs(struct fg_profile **p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fg_profile_free(p[i]);
}

/* One comparison; returns the verdict and whether fname was flagged. */
static enum fg_verdict compare(struct fg_profile **b, struct fg_profile **c,
                               size_t runs, const struct fg_compare_opts *o,
                               const char *fname, bool *hit)
{
    struct fg_result *r = NULL;
    struct fg_error err;
    if (fg_compare(b, runs, c, runs, o, &r, &err))
        die("compare", &err);
    enum fg_verdict v = r->verdict;
    if (getenv("FG_CAL_DEBUG") && !fname && v == FG_VERDICT_FAIL) {
        fprintf(stderr, "A/A FAIL: alpha %.5f r %.4f totals %lld %lld\n",
                r->overdispersion, r->r, (long long)r->base.total,
                (long long)r->cand.total);
        for (size_t i = 0; i < r->n_funcs; i++)
            if (r->funcs[i].flags & FG_F_REGRESSION)
                fprintf(stderr, "  %s %lld -> %lld ratio %.3f z %.2f p %.2g\n",
                        r->funcs[i].name, (long long)r->funcs[i].base_count,
                        (long long)r->funcs[i].cand_count, r->funcs[i].ratio,
                        r->funcs[i].stat, r->funcs[i].p);
    }
    *hit = false;
    for (size_t i = 0; fname && i < r->n_funcs; i++)
        if ((r->funcs[i].flags & FG_F_REGRESSION) &&
            strcmp(r->funcs[i].name, fname) == 0)
            *hit = true;
    if (getenv("FG_CAL_DEBUG") && fname && !*hit) {
        for (size_t i = 0; i < r->n_funcs; i++) {
            const struct fg_func_result *f = &r->funcs[i];
            if (strcmp(f->name, fname) != 0 || f->metric != FG_METRIC_FLAT)
                continue;
            fprintf(stderr,
                    "missed: %s alpha %.5f r %.4f %lld -> %lld ratio %.3f "
                    "z %.2f p %.2g holm %.2g tested %zu flags %#x\n",
                    v == FG_VERDICT_FAIL ? "FAIL" : "", r->overdispersion,
                    r->r, (long long)f->base_count,
                    (long long)f->cand_count, f->ratio, f->stat, f->p,
                    f->p_holm, r->n_tested, f->flags);
        }
    }
    fg_result_free(r);
    return v;
}

static void run_cell(const struct fg_synth_tree *t, const struct cell *c,
                     size_t reps, uint32_t seed, const long *targets,
                     const struct fg_compare_opts *o, struct tally *ty)
{
    static const double factors[N_FACTORS] = {1.25, 2.0};
    struct fg_profile **b = calloc(c->runs, sizeof(*b));
    struct fg_profile **k = calloc(c->runs, sizeof(*k));
    memset(ty, 0, sizeof(*ty));
    for (size_t rep = 0; rep < reps; rep++) {
        uint32_t s = fg_synth_seed(seed, (uint32_t)(rep * 8));
        draw(t, c, fg_synth_seed(s, 1), NULL, b);
        draw(t, c, fg_synth_seed(s, 2), NULL, k);
        bool hit;
        enum fg_verdict v = compare(b, k, c->runs, o, NULL, &hit);
        ty->aa++;
        ty->aa_fail += v == FG_VERDICT_FAIL;
        ty->aa_marginal += v == FG_VERDICT_MARGINAL;
        ty->aa_inconclusive += v == FG_VERDICT_INCONCLUSIVE;
        free_runs(k, c->runs);
        for (int g = 0; g < N_TARGETS; g++) {
            const char *fname = fg_synth_func_name(t, (size_t)targets[g]);
            for (int f = 0; f < N_FACTORS; f++) {
                struct fg_synth_regression reg = {(size_t)targets[g],
                                                  factors[f]};
                draw(t, c,
                     fg_synth_seed(s, 3 + (uint32_t)(g * N_FACTORS + f)),
                     &reg, k);
                compare(b, k, c->runs, o, fname, &hit);
                ty->reg[g][f]++;
                ty->det[g][f] += hit;
                free_runs(k, c->runs);
            }
        }
        free_runs(b, c->runs);
    }
    free(b);
    free(k);
}

/* Concentration of a function's expected flat samples over its stacks:
 * sum of squared stack weights / (sum of weights)^2; the number of those
 * stacks (call paths) in *paths (may be NULL). */
static double concentration(const struct fg_synth_tree *t, size_t f,
                            size_t *paths)
{
    double sw = 0, sw2 = 0;
    size_t np = 0;
    for (size_t s = 0; s < fg_synth_n_stacks(t); s++) {
        if (fg_synth_stack_leaf(t, s) != f)
            continue;
        double w = fg_synth_stack_weight(t, s);
        sw += w;
        sw2 += w * w;
        np++;
    }
    if (paths)
        *paths = np;
    return sw > 0 ? sw2 / (sw * sw) : 1.0;
}

/* The function of at least min_share whose samples spread the most. */
static long pick_spread(const struct fg_synth_tree *t, double min_share)
{
    long best = -1;
    double best_h = 2.0;
    for (size_t f = 0; f < fg_synth_n_funcs(t); f++) {
        if (fg_synth_flat_share(t, f) < min_share)
            continue;
        double h = concentration(t, f, NULL);
        if (h < best_h) {
            best_h = h;
            best = (long)f;
        }
    }
    return best;
}

static double pct(size_t a, size_t n)
{
    return n ? 100.0 * (double)a / (double)n : 0.0;
}

int main(int argc, char **argv)
{
    size_t reps = 100;
    uint32_t seed = 42;
    bool quick = false;
    long only_runs = 0;
    double only_cv = -1;
    long only_samples = 0;
    struct fg_compare_opts opts; /* the defaults, as 'flamegate compare' */
    fg_compare_opts_default(&opts);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            only_runs = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--cv") == 0 && i + 1 < argc)
            only_cv = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc)
            only_samples = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--alpha") == 0 && i + 1 < argc &&
                 (opts.alpha = strtod(argv[++i], NULL)) > 0 && opts.alpha < 1)
            continue;
        else {
            fprintf(stderr,
                    "usage: fg-calibrate [--reps N] [--seed N] [--quick] "
                    "[--alpha A]\n"
                    "  --reps N   comparisons per cell and kind (100)\n"
                    "  --alpha A  the comparisons' --alpha (0.05)\n"
                    "  --quick    fewer cells, for CI smoke runs\n"
                    "  --runs R, --cv C, --samples N   only matching cells\n"
                    "  (FG_CAL_DEBUG=1 prints every false FAIL)\n");
            return 2;
        }
    }
    fg_stats_init();
    struct fg_synth_opts so;
    fg_synth_opts_default(&so);
    so.seed = seed;
    so.n_funcs = 300;
    so.n_stacks = 2000;
    so.depth = 10;
    so.zipf = 1.0;
    so.special_names = false;
    struct fg_synth_tree *t = NULL;
    struct fg_error err;
    if (fg_synth_tree_new(&so, &t, &err))
        die("tree", &err);
    long targets[N_TARGETS];
    targets[0] = fg_synth_pick_func(t, 0.05, 0.05, NULL);
    targets[1] = pick_spread(t, 0.05);
    if (targets[0] < 0 || targets[1] < 0) {
        fprintf(stderr, "fg-calibrate: no function at 5%% share\n");
        return 2;
    }
    static const size_t runs[] = {1, 3};
    static const double cvs[] = {0.05, 0.15, 0.30};
    static const size_t samples[] = {2000, 20000, 50000};
    printf("flamegate calibration: tree seed %u, %zu functions, %zu stacks, "
           "%zu comparisons per cell and kind, alpha %g\n",
           seed, so.n_funcs, so.n_stacks, reps, opts.alpha);
    static const char *const kind[N_TARGETS] = {"concentrated", "spread"};
    for (int g = 0; g < N_TARGETS; g++) {
        size_t f = (size_t)targets[g], paths;
        double h = concentration(t, f, &paths);
        printf("%s target: '%s', expected flat share %.2f%%, %zu call "
               "paths, concentration %.2f\n",
               kind[g], fg_synth_func_name(t, f),
               fg_synth_flat_share(t, f) * 100, paths, h);
    }
    printf("\n| runs | per-stack CV | samples/run | A/A false FAIL | A/A "
           "MARGINAL | A/A INCONCLUSIVE | concentrated x1.25 | concentrated "
           "x2 | spread x1.25 | spread x2 |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    size_t total_aa = 0, total_fail = 0;
    for (size_t r = 0; r < 2; r++) {
        for (size_t v = 0; v < 3; v++) {
            for (size_t s = 0; s < 3; s++) {
                if (quick && (v != 0 || s == 2))
                    continue;
                if ((only_runs && (size_t)only_runs != runs[r]) ||
                    (only_cv >= 0 && only_cv != cvs[v]) ||
                    (only_samples && (size_t)only_samples != samples[s]))
                    continue;
                struct cell c = {runs[r], cvs[v], samples[s]};
                struct tally ty;
                run_cell(t, &c, reps,
                         fg_synth_seed(seed, (uint32_t)(r * 100 + v * 10 + s)),
                         targets, &opts, &ty);
                printf("| %zu vs %zu | %.0f%% | %zu | %.1f%% | %.1f%% | %.1f%% "
                       "| %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n",
                       c.runs, c.runs, c.cv * 100, c.samples,
                       pct(ty.aa_fail, ty.aa), pct(ty.aa_marginal, ty.aa),
                       pct(ty.aa_inconclusive, ty.aa),
                       pct(ty.det[0][0], ty.reg[0][0]),
                       pct(ty.det[0][1], ty.reg[0][1]),
                       pct(ty.det[1][0], ty.reg[1][0]),
                       pct(ty.det[1][1], ty.reg[1][1]));
                fflush(stdout);
                total_aa += ty.aa;
                total_fail += ty.aa_fail;
            }
        }
    }
    printf("\nA/A comparisons: %zu, false FAIL: %zu (%.2f%%)\n", total_aa,
           total_fail, pct(total_fail, total_aa));
    fg_synth_tree_free(t);
    return 0;
}
